/* What the agent's probes measure: outages (power, link) and readings. */
#include <math.h>
#include <string.h>

#include "tiendo/model.h"

const char *td_outage_kind_name(int kind)
{
    return kind == TD_OUTAGE_POWER ? "power" : kind == TD_OUTAGE_LINK ? "link" : NULL;
}

td_err td_outage_kind_parse(const char *name, int *out)
{
    if (!strcmp(name, "power"))
        *out = TD_OUTAGE_POWER;
    else if (!strcmp(name, "link"))
        *out = TD_OUTAGE_LINK;
    else
        return TD_EINVAL;
    return TD_OK;
}

td_err td_outage_check(const td_outage *o, td_time as_of, td_errmsg *why)
{
    if (!td_outage_kind_name(o->kind))
        return td_fail(why, TD_EINVAL, "outage kind %d is not valid", o->kind);
    if (o->start <= 0)
        return td_fail(why, TD_EINVAL, "outage start is not set");
    if (o->end && o->end < o->start)
        return td_fail(why, TD_EINVAL, "outage end is before its start");
    /* Measured on the agency's clock: a little ahead of `as_of` (the receipt) is tolerated. */
    if (o->start > as_of + 300 || o->end > as_of + 300)
        return td_fail(why, TD_EINVAL, "outage is in the future");
    return TD_OK;
}

static bool s_ident(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n > 0 && n <= max &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

td_err td_reading_check(const td_reading *r, td_errmsg *why)
{
    if (!s_ident(r->probe, TD_PROBE_NAME_MAX))
        return td_fail(why, TD_EINVAL, "probe name \"%s\" is not 1-%d of [A-Za-z0-9._-]", r->probe,
                       TD_PROBE_NAME_MAX);
    if (!s_ident(r->name, TD_READING_NAME_MAX))
        return td_fail(why, TD_EINVAL, "reading name \"%s\" is not 1-%d of [A-Za-z0-9._-]", r->name,
                       TD_READING_NAME_MAX);
    if (!isfinite(r->value))
        return td_fail(why, TD_EINVAL, "reading %s.%s is not a finite number", r->probe, r->name);
    if (r->error && !td_text_valid(r->error, 512))
        return td_fail(why, TD_EINVAL, "reading %s.%s: error is not valid text", r->probe, r->name);
    return TD_OK;
}
