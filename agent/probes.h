/* tiendo-agent's probes: what is measured at the agency beside the status file.
 *   power  power cuts: a journal heartbeat every 10 s, the boot time, and whether the agent
 *          stopped cleanly; after an unclean stop and a reboot, an outage from the last
 *          heartbeat to the boot.
 *   link   periods without a connection to the collector (from the socket monitor's events).
 *   host   readings: disk free in state_dir, outbox depth, clock offset from the collector.
 *   exec   a command printing `name value` lines; ups: `upsc NAME@HOST`.
 * Outages, the count of reconnections and the latest readings are kept in a journal
 * (state_dir/probes.journal) so that they survive restarts, and a restarted agent reports the
 * same values (with the same measured_at) rather than a copy differing only in jitter. --once
 * keeps its readings in state_dir/probes-once.journal, leaving the daemon's journal alone. Nothing
 * here blocks: commands run as child processes whose pipes the agent's loop polls, and are killed
 * after their timeout. */
#ifndef TIENDO_AGENT_PROBES_H
#define TIENDO_AGENT_PROBES_H

#include <sys/types.h>

#include "agent.h"
#include "tiendo/outbox.h"

#define TD_PROBES_KEEP_S (30 * 86400) /* outages are kept and reported for 30 days */
#define TD_PROBES_MAX_OUTAGES 500     /* per kind: the collector takes 1000 per report */
#define TD_PROBES_LINK_GRACE_MS 5000  /* no handshake this long after start: the link is down */

typedef struct td_probes td_probes;

/* CLOCK_MONOTONIC in milliseconds. */
int64_t td_probes_mono_ms(void);

/* Opens the probes of cfg (which must outlive them). The daemon (once false) loads the journal,
 * records a power outage when the last stop was not clean and the system rebooted since, and
 * marks the journal as running; --once only reads the journal. Errors: TD_EIO when the journal
 * cannot be written, TD_ENOMEM. */
td_err td_probes_new(const td_agent_config *cfg, bool once, td_probes **out, td_errmsg *why);
/* Kills commands still running; the daemon records a clean stop in the journal. Accepts NULL. */
void td_probes_destroy(td_probes **self_p);

/* Does what is due: the journal heartbeat, host samples, starting commands whose interval
 * elapsed, reading their output and ending them (finished or timed out). Never blocks. */
void td_probes_tick(td_probes *self, td_outbox *outbox);
/* The read ends of running commands' pipes (at most cap), for the caller's poll. */
size_t td_probes_fds(const td_probes *self, int *fds, size_t cap);
/* --once: runs every exec and ups probe and samples the host, returning when all finished or
 * were killed at their timeout. */
void td_probes_run_once(td_probes *self, td_outbox *outbox);

/* The socket monitor saw the connection to the collector made (handshake succeeded) or lost. */
void td_probes_link(td_probes *self, bool up);
/* The collector answered a Hello: round trip in ms, and its clock minus ours in seconds. */
void td_probes_hello_reply(td_probes *self, double rtt_ms, double clock_offset_s);

/* True when outages or readings changed since the last td_probes_fill. */
bool td_probes_changed(const td_probes *self);
/* Copies into r (which then owns them; td_report_fini frees them) the outages ending within
 * the last 30 days or still lasting, and the latest reading of each probe and name. r's
 * outages and readings must be empty. TD_ENOMEM leaves r unchanged. */
td_err td_probes_fill(td_probes *self, td_report *r);

/* The journal (journal.c): what the daemon knows across restarts. */
typedef struct {
    td_time heartbeat; /* the daemon was last known running at this instant */
    td_time boot;      /* the system's boot time it last saw */
    bool clean;        /* it stopped on SIGINT/SIGTERM, not by a crash or a power cut */
    uint64_t reconnects;
    td_outage *outages; /* oldest first */
    size_t n_outages, cap;
    td_reading *readings; /* the latest of each probe and name; owns their error strings */
    size_t n_readings, rcap;
} td_journal;

/* Reads path. TD_ENOTFOUND when it does not exist, TD_EINVAL when it is unreadable as a
 * journal (why says which line), TD_EIO, TD_ENOMEM. On error *j is left empty. */
td_err td_journal_load(const char *path, td_journal *j, td_errmsg *why);
/* Writes path atomically (a temporary file, fsync, rename, fsync of the directory). */
td_err td_journal_save(const char *path, const td_journal *j, td_errmsg *why);
/* Appends a reading with a copy of its error string. */
td_err td_journal_add_reading(td_journal *j, const td_reading *r);
/* Appends an outage, first dropping those ended before `keep_from` and, past
 * TD_PROBES_MAX_OUTAGES of its kind, the oldest of its kind. */
td_err td_journal_add(td_journal *j, int kind, td_time start, td_time end, td_time keep_from);
void td_journal_fini(td_journal *j);

/* Commands (run.c): one run of an exec or ups probe. */
typedef struct td_run td_run;

/* Starts pc's command in its own process group, its output on pipes. A command that cannot
 * be started still gives a run, which finishes at once with the reason as its error. */
td_err td_run_start(const td_probe_config *pc, td_run **out);
/* Reads what the command wrote so far (never blocks) and kills its process group once its
 * timeout passed. Returns true when the run is over: *readings (malloc'd, *n of them, each
 * error string malloc'd) then holds what it measured, or one `error` reading saying why not. */
bool td_run_poll(td_run *self, td_time now, td_reading **readings, size_t *n);
/* The process to reap with waitpid, or 0 once reaped. */
pid_t td_run_pid(const td_run *self);
/* waitpid's status for this run's process. */
void td_run_exited(td_run *self, int status);
/* The open read ends of its pipes (-1 when closed). */
void td_run_fds(const td_run *self, int fds[2]);
/* Kills a command still running and frees the run. Accepts NULL. */
void td_run_destroy(td_run **self_p);

#endif
