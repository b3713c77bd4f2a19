/* tiendo-sim's status sections: infrastructure and services of localities, databases and
 * funding of central agencies, obstacles of anyone. Each agency follows one plan per section
 * (drawn from a hash of the seed and the agency's place in the registry), and every snapshot reads
 * its values off that plan, so figures move between dates in one direction, invariants hold at
 * every date, and the task part of the generator draws exactly what it drew before. */
#ifndef TIENDO_SIM_SECTIONS_H
#define TIENDO_SIM_SECTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { SIM_CENTRAL = 1, SIM_PROVINCE, SIM_COMMUNE } sim_tier;

/* One agency at one snapshot date; everything borrowed from the caller. */
typedef struct {
    uint64_t seed;
    int index; /* the agency's row in agencies.csv (0-based): keys its plans */
    sim_tier tier;
    const int32_t *dates; /* the snapshot dates, days since 1970-01-01, increasing */
    int n_dates;
    int date; /* which of them */
} sim_section_at;

/* True when the agency carries at least one section at this date (it then has a file to send,
 * even with no tasks). */
bool sim_sections_any(const sim_section_at *a);

/* Writes the agency's sections at this date as members of the status object, each preceded by
 * ",\n" (the caller has written the members before and writes the closing brace). */
void sim_sections_write(FILE *f, const sim_section_at *a);

#endif
