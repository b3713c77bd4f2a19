/* lib/ingest: authority, item checks, dedup, versions and liveness, on a real store holding a
 * small registry (MOF, BCA and MO, a prefix of MOF). Tables of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiendo/err.h"
#include "tiendo/ingest.h"
#include "tiendo/model.h"
#include "tiendo/store.h"

#include "testutil.h"

#define K_MOF 0x11
#define K_MOF2 0x12 /* a second agent of MOF */
#define K_BCA 0x22

typedef struct {
    char *dir;
    td_store *store;
    td_time as_of; /* 2025-12-04T09:00:00+07:00 */
    td_time now;   /* one minute later */
} s_fixture;

static int s_setup(void **state)
{
    s_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tu_mkdtemp();
    f->store = tu_store_open(f->dir, 0);
    f->as_of = tu_time("2025-12-04T09:00:00+07:00");
    f->now = f->as_of + 60;

    td_agency agencies[3];
    tu_agency(&agencies[0], "MOF", "Bộ Tài chính", TD_KIND_MINISTRY, "", TD_BLOCK_GOVERNMENT);
    tu_agency(&agencies[1], "BCA", "Bộ Công an", TD_KIND_MINISTRY, "", TD_BLOCK_GOVERNMENT);
    tu_agency(&agencies[2], "MO", "Prefix of MOF", TD_KIND_AGENCY, "", TD_BLOCK_PARTY);
    td_task tasks[5];
    tu_task(&tasks[0], "MOF-1", "MOF", "2025-12-31", "2025-01-01", "71/NQ-CP", "", 1);
    tu_task(&tasks[1], "MOF-2", "MOF", "2025-12-31", "2025-01-01", "71/NQ-CP", "", 1);
    tu_task(&tasks[2], "MOF-3", "MOF", NULL, "2025-01-01", "71/NQ-CP", "", 1);
    tu_task(&tasks[3], "BCA-1", "BCA", "2025-12-31", "2025-01-01", "71/NQ-CP", "", 1);
    tu_task(&tasks[4], "MO-1", "MO", "2025-12-31", "2025-01-01", "71/NQ-CP", "", 1);
    tu_load_registry(f->store, agencies, N(agencies), tasks, N(tasks));
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fixture *f = *state;
    td_store_destroy(&f->store);
    tu_rmtree(&f->dir);
    free(f);
    return 0;
}

/* One td_ingest_report in its own transaction, as the collector runs it. */
typedef struct {
    uint8_t key[TD_KEY_LEN];
    const char *key_agency;
    const td_report_msg *m;
    td_time now;
    td_ack ack;
    td_nack nack;
} s_ingest;

static td_err s_ingest_fn(td_txn *txn, void *arg)
{
    s_ingest *in = arg;
    td_ingest_result_fini(&in->ack, &in->nack); /* a retry after map growth starts over */
    return td_ingest_report(txn, in->key, in->key_agency, in->m, in->now, &in->ack, &in->nack);
}

static void s_run(s_fixture *f, s_ingest *in, uint8_t key, const char *key_agency,
                  const td_report_msg *m, td_time now)
{
    memset(in, 0, sizeof *in);
    tu_key(in->key, key);
    in->key_agency = key_agency;
    in->m = m;
    in->now = now;
    td_errmsg why = {{0}};
    CHECK_OK("ingest", td_store_update(f->store, s_ingest_fn, in, &why), &why);
}

/* Lookups in a read transaction. */
typedef struct {
    const char *id;
    td_time t;
    td_err err;
    td_task_version v;
} s_version_q;

static td_err s_version_fn(td_txn *txn, void *arg)
{
    s_version_q *q = arg;
    memset(&q->v, 0, sizeof q->v);
    q->err = td_store_task_version_at(txn, q->id, q->t, &q->v);
    return TD_OK;
}

/* The version of id at t: TD_OK and *v filled (caller finalizes v->status), or the error. */
static td_err s_version_at(s_fixture *f, const char *id, td_time t, td_task_version *v)
{
    s_version_q q = {.id = id, .t = t};
    td_errmsg why = {{0}};
    CHECK_OK(id, td_store_view(f->store, s_version_fn, &q, &why), &why);
    *v = q.v;
    return q.err;
}

typedef struct {
    uint8_t key[TD_KEY_LEN];
    td_err err;
    td_agentrec a;
} s_agent_q;

static td_err s_agent_fn(td_txn *txn, void *arg)
{
    s_agent_q *q = arg;
    q->err = td_store_get_agent(txn, q->key, &q->a);
    return TD_OK;
}

static td_err s_agent(s_fixture *f, uint8_t key, td_agentrec *out)
{
    s_agent_q q;
    memset(&q, 0, sizeof q);
    tu_key(q.key, key);
    td_errmsg why = {{0}};
    CHECK_OK("agent", td_store_view(f->store, s_agent_fn, &q, &why), &why);
    *out = q.a;
    return q.err;
}

typedef struct {
    const char *agency;
    uint8_t key[TD_KEY_LEN];
    uint64_t seq;
    td_err err;
    td_reportrec r;
    size_t n_rows; /* each_report(agency) */
} s_report_q;

static td_err s_count_row(const td_reportrec *r, void *arg)
{
    (void)r;
    (*(size_t *)arg)++;
    return TD_OK;
}

static td_err s_report_fn(td_txn *txn, void *arg)
{
    s_report_q *q = arg;
    q->err = td_store_get_report(txn, q->agency, q->key, 0, q->seq, &q->r);
    q->n_rows = 0;
    return td_store_each_report(txn, q->agency, s_count_row, &q->n_rows);
}

static void s_report(s_fixture *f, const char *agency, uint8_t key, uint64_t seq, s_report_q *q)
{
    memset(q, 0, sizeof *q);
    q->agency = agency;
    tu_key(q->key, key);
    q->seq = seq;
    td_errmsg why = {{0}};
    CHECK_OK(agency, td_store_view(f->store, s_report_fn, q, &why), &why);
}

static void s_check_nack_zero(const char *name, const td_nack *nack)
{
    CHECK_INT(name, nack->code, 0);
    CHECK_INT(name, nack->seq, 0);
    assert_null(nack->reason);
}

/* Every reason an item is refused, in one report; the accepted ones become versions. */
static void test_items_checked(void **state)
{
    s_fixture *f = *state;
    static const struct {
        const char *name, *id;
        int state, progress;
        const char *completed_on;
        const char *reason; /* NULL: accepted */
    } items[] = {
        {"accepted in progress", "MOF-1", TD_STATE_IN_PROGRESS, 40, NULL, NULL},
        {"accepted done", "MOF-2", TD_STATE_DONE, 100, "2025-12-03", NULL},
        {"another agency's task", "BCA-1", TD_STATE_IN_PROGRESS, 10, NULL,
         "task BCA-1 is led by BCA, not MOF"},
        {"a prefix agency's task", "MO-1", TD_STATE_IN_PROGRESS, 10, NULL,
         "task MO-1 is led by MO, not MOF"},
        {"unknown task", "NOPE-9", TD_STATE_IN_PROGRESS, 10, NULL, "task NOPE-9 is not registered"},
        {"progress over 100", "MOF-3", TD_STATE_IN_PROGRESS, 101, NULL,
         "progress 101 is out of range 0..100"},
        {"negative progress", "MOF-3", TD_STATE_IN_PROGRESS, -1, NULL,
         "progress -1 is out of range 0..100"},
        {"done without completed_on", "MOF-3", TD_STATE_DONE, 100, NULL,
         "completed_on is required when state is done"},
        {"completed after the report's date", "MOF-3", TD_STATE_DONE, 100, "2025-12-05",
         "completed_on 2025-12-05 is after the report's date 2025-12-04"},
        {"unknown state", "MOF-3", 9, 0, NULL, "state 9 is not valid"},
        {"invalid id", "a b", TD_STATE_IN_PROGRESS, 0, NULL,
         "id \"a b\" is not valid: 1..64 of A-Z a-z 0-9 . _ -"},
        {"same id twice", "MOF-1", TD_STATE_IN_PROGRESS, 90, NULL,
         "task MOF-1 appears twice in this report"},
    };
    td_report_msg m;
    tu_report(&m, "MOF", 1, f->as_of, N(items));
    m.interval_s = 120;
    m.outbox_depth = 3;
    m.thinned = 2;
    for (size_t i = 0; i < N(items); i++)
        tu_item(&m.report.tasks[i], items[i].id, items[i].state, items[i].progress,
                items[i].completed_on, items[i].name);

    s_ingest in;
    s_run(f, &in, K_MOF, "MOF", &m, f->now);
    s_check_nack_zero("ack", &in.nack);
    CHECK_INT("ack", in.ack.seq, 1);
    CHECK_INT("ack", in.ack.duplicate, false);
    CHECK_INT("ack", in.ack.accepted, 2);
    size_t r = 0;
    for (size_t i = 0; i < N(items); i++) {
        if (!items[i].reason)
            continue;
        if (r >= in.ack.n_rejected)
            fail_msg("%s: not rejected", items[i].name);
        CHECK_STR(items[i].name, in.ack.rejected[r].id, items[i].id);
        CHECK_STR(items[i].name, in.ack.rejected[r].reason, items[i].reason);
        r++;
    }
    CHECK_INT("rejections", in.ack.n_rejected, r);
    td_ingest_result_fini(&in.ack, &in.nack);
    assert_null(in.ack.rejected);
    CHECK_INT("fini", in.ack.n_rejected, 0);

    td_task_version v;
    CHECK_INT("MOF-1", s_version_at(f, "MOF-1", f->now, &v), TD_OK);
    CHECK_INT("MOF-1", v.as_of, f->as_of);
    CHECK_INT("MOF-1", v.received_at, f->now);
    CHECK_INT("MOF-1", v.seq, 1);
    CHECK_INT("MOF-1: the first of the two items", v.status.progress, 40);
    CHECK_STR("MOF-1", v.status.note, "accepted in progress");
    td_task_status_fini(&v.status);
    CHECK_INT("MOF-1", tu_count_versions(f->store, "MOF-1"), 1);
    CHECK_INT("MOF-2", s_version_at(f, "MOF-2", f->now, &v), TD_OK);
    CHECK_INT("MOF-2", v.status.state, TD_STATE_DONE);
    CHECK_INT("MOF-2", v.status.completed_on, tu_day("2025-12-03"));
    td_task_status_fini(&v.status);
    static const char *const not_stored[] = {"MOF-3", "BCA-1", "MO-1", "NOPE-9"};
    for (size_t i = 0; i < N(not_stored); i++)
        CHECK_INT(not_stored[i], tu_count_versions(f->store, not_stored[i]), 0);

    s_report_q q;
    s_report(f, "MOF", K_MOF, 1, &q);
    CHECK_INT("report log", q.err, TD_OK);
    CHECK_INT("report log", q.n_rows, 1);
    CHECK_INT("report log", q.r.as_of, f->as_of);
    CHECK_INT("report log", q.r.received_at, f->now);
    CHECK_INT("report log", q.r.accepted, 2);
    CHECK_INT("report log", q.r.rejected, r);
    s_report(f, "MO", K_MOF, 1, &q);
    CHECK_INT("no log under MO", q.n_rows, 0);

    td_agentrec a;
    CHECK_INT("agent", s_agent(f, K_MOF, &a), TD_OK);
    CHECK_STR("agent", a.agency, "MOF");
    CHECK_INT("agent", a.last_contact, f->now);
    CHECK_INT("agent", a.last_report_as_of, f->as_of);
    CHECK_INT("agent", a.last_seq, 1);
    CHECK_INT("agent", a.reports, 1);
    CHECK_INT("agent", a.interval_s, 120);
    CHECK_INT("agent", a.outbox_depth, 3);
    CHECK_INT("agent", a.thinned, 2);
    td_report_fini(&m.report);
}

/* A report naming another agency than its key's is refused whole: nothing is stored. */
static void test_forbidden(void **state)
{
    s_fixture *f = *state;
    static const struct {
        const char *name, *report_agency, *key_agency, *reason;
    } cases[] = {
        {"other agency", "BCA", "MOF", "report names agency BCA but this key is enrolled for MOF"},
        {"prefix agency", "MO", "MOF", "report names agency MO but this key is enrolled for MOF"},
        {"longer agency", "MOF", "MO", "report names agency MOF but this key is enrolled for MO"},
        {"case differs", "mof", "MOF", "report names agency mof but this key is enrolled for MOF"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        const char *name = cases[i].name;
        td_report_msg m;
        tu_report(&m, cases[i].report_agency, 5, f->as_of, 3);
        tu_item(&m.report.tasks[0], "BCA-1", TD_STATE_IN_PROGRESS, 10, NULL, NULL);
        tu_item(&m.report.tasks[1], "MO-1", TD_STATE_IN_PROGRESS, 10, NULL, NULL);
        tu_item(&m.report.tasks[2], "MOF-1", TD_STATE_IN_PROGRESS, 10, NULL, NULL);
        s_ingest in;
        s_run(f, &in, K_MOF, cases[i].key_agency, &m, f->now);
        CHECK_INT(name, in.nack.code, TD_NACK_FORBIDDEN);
        CHECK_INT(name, in.nack.seq, 5);
        CHECK_STR(name, in.nack.reason, cases[i].reason);
        CHECK_INT(name, in.ack.seq, 0);
        CHECK_INT(name, in.ack.accepted, 0);
        CHECK_INT(name, in.ack.n_rejected, 0);
        CHECK_INT(name, in.ack.duplicate, false);
        td_ingest_result_fini(&in.ack, &in.nack);
        assert_null(in.nack.reason);
        td_report_fini(&m.report);

        static const char *const ids[] = {"BCA-1", "MO-1", "MOF-1"};
        for (size_t j = 0; j < N(ids); j++)
            CHECK_INT(name, tu_count_versions(f->store, ids[j]), 0);
        static const char *const codes[] = {"BCA", "MO", "MOF", "mof"};
        for (size_t j = 0; j < N(codes); j++) {
            s_report_q q;
            s_report(f, codes[j], K_MOF, 5, &q);
            CHECK_INT(name, q.err, TD_ENOTFOUND);
            CHECK_INT(name, q.n_rows, 0);
        }
        td_agentrec a;
        CHECK_INT(name, s_agent(f, K_MOF, &a), TD_ENOTFOUND);
    }
}

/* A resent report (same key, same seq) is acknowledged as a duplicate and applied once, even when
 * its content differs; the same seq from another key of the agency is a different report. */
static void test_duplicate(void **state)
{
    s_fixture *f = *state;
    td_report_msg m;
    tu_report(&m, "MOF", 7, f->as_of, 2);
    tu_item(&m.report.tasks[0], "MOF-1", TD_STATE_IN_PROGRESS, 40, NULL, NULL);
    tu_item(&m.report.tasks[1], "BCA-1", TD_STATE_IN_PROGRESS, 10, NULL, NULL);
    s_ingest in;
    s_run(f, &in, K_MOF, "MOF", &m, f->now);
    CHECK_INT("first", in.ack.duplicate, false);
    CHECK_INT("first", in.ack.accepted, 1);
    CHECK_INT("first", in.ack.n_rejected, 1);
    td_ingest_result_fini(&in.ack, &in.nack);

    m.report.tasks[0].progress = 80; /* must not be applied */
    s_run(f, &in, K_MOF, "MOF", &m, f->now + 300);
    s_check_nack_zero("resent", &in.nack);
    CHECK_INT("resent", in.ack.duplicate, true);
    CHECK_INT("resent", in.ack.seq, 7);
    CHECK_INT("resent: the first count", in.ack.accepted, 1);
    td_ingest_result_fini(&in.ack, &in.nack);

    td_task_version v;
    CHECK_INT("versions", tu_count_versions(f->store, "MOF-1"), 1);
    CHECK_INT("version", s_version_at(f, "MOF-1", f->now + 300, &v), TD_OK);
    CHECK_INT("version", v.status.progress, 40);
    CHECK_INT("version", v.received_at, f->now);
    td_task_status_fini(&v.status);
    td_agentrec a;
    CHECK_INT("agent", s_agent(f, K_MOF, &a), TD_OK);
    CHECK_INT("agent: counted once", a.reports, 1);
    CHECK_INT("agent", a.last_seq, 7);
    s_report_q q;
    s_report(f, "MOF", K_MOF, 7, &q);
    CHECK_INT("log", q.n_rows, 1);
    CHECK_INT("log: first receipt", q.r.received_at, f->now);

    /* Another key of MOF with the same seq: its own report, applied. */
    s_run(f, &in, K_MOF2, "MOF", &m, f->now + 600);
    CHECK_INT("other key", in.ack.duplicate, false);
    CHECK_INT("other key", in.ack.accepted, 1);
    td_ingest_result_fini(&in.ack, &in.nack);
    CHECK_INT("other key: same as_of replaces", tu_count_versions(f->store, "MOF-1"), 1);
    CHECK_INT("other key", s_version_at(f, "MOF-1", f->now + 600, &v), TD_OK);
    CHECK_INT("other key", v.status.progress, 80);
    td_task_status_fini(&v.status);
    CHECK_INT("other key", s_agent(f, K_MOF2, &a), TD_OK);
    CHECK_INT("other key", a.reports, 1);
    CHECK_INT("first key untouched", s_agent(f, K_MOF, &a), TD_OK);
    CHECK_INT("first key untouched", a.reports, 1);
    /* The resend at now + 300 was contact from the first key, even though nothing applied. */
    CHECK_INT("first key: the duplicate counted as contact", a.last_contact, f->now + 300);
    s_report(f, "MOF", K_MOF, 7, &q);
    CHECK_INT("log", q.n_rows, 2);

    /* The next seq from the first key is new. */
    m.seq = 8;
    s_run(f, &in, K_MOF, "MOF", &m, f->now + 900);
    CHECK_INT("next seq", in.ack.duplicate, false);
    td_ingest_result_fini(&in.ack, &in.nack);
    CHECK_INT("next seq", s_agent(f, K_MOF, &a), TD_OK);
    CHECK_INT("next seq", a.reports, 2);
    CHECK_INT("next seq", a.last_seq, 8);
    td_report_fini(&m.report);
}

/* Reports arrive in seq order but their as_of need not increase (an agent that re-read an older
 * status file): the state at an instant is the one with the greatest as_of, never the last
 * received, and the agent record keeps the greatest as_of and seq. */
static void test_latest_never_regresses(void **state)
{
    s_fixture *f = *state;
    static const struct {
        const char *name;
        uint64_t seq;
        const char *as_of;
        int progress;
    } reports[] = {
        {"newest", 2, "2025-12-04T09:00:00+07:00", 60},
        {"older, later seq", 3, "2025-12-03T09:00:00+07:00", 30},
        {"oldest, lower seq last", 1, "2025-12-02T09:00:00+07:00", 10},
    };
    for (size_t i = 0; i < N(reports); i++) {
        td_report_msg m;
        tu_report(&m, "MOF", reports[i].seq, tu_time(reports[i].as_of), 1);
        tu_item(&m.report.tasks[0], "MOF-1", TD_STATE_IN_PROGRESS, reports[i].progress, NULL, NULL);
        s_ingest in;
        s_run(f, &in, K_MOF, "MOF", &m, f->now + (td_time)i);
        CHECK_INT(reports[i].name, in.ack.accepted, 1);
        td_ingest_result_fini(&in.ack, &in.nack);
        td_report_fini(&m.report);
    }
    static const struct {
        const char *name, *t;
        int progress; /* -1: no version */
        uint64_t seq;
    } at[] = {
        {"now", "2025-12-04T10:00:00+07:00", 60, 2},
        {"at the newest", "2025-12-04T09:00:00+07:00", 60, 2},
        {"end of Dec 3", "2025-12-03T23:59:59+07:00", 30, 3},
        {"end of Dec 2", "2025-12-02T23:59:59+07:00", 10, 1},
        {"before all", "2025-12-02T08:59:59+07:00", -1, 0},
    };
    for (size_t i = 0; i < N(at); i++) {
        td_task_version v;
        td_err err = s_version_at(f, "MOF-1", tu_time(at[i].t), &v);
        if (at[i].progress < 0) {
            CHECK_INT(at[i].name, err, TD_ENOTFOUND);
            continue;
        }
        CHECK_INT(at[i].name, err, TD_OK);
        CHECK_INT(at[i].name, v.status.progress, at[i].progress);
        CHECK_INT(at[i].name, v.seq, at[i].seq);
        td_task_status_fini(&v.status);
    }
    td_agentrec a;
    CHECK_INT("agent", s_agent(f, K_MOF, &a), TD_OK);
    CHECK_INT("agent", a.last_report_as_of, tu_time("2025-12-04T09:00:00+07:00"));
    CHECK_INT("agent", a.last_seq, 3);
    CHECK_INT("agent", a.reports, 3);
    CHECK_INT("agent", a.last_contact, f->now + 2);
}

/* An empty report is acknowledged and logged. */
static void test_empty_report(void **state)
{
    s_fixture *f = *state;
    td_report_msg m;
    tu_report(&m, "BCA", 1, f->as_of, 0);
    s_ingest in;
    s_run(f, &in, K_BCA, "BCA", &m, f->now);
    s_check_nack_zero("empty", &in.nack);
    CHECK_INT("empty", in.ack.seq, 1);
    CHECK_INT("empty", in.ack.accepted, 0);
    CHECK_INT("empty", in.ack.n_rejected, 0);
    CHECK_INT("empty", in.ack.duplicate, false);
    td_ingest_result_fini(&in.ack, &in.nack);
    s_report_q q;
    s_report(f, "BCA", K_BCA, 1, &q);
    CHECK_INT("logged", q.err, TD_OK);
    CHECK_INT("logged", q.r.accepted, 0);
    CHECK_INT("logged", q.r.rejected, 0);
    td_ingest_result_fini(NULL, NULL);
}

/* Contact (hello, heartbeat) keeps liveness; interval 0 (a heartbeat) keeps the declared one. */
typedef struct {
    uint8_t key[TD_KEY_LEN];
    const char *agency;
    uint32_t interval_s;
    td_time now;
} s_contact;

static td_err s_contact_fn(td_txn *txn, void *arg)
{
    s_contact *c = arg;
    return td_ingest_contact(txn, c->key, c->agency, c->interval_s, c->now);
}

static void test_contact(void **state)
{
    s_fixture *f = *state;
    const td_time t = f->now;
    static const struct {
        const char *name;
        bool report; /* a report with seq 4 and interval 300, else contact */
        uint32_t interval_s;
        td_time dt;
        uint32_t want_interval;
        uint64_t want_reports, want_seq;
    } steps[] = {
        {"hello creates the record", false, 60, 0, 60, 0, 0},
        {"heartbeat keeps the interval", false, 0, 50, 60, 0, 0},
        {"hello declares a new interval", false, 120, 100, 120, 0, 0},
        {"a report counts", true, 300, 150, 300, 1, 4},
        {"heartbeat keeps report counters", false, 0, 200, 300, 1, 4},
    };
    for (size_t i = 0; i < N(steps); i++) {
        const char *name = steps[i].name;
        td_errmsg why = {{0}};
        if (steps[i].report) {
            td_report_msg m;
            tu_report(&m, "BCA", 4, f->as_of, 0);
            m.interval_s = steps[i].interval_s;
            s_ingest in;
            s_run(f, &in, K_BCA, "BCA", &m, t + steps[i].dt);
            td_ingest_result_fini(&in.ack, &in.nack);
        } else {
            s_contact c = {
                .agency = "BCA", .interval_s = steps[i].interval_s, .now = t + steps[i].dt};
            tu_key(c.key, K_BCA);
            CHECK_OK(name, td_store_update(f->store, s_contact_fn, &c, &why), &why);
        }
        td_agentrec a;
        CHECK_INT(name, s_agent(f, K_BCA, &a), TD_OK);
        CHECK_STR(name, a.agency, "BCA");
        CHECK_INT(name, a.last_contact, t + steps[i].dt);
        CHECK_INT(name, a.interval_s, steps[i].want_interval);
        CHECK_INT(name, a.reports, steps[i].want_reports);
        CHECK_INT(name, a.last_seq, steps[i].want_seq);
        CHECK_INT(name, a.last_report_as_of, steps[i].want_reports ? f->as_of : 0);
    }
    td_agentrec a;
    CHECK_INT("other key untouched", s_agent(f, K_MOF, &a), TD_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_items_checked, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_forbidden, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_duplicate, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_latest_never_regresses, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_empty_report, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_contact, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
