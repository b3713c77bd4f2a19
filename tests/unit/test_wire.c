/* lib/wire: round trips of every message type, frames the decoder must refuse, truncation.
 * Run with `--write-corpus DIR` to write the samples as seeds for tests/fuzz/fuzz_wire.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/wire.h"
#include "wire_bytes.h"

#define S_AS_OF INT64_C(1764842400) /* 2025-12-04T10:00:00Z */
#define S_DAY 20426                 /* 2025-12-04 */

/* ---- building model messages ---- */

static char *s_dup(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

static void *s_calloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    assert_non_null(p);
    return p;
}

/* Replaces a malloc'd string with a copy of text. */
static void s_set(char **slot, const char *text)
{
    free(*slot);
    *slot = s_dup(text);
}

/* Replaces a malloc'd string with n copies of c. */
static void s_set_long(char **slot, size_t n, char c)
{
    free(*slot);
    *slot = s_calloc(n + 1, 1);
    memset(*slot, c, n);
}

static void s_item(td_task_status *t, const char *id, int state, int progress, td_day done_on)
{
    snprintf(t->id, sizeof t->id, "%s", id);
    t->state = state;
    t->progress = progress;
    t->completed_on = done_on;
}

static void s_evidence(td_task_status *t, size_t n)
{
    t->evidence = s_calloc(n, sizeof *t->evidence);
    t->n_evidence = n;
    for (size_t i = 0; i < n; i++) {
        char text[64];
        snprintf(text, sizeof text, "Công văn %zu/BTC-KHTC", i + 1);
        t->evidence[i] = s_dup(text);
    }
}

static td_report_msg *s_report_head(td_msg *m, size_t n_items)
{
    memset(m, 0, sizeof *m);
    m->type = TD_MSG_REPORT;
    td_report_msg *r = &m->u.report;
    r->seq = 42;
    r->interval_s = 300;
    r->outbox_depth = 3;
    r->thinned = 1;
    strcpy(r->report.agency, "MOF");
    r->report.as_of = S_AS_OF;
    r->report.n_tasks = n_items;
    r->report.tasks = n_items ? s_calloc(n_items, sizeof *r->report.tasks) : NULL;
    return r;
}

static void s_sample_report(td_msg *m)
{
    td_report *r = &s_report_head(m, 3)->report;
    s_item(&r->tasks[0], "NQ01-2025-001", TD_STATE_NOT_STARTED, 0, TD_NODAY);
    s_item(&r->tasks[1], "NQ01-2025-002", TD_STATE_IN_PROGRESS, 45, TD_NODAY);
    r->tasks[1].note = s_dup("Đang hoàn thiện dự thảo\tlần 2\nchờ ý kiến Bộ Tư pháp");
    s_evidence(&r->tasks[1], 2);
    s_item(&r->tasks[2], "NQ01-2025-003", TD_STATE_DONE, 100, S_DAY - 3);
}

/* Values the decoder copies as received for the receiver to judge. */
static void s_sample_report_raw(td_msg *m)
{
    td_report_msg *rm = s_report_head(m, 2);
    rm->seq = UINT64_MAX;
    rm->outbox_depth = UINT64_MAX;
    rm->report.as_of = INT64_C(4102444799);
    s_item(&rm->report.tasks[0], "", 7, INT32_MAX, -5);
    s_item(&rm->report.tasks[1], "x y", -1, 101, INT32_MIN);
    s_evidence(&rm->report.tasks[1], TD_EVIDENCE_MAX);
}

static void s_sample_report_empty(td_msg *m)
{
    s_report_head(m, 0);
}

/* The most items a report may hold, with short ids: must fit the unpack arena. */
static void s_sample_report_max(td_msg *m)
{
    td_report *r = &s_report_head(m, TD_WIRE_MAX_ITEMS)->report;
    for (size_t i = 0; i < r->n_tasks; i++) {
        char id[24];
        snprintf(id, sizeof id, "%zu", i);
        s_item(&r->tasks[i], id, TD_STATE_IN_PROGRESS, (int)(i % 101), TD_NODAY);
    }
}

static void s_sample_hello(td_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = TD_MSG_HELLO;
    m->u.hello.software = s_dup("tiendo-agent 0.1.0 (Bộ Tài chính)");
    m->u.hello.interval_s = 300;
}

static void s_sample_ack(td_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = TD_MSG_ACK;
    m->u.ack.seq = 42;
    m->u.ack.accepted = 2;
    m->u.ack.duplicate = true;
    m->u.ack.n_rejected = 2;
    m->u.ack.rejected = s_calloc(2, sizeof *m->u.ack.rejected);
    m->u.ack.rejected[0].id = s_dup("NQ01-2025-009");
    m->u.ack.rejected[0].reason = s_dup("task NQ01-2025-009 is not assigned to MOF");
    m->u.ack.rejected[1].id = s_dup("");
    m->u.ack.rejected[1].reason = s_dup("id is empty");
}

static void s_sample_nack(td_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = TD_MSG_NACK;
    m->u.nack.seq = 7;
    m->u.nack.code = TD_NACK_RATE_LIMITED;
    m->u.nack.reason = s_dup("quá nhiều báo cáo: thử lại sau 30 giây");
}

static void s_sample_heartbeat(td_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = TD_MSG_HEARTBEAT;
    m->u.heartbeat = S_AS_OF + 17;
}

static void s_sample_heartbeat_min(td_msg *m)
{
    s_sample_heartbeat(m);
    m->u.heartbeat = INT64_MIN;
}

static void s_sample_query(td_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = TD_MSG_QUERY;
    m->u.query.id = 9;
    m->u.query.command = s_dup("summary");
    m->u.query.n_params = 2;
    m->u.query.params = s_calloc(2, sizeof *m->u.query.params);
    m->u.query.params[0].name = s_dup("agency");
    m->u.query.params[0].value = s_dup("MOF");
    m->u.query.params[1].name = s_dup("when");
    m->u.query.params[1].value = s_dup("");
}

static void s_sample_reply(td_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = TD_MSG_REPLY;
    m->u.reply.id = 9;
    m->u.reply.ok = true;
    m->u.reply.error = s_dup("");
    m->u.reply.json = s_dup("{\n\t\"agency\": \"MOF\",\n\t\"tên\": \"Bộ Tài chính\"\n}");
}

static void s_sample_reply_error(td_msg *m)
{
    memset(m, 0, sizeof *m);
    m->type = TD_MSG_REPLY;
    m->u.reply.id = 10;
    m->u.reply.error = s_dup("unknown command \"sumary\"");
    m->u.reply.json = s_dup("");
}

/* ---- comparing model messages ---- */

static const char *s_text(const char *s)
{
    return s == NULL ? "" : s;
}

static void s_assert_item_equal(const td_task_status *a, const td_task_status *b)
{
    assert_string_equal(a->id, b->id);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->progress, b->progress);
    assert_int_equal(a->completed_on, b->completed_on);
    assert_string_equal(s_text(a->note), s_text(b->note));
    assert_int_equal(a->n_evidence, b->n_evidence);
    for (size_t i = 0; i < a->n_evidence; i++)
        assert_string_equal(a->evidence[i], b->evidence[i]);
}

static void s_assert_report_equal(const td_report_msg *a, const td_report_msg *b)
{
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->interval_s, b->interval_s);
    assert_int_equal(a->outbox_depth, b->outbox_depth);
    assert_int_equal(a->thinned, b->thinned);
    assert_string_equal(a->report.agency, b->report.agency);
    assert_int_equal(a->report.as_of, b->report.as_of);
    assert_int_equal(a->report.n_tasks, b->report.n_tasks);
    for (size_t i = 0; i < a->report.n_tasks; i++)
        s_assert_item_equal(&a->report.tasks[i], &b->report.tasks[i]);
}

static void s_assert_ack_equal(const td_ack *a, const td_ack *b)
{
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->accepted, b->accepted);
    assert_int_equal(a->duplicate, b->duplicate);
    assert_int_equal(a->n_rejected, b->n_rejected);
    for (size_t i = 0; i < a->n_rejected; i++) {
        assert_string_equal(a->rejected[i].id, b->rejected[i].id);
        assert_string_equal(a->rejected[i].reason, b->rejected[i].reason);
    }
}

static void s_assert_query_equal(const td_query *a, const td_query *b)
{
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->command, b->command);
    assert_int_equal(a->n_params, b->n_params);
    for (size_t i = 0; i < a->n_params; i++) {
        assert_string_equal(a->params[i].name, b->params[i].name);
        assert_string_equal(a->params[i].value, b->params[i].value);
    }
}

static void s_assert_msg_equal(const td_msg *a, const td_msg *b)
{
    assert_int_equal(a->type, b->type);
    switch (a->type) {
    case TD_MSG_HELLO:
        assert_string_equal(a->u.hello.software, b->u.hello.software);
        assert_int_equal(a->u.hello.interval_s, b->u.hello.interval_s);
        break;
    case TD_MSG_REPORT:
        s_assert_report_equal(&a->u.report, &b->u.report);
        break;
    case TD_MSG_ACK:
        s_assert_ack_equal(&a->u.ack, &b->u.ack);
        break;
    case TD_MSG_NACK:
        assert_int_equal(a->u.nack.seq, b->u.nack.seq);
        assert_int_equal(a->u.nack.code, b->u.nack.code);
        assert_string_equal(a->u.nack.reason, b->u.nack.reason);
        break;
    case TD_MSG_HEARTBEAT:
        assert_int_equal(a->u.heartbeat, b->u.heartbeat);
        break;
    case TD_MSG_QUERY:
        s_assert_query_equal(&a->u.query, &b->u.query);
        break;
    case TD_MSG_REPLY:
        assert_int_equal(a->u.reply.id, b->u.reply.id);
        assert_int_equal(a->u.reply.ok, b->u.reply.ok);
        assert_string_equal(a->u.reply.error, b->u.reply.error);
        assert_string_equal(a->u.reply.json, b->u.reply.json);
        break;
    default:
        fail_msg("unexpected type %d", a->type);
    }
}

/* ---- round trips ---- */

typedef struct {
    const char *name; /* also the seed's file name */
    void (*build)(td_msg *m);
    bool seed; /* written by --write-corpus */
} s_sample;

static void s_encode(const td_msg *m, uint8_t **buf, size_t *len)
{
    td_err err = td_wire_encode(m, buf, len);
    assert_int_equal(err, TD_OK);
    assert_true(*len > 0);
}

static void s_test_round_trip(void **state)
{
    const s_sample *sample = *state;
    td_msg in, out;
    uint8_t *buf;
    size_t len;
    td_errmsg why = {""};
    sample->build(&in);
    s_encode(&in, &buf, &len);
    td_err err = td_wire_decode(buf, len, &out, &why);
    assert_int_equal(err, TD_OK);
    s_assert_msg_equal(&in, &out);
    td_msg_fini(&in);
    td_msg_fini(&out);
    assert_int_equal(out.type, 0);
    free(buf);
}

/* The state of a round trip test is its s_sample. */
/* clang-format off */
#define ROUND_TRIP(name, build, seed) \
    {"round trip " name, s_test_round_trip, NULL, NULL, &(s_sample){name, build, seed}}
/* clang-format on */

/* ---- hand-made frames ---- */

/* Envelope field numbers (proto/tiendo/v1/tiendo.proto). */
enum { F_VERSION = 1, F_HELLO, F_REPORT, F_ACK, F_NACK, F_HEARTBEAT, F_QUERY, F_REPLY };

/* A valid report body without items: seq 1, as_of, agency MOF. */
static s_bytes s_report_bytes(void)
{
    s_bytes r = {0};
    s_put_uint(&r, 1, 1);
    s_put_uint(&r, 2, (uint64_t)S_AS_OF);
    s_put_str(&r, 3, "MOF");
    return r;
}

/* Version 1 and the body as field `body`. */
static void s_frame(s_bytes *out, unsigned body, s_bytes *msg)
{
    s_put_uint(out, F_VERSION, TD_WIRE_VERSION);
    s_put_msg(out, body, msg);
}

static void s_frame_item(s_bytes *out, s_bytes *item)
{
    s_bytes r = s_report_bytes();
    s_put_msg(&r, 4, item);
    s_frame(out, F_REPORT, &r);
}

/* Appends the encoding of a sample, changed first if change is not NULL. */
static void s_frame_sample(s_bytes *out, void (*build)(td_msg *), void (*change)(td_msg *))
{
    td_msg m;
    uint8_t *buf;
    size_t len;
    build(&m);
    if (change != NULL)
        change(&m);
    s_encode(&m, &buf, &len);
    s_put(out, buf, len);
    free(buf);
    td_msg_fini(&m);
}

/* ---- frames the decoder refuses ---- */

static void s_raw_empty(s_bytes *w)
{
    (void)w;
}

/* A five-byte tag whose last byte reaches bit 31: the signed shift in protobuf-c 1.4.1's
 * parse_tag_and_wiretype. UBSan stays quiet because Debian's libprotobuf-c is not instrumented;
 * then wire type 7 makes the unpack fail. */
static void s_raw_garbage(s_bytes *w)
{
    static const uint8_t junk[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
    s_put(w, junk, sizeof junk);
}

static void s_raw_version_only(s_bytes *w)
{
    s_put_uint(w, F_VERSION, TD_WIRE_VERSION);
}

static void s_raw_version_2(s_bytes *w)
{
    s_bytes hb = {0};
    s_put_uint(&hb, 1, 1);
    s_put_uint(w, F_VERSION, 2);
    s_put_msg(w, F_HEARTBEAT, &hb);
}

static void s_raw_unknown_envelope(s_bytes *w)
{
    s_frame_sample(w, s_sample_heartbeat, NULL);
    s_put_uint(w, 15, 1);
}

static void s_raw_unknown_item(s_bytes *w)
{
    s_bytes item = {0};
    s_put_str(&item, 1, "T1");
    s_put_str(&item, 9, "later field");
    s_frame_item(w, &item);
}

static void s_raw_unknown_report(s_bytes *w)
{
    s_bytes r = s_report_bytes();
    s_put_uint(&r, 100, 1);
    s_frame(w, F_REPORT, &r);
}

static void s_raw_two_bodies(s_bytes *w)
{
    s_bytes hb = {0}, hello = {0};
    s_put_uint(&hb, 1, 1);
    s_put_str(&hello, 1, "agent");
    s_frame(w, F_HEARTBEAT, &hb);
    s_put_msg(w, F_HELLO, &hello);
}

static void s_raw_version_twice(s_bytes *w)
{
    s_put_uint(w, F_VERSION, TD_WIRE_VERSION);
    s_frame_sample(w, s_sample_heartbeat, NULL);
}

static void s_raw_overlong_varint(s_bytes *w)
{
    static const uint8_t version_1[] = {0x08, 0x81, 0x00};
    s_bytes hb = {0};
    s_put_uint(&hb, 1, 1);
    s_put(w, version_1, sizeof version_1);
    s_put_msg(w, F_HEARTBEAT, &hb);
}

static void s_raw_nul_in_string(s_bytes *w)
{
    s_bytes hello = {0};
    s_put_len(&hello, 1, "agent\0evil", 10);
    s_frame(w, F_HELLO, &hello);
}

static void s_raw_progress_huge(s_bytes *w)
{
    s_bytes item = {0};
    s_put_str(&item, 1, "T1");
    s_put_uint(&item, 3, UINT32_MAX);
    s_frame_item(w, &item);
}

static void s_raw_id_long(s_bytes *w)
{
    char id[TD_ID_MAX + 2];
    memset(id, 'a', TD_ID_MAX + 1);
    id[TD_ID_MAX + 1] = '\0';
    s_bytes item = {0};
    s_put_str(&item, 1, id);
    s_frame_item(w, &item);
}

/* Every item is two bytes (an empty message) and costs protobuf-c a struct, a pointer and a
 * scan slot: the arena must refuse it before the count check ever sees it. */
static void s_raw_items_dense(s_bytes *w)
{
    static const uint8_t empty_item[] = {0x22, 0x00};
    s_bytes r = s_report_bytes();
    for (size_t i = 0; i < TD_WIRE_MAX_ITEMS; i++)
        s_put(&r, empty_item, sizeof empty_item);
    s_frame(w, F_REPORT, &r);
}

static void s_raw_evidence_too_many(s_bytes *w)
{
    s_bytes item = {0};
    s_put_str(&item, 1, "T1");
    for (int i = 0; i <= TD_EVIDENCE_MAX; i++)
        s_put_str(&item, 6, "x");
    s_frame_item(w, &item);
}

static void s_change_code_6(td_msg *m)
{
    m->u.nack.code = 6;
}

static void s_change_code_0(td_msg *m)
{
    m->u.nack.code = 0;
}

static void s_change_code_negative(td_msg *m)
{
    m->u.nack.code = -1; /* sent as a ten-byte varint, as protobuf sends negative enums */
}

static void s_change_seq_0(td_msg *m)
{
    m->u.report.seq = 0;
}

static void s_change_agency_utf8(td_msg *m)
{
    strcpy(m->u.report.report.agency, "B\xC3\x28");
}

static void s_change_agency_empty(td_msg *m)
{
    m->u.report.report.agency[0] = '\0';
}

static void s_change_as_of_early(td_msg *m)
{
    m->u.report.report.as_of = INT64_C(946684799);
}

static void s_change_as_of_late(td_msg *m)
{
    m->u.report.report.as_of = INT64_C(4102444800);
}

static void s_change_note_utf8(td_msg *m)
{
    s_set(&m->u.report.report.tasks[1].note, "ti\xE1\xBA\x20n \xC4");
}

static void s_change_note_control(td_msg *m)
{
    s_set(&m->u.report.report.tasks[1].note, "done\r\n");
}

static void s_change_note_long(td_msg *m)
{
    s_set_long(&m->u.report.report.tasks[2].note, TD_TEXT_MAX + 1, 'n');
}

static void s_change_evidence_utf8(td_msg *m)
{
    s_set(&m->u.report.report.tasks[1].evidence[1], "\xFF");
}

static void s_change_items_too_many(td_msg *m)
{
    td_msg_fini(m);
    td_report *r = &s_report_head(m, TD_WIRE_MAX_ITEMS + 1)->report;
    for (size_t i = 0; i < r->n_tasks; i++)
        snprintf(r->tasks[i].id, sizeof r->tasks[i].id, "NQ01-2025-%06zu", i);
}

static void s_change_rejection_utf8(td_msg *m)
{
    s_set(&m->u.ack.rejected[1].reason, "\xC0\xAF");
}

static void s_change_command_empty(td_msg *m)
{
    m->u.query.command[0] = '\0';
}

static void s_change_command_long(td_msg *m)
{
    s_set(&m->u.query.command, "summary-of-every-agency-and-task-");
}

static void s_change_params_too_many(td_msg *m)
{
    td_query *q = &m->u.query;
    for (size_t i = 0; i < q->n_params; i++) {
        free(q->params[i].name);
        free(q->params[i].value);
    }
    free(q->params);
    q->n_params = TD_WIRE_MAX_PARAMS + 1;
    q->params = s_calloc(q->n_params, sizeof *q->params);
    for (size_t i = 0; i < q->n_params; i++) {
        q->params[i].name = s_dup("p");
        q->params[i].value = s_dup("v");
    }
}

static void s_change_param_value_long(td_msg *m)
{
    s_set_long(&m->u.query.params[1].value, TD_WIRE_PARAM_VALUE_MAX + 1, 'v');
}

static void s_change_param_name_long(td_msg *m)
{
    s_set_long(&m->u.query.params[0].name, TD_WIRE_PARAM_NAME_MAX + 1, 'p');
}

static void s_change_reason_long(td_msg *m)
{
    s_set_long(&m->u.nack.reason, TD_TEXT_MAX + 1, 'r');
}

static void s_change_software_utf8(td_msg *m)
{
    s_set(&m->u.hello.software, "agent \xED\xA0\x80"); /* a UTF-16 surrogate */
}

static void s_change_json_utf8(td_msg *m)
{
    s_set(&m->u.reply.json, "{\"a\": \"\xF5\x80\x80\x80\"}");
}

typedef struct {
    const char *name;
    void (*raw)(s_bytes *w);   /* a hand-made frame, or */
    void (*build)(td_msg *m);  /* a sample ... */
    void (*change)(td_msg *m); /* ... spoilt before it is encoded */
    const char *why;           /* expected in the error message */
} s_reject;

static void s_test_reject(void **state)
{
    const s_reject *c = *state;
    s_bytes w = {0};
    if (c->raw != NULL)
        c->raw(&w);
    else
        s_frame_sample(&w, c->build, c->change);
    td_msg out;
    memset(&out, 0xA5, sizeof out);
    td_msg untouched = out;
    td_errmsg why = {""};
    td_err err = td_wire_decode(w.b, w.n, &out, &why);
    if (err == TD_OK)
        td_msg_fini(&out);
    assert_int_equal(err, TD_EPROTO);
    assert_memory_equal(&out, &untouched, sizeof out);
    if (strstr(why.text, c->why) == NULL)
        fail_msg("why is \"%s\", expected to contain \"%s\"", why.text, c->why);
    free(w.b);
}

/* clang-format off */
#define RAW(name, raw, why) \
    {name, s_test_reject, NULL, NULL, &(s_reject){name, raw, NULL, NULL, why}}
#define SPOILT(name, build, change, why) \
    {name, s_test_reject, NULL, NULL, &(s_reject){name, NULL, build, change, why}}
/* clang-format on */

static const struct CMUnitTest s_reject_tests[] = {
    RAW("empty buffer", s_raw_empty, "empty message"),
    RAW("garbage", s_raw_garbage, "is not a tiendo.v1.Envelope"),
    RAW("no body", s_raw_version_only, "envelope has no body"),
    RAW("version 2", s_raw_version_2, "unsupported protocol version 2 (expected 1)"),
    RAW("unknown field in envelope", s_raw_unknown_envelope, "unknown field 15 in envelope"),
    RAW("unknown field in report", s_raw_unknown_report, "unknown field 100 in report"),
    RAW("unknown field in item", s_raw_unknown_item, "unknown field 9 in report.tasks[0]"),
    RAW("two bodies", s_raw_two_bodies, "canonical encoding"),
    RAW("version twice", s_raw_version_twice, "canonical encoding"),
    RAW("overlong varint", s_raw_overlong_varint, "canonical encoding"),
    RAW("NUL in string", s_raw_nul_in_string, "canonical encoding"),
    RAW("progress past INT32_MAX", s_raw_progress_huge,
        "report.tasks[0].progress 4294967295 is out of range"),
    RAW("item id too long", s_raw_id_long, "report.tasks[0].id is 65 bytes, more than 64"),
    RAW("allocator cap", s_raw_items_dense, "bytes of memory to unpack"),
    RAW("too much evidence", s_raw_evidence_too_many,
        "report.tasks[0].evidence has 33 entries, more than 32"),
    SPOILT("seq 0", s_sample_report, s_change_seq_0, "report.seq is 0"),
    SPOILT("agency bad UTF-8", s_sample_report, s_change_agency_utf8,
           "report.agency is not an agency code"),
    SPOILT("agency empty", s_sample_report, s_change_agency_empty,
           "report.agency is not an agency code"),
    SPOILT("as_of before 2000", s_sample_report, s_change_as_of_early,
           "report.as_of 946684799 is outside 2000-01-01..2100-01-01"),
    SPOILT("as_of at 2100", s_sample_report, s_change_as_of_late,
           "report.as_of 4102444800 is outside"),
    SPOILT("note bad UTF-8", s_sample_report, s_change_note_utf8,
           "report.tasks[1].note is not valid UTF-8"),
    SPOILT("note control", s_sample_report, s_change_note_control,
           "report.tasks[1].note is not valid UTF-8 or holds a control character"),
    SPOILT("note too long", s_sample_report, s_change_note_long,
           "report.tasks[2].note is 4097 bytes, more than 4096"),
    SPOILT("evidence bad UTF-8", s_sample_report, s_change_evidence_utf8,
           "report.tasks[1].evidence[1] is not valid UTF-8"),
    SPOILT("too many items", s_sample_report, s_change_items_too_many,
           "report.tasks has 100001 entries, more than 100000"),
    SPOILT("rejection bad UTF-8", s_sample_ack, s_change_rejection_utf8,
           "ack.rejected[1].reason is not valid UTF-8"),
    SPOILT("nack code 6", s_sample_nack, s_change_code_6, "nack.code 6 is not a known code"),
    SPOILT("nack code 0", s_sample_nack, s_change_code_0, "nack.code 0 is not a known code"),
    SPOILT("nack code -1", s_sample_nack, s_change_code_negative,
           "nack.code -1 is not a known code"),
    SPOILT("nack reason too long", s_sample_nack, s_change_reason_long,
           "nack.reason is 4097 bytes, more than 4096"),
    SPOILT("hello surrogate", s_sample_hello, s_change_software_utf8,
           "hello.software is not valid UTF-8"),
    SPOILT("command empty", s_sample_query, s_change_command_empty, "query.command is empty"),
    SPOILT("command too long", s_sample_query, s_change_command_long,
           "query.command is 33 bytes, more than 32"),
    SPOILT("too many params", s_sample_query, s_change_params_too_many,
           "query.params has 65 entries, more than 64"),
    SPOILT("param name too long", s_sample_query, s_change_param_name_long,
           "query.params[0].name is 65 bytes, more than 64"),
    SPOILT("param value too long", s_sample_query, s_change_param_value_long,
           "query.params[1].value is 1025 bytes, more than 1024"),
    SPOILT("reply json bad UTF-8", s_sample_reply, s_change_json_utf8,
           "reply.json is not valid UTF-8"),
};

/* ---- everything else ---- */

/* Pins the wire format: field numbers and types must never change under the same version. */
static void s_test_golden(void **state)
{
    (void)state;
    static const uint8_t want[] = {0x08, 0x01, 0x2A, 0x0B, 0x08, 0x07, 0x10, 0x04,
                                   0x1A, 0x05, 'l',  'a',  't',  'e',  'r'};
    td_msg m = {.type = TD_MSG_NACK};
    m.u.nack = (td_nack){.seq = 7, .code = TD_NACK_RATE_LIMITED, .reason = "later"};
    uint8_t *buf;
    size_t len;
    s_encode(&m, &buf, &len);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(buf, want, sizeof want);
    free(buf);
}

/* Every prefix of a valid frame fails cleanly: each is copied to a block of exactly its size so
 * that ASan sees any read past the end. The body is the last field, so no prefix is whole. */
static void s_test_truncated(void **state)
{
    (void)state;
    s_bytes w = {0};
    s_frame_sample(&w, s_sample_report, NULL);
    for (size_t n = 0; n < w.n; n++) {
        uint8_t *cut = malloc(n > 0 ? n : 1);
        assert_non_null(cut);
        memcpy(cut, w.b, n);
        td_msg out;
        td_errmsg why = {""};
        td_err err = td_wire_decode(cut, n, &out, &why);
        if (err == TD_OK)
            td_msg_fini(&out);
        if (err != TD_EPROTO)
            fail_msg("prefix of %zu bytes: %s", n, td_strerror(err));
        assert_true(why.text[0] != '\0');
        free(cut);
    }
    free(w.b);
}

static void s_test_encode_invalid(void **state)
{
    (void)state;
    uint8_t *buf = NULL;
    size_t len = 0;
    td_msg m = {.type = 0};
    assert_int_equal(td_wire_encode(&m, &buf, &len), TD_EINVAL);
    m.type = TD_MSG_REPLY + 1;
    assert_int_equal(td_wire_encode(&m, &buf, &len), TD_EINVAL);
    s_sample_report(&m);
    m.u.report.report.tasks[0].progress = -1;
    assert_int_equal(td_wire_encode(&m, &buf, &len), TD_EINVAL);
    m.u.report.report.tasks[0].progress = 0;
    free(m.u.report.report.tasks[1].evidence[0]);
    m.u.report.report.tasks[1].evidence[0] = NULL;
    assert_int_equal(td_wire_encode(&m, &buf, &len), TD_EINVAL);
    assert_null(buf);
    assert_int_equal(len, 0);
    td_msg_fini(&m);
}

static void s_test_null_strings(void **state)
{
    (void)state;
    td_msg in = {.type = TD_MSG_REPLY}, out;
    in.u.reply.id = 3;
    uint8_t *buf;
    size_t len;
    td_errmsg why = {""};
    s_encode(&in, &buf, &len);
    assert_int_equal(td_wire_decode(buf, len, &out, &why), TD_OK);
    assert_string_equal(out.u.reply.error, "");
    assert_string_equal(out.u.reply.json, "");
    td_msg_fini(&out);
    td_msg_fini(NULL);
    free(buf);
}

static const struct CMUnitTest s_tests[] = {
    ROUND_TRIP("hello", s_sample_hello, true),
    ROUND_TRIP("report", s_sample_report, true),
    ROUND_TRIP("report-raw", s_sample_report_raw, true),
    ROUND_TRIP("report-empty", s_sample_report_empty, true),
    ROUND_TRIP("report-max", s_sample_report_max, false),
    ROUND_TRIP("ack", s_sample_ack, true),
    ROUND_TRIP("nack", s_sample_nack, true),
    ROUND_TRIP("heartbeat", s_sample_heartbeat, true),
    ROUND_TRIP("heartbeat-min", s_sample_heartbeat_min, true),
    ROUND_TRIP("query", s_sample_query, true),
    ROUND_TRIP("reply", s_sample_reply, true),
    ROUND_TRIP("reply-error", s_sample_reply_error, true),
    cmocka_unit_test(s_test_golden),
    cmocka_unit_test(s_test_truncated),
    cmocka_unit_test(s_test_encode_invalid),
    cmocka_unit_test(s_test_null_strings),
};

/* Seeds for the fuzzer: the round trip samples, one file each, named after the sample. */
static int s_write_seed(const char *dir, const s_sample *sample)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.bin", dir, sample->name);
    s_bytes w = {0};
    s_frame_sample(&w, sample->build, NULL);
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fwrite(w.b, 1, w.n, f) == w.n;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok)
        perror(path);
    free(w.b);
    return ok ? 0 : 1;
}

static int s_write_corpus(const char *dir)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof s_tests / sizeof s_tests[0]; i++) {
        const s_sample *sample = s_tests[i].initial_state;
        if (s_tests[i].test_func == s_test_round_trip && sample->seed)
            failed |= s_write_seed(dir, sample);
    }
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return s_write_corpus(argv[2]);
    int failed = cmocka_run_group_tests_name("wire", s_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("wire decode refuses", s_reject_tests, NULL, NULL);
    return failed;
}
