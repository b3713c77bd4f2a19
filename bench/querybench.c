/* querybench: operators' queries on a store with a long history, timed in-process with
 * td_query_run (no ZeroMQ, no CURVE, no CLI: the collector adds those around it).
 *   querybench --data DIR [--weeks W] [--runs N]
 * DIR is a collector data directory after `init` and `import` of a registry. The history is
 * written with the library first: every task reported weekly for W weeks from 2025-01-06 (its
 * progress moves every week until it is done; done tasks stay done and add no version), one
 * transaction per week, plus one report-log row per agency and week as the collector writes.
 * Then each query runs N times. Prints versions_stored, store_bytes_per_version, summary_p99_ms,
 * tasks_p99_ms and asof_summary_p99_ms (as-of a random date of the year). */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "tiendo/query.h"
#include "tiendo/store.h"

#define S_WEEK0 INT64_C(1736096400) /* 2025-01-06T00:00:00+07:00 */
#define S_WEEK (7 * 86400)

typedef struct {
    char id[TD_ID_MAX + 1];
    char lead[TD_CODE_MAX + 1];
    uint32_t hash;
} s_task;

typedef struct {
    s_task *tasks;
    size_t n;
    int week; /* the week being written */
    long versions;
    double kv_bytes; /* key + value bytes of the versions, as lib/store lays them out */
} s_hist;

static uint32_t s_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static td_err s_collect(const td_task *t, void *arg)
{
    s_hist *h = arg;
    s_task *grown = realloc(h->tasks, (h->n + 1) * sizeof *grown);
    if (!grown)
        return TD_ENOMEM;
    h->tasks = grown;
    s_task *d = &h->tasks[h->n++];
    snprintf(d->id, sizeof d->id, "%s", t->id);
    snprintf(d->lead, sizeof d->lead, "%s", t->lead);
    d->hash = s_hash(t->id);
    return TD_OK;
}

static td_err s_load_tasks(td_txn *txn, void *arg)
{
    return td_store_each_task(txn, s_collect, arg);
}

static td_time s_as_of(const char *lead, int week)
{
    return S_WEEK0 + (td_time)week * S_WEEK + (td_time)(s_hash(lead) % (8 * 3600));
}

/* The status of a task in a week: a third of the tasks get done at some week, and stay so. */
static void s_status(const s_task *t, int week, td_task_status *s)
{
    static char *evidence[] = {"Công văn số 3366/BCA-CĐS"};
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", t->id);
    int done_week = t->hash % 3 == 0 ? (int)(t->hash / 3 % 52) : 1 << 30;
    if (week >= done_week) {
        s->state = TD_STATE_DONE;
        s->progress = 100;
        s->completed_on = td_time_day(s_as_of(t->lead, done_week));
    } else {
        s->state = TD_STATE_IN_PROGRESS;
        s->progress = 1 + (int)(t->hash % 5) + week * 90 / 52;
    }
    s->note = t->hash % 4 == 1 ? "Đang lấy ý kiến các bộ, ngành" : NULL;
    if (t->hash % 5 < 2) {
        s->evidence = evidence;
        s->n_evidence = 1;
    }
}

static td_err s_write_week(td_txn *txn, void *arg)
{
    s_hist *h = arg;
    const char *last_lead = "";
    for (size_t i = 0; i < h->n; i++) {
        const s_task *t = &h->tasks[i];
        td_task_version v = {.as_of = s_as_of(t->lead, h->week), .seq = (uint64_t)h->week + 1};
        v.received_at = v.as_of + 60;
        s_status(t, h->week, &v.status);
        td_err err = td_store_put_task_version(txn, &v);
        if (err)
            return err;
        if (strcmp(t->lead, last_lead) == 0)
            continue;
        last_lead = t->lead; /* keyed (agency, key, outbox, week): one row per agency and week */
        td_reportrec r = {.outbox_id = 1, .seq = v.seq, .as_of = v.as_of};
        snprintf(r.agency, sizeof r.agency, "%s", t->lead);
        memset(r.key, (int)(s_hash(t->lead) & 0xff), TD_KEY_LEN);
        r.received_at = v.received_at;
        r.accepted = 20;
        if ((err = td_store_put_report(txn, &r)) != TD_OK)
            return err;
    }
    return TD_OK;
}

static td_err s_count_one(const td_task_version *v, void *arg)
{
    static uint8_t buf[BENCH_VERSION_MAX];
    s_hist *h = arg;
    h->versions++;
    h->kv_bytes += (double)bench_version_key(v->status.id, v->as_of, buf);
    h->kv_bytes += (double)bench_version_value(&v->status, v->received_at, v->seq, buf);
    return TD_OK;
}

static td_err s_count(td_txn *txn, void *arg)
{
    s_hist *h = arg;
    h->versions = 0;
    h->kv_bytes = 0;
    for (size_t i = 0; i < h->n; i++) {
        td_err err = td_store_each_task_version(txn, h->tasks[i].id, s_count_one, h);
        if (err)
            return err;
    }
    return TD_OK;
}

static void s_build(td_store *store, s_hist *h, int weeks)
{
    td_errmsg why;
    if (td_store_view(store, s_load_tasks, h, &why) != TD_OK || h->n == 0)
        bench_die("no tasks in the store (import a registry first)");
    double t0 = bench_now_s();
    for (h->week = 0; h->week < weeks; h->week++)
        if (td_store_update(store, s_write_week, h, &why) != TD_OK)
            bench_die("writing week %d: %s", h->week, why.text);
    double secs = bench_now_s() - t0;
    if (td_store_view(store, s_count, h, &why) != TD_OK)
        bench_die("counting versions: %s", why.text);
    bench_note("history: %zu tasks x %d weeks written in %.2f s (%d transactions); %ld versions "
               "stored (unchanged done tasks add none)",
               h->n, weeks, secs, weeks, h->versions);
    bench_note("a version is %.1f bytes of key and value on average (LMDB adds 8 per node and 2 "
               "per slot)",
               h->kv_bytes / (double)h->versions);
}

/* Pages on LMDB's free list (dbi 0): each record is an ID list whose first word counts it. */
static size_t s_free_pages(MDB_txn *txn)
{
    MDB_cursor *cur;
    MDB_val k, v;
    size_t n = 0;
    if (mdb_cursor_open(txn, 0, &cur) != 0)
        return 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        size_t count;
        if (v.mv_size >= sizeof count) {
            memcpy(&count, v.mv_data, sizeof count);
            n += count;
        }
    }
    mdb_cursor_close(cur);
    return n;
}

/* What a compacting copy (mdb_env_copy2 with MDB_CP_COMPACT: free pages left out, pages
 * renumbered, their fill unchanged) takes: the store without the free pages of copy-on-write. */
static void s_compact(MDB_env *env, const char *dir, long versions)
{
    char copy[4200], file[4300];
    struct stat st;
    snprintf(copy, sizeof copy, "%s.compact", dir);
    snprintf(file, sizeof file, "%s/data.mdb", copy);
    if (mkdir(copy, 0700) != 0 || mdb_env_copy2(env, copy, MDB_CP_COMPACT) != 0 ||
        stat(file, &st) != 0) {
        bench_note("cannot make a compacted copy in %s", copy);
        return;
    }
    bench_note("  a compacted copy takes %lld bytes: %.1f per version", (long long)st.st_size,
               (double)st.st_size / (double)versions);
    unlink(file);
    rmdir(copy);
}

/* Where the bytes are: pages of each database and of the free list, read with LMDB itself
 * (lib/store exposes only the total). */
static void s_breakdown(const char *dir, long versions)
{
    static const char *const names[] = {"versions", "reports", "tasks", "agencies",
                                        "keys",     "agents",  "meta"};
    MDB_env *env;
    MDB_txn *txn;
    MDB_stat st;
    if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 16) ||
        mdb_env_open(env, dir, MDB_RDONLY, 0600) || mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) {
        bench_note("cannot open %s to break its size down", dir);
        return;
    }
    bench_note("  free pages (inside the file, reusable): %zu", s_free_pages(txn));
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        MDB_dbi dbi;
        if (mdb_dbi_open(txn, names[i], 0, &dbi) || mdb_stat(txn, dbi, &st))
            continue;
        size_t pages = st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
        bench_note("  %-9s %7zu entries, %5zu pages (%zu branch, %zu leaf, %zu overflow), depth %u",
                   names[i], st.ms_entries, pages, st.ms_branch_pages, st.ms_leaf_pages,
                   st.ms_overflow_pages, st.ms_depth);
        if (i == 0 && versions > 0)
            bench_note("  versions alone: %.1f bytes of pages per version",
                       (double)pages * st.ms_psize / (double)versions);
    }
    mdb_txn_abort(txn);
    s_compact(env, dir, versions);
    mdb_env_close(env);
}

/* Runs one query `runs` times and prints its p99 (and notes its p50 and max). */
static void s_time(td_store *store, const char *name, const char *command, bool random_as_of,
                   long runs, td_time now)
{
    double *ms = calloc((size_t)runs, sizeof *ms);
    if (!ms)
        bench_die("out of memory");
    size_t out_bytes = 0;
    unsigned seed = 1;
    for (long i = -1; i < runs; i++) { /* run -1 warms up */
        char date[11];
        td_param p = {"as-of", date};
        if (random_as_of)
            td_day_format(td_time_day(S_WEEK0 + (td_time)(rand_r(&seed) % (365 * 86400))), date);
        char *json = NULL;
        td_errmsg why;
        int64_t t0 = bench_now_ns();
        if (td_query_run(store, command, &p, random_as_of ? 1 : 0, now, &json, &why) != TD_OK)
            bench_die("%s: %s", command, why.text);
        if (i >= 0)
            ms[i] = (double)(bench_now_ns() - t0) / 1e6;
        out_bytes = strlen(json);
        free(json);
    }
    double p50 = bench_percentile(ms, (size_t)runs, 50);
    double p99 = bench_percentile(ms, (size_t)runs, 99);
    bench_note("%s: %s%s, %ld runs in-process: p50 %.2f ms, p99 %.2f ms, max %.2f ms, %zu-byte "
               "result",
               name, command, random_as_of ? " --as-of RANDOM-DATE" : "", runs, p50, p99,
               ms[runs - 1], out_bytes);
    bench_figure(name, p99, "ms");
    free(ms);
}

int main(int argc, char **argv)
{
    const char *data = NULL;
    long weeks = 52, runs = 300;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc)
            data = argv[++i];
        else if (!strcmp(argv[i], "--weeks") && i + 1 < argc)
            weeks = bench_arg_long("--weeks", argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = bench_arg_long("--runs", argv[++i]);
        else
            bench_die("usage: querybench --data DIR [--weeks W] [--runs N]");
    }
    if (!data)
        bench_die("--data DIR is required");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/store", data);
    td_store *store;
    td_errmsg why;
    if (td_store_open(dir, 0, 0, &store, &why) != TD_OK)
        bench_die("%s", why.text);
    s_hist h = {0};
    s_build(store, &h, (int)weeks);

    size_t used;
    struct stat st;
    td_store_usage(store, &used, NULL, NULL);
    snprintf(dir, sizeof dir, "%s/store/data.mdb", data);
    bench_note("store: %zu bytes in use (pages x page size), data.mdb %lld bytes, %ld versions",
               used, stat(dir, &st) == 0 ? (long long)st.st_size : -1LL, h.versions);
    bench_figure("versions_stored", (double)h.versions, "versions");
    bench_figure("store_bytes_per_version", (double)used / (double)h.versions, "B");

    td_time now = S_WEEK0 + weeks * S_WEEK;
    s_time(store, "summary_p99_ms", "summary", false, runs, now);
    s_time(store, "tasks_p99_ms", "tasks", false, runs, now);
    s_time(store, "asof_summary_p99_ms", "summary", true, runs, now);
    free(h.tasks);
    td_store_destroy(&store);
    snprintf(dir, sizeof dir, "%s/store", data);
    s_breakdown(dir, h.versions);
    return 0;
}
