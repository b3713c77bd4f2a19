/* Enrolled keys and the agents' liveness records. */
#include "internal.h"

#include <string.h>

static const char *const s_roles[] = {NULL, "agent", "operator", "admin", "token"};

const char *td_role_name(int role)
{
    return role >= TD_ROLE_AGENT && role <= TD_ROLE_TOKEN ? s_roles[role] : NULL;
}

td_err td_role_parse(const char *name, int *out)
{
    for (int r = TD_ROLE_AGENT; r <= TD_ROLE_TOKEN; r++)
        if (strcmp(name, s_roles[r]) == 0) {
            *out = r;
            return TD_OK;
        }
    return TD_EINVAL;
}

static td_err s_bump_generation(td_txn *txn)
{
    uint64_t gen = 0;
    td_err err = td_store_keys_generation(txn, &gen);
    if (err)
        return err;
    td_wbuf_reset(&txn->key);
    td_wbuf_key_str(&txn->key, "keys-generation");
    td_wbuf_reset(&txn->val);
    td_wbuf_u64(&txn->val, gen + 1);
    return td_store_put_kv(txn, TD_DB_META);
}

td_err td_store_keys_generation(td_txn *txn, uint64_t *out)
{
    td_rbuf r;
    td_wbuf_reset(&txn->key);
    td_wbuf_key_str(&txn->key, "keys-generation");
    td_err err = td_store_get_kv(txn, TD_DB_META, &r);
    if (err == TD_ENOTFOUND) {
        *out = 0;
        return TD_OK;
    }
    if (err)
        return err;
    *out = td_rbuf_u64(&r);
    return r.bad ? TD_ESTORE : TD_OK;
}

td_err td_store_put_key(td_txn *txn, const td_keyrec *k)
{
    td_err err = s_bump_generation(txn);
    if (err)
        return err;
    td_wbuf_reset(&txn->key);
    td_wbuf_bytes(&txn->key, k->key, TD_KEY_LEN);
    td_wbuf_reset(&txn->val);
    td_wbuf_u8(&txn->val, (uint8_t)k->role);
    td_wbuf_str(&txn->val, k->name);
    td_wbuf_i64(&txn->val, k->created);
    td_wbuf_i64(&txn->val, k->revoked);
    return td_store_put_kv(txn, TD_DB_KEYS);
}

static td_err s_decode_key(const uint8_t *key, td_rbuf *r, td_keyrec *k)
{
    memset(k, 0, sizeof *k);
    memcpy(k->key, key, TD_KEY_LEN);
    k->role = td_rbuf_u8(r);
    td_rbuf_strcpy(r, k->name, sizeof k->name);
    k->created = td_rbuf_i64(r);
    k->revoked = td_rbuf_i64(r);
    return r->bad ? TD_ESTORE : TD_OK;
}

td_err td_store_get_key(td_txn *txn, const uint8_t key[TD_KEY_LEN], td_keyrec *out)
{
    td_rbuf r;
    td_wbuf_reset(&txn->key);
    td_wbuf_bytes(&txn->key, key, TD_KEY_LEN);
    td_err err = td_store_get_kv(txn, TD_DB_KEYS, &r);
    return err ? err : s_decode_key(key, &r, out);
}

typedef struct {
    td_err (*key_cb)(const td_keyrec *k, void *arg);
    td_err (*agent_cb)(const td_agentrec *a, void *arg);
    void *arg;
} s_each;

static td_err s_each_key(const uint8_t *key, size_t klen, td_rbuf *val, void *arg)
{
    s_each *each = arg;
    td_keyrec k;
    if (klen != TD_KEY_LEN)
        return TD_ESTORE;
    td_err err = s_decode_key(key, val, &k);
    return err ? err : each->key_cb(&k, each->arg);
}

td_err td_store_each_key(td_txn *txn, td_err (*cb)(const td_keyrec *k, void *arg), void *arg)
{
    s_each each = {.key_cb = cb, .arg = arg};
    return td_store_scan(txn, TD_DB_KEYS, NULL, 0, s_each_key, &each);
}

td_err td_store_put_agent(td_txn *txn, const td_agentrec *a)
{
    td_wbuf_reset(&txn->key);
    td_wbuf_bytes(&txn->key, a->key, TD_KEY_LEN);
    td_wbuf *v = &txn->val;
    td_wbuf_reset(v);
    td_wbuf_str(v, a->agency);
    td_wbuf_i64(v, a->last_contact);
    td_wbuf_i64(v, a->last_report_as_of);
    td_wbuf_u64(v, a->last_outbox_id);
    td_wbuf_u64(v, a->last_seq);
    td_wbuf_u64(v, a->reports);
    td_wbuf_u32(v, a->interval_s);
    td_wbuf_u64(v, a->outbox_depth);
    td_wbuf_u64(v, a->thinned);
    return td_store_put_kv(txn, TD_DB_AGENTS);
}

static td_err s_decode_agent(const uint8_t *key, td_rbuf *r, td_agentrec *a)
{
    memset(a, 0, sizeof *a);
    memcpy(a->key, key, TD_KEY_LEN);
    td_rbuf_strcpy(r, a->agency, sizeof a->agency);
    a->last_contact = td_rbuf_i64(r);
    a->last_report_as_of = td_rbuf_i64(r);
    a->last_outbox_id = td_rbuf_u64(r);
    a->last_seq = td_rbuf_u64(r);
    a->reports = td_rbuf_u64(r);
    a->interval_s = td_rbuf_u32(r);
    a->outbox_depth = td_rbuf_u64(r);
    a->thinned = td_rbuf_u64(r);
    return r->bad ? TD_ESTORE : TD_OK;
}

td_err td_store_get_agent(td_txn *txn, const uint8_t key[TD_KEY_LEN], td_agentrec *out)
{
    td_rbuf r;
    td_wbuf_reset(&txn->key);
    td_wbuf_bytes(&txn->key, key, TD_KEY_LEN);
    td_err err = td_store_get_kv(txn, TD_DB_AGENTS, &r);
    return err ? err : s_decode_agent(key, &r, out);
}

static td_err s_each_agent(const uint8_t *key, size_t klen, td_rbuf *val, void *arg)
{
    s_each *each = arg;
    td_agentrec a;
    if (klen != TD_KEY_LEN)
        return TD_ESTORE;
    td_err err = s_decode_agent(key, val, &a);
    return err ? err : each->agent_cb(&a, each->arg);
}

td_err td_store_each_agent(td_txn *txn, td_err (*cb)(const td_agentrec *a, void *arg), void *arg)
{
    s_each each = {.agent_cb = cb, .arg = arg};
    return td_store_scan(txn, TD_DB_AGENTS, NULL, 0, s_each_agent, &each);
}
