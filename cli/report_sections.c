/* tiendo report: what the briefing says, section by section, in Vietnamese. The layout
 * (report_md.c, report_html.c) decides how it looks; nothing here knows Markdown or HTML. */
#include "report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The task classes, in the order the briefing lists them. */
static const struct {
    const char *key, *label;
    td_brief_row style;
    td_brief_tone tone;
} s_classes[] = {
    {"total", "Tổng số nhiệm vụ", TD_ROW_TOTAL, TD_TONE_INFO},
    {"completed", "Đã hoàn thành", TD_ROW_PLAIN, TD_TONE_OK},
    {"completed_on_time", "Trong đó: đúng hạn", TD_ROW_SUB, TD_TONE_OK},
    {"completed_late", "Trong đó: trễ hạn", TD_ROW_SUB, TD_TONE_WARN},
    {"on_schedule", "Đang thực hiện, trong hạn", TD_ROW_PLAIN, TD_TONE_INFO},
    {"overdue", "Quá hạn, chưa hoàn thành", TD_ROW_PLAIN, TD_TONE_BAD},
    {"regular", "Nhiệm vụ thường xuyên", TD_ROW_PLAIN, TD_TONE_MUTED},
    {"unreported", "Chưa có báo cáo", TD_ROW_PLAIN, TD_TONE_MUTED},
};

static void s_para(td_brief_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_para(td_brief_out *o, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->ops->para(o, buf);
}

static void s_table(td_brief_out *o, const char *const *head, const char *kinds)
{
    o->ops->table(o, head, kinds, strlen(kinds));
}

static void s_header(const td_brief *r, td_brief_out *o)
{
    const char *as_of = td_brief_str(r->now, "as_of");
    td_brief_num sub = td_brief_fmt("Số liệu đến %.5s ngày %s (giờ Việt Nam), so sánh với ngày %s",
                                    strlen(as_of) >= 16 ? as_of + 11 : "", td_brief_date(as_of).s,
                                    td_brief_date(td_brief_str(r->then, "as_of")).s);
    o->ops->begin(o,
                  "Báo cáo tiến độ thực hiện nhiệm vụ khoa học, công nghệ, đổi mới sáng tạo và "
                  "chuyển đổi số",
                  sub.s);
}

static void s_tiles(const td_brief *r, td_brief_out *o)
{
    long long total = td_brief_get(r->now, "total");
    json_t *rate = json_object_get(r->services, "fully_online_rate");
    json_t *target = json_object_get(r->services, "fully_online_target");
    td_brief_num v[6], note[6];
    v[0] = td_brief_int(total);
    v[1] = td_brief_pct(td_brief_get(r->now, "completed"), total);
    note[1] = td_brief_fmt("%s nhiệm vụ", td_brief_int(td_brief_get(r->now, "completed")).s);
    v[2] = td_brief_int(td_brief_get(r->now, "overdue"));
    note[2] = td_brief_fmt("%s tổng số", td_brief_pct(td_brief_get(r->now, "overdue"), total).s);
    v[3] = td_brief_int(td_brief_get(r->now, "open_due_by"));
    v[4] = td_brief_ratio(rate);
    note[4] = td_brief_fmt("mục tiêu %s", td_brief_ratio(target).s);
    v[5] = td_brief_ratio(json_object_get(r->funding, "disbursement_rate"));
    bool below = json_number_value(rate) < json_number_value(target);
    char due[48];
    snprintf(due, sizeof due, "Phải xong trong năm %d", r->year);
    const td_brief_tile t[] = {
        {"Tổng số nhiệm vụ", v[0].s, "đã giao", TD_TONE_INFO},
        {"Đã hoàn thành", v[1].s, note[1].s, TD_TONE_OK},
        {"Quá hạn", v[2].s, note[2].s, TD_TONE_BAD},
        {due, v[3].s, "chưa hoàn thành, hạn trong năm", TD_TONE_WARN},
        {"Hồ sơ trực tuyến toàn trình", v[4].s, note[4].s, below ? TD_TONE_BAD : TD_TONE_OK},
        {"Giải ngân", v[5].s, "trên kinh phí đã phân bổ", TD_TONE_INFO},
    };
    o->ops->tiles(o, t, N(t));
}

static void s_totals(const td_brief *r, td_brief_out *o)
{
    long long total = td_brief_get(r->now, "total");
    o->ops->section(o, 1, "Tổng hợp tình hình thực hiện nhiệm vụ", TD_BRIEF_KEEP);
    static const char *const head[] = {"Phân loại", "Số nhiệm vụ", "Tỷ lệ"};
    s_table(o, head, "lrr");
    td_brief_bar bars[N(s_classes)];
    size_t n = 0;
    for (size_t i = 0; i < N(s_classes); i++) {
        long long v = td_brief_get(r->now, s_classes[i].key);
        td_brief_num a = td_brief_int(v), b = td_brief_pct(v, total);
        const char *cells[] = {s_classes[i].label, a.s, b.s};
        o->ops->row(o, cells, s_classes[i].style);
        if (i > 0 && strcmp(s_classes[i].key, "completed"))
            bars[n++] = (td_brief_bar){s_classes[i].label, (double)v, NULL, s_classes[i].tone};
    }
    o->ops->table_end(o);
    td_brief_num text[N(s_classes)];
    for (size_t i = 0; i < n; i++) {
        text[i] = td_brief_fmt("%s (%s)", td_brief_int((long long)bars[i].value).s,
                               td_brief_pct((long long)bars[i].value, total).s);
        bars[i].text = text[i].s;
    }
    o->ops->chart(
        o, &(td_brief_chart){"Cơ cấu nhiệm vụ theo tình trạng", bars, n, (double)total, -1, NULL});
    s_para(o, "Nhiệm vụ chưa có báo cáo được xếp loại theo thời hạn như nhiệm vụ chưa triển khai "
              "và đã được tính trong các nhóm trên.");
}

static void s_year(const td_brief *r, td_brief_out *o)
{
    char title[128], label[96];
    snprintf(title, sizeof title, "Nhiệm vụ phải hoàn thành trong năm %d", r->year);
    o->ops->section(o, 2, title, TD_BRIEF_KEEP);
    long long open = td_brief_get(r->now, "open_due_by");
    /* Overdue tasks are open with a deadline before today: all of them are among these. */
    long long late = td_brief_get(r->now, "overdue");
    td_brief_num a = td_brief_int(open), b = td_brief_int(late), c = td_brief_int(open - late);
    s_para(o,
           "Còn %s nhiệm vụ chưa hoàn thành có thời hạn đến hết ngày 31/12/%d (%s tổng số nhiệm "
           "vụ), trong đó %s nhiệm vụ đã quá hạn và %s nhiệm vụ còn trong hạn.",
           a.s, r->year, td_brief_pct(open, td_brief_get(r->now, "total")).s, b.s, c.s);
    static const char *const head[] = {"Chỉ tiêu", "Số nhiệm vụ", "Tỷ lệ"};
    s_table(o, head, "lrr");
    snprintf(label, sizeof label, "Chưa hoàn thành, thời hạn đến 31/12/%d", r->year);
    td_brief_num p0 = td_brief_pct(open, open), p1 = td_brief_pct(late, open),
                 p2 = td_brief_pct(open - late, open);
    o->ops->row(o, (const char *[]){label, a.s, p0.s}, TD_ROW_TOTAL);
    o->ops->row(o, (const char *[]){"Trong đó: đã quá hạn", b.s, p1.s}, TD_ROW_SUB);
    o->ops->row(o, (const char *[]){"Trong đó: còn trong hạn", c.s, p2.s}, TD_ROW_SUB);
    o->ops->table_end(o);
}

static void s_change(const td_brief *r, td_brief_out *o)
{
    td_brief_num since = td_brief_date(td_brief_str(r->then, "as_of"));
    td_brief_num now = td_brief_date(td_brief_str(r->now, "as_of"));
    o->ops->section(o, 3, td_brief_fmt("Thay đổi so với ngày %s", since.s).s, TD_BRIEF_KEEP);
    const char *head[] = {"Phân loại", since.s, now.s, "Tăng (+), giảm (−)"};
    s_table(o, head, "lrrr");
    for (size_t i = 0; i < N(s_classes); i++) {
        long long a = td_brief_get(r->then, s_classes[i].key);
        long long b = td_brief_get(r->now, s_classes[i].key);
        td_brief_num x = td_brief_int(a), y = td_brief_int(b), d = td_brief_signed(b - a);
        const char *cells[] = {s_classes[i].label, x.s, y.s, d.s};
        o->ops->row(o, cells, s_classes[i].style);
    }
    o->ops->table_end(o);
}

static void s_top_chart(const td_brief *r, td_brief_out *o, size_t n)
{
    td_brief_bar bars[TD_BRIEF_TOP];
    td_brief_num text[TD_BRIEF_TOP];
    for (size_t i = 0; i < n; i++) {
        text[i] = td_brief_int(r->leads[i].count);
        bars[i] = (td_brief_bar){td_brief_name(r, r->leads[i].code), (double)r->leads[i].count,
                                 text[i].s, TD_TONE_BAD};
    }
    o->ops->chart(o, &(td_brief_chart){"Số nhiệm vụ quá hạn", bars, n,
                                       n ? (double)r->leads[0].count : 1, -1, NULL});
}

static void s_top(const td_brief *r, td_brief_out *o)
{
    o->ops->section(o, 4, "Mười cơ quan, đơn vị có nhiều nhiệm vụ quá hạn nhất", TD_BRIEF_KEEP);
    size_t n = r->n_leads < TD_BRIEF_TOP ? r->n_leads : TD_BRIEF_TOP;
    long long all = td_brief_get(r->now, "overdue"), top = 0;
    for (size_t i = 0; i < n; i++)
        top += r->leads[i].count;
    if (!n) {
        s_para(o, "Không có nhiệm vụ quá hạn.");
        return;
    }
    s_para(o,
           "%s nhiệm vụ quá hạn thuộc %s cơ quan, đơn vị; %zu cơ quan dưới đây có %s nhiệm vụ "
           "(%s).",
           td_brief_int(all).s, td_brief_int((long long)r->n_leads).s, n, td_brief_int(top).s,
           td_brief_pct(top, all).s);
    static const char *const head[] = {"TT", "Mã", "Cơ quan, đơn vị", "Nhiệm vụ quá hạn",
                                       "Quá hạn lâu nhất (ngày)"};
    s_table(o, head, "rclrr");
    for (size_t i = 0; i < n; i++) {
        td_brief_num k = td_brief_int((long long)i + 1), c = td_brief_int(r->leads[i].count),
                     d = td_brief_int(r->leads[i].max_days);
        const char *cells[] = {k.s, r->leads[i].code, td_brief_name(r, r->leads[i].code), c.s, d.s};
        o->ops->row(o, cells, TD_ROW_PLAIN);
    }
    o->ops->table_end(o);
    s_top_chart(r, o, n);
}

/* "Quá hạn 12 ngày", "Còn 5 ngày", "Đến hạn hôm nay", then "; chưa báo cáo" when no report
 * says how the task stands. */
static td_brief_num s_risk_state(const td_brief *r, json_t *row)
{
    td_day deadline;
    long long left = td_day_parse(td_brief_str(row, "deadline"), &deadline) == TD_OK
                         ? (long long)deadline - r->today
                         : 0;
    const char *unreported =
        json_is_null(json_object_get(row, "reported_as_of")) ? "; chưa báo cáo" : "";
    if (!strcmp(td_brief_str(row, "class"), "overdue"))
        return td_brief_fmt("Quá hạn %s ngày%s", td_brief_int(td_brief_get(row, "days_overdue")).s,
                            unreported);
    if (left == 0)
        return td_brief_fmt("Đến hạn hôm nay%s", unreported);
    return td_brief_fmt("Còn %s ngày%s", td_brief_int(left).s, unreported);
}

static void s_risk(const td_brief *r, td_brief_out *o)
{
    o->ops->section(o, 5, "Nhiệm vụ khó có nguy cơ chậm tiến độ", TD_BRIEF_NEW_PAGE);
    size_t i, late = 0;
    json_t *row;
    json_array_foreach(r->at_risk, i, row) late += !strcmp(td_brief_str(row, "class"), "overdue");
    s_para(o,
           "%s nhiệm vụ khó đã quá hạn và %s nhiệm vụ khó đến hạn trong %d ngày tới (đến hết "
           "ngày %s).",
           td_brief_int((long long)late).s,
           td_brief_int((long long)(json_array_size(r->at_risk) - late)).s, TD_BRIEF_RISK_DAYS,
           td_brief_day(r->today + TD_BRIEF_RISK_DAYS).s);
    if (!json_array_size(r->at_risk))
        return;
    static const char *const head[] = {"Mã",       "Nhiệm vụ",   "Chủ trì",
                                       "Thời hạn", "Tình trạng", "Tiến độ"};
    s_table(o, head, "cwlrlr");
    json_array_foreach(r->at_risk, i, row)
    {
        td_brief_num state = s_risk_state(r, row), done,
                     deadline = td_brief_date(td_brief_str(row, "deadline"));
        if (json_is_null(json_object_get(row, "reported_as_of")))
            done = td_brief_fmt("–");
        else
            done = td_brief_fmt("%lld%%", td_brief_get(row, "progress"));
        const char *cells[] = {td_brief_str(row, "id"),
                               td_brief_str(row, "title"),
                               td_brief_name(r, td_brief_str(row, "lead")),
                               deadline.s,
                               state.s,
                               done.s};
        o->ops->row(o, cells, TD_ROW_PLAIN);
    }
    o->ops->table_end(o);
}

/* A row of label, count, whole and their ratio. */
static void s_share(td_brief_out *o, const char *label, long long part, long long whole)
{
    td_brief_num a = td_brief_int(part), b = td_brief_int(whole), c = td_brief_pct(part, whole);
    const char *cells[] = {label, a.s, b.s, c.s};
    o->ops->row(o, cells, TD_ROW_PLAIN);
}

static void s_infra(const td_brief *r, td_brief_out *o)
{
    json_t *d = r->infra;
    long long reporting = td_brief_get(d, "communes_reporting");
    long long villages = td_brief_get(d, "villages_total");
    o->ops->section(o, 6, "Hạ tầng số cấp xã", TD_BRIEF_NEW_PAGE | TD_BRIEF_KEEP);
    static const char *const head[] = {"Chỉ tiêu", "Số lượng", "Tổng số", "Tỷ lệ"};
    s_table(o, head, "lrrr");
    s_share(o, "Xã có báo cáo", reporting, td_brief_get(d, "communes_total"));
    s_share(o, "Thôn, bản còn lõm sóng di động", td_brief_get(d, "villages_signal_gap"), villages);
    s_share(o, "Thôn, bản chưa có điện lưới", td_brief_get(d, "villages_no_power"), villages);
    s_share(o, "Xã thiếu thiết bị đầu cuối", td_brief_get(d, "communes_short_of_terminals"),
            reporting);
    s_share(o, "Thiết bị đầu cuối hiện có so với nhu cầu", td_brief_get(d, "terminals_available"),
            td_brief_get(d, "terminals_required"));
    s_share(o, "Xã đã kết nối CSDL quốc gia về dân cư", td_brief_get(d, "population_db_connected"),
            reporting);
    o->ops->table_end(o);
    s_para(o, "Tổng số thôn, bản và thiết bị tính trên các xã có báo cáo.");
}

/* "Đạt" or how many percentage points short of the target. */
static td_brief_num s_gap(json_t *rate, json_t *target)
{
    td_brief_num n;
    double gap = 100.0 * (json_number_value(target) - json_number_value(rate));
    if (!json_is_number(rate))
        n = td_brief_fmt("–");
    else if (gap <= 0)
        n = td_brief_fmt("Đạt");
    else
        n = td_brief_fmt("Thiếu %s điểm %%", td_brief_decimal(gap, "").s);
    return n;
}

static void s_rate_row(td_brief_out *o, const char *label, json_t *d, const char *part,
                       const char *whole, const char *rate, bool vs_target)
{
    json_t *target = json_object_get(d, "fully_online_target");
    td_brief_num a = td_brief_int(td_brief_get(d, part)), b = td_brief_int(td_brief_get(d, whole)),
                 c = rate ? td_brief_ratio(json_object_get(d, rate))
                          : td_brief_pct(td_brief_get(d, part), td_brief_get(d, whole)),
                 g = s_gap(json_object_get(d, rate ? rate : ""), target);
    const char *cells[] = {label, a.s, b.s, c.s, vs_target ? g.s : ""};
    o->ops->row(o, cells, TD_ROW_PLAIN);
}

static void s_services_chart(const td_brief *r, td_brief_out *o)
{
    json_t *d = r->services;
    double target = json_number_value(json_object_get(d, "fully_online_target"));
    static const struct {
        const char *key, *label;
    } rates[] = {{"online_rate", "Thủ tục trực tuyến"},
                 {"fully_online_rate", "Hồ sơ trực tuyến toàn trình"},
                 {"digitized_rate", "Hồ sơ, giấy tờ đã số hóa"}};
    td_brief_bar bars[N(rates)];
    td_brief_num text[N(rates)], t = td_brief_ratio(json_object_get(d, "fully_online_target"));
    for (size_t i = 0; i < N(rates); i++) {
        double v = json_number_value(json_object_get(d, rates[i].key));
        text[i] = td_brief_ratio(json_object_get(d, rates[i].key));
        bars[i] =
            (td_brief_bar){rates[i].label, v, text[i].s, v >= target ? TD_TONE_OK : TD_TONE_WARN};
    }
    td_brief_num label = td_brief_fmt("Mục tiêu %s", t.s);
    o->ops->chart(o,
                  &(td_brief_chart){"Tỷ lệ so với mục tiêu", bars, N(rates), 1.0, target, label.s});
}

static void s_services(const td_brief *r, td_brief_out *o)
{
    json_t *d = r->services, *target = json_object_get(d, "fully_online_target");
    td_brief_num title =
        td_brief_fmt("Dịch vụ công trực tuyến so với mục tiêu %s", td_brief_ratio(target).s);
    o->ops->section(o, 7, title.s, TD_BRIEF_KEEP);
    json_t *rate = json_object_get(d, "fully_online_rate");
    td_brief_num r_s = td_brief_ratio(rate), t_s = td_brief_ratio(target),
                 n_s = td_brief_int(td_brief_get(d, "localities_reporting"));
    double gap = 100.0 * (json_number_value(target) - json_number_value(rate));
    if (!json_is_number(rate))
        s_para(o, "Chưa có số liệu hồ sơ xử lý trực tuyến toàn trình (%s địa phương có báo cáo).",
               n_s.s);
    else if (gap <= 0)
        s_para(o,
               "Tỷ lệ hồ sơ xử lý trực tuyến toàn trình đạt %s, đạt mục tiêu %s; số liệu của %s "
               "địa phương có báo cáo.",
               r_s.s, t_s.s, n_s.s);
    else
        s_para(o,
               "Tỷ lệ hồ sơ xử lý trực tuyến toàn trình đạt %s, chưa đạt mục tiêu %s (còn thiếu "
               "%s điểm phần trăm); số liệu của %s địa phương có báo cáo.",
               r_s.s, t_s.s, td_brief_decimal(gap, "").s, n_s.s);
    static const char *const head[] = {"Chỉ tiêu", "Số lượng", "Tổng số", "Tỷ lệ",
                                       "So với mục tiêu"};
    s_table(o, head, "lrrrc");
    s_rate_row(o, "Thủ tục hành chính cung cấp trực tuyến", d, "procedures_online",
               "procedures_total", "online_rate", true);
    s_rate_row(o, "Hồ sơ xử lý trực tuyến toàn trình", d, "files_fully_online", "files_received",
               "fully_online_rate", true);
    s_rate_row(o, "Thủ tục hành chính đã công bố", d, "procedures_announced", "procedures_total",
               NULL, false);
    s_rate_row(o, "Địa phương đã công bố đầy đủ thủ tục", d, "localities_fully_announced",
               "localities_reporting", NULL, false);
    s_rate_row(o, "Hồ sơ, giấy tờ đã số hóa", d, "records_digitized", "records_total",
               "digitized_rate", false);
    o->ops->table_end(o);
    s_services_chart(r, o);
}

static void s_databases(const td_brief *r, td_brief_out *o)
{
    static const char *const stages[] = {"not_started", "deploying", "foundation_centralized"};
    static const td_brief_tone tones[] = {TD_TONE_BAD, TD_TONE_WARN, TD_TONE_OK};
    long long total = td_brief_get(r->databases, "total");
    o->ops->section(o, 8, "Cơ sở dữ liệu quốc gia, chuyên ngành theo giai đoạn", 0);
    static const char *const head[] = {"Giai đoạn", "Số cơ sở dữ liệu", "Tỷ lệ"};
    s_table(o, head, "lrr");
    td_brief_bar bars[N(stages)];
    td_brief_num count[N(stages)];
    for (size_t i = 0; i < N(stages); i++) {
        long long v = td_brief_get(r->databases, stages[i]);
        td_brief_num p = td_brief_pct(v, total);
        count[i] = td_brief_int(v);
        o->ops->row(o, (const char *[]){td_brief_stage_label(stages[i]), count[i].s, p.s},
                    TD_ROW_PLAIN);
        bars[i] = (td_brief_bar){td_brief_stage_label(stages[i]), (double)v, count[i].s, tones[i]};
    }
    td_brief_num t = td_brief_int(total), p = td_brief_pct(total, total);
    o->ops->row(o, (const char *[]){"Tổng số", t.s, p.s}, TD_ROW_TOTAL);
    o->ops->table_end(o);
    o->ops->chart(o, &(td_brief_chart){"Cơ sở dữ liệu theo giai đoạn", bars, N(stages),
                                       total ? (double)total : 1, -1, NULL});
    if (!json_array_size(r->unfinished))
        return;
    o->ops->subsection(o, "Cơ sở dữ liệu chưa hoàn thành");
    static const char *const list_head[] = {"Cơ quan", "Mã", "Tên cơ sở dữ liệu", "Giai đoạn"};
    s_table(o, list_head, "lcwc");
    size_t i;
    json_t *row;
    json_array_foreach(r->unfinished, i, row)
    {
        const char *cells[] = {td_brief_name(r, td_brief_str(row, "agency")),
                               td_brief_str(row, "id"), td_brief_str(row, "name"),
                               td_brief_stage_label(td_brief_str(row, "stage"))};
        o->ops->row(o, cells, TD_ROW_PLAIN);
    }
    o->ops->table_end(o);
}

static void s_funding(const td_brief *r, td_brief_out *o)
{
    json_t *d = r->funding;
    long long req = td_brief_get(d, "requested_vnd"), alloc = td_brief_get(d, "allocated_vnd");
    long long unalloc = td_brief_get(d, "unallocated_vnd"), paid = td_brief_get(d, "disbursed_vnd");
    o->ops->section(o, 9, "Kinh phí", TD_BRIEF_KEEP);
    s_para(o,
           "Số liệu của %s cơ quan, đơn vị có báo cáo. Tỷ lệ phân bổ tính trên kinh phí đề "
           "xuất; tỷ lệ giải ngân tính trên kinh phí đã phân bổ.",
           td_brief_int(td_brief_get(d, "agencies_reporting")).s);
    static const char *const head[] = {"Chỉ tiêu", "Tỷ đồng", "Tỷ lệ"};
    s_table(o, head, "lrr");
    td_brief_num v[4] = {td_brief_billions(req), td_brief_billions(alloc),
                         td_brief_billions(unalloc), td_brief_billions(paid)};
    td_brief_num p[4] = {td_brief_pct(req, req), td_brief_pct(alloc, req),
                         td_brief_pct(unalloc, req),
                         td_brief_ratio(json_object_get(d, "disbursement_rate"))};
    static const char *const labels[] = {"Kinh phí đề xuất", "Đã phân bổ", "Chưa phân bổ",
                                         "Đã giải ngân"};
    td_brief_bar bars[4];
    for (size_t i = 0; i < 4; i++) {
        o->ops->row(o, (const char *[]){labels[i], v[i].s, p[i].s},
                    i ? TD_ROW_PLAIN : TD_ROW_TOTAL);
        bars[i] = (td_brief_bar){labels[i],
                                 (double)(i == 0   ? req
                                          : i == 1 ? alloc
                                          : i == 2 ? unalloc
                                                   : paid),
                                 v[i].s,
                                 i == 3   ? TD_TONE_OK
                                 : i == 2 ? TD_TONE_MUTED
                                          : TD_TONE_INFO};
    }
    o->ops->table_end(o);
    o->ops->chart(
        o, &(td_brief_chart){"Kinh phí (tỷ đồng)", bars, 4, req ? (double)req : 1, -1, NULL});
}

typedef struct {
    const char *category;
    long long n;
} s_count;

static int s_cmp_count(const void *a, const void *b)
{
    const s_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->category, y->category);
}

static void s_categories(const td_brief *r, td_brief_out *o)
{
    json_t *by = json_object_get(r->obstacles, "by_category"), *v;
    s_count counts[32];
    size_t n = 0;
    const char *key;
    json_object_foreach(by, key, v)
    {
        if (n < N(counts) && json_integer_value(v) > 0)
            counts[n++] = (s_count){key, json_integer_value(v)};
    }
    qsort(counts, n, sizeof counts[0], s_cmp_count);
    long long open = td_brief_get(r->obstacles, "open");
    static const char *const head[] = {"Lĩnh vực", "Số vướng mắc", "Tỷ lệ"};
    s_table(o, head, "lrr");
    for (size_t i = 0; i < n; i++) {
        td_brief_num a = td_brief_int(counts[i].n), b = td_brief_pct(counts[i].n, open);
        o->ops->row(o, (const char *[]){td_brief_category_label(counts[i].category), a.s, b.s},
                    TD_ROW_PLAIN);
    }
    td_brief_num a = td_brief_int(open), b = td_brief_pct(open, open);
    o->ops->row(o, (const char *[]){"Tổng số", a.s, b.s}, TD_ROW_TOTAL);
    o->ops->table_end(o);
}

static void s_obstacles(const td_brief *r, td_brief_out *o)
{
    o->ops->section(o, 10, "Khó khăn, vướng mắc chưa được giải quyết", TD_BRIEF_NEW_PAGE);
    long long open = td_brief_get(r->obstacles, "open");
    if (!open) {
        s_para(o, "Không có khó khăn, vướng mắc nào đang chờ giải quyết.");
        return;
    }
    s_para(o, "%s khó khăn, vướng mắc chưa được giải quyết, xếp từ cũ nhất.", td_brief_int(open).s);
    s_categories(r, o);
    o->ops->subsection(o, "Danh sách khó khăn, vướng mắc");
    static const char *const head[] = {"Cơ quan", "Mã", "Nội dung", "Ngày báo cáo", "Số ngày"};
    s_table(o, head, "lcwrr");
    size_t i;
    json_t *row;
    json_array_foreach(r->open, i, row)
    {
        td_day on;
        const char *reported = td_brief_str(row, "reported_on");
        long long days = td_day_parse(reported, &on) == TD_OK ? (long long)r->today - on : 0;
        td_brief_num d = td_brief_date(reported), k = td_brief_int(days);
        const char *cells[] = {td_brief_name(r, td_brief_str(row, "agency")),
                               td_brief_str(row, "id"), td_brief_str(row, "description"), d.s, k.s};
        o->ops->row(o, cells, TD_ROW_PLAIN);
    }
    o->ops->table_end(o);
}

static void s_silent(const td_brief *r, td_brief_out *o)
{
    json_t *rows = r->silent_rows, *row;
    o->ops->section(o, 11, "Cơ quan, đơn vị mất liên lạc", 0);
    s_para(o,
           "Tại thời điểm lập báo cáo (%s), %s cơ quan, đơn vị không liên lạc với hệ thống quá "
           "sáu chu kỳ báo cáo.",
           td_brief_instant(td_brief_str(r->silent, "now")).s,
           td_brief_int((long long)json_array_size(rows)).s);
    if (!json_array_size(rows))
        return;
    static const char *const head[] = {"Mã", "Cơ quan, đơn vị", "Liên lạc lần cuối",
                                       "Số liệu báo cáo gần nhất"};
    s_table(o, head, "clrr");
    size_t i;
    json_array_foreach(rows, i, row)
    {
        const char *code = td_brief_str(row, "agency");
        td_brief_num a = td_brief_instant(td_brief_str(row, "last_contact")),
                     b = td_brief_instant(td_brief_str(row, "last_report_as_of"));
        o->ops->row(o, (const char *[]){code, td_brief_name(r, code), a.s, b.s}, TD_ROW_PLAIN);
    }
    o->ops->table_end(o);
}

void td_brief_write(const td_brief *r, td_brief_out *o)
{
    s_header(r, o);
    s_tiles(r, o);
    s_totals(r, o);
    s_year(r, o);
    s_change(r, o);
    s_top(r, o);
    s_risk(r, o);
    s_infra(r, o);
    s_services(r, o);
    s_databases(r, o);
    s_funding(r, o);
    s_obstacles(r, o);
    s_silent(r, o);
    o->ops->end(o);
}
