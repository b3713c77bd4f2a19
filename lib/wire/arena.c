/* The unpack arena. protobuf-c allocates once per message, string, repeated array and scan slab,
 * so a small frame can ask for many times its size (two bytes of an empty repeated message cost
 * a struct, a pointer and a slab entry): the arena turns that into a refusal, not an OOM. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "tiendo/wire.h"

/* protobuf-c allocates structs of pointers, 64-bit integers and doubles, and strings. */
#define S_ALIGN 8
_Static_assert(S_ALIGN >= _Alignof(uint64_t) && S_ALIGN >= _Alignof(void *) &&
                   S_ALIGN >= _Alignof(double),
               "S_ALIGN too small");

static void *s_alloc(void *data, size_t size)
{
    td_wire_arena *self = data;
    size_t room = self->cap - self->used;
    size_t need = size <= room ? (size + S_ALIGN - 1) / S_ALIGN * S_ALIGN : SIZE_MAX;
    if (need > room) {
        self->exhausted = true;
        return NULL;
    }
    void *p = self->base + self->used;
    self->used += need;
    return p;
}

static void s_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

size_t td_wire_arena_size(size_t len)
{
    if (len > TD_WIRE_MAX_BYTES)
        len = TD_WIRE_MAX_BYTES;
    return TD_WIRE_UNPACK_FACTOR * len + TD_WIRE_UNPACK_BASE;
}

td_err td_wire_arena_init(td_wire_arena *self, size_t cap)
{
    memset(self, 0, sizeof *self);
    self->allocator.alloc = s_alloc;
    self->allocator.free = s_free;
    self->allocator.allocator_data = self;
    self->base = malloc(cap);
    if (self->base == NULL)
        return TD_ENOMEM;
    self->cap = cap;
    return TD_OK;
}

void td_wire_arena_fini(td_wire_arena *self)
{
    free(self->base);
    self->base = NULL;
    self->cap = self->used = 0;
}
