/* import: loads the registry from CSV, all or nothing. Each file is parsed and checked row by
 * row (lib/parse), then rows are checked against each other and the store (a task's lead and a
 * commune's province must be registered agencies, in this import or before). Any bad row:
 * every error is printed, nothing is written. */
#include "collector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tiendo/parse.h"

typedef struct {
    const char *agencies_name;
    td_agency *agencies;
    size_t *agency_lines;
    size_t n_agencies;
    const char *tasks_name;
    td_task *tasks;
    size_t *task_lines;
    size_t n_tasks;
    td_errlist *errs;
} s_import;

static td_err s_parse_file(s_import *im, bool agencies, const char *path)
{
    char *text;
    size_t len;
    td_errmsg why;
    if (td_read_file(path, &text, &len, &why) != TD_OK) {
        td_errlist_add(im->errs, "%s", why.text);
        return TD_EIO;
    }
    td_err err;
    if (agencies) {
        im->agencies_name = path;
        err = td_parse_agencies_csv_lines(path, text, len, &im->agencies, &im->agency_lines,
                                          &im->n_agencies, im->errs);
    } else {
        im->tasks_name = path;
        err = td_parse_tasks_csv_lines(path, text, len, &im->tasks, &im->task_lines, &im->n_tasks,
                                       im->errs);
    }
    free(text);
    return err;
}

/* The agency with this code: from this import if present, else from the store. */
static bool s_find_agency(s_import *im, td_txn *txn, const char *code, int *kind)
{
    for (size_t i = 0; i < im->n_agencies; i++)
        if (!strcmp(im->agencies[i].code, code)) {
            *kind = im->agencies[i].kind;
            return true;
        }
    td_agency a;
    if (td_store_get_agency(txn, code, &a) != TD_OK)
        return false;
    *kind = a.kind;
    td_agency_fini(&a);
    return true;
}

static void s_cross_check(s_import *im, td_txn *txn)
{
    int kind;
    for (size_t i = 0; i < im->n_agencies; i++) {
        const td_agency *a = &im->agencies[i];
        if (a->kind != TD_KIND_COMMUNE)
            continue;
        if (!s_find_agency(im, txn, a->parent, &kind))
            td_errlist_add(im->errs, "%s:%zu: parent \"%s\" is not a registered agency",
                           im->agencies_name, im->agency_lines[i], a->parent);
        else if (kind != TD_KIND_PROVINCE)
            td_errlist_add(im->errs, "%s:%zu: parent \"%s\" is not a province", im->agencies_name,
                           im->agency_lines[i], a->parent);
    }
    for (size_t i = 0; i < im->n_tasks; i++)
        if (!s_find_agency(im, txn, im->tasks[i].lead, &kind))
            td_errlist_add(im->errs, "%s:%zu: lead \"%s\" is not a registered agency",
                           im->tasks_name, im->task_lines[i], im->tasks[i].lead);
}

/* A progress bar on a terminal, redrawn at each percent. */
static void s_progress(size_t i, size_t n)
{
    if (n < 1000 || !isatty(STDERR_FILENO) || (i % (n / 100) && i != n))
        return;
    int filled = (int)(40 * i / n);
    fprintf(stderr, "\rimporting %zu/%zu [%.*s%*s]%s", i, n, filled,
            "########################################", 40 - filled, "", i == n ? "\n" : "");
}

static td_err s_write(td_txn *txn, void *arg)
{
    s_import *im = arg;
    size_t before = td_errlist_count(im->errs);
    s_cross_check(im, txn);
    if (td_errlist_count(im->errs) > before)
        return TD_EINVAL;
    td_err err = TD_OK;
    size_t n = im->n_agencies + im->n_tasks;
    for (size_t i = 0; err == TD_OK && i < im->n_agencies; i++) {
        err = td_store_put_agency(txn, &im->agencies[i]);
        s_progress(i + 1, n);
    }
    for (size_t i = 0; err == TD_OK && i < im->n_tasks; i++) {
        err = td_store_put_task(txn, &im->tasks[i]);
        s_progress(im->n_agencies + i + 1, n);
    }
    return err;
}

static void s_fini(s_import *im)
{
    for (size_t i = 0; i < im->n_agencies; i++)
        td_agency_fini(&im->agencies[i]);
    for (size_t i = 0; i < im->n_tasks; i++)
        td_task_fini(&im->tasks[i]);
    free(im->agencies);
    free(im->agency_lines);
    free(im->tasks);
    free(im->task_lines);
    td_errlist_destroy(&im->errs);
}

int td_collector_import(const td_collector_opts *o)
{
    if (!o->agencies && !o->tasks) {
        fprintf(stderr, "tiendo-collector: import needs --agencies FILE and/or --tasks FILE\n");
        return 1;
    }
    s_import im = {.errs = td_errlist_new()};
    bool bad = (o->agencies && s_parse_file(&im, true, o->agencies) != TD_OK);
    bad |= (o->tasks && s_parse_file(&im, false, o->tasks) != TD_OK);
    td_store *store = bad ? NULL : td_collector_open_store(o->data, 0);
    td_errmsg why = {""};
    td_err err = bad ? TD_EINVAL : !store ? TD_ESTORE : td_store_update(store, s_write, &im, &why);
    for (size_t i = 0; i < td_errlist_count(im.errs); i++)
        fprintf(stderr, "%s\n", td_errlist_at(im.errs, i));
    if (err && why.text[0])
        fprintf(stderr, "tiendo-collector: %s\n", why.text);
    if (err)
        fprintf(stderr, "tiendo-collector: nothing imported\n");
    else
        printf("imported %zu agencies, %zu tasks\n", im.n_agencies, im.n_tasks);
    td_store_destroy(&store);
    s_fini(&im);
    return err ? 1 : 0;
}
