/* The collector's HTTP listener: /metrics (Prometheus text), /healthz, and read-only JSON
 * queries under /api/v1/ mirroring the CLI. It runs in libmicrohttpd's own thread and only
 * reads: the store through read transactions, the counters atomically. */
#ifndef TIENDO_COLLECTOR_HTTP_H
#define TIENDO_COLLECTOR_HTTP_H

#include "metrics.h"
#include "tiendo/err.h"
#include "tiendo/store.h"

typedef struct td_http td_http;

/* Listens on addr ("HOST:PORT"; HOST an IPv4 address, PORT 0 for any free port). On a loopback
 * address every request is served; on any other, every request but /healthz needs an
 * operator's bearer token (tiendo-collector enroll --operator NAME --token). */
td_err td_http_start(const char *addr, td_store *store, td_metrics *metrics, td_http **out,
                     td_errmsg *why);
/* Serves the dashboard's files from dir: "/" is dir/index.html, "/static/NAME" is dir/NAME
 * (NAME of [A-Za-z0-9._-], no leading dot). */
void td_http_set_web(td_http *self, const char *dir);
/* The port bound (useful with port 0). */
int td_http_port(const td_http *self);
void td_http_stop(td_http **self_p);

#endif
