/* lib/model: dates, names, field checks, the task-class rules, errors. Tables of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiendo/err.h"
#include "tiendo/events.h"
#include "tiendo/model.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Fail naming the case, so a table's failing row is found at once. */
#define CHECK_INT(name, got, want)                                                                 \
    do {                                                                                           \
        long long got_ = (long long)(got), want_ = (long long)(want);                              \
        if (got_ != want_)                                                                         \
            fail_msg("%s: %s is %lld, want %lld", name, #got, got_, want_);                        \
    } while (0)
#define CHECK_STR(name, got, want)                                                                 \
    do {                                                                                           \
        const char *got_ = (got), *want_ = (want);                                                 \
        if (got_ == NULL || strcmp(got_, want_) != 0)                                              \
            fail_msg("%s: %s is \"%s\", want \"%s\"", name, #got, got_ ? got_ : "(null)", want_);  \
    } while (0)

/* Days of the dates the tables use, from Python's datetime. */
#define DEC01 20423 /* 2025-12-01 */
#define DEC03 20425
#define DEC04 20426
#define DEC09 20431
#define T_DEC04_17H_VN 1764842400 /* 2025-12-04T17:00:00+07:00 = 10:00:00Z */

/* Checks err and message: want NULL means success. */
static void s_check_result(const char *name, td_err err, const td_errmsg *why, const char *want)
{
    if (want == NULL) {
        if (err != TD_OK)
            fail_msg("%s: failed with \"%s\", want success", name, why->text);
        return;
    }
    CHECK_INT(name, err, TD_EINVAL);
    CHECK_STR(name, why->text, want);
}

static void test_day_parse_valid(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
        td_day want;
    } cases[] = {
        {"first day after TD_NODAY", "1970-01-02", 1},
        {"end of the first month", "1970-01-31", 30},
        {"eve of 2000", "1999-12-31", 10956},
        {"leap day of a year divisible by 400", "2000-02-29", 11016},
        {"leap day 2024", "2024-02-29", 19782},
        {"report date", "2025-12-04", DEC04},
        {"last day", "9999-12-31", TD_DAY_MAX},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_day got = -1;
        CHECK_INT(cases[i].name, td_day_parse(cases[i].text, &got), TD_OK);
        CHECK_INT(cases[i].name, got, cases[i].want);
        CHECK_INT(cases[i].name, td_day_valid(got), true);
    }
}

static void test_day_parse_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
    } cases[] = {
        {"NULL", NULL},
        {"empty", ""},
        {"TD_NODAY's date", "1970-01-01"},
        {"before 1970", "1969-12-31"},
        {"five-digit year", "10000-01-01"},
        {"one-digit month and day", "2025-2-3"},
        {"one-digit day", "2025-02-3"},
        {"trailing junk", "2025-02-03x"},
        {"trailing space", "2025-02-03 "},
        {"leading space", " 2025-02-03"},
        {"signed year", "+025-02-03"},
        {"slashes", "2025/02/03"},
        {"no leap day in 2025", "2025-02-29"},
        {"no leap day in 1900", "1900-02-29"},
        {"no leap day in 2100", "2100-02-29"},
        {"month 13", "2025-13-01"},
        {"month 0", "2025-00-10"},
        {"day 0", "2025-01-00"},
        {"April 31", "2025-04-31"},
        {"January 32", "2025-01-32"},
        {"date-time", "2025-02-03T00:00"},
        {"truncated", "2025-02-0"},
        {"fullwidth digits", "\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x92\xEF\xBC\x95-01-01"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_day got = 12345;
        CHECK_INT(cases[i].name, td_day_parse(cases[i].text, &got), TD_EINVAL);
        CHECK_INT(cases[i].name, got, 12345); /* untouched on failure */
    }
}

static bool s_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void test_day_leap_years(void **state)
{
    (void)state;
    char text[16];
    for (int y = 1970; y <= 9999; y++) {
        td_day feb28, mar1, feb29;
        snprintf(text, sizeof text, "%04d-02-28", y);
        assert_int_equal(td_day_parse(text, &feb28), TD_OK);
        snprintf(text, sizeof text, "%04d-03-01", y);
        assert_int_equal(td_day_parse(text, &mar1), TD_OK);
        snprintf(text, sizeof text, "%04d-02-29", y);
        td_err err = td_day_parse(text, &feb29);
        if (err != (s_leap(y) ? TD_OK : TD_EINVAL) || mar1 - feb28 != (s_leap(y) ? 2 : 1))
            fail_msg("year %d: February 29 parse %d, March 1 - February 28 = %d", y, err,
                     mar1 - feb28);
    }
}

/* Walks every day td_day_parse accepts with a calendar counter written independently of
 * lib/model, checking that parse and format agree with it and with each other. */
static void test_day_walk_every_day(void **state)
{
    (void)state;
    static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 1970, m = 1, d = 2;
    char want[40], got[11];
    for (td_day day = 1; day <= TD_DAY_MAX; day++) {
        snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
        td_day parsed = 0;
        td_day_format(day, got);
        if (td_day_parse(want, &parsed) != TD_OK || parsed != day || strcmp(got, want) != 0)
            fail_msg("day %d: want %s, parsed %d, formatted %s", day, want, parsed, got);
        int last = month_days[m - 1] + (m == 2 && s_leap(y));
        if (++d > last) {
            d = 1;
            if (++m > 12)
                m = 1, y++;
        }
    }
    CHECK_INT("past the last day", y, 10000);
}

static void test_day_format_edges(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        td_day day;
        const char *want;
    } cases[] = {
        {"TD_NODAY", TD_NODAY, "1970-01-01"},     {"day before the epoch", -1, "1969-12-31"},
        {"year 0 floor", -719528, "0000-01-01"},  {"clamped low", INT32_MIN, "0000-01-01"},
        {"last day", TD_DAY_MAX, "9999-12-31"},   {"clamped high", TD_DAY_MAX + 1, "9999-12-31"},
        {"clamped far", INT32_MAX, "9999-12-31"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char buf[11];
        td_day_format(cases[i].day, buf);
        CHECK_STR(cases[i].name, buf, cases[i].want);
    }
    CHECK_INT("0 is not a day", td_day_valid(TD_NODAY), false);
    CHECK_INT("past the last day", td_day_valid(TD_DAY_MAX + 1), false);
}

static void test_time_parse_valid(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
        td_time want;
    } cases[] = {
        {"UTC", "2025-12-04T10:00:00Z", T_DEC04_17H_VN},
        {"Vietnam offset", "2025-12-04T17:00:00+07:00", T_DEC04_17H_VN},
        {"no zone reads UTC+7", "2025-12-04T17:00:00", T_DEC04_17H_VN},
        {"no seconds", "2025-12-04T17:00+07:00", T_DEC04_17H_VN},
        {"no seconds, no zone", "2025-12-04T17:00", T_DEC04_17H_VN},
        {"offset without colon", "2025-12-04T17:00:00+0700", T_DEC04_17H_VN},
        {"negative offset", "2025-12-04T05:00:00-05:00", T_DEC04_17H_VN},
        {"negative offset without colon", "2025-12-04T05:00:00-0500", T_DEC04_17H_VN},
        {"half-hour offset", "2025-12-04T15:30:00+05:30", T_DEC04_17H_VN},
        {"minus zero", "2025-12-04T10:00:00-00:00", T_DEC04_17H_VN},
        {"largest offset", "2025-12-05T09:59:00+23:59", T_DEC04_17H_VN},
        {"fraction dropped", "2025-12-04T10:00:00.999Z", T_DEC04_17H_VN},
        {"nine fraction digits", "2025-12-04T17:00:00.123456789", T_DEC04_17H_VN},
        {"one second before", "2025-12-04T09:59:59Z", T_DEC04_17H_VN - 1},
        {"Vietnam midnight", "2025-12-04T00:00:00", T_DEC04_17H_VN - 17 * 3600},
        {"last second of a Vietnam day", "2025-12-04T23:59:59", T_DEC04_17H_VN + 6 * 3600 + 3599},
        {"leap day", "2024-02-29T12:00:00Z", 1709208000},
        {"epoch", "1970-01-01T00:00:00Z", 0},
        {"Vietnam's 1970 starts before the epoch", "1970-01-01T00:00:00", -25200},
        {"last second", "9999-12-31T23:59:59Z", 253402300799},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_time got = -1;
        CHECK_INT(cases[i].name, td_time_parse(cases[i].text, &got), TD_OK);
        CHECK_INT(cases[i].name, got, cases[i].want);
    }
}

static void test_time_parse_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
    } cases[] = {
        {"NULL", NULL},
        {"empty", ""},
        {"date only", "2025-12-04"},
        {"T only", "2025-12-04T"},
        {"hour only", "2025-12-04T10"},
        {"hour 24", "2025-12-04T24:00:00Z"},
        {"minute 60", "2025-12-04T23:60:00Z"},
        {"leap second", "2025-12-04T23:59:60Z"},
        {"one-digit hour", "2025-12-04T1:00:00Z"},
        {"one-digit minute", "2025-12-04T10:0:00Z"},
        {"one-digit second", "2025-12-04T10:00:0Z"},
        {"space for T", "2025-12-04 10:00:00Z"},
        {"lower-case t", "2025-12-04t10:00:00Z"},
        {"lower-case z", "2025-12-04T10:00:00z"},
        {"junk after Z", "2025-12-04T10:00:00Zx"},
        {"junk after offset", "2025-12-04T10:00:00+07:00x"},
        {"junk without zone", "2025-12-04T10:00:00 "},
        {"offset with seconds", "2025-12-04T10:00:00+07:00:00"},
        {"one-digit offset hour", "2025-12-04T10:00:00+7:00"},
        {"offset hour only", "2025-12-04T10:00:00+07"},
        {"short offset minute", "2025-12-04T10:00:00+07:0"},
        {"offset hour 24", "2025-12-04T10:00:00+24:00"},
        {"offset minute 60", "2025-12-04T10:00:00+07:60"},
        {"empty fraction", "2025-12-04T10:00:00.Z"},
        {"fraction of a minute", "2025-12-04T10:00.5Z"},
        {"ten fraction digits", "2025-12-04T10:00:00.1234567890Z"},
        {"no leap day", "2025-02-29T10:00:00Z"},
        {"before 1970", "1969-12-31T23:59:59Z"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_time got = 777;
        CHECK_INT(cases[i].name, td_time_parse(cases[i].text, &got), TD_EINVAL);
        CHECK_INT(cases[i].name, got, 777);
    }
}

static void test_time_format(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        td_time t;
        const char *want;
    } cases[] = {
        {"epoch", 0, "1970-01-01T07:00:00+07:00"},
        {"report time", T_DEC04_17H_VN, "2025-12-04T17:00:00+07:00"},
        {"Vietnam midnight", T_DEC04_17H_VN - 17 * 3600, "2025-12-04T00:00:00+07:00"},
        {"second before Vietnam midnight", T_DEC04_17H_VN - 17 * 3600 - 1,
         "2025-12-03T23:59:59+07:00"},
        {"before the epoch", -25201, "1969-12-31T23:59:59+07:00"},
        {"last second", 253402300799 - 25200, "9999-12-31T23:59:59+07:00"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char buf[26];
        td_time_format(cases[i].t, buf);
        CHECK_STR(cases[i].name, buf, cases[i].want);
    }
}

/* format then parse gives the instant back, across the whole range. */
static void test_time_round_trip(void **state)
{
    (void)state;
    const td_time first = -25200, last = 253402300799 - 25200, step = 2534023; /* ~100000 */
    char buf[26];
    for (td_time t = first; t <= last; t += step) {
        td_time back = 0;
        td_time_format(t, buf);
        if (td_time_parse(buf, &back) != TD_OK || back != t)
            fail_msg("%lld formats as %s, parses as %lld", (long long)t, buf, (long long)back);
    }
}

static void test_when_parse(void **state)
{
    (void)state;
    const td_time end_dec04 = T_DEC04_17H_VN + 6 * 3600 + 3599; /* 2025-12-04T23:59:59+07:00 */
    static const struct {
        const char *name, *text;
        td_err err;
        td_time want;
    } cases[] = {
        {"a date is the end of its Vietnam day", "2025-12-04", TD_OK,
         T_DEC04_17H_VN + 6 * 3600 + 3599},
        {"the first date", "1970-01-02", TD_OK, 2 * 86400 - 1 - 25200},
        {"a date-time as td_time_parse reads it", "2025-12-04T17:00", TD_OK, T_DEC04_17H_VN},
        {"a date-time with a zone", "2025-12-04T10:00:00Z", TD_OK, T_DEC04_17H_VN},
        {"no such date", "2025-02-29", TD_EINVAL, 0},
        {"TD_NODAY's date", "1970-01-01", TD_EINVAL, 0},
        {"a word", "today", TD_EINVAL, 0},
        {"empty", "", TD_EINVAL, 0},
        {"NULL", NULL, TD_EINVAL, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_time got = 0;
        CHECK_INT(cases[i].name, td_when_parse(cases[i].text, &got), cases[i].err);
        CHECK_INT(cases[i].name, got, cases[i].want);
    }
    CHECK_INT("end of day is on that day", td_time_day(end_dec04), DEC04);
    CHECK_INT("a second later is the next day", td_time_day(end_dec04 + 1), DEC04 + 1);
}

static void test_time_day(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        td_time t;
        td_day want;
    } cases[] = {
        {"16:59:59Z is still the Vietnam day", T_DEC04_17H_VN - 17 * 3600 - 1, DEC03},
        {"17:00:00Z starts the next Vietnam day", T_DEC04_17H_VN - 17 * 3600, DEC04},
        {"epoch is 07:00 on 1970-01-01", 0, 0},
        {"Vietnam's first second of 1970", -25200, 0},
        {"the second before it", -25201, -1},
        {"a day earlier", -86400 - 25200, -1},
        {"and the second before", -86400 - 25201, -2},
        {"the last second", 253402300799 - 25200, TD_DAY_MAX},
        {"clamped high", INT64_MAX, INT32_MAX},
        {"clamped low", INT64_MIN, INT32_MIN},
    };
    for (size_t i = 0; i < N(cases); i++)
        CHECK_INT(cases[i].name, td_time_day(cases[i].t), cases[i].want);
    td_time t;
    assert_int_equal(td_time_parse("2025-12-03T16:59:59Z", &t), TD_OK);
    CHECK_INT("parsed 16:59:59Z", td_time_day(t), DEC03);
    assert_int_equal(td_time_parse("2025-12-03T17:00:00Z", &t), TD_OK);
    CHECK_INT("parsed 17:00:00Z", td_time_day(t), DEC04);
}

static void test_task_counts(void **state)
{
    (void)state;
    td_task t = {.assigned_on = DEC04, .deadline = DEC09};
    CHECK_INT("the day before assignment", td_task_counts(&t, DEC04 - 1), false);
    CHECK_INT("the day of assignment", td_task_counts(&t, DEC04), true);
    CHECK_INT("the day after", td_task_counts(&t, DEC04 + 1), true);
}

static void test_task_classify(void **state)
{
    (void)state;
    enum { UNREPORTED = 0 };
    const td_day D = DEC04;
    const struct {
        const char *name;
        td_day deadline;
        int state; /* UNREPORTED: no status */
        td_day completed_on;
        td_day today;
        td_class want;
        int days_overdue;
        bool on_time;
    } cases[] = {
        {"regular, unreported", TD_NODAY, UNREPORTED, 0, D, TD_CLASS_REGULAR, 0, false},
        {"regular, in progress", TD_NODAY, TD_STATE_IN_PROGRESS, 0, D, TD_CLASS_REGULAR, 0, false},
        {"regular, done", TD_NODAY, TD_STATE_DONE, D, D + 9, TD_CLASS_REGULAR, 0, false},
        {"unreported, deadline-1", D, UNREPORTED, 0, D - 1, TD_CLASS_ON_SCHEDULE, 0, false},
        {"unreported, deadline", D, UNREPORTED, 0, D, TD_CLASS_ON_SCHEDULE, 0, false},
        {"unreported, deadline+1", D, UNREPORTED, 0, D + 1, TD_CLASS_OVERDUE, 1, false},
        {"not started, deadline", D, TD_STATE_NOT_STARTED, 0, D, TD_CLASS_ON_SCHEDULE, 0, false},
        {"not started, deadline+30", D, TD_STATE_NOT_STARTED, 0, D + 30, TD_CLASS_OVERDUE, 30,
         false},
        {"in progress, deadline-1", D, TD_STATE_IN_PROGRESS, 0, D - 1, TD_CLASS_ON_SCHEDULE, 0,
         false},
        {"in progress, deadline", D, TD_STATE_IN_PROGRESS, 0, D, TD_CLASS_ON_SCHEDULE, 0, false},
        {"in progress, deadline+1", D, TD_STATE_IN_PROGRESS, 0, D + 1, TD_CLASS_OVERDUE, 1, false},
        {"done before the deadline", D, TD_STATE_DONE, D - 1, D - 1, TD_CLASS_COMPLETED, 0, true},
        {"done on the deadline", D, TD_STATE_DONE, D, D, TD_CLASS_COMPLETED, 0, true},
        {"done on the deadline, seen later", D, TD_STATE_DONE, D, D + 1, TD_CLASS_COMPLETED, 0,
         true},
        {"done the day after the deadline", D, TD_STATE_DONE, D + 1, D + 1, TD_CLASS_COMPLETED, 0,
         false},
        {"done late, seen much later", D, TD_STATE_DONE, D + 5, D + 10, TD_CLASS_COMPLETED, 0,
         false},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_task t = {.deadline = cases[i].deadline, .assigned_on = D - 60};
        td_task_status s = {.state = cases[i].state, .completed_on = cases[i].completed_on};
        const td_task_status *sp = cases[i].state == UNREPORTED ? NULL : &s;
        int days = -1;
        bool on_time = !cases[i].on_time;
        td_class got = td_task_classify(&t, sp, cases[i].today, &days, &on_time);
        CHECK_STR(cases[i].name, td_class_name(got), td_class_name(cases[i].want));
        CHECK_INT(cases[i].name, days, cases[i].days_overdue);
        CHECK_INT(cases[i].name, on_time, cases[i].on_time);
        CHECK_INT(cases[i].name, td_task_classify(&t, sp, cases[i].today, NULL, NULL), got);
    }
}

static void test_task_status_check(void **state)
{
    (void)state;
    enum { IP = TD_STATE_IN_PROGRESS, DONE = TD_STATE_DONE, NS = TD_STATE_NOT_STARTED };
    static const struct {
        const char *name, *id;
        int state, progress;
        td_day completed_on;
        const char *note;
        const char *as_of;
        const char *want; /* NULL: valid */
    } cases[] = {
        {"in progress", "T1", IP, 40, 0, "on track", "2025-12-04T17:00", NULL},
        {"not started, no note", "T1", NS, 0, 0, NULL, "2025-12-04T17:00", NULL},
        {"progress 0", "T1", IP, 0, 0, NULL, "2025-12-04T17:00", NULL},
        {"progress 100", "T1", IP, 100, 0, NULL, "2025-12-04T17:00", NULL},
        {"progress -1", "T1", IP, -1, 0, NULL, "2025-12-04T17:00",
         "progress -1 is out of range 0..100"},
        {"progress 101", "T1", IP, 101, 0, NULL, "2025-12-04T17:00",
         "progress 101 is out of range 0..100"},
        {"progress 120", "T1", DONE, 120, DEC04, NULL, "2025-12-04T17:00",
         "progress 120 is out of range 0..100"},
        {"state 0", "T1", 0, 0, 0, NULL, "2025-12-04T17:00", "state 0 is not valid"},
        {"state 4", "T1", 4, 0, 0, NULL, "2025-12-04T17:00", "state 4 is not valid"},
        {"state 7", "T1", 7, 0, 0, NULL, "2025-12-04T17:00", "state 7 is not valid"},
        {"empty id", "", IP, 0, 0, NULL, "2025-12-04T17:00", "id is empty"},
        {"id with a space", "T 1", IP, 0, 0, NULL, "2025-12-04T17:00",
         "id \"T 1\" is not valid: 1..64 of A-Z a-z 0-9 . _ -"},
        {"done on the report's date", "T1", DONE, 100, DEC04, NULL, "2025-12-04T17:00", NULL},
        {"done at the first second of the report's day", "T1", DONE, 100, DEC04, NULL,
         "2025-12-03T17:00:00Z", NULL},
        {"done the day after the report's day", "T1", DONE, 100, DEC04, NULL,
         "2025-12-03T16:59:59Z", "completed_on 2025-12-04 is after the report's date 2025-12-03"},
        {"done in the future", "T1", DONE, 100, DEC09, NULL, "2025-12-04T17:00",
         "completed_on 2025-12-09 is after the report's date 2025-12-04"},
        {"done without a date", "T1", DONE, 100, 0, NULL, "2025-12-04T17:00",
         "completed_on is required when state is done"},
        {"done on an impossible day", "T1", DONE, 100, -5, NULL, "2025-12-04T17:00",
         "completed_on -5 is not a date from 1970-01-02 to 9999-12-31"},
        {"in progress with a date", "T1", IP, 90, DEC01, NULL, "2025-12-04T17:00",
         "completed_on 2025-12-01 is given but state is in_progress"},
        {"not started with a date", "T1", NS, 0, DEC01, NULL, "2025-12-04T17:00",
         "completed_on 2025-12-01 is given but state is not_started"},
        {"empty note", "T1", IP, 10, 0, "", "2025-12-04T17:00", NULL},
        {"note in Vietnamese, two lines", "T1", IP, 10, 0, "Đã họp\n\tlần 2", "2025-12-04T17:00",
         NULL},
        {"note with a bell", "T1", IP, 10, 0, "ok\a", "2025-12-04T17:00",
         "note holds control character U+0007 at byte 2"},
        {"note with a carriage return", "T1", IP, 10, 0, "a\r\nb", "2025-12-04T17:00",
         "note holds control character U+000D at byte 1"},
        {"note in Latin-1", "T1", IP, 10, 0, "Đ\xE3", "2025-12-04T17:00",
         "note is not valid UTF-8 at byte 2"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_task_status s = {.state = cases[i].state,
                            .progress = cases[i].progress,
                            .completed_on = cases[i].completed_on,
                            .note = (char *)cases[i].note};
        snprintf(s.id, sizeof s.id, "%s", cases[i].id);
        td_time as_of;
        td_errmsg why = {""};
        assert_int_equal(td_time_parse(cases[i].as_of, &as_of), TD_OK);
        s_check_result(cases[i].name, td_task_status_check(&s, as_of, &why), &why, cases[i].want);
    }
}

/* Checks a status that differs from a valid one only by its note and evidence. */
static void s_check_status_texts(const char *name, char *note, char **evidence, size_t n,
                                 const char *want)
{
    td_task_status s = {.id = "T1", .state = TD_STATE_IN_PROGRESS, .progress = 5};
    s.note = note;
    s.evidence = evidence;
    s.n_evidence = n;
    td_errmsg why = {""};
    s_check_result(name, td_task_status_check(&s, T_DEC04_17H_VN, &why), &why, want);
}

static void test_task_status_check_sizes(void **state)
{
    (void)state;
    char *note = malloc(TD_TEXT_MAX + 2);
    char *item = malloc(TD_EVIDENCE_TEXT_MAX + 2);
    char *items[TD_EVIDENCE_MAX + 1];
    assert_non_null(note);
    assert_non_null(item);
    memset(note, 'a', TD_TEXT_MAX + 1);
    note[TD_TEXT_MAX] = '\0';
    s_check_status_texts("note of 4096 bytes", note, NULL, 0, NULL);
    note[TD_TEXT_MAX] = 'a';
    note[TD_TEXT_MAX + 1] = '\0';
    s_check_status_texts("note of 4097 bytes", note, NULL, 0, "note is longer than 4096 bytes");
    memcpy(note + TD_TEXT_MAX - 1, "\xC3\xA9", 3); /* an é across the limit */
    s_check_status_texts("é across the limit", note, NULL, 0, "note is longer than 4096 bytes");

    memset(item, 'e', TD_EVIDENCE_TEXT_MAX + 1);
    item[TD_EVIDENCE_TEXT_MAX] = '\0';
    for (size_t i = 0; i < N(items); i++)
        items[i] = item;
    s_check_status_texts("32 evidence items of 512 bytes", NULL, items, TD_EVIDENCE_MAX, NULL);
    s_check_status_texts("33 evidence items", NULL, items, TD_EVIDENCE_MAX + 1,
                         "evidence has 33 items, more than 32");
    item[TD_EVIDENCE_TEXT_MAX] = 'e';
    item[TD_EVIDENCE_TEXT_MAX + 1] = '\0';
    s_check_status_texts("evidence of 513 bytes", NULL, items, 1,
                         "evidence[0] is longer than 512 bytes");
    items[0] = "QĐ 12/2025";
    items[1] = "";
    s_check_status_texts("empty evidence", NULL, items, 2, "evidence[1] is empty");
    items[1] = "scan\x1b[2J";
    s_check_status_texts("evidence with an escape", NULL, items, 2,
                         "evidence[1] holds control character U+001B at byte 4");
    free(note);
    free(item);
}

static void test_text_valid(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
        size_t max;
        bool want;
    } cases[] = {
        {"NULL", NULL, 10, false},
        {"empty", "", 10, true},
        {"at the limit", "abc", 3, true},
        {"one over", "abcd", 3, false},
        {"two-byte character at the limit", "\xC3\xA9", 2, true},
        {"two-byte character across the limit", "\xC3\xA9", 1, false},
        {"Vietnamese", "Bộ Tài chính", 64, true},
        {"tab and newline", "a\tb\nc", 10, true},
        {"carriage return", "a\rb", 10, false},
        {"bell", "\a", 10, false},
        {"escape", "\x1b[31m", 10, false},
        {"DEL", "\x7f", 10, false},
        {"C1 U+0080", "\xC2\x80", 10, false},
        {"C1 U+009F", "\xC2\x9F", 10, false},
        {"U+00A0 after C1", "\xC2\xA0", 10, true},
        {"overlong slash C0", "\xC0\xAF", 10, false},
        {"overlong C1 lead", "\xC1\xBF", 10, false},
        {"overlong three bytes", "\xE0\x80\xAF", 10, false},
        {"overlong three bytes, high", "\xE0\x9F\xBF", 10, false},
        {"smallest three bytes U+0800", "\xE0\xA0\x80", 10, true},
        {"overlong four bytes", "\xF0\x80\x80\xAF", 10, false},
        {"overlong four bytes, high", "\xF0\x8F\xBF\xBF", 10, false},
        {"smallest four bytes U+10000", "\xF0\x90\x80\x80", 10, true},
        {"U+D7FF below the surrogates", "\xED\x9F\xBF", 10, true},
        {"high surrogate U+D800", "\xED\xA0\x80", 10, false},
        {"low surrogate U+DFFF", "\xED\xBF\xBF", 10, false},
        {"U+E000 above the surrogates", "\xEE\x80\x80", 10, true},
        {"U+10FFFF", "\xF4\x8F\xBF\xBF", 10, true},
        {"U+110000", "\xF4\x90\x80\x80", 10, false},
        {"F5 lead", "\xF5\x80\x80\x80", 10, false},
        {"FE", "\xFE", 10, false},
        {"FF", "\xFF", 10, false},
        {"lone continuation", "\x80", 10, false},
        {"truncated two bytes", "\xC3", 10, false},
        {"truncated three bytes", "\xE1\x80", 10, false},
        {"truncated four bytes", "\xF0\x9F\x98", 10, false},
        {"emoji", "\xF0\x9F\x98\x80", 10, true},
        {"ASCII for a continuation", "\xE1\x80\x41", 10, false},
        {"second continuation missing", "\xF0\x9F\x41\x80", 10, false},
    };
    for (size_t i = 0; i < N(cases); i++)
        CHECK_INT(cases[i].name, td_text_valid(cases[i].text, cases[i].max), cases[i].want);
}

static void test_identifiers(void **state)
{
    (void)state;
    char c32[33], c33[34], i64[65], i65[66];
    memset(c32, 'C', 32), c32[32] = '\0';
    memset(c33, 'C', 33), c33[33] = '\0';
    memset(i64, 'i', 64), i64[64] = '\0';
    memset(i65, 'i', 65), i65[65] = '\0';
    const struct {
        const char *name, *text;
        bool code, id;
    } cases[] = {
        {"NULL", NULL, false, false},
        {"empty", "", false, false},
        {"one letter", "M", true, true},
        {"every punctuation allowed", "a.b_c-D9", true, true},
        {"space", "a b", false, false},
        {"slash", "a/b", false, false},
        {"non-ASCII letter", "\xC3\xBC", false, false},
        {"32 bytes", c32, true, true},
        {"33 bytes", c33, false, true},
        {"64 bytes", i64, false, true},
        {"65 bytes", i65, false, false},
    };
    for (size_t i = 0; i < N(cases); i++) {
        CHECK_INT(cases[i].name, td_code_valid(cases[i].text), cases[i].code);
        CHECK_INT(cases[i].name, td_id_valid(cases[i].text), cases[i].id);
    }
}

static void test_agency_check(void **state)
{
    (void)state;
    enum { MIN = TD_KIND_MINISTRY, PROV = TD_KIND_PROVINCE, COM = TD_KIND_COMMUNE };
    enum { GOV = TD_BLOCK_GOVERNMENT };
    static const struct {
        const char *name, *code, *aname;
        int kind;
        const char *parent;
        int block;
        const char *want;
    } cases[] = {
        {"ministry", "MOF", "Bộ Tài chính", MIN, "", GOV, NULL},
        {"commune", "HN.BD-01", "Phường Ba Đình", COM, "HN", GOV, NULL},
        {"party body", "BTC-TW", "Ban Tổ chức", TD_KIND_AGENCY, "", TD_BLOCK_PARTY, NULL},
        {"empty code", "", "x", MIN, "", GOV, "code is empty"},
        {"code with a space", "MO F", "x", MIN, "", GOV,
         "code \"MO F\" is not valid: 1..32 of A-Z a-z 0-9 . _ -"},
        {"code with a newline is shown escaped", "M\nF", "x", MIN, "", GOV,
         "code \"M\\x0AF\" is not valid: 1..32 of A-Z a-z 0-9 . _ -"},
        {"no name", "MOF", NULL, MIN, "", GOV, "name is empty"},
        {"empty name", "MOF", "", MIN, "", GOV, "name is empty"},
        {"name with a control character", "MOF", "\x01x", MIN, "", GOV,
         "name holds control character U+0001 at byte 0"},
        {"kind 0", "MOF", "x", 0, "", GOV, "kind 0 is not valid"},
        {"kind 5", "MOF", "x", 5, "", GOV, "kind 5 is not valid"},
        {"commune without a parent", "HN.BD", "x", COM, "", GOV,
         "parent is required for a commune (its province)"},
        {"commune with a bad parent", "HN.BD", "x", COM, "H N", GOV,
         "parent \"H N\" is not valid: 1..32 of A-Z a-z 0-9 . _ -"},
        {"province with a parent", "HN", "x", PROV, "VN", GOV,
         "parent \"VN\" must be empty for a province"},
        {"block 0", "MOF", "x", MIN, "", 0, "block 0 is not valid"},
        {"block 5", "MOF", "x", MIN, "", 5, "block 5 is not valid"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_agency a = {
            .name = (char *)cases[i].aname, .kind = cases[i].kind, .block = cases[i].block};
        snprintf(a.code, sizeof a.code, "%s", cases[i].code);
        snprintf(a.parent, sizeof a.parent, "%s", cases[i].parent);
        td_errmsg why = {""};
        s_check_result(cases[i].name, td_agency_check(&a, &why), &why, cases[i].want);
    }
}

static void test_task_check(void **state)
{
    (void)state;
    enum { NORMAL = TD_DIFF_NORMAL, HARD = TD_DIFF_HARD };
    static const struct {
        const char *name, *id, *title, *source, *lead;
        td_day deadline, assigned_on;
        const char *group;
        int difficulty;
        const char *want;
    } cases[] = {
        {"task", "NQ71-01", "Số hóa hồ sơ", "71/NQ-CP", "MOF", DEC09, DEC01, "CĐS", NORMAL, NULL},
        {"regular task", "T2", "Báo cáo tuần", "71/NQ-CP", "MOF", TD_NODAY, DEC01, "", HARD, NULL},
        {"no group", "T3", "x", "s", "MOF", DEC09, DEC01, NULL, NORMAL, NULL},
        {"last day deadline", "T4", "x", "s", "MOF", TD_DAY_MAX, DEC01, NULL, NORMAL, NULL},
        {"empty id", "", "x", "s", "MOF", DEC09, DEC01, "", NORMAL, "id is empty"},
        {"id with a slash", "71/01", "x", "s", "MOF", DEC09, DEC01, "", NORMAL,
         "id \"71/01\" is not valid: 1..64 of A-Z a-z 0-9 . _ -"},
        {"no title", "T1", NULL, "s", "MOF", DEC09, DEC01, "", NORMAL, "title is empty"},
        {"no source", "T1", "x", "", "MOF", DEC09, DEC01, "", NORMAL, "source is empty"},
        {"no lead", "T1", "x", "s", "", DEC09, DEC01, "", NORMAL, "lead is empty"},
        {"lead with a space", "T1", "x", "s", "M F", DEC09, DEC01, "", NORMAL,
         "lead \"M F\" is not valid: 1..32 of A-Z a-z 0-9 . _ -"},
        {"negative deadline", "T1", "x", "s", "MOF", -3, DEC01, "", NORMAL,
         "deadline -3 is not a date from 1970-01-02 to 9999-12-31"},
        {"deadline past 9999", "T1", "x", "s", "MOF", TD_DAY_MAX + 1, DEC01, "", NORMAL,
         "deadline 2932897 is not a date from 1970-01-02 to 9999-12-31"},
        {"no assigned_on", "T1", "x", "s", "MOF", DEC09, TD_NODAY, "", NORMAL,
         "assigned_on is missing"},
        {"group in Latin-1", "T1", "x", "s", "MOF", DEC09, DEC01, "C\xD0S", NORMAL,
         "group is not valid UTF-8 at byte 1"},
        {"difficulty 0", "T1", "x", "s", "MOF", DEC09, DEC01, "", 0, "difficulty 0 is not valid"},
        {"difficulty 3", "T1", "x", "s", "MOF", DEC09, DEC01, "", 3, "difficulty 3 is not valid"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_task t = {.title = (char *)cases[i].title,
                     .source = (char *)cases[i].source,
                     .deadline = cases[i].deadline,
                     .assigned_on = cases[i].assigned_on,
                     .group = (char *)cases[i].group,
                     .difficulty = cases[i].difficulty};
        snprintf(t.id, sizeof t.id, "%s", cases[i].id);
        snprintf(t.lead, sizeof t.lead, "%s", cases[i].lead);
        td_errmsg why = {""};
        s_check_result(cases[i].name, td_task_check(&t, &why), &why, cases[i].want);
    }
}

static void test_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *(*to_name)(int);
        td_err (*parse)(const char *, int *);
        const char *(*choices)(void);
        int n;
        const char *sample; /* the name of the last value */
    } tables[] = {
        {"kind", td_kind_name, td_kind_parse, td_kind_choices, 4, "commune"},
        {"block", td_block_name, td_block_parse, td_block_choices, 4, "fatherland_front"},
        {"state", td_state_name, td_state_parse, td_state_choices, 3, "done"},
        {"difficulty", td_difficulty_name, td_difficulty_parse, td_difficulty_choices, 2, "hard"},
        {"class", td_class_name, td_class_parse, td_class_choices, 4, "on_schedule"},
        {"stage", td_stage_name, td_stage_parse, td_stage_choices, 3, "foundation_centralized"},
        {"category", td_category_name, td_category_parse, td_category_choices, 7, "other"},
        {"obstacle state", td_obstacle_state_name, td_obstacle_state_parse,
         td_obstacle_state_choices, 2, "resolved"},
    };
    for (size_t i = 0; i < N(tables); i++) {
        char joined[128] = "";
        for (int v = 1; v <= tables[i].n; v++) {
            int back = 0;
            const char *name = tables[i].to_name(v);
            assert_non_null(name);
            CHECK_INT(tables[i].name, tables[i].parse(name, &back), TD_OK);
            CHECK_INT(tables[i].name, back, v);
            strcat(strcat(joined, v > 1 ? "|" : ""), name);
        }
        int out = 99;
        CHECK_STR(tables[i].name, tables[i].choices(), joined);
        CHECK_STR(tables[i].name, tables[i].to_name(tables[i].n), tables[i].sample);
        assert_null(tables[i].to_name(0));
        assert_null(tables[i].to_name(tables[i].n + 1));
        CHECK_INT(tables[i].name, tables[i].parse(NULL, &out), TD_EINVAL);
        CHECK_INT(tables[i].name, tables[i].parse("", &out), TD_EINVAL);
        CHECK_INT(tables[i].name, tables[i].parse("DONE", &out), TD_EINVAL);
        CHECK_INT(tables[i].name, tables[i].parse("finished", &out), TD_EINVAL);
        CHECK_INT(tables[i].name, out, 99);
    }
    CHECK_STR("in_progress", td_state_name(TD_STATE_IN_PROGRESS), "in_progress");
    CHECK_STR("national_assembly", td_block_name(TD_BLOCK_NATIONAL_ASSEMBLY), "national_assembly");
    CHECK_STR("province", td_kind_name(TD_KIND_PROVINCE), "province");
    CHECK_STR("overdue", td_class_name(TD_CLASS_OVERDUE), "overdue");
    CHECK_STR("deploying", td_stage_name(TD_STAGE_DEPLOYING), "deploying");
    CHECK_STR("online_services", td_category_name(TD_OBST_ONLINE_SERVICES), "online_services");
    CHECK_STR("staffing", td_category_name(TD_OBST_STAFFING), "staffing");
    CHECK_STR("open", td_obstacle_state_name(TD_OBST_OPEN), "open");
}

static void test_err(void **state)
{
    (void)state;
    for (int e = TD_OK; e <= TD_ETIMEDOUT; e++) {
        for (int f = TD_OK; f < e; f++)
            assert_string_not_equal(td_strerror(e), td_strerror(f));
    }
    CHECK_STR("unknown code", td_strerror((td_err)999), "unknown error");
    td_errmsg why = {"untouched"};
    CHECK_INT("td_fail returns its code", td_fail(&why, TD_EPERM, "agency %s", "MOF"), TD_EPERM);
    CHECK_STR("td_fail formats", why.text, "agency MOF");
    CHECK_INT("NULL message", td_fail(NULL, TD_EIO, "x"), TD_EIO);
    char long_arg[1000];
    memset(long_arg, 'x', sizeof long_arg - 1), long_arg[sizeof long_arg - 1] = '\0';
    td_fail(&why, TD_EINVAL, "%s", long_arg);
    CHECK_INT("long message is cut", strlen(why.text), sizeof why.text - 1);
}

static void test_errlist(void **state)
{
    (void)state;
    td_errlist *list = td_errlist_new();
    assert_non_null(list);
    CHECK_INT("new list", td_errlist_count(list), 0);
    assert_null(td_errlist_at(list, 0));
    for (int i = 0; i < 1000; i++)
        td_errlist_add(list, "tasks.csv:%d: lead \"MOFF\" is not a registered agency", i + 2);
    CHECK_INT("count", td_errlist_count(list), 1000);
    CHECK_STR("first", td_errlist_at(list, 0),
              "tasks.csv:2: lead \"MOFF\" is not a registered agency");
    CHECK_STR("last", td_errlist_at(list, 999),
              "tasks.csv:1001: lead \"MOFF\" is not a registered agency");
    assert_null(td_errlist_at(list, 1000));
    td_errlist_destroy(&list);
    assert_null(list);
    td_errlist_destroy(&list);
    td_errlist_destroy(NULL);
    CHECK_INT("NULL list", td_errlist_count(NULL), 0);
}

static void test_status_copy_equal(void **state)
{
    (void)state;
    char *evidence[] = {"QĐ 12/2025", "https://example.vn/a.pdf"};
    td_task_status src = {.id = "T1",
                          .state = TD_STATE_DONE,
                          .progress = 100,
                          .completed_on = DEC04,
                          .note = "xong",
                          .evidence = evidence,
                          .n_evidence = 2};
    td_task_status dst;
    assert_int_equal(td_task_status_copy(&dst, &src), TD_OK);
    assert_true(td_task_status_equal(&src, &dst));
    assert_ptr_not_equal(dst.note, src.note);
    assert_ptr_not_equal(dst.evidence[0], src.evidence[0]);

    td_task_status other;
    assert_int_equal(td_task_status_copy(&other, &dst), TD_OK);
    other.progress = 99;
    CHECK_INT("progress differs", td_task_status_equal(&src, &other), false);
    other.progress = 100, other.completed_on = DEC03;
    CHECK_INT("completed_on differs", td_task_status_equal(&src, &other), false);
    other.completed_on = DEC04, other.state = TD_STATE_IN_PROGRESS;
    CHECK_INT("state differs", td_task_status_equal(&src, &other), false);
    other.state = TD_STATE_DONE, other.id[1] = '2';
    CHECK_INT("id differs", td_task_status_equal(&src, &other), false);
    other.id[1] = '1', other.evidence[1][0] = 'H';
    CHECK_INT("evidence differs", td_task_status_equal(&src, &other), false);
    other.evidence[1][0] = 'h', other.n_evidence = 1;
    CHECK_INT("evidence count differs", td_task_status_equal(&src, &other), false);
    other.n_evidence = 2;
    CHECK_INT("equal again", td_task_status_equal(&src, &other), true);
    td_task_status_fini(&other);

    td_task_status bare = {.id = "T1", .state = TD_STATE_NOT_STARTED};
    td_task_status bare_copy, empty_note = bare;
    empty_note.note = "";
    assert_int_equal(td_task_status_copy(&bare_copy, &bare), TD_OK);
    assert_null(bare_copy.note);
    assert_null(bare_copy.evidence);
    CHECK_INT("NULL note equals empty note", td_task_status_equal(&bare, &empty_note), true);
    empty_note.note = "x";
    CHECK_INT("NULL note differs from a note", td_task_status_equal(&bare, &empty_note), false);
    td_task_status_fini(&bare_copy);

    td_report report = {.agency = "MOF", .n_tasks = 1};
    report.tasks = malloc(sizeof *report.tasks);
    assert_non_null(report.tasks);
    report.tasks[0] = dst; /* the report takes dst's strings: ASan counts the frees */
    td_report_fini(&report);
    assert_null(report.tasks);
    CHECK_INT("report emptied", report.n_tasks, 0);
    td_report_fini(NULL);
    td_task_status_fini(NULL);
}

static void test_fini(void **state)
{
    (void)state;
    td_agency a = {.code = "MOF", .name = strdup("Bộ Tài chính")};
    td_task t = {.id = "T1", .title = strdup("x"), .source = strdup("s"), .group = strdup("")};
    td_agency_fini(&a);
    td_task_fini(&t);
    assert_null(a.name);
    assert_null(t.title);
    td_agency_fini(&a); /* a second fini is harmless */
    td_task_fini(&t);
    td_agency_fini(NULL);
    td_task_fini(NULL);
}

/* Event patterns: a type, a family (the part before the dot) or "*"; nothing else. */
static void test_event_patterns(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *type;
        bool valid, matches;
    } cases[] = {
        {"task.overdue", "task.overdue", true, true},
        {"task.overdue", "task.completed", true, false},
        {"task", "task.completed", true, true},
        {"task", "agent.late", true, false},
        {"*", "store.near_full", true, true},
        {"agent.silent", "agent.silent", true, true},
        {"tas", "task.overdue", false, false},       /* a prefix that is not a family */
        {"task.", "task.overdue", false, false},     /* nor a family with its dot */
        {"task.late", "task.overdue", false, false}, /* not a type */
        {"", "task.overdue", false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (td_event_pattern_valid(cases[i].pattern) != cases[i].valid)
            fail_msg("\"%s\": valid should be %d", cases[i].pattern, cases[i].valid);
        if (td_event_pattern_matches(cases[i].pattern, cases[i].type) != cases[i].matches)
            fail_msg("\"%s\" on %s: should be %d", cases[i].pattern, cases[i].type,
                     cases[i].matches);
    }
    size_t n = 0;
    while (td_event_types[n])
        assert_non_null(strstr(td_event_type_list(), td_event_types[n++]));
    CHECK_INT("types", n, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_patterns),
        cmocka_unit_test(test_day_parse_valid),
        cmocka_unit_test(test_day_parse_invalid),
        cmocka_unit_test(test_day_leap_years),
        cmocka_unit_test(test_day_walk_every_day),
        cmocka_unit_test(test_day_format_edges),
        cmocka_unit_test(test_time_parse_valid),
        cmocka_unit_test(test_time_parse_invalid),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_time_round_trip),
        cmocka_unit_test(test_when_parse),
        cmocka_unit_test(test_time_day),
        cmocka_unit_test(test_task_counts),
        cmocka_unit_test(test_task_classify),
        cmocka_unit_test(test_task_status_check),
        cmocka_unit_test(test_task_status_check_sizes),
        cmocka_unit_test(test_text_valid),
        cmocka_unit_test(test_identifiers),
        cmocka_unit_test(test_agency_check),
        cmocka_unit_test(test_task_check),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_err),
        cmocka_unit_test(test_errlist),
        cmocka_unit_test(test_status_copy_equal),
        cmocka_unit_test(test_fini),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
