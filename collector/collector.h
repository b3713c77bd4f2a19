/* tiendo-collector: subcommands. */
#ifndef TIENDO_COLLECTOR_H
#define TIENDO_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "alerts.h"
#include "tiendo/store.h"

#define TD_COLLECTOR_KEY_FILE "collector.key"
#define TD_ADMIN_CRED_FILE "admin.cred"

typedef struct {
    const char *data;          /* --data DIR */
    const char *agencies;      /* import --agencies FILE */
    const char *tasks;         /* import --tasks FILE */
    const char *agency;        /* enroll/revoke --agency CODE */
    const char *operator_name; /* enroll/revoke --operator NAME */
    const char *role;          /* enroll --role operator|admin */
    const char *key;           /* revoke --key PUBLIC */
    const char *out;           /* enroll --out FILE */
    const char *agencies_from; /* enroll --agencies-from FILE */
    const char *out_dir;       /* enroll --out-dir DIR */
    const char *agents_ep;     /* run --agents EP */
    const char *queries_ep;    /* run --queries EP */
    const char *events_ep;     /* run --events EP, or "off" */
    size_t map_max;            /* run --map-max-mb */
    int max_msg;               /* run --max-msg-bytes */
    const char *http;          /* run --http ADDR:PORT or "off" */
    const char *web;           /* run --web DIR: the dashboard's files */
    int log_level;             /* run --config log_level, -1: not set */
    int rate_limit;            /* run --rate-limit: messages per second per agent key (0: none) */
    td_alert_rule *alerts;     /* run --config [alert NAME] sections */
    size_t n_alerts;
    char *owned[16]; /* values read from --config, freed by td_collector_opts_fini */
    size_t n_owned;
    bool json;  /* keys --json */
    bool token; /* enroll --operator NAME --token: an HTTP bearer token */
} td_collector_opts;

/* A whole decimal number in min..max (flags, configuration keys, alert rules); false, with
 * *out untouched, for anything else. */
bool td_collector_number(const char *text, long min, long max, long *out);

/* Reads `run`'s options from an INI file's [collector] section into o (FILE:LINE: errors
 * printed). Returns 0, or 1 on an error. */
int td_collector_config_load(const char *path, td_collector_opts *o);
void td_collector_opts_fini(td_collector_opts *o);

/* Each returns the process exit status and prints its own errors. */
int td_collector_init(const td_collector_opts *o);
int td_collector_import(const td_collector_opts *o);
int td_collector_enroll(const td_collector_opts *o);
int td_collector_enroll_many(const td_collector_opts *o);
int td_collector_revoke(const td_collector_opts *o);
int td_collector_keys(const td_collector_opts *o);
int td_collector_run(const td_collector_opts *o);

/* Opens DIR/store; prints the error and returns NULL on failure. */
td_store *td_collector_open_store(const char *data, size_t map_max);

#endif
