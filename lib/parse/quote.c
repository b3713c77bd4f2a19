/* Values shown in messages: quoted, escaped, and short, so that a hostile field cannot flood a
 * message or break the line it is printed on. */
#include <string.h>

#include "tiendo/parse.h"

/* Bytes of the UTF-8 sequence that starts with c, so that a cut never splits a character. */
static size_t s_char_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

const char *td_parse_quote(const char *text, char *buf, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, room = size - 5; /* the closing quote, "..." and NUL */
    const unsigned char *p = (const unsigned char *)text;
    buf[o++] = '"';
    while (*p != '\0') {
        char e[8] = {0};
        size_t in = 1;
        if (*p == '"' || *p == '\\')
            e[0] = '\\', e[1] = (char)*p;
        else if (*p == '\n' || *p == '\t')
            e[0] = '\\', e[1] = *p == '\n' ? 'n' : 't';
        else if (*p < 0x20 || *p == 0x7F)
            e[0] = '\\', e[1] = 'x', e[2] = hex[*p >> 4], e[3] = hex[*p & 0xF];
        else {
            in = strnlen((const char *)p, s_char_len(*p));
            memcpy(e, p, in);
        }
        size_t n = strlen(e);
        if (o + n > room) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(buf + o, e, n);
        o += n;
        p += in;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}
