/* Delivery: the status file is queued in the outbox, then sent over a CURVE DEALER socket and
 * removed only when the collector acknowledges it. Unacknowledged reports are resent, oldest
 * first, after a silence that grows with backoff and jitter. A report goes as a delta against
 * the report before it (docs/delivery.md) when that is smaller, and whole when the collector
 * says it does not hold that report. */
#include "agent.h"
#include "probes.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tiendo/keys.h"
#include "tiendo/log.h"
#include "tiendo/outbox.h"
#include "tiendo/parse.h"
#include "tiendo/wire.h"

#define WINDOW 64        /* reports in flight at once */
#define ACK_WAIT_MS 5000 /* silence before a resend round, plus the backoff */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define MONITOR_EP "inproc://tiendo-agent-monitor"

typedef struct {
    const td_agent_config *cfg;
    bool once;
    td_cred cred;
    td_outbox *outbox;
    zsock_t *dealer;
    zsock_t *monitor; /* the dealer's connection events, for the link probe */
    td_probes *probes;
    uint64_t sent_upto; /* highest seq sent in this round */
    int inflight;
    int64_t last_progress_ms; /* last send or reply */
    int64_t backoff_ms;
    int64_t next_hello_ms;
    int64_t hello_mono_ms; /* the Hello awaiting its Heartbeat (0: none) */
    int64_t hello_wall_ms;
    char *status_text; /* the status file as last read valid */
    size_t status_len;
    int64_t next_requeue_ms;
    int result;       /* worst outcome so far: 0, 2 or 3 */
    struct stat seen; /* the status file as last read */
    bool have_seen;
    bool deltas_off;    /* every report goes whole (config, or a collector that refused one) */
    bool sent_delta;    /* a delta report was sent */
    uint64_t full_from; /* reports from this seq go whole until one of them is acknowledged */
} s_agent;

/* Watches the dealer's connection for the link probe: made (CURVE handshake done) or lost. */
static zsock_t *s_monitor(zsock_t *dealer)
{
    if (zmq_socket_monitor(zsock_resolve(dealer), MONITOR_EP,
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) != 0)
        return NULL;
    zsock_t *pair = zsock_new(ZMQ_PAIR);
    if (pair && zsock_connect(pair, MONITOR_EP) != 0)
        zsock_destroy(&pair);
    return pair;
}

/* Makes a->dealer and, for the daemon, a->monitor, watching it from before it connects so
 * that no event is missed. False after printing why not. */
static bool s_connect(s_agent *a)
{
    zsock_t *s = a->dealer = zsock_new(ZMQ_DEALER);
    if (!s)
        return false;
    zsock_set_linger(s, 0);
    zsock_set_curve_serverkey(s, a->cred.collector_txt);
    zsock_set_curve_publickey(s, a->cred.public_txt);
    zsock_set_curve_secretkey(s, a->cred.secret_txt);
    zsock_set_immediate(s, 1); /* queue nothing on a link that is not up: the outbox does */
    zsock_set_heartbeat_ivl(s, 10000);
    zsock_set_heartbeat_timeout(s, 30000);
    zsock_set_reconnect_ivl(s, 1000);
    zsock_set_reconnect_ivl_max(s, a->cfg->reconnect_max * 1000);
    zsock_set_maxmsgsize(s, 16 << 20);
    if (!a->once && !(a->monitor = s_monitor(s)))
        td_log_warning("cannot watch the connection: no link outages measured", NULL);
    if (zsock_connect(s, "%s", a->cfg->collector) != 0) {
        fprintf(stderr, "tiendo-agent: cannot connect to %s\n", a->cfg->collector);
        return false;
    }
    return true;
}

/* Encodes a report and checks it as the collector will: framed as it will be sent, it must
 * decode under the collector's rules (td_wire_decode) and fit in a message. A report that
 * cannot be delivered is refused now (TD_EINVAL, why says why), rather than queued where it
 * would block every report behind it. */
static td_err s_encode(s_agent *a, const td_msg *m, uint8_t **body, size_t *len, td_errmsg *why)
{
    uint8_t *frame = NULL;
    size_t flen = 0;
    td_err err = td_wire_encode(m, body, len);
    if (err != TD_OK)
        return td_fail(why, err, "%s", td_strerror(err));
    err = td_wire_frame_report(*body, *len, td_outbox_id(a->outbox), 1, (uint32_t)a->cfg->interval,
                               1, 0, &frame, &flen);
    if (err != TD_OK) {
        err = td_fail(why, TD_EINVAL, "%s", td_strerror(err));
    } else if (flen > TD_WIRE_MAX_BYTES) {
        err = td_fail(why, TD_EINVAL, "it is %zu bytes, more than the %u a message may hold", flen,
                      TD_WIRE_MAX_BYTES);
    } else {
        td_msg back;
        if ((err = td_wire_decode(frame, flen, &back, why)) == TD_OK)
            td_msg_fini(&back);
        else
            err = TD_EINVAL;
    }
    free(frame);
    if (err != TD_OK) {
        free(*body);
        *body = NULL;
    }
    return err;
}

/* Encodes the status with the probes' results; when these are what the collector would refuse,
 * without them: a probe never holds back the status. */
static td_err s_encode_with_probes(s_agent *a, td_msg *m, uint8_t **body, size_t *len,
                                   td_errmsg *why)
{
    td_report *r = &m->u.report.report;
    td_err err = td_probes_fill(a->probes, r);
    if (err != TD_OK)
        return td_fail(why, err, "%s", td_strerror(err));
    err = s_encode(a, m, body, len, why);
    if (err == TD_EINVAL && (r->n_outages || r->n_readings)) {
        td_log_error("the probes' results would make the report invalid; sent without them",
                     "error=\"%s\"", why->text);
        td_report stripped = {.outages = r->outages,
                              .n_outages = r->n_outages,
                              .readings = r->readings,
                              .n_readings = r->n_readings};
        td_report_fini(&stripped);
        r->outages = NULL;
        r->readings = NULL;
        r->n_outages = r->n_readings = 0;
        err = s_encode(a, m, body, len, why);
    }
    return err;
}

/* Parses status text into a report message. Errors are printed when `loud`. */
static td_err s_parse_status(s_agent *a, const char *text, size_t len, td_msg *m, bool loud)
{
    td_errlist *errs = td_errlist_new();
    *m = (td_msg){.type = TD_MSG_REPORT};
    td_err err = td_parse_status(a->cfg->status_file, text, len, &m->u.report.report, errs);
    for (size_t i = 0; err && loud && i < td_errlist_count(errs); i++)
        fprintf(stderr, "%s\n", td_errlist_at(errs, i));
    td_errlist_destroy(&errs);
    if (err)
        td_msg_fini(m);
    return err;
}

/* Adds the probes' results to a parsed status and queues it (unless it equals the report queued
 * last). Returns 0 when queued (or unchanged), 1 when the collector would refuse it (printed),
 * 2 when the outbox could not take it. Finalizes m. */
static int s_queue_msg(s_agent *a, td_msg *m)
{
    uint8_t *body = NULL;
    size_t blen;
    uint64_t seq = 0;
    bool queued = false;
    uint64_t thinned = td_outbox_thinned(a->outbox);
    td_errmsg why = {""};
    td_err err = s_encode_with_probes(a, m, &body, &blen, &why);
    if (err == TD_EINVAL) {
        fprintf(stderr, "%s: the collector would refuse this report: %s\n", a->cfg->status_file,
                why.text);
        td_msg_fini(m);
        return 1;
    }
    if (err == TD_OK)
        err = td_outbox_push(a->outbox, body, blen, m->u.report.report.as_of, &seq, &queued, &why);
    free(body);
    td_msg_fini(m);
    a->next_requeue_ms = zclock_mono() + (int64_t)a->cfg->interval * 1000;
    if (err) {
        td_log_error("cannot queue the status", "error=\"%s\"", why.text);
        return 2;
    }
    if (queued)
        td_log_info("queued a report", "seq=%llu queued=%zu", (unsigned long long)seq,
                    td_outbox_depth(a->outbox));
    if (td_outbox_thinned(a->outbox) > thinned)
        td_log_warning("outbox full: thinned older undelivered reports (newest per day kept)",
                       "thinned_now=%llu thinned_total=%llu",
                       (unsigned long long)(td_outbox_thinned(a->outbox) - thinned),
                       (unsigned long long)td_outbox_thinned(a->outbox));
    return 0;
}

/* Reads and queues the status file, keeping its text for the reports that probes' results
 * cause. Returns 0 when queued (or unchanged), 1 when the file is unreadable or invalid (errors
 * printed), 2 when the outbox could not take it. */
static int s_queue_status(s_agent *a)
{
    char *text;
    size_t len;
    td_errmsg why;
    td_msg m;
    if (td_read_file(a->cfg->status_file, &text, &len, &why) != TD_OK) {
        fprintf(stderr, "tiendo-agent: %s\n", why.text);
        return 1;
    }
    if (s_parse_status(a, text, len, &m, true) != TD_OK) {
        free(text);
        return 1;
    }
    free(a->status_text);
    a->status_text = text;
    a->status_len = len;
    int rc = s_queue_msg(a, &m);
    if (rc == 1) { /* refused whole: no report is made of it until the file changes */
        free(a->status_text);
        a->status_text = NULL;
    }
    return rc;
}

/* Queues the status as last read with the probes' latest results. */
static void s_requeue(s_agent *a)
{
    td_msg m;
    if (a->status_text && s_parse_status(a, a->status_text, a->status_len, &m, false) == TD_OK)
        s_queue_msg(a, &m);
}

/* Frames a queued report: as a delta against the report before it (td_outbox_base_of) unless
 * it must go whole, else whole. */
static td_err s_frame(s_agent *a, const td_outbox_entry *e, uint8_t **buf, size_t *len,
                      td_wire_framed *info)
{
    td_wire_delivery d = {td_outbox_id(a->outbox), e->seq, (uint32_t)a->cfg->interval,
                          td_outbox_depth(a->outbox), td_outbox_thinned(a->outbox)};
    uint8_t *base = NULL;
    size_t base_len = 0;
    uint64_t base_seq = 0;
    bool whole = a->deltas_off || (a->full_from && e->seq >= a->full_from);
    if (!whole && td_outbox_base_of(a->outbox, e->seq, &base_seq, &base, &base_len) != TD_OK)
        base = NULL; /* none, or unreadable: the report goes whole */
    td_err err = td_wire_frame_delta(e->body, e->len, base, base_len, base_seq, &d, buf, len, info);
    free(base);
    return err;
}

static bool s_send_entry(const td_outbox_entry *e, void *arg)
{
    s_agent *a = arg;
    if (a->inflight >= WINDOW)
        return false;
    uint8_t *buf;
    size_t len;
    td_wire_framed info;
    td_err err = s_frame(a, e, &buf, &len, &info);
    if (err == TD_EPROTO) {
        td_log_error("dropping an unreadable queued report", "seq=%llu",
                     (unsigned long long)e->seq);
        td_outbox_remove(a->outbox, e->seq);
        return true;
    }
    if (err != TD_OK) { /* out of memory, say: it stays queued for the next turn */
        td_log_warning("cannot frame a queued report now; keeping it", "seq=%llu error=\"%s\"",
                       (unsigned long long)e->seq, td_strerror(err));
        return false;
    }
    int rc = zmq_send(zsock_resolve(a->dealer), buf, len, ZMQ_DONTWAIT);
    free(buf);
    if (rc < 0)
        return false; /* no link yet: try again on the next turn */
    char as_of[26];
    td_time_format(e->as_of, as_of);
    td_log_debug("sent a report",
                 "seq=%llu as_of=%s bytes=%zu items=%zu removed=%zu delta=%s base=%llu",
                 (unsigned long long)e->seq, as_of, len, info.items, info.removed,
                 info.base_seq ? "yes" : "no", (unsigned long long)info.base_seq);
    a->sent_delta |= info.base_seq != 0;
    a->sent_upto = e->seq;
    a->inflight++;
    a->last_progress_ms = zclock_mono();
    return true;
}

static void s_pump(s_agent *a)
{
    int64_t now = zclock_mono();
    if (a->inflight > 0 && now - a->last_progress_ms > ACK_WAIT_MS + a->backoff_ms) {
        /* Silence: the collector restarted or the link dropped. Resend from the oldest. */
        td_log_info("no acknowledgement; resending", "queued=%zu backoff_ms=%lld",
                    td_outbox_depth(a->outbox), (long long)a->backoff_ms);
        a->sent_upto = 0;
        a->inflight = 0;
        a->backoff_ms = a->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : a->backoff_ms * 2;
        a->backoff_ms += (int64_t)(random() % (a->backoff_ms / 4 + 1)); /* jitter */
    }
    td_outbox_each(a->outbox, a->sent_upto, WINDOW, s_send_entry, a);
}

static void s_on_ack(s_agent *a, const td_ack *ack)
{
    td_outbox_acknowledge(a->outbox, ack->seq); /* it becomes the base of the next delta */
    if (a->full_from && ack->seq >= a->full_from)
        a->full_from = 0; /* the collector holds a report of ours again */
    for (size_t i = 0; i < ack->n_rejected; i++) {
        if (a->once)
            printf("rejected %s: %s\n", ack->rejected[i].id, ack->rejected[i].reason);
        td_log_warning("item rejected", "seq=%llu id=%s reason=\"%s\"",
                       (unsigned long long)ack->seq, ack->rejected[i].id, ack->rejected[i].reason);
    }
    if (ack->n_rejected && a->result < TD_AGENT_EXIT_REJECTED)
        a->result = TD_AGENT_EXIT_REJECTED;
    td_log_debug("acknowledged", "seq=%llu accepted=%u duplicate=%d", (unsigned long long)ack->seq,
                 ack->accepted, ack->duplicate);
}

/* The collector does not hold the report a delta was against (its store was restored or
 * replaced, say): that report and those after it are sent again, whole. Stale refusals of
 * deltas sent before are answered the same way; resending a stored report is harmless. */
static void s_on_need_full(s_agent *a, const td_nack *nack)
{
    if (a->inflight > 0)
        a->inflight--;
    td_log_info("the collector does not hold the base of a delta report; sending it whole",
                "seq=%llu reason=\"%s\"", (unsigned long long)nack->seq, nack->reason);
    if (nack->seq && (!a->full_from || nack->seq < a->full_from)) {
        a->full_from = nack->seq;
        if (a->sent_upto >= nack->seq)
            a->sent_upto = nack->seq - 1;
    }
}

static void s_on_nack(s_agent *a, const td_nack *nack)
{
    if (nack->code == TD_NACK_NEED_FULL) {
        s_on_need_full(a, nack);
        return;
    }
    if (nack->code == TD_NACK_MALFORMED && a->sent_delta && !a->deltas_off) {
        /* A collector older than delta reports refuses them as malformed, without a seq. */
        td_log_warning("the collector refused a report as malformed; sending every report whole",
                       "reason=\"%s\"", nack->reason);
        a->deltas_off = true;
        if (a->inflight > 0)
            a->inflight--;
        a->sent_upto = 0;
        return;
    }
    if (nack->code == TD_NACK_UNAVAILABLE || nack->code == TD_NACK_RATE_LIMITED) {
        /* Kept queued and still counted in flight, so that the silence timer resends it after
         * the backoff (which grows with each such round). */
        td_log_warning("collector asks to resend later", "seq=%llu reason=\"%s\"",
                       (unsigned long long)nack->seq, nack->reason);
        return;
    }
    if (a->inflight > 0)
        a->inflight--;
    fprintf(stderr, "tiendo-agent: the collector refused report %llu: %s\n",
            (unsigned long long)nack->seq, nack->reason);
    if (nack->seq) /* it can never be accepted: keeping it would block the queue */
        td_outbox_remove(a->outbox, nack->seq);
    a->result = TD_AGENT_EXIT_REFUSED;
}

/* The collector's clock against ours, from a Heartbeat answering our Hello. sent_at is in
 * whole seconds, truncated: its instant is taken as the middle of that second, ours as the
 * middle of the round trip. */
static void s_on_heartbeat(s_agent *a, td_time sent_at)
{
    if (!a->hello_mono_ms)
        return;
    double rtt_ms = (double)(zclock_mono() - a->hello_mono_ms);
    double ours_ms = (double)a->hello_wall_ms + rtt_ms / 2;
    a->hello_mono_ms = 0;
    td_probes_hello_reply(a->probes, rtt_ms, ((double)sent_at * 1000 + 500 - ours_ms) / 1000);
}

static void s_on_reply(s_agent *a)
{
    zframe_t *frame = zframe_recv(a->dealer);
    if (!frame)
        return;
    td_msg m;
    td_errmsg why;
    if (td_wire_decode(zframe_data(frame), zframe_size(frame), &m, &why) != TD_OK) {
        td_log_warning("ignoring an undecodable reply", "error=\"%s\"", why.text);
        zframe_destroy(&frame);
        return;
    }
    zframe_destroy(&frame);
    if (m.type == TD_MSG_ACK) {
        a->last_progress_ms = zclock_mono();
        a->backoff_ms = BACKOFF_MIN_MS;
        if (a->inflight > 0)
            a->inflight--;
        s_on_ack(a, &m.u.ack);
    } else if (m.type == TD_MSG_NACK) {
        s_on_nack(a, &m.u.nack);
    } else if (m.type == TD_MSG_HEARTBEAT) {
        s_on_heartbeat(a, m.u.heartbeat);
    }
    td_msg_fini(&m);
}

static void s_send_hello(s_agent *a)
{
    td_msg m = {.type = TD_MSG_HELLO};
    m.u.hello.software = "tiendo-agent " TIENDO_VERSION;
    m.u.hello.interval_s = (uint32_t)a->cfg->interval;
    uint8_t *buf;
    size_t len;
    if (td_wire_encode(&m, &buf, &len) == TD_OK) {
        int64_t mono = zclock_mono(), wall = zclock_time();
        if (zmq_send(zsock_resolve(a->dealer), buf, len, ZMQ_DONTWAIT) >= 0) {
            a->hello_mono_ms = mono;
            a->hello_wall_ms = wall;
        }
        free(buf);
    }
    a->next_hello_ms = zclock_mono() + (int64_t)a->cfg->interval * 1000;
}

static void s_on_monitor(s_agent *a)
{
    zmsg_t *msg = zmsg_recv(a->monitor);
    zframe_t *f = msg ? zmsg_first(msg) : NULL;
    uint16_t event;
    if (f && zframe_size(f) >= sizeof event) {
        memcpy(&event, zframe_data(f), sizeof event);
        bool up = event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
        td_log_debug(up ? "connected to the collector" : "disconnected from the collector", NULL);
        td_probes_link(a->probes, up);
        if (up)
            a->next_hello_ms = 0; /* tell the collector at once, and measure the link */
    }
    zmsg_destroy(&msg);
}

/* Queues the status file when it changed since it was last read. */
static void s_watch_status(s_agent *a)
{
    struct stat st;
    if (stat(a->cfg->status_file, &st) != 0)
        return;
    if (a->have_seen && st.st_mtim.tv_sec == a->seen.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == a->seen.st_mtim.tv_nsec && st.st_size == a->seen.st_size &&
        st.st_ino == a->seen.st_ino)
        return;
    /* Remembered only once handled: a file the outbox could not take is tried again. An
     * invalid file counts as handled (its errors were printed); its next change is read. */
    if (s_queue_status(a) != 2) {
        a->seen = st;
        a->have_seen = true;
    }
}

/* Waits up to 200 ms for replies, connection events or probes' output, and handles them. */
static void s_wait(s_agent *a)
{
    zmq_pollitem_t items[2 + 2 * TD_AGENT_PROBES_MAX];
    int fds[2 * TD_AGENT_PROBES_MAX];
    size_t n = 0;
    items[n++] = (zmq_pollitem_t){.socket = zsock_resolve(a->dealer), .events = ZMQ_POLLIN};
    if (a->monitor)
        items[n++] = (zmq_pollitem_t){.socket = zsock_resolve(a->monitor), .events = ZMQ_POLLIN};
    size_t nfds = a->probes ? td_probes_fds(a->probes, fds, 2 * TD_AGENT_PROBES_MAX) : 0;
    for (size_t i = 0; i < nfds; i++)
        items[n++] = (zmq_pollitem_t){.fd = fds[i], .events = ZMQ_POLLIN};
    if (zmq_poll(items, (int)n, 200) <= 0)
        return; /* the probes' output is read by td_probes_tick */
    while (zsock_events(a->dealer) & ZMQ_POLLIN)
        s_on_reply(a);
    while (a->monitor && (zsock_events(a->monitor) & ZMQ_POLLIN))
        s_on_monitor(a);
}

/* The daemon's periodic work: the status file, the probes' changes, the Hello. */
static void s_daemon_turn(s_agent *a, int64_t *next_watch)
{
    if (zclock_mono() >= *next_watch) {
        s_watch_status(a);
        if (td_probes_changed(a->probes) || zclock_mono() >= a->next_requeue_ms)
            s_requeue(a);
        *next_watch = zclock_mono() + 1000;
    }
    if (zclock_mono() >= a->next_hello_ms)
        s_send_hello(a);
}

static int s_loop(s_agent *a, int timeout_s)
{
    int64_t deadline = zclock_mono() + (int64_t)timeout_s * 1000;
    int64_t next_watch = 0;
    while (!zsys_interrupted) {
        if (a->once && td_outbox_depth(a->outbox) == 0)
            break;
        if (a->once && zclock_mono() >= deadline) {
            fprintf(stderr,
                    "tiendo-agent: collector %s not reached within %d s; %zu report(s) "
                    "stay queued\n",
                    a->cfg->collector, timeout_s, td_outbox_depth(a->outbox));
            return a->result == TD_AGENT_EXIT_REFUSED ? a->result : TD_AGENT_EXIT_UNREACHED;
        }
        if (!a->once) {
            td_probes_tick(a->probes, a->outbox);
            s_daemon_turn(a, &next_watch);
        }
        s_pump(a);
        s_wait(a);
    }
    /* Interrupted with reports still queued: they were not delivered. */
    if (a->once && td_outbox_depth(a->outbox) > 0 && a->result != TD_AGENT_EXIT_REFUSED)
        return TD_AGENT_EXIT_UNREACHED;
    return a->result;
}

/* Creates state_dir and opens the outbox and the probes. False after printing why not. */
static bool s_open_state(s_agent *a)
{
    const td_agent_config *cfg = a->cfg;
    td_errmsg why;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/outbox", cfg->state_dir);
    if ((mkdir(cfg->state_dir, 0700) != 0 && errno != EEXIST) ||
        (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
        fprintf(stderr, "tiendo-agent: %s: %s\n", dir, strerror(errno));
        return false;
    }
    if (td_outbox_open(dir, cfg->outbox_max_mb << 20, &a->outbox, &why) != TD_OK ||
        td_probes_new(cfg, a->once, &a->probes, &why) != TD_OK) {
        fprintf(stderr, "tiendo-agent: %s\n", why.text);
        return false;
    }
    return true;
}

int td_agent_run(const td_agent_config *cfg, bool once, int timeout_s)
{
    s_agent a = {
        .cfg = cfg, .once = once, .backoff_ms = BACKOFF_MIN_MS, .deltas_off = !cfg->delta_reports};
    td_errmsg why;
    srandom((unsigned)zclock_time() ^ (unsigned)getpid());
    if (td_keys_load(cfg->credentials, &a.cred, &why) != TD_OK) {
        fprintf(stderr, "tiendo-agent: %s\n", why.text);
        return TD_AGENT_EXIT_FAILURE;
    }
    int rc = TD_AGENT_EXIT_FAILURE;
    if (s_open_state(&a)) {
        if (once) /* the report to queue carries their results */
            td_probes_run_once(a.probes, a.outbox);
        if ((!once || s_queue_status(&a) == 0) && s_connect(&a))
            rc = s_loop(&a, timeout_s);
    }
    zsock_destroy(&a.monitor);
    if (a.dealer)
        zmq_socket_monitor(zsock_resolve(a.dealer), NULL, 0);
    zsock_destroy(&a.dealer);
    td_probes_destroy(&a.probes);
    td_outbox_destroy(&a.outbox);
    free(a.status_text);
    return rc;
}
