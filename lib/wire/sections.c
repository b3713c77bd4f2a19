/* A report's status sections on the wire. Each section is a sub-message of Report whose presence
 * is the section's presence, so "no databases" (an empty DatabaseList) and "databases not
 * reported" (no DatabaseList) stay apart. Values are copied as received: the receiver runs the
 * model's checks, which also refuse enum values and counts out of range. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef Tiendo__V1__Database s_database;
typedef Tiendo__V1__Obstacle s_obstacle;

/* ---- encoding ---- */

static void s_encode_infra(const td_infra *s, Tiendo__V1__Infrastructure *pb)
{
    tiendo__v1__infrastructure__init(pb);
    pb->terminals_required = s->terminals_required;
    pb->terminals_available = s->terminals_available;
    pb->villages_total = s->villages_total;
    pb->villages_signal_gap = s->villages_signal_gap;
    pb->villages_no_power = s->villages_no_power;
    pb->population_db_connected = s->population_db_connected;
}

static void s_encode_services(const td_services *s, Tiendo__V1__Services *pb)
{
    tiendo__v1__services__init(pb);
    pb->procedures_total = s->procedures_total;
    pb->procedures_announced = s->procedures_announced;
    pb->procedures_online = s->procedures_online;
    pb->files_received = s->files_received;
    pb->files_fully_online = s->files_fully_online;
    pb->records_total = s->records_total;
    pb->records_digitized = s->records_digitized;
}

static void s_encode_funding(const td_funding *s, Tiendo__V1__Funding *pb)
{
    tiendo__v1__funding__init(pb);
    pb->requested_vnd = s->requested_vnd;
    pb->allocated_vnd = s->allocated_vnd;
    pb->disbursed_vnd = s->disbursed_vnd;
}

static td_err s_encode_databases(const td_report *r, td_wire_sections_out *o)
{
    Tiendo__V1__DatabaseList *pb = &o->databases;
    tiendo__v1__database_list__init(pb);
    td_err err = td_wire_repeated(r->n_databases, sizeof(s_database), &o->database_items);
    if (err != TD_OK)
        return err;
    for (size_t i = 0; i < r->n_databases; i++) {
        const td_database *d = &r->databases[i];
        s_database *t = o->database_items[i];
        tiendo__v1__database__init(t);
        t->id = td_wire_str(d->id);
        t->name = td_wire_str(d->name);
        t->stage = (Tiendo__V1__DatabaseStage)d->stage;
    }
    pb->n_items = r->n_databases;
    pb->items = (s_database **)o->database_items;
    return TD_OK;
}

static td_err s_encode_obstacles(const td_report *r, td_wire_sections_out *o)
{
    Tiendo__V1__ObstacleList *pb = &o->obstacles;
    tiendo__v1__obstacle_list__init(pb);
    td_err err = td_wire_repeated(r->n_obstacles, sizeof(s_obstacle), &o->obstacle_items);
    if (err != TD_OK)
        return err;
    for (size_t i = 0; i < r->n_obstacles; i++) {
        const td_obstacle *b = &r->obstacles[i];
        s_obstacle *t = o->obstacle_items[i];
        tiendo__v1__obstacle__init(t);
        t->id = td_wire_str(b->id);
        t->category = (Tiendo__V1__ObstacleCategory)b->category;
        t->description = td_wire_str(b->description);
        t->state = (Tiendo__V1__ObstacleState)b->state;
        t->reported_on = b->reported_on;
        t->resolved_on = b->resolved_on;
    }
    pb->n_items = r->n_obstacles;
    pb->items = (s_obstacle **)o->obstacle_items;
    return TD_OK;
}

td_err td_wire_encode_sections(const td_report *r, Tiendo__V1__Report *pb, td_wire_sections_out *o)
{
    td_err err;
    if (r->infra.present) {
        s_encode_infra(&r->infra, &o->infra);
        pb->infrastructure = &o->infra;
    }
    if (r->services.present) {
        s_encode_services(&r->services, &o->services);
        pb->services = &o->services;
    }
    if (r->funding.present) {
        s_encode_funding(&r->funding, &o->funding);
        pb->funding = &o->funding;
    }
    if (r->has_databases) {
        if ((err = s_encode_databases(r, o)) != TD_OK)
            return err;
        pb->databases = &o->databases;
    }
    if (r->has_obstacles) {
        if ((err = s_encode_obstacles(r, o)) != TD_OK)
            return err;
        pb->obstacles = &o->obstacles;
    }
    return TD_OK;
}

void td_wire_sections_out_fini(td_wire_sections_out *o)
{
    free(o->database_items);
    free(o->obstacle_items);
    o->database_items = o->obstacle_items = NULL;
}

/* ---- checks on the unpacked protobuf ---- */

static td_err s_check_databases(const Tiendo__V1__DatabaseList *l, td_errmsg *why)
{
    td_err err = td_wire_check_known(&l->base, why, "report.databases");
    if (err == TD_OK)
        err = td_wire_check_count(l->n_items, TD_WIRE_MAX_DATABASES, why, "report.databases");
    for (size_t i = 0; err == TD_OK && i < l->n_items; i++) {
        const s_database *d = l->items[i];
        err = td_wire_check_known(&d->base, why, "report.databases[%zu]", i);
        if (err == TD_OK)
            err = td_wire_check_text(d->id, TD_ID_MAX, why, "report.databases[%zu].id", i);
        if (err == TD_OK)
            err = td_wire_check_text(d->name, TD_TEXT_MAX, why, "report.databases[%zu].name", i);
    }
    return err;
}

static td_err s_check_obstacles(const Tiendo__V1__ObstacleList *l, td_errmsg *why)
{
    td_err err = td_wire_check_known(&l->base, why, "report.obstacles");
    if (err == TD_OK)
        err = td_wire_check_count(l->n_items, TD_WIRE_MAX_OBSTACLES, why, "report.obstacles");
    for (size_t i = 0; err == TD_OK && i < l->n_items; i++) {
        const s_obstacle *b = l->items[i];
        err = td_wire_check_known(&b->base, why, "report.obstacles[%zu]", i);
        if (err == TD_OK)
            err = td_wire_check_text(b->id, TD_ID_MAX, why, "report.obstacles[%zu].id", i);
        if (err == TD_OK)
            err = td_wire_check_text(b->description, TD_TEXT_MAX, why,
                                     "report.obstacles[%zu].description", i);
    }
    return err;
}

td_err td_wire_check_sections(const Tiendo__V1__Report *r, td_errmsg *why)
{
    td_err err = TD_OK;
    if (r->infrastructure != NULL)
        err = td_wire_check_known(&r->infrastructure->base, why, "report.infrastructure");
    if (err == TD_OK && r->services != NULL)
        err = td_wire_check_known(&r->services->base, why, "report.services");
    if (err == TD_OK && r->funding != NULL)
        err = td_wire_check_known(&r->funding->base, why, "report.funding");
    if (err == TD_OK && r->databases != NULL)
        err = s_check_databases(r->databases, why);
    if (err == TD_OK && r->obstacles != NULL)
        err = s_check_obstacles(r->obstacles, why);
    return err;
}

/* ---- copying out of the arena ---- */

static void s_copy_infra(const Tiendo__V1__Infrastructure *pb, td_infra *s)
{
    s->present = true;
    s->terminals_required = pb->terminals_required;
    s->terminals_available = pb->terminals_available;
    s->villages_total = pb->villages_total;
    s->villages_signal_gap = pb->villages_signal_gap;
    s->villages_no_power = pb->villages_no_power;
    s->population_db_connected = pb->population_db_connected;
}

static void s_copy_services(const Tiendo__V1__Services *pb, td_services *s)
{
    s->present = true;
    s->procedures_total = pb->procedures_total;
    s->procedures_announced = pb->procedures_announced;
    s->procedures_online = pb->procedures_online;
    s->files_received = pb->files_received;
    s->files_fully_online = pb->files_fully_online;
    s->records_total = pb->records_total;
    s->records_digitized = pb->records_digitized;
}

static void s_copy_funding(const Tiendo__V1__Funding *pb, td_funding *s)
{
    s->present = true;
    s->requested_vnd = pb->requested_vnd;
    s->allocated_vnd = pb->allocated_vnd;
    s->disbursed_vnd = pb->disbursed_vnd;
}

/* Items are zeroed and counted before they are filled, so td_report_fini frees a partial copy. */
static td_err s_copy_databases(const Tiendo__V1__DatabaseList *l, td_report *out)
{
    out->has_databases = true;
    if (l->n_items == 0)
        return TD_OK;
    out->databases = calloc(l->n_items, sizeof *out->databases);
    if (out->databases == NULL)
        return TD_ENOMEM;
    out->n_databases = l->n_items;
    for (size_t i = 0; i < l->n_items; i++) {
        const s_database *t = l->items[i];
        td_database *d = &out->databases[i];
        memcpy(d->id, t->id, strlen(t->id) + 1); /* checked: at most TD_ID_MAX bytes */
        d->stage = (int)t->stage;
        if ((d->name = strdup(t->name)) == NULL)
            return TD_ENOMEM;
    }
    return TD_OK;
}

static td_err s_copy_obstacles(const Tiendo__V1__ObstacleList *l, td_report *out)
{
    out->has_obstacles = true;
    if (l->n_items == 0)
        return TD_OK;
    out->obstacles = calloc(l->n_items, sizeof *out->obstacles);
    if (out->obstacles == NULL)
        return TD_ENOMEM;
    out->n_obstacles = l->n_items;
    for (size_t i = 0; i < l->n_items; i++) {
        const s_obstacle *t = l->items[i];
        td_obstacle *b = &out->obstacles[i];
        memcpy(b->id, t->id, strlen(t->id) + 1); /* checked: at most TD_ID_MAX bytes */
        b->category = (int)t->category;
        b->state = (int)t->state;
        b->reported_on = t->reported_on;
        b->resolved_on = t->resolved_on;
        if ((b->description = strdup(t->description)) == NULL)
            return TD_ENOMEM;
    }
    return TD_OK;
}

td_err td_wire_copy_sections(const Tiendo__V1__Report *r, td_report *out)
{
    td_err err = TD_OK;
    if (r->infrastructure != NULL)
        s_copy_infra(r->infrastructure, &out->infra);
    if (r->services != NULL)
        s_copy_services(r->services, &out->services);
    if (r->funding != NULL)
        s_copy_funding(r->funding, &out->funding);
    if (r->databases != NULL)
        err = s_copy_databases(r->databases, out);
    if (err == TD_OK && r->obstacles != NULL)
        err = s_copy_obstacles(r->obstacles, out);
    return err;
}
