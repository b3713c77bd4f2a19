/* Offline administration of a collector's data directory: init, enroll, revoke, keys. These
 * work whether or not the collector runs: LMDB serializes writers across processes, and the
 * running collector notices key changes through the keys generation counter. */
#include "collector.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tiendo/keys.h"

static void s_path(char *buf, size_t cap, const char *dir, const char *file)
{
    snprintf(buf, cap, "%s/%s", dir, file);
}

td_store *td_collector_open_store(const char *data, size_t map_max)
{
    char dir[4096];
    td_errmsg why;
    td_store *store = NULL;
    s_path(dir, sizeof dir, data, "store");
    if (td_store_open(dir, 0, map_max, &store, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        return NULL;
    }
    return store;
}

typedef struct {
    td_keyrec rec;
} s_put_key;

static td_err s_put_key_fn(td_txn *txn, void *arg)
{
    return td_store_put_key(txn, &((s_put_key *)arg)->rec);
}

/* Generates a keypair, enrolls its public key with role and name, and writes the credential. */
static int s_issue(td_store *store, const char *data, int role, const char *name, const char *out)
{
    td_cred collector, cred;
    td_errmsg why;
    char path[4096];
    s_path(path, sizeof path, data, TD_COLLECTOR_KEY_FILE);
    if (td_keys_load(path, &collector, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        return 1;
    }
    memset(&cred, 0, sizeof cred);
    td_keys_generate(cred.public_txt, cred.secret_txt);
    snprintf(cred.collector_txt, sizeof cred.collector_txt, "%s", collector.public_txt);
    snprintf(cred.role, sizeof cred.role, "%s", td_role_name(role));
    snprintf(cred.name, sizeof cred.name, "%s", name);
    s_put_key put = {.rec = {.role = role, .created = time(NULL)}};
    td_keys_decode(cred.public_txt, put.rec.key);
    snprintf(put.rec.name, sizeof put.rec.name, "%s", name);
    if (td_keys_save(out, &cred, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        return 1;
    }
    if (td_store_update(store, s_put_key_fn, &put, &why) != TD_OK) {
        unlink(out);
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        return 1;
    }
    return 0;
}

/* enroll --operator NAME --token: a bearer token for the HTTP API, printed once; the store
 * keeps only its digest. Revoked like the operator's keys (revoke --operator NAME). */
static int s_issue_token(const td_collector_opts *o)
{
    char token[TD_TOKEN_LEN + 1];
    td_errmsg why;
    if (!td_code_valid(o->operator_name)) {
        fprintf(stderr, "tiendo-collector: operator name \"%s\" must be 1-32 of [A-Za-z0-9._-]\n",
                o->operator_name);
        return 1;
    }
    if (td_keys_token_new(token) != TD_OK) {
        fprintf(stderr, "tiendo-collector: no randomness for a token\n");
        return 1;
    }
    s_put_key put = {.rec = {.role = TD_ROLE_TOKEN, .created = time(NULL)}};
    td_keys_token_digest(token, put.rec.key);
    snprintf(put.rec.name, sizeof put.rec.name, "%s", o->operator_name);
    td_store *store = td_collector_open_store(o->data, 0);
    int rc = !store || td_store_update(store, s_put_key_fn, &put, &why) != TD_OK;
    if (store && rc)
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
    td_store_destroy(&store);
    if (rc == 0)
        printf("%s\n", token); /* shown once: the store keeps only its digest */
    return rc;
}

static int s_init_keys(const char *data)
{
    td_cred c;
    td_errmsg why;
    char path[4096];
    memset(&c, 0, sizeof c);
    td_keys_generate(c.public_txt, c.secret_txt);
    snprintf(c.role, sizeof c.role, "collector");
    snprintf(c.name, sizeof c.name, "collector");
    s_path(path, sizeof path, data, TD_COLLECTOR_KEY_FILE);
    if (td_keys_save(path, &c, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        return 1;
    }
    return 0;
}

int td_collector_init(const td_collector_opts *o)
{
    char dir[4096], key[4096];
    s_path(dir, sizeof dir, o->data, "store");
    s_path(key, sizeof key, o->data, TD_COLLECTOR_KEY_FILE);
    if (td_store_exists(dir) || access(key, F_OK) == 0) {
        fprintf(stderr, "tiendo-collector: %s already holds a store; refusing to overwrite it\n",
                o->data);
        return 1;
    }
    if ((mkdir(o->data, 0700) != 0 && errno != EEXIST) ||
        (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
        fprintf(stderr, "tiendo-collector: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    td_errmsg why;
    td_store *store = NULL;
    if (td_store_open(dir, TD_STORE_CREATE, 0, &store, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        return 1;
    }
    char admin[4096];
    s_path(admin, sizeof admin, o->data, TD_ADMIN_CRED_FILE);
    int rc = s_init_keys(o->data);
    if (rc == 0)
        rc = s_issue(store, o->data, TD_ROLE_ADMIN, "admin", admin);
    td_store_destroy(&store);
    if (rc == 0)
        printf("initialized %s (admin credential: %s)\n", o->data, admin);
    return rc;
}

static td_err s_agency_exists(td_txn *txn, void *arg)
{
    td_agency a;
    td_err err = td_store_get_agency(txn, arg, &a);
    if (err == TD_OK)
        td_agency_fini(&a);
    return err;
}

int td_collector_enroll(const td_collector_opts *o)
{
    int role = TD_ROLE_AGENT;
    const char *name = o->agency;
    if (o->token) {
        if (o->operator_name && !o->agency && !o->out && !o->agencies_from)
            return s_issue_token(o);
        fprintf(stderr, "tiendo-collector: enroll --token goes with --operator NAME only\n");
        return 1;
    }
    if (o->agencies_from || o->out_dir) {
        if (o->agencies_from && o->out_dir && !o->agency && !o->operator_name && !o->out)
            return td_collector_enroll_many(o);
        fprintf(stderr, "tiendo-collector: enroll --agencies-from FILE goes with --out-dir DIR "
                        "(and neither --agency, --operator nor --out)\n");
        return 1;
    }
    if (!o->out || (!o->agency == !o->operator_name)) {
        fprintf(stderr, "tiendo-collector: enroll needs --out FILE and one of --agency CODE or "
                        "--operator NAME\n");
        return 1;
    }
    if (o->operator_name) {
        name = o->operator_name;
        role = TD_ROLE_OPERATOR;
        if (o->role && (td_role_parse(o->role, &role) != TD_OK || role == TD_ROLE_AGENT)) {
            fprintf(stderr, "tiendo-collector: --role \"%s\" is not one of operator|admin\n",
                    o->role);
            return 1;
        }
        if (!td_code_valid(name)) {
            fprintf(stderr,
                    "tiendo-collector: operator name \"%s\" must be 1-32 of "
                    "[A-Za-z0-9._-]\n",
                    name);
            return 1;
        }
    }
    td_store *store = td_collector_open_store(o->data, 0);
    if (!store)
        return 1;
    td_errmsg why;
    int rc = 0;
    if (role == TD_ROLE_AGENT && td_store_view(store, s_agency_exists, (void *)name, &why)) {
        fprintf(stderr, "tiendo-collector: agency \"%s\" is not registered; nothing written\n",
                name);
        rc = 1;
    }
    if (rc == 0)
        rc = s_issue(store, o->data, role, name, o->out);
    if (rc == 0)
        printf("enrolled %s %s: %s\n", td_role_name(role), name, o->out);
    td_store_destroy(&store);
    return rc;
}
