/* tiendo-collector run --config FILE: the [collector] section of an INI file. Every flag of
 * `run` has a key here; flags given on the command line override the file. */
#include "collector.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/log.h"

typedef struct {
    td_collector_opts *o;
    char error[512];
} s_parse;

bool td_collector_number(const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(text, &end, 10);
    if (!*text || *end || errno || x < min || x > max)
        return false;
    *out = x;
    return true;
}

/* Keeps a copy of value in the options (which own it; td_collector_opts_fini frees it). */
static int s_keep(s_parse *p, const char **dst, const char *value)
{
    td_collector_opts *o = p->o;
    if (o->n_owned == sizeof o->owned / sizeof o->owned[0] || !*value)
        return 0;
    char *copy = strdup(value);
    if (!copy)
        return 0;
    o->owned[o->n_owned++] = copy;
    *dst = copy;
    return 1;
}

void td_collector_opts_fini(td_collector_opts *o)
{
    for (size_t i = 0; i < o->n_owned; i++)
        free(o->owned[i]);
    o->n_owned = 0;
    for (size_t i = 0; i < o->n_alerts; i++)
        td_alert_rule_fini(&o->alerts[i]);
    free(o->alerts);
    o->alerts = NULL;
    o->n_alerts = 0;
}

/* A key of an [alert NAME] section: the rule named NAME, made on its first key. */
static int s_alert_key(s_parse *p, const char *name, const char *key, const char *value)
{
    td_collector_opts *o = p->o;
    if (!*name || strchr(name, ' ')) {
        snprintf(p->error, sizeof p->error, "[alert %s]: an alert's NAME is one word", name);
        return 0;
    }
    td_alert_rule *r = NULL;
    for (size_t i = 0; i < o->n_alerts && !r; i++)
        if (!strcmp(o->alerts[i].name, name))
            r = &o->alerts[i];
    if (!r) {
        td_alert_rule *grown = realloc(o->alerts, (o->n_alerts + 1) * sizeof *grown);
        if (!grown) {
            snprintf(p->error, sizeof p->error, "out of memory");
            return 0;
        }
        o->alerts = grown;
        r = &o->alerts[o->n_alerts++];
        memset(r, 0, sizeof *r);
        r->name = strdup(name);
    }
    const char *bad = td_alert_rule_set(r, key, value);
    if (bad)
        snprintf(p->error, sizeof p->error, "[alert %s] %s: %s", name, key, bad);
    return bad == NULL;
}

static int s_number(s_parse *p, const char *name, const char *value)
{
    long v;
    if (!strcmp(name, "map_max_mb") && td_collector_number(value, 1, 1L << 24, &v))
        p->o->map_max = (size_t)v << 20;
    else if (!strcmp(name, "max_msg_bytes") && td_collector_number(value, 1024, 1L << 30, &v))
        p->o->max_msg = (int)v;
    else if (!strcmp(name, "rate_limit") && td_collector_number(value, 0, 1000000, &v))
        p->o->rate_limit = (int)v;
    else
        return 0;
    return 1;
}

static int s_handler(void *user, const char *section, const char *name, const char *value)
{
    s_parse *p = user;
    td_collector_opts *o = p->o;
    if (!strncmp(section, "alert ", 6))
        return s_alert_key(p, section + 6, name, value);
    if (strcmp(section, "collector")) {
        snprintf(p->error, sizeof p->error,
                 "unknown section [%s] (expected [collector] or [alert NAME])", section);
        return 0;
    }
    static const char *const strings[] = {"data", "agents", "queries", "events", "http", "web"};
    const char **dst[] = {&o->data,      &o->agents_ep, &o->queries_ep,
                          &o->events_ep, &o->http,      &o->web};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (!strcmp(name, strings[i])) {
            if (s_keep(p, dst[i], value))
                return 1;
            snprintf(p->error, sizeof p->error, "%s must not be empty", name);
            return 0;
        }
    if (!strcmp(name, "log")) {
        if (td_log_set_output(value) == 0)
            return 1;
        snprintf(p->error, sizeof p->error, "log \"%s\" is not one of stderr|syslog", value);
        return 0;
    }
    if (!strcmp(name, "log_level")) {
        int level = td_log_level_parse(value);
        if (level >= 0) {
            o->log_level = level;
            return 1;
        }
        snprintf(p->error, sizeof p->error,
                 "log_level \"%s\" is not one of "
                 "error|warning|info|debug",
                 value);
        return 0;
    }
    if (!strcmp(name, "map_max_mb") || !strcmp(name, "max_msg_bytes") ||
        !strcmp(name, "rate_limit")) {
        if (s_number(p, name, value))
            return 1;
        snprintf(p->error, sizeof p->error, "%s \"%s\" is not a whole number in range", name,
                 value);
        return 0;
    }
    snprintf(p->error, sizeof p->error, "unknown key \"%s\" in [collector]", name);
    return 0;
}

int td_collector_config_load(const char *path, td_collector_opts *o)
{
    s_parse p = {.o = o};
    int line = ini_parse(path, s_handler, &p);
    if (line < 0) {
        fprintf(stderr, "tiendo-collector: %s: cannot read the configuration\n", path);
        return 1;
    }
    if (line > 0) {
        fprintf(stderr, "tiendo-collector: %s:%d: %s\n", path, line,
                p.error[0] ? p.error : "syntax error");
        return 1;
    }
    for (size_t i = 0; i < o->n_alerts; i++) {
        const char *bad = td_alert_rule_check(&o->alerts[i]);
        if (bad) {
            fprintf(stderr, "tiendo-collector: %s: [alert %s] %s\n", path, o->alerts[i].name, bad);
            return 1;
        }
    }
    return 0;
}
