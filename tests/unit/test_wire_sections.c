/* lib/wire: a report's status sections (infrastructure, services, funding, databases,
 * obstacles) on the wire: round trips, presence, raw values left to the receiver's checks, frames
 * the decoder refuses. Run with `--write-corpus DIR` to write the samples as seeds for
 * tests/fuzz/fuzz_wire.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiendo/wire.h"
#include "wire_bytes.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define T_AS_OF INT64_C(1764842400) /* 2025-12-04T17:00:00+07:00 */
#define DEC04 20426                 /* 2025-12-04, the report's date */
#define JUL01 20270                 /* 2025-07-01 */

static char *s_dup(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

static td_report *s_report_msg(td_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = TD_MSG_REPORT;
    m->u.report.seq = 9;
    m->u.report.interval_s = 300;
    strcpy(m->u.report.report.agency, "MOF");
    m->u.report.report.as_of = T_AS_OF;
    return &m->u.report.report;
}

static void s_lists(td_report *r, size_t n_databases, size_t n_obstacles)
{
    r->has_databases = r->has_obstacles = true;
    r->n_databases = n_databases;
    r->n_obstacles = n_obstacles;
    r->databases = n_databases ? calloc(n_databases, sizeof *r->databases) : NULL;
    r->obstacles = n_obstacles ? calloc(n_obstacles, sizeof *r->obstacles) : NULL;
    assert_true(n_databases == 0 || r->databases != NULL);
    assert_true(n_obstacles == 0 || r->obstacles != NULL);
}

static void s_sample_sections(td_msg *m)
{
    td_report *r = s_report_msg(m);
    r->infra = (td_infra){true, 12, 9, 14, 3, 1, true};
    r->services = (td_services){true, 82, 80, 75, 10000, 5200, 90000, 43000};
    r->funding = (td_funding){true, INT64_C(7000000000), INT64_C(5000000000), 0};
    s_lists(r, 2, 2);
    r->databases[0] = (td_database){"CSDL-LAND", s_dup("Cơ sở dữ liệu đất đai"), 2};
    r->databases[1] = (td_database){"CSDL-POP", s_dup("Dân cư"), 3};
    r->obstacles[0] = (td_obstacle){
        "VM-01", TD_OBST_FUNDING, s_dup("Chưa bố trí vốn\ttháng 7"), TD_OBST_OPEN, JUL01, TD_NODAY};
    r->obstacles[1] = (td_obstacle){
        "VM-02", TD_OBST_STAFFING, s_dup("Thiếu người"), TD_OBST_RESOLVED, JUL01, DEC04};
}

/* Sections present with nothing in them: zero counts and empty lists. */
static void s_sample_sections_empty(td_msg *m)
{
    td_report *r = s_report_msg(m);
    r->infra.present = r->services.present = r->funding.present = true;
    s_lists(r, 0, 0);
}

/* Values the decoder copies as received for the receiver's checks to refuse. */
static void s_sample_sections_raw(td_msg *m)
{
    td_report *r = s_report_msg(m);
    r->infra = (td_infra){true, -1, INT64_MIN, 0, 5, 0, false};
    r->funding = (td_funding){true, 0, 4, 5};
    s_lists(r, 1, 1);
    r->databases[0] = (td_database){"", s_dup(""), 99};
    r->obstacles[0] = (td_obstacle){"x y", -3, s_dup(""), 7, -5, INT32_MAX};
}

static void s_sample_no_sections(td_msg *m)
{
    s_report_msg(m);
}

/* The most databases and obstacles a report may hold, with short ids: must fit the arena. */
static void s_sample_sections_max(td_msg *m)
{
    td_report *r = s_report_msg(m);
    s_lists(r, TD_WIRE_MAX_DATABASES, TD_WIRE_MAX_OBSTACLES);
    for (size_t i = 0; i < r->n_databases; i++) {
        snprintf(r->databases[i].id, sizeof r->databases[i].id, "%zu", i);
        r->databases[i].stage = TD_STAGE_DEPLOYING;
    }
    for (size_t i = 0; i < r->n_obstacles; i++) {
        snprintf(r->obstacles[i].id, sizeof r->obstacles[i].id, "%zu", i);
        r->obstacles[i].state = TD_OBST_OPEN;
        r->obstacles[i].reported_on = JUL01;
    }
}

static void s_assert_sections_equal(const td_report *a, const td_report *b)
{
    assert_int_equal(a->infra.present, b->infra.present);
    assert_true(a->infra.terminals_required == b->infra.terminals_required &&
                a->infra.terminals_available == b->infra.terminals_available &&
                a->infra.villages_total == b->infra.villages_total &&
                a->infra.villages_signal_gap == b->infra.villages_signal_gap &&
                a->infra.villages_no_power == b->infra.villages_no_power &&
                a->infra.population_db_connected == b->infra.population_db_connected);
    assert_int_equal(a->services.present, b->services.present);
    assert_true(a->services.procedures_total == b->services.procedures_total &&
                a->services.procedures_announced == b->services.procedures_announced &&
                a->services.procedures_online == b->services.procedures_online &&
                a->services.files_received == b->services.files_received &&
                a->services.files_fully_online == b->services.files_fully_online &&
                a->services.records_total == b->services.records_total &&
                a->services.records_digitized == b->services.records_digitized);
    assert_int_equal(a->funding.present, b->funding.present);
    assert_true(a->funding.requested_vnd == b->funding.requested_vnd &&
                a->funding.allocated_vnd == b->funding.allocated_vnd &&
                a->funding.disbursed_vnd == b->funding.disbursed_vnd);
    assert_int_equal(a->has_databases, b->has_databases);
    assert_int_equal(a->n_databases, b->n_databases);
    for (size_t i = 0; i < a->n_databases; i++)
        assert_true(td_database_equal(&a->databases[i], &b->databases[i]));
    assert_int_equal(a->has_obstacles, b->has_obstacles);
    assert_int_equal(a->n_obstacles, b->n_obstacles);
    for (size_t i = 0; i < a->n_obstacles; i++)
        assert_true(td_obstacle_equal(&a->obstacles[i], &b->obstacles[i]));
}

static void s_encode(const td_msg *m, uint8_t **buf, size_t *len)
{
    assert_int_equal(td_wire_encode(m, buf, len), TD_OK);
}

typedef struct {
    const char *name; /* also the seed's file name */
    void (*build)(td_msg *m);
    bool seed; /* written by --write-corpus */
} s_sample;

static const s_sample s_samples[] = {
    {"report-sections", s_sample_sections, true},
    {"report-sections-empty", s_sample_sections_empty, true},
    {"report-sections-raw", s_sample_sections_raw, true},
    {"report-sections-max", s_sample_sections_max, false},
    {"report-no-sections", s_sample_no_sections, false},
};

static void test_wire_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(s_samples); i++) {
        td_msg in, out;
        uint8_t *buf;
        size_t len;
        td_errmsg why = {""};
        s_samples[i].build(&in);
        s_encode(&in, &buf, &len);
        td_err err = td_wire_decode(buf, len, &out, &why);
        if (err != TD_OK)
            fail_msg("%s: %s", s_samples[i].name, why.text);
        s_assert_sections_equal(&in.u.report.report, &out.u.report.report);
        td_msg_fini(&in);
        td_msg_fini(&out);
        free(buf);
    }
}

/* The raw sample crosses the wire intact, and the receiver's checks refuse what it holds. */
static void test_wire_raw_values_checked(void **state)
{
    (void)state;
    td_msg in, out;
    uint8_t *buf;
    size_t len;
    td_errmsg why = {""};
    s_sample_sections_raw(&in);
    s_encode(&in, &buf, &len);
    assert_int_equal(td_wire_decode(buf, len, &out, &why), TD_OK);
    const td_report *r = &out.u.report.report;
    assert_false(r->services.present);
    assert_int_equal(td_infra_check(&r->infra, &why), TD_EINVAL);
    assert_string_equal(why.text, "terminals_required -1 is negative");
    assert_int_equal(td_funding_check(&r->funding, &why), TD_EINVAL);
    assert_string_equal(why.text, "disbursed_vnd 5 is more than allocated_vnd 4");
    assert_int_equal(r->databases[0].stage, 99);
    assert_int_equal(td_database_check(&r->databases[0], &why), TD_EINVAL);
    assert_int_equal(r->obstacles[0].category, -3);
    assert_int_equal(r->obstacles[0].reported_on, -5);
    assert_int_equal(td_obstacle_check(&r->obstacles[0], r->as_of, &why), TD_EINVAL);
    td_msg_fini(&in);
    td_msg_fini(&out);
    free(buf);
}

/* The agent's outbox reframes a queued report: the sections survive it. */
static void test_wire_frame_sections(void **state)
{
    (void)state;
    td_msg in, out;
    uint8_t *body, *frame;
    size_t len, frame_len;
    td_errmsg why = {""};
    s_sample_sections(&in);
    in.u.report.seq = 0;
    s_encode(&in, &body, &len);
    assert_int_equal(td_wire_frame_report(body, len, 99, 17, 60, 2, 0, &frame, &frame_len), TD_OK);
    assert_int_equal(td_wire_decode(frame, frame_len, &out, &why), TD_OK);
    assert_int_equal(out.u.report.seq, 17);
    s_assert_sections_equal(&in.u.report.report, &out.u.report.report);
    td_msg_fini(&in);
    td_msg_fini(&out);
    free(body);
    free(frame);
}

/* Report field numbers of the sections (proto/tiendo/v1/tiendo.proto). */
enum { F_INFRA = 8, F_SERVICES, F_FUNDING, F_DATABASES, F_OBSTACLES };

/* A frame of a valid report (seq 1, as_of, agency MOF) with the given fields appended to it;
 * fields is emptied. */
static void s_frame_report(s_bytes *w, s_bytes *fields)
{
    s_bytes r = {0};
    s_put_uint(&r, 1, 1);
    s_put_uint(&r, 2, (uint64_t)T_AS_OF);
    s_put_str(&r, 3, "MOF");
    s_put(&r, fields->b, fields->n);
    free(fields->b);
    *fields = (s_bytes){0};
    s_put_uint(w, 1, TD_WIRE_VERSION);
    s_put_msg(w, 3, &r);
}

/* Section `field` holding only an unknown field `tag`, or, when in_item is set, a list holding one
 * item that has an id and the unknown field. */
static void s_raw_section(s_bytes *w, unsigned field, unsigned tag, bool in_item)
{
    s_bytes fields = {0}, section = {0}, item = {0};
    if (in_item) {
        s_put_str(&item, 1, "X1");
        s_put_uint(&item, tag, 1);
        s_put_msg(&section, 1, &item);
    } else {
        s_put_uint(&section, tag, 1);
    }
    s_put_msg(&fields, field, &section);
    s_frame_report(w, &fields);
}

static void s_refused(const char *name, const s_bytes *w, const char *want)
{
    td_msg out;
    td_errmsg why = {""};
    td_err err = td_wire_decode(w->b, w->n, &out, &why);
    if (err == TD_OK)
        td_msg_fini(&out);
    if (err != TD_EPROTO || strstr(why.text, want) == NULL)
        fail_msg("%s: error %d, why \"%s\", want \"%s\"", name, (int)err, why.text, want);
}

static void test_wire_unknown_fields(void **state)
{
    (void)state;
    static const struct {
        unsigned field, tag;
        bool in_item;
        const char *want;
    } cases[] = {
        {F_INFRA, 7, false, "unknown field 7 in report.infrastructure"},
        {F_SERVICES, 8, false, "unknown field 8 in report.services"},
        {F_FUNDING, 4, false, "unknown field 4 in report.funding"},
        {F_DATABASES, 2, false, "unknown field 2 in report.databases"},
        {F_DATABASES, 4, true, "unknown field 4 in report.databases[0]"},
        {F_OBSTACLES, 2, false, "unknown field 2 in report.obstacles"},
        {F_OBSTACLES, 7, true, "unknown field 7 in report.obstacles[0]"},
        {20, 1, false, "unknown field 20 in report"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        s_bytes w = {0};
        s_raw_section(&w, cases[i].field, cases[i].tag, cases[i].in_item);
        s_refused(cases[i].want, &w, cases[i].want);
        free(w.b);
    }
}

static void s_spoil_database_name(td_msg *m)
{
    m->u.report.report.databases[1].name[0] = '\x01';
}

static void s_spoil_description(td_msg *m)
{
    m->u.report.report.obstacles[1].description[0] = '\xFF';
}

/* One item more than allowed, each with an id and a state so that the unpack arena holds them
 * and the count check is what refuses them. */
static void s_spoil_databases_many(td_msg *m)
{
    td_report *r = &m->u.report.report;
    td_report_fini(r);
    s_lists(r, TD_WIRE_MAX_DATABASES + 1, 0);
    for (size_t i = 0; i < r->n_databases; i++) {
        strcpy(r->databases[i].id, "d");
        r->databases[i].stage = TD_STAGE_DEPLOYING;
    }
}

static void s_spoil_obstacles_many(td_msg *m)
{
    td_report *r = &m->u.report.report;
    td_report_fini(r);
    s_lists(r, 0, TD_WIRE_MAX_OBSTACLES + 1);
    for (size_t i = 0; i < r->n_obstacles; i++) {
        strcpy(r->obstacles[i].id, "o");
        r->obstacles[i].state = TD_OBST_OPEN;
    }
}

static void test_wire_refused(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        void (*spoil)(td_msg *m);
        const char *want;
    } cases[] = {
        {"database name control", s_spoil_database_name,
         "report.databases[1].name is not valid UTF-8 or holds a control character"},
        {"description bad UTF-8", s_spoil_description,
         "report.obstacles[1].description is not valid UTF-8"},
        {"too many databases", s_spoil_databases_many,
         "report.databases has 10001 entries, more than 10000"},
        {"too many obstacles", s_spoil_obstacles_many,
         "report.obstacles has 10001 entries, more than 10000"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_msg m;
        s_bytes w = {0};
        s_sample_sections(&m);
        cases[i].spoil(&m);
        s_encode(&m, &w.b, &w.n);
        s_refused(cases[i].name, &w, cases[i].want);
        td_msg_fini(&m);
        free(w.b);
    }

    /* protobuf-c would merge a section given twice; the canonical check refuses it. */
    s_bytes fields = {0}, sub = {0}, item = {0}, w = {0};
    for (int i = 0; i < 2; i++) {
        s_put_uint(&sub, 1, 5);
        s_put_msg(&fields, F_INFRA, &sub);
    }
    s_frame_report(&w, &fields);
    s_refused("section twice", &w, "canonical encoding");
    free(w.b);
    w = (s_bytes){0};

    /* An id longer than the model's array: only a hand-made frame can hold one. */
    char id[TD_ID_MAX + 2];
    memset(id, 'a', TD_ID_MAX + 1);
    id[TD_ID_MAX + 1] = '\0';
    s_put_str(&item, 1, id);
    s_put_msg(&sub, 1, &item);
    s_put_msg(&fields, F_OBSTACLES, &sub);
    s_frame_report(&w, &fields);
    s_refused("obstacle id too long", &w, "report.obstacles[0].id is 65 bytes, more than 64");
    free(w.b);
}

/* Seeds for the fuzzer, one file each, named after the sample. */
static int s_write_corpus(const char *dir)
{
    int failed = 0;
    for (size_t i = 0; i < N(s_samples); i++) {
        char path[4096];
        td_msg m;
        uint8_t *buf;
        size_t len;
        if (!s_samples[i].seed)
            continue;
        snprintf(path, sizeof path, "%s/%s.bin", dir, s_samples[i].name);
        s_samples[i].build(&m);
        s_encode(&m, &buf, &len);
        FILE *f = fopen(path, "wb");
        bool ok = f != NULL && fwrite(buf, 1, len, f) == len;
        if (f != NULL && fclose(f) != 0)
            ok = false;
        if (!ok) {
            perror(path);
            failed = 1;
        }
        free(buf);
        td_msg_fini(&m);
    }
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return s_write_corpus(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_round_trip),     cmocka_unit_test(test_wire_raw_values_checked),
        cmocka_unit_test(test_wire_frame_sections), cmocka_unit_test(test_wire_unknown_fields),
        cmocka_unit_test(test_wire_refused),
    };
    return cmocka_run_group_tests_name("wire sections", tests, NULL, NULL);
}
