/* agency, history, trend: one agency at an instant, every version of one thing, and figures
 * over time. They reuse the other queries rather than restating their rules. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define TREND_MAX_POINTS 400

static td_err s_run(td_query_fn fn, td_txn *txn, const td_param *p, size_t n, td_time now,
                    json_t **out, td_errmsg *why)
{
    td_qargs args = {p, n};
    return fn(txn, &args, now, out, why);
}

static json_t *s_agency_json(const td_agency *ag)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(ag->code));
    json_object_set_new(o, "name", json_string(ag->name));
    json_object_set_new(o, "kind", json_string(td_kind_name(ag->kind)));
    json_object_set_new(o, "parent", ag->parent[0] ? json_string(ag->parent) : json_null());
    json_object_set_new(o, "block", json_string(td_block_name(ag->block)));
    return o;
}

static td_err s_section(td_txn *txn, json_t *o, int kind, const char *code, td_time t)
{
    td_section_version v;
    td_err err = td_store_section_at(txn, kind, code, "", t, &v);
    if (err == TD_ENOTFOUND) {
        json_object_set_new(o, td_section_name(kind), json_null());
        return TD_OK;
    }
    if (err == TD_OK)
        json_object_set_new(o, td_section_name(kind), td_json_section(&v));
    return err;
}

static td_err s_list_into(const td_section_version *v, void *arg)
{
    return json_array_append_new(arg, td_json_section(v)) ? TD_ENOMEM : TD_OK;
}

static td_err s_agency_parts(td_txn *txn, json_t *o, const char *code, td_time t, const char *when,
                             td_time now, td_errmsg *why)
{
    td_param p[2] = {{"lead", (char *)code}, {"as-of", (char *)when}};
    json_t *part = NULL;
    td_err err = s_run(td_query_summary, txn, p, when ? 2 : 1, now, &part, why);
    if (!err)
        json_object_set_new(o, "tasks", part);
    int kinds[] = {TD_SECTION_INFRA, TD_SECTION_SERVICES, TD_SECTION_FUNDING};
    for (size_t i = 0; !err && i < 3; i++)
        err = s_section(txn, o, kinds[i], code, t);
    json_t *dbs = json_array(), *obs = json_array();
    json_object_set_new(o, "databases", dbs);
    json_object_set_new(o, "obstacles", obs);
    if (!err)
        err = td_store_each_section_at(txn, TD_SECTION_DATABASE, code, t, s_list_into, dbs);
    if (!err)
        err = td_store_each_section_at(txn, TD_SECTION_OBSTACLE, code, t, s_list_into, obs);
    json_t *probes = NULL;
    if (!err)
        err = td_query_probes_of(txn, code, t, &probes);
    if (!err)
        json_object_set_new(o, "probes", probes);
    td_param q = {"agency", (char *)code};
    json_t *agents = NULL;
    if (!err)
        err = s_run(td_query_agents, txn, &q, 1, now, &agents, why);
    if (!err)
        json_object_set(o, "agents", json_object_get(agents, "agents"));
    json_decref(agents);
    return err;
}

td_err td_query_agency(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    const char *code = td_qargs_get(a, "code");
    td_time t;
    td_agency ag;
    if (!code)
        return td_fail(why, TD_EINVAL, "agency: give the agency's CODE");
    td_err err = td_qargs_as_of(a, now, &t, why);
    if (err)
        return err;
    if (td_store_get_agency(txn, code, &ag) != TD_OK)
        return td_fail(why, TD_EINVAL, "agency \"%s\" is not registered", code);
    json_t *o = json_object();
    td_json_set_time(o, "as_of", t);
    json_object_set_new(o, "agency", s_agency_json(&ag));
    td_agency_fini(&ag);
    err = s_agency_parts(txn, o, code, t, td_qargs_get(a, "as-of"), now, why);
    if (err) {
        json_decref(o);
        return err;
    }
    *out = o;
    return TD_OK;
}

static td_err s_task_version_row(const td_task_version *v, void *arg)
{
    json_t *row = json_object();
    td_json_set_time(row, "as_of", v->as_of);
    td_json_set_time(row, "received_at", v->received_at);
    json_object_set_new(row, "seq", json_integer((json_int_t)v->seq));
    json_object_set_new(row, "state", json_string(td_state_name(v->status.state)));
    json_object_set_new(row, "progress", json_integer(v->status.progress));
    td_json_set_day(row, "completed_on", v->status.completed_on);
    json_object_set_new(row, "note", v->status.note ? json_string(v->status.note) : json_null());
    json_t *ev = json_array();
    for (size_t i = 0; i < v->status.n_evidence; i++)
        json_array_append_new(ev, json_string(v->status.evidence[i]));
    json_object_set_new(row, "evidence", ev);
    return json_array_append_new(arg, row) ? TD_ENOMEM : TD_OK;
}

static td_err s_section_version_row(const td_section_version *v, void *arg)
{
    json_t *row = td_json_section(v);
    td_json_set_time(row, "received_at", v->received_at);
    json_object_set_new(row, "seq", json_integer((json_int_t)v->seq));
    return json_array_append_new(arg, row) ? TD_ENOMEM : TD_OK;
}

td_err td_query_history(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    (void)now;
    const char *task = td_qargs_get(a, "task"), *agency = td_qargs_get(a, "agency");
    const char *section = td_qargs_get(a, "section");
    int kind = 0;
    if (!task == !(agency && section) || (task && (agency || section)))
        return td_fail(why, TD_EINVAL, "history: give --task ID, or --agency CODE --section NAME");
    if (section && td_section_parse(section, &kind) != TD_OK)
        return td_fail(why, TD_EINVAL,
                       "--section \"%s\" is not one of infrastructure|services|funding|databases|"
                       "obstacles",
                       section);
    json_t *rows = json_array(), *o = json_object();
    td_err err;
    if (task) {
        json_object_set_new(o, "task", json_string(task));
        err = td_store_each_task_version(txn, task, s_task_version_row, rows);
    } else {
        json_object_set_new(o, "agency", json_string(agency));
        json_object_set_new(o, "section", json_string(section));
        bool items = kind == TD_SECTION_DATABASE || kind == TD_SECTION_OBSTACLE;
        err = td_store_each_section_version(txn, kind, agency, items ? NULL : "",
                                            s_section_version_row, rows);
    }
    json_object_set_new(o, "versions", rows);
    if (err) {
        json_decref(o);
        return td_fail(why, err, "history: %s", td_strerror(err));
    }
    *out = o;
    return TD_OK;
}

static const struct {
    const char *name;
    td_query_fn fn;
    bool province; /* takes --province */
} s_metrics[] = {
    {"tasks", td_query_summary, true},       {"infrastructure", td_query_infra, true},
    {"services", td_query_services, true},   {"funding", td_query_funding, false},
    {"databases", td_query_databases, true}, {"obstacles", td_query_obstacles, true},
};

/* The next step after day d: a day, a week, or the same day of the next month (clamped to
 * the month's end). */
static td_day s_step(td_day d, char every)
{
    if (every != 'm')
        return d + (every == 'w' ? 7 : 1);
    char buf[32];
    int y, m, day;
    td_day_format(d, buf);
    if (sscanf(buf, "%d-%d-%d", &y, &m, &day) != 3)
        return d + 31;
    if (++m > 12) {
        m = 1;
        y++;
    }
    for (; day >= 28; day--) {
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, day);
        td_day next;
        if (td_day_parse(buf, &next) == TD_OK)
            return next;
    }
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, day);
    td_day next = d + 28;
    td_day_parse(buf, &next);
    return next;
}

typedef struct {
    td_day from, to;
    char every;
    size_t metric;
    const char *province;
} s_trend;

static td_err s_trend_args(const td_qargs *a, s_trend *t, td_errmsg *why)
{
    const char *from = td_qargs_get(a, "from"), *to = td_qargs_get(a, "to");
    const char *every = td_qargs_get(a, "every"), *metric = td_qargs_get(a, "metric");
    t->province = td_qargs_get(a, "province");
    if (!from || !to || !every)
        return td_fail(why, TD_EINVAL, "trend: give --from DATE --to DATE --every day|week|month");
    if (td_day_parse(from, &t->from) || td_day_parse(to, &t->to) || t->to < t->from)
        return td_fail(why, TD_EINVAL, "trend: --from and --to must be dates, from <= to");
    if (strcmp(every, "day") && strcmp(every, "week") && strcmp(every, "month"))
        return td_fail(why, TD_EINVAL, "--every \"%s\" is not one of day|week|month", every);
    t->every = every[0];
    for (t->metric = 0; metric && t->metric < sizeof s_metrics / sizeof s_metrics[0]; t->metric++)
        if (!strcmp(s_metrics[t->metric].name, metric))
            break;
    if (t->metric == sizeof s_metrics / sizeof s_metrics[0])
        return td_fail(why, TD_EINVAL,
                       "--metric \"%s\" is not one of tasks|infrastructure|"
                       "services|funding|databases|obstacles",
                       metric);
    if (t->province && !s_metrics[t->metric].province)
        return td_fail(why, TD_EINVAL, "--province does not apply to --metric %s", metric);
    return TD_OK;
}

/* One point: the metric's figures at the end of day d, lists left out. */
static td_err s_point(td_txn *txn, const s_trend *t, td_day d, td_time now, json_t *points,
                      td_errmsg *why)
{
    char day[11];
    td_day_format(d, day);
    td_param p[2] = {{"as-of", day}, {"province", (char *)t->province}};
    json_t *o = NULL;
    td_err err = s_run(s_metrics[t->metric].fn, txn, p, t->province ? 2 : 1, now, &o, why);
    if (err)
        return err;
    json_object_del(o, "databases");
    json_object_del(o, "obstacles");
    json_object_del(o, "province");
    json_object_set_new(o, "date", json_string(day));
    json_array_append_new(points, o);
    return TD_OK;
}

td_err td_query_trend(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    s_trend t;
    td_err err = s_trend_args(a, &t, why);
    if (err)
        return err;
    json_t *points = json_array();
    size_t n = 0;
    /* Steps from --from; --to is always the last point, even between steps. */
    for (td_day d = t.from;;) {
        err = ++n > TREND_MAX_POINTS
                  ? td_fail(why, TD_EINVAL, "trend: more than %d points; use a longer --every",
                            TREND_MAX_POINTS)
                  : s_point(txn, &t, d, now, points, why);
        if (err || d == t.to)
            break;
        td_day next = s_step(d, t.every);
        d = next > t.to ? t.to : next;
    }
    if (err) {
        json_decref(points);
        return err;
    }
    json_t *o = json_object();
    json_object_set_new(o, "metric", json_string(s_metrics[t.metric].name));
    json_object_set_new(o, "every", json_string(td_qargs_get(a, "every")));
    if (t.province)
        json_object_set_new(o, "province", json_string(t.province));
    json_object_set_new(o, "points", points);
    *out = o;
    return TD_OK;
}
