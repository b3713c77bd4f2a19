/* The status sections beyond tasks (infrastructure, services, funding, databases, obstacles):
 * the model's checks and the status file parser. The wire has test_wire_sections.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiendo/parse.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define T_AS_OF INT64_C(1764842400) /* 2025-12-04T17:00:00+07:00 */
#define DEC04 20426                 /* 2025-12-04, the report's date */
#define DEC05 20427
#define JUL01 20270 /* 2025-07-01 */

/* Checks err and message: want NULL means success. */
static void s_check_result(const char *name, td_err err, const td_errmsg *why, const char *want)
{
    if (want == NULL) {
        if (err != TD_OK)
            fail_msg("%s: failed with \"%s\", want success", name, why->text);
        return;
    }
    if (err != TD_EINVAL)
        fail_msg("%s: returned %d, want TD_EINVAL (\"%s\")", name, (int)err, want);
    if (strcmp(why->text, want) != 0)
        fail_msg("%s: why is \"%s\", want \"%s\"", name, why->text, want);
}

/* --- model: counts and their bounds --------------------------------------------------------- */

static void test_infra_check(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        td_infra s; /* present, required, available, total, gap, no_power, db */
        const char *want;
    } cases[] = {
        {"typical", {true, 12, 9, 14, 3, 1, true}, NULL},
        {"all zero", {true, 0, 0, 0, 0, 0, false}, NULL},
        {"available exceeds required", {true, 12, 20, 14, 3, 1, false}, NULL},
        {"largest counts",
         {true, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, true},
         NULL},
        {"signal gap equals total", {true, 1, 1, 14, 14, 0, true}, NULL},
        {"signal gap one more",
         {true, 1, 1, 14, 15, 0, true},
         "villages_signal_gap 15 is more than villages_total 14"},
        {"no power equals total", {true, 1, 1, 14, 0, 14, true}, NULL},
        {"no power one more",
         {true, 1, 1, 14, 0, 15, true},
         "villages_no_power 15 is more than villages_total 14"},
        {"required negative", {true, -1, 1, 14, 0, 0, true}, "terminals_required -1 is negative"},
        {"available negative", {true, 1, -1, 14, 0, 0, true}, "terminals_available -1 is negative"},
        {"total negative", {true, 1, 1, -1, 0, 0, true}, "villages_total -1 is negative"},
        {"gap negative",
         {true, 1, 1, 14, INT64_MIN, 0, true},
         "villages_signal_gap -9223372036854775808 is negative"},
        {"no power negative", {true, 1, 1, 14, 0, -2, true}, "villages_no_power -2 is negative"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_errmsg why = {""};
        s_check_result(cases[i].name, td_infra_check(&cases[i].s, &why), &why, cases[i].want);
    }
}

static void test_services_check(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        td_services s; /* present, procedures total, announced, online, files received,
                          fully online, records total, digitized */
        const char *want;
    } cases[] = {
        {"typical", {true, 82, 80, 75, 10000, 5200, 90000, 43000}, NULL},
        {"every part equals its whole", {true, 82, 82, 82, 10, 10, 9, 9}, NULL},
        {"announced one more",
         {true, 82, 83, 0, 0, 0, 0, 0},
         "procedures_announced 83 is more than procedures_total 82"},
        {"online one more",
         {true, 82, 0, 83, 0, 0, 0, 0},
         "procedures_online 83 is more than procedures_total 82"},
        {"fully online one more",
         {true, 0, 0, 0, 10, 11, 0, 0},
         "files_fully_online 11 is more than files_received 10"},
        {"digitized one more",
         {true, 0, 0, 0, 0, 0, 9, 10},
         "records_digitized 10 is more than records_total 9"},
        {"total negative", {true, -1, 0, 0, 0, 0, 0, 0}, "procedures_total -1 is negative"},
        {"announced negative", {true, 0, -1, 0, 0, 0, 0, 0}, "procedures_announced -1 is negative"},
        {"online negative", {true, 0, 0, -1, 0, 0, 0, 0}, "procedures_online -1 is negative"},
        {"received negative", {true, 0, 0, 0, -1, 0, 0, 0}, "files_received -1 is negative"},
        {"fully online negative",
         {true, 0, 0, 0, 0, -1, 0, 0},
         "files_fully_online -1 is negative"},
        {"records negative", {true, 0, 0, 0, 0, 0, -1, 0}, "records_total -1 is negative"},
        {"digitized negative", {true, 0, 0, 0, 0, 0, 0, -1}, "records_digitized -1 is negative"},
        /* Signs are checked before bounds: the message names the negative field. */
        {"negative whole under its part",
         {true, -5, 1, 0, 0, 0, 0, 0},
         "procedures_total -5 is negative"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_errmsg why = {""};
        s_check_result(cases[i].name, td_services_check(&cases[i].s, &why), &why, cases[i].want);
    }
}

static void test_funding_check(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        td_funding s; /* present, requested, allocated, disbursed */
        const char *want;
    } cases[] = {
        {"nothing yet", {true, 0, 0, 0}, NULL},
        {"allocated more than requested", {true, 1, 9, 9}, NULL},
        {"disbursed equals allocated", {true, 0, 4, 4}, NULL},
        {"disbursed one more", {true, 0, 4, 5}, "disbursed_vnd 5 is more than allocated_vnd 4"},
        {"largest sums", {true, INT64_MAX, INT64_MAX, INT64_MAX}, NULL},
        {"requested negative", {true, -1, 0, 0}, "requested_vnd -1 is negative"},
        {"allocated negative", {true, 0, -1, 0}, "allocated_vnd -1 is negative"},
        {"disbursed negative", {true, 0, 0, -1}, "disbursed_vnd -1 is negative"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_errmsg why = {""};
        s_check_result(cases[i].name, td_funding_check(&cases[i].s, &why), &why, cases[i].want);
    }
}

/* --- model: databases and obstacles --------------------------------------------------------- */

static void test_database_check(void **state)
{
    (void)state;
    char long_name[TD_TEXT_MAX + 2];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[TD_TEXT_MAX + 1] = '\0';
    const struct {
        const char *name;
        const char *id, *db_name;
        int stage;
        const char *want;
    } cases[] = {
        {"not started", "CSDL-LAND", "Cơ sở dữ liệu đất đai", TD_STAGE_NOT_STARTED, NULL},
        {"deploying", "CSDL-LAND", "x", TD_STAGE_DEPLOYING, NULL},
        {"centralized", "CSDL-LAND", "x", TD_STAGE_FOUNDATION_CENTRALIZED, NULL},
        {"stage 0", "CSDL-LAND", "x", 0, "stage 0 is not valid"},
        {"stage past the last", "CSDL-LAND", "x", 4, "stage 4 is not valid"},
        {"stage negative", "CSDL-LAND", "x", -1, "stage -1 is not valid"},
        {"id empty", "", "x", TD_STAGE_DEPLOYING, "id is empty"},
        {"id with a space", "CSDL LAND", "x", TD_STAGE_DEPLOYING,
         "id \"CSDL LAND\" is not valid: 1..64 of A-Z a-z 0-9 . _ -"},
        {"name NULL", "CSDL-LAND", NULL, TD_STAGE_DEPLOYING, "name is empty"},
        {"name empty", "CSDL-LAND", "", TD_STAGE_DEPLOYING, "name is empty"},
        {"name control", "CSDL-LAND", "a\x01", TD_STAGE_DEPLOYING,
         "name holds control character U+0001 at byte 1"},
        {"name bad UTF-8", "CSDL-LAND", "a\xC0\xAF", TD_STAGE_DEPLOYING,
         "name is not valid UTF-8 at byte 1"},
        {"name longest", "CSDL-LAND", long_name + 1, TD_STAGE_DEPLOYING, NULL},
        {"name one byte longer", "CSDL-LAND", long_name, TD_STAGE_DEPLOYING,
         "name is longer than 4096 bytes"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_database d = {.stage = cases[i].stage, .name = (char *)cases[i].db_name};
        snprintf(d.id, sizeof d.id, "%s", cases[i].id);
        td_errmsg why = {""};
        s_check_result(cases[i].name, td_database_check(&d, &why), &why, cases[i].want);
    }
}

static void test_obstacle_check(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *id;
        int category;
        const char *description;
        int state;
        td_day reported_on, resolved_on;
        const char *want;
    } cases[] = {
        {"open", "VM-01", TD_OBST_FUNDING, "Chưa bố trí vốn", TD_OBST_OPEN, JUL01, TD_NODAY, NULL},
        {"resolved without a date", "VM-01", TD_OBST_OTHER, "x", TD_OBST_RESOLVED, JUL01, TD_NODAY,
         NULL},
        {"resolved the day reported", "VM-01", TD_OBST_DATA, "x", TD_OBST_RESOLVED, JUL01, JUL01,
         NULL},
        {"resolved the day before reported", "VM-01", TD_OBST_DATA, "x", TD_OBST_RESOLVED, JUL01,
         JUL01 - 1, "resolved_on 2025-06-30 is before reported_on 2025-07-01"},
        {"resolved on the report's date", "VM-01", TD_OBST_DATA, "x", TD_OBST_RESOLVED, JUL01,
         DEC04, NULL},
        {"resolved the day after the report", "VM-01", TD_OBST_DATA, "x", TD_OBST_RESOLVED, JUL01,
         DEC05, "resolved_on 2025-12-05 is after the report's date 2025-12-04"},
        {"reported on the report's date", "VM-01", TD_OBST_STAFFING, "x", TD_OBST_OPEN, DEC04,
         TD_NODAY, NULL},
        {"reported the day after the report", "VM-01", TD_OBST_STAFFING, "x", TD_OBST_OPEN, DEC05,
         TD_NODAY, "reported_on 2025-12-05 is after the report's date 2025-12-04"},
        {"reported_on missing", "VM-01", TD_OBST_FUNDING, "x", TD_OBST_OPEN, TD_NODAY, TD_NODAY,
         "reported_on is missing"},
        {"reported_on negative", "VM-01", TD_OBST_FUNDING, "x", TD_OBST_OPEN, -3, TD_NODAY,
         "reported_on -3 is not a date from 1970-01-02 to 9999-12-31"},
        {"resolved_on while open", "VM-01", TD_OBST_FUNDING, "x", TD_OBST_OPEN, JUL01, DEC04,
         "resolved_on is only allowed when the obstacle is resolved"},
        {"resolved_on past 9999", "VM-01", TD_OBST_FUNDING, "x", TD_OBST_RESOLVED, JUL01,
         TD_DAY_MAX + 1, "resolved_on 2932897 is not a date from 1970-01-02 to 9999-12-31"},
        {"category 0", "VM-01", 0, "x", TD_OBST_OPEN, JUL01, TD_NODAY, "category 0 is not valid"},
        {"category 8", "VM-01", 8, "x", TD_OBST_OPEN, JUL01, TD_NODAY, "category 8 is not valid"},
        {"state 0", "VM-01", TD_OBST_OTHER, "x", 0, JUL01, TD_NODAY, "state 0 is not valid"},
        {"state 3", "VM-01", TD_OBST_OTHER, "x", 3, JUL01, TD_NODAY, "state 3 is not valid"},
        {"description NULL", "VM-01", TD_OBST_OTHER, NULL, TD_OBST_OPEN, JUL01, TD_NODAY,
         "description is empty"},
        {"description empty", "VM-01", TD_OBST_OTHER, "", TD_OBST_OPEN, JUL01, TD_NODAY,
         "description is empty"},
        {"description with newline and tab", "VM-01", TD_OBST_OTHER, "a\tb\nc", TD_OBST_OPEN, JUL01,
         TD_NODAY, NULL},
        {"id empty", "", TD_OBST_OTHER, "x", TD_OBST_OPEN, JUL01, TD_NODAY, "id is empty"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_obstacle o = {.category = cases[i].category,
                         .description = (char *)cases[i].description,
                         .state = cases[i].state,
                         .reported_on = cases[i].reported_on,
                         .resolved_on = cases[i].resolved_on};
        snprintf(o.id, sizeof o.id, "%s", cases[i].id);
        td_errmsg why = {""};
        s_check_result(cases[i].name, td_obstacle_check(&o, T_AS_OF, &why), &why, cases[i].want);
    }
}

static void test_equal_fini(void **state)
{
    (void)state;
    td_database d1 = {.id = "CSDL-1", .stage = TD_STAGE_DEPLOYING};
    td_database d2 = d1;
    d2.name = strdup("");
    assert_true(td_database_equal(&d1, &d2)); /* NULL and "" both mean no name */
    d1.name = strdup("Đất đai");
    assert_false(td_database_equal(&d1, &d2));
    free(d2.name);
    d2.name = strdup("Đất đai");
    assert_true(td_database_equal(&d1, &d2));
    d2.stage = TD_STAGE_FOUNDATION_CENTRALIZED;
    assert_false(td_database_equal(&d1, &d2));
    d2.stage = d1.stage;
    d2.id[5] = '2';
    assert_false(td_database_equal(&d1, &d2));
    td_database_fini(&d1);
    td_database_fini(&d2);
    assert_null(d1.name);
    td_database_fini(&d1); /* a second fini is harmless */
    td_database_fini(NULL);

    const td_obstacle base = {"VM-01", TD_OBST_DATA, "x", TD_OBST_RESOLVED, JUL01, DEC04};
    td_obstacle o = base;
    assert_true(td_obstacle_equal(&base, &o));
    for (int field = 0; field < 6; field++) {
        o = base;
        switch (field) {
        case 0:
            o.id[0] = 'W';
            break;
        case 1:
            o.category = TD_OBST_OTHER;
            break;
        case 2:
            o.description = "y";
            break;
        case 3:
            o.state = TD_OBST_OPEN;
            break;
        case 4:
            o.reported_on++;
            break;
        case 5:
            o.resolved_on = TD_NODAY;
            break;
        }
        if (td_obstacle_equal(&base, &o))
            fail_msg("obstacles differing in field %d compare equal", field);
    }
    o = (td_obstacle){.description = strdup("x")};
    td_obstacle_fini(&o);
    assert_null(o.description);
    td_obstacle_fini(NULL);

    /* td_report_fini frees the lists; the leak checker sees it when it does not. */
    td_report r = {
        .has_databases = true, .has_obstacles = true, .n_databases = 2, .n_obstacles = 1};
    r.databases = calloc(2, sizeof *r.databases);
    r.obstacles = calloc(1, sizeof *r.obstacles);
    assert_non_null(r.databases);
    assert_non_null(r.obstacles);
    r.databases[1].name = strdup("a");
    r.obstacles[0].description = strdup("b");
    td_report_fini(&r);
    assert_null(r.databases);
    assert_null(r.obstacles);
    assert_int_equal(r.n_databases + r.n_obstacles, 0);
}

/* --- status files ----------------------------------------------------------------------------- */

/* Line 1 of every case. */
#define S_HEAD "{\"agency\": \"MOF\", \"as_of\": \"2025-12-04T17:00:00+07:00\",\n"

static char *s_errs(const td_errlist *errs)
{
    size_t len = 1;
    for (size_t i = 0; i < td_errlist_count(errs); i++)
        len += strlen(td_errlist_at(errs, i)) + 1;
    char *out = calloc(1, len);
    assert_non_null(out);
    for (size_t i = 0; i < td_errlist_count(errs); i++)
        strcat(strcat(out, td_errlist_at(errs, i)), "\n");
    return out;
}

static void test_status_sections_ok(void **state)
{
    (void)state;
    static const char text[] = S_HEAD
        " \"infrastructure\": {\"terminals_required\": 12, \"terminals_available\": 15,\n"
        "   \"villages_total\": 14, \"villages_signal_gap\": 14, \"villages_no_power\": 0,\n"
        "   \"population_db_connected\": true},\n"
        " \"services\": {\"procedures_total\": 82, \"procedures_announced\": 82,\n"
        "   \"procedures_online\": 75, \"files_received\": 10000, \"files_fully_online\": 5200,\n"
        "   \"records_total\": 90000, \"records_digitized\": 43000},\n"
        " \"databases\": [{\"id\": \"CSDL-LAND\", \"name\": \"Cơ sở dữ liệu đất đai\", \"stage\": "
        "\"deploying\"},\n"
        "   {\"id\": \"CSDL-POP\", \"name\": \"Dân cư\", \"stage\": \"foundation_centralized\"}],\n"
        " \"funding\": {\"requested_vnd\": 9223372036854775807, \"allocated_vnd\": 5000000000,\n"
        "   \"disbursed_vnd\": 5000000000},\n"
        " \"obstacles\": [{\"id\": \"VM-01\", \"category\": \"funding\", \"description\": \"Chưa "
        "bố trí vốn\",\n"
        "   \"state\": \"open\", \"reported_on\": \"2025-07-01\"},\n"
        "  {\"id\": \"VM-02\", \"category\": \"online_services\", \"description\": \"x\",\n"
        "   \"state\": \"resolved\", \"reported_on\": \"2025-07-01\", \"resolved_on\": "
        "\"2025-12-04\"},\n"
        "  {\"id\": \"VM-03\", \"category\": \"other\", \"description\": \"y\", \"state\": "
        "\"resolved\",\n"
        "   \"reported_on\": \"2025-12-04\"}],\n"
        " \"tasks\": []}";
    td_errlist *errs = td_errlist_new();
    td_report r;
    assert_int_equal(td_parse_status("s.json", text, strlen(text), &r, errs), TD_OK);
    assert_int_equal(td_errlist_count(errs), 0);
    assert_true(r.infra.present);
    assert_int_equal(r.infra.terminals_required, 12);
    assert_int_equal(r.infra.terminals_available, 15);
    assert_int_equal(r.infra.villages_total, 14);
    assert_int_equal(r.infra.villages_signal_gap, 14);
    assert_int_equal(r.infra.villages_no_power, 0);
    assert_true(r.infra.population_db_connected);
    assert_true(r.services.present);
    assert_int_equal(r.services.procedures_total, 82);
    assert_int_equal(r.services.procedures_announced, 82);
    assert_int_equal(r.services.procedures_online, 75);
    assert_int_equal(r.services.files_received, 10000);
    assert_int_equal(r.services.files_fully_online, 5200);
    assert_int_equal(r.services.records_total, 90000);
    assert_int_equal(r.services.records_digitized, 43000);
    assert_true(r.funding.present);
    assert_true(r.funding.requested_vnd == INT64_MAX);
    assert_int_equal(r.funding.allocated_vnd, INT64_C(5000000000));
    assert_int_equal(r.funding.disbursed_vnd, INT64_C(5000000000));
    assert_true(r.has_databases);
    assert_int_equal(r.n_databases, 2);
    assert_string_equal(r.databases[0].id, "CSDL-LAND");
    assert_string_equal(r.databases[0].name, "Cơ sở dữ liệu đất đai");
    assert_int_equal(r.databases[0].stage, TD_STAGE_DEPLOYING);
    assert_string_equal(r.databases[1].id, "CSDL-POP");
    assert_int_equal(r.databases[1].stage, TD_STAGE_FOUNDATION_CENTRALIZED);
    assert_true(r.has_obstacles);
    assert_int_equal(r.n_obstacles, 3);
    assert_string_equal(r.obstacles[0].id, "VM-01");
    assert_int_equal(r.obstacles[0].category, TD_OBST_FUNDING);
    assert_string_equal(r.obstacles[0].description, "Chưa bố trí vốn");
    assert_int_equal(r.obstacles[0].state, TD_OBST_OPEN);
    assert_int_equal(r.obstacles[0].reported_on, JUL01);
    assert_int_equal(r.obstacles[0].resolved_on, TD_NODAY);
    assert_int_equal(r.obstacles[1].category, TD_OBST_ONLINE_SERVICES);
    assert_int_equal(r.obstacles[1].state, TD_OBST_RESOLVED);
    assert_int_equal(r.obstacles[1].resolved_on, DEC04);
    assert_int_equal(r.obstacles[2].category, TD_OBST_OTHER);
    assert_int_equal(r.obstacles[2].reported_on, DEC04);
    assert_int_equal(r.obstacles[2].resolved_on, TD_NODAY);
    assert_int_equal(r.n_tasks, 0);
    td_report_fini(&r);
    td_errlist_destroy(&errs);
}

/* Present but empty lists are kept apart from absent ones: "no obstacles any more" differs from
 * "obstacles not reported". */
static void test_status_sections_presence(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool lists;
    } cases[] = {
        {S_HEAD " \"databases\": [], \"obstacles\": []}", true},
        {S_HEAD " \"tasks\": []}", false},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_errlist *errs = td_errlist_new();
        td_report r;
        assert_int_equal(td_parse_status("s.json", cases[i].text, strlen(cases[i].text), &r, errs),
                         TD_OK);
        assert_int_equal(r.has_databases, cases[i].lists);
        assert_int_equal(r.has_obstacles, cases[i].lists);
        assert_int_equal(r.n_databases + r.n_obstacles, 0);
        assert_null(r.databases);
        assert_null(r.obstacles);
        assert_false(r.infra.present || r.services.present || r.funding.present);
        td_report_fini(&r);
        td_errlist_destroy(&errs);
    }
}

typedef struct {
    const char *name;
    const char *text;
    const char *want; /* every message, one per line */
} s_bad_case;

#define S_INFRA_KEYS                                                                               \
    "terminals_required, terminals_available, villages_total, villages_signal_gap, "               \
    "villages_no_power, population_db_connected"

static const s_bad_case s_bad[] = {
    {"sections of the wrong type",
     S_HEAD " \"infrastructure\": [], \"services\": 5, \"funding\": null,\n"
            " \"databases\": {}, \"obstacles\": \"x\"}",
     "s.json:2:20: infrastructure must be an object\n"
     "s.json:2:36: services must be an object\n"
     "s.json:2:50: funding must be an object\n"
     "s.json:3:15: databases must be an array\n"
     "s.json:3:32: obstacles must be an array\n"},
    {"missing and unknown keys",
     S_HEAD " \"infrastructure\": {\"terminals_required\": 12, \"terminals_available\": 9,\n"
            "   \"villages\": 14, \"villages_signal_gap\": 3, \"villages_no_power\": 1}}",
     "s.json:2:20: missing key \"villages_total\"\n"
     "s.json:2:20: missing key \"population_db_connected\"\n"
     "s.json:3:4: unknown key \"villages\" (expected " S_INFRA_KEYS ")\n"},
    {"wrong value types",
     S_HEAD
     " \"infrastructure\": {\"terminals_required\": \"12\", \"terminals_available\": 9.0,\n"
     "   \"villages_total\": true, \"villages_signal_gap\": 3, \"villages_no_power\": 1,\n"
     "   \"population_db_connected\": 1},\n"
     " \"funding\": {\"requested_vnd\": 1e3, \"allocated_vnd\": null, \"disbursed_vnd\": [1]}}",
     "s.json:2:43: terminals_required must be a non-negative integer\n"
     "s.json:2:72: terminals_available must be a non-negative integer\n"
     "s.json:3:22: villages_total must be a non-negative integer\n"
     "s.json:4:31: population_db_connected must be true or false\n"
     "s.json:5:31: requested_vnd must be a non-negative integer\n"
     "s.json:5:53: allocated_vnd must be a non-negative integer\n"
     "s.json:5:76: disbursed_vnd must be a non-negative integer\n"},
    {"negative count",
     S_HEAD " \"funding\": {\"requested_vnd\": 0, \"allocated_vnd\": -4, \"disbursed_vnd\": 0}}",
     "s.json:2:51: allocated_vnd -4 is negative\n"},
    {"bounds",
     S_HEAD " \"infrastructure\": {\"terminals_required\": 0, \"terminals_available\": 0,\n"
            "   \"villages_total\": 14, \"villages_signal_gap\": 15, \"villages_no_power\": 14,\n"
            "   \"population_db_connected\": false},\n"
            " \"services\": {\"procedures_total\": 82, \"procedures_announced\": 82,\n"
            "   \"procedures_online\": 83, \"files_received\": 0, \"files_fully_online\": 0,\n"
            "   \"records_total\": 0, \"records_digitized\": 0},\n"
            " \"funding\": {\"requested_vnd\": 0, \"allocated_vnd\": 4, \"disbursed_vnd\": 5}}",
     "s.json:3:49: villages_signal_gap 15 is more than villages_total 14\n"
     "s.json:6:25: procedures_online 83 is more than procedures_total 82\n"
     "s.json:8:71: disbursed_vnd 5 is more than allocated_vnd 4\n"},
    /* A bad whole reads as the largest count, so its parts are not blamed for it. */
    {"bad whole does not fault its parts",
     S_HEAD " \"funding\": {\"requested_vnd\": 0, \"allocated_vnd\": \"4\", \"disbursed_vnd\": 5}}",
     "s.json:2:51: allocated_vnd must be a non-negative integer\n"},
    /* jansson refuses it while decoding, and points past the number. */
    {"beyond int64", S_HEAD " \"funding\": {\"requested_vnd\": 9223372036854775808}}",
     "s.json:2:49: too big integer near '9223372036854775808'\n"},
    {"database faults",
     S_HEAD " \"databases\": [5,\n"
            "  {\"id\": \"CSDL-1\", \"name\": \"\", \"stage\": \"done\", \"owner\": \"MOF\"},\n"
            "  {\"name\": 7},\n"
            "  {\"id\": \"CSDL 2\", \"name\": \"x\", \"stage\": \"deploying\"},\n"
            "  {\"id\": \"CSDL-1\", \"name\": \"y\", \"stage\": \"not_started\"}]}",
     "s.json:2:16: a database must be an object\n"
     "s.json:3:28: name is empty\n"
     "s.json:3:41: stage \"done\" is not one of not_started|deploying|foundation_centralized\n"
     "s.json:3:49: unknown key \"owner\" (expected id, name, stage)\n"
     "s.json:4:3: missing key \"id\"\n"
     "s.json:4:3: missing key \"stage\"\n"
     "s.json:4:12: name must be a string\n"
     "s.json:5:10: id \"CSDL 2\" is not valid: 1..64 of A-Z a-z 0-9 . _ -\n"
     "s.json:6:10: id \"CSDL-1\" repeats line 3\n"},
    {"obstacle faults",
     S_HEAD " \"obstacles\": [\n"
            "  {\"id\": \"VM-01\", \"category\": \"money\", \"description\": \"x\", \"state\": "
            "\"open\",\n"
            "   \"reported_on\": \"2025-07-01\", \"resolved_on\": \"2025-08-01\"},\n"
            "  {\"id\": \"VM-02\", \"category\": \"data\", \"state\": \"closed\", \"reported_on\": "
            "\"2025-13-01\"},\n"
            "  {\"id\": \"VM-03\", \"category\": \"data\", \"description\": \"x\", \"state\": "
            "\"resolved\",\n"
            "   \"reported_on\": \"2025-08-01\", \"resolved_on\": \"2025-07-31\"},\n"
            "  {\"id\": \"VM-04\", \"category\": \"data\", \"description\": \"x\", \"state\": "
            "\"resolved\",\n"
            "   \"reported_on\": \"2025-08-01\", \"resolved_on\": \"2025-12-05\"},\n"
            "  {\"id\": \"VM-05\", \"category\": \"data\", \"description\": \"x\", \"state\": "
            "\"open\",\n"
            "   \"reported_on\": \"2025-12-05\"},\n"
            "  {\"id\": \"VM-01\", \"category\": \"staffing\", \"description\": \"\", \"state\": "
            "\"open\"}]}",
     "s.json:3:31: category \"money\" is not one of "
     "funding|procedures|online_services|infrastructure|data|staffing|other\n"
     "s.json:4:48: resolved_on is only allowed when the obstacle is resolved\n"
     "s.json:5:3: missing key \"description\"\n"
     "s.json:5:48: state \"closed\" is not one of open|resolved\n"
     "s.json:5:73: reported_on \"2025-13-01\" is not a date (YYYY-MM-DD)\n"
     "s.json:7:48: resolved_on 2025-07-31 is before reported_on 2025-08-01\n"
     "s.json:9:48: resolved_on 2025-12-05 is after the report's date 2025-12-04\n"
     "s.json:11:19: reported_on 2025-12-05 is after the report's date 2025-12-04\n"
     "s.json:12:3: missing key \"reported_on\"\n"
     "s.json:12:10: id \"VM-01\" repeats line 3\n"
     "s.json:12:58: description is empty\n"},
};

static void test_status_sections_bad(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < N(s_bad); i++) {
        td_errlist *errs = td_errlist_new();
        td_report r = {.n_databases = 77};
        td_err err = td_parse_status("s.json", s_bad[i].text, strlen(s_bad[i].text), &r, errs);
        char *got = s_errs(errs);
        if (err != TD_EINVAL || strcmp(got, s_bad[i].want) != 0) {
            print_error("case %s: error %d\n--- want\n%s--- got\n%s---\n", s_bad[i].name, (int)err,
                        s_bad[i].want, got);
            failed++;
        }
        assert_int_equal(r.n_databases, 77); /* untouched */
        free(got);
        td_errlist_destroy(&errs);
    }
    assert_int_equal(failed, 0);
}

static void test_status_sections_limits(void **state)
{
    (void)state;
    static const char *const lists[] = {"databases", "obstacles"};
    for (size_t l = 0; l < N(lists); l++) {
        size_t n = l == 0 ? TD_STATUS_DATABASES_MAX : TD_STATUS_OBSTACLES_MAX;
        size_t size = 128 + 2 * (n + 1);
        char *text = malloc(size), want[128];
        assert_non_null(text);
        int o = snprintf(text, size, S_HEAD " \"%s\": [0", lists[l]);
        for (size_t i = 0; i < n; i++)
            o += snprintf(text + o, size - (size_t)o, ",0");
        snprintf(text + o, size - (size_t)o, "]}");
        /* Line 2 reads ` "KEY": [`: the list starts 6 columns past the key's length. */
        snprintf(want, sizeof want, "s.json:2:%zu: %s has %zu items, more than %zu\n",
                 strlen(lists[l]) + 6, lists[l], n + 1, n);
        td_errlist *errs = td_errlist_new();
        td_report r;
        assert_int_equal(td_parse_status("s.json", text, strlen(text), &r, errs), TD_EINVAL);
        char *got = s_errs(errs);
        assert_string_equal(got, want);
        free(got);
        free(text);
        td_errlist_destroy(&errs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_infra_check),         cmocka_unit_test(test_services_check),
        cmocka_unit_test(test_funding_check),       cmocka_unit_test(test_database_check),
        cmocka_unit_test(test_obstacle_check),      cmocka_unit_test(test_equal_fini),
        cmocka_unit_test(test_status_sections_ok),  cmocka_unit_test(test_status_sections_presence),
        cmocka_unit_test(test_status_sections_bad), cmocka_unit_test(test_status_sections_limits),
    };
    return cmocka_run_group_tests_name("sections", tests, NULL, NULL);
}
