/* The agent's INI configuration: the [agent] section and [probe NAME] sections. */
#include "agent.h"

#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys of a [probe NAME] section, as bits of s_parse.seen: each may be given once. */
static const char *const s_probe_keys[] = {"type",    "enabled", "interval",
                                           "timeout", "command", "ups"};
#define KEY_INTERVAL (1u << 2)
#define KEY_TIMEOUT (1u << 3)
#define KEY_COMMAND (1u << 4)
#define KEY_UPS (1u << 5)
#define N_PROBE_KEYS (sizeof s_probe_keys / sizeof *s_probe_keys)

static const char *const s_type_names[] = {NULL, "power", "link", "host", "exec", "ups"};

typedef struct {
    td_agent_config *cfg;
    char error[512]; /* the first error: ini_parse reports the line of the first one */
    unsigned seen[TD_AGENT_PROBES_MAX];
} s_parse;

const char *td_probe_type_name(int type)
{
    return type >= TD_PROBE_POWER && type <= TD_PROBE_UPS ? s_type_names[type] : NULL;
}

static int s_type_parse(const char *name)
{
    for (int t = TD_PROBE_POWER; t <= TD_PROBE_UPS; t++)
        if (!strcmp(name, s_type_names[t]))
            return t;
    return 0;
}

static bool s_builtin(int type)
{
    return type == TD_PROBE_POWER || type == TD_PROBE_LINK || type == TD_PROBE_HOST;
}

__attribute__((format(printf, 2, 3))) static int s_error(s_parse *p, const char *fmt, ...)
{
    if (!p->error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->error, sizeof p->error, fmt, ap);
        va_end(ap);
    }
    return 0;
}

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
    if (!*value || strlen(value) >= cap)
        return s_error(p, "%s must be a non-empty value of at most %zu bytes", name, cap - 1);
    snprintf(dst, cap, "%s", value);
    return 1;
}

static int s_agent_int(s_parse *p, const char *name, const char *value)
{
    static const struct {
        const char *name;
        long min, max;
        const char *unit;
    } keys[] = {{"interval", 1, 86400, "seconds"},
                {"outbox_max_mb", 1, 1 << 20, "MiB"},
                {"reconnect_max", 1, 600, "seconds"}};
    td_agent_config *c = p->cfg;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        long v;
        if (strcmp(name, keys[i].name) != 0)
            continue;
        if (!s_int(value, keys[i].min, keys[i].max, &v))
            return s_error(p, "%s \"%s\" is not a whole number in range (%ld..%ld %s)", name, value,
                           keys[i].min, keys[i].max, keys[i].unit);
        if (i == 0)
            c->interval = (int)v;
        else if (i == 1)
            c->outbox_max_mb = (size_t)v;
        else
            c->reconnect_max = (int)v;
        return 1;
    }
    return s_error(p, "unknown key \"%s\" in [agent]", name);
}

static int s_agent_key(s_parse *p, const char *name, const char *value)
{
    td_agent_config *c = p->cfg;
    if (!strcmp(name, "collector"))
        return s_string(p, c->collector, sizeof c->collector, name, value);
    if (!strcmp(name, "credentials"))
        return s_string(p, c->credentials, sizeof c->credentials, name, value);
    if (!strcmp(name, "status_file"))
        return s_string(p, c->status_file, sizeof c->status_file, name, value);
    if (!strcmp(name, "state_dir"))
        return s_string(p, c->state_dir, sizeof c->state_dir, name, value);
    if (!strcmp(name, "log")) {
        if (!strcmp(value, "stderr") || !strcmp(value, "syslog"))
            return s_string(p, c->log, sizeof c->log, name, value);
        s_error(p, "log \"%s\" is not one of stderr|syslog", value);
        return 0;
    }
    if (!strcmp(name, "delta_reports")) {
        if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
            return s_error(p, "delta_reports \"%s\" is not yes or no", value);
        c->delta_reports = !strcmp(value, "yes");
        return 1;
    }
    return s_agent_int(p, name, value);
}

/* The probe of section "probe NAME", made on its first key. NULL after an error. */
static td_probe_config *s_probe_of(s_parse *p, const char *section, size_t *index)
{
    td_agent_config *c = p->cfg;
    const char *name = section + strlen("probe");
    name += strspn(name, " \t");
    if (!td_id_valid(name) || strlen(name) > TD_PROBE_NAME_MAX) {
        s_error(p, "[%s]: a probe's name is 1..%d of [A-Za-z0-9._-], as in [probe modem]", section,
                TD_PROBE_NAME_MAX);
        return NULL;
    }
    for (*index = 0; *index < c->n_probes; (*index)++)
        if (!strcmp(c->probes[*index].name, name))
            return &c->probes[*index];
    if (c->n_probes == TD_AGENT_PROBES_MAX - 3) {
        s_error(p, "[%s]: at most %d probes may be configured", section, TD_AGENT_PROBES_MAX - 3);
        return NULL;
    }
    td_probe_config *pc = &c->probes[c->n_probes];
    memset(pc, 0, sizeof *pc);
    snprintf(pc->name, sizeof pc->name, "%s", name);
    pc->enabled = true;
    pc->timeout = 10;
    *index = c->n_probes++;
    return pc;
}

static int s_probe_value(s_parse *p, td_probe_config *pc, size_t key, const char *value)
{
    long v;
    switch (key) {
    case 0:
        if (!(pc->type = s_type_parse(value)))
            return s_error(p, "type \"%s\" is not one of power|link|host|exec|ups", value);
        return 1;
    case 1:
        if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
            return s_error(p, "enabled \"%s\" is not yes or no", value);
        pc->enabled = !strcmp(value, "yes");
        return 1;
    case 2:
    case 3:
        if (!s_int(value, 1, key == 2 ? 86400 : 3600, &v))
            return s_error(p, "%s \"%s\" is not a whole number in range (1..%d seconds)",
                           s_probe_keys[key], value, key == 2 ? 86400 : 3600);
        *(key == 2 ? &pc->interval : &pc->timeout) = (int)v;
        return 1;
    case 4:
        return s_string(p, pc->command, sizeof pc->command, "command", value);
    default:
        if (*value == '-' || strpbrk(value, " \t"))
            return s_error(p, "ups \"%s\" is not NAME@HOST[:PORT]", value);
        return s_string(p, pc->ups, sizeof pc->ups, "ups", value);
    }
}

static int s_probe_key(s_parse *p, const char *section, const char *name, const char *value)
{
    size_t index, key;
    td_probe_config *pc = s_probe_of(p, section, &index);
    if (!pc)
        return 0;
    for (key = 0; key < N_PROBE_KEYS && strcmp(name, s_probe_keys[key]) != 0; key++)
        ;
    if (key == N_PROBE_KEYS)
        return s_error(p,
                       "unknown key \"%s\" in [%s] (type, enabled, interval, timeout, "
                       "command, ups)",
                       name, section);
    if (p->seen[index] & (1u << key))
        return s_error(p, "%s is given twice in [%s]", name, section);
    p->seen[index] |= 1u << key;
    return s_probe_value(p, pc, key, value);
}

static int s_handler(void *user, const char *section, const char *name, const char *value)
{
    s_parse *p = user;
    if (!strcmp(section, "agent"))
        return s_agent_key(p, name, value);
    if (!strncmp(section, "probe", 5) && (section[5] == ' ' || section[5] == '\t' || !section[5]))
        return s_probe_key(p, section, name, value);
    return s_error(p, "unknown section [%s] ([agent] or [probe NAME])", section);
}

/* Checks a configured probe once its whole section is read. */
static td_err s_finish_probe(td_probe_config *pc, unsigned seen, td_errmsg *why)
{
    int named = s_type_parse(pc->name);
    if (!pc->type && s_builtin(named))
        pc->type = named;
    if (!pc->type)
        return td_fail(why, TD_EINVAL, "[probe %s] needs a type (power|link|host|exec|ups)",
                       pc->name);
    if (s_builtin(named) && pc->type != named)
        return td_fail(why, TD_EINVAL, "[probe %s]: the name %s is kept for the %s probe", pc->name,
                       pc->name, pc->name);
    const char *stray = (seen & KEY_COMMAND) && pc->type != TD_PROBE_EXEC    ? "command"
                        : (seen & KEY_UPS) && pc->type != TD_PROBE_UPS       ? "ups"
                        : (seen & KEY_TIMEOUT) && s_builtin(pc->type)        ? "timeout"
                        : (seen & KEY_INTERVAL) && pc->type == TD_PROBE_LINK ? "interval"
                                                                             : NULL;
    if (stray)
        return td_fail(why, TD_EINVAL, "[probe %s]: a %s probe takes no %s", pc->name,
                       td_probe_type_name(pc->type), stray);
    if (pc->type == TD_PROBE_EXEC && !pc->command[0])
        return td_fail(why, TD_EINVAL, "[probe %s]: an exec probe needs a command", pc->name);
    if (pc->type == TD_PROBE_UPS && !pc->ups[0])
        return td_fail(why, TD_EINVAL, "[probe %s]: a ups probe needs ups = NAME@HOST", pc->name);
    if (!pc->interval)
        pc->interval = pc->type == TD_PROBE_POWER ? 10 : 60;
    return TD_OK;
}

/* Checks the probes, refuses a second power, link or host probe, and adds the built-ins that
 * no section configured. */
static td_err s_finish_probes(td_agent_config *c, const unsigned *seen, td_errmsg *why)
{
    for (size_t i = 0; i < c->n_probes; i++) {
        td_err err = s_finish_probe(&c->probes[i], seen[i], why);
        if (err)
            return err;
        for (size_t j = 0; j < i; j++)
            if (s_builtin(c->probes[i].type) && c->probes[j].type == c->probes[i].type)
                return td_fail(why, TD_EINVAL, "[probe %s]: [probe %s] is already the %s probe",
                               c->probes[i].name, c->probes[j].name,
                               td_probe_type_name(c->probes[i].type));
    }
    for (int t = TD_PROBE_POWER; t <= TD_PROBE_HOST; t++) {
        size_t i;
        for (i = 0; i < c->n_probes && c->probes[i].type != t; i++)
            ;
        if (i < c->n_probes)
            continue;
        td_probe_config *pc = &c->probes[c->n_probes++];
        memset(pc, 0, sizeof *pc);
        snprintf(pc->name, sizeof pc->name, "%s", s_type_names[t]);
        pc->type = t;
        pc->enabled = true;
        pc->interval = t == TD_PROBE_POWER ? 10 : 60;
    }
    return TD_OK;
}

const td_probe_config *td_agent_config_probe(const td_agent_config *cfg, int type)
{
    for (size_t i = 0; i < cfg->n_probes; i++)
        if (cfg->probes[i].type == type && cfg->probes[i].enabled)
            return &cfg->probes[i];
    return NULL;
}

td_err td_agent_config_load(const char *path, td_agent_config *out, td_errmsg *why)
{
    td_agent_config *c = calloc(1, sizeof *c);
    s_parse *p = calloc(1, sizeof *p);
    td_err err = TD_OK;
    td_errmsg inner;
    if (!c || !p) {
        free(c);
        free(p);
        return td_fail(why, TD_ENOMEM, "out of memory");
    }
    *c = (td_agent_config){
        .interval = 300, .outbox_max_mb = 256, .reconnect_max = 60, .delta_reports = true};
    p->cfg = c;
    int line = ini_parse(path, s_handler, p);
    const char *missing = !c->collector[0]     ? "collector"
                          : !c->credentials[0] ? "credentials"
                          : !c->status_file[0] ? "status_file"
                          : !c->state_dir[0]   ? "state_dir"
                                               : NULL;
    if (line < 0)
        err = td_fail(why, TD_EIO, "%s: cannot read the configuration", path);
    else if (line > 0)
        err = td_fail(why, TD_EINVAL, "%s:%d: %s", path, line,
                      p->error[0] ? p->error : "syntax error");
    else if (missing)
        err = td_fail(why, TD_EINVAL, "%s: [agent] %s is required", path, missing);
    else if ((err = s_finish_probes(c, p->seen, &inner)) != TD_OK)
        td_fail(why, err, "%s: %s", path, inner.text);
    if (err == TD_OK)
        *out = *c;
    free(c);
    free(p);
    return err;
}
