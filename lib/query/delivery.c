/* agents and reports: delivery and liveness as the collector saw them. */
#include "internal.h"

#include "tiendo/keys.h"

#include <string.h>

typedef struct {
    json_t *rows;
    const char *state;
    const char *agency;
    td_time now;
    td_time since;
} s_list;

static td_err s_agent_row(const td_agentrec *a, void *arg)
{
    s_list *l = arg;
    const char *state = td_query_liveness(a->last_contact, a->interval_s, l->now);
    if ((l->state && strcmp(state, l->state)) || (l->agency && strcmp(a->agency, l->agency)))
        return TD_OK;
    char key[TD_Z85_LEN + 1];
    td_keys_encode(a->key, key);
    json_t *row = json_object();
    json_object_set_new(row, "agency", json_string(a->agency));
    json_object_set_new(row, "key", json_string(key));
    json_object_set_new(row, "state", json_string(state));
    td_json_set_time(row, "last_contact", a->last_contact);
    if (a->reports)
        td_json_set_time(row, "last_report_as_of", a->last_report_as_of);
    else
        json_object_set_new(row, "last_report_as_of", json_null());
    json_object_set_new(row, "last_seq", json_integer((json_int_t)a->last_seq));
    json_object_set_new(row, "reports", json_integer((json_int_t)a->reports));
    json_object_set_new(row, "interval_s", json_integer(a->interval_s));
    json_object_set_new(row, "outbox_depth", json_integer((json_int_t)a->outbox_depth));
    json_object_set_new(row, "thinned", json_integer((json_int_t)a->thinned));
    json_array_append_new(l->rows, row);
    return TD_OK;
}

td_err td_query_agents(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    s_list l = {.state = td_qargs_get(a, "state"), .agency = td_qargs_get(a, "agency"), .now = now};
    if (l.state && strcmp(l.state, "online") && strcmp(l.state, "late") &&
        strcmp(l.state, "silent"))
        return td_fail(why, TD_EINVAL, "--state \"%s\" is not one of online|late|silent", l.state);
    l.rows = json_array();
    td_err err = td_store_each_agent(txn, s_agent_row, &l);
    if (err) {
        json_decref(l.rows);
        return td_fail(why, err, "reading agents: %s", td_strerror(err));
    }
    json_t *o = json_object();
    td_json_set_time(o, "now", now);
    json_object_set_new(o, "agents", l.rows);
    *out = o;
    return TD_OK;
}

static td_err s_report_row(const td_reportrec *r, void *arg)
{
    s_list *l = arg;
    if (r->received_at < l->since)
        return TD_OK;
    char key[TD_Z85_LEN + 1];
    td_keys_encode(r->key, key);
    json_t *row = json_object();
    json_object_set_new(row, "seq", json_integer((json_int_t)r->seq));
    td_json_set_time(row, "as_of", r->as_of);
    td_json_set_time(row, "received_at", r->received_at);
    json_object_set_new(row, "accepted", json_integer(r->accepted));
    json_object_set_new(row, "rejected", json_integer(r->rejected));
    json_object_set_new(row, "key", json_string(key));
    json_array_append_new(l->rows, row);
    return TD_OK;
}

td_err td_query_reports(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    (void)now;
    s_list l = {.agency = td_qargs_get(a, "agency")};
    const char *since = td_qargs_get(a, "since");
    if (!l.agency)
        return td_fail(why, TD_EINVAL, "reports: --agency CODE is required");
    if (since && td_when_parse(since, &l.since) != TD_OK)
        return td_fail(why, TD_EINVAL, "--since \"%s\" is not a date or date-time", since);
    td_agency ag;
    if (td_store_get_agency(txn, l.agency, &ag) != TD_OK)
        return td_fail(why, TD_EINVAL, "--agency \"%s\" is not a registered agency", l.agency);
    td_agency_fini(&ag);
    l.rows = json_array();
    td_err err = td_store_each_report(txn, l.agency, s_report_row, &l);
    if (err) {
        json_decref(l.rows);
        return td_fail(why, err, "reading reports: %s", td_strerror(err));
    }
    json_t *o = json_object();
    json_object_set_new(o, "agency", json_string(l.agency));
    json_object_set_new(o, "reports", l.rows);
    *out = o;
    return TD_OK;
}
