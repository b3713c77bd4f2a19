/* The collector's ZAP handler. */
#ifndef TIENDO_COLLECTOR_ZAP_H
#define TIENDO_COLLECTOR_ZAP_H

#include <czmq.h>

#include "tiendo/store.h"

#define TD_ZAP_DOMAIN "tiendo" /* agents' and queries' sockets: agent, operator, admin */
#define TD_ZAP_DOMAIN_EVENTS "tiendo-events" /* the events socket: operator and admin keys only */

/* Starts the handler and returns once it is bound (NULL if it could not bind). CURVE sockets
 * must be bound after this returns: with no handler, libzmq admits any key. */
zactor_t *td_zap_start(td_store *store);

#endif
