/* Agencies and tasks: the registry imported from CSV. */
#include "internal.h"

#include <string.h>

static void s_encode_agency(td_wbuf *b, const td_agency *a)
{
    td_wbuf_reset(b);
    td_wbuf_str(b, a->code);
    td_wbuf_str(b, a->name);
    td_wbuf_u8(b, (uint8_t)a->kind);
    td_wbuf_str(b, a->parent);
    td_wbuf_u8(b, (uint8_t)a->block);
}

static td_err s_decode_agency(td_rbuf *r, td_agency *a)
{
    memset(a, 0, sizeof *a);
    td_rbuf_strcpy(r, a->code, sizeof a->code);
    a->name = td_rbuf_strdup(r);
    a->kind = td_rbuf_u8(r);
    td_rbuf_strcpy(r, a->parent, sizeof a->parent);
    a->block = td_rbuf_u8(r);
    if (r->bad) {
        td_agency_fini(a);
        return TD_ESTORE;
    }
    return TD_OK;
}

td_err td_store_put_agency(td_txn *txn, const td_agency *a)
{
    td_wbuf_reset(&txn->key);
    td_wbuf_key_str(&txn->key, a->code);
    s_encode_agency(&txn->val, a);
    return td_store_put_kv(txn, TD_DB_AGENCIES);
}

td_err td_store_get_agency(td_txn *txn, const char *code, td_agency *out)
{
    td_rbuf r;
    td_wbuf_reset(&txn->key);
    td_wbuf_key_str(&txn->key, code);
    td_err err = td_store_get_kv(txn, TD_DB_AGENCIES, &r);
    return err ? err : s_decode_agency(&r, out);
}

typedef struct {
    td_err (*agency_cb)(const td_agency *a, void *arg);
    td_err (*task_cb)(const td_task *t, void *arg);
    void *arg;
} s_each;

static td_err s_each_agency(const uint8_t *key, size_t klen, td_rbuf *val, void *arg)
{
    (void)key;
    (void)klen;
    s_each *each = arg;
    td_agency a;
    td_err err = s_decode_agency(val, &a);
    if (err == TD_OK)
        err = each->agency_cb(&a, each->arg);
    td_agency_fini(&a);
    return err;
}

td_err td_store_each_agency(td_txn *txn, td_err (*cb)(const td_agency *a, void *arg), void *arg)
{
    s_each each = {.agency_cb = cb, .arg = arg};
    return td_store_scan(txn, TD_DB_AGENCIES, NULL, 0, s_each_agency, &each);
}

static void s_encode_task(td_wbuf *b, const td_task *t)
{
    td_wbuf_reset(b);
    td_wbuf_str(b, t->id);
    td_wbuf_str(b, t->title);
    td_wbuf_str(b, t->source);
    td_wbuf_str(b, t->lead);
    td_wbuf_u32(b, (uint32_t)t->deadline);
    td_wbuf_u32(b, (uint32_t)t->assigned_on);
    td_wbuf_str(b, t->group);
    td_wbuf_u8(b, (uint8_t)t->difficulty);
}

static td_err s_decode_task(td_rbuf *r, td_task *t)
{
    memset(t, 0, sizeof *t);
    td_rbuf_strcpy(r, t->id, sizeof t->id);
    t->title = td_rbuf_strdup(r);
    t->source = td_rbuf_strdup(r);
    td_rbuf_strcpy(r, t->lead, sizeof t->lead);
    t->deadline = (td_day)td_rbuf_u32(r);
    t->assigned_on = (td_day)td_rbuf_u32(r);
    t->group = td_rbuf_strdup(r);
    t->difficulty = td_rbuf_u8(r);
    if (r->bad) {
        td_task_fini(t);
        return TD_ESTORE;
    }
    return TD_OK;
}

td_err td_store_put_task(td_txn *txn, const td_task *t)
{
    td_wbuf_reset(&txn->key);
    td_wbuf_key_str(&txn->key, t->id);
    s_encode_task(&txn->val, t);
    return td_store_put_kv(txn, TD_DB_TASKS);
}

td_err td_store_get_task(td_txn *txn, const char *id, td_task *out)
{
    td_rbuf r;
    td_wbuf_reset(&txn->key);
    td_wbuf_key_str(&txn->key, id);
    td_err err = td_store_get_kv(txn, TD_DB_TASKS, &r);
    return err ? err : s_decode_task(&r, out);
}

static td_err s_each_task(const uint8_t *key, size_t klen, td_rbuf *val, void *arg)
{
    (void)key;
    (void)klen;
    s_each *each = arg;
    td_task t;
    td_err err = s_decode_task(val, &t);
    if (err == TD_OK)
        err = each->task_cb(&t, each->arg);
    td_task_fini(&t);
    return err;
}

td_err td_store_each_task(td_txn *txn, td_err (*cb)(const td_task *t, void *arg), void *arg)
{
    s_each each = {.task_cb = cb, .arg = arg};
    return td_store_scan(txn, TD_DB_TASKS, NULL, 0, s_each_task, &each);
}
