/* One run of an exec or ups probe: a child process in its own process group (so that a timeout
 * kills whatever it started), stdout and stderr on non-blocking pipes that the agent's loop
 * reads, and its output turned into readings. posix_spawn rather than fork: the agent holds an
 * LMDB environment and ZeroMQ threads, which a forked copy must not touch. */
#include "probes.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tiendo/log.h"

#define OUT_MAX (64 << 10) /* stdout kept; the rest is read and dropped */
#define READINGS_MAX 100   /* readings one run may give */
#define ERROR_TEXT_MAX 300 /* bytes of an error reading's text */

extern char **environ;

struct td_run {
    const td_probe_config *pc;
    pid_t pid;   /* 0 once reaped, or when it never started */
    int status;  /* waitpid's, once exited */
    bool exited; /* reaped */
    bool killed; /* killed at its timeout */
    int fd[2];   /* stdout, stderr read ends; -1 once closed */
    char *out;   /* stdout, NUL-terminated */
    size_t out_len;
    char err[160]; /* the start of stderr */
    size_t err_len;
    int64_t deadline_ms; /* monotonic */
    char failure[200];   /* why it could not start */
};

static int s_spawn_attr(posix_spawnattr_t *attr)
{
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(&dfl, sigs[i]);
    int rc = posix_spawnattr_init(attr);
    if (!rc)
        rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                POSIX_SPAWN_SETSIGDEF);
    if (!rc)
        rc = posix_spawnattr_setpgroup(attr, 0);
    if (!rc)
        rc = posix_spawnattr_setsigmask(attr, &none);
    if (!rc)
        rc = posix_spawnattr_setsigdefault(attr, &dfl);
    return rc;
}

/* Starts the command with stdin on /dev/null and stdout, stderr on out[1], err[1]. Returns 0 or
 * an errno value. */
static int s_spawn(td_run *self, int out_w, int err_w)
{
    const td_probe_config *pc = self->pc;
    char *sh[] = {"/bin/sh", "-c", (char *)pc->command, NULL};
    char *upsc[] = {"upsc", (char *)pc->ups, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc)
        return rc;
    rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2);
    if (!rc && !(rc = s_spawn_attr(&attr))) {
        if (pc->type == TD_PROBE_UPS)
            rc = posix_spawnp(&self->pid, "upsc", &fa, &attr, upsc, environ);
        else
            rc = posix_spawn(&self->pid, "/bin/sh", &fa, &attr, sh, environ);
        posix_spawnattr_destroy(&attr);
    }
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        self->pid = 0;
    return rc;
}

static int s_pipes(int out[2], int err[2])
{
    out[0] = out[1] = err[0] = err[1] = -1;
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
        return errno;
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    return 0;
}

td_err td_run_start(const td_probe_config *pc, td_run **out)
{
    td_run *self = calloc(1, sizeof *self);
    if (!self || !(self->out = malloc(OUT_MAX + 1))) {
        free(self);
        return TD_ENOMEM;
    }
    self->pc = pc;
    self->deadline_ms = td_probes_mono_ms() + (int64_t)pc->timeout * 1000;
    int po[2], pe[2];
    int rc = s_pipes(po, pe);
    if (!rc)
        rc = s_spawn(self, po[1], pe[1]);
    if (rc)
        snprintf(self->failure, sizeof self->failure, "cannot run %s: %s%s",
                 pc->type == TD_PROBE_UPS ? "upsc" : "/bin/sh", strerror(rc),
                 pc->type == TD_PROBE_UPS && rc == ENOENT ? " (install nut-client)" : "");
    int fds[] = {po[1], pe[1], rc ? po[0] : -1, rc ? pe[0] : -1};
    for (size_t i = 0; i < 4; i++)
        if (fds[i] >= 0)
            close(fds[i]); /* the write ends are the child's; the read ends, when it failed */
    self->fd[0] = rc ? -1 : po[0];
    self->fd[1] = rc ? -1 : pe[0];
    *out = self;
    return TD_OK;
}

/* Reads what is there on pipe i without blocking; closes it at end of file. */
static void s_drain(td_run *self, int i)
{
    char buf[4096];
    ssize_t n;
    if (self->fd[i] < 0)
        return;
    while ((n = read(self->fd[i], buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return;
            break;
        }
        char *dst = i == 0 ? self->out : self->err;
        size_t *len = i == 0 ? &self->out_len : &self->err_len;
        size_t cap = i == 0 ? OUT_MAX : sizeof self->err - 1;
        size_t take = (size_t)n < cap - *len ? (size_t)n : cap - *len;
        memcpy(dst + *len, buf, take);
        *len += take;
    }
    close(self->fd[i]);
    self->fd[i] = -1;
}

static void s_close_pipes(td_run *self)
{
    for (int i = 0; i < 2; i++)
        if (self->fd[i] >= 0) {
            close(self->fd[i]);
            self->fd[i] = -1;
        }
}

/* The first line of stderr as valid text: control and non-ASCII bytes become '?'. */
static const char *s_stderr_line(td_run *self)
{
    self->err[self->err_len] = '\0';
    char *nl = strchr(self->err, '\n');
    if (nl)
        *nl = '\0';
    for (char *c = self->err; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
    return self->err;
}

static td_err s_error_reading(td_run *self, td_time now, const char *why, td_reading **out,
                              size_t *n)
{
    td_reading *r = calloc(1, sizeof *r);
    const char *line = s_stderr_line(self);
    char text[ERROR_TEXT_MAX];
    snprintf(text, sizeof text, "%s%s%s", why, *line ? ": " : "", line);
    if (!r || !(r->error = strdup(text))) {
        free(r);
        return TD_ENOMEM;
    }
    snprintf(r->probe, sizeof r->probe, "%s", self->pc->name);
    snprintf(r->name, sizeof r->name, "error");
    r->measured_at = now;
    *out = r;
    *n = 1;
    return TD_OK;
}

/* Adds (or replaces, for a name given twice) reading `name`. False when the list is full. */
static bool s_add(td_reading *list, size_t *n, const char *probe, const char *name, double v,
                  td_time now)
{
    size_t i;
    for (i = 0; i < *n && strcmp(list[i].name, name) != 0; i++)
        ;
    if (i == READINGS_MAX)
        return false;
    memset(&list[i], 0, sizeof list[i]);
    snprintf(list[i].probe, sizeof list[i].probe, "%s", probe);
    snprintf(list[i].name, sizeof list[i].name, "%s", name);
    list[i].value = v;
    list[i].measured_at = now;
    *n += i == *n;
    return true;
}

static bool s_number(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* exec: `name value` lines. Returns the first bad line's number, or 0. */
static int s_parse_exec(td_run *self, td_time now, td_reading *list, size_t *n, bool *full)
{
    int bad = 0, no = 0;
    char *save = NULL;
    for (char *line = strtok_r(self->out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[TD_READING_NAME_MAX + 2], value[64], rest[2];
        double v;
        no++;
        int k = sscanf(line, "%65s %63s %1s", name, value, rest);
        if (k <= 0 || name[0] == '#')
            continue; /* blank or a comment */
        if (k != 2 || strlen(name) > TD_READING_NAME_MAX || !td_id_valid(name) ||
            !s_number(value, &v)) {
            bad = bad ? bad : no;
            continue;
        }
        if (!s_add(list, n, self->pc->name, name, v, now))
            *full = true;
    }
    return bad;
}

/* 1 when space-separated `text` holds `word`, else 0. */
static double s_has_word(const char *text, const char *word)
{
    size_t len = strlen(word);
    for (const char *p = text; (p = strstr(p, word)) != NULL; p += len)
        if ((p == text || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
            return 1;
    return 0;
}

/* ups: `key: value` lines from upsc; battery.charge, battery.runtime and ups.status (OB: on
 * battery). */
static void s_parse_ups(td_run *self, td_time now, td_reading *list, size_t *n)
{
    char *save = NULL;
    for (char *line = strtok_r(self->out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *sep = strstr(line, ": ");
        double v;
        if (!sep)
            continue;
        *sep = '\0';
        const char *value = sep + 2;
        if ((!strcmp(line, "battery.charge") || !strcmp(line, "battery.runtime")) &&
            s_number(value, &v))
            s_add(list, n, self->pc->name, line, v, now);
        else if (!strcmp(line, "ups.status"))
            s_add(list, n, self->pc->name, "on_battery", s_has_word(value, "OB"), now);
    }
}

/* The readings of a run that exited 0. */
static td_err s_parse(td_run *self, td_time now, td_reading **out, size_t *n)
{
    td_reading *list = calloc(READINGS_MAX, sizeof *list);
    size_t count = 0;
    bool full = false;
    int bad = 0;
    char why[120];
    if (!list)
        return TD_ENOMEM;
    self->out[self->out_len] = '\0';
    if (self->pc->type == TD_PROBE_UPS)
        s_parse_ups(self, now, list, &count);
    else
        bad = s_parse_exec(self, now, list, &count, &full);
    if (count == 0) {
        free(list);
        if (self->pc->type == TD_PROBE_UPS)
            snprintf(why, sizeof why,
                     "upsc printed no battery.charge, battery.runtime or ups.status");
        else if (bad)
            snprintf(why, sizeof why, "line %d is not \"name value\"", bad);
        else
            snprintf(why, sizeof why, "printed no readings");
        return s_error_reading(self, now, why, out, n);
    }
    if (full)
        td_log_warning("a probe printed more than 100 readings; the rest are ignored", "probe=%s",
                       self->pc->name);
    if (bad)
        td_log_warning("a probe printed lines that are not \"name value\"; they are ignored",
                       "probe=%s first=%d", self->pc->name, bad);
    *out = list;
    *n = count;
    return TD_OK;
}

static void s_why_failed(const td_run *self, char *why, size_t cap)
{
    if (self->failure[0])
        snprintf(why, cap, "%s", self->failure);
    else if (self->killed && !self->exited)
        snprintf(why, cap, "timed out after %d s", self->pc->timeout);
    else if (WIFEXITED(self->status) && WEXITSTATUS(self->status))
        snprintf(why, cap, "exited with status %d", WEXITSTATUS(self->status));
    else if (WIFSIGNALED(self->status))
        snprintf(why, cap, "killed by signal %d (%s)", WTERMSIG(self->status),
                 strsignal(WTERMSIG(self->status)));
    else
        why[0] = '\0';
}

bool td_run_poll(td_run *self, td_time now, td_reading **readings, size_t *n)
{
    s_drain(self, 0);
    s_drain(self, 1);
    bool over = self->failure[0] || (self->exited && self->fd[0] < 0 && self->fd[1] < 0);
    if (!over && td_probes_mono_ms() >= self->deadline_ms) {
        /* Also when it exited but left something holding its pipes open. */
        if (self->pid)
            kill(-self->pid, SIGKILL);
        self->killed = true;
        s_close_pipes(self);
        over = true;
    }
    if (!over)
        return false;
    char why[200];
    s_why_failed(self, why, sizeof why);
    td_err err =
        why[0] ? s_error_reading(self, now, why, readings, n) : s_parse(self, now, readings, n);
    if (err) {
        *readings = NULL;
        *n = 0;
    }
    return true;
}

pid_t td_run_pid(const td_run *self)
{
    return self->exited ? 0 : self->pid;
}

void td_run_exited(td_run *self, int status)
{
    self->status = status;
    self->exited = true;
}

void td_run_fds(const td_run *self, int fds[2])
{
    fds[0] = self->fd[0];
    fds[1] = self->fd[1];
}

void td_run_destroy(td_run **self_p)
{
    td_run *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    if (self->pid && !self->exited)
        kill(-self->pid, SIGKILL); /* reaped later by the probes' waitpid(-1) */
    s_close_pipes(self);
    free(self->out);
    free(self);
    *self_p = NULL;
}
