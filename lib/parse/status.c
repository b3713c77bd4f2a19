/* Agency status files (JSON). jansson checks the syntax; this file checks the shape, every item
 * and every section, collects every problem with the path of the value it is about, and finds the
 * positions of those values in one pass at the end (jsonpos.c), sorted so that a reader can fix
 * them top down. The values themselves are judged by the model's checks (td_*_check). */
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/parse.h"

#define S_QUOTE_MAX 80 /* a value quoted in a message */

typedef struct {
    char *path;   /* RFC 6901 pointer of the value in question */
    bool at_key;  /* point at the member's key (an unknown key), not its value */
    char *ref;    /* a value whose line ends the reason ("... repeats line N"), or NULL */
    char *reason; /* without the position */
    int line;     /* filled at the end; 0 when not found */
    int column;
    int ref_line;
    size_t order; /* keeps equal positions in the order found */
} s_problem;

typedef struct {
    s_problem *probs;
    size_t n;
    size_t cap;
    size_t dropped; /* problems past TD_PARSE_ERRORS_MAX, counted only */
    bool nomem;
    td_time as_of; /* INT64_MAX when the file has none: then every date passes */
} s_status;

static const char *const s_root_keys[] = {"agency",         "as_of",     "tasks",
                                          "infrastructure", "services",  "databases",
                                          "funding",        "obstacles", NULL};

/* Adds a problem, taking path and ref (malloc'd; a NULL path means memory ran out). */
static void s_vreport(s_status *st, char *path, bool at_key, char *ref, const char *fmt, va_list ap)
{
    char reason[640];
    vsnprintf(reason, sizeof reason, fmt, ap);
    if (st->n == TD_PARSE_ERRORS_MAX) {
        st->dropped++;
        free(path);
        free(ref);
        return;
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        s_problem *probs = realloc(st->probs, cap * sizeof *probs);
        if (probs != NULL) {
            st->probs = probs;
            st->cap = cap;
        }
    }
    char *text = strdup(reason);
    if (st->n == st->cap || path == NULL || text == NULL) {
        st->nomem = true;
        free(path);
        free(ref);
        free(text);
        return;
    }
    st->probs[st->n] = (s_problem){path, at_key, ref, text, 0, 0, 0, st->n};
    st->n++;
}

static void s_report(s_status *st, char *path, bool at_key, char *ref, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void s_bad(s_status *st, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_bad_key(s_status *st, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_report(s_status *st, char *path, bool at_key, char *ref, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vreport(st, path, at_key, ref, fmt, ap);
    va_end(ap);
}

/* The path of member `key` of the value at path, or of that value itself when key is NULL. */
static char *s_path(const char *path, const char *key)
{
    return key != NULL ? td_jsonpos_child(path, key) : strdup(path);
}

/* A problem with the value at path, or with its member key's value. */
static void s_bad(s_status *st, const char *path, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vreport(st, s_path(path, key), false, NULL, fmt, ap);
    va_end(ap);
}

/* A problem with the key of member `key` itself. */
static void s_bad_key(s_status *st, const char *path, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vreport(st, s_path(path, key), true, NULL, fmt, ap);
    va_end(ap);
}

static bool s_listed(const char *const *list, const char *key)
{
    for (; *list != NULL; list++) {
        if (strcmp(*list, key) == 0)
            return true;
    }
    return false;
}

static const char *s_join(const char *const *list, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; list[i] != NULL && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", list[i]);
    return buf;
}

static void s_check_keys(s_status *st, const char *path, json_t *obj, const char *const *known)
{
    char q[S_QUOTE_MAX], all[256];
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        if (s_listed(known, key))
            continue;
        s_bad_key(st, path, key, "unknown key %s (expected %s)", td_parse_quote(key, q, sizeof q),
                  s_join(known, all, sizeof all));
    }
}

/* The string member `key`: NULL when it is absent (a problem when required) or not a string. */
static const char *s_string(s_status *st, const char *path, json_t *obj, const char *key,
                            bool required)
{
    json_t *value = json_object_get(obj, key);
    if (value == NULL) {
        if (required)
            s_bad(st, path, NULL, "missing key \"%s\"", key);
        return NULL;
    }
    if (!json_is_string(value)) {
        s_bad(st, path, key, "%s must be a string", key);
        return NULL;
    }
    return json_string_value(value);
}

static void s_check_head(s_status *st, json_t *root, td_report *r)
{
    char q[S_QUOTE_MAX];
    const char *agency = s_string(st, "", root, "agency", true);
    const char *as_of = s_string(st, "", root, "as_of", true);
    if (agency != NULL && td_code_valid(agency))
        strcpy(r->agency, agency);
    else if (agency != NULL)
        s_bad(st, "", "agency", "agency %s is not a valid agency code (1..%d of A-Z a-z 0-9 . _ -)",
              td_parse_quote(agency, q, sizeof q), TD_CODE_MAX);
    /* Without a date every completion is possible: the items are still checked for the rest. */
    st->as_of = INT64_MAX;
    if (as_of != NULL && td_time_parse(as_of, &r->as_of) == TD_OK)
        st->as_of = r->as_of;
    else if (as_of != NULL)
        s_bad(st, "", "as_of", "as_of %s is not a date-time such as 2025-12-04T17:00:00+07:00",
              td_parse_quote(as_of, q, sizeof q));
}

/* The member readers below report their own fault and leave a placeholder that passes the model's
 * check of that field, so that the check can still find the item's other faults. */

/* True when the item has an id of its own (which may still be invalid); else id is "-". */
static bool s_id(s_status *st, const char *path, json_t *item, char id[TD_ID_MAX + 1])
{
    char q[S_QUOTE_MAX];
    const char *text = s_string(st, path, item, "id", true);
    strcpy(id, "-");
    if (text == NULL)
        return false;
    if (strlen(text) > TD_ID_MAX) {
        s_bad(st, path, "id", "id %s is longer than %d bytes", td_parse_quote(text, q, sizeof q),
              TD_ID_MAX);
        return false;
    }
    strcpy(id, text); /* the model's check judges its characters */
    return true;
}

/* A required name from an enum's table; false (out untouched) when it is absent or unknown. */
static bool s_enum(s_status *st, const char *path, json_t *item, const char *key,
                   td_err (*parse)(const char *, int *), const char *choices, int *out)
{
    char q[S_QUOTE_MAX];
    const char *name = s_string(st, path, item, key, true);
    if (name != NULL && parse(name, out) == TD_OK)
        return true;
    if (name != NULL)
        s_bad(st, path, key, "%s %s is not one of %s", key, td_parse_quote(name, q, sizeof q),
              choices);
    return false;
}

/* A date; *out is TD_NODAY when it is absent (which passes unless required) or bad (false). */
static bool s_day(s_status *st, const char *path, json_t *item, const char *key, bool required,
                  td_day *out)
{
    char q[S_QUOTE_MAX];
    const char *day = s_string(st, path, item, key, required);
    *out = TD_NODAY;
    if ((!required && json_object_get(item, key) == NULL) ||
        (day != NULL && td_day_parse(day, out) == TD_OK))
        return true;
    if (day != NULL)
        s_bad(st, path, key, "%s %s is not a date (YYYY-MM-DD)", key,
              td_parse_quote(day, q, sizeof q));
    return false;
}

/* A copy of a text member into *out. A required one that is absent or not a string has been
 * reported already, so it reads "-" rather than being called empty by the model's check too. */
static void s_text(s_status *st, const char *path, json_t *item, const char *key, bool required,
                   char **out)
{
    const char *text = s_string(st, path, item, key, required);
    if (text == NULL && required)
        text = "-";
    if (text != NULL && (*out = strdup(text)) == NULL)
        st->nomem = true;
}

static void s_task_progress(s_status *st, const char *path, json_t *item, td_task_status *s)
{
    json_t *value = json_object_get(item, "progress");
    json_int_t v = json_integer_value(value);
    s->progress = 0;
    if (value == NULL)
        s_bad(st, path, NULL, "missing key \"progress\"");
    else if (!json_is_integer(value))
        s_bad(st, path, "progress", "progress must be an integer");
    else if (v < INT_MIN || v > INT_MAX)
        s_bad(st, path, "progress", "progress %lld is out of range 0..100", (long long)v);
    else
        s->progress = (int)v; /* the model's check judges the range */
}

static void s_task_evidence(s_status *st, const char *path, json_t *item, td_task_status *s)
{
    json_t *list = json_object_get(item, "evidence"), *value;
    size_t i, n = json_array_size(list);
    if (list == NULL)
        return;
    if (!json_is_array(list)) {
        s_bad(st, path, "evidence", "evidence must be an array of strings");
        return;
    }
    /* The model's limit, checked here before it costs an allocation. */
    if (n > TD_EVIDENCE_MAX) {
        s_bad(st, path, "evidence", "evidence has %zu items, more than %d", n, TD_EVIDENCE_MAX);
        return;
    }
    if (n > 0 && (s->evidence = calloc(n, sizeof *s->evidence)) == NULL) {
        st->nomem = true;
        return;
    }
    json_array_foreach(list, i, value)
    {
        char at[64];
        snprintf(at, sizeof at, "%s/evidence/%zu", path, i);
        if (!json_is_string(value))
            s_bad(st, at, NULL, "evidence items must be strings");
        else if ((s->evidence[s->n_evidence++] = strdup(json_string_value(value))) == NULL) {
            st->nomem = true;
        }
    }
}

/* The model's messages begin with the field they are about ("progress 150 is ...", "evidence[2]
 * is ..."): pointing at that value when the item has it beats pointing at the whole item. */
static char *s_why_path(const char *path, json_t *item, const char *why)
{
    char field[32];
    size_t n = strcspn(why, " [");
    json_t *value = NULL;
    if (n < sizeof field) {
        memcpy(field, why, n);
        field[n] = '\0';
        value = json_object_get(item, field);
    }
    if (value == NULL)
        return strdup(path);
    char *at = td_jsonpos_child(path, field);
    size_t i = why[n] == '[' ? strtoul(why + n + 1, NULL, 10) : SIZE_MAX;
    if (at != NULL && i < json_array_size(value)) {
        char *element = td_jsonpos_index(at, i);
        free(at);
        at = element;
    }
    return at;
}

/* Reports what a model check (td_*_check) found wrong with the object at path. */
static void s_model_fault(s_status *st, const char *path, json_t *obj, td_err err,
                          const td_errmsg *why)
{
    if (err != TD_OK)
        s_report(st, s_why_path(path, obj, why->text), false, NULL, "%s", why->text);
}

/* ---- lists of items keyed by id: tasks, databases, obstacles ---- */

/* Reads one item (an object) into out, a zeroed model struct; returns the item's id when it has a
 * valid one, for the check that ids do not repeat, else NULL. */
typedef const char *(*s_item_fn)(s_status *st, const char *path, json_t *item, void *out);

typedef struct {
    const char *key;         /* of the list in the file */
    const char *noun;        /* "a task", for messages */
    const char *const *keys; /* of an item */
    size_t max;              /* items */
    size_t size;             /* of one model struct */
    s_item_fn item;
} s_list;

static const char *s_task(s_status *st, const char *path, json_t *item, void *out)
{
    td_task_status *s = out;
    td_errmsg why;
    bool has_id = s_id(st, path, item, s->id);
    /* A bad state reads as the one that agrees with completed_on, so that the check does not
     * fault that too. */
    if (!s_enum(st, path, item, "state", td_state_parse, td_state_choices(), &s->state))
        s->state = json_object_get(item, "completed_on") ? TD_STATE_DONE : TD_STATE_IN_PROGRESS;
    s_task_progress(st, path, item, s);
    if (!s_day(st, path, item, "completed_on", false, &s->completed_on))
        s->completed_on = s->state == TD_STATE_DONE ? 1 : TD_NODAY;
    s_text(st, path, item, "note", false, &s->note);
    s_task_evidence(st, path, item, s);
    s_model_fault(st, path, item, td_task_status_check(s, st->as_of, &why), &why);
    return has_id && td_id_valid(s->id) ? s->id : NULL;
}

static const char *s_database(s_status *st, const char *path, json_t *item, void *out)
{
    td_database *d = out;
    td_errmsg why;
    bool has_id = s_id(st, path, item, d->id);
    s_text(st, path, item, "name", true, &d->name);
    if (!s_enum(st, path, item, "stage", td_stage_parse, td_stage_choices(), &d->stage))
        d->stage = TD_STAGE_NOT_STARTED;
    s_model_fault(st, path, item, td_database_check(d, &why), &why);
    return has_id && td_id_valid(d->id) ? d->id : NULL;
}

static const char *s_obstacle(s_status *st, const char *path, json_t *item, void *out)
{
    td_obstacle *o = out;
    td_errmsg why;
    bool has_id = s_id(st, path, item, o->id);
    if (!s_enum(st, path, item, "category", td_category_parse, td_category_choices(), &o->category))
        o->category = TD_OBST_OTHER;
    s_text(st, path, item, "description", true, &o->description);
    /* As for tasks, a bad state reads as the one that agrees with resolved_on. */
    if (!s_enum(st, path, item, "state", td_obstacle_state_parse, td_obstacle_state_choices(),
                &o->state))
        o->state = json_object_get(item, "resolved_on") ? TD_OBST_RESOLVED : TD_OBST_OPEN;
    /* A bad reported_on reads as the first day there is, after which any resolution falls. */
    if (!s_day(st, path, item, "reported_on", true, &o->reported_on))
        o->reported_on = 1;
    s_day(st, path, item, "resolved_on", false, &o->resolved_on);
    s_model_fault(st, path, item, td_obstacle_check(o, st->as_of, &why), &why);
    return has_id && td_id_valid(o->id) ? o->id : NULL;
}

static const char *const s_task_keys[] = {"id",           "state",    "progress", "note",
                                          "completed_on", "evidence", NULL};
static const char *const s_database_keys[] = {"id", "name", "stage", NULL};
static const char *const s_obstacle_keys[] = {"id",          "category",    "description", "state",
                                              "reported_on", "resolved_on", NULL};

static const s_list s_tasks = {.key = "tasks",
                               .noun = "a task",
                               .keys = s_task_keys,
                               .max = TD_STATUS_TASKS_MAX,
                               .size = sizeof(td_task_status),
                               .item = s_task};
static const s_list s_databases = {.key = "databases",
                                   .noun = "a database",
                                   .keys = s_database_keys,
                                   .max = TD_STATUS_DATABASES_MAX,
                                   .size = sizeof(td_database),
                                   .item = s_database};
static const s_list s_obstacles = {.key = "obstacles",
                                   .noun = "an obstacle",
                                   .keys = s_obstacle_keys,
                                   .max = TD_STATUS_OBSTACLES_MAX,
                                   .size = sizeof(td_obstacle),
                                   .item = s_obstacle};

/* Remembers the item's id in seen, or says which earlier item of the list has it. */
static void s_check_repeat(s_status *st, json_t *seen, const s_list *l, const char *path,
                           size_t index, const char *id)
{
    char q[S_QUOTE_MAX], first_path[48];
    json_t *first = json_object_get(seen, id);
    if (first == NULL) {
        if (json_object_set_new(seen, id, json_integer((json_int_t)index)) != 0)
            st->nomem = true;
        return;
    }
    snprintf(first_path, sizeof first_path, "/%s/%lld/id", l->key,
             (long long)json_integer_value(first));
    s_report(st, td_jsonpos_child(path, "id"), false, strdup(first_path), "id %s repeats",
             td_parse_quote(id, q, sizeof q));
}

static void s_check_items(s_status *st, json_t *list, const s_list *l, char *items)
{
    json_t *seen = json_object(), *item; /* id -> index of the first item with it */
    size_t i;
    if (seen == NULL) {
        st->nomem = true;
        return;
    }
    json_array_foreach(list, i, item)
    {
        char path[48];
        snprintf(path, sizeof path, "/%s/%zu", l->key, i);
        if (!json_is_object(item)) {
            s_bad(st, path, NULL, "%s must be an object", l->noun);
            continue;
        }
        s_check_keys(st, path, item, l->keys);
        const char *id = l->item(st, path, item, items + i * l->size);
        if (id != NULL)
            s_check_repeat(st, seen, l, path, i, id);
        if (st->nomem)
            break;
    }
    json_decref(seen);
}

/* Reads list l of root into *items (a calloc'd array of *n model structs, NULL when empty). True
 * when root has the key, even when its value is wrong. */
static bool s_check_list(s_status *st, json_t *root, const s_list *l, void **items, size_t *n)
{
    json_t *list = json_object_get(root, l->key);
    size_t count = json_array_size(list);
    if (list == NULL)
        return false;
    if (!json_is_array(list)) {
        s_bad(st, "", l->key, "%s must be an array", l->key);
        return true;
    }
    if (count > l->max) {
        s_bad(st, "", l->key, "%s has %zu items, more than %zu", l->key, count, l->max);
        return true;
    }
    if (count > 0 && (*items = calloc(count, l->size)) == NULL) {
        st->nomem = true;
        return true;
    }
    *n = count;
    s_check_items(st, list, l, *items);
    return true;
}

static void s_check_lists(s_status *st, json_t *root, td_report *r)
{
    void *items = NULL;
    s_check_list(st, root, &s_tasks, &items, &r->n_tasks);
    r->tasks = items;
    items = NULL;
    r->has_databases = s_check_list(st, root, &s_databases, &items, &r->n_databases);
    r->databases = items;
    items = NULL;
    r->has_obstacles = s_check_list(st, root, &s_obstacles, &items, &r->n_obstacles);
    r->obstacles = items;
}

/* ---- sections of counts: infrastructure, services, funding ---- */

/* What a bad value reads as, so that the section's bounds still judge the other fields: a
 * whole is as large as can be, a part 0. */
typedef enum { S_PART, S_WHOLE, S_FLAG } s_role;

typedef struct {
    const char *key;
    size_t off; /* of the int64_t (a bool for S_FLAG) in the model's struct */
    s_role role;
} s_field;

#define S_FIELDS_MAX 8
#define S_FIELD(type, name, role)                                                                  \
    {                                                                                              \
#name, offsetof(type, name), role                                                          \
    }

static const s_field s_infra_fields[] = {
    S_FIELD(td_infra, terminals_required, S_PART),
    S_FIELD(td_infra, terminals_available, S_PART),
    S_FIELD(td_infra, villages_total, S_WHOLE),
    S_FIELD(td_infra, villages_signal_gap, S_PART),
    S_FIELD(td_infra, villages_no_power, S_PART),
    S_FIELD(td_infra, population_db_connected, S_FLAG),
    {NULL, 0, S_PART},
};
static const s_field s_services_fields[] = {
    S_FIELD(td_services, procedures_total, S_WHOLE),
    S_FIELD(td_services, procedures_announced, S_PART),
    S_FIELD(td_services, procedures_online, S_PART),
    S_FIELD(td_services, files_received, S_WHOLE),
    S_FIELD(td_services, files_fully_online, S_PART),
    S_FIELD(td_services, records_total, S_WHOLE),
    S_FIELD(td_services, records_digitized, S_PART),
    {NULL, 0, S_PART},
};
static const s_field s_funding_fields[] = {
    S_FIELD(td_funding, requested_vnd, S_PART),
    S_FIELD(td_funding, allocated_vnd, S_WHOLE),
    S_FIELD(td_funding, disbursed_vnd, S_PART),
    {NULL, 0, S_PART},
};

static void s_field_value(s_status *st, const char *path, json_t *obj, const s_field *f,
                          char *section)
{
    json_t *value = json_object_get(obj, f->key);
    if (value == NULL)
        s_bad(st, path, NULL, "missing key \"%s\"", f->key);
    if (f->role == S_FLAG) {
        *(bool *)(section + f->off) = json_is_true(value);
        if (value != NULL && !json_is_boolean(value))
            s_bad(st, path, f->key, "%s must be true or false", f->key);
        return;
    }
    int64_t *count = (int64_t *)(section + f->off);
    *count = f->role == S_WHOLE ? INT64_MAX : 0;
    if (value != NULL && !json_is_integer(value))
        s_bad(st, path, f->key, "%s must be a non-negative integer", f->key);
    else if (value != NULL)
        *count = json_integer_value(value); /* the model's check judges the sign and the bounds */
}

/* Reads section `key` of root into the model's struct; every field is required. True when the
 * section is there and an object, for the model's check to judge. */
static bool s_check_section(s_status *st, json_t *root, const char *key, const s_field *fields,
                            void *section)
{
    json_t *obj = json_object_get(root, key);
    const char *names[S_FIELDS_MAX + 1];
    char path[32];
    size_t n = 0;
    if (obj == NULL)
        return false;
    if (!json_is_object(obj)) {
        s_bad(st, "", key, "%s must be an object", key);
        return false;
    }
    snprintf(path, sizeof path, "/%s", key);
    for (; fields[n].key != NULL; n++)
        names[n] = fields[n].key;
    names[n] = NULL;
    s_check_keys(st, path, obj, names);
    for (const s_field *f = fields; f->key != NULL; f++)
        s_field_value(st, path, obj, f, section);
    return true;
}

static void s_check_sections(s_status *st, json_t *root, td_report *r)
{
    td_errmsg why;
    if ((r->infra.present = s_check_section(st, root, "infrastructure", s_infra_fields, &r->infra)))
        s_model_fault(st, "/infrastructure", json_object_get(root, "infrastructure"),
                      td_infra_check(&r->infra, &why), &why);
    if ((r->services.present =
             s_check_section(st, root, "services", s_services_fields, &r->services)))
        s_model_fault(st, "/services", json_object_get(root, "services"),
                      td_services_check(&r->services, &why), &why);
    if ((r->funding.present = s_check_section(st, root, "funding", s_funding_fields, &r->funding)))
        s_model_fault(st, "/funding", json_object_get(root, "funding"),
                      td_funding_check(&r->funding, &why), &why);
}

static void s_check(s_status *st, json_t *root, td_report *r)
{
    if (!json_is_object(root)) {
        s_bad(st, "", NULL, "a status file must be a JSON object");
        return;
    }
    s_check_keys(st, "", root, s_root_keys);
    s_check_head(st, root, r);
    s_check_lists(st, root, r);
    s_check_sections(st, root, r);
}

static int s_by_position(const void *a, const void *b)
{
    const s_problem *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Finds where each problem is. A position the scanner cannot find stays 0, and its message goes
 * out without one rather than being lost. */
static td_err s_locate(s_status *st, const char *text, size_t len)
{
    td_jsonpos *q = calloc(2 * st->n, sizeof *q);
    if (q == NULL)
        return TD_ENOMEM;
    for (size_t i = 0; i < st->n; i++) {
        q[2 * i].path = st->probs[i].path;
        q[2 * i + 1].path = st->probs[i].ref != NULL ? st->probs[i].ref : st->probs[i].path;
    }
    td_err err = td_jsonpos_find(text, len, q, 2 * st->n);
    for (size_t i = 0; i < st->n; i++) {
        s_problem *p = &st->probs[i];
        bool key = p->at_key && q[2 * i].key_line > 0;
        p->line = key ? q[2 * i].key_line : q[2 * i].line;
        p->column = key ? q[2 * i].key_column : q[2 * i].column;
        p->ref_line = q[2 * i + 1].line;
    }
    free(q);
    return err == TD_ENOMEM ? err : TD_OK;
}

/* Adds the problems to errs in the order of the text. */
static void s_emit(s_status *st, const char *name, td_errlist *errs)
{
    qsort(st->probs, st->n, sizeof *st->probs, s_by_position);
    for (size_t i = 0; i < st->n; i++) {
        const s_problem *p = &st->probs[i];
        char ref[32] = "";
        if (p->ref != NULL && p->ref_line > 0)
            snprintf(ref, sizeof ref, " line %d", p->ref_line);
        else if (p->ref != NULL)
            snprintf(ref, sizeof ref, " an earlier item");
        if (p->line > 0)
            td_errlist_add(errs, "%s:%d:%d: %s%s", name, p->line, p->column, p->reason, ref);
        else
            td_errlist_add(errs, "%s: %s%s", name, p->reason, ref);
    }
    if (st->dropped > 0)
        td_errlist_add(errs, "%s: %zu more problems not listed", name, st->dropped);
}

static void s_status_fini(s_status *st)
{
    for (size_t i = 0; i < st->n; i++) {
        free(st->probs[i].path);
        free(st->probs[i].ref);
        free(st->probs[i].reason);
    }
    free(st->probs);
}

/* Decodes the text; a syntax error is reported with jansson's own position. */
static td_err s_load(const char *name, const char *text, size_t len, json_t **root,
                     td_errlist *errs)
{
    json_error_t e;
    if (len > TD_STATUS_BYTES_MAX) {
        td_errlist_add(errs, "%s: the file has %zu bytes, more than the %u allowed", name, len,
                       TD_STATUS_BYTES_MAX);
        return TD_EINVAL;
    }
    /* jansson takes a NUL after a number or literal for the end of the token and reads on, so
     * it would accept a text that is not JSON. */
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL) {
        int line, column;
        td_jsonpos_at(text, (size_t)(nul - text), &line, &column);
        td_errlist_add(errs, "%s:%d:%d: NUL byte (not allowed in a JSON text)", name, line, column);
        return TD_EINVAL;
    }
    *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (*root != NULL)
        return TD_OK;
    if (json_error_code(&e) == json_error_out_of_memory)
        return TD_ENOMEM;
    td_errlist_add(errs, "%s:%d:%d: %s", name, e.line, e.column, e.text);
    return TD_EINVAL;
}

td_err td_parse_status(const char *name, const char *text, size_t len, td_report *out,
                       td_errlist *errs)
{
    json_t *root = NULL;
    /* Windows editors write a byte order mark, which jansson refuses and editors do not show. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    td_err err = s_load(name, text, len, &root, errs);
    if (err != TD_OK)
        return err;
    s_status st = {0};
    td_report r = {0};
    s_check(&st, root, &r);
    json_decref(root);
    if (st.nomem)
        err = TD_ENOMEM;
    else if (st.n > 0 && (err = s_locate(&st, text, len)) == TD_OK)
        s_emit(&st, name, errs);
    if (err == TD_OK && st.n > 0)
        err = TD_EINVAL;
    s_status_fini(&st);
    if (err != TD_OK) {
        td_report_fini(&r);
        return err;
    }
    *out = r;
    return TD_OK;
}
