/* tiendo report: the briefing's figures, gathered from the collector before anything is written,
 * and the two layouts (Markdown, HTML) that write them. Private to the CLI. */
#ifndef TIENDO_CLI_REPORT_H
#define TIENDO_CLI_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "tiendo/model.h"

#define TD_BRIEF_TOP 10       /* agencies in the overdue ranking */
#define TD_BRIEF_RISK_DAYS 30 /* a hard task due within this many days is at risk */

typedef struct {
    const char *code; /* borrowed from the overdue tasks document */
    long long count;  /* its overdue tasks */
    long long max_days;
} td_brief_lead;

/* Everything the briefing shows. Documents are the collector's answers, owned here; the row
 * arrays hold references to rows of those documents. */
typedef struct {
    json_t *now;     /* summary at as-of, with open_due_by */
    json_t *then;    /* summary at since */
    json_t *overdue; /* tasks --class overdue */
    json_t *hard;    /* tasks --difficulty hard */
    json_t *infra, *services, *databases, *funding, *obstacles;
    json_t *silent;       /* agents --state silent */
    json_t *names;        /* agency code -> name */
    json_t *at_risk;      /* hard tasks overdue or due soon, most urgent first */
    json_t *unfinished;   /* databases not yet at foundation_centralized */
    json_t *open;         /* open obstacles, oldest first */
    json_t *silent_rows;  /* silent agents, the longest silent first */
    td_brief_lead *leads; /* every agency with overdue tasks, most first */
    size_t n_leads;
    td_day today; /* the as-of date in Vietnam */
    int year;     /* of today */
} td_brief;

/* A formatted figure, returned by value so that calls can sit in an argument list. */
typedef struct {
    char s[160];
} td_brief_num;

/* printf into a figure (cut at its size). */
td_brief_num td_brief_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Vietnamese number formats: 1.287; 41,1%; +9; 14.174,9 (tỷ đồng); "–" when undefined. */
td_brief_num td_brief_int(long long v);
td_brief_num td_brief_signed(long long v);
td_brief_num td_brief_pct(long long part, long long whole);
td_brief_num td_brief_ratio(json_t *ratio); /* a JSON ratio 0..1 as a percentage; null: "–" */
td_brief_num td_brief_billions(long long vnd);
/* x with one decimal, then suffix: 20,0 */
td_brief_num td_brief_decimal(double x, const char *suffix);
/* A YYYY-MM-DD date, or the date of an instant, as dd/mm/yyyy; "–" when absent. */
td_brief_num td_brief_date(const char *iso);
td_brief_num td_brief_day(td_day d);
/* An instant as dd/mm/yyyy hh:mm in its own zone (the collector writes UTC+7). */
td_brief_num td_brief_instant(const char *iso);

/* Members of a document: an integer (0 when absent or null), a string ("" when absent). */
long long td_brief_get(json_t *doc, const char *key);
const char *td_brief_str(json_t *doc, const char *key);
/* The agency's name when it was looked up, else its code. */
const char *td_brief_name(const td_brief *r, const char *code);
/* Vietnamese labels of the collector's enum values; the value itself when unknown. */
const char *td_brief_stage_label(const char *stage);
const char *td_brief_category_label(const char *category);

/* A layout. Text given to it is plain UTF-8; the layout escapes it. */
typedef enum { TD_ROW_PLAIN, TD_ROW_SUB, TD_ROW_TOTAL } td_brief_row;
typedef enum { TD_TONE_OK, TD_TONE_WARN, TD_TONE_BAD, TD_TONE_INFO, TD_TONE_MUTED } td_brief_tone;

typedef struct {
    const char *label;
    double value;
    const char *text; /* the figure written beside the bar */
    td_brief_tone tone;
} td_brief_bar;

typedef struct {
    const char *title;
    const td_brief_bar *bars;
    size_t n;
    double max;    /* the scale: a bar of this value fills the width */
    double target; /* a marked line, or < 0 for none */
    const char *target_label;
} td_brief_chart;

typedef struct {
    const char *label;
    const char *value;
    const char *note;
    td_brief_tone tone;
} td_brief_tile;

#define TD_BRIEF_NEW_PAGE 1u /* printing starts the section on a new page */
#define TD_BRIEF_KEEP 2u     /* printing keeps the section on one page */

typedef struct td_brief_out td_brief_out;
typedef struct {
    void (*begin)(td_brief_out *o, const char *title, const char *subtitle);
    void (*tiles)(td_brief_out *o, const td_brief_tile *t, size_t n);
    /* A numbered section; flags: TD_BRIEF_NEW_PAGE, TD_BRIEF_KEEP. */
    void (*section)(td_brief_out *o, int number, const char *title, unsigned flags);
    void (*subsection)(td_brief_out *o, const char *title);
    void (*para)(td_brief_out *o, const char *text);
    /* kinds: a letter per column: l text, w wide text, c a code (kept on one line), r a figure
     * (right-aligned, on one line). */
    void (*table)(td_brief_out *o, const char *const *head, const char *kinds, size_t n);
    void (*row)(td_brief_out *o, const char *const *cells, td_brief_row style);
    void (*table_end)(td_brief_out *o);
    void (*chart)(td_brief_out *o, const td_brief_chart *c);
    void (*end)(td_brief_out *o);
} td_brief_ops;

struct td_brief_out {
    FILE *f;
    const td_brief_ops *ops;
    size_t columns;    /* of the open table */
    const char *kinds; /* of the open table */
    bool in_section;   /* HTML: a <section> is open */
};

extern const td_brief_ops td_brief_md;
extern const td_brief_ops td_brief_html;

/* Writes the whole briefing through the layout. */
void td_brief_write(const td_brief *r, td_brief_out *o);

#endif
