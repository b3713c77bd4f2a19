/* Delta reports: what lib/model's td_report_delta keeps of a status against its base, that
 * td_report_patch gives back exactly that status, what it refuses, and lib/wire's framing of a
 * queued body as a delta (td_wire_frame_delta). Tables of named cases; lib/ingest's side is in
 * test_ingest_delta.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiendo/model.h"
#include "tiendo/wire.h"

#include "testutil.h"

#define T_AS_OF INT64_C(1764842400) /* 2025-12-04T17:00:00+07:00 */
#define DEC01 20423
#define DEC03 20425

/* ---- building statuses ---- */

static void *s_grow(void *items, size_t n, size_t size)
{
    void *p = realloc(items, (n + 1) * size);
    assert_non_null(p);
    memset((char *)p + n * size, 0, size);
    return p;
}

static void s_task(td_report *r, const char *id, int state, int progress, const char *note)
{
    r->tasks = s_grow(r->tasks, r->n_tasks, sizeof *r->tasks);
    tu_item(&r->tasks[r->n_tasks], id, state, progress,
            state == TD_STATE_DONE ? "2025-12-01" : NULL, note);
    r->n_tasks++;
}

static void s_database(td_report *r, const char *id, int stage)
{
    r->has_databases = true;
    r->databases = s_grow(r->databases, r->n_databases, sizeof *r->databases);
    td_database *d = &r->databases[r->n_databases++];
    snprintf(d->id, sizeof d->id, "%s", id);
    d->name = tu_strdup("Cơ sở dữ liệu");
    d->stage = stage;
}

static void s_obstacle(td_report *r, const char *id, int state)
{
    r->has_obstacles = true;
    r->obstacles = s_grow(r->obstacles, r->n_obstacles, sizeof *r->obstacles);
    td_obstacle *o = &r->obstacles[r->n_obstacles++];
    snprintf(o->id, sizeof o->id, "%s", id);
    o->category = TD_OBST_FUNDING;
    o->description = tu_strdup("thiếu kinh phí");
    o->state = state;
    o->reported_on = DEC01;
    o->resolved_on = state == TD_OBST_RESOLVED ? DEC03 : TD_NODAY;
}

static void s_outage(td_report *r, int kind, td_time start, td_time end)
{
    r->outages = s_grow(r->outages, r->n_outages, sizeof *r->outages);
    r->outages[r->n_outages++] = (td_outage){kind, start, end};
}

static void s_reading(td_report *r, const char *probe, const char *name, double value)
{
    r->readings = s_grow(r->readings, r->n_readings, sizeof *r->readings);
    td_reading *x = &r->readings[r->n_readings++];
    snprintf(x->probe, sizeof x->probe, "%s", probe);
    snprintf(x->name, sizeof x->name, "%s", name);
    x->value = value;
    x->measured_at = T_AS_OF - 300;
}

/* The base of every case: something in each list and section but funding. */
static void s_base(td_report *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->agency, sizeof r->agency, "X01");
    r->as_of = T_AS_OF;
    s_task(r, "T1", TD_STATE_IN_PROGRESS, 40, "đang làm");
    s_task(r, "T2", TD_STATE_DONE, 100, NULL);
    s_task(r, "T3", TD_STATE_NOT_STARTED, 0, NULL);
    r->infra = (td_infra){true, 12, 9, 14, 3, 1, true};
    r->services = (td_services){true, 82, 80, 60, 10000, 5200, 90000, 43000};
    s_database(r, "D1", TD_STAGE_DEPLOYING);
    s_database(r, "D2", TD_STAGE_NOT_STARTED);
    s_obstacle(r, "O1", TD_OBST_OPEN);
    s_outage(r, TD_OUTAGE_POWER, T_AS_OF - 7200, T_AS_OF - 3600);
    s_reading(r, "host", "disk_free_bytes", 1048576.0);
    s_reading(r, "link", "rtt_ms", 20.0);
}

/* ---- changes made to the base ---- */

static void s_later(td_report *r)
{
    r->as_of += 86400;
}

static void s_progress(td_report *r)
{
    s_later(r);
    r->tasks[0].progress = 60;
}

static void s_note_gone(td_report *r)
{
    free(r->tasks[0].note);
    r->tasks[0].note = NULL;
}

static void s_empty_note(td_report *r)
{
    /* NULL and "" both mean no note: no change. */
    r->tasks[1].note = tu_strdup("");
}

static void s_task_added(td_report *r)
{
    s_task(r, "T4", TD_STATE_IN_PROGRESS, 5, NULL);
}

static void s_task_dropped(td_report *r)
{
    td_task_status_fini(&r->tasks[0]);
    memmove(&r->tasks[0], &r->tasks[1], 2 * sizeof *r->tasks);
    r->n_tasks = 2;
}

static void s_reordered(td_report *r)
{
    td_task_status t = r->tasks[0];
    r->tasks[0] = r->tasks[2];
    r->tasks[2] = t;
}

static void s_infra_changed(td_report *r)
{
    r->infra.villages_signal_gap = 2;
}

static void s_sections_swap(td_report *r)
{
    r->infra.present = false;
    r->funding = (td_funding){true, 100, 80, 20};
}

static void s_database_stage(td_report *r)
{
    r->databases[1].stage = TD_STAGE_DEPLOYING;
}

static void s_database_dropped(td_report *r)
{
    td_database_fini(&r->databases[0]);
    r->databases[0] = r->databases[1];
    r->n_databases = 1;
}

static void s_databases_empty(td_report *r)
{
    for (size_t i = 0; i < r->n_databases; i++)
        td_database_fini(&r->databases[i]);
    r->n_databases = 0; /* the section stays, with no database */
}

static void s_databases_gone(td_report *r)
{
    s_databases_empty(r);
    r->has_databases = false;
}

static void s_obstacle_resolved(td_report *r)
{
    r->obstacles[0].state = TD_OBST_RESOLVED;
    r->obstacles[0].resolved_on = DEC03;
}

static void s_obstacles_empty_to_gone(td_report *r)
{
    for (size_t i = 0; i < r->n_obstacles; i++)
        td_obstacle_fini(&r->obstacles[i]);
    r->n_obstacles = 0;
    r->has_obstacles = false;
    s_database(r, "D3", TD_STAGE_FOUNDATION_CENTRALIZED);
}

static void s_outage_ends_and_new(td_report *r)
{
    r->outages[0].end = T_AS_OF - 1800;
    s_outage(r, TD_OUTAGE_LINK, T_AS_OF - 600, 0);
}

static void s_outage_dropped(td_report *r)
{
    r->n_outages = 0;
}

static void s_reading_moved(td_report *r)
{
    r->readings[0].value = 2097152.0;
    r->readings[0].measured_at = T_AS_OF - 60;
    r->readings[1].error = tu_strdup("timed out after 10 s");
}

static void s_reading_remeasured(td_report *r)
{
    r->readings[1].measured_at = T_AS_OF - 10;
}

static void s_reading_sign(td_report *r)
{
    r->readings[1].value = 0.0;
}

static void s_reading_dropped(td_report *r)
{
    r->n_readings = 1;
    free(r->readings[1].error);
}

/* ---- describing a delta and a status ---- */

/* "tasks:T1 infrastructure databases:D1 removed:tasks/T3": what a delta carries. */
static void s_describe(const td_report *d, char *const *removed, size_t n_removed, char *buf,
                       size_t cap)
{
    buf[0] = '\0';
#define S_ADD(...) snprintf(buf + strlen(buf), cap - strlen(buf), __VA_ARGS__)
    if (d->n_tasks) {
        S_ADD(" tasks:");
        for (size_t i = 0; i < d->n_tasks; i++)
            S_ADD("%s%s", i ? "," : "", d->tasks[i].id);
    }
    if (d->infra.present)
        S_ADD(" infrastructure");
    if (d->services.present)
        S_ADD(" services");
    if (d->funding.present)
        S_ADD(" funding");
    if (d->has_databases) {
        S_ADD(" databases:");
        for (size_t i = 0; i < d->n_databases; i++)
            S_ADD("%s%s", i ? "," : "", d->databases[i].id);
    }
    if (d->has_obstacles) {
        S_ADD(" obstacles:");
        for (size_t i = 0; i < d->n_obstacles; i++)
            S_ADD("%s%s", i ? "," : "", d->obstacles[i].id);
    }
    if (d->n_outages) {
        S_ADD(" outages:");
        for (size_t i = 0; i < d->n_outages; i++)
            S_ADD("%s%d-%lld", i ? "," : "", d->outages[i].kind, (long long)d->outages[i].start);
    }
    if (d->n_readings) {
        S_ADD(" readings:");
        for (size_t i = 0; i < d->n_readings; i++)
            S_ADD("%s%s/%s", i ? "," : "", d->readings[i].probe, d->readings[i].name);
    }
    if (n_removed) {
        S_ADD(" removed:");
        for (size_t i = 0; i < n_removed; i++)
            S_ADD("%s%s", i ? "," : "", removed[i]);
    }
#undef S_ADD
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every field of a status as text, each list sorted: equal texts, equal statuses. */
static char *s_dump(const td_report *r)
{
    size_t n = r->n_tasks + r->n_databases + r->n_obstacles + r->n_outages + r->n_readings;
    char **lines = calloc(n + 1, sizeof *lines), line[1024];
    assert_non_null(lines);
    size_t k = 0;
    for (size_t i = 0; i < r->n_tasks; i++, k++) {
        const td_task_status *t = &r->tasks[i];
        snprintf(line, sizeof line, "T %s %d %d %d [%s] %zu", t->id, t->state, t->progress,
                 t->completed_on, t->note ? t->note : "", t->n_evidence);
        lines[k] = tu_strdup(line);
    }
    for (size_t i = 0; i < r->n_databases; i++, k++) {
        const td_database *d = &r->databases[i];
        snprintf(line, sizeof line, "D %s %s %d", d->id, d->name, d->stage);
        lines[k] = tu_strdup(line);
    }
    for (size_t i = 0; i < r->n_obstacles; i++, k++) {
        const td_obstacle *o = &r->obstacles[i];
        snprintf(line, sizeof line, "O %s %d %s %d %d %d", o->id, o->category, o->description,
                 o->state, o->reported_on, o->resolved_on);
        lines[k] = tu_strdup(line);
    }
    for (size_t i = 0; i < r->n_outages; i++, k++) {
        const td_outage *o = &r->outages[i];
        snprintf(line, sizeof line, "U %d %lld %lld", o->kind, (long long)o->start,
                 (long long)o->end);
        lines[k] = tu_strdup(line);
    }
    for (size_t i = 0; i < r->n_readings; i++, k++) {
        const td_reading *x = &r->readings[i];
        snprintf(line, sizeof line, "R %s/%s %a [%s] %lld", x->probe, x->name, x->value,
                 x->error ? x->error : "", (long long)x->measured_at);
        lines[k] = tu_strdup(line);
    }
    qsort(lines, n, sizeof *lines, s_cmp_str);
    size_t cap = 1024 + n * 1024;
    char *out = calloc(1, cap);
    assert_non_null(out);
    /* An absent section's values mean nothing. */
    const td_infra *a = r->infra.present ? &r->infra : &(td_infra){0};
    const td_services *s = r->services.present ? &r->services : &(td_services){0};
    const td_funding *f = r->funding.present ? &r->funding : &(td_funding){0};
    snprintf(out, cap,
             "%s %lld I%d %lld %lld %lld %lld %lld %d S%d %lld %lld %lld %lld %lld %lld %lld "
             "F%d %lld %lld %lld D%d O%d\n",
             r->agency, (long long)r->as_of, a->present, (long long)a->terminals_required,
             (long long)a->terminals_available, (long long)a->villages_total,
             (long long)a->villages_signal_gap, (long long)a->villages_no_power,
             a->population_db_connected, s->present, (long long)s->procedures_total,
             (long long)s->procedures_announced, (long long)s->procedures_online,
             (long long)s->files_received, (long long)s->files_fully_online,
             (long long)s->records_total, (long long)s->records_digitized, f->present,
             (long long)f->requested_vnd, (long long)f->allocated_vnd, (long long)f->disbursed_vnd,
             r->has_databases, r->has_obstacles);
    for (size_t i = 0; i < n; i++) {
        snprintf(out + strlen(out), cap - strlen(out), "%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
    return out;
}

/* patch(base, delta) must give cur back, whatever its order. */
static void s_check_patch(const char *name, const td_report *delta, char *const *removed,
                          size_t n_removed, const td_report *cur)
{
    td_report base, out;
    td_errmsg why = {""};
    s_base(&base);
    CHECK_OK(name, td_report_patch(&base, delta, removed, n_removed, &out, &why), &why);
    td_report_fini(&base);
    char *got = s_dump(&out), *want = s_dump(cur);
    if (strcmp(got, want) != 0)
        fail_msg("%s: patched status\n%s\nwant\n%s", name, got, want);
    free(got);
    free(want);
    td_report_fini(&out);
}

/* ---- the cases ---- */

typedef struct {
    const char *name;
    void (*change)(td_report *r);
    const char *want; /* s_describe of the delta */
} s_case;

static const s_case s_cases[] = {
    {"unchanged, a later as_of", s_later, ""},
    {"unchanged, the same as_of", NULL, ""},
    {"one task moves", s_progress, " tasks:T1"},
    {"a note is gone", s_note_gone, " tasks:T1"},
    {"an empty note is no note", s_empty_note, ""},
    {"a task is added", s_task_added, " tasks:T4"},
    {"a task leaves the file", s_task_dropped, " removed:tasks/T1"},
    {"the order changes nothing", s_reordered, ""},
    {"infrastructure changes", s_infra_changed, " infrastructure"},
    {"infrastructure goes, funding comes", s_sections_swap, " funding removed:infrastructure"},
    {"a database moves on", s_database_stage, " databases:D2"},
    {"a database leaves the list", s_database_dropped, " removed:databases/D1"},
    {"the database list empties", s_databases_empty, " removed:databases/D1,databases/D2"},
    {"the databases section goes", s_databases_gone, " removed:databases"},
    {"an obstacle is resolved", s_obstacle_resolved, " obstacles:O1"},
    {"obstacles go, a database comes", s_obstacles_empty_to_gone,
     " databases:D3 removed:obstacles"},
    {"an outage ends, another begins", s_outage_ends_and_new, " outages:1-1764835200,2-1764841800"},
    {"an outage is forgotten", s_outage_dropped, " removed:outages/power-1764835200"},
    {"readings move", s_reading_moved, " readings:host/disk_free_bytes,link/rtt_ms"},
    {"a reading measured again", s_reading_remeasured, " readings:link/rtt_ms"},
    {"a reading's value, bit for bit", s_reading_sign, " readings:link/rtt_ms"},
    {"a reading is gone", s_reading_dropped, " removed:readings/link/rtt_ms"},
};

static void test_delta_and_patch(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(s_cases); i++) {
        const s_case *c = &s_cases[i];
        td_report base, cur, delta;
        char **removed = NULL, got[1024];
        size_t n_removed = 0;
        s_base(&base);
        s_base(&cur);
        if (c->change)
            c->change(&cur);
        if (c->change == s_reading_sign)
            base.readings[1].value = -0.0, cur.readings[1].value = 0.0;
        CHECK_INT(c->name, td_report_delta(&base, &cur, &delta, &removed, &n_removed), TD_OK);
        s_describe(&delta, removed, n_removed, got, sizeof got);
        CHECK_STR(c->name, got, c->want);
        CHECK_INT(c->name, delta.as_of, cur.as_of);
        CHECK_STR(c->name, delta.agency, "X01");
        if (c->change != s_reading_sign) /* s_base's own value is 20.0 */
            s_check_patch(c->name, &delta, removed, n_removed, &cur);
        td_removed_free(removed, n_removed);
        td_report_fini(&delta);
        td_report_fini(&base);
        td_report_fini(&cur);
    }
}

static void s_other_agency(td_report *r)
{
    snprintf(r->agency, sizeof r->agency, "X02");
}

static void s_earlier(td_report *r)
{
    r->as_of -= 1;
}

static void s_task_twice(td_report *r)
{
    s_task(r, "T2", TD_STATE_IN_PROGRESS, 50, NULL);
}

static void s_reading_twice(td_report *r)
{
    s_reading(r, "link", "rtt_ms", 30.0);
}

/* When no delta may stand for the status: it goes whole. */
static void test_delta_refused(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        void (*base)(td_report *r);
        void (*cur)(td_report *r);
    } cases[] = {
        {"another agency", NULL, s_other_agency},
        {"an as_of before the base's", NULL, s_earlier},
        {"a task twice in the status", NULL, s_task_twice},
        {"a task twice in the base", s_task_twice, NULL},
        {"a reading twice in the status", NULL, s_reading_twice},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_report base, cur, delta = {.n_tasks = 99};
        char **removed = (char **)&delta;
        size_t n_removed = 42;
        s_base(&base);
        s_base(&cur);
        if (cases[i].base)
            cases[i].base(&base);
        if (cases[i].cur)
            cases[i].cur(&cur);
        CHECK_INT(cases[i].name, td_report_delta(&base, &cur, &delta, &removed, &n_removed),
                  TD_EINVAL);
        CHECK_INT(cases[i].name, delta.n_tasks, 99); /* untouched */
        CHECK_INT(cases[i].name, n_removed, 42);
        assert_ptr_equal(removed, (char **)&delta);
        td_report_fini(&base);
        td_report_fini(&cur);
    }
}

/* A delta that does not fit its base is refused, saying why. */
static void test_patch_refused(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        void (*delta)(td_report *r); /* applied to an empty delta of X01 */
        const char *removed[3];
        const char *want;
    } cases[] = {
        {"another agency", s_other_agency, {NULL}, "it is a report of X02 and its base of X01"},
        {"an earlier as_of", s_earlier, {NULL}, "its as_of is before its base's"},
        {"removes a task the base lacks",
         NULL,
         {"tasks/T9"},
         "removes tasks/T9, which its base does not have"},
        {"changes and removes a task",
         s_task_twice,
         {"tasks/T2"},
         "both changes and removes tasks/T2"},
        {"removes funding the base lacks",
         NULL,
         {"funding"},
         "removes funding, which its base does not have"},
        {"names nothing", NULL, {"tasks"}, "removes \"tasks\", which names no item or section"},
        {"an unknown list",
         NULL,
         {"villages/V1"},
         "removes \"villages/V1\", which names no item or section"},
        {"a reading the base lacks",
         NULL,
         {"readings/host/x"},
         "removes readings/host/x, which its base does not have"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_report base, delta, out = {.n_tasks = 7};
        td_errmsg why = {""};
        size_t n = 0;
        while (n < 3 && cases[i].removed[n])
            n++;
        s_base(&base);
        memset(&delta, 0, sizeof delta);
        snprintf(delta.agency, sizeof delta.agency, "X01");
        delta.as_of = T_AS_OF;
        if (cases[i].delta)
            cases[i].delta(&delta);
        CHECK_INT(cases[i].name,
                  td_report_patch(&base, &delta, (char *const *)cases[i].removed, n, &out, &why),
                  TD_EINVAL);
        CHECK_STR(cases[i].name, why.text, cases[i].want);
        CHECK_INT(cases[i].name, out.n_tasks, 7);
        td_report_fini(&base);
        td_report_fini(&delta);
    }
}

/* ---- framing a queued body ---- */

static uint8_t *s_body(const td_report *r, size_t *len)
{
    uint8_t *b = NULL;
    CHECK_INT("body", td_wire_encode_body(r, &b, len), TD_OK);
    return b;
}

static void test_frame_delta(void **state)
{
    (void)state;
    const td_wire_delivery d = {0x1234567890abcdefULL, 9, 300, 2, 0};
    for (size_t i = 0; i < N(s_cases); i++) {
        const s_case *c = &s_cases[i];
        td_report base, cur;
        s_base(&base);
        s_base(&cur);
        if (c->change)
            c->change(&cur);
        size_t blen, clen, len, whole_len;
        uint8_t *bb = s_body(&base, &blen), *cb = s_body(&cur, &clen), *frame, *whole;
        td_wire_framed info, whole_info;
        CHECK_INT(c->name, td_wire_frame_delta(cb, clen, bb, blen, 8, &d, &frame, &len, &info),
                  TD_OK);
        CHECK_INT(c->name,
                  td_wire_frame_delta(cb, clen, NULL, 0, 0, &d, &whole, &whole_len, &whole_info),
                  TD_OK);
        CHECK_INT(c->name, whole_info.base_seq, 0);
        CHECK_INT(c->name, whole_info.items,
                  cur.n_tasks + cur.infra.present + cur.services.present + cur.funding.present +
                      cur.n_databases + cur.n_obstacles + cur.n_outages + cur.n_readings);
        CHECK_INT(c->name, info.base_seq, 8); /* every case here is smaller as a delta */
        if (len >= whole_len)
            fail_msg("%s: the delta is %zu bytes, the whole report %zu", c->name, len, whole_len);
        td_msg m;
        td_errmsg why = {""};
        CHECK_OK(c->name, td_wire_decode(frame, len, &m, &why), &why);
        const td_report_msg *r = &m.u.report;
        CHECK_INT(c->name, r->seq, 9);
        CHECK_INT(c->name, r->outbox_id, d.outbox_id);
        CHECK_INT(c->name, r->base_seq, 8);
        CHECK_INT(c->name, r->n_removed, info.removed);
        char got[1024];
        s_describe(&r->report, r->removed, r->n_removed, got, sizeof got);
        CHECK_STR(c->name, got, c->want);
        s_check_patch(c->name, &r->report, r->removed, r->n_removed, &cur);
        if (!strcmp(c->want, "") && len > 60)
            fail_msg("%s: an unchanged status takes %zu bytes", c->name, len);
        td_msg_fini(&m);
        free(frame);
        free(whole);
        free(bb);
        free(cb);
        td_report_fini(&base);
        td_report_fini(&cur);
    }
}

/* A status that no delta may stand for, or a base that is not a body, goes whole: exactly as
 * td_wire_frame_report frames it. */
static void test_frame_whole(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        void (*cur)(td_report *r);
        bool bad_base;
    } cases[] = {
        {"as_of before the base's", s_earlier, false},
        {"a repeated task", s_task_twice, false},
        {"an unreadable base", s_later, true},
    };
    const td_wire_delivery d = {77, 3, 60, 1, 5};
    for (size_t i = 0; i < N(cases); i++) {
        td_report base, cur;
        s_base(&base);
        s_base(&cur);
        cases[i].cur(&cur);
        size_t blen, clen, len, want_len;
        uint8_t *bb = s_body(&base, &blen), *cb = s_body(&cur, &clen), *frame, *want;
        if (cases[i].bad_base)
            memset(bb, 0xff, blen);
        td_wire_framed info;
        CHECK_INT(cases[i].name,
                  td_wire_frame_delta(cb, clen, bb, blen, 2, &d, &frame, &len, &info), TD_OK);
        CHECK_INT(cases[i].name, info.base_seq, 0);
        CHECK_INT(cases[i].name, td_wire_frame_report(cb, clen, 77, 3, 60, 1, 5, &want, &want_len),
                  TD_OK);
        CHECK_INT(cases[i].name, len, want_len);
        assert_memory_equal(frame, want, len);
        free(frame);
        free(want);
        free(bb);
        free(cb);
        td_report_fini(&base);
        td_report_fini(&cur);
    }
    uint8_t junk[4] = {0xff, 0xff, 0xff, 0xff}, *frame = NULL;
    size_t len = 0;
    td_wire_framed info;
    CHECK_INT("a body that is not a report",
              td_wire_frame_delta(junk, sizeof junk, NULL, 0, 0, &d, &frame, &len, &info),
              TD_EPROTO);
    assert_null(frame);
}

/* Removals travel only in delta reports, and within their limits. */
static void test_wire_removed(void **state)
{
    (void)state;
    char long_entry[TD_REMOVED_MAX + 2];
    memset(long_entry, 'a', sizeof long_entry - 1);
    long_entry[sizeof long_entry - 1] = '\0';
    memcpy(long_entry, "tasks/", 6);
    static char *const ok[] = {"tasks/T1", "readings/host/disk_free_bytes", "funding"};
    char *const bad[] = {long_entry};
    static const struct {
        const char *name;
        uint64_t base_seq;
        bool too_long;
        const char *want; /* NULL: decodes */
    } cases[] = {
        {"a delta with removals", 4, false, NULL},
        {"removals in a full report", 0, false, "report.removed is only allowed in a delta"},
        {"an entry too long", 4, true, "report.removed[0] is 129 bytes, more than 128"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_msg m = {.type = TD_MSG_REPORT}, back;
        td_report_msg *r = &m.u.report;
        r->seq = 5;
        r->base_seq = cases[i].base_seq;
        snprintf(r->report.agency, sizeof r->report.agency, "X01");
        r->report.as_of = T_AS_OF;
        r->removed = cases[i].too_long ? (char **)bad : (char **)ok;
        r->n_removed = cases[i].too_long ? 1 : N(ok);
        uint8_t *buf;
        size_t len;
        td_errmsg why = {""};
        CHECK_INT(cases[i].name, td_wire_encode(&m, &buf, &len), TD_OK);
        td_err err = td_wire_decode(buf, len, &back, &why);
        free(buf);
        if (cases[i].want) {
            CHECK_INT(cases[i].name, err, TD_EPROTO);
            if (!strstr(why.text, cases[i].want))
                fail_msg("%s: why \"%s\", want \"%s\"", cases[i].name, why.text, cases[i].want);
            continue;
        }
        CHECK_OK(cases[i].name, err, &why);
        CHECK_INT(cases[i].name, back.u.report.base_seq, 4);
        CHECK_INT(cases[i].name, back.u.report.n_removed, N(ok));
        for (size_t k = 0; k < N(ok); k++)
            CHECK_STR(cases[i].name, back.u.report.removed[k], ok[k]);
        td_msg_fini(&back);
    }
    td_msg m = {.type = TD_MSG_NACK};
    m.u.nack = (td_nack){.seq = 5, .code = TD_NACK_NEED_FULL, .reason = "send it whole"};
    uint8_t *buf;
    size_t len;
    td_msg back;
    td_errmsg why = {""};
    CHECK_INT("need full", td_wire_encode(&m, &buf, &len), TD_OK);
    CHECK_OK("need full", td_wire_decode(buf, len, &back, &why), &why);
    CHECK_INT("need full", back.u.nack.code, TD_NACK_NEED_FULL);
    td_msg_fini(&back);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_and_patch), cmocka_unit_test(test_delta_refused),
        cmocka_unit_test(test_patch_refused),   cmocka_unit_test(test_frame_delta),
        cmocka_unit_test(test_frame_whole),     cmocka_unit_test(test_wire_removed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
