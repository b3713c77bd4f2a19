/* Logging: one line per event, `level=info msg="..." key=value ...`, to stderr. */
#ifndef TIENDO_LOG_H
#define TIENDO_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum { TD_LOG_ERROR = 0, TD_LOG_WARNING, TD_LOG_INFO, TD_LOG_DEBUG } td_log_level;

/* Messages above this level are dropped. Default TD_LOG_INFO. */
void td_log_set_level(int level);
int td_log_level_get(void);
/* Parses error|warning|info|debug. Returns -1 for an unknown name. */
int td_log_level_parse(const char *name);
/* Sets the program name written as prog=NAME on each line (NULL for none). */
void td_log_set_program(const char *prog);
/* "stderr" (the default; journald keeps it under systemd) or "syslog" (syslog(3), facility
 * daemon, the program's name as ident). Returns -1 for another name. */
int td_log_set_output(const char *output);

/* Writes one line: level, msg (quoted), then the caller's key=value text from fmt (may be NULL).
 * Callers quote values that may hold spaces with %s inside \"...\" or use td_log_quote. Never pass
 * secrets. Control characters in the text are escaped, so a line stays one line. Thread-safe.
 * Rate limit: at most 5 lines per (level, msg) in 10 s; the rest of the window is counted and
 * reported as one line with suppressed=N (same level and msg) by the first td_log call after the
 * window ends, or by td_log_flush. msg strings are told apart by their first 95 bytes. */
void td_log(int level, const char *msg, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes value as a quoted logfmt value ("say \"hi\"\n" with quotes, backslashes and control
 * characters escaped) into buf of cap bytes, cut short when it does not fit; returns buf, for use
 * as a %s argument of td_log. */
const char *td_log_quote(const char *value, char *buf, size_t cap);

/* Writes the pending suppressed=N lines now and forgets the rate-limit windows. Programs call it
 * before they exit. */
void td_log_flush(void);

/* For tests: the monotonic clock, in milliseconds, that the rate limit reads (NULL restores the
 * real one). */
void td_log_set_clock(int64_t (*now_ms)(void));

#define td_log_error(msg, ...) td_log(TD_LOG_ERROR, msg, __VA_ARGS__)
#define td_log_warning(msg, ...) td_log(TD_LOG_WARNING, msg, __VA_ARGS__)
#define td_log_info(msg, ...) td_log(TD_LOG_INFO, msg, __VA_ARGS__)
#define td_log_debug(msg, ...) td_log(TD_LOG_DEBUG, msg, __VA_ARGS__)

#endif
