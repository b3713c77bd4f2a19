/* What the agent's probes measured, on the wire: a report's outages and readings. Both are plain
 * repeated fields: an agent without probes sends none, and "none" is all a receiver needs to
 * know. Values are copied as received: the receiver runs td_outage_check and td_reading_check,
 * which refuse kinds out of range, an end before its start, non-finite values and identifiers
 * outside [A-Za-z0-9._-]. Here only what the copy itself depends on is checked: counts, and
 * strings that fit the model's arrays and are text. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef Tiendo__V1__Outage s_outage;
typedef Tiendo__V1__ProbeReading s_reading;

/* ---- encoding ---- */

td_err td_wire_encode_probes(const td_report *r, Tiendo__V1__Report *pb, td_wire_probes_out *o)
{
    td_err err = td_wire_repeated(r->n_outages, sizeof(s_outage), &o->outage_items);
    if (err == TD_OK)
        err = td_wire_repeated(r->n_readings, sizeof(s_reading), &o->reading_items);
    if (err != TD_OK)
        return err;
    for (size_t i = 0; i < r->n_outages; i++) {
        const td_outage *s = &r->outages[i];
        s_outage *t = o->outage_items[i];
        tiendo__v1__outage__init(t);
        t->kind = (Tiendo__V1__OutageKind)s->kind;
        t->start = s->start;
        t->end = s->end;
    }
    for (size_t i = 0; i < r->n_readings; i++) {
        const td_reading *s = &r->readings[i];
        s_reading *t = o->reading_items[i];
        tiendo__v1__probe_reading__init(t);
        t->probe = td_wire_str(s->probe);
        t->name = td_wire_str(s->name);
        t->value = s->value;
        t->error = td_wire_str(s->error);
        t->measured_at = s->measured_at;
    }
    pb->n_outages = r->n_outages;
    pb->outages = (s_outage **)o->outage_items;
    pb->n_readings = r->n_readings;
    pb->readings = (s_reading **)o->reading_items;
    return TD_OK;
}

void td_wire_probes_out_fini(td_wire_probes_out *o)
{
    free(o->outage_items);
    free(o->reading_items);
    o->outage_items = o->reading_items = NULL;
}

/* ---- checks on the unpacked protobuf ---- */

static td_err s_check_reading(const s_reading *t, size_t i, td_errmsg *why)
{
    td_err err = td_wire_check_known(&t->base, why, "report.readings[%zu]", i);
    if (err == TD_OK)
        err = td_wire_check_text(t->probe, TD_PROBE_NAME_MAX, why, "report.readings[%zu].probe", i);
    if (err == TD_OK)
        err = td_wire_check_text(t->name, TD_READING_NAME_MAX, why, "report.readings[%zu].name", i);
    if (err == TD_OK)
        err = td_wire_check_text(t->error, TD_WIRE_READING_ERROR_MAX, why,
                                 "report.readings[%zu].error", i);
    return err;
}

td_err td_wire_check_probes(const Tiendo__V1__Report *r, td_errmsg *why)
{
    td_err err = td_wire_check_count(r->n_outages, TD_WIRE_MAX_OUTAGES, why, "report.outages");
    if (err == TD_OK)
        err = td_wire_check_count(r->n_readings, TD_WIRE_MAX_READINGS, why, "report.readings");
    for (size_t i = 0; err == TD_OK && i < r->n_outages; i++)
        err = td_wire_check_known(&r->outages[i]->base, why, "report.outages[%zu]", i);
    for (size_t i = 0; err == TD_OK && i < r->n_readings; i++)
        err = s_check_reading(r->readings[i], i, why);
    return err;
}

/* ---- copying out of the arena ---- */

static td_err s_copy_outages(const Tiendo__V1__Report *r, td_report *out)
{
    if (r->n_outages == 0)
        return TD_OK;
    out->outages = calloc(r->n_outages, sizeof *out->outages);
    if (out->outages == NULL)
        return TD_ENOMEM;
    out->n_outages = r->n_outages;
    for (size_t i = 0; i < r->n_outages; i++) {
        const s_outage *t = r->outages[i];
        out->outages[i] = (td_outage){(int)t->kind, t->start, t->end};
    }
    return TD_OK;
}

/* Readings are zeroed and counted before they are filled, so td_report_fini frees a partial
 * copy. */
static td_err s_copy_readings(const Tiendo__V1__Report *r, td_report *out)
{
    if (r->n_readings == 0)
        return TD_OK;
    out->readings = calloc(r->n_readings, sizeof *out->readings);
    if (out->readings == NULL)
        return TD_ENOMEM;
    out->n_readings = r->n_readings;
    for (size_t i = 0; i < r->n_readings; i++) {
        const s_reading *t = r->readings[i];
        td_reading *d = &out->readings[i];
        memcpy(d->probe, t->probe, strlen(t->probe) + 1); /* checked: TD_PROBE_NAME_MAX bytes */
        memcpy(d->name, t->name, strlen(t->name) + 1);    /* checked: TD_READING_NAME_MAX */
        d->value = t->value;
        d->measured_at = t->measured_at;
        if (t->error[0] != '\0' && (d->error = strdup(t->error)) == NULL)
            return TD_ENOMEM;
    }
    return TD_OK;
}

td_err td_wire_copy_probes(const Tiendo__V1__Report *r, td_report *out)
{
    td_err err = s_copy_outages(r, out);
    return err ? err : s_copy_readings(r, out);
}
