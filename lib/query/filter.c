/* Task filters: --as-of, --source, --lead, --block, --group, --difficulty, --due-by,
 * --province. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static td_err s_load_agency(const td_agency *a, void *arg)
{
    td_task_filter *f = arg;
    td_agency *grown = realloc(f->agencies, (f->n_agencies + 1) * sizeof *grown);
    if (!grown)
        return TD_ENOMEM;
    f->agencies = grown;
    td_agency *dst = &f->agencies[f->n_agencies];
    *dst = *a;
    dst->name = NULL; /* only codes, kinds, parents and blocks are needed */
    f->n_agencies++;
    return TD_OK;
}

static int s_cmp_code(const void *key, const void *elem)
{
    return strcmp(key, ((const td_agency *)elem)->code);
}

static const td_agency *s_agency(const td_task_filter *f, const char *code)
{
    return bsearch(code, f->agencies, f->n_agencies, sizeof *f->agencies, s_cmp_code);
}

static td_err s_parse_enum(const td_qargs *a, const char *name,
                           td_err (*parse)(const char *, int *), int *out, const char *choices,
                           td_errmsg *why)
{
    const char *v = td_qargs_get(a, name);
    if (v && parse(v, out) != TD_OK)
        return td_fail(why, TD_EINVAL, "--%s \"%s\" is not one of %s", name, v, choices);
    return TD_OK;
}

static td_err s_parse_dates(td_task_filter *f, const td_qargs *a, td_time now, td_errmsg *why)
{
    const char *v = td_qargs_get(a, "as-of");
    f->as_of = now;
    if (v && td_when_parse(v, &f->as_of) != TD_OK)
        return td_fail(why, TD_EINVAL,
                       "--as-of \"%s\" is not a date (YYYY-MM-DD) or date-time (ISO-8601)", v);
    f->today = td_time_day(f->as_of);
    v = td_qargs_get(a, "due-by");
    if (v && td_day_parse(v, &f->due_by) != TD_OK)
        return td_fail(why, TD_EINVAL, "--due-by \"%s\" is not a date (YYYY-MM-DD)", v);
    return TD_OK;
}

td_err td_task_filter_init(td_task_filter *f, td_txn *txn, const td_qargs *a, td_time now,
                           td_errmsg *why)
{
    memset(f, 0, sizeof *f);
    f->source = td_qargs_get(a, "source");
    f->lead = td_qargs_get(a, "lead");
    f->group = td_qargs_get(a, "group");
    f->block = td_qargs_get(a, "block");
    f->difficulty = td_qargs_get(a, "difficulty");
    f->province = td_qargs_get(a, "province");
    td_err err = s_parse_dates(f, a, now, why);
    if (!err)
        err = s_parse_enum(a, "block", td_block_parse, &f->block_v,
                           "party|government|national_assembly|fatherland_front", why);
    if (!err)
        err = s_parse_enum(a, "difficulty", td_difficulty_parse, &f->difficulty_v, "normal|hard",
                           why);
    if (!err)
        err = s_parse_enum(a, "class", td_class_parse, &f->class_v,
                           "regular|completed|overdue|on_schedule", why);
    if (!err)
        err = td_store_each_agency(txn, s_load_agency, f);
    if (!err && f->lead && !s_agency(f, f->lead))
        err = td_fail(why, TD_EINVAL, "--lead \"%s\" is not a registered agency", f->lead);
    if (!err && f->province) {
        const td_agency *p = s_agency(f, f->province);
        if (!p || p->kind != TD_KIND_PROVINCE)
            err = td_fail(why, TD_EINVAL, "--province \"%s\" is not a registered province",
                          f->province);
    }
    if (err)
        td_task_filter_fini(f);
    return err;
}

void td_task_filter_fini(td_task_filter *f)
{
    free(f->agencies);
    f->agencies = NULL;
    f->n_agencies = 0;
}

static bool s_in_province(const td_task_filter *f, const td_agency *lead)
{
    return strcmp(lead->code, f->province) == 0 || strcmp(lead->parent, f->province) == 0;
}

bool td_task_filter_match(const td_task_filter *f, const td_task *t)
{
    if (!td_task_counts(t, f->today))
        return false;
    if ((f->source && strcmp(t->source, f->source)) || (f->lead && strcmp(t->lead, f->lead)) ||
        (f->group && strcmp(t->group, f->group)) ||
        (f->difficulty_v && t->difficulty != f->difficulty_v))
        return false;
    if (f->block_v || f->province) {
        const td_agency *lead = s_agency(f, t->lead);
        if (!lead || (f->block_v && lead->block != f->block_v) ||
            (f->province && !s_in_province(f, lead)))
            return false;
    }
    return true;
}
