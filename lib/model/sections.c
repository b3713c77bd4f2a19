/* Rules for the status sections beyond tasks: infrastructure, services, funding, databases and
 * obstacles. Like check.c, every input path ends here; messages begin with the field's name. */
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* A count field of a section struct, found by its offset. */
typedef struct {
    const char *name;
    size_t off; /* of an int64_t */
} s_count;

/* part <= whole. */
typedef struct {
    s_count part;
    s_count whole;
} s_bound;

#define S_COUNT(type, field)                                                                       \
    {                                                                                              \
#field, offsetof(type, field)                                                              \
    }

static const s_count s_infra_counts[] = {
    S_COUNT(td_infra, terminals_required), S_COUNT(td_infra, terminals_available),
    S_COUNT(td_infra, villages_total),     S_COUNT(td_infra, villages_signal_gap),
    S_COUNT(td_infra, villages_no_power),
};
/* terminals_available may exceed terminals_required: a commune may hold spares. */
static const s_bound s_infra_bounds[] = {
    {S_COUNT(td_infra, villages_signal_gap), S_COUNT(td_infra, villages_total)},
    {S_COUNT(td_infra, villages_no_power), S_COUNT(td_infra, villages_total)},
};

static const s_count s_services_counts[] = {
    S_COUNT(td_services, procedures_total),   S_COUNT(td_services, procedures_announced),
    S_COUNT(td_services, procedures_online),  S_COUNT(td_services, files_received),
    S_COUNT(td_services, files_fully_online), S_COUNT(td_services, records_total),
    S_COUNT(td_services, records_digitized),
};
static const s_bound s_services_bounds[] = {
    {S_COUNT(td_services, procedures_announced), S_COUNT(td_services, procedures_total)},
    {S_COUNT(td_services, procedures_online), S_COUNT(td_services, procedures_total)},
    {S_COUNT(td_services, files_fully_online), S_COUNT(td_services, files_received)},
    {S_COUNT(td_services, records_digitized), S_COUNT(td_services, records_total)},
};

static const s_count s_funding_counts[] = {
    S_COUNT(td_funding, requested_vnd),
    S_COUNT(td_funding, allocated_vnd),
    S_COUNT(td_funding, disbursed_vnd),
};
/* Requests are not bounded by anything: an agency may be allocated more than it asked for. */
static const s_bound s_funding_bounds[] = {
    {S_COUNT(td_funding, disbursed_vnd), S_COUNT(td_funding, allocated_vnd)},
};

#define S_N(a) (sizeof(a) / sizeof((a)[0]))

static int64_t s_value(const void *section, const s_count *c)
{
    return *(const int64_t *)((const char *)section + c->off);
}

/* Every count non-negative, then every bound, in table order. */
static td_err s_check_counts(const void *section, const s_count *counts, size_t n_counts,
                             const s_bound *bounds, size_t n_bounds, td_errmsg *why)
{
    for (size_t i = 0; i < n_counts; i++) {
        int64_t v = s_value(section, &counts[i]);
        if (v < 0)
            return td_fail(why, TD_EINVAL, "%s %lld is negative", counts[i].name, (long long)v);
    }
    for (size_t i = 0; i < n_bounds; i++) {
        const s_count *part = &bounds[i].part, *whole = &bounds[i].whole;
        int64_t p = s_value(section, part), w = s_value(section, whole);
        if (p > w)
            return td_fail(why, TD_EINVAL, "%s %lld is more than %s %lld", part->name, (long long)p,
                           whole->name, (long long)w);
    }
    return TD_OK;
}

td_err td_infra_check(const td_infra *s, td_errmsg *why)
{
    return s_check_counts(s, s_infra_counts, S_N(s_infra_counts), s_infra_bounds,
                          S_N(s_infra_bounds), why);
}

td_err td_services_check(const td_services *s, td_errmsg *why)
{
    return s_check_counts(s, s_services_counts, S_N(s_services_counts), s_services_bounds,
                          S_N(s_services_bounds), why);
}

td_err td_funding_check(const td_funding *s, td_errmsg *why)
{
    return s_check_counts(s, s_funding_counts, S_N(s_funding_counts), s_funding_bounds,
                          S_N(s_funding_bounds), why);
}

static bool s_counts_equal(const void *a, const void *b, const s_count *counts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s_value(a, &counts[i]) != s_value(b, &counts[i]))
            return false;
    return true;
}

bool td_infra_equal(const td_infra *a, const td_infra *b)
{
    return a->present == b->present && a->population_db_connected == b->population_db_connected &&
           s_counts_equal(a, b, s_infra_counts, S_N(s_infra_counts));
}

bool td_services_equal(const td_services *a, const td_services *b)
{
    return a->present == b->present &&
           s_counts_equal(a, b, s_services_counts, S_N(s_services_counts));
}

bool td_funding_equal(const td_funding *a, const td_funding *b)
{
    return a->present == b->present &&
           s_counts_equal(a, b, s_funding_counts, S_N(s_funding_counts));
}

td_err td_database_check(const td_database *d, td_errmsg *why)
{
    td_err err;
    if ((err = td_check_ident("id", d->id, TD_ID_MAX, why)) ||
        (err = td_check_text("name", d->name, TD_TEXT_MAX, true, why)) ||
        (err = td_check_enum("stage", d->stage, td_stage_name(d->stage), why)))
        return err;
    return TD_OK;
}

/* resolved_on belongs to a resolved obstacle only, and falls between reported_on and the
 * report's date. A resolved obstacle need not say when. */
static td_err s_check_resolution(const td_obstacle *o, td_time as_of, td_errmsg *why)
{
    char resolved[11], reported[11];
    td_err err;
    if (o->resolved_on == TD_NODAY)
        return TD_OK;
    if (o->state != TD_OBST_RESOLVED)
        return td_fail(why, TD_EINVAL, "resolved_on is only allowed when the obstacle is resolved");
    if ((err = td_check_day("resolved_on", o->resolved_on, false, why)))
        return err;
    if (o->resolved_on < o->reported_on) {
        td_day_format(o->resolved_on, resolved);
        td_day_format(o->reported_on, reported);
        return td_fail(why, TD_EINVAL, "resolved_on %s is before reported_on %s", resolved,
                       reported);
    }
    return td_check_not_after("resolved_on", o->resolved_on, as_of, why);
}

td_err td_obstacle_check(const td_obstacle *o, td_time as_of, td_errmsg *why)
{
    td_err err;
    if ((err = td_check_ident("id", o->id, TD_ID_MAX, why)) ||
        (err = td_check_enum("category", o->category, td_category_name(o->category), why)) ||
        (err = td_check_text("description", o->description, TD_TEXT_MAX, true, why)) ||
        (err = td_check_enum("state", o->state, td_obstacle_state_name(o->state), why)) ||
        (err = td_check_day("reported_on", o->reported_on, true, why)) ||
        (err = td_check_not_after("reported_on", o->reported_on, as_of, why)) ||
        (err = s_check_resolution(o, as_of, why)))
        return err;
    return TD_OK;
}
