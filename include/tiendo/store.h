/* The collector's store: one LMDB environment holding the registry, the enrolled keys, agents'
 * liveness, the report log (for dedup and audit) and every version of every item.
 * Only lib/store includes lmdb.h; MDB_val never leaves it. See docs/storage.md. */
#ifndef TIENDO_STORE_H
#define TIENDO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tiendo/model.h"

typedef struct td_store td_store;
typedef struct td_txn td_txn;

#define TD_STORE_CREATE 0x1 /* create the environment if absent */
#define TD_STORE_RDONLY 0x2 /* read-only (queries from another process) */

#define TD_STORE_MAP_INITIAL (64u << 20)
#define TD_STORE_MAP_MAX_DEFAULT ((size_t)64 << 30)

/* Opens the environment in directory dir (which must exist). map_max bounds automatic map
 * growth (0: TD_STORE_MAP_MAX_DEFAULT). Clears stale reader slots. One td_store per process and
 * environment; it may be shared by threads (each with its own transactions). */
td_err td_store_open(const char *dir, unsigned flags, size_t map_max, td_store **out,
                     td_errmsg *why);
void td_store_destroy(td_store **self_p);
/* True when dir already holds a store. */
bool td_store_exists(const char *dir);
/* Bytes of the map in use and the current map size, for metrics and /healthz. */
void td_store_usage(td_store *self, size_t *used, size_t *map_size, size_t *map_max);
/* Clears reader slots left by killed processes; returns how many. */
int td_store_reader_check(td_store *self);

/* Runs fn inside one write transaction and commits it durably. When the map is full the
 * transaction is aborted, the map grown (up to map_max) and fn run again from the start, so fn
 * must not keep side effects of a failed run. Returns fn's error (transaction aborted), TD_EFULL
 * when the map cannot grow or the disk is full, TD_ESTORE for other LMDB failures. */
typedef td_err (*td_store_fn)(td_txn *txn, void *arg);
td_err td_store_update(td_store *self, td_store_fn fn, void *arg, td_errmsg *why);
/* Runs fn inside one read transaction (a consistent snapshot). */
td_err td_store_view(td_store *self, td_store_fn fn, void *arg, td_errmsg *why);

/* Registry. Gets fill *out (caller finalizes it); TD_ENOTFOUND when absent. Iteration is in key
 * order; a callback returning non-TD_OK stops it and that error is returned. Items passed to
 * callbacks are valid during the call only. */
td_err td_store_put_agency(td_txn *txn, const td_agency *a);
td_err td_store_get_agency(td_txn *txn, const char *code, td_agency *out);
td_err td_store_each_agency(td_txn *txn, td_err (*cb)(const td_agency *a, void *arg), void *arg);
td_err td_store_put_task(td_txn *txn, const td_task *t);
td_err td_store_get_task(td_txn *txn, const char *id, td_task *out);
td_err td_store_each_task(td_txn *txn, td_err (*cb)(const td_task *t, void *arg), void *arg);

/* Enrolled keys. */
#define TD_KEY_LEN 32
/* TD_ROLE_TOKEN: an operator's bearer token for the HTTP API; its "key" is the token's digest
 * (td_keys_token_digest), never a CURVE key. */
typedef enum { TD_ROLE_AGENT = 1, TD_ROLE_OPERATOR, TD_ROLE_ADMIN, TD_ROLE_TOKEN } td_role;
const char *td_role_name(int role);
td_err td_role_parse(const char *name, int *out);

typedef struct {
    uint8_t key[TD_KEY_LEN];    /* CURVE public key */
    int role;                   /* td_role */
    char name[TD_CODE_MAX + 1]; /* agency code (agent) or operator name */
    td_time created;
    td_time revoked; /* 0 while valid */
} td_keyrec;

td_err td_store_put_key(td_txn *txn, const td_keyrec *k);
td_err td_store_get_key(td_txn *txn, const uint8_t key[TD_KEY_LEN], td_keyrec *out);
td_err td_store_each_key(td_txn *txn, td_err (*cb)(const td_keyrec *k, void *arg), void *arg);
/* A counter bumped by every put_key, so that running processes notice enrollments and
 * revocations by reading one value. */
td_err td_store_keys_generation(td_txn *txn, uint64_t *out);

/* What the collector knows of each agent key's liveness and delivery. */
typedef struct {
    uint8_t key[TD_KEY_LEN];
    char agency[TD_CODE_MAX + 1];
    td_time last_contact;      /* any message */
    td_time last_report_as_of; /* greatest as_of stored */
    uint64_t last_outbox_id;   /* the outbox of the last report stored */
    uint64_t last_seq;         /* greatest seq stored from that outbox */
    uint64_t reports;          /* reports stored */
    uint32_t interval_s;       /* declared reporting interval */
    uint64_t outbox_depth;     /* as the agent said in its last report */
    uint64_t thinned;          /* as the agent said in its last report */
} td_agentrec;

td_err td_store_put_agent(td_txn *txn, const td_agentrec *a);
td_err td_store_get_agent(td_txn *txn, const uint8_t key[TD_KEY_LEN], td_agentrec *out);
td_err td_store_each_agent(td_txn *txn, td_err (*cb)(const td_agentrec *a, void *arg), void *arg);

/* The report log: one row per stored report, keyed by (agency, agent key, outbox, seq). Its
 * presence is what makes a resent report a duplicate. */
typedef struct {
    char agency[TD_CODE_MAX + 1];
    uint8_t key[TD_KEY_LEN];
    uint64_t outbox_id; /* the agent outbox the seq counts in */
    uint64_t seq;
    td_time as_of;
    td_time received_at;
    uint32_t accepted;
    uint32_t rejected;
} td_reportrec;

td_err td_store_put_report(td_txn *txn, const td_reportrec *r);
/* TD_ENOTFOUND when this (agency, key, outbox, seq) was never stored. */
td_err td_store_get_report(td_txn *txn, const char *agency, const uint8_t key[TD_KEY_LEN],
                           uint64_t outbox_id, uint64_t seq, td_reportrec *out);
td_err td_store_each_report(td_txn *txn, const char *agency,
                            td_err (*cb)(const td_reportrec *r, void *arg), void *arg);

/* The last status each agent key reported, whole: what its next delta report is relative to
 * (docs/protocol.md, "Delta reports"). One per key: the report with the greatest seq of the
 * outbox the key used last. */
typedef struct {
    uint64_t outbox_id;
    uint64_t seq;
    uint64_t digest;     /* the agent's td_wire_digest of that report's body */
    const uint8_t *body; /* a report body (td_wire_encode_body); from td_store_get_base it is
                            the store's, valid until the next write in the transaction or its
                            end */
    size_t len;
} td_baserec;

td_err td_store_put_base(td_txn *txn, const uint8_t key[TD_KEY_LEN], const td_baserec *b);
/* TD_ENOTFOUND when the key has none, or a record too short to read. */
td_err td_store_get_base(td_txn *txn, const uint8_t key[TD_KEY_LEN], td_baserec *out);

/* Versions of task status. A version is keyed by (task id, as_of); a second report with the
 * same as_of replaces the first. */
typedef struct {
    td_time as_of;
    td_time received_at;
    uint64_t seq;
    td_task_status status;
} td_task_version;

td_err td_store_put_task_version(td_txn *txn, const td_task_version *v);
/* The version with the greatest as_of <= t: one seek, logarithmic in the history length.
 * TD_ENOTFOUND when there is none. out->status is owned by the caller (td_task_status_fini). */
td_err td_store_task_version_at(td_txn *txn, const char *id, td_time t, td_task_version *out);
/* Every version of a task in as_of order. */
td_err td_store_each_task_version(td_txn *txn, const char *id,
                                  td_err (*cb)(const td_task_version *v, void *arg), void *arg);

/* Versions of status sections: agency-level (infrastructure, services, funding: id "") and
 * per item (databases and obstacles, keyed by id within the agency). Keyed by (kind, agency, id,
 * as_of). */
typedef enum {
    TD_SECTION_INFRA = 'I',
    TD_SECTION_SERVICES = 'S',
    TD_SECTION_FUNDING = 'F',
    TD_SECTION_DATABASE = 'D',
    TD_SECTION_OBSTACLE = 'O',
    TD_SECTION_OUTAGE = 'U', /* measured by probes; id "<kind>-<start>" */
    TD_SECTION_READING = 'R' /* measured by probes; id "<probe>/<name>" */
} td_section_kind;

/* Item ids: database and obstacle ids, "<kind>-<start>" for outages, "<probe>/<name>" for
 * readings. */
#define TD_SECTION_ID_MAX (TD_PROBE_NAME_MAX + 1 + TD_READING_NAME_MAX)

/* "infrastructure", "services", "funding", "databases", "obstacles", "outages", "readings";
 * NULL when unknown. */
const char *td_section_name(int kind);
td_err td_section_parse(const char *name, int *out);

typedef struct {
    int kind; /* td_section_kind */
    char agency[TD_CODE_MAX + 1];
    char id[TD_SECTION_ID_MAX + 1]; /* "" for agency-level sections */
    td_time as_of;
    td_time received_at;
    uint64_t seq;
    union {
        td_infra infra;
        td_services services;
        td_funding funding;
        td_database database;
        td_obstacle obstacle;
        td_outage outage;
        td_reading reading; /* measured_at is the version's as_of */
    } u;
} td_section_version;

void td_section_version_fini(td_section_version *v);
/* Stores v unless the version in effect at v->as_of already says the same (versions, not
 * copies); *stored says which. */
td_err td_store_put_section(td_txn *txn, const td_section_version *v, bool *stored);
/* The version in effect at t (greatest as_of <= t); TD_ENOTFOUND when none. The caller
 * finalizes out. */
td_err td_store_section_at(td_txn *txn, int kind, const char *agency, const char *id, td_time t,
                           td_section_version *out);
/* For each item id of a per-item section of an agency, the version in effect at t. */
td_err td_store_each_section_at(td_txn *txn, int kind, const char *agency, td_time t,
                                td_err (*cb)(const td_section_version *v, void *arg), void *arg);
/* Every stored version of one section or item (id NULL: of every item), in (id, as_of)
 * order. */
td_err td_store_each_section_version(td_txn *txn, int kind, const char *agency, const char *id,
                                     td_err (*cb)(const td_section_version *v, void *arg),
                                     void *arg);

/* The alert log: what the collector's alert rules delivered or failed to deliver, one JSON
 * document per row, numbered 1, 2, ... in the order written. */
td_err td_store_put_alert(td_txn *txn, const char *json, uint64_t *id);
/* The rows, newest first, at most limit (0: all); cb gets each row's number and document. */
td_err td_store_each_alert(td_txn *txn, size_t limit,
                           td_err (*cb)(uint64_t id, const char *json, size_t len, void *arg),
                           void *arg);

#endif
