/* Internals shared by the files of lib/query. */
#ifndef TIENDO_QUERY_INTERNAL_H
#define TIENDO_QUERY_INTERNAL_H

#include <jansson.h>

#include "tiendo/query.h"

/* Parameters of one query, checked against the command's list of allowed names. */
typedef struct {
    const td_param *params;
    size_t n;
} td_qargs;

/* The value of parameter `name`, or NULL when absent. */
const char *td_qargs_get(const td_qargs *a, const char *name);

/* The task filters shared by summary and tasks. */
typedef struct {
    td_time as_of;
    td_day today;
    const char *source, *lead, *block, *group, *difficulty, *province;
    int block_v, difficulty_v, class_v;
    td_day due_by;
    td_agency *agencies; /* the registry, sorted by code (for block and province) */
    size_t n_agencies;
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

#endif
