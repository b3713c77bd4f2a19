/* Alert rules: `[alert NAME]` sections of the collector's configuration. A rule matches events
 * by type (and optionally by fields), at most once per min_interval, and delivers each match to
 * a webhook (an HTTP POST of JSON) and/or a command (the JSON on its standard input), retrying
 * a failed delivery. Deliveries run in their own thread, so a slow receiver never holds back
 * the collector; each outcome is written to the store's alert log (`tiendo alerts`). */
#ifndef TIENDO_COLLECTOR_ALERTS_H
#define TIENDO_COLLECTOR_ALERTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "tiendo/store.h"

#define TD_ALERT_FILTERS_MAX 4

typedef struct {
    char *name;  /* the section's NAME */
    char *event; /* an event type ("task.overdue"), a family ("task"), or "*" */
    char *filter_key[TD_ALERT_FILTERS_MAX]; /* the event's string fields that must equal */
    char *filter_value[TD_ALERT_FILTERS_MAX];
    size_t n_filters;
    int min_interval_s; /* at most one delivery per this many seconds (0: every match) */
    char *webhook;      /* http:// or https:// URL, or NULL */
    char *command;      /* run with /bin/sh -c, or NULL */
    int retries;        /* further attempts after a failure */
    int timeout_s;      /* per attempt */
    int line;           /* where the section starts, for messages */
} td_alert_rule;

/* Sets a rule's key from the configuration; returns NULL, or a message saying what is wrong. */
const char *td_alert_rule_set(td_alert_rule *r, const char *key, const char *value);
/* Checks a complete rule (an event, and a webhook or a command); NULL or a message. */
const char *td_alert_rule_check(const td_alert_rule *r);
void td_alert_rule_fini(td_alert_rule *r);

typedef struct td_alerts td_alerts;

/* Starts the delivery thread for n rules (copied). Returns NULL on failure (logged). */
td_alerts *td_alerts_new(const td_alert_rule *rules, size_t n, td_store *store);
void td_alerts_destroy(td_alerts **self_p);
/* Offers an event (its type and complete document) to every rule; queues the deliveries of
 * the rules it matches. Never blocks: when the queue is full the delivery is dropped, logged
 * and recorded. */
void td_alerts_offer(td_alerts *self, const char *type, const json_t *event, td_time now);

#endif
