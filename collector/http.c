#include "clock.h"
#include "http.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tiendo/keys.h"
#include "tiendo/query.h"

#define API_PREFIX "/api/v1/"
#define MAX_PARAMS 16

struct td_http {
    struct MHD_Daemon *daemon;
    td_store *store;
    td_metrics *metrics;
    int port;
    char web[4096];  /* the dashboard's directory; "" serves none */
    bool need_token; /* listening beyond loopback: every request but /healthz needs a token */
};

static enum MHD_Result s_send(struct MHD_Connection *c, unsigned status, const char *type,
                              char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result s_send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    char *body = strdup(text);
    return body ? s_send(c, status, "text/plain; charset=utf-8", body, strlen(body)) : MHD_NO;
}

typedef struct {
    td_param params[MAX_PARAMS];
    size_t n;
    bool overflow;
} s_args;

static enum MHD_Result s_collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    s_args *a = cls;
    if (a->n == MAX_PARAMS) {
        a->overflow = true;
        return MHD_NO;
    }
    a->params[a->n++] = (td_param){(char *)key, (char *)(value ? value : "")};
    return MHD_YES;
}

/* GET /api/v1/COMMAND?name=value&...: the CLI's queries, as JSON. */
static enum MHD_Result s_api(td_http *h, struct MHD_Connection *c, const char *command)
{
    s_args a = {.n = 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, s_collect_arg, &a);
    if (a.overflow)
        return s_send_text(c, MHD_HTTP_BAD_REQUEST, "too many parameters\n");
    char *json = NULL;
    td_errmsg why;
    td_err err = td_query_run(h->store, command, a.params, a.n, td_clock_now(), &json, &why);
    if (err) {
        json_t *e = json_pack("{s:s}", "error", why.text);
        char *body = e ? json_dumps(e, JSON_COMPACT) : NULL;
        json_decref(e);
        unsigned status = err == TD_EINVAL ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_SERVICE_UNAVAILABLE;
        return body ? s_send(c, status, "application/json", body, strlen(body)) : MHD_NO;
    }
    return s_send(c, MHD_HTTP_OK, "application/json", json, strlen(json));
}

/* Runs a query in-process for the metrics page; NULL on failure. */
static json_t *s_query(td_http *h, const char *command, const td_param *p, size_t n)
{
    char *text = NULL;
    td_errmsg why;
    if (td_query_run(h->store, command, p, n, td_clock_now(), &text, &why) != TD_OK)
        return NULL;
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    return doc;
}

static void s_metric(FILE *f, const char *name, const char *type, const char *help,
                     unsigned long long v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
}

static void s_counters(FILE *f, td_metrics *m)
{
    s_metric(f, "tiendo_reports_received_total", "counter", "Reports received from agents.",
             atomic_load(&m->reports_received));
    s_metric(f, "tiendo_reports_accepted_total", "counter", "Reports stored.",
             atomic_load(&m->reports_accepted));
    s_metric(f, "tiendo_reports_duplicate_total", "counter",
             "Resent reports acknowledged again without being applied.",
             atomic_load(&m->reports_duplicate));
    s_metric(f, "tiendo_reports_refused_total", "counter",
             "Reports refused whole (another agency, malformed, rate limit, store unavailable).",
             atomic_load(&m->reports_refused));
    s_metric(f, "tiendo_items_rejected_total", "counter", "Items rejected inside stored reports.",
             atomic_load(&m->items_rejected));
    unsigned long long count = atomic_load(&m->commits);
    fprintf(f, "# HELP tiendo_commit_duration_seconds Durable batch commits.\n"
               "# TYPE tiendo_commit_duration_seconds histogram\n");
    for (int i = 0; i < TD_COMMIT_BUCKETS; i++)
        fprintf(f, "tiendo_commit_duration_seconds_bucket{le=\"%g\"} %llu\n", td_commit_bounds_s[i],
                atomic_load(&m->commit_le[i]));
    fprintf(f, "tiendo_commit_duration_seconds_bucket{le=\"+Inf\"} %llu\n", count);
    fprintf(f, "tiendo_commit_duration_seconds_sum %.6f\n",
            (double)atomic_load(&m->commit_us_sum) / 1e6);
    fprintf(f, "tiendo_commit_duration_seconds_count %llu\n", count);
}

static void s_agents(FILE *f, td_http *h)
{
    json_t *doc = s_query(h, "agents", NULL, 0);
    json_t *rows = json_object_get(doc, "agents"), *row;
    size_t i, online = 0, late = 0, silent = 0;
    fprintf(f, "# HELP tiendo_agent_outbox_depth Reports queued at each agent, as it last said.\n"
               "# TYPE tiendo_agent_outbox_depth gauge\n");
    json_array_foreach(rows, i, row)
    {
        const char *state = json_string_value(json_object_get(row, "state"));
        online += state && !strcmp(state, "online");
        late += state && !strcmp(state, "late");
        silent += state && !strcmp(state, "silent");
        fprintf(f, "tiendo_agent_outbox_depth{agency=\"%s\",key=\"%.8s\"} %lld\n",
                json_string_value(json_object_get(row, "agency")),
                json_string_value(json_object_get(row, "key")),
                (long long)json_integer_value(json_object_get(row, "outbox_depth")));
    }
    fprintf(f,
            "# HELP tiendo_agents Agent keys by liveness.\n# TYPE tiendo_agents gauge\n"
            "tiendo_agents{state=\"online\"} %zu\ntiendo_agents{state=\"late\"} %zu\n"
            "tiendo_agents{state=\"silent\"} %zu\n",
            online, late, silent);
    json_decref(doc);
}

static void s_domain(FILE *f, td_http *h)
{
    static const char *classes[] = {"completed", "on_schedule", "overdue", "regular", "unreported"};
    json_t *doc = s_query(h, "summary", NULL, 0);
    fprintf(f, "# HELP tiendo_tasks Tasks by class now.\n# TYPE tiendo_tasks gauge\n");
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        fprintf(f, "tiendo_tasks{class=\"%s\"} %lld\n", classes[i],
                (long long)json_integer_value(json_object_get(doc, classes[i])));
    json_decref(doc);
    td_param open = {"state", "open"};
    doc = s_query(h, "obstacles", &open, 1);
    s_metric(f, "tiendo_obstacles_open", "gauge", "Open difficulties reported by agencies.",
             (unsigned long long)json_integer_value(json_object_get(doc, "total")));
    json_decref(doc);
    size_t used, map, max;
    td_store_usage(h->store, &used, &map, &max);
    s_metric(f, "tiendo_store_used_bytes", "gauge", "Bytes of the store in use.", used);
    s_metric(f, "tiendo_store_map_bytes", "gauge", "Size of the store's map now.", map);
    s_metric(f, "tiendo_store_map_max_bytes", "gauge", "Largest the map may grow to.", max);
}

static enum MHD_Result s_metrics(td_http *h, struct MHD_Connection *c)
{
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (!f)
        return s_send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    s_counters(f, h->metrics);
    s_agents(f, h);
    s_domain(f, h);
    fclose(f);
    return s_send(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

static const char *s_content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".svg", "image/svg+xml"},
                 {".png", "image/png"},
                 {".json", "application/json"},
                 {".woff2", "font/woff2"}};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

/* A file of the dashboard: names are checked so that nothing outside its directory is read. */
static enum MHD_Result s_static(td_http *h, struct MHD_Connection *c, const char *name)
{
    if (!h->web[0] || !name[0] || name[0] == '.' || strlen(name) > 128 ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            strlen(name))
        return s_send_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", h->web, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return s_send_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    char *body = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[8192];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n > cap) {
            char *grown = realloc(body, cap = (len + n) * 2);
            if (!grown)
                break;
            body = grown;
        }
        memcpy(body + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!body)
        body = strdup("");
    return body ? s_send(c, MHD_HTTP_OK, s_content_type(name), body, len) : MHD_NO;
}

typedef struct {
    uint8_t digest[32];
    td_keyrec rec;
} s_token;

static td_err s_token_fn(td_txn *txn, void *arg)
{
    s_token *t = arg;
    return td_store_get_key(txn, t->digest, &t->rec);
}

/* True when the request carries "Authorization: Bearer TOKEN" of an unrevoked operator token. */
static bool s_authorized(td_http *h, struct MHD_Connection *c)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!auth || strncmp(auth, "Bearer ", 7) || strlen(auth + 7) != TD_TOKEN_LEN)
        return false;
    s_token t;
    td_keys_token_digest(auth + 7, t.digest);
    return td_store_view(h->store, s_token_fn, &t, NULL) == TD_OK && t.rec.role == TD_ROLE_TOKEN &&
           !t.rec.revoked;
}

static enum MHD_Result s_unauthorized(struct MHD_Connection *c)
{
    char *body = strdup("an operator token is required: Authorization: Bearer TOKEN\n");
    struct MHD_Response *r =
        body ? MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE) : NULL;
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"tiendo\"");
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    td_http *h = cls;
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return s_send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
    if (h->need_token && strcmp(url, "/healthz") && !s_authorized(h, c))
        return s_unauthorized(c);
    if (!strcmp(url, "/metrics"))
        return s_metrics(h, c);
    if (!strcmp(url, "/healthz"))
        return atomic_load(&h->metrics->store_ok)
                   ? s_send_text(c, MHD_HTTP_OK, "ok\n")
                   : s_send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "cannot commit\n");
    if (!strncmp(url, API_PREFIX, strlen(API_PREFIX)))
        return s_api(h, c, url + strlen(API_PREFIX));
    if (!strcmp(url, "/"))
        return s_static(h, c, "index.html");
    if (!strncmp(url, "/static/", 8))
        return s_static(h, c, url + 8);
    return s_send_text(c, MHD_HTTP_NOT_FOUND, "not found: /metrics, /healthz, /api/v1/QUERY\n");
}

static td_err s_parse_addr(const char *addr, struct sockaddr_in *sa, bool *loopback, td_errmsg *why)
{
    char host[64];
    const char *colon = strrchr(addr, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host || !colon[1] || *end ||
        port < 0 || port > 65535)
        return td_fail(why, TD_EINVAL, "http \"%s\" is not HOST:PORT (or off)", addr);
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return td_fail(why, TD_EINVAL, "http \"%s\": %s is not an IPv4 address", addr, host);
    *loopback = (ntohl(sa->sin_addr.s_addr) >> 24) == 127;
    return TD_OK;
}

td_err td_http_start(const char *addr, td_store *store, td_metrics *metrics, td_http **out,
                     td_errmsg *why)
{
    struct sockaddr_in sa;
    bool loopback = false;
    td_err err = s_parse_addr(addr, &sa, &loopback, why);
    if (err)
        return err;
    td_http *h = calloc(1, sizeof *h);
    if (!h)
        return td_fail(why, TD_ENOMEM, "out of memory");
    h->store = store;
    h->metrics = metrics;
    h->need_token = !loopback;
    h->daemon =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, s_handle, h,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
                         64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!h->daemon) {
        free(h);
        return td_fail(why, TD_EIO, "http %s: cannot listen", addr);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : 0;
    *out = h;
    return TD_OK;
}

void td_http_set_web(td_http *self, const char *dir)
{
    snprintf(self->web, sizeof self->web, "%s", dir ? dir : "");
}

int td_http_port(const td_http *self)
{
    return self->port;
}

void td_http_stop(td_http **self_p)
{
    if (!self_p || !*self_p)
        return;
    MHD_stop_daemon((*self_p)->daemon);
    free(*self_p);
    *self_p = NULL;
}
