/* tiendo-sim fleet: many virtual agents in one process, each with its own enrolled key, CURVE
 * DEALER connection and outbox, reporting a changing status on a compressed clock, or draining
 * reports queued before they connect (catch-up). Unlike the generator, the fleet is built on
 * libtiendo: reports are made with td_wire_encode and framed with td_wire_frame_report, as
 * tiendo-agent does, so that the collector gets the real agent's bytes.
 *   fleet.c         options, the registry and credentials, results
 *   fleet_run.c     delivery (as agent/deliver.c), offline periods, the two modes
 *   fleet_status.c  the agencies' changing status */
#ifndef TIENDO_SIM_FLEET_H
#define TIENDO_SIM_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tiendo/keys.h"
#include "tiendo/model.h"

#define SIM_EXIT_USAGE 2

/* Runs `tiendo-sim fleet ARGS` (argv[0] is "fleet"). Returns the exit status: 0 when every
 * report made was acknowledged, 1 otherwise, SIM_EXIT_USAGE on bad usage. */
int sim_fleet_main(int argc, char **argv);

/* One virtual agency's status (fleet_status.c): the tasks it leads and the sections its kind
 * reports (funding for central agencies, services for provinces, infrastructure and services
 * for communes). Owns its arrays: sim_status_fini frees them. */
typedef struct {
    char agency[TD_CODE_MAX + 1];
    td_task_status *tasks; /* sorted by assigned_on, so those assigned by a date are a prefix */
    td_day *assigned;      /* assigned_on of tasks[i] */
    size_t n_tasks;
    td_infra infra;
    td_services services;
    td_funding funding;
    uint64_t rng; /* draws of this agency's changes */
} sim_status;

/* The status of agency `a` (row `index` of agencies.csv) at instant t0: the registry's tasks
 * that `a` leads, each in a state drawn from (seed, task) and valid at t0 (a task assigned on or
 * after t0's date has not started). Returns TD_OK or TD_ENOMEM. */
td_err sim_status_init(sim_status *s, const td_agency *a, size_t index, const td_task *tasks,
                       size_t n_tasks, td_time t0, uint64_t seed);
void sim_status_fini(sim_status *s);

/* Moves the status on to instant `as_of` (not before the previous one): each task assigned by
 * then, and each section, changes with probability `rate`, never backwards (a task only
 * progresses; a count grows, or moves within its whole). */
void sim_status_change(sim_status *s, double rate, td_time as_of);

/* Encodes the status at as_of as the agent queues a report (td_wire_encode, seq 0): the tasks
 * assigned by as_of's date, and the sections. *body is malloc'd; the caller frees it. */
td_err sim_status_encode(const sim_status *s, td_time as_of, uint8_t **body, size_t *len);

/* A uniform draw in [0, 1) from *rng (splitmix64). */
double sim_uniform(uint64_t *rng);

/* The fleet (fleet_run.c). */

typedef struct {
    const char *registry, *creds, *endpoint, *collector_key, *summary;
    long agents;        /* 0: every agency with a credential file */
    long interval;      /* simulated seconds between reports */
    double clock_speed; /* simulated seconds per real second */
    double change_rate; /* chance that a task or section changes at each report */
    double offline;     /* chance at each report time that an agent goes offline */
    long offline_for;   /* mean simulated seconds an offline period lasts */
    double duration;    /* real seconds of reporting */
    long queued;        /* catch-up: reports queued per agent before it connects (0: off) */
    long timeout;       /* real seconds without an Ack, once reporting ended, before giving up */
    long io_threads;
    long watch_pid; /* a process (the collector) whose threads' CPU is noted; 0: none */
    td_time start;  /* simulated instant of the first reports */
    uint64_t seed;
} sim_fleet_opts;

typedef struct {
    uint8_t *body; /* the report as queued (seq 0); NULL once acknowledged or refused */
    size_t len;
    uint32_t sends;
    bool done; /* acknowledged, or refused for good */
} sim_entry;

typedef struct {
    sim_status status;
    char public_txt[TD_Z85_LEN + 1];
    char secret_txt[TD_Z85_LEN + 1];
    char server_txt[TD_Z85_LEN + 1]; /* the collector's public key */
    void *sock;                      /* NULL during a power cut */
    int fd;                          /* the socket's ZMQ_FD, watched with epoll */
    bool linked;                     /* false during a signal gap */
    uint64_t outbox_id;
    sim_entry *q; /* q[i] holds seq i + 1 */
    size_t n_q, cap_q;
    size_t head;        /* q[head] is the oldest entry not done */
    uint64_t sent_upto; /* highest seq sent in this round */
    int inflight;
    int64_t last_progress_ms; /* last send or Ack */
    int64_t backoff_ms;
    td_time next_report;   /* simulated */
    td_time offline_until; /* simulated; 0 while online */
    bool power_cut;
    uint64_t rng; /* offline draws and jitter, apart from the status's draws */
    size_t acked, refused;
    td_time last_as_of;
    int64_t first_ack_ms, done_ms; /* from the start of the run; 0: not yet */
} sim_agent;

typedef struct {
    long made, sent, resent, acked, duplicates, nacked, refused, rejected, gaps, cuts, garbled;
} sim_fleet_counts;

typedef struct {
    const sim_fleet_opts *o;
    void *ctx;
    int epfd;
    sim_agent *agents;
    size_t n;
    int64_t t0_ms; /* monotonic: when reporting began, or the catch-up's connections */
    int64_t last_ack_ms;
    sim_fleet_counts c;
} sim_fleet;

/* Prepares agent a, whose keys are set, for the run: status, outbox identity, first report
 * time. TD_ENOMEM, or TD_EIO when no random outbox identity could be drawn. sim_agent_fini frees
 * what an agent holds (its socket included), after a failed init too. */
td_err sim_agent_init(sim_fleet *f, sim_agent *a, const td_agency *agency, size_t row,
                      const td_task *tasks, size_t n_tasks);
void sim_agent_fini(sim_fleet *f, sim_agent *a);

/* Makes f->ctx and f->epfd for f->n agents: raises RLIMIT_NOFILE and ZMQ_MAX_SOCKETS as the
 * fleet needs. Returns 0, or 1 after printing why not. */
int sim_fleet_open(sim_fleet *f);
/* The two modes. Each returns -1 when the run went to its end (the results are in f), or an exit
 * status after printing what failed. */
int sim_fleet_report(sim_fleet *f);
int sim_fleet_catch_up(sim_fleet *f);
/* True after SIGINT or SIGTERM. */
bool sim_fleet_interrupted(void);
/* Monotonic milliseconds. */
int64_t sim_now_ms(void);

#endif
