/* The virtual agencies' status: tasks they lead and sections of their kind, moving forward on
 * the simulated clock. Every draw comes from the agency's own splitmix64 stream, seeded by
 * (seed, row), so a fleet run is reproducible but for timing. Invariants hold by construction:
 * a task only progresses, and it is done (with completed_on its day) when it reaches 100; a part
 * stays within its whole. */
#include "fleet.h"
#include "generate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/wire.h"

#define GOLDEN 0x9e3779b97f4a7c15ULL

static uint64_t s_next(uint64_t *rng)
{
    *rng += GOLDEN;
    return sim_mix(*rng);
}

double sim_uniform(uint64_t *rng)
{
    return (double)(s_next(rng) >> 11) / 9007199254740992.0; /* 2^53 */
}

/* A draw in lo..hi. */
static int64_t s_between(uint64_t *rng, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(s_next(rng) % (uint64_t)(hi - lo + 1));
}

static int64_t s_min(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* A task's state at day0, drawn from (seed, task): a fifth not started, a fifth done before
 * day0, the rest in progress. A task assigned on or after day0 has not started. */
static void s_task_at(td_task_status *st, const td_task *t, size_t task, td_day day0, uint64_t seed)
{
    uint64_t h = sim_mix(seed ^ sim_mix((uint64_t)task + 1));
    memset(st, 0, sizeof *st);
    snprintf(st->id, sizeof st->id, "%s", t->id);
    st->state = TD_STATE_NOT_STARTED;
    if (t->assigned_on >= day0 || h % 100 < 20)
        return;
    if (h % 100 < 40) {
        st->state = TD_STATE_DONE;
        st->progress = 100;
        st->completed_on = t->assigned_on + (td_day)((h >> 16) % (uint64_t)(day0 - t->assigned_on));
        return;
    }
    st->state = TD_STATE_IN_PROGRESS;
    st->progress = 1 + (int)((h >> 8) % 95);
}

static size_t s_count_led(const char *code, const td_task *tasks, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += strcmp(tasks[i].lead, code) == 0;
    return k;
}

/* Sorts the tasks by assigned_on (insertion sort: an agency leads tens of tasks). */
static void s_sort_by_assigned(sim_status *s)
{
    for (size_t i = 1; i < s->n_tasks; i++) {
        td_task_status t = s->tasks[i];
        td_day d = s->assigned[i];
        size_t j = i;
        for (; j > 0 && s->assigned[j - 1] > d; j--) {
            s->tasks[j] = s->tasks[j - 1];
            s->assigned[j] = s->assigned[j - 1];
        }
        s->tasks[j] = t;
        s->assigned[j] = d;
    }
}

/* Sections of the agency's kind, with figures of a plausible size. */
static void s_sections_init(sim_status *s, int kind)
{
    uint64_t *r = &s->rng;
    if (kind == TD_KIND_MINISTRY || kind == TD_KIND_AGENCY) {
        int64_t alloc = s_between(r, 20, 900) * 1000000000LL;
        s->funding = (td_funding){.present = true,
                                  .requested_vnd = alloc + s_between(r, 0, 300) * 1000000000LL,
                                  .allocated_vnd = alloc,
                                  .disbursed_vnd = alloc / 100 * s_between(r, 0, 60)};
        return;
    }
    int64_t procs = s_between(r, 150, 1800), files = s_between(r, 500, 90000);
    int64_t records = s_between(r, 1000, 400000);
    s->services = (td_services){.present = true,
                                .procedures_total = procs,
                                .procedures_announced = procs * s_between(r, 60, 100) / 100,
                                .procedures_online = procs * s_between(r, 20, 90) / 100,
                                .files_received = files,
                                .files_fully_online = files * s_between(r, 10, 80) / 100,
                                .records_total = records,
                                .records_digitized = records * s_between(r, 0, 70) / 100};
    if (kind != TD_KIND_COMMUNE)
        return;
    int64_t villages = s_between(r, 4, 40), terminals = s_between(r, 5, 60);
    s->infra = (td_infra){.present = true,
                          .terminals_required = terminals,
                          .terminals_available = terminals * s_between(r, 30, 110) / 100,
                          .villages_total = villages,
                          .villages_signal_gap = villages * s_between(r, 0, 40) / 100,
                          .villages_no_power = villages * s_between(r, 0, 10) / 100,
                          .population_db_connected = s_between(r, 0, 1) == 1};
}

td_err sim_status_init(sim_status *s, const td_agency *a, size_t index, const td_task *tasks,
                       size_t n_tasks, td_time t0, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    snprintf(s->agency, sizeof s->agency, "%s", a->code);
    s->rng = sim_mix(seed ^ sim_mix(index + GOLDEN));
    size_t n = s_count_led(a->code, tasks, n_tasks);
    s->tasks = calloc(n ? n : 1, sizeof *s->tasks);
    s->assigned = calloc(n ? n : 1, sizeof *s->assigned);
    if (!s->tasks || !s->assigned) {
        sim_status_fini(s);
        return TD_ENOMEM;
    }
    td_day day0 = td_time_day(t0);
    for (size_t i = 0; i < n_tasks; i++) {
        if (strcmp(tasks[i].lead, a->code) != 0)
            continue;
        s_task_at(&s->tasks[s->n_tasks], &tasks[i], i, day0, seed);
        s->assigned[s->n_tasks++] = tasks[i].assigned_on;
    }
    s_sort_by_assigned(s);
    s_sections_init(s, a->kind);
    return TD_OK;
}

void sim_status_fini(sim_status *s)
{
    free(s->tasks);
    free(s->assigned);
    memset(s, 0, sizeof *s);
}

/* The tasks assigned by `day`: a prefix of s->tasks. */
static size_t s_assigned_by(const sim_status *s, td_day day)
{
    size_t n = 0;
    while (n < s->n_tasks && s->assigned[n] <= day)
        n++;
    return n;
}

static void s_task_step(uint64_t *r, td_task_status *t, td_day day)
{
    if (t->state == TD_STATE_NOT_STARTED) {
        t->state = TD_STATE_IN_PROGRESS;
        t->progress = (int)s_between(r, 1, 5);
    } else if (t->state == TD_STATE_IN_PROGRESS) {
        t->progress += (int)s_between(r, 1, 15);
        if (t->progress >= 100) {
            t->state = TD_STATE_DONE;
            t->progress = 100;
            t->completed_on = day;
        }
    }
}

/* Signal gaps and power cuts in villages come and go; terminals, online procedures, files and
 * digitized records only grow, within their wholes. */
static void s_sections_step(sim_status *s, double rate)
{
    uint64_t *r = &s->rng;
    td_infra *in = &s->infra;
    if (in->present && sim_uniform(r) < rate) {
        in->terminals_available += s_between(r, 0, 2);
        in->villages_signal_gap = s_between(r, 0, in->villages_total / 3);
        in->villages_no_power = s_between(r, 0, in->villages_total / 8);
        in->population_db_connected = in->population_db_connected || sim_uniform(r) < 0.1;
    }
    td_services *sv = &s->services;
    if (sv->present && sim_uniform(r) < rate) {
        sv->procedures_online =
            s_min(sv->procedures_total, sv->procedures_online + s_between(r, 0, 3));
        sv->procedures_announced =
            s_min(sv->procedures_total, sv->procedures_announced + s_between(r, 0, 2));
        sv->files_received += s_between(r, 1, 40);
        sv->files_fully_online =
            s_min(sv->files_received, sv->files_fully_online + s_between(r, 0, 30));
        sv->records_digitized =
            s_min(sv->records_total, sv->records_digitized + s_between(r, 0, 500));
    }
    td_funding *fu = &s->funding;
    if (fu->present && sim_uniform(r) < rate)
        fu->disbursed_vnd =
            s_min(fu->allocated_vnd, fu->disbursed_vnd + s_between(r, 1, 20) * 100000000LL);
}

void sim_status_change(sim_status *s, double rate, td_time as_of)
{
    td_day day = td_time_day(as_of);
    size_t n = s_assigned_by(s, day);
    for (size_t i = 0; i < n; i++)
        if (sim_uniform(&s->rng) < rate)
            s_task_step(&s->rng, &s->tasks[i], day);
    s_sections_step(s, rate);
}

td_err sim_status_encode(const sim_status *s, td_time as_of, uint8_t **body, size_t *len)
{
    td_msg m;
    memset(&m, 0, sizeof m);
    m.type = TD_MSG_REPORT;
    td_report *r = &m.u.report.report; /* borrows the status's arrays: not finalized */
    snprintf(r->agency, sizeof r->agency, "%s", s->agency);
    r->as_of = as_of;
    r->tasks = s->tasks;
    r->n_tasks = s_assigned_by(s, td_time_day(as_of));
    r->infra = s->infra;
    r->services = s->services;
    r->funding = s->funding;
    return td_wire_encode(&m, body, len);
}
