/* The collector's clock: the instant every part of `run` reads as "now" (report receipt,
 * liveness, default as-of of queries, clock-detected events). One place, so that a test can
 * move it. */
#ifndef TIENDO_COLLECTOR_CLOCK_H
#define TIENDO_COLLECTOR_CLOCK_H

#include "tiendo/model.h"

/* Reads TIENDO_TEST_NOW (tests only: an ISO-8601 date-time the clock starts from, then runs at
 * the normal rate). Returns 0, or 1 with the error printed when the value is not a date-time. */
int td_clock_init(void);
/* The current instant (time(2), moved by TIENDO_TEST_NOW when set). */
td_time td_clock_now(void);

#endif
