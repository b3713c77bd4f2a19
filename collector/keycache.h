/* The collector's view of enrolled keys, for checking every message's sender. */
#ifndef TIENDO_COLLECTOR_KEYCACHE_H
#define TIENDO_COLLECTOR_KEYCACHE_H

#include <stdbool.h>

#include "tiendo/store.h"

typedef struct td_keycache td_keycache;

td_keycache *td_keycache_new(td_store *store);
void td_keycache_destroy(td_keycache **self_p);
/* Reloads when the store's keys generation changed. */
void td_keycache_refresh(td_keycache *self);
/* True once after a reload found that a key valid before is now revoked: live connections must
 * then be closed. */
bool td_keycache_take_revocation(td_keycache *self);
/* The valid (enrolled, unrevoked) key with this Z85 text, or NULL. A miss refreshes once, so
 * a key enrolled a moment ago is found. Valid until the next refresh. */
const td_keyrec *td_keycache_find(td_keycache *self, const char *z85);

#endif
