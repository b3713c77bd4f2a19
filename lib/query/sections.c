/* infra, services, databases, funding, obstacles: roll-ups of status sections at an instant. */
#include "internal.h"

#include <string.h>

#define ONLINE_TARGET 0.80 /* the national target for fully online services */

json_t *td_json_section(const td_section_version *v)
{
    json_t *o = json_object();
    switch (v->kind) {
    case TD_SECTION_INFRA: {
        const td_infra *s = &v->u.infra;
        json_object_set_new(o, "terminals_required", json_integer(s->terminals_required));
        json_object_set_new(o, "terminals_available", json_integer(s->terminals_available));
        json_object_set_new(o, "villages_total", json_integer(s->villages_total));
        json_object_set_new(o, "villages_signal_gap", json_integer(s->villages_signal_gap));
        json_object_set_new(o, "villages_no_power", json_integer(s->villages_no_power));
        json_object_set_new(o, "population_db_connected", json_boolean(s->population_db_connected));
        break;
    }
    case TD_SECTION_SERVICES: {
        const td_services *s = &v->u.services;
        json_object_set_new(o, "procedures_total", json_integer(s->procedures_total));
        json_object_set_new(o, "procedures_announced", json_integer(s->procedures_announced));
        json_object_set_new(o, "procedures_online", json_integer(s->procedures_online));
        json_object_set_new(o, "files_received", json_integer(s->files_received));
        json_object_set_new(o, "files_fully_online", json_integer(s->files_fully_online));
        json_object_set_new(o, "records_total", json_integer(s->records_total));
        json_object_set_new(o, "records_digitized", json_integer(s->records_digitized));
        break;
    }
    case TD_SECTION_FUNDING:
        json_object_set_new(o, "requested_vnd", json_integer(v->u.funding.requested_vnd));
        json_object_set_new(o, "allocated_vnd", json_integer(v->u.funding.allocated_vnd));
        json_object_set_new(o, "disbursed_vnd", json_integer(v->u.funding.disbursed_vnd));
        break;
    case TD_SECTION_DATABASE:
        json_object_set_new(o, "agency", json_string(v->agency));
        json_object_set_new(o, "id", json_string(v->id));
        json_object_set_new(o, "name", json_string(v->u.database.name));
        json_object_set_new(o, "stage", json_string(td_stage_name(v->u.database.stage)));
        break;
    default: {
        const td_obstacle *ob = &v->u.obstacle;
        json_object_set_new(o, "agency", json_string(v->agency));
        json_object_set_new(o, "id", json_string(v->id));
        json_object_set_new(o, "category", json_string(td_category_name(ob->category)));
        json_object_set_new(o, "description", json_string(ob->description));
        json_object_set_new(o, "state", json_string(td_obstacle_state_name(ob->state)));
        td_json_set_day(o, "reported_on", ob->reported_on);
        td_json_set_day(o, "resolved_on", ob->resolved_on);
        break;
    }
    }
    td_json_set_time(o, "as_of", v->as_of);
    return o;
}

/* A ratio of sums, or null when the denominator is zero. */
static json_t *s_rate(int64_t num, int64_t den)
{
    return den > 0 ? json_real((double)num / (double)den) : json_null();
}

/* The section version of agency `code` at t; *found false when it never reported one. */
static td_err s_at(td_txn *txn, int kind, const char *code, td_time t, td_section_version *v,
                   bool *found)
{
    td_err err = td_store_section_at(txn, kind, code, "", t, v);
    *found = err == TD_OK;
    return err == TD_ENOTFOUND ? TD_OK : err;
}

/* Common start of the roll-ups: as-of instant, registry, optional --province. */
typedef struct {
    td_time as_of;
    td_agency_set set;
    const char *province;
    const char *agency;
} s_scope;

static td_err s_scope_init(s_scope *sc, td_txn *txn, const td_qargs *a, td_time now, td_errmsg *why)
{
    memset(sc, 0, sizeof *sc);
    sc->province = td_qargs_get(a, "province");
    sc->agency = td_qargs_get(a, "agency");
    td_err err = td_qargs_as_of(a, now, &sc->as_of, why);
    if (!err)
        err = td_agency_set_load(txn, &sc->set);
    if (!err)
        err = td_agency_set_check(&sc->set, "province", sc->province, TD_KIND_PROVINCE, why);
    if (!err)
        err = td_agency_set_check(&sc->set, "agency", sc->agency, 0, why);
    return err;
}

static json_t *s_head(const s_scope *sc)
{
    json_t *o = json_object();
    td_json_set_time(o, "as_of", sc->as_of);
    if (sc->province)
        json_object_set_new(o, "province", json_string(sc->province));
    if (sc->agency)
        json_object_set_new(o, "agency", json_string(sc->agency));
    return o;
}

td_err td_query_infra(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    s_scope sc;
    td_err err = s_scope_init(&sc, txn, a, now, why);
    int64_t sum[5] = {0}, reporting = 0, total = 0, short_of = 0, connected = 0;
    json_t *measured = json_pack("{s:i,s:i,s:f}", "agencies_without_power", 0,
                                 "agencies_without_link", 0, "outage_hours_30d", 0.0);
    for (size_t i = 0; err == TD_OK && i < sc.set.n; i++) {
        const td_agency *ag = &sc.set.items[i];
        if (ag->kind != TD_KIND_COMMUNE || !td_agency_in_province(ag, sc.province))
            continue;
        total++;
        err = td_query_measured(txn, ag, sc.as_of, measured);
        if (err)
            break;
        td_section_version v;
        bool found;
        err = s_at(txn, TD_SECTION_INFRA, ag->code, sc.as_of, &v, &found);
        if (err || !found)
            continue;
        const td_infra *s = &v.u.infra;
        reporting++;
        sum[0] += s->terminals_required;
        sum[1] += s->terminals_available;
        sum[2] += s->villages_total;
        sum[3] += s->villages_signal_gap;
        sum[4] += s->villages_no_power;
        short_of += s->terminals_available < s->terminals_required;
        connected += s->population_db_connected;
    }
    if (err == TD_OK) {
        json_t *o = s_head(&sc);
        json_object_set_new(o, "communes_reporting", json_integer(reporting));
        json_object_set_new(o, "communes_total", json_integer(total));
        json_object_set_new(o, "terminals_required", json_integer(sum[0]));
        json_object_set_new(o, "terminals_available", json_integer(sum[1]));
        json_object_set_new(o, "communes_short_of_terminals", json_integer(short_of));
        json_object_set_new(o, "villages_total", json_integer(sum[2]));
        json_object_set_new(o, "villages_signal_gap", json_integer(sum[3]));
        json_object_set_new(o, "villages_no_power", json_integer(sum[4]));
        json_object_set_new(o, "population_db_connected", json_integer(connected));
        /* Measured by the agents' probes, beside the counts agencies typed in. */
        json_object_set(o, "measured", measured);
        *out = o;
    }
    json_decref(measured);
    td_agency_set_fini(&sc.set);
    return err;
}

static void s_services_json(json_t *o, const td_services *t, int64_t reporting, int64_t full)
{
    json_object_set_new(o, "localities_reporting", json_integer(reporting));
    json_object_set_new(o, "procedures_total", json_integer(t->procedures_total));
    json_object_set_new(o, "procedures_announced", json_integer(t->procedures_announced));
    json_object_set_new(o, "procedures_online", json_integer(t->procedures_online));
    json_object_set_new(o, "online_rate", s_rate(t->procedures_online, t->procedures_total));
    json_object_set_new(o, "localities_fully_announced", json_integer(full));
    json_object_set_new(o, "files_received", json_integer(t->files_received));
    json_object_set_new(o, "files_fully_online", json_integer(t->files_fully_online));
    json_object_set_new(o, "fully_online_rate", s_rate(t->files_fully_online, t->files_received));
    json_object_set_new(o, "fully_online_target", json_real(ONLINE_TARGET));
    json_object_set_new(o, "records_total", json_integer(t->records_total));
    json_object_set_new(o, "records_digitized", json_integer(t->records_digitized));
    json_object_set_new(o, "digitized_rate", s_rate(t->records_digitized, t->records_total));
}

td_err td_query_services(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    s_scope sc;
    td_err err = s_scope_init(&sc, txn, a, now, why);
    td_services t = {0};
    int64_t reporting = 0, full = 0;
    for (size_t i = 0; err == TD_OK && i < sc.set.n; i++) {
        const td_agency *ag = &sc.set.items[i];
        bool locality = ag->kind == TD_KIND_PROVINCE || ag->kind == TD_KIND_COMMUNE;
        if (!locality || !td_agency_in_province(ag, sc.province))
            continue;
        td_section_version v;
        bool found;
        err = s_at(txn, TD_SECTION_SERVICES, ag->code, sc.as_of, &v, &found);
        if (err || !found)
            continue;
        const td_services *s = &v.u.services;
        reporting++;
        full += s->procedures_announced == s->procedures_total;
        t.procedures_total += s->procedures_total;
        t.procedures_announced += s->procedures_announced;
        t.procedures_online += s->procedures_online;
        t.files_received += s->files_received;
        t.files_fully_online += s->files_fully_online;
        t.records_total += s->records_total;
        t.records_digitized += s->records_digitized;
    }
    if (err == TD_OK) {
        *out = s_head(&sc);
        s_services_json(*out, &t, reporting, full);
    }
    td_agency_set_fini(&sc.set);
    return err;
}

td_err td_query_funding(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    s_scope sc;
    td_err err = s_scope_init(&sc, txn, a, now, why);
    int64_t reporting = 0, req = 0, alloc = 0, disb = 0;
    for (size_t i = 0; err == TD_OK && i < sc.set.n; i++) {
        const td_agency *ag = &sc.set.items[i];
        if (sc.agency && strcmp(ag->code, sc.agency))
            continue;
        td_section_version v;
        bool found;
        err = s_at(txn, TD_SECTION_FUNDING, ag->code, sc.as_of, &v, &found);
        if (err || !found)
            continue;
        reporting++;
        req += v.u.funding.requested_vnd;
        alloc += v.u.funding.allocated_vnd;
        disb += v.u.funding.disbursed_vnd;
    }
    if (err == TD_OK) {
        json_t *o = s_head(&sc);
        json_object_set_new(o, "agencies_reporting", json_integer(reporting));
        json_object_set_new(o, "requested_vnd", json_integer(req));
        json_object_set_new(o, "allocated_vnd", json_integer(alloc));
        json_object_set_new(o, "unallocated_vnd", json_integer(req - alloc));
        json_object_set_new(o, "disbursed_vnd", json_integer(disb));
        json_object_set_new(o, "disbursement_rate", s_rate(disb, alloc));
        *out = o;
    }
    td_agency_set_fini(&sc.set);
    return err;
}

/* databases and obstacles: per-item sections listed over the agencies in scope. */
typedef struct {
    int stage;           /* databases --stage, 0: any */
    int state, category; /* obstacles --state, --category, 0: any */
    json_t *rows;
    int64_t counts[8]; /* by stage, or by state */
    json_t *by_category;
} s_items;

static td_err s_item_row(const td_section_version *v, void *arg)
{
    s_items *it = arg;
    if (v->kind == TD_SECTION_DATABASE) {
        if (it->stage && v->u.database.stage != it->stage)
            return TD_OK;
        if (v->u.database.stage > 0 && v->u.database.stage < 8)
            it->counts[v->u.database.stage]++;
    } else {
        const td_obstacle *o = &v->u.obstacle;
        if ((it->state && o->state != it->state) || (it->category && o->category != it->category))
            return TD_OK;
        if (o->state > 0 && o->state < 8)
            it->counts[o->state]++;
        const char *cat = td_category_name(o->category);
        json_t *n = json_object_get(it->by_category, cat);
        json_object_set_new(it->by_category, cat, json_integer(n ? json_integer_value(n) + 1 : 1));
    }
    json_array_append_new(it->rows, td_json_section(v));
    return TD_OK;
}

static td_err s_list_items(td_txn *txn, const s_scope *sc, int kind, s_items *it)
{
    td_err err = TD_OK;
    for (size_t i = 0; err == TD_OK && i < sc->set.n; i++) {
        const td_agency *ag = &sc->set.items[i];
        if (sc->agency && strcmp(ag->code, sc->agency))
            continue;
        if (!td_agency_in_province(ag, sc->province))
            continue;
        err = td_store_each_section_at(txn, kind, ag->code, sc->as_of, s_item_row, it);
    }
    return err;
}

static td_err s_enum_arg(const td_qargs *a, const char *name, td_err (*parse)(const char *, int *),
                         const char *choices, int *out, td_errmsg *why)
{
    const char *v = td_qargs_get(a, name);
    *out = 0;
    if (v && parse(v, out) != TD_OK)
        return td_fail(why, TD_EINVAL, "--%s \"%s\" is not one of %s", name, v, choices);
    return TD_OK;
}

td_err td_query_databases(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    s_scope sc;
    s_items it = {.rows = json_array()};
    td_err err = s_scope_init(&sc, txn, a, now, why);
    if (!err)
        err = s_enum_arg(a, "stage", td_stage_parse, td_stage_choices(), &it.stage, why);
    if (!err)
        err = s_list_items(txn, &sc, TD_SECTION_DATABASE, &it);
    if (err == TD_OK) {
        json_t *o = s_head(&sc);
        int64_t *c = it.counts;
        json_object_set_new(o, "total", json_integer(c[1] + c[2] + c[3]));
        json_object_set_new(o, "not_started", json_integer(c[TD_STAGE_NOT_STARTED]));
        json_object_set_new(o, "deploying", json_integer(c[TD_STAGE_DEPLOYING]));
        json_object_set_new(o, "foundation_centralized",
                            json_integer(c[TD_STAGE_FOUNDATION_CENTRALIZED]));
        json_object_set(o, "databases", it.rows);
        *out = o;
    }
    json_decref(it.rows);
    td_agency_set_fini(&sc.set);
    return err;
}

td_err td_query_obstacles(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    s_scope sc;
    s_items it = {.rows = json_array(), .by_category = json_object()};
    td_err err = s_scope_init(&sc, txn, a, now, why);
    if (!err)
        err = s_enum_arg(a, "state", td_obstacle_state_parse, td_obstacle_state_choices(),
                         &it.state, why);
    if (!err)
        err =
            s_enum_arg(a, "category", td_category_parse, td_category_choices(), &it.category, why);
    if (!err)
        err = s_list_items(txn, &sc, TD_SECTION_OBSTACLE, &it);
    if (err == TD_OK) {
        json_t *o = s_head(&sc);
        int64_t *c = it.counts;
        json_object_set_new(o, "total", json_integer(c[TD_OBST_OPEN] + c[TD_OBST_RESOLVED]));
        json_object_set_new(o, "open", json_integer(c[TD_OBST_OPEN]));
        json_object_set_new(o, "resolved", json_integer(c[TD_OBST_RESOLVED]));
        json_object_set(o, "by_category", it.by_category);
        json_object_set(o, "obstacles", it.rows);
        *out = o;
    }
    json_decref(it.rows);
    json_decref(it.by_category);
    td_agency_set_fini(&sc.set);
    return err;
}
