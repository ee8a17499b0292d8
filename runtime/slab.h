/*
 * runtime/slab.h - small fixed-size allocations without a per-object header:
 * store entries and small values (the store's bytes per key, SPEC-free
 * bookkeeping). Sizes are rounded up to 8; each size has a free list and is
 * carved from 64 KiB chunks aligned to 64 KiB, whose header records the
 * size, so kvrt_slab_free needs only the pointer. Chunks are never returned
 * to the system (freed objects are reused by the next allocation of their
 * size). One thread only, like the rest of the runtime.
 *
 * Under AddressSanitizer the slab is a thin layer over malloc (each object
 * its own allocation with its size in front), so ASan still sees every
 * use after free and overflow.
 */
#ifndef KVRT_SLAB_H
#define KVRT_SLAB_H

#include <stdbool.h>
#include <stddef.h>

#define KVRT_SLAB_MAX 256   /* largest size served */

/* size in 1..KVRT_SLAB_MAX (larger: NULL); NULL when out of memory.
 * 8-aligned. */
void *kvrt_slab_alloc(size_t size);
/* A pointer from kvrt_slab_alloc (NULL is ignored). */
void kvrt_slab_free(void *p);
/* The usable size of p: its size rounded up to 8. */
size_t kvrt_slab_size(const void *p);

/* True when objects come from chunks (false under ASan). */
bool kvrt_slab_pooled(void);
/* Tests: where new chunks come from (NULL: the default, mmap). A source
 * returns a 64 KiB-aligned block of KVRT_SLAB_CHUNK bytes, or NULL. */
#define KVRT_SLAB_CHUNK 65536
void kvrt_slab_set_source(void *(*chunk)(void));

#endif
