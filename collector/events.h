/* Live events: what changed, published as it happens on the collector's events socket (a
 * CURVE PUB socket that only operator and admin keys may join) and offered to the alert rules.
 * Each message has two frames: the event type (subscribers filter on it by prefix) and a JSON
 * document. Types:
 *   task.overdue, task.completed            from a scan of the tasks by the clock
 *   agent.late, agent.silent, agent.online  from a scan of the agents' liveness by the clock
 *   obstacle.opened, obstacle.resolved      from a scan of the obstacles in effect now
 *   store.near_full                         the store passed 90% of its map limit, or a batch
 *                                           did not fit
 *   report.rejected                         a report (or some of its items) refused
 * The scans compare the state now with the state at the previous scan: the first scan after a
 * start is the baseline and publishes nothing. An actor thread owns the socket and runs the
 * scans once a second (each a read transaction), so that they never delay acknowledgements. */
#ifndef TIENDO_COLLECTOR_EVENTS_H
#define TIENDO_COLLECTOR_EVENTS_H

#include <czmq.h>
#include <jansson.h>

#include "alerts.h"
#include "tiendo/keys.h"
#include "tiendo/store.h"

typedef struct td_events td_events;

/* Starts the actor: binds the PUB socket at endpoint (NULL for no socket: events still reach
 * the alert rules; alerts may be NULL) and takes the baseline scan before returning. Returns
 * NULL (logged) when the socket cannot bind. */
td_events *td_events_new(const char *endpoint, const td_cred *cred, td_store *store,
                         td_alerts *alerts);
void td_events_destroy(td_events **self_p);
/* The endpoint as bound (a wildcard port resolved), or NULL without a socket. */
const char *td_events_endpoint(const td_events *self);
/* Closes and binds the socket again, dropping every subscriber (after a revocation). */
bool td_events_rebind(td_events *self);

/* A report refused whole (code and reason of the nack) or in part (n_rejected items, the first
 * reason given): published by the actor as report.rejected. Never blocks. */
void td_events_rejected(td_events *self, const char *agency, uint64_t seq, const char *code,
                        const char *reason, size_t n_rejected);
/* A batch failed for want of space: published as store.near_full (with "full": true) unless
 * already published since the store was last under 85%. Never blocks. */
void td_events_store_full(td_events *self);

#endif
