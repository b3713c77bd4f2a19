/* The agent's durable outbox: reports committed to LMDB before they are sent, kept until the
 * collector acknowledges them. It survives kill -9 and power loss at any instant: a report is
 * either fully queued with its sequence number or not at all. */
#ifndef TIENDO_OUTBOX_H
#define TIENDO_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tiendo/model.h"

typedef struct td_outbox td_outbox;

/* Opens (creating) the outbox in directory dir. max_bytes bounds the queued reports' size (0:
 * 256 MiB). */
td_err td_outbox_open(const char *dir, size_t max_bytes, td_outbox **out, td_errmsg *why);
void td_outbox_destroy(td_outbox **self_p);

/* Queues a report body (the encoded report without seq, depth and thinned) for as_of, unless it
 * equals the body queued last. On queueing, *seq receives its sequence number and *queued true.
 * When the queue exceeds max_bytes, older reports are thinned first (see td_outbox_thinned). */
td_err td_outbox_push(td_outbox *self, const uint8_t *body, size_t len, td_time as_of,
                      uint64_t *seq, bool *queued, td_errmsg *why);

/* One queued report: valid only during the callback. */
typedef struct {
    uint64_t seq;
    td_time as_of;
    const uint8_t *body;
    size_t len;
} td_outbox_entry;

/* Calls cb for each queued report with seq > after, in order, until cb returns false or `max`
 * were visited. */
td_err td_outbox_each(td_outbox *self, uint64_t after, size_t max,
                      bool (*cb)(const td_outbox_entry *e, void *arg), void *arg);
/* Removes a report that can never be delivered (no error when it is gone already). */
td_err td_outbox_remove(td_outbox *self, uint64_t seq);
/* Removes a report the collector acknowledged and, when it is the newest acknowledged so far,
 * keeps its body as the outbox's base, in the same transaction: the base is always a report
 * the collector stored. No error when the report is gone already. */
td_err td_outbox_acknowledge(td_outbox *self, uint64_t seq);
/* The report a delta report of `seq` is relative to (docs/delivery.md): the queued report just
 * before it, else the base. *body is a malloc'd copy the caller frees. TD_ENOTFOUND when there
 * is neither (the report goes whole), TD_ESTORE, TD_ENOMEM. */
td_err td_outbox_base_of(td_outbox *self, uint64_t seq, uint64_t *base_seq, uint8_t **body,
                         size_t *len);
/* Reports queued now, and reports thinned in total since the outbox was created. */
size_t td_outbox_depth(td_outbox *self);
/* The outbox's identity: random, made when the outbox is created, never 0. Sequence numbers
 * count within it, so a new outbox (state_dir lost) is a new numbering, not a repeat. */
uint64_t td_outbox_id(td_outbox *self);
uint64_t td_outbox_thinned(td_outbox *self);

#endif
