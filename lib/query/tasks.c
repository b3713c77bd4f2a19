/* summary and tasks: task classes at an instant. */
#include "internal.h"

#include <string.h>

typedef struct {
    td_task_filter filter;
    long total, completed, on_time, late, on_schedule, overdue, regular, unreported, open_due;
    json_t *rows; /* tasks: the list; summary: NULL */
} s_walk;

/* The status of a task at the filter's instant; *found is false for an unreported task. */
static td_err s_status_at(td_txn *txn, const td_task *t, td_time as_of, td_task_version *v,
                          bool *found)
{
    td_err err = td_store_task_version_at(txn, t->id, as_of, v);
    *found = err == TD_OK;
    return err == TD_ENOTFOUND ? TD_OK : err;
}

static json_t *s_row(const td_task *t, const td_task_version *v, bool found, int cls,
                     int days_overdue)
{
    json_t *row = json_object();
    json_object_set_new(row, "id", json_string(t->id));
    json_object_set_new(row, "title", json_string(t->title));
    json_object_set_new(row, "source", json_string(t->source));
    json_object_set_new(row, "lead", json_string(t->lead));
    td_json_set_day(row, "deadline", t->deadline);
    json_object_set_new(row, "state",
                        found ? json_string(td_state_name(v->status.state)) : json_null());
    json_object_set_new(row, "progress", found ? json_integer(v->status.progress) : json_null());
    td_json_set_day(row, "completed_on", found ? v->status.completed_on : TD_NODAY);
    json_object_set_new(row, "class", json_string(td_class_name(cls)));
    json_object_set_new(row, "days_overdue", json_integer(days_overdue));
    if (found)
        td_json_set_time(row, "reported_as_of", v->as_of);
    else
        json_object_set_new(row, "reported_as_of", json_null());
    return row;
}

static void s_count(s_walk *w, const td_task *t, int cls, bool on_time, bool found)
{
    w->total++;
    w->unreported += !found;
    switch (cls) {
    case TD_CLASS_REGULAR:
        w->regular++;
        break;
    case TD_CLASS_COMPLETED:
        w->completed++;
        w->on_time += on_time;
        w->late += !on_time;
        break;
    case TD_CLASS_OVERDUE:
        w->overdue++;
        break;
    default:
        w->on_schedule++;
        break;
    }
    if (w->filter.due_by && (cls == TD_CLASS_OVERDUE || cls == TD_CLASS_ON_SCHEDULE) &&
        t->deadline <= w->filter.due_by)
        w->open_due++;
}

typedef struct {
    td_txn *txn;
    s_walk *walk;
} s_ctx;

static td_err s_visit(const td_task *t, void *arg)
{
    s_ctx *ctx = arg;
    s_walk *w = ctx->walk;
    if (!td_task_filter_match(&w->filter, t))
        return TD_OK;
    td_task_version v;
    bool found, on_time = false;
    int days_overdue = 0;
    td_err err = s_status_at(ctx->txn, t, w->filter.as_of, &v, &found);
    if (err)
        return err;
    int cls =
        td_task_classify(t, found ? &v.status : NULL, w->filter.today, &days_overdue, &on_time);
    if (!w->filter.class_v || w->filter.class_v == cls) {
        s_count(w, t, cls, on_time, found);
        if (w->rows)
            json_array_append_new(w->rows, s_row(t, &v, found, cls, days_overdue));
    }
    if (found)
        td_task_status_fini(&v.status);
    return TD_OK;
}

static td_err s_walk_tasks(td_txn *txn, const td_qargs *a, td_time now, s_walk *w, td_errmsg *why)
{
    td_err err = td_task_filter_init(&w->filter, txn, a, now, why);
    if (err)
        return err;
    s_ctx ctx = {txn, w};
    err = td_store_each_task(txn, s_visit, &ctx);
    if (err)
        td_fail(why, err, "reading tasks: %s", td_strerror(err));
    return err;
}

td_err td_query_summary(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    s_walk w;
    memset(&w, 0, sizeof w);
    td_err err = s_walk_tasks(txn, a, now, &w, why);
    if (err == TD_OK) {
        json_t *o = json_object();
        td_json_set_time(o, "as_of", w.filter.as_of);
        json_object_set_new(o, "total", json_integer(w.total));
        json_object_set_new(o, "completed", json_integer(w.completed));
        json_object_set_new(o, "completed_on_time", json_integer(w.on_time));
        json_object_set_new(o, "completed_late", json_integer(w.late));
        json_object_set_new(o, "on_schedule", json_integer(w.on_schedule));
        json_object_set_new(o, "overdue", json_integer(w.overdue));
        json_object_set_new(o, "regular", json_integer(w.regular));
        json_object_set_new(o, "unreported", json_integer(w.unreported));
        if (w.filter.due_by)
            json_object_set_new(o, "open_due_by", json_integer(w.open_due));
        *out = o;
    }
    td_task_filter_fini(&w.filter);
    return err;
}

td_err td_query_tasks(td_txn *txn, const td_qargs *a, td_time now, json_t **out, td_errmsg *why)
{
    s_walk w;
    memset(&w, 0, sizeof w);
    w.rows = json_array();
    td_err err = s_walk_tasks(txn, a, now, &w, why);
    if (err == TD_OK) {
        json_t *o = json_object();
        td_json_set_time(o, "as_of", w.filter.as_of);
        json_object_set_new(o, "tasks", w.rows);
        *out = o;
    } else {
        json_decref(w.rows);
    }
    td_task_filter_fini(&w.filter);
    return err;
}
