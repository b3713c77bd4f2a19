/* Task filters: --as-of, --source, --lead, --block, --group, --difficulty, --due-by,
 * --province. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static td_err s_load_agency(const td_agency *a, void *arg)
{
    td_agency_set *set = arg;
    td_agency *grown = realloc(set->items, (set->n + 1) * sizeof *grown);
    if (!grown)
        return TD_ENOMEM;
    set->items = grown;
    td_agency *dst = &set->items[set->n++];
    *dst = *a;
    dst->name = NULL; /* borrowed from the store's iteration: not kept */
    return TD_OK;
}

td_err td_agency_set_load(td_txn *txn, td_agency_set *set)
{
    memset(set, 0, sizeof *set);
    td_err err = td_store_each_agency(txn, s_load_agency, set);
    if (err)
        td_agency_set_fini(set);
    return err;
}

void td_agency_set_fini(td_agency_set *set)
{
    free(set->items);
    memset(set, 0, sizeof *set);
}

static int s_cmp_code(const void *key, const void *elem)
{
    return strcmp(key, ((const td_agency *)elem)->code);
}

const td_agency *td_agency_set_find(const td_agency_set *set, const char *code)
{
    return set->n ? bsearch(code, set->items, set->n, sizeof *set->items, s_cmp_code) : NULL;
}

bool td_agency_in_province(const td_agency *a, const char *province)
{
    return !province || strcmp(a->code, province) == 0 || strcmp(a->parent, province) == 0;
}

td_err td_agency_set_check(const td_agency_set *set, const char *option, const char *code, int kind,
                           td_errmsg *why)
{
    const td_agency *a = code ? td_agency_set_find(set, code) : NULL;
    if (!code || (a && (!kind || a->kind == kind)))
        return TD_OK;
    return td_fail(why, TD_EINVAL, "--%s \"%s\" is not a registered %s", option, code,
                   kind ? td_kind_name(kind) : "agency");
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
    td_err err = td_qargs_as_of(a, now, &f->as_of, why);
    if (err)
        return err;
    f->today = td_time_day(f->as_of);
    const char *v = td_qargs_get(a, "due-by");
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
        err = td_agency_set_load(txn, &f->agencies);
    if (!err)
        err = td_agency_set_check(&f->agencies, "lead", f->lead, 0, why);
    if (!err)
        err = td_agency_set_check(&f->agencies, "province", f->province, TD_KIND_PROVINCE, why);
    if (err)
        td_task_filter_fini(f);
    return err;
}

void td_task_filter_fini(td_task_filter *f)
{
    td_agency_set_fini(&f->agencies);
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
        const td_agency *lead = td_agency_set_find(&f->agencies, t->lead);
        if (!lead || (f->block_v && lead->block != f->block_v) ||
            !td_agency_in_province(lead, f->province))
            return false;
    }
    return true;
}
