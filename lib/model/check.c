/* Field rules for agencies, tasks and task status. Every input path (CSV, JSON, protobuf) ends
 * here, so a rule is stated once and its message reads the same wherever the data came from. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define S_SHOW_MAX 96 /* a rendered identifier in a message, quotes and NUL included */

static bool s_ident_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* Reads at most max + 1 bytes, so a full char[max + 1] field without its NUL is safe. */
static bool s_ident_valid(const char *s, size_t max)
{
    if (s == NULL)
        return false;
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!s_ident_char(s[i]))
            return false;
    }
    return true;
}

bool td_code_valid(const char *code)
{
    return s_ident_valid(code, TD_CODE_MAX);
}

bool td_id_valid(const char *id)
{
    return s_ident_valid(id, TD_ID_MAX);
}

enum s_text_fault { S_TEXT_OK, S_TEXT_LONG, S_TEXT_UTF8, S_TEXT_CONTROL };

/* Length of the well-formed UTF-8 sequence at p and its code point in *cp, or 0. The bounds on
 * the second byte rule out overlong forms (E0, F0), surrogates (ED) and values past U+10FFFF
 * (F4); bytes are read in order and a NUL is never a valid continuation, so it stops at one. */
static size_t s_utf8_seq(const unsigned char *p, uint32_t *cp)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    *cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (p[i] & 0x3F);
    }
    return n;
}

/* C0 but tab and newline, DEL, and C1: they corrupt terminals, logs and CSV output. */
static bool s_control(uint32_t cp)
{
    return (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp <= 0x9F);
}

/* Finds the first fault in text; *at receives its byte offset, *cp the code point. */
static enum s_text_fault s_text_scan(const char *text, size_t max, size_t *at, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (p[i] != '\0') {
        size_t n = s_utf8_seq(p + i, cp);
        *at = i;
        if (n == 0)
            return S_TEXT_UTF8;
        if (i + n > max)
            return S_TEXT_LONG;
        if (s_control(*cp))
            return S_TEXT_CONTROL;
        i += n;
    }
    return S_TEXT_OK;
}

bool td_text_valid(const char *text, size_t max)
{
    size_t at;
    uint32_t cp;
    return text != NULL && s_text_scan(text, max, &at, &cp) == S_TEXT_OK;
}

/* A quoted, printable rendering of an identifier for messages: bytes outside printable ASCII
 * become \xHH, and a long value is cut with "...". Reads at most max bytes of s. */
static const char *s_show(const char *s, size_t max, char buf[S_SHOW_MAX])
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; i < max && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + 10 > S_SHOW_MAX) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            buf[o++] = (char)c;
            continue;
        }
        memcpy(buf + o, "\\x", 2);
        buf[o + 2] = hex[c >> 4];
        buf[o + 3] = hex[c & 0xF];
        o += 4;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

td_err td_check_ident(const char *field, const char *value, size_t max, td_errmsg *why)
{
    char shown[S_SHOW_MAX];
    if (value == NULL || value[0] == '\0')
        return td_fail(why, TD_EINVAL, "%s is empty", field);
    if (!s_ident_valid(value, max))
        return td_fail(why, TD_EINVAL, "%s %s is not valid: 1..%zu of A-Z a-z 0-9 . _ -", field,
                       s_show(value, max + 1, shown), max);
    return TD_OK;
}

/* NULL and "" pass unless the field is required. */
td_err td_check_text(const char *field, const char *text, size_t max, bool required, td_errmsg *why)
{
    size_t at = 0;
    uint32_t cp = 0;
    if (text == NULL || text[0] == '\0')
        return required ? td_fail(why, TD_EINVAL, "%s is empty", field) : TD_OK;
    switch (s_text_scan(text, max, &at, &cp)) {
    case S_TEXT_OK:
        return TD_OK;
    case S_TEXT_LONG:
        return td_fail(why, TD_EINVAL, "%s is longer than %zu bytes", field, max);
    case S_TEXT_UTF8:
        return td_fail(why, TD_EINVAL, "%s is not valid UTF-8 at byte %zu", field, at);
    case S_TEXT_CONTROL:
        break;
    }
    return td_fail(why, TD_EINVAL, "%s holds control character U+%04X at byte %zu", field,
                   (unsigned)cp, at);
}

td_err td_check_day(const char *field, td_day day, bool required, td_errmsg *why)
{
    if (day == TD_NODAY)
        return required ? td_fail(why, TD_EINVAL, "%s is missing", field) : TD_OK;
    if (!td_day_valid(day))
        return td_fail(why, TD_EINVAL, "%s %ld is not a date from 1970-01-02 to 9999-12-31", field,
                       (long)day);
    return TD_OK;
}

td_err td_check_enum(const char *field, int value, const char *name, td_errmsg *why)
{
    if (name == NULL)
        return td_fail(why, TD_EINVAL, "%s %d is not valid", field, value);
    return TD_OK;
}

static td_err s_check_parent(const td_agency *a, td_errmsg *why)
{
    char shown[S_SHOW_MAX];
    if (a->kind == TD_KIND_COMMUNE) {
        if (a->parent[0] == '\0')
            return td_fail(why, TD_EINVAL, "parent is required for a commune (its province)");
        return td_check_ident("parent", a->parent, TD_CODE_MAX, why);
    }
    if (a->parent[0] != '\0')
        return td_fail(why, TD_EINVAL, "parent %s must be empty for a %s",
                       s_show(a->parent, sizeof a->parent, shown), td_kind_name(a->kind));
    return TD_OK;
}

td_err td_agency_check(const td_agency *a, td_errmsg *why)
{
    td_err err;
    if ((err = td_check_ident("code", a->code, TD_CODE_MAX, why)) ||
        (err = td_check_text("name", a->name, TD_TEXT_MAX, true, why)) ||
        (err = td_check_enum("kind", a->kind, td_kind_name(a->kind), why)) ||
        (err = s_check_parent(a, why)) ||
        (err = td_check_enum("block", a->block, td_block_name(a->block), why)))
        return err;
    return TD_OK;
}

td_err td_task_check(const td_task *t, td_errmsg *why)
{
    td_err err;
    if ((err = td_check_ident("id", t->id, TD_ID_MAX, why)) ||
        (err = td_check_text("title", t->title, TD_TEXT_MAX, true, why)) ||
        (err = td_check_text("source", t->source, TD_TEXT_MAX, true, why)) ||
        (err = td_check_ident("lead", t->lead, TD_CODE_MAX, why)) ||
        (err = td_check_day("deadline", t->deadline, false, why)) ||
        (err = td_check_day("assigned_on", t->assigned_on, true, why)) ||
        (err = td_check_text("group", t->group, TD_TEXT_MAX, false, why)) ||
        (err = td_check_enum("difficulty", t->difficulty, td_difficulty_name(t->difficulty), why)))
        return err;
    return TD_OK;
}

/* completed_on belongs to a done task only, and a report cannot claim a completion that has not
 * happened yet on its own date. */
static td_err s_check_completion(const td_task_status *s, td_time as_of, td_errmsg *why)
{
    char day[11];
    td_err err;
    if (s->state != TD_STATE_DONE) {
        if (s->completed_on == TD_NODAY)
            return TD_OK;
        td_day_format(s->completed_on, day);
        return td_fail(why, TD_EINVAL, "completed_on %s is given but state is %s", day,
                       td_state_name(s->state));
    }
    if (s->completed_on == TD_NODAY)
        return td_fail(why, TD_EINVAL, "completed_on is required when state is done");
    if ((err = td_check_day("completed_on", s->completed_on, true, why)))
        return err;
    return td_check_not_after("completed_on", s->completed_on, as_of, why);
}

td_err td_check_not_after(const char *field, td_day day, td_time as_of, td_errmsg *why)
{
    char shown[11], today[11];
    td_day as_of_day = td_time_day(as_of);
    if (day <= as_of_day)
        return TD_OK;
    td_day_format(day, shown);
    td_day_format(as_of_day, today);
    return td_fail(why, TD_EINVAL, "%s %s is after the report's date %s", field, shown, today);
}

static td_err s_check_evidence(const td_task_status *s, td_errmsg *why)
{
    char field[32];
    if (s->n_evidence > TD_EVIDENCE_MAX)
        return td_fail(why, TD_EINVAL, "evidence has %zu items, more than %d", s->n_evidence,
                       TD_EVIDENCE_MAX);
    for (size_t i = 0; i < s->n_evidence; i++) {
        snprintf(field, sizeof field, "evidence[%zu]", i);
        td_err err = td_check_text(field, s->evidence[i], TD_EVIDENCE_TEXT_MAX, true, why);
        if (err)
            return err;
    }
    return TD_OK;
}

td_err td_task_status_check(const td_task_status *s, td_time as_of, td_errmsg *why)
{
    td_err err;
    if ((err = td_check_ident("id", s->id, TD_ID_MAX, why)) ||
        (err = td_check_enum("state", s->state, td_state_name(s->state), why)))
        return err;
    if (s->progress < 0 || s->progress > 100)
        return td_fail(why, TD_EINVAL, "progress %d is out of range 0..100", s->progress);
    if ((err = s_check_completion(s, as_of, why)) ||
        (err = td_check_text("note", s->note, TD_TEXT_MAX, false, why)) ||
        (err = s_check_evidence(s, why)))
        return err;
    return TD_OK;
}
