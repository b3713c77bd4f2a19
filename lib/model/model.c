/* Lifetimes of the model structs: release, copy and compare. */
#include <stdlib.h>
#include <string.h>

#include "tiendo/model.h"

void td_agency_fini(td_agency *self)
{
    if (self == NULL)
        return;
    free(self->name);
    self->name = NULL;
}

void td_task_fini(td_task *self)
{
    if (self == NULL)
        return;
    free(self->title);
    free(self->source);
    free(self->group);
    self->title = self->source = self->group = NULL;
}

void td_task_status_fini(td_task_status *self)
{
    if (self == NULL)
        return;
    free(self->note);
    for (size_t i = 0; i < self->n_evidence; i++)
        free(self->evidence[i]);
    free(self->evidence);
    self->note = NULL;
    self->evidence = NULL;
    self->n_evidence = 0;
}

void td_report_fini(td_report *self)
{
    if (self == NULL)
        return;
    for (size_t i = 0; i < self->n_tasks; i++)
        td_task_status_fini(&self->tasks[i]);
    free(self->tasks);
    for (size_t i = 0; i < self->n_databases; i++)
        td_database_fini(&self->databases[i]);
    free(self->databases);
    for (size_t i = 0; i < self->n_obstacles; i++)
        td_obstacle_fini(&self->obstacles[i]);
    free(self->obstacles);
    free(self->outages);
    for (size_t i = 0; i < self->n_readings; i++)
        free(self->readings[i].error);
    free(self->readings);
    self->tasks = NULL;
    self->n_tasks = 0;
    self->databases = NULL;
    self->n_databases = 0;
    self->obstacles = NULL;
    self->n_obstacles = 0;
    self->outages = NULL;
    self->n_outages = 0;
    self->readings = NULL;
    self->n_readings = 0;
}

void td_database_fini(td_database *self)
{
    if (self == NULL)
        return;
    free(self->name);
    self->name = NULL;
}

void td_obstacle_fini(td_obstacle *self)
{
    if (self == NULL)
        return;
    free(self->description);
    self->description = NULL;
}

/* strdup that keeps NULL as NULL; false only when memory ran out. */
static bool s_dup(const char *src, char **out)
{
    *out = NULL;
    if (src == NULL)
        return true;
    *out = strdup(src);
    return *out != NULL;
}

td_err td_task_status_copy(td_task_status *dst, const td_task_status *src)
{
    td_task_status tmp = *src;
    tmp.note = NULL;
    tmp.evidence = NULL;
    tmp.n_evidence = 0;
    if (!s_dup(src->note, &tmp.note))
        goto fail;
    if (src->n_evidence > 0) {
        tmp.evidence = calloc(src->n_evidence, sizeof *tmp.evidence);
        if (tmp.evidence == NULL)
            goto fail;
        /* n_evidence grows with each copy so that fini frees exactly what was made. */
        for (; tmp.n_evidence < src->n_evidence; tmp.n_evidence++) {
            if (!s_dup(src->evidence[tmp.n_evidence], &tmp.evidence[tmp.n_evidence]))
                goto fail;
        }
    }
    *dst = tmp;
    return TD_OK;
fail:
    td_task_status_fini(&tmp);
    return TD_ENOMEM;
}

/* NULL and "" both mean no text. */
static bool s_text_equal(const char *a, const char *b)
{
    return strcmp(a == NULL ? "" : a, b == NULL ? "" : b) == 0;
}

bool td_task_status_equal(const td_task_status *a, const td_task_status *b)
{
    if (strncmp(a->id, b->id, sizeof a->id) != 0 || a->state != b->state ||
        a->progress != b->progress || a->completed_on != b->completed_on ||
        !s_text_equal(a->note, b->note) || a->n_evidence != b->n_evidence)
        return false;
    for (size_t i = 0; i < a->n_evidence; i++) {
        if (!s_text_equal(a->evidence[i], b->evidence[i]))
            return false;
    }
    return true;
}

bool td_database_equal(const td_database *a, const td_database *b)
{
    return strncmp(a->id, b->id, sizeof a->id) == 0 && s_text_equal(a->name, b->name) &&
           a->stage == b->stage;
}

bool td_obstacle_equal(const td_obstacle *a, const td_obstacle *b)
{
    return strncmp(a->id, b->id, sizeof a->id) == 0 && a->category == b->category &&
           s_text_equal(a->description, b->description) && a->state == b->state &&
           a->reported_on == b->reported_on && a->resolved_on == b->resolved_on;
}
