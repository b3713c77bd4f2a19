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
td_err td_store_put_task_version(td_txn *txn, const td_task_version *v)
{
    const td_task_status *s = &v->status;
    td_wbuf prefix;
    td_wbuf_init(&prefix);
    td_wbuf_u8(&prefix, 'T');
    td_wbuf_key_str(&prefix, s->id);
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
    bool stored;
    td_err err = prefix.oom || b->oom ? TD_ENOMEM
                                      : td_store_put_state(txn, prefix.data, prefix.len, v->as_of,
                                                           b->data, b->len, &stored);
    td_wbuf_fini(&prefix);
    return err;
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

/* Versions, not copies. A report that repeats the state in effect at its as_of is kept as a
 * marker (received_at, seq, 0xFF, the as_of of the version it repeats) rather than a copy of
 * the fields, so that a report arriving later for an earlier instant cannot change what a
 * repeated report said. Markers are 25 bytes with 0xFF at byte 16, which no value has. */
#define MARKER_LEN 25
#define MARKER_BYTE 0xFF
#define MARKER_HOPS 64

bool td_store_marker(const uint8_t *val, size_t len, td_time *ref)
{
    if (len != MARKER_LEN || val[16] != MARKER_BYTE)
        return false;
    td_rbuf r;
    td_rbuf_init(&r, val + 17, 8);
    *ref = td_rbuf_i64(&r);
    return true;
}

td_err td_store_seek_state(td_txn *txn, const uint8_t *prefix, size_t plen, td_time t,
                           td_time *as_of, td_time *real_as_of, td_rbuf *val)
{
    td_err err = td_store_seek_at(txn, TD_DB_VERSIONS, prefix, plen, t, as_of, val);
    if (err)
        return err;
    *real_as_of = *as_of;
    td_time ref;
    for (int hop = 0; err == TD_OK && td_store_marker(val->p, val->left, &ref); hop++) {
        td_time found;
        if (hop == MARKER_HOPS)
            return TD_ESTORE;
        err = td_store_seek_at(txn, TD_DB_VERSIONS, prefix, plen, ref, &found, val);
        if (err == TD_OK && found != ref)
            err = TD_ESTORE; /* a marker must name a stored version */
        *real_as_of = ref;
    }
    return err == TD_ENOTFOUND ? TD_ESTORE : err; /* a marker naming nothing */
}

static td_err s_put_raw(td_txn *txn, const uint8_t *prefix, size_t plen, td_time as_of,
                        const uint8_t *val, size_t len)
{
    td_wbuf_reset(&txn->key);
    td_wbuf_bytes(&txn->key, prefix, plen);
    td_wbuf_key_i64(&txn->key, as_of);
    if (txn->key.oom)
        return TD_ENOMEM;
    MDB_val k = {txn->key.len, txn->key.data}, v = {len, (void *)val};
    return td_store_mdb_err(txn, mdb_put(txn->txn, txn->store->dbi[TD_DB_VERSIONS], &k, &v, 0));
}

static void s_marker(uint8_t out[MARKER_LEN], const uint8_t *val, td_time ref)
{
    td_wbuf b;
    td_wbuf_init(&b);
    td_wbuf_bytes(&b, val, 16); /* received_at and seq of the repeating report */
    td_wbuf_u8(&b, MARKER_BYTE);
    td_wbuf_i64(&b, ref);
    memcpy(out, b.data, MARKER_LEN);
    td_wbuf_fini(&b);
}

/* The first version after as_of, when it is a real version repeating the fields of `val` (it
 * arrived before the earlier report that `val` is): it becomes a marker of real_as_of. */
static td_err s_mark_next(td_txn *txn, const uint8_t *prefix, size_t plen, td_time as_of,
                          td_time real_as_of, const uint8_t *val, size_t len)
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
    uint8_t marker[MARKER_LEN];
    if (rc == 0 && k.mv_size == plen + 8 && memcmp(k.mv_data, prefix, plen) == 0 &&
        v.mv_size == len && len > 16 &&
        memcmp((uint8_t *)v.mv_data + 16, val + 16, len - 16) == 0) {
        s_marker(marker, v.mv_data, real_as_of);
        /* A plain put of a copied key: replacing in place with MDB_CURRENT, at another size,
         * was seen to leave the old entry beside the new one in LMDB 0.9.24. */
        uint8_t found[TD_SECTION_ID_MAX + 64];
        size_t klen = k.mv_size < sizeof found ? k.mv_size : sizeof found;
        memcpy(found, k.mv_data, klen);
        mdb_cursor_close(cur);
        cur = NULL;
        MDB_val fk = {klen, found}, m = {MARKER_LEN, marker};
        rc = mdb_put(txn->txn, txn->store->dbi[TD_DB_VERSIONS], &fk, &m, 0);
    } else if (rc == MDB_NOTFOUND || rc == 0) {
        rc = 0;
    }
    if (cur)
        mdb_cursor_close(cur);
    td_wbuf_fini(&key);
    return td_store_mdb_err(txn, rc);
}

td_err td_store_put_state(td_txn *txn, const uint8_t *prefix, size_t plen, td_time as_of,
                          const uint8_t *val, size_t len, bool *stored)
{
    td_time found, real;
    td_rbuf cur;
    td_err err = td_store_seek_state(txn, prefix, plen, as_of, &found, &real, &cur);
    if (err != TD_OK && err != TD_ENOTFOUND)
        return err;
    bool same =
        err == TD_OK && cur.left == len && len > 16 && memcmp(cur.p + 16, val + 16, len - 16) == 0;
    *stored = !same;
    if (same && found == as_of && real == as_of)
        return TD_OK; /* this very version is stored already */
    if (same) {
        uint8_t marker[MARKER_LEN];
        s_marker(marker, val, real);
        return s_put_raw(txn, prefix, plen, as_of, marker, MARKER_LEN);
    }
    err = s_put_raw(txn, prefix, plen, as_of, val, len);
    return err ? err : s_mark_next(txn, prefix, plen, as_of, as_of, val, len);
}

td_err td_store_task_version_at(td_txn *txn, const char *id, td_time t, td_task_version *out)
{
    td_wbuf prefix;
    td_wbuf_init(&prefix);
    td_wbuf_u8(&prefix, 'T');
    td_wbuf_key_str(&prefix, id);
    td_time as_of, real;
    td_rbuf r;
    td_err err = prefix.oom
                     ? TD_ENOMEM
                     : td_store_seek_state(txn, prefix.data, prefix.len, t, &as_of, &real, &r);
    if (err == TD_OK)
        err = s_decode_version(id, as_of, &r, out);
    td_wbuf_fini(&prefix);
    return err;
}

static td_err s_each_version(const uint8_t *key, size_t klen, td_rbuf *val, void *arg)
{
    s_each *each = arg;
    td_task_version v;
    td_time ref;
    if (klen < 10)
        return TD_ESTORE;
    if (td_store_marker(val->p, val->left, &ref))
        return TD_OK; /* history lists changes; a marker repeats one */
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
