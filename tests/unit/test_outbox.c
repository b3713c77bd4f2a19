/* lib/store/outbox.c: the agent's durable queue: order, dedup of unchanged reports, sequence
 * numbers across reopening, and thinning under a byte budget. Real LMDB environments in
 * temporary directories; tables of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiendo/err.h"
#include "tiendo/outbox.h"

#include "testutil.h"

#define ENTRY_OVERHEAD 8 /* the as_of stored before each body */

typedef struct {
    char *dir;
    td_outbox *ob;
} s_fixture;

static int s_setup(void **state)
{
    s_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tu_mkdtemp();
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture *f = *state;
    td_outbox_destroy(&f->ob);
    tu_rmtree(&f->dir);
    free(f);
    return 0;
}

static void s_open(s_fixture *f, size_t max_bytes)
{
    td_errmsg why = {{0}};
    td_outbox_destroy(&f->ob);
    CHECK_OK("open", td_outbox_open(f->dir, max_bytes, &f->ob, &why), &why);
    assert_non_null(f->ob);
}

/* A body of len bytes that names its tag, so that each one differs and can be recognised. */
static uint8_t *s_body(unsigned tag, size_t len)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    memset(b, 'a' + (int)(tag % 26), len);
    if (len >= 4)
        memcpy(b, &tag, 4);
    return b;
}

/* Pushes body `tag` and returns its seq; fails when it is not queued. */
static uint64_t s_push(s_fixture *f, unsigned tag, size_t len, td_time as_of)
{
    uint8_t *b = s_body(tag, len);
    uint64_t seq = 0;
    bool queued = false;
    td_errmsg why = {{0}};
    CHECK_OK("push", td_outbox_push(f->ob, b, len, as_of, &seq, &queued, &why), &why);
    free(b);
    if (!queued)
        fail_msg("push %u: not queued", tag);
    return seq;
}

typedef struct {
    td_outbox_entry e[64];
    unsigned tag[64];
    size_t n;
    size_t stop_after; /* 0: never */
} s_list;

static bool s_collect(const td_outbox_entry *e, void *arg)
{
    s_list *l = arg;
    assert_true(l->n < N(l->e));
    l->e[l->n] = *e;
    l->e[l->n].body = NULL; /* valid during the call only */
    l->tag[l->n] = 0;
    if (e->len >= 4)
        memcpy(&l->tag[l->n], e->body, 4);
    l->n++;
    return !(l->stop_after && l->n == l->stop_after);
}

static void s_each(s_fixture *f, uint64_t after, size_t max, s_list *l)
{
    size_t stop = l->stop_after;
    memset(l, 0, sizeof *l);
    l->stop_after = stop;
    CHECK_INT("each", td_outbox_each(f->ob, after, max, s_collect, l), TD_OK);
}

/* The queue holds exactly these seqs, in order. */
static void s_expect_seqs(const char *name, s_fixture *f, const uint64_t *want, size_t n)
{
    s_list l = {.n = 0};
    s_each(f, 0, 1000, &l);
    if (l.n != n) {
        char got[512] = "";
        for (size_t i = 0; i < l.n; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), " %llu",
                     (unsigned long long)l.e[i].seq);
        fail_msg("%s: %zu entries (%s), want %zu", name, l.n, got, n);
    }
    for (size_t i = 0; i < n; i++)
        CHECK_INT(name, l.e[i].seq, want[i]);
    CHECK_INT(name, td_outbox_depth(f->ob), n);
}

static void test_push_each_remove(void **state)
{
    s_fixture *f = *state;
    s_open(f, 0);
    CHECK_INT("empty", td_outbox_depth(f->ob), 0);
    CHECK_INT("empty", td_outbox_thinned(f->ob), 0);
    s_list l = {.n = 0};
    s_each(f, 0, 10, &l);
    CHECK_INT("empty", l.n, 0);

    static const struct {
        unsigned tag;
        size_t len;
        td_time as_of;
    } pushes[] = {{1, 100, 1764806400}, {2, 4, 1764806400 + 60}, {3, 3000, 1764806400 - 60}};
    for (size_t i = 0; i < N(pushes); i++)
        CHECK_INT("push", s_push(f, pushes[i].tag, pushes[i].len, pushes[i].as_of), i + 1);
    CHECK_INT("depth", td_outbox_depth(f->ob), 3);

    s_each(f, 0, 10, &l);
    CHECK_INT("all", l.n, 3);
    for (size_t i = 0; i < N(pushes); i++) {
        CHECK_INT("all", l.e[i].seq, i + 1);
        CHECK_INT("all", l.e[i].as_of, pushes[i].as_of);
        CHECK_INT("all", l.e[i].len, pushes[i].len);
        CHECK_INT("all", l.tag[i], pushes[i].tag);
    }

    static const struct {
        const char *name;
        uint64_t after;
        size_t max, stop_after;
        uint64_t want[3];
        size_t n;
    } cases[] = {
        {"after 1", 1, 10, 0, {2, 3}, 2},        {"after the last", 3, 10, 0, {0}, 0},
        {"after beyond", 1000, 10, 0, {0}, 0},   {"max 1", 0, 1, 0, {1}, 1},
        {"max 2 after 1", 1, 2, 0, {2, 3}, 2},   {"max 0", 0, 0, 0, {0}, 0},
        {"callback stops", 0, 10, 2, {1, 2}, 2},
    };
    for (size_t i = 0; i < N(cases); i++) {
        l.stop_after = cases[i].stop_after;
        s_each(f, cases[i].after, cases[i].max, &l);
        CHECK_INT(cases[i].name, l.n, cases[i].n);
        for (size_t j = 0; j < l.n; j++)
            CHECK_INT(cases[i].name, l.e[j].seq, cases[i].want[j]);
    }

    CHECK_INT("remove", td_outbox_remove(f->ob, 2), TD_OK);
    s_expect_seqs("removed 2", f, (const uint64_t[]){1, 3}, 2);
    CHECK_INT("remove again", td_outbox_remove(f->ob, 2), TD_OK);
    CHECK_INT("remove unknown", td_outbox_remove(f->ob, 99), TD_OK);
    s_expect_seqs("removed again", f, (const uint64_t[]){1, 3}, 2);
    l.stop_after = 0;
    s_each(f, 1, 10, &l);
    CHECK_INT("after 1 skips the hole", l.n, 1);
    CHECK_INT("after 1 skips the hole", l.e[0].seq, 3);
    CHECK_INT("remove", td_outbox_remove(f->ob, 1), TD_OK);
    CHECK_INT("remove", td_outbox_remove(f->ob, 3), TD_OK);
    s_expect_seqs("all removed", f, NULL, 0);
    CHECK_INT("seq continues", s_push(f, 4, 10, 1764806400), 4);
}

/* "seq > after" holds at the top of the range too. */
static void test_each_after_max(void **state)
{
    s_fixture *f = *state;
    s_open(f, 0);
    s_push(f, 1, 10, 1764806400);
    s_list l = {.n = 0};
    s_each(f, UINT64_MAX, 10, &l);
    CHECK_INT("after UINT64_MAX", l.n, 0);
}

static void test_unchanged_body_not_queued(void **state)
{
    s_fixture *f = *state;
    s_open(f, 0);
    static const struct {
        const char *name;
        unsigned tag;
        size_t len;
        bool queued;
        uint64_t seq; /* when queued */
    } steps[] = {
        {"first", 1, 50, true, 1},
        {"same again", 1, 50, false, 0},
        {"same again, other as_of", 1, 50, false, 0},
        {"different body", 2, 50, true, 2},
        {"the first again: not the last queued", 1, 50, true, 3},
        {"same bytes, shorter", 1, 49, true, 4},
        {"empty body", 0, 0, true, 5},
        {"empty again", 0, 0, false, 0},
    };
    for (size_t i = 0; i < N(steps); i++) {
        uint8_t *b = s_body(steps[i].tag, steps[i].len ? steps[i].len : 1);
        uint64_t seq = 777;
        bool queued = !steps[i].queued;
        td_errmsg why = {{0}};
        CHECK_OK(
            steps[i].name,
            td_outbox_push(f->ob, b, steps[i].len, 1764806400 + (td_time)i, &seq, &queued, &why),
            &why);
        free(b);
        CHECK_INT(steps[i].name, queued, steps[i].queued);
        CHECK_INT(steps[i].name, seq, steps[i].queued ? steps[i].seq : 777);
    }
    CHECK_INT("depth", td_outbox_depth(f->ob), 5);
    /* Delivery does not forget the last body: an unchanged status is still not queued. */
    for (uint64_t s = 1; s <= 5; s++)
        CHECK_INT("remove", td_outbox_remove(f->ob, s), TD_OK);
    uint64_t seq = 777;
    bool queued = true;
    td_errmsg why = {{0}};
    uint8_t empty = 0;
    CHECK_OK("after delivery", td_outbox_push(f->ob, &empty, 0, 1, &seq, &queued, &why), &why);
    CHECK_INT("after delivery", queued, false);
    CHECK_INT("after delivery", td_outbox_depth(f->ob), 0);
}

static void test_reopen(void **state)
{
    s_fixture *f = *state;
    s_open(f, 0);
    for (unsigned i = 1; i <= 3; i++)
        s_push(f, i, 20, 1764806400 + i);
    CHECK_INT("remove", td_outbox_remove(f->ob, 1), TD_OK);
    td_outbox_destroy(&f->ob);
    assert_null(f->ob);
    td_outbox_destroy(&f->ob);
    td_outbox_destroy(NULL);

    s_open(f, 0);
    s_expect_seqs("reopened", f, (const uint64_t[]){2, 3}, 2);
    s_list l = {.n = 0};
    s_each(f, 0, 10, &l);
    CHECK_INT("bodies kept", l.tag[0], 2);
    CHECK_INT("bodies kept", l.tag[1], 3);
    CHECK_INT("bodies kept", l.e[1].as_of, 1764806400 + 3);
    CHECK_INT("bodies kept", l.e[1].len, 20);

    uint8_t *b = s_body(3, 20);
    uint64_t seq = 0;
    bool queued = true;
    td_errmsg why = {{0}};
    CHECK_OK("last body kept", td_outbox_push(f->ob, b, 20, 1, &seq, &queued, &why), &why);
    free(b);
    CHECK_INT("last body kept", queued, false);
    CHECK_INT("seq continues", s_push(f, 4, 20, 1764806400 + 4), 4);

    /* Even with nothing queued at close, the next seq is not reused. */
    for (uint64_t s = 2; s <= 4; s++)
        CHECK_INT("remove", td_outbox_remove(f->ob, s), TD_OK);
    s_open(f, 0);
    CHECK_INT("empty reopened", td_outbox_depth(f->ob), 0);
    CHECK_INT("seq continues after emptying", s_push(f, 5, 20, 1764806400 + 5), 5);
}

/* Thinning. Each case pushes bodies of `len` bytes on the given days (index into the days
 * below, at noon in Vietnam) under max_bytes, and expects the queue and the thinned count. */
#define DAY0 1764824400 /* 2025-12-04T12:00:00+07:00 */

static const struct {
    const char *name;
    size_t max_bytes, len;
    int days[16];
    size_t n;
    uint64_t want[16];
    size_t n_want;
    uint64_t thinned;
} s_thin_cases[] = {
    /* 508-byte entries: 8 fit in 4096. */
    {"fits: nothing thinned",
     4096,
     500,
     {0, 0, 0, 0, 1, 1, 1, 1},
     8,
     {1, 2, 3, 4, 5, 6, 7, 8},
     8,
     0},
    {"older same-day reports go first, the last of each day stays",
     4096,
     500,
     {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2},
     12,
     {4, 6, 7, 8, 9, 10, 11, 12},
     8,
     4},
    {"the day's last survives while a later day is thinned",
     4096,
     500,
     {0, 1, 1, 1, 1, 1, 1, 1, 1, 1},
     10,
     {1, 4, 5, 6, 7, 8, 9, 10},
     8,
     2},
    {"one report a day: the oldest go",
     4096,
     500,
     {0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
     10,
     {3, 4, 5, 6, 7, 8, 9, 10},
     8,
     2},
    {"as_of back and forth between two days: the oldest goes",
     4096,
     500,
     {1, 0, 1, 0, 1, 0, 1, 0, 1},
     9,
     {2, 3, 4, 5, 6, 7, 8, 9},
     8,
     1},
    {"the newest is kept even alone over the budget", 4096, 5000, {0, 1, 2}, 3, {3}, 1, 2},
    /* In UTC all four fall on one day and 3, 4 would stay. */
    {"midnight in Vietnam splits days", 4096, 1500, {10, 11, 12, 13}, 4, {2, 4}, 2, 2},
};

/* Days 10..13 are instants around midnight in Vietnam: 23:59:58, 23:59:59 on Dec 4, then
 * 00:00:00 and 00:00:01 on Dec 5. */
static td_time s_thin_time(int day, size_t i)
{
    static const td_time near_midnight[] = {DAY0 + 43198, DAY0 + 43199, DAY0 + 43200, DAY0 + 43201};
    if (day >= 10)
        return near_midnight[day - 10];
    return DAY0 + (td_time)day * 86400 + (td_time)i; /* later pushes later in the day */
}

static void test_thinning(void **state)
{
    s_fixture *f = *state;
    for (size_t c = 0; c < N(s_thin_cases); c++) {
        const char *name = s_thin_cases[c].name;
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%zu", f->dir, c);
        assert_int_equal(mkdir(sub, 0700), 0);
        td_errmsg why = {{0}};
        CHECK_OK(name, td_outbox_open(sub, s_thin_cases[c].max_bytes, &f->ob, &why), &why);
        for (size_t i = 0; i < s_thin_cases[c].n; i++) {
            uint64_t seq = s_push(f, (unsigned)(i + 1), s_thin_cases[c].len,
                                  s_thin_time(s_thin_cases[c].days[i], i));
            CHECK_INT(name, seq, i + 1);
            /* never drops the newest */
            s_list l = {.n = 0};
            s_each(f, seq - 1, 10, &l);
            CHECK_INT(name, l.n, 1);
            CHECK_INT(name, l.tag[0], i + 1);
        }
        s_expect_seqs(name, f, s_thin_cases[c].want, s_thin_cases[c].n_want);
        CHECK_INT(name, td_outbox_thinned(f->ob), s_thin_cases[c].thinned);
        s_list l = {.n = 0};
        s_each(f, 0, 100, &l);
        for (size_t i = 0; i < l.n; i++)
            CHECK_INT(name, l.tag[i], l.e[i].seq); /* each survivor holds its own body */
        td_outbox_destroy(&f->ob);
    }
}

/* The byte count follows removals: a drained queue takes a full budget again unthinned, and the
 * thinned total survives reopening. */
static void test_thinning_after_delivery(void **state)
{
    s_fixture *f = *state;
    const size_t len = 500, fit = 4096 / (len + ENTRY_OVERHEAD);
    s_open(f, 4096);
    unsigned tag = 1;
    for (size_t i = 0; i < fit + 2; i++, tag++)
        s_push(f, tag, len, DAY0 + (td_time)i * 86400);
    CHECK_INT("over budget", td_outbox_thinned(f->ob), 2);
    CHECK_INT("over budget", td_outbox_depth(f->ob), fit);
    for (uint64_t s = 1; s < tag; s++)
        CHECK_INT("deliver", td_outbox_remove(f->ob, s), TD_OK);
    CHECK_INT("delivered", td_outbox_depth(f->ob), 0);

    s_open(f, 4096);
    CHECK_INT("thinned kept", td_outbox_thinned(f->ob), 2);
    for (size_t i = 0; i < fit; i++, tag++)
        s_push(f, tag, len, DAY0 + (td_time)i * 86400);
    CHECK_INT("full budget again", td_outbox_depth(f->ob), fit);
    CHECK_INT("full budget again", td_outbox_thinned(f->ob), 2);
    s_push(f, tag, len, DAY0 + 100 * 86400);
    CHECK_INT("one more", td_outbox_depth(f->ob), fit);
    CHECK_INT("one more", td_outbox_thinned(f->ob), 3);
}

static void test_open_missing_dir(void **state)
{
    s_fixture *f = *state;
    char path[4200];
    snprintf(path, sizeof path, "%s/absent", f->dir);
    td_outbox *ob = (td_outbox *)path; /* must stay untouched */
    td_errmsg why = {{0}};
    CHECK_INT("missing dir", td_outbox_open(path, 0, &ob, &why), TD_ESTORE);
    assert_ptr_equal(ob, (td_outbox *)path);
    assert_non_null(strstr(why.text, path));
}

/* The base of a delta: the queued report before it, else the newest acknowledged report, kept
 * across reopening; an acknowledgement of an older report does not move it back. */
static void s_expect_base(const char *name, s_fixture *f, uint64_t seq, td_err want_err,
                          uint64_t want_seq, unsigned want_tag)
{
    uint64_t base = 0;
    uint8_t *body = NULL;
    size_t len = 0;
    td_err err = td_outbox_base_of(f->ob, seq, &base, &body, &len);
    CHECK_INT(name, err, want_err);
    if (err == TD_OK) {
        unsigned tag = 0;
        CHECK_INT(name, base, want_seq);
        assert_true(len >= 4);
        memcpy(&tag, body, 4);
        CHECK_INT(name, tag, want_tag);
    }
    free(body);
}

static void test_acknowledge_base(void **state)
{
    s_fixture *f = *state;
    s_open(f, 0);
    for (unsigned tag = 1; tag <= 3; tag++)
        s_push(f, tag, 50 + tag, DAY0 + tag);
    s_expect_base("nothing before the first", f, 1, TD_ENOTFOUND, 0, 0);
    s_expect_base("the queued report before", f, 3, TD_OK, 2, 2);
    CHECK_INT("ack 1", td_outbox_acknowledge(f->ob, 1), TD_OK);
    s_expect_base("acknowledged 1 is the base", f, 2, TD_OK, 1, 1);
    s_expect_base("still the queued one before", f, 3, TD_OK, 2, 2);
    CHECK_INT("remove 2 (refused whole)", td_outbox_remove(f->ob, 2), TD_OK);
    s_expect_base("a removed report is no base", f, 3, TD_OK, 1, 1);
    CHECK_INT("ack 3", td_outbox_acknowledge(f->ob, 3), TD_OK);
    CHECK_INT("drained", td_outbox_depth(f->ob), 0);
    s_open(f, 0);
    s_expect_base("the base survives reopening", f, 4, TD_OK, 3, 3);
    uint64_t seq = s_push(f, 4, 60, DAY0 + 4);
    CHECK_INT("next seq", seq, 4);
    CHECK_INT("ack gone 1 again", td_outbox_acknowledge(f->ob, 1), TD_OK);
    s_expect_base("a late ack changes nothing", f, 4, TD_OK, 3, 3);
    CHECK_INT("depth", td_outbox_depth(f->ob), 1);
    CHECK_INT("ack 4", td_outbox_acknowledge(f->ob, 4), TD_OK);
    s_expect_base("newest acknowledged", f, 5, TD_OK, 4, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_push_each_remove, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_each_after_max, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unchanged_body_not_queued, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_reopen, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_thinning, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_thinning_after_delivery, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_open_missing_dir, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_acknowledge_base, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
