/* Live events: an actor thread that owns the PUB socket, runs the scans by the clock and
 * publishes what the main thread reports to it; see events.h. Everything in s_state belongs to
 * the actor's thread once it runs. */
#include "events.h"

#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "tiendo/log.h"
#include "tiendo/query.h"
#include "zap.h"

#define NEAR_FULL_PCT 90 /* store.near_full when the store passes this share of its map limit */
#define NEAR_FULL_REARM_PCT 85 /* and again only after it went back under this one */
#define PUB_HWM 10000          /* events queued per slow subscriber before it loses some */
#define SCAN_SLOW_US 250000    /* a scan longer than this is logged as a warning */
#define SCAN_IVL_MS 1000
#define PIPE_HWM 10000 /* rejections waiting for the actor; beyond, dropped (and logged) */

typedef struct {
    zsock_t *pub;
    char endpoint[256];
    td_cred cred;
    td_store *store;
    td_alerts *alerts;
    uint64_t seq;
    bool scanned; /* a first scan (the baseline) was made */
    bool near_full;
    /* The state at the previous scan: task id -> class, "AGENCY/KEY" -> liveness,
     * "AGENCY/ID" -> obstacle state. Values are small integers stored as pointers (never 0). */
    zhashx_t *tasks, *agents, *obstacles;
} s_state;

struct td_events {
    zactor_t *actor;
    s_state *state;
    char endpoint[256]; /* as bound, copied once the actor is ready */
    bool has_socket;
};

static zsock_t *s_bind(s_state *self)
{
    zsock_t *s = zsock_new(ZMQ_PUB);
    if (!s)
        return NULL;
    zsock_set_linger(s, 0);
    zsock_set_sndhwm(s, PUB_HWM);
    zsock_set_zap_domain(s, TD_ZAP_DOMAIN_EVENTS);
    zsock_set_curve_server(s, 1);
    zsock_set_curve_secretkey(s, self->cred.secret_txt);
    zsock_set_curve_publickey(s, self->cred.public_txt);
    /* Subscribers send nothing but subscriptions: a small limit keeps strangers cheap. */
    zsock_set_maxmsgsize(s, 4096);
    if (zsock_bind(s, "%s", self->endpoint) < 0) {
        td_log_error("cannot bind the events socket", "endpoint=%s error=\"%s\"", self->endpoint,
                     zmq_strerror(zmq_errno()));
        zsock_destroy(&s);
        return NULL;
    }
    char *bound = zsock_last_endpoint(s);
    if (bound)
        snprintf(self->endpoint, sizeof self->endpoint, "%s", bound);
    zstr_free(&bound);
    return s;
}

/* Publishes one event; takes ownership of body and adds "type", "seq" and "time" to it. */
static void s_publish(s_state *self, const char *type, json_t *body, td_time now)
{
    char when[26];
    td_time_format(now, when);
    json_object_set_new(body, "type", json_string(type));
    json_object_set_new(body, "seq", json_integer((json_int_t)++self->seq));
    json_object_set_new(body, "time", json_string(when));
    const char *text = json_string_value(json_object_get(body, "text"));
    td_log_debug("event", "type=%s seq=%llu text=\"%s\"", type, (unsigned long long)self->seq,
                 text ? text : "");
    if (self->pub) {
        char *doc = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
        void *h = zsock_resolve(self->pub);
        if (doc && zmq_send(h, type, strlen(type), ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
            zmq_send(h, doc, strlen(doc), ZMQ_DONTWAIT);
        free(doc);
    }
    if (self->alerts)
        td_alerts_offer(self->alerts, type, body, now);
    json_decref(body);
}

/* ---- the scans ---- */

/* Records key's state; returns the state at the previous scan (0: not seen before). */
static int s_swap(zhashx_t *map, const char *key, int state)
{
    int old = (int)(intptr_t)zhashx_lookup(map, key);
    if (old != state)
        zhashx_update(map, key, (void *)(intptr_t)state);
    return old;
}

typedef struct {
    s_state *self;
    td_txn *txn;
    td_time now;
    td_day today;
    bool publish; /* false during the baseline scan */
    td_err err;
} s_scan;

static void s_task_event(s_scan *sc, const td_task *t, int cls, const td_task_status *s,
                         int days_overdue, bool on_time)
{
    char day[11] = "", text[512];
    json_t *e;
    if (cls == TD_CLASS_OVERDUE) {
        td_day_format(t->deadline, day);
        snprintf(text, sizeof text, "task %s (lead %s) is overdue: due %s", t->id, t->lead, day);
        e = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "task", t->id, "title", t->title, "lead",
                      t->lead, "deadline", day, "days_overdue", days_overdue, "text", text);
        if (e)
            s_publish(sc->self, "task.overdue", e, sc->now);
    } else if (cls == TD_CLASS_COMPLETED) {
        if (s && s->completed_on != TD_NODAY)
            td_day_format(s->completed_on, day);
        snprintf(text, sizeof text, "task %s (lead %s) is completed%s", t->id, t->lead,
                 on_time ? " on time" : " late");
        e = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "task", t->id, "title", t->title, "lead",
                      t->lead, "completed_on", day, "on_time", on_time, "text", text);
        if (e)
            s_publish(sc->self, "task.completed", e, sc->now);
    }
}

static td_err s_visit_task(const td_task *t, void *arg)
{
    s_scan *sc = arg;
    if (!td_task_counts(t, sc->today))
        return TD_OK;
    td_task_version v;
    td_err err = td_store_task_version_at(sc->txn, t->id, sc->now, &v);
    if (err && err != TD_ENOTFOUND)
        return err;
    bool found = err == TD_OK, on_time = false;
    int days_overdue = 0;
    int cls = td_task_classify(t, found ? &v.status : NULL, sc->today, &days_overdue, &on_time);
    int old = s_swap(sc->self->tasks, t->id, cls);
    /* A task seen for the first time (just imported) states where it stands, not a change. */
    if (sc->publish && old && old != cls)
        s_task_event(sc, t, cls, found ? &v.status : NULL, days_overdue, on_time);
    if (found)
        td_task_status_fini(&v.status);
    return TD_OK;
}

static td_err s_visit_agent(const td_agentrec *a, void *arg)
{
    s_scan *sc = arg;
    static const char *const states[] = {"online", "late", "silent"};
    const char *live = td_query_liveness(a->last_contact, a->interval_s, sc->now);
    int state = 1;
    while (state < 3 && strcmp(states[state - 1], live))
        state++;
    char z85[TD_Z85_LEN + 1], key[TD_CODE_MAX + TD_Z85_LEN + 2];
    td_keys_encode(a->key, z85);
    snprintf(key, sizeof key, "%s/%s", a->agency, z85);
    int old = s_swap(sc->self->agents, key, state);
    /* A key's first contact is news when it comes online; otherwise only changes are. */
    if (!sc->publish || old == state || (!old && state != 1))
        return TD_OK;
    char type[32], last[26], text[256];
    snprintf(type, sizeof type, "agent.%s", live);
    td_time_format(a->last_contact, last);
    long ago = (long)(sc->now - a->last_contact);
    if (state == 1)
        snprintf(text, sizeof text, "agent of %s is online", a->agency);
    else
        snprintf(text, sizeof text, "agent of %s is %s: no contact for %ld s (interval %u s)",
                 a->agency, live, ago, a->interval_s ? a->interval_s : TD_QUERY_DEFAULT_INTERVAL);
    json_t *e = json_pack("{s:s, s:s, s:s, s:I, s:i, s:s}", "agency", a->agency, "key", z85,
                          "last_contact", last, "seconds_since_contact", (json_int_t)ago,
                          "interval_s", (int)a->interval_s, "text", text);
    if (e)
        s_publish(sc->self, type, e, sc->now);
    return TD_OK;
}

static td_err s_visit_obstacle(const td_section_version *v, void *arg)
{
    s_scan *sc = arg;
    const td_obstacle *o = &v->u.obstacle;
    char key[TD_CODE_MAX + TD_SECTION_ID_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", v->agency, v->id);
    int old = s_swap(sc->self->obstacles, key, o->state);
    bool opened = o->state == TD_OBST_OPEN && old != TD_OBST_OPEN;
    bool resolved = o->state == TD_OBST_RESOLVED && old == TD_OBST_OPEN;
    if (!sc->publish || (!opened && !resolved))
        return TD_OK;
    char text[512];
    snprintf(text, sizeof text, "obstacle %s of %s %s: %s", v->id, v->agency,
             opened ? "opened" : "resolved", o->description ? o->description : "");
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s}", "agency", v->agency, "obstacle", v->id,
                          "category", td_category_name(o->category), "description",
                          o->description ? o->description : "", "text", text);
    if (e)
        s_publish(sc->self, opened ? "obstacle.opened" : "obstacle.resolved", e, sc->now);
    return TD_OK;
}

static td_err s_visit_agency(const td_agency *a, void *arg)
{
    s_scan *sc = arg;
    return td_store_each_section_at(sc->txn, TD_SECTION_OBSTACLE, a->code, sc->now,
                                    s_visit_obstacle, sc);
}

static td_err s_scan_txn(td_txn *txn, void *arg)
{
    s_scan *sc = arg;
    sc->txn = txn;
    td_err err = td_store_each_task(txn, s_visit_task, sc);
    if (!err)
        err = td_store_each_agent(txn, s_visit_agent, sc);
    if (!err)
        err = td_store_each_agency(txn, s_visit_agency, sc);
    return err;
}

/* store.near_full when the store passed NEAR_FULL_PCT of its limit, or when a commit failed
 * for want of space (full: a large batch can fail from below the mark), once until the store is
 * back under NEAR_FULL_REARM_PCT. */
static void s_scan_store_size(s_state *self, td_time now, bool full)
{
    size_t used, map_size, map_max;
    td_store_usage(self->store, &used, &map_size, &map_max);
    if (!map_max)
        return;
    int pct = (int)((double)used * 100.0 / (double)map_max);
    if (pct < NEAR_FULL_REARM_PCT && !full)
        self->near_full = false;
    if ((pct < NEAR_FULL_PCT && !full) || self->near_full)
        return;
    self->near_full = true;
    char text[256];
    snprintf(text, sizeof text, "the store uses %d%% of its limit (%.1f of %.1f MiB)%s", pct,
             (double)used / (1 << 20), (double)map_max / (1 << 20),
             full ? " and a batch did not fit: reports wait in agents' outboxes" : "");
    json_t *e = json_pack("{s:I, s:I, s:i, s:b, s:s}", "used_bytes", (json_int_t)used, "max_bytes",
                          (json_int_t)map_max, "used_pct", pct, "full", full, "text", text);
    if (e)
        s_publish(self, "store.near_full", e, now);
}

static void s_scan_all(s_state *self, td_time now)
{
    s_scan sc = {.self = self, .now = now, .today = td_time_day(now), .publish = self->scanned};
    td_errmsg why;
    int64_t start = zclock_usecs();
    if (td_store_view(self->store, s_scan_txn, &sc, &why) != TD_OK) {
        td_log_warning("cannot scan the store for events", "error=\"%s\"", why.text);
        return;
    }
    int64_t us = zclock_usecs() - start;
    if (us > SCAN_SLOW_US)
        td_log_warning("the events scan is slow: it delays reports", "ms=%lld",
                       (long long)(us / 1000));
    else
        td_log_debug("events scan", "us=%lld", (long long)us);
    self->scanned = true;
    s_scan_store_size(self, now, false);
}

/* ---- the actor ---- */

static bool s_rebind(s_state *self)
{
    if (!self->pub)
        return true;
    zsock_destroy(&self->pub);
    /* The I/O thread releases the port asynchronously: retry for a while. */
    for (int i = 0; i < 100 && !self->pub; i++) {
        self->pub = s_bind(self);
        if (!self->pub)
            zclock_sleep(50);
    }
    return self->pub != NULL;
}

/* A message from the main thread: REJECTED JSON or REBIND. Returns false on $TERM. */
static bool s_on_pipe(s_state *self, zsock_t *pipe)
{
    zmsg_t *msg = zmsg_recv(pipe);
    char *cmd = msg ? zmsg_popstr(msg) : NULL;
    bool running = cmd && strcmp(cmd, "$TERM");
    if (running && !strcmp(cmd, "REBIND")) {
        zsock_signal(pipe, s_rebind(self) ? 0 : 1);
    } else if (running && !strcmp(cmd, "FULL")) {
        s_scan_store_size(self, td_clock_now(), true);
    } else if (running && !strcmp(cmd, "REJECTED")) {
        char *doc = zmsg_popstr(msg);
        json_t *e = doc ? json_loads(doc, 0, NULL) : NULL;
        if (e)
            s_publish(self, "report.rejected", e, td_clock_now());
        zstr_free(&doc);
    }
    zstr_free(&cmd);
    zmsg_destroy(&msg);
    return running;
}

static void s_actor(zsock_t *pipe, void *arg)
{
    s_state *self = arg;
    bool ok = !self->endpoint[0] || (self->pub = s_bind(self)) != NULL;
    zsock_signal(pipe, 0); /* taken by zactor_new */
    if (!ok) {
        zsock_signal(pipe, 1); /* taken by td_events_new: failed */
        return;
    }
    /* The baseline, before td_events_new returns and so before the first report is read:
     * every change after the start is news. */
    s_scan_all(self, td_clock_now());
    zsock_signal(pipe, 0);
    zpoller_t *poller = zpoller_new(pipe, NULL);
    int64_t next = zclock_mono() + SCAN_IVL_MS;
    for (bool running = poller != NULL; running;) {
        int64_t wait = next - zclock_mono();
        void *which = zpoller_wait(poller, wait > 0 ? (int)wait : 0);
        if (which == pipe)
            running = s_on_pipe(self, pipe);
        else if (zpoller_terminated(poller))
            running = false;
        if (running && zclock_mono() >= next) {
            s_scan_all(self, td_clock_now());
            next = zclock_mono() + SCAN_IVL_MS;
        }
    }
    zpoller_destroy(&poller);
    zsock_destroy(&self->pub);
}

static void s_state_destroy(s_state **self_p)
{
    s_state *self = *self_p;
    if (!self)
        return;
    zhashx_destroy(&self->tasks);
    zhashx_destroy(&self->agents);
    zhashx_destroy(&self->obstacles);
    memset(&self->cred, 0, sizeof self->cred);
    free(self);
    *self_p = NULL;
}

td_events *td_events_new(const char *endpoint, const td_cred *cred, td_store *store,
                         td_alerts *alerts)
{
    td_events *self = calloc(1, sizeof *self);
    s_state *st = calloc(1, sizeof *st);
    if (!self || !st) {
        free(self);
        free(st);
        return NULL;
    }
    self->state = st;
    st->cred = *cred;
    st->store = store;
    st->alerts = alerts;
    st->tasks = zhashx_new();
    st->agents = zhashx_new();
    st->obstacles = zhashx_new();
    if (endpoint)
        snprintf(st->endpoint, sizeof st->endpoint, "%s", endpoint);
    if (st->tasks && st->agents && st->obstacles)
        self->actor = zactor_new(s_actor, st);
    if (!self->actor || zsock_wait(self->actor) != 0) {
        td_events_destroy(&self);
        return NULL;
    }
    zsock_set_sndtimeo(zactor_sock(self->actor), 0);
    self->has_socket = endpoint != NULL;
    snprintf(self->endpoint, sizeof self->endpoint, "%s", st->endpoint);
    return self;
}

void td_events_destroy(td_events **self_p)
{
    td_events *self = *self_p;
    if (!self)
        return;
    zactor_destroy(&self->actor);
    s_state_destroy(&self->state);
    free(self);
    *self_p = NULL;
}

const char *td_events_endpoint(const td_events *self)
{
    return self && self->has_socket ? self->endpoint : NULL;
}

bool td_events_rebind(td_events *self)
{
    if (!self || !self->has_socket)
        return true;
    zsock_set_sndtimeo(zactor_sock(self->actor), -1);
    bool ok = zstr_send(self->actor, "REBIND") == 0 && zsock_wait(self->actor) == 0;
    zsock_set_sndtimeo(zactor_sock(self->actor), 0);
    return ok;
}

void td_events_rejected(td_events *self, const char *agency, uint64_t seq, const char *code,
                        const char *reason, size_t n_rejected)
{
    if (!self)
        return;
    char text[512];
    if (n_rejected)
        snprintf(text, sizeof text, "%zu item(s) of report %llu from %s refused: %s", n_rejected,
                 (unsigned long long)seq, agency, reason ? reason : "");
    else
        snprintf(text, sizeof text, "report %llu from %s refused (%s): %s", (unsigned long long)seq,
                 agency, code, reason ? reason : "");
    json_t *e = json_pack("{s:s, s:I, s:s, s:s, s:I, s:s}", "agency", agency, "report_seq",
                          (json_int_t)seq, "code", code, "reason", reason ? reason : "",
                          "items_rejected", (json_int_t)n_rejected, "text", text);
    char *doc = e ? json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(e);
    if (doc && zstr_sendx(self->actor, "REJECTED", doc, NULL) != 0)
        td_log_warning("events queue full: a report.rejected event was dropped", "agency=%s",
                       agency);
    free(doc);
}

void td_events_store_full(td_events *self)
{
    if (self && zstr_send(self->actor, "FULL") != 0)
        td_log_warning("events queue full: a store.near_full event was dropped", NULL);
}
