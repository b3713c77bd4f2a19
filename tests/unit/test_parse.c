/* lib/parse: the CSV reader, the registry files, status files, JSON positions, file reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tiendo/parse.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Appends printf output to a growing string; the tests compare whole renderings at once, so a
 * failure shows every difference. */
typedef struct {
    char *s;
    size_t len;
} s_text;

static void s_cat(s_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_cat(s_text *t, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    t->s = realloc(t->s, t->len + (size_t)n + 1);
    assert_non_null(t->s);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, again);
    va_end(again);
    t->len += (size_t)n;
}

static char *s_errs(const td_errlist *errs)
{
    s_text t = {calloc(1, 1), 0};
    for (size_t i = 0; i < td_errlist_count(errs); i++)
        s_cat(&t, "%s\n", td_errlist_at(errs, i));
    return t.s;
}

static void s_expect(const char *name, const char *want, const char *got)
{
    if (strcmp(want, got) != 0)
        print_error("case %s:\n--- want\n%s--- got\n%s---\n", name, want, got);
    assert_string_equal(want, got);
}

/* --- CSV reader ---------------------------------------------------------------------------- */

/* Renders every record as "LINE:f1|f2" (a newline in a field as \n) and every fault as "E:why". */
static char *s_csv_render(const char *text, size_t len)
{
    s_text t = {calloc(1, 1), 0};
    td_csv *csv = NULL;
    td_csv_record rec;
    td_errmsg why;
    td_err err;
    assert_int_equal(td_csv_new("t.csv", text, len, &csv), TD_OK);
    while ((err = td_csv_next(csv, &rec, &why)) != TD_ENOTFOUND) {
        if (err != TD_OK) {
            assert_int_equal(err, TD_EINVAL);
            s_cat(&t, "E:%s\n", why.text);
            continue;
        }
        s_cat(&t, "%zu:", rec.line);
        for (size_t i = 0; i < rec.n_fields; i++) {
            s_cat(&t, "%s", i ? "|" : "");
            for (const char *c = rec.fields[i]; *c != '\0'; c++)
                s_cat(&t, *c == '\n' ? "\\n" : "%c", *c);
        }
        s_cat(&t, "\n");
    }
    td_csv_destroy(&csv);
    assert_null(csv);
    return t.s;
}

static const struct {
    const char *name;
    const char *text;
    const char *want;
} s_csv_cases[] = {
    {"lf", "a,b\nc,d\n", "1:a|b\n2:c|d\n"},
    {"crlf", "a,b\r\nc,d\r\n", "1:a|b\n2:c|d\n"},
    {"no final newline", "a,b\nc,d", "1:a|b\n2:c|d\n"},
    {"empty input", "", ""},
    {"bom only", "\xEF\xBB\xBF", ""},
    {"bom",
     "\xEF\xBB\xBF"
     "code,name\n",
     "1:code|name\n"},
    {"empty fields", ",,\n", "1:||\n"},
    {"quoted comma and quotes", "\"a,b\",\"say \"\"hi\"\"\",\"\"\n", "1:a,b|say \"hi\"|\n"},
    {"newline in quotes advances the line", "\"x\ny\",z\nw,v\n", "1:x\\ny|z\n3:w|v\n"},
    {"crlf in quotes reads as lf", "\"x\r\ny\"\r\nw\r\n", "1:x\\ny\n3:w\n"},
    {"trailing blank lines", "a\n\n\r\n\n", "1:a\n"},
    {"blank line inside", "a\n\nb\n", "1:a\n2:\n3:b\n"},
    {"spaces kept", " a , b \n", "1: a | b \n"},
    {"tab and utf-8", "Hà Nội,\"x\ty\"\n", "1:Hà Nội|x\ty\n"},
    {"bare quote", "a,b\"c,d\ne,f\n",
     "E:t.csv:1: field 2: quote in an unquoted field (quote the field and double the quote)\n"
     "2:e|f\n"},
    {"text after closing quote", "\"a\"b,c\nd\n",
     "E:t.csv:1: field 1: text after the closing quote\n2:d\n"},
    {"unterminated quote", "a\n\"b,c\nd\ne\n",
     "1:a\nE:t.csv:2: field 1: the quote opened on this line is never closed\n"},
    {"bare carriage return", "a\rb\nc\n", "E:t.csv:1: carriage return without a line feed\n2:c\n"},
    {"bad utf-8", "a,\xC3\x28\nb\n",
     "E:t.csv:1: field 2 is not valid text (UTF-8 with no control characters but tab and "
     "newline)\n2:b\n"},
    {"control character", "\"a\x01\"\nb\n",
     "E:t.csv:1: field 1 is not valid text (UTF-8 with no control characters but tab and "
     "newline)\n2:b\n"},
    {"fault inside a multi-line record", "\"a\nb\" x,c\nd\n",
     "E:t.csv:2: field 1: text after the closing quote\n3:d\n"},
};

static void test_csv_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(s_csv_cases); i++) {
        char *got = s_csv_render(s_csv_cases[i].text, strlen(s_csv_cases[i].text));
        s_expect(s_csv_cases[i].name, s_csv_cases[i].want, got);
        free(got);
    }
    char *got = s_csv_render("a,b\0c\nd\n", 8); /* a NUL, which the table's strings cannot hold */
    s_expect("nul", "E:t.csv:1: field 2 holds a NUL byte\n2:d\n", got);
    free(got);
}

/* A record of n fields of width bytes each, then a line "z". */
static char *s_csv_wide(size_t n, size_t width)
{
    s_text t = {calloc(1, 1), 0};
    for (size_t i = 0; i < n; i++)
        s_cat(&t, "%s%*s", i ? "," : "", (int)width, "x");
    s_cat(&t, "\nz\n");
    return t.s;
}

static void test_csv_limits(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t n, width;
        const char *want_tail; /* after the first record or its fault */
    } cases[] = {
        {"64 fields of 4096 bytes", TD_CSV_COLUMNS_MAX, TD_CSV_FIELD_MAX, NULL},
        {"65 fields", TD_CSV_COLUMNS_MAX + 1, 1, "E:t.csv:1: more than 64 fields\n2:z\n"},
        {"4097 bytes", 2, TD_CSV_FIELD_MAX + 1,
         "E:t.csv:1: field 1 is longer than 4096 bytes\n2:z\n"},
        {"10000 fields", 10000, 1, "E:t.csv:1: more than 64 fields\n2:z\n"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char *text = s_csv_wide(cases[i].n, cases[i].width);
        char *got = s_csv_render(text, strlen(text));
        if (cases[i].want_tail != NULL) {
            s_expect(cases[i].name, cases[i].want_tail, got);
        } else {
            size_t want_len = 2 + cases[i].n * (cases[i].width + 1) + 4;
            assert_int_equal(strlen(got), want_len);
            assert_string_equal(got + want_len - 4, "2:z\n");
        }
        free(text);
        free(got);
    }
}

static void test_quote(void **state)
{
    (void)state;
    char buf[16];
    assert_string_equal(td_parse_quote("a\"b\\c\nd", buf, sizeof buf), "\"a\\\"b\\\\c\\nd\"");
    assert_string_equal(td_parse_quote("\x01", buf, sizeof buf), "\"\\x01\"");
    assert_string_equal(td_parse_quote("0123456789abcdef", buf, sizeof buf), "\"0123456789...\"");
    /* "ộ" is 3 bytes: it is cut whole, not split. */
    assert_string_equal(td_parse_quote("0123456789ộ", buf, sizeof buf), "\"0123456789...\"");
    assert_string_equal(td_parse_quote("012345678ộ", buf, sizeof buf), "\"012345678...\"");
    assert_string_equal(td_parse_quote("0123456ộ", buf, sizeof buf), "\"0123456ộ\"");
}

/* --- Registry files ------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *text;
    const char *want; /* every message, each ending in \n */
} s_bad_case;

static const s_bad_case s_agency_bad[] = {
    {"unknown column", "code,nmae,kind,parent,block\n",
     "agencies.csv:1: unknown column \"nmae\" (the columns are code,name,kind,parent,block)\n"
     "agencies.csv:1: missing column \"name\"\n"},
    {"repeated column", "code,name,kind,parent,block,code\n",
     "agencies.csv:1: column \"code\" repeats column 1\n"},
    {"missing columns",
     "\xEF\xBB\xBF"
     "code,name,kind\nMOF,x,ministry\n",
     "agencies.csv:1: missing column \"parent\"\nagencies.csv:1: missing column \"block\"\n"},
    {"bad kind", "code,name,kind,parent,block\nMOF,Bộ Tài chính,ministy,,government\n",
     "agencies.csv:2: kind \"ministy\" is not one of ministry|agency|province|commune\n"},
    {"bad block and kind", "code,name,kind,parent,block\nMOF,x,,,gov\n",
     "agencies.csv:2: kind \"\" is not one of ministry|agency|province|commune\n"
     "agencies.csv:2: block \"gov\" is not one of "
     "party|government|national_assembly|fatherland_front\n"},
    {"bad code", "code,name,kind,parent,block\nM O F,x,ministry,,party\n",
     "agencies.csv:2: code \"M O F\" is not valid: 1..32 of A-Z a-z 0-9 . _ -\n"},
    {"long code",
     "code,name,kind,parent,block\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,x,ministry,,party\n",
     "agencies.csv:2: code is longer than 32 bytes\n"},
    {"empty name", "code,name,kind,parent,block\nMOF,,ministry,,party\n",
     "agencies.csv:2: name is empty\n"},
    {"commune without parent", "code,name,kind,parent,block\nX1,x,commune,,government\n",
     "agencies.csv:2: parent is required for a commune (its province)\n"},
    {"parent of a ministry", "code,name,kind,parent,block\nMOF,x,ministry,HN,government\n",
     "agencies.csv:2: parent \"HN\" must be empty for a ministry\n"},
    {"bad kind with a parent is read as a commune",
     "code,name,kind,parent,block\nX1,x,xa,HN,party\n",
     "agencies.csv:2: kind \"xa\" is not one of ministry|agency|province|commune\n"},
    {"repeated code",
     "code,name,kind,parent,block\nMOF,a,ministry,,party\nHN,b,province,,party\n"
     "MOF,c,ministry,,party\n",
     "agencies.csv:4: code \"MOF\" repeats line 2\n"},
    {"field count and blank line",
     "code,name,kind,parent,block\nMOF,a,ministry,,party\n\nHN,b\n"
     "X,y,ministry,,party,extra\n",
     "agencies.csv:3: blank line\nagencies.csv:4: row has 2 fields, the header has 5\n"
     "agencies.csv:5: row has 6 fields, the header has 5\n"},
    {"lines after multi-line quoted fields",
     "code,name,kind,parent,block\n"
     "MOF,\"Bộ\nTài\r\nchính\",ministry,,party\n"
     "HN,\"Hà Nội\",provnce,,party\n"
     "\"X\n1\",x,commune,HN,party\n"
     "X2,x,commune,HN,party,\n",
     "agencies.csv:5: kind \"provnce\" is not one of ministry|agency|province|commune\n"
     "agencies.csv:6: code \"X\\x0A1\" is not valid: 1..32 of A-Z a-z 0-9 . _ -\n"
     "agencies.csv:8: row has 6 fields, the header has 5\n"},
    {"csv faults and row faults together",
     "code,name,kind,parent,block\nM\"OF,a,ministry,,party\n"
     "HN,b,province,,partyy\n\"open,x\n",
     "agencies.csv:2: field 1: quote in an unquoted field (quote the field and double the quote)\n"
     "agencies.csv:3: block \"partyy\" is not one of "
     "party|government|national_assembly|fatherland_front\n"
     "agencies.csv:4: field 1: the quote opened on this line is never closed\n"},
};

static const s_bad_case s_task_bad[] = {
    {"bad deadline",
     "id,title,source,lead,deadline,assigned_on,group,difficulty\n"
     "NV-0001,a,71/NQ-CP,MOF,2025-12-31,2025-01-15,,normal\n"
     "NV-0002,b,71/NQ-CP,MOF,2025-06-30,2025-01-15,,normal\n"
     "NV-0003,c,71/NQ-CP,MOF,,2025-01-15,,hard\n"
     "NV-0004,d,71/NQ-CP,MOF,2025-13-01,2025-01-15,,normal\n",
     "tasks.csv:5: deadline \"2025-13-01\" is not a date (YYYY-MM-DD)\n"},
    {"repeated id",
     "id,title,source,lead,deadline,assigned_on,group,difficulty\n"
     "NV-0009,a,s,MOF,,2025-01-15,,normal\n"
     "NV-0008,a,s,MOF,,2025-01-15,,normal\n"
     "NV-0001,\"multi\nline\",s,MOF,,2025-01-15,,normal\n"
     "NV-0002,a,s,MOF,,2025-01-15,,normal\n"
     "NV-0003,a,s,MOF,,2025-01-15,,normal\n"
     "NV-0004,a,s,MOF,,2025-01-15,,normal\n"
     "NV-0001,a,s,MOF,,2025-01-15,,normal\n",
     "tasks.csv:9: id \"NV-0001\" repeats line 4\n"},
    {"every fault of a row",
     "difficulty,id,title,source,lead,deadline,assigned_on,group\n"
     "easy,NV-1,t,s,MOF,2025-02-30,,g\n",
     "tasks.csv:2: deadline \"2025-02-30\" is not a date (YYYY-MM-DD)\n"
     "tasks.csv:2: assigned_on is empty (a date YYYY-MM-DD is required)\n"
     "tasks.csv:2: difficulty \"easy\" is not one of normal|hard\n"},
    {"model checks after conversions",
     "id,title,source,lead,deadline,assigned_on,group,difficulty\n"
     "NV-1,,s,MOF,,2025-01-15,,normal\n"
     "NV-2,t,s,MO F,,2025-01-15,,normal\n"
     "NV-3,t,s,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,,2025-01-15,,normal\n",
     "tasks.csv:2: title is empty\n"
     "tasks.csv:3: lead \"MO F\" is not valid: 1..32 of A-Z a-z 0-9 . _ -\n"
     "tasks.csv:4: lead is longer than 32 bytes\n"},
    {"header only with an unknown column",
     "id,title,source,lead,deadline,assigned_on,group,difficulty,x\n",
     "tasks.csv:1: unknown column \"x\" (the columns are "
     "id,title,source,lead,deadline,assigned_on,group,difficulty)\n"},
};

static void s_run_bad(const s_bad_case *c, bool agencies)
{
    td_errlist *errs = td_errlist_new();
    size_t n = 99;
    td_err err;
    if (agencies) {
        td_agency *out = (td_agency *)&n;
        err = td_parse_agencies_csv("agencies.csv", c->text, strlen(c->text), &out, &n, errs);
        assert_ptr_equal(out, (td_agency *)&n);
    } else {
        td_task *out = (td_task *)&n;
        err = td_parse_tasks_csv("tasks.csv", c->text, strlen(c->text), &out, &n, errs);
        assert_ptr_equal(out, (td_task *)&n);
    }
    char *got = s_errs(errs);
    s_expect(c->name, c->want, got);
    assert_int_equal(err, TD_EINVAL);
    assert_int_equal(n, 99);
    free(got);
    td_errlist_destroy(&errs);
}

static void test_registry_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(s_agency_bad); i++)
        s_run_bad(&s_agency_bad[i], true);
    for (size_t i = 0; i < N(s_task_bad); i++)
        s_run_bad(&s_task_bad[i], false);
}

static void test_agencies_ok(void **state)
{
    (void)state;
    static const char text[] = "\xEF\xBB\xBF"
                               "block,parent,kind,code,name\r\n"
                               "government,,ministry,MOF,\"Bộ Tài chính, \"\"MOF\"\"\"\r\n"
                               "government,,province,HN,Hà Nội\r\n"
                               "fatherland_front,HN,commune,HN.X1,\"Xã\nMột\"\r\n\r\n";
    td_errlist *errs = td_errlist_new();
    td_agency *a = NULL;
    size_t n = 0;
    assert_int_equal(td_parse_agencies_csv("a.csv", text, strlen(text), &a, &n, errs), TD_OK);
    assert_int_equal(td_errlist_count(errs), 0);
    assert_int_equal(n, 3);
    assert_string_equal(a[0].code, "MOF");
    assert_string_equal(a[0].name, "Bộ Tài chính, \"MOF\"");
    assert_int_equal(a[0].kind, TD_KIND_MINISTRY);
    assert_string_equal(a[0].parent, "");
    assert_int_equal(a[0].block, TD_BLOCK_GOVERNMENT);
    assert_int_equal(a[1].kind, TD_KIND_PROVINCE);
    assert_string_equal(a[2].code, "HN.X1");
    assert_string_equal(a[2].name, "Xã\nMột");
    assert_int_equal(a[2].kind, TD_KIND_COMMUNE);
    assert_string_equal(a[2].parent, "HN");
    assert_int_equal(a[2].block, TD_BLOCK_FATHERLAND_FRONT);
    for (size_t i = 0; i < n; i++)
        td_agency_fini(&a[i]);
    free(a);
    td_errlist_destroy(&errs);
}

static void test_tasks_ok(void **state)
{
    (void)state;
    static const char text[] = "id,title,source,lead,deadline,assigned_on,group,difficulty\n"
                               "NV-0001,Số hóa hồ sơ,71/NQ-CP,MOF,2025-12-31,2025-01-15,CĐS,hard\n"
                               "NV-0002,Báo cáo định kỳ,71/NQ-CP,HN,,2025-02-01,,normal\n";
    td_errlist *errs = td_errlist_new();
    td_task *t = NULL;
    td_day d;
    size_t n = 0;
    assert_int_equal(td_parse_tasks_csv("t.csv", text, strlen(text), &t, &n, errs), TD_OK);
    assert_int_equal(n, 2);
    assert_string_equal(t[0].id, "NV-0001");
    assert_string_equal(t[0].title, "Số hóa hồ sơ");
    assert_string_equal(t[0].source, "71/NQ-CP");
    assert_string_equal(t[0].lead, "MOF");
    assert_int_equal(td_day_parse("2025-12-31", &d), TD_OK);
    assert_int_equal(t[0].deadline, d);
    assert_int_equal(td_day_parse("2025-01-15", &d), TD_OK);
    assert_int_equal(t[0].assigned_on, d);
    assert_string_equal(t[0].group, "CĐS");
    assert_int_equal(t[0].difficulty, TD_DIFF_HARD);
    assert_int_equal(t[1].deadline, TD_NODAY);
    assert_string_equal(t[1].group, "");
    assert_int_equal(t[1].difficulty, TD_DIFF_NORMAL);
    for (size_t i = 0; i < n; i++)
        td_task_fini(&t[i]);
    free(t);
    td_errlist_destroy(&errs);
}

static void test_registry_empty(void **state)
{
    (void)state;
    static const char *const texts[] = {"", "\xEF\xBB\xBF", "\n\n", "code,name,kind,parent,block",
                                        "code,name,kind,parent,block\r\n\r\n"};
    for (size_t i = 0; i < N(texts); i++) {
        td_errlist *errs = td_errlist_new();
        td_agency *a = (td_agency *)texts;
        size_t n = 99;
        assert_int_equal(td_parse_agencies_csv("a.csv", texts[i], strlen(texts[i]), &a, &n, errs),
                         TD_OK);
        assert_null(a);
        assert_int_equal(n, 0);
        assert_int_equal(td_errlist_count(errs), 0);
        td_errlist_destroy(&errs);
    }
}

/* The line of each item, for the importer's messages; a quoted newline moves the next row. */
static void test_registry_lines(void **state)
{
    (void)state;
    static const char tasks[] = "id,title,source,lead,deadline,assigned_on,group,difficulty\n"
                                "A,\"t\r\n\r\nu\",s,MOF,,2025-01-15,,normal\n"
                                "B,t,s,MOF,,2025-01-15,,normal\n";
    td_errlist *errs = td_errlist_new();
    td_task *t = NULL;
    size_t *lines = NULL, n = 0;
    assert_int_equal(td_parse_tasks_csv_lines("t.csv", tasks, strlen(tasks), &t, &lines, &n, errs),
                     TD_OK);
    assert_int_equal(n, 2);
    assert_int_equal(lines[0], 2);
    assert_int_equal(lines[1], 5);
    assert_string_equal(t[0].title, "t\n\nu");
    for (size_t i = 0; i < n; i++)
        td_task_fini(&t[i]);
    free(t);
    free(lines);
    td_errlist_destroy(&errs);
}

/* Messages stop at TD_PARSE_ERRORS_MAX, then one more counts the rest. */
static void test_registry_many_errors(void **state)
{
    (void)state;
    s_text t = {calloc(1, 1), 0};
    s_cat(&t, "code,name,kind,parent,block\n");
    for (int i = 0; i < TD_PARSE_ERRORS_MAX + 5; i++)
        s_cat(&t, "A%d,a,x,,party\n", i);
    td_errlist *errs = td_errlist_new();
    td_agency *a = NULL;
    size_t n = 0;
    assert_int_equal(td_parse_agencies_csv("a.csv", t.s, t.len, &a, &n, errs), TD_EINVAL);
    assert_int_equal(td_errlist_count(errs), TD_PARSE_ERRORS_MAX + 1);
    assert_string_equal(td_errlist_at(errs, TD_PARSE_ERRORS_MAX - 1),
                        "a.csv:1001: kind \"x\" is not one of ministry|agency|province|commune");
    assert_string_equal(td_errlist_at(errs, TD_PARSE_ERRORS_MAX),
                        "a.csv: 5 more problems not listed");
    td_errlist_destroy(&errs);
    free(t.s);
}

/* --- Status files -------------------------------------------------------------------------- */

/* Line 1 of most cases; their items start on line 2 at column 12. */
#define S_HEAD "{\"agency\": \"MOF\", \"as_of\": \"2025-12-04T17:00:00+07:00\",\n \"tasks\": ["
#define S_AS_OF "2025-12-04T17:00:00+07:00"
/* The keys a status file may have, as messages list them. */
#define S_ROOT_KEYS "agency, as_of, tasks, infrastructure, services, databases, funding, obstacles"

static const s_bad_case s_status_bad[] = {
    {"syntax: bad token", "{\"agency\": tru}", "s.json:1:14: invalid token near 'tru'\n"},
    {"syntax: bad utf-8 in a string", "{\"agency\": \"M\xFFOF\"}",
     "s.json:1:13: unable to decode byte 0xff near '\"M'\n"},
    {"syntax: duplicate key", "{\"agency\": \"MOF\",\n \"agency\": \"MOF\"}",
     "s.json:2:9: duplicate object key near '\"agency\"'\n"},
    {"syntax: empty file", "", "s.json:1:0: '[' or '{' expected near end of file\n"},
    {"syntax: trailing comma", S_HEAD "{\"id\": \"a\",}]}",
     "s.json:2:23: string or '}' expected near '}'\n"},
    {"syntax: huge integer", S_HEAD "{\"progress\": 99999999999999999999}]}",
     "s.json:2:44: too big integer near '99999999999999999999'\n"},
    {"syntax: huge real", S_HEAD "{\"progress\": 1e400}]}",
     "s.json:2:29: real number overflow near '1e400'\n"},
    {"syntax: NUL escape", S_HEAD "{\"note\": \"\\u0000\"}]}",
     "s.json:2:28: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"\\u0000\"'\n"},
    {"not an object", "[]", "s.json:1:1: a status file must be a JSON object\n"},
    {"missing head", "{\n}",
     "s.json:1:1: missing key \"agency\"\ns.json:1:1: missing key \"as_of\"\n"},
    {"bad agency and as_of", "{\"agency\": \"M O F\", \"as_of\": \"2025-12-04\"}",
     "s.json:1:12: agency \"M O F\" is not a valid agency code (1..32 of A-Z a-z 0-9 . _ -)\n"
     "s.json:1:30: as_of \"2025-12-04\" is not a date-time such as 2025-12-04T17:00:00+07:00\n"},
    {"wrong head types", "{\"agency\": 5, \"as_of\": null, \"tasks\": {}}",
     "s.json:1:12: agency must be a string\ns.json:1:24: as_of must be a string\n"
     "s.json:1:39: tasks must be an array\n"},
    {"empty section and unknown root key",
     "{\"agency\": \"MOF\", \"as_of\": \"" S_AS_OF "\",\n \"funding\": {},\n \"obstacles\": [],"
     "\n \"\\u0066unding2\": 1}",
     "s.json:2:13: missing key \"requested_vnd\"\n"
     "s.json:2:13: missing key \"allocated_vnd\"\n"
     "s.json:2:13: missing key \"disbursed_vnd\"\n"
     "s.json:4:2: unknown key \"funding2\" (expected " S_ROOT_KEYS ")\n"},
    {"unknown item keys",
     S_HEAD "{\"id\": \"a\", \"state\": \"done\", \"progress\": 100,\n"
            "  \"completed_on\": \"2025-12-01\", \"Note\": \"x\", \"a/b~\": 1}]}",
     "s.json:3:33: unknown key \"Note\" (expected id, state, progress, note, completed_on, "
     "evidence)\n"
     "s.json:3:46: unknown key \"a/b~\" (expected id, state, progress, note, completed_on, "
     "evidence)\n"},
    {"wrong item types",
     S_HEAD "7, {\"id\": 5, \"state\": 1, \"progress\": \"60\"},\n"
            "  {\"id\": \"b\", \"state\": \"done\", \"progress\": 1e3, \"note\": 5,\n"
            "   \"completed_on\": 20251120, \"evidence\": \"x\"},\n"
            "  {\"id\": \"c\", \"state\": \"in_progress\", \"progress\": 60.0, \"evidence\": "
            "[\"ok\", 1]}]}",
     "s.json:2:12: a task must be an object\n"
     "s.json:2:22: id must be a string\n"
     "s.json:2:34: state must be a string\n"
     "s.json:2:49: progress must be an integer\n"
     "s.json:3:44: progress must be an integer\n"
     "s.json:3:57: note must be a string\n"
     "s.json:4:20: completed_on must be a string\n"
     "s.json:4:42: evidence must be an array of strings\n"
     "s.json:5:51: progress must be an integer\n"
     "s.json:5:76: evidence items must be strings\n"},
    {"missing item keys", S_HEAD "{}]}",
     "s.json:2:12: missing key \"id\"\ns.json:2:12: missing key \"state\"\n"
     "s.json:2:12: missing key \"progress\"\n"},
    {"progress out of range",
     S_HEAD "{\"id\": \"a\", \"state\": \"in_progress\", \"progress\": -5},\n"
            "  {\"id\": \"b\", \"state\": \"in_progress\", \"progress\": 101},\n"
            "  {\"id\": \"c\", \"state\": \"in_progress\", \"progress\": 99999999999}]}",
     "s.json:2:60: progress -5 is out of range 0..100\n"
     "s.json:3:51: progress 101 is out of range 0..100\n"
     "s.json:4:51: progress 99999999999 is out of range 0..100\n"},
    {"repeated id",
     S_HEAD "{\"id\": \"NV-1\", \"state\": \"not_started\", \"progress\": 0},\n"
            "  {\"id\": \"NV-2\", \"state\": \"not_started\", \"progress\": 0},\n"
            "  {\"id\": \"NV-1\", \"state\": \"not_started\", \"progress\": 0}]}",
     "s.json:4:10: id \"NV-1\" repeats line 2\n"},
    {"bad state and id", S_HEAD "{\"id\": \"NV 1\", \"state\": \"finished\", \"progress\": 0}]}",
     "s.json:2:19: id \"NV 1\" is not valid: 1..64 of A-Z a-z 0-9 . _ -\n"
     "s.json:2:36: state \"finished\" is not one of not_started|in_progress|done\n"},
    {"completion rules",
     S_HEAD
     "{\"id\": \"a\", \"state\": \"done\", \"progress\": 100, \"completed_on\": \"2025-12-05\"},\n"
     "  {\"id\": \"b\", \"state\": \"in_progress\", \"progress\": 50, \"completed_on\": "
     "\"2025-12-01\"},\n"
     "  {\"id\": \"c\", \"state\": \"done\", \"progress\": 100},\n"
     "  {\"id\": \"d\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-11-31\"}]}",
     "s.json:2:74: completed_on 2025-12-05 is after the report's date 2025-12-04\n"
     "s.json:3:71: completed_on 2025-12-01 is given but state is in_progress\n"
     "s.json:4:3: completed_on is required when state is done\n"
     "s.json:5:65: completed_on \"2025-11-31\" is not a date (YYYY-MM-DD)\n"},
    {"evidence and note text",
     S_HEAD
     "{\"id\": \"a\", \"state\": \"done\", \"progress\": 100, \"completed_on\": \"2025-12-01\",\n"
     "   \"evidence\": [\"QĐ 1\", \"\"]},\n"
     "  {\"id\": \"b\", \"state\": \"in_progress\", \"progress\": 5, \"note\": \"Đặng\\u0001\"},\n"
     "  {\"id\": \"c\", \"state\": \"in_progress\", \"progress\": 5, \"evidence\": "
     "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\","
     "\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"21\",\"22\",\"23\",\"24\",\"25\",\"26\",\"27\","
     "\"28\",\"29\",\"30\",\"31\",\"32\",\"33\"]}]}",
     "s.json:3:25: evidence[1] is empty\n"
     "s.json:4:62: note holds control character U+0001 at byte 7\n"
     "s.json:5:66: evidence has 33 items, more than 32\n"},
    {"problems sorted by position",
     "{\"zz\": 1, \"as_of\": \"x\",\n \"agency\": \"MOF\", \"aa\": 2}",
     "s.json:1:2: unknown key \"zz\" (expected " S_ROOT_KEYS ")\n"
     "s.json:1:20: as_of \"x\" is not a date-time such as 2025-12-04T17:00:00+07:00\n"
     "s.json:2:19: unknown key \"aa\" (expected " S_ROOT_KEYS ")\n"},
};

static void s_run_status_bad(const char *name, const char *text, size_t len, const char *want)
{
    td_errlist *errs = td_errlist_new();
    td_report r = {.n_tasks = 77};
    assert_int_equal(td_parse_status("s.json", text, len, &r, errs), TD_EINVAL);
    assert_int_equal(r.n_tasks, 77);
    char *got = s_errs(errs);
    s_expect(name, want, got);
    free(got);
    td_errlist_destroy(&errs);
}

static void test_status_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(s_status_bad); i++) {
        const s_bad_case *c = &s_status_bad[i];
        s_run_status_bad(c->name, c->text, strlen(c->text), c->want);
    }
}

static void test_status_ok(void **state)
{
    (void)state;
    static const char text[] =
        "\xEF\xBB\xBF{\"agency\": \"MOF\", \"as_of\": \"2025-12-04T17:00:00+07:00\",\n"
        " \"tasks\": [{\"id\": \"NV-0001\", \"state\": \"in_progress\", \"progress\": 60,"
        " \"note\": \"Đang \\\"làm\\\"\\n\"},\n"
        "  {\"id\": \"NV-0002\", \"state\": \"done\", \"progress\": 100, \"completed_on\":"
        " \"2025-11-20\", \"evidence\": [\"Decision 123/QD-BTC\", \"x\"]},\n"
        "  {\"id\": \"NV-0003\", \"state\": \"not_started\", \"progress\": 0, \"evidence\": []}]}";
    td_errlist *errs = td_errlist_new();
    td_report r;
    td_time as_of;
    td_day day;
    assert_int_equal(td_parse_status("s.json", text, strlen(text), &r, errs), TD_OK);
    assert_int_equal(td_errlist_count(errs), 0);
    assert_string_equal(r.agency, "MOF");
    assert_int_equal(td_time_parse("2025-12-04T10:00:00Z", &as_of), TD_OK);
    assert_int_equal(r.as_of, as_of);
    assert_int_equal(r.n_tasks, 3);
    assert_string_equal(r.tasks[0].id, "NV-0001");
    assert_int_equal(r.tasks[0].state, TD_STATE_IN_PROGRESS);
    assert_int_equal(r.tasks[0].progress, 60);
    assert_int_equal(r.tasks[0].completed_on, TD_NODAY);
    assert_string_equal(r.tasks[0].note, "Đang \"làm\"\n");
    assert_int_equal(r.tasks[0].n_evidence, 0);
    assert_int_equal(r.tasks[1].state, TD_STATE_DONE);
    assert_int_equal(td_day_parse("2025-11-20", &day), TD_OK);
    assert_int_equal(r.tasks[1].completed_on, day);
    assert_null(r.tasks[1].note);
    assert_int_equal(r.tasks[1].n_evidence, 2);
    assert_string_equal(r.tasks[1].evidence[0], "Decision 123/QD-BTC");
    assert_string_equal(r.tasks[1].evidence[1], "x");
    assert_int_equal(r.tasks[2].state, TD_STATE_NOT_STARTED);
    assert_int_equal(r.tasks[2].n_evidence, 0);
    td_report_fini(&r);
    td_errlist_destroy(&errs);
}

static void test_status_no_tasks(void **state)
{
    (void)state;
    static const char *const texts[] = {"{\"agency\": \"MOF\", \"as_of\": \"" S_AS_OF "\"}",
                                        "{\"agency\": \"MOF\", \"as_of\": \"" S_AS_OF
                                        "\", \"tasks\": []}"};
    for (size_t i = 0; i < 2; i++) {
        td_errlist *errs = td_errlist_new();
        td_report r;
        assert_int_equal(td_parse_status("s.json", texts[i], strlen(texts[i]), &r, errs), TD_OK);
        assert_int_equal(r.n_tasks, 0);
        assert_null(r.tasks);
        td_report_fini(&r);
        td_errlist_destroy(&errs);
    }
}

static void test_status_hostile_text(void **state)
{
    (void)state;
    /* jansson takes a NUL after a number for the end of the token and would accept this. */
    static const char text[] = "{\"agency\": \"MOF\",\n \"x\": 15\0}";
    s_run_status_bad("nul", text, sizeof text - 1,
                     "s.json:2:9: NUL byte (not allowed in a JSON text)\n");

    /* Nesting past jansson's limit, under an unknown key. */
    s_text deep = {calloc(1, 1), 0};
    s_cat(&deep, "{\"x\": ");
    for (int i = 0; i < 5000; i++)
        s_cat(&deep, "[");
    s_run_status_bad("deep", deep.s, deep.len,
                     "s.json:1:2054: maximum parsing depth reached near '['\n");
    free(deep.s);

    /* Nesting under the limit is decoded, then refused as an unknown key. */
    s_text nested = {calloc(1, 1), 0};
    s_cat(&nested, "{\"agency\": \"MOF\", \"as_of\": \"" S_AS_OF "\", \"x\": ");
    for (int i = 0; i < 2000; i++)
        s_cat(&nested, "[");
    for (int i = 0; i < 2000; i++)
        s_cat(&nested, "]");
    s_cat(&nested, "}");
    s_run_status_bad("nested", nested.s, nested.len,
                     "s.json:1:57: unknown key \"x\" (expected " S_ROOT_KEYS ")\n");
    free(nested.s);
}

static void test_status_limits(void **state)
{
    (void)state;
    /* More items than allowed: one message, not one per item. */
    s_text many = {calloc(1, 1), 0};
    s_cat(&many, "{\"agency\": \"MOF\", \"as_of\": \"" S_AS_OF "\",\n\"tasks\": [0");
    for (int i = 0; i < TD_STATUS_TASKS_MAX; i++)
        s_cat(&many, ",0");
    s_cat(&many, "]}");
    s_run_status_bad("many", many.s, many.len,
                     "s.json:2:10: tasks has 100001 items, more than 100000\n");
    free(many.s);

    /* A file over the limit is refused before it is read. */
    char *big = calloc(TD_STATUS_BYTES_MAX + 1, 1);
    assert_non_null(big);
    s_run_status_bad("big", big, TD_STATUS_BYTES_MAX + 1,
                     "s.json: the file has 67108865 bytes, more than the 67108864 allowed\n");
    free(big);
}

static void test_status_many_errors(void **state)
{
    (void)state;
    /* Messages stop at TD_PARSE_ERRORS_MAX, the first ones in the order of the text. */
    s_text keys = {calloc(1, 1), 0};
    s_cat(&keys, "{\"agency\": \"MOF\", \"as_of\": \"" S_AS_OF "\"");
    for (int i = 0; i < TD_PARSE_ERRORS_MAX + 7; i++)
        s_cat(&keys, ",\n\"k%d\": 0", i);
    s_cat(&keys, "}");
    td_errlist *errs = td_errlist_new();
    td_report r;
    assert_int_equal(td_parse_status("s.json", keys.s, keys.len, &r, errs), TD_EINVAL);
    assert_int_equal(td_errlist_count(errs), TD_PARSE_ERRORS_MAX + 1);
    assert_string_equal(td_errlist_at(errs, 0),
                        "s.json:2:1: unknown key \"k0\" (expected " S_ROOT_KEYS ")");
    assert_string_equal(td_errlist_at(errs, TD_PARSE_ERRORS_MAX),
                        "s.json: 7 more problems not listed");
    td_errlist_destroy(&errs);
    free(keys.s);
}

/* --- JSON positions ------------------------------------------------------------------------ */

static void test_jsonpos(void **state)
{
    (void)state;
    static const char text[] = "{\"a\": [1, {\"b~/\": \"x\"}],\n"
                               " \"\\u0111\\u00e2y\": {\"k\\n\": [[], {}, \"Đ\", true]},\n"
                               "\t\"\\ud83d\\ude00\": null}";
    td_jsonpos q[] = {
        {.path = ""},        {.path = "/a"},         {.path = "/a/1/b~0~1"},   {.path = "/a/0"},
        {.path = "/đây"},    {.path = "/đây/k\n/3"}, {.path = "/đây/k\n/1"},   {.path = "/😀"},
        {.path = "/a/1/b/"}, {.path = "/a/2"},       {.path = "/a/0/x/y/z/w"},
    };
    static const int want[][4] = {
        {1, 1, 0, 0},  {1, 7, 1, 2},  {1, 19, 1, 12}, {1, 8, 0, 0}, {2, 19, 2, 2}, {2, 41, 0, 0},
        {2, 32, 0, 0}, {3, 18, 3, 2}, {0, 0, 0, 0},   {0, 0, 0, 0}, {0, 0, 0, 0},
    };
    assert_int_equal(td_jsonpos_find(text, strlen(text), q, N(q)), TD_OK);
    for (size_t i = 0; i < N(q); i++) {
        int got[4] = {q[i].line, q[i].column, q[i].key_line, q[i].key_column};
        if (memcmp(got, want[i], sizeof got) != 0)
            print_error("path %s: %d:%d key %d:%d\n", q[i].path, got[0], got[1], got[2], got[3]);
        assert_memory_equal(got, want[i], sizeof got);
    }
}

static void test_jsonpos_edges(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "",  "{",  "{\"a\"", "{\"a\" 1}", "[1 2]", "\"abc", "{\"a\":\"\\u12\"}", "[\"\\ud800x\"]",
        "}", "[,]"};
    for (size_t i = 0; i < N(texts); i++) {
        td_jsonpos q = {.path = "/a/0"};
        assert_int_equal(td_jsonpos_find(texts[i], strlen(texts[i]), &q, 1), TD_EINVAL);
    }
    td_jsonpos q = {.path = ""};
    assert_int_equal(td_jsonpos_find("{\"a\": 1}", 8, &q, 0), TD_OK);
    char *a = td_jsonpos_child("/tasks", "a/b~c");
    char *b = td_jsonpos_index(a, 12);
    assert_string_equal(a, "/tasks/a~1b~0c");
    assert_string_equal(b, "/tasks/a~1b~0c/12");
    free(a);
    free(b);
}

/* --- Files --------------------------------------------------------------------------------- */

static void test_read_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_parse.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "a\0b\n", 4), 4);
    close(fd);
    char *buf = NULL;
    size_t len = 0;
    td_errmsg why;
    assert_int_equal(td_read_file(path, &buf, &len, &why), TD_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(buf, "a\0b\n", 5);
    free(buf);
    assert_int_equal(unlink(path), 0);
    buf = NULL;
    assert_int_equal(td_read_file(path, &buf, &len, &why), TD_EIO);
    assert_null(buf);
    char want[64];
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    assert_string_equal(why.text, want);
    assert_int_equal(td_read_file("/", &buf, &len, &why), TD_EIO);
    assert_string_equal(why.text, "/: Is a directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_cases),       cmocka_unit_test(test_csv_limits),
        cmocka_unit_test(test_quote),           cmocka_unit_test(test_registry_bad),

        cmocka_unit_test(test_agencies_ok),     cmocka_unit_test(test_tasks_ok),
        cmocka_unit_test(test_registry_empty),  cmocka_unit_test(test_registry_many_errors),
        cmocka_unit_test(test_registry_lines),  cmocka_unit_test(test_status_bad),
        cmocka_unit_test(test_status_ok),

        cmocka_unit_test(test_status_no_tasks), cmocka_unit_test(test_status_hostile_text),
        cmocka_unit_test(test_status_limits),   cmocka_unit_test(test_status_many_errors),
        cmocka_unit_test(test_jsonpos),         cmocka_unit_test(test_jsonpos_edges),
        cmocka_unit_test(test_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
