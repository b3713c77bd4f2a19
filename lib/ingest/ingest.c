/* Applying reports: the rules of authority and dedup live here once. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void td_ingest_result_fini(td_ack *ack, td_nack *nack)
{
    if (ack) {
        for (size_t i = 0; i < ack->n_rejected; i++) {
            free(ack->rejected[i].id);
            free(ack->rejected[i].reason);
        }
        free(ack->rejected);
        memset(ack, 0, sizeof *ack);
    }
    if (nack) {
        free(nack->reason);
        memset(nack, 0, sizeof *nack);
    }
}

td_err td_ingest_reject(td_ack *ack, const char *id, const char *reason)
{
    td_rejection *r = realloc(ack->rejected, (ack->n_rejected + 1) * sizeof *r);
    if (!r)
        return TD_ENOMEM;
    ack->rejected = r;
    r[ack->n_rejected].id = strdup(id);
    r[ack->n_rejected].reason = strdup(reason);
    if (!r[ack->n_rejected].id || !r[ack->n_rejected].reason) {
        free(r[ack->n_rejected].id);
        free(r[ack->n_rejected].reason);
        return TD_ENOMEM;
    }
    ack->n_rejected++;
    return TD_OK;
}

typedef struct {
    const char *base;
    size_t size;
} s_items;

/* Items of every list in a report start with their id (td_task_status, td_database,
 * td_obstacle): compare the ids of items i and j. */
static const char *s_id(const s_items *it, size_t i)
{
    return it->base + i * it->size;
}

static int s_cmp_item(const void *a, const void *b, void *arg)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(s_id(arg, i), s_id(arg, j));
    return c ? c : (i > j) - (i < j);
}

/* Marks every item whose id an earlier item of the list already has: O(n log n), so that a
 * large report cannot hold the write transaction for long. */
td_err td_ingest_find_repeats(const void *base, size_t n, size_t size, bool **repeat)
{
    s_items items = {base, size};
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    *repeat = calloc(n ? n : 1, sizeof **repeat);
    if (!order || !*repeat) {
        free(order);
        free(*repeat);
        *repeat = NULL;
        return TD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof *order, s_cmp_item, &items);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(s_id(&items, order[i]), s_id(&items, order[i - 1])))
            (*repeat)[order[i]] = true;
    free(order);
    return TD_OK;
}

/* Why an item may not be applied, or TD_OK. Store errors other than not-found pass through. */
static td_err s_check_item(td_txn *txn, const td_report_msg *m, size_t i, bool repeat,
                           td_errmsg *why)
{
    const td_task_status *s = &m->report.tasks[i];
    td_err err = td_task_status_check(s, m->report.as_of, why);
    if (err)
        return TD_EINVAL;
    if (repeat)
        return td_fail(why, TD_EINVAL, "task %s appears twice in this report", s->id);
    td_task t;
    err = td_store_get_task(txn, s->id, &t);
    if (err == TD_ENOTFOUND)
        return td_fail(why, TD_EINVAL, "task %s is not registered", s->id);
    if (err)
        return err;
    if (strcmp(t.lead, m->report.agency) != 0)
        err = td_fail(why, TD_EINVAL, "task %s is led by %s, not %s", s->id, t.lead,
                      m->report.agency);
    td_task_fini(&t);
    return err;
}

static td_err s_apply_items(td_txn *txn, const td_report_msg *m, td_time now, td_ack *ack)
{
    bool *repeat;
    td_err err = td_ingest_find_repeats(m->report.tasks, m->report.n_tasks, sizeof *m->report.tasks,
                                        &repeat);
    for (size_t i = 0; err == TD_OK && i < m->report.n_tasks; i++) {
        td_errmsg why;
        err = s_check_item(txn, m, i, repeat[i], &why);
        if (err == TD_EINVAL) {
            err = td_ingest_reject(ack, m->report.tasks[i].id, why.text);
        } else if (err == TD_OK) {
            td_task_version v = {.as_of = m->report.as_of, .received_at = now, .seq = m->seq};
            v.status = m->report.tasks[i]; /* borrowed: put only reads it */
            err = td_store_put_task_version(txn, &v);
            ack->accepted++;
        }
    }
    free(repeat);
    return err;
}

static td_err s_touch_agent(td_txn *txn, const uint8_t key[TD_KEY_LEN], const char *agency,
                            td_time now, td_agentrec *a)
{
    td_err err = td_store_get_agent(txn, key, a);
    if (err == TD_ENOTFOUND) {
        memset(a, 0, sizeof *a);
        memcpy(a->key, key, TD_KEY_LEN);
        snprintf(a->agency, sizeof a->agency, "%s", agency);
        err = TD_OK;
    }
    a->last_contact = now;
    return err;
}

static td_err s_log_report(td_txn *txn, const uint8_t key[TD_KEY_LEN], const td_report_msg *m,
                           td_time now, const td_ack *ack)
{
    td_reportrec r = {
        .outbox_id = m->outbox_id, .seq = m->seq, .as_of = m->report.as_of, .received_at = now};
    snprintf(r.agency, sizeof r.agency, "%s", m->report.agency);
    memcpy(r.key, key, TD_KEY_LEN);
    r.accepted = ack->accepted;
    r.rejected = (uint32_t)ack->n_rejected;
    td_err err = td_store_put_report(txn, &r);
    td_agentrec a;
    if (err == TD_OK)
        err = s_touch_agent(txn, key, m->report.agency, now, &a);
    if (err)
        return err;
    if (m->report.as_of > a.last_report_as_of)
        a.last_report_as_of = m->report.as_of;
    if (m->outbox_id != a.last_outbox_id || m->seq > a.last_seq)
        a.last_seq = m->seq; /* a new outbox starts a new numbering */
    a.last_outbox_id = m->outbox_id;
    a.reports++;
    if (m->interval_s)
        a.interval_s = m->interval_s;
    a.outbox_depth = m->outbox_depth;
    a.thinned = m->thinned;
    return td_store_put_agent(txn, &a);
}

/* A report arriving after a later one of the same key with the same as_of (a resend that lost
 * its turn to a rate limit, say) describes an older state: applying it would override the newer
 * report, since versions are keyed by as_of. It is logged and acknowledged, not applied. */
static td_err s_superseded(td_txn *txn, const uint8_t key[TD_KEY_LEN], const td_report_msg *m,
                           bool *superseded)
{
    td_agentrec a;
    td_err err = td_store_get_agent(txn, key, &a);
    *superseded = err == TD_OK && a.reports > 0 && m->outbox_id == a.last_outbox_id &&
                  m->seq < a.last_seq && m->report.as_of == a.last_report_as_of;
    return err == TD_ENOTFOUND ? TD_OK : err;
}

static td_err s_nack(td_nack *nack, uint64_t seq, int code, const char *fmt, const char *a,
                     const char *b)
{
    char text[256];
    snprintf(text, sizeof text, fmt, a, b);
    nack->seq = seq;
    nack->code = code;
    nack->reason = strdup(text);
    return nack->reason ? TD_OK : TD_ENOMEM;
}

td_err td_ingest_report(td_txn *txn, const uint8_t key[TD_KEY_LEN], const char *key_agency,
                        const td_report_msg *m, td_time now, td_ack *ack, td_nack *nack)
{
    memset(ack, 0, sizeof *ack);
    memset(nack, 0, sizeof *nack);
    if (strcmp(m->report.agency, key_agency) != 0)
        return s_nack(nack, m->seq, TD_NACK_FORBIDDEN,
                      "report names agency %s but this key is enrolled for %s", m->report.agency,
                      key_agency);
    ack->seq = m->seq;
    td_reportrec old;
    td_err err = td_store_get_report(txn, key_agency, key, m->outbox_id, m->seq, &old);
    if (err == TD_OK) {
        ack->duplicate = true;
        ack->accepted = old.accepted;
        return td_ingest_contact(txn, key, key_agency, 0, now);
    }
    if (err != TD_ENOTFOUND)
        return err;
    td_report_msg whole;
    const td_report_msg *r = m; /* the report made whole when m is a delta */
    if (m->base_seq != 0) {
        err = td_ingest_expand(txn, key, m, &whole, nack);
        if (err || nack->code) {
            memset(ack, 0, sizeof *ack);
            return err;
        }
        r = &whole;
    }
    bool superseded = false;
    err = s_superseded(txn, key, r, &superseded);
    if (err == TD_OK && !superseded)
        err = s_apply_items(txn, r, now, ack);
    if (err == TD_OK && !superseded)
        err = td_ingest_sections(txn, r, now, ack);
    if (err == TD_OK)
        err = s_log_report(txn, key, r, now, ack);
    if (err == TD_OK)
        err = td_ingest_keep_base(txn, key, r);
    if (r == &whole)
        td_report_fini(&whole.report);
    if (err)
        td_ingest_result_fini(ack, nack);
    return err;
}

td_err td_ingest_contact(td_txn *txn, const uint8_t key[TD_KEY_LEN], const char *key_agency,
                         uint32_t interval_s, td_time now)
{
    td_agentrec a;
    td_err err = s_touch_agent(txn, key, key_agency, now, &a);
    if (err)
        return err;
    if (interval_s)
        a.interval_s = interval_s;
    return td_store_put_agent(txn, &a);
}
