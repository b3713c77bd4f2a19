/* Dispatch of named queries, their parameters, and the filters they share. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define TASK_FILTERS "as-of", "source", "lead", "block", "group", "difficulty", "due-by", "province"

static const struct {
    const char *name;
    td_query_fn fn;
    const char *params[12];
} s_commands[] = {
    {"summary", td_query_summary, {TASK_FILTERS}},
    {"tasks", td_query_tasks, {TASK_FILTERS, "class"}},
    {"agents", td_query_agents, {"state", "agency"}},
    {"reports", td_query_reports, {"agency", "since"}},
    {"infra", td_query_infra, {"as-of", "province"}},
    {"services", td_query_services, {"as-of", "province"}},
    {"databases", td_query_databases, {"as-of", "agency", "stage", "province"}},
    {"funding", td_query_funding, {"as-of", "agency"}},
    {"obstacles", td_query_obstacles, {"as-of", "state", "category", "agency", "province"}},
    {"agency", td_query_agency, {"code", "as-of"}},
    {"history", td_query_history, {"task", "agency", "section"}},
    {"trend", td_query_trend, {"from", "to", "every", "metric", "province"}},
    {"outages", td_query_outages, {"from", "to", "kind", "province", "agency"}},
    {"alerts", td_query_alerts, {"limit", "rule"}},
};

const char *td_qargs_get(const td_qargs *a, const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->params[i].name, name) == 0)
            return a->params[i].value;
    return NULL;
}

static bool s_allowed(const char *const *names, const char *name)
{
    for (size_t i = 0; i < 12 && names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

typedef struct {
    td_query_fn fn;
    const td_qargs *args;
    td_time now;
    json_t *result;
    td_errmsg *why;
} s_run;

static td_err s_run_in_txn(td_txn *txn, void *arg)
{
    s_run *run = arg;
    return run->fn(txn, run->args, run->now, &run->result, run->why);
}

td_err td_query_run(td_store *store, const char *command, const td_param *params, size_t n,
                    td_time now, char **json_out, td_errmsg *why)
{
    size_t c = 0;
    while (c < sizeof s_commands / sizeof s_commands[0] && strcmp(s_commands[c].name, command))
        c++;
    if (c == sizeof s_commands / sizeof s_commands[0])
        return td_fail(why, TD_EINVAL, "unknown query \"%s\"", command);
    for (size_t i = 0; i < n; i++) {
        if (!s_allowed(s_commands[c].params, params[i].name))
            return td_fail(why, TD_EINVAL, "%s: unknown option --%s", command, params[i].name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(params[i].name, params[j].name) == 0)
                return td_fail(why, TD_EINVAL, "%s: option --%s given twice", command,
                               params[i].name);
    }
    td_qargs args = {params, n};
    s_run run = {s_commands[c].fn, &args, now, NULL, why};
    td_err err = td_store_view(store, s_run_in_txn, &run, why);
    if (err)
        return err;
    *json_out =
        json_dumps(run.result, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(run.result);
    return *json_out ? TD_OK : td_fail(why, TD_ENOMEM, "out of memory");
}

td_err td_qargs_as_of(const td_qargs *a, td_time now, td_time *out, td_errmsg *why)
{
    const char *v = td_qargs_get(a, "as-of");
    *out = now;
    if (v && td_when_parse(v, out) != TD_OK)
        return td_fail(why, TD_EINVAL,
                       "--as-of \"%s\" is not a date (YYYY-MM-DD) or date-time (ISO-8601)", v);
    return TD_OK;
}

void td_json_set_time(json_t *obj, const char *key, td_time t)
{
    char buf[26];
    td_time_format(t, buf);
    json_object_set_new(obj, key, json_string(buf));
}

void td_json_set_day(json_t *obj, const char *key, td_day d)
{
    char buf[11];
    if (d == TD_NODAY) {
        json_object_set_new(obj, key, json_null());
        return;
    }
    td_day_format(d, buf);
    json_object_set_new(obj, key, json_string(buf));
}

const char *td_query_liveness(td_time last_contact, uint32_t interval_s, td_time now)
{
    td_time ivl = interval_s ? interval_s : TD_QUERY_DEFAULT_INTERVAL;
    if (now - last_contact > 6 * ivl)
        return "silent";
    if (now - last_contact > 2 * ivl)
        return "late";
    return "online";
}
