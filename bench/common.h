/* Shared by the benchmark programs: the registry's leads, the reports every program sends or
 * stores (one generator, so that every figure measures the same bytes), timing, percentiles and
 * the `name value unit` output. Benchmarks are not tests: nothing here asserts. */
#ifndef TIENDO_BENCH_COMMON_H
#define TIENDO_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "tiendo/model.h"

/* The first report's as_of (2025-10-01T00:00:00+07:00); report k is k minutes later. */
#define BENCH_AS_OF_BASE INT64_C(1759251600)
#define BENCH_ITEMS 20 /* task items per report: the brief's median report */

/* An agency and the tasks it leads, in registry order. */
typedef struct {
    char code[TD_CODE_MAX + 1];
    char (*ids)[TD_ID_MAX + 1];
    size_t n_ids;
} bench_lead;

typedef struct {
    bench_lead *leads; /* sorted by code */
    size_t n;
} bench_registry;

/* Reads tasks.csv (as tiendo-sim writes it) and keeps the agencies that lead at least
 * min_tasks tasks. Prints the reason and returns -1 on failure. */
int bench_registry_load(const char *tasks_csv, size_t min_tasks, bench_registry *out);
void bench_registry_fini(bench_registry *r);

/* Fills *out with report number k (1, 2, ...) of an agency: its first n_items tasks, as_of
 * BENCH_AS_OF_BASE + as_of_offset + 60 k. The mix follows tiendo-sim's national status files:
 * 45% done (unchanged from report to report), the rest in progress with a progress that moves
 * with k, a quarter with a note, two in five with two evidence strings. td_report_fini frees
 * it. */
void bench_report_make(const bench_lead *lead, size_t n_items, uint64_t k, int64_t as_of_offset,
                       td_report *out);
/* The report as an agent queues it (td_wire_encode, seq 0) and as it sends it
 * (td_wire_frame_report with outbox_id and seq = k). Exits on failure. */
void bench_report_body(const bench_lead *lead, size_t n_items, uint64_t k, int64_t as_of_offset,
                       uint8_t **body, size_t *len);
void bench_report_frame(const bench_lead *lead, size_t n_items, uint64_t k, int64_t as_of_offset,
                        uint64_t outbox_id, uint8_t **frame, size_t *len);

/* A version as lib/store lays it out (docs/storage.md, `versions`): the key
 * 'T' | id NUL | as_of (i64be^) and the value received_at, seq, state, progress, completed_on,
 * note, evidence. Return the length written; buf must hold BENCH_VERSION_MAX bytes. */
#define BENCH_VERSION_MAX (64 + (4 + TD_TEXT_MAX) + TD_EVIDENCE_MAX * (4 + TD_EVIDENCE_TEXT_MAX))
size_t bench_version_key(const char *id, td_time as_of, uint8_t *buf);
size_t bench_version_value(const td_task_status *s, td_time received_at, uint64_t seq,
                           uint8_t *buf);

/* Monotonic clock. */
int64_t bench_now_ns(void);
double bench_now_s(void);
/* The p-th percentile (0..100, nearest rank) of v[0..n-1]; sorts v. 0 when n is 0. */
double bench_percentile(double *v, size_t n, double p);

/* One figure: "name value unit" on stdout, flushed. */
void bench_figure(const char *name, double value, const char *unit);
/* A note: "# " and the text on stdout. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "bench: " and the message on stderr and exits 1. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* A positive whole number from a command line option; dies otherwise. */
long bench_arg_long(const char *option, const char *text);

#endif
