/* The last status each agent key reported, whole: the base of its delta reports. Key: the
 * agent's key (key32); value: u64 outbox_id, u64 seq, u64 digest (the agent's), then the report
 * body as it was given. */
#include "internal.h"

td_err td_store_put_base(td_txn *txn, const uint8_t key[TD_KEY_LEN], const td_baserec *b)
{
    td_wbuf_reset(&txn->key);
    td_wbuf_bytes(&txn->key, key, TD_KEY_LEN);
    td_wbuf_reset(&txn->val);
    td_wbuf_u64(&txn->val, b->outbox_id);
    td_wbuf_u64(&txn->val, b->seq);
    td_wbuf_u64(&txn->val, b->digest);
    td_wbuf_bytes(&txn->val, b->body, b->len);
    return td_store_put_kv(txn, TD_DB_BASES);
}

td_err td_store_get_base(td_txn *txn, const uint8_t key[TD_KEY_LEN], td_baserec *out)
{
    td_rbuf r;
    td_wbuf_reset(&txn->key);
    td_wbuf_bytes(&txn->key, key, TD_KEY_LEN);
    td_err err = td_store_get_kv(txn, TD_DB_BASES, &r);
    if (err)
        return err;
    uint64_t outbox_id = td_rbuf_u64(&r), seq = td_rbuf_u64(&r), digest = td_rbuf_u64(&r);
    if (r.bad)
        return TD_ENOTFOUND; /* unreadable: as good as none, and a full report replaces it */
    *out = (td_baserec){outbox_id, seq, digest, r.p, r.left};
    return TD_OK;
}
