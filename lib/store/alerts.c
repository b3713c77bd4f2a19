/* The alert log (TD_DB_ALERTS): key u64 big-endian row number, value the JSON document. */
#include "internal.h"

#include <string.h>

static uint64_t s_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

td_err td_store_put_alert(td_txn *txn, const char *json, uint64_t *id)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, txn->store->dbi[TD_DB_ALERTS], &cur);
    if (rc != 0)
        return td_store_mdb_err(txn, rc);
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return td_store_mdb_err(txn, rc);
    uint64_t next = rc == 0 && k.mv_size == 8 ? s_be64(k.mv_data) + 1 : 1;
    td_wbuf_reset(&txn->key);
    td_wbuf_key_u64(&txn->key, next);
    td_wbuf_reset(&txn->val);
    td_wbuf_bytes(&txn->val, json, strlen(json));
    td_err err = td_store_put_kv(txn, TD_DB_ALERTS);
    if (err == TD_OK && id)
        *id = next;
    return err;
}

td_err td_store_each_alert(td_txn *txn, size_t limit,
                           td_err (*cb)(uint64_t id, const char *json, size_t len, void *arg),
                           void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, txn->store->dbi[TD_DB_ALERTS], &cur);
    if (rc != 0)
        return td_store_mdb_err(txn, rc);
    MDB_val k, v;
    td_err err = TD_OK;
    size_t n = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
         rc == 0 && err == TD_OK && (!limit || n < limit);
         rc = mdb_cursor_get(cur, &k, &v, MDB_PREV), n++) {
        if (k.mv_size != 8)
            continue;
        err = cb(s_be64(k.mv_data), v.mv_data, v.mv_size, arg);
    }
    mdb_cursor_close(cur);
    if (err == TD_OK && rc != 0 && rc != MDB_NOTFOUND)
        err = td_store_mdb_err(txn, rc);
    return err;
}
