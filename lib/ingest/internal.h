/* Internals shared by the files of lib/ingest. */
#ifndef TIENDO_INGEST_INTERNAL_H
#define TIENDO_INGEST_INTERNAL_H

#include <stdlib.h>

#include "tiendo/ingest.h"

/* Adds a rejected item (its id and reason) to the acknowledgement. */
td_err td_ingest_reject(td_ack *ack, const char *id, const char *reason);
/* Marks in a malloc'd array every item of a list whose id an earlier item already has (the id
 * is each item's first member). */
td_err td_ingest_find_repeats(const void *base, size_t n, size_t size, bool **repeat);
/* Checks and applies the report's sections (infrastructure, services, funding, databases,
 * obstacles). */
td_err td_ingest_sections(td_txn *txn, const td_report_msg *m, td_time now, td_ack *ack);

#endif
