/* The fleet's delivery. Each virtual agent delivers as tiendo-agent does (agent/deliver.c):
 * reports get seqs 1, 2, ... of an outbox with a random identity, at most 64 are in flight, an
 * Ack removes one, and after a silence of 5 s plus a backoff (1 s doubling to 60 s, with jitter)
 * every unacknowledged report is sent again from the oldest. The outbox is kept in memory, not
 * in LMDB: thousands of durable outboxes would make the fleet's fsyncs, not the collector, what
 * is measured.
 * Offline periods close the agent's connection (a signal gap: reports keep being queued) or its
 * socket (a power cut: nothing is queued until power is back, when a new socket is made). Either
 * way the agent then sends everything queued again from the oldest, as an agent does after a
 * restart.
 * All sockets share one ZeroMQ context and one thread. zmq_poll over thousands of sockets costs
 * more than the delivery itself (it asks every socket for its events at each call), so each
 * socket's ZMQ_FD is watched with epoll instead: when it is readable, the socket's ZMQ_EVENTS
 * are read (which clears it) and acted on until none is left to act on. */
#include "fleet.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "generate.h"
#include "tiendo/wire.h"

#define WINDOW 64        /* reports in flight per agent, as tiendo-agent */
#define ACK_WAIT_MS 5000 /* silence before a resend round, plus the backoff */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define RECONNECT_MAX_MS 60000
#define WAIT_MS 10       /* the longest wait for a socket before the agents' timers are checked */
#define SWEEP_MS 1000    /* every socket's events are read this often, whatever epoll said */
#define SERVICE_ROUNDS 8 /* rounds of reading and sending on one socket per wake-up */
#define EVENTS_MAX 256
#define SHOWN_MAX 5 /* refusals and rejections printed; the rest are counted */

static volatile sig_atomic_t s_interrupted;

static void s_on_signal(int sig)
{
    (void)sig;
    s_interrupted = 1;
}

bool sim_fleet_interrupted(void)
{
    return s_interrupted != 0;
}

int64_t sim_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- resources ---- */

td_err sim_agent_init(sim_fleet *f, sim_agent *a, const td_agency *agency, size_t row,
                      const td_task *tasks, size_t n_tasks)
{
    const sim_fleet_opts *o = f->o;
    td_err err = sim_status_init(&a->status, agency, row, tasks, n_tasks, o->start, o->seed);
    if (err)
        return err;
    a->rng = sim_mix(o->seed ^ sim_mix(row + 0x5bd1e995u));
    while (a->outbox_id == 0)
        if (getrandom(&a->outbox_id, sizeof a->outbox_id, 0) != sizeof a->outbox_id)
            return TD_EIO;
    a->fd = -1;
    a->backoff_ms = BACKOFF_MIN_MS;
    a->linked = true;
    /* Agents do not report in step: each starts at its own point of the interval. */
    a->next_report = o->start + (td_time)(sim_uniform(&a->rng) * (double)o->interval);
    return TD_OK;
}

static void s_close(sim_fleet *f, sim_agent *a)
{
    if (!a->sock)
        return;
    if (a->fd >= 0)
        epoll_ctl(f->epfd, EPOLL_CTL_DEL, a->fd, NULL);
    zmq_close(a->sock);
    a->sock = NULL;
    a->fd = -1;
}

void sim_agent_fini(sim_fleet *f, sim_agent *a)
{
    s_close(f, a);
    for (size_t k = 0; k < a->n_q; k++)
        free(a->q[k].body);
    free(a->q);
    sim_status_fini(&a->status);
}

int sim_fleet_open(sim_fleet *f)
{
    /* Each agent holds a TCP connection and its socket's mailbox: two descriptors. */
    rlim_t need = (rlim_t)f->n * 2 + 64;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
            fprintf(stderr,
                    "tiendo-sim fleet: %zu agents need about %llu open files; the limit is %llu "
                    "(ulimit -Hn)\n",
                    f->n, (unsigned long long)need, (unsigned long long)rl.rlim_cur);
            return 1;
        }
    }
    f->ctx = zmq_ctx_new();
    f->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!f->ctx || f->epfd < 0) {
        fprintf(stderr, "tiendo-sim fleet: %s\n", strerror(errno));
        return 1;
    }
    /* Power cuts close sockets and make new ones; a closed one counts until libzmq reaps it. */
    int sockets = (int)(f->n * 2 + 64);
    if (zmq_ctx_get(f->ctx, ZMQ_SOCKET_LIMIT) < sockets ||
        zmq_ctx_set(f->ctx, ZMQ_MAX_SOCKETS, sockets) != 0 ||
        zmq_ctx_set(f->ctx, ZMQ_IO_THREADS, (int)f->o->io_threads) != 0) {
        fprintf(stderr, "tiendo-sim fleet: libzmq cannot hold %d sockets (it allows %d)\n", sockets,
                zmq_ctx_get(f->ctx, ZMQ_SOCKET_LIMIT));
        return 1;
    }
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    return 0;
}

/* ---- sockets ---- */

/* A DEALER with the options of tiendo-agent's (agent/deliver.c), watched by epoll. */
static bool s_socket(sim_fleet *f, sim_agent *a)
{
    void *s = zmq_socket(f->ctx, ZMQ_DEALER);
    if (!s) {
        fprintf(stderr, "tiendo-sim fleet: %s: cannot make a socket: %s\n", a->status.agency,
                zmq_strerror(zmq_errno()));
        return false;
    }
    int zero = 0, one = 1, hb = 10000, hb_timeout = 30000, ivl = 1000, ivl_max = RECONNECT_MAX_MS;
    int64_t max_msg = 16 << 20;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof one); /* queue nothing on a link that is down */
    zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &hb, sizeof hb);
    zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &hb_timeout, sizeof hb_timeout);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max_msg, sizeof max_msg);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, a->server_txt, TD_Z85_LEN);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, a->public_txt, TD_Z85_LEN);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, a->secret_txt, TD_Z85_LEN);
    a->sock = s;
    size_t size = sizeof a->fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(a - f->agents)};
    if (zmq_getsockopt(s, ZMQ_FD, &a->fd, &size) != 0 ||
        epoll_ctl(f->epfd, EPOLL_CTL_ADD, a->fd, &ev) != 0) {
        fprintf(stderr, "tiendo-sim fleet: %s: cannot watch its socket: %s\n", a->status.agency,
                strerror(errno));
        a->fd = -1;
        s_close(f, a);
        return false;
    }
    return true;
}

static bool s_connect(sim_fleet *f, sim_agent *a)
{
    if (zmq_connect(a->sock, f->o->endpoint) == 0)
        return true;
    fprintf(stderr, "tiendo-sim fleet: cannot connect to %s: %s\n", f->o->endpoint,
            zmq_strerror(zmq_errno()));
    return false;
}

/* ---- delivery, as agent/deliver.c ---- */

static size_t s_depth(const sim_agent *a)
{
    return a->n_q - a->acked - a->refused;
}

static void s_settle(sim_entry *e)
{
    e->done = true;
    free(e->body);
    e->body = NULL;
}

static void s_advance(sim_fleet *f, sim_agent *a, int64_t now)
{
    while (a->head < a->n_q && a->q[a->head].done)
        a->head++;
    if (a->head == a->n_q)
        a->done_ms = now - f->t0_ms;
}

/* The next entry to send in this round, or n_q. */
static size_t s_next_unsent(const sim_agent *a)
{
    size_t i = a->sent_upto > a->head ? a->sent_upto : a->head;
    while (i < a->n_q && a->q[i].done)
        i++;
    return i;
}

static bool s_wants_to_send(const sim_agent *a)
{
    return a->sock && a->linked && a->inflight < WINDOW && s_next_unsent(a) < a->n_q;
}

/* Frames one queued report and sends it without waiting. False when the link is not up. */
static bool s_send(sim_fleet *f, sim_agent *a, size_t i, int64_t now)
{
    sim_entry *e = &a->q[i];
    uint8_t *buf;
    size_t len;
    if (td_wire_frame_report(e->body, e->len, a->outbox_id, i + 1, (uint32_t)f->o->interval,
                             s_depth(a), 0, &buf, &len) != TD_OK) {
        fprintf(stderr, "tiendo-sim fleet: %s: cannot frame report %zu\n", a->status.agency, i + 1);
        s_settle(e);
        a->refused++;
        f->c.refused++;
        s_advance(f, a, now);
        return true;
    }
    int rc = zmq_send(a->sock, buf, len, ZMQ_DONTWAIT);
    free(buf);
    if (rc < 0)
        return false;
    if (e->sends++)
        f->c.resent++;
    else
        f->c.sent++;
    a->sent_upto = i + 1;
    a->inflight++;
    a->last_progress_ms = now;
    return true;
}

static void s_pump(sim_fleet *f, sim_agent *a, int64_t now)
{
    while (s_wants_to_send(a) && s_send(f, a, s_next_unsent(a), now))
        ;
}

/* Silence: the collector restarted or the link dropped. Resend from the oldest. */
static bool s_check_silence(sim_agent *a, int64_t now)
{
    if (a->inflight == 0 || now - a->last_progress_ms <= ACK_WAIT_MS + a->backoff_ms)
        return false;
    a->sent_upto = 0;
    a->inflight = 0;
    a->backoff_ms = a->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : a->backoff_ms * 2;
    a->backoff_ms += (int64_t)(sim_uniform(&a->rng) * (double)(a->backoff_ms / 4));
    return true;
}

static void s_on_ack(sim_fleet *f, sim_agent *a, const td_ack *ack, int64_t now)
{
    a->last_progress_ms = now;
    a->backoff_ms = BACKOFF_MIN_MS;
    if (a->inflight > 0)
        a->inflight--;
    f->c.duplicates += ack->duplicate;
    for (size_t i = 0; i < ack->n_rejected; i++)
        if (f->c.rejected++ < SHOWN_MAX)
            fprintf(stderr, "tiendo-sim fleet: %s report %llu: item %s rejected: %s\n",
                    a->status.agency, (unsigned long long)ack->seq, ack->rejected[i].id,
                    ack->rejected[i].reason);
    if (ack->seq == 0 || ack->seq > a->n_q || a->q[ack->seq - 1].done)
        return;
    s_settle(&a->q[ack->seq - 1]);
    a->acked++;
    f->c.acked++;
    f->last_ack_ms = now;
    if (!a->first_ack_ms)
        a->first_ack_ms = now - f->t0_ms;
    s_advance(f, a, now);
}

static void s_on_nack(sim_fleet *f, sim_agent *a, const td_nack *nack, int64_t now)
{
    f->c.nacked++;
    if (nack->code == TD_NACK_UNAVAILABLE || nack->code == TD_NACK_RATE_LIMITED)
        return; /* kept in flight: the silence timer resends it after the backoff */
    if (a->inflight > 0)
        a->inflight--;
    if (f->c.refused < SHOWN_MAX)
        fprintf(stderr, "tiendo-sim fleet: %s: the collector refused report %llu: %s\n",
                a->status.agency, (unsigned long long)nack->seq, nack->reason);
    if (nack->seq == 0 || nack->seq > a->n_q || a->q[nack->seq - 1].done)
        return;
    s_settle(&a->q[nack->seq - 1]); /* it can never be accepted */
    a->refused++;
    f->c.refused++;
    s_advance(f, a, now);
}

static void s_drain(sim_fleet *f, sim_agent *a, int64_t now)
{
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, a->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        td_msg m;
        td_errmsg why;
        td_err err = td_wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &m, &why);
        zmq_msg_close(&msg);
        if (err) {
            if (f->c.garbled++ < SHOWN_MAX)
                fprintf(stderr, "tiendo-sim fleet: %s: undecodable reply: %s\n", a->status.agency,
                        why.text);
            continue;
        }
        if (m.type == TD_MSG_ACK)
            s_on_ack(f, a, &m.u.ack, now);
        else if (m.type == TD_MSG_NACK)
            s_on_nack(f, a, &m.u.nack, now);
        td_msg_fini(&m);
    }
}

/* Reads and sends on a's socket until its events (read last, which re-arms its ZMQ_FD) offer
 * nothing to do: nothing to read, and no room or no link to send. */
static void s_service(sim_fleet *f, sim_agent *a, int64_t now)
{
    for (int round = 0; round < SERVICE_ROUNDS && a->sock; round++) {
        int events = 0;
        size_t size = sizeof events;
        if (zmq_getsockopt(a->sock, ZMQ_EVENTS, &events, &size) != 0)
            return;
        bool in = events & ZMQ_POLLIN, out = (events & ZMQ_POLLOUT) && s_wants_to_send(a);
        if (!in && !out)
            return;
        if (in)
            s_drain(f, a, now);
        s_pump(f, a, now);
    }
}

/* Waits up to timeout_ms for sockets to have something, and serves them. Every SWEEP_MS all
 * sockets are served anyway, so that nothing waits on a missed wake-up. */
static void s_wait(sim_fleet *f, int timeout_ms, int64_t *next_sweep)
{
    struct epoll_event ev[EVENTS_MAX];
    int n = epoll_wait(f->epfd, ev, EVENTS_MAX, timeout_ms);
    int64_t now = sim_now_ms();
    for (int i = 0; i < n; i++)
        s_service(f, &f->agents[ev[i].data.u64], now);
    if (now < *next_sweep)
        return;
    for (size_t i = 0; i < f->n; i++)
        s_service(f, &f->agents[i], now);
    *next_sweep = now + SWEEP_MS;
}

/* ---- the simulated agencies ---- */

static int s_queue(sim_fleet *f, sim_agent *a, td_time as_of)
{
    if (a->n_q == a->cap_q) {
        size_t cap = a->cap_q ? a->cap_q * 2 : 16;
        sim_entry *q = realloc(a->q, cap * sizeof *q);
        if (!q)
            return -1;
        a->q = q;
        a->cap_q = cap;
    }
    sim_status_change(&a->status, f->o->change_rate, as_of);
    sim_entry *e = &a->q[a->n_q];
    memset(e, 0, sizeof *e);
    if (sim_status_encode(&a->status, as_of, &e->body, &e->len) != TD_OK)
        return -1;
    a->n_q++;
    a->last_as_of = as_of;
    a->done_ms = 0;
    f->c.made++;
    return 0;
}

static void s_go_offline(sim_fleet *f, sim_agent *a, td_time at)
{
    const sim_fleet_opts *o = f->o;
    td_time span = (td_time)((double)o->offline_for * (0.5 + sim_uniform(&a->rng)));
    a->offline_until = at + (span > 0 ? span : 1);
    a->power_cut = sim_uniform(&a->rng) < 0.5;
    if (a->power_cut) {
        s_close(f, a);
        f->c.cuts++;
    } else {
        zmq_disconnect(a->sock, o->endpoint);
        a->linked = false;
        f->c.gaps++;
    }
    a->sent_upto = 0;
    a->inflight = 0;
}

static int s_back_online(sim_fleet *f, sim_agent *a, int64_t now)
{
    a->offline_until = 0;
    if (a->power_cut && !s_socket(f, a))
        return -1;
    a->power_cut = false;
    a->linked = true;
    a->last_progress_ms = now;
    a->backoff_ms = BACKOFF_MIN_MS;
    return s_connect(f, a) ? 0 : -1;
}

/* An agent's turn while reporting: the reports due by sim_now, offline periods beginning and
 * ending at report times, the silence timer, then delivery of what changed. */
static int s_turn(sim_fleet *f, sim_agent *a, td_time sim_now, int64_t now)
{
    const sim_fleet_opts *o = f->o;
    bool changed = false;
    while (a->next_report <= sim_now) {
        td_time tick = a->next_report;
        a->next_report += o->interval;
        if (a->offline_until && tick >= a->offline_until && s_back_online(f, a, now) != 0)
            return -1;
        if (!a->offline_until && o->offline > 0 && sim_uniform(&a->rng) < o->offline)
            s_go_offline(f, a, tick);
        if (!a->power_cut && s_queue(f, a, tick) != 0)
            return -1;
        changed = true;
    }
    if (a->offline_until && sim_now >= a->offline_until && s_back_online(f, a, now) != 0)
        return -1;
    if (s_check_silence(a, now) || changed)
        s_service(f, a, now);
    return 0;
}

/* ---- the two modes ---- */

/* Delivers what is queued until every report is settled, nothing was acknowledged for
 * --timeout seconds, or a signal. since_ms: when the wait for Acks began. */
static void s_drain_all(sim_fleet *f, int64_t since_ms)
{
    int64_t last = since_ms, next_sweep = 0;
    for (;;) {
        int64_t now = sim_now_ms();
        size_t busy = 0;
        for (size_t i = 0; i < f->n; i++) {
            sim_agent *a = &f->agents[i];
            if (s_check_silence(a, now))
                s_service(f, a, now);
            busy += a->head < a->n_q;
        }
        if (busy == 0 || s_interrupted)
            return;
        if (f->last_ack_ms > last)
            last = f->last_ack_ms;
        if (now - last > f->o->timeout * 1000) {
            fprintf(stderr,
                    "tiendo-sim fleet: no acknowledgement for %ld s; %zu agents still have "
                    "reports queued\n",
                    f->o->timeout, busy);
            return;
        }
        s_wait(f, WAIT_MS, &next_sweep);
    }
}

int sim_fleet_report(sim_fleet *f)
{
    const sim_fleet_opts *o = f->o;
    for (size_t i = 0; i < f->n; i++)
        if (!s_socket(f, &f->agents[i]))
            return EXIT_FAILURE;
        else if (!s_connect(f, &f->agents[i]))
            return SIM_EXIT_USAGE;
    f->t0_ms = sim_now_ms();
    int64_t end = f->t0_ms + (int64_t)(o->duration * 1000), next_sweep = 0;
    for (int64_t now = f->t0_ms; now < end && !s_interrupted; now = sim_now_ms()) {
        td_time sim_now = o->start + (td_time)((double)(now - f->t0_ms) * o->clock_speed / 1000);
        for (size_t i = 0; i < f->n; i++)
            if (s_turn(f, &f->agents[i], sim_now, now) != 0)
                return EXIT_FAILURE;
        s_wait(f, WAIT_MS, &next_sweep);
    }
    /* Reporting ends: agents still offline come back, and everything queued is delivered. */
    for (size_t i = 0; i < f->n; i++) {
        sim_agent *a = &f->agents[i];
        if (a->offline_until && s_back_online(f, a, sim_now_ms()) != 0)
            return EXIT_FAILURE;
    }
    s_drain_all(f, sim_now_ms());
    return -1;
}

int sim_fleet_catch_up(sim_fleet *f)
{
    const sim_fleet_opts *o = f->o;
    for (size_t i = 0; i < f->n; i++) {
        sim_agent *a = &f->agents[i];
        for (long k = 0; k < o->queued; k++)
            if (s_queue(f, a, a->next_report + (td_time)k * o->interval) != 0) {
                fputs("tiendo-sim fleet: out of memory\n", stderr);
                return EXIT_FAILURE;
            }
        if (!s_socket(f, a))
            return EXIT_FAILURE;
    }
    f->t0_ms = sim_now_ms();
    for (size_t i = 0; i < f->n; i++)
        if (!s_connect(f, &f->agents[i]))
            return SIM_EXIT_USAGE;
    s_drain_all(f, f->t0_ms);
    return -1;
}
