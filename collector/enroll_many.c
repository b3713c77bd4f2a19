/* enroll --agencies-from FILE --out-dir DIR: one agent credential per agency of an agencies CSV
 * (the import format), written as DIR/CODE.cred, all keys enrolled in one transaction: either
 * every agency is enrolled or none is. A progress bar is drawn when stderr is a terminal. */
#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tiendo/keys.h"
#include "tiendo/parse.h"

typedef struct {
    td_agency *agencies;
    size_t n;
    td_keyrec *keys;
    size_t done; /* credential files written so far */
    const char *out_dir;
    char missing[TD_CODE_MAX + 1]; /* an agency of the file that is not registered */
} s_many;

static void s_progress(size_t i, size_t n)
{
    if (!isatty(STDERR_FILENO) || n == 0)
        return;
    int width = 40, filled = (int)(width * i / n);
    fprintf(stderr, "\renrolling %zu/%zu [%.*s%*s]", i, n, filled,
            "########################################", width - filled, "");
    if (i == n)
        fputc('\n', stderr);
}

static td_err s_check_registered(td_txn *txn, void *arg)
{
    s_many *m = arg;
    for (size_t i = 0; i < m->n; i++) {
        td_agency a;
        if (td_store_get_agency(txn, m->agencies[i].code, &a) != TD_OK) {
            snprintf(m->missing, sizeof m->missing, "%s", m->agencies[i].code);
            return TD_ENOTFOUND;
        }
        td_agency_fini(&a);
    }
    return TD_OK;
}

static td_err s_put_all(td_txn *txn, void *arg)
{
    s_many *m = arg;
    td_err err = TD_OK;
    for (size_t i = 0; err == TD_OK && i < m->n; i++)
        err = td_store_put_key(txn, &m->keys[i]);
    return err;
}

/* Writes DIR/CODE.cred for each agency; fills m->keys. */
static int s_write_creds(s_many *m, const td_cred *collector)
{
    for (size_t i = 0; i < m->n; i++) {
        td_cred c;
        td_errmsg why;
        char path[4096 + TD_CODE_MAX + 8];
        memset(&c, 0, sizeof c);
        td_keys_generate(c.public_txt, c.secret_txt);
        snprintf(c.collector_txt, sizeof c.collector_txt, "%s", collector->public_txt);
        snprintf(c.role, sizeof c.role, "agent");
        snprintf(c.name, sizeof c.name, "%s", m->agencies[i].code);
        snprintf(path, sizeof path, "%s/%s.cred", m->out_dir, m->agencies[i].code);
        if (td_keys_save(path, &c, &why) != TD_OK) {
            fprintf(stderr, "%stiendo-collector: %s\n", isatty(STDERR_FILENO) ? "\n" : "",
                    why.text);
            return 1;
        }
        m->keys[i] = (td_keyrec){.role = TD_ROLE_AGENT, .created = time(NULL)};
        td_keys_decode(c.public_txt, m->keys[i].key);
        snprintf(m->keys[i].name, sizeof m->keys[i].name, "%s", c.name);
        m->done = i + 1;
        s_progress(i + 1, m->n);
    }
    return 0;
}

static void s_remove_written(s_many *m)
{
    for (size_t i = 0; i < m->done; i++) {
        char path[4096 + TD_CODE_MAX + 8];
        snprintf(path, sizeof path, "%s/%s.cred", m->out_dir, m->agencies[i].code);
        unlink(path);
    }
}

static int s_load_file(const char *file, s_many *m)
{
    char *text;
    size_t len;
    td_errmsg why;
    if (td_read_file(file, &text, &len, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        return 1;
    }
    td_errlist *errs = td_errlist_new();
    td_err err = td_parse_agencies_csv(file, text, len, &m->agencies, &m->n, errs);
    for (size_t i = 0; err && i < td_errlist_count(errs); i++)
        fprintf(stderr, "%s\n", td_errlist_at(errs, i));
    td_errlist_destroy(&errs);
    free(text);
    return err ? 1 : 0;
}

static int s_enroll(td_store *store, s_many *m, const td_cred *collector)
{
    td_errmsg why = {""};
    if (td_store_view(store, s_check_registered, m, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: agency \"%s\" is not registered; nothing written\n",
                m->missing);
        return 1;
    }
    if (mkdir(m->out_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "tiendo-collector: %s: %s\n", m->out_dir, strerror(errno));
        return 1;
    }
    m->keys = calloc(m->n ? m->n : 1, sizeof *m->keys);
    int rc = !m->keys || s_write_creds(m, collector);
    if (rc == 0 && td_store_update(store, s_put_all, m, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        rc = 1;
    }
    if (rc)
        s_remove_written(m); /* all or nothing */
    return rc;
}

int td_collector_enroll_many(const td_collector_opts *o)
{
    s_many m = {.out_dir = o->out_dir};
    td_cred collector;
    td_errmsg why;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", o->data, TD_COLLECTOR_KEY_FILE);
    if (td_keys_load(path, &collector, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        return 1;
    }
    if (s_load_file(o->agencies_from, &m))
        return 1;
    td_store *store = td_collector_open_store(o->data, 0);
    int rc = store ? s_enroll(store, &m, &collector) : 1;
    if (rc == 0)
        printf("enrolled %zu agencies: %s/CODE.cred\n", m.n, m.out_dir);
    for (size_t i = 0; i < m.n; i++)
        td_agency_fini(&m.agencies[i]);
    free(m.agencies);
    free(m.keys);
    td_store_destroy(&store);
    return rc;
}
