/* tiendo-sim fleet: the command line, the fleet's agencies and keys, and the results. The
 * delivery itself is in fleet_run.c, the agencies' status in fleet_status.c. */
#include "fleet.h"
#include "generate.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zmq.h>

#include "tiendo/parse.h"

#define SHOWN_THREADS 16 /* threads of the watched process noted */
#define DEFAULT_START "2025-10-01T08:00:00+07:00"

static void s_usage(FILE *f)
{
    fputs("usage: tiendo-sim fleet --registry DIR --creds DIR --endpoint EP [options]\n"
          "\n"
          "Runs many virtual agents in one process against a tiendo collector. Each has its own\n"
          "enrolled key (DIR/CODE.cred, as `tiendo-collector enroll --agencies-from FILE\n"
          "--out-dir DIR` writes them), its own CURVE connection and its own outbox, kept in\n"
          "memory, and delivers as tiendo-agent does: seqs 1, 2, ..., 64 reports in flight, a\n"
          "resend from the oldest after 5 s of silence plus a backoff. Each agency reports the\n"
          "tasks it leads and the sections of its kind (funding for central agencies, services\n"
          "for provinces, infrastructure and services for communes), changing on a compressed\n"
          "clock.\n"
          "\n"
          "Two modes:\n"
          "  reporting (default)  every agent reports each --interval of simulated time for\n"
          "                       --duration real seconds, going offline now and then with\n"
          "                       --offline; then everything queued is delivered\n"
          "  catch-up (--queued N)  every agent starts with N reports queued, all connect at\n"
          "                       once, and the run ends when every report is acknowledged;\n"
          "                       prints catchup_s, from the connections to the last Ack\n"
          "\n"
          "options:\n"
          "  --registry DIR      agencies.csv and tasks.csv, e.g. from tiendo-sim generate\n"
          "  --creds DIR         agents' credential files DIR/CODE.cred\n"
          "  --endpoint EP       the collector's agents endpoint, e.g. tcp://127.0.0.1:7701\n"
          "  --collector-key K   the collector's public key (Z85) or a credential file holding\n"
          "                      it (default: each agent's credential file)\n"
          "  --agents N          the first N agencies of agencies.csv with a credential file\n"
          "                      (default: all of them)\n"
          "  --interval S        simulated seconds between an agent's reports (default 600)\n"
          "  --clock-speed X     simulated seconds per real second (default 600)\n"
          "  --start WHEN        simulated instant of the first reports, YYYY-MM-DD (00:00 in\n"
          "                      UTC+7) or an ISO-8601 date-time (default " DEFAULT_START ")\n"
          "  --change-rate P     chance, 0..1, that a task or section changes at each report\n"
          "                      (default 0.1)\n"
          "  --offline P         chance, 0..1, at each report time that an online agent goes\n"
          "                      offline (default 0): half the periods are signal gaps (the\n"
          "                      connection drops, reports keep being queued), half power cuts\n"
          "                      (the socket closes and nothing is queued until power is back);\n"
          "                      either way the agent then resends everything queued\n"
          "  --offline-for S     mean simulated seconds an offline period lasts, drawn from\n"
          "                      S/2..3S/2 (default 3600)\n"
          "  --duration S        real seconds of reporting (default 30)\n"
          "  --queued N          catch-up mode: N reports queued per agent, 1..100000\n"
          "  --timeout S         give up after S real seconds without an Ack once reporting\n"
          "                      ended, or in catch-up mode (default 60)\n"
          "  --seed N            seed of the statuses and offline periods (default 1);\n"
          "                      outbox identities are random\n"
          "  --summary FILE      write one line per agent: CODE OUTBOX_ID REPORTS ACKNOWLEDGED\n"
          "                      LAST_AS_OF FIRST_ACK_S LAST_ACK_S (real seconds from the\n"
          "                      start; 0: none)\n"
          "  --io-threads N      ZeroMQ I/O threads (default 1)\n"
          "  --watch-pid PID     note how long each thread of PID (the collector, on this\n"
          "                      machine) ran and waited for a CPU during the run\n"
          "  -h, --help          show this help\n"
          "\n"
          "Output: `fleet_agents N agents`, `fleet_reports N reports`, in catch-up mode\n"
          "`catchup_s VALUE s`, then `# fleet totals: sent ..., acknowledged ..., resent ...,\n"
          "nacked ...` (sent counts each report once; resent counts the sends after its first).\n"
          "Exit status: 0 when every report made was acknowledged, 1 otherwise, 2 bad usage.\n",
          f);
}

static int s_bad(const char *what, const char *value)
{
    fprintf(stderr, "tiendo-sim fleet: %s: '%s' (see tiendo-sim fleet --help)\n", what, value);
    return SIM_EXIT_USAGE;
}

static bool s_double(const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

static bool s_when(const char *text, td_time *out)
{
    td_day day;
    if (td_day_parse(text, &day) == TD_OK) {
        *out = (td_time)day * 86400 - TD_TZ_OFFSET_S;
        return true;
    }
    return td_time_parse(text, out) == TD_OK;
}

static bool s_seed(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-')
        return false;
    *out = v;
    return true;
}

enum {
    OPT_REGISTRY = 256,
    OPT_CREDS,
    OPT_ENDPOINT,
    OPT_COLLECTOR_KEY,
    OPT_AGENTS,
    OPT_INTERVAL,
    OPT_CLOCK_SPEED,
    OPT_START,
    OPT_CHANGE_RATE,
    OPT_OFFLINE,
    OPT_OFFLINE_FOR,
    OPT_DURATION,
    OPT_QUEUED,
    OPT_TIMEOUT,
    OPT_SEED,
    OPT_SUMMARY,
    OPT_IO_THREADS,
    OPT_WATCH_PID
};

/* Numbers: 0 when taken, else the exit status of a bad value. */
static int s_apply_number(int c, const char *arg, sim_fleet_opts *o)
{
    switch (c) {
    case OPT_AGENTS:
        return sim_parse_long(arg, 1, 1000000, &o->agents)
                   ? 0
                   : s_bad("--agents wants 1..1000000", arg);
    case OPT_INTERVAL:
        return sim_parse_long(arg, 1, 31536000, &o->interval)
                   ? 0
                   : s_bad("--interval wants 1..31536000", arg);
    case OPT_CLOCK_SPEED:
        return s_double(arg, 0.001, 1e7, &o->clock_speed)
                   ? 0
                   : s_bad("--clock-speed wants 0.001..10000000", arg);
    case OPT_CHANGE_RATE:
        return s_double(arg, 0, 1, &o->change_rate) ? 0 : s_bad("--change-rate wants 0..1", arg);
    case OPT_OFFLINE:
        return s_double(arg, 0, 1, &o->offline) ? 0 : s_bad("--offline wants 0..1", arg);
    case OPT_OFFLINE_FOR:
        return sim_parse_long(arg, 1, 31536000, &o->offline_for)
                   ? 0
                   : s_bad("--offline-for wants 1..31536000", arg);
    case OPT_DURATION:
        return s_double(arg, 0.001, 1e6, &o->duration)
                   ? 0
                   : s_bad("--duration wants 0.001..1000000", arg);
    case OPT_QUEUED:
        return sim_parse_long(arg, 1, 100000, &o->queued) ? 0
                                                          : s_bad("--queued wants 1..100000", arg);
    case OPT_TIMEOUT:
        return sim_parse_long(arg, 1, 86400, &o->timeout) ? 0
                                                          : s_bad("--timeout wants 1..86400", arg);
    case OPT_IO_THREADS:
        return sim_parse_long(arg, 1, 64, &o->io_threads) ? 0
                                                          : s_bad("--io-threads wants 1..64", arg);
    case OPT_WATCH_PID:
        return sim_parse_long(arg, 1, 1L << 30, &o->watch_pid)
                   ? 0
                   : s_bad("--watch-pid wants a pid", arg);
    case OPT_SEED:
        return s_seed(arg, &o->seed) ? 0 : s_bad("--seed wants 0..2^64-1", arg);
    case OPT_START:
        return s_when(arg, &o->start) ? 0 : s_bad("--start wants YYYY-MM-DD or a date-time", arg);
    default:
        return SIM_EXIT_USAGE;
    }
}

static int s_apply(int c, const char *arg, sim_fleet_opts *o)
{
    const char **text = c == OPT_REGISTRY        ? &o->registry
                        : c == OPT_CREDS         ? &o->creds
                        : c == OPT_ENDPOINT      ? &o->endpoint
                        : c == OPT_COLLECTOR_KEY ? &o->collector_key
                        : c == OPT_SUMMARY       ? &o->summary
                                                 : NULL;
    if (!text)
        return s_apply_number(c, arg, o);
    if (!arg[0])
        return s_bad("an empty value", arg);
    *text = arg;
    return 0;
}

/* Parses argv; returns -1 to go on, or an exit status. */
static int s_parse(int argc, char **argv, sim_fleet_opts *o, bool *reporting_set)
{
    static const struct option longs[] = {
        {"registry", required_argument, NULL, OPT_REGISTRY},
        {"creds", required_argument, NULL, OPT_CREDS},
        {"endpoint", required_argument, NULL, OPT_ENDPOINT},
        {"collector-key", required_argument, NULL, OPT_COLLECTOR_KEY},
        {"agents", required_argument, NULL, OPT_AGENTS},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"clock-speed", required_argument, NULL, OPT_CLOCK_SPEED},
        {"start", required_argument, NULL, OPT_START},
        {"change-rate", required_argument, NULL, OPT_CHANGE_RATE},
        {"offline", required_argument, NULL, OPT_OFFLINE},
        {"offline-for", required_argument, NULL, OPT_OFFLINE_FOR},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"queued", required_argument, NULL, OPT_QUEUED},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"seed", required_argument, NULL, OPT_SEED},
        {"summary", required_argument, NULL, OPT_SUMMARY},
        {"io-threads", required_argument, NULL, OPT_IO_THREADS},
        {"watch-pid", required_argument, NULL, OPT_WATCH_PID},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
        if (c == 'h') {
            s_usage(stdout);
            return EXIT_SUCCESS;
        }
        if (c == '?')
            return s_bad("unknown option or missing value", argv[optind - 1]);
        *reporting_set = *reporting_set || c == OPT_OFFLINE || c == OPT_DURATION;
        int rc = s_apply(c, optarg, o);
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return s_bad("unexpected argument", argv[optind]);
    return -1;
}

static int s_check_opts(const sim_fleet_opts *o, bool reporting_set)
{
    if (!o->registry || !o->creds || !o->endpoint) {
        fputs("tiendo-sim fleet: --registry DIR, --creds DIR and --endpoint EP are required "
              "(see tiendo-sim fleet --help)\n",
              stderr);
        return SIM_EXIT_USAGE;
    }
    if (o->queued && reporting_set) {
        fputs("tiendo-sim fleet: --queued (catch-up) goes without --duration and --offline\n",
              stderr);
        return SIM_EXIT_USAGE;
    }
    return -1;
}

/* ---- the fleet's agencies and keys ---- */

typedef struct {
    td_agency *agencies;
    size_t n_agencies;
    td_task *tasks;
    size_t n_tasks;
} s_registry;

static void s_registry_fini(s_registry *r)
{
    for (size_t i = 0; i < r->n_agencies; i++)
        td_agency_fini(&r->agencies[i]);
    for (size_t i = 0; i < r->n_tasks; i++)
        td_task_fini(&r->tasks[i]);
    free(r->agencies);
    free(r->tasks);
}

static int s_read_csv(const char *dir, const char *name, s_registry *r)
{
    char path[4096];
    char *text;
    size_t len;
    td_errmsg why;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (td_read_file(path, &text, &len, &why) != TD_OK) {
        fprintf(stderr, "tiendo-sim fleet: %s\n", why.text);
        return -1;
    }
    td_errlist *errs = td_errlist_new();
    td_err err = strcmp(name, "agencies.csv") == 0
                     ? td_parse_agencies_csv(path, text, len, &r->agencies, &r->n_agencies, errs)
                     : td_parse_tasks_csv(path, text, len, &r->tasks, &r->n_tasks, errs);
    for (size_t i = 0; err && i < td_errlist_count(errs); i++)
        fprintf(stderr, "%s\n", td_errlist_at(errs, i));
    if (err && td_errlist_count(errs) == 0)
        fprintf(stderr, "tiendo-sim fleet: %s: %s\n", path, td_strerror(err));
    td_errlist_destroy(&errs);
    free(text);
    return err ? -1 : 0;
}

/* The collector's key from --collector-key: Z85 text, or a credential file (an agent's names
 * the collector's key; the collector's own holds it as its public key). */
static int s_server_key(const char *arg, char out[TD_Z85_LEN + 1])
{
    uint8_t raw[32];
    td_cred c;
    td_errmsg why;
    if (strlen(arg) == TD_Z85_LEN && td_keys_decode(arg, raw) == TD_OK) {
        snprintf(out, TD_Z85_LEN + 1, "%s", arg);
        return 0;
    }
    if (td_keys_load(arg, &c, &why) != TD_OK) {
        fprintf(stderr, "tiendo-sim fleet: --collector-key: %s\n", why.text);
        return -1;
    }
    snprintf(out, TD_Z85_LEN + 1, "%s", c.collector_txt[0] ? c.collector_txt : c.public_txt);
    return 0;
}

/* Loads CREDS/CODE.cred into a. 1 when there is no such file, -1 on a bad one. */
static int s_load_cred(const sim_fleet_opts *o, const char *code, const char *server, sim_agent *a)
{
    char path[4096 + TD_CODE_MAX + 8];
    td_cred c;
    td_errmsg why;
    snprintf(path, sizeof path, "%s/%s.cred", o->creds, code);
    if (access(path, F_OK) != 0)
        return 1;
    if (td_keys_load(path, &c, &why) != TD_OK) {
        fprintf(stderr, "tiendo-sim fleet: %s\n", why.text);
        return -1;
    }
    if (strcmp(c.role, "agent") != 0 || strcmp(c.name, code) != 0) {
        fprintf(stderr, "tiendo-sim fleet: %s: not an agent key of %s (role %s, name %s)\n", path,
                code, c.role, c.name);
        return -1;
    }
    if (!server[0] && !c.collector_txt[0]) {
        fprintf(stderr, "tiendo-sim fleet: %s: names no collector key; give --collector-key\n",
                path);
        return -1;
    }
    snprintf(a->public_txt, sizeof a->public_txt, "%s", c.public_txt);
    snprintf(a->secret_txt, sizeof a->secret_txt, "%s", c.secret_txt);
    snprintf(a->server_txt, sizeof a->server_txt, "%s", server[0] ? server : c.collector_txt);
    return 0;
}

static int s_load_agents(sim_fleet *f, const s_registry *r)
{
    const sim_fleet_opts *o = f->o;
    char server[TD_Z85_LEN + 1] = "";
    if (o->collector_key && s_server_key(o->collector_key, server) != 0)
        return 1;
    f->agents = calloc(r->n_agencies ? r->n_agencies : 1, sizeof *f->agents);
    if (!f->agents)
        return 1;
    for (size_t i = 0; i < r->n_agencies && (!o->agents || f->n < (size_t)o->agents); i++) {
        sim_agent *a = &f->agents[f->n];
        int rc = s_load_cred(o, r->agencies[i].code, server, a);
        if (rc < 0)
            return 1;
        if (rc > 0)
            continue;
        if (sim_agent_init(f, a, &r->agencies[i], i, r->tasks, r->n_tasks) != TD_OK) {
            sim_agent_fini(f, a);
            fputs("tiendo-sim fleet: out of memory\n", stderr);
            return 1;
        }
        f->n++;
    }
    if (f->n == 0 || (o->agents && f->n < (size_t)o->agents)) {
        fprintf(stderr,
                "tiendo-sim fleet: %zu agencies of %s/agencies.csv have a credential file "
                "in %s; %ld wanted\n",
                f->n, o->registry, o->creds, o->agents ? o->agents : 1);
        return 1;
    }
    return 0;
}

/* ---- results ---- */

static int s_cmp_ms(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* When the agents got their first Ack and finished: the median and the last. */
static void s_catch_up_notes(const sim_fleet *f)
{
    int64_t *first = calloc(f->n, sizeof *first), *done = calloc(f->n, sizeof *done);
    if (!first || !done) {
        free(first);
        free(done);
        return;
    }
    for (size_t i = 0; i < f->n; i++) {
        first[i] = f->agents[i].first_ack_ms;
        done[i] = f->agents[i].done_ms;
    }
    qsort(first, f->n, sizeof *first, s_cmp_ms);
    qsort(done, f->n, sizeof *done, s_cmp_ms);
    printf("# catch-up: %zu agents x %ld reports; first Ack of an agent after %.2f s at the "
           "median, %.2f s at the latest; an agent's last Ack after %.2f s at the median, %.2f s "
           "at the latest\n",
           f->n, f->o->queued, (double)first[f->n / 2] / 1000, (double)first[f->n - 1] / 1000,
           (double)done[f->n / 2] / 1000, (double)done[f->n - 1] / 1000);
    free(first);
    free(done);
}

static int s_write_summary(const sim_fleet *f)
{
    FILE *out = fopen(f->o->summary, "w");
    if (!out) {
        fprintf(stderr, "tiendo-sim fleet: %s: %s\n", f->o->summary, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < f->n; i++) {
        const sim_agent *a = &f->agents[i];
        char when[26] = "-";
        if (a->n_q)
            td_time_format(a->last_as_of, when);
        fprintf(out, "%s %016llx %zu %zu %s %.3f %.3f\n", a->status.agency,
                (unsigned long long)a->outbox_id, a->n_q, a->acked, when,
                (double)a->first_ack_ms / 1000, (double)a->done_ms / 1000);
    }
    bool bad = ferror(out) != 0;
    if (fclose(out) != 0 || bad) {
        fprintf(stderr, "tiendo-sim fleet: %s: write failed\n", f->o->summary);
        return -1;
    }
    return 0;
}

static double s_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* What the threads of process pid have done so far: nanoseconds on a CPU, and waiting for one
 * while runnable (/proc/PID/task/TID/schedstat). */
typedef struct {
    int tid;
    char comm[32];
    double run_s, wait_s;
} s_thread;

static size_t s_threads(long pid, s_thread *t, size_t max)
{
    char path[96];
    size_t n = 0;
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *d = pid ? opendir(path) : NULL;
    for (struct dirent *e; d && n < max && (e = readdir(d));) {
        long long run, wait;
        if ((t[n].tid = atoi(e->d_name)) <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/task/%d/comm", pid, t[n].tid);
        FILE *f = fopen(path, "r");
        if (!f || !fgets(t[n].comm, sizeof t[n].comm, f))
            t[n].comm[0] = 0;
        if (f)
            fclose(f);
        t[n].comm[strcspn(t[n].comm, "\n")] = 0;
        snprintf(path, sizeof path, "/proc/%ld/task/%d/schedstat", pid, t[n].tid);
        bool ok = (f = fopen(path, "r")) && fscanf(f, "%lld %lld", &run, &wait) == 2;
        if (f)
            fclose(f);
        if (ok) {
            t[n].run_s = (double)run / 1e9;
            t[n].wait_s = (double)wait / 1e9;
            n++;
        }
    }
    if (d)
        closedir(d);
    return n;
}

/* Notes how long each busy thread of the watched process ran and waited for a CPU during the
 * run: a collector thread that waits long is short of CPU, not of work. */
static void s_watch_note(const sim_fleet *f, const s_thread *before, size_t n_before)
{
    s_thread after[SHOWN_THREADS];
    size_t n = s_threads(f->o->watch_pid, after, SHOWN_THREADS);
    char text[1024] = "";
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n_before; j++) {
            double run = after[i].run_s - before[j].run_s,
                   wait = after[i].wait_s - before[j].wait_s;
            if (after[i].tid != before[j].tid || run < 0.05 || len >= sizeof text)
                continue;
            len += (size_t)snprintf(text + len, sizeof text - len,
                                    "%s%s ran %.1f s, waited for a CPU %.1f s", len ? "; " : "",
                                    after[i].comm, run, wait);
        }
    if (n)
        printf("# process %ld during the run: %s\n", f->o->watch_pid, text);
}

static int s_results(const sim_fleet *f, double cpu0)
{
    const sim_fleet_counts *c = &f->c;
    double wall = (double)(sim_now_ms() - f->t0_ms) / 1000;
    printf("fleet_agents %zu agents\n", f->n);
    printf("fleet_reports %ld reports\n", c->made);
    bool all = c->acked == c->made && !sim_fleet_interrupted();
    if (f->o->queued && all) {
        printf("catchup_s %.2f s\n", (double)(f->last_ack_ms - f->t0_ms) / 1000);
        s_catch_up_notes(f);
    }
    printf("# fleet totals: sent %ld, acknowledged %ld, resent %ld, nacked %ld; duplicate acks "
           "%ld, items rejected %ld, refused %ld, still queued %ld; offline periods: %ld signal "
           "gaps, %ld power cuts; %.1f s, the fleet busy %.0f%% of one core\n",
           c->sent, c->acked, c->resent, c->nacked, c->duplicates, c->rejected, c->refused,
           c->made - c->acked - c->refused, c->gaps, c->cuts, wall,
           wall > 0 ? (s_cpu_s() - cpu0) / wall * 100 : 0);
    fflush(stdout);
    if (f->o->summary && s_write_summary(f) != 0)
        return EXIT_FAILURE;
    return all ? EXIT_SUCCESS : EXIT_FAILURE;
}

static void s_fleet_fini(sim_fleet *f)
{
    for (size_t i = 0; f->agents && i < f->n; i++)
        sim_agent_fini(f, &f->agents[i]);
    free(f->agents);
    if (f->epfd >= 0)
        close(f->epfd);
    if (f->ctx)
        zmq_ctx_term(f->ctx);
}

static int s_run(const sim_fleet_opts *o)
{
    s_registry reg = {0};
    sim_fleet f = {.o = o, .epfd = -1};
    s_thread watched[SHOWN_THREADS];
    int rc = EXIT_FAILURE;
    if (s_read_csv(o->registry, "agencies.csv", &reg) != 0 ||
        s_read_csv(o->registry, "tasks.csv", &reg) != 0 || s_load_agents(&f, &reg) != 0 ||
        sim_fleet_open(&f) != 0)
        goto done;
    double cpu0 = s_cpu_s();
    size_t n_watched = s_threads(o->watch_pid, watched, SHOWN_THREADS);
    rc = o->queued ? sim_fleet_catch_up(&f) : sim_fleet_report(&f);
    if (rc < 0) {
        rc = s_results(&f, cpu0);
        s_watch_note(&f, watched, n_watched);
    }
done:
    s_fleet_fini(&f);
    s_registry_fini(&reg);
    return rc;
}

int sim_fleet_main(int argc, char **argv)
{
    sim_fleet_opts o = {.interval = 600,
                        .clock_speed = 600,
                        .change_rate = 0.1,
                        .offline_for = 3600,
                        .duration = 30,
                        .timeout = 60,
                        .io_threads = 1,
                        .seed = 1};
    bool reporting_set = false;
    if (td_time_parse(DEFAULT_START, &o.start) != TD_OK)
        return EXIT_FAILURE;
    int rc = s_parse(argc, argv, &o, &reporting_set);
    if (rc < 0)
        rc = s_check_opts(&o, reporting_set);
    return rc < 0 ? s_run(&o) : rc;
}
