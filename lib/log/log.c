/* One logfmt line per event on stderr, rate limited per message. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include "tiendo/log.h"

#define S_LINE_MAX 4096 /* longer lines are cut: one write(2) per line keeps lines whole */
#define S_BURST 5       /* lines per (level, msg) in a window */
#define S_WINDOW_MS 10000
#define S_SLOTS 64   /* distinct (level, msg) pairs tracked at once */
#define S_KEY_MAX 96 /* bytes of msg kept as the key, NUL included */
#define S_PROG_MAX 64

/* A rate-limit window of one (level, msg). */
struct s_slot {
    bool used;
    int level;
    char msg[S_KEY_MAX];
    int64_t start_ms;         /* when the window opened */
    unsigned sent;            /* lines written in the window */
    unsigned long suppressed; /* lines dropped in the window */
};

struct s_line {
    char buf[S_LINE_MAX];
    size_t len; /* at most S_LINE_MAX - 2: room for the newline and a NUL */
};

static const char *const s_levels[] = {"error", "warning", "info", "debug"};

static int64_t s_monotonic_ms(void);

/* The level is read on every call, locked or not, so it is atomic; the rest is under s_lock. */
static atomic_int s_level = TD_LOG_INFO;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static char s_prog[S_PROG_MAX];
static struct s_slot s_slots[S_SLOTS];
static int64_t (*s_clock)(void) = s_monotonic_ms;

static int64_t s_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void td_log_set_level(int level)
{
    if (level < TD_LOG_ERROR)
        level = TD_LOG_ERROR;
    if (level > TD_LOG_DEBUG)
        level = TD_LOG_DEBUG;
    atomic_store(&s_level, level);
}

int td_log_level_get(void)
{
    return atomic_load(&s_level);
}

int td_log_level_parse(const char *name)
{
    for (int i = 0; name != NULL && i <= TD_LOG_DEBUG; i++) {
        if (strcmp(name, s_levels[i]) == 0)
            return i;
    }
    return -1;
}

void td_log_set_program(const char *prog)
{
    pthread_mutex_lock(&s_lock);
    snprintf(s_prog, sizeof s_prog, "%s", prog == NULL ? "" : prog);
    pthread_mutex_unlock(&s_lock);
}

void td_log_set_clock(int64_t (*now_ms)(void))
{
    pthread_mutex_lock(&s_lock);
    s_clock = now_ms == NULL ? s_monotonic_ms : now_ms;
    pthread_mutex_unlock(&s_lock);
}

/* Escapes src into dst (cap bytes, NUL included) and returns the length written. An escape is
 * written whole or not at all. Quotes and backslashes are escaped only inside quoted values. */
static size_t s_escape(char *dst, size_t cap, const char *src, bool quoted)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)src; *p != '\0'; p++) {
        char e[5] = {(char)*p, 0};
        if (*p == '\n' || *p == '\r' || *p == '\t')
            e[0] = '\\', e[1] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
        else if (quoted && (*p == '"' || *p == '\\'))
            e[0] = '\\', e[1] = (char)*p;
        else if (*p < 0x20 || *p == 0x7F)
            e[0] = '\\', e[1] = 'x', e[2] = hex[*p >> 4], e[3] = hex[*p & 0xF];
        size_t n = strlen(e);
        if (o + n + 1 > cap)
            break;
        memcpy(dst + o, e, n);
        o += n;
    }
    if (cap > 0)
        dst[o] = '\0';
    return o;
}

const char *td_log_quote(const char *value, char *buf, size_t cap)
{
    if (cap < 3) {
        if (cap > 0)
            buf[0] = '\0';
        return buf;
    }
    size_t n = s_escape(buf + 1, cap - 2, value == NULL ? "" : value, true);
    buf[0] = '"';
    buf[n + 1] = '"';
    buf[n + 2] = '\0';
    return buf;
}

static void s_add(struct s_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_add(struct s_line *l, const char *fmt, ...)
{
    size_t room = S_LINE_MAX - 1 - l->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < room ? (size_t)n : room - 1;
}

static void s_add_escaped(struct s_line *l, const char *src, bool quoted)
{
    l->len += s_escape(l->buf + l->len, S_LINE_MAX - 1 - l->len, src, quoted);
}

static bool s_syslog; /* lines go to syslog(3) instead of stderr */

/* Writes the whole line, retrying short writes; a failing stderr has nowhere to be reported. */
static void s_write(int level, const char *buf, size_t len)
{
    if (s_syslog) {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[level], "%.*s", (int)(len && buf[len - 1] == '\n' ? len - 1 : len), buf);
        return;
    }
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

/* Formats and writes one line; called with s_lock held so that s_prog is stable. */
static void s_emit(int level, const char *msg, const char *fields)
{
    struct s_line l = {.len = 0};
    struct timespec ts;
    struct tm tm;
    char date[24];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    s_add(&l, "ts=%s.%03dZ level=%s", date, (int)(ts.tv_nsec / 1000000), s_levels[level]);
    if (s_prog[0] != '\0')
        s_add(&l, " prog=%s", s_prog);
    s_add(&l, " msg=\"");
    s_add_escaped(&l, msg == NULL ? "" : msg, true);
    s_add(&l, "\"");
    if (fields != NULL && fields[0] != '\0') {
        s_add(&l, " ");
        s_add_escaped(&l, fields, false);
    }
    l.buf[l.len++] = '\n';
    s_write(level, l.buf, l.len);
}

static void s_report(struct s_slot *slot)
{
    char fields[48];
    if (slot->suppressed > 0) {
        snprintf(fields, sizeof fields, "suppressed=%lu", slot->suppressed);
        s_emit(slot->level, slot->msg, fields);
    }
    slot->used = false;
}

/* Closes the windows that ended by now, reporting what they dropped. */
static void s_expire(int64_t now)
{
    for (size_t i = 0; i < S_SLOTS; i++) {
        if (s_slots[i].used && now - s_slots[i].start_ms >= S_WINDOW_MS)
            s_report(&s_slots[i]);
    }
}

/* The open window of (level, msg), else a new one; when every slot is taken, the oldest window
 * closes early. */
static struct s_slot *s_slot_for(int level, const char *msg, int64_t now)
{
    struct s_slot *free_slot = NULL, *oldest = &s_slots[0];
    for (size_t i = 0; i < S_SLOTS; i++) {
        struct s_slot *s = &s_slots[i];
        if (!s->used) {
            free_slot = free_slot ? free_slot : s;
            continue;
        }
        if (s->level == level && strncmp(s->msg, msg, S_KEY_MAX - 1) == 0)
            return s;
        if (s->start_ms < oldest->start_ms)
            oldest = s;
    }
    if (free_slot == NULL) {
        s_report(oldest);
        free_slot = oldest;
    }
    *free_slot = (struct s_slot){.used = true, .level = level, .start_ms = now};
    snprintf(free_slot->msg, sizeof free_slot->msg, "%s", msg);
    return free_slot;
}

void td_log(int level, const char *msg, const char *fmt, ...)
{
    char fields[S_LINE_MAX] = "";
    if (level < TD_LOG_ERROR)
        level = TD_LOG_ERROR;
    if (level > atomic_load(&s_level))
        return;
    if (msg == NULL)
        msg = "";
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(fields, sizeof fields, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_lock(&s_lock);
    int64_t now = s_clock();
    s_expire(now);
    struct s_slot *slot = s_slot_for(level, msg, now);
    if (slot->sent < S_BURST) {
        slot->sent++;
        s_emit(level, msg, fields);
    } else {
        slot->suppressed++;
    }
    pthread_mutex_unlock(&s_lock);
}

void td_log_flush(void)
{
    pthread_mutex_lock(&s_lock);
    for (size_t i = 0; i < S_SLOTS; i++) {
        if (s_slots[i].used)
            s_report(&s_slots[i]);
    }
    pthread_mutex_unlock(&s_lock);
}

int td_log_set_output(const char *output)
{
    if (!strcmp(output, "stderr")) {
        s_syslog = false;
        return 0;
    }
    if (strcmp(output, "syslog"))
        return -1;
    pthread_mutex_lock(&s_lock);
    openlog(s_prog[0] ? s_prog : "tiendo", LOG_PID, LOG_DAEMON);
    s_syslog = true;
    pthread_mutex_unlock(&s_lock);
    return 0;
}
