/* Hand-made protobuf frames for the wire tests (test_wire.c, test_sections.c): writers of the
 * protobuf encoding, so that a test can build what td_wire_encode never would. Include after
 * cmocka.h. */
#ifndef TIENDO_TEST_WIRE_BYTES_H
#define TIENDO_TEST_WIRE_BYTES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t *b;
    size_t n;
    size_t cap;
} s_bytes;

static inline void s_put(s_bytes *w, const void *p, size_t n)
{
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2 + 16;
        w->b = realloc(w->b, w->cap);
        assert_non_null(w->b);
    }
    if (n > 0)
        memcpy(w->b + w->n, p, n);
    w->n += n;
}

static inline void s_put_varint(s_bytes *w, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n++] = (uint8_t)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v != 0);
    s_put(w, b, n);
}

static inline void s_put_uint(s_bytes *w, unsigned field, uint64_t v)
{
    s_put_varint(w, (uint64_t)field << 3);
    s_put_varint(w, v);
}

static inline void s_put_len(s_bytes *w, unsigned field, const void *p, size_t n)
{
    s_put_varint(w, (uint64_t)field << 3 | 2);
    s_put_varint(w, n);
    s_put(w, p, n);
}

static inline void s_put_str(s_bytes *w, unsigned field, const char *s)
{
    s_put_len(w, field, s, strlen(s));
}

/* Appends sub as a length-delimited field and frees it. */
static inline void s_put_msg(s_bytes *w, unsigned field, s_bytes *sub)
{
    s_put_len(w, field, sub->b, sub->n);
    free(sub->b);
    memset(sub, 0, sizeof *sub);
}

#endif
