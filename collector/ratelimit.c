#include "ratelimit.h"

#include <czmq.h>
#include <stdlib.h>

typedef struct {
    double tokens;
    int64_t at_ms; /* when tokens was computed */
} s_bucket;

struct td_ratelimit {
    double rate;
    double burst;
    zhashx_t *buckets; /* key -> s_bucket; keys are enrolled keys, so the table is bounded */
};

static void s_free(void **item)
{
    free(*item);
    *item = NULL;
}

td_ratelimit *td_ratelimit_new(double rate, double burst)
{
    td_ratelimit *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->rate = rate;
    self->burst = burst;
    self->buckets = zhashx_new();
    zhashx_set_destructor(self->buckets, s_free);
    return self;
}

void td_ratelimit_destroy(td_ratelimit **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->buckets);
    free(*self_p);
    *self_p = NULL;
}

bool td_ratelimit_allow(td_ratelimit *self, const char *key, int64_t now_ms)
{
    if (self->rate <= 0)
        return true;
    s_bucket *b = zhashx_lookup(self->buckets, key);
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b)
            return true; /* out of memory is not the sender's fault */
        b->tokens = self->burst;
        b->at_ms = now_ms;
        zhashx_insert(self->buckets, key, b);
    }
    b->tokens += (double)(now_ms - b->at_ms) * self->rate / 1000.0;
    if (b->tokens > self->burst)
        b->tokens = self->burst;
    b->at_ms = now_ms;
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}
