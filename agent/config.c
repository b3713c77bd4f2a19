/* The agent's INI configuration ([agent] section). */
#include "agent.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    td_agent_config *cfg;
    char error[512];
} s_parse;

static bool s_int(const char *value, long min, long max, long *out)
{
    char *end;
    long v = strtol(value, &end, 10);
    if (!*value || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int s_string(s_parse *p, char *dst, size_t cap, const char *name, const char *value)
{
    if (!*value || strlen(value) >= cap) {
        snprintf(p->error, sizeof p->error, "%s must be a non-empty value of at most %zu bytes",
                 name, cap - 1);
        return 0;
    }
    snprintf(dst, cap, "%s", value);
    return 1;
}

static int s_handler(void *user, const char *section, const char *name, const char *value)
{
    s_parse *p = user;
    td_agent_config *c = p->cfg;
    long v;
    if (strcmp(section, "agent") != 0) {
        snprintf(p->error, sizeof p->error, "unknown section [%s]", section);
        return 0;
    }
    if (!strcmp(name, "collector"))
        return s_string(p, c->collector, sizeof c->collector, name, value);
    if (!strcmp(name, "credentials"))
        return s_string(p, c->credentials, sizeof c->credentials, name, value);
    if (!strcmp(name, "status_file"))
        return s_string(p, c->status_file, sizeof c->status_file, name, value);
    if (!strcmp(name, "state_dir"))
        return s_string(p, c->state_dir, sizeof c->state_dir, name, value);
    if (!strcmp(name, "interval") && s_int(value, 1, 86400, &v)) {
        c->interval = (int)v;
        return 1;
    }
    if (!strcmp(name, "outbox_max_mb") && s_int(value, 1, 1 << 20, &v)) {
        c->outbox_max_mb = (size_t)v;
        return 1;
    }
    if (!strcmp(name, "interval") || !strcmp(name, "outbox_max_mb"))
        snprintf(p->error, sizeof p->error, "%s \"%s\" is not a whole number in range (%s)", name,
                 value, !strcmp(name, "interval") ? "1..86400 seconds" : "1..1048576 MiB");
    else
        snprintf(p->error, sizeof p->error, "unknown key \"%s\" in [agent]", name);
    return 0;
}

td_err td_agent_config_load(const char *path, td_agent_config *out, td_errmsg *why)
{
    td_agent_config c = {.interval = 300, .outbox_max_mb = 256};
    s_parse p = {.cfg = &c};
    int line = ini_parse(path, s_handler, &p);
    if (line < 0)
        return td_fail(why, TD_EIO, "%s: cannot read the configuration", path);
    if (line > 0)
        return td_fail(why, TD_EINVAL, "%s:%d: %s", path, line,
                       p.error[0] ? p.error : "syntax error");
    const char *missing = !c.collector[0]     ? "collector"
                          : !c.credentials[0] ? "credentials"
                          : !c.status_file[0] ? "status_file"
                          : !c.state_dir[0]   ? "state_dir"
                                              : NULL;
    if (missing)
        return td_fail(why, TD_EINVAL, "%s: [agent] %s is required", path, missing);
    *out = c;
    return TD_OK;
}
