/* Internals shared by the files of lib/model: the field checks every row and section check is
 * built from, so that a field's message reads the same in every struct that has one. */
#ifndef TIENDO_MODEL_INTERNAL_H
#define TIENDO_MODEL_INTERNAL_H

#include "tiendo/model.h"

/* An identifier of 1..max of [A-Za-z0-9._-]: "id is empty", "id \"a b\" is not valid: ...". */
td_err td_check_ident(const char *field, const char *value, size_t max, td_errmsg *why);
/* td_text_valid text of at most max bytes; NULL and "" pass unless required. */
td_err td_check_text(const char *field, const char *text, size_t max, bool required,
                     td_errmsg *why);
/* A day td_day_valid accepts; TD_NODAY passes unless required ("FIELD is missing"). */
td_err td_check_day(const char *field, td_day day, bool required, td_errmsg *why);
/* An enum value: name is its *_name (NULL when out of range). */
td_err td_check_enum(const char *field, int value, const char *name, td_errmsg *why);
/* A day not after the Vietnam date of as_of: a report cannot tell of what has not happened yet
 * on its own date. */
td_err td_check_not_after(const char *field, td_day day, td_time as_of, td_errmsg *why);

#endif
