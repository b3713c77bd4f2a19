/* tiendo: the operators' command-line client. */
#ifndef TIENDO_CLI_H
#define TIENDO_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "tiendo/wire.h"

typedef enum { TD_OUT_TEXT, TD_OUT_JSON, TD_OUT_CSV } td_out_format;

#define TD_CLI_EXIT_QUERY 1 /* the collector refused the query as given */
#define TD_CLI_EXIT_USAGE 2
#define TD_CLI_EXIT_REFUSED 3    /* the credential may not query */
#define TD_CLI_EXIT_UNREACHED 75 /* no answer in time */

/* A connection to the collector's query socket, with a credential file. */
typedef struct td_client td_client;

/* Connects; on failure prints why, sets *rc to an exit code and returns NULL. */
td_client *td_client_new(const char *endpoint, const char *cred_path, int timeout_s, int *rc);
void td_client_destroy(td_client **self_p);
/* Runs one query; on success *out is the result document (the caller decrefs it) and 0 is
 * returned; otherwise the reason is printed and an exit code returned. */
int td_client_query(td_client *self, const char *command, const td_param *p, size_t n,
                    json_t **out);

/* Prints a query's result document in the chosen format. Returns 0, or 2 when the format is
 * not offered for this command. */
int td_cli_render(const char *command, json_t *doc, td_out_format fmt);

/* tiendo report: the steering-committee briefing, built from several queries. Options (names
 * without dashes): as-of, since, format (md|html), out (a file; default stdout). Returns an
 * exit code. */
int td_cli_report(td_client *client, const td_param *p, size_t n);

/* tiendo watch: prints live events until interrupted. Options (names without dashes): events
 * (the endpoint; default $TIENDO_EVENTS, else the collector's host with port 7703), filter
 * (event types or families, comma-separated, repeatable). Returns an exit code. */
int td_cli_watch(const char *collector, const char *cred_path, const td_param *p, size_t n,
                 bool json);

#endif
