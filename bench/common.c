/* Shared by the benchmark programs; see common.h. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tiendo/parse.h"
#include "tiendo/wire.h"

#define S_COMPLETED_ON 20346 /* 2025-09-15, before every as_of */

/* Texts in the style of tiendo-sim's status files. */
static const char *const s_notes[] = {
    "Đang lấy ý kiến các bộ, ngành",
    "Đã hoàn thành, đã báo cáo Thủ tướng Chính phủ",
    "Hồ sơ lưu tại \\\\fileserver\\tiendo\\2025",
};
static const char *const s_evidence[] = {
    "Công văn số 3366/BCA-CĐS",
    "https://vanban.chinhphu.vn/?docid=207089",
};

static int s_cmp_lead(const void *a, const void *b)
{
    return strcmp(((const bench_lead *)a)->code, ((const bench_lead *)b)->code);
}

static bench_lead *s_find_or_add(bench_registry *r, const char *code)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->leads[i].code, code))
            return &r->leads[i];
    bench_lead *grown = realloc(r->leads, (r->n + 1) * sizeof *grown);
    if (!grown)
        bench_die("out of memory");
    r->leads = grown;
    bench_lead *l = &r->leads[r->n++];
    memset(l, 0, sizeof *l);
    snprintf(l->code, sizeof l->code, "%s", code);
    return l;
}

static void s_add_task(bench_registry *r, const td_task *t)
{
    bench_lead *l = s_find_or_add(r, t->lead);
    char(*ids)[TD_ID_MAX + 1] = realloc(l->ids, (l->n_ids + 1) * sizeof *ids);
    if (!ids)
        bench_die("out of memory");
    l->ids = ids;
    snprintf(l->ids[l->n_ids++], TD_ID_MAX + 1, "%s", t->id);
}

int bench_registry_load(const char *tasks_csv, size_t min_tasks, bench_registry *out)
{
    char *text;
    size_t len;
    td_errmsg why;
    if (td_read_file(tasks_csv, &text, &len, &why) != TD_OK) {
        fprintf(stderr, "bench: %s\n", why.text);
        return -1;
    }
    td_errlist *errs = td_errlist_new();
    td_task *tasks = NULL;
    size_t n = 0;
    td_err err = td_parse_tasks_csv(tasks_csv, text, len, &tasks, &n, errs);
    free(text);
    if (err) {
        fprintf(stderr, "bench: %s\n",
                td_errlist_count(errs) ? td_errlist_at(errs, 0) : td_strerror(err));
        td_errlist_destroy(&errs);
        return -1;
    }
    td_errlist_destroy(&errs);
    bench_registry all = {NULL, 0};
    for (size_t i = 0; i < n; i++) {
        s_add_task(&all, &tasks[i]);
        td_task_fini(&tasks[i]);
    }
    free(tasks);
    memset(out, 0, sizeof *out);
    out->leads = calloc(all.n ? all.n : 1, sizeof *out->leads);
    if (!out->leads)
        bench_die("out of memory");
    for (size_t i = 0; i < all.n; i++) {
        if (all.leads[i].n_ids >= min_tasks)
            out->leads[out->n++] = all.leads[i];
        else
            free(all.leads[i].ids);
    }
    free(all.leads);
    qsort(out->leads, out->n, sizeof *out->leads, s_cmp_lead);
    return 0;
}

void bench_registry_fini(bench_registry *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->leads[i].ids);
    free(r->leads);
    memset(r, 0, sizeof *r);
}

static char *s_strdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        bench_die("out of memory");
    return d;
}

static void s_item(td_task_status *s, const char *id, size_t i, uint64_t k)
{
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", id);
    size_t slot = i % 20;
    if (slot < 9) { /* done: the same in every report */
        s->state = TD_STATE_DONE;
        s->progress = 100;
        s->completed_on = S_COMPLETED_ON;
    } else {
        s->state = TD_STATE_IN_PROGRESS;
        s->progress = (int)((k * 7 + i * 13) % 99); /* moves by 7 (mod 99) each report */
    }
    if (slot % 4 == 1)
        s->note = s_strdup(s_notes[i % 3]);
    if (slot % 5 == 2 || slot % 5 == 4) {
        s->evidence = calloc(2, sizeof *s->evidence);
        if (!s->evidence)
            bench_die("out of memory");
        s->evidence[0] = s_strdup(s_evidence[0]);
        s->evidence[1] = s_strdup(s_evidence[1]);
        s->n_evidence = 2;
    }
}

void bench_report_make(const bench_lead *lead, size_t n_items, uint64_t k, int64_t as_of_offset,
                       td_report *out)
{
    if (n_items > lead->n_ids)
        bench_die("%s leads %zu tasks, fewer than %zu", lead->code, lead->n_ids, n_items);
    memset(out, 0, sizeof *out);
    snprintf(out->agency, sizeof out->agency, "%s", lead->code);
    out->as_of = BENCH_AS_OF_BASE + as_of_offset + (int64_t)k * 60;
    out->tasks = calloc(n_items ? n_items : 1, sizeof *out->tasks);
    if (!out->tasks)
        bench_die("out of memory");
    for (size_t i = 0; i < n_items; i++)
        s_item(&out->tasks[i], lead->ids[i], i, k);
    out->n_tasks = n_items;
}

void bench_report_body(const bench_lead *lead, size_t n_items, uint64_t k, int64_t as_of_offset,
                       uint8_t **body, size_t *len)
{
    td_msg m = {.type = TD_MSG_REPORT};
    bench_report_make(lead, n_items, k, as_of_offset, &m.u.report.report);
    td_err err = td_wire_encode(&m, body, len);
    td_msg_fini(&m);
    if (err)
        bench_die("td_wire_encode: %s", td_strerror(err));
}

void bench_report_frame(const bench_lead *lead, size_t n_items, uint64_t k, int64_t as_of_offset,
                        uint64_t outbox_id, uint8_t **frame, size_t *len)
{
    uint8_t *body;
    size_t blen;
    bench_report_body(lead, n_items, k, as_of_offset, &body, &blen);
    td_err err = td_wire_frame_report(body, blen, outbox_id, k, 300, 1, 0, frame, len);
    free(body);
    if (err)
        bench_die("td_wire_frame_report: %s", td_strerror(err));
}

static uint8_t *s_put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static uint8_t *s_put_str(uint8_t *p, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    p = s_put_le(p, n, 4);
    if (n)
        memcpy(p, s, n);
    return p + n;
}

size_t bench_version_key(const char *id, td_time as_of, uint8_t *buf)
{
    size_t n = strlen(id) + 1;
    uint64_t v = (uint64_t)as_of ^ (UINT64_C(1) << 63);
    buf[0] = 'T';
    memcpy(buf + 1, id, n);
    for (int i = 0; i < 8; i++)
        buf[1 + n + i] = (uint8_t)(v >> (56 - 8 * i));
    return 1 + n + 8;
}

size_t bench_version_value(const td_task_status *s, td_time received_at, uint64_t seq, uint8_t *buf)
{
    uint8_t *p = s_put_le(buf, (uint64_t)received_at, 8);
    p = s_put_le(p, seq, 8);
    *p++ = (uint8_t)s->state;
    *p++ = (uint8_t)s->progress;
    p = s_put_le(p, (uint32_t)s->completed_on, 4);
    p = s_put_str(p, s->note);
    p = s_put_le(p, s->n_evidence, 4);
    for (size_t i = 0; i < s->n_evidence; i++)
        p = s_put_str(p, s->evidence[i]);
    return (size_t)(p - buf);
}

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double bench_now_s(void)
{
    return (double)bench_now_ns() / 1e9;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_percentile(double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, s_cmp_double);
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999); /* nearest rank, 1-based */
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

void bench_figure(const char *name, double value, const char *unit)
{
    if (value >= 1000 || value == (double)(long long)value)
        printf("%s %.0f %s\n", name, value, unit);
    else if (value >= 10)
        printf("%s %.1f %s\n", name, value, unit);
    else
        printf("%s %.3g %s\n", name, value, unit);
    fflush(stdout);
}

void bench_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
}

void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

long bench_arg_long(const char *option, const char *text)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < 1)
        bench_die("%s \"%s\" is not a positive whole number", option, text);
    return v;
}
