/* Status sections for the generated snapshots. Every value is a function of (seed, salt, agency,
 * k) alone, where k is a field or item number for what an agency keeps (sizes, plans) and the date
 * index for what moves: counts grow by a step drawn at each date, dates of a plan are compared
 * with the snapshot's day. So a value never regresses, invariants are kept by construction (a
 * part is a share of, or capped at, its whole), and the draws of the task generator are untouched.
 * Some agencies start a section only at the second date, and some leave a section out of a later
 * snapshot: the value of the earlier one must then stand. */
#include "sections.h"

#include "generate.h"

#include <limits.h>

#define GOLDEN 0x9e3779b97f4a7c15ULL
#define NEVER INT32_MAX
#define MILLION 1000000LL
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define DB_MAX 4       /* databases of one central agency */
#define OBSTACLE_MAX 3 /* obstacles of one agency */

typedef struct {
    const char *code;
    const char *name;
} topic_row;

/* National databases central agencies build; the same id may be built by two agencies, since
 * ids are unique within an agency only. */
static const topic_row TOPICS[] = {
    {"DATDAI", "Cơ sở dữ liệu quốc gia về đất đai"},
    {"DANCU", "Cơ sở dữ liệu quốc gia về dân cư"},
    {"BAOHIEM", "Cơ sở dữ liệu quốc gia về bảo hiểm"},
    {"DOANHNGHIEP", "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp"},
    {"TAICHINH", "Cơ sở dữ liệu quốc gia về tài chính"},
    {"YTE", "Cơ sở dữ liệu y tế, hồ sơ sức khỏe điện tử"},
    {"GIAODUC", "Cơ sở dữ liệu ngành giáo dục và đào tạo"},
    {"CANBO", "Cơ sở dữ liệu quốc gia về cán bộ, công chức, viên chức"},
    {"VANBAN", "Cơ sở dữ liệu quốc gia về văn bản pháp luật"},
    {"HOTICH", "Cơ sở dữ liệu hộ tịch điện tử toàn quốc"},
    {"GIAOTHONG", "Cơ sở dữ liệu về phương tiện và người điều khiển giao thông"},
    {"NONGNGHIEP", "Cơ sở dữ liệu nông nghiệp, thủy sản"},
    {"VIECLAM", "Cơ sở dữ liệu về việc làm, lao động"},
    {"KHCN", "Cơ sở dữ liệu quốc gia về khoa học và công nghệ"},
};

static const char *const STAGES[] = {"not_started", "deploying", "foundation_centralized"};

/* Obstacle categories, each with the description its obstacles carry. */
static const char *const CATEGORIES[] = {
    "funding", "procedures", "online_services", "infrastructure", "data", "staffing", "other"};
static const char *const OBSTACLE_TEXT[] = {
    "Chưa được bố trí kinh phí thực hiện năm 2025",
    "Thủ tục đầu tư dự án công nghệ thông tin kéo dài",
    "Hệ thống chưa kết nối được với \"Cổng Dịch vụ công quốc gia\"",
    "Thiếu máy tính, thiết bị đầu cuối;\nmột số thôn chưa có sóng di động",
    "Dữ liệu chưa được làm sạch, chưa đồng bộ với CSDL dân cư",
    "Thiếu cán bộ chuyên trách chuyển đổi số",
    "Vướng mắc khác:\tchờ hướng dẫn của bộ, ngành",
};

enum {
    SALT_INFRA_WHO = 101,
    SALT_INFRA_FIRST,
    SALT_INFRA_OMIT,
    SALT_INFRA_BASE,
    SALT_TERMINALS,
    SALT_SIGNAL,
    SALT_POWER,
    SALT_SERV_FIRST,
    SALT_SERV_OMIT,
    SALT_SERV_BASE,
    SALT_ANNOUNCED,
    SALT_ONLINE,
    SALT_FILES,
    SALT_FULL,
    SALT_RECORDS,
    SALT_DIGITIZED,
    SALT_FUND_WHO,
    SALT_FUND_FIRST,
    SALT_FUND_OMIT,
    SALT_FUND_BASE,
    SALT_REQUESTED,
    SALT_ALLOCATED,
    SALT_DISBURSED,
    SALT_DB_BASE,
    SALT_DB_PLAN,
    SALT_DB_OMIT,
    SALT_OB_WHO,
    SALT_OB_PLAN,
    SALT_OB_OMIT,
};

typedef struct {
    int32_t listed;   /* first day it appears in the agency's files */
    int32_t deployed; /* stage "deploying" from this day (databases) */
    int32_t done;     /* "foundation_centralized", or the day resolved (obstacles); NEVER */
    int kind;         /* topic (databases) or category (obstacles) */
} s_plan;

static uint64_t s_draw(const sim_section_at *a, int salt, int k)
{
    uint64_t h = sim_mix(a->seed ^ sim_mix((uint64_t)salt * GOLDEN));
    return sim_mix(sim_mix(h + (uint64_t)a->index) + (uint64_t)k);
}

/* A value in lo..hi fixed by (salt, k). */
static int64_t s_in(const sim_section_at *a, int salt, int k, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(s_draw(a, salt, k) % (uint64_t)(hi - lo + 1));
}

static bool s_chance(const sim_section_at *a, int salt, int pct)
{
    return s_in(a, salt, 0, 0, 99) < pct;
}

/* The sum of a step in lo..hi drawn at each date up to this one: grows with every date when
 * lo > 0, never shrinks. */
static int64_t s_grown(const sim_section_at *a, int salt, int64_t lo, int64_t hi)
{
    int64_t sum = 0;
    for (int d = 0; d <= a->date; d++)
        sum += s_in(a, salt, d, lo, hi);
    return sum;
}

static int64_t s_min(int64_t x, int64_t y)
{
    return x < y ? x : y;
}

static int64_t s_max(int64_t x, int64_t y)
{
    return x > y ? x : y;
}

static int32_t s_today(const sim_section_at *a)
{
    return a->dates[a->date];
}

/* Whether a section is in this date's file: from date 0, or from date 1 for pct_late percent of
 * the agencies, and then left out of a later file now and then (pct_omit percent). */
static bool s_reports(const sim_section_at *a, int salt_first, int pct_late, int salt_omit,
                      int pct_omit)
{
    int first = a->n_dates > 1 && s_chance(a, salt_first, pct_late) ? 1 : 0;
    if (a->date < first)
        return false;
    return a->date == first || s_in(a, salt_omit, a->date, 0, 99) >= pct_omit;
}

static void s_key(FILE *f, const char *name)
{
    fprintf(f, ",\n  \"%s\": ", name);
}

static void s_day(FILE *f, const char *key, int32_t day)
{
    char text[16];
    sim_day_format(day, text);
    fprintf(f, ", \"%s\": \"%s\"", key, text);
}

/* Infrastructure: every commune (a quarter from the second date). A few provinces send one too,
 * with province-sized figures, which no roll-up of communes may count. */

static bool s_has_infra(const sim_section_at *a)
{
    if (a->tier == SIM_PROVINCE)
        return s_chance(a, SALT_INFRA_WHO, 20) &&
               s_reports(a, SALT_INFRA_FIRST, 0, SALT_INFRA_OMIT, 12);
    return a->tier == SIM_COMMUNE && s_reports(a, SALT_INFRA_FIRST, 25, SALT_INFRA_OMIT, 12);
}

static void s_write_infra(FILE *f, const sim_section_at *a)
{
    int64_t scale = a->tier == SIM_PROVINCE ? 40 : 1;
    int64_t required = scale * s_in(a, SALT_INFRA_BASE, 0, 4, 15);
    int64_t villages = scale * s_in(a, SALT_INFRA_BASE, 1, 3, 27);
    int64_t available = s_in(a, SALT_INFRA_BASE, 2, required / 3, required) +
                        s_grown(a, SALT_TERMINALS, 1, 2 * scale);
    int64_t gap =
        s_in(a, SALT_INFRA_BASE, 3, 0, villages / 2) - s_grown(a, SALT_SIGNAL, 0, 2 * scale);
    int64_t no_power =
        s_in(a, SALT_INFRA_BASE, 4, 0, villages / 5) - s_grown(a, SALT_POWER, 0, scale);
    bool connected = a->date >= s_in(a, SALT_INFRA_BASE, 5, 0, a->n_dates);
    s_key(f, "infrastructure");
    fprintf(f,
            "{\"terminals_required\": %lld, \"terminals_available\": %lld, "
            "\"villages_total\": %lld, \"villages_signal_gap\": %lld, "
            "\"villages_no_power\": %lld, \"population_db_connected\": %s}",
            (long long)required, (long long)available, (long long)villages,
            (long long)s_max(0, gap), (long long)s_max(0, no_power), connected ? "true" : "false");
}

/* Services: every province and commune (a fifth of the communes from the second date). */

static bool s_has_services(const sim_section_at *a)
{
    if (a->tier == SIM_PROVINCE)
        return s_reports(a, SALT_SERV_FIRST, 0, SALT_SERV_OMIT, 15);
    return a->tier == SIM_COMMUNE && s_reports(a, SALT_SERV_FIRST, 20, SALT_SERV_OMIT, 12);
}

static void s_write_services(FILE *f, const sim_section_at *a)
{
    bool prov = a->tier == SIM_PROVINCE;
    int64_t total =
        prov ? s_in(a, SALT_SERV_BASE, 0, 150, 400) : s_in(a, SALT_SERV_BASE, 0, 40, 100);
    int64_t announced = total * s_in(a, SALT_SERV_BASE, 1, 60, 95) / 100 +
                        s_grown(a, SALT_ANNOUNCED, 0, total / 10);
    int64_t online =
        total * s_in(a, SALT_SERV_BASE, 2, 20, 60) / 100 + s_grown(a, SALT_ONLINE, 1, total / 8);
    int64_t received =
        (prov ? s_in(a, SALT_SERV_BASE, 3, 20000, 200000) : s_in(a, SALT_SERV_BASE, 3, 500, 5000)) +
        s_grown(a, SALT_FILES, prov ? 5000 : 100, prov ? 30000 : 800);
    int64_t full_pct = s_min(98, s_in(a, SALT_SERV_BASE, 4, 30, 75) + s_grown(a, SALT_FULL, 1, 8));
    int64_t records = (prov ? s_in(a, SALT_SERV_BASE, 5, 100000, 900000)
                            : s_in(a, SALT_SERV_BASE, 5, 2000, 20000)) +
                      s_grown(a, SALT_RECORDS, prov ? 2000 : 50, prov ? 20000 : 500);
    int64_t digitized_pct =
        s_min(99, s_in(a, SALT_SERV_BASE, 6, 20, 70) + s_grown(a, SALT_DIGITIZED, 1, 10));
    s_key(f, "services");
    fprintf(f,
            "{\"procedures_total\": %lld, \"procedures_announced\": %lld, "
            "\"procedures_online\": %lld, \"files_received\": %lld, "
            "\"files_fully_online\": %lld, \"records_total\": %lld, \"records_digitized\": %lld}",
            (long long)total, (long long)s_min(total, announced), (long long)s_min(total, online),
            (long long)received, (long long)(received * full_pct / 100), (long long)records,
            (long long)(records * digitized_pct / 100));
}

/* Funding: every central agency (a tenth from the second date) and a third of the provinces.
 * Money is whole millions of VND; allocation and disbursement are shares that only grow. */

static bool s_has_funding(const sim_section_at *a)
{
    if (a->tier == SIM_CENTRAL)
        return s_reports(a, SALT_FUND_FIRST, 10, SALT_FUND_OMIT, 15);
    return a->tier == SIM_PROVINCE && s_chance(a, SALT_FUND_WHO, 35) &&
           s_reports(a, SALT_FUND_FIRST, 0, SALT_FUND_OMIT, 15);
}

static void s_write_funding(FILE *f, const sim_section_at *a)
{
    int64_t requested =
        s_in(a, SALT_FUND_BASE, 0, 20000, 800000) + 5000 * s_grown(a, SALT_REQUESTED, 0, 1);
    int64_t allocated_pct =
        s_min(100, s_in(a, SALT_FUND_BASE, 1, 0, 70) + s_grown(a, SALT_ALLOCATED, 0, 15));
    int64_t disbursed_pct =
        s_min(100, s_in(a, SALT_FUND_BASE, 2, 0, 40) + s_grown(a, SALT_DISBURSED, 2, 20));
    int64_t allocated = requested * allocated_pct / 100;
    s_key(f, "funding");
    fprintf(f, "{\"requested_vnd\": %lld, \"allocated_vnd\": %lld, \"disbursed_vnd\": %lld}",
            (long long)(requested * MILLION), (long long)(allocated * MILLION),
            (long long)(allocated * disbursed_pct / 100 * MILLION));
}

/* Plans of databases and obstacles are laid over the span of the snapshots, so that some
 * stages and states change between dates whatever the dates are. */

static int32_t s_clamp_day(int64_t day)
{
    return day < 1 ? 1 : day > INT32_MAX - 1 ? INT32_MAX - 1 : (int32_t)day;
}

static int s_n_databases(const sim_section_at *a)
{
    return a->tier == SIM_CENTRAL ? (int)s_in(a, SALT_DB_BASE, 0, 0, DB_MAX) : 0;
}

static s_plan s_database_plan(const sim_section_at *a, int k)
{
    int32_t first = a->dates[0], last = a->dates[a->n_dates - 1];
    s_plan p;
    p.kind = (int)((s_in(a, SALT_DB_BASE, 1, 0, COUNT(TOPICS) - 1) + k) % COUNT(TOPICS));
    p.listed =
        k > 0 && a->n_dates > 1 && s_in(a, SALT_DB_PLAN, 3 * k, 0, 99) < 20 ? first + 1 : INT32_MIN;
    p.deployed = s_clamp_day(s_in(a, SALT_DB_PLAN, 3 * k + 1, (int64_t)first - 270, last + 60));
    p.done = s_clamp_day(p.deployed + s_in(a, SALT_DB_PLAN, 3 * k + 2, 20, 200));
    return p;
}

static int s_n_obstacles(const sim_section_at *a)
{
    int pct = a->tier == SIM_CENTRAL ? 50 : a->tier == SIM_PROVINCE ? 40 : 6;
    return s_chance(a, SALT_OB_WHO, pct) ? (int)s_in(a, SALT_OB_WHO, 1, 1, OBSTACLE_MAX) : 0;
}

/* The first obstacle is older than the first snapshot; later ones may come at any time. A bit
 * over half are resolved some weeks after they were reported. */
static s_plan s_obstacle_plan(const sim_section_at *a, int k)
{
    int32_t first = a->dates[0], last = a->dates[a->n_dates - 1];
    s_plan p = {.deployed = 0};
    p.kind = (int)s_in(a, SALT_OB_PLAN, 4 * k, 0, COUNT(CATEGORIES) - 1);
    if (k == 0)
        p.listed = s_clamp_day(first - s_in(a, SALT_OB_PLAN, 4 * k + 1, 10, 150));
    else
        p.listed = s_clamp_day(s_in(a, SALT_OB_PLAN, 4 * k + 1, (int64_t)first - 150, last));
    bool resolves = s_in(a, SALT_OB_PLAN, 4 * k + 2, 0, 99) < 55;
    p.done = resolves ? s_clamp_day(p.listed + s_in(a, SALT_OB_PLAN, 4 * k + 3, 5, 120)) : NEVER;
    return p;
}

/* How many of the n items are listed at this date. */
static int s_listed(const sim_section_at *a, int n, s_plan (*plan)(const sim_section_at *, int))
{
    int listed = 0;
    for (int k = 0; k < n; k++)
        listed += plan(a, k).listed <= s_today(a);
    return listed;
}

static bool s_has_databases(const sim_section_at *a)
{
    return s_listed(a, s_n_databases(a), s_database_plan) > 0 &&
           (a->date == 0 || s_in(a, SALT_DB_OMIT, a->date, 0, 99) >= 12);
}

static bool s_has_obstacles(const sim_section_at *a)
{
    return s_listed(a, s_n_obstacles(a), s_obstacle_plan) > 0 &&
           (a->date == 0 || s_in(a, SALT_OB_OMIT, a->date, 0, 99) >= 15);
}

static void s_write_databases(FILE *f, const sim_section_at *a)
{
    int32_t today = s_today(a);
    int n = 0;
    s_key(f, "databases");
    fputc('[', f);
    for (int k = 0; k < s_n_databases(a); k++) {
        s_plan p = s_database_plan(a, k);
        if (p.listed > today)
            continue;
        int stage = today < p.deployed ? 0 : today < p.done ? 1 : 2;
        fprintf(f, "%s\n    {\"id\": \"CSDL-%s\", \"name\": ", n++ ? "," : "", TOPICS[p.kind].code);
        sim_json_string(f, TOPICS[p.kind].name);
        fprintf(f, ", \"stage\": \"%s\"}", STAGES[stage]);
    }
    fputs("\n  ]", f);
}

static void s_write_obstacles(FILE *f, const sim_section_at *a)
{
    int32_t today = s_today(a);
    int n = 0;
    s_key(f, "obstacles");
    fputc('[', f);
    for (int k = 0; k < s_n_obstacles(a); k++) {
        s_plan p = s_obstacle_plan(a, k);
        if (p.listed > today)
            continue;
        bool resolved = p.done <= today;
        fprintf(f, "%s\n    {\"id\": \"VM-%02d\", \"category\": \"%s\", \"description\": ",
                n++ ? "," : "", k + 1, CATEGORIES[p.kind]);
        sim_json_string(f, OBSTACLE_TEXT[p.kind]);
        fprintf(f, ", \"state\": \"%s\"", resolved ? "resolved" : "open");
        s_day(f, "reported_on", p.listed);
        if (resolved)
            s_day(f, "resolved_on", p.done);
        fputc('}', f);
    }
    fputs("\n  ]", f);
}

bool sim_sections_any(const sim_section_at *a)
{
    return s_has_infra(a) || s_has_services(a) || s_has_funding(a) || s_has_databases(a) ||
           s_has_obstacles(a);
}

void sim_sections_write(FILE *f, const sim_section_at *a)
{
    if (s_has_infra(a))
        s_write_infra(f, a);
    if (s_has_services(a))
        s_write_services(f, a);
    if (s_has_databases(a))
        s_write_databases(f, a);
    if (s_has_funding(a))
        s_write_funding(f, a);
    if (s_has_obstacles(a))
        s_write_obstacles(f, a);
}
