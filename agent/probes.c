/* The probes' state: outages (power, link) kept in the journal, the latest readings, and the
 * exec and ups commands in flight. See probes.h. */
#include "probes.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>

#include "tiendo/log.h"

#define MIB (1024.0 * 1024.0)
#define BOOT_JITTER_S 2 /* /proc/stat's btime may move by a second between reads */
#define RTT_WINDOW 5    /* link.rtt_ms is the least of the last round trips: queueing aside */

enum { LINK_UNKNOWN, LINK_UP, LINK_DOWN };

typedef struct {
    const td_probe_config *pc;
    td_run *run;     /* NULL between runs */
    int64_t next_ms; /* monotonic: when to start the next run */
} s_cmd;

struct td_probes {
    const td_agent_config *cfg;
    bool daemon;
    char path[4200]; /* the journal: the daemon's, or --once's readings */
    td_journal j;    /* also holds the latest readings */
    const td_probe_config *power, *link, *host; /* NULL when disabled */
    int link_state;
    int64_t started_ms; /* monotonic */
    td_time started_at;
    int64_t next_heartbeat_ms, next_host_ms;
    s_cmd cmds[TD_AGENT_PROBES_MAX];
    size_t n_cmds;
    bool changed;            /* since the last td_probes_fill */
    double rtts[RTT_WINDOW]; /* the last Hello round trips, ms */
    size_t n_rtts;
};

int64_t td_probes_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_save(td_probes *self)
{
    td_errmsg why;
    if (td_journal_save(self->path, &self->j, &why) != TD_OK)
        td_log_error("cannot write the probes' journal", "error=\"%s\"", why.text);
}

/* The system's boot time: TIENDO_TEST_BOOT_TIME (for tests only), else /proc/stat's btime. */
static td_time s_boot_time(void)
{
    const char *env = getenv("TIENDO_TEST_BOOT_TIME");
    long long t = 0;
    if (env && *env) {
        char *end;
        t = strtoll(env, &end, 10);
        return *end || t <= 0 ? 0 : (td_time)t;
    }
    FILE *f = fopen("/proc/stat", "re");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lld", &t) == 1)
            break;
    if (f)
        fclose(f);
    return (td_time)t;
}

/* After an unclean stop: a power cut when the system booted again since (the outage ran from
 * the last heartbeat to the boot); otherwise the agent crashed or was killed. */
static void s_power_check(td_probes *self, td_time boot, td_time now)
{
    const td_journal *j = &self->j;
    char a[26], b[26];
    if (!j->heartbeat || j->clean)
        return;
    td_time_format(j->heartbeat, a);
    if (!boot) {
        td_log_warning("the agent stopped without a clean exit, and the boot time is unknown: "
                       "a power cut cannot be told from a crash",
                       "last_heartbeat=%s", a);
        return;
    }
    if (llabs((long long)(boot - j->boot)) <= BOOT_JITTER_S) {
        td_log_warning("the agent stopped without a clean exit (crash or kill) while the system "
                       "kept running: not a power cut",
                       "last_heartbeat=%s", a);
        return;
    }
    td_time_format(boot, b);
    if (boot <= j->heartbeat) {
        td_log_warning("the system restarted, but its boot time is before the agent's last "
                       "heartbeat (clock set?): no power outage recorded",
                       "last_heartbeat=%s boot=%s", a, b);
        return;
    }
    if (td_journal_add(&self->j, TD_OUTAGE_POWER, j->heartbeat, boot, now - TD_PROBES_KEEP_S))
        return;
    self->changed = true;
    td_log_warning("power outage", "start=%s end=%s seconds=%lld", a, b,
                   (long long)(boot - j->heartbeat));
}

static td_outage *s_ongoing_link(td_probes *self)
{
    for (size_t i = self->j.n_outages; i-- > 0;)
        if (self->j.outages[i].kind == TD_OUTAGE_LINK && !self->j.outages[i].end)
            return &self->j.outages[i];
    return NULL;
}

static int s_find(const td_probes *self, const char *probe, const char *name)
{
    for (size_t i = 0; i < self->j.n_readings; i++)
        if (!strcmp(self->j.readings[i].probe, probe) && !strcmp(self->j.readings[i].name, name))
            return (int)i;
    return -1;
}

/* Sets a reading; its measured_at is when it took this value (and error). */
static void s_set(td_probes *self, const char *probe, const char *name, double value,
                  const char *error, td_time now)
{
    int i = s_find(self, probe, name);
    td_reading *r = i >= 0 ? &self->j.readings[i] : NULL;
    if (r && r->value == value && (r->error ? error && !strcmp(r->error, error) : !error))
        return;
    if (!r) {
        td_reading fresh = {.value = value, .error = (char *)error, .measured_at = now};
        snprintf(fresh.probe, sizeof fresh.probe, "%s", probe);
        snprintf(fresh.name, sizeof fresh.name, "%s", name);
        self->changed |= td_journal_add_reading(&self->j, &fresh) == TD_OK;
        return;
    }
    char *copy = error ? strdup(error) : NULL;
    if (error && !copy)
        return;
    td_log_debug("probe reading changed", "probe=%s name=%s from=%g to=%g", probe, name, r->value,
                 value);
    free(r->error);
    r->error = copy;
    r->value = value;
    r->measured_at = now;
    self->changed = true;
}

/* A measurement rounded to quantum q, which changes the reading only once it moved from it by
 * q or more and by the fraction `rel` of it, so that jitter does not make every report differ. */
static void s_measure(td_probes *self, const char *probe, const char *name, double raw, double q,
                      double rel, td_time now)
{
    int i = s_find(self, probe, name);
    if (i >= 0 && !self->j.readings[i].error) {
        double moved = fabs(raw - self->j.readings[i].value);
        if (moved < q || moved < rel * fabs(self->j.readings[i].value))
            return;
    }
    s_set(self, probe, name, round(raw / q) * q + 0.0, NULL, now); /* + 0.0: no -0 */
}

/* Replaces the readings of `probe` with fresh (whose error strings it frees). */
static void s_replace(td_probes *self, const char *probe, td_reading *fresh, size_t n, td_time now)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->j.n_readings; i++) {
        td_reading *r = &self->j.readings[i];
        bool stays = strcmp(r->probe, probe) != 0;
        for (size_t k = 0; !stays && k < n; k++)
            stays = !strcmp(fresh[k].name, r->name);
        if (stays) {
            self->j.readings[kept++] = *r;
        } else {
            free(r->error);
            self->changed = true;
        }
    }
    self->j.n_readings = kept;
    for (size_t k = 0; k < n; k++) {
        s_set(self, probe, fresh[k].name, fresh[k].value, fresh[k].error, now);
        free(fresh[k].error);
    }
}

static void s_link_init(td_probes *self, td_time now)
{
    td_outage *o = s_ongoing_link(self);
    if (self->link) {
        /* Still down when the agent stopped: it lasts until the next handshake. */
        self->link_state = o ? LINK_DOWN : LINK_UNKNOWN;
        s_set(self, self->link->name, "reconnects", (double)self->j.reconnects, NULL, now);
    } else if (o) {
        o->end = self->j.heartbeat > o->start ? self->j.heartbeat : o->start;
    }
}

static void s_init_daemon(td_probes *self, td_time now)
{
    td_time boot = s_boot_time();
    if (self->power)
        s_power_check(self, boot, now);
    self->j.boot = boot;
    self->j.clean = false;
    self->j.heartbeat = now;
    s_link_init(self, now);
    s_save(self);
}

/* Reads a journal; a missing one is empty, an unreadable one is logged and ignored. */
static void s_load(const char *path, td_journal *j)
{
    td_errmsg why;
    td_err err = td_journal_load(path, j, &why);
    if (err && err != TD_ENOTFOUND)
        td_log_warning("ignoring the probes' journal", "error=\"%s\"", why.text);
}

/* True when readings of probe `name` are still measured: a probe no longer configured, or not
 * watched in this mode (link with --once), leaves none behind. */
static bool s_measured(const td_probes *self, const char *name)
{
    for (size_t i = 0; i < self->cfg->n_probes; i++) {
        const td_probe_config *pc = &self->cfg->probes[i];
        if (pc->enabled && !strcmp(pc->name, name))
            return pc->type == TD_PROBE_LINK ? self->link != NULL : pc->type != TD_PROBE_POWER;
    }
    return false;
}

/* Loads the outages (the daemon's journal) and the readings last reported: the daemon's own,
 * or --once's from its file. */
static void s_load_all(td_probes *self)
{
    s_load(self->path, &self->j);
    if (!self->daemon) {
        td_journal once = {0};
        snprintf(self->path, sizeof self->path, "%s/probes-once.journal", self->cfg->state_dir);
        s_load(self->path, &once);
        td_reading *daemons = self->j.readings;
        size_t n = self->j.n_readings;
        self->j.readings = once.readings;
        self->j.n_readings = once.n_readings;
        self->j.rcap = once.rcap;
        once.readings = daemons;
        once.n_readings = n;
        td_journal_fini(&once);
    }
    size_t kept = 0;
    for (size_t i = 0; i < self->j.n_readings; i++) {
        td_reading *r = &self->j.readings[i];
        if (s_measured(self, r->probe))
            self->j.readings[kept++] = *r;
        else
            free(r->error);
    }
    self->j.n_readings = kept;
}

td_err td_probes_new(const td_agent_config *cfg, bool once, td_probes **out, td_errmsg *why)
{
    td_probes *self = calloc(1, sizeof *self);
    if (!self)
        return td_fail(why, TD_ENOMEM, "out of memory");
    self->cfg = cfg;
    self->daemon = !once;
    snprintf(self->path, sizeof self->path, "%s/probes.journal", cfg->state_dir);
    self->power = td_agent_config_probe(cfg, TD_PROBE_POWER);
    self->link = once ? NULL : td_agent_config_probe(cfg, TD_PROBE_LINK);
    self->host = td_agent_config_probe(cfg, TD_PROBE_HOST);
    for (size_t i = 0; i < cfg->n_probes; i++) {
        const td_probe_config *pc = &cfg->probes[i];
        if (pc->enabled && (pc->type == TD_PROBE_EXEC || pc->type == TD_PROBE_UPS))
            self->cmds[self->n_cmds++] = (s_cmd){.pc = pc};
    }
    self->started_ms = td_probes_mono_ms();
    self->started_at = time(NULL);
    s_load_all(self);
    if (self->daemon)
        s_init_daemon(self, self->started_at);
    self->changed = true;
    *out = self;
    return TD_OK;
}

void td_probes_destroy(td_probes **self_p)
{
    td_probes *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    for (size_t i = 0; i < self->n_cmds; i++)
        td_run_destroy(&self->cmds[i].run);
    if (self->daemon) {
        self->j.heartbeat = time(NULL);
        self->j.clean = true;
        s_save(self);
    } else { /* --once keeps only its readings, in its own file */
        td_journal once = {.readings = self->j.readings, .n_readings = self->j.n_readings};
        td_errmsg why;
        if (td_journal_save(self->path, &once, &why) != TD_OK)
            td_log_warning("cannot keep the probes' readings", "error=\"%s\"", why.text);
    }
    td_journal_fini(&self->j);
    free(self);
    *self_p = NULL;
}

void td_probes_link(td_probes *self, bool up)
{
    td_time now = time(NULL);
    char at[26];
    if (!self->link || (self->link_state == LINK_UP) == up)
        return;
    td_time_format(now, at);
    if (up) {
        td_outage *o = s_ongoing_link(self);
        if (o) {
            o->end = now >= o->start ? now : o->start;
            self->j.reconnects++;
            s_set(self, self->link->name, "reconnects", (double)self->j.reconnects, NULL, now);
            td_log_info("link to the collector up again", "at=%s down_s=%lld", at,
                        (long long)(o->end - o->start));
        }
        self->link_state = LINK_UP;
    } else if (self->link_state == LINK_UP) {
        if (td_journal_add(&self->j, TD_OUTAGE_LINK, now, 0, now - TD_PROBES_KEEP_S))
            return;
        self->link_state = LINK_DOWN;
        td_log_warning("link to the collector lost", "at=%s", at);
    } else {
        return; /* not connected yet: the grace period decides */
    }
    self->changed = true;
    s_save(self);
}

void td_probes_hello_reply(td_probes *self, double rtt_ms, double clock_offset_s)
{
    td_time now = time(NULL);
    self->rtts[self->n_rtts++ % RTT_WINDOW] = rtt_ms;
    double least = rtt_ms;
    for (size_t i = 0; i < RTT_WINDOW && i < self->n_rtts; i++)
        least = self->rtts[i] < least ? self->rtts[i] : least;
    if (self->host)
        s_measure(self, self->host->name, "clock_offset_s", clock_offset_s, 1, 0, now);
    if (self->link)
        s_measure(self, self->link->name, "rtt_ms", least, 10, 0.25, now);
}

/* The outbox depth rounded down to a power of two (0, 1, 2, 4, ...). While the link is down, a
 * report queued because the depth changed adds one to it: an exact figure would queue a report
 * per sample, this one a report per doubling. */
static double s_depth_bucket(size_t depth)
{
    size_t b = 1;
    if (!depth)
        return 0;
    while (b <= depth / 2)
        b *= 2;
    return (double)b;
}

static void s_sample_host(td_probes *self, td_outbox *outbox, td_time now)
{
    struct statvfs st;
    const char *name = self->host->name;
    if (statvfs(self->cfg->state_dir, &st) == 0)
        s_measure(self, name, "disk_free_bytes", (double)st.f_bavail * (double)st.f_frsize, MIB,
                  0.01, now);
    else
        td_log_warning("cannot measure free disk space", "dir=\"%s\" error=\"%s\"",
                       self->cfg->state_dir, strerror(errno));
    s_set(self, name, "outbox_depth", s_depth_bucket(td_outbox_depth(outbox)), NULL, now);
}

/* Gives each finished child's status to its run; children of runs already ended (killed at
 * their timeout) are reaped and forgotten. */
static void s_reap(td_probes *self)
{
    pid_t pid;
    int status;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (size_t i = 0; i < self->n_cmds; i++)
            if (self->cmds[i].run && td_run_pid(self->cmds[i].run) == pid)
                td_run_exited(self->cmds[i].run, status);
}

/* Starts the commands that are due and collects those that are over. */
static void s_commands(td_probes *self, int64_t mono, td_time now)
{
    s_reap(self);
    for (size_t i = 0; i < self->n_cmds; i++) {
        s_cmd *c = &self->cmds[i];
        td_reading *fresh;
        size_t n;
        if (c->run && td_run_poll(c->run, now, &fresh, &n)) {
            td_run_destroy(&c->run);
            s_replace(self, c->pc->name, fresh, n, now);
            free(fresh);
        } else if (!c->run && mono >= c->next_ms) {
            if (td_run_start(c->pc, &c->run) != TD_OK)
                td_log_error("cannot start a probe", "probe=%s error=\"out of memory\"",
                             c->pc->name);
            c->next_ms = mono + (int64_t)c->pc->interval * 1000;
        }
    }
}

void td_probes_tick(td_probes *self, td_outbox *outbox)
{
    int64_t mono = td_probes_mono_ms();
    td_time now = time(NULL);
    if (self->link_state == LINK_UNKNOWN && self->link &&
        mono - self->started_ms >= TD_PROBES_LINK_GRACE_MS &&
        td_journal_add(&self->j, TD_OUTAGE_LINK, self->started_at, 0, now - TD_PROBES_KEEP_S) ==
            TD_OK) {
        self->link_state = LINK_DOWN;
        self->changed = true;
        td_log_warning("no connection to the collector since the agent started", NULL);
        s_save(self);
    }
    if (self->power && mono >= self->next_heartbeat_ms) {
        self->j.heartbeat = now;
        s_save(self);
        self->next_heartbeat_ms = mono + (int64_t)self->power->interval * 1000;
    }
    if (self->host && mono >= self->next_host_ms) {
        s_sample_host(self, outbox, now);
        self->next_host_ms = mono + (int64_t)self->host->interval * 1000;
    }
    s_commands(self, mono, now);
}

size_t td_probes_fds(const td_probes *self, int *fds, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < self->n_cmds; i++) {
        int two[2];
        if (!self->cmds[i].run)
            continue;
        td_run_fds(self->cmds[i].run, two);
        for (int k = 0; k < 2; k++)
            if (two[k] >= 0 && n < cap)
                fds[n++] = two[k];
    }
    return n;
}

void td_probes_run_once(td_probes *self, td_outbox *outbox)
{
    int64_t mono = td_probes_mono_ms();
    if (self->host)
        s_sample_host(self, outbox, time(NULL));
    for (size_t i = 0; i < self->n_cmds; i++)
        self->cmds[i].next_ms = mono;
    s_commands(self, mono, time(NULL));
    for (size_t i = 0; i < self->n_cmds; i++)
        self->cmds[i].next_ms = INT64_MAX; /* once each */
    for (;;) {
        struct pollfd pfd[2 * TD_AGENT_PROBES_MAX];
        int fds[2 * TD_AGENT_PROBES_MAX];
        size_t n = td_probes_fds(self, fds, 2 * TD_AGENT_PROBES_MAX), running = 0;
        for (size_t i = 0; i < self->n_cmds; i++)
            running += self->cmds[i].run != NULL;
        if (!running)
            break;
        for (size_t i = 0; i < n; i++)
            pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        poll(pfd, n, 100); /* output, or time to check for exits and timeouts */
        s_commands(self, td_probes_mono_ms(), time(NULL));
    }
}

bool td_probes_changed(const td_probes *self)
{
    return self->changed;
}

static td_err s_copy_readings(const td_probes *self, td_report *r)
{
    const td_journal *j = &self->j;
    if (!j->n_readings)
        return TD_OK;
    r->readings = calloc(j->n_readings, sizeof *r->readings);
    if (!r->readings)
        return TD_ENOMEM;
    for (size_t i = 0; i < j->n_readings; i++) {
        r->readings[i] = j->readings[i];
        r->readings[i].error = NULL;
        r->n_readings = i + 1;
        if (j->readings[i].error && !(r->readings[i].error = strdup(j->readings[i].error)))
            return TD_ENOMEM;
    }
    return TD_OK;
}

td_err td_probes_fill(td_probes *self, td_report *r)
{
    td_time keep_from = time(NULL) - TD_PROBES_KEEP_S;
    if (self->j.n_outages && !(r->outages = calloc(self->j.n_outages, sizeof *r->outages)))
        return TD_ENOMEM;
    for (size_t i = 0; i < self->j.n_outages; i++)
        if (!self->j.outages[i].end || self->j.outages[i].end >= keep_from)
            r->outages[r->n_outages++] = self->j.outages[i];
    td_err err = s_copy_readings(self, r);
    if (err) {
        for (size_t i = 0; i < r->n_readings; i++)
            free(r->readings[i].error);
        free(r->readings);
        free(r->outages);
        r->readings = NULL;
        r->outages = NULL;
        r->n_readings = r->n_outages = 0;
        return err;
    }
    self->changed = false;
    return TD_OK;
}
