/* The report log and the versions of task status. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_report_key(td_wbuf *b, const char *agency, const uint8_t *key, uint64_t outbox_id,
                         uint64_t seq)
{
    td_wbuf_reset(b);
    td_wbuf_key_str(b, agency);
    td_wbuf_bytes(b, key, TD_KEY_LEN);
    td_wbuf_key_u64(b, outbox_id);
    td_wbuf_key_u64(b, seq);
}

td_err td_store_put_report(td_txn *txn, const td_reportrec *r)
{
    s_report_key(&txn->key, r->agency, r->key, r->outbox_id, r->seq);
    td_wbuf *v = &txn->val;
    td_wbuf_reset(v);
    td_wbuf_i64(v, r->as_of);
    td_wbuf_i64(v, r->received_at);
    td_wbuf_u32(v, r->accepted);
    td_wbuf_u32(v, r->rejected);
    return td_store_put_kv(txn, TD_DB_REPORTS);
}

static td_err s_decode_report(const uint8_t *key, size_t klen, td_rbuf *r, td_reportrec *out)
{
    size_t alen = strnlen((const char *)key, klen);
    if (alen > TD_CODE_MAX || klen != alen + 1 + TD_KEY_LEN + 16)
        return TD_ESTORE;
    memset(out, 0, sizeof *out);
    memcpy(out->agency, key, alen);
    memcpy(out->key, key + alen + 1, TD_KEY_LEN);
    out->outbox_id = td_key_u64(key + alen + 1 + TD_KEY_LEN);
    out->seq = td_key_u64(key + alen + 1 + TD_KEY_LEN + 8);
    out->as_of = td_rbuf_i64(r);
    out->received_at = td_rbuf_i64(r);
    out->accepted = td_rbuf_u32(r);
    out->rejected = td_rbuf_u32(r);
    return r->bad ? TD_ESTORE : TD_OK;
}

td_err td_store_get_report(td_txn *txn, const char *agency, const uint8_t key[TD_KEY_LEN],
                           uint64_t outbox_id, uint64_t seq, td_reportrec *out)
{
    td_rbuf r;
    s_report_key(&txn->key, agency, key, outbox_id, seq);
    td_err err = td_store_get_kv(txn, TD_DB_REPORTS, &r);
    return err ? err : s_decode_report(txn->key.data, txn->key.len, &r, out);
}

typedef struct {
    td_err (*report_cb)(const td_reportrec *r, void *arg);
    td_err (*version_cb)(const td_task_version *v, void *arg);
    void *arg;
} s_each;

static td_err s_each_report(const uint8_t *key, size_t klen, td_rbuf *val, void *arg)
{
    s_each *each = arg;
    td_reportrec r;
    td_err err = s_decode_report(key, klen, val, &r);
    return err ? err : each->report_cb(&r, each->arg);
}

td_err td_store_each_report(td_txn *txn, const char *agency,
                            td_err (*cb)(const td_reportrec *r, void *arg), void *arg)
{
    s_each each = {.report_cb = cb, .arg = arg};
    td_wbuf prefix;
    td_wbuf_init(&prefix);
    td_wbuf_key_str(&prefix, agency);
    td_err err = prefix.oom ? TD_ENOMEM
                            : td_store_scan(txn, TD_DB_REPORTS, prefix.data, prefix.len,
                                            s_each_report, &each);
    td_wbuf_fini(&prefix);
    return err;
}

/* Versions: key 'T' | task id | NUL | as_of (big-endian, sign flipped). */
static void s_version_key(td_wbuf *b, const char *id, td_time as_of)
{
    td_wbuf_reset(b);
    td_wbuf_u8(b, 'T');
    td_wbuf_key_str(b, id);
    td_wbuf_key_i64(b, as_of);
}

td_err td_store_put_task_version(td_txn *txn, const td_task_version *v)
{
    const td_task_status *s = &v->status;
    td_task_version cur;
    td_err err = td_store_task_version_at(txn, s->id, v->as_of, &cur);
    if (err == TD_OK) {
        bool same = td_task_status_equal(&cur.status, s);
        td_task_status_fini(&cur.status);
        if (same)
            return TD_OK; /* versions, not copies: the state in effect already says this */
    } else if (err != TD_ENOTFOUND) {
        return err;
    }
    s_version_key(&txn->key, s->id, v->as_of);
    td_wbuf *b = &txn->val;
    td_wbuf_reset(b);
    td_wbuf_i64(b, v->received_at);
    td_wbuf_u64(b, v->seq);
    td_wbuf_u8(b, (uint8_t)s->state);
    td_wbuf_u8(b, (uint8_t)s->progress);
    td_wbuf_u32(b, (uint32_t)s->completed_on);
    td_wbuf_str(b, s->note);
    td_wbuf_u32(b, (uint32_t)s->n_evidence);
    for (size_t i = 0; i < s->n_evidence; i++)
        td_wbuf_str(b, s->evidence[i]);
    err = td_store_put_kv(txn, TD_DB_VERSIONS);
    if (err)
        return err;
    return td_store_drop_next_copy(txn, txn->key.data, txn->key.len - 8, v->as_of, b->data, b->len);
}

static td_err s_decode_version(const char *id, td_time as_of, td_rbuf *r, td_task_version *v)
{
    memset(v, 0, sizeof *v);
    td_task_status *s = &v->status;
    snprintf(s->id, sizeof s->id, "%s", id);
    v->as_of = as_of;
    v->received_at = td_rbuf_i64(r);
    v->seq = td_rbuf_u64(r);
    s->state = td_rbuf_u8(r);
    s->progress = td_rbuf_u8(r);
    s->completed_on = (td_day)td_rbuf_u32(r);
    s->note = td_rbuf_strdup(r);
    if (s->note && !s->note[0]) {
        free(s->note);
        s->note = NULL;
    }
    uint32_t n = td_rbuf_u32(r);
    if (!r->bad && n > 0 && n <= TD_EVIDENCE_MAX) {
        s->evidence = calloc(n, sizeof *s->evidence);
        for (uint32_t i = 0; s->evidence && i < n; i++, s->n_evidence++)
            s->evidence[i] = td_rbuf_strdup(r);
        if (!s->evidence)
            r->bad = true;
    } else if (n > TD_EVIDENCE_MAX) {
        r->bad = true;
    }
    if (r->bad) {
        td_task_status_fini(s);
        return TD_ESTORE;
    }
    return TD_OK;
}

td_err td_store_seek_at(td_txn *txn, int db, const uint8_t *prefix, size_t plen, td_time t,
                        td_time *as_of, td_rbuf *val)
{
    MDB_cursor *cur;
    td_wbuf key;
    td_wbuf_init(&key);
    td_wbuf_bytes(&key, prefix, plen);
    td_wbuf_key_i64(&key, t < INT64_MAX ? t + 1 : t);
    if (key.oom)
        return TD_ENOMEM;
    int rc = mdb_cursor_open(txn->txn, txn->store->dbi[db], &cur);
    if (rc != 0) {
        td_wbuf_fini(&key);
        return td_store_mdb_err(txn, rc);
    }
    MDB_val k = {key.len, key.data}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    rc = mdb_cursor_get(cur, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
    td_err err = TD_ENOTFOUND;
    if (rc == 0 && k.mv_size == plen + 8 && memcmp(k.mv_data, prefix, plen) == 0) {
        *as_of = td_key_i64((const uint8_t *)k.mv_data + plen);
        td_rbuf_init(val, v.mv_data, v.mv_size);
        err = TD_OK;
    } else if (rc != 0 && rc != MDB_NOTFOUND) {
        err = td_store_mdb_err(txn, rc);
    }
    mdb_cursor_close(cur);
    td_wbuf_fini(&key);
    return err;
}

td_err td_store_drop_next_copy(td_txn *txn, const uint8_t *prefix, size_t plen, td_time as_of,
                               const uint8_t *val, size_t vlen)
{
    MDB_cursor *cur;
    td_wbuf key;
    td_wbuf_init(&key);
    td_wbuf_bytes(&key, prefix, plen);
    td_wbuf_key_i64(&key, as_of < INT64_MAX ? as_of + 1 : as_of);
    int rc = key.oom ? ENOMEM : mdb_cursor_open(txn->txn, txn->store->dbi[TD_DB_VERSIONS], &cur);
    if (rc != 0) {
        td_wbuf_fini(&key);
        return td_store_mdb_err(txn, rc);
    }
    MDB_val k = {key.len, key.data}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && k.mv_size == plen + 8 && memcmp(k.mv_data, prefix, plen) == 0 &&
        v.mv_size == vlen && vlen >= 16 &&
        memcmp((uint8_t *)v.mv_data + 16, val + 16, vlen - 16) == 0)
        rc = mdb_cursor_del(cur, 0);
    else if (rc == MDB_NOTFOUND || rc == 0)
        rc = 0;
    mdb_cursor_close(cur);
    td_wbuf_fini(&key);
    return td_store_mdb_err(txn, rc);
}

td_err td_store_task_version_at(td_txn *txn, const char *id, td_time t, td_task_version *out)
{
    td_wbuf prefix;
    td_wbuf_init(&prefix);
    td_wbuf_u8(&prefix, 'T');
    td_wbuf_key_str(&prefix, id);
    td_time as_of;
    td_rbuf r;
    td_err err =
        prefix.oom ? TD_ENOMEM
                   : td_store_seek_at(txn, TD_DB_VERSIONS, prefix.data, prefix.len, t, &as_of, &r);
    if (err == TD_OK)
        err = s_decode_version(id, as_of, &r, out);
    td_wbuf_fini(&prefix);
    return err;
}

static td_err s_each_version(const uint8_t *key, size_t klen, td_rbuf *val, void *arg)
{
    s_each *each = arg;
    td_task_version v;
    if (klen < 10)
        return TD_ESTORE;
    td_err err = s_decode_version((const char *)key + 1, td_key_i64(key + klen - 8), val, &v);
    if (err == TD_OK)
        err = each->version_cb(&v, each->arg);
    td_task_status_fini(&v.status);
    return err;
}

td_err td_store_each_task_version(td_txn *txn, const char *id,
                                  td_err (*cb)(const td_task_version *v, void *arg), void *arg)
{
    s_each each = {.version_cb = cb, .arg = arg};
    td_wbuf prefix;
    td_wbuf_init(&prefix);
    td_wbuf_u8(&prefix, 'T');
    td_wbuf_key_str(&prefix, id);
    td_err err = prefix.oom ? TD_ENOMEM
                            : td_store_scan(txn, TD_DB_VERSIONS, prefix.data, prefix.len,
                                            s_each_version, &each);
    td_wbuf_fini(&prefix);
    return err;
}
