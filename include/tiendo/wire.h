/* The wire format: tiendo.v1.Envelope (proto/tiendo/v1/tiendo.proto) <-> model structs.
 * Only lib/wire includes protobuf-c; protobuf structs never leave it. */
#ifndef TIENDO_WIRE_H
#define TIENDO_WIRE_H

#include "tiendo/model.h"

#define TD_WIRE_VERSION 1
#define TD_WIRE_MAX_ITEMS 100000     /* items in one report */
#define TD_WIRE_MAX_DATABASES 10000  /* databases in one report */
#define TD_WIRE_MAX_OBSTACLES 10000  /* obstacles in one report */
#define TD_WIRE_MAX_OUTAGES 1000     /* outages in one report */
#define TD_WIRE_MAX_READINGS 1000    /* probe readings in one report */
#define TD_WIRE_MAX_PARAMS 64        /* parameters in one query */
#define TD_WIRE_MAX_REMOVED 125000   /* entries of a delta report's `removed` */
#define TD_WIRE_MAX_BYTES (4u << 20) /* default ZMQ_MAXMSGSIZE */

/* The fingerprint of a queued report body (64-bit FNV-1a; never 0): names a delta's base
 * together with its seq. Not a defence against a hostile agent, which can only confuse its own
 * base. */
uint64_t td_wire_digest(const uint8_t *body, size_t len);
/* Unpacking a frame of len bytes may use TD_WIRE_UNPACK_FACTOR * len + TD_WIRE_UNPACK_BASE bytes
 * (len counted up to TD_WIRE_MAX_BYTES); a frame that needs more is refused as malformed. A
 * report item needs 4 to 9 times its encoded size, one with a 1-byte id and a state about 20
 * times (measured with protobuf-c 1.4.1 on x86-64); only frames packed with empty messages or
 * strings need more. */
#define TD_WIRE_UNPACK_FACTOR 32
#define TD_WIRE_UNPACK_BASE (64u << 10)
/* Length limits in bytes of query strings. */
#define TD_WIRE_COMMAND_MAX 32
#define TD_WIRE_PARAM_NAME_MAX 64
#define TD_WIRE_PARAM_VALUE_MAX 1024

typedef enum {
    TD_MSG_HELLO = 1,
    TD_MSG_REPORT,
    TD_MSG_ACK,
    TD_MSG_NACK,
    TD_MSG_HEARTBEAT,
    TD_MSG_QUERY,
    TD_MSG_REPLY
} td_msg_type;

typedef enum {
    TD_NACK_MALFORMED = 1,
    TD_NACK_FORBIDDEN,
    TD_NACK_UNAVAILABLE,
    TD_NACK_RATE_LIMITED,
    TD_NACK_NEED_FULL /* a delta report whose base the collector does not hold: send it whole */
} td_nack_code;

typedef struct {
    char *software;
    uint32_t interval_s;
} td_hello;

typedef struct {
    uint64_t seq;
    td_report report; /* agency, as_of, task items, sections */
    uint32_t interval_s;
    uint64_t outbox_depth;
    uint64_t thinned;
    uint64_t outbox_id; /* the agent outbox's identity: seq counts within it */
    uint64_t base_seq;  /* a delta report: relative to this seq of the outbox; 0: a full report */
    char **removed;     /* a delta report: what its base had and the status has not (model.h) */
    size_t n_removed;
    uint64_t digest;      /* td_wire_digest of the agent's whole body for this seq; 0: none */
    uint64_t base_digest; /* a delta report: td_wire_digest of its base's body */
} td_report_msg;

typedef struct {
    char *id; /* as received; may be any text */
    char *reason;
} td_rejection;

typedef struct {
    uint64_t seq;
    uint32_t accepted;
    td_rejection *rejected;
    size_t n_rejected;
    bool duplicate;
} td_ack;

typedef struct {
    uint64_t seq;
    int code; /* td_nack_code */
    char *reason;
} td_nack;

typedef struct {
    char *name;
    char *value;
} td_param;

typedef struct {
    uint64_t id;
    char *command;
    td_param *params;
    size_t n_params;
} td_query;

typedef struct {
    uint64_t id;
    bool ok;
    char *error; /* when !ok */
    char *json;  /* when ok */
} td_reply;

/* One decoded message. All pointers are owned by the message and freed by td_msg_fini. */
typedef struct {
    int type; /* td_msg_type */
    union {
        td_hello hello;
        td_report_msg report;
        td_ack ack;
        td_nack nack;
        td_time heartbeat; /* sent_at */
        td_query query;
        td_reply reply;
    } u;
} td_msg;

/* Frees what the message owns and zeroes it; accepts NULL and a zeroed message. */
void td_msg_fini(td_msg *self);

/* Encodes into a malloc'd buffer the caller frees. TD_EINVAL for a message that could not be
 * decoded back (unknown type). Also TD_EINVAL for a value the wire cannot carry (a negative
 * item progress, a NULL evidence string); TD_ENOMEM. NULL strings are sent as empty. Other
 * limits are not checked here: a message that breaks them encodes, and td_wire_decode refuses
 * it. *buf and *len are written only on success. */
td_err td_wire_encode(const td_msg *m, uint8_t **buf, size_t *len);

/* Decodes and checks one frame: protobuf structure, version, no unknown fields, a known body,
 * enum values in range, UTF-8 strings within length limits, counts within limits, report seq > 0,
 * agency a valid code. Task items are copied as received and are checked one by one by the
 * receiver (td_task_status_check), so that one bad item does not refuse the whole report. So are
 * the status sections: a section is present when its sub-message is, and its counts and enum
 * values are copied raw for td_infra_check, td_database_check, ... to judge. Memory used while
 * unpacking is bounded by a multiple of len. On error `why` says what is wrong and out is
 * untouched.
 * The frame must also be canonical: exactly as long as td_wire_encode would write it. protobuf-c
 * silently keeps the last of two bodies, merges a repeated message field, and cuts a string at
 * an embedded NUL; each of these shortens the re-encoding, so all are refused here, and memory
 * use does not depend on how a message happens to be encoded.
 * Errors: TD_EPROTO for a malformed frame, TD_ENOMEM. Decoded strings are never NULL, except a
 * task item's note, which is NULL when empty. Ranges checked: report.as_of in
 * 2000-01-01..2100-01-01 (UTC), item progress <= INT32_MAX (the receiver checks 0..100), query
 * command 1..TD_WIRE_COMMAND_MAX bytes, reply text up to len, other text up to TD_TEXT_MAX and
 * item, database and obstacle ids up to TD_ID_MAX bytes, at most TD_WIRE_MAX_DATABASES databases
 * and TD_WIRE_MAX_OBSTACLES obstacles. */
td_err td_wire_decode(const uint8_t *buf, size_t len, td_msg *out, td_errmsg *why);

/* The agent's outbox keeps a report as it was queued (encoded with seq 0 and no delivery
 * fields) and frames it for each send with its sequence number and the outbox's current state.
 * TD_EPROTO when body is not such a report. */
td_err td_wire_frame_report(const uint8_t *body, size_t len, uint64_t outbox_id, uint64_t seq,
                            uint32_t interval_s, uint64_t outbox_depth, uint64_t thinned,
                            uint8_t **out, size_t *out_len);

/* A report body: a report encoded as the agent's outbox keeps it, and as the collector keeps
 * each agent key's last status: an Envelope holding a Report with seq 0 and no delivery or delta
 * fields. */
td_err td_wire_encode_body(const td_report *r, uint8_t **buf, size_t *len);
/* Decodes a body with td_wire_decode's checks, but for seq (0 here) and canonical form. out is
 * written only on success; the caller finalizes it (td_report_fini). TD_EPROTO (why says what),
 * TD_ENOMEM. */
td_err td_wire_decode_body(const uint8_t *buf, size_t len, td_report *out, td_errmsg *why);

/* The delivery fields of a report being framed. */
typedef struct {
    uint64_t outbox_id;
    uint64_t seq;
    uint32_t interval_s;
    uint64_t outbox_depth;
    uint64_t thinned;
} td_wire_delivery;

/* What td_wire_frame_delta framed, for the agent's log. */
typedef struct {
    uint64_t base_seq; /* 0: the report went whole */
    size_t items;      /* task items, sections, databases, obstacles, outages, readings carried */
    size_t removed;    /* entries of `removed` */
} td_wire_framed;

/* Frames a queued body for sending: as a delta report against `base`, the body of the report
 * base_seq of the same outbox, when base is not NULL, a delta may stand for the body
 * (td_report_delta) and it is the smaller message; otherwise whole, as td_wire_frame_report
 * does. A base that does not decode is ignored: the report goes whole. *out (malloc'd) and *info
 * are written only on success. TD_EPROTO when body is not a report body, TD_ENOMEM. */
td_err td_wire_frame_delta(const uint8_t *body, size_t len, const uint8_t *base, size_t base_len,
                           uint64_t base_seq, const td_wire_delivery *d, uint8_t **out,
                           size_t *out_len, td_wire_framed *info);

#endif
