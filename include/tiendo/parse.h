/* Input files: the registry CSV (agencies, tasks) and agency status files (JSON).
 * Errors say where: "FILE:LINE: reason" for CSV rows, "FILE:LINE:COLUMN: reason" for JSON. */
#ifndef TIENDO_PARSE_H
#define TIENDO_PARSE_H

#include "tiendo/model.h"

/* Bounds that keep hostile input from costing more than it should. */
#define TD_CSV_FIELD_MAX 4096                   /* bytes in one CSV field */
#define TD_CSV_COLUMNS_MAX 64                   /* fields in one CSV record */
#define TD_STATUS_BYTES_MAX (64u * 1024 * 1024) /* a larger status file is refused unread */
#define TD_STATUS_TASKS_MAX 100000              /* items in one status file */
#define TD_STATUS_DATABASES_MAX 10000           /* databases in one status file */
#define TD_STATUS_OBSTACLES_MAX 10000           /* obstacles in one status file */
#define TD_READ_FILE_MAX (256u * 1024 * 1024)   /* td_read_file refuses larger files */
#define TD_PARSE_ERRORS_MAX 1000 /* messages listed per file; one more counts the rest */

/* Registry CSV: UTF-8, RFC 4180 quoting, a header row, columns found by name (order free,
 * unknown columns are an error, missing required columns are an error).
 *   agencies: code,name,kind,parent,block
 *   tasks:    id,title,source,lead,deadline,assigned_on,group,difficulty
 * Each problem adds one message "NAME:LINE: reason" to errs (which must not be NULL); a bad row
 * may add more than one; past TD_PARSE_ERRORS_MAX one last "NAME: N more problems not listed"
 * counts the rest. On success *out receives a malloc'd array of *n_out items (NULL when
 * there are none: an empty or header-only file; free each with td_agency_fini / td_task_fini,
 * then free()). Returns TD_EINVAL when any row is bad (nothing is returned), TD_EIO when the
 * file cannot be read, TD_ENOMEM. `name` is the file name used in messages. Duplicate ids within
 * one file are an error on the later row. Cross-file rules (a lead exists, a commune's parent is
 * a province) are the importer's. */
td_err td_parse_agencies_csv(const char *name, const char *text, size_t len, td_agency **out,
                             size_t *n_out, td_errlist *errs);
td_err td_parse_tasks_csv(const char *name, const char *text, size_t len, td_task **out,
                          size_t *n_out, td_errlist *errs);
/* The same, also returning in *lines a malloc'd array of the line each item starts on, for
 * messages about checks across rows and files (the importer's). */
td_err td_parse_agencies_csv_lines(const char *name, const char *text, size_t len, td_agency **out,
                                   size_t **lines, size_t *n_out, td_errlist *errs);
td_err td_parse_tasks_csv_lines(const char *name, const char *text, size_t len, td_task **out,
                                size_t **lines, size_t *n_out, td_errlist *errs);

/* A status file (see tiendo-status(5), docs/man/tiendo-status.5). Checks the JSON syntax, the
 * shape, every task item with td_task_status_check, and the sections (infrastructure, services,
 * funding: every key required; databases, obstacles: lists keyed by id) with td_infra_check,
 * td_services_check, td_funding_check, td_database_check and td_obstacle_check. A section's
 * presence is kept (present, has_databases, has_obstacles: true for an empty list too). Counts must
 * be JSON integers (a real such as 1.0 is refused; jansson refuses one beyond int64). Every problem
 * adds "NAME:LINE:COLUMN: reason" to errs (a file over TD_STATUS_BYTES_MAX adds "NAME: reason"), in
 * the order of the text, at most TD_PARSE_ERRORS_MAX of them and then one "NAME: N more problems
 * not listed". Columns count characters from 1, as jansson's do. Unknown keys are errors. On
 * success fills *out (td_report_fini frees it). Returns TD_EINVAL when anything is wrong (out
 * untouched), TD_ENOMEM. */
td_err td_parse_status(const char *name, const char *text, size_t len, td_report *out,
                       td_errlist *errs);

/* Reads a whole file into a NUL-terminated malloc'd buffer. TD_EIO with the reason in why;
 * TD_EINVAL when the file is larger than TD_READ_FILE_MAX; TD_ENOMEM. */
td_err td_read_file(const char *path, char **out, size_t *len, td_errmsg *why);

/* The building blocks of the parsers above, public for tests and tools. */

/* An RFC 4180 CSV reader: quoted fields with "" for a quote, CRLF or LF line ends, newlines
 * inside quotes (a CRLF there reads as LF), an optional UTF-8 byte order mark. Every field must
 * be td_text_valid and at most TD_CSV_FIELD_MAX bytes; a record has at most TD_CSV_COLUMNS_MAX
 * fields. Blank lines at the end of the input are ignored; a blank line elsewhere is a record of
 * one empty field. `name` and `text` are borrowed and must outlive the reader. */
typedef struct td_csv td_csv;

typedef struct {
    const char *const *fields; /* n_fields NUL-terminated strings, valid until the next call */
    size_t n_fields;
    size_t line; /* where the record starts, from 1 */
} td_csv_record;

td_err td_csv_new(const char *name, const char *text, size_t len, td_csv **out);
void td_csv_destroy(td_csv **self_p);
/* Reads the next record into *rec. TD_ENOTFOUND at the end of the input. TD_EINVAL when this
 * record is malformed: why says "NAME:LINE: reason" (the line of the fault) and the reader has
 * moved past the record, so the caller may go on reading. TD_ENOMEM. */
td_err td_csv_next(td_csv *self, td_csv_record *rec, td_errmsg *why);

/* Writes text as a double-quoted value for messages into buf (size bytes, at least 8): quotes,
 * backslashes and control characters escaped, a long value cut at a character boundary and
 * ended with "...". Returns buf, for use as a %s argument. */
const char *td_parse_quote(const char *text, char *buf, size_t size);

/* Where values are in a JSON text, for messages about values that jansson has already decoded
 * (jansson keeps no positions). A query names a value by an RFC 6901 JSON Pointer: "" is the
 * root, "/tasks/1/progress" a member of an element; "~" and "/" in keys are written "~0" and
 * "~1" (td_jsonpos_child does this). */
typedef struct {
    const char *path; /* borrowed */
    int line;         /* of the value's first character, from 1; 0 when not found */
    int column;       /* in characters from 1, as jansson counts */
    int key_line;     /* of the member's key; 0 for the root and array elements */
    int key_column;
} td_jsonpos;

/* Fills the positions of the n queries in one pass over text (which should be JSON jansson
 * accepted). Only the queried values are recorded, so memory stays bounded on large input.
 * TD_EINVAL when the text is not JSON (the positions found before the fault are kept);
 * TD_ENOMEM. */
td_err td_jsonpos_find(const char *text, size_t len, td_jsonpos *q, size_t n);
/* The line and column of byte `offset` of text, counted the same way. */
void td_jsonpos_at(const char *text, size_t offset, int *line, int *column);
/* The pointer of member `key` or element `index` of the value at `path`: malloc'd, the caller
 * frees it; NULL when memory runs out. */
char *td_jsonpos_child(const char *path, const char *key);
char *td_jsonpos_index(const char *path, size_t index);

#endif
