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
 * a freed reservation is kept as a spare and the next instance reuses it:
 * only one instance lives at a time, so one spare is enough; this one
 * process-wide pointer exists because the wasm-rt API passes no context.
 *
 * A freed memory is made to read as zeros again by rewriting only the
 * pages its instance wrote (dirty.c asks the kernel which: one system
 * call, whatever the memory's size), so a trapped event costs about the
 * same for a guest with a 64 KiB memory as for one with megabytes, and the
 * pages stay mapped (no page fault per page on reuse). Where the kernel
 * cannot tell, or when more than DIRTY_MAX bytes were written, a small
 * memory is zeroed whole with memset and a large one has its pages dropped
 * with MADV_DONTNEED (they read back as zeros) and is made inaccessible
 * again. Memories of at most SCAN_MIN bytes are always memset: that is
 * cheaper than the system call.
 *
 * The memory image: a guest whose data segments fill megabytes (Rust, C++
 * and JavaScript guests do) would copy them all again for every fresh
 * instance, i.e. for every trapped event. So once the second instance's
 * data segments are in (kvrt_memory_take_image, before the start function
 * or `_initialize` runs; not the first instance's, so a run that never
 * traps never pays for it), its memory is kept in a memfd when it holds at
 * least IMAGE_MIN_BYTES that are not zero (zero pages stay holes), and
 * every later instance maps it copy-on-write instead: its data segments
 * are then skipped (guest-split.h's LOAD_DATA asks
 * kvrt_memory_from_image), and pages are read from the image as they are
 * touched. Freeing such a memory rewrites the pages its instances wrote
 * (a copy-on-write page is an anonymous page, which dirty.c reports) from
 * a read-only view of the image, so it is the image again, kept as the
 * spare for the next instance: no mapping changes, no page faults. Where
 * that cannot be done, its private pages are dropped (MADV_DONTNEED on a
 * private file mapping gives the file's pages back). Only a guest with one
 * memory gets an image.
 *
 * From the second reset on, the spare is armed for write tracking
 * (wtrack.h) on its initial size: the next instance's first write to each
 * page faults once and is recorded, and the reset after it rewrites just
 * those pages, with no system call (the scan's ioctl was most of a
 * trapped event's cost). A memory that grew has the growth dropped and
 * made inaccessible again, as with the image; a tracked spare taken by a
 * memory of another size, or remapped, is disarmed first.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dirty.h"
#include "memory.h"
#include "os.h"
#include "wasm-rt.h"
#include "wtrack.h"

#define PAGE 65536u
#define KEEP_MAPPED_MAX (4u << 20)   /* without a scan, memset up to this size */
#define SCAN_MIN (128u << 10)        /* memset up to this size, scan above */
#define DIRTY_MAX (1u << 20)         /* rewrite at most this much, else reset whole;
                                      * not below IMAGE_MIN_BYTES (see take_image) */
#define IMAGE_MIN_BYTES (1u << 20)   /* an image pays off past this much data */
#define OS_PAGE 4096u

void kvrt_upstream_allocate_memory(wasm_rt_memory_t *m, uint32_t initial, uint32_t max);
void kvrt_upstream_free_memory(wasm_rt_memory_t *m);

static uint8_t *g_spare;
static uint64_t g_spare_mapped;     /* zeroed, accessible bytes at its start */
static uint32_t g_limit_pages;      /* --max-memory, 0 = none */
static uint32_t g_over_limit;       /* initial pages of a memory over the cap */
static int g_image_fd = -1;         /* the memory image (memfd), -1: none */
static uint64_t g_image_bytes;      /* its size: the memory's initial size */
static const uint8_t *g_image_view; /* a read-only shared mapping of it, or NULL */
static uint8_t *g_image_nonzero;    /* a bit per OS page: the image holds bytes there */
static bool g_image_tried;          /* kvrt_memory_take_image ran */
static unsigned g_image_calls;      /* times it was asked (the first is skipped) */
static uint8_t *g_from_image;       /* the live memory mapped from the image */
static bool g_spare_image;          /* the spare is still the image's mapping, pristine */
static unsigned g_live;             /* memories allocated and not freed */
static const uint8_t *g_last_base;  /* the memory allocated last ... */
static uint64_t g_last_initial;     /* ... and its initial size */
static unsigned g_resets;           /* memories reset and kept, counted up to 2 */

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

/* The spare, made ready for a memory of `bytes` (exactly [0, bytes)
 * accessible), or NULL. *is_image: it is still the image's mapping, which
 * only a memory that wants the image (`image`) keeps as it is. */
static uint8_t *take_spare(uint64_t bytes, bool image, bool *is_image)
{
    uint8_t *base = g_spare;
    bool spare_image = g_spare_image;
    g_spare = NULL;
    g_spare_image = false;
    *is_image = base != NULL && spare_image && image;
    /* write tracking stays on for a memory that reuses the spare as it is */
    size_t tracked = kvrt_wtrack_size(base);
    bool keep = *is_image || (!spare_image && !image && tracked == bytes);
    if (tracked != 0 && !keep && !kvrt_wtrack_disarm()) {
        munmap(base, (size_t)KVRT_WASM_RESERVATION);
        return NULL;
    }
    if (base == NULL || *is_image)
        return base;
    bool ok = true;
    if (spare_image) {              /* another memory: anonymous pages again */
        ok = mmap(base, (size_t)g_spare_mapped, PROT_NONE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) != MAP_FAILED;
        g_spare_mapped = 0;
    }
    if (ok && fit_spare(base, g_spare_mapped, bytes) == 0)
        return base;
    munmap(base, (size_t)KVRT_WASM_RESERVATION);
    return NULL;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t *m, uint32_t initial, uint32_t max)
{
    if (g_limit_pages != 0 && max > g_limit_pages)
        max = initial > g_limit_pages ? initial : g_limit_pages;
    if (g_limit_pages != 0 && initial > g_limit_pages)
        g_over_limit = initial;
    uint64_t bytes = (uint64_t)initial * PAGE;
    bool image = g_image_fd >= 0 && bytes == g_image_bytes && g_live == 0 && bytes > 0;
    bool mapped;
    g_live++;
    uint8_t *base = take_spare(bytes, image, &mapped);
    if (base == NULL) {
        kvrt_upstream_allocate_memory(m, initial, max);
        base = m->data;
    }
    if (image && base != NULL && !mapped)
        mapped = mmap(base, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
                      g_image_fd, 0) != MAP_FAILED;
    if (mapped)
        g_from_image = base;
    g_last_base = base;
    g_last_initial = bytes;
    m->data = base;
    m->size = (uint32_t)bytes;
    m->pages = initial;
    m->max_pages = max;
}

static bool image_has(size_t off)
{
    size_t page = off / OS_PAGE;
    return (g_image_nonzero[page / 8] >> (page % 8)) & 1;
}

/* A freed memory under write tracking (wtrack.h) made what it was when it
 * was armed: the pages of the set rewritten from the image's view, where
 * there is an image and it holds bytes, else zeroed. Every other page was
 * read-only since then. False when the set is not known (not armed, or
 * overflowed; tracking is then off and the range writable again), or the
 * range could not be made writable (unmap it). */
static bool reset_tracked(uint8_t *base, bool image, bool *failed)
{
    const uint32_t *pages;
    size_t n;
    *failed = false;
    if (!kvrt_wtrack_set(base, &pages, &n)) {
        *failed = kvrt_wtrack_size(base) != 0 && !kvrt_wtrack_disarm();
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        size_t off = (size_t)pages[i] * OS_PAGE;
        if (image && image_has(off))
            memcpy(base + off, g_image_view + off, OS_PAGE);
        else
            memset(base + off, 0, OS_PAGE);
    }
    return true;
}

/* A freed anonymous memory of `size` bytes made to read as zeros;
 * *mapped: how many bytes at its start stay accessible. False: it could
 * not be (unmap it). */
static bool reset_anon(uint8_t *base, size_t size, uint64_t *mapped)
{
    bool failed;
    if (reset_tracked(base, false, &failed)) {
        /* what it grew by is dropped and made inaccessible again */
        size_t tracked = kvrt_wtrack_size(base);
        *mapped = tracked;
        return size == tracked || (madvise(base + tracked, size - tracked, MADV_DONTNEED) == 0 &&
                                   mprotect(base + tracked, size - tracked, PROT_NONE) == 0);
    }
    if (failed)
        return false;
    kvrt_dirty_run runs[KVRT_DIRTY_RUNS];
    int n = size > SCAN_MIN ? kvrt_dirty_runs(base, size, DIRTY_MAX, runs) : -1;
    *mapped = size;
    for (int i = 0; i < n; i++)
        memset(runs[i].start, 0, runs[i].len);
    if (n >= 0)
        return true;
    if (size <= KEEP_MAPPED_MAX) {
        memset(base, 0, size);
        return true;
    }
    *mapped = 0;
    return madvise(base, size, MADV_DONTNEED) == 0 && mprotect(base, size, PROT_NONE) == 0;
}

/* A freed memory mapped from the image made the image again: the pages
 * its instances wrote rewritten from the image's view, or else all its
 * private pages dropped (a private file mapping then shows the file's). */
static bool reset_image(uint8_t *base, size_t img)
{
    bool failed;
    if (reset_tracked(base, true, &failed))
        return true;
    if (failed)
        return false;
    kvrt_dirty_run runs[KVRT_DIRTY_RUNS];
    int n = g_image_view != NULL ? kvrt_dirty_runs(base, img, DIRTY_MAX, runs) : -1;
    if (n < 0)
        return madvise(base, img, MADV_DONTNEED) == 0;
    for (int i = 0; i < n; i++) {
        size_t off = (size_t)(runs[i].start - base);
        for (size_t p = off; p < off + runs[i].len; p += OS_PAGE) {
            if (image_has(p))
                memcpy(base + p, g_image_view + p, OS_PAGE);
            else
                memset(base + p, 0, OS_PAGE);
        }
    }
    return true;
}

/* A reset memory kept as the spare, with write tracking armed on its
 * first `track` bytes where it is not yet (an image only with a view to
 * rewrite pages from). Not at the first reset: the second instance is the
 * one that makes the image (kvrt_memory_take_image), and its data
 * segments, megabytes in a guest with an image, would fault page by page
 * into a set too small for them. */
static void keep_spare(uint8_t *base, uint64_t mapped, bool image, uint64_t track)
{
    g_spare = base;
    g_spare_mapped = mapped;
    g_spare_image = image;
    if (g_resets < 2)
        g_resets++;
    if (g_resets < 2)
        return;
    if (track > mapped)
        track = mapped;
    if (kvrt_wtrack_size(base) == 0 && track > 0 && (!image || g_image_view != NULL))
        kvrt_wtrack_arm(base, (size_t)track);
}

/* A memory given up for good. */
static void unmap_memory(uint8_t *base)
{
    if (kvrt_wtrack_size(base) != 0)
        kvrt_wtrack_disarm();
    munmap(base, (size_t)KVRT_WASM_RESERVATION);
}

void wasm_rt_free_memory(wasm_rt_memory_t *m)
{
    uint8_t *base = m->data;
    size_t size = m->size;
    m->data = NULL;
    m->size = 0;
    if (base == NULL)
        return;
    g_live--;
    uint64_t initial = base == g_last_base ? g_last_initial : size;
    if (base == g_from_image) {
        g_from_image = NULL;
        /* what the memory grew by is dropped and made inaccessible again */
        size_t img = (size_t)g_image_bytes;
        if (g_spare == NULL && reset_image(base, img) &&
            (size == img || (madvise(base + img, size - img, MADV_DONTNEED) == 0 &&
                             mprotect(base + img, size - img, PROT_NONE) == 0))) {
            keep_spare(base, img, true, img);
            return;
        }
        unmap_memory(base);
        return;
    }
    uint64_t mapped;
    if (g_spare == NULL && reset_anon(base, size, &mapped)) {
        keep_spare(base, mapped, false, initial);
        return;
    }
    unmap_memory(base);
}

bool kvrt_memory_from_image(const wasm_rt_memory_t *m)
{
    return m->data != NULL && m->data == g_from_image;
}

static bool page_is_zero(const uint8_t *p)
{
    static const uint8_t zero[OS_PAGE];
    return memcmp(p, zero, OS_PAGE) == 0;
}

/* The image's non-zero pages written into fd and marked in nonzero (a bit
 * per page, zeroed by the caller); how many bytes they are, or -1 on a
 * write error. */
static int64_t write_image(int fd, const uint8_t *data, uint64_t bytes, uint8_t *nonzero)
{
    int64_t kept = 0;
    for (uint64_t off = 0; off < bytes; off += OS_PAGE) {
        if (page_is_zero(data + off))
            continue;
        if (pwrite(fd, data + off, OS_PAGE, (off_t)off) != (ssize_t)OS_PAGE)
            return -1;
        uint64_t page = off / OS_PAGE;
        nonzero[page / 8] |= (uint8_t)(1u << (page % 8));
        kept += OS_PAGE;
    }
    return kept;
}

void kvrt_memory_take_image(wasm_rt_memory_t *m)
{
    /* one memory only: an instance with more could give the image's
     * size to another of its memories */
    if (g_image_tried || m == NULL || m->data == NULL || m->size == 0 || m->size % OS_PAGE ||
        g_live != 1)
        return;
    /* Not for the first instance: a run that never traps never needs a
     * second one, so its start-up does not pay for writing the image (a
     * few ms for the 12 MB JavaScript guest). The first re-instantiation
     * copies the segments once more and then makes the image. */
    if (g_image_calls++ == 0)
        return;
    g_image_tried = true;
    /* Only written pages can hold bytes. When the kernel tells they are
     * too few, there is no image, and the rest is not read: reading maps
     * the zero page into every page, which each later scan would walk. */
    kvrt_dirty_run runs[KVRT_DIRTY_RUNS];
    int n = kvrt_dirty_runs(m->data, m->size, DIRTY_MAX, runs);
    size_t written = 0;
    for (int i = 0; i < n; i++)
        written += runs[i].len;
    if (n >= 0 && written < IMAGE_MIN_BYTES)
        return;
    int fd = kvrt_os_memfd("kvaot-memory-image");
    if (fd < 0)
        return;
    uint8_t *nonzero = calloc(m->size / OS_PAGE / 8 + 1, 1);
    int64_t kept = -1;
    if (nonzero != NULL && ftruncate(fd, (off_t)m->size) == 0)
        kept = write_image(fd, m->data, m->size, nonzero);
    if (kept < (int64_t)IMAGE_MIN_BYTES) {
        free(nonzero);
        close(fd);
        return;
    }
    g_image_fd = fd;
    g_image_bytes = m->size;
    g_image_nonzero = nonzero;
    /* the source reset_image copies from; without it, pages are dropped */
    void *view = mmap(NULL, m->size, PROT_READ, MAP_SHARED, fd, 0);
    g_image_view = view != MAP_FAILED ? view : NULL;
    /* this instance too: its private copy of the image's pages is given back */
    if (kvrt_wtrack_size(m->data) != 0)
        kvrt_wtrack_disarm();       /* the new mapping is all writable */
    if (mmap(m->data, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) !=
        MAP_FAILED)
        g_from_image = m->data;
}
