/* libFuzzer target for both registry parsers, on the same bytes. Properties: a refusal always
 * says why, and every row accepted passes the model's check. Everything returned is freed, so
 * the leak checker sees a leak on any error path. Seeds: tests/fuzz/corpus/registry/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tiendo/parse.h"

/* Not assert(): the property must hold in release builds too. */
static void s_require(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_registry: %s\n", what);
        abort();
    }
}

/* The verdict agrees with the messages added since `before`. */
static void s_check_verdict(td_err err, const td_errlist *errs, size_t before)
{
    size_t added = td_errlist_count(errs) - before;
    s_require(err == TD_OK || err == TD_EINVAL || err == TD_ENOMEM, "unexpected error");
    s_require(err != TD_EINVAL || added > 0, "refused without a message");
    s_require(err != TD_OK || added == 0, "accepted with messages");
}

static void s_agencies(const char *text, size_t size, td_errlist *errs)
{
    td_agency *a;
    td_errmsg why;
    size_t n, before = td_errlist_count(errs);
    td_err err = td_parse_agencies_csv("fuzz.csv", text, size, &a, &n, errs);
    s_check_verdict(err, errs, before);
    if (err != TD_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        s_require(td_agency_check(&a[i], &why) == TD_OK, "accepted an agency the model refuses");
        td_agency_fini(&a[i]);
    }
    free(a);
}

static void s_tasks(const char *text, size_t size, td_errlist *errs)
{
    td_task *t;
    td_errmsg why;
    size_t n, before = td_errlist_count(errs);
    td_err err = td_parse_tasks_csv("fuzz.csv", text, size, &t, &n, errs);
    s_check_verdict(err, errs, before);
    if (err != TD_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        s_require(td_task_check(&t[i], &why) == TD_OK, "accepted a task the model refuses");
        td_task_fini(&t[i]);
    }
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_errlist *errs = td_errlist_new();
    if (errs == NULL)
        return 0;
    s_agencies((const char *)data, size, errs);
    s_tasks((const char *)data, size, errs);
    td_errlist_destroy(&errs);
    return 0;
}
