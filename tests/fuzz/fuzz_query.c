/* libFuzzer target for the query path as the collector runs it: a frame is decoded and, when it
 * is a query, run by td_query_run over a small store at a fixed instant, and the answer is framed
 * as the collector's reply and read back as the CLI reads it. An input whose first byte is 0 (no
 * protobuf frame starts so: field number 0 is invalid) reaches td_query_run without protobuf: the
 * rest is split at NUL bytes into command, name1, value1, name2, value2, ...
 * Properties: a query is answered with TD_OK and a JSON object, or refused with TD_EINVAL or
 * TD_ENOMEM and a message; a query the wire can carry gets a reply the wire can carry back.
 * Seeds: tests/fuzz/corpus/query/ (wire frames start with 0x08, raw inputs with 0x00). */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tiendo/query.h"
#include "tiendo/store.h"
#include "tiendo/wire.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define RAW_MODE 0x00

/* "now" for every query: after every version below, with overdue, due and future tasks. */
#define NOW_TEXT "2025-12-06T09:00:00+07:00"

static const struct {
    const char *code, *parent;
    int kind, block;
} s_agencies[] = {
    {"MOF", "", TD_KIND_MINISTRY, TD_BLOCK_GOVERNMENT},
    {"BCA", "", TD_KIND_MINISTRY, TD_BLOCK_GOVERNMENT},
    {"VPTW", "", TD_KIND_AGENCY, TD_BLOCK_PARTY},
    {"UBTVQH", "", TD_KIND_AGENCY, TD_BLOCK_NATIONAL_ASSEMBLY},
    {"HN", "", TD_KIND_PROVINCE, TD_BLOCK_GOVERNMENT},
    {"HN-BD", "HN", TD_KIND_COMMUNE, TD_BLOCK_GOVERNMENT},
    {"HP", "", TD_KIND_PROVINCE, TD_BLOCK_GOVERNMENT},
    {"HP-X", "HP", TD_KIND_COMMUNE, TD_BLOCK_GOVERNMENT},
};

static const struct {
    const char *id, *lead, *deadline, *assigned_on, *source, *group;
    int difficulty;
} s_tasks[] = {
    {"T-ONTIME", "MOF", "2025-12-09", "2025-11-01", "71/NQ-CP", "digital", TD_DIFF_NORMAL},
    {"T-LATE", "MOF", "2025-12-01", "2025-11-01", "71/NQ-CP", "digital", TD_DIFF_HARD},
    {"T-OVER", "BCA", "2025-12-01", "2025-11-01", "01/CT-TTg", "", TD_DIFF_HARD},
    {"T-UNREP", "BCA", "2025-11-20", "2025-11-01", "01/CT-TTg", "", TD_DIFF_NORMAL},
    {"T-TODAY", "BCA", "2025-12-06", "2025-11-01", "01/CT-TTg", "", TD_DIFF_NORMAL},
    {"T-REG", "HN", NULL, "2025-11-01", "71/NQ-CP", "digital", TD_DIFF_NORMAL},
    {"T-BD", "HN-BD", "2025-12-09", "2025-11-01", "71/NQ-CP", "", TD_DIFF_NORMAL},
    {"T-FUTURE", "MOF", "2025-12-31", "2025-12-08", "71/NQ-CP", "", TD_DIFF_NORMAL},
    {"T-HPX", "HP-X", "2025-12-03", "2025-11-01", "01/CT-TTg", "", TD_DIFF_HARD},
    {"T-LATER", "VPTW", "2025-12-09", "2025-11-01", "71/NQ-CP", "digital", TD_DIFF_NORMAL},
    {"T-EVENING", "VPTW", "2025-12-04", "2025-11-01", "71/NQ-CP", "", TD_DIFF_NORMAL},
    {"T-QH", "UBTVQH", "2026-03-31", "2025-10-15", "12/NQ-QH", "law", TD_DIFF_HARD},
};

static const struct {
    const char *id, *as_of;
    int state, progress;
    const char *completed_on;
} s_versions[] = {
    {"T-ONTIME", "2025-12-01T09:00:00+07:00", TD_STATE_IN_PROGRESS, 60, NULL},
    {"T-ONTIME", "2025-12-03T09:00:00+07:00", TD_STATE_DONE, 100, "2025-12-03"},
    {"T-LATE", "2025-12-03T09:00:00+07:00", TD_STATE_DONE, 100, "2025-12-02"},
    {"T-OVER", "2025-12-02T09:00:00+07:00", TD_STATE_IN_PROGRESS, 50, NULL},
    {"T-TODAY", "2025-12-05T17:00:00+07:00", TD_STATE_NOT_STARTED, 0, NULL},
    {"T-REG", "2025-12-01T09:00:00+07:00", TD_STATE_IN_PROGRESS, 10, NULL},
    {"T-BD", "2025-12-04T08:00:00+07:00", TD_STATE_IN_PROGRESS, 70, NULL},
    {"T-LATER", "2025-12-03T09:00:00+07:00", TD_STATE_IN_PROGRESS, 20, NULL},
    {"T-LATER", "2025-12-05T10:00:00+07:00", TD_STATE_DONE, 100, "2025-12-05"},
    {"T-EVENING", "2025-12-04T18:00:00+07:00", TD_STATE_DONE, 100, "2025-12-04"},
};

/* Agents and their reports, so that agents and reports have rows: online, late and silent. */
static const struct {
    const char *agency, *last_contact;
    uint32_t interval_s;
} s_agents[] = {
    {"MOF", "2025-12-06T08:58:00+07:00", 300},
    {"HN", "2025-12-06T08:40:00+07:00", 300},
    {"HN-BD", "2025-12-05T09:00:00+07:00", 0},
};

static const struct {
    size_t agent; /* index in s_agents */
    uint64_t seq;
    const char *as_of;
    uint32_t accepted, rejected;
} s_reports[] = {
    {0, 1, "2025-12-01T09:00:00+07:00", 3, 0},
    {0, 2, "2025-12-03T09:00:00+07:00", 2, 1},
    {1, 1, "2025-12-01T09:00:00+07:00", 1, 0},
    {2, 7, "2025-12-04T08:00:00+07:00", 1, 0},
};

static char s_dir[] = "/tmp/fuzz_query-XXXXXX";
static td_store *s_store;
static td_time s_now;

/* Not assert(): the property must hold in release builds too. */
static void s_require(int ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_query: %s: %s\n", what, detail != NULL ? detail : "");
        abort();
    }
}

static td_day s_day(const char *text)
{
    td_day d = TD_NODAY;
    s_require(text == NULL || td_day_parse(text, &d) == TD_OK, "bad fixture date", text);
    return d;
}

static td_time s_time(const char *text)
{
    td_time t = 0;
    s_require(td_time_parse(text, &t) == TD_OK, "bad fixture time", text);
    return t;
}

static td_err s_put_registry(td_txn *txn)
{
    td_err err = TD_OK;
    for (size_t i = 0; i < N(s_agencies) && !err; i++) {
        td_agency a = {.name = (char *)s_agencies[i].code,
                       .kind = s_agencies[i].kind,
                       .block = s_agencies[i].block};
        snprintf(a.code, sizeof a.code, "%s", s_agencies[i].code);
        snprintf(a.parent, sizeof a.parent, "%s", s_agencies[i].parent);
        err = td_store_put_agency(txn, &a);
    }
    for (size_t i = 0; i < N(s_tasks) && !err; i++) {
        td_task t = {.title = (char *)s_tasks[i].id,
                     .source = (char *)s_tasks[i].source,
                     .deadline = s_day(s_tasks[i].deadline),
                     .assigned_on = s_day(s_tasks[i].assigned_on),
                     .group = (char *)s_tasks[i].group,
                     .difficulty = s_tasks[i].difficulty};
        snprintf(t.id, sizeof t.id, "%s", s_tasks[i].id);
        snprintf(t.lead, sizeof t.lead, "%s", s_tasks[i].lead);
        err = td_store_put_task(txn, &t);
    }
    return err;
}

static td_err s_put_versions(td_txn *txn)
{
    static char *evidence[] = {"https://example.gov.vn/71-NQ-CP/report.pdf"};
    td_err err = TD_OK;
    for (size_t i = 0; i < N(s_versions) && !err; i++) {
        td_task_version v = {.as_of = s_time(s_versions[i].as_of), .seq = i + 1};
        v.received_at = v.as_of + 5;
        td_task_status *s = &v.status;
        snprintf(s->id, sizeof s->id, "%s", s_versions[i].id);
        s->state = s_versions[i].state;
        s->progress = s_versions[i].progress;
        s->completed_on = s_day(s_versions[i].completed_on);
        if (i % 2) {
            s->note = "reported by the fixture";
            s->evidence = evidence;
            s->n_evidence = N(evidence);
        }
        err = td_store_put_task_version(txn, &v);
    }
    return err;
}

static td_err s_put_delivery(td_txn *txn)
{
    td_err err = TD_OK;
    for (size_t i = 0; i < N(s_agents) && !err; i++) {
        td_agentrec a = {.last_contact = s_time(s_agents[i].last_contact),
                         .interval_s = s_agents[i].interval_s};
        memset(a.key, (int)i + 1, sizeof a.key);
        snprintf(a.agency, sizeof a.agency, "%s", s_agents[i].agency);
        for (size_t j = 0; j < N(s_reports); j++) {
            if (s_reports[j].agent != i)
                continue;
            a.last_report_as_of = s_time(s_reports[j].as_of);
            a.last_seq = s_reports[j].seq;
            a.reports++;
        }
        err = td_store_put_agent(txn, &a);
    }
    for (size_t j = 0; j < N(s_reports) && !err; j++) {
        td_reportrec r = {.seq = s_reports[j].seq,
                          .as_of = s_time(s_reports[j].as_of),
                          .accepted = s_reports[j].accepted,
                          .rejected = s_reports[j].rejected};
        r.received_at = r.as_of + 30;
        memset(r.key, (int)s_reports[j].agent + 1, sizeof r.key);
        snprintf(r.agency, sizeof r.agency, "%s", s_agents[s_reports[j].agent].agency);
        err = td_store_put_report(txn, &r);
    }
    return err;
}

static td_err s_fill(td_txn *txn, void *arg)
{
    (void)arg;
    td_err err = s_put_registry(txn);
    if (!err)
        err = s_put_versions(txn);
    if (!err)
        err = s_put_delivery(txn);
    return err;
}

static int s_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void s_cleanup(void)
{
    td_store_destroy(&s_store);
    if (nftw(s_dir, s_rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "fuzz_query: removing %s failed\n", s_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    td_errmsg why = {""};
    s_require(mkdtemp(s_dir) != NULL, "mkdtemp failed", s_dir);
    s_require(atexit(s_cleanup) == 0, "atexit failed", NULL);
    s_require(td_store_open(s_dir, TD_STORE_CREATE, 0, &s_store, &why) == TD_OK,
              "opening the store", why.text);
    s_require(td_store_update(s_store, s_fill, NULL, &why) == TD_OK, "filling the store", why.text);
    s_now = s_time(NOW_TEXT);
    return 0;
}

/* True when the query as given would pass the wire, so that the collector could receive it. */
static bool s_wire_carries(const td_query *q)
{
    td_msg m = {.type = TD_MSG_QUERY, .u.query = *q};
    uint8_t *buf = NULL;
    size_t len = 0;
    if (td_wire_encode(&m, &buf, &len) != TD_OK)
        return false;
    td_msg back;
    td_errmsg why;
    bool ok = td_wire_decode(buf, len, &back, &why) == TD_OK;
    if (ok)
        td_msg_fini(&back);
    free(buf);
    return ok;
}

/* The collector's reply (collector/server.c s_answer_query), read back as the CLI reads it. */
static void s_check_reply(const td_query *q, td_err err, const char *json, const char *error)
{
    td_msg r = {.type = TD_MSG_REPLY};
    r.u.reply.id = q->id;
    r.u.reply.ok = err == TD_OK;
    r.u.reply.json = (char *)json;
    r.u.reply.error = err ? (char *)error : NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    s_require(td_wire_encode(&r, &buf, &len) == TD_OK, "encoding the reply failed", NULL);
    td_msg back;
    td_errmsg why = {""};
    td_err derr = td_wire_decode(buf, len, &back, &why);
    free(buf);
    s_require(derr == TD_OK, "the CLI cannot read the reply", why.text);
    s_require(back.type == TD_MSG_REPLY && back.u.reply.ok == r.u.reply.ok &&
                  strcmp(back.u.reply.json, json != NULL ? json : "") == 0 &&
                  strcmp(back.u.reply.error, err ? error : "") == 0,
              "the reply changed on the wire", NULL);
    td_msg_fini(&back);
}

static void s_run(const td_query *q, bool on_wire)
{
    char *json = NULL;
    td_errmsg why = {""};
    td_err err = td_query_run(s_store, q->command, q->params, q->n_params, s_now, &json, &why);
    if (err == TD_OK) {
        s_require(json != NULL, "TD_OK without a document", NULL);
        json_error_t jerr;
        memset(&jerr, 0, sizeof jerr);
        json_t *doc = json_loads(json, 0, &jerr);
        s_require(json_is_object(doc), "the result is not a JSON object", jerr.text);
        json_decref(doc);
    } else {
        s_require(err == TD_EINVAL || err == TD_ENOMEM, "unexpected error", td_strerror(err));
        s_require(why.text[0] != '\0', "refused without a message", td_strerror(err));
    }
    if (on_wire)
        s_check_reply(q, err, json, why.text);
    free(json);
}

/* Raw mode: text holds len bytes and a NUL; NUL bytes split it into command, name, value, ...
 * An unpaired last name gets an empty value. */
static void s_run_raw(char *text, size_t len)
{
    size_t fields = 1;
    for (size_t i = 0; i < len; i++)
        fields += text[i] == '\0';
    td_query q = {.id = 1, .command = text};
    q.params = calloc(fields / 2 + 1, sizeof *q.params);
    if (q.params == NULL)
        return;
    char *p = text + strlen(text) + 1;
    for (size_t f = 1; f < fields; f++, p += strlen(p) + 1) {
        if (f % 2)
            q.params[q.n_params++] = (td_param){.name = p, .value = ""};
        else
            q.params[q.n_params - 1].value = p;
    }
    s_run(&q, s_wire_carries(&q));
    free(q.params);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == RAW_MODE) {
        char *text = malloc(size); /* the rest and a NUL, exactly, so ASan sees any overread */
        if (text == NULL)
            return 0;
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        s_run_raw(text, size - 1);
        free(text);
        return 0;
    }
    td_msg m;
    td_errmsg why = {""};
    if (td_wire_decode(data, size, &m, &why) != TD_OK)
        return 0;
    if (m.type == TD_MSG_QUERY)
        s_run(&m.u.query, true);
    td_msg_fini(&m);
    return 0;
}
