/* The registry files (agencies.csv, tasks.csv): columns by name, one item per row, every bad row
 * reported. Field rules are the model's; this file turns text into fields and says where. */
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/parse.h"

#define S_QUOTE_MAX 80 /* a value quoted in a message */

/* The list messages go to, with a limit so that a hostile file cannot fill memory with them. */
typedef struct {
    td_errlist *errs;
    size_t left;    /* messages that may still be added */
    size_t dropped; /* counted only, once left ran out */
} s_sink;

/* Where a row's messages go: the file, the row's line, the list. */
typedef struct {
    const char *name;
    size_t line;
    s_sink *sink;
} s_where;

/* Fills item from the row's fields in the table's column order. TD_EINVAL once it has reported
 * every problem it found, TD_ENOMEM. item starts zeroed and is finalized by the caller on error. */
typedef td_err (*s_row_fn)(const s_where *w, const char *const *f, void *item);

typedef struct {
    const char *const *columns; /* columns[0] is the key that must not repeat */
    size_t n_columns;
    size_t size; /* of one item */
    s_row_fn row;
    void (*fini)(void *item);
    bool (*key_valid)(const char *key);
} s_table;

typedef struct {
    const s_table *t;
    s_where w;
    size_t order[TD_CSV_COLUMNS_MAX]; /* order[k]: the field that holds column k */
    size_t n_header;                  /* fields in the header */
    char *items;                      /* n items of t->size bytes */
    size_t *lines;                    /* the line each item starts on */
    size_t n, cap;
    json_t *seen; /* key -> line; a jansson object is the hash table parse already links */
} s_parse;

static void s_add(s_sink *sink, const char *text)
{
    if (sink->left == 0) {
        sink->dropped++;
        return;
    }
    sink->left--;
    td_errlist_add(sink->errs, "%s", text);
}

static void s_bad(const s_where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_bad(const s_where *w, const char *fmt, ...)
{
    char reason[640], text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    snprintf(text, sizeof text, "%s:%zu: %s", w->name, w->line, reason);
    s_add(w->sink, text);
}

/* The fields below report their own fault and write a placeholder that passes the model's check
 * of that field, so that the check can still find the row's other faults. */

static bool s_ident(const s_where *w, const char *field, const char *value, char *dst, size_t max)
{
    if (strlen(value) > max) {
        s_bad(w, "%s is longer than %zu bytes", field, max);
        strcpy(dst, "-");
        return false;
    }
    strcpy(dst, value);
    return true;
}

static bool s_choice(const s_where *w, const char *field, const char *value,
                     td_err (*parse)(const char *, int *), const char *choices, int *out)
{
    char q[S_QUOTE_MAX];
    if (parse(value, out) == TD_OK)
        return true;
    s_bad(w, "%s %s is not one of %s", field, td_parse_quote(value, q, sizeof q), choices);
    *out = 1;
    return false;
}

static bool s_day(const s_where *w, const char *field, const char *value, bool required,
                  td_day *out)
{
    char q[S_QUOTE_MAX];
    *out = TD_NODAY;
    if (value[0] == '\0' && !required)
        return true;
    if (value[0] == '\0')
        s_bad(w, "%s is empty (a date YYYY-MM-DD is required)", field);
    else if (td_day_parse(value, out) == TD_OK)
        return true;
    else
        s_bad(w, "%s %s is not a date (YYYY-MM-DD)", field, td_parse_quote(value, q, sizeof q));
    *out = required ? 1 : TD_NODAY;
    return false;
}

/* Ends a row: the model's check runs on what the row's own checks left. */
static td_err s_finish(const s_where *w, bool ok, td_err check, const td_errmsg *why)
{
    if (check != TD_OK)
        s_bad(w, "%s", why->text);
    return ok && check == TD_OK ? TD_OK : TD_EINVAL;
}

static td_err s_agency_row(const s_where *w, const char *const *f, void *item)
{
    td_agency *a = item;
    td_errmsg why;
    bool ok = s_ident(w, "code", f[0], a->code, TD_CODE_MAX);
    bool kind_ok = s_choice(w, "kind", f[2], td_kind_parse, td_kind_choices(), &a->kind);
    bool parent_ok = s_ident(w, "parent", f[3], a->parent, TD_CODE_MAX);
    ok &= s_choice(w, "block", f[4], td_block_parse, td_block_choices(), &a->block);
    /* A kind and parent that agree, so that a bad one does not also fault the other. */
    if (!kind_ok)
        a->kind = f[3][0] != '\0' ? TD_KIND_COMMUNE : TD_KIND_MINISTRY;
    if (!parent_ok)
        strcpy(a->parent, a->kind == TD_KIND_COMMUNE ? "-" : "");
    if ((a->name = strdup(f[1])) == NULL)
        return TD_ENOMEM;
    return s_finish(w, ok && kind_ok && parent_ok, td_agency_check(a, &why), &why);
}

static td_err s_task_row(const s_where *w, const char *const *f, void *item)
{
    td_task *t = item;
    td_errmsg why;
    bool ok = s_ident(w, "id", f[0], t->id, TD_ID_MAX);
    ok &= s_ident(w, "lead", f[3], t->lead, TD_CODE_MAX);
    ok &= s_day(w, "deadline", f[4], false, &t->deadline);
    ok &= s_day(w, "assigned_on", f[5], true, &t->assigned_on);
    ok &= s_choice(w, "difficulty", f[7], td_difficulty_parse, td_difficulty_choices(),
                   &t->difficulty);
    t->title = strdup(f[1]);
    t->source = strdup(f[2]);
    t->group = strdup(f[6]);
    if (t->title == NULL || t->source == NULL || t->group == NULL)
        return TD_ENOMEM;
    return s_finish(w, ok, td_task_check(t, &why), &why);
}

static void s_agency_fini(void *item)
{
    td_agency_fini(item);
}

static void s_task_fini(void *item)
{
    td_task_fini(item);
}

static bool s_code_key(const char *key)
{
    return td_code_valid(key);
}

static bool s_id_key(const char *key)
{
    return td_id_valid(key);
}

static const char *const s_agency_columns[] = {"code", "name", "kind", "parent", "block"};
static const char *const s_task_columns[] = {"id",       "title",       "source", "lead",
                                             "deadline", "assigned_on", "group",  "difficulty"};

static const s_table s_agencies = {
    .columns = s_agency_columns,
    .n_columns = sizeof s_agency_columns / sizeof s_agency_columns[0],
    .size = sizeof(td_agency),
    .row = s_agency_row,
    .fini = s_agency_fini,
    .key_valid = s_code_key,
};
static const s_table s_tasks = {
    .columns = s_task_columns,
    .n_columns = sizeof s_task_columns / sizeof s_task_columns[0],
    .size = sizeof(td_task),
    .row = s_task_row,
    .fini = s_task_fini,
    .key_valid = s_id_key,
};

static size_t s_column(const s_table *t, const char *name)
{
    size_t k = 0;
    while (k < t->n_columns && strcmp(t->columns[k], name) != 0)
        k++;
    return k;
}

static const char *s_join(const s_table *t, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < t->n_columns; k++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", k ? "," : "", t->columns[k]);
    return buf;
}

static bool s_map_header(s_parse *ps, const td_csv_record *rec)
{
    const s_table *t = ps->t;
    char q[S_QUOTE_MAX], all[128];
    bool ok = true;
    ps->w.line = rec->line;
    for (size_t k = 0; k < t->n_columns; k++)
        ps->order[k] = SIZE_MAX;
    for (size_t i = 0; i < rec->n_fields; i++) {
        size_t k = s_column(t, rec->fields[i]);
        td_parse_quote(rec->fields[i], q, sizeof q);
        if (k == t->n_columns) {
            s_bad(&ps->w, "unknown column %s (the columns are %s)", q, s_join(t, all, sizeof all));
            ok = false;
        } else if (ps->order[k] != SIZE_MAX) {
            s_bad(&ps->w, "column %s repeats column %zu", q, ps->order[k] + 1);
            ok = false;
        } else {
            ps->order[k] = i;
        }
    }
    for (size_t k = 0; k < t->n_columns; k++) {
        if (ps->order[k] == SIZE_MAX) {
            s_bad(&ps->w, "missing column \"%s\"", t->columns[k]);
            ok = false;
        }
    }
    ps->n_header = rec->n_fields;
    return ok;
}

/* Remembers the row's key, or says which earlier row has it. */
static td_err s_check_repeat(s_parse *ps, const char *key)
{
    char q[S_QUOTE_MAX];
    if (!ps->t->key_valid(key))
        return TD_OK; /* the row's check says why */
    json_t *first = json_object_get(ps->seen, key);
    if (first != NULL) {
        s_bad(&ps->w, "%s %s repeats line %lld", ps->t->columns[0],
              td_parse_quote(key, q, sizeof q), (long long)json_integer_value(first));
        return TD_OK;
    }
    if (json_object_set_new(ps->seen, key, json_integer((json_int_t)ps->w.line)) != 0)
        return TD_ENOMEM;
    return TD_OK;
}

static void *s_push(s_parse *ps)
{
    size_t size = ps->t->size;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        char *items = realloc(ps->items, cap * size);
        if (items == NULL)
            return NULL;
        ps->items = items;
        size_t *lines = realloc(ps->lines, cap * sizeof *lines);
        if (lines == NULL)
            return NULL;
        ps->lines = lines;
        ps->cap = cap;
    }
    ps->lines[ps->n] = ps->w.line;
    void *item = ps->items + ps->n++ * size;
    memset(item, 0, size);
    return item;
}

static td_err s_row(s_parse *ps, const td_csv_record *rec)
{
    const char *f[TD_CSV_COLUMNS_MAX];
    ps->w.line = rec->line;
    if (rec->n_fields != ps->n_header) {
        if (rec->n_fields == 1 && rec->fields[0][0] == '\0')
            s_bad(&ps->w, "blank line");
        else
            s_bad(&ps->w, "row has %zu fields, the header has %zu", rec->n_fields, ps->n_header);
        return TD_OK;
    }
    for (size_t k = 0; k < ps->t->n_columns; k++)
        f[k] = rec->fields[ps->order[k]];
    void *item = s_push(ps);
    if (item == NULL)
        return TD_ENOMEM;
    td_err err = ps->t->row(&ps->w, f, item);
    if (err != TD_OK) {
        ps->t->fini(item);
        ps->n--;
    }
    if (err == TD_ENOMEM)
        return err;
    return s_check_repeat(ps, f[0]);
}

/* Reads the header and every row; faults of the file go to the list, TD_ENOMEM is returned. */
static td_err s_read(s_parse *ps, td_csv *csv)
{
    td_csv_record rec;
    td_errmsg why;
    td_err err = td_csv_next(csv, &rec, &why);
    if (err == TD_ENOTFOUND)
        return TD_OK;
    if (err == TD_EINVAL)
        s_add(ps->w.sink, why.text);
    if (err != TD_OK)
        return err;
    /* Rows cannot be read without their columns. */
    if (!s_map_header(ps, &rec))
        return TD_EINVAL;
    while ((err = td_csv_next(csv, &rec, &why)) != TD_ENOTFOUND) {
        if (err == TD_EINVAL)
            s_add(ps->w.sink, why.text);
        else if (err == TD_OK)
            err = s_row(ps, &rec);
        if (err == TD_ENOMEM)
            return err;
    }
    return TD_OK;
}

static td_err s_parse_table(const s_table *t, const char *name, const char *text, size_t len,
                            void **out, size_t **lines_out, size_t *n_out, td_errlist *errs)
{
    s_sink sink = {errs, TD_PARSE_ERRORS_MAX, 0};
    s_parse ps = {.t = t, .w = {name, 0, &sink}};
    size_t before = td_errlist_count(errs);
    td_csv *csv = NULL;
    td_err err = td_csv_new(name, text, len, &csv);
    if (err == TD_OK && (ps.seen = json_object()) == NULL)
        err = TD_ENOMEM;
    if (err == TD_OK)
        err = s_read(&ps, csv);
    td_csv_destroy(&csv);
    json_decref(ps.seen);
    if (sink.dropped > 0)
        td_errlist_add(errs, "%s: %zu more problems not listed", name, sink.dropped);
    if (err == TD_OK && td_errlist_count(errs) > before)
        err = TD_EINVAL;
    if (err != TD_OK) {
        for (size_t i = 0; i < ps.n; i++)
            t->fini(ps.items + i * t->size);
        free(ps.items);
        free(ps.lines);
        return err;
    }
    *out = ps.items;
    *n_out = ps.n;
    if (lines_out)
        *lines_out = ps.lines;
    else
        free(ps.lines);
    return TD_OK;
}

td_err td_parse_agencies_csv(const char *name, const char *text, size_t len, td_agency **out,
                             size_t *n_out, td_errlist *errs)
{
    void *items = NULL;
    td_err err = s_parse_table(&s_agencies, name, text, len, &items, NULL, n_out, errs);
    if (err == TD_OK)
        *out = items;
    return err;
}

td_err td_parse_agencies_csv_lines(const char *name, const char *text, size_t len, td_agency **out,
                                   size_t **lines, size_t *n_out, td_errlist *errs)
{
    void *items = NULL;
    td_err err = s_parse_table(&s_agencies, name, text, len, &items, lines, n_out, errs);
    if (err == TD_OK)
        *out = items;
    return err;
}

td_err td_parse_tasks_csv(const char *name, const char *text, size_t len, td_task **out,
                          size_t *n_out, td_errlist *errs)
{
    void *items = NULL;
    td_err err = s_parse_table(&s_tasks, name, text, len, &items, NULL, n_out, errs);
    if (err == TD_OK)
        *out = items;
    return err;
}

td_err td_parse_tasks_csv_lines(const char *name, const char *text, size_t len, td_task **out,
                                size_t **lines, size_t *n_out, td_errlist *errs)
{
    void *items = NULL;
    td_err err = s_parse_table(&s_tasks, name, text, len, &items, lines, n_out, errs);
    if (err == TD_OK)
        *out = items;
    return err;
}
