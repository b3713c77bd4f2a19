/* An RFC 4180 CSV reader that keeps going after a bad record, so that a registry file is
 * reported in full rather than one fault per run. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/parse.h"

/* The most a record can take: every field full, each with its NUL. */
#define S_BUF_MAX (TD_CSV_COLUMNS_MAX * (TD_CSV_FIELD_MAX + 1))

struct td_csv {
    const char *name; /* for messages */
    const char *p;    /* next byte to read */
    const char *end;
    size_t line; /* of the next byte */
    char *buf;   /* the fields of the current record, NUL-terminated, back to back */
    size_t used;
    size_t cap;                             /* grows with the widest record, to S_BUF_MAX */
    size_t field_len;                       /* bytes in the field being read */
    size_t starts[TD_CSV_COLUMNS_MAX];      /* of each field in buf */
    const char *fields[TD_CSV_COLUMNS_MAX]; /* into buf, set once the record is read */
    size_t n_fields;                        /* fields started in this record */
    bool failed;                            /* the record is bad: read on, keep nothing */
    bool nomem;
    td_errmsg why; /* the first fault of the record */
};

td_err td_csv_new(const char *name, const char *text, size_t len, td_csv **out)
{
    td_csv *self = calloc(1, sizeof *self);
    if (self == NULL)
        return TD_ENOMEM;
    /* Spreadsheets on Windows write a byte order mark; it is not part of the first name. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    self->name = name;
    self->p = text;
    self->end = text + len;
    self->line = 1;
    *out = self;
    return TD_OK;
}

void td_csv_destroy(td_csv **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    free((*self_p)->buf);
    free(*self_p);
    *self_p = NULL;
}

static void s_fail_at(td_csv *self, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps the first fault of a record only: later ones are usually its echoes. */
static void s_fail_at(td_csv *self, size_t line, const char *fmt, ...)
{
    if (self->failed)
        return;
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    td_fail(&self->why, TD_EINVAL, "%s:%zu: %s", self->name, line, reason);
    self->failed = true;
}

/* Appends a byte to the record; the limits on fields bound the buffer by S_BUF_MAX. */
static void s_store(td_csv *self, char c)
{
    if (self->failed)
        return;
    if (self->used == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 1024;
        char *buf = realloc(self->buf, cap < S_BUF_MAX ? cap : S_BUF_MAX);
        if (buf == NULL) {
            self->nomem = self->failed = true;
            return;
        }
        self->buf = buf;
        self->cap = cap < S_BUF_MAX ? cap : S_BUF_MAX;
    }
    self->buf[self->used++] = c;
}

static void s_put(td_csv *self, char c)
{
    if (c == '\0')
        s_fail_at(self, self->line, "field %zu holds a NUL byte", self->n_fields);
    else if (self->field_len == TD_CSV_FIELD_MAX)
        s_fail_at(self, self->line, "field %zu is longer than %d bytes", self->n_fields,
                  TD_CSV_FIELD_MAX);
    s_store(self, c);
    self->field_len++;
}

static void s_begin_field(td_csv *self)
{
    if (self->n_fields == TD_CSV_COLUMNS_MAX)
        s_fail_at(self, self->line, "more than %d fields", TD_CSV_COLUMNS_MAX);
    if (!self->failed)
        self->starts[self->n_fields] = self->used;
    self->n_fields++;
    self->field_len = 0;
}

static void s_end_field(td_csv *self)
{
    s_store(self, '\0');
}

/* Reads a quoted field from just after its opening quote to just after its closing one. */
static void s_read_quoted(td_csv *self)
{
    size_t opened = self->line;
    while (self->p < self->end) {
        char c = *self->p++;
        if (c == '"') {
            if (self->p == self->end || *self->p != '"')
                return;
            self->p++;
        } else if (c == '\r' && self->p < self->end && *self->p == '\n') {
            /* One newline whatever the editor wrote, so that titles compare equal. */
            continue;
        } else if (c == '\n') {
            self->line++;
        }
        s_put(self, c);
    }
    s_fail_at(self, opened, "field %zu: the quote opened on this line is never closed",
              self->n_fields);
}

/* Reads to the end of the field: true when a comma ended it, false at the end of the record. */
static bool s_read_rest(td_csv *self, bool quoted)
{
    while (self->p < self->end) {
        char c = *self->p++;
        if (c == ',')
            return true;
        if (c == '\n') {
            self->line++;
            return false;
        }
        if (c == '\r') {
            if (self->p < self->end && *self->p == '\n')
                continue;
            s_fail_at(self, self->line, "carriage return without a line feed");
        } else if (quoted) {
            s_fail_at(self, self->line, "field %zu: text after the closing quote", self->n_fields);
        } else if (c == '"') {
            s_fail_at(self, self->line,
                      "field %zu: quote in an unquoted field (quote the field and double the "
                      "quote)",
                      self->n_fields);
        }
        s_put(self, c);
    }
    return false;
}

static bool s_read_field(td_csv *self)
{
    bool quoted = self->p < self->end && *self->p == '"';
    s_begin_field(self);
    if (quoted) {
        self->p++;
        s_read_quoted(self);
    }
    bool more = s_read_rest(self, quoted);
    s_end_field(self);
    return more;
}

static void s_check_text(td_csv *self, size_t line)
{
    for (size_t i = 0; i < self->n_fields && !self->failed; i++) {
        if (!td_text_valid(self->fields[i], TD_CSV_FIELD_MAX))
            s_fail_at(self, line,
                      "field %zu is not valid text (UTF-8 with no control characters but tab "
                      "and newline)",
                      i + 1);
    }
}

/* True at the end of the input, which may be followed by blank lines. */
static bool s_at_end(td_csv *self)
{
    const char *q = self->p;
    while (q < self->end && (*q == '\r' || *q == '\n'))
        q++;
    if (q < self->end)
        return false;
    self->p = self->end;
    return true;
}

td_err td_csv_next(td_csv *self, td_csv_record *rec, td_errmsg *why)
{
    if (s_at_end(self))
        return TD_ENOTFOUND;
    size_t line = self->line;
    self->used = 0;
    self->n_fields = 0;
    self->failed = self->nomem = false;
    while (s_read_field(self))
        continue;
    if (self->nomem)
        return TD_ENOMEM;
    for (size_t i = 0; i < self->n_fields && !self->failed; i++)
        self->fields[i] = self->buf + self->starts[i];
    s_check_text(self, line);
    if (self->failed) {
        if (why != NULL)
            *why = self->why;
        return TD_EINVAL;
    }
    rec->fields = self->fields;
    rec->n_fields = self->n_fields;
    rec->line = line;
    return TD_OK;
}
