/* The LMDB environment: opening, transactions, map growth. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const s_db_names[TD_DB_COUNT] = {
    "meta", "agencies", "tasks", "keys", "agents", "reports", "versions", "alerts", "bases",
};

td_err td_store_mdb_err(td_txn *txn, int rc)
{
    if (txn)
        txn->mdb_rc = rc;
    switch (rc) {
    case MDB_SUCCESS:
        return TD_OK;
    case MDB_NOTFOUND:
        return TD_ENOTFOUND;
    case MDB_MAP_FULL:
    case ENOSPC:
        return TD_EFULL;
    case ENOMEM:
        return TD_ENOMEM;
    default:
        return TD_ESTORE;
    }
}

bool td_store_exists(const char *dir)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    return stat(path, &st) == 0;
}

static td_err s_open_dbs(td_store *self, td_errmsg *why)
{
    MDB_txn *txn;
    unsigned create = self->rdonly ? 0 : MDB_CREATE;
    int rc = mdb_txn_begin(self->env, NULL, self->rdonly ? MDB_RDONLY : 0, &txn);
    for (int i = 0; rc == 0 && i < TD_DB_COUNT; i++)
        rc = mdb_dbi_open(txn, s_db_names[i], create, &self->dbi[i]);
    if (rc == 0 && !self->rdonly) {
        uint32_t schema = TD_STORE_SCHEMA;
        MDB_val k = {7, "schema"}, v = {sizeof schema, &schema};
        rc = mdb_put(txn, self->dbi[TD_DB_META], &k, &v, MDB_NOOVERWRITE);
        if (rc == MDB_KEYEXIST)
            rc = 0;
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return td_fail(why, td_store_mdb_err(NULL, rc), "store: %s", mdb_strerror(rc));
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0)
        return td_fail(why, td_store_mdb_err(NULL, rc), "store: %s", mdb_strerror(rc));
    return TD_OK;
}

static size_t s_initial_map(const char *dir, size_t map_max)
{
    char path[4096];
    struct stat st;
    size_t size = TD_STORE_MAP_INITIAL;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    /* Never open with a map smaller than the file: start from the file's size, rounded up. */
    if (stat(path, &st) == 0)
        while (size < (size_t)st.st_size)
            size *= 2;
    return size < map_max ? size : map_max;
}

td_err td_store_open(const char *dir, unsigned flags, size_t map_max, td_store **out,
                     td_errmsg *why)
{
    if (!(flags & TD_STORE_CREATE) && !td_store_exists(dir))
        return td_fail(why, TD_ENOTFOUND, "%s: no store here (run init first)", dir);
    td_store *self = calloc(1, sizeof *self);
    if (!self)
        return td_fail(why, TD_ENOMEM, "store: out of memory");
    self->map_max = map_max ? map_max : TD_STORE_MAP_MAX_DEFAULT;
    pthread_rwlock_init(&self->map_lock, NULL);
    self->rdonly = flags & TD_STORE_RDONLY;
    int rc = mdb_env_create(&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(self->env, TD_DB_COUNT);
    if (rc == 0)
        rc = mdb_env_set_maxreaders(self->env, 256);
    if (rc == 0)
        rc = mdb_env_set_mapsize(self->env, s_initial_map(dir, self->map_max));
    if (rc == 0)
        rc = mdb_env_open(self->env, dir, MDB_NOTLS | (self->rdonly ? MDB_RDONLY : 0), 0600);
    if (rc != 0) {
        td_err err = td_fail(why, td_store_mdb_err(NULL, rc), "%s: %s", dir, mdb_strerror(rc));
        mdb_env_close(self->env);
        pthread_rwlock_destroy(&self->map_lock);
        free(self);
        return err;
    }
    int dead = 0;
    mdb_reader_check(self->env, &dead);
    td_err err = s_open_dbs(self, why);
    if (err) {
        td_store_destroy(&self);
        return err;
    }
    *out = self;
    return TD_OK;
}

void td_store_destroy(td_store **self_p)
{
    if (!self_p || !*self_p)
        return;
    mdb_env_close((*self_p)->env);
    pthread_rwlock_destroy(&(*self_p)->map_lock);
    free(*self_p);
    *self_p = NULL;
}

int td_store_reader_check(td_store *self)
{
    int dead = 0;
    mdb_reader_check(self->env, &dead);
    return dead;
}

void td_store_usage(td_store *self, size_t *used, size_t *map_size, size_t *map_max)
{
    MDB_envinfo info;
    MDB_stat st;
    mdb_env_info(self->env, &info);
    mdb_env_stat(self->env, &st);
    if (used)
        *used = (size_t)(info.me_last_pgno + 1) * st.ms_psize;
    if (map_size)
        *map_size = info.me_mapsize;
    if (map_max)
        *map_max = self->map_max;
}

/* Doubles the map, bounded by map_max. Only called with no transaction open in this process. */
static td_err s_grow(td_store *self, td_errmsg *why)
{
    MDB_envinfo info;
    pthread_rwlock_wrlock(&self->map_lock);
    mdb_env_info(self->env, &info);
    if (info.me_mapsize >= self->map_max) {
        pthread_rwlock_unlock(&self->map_lock);
        return td_fail(why, TD_EFULL, "store: map is at its maximum (%zu MiB)",
                       self->map_max >> 20);
    }
    size_t size = info.me_mapsize * 2;
    if (size > self->map_max)
        size = self->map_max;
    int rc = mdb_env_set_mapsize(self->env, size);
    pthread_rwlock_unlock(&self->map_lock);
    if (rc != 0)
        return td_fail(why, td_store_mdb_err(NULL, rc), "store: growing map: %s", mdb_strerror(rc));
    return TD_OK;
}

/* Begins a transaction holding the map lock shared; s_txn_fini releases it. */
static td_err s_begin(td_store *self, bool write, td_txn *txn)
{
    memset(txn, 0, sizeof *txn);
    txn->store = self;
    pthread_rwlock_rdlock(&self->map_lock);
    int rc = mdb_txn_begin(self->env, NULL, write ? 0 : MDB_RDONLY, &txn->txn);
    if (rc == MDB_MAP_RESIZED) {
        /* Another process grew the map: adopt its size (no transaction of ours may be open
         * meanwhile) and try once more. */
        pthread_rwlock_unlock(&self->map_lock);
        pthread_rwlock_wrlock(&self->map_lock);
        mdb_env_set_mapsize(self->env, 0);
        pthread_rwlock_unlock(&self->map_lock);
        pthread_rwlock_rdlock(&self->map_lock);
        rc = mdb_txn_begin(self->env, NULL, write ? 0 : MDB_RDONLY, &txn->txn);
    }
    return td_store_mdb_err(txn, rc);
}

static void s_txn_fini(td_txn *txn)
{
    pthread_rwlock_unlock(&txn->store->map_lock);
    td_wbuf_fini(&txn->key);
    td_wbuf_fini(&txn->val);
}

td_err td_store_update(td_store *self, td_store_fn fn, void *arg, td_errmsg *why)
{
    if (self->rdonly)
        return td_fail(why, TD_EPERM, "store: opened read-only");
    for (;;) {
        td_txn txn;
        td_err err = s_begin(self, true, &txn);
        if (err == TD_OK) {
            err = fn(&txn, arg);
            if (err == TD_OK)
                err = td_store_mdb_err(&txn, mdb_txn_commit(txn.txn));
            else
                mdb_txn_abort(txn.txn);
        }
        int rc = txn.mdb_rc;
        s_txn_fini(&txn);
        if (err == TD_OK)
            return TD_OK;
        if (rc == MDB_MAP_FULL) {
            err = s_grow(self, why);
            if (err == TD_OK)
                continue;
            return err;
        }
        if (rc == ENOSPC)
            return td_fail(why, TD_EFULL, "store: disk full");
        if (rc != 0 && rc != MDB_NOTFOUND)
            return td_fail(why, err, "store: %s", mdb_strerror(rc));
        return err; /* fn's own error: fn said why through its argument */
    }
}

td_err td_store_view(td_store *self, td_store_fn fn, void *arg, td_errmsg *why)
{
    td_txn txn;
    td_err err = s_begin(self, false, &txn);
    if (err != TD_OK) {
        s_txn_fini(&txn);
        return td_fail(why, err, "store: %s", mdb_strerror(txn.mdb_rc));
    }
    err = fn(&txn, arg);
    mdb_txn_abort(txn.txn);
    if (err != TD_OK && txn.mdb_rc != 0 && txn.mdb_rc != MDB_NOTFOUND)
        td_fail(why, err, "store: %s", mdb_strerror(txn.mdb_rc));
    s_txn_fini(&txn);
    return err;
}

td_err td_store_put_kv(td_txn *txn, int db)
{
    if (txn->key.oom || txn->val.oom)
        return TD_ENOMEM;
    MDB_val k = {txn->key.len, txn->key.data}, v = {txn->val.len, txn->val.data};
    return td_store_mdb_err(txn, mdb_put(txn->txn, txn->store->dbi[db], &k, &v, 0));
}

td_err td_store_get_kv(td_txn *txn, int db, td_rbuf *out)
{
    if (txn->key.oom)
        return TD_ENOMEM;
    MDB_val k = {txn->key.len, txn->key.data}, v;
    int rc = mdb_get(txn->txn, txn->store->dbi[db], &k, &v);
    if (rc != 0)
        return rc == MDB_NOTFOUND ? TD_ENOTFOUND : td_store_mdb_err(txn, rc);
    td_rbuf_init(out, v.mv_data, v.mv_size);
    return TD_OK;
}

td_err td_store_scan(td_txn *txn, int db, const void *prefix, size_t plen, td_kv_fn fn, void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, txn->store->dbi[db], &cur);
    if (rc != 0)
        return td_store_mdb_err(txn, rc);
    MDB_val k = {plen, (void *)prefix}, v;
    rc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
    td_err err = TD_OK;
    while (rc == 0 && err == TD_OK) {
        if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
            break;
        td_rbuf r;
        td_rbuf_init(&r, v.mv_data, v.mv_size);
        err = fn(k.mv_data, k.mv_size, &r, arg);
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (err == TD_OK && rc != 0 && rc != MDB_NOTFOUND)
        err = td_store_mdb_err(txn, rc);
    return err;
}
