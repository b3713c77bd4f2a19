/* lib/query: summary, tasks, agents and reports over a real store holding a small registry with
 * versions at known dates; parameter errors; liveness boundaries. Tables of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "tiendo/err.h"
#include "tiendo/keys.h"
#include "tiendo/model.h"
#include "tiendo/query.h"
#include "tiendo/store.h"

#include "testutil.h"

/* "now" for every query: 2025-12-06T09:00:00+07:00, after every version below. */
#define NOW_TEXT "2025-12-06T09:00:00+07:00"

static const struct {
    const char *code, *parent;
    int kind, block;
} s_agencies[] = {
    {"MOF", "", TD_KIND_MINISTRY, TD_BLOCK_GOVERNMENT},
    {"BCA", "", TD_KIND_MINISTRY, TD_BLOCK_GOVERNMENT},
    {"VPTW", "", TD_KIND_AGENCY, TD_BLOCK_PARTY},
    {"HN", "", TD_KIND_PROVINCE, TD_BLOCK_GOVERNMENT},
    {"HN-BD", "HN", TD_KIND_COMMUNE, TD_BLOCK_GOVERNMENT},
    {"HP", "", TD_KIND_PROVINCE, TD_BLOCK_GOVERNMENT},
    {"HP-X", "HP", TD_KIND_COMMUNE, TD_BLOCK_GOVERNMENT},
    {"MO", "", TD_KIND_AGENCY, TD_BLOCK_PARTY},
};

#define NQ "71/NQ-CP"
#define CT "01/CT-TTg"

static const struct {
    const char *id, *lead, *deadline, *assigned_on, *source, *group;
    int difficulty;
} s_tasks[] = {
    {"T-ONTIME", "MOF", "2025-12-09", "2025-11-01", NQ, "digital", TD_DIFF_NORMAL},
    {"T-LATE", "MOF", "2025-12-01", "2025-11-01", NQ, "digital", TD_DIFF_HARD},
    {"T-OVER", "BCA", "2025-12-01", "2025-11-01", CT, "", TD_DIFF_HARD},
    {"T-DUE", "BCA", "2025-12-04", "2025-11-01", CT, "", TD_DIFF_NORMAL},
    {"T-REG", "HN", NULL, "2025-11-01", NQ, "digital", TD_DIFF_NORMAL},
    {"T-BD", "HN-BD", "2025-12-09", "2025-11-01", NQ, "", TD_DIFF_NORMAL},
    {"T-FUTURE", "MOF", "2025-12-31", "2025-12-05", NQ, "", TD_DIFF_NORMAL},
    {"T-HPX", "HP-X", "2025-12-03", "2025-11-01", CT, "", TD_DIFF_HARD},
    {"T-LATER", "VPTW", "2025-12-09", "2025-11-01", NQ, "digital", TD_DIFF_NORMAL},
    {"T-EVENING", "VPTW", "2025-12-04", "2025-11-01", NQ, "", TD_DIFF_NORMAL},
};

static const struct {
    const char *id, *as_of;
    int state, progress;
    const char *completed_on;
} s_versions[] = {
    {"T-ONTIME", "2025-12-03T09:00:00+07:00", TD_STATE_DONE, 100, "2025-12-03"},
    {"T-LATE", "2025-12-03T09:00:00+07:00", TD_STATE_DONE, 100, "2025-12-02"},
    {"T-OVER", "2025-12-02T09:00:00+07:00", TD_STATE_IN_PROGRESS, 50, NULL},
    {"T-REG", "2025-12-01T09:00:00+07:00", TD_STATE_IN_PROGRESS, 10, NULL},
    {"T-BD", "2025-12-04T08:00:00+07:00", TD_STATE_IN_PROGRESS, 70, NULL},
    {"T-LATER", "2025-12-03T09:00:00+07:00", TD_STATE_IN_PROGRESS, 20, NULL},
    {"T-LATER", "2025-12-05T10:00:00+07:00", TD_STATE_DONE, 100, "2025-12-05"},
    {"T-EVENING", "2025-12-04T18:00:00+07:00", TD_STATE_DONE, 100, "2025-12-04"},
};

typedef struct {
    char *dir;
    td_store *store;
    td_time now;
} s_fixture;

static td_err s_put_versions(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N(s_versions); i++) {
        td_task_version v = {.as_of = tu_time(s_versions[i].as_of), .seq = i + 1};
        v.received_at = v.as_of + 5;
        tu_item(&v.status, s_versions[i].id, s_versions[i].state, s_versions[i].progress,
                s_versions[i].completed_on, NULL);
        td_err err = td_store_put_task_version(txn, &v);
        td_task_status_fini(&v.status);
        if (err)
            return err;
    }
    return TD_OK;
}

static int s_setup(void **state)
{
    s_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tu_mkdtemp();
    f->store = tu_store_open(f->dir, 0);
    f->now = tu_time(NOW_TEXT);
    td_agency agencies[N(s_agencies)];
    td_task tasks[N(s_tasks)];
    for (size_t i = 0; i < N(s_agencies); i++)
        tu_agency(&agencies[i], s_agencies[i].code, s_agencies[i].code, s_agencies[i].kind,
                  s_agencies[i].parent, s_agencies[i].block);
    for (size_t i = 0; i < N(s_tasks); i++)
        tu_task(&tasks[i], s_tasks[i].id, s_tasks[i].lead, s_tasks[i].deadline,
                s_tasks[i].assigned_on, s_tasks[i].source, s_tasks[i].group, s_tasks[i].difficulty);
    tu_load_registry(f->store, agencies, N(agencies), tasks, N(tasks));
    td_errmsg why = {{0}};
    CHECK_OK("versions", td_store_update(f->store, s_put_versions, NULL, &why), &why);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture *f = *state;
    td_store_destroy(&f->store);
    tu_rmtree(&f->dir);
    free(f);
    return 0;
}

/* Parameters as "name=value" strings (at most 8), NULL-terminated. */
typedef const char *s_params[9];

static size_t s_split(const s_params in, td_param *out, char buf[8][128])
{
    size_t n = 0;
    for (; n < 8 && in[n]; n++) {
        snprintf(buf[n], sizeof buf[n], "%s", in[n]);
        char *eq = strchr(buf[n], '=');
        assert_non_null(eq);
        *eq = '\0';
        out[n].name = buf[n];
        out[n].value = eq + 1;
    }
    return n;
}

/* Runs a query that must succeed; returns the document (caller frees). */
static char *s_query(const char *name, s_fixture *f, const char *command, const s_params p)
{
    td_param params[8];
    char buf[8][128];
    size_t n = s_split(p, params, buf);
    char *json = NULL;
    td_errmsg why = {{0}};
    td_err err = td_query_run(f->store, command, params, n, f->now, &json, &why);
    if (err != TD_OK)
        fail_msg("%s: %s failed: %s", name, command, why.text);
    assert_non_null(json);
    return json;
}

static json_t *s_query_json(const char *name, s_fixture *f, const char *command, const s_params p)
{
    char *text = s_query(name, f, command, p);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (!doc)
        fail_msg("%s: not JSON (%s): %s", name, jerr.text, text);
    free(text);
    return doc;
}

#define SUMMARY(as_of, total, completed, on_time, late, on_schedule, overdue, regular, unreported) \
    "{\"as_of\":\"" as_of "\",\"total\":" #total ",\"completed\":" #completed                      \
    ",\"completed_on_time\":" #on_time ",\"completed_late\":" #late                                \
    ",\"on_schedule\":" #on_schedule ",\"overdue\":" #overdue ",\"regular\":" #regular             \
    ",\"unreported\":" #unreported
#define END_OF(day) day "T23:59:59+07:00"

static void test_summary(void **state)
{
    s_fixture *f = *state;
    static const struct {
        const char *name;
        s_params params;
        const char *want;
    } cases[] = {
        {"end of Dec 4",
         {"as-of=2025-12-04"},
         SUMMARY(END_OF("2025-12-04"), 9, 3, 2, 1, 3, 2, 1, 2) "}"},
        {"noon of Dec 4: the evening report is not yet",
         {"as-of=2025-12-04T12:00:00+07:00"},
         SUMMARY("2025-12-04T12:00:00+07:00", 9, 2, 1, 1, 4, 2, 1, 3) "}"},
        {"same instant in UTC",
         {"as-of=2025-12-04T05:00:00Z"},
         SUMMARY("2025-12-04T12:00:00+07:00", 9, 2, 1, 1, 4, 2, 1, 3) "}"},
        {"3 a.m. on Dec 5 in Vietnam (still Dec 4 in UTC) is Dec 5",
         {"as-of=2025-12-05T03:00:00+07:00"},
         SUMMARY("2025-12-05T03:00:00+07:00", 10, 3, 2, 1, 3, 3, 1, 3) "}"},
        {"end of Dec 5: a new task, a later completion, a deadline passed",
         {"as-of=2025-12-05"},
         SUMMARY(END_OF("2025-12-05"), 10, 4, 3, 1, 2, 3, 1, 3) "}"},
        {"end of Dec 1: the deadline day is on schedule",
         {"as-of=2025-12-01"},
         SUMMARY(END_OF("2025-12-01"), 9, 0, 0, 0, 8, 0, 1, 8) "}"},
        {"before any assignment",
         {"as-of=2025-10-31"},
         SUMMARY(END_OF("2025-10-31"), 0, 0, 0, 0, 0, 0, 0, 0) "}"},
        {"default as-of is now", {NULL}, SUMMARY(NOW_TEXT, 10, 4, 3, 1, 2, 3, 1, 3) "}"},
        {"lead MOF",
         {"as-of=2025-12-04", "lead=MOF"},
         SUMMARY(END_OF("2025-12-04"), 2, 2, 1, 1, 0, 0, 0, 0) "}"},
        {"lead BCA",
         {"lead=BCA", "as-of=2025-12-04"},
         SUMMARY(END_OF("2025-12-04"), 2, 0, 0, 0, 1, 1, 0, 1) "}"},
        {"lead MO: a prefix of MOF leads nothing",
         {"as-of=2025-12-04", "lead=MO"},
         SUMMARY(END_OF("2025-12-04"), 0, 0, 0, 0, 0, 0, 0, 0) "}"},
        {"source",
         {"as-of=2025-12-04", "source=" CT},
         SUMMARY(END_OF("2025-12-04"), 3, 0, 0, 0, 1, 2, 0, 2) "}"},
        {"source matches whole",
         {"as-of=2025-12-04", "source=71"},
         SUMMARY(END_OF("2025-12-04"), 0, 0, 0, 0, 0, 0, 0, 0) "}"},
        {"block party",
         {"as-of=2025-12-04", "block=party"},
         SUMMARY(END_OF("2025-12-04"), 2, 1, 1, 0, 1, 0, 0, 0) "}"},
        {"block government",
         {"as-of=2025-12-04", "block=government"},
         SUMMARY(END_OF("2025-12-04"), 7, 2, 1, 1, 2, 2, 1, 2) "}"},
        {"group",
         {"as-of=2025-12-04", "group=digital"},
         SUMMARY(END_OF("2025-12-04"), 4, 2, 1, 1, 1, 0, 1, 0) "}"},
        {"difficulty hard",
         {"as-of=2025-12-04", "difficulty=hard"},
         SUMMARY(END_OF("2025-12-04"), 3, 1, 0, 1, 0, 2, 0, 1) "}"},
        {"province HN with its commune",
         {"as-of=2025-12-04", "province=HN"},
         SUMMARY(END_OF("2025-12-04"), 2, 0, 0, 0, 1, 0, 1, 0) "}"},
        {"province HP: only its commune leads",
         {"as-of=2025-12-04", "province=HP"},
         SUMMARY(END_OF("2025-12-04"), 1, 0, 0, 0, 0, 1, 0, 1) "}"},
        {"lead and difficulty",
         {"as-of=2025-12-04", "lead=BCA", "difficulty=hard"},
         SUMMARY(END_OF("2025-12-04"), 1, 0, 0, 0, 0, 1, 0, 0) "}"},
        {"commune lead inside its province",
         {"as-of=2025-12-04", "lead=HN-BD", "province=HN"},
         SUMMARY(END_OF("2025-12-04"), 1, 0, 0, 0, 1, 0, 0, 0) "}"},
        {"commune lead outside the province",
         {"as-of=2025-12-04", "lead=HN-BD", "province=HP"},
         SUMMARY(END_OF("2025-12-04"), 0, 0, 0, 0, 0, 0, 0, 0) "}"},
        {"due-by counts open tasks due by then",
         {"as-of=2025-12-04", "due-by=2025-12-04"},
         SUMMARY(END_OF("2025-12-04"), 9, 3, 2, 1, 3, 2, 1, 2) ",\"open_due_by\":3}"},
        {"due-by before every deadline",
         {"as-of=2025-12-04", "due-by=2025-11-30"},
         SUMMARY(END_OF("2025-12-04"), 9, 3, 2, 1, 3, 2, 1, 2) ",\"open_due_by\":0}"},
        {"due-by with a filter",
         {"as-of=2025-12-04", "due-by=2025-12-09", "lead=BCA"},
         SUMMARY(END_OF("2025-12-04"), 2, 0, 0, 0, 1, 1, 0, 1) ",\"open_due_by\":2}"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char *got = s_query(cases[i].name, f, "summary", cases[i].params);
        CHECK_STR(cases[i].name, got, cases[i].want);
        free(got);
    }
}

/* Rows of `tasks`: the class, days overdue and the reported state of each task. */
static const struct {
    const char *id, *cls;
    int days_overdue;
    const char *state; /* NULL: unreported (JSON null) */
    int progress;
    const char *completed_on, *reported_as_of, *deadline;
} s_rows_dec04[] = {
    {"T-BD", "on_schedule", 0, "in_progress", 70, NULL, "2025-12-04T08:00:00+07:00", "2025-12-09"},
    {"T-DUE", "on_schedule", 0, NULL, 0, NULL, NULL, "2025-12-04"},
    {"T-EVENING", "completed", 0, "done", 100, "2025-12-04", "2025-12-04T18:00:00+07:00",
     "2025-12-04"},
    {"T-HPX", "overdue", 1, NULL, 0, NULL, NULL, "2025-12-03"},
    {"T-LATE", "completed", 0, "done", 100, "2025-12-02", "2025-12-03T09:00:00+07:00",
     "2025-12-01"},
    {"T-LATER", "on_schedule", 0, "in_progress", 20, NULL, "2025-12-03T09:00:00+07:00",
     "2025-12-09"},
    {"T-ONTIME", "completed", 0, "done", 100, "2025-12-03", "2025-12-03T09:00:00+07:00",
     "2025-12-09"},
    {"T-OVER", "overdue", 3, "in_progress", 50, NULL, "2025-12-02T09:00:00+07:00", "2025-12-01"},
    {"T-REG", "regular", 0, "in_progress", 10, NULL, "2025-12-01T09:00:00+07:00", NULL},
};

static void s_check_opt(const char *name, const char *field, json_t *row, const char *want)
{
    json_t *v = json_object_get(row, field);
    if (!v)
        fail_msg("%s: no %s", name, field);
    if (!want) {
        if (!json_is_null(v))
            fail_msg("%s: %s is not null", name, field);
        return;
    }
    CHECK_STR(name, json_string_value(v), want);
}

static void s_check_row(json_t *row, size_t i)
{
    const char *name = s_rows_dec04[i].id;
    CHECK_STR(name, json_string_value(json_object_get(row, "id")), s_rows_dec04[i].id);
    CHECK_STR(name, json_string_value(json_object_get(row, "class")), s_rows_dec04[i].cls);
    CHECK_INT(name, json_integer_value(json_object_get(row, "days_overdue")),
              s_rows_dec04[i].days_overdue);
    s_check_opt(name, "state", row, s_rows_dec04[i].state);
    json_t *progress = json_object_get(row, "progress");
    if (s_rows_dec04[i].state)
        CHECK_INT(name, json_integer_value(progress), s_rows_dec04[i].progress);
    else if (!json_is_null(progress))
        fail_msg("%s: progress is not null", name);
    s_check_opt(name, "completed_on", row, s_rows_dec04[i].completed_on);
    s_check_opt(name, "reported_as_of", row, s_rows_dec04[i].reported_as_of);
    s_check_opt(name, "deadline", row, s_rows_dec04[i].deadline);
    for (size_t t = 0; t < N(s_tasks); t++) {
        if (strcmp(s_tasks[t].id, name) != 0)
            continue;
        char title[80];
        snprintf(title, sizeof title, "Task %s", name);
        CHECK_STR(name, json_string_value(json_object_get(row, "title")), title);
        CHECK_STR(name, json_string_value(json_object_get(row, "source")), s_tasks[t].source);
        CHECK_STR(name, json_string_value(json_object_get(row, "lead")), s_tasks[t].lead);
    }
}

static void test_tasks_rows(void **state)
{
    s_fixture *f = *state;
    json_t *doc = s_query_json("tasks", f, "tasks", (s_params){"as-of=2025-12-04"});
    CHECK_STR("tasks", json_string_value(json_object_get(doc, "as_of")), END_OF("2025-12-04"));
    json_t *rows = json_object_get(doc, "tasks");
    assert_true(json_is_array(rows));
    CHECK_INT("tasks: T-FUTURE not yet assigned", json_array_size(rows), N(s_rows_dec04));
    for (size_t i = 0; i < N(s_rows_dec04); i++)
        s_check_row(json_array_get(rows, i), i);
    json_decref(doc);
}

static void test_tasks_filters(void **state)
{
    s_fixture *f = *state;
    static const struct {
        const char *name;
        s_params params;
        const char *want[10];
    } cases[] = {
        {"class overdue", {"as-of=2025-12-04", "class=overdue"}, {"T-HPX", "T-OVER"}},
        {"class completed",
         {"as-of=2025-12-04", "class=completed"},
         {"T-EVENING", "T-LATE", "T-ONTIME"}},
        {"class regular", {"as-of=2025-12-04", "class=regular"}, {"T-REG"}},
        {"class on_schedule and lead",
         {"as-of=2025-12-04", "class=on_schedule", "lead=VPTW"},
         {"T-LATER"}},
        {"province", {"as-of=2025-12-04", "province=HN"}, {"T-BD", "T-REG"}},
        {"block", {"as-of=2025-12-04", "block=party"}, {"T-EVENING", "T-LATER"}},
        {"difficulty normal", {"as-of=2025-12-01", "difficulty=normal", "lead=MOF"}, {"T-ONTIME"}},
        {"nothing matches", {"as-of=2025-12-04", "source=none"}, {NULL}},
        {"on Dec 5 the new task counts",
         {"as-of=2025-12-05", "lead=MOF"},
         {"T-FUTURE", "T-LATE", "T-ONTIME"}},
    };
    for (size_t i = 0; i < N(cases); i++) {
        json_t *doc = s_query_json(cases[i].name, f, "tasks", cases[i].params);
        json_t *rows = json_object_get(doc, "tasks");
        size_t n = 0;
        while (n < N(cases[i].want) && cases[i].want[n])
            n++;
        CHECK_INT(cases[i].name, json_array_size(rows), n);
        for (size_t j = 0; j < n; j++)
            CHECK_STR(cases[i].name,
                      json_string_value(json_object_get(json_array_get(rows, j), "id")),
                      cases[i].want[j]);
        json_decref(doc);
    }
    /* A late completion: the state and class follow the version of Dec 5. */
    json_t *doc = s_query_json("T-LATER on Dec 5", f, "tasks",
                               (s_params){"as-of=2025-12-05", "lead=VPTW", "class=completed"});
    CHECK_INT("T-LATER on Dec 5", json_array_size(json_object_get(doc, "tasks")), 2);
    json_t *row = json_array_get(json_object_get(doc, "tasks"), 1); /* after T-EVENING */
    assert_non_null(row);
    CHECK_STR("T-LATER on Dec 5", json_string_value(json_object_get(row, "id")), "T-LATER");
    CHECK_STR("T-LATER on Dec 5", json_string_value(json_object_get(row, "state")), "done");
    CHECK_STR("T-LATER on Dec 5", json_string_value(json_object_get(row, "completed_on")),
              "2025-12-05");
    json_decref(doc);
}

static void test_errors(void **state)
{
    s_fixture *f = *state;
    static const struct {
        const char *name, *command;
        s_params params;
        const char *want;
    } cases[] = {
        {"unknown command", "sumary", {NULL}, "unknown query \"sumary\""},
        {"empty command", "", {NULL}, "unknown query \"\""},
        {"unknown option", "summary", {"class=overdue"}, "summary: unknown option --class"},
        {"option of another command",
         "agents",
         {"as-of=2025-12-04"},
         "agents: unknown option --as-of"},
        {"option with dashes", "tasks", {"--lead=MOF"}, "tasks: unknown option ----lead"},
        {"option twice",
         "tasks",
         {"lead=MOF", "as-of=2025-12-04", "lead=BCA"},
         "tasks: option --lead given twice"},
        {"option twice, same value",
         "summary",
         {"as-of=2025-12-04", "as-of=2025-12-04"},
         "summary: option --as-of given twice"},
        {"bad as-of",
         "summary",
         {"as-of=2025-13-01"},
         "--as-of \"2025-13-01\" is not a date (YYYY-MM-DD) or date-time (ISO-8601)"},
        {"empty as-of",
         "tasks",
         {"as-of="},
         "--as-of \"\" is not a date (YYYY-MM-DD) or date-time (ISO-8601)"},
        {"bad due-by",
         "summary",
         {"due-by=2025-12-4"},
         "--due-by \"2025-12-4\" is not a date (YYYY-MM-DD)"},
        {"unregistered lead",
         "summary",
         {"lead=MOFF"},
         "--lead \"MOFF\" is not a registered agency"},
        {"lead differs in case",
         "tasks",
         {"lead=mof"},
         "--lead \"mof\" is not a registered agency"},
        {"province that is a commune",
         "summary",
         {"province=HN-BD"},
         "--province \"HN-BD\" is not a registered province"},
        {"unregistered province",
         "summary",
         {"province=DN"},
         "--province \"DN\" is not a registered province"},
        {"bad block",
         "summary",
         {"block=army"},
         "--block \"army\" is not one of party|government|national_assembly|fatherland_front"},
        {"bad difficulty",
         "tasks",
         {"difficulty=easy"},
         "--difficulty \"easy\" is not one of normal|hard"},
        {"bad class",
         "tasks",
         {"class=late"},
         "--class \"late\" is not one of regular|completed|overdue|on_schedule"},
        {"reports without --agency", "reports", {NULL}, "reports: --agency CODE is required"},
        {"reports of an unregistered agency",
         "reports",
         {"agency=XYZ"},
         "--agency \"XYZ\" is not a registered agency"},
        {"reports bad since",
         "reports",
         {"agency=MOF", "since=yesterday"},
         "--since \"yesterday\" is not a date or date-time"},
        {"agents bad state",
         "agents",
         {"state=dead"},
         "--state \"dead\" is not one of online|late|silent"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_param params[8];
        char buf[8][128];
        size_t n = s_split(cases[i].params, params, buf);
        char sentinel = 0;
        char *json = &sentinel;
        td_errmsg why = {{0}};
        CHECK_INT(cases[i].name,
                  td_query_run(f->store, cases[i].command, params, n, f->now, &json, &why),
                  TD_EINVAL);
        CHECK_STR(cases[i].name, why.text, cases[i].want);
        if (json != &sentinel)
            fail_msg("%s: json_out written on error", cases[i].name);
    }
    /* A message cut to its buffer never ends inside a UTF-8 character (it travels in a reply
     * whose strings are checked): a long value ending in a 2-byte character, cut at each byte. */
    for (size_t len = 490; len < 520; len++) {
        char value[600];
        memset(value, 'a', len);
        memcpy(value + len, "\xc3\xa9", 3);
        td_param p = {"state", value};
        char *json = NULL;
        td_errmsg why = {{0}};
        CHECK_INT("long value", td_query_run(f->store, "agents", &p, 1, f->now, &json, &why),
                  TD_EINVAL);
        if (!td_text_valid(why.text, sizeof why.text))
            fail_msg("a message cut after %zu bytes of value is not valid UTF-8", len);
    }
}

static void test_liveness(void **state)
{
    (void)state;
    const td_time now = 1764986400;
    static const struct {
        const char *name;
        uint32_t interval_s;
        td_time ago;
        const char *want;
    } cases[] = {
        {"just now", 60, 0, "online"},
        {"exactly two intervals", 60, 120, "online"},
        {"just over two intervals", 60, 121, "late"},
        {"exactly six intervals", 60, 360, "late"},
        {"just over six intervals", 60, 361, "silent"},
        {"default interval: two", 0, 2 * TD_QUERY_DEFAULT_INTERVAL, "online"},
        {"default interval: over two", 0, 2 * TD_QUERY_DEFAULT_INTERVAL + 1, "late"},
        {"default interval: six", 0, 6 * TD_QUERY_DEFAULT_INTERVAL, "late"},
        {"default interval: over six", 0, 6 * TD_QUERY_DEFAULT_INTERVAL + 1, "silent"},
        {"contact in the future (clock skew)", 60, -3600, "online"},
        {"longest interval", UINT32_MAX, 3ll * UINT32_MAX, "late"},
        {"longest interval, over six", UINT32_MAX, 6ll * UINT32_MAX + 1, "silent"},
        {"never contacted", 300, now, "silent"},
    };
    for (size_t i = 0; i < N(cases); i++)
        CHECK_STR(cases[i].name, td_query_liveness(now - cases[i].ago, cases[i].interval_s, now),
                  cases[i].want);
}

/* Agents at known distances from now, in key order. */
static const struct {
    uint8_t key;
    const char *agency;
    uint32_t interval_s;
    td_time ago;
    uint64_t reports;
    const char *state;
} s_agents[] = {
    {0x01, "MOF", 60, 120, 3, "online"}, {0x02, "BCA", 60, 121, 1, "late"},
    {0x03, "HN", 0, 1801, 9, "silent"},  {0x04, "MOF", 300, 1800, 2, "late"},
    {0x05, "VPTW", 300, 0, 0, "online"},
};

static td_err s_put_agents(td_txn *txn, void *arg)
{
    const s_fixture *f = arg;
    for (size_t i = 0; i < N(s_agents); i++) {
        td_agentrec a = {.last_contact = f->now - s_agents[i].ago,
                         .last_report_as_of = s_agents[i].reports ? f->now - 3600 : 0,
                         .last_seq = s_agents[i].reports * 10,
                         .reports = s_agents[i].reports,
                         .interval_s = s_agents[i].interval_s,
                         .outbox_depth = i,
                         .thinned = i * 2};
        tu_key(a.key, s_agents[i].key);
        snprintf(a.agency, sizeof a.agency, "%s", s_agents[i].agency);
        td_err err = td_store_put_agent(txn, &a);
        if (err)
            return err;
    }
    return TD_OK;
}

static void s_check_agent_row(const char *name, s_fixture *f, json_t *row, size_t i)
{
    uint8_t key[TD_KEY_LEN];
    char z85[TD_Z85_LEN + 1], when[26];
    tu_key(key, s_agents[i].key);
    td_keys_encode(key, z85);
    CHECK_STR(name, json_string_value(json_object_get(row, "agency")), s_agents[i].agency);
    CHECK_STR(name, json_string_value(json_object_get(row, "key")), z85);
    CHECK_STR(name, json_string_value(json_object_get(row, "state")), s_agents[i].state);
    td_time_format(f->now - s_agents[i].ago, when);
    CHECK_STR(name, json_string_value(json_object_get(row, "last_contact")), when);
    td_time_format(f->now - 3600, when);
    s_check_opt(name, "last_report_as_of", row, s_agents[i].reports ? when : NULL);
    CHECK_INT(name, json_integer_value(json_object_get(row, "last_seq")), s_agents[i].reports * 10);
    CHECK_INT(name, json_integer_value(json_object_get(row, "reports")), s_agents[i].reports);
    CHECK_INT(name, json_integer_value(json_object_get(row, "interval_s")), s_agents[i].interval_s);
    CHECK_INT(name, json_integer_value(json_object_get(row, "outbox_depth")), i);
    CHECK_INT(name, json_integer_value(json_object_get(row, "thinned")), i * 2);
}

static void test_agents(void **state)
{
    s_fixture *f = *state;
    td_errmsg why = {{0}};
    json_t *doc = s_query_json("no agents", f, "agents", (s_params){NULL});
    CHECK_INT("no agents", json_array_size(json_object_get(doc, "agents")), 0);
    CHECK_STR("no agents", json_string_value(json_object_get(doc, "now")), NOW_TEXT);
    json_decref(doc);

    CHECK_OK("agents", td_store_update(f->store, s_put_agents, f, &why), &why);
    static const struct {
        const char *name;
        s_params params;
        size_t want[5]; /* indexes into s_agents */
        size_t n;
    } cases[] = {
        {"all", {NULL}, {0, 1, 2, 3, 4}, 5},
        {"online", {"state=online"}, {0, 4}, 2},
        {"late", {"state=late"}, {1, 3}, 2},
        {"silent", {"state=silent"}, {2}, 1},
        {"agency", {"agency=MOF"}, {0, 3}, 2},
        {"agency and state", {"state=late", "agency=MOF"}, {3}, 1},
        {"prefix agency", {"agency=MO"}, {0}, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        doc = s_query_json(cases[i].name, f, "agents", cases[i].params);
        json_t *rows = json_object_get(doc, "agents");
        CHECK_INT(cases[i].name, json_array_size(rows), cases[i].n);
        for (size_t j = 0; j < cases[i].n; j++)
            s_check_agent_row(cases[i].name, f, json_array_get(rows, j), cases[i].want[j]);
        json_decref(doc);
    }
}

/* The report log of MO must not show MOF's rows, nor MOF's MO's. */
static const struct {
    const char *agency;
    uint8_t key;
    uint64_t seq;
    td_time received_ago;
} s_reports[] = {
    {"MOF", 0x01, 1, 7200}, {"MO", 0x02, 10, 3600}, {"MO", 0x02, 2, 7200},
    {"MOF", 0x01, 2, 60},   {"MO", 0x01, 5, 60},
};

static td_err s_put_reports(td_txn *txn, void *arg)
{
    const s_fixture *f = arg;
    for (size_t i = 0; i < N(s_reports); i++) {
        td_reportrec r = {.seq = s_reports[i].seq,
                          .as_of = f->now - s_reports[i].received_ago - 30,
                          .received_at = f->now - s_reports[i].received_ago,
                          .accepted = (uint32_t)(i + 1),
                          .rejected = (uint32_t)i};
        snprintf(r.agency, sizeof r.agency, "%s", s_reports[i].agency);
        tu_key(r.key, s_reports[i].key);
        td_err err = td_store_put_report(txn, &r);
        if (err)
            return err;
    }
    return TD_OK;
}

static void test_reports(void **state)
{
    s_fixture *f = *state;
    td_errmsg why = {{0}};
    CHECK_OK("reports", td_store_update(f->store, s_put_reports, f, &why), &why);
    static const struct {
        const char *name;
        s_params params;
        size_t want[5];
        size_t n;
    } cases[] = {
        {"MO", {"agency=MO"}, {4, 2, 1}, 3},
        {"MOF", {"agency=MOF"}, {0, 3}, 2},
        {"MO since an hour ago", {"agency=MO", "since=2025-12-06T08:00:00+07:00"}, {4, 1}, 2},
        {"MO since a minute ago", {"agency=MO", "since=2025-12-06T08:59:00+07:00"}, {4}, 1},
        {"MO since a date", {"agency=MO", "since=2025-12-06"}, {0}, 0},
        {"none", {"agency=BCA"}, {0}, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        json_t *doc = s_query_json(cases[i].name, f, "reports", cases[i].params);
        const char *agency = strchr(cases[i].params[0], '=') + 1;
        CHECK_STR(cases[i].name, json_string_value(json_object_get(doc, "agency")), agency);
        json_t *rows = json_object_get(doc, "reports");
        CHECK_INT(cases[i].name, json_array_size(rows), cases[i].n);
        for (size_t j = 0; j < cases[i].n; j++) {
            size_t r = cases[i].want[j];
            json_t *row = json_array_get(rows, j);
            uint8_t key[TD_KEY_LEN];
            char z85[TD_Z85_LEN + 1], when[26];
            tu_key(key, s_reports[r].key);
            td_keys_encode(key, z85);
            CHECK_INT(cases[i].name, json_integer_value(json_object_get(row, "seq")),
                      s_reports[r].seq);
            CHECK_STR(cases[i].name, json_string_value(json_object_get(row, "key")), z85);
            td_time_format(f->now - s_reports[r].received_ago, when);
            CHECK_STR(cases[i].name, json_string_value(json_object_get(row, "received_at")), when);
            td_time_format(f->now - s_reports[r].received_ago - 30, when);
            CHECK_STR(cases[i].name, json_string_value(json_object_get(row, "as_of")), when);
            CHECK_INT(cases[i].name, json_integer_value(json_object_get(row, "accepted")), r + 1);
            CHECK_INT(cases[i].name, json_integer_value(json_object_get(row, "rejected")), r);
        }
        json_decref(doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_summary, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tasks_rows, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tasks_filters, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_errors, s_setup, s_teardown),
        cmocka_unit_test(test_liveness),
        cmocka_unit_test_setup_teardown(test_agents, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_reports, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
