/* Rendering query results as text tables, CSV, or JSON. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *key;
    const char *title;
    int width; /* text column width; negative: left-aligned */
} s_column;

typedef struct {
    const char *command;
    const char *rows_key; /* the array in the document */
    const s_column *columns;
    size_t n_columns;
} s_table;

static const s_column s_task_cols[] = {
    {"id", "ID", -10},
    {"title", "TITLE", -0},
    {"source", "SOURCE", -14},
    {"lead", "LEAD", -8},
    {"deadline", "DEADLINE", -10},
    {"state", "STATE", -11},
    {"progress", "PROG", 4},
    {"completed_on", "COMPLETED", -10},
    {"class", "CLASS", -11},
    {"days_overdue", "DAYS_OVER", 9},
    {"reported_as_of", "REPORTED_AS_OF", -25},
};
static const s_column s_agent_cols[] = {
    {"agency", "AGENCY", -10},
    {"state", "STATE", -7},
    {"last_contact", "LAST_CONTACT", -25},
    {"last_report_as_of", "LAST_REPORT_AS_OF", -25},
    {"last_seq", "SEQ", 6},
    {"reports", "REPORTS", 7},
    {"interval_s", "INTERVAL", 8},
    {"outbox_depth", "OUTBOX", 6},
    {"thinned", "THINNED", 7},
    {"key", "KEY", -40},
};
static const s_column s_report_cols[] = {
    {"seq", "SEQ", 6},           {"as_of", "AS_OF", -25},     {"received_at", "RECEIVED_AT", -25},
    {"accepted", "ACCEPTED", 8}, {"rejected", "REJECTED", 8}, {"key", "KEY", -40},
};
static const s_column s_alert_cols[] = {
    {"id", "ID", 5},         {"time", "TIME", -25},    {"rule", "RULE", -16},
    {"event", "EVENT", -17}, {"status", "STATUS", -9}, {"suppressed_before", "HELD", 4},
    {"text", "TEXT", -0},
};

#define N(a) (sizeof a / sizeof a[0])
static const s_table s_tables[] = {
    {"tasks", "tasks", s_task_cols, N(s_task_cols)},
    {"agents", "agents", s_agent_cols, N(s_agent_cols)},
    {"reports", "reports", s_report_cols, N(s_report_cols)},
    {"alerts", "alerts", s_alert_cols, N(s_alert_cols)},
};

/* The value as text: "" for null, numbers in decimal. */
static void s_cell(json_t *v, char *buf, size_t cap)
{
    if (json_is_string(v))
        snprintf(buf, cap, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, cap, "%.4f", json_real_value(v));
    else if (json_is_true(v) || json_is_false(v))
        snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
    else
        buf[0] = '\0';
}

static void s_csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void s_print_csv(const s_table *t, json_t *rows)
{
    char buf[8192];
    size_t i;
    json_t *row;
    for (size_t c = 0; c < t->n_columns; c++)
        printf("%s%s", c ? "," : "", t->columns[c].key);
    putchar('\n');
    json_array_foreach(rows, i, row)
    {
        for (size_t c = 0; c < t->n_columns; c++) {
            s_cell(json_object_get(row, t->columns[c].key), buf, sizeof buf);
            if (c)
                putchar(',');
            s_csv_field(buf);
        }
        putchar('\n');
    }
}

static void s_print_text(const s_table *t, json_t *rows)
{
    char buf[8192];
    size_t i;
    json_t *row;
    for (size_t c = 0; c < t->n_columns; c++)
        if (t->columns[c].width)
            printf("%*s ", t->columns[c].width, t->columns[c].title);
    printf("%s\n", t == &s_tables[0] ? "TITLE" : "");
    json_array_foreach(rows, i, row)
    {
        for (size_t c = 0; c < t->n_columns; c++) {
            if (!t->columns[c].width)
                continue;
            s_cell(json_object_get(row, t->columns[c].key), buf, sizeof buf);
            printf("%*s ", t->columns[c].width, buf[0] ? buf : "-");
        }
        if (t == &s_tables[0]) /* the task title last: it is long */
            printf("%s", json_string_value(json_object_get(row, "title")));
        putchar('\n');
    }
    printf("(%zu row%s)\n", json_array_size(rows), json_array_size(rows) == 1 ? "" : "s");
}

static void s_print_summary(json_t *doc)
{
    static const struct {
        const char *key, *label;
    } lines[] = {
        {"completed", "completed"},
        {"completed_on_time", "  on time"},
        {"completed_late", "  late"},
        {"on_schedule", "on schedule"},
        {"overdue", "overdue"},
        {"regular", "regular"},
        {"unreported", "unreported (no report yet)"},
        {"open_due_by", "open, due by the date given"},
    };
    json_int_t total = json_integer_value(json_object_get(doc, "total"));
    printf("Tasks as of %s\n\n", json_string_value(json_object_get(doc, "as_of")));
    printf("  %-28s %6lld  %6.1f%%\n", "total", (long long)total, total ? 100.0 : 0.0);
    for (size_t i = 0; i < N(lines); i++) {
        json_t *v = json_object_get(doc, lines[i].key);
        if (!v)
            continue;
        json_int_t n = json_integer_value(v);
        printf("  %-28s %6lld  %6.1f%%\n", lines[i].label, (long long)n,
               total ? 100.0 * (double)n / (double)total : 0.0);
    }
}

/* The first member of doc that is an array (the listing), or NULL. */
static json_t *s_listing(json_t *doc, const char **key_out)
{
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        if (json_is_array(v)) {
            *key_out = key;
            return v;
        }
    }
    return NULL;
}

/* Columns of a listing with no table of its own: the keys of its first row, scalars only. */
static size_t s_columns_of(json_t *rows, s_column *cols, size_t max)
{
    json_t *first = json_array_get(rows, 0);
    const char *key;
    json_t *v;
    size_t n = 0;
    json_object_foreach(first, key, v)
    {
        if (n < max && !json_is_object(v) && !json_is_array(v))
            cols[n++] = (s_column){key, key, -14};
    }
    return n;
}

static void s_print_scalars(json_t *doc, int indent)
{
    const char *key;
    json_t *v;
    char buf[8192];
    json_object_foreach(doc, key, v)
    {
        if (json_is_array(v))
            continue;
        if (json_is_object(v)) {
            printf("%*s%s:\n", indent, "", key);
            s_print_scalars(v, indent + 2);
            continue;
        }
        s_cell(v, buf, sizeof buf);
        printf("%*s%-30s %s\n", indent, "", key, buf[0] ? buf : "-");
    }
}

/* A sparkline of one numeric key over the trend's points. */
static void s_sparkline(json_t *points, const char *key)
{
    static const char *bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    double lo = 0, hi = 0;
    size_t i;
    json_t *p;
    json_array_foreach(points, i, p)
    {
        double x = json_number_value(json_object_get(p, key));
        lo = i == 0 || x < lo ? x : lo;
        hi = i == 0 || x > hi ? x : hi;
    }
    printf("  %-28s ", key);
    json_array_foreach(points, i, p)
    {
        double x = json_number_value(json_object_get(p, key));
        int b = hi > lo ? (int)((x - lo) / (hi - lo) * 7.0 + 0.5) : 0;
        fputs(bars[b], stdout);
    }
    printf("  %g .. %g\n", json_number_value(json_object_get(json_array_get(points, 0), key)),
           json_number_value(
               json_object_get(json_array_get(points, json_array_size(points) - 1), key)));
}

static void s_print_trend(json_t *doc)
{
    json_t *points = json_object_get(doc, "points");
    const char *key;
    json_t *v;
    printf("%s every %s, %zu points\n\n", json_string_value(json_object_get(doc, "metric")),
           json_string_value(json_object_get(doc, "every")), json_array_size(points));
    json_object_foreach(json_array_get(points, 0), key, v)
    {
        if (json_is_number(v))
            s_sparkline(points, key);
    }
}

static const s_table *s_table_of(const char *command)
{
    for (size_t i = 0; i < N(s_tables); i++)
        if (!strcmp(s_tables[i].command, command))
            return &s_tables[i];
    return NULL;
}

int td_cli_render(const char *command, json_t *doc, td_out_format fmt)
{
    if (fmt == TD_OUT_JSON) {
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        return 0;
    }
    const char *rows_key = NULL;
    json_t *rows = s_listing(doc, &rows_key);
    const s_table *known = s_table_of(command);
    s_column cols[32];
    s_table generic = {command, rows_key, cols, rows ? s_columns_of(rows, cols, 32) : 0};
    const s_table *t = known ? known : &generic;
    if (fmt == TD_OUT_CSV) {
        if (!rows) {
            fprintf(stderr, "tiendo: %s has no --csv form (it is not a listing)\n", command);
            return 2;
        }
        s_print_csv(t, rows);
        return 0;
    }
    if (!strcmp(command, "summary"))
        s_print_summary(doc);
    else if (!strcmp(command, "trend"))
        s_print_trend(doc);
    else if (!known)
        s_print_scalars(doc, 0);
    if (rows && strcmp(command, "trend")) {
        if (!known)
            putchar('\n');
        s_print_text(t, json_object_get(doc, t->rows_key));
    }
    return 0;
}
