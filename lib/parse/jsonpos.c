/* Positions of values in a JSON text. jansson decodes without keeping where a value was, so a
 * message about a decoded value finds its line and column here: one pass over the text, keeping
 * only the positions asked for. Lines and columns are counted the way jansson counts them for its
 * own syntax errors (a column is a character, not a byte), so both kinds of message agree. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiendo/parse.h"

typedef struct {
    bool object;
    size_t index;    /* of the element being read, in an array */
    size_t path_len; /* of the container's own path */
} s_frame;

typedef struct {
    const char *p;
    const char *end;
    int line;
    int chars;      /* characters read on this line */
    td_jsonpos **q; /* the queries, sorted by path */
    size_t n;
    size_t max_depth; /* segments of the deepest query: deeper values are not followed */
    char *path;       /* of the value being read, when its depth is followed */
    size_t path_len;
    size_t path_cap;
    s_frame *frames; /* the open containers */
    size_t depth;
    size_t frames_cap;
    bool nomem;
} s_scan;

/* RFC 6901: "~" and "/" in a key become "~0" and "~1". Returns the bytes written (1 or 2). */
static size_t s_escape(char c, char out[2])
{
    if (c != '~' && c != '/') {
        out[0] = c;
        return 1;
    }
    out[0] = '~';
    out[1] = c == '~' ? '0' : '1';
    return 2;
}

char *td_jsonpos_child(const char *path, const char *key)
{
    size_t n = strlen(path);
    char *out = malloc(n + 2 * strlen(key) + 2);
    if (out == NULL)
        return NULL;
    memcpy(out, path, n);
    out[n++] = '/';
    for (const char *k = key; *k != '\0'; k++)
        n += s_escape(*k, out + n);
    out[n] = '\0';
    return out;
}

char *td_jsonpos_index(const char *path, size_t index)
{
    size_t size = strlen(path) + 24;
    char *out = malloc(size);
    if (out != NULL)
        snprintf(out, size, "%s/%zu", path, index);
    return out;
}

static void s_adv(s_scan *sc)
{
    unsigned char c = (unsigned char)*sc->p++;
    if (c == '\n') {
        sc->line += sc->line < INT_MAX;
        sc->chars = 0;
    } else if ((c & 0xC0) != 0x80) {
        sc->chars += sc->chars < INT_MAX; /* continuation bytes are part of one character */
    }
}

void td_jsonpos_at(const char *text, size_t offset, int *line, int *column)
{
    s_scan sc = {.p = text, .end = text + offset, .line = 1};
    while (sc.p < sc.end)
        s_adv(&sc);
    *line = sc.line;
    *column = sc.chars + 1;
}

static void s_skip_ws(s_scan *sc)
{
    while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\r' || *sc->p == '\n'))
        s_adv(sc);
}

static bool s_followed(const s_scan *sc)
{
    return sc->depth <= sc->max_depth && !sc->nomem;
}

static void s_put_raw(s_scan *sc, const char *bytes, size_t n)
{
    if (!s_followed(sc))
        return;
    if (sc->path_len + n + 1 > sc->path_cap) {
        size_t cap = sc->path_cap ? sc->path_cap : 128;
        while (cap < sc->path_len + n + 1)
            cap *= 2;
        char *path = realloc(sc->path, cap);
        if (path == NULL) {
            sc->nomem = true;
            return;
        }
        sc->path = path;
        sc->path_cap = cap;
    }
    memcpy(sc->path + sc->path_len, bytes, n);
    sc->path_len += n;
    sc->path[sc->path_len] = '\0';
}

/* A byte of a key, escaped. */
static void s_put(s_scan *sc, char c)
{
    char out[2];
    s_put_raw(sc, out, s_escape(c, out));
}

/* Sets the path to the current container's child: "/" and then its key or index. */
static void s_path_child(s_scan *sc)
{
    if (!s_followed(sc))
        return;
    s_frame *top = &sc->frames[sc->depth - 1];
    sc->path_len = top->path_len;
    s_put_raw(sc, "/", 1);
    if (!top->object) {
        char index[24];
        s_put_raw(sc, index, (size_t)snprintf(index, sizeof index, "%zu", top->index));
    }
}

/* Records a position in every query that asks for the current path. */
static void s_visit(s_scan *sc, bool key, int line, int column)
{
    if (!s_followed(sc) || sc->path == NULL)
        return;
    size_t lo = 0, hi = sc->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(sc->q[mid]->path, sc->path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < sc->n && strcmp(sc->q[lo]->path, sc->path) == 0; lo++) {
        *(key ? &sc->q[lo]->key_line : &sc->q[lo]->line) = line;
        *(key ? &sc->q[lo]->key_column : &sc->q[lo]->column) = column;
    }
}

static bool s_hex4(s_scan *sc, uint32_t *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++) {
        if (sc->p == sc->end)
            return false;
        char c = *sc->p;
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0)
            return false;
        *out = *out << 4 | (uint32_t)v;
        s_adv(sc);
    }
    return true;
}

static void s_put_utf8(s_scan *sc, uint32_t cp)
{
    if (cp < 0x80) {
        s_put(sc, (char)cp);
    } else if (cp < 0x800) {
        s_put(sc, (char)(0xC0 | cp >> 6));
        s_put(sc, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        s_put(sc, (char)(0xE0 | cp >> 12));
        s_put(sc, (char)(0x80 | (cp >> 6 & 0x3F)));
        s_put(sc, (char)(0x80 | (cp & 0x3F)));
    } else {
        s_put(sc, (char)(0xF0 | cp >> 18));
        s_put(sc, (char)(0x80 | (cp >> 12 & 0x3F)));
        s_put(sc, (char)(0x80 | (cp >> 6 & 0x3F)));
        s_put(sc, (char)(0x80 | (cp & 0x3F)));
    }
}

/* A \uXXXX escape after its "\u", with the second half of a surrogate pair. */
static bool s_unicode(s_scan *sc, bool keep)
{
    uint32_t cp, lo;
    if (!s_hex4(sc, &cp) || (cp >= 0xDC00 && cp <= 0xDFFF))
        return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (sc->end - sc->p < 2 || sc->p[0] != '\\' || sc->p[1] != 'u')
            return false;
        s_adv(sc);
        s_adv(sc);
        if (!s_hex4(sc, &lo) || lo < 0xDC00 || lo > 0xDFFF)
            return false;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (keep)
        s_put_utf8(sc, cp);
    return true;
}

/* An escape after its backslash; the decoded bytes go to the path when keep is set. */
static bool s_escape_seq(s_scan *sc, bool keep)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (sc->p == sc->end)
        return false;
    char c = *sc->p;
    s_adv(sc);
    if (c == 'u')
        return s_unicode(sc, keep);
    const char *at = c != '\0' ? strchr(from, c) : NULL;
    if (at == NULL)
        return false;
    if (keep)
        s_put(sc, to[at - from]);
    return true;
}

/* A string from its opening quote; a key is decoded onto the path (keep). */
static td_err s_string(s_scan *sc, bool keep)
{
    s_adv(sc);
    while (sc->p < sc->end) {
        char c = *sc->p;
        s_adv(sc);
        if (c == '"')
            return TD_OK;
        if (c == '\\' && !s_escape_seq(sc, keep))
            return TD_EINVAL;
        if (c != '\\' && keep)
            s_put(sc, c);
    }
    return TD_EINVAL;
}

/* A number, true, false or null: jansson has checked it, so its extent is all that matters. */
static td_err s_scalar(s_scan *sc)
{
    const char *start = sc->p;
    while (sc->p < sc->end && *sc->p != '\0' && strchr("+-.0123456789Eaeflnrstu", *sc->p))
        s_adv(sc);
    return sc->p == start ? TD_EINVAL : TD_OK;
}

static td_err s_push(s_scan *sc, bool object)
{
    if (sc->depth == sc->frames_cap) {
        size_t cap = sc->frames_cap ? sc->frames_cap * 2 : 16;
        s_frame *frames = realloc(sc->frames, cap * sizeof *frames);
        if (frames == NULL)
            return TD_ENOMEM;
        sc->frames = frames;
        sc->frames_cap = cap;
    }
    sc->frames[sc->depth++] = (s_frame){object, 0, sc->path_len};
    return TD_OK;
}

/* A member's key and colon, leaving the path at the member. */
static td_err s_member(s_scan *sc)
{
    if (sc->p == sc->end || *sc->p != '"')
        return TD_EINVAL;
    int line = sc->line, column = sc->chars + 1;
    s_path_child(sc);
    td_err err = s_string(sc, true);
    if (err != TD_OK)
        return err;
    s_visit(sc, true, line, column);
    s_skip_ws(sc);
    if (sc->p == sc->end || *sc->p != ':')
        return TD_EINVAL;
    s_adv(sc);
    s_skip_ws(sc);
    return TD_OK;
}

/* Opens an object or array; an empty one is closed at once. */
static td_err s_open(s_scan *sc, bool *want_value)
{
    bool object = *sc->p == '{';
    s_adv(sc);
    if (s_push(sc, object) != TD_OK)
        return TD_ENOMEM;
    s_skip_ws(sc);
    if (sc->p < sc->end && *sc->p == (object ? '}' : ']')) {
        s_adv(sc);
        sc->depth--;
        *want_value = false;
        return TD_OK;
    }
    *want_value = true;
    if (object)
        return s_member(sc);
    s_path_child(sc);
    return TD_OK;
}

static td_err s_value(s_scan *sc, bool *want_value)
{
    if (sc->p == sc->end)
        return TD_EINVAL;
    s_visit(sc, false, sc->line, sc->chars + 1);
    if (*sc->p == '{' || *sc->p == '[')
        return s_open(sc, want_value);
    *want_value = false;
    return *sc->p == '"' ? s_string(sc, false) : s_scalar(sc);
}

/* After a value in a container: a comma and the next member or element, or the closing. */
static td_err s_next(s_scan *sc, bool *want_value)
{
    s_frame *top = &sc->frames[sc->depth - 1];
    if (sc->p < sc->end && *sc->p == ',') {
        s_adv(sc);
        s_skip_ws(sc);
        *want_value = true;
        if (top->object)
            return s_member(sc);
        top->index++;
        s_path_child(sc);
        return TD_OK;
    }
    if (sc->p < sc->end && *sc->p == (top->object ? '}' : ']')) {
        s_adv(sc);
        sc->depth--;
        *want_value = false;
        return TD_OK;
    }
    return TD_EINVAL;
}

static td_err s_run(s_scan *sc)
{
    bool want_value = true;
    s_skip_ws(sc);
    s_put_raw(sc, "", 0); /* the root's path, "" */
    for (;;) {
        td_err err = want_value ? s_value(sc, &want_value) : s_next(sc, &want_value);
        if (err != TD_OK)
            return err;
        if (!want_value && sc->depth == 0)
            return TD_OK;
        s_skip_ws(sc);
    }
}

static int s_by_path(const void *a, const void *b)
{
    return strcmp((*(td_jsonpos *const *)a)->path, (*(td_jsonpos *const *)b)->path);
}

td_err td_jsonpos_find(const char *text, size_t len, td_jsonpos *q, size_t n)
{
    s_scan sc = {.p = text, .end = text + len, .line = 1, .n = n};
    for (size_t i = 0; i < n; i++) {
        q[i].line = q[i].column = q[i].key_line = q[i].key_column = 0;
        size_t depth = 0;
        for (const char *c = q[i].path; *c != '\0'; c++)
            depth += *c == '/';
        sc.max_depth = depth > sc.max_depth ? depth : sc.max_depth;
    }
    if (n == 0)
        return TD_OK;
    if ((sc.q = malloc(n * sizeof *sc.q)) == NULL)
        return TD_ENOMEM;
    for (size_t i = 0; i < n; i++)
        sc.q[i] = &q[i];
    qsort(sc.q, n, sizeof *sc.q, s_by_path);
    td_err err = s_run(&sc);
    free(sc.q);
    free(sc.path);
    free(sc.frames);
    return sc.nomem ? TD_ENOMEM : err;
}
