/* Byte encoding of stored values and keys: little-endian values, big-endian keys (so that
 * LMDB's byte order is numeric order). Internal to lib/store. */
#ifndef TIENDO_STORE_CODEC_H
#define TIENDO_STORE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool oom; /* an append failed; the buffer is unusable */
} td_wbuf;

typedef struct {
    const uint8_t *p;
    size_t left;
    bool bad; /* a read ran past the end or met a malformed string */
} td_rbuf;

void td_wbuf_init(td_wbuf *b);
void td_wbuf_fini(td_wbuf *b);
void td_wbuf_reset(td_wbuf *b);
void td_wbuf_bytes(td_wbuf *b, const void *p, size_t n);
void td_wbuf_u8(td_wbuf *b, uint8_t v);
void td_wbuf_u32(td_wbuf *b, uint32_t v);
void td_wbuf_u64(td_wbuf *b, uint64_t v);
void td_wbuf_i64(td_wbuf *b, int64_t v);
/* A length-prefixed string; NULL is written as the empty string. */
void td_wbuf_str(td_wbuf *b, const char *s);
/* Key parts: a string with its terminating NUL, and big-endian integers whose byte order sorts
 * like the numbers (signed values with the sign bit flipped). */
void td_wbuf_key_str(td_wbuf *b, const char *s);
void td_wbuf_key_u64(td_wbuf *b, uint64_t v);
void td_wbuf_key_i64(td_wbuf *b, int64_t v);

void td_rbuf_init(td_rbuf *r, const void *p, size_t n);
uint8_t td_rbuf_u8(td_rbuf *r);
uint32_t td_rbuf_u32(td_rbuf *r);
uint64_t td_rbuf_u64(td_rbuf *r);
int64_t td_rbuf_i64(td_rbuf *r);
/* A malloc'd copy of a length-prefixed string (NULL and r->bad on failure). */
char *td_rbuf_strdup(td_rbuf *r);
/* Copies a length-prefixed string into a fixed buffer of cap bytes (NUL included). */
void td_rbuf_strcpy(td_rbuf *r, char *dst, size_t cap);
void td_rbuf_bytes(td_rbuf *r, void *dst, size_t n);
uint64_t td_key_u64(const uint8_t *p);
int64_t td_key_i64(const uint8_t *p);

#endif
