/* pushgw: the load generator's reports pushed as metrics to a Prometheus Pushgateway over HTTP/1.1
 * keep-alive: what many teams would run instead of tiendo.
 *   pushgw --registry DIR --address HOST:PORT [--agencies N] [--reports R] [--watch-pid PID]
 * The reports are loadgen's (bench_report_make: the same first N agencies that lead 20 tasks, the
 * same 20 items and values, report k of each agency for k = 1..R). Each becomes one PUT of the
 * text exposition format to /metrics/job/tiendo/agency/CODE, replacing that agency's group as a
 * report replaces a snapshot: per item tiendo_task_state (td_task_state's number),
 * tiendo_task_progress, tiendo_task_completed_on_seconds (done items), and tiendo_task_info 1
 * with the note and the evidence as labels when the item has them; tiendo_report_as_of_seconds
 * per report. Requests are built before the clock starts. One TCP connection per agency, opened
 * before the clock, with one request in flight each (HTTP/1.1 without pipelining, as clients
 * do), all driven by one thread with poll(2). The clock runs from the first send to the last
 * response; only 2xx responses count. Prints pushgateway_reports_per_s and
 * pushgateway_items_per_s. --watch-pid notes how busy the Pushgateway process was. */
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

#define S_BUF 8192 /* a response's headers must fit */
#define S_TIMEOUT_MS 30000

typedef struct {
    char *data;
    size_t len, cap;
} s_text;

typedef struct {
    int fd;
    const bench_lead *lead;
    s_text *reqs; /* reqs[k - 1]: report k as a request */
    long n_reqs, next;
    char buf[S_BUF];
    size_t have;    /* bytes of the response in buf (the rest of a long body is not kept) */
    size_t body_at; /* where its body starts in buf */
    long body_left; /* -1 while reading a response's headers */
    int status;
} s_conn;

typedef struct {
    const char *registry, *address;
    long agencies, reports, watch;
} s_opts;

typedef struct {
    s_conn *conns;
    size_t n;
    long ok, failed, expected, request_bytes;
    int first_bad; /* the first status outside 2xx, 0: none */
    char bad_body[120];
} s_run;

static void s_add(s_text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *grown = realloc(t->data, cap);
        if (!grown)
            bench_die("out of memory");
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = 0;
}

static void s_addf(s_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_addf(s_text *t, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line)
        bench_die("a metric line is longer than %zu bytes", sizeof line);
    s_add(t, line, (size_t)n);
}

/* A label value as the text format escapes it: backslash, double quote and newline. */
static void s_add_label(s_text *t, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            s_add(t, "\\", 1);
        if (*v == '\n')
            s_add(t, "\\n", 2);
        else
            s_add(t, v, 1);
    }
}

static void s_info(s_text *t, const td_task_status *s)
{
    s_addf(t, "tiendo_task_info{task=\"%s\",note=\"", s->id);
    s_add_label(t, s->note ? s->note : "");
    s_add(t, "\",evidence=\"", 12);
    for (size_t i = 0; i < s->n_evidence; i++) {
        if (i)
            s_add(t, " | ", 3);
        s_add_label(t, s->evidence[i]);
    }
    s_add(t, "\"} 1\n", 5);
}

/* The report's samples, family by family (the text format wants each family in one group). */
static void s_body(const td_report *r, s_text *t)
{
    s_addf(t, "# TYPE tiendo_report_as_of_seconds gauge\ntiendo_report_as_of_seconds %lld\n",
           (long long)r->as_of);
    s_addf(t, "# TYPE tiendo_task_state gauge\n");
    for (size_t i = 0; i < r->n_tasks; i++)
        s_addf(t, "tiendo_task_state{task=\"%s\"} %d\n", r->tasks[i].id, r->tasks[i].state);
    s_addf(t, "# TYPE tiendo_task_progress gauge\n");
    for (size_t i = 0; i < r->n_tasks; i++)
        s_addf(t, "tiendo_task_progress{task=\"%s\"} %d\n", r->tasks[i].id, r->tasks[i].progress);
    s_addf(t, "# TYPE tiendo_task_completed_on_seconds gauge\n");
    for (size_t i = 0; i < r->n_tasks; i++)
        if (r->tasks[i].completed_on != TD_NODAY)
            s_addf(t, "tiendo_task_completed_on_seconds{task=\"%s\"} %lld\n", r->tasks[i].id,
                   (long long)r->tasks[i].completed_on * 86400 - TD_TZ_OFFSET_S);
    s_addf(t, "# TYPE tiendo_task_info gauge\n");
    for (size_t i = 0; i < r->n_tasks; i++)
        if (r->tasks[i].note || r->tasks[i].n_evidence)
            s_info(t, &r->tasks[i]);
}

static void s_request(const bench_lead *lead, uint64_t k, const char *address, s_text *req)
{
    td_report r;
    s_text body = {0};
    bench_report_make(lead, BENCH_ITEMS, k, 0, &r);
    s_body(&r, &body);
    td_report_fini(&r);
    s_addf(req,
           "PUT /metrics/job/tiendo/agency/%s HTTP/1.1\r\nHost: %s\r\n"
           "Content-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n\r\n",
           lead->code, address, body.len);
    s_add(req, body.data, body.len);
    free(body.data);
}

static int s_connect(const char *address)
{
    char host[256];
    const char *colon = strrchr(address, ':');
    if (!colon || (size_t)(colon - address) >= sizeof host)
        bench_die("--address \"%s\" is not HOST:PORT", address);
    snprintf(host, sizeof host, "%.*s", (int)(colon - address), address);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0)
        bench_die("%s: %s", address, gai_strerror(rc));
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol), one = 1;
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
        bench_die("connect %s: %m", address);
    freeaddrinfo(ai);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void s_prepare(s_run *run, const s_opts *o, const bench_registry *reg)
{
    run->n = (size_t)o->agencies;
    run->conns = calloc(run->n, sizeof *run->conns);
    if (!run->conns)
        bench_die("out of memory");
    for (size_t i = 0; i < run->n; i++) {
        s_conn *c = &run->conns[i];
        c->lead = &reg->leads[i];
        c->n_reqs = o->reports;
        c->reqs = calloc((size_t)o->reports, sizeof *c->reqs);
        if (!c->reqs)
            bench_die("out of memory");
        for (long k = 0; k < o->reports; k++) {
            s_request(c->lead, (uint64_t)k + 1, o->address, &c->reqs[k]);
            run->request_bytes += (long)c->reqs[k].len;
        }
        c->fd = s_connect(o->address);
        c->body_left = -1;
    }
    run->expected = o->reports * (long)run->n;
}

static void s_send_next(s_conn *c)
{
    const s_text *r = &c->reqs[c->next++];
    for (size_t off = 0; off < r->len;) {
        ssize_t n = send(c->fd, r->data + off, r->len - off, MSG_NOSIGNAL);
        if (n < 0)
            bench_die("send to the Pushgateway: %m");
        off += (size_t)n;
    }
}

/* The status line and Content-Length of the headers in c->buf[0..c->body_at). */
static void s_headers(s_conn *c)
{
    if (sscanf(c->buf, "HTTP/1.%*d %d", &c->status) != 1)
        bench_die("not an HTTP response: %.40s", c->buf);
    long length = -1;
    const char *end = c->buf + c->body_at;
    for (char *line = strstr(c->buf, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
        if (!strncasecmp(line + 2, "Content-Length:", 15))
            length = strtol(line + 17, NULL, 10);
        if (!strncasecmp(line + 2, "Transfer-Encoding:", 18))
            bench_die("chunked responses are not read here");
    }
    if (length < 0)
        bench_die("a response without Content-Length");
    c->body_left = length - (long)(c->have - c->body_at);
}

/* A whole response is in: counts it, and sends the connection's next request. */
static void s_done(s_run *run, s_conn *c)
{
    if (c->body_left < 0)
        bench_die("bytes after the response to %s, which sent one request", c->lead->code);
    if (c->status >= 200 && c->status < 300) {
        run->ok++;
    } else if (run->failed++ == 0) {
        run->first_bad = c->status;
        snprintf(run->bad_body, sizeof run->bad_body, "%s", c->buf + c->body_at);
        run->bad_body[strcspn(run->bad_body, "\r\n")] = 0;
    }
    c->have = 0;
    c->body_left = -1;
    if (c->next < c->n_reqs)
        s_send_next(c);
}

/* Reads what the connection has; returns the number of responses completed (0 or 1). */
static int s_read(s_run *run, s_conn *c)
{
    char scratch[S_BUF];
    bool room = c->have < S_BUF - 1;
    ssize_t n = recv(c->fd, room ? c->buf + c->have : scratch,
                     room ? S_BUF - 1 - c->have : sizeof scratch, 0);
    if (n <= 0)
        bench_die("the Pushgateway closed the connection of %s%s", c->lead->code,
                  n < 0 ? " with an error" : "");
    if (room) {
        c->have += (size_t)n;
        c->buf[c->have] = 0;
    }
    if (c->body_left < 0) {
        char *end = strstr(c->buf, "\r\n\r\n");
        if (!end && c->have >= S_BUF - 1)
            bench_die("response headers longer than %d bytes", S_BUF);
        if (!end)
            return 0;
        c->body_at = (size_t)(end + 4 - c->buf);
        s_headers(c);
    } else {
        c->body_left -= n;
    }
    if (c->body_left > 0)
        return 0;
    s_done(run, c);
    return 1;
}

static long s_ticks(long pid) /* CPU time of a process (all its threads), in clock ticks */
{
    char path[64], text[1024];
    long long user = 0, sys = 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = 0;
    const char *p = strrchr(text, ')'); /* the name may hold spaces */
    if (p)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &user, &sys);
    return (long)(user + sys);
}

static double s_self_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void s_push(s_run *run, const s_opts *o)
{
    struct pollfd *p = calloc(run->n, sizeof *p);
    if (!p)
        bench_die("out of memory");
    for (size_t i = 0; i < run->n; i++)
        p[i] = (struct pollfd){.fd = run->conns[i].fd, .events = POLLIN};
    long ticks0 = o->watch ? s_ticks(o->watch) : 0;
    double self0 = s_self_s();
    int64_t t0 = bench_now_ns(), last = t0;
    for (size_t i = 0; i < run->n; i++)
        s_send_next(&run->conns[i]);
    while (run->ok + run->failed < run->expected) {
        int rc = poll(p, (nfds_t)run->n, S_TIMEOUT_MS);
        if (rc <= 0)
            bench_die("no response for %d s: %ld of %ld answered", S_TIMEOUT_MS / 1000,
                      run->ok + run->failed, run->expected);
        for (size_t i = 0; i < run->n; i++)
            if (p[i].revents && s_read(run, &run->conns[i]))
                last = bench_now_ns();
    }
    double secs = (double)(last - t0) / 1e9;
    bench_note("pushgateway: %zu connections, %ld reports of %d items pushed in %.2f s (%ld "
               "answered 2xx, %ld not; requests of %ld bytes on average)",
               run->n, run->expected, BENCH_ITEMS, secs, run->ok, run->failed,
               run->request_bytes / run->expected);
    if (run->failed)
        bench_note("pushgateway: the first failure was HTTP %d: %s", run->first_bad, run->bad_body);
    bench_figure("pushgateway_reports_per_s", (double)run->ok / secs, "reports/s");
    bench_figure("pushgateway_items_per_s", (double)run->ok * BENCH_ITEMS / secs, "items/s");
    if (o->watch)
        bench_note("pushgateway busy: %.0f%% of one core (all its threads); pushgw itself %.0f%%",
                   (double)(s_ticks(o->watch) - ticks0) / (double)sysconf(_SC_CLK_TCK) / secs * 100,
                   (s_self_s() - self0) / secs * 100);
    free(p);
}

static void s_parse(int argc, char **argv, s_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long *n = !strcmp(a, "--agencies")    ? &o->agencies
                  : !strcmp(a, "--reports")   ? &o->reports
                  : !strcmp(a, "--watch-pid") ? &o->watch
                                              : NULL;
        if (!v)
            bench_die("%s needs a value (see bench/pushgw.c)", a);
        i++;
        if (!strcmp(a, "--registry"))
            o->registry = v;
        else if (!strcmp(a, "--address"))
            o->address = v;
        else if (n)
            *n = bench_arg_long(a, v);
        else
            bench_die("unknown option %s (see bench/pushgw.c)", a);
    }
    if (!o->registry || !o->address)
        bench_die("--registry DIR and --address HOST:PORT are required");
}

int main(int argc, char **argv)
{
    s_opts o = {.agencies = 50, .reports = 100};
    s_parse(argc, argv, &o);
    char path[4096];
    bench_registry reg;
    snprintf(path, sizeof path, "%s/tasks.csv", o.registry);
    if (bench_registry_load(path, BENCH_ITEMS, &reg) != 0)
        return 1;
    if (reg.n < (size_t)o.agencies)
        bench_die("%s: only %zu agencies lead %d tasks, %ld wanted", path, reg.n, BENCH_ITEMS,
                  o.agencies);
    s_run run = {0};
    s_prepare(&run, &o, &reg);
    s_push(&run, &o);
    for (size_t i = 0; i < run.n; i++) {
        close(run.conns[i].fd);
        for (long k = 0; k < run.conns[i].n_reqs; k++)
            free(run.conns[i].reqs[k].data);
        free(run.conns[i].reqs);
    }
    free(run.conns);
    bench_registry_fini(&reg);
    return 0;
}
