/* The probes' journal: a small text file in state_dir that the daemon rewrites atomically (a
 * temporary file, fsync, rename), so that a power cut leaves the old version or the new one.
 *   heartbeat 1764841234
 *   boot 1764800000
 *   clean no
 *   reconnects 2
 *   outage power 1764000000 1764000100
 *   outage link 1764000200 0            (0: still lasting)
 *   reading host disk_free_bytes 8.3886080000000000e+10 1764841230
 *   reading slow error 0 1764841236 timed out after 10 s      (the rest: the error) */
#include "probes.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void td_journal_fini(td_journal *j)
{
    for (size_t i = 0; i < j->n_readings; i++)
        free(j->readings[i].error);
    free(j->readings);
    free(j->outages);
    memset(j, 0, sizeof *j);
}

static td_err s_append(td_journal *j, const td_outage *o)
{
    if (j->n_outages == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 8;
        td_outage *grown = realloc(j->outages, cap * sizeof *grown);
        if (!grown)
            return TD_ENOMEM;
        j->outages = grown;
        j->cap = cap;
    }
    j->outages[j->n_outages++] = *o;
    return TD_OK;
}

/* Drops outages ended before keep_from, and the oldest of `kind` beyond the limit (less one,
 * to make room for one more). */
static void s_prune(td_journal *j, int kind, td_time keep_from)
{
    size_t of_kind = 0, kept = 0;
    for (size_t i = 0; i < j->n_outages; i++)
        of_kind += j->outages[i].kind == kind;
    for (size_t i = 0; i < j->n_outages; i++) {
        const td_outage *o = &j->outages[i];
        bool old = o->end && o->end < keep_from;
        bool surplus = o->kind == kind && of_kind >= TD_PROBES_MAX_OUTAGES;
        if (old || surplus) {
            of_kind -= o->kind == kind;
            continue;
        }
        j->outages[kept++] = *o;
    }
    j->n_outages = kept;
}

td_err td_journal_add_reading(td_journal *j, const td_reading *r)
{
    char *error = r->error ? strdup(r->error) : NULL;
    if (r->error && !error)
        return TD_ENOMEM;
    if (j->n_readings == j->rcap) {
        size_t cap = j->rcap ? j->rcap * 2 : 16;
        td_reading *grown = realloc(j->readings, cap * sizeof *grown);
        if (!grown) {
            free(error);
            return TD_ENOMEM;
        }
        j->readings = grown;
        j->rcap = cap;
    }
    j->readings[j->n_readings] = *r;
    j->readings[j->n_readings++].error = error;
    return TD_OK;
}

/* `reading PROBE NAME VALUE MEASURED_AT [ERROR]` */
static bool s_reading_line(const char *line, td_journal *j, td_err *err)
{
    td_reading r = {.error = NULL};
    long long at;
    int n = 0;
    if (sscanf(line, "reading %32s %64s %lf %lld%n", r.probe, r.name, &r.value, &at, &n) != 4)
        return false;
    char error[TD_TEXT_MAX];
    snprintf(error, sizeof error, "%s", line + n + (line[n] == ' '));
    error[strcspn(error, "\n")] = '\0';
    r.measured_at = at;
    r.error = error[0] ? error : NULL;
    if (td_reading_check(&r, NULL) != TD_OK)
        return false;
    *err = td_journal_add_reading(j, &r);
    return true;
}

td_err td_journal_add(td_journal *j, int kind, td_time start, td_time end, td_time keep_from)
{
    s_prune(j, kind, keep_from);
    td_outage o = {.kind = kind, .start = start, .end = end};
    return s_append(j, &o);
}

/* One line of the journal into j. False when it is not a journal line. */
static bool s_line(const char *line, td_journal *j, td_err *err)
{
    char word[16], kind[16], clean[8];
    long long a, b;
    unsigned long long u;
    int n = 0;
    if (line[0] == '#' || line[0] == '\n')
        return true;
    if (!strncmp(line, "reading ", 8))
        return s_reading_line(line, j, err);
    if (sscanf(line, "heartbeat %lld %n", &a, &n) == 1 && !line[n])
        j->heartbeat = a;
    else if (sscanf(line, "boot %lld %n", &a, &n) == 1 && !line[n])
        j->boot = a;
    else if (sscanf(line, "clean %7s %n", clean, &n) == 1 && !line[n] &&
             (!strcmp(clean, "yes") || !strcmp(clean, "no")))
        j->clean = !strcmp(clean, "yes");
    else if (sscanf(line, "reconnects %llu %n", &u, &n) == 1 && !line[n])
        j->reconnects = u;
    else if (sscanf(line, "%15s %15s %lld %lld %n", word, kind, &a, &b, &n) == 4 && !line[n] &&
             !strcmp(word, "outage")) {
        td_outage o = {.start = a, .end = b};
        if (td_outage_kind_parse(kind, &o.kind) != TD_OK || a <= 0 || (b && b < a))
            return false;
        *err = s_append(j, &o);
    } else {
        return false;
    }
    return true;
}

td_err td_journal_load(const char *path, td_journal *j, td_errmsg *why)
{
    memset(j, 0, sizeof *j);
    FILE *f = fopen(path, "re");
    if (!f && errno == ENOENT)
        return td_fail(why, TD_ENOTFOUND, "%s: no journal yet", path);
    if (!f)
        return td_fail(why, TD_EIO, "%s: %s", path, strerror(errno));
    char line[1024];
    td_err err = TD_OK;
    for (int no = 1; err == TD_OK && fgets(line, sizeof line, f); no++)
        if (!s_line(line, j, &err))
            err = td_fail(why, TD_EINVAL, "%s:%d: not a journal line", path, no);
    if (err == TD_OK && ferror(f))
        err = td_fail(why, TD_EIO, "%s: %s", path, strerror(errno));
    if (err == TD_ENOMEM)
        td_fail(why, err, "out of memory");
    fclose(f);
    if (err)
        td_journal_fini(j);
    return err;
}

static bool s_write(FILE *f, const td_journal *j)
{
    fprintf(f, "# tiendo-agent's probes journal, rewritten by the daemon; see tiendo-agent(8)\n");
    fprintf(f, "heartbeat %lld\nboot %lld\nclean %s\nreconnects %" PRIu64 "\n",
            (long long)j->heartbeat, (long long)j->boot, j->clean ? "yes" : "no", j->reconnects);
    for (size_t i = 0; i < j->n_outages; i++)
        fprintf(f, "outage %s %lld %lld\n", td_outage_kind_name(j->outages[i].kind),
                (long long)j->outages[i].start, (long long)j->outages[i].end);
    for (size_t i = 0; i < j->n_readings; i++) {
        const td_reading *r = &j->readings[i];
        fprintf(f, "reading %s %s %.17g %lld", r->probe, r->name, r->value,
                (long long)r->measured_at);
        if (r->error) {
            fputc(' ', f);
            for (const char *c = r->error; *c; c++)
                fputc(*c == '\n' ? ' ' : *c, f); /* one line each */
        }
        fputc('\n', f);
    }
    return fflush(f) == 0 && !ferror(f) && fsync(fileno(f)) == 0;
}

/* Makes the rename durable: fsync of the directory holding path. */
static int s_sync_dir(const char *path)
{
    char copy[4200];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

td_err td_journal_save(const char *path, const td_journal *j, td_errmsg *why)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return td_fail(why, TD_EIO, "%s: %s", tmp, strerror(errno));
    }
    bool written = s_write(f, j);
    int saved = errno;
    if (fclose(f) != 0 || !written) {
        unlink(tmp);
        return td_fail(why, TD_EIO, "%s: %s", tmp, strerror(written ? errno : saved));
    }
    if (rename(tmp, path) != 0 || s_sync_dir(path) != 0)
        return td_fail(why, TD_EIO, "%s: %s", path, strerror(errno));
    return TD_OK;
}
