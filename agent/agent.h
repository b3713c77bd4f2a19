/* tiendo-agent: configuration and delivery. */
#ifndef TIENDO_AGENT_H
#define TIENDO_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "tiendo/err.h"

typedef struct {
    char collector[256];    /* endpoint, e.g. tcp://collector.example:7701 */
    char credentials[4096]; /* credential file from `tiendo-collector enroll` */
    char status_file[4096];
    char state_dir[4096]; /* holds the outbox */
    int interval;         /* seconds between keep-alives (Hello) */
    size_t outbox_max_mb;
} td_agent_config;

/* Reads the INI file. Errors say FILE:LINE: what. */
td_err td_agent_config_load(const char *path, td_agent_config *out, td_errmsg *why);

#define TD_AGENT_EXIT_OK 0
#define TD_AGENT_EXIT_FAILURE 1    /* also: the status file is invalid */
#define TD_AGENT_EXIT_REJECTED 2   /* some items were rejected */
#define TD_AGENT_EXIT_REFUSED 3    /* the collector refused a whole report */
#define TD_AGENT_EXIT_UNREACHED 75 /* EX_TEMPFAIL: not delivered in time, still queued */

/* Runs the agent: once (queue the status file, deliver everything queued, exit) or as a daemon
 * until SIGINT/SIGTERM. Returns the exit status. */
int td_agent_run(const td_agent_config *cfg, bool once, int timeout_s);

#endif
