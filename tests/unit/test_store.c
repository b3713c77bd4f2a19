/* lib/store: opening, the registry, keys, agents, the report log, task versions and map growth,
 * each on a real LMDB environment in a temporary directory. Tables of named cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiendo/err.h"
#include "tiendo/model.h"
#include "tiendo/store.h"

#include "testutil.h"

typedef struct {
    char *dir;
    td_store *store;
} s_fixture;

static int s_setup(void **state)
{
    s_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tu_mkdtemp();
    f->store = tu_store_open(f->dir, 0);
    *state = f;
    return 0;
}

/* A directory without a store: the test opens it itself. */
static int s_setup_dir(void **state)
{
    s_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tu_mkdtemp();
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

/* Runs fn in a write transaction, failing the test on error. */
static void s_update(td_store *store, td_store_fn fn, void *arg)
{
    td_errmsg why = {{0}};
    CHECK_OK("update", td_store_update(store, fn, arg, &why), &why);
}

static void s_view(td_store *store, td_store_fn fn, void *arg)
{
    td_errmsg why = {{0}};
    CHECK_OK("view", td_store_view(store, fn, arg, &why), &why);
}

static void test_open_create_exists(void **state)
{
    s_fixture *f = *state;
    td_errmsg why = {{0}};
    td_store *store = (td_store *)&why; /* must stay untouched on failure */
    char want[600];

    assert_false(td_store_exists(f->dir));
    CHECK_INT("open absent", td_store_open(f->dir, 0, 0, &store, &why), TD_ENOTFOUND);
    assert_ptr_equal(store, (td_store *)&why);
    snprintf(want, sizeof want, "%s: no store here (run init first)", f->dir);
    CHECK_STR("open absent", why.text, want);
    assert_false(td_store_exists(f->dir));

    store = NULL;
    CHECK_OK("create", td_store_open(f->dir, TD_STORE_CREATE, 0, &store, &why), &why);
    assert_non_null(store);
    assert_true(td_store_exists(f->dir));
    size_t used = 0, map = 0, max = 0;
    td_store_usage(store, &used, &map, &max);
    CHECK_INT("create", map, TD_STORE_MAP_INITIAL);
    CHECK_INT("create", max, TD_STORE_MAP_MAX_DEFAULT);
    assert_true(used > 0 && used < map);
    td_store_destroy(&store);
    assert_null(store);
    td_store_destroy(&store); /* NULL is accepted */
    td_store_destroy(NULL);

    CHECK_OK("reopen", td_store_open(f->dir, 0, 0, &store, &why), &why);
    td_store_destroy(&store);
    CHECK_OK("read-only", td_store_open(f->dir, TD_STORE_RDONLY, 0, &store, &why), &why);
    f->store = store;
}

static td_err s_put_nothing(td_txn *txn, void *arg)
{
    (void)txn;
    (void)arg;
    return TD_OK;
}

static void test_read_only_refuses_update(void **state)
{
    s_fixture *f = *state;
    td_errmsg why = {{0}};
    f->store = tu_store_open(f->dir, 0);
    td_store_destroy(&f->store);
    CHECK_OK("open", td_store_open(f->dir, TD_STORE_RDONLY, 0, &f->store, &why), &why);
    CHECK_INT("update", td_store_update(f->store, s_put_nothing, NULL, &why), TD_EPERM);
    CHECK_STR("update", why.text, "store: opened read-only");
}

/* Agencies and tasks. */

static const struct {
    const char *name, *code, *agency_name, *parent;
    int kind, block;
} s_agency_cases[] = {
    {"ministry", "MOF", "Bộ Tài chính", "", TD_KIND_MINISTRY, TD_BLOCK_GOVERNMENT},
    {"party agency", "VPTW", "Văn phòng Trung ương Đảng", "", TD_KIND_AGENCY, TD_BLOCK_PARTY},
    {"province", "HN", "Hà Nội", "", TD_KIND_PROVINCE, TD_BLOCK_GOVERNMENT},
    {"commune", "HN.BD-01", "Phường Ba Đình", "HN", TD_KIND_COMMUNE, TD_BLOCK_GOVERNMENT},
    {"assembly", "VPQH", "Văn phòng Quốc hội", "", TD_KIND_AGENCY, TD_BLOCK_NATIONAL_ASSEMBLY},
    {"front", "MTTQ", "Mặt trận Tổ quốc", "", TD_KIND_AGENCY, TD_BLOCK_FATHERLAND_FRONT},
    {"longest code", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "x", "", TD_KIND_AGENCY, TD_BLOCK_PARTY},
    {"empty name", "E", "", "", TD_KIND_AGENCY, TD_BLOCK_PARTY},
};

static td_err s_put_agencies(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N(s_agency_cases); i++) {
        td_agency a;
        tu_agency(&a, s_agency_cases[i].code, s_agency_cases[i].agency_name, s_agency_cases[i].kind,
                  s_agency_cases[i].parent, s_agency_cases[i].block);
        td_err err = td_store_put_agency(txn, &a);
        td_agency_fini(&a);
        if (err)
            return err;
    }
    return TD_OK;
}

static td_err s_check_agencies(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N(s_agency_cases); i++) {
        const char *name = s_agency_cases[i].name;
        td_agency a;
        CHECK_INT(name, td_store_get_agency(txn, s_agency_cases[i].code, &a), TD_OK);
        CHECK_STR(name, a.code, s_agency_cases[i].code);
        CHECK_STR(name, a.name, s_agency_cases[i].agency_name);
        CHECK_INT(name, a.kind, s_agency_cases[i].kind);
        CHECK_STR(name, a.parent, s_agency_cases[i].parent);
        CHECK_INT(name, a.block, s_agency_cases[i].block);
        td_agency_fini(&a);
    }
    td_agency a = {.name = NULL};
    CHECK_INT("absent", td_store_get_agency(txn, "MO", &a), TD_ENOTFOUND);
    CHECK_INT("absent", td_store_get_agency(txn, "MOFF", &a), TD_ENOTFOUND);
    assert_null(a.name);
    return TD_OK;
}

static td_err s_rename_mof(td_txn *txn, void *arg)
{
    (void)arg;
    td_agency a;
    tu_agency(&a, "MOF", "Ministry of Finance", TD_KIND_MINISTRY, "", TD_BLOCK_GOVERNMENT);
    td_err err = td_store_put_agency(txn, &a);
    td_agency_fini(&a);
    return err;
}

static td_err s_check_mof_renamed(td_txn *txn, void *arg)
{
    (void)arg;
    td_agency a;
    CHECK_INT("renamed", td_store_get_agency(txn, "MOF", &a), TD_OK);
    CHECK_STR("renamed", a.name, "Ministry of Finance");
    td_agency_fini(&a);
    return TD_OK;
}

static void test_agency_round_trip(void **state)
{
    s_fixture *f = *state;
    s_update(f->store, s_put_agencies, NULL);
    s_view(f->store, s_check_agencies, NULL);
    s_update(f->store, s_rename_mof, NULL);
    s_view(f->store, s_check_mof_renamed, NULL);
}

static const struct {
    const char *name, *id, *title, *source, *lead, *deadline, *assigned_on, *group;
    int difficulty;
} s_task_cases[] = {
    {"with deadline", "NV-1", "Số hóa hồ sơ", "71/NQ-CP", "MOF", "2025-12-31", "2025-01-02",
     "digital", TD_DIFF_NORMAL},
    {"regular", "NV-10", "Báo cáo tháng", "01/CT-TTg", "BCA", NULL, "2024-02-29", "", TD_DIFF_HARD},
    {"last day", "X.y_z-9", "t", "s", "HN.BD-01", "9999-12-31", "1970-01-02", "g", TD_DIFF_NORMAL},
    {"longest id", "0123456789012345678901234567890123456789012345678901234567890123", "t\tab",
     "s\nline", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "2026-03-01", "2026-02-28", "hạ tầng",
     TD_DIFF_HARD},
};

static void s_case_task(td_task *t, size_t i)
{
    tu_task(t, s_task_cases[i].id, s_task_cases[i].lead, s_task_cases[i].deadline,
            s_task_cases[i].assigned_on, s_task_cases[i].source, s_task_cases[i].group,
            s_task_cases[i].difficulty);
    free(t->title);
    t->title = tu_strdup(s_task_cases[i].title);
}

static td_err s_put_tasks(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = N(s_task_cases); i-- > 0;) {
        td_task t;
        s_case_task(&t, i);
        td_err err = td_store_put_task(txn, &t);
        td_task_fini(&t);
        if (err)
            return err;
    }
    return TD_OK;
}

static td_err s_check_tasks(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N(s_task_cases); i++) {
        const char *name = s_task_cases[i].name;
        td_task want, got;
        s_case_task(&want, i);
        CHECK_INT(name, td_store_get_task(txn, want.id, &got), TD_OK);
        CHECK_STR(name, got.id, want.id);
        CHECK_STR(name, got.title, want.title);
        CHECK_STR(name, got.source, want.source);
        CHECK_STR(name, got.lead, want.lead);
        CHECK_INT(name, got.deadline, want.deadline);
        CHECK_INT(name, got.assigned_on, want.assigned_on);
        CHECK_STR(name, got.group, want.group);
        CHECK_INT(name, got.difficulty, want.difficulty);
        td_task_fini(&want);
        td_task_fini(&got);
    }
    td_task t;
    CHECK_INT("absent", td_store_get_task(txn, "NV-", &t), TD_ENOTFOUND);
    CHECK_INT("absent", td_store_get_task(txn, "NV-100", &t), TD_ENOTFOUND);
    return TD_OK;
}

static void test_task_round_trip(void **state)
{
    s_fixture *f = *state;
    s_update(f->store, s_put_tasks, NULL);
    s_view(f->store, s_check_tasks, NULL);
}

/* Iteration collects names into a list; a limit makes the callback stop with TD_EEXIST. */
typedef struct {
    char names[16][TD_ID_MAX + 1];
    size_t n;
    size_t stop_after; /* 0: never */
} s_names;

static td_err s_add_name(s_names *l, const char *name)
{
    if (l->stop_after && l->n == l->stop_after)
        return TD_EEXIST;
    assert_true(l->n < N(l->names));
    snprintf(l->names[l->n++], sizeof l->names[0], "%s", name);
    return TD_OK;
}

static td_err s_collect_agency(const td_agency *a, void *arg)
{
    return s_add_name(arg, a->code);
}

static td_err s_collect_task(const td_task *t, void *arg)
{
    return s_add_name(arg, t->id);
}

static const char *const s_order_codes[] = {"MOF", "BCA", "MO", "MOF2", "A", "MO-F", "Z", "a"};
static const char *const s_sorted_codes[] = {"A", "BCA", "MO", "MO-F", "MOF", "MOF2", "Z", "a"};
static const char *const s_order_ids[] = {"NV-2", "NV-10", "NV-1", "NV-1.1", "NV-01"};
static const char *const s_sorted_ids[] = {"NV-01", "NV-1", "NV-1.1", "NV-10", "NV-2"};

static td_err s_put_order(td_txn *txn, void *arg)
{
    (void)arg;
    td_err err = TD_OK;
    for (size_t i = 0; err == TD_OK && i < N(s_order_codes); i++) {
        td_agency a;
        tu_agency(&a, s_order_codes[i], "n", TD_KIND_AGENCY, "", TD_BLOCK_PARTY);
        err = td_store_put_agency(txn, &a);
        td_agency_fini(&a);
    }
    for (size_t i = 0; err == TD_OK && i < N(s_order_ids); i++) {
        td_task t;
        tu_task(&t, s_order_ids[i], "MOF", NULL, "2025-01-01", "s", "", TD_DIFF_NORMAL);
        err = td_store_put_task(txn, &t);
        td_task_fini(&t);
    }
    return err;
}

static td_err s_check_order(td_txn *txn, void *arg)
{
    (void)arg;
    s_names l = {.n = 0};
    CHECK_INT("each agency", td_store_each_agency(txn, s_collect_agency, &l), TD_OK);
    CHECK_INT("each agency", l.n, N(s_sorted_codes));
    for (size_t i = 0; i < l.n; i++)
        CHECK_STR("each agency", l.names[i], s_sorted_codes[i]);

    memset(&l, 0, sizeof l);
    CHECK_INT("each task", td_store_each_task(txn, s_collect_task, &l), TD_OK);
    CHECK_INT("each task", l.n, N(s_sorted_ids));
    for (size_t i = 0; i < l.n; i++)
        CHECK_STR("each task", l.names[i], s_sorted_ids[i]);

    memset(&l, 0, sizeof l);
    l.stop_after = 2;
    CHECK_INT("stopped", td_store_each_agency(txn, s_collect_agency, &l), TD_EEXIST);
    CHECK_INT("stopped", l.n, 2);
    memset(&l, 0, sizeof l);
    l.stop_after = 3;
    CHECK_INT("stopped", td_store_each_task(txn, s_collect_task, &l), TD_EEXIST);
    CHECK_INT("stopped", l.n, 3);
    return TD_OK;
}

static td_err s_check_empty(td_txn *txn, void *arg)
{
    (void)arg;
    s_names l = {.n = 0};
    CHECK_INT("empty", td_store_each_agency(txn, s_collect_agency, &l), TD_OK);
    CHECK_INT("empty", td_store_each_task(txn, s_collect_task, &l), TD_OK);
    CHECK_INT("empty", l.n, 0);
    return TD_OK;
}

static void test_each_order(void **state)
{
    s_fixture *f = *state;
    s_view(f->store, s_check_empty, NULL);
    s_update(f->store, s_put_order, NULL);
    s_view(f->store, s_check_order, NULL);
}

/* Enrolled keys. */

static void test_role_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int role;
    } cases[] = {
        {"agent", TD_ROLE_AGENT},
        {"operator", TD_ROLE_OPERATOR},
        {"admin", TD_ROLE_ADMIN},
        {"token", TD_ROLE_TOKEN},
    };
    for (size_t i = 0; i < N(cases); i++) {
        int got = 0;
        CHECK_STR(cases[i].name, td_role_name(cases[i].role), cases[i].name);
        CHECK_INT(cases[i].name, td_role_parse(cases[i].name, &got), TD_OK);
        CHECK_INT(cases[i].name, got, cases[i].role);
    }
    int got = 42;
    assert_null(td_role_name(0));
    assert_null(td_role_name(TD_ROLE_TOKEN + 1));
    CHECK_INT("unknown", td_role_parse("Agent", &got), TD_EINVAL);
    CHECK_INT("empty", td_role_parse("", &got), TD_EINVAL);
    CHECK_INT("untouched", got, 42);
}

static const struct {
    const char *name;
    uint8_t byte;
    int role;
    const char *who;
    td_time created, revoked;
} s_key_cases[] = {
    {"agent", 0x30, TD_ROLE_AGENT, "MOF", 1764842400, 0},
    {"operator", 0x10, TD_ROLE_OPERATOR, "nguyen.van.a", 1700000000, 0},
    {"revoked admin", 0xf0, TD_ROLE_ADMIN, "root", 1600000000, 1764842401},
    {"negative times", 0x00, TD_ROLE_AGENT, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", -1, INT64_MIN},
};

static td_err s_put_keys(td_txn *txn, void *arg)
{
    size_t *n = arg;
    for (size_t i = 0; i < *n; i++) {
        td_keyrec k = {.role = s_key_cases[i].role,
                       .created = s_key_cases[i].created,
                       .revoked = s_key_cases[i].revoked};
        tu_key(k.key, s_key_cases[i].byte);
        snprintf(k.name, sizeof k.name, "%s", s_key_cases[i].who);
        td_err err = td_store_put_key(txn, &k);
        if (err)
            return err;
    }
    return TD_OK;
}

static td_err s_get_generation(td_txn *txn, void *arg)
{
    return td_store_keys_generation(txn, arg);
}

static uint64_t s_generation(td_store *store)
{
    uint64_t gen = 99;
    s_view(store, s_get_generation, &gen);
    return gen;
}

static td_err s_collect_key(const td_keyrec *k, void *arg)
{
    char name[8];
    snprintf(name, sizeof name, "%02x", k->key[0]);
    return s_add_name(arg, name);
}

static td_err s_check_keys(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N(s_key_cases); i++) {
        const char *name = s_key_cases[i].name;
        uint8_t key[TD_KEY_LEN];
        td_keyrec k;
        tu_key(key, s_key_cases[i].byte);
        CHECK_INT(name, td_store_get_key(txn, key, &k), TD_OK);
        assert_memory_equal(k.key, key, TD_KEY_LEN);
        CHECK_INT(name, k.role, s_key_cases[i].role);
        CHECK_STR(name, k.name, s_key_cases[i].who);
        CHECK_INT(name, k.created, s_key_cases[i].created);
        CHECK_INT(name, k.revoked, s_key_cases[i].revoked);
    }
    uint8_t key[TD_KEY_LEN];
    td_keyrec k;
    tu_key(key, 0x31);
    CHECK_INT("absent", td_store_get_key(txn, key, &k), TD_ENOTFOUND);
    s_names l = {.n = 0};
    CHECK_INT("each key", td_store_each_key(txn, s_collect_key, &l), TD_OK);
    CHECK_INT("each key", l.n, 4);
    CHECK_STR("each key", l.names[0], "00");
    CHECK_STR("each key", l.names[1], "10");
    CHECK_STR("each key", l.names[2], "30");
    CHECK_STR("each key", l.names[3], "f0");
    return TD_OK;
}

static td_err s_revoke_agent(td_txn *txn, void *arg)
{
    (void)arg;
    td_keyrec k = {.role = TD_ROLE_AGENT, .created = 1764842400, .revoked = 1764900000};
    tu_key(k.key, 0x30);
    snprintf(k.name, sizeof k.name, "MOF");
    return td_store_put_key(txn, &k);
}

static td_err s_check_revoked(td_txn *txn, void *arg)
{
    (void)arg;
    uint8_t key[TD_KEY_LEN];
    td_keyrec k;
    tu_key(key, 0x30);
    CHECK_INT("revoked", td_store_get_key(txn, key, &k), TD_OK);
    CHECK_INT("revoked", k.revoked, 1764900000);
    CHECK_STR("revoked", k.name, "MOF");
    s_names l = {.n = 0};
    CHECK_INT("revoked", td_store_each_key(txn, s_collect_key, &l), TD_OK);
    CHECK_INT("revoked: replaced, not added", l.n, 4);
    return TD_OK;
}

/* Puts a key, then fails: the transaction, generation bump included, must be rolled back. */
static td_err s_put_key_then_fail(td_txn *txn, void *arg)
{
    td_err err = s_revoke_agent(txn, arg);
    return err ? err : TD_EINVAL;
}

static void test_keys(void **state)
{
    s_fixture *f = *state;
    td_errmsg why = {{0}};
    CHECK_INT("fresh store", s_generation(f->store), 0);
    size_t n = 1;
    s_update(f->store, s_put_keys, &n);
    CHECK_INT("one put", s_generation(f->store), 1);
    n = N(s_key_cases);
    s_update(f->store, s_put_keys, &n); /* the first again, then three more */
    CHECK_INT("five puts", s_generation(f->store), 5);
    s_view(f->store, s_check_keys, NULL);
    s_update(f->store, s_revoke_agent, NULL);
    CHECK_INT("revocation", s_generation(f->store), 6);
    s_view(f->store, s_check_revoked, NULL);
    CHECK_INT("aborted", td_store_update(f->store, s_put_key_then_fail, NULL, &why), TD_EINVAL);
    CHECK_INT("aborted", s_generation(f->store), 6);
}

/* Agents. */

static const td_agentrec s_agents[] = {
    {.key = {0x20},
     .agency = "MOF",
     .last_contact = 1764842400,
     .last_report_as_of = 1764838800,
     .last_seq = 17,
     .reports = 12,
     .interval_s = 300,
     .outbox_depth = 4,
     .thinned = 2},
    {.key = {0x10, 0xff},
     .agency = "BCA",
     .last_contact = 0,
     .last_report_as_of = 0,
     .last_seq = UINT64_MAX,
     .reports = UINT64_MAX - 1,
     .interval_s = UINT32_MAX,
     .outbox_depth = UINT64_MAX,
     .thinned = 1ull << 40},
};

static td_err s_put_agents(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N(s_agents); i++) {
        td_err err = td_store_put_agent(txn, &s_agents[i]);
        if (err)
            return err;
    }
    return TD_OK;
}

static void s_check_agent(const char *name, const td_agentrec *got, const td_agentrec *want)
{
    assert_memory_equal(got->key, want->key, TD_KEY_LEN);
    CHECK_STR(name, got->agency, want->agency);
    CHECK_INT(name, got->last_contact, want->last_contact);
    CHECK_INT(name, got->last_report_as_of, want->last_report_as_of);
    assert_true(got->last_seq == want->last_seq);
    assert_true(got->reports == want->reports);
    CHECK_INT(name, got->interval_s, want->interval_s);
    assert_true(got->outbox_depth == want->outbox_depth);
    assert_true(got->thinned == want->thinned);
}

static td_err s_collect_agent(const td_agentrec *a, void *arg)
{
    return s_add_name(arg, a->agency);
}

static td_err s_check_agents(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N(s_agents); i++) {
        td_agentrec a;
        CHECK_INT(s_agents[i].agency, td_store_get_agent(txn, s_agents[i].key, &a), TD_OK);
        s_check_agent(s_agents[i].agency, &a, &s_agents[i]);
    }
    uint8_t key[TD_KEY_LEN] = {0x20, 0x01};
    td_agentrec a;
    CHECK_INT("absent", td_store_get_agent(txn, key, &a), TD_ENOTFOUND);
    s_names l = {.n = 0};
    CHECK_INT("each agent", td_store_each_agent(txn, s_collect_agent, &l), TD_OK);
    CHECK_INT("each agent", l.n, 2);
    CHECK_STR("each agent: key order", l.names[0], "BCA");
    CHECK_STR("each agent: key order", l.names[1], "MOF");
    return TD_OK;
}

static void test_agents(void **state)
{
    s_fixture *f = *state;
    s_update(f->store, s_put_agents, NULL);
    s_view(f->store, s_check_agents, NULL);
}

/* The report log: rows for agencies whose codes are prefixes of each other. */

static const struct {
    const char *agency;
    uint8_t key;
    uint64_t seq;
} s_report_rows[] = {
    {"MOF", 0x01, 1}, {"MO", 0x02, 256}, {"MO", 0x01, 10},  {"MOF", 0x01, 2},
    {"MO", 0x01, 2},  {"M", 0x01, 1},    {"MOF2", 0x01, 1},
};

static td_reportrec s_report_row(size_t i)
{
    td_reportrec r = {.seq = s_report_rows[i].seq,
                      .as_of = 1764806400 + (td_time)i * 3600,
                      .received_at = 1764810000 + (td_time)i,
                      .accepted = (uint32_t)(10 + i),
                      .rejected = (uint32_t)i};
    snprintf(r.agency, sizeof r.agency, "%s", s_report_rows[i].agency);
    tu_key(r.key, s_report_rows[i].key);
    return r;
}

static td_err s_put_reports(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N(s_report_rows); i++) {
        td_reportrec r = s_report_row(i);
        td_err err = td_store_put_report(txn, &r);
        if (err)
            return err;
    }
    return TD_OK;
}

static void s_check_report(const char *name, const td_reportrec *got, const td_reportrec *want)
{
    CHECK_STR(name, got->agency, want->agency);
    assert_memory_equal(got->key, want->key, TD_KEY_LEN);
    CHECK_INT(name, got->seq, want->seq);
    CHECK_INT(name, got->as_of, want->as_of);
    CHECK_INT(name, got->received_at, want->received_at);
    CHECK_INT(name, got->accepted, want->accepted);
    CHECK_INT(name, got->rejected, want->rejected);
}

typedef struct {
    td_reportrec rows[8];
    size_t n;
} s_reports;

static td_err s_collect_report(const td_reportrec *r, void *arg)
{
    s_reports *l = arg;
    assert_true(l->n < N(l->rows));
    l->rows[l->n++] = *r;
    return TD_OK;
}

static td_err s_check_reports(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N(s_report_rows); i++) {
        td_reportrec want = s_report_row(i), got;
        CHECK_INT(want.agency, td_store_get_report(txn, want.agency, want.key, 0, want.seq, &got),
                  TD_OK);
        s_check_report(want.agency, &got, &want);
    }
    static const struct {
        const char *name, *agency;
        uint8_t key;
        uint64_t seq;
    } absent[] = {
        {"other seq", "MO", 0x01, 3},        {"other key", "MO", 0x03, 2},
        {"prefix agency", "MOF", 0x02, 256}, {"longer agency", "MOF2", 0x01, 2},
        {"no such agency", "BCA", 0x01, 1},
    };
    for (size_t i = 0; i < N(absent); i++) {
        uint8_t key[TD_KEY_LEN];
        td_reportrec got;
        tu_key(key, absent[i].key);
        CHECK_INT(absent[i].name,
                  td_store_get_report(txn, absent[i].agency, key, 0, absent[i].seq, &got),
                  TD_ENOTFOUND);
    }
    /* each_report: one agency's rows only, in (key, seq) order; seq compares as a number. */
    static const struct {
        const char *name, *agency;
        size_t want[4]; /* indexes into s_report_rows */
        size_t n;
    } scans[] = {
        {"MO", "MO", {4, 2, 1}, 3}, {"MOF", "MOF", {0, 3}, 2}, {"M", "M", {5}, 1},
        {"MOF2", "MOF2", {6}, 1},   {"none", "MOF3", {0}, 0},  {"empty code", "", {0}, 0},
    };
    for (size_t i = 0; i < N(scans); i++) {
        s_reports l = {.n = 0};
        CHECK_INT(scans[i].name, td_store_each_report(txn, scans[i].agency, s_collect_report, &l),
                  TD_OK);
        CHECK_INT(scans[i].name, l.n, scans[i].n);
        for (size_t j = 0; j < l.n; j++) {
            td_reportrec want = s_report_row(scans[i].want[j]);
            s_check_report(scans[i].name, &l.rows[j], &want);
        }
    }
    return TD_OK;
}

static void test_reports(void **state)
{
    s_fixture *f = *state;
    s_update(f->store, s_put_reports, NULL);
    s_view(f->store, s_check_reports, NULL);
}

/* Task versions. "NV-", "NV-1" and "NV-10" are prefixes of one another and their keys are
 * neighbours ("NA" sorts just before them), so a lookup at either edge of a history lands on
 * another task's version and must not return it. */

#define T0 1764806400 /* 2025-12-04T07:00:00+07:00 */

static const struct {
    const char *id;
    td_time as_of;
    uint64_t seq;
    int state, progress;
    const char *completed_on, *note;
} s_versions[] = {
    /* inserted out of order on purpose */
    {"NV-1", T0 + 7200, 3, TD_STATE_DONE, 100, "2025-12-04", "xong"},
    {"NV-1", T0, 1, TD_STATE_NOT_STARTED, 0, NULL, NULL},
    {"NV-10", T0 - 86400, 7, TD_STATE_IN_PROGRESS, 5, NULL, "sớm"},
    {"NV-1", T0 + 3600, 2, TD_STATE_IN_PROGRESS, 50, NULL, "một nửa"},
    {"NV-", T0 + 100000, 9, TD_STATE_IN_PROGRESS, 99, NULL, NULL},
    {"NV-10", T0 + 86400, 8, TD_STATE_IN_PROGRESS, 75, NULL, ""},
    {"NV-1", -86400, 1, TD_STATE_NOT_STARTED, 0, NULL, "before 1970"},
    {"NA", T0 + 200000, 4, TD_STATE_IN_PROGRESS, 1, NULL, NULL},
};

static const char *const s_evidence_texts[] = {"https://example.vn/a.pdf", "biên bản số 12"};

static void s_version(td_task_version *v, size_t i)
{
    memset(v, 0, sizeof *v);
    v->as_of = s_versions[i].as_of;
    v->received_at = s_versions[i].as_of + 30;
    v->seq = s_versions[i].seq;
    tu_item(&v->status, s_versions[i].id, s_versions[i].state, s_versions[i].progress,
            s_versions[i].completed_on, s_versions[i].note);
    if (i == 0)
        tu_item_evidence(&v->status, N(s_evidence_texts), s_evidence_texts);
}

static td_err s_put_versions(td_txn *txn, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < N(s_versions); i++) {
        td_task_version v;
        s_version(&v, i);
        td_err err = td_store_put_task_version(txn, &v);
        td_task_status_fini(&v.status);
        if (err)
            return err;
    }
    return TD_OK;
}

static void s_check_version(const char *name, const td_task_version *got, size_t i)
{
    td_task_version want;
    s_version(&want, i);
    CHECK_STR(name, got->status.id, want.status.id);
    CHECK_INT(name, got->as_of, want.as_of);
    CHECK_INT(name, got->received_at, want.received_at);
    CHECK_INT(name, got->seq, want.seq);
    CHECK_INT(name, got->status.state, want.status.state);
    CHECK_INT(name, got->status.progress, want.status.progress);
    CHECK_INT(name, got->status.completed_on, want.status.completed_on);
    /* an empty note is stored as none */
    CHECK_OPTSTR(name, got->status.note,
                 want.status.note && want.status.note[0] ? want.status.note : NULL);
    CHECK_INT(name, got->status.n_evidence, want.status.n_evidence);
    for (size_t j = 0; j < want.status.n_evidence; j++)
        CHECK_STR(name, got->status.evidence[j], want.status.evidence[j]);
    assert_true(td_task_status_equal(&got->status, &want.status));
    td_task_status_fini(&want.status);
}

static td_err s_check_version_at(td_txn *txn, void *arg)
{
    (void)arg;
    static const struct {
        const char *name, *id;
        td_time t;
        int want; /* index into s_versions, -1: TD_ENOTFOUND */
    } cases[] = {
        {"long before the first", "NV-1", INT64_MIN, -1},
        {"just before the first", "NV-1", -86401, -1},
        {"at the first (before 1970)", "NV-1", -86400, 6},
        {"between first and second", "NV-1", 0, 6},
        {"just before a version", "NV-1", T0 - 1, 6},
        {"exactly at a version", "NV-1", T0, 1},
        {"one second after", "NV-1", T0 + 1, 1},
        {"at the middle version", "NV-1", T0 + 3600, 3},
        {"just before the last", "NV-1", T0 + 7199, 3},
        {"at the last", "NV-1", T0 + 7200, 0},
        {"after the last (NV-10 follows)", "NV-1", T0 + 86400 * 30, 0},
        {"far future", "NV-1", INT64_MAX, 0},
        {"NV-10 before its first (NV-1 precedes)", "NV-10", T0 - 86401, -1},
        {"NV-10 at its first", "NV-10", T0 - 86400, 2},
        {"NV-10 between", "NV-10", T0 + 7200, 2},
        {"NV-10 at its last", "NV-10", T0 + 86400, 5},
        {"NV-10 after its last (last key of the db)", "NV-10", INT64_MAX, 5},
        {"NV- before its only version (NA precedes)", "NV-", T0 + 99999, -1},
        {"NV- at its only version", "NV-", T0 + 100000, 4},
        {"NV- long after", "NV-", T0 + 10000000, 4},
        {"unknown id between", "NV-1.5", T0 + 7200, -1},
        {"unknown id after all", "NV-2", INT64_MAX, -1},
        {"unknown id before all", "A", T0, -1},
        {"NA after its version (NV- follows)", "NA", INT64_MAX, 7},
        {"id that is a prefix of all", "NV", T0 + 7200, -1},
    };
    for (size_t i = 0; i < N(cases); i++) {
        td_task_version v;
        memset(&v, 0, sizeof v);
        td_err err = td_store_task_version_at(txn, cases[i].id, cases[i].t, &v);
        if (cases[i].want < 0) {
            CHECK_INT(cases[i].name, err, TD_ENOTFOUND);
            continue;
        }
        CHECK_INT(cases[i].name, err, TD_OK);
        s_check_version(cases[i].name, &v, (size_t)cases[i].want);
        td_task_status_fini(&v.status);
    }
    return TD_OK;
}

typedef struct {
    td_task_version v[8];
    size_t n;
} s_version_list;

static td_err s_collect_version(const td_task_version *v, void *arg)
{
    s_version_list *l = arg;
    assert_true(l->n < N(l->v));
    l->v[l->n] = *v;
    td_task_status_copy(&l->v[l->n].status, &v->status);
    l->n++;
    return TD_OK;
}

static td_err s_check_each_version(td_txn *txn, void *arg)
{
    (void)arg;
    static const struct {
        const char *name, *id;
        size_t want[4];
        size_t n;
    } cases[] = {
        {"NV-1 in as_of order", "NV-1", {6, 1, 3, 0}, 4},
        {"NV-10 apart from NV-1", "NV-10", {2, 5}, 2},
        {"NV- apart from both", "NV-", {4}, 1},
        {"unknown", "NV-2", {0}, 0},
        {"prefix of all", "NV", {0}, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        s_version_list l = {.n = 0};
        CHECK_INT(cases[i].name,
                  td_store_each_task_version(txn, cases[i].id, s_collect_version, &l), TD_OK);
        CHECK_INT(cases[i].name, l.n, cases[i].n);
        for (size_t j = 0; j < l.n; j++) {
            s_check_version(cases[i].name, &l.v[j], cases[i].want[j]);
            td_task_status_fini(&l.v[j].status);
        }
    }
    return TD_OK;
}

static void test_versions(void **state)
{
    s_fixture *f = *state;
    s_update(f->store, s_put_versions, NULL);
    s_view(f->store, s_check_version_at, NULL);
    s_view(f->store, s_check_each_version, NULL);
}

/* A second version with the same as_of replaces the first. */
static td_err s_replace_version(td_txn *txn, void *arg)
{
    (void)arg;
    td_task_version v = {.as_of = T0 + 3600, .received_at = T0 + 9999, .seq = 42};
    tu_item(&v.status, "NV-1", TD_STATE_IN_PROGRESS, 60, NULL, "sửa lại");
    td_err err = td_store_put_task_version(txn, &v);
    td_task_status_fini(&v.status);
    return err;
}

static td_err s_check_replaced(td_txn *txn, void *arg)
{
    (void)arg;
    td_task_version v;
    CHECK_INT("replaced", td_store_task_version_at(txn, "NV-1", T0 + 3600, &v), TD_OK);
    CHECK_INT("replaced", v.as_of, T0 + 3600);
    CHECK_INT("replaced", v.received_at, T0 + 9999);
    CHECK_INT("replaced", v.seq, 42);
    CHECK_INT("replaced", v.status.progress, 60);
    CHECK_STR("replaced", v.status.note, "sửa lại");
    td_task_status_fini(&v.status);
    CHECK_INT("neighbour kept", td_store_task_version_at(txn, "NV-1", T0 + 7200, &v), TD_OK);
    CHECK_INT("neighbour kept", v.seq, 3);
    td_task_status_fini(&v.status);
    return TD_OK;
}

static void test_version_same_as_of_replaced(void **state)
{
    s_fixture *f = *state;
    s_update(f->store, s_put_versions, NULL);
    CHECK_INT("before", tu_count_versions(f->store, "NV-1"), 4);
    s_update(f->store, s_replace_version, NULL);
    CHECK_INT("after", tu_count_versions(f->store, "NV-1"), 4);
    s_view(f->store, s_check_replaced, NULL);
}

/* Map growth. Each run of s_fill writes `n` distinct versions of task `id` with `note_len`-byte
 * notes, numbered from `first`; runs counts how often td_store_update ran it. */
typedef struct {
    const char *id;
    size_t first, n, note_len;
    int runs;
} s_fill;

static td_err s_fill_fn(td_txn *txn, void *arg)
{
    s_fill *fl = arg;
    fl->runs++;
    td_task_version v = {.received_at = 1, .seq = 1};
    snprintf(v.status.id, sizeof v.status.id, "%s", fl->id);
    v.status.state = TD_STATE_IN_PROGRESS;
    v.status.note = malloc(fl->note_len + 1);
    assert_non_null(v.status.note);
    memset(v.status.note, 'x', fl->note_len);
    v.status.note[fl->note_len] = '\0';
    td_err err = TD_OK;
    for (size_t i = 0; err == TD_OK && i < fl->n; i++) {
        v.as_of = (td_time)(fl->first + i);
        v.status.progress = (int)((fl->first + i) % 100); /* each version differs */
        err = td_store_put_task_version(txn, &v);
    }
    free(v.status.note);
    return err;
}

static void test_map_full(void **state)
{
    s_fixture *f = *state;
    const size_t max = 1u << 20;
    f->store = tu_store_open(f->dir, max);
    size_t map = 0, map_max = 0;
    td_store_usage(f->store, NULL, &map, &map_max);
    CHECK_INT("initial map", map, max);
    CHECK_INT("map_max", map_max, max);

    td_errmsg why = {{0}};
    s_fill fl = {.id = "NV-1", .n = 20, .note_len = 3000};
    td_err err = TD_OK;
    size_t batches = 0;
    for (; batches < 1000; batches++) {
        fl.first = batches * fl.n;
        fl.runs = 0;
        err = td_store_update(f->store, s_fill_fn, &fl, &why);
        if (err)
            break;
        CHECK_INT("a batch that fits runs once", fl.runs, 1);
    }
    CHECK_INT("full", err, TD_EFULL);
    CHECK_STR("full", why.text, "store: map is at its maximum (1 MiB)");
    assert_true(batches > 0);
    CHECK_INT("nothing partial", tu_count_versions(f->store, "NV-1"), batches * fl.n);
    td_store_usage(f->store, NULL, &map, NULL);
    CHECK_INT("map not grown past map_max", map, max);

    /* Still full, still consistent; a smaller write that fits is accepted. */
    CHECK_INT("again", td_store_update(f->store, s_fill_fn, &fl, &why), TD_EFULL);
    CHECK_INT("again", tu_count_versions(f->store, "NV-1"), batches * fl.n);
    s_fill small = {.id = "NV-2", .first = 0, .n = 1, .note_len = 1};
    CHECK_OK("small", td_store_update(f->store, s_fill_fn, &small, &why), &why);
    CHECK_INT("small", tu_count_versions(f->store, "NV-2"), 1);
}

static void test_map_grows(void **state)
{
    s_fixture *f = *state;
    const size_t max = (size_t)256 << 20;
    f->store = tu_store_open(f->dir, max);
    size_t map = 0;
    td_store_usage(f->store, NULL, &map, NULL);
    CHECK_INT("initial map", map, TD_STORE_MAP_INITIAL);

    /* 72 MiB in one transaction: the first run hits the 64 MiB map, which doubles. */
    td_errmsg why = {{0}};
    s_fill fl = {.id = "BIG", .first = 0, .n = 72, .note_len = (1u << 20) - 64};
    CHECK_OK("grow", td_store_update(f->store, s_fill_fn, &fl, &why), &why);
    CHECK_INT("grow: fn ran again after growing", fl.runs, 2);
    size_t used = 0;
    td_store_usage(f->store, &used, &map, NULL);
    CHECK_INT("grown map", map, (size_t)128 << 20);
    assert_true(used > TD_STORE_MAP_INITIAL);
    CHECK_INT("all stored", tu_count_versions(f->store, "BIG"), 72);

    /* Reopening starts from the file's size, not from the initial map. */
    td_store_destroy(&f->store);
    f->store = tu_store_open(f->dir, max);
    td_store_usage(f->store, NULL, &map, NULL);
    CHECK_INT("reopened map", map, (size_t)128 << 20);
    CHECK_INT("reopened", tu_count_versions(f->store, "BIG"), 72);
}

/* fn's own error aborts the transaction and is returned as is. */
static td_err s_fill_then_fail(td_txn *txn, void *arg)
{
    td_err err = s_fill_fn(txn, arg);
    return err ? err : TD_EPERM;
}

static void test_update_fn_error_aborts(void **state)
{
    s_fixture *f = *state;
    td_errmsg why = {{0}};
    strcpy(why.text, "untouched");
    s_fill fl = {.id = "NV-1", .first = 0, .n = 5, .note_len = 10};
    CHECK_INT("fn error", td_store_update(f->store, s_fill_then_fail, &fl, &why), TD_EPERM);
    CHECK_INT("fn error: ran once", fl.runs, 1);
    CHECK_STR("fn error: why is fn's", why.text, "untouched");
    CHECK_INT("fn error: nothing stored", tu_count_versions(f->store, "NV-1"), 0);
}

/* Versions, not copies, whatever the arrival order: each case puts (as_of, progress) pairs in
 * the order given and expects the versions left, as "as_of:progress" pairs. */
typedef struct {
    const char *name;
    int puts[4][2];
    const char *want;
} s_copy_case;

static const s_copy_case *s_copy_now;

static td_err s_put_copies(td_txn *txn, void *arg)
{
    (void)arg;
    td_err err = TD_OK;
    for (int i = 0; err == TD_OK && i < 4 && s_copy_now->puts[i][0]; i++) {
        td_task_version v = {.as_of = s_copy_now->puts[i][0], .received_at = 1, .seq = 1};
        snprintf(v.status.id, sizeof v.status.id, "NV-1");
        v.status.state = TD_STATE_IN_PROGRESS;
        v.status.progress = s_copy_now->puts[i][1];
        err = td_store_put_task_version(txn, &v);
    }
    return err;
}

static td_err s_list_copies(const td_task_version *v, void *arg)
{
    char *out = arg;
    snprintf(out + strlen(out), 256 - strlen(out), "%s%lld:%d", out[0] ? " " : "",
             (long long)v->as_of, v->status.progress);
    return TD_OK;
}

static td_err s_list_fn(td_txn *txn, void *arg)
{
    return td_store_each_task_version(txn, "NV-1", s_list_copies, arg);
}

typedef struct {
    int progress;
    td_time as_of;
} s_at_30;

static td_err s_at_30_fn(td_txn *txn, void *arg)
{
    s_at_30 *at = arg;
    td_task_version v;
    td_err err = td_store_task_version_at(txn, "NV-1", 30, &v);
    if (err == TD_OK) {
        at->progress = v.status.progress;
        at->as_of = v.as_of;
        td_task_status_fini(&v.status);
    }
    return err;
}

static void test_versions_not_copies(void **state)
{
    static const s_copy_case cases[] = {
        {"a copy later is not stored", {{10, 5}, {20, 5}, {30, 7}}, "10:5 30:7"},
        {"a copy arriving first is dropped", {{20, 5}, {10, 5}}, "10:5"},
        {"an older different version stays", {{20, 5}, {10, 3}}, "10:3 20:5"},
        {"inserted between equal neighbours", {{10, 5}, {30, 5}, {20, 5}}, "10:5"},
        {"same as_of replaced", {{10, 5}, {10, 6}}, "10:6"},
        {"a repeat keeps its meaning when an earlier change arrives late",
         {{10, 5}, {30, 5}, {20, 7}},
         "10:5 20:7"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fixture *f = *state;
        td_store_destroy(&f->store);
        tu_rmtree(&f->dir);
        f->dir = tu_mkdtemp();
        f->store = tu_store_open(f->dir, 0);
        td_errmsg why = {{0}};
        char got[256] = "";
        s_copy_now = &cases[i];
        CHECK_INT(cases[i].name, td_store_update(f->store, s_put_copies, NULL, &why), TD_OK);
        CHECK_INT(cases[i].name, td_store_view(f->store, s_list_fn, got, &why), TD_OK);
        CHECK_STR(cases[i].name, got, cases[i].want);
    }
    /* The last case: the report at 30 said 5; the change at 20 arrived after it. */
    s_fixture *f = *state;
    td_errmsg why = {{0}};
    s_at_30 at = {0};
    CHECK_INT("state at 30", td_store_view(f->store, s_at_30_fn, &at, &why), TD_OK);
    CHECK_INT("state at 30", at.progress, 5);
    CHECK_INT("reported as of", at.as_of, 30);
}

/* The alert log: rows numbered in the order written, listed newest first, limit honoured. */
static td_err s_put_alerts(td_txn *txn, void *arg)
{
    uint64_t *ids = arg;
    const char *docs[] = {"{\"rule\":\"a\"}", "{\"rule\":\"b\"}", "{\"rule\":\"c\"}"};
    for (int i = 0; i < 3; i++) {
        td_err err = td_store_put_alert(txn, docs[i], &ids[i]);
        if (err)
            return err;
    }
    return TD_OK;
}

typedef struct {
    size_t limit;
    char got[128];
} s_alert_list;

static td_err s_alert_row(uint64_t id, const char *json, size_t len, void *arg)
{
    s_alert_list *l = arg;
    size_t n = strlen(l->got);
    snprintf(l->got + n, sizeof l->got - n, "%llu=%.*s;", (unsigned long long)id, (int)len, json);
    return TD_OK;
}

static td_err s_list_alerts(td_txn *txn, void *arg)
{
    s_alert_list *l = arg;
    return td_store_each_alert(txn, l->limit, s_alert_row, l);
}

static void test_alerts(void **state)
{
    s_fixture *f = *state;
    s_alert_list none = {0};
    s_view(f->store, s_list_alerts, &none);
    CHECK_STR("empty log", none.got, "");
    uint64_t ids[3];
    s_update(f->store, s_put_alerts, ids);
    CHECK_INT("first id", (long long)ids[0], 1);
    CHECK_INT("third id", (long long)ids[2], 3);
    s_alert_list all = {0}, two = {.limit = 2};
    s_view(f->store, s_list_alerts, &all);
    CHECK_STR("newest first", all.got, "3={\"rule\":\"c\"};2={\"rule\":\"b\"};1={\"rule\":\"a\"};");
    s_view(f->store, s_list_alerts, &two);
    CHECK_STR("limit 2", two.got, "3={\"rule\":\"c\"};2={\"rule\":\"b\"};");
    s_update(f->store, s_put_alerts, ids); /* numbering goes on after the last row */
    CHECK_INT("fourth id", (long long)ids[0], 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_create_exists, s_setup_dir, s_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_refuses_update, s_setup_dir, s_teardown),
        cmocka_unit_test_setup_teardown(test_agency_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_task_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_each_order, s_setup, s_teardown),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test_setup_teardown(test_keys, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_agents, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_reports, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_versions, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_version_same_as_of_replaced, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_map_full, s_setup_dir, s_teardown),
        cmocka_unit_test_setup_teardown(test_map_grows, s_setup_dir, s_teardown),
        cmocka_unit_test_setup_teardown(test_update_fn_error_aborts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_versions_not_copies, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_alerts, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
