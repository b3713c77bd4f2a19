/* loadgen: many agents at once against a real tiendo-collector. One CURVE DEALER per enrolled
 * agent key, reports pre-encoded before the clock starts (td_wire_encode, then
 * td_wire_frame_report with a random outbox id per key and seq 1, 2, ...), each with 20 items for
 * tasks the agency leads.
 *   loadgen --registry DIR --list N
 *       prints the codes of the first N agencies (by code) that lead >= 20 tasks
 *   loadgen --registry DIR --endpoint EP --creds DIR [--agencies N] [--window W]
 *           [--reports R | --rate RPS --duration S [--dump FILE]] [--as-of-offset SECONDS]
 *           [--watch-pid PID]
 * Throughput (--reports): every key keeps W reports in flight and sends the next as each Ack
 * comes; the clock runs from the first send to the last Ack. Prints ingest_reports_per_s and
 * ingest_items_per_s.
 * Latency (--rate): reports are offered at RPS in total, round robin over the keys, each at its
 * planned instant (zmq_poll's millisecond timeout makes some go up to ~1 ms late: those go
 * together). The latency of a report runs from its send to its Ack; a report held back because
 * its key's window was full is timed from its planned instant instead, so that waiting on tiendo
 * is never hidden (coordinated omission). Prints ack_p50_ms and ack_p99_ms. --dump writes one
 * line per Ack, "SENT_MS LATENCY_MS" from the start, to see what the slow ones share.
 * --watch-pid notes how busy each thread of that process (the collector) and the load generator
 * itself were while the clock ran. Credentials are DIR/CODE.cred as `tiendo-collector enroll`
 * writes them. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <zmq.h>

#include "common.h"
#include "tiendo/keys.h"
#include "tiendo/wire.h"

#define S_CONNECT_TIMEOUT_MS 30000
#define S_STALL_TIMEOUT_MS 30000
#define S_THREADS_MAX 64

typedef struct {
    uint8_t *data;
    size_t len;
} s_frame;

typedef struct {
    void *sock;
    const bench_lead *lead;
    s_frame *frames; /* frames[i] has seq i + 1 */
    long n_frames;
    long next; /* index of the next frame to send */
    int inflight;
    bool greeted; /* its Hello was answered: the CURVE handshake is done */
    int64_t *due_ns;
} s_conn;

typedef struct {
    const char *registry, *endpoint, *creds, *dump;
    long agencies, window, reports, rate, duration, list, watch;
    long as_of_offset;
} s_opts;

typedef struct {
    s_conn *conns;
    size_t n;
    long acks, nacks, items, rejected, duplicates, expected;
    int64_t last_ack_ns;
    double *lat_ms;  /* latency mode: one per Ack */
    double *sent_ms; /* when each was sent, from t0 */
    size_t n_lat;
    int64_t t0;
} s_run;

static void *s_connect(void *ctx, const s_opts *o, const char *code)
{
    char path[4096];
    td_cred c;
    td_errmsg why;
    snprintf(path, sizeof path, "%s/%s.cred", o->creds, code);
    if (td_keys_load(path, &c, &why) != TD_OK)
        bench_die("%s", why.text);
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, c.collector_txt, TD_Z85_LEN);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, c.public_txt, TD_Z85_LEN);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, c.secret_txt, TD_Z85_LEN);
    if (zmq_connect(s, o->endpoint) != 0)
        bench_die("connect %s: %s", o->endpoint, zmq_strerror(zmq_errno()));
    return s;
}

static void s_send_hello(s_conn *c)
{
    td_msg m = {.type = TD_MSG_HELLO};
    m.u.hello.software = "tiendo-bench loadgen";
    m.u.hello.interval_s = 300;
    uint8_t *buf;
    size_t len;
    if (td_wire_encode(&m, &buf, &len) != TD_OK)
        bench_die("cannot encode a hello");
    zmq_send(c->sock, buf, len, ZMQ_DONTWAIT);
    free(buf);
}

static void s_prepare(s_run *run, const s_opts *o, const bench_registry *reg, void *ctx)
{
    long per_key = o->rate ? (o->rate * o->duration + o->agencies - 1) / o->agencies : o->reports;
    run->n = (size_t)o->agencies;
    run->conns = calloc(run->n, sizeof *run->conns);
    if (!run->conns)
        bench_die("out of memory");
    for (size_t i = 0; i < run->n; i++) {
        s_conn *c = &run->conns[i];
        uint64_t outbox_id = 0;
        while (outbox_id == 0)
            if (getrandom(&outbox_id, sizeof outbox_id, 0) != sizeof outbox_id)
                bench_die("getrandom failed");
        c->lead = &reg->leads[i];
        c->n_frames = per_key;
        c->frames = calloc((size_t)per_key, sizeof *c->frames);
        c->due_ns = calloc((size_t)per_key, sizeof *c->due_ns);
        if (!c->frames || !c->due_ns)
            bench_die("out of memory");
        for (long k = 0; k < per_key; k++)
            bench_report_frame(c->lead, BENCH_ITEMS, (uint64_t)k + 1, o->as_of_offset, outbox_id,
                               &c->frames[k].data, &c->frames[k].len);
        c->sock = s_connect(ctx, o, c->lead->code);
    }
    run->expected = per_key * (long)run->n;
    if (o->rate) {
        run->lat_ms = calloc((size_t)run->expected, sizeof *run->lat_ms);
        run->sent_ms = calloc((size_t)run->expected, sizeof *run->sent_ms);
        if (!run->lat_ms || !run->sent_ms)
            bench_die("out of memory");
    }
}

/* Reads every reply queued on c. Returns the number of replies. */
static int s_drain(s_run *run, s_conn *c, bool greeting)
{
    int got = 0;
    for (;;) {
        zmq_msg_t f;
        zmq_msg_init(&f);
        if (zmq_msg_recv(&f, c->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&f);
            return got;
        }
        int64_t now = bench_now_ns();
        td_msg m;
        td_errmsg why;
        td_err err = td_wire_decode(zmq_msg_data(&f), zmq_msg_size(&f), &m, &why);
        zmq_msg_close(&f);
        if (err)
            bench_die("undecodable reply: %s", why.text);
        got++;
        if (m.type == TD_MSG_HEARTBEAT && greeting) {
            c->greeted = true;
        } else if (m.type == TD_MSG_ACK) {
            run->acks++;
            run->items += m.u.ack.accepted;
            run->rejected += (long)m.u.ack.n_rejected;
            run->duplicates += m.u.ack.duplicate;
            run->last_ack_ns = now;
            c->inflight--;
            uint64_t seq = m.u.ack.seq;
            if (run->lat_ms && seq >= 1 && seq <= (uint64_t)c->n_frames &&
                run->n_lat < (size_t)run->expected) {
                run->sent_ms[run->n_lat] = (double)(c->due_ns[seq - 1] - run->t0) / 1e6;
                run->lat_ms[run->n_lat++] = (double)(now - c->due_ns[seq - 1]) / 1e6;
            }
        } else if (m.type == TD_MSG_NACK) {
            if (run->nacks++ < 5)
                fprintf(stderr, "loadgen: %s seq %llu: nack %d: %s\n", c->lead->code,
                        (unsigned long long)m.u.nack.seq, m.u.nack.code, m.u.nack.reason);
            c->inflight--;
        }
        td_msg_fini(&m);
    }
}

static zmq_pollitem_t *s_items(const s_run *run)
{
    zmq_pollitem_t *items = calloc(run->n, sizeof *items);
    if (!items)
        bench_die("out of memory");
    for (size_t i = 0; i < run->n; i++) {
        items[i].socket = run->conns[i].sock;
        items[i].events = ZMQ_POLLIN;
    }
    return items;
}

/* Sends a Hello on every socket and waits until each is answered, so that no CURVE handshake
 * falls inside the measurement. */
static void s_greet(s_run *run)
{
    zmq_pollitem_t *items = s_items(run);
    for (size_t i = 0; i < run->n; i++)
        s_send_hello(&run->conns[i]);
    int64_t deadline = bench_now_ns() + (int64_t)S_CONNECT_TIMEOUT_MS * 1000000;
    size_t greeted = 0;
    while (greeted < run->n) {
        if (bench_now_ns() > deadline)
            bench_die("only %zu of %zu keys were answered within %d s", greeted, run->n,
                      S_CONNECT_TIMEOUT_MS / 1000);
        zmq_poll(items, (int)run->n, 100);
        greeted = 0;
        for (size_t i = 0; i < run->n; i++) {
            s_drain(run, &run->conns[i], true);
            greeted += run->conns[i].greeted;
        }
    }
    free(items);
}

/* Sends c's next report; its latency counts from due_ns, or from now when due_ns is 0. */
static void s_send_next(s_conn *c, int64_t due_ns)
{
    s_frame *f = &c->frames[c->next];
    c->due_ns[c->next] = due_ns ? due_ns : bench_now_ns();
    if (zmq_send(c->sock, f->data, f->len, 0) < 0)
        bench_die("send: %s", zmq_strerror(zmq_errno()));
    c->next++;
    c->inflight++;
}

static void s_top_up(s_conn *c, long window)
{
    while (c->inflight < window && c->next < c->n_frames)
        s_send_next(c, 0);
}

static int64_t s_wait_replies(s_run *run, zmq_pollitem_t *items, long timeout_ms, int64_t stall)
{
    int rc = zmq_poll(items, (int)run->n, timeout_ms);
    if (rc < 0)
        bench_die("zmq_poll: %s", zmq_strerror(zmq_errno()));
    for (size_t i = 0; rc > 0 && i < run->n; i++)
        if ((items[i].revents & ZMQ_POLLIN) && s_drain(run, &run->conns[i], false) > 0)
            stall = bench_now_ns();
    if (bench_now_ns() - stall > (int64_t)S_STALL_TIMEOUT_MS * 1000000)
        bench_die("no reply for %d s: %ld of %ld answered", S_STALL_TIMEOUT_MS / 1000,
                  run->acks + run->nacks, run->expected);
    return stall;
}

/* CPU time so far of each thread of process pid (schedstat: nanoseconds), and of this process. */
typedef struct {
    int tid;
    char comm[32];
    int64_t ns;
} s_thread;

typedef struct {
    s_thread threads[S_THREADS_MAX];
    size_t n;
    int64_t self_ns, at_ns;
    long long wchar; /* bytes the process wrote through write(2) and pwrite(2) so far */
} s_cpu;

static long long s_read_wchar(long pid)
{
    char path[64], line[128];
    long long wchar = 0;
    snprintf(path, sizeof path, "/proc/%ld/io", pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "wchar: %lld", &wchar) == 1)
            break;
    if (f)
        fclose(f);
    return wchar;
}

/* Reads one thread's name and CPU time; false when it is gone. */
static bool s_read_thread(long pid, s_thread *t)
{
    char path[128];
    long long ns;
    snprintf(path, sizeof path, "/proc/%ld/task/%d/comm", pid, t->tid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(t->comm, sizeof t->comm, f))
        t->comm[0] = 0;
    if (f)
        fclose(f);
    t->comm[strcspn(t->comm, "\n")] = 0;
    snprintf(path, sizeof path, "/proc/%ld/task/%d/schedstat", pid, t->tid);
    bool ok = (f = fopen(path, "r")) && fscanf(f, "%lld", &ns) == 1;
    if (f)
        fclose(f);
    t->ns = ok ? ns : 0;
    return ok;
}

static void s_cpu_take(long pid, s_cpu *c)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    c->self_ns = (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
                 (int64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
    c->at_ns = bench_now_ns();
    c->n = 0;
    c->wchar = pid ? s_read_wchar(pid) : 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *d = pid ? opendir(path) : NULL;
    for (struct dirent *e; d && c->n < S_THREADS_MAX && (e = readdir(d));) {
        s_thread *t = &c->threads[c->n];
        if ((t->tid = atoi(e->d_name)) > 0 && s_read_thread(pid, t))
            c->n++;
    }
    if (d)
        closedir(d);
}

/* Notes how busy each thread of the watched process, and this process, were between a and b,
 * and what the watched process wrote per report (its LMDB pages, mostly). */
static void s_cpu_note(const s_cpu *a, const s_cpu *b, long reports)
{
    char text[1024] = "";
    size_t len = 0;
    double span = (double)(b->at_ns - a->at_ns);
    for (size_t i = 0; i < b->n; i++)
        for (size_t j = 0; j < a->n; j++) {
            double busy = (double)(b->threads[i].ns - a->threads[j].ns) / span * 100;
            if (a->threads[j].tid != b->threads[i].tid || busy < 0.5 || len >= sizeof text)
                continue;
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%s (%d) %.0f%%",
                                    len ? ", " : "", b->threads[i].comm, b->threads[i].tid, busy);
        }
    if (b->n)
        bench_note("collector threads busy, in %% of one core: %s; it wrote %.1f MB, %.1f KB per "
                   "report",
                   text, (double)(b->wchar - a->wchar) / 1e6,
                   (double)(b->wchar - a->wchar) / 1e3 / (double)(reports ? reports : 1));
    bench_note("loadgen busy: %.0f%% of one core (all its threads)",
               (double)(b->self_ns - a->self_ns) / span * 100);
}

static void s_throughput(s_run *run, const s_opts *o)
{
    zmq_pollitem_t *items = s_items(run);
    s_cpu cpu0, cpu1;
    s_cpu_take(o->watch, &cpu0);
    int64_t t0 = bench_now_ns(), stall = t0;
    for (size_t i = 0; i < run->n; i++)
        s_top_up(&run->conns[i], o->window);
    while (run->acks + run->nacks < run->expected) {
        stall = s_wait_replies(run, items, 1000, stall);
        for (size_t i = 0; i < run->n; i++)
            s_top_up(&run->conns[i], o->window);
    }
    s_cpu_take(o->watch, &cpu1);
    double secs = (double)(run->last_ack_ns - t0) / 1e9;
    bench_note("ingest: %zu keys, window %ld, %ld reports of %d items acknowledged in %.2f s "
               "(%ld items accepted, %ld rejected, %ld duplicates, %ld nacks)",
               run->n, o->window, run->acks, BENCH_ITEMS, secs, run->items, run->rejected,
               run->duplicates, run->nacks);
    bench_figure("ingest_reports_per_s", (double)run->acks / secs, "reports/s");
    bench_figure("ingest_items_per_s", (double)run->items / secs, "items/s");
    s_cpu_note(&cpu0, &cpu1, run->acks);
    free(items);
}

static void s_latency(s_run *run, const s_opts *o)
{
    zmq_pollitem_t *items = s_items(run);
    s_cpu cpu0, cpu1;
    s_cpu_take(o->watch, &cpu0);
    int64_t t0 = run->t0 = bench_now_ns(), stall = t0, period = 1000000000 / o->rate;
    long sent = 0, late = 0, held = 0;
    bool holding = false; /* the next report waits for a slot in its key's window */
    while (run->acks + run->nacks < run->expected) {
        int64_t now = bench_now_ns();
        while (sent < run->expected && t0 + sent * period <= now) {
            s_conn *c = &run->conns[(size_t)sent % run->n];
            if (c->inflight >= o->window) {
                held += !holding;
                holding = true;
                break; /* it goes when an Ack frees a slot, timed from its planned instant */
            }
            late += now - (t0 + sent * period) > 1000000;
            s_send_next(c, holding ? t0 + sent * period : 0);
            holding = false;
            sent++;
        }
        int64_t wait_ns = sent < run->expected ? t0 + sent * period - bench_now_ns() : 1000000000;
        long wait_ms = wait_ns <= 0 ? 0 : (long)((wait_ns + 999999) / 1000000);
        stall = s_wait_replies(run, items, wait_ms, sent < run->expected ? bench_now_ns() : stall);
    }
    s_cpu_take(o->watch, &cpu1);
    double secs = (double)(run->last_ack_ns - t0) / 1e9;
    FILE *f = o->dump ? fopen(o->dump, "w") : NULL;
    for (size_t i = 0; f && i < run->n_lat; i++)
        fprintf(f, "%.3f %.3f\n", run->sent_ms[i], run->lat_ms[i]);
    if (f)
        fclose(f);
    double p50 = bench_percentile(run->lat_ms, run->n_lat, 50);
    double p99 = bench_percentile(run->lat_ms, run->n_lat, 99);
    double max = run->n_lat ? run->lat_ms[run->n_lat - 1] : 0;
    bench_note("latency: %ld reports offered at %ld/s over %zu keys in %.2f s; %ld sent more than "
               "1 ms after their planned instant, %ld held by a full window; %ld nacks; max "
               "%.2f ms",
               run->expected, o->rate, run->n, secs, late, held, run->nacks, max);
    bench_figure("ack_p50_ms", p50, "ms");
    bench_figure("ack_p99_ms", p99, "ms");
    s_cpu_note(&cpu0, &cpu1, run->acks);
    free(items);
}

static void s_parse(int argc, char **argv, s_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            bench_die("%s needs a value", a);
        i++;
        if (!strcmp(a, "--registry"))
            o->registry = v;
        else if (!strcmp(a, "--endpoint"))
            o->endpoint = v;
        else if (!strcmp(a, "--creds"))
            o->creds = v;
        else if (!strcmp(a, "--dump"))
            o->dump = v;
        else if (!strcmp(a, "--as-of-offset"))
            o->as_of_offset = bench_arg_long(a, v);
        else if (!strcmp(a, "--agencies") || !strcmp(a, "--window") || !strcmp(a, "--reports") ||
                 !strcmp(a, "--rate") || !strcmp(a, "--duration") || !strcmp(a, "--list") ||
                 !strcmp(a, "--watch-pid")) {
            long n = bench_arg_long(a, v);
            *(!strcmp(a, "--agencies")    ? &o->agencies
              : !strcmp(a, "--window")    ? &o->window
              : !strcmp(a, "--reports")   ? &o->reports
              : !strcmp(a, "--rate")      ? &o->rate
              : !strcmp(a, "--list")      ? &o->list
              : !strcmp(a, "--watch-pid") ? &o->watch
                                          : &o->duration) = n;
        } else
            bench_die("unknown option %s (see bench/loadgen.c)", a);
    }
    if (!o->registry)
        bench_die("--registry DIR is required");
    if (!o->list && (!o->endpoint || !o->creds))
        bench_die("--endpoint EP and --creds DIR are required");
}

int main(int argc, char **argv)
{
    s_opts o = {.agencies = 50, .window = 64, .reports = 1000, .duration = 10};
    s_parse(argc, argv, &o);
    char path[4096];
    bench_registry reg;
    snprintf(path, sizeof path, "%s/tasks.csv", o.registry);
    if (bench_registry_load(path, BENCH_ITEMS, &reg) != 0)
        return 1;
    long want = o.list ? o.list : o.agencies;
    if (reg.n < (size_t)want)
        bench_die("%s: only %zu agencies lead %d tasks, %ld wanted", path, reg.n, BENCH_ITEMS,
                  want);
    if (o.list) {
        for (long i = 0; i < o.list; i++)
            printf("%s\n", reg.leads[i].code);
        bench_registry_fini(&reg);
        return 0;
    }
    void *ctx = zmq_ctx_new();
    s_run run;
    memset(&run, 0, sizeof run);
    s_prepare(&run, &o, &reg, ctx);
    s_greet(&run);
    if (o.rate)
        s_latency(&run, &o);
    else
        s_throughput(&run, &o);
    for (size_t i = 0; i < run.n; i++) {
        zmq_close(run.conns[i].sock);
        for (long k = 0; k < run.conns[i].n_frames; k++)
            free(run.conns[i].frames[k].data);
        free(run.conns[i].frames);
        free(run.conns[i].due_ns);
    }
    free(run.conns);
    free(run.lat_ms);
    free(run.sent_ms);
    zmq_ctx_term(ctx);
    bench_registry_fini(&reg);
    return 0;
}
