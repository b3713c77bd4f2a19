/* The domain: agencies, tasks, task status, reports, dates and the task-class rules.
 * Every rule about what a field may hold or how a task is classified lives here once. */
#ifndef TIENDO_MODEL_H
#define TIENDO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tiendo/err.h"

#define TD_CODE_MAX 32   /* agency codes: 1..32 of [A-Za-z0-9._-] */
#define TD_ID_MAX 64     /* task and item ids: 1..64 of [A-Za-z0-9._-] */
#define TD_TEXT_MAX 4096 /* titles, notes, names: UTF-8, at most this many bytes */
#define TD_EVIDENCE_MAX 32
#define TD_EVIDENCE_TEXT_MAX 512  /* bytes of one evidence item */
#define TD_TZ_OFFSET_S (7 * 3600) /* the calendar is Vietnam's, UTC+7 */

/* A calendar date as days since 1970-01-01; TD_NODAY (0) means absent. */
typedef int32_t td_day;
#define TD_NODAY 0
#define TD_DAY_MAX 2932896 /* 9999-12-31 */
/* An instant as seconds since 1970-01-01T00:00:00Z. */
typedef int64_t td_time;

typedef enum {
    TD_KIND_MINISTRY = 1,
    TD_KIND_AGENCY,
    TD_KIND_PROVINCE,
    TD_KIND_COMMUNE
} td_agency_kind;
typedef enum {
    TD_BLOCK_PARTY = 1,
    TD_BLOCK_GOVERNMENT,
    TD_BLOCK_NATIONAL_ASSEMBLY,
    TD_BLOCK_FATHERLAND_FRONT
} td_block;
typedef enum { TD_STATE_NOT_STARTED = 1, TD_STATE_IN_PROGRESS, TD_STATE_DONE } td_task_state;
typedef enum { TD_DIFF_NORMAL = 1, TD_DIFF_HARD } td_difficulty;
typedef enum {
    TD_CLASS_REGULAR = 1,
    TD_CLASS_COMPLETED,
    TD_CLASS_OVERDUE,
    TD_CLASS_ON_SCHEDULE
} td_class;

/* Enum <-> name ("ministry", "in_progress", "on_schedule", ...). *_name returns NULL for a
 * value out of range; *_parse returns TD_EINVAL for an unknown name. */
const char *td_kind_name(int kind);
td_err td_kind_parse(const char *name, int *out);
const char *td_block_name(int block);
td_err td_block_parse(const char *name, int *out);
const char *td_state_name(int state);
td_err td_state_parse(const char *name, int *out);
const char *td_difficulty_name(int difficulty);
td_err td_difficulty_parse(const char *name, int *out);
const char *td_class_name(int cls);
td_err td_class_parse(const char *name, int *out);
/* The names of each enum joined by '|' ("normal|hard"), static, for messages such as
 * `difficulty "easy" is not one of normal|hard`. */
const char *td_kind_choices(void);
const char *td_block_choices(void);
const char *td_state_choices(void);
const char *td_difficulty_choices(void);
const char *td_class_choices(void);

/* Strings in these structs are owned by the struct and freed by its _fini. */
typedef struct {
    char code[TD_CODE_MAX + 1];
    char *name;
    int kind;                     /* td_agency_kind */
    char parent[TD_CODE_MAX + 1]; /* the province of a commune, else "" */
    int block;                    /* td_block */
} td_agency;

typedef struct {
    char id[TD_ID_MAX + 1];
    char *title;
    char *source;               /* the assigning document, e.g. "71/NQ-CP" */
    char lead[TD_CODE_MAX + 1]; /* agency code */
    td_day deadline;            /* TD_NODAY for a regular (recurring) task */
    td_day assigned_on;
    char *group;    /* may be "" */
    int difficulty; /* td_difficulty */
} td_task;

typedef struct {
    char id[TD_ID_MAX + 1];
    int state;           /* td_task_state */
    int progress;        /* 0..100 */
    td_day completed_on; /* required when done, else TD_NODAY */
    char *note;          /* may be NULL */
    char **evidence;
    size_t n_evidence;
} td_task_status;

/* Status sections beyond tasks. A report may carry any of them; an absent section leaves the
 * agency's previous value standing. Counts are non-negative; money is in VND. */
typedef struct {
    bool present;
    int64_t terminals_required;
    int64_t terminals_available; /* may exceed required */
    int64_t villages_total;
    int64_t villages_signal_gap; /* <= villages_total */
    int64_t villages_no_power;   /* <= villages_total */
    bool population_db_connected;
} td_infra;

typedef struct {
    bool present;
    int64_t procedures_total;
    int64_t procedures_announced; /* <= procedures_total */
    int64_t procedures_online;    /* <= procedures_total */
    int64_t files_received;
    int64_t files_fully_online; /* <= files_received */
    int64_t records_total;
    int64_t records_digitized; /* <= records_total */
} td_services;

typedef struct {
    bool present;
    int64_t requested_vnd;
    int64_t allocated_vnd;
    int64_t disbursed_vnd; /* <= allocated_vnd */
} td_funding;

typedef enum {
    TD_STAGE_NOT_STARTED = 1,
    TD_STAGE_DEPLOYING,
    TD_STAGE_FOUNDATION_CENTRALIZED
} td_db_stage;

/* A national database an agency builds, keyed by id within the agency. */
typedef struct {
    char id[TD_ID_MAX + 1];
    char *name;
    int stage; /* td_db_stage */
} td_database;

typedef enum {
    TD_OBST_FUNDING = 1,
    TD_OBST_PROCEDURES,
    TD_OBST_ONLINE_SERVICES,
    TD_OBST_INFRASTRUCTURE,
    TD_OBST_DATA,
    TD_OBST_STAFFING,
    TD_OBST_OTHER
} td_obstacle_category;
typedef enum { TD_OBST_OPEN = 1, TD_OBST_RESOLVED } td_obstacle_state;

/* A difficulty an agency reports, keyed by id within the agency. */
typedef struct {
    char id[TD_ID_MAX + 1];
    int category; /* td_obstacle_category */
    char *description;
    int state;          /* td_obstacle_state */
    td_day reported_on; /* required */
    td_day resolved_on; /* only when resolved (TD_NODAY otherwise) */
} td_obstacle;

/* Measured at the agency by the agent's probes. */
typedef enum { TD_OUTAGE_POWER = 1, TD_OUTAGE_LINK } td_outage_kind;

typedef struct {
    int kind; /* td_outage_kind */
    td_time start;
    td_time end; /* 0 while it lasts */
} td_outage;

#define TD_PROBE_NAME_MAX 32
#define TD_READING_NAME_MAX 64

typedef struct {
    char probe[TD_PROBE_NAME_MAX + 1];  /* [A-Za-z0-9._-] */
    char name[TD_READING_NAME_MAX + 1]; /* [A-Za-z0-9._-] */
    double value;                       /* finite */
    char *error;                        /* NULL, or why the probe failed */
    td_time measured_at;
} td_reading;

typedef struct {
    char agency[TD_CODE_MAX + 1]; /* the agency the status file names */
    td_time as_of;
    td_task_status *tasks;
    size_t n_tasks;
    td_infra infra;
    td_services services;
    td_funding funding;
    bool has_databases; /* the section was present (possibly empty) */
    td_database *databases;
    size_t n_databases;
    bool has_obstacles;
    td_obstacle *obstacles;
    size_t n_obstacles;
    td_outage *outages; /* from the agent's probes, not the status file */
    size_t n_outages;
    td_reading *readings;
    size_t n_readings;
} td_report;

void td_agency_fini(td_agency *self);
void td_task_fini(td_task *self);
void td_task_status_fini(td_task_status *self);
void td_report_fini(td_report *self);
void td_database_fini(td_database *self);
const char *td_outage_kind_name(int kind); /* "power", "link" */
td_err td_outage_kind_parse(const char *name, int *out);
/* An outage: kind in range, start set, end 0 or not before start, neither more than 5 minutes
 * after `as_of` (the collector passes the time it received the report). */
td_err td_outage_check(const td_outage *o, td_time as_of, td_errmsg *why);
/* A reading: probe and name valid identifiers, value finite, error valid text when set. */
td_err td_reading_check(const td_reading *r, td_errmsg *why);
void td_obstacle_fini(td_obstacle *self);

const char *td_stage_name(int stage);
td_err td_stage_parse(const char *name, int *out);
const char *td_stage_choices(void);
const char *td_category_name(int category);
td_err td_category_parse(const char *name, int *out);
const char *td_category_choices(void);
const char *td_obstacle_state_name(int state);
td_err td_obstacle_state_parse(const char *name, int *out);
const char *td_obstacle_state_choices(void);

/* Section checks: the invariants above; `why` names the field, e.g. "villages_signal_gap 15 is
 * more than villages_total 14". Dates may not be after the report's date (as_of). */
td_err td_infra_check(const td_infra *s, td_errmsg *why);
td_err td_services_check(const td_services *s, td_errmsg *why);
td_err td_funding_check(const td_funding *s, td_errmsg *why);
td_err td_database_check(const td_database *d, td_errmsg *why);
td_err td_obstacle_check(const td_obstacle *o, td_time as_of, td_errmsg *why);
/* Every field equal, presence included. */
bool td_infra_equal(const td_infra *a, const td_infra *b);
bool td_services_equal(const td_services *a, const td_services *b);
bool td_funding_equal(const td_funding *a, const td_funding *b);
bool td_database_equal(const td_database *a, const td_database *b);
bool td_obstacle_equal(const td_obstacle *a, const td_obstacle *b);
/* Deep copies; dst is overwritten (not finalized first). */
td_err td_task_status_copy(td_task_status *dst, const td_task_status *src);
/* True when every field is equal; a NULL note equals an empty one (both mean no note). */
bool td_task_status_equal(const td_task_status *a, const td_task_status *b);

/* Delta reports (docs/protocol.md, "Delta reports"). A delta of a status against a base status
 * holds the status's items that the base lacks or holds differently, and a list `removed` of
 * what the base has and the status has not: "tasks/ID", "databases/ID", "obstacles/ID",
 * "outages/KIND-START", "readings/PROBE/NAME" name one item, "infrastructure", "services",
 * "funding", "databases", "obstacles" a whole section. An item's identity is its id (an
 * outage's, its kind and start; a reading's, its probe and name); two items are the same when
 * every field is (a reading's measured_at included). Everything else is unchanged. */
#define TD_REMOVED_MAX 128 /* bytes of one `removed` entry */

/* The delta of `cur` against `base`: *delta gets copies of cur's changed and new items, with
 * cur's agency and as_of; *removed gets n_removed malloc'd entries. TD_EINVAL when no delta may
 * stand for cur: the agencies differ, cur's as_of is before base's, or an id repeats in a list of
 * either (send cur whole then). TD_ENOMEM. The outputs are written only on success; the caller
 * frees them with td_report_fini and td_removed_free. */
td_err td_report_delta(const td_report *base, const td_report *cur, td_report *delta,
                       char ***removed, size_t *n_removed);
/* The status a delta stands for: base, with each item of delta put in the place of the base's
 * item of the same id (or after the base's items when new), and the removed ones left out.
 * base is consumed: its items move into *out and it is left for td_report_fini to free what
 * remains. TD_EINVAL (why says what) when the delta does not fit the base: another agency, an
 * as_of before base's, an id repeated, a removal of what the base lacks or of what the delta
 * also carries, an entry of `removed` that names nothing. TD_ENOMEM. *out is written only on
 * success; the caller finalizes it. */
td_err td_report_patch(td_report *base, const td_report *delta, char *const *removed,
                       size_t n_removed, td_report *out, td_errmsg *why);
/* Frees n entries and the array; accepts NULL. */
void td_removed_free(char **removed, size_t n);

/* Identifier rules: 1..max bytes of [A-Za-z0-9._-]. */
bool td_code_valid(const char *code);
bool td_id_valid(const char *id);
/* Well-formed UTF-8 of at most max bytes, with no NUL and no control characters but tab and
 * newline. */
bool td_text_valid(const char *text, size_t max);

/* Registry checks (one row each). Cross-row checks (parent exists, lead exists) belong to the
 * importer. On failure `why` says which field and what is wrong. */
td_err td_agency_check(const td_agency *a, td_errmsg *why);
td_err td_task_check(const td_task *t, td_errmsg *why);
/* A status item as received for as_of: state, progress 0..100, completed_on required when done
 * and not after the as_of date, absent otherwise, note and evidence valid text. */
td_err td_task_status_check(const td_task_status *s, td_time as_of, td_errmsg *why);

/* Dates and instants. */
/* True for a day td_day_parse can return: 1970-01-02 (1) to 9999-12-31 (TD_DAY_MAX). */
bool td_day_valid(td_day day);
/* Strict YYYY-MM-DD (a real calendar date from 1970 to 9999). */
td_err td_day_parse(const char *text, td_day *out);
/* Writes YYYY-MM-DD and a NUL into buf (11 bytes); TD_NODAY reads 1970-01-01. Days before
 * 0000-01-01 or after 9999-12-31 are written as those dates. */
void td_day_format(td_day day, char buf[11]);
/* ISO-8601 date-time: YYYY-MM-DDTHH:MM[:SS][.fraction](Z|+HH:MM|-HH:MM); without a zone the
 * time is read in Vietnam's calendar (UTC+7). */
td_err td_time_parse(const char *text, td_time *out);
/* Writes e.g. 2025-12-04T17:00:00+07:00 and a NUL into buf (26 bytes). */
void td_time_format(td_time t, char buf[26]);
/* An operator's WHEN: YYYY-MM-DD means the end of that day in UTC+7 (23:59:59), otherwise a
 * date-time as td_time_parse reads it. */
td_err td_when_parse(const char *text, td_time *out);
/* The calendar date in Vietnam (UTC+7) of an instant. */
td_day td_time_day(td_time t);

/* The task-class rules, at an instant whose Vietnam date is `today`. */
/* A task counts at `today` only when it was assigned on or before it. */
bool td_task_counts(const td_task *t, td_day today);
/* The class of a task given its status (NULL: unreported, read as not started). When
 * days_overdue is not NULL it receives today - deadline for an overdue task, else 0. When
 * on_time is not NULL it receives, for a completed task, whether completed_on <= deadline. */
td_class td_task_classify(const td_task *t, const td_task_status *s, td_day today,
                          int *days_overdue, bool *on_time);

#endif
