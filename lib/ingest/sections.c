/* Applying a report's status sections: each section, and each database or obstacle, is checked
 * and applied (or rejected with its reason) on its own. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    td_txn *txn;
    const td_report_msg *m;
    td_time now;
    td_ack *ack;
} s_ctx;

/* Stores v (a version of the report's agency) or, when check failed, rejects item `label`. */
static td_err s_apply(s_ctx *c, td_section_version *v, td_err check, const td_errmsg *why,
                      const char *label)
{
    if (check != TD_OK)
        return td_ingest_reject(c->ack, label, why->text);
    bool stored;
    snprintf(v->agency, sizeof v->agency, "%s", c->m->report.agency);
    v->as_of = c->m->report.as_of;
    v->received_at = c->now;
    v->seq = c->m->seq;
    td_err err = td_store_put_section(c->txn, v, &stored);
    if (err == TD_OK)
        c->ack->accepted++;
    return err;
}

static td_err s_agency_sections(s_ctx *c)
{
    const td_report *r = &c->m->report;
    td_errmsg why;
    td_err err = TD_OK;
    if (r->infra.present) {
        td_section_version v = {.kind = TD_SECTION_INFRA, .u.infra = r->infra};
        err = s_apply(c, &v, td_infra_check(&r->infra, &why), &why, "infrastructure");
    }
    if (err == TD_OK && r->services.present) {
        td_section_version v = {.kind = TD_SECTION_SERVICES, .u.services = r->services};
        err = s_apply(c, &v, td_services_check(&r->services, &why), &why, "services");
    }
    if (err == TD_OK && r->funding.present) {
        td_section_version v = {.kind = TD_SECTION_FUNDING, .u.funding = r->funding};
        err = s_apply(c, &v, td_funding_check(&r->funding, &why), &why, "funding");
    }
    return err;
}

static td_err s_databases(s_ctx *c, const bool *repeat)
{
    const td_report *r = &c->m->report;
    td_err err = TD_OK;
    for (size_t i = 0; err == TD_OK && i < r->n_databases; i++) {
        const td_database *d = &r->databases[i];
        char label[TD_ID_MAX + 16];
        td_errmsg why;
        snprintf(label, sizeof label, "databases/%s", d->id);
        td_err check = td_database_check(d, &why);
        if (check == TD_OK && repeat[i])
            check = td_fail(&why, TD_EINVAL, "database %s appears twice in this report", d->id);
        td_section_version v = {.kind = TD_SECTION_DATABASE, .u.database = *d};
        snprintf(v.id, sizeof v.id, "%s", d->id);
        err = s_apply(c, &v, check, &why, label); /* v borrows d's strings: not finalized */
    }
    return err;
}

static td_err s_obstacles(s_ctx *c, const bool *repeat)
{
    const td_report *r = &c->m->report;
    td_err err = TD_OK;
    for (size_t i = 0; err == TD_OK && i < r->n_obstacles; i++) {
        const td_obstacle *o = &r->obstacles[i];
        char label[TD_ID_MAX + 16];
        td_errmsg why;
        snprintf(label, sizeof label, "obstacles/%s", o->id);
        td_err check = td_obstacle_check(o, r->as_of, &why);
        if (check == TD_OK && repeat[i])
            check = td_fail(&why, TD_EINVAL, "obstacle %s appears twice in this report", o->id);
        td_section_version v = {.kind = TD_SECTION_OBSTACLE, .u.obstacle = *o};
        snprintf(v.id, sizeof v.id, "%s", o->id);
        err = s_apply(c, &v, check, &why, label);
    }
    return err;
}

/* The probes' outages and readings: each is an item of its own, checked and stored alone. */
static td_err s_probes(s_ctx *c)
{
    const td_report *r = &c->m->report;
    td_err err = TD_OK;
    for (size_t i = 0; err == TD_OK && i < r->n_outages; i++) {
        const td_outage *o = &r->outages[i];
        td_section_version v = {.kind = TD_SECTION_OUTAGE, .u.outage = *o};
        const char *kind = td_outage_kind_name(o->kind);
        snprintf(v.id, sizeof v.id, "%s-%lld", kind ? kind : "unknown", (long long)o->start);
        char label[sizeof v.id + 16];
        snprintf(label, sizeof label, "outages/%s", v.id);
        td_errmsg why;
        /* Measured on the agency's clock, sent whenever: not tied to the status's as_of. */
        err = s_apply(c, &v, td_outage_check(o, c->now, &why), &why, label);
    }
    for (size_t i = 0; err == TD_OK && i < r->n_readings; i++) {
        const td_reading *rd = &r->readings[i];
        td_section_version v = {.kind = TD_SECTION_READING, .u.reading = *rd};
        snprintf(v.id, sizeof v.id, "%.32s/%.64s", rd->probe, rd->name);
        char label[sizeof v.id + 16];
        snprintf(label, sizeof label, "readings/%s", v.id);
        td_errmsg why;
        err = s_apply(c, &v, td_reading_check(rd, &why), &why, label); /* borrows rd->error */
    }
    return err;
}

td_err td_ingest_sections(td_txn *txn, const td_report_msg *m, td_time now, td_ack *ack)
{
    /* ack->accepted counts the status file's items; what the probes measured is extra. */
    s_ctx c = {txn, m, now, ack};
    const td_report *r = &m->report;
    bool *db_repeat = NULL, *ob_repeat = NULL;
    td_err err = s_agency_sections(&c);
    if (err == TD_OK)
        err =
            td_ingest_find_repeats(r->databases, r->n_databases, sizeof *r->databases, &db_repeat);
    if (err == TD_OK)
        err = s_databases(&c, db_repeat);
    if (err == TD_OK)
        err =
            td_ingest_find_repeats(r->obstacles, r->n_obstacles, sizeof *r->obstacles, &ob_repeat);
    if (err == TD_OK)
        err = s_obstacles(&c, ob_repeat);
    uint32_t accepted = ack->accepted;
    if (err == TD_OK)
        err = s_probes(&c);
    ack->accepted = accepted;
    free(db_repeat);
    free(ob_repeat);
    return err;
}
