/*
 * runtime/dirty.h - which pages of a private mapping hold bytes of their
 * own: the pages a process wrote, as opposed to pages never touched or only
 * read, which still show what the mapping's backing holds (zeros for an
 * anonymous mapping, the file for a private file mapping). memory.c resets
 * a trapped instance's memory by rewriting only those pages.
 *
 * Asked of the kernel with the PAGEMAP_SCAN ioctl of /proc/self/pagemap
 * (Linux 6.7 and later): one system call for the whole range, whatever its
 * size. Where the kernel cannot tell, the answer is "unknown" and the
 * caller resets the whole range instead.
 */
#ifndef KVRT_DIRTY_H
#define KVRT_DIRTY_H

#include <stddef.h>
#include <stdint.h>

#define KVRT_DIRTY_RUNS 64      /* most runs one answer holds */

typedef struct kvrt_dirty_run {
    uint8_t *start;             /* page aligned */
    size_t len;                 /* a multiple of the page size */
} kvrt_dirty_run;

/* The runs of pages in [base, base + size) (page aligned) that are private
 * anonymous pages, present or swapped out: every page that may differ from
 * the mapping's backing. Returns how many runs were stored in runs[], in
 * address order, or -1 when the kernel cannot tell or when they are more
 * than KVRT_DIRTY_RUNS runs or more than max_bytes in all. */
int kvrt_dirty_runs(uint8_t *base, size_t size, size_t max_bytes,
                    kvrt_dirty_run runs[KVRT_DIRTY_RUNS]);

#endif
