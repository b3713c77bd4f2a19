#include "keycache.h"

#include <czmq.h>
#include <stdlib.h>

#include "tiendo/keys.h"
#include "tiendo/log.h"

struct td_keycache {
    td_store *store;
    zhashx_t *valid;     /* Z85 public key -> td_keyrec, valid keys only */
    uint64_t generation; /* of the store's keys when loaded */
    bool loaded;
    bool revoked; /* a valid key was revoked since the last take */
};

static td_err s_generation_fn(td_txn *txn, void *arg)
{
    return td_store_keys_generation(txn, arg);
}

static td_err s_add(const td_keyrec *k, void *arg)
{
    if (k->revoked || k->role == TD_ROLE_TOKEN) /* tokens are not CURVE keys */
        return TD_OK;
    td_keyrec *copy = malloc(sizeof *copy);
    if (!copy)
        return TD_ENOMEM;
    *copy = *k;
    char txt[TD_Z85_LEN + 1];
    td_keys_encode(k->key, txt);
    zhashx_update(arg, txt, copy);
    return TD_OK;
}

typedef struct {
    zhashx_t *valid;
    uint64_t generation;
} s_load;

static td_err s_load_fn(td_txn *txn, void *arg)
{
    s_load *l = arg;
    td_err err = td_store_keys_generation(txn, &l->generation);
    return err ? err : td_store_each_key(txn, s_add, l->valid);
}

static void s_free_rec(void **item)
{
    free(*item);
    *item = NULL;
}

td_keycache *td_keycache_new(td_store *store)
{
    td_keycache *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    self->valid = zhashx_new();
    zhashx_set_destructor(self->valid, s_free_rec);
    td_keycache_refresh(self);
    return self;
}

void td_keycache_destroy(td_keycache **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->valid);
    free(*self_p);
    *self_p = NULL;
}

void td_keycache_refresh(td_keycache *self)
{
    uint64_t gen = 0;
    if (td_store_view(self->store, s_generation_fn, &gen, NULL) != TD_OK ||
        (self->loaded && gen == self->generation))
        return;
    s_load l = {.valid = zhashx_new()};
    zhashx_set_destructor(l.valid, s_free_rec);
    td_errmsg why = {""};
    if (td_store_view(self->store, s_load_fn, &l, &why) != TD_OK) {
        /* Keep the keys as they were; try again at the next refresh. */
        td_log_error("cannot load keys", "error=\"%s\"", why.text);
        zhashx_destroy(&l.valid);
        return;
    }
    zhashx_t *old = self->valid;
    self->valid = l.valid;
    self->generation = l.generation;
    self->loaded = true;
    for (void *rec = zhashx_first(old); rec; rec = zhashx_next(old))
        if (!zhashx_lookup(self->valid, zhashx_cursor(old)))
            self->revoked = true;
    zhashx_destroy(&old);
}

bool td_keycache_take_revocation(td_keycache *self)
{
    bool revoked = self->revoked;
    self->revoked = false;
    return revoked;
}

const td_keyrec *td_keycache_find(td_keycache *self, const char *z85)
{
    td_keyrec *rec = zhashx_lookup(self->valid, z85);
    if (!rec) {
        td_keycache_refresh(self);
        rec = zhashx_lookup(self->valid, z85);
    }
    return rec;
}
