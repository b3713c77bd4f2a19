/* tiendo watch: prints the collector's live events as they come (docs/events.md). A CURVE SUB
 * socket on the collector's events endpoint, subscribed to the chosen types; a socket monitor
 * tells a refused credential from a collector that is not there yet. */
#include "cli.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "tiendo/events.h"
#include "tiendo/keys.h"

#define MONITOR_EP "inproc://tiendo-watch-monitor"
#define FILTERS_MAX 16

typedef struct {
    const char *endpoint;
    bool json;
    const char *filters[FILTERS_MAX];
    size_t n_filters;
} s_watch;

/* The events endpoint when --events is not given: $TIENDO_EVENTS, else the collector's host
 * with port 7703 (the collector's default layout: 7701 agents, 7702 queries, 7703 events). */
static const char *s_default_endpoint(const char *collector, char *buf, size_t cap)
{
    const char *env = getenv("TIENDO_EVENTS");
    if (env && *env)
        return env;
    const char *colon = strrchr(collector, ':');
    if (!colon || colon < strstr(collector, "://") + 3)
        return NULL;
    snprintf(buf, cap, "%.*s:7703", (int)(colon - collector), collector);
    return buf;
}

static int s_parse(s_watch *w, const td_param *p, size_t n, bool json)
{
    w->json = json;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(p[i].name, "events")) {
            w->endpoint = p[i].value;
            continue;
        }
        if (strcmp(p[i].name, "filter")) {
            fprintf(stderr, "tiendo watch: unknown option --%s (see tiendo --help)\n", p[i].name);
            return TD_CLI_EXIT_USAGE;
        }
        /* --filter TYPE, repeatable, or TYPE,TYPE */
        char *save = NULL;
        for (char *t = strtok_r(p[i].value, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (!td_event_pattern_valid(t)) {
                fprintf(stderr,
                        "tiendo watch: --filter \"%s\" is not an event type or family (%s)\n", t,
                        td_event_type_list());
                return TD_CLI_EXIT_USAGE;
            }
            if (w->n_filters == FILTERS_MAX) {
                fprintf(stderr, "tiendo watch: more than %d filters\n", FILTERS_MAX);
                return TD_CLI_EXIT_USAGE;
            }
            w->filters[w->n_filters++] = t;
        }
    }
    return 0;
}

static void s_print(const s_watch *w, const char *type, const char *doc, size_t len)
{
    if (w->json) {
        printf("%.*s\n", (int)len, doc);
    } else {
        json_t *e = json_loadb(doc, len, 0, NULL);
        const char *when = json_string_value(json_object_get(e, "time"));
        const char *text = json_string_value(json_object_get(e, "text"));
        printf("%s  %-17s  %s\n", when ? when : "-", type, text ? text : "");
        json_decref(e);
    }
    fflush(stdout);
}

/* One monitor event: returns an exit code when watching must stop, else -1. */
static int s_on_monitor(void *mon, const char *endpoint)
{
    zmq_msg_t head, addr;
    zmq_msg_init(&head);
    zmq_msg_init(&addr);
    int rc = -1;
    if (zmq_msg_recv(&head, mon, 0) >= 6 && zmq_msg_more(&head) &&
        zmq_msg_recv(&addr, mon, 0) >= 0) {
        uint16_t event;
        memcpy(&event, zmq_msg_data(&head), sizeof event);
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            fprintf(stderr,
                    "tiendo watch: the collector at %s refused this credential (events need an "
                    "enrolled, unrevoked operator or admin key)\n",
                    endpoint);
            rc = TD_CLI_EXIT_REFUSED;
        } else if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED && isatty(STDERR_FILENO)) {
            fprintf(stderr, "tiendo watch: connected to %s (Ctrl-C to stop)\n", endpoint);
        }
    }
    zmq_msg_close(&head);
    zmq_msg_close(&addr);
    return rc;
}

int td_cli_watch(const char *collector, const char *cred_path, const td_param *p, size_t n,
                 bool json)
{
    s_watch w = {0};
    int rc = s_parse(&w, p, n, json);
    if (rc)
        return rc;
    char buf[512];
    if (!w.endpoint && !(w.endpoint = s_default_endpoint(collector, buf, sizeof buf))) {
        fprintf(stderr,
                "tiendo watch: cannot tell the events endpoint from \"%s\": give "
                "--events EP\n",
                collector);
        return TD_CLI_EXIT_USAGE;
    }
    td_cred cred;
    td_errmsg why;
    if (td_keys_load(cred_path, &cred, &why) != TD_OK) {
        fprintf(stderr, "tiendo: %s\n", why.text);
        return TD_CLI_EXIT_USAGE;
    }
    if (!strcmp(cred.role, "agent")) {
        fprintf(stderr, "tiendo watch: agent keys cannot watch events; use an operator "
                        "credential\n");
        return TD_CLI_EXIT_REFUSED;
    }
    zsys_init();
    zsys_set_linger(0);
    zsock_t *sub = zsock_new(ZMQ_SUB);
    zsock_t *mon = zsock_new(ZMQ_PAIR);
    rc = TD_CLI_EXIT_USAGE;
    if (!sub || !mon)
        goto done;
    zsock_set_linger(sub, 0);
    zsock_set_curve_serverkey(sub, cred.collector_txt);
    zsock_set_curve_publickey(sub, cred.public_txt);
    zsock_set_curve_secretkey(sub, cred.secret_txt);
    zsock_set_maxmsgsize(sub, 1 << 20);
    zsock_set_rcvhwm(sub, 100000);
    memset(&cred, 0, sizeof cred);
    for (size_t i = 0; i < w.n_filters; i++)
        zsock_set_subscribe(sub, strcmp(w.filters[i], "*") ? w.filters[i] : "");
    if (!w.n_filters)
        zsock_set_subscribe(sub, "");
    if (zmq_socket_monitor(zsock_resolve(sub), MONITOR_EP,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED) ||
        zsock_connect(mon, MONITOR_EP) || zsock_connect(sub, "%s", w.endpoint)) {
        fprintf(stderr, "tiendo watch: cannot connect to \"%s\"\n", w.endpoint);
        goto done;
    }
    rc = 0;
    while (!zsys_interrupted && rc == 0) {
        zmq_pollitem_t items[] = {{zsock_resolve(sub), 0, ZMQ_POLLIN, 0},
                                  {zsock_resolve(mon), 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, 1000) < 0)
            break;
        if (items[1].revents & ZMQ_POLLIN) {
            int stop = s_on_monitor(zsock_resolve(mon), w.endpoint);
            if (stop >= 0)
                rc = stop;
        }
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        zmsg_t *m = zmsg_recv(sub);
        if (m && zmsg_size(m) == 2) {
            char *type = zmsg_popstr(m);
            zframe_t *doc = zmsg_pop(m);
            s_print(&w, type, (const char *)zframe_data(doc), zframe_size(doc));
            zstr_free(&type);
            zframe_destroy(&doc);
        }
        zmsg_destroy(&m);
    }
done:
    if (sub)
        zmq_socket_monitor(zsock_resolve(sub), NULL, 0);
    zsock_destroy(&mon);
    zsock_destroy(&sub);
    return rc;
}
