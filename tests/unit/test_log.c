/* lib/log: line format, level filter, quoting, rate limit. stderr is captured through a pipe;
 * the rate limit reads a fake clock, so no test sleeps. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tiendo/log.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int64_t s_now_ms;

static int64_t s_fake_clock(void)
{
    return s_now_ms;
}

/* stderr redirected into a pipe; everything a test writes must fit its 64 KiB buffer. */
struct capture {
    int saved;
    int rd;
};

static void s_capture_begin(struct capture *c)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_int_equal(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
    close(fds[1]);
    c->rd = fds[0];
}

/* Restores stderr and returns what was written, malloc'd. */
static char *s_capture_end(struct capture *c)
{
    size_t len = 0, cap = 70000;
    char *text = malloc(cap);
    assert_non_null(text);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    for (ssize_t n; (n = read(c->rd, text + len, cap - 1 - len)) > 0;)
        len += (size_t)n;
    close(c->rd);
    text[len] = '\0';
    return text;
}

/* Lines of text holding needle. */
static int s_count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *line = text; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *hit = strstr(line, needle);
        n += hit != NULL && hit < line + len;
        line += len + (end != NULL);
    }
    return n;
}

static int s_setup(void **state)
{
    (void)state;
    struct capture c;
    td_log_set_level(TD_LOG_INFO);
    td_log_set_program(NULL);
    td_log_set_clock(s_fake_clock);
    s_now_ms = 0;
    s_capture_begin(&c);
    td_log_flush(); /* forget the windows of earlier tests */
    free(s_capture_end(&c));
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    td_log_set_clock(NULL);
    return 0;
}

static void test_level_parse(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int want;
    } cases[] = {
        {"error", TD_LOG_ERROR},
        {"warning", TD_LOG_WARNING},
        {"info", TD_LOG_INFO},
        {"debug", TD_LOG_DEBUG},
        {"warn", -1},
        {"INFO", -1},
        {"info ", -1},
        {"", -1},
        {NULL, -1},
    };
    for (size_t i = 0; i < N(cases); i++) {
        if (td_log_level_parse(cases[i].name) != cases[i].want)
            fail_msg("\"%s\" parses as %d, want %d", cases[i].name ? cases[i].name : "(null)",
                     td_log_level_parse(cases[i].name), cases[i].want);
    }
    td_log_set_level(-5);
    assert_int_equal(td_log_level_get(), TD_LOG_ERROR);
    td_log_set_level(99);
    assert_int_equal(td_log_level_get(), TD_LOG_DEBUG);
}

/* "ts=" then YYYY-MM-DDTHH:MM:SS.mmmZ: '9' in the shape stands for a digit. */
static void s_check_ts(const char *line)
{
    static const char shape[] = "ts=9999-99-99T99:99:99.999Z";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        bool ok = shape[i] == '9' ? line[i] >= '0' && line[i] <= '9' : line[i] == shape[i];
        if (!ok)
            fail_msg("line \"%s\" does not start with %s", line, shape);
    }
}

static void test_line_format(void **state)
{
    (void)state;
    static const struct {
        const char *name, *prog, *msg, *value, *want; /* want: the line after the timestamp */
    } cases[] = {
        {"fields", "tiendo-test", "report stored", "MOF",
         " level=info prog=tiendo-test msg=\"report stored\" agency=MOF seq=7\n"},
        {"no program", NULL, "report stored", "MOF",
         " level=info msg=\"report stored\" agency=MOF seq=7\n"},
        {"quotes and newline in msg", NULL, "said \"no\"\nthen \\ left", "MOF",
         " level=info msg=\"said \\\"no\\\"\\nthen \\\\ left\" agency=MOF seq=7\n"},
        {"newline in a field stays on the line", NULL, "m", "M\nOF\r\x01",
         " level=info msg=\"m\" agency=M\\nOF\\r\\x01 seq=7\n"},
        {"UTF-8 passes", NULL, "Bộ Tài chính", "Đ",
         " level=info msg=\"Bộ Tài chính\" agency=Đ seq=7\n"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct capture c;
        td_log_set_program(cases[i].prog);
        s_capture_begin(&c);
        td_log(TD_LOG_INFO, cases[i].msg, "agency=%s seq=%d", cases[i].value, 7);
        char *out = s_capture_end(&c);
        s_check_ts(out);
        if (strcmp(out + 27, cases[i].want) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name, out + 27, cases[i].want);
        free(out);
    }
}

static void test_line_without_fields(void **state)
{
    (void)state;
    struct capture c;
    s_capture_begin(&c);
    td_log(TD_LOG_ERROR, "store failed", NULL);
    td_log(TD_LOG_ERROR, NULL, "%s", "");
    char *out = s_capture_end(&c);
    assert_non_null(strstr(out, " level=error msg=\"store failed\"\n"));
    assert_non_null(strstr(out, " level=error msg=\"\"\n"));
    assert_int_equal(s_count(out, "ts="), 2);
    free(out);
}

static void test_level_filter(void **state)
{
    (void)state;
    char msg[32];
    for (int set = TD_LOG_ERROR; set <= TD_LOG_DEBUG; set++) {
        for (int level = TD_LOG_ERROR; level <= TD_LOG_DEBUG; level++) {
            struct capture c;
            snprintf(msg, sizeof msg, "set %d level %d", set, level);
            td_log_set_level(set);
            s_capture_begin(&c);
            td_log(level, msg, NULL);
            char *out = s_capture_end(&c);
            if (s_count(out, msg) != (level <= set))
                fail_msg("level %d at threshold %d: \"%s\"", level, set, out);
            free(out);
        }
    }
}

static void test_quote(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value;
        size_t cap;
        const char *want;
    } cases[] = {
        {"plain", "MOF", 64, "\"MOF\""},
        {"space", "Bộ Tài chính", 64, "\"Bộ Tài chính\""},
        {"quotes", "say \"hi\"", 64, "\"say \\\"hi\\\"\""},
        {"backslash", "a\\b", 64, "\"a\\\\b\""},
        {"newline and tab", "a\nb\tc", 64, "\"a\\nb\\tc\""},
        {"NULL", NULL, 64, "\"\""},
        {"cut", "abcdef", 5, "\"ab\""},
        {"escape not split", "\"\"", 5, "\"\\\"\""},
        {"too small for quotes", "abc", 2, ""},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char buf[64];
        const char *got = td_log_quote(cases[i].value, buf, cases[i].cap);
        assert_ptr_equal(got, buf);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got %s, want %s", cases[i].name, got, cases[i].want);
    }
}

static void test_long_line_cut(void **state)
{
    (void)state;
    struct capture c;
    char *big = malloc(6001);
    assert_non_null(big);
    memset(big, 'x', 6000);
    big[6000] = '\0';
    s_capture_begin(&c);
    td_log(TD_LOG_INFO, "big", "data=%s", big);
    td_log(TD_LOG_INFO, big, "data=%s", "after the long msg"); /* fills the line before fields */
    td_log(TD_LOG_INFO, "after", NULL);
    char *out = s_capture_end(&c);
    assert_int_equal(s_count(out, "ts="), 3);
    char *line = out;
    for (int i = 0; i < 2; i++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(nl - line + 1 <= 4095);
        assert_int_equal(nl[-1], 'x');
        line = nl + 1;
    }
    assert_non_null(strstr(line, "msg=\"after\"\n"));
    free(out);
    free(big);
}

static void test_rate_limit(void **state)
{
    (void)state;
    struct capture c;
    s_capture_begin(&c);
    for (int i = 0; i < 12; i++)
        td_log(TD_LOG_WARNING, "peer unreachable", "try=%d", i);
    td_log(TD_LOG_ERROR, "peer unreachable", NULL); /* another level: its own window */
    s_now_ms = 9999;
    td_log(TD_LOG_WARNING, "peer unreachable", "try=late"); /* still in the window */
    char *out = s_capture_end(&c);
    assert_int_equal(s_count(out, "level=warning msg=\"peer unreachable\""), 5);
    assert_int_equal(s_count(out, "try=4"), 1);
    assert_int_equal(s_count(out, "try=5"), 0);
    assert_int_equal(s_count(out, "level=error msg=\"peer unreachable\""), 1);
    assert_int_equal(s_count(out, "suppressed="), 0);
    free(out);

    s_now_ms = 10000; /* the window ends: its count comes first, then a new window opens */
    s_capture_begin(&c);
    for (int i = 0; i < 8; i++)
        td_log(TD_LOG_WARNING, "peer unreachable", "round=2 try=%d", i);
    out = s_capture_end(&c);
    assert_int_equal(s_count(out, "level=warning msg=\"peer unreachable\" suppressed=8\n"), 1);
    assert_true(strstr(out, "suppressed=8") < strstr(out, "round=2 try=0"));
    assert_int_equal(s_count(out, "round=2"), 5);
    free(out);

    s_capture_begin(&c);
    td_log_flush();
    td_log_flush(); /* the count is written once */
    out = s_capture_end(&c);
    assert_int_equal(s_count(out, "level=warning msg=\"peer unreachable\" suppressed=3\n"), 1);
    assert_int_equal(s_count(out, "ts="), 1);
    free(out);
}

static void test_rate_limit_by_content(void **state)
{
    (void)state;
    struct capture c;
    char a[] = "disk slow", b[] = "disk slow";
    s_capture_begin(&c);
    for (int i = 0; i < 4; i++) {
        td_log(TD_LOG_INFO, a, NULL);
        td_log(TD_LOG_INFO, b, NULL); /* same text, another buffer: the same window */
    }
    td_log_flush();
    char *out = s_capture_end(&c);
    assert_int_equal(s_count(out, "msg=\"disk slow\""), 6);
    assert_int_equal(s_count(out, "suppressed=3"), 1);
    free(out);
}

/* With every slot taken, the oldest window closes early and reports its count. */
static void test_rate_limit_eviction(void **state)
{
    (void)state;
    struct capture c;
    char msg[32];
    s_capture_begin(&c);
    for (int i = 0; i < 7; i++)
        td_log(TD_LOG_INFO, "first", NULL);
    for (int i = 0; i < 64; i++) {
        snprintf(msg, sizeof msg, "other %d", i);
        td_log(TD_LOG_INFO, msg, NULL);
    }
    char *out = s_capture_end(&c);
    assert_int_equal(s_count(out, "msg=\"first\" suppressed=2"), 1);
    assert_int_equal(s_count(out, "msg=\"other "), 64);
    free(out);
}

#define S_THREADS 4
#define S_THREAD_LINES 25

static void *s_thread(void *arg)
{
    char msg[32];
    for (int i = 0; i < S_THREAD_LINES; i++) {
        snprintf(msg, sizeof msg, "thread %d line %d", (int)(intptr_t)arg, i);
        td_log(TD_LOG_INFO, msg, "pad=%s end=1", "............................................");
    }
    return NULL;
}

/* Lines from several threads arrive whole: each starts with ts= and ends with end=1. */
static void test_threads(void **state)
{
    (void)state;
    struct capture c;
    pthread_t threads[S_THREADS];
    s_capture_begin(&c);
    for (int i = 0; i < S_THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, s_thread, (void *)(intptr_t)i), 0);
    for (int i = 0; i < S_THREADS; i++)
        pthread_join(threads[i], NULL);
    char *out = s_capture_end(&c);
    int lines = 0;
    for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n"), lines++) {
        size_t len = strlen(line);
        if (strncmp(line, "ts=", 3) != 0 || len < 5 || strcmp(line + len - 5, "end=1") != 0)
            fail_msg("torn line: \"%s\"", line);
    }
    assert_int_equal(lines, S_THREADS * S_THREAD_LINES);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_level_parse, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_line_format, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_line_without_fields, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_level_filter, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_quote, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_long_line_cut, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_by_content, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_eviction, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_threads, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
