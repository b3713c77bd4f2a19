/* tiendo report: the steering-committee briefing. Every figure is asked of the collector first
 * (at one instant, the as-of the first summary answers with), then written in one go, so that a
 * failing query leaves no half-written file. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define S_EXIT_OUTPUT 73 /* EX_CANTCREAT: the output file cannot be written */
#define S_MAX_NAMES 2000 /* agency names looked up at most; past that, codes are shown */
#define S_DAY_S (24 * 3600)

typedef struct {
    const char *as_of, *since, *format, *out;
} s_options;

static int s_options_parse(const td_param *p, size_t n, s_options *o)
{
    for (size_t i = 0; i < n; i++) {
        const char **slot = !strcmp(p[i].name, "as-of")    ? &o->as_of
                            : !strcmp(p[i].name, "since")  ? &o->since
                            : !strcmp(p[i].name, "format") ? &o->format
                            : !strcmp(p[i].name, "out")    ? &o->out
                                                           : NULL;
        if (!slot) {
            fprintf(stderr, "tiendo: report takes --as-of, --since, --format and --out, not --%s\n",
                    p[i].name);
            return TD_CLI_EXIT_USAGE;
        }
        *slot = p[i].value;
    }
    if (!o->format)
        o->format = "md";
    if (strcmp(o->format, "md") && strcmp(o->format, "html")) {
        fprintf(stderr, "tiendo: --format \"%s\" is not md or html\n", o->format);
        return TD_CLI_EXIT_USAGE;
    }
    if (o->out && !*o->out) {
        fprintf(stderr, "tiendo: --out needs a file name\n");
        return TD_CLI_EXIT_USAGE;
    }
    return 0;
}

/* One query: the command at instant `when` (none: the collector's default), with one more
 * option when name is not NULL. */
static int s_ask(td_client *c, const char *command, const char *when, const char *name,
                 const char *value, json_t **out)
{
    td_param p[2];
    size_t n = 0;
    if (when)
        p[n++] = (td_param){"as-of", (char *)when};
    if (name)
        p[n++] = (td_param){(char *)name, (char *)value};
    return td_client_query(c, command, p, n, out);
}

/* The instant the collector read as-of as (the as_of of a first summary) fixes every other
 * query, today, the year, and the default since: seven days earlier. */
static int s_instant(td_client *c, td_brief *r, const char *as_of, char when[26], char since[26])
{
    json_t *first = NULL;
    int rc = s_ask(c, "summary", as_of, NULL, NULL, &first);
    if (rc)
        return rc;
    td_time t;
    if (td_time_parse(td_brief_str(first, "as_of"), &t) != TD_OK) {
        fprintf(stderr, "tiendo: the collector answered an unreadable as_of\n");
        json_decref(first);
        return TD_CLI_EXIT_QUERY;
    }
    json_decref(first);
    td_time_format(t, when);
    td_time_format(t - 7 * S_DAY_S, since);
    r->today = td_time_day(t);
    char day[11];
    td_day_format(r->today, day);
    r->year = atoi(day);
    return 0;
}

static int s_gather(td_client *c, td_brief *r, const s_options *o)
{
    char when[26], since[26], due_by[16];
    int rc = s_instant(c, r, o->as_of, when, since);
    if (rc)
        return rc;
    snprintf(due_by, sizeof due_by, "%04d-12-31", r->year);
    const struct {
        const char *command, *when, *name, *value;
        json_t **out;
    } asks[] = {
        {"summary", when, "due-by", due_by, &r->now},
        {"summary", o->since ? o->since : since, NULL, NULL, &r->then},
        {"tasks", when, "class", "overdue", &r->overdue},
        {"tasks", when, "difficulty", "hard", &r->hard},
        {"infra", when, NULL, NULL, &r->infra},
        {"services", when, NULL, NULL, &r->services},
        {"databases", when, NULL, NULL, &r->databases},
        {"funding", when, NULL, NULL, &r->funding},
        {"obstacles", when, "state", "open", &r->obstacles},
        {"agents", NULL, "state", "silent", &r->silent}, /* liveness is now, not as-of */
    };
    for (size_t i = 0; i < sizeof asks / sizeof asks[0] && !rc; i++)
        rc = s_ask(c, asks[i].command, asks[i].when, asks[i].name, asks[i].value, asks[i].out);
    return rc;
}

/* A new array of the rows keep() accepts (all when keep is NULL), sorted by cmp. */
static json_t *s_select(json_t *rows, bool (*keep)(json_t *row, const td_brief *r),
                        int (*cmp)(const void *, const void *), const td_brief *r)
{
    size_t n = 0, i;
    json_t *row;
    json_t **v = malloc((json_array_size(rows) + 1) * sizeof *v);
    if (!v)
        return NULL;
    json_array_foreach(rows, i, row)
    {
        if (!keep || keep(row, r))
            v[n++] = row;
    }
    qsort(v, n, sizeof *v, cmp);
    json_t *out = json_array();
    for (i = 0; out && i < n; i++)
        json_array_append(out, v[i]);
    free(v);
    return out;
}

static td_day s_day(json_t *row, const char *key)
{
    td_day d;
    return td_day_parse(td_brief_str(row, key), &d) == TD_OK ? d : TD_NODAY;
}

static bool s_at_risk(json_t *row, const td_brief *r)
{
    const char *cls = td_brief_str(row, "class");
    if (!strcmp(cls, "overdue"))
        return true;
    td_day deadline = s_day(row, "deadline");
    return !strcmp(cls, "on_schedule") && deadline != TD_NODAY &&
           deadline - r->today <= TD_BRIEF_RISK_DAYS;
}

/* Overdue first, the longest overdue first; then the nearest deadline. */
static int s_cmp_risk(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    long long dx = td_brief_get(x, "days_overdue"), dy = td_brief_get(y, "days_overdue");
    if (dx != dy)
        return dx < dy ? 1 : -1;
    int c = strcmp(td_brief_str(x, "deadline"), td_brief_str(y, "deadline"));
    return c ? c : strcmp(td_brief_str(x, "id"), td_brief_str(y, "id"));
}

static bool s_unfinished(json_t *row, const td_brief *r)
{
    (void)r;
    return strcmp(td_brief_str(row, "stage"), "foundation_centralized") != 0;
}

static int s_stage_rank(json_t *row)
{
    const char *stage = td_brief_str(row, "stage");
    return !strcmp(stage, "not_started") ? 0 : !strcmp(stage, "deploying") ? 1 : 2;
}

/* not_started before deploying, then by agency and id. */
static int s_cmp_database(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = s_stage_rank(x) - s_stage_rank(y);
    if (!c)
        c = strcmp(td_brief_str(x, "agency"), td_brief_str(y, "agency"));
    return c ? c : strcmp(td_brief_str(x, "id"), td_brief_str(y, "id"));
}

/* The oldest first. */
static int s_cmp_obstacle(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(td_brief_str(x, "reported_on"), td_brief_str(y, "reported_on"));
    if (!c)
        c = strcmp(td_brief_str(x, "agency"), td_brief_str(y, "agency"));
    return c ? c : strcmp(td_brief_str(x, "id"), td_brief_str(y, "id"));
}

/* The longest silent first. */
static int s_cmp_agent(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(td_brief_str(x, "last_contact"), td_brief_str(y, "last_contact"));
    return c ? c : strcmp(td_brief_str(x, "agency"), td_brief_str(y, "agency"));
}

static int s_cmp_lead(const void *a, const void *b)
{
    const td_brief_lead *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    if (x->max_days != y->max_days)
        return x->max_days < y->max_days ? 1 : -1;
    return strcmp(x->code, y->code);
}

/* Overdue tasks grouped by lead agency, most first. */
static int s_rank_leads(td_brief *r)
{
    json_t *rows = json_object_get(r->overdue, "tasks"), *row, *index = json_object();
    size_t i;
    r->leads = calloc(json_array_size(rows) + 1, sizeof *r->leads);
    if (!r->leads || !index) {
        json_decref(index);
        return -1;
    }
    json_array_foreach(rows, i, row)
    {
        const char *code = td_brief_str(row, "lead");
        json_t *at = json_object_get(index, code);
        td_brief_lead *l = &r->leads[at ? (size_t)json_integer_value(at) : r->n_leads];
        if (!at) {
            json_object_set_new(index, code, json_integer((json_int_t)r->n_leads++));
            l->code = code;
        }
        long long days = td_brief_get(row, "days_overdue");
        l->count++;
        l->max_days = days > l->max_days ? days : l->max_days;
    }
    json_decref(index);
    qsort(r->leads, r->n_leads, sizeof *r->leads, s_cmp_lead);
    return 0;
}

static int s_derive(td_brief *r)
{
    r->at_risk = s_select(json_object_get(r->hard, "tasks"), s_at_risk, s_cmp_risk, r);
    r->unfinished =
        s_select(json_object_get(r->databases, "databases"), s_unfinished, s_cmp_database, r);
    r->open = s_select(json_object_get(r->obstacles, "obstacles"), NULL, s_cmp_obstacle, r);
    r->silent_rows = s_select(json_object_get(r->silent, "agents"), NULL, s_cmp_agent, r);
    r->names = json_object();
    if (!r->at_risk || !r->unfinished || !r->open || !r->silent_rows || !r->names ||
        s_rank_leads(r)) {
        fprintf(stderr, "tiendo: out of memory\n");
        return TD_CLI_EXIT_QUERY;
    }
    return 0;
}

/* Looks up the agency's name unless known (or too many were looked up already). */
static int s_name(td_client *c, td_brief *r, const char *code)
{
    if (!*code || json_object_get(r->names, code) || json_object_size(r->names) >= S_MAX_NAMES)
        return 0;
    json_t *doc = NULL;
    td_param p = {"code", (char *)code};
    int rc = td_client_query(c, "agency", &p, 1, &doc);
    if (rc)
        return rc;
    const char *name = json_string_value(json_object_get(json_object_get(doc, "agency"), "name"));
    json_object_set_new(r->names, code, json_string(name ? name : code));
    json_decref(doc);
    return 0;
}

static int s_names_of(td_client *c, td_brief *r, json_t *rows, const char *key)
{
    size_t i;
    json_t *row;
    int rc = 0;
    json_array_foreach(rows, i, row)
    {
        if ((rc = s_name(c, r, td_brief_str(row, key))))
            break;
    }
    return rc;
}

/* The names of the agencies the briefing lists. */
static int s_names(td_client *c, td_brief *r)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < r->n_leads && i < TD_BRIEF_TOP; i++)
        rc = s_name(c, r, r->leads[i].code);
    if (!rc)
        rc = s_names_of(c, r, r->at_risk, "lead");
    if (!rc)
        rc = s_names_of(c, r, r->unfinished, "agency");
    if (!rc)
        rc = s_names_of(c, r, r->open, "agency");
    if (!rc)
        rc = s_names_of(c, r, r->silent_rows, "agency");
    return rc;
}

static void s_fini(td_brief *r)
{
    json_t **docs[] = {&r->now,      &r->then,      &r->overdue,    &r->hard,      &r->infra,
                       &r->services, &r->databases, &r->funding,    &r->obstacles, &r->silent,
                       &r->names,    &r->at_risk,   &r->unfinished, &r->open,      &r->silent_rows};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_decref(*docs[i]);
        *docs[i] = NULL;
    }
    free(r->leads);
    r->leads = NULL;
}

/* Writes to path (stdout when NULL); a file that could not be written whole is removed. */
static int s_write(const td_brief *r, const s_options *o)
{
    FILE *f = o->out ? fopen(o->out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "tiendo: cannot write %s: %s\n", o->out, strerror(errno));
        return S_EXIT_OUTPUT;
    }
    td_brief_out out = {.f = f, .ops = strcmp(o->format, "html") ? &td_brief_md : &td_brief_html};
    td_brief_write(r, &out);
    int failed = ferror(f);
    failed |= o->out ? fclose(f) : fflush(f);
    if (failed) {
        fprintf(stderr, "tiendo: cannot write %s: %s\n", o->out ? o->out : "the standard output",
                strerror(errno));
        if (o->out)
            remove(o->out);
        return S_EXIT_OUTPUT;
    }
    return 0;
}

int td_cli_report(td_client *client, const td_param *p, size_t n)
{
    s_options o = {0};
    int rc = s_options_parse(p, n, &o);
    if (rc)
        return rc;
    td_brief r = {0};
    rc = s_gather(client, &r, &o);
    if (!rc)
        rc = s_derive(&r);
    if (!rc)
        rc = s_names(client, &r);
    if (!rc)
        rc = s_write(&r, &o);
    s_fini(&r);
    return rc;
}
