/*
 * runtime/slab.c - size-class allocator for small objects; see slab.h.
 * A chunk is a 64 KiB block aligned to 64 KiB: its first 8 bytes hold the
 * size its objects have, the rest is objects carved front to back. Free
 * objects of a size form a singly linked list through their first word.
 */
#include "slab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define SLAB_PASSTHROUGH 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_PASSTHROUGH 1
#endif
#endif

#define NCLASS (KVRT_SLAB_MAX / 8)
#define CHUNK_HEAD 8
#define REGION_CHUNKS 32    /* chunks mapped at once */

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

#ifdef SLAB_PASSTHROUGH

bool kvrt_slab_pooled(void) { return false; }
void kvrt_slab_set_source(void *(*chunk)(void)) { (void)chunk; }

void *kvrt_slab_alloc(size_t size)
{
    if (size > KVRT_SLAB_MAX)
        return NULL;
    size_t *p = malloc(16 + round8(size));
    if (p == NULL)
        return NULL;
    p[0] = round8(size);
    return (char *)p + 16;
}

void kvrt_slab_free(void *p)
{
    if (p != NULL)
        free((char *)p - 16);
}

size_t kvrt_slab_size(const void *p)
{
    return *(const size_t *)(const void *)((const char *)p - 16);
}

#else

typedef struct slab_class {
    void *free;             /* free list */
    char *next, *end;       /* the unused rest of the current chunk */
} slab_class;

static slab_class g_class[NCLASS + 1];
static void *(*g_source)(void);
static char *g_region, *g_region_end;   /* mapped chunks not handed out yet */

bool kvrt_slab_pooled(void) { return true; }
void kvrt_slab_set_source(void *(*chunk)(void)) { g_source = chunk; }

/* A fresh chunk from REGION_CHUNKS mapped at once (the unaligned head and
 * tail of the mapping given back), or from the test source. */
static void *new_chunk(void)
{
    if (g_source != NULL)
        return g_source();
    if (g_region == g_region_end) {
        size_t len = (size_t)REGION_CHUNKS * KVRT_SLAB_CHUNK;
        char *m = mmap(NULL, len + KVRT_SLAB_CHUNK, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        uintptr_t a = ((uintptr_t)m + KVRT_SLAB_CHUNK - 1) & ~(uintptr_t)(KVRT_SLAB_CHUNK - 1);
        char *start = (char *)a;
        if (start > m)
            munmap(m, (size_t)(start - m));
        char *tail = start + len;
        size_t tail_len = (size_t)(m + len + KVRT_SLAB_CHUNK - tail);
        if (tail_len > 0)
            munmap(tail, tail_len);
        g_region = start;
        g_region_end = tail;
    }
    void *c = g_region;
    g_region += KVRT_SLAB_CHUNK;
    return c;
}

void *kvrt_slab_alloc(size_t size)
{
    if (size > KVRT_SLAB_MAX)
        return NULL;
    size = round8(size ? size : 1);
    slab_class *c = &g_class[size / 8];
    void *p = c->free;
    if (p != NULL) {
        memcpy(&c->free, p, sizeof(void *));
        return p;
    }
    if ((size_t)(c->end - c->next) < size) {
        char *chunk = new_chunk();
        if (chunk == NULL)
            return NULL;
        *(uint64_t *)(void *)chunk = size;
        c->next = chunk + CHUNK_HEAD;
        c->end = chunk + KVRT_SLAB_CHUNK;
    }
    p = c->next;
    c->next += size;
    return p;
}

size_t kvrt_slab_size(const void *p)
{
    uintptr_t chunk = (uintptr_t)p & ~(uintptr_t)(KVRT_SLAB_CHUNK - 1);
    return (size_t)*(const uint64_t *)chunk;
}

void kvrt_slab_free(void *p)
{
    if (p == NULL)
        return;
    slab_class *c = &g_class[kvrt_slab_size(p) / 8];
    memcpy(p, &c->free, sizeof(void *));
    c->free = p;
}

#endif
