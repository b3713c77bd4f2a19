/* Per-key rate limit for agents' messages: a token bucket per key. */
#ifndef TIENDO_COLLECTOR_RATELIMIT_H
#define TIENDO_COLLECTOR_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct td_ratelimit td_ratelimit;

/* rate: messages per second refilled; burst: the bucket's size. rate 0 disables the limit. */
td_ratelimit *td_ratelimit_new(double rate, double burst);
void td_ratelimit_destroy(td_ratelimit **self_p);
/* Takes one token for key at now_ms (a monotonic clock); false when the bucket is empty. */
bool td_ratelimit_allow(td_ratelimit *self, const char *key, int64_t now_ms);

#endif
