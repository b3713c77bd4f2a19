/* Agency status files (JSON). jansson checks the syntax; this file checks the shape and every
 * item, collects every problem with the path of the value it is about, and finds the positions of
 * those values in one pass at the end (jsonpos.c), sorted so that a reader can fix them top down.
 */
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/parse.h"

#define S_QUOTE_MAX 80 /* a value quoted in a message */

typedef struct {
    char *path;   /* RFC 6901 pointer of the value in question */
    bool at_key;  /* point at the member's key (an unknown key), not its value */
    char *ref;    /* a value whose line ends the reason ("... repeats line N"), or NULL */
    char *reason; /* without the position */
    int line;     /* filled at the end; 0 when not found */
    int column;
    int ref_line;
    size_t order; /* keeps equal positions in the order found */
} s_problem;

typedef struct {
    s_problem *probs;
    size_t n;
    size_t cap;
    size_t dropped; /* problems past TD_PARSE_ERRORS_MAX, counted only */
    bool nomem;
    json_t *seen; /* task id -> index of the first item with it */
    td_time as_of;
} s_status;

static const char *const s_root_keys[] = {"agency", "as_of", "tasks", NULL};
static const char *const s_item_keys[] = {"id",           "state",    "progress", "note",
                                          "completed_on", "evidence", NULL};
/* Parts of the status format that later versions read; an older program must not drop them
 * silently. */
static const char *const s_sections[] = {"infrastructure", "services",  "databases",
                                         "funding",        "obstacles", NULL};

/* Adds a problem, taking path and ref (malloc'd; a NULL path means memory ran out). */
static void s_vreport(s_status *st, char *path, bool at_key, char *ref, const char *fmt, va_list ap)
{
    char reason[640];
    vsnprintf(reason, sizeof reason, fmt, ap);
    if (st->n == TD_PARSE_ERRORS_MAX) {
        st->dropped++;
        free(path);
        free(ref);
        return;
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        s_problem *probs = realloc(st->probs, cap * sizeof *probs);
        if (probs != NULL) {
            st->probs = probs;
            st->cap = cap;
        }
    }
    char *text = strdup(reason);
    if (st->n == st->cap || path == NULL || text == NULL) {
        st->nomem = true;
        free(path);
        free(ref);
        free(text);
        return;
    }
    st->probs[st->n] = (s_problem){path, at_key, ref, text, 0, 0, 0, st->n};
    st->n++;
}

static void s_report(s_status *st, char *path, bool at_key, char *ref, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void s_bad(s_status *st, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_bad_key(s_status *st, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_report(s_status *st, char *path, bool at_key, char *ref, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vreport(st, path, at_key, ref, fmt, ap);
    va_end(ap);
}

/* The path of member `key` of the value at path, or of that value itself when key is NULL. */
static char *s_path(const char *path, const char *key)
{
    return key != NULL ? td_jsonpos_child(path, key) : strdup(path);
}

/* A problem with the value at path, or with its member key's value. */
static void s_bad(s_status *st, const char *path, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vreport(st, s_path(path, key), false, NULL, fmt, ap);
    va_end(ap);
}

/* A problem with the key of member `key` itself. */
static void s_bad_key(s_status *st, const char *path, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vreport(st, s_path(path, key), true, NULL, fmt, ap);
    va_end(ap);
}

static bool s_listed(const char *const *list, const char *key)
{
    for (; *list != NULL; list++) {
        if (strcmp(*list, key) == 0)
            return true;
    }
    return false;
}

static const char *s_join(const char *const *list, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; list[i] != NULL && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", list[i]);
    return buf;
}

static void s_check_keys(s_status *st, const char *path, json_t *obj, const char *const *known,
                         const char *const *sections)
{
    char q[S_QUOTE_MAX], all[160];
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        if (s_listed(known, key))
            continue;
        td_parse_quote(key, q, sizeof q);
        if (sections != NULL && s_listed(sections, key))
            s_bad_key(st, path, key, "section %s is not supported by this version", q);
        else
            s_bad_key(st, path, key, "unknown key %s (expected %s)", q,
                      s_join(known, all, sizeof all));
    }
}

/* The string member `key`: NULL when it is absent (a problem when required) or not a string. */
static const char *s_string(s_status *st, const char *path, json_t *obj, const char *key,
                            bool required)
{
    json_t *value = json_object_get(obj, key);
    if (value == NULL) {
        if (required)
            s_bad(st, path, NULL, "missing key \"%s\"", key);
        return NULL;
    }
    if (!json_is_string(value)) {
        s_bad(st, path, key, "%s must be a string", key);
        return NULL;
    }
    return json_string_value(value);
}

static void s_check_head(s_status *st, json_t *root, td_report *r)
{
    char q[S_QUOTE_MAX];
    const char *agency = s_string(st, "", root, "agency", true);
    const char *as_of = s_string(st, "", root, "as_of", true);
    if (agency != NULL && td_code_valid(agency))
        strcpy(r->agency, agency);
    else if (agency != NULL)
        s_bad(st, "", "agency", "agency %s is not a valid agency code (1..%d of A-Z a-z 0-9 . _ -)",
              td_parse_quote(agency, q, sizeof q), TD_CODE_MAX);
    /* Without a date every completion is possible: the items are still checked for the rest. */
    st->as_of = INT64_MAX;
    if (as_of != NULL && td_time_parse(as_of, &r->as_of) == TD_OK)
        st->as_of = r->as_of;
    else if (as_of != NULL)
        s_bad(st, "", "as_of", "as_of %s is not a date-time such as 2025-12-04T17:00:00+07:00",
              td_parse_quote(as_of, q, sizeof q));
}

/* The item fields below report their own fault and leave a placeholder that passes the model's
 * check of that field, so that the check can still find the item's other faults. */

/* True when the item has an id of its own (which may still be invalid). */
static bool s_item_id(s_status *st, const char *path, json_t *item, td_task_status *s)
{
    char q[S_QUOTE_MAX];
    const char *id = s_string(st, path, item, "id", true);
    strcpy(s->id, "-");
    if (id == NULL)
        return false;
    if (strlen(id) > TD_ID_MAX) {
        s_bad(st, path, "id", "id %s is longer than %d bytes", td_parse_quote(id, q, sizeof q),
              TD_ID_MAX);
        return false;
    }
    strcpy(s->id, id); /* the model's check judges its characters */
    return true;
}

static void s_item_state(s_status *st, const char *path, json_t *item, td_task_status *s)
{
    char q[S_QUOTE_MAX];
    const char *state = s_string(st, path, item, "state", true);
    if (state != NULL && td_state_parse(state, &s->state) == TD_OK)
        return;
    if (state != NULL)
        s_bad(st, path, "state", "state %s is not one of %s", td_parse_quote(state, q, sizeof q),
              td_state_choices());
    /* The state that agrees with completed_on, so that the check does not fault it too. */
    s->state = json_object_get(item, "completed_on") ? TD_STATE_DONE : TD_STATE_IN_PROGRESS;
}

static void s_item_progress(s_status *st, const char *path, json_t *item, td_task_status *s)
{
    json_t *value = json_object_get(item, "progress");
    json_int_t v = json_integer_value(value);
    s->progress = 0;
    if (value == NULL)
        s_bad(st, path, NULL, "missing key \"progress\"");
    else if (!json_is_integer(value))
        s_bad(st, path, "progress", "progress must be an integer");
    else if (v < INT_MIN || v > INT_MAX)
        s_bad(st, path, "progress", "progress %lld is out of range 0..100", (long long)v);
    else
        s->progress = (int)v; /* the model's check judges the range */
}

static void s_item_completed_on(s_status *st, const char *path, json_t *item, td_task_status *s)
{
    char q[S_QUOTE_MAX];
    const char *day = s_string(st, path, item, "completed_on", false);
    s->completed_on = TD_NODAY;
    if (json_object_get(item, "completed_on") == NULL ||
        (day != NULL && td_day_parse(day, &s->completed_on) == TD_OK))
        return;
    if (day != NULL)
        s_bad(st, path, "completed_on", "completed_on %s is not a date (YYYY-MM-DD)",
              td_parse_quote(day, q, sizeof q));
    s->completed_on = s->state == TD_STATE_DONE ? 1 : TD_NODAY;
}

static void s_item_note(s_status *st, const char *path, json_t *item, td_task_status *s)
{
    const char *note = s_string(st, path, item, "note", false);
    if (note != NULL && (s->note = strdup(note)) == NULL)
        st->nomem = true;
}

static void s_item_evidence(s_status *st, const char *path, json_t *item, td_task_status *s)
{
    json_t *list = json_object_get(item, "evidence"), *value;
    size_t i, n = json_array_size(list);
    if (list == NULL)
        return;
    if (!json_is_array(list)) {
        s_bad(st, path, "evidence", "evidence must be an array of strings");
        return;
    }
    /* The model's limit, checked here before it costs an allocation. */
    if (n > TD_EVIDENCE_MAX) {
        s_bad(st, path, "evidence", "evidence has %zu items, more than %d", n, TD_EVIDENCE_MAX);
        return;
    }
    if (n > 0 && (s->evidence = calloc(n, sizeof *s->evidence)) == NULL) {
        st->nomem = true;
        return;
    }
    json_array_foreach(list, i, value)
    {
        char at[64];
        snprintf(at, sizeof at, "%s/evidence/%zu", path, i);
        if (!json_is_string(value))
            s_bad(st, at, NULL, "evidence items must be strings");
        else if ((s->evidence[s->n_evidence++] = strdup(json_string_value(value))) == NULL) {
            st->nomem = true;
        }
    }
}

/* The model's messages begin with the field they are about ("progress 150 is ...", "evidence[2]
 * is ..."): pointing at that value when the item has it beats pointing at the whole item. */
static char *s_why_path(const char *path, json_t *item, const char *why)
{
    char field[32];
    size_t n = strcspn(why, " [");
    json_t *value = NULL;
    if (n < sizeof field) {
        memcpy(field, why, n);
        field[n] = '\0';
        value = json_object_get(item, field);
    }
    if (value == NULL)
        return strdup(path);
    char *at = td_jsonpos_child(path, field);
    size_t i = why[n] == '[' ? strtoul(why + n + 1, NULL, 10) : SIZE_MAX;
    if (at != NULL && i < json_array_size(value)) {
        char *element = td_jsonpos_index(at, i);
        free(at);
        at = element;
    }
    return at;
}

/* Remembers the item's id, or says which earlier item has it. */
static void s_check_repeat(s_status *st, const char *path, size_t index, const char *id)
{
    char q[S_QUOTE_MAX], first_path[48];
    json_t *first = json_object_get(st->seen, id);
    if (first == NULL) {
        if (json_object_set_new(st->seen, id, json_integer((json_int_t)index)) != 0)
            st->nomem = true;
        return;
    }
    snprintf(first_path, sizeof first_path, "/tasks/%lld/id", (long long)json_integer_value(first));
    s_report(st, td_jsonpos_child(path, "id"), false, strdup(first_path), "id %s repeats",
             td_parse_quote(id, q, sizeof q));
}

static void s_check_item(s_status *st, size_t index, json_t *item, td_task_status *s)
{
    char path[32];
    td_errmsg why;
    snprintf(path, sizeof path, "/tasks/%zu", index);
    if (!json_is_object(item)) {
        s_bad(st, path, NULL, "a task must be an object");
        return;
    }
    s_check_keys(st, path, item, s_item_keys, NULL);
    bool has_id = s_item_id(st, path, item, s);
    s_item_state(st, path, item, s);
    s_item_progress(st, path, item, s);
    s_item_completed_on(st, path, item, s);
    s_item_note(st, path, item, s);
    s_item_evidence(st, path, item, s);
    if (has_id && td_id_valid(s->id))
        s_check_repeat(st, path, index, s->id);
    if (td_task_status_check(s, st->as_of, &why) != TD_OK)
        s_report(st, s_why_path(path, item, why.text), false, NULL, "%s", why.text);
}

static void s_check_tasks(s_status *st, json_t *root, td_report *r)
{
    json_t *tasks = json_object_get(root, "tasks"), *item;
    size_t i, n = json_array_size(tasks);
    if (tasks == NULL)
        return;
    if (!json_is_array(tasks)) {
        s_bad(st, "", "tasks", "tasks must be an array");
        return;
    }
    if (n > TD_STATUS_TASKS_MAX) {
        s_bad(st, "", "tasks", "tasks has %zu items, more than %d", n, TD_STATUS_TASKS_MAX);
        return;
    }
    if (n > 0 && (r->tasks = calloc(n, sizeof *r->tasks)) == NULL) {
        st->nomem = true;
        return;
    }
    r->n_tasks = n;
    json_array_foreach(tasks, i, item)
    {
        s_check_item(st, i, item, &r->tasks[i]);
        if (st->nomem)
            return;
    }
}

static void s_check(s_status *st, json_t *root, td_report *r)
{
    if (!json_is_object(root)) {
        s_bad(st, "", NULL, "a status file must be a JSON object");
        return;
    }
    s_check_keys(st, "", root, s_root_keys, s_sections);
    s_check_head(st, root, r);
    s_check_tasks(st, root, r);
}

static int s_by_position(const void *a, const void *b)
{
    const s_problem *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Finds where each problem is. A position the scanner cannot find stays 0, and its message goes
 * out without one rather than being lost. */
static td_err s_locate(s_status *st, const char *text, size_t len)
{
    td_jsonpos *q = calloc(2 * st->n, sizeof *q);
    if (q == NULL)
        return TD_ENOMEM;
    for (size_t i = 0; i < st->n; i++) {
        q[2 * i].path = st->probs[i].path;
        q[2 * i + 1].path = st->probs[i].ref != NULL ? st->probs[i].ref : st->probs[i].path;
    }
    td_err err = td_jsonpos_find(text, len, q, 2 * st->n);
    for (size_t i = 0; i < st->n; i++) {
        s_problem *p = &st->probs[i];
        bool key = p->at_key && q[2 * i].key_line > 0;
        p->line = key ? q[2 * i].key_line : q[2 * i].line;
        p->column = key ? q[2 * i].key_column : q[2 * i].column;
        p->ref_line = q[2 * i + 1].line;
    }
    free(q);
    return err == TD_ENOMEM ? err : TD_OK;
}

/* Adds the problems to errs in the order of the text. */
static void s_emit(s_status *st, const char *name, td_errlist *errs)
{
    qsort(st->probs, st->n, sizeof *st->probs, s_by_position);
    for (size_t i = 0; i < st->n; i++) {
        const s_problem *p = &st->probs[i];
        char ref[32] = "";
        if (p->ref != NULL && p->ref_line > 0)
            snprintf(ref, sizeof ref, " line %d", p->ref_line);
        else if (p->ref != NULL)
            snprintf(ref, sizeof ref, " an earlier item");
        if (p->line > 0)
            td_errlist_add(errs, "%s:%d:%d: %s%s", name, p->line, p->column, p->reason, ref);
        else
            td_errlist_add(errs, "%s: %s%s", name, p->reason, ref);
    }
    if (st->dropped > 0)
        td_errlist_add(errs, "%s: %zu more problems not listed", name, st->dropped);
}

static void s_status_fini(s_status *st)
{
    for (size_t i = 0; i < st->n; i++) {
        free(st->probs[i].path);
        free(st->probs[i].ref);
        free(st->probs[i].reason);
    }
    free(st->probs);
    json_decref(st->seen);
}

/* Decodes the text; a syntax error is reported with jansson's own position. */
static td_err s_load(const char *name, const char *text, size_t len, json_t **root,
                     td_errlist *errs)
{
    json_error_t e;
    if (len > TD_STATUS_BYTES_MAX) {
        td_errlist_add(errs, "%s: the file has %zu bytes, more than the %u allowed", name, len,
                       TD_STATUS_BYTES_MAX);
        return TD_EINVAL;
    }
    /* jansson takes a NUL after a number or literal for the end of the token and reads on, so
     * it would accept a text that is not JSON. */
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL) {
        int line, column;
        td_jsonpos_at(text, (size_t)(nul - text), &line, &column);
        td_errlist_add(errs, "%s:%d:%d: NUL byte (not allowed in a JSON text)", name, line, column);
        return TD_EINVAL;
    }
    *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (*root != NULL)
        return TD_OK;
    if (json_error_code(&e) == json_error_out_of_memory)
        return TD_ENOMEM;
    td_errlist_add(errs, "%s:%d:%d: %s", name, e.line, e.column, e.text);
    return TD_EINVAL;
}

td_err td_parse_status(const char *name, const char *text, size_t len, td_report *out,
                       td_errlist *errs)
{
    json_t *root = NULL;
    /* Windows editors write a byte order mark, which jansson refuses and editors do not show. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    td_err err = s_load(name, text, len, &root, errs);
    if (err != TD_OK)
        return err;
    s_status st = {.seen = json_object()};
    td_report r = {0};
    if (st.seen != NULL)
        s_check(&st, root, &r);
    json_decref(root);
    if (st.seen == NULL || st.nomem)
        err = TD_ENOMEM;
    else if (st.n > 0 && (err = s_locate(&st, text, len)) == TD_OK)
        s_emit(&st, name, errs);
    if (err == TD_OK && st.n > 0)
        err = TD_EINVAL;
    s_status_fini(&st);
    if (err != TD_OK) {
        td_report_fini(&r);
        return err;
    }
    *out = r;
    return TD_OK;
}
