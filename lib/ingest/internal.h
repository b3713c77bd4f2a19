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
/* A delta report m made whole: *whole gets m's fields and the status m stands for against the
 * key's base (td_store_get_base, td_report_patch), with no base_seq and no removals; the caller
 * finalizes whole->report. When the collector does not hold that base or the delta does not fit
 * it, nack is filled instead (TD_NACK_NEED_FULL; TD_NACK_MALFORMED when the status would break
 * a report's limits) and nothing is written. Returns store errors and TD_ENOMEM. */
td_err td_ingest_expand(td_txn *txn, const uint8_t key[TD_KEY_LEN], const td_report_msg *m,
                        td_report_msg *whole, td_nack *nack);
/* Keeps the status of report r (whole) as the key's base, unless the base is a later report of
 * the same outbox. */
td_err td_ingest_keep_base(td_txn *txn, const uint8_t key[TD_KEY_LEN], const td_report_msg *r);
/* Checks and applies the report's sections (infrastructure, services, funding, databases,
 * obstacles). */
td_err td_ingest_sections(td_txn *txn, const td_report_msg *m, td_time now, td_ack *ack);

#endif
