/* Applying agents' reports to the store: authority, dedup, item checks, versions, liveness.
 * The collector calls this inside one write transaction per batch (group commit). */
#ifndef TIENDO_INGEST_H
#define TIENDO_INGEST_H

#include "tiendo/store.h"
#include "tiendo/wire.h"

/* Applies one report sent with key `key`, which is enrolled for agency `key_agency`, received at
 * `now`. Exactly one of ack or nack is filled (the other is zeroed):
 * - nack TD_NACK_FORBIDDEN when the report names another agency: nothing is stored;
 * - ack with duplicate=true when (agency, key, seq) was stored before: nothing is applied again;
 * - for a delta report (base_seq set), nack TD_NACK_NEED_FULL when the key's kept status is not
 *   that base or the delta does not fit it: nothing is stored. Otherwise the report is made whole
 *   against its base and goes on as a full report would;
 * - otherwise each item is checked (td_task_status_check, a registered task, led by this
 *   agency, not repeated in the report); accepted items become versions, rejected ones are listed
 *   with reasons, the report is logged, and its whole status is kept as the key's base for
 *   its next delta report.
 * Returns TD_OK when ack or nack is filled, a store error otherwise (the caller aborts the
 * transaction). td_msg_fini-style cleanup of ack and nack: td_ingest_result_fini. */
td_err td_ingest_report(td_txn *txn, const uint8_t key[TD_KEY_LEN], const char *key_agency,
                        const td_report_msg *m, td_time now, td_ack *ack, td_nack *nack);
void td_ingest_result_fini(td_ack *ack, td_nack *nack);

/* Records contact from an agent key (a heartbeat or hello), keeping its liveness record. */
td_err td_ingest_contact(td_txn *txn, const uint8_t key[TD_KEY_LEN], const char *key_agency,
                         uint32_t interval_s, td_time now);

#endif
