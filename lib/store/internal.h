/* Internals shared by the files of lib/store. */
#ifndef TIENDO_STORE_INTERNAL_H
#define TIENDO_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>

#include "codec.h"
#include "tiendo/store.h"

#define TD_STORE_SCHEMA 1

enum {
    TD_DB_META,
    TD_DB_AGENCIES,
    TD_DB_TASKS,
    TD_DB_KEYS,
    TD_DB_AGENTS,
    TD_DB_REPORTS,
    TD_DB_VERSIONS,
    TD_DB_ALERTS,
    TD_DB_BASES,
    TD_DB_COUNT
};

struct td_store {
    MDB_env *env;
    MDB_dbi dbi[TD_DB_COUNT];
    size_t map_max;
    bool rdonly;
    /* Transactions hold it shared; changing the map size holds it exclusive, since LMDB
     * forbids mdb_env_set_mapsize while any transaction of the process is open. */
    pthread_rwlock_t map_lock;
};

struct td_txn {
    td_store *store;
    MDB_txn *txn;
    td_wbuf key; /* scratch for building keys */
    td_wbuf val; /* scratch for encoding values */
    int mdb_rc;  /* the last LMDB error, kept to tell a full map from other failures */
};

/* Maps an LMDB return code to td_err, remembering it in the transaction. */
td_err td_store_mdb_err(td_txn *txn, int rc);
/* Puts txn->key -> txn->val into db. */
td_err td_store_put_kv(td_txn *txn, int db);
/* Gets txn->key from db; TD_ENOTFOUND when absent. */
td_err td_store_get_kv(td_txn *txn, int db, td_rbuf *out);
/* Iterates the entries of db whose key starts with prefix (may be empty). */
typedef td_err (*td_kv_fn)(const uint8_t *key, size_t klen, td_rbuf *val, void *arg);
td_err td_store_scan(td_txn *txn, int db, const void *prefix, size_t plen, td_kv_fn fn, void *arg);

/* Among the keys `prefix | as_of` (as_of big-endian, sign flipped), finds the one with the
 * greatest as_of <= t: one MDB_SET_RANGE and one step back. The value is valid until the next
 * store call in the transaction. TD_ENOTFOUND when none. */
td_err td_store_seek_at(td_txn *txn, int db, const uint8_t *prefix, size_t plen, td_time t,
                        td_time *as_of, td_rbuf *val);

/* Versions, not copies (lib/store/versions.c). A marker repeats the version at *ref. */
bool td_store_marker(const uint8_t *val, size_t len, td_time *ref);
/* The state in effect at t under prefix: like td_store_seek_at, markers followed to the version
 * they repeat. *as_of is the entry found (the latest report), *real_as_of the version's. */
td_err td_store_seek_state(td_txn *txn, const uint8_t *prefix, size_t plen, td_time t,
                           td_time *as_of, td_time *real_as_of, td_rbuf *val);
/* Puts val (received_at and seq, then the fields) at prefix | as_of as a version, or as a
 * marker when the state in effect there has the same fields; *stored: a version was written. */
td_err td_store_put_state(td_txn *txn, const uint8_t *prefix, size_t plen, td_time as_of,
                          const uint8_t *val, size_t len, bool *stored);

#endif
