/* tiendo report: figures in Vietnamese notation (dot between thousands, decimal comma) and the
 * Vietnamese labels of the collector's enum values. */
#include "report.h"

#include <stdarg.h>
#include <string.h>

#define S_NONE "–" /* an undefined figure: a rate of nothing, an absent date */

/* Digits of v grouped by three with dots, after an optional sign. */
static void s_group(char *out, size_t cap, const char *sign, unsigned long long v)
{
    char digits[32], grouped[48];
    int n = snprintf(digits, sizeof digits, "%llu", v);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            grouped[k++] = '.';
        grouped[k++] = digits[i];
    }
    grouped[k] = '\0';
    snprintf(out, cap, "%s%s", sign, grouped);
}

static unsigned long long s_abs(long long v)
{
    return v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
}

td_brief_num td_brief_fmt(const char *fmt, ...)
{
    td_brief_num n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n.s, sizeof n.s, fmt, ap);
    va_end(ap);
    return n;
}

td_brief_num td_brief_int(long long v)
{
    td_brief_num n;
    s_group(n.s, sizeof n.s, v < 0 ? "-" : "", s_abs(v));
    return n;
}

td_brief_num td_brief_signed(long long v)
{
    td_brief_num n;
    s_group(n.s, sizeof n.s, v < 0 ? "−" : v > 0 ? "+" : "", s_abs(v));
    return n;
}

td_brief_num td_brief_decimal(double x, const char *suffix)
{
    td_brief_num n;
    double tenths = (x < 0 ? -x : x) * 10.0 + 0.5;
    if (!(tenths < 9e17)) { /* also NaN */
        snprintf(n.s, sizeof n.s, "%s", S_NONE);
        return n;
    }
    unsigned long long t = (unsigned long long)tenths;
    char whole[48];
    s_group(whole, sizeof whole, x < 0 && t ? "-" : "", t / 10);
    snprintf(n.s, sizeof n.s, "%s,%llu%s", whole, t % 10, suffix);
    return n;
}

td_brief_num td_brief_pct(long long part, long long whole)
{
    if (whole == 0) {
        td_brief_num n;
        snprintf(n.s, sizeof n.s, "%s", S_NONE);
        return n;
    }
    return td_brief_decimal(100.0 * (double)part / (double)whole, "%");
}

td_brief_num td_brief_ratio(json_t *ratio)
{
    if (!json_is_number(ratio)) {
        td_brief_num n;
        snprintf(n.s, sizeof n.s, "%s", S_NONE);
        return n;
    }
    return td_brief_decimal(100.0 * json_number_value(ratio), "%");
}

td_brief_num td_brief_billions(long long vnd)
{
    return td_brief_decimal((double)vnd / 1e9, "");
}

td_brief_num td_brief_date(const char *iso)
{
    td_brief_num n;
    if (!iso || strlen(iso) < 10 || iso[4] != '-' || iso[7] != '-')
        snprintf(n.s, sizeof n.s, "%s", S_NONE);
    else
        snprintf(n.s, sizeof n.s, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    return n;
}

td_brief_num td_brief_instant(const char *iso)
{
    td_brief_num n = td_brief_date(iso);
    if (strcmp(n.s, S_NONE) && strlen(iso) >= 16 && iso[10] == 'T')
        snprintf(n.s + strlen(n.s), sizeof n.s - strlen(n.s), " %.5s", iso + 11);
    return n;
}

td_brief_num td_brief_day(td_day d)
{
    char iso[11];
    td_day_format(d, iso);
    return td_brief_date(d == TD_NODAY ? NULL : iso);
}

long long td_brief_get(json_t *doc, const char *key)
{
    return (long long)json_integer_value(json_object_get(doc, key));
}

const char *td_brief_str(json_t *doc, const char *key)
{
    const char *s = json_string_value(json_object_get(doc, key));
    return s ? s : "";
}

const char *td_brief_name(const td_brief *r, const char *code)
{
    const char *name = json_string_value(json_object_get(r->names, code));
    return name ? name : code;
}

typedef struct {
    const char *value, *label;
} s_label;

static const char *s_lookup(const s_label *t, size_t n, const char *value)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].value, value))
            return t[i].label;
    return value;
}

const char *td_brief_stage_label(const char *stage)
{
    static const s_label t[] = {
        {"not_started", "Chưa triển khai"},
        {"deploying", "Đang triển khai"},
        {"foundation_centralized", "Đã hoàn thành, tập trung thống nhất"},
    };
    return s_lookup(t, sizeof t / sizeof t[0], stage);
}

const char *td_brief_category_label(const char *category)
{
    static const s_label t[] = {
        {"funding", "Kinh phí"},
        {"procedures", "Thủ tục hành chính"},
        {"online_services", "Dịch vụ công trực tuyến"},
        {"infrastructure", "Hạ tầng"},
        {"data", "Dữ liệu"},
        {"staffing", "Nhân lực"},
        {"other", "Khác"},
    };
    return s_lookup(t, sizeof t / sizeof t[0], category);
}
