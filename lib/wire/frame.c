/* Framing queued reports for delivery: whole, or as a delta report against an earlier one. */
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
    env->report->digest = td_wire_digest(body, len);
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

uint64_t td_wire_digest(const uint8_t *body, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < len; i++)
        h = (h ^ body[i]) * UINT64_C(1099511628211);
    return h ? h : 1;
}

/* Items a report carries, as the agent's log counts them. */
static size_t s_items(const td_report *r)
{
    return r->n_tasks + r->infra.present + r->services.present + r->funding.present +
           r->n_databases + r->n_obstacles + r->n_outages + r->n_readings;
}

/* Replaces *out with the delta of cur against the base body when a delta may stand for cur and
 * is smaller. Any failure leaves the whole report in place. */
static void s_try_delta(const td_report *cur, uint64_t digest, const uint8_t *base, size_t base_len,
                        uint64_t base_seq, const td_wire_delivery *d, uint8_t **out,
                        size_t *out_len, td_wire_framed *info)
{
    td_report b;
    td_errmsg why;
    td_msg m = {.type = TD_MSG_REPORT};
    td_report_msg *r = &m.u.report;
    if (td_wire_decode_body(base, base_len, &b, &why) != TD_OK)
        return;
    td_err err = td_report_delta(&b, cur, &r->report, &r->removed, &r->n_removed);
    td_report_fini(&b);
    if (err != TD_OK)
        return;
    r->seq = d->seq;
    r->interval_s = d->interval_s;
    r->outbox_depth = d->outbox_depth;
    r->thinned = d->thinned;
    r->outbox_id = d->outbox_id;
    r->base_seq = base_seq;
    r->digest = digest;
    r->base_digest = td_wire_digest(base, base_len);
    uint8_t *buf;
    size_t len;
    if (td_wire_encode(&m, &buf, &len) == TD_OK) {
        if (len < *out_len) {
            free(*out);
            *out = buf;
            *out_len = len;
            *info = (td_wire_framed){base_seq, s_items(&r->report), r->n_removed};
        } else {
            free(buf);
        }
    }
    td_msg_fini(&m);
}

td_err td_wire_frame_delta(const uint8_t *body, size_t len, const uint8_t *base, size_t base_len,
                           uint64_t base_seq, const td_wire_delivery *d, uint8_t **out,
                           size_t *out_len, td_wire_framed *info)
{
    /* Whole first: a delta is only an option on top. Decoding the body for a delta can fail
     * where framing it whole does not (the decode arena is 32 times the body): then the report
     * goes whole, and is never given up for it. */
    uint8_t *buf;
    size_t n;
    td_err err = td_wire_frame_report(body, len, d->outbox_id, d->seq, d->interval_s,
                                      d->outbox_depth, d->thinned, &buf, &n);
    if (err != TD_OK)
        return err;
    td_wire_framed framed = {0, 0, 0};
    td_report cur;
    td_errmsg why;
    if (td_wire_decode_body(body, len, &cur, &why) == TD_OK) {
        framed.items = s_items(&cur);
        if (base != NULL && base_seq != 0)
            s_try_delta(&cur, td_wire_digest(body, len), base, base_len, base_seq, d, &buf, &n,
                        &framed);
        td_report_fini(&cur);
    }
    *out = buf;
    *out_len = n;
    *info = framed;
    return TD_OK;
}
