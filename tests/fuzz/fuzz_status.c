/* libFuzzer target for td_parse_status, and for td_jsonpos_find on the same bytes so that the
 * position scanner meets text jansson refused too. Properties: a refusal always says why, and
 * whatever is accepted passes the model's checks. Everything returned is freed, so the leak
 * checker sees a leak on any error path. Seeds: tests/fuzz/corpus/status/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tiendo/parse.h"

/* Not assert(): the property must hold in release builds too. */
static void s_require(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_status: %s\n", what);
        abort();
    }
}

static void s_check_report(const td_report *r)
{
    td_errmsg why;
    s_require(td_code_valid(r->agency), "accepted an invalid agency");
    for (size_t i = 0; i < r->n_tasks; i++)
        s_require(td_task_status_check(&r->tasks[i], r->as_of, &why) == TD_OK,
                  "accepted an item the model refuses");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    td_errlist *errs = td_errlist_new();
    td_report r;
    if (errs == NULL)
        return 0;
    td_err err = td_parse_status("fuzz.json", text, size, &r, errs);
    s_require(err == TD_OK || err == TD_EINVAL || err == TD_ENOMEM, "unexpected error");
    s_require(err != TD_EINVAL || td_errlist_count(errs) > 0, "refused without a message");
    s_require(err != TD_OK || td_errlist_count(errs) == 0, "accepted with messages");
    if (err == TD_OK) {
        s_check_report(&r);
        td_report_fini(&r);
    }
    td_errlist_destroy(&errs);

    td_jsonpos q[] = {{.path = ""}, {.path = "/tasks/0/id"}, {.path = "/a~1b/1"}};
    td_jsonpos_find(text, size, q, sizeof q / sizeof q[0]);
    return 0;
}
