/* Error codes, single error messages and lists of them. */
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/err.h"

const char *td_strerror(td_err err)
{
    switch (err) {
    case TD_OK:
        return "success";
    case TD_ENOMEM:
        return "out of memory";
    case TD_EINVAL:
        return "invalid input";
    case TD_ENOTFOUND:
        return "not found";
    case TD_EEXIST:
        return "already exists";
    case TD_EPROTO:
        return "malformed or unexpected message";
    case TD_ESTORE:
        return "store failure";
    case TD_EFULL:
        return "store full";
    case TD_EIO:
        return "input/output failure";
    case TD_EPERM:
        return "not allowed";
    case TD_ETIMEDOUT:
        return "timed out";
    }
    return "unknown error";
}

/* A message cut to fit its buffer must not end inside a UTF-8 character: it travels in
 * replies whose strings are checked as UTF-8. Drops a trailing incomplete sequence. */
static void s_trim_utf8(char *text, size_t len)
{
    size_t i = len;
    while (i > 0 && ((unsigned char)text[i - 1] & 0xC0) == 0x80)
        i--; /* continuation bytes */
    if (i == 0 || (unsigned char)text[i - 1] < 0xC0)
        return; /* ends on ASCII or on a complete sequence's last byte */
    unsigned char lead = (unsigned char)text[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (len - (i - 1) < need)
        text[i - 1] = '\0';
}

td_err td_fail(td_errmsg *msg, td_err err, const char *fmt, ...)
{
    if (msg != NULL) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(msg->text, sizeof msg->text, fmt, ap);
        va_end(ap);
        if (n >= (int)sizeof msg->text)
            s_trim_utf8(msg->text, sizeof msg->text - 1);
    }
    return err;
}

/* Messages that could not be stored are only counted, so that a caller short of memory still
 * learns how many problems there were; they read back as s_lost after the kept ones. */
struct td_errlist {
    char **items; /* kept messages, each malloc'd */
    size_t n;     /* kept */
    size_t cap;   /* slots in items */
    size_t lost;  /* counted but not kept */
};

static const char s_lost[] = "(message not kept: out of memory)";

td_errlist *td_errlist_new(void)
{
    return calloc(1, sizeof(td_errlist));
}

void td_errlist_destroy(td_errlist **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    td_errlist *self = *self_p;
    for (size_t i = 0; i < self->n; i++)
        free(self->items[i]);
    free(self->items);
    free(self);
    *self_p = NULL;
}

static bool s_reserve(td_errlist *self)
{
    if (self->n < self->cap)
        return true;
    size_t cap = self->cap ? self->cap * 2 : 8;
    char **items = realloc(self->items, cap * sizeof *items);
    if (items == NULL)
        return false;
    self->items = items;
    self->cap = cap;
    return true;
}

static char *s_vformat(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    char *text = len < 0 ? NULL : malloc((size_t)len + 1);
    if (text != NULL)
        vsnprintf(text, (size_t)len + 1, fmt, again);
    va_end(again);
    return text;
}

void td_errlist_add(td_errlist *self, const char *fmt, ...)
{
    assert(self != NULL);
    va_list ap;
    va_start(ap, fmt);
    char *text = s_reserve(self) ? s_vformat(fmt, ap) : NULL;
    va_end(ap);
    if (text == NULL) {
        self->lost++;
        return;
    }
    self->items[self->n++] = text;
}

size_t td_errlist_count(const td_errlist *self)
{
    return self == NULL ? 0 : self->n + self->lost;
}

const char *td_errlist_at(const td_errlist *self, size_t i)
{
    if (self == NULL || i >= self->n + self->lost)
        return NULL;
    return i < self->n ? self->items[i] : s_lost;
}
