/* Counters the event loop updates and the HTTP listener reads (from another thread). */
#ifndef TIENDO_COLLECTOR_METRICS_H
#define TIENDO_COLLECTOR_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define TD_COMMIT_BUCKETS 10

typedef struct {
    atomic_ullong reports_received;  /* reports decoded, before checks */
    atomic_ullong reports_accepted;  /* stored (first receipt) */
    atomic_ullong reports_duplicate; /* resends acknowledged again */
    atomic_ullong reports_refused;   /* nacked: another agency, malformed, rate, unavailable */
    atomic_ullong items_rejected;    /* items rejected inside accepted reports */
    atomic_ullong commits;           /* durable batch commits */
    atomic_ullong commit_us_sum;
    atomic_ullong commit_le[TD_COMMIT_BUCKETS]; /* commits taking <= td_commit_bounds_s[i] */
    atomic_bool store_ok;                       /* the last commit succeeded (or none was needed) */
} td_metrics;

/* Upper bounds, in seconds, of the commit latency histogram's buckets. */
extern const double td_commit_bounds_s[TD_COMMIT_BUCKETS];

void td_metrics_commit(td_metrics *m, uint64_t us, bool ok);

#endif
