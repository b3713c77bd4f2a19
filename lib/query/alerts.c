/* tiendo alerts: the alert log, newest first. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define ALERTS_DEFAULT_LIMIT 100

typedef struct {
    json_t *list;
    const char *rule;
} s_alerts;

static td_err s_row(uint64_t id, const char *text, size_t len, void *arg)
{
    s_alerts *a = arg;
    json_t *row = json_loadb(text, len, 0, NULL);
    if (!json_is_object(row)) {
        json_decref(row);
        return TD_OK; /* written by this program: not expected, and not worth failing a list */
    }
    const char *rule = json_string_value(json_object_get(row, "rule"));
    if (a->rule && (!rule || strcmp(rule, a->rule))) {
        json_decref(row);
        return TD_OK;
    }
    json_object_set_new(row, "id", json_integer((json_int_t)id));
    json_array_append_new(a->list, row);
    return TD_OK;
}

td_err td_query_alerts(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    (void)now;
    long limit = ALERTS_DEFAULT_LIMIT;
    const char *v = td_qargs_get(a, "limit");
    if (v) {
        char *end;
        limit = strtol(v, &end, 10);
        if (!*v || *end || limit < 1 || limit > 100000)
            return td_fail(why, TD_EINVAL, "alerts: --limit \"%s\" is not a number in 1..100000",
                           v);
    }
    s_alerts acc = {json_array(), td_qargs_get(a, "rule")};
    /* A rule filter reads further back than the limit, then cuts. */
    td_err err = td_store_each_alert(txn, acc.rule ? 0 : (size_t)limit, s_row, &acc);
    if (err) {
        json_decref(acc.list);
        return td_fail(why, err, "cannot read the alert log");
    }
    while (json_array_size(acc.list) > (size_t)limit)
        json_array_remove(acc.list, json_array_size(acc.list) - 1);
    *out =
        json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(acc.list), "alerts", acc.list);
    return TD_OK;
}
