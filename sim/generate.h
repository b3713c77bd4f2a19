/* tiendo-sim's generator: a deterministic national registry (agencies.csv, tasks.csv) and
 * agency status snapshots (status/DATE/CODE.json) for tests, benchmarks and demos.
 * Standalone C11 + POSIX: it must build without libtiendo. */
#ifndef TIENDO_SIM_GENERATE_H
#define TIENDO_SIM_GENERATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_DATES_MAX 16 /* snapshot dates per run */
#define SIM_PROVINCES 34 /* provinces in the registry */

typedef struct {
    const char *out;              /* output directory, created if missing */
    uint64_t seed;                /* same seed and options, same bytes */
    int n_tasks;                  /* 1..99999 */
    int n_communes;               /* 0..99999, spread over the provinces */
    int commune_provinces;        /* communes go to the first 1..SIM_PROVINCES (0: all) */
    bool sections;                /* status sections (sim/sections.h); on when n_communes > 0 */
    int n_dates;                  /* 1..SIM_DATES_MAX */
    int32_t dates[SIM_DATES_MAX]; /* days since 1970-01-01, strictly increasing */
} sim_options;

/* Strict YYYY-MM-DD (a real calendar date, 1970..9999) into days since 1970-01-01.
 * Returns 0, or -1 when text is not such a date (out untouched). */
int sim_day_parse(const char *text, int32_t *out);

/* Helpers shared by generate.c and sections.c (util.c). */

/* A whole decimal number in lo..hi into *out; false (out untouched) for anything else. */
bool sim_parse_long(const char *text, long lo, long hi, long *out);

/* Days since 1970-01-01 of a real date y-m-d. */
int32_t sim_ymd(int y, int m, int d);

/* Writes YYYY-MM-DD and a NUL into buf (16 bytes, room for any year). */
void sim_day_format(int32_t day, char buf[16]);

/* Writes s as a JSON string: UTF-8 passes through; quotes, backslashes and control characters
 * are escaped. */
void sim_json_string(FILE *f, const char *s);

/* The splitmix64 finalizer: every draw of the generator goes through it. */
uint64_t sim_mix(uint64_t z);

/* Writes every file under opt->out and prints a one-line summary to stdout. Files of an
 * earlier run are overwritten; stale *.json in the snapshot folders written are removed.
 * Returns 0, or -1 after printing what failed to stderr. */
int sim_generate(const sim_options *opt);

#endif
