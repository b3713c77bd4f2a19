/* Delta reports on receipt: each agent key's last status is kept whole, and a delta report is
 * made whole against it before it is applied like any report, so that every answer is the one
 * the full report would have given. */
#include "internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static td_err s_refuse(td_nack *nack, const td_report_msg *m, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static td_err s_refuse(td_nack *nack, const td_report_msg *m, int code, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    nack->seq = m->seq;
    nack->code = code;
    nack->reason = strdup(text);
    return nack->reason ? TD_OK : TD_ENOMEM;
}

/* A report made whole from deltas holds no more than a full report may: as many items of each
 * kind, and as many bytes as one message may carry. Otherwise deltas could grow an agent's base
 * without bound, and every later report of that key would rebuild and rewrite all of it inside
 * the batch's write transaction. */
static td_err s_check_limits(const td_report *r, const td_report_msg *m, td_nack *nack)
{
    if (r->n_tasks > TD_WIRE_MAX_ITEMS || r->n_databases > TD_WIRE_MAX_DATABASES ||
        r->n_obstacles > TD_WIRE_MAX_OBSTACLES || r->n_outages > TD_WIRE_MAX_OUTAGES ||
        r->n_readings > TD_WIRE_MAX_READINGS)
        return s_refuse(nack, m, TD_NACK_MALFORMED,
                        "with its base, report %" PRIu64 " would hold %zu task items, %zu "
                        "databases, %zu obstacles, %zu outages and %zu readings, more than a "
                        "report may",
                        m->seq, r->n_tasks, r->n_databases, r->n_obstacles, r->n_outages,
                        r->n_readings);
    uint8_t *body;
    size_t len;
    td_err err = td_wire_encode_body(r, &body, &len);
    if (err == TD_ENOMEM)
        return err;
    free(body);
    if (err != TD_OK || len > TD_WIRE_MAX_BYTES) /* whole, it meets the message size limit */
        return s_refuse(nack, m, TD_NACK_NEED_FULL,
                        "with its base, report %" PRIu64 " would take more than %u bytes; "
                        "send it whole",
                        m->seq, (unsigned)TD_WIRE_MAX_BYTES);
    return TD_OK;
}

td_err td_ingest_expand(td_txn *txn, const uint8_t key[TD_KEY_LEN], const td_report_msg *m,
                        td_report_msg *whole, td_nack *nack)
{
    td_baserec b;
    td_err err = td_store_get_base(txn, key, &b);
    if (err == TD_ENOTFOUND ||
        (err == TD_OK && (b.outbox_id != m->outbox_id || b.seq != m->base_seq)))
        return s_refuse(nack, m, TD_NACK_NEED_FULL,
                        "report %" PRIu64 " is a delta against report %" PRIu64
                        " of outbox %016" PRIx64 ", which this collector does not hold; "
                        "send it whole",
                        m->seq, m->base_seq, m->outbox_id);
    /* The same seq with another status: the agent's state_dir went back (a restored snapshot)
     * and reused seqs; its base is not the one kept here. */
    if (err == TD_OK && (b.digest == 0 || b.digest != m->base_digest))
        return s_refuse(nack, m, TD_NACK_NEED_FULL,
                        "report %" PRIu64 " is a delta against report %" PRIu64
                        " as the agent has it, which differs from the one this collector holds; "
                        "send it whole",
                        m->seq, m->base_seq);
    if (err)
        return err;
    td_report base, r;
    td_errmsg why;
    err = td_wire_decode_body(b.body, b.len, &base, &why);
    if (err == TD_EPROTO)
        return s_refuse(nack, m, TD_NACK_NEED_FULL,
                        "the base of report %" PRIu64 " is unreadable here (%s); send it whole",
                        m->seq, why.text);
    if (err)
        return err;
    err = td_report_patch(&base, &m->report, m->removed, m->n_removed, &r, &why);
    td_report_fini(&base);
    if (err == TD_EINVAL)
        return s_refuse(nack, m, TD_NACK_NEED_FULL,
                        "report %" PRIu64 " does not fit report %" PRIu64
                        ", its base: %s; send it whole",
                        m->seq, m->base_seq, why.text);
    if (err)
        return err;
    if ((err = s_check_limits(&r, m, nack)) != TD_OK || nack->code) {
        td_report_fini(&r);
        return err;
    }
    *whole = *m;
    whole->report = r;
    whole->base_seq = 0;
    whole->removed = NULL;
    whole->n_removed = 0;
    return TD_OK;
}

td_err td_ingest_keep_base(td_txn *txn, const uint8_t key[TD_KEY_LEN], const td_report_msg *r)
{
    td_baserec b;
    td_err err = td_store_get_base(txn, key, &b);
    if (err == TD_OK && b.outbox_id == r->outbox_id && b.seq >= r->seq)
        return TD_OK; /* the base is a later report of this outbox */
    if (err != TD_OK && err != TD_ENOTFOUND)
        return err;
    uint8_t *body;
    size_t len;
    err = td_wire_encode_body(&r->report, &body, &len);
    if (err == TD_EINVAL)
        return TD_OK; /* a value no frame can carry (given in process): no delta can follow it */
    if (err != TD_OK)
        return err;
    b = (td_baserec){r->outbox_id, r->seq, r->digest, body, len};
    err = td_store_put_base(txn, key, &b);
    free(body);
    return err;
}
