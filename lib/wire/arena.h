/* A bump allocator that bounds what protobuf-c may allocate while unpacking one frame.
 * Internal to lib/wire. */
#ifndef TIENDO_WIRE_ARENA_H
#define TIENDO_WIRE_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "tiendo/err.h"

typedef struct {
    ProtobufCAllocator allocator; /* pass &arena.allocator to protobuf-c */
    unsigned char *base;          /* one malloc'd block */
    size_t cap;                   /* bytes in base */
    size_t used;                  /* bytes handed out, alignment included */
    bool exhausted;               /* an allocation was refused */
} td_wire_arena;

/* The arena size for a frame of len bytes: TD_WIRE_UNPACK_FACTOR * len + TD_WIRE_UNPACK_BASE,
 * with len capped at TD_WIRE_MAX_BYTES. */
size_t td_wire_arena_size(size_t len);

/* Allocates cap bytes. TD_ENOMEM when malloc fails; self is then safe to _fini. Freeing through
 * the allocator does nothing: the whole block goes at _fini. */
td_err td_wire_arena_init(td_wire_arena *self, size_t cap);
void td_wire_arena_fini(td_wire_arena *self);

#endif
