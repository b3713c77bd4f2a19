/* The agent's outbox: one LMDB environment with a queue (seq -> as_of, body) and meta counters
 * (next seq, bytes queued, thinned total, the last queued body, the last acknowledged report). */
#include "tiendo/outbox.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "codec.h"

#define OUTBOX_DEFAULT_MAX (256u << 20)

struct td_outbox {
    uint64_t id;
    MDB_env *env;
    MDB_dbi queue;
    MDB_dbi meta;
    size_t max_bytes;
};

typedef struct {
    uint64_t next_seq;
    uint64_t bytes;
    uint64_t thinned;
} s_counters;

static td_err s_mdb(td_errmsg *why, int rc, const char *what)
{
    if (rc == 0)
        return TD_OK;
    return td_fail(why, rc == MDB_MAP_FULL || rc == ENOSPC ? TD_EFULL : TD_ESTORE, "outbox: %s: %s",
                   what, mdb_strerror(rc));
}

/* Reads the outbox's identity, making one on first use. */
static int s_identity(td_outbox *self, MDB_txn *txn)
{
    MDB_val k = {2, "id"}, v;
    int rc = mdb_get(txn, self->meta, &k, &v);
    if (rc == 0 && v.mv_size == sizeof self->id) {
        memcpy(&self->id, v.mv_data, sizeof self->id);
        return 0;
    }
    if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
    do {
        if (getrandom(&self->id, sizeof self->id, 0) != sizeof self->id)
            return errno;
    } while (self->id == 0);
    v.mv_size = sizeof self->id;
    v.mv_data = &self->id;
    return mdb_put(txn, self->meta, &k, &v, 0);
}

td_err td_outbox_open(const char *dir, size_t max_bytes, td_outbox **out, td_errmsg *why)
{
    td_outbox *self = calloc(1, sizeof *self);
    if (!self)
        return td_fail(why, TD_ENOMEM, "outbox: out of memory");
    self->max_bytes = max_bytes ? max_bytes : OUTBOX_DEFAULT_MAX;
    MDB_txn *txn = NULL;
    int rc = mdb_env_create(&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(self->env, 2);
    if (rc == 0) /* room for a full queue while thinning, plus LMDB's own pages */
        rc = mdb_env_set_mapsize(self->env, self->max_bytes * 3 + (64u << 20));
    if (rc == 0)
        rc = mdb_env_open(self->env, dir, MDB_NOTLS, 0600);
    if (rc == 0) {
        int dead;
        mdb_reader_check(self->env, &dead);
        rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    }
    if (rc == 0)
        rc = mdb_dbi_open(txn, "queue", MDB_CREATE, &self->queue);
    if (rc == 0)
        rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &self->meta);
    if (rc == 0)
        rc = s_identity(self, txn);
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (txn)
        mdb_txn_abort(txn);
    if (rc != 0) {
        td_err err = td_fail(why, TD_ESTORE, "outbox %s: %s", dir, mdb_strerror(rc));
        td_outbox_destroy(&self);
        return err;
    }
    *out = self;
    return TD_OK;
}

void td_outbox_destroy(td_outbox **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->env)
        mdb_env_close((*self_p)->env);
    free(*self_p);
    *self_p = NULL;
}

static void s_get_counters(td_outbox *self, MDB_txn *txn, s_counters *c)
{
    MDB_val k = {8, "counters"}, v;
    memset(c, 0, sizeof *c);
    c->next_seq = 1;
    if (mdb_get(txn, self->meta, &k, &v) == 0 && v.mv_size == sizeof *c)
        memcpy(c, v.mv_data, sizeof *c);
}

static int s_put_counters(td_outbox *self, MDB_txn *txn, const s_counters *c)
{
    MDB_val k = {8, "counters"}, v = {sizeof *c, (void *)c};
    return mdb_put(txn, self->meta, &k, &v, 0);
}

static bool s_same_as_last(td_outbox *self, MDB_txn *txn, const uint8_t *body, size_t len)
{
    MDB_val k = {4, "last"}, v;
    return mdb_get(txn, self->meta, &k, &v) == 0 && v.mv_size == len &&
           memcmp(v.mv_data, body, len) == 0;
}

typedef struct {
    uint64_t seq;
    td_day day;
    size_t size;
    bool gone;
} s_entry;

static int s_load_entries(td_outbox *self, MDB_txn *txn, s_entry **out, size_t *n)
{
    MDB_stat st;
    MDB_cursor *cur;
    MDB_val k, v;
    *out = NULL;
    *n = 0;
    int rc = mdb_stat(txn, self->queue, &st);
    s_entry *e = rc ? NULL : calloc(st.ms_entries + 1, sizeof *e);
    if (!e)
        return rc ? rc : ENOMEM;
    rc = mdb_cursor_open(txn, self->queue, &cur);
    *n = 0;
    for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
        rc = mdb_cursor_get(cur, &k, &v, op);
        if (rc != 0 || *n > st.ms_entries || k.mv_size != 8 || v.mv_size < 8)
            break;
        td_rbuf r;
        td_rbuf_init(&r, v.mv_data, 8);
        e[*n] = (s_entry){td_key_u64(k.mv_data), td_time_day(td_rbuf_i64(&r)), v.mv_size, false};
        (*n)++;
    }
    if (rc == 0 || rc == MDB_NOTFOUND)
        mdb_cursor_close(cur);
    *out = e;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Drops older reports until the queue fits: first each report that a later one of the same day
 * supersedes, then the oldest of the rest; never the newest report. */
static int s_thin(td_outbox *self, MDB_txn *txn, s_counters *c)
{
    s_entry *e;
    size_t n;
    int rc = s_load_entries(self, txn, &e, &n);
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        for (size_t i = 0; i + 1 < n && c->bytes > self->max_bytes; i++) {
            if (e[i].gone || (pass == 0 && e[i].day != e[i + 1].day))
                continue;
            uint8_t key[8];
            for (int b = 0; b < 8; b++)
                key[b] = (uint8_t)(e[i].seq >> (56 - 8 * b));
            MDB_val k = {8, key};
            rc = mdb_del(txn, self->queue, &k, NULL);
            if (rc != 0)
                break;
            e[i].gone = true;
            c->bytes -= e[i].size;
            c->thinned++;
        }
    }
    free(e);
    return rc;
}

static int s_push(td_outbox *self, MDB_txn *txn, const uint8_t *body, size_t len, td_time as_of,
                  uint64_t *seq)
{
    s_counters c;
    s_get_counters(self, txn, &c);
    td_wbuf key, val;
    td_wbuf_init(&key);
    td_wbuf_init(&val);
    td_wbuf_key_u64(&key, c.next_seq);
    td_wbuf_i64(&val, as_of);
    td_wbuf_bytes(&val, body, len);
    int rc = key.oom || val.oom ? ENOMEM : 0;
    MDB_val k = {key.len, key.data}, v = {val.len, val.data}, lk = {4, "last"};
    MDB_val lv = {len, (void *)body};
    if (rc == 0)
        rc = mdb_put(txn, self->queue, &k, &v, MDB_APPEND);
    if (rc == 0)
        rc = mdb_put(txn, self->meta, &lk, &lv, 0);
    *seq = c.next_seq++;
    c.bytes += val.len;
    if (rc == 0 && c.bytes > self->max_bytes)
        rc = s_thin(self, txn, &c);
    if (rc == 0)
        rc = s_put_counters(self, txn, &c);
    td_wbuf_fini(&key);
    td_wbuf_fini(&val);
    return rc;
}

td_err td_outbox_push(td_outbox *self, const uint8_t *body, size_t len, td_time as_of,
                      uint64_t *seq, bool *queued, td_errmsg *why)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    if (rc != 0)
        return s_mdb(why, rc, "begin");
    *queued = !s_same_as_last(self, txn, body, len);
    if (!*queued) {
        mdb_txn_abort(txn);
        return TD_OK;
    }
    rc = s_push(self, txn, body, len, as_of, seq);
    if (rc != 0) {
        mdb_txn_abort(txn);
        *queued = false;
        return s_mdb(why, rc, "queueing a report");
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0)
        *queued = false;
    return s_mdb(why, rc, "committing a report");
}

td_err td_outbox_each(td_outbox *self, uint64_t after, size_t max,
                      bool (*cb)(const td_outbox_entry *e, void *arg), void *arg)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    if (after == UINT64_MAX)
        return TD_OK; /* nothing can follow */
    int rc = mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return TD_ESTORE;
    rc = mdb_cursor_open(txn, self->queue, &cur);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return TD_ESTORE;
    }
    td_wbuf key;
    td_wbuf_init(&key);
    td_wbuf_key_u64(&key, after + 1);
    MDB_val k = {key.len, key.data}, v;
    rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (size_t n = 0; rc == 0 && n < max && k.mv_size == 8 && v.mv_size >= 8; n++) {
        td_outbox_entry e = {
            .seq = td_key_u64(k.mv_data), .body = (uint8_t *)v.mv_data + 8, .len = v.mv_size - 8};
        td_rbuf r;
        td_rbuf_init(&r, v.mv_data, 8);
        e.as_of = td_rbuf_i64(&r);
        if (!cb(&e, arg))
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    td_wbuf_fini(&key);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc == 0 || rc == MDB_NOTFOUND ? TD_OK : TD_ESTORE;
}

td_err td_outbox_remove(td_outbox *self, uint64_t seq)
{
    MDB_txn *txn;
    if (mdb_txn_begin(self->env, NULL, 0, &txn) != 0)
        return TD_ESTORE;
    td_wbuf key;
    td_wbuf_init(&key);
    td_wbuf_key_u64(&key, seq);
    MDB_val k = {key.len, key.data}, v;
    s_counters c;
    s_get_counters(self, txn, &c);
    int rc = mdb_get(txn, self->queue, &k, &v);
    if (rc == 0) {
        c.bytes -= v.mv_size;
        rc = mdb_del(txn, self->queue, &k, NULL);
        if (rc == 0)
            rc = s_put_counters(self, txn, &c);
    }
    td_wbuf_fini(&key);
    if (rc == MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return TD_OK;
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return TD_ESTORE;
    }
    return mdb_txn_commit(txn) == 0 ? TD_OK : TD_ESTORE;
}

/* The base: the body of the newest report the collector acknowledged, kept so that the next
 * report can be sent as a delta against it after the queue has drained. */
static const MDB_val s_base_key = {4, "base"};

/* The seq of the base, or 0. */
static uint64_t s_base_seq(td_outbox *self, MDB_txn *txn)
{
    MDB_val k = s_base_key, v;
    uint64_t seq = 0;
    if (mdb_get(txn, self->meta, &k, &v) == 0 && v.mv_size >= sizeof seq)
        memcpy(&seq, v.mv_data, sizeof seq);
    return seq;
}

td_err td_outbox_acknowledge(td_outbox *self, uint64_t seq)
{
    MDB_txn *txn;
    if (mdb_txn_begin(self->env, NULL, 0, &txn) != 0)
        return TD_ESTORE;
    td_wbuf key, base;
    td_wbuf_init(&key);
    td_wbuf_init(&base);
    td_wbuf_key_u64(&key, seq);
    MDB_val k = {key.len, key.data}, v;
    s_counters c;
    s_get_counters(self, txn, &c);
    int rc = key.oom ? ENOMEM : mdb_get(txn, self->queue, &k, &v);
    if (rc == 0 && seq > s_base_seq(self, txn) && v.mv_size >= 8) {
        /* Copied before any update: LMDB's pointer is good only until then. */
        td_wbuf_bytes(&base, &seq, sizeof seq);
        td_wbuf_bytes(&base, (const uint8_t *)v.mv_data + 8, v.mv_size - 8);
        rc = base.oom ? ENOMEM : 0;
    }
    if (rc == 0) {
        c.bytes -= v.mv_size;
        rc = mdb_del(txn, self->queue, &k, NULL);
    }
    if (rc == 0 && base.len > 0) {
        MDB_val bk = s_base_key, bv = {base.len, base.data};
        rc = mdb_put(txn, self->meta, &bk, &bv, 0);
    }
    if (rc == 0)
        rc = s_put_counters(self, txn, &c);
    td_wbuf_fini(&key);
    td_wbuf_fini(&base);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc == MDB_NOTFOUND ? TD_OK : TD_ESTORE;
    }
    return mdb_txn_commit(txn) == 0 ? TD_OK : TD_ESTORE;
}

/* The queued report just before seq: its seq and body (copied). MDB_NOTFOUND when none. */
static int s_prev(td_outbox *self, MDB_txn *txn, uint64_t seq, uint64_t *prev, td_wbuf *body)
{
    MDB_cursor *cur;
    td_wbuf key;
    td_wbuf_init(&key);
    td_wbuf_key_u64(&key, seq);
    int rc = key.oom ? ENOMEM : mdb_cursor_open(txn, self->queue, &cur);
    if (rc != 0) {
        td_wbuf_fini(&key);
        return rc;
    }
    MDB_val k = {key.len, key.data}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    rc = mdb_cursor_get(cur, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
    if (rc == 0 && (k.mv_size != 8 || v.mv_size < 8 || td_key_u64(k.mv_data) >= seq))
        rc = MDB_NOTFOUND;
    if (rc == 0) {
        *prev = td_key_u64(k.mv_data);
        td_wbuf_bytes(body, (const uint8_t *)v.mv_data + 8, v.mv_size - 8);
    }
    mdb_cursor_close(cur);
    td_wbuf_fini(&key);
    return rc;
}

td_err td_outbox_base_of(td_outbox *self, uint64_t seq, uint64_t *base_seq, uint8_t **body,
                         size_t *len)
{
    MDB_txn *txn;
    if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) != 0)
        return TD_ESTORE;
    td_wbuf b;
    td_wbuf_init(&b);
    uint64_t found = 0;
    int rc = s_prev(self, txn, seq, &found, &b);
    if (rc == MDB_NOTFOUND) {
        MDB_val k = s_base_key, v;
        rc = mdb_get(txn, self->meta, &k, &v);
        if (rc == 0 && v.mv_size > sizeof found) {
            memcpy(&found, v.mv_data, sizeof found);
            td_wbuf_bytes(&b, (const uint8_t *)v.mv_data + sizeof found, v.mv_size - sizeof found);
        } else if (rc == 0) {
            rc = MDB_NOTFOUND; /* a base too short to hold a body: as good as none */
        }
    }
    mdb_txn_abort(txn);
    if (rc == 0 && (b.oom || b.len == 0))
        rc = b.oom ? ENOMEM : MDB_NOTFOUND;
    if (rc != 0) {
        td_wbuf_fini(&b);
        return rc == MDB_NOTFOUND ? TD_ENOTFOUND : rc == ENOMEM ? TD_ENOMEM : TD_ESTORE;
    }
    *base_seq = found;
    *body = b.data; /* handed over: td_wbuf_fini is not called */
    *len = b.len;
    return TD_OK;
}

uint64_t td_outbox_id(td_outbox *self)
{
    return self->id;
}

size_t td_outbox_depth(td_outbox *self)
{
    MDB_txn *txn;
    MDB_stat st;
    if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) != 0)
        return 0;
    size_t n = mdb_stat(txn, self->queue, &st) == 0 ? st.ms_entries : 0;
    mdb_txn_abort(txn);
    return n;
}

uint64_t td_outbox_thinned(td_outbox *self)
{
    MDB_txn *txn;
    s_counters c;
    if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &txn) != 0)
        return 0;
    s_get_counters(self, txn, &c);
    mdb_txn_abort(txn);
    return c.thinned;
}
