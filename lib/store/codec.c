#include "codec.h"

#include <stdlib.h>
#include <string.h>

void td_wbuf_init(td_wbuf *b)
{
    memset(b, 0, sizeof *b);
}

void td_wbuf_fini(td_wbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void td_wbuf_reset(td_wbuf *b)
{
    b->len = 0;
    b->oom = false;
}

void td_wbuf_bytes(td_wbuf *b, const void *p, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *data = realloc(b->data, cap);
        if (!data) {
            b->oom = true;
            return;
        }
        b->data = data;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void td_wbuf_u8(td_wbuf *b, uint8_t v)
{
    td_wbuf_bytes(b, &v, 1);
}

void td_wbuf_u32(td_wbuf *b, uint32_t v)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    td_wbuf_bytes(b, x, 4);
}

void td_wbuf_u64(td_wbuf *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    td_wbuf_bytes(b, x, 8);
}

void td_wbuf_i64(td_wbuf *b, int64_t v)
{
    td_wbuf_u64(b, (uint64_t)v);
}

void td_wbuf_str(td_wbuf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    td_wbuf_u32(b, (uint32_t)n);
    td_wbuf_bytes(b, s, n);
}

void td_wbuf_key_str(td_wbuf *b, const char *s)
{
    td_wbuf_bytes(b, s, strlen(s) + 1);
}

void td_wbuf_key_u64(td_wbuf *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (56 - 8 * i));
    td_wbuf_bytes(b, x, 8);
}

void td_wbuf_key_i64(td_wbuf *b, int64_t v)
{
    td_wbuf_key_u64(b, (uint64_t)v ^ (UINT64_C(1) << 63));
}

uint64_t td_key_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

int64_t td_key_i64(const uint8_t *p)
{
    return (int64_t)(td_key_u64(p) ^ (UINT64_C(1) << 63));
}

void td_rbuf_init(td_rbuf *r, const void *p, size_t n)
{
    r->p = p;
    r->left = n;
    r->bad = false;
}

void td_rbuf_bytes(td_rbuf *r, void *dst, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = true;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
}

uint8_t td_rbuf_u8(td_rbuf *r)
{
    uint8_t v;
    td_rbuf_bytes(r, &v, 1);
    return v;
}

uint32_t td_rbuf_u32(td_rbuf *r)
{
    uint8_t x[4];
    td_rbuf_bytes(r, x, 4);
    return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

uint64_t td_rbuf_u64(td_rbuf *r)
{
    uint8_t x[8];
    uint64_t v = 0;
    td_rbuf_bytes(r, x, 8);
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | x[i];
    return v;
}

int64_t td_rbuf_i64(td_rbuf *r)
{
    return (int64_t)td_rbuf_u64(r);
}

char *td_rbuf_strdup(td_rbuf *r)
{
    uint32_t n = td_rbuf_u32(r);
    if (r->bad || r->left < n) {
        r->bad = true;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        r->bad = true;
        return NULL;
    }
    td_rbuf_bytes(r, s, n);
    s[n] = '\0';
    return s;
}

void td_rbuf_strcpy(td_rbuf *r, char *dst, size_t cap)
{
    uint32_t n = td_rbuf_u32(r);
    if (r->bad || r->left < n || n >= cap) {
        r->bad = true;
        dst[0] = '\0';
        return;
    }
    td_rbuf_bytes(r, dst, n);
    dst[n] = '\0';
}
