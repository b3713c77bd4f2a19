/* tiendo error codes and error messages. */
#ifndef TIENDO_ERR_H
#define TIENDO_ERR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum {
    TD_OK = 0,
    TD_ENOMEM,    /* out of memory */
    TD_EINVAL,    /* invalid input: a file, a flag, a field */
    TD_ENOTFOUND, /* no such item */
    TD_EEXIST,    /* already exists */
    TD_EPROTO,    /* malformed or unexpected message */
    TD_ESTORE,    /* the store failed (LMDB error) */
    TD_EFULL,     /* the store is full: map at its maximum or disk full */
    TD_EIO,       /* a file or socket failed (errno) */
    TD_EPERM,     /* not allowed: wrong agency, role, or file mode */
    TD_ETIMEDOUT, /* no answer in time */
} td_err;

/* Static text for an error code; never NULL. */
const char *td_strerror(td_err err);

/* A message saying where and what, filled by the function that fails. Callers own it,
 * usually on the stack; functions write it only when they return an error. */
typedef struct {
    char text[512];
} td_errmsg;

/* Formats into msg (which may be NULL) and returns err, so that `return td_fail(...)` reads. */
td_err td_fail(td_errmsg *msg, td_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A list of messages, for inputs that report every bad row or item at once. */
typedef struct td_errlist td_errlist;

td_errlist *td_errlist_new(void);
void td_errlist_destroy(td_errlist **self_p);
/* Appends a formatted message; on allocation failure the message is counted but not kept. */
void td_errlist_add(td_errlist *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t td_errlist_count(const td_errlist *self);
/* Message i (0-based), valid until the list is destroyed; NULL if i is out of range. */
const char *td_errlist_at(const td_errlist *self, size_t i);

#endif
