/* querybench: operators' queries on a store with a long history, timed in-process with
 * td_query_run (no ZeroMQ, no CURVE, no CLI: the collector adds those around it).
 *   querybench --data DIR [--weeks W] [--runs N] [--days D] [--communes C] [--infra-runs M]
 * DIR is a collector data directory after `init` and `import` of a registry. The history is
 * written with the library first: every task reported weekly for W weeks from 2025-01-06 (its
 * progress moves every week until it is done; done tasks stay done and add no version), one
 * transaction per week, plus one report-log row per agency and week as the collector writes.
 * versions_stored and store_bytes_per_version are taken on that store. Then the registry's
 * communes (the first C of them; default all) report daily for D days (default 7 W): an
 * infrastructure and a services section that change once a week and are repeated in between,
 * and the outages their agents' probes measured (about one a month, each repeated in every
 * report for 30 days, as the agent's journal sends them), with one report-log row per report.
 * Then each query runs N times on the whole store (infra M times, default N). Prints
 * versions_stored, store_bytes_per_version, summary_p99_ms, tasks_p99_ms, asof_summary_p99_ms
 * (as of a random date of the year) and infra_p99_ms (as of a random date of the year). */
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

/* The communes' daily reports (docs/performance.md): sections and the probes' outages. */
#define S_DAY 86400
#define S_JOURNAL_DAYS 30 /* the agent sends the outages of the last 30 days in every report */
#define S_OUTAGE_ODDS 30  /* an outage starts on about one day in 30 */
#define S_BATCH 64        /* communes per transaction */
#define S_REPORT_HOUR 17  /* each commune reports once a day, from 17:00 (UTC+7) */

typedef struct {
    char (*codes)[TD_CODE_MAX + 1];
    size_t n;              /* communes that report */
    int days;              /* daily reports of each */
    size_t from, to;       /* the communes of the transaction in progress */
    long changes, repeats; /* section entries of that transaction: versions, markers */
    long total_changes, total_repeats, outages, reports;
} s_fleet;

static td_err s_collect_commune(const td_agency *a, void *arg)
{
    s_fleet *f = arg;
    if (a->kind != TD_KIND_COMMUNE)
        return TD_OK;
    char(*grown)[TD_CODE_MAX + 1] = realloc(f->codes, (f->n + 1) * sizeof *grown);
    if (!grown)
        return TD_ENOMEM;
    f->codes = grown;
    snprintf(f->codes[f->n++], TD_CODE_MAX + 1, "%s", a->code);
    return TD_OK;
}

static td_err s_load_communes(td_txn *txn, void *arg)
{
    return td_store_each_agency(txn, s_collect_commune, arg);
}

static uint64_t s_mix(uint64_t x) /* splitmix64's finalizer */
{
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static int64_t s_min(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* A commune's infrastructure in its week w: terminals arrive, signal gaps close, slowly. */
static void s_infra(uint32_t h, int w, td_infra *s)
{
    memset(s, 0, sizeof *s);
    s->present = true;
    s->villages_total = 4 + h % 12;
    s->terminals_required = 8 + (h >> 4) % 25;
    s->terminals_available = s_min(s->terminals_required, (h >> 9) % 8 + w / 2);
    int64_t gap = (int64_t)((h >> 13) % (uint32_t)(s->villages_total / 2 + 1)) - w / 8;
    s->villages_signal_gap = gap > 0 ? gap : 0;
    s->villages_no_power = (h >> 17) % 3 > (uint32_t)(w / 13) ? 1 : 0;
    s->population_db_connected = w >= (int)((h >> 19) % 40);
}

/* Its services: weekly counts, files received growing every week. */
static void s_services(uint32_t h, int w, td_services *s)
{
    memset(s, 0, sizeof *s);
    s->present = true;
    s->procedures_total = 300 + (h >> 3) % 100;
    s->procedures_announced = s_min(s->procedures_total, s->procedures_total * 6 / 10 + 3 * w);
    s->procedures_online = s_min(s->procedures_announced, s->procedures_total * 3 / 10 + 2 * w);
    s->files_received = 40 * (w + 1) + h % 40;
    s->files_fully_online = s->files_received * (40 + w / 2) / 100;
    s->records_total = 2000 + h % 1000;
    s->records_digitized = s_min(s->records_total, s->records_total * (20 + w) / 100);
}

/* The outage that starts on `day` at a commune, if any: power or link, within 01:00-15:00, from
 * 10 minutes to 6 hours, so ended before that day's report. */
static bool s_outage_on(uint32_t h, int day, td_outage *o)
{
    uint64_t u = s_mix(((uint64_t)h << 32) | (uint32_t)day);
    if (u % S_OUTAGE_ODDS)
        return false;
    o->kind = (u >> 8) & 1 ? TD_OUTAGE_POWER : TD_OUTAGE_LINK;
    o->start = S_WEEK0 + (td_time)day * S_DAY + 3600 + (td_time)((u >> 12) % (8 * 3600));
    o->end = o->start + 600 + (td_time)((u >> 32) % (6 * 3600 - 600));
    return true;
}

static td_err s_put_section(s_fleet *f, td_txn *txn, const td_section_version *v)
{
    bool stored;
    td_err err = td_store_put_section(txn, v, &stored);
    f->changes += stored;
    f->repeats += !stored;
    return err;
}

/* One daily report of a commune, as the collector stores it: its sections, the outages of its
 * agent's journal and a report-log row. */
static td_err s_commune_day(s_fleet *f, td_txn *txn, const char *code, int day)
{
    uint32_t h = s_hash(code);
    int week = (day + (int)(h % 7)) / 7; /* each commune's figures move on its own weekday */
    td_section_version v = {.kind = TD_SECTION_INFRA, .seq = (uint64_t)day + 1};
    v.as_of = S_WEEK0 + (td_time)day * S_DAY + S_REPORT_HOUR * 3600 + (td_time)(h % 3600);
    v.received_at = v.as_of + 60;
    snprintf(v.agency, sizeof v.agency, "%s", code);
    s_infra(h, week, &v.u.infra);
    td_err err = s_put_section(f, txn, &v);
    v.kind = TD_SECTION_SERVICES;
    s_services(h, week, &v.u.services);
    if (!err)
        err = s_put_section(f, txn, &v);
    v.kind = TD_SECTION_OUTAGE;
    for (int d = day; !err && d >= 0 && d > day - S_JOURNAL_DAYS; d--) {
        memset(&v.u, 0, sizeof v.u);
        if (!s_outage_on(h, d, &v.u.outage))
            continue;
        snprintf(v.id, sizeof v.id, "%s-%lld", td_outage_kind_name(v.u.outage.kind),
                 (long long)v.u.outage.start);
        err = s_put_section(f, txn, &v);
    }
    td_reportrec r = {.outbox_id = 1, .seq = v.seq, .as_of = v.as_of};
    snprintf(r.agency, sizeof r.agency, "%s", code);
    memset(r.key, (int)(h & 0xff), TD_KEY_LEN);
    r.received_at = v.received_at;
    r.accepted = 2;
    return err ? err : td_store_put_report(txn, &r);
}

/* Communes from..to, every day: commune by commune rather than day by day, so that each
 * transaction appends to a few ranges of keys. The store holds the same entries either way;
 * day by day would rewrite most of the tree's leaf pages every day. */
static td_err s_write_communes(td_txn *txn, void *arg)
{
    s_fleet *f = arg;
    f->changes = f->repeats = 0; /* run again from the start when the map grows */
    td_err err = TD_OK;
    for (size_t i = f->from; !err && i < f->to; i++)
        for (int day = 0; !err && day < f->days; day++)
            err = s_commune_day(f, txn, f->codes[i], day);
    return err;
}

static void s_fleet_build(td_store *store, s_fleet *f, long days, long communes)
{
    td_errmsg why;
    if (td_store_view(store, s_load_communes, f, &why) != TD_OK)
        bench_die("reading the agencies: %s", why.text);
    size_t all = f->n;
    if (communes && (size_t)communes < f->n)
        f->n = (size_t)communes;
    f->days = (int)days;
    double t0 = bench_now_s();
    for (f->from = 0; f->from < f->n; f->from = f->to) {
        f->to = f->from + S_BATCH < f->n ? f->from + S_BATCH : f->n;
        if (td_store_update(store, s_write_communes, f, &why) != TD_OK)
            bench_die("writing communes %zu to %zu: %s", f->from, f->to, why.text);
        f->total_changes += f->changes;
        f->total_repeats += f->repeats;
    }
    for (size_t i = 0; i < f->n; i++)
        for (int day = 0; day < f->days; day++) {
            td_outage o;
            f->outages += s_outage_on(s_hash(f->codes[i]), day, &o);
        }
    f->reports = (long)f->n * f->days;
    bench_note("sections: %zu of the registry's %zu communes x %d daily reports written in %.2f s "
               "(infrastructure and services changing weekly, %ld outages each sent for %d days); "
               "%ld section versions and %ld repeats (markers) stored, %ld report-log rows",
               f->n, all, f->days, bench_now_s() - t0, f->outages, S_JOURNAL_DAYS, f->total_changes,
               f->total_repeats, f->reports);
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
static void s_breakdown(const char *dir, long versions, bool compact)
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
    if (compact)
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

typedef struct {
    const char *data;
    long weeks, runs, days, communes, infra_runs;
} s_opts;

static void s_parse(int argc, char **argv, s_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long *n = !strcmp(a, "--weeks")        ? &o->weeks
                  : !strcmp(a, "--runs")       ? &o->runs
                  : !strcmp(a, "--days")       ? &o->days
                  : !strcmp(a, "--communes")   ? &o->communes
                  : !strcmp(a, "--infra-runs") ? &o->infra_runs
                                               : NULL;
        if (i + 1 < argc && !strcmp(a, "--data"))
            o->data = argv[++i];
        else if (i + 1 < argc && n)
            *n = bench_arg_long(a, argv[++i]);
        else
            bench_die("usage: querybench --data DIR [--weeks W] [--runs N] [--days D] "
                      "[--communes C] [--infra-runs M]");
    }
    if (!o->data)
        bench_die("--data DIR is required");
}

static td_store *s_open(const char *data)
{
    char dir[4096];
    td_store *store;
    td_errmsg why;
    snprintf(dir, sizeof dir, "%s/store", data);
    if (td_store_open(dir, 0, 0, &store, &why) != TD_OK)
        bench_die("%s", why.text);
    return store;
}

/* Notes the store's size; returns the bytes in use. */
static size_t s_usage(td_store *store, const char *data, const char *what)
{
    char file[4200];
    size_t used;
    struct stat st;
    td_store_usage(store, &used, NULL, NULL);
    snprintf(file, sizeof file, "%s/store/data.mdb", data);
    bench_note("store%s: %zu bytes in use (pages x page size), data.mdb %lld bytes", what, used,
               stat(file, &st) == 0 ? (long long)st.st_size : -1LL);
    return used;
}

/* The task history's own figures, on the store that holds only it: its size per version and
 * where the bytes are. The store is closed to be read with LMDB itself, then opened again. */
static void s_task_store(td_store **store, const char *data, const s_hist *h)
{
    size_t used = s_usage(*store, data, " (task history)");
    bench_figure("versions_stored", (double)h->versions, "versions");
    bench_figure("store_bytes_per_version", (double)used / (double)h->versions, "B");
    td_store_destroy(store);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/store", data);
    s_breakdown(dir, h->versions, true);
    *store = s_open(data);
}

int main(int argc, char **argv)
{
    s_opts o = {.weeks = 52, .runs = 300};
    s_parse(argc, argv, &o);
    td_store *store = s_open(o.data);
    s_hist h = {0};
    s_build(store, &h, (int)o.weeks);
    s_task_store(&store, o.data, &h);
    s_fleet f = {0};
    s_fleet_build(store, &f, o.days ? o.days : 7 * o.weeks, o.communes);
    s_usage(store, o.data, " (with the communes' reports)");

    td_time now = S_WEEK0 + o.weeks * S_WEEK;
    s_time(store, "summary_p99_ms", "summary", false, o.runs, now);
    s_time(store, "tasks_p99_ms", "tasks", false, o.runs, now);
    s_time(store, "asof_summary_p99_ms", "summary", true, o.runs, now);
    s_time(store, "infra_p99_ms", "infra", true, o.infra_runs ? o.infra_runs : o.runs, now);
    free(h.tasks);
    free(f.codes);
    td_store_destroy(&store);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/store", o.data);
    s_breakdown(dir, 0, false);
    return 0;
}
