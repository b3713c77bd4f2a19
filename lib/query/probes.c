/* outages, and what the agents' probes measured: power and link outages per agency and rolled
 * up, over a window [from, to]. */
#include "internal.h"

#include <string.h>

#define DEFAULT_WINDOW_S (30 * 86400)

typedef struct {
    td_time from, to;
    int kind;     /* 0: both */
    json_t *list; /* one agency's outages in the window */
    int64_t outages;
    int64_t seconds;
    int64_t longest;
    bool out_power, out_link; /* an outage still lasting at `to` */
} s_stats;

static td_err s_outage(const td_section_version *v, void *arg)
{
    s_stats *s = arg;
    const td_outage *o = &v->u.outage;
    if (s->kind && o->kind != s->kind)
        return TD_OK;
    td_time end = o->end ? o->end : s->to;
    td_time a = o->start > s->from ? o->start : s->from, b = end < s->to ? end : s->to;
    if (b < a || (b == a && o->end))
        return TD_OK; /* outside the window */
    s->outages++;
    s->seconds += b - a;
    if (b - a > s->longest)
        s->longest = b - a;
    if (!o->end) {
        s->out_power |= o->kind == TD_OUTAGE_POWER;
        s->out_link |= o->kind == TD_OUTAGE_LINK;
    }
    if (s->list) {
        json_t *row = json_object();
        json_object_set_new(row, "kind", json_string(td_outage_kind_name(o->kind)));
        td_json_set_time(row, "start", o->start);
        if (o->end)
            td_json_set_time(row, "end", o->end);
        else
            json_object_set_new(row, "end", json_null());
        json_object_set_new(row, "hours", json_real((double)(b - a) / 3600.0));
        json_array_append_new(s->list, row);
    }
    return TD_OK;
}

/* The outages of agency `code` in the window, as known at s->to. */
static td_err s_agency_stats(td_txn *txn, const char *code, s_stats *s)
{
    s->outages = s->seconds = s->longest = 0;
    s->out_power = s->out_link = false;
    return td_store_each_section_at(txn, TD_SECTION_OUTAGE, code, s->to, s_outage, s);
}

static td_err s_window(const td_qargs *a, td_time now, s_stats *s, td_errmsg *why)
{
    const char *from = td_qargs_get(a, "from"), *to = td_qargs_get(a, "to");
    const char *kind = td_qargs_get(a, "kind");
    s->to = now;
    if (to && td_when_parse(to, &s->to) != TD_OK)
        return td_fail(why, TD_EINVAL, "--to \"%s\" is not a date or date-time", to);
    s->from = s->to - DEFAULT_WINDOW_S;
    if (from && td_when_parse(from, &s->from) != TD_OK)
        return td_fail(why, TD_EINVAL, "--from \"%s\" is not a date or date-time", from);
    if (from && strlen(from) == 10)
        s->from -= 86399; /* a date means from the start of that day */
    if (s->from > s->to)
        return td_fail(why, TD_EINVAL, "--from is after --to");
    if (kind && td_outage_kind_parse(kind, &s->kind) != TD_OK)
        return td_fail(why, TD_EINVAL, "--kind \"%s\" is not one of power|link", kind);
    return TD_OK;
}

static json_t *s_agency_row(const char *code, const s_stats *s)
{
    json_t *row = json_object();
    json_object_set_new(row, "agency", json_string(code));
    json_object_set_new(row, "outages", json_integer(s->outages));
    json_object_set_new(row, "total_hours", json_real((double)s->seconds / 3600.0));
    json_object_set_new(row, "longest_hours", json_real((double)s->longest / 3600.0));
    json_object_set_new(row, "currently_out", json_boolean(s->out_power || s->out_link));
    return row;
}

static td_err s_count(const td_section_version *v, void *arg)
{
    (void)v;
    ++*(int64_t *)arg;
    return TD_OK;
}

typedef struct {
    int64_t reporting, outages, seconds, longest, out;
} s_totals;

static td_err s_outages_of(td_txn *txn, const td_agency *ag, s_stats *s, s_totals *t, json_t *rows)
{
    int64_t readings = 0;
    s->list = json_array();
    td_err err = s_agency_stats(txn, ag->code, s);
    if (!err)
        err =
            td_store_each_section_at(txn, TD_SECTION_READING, ag->code, s->to, s_count, &readings);
    t->reporting += readings > 0 || json_array_size(s->list) > 0;
    if (!err && s->outages) {
        json_t *row = s_agency_row(ag->code, s);
        json_object_set_new(row, "list", s->list);
        json_array_append_new(rows, row);
        t->outages += s->outages;
        t->seconds += s->seconds;
        t->longest = s->longest > t->longest ? s->longest : t->longest;
        t->out += s->out_power || s->out_link;
    } else {
        json_decref(s->list);
    }
    s->list = NULL;
    return err;
}

td_err td_query_outages(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    s_stats s = {0};
    td_agency_set set;
    const char *province = td_qargs_get(a, "province"), *agency = td_qargs_get(a, "agency");
    td_err err = s_window(a, now, &s, why);
    if (err)
        return err;
    err = td_agency_set_load(txn, &set);
    if (!err)
        err = td_agency_set_check(&set, "province", province, TD_KIND_PROVINCE, why);
    if (!err)
        err = td_agency_set_check(&set, "agency", agency, 0, why);
    s_totals t = {0};
    json_t *rows = json_array();
    for (size_t i = 0; !err && i < set.n; i++) {
        const td_agency *ag = &set.items[i];
        if ((agency && strcmp(ag->code, agency)) || !td_agency_in_province(ag, province))
            continue;
        err = s_outages_of(txn, ag, &s, &t, rows);
    }
    td_agency_set_fini(&set);
    if (err) {
        json_decref(rows);
        return err;
    }
    json_t *o = json_object();
    td_json_set_time(o, "from", s.from);
    td_json_set_time(o, "to", s.to);
    json_object_set_new(o, "kind", s.kind ? json_string(td_outage_kind_name(s.kind)) : json_null());
    json_object_set_new(o, "agencies", rows);
    json_t *tot = json_object();
    json_object_set_new(tot, "agencies_reporting", json_integer(t.reporting));
    json_object_set_new(tot, "outages", json_integer(t.outages));
    json_object_set_new(tot, "total_hours", json_real((double)t.seconds / 3600.0));
    json_object_set_new(tot, "longest_hours", json_real((double)t.longest / 3600.0));
    json_object_set_new(tot, "agencies_currently_out", json_integer(t.out));
    json_object_set_new(o, "total", tot);
    *out = o;
    return TD_OK;
}

td_err td_query_measured(td_txn *txn, const td_agency *ag, td_time to, json_t *acc)
{
    s_stats s = {.from = to - DEFAULT_WINDOW_S, .to = to};
    td_err err = s_agency_stats(txn, ag->code, &s);
    if (err)
        return err;
    const char *keys[] = {"agencies_without_power", "agencies_without_link"};
    bool out[] = {s.out_power, s.out_link};
    for (size_t i = 0; i < 2; i++) {
        json_t *n = json_object_get(acc, keys[i]);
        json_object_set_new(acc, keys[i], json_integer(json_integer_value(n) + out[i]));
    }
    json_t *h = json_object_get(acc, "outage_hours_30d");
    json_object_set_new(acc, "outage_hours_30d",
                        json_real(json_number_value(h) + (double)s.seconds / 3600.0));
    return TD_OK;
}

static td_err s_probe_row(const td_section_version *v, void *arg)
{
    json_t *row = json_object();
    if (v->kind == TD_SECTION_READING) {
        json_object_set_new(row, "probe", json_string(v->u.reading.probe));
        json_object_set_new(row, "name", json_string(v->u.reading.name));
        json_object_set_new(row, "value", json_real(v->u.reading.value));
        json_object_set_new(row, "error",
                            v->u.reading.error ? json_string(v->u.reading.error) : json_null());
        td_json_set_time(row, "measured_at", v->as_of);
    } else {
        json_object_set_new(row, "kind", json_string(td_outage_kind_name(v->u.outage.kind)));
        td_json_set_time(row, "start", v->u.outage.start);
        if (v->u.outage.end)
            td_json_set_time(row, "end", v->u.outage.end);
        else
            json_object_set_new(row, "end", json_null());
    }
    return json_array_append_new(arg, row) ? TD_ENOMEM : TD_OK;
}

td_err td_query_probes_of(td_txn *txn, const char *code, td_time t, json_t **out)
{
    json_t *readings = json_array(), *outages = json_array();
    td_err err = td_store_each_section_at(txn, TD_SECTION_READING, code, t, s_probe_row, readings);
    if (!err)
        err = td_store_each_section_at(txn, TD_SECTION_OUTAGE, code, t, s_probe_row, outages);
    if (err) {
        json_decref(readings);
        json_decref(outages);
        return err;
    }
    *out = json_pack("{s:o,s:o}", "readings", readings, "outages", outages);
    return *out ? TD_OK : TD_ENOMEM;
}
