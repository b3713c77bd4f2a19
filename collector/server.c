/* tiendo-collector run: the event loop. Agents' reports arrive on one ROUTER socket and are
 * applied in batches, one durable LMDB transaction per batch, acknowledged only after it
 * committed (group commit). Operators' queries arrive on another ROUTER socket. */
#include "clock.h"
#include "collector.h"
#include "events.h"
#include "http.h"
#include "keycache.h"
#include "metrics.h"
#include "ratelimit.h"
#include "zap.h"

#include <czmq.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "tiendo/ingest.h"
#include "tiendo/keys.h"
#include "tiendo/log.h"
#include "tiendo/query.h"
#include "tiendo/wire.h"

#define BATCH_MAX 512
#define BATCH_BYTES (32u << 20) /* payload bytes in one batch: bounds the transaction */
#define HEARTBEAT_IVL_MS 10000
#define HEARTBEAT_TIMEOUT_MS 30000
#define LISTEN_BACKLOG 4096

typedef struct {
    zmq_msg_t route; /* the ROUTER routing id of the sender */
    uint8_t key[TD_KEY_LEN];
    char agency[TD_CODE_MAX + 1];
    td_msg msg;
    bool report;        /* a report to apply, else a contact to record */
    bool replied_early; /* a nack was already sent */
    td_ack ack;
    td_nack nack;
} s_item;

typedef struct {
    const td_collector_opts *o;
    td_store *store;
    td_keycache *keys;
    td_ratelimit *limit;
    td_metrics metrics;
    td_http *http;
    td_events *events;
    td_alerts *alerts;
    td_cred cred;
    zsock_t *agents;
    zsock_t *queries;
    char agents_ep[256]; /* endpoints as bound: a wildcard port resolved, for rebinding */
    char queries_ep[256];
    bool full; /* the last commit failed for want of space */
    s_item batch[BATCH_MAX];
    size_t n;
    td_time now;
} s_server;

static zsock_t *s_bind(s_server *srv, char *endpoint, size_t cap)
{
    zsock_t *s = zsock_new(ZMQ_ROUTER);
    if (!s)
        return NULL;
    zsock_set_linger(s, 0);
    zsock_set_zap_domain(s, TD_ZAP_DOMAIN);
    zsock_set_curve_server(s, 1);
    zsock_set_curve_secretkey(s, srv->cred.secret_txt);
    zsock_set_curve_publickey(s, srv->cred.public_txt);
    zsock_set_router_mandatory(s, 1);
    zsock_set_maxmsgsize(s, srv->o->max_msg ? srv->o->max_msg : (int)TD_WIRE_MAX_BYTES);
    zsock_set_heartbeat_ivl(s, HEARTBEAT_IVL_MS);
    zsock_set_heartbeat_timeout(s, HEARTBEAT_TIMEOUT_MS);
    zsock_set_heartbeat_ttl(s, HEARTBEAT_TIMEOUT_MS);
    zsock_set_handshake_ivl(s, 10000);
    zsock_set_sndhwm(s, 100000);
    zsock_set_rcvhwm(s, 100000);
    /* After an outage every agent reconnects at once: with libzmq's default backlog (100) the
     * kernel drops most of 3,381 connection attempts, and TCP retries them seconds later. The
     * kernel caps it at net.core.somaxconn. */
    zsock_set_backlog(s, LISTEN_BACKLOG);
    if (zsock_bind(s, "%s", endpoint) < 0) {
        td_log_debug("cannot bind", "endpoint=%s error=\"%s\"", endpoint,
                     zmq_strerror(zmq_errno()));
        zsock_destroy(&s);
        return NULL;
    }
    char *bound = zsock_last_endpoint(s);
    if (bound)
        snprintf(endpoint, cap, "%s", bound);
    zstr_free(&bound);
    return s;
}

static bool s_open_sockets(s_server *srv)
{
    /* After a close the I/O thread releases the port asynchronously: retry for a while. */
    for (int i = 0; i < 100; i++) {
        if (!srv->agents)
            srv->agents = s_bind(srv, srv->agents_ep, sizeof srv->agents_ep);
        if (!srv->queries)
            srv->queries = s_bind(srv, srv->queries_ep, sizeof srv->queries_ep);
        if (srv->agents && srv->queries)
            return true;
        zclock_sleep(50);
    }
    return false;
}

/* Writes DATA/endpoints with the endpoints as bound, so that scripts can find a port the
 * system chose (tcp://127.0.0.1:*). */
static void s_write_endpoints(s_server *srv)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/endpoints", srv->o->data);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "agents=%s\nqueries=%s\n", srv->agents_ep, srv->queries_ep);
    if (td_events_endpoint(srv->events))
        fprintf(f, "events=%s\n", td_events_endpoint(srv->events));
    if (srv->http)
        fprintf(f, "http=127.0.0.1:%d\n", td_http_port(srv->http));
    if (fclose(f) == 0)
        rename(tmp, path);
}

/* Sends an encoded message to route on socket s. A peer that is gone or too slow loses the
 * reply; it resends, and dedup answers again. */
static void s_send(zsock_t *s, zmq_msg_t *route, const td_msg *m)
{
    uint8_t *buf;
    size_t len;
    if (td_wire_encode(m, &buf, &len) != TD_OK)
        return;
    void *h = zsock_resolve(s);
    zmq_msg_t copy;
    zmq_msg_init(&copy);
    zmq_msg_copy(&copy, route);
    if (zmq_msg_send(&copy, h, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        zmq_msg_close(&copy);
    else if (zmq_send(h, buf, len, ZMQ_DONTWAIT) < 0)
        td_log_debug("reply dropped", "error=\"%s\"", zmq_strerror(zmq_errno()));
    free(buf);
}

/* A nack code's name, for events and logs. */
static const char *s_nack_name(int code)
{
    switch (code) {
    case TD_NACK_MALFORMED:
        return "malformed";
    case TD_NACK_FORBIDDEN:
        return "forbidden";
    case TD_NACK_UNAVAILABLE:
        return "unavailable";
    case TD_NACK_RATE_LIMITED:
        return "rate_limited";
    case TD_NACK_NEED_FULL:
        return "need_full";
    default:
        return "refused";
    }
}

static void s_send_nack(zsock_t *s, zmq_msg_t *route, uint64_t seq, int code, const char *reason)
{
    td_msg m = {.type = TD_MSG_NACK};
    m.u.nack.seq = seq;
    m.u.nack.code = code;
    m.u.nack.reason = (char *)reason;
    s_send(s, route, &m);
}

/* Receives one [route, payload] message without waiting. Returns false when none is queued.
 * On success the sender's Z85 key is copied out of the payload's metadata. */
static bool s_recv(zsock_t *s, zmq_msg_t *route, zmq_msg_t *payload, char key[TD_Z85_LEN + 1])
{
    void *h = zsock_resolve(s);
    zmq_msg_init(route);
    if (zmq_msg_recv(route, h, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(route);
        return false;
    }
    zmq_msg_init(payload);
    if (!zmq_msg_more(route) || zmq_msg_recv(payload, h, 0) < 0) {
        zmq_msg_close(route);
        zmq_msg_close(payload);
        return s_recv(s, route, payload, key);
    }
    if (zmq_msg_more(payload)) {
        /* Extra frames are not part of the protocol: drain them all and drop the message. */
        for (bool more = true; more;) {
            zmq_msg_t extra;
            zmq_msg_init(&extra);
            more = zmq_msg_recv(&extra, h, 0) >= 0 && zmq_msg_more(&extra);
            zmq_msg_close(&extra);
        }
        zmq_msg_close(route);
        zmq_msg_close(payload);
        return s_recv(s, route, payload, key);
    }
    const char *uid = zmq_msg_gets(payload, "User-Id");
    snprintf(key, TD_Z85_LEN + 1, "%s", uid ? uid : "");
    return true;
}

/* Checks an agent message's sender and decodes it into the next batch slot. Returns false when
 * the message got no slot (dropped, or refused with a nack). */
static bool s_admit_agent_msg(s_server *srv, zmq_msg_t *route, zmq_msg_t *payload, const char *z85)
{
    s_item *it = &srv->batch[srv->n];
    const td_keyrec *k = td_keycache_find(srv->keys, z85);
    if (!k)
        return false; /* revoked while connected: no service, no reply */
    if (k->role != TD_ROLE_AGENT) {
        s_send_nack(srv->agents, route, 0, TD_NACK_FORBIDDEN, "only agent keys may report");
        td_events_rejected(srv->events, k->name, 0, s_nack_name(TD_NACK_FORBIDDEN),
                           "only agent keys may report", 0);
        return false;
    }
    if (!td_ratelimit_allow(srv->limit, z85, zclock_mono())) {
        char reason[128];
        snprintf(reason, sizeof reason, "too many messages: at most %d per second; resend later",
                 srv->o->rate_limit);
        s_send_nack(srv->agents, route, 0, TD_NACK_RATE_LIMITED, reason);
        return false;
    }
    td_errmsg why;
    memset(it, 0, sizeof *it);
    if (td_wire_decode(zmq_msg_data(payload), zmq_msg_size(payload), &it->msg, &why) != TD_OK) {
        td_log_warning("refused a malformed message", "agency=%s reason=\"%s\"", k->name, why.text);
        s_send_nack(srv->agents, route, 0, TD_NACK_MALFORMED, why.text);
        td_events_rejected(srv->events, k->name, 0, s_nack_name(TD_NACK_MALFORMED), why.text, 0);
        return false;
    }
    int type = it->msg.type;
    if (type != TD_MSG_REPORT && type != TD_MSG_HELLO && type != TD_MSG_HEARTBEAT) {
        s_send_nack(srv->agents, route, 0, TD_NACK_MALFORMED,
                    "agents may send hello, report or heartbeat");
        td_msg_fini(&it->msg);
        return false;
    }
    memcpy(it->key, k->key, TD_KEY_LEN);
    snprintf(it->agency, sizeof it->agency, "%s", k->name);
    it->report = type == TD_MSG_REPORT;
    zmq_msg_init(&it->route);
    zmq_msg_move(&it->route, route);
    return true;
}

/* The part of the batch one transaction applies: all of it, or one item when a batch failed
 * for a reason other than space and each item is tried alone. */
typedef struct {
    s_server *srv;
    size_t lo, hi;
} s_range;

static td_err s_apply_batch(td_txn *txn, void *arg)
{
    s_range *r = arg;
    s_server *srv = r->srv;
    for (size_t i = r->lo; i < r->hi; i++) {
        s_item *it = &srv->batch[i];
        td_ingest_result_fini(&it->ack, &it->nack); /* a retry after map growth starts over */
        td_err err;
        if (it->report)
            err = td_ingest_report(txn, it->key, it->agency, &it->msg.u.report, srv->now, &it->ack,
                                   &it->nack);
        else
            err = td_ingest_contact(txn, it->key, it->agency,
                                    it->msg.type == TD_MSG_HELLO ? it->msg.u.hello.interval_s : 0,
                                    srv->now);
        if (err)
            return err;
    }
    return TD_OK;
}

/* Counts what a batch did, for /metrics. */
static void s_count_item(td_metrics *m, const s_item *it, td_err commit)
{
    if (!it->report)
        return;
    atomic_fetch_add(&m->reports_received, 1);
    if (commit == TD_OK && it->nack.code == TD_NACK_NEED_FULL)
        return; /* not refused: the agent sends the same report whole */
    if (commit != TD_OK || it->nack.code)
        atomic_fetch_add(&m->reports_refused, 1);
    else if (it->ack.duplicate)
        atomic_fetch_add(&m->reports_duplicate, 1);
    else
        atomic_fetch_add(&m->reports_accepted, 1);
    if (commit == TD_OK)
        atomic_fetch_add(&m->items_rejected, it->ack.n_rejected);
}

static void s_reply_item(s_server *srv, s_item *it, td_err commit)
{
    td_msg m;
    memset(&m, 0, sizeof m);
    s_count_item(&srv->metrics, it, commit);
    if (!it->report) {
        m.type = TD_MSG_HEARTBEAT;
        m.u.heartbeat = srv->now;
    } else if (commit != TD_OK) {
        s_send_nack(srv->agents, &it->route, it->msg.u.report.seq, TD_NACK_UNAVAILABLE,
                    "the collector cannot store reports now; keep it queued and resend");
        return;
    } else if (it->nack.code == TD_NACK_NEED_FULL) {
        m.type = TD_MSG_NACK;
        m.u.nack = it->nack;
        td_log_info("asked for a delta report whole", "agency=%s seq=%llu reason=\"%s\"",
                    it->agency, (unsigned long long)it->nack.seq, it->nack.reason);
    } else if (it->nack.code) {
        m.type = TD_MSG_NACK;
        m.u.nack = it->nack;
        td_log_warning("refused a report", "agency=%s seq=%llu reason=\"%s\"", it->agency,
                       (unsigned long long)it->nack.seq, it->nack.reason);
        if (it->nack.code != TD_NACK_UNAVAILABLE && it->nack.code != TD_NACK_RATE_LIMITED)
            td_events_rejected(srv->events, it->agency, it->nack.seq, s_nack_name(it->nack.code),
                               it->nack.reason, 0);
    } else {
        m.type = TD_MSG_ACK;
        m.u.ack = it->ack;
        if (it->ack.n_rejected && !it->ack.duplicate)
            td_events_rejected(srv->events, it->agency, it->ack.seq, "items",
                               it->ack.rejected[0].reason, it->ack.n_rejected);
    }
    s_send(srv->agents, &it->route, &m);
}

static void s_flush_batch(s_server *srv)
{
    if (srv->n == 0)
        return;
    td_errmsg why;
    td_err errs[BATCH_MAX];
    int64_t start = zclock_usecs();
    s_range all = {srv, 0, srv->n};
    td_err err = td_store_update(srv->store, s_apply_batch, &all, &why);
    td_metrics_commit(&srv->metrics, (uint64_t)(zclock_usecs() - start), err == TD_OK);
    for (size_t i = 0; i < srv->n; i++)
        errs[i] = err;
    if (err && err != TD_EFULL && srv->n > 1) {
        /* Not for want of space (a transaction too large, a bad record): try each report in
         * its own transaction, so that one cannot hold back the others. */
        for (size_t i = 0; i < srv->n; i++) {
            s_range one = {srv, i, i + 1};
            errs[i] = td_store_update(srv->store, s_apply_batch, &one, NULL);
        }
    }
    if (err && !srv->full)
        td_log_error("cannot commit a batch of reports; not acknowledging them", "error=\"%s\"",
                     why.text);
    else if (!err && srv->full)
        td_log_info("committing reports again", "batch=%zu", srv->n);
    if (err == TD_EFULL && !srv->full)
        td_events_store_full(srv->events);
    srv->full = err == TD_EFULL;
    for (size_t i = 0; i < srv->n; i++) {
        s_item *it = &srv->batch[i];
        s_reply_item(srv, it, errs[i]);
        td_ingest_result_fini(&it->ack, &it->nack);
        td_msg_fini(&it->msg);
        zmq_msg_close(&it->route);
    }
    srv->n = 0;
}

/* Drains what is queued on the agents' socket, up to a batch, and commits it at once. */
static void s_on_agents(s_server *srv)
{
    zmq_msg_t route, payload;
    char z85[TD_Z85_LEN + 1];
    size_t bytes = 0;
    srv->now = td_clock_now();
    while (srv->n < BATCH_MAX && bytes < BATCH_BYTES &&
           s_recv(srv->agents, &route, &payload, z85)) {
        bytes += zmq_msg_size(&payload);
        if (s_admit_agent_msg(srv, &route, &payload, z85))
            srv->n++;
        zmq_msg_close(&route);
        zmq_msg_close(&payload);
    }
    s_flush_batch(srv);
}

static void s_answer_query(s_server *srv, zmq_msg_t *route, zmq_msg_t *payload, const char *z85)
{
    const td_keyrec *k = td_keycache_find(srv->keys, z85);
    if (!k)
        return;
    if (k->role == TD_ROLE_AGENT) {
        s_send_nack(srv->queries, route, 0, TD_NACK_FORBIDDEN,
                    "agent keys cannot query; use an operator credential");
        return;
    }
    td_msg q;
    td_errmsg why;
    memset(&q, 0, sizeof q);
    if (td_wire_decode(zmq_msg_data(payload), zmq_msg_size(payload), &q, &why) != TD_OK) {
        s_send_nack(srv->queries, route, 0, TD_NACK_MALFORMED, why.text);
        return;
    }
    if (q.type != TD_MSG_QUERY) {
        td_msg_fini(&q);
        s_send_nack(srv->queries, route, 0, TD_NACK_MALFORMED, "expected a query");
        return;
    }
    td_msg r = {.type = TD_MSG_REPLY};
    r.u.reply.id = q.u.query.id;
    td_err err = td_query_run(srv->store, q.u.query.command, q.u.query.params, q.u.query.n_params,
                              td_clock_now(), &r.u.reply.json, &why);
    r.u.reply.ok = err == TD_OK;
    r.u.reply.error = err ? why.text : NULL;
    s_send(srv->queries, route, &r);
    free(r.u.reply.json);
    td_msg_fini(&q);
}

static void s_on_queries(s_server *srv)
{
    zmq_msg_t route, payload;
    char z85[TD_Z85_LEN + 1];
    for (int i = 0; i < 64 && s_recv(srv->queries, &route, &payload, z85); i++) {
        s_answer_query(srv, &route, &payload, z85);
        zmq_msg_close(&route);
        zmq_msg_close(&payload);
    }
}

/* Once a second: notice enrollments and revocations; close live connections of revoked keys
 * by rebinding (every other peer reconnects and authenticates again); clear stale readers. */
static bool s_on_tick(s_server *srv)
{
    td_keycache_refresh(srv->keys);
    td_store_reader_check(srv->store);
    if (!td_keycache_take_revocation(srv->keys))
        return true;
    td_log_info("a key was revoked: closing all connections so that peers authenticate again",
                NULL);
    zsock_destroy(&srv->agents);
    zsock_destroy(&srv->queries);
    if (s_open_sockets(srv) && td_events_rebind(srv->events))
        return true;
    td_log_error("cannot bind again after closing connections", "agents=%s queries=%s",
                 srv->agents_ep, srv->queries_ep);
    return false;
}

static int s_loop(s_server *srv, zactor_t *zap)
{
    int64_t next_tick = zclock_mono() + 1000;
    while (!zsys_interrupted) {
        zmq_pollitem_t items[] = {{zsock_resolve(srv->agents), 0, ZMQ_POLLIN, 0},
                                  {zsock_resolve(srv->queries), 0, ZMQ_POLLIN, 0},
                                  {zsock_resolve(zactor_sock(zap)), 0, ZMQ_POLLIN, 0}};
        long wait = (long)(next_tick - zclock_mono());
        int rc = zmq_poll(items, 3, wait > 0 ? wait : 0);
        if (rc < 0 && zmq_errno() != EINTR)
            return 1;
        if (rc > 0 && (items[2].revents & ZMQ_POLLIN)) {
            /* The ZAP handler ended: without it libzmq would admit any key. Fail closed. */
            td_log_error("the ZAP handler stopped; stopping rather than admit unknown keys", NULL);
            return 1;
        }
        if (rc > 0 && (items[0].revents & ZMQ_POLLIN))
            s_on_agents(srv);
        if (rc > 0 && (items[1].revents & ZMQ_POLLIN))
            s_on_queries(srv);
        if (zclock_mono() >= next_tick) {
            next_tick = zclock_mono() + 1000;
            if (!s_on_tick(srv))
                return 1;
        }
    }
    return 0;
}

static bool s_load_identity(s_server *srv)
{
    char path[4096];
    td_errmsg why;
    snprintf(path, sizeof path, "%s/%s", srv->o->data, TD_COLLECTOR_KEY_FILE);
    if (td_keys_load(path, &srv->cred, &why) != TD_OK) {
        td_log_error("cannot load the collector's key; refusing to start", "error=\"%s\"",
                     why.text);
        return false;
    }
    return true;
}

/* Every agent holds a connection: raise the soft limit on open files to the hard one. */
static void s_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        td_log_debug("open files limit", "nofile=%llu", (unsigned long long)rl.rlim_cur);
}

/* The events socket and the alert rules. Returns false (logged) when they cannot start. */
static bool s_start_events(s_server *srv)
{
    const td_collector_opts *o = srv->o;
    if (o->n_alerts && !(srv->alerts = td_alerts_new(o->alerts, o->n_alerts, srv->store)))
        return false;
    const char *ep = o->events_ep && strcmp(o->events_ep, "off") ? o->events_ep : NULL;
    srv->events = td_events_new(ep, &srv->cred, srv->store, srv->alerts);
    if (srv->events)
        td_log_info("events", "endpoint=%s alert_rules=%zu",
                    ep ? td_events_endpoint(srv->events) : "off", o->n_alerts);
    return srv->events != NULL;
}

int td_collector_run(const td_collector_opts *o)
{
    static s_server srv; /* large: the batch */
    srv.o = o;
    if (td_clock_init() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN); /* alert commands that exit early must not stop the collector */
    s_raise_nofile();
    snprintf(srv.agents_ep, sizeof srv.agents_ep, "%s", o->agents_ep);
    snprintf(srv.queries_ep, sizeof srv.queries_ep, "%s", o->queries_ep);
    zsys_init();
    zsys_set_linger(0);
    if (!s_load_identity(&srv) || !(srv.store = td_collector_open_store(o->data, o->map_max)))
        return 1;
    atomic_store(&srv.metrics.store_ok, true);
    td_errmsg why;
    if (o->http && strcmp(o->http, "off") &&
        td_http_start(o->http, srv.store, &srv.metrics, &srv.http, &why) != TD_OK) {
        td_log_error("cannot start the HTTP listener", "error=\"%s\"", why.text);
        td_store_destroy(&srv.store);
        return 1;
    }
    if (srv.http)
        td_http_set_web(srv.http, o->web ? o->web : TIENDO_WEB_DIR);
    srv.keys = td_keycache_new(srv.store);
    srv.limit = td_ratelimit_new(o->rate_limit, o->rate_limit * 20.0);
    zactor_t *zap = td_zap_start(srv.store);
    int rc = 1;
    if (zap && srv.keys && srv.limit && !s_open_sockets(&srv))
        td_log_error("cannot bind", "agents=%s queries=%s", srv.agents_ep, srv.queries_ep);
    else if (zap && srv.keys && srv.limit && s_start_events(&srv)) {
        s_write_endpoints(&srv);
        td_log_info("collector running", "agents=%s queries=%s", srv.agents_ep, srv.queries_ep);
        rc = s_loop(&srv, zap);
        td_log_info("collector stopping", NULL);
    }
    zsock_destroy(&srv.agents);
    zsock_destroy(&srv.queries);
    td_events_destroy(&srv.events);
    td_alerts_destroy(&srv.alerts);
    zactor_destroy(&zap);
    td_http_stop(&srv.http);
    td_keycache_destroy(&srv.keys);
    td_ratelimit_destroy(&srv.limit);
    td_store_destroy(&srv.store);
    return rc;
}
