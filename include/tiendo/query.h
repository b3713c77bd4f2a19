/* Operators' queries, evaluated over a consistent snapshot of the store at an instant.
 * The collector runs them for the CLI (and later the HTTP API); results are JSON documents
 * whose keys are part of tiendo's interface (docs/protocol.md). */
#ifndef TIENDO_QUERY_H
#define TIENDO_QUERY_H

#include "tiendo/store.h"
#include "tiendo/wire.h"

/* Runs `command` (summary, tasks, agents, reports) with its parameters (names without the
 * leading dashes, e.g. "as-of", "lead"). `now` is the default as-of instant and the clock for
 * liveness. On success *json_out is a malloc'd NUL-terminated document the caller frees.
 * TD_EINVAL with a message for an unknown command, an unknown parameter or a bad value. */
td_err td_query_run(td_store *store, const char *command, const td_param *params, size_t n,
                    td_time now, char **json_out, td_errmsg *why);

/* Liveness of an agent at `now`: "online", "late" (no contact for more than 2 intervals) or
 * "silent" (more than 6). interval_s 0 reads as TD_QUERY_DEFAULT_INTERVAL. */
#define TD_QUERY_DEFAULT_INTERVAL 300
const char *td_query_liveness(td_time last_contact, uint32_t interval_s, td_time now);

#endif
