/* A deterministic national registry and status snapshots. Everything random comes from one
 * splitmix64 stream seeded by --seed (in a fixed generation order) or, for choices made per
 * snapshot, from a hash of (seed, task, date), so each snapshot is independent of the others
 * yet reproducible. Each task follows one plan (start day, finish day), and every snapshot reads
 * its state off that plan: that is why states never regress between dates. */
#include "generate.h"
#include "sections.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOLDEN 0x9e3779b97f4a7c15ULL
#define NEVER INT32_MAX /* a finish day after every snapshot */
#define N_MISSING 2     /* agencies that send no file at the first date */
#define DAY_TEXT 16     /* buffer for YYYY-MM-DD */
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef struct {
    const char *code;
    const char *name;
    const char *kind;
    const char *block;
    int weight; /* relative chance of leading a task */
} central_row;

typedef struct {
    const char *code;
    const char *name;
    int weight;
} province_row;

static const central_row CENTRAL[] = {
    {"BQP", "Bộ Quốc phòng", "ministry", "government", 5},
    {"BCA", "Bộ Công an", "ministry", "government", 20},
    {"BNG", "Bộ Ngoại giao", "ministry", "government", 4},
    {"BNV", "Bộ Nội vụ", "ministry", "government", 12},
    {"BTP", "Bộ Tư pháp", "ministry", "government", 10},
    {"MOF", "Bộ Tài chính", "ministry", "government", 20},
    {"BCT", "Bộ Công Thương", "ministry", "government", 8},
    {"BNNMT", "Bộ Nông nghiệp và Môi trường", "ministry", "government", 8},
    {"BXD", "Bộ Xây dựng", "ministry", "government", 8},
    {"BVHTTDL", "Bộ Văn hóa, Thể thao và Du lịch", "ministry", "government", 6},
    {"MOST", "Bộ Khoa học và Công nghệ", "ministry", "government", 30},
    {"BGDDT", "Bộ Giáo dục và Đào tạo", "ministry", "government", 8},
    {"BYT", "Bộ Y tế", "ministry", "government", 8},
    {"BDTTG", "Bộ Dân tộc và Tôn giáo", "ministry", "government", 3},
    {"VPCP", "Văn phòng Chính phủ", "agency", "government", 12},
    {"TTCP", "Thanh tra Chính phủ", "agency", "government", 3},
    {"NHNN", "Ngân hàng Nhà nước Việt Nam", "agency", "government", 6},
    {"VTV", "Đài Truyền hình Việt Nam", "agency", "government", 2},
    {"VOV", "Đài Tiếng nói Việt Nam", "agency", "government", 2},
    {"TTXVN", "Thông tấn xã Việt Nam", "agency", "government", 2},
    {"VAST", "Viện Hàn lâm Khoa học và Công nghệ Việt Nam", "agency", "government", 3},
    {"BTGDVTW", "Ban Tuyên giáo và Dân vận Trung ương", "agency", "party", 3},
    {"BTCTW", "Ban Tổ chức Trung ương", "agency", "party", 2},
    {"VPTW", "Văn phòng Trung ương Đảng", "agency", "party", 2},
    {"VPQH", "Văn phòng Quốc hội", "agency", "national_assembly", 2},
    {"MTTQ", "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam", "agency", "fatherland_front", 2},
};

static const province_row PROVINCES[] = {
    {"HNI", "Thành phố Hà Nội", 12},   {"HCM", "Thành phố Hồ Chí Minh", 12},
    {"HPG", "Thành phố Hải Phòng", 5}, {"DNG", "Thành phố Đà Nẵng", 5},
    {"CTO", "Thành phố Cần Thơ", 4},   {"HUE", "Thành phố Huế", 4},
    {"TQG", "Tỉnh Tuyên Quang", 4},    {"CBG", "Tỉnh Cao Bằng", 4},
    {"LCU", "Tỉnh Lai Châu", 4},       {"LCI", "Tỉnh Lào Cai", 4},
    {"TNN", "Tỉnh Thái Nguyên", 4},    {"DBN", "Tỉnh Điện Biên", 4},
    {"LSN", "Tỉnh Lạng Sơn", 4},       {"SLA", "Tỉnh Sơn La", 4},
    {"PTO", "Tỉnh Phú Thọ", 4},        {"BNH", "Tỉnh Bắc Ninh", 4},
    {"QNH", "Tỉnh Quảng Ninh", 4},     {"HYN", "Tỉnh Hưng Yên", 4},
    {"NBH", "Tỉnh Ninh Bình", 4},      {"THA", "Tỉnh Thanh Hóa", 4},
    {"NAN", "Tỉnh Nghệ An", 4},        {"HTH", "Tỉnh Hà Tĩnh", 4},
    {"QTR", "Tỉnh Quảng Trị", 4},      {"QNI", "Tỉnh Quảng Ngãi", 4},
    {"GLI", "Tỉnh Gia Lai", 4},        {"KHA", "Tỉnh Khánh Hòa", 4},
    {"LDG", "Tỉnh Lâm Đồng", 4},       {"DLK", "Tỉnh Đắk Lắk", 4},
    {"DNI", "Tỉnh Đồng Nai", 4},       {"TNH", "Tỉnh Tây Ninh", 4},
    {"VLG", "Tỉnh Vĩnh Long", 4},      {"DTP", "Tỉnh Đồng Tháp", 4},
    {"CMU", "Tỉnh Cà Mau", 4},         {"AGG", "Tỉnh An Giang", 4},
};

#define N_CENTRAL COUNT(CENTRAL)
#define N_PROVINCES COUNT(PROVINCES)
#define N_LEADERS (N_CENTRAL + N_PROVINCES) /* communes lead no task */
_Static_assert(N_PROVINCES == SIM_PROVINCES, "SIM_PROVINCES counts PROVINCES");

static const char *const COMMUNE_STEMS[] = {
    "Tân Phú",    "Hòa Bình",   "Phú Lộc",   "An Thạnh", "Thống Nhất", "Quang Trung",
    "Hưng Đạo",   "Tiên Phong", "Đồng Tâm",  "Hợp Tiến", "Minh Khai",  "Bình Minh",
    "Tân Lập",    "Phúc Thịnh", "Yên Hòa",   "Nghĩa Đô", "Long Hưng",  "Vĩnh Phúc",
    "Thành Công", "Kim Liên",   "Trung Hòa", "Cát Linh", "Hải Châu",   "Ninh Kiều",
};

static const char *const SOURCES[] = {"57-NQ/TW",  "71/NQ-CP",      "02-KH/BCĐTW",
                                      "03/CT-TTg", "193/2025/QH15", "66-NQ/TW"};

static const char *const GROUPS[] = {"the-che", "ha-tang", "du-lieu", "dich-vu-cong", "nhan-luc"};

/* Title openings per group; a field of administration completes each one. */
static const char *const TITLES[][3] = {
    {"Rà soát, sửa đổi văn bản quy phạm pháp luật về",
     "Xây dựng Nghị định về cơ chế thử nghiệm có kiểm soát trong lĩnh vực",
     "Ban hành quy định về chia sẻ, khai thác dữ liệu ngành"},
    {"Nâng cấp hạ tầng trung tâm dữ liệu phục vụ lĩnh vực",
     "Triển khai hạ tầng số, mạng 5G cho ngành",
     "Bảo đảm an toàn, an ninh mạng cho hệ thống thông tin"},
    {"Xây dựng cơ sở dữ liệu quốc gia về",
     "Làm sạch dữ liệu, đồng bộ với Cơ sở dữ liệu quốc gia về dân cư: lĩnh vực",
     "Kết nối với Trung tâm dữ liệu quốc gia cơ sở dữ liệu"},
    {"Cung cấp dịch vụ công trực tuyến toàn trình trong lĩnh vực",
     "Cắt giảm, đơn giản hóa thủ tục hành chính về",
     "Tích hợp lên Cổng Dịch vụ công quốc gia thủ tục"},
    {"Đào tạo, bồi dưỡng kỹ năng số cho cán bộ ngành",
     "Triển khai phong trào \"Bình dân học vụ số\" trong ngành",
     "Thu hút chuyên gia công nghệ cao về"},
};

static const char *const REGULAR_TITLES[] = {
    "Báo cáo định kỳ hằng tháng kết quả chuyển đổi số lĩnh vực",
    "Duy trì vận hành, cập nhật thường xuyên hệ thống thông tin",
    "Tổng hợp, báo cáo hằng quý tình hình thực hiện nhiệm vụ về",
};

static const char *const FIELDS[] = {
    "y tế",        "giáo dục", "tài chính", "đất đai",         "giao thông", "năng lượng",
    "nông nghiệp", "tư pháp",  "thuế",      "bảo hiểm xã hội", "hải quan",   "du lịch",
};

static const char *const NOTES_DONE[] = {
    "Đã hoàn thành, đã báo cáo Thủ tướng Chính phủ",
    "Hoàn thành; kết quả đăng trên Cổng thông tin điện tử",
    "Hồ sơ lưu tại \\\\fileserver\\tiendo\\2025",
};
static const char *const NOTES_OPEN[] = {
    "Đang lấy ý kiến các bộ, ngành",
    "Đã trình dự thảo lần 2, chờ ý kiến thẩm định của \"Bộ Tư pháp\"",
    "Vướng mắc:\n- thiếu kinh phí\n- chưa có hướng dẫn kỹ thuật",
    "Tiến độ chậm do sắp xếp đơn vị hành chính",
    "Kết quả:\tđã xong giai đoạn 1",
};
static const char *const NOTES_NOT_STARTED[] = {
    "Chưa bố trí được kinh phí",
    "Chờ hướng dẫn của cơ quan chủ trì",
};

typedef struct {
    char code[48];
    char name[160];
    const char *kind;
    char parent[8]; /* province code of a commune, else "" */
    const char *block;
    int weight; /* relative chance of leading a task; 0 for communes */
    int n_led;  /* tasks it leads */
} sim_agency;

typedef struct {
    char title[256];
    int source;       /* index into SOURCES */
    int lead;         /* index into the agency list */
    int group;        /* index into GROUPS */
    int32_t deadline; /* 0 for a regular task */
    int32_t assigned;
    int32_t start;  /* first day of work: not started before it */
    int32_t finish; /* the day it is done, or NEVER */
    bool hard;
    bool silent; /* never reported at any date */
} sim_task;

typedef struct {
    const char *state;
    int progress;
    int32_t completed_on; /* 0 unless done */
} sim_status;

typedef struct {
    const sim_options *opt;
    sim_agency *agencies;
    int n_agencies;
    int total_weight;
    sim_task *tasks;
    int missing[N_MISSING]; /* leaders with no file at the first date, -1 for none */
    uint64_t rng;
    int n_files; /* status files written */
} sim_run;

/* splitmix64 */

static int s_below(uint64_t *state, int n)
{
    *state += GOLDEN;
    return (int)(sim_mix(*state) % (uint64_t)n);
}

static int32_t s_between(uint64_t *state, int32_t lo, int32_t hi)
{
    return lo + s_below(state, hi - lo + 1);
}

static bool s_percent(uint64_t *state, int pct)
{
    return s_below(state, 100) < pct;
}

/* A draw fixed by (seed, salt, task, date) alone, whatever order things are generated in. */
static uint64_t s_hash(const sim_run *run, uint64_t salt, int task, int date)
{
    uint64_t h = sim_mix(run->opt->seed ^ sim_mix(salt * GOLDEN));
    return sim_mix(sim_mix(h + (uint64_t)task) + (uint64_t)date);
}

/* Files */

static int s_path(char buf[PATH_MAX], const char *dir, const char *name)
{
    int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_MAX) {
        fprintf(stderr, "tiendo-sim: %s/%s: path too long\n", dir, name);
        return -1;
    }
    return 0;
}

static int s_mkdirs(const char *path)
{
    char buf[PATH_MAX];
    if (path[0] == '\0' || snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        fprintf(stderr, "tiendo-sim: '%s': empty or too long path\n", path);
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "tiendo-sim: %s: %s\n", buf, strerror(errno));
            return -1;
        }
        if (c == '\0')
            return 0;
        *p = c;
    }
}

static FILE *s_open(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "tiendo-sim: %s: %s\n", path, strerror(errno));
    return f;
}

static int s_close(FILE *f, const char *path)
{
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "tiendo-sim: %s: write failed: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static bool s_is_json(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* Removes the *.json left in dir by an earlier run, so a snapshot holds only this run's files. */
static int s_clean_json(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "tiendo-sim: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    char path[PATH_MAX];
    for (struct dirent *e = readdir(d); e && rc == 0; e = readdir(d)) {
        if (!s_is_json(e->d_name))
            continue;
        rc = s_path(path, dir, e->d_name);
        if (rc == 0 && unlink(path) != 0) {
            fprintf(stderr, "tiendo-sim: %s: %s\n", path, strerror(errno));
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

/* Other snapshot folders would be read by anyone loading DIR/status/<any>/: say so. */
static void s_warn_foreign_dates(const sim_run *run, const char *status_dir)
{
    DIR *d = opendir(status_dir);
    if (!d)
        return;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        int32_t day;
        bool ours = false;
        if (e->d_name[0] == '.')
            continue;
        if (sim_day_parse(e->d_name, &day) == 0)
            for (int i = 0; i < run->opt->n_dates; i++)
                ours = ours || run->opt->dates[i] == day;
        if (!ours)
            fprintf(stderr, "tiendo-sim: warning: %s/%s is not from this run\n", status_dir,
                    e->d_name);
    }
    closedir(d);
}

/* Text output */

static void s_csv_field(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

/* The registry */

static void s_agency_set(sim_agency *a, const char *code, const char *name, const char *kind,
                         const char *block, int weight)
{
    snprintf(a->code, sizeof a->code, "%s", code);
    snprintf(a->name, sizeof a->name, "%s", name);
    a->kind = kind;
    a->block = block;
    a->weight = weight;
}

/* The k-th commune of a province gets a stem no other commune of that province has. Communes go
 * round the first commune_provinces provinces, or all of them. */
static void s_commune(sim_run *run, int i, sim_agency *a)
{
    int n_parents = run->opt->commune_provinces > 0 ? run->opt->commune_provinces : N_PROVINCES;
    int p = i % n_parents, k = i / n_parents;
    int n_stems = COUNT(COMMUNE_STEMS);
    const char *stem = COMMUNE_STEMS[(k + p * 7) % n_stems];
    const char *prefix = s_below(&run->rng, 3) == 0 ? "Phường" : "Xã";
    char code[48], name[160];
    snprintf(code, sizeof code, "%s-X%03d", PROVINCES[p].code, k + 1);
    if (k < n_stems)
        snprintf(name, sizeof name, "%s %s", prefix, stem);
    else
        snprintf(name, sizeof name, "%s %s %d", prefix, stem, k / n_stems + 1);
    s_agency_set(a, code, name, "commune", "government", 0);
    snprintf(a->parent, sizeof a->parent, "%s", PROVINCES[p].code);
}

static int s_build_agencies(sim_run *run)
{
    int n = N_LEADERS + run->opt->n_communes;
    run->agencies = calloc((size_t)n, sizeof *run->agencies);
    if (!run->agencies) {
        fprintf(stderr, "tiendo-sim: out of memory\n");
        return -1;
    }
    for (int i = 0; i < N_CENTRAL; i++) {
        const central_row *c = &CENTRAL[i];
        s_agency_set(&run->agencies[i], c->code, c->name, c->kind, c->block, c->weight);
    }
    for (int i = 0; i < N_PROVINCES; i++) {
        const province_row *p = &PROVINCES[i];
        s_agency_set(&run->agencies[N_CENTRAL + i], p->code, p->name, "province", "government",
                     p->weight);
    }
    for (int i = 0; i < run->opt->n_communes; i++)
        s_commune(run, i, &run->agencies[N_LEADERS + i]);
    run->n_agencies = n;
    for (int i = 0; i < N_LEADERS; i++)
        run->total_weight += run->agencies[i].weight;
    return 0;
}

static int s_pick_lead(sim_run *run)
{
    int x = s_below(&run->rng, run->total_weight);
    for (int i = 0; i < N_LEADERS; i++) {
        if (x < run->agencies[i].weight)
            return i;
        x -= run->agencies[i].weight;
    }
    return N_LEADERS - 1;
}

/* Most tasks were assigned early in 2025, soon after the resolutions; some arrive after the first
 * snapshot (up to the last one), so they count only at the later dates. */
static int32_t s_pick_assigned(sim_run *run, const sim_task *t)
{
    const sim_options *opt = run->opt;
    int32_t lo = sim_ymd(2025, 1, 15);
    int32_t hi = t->deadline ? t->deadline : sim_ymd(2025, 12, 31);
    int32_t first = opt->dates[0], last = opt->dates[opt->n_dates - 1];
    if (hi > first && s_percent(&run->rng, 12)) {
        int32_t upper = opt->n_dates > 1 && last < hi ? last : hi;
        return s_between(&run->rng, first + 1, upper);
    }
    int32_t early = sim_ymd(2025, 8, 31);
    return s_between(&run->rng, lo, hi < early ? hi : early);
}

static void s_title(sim_run *run, sim_task *t)
{
    const char *field = FIELDS[s_below(&run->rng, COUNT(FIELDS))];
    const char *opening = t->deadline ? TITLES[t->group][s_below(&run->rng, COUNT(TITLES[0]))]
                                      : REGULAR_TITLES[s_below(&run->rng, COUNT(REGULAR_TITLES))];
    snprintf(t->title, sizeof t->title, "%s %s", opening, field);
}

/* When work starts and ends: about half finish by the deadline, the rest late or not at all
 * within the snapshots; hard tasks run later. */
static void s_plan(sim_run *run, sim_task *t)
{
    uint64_t *r = &run->rng;
    t->start = t->assigned + s_between(r, 0, t->hard ? 60 : 30);
    if (s_percent(r, 5))
        t->start += s_between(r, 60, 240);
    if (!t->deadline) {
        t->finish = s_percent(r, 30) ? t->start + s_between(r, 20, 200) : NEVER;
        return;
    }
    int roll = s_below(r, 100) + (t->hard ? 20 : 0);
    int32_t finish;
    if (roll < 55)
        finish = t->deadline - s_between(r, 0, 45);
    else if (roll < 85)
        finish = t->deadline + s_between(r, 1, 60);
    else
        finish = t->deadline + s_between(r, 61, 400);
    t->finish = finish > t->start + 2 ? finish : t->start + 2;
}

static void s_build_task(sim_run *run, sim_task *t)
{
    uint64_t *r = &run->rng;
    t->group = s_below(r, COUNT(GROUPS));
    t->source = s_below(r, COUNT(SOURCES));
    t->lead = s_pick_lead(run);
    t->hard = s_percent(r, 15);
    t->deadline = s_percent(r, 15) ? 0 : s_between(r, sim_ymd(2025, 3, 1), sim_ymd(2026, 6, 30));
    t->assigned = s_pick_assigned(run, t);
    t->silent = s_below(r, 1000) < 20;
    s_title(run, t);
    s_plan(run, t);
    run->agencies[t->lead].n_led++;
}

/* A couple of leaders, from a random place in the list, send nothing at the first date. */
static void s_pick_missing(sim_run *run)
{
    int from = s_below(&run->rng, N_LEADERS), n = 0;
    for (int i = 0; i < N_MISSING; i++)
        run->missing[i] = -1;
    for (int k = 0; k < N_LEADERS && n < N_MISSING; k++) {
        int a = (from + k) % N_LEADERS;
        if (run->agencies[a].n_led > 0)
            run->missing[n++] = a;
    }
}

static int s_build_tasks(sim_run *run)
{
    run->tasks = calloc((size_t)run->opt->n_tasks, sizeof *run->tasks);
    if (!run->tasks) {
        fprintf(stderr, "tiendo-sim: out of memory\n");
        return -1;
    }
    for (int i = 0; i < run->opt->n_tasks; i++)
        s_build_task(run, &run->tasks[i]);
    s_pick_missing(run);
    return 0;
}

static int s_write_agencies(const sim_run *run)
{
    char path[PATH_MAX];
    if (s_path(path, run->opt->out, "agencies.csv") != 0)
        return -1;
    FILE *f = s_open(path);
    if (!f)
        return -1;
    fputs("code,name,kind,parent,block\n", f);
    for (int i = 0; i < run->n_agencies; i++) {
        const sim_agency *a = &run->agencies[i];
        s_csv_field(f, a->code, false);
        s_csv_field(f, a->name, false);
        s_csv_field(f, a->kind, false);
        s_csv_field(f, a->parent, false);
        s_csv_field(f, a->block, true);
    }
    return s_close(f, path);
}

static void s_task_id(int i, char buf[16])
{
    snprintf(buf, 16, "NV-%04d", i + 1);
}

static void s_write_task_row(const sim_run *run, FILE *f, int i)
{
    const sim_task *t = &run->tasks[i];
    char id[16], deadline[DAY_TEXT] = "", assigned[DAY_TEXT];
    s_task_id(i, id);
    if (t->deadline)
        sim_day_format(t->deadline, deadline);
    sim_day_format(t->assigned, assigned);
    s_csv_field(f, id, false);
    s_csv_field(f, t->title, false);
    s_csv_field(f, SOURCES[t->source], false);
    s_csv_field(f, run->agencies[t->lead].code, false);
    s_csv_field(f, deadline, false);
    s_csv_field(f, assigned, false);
    s_csv_field(f, GROUPS[t->group], false);
    s_csv_field(f, t->hard ? "hard" : "normal", true);
}

static int s_write_tasks(const sim_run *run)
{
    char path[PATH_MAX];
    if (s_path(path, run->opt->out, "tasks.csv") != 0)
        return -1;
    FILE *f = s_open(path);
    if (!f)
        return -1;
    fputs("id,title,source,lead,deadline,assigned_on,group,difficulty\n", f);
    for (int i = 0; i < run->opt->n_tasks; i++)
        s_write_task_row(run, f, i);
    return s_close(f, path);
}

/* Snapshots */

/* The state on `day` read off the task's plan: monotone in day, so it never regresses. */
static sim_status s_status_at(const sim_task *t, int32_t day)
{
    sim_status s = {"not_started", 0, 0};
    if (day < t->start)
        return s;
    if (t->finish != NEVER && t->finish <= day)
        return (sim_status){"done", 100, t->finish};
    int64_t p;
    if (t->finish == NEVER)
        p = 5 + (day - t->start) / 4;
    else
        p = 1 + (int64_t)98 * (day - t->start) / (t->finish - t->start);
    int most = t->finish == NEVER ? 95 : 99; /* 100 is for done */
    s.state = "in_progress";
    s.progress = p < 1 ? 1 : p > most ? most : (int)p;
    return s;
}

enum { SALT_OMIT = 1, SALT_NOTE, SALT_EVIDENCE };

/* ~1.5% of items are left out at each date, on top of the ~2% of tasks that never report. */
static bool s_reported(const sim_run *run, int i, int date)
{
    return !run->tasks[i].silent && s_hash(run, SALT_OMIT, i, date) % 1000 >= 15;
}

static void s_json_note(const sim_run *run, FILE *f, int i, int date, const sim_status *s)
{
    uint64_t h = s_hash(run, SALT_NOTE, i, date);
    if (h % 4 != 0)
        return;
    const char *note;
    if (s->progress == 100)
        note = NOTES_DONE[(h >> 8) % COUNT(NOTES_DONE)];
    else if (s->progress > 0)
        note = NOTES_OPEN[(h >> 8) % COUNT(NOTES_OPEN)];
    else
        note = NOTES_NOT_STARTED[(h >> 8) % COUNT(NOTES_NOT_STARTED)];
    fputs(", \"note\": ", f);
    sim_json_string(f, note);
}

static void s_json_evidence(const sim_run *run, FILE *f, int i, int date, const sim_status *s)
{
    uint64_t h = s_hash(run, SALT_EVIDENCE, i, date);
    int pct = s->progress == 100 ? 60 : s->progress > 0 ? 20 : 0;
    if ((int)(h % 100) >= pct)
        return;
    const char *code = run->agencies[run->tasks[i].lead].code;
    int n = 1 + (int)((h >> 8) % 3);
    fputs(", \"evidence\": [", f);
    for (int k = 0; k < n; k++) {
        char item[128];
        int num = 100 + (int)((h >> (16 + 8 * k)) % 9000);
        if (k == 0)
            snprintf(item, sizeof item, "Công văn số %d/%s-CĐS", num, code);
        else if (k == 1)
            snprintf(item, sizeof item, "https://vanban.chinhphu.vn/?docid=%d", num * 37);
        else
            snprintf(item, sizeof item, "Báo cáo số %d/BC-%s", num, code);
        fputs(k ? ", " : "", f);
        sim_json_string(f, item);
    }
    fputc(']', f);
}

static void s_json_item(const sim_run *run, FILE *f, int i, int date)
{
    sim_status s = s_status_at(&run->tasks[i], run->opt->dates[date]);
    char id[16];
    s_task_id(i, id);
    fprintf(f, "    {\"id\": \"%s\", \"state\": \"%s\", \"progress\": %d", id, s.state, s.progress);
    if (s.completed_on) {
        char day[DAY_TEXT];
        sim_day_format(s.completed_on, day);
        fprintf(f, ", \"completed_on\": \"%s\"", day);
    }
    s_json_note(run, f, i, date, &s);
    s_json_evidence(run, f, i, date, &s);
    fputc('}', f);
}

static void s_write_items(const sim_run *run, FILE *f, int lead, int date)
{
    fputs(",\n  \"tasks\": [", f);
    int n = 0;
    for (int i = 0; i < run->opt->n_tasks; i++) {
        const sim_task *t = &run->tasks[i];
        if (t->lead != lead || t->assigned > run->opt->dates[date] || !s_reported(run, i, date))
            continue;
        fputs(n++ ? ",\n" : "\n", f);
        s_json_item(run, f, i, date);
    }
    fputs(n ? "\n  ]" : "]", f);
}

static sim_section_at s_section_at(const sim_run *run, int a, int date)
{
    sim_tier tier = a < N_CENTRAL ? SIM_CENTRAL : a < N_LEADERS ? SIM_PROVINCE : SIM_COMMUNE;
    return (sim_section_at){run->opt->seed, a, tier, run->opt->dates, run->opt->n_dates, date};
}

/* About half the communes leave out "tasks" (they lead none), the rest send an empty list. */
static bool s_lists_tasks(const sim_run *run, int a)
{
    return a < N_LEADERS || run->agencies[a].n_led > 0 || sim_mix((uint64_t)a) % 2 == 0;
}

static int s_write_status(sim_run *run, const char *dir, int a, int date)
{
    char name[64], path[PATH_MAX], day[DAY_TEXT];
    snprintf(name, sizeof name, "%s.json", run->agencies[a].code);
    if (s_path(path, dir, name) != 0)
        return -1;
    FILE *f = s_open(path);
    if (!f)
        return -1;
    sim_day_format(run->opt->dates[date], day);
    fputs("{\n  \"agency\": ", f);
    sim_json_string(f, run->agencies[a].code);
    fprintf(f, ",\n  \"as_of\": \"%sT17:00:00+07:00\"", day);
    if (s_lists_tasks(run, a))
        s_write_items(run, f, a, date);
    if (run->opt->sections) {
        sim_section_at at = s_section_at(run, a, date);
        sim_sections_write(f, &at);
    }
    fputs("\n}\n", f);
    run->n_files++;
    return s_close(f, path);
}

/* An agency sends a file when it leads tasks or has a section to report, except the missing
 * leaders at the first date. */
static bool s_sends(const sim_run *run, int a, int date)
{
    for (int k = 0; date == 0 && k < N_MISSING; k++)
        if (run->missing[k] == a)
            return false;
    if (run->agencies[a].n_led > 0)
        return true;
    sim_section_at at = s_section_at(run, a, date);
    return run->opt->sections && sim_sections_any(&at);
}

static int s_write_snapshot(sim_run *run, const char *status_dir, int date)
{
    char name[DAY_TEXT], dir[PATH_MAX];
    sim_day_format(run->opt->dates[date], name);
    if (s_path(dir, status_dir, name) != 0 || s_mkdirs(dir) != 0 || s_clean_json(dir) != 0)
        return -1;
    for (int a = 0; a < run->n_agencies; a++)
        if (s_sends(run, a, date) && s_write_status(run, dir, a, date) != 0)
            return -1;
    return 0;
}

static int s_write_all(sim_run *run)
{
    char status_dir[PATH_MAX];
    if (s_mkdirs(run->opt->out) != 0 || s_path(status_dir, run->opt->out, "status") != 0)
        return -1;
    if (s_write_agencies(run) != 0 || s_write_tasks(run) != 0 || s_mkdirs(status_dir) != 0)
        return -1;
    s_warn_foreign_dates(run, status_dir);
    for (int d = 0; d < run->opt->n_dates; d++)
        if (s_write_snapshot(run, status_dir, d) != 0)
            return -1;
    return 0;
}

int sim_generate(const sim_options *opt)
{
    sim_run run = {.opt = opt, .rng = opt->seed};
    int rc = s_build_agencies(&run);
    if (rc == 0)
        rc = s_build_tasks(&run);
    if (rc == 0)
        rc = s_write_all(&run);
    if (rc == 0)
        printf("tiendo-sim: %d agencies, %d provinces, %d communes, %d tasks, %d snapshot dates; "
               "wrote %d files (2 csv, %d status) to %s\n",
               N_CENTRAL, N_PROVINCES, opt->n_communes, opt->n_tasks, opt->n_dates, 2 + run.n_files,
               run.n_files, opt->out);
    free(run.tasks);
    free(run.agencies);
    return rc;
}
