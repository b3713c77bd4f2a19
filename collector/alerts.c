/* Alert rules and their delivery thread; see alerts.h. */
#include "alerts.h"
#include "collector.h"

#include <czmq.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "tiendo/events.h"
#include "tiendo/log.h"

#define RETRIES_DEFAULT 3
#define TIMEOUT_DEFAULT_S 10
#define BACKOFF_MAX_MS 30000
#define QUEUE_MAX 1000 /* deliveries waiting for the thread; more are dropped and recorded */

extern char **environ;

/* ---- rules ---- */

static bool s_int(const char *v, long lo, long hi, int *out)
{
    long x;
    if (!td_collector_number(v, lo, hi, &x))
        return false;
    *out = (int)x;
    return true;
}

/* "KEY=VALUE, KEY=VALUE": the event's string fields that must be equal. */
static const char *s_set_filter(td_alert_rule *r, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return "out of memory";
    const char *bad = NULL;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && !bad; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1])
            bad = "filter must be FIELD=VALUE[, FIELD=VALUE...], e.g. agency=HCM";
        else if (r->n_filters == TD_ALERT_FILTERS_MAX)
            bad = "filter has more than 4 conditions";
        else {
            *eq = '\0';
            r->filter_key[r->n_filters] = strdup(tok);
            r->filter_value[r->n_filters] = strdup(eq + 1);
            r->n_filters++;
        }
    }
    free(copy);
    return bad;
}

const char *td_alert_rule_set(td_alert_rule *r, const char *key, const char *value)
{
    if (!r->retries && !r->timeout_s && !r->min_interval_s) {
        r->retries = RETRIES_DEFAULT;
        r->timeout_s = TIMEOUT_DEFAULT_S;
    }
    char **str = !strcmp(key, "event")     ? &r->event
                 : !strcmp(key, "webhook") ? &r->webhook
                 : !strcmp(key, "command") ? &r->command
                                           : NULL;
    if (str) {
        if (*str)
            return "given twice";
        if (!*value)
            return "must not be empty";
        if (str == &r->event && !td_event_pattern_valid(value))
            return "event is not an event type (task.overdue, task.completed, agent.late, "
                   "agent.silent, agent.online, obstacle.opened, obstacle.resolved, "
                   "store.near_full, report.rejected), a family such as \"task\", or \"*\"";
        if (str == &r->webhook && strncmp(value, "http://", 7) && strncmp(value, "https://", 8))
            return "webhook must be an http:// or https:// URL";
        *str = strdup(value);
        return *str ? NULL : "out of memory";
    }
    if (!strcmp(key, "filter"))
        return r->n_filters ? "given twice" : s_set_filter(r, value);
    if (!strcmp(key, "min_interval"))
        return s_int(value, 0, 86400 * 30, &r->min_interval_s)
                   ? NULL
                   : "min_interval must be a whole number of seconds, 0..2592000";
    if (!strcmp(key, "retries"))
        return s_int(value, 0, 10, &r->retries) ? NULL : "retries must be a number in 0..10";
    if (!strcmp(key, "timeout"))
        return s_int(value, 1, 300, &r->timeout_s) ? NULL : "timeout must be seconds in 1..300";
    return "unknown key (event, filter, min_interval, webhook, command, retries, timeout)";
}

const char *td_alert_rule_check(const td_alert_rule *r)
{
    if (!r->event)
        return "has no event";
    if (!r->webhook && !r->command)
        return "has neither a webhook nor a command";
    return NULL;
}

void td_alert_rule_fini(td_alert_rule *r)
{
    free(r->name);
    free(r->event);
    free(r->webhook);
    free(r->command);
    for (size_t i = 0; i < r->n_filters; i++) {
        free(r->filter_key[i]);
        free(r->filter_value[i]);
    }
    memset(r, 0, sizeof *r);
}

static bool s_matches(const td_alert_rule *r, const char *type, const json_t *event)
{
    if (!td_event_pattern_matches(r->event, type))
        return false;
    for (size_t i = 0; i < r->n_filters; i++) {
        const char *v = json_string_value(json_object_get(event, r->filter_key[i]));
        if (!v || strcmp(v, r->filter_value[i]))
            return false;
    }
    return true;
}

/* ---- delivery ---- */

typedef struct {
    const td_alert_rule *rule;
    CURL *curl;
    char error[256];
} s_attempt;

static size_t s_discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

static bool s_post(s_attempt *a, const char *body)
{
    curl_easy_reset(a->curl);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    char agent[64];
    snprintf(agent, sizeof agent, "tiendo-collector/%s", TIENDO_VERSION);
    curl_easy_setopt(a->curl, CURLOPT_URL, a->rule->webhook);
    curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(a->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(a->curl, CURLOPT_USERAGENT, agent);
    curl_easy_setopt(a->curl, CURLOPT_TIMEOUT, (long)a->rule->timeout_s);
    curl_easy_setopt(a->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(a->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, s_discard);
    CURLcode rc = curl_easy_perform(a->curl);
    long status = 0;
    curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK)
        snprintf(a->error, sizeof a->error, "%s", curl_easy_strerror(rc));
    else if (status < 200 || status > 299)
        snprintf(a->error, sizeof a->error, "HTTP status %ld", status);
    return rc == CURLE_OK && status >= 200 && status <= 299;
}

/* Runs the rule's command with body on its standard input; waits up to the timeout. */
static bool s_run(s_attempt *a, const char *body, const char *type)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        snprintf(a->error, sizeof a->error, "pipe: %s", strerror(errno));
        return false;
    }
    char rule_env[256], type_env[64];
    snprintf(rule_env, sizeof rule_env, "TIENDO_ALERT_RULE=%s", a->rule->name);
    snprintf(type_env, sizeof type_env, "TIENDO_EVENT_TYPE=%s", type);
    size_t n = 0;
    while (environ[n])
        n++;
    char **envp = calloc(n + 3, sizeof *envp);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
    /* Its own process group (killed whole at the timeout), default signal dispositions (the
     * collector ignores SIGPIPE). */
    sigset_t dfl;
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigdefault(&attr, &dfl);
    pid_t pid = -1;
    int rc = ENOMEM;
    if (envp) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (strncmp(environ[i], "TIENDO_ALERT_RULE=", 18) &&
                strncmp(environ[i], "TIENDO_EVENT_TYPE=", 18))
                envp[k++] = environ[i];
        envp[k++] = rule_env;
        envp[k++] = type_env;
        char *argv[] = {"/bin/sh", "-c", a->rule->command, NULL};
        rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp);
    }
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(envp);
    close(fds[0]);
    if (rc) {
        close(fds[1]);
        snprintf(a->error, sizeof a->error, "cannot run the command: %s", strerror(rc));
        return false;
    }
    /* A command that does not read its input gets EPIPE, not a signal: SIGPIPE is ignored. */
    size_t len = strlen(body), off = 0;
    while (off < len) {
        ssize_t w = write(fds[1], body + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fds[1]);
    int status = 0;
    int64_t deadline = zclock_mono() + (int64_t)a->rule->timeout_s * 1000;
    pid_t done;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 && zclock_mono() < deadline)
        zclock_sleep(20);
    if (done == 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
        snprintf(a->error, sizeof a->error, "timed out after %d s", a->rule->timeout_s);
        return false;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFEXITED(status))
        snprintf(a->error, sizeof a->error, "exit status %d", WEXITSTATUS(status));
    else
        snprintf(a->error, sizeof a->error, "killed by signal %d",
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return false;
}

typedef struct {
    td_alert_rule *rules;
    size_t n;
    td_store *store;
    zlist_t *pending; /* deliveries received during a retry's pause, in order (zmsg_t) */
} s_shared;

static td_err s_put_record(td_txn *txn, void *arg)
{
    return td_store_put_alert(txn, arg, NULL);
}

static void s_record(td_store *store, json_t *rec)
{
    char when[26];
    td_time_format(td_clock_now(), when);
    json_object_set_new(rec, "time", json_string(when));
    char *doc = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
    td_errmsg why;
    if (!doc || td_store_update(store, s_put_record, doc, &why) != TD_OK)
        td_log_error("cannot record an alert", "error=\"%s\"", doc ? why.text : "out of memory");
    free(doc);
}

/* Waits ms before a retry. Deliveries that arrive meanwhile are kept, in order, for later;
 * returns false when the collector is stopping. */
static bool s_pause(zsock_t *pipe, s_shared *sh, int ms)
{
    int64_t end = zclock_mono() + ms;
    zpoller_t *p = zpoller_new(pipe, NULL);
    bool running = p != NULL;
    for (int64_t left = ms; running && left > 0; left = end - zclock_mono()) {
        if (!zpoller_wait(p, (int)left)) {
            running = !zpoller_terminated(p);
            continue;
        }
        zmsg_t *msg = zmsg_recv(pipe);
        char *cmd = msg ? zmsg_popstr(msg) : NULL;
        running = cmd && strcmp(cmd, "$TERM");
        if (running) {
            zmsg_pushstr(msg, cmd);
            zlist_append(sh->pending, msg);
            msg = NULL;
        }
        zstr_free(&cmd);
        zmsg_destroy(&msg);
    }
    zpoller_destroy(&p);
    return running;
}

/* Delivers one event to one rule's targets, with retries; records the outcome. Returns false
 * when the collector asked to stop meanwhile (the outcome is still recorded). */
static bool s_deliver(zsock_t *pipe, s_shared *sh, CURL *curl, size_t rule_i, const char *type,
                      json_t *event, int suppressed)
{
    const td_alert_rule *r = &sh->rules[rule_i];
    json_t *payload = json_pack("{s:s, s:O}", "alert", r->name, "event", event);
    json_object_set(payload, "text", json_object_get(event, "text"));
    char *body = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(payload);
    json_t *outcomes = json_array();
    bool all_ok = true, running = true;
    for (int target = 0; target < 2 && body; target++) {
        const char *dest = target == 0 ? r->webhook : r->command;
        if (!dest)
            continue;
        s_attempt a = {.rule = r, .curl = curl};
        bool ok = false;
        int attempts = 0, backoff = 1000;
        while (!ok && attempts <= r->retries) {
            if (attempts && !(running = s_pause(pipe, sh, backoff)))
                break;
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            attempts++;
            a.error[0] = '\0';
            ok = target == 0 ? s_post(&a, body) : s_run(&a, body, type);
            if (!ok)
                td_log_warning("alert delivery failed", "rule=%s to=%s attempt=%d error=\"%s\"",
                               r->name, target == 0 ? "webhook" : "command", attempts, a.error);
        }
        all_ok = all_ok && ok;
        json_array_append_new(outcomes,
                              json_pack("{s:s, s:s, s:b, s:i, s:s?}", "to",
                                        target == 0 ? "webhook" : "command", "target", dest, "ok",
                                        ok, "attempts", attempts, "error", ok ? NULL : a.error));
        if (!running)
            break;
    }
    free(body);
    td_log_info(all_ok ? "alert delivered" : "alert not delivered", "rule=%s event=%s", r->name,
                type);
    json_t *rec = json_pack("{s:s, s:s, s:O?, s:O?, s:O?, s:s, s:i, s:o}", "rule", r->name, "event",
                            type, "event_seq", json_object_get(event, "seq"), "event_time",
                            json_object_get(event, "time"), "text", json_object_get(event, "text"),
                            "status", all_ok ? "delivered" : "failed", "suppressed_before",
                            suppressed, "deliveries", outcomes);
    if (rec) {
        s_record(sh->store, rec);
        json_decref(rec);
    }
    return running;
}

static void s_actor(zsock_t *pipe, void *arg)
{
    s_shared *sh = arg;
    CURL *curl = curl_easy_init();
    sh->pending = zlist_new();
    zsock_signal(pipe, 0);
    while (curl && sh->pending) {
        zmsg_t *msg = zlist_pop(sh->pending);
        if (!msg)
            msg = zmsg_recv(pipe);
        if (!msg)
            break;
        char *cmd = zmsg_popstr(msg);
        bool stop = !cmd || !strcmp(cmd, "$TERM");
        if (!stop && !strcmp(cmd, "DELIVER") && zmsg_size(msg) == 4) {
            char *rule = zmsg_popstr(msg), *type = zmsg_popstr(msg), *doc = zmsg_popstr(msg),
                 *supp = zmsg_popstr(msg);
            json_t *event = doc ? json_loads(doc, 0, NULL) : NULL;
            size_t i = rule ? strtoul(rule, NULL, 10) : sh->n;
            if (event && type && i < sh->n)
                stop = !s_deliver(pipe, sh, curl, i, type, event, supp ? atoi(supp) : 0);
            json_decref(event);
            zstr_free(&rule);
            zstr_free(&type);
            zstr_free(&doc);
            zstr_free(&supp);
        }
        zstr_free(&cmd);
        zmsg_destroy(&msg);
        if (stop)
            break;
    }
    for (zmsg_t *m = zlist_pop(sh->pending); m; m = zlist_pop(sh->pending))
        zmsg_destroy(&m);
    zlist_destroy(&sh->pending);
    curl_easy_cleanup(curl);
}

struct td_alerts {
    s_shared shared;
    zactor_t *actor;
    td_time *last_fired; /* per rule */
    int *suppressed;     /* per rule: matches not delivered since the last delivery */
};

td_alerts *td_alerts_new(const td_alert_rule *rules, size_t n, td_store *store)
{
    static bool curl_ready;
    if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        td_log_error("cannot initialize libcurl for alert webhooks", NULL);
        return NULL;
    }
    curl_ready = true;
    td_alerts *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->shared.store = store;
    self->shared.rules = calloc(n ? n : 1, sizeof *self->shared.rules);
    self->last_fired = calloc(n ? n : 1, sizeof *self->last_fired);
    self->suppressed = calloc(n ? n : 1, sizeof *self->suppressed);
    if (!self->shared.rules || !self->last_fired || !self->suppressed) {
        td_alerts_destroy(&self);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        td_alert_rule *r = &self->shared.rules[i];
        *r = rules[i];
        r->name = strdup(rules[i].name);
        r->event = strdup(rules[i].event);
        r->webhook = rules[i].webhook ? strdup(rules[i].webhook) : NULL;
        r->command = rules[i].command ? strdup(rules[i].command) : NULL;
        for (size_t f = 0; f < r->n_filters; f++) {
            r->filter_key[f] = strdup(rules[i].filter_key[f]);
            r->filter_value[f] = strdup(rules[i].filter_value[f]);
        }
        self->shared.n++;
    }
    self->actor = zactor_new(s_actor, &self->shared);
    if (!self->actor) {
        td_alerts_destroy(&self);
        return NULL;
    }
    zsock_t *pipe = zactor_sock(self->actor);
    zsock_set_sndtimeo(pipe, 0);
    zsock_set_sndhwm(pipe, QUEUE_MAX);
    return self;
}

void td_alerts_destroy(td_alerts **self_p)
{
    td_alerts *self = *self_p;
    if (!self)
        return;
    zactor_destroy(&self->actor);
    for (size_t i = 0; i < self->shared.n; i++)
        td_alert_rule_fini(&self->shared.rules[i]);
    free(self->shared.rules);
    free(self->last_fired);
    free(self->suppressed);
    free(self);
    *self_p = NULL;
}

void td_alerts_offer(td_alerts *self, const char *type, const json_t *event, td_time now)
{
    char *doc = NULL;
    for (size_t i = 0; i < self->shared.n; i++) {
        const td_alert_rule *r = &self->shared.rules[i];
        if (!s_matches(r, type, event))
            continue;
        if (r->min_interval_s && self->last_fired[i] &&
            now - self->last_fired[i] < r->min_interval_s) {
            self->suppressed[i]++;
            td_log_debug("alert held back by min_interval", "rule=%s event=%s", r->name, type);
            continue;
        }
        if (!doc && !(doc = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER)))
            return;
        char idx[24], supp[24];
        snprintf(idx, sizeof idx, "%zu", i);
        snprintf(supp, sizeof supp, "%d", self->suppressed[i]);
        if (zstr_sendx(self->actor, "DELIVER", idx, type, doc, supp, NULL) != 0) {
            td_log_error("alert queue full: delivery dropped", "rule=%s event=%s", r->name, type);
            json_t *rec =
                json_pack("{s:s, s:s, s:O?, s:s, s:s, s:i, s:[]}", "rule", r->name, "event", type,
                          "event_seq", json_object_get(event, "seq"), "status", "dropped", "error",
                          "more than 1000 deliveries were waiting", "suppressed_before",
                          self->suppressed[i], "deliveries");
            if (rec) {
                s_record(self->shared.store, rec);
                json_decref(rec);
            }
            continue;
        }
        self->last_fired[i] = now;
        self->suppressed[i] = 0;
    }
    free(doc);
}
