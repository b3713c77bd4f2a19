/* Delivery: the status file is queued in the outbox, then sent over a CURVE DEALER socket and
 * removed only when the collector acknowledges it. Unacknowledged reports are resent, oldest
 * first, after a silence that grows with backoff and jitter. */
#include "agent.h"

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

typedef struct {
    const td_agent_config *cfg;
    bool once;
    td_cred cred;
    td_outbox *outbox;
    zsock_t *dealer;
    uint64_t sent_upto; /* highest seq sent in this round */
    int inflight;
    int64_t last_progress_ms; /* last send or reply */
    int64_t backoff_ms;
    int64_t next_hello_ms;
    int result;       /* worst outcome so far: 0, 2 or 3 */
    struct stat seen; /* the status file as last read */
    bool have_seen;
} s_agent;

static zsock_t *s_connect(s_agent *a)
{
    zsock_t *s = zsock_new(ZMQ_DEALER);
    if (!s)
        return NULL;
    zsock_set_linger(s, 0);
    zsock_set_curve_serverkey(s, a->cred.collector_txt);
    zsock_set_curve_publickey(s, a->cred.public_txt);
    zsock_set_curve_secretkey(s, a->cred.secret_txt);
    zsock_set_immediate(s, 1); /* queue nothing on a link that is not up: the outbox does */
    zsock_set_heartbeat_ivl(s, 10000);
    zsock_set_heartbeat_timeout(s, 30000);
    zsock_set_reconnect_ivl(s, 1000);
    zsock_set_reconnect_ivl_max(s, 60000);
    zsock_set_maxmsgsize(s, 16 << 20);
    if (zsock_connect(s, "%s", a->cfg->collector) != 0) {
        fprintf(stderr, "tiendo-agent: cannot connect to %s\n", a->cfg->collector);
        zsock_destroy(&s);
    }
    return s;
}

/* Checks a report as the collector will: framed as it will be sent, it must decode under the
 * collector's rules (td_wire_decode) and fit in a message. A report that cannot be delivered
 * is refused now, rather than queued where it would block every report behind it. */
static td_err s_check_frame(s_agent *a, const uint8_t *body, size_t len)
{
    uint8_t *frame = NULL;
    size_t flen = 0;
    td_errmsg why = {""};
    td_err err = td_wire_frame_report(body, len, td_outbox_id(a->outbox), 1,
                                      (uint32_t)a->cfg->interval, 1, 0, &frame, &flen);
    if (err != TD_OK) {
        td_fail(&why, err, "%s", td_strerror(err));
    } else if (flen > TD_WIRE_MAX_BYTES) {
        err = td_fail(&why, TD_EINVAL, "it is %zu bytes, more than the %u a message may hold", flen,
                      TD_WIRE_MAX_BYTES);
    } else {
        td_msg m;
        err = td_wire_decode(frame, flen, &m, &why);
        if (err == TD_OK)
            td_msg_fini(&m);
    }
    free(frame);
    if (err != TD_OK)
        fprintf(stderr, "%s: the collector would refuse this report: %s\n", a->cfg->status_file,
                why.text);
    return err;
}

/* Reads and queues the status file. Returns 0 when queued (or unchanged), 1 when the file is
 * unreadable or invalid (errors printed), 2 when the outbox could not take it. */
static int s_queue_status(s_agent *a)
{
    char *text;
    size_t len;
    td_errmsg why;
    if (td_read_file(a->cfg->status_file, &text, &len, &why) != TD_OK) {
        fprintf(stderr, "tiendo-agent: %s\n", why.text);
        return 1;
    }
    td_errlist *errs = td_errlist_new();
    td_msg m = {.type = TD_MSG_REPORT};
    td_err err = td_parse_status(a->cfg->status_file, text, len, &m.u.report.report, errs);
    free(text);
    for (size_t i = 0; err && i < td_errlist_count(errs); i++)
        fprintf(stderr, "%s\n", td_errlist_at(errs, i));
    td_errlist_destroy(&errs);
    if (err)
        return 1;
    uint8_t *body;
    size_t blen;
    uint64_t seq = 0;
    bool queued = false;
    uint64_t thinned = td_outbox_thinned(a->outbox);
    err = td_wire_encode(&m, &body, &blen);
    if (err == TD_OK) {
        if (s_check_frame(a, body, blen) != TD_OK) {
            free(body);
            td_msg_fini(&m);
            return 1;
        }
        err = td_outbox_push(a->outbox, body, blen, m.u.report.report.as_of, &seq, &queued, &why);
        free(body);
    }
    td_msg_fini(&m);
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

static bool s_send_entry(const td_outbox_entry *e, void *arg)
{
    s_agent *a = arg;
    if (a->inflight >= WINDOW)
        return false;
    uint8_t *buf;
    size_t len;
    if (td_wire_frame_report(e->body, e->len, td_outbox_id(a->outbox), e->seq,
                             (uint32_t)a->cfg->interval, td_outbox_depth(a->outbox),
                             td_outbox_thinned(a->outbox), &buf, &len) != TD_OK) {
        td_log_error("dropping an unreadable queued report", "seq=%llu",
                     (unsigned long long)e->seq);
        td_outbox_remove(a->outbox, e->seq);
        return true;
    }
    int rc = zmq_send(zsock_resolve(a->dealer), buf, len, ZMQ_DONTWAIT);
    free(buf);
    if (rc < 0)
        return false; /* no link yet: try again on the next turn */
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
    td_outbox_remove(a->outbox, ack->seq);
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

static void s_on_nack(s_agent *a, const td_nack *nack)
{
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
        zmq_send(zsock_resolve(a->dealer), buf, len, ZMQ_DONTWAIT);
        free(buf);
    }
    a->next_hello_ms = zclock_mono() + (int64_t)a->cfg->interval * 1000;
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

static int s_loop(s_agent *a, int timeout_s)
{
    int64_t deadline = zclock_mono() + (int64_t)timeout_s * 1000;
    int64_t next_watch = 0;
    zpoller_t *poller = zpoller_new(a->dealer, NULL);
    while (!zsys_interrupted) {
        if (a->once && td_outbox_depth(a->outbox) == 0)
            break;
        if (a->once && zclock_mono() >= deadline) {
            fprintf(stderr,
                    "tiendo-agent: collector %s not reached within %d s; %zu report(s) "
                    "stay queued\n",
                    a->cfg->collector, timeout_s, td_outbox_depth(a->outbox));
            zpoller_destroy(&poller);
            return a->result == TD_AGENT_EXIT_REFUSED ? a->result : TD_AGENT_EXIT_UNREACHED;
        }
        if (!a->once && zclock_mono() >= next_watch) {
            s_watch_status(a);
            next_watch = zclock_mono() + 1000;
        }
        if (!a->once && zclock_mono() >= a->next_hello_ms)
            s_send_hello(a);
        s_pump(a);
        if (zpoller_wait(poller, 200) == a->dealer)
            while (zsock_events(a->dealer) & ZMQ_POLLIN)
                s_on_reply(a);
    }
    zpoller_destroy(&poller);
    /* Interrupted with reports still queued: they were not delivered. */
    if (a->once && td_outbox_depth(a->outbox) > 0 && a->result != TD_AGENT_EXIT_REFUSED)
        return TD_AGENT_EXIT_UNREACHED;
    return a->result;
}

int td_agent_run(const td_agent_config *cfg, bool once, int timeout_s)
{
    s_agent a = {.cfg = cfg, .once = once, .backoff_ms = BACKOFF_MIN_MS};
    td_errmsg why;
    char dir[4200];
    srandom((unsigned)zclock_time() ^ (unsigned)getpid());
    if (td_keys_load(cfg->credentials, &a.cred, &why) != TD_OK) {
        fprintf(stderr, "tiendo-agent: %s\n", why.text);
        return TD_AGENT_EXIT_FAILURE;
    }
    snprintf(dir, sizeof dir, "%s/outbox", cfg->state_dir);
    if ((mkdir(cfg->state_dir, 0700) != 0 && errno != EEXIST) ||
        (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
        fprintf(stderr, "tiendo-agent: %s: %s\n", dir, strerror(errno));
        return TD_AGENT_EXIT_FAILURE;
    }
    if (td_outbox_open(dir, cfg->outbox_max_mb << 20, &a.outbox, &why) != TD_OK) {
        fprintf(stderr, "tiendo-agent: %s\n", why.text);
        return TD_AGENT_EXIT_FAILURE;
    }
    int rc = TD_AGENT_EXIT_FAILURE;
    if (once && s_queue_status(&a) != 0)
        rc = TD_AGENT_EXIT_FAILURE;
    else if ((a.dealer = s_connect(&a)))
        rc = s_loop(&a, timeout_s);
    zsock_destroy(&a.dealer);
    td_outbox_destroy(&a.outbox);
    return rc;
}
