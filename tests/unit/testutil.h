/* Helpers shared by the unit tests of lib/store, lib/ingest and lib/query: checks that name the
 * failing case, temporary directories removed at the end, and builders for model structs.
 * Include after <cmocka.h>. Everything is static inline so that a test file pays only for what it
 * uses; the builders allocate, and the matching td_*_fini frees. */
#ifndef TIENDO_TESTUTIL_H
#define TIENDO_TESTUTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/model.h"
#include "tiendo/store.h"
#include "tiendo/wire.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Fail naming the case, so that a table's failing row is found at once. */
#define CHECK_INT(name, got, want)                                                                 \
    do {                                                                                           \
        long long got_ = (long long)(got), want_ = (long long)(want);                              \
        if (got_ != want_)                                                                         \
            fail_msg("%s: %s is %lld, want %lld", name, #got, got_, want_);                        \
    } while (0)
#define CHECK_STR(name, got, want)                                                                 \
    do {                                                                                           \
        const char *got_ = (got), *want_ = (want);                                                 \
        if (got_ == NULL || want_ == NULL || strcmp(got_, want_) != 0)                             \
            fail_msg("%s: %s is \"%s\", want \"%s\"", name, #got, got_ ? got_ : "(null)",          \
                     want_ ? want_ : "(null)");                                                    \
    } while (0)
/* Both NULL, or equal strings. */
#define CHECK_OPTSTR(name, got, want)                                                              \
    do {                                                                                           \
        const char *got2_ = (got), *want2_ = (want);                                               \
        if (got2_ != NULL || want2_ != NULL)                                                       \
            CHECK_STR(name, got2_, want2_);                                                        \
    } while (0)
/* A td_err call that must succeed; on failure shows the message. */
#define CHECK_OK(name, call, why)                                                                  \
    do {                                                                                           \
        td_err err_ = (call);                                                                      \
        if (err_ != TD_OK)                                                                         \
            fail_msg("%s: %s failed: %s (%s)", name, #call, td_strerror(err_), (why)->text);       \
    } while (0)

/* A fresh directory under $TMPDIR (or /tmp); the caller removes it with tu_rmtree. */
static inline char *tu_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tiendo-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(path))
        fail_msg("mkdtemp %s failed", path);
    char *dir = strdup(path);
    assert_non_null(dir);
    return dir;
}

static inline int tu_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes the directory and everything under it, frees the path and sets it to NULL. */
static inline void tu_rmtree(char **dir_p)
{
    if (!dir_p || !*dir_p)
        return;
    if (nftw(*dir_p, tu_rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fail_msg("removing %s failed", *dir_p);
    free(*dir_p);
    *dir_p = NULL;
}

static inline char *tu_strdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

/* Dates and instants from text, so that tables read as dates. */
static inline td_day tu_day(const char *text)
{
    td_day d;
    if (td_day_parse(text, &d) != TD_OK)
        fail_msg("bad test date %s", text);
    return d;
}

static inline td_time tu_time(const char *text)
{
    td_time t;
    if (td_time_parse(text, &t) != TD_OK)
        fail_msg("bad test time %s", text);
    return t;
}

static inline void tu_agency(td_agency *a, const char *code, const char *name, int kind,
                             const char *parent, int block)
{
    memset(a, 0, sizeof *a);
    snprintf(a->code, sizeof a->code, "%s", code);
    a->name = tu_strdup(name);
    a->kind = kind;
    snprintf(a->parent, sizeof a->parent, "%s", parent ? parent : "");
    a->block = block;
}

/* A task titled "Task <id>"; deadline and assigned_on as YYYY-MM-DD text, deadline NULL for a
 * regular task. */
static inline void tu_task(td_task *t, const char *id, const char *lead, const char *deadline,
                           const char *assigned_on, const char *source, const char *group,
                           int difficulty)
{
    char title[TD_ID_MAX + 8];
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", id);
    snprintf(title, sizeof title, "Task %s", id);
    t->title = tu_strdup(title);
    t->source = tu_strdup(source);
    snprintf(t->lead, sizeof t->lead, "%s", lead);
    t->deadline = deadline ? tu_day(deadline) : TD_NODAY;
    t->assigned_on = tu_day(assigned_on);
    t->group = tu_strdup(group ? group : "");
    t->difficulty = difficulty;
}

/* A status item; completed_on as YYYY-MM-DD text or NULL; note may be NULL. */
static inline void tu_item(td_task_status *s, const char *id, int state, int progress,
                           const char *completed_on, const char *note)
{
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", id);
    s->state = state;
    s->progress = progress;
    s->completed_on = completed_on ? tu_day(completed_on) : TD_NODAY;
    s->note = tu_strdup(note);
}

static inline void tu_item_evidence(td_task_status *s, size_t n, const char *const *texts)
{
    s->evidence = calloc(n, sizeof *s->evidence);
    assert_non_null(s->evidence);
    for (size_t i = 0; i < n; i++)
        s->evidence[i] = tu_strdup(texts[i]);
    s->n_evidence = n;
}

/* A report message with room for n items (zeroed); fill them with tu_item and free the message
 * with td_report_fini(&m->report). */
static inline void tu_report(td_report_msg *m, const char *agency, uint64_t seq, td_time as_of,
                             size_t n)
{
    memset(m, 0, sizeof *m);
    m->seq = seq;
    snprintf(m->report.agency, sizeof m->report.agency, "%s", agency);
    m->report.as_of = as_of;
    m->report.n_tasks = n;
    m->report.tasks = n ? calloc(n, sizeof *m->report.tasks) : NULL;
    if (n)
        assert_non_null(m->report.tasks);
}

/* A key whose 32 bytes are all b, for tables. */
static inline void tu_key(uint8_t key[TD_KEY_LEN], uint8_t b)
{
    memset(key, b, TD_KEY_LEN);
}

/* Opens (creating) a store in dir, failing the test on error. */
static inline td_store *tu_store_open(const char *dir, size_t map_max)
{
    td_store *store = NULL;
    td_errmsg why = {{0}};
    CHECK_OK(dir, td_store_open(dir, TD_STORE_CREATE, map_max, &store, &why), &why);
    assert_non_null(store);
    return store;
}

/* A td_store_fn that adds the agencies and tasks of a registry. */
typedef struct {
    const td_agency *agencies;
    size_t n_agencies;
    const td_task *tasks;
    size_t n_tasks;
} tu_registry;

static inline td_err tu_put_registry(td_txn *txn, void *arg)
{
    const tu_registry *r = arg;
    td_err err = TD_OK;
    for (size_t i = 0; err == TD_OK && i < r->n_agencies; i++)
        err = td_store_put_agency(txn, &r->agencies[i]);
    for (size_t i = 0; err == TD_OK && i < r->n_tasks; i++)
        err = td_store_put_task(txn, &r->tasks[i]);
    return err;
}

/* Stores a registry in one transaction, then finalizes its agencies and tasks. */
static inline void tu_load_registry(td_store *store, td_agency *agencies, size_t n_agencies,
                                    td_task *tasks, size_t n_tasks)
{
    tu_registry reg = {agencies, n_agencies, tasks, n_tasks};
    td_errmsg why = {{0}};
    CHECK_OK("registry", td_store_update(store, tu_put_registry, &reg, &why), &why);
    for (size_t i = 0; i < n_agencies; i++)
        td_agency_fini(&agencies[i]);
    for (size_t i = 0; i < n_tasks; i++)
        td_task_fini(&tasks[i]);
}

/* Counts the versions of task id (each_task_version). */
typedef struct {
    const char *id;
    size_t n;
} tu_count;

static inline td_err tu_count_version(const td_task_version *v, void *arg)
{
    (void)v;
    ((tu_count *)arg)->n++;
    return TD_OK;
}

static inline td_err tu_count_versions_fn(td_txn *txn, void *arg)
{
    tu_count *c = arg;
    c->n = 0;
    return td_store_each_task_version(txn, c->id, tu_count_version, c);
}

static inline size_t tu_count_versions(td_store *store, const char *id)
{
    tu_count c = {id, 0};
    td_errmsg why = {{0}};
    CHECK_OK(id, td_store_view(store, tu_count_versions_fn, &c, &why), &why);
    return c.n;
}

#endif
