/*
 * runtime/memory.c - guest linear memory allocation, replacing wasm2c's
 * wasm_rt_allocate_memory / wasm_rt_free_memory (the upstream versions are
 * compiled renamed, see WRT_CFLAGS in the Makefile, and used as fallback),
 * and the --max-memory cap on every memory (memory.h).
 *
 * Why: in guard-page mode each memory is an 8 GiB PROT_NONE reservation.
 * Upstream's free unmaps only the accessible part (leaking the rest of the
 * reservation: the process died after ~16000 traps), and a fresh mmap plus
 * munmap of 8 GiB per trapped event costs ~60 us of page-table work. Here
 * a freed reservation is kept as a spare and the next instance reuses it.
 * A small memory (the common case) is zeroed with memset and stays mapped,
 * which avoids a page fault per page on reuse; a large one has its pages
 * dropped with MADV_DONTNEED (they read back as zeros) and is made
 * inaccessible again. Only one instance lives at a time, so
 * one spare is enough; this one process-wide pointer exists because the
 * wasm-rt API passes no context.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "memory.h"
#include "os.h"
#include "wasm-rt.h"

#define PAGE 65536u
#define KEEP_MAPPED_MAX (4u << 20)   /* zero by memset up to this size */

void kvrt_upstream_allocate_memory(wasm_rt_memory_t *m, uint32_t initial, uint32_t max);
void kvrt_upstream_free_memory(wasm_rt_memory_t *m);

static uint8_t *g_spare;
static uint64_t g_spare_mapped;     /* zeroed, accessible bytes at its start */
static uint32_t g_limit_pages;      /* --max-memory, 0 = none */
static uint32_t g_over_limit;       /* initial pages of a memory over the cap */

void kvrt_memory_set_limit(uint32_t pages)
{
    g_limit_pages = pages;
}

uint32_t kvrt_memory_over_limit(void)
{
    return g_over_limit;
}

void kvrt_memory_clear_over_limit(void)
{
    g_over_limit = 0;
}

/* Make exactly [0, bytes) of a spare accessible. */
static int fit_spare(uint8_t *base, uint64_t mapped, uint64_t bytes)
{
    if (mapped > bytes)
        return mprotect(base + bytes, (size_t)(mapped - bytes), PROT_NONE);
    if (mapped < bytes)
        return mprotect(base + mapped, (size_t)(bytes - mapped), PROT_READ | PROT_WRITE);
    return 0;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t *m, uint32_t initial, uint32_t max)
{
    if (g_limit_pages != 0 && max > g_limit_pages)
        max = initial > g_limit_pages ? initial : g_limit_pages;
    if (g_limit_pages != 0 && initial > g_limit_pages)
        g_over_limit = initial;
    uint8_t *base = g_spare;
    uint64_t bytes = (uint64_t)initial * PAGE;
    g_spare = NULL;
    if (base != NULL && fit_spare(base, g_spare_mapped, bytes) != 0) {
        munmap(base, (size_t)KVRT_WASM_RESERVATION);
        base = NULL;
    }
    if (base == NULL) {
        kvrt_upstream_allocate_memory(m, initial, max);
        return;
    }
    m->data = base;
    m->size = (uint32_t)bytes;
    m->pages = initial;
    m->max_pages = max;
}

void wasm_rt_free_memory(wasm_rt_memory_t *m)
{
    uint8_t *base = m->data;
    size_t size = m->size;
    m->data = NULL;
    m->size = 0;
    if (base == NULL)
        return;
    if (g_spare == NULL && size <= KEEP_MAPPED_MAX) {
        memset(base, 0, size);
        g_spare = base;
        g_spare_mapped = size;
        return;
    }
    if (g_spare == NULL && madvise(base, size, MADV_DONTNEED) == 0 &&
        mprotect(base, size, PROT_NONE) == 0) {
        g_spare = base;
        g_spare_mapped = 0;
        return;
    }
    munmap(base, (size_t)KVRT_WASM_RESERVATION);
}
