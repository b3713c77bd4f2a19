/* tiendo report as one self-contained HTML file: inline CSS (with A4 print rules), inline SVG
 * bar charts, no scripts and no external resources, so that it can be mailed, opened offline
 * and printed to PDF. */
#include "report.h"

#include <string.h>

#define S_W 700.0     /* chart width in user units (about the A4 text width at 96 dpi) */
#define S_LABEL 250.0 /* left column of labels */
#define S_VALUE 100.0 /* right margin for the figure after the longest bar */
#define S_ROW 26.0
#define S_LABEL_CHARS 40 /* longer labels are cut with an ellipsis */

static const char s_css[] =
    "@page{size:A4;margin:14mm 13mm 15mm}"
    "*{box-sizing:border-box}"
    "html{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "body{font-family:'Noto Sans','DejaVu Sans','Segoe UI',Arial,sans-serif;font-size:10.5pt;"
    "line-height:1.4;color:#1b1f24;max-width:190mm;margin:0 auto;padding:8mm 4mm}"
    "header{border-bottom:3px solid #b71c1c;padding-bottom:6px}"
    "header .org{color:#b71c1c;font-weight:700;font-size:9pt;letter-spacing:.04em;"
    "text-transform:uppercase}"
    "h1{font-size:16pt;line-height:1.25;margin:4px 0}"
    "header p{margin:0;color:#444}"
    ".tiles{display:grid;grid-template-columns:repeat(3,1fr);gap:6px;margin:10px 0 4px}"
    ".tile{border:1px solid #d0d7de;border-left:5px solid #1565c0;border-radius:3px;"
    "padding:5px 9px;break-inside:avoid}"
    ".tile .l{font-size:9pt;color:#444}.tile .v{font-size:17pt;font-weight:700}"
    ".tile .n{font-size:8.5pt;color:#666}"
    ".tile.ok{border-left-color:#2e7d32}.tile.warn{border-left-color:#ef8f00}"
    ".tile.bad{border-left-color:#c62828}.tile.muted{border-left-color:#90a4ae}"
    "section{margin-top:14px}"
    "h2{font-size:13pt;color:#7f1212;border-bottom:1.5px solid #b71c1c;padding-bottom:2px;"
    "margin:0 0 6px;break-after:avoid}"
    "h3{font-size:11pt;margin:10px 0 4px;break-after:avoid}"
    "p{margin:6px 0}"
    "table{border-collapse:collapse;width:100%;margin:6px 0;font-size:9.5pt}"
    "th,td{border:1px solid #c9d1d9;padding:3px 6px;vertical-align:top;text-align:left}"
    "th{background:#eef2f6;font-weight:600}"
    "th.r,td.r{text-align:right;white-space:nowrap}th.c,td.c{white-space:nowrap}th.r,th.c{width:1%}"
    "th.w{width:40%}td.w{white-space:pre-line}"
    "tr{break-inside:avoid}thead{display:table-header-group}"
    "tr.total td{font-weight:700;background:#f6f8fa}"
    "tr.sub td:first-child{padding-left:22px;color:#444}"
    "figure{margin:8px 0;break-inside:avoid}"
    "figcaption{font-weight:600;font-size:9.5pt;margin-bottom:2px}"
    "svg{display:block;width:100%;height:auto}"
    "@media print{body{max-width:none;padding:0}section.page{break-before:page}"
    "section.keep{break-inside:avoid}"
    "section{margin-top:10px}}";

static const char *s_color(td_brief_tone t)
{
    static const char *const colors[] = {"#2e7d32", "#ef8f00", "#c62828", "#1565c0", "#90a4ae"};
    return (size_t)t < sizeof colors / sizeof colors[0] ? colors[t] : colors[TD_TONE_INFO];
}

static const char *s_tone(td_brief_tone t)
{
    static const char *const names[] = {"ok", "warn", "bad", "info", "muted"};
    return (size_t)t < sizeof names / sizeof names[0] ? names[t] : "info";
}

/* Text escaped for element content and quoted attribute values. */
static void s_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* An element with escaped text: <tag attrs>text</tag>. */
static void s_elem(FILE *f, const char *tag, const char *attrs, const char *text)
{
    fprintf(f, "<%s%s%s>", tag, attrs ? " " : "", attrs ? attrs : "");
    s_esc(f, text);
    fprintf(f, "</%s>", tag);
}

/* At most max characters of UTF-8 text, cut at a character boundary with an ellipsis. */
static void s_esc_cut(FILE *f, const char *s, size_t max)
{
    size_t chars = 0, i = 0;
    for (; s[i] && chars <= max; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    if (chars <= max) {
        s_esc(f, s);
        return;
    }
    char buf[4 * S_LABEL_CHARS + 8];
    size_t cut = 0;
    for (chars = 0; s[cut] && cut < sizeof buf - 4; cut++) {
        if (((unsigned char)s[cut] & 0xC0) != 0x80 && ++chars > max - 1)
            break;
    }
    memcpy(buf, s, cut);
    strcpy(buf + cut, "…");
    s_esc(f, buf);
}

static void s_close_section(td_brief_out *o)
{
    if (o->in_section)
        fputs("</section>\n", o->f);
    o->in_section = false;
}

static void s_begin(td_brief_out *o, const char *title, const char *subtitle)
{
    fputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
          o->f);
    s_elem(o->f, "title", NULL, title);
    fprintf(o->f, "\n<style>%s</style>\n</head>\n<body>\n<header>\n", s_css);
    s_elem(o->f, "div", "class=\"org\"", "Ban Chỉ đạo · Báo cáo phục vụ phiên họp");
    fputs("\n", o->f);
    s_elem(o->f, "h1", NULL, title);
    fputs("\n", o->f);
    s_elem(o->f, "p", NULL, subtitle);
    fputs("\n</header>\n", o->f);
}

static void s_tiles(td_brief_out *o, const td_brief_tile *t, size_t n)
{
    fputs("<div class=\"tiles\">\n", o->f);
    for (size_t i = 0; i < n; i++) {
        fprintf(o->f, "<div class=\"tile %s\">", s_tone(t[i].tone));
        s_elem(o->f, "div", "class=\"l\"", t[i].label);
        s_elem(o->f, "div", "class=\"v\"", t[i].value);
        if (t[i].note)
            s_elem(o->f, "div", "class=\"n\"", t[i].note);
        fputs("</div>\n", o->f);
    }
    fputs("</div>\n", o->f);
}

static void s_section(td_brief_out *o, int number, const char *title, unsigned flags)
{
    s_close_section(o);
    fprintf(o->f, "<section class=\"%s%s\">\n<h2>%d. ", flags & TD_BRIEF_NEW_PAGE ? "page " : "",
            flags & TD_BRIEF_KEEP ? "keep" : "", number);
    s_esc(o->f, title);
    fputs("</h2>\n", o->f);
    o->in_section = true;
}

static void s_subsection(td_brief_out *o, const char *title)
{
    s_elem(o->f, "h3", NULL, title);
    fputs("\n", o->f);
}

static void s_para(td_brief_out *o, const char *text)
{
    s_elem(o->f, "p", NULL, text);
    fputs("\n", o->f);
}

/* The class attribute of a column of this kind. */
static const char *s_kind(char kind)
{
    return kind == 'r'   ? "class=\"r\""
           : kind == 'c' ? "class=\"c\""
           : kind == 'w' ? "class=\"w\""
                         : NULL;
}

static void s_table(td_brief_out *o, const char *const *head, const char *kinds, size_t n)
{
    o->columns = n;
    o->kinds = kinds;
    fputs("<table>\n<thead><tr>", o->f);
    for (size_t i = 0; i < n; i++)
        s_elem(o->f, "th", s_kind(kinds[i]), head[i]);
    fputs("</tr></thead>\n<tbody>\n", o->f);
}

static void s_row(td_brief_out *o, const char *const *cells, td_brief_row style)
{
    fputs(style == TD_ROW_TOTAL ? "<tr class=\"total\">"
          : style == TD_ROW_SUB ? "<tr class=\"sub\">"
                                : "<tr>",
          o->f);
    for (size_t i = 0; i < o->columns; i++)
        s_elem(o->f, "td", s_kind(o->kinds[i]), cells[i]);
    fputs("</tr>\n", o->f);
}

static void s_table_end(td_brief_out *o)
{
    fputs("</tbody>\n</table>\n", o->f);
    o->columns = 0;
}

/* Width of bar i in user units. */
static double s_width(const td_brief_chart *c, size_t i)
{
    double area = S_W - S_LABEL - S_VALUE;
    double w = c->max > 0 ? area * c->bars[i].value / c->max : 0;
    w = w < 0 ? 0 : w > area ? area : w;
    return c->bars[i].value > 0 && w < 1 ? 1 : w;
}

static void s_bar(FILE *f, const td_brief_chart *c, size_t i, double y)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", S_LABEL - 8, y + 17);
    s_esc_cut(f, c->bars[i].label, S_LABEL_CHARS);
    fprintf(f,
            "</text>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"#eef2f6\"/>"
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"%s\"/>\n",
            S_LABEL, y + 5, S_W - S_LABEL - S_VALUE, S_LABEL, y + 5, s_width(c, i),
            s_color(c->bars[i].tone));
}

static void s_target(FILE *f, const td_brief_chart *c, double top, double h)
{
    double x = S_LABEL + (S_W - S_LABEL - S_VALUE) * c->target / c->max;
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b71c1c\" "
            "stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n<text x=\"%.1f\" y=\"13\" "
            "text-anchor=\"middle\" fill=\"#b71c1c\" font-weight=\"600\">",
            x, top - 4, x, h - 2, x);
    s_esc(f, c->target_label ? c->target_label : "");
    fputs("</text>\n", f);
}

/* Labels, bars, the target line, then the figures, haloed so that they stay legible where
 * they cross the line. */
static void s_chart(td_brief_out *o, const td_brief_chart *c)
{
    bool target = c->target >= 0 && c->max > 0;
    double top = target ? 20 : 4, h = top + (double)c->n * S_ROW + 4;
    fputs("<figure>", o->f);
    s_elem(o->f, "figcaption", NULL, c->title);
    fprintf(o->f,
            "\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
            "font-size=\"12\" fill=\"#1b1f24\" role=\"img\" aria-label=\"",
            S_W, h);
    s_esc(o->f, c->title);
    fputs("\">\n", o->f);
    for (size_t i = 0; i < c->n; i++)
        s_bar(o->f, c, i, top + (double)i * S_ROW);
    if (target)
        s_target(o->f, c, top, h);
    for (size_t i = 0; i < c->n; i++) {
        fprintf(o->f,
                "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"600\" stroke=\"#fff\" "
                "stroke-width=\"3\" paint-order=\"stroke\">",
                S_LABEL + s_width(c, i) + 6, top + (double)i * S_ROW + 17);
        s_esc(o->f, c->bars[i].text ? c->bars[i].text : "");
        fputs("</text>\n", o->f);
    }
    fputs("</svg></figure>\n", o->f);
}

static void s_end(td_brief_out *o)
{
    s_close_section(o);
    fputs("</body>\n</html>\n", o->f);
}

const td_brief_ops td_brief_html = {
    .begin = s_begin,
    .tiles = s_tiles,
    .section = s_section,
    .subsection = s_subsection,
    .para = s_para,
    .table = s_table,
    .row = s_row,
    .table_end = s_table_end,
    .chart = s_chart,
    .end = s_end,
};
