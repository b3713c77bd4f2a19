/* Delta reports: the items of a status that differ from a base status, and the status a delta
 * stands for. The agent makes deltas and the collector patches them with this same code, so that
 * both sides agree on what "unchanged" means. Items are matched by id through sorted indexes:
 * O(n log n), so that a report of 100,000 items costs no more to compare than to decode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/model.h"

#define S_KEY_MAX 112 /* the longest id, a reading's "PROBE/NAME", is 97 bytes */

enum { S_TASKS, S_DATABASES, S_OBSTACLES, S_OUTAGES, S_READINGS, S_LISTS };

/* One list of a report: its items and their count. */
typedef struct {
    void *items;
    size_t n;
} s_list;

/* What the code below needs to know of one kind of item. */
typedef struct {
    const char *name; /* as in `removed` entries */
    size_t size;
    bool computed; /* the id is written into a buffer; else the item starts with it */
    const char *(*key)(const void *item, char buf[S_KEY_MAX]);
    bool (*equal)(const void *a, const void *b);
    td_err (*copy)(void *dst, const void *src);
    void (*fini)(void *item);
} s_kind;

/* ---- the kinds ---- */

static const char *s_id_key(const void *item, char buf[S_KEY_MAX])
{
    (void)buf;
    return item; /* td_task_status, td_database and td_obstacle start with their id */
}

static const char *s_outage_key(const void *item, char buf[S_KEY_MAX])
{
    const td_outage *o = item;
    const char *kind = td_outage_kind_name(o->kind);
    if (kind)
        snprintf(buf, S_KEY_MAX, "%s-%lld", kind, (long long)o->start);
    else
        snprintf(buf, S_KEY_MAX, "%d-%lld", o->kind, (long long)o->start);
    return buf;
}

static const char *s_reading_key(const void *item, char buf[S_KEY_MAX])
{
    const td_reading *r = item;
    snprintf(buf, S_KEY_MAX, "%s/%s", r->probe, r->name);
    return buf;
}

static bool s_task_equal(const void *a, const void *b)
{
    return td_task_status_equal(a, b);
}

static bool s_database_equal(const void *a, const void *b)
{
    return td_database_equal(a, b);
}

static bool s_obstacle_equal(const void *a, const void *b)
{
    return td_obstacle_equal(a, b);
}

static bool s_outage_equal(const void *a, const void *b)
{
    const td_outage *x = a, *y = b;
    return x->kind == y->kind && x->start == y->start && x->end == y->end;
}

static bool s_reading_equal(const void *a, const void *b)
{
    const td_reading *x = a, *y = b;
    const char *ex = x->error ? x->error : "", *ey = y->error ? y->error : "";
    /* The value's bits: the store keeps them, and -0.0 == 0.0 would hide a change. */
    return !strcmp(x->probe, y->probe) && !strcmp(x->name, y->name) &&
           !memcmp(&x->value, &y->value, sizeof x->value) && !strcmp(ex, ey) &&
           x->measured_at == y->measured_at;
}

/* strdup keeping NULL as NULL. */
static td_err s_dup(const char *src, char **out)
{
    *out = src ? strdup(src) : NULL;
    return src && !*out ? TD_ENOMEM : TD_OK;
}

static td_err s_task_copy(void *dst, const void *src)
{
    return td_task_status_copy(dst, src);
}

static td_err s_database_copy(void *dst, const void *src)
{
    td_database *d = dst;
    *d = *(const td_database *)src;
    return s_dup(d->name, &d->name);
}

static td_err s_obstacle_copy(void *dst, const void *src)
{
    td_obstacle *o = dst;
    *o = *(const td_obstacle *)src;
    return s_dup(o->description, &o->description);
}

static td_err s_outage_copy(void *dst, const void *src)
{
    *(td_outage *)dst = *(const td_outage *)src;
    return TD_OK;
}

static td_err s_reading_copy(void *dst, const void *src)
{
    td_reading *r = dst;
    *r = *(const td_reading *)src;
    return s_dup(r->error, &r->error);
}

static void s_task_fini(void *item)
{
    td_task_status_fini(item);
}

static void s_database_fini(void *item)
{
    td_database_fini(item);
}

static void s_obstacle_fini(void *item)
{
    td_obstacle_fini(item);
}

static void s_outage_fini(void *item)
{
    (void)item;
}

static void s_reading_fini(void *item)
{
    td_reading *r = item;
    free(r->error);
    r->error = NULL;
}

static const s_kind s_kinds[S_LISTS] = {
    [S_TASKS] = {"tasks", sizeof(td_task_status), false, s_id_key, s_task_equal, s_task_copy,
                 s_task_fini},
    [S_DATABASES] = {"databases", sizeof(td_database), false, s_id_key, s_database_equal,
                     s_database_copy, s_database_fini},
    [S_OBSTACLES] = {"obstacles", sizeof(td_obstacle), false, s_id_key, s_obstacle_equal,
                     s_obstacle_copy, s_obstacle_fini},
    [S_OUTAGES] = {"outages", sizeof(td_outage), true, s_outage_key, s_outage_equal, s_outage_copy,
                   s_outage_fini},
    [S_READINGS] = {"readings", sizeof(td_reading), true, s_reading_key, s_reading_equal,
                    s_reading_copy, s_reading_fini},
};

/* A list of a report; a list whose section is absent is empty. */
static s_list s_get(const td_report *r, int k)
{
    switch (k) {
    case S_TASKS:
        return (s_list){r->tasks, r->n_tasks};
    case S_DATABASES:
        return (s_list){r->has_databases ? r->databases : NULL,
                        r->has_databases ? r->n_databases : 0};
    case S_OBSTACLES:
        return (s_list){r->has_obstacles ? r->obstacles : NULL,
                        r->has_obstacles ? r->n_obstacles : 0};
    case S_OUTAGES:
        return (s_list){r->outages, r->n_outages};
    default:
        return (s_list){r->readings, r->n_readings};
    }
}

static void s_set(td_report *r, int k, s_list l)
{
    switch (k) {
    case S_TASKS:
        r->tasks = l.items, r->n_tasks = l.n;
        break;
    case S_DATABASES:
        r->databases = l.items, r->n_databases = l.n;
        break;
    case S_OBSTACLES:
        r->obstacles = l.items, r->n_obstacles = l.n;
        break;
    case S_OUTAGES:
        r->outages = l.items, r->n_outages = l.n;
        break;
    default:
        r->readings = l.items, r->n_readings = l.n;
    }
}

static void *s_item(const s_kind *k, s_list l, size_t i)
{
    return (char *)l.items + i * k->size;
}

/* ---- indexes: ids sorted, for lookups by id ---- */

typedef struct {
    const char *key;
    size_t i;
} s_ent;

typedef struct {
    s_ent *ents; /* sorted by key, then position */
    char *keys;  /* the ids written out, for computed kinds */
    size_t n;
} s_index;

static int s_cmp_ent(const void *a, const void *b)
{
    const s_ent *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

static void s_index_fini(s_index *ix)
{
    free(ix->ents);
    free(ix->keys);
    memset(ix, 0, sizeof *ix);
}

/* TD_EINVAL when an id repeats in the list. */
static td_err s_index_make(const s_kind *k, s_list l, s_index *ix)
{
    memset(ix, 0, sizeof *ix);
    ix->ents = malloc((l.n ? l.n : 1) * sizeof *ix->ents);
    if (k->computed && l.n)
        ix->keys = malloc(l.n * S_KEY_MAX);
    if (!ix->ents || (k->computed && l.n && !ix->keys)) {
        s_index_fini(ix);
        return TD_ENOMEM;
    }
    for (size_t i = 0; i < l.n; i++) {
        char *buf = ix->keys ? ix->keys + i * S_KEY_MAX : NULL;
        ix->ents[i] = (s_ent){k->key(s_item(k, l, i), buf), i};
    }
    ix->n = l.n;
    qsort(ix->ents, l.n, sizeof *ix->ents, s_cmp_ent);
    for (size_t i = 1; i < l.n; i++)
        if (!strcmp(ix->ents[i].key, ix->ents[i - 1].key)) {
            s_index_fini(ix);
            return TD_EINVAL;
        }
    return TD_OK;
}

/* The entry of id `key`, or NULL. */
static const s_ent *s_find(const s_index *ix, const char *key)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ix->ents[mid].key, key);
        if (c == 0)
            return &ix->ents[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- removed entries ---- */

typedef struct {
    char **v;
    size_t n, cap;
} s_strs;

/* Adds "prefix/key", or "prefix" when key is NULL. */
static td_err s_strs_add(s_strs *s, const char *prefix, const char *key)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return TD_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    char text[TD_REMOVED_MAX + 1];
    snprintf(text, sizeof text, key ? "%s/%s" : "%s", prefix, key);
    if (!(s->v[s->n] = strdup(text)))
        return TD_ENOMEM;
    s->n++;
    return TD_OK;
}

void td_removed_free(char **removed, size_t n)
{
    for (size_t i = 0; removed && i < n; i++)
        free(removed[i]);
    free(removed);
}

/* The id of a removal of kind k ("tasks/NV-1" -> "NV-1"), or NULL when it is not one. */
static const char *s_removal_of(const char *entry, const s_kind *k)
{
    size_t n = strlen(k->name);
    return !strncmp(entry, k->name, n) && entry[n] == '/' ? entry + n + 1 : NULL;
}

static bool s_removes(char *const *removed, size_t n, const char *section)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(removed[i], section))
            return true;
    return false;
}

static const char *const s_sections[] = {"infrastructure", "services", "funding", "databases",
                                         "obstacles"};

/* TD_EINVAL for an entry that names neither an item of a list nor a whole section. */
static td_err s_check_removed(char *const *removed, size_t n, td_errmsg *why)
{
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (int k = 0; !known && k < S_LISTS; k++)
            known = s_removal_of(removed[i], &s_kinds[k]) != NULL;
        for (size_t s = 0; !known && s < sizeof s_sections / sizeof *s_sections; s++)
            known = !strcmp(removed[i], s_sections[s]);
        if (!known)
            return td_fail(why, TD_EINVAL, "removes \"%.*s\", which names no item or section",
                           TD_REMOVED_MAX, removed[i]);
    }
    return TD_OK;
}

/* ---- lists ---- */

static void s_list_free(const s_kind *k, s_list l)
{
    for (size_t i = 0; i < l.n; i++)
        k->fini(s_item(k, l, i));
    free(l.items);
}

/* A fresh list of n zeroed items; its count grows as items are filled, for s_list_free. */
static td_err s_list_new(const s_kind *k, size_t n, s_list *out)
{
    out->items = n ? calloc(n, k->size) : NULL;
    out->n = 0;
    return n && !out->items ? TD_ENOMEM : TD_OK;
}

/* The items of cur that base lacks or holds differently, in cur's order, and the removal of each
 * item of base that cur lacks, in base's order. */
static td_err s_diff_list(const s_kind *k, s_list base, s_list cur, s_list *out, s_strs *removed)
{
    s_index bi, ci;
    td_err err = s_index_make(k, base, &bi);
    if (err)
        return err;
    if ((err = s_index_make(k, cur, &ci))) {
        s_index_fini(&bi);
        return err;
    }
    bool *changed = calloc(cur.n ? cur.n : 1, sizeof *changed);
    size_t n = 0;
    char buf[S_KEY_MAX];
    for (size_t i = 0; changed && i < cur.n; i++) {
        const void *c = s_item(k, cur, i);
        const s_ent *e = s_find(&bi, k->key(c, buf));
        changed[i] = !e || !k->equal(s_item(k, base, e->i), c);
        n += changed[i];
    }
    err = changed ? s_list_new(k, n, out) : TD_ENOMEM;
    for (size_t i = 0; !err && i < cur.n; i++)
        if (changed[i] && !(err = k->copy(s_item(k, *out, out->n), s_item(k, cur, i))))
            out->n++;
    for (size_t i = 0; !err && i < base.n; i++) {
        const char *key = k->key(s_item(k, base, i), buf);
        if (!s_find(&ci, key))
            err = s_strs_add(removed, k->name, key);
    }
    if (err && changed) {
        s_list_free(k, *out);
        *out = (s_list){NULL, 0};
    }
    free(changed);
    s_index_fini(&bi);
    s_index_fini(&ci);
    return err;
}

/* Marks in drop[] each item of base that `removed` removes. */
static td_err s_mark_removed(const s_kind *k, char *const *removed, size_t n_removed,
                             const s_index *bi, const s_index *di, bool *drop, td_errmsg *why)
{
    for (size_t i = 0; i < n_removed; i++) {
        const char *id = s_removal_of(removed[i], k);
        if (!id)
            continue;
        const s_ent *e = s_find(bi, id);
        if (!e)
            return td_fail(why, TD_EINVAL, "removes %s/%.*s, which its base does not have", k->name,
                           TD_REMOVED_MAX, id);
        if (s_find(di, id))
            return td_fail(why, TD_EINVAL, "both changes and removes %s/%.*s", k->name,
                           TD_REMOVED_MAX, id);
        drop[e->i] = true;
    }
    return TD_OK;
}

/* Fills out (made for the right count) from base and delta: see td_report_patch. Base items
 * are moved, and zeroed where they were. */
static td_err s_merge(const s_kind *k, s_list base, s_list delta, const s_index *di,
                      const bool *drop, bool *used, s_list *out)
{
    char buf[S_KEY_MAX];
    td_err err = TD_OK;
    for (size_t i = 0; !err && i < base.n; i++) {
        void *b = s_item(k, base, i), *o = s_item(k, *out, out->n);
        if (drop[i])
            continue;
        const s_ent *e = s_find(di, k->key(b, buf));
        if (e) {
            used[e->i] = true;
            err = k->copy(o, s_item(k, delta, e->i));
        } else {
            memcpy(o, b, k->size);
            memset(b, 0, k->size);
        }
        out->n += err == TD_OK;
    }
    for (size_t i = 0; !err && i < delta.n; i++)
        if (!used[i] && !(err = k->copy(s_item(k, *out, out->n), s_item(k, delta, i))))
            out->n++;
    return err;
}

static td_err s_patch_list(const s_kind *k, s_list base, s_list delta, char *const *removed,
                           size_t n_removed, s_list *out, td_errmsg *why)
{
    s_index bi, di;
    td_err err = s_index_make(k, base, &bi);
    if (err)
        return err == TD_EINVAL ? td_fail(why, err, "its base repeats an id in %s", k->name) : err;
    if ((err = s_index_make(k, delta, &di))) {
        s_index_fini(&bi);
        return err == TD_EINVAL ? td_fail(why, err, "it repeats an id in %s", k->name) : err;
    }
    bool *drop = calloc(base.n + 1, sizeof *drop), *used = calloc(delta.n + 1, sizeof *used);
    err = drop && used ? s_mark_removed(k, removed, n_removed, &bi, &di, drop, why) : TD_ENOMEM;
    size_t n = delta.n;
    for (size_t i = 0; !err && i < base.n; i++) {
        char buf[S_KEY_MAX];
        n += !drop[i] && !s_find(&di, k->key(s_item(k, base, i), buf));
    }
    if (!err && !(err = s_list_new(k, n, out)) &&
        (err = s_merge(k, base, delta, &di, drop, used, out))) {
        s_list_free(k, *out);
        *out = (s_list){NULL, 0};
    }
    free(drop);
    free(used);
    s_index_fini(&bi);
    s_index_fini(&di);
    return err;
}

/* ---- sections ---- */

/* Where a section of the patched status comes from: 0 nowhere (absent), 1 the base, 2 the
 * delta. */
static td_err s_pick(bool in_base, bool in_delta, bool gone, const char *name, int *from,
                     td_errmsg *why)
{
    if (in_delta && gone)
        return td_fail(why, TD_EINVAL, "both changes and removes %s", name);
    if (gone && !in_base)
        return td_fail(why, TD_EINVAL, "removes %s, which its base does not have", name);
    *from = in_delta ? 2 : gone ? 0 : in_base;
    return TD_OK;
}

static td_err s_patch_sections(const td_report *base, const td_report *delta, char *const *removed,
                               size_t n_removed, td_report *out, td_errmsg *why)
{
    int from;
    td_err err =
        s_pick(base->infra.present, delta->infra.present,
               s_removes(removed, n_removed, "infrastructure"), "infrastructure", &from, why);
    if (!err && from)
        out->infra = from == 2 ? delta->infra : base->infra;
    if (!err &&
        !(err = s_pick(base->services.present, delta->services.present,
                       s_removes(removed, n_removed, "services"), "services", &from, why)) &&
        from)
        out->services = from == 2 ? delta->services : base->services;
    if (!err &&
        !(err = s_pick(base->funding.present, delta->funding.present,
                       s_removes(removed, n_removed, "funding"), "funding", &from, why)) &&
        from)
        out->funding = from == 2 ? delta->funding : base->funding;
    if (!err &&
        !(err = s_pick(base->has_databases, delta->has_databases,
                       s_removes(removed, n_removed, "databases"), "databases", &from, why)))
        out->has_databases = from != 0;
    if (!err &&
        !(err = s_pick(base->has_obstacles, delta->has_obstacles,
                       s_removes(removed, n_removed, "obstacles"), "obstacles", &from, why)))
        out->has_obstacles = from != 0;
    return err;
}

/* Whether list k is in the report: databases and obstacles only when their section is. */
static bool s_has(const td_report *r, int k)
{
    return k == S_DATABASES ? r->has_databases : k == S_OBSTACLES ? r->has_obstacles : true;
}

/* ---- the two operations ---- */

td_err td_report_patch(td_report *base, const td_report *delta, char *const *removed,
                       size_t n_removed, td_report *out, td_errmsg *why)
{
    if (strcmp(base->agency, delta->agency) != 0)
        return td_fail(why, TD_EINVAL, "it is a report of %s and its base of %s", delta->agency,
                       base->agency);
    if (delta->as_of < base->as_of)
        return td_fail(why, TD_EINVAL, "its as_of is before its base's");
    td_report r;
    memset(&r, 0, sizeof r);
    memcpy(r.agency, delta->agency, sizeof r.agency);
    r.as_of = delta->as_of;
    td_err err = s_check_removed(removed, n_removed, why);
    if (!err)
        err = s_patch_sections(base, delta, removed, n_removed, &r, why);
    for (int k = 0; !err && k < S_LISTS; k++) {
        s_list l = {NULL, 0};
        if (s_has(&r, k))
            err = s_patch_list(&s_kinds[k], s_get(base, k), s_get(delta, k), removed, n_removed, &l,
                               why);
        if (!err)
            s_set(&r, k, l);
    }
    if (err == TD_ENOMEM)
        td_fail(why, err, "out of memory");
    if (err)
        td_report_fini(&r);
    else
        *out = r;
    return err;
}

static td_err s_diff_sections(const td_report *base, const td_report *cur, td_report *delta,
                              s_strs *removed)
{
    td_err err = TD_OK;
    if (cur->infra.present && !td_infra_equal(&base->infra, &cur->infra))
        delta->infra = cur->infra;
    else if (!cur->infra.present && base->infra.present)
        err = s_strs_add(removed, "infrastructure", NULL);
    if (!err && cur->services.present && !td_services_equal(&base->services, &cur->services))
        delta->services = cur->services;
    else if (!err && !cur->services.present && base->services.present)
        err = s_strs_add(removed, "services", NULL);
    if (!err && cur->funding.present && !td_funding_equal(&base->funding, &cur->funding))
        delta->funding = cur->funding;
    else if (!err && !cur->funding.present && base->funding.present)
        err = s_strs_add(removed, "funding", NULL);
    if (!err && !cur->has_databases && base->has_databases)
        err = s_strs_add(removed, "databases", NULL);
    if (!err && !cur->has_obstacles && base->has_obstacles)
        err = s_strs_add(removed, "obstacles", NULL);
    return err;
}

td_err td_report_delta(const td_report *base, const td_report *cur, td_report *delta,
                       char ***removed, size_t *n_removed)
{
    if (strcmp(base->agency, cur->agency) != 0 || cur->as_of < base->as_of)
        return TD_EINVAL;
    td_report d;
    s_strs gone = {NULL, 0, 0};
    memset(&d, 0, sizeof d);
    memcpy(d.agency, cur->agency, sizeof d.agency);
    d.as_of = cur->as_of;
    td_err err = s_diff_sections(base, cur, &d, &gone);
    for (int k = 0; !err && k < S_LISTS; k++) {
        s_list l = {NULL, 0};
        if (!s_has(cur, k))
            continue; /* a list whose section went: removed whole above */
        err = s_diff_list(&s_kinds[k], s_get(base, k), s_get(cur, k), &l, &gone);
        s_set(&d, k, l);
    }
    /* A list section that appears is sent even when empty; one that stays is sent when some
     * of its items changed. */
    d.has_databases = cur->has_databases && (!base->has_databases || d.n_databases > 0);
    d.has_obstacles = cur->has_obstacles && (!base->has_obstacles || d.n_obstacles > 0);
    if (err) {
        td_report_fini(&d);
        td_removed_free(gone.v, gone.n);
        return err;
    }
    *delta = d;
    *removed = gone.v;
    *n_removed = gone.n;
    return TD_OK;
}
