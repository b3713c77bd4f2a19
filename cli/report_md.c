/* tiendo report as Markdown (GitHub-flavoured tables). Charts are left out: the tables carry
 * the same figures. */
#include "report.h"

#include <string.h>

/* Text safe in a paragraph or a table cell: Markdown's punctuation escaped, line breaks made
 * spaces (a cell is one line). */
static void s_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n' || *s == '\r' || *s == '\t')
            fputc(' ', f);
        else if (strchr("\\`*_[]<>|#~", *s))
            fprintf(f, "\\%c", *s);
        else
            fputc(*s, f);
    }
}

static void s_begin(td_brief_out *o, const char *title, const char *subtitle)
{
    fputs("# ", o->f);
    s_text(o->f, title);
    fputs("\n\n", o->f);
    s_text(o->f, subtitle);
    fputs("\n", o->f);
}

static void s_tiles(td_brief_out *o, const td_brief_tile *t, size_t n)
{
    fputs("\n", o->f);
    for (size_t i = 0; i < n; i++) {
        fputs("- **", o->f);
        s_text(o->f, t[i].label);
        fputs(":** ", o->f);
        s_text(o->f, t[i].value);
        if (t[i].note) {
            fputs(" (", o->f);
            s_text(o->f, t[i].note);
            fputs(")", o->f);
        }
        fputs("\n", o->f);
    }
}

static void s_section(td_brief_out *o, int number, const char *title, unsigned flags)
{
    (void)flags;
    fprintf(o->f, "\n## %d. ", number);
    s_text(o->f, title);
    fputs("\n", o->f);
}

static void s_subsection(td_brief_out *o, const char *title)
{
    fputs("\n### ", o->f);
    s_text(o->f, title);
    fputs("\n", o->f);
}

static void s_para(td_brief_out *o, const char *text)
{
    fputs("\n", o->f);
    s_text(o->f, text);
    fputs("\n", o->f);
}

static void s_table(td_brief_out *o, const char *const *head, const char *kinds, size_t n)
{
    o->columns = n;
    o->kinds = kinds;
    fputs("\n|", o->f);
    for (size_t i = 0; i < n; i++) {
        fputs(" ", o->f);
        s_text(o->f, head[i]);
        fputs(" |", o->f);
    }
    fputs("\n|", o->f);
    for (size_t i = 0; i < n; i++)
        fputs(kinds[i] == 'r' ? " ---: |" : " --- |", o->f);
    fputs("\n", o->f);
}

static void s_row(td_brief_out *o, const char *const *cells, td_brief_row style)
{
    fputs("|", o->f);
    for (size_t i = 0; i < o->columns; i++) {
        bool bold = style == TD_ROW_TOTAL && *cells[i];
        fputs(bold ? " **" : " ", o->f);
        s_text(o->f, cells[i]);
        fputs(bold ? "** |" : " |", o->f);
    }
    fputs("\n", o->f);
}

static void s_table_end(td_brief_out *o)
{
    o->columns = 0;
}

static void s_chart(td_brief_out *o, const td_brief_chart *c)
{
    (void)o;
    (void)c;
}

static void s_end(td_brief_out *o)
{
    (void)o;
}

const td_brief_ops td_brief_md = {
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
