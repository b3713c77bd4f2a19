/* Versions of status sections: key kind | agency NUL | id NUL | as_of; value received_at, seq,
 * then the section's fields. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    int kind;
    const char *name;
} s_sections[] = {
    {TD_SECTION_INFRA, "infrastructure"}, {TD_SECTION_SERVICES, "services"},
    {TD_SECTION_FUNDING, "funding"},      {TD_SECTION_DATABASE, "databases"},
    {TD_SECTION_OBSTACLE, "obstacles"},   {TD_SECTION_OUTAGE, "outages"},
    {TD_SECTION_READING, "readings"},
};

const char *td_section_name(int kind)
{
    for (size_t i = 0; i < sizeof s_sections / sizeof s_sections[0]; i++)
        if (s_sections[i].kind == kind)
            return s_sections[i].name;
    return NULL;
}

td_err td_section_parse(const char *name, int *out)
{
    for (size_t i = 0; i < sizeof s_sections / sizeof s_sections[0]; i++)
        if (!strcmp(s_sections[i].name, name)) {
            *out = s_sections[i].kind;
            return TD_OK;
        }
    return TD_EINVAL;
}

void td_section_version_fini(td_section_version *v)
{
    if (v->kind == TD_SECTION_DATABASE)
        td_database_fini(&v->u.database);
    else if (v->kind == TD_SECTION_OBSTACLE)
        td_obstacle_fini(&v->u.obstacle);
    else if (v->kind == TD_SECTION_READING)
        free(v->u.reading.error);
    memset(&v->u, 0, sizeof v->u);
}

static void s_prefix(td_wbuf *b, int kind, const char *agency, const char *id)
{
    td_wbuf_reset(b);
    td_wbuf_u8(b, (uint8_t)kind);
    td_wbuf_key_str(b, agency);
    td_wbuf_key_str(b, id ? id : "");
}

static void s_encode(td_wbuf *b, const td_section_version *v)
{
    td_wbuf_reset(b);
    td_wbuf_i64(b, v->received_at);
    td_wbuf_u64(b, v->seq);
    switch (v->kind) {
    case TD_SECTION_INFRA: {
        const td_infra *s = &v->u.infra;
        int64_t f[] = {s->terminals_required, s->terminals_available, s->villages_total,
                       s->villages_signal_gap, s->villages_no_power};
        for (size_t i = 0; i < 5; i++)
            td_wbuf_i64(b, f[i]);
        td_wbuf_u8(b, s->population_db_connected);
        break;
    }
    case TD_SECTION_SERVICES: {
        const td_services *s = &v->u.services;
        int64_t f[] = {s->procedures_total, s->procedures_announced, s->procedures_online,
                       s->files_received,   s->files_fully_online,   s->records_total,
                       s->records_digitized};
        for (size_t i = 0; i < 7; i++)
            td_wbuf_i64(b, f[i]);
        break;
    }
    case TD_SECTION_FUNDING:
        td_wbuf_i64(b, v->u.funding.requested_vnd);
        td_wbuf_i64(b, v->u.funding.allocated_vnd);
        td_wbuf_i64(b, v->u.funding.disbursed_vnd);
        break;
    case TD_SECTION_DATABASE:
        td_wbuf_str(b, v->u.database.name);
        td_wbuf_u8(b, (uint8_t)v->u.database.stage);
        break;
    case TD_SECTION_OUTAGE:
        td_wbuf_u8(b, (uint8_t)v->u.outage.kind);
        td_wbuf_i64(b, v->u.outage.start);
        td_wbuf_i64(b, v->u.outage.end);
        break;
    case TD_SECTION_READING: {
        uint64_t bits;
        memcpy(&bits, &v->u.reading.value, sizeof bits);
        td_wbuf_str(b, v->u.reading.probe);
        td_wbuf_str(b, v->u.reading.name);
        td_wbuf_u64(b, bits);
        td_wbuf_str(b, v->u.reading.error);
        break;
    }
    default: {
        const td_obstacle *o = &v->u.obstacle;
        td_wbuf_u8(b, (uint8_t)o->category);
        td_wbuf_str(b, o->description);
        td_wbuf_u8(b, (uint8_t)o->state);
        td_wbuf_u32(b, (uint32_t)o->reported_on);
        td_wbuf_u32(b, (uint32_t)o->resolved_on);
        break;
    }
    }
}

static void s_decode_fields(td_rbuf *r, td_section_version *v)
{
    switch (v->kind) {
    case TD_SECTION_INFRA: {
        td_infra *s = &v->u.infra;
        s->present = true;
        s->terminals_required = td_rbuf_i64(r);
        s->terminals_available = td_rbuf_i64(r);
        s->villages_total = td_rbuf_i64(r);
        s->villages_signal_gap = td_rbuf_i64(r);
        s->villages_no_power = td_rbuf_i64(r);
        s->population_db_connected = td_rbuf_u8(r);
        break;
    }
    case TD_SECTION_SERVICES: {
        td_services *s = &v->u.services;
        s->present = true;
        s->procedures_total = td_rbuf_i64(r);
        s->procedures_announced = td_rbuf_i64(r);
        s->procedures_online = td_rbuf_i64(r);
        s->files_received = td_rbuf_i64(r);
        s->files_fully_online = td_rbuf_i64(r);
        s->records_total = td_rbuf_i64(r);
        s->records_digitized = td_rbuf_i64(r);
        break;
    }
    case TD_SECTION_FUNDING:
        v->u.funding.present = true;
        v->u.funding.requested_vnd = td_rbuf_i64(r);
        v->u.funding.allocated_vnd = td_rbuf_i64(r);
        v->u.funding.disbursed_vnd = td_rbuf_i64(r);
        break;
    case TD_SECTION_DATABASE:
        snprintf(v->u.database.id, sizeof v->u.database.id, "%.64s", v->id);
        v->u.database.name = td_rbuf_strdup(r);
        v->u.database.stage = td_rbuf_u8(r);
        break;
    case TD_SECTION_OUTAGE:
        v->u.outage.kind = td_rbuf_u8(r);
        v->u.outage.start = td_rbuf_i64(r);
        v->u.outage.end = td_rbuf_i64(r);
        break;
    case TD_SECTION_READING: {
        td_reading *rd = &v->u.reading;
        td_rbuf_strcpy(r, rd->probe, sizeof rd->probe);
        td_rbuf_strcpy(r, rd->name, sizeof rd->name);
        uint64_t bits = td_rbuf_u64(r);
        memcpy(&rd->value, &bits, sizeof bits);
        rd->error = td_rbuf_strdup(r);
        if (rd->error && !rd->error[0]) {
            free(rd->error);
            rd->error = NULL;
        }
        rd->measured_at = v->as_of;
        break;
    }
    default:
        snprintf(v->u.obstacle.id, sizeof v->u.obstacle.id, "%.64s", v->id);
        v->u.obstacle.category = td_rbuf_u8(r);
        v->u.obstacle.description = td_rbuf_strdup(r);
        v->u.obstacle.state = td_rbuf_u8(r);
        v->u.obstacle.reported_on = (td_day)td_rbuf_u32(r);
        v->u.obstacle.resolved_on = (td_day)td_rbuf_u32(r);
        break;
    }
}

static td_err s_decode(int kind, const char *agency, const char *id, td_time as_of, td_rbuf *r,
                       td_section_version *v)
{
    memset(v, 0, sizeof *v);
    v->kind = kind;
    snprintf(v->agency, sizeof v->agency, "%s", agency);
    snprintf(v->id, sizeof v->id, "%s", id ? id : "");
    v->as_of = as_of;
    v->received_at = td_rbuf_i64(r);
    v->seq = td_rbuf_u64(r);
    s_decode_fields(r, v);
    if (r->bad) {
        td_section_version_fini(v);
        return TD_ESTORE;
    }
    return TD_OK;
}

td_err td_store_put_section(td_txn *txn, const td_section_version *v, bool *stored)
{
    td_wbuf prefix;
    td_wbuf_init(&prefix);
    s_prefix(&prefix, v->kind, v->agency, v->id);
    s_encode(&txn->val, v);
    td_err err = prefix.oom || txn->val.oom
                     ? TD_ENOMEM
                     : td_store_put_state(txn, prefix.data, prefix.len, v->as_of, txn->val.data,
                                          txn->val.len, stored);
    td_wbuf_fini(&prefix);
    return err;
}

td_err td_store_section_at(td_txn *txn, int kind, const char *agency, const char *id, td_time t,
                           td_section_version *out)
{
    td_wbuf prefix;
    td_wbuf_init(&prefix);
    s_prefix(&prefix, kind, agency, id);
    td_time as_of, real;
    td_rbuf r;
    td_err err = prefix.oom
                     ? TD_ENOMEM
                     : td_store_seek_state(txn, prefix.data, prefix.len, t, &as_of, &real, &r);
    if (err == TD_OK)
        err = s_decode(kind, agency, id, as_of, &r, out);
    td_wbuf_fini(&prefix);
    return err;
}

/* Walks every version of one agency's items in key order (by id, then as_of). */
typedef struct {
    int kind;
    const char *agency;
    size_t plen; /* kind | agency NUL */
    td_txn *txn;
    const char *want_id;
    char id[TD_SECTION_ID_MAX + 1];
    td_err (*cb)(const td_section_version *v, void *arg);
    void *arg;
} s_walk;

static td_err s_walk_kv(const uint8_t *key, size_t klen, td_rbuf *val, void *arg)
{
    s_walk *w = arg;
    const char *id = (const char *)key + w->plen;
    size_t idlen = strnlen(id, klen - w->plen);
    if (idlen > TD_SECTION_ID_MAX || klen != w->plen + idlen + 1 + 8)
        return TD_ESTORE;
    td_time as_of = td_key_i64(key + klen - 8), ref;
    if ((w->want_id && strcmp(id, w->want_id)) || td_store_marker(val->p, val->left, &ref))
        return TD_OK; /* history lists changes; a marker repeats one */
    snprintf(w->id, sizeof w->id, "%s", id);
    td_section_version v;
    td_err err = s_decode(w->kind, w->agency, w->id, as_of, val, &v);
    if (err == TD_OK)
        err = w->cb(&v, w->arg);
    td_section_version_fini(&v);
    return err;
}

static td_err s_walk_run(td_txn *txn, s_walk *w)
{
    td_wbuf prefix;
    td_wbuf_init(&prefix);
    td_wbuf_u8(&prefix, (uint8_t)w->kind);
    td_wbuf_key_str(&prefix, w->agency);
    w->plen = prefix.len;
    td_err err = prefix.oom
                     ? TD_ENOMEM
                     : td_store_scan(txn, TD_DB_VERSIONS, prefix.data, prefix.len, s_walk_kv, w);
    td_wbuf_fini(&prefix);
    return err;
}

/* The version in effect at t of each item: one seek per item to its version, one to the next
 * item, however long the items' histories are (a daily report repeating 30 days of outages
 * leaves 30 markers per outage behind). Ids are text: none contains byte 1, so
 * prefix | id | 1 sorts after every version of id and before the next id. */
td_err td_store_each_section_at(td_txn *txn, int kind, const char *agency, td_time t,
                                td_err (*cb)(const td_section_version *v, void *arg), void *arg)
{
    td_wbuf prefix, item;
    td_wbuf_init(&prefix);
    td_wbuf_init(&item);
    td_wbuf_u8(&prefix, (uint8_t)kind);
    td_wbuf_key_str(&prefix, agency);
    MDB_cursor *cur = NULL;
    td_err err = prefix.oom ? TD_ENOMEM : TD_OK;
    int rc = err ? 0 : mdb_cursor_open(txn->txn, txn->store->dbi[TD_DB_VERSIONS], &cur);
    if (rc)
        err = td_store_mdb_err(txn, rc);
    MDB_val k = {prefix.len, prefix.data}, v;
    rc = err ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (!err && rc == 0 && k.mv_size > prefix.len &&
           !memcmp(k.mv_data, prefix.data, prefix.len)) {
        char id[TD_SECTION_ID_MAX + 1];
        const char *kid = (const char *)k.mv_data + prefix.len;
        size_t idlen = strnlen(kid, k.mv_size - prefix.len);
        if (idlen > TD_SECTION_ID_MAX || k.mv_size != prefix.len + idlen + 1 + 8) {
            err = TD_ESTORE;
            break;
        }
        memcpy(id, kid, idlen);
        id[idlen] = '\0';
        /* The item's version in effect at t, markers followed. */
        td_wbuf_reset(&item);
        td_wbuf_bytes(&item, prefix.data, prefix.len);
        td_wbuf_key_str(&item, id);
        td_time as_of, real;
        td_rbuf r;
        err = item.oom ? TD_ENOMEM
                       : td_store_seek_state(txn, item.data, item.len, t, &as_of, &real, &r);
        if (err == TD_OK) {
            td_section_version sv;
            err = s_decode(kind, agency, id, as_of, &r, &sv);
            if (err == TD_OK)
                err = cb(&sv, arg);
            td_section_version_fini(&sv);
        } else if (err == TD_ENOTFOUND) {
            err = TD_OK; /* the item began after t */
        }
        /* The next item. */
        td_wbuf_reset(&item);
        td_wbuf_bytes(&item, prefix.data, prefix.len);
        td_wbuf_bytes(&item, id, idlen);
        td_wbuf_u8(&item, 1);
        if (err || item.oom)
            break;
        k = (MDB_val){item.len, item.data};
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    }
    if (!err && rc != 0 && rc != MDB_NOTFOUND)
        err = td_store_mdb_err(txn, rc);
    if (!err && item.oom)
        err = TD_ENOMEM;
    if (cur)
        mdb_cursor_close(cur);
    td_wbuf_fini(&prefix);
    td_wbuf_fini(&item);
    return err;
}

td_err td_store_each_section_version(td_txn *txn, int kind, const char *agency, const char *id,
                                     td_err (*cb)(const td_section_version *v, void *arg),
                                     void *arg)
{
    s_walk w = {.kind = kind, .agency = agency, .want_id = id, .cb = cb, .arg = arg, .txn = txn};
    return s_walk_run(txn, &w);
}
