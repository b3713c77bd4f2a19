/* revoke and keys: the enrolled keys of a collector. */
#include "collector.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tiendo/keys.h"

typedef struct {
    const td_collector_opts *o;
    td_keyrec *hits;
    size_t n;
    td_time now;
} s_revoke;

static bool s_matches(const td_collector_opts *o, const td_keyrec *k)
{
    char txt[TD_Z85_LEN + 1];
    if (o->key) {
        td_keys_encode(k->key, txt);
        return strcmp(txt, o->key) == 0;
    }
    if (o->agency)
        return k->role == TD_ROLE_AGENT && strcmp(k->name, o->agency) == 0;
    return k->role != TD_ROLE_AGENT && strcmp(k->name, o->operator_name) == 0;
}

static td_err s_collect(const td_keyrec *k, void *arg)
{
    s_revoke *r = arg;
    if (k->revoked || !s_matches(r->o, k))
        return TD_OK;
    td_keyrec *hits = realloc(r->hits, (r->n + 1) * sizeof *hits);
    if (!hits)
        return TD_ENOMEM;
    r->hits = hits;
    r->hits[r->n++] = *k;
    return TD_OK;
}

static td_err s_revoke_fn(td_txn *txn, void *arg)
{
    s_revoke *r = arg;
    r->n = 0;
    td_err err = td_store_each_key(txn, s_collect, r);
    for (size_t i = 0; err == TD_OK && i < r->n; i++) {
        r->hits[i].revoked = r->now;
        err = td_store_put_key(txn, &r->hits[i]);
    }
    return err;
}

int td_collector_revoke(const td_collector_opts *o)
{
    if ((!!o->agency + !!o->operator_name + !!o->key) != 1) {
        fprintf(stderr, "tiendo-collector: revoke needs one of --agency CODE, --operator NAME, "
                        "--key PUBLIC\n");
        return 1;
    }
    td_store *store = td_collector_open_store(o->data, 0);
    if (!store)
        return 1;
    s_revoke r = {.o = o, .now = time(NULL)};
    td_errmsg why;
    int rc = 0;
    if (td_store_update(store, s_revoke_fn, &r, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        rc = 1;
    } else if (r.n == 0) {
        fprintf(stderr, "tiendo-collector: no valid key matches; nothing revoked\n");
        rc = 1;
    } else {
        printf("revoked %zu key%s\n", r.n, r.n == 1 ? "" : "s");
    }
    free(r.hits);
    td_store_destroy(&store);
    return rc;
}

typedef struct {
    td_txn *txn;
    json_t *rows;
} s_list;

static td_err s_key_row(const td_keyrec *k, void *arg)
{
    s_list *l = arg;
    char txt[TD_Z85_LEN + 1], when[26];
    td_keys_encode(k->key, txt);
    json_t *row = json_object();
    json_object_set_new(row, "key", json_string(txt));
    json_object_set_new(row, "role", json_string(td_role_name(k->role)));
    json_object_set_new(row, k->role == TD_ROLE_AGENT ? "agency" : "operator",
                        json_string(k->name));
    td_time_format(k->created, when);
    json_object_set_new(row, "created", json_string(when));
    td_agentrec a;
    if (td_store_get_agent(l->txn, k->key, &a) == TD_OK) {
        td_time_format(a.last_contact, when);
        json_object_set_new(row, "last_seen", json_string(when));
    } else {
        json_object_set_new(row, "last_seen", json_null());
    }
    td_time_format(k->revoked, when);
    json_object_set_new(row, "revoked", k->revoked ? json_string(when) : json_null());
    json_array_append_new(l->rows, row);
    return TD_OK;
}

static td_err s_list_fn(td_txn *txn, void *arg)
{
    s_list *l = arg;
    l->txn = txn;
    return td_store_each_key(txn, s_key_row, l);
}

static void s_print_text(json_t *rows)
{
    size_t i;
    json_t *row;
    printf("%-40s %-8s %-16s %-25s %-25s %s\n", "KEY", "ROLE", "NAME", "CREATED", "LAST SEEN",
           "REVOKED");
    json_array_foreach(rows, i, row)
    {
        json_t *name = json_object_get(row, "agency");
        printf("%-40s %-8s %-16s %-25s %-25s %s\n", json_string_value(json_object_get(row, "key")),
               json_string_value(json_object_get(row, "role")),
               json_string_value(name ? name : json_object_get(row, "operator")),
               json_string_value(json_object_get(row, "created")),
               json_is_null(json_object_get(row, "last_seen"))
                   ? "-"
                   : json_string_value(json_object_get(row, "last_seen")),
               json_is_null(json_object_get(row, "revoked"))
                   ? "-"
                   : json_string_value(json_object_get(row, "revoked")));
    }
}

int td_collector_keys(const td_collector_opts *o)
{
    td_store *store = td_collector_open_store(o->data, 0);
    if (!store)
        return 1;
    s_list l = {.rows = json_array()};
    td_errmsg why;
    int rc = 0;
    if (td_store_view(store, s_list_fn, &l, &why) != TD_OK) {
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
        rc = 1;
    } else if (o->json) {
        json_t *doc = json_pack("{s:O}", "keys", l.rows);
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(doc);
    } else {
        s_print_text(l.rows);
    }
    json_decref(l.rows);
    td_store_destroy(&store);
    return rc;
}
