/* ceiling_lmdb: durable LMDB puts of tiendo's version size, keys in ascending order, one commit
 * every 1,000 puts, with LMDB's default (synchronous) flags as tiendo's store uses them.
 *   ceiling_lmdb --registry DIR --dir EMPTYDIR [--puts N] [--commit-every N]
 * The key and value sizes are the mean of a 20-item report's versions as lib/store writes them
 * (docs/storage.md). Prints version_key_bytes, version_value_bytes, ceiling_lmdb_puts_per_s.
 * With --commit-every 1 it prints ceiling_commit_p50_ms and ceiling_commit_p99_ms instead: what
 * one durable commit of one small put costs (LMDB syncs twice: the data pages, then the meta
 * page), the floor under an Ack's latency at low load. */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void s_check(int rc, const char *what)
{
    if (rc != 0)
        bench_die("%s: %s", what, mdb_strerror(rc));
}

/* Mean key and value bytes of the versions of report 2 of the first lead. */
static void s_sizes(const char *registry, size_t *klen, size_t *vlen)
{
    char path[4096];
    bench_registry reg;
    snprintf(path, sizeof path, "%s/tasks.csv", registry);
    if (bench_registry_load(path, BENCH_ITEMS, &reg) != 0 || reg.n == 0)
        bench_die("%s: no agency leads %d tasks", path, BENCH_ITEMS);
    td_report r;
    bench_report_make(&reg.leads[0], BENCH_ITEMS, 2, 0, &r);
    static uint8_t buf[BENCH_VERSION_MAX];
    size_t ksum = 0, vsum = 0;
    for (size_t i = 0; i < r.n_tasks; i++) {
        ksum += bench_version_key(r.tasks[i].id, r.as_of, buf);
        vsum += bench_version_value(&r.tasks[i], r.as_of, 2, buf);
    }
    *klen = (ksum + r.n_tasks / 2) / r.n_tasks;
    *vlen = (vsum + r.n_tasks / 2) / r.n_tasks;
    td_report_fini(&r);
    bench_registry_fini(&reg);
}

int main(int argc, char **argv)
{
    const char *registry = NULL, *dir = NULL;
    long puts = 1000000, every = 1000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--registry") && i + 1 < argc)
            registry = argv[++i];
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--puts") && i + 1 < argc)
            puts = bench_arg_long("--puts", argv[++i]);
        else if (!strcmp(argv[i], "--commit-every") && i + 1 < argc)
            every = bench_arg_long("--commit-every", argv[++i]);
        else
            bench_die("usage: ceiling_lmdb --registry DIR --dir EMPTYDIR [--puts N] "
                      "[--commit-every N]");
    }
    if (!registry || !dir)
        bench_die("--registry DIR and --dir EMPTYDIR are required");
    size_t klen, vlen;
    s_sizes(registry, &klen, &vlen);
    if (klen < 9)
        klen = 9;

    MDB_env *env;
    s_check(mdb_env_create(&env), "mdb_env_create");
    s_check(mdb_env_set_mapsize(env, (size_t)16 << 30), "mdb_env_set_mapsize");
    s_check(mdb_env_open(env, dir, 0, 0600), "mdb_env_open");
    uint8_t key[256], val[BENCH_VERSION_MAX];
    memset(key, 0, sizeof key);
    for (size_t i = 0; i < vlen; i++)
        val[i] = (uint8_t)(i * 31);
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    size_t n_commits = 0;
    double *commit_ms = calloc((size_t)(puts / every + 1), sizeof *commit_ms);
    if (!commit_ms)
        bench_die("out of memory");
    double t0 = bench_now_s();
    for (long i = 0; i < puts; i++) {
        if (!txn) {
            s_check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
            s_check(mdb_dbi_open(txn, NULL, 0, &dbi), "mdb_dbi_open");
        }
        key[0] = 'T';
        for (int b = 0; b < 8; b++)
            key[1 + b] = (uint8_t)((uint64_t)i >> (56 - 8 * b));
        MDB_val k = {klen, key}, v = {vlen, val};
        s_check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
        if ((i + 1) % every == 0 || i + 1 == puts) {
            double c0 = bench_now_s();
            s_check(mdb_txn_commit(txn), "mdb_txn_commit");
            commit_ms[n_commits++] = (bench_now_s() - c0) * 1e3;
            txn = NULL;
        }
    }
    double secs = bench_now_s() - t0;
    mdb_env_close(env);
    double p50 = bench_percentile(commit_ms, n_commits, 50);
    double p99 = bench_percentile(commit_ms, n_commits, 99);
    bench_note(
        "ceiling_lmdb: %ld puts of %zu-byte keys and %zu-byte values, a durable commit every "
        "%ld, in %.2f s; mdb_txn_commit p50 %.3f ms, p99 %.3f ms, max %.3f ms",
        puts, klen, vlen, every, secs, p50, p99, commit_ms[n_commits - 1]);
    if (every == 1) {
        bench_figure("ceiling_commit_p50_ms", p50, "ms");
        bench_figure("ceiling_commit_p99_ms", p99, "ms");
    } else {
        bench_figure("version_key_bytes", (double)klen, "B");
        bench_figure("version_value_bytes", (double)vlen, "B");
        bench_figure("ceiling_lmdb_puts_per_s", (double)puts / secs, "puts/s");
    }
    free(commit_ms);
    return 0;
}
