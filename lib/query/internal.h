/* Internals shared by the files of lib/query. */
#ifndef TIENDO_QUERY_INTERNAL_H
#define TIENDO_QUERY_INTERNAL_H

#include <jansson.h>

#include "tiendo/query.h"

typedef struct td_qargs td_qargs;
typedef td_err (*td_query_fn)(td_txn *txn, const td_qargs *a, td_time now, json_t **out,
                              td_errmsg *why);

/* Parameters of one query, checked against the command's list of allowed names. */
struct td_qargs {
    const td_param *params;
    size_t n;
};

/* The value of parameter `name`, or NULL when absent. */
const char *td_qargs_get(const td_qargs *a, const char *name);
/* The instant of --as-of (default now). */
td_err td_qargs_as_of(const td_qargs *a, td_time now, td_time *out, td_errmsg *why);
/* A section or item version as a JSON object of its fields and as_of. */
json_t *td_json_section(const td_section_version *v);

/* The registry's agencies, sorted by code, without their names (kinds, parents and blocks are
 * what scopes need). */
typedef struct {
    td_agency *items;
    size_t n;
} td_agency_set;

td_err td_agency_set_load(td_txn *txn, td_agency_set *set);
void td_agency_set_fini(td_agency_set *set);
const td_agency *td_agency_set_find(const td_agency_set *set, const char *code);
/* True when agency a is in the scope of `province` (NULL: the whole country): the province
 * itself or one of its communes. */
bool td_agency_in_province(const td_agency *a, const char *province);
/* Checks a --province or --agency value against the registry (kind 0: any kind). */
td_err td_agency_set_check(const td_agency_set *set, const char *option, const char *code, int kind,
                           td_errmsg *why);

/* The task filters shared by summary and tasks. */
typedef struct {
    td_time as_of;
    td_day today;
    const char *source, *lead, *block, *group, *difficulty, *province;
    int block_v, difficulty_v, class_v;
    td_day due_by;
    td_agency_set agencies; /* for block and province */
} td_task_filter;

td_err td_task_filter_init(td_task_filter *f, td_txn *txn, const td_qargs *a, td_time now,
                           td_errmsg *why);
void td_task_filter_fini(td_task_filter *f);
bool td_task_filter_match(const td_task_filter *f, const td_task *t);

/* Adds "as_of" to obj in tiendo's date-time format. */
void td_json_set_time(json_t *obj, const char *key, td_time t);
void td_json_set_day(json_t *obj, const char *key, td_day d);

td_err td_query_summary(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_tasks(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_agents(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_reports(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_infra(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_services(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_databases(td_txn *txn, const td_qargs *a, td_time now, json_t **out,
                          td_errmsg *why);
td_err td_query_funding(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_obstacles(td_txn *txn, const td_qargs *a, td_time now, json_t **out,
                          td_errmsg *why);
td_err td_query_agency(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_history(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_trend(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_outages(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
td_err td_query_alerts(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why);
/* Adds agency ag's measured outages (now out of power or link, outage hours in the 30 days to
 * `to`) to the totals in acc. */
td_err td_query_measured(td_txn *txn, const td_agency *ag, td_time to, json_t *acc);
/* {"readings": [...], "outages": [...]}: what agency code's probes measured, as known at t. */
td_err td_query_probes_of(td_txn *txn, const char *code, td_time t, json_t **out);

#endif
