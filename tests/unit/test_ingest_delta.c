/* lib/ingest with delta reports: one agency's snapshots delivered as delta reports to one store
 * and whole to another must give the same answer to every query at every instant; a delta whose
 * base the collector does not hold is refused with NEED_FULL and stores nothing. Reports are
 * framed as the agent frames them (td_wire_frame_delta) and decoded as the collector decodes
 * them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiendo/ingest.h"
#include "tiendo/parse.h"
#include "tiendo/query.h"

#include "testutil.h"

#define K_AGENT 0x31
#define K_AGENT2 0x32 /* a second key of the same agency */
#define OUTBOX 0x5eed0001ULL

typedef struct {
    char *dir;
    td_store *store;
} s_side;

static void s_side_open(s_side *s)
{
    s->dir = tu_mkdtemp();
    s->store = tu_store_open(s->dir, 0);
    td_agency agencies[2];
    tu_agency(&agencies[0], "P01", "Tỉnh Một", TD_KIND_PROVINCE, "", TD_BLOCK_GOVERNMENT);
    tu_agency(&agencies[1], "X01", "Xã Một", TD_KIND_COMMUNE, "P01", TD_BLOCK_GOVERNMENT);
    td_task tasks[4];
    tu_task(&tasks[0], "X01-1", "X01", "2025-12-31", "2025-01-01", "71/NQ-CP", "", 1);
    tu_task(&tasks[1], "X01-2", "X01", "2025-10-31", "2025-01-01", "71/NQ-CP", "", 2);
    tu_task(&tasks[2], "X01-3", "X01", NULL, "2025-01-01", "71/NQ-CP", "", 1);
    tu_task(&tasks[3], "X01-4", "X01", "2025-11-10", "2025-10-01", "71/NQ-CP", "", 1);
    tu_load_registry(s->store, agencies, N(agencies), tasks, N(tasks));
}

static void s_side_close(s_side *s)
{
    td_store_destroy(&s->store);
    tu_rmtree(&s->dir);
}

/* ---- the snapshots ---- */

#define SECTIONS_1                                                                                 \
    "\"infrastructure\": {\"terminals_required\": 12, \"terminals_available\": 9, "                \
    "\"villages_total\": 14, \"villages_signal_gap\": 3, \"villages_no_power\": 1, "               \
    "\"population_db_connected\": true}, "                                                         \
    "\"services\": {\"procedures_total\": 82, \"procedures_announced\": 80, "                      \
    "\"procedures_online\": 60, \"files_received\": 10000, \"files_fully_online\": 5200, "         \
    "\"records_total\": 90000, \"records_digitized\": 43000}, "                                    \
    "\"funding\": {\"requested_vnd\": 1000, \"allocated_vnd\": 800, \"disbursed_vnd\": 200}"

/* X01-9 is not registered: rejected in every report that carries it, deltas included. */
static const struct {
    const char *json;
    bool probe; /* the probes' reading changed: a report of the same status and as_of */
    bool delta; /* the agent sends it as a delta (not when its as_of goes back) */
} s_snaps[] = {
    {"{\"agency\": \"X01\", \"as_of\": \"2025-10-01T17:00:00+07:00\", \"tasks\": ["
     "{\"id\": \"X01-1\", \"state\": \"in_progress\", \"progress\": 10, \"note\": \"bắt đầu\"},"
     "{\"id\": \"X01-2\", \"state\": \"not_started\", \"progress\": 0},"
     "{\"id\": \"X01-3\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-09-20\"}], " SECTIONS_1 ", "
     "\"databases\": [{\"id\": \"D1\", \"name\": \"Dân cư\", \"stage\": \"not_started\"},"
     "{\"id\": \"D2\", \"name\": \"Đất đai\", \"stage\": \"deploying\"}],"
     "\"obstacles\": [{\"id\": \"O1\", \"category\": \"funding\", \"description\": \"thiếu\", "
     "\"state\": \"open\", \"reported_on\": \"2025-09-01\"}]}",
     false, false},
    {"{\"agency\": \"X01\", \"as_of\": \"2025-10-15T17:00:00+07:00\", \"tasks\": ["
     "{\"id\": \"X01-1\", \"state\": \"in_progress\", \"progress\": 30, \"note\": \"bắt đầu\"},"
     "{\"id\": \"X01-2\", \"state\": \"not_started\", \"progress\": 0},"
     "{\"id\": \"X01-3\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-09-20\"},"
     "{\"id\": \"X01-4\", \"state\": \"in_progress\", \"progress\": 5},"
     "{\"id\": \"X01-9\", \"state\": \"in_progress\", \"progress\": 5}], " SECTIONS_1 ", "
     "\"databases\": [{\"id\": \"D1\", \"name\": \"Dân cư\", \"stage\": \"deploying\"},"
     "{\"id\": \"D2\", \"name\": \"Đất đai\", \"stage\": \"deploying\"}],"
     "\"obstacles\": [{\"id\": \"O1\", \"category\": \"funding\", \"description\": \"thiếu\", "
     "\"state\": \"resolved\", \"reported_on\": \"2025-09-01\", \"resolved_on\": "
     "\"2025-10-10\"}]}",
     false, true},
    /* Nothing changed but the date. */
    {"{\"agency\": \"X01\", \"as_of\": \"2025-11-01T17:00:00+07:00\", \"tasks\": ["
     "{\"id\": \"X01-1\", \"state\": \"in_progress\", \"progress\": 30, \"note\": \"bắt đầu\"},"
     "{\"id\": \"X01-2\", \"state\": \"not_started\", \"progress\": 0},"
     "{\"id\": \"X01-3\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-09-20\"},"
     "{\"id\": \"X01-4\", \"state\": \"in_progress\", \"progress\": 5},"
     "{\"id\": \"X01-9\", \"state\": \"in_progress\", \"progress\": 5}], " SECTIONS_1 ", "
     "\"databases\": [{\"id\": \"D1\", \"name\": \"Dân cư\", \"stage\": \"deploying\"},"
     "{\"id\": \"D2\", \"name\": \"Đất đai\", \"stage\": \"deploying\"}],"
     "\"obstacles\": [{\"id\": \"O1\", \"category\": \"funding\", \"description\": \"thiếu\", "
     "\"state\": \"resolved\", \"reported_on\": \"2025-09-01\", \"resolved_on\": "
     "\"2025-10-10\"}]}",
     false, true},
    /* X01-2 leaves the file; databases and funding go; services move; an obstacle comes. */
    {"{\"agency\": \"X01\", \"as_of\": \"2025-11-20T17:00:00+07:00\", \"tasks\": ["
     "{\"id\": \"X01-1\", \"state\": \"in_progress\", \"progress\": 30, \"note\": \"bắt đầu\"},"
     "{\"id\": \"X01-3\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-09-20\"},"
     "{\"id\": \"X01-4\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-11-12\"},"
     "{\"id\": \"X01-9\", \"state\": \"in_progress\", \"progress\": 5}], "
     "\"infrastructure\": {\"terminals_required\": 12, \"terminals_available\": 9, "
     "\"villages_total\": 14, \"villages_signal_gap\": 3, \"villages_no_power\": 1, "
     "\"population_db_connected\": true}, "
     "\"services\": {\"procedures_total\": 82, \"procedures_announced\": 82, "
     "\"procedures_online\": 70, \"files_received\": 12000, \"files_fully_online\": 7000, "
     "\"records_total\": 90000, \"records_digitized\": 50000}, "
     "\"obstacles\": [{\"id\": \"O1\", \"category\": \"funding\", \"description\": \"thiếu\", "
     "\"state\": \"resolved\", \"reported_on\": \"2025-09-01\", \"resolved_on\": "
     "\"2025-10-10\"},"
     "{\"id\": \"O2\", \"category\": \"data\", \"description\": \"dữ liệu\", "
     "\"state\": \"open\", \"reported_on\": \"2025-11-15\"}]}",
     false, true},
    /* The same status and as_of with a probe's reading: as a daemon re-queues it. */
    {NULL, true, true},
    /* X01-2 and the databases come back; infrastructure goes. So much changes that the delta
     * would be larger than the status: it goes whole. */
    {"{\"agency\": \"X01\", \"as_of\": \"2025-11-25T17:00:00+07:00\", \"tasks\": ["
     "{\"id\": \"X01-1\", \"state\": \"in_progress\", \"progress\": 60},"
     "{\"id\": \"X01-2\", \"state\": \"in_progress\", \"progress\": 50},"
     "{\"id\": \"X01-3\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-09-20\"},"
     "{\"id\": \"X01-4\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-11-12\"}], "
     "\"databases\": [{\"id\": \"D1\", \"name\": \"Dân cư\", \"stage\": "
     "\"foundation_centralized\"}], \"obstacles\": []}",
     false, false},
    /* An older file put back: its as_of goes back, and it goes whole. */
    {"{\"agency\": \"X01\", \"as_of\": \"2025-11-22T17:00:00+07:00\", \"tasks\": ["
     "{\"id\": \"X01-3\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-09-20\"},"
     "{\"id\": \"X01-4\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-11-12\"},"
     "{\"id\": \"X01-1\", \"state\": \"in_progress\", \"progress\": 45}]}",
     false, false},
    /* And forward again, relative to that one. */
    {"{\"agency\": \"X01\", \"as_of\": \"2025-11-28T17:00:00+07:00\", \"tasks\": ["
     "{\"id\": \"X01-3\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-09-20\"},"
     "{\"id\": \"X01-4\", \"state\": \"done\", \"progress\": 100, \"completed_on\": "
     "\"2025-11-12\"},"
     "{\"id\": \"X01-1\", \"state\": \"in_progress\", \"progress\": 70}],"
     "\"funding\": {\"requested_vnd\": 1000, \"allocated_vnd\": 900, \"disbursed_vnd\": 300}}",
     false, true},
};

/* The queued body of snapshot i, as the agent queues it. */
static uint8_t *s_body(size_t i, size_t *len)
{
    size_t k = i;
    while (s_snaps[k].json == NULL)
        k--;
    td_report r;
    td_errlist *errs = td_errlist_new();
    assert_non_null(errs);
    td_err err = td_parse_status("status.json", s_snaps[k].json, strlen(s_snaps[k].json), &r, errs);
    if (err)
        fail_msg("snapshot %zu: %s", k, td_errlist_count(errs) ? td_errlist_at(errs, 0) : "?");
    td_errlist_destroy(&errs);
    if (s_snaps[i].probe) {
        r.readings = calloc(1, sizeof *r.readings);
        assert_non_null(r.readings);
        r.n_readings = 1;
        snprintf(r.readings[0].probe, sizeof r.readings[0].probe, "host");
        snprintf(r.readings[0].name, sizeof r.readings[0].name, "disk_free_bytes");
        r.readings[0].value = 5e9;
        r.readings[0].measured_at = r.as_of + 60;
    }
    uint8_t *body;
    CHECK_INT("body", td_wire_encode_body(&r, &body, len), TD_OK);
    td_report_fini(&r);
    return body;
}

/* ---- ingest ---- */

typedef struct {
    uint8_t key[TD_KEY_LEN];
    td_msg m;
    td_time now;
    td_ack ack;
    td_nack nack;
} s_ingest;

static td_err s_ingest_fn(td_txn *txn, void *arg)
{
    s_ingest *in = arg;
    td_ingest_result_fini(&in->ack, &in->nack);
    return td_ingest_report(txn, in->key, "X01", &in->m.u.report, in->now, &in->ack, &in->nack);
}

/* Decodes frame and ingests it into s with key k at now; the caller finalizes in. */
static void s_deliver(s_side *s, uint8_t k, const uint8_t *frame, size_t len, td_time now,
                      s_ingest *in)
{
    memset(in, 0, sizeof *in);
    tu_key(in->key, k);
    in->now = now;
    td_errmsg why = {{0}};
    CHECK_OK("decode", td_wire_decode(frame, len, &in->m, &why), &why);
    CHECK_OK("ingest", td_store_update(s->store, s_ingest_fn, in, &why), &why);
}

static void s_ingest_fini(s_ingest *in)
{
    td_ingest_result_fini(&in->ack, &in->nack);
    td_msg_fini(&in->m);
}

/* Frames body as seq of OUTBOX against base (NULL: whole). */
static uint8_t *s_frame(const uint8_t *body, size_t len, const uint8_t *base, size_t base_len,
                        uint64_t base_seq, uint64_t outbox, uint64_t seq, size_t *out_len,
                        td_wire_framed *info)
{
    td_wire_delivery d = {outbox, seq, 300, 1, 0};
    uint8_t *frame;
    CHECK_INT("frame",
              td_wire_frame_delta(body, len, base, base_len, base_seq, &d, &frame, out_len, info),
              TD_OK);
    return frame;
}

/* The rejected ids of an Ack, sorted into text. */
static void s_rejected(const td_ack *a, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < a->n_rejected; i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s;", a->rejected[i].id);
}

static const char *const s_dates[] = {"2025-09-30", "2025-10-01", "2025-10-10", "2025-10-15",
                                      "2025-10-20", "2025-11-01", "2025-11-05", "2025-11-20",
                                      "2025-11-21", "2025-11-22", "2025-11-23", "2025-11-25",
                                      "2025-11-28", "2025-12-31"};

/* Query command with params at as_of `when` (NULL: none) on both stores: the same document. */
static void s_same(s_side *a, s_side *b, const char *command, const char *pname, const char *pval,
                   const char *when, td_time now)
{
    td_param p[2];
    size_t n = 0;
    if (pname)
        p[n++] = (td_param){(char *)pname, (char *)pval};
    if (when)
        p[n++] = (td_param){"as-of", (char *)when};
    char *ja = NULL, *jb = NULL;
    td_errmsg why = {{0}};
    CHECK_OK(command, td_query_run(a->store, command, p, n, now, &ja, &why), &why);
    CHECK_OK(command, td_query_run(b->store, command, p, n, now, &jb, &why), &why);
    if (strcmp(ja, jb) != 0)
        fail_msg("%s %s=%s as of %s:\ndelta: %s\nwhole: %s", command, pname ? pname : "",
                 pval ? pval : "", when ? when : "now", ja, jb);
    free(ja);
    free(jb);
}

static void test_same_answers(void **state)
{
    (void)state;
    s_side a, b; /* a gets deltas, b whole reports */
    s_side_open(&a);
    s_side_open(&b);
    td_time now = tu_time("2025-10-01T18:00:00+07:00");
    uint8_t *prev = NULL;
    size_t prev_len = 0;
    for (size_t i = 0; i < N(s_snaps); i++, now += 86400) {
        size_t len, fa_len, fb_len;
        uint8_t *body = s_body(i, &len);
        td_wire_framed ia, ib;
        uint64_t seq = i + 1;
        uint8_t *fa = s_frame(body, len, prev, prev_len, seq - 1, OUTBOX, seq, &fa_len, &ia);
        uint8_t *fb = s_frame(body, len, NULL, 0, 0, OUTBOX, seq, &fb_len, &ib);
        char name[32];
        snprintf(name, sizeof name, "snapshot %zu", i);
        CHECK_INT(name, ia.base_seq, s_snaps[i].delta ? seq - 1 : 0);
        if (i == 2 && fa_len > 60)
            fail_msg("an unchanged status: a delta of %zu bytes (whole: %zu)", fa_len, fb_len);
        s_ingest ra, rb;
        s_deliver(&a, K_AGENT, fa, fa_len, now, &ra);
        s_deliver(&b, K_AGENT, fb, fb_len, now, &rb);
        CHECK_INT(name, ra.nack.code, 0);
        CHECK_INT(name, rb.nack.code, 0);
        CHECK_INT(name, ra.ack.accepted, rb.ack.accepted);
        char rja[256], rjb[256];
        s_rejected(&ra.ack, rja, sizeof rja);
        s_rejected(&rb.ack, rjb, sizeof rjb);
        CHECK_STR(name, rja, rjb);
        if (i >= 1 && i <= 4)
            CHECK_STR(name, rja, "X01-9;"); /* rejected again, as the whole report would be */
        s_ingest_fini(&ra);
        s_ingest_fini(&rb);
        free(fa);
        free(fb);
        free(prev);
        prev = body;
        prev_len = len;
    }
    free(prev);
    static const char *const at_dates[] = {"summary",   "tasks",   "infra",    "services",
                                           "databases", "funding", "obstacles"};
    for (size_t d = 0; d < N(s_dates); d++) {
        for (size_t q = 0; q < N(at_dates); q++)
            s_same(&a, &b, at_dates[q], NULL, NULL, s_dates[d], now);
        s_same(&a, &b, "agency", "code", "X01", s_dates[d], now);
        s_same(&a, &b, "summary", "province", "P01", s_dates[d], now);
    }
    s_same(&a, &b, "agents", NULL, NULL, NULL, now);
    s_same(&a, &b, "reports", "agency", "X01", NULL, now);
    static const char *const tasks[] = {"X01-1", "X01-2", "X01-3", "X01-4"};
    for (size_t t = 0; t < N(tasks); t++)
        s_same(&a, &b, "history", "task", tasks[t], NULL, now);
    static const char *const sections[] = {"infrastructure", "services",  "funding",
                                           "databases",      "obstacles", "readings"};
    for (size_t s = 0; s < N(sections); s++) {
        td_param p[2] = {{"agency", "X01"}, {"section", (char *)sections[s]}};
        char *ja = NULL, *jb = NULL;
        td_errmsg why = {{0}};
        CHECK_OK(sections[s], td_query_run(a.store, "history", p, 2, now, &ja, &why), &why);
        CHECK_OK(sections[s], td_query_run(b.store, "history", p, 2, now, &jb, &why), &why);
        CHECK_STR(sections[s], ja, jb);
        free(ja);
        free(jb);
    }
    /* The answers compared are not empty: the unchanged report of 2025-11-01 stands for X01-2
     * as the whole report does, and X01-2, left out on 2025-11-20, still answers 2025-11-01. */
    td_param p[2] = {{"as-of", "2025-11-21"}, {"class", "overdue"}};
    char *json = NULL;
    td_errmsg why = {{0}};
    CHECK_OK("tasks", td_query_run(a.store, "tasks", p, 2, now, &json, &why), &why);
    if (!strstr(json, "\"id\": \"X01-2\"") && !strstr(json, "\"id\":\"X01-2\""))
        fail_msg("X01-2 is not overdue on 2025-11-21: %s", json);
    if (!strstr(json, "2025-11-01"))
        fail_msg("X01-2 was not reported as of 2025-11-01: %s", json);
    free(json);
    s_side_close(&a);
    s_side_close(&b);
}

/* ---- refusals ---- */

typedef struct {
    s_side s;
    uint8_t *body[3];
    size_t len[3];
    td_time now;
} s_fixture;

static int s_setup(void **state)
{
    s_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    s_side_open(&f->s);
    for (size_t i = 0; i < 3; i++)
        f->body[i] = s_body(i, &f->len[i]);
    f->now = tu_time("2025-12-01T09:00:00+07:00");
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture *f = *state;
    s_side_close(&f->s);
    for (size_t i = 0; i < 3; i++)
        free(f->body[i]);
    free(f);
    return 0;
}

/* What the store holds of key k: report rows of X01 and the agent record. */
typedef struct {
    uint8_t key[TD_KEY_LEN];
    size_t reports;
    td_err agent;
    size_t versions;
} s_held;

static td_err s_count_report(const td_reportrec *r, void *arg)
{
    (void)r;
    ((s_held *)arg)->reports++;
    return TD_OK;
}

static td_err s_held_fn(td_txn *txn, void *arg)
{
    s_held *h = arg;
    td_agentrec a;
    h->reports = 0;
    h->agent = td_store_get_agent(txn, h->key, &a);
    return td_store_each_report(txn, "X01", s_count_report, h);
}

static s_held s_holds(s_fixture *f, uint8_t k)
{
    s_held h;
    memset(&h, 0, sizeof h);
    tu_key(h.key, k);
    td_errmsg why = {{0}};
    CHECK_OK("held", td_store_view(f->s.store, s_held_fn, &h, &why), &why);
    h.versions = tu_count_versions(f->s.store, "X01-1");
    return h;
}

/* Delivers snapshot i as seq (against snapshot base_i as base_seq when base_seq is set) and
 * checks the answer: want_code 0 for an Ack (dup: duplicate), else the Nack's code. */
static void s_expect(s_fixture *f, const char *name, uint8_t k, uint64_t outbox, size_t i,
                     uint64_t seq, size_t base_i, uint64_t base_seq, int want_code, bool dup,
                     const char *why_part)
{
    size_t len;
    td_wire_framed info;
    uint8_t *frame = s_frame(f->body[i], f->len[i], base_seq ? f->body[base_i] : NULL,
                             f->len[base_i], base_seq, outbox, seq, &len, &info);
    CHECK_INT(name, info.base_seq, base_seq);
    s_ingest in;
    s_deliver(&f->s, k, frame, len, f->now++, &in);
    free(frame);
    CHECK_INT(name, in.nack.code, want_code);
    if (want_code) {
        CHECK_INT(name, in.nack.seq, seq);
        CHECK_INT(name, in.ack.seq, 0); /* one of ack or nack */
        if (!strstr(in.nack.reason, why_part))
            fail_msg("%s: reason \"%s\", want \"%s\"", name, in.nack.reason, why_part);
    } else {
        CHECK_INT(name, in.ack.seq, seq);
        CHECK_INT(name, in.ack.duplicate, dup);
    }
    s_ingest_fini(&in);
}

static void test_need_full(void **state)
{
    s_fixture *f = *state;
    s_expect(f, "a delta to a fresh store", K_AGENT, OUTBOX, 1, 2, 0, 1, TD_NACK_NEED_FULL, false,
             "which this collector does not hold; send it whole");
    s_held h = s_holds(f, K_AGENT);
    CHECK_INT("nothing stored: reports", h.reports, 0);
    CHECK_INT("nothing stored: agent", h.agent, TD_ENOTFOUND);
    CHECK_INT("nothing stored: versions", h.versions, 0);

    s_expect(f, "the same seq whole", K_AGENT, OUTBOX, 1, 2, 0, 0, 0, false, NULL);
    s_expect(f, "a delta against it", K_AGENT, OUTBOX, 2, 3, 1, 2, 0, false, NULL);
    h = s_holds(f, K_AGENT);
    CHECK_INT("two stored", h.reports, 2);
    s_expect(f, "the delta again: a duplicate", K_AGENT, OUTBOX, 2, 3, 1, 2, 0, true, NULL);
    s_expect(f, "a delta against an older report", K_AGENT, OUTBOX, 2, 4, 1, 2, TD_NACK_NEED_FULL,
             false, "against report 2 of outbox 000000005eed0001");
    s_expect(f, "a delta from another outbox", K_AGENT, OUTBOX + 1, 2, 1, 1, 3, TD_NACK_NEED_FULL,
             false, "which this collector does not hold");
    s_expect(f, "a delta from another key", K_AGENT2, OUTBOX, 2, 4, 1, 3, TD_NACK_NEED_FULL, false,
             "which this collector does not hold");
    h = s_holds(f, K_AGENT);
    CHECK_INT("refused ones store nothing", h.reports, 2);
    CHECK_INT("refused ones store nothing", s_holds(f, K_AGENT2).agent, TD_ENOTFOUND);
    s_expect(f, "a delta against the newest", K_AGENT, OUTBOX, 2, 4, 2, 3, 0, false, NULL);
    CHECK_INT("three stored", s_holds(f, K_AGENT).reports, 3);
}

/* An agent whose state_dir was restored from a snapshot reuses seqs with other statuses: the
 * collector's seq 2 is snapshot 2, the restored agent's seq 2 is snapshot 1 (a duplicate to the
 * collector). A delta against "seq 2" as the agent has it must not be applied to the
 * collector's seq 2. */
static void test_restored_agent(void **state)
{
    s_fixture *f = *state;
    s_expect(f, "seq 1", K_AGENT, OUTBOX, 0, 1, 0, 0, 0, false, NULL);
    s_expect(f, "seq 2", K_AGENT, OUTBOX, 2, 2, 0, 0, 0, false, NULL);
    s_expect(f, "seq 2 again, another status", K_AGENT, OUTBOX, 1, 2, 0, 0, 0, true, NULL);
    s_expect(f, "a delta against that other seq 2", K_AGENT, OUTBOX, 2, 3, 1, 2, TD_NACK_NEED_FULL,
             false, "differs from the one this collector holds");
    CHECK_INT("nothing more stored", s_holds(f, K_AGENT).reports, 2);
    s_expect(f, "the same seq whole", K_AGENT, OUTBOX, 2, 3, 0, 0, 0, false, NULL);
    CHECK_INT("stored", s_holds(f, K_AGENT).reports, 3);
}

/* A delta whose removals do not fit its base: NEED_FULL too, never applied. */
static void test_delta_not_fitting(void **state)
{
    s_fixture *f = *state;
    s_expect(f, "whole", K_AGENT, OUTBOX, 0, 1, 0, 0, 0, false, NULL);
    td_msg m = {.type = TD_MSG_REPORT};
    td_report_msg *r = &m.u.report;
    char *removed[] = {"tasks/X01-4"};
    r->seq = 2;
    r->outbox_id = OUTBOX;
    r->base_seq = 1;
    r->base_digest = td_wire_digest(f->body[0], f->len[0]);
    r->removed = removed;
    r->n_removed = 1;
    snprintf(r->report.agency, sizeof r->report.agency, "X01");
    r->report.as_of = tu_time("2025-10-02T17:00:00+07:00");
    uint8_t *frame;
    size_t len;
    CHECK_INT("encode", td_wire_encode(&m, &frame, &len), TD_OK);
    s_ingest in;
    s_deliver(&f->s, K_AGENT, frame, len, f->now, &in);
    free(frame);
    CHECK_INT("not fitting", in.nack.code, TD_NACK_NEED_FULL);
    if (!strstr(in.nack.reason, "removes tasks/X01-4, which its base does not have"))
        fail_msg("reason: %s", in.nack.reason);
    s_ingest_fini(&in);
    CHECK_INT("not stored", s_holds(f, K_AGENT).reports, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_answers),
        cmocka_unit_test_setup_teardown(test_need_full, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_delta_not_fitting, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_restored_agent, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
