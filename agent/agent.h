/* tiendo-agent: configuration and delivery. */
#ifndef TIENDO_AGENT_H
#define TIENDO_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "tiendo/err.h"
#include "tiendo/model.h"

typedef enum {
    TD_PROBE_POWER = 1, /* power cuts, from the boot time and the agent's heartbeat */
    TD_PROBE_LINK,      /* periods without a connection to the collector */
    TD_PROBE_HOST,      /* disk free, outbox depth, clock offset */
    TD_PROBE_EXEC,      /* a command printing `name value` lines */
    TD_PROBE_UPS        /* `upsc NAME@HOST` (NUT) */
} td_probe_type;

#define TD_AGENT_PROBES_MAX 16
#define TD_PROBE_COMMAND_MAX 1024

/* One [probe NAME] section, or a built-in probe (power, link, host) left at its defaults. */
typedef struct {
    char name[TD_PROBE_NAME_MAX + 1]; /* the readings' probe name */
    int type;                         /* td_probe_type */
    bool enabled;
    int interval;                       /* seconds between runs or samples */
    int timeout;                        /* seconds a run may take (exec, ups) */
    char command[TD_PROBE_COMMAND_MAX]; /* exec: run with /bin/sh -c */
    char ups[256];                      /* ups: NAME@HOST[:PORT], given to upsc */
} td_probe_config;

typedef struct {
    char collector[256];    /* endpoint, e.g. tcp://collector.example:7701 */
    char credentials[4096]; /* credential file from `tiendo-collector enroll` */
    char status_file[4096];
    char state_dir[4096]; /* holds the outbox and the probes' journal */
    char log[8];          /* "stderr" or "syslog"; "" means stderr */
    int interval;         /* seconds between keep-alives (Hello) */
    size_t outbox_max_mb;
    int reconnect_max;  /* seconds: the longest wait between reconnection attempts */
    bool delta_reports; /* send a report as a delta against the one before it when smaller */
    td_probe_config probes[TD_AGENT_PROBES_MAX]; /* configured first, then built-ins */
    size_t n_probes;
} td_agent_config;

/* Reads the INI file. Errors say FILE:LINE: what. */
td_err td_agent_config_load(const char *path, td_agent_config *out, td_errmsg *why);
/* The enabled probe of a built-in type (power, link, host), or NULL. */
const td_probe_config *td_agent_config_probe(const td_agent_config *cfg, int type);
const char *td_probe_type_name(int type);

#define TD_AGENT_EXIT_OK 0
#define TD_AGENT_EXIT_FAILURE 1    /* also: the status file is invalid */
#define TD_AGENT_EXIT_REJECTED 2   /* some items were rejected */
#define TD_AGENT_EXIT_REFUSED 3    /* the collector refused a whole report */
#define TD_AGENT_EXIT_UNREACHED 75 /* EX_TEMPFAIL: not delivered in time, still queued */

/* Runs the agent: once (queue the status file, deliver everything queued, exit) or as a daemon
 * until SIGINT/SIGTERM. Returns the exit status. */
int td_agent_run(const td_agent_config *cfg, bool once, int timeout_s);

#endif
