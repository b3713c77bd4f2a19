/* Dates and instants in Vietnam's calendar (UTC+7, no daylight saving).
 *
 * Plain integer arithmetic on the proleptic Gregorian calendar (Howard Hinnant's days_from_civil
 * and civil_from_days) rather than mktime/timegm: those read TZ and the C library's idea of the
 * local zone, and tiendo's dates must not depend on the host's settings. */
#include <stdint.h>
#include <string.h>

#include "tiendo/model.h"

#define S_DAY_S 86400
#define S_YEAR_MIN 1970
#define S_YEAR_MAX 9999
#define S_DAY_FORMAT_MIN (-719528) /* 0000-01-01: td_day_format's four-digit floor */
#define S_FRACTION_MAX 9           /* digits of a fraction of a second: nanoseconds */

struct s_civil {
    int64_t y;
    int m; /* 1..12 */
    int d; /* 1..31 */
};

static int64_t s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static struct s_civil s_civil_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    struct s_civil c;
    c.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    c.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    c.y = yoe + era * 400 + (c.m <= 2);
    return c;
}

static bool s_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int s_month_days(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && s_leap(y) ? 29 : days[m - 1];
}

/* Exactly n ASCII digits (isdigit would follow the locale). Stops at the first non-digit, so it
 * never reads past a NUL. */
static bool s_digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/* YYYY-MM-DD at p (not necessarily the end of the text), a real date in 1970..9999. */
static bool s_parse_date(const char *p, int64_t *days)
{
    int y, m, d;
    if (!s_digits(p, 4, &y) || p[4] != '-' || !s_digits(p + 5, 2, &m) || p[7] != '-' ||
        !s_digits(p + 8, 2, &d))
        return false;
    if (y < S_YEAR_MIN || y > S_YEAR_MAX || m < 1 || m > 12 || d < 1 || d > s_month_days(y, m))
        return false;
    *days = s_days_from_civil(y, m, d);
    return true;
}

bool td_day_valid(td_day day)
{
    return day > TD_NODAY && day <= TD_DAY_MAX;
}

td_err td_day_parse(const char *text, td_day *out)
{
    int64_t days;
    if (text == NULL || !s_parse_date(text, &days) || text[10] != '\0' ||
        !td_day_valid((td_day)days))
        return TD_EINVAL;
    *out = (td_day)days;
    return TD_OK;
}

/* Writes v as exactly `width` digits; callers keep v below 10^width. */
static char *s_put(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

void td_day_format(td_day day, char buf[11])
{
    int64_t d = day < S_DAY_FORMAT_MIN ? S_DAY_FORMAT_MIN : day > TD_DAY_MAX ? TD_DAY_MAX : day;
    struct s_civil c = s_civil_from_days(d);
    char *p = s_put(buf, c.y, 4);
    *p++ = '-';
    p = s_put(p, c.m, 2);
    *p++ = '-';
    p = s_put(p, c.d, 2);
    *p = '\0';
}

/* THH:MM[:SS][.fraction] at *p; the fraction needs seconds and is dropped (td_time is seconds). */
static bool s_parse_clock(const char **pp, int64_t *secs)
{
    const char *p = *pp;
    int h, m, s = 0;
    if (*p != 'T' || !s_digits(p + 1, 2, &h) || h > 23 || p[3] != ':' || !s_digits(p + 4, 2, &m) ||
        m > 59)
        return false;
    p += 6;
    if (*p == ':') {
        if (!s_digits(p + 1, 2, &s) || s > 59)
            return false;
        p += 3;
        if (*p == '.') {
            int n = 0;
            while (p[1 + n] >= '0' && p[1 + n] <= '9')
                n++;
            if (n < 1 || n > S_FRACTION_MAX)
                return false;
            p += 1 + n;
        }
    }
    *secs = (int64_t)h * 3600 + m * 60 + s;
    *pp = p;
    return true;
}

/* The zone at p, which must end the text: none (UTC+7), Z, or +HH:MM, -HH:MM, +HHMM, -HHMM. */
static bool s_parse_zone(const char *p, int64_t *offset)
{
    int h, m;
    if (*p == '\0') {
        *offset = TD_TZ_OFFSET_S;
        return true;
    }
    if (*p == 'Z') {
        *offset = 0;
        return p[1] == '\0';
    }
    if ((*p != '+' && *p != '-') || !s_digits(p + 1, 2, &h) || h > 23)
        return false;
    const char *mm = p[3] == ':' ? p + 4 : p + 3;
    if (!s_digits(mm, 2, &m) || m > 59 || mm[2] != '\0')
        return false;
    *offset = (*p == '-' ? -1 : 1) * ((int64_t)h * 3600 + m * 60);
    return true;
}

td_err td_time_parse(const char *text, td_time *out)
{
    int64_t days, secs, offset;
    if (text == NULL || !s_parse_date(text, &days))
        return TD_EINVAL;
    const char *p = text + 10;
    if (!s_parse_clock(&p, &secs) || !s_parse_zone(p, &offset))
        return TD_EINVAL;
    *out = days * S_DAY_S + secs - offset;
    return TD_OK;
}

/* The Vietnam day of t and the seconds since its midnight, without overflow at the extremes. */
static int64_t s_local_day(td_time t, int64_t *sod)
{
    int64_t day = t / S_DAY_S;
    int64_t rem = t % S_DAY_S;
    if (rem < 0) {
        day--;
        rem += S_DAY_S;
    }
    rem += TD_TZ_OFFSET_S;
    if (rem >= S_DAY_S) {
        day++;
        rem -= S_DAY_S;
    }
    if (sod != NULL)
        *sod = rem;
    return day;
}

td_day td_time_day(td_time t)
{
    int64_t day = s_local_day(t, NULL);
    if (day > INT32_MAX)
        return INT32_MAX;
    if (day < INT32_MIN)
        return INT32_MIN;
    return (td_day)day;
}

void td_time_format(td_time t, char buf[26])
{
    int64_t sod;
    s_local_day(t, &sod);
    td_day_format(td_time_day(t), buf);
    char *p = buf + 10;
    *p++ = 'T';
    p = s_put(p, sod / 3600, 2);
    *p++ = ':';
    p = s_put(p, sod / 60 % 60, 2);
    *p++ = ':';
    p = s_put(p, sod % 60, 2);
    memcpy(p, "+07:00", 7); /* TD_TZ_OFFSET_S: Vietnam keeps no daylight saving */
}

td_err td_when_parse(const char *text, td_time *out)
{
    td_day day;
    if (text != NULL && td_day_parse(text, &day) == TD_OK) {
        *out = (int64_t)day * S_DAY_S + S_DAY_S - 1 - TD_TZ_OFFSET_S;
        return TD_OK;
    }
    return td_time_parse(text, out);
}
