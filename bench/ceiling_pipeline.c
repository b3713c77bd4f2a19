/* ceiling_pipeline: the bare work of ingest in one loop, with nothing tiendo adds around it:
 * decode each framed report with td_wire_decode, put each task item into LMDB as a version
 * (lib/store's key and value layout), commit durably every 1,000 items (or --commit-every:
 * 10,240 is the collector's largest batch, 512 reports of 20 items). No sockets, no CURVE,
 * no validation, no dedup, no as-of lookup, no report log.
 *   ceiling_pipeline --registry DIR --dir EMPTYDIR [--agencies N] [--reports R]
 *                    [--commit-every ITEMS]
 * The reports are the load generator's: R per agency for N agencies leading >= 20 tasks,
 * interleaved as they would arrive. Prints ceiling_pipeline_items_per_s. */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "tiendo/wire.h"

typedef struct {
    uint8_t *data;
    size_t len;
} s_frame;

static void s_check(int rc, const char *what)
{
    if (rc != 0)
        bench_die("%s: %s", what, mdb_strerror(rc));
}

static s_frame *s_make_frames(const bench_registry *reg, long agencies, long reports)
{
    s_frame *frames = calloc((size_t)(agencies * reports), sizeof *frames);
    if (!frames)
        bench_die("out of memory");
    for (long k = 0; k < reports; k++)
        for (long a = 0; a < agencies; a++) {
            s_frame *f = &frames[k * agencies + a];
            bench_report_frame(&reg->leads[a], BENCH_ITEMS, (uint64_t)k + 1, 0, (uint64_t)a + 1,
                               &f->data, &f->len);
        }
    return frames;
}

typedef struct {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    long commit_every;
    long pending; /* puts since the last commit */
    long items;
} s_sink;

static void s_put(s_sink *s, const td_task_status *st, td_time as_of, uint64_t seq, td_time now)
{
    static uint8_t key[1 + TD_ID_MAX + 1 + 8], val[BENCH_VERSION_MAX];
    if (!s->txn) {
        s_check(mdb_txn_begin(s->env, NULL, 0, &s->txn), "mdb_txn_begin");
        s_check(mdb_dbi_open(s->txn, NULL, 0, &s->dbi), "mdb_dbi_open");
    }
    MDB_val k = {bench_version_key(st->id, as_of, key), key};
    MDB_val v = {bench_version_value(st, now, seq, val), val};
    s_check(mdb_put(s->txn, s->dbi, &k, &v, 0), "mdb_put");
    s->items++;
    if (++s->pending == s->commit_every) {
        s_check(mdb_txn_commit(s->txn), "mdb_txn_commit");
        s->txn = NULL;
        s->pending = 0;
    }
}

int main(int argc, char **argv)
{
    const char *registry = NULL, *dir = NULL;
    long agencies = 50, reports = 1000, commit_every = 1000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--registry") && i + 1 < argc)
            registry = argv[++i];
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--agencies") && i + 1 < argc)
            agencies = bench_arg_long("--agencies", argv[++i]);
        else if (!strcmp(argv[i], "--reports") && i + 1 < argc)
            reports = bench_arg_long("--reports", argv[++i]);
        else if (!strcmp(argv[i], "--commit-every") && i + 1 < argc)
            commit_every = bench_arg_long("--commit-every", argv[++i]);
        else
            bench_die("usage: ceiling_pipeline --registry DIR --dir EMPTYDIR [--agencies N] "
                      "[--reports R] [--commit-every ITEMS]");
    }
    if (!registry || !dir)
        bench_die("--registry DIR and --dir EMPTYDIR are required");
    char path[4096];
    bench_registry reg;
    snprintf(path, sizeof path, "%s/tasks.csv", registry);
    if (bench_registry_load(path, BENCH_ITEMS, &reg) != 0 || reg.n < (size_t)agencies)
        bench_die("%s: fewer than %ld agencies lead %d tasks", path, agencies, BENCH_ITEMS);
    s_frame *frames = s_make_frames(&reg, agencies, reports);
    long n = agencies * reports;

    s_sink sink = {.commit_every = commit_every};
    s_check(mdb_env_create(&sink.env), "mdb_env_create");
    s_check(mdb_env_set_mapsize(sink.env, (size_t)16 << 30), "mdb_env_set_mapsize");
    s_check(mdb_env_open(sink.env, dir, 0, 0600), "mdb_env_open");
    td_time now = BENCH_AS_OF_BASE + 86400 * 30;
    double t0 = bench_now_s();
    for (long i = 0; i < n; i++) {
        td_msg m;
        td_errmsg why;
        if (td_wire_decode(frames[i].data, frames[i].len, &m, &why) != TD_OK)
            bench_die("td_wire_decode: %s", why.text);
        const td_report_msg *r = &m.u.report;
        for (size_t j = 0; j < r->report.n_tasks; j++)
            s_put(&sink, &r->report.tasks[j], r->report.as_of, r->seq, now);
        td_msg_fini(&m);
    }
    if (sink.txn)
        s_check(mdb_txn_commit(sink.txn), "mdb_txn_commit");
    double secs = bench_now_s() - t0;
    mdb_env_close(sink.env);
    bench_note("ceiling_pipeline: %ld reports, %ld items, decode + put, a durable commit every %ld "
               "items, in %.2f s",
               n, sink.items, commit_every, secs);
    bench_figure(commit_every == 1000 ? "ceiling_pipeline_items_per_s"
                                      : "ceiling_pipeline_batched_items_per_s",
                 (double)sink.items / secs, "items/s");
    for (long i = 0; i < n; i++)
        free(frames[i].data);
    free(frames);
    bench_registry_fini(&reg);
    return 0;
}
