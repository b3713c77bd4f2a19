/* Framing queued reports for delivery. */
#include "tiendo/wire.h"

#include <stdlib.h>

#include "tiendo/v1/tiendo.pb-c.h"

td_err td_wire_frame_report(const uint8_t *body, size_t len, uint64_t outbox_id, uint64_t seq,
                            uint32_t interval_s, uint64_t outbox_depth, uint64_t thinned,
                            uint8_t **out, size_t *out_len)
{
    /* body was written by this agent's own td_wire_encode, so the default allocator is fine:
     * it never holds a peer's bytes. */
    Tiendo__V1__Envelope *env = tiendo__v1__envelope__unpack(NULL, len, body);
    if (!env)
        return TD_EPROTO;
    if (env->body_case != TIENDO__V1__ENVELOPE__BODY_REPORT || !env->report) {
        tiendo__v1__envelope__free_unpacked(env, NULL);
        return TD_EPROTO;
    }
    env->report->seq = seq;
    env->report->interval_s = interval_s;
    env->report->outbox_depth = outbox_depth;
    env->report->thinned = thinned;
    env->report->outbox_id = outbox_id;
    size_t n = tiendo__v1__envelope__get_packed_size(env);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        tiendo__v1__envelope__free_unpacked(env, NULL);
        return TD_ENOMEM;
    }
    *out_len = tiendo__v1__envelope__pack(env, buf);
    *out = buf;
    tiendo__v1__envelope__free_unpacked(env, NULL);
    return TD_OK;
}
