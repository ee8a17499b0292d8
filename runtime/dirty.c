/*
 * runtime/dirty.c - the written pages of a private mapping, from the
 * kernel's PAGEMAP_SCAN; see dirty.h.
 *
 * Debian 12's kernel headers (6.1) predate the ioctl, so its argument
 * layout (include/uapi/linux/fs.h, Linux 6.7) is spelled out here. A page
 * is asked for when it is present or swapped out, and neither a file's
 * page (a private file mapping's page that was only read) nor the shared
 * zero page (an anonymous page that was only read): what is left is
 * exactly the pages that were written. The first failure (an older
 * kernel: ENOTTY or EINVAL; no /proc) turns the scan off for good, and so
 * does KVAOT_DIRTY_SCAN=off in the environment.
 */
#include "dirty.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define OS_PAGE 4096u

#define PAGE_IS_FILE    (1u << 2)
#define PAGE_IS_PRESENT (1u << 3)
#define PAGE_IS_SWAPPED (1u << 4)
#define PAGE_IS_PFNZERO (1u << 5)

struct pm_page_region {
    uint64_t start, end, categories;
};

struct pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};

#define PM_PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)

static int g_fd = -2;           /* /proc/self/pagemap; -2: not opened yet, -1: no scan */

/* /proc/self/pagemap on a descriptor above 2: with stdin, stdout or stderr
 * closed, open would hand out theirs, and later writes meant for them
 * would go here. -1 (no scan) when the environment has
 * KVAOT_DIRTY_SCAN=off: the fallbacks, as on a kernel without the ioctl
 * (tests/cli runs both). */
static int open_pagemap(void)
{
    const char *knob = getenv("KVAOT_DIRTY_SCAN");
    if (knob != NULL && strcmp(knob, "off") == 0)
        return -1;
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fd > 2)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return high;
}

int kvrt_dirty_runs(uint8_t *base, size_t size, size_t max_bytes,
                    kvrt_dirty_run runs[KVRT_DIRTY_RUNS])
{
    if (g_fd == -2)
        g_fd = open_pagemap();
    if (g_fd < 0)
        return -1;
    struct pm_page_region vec[KVRT_DIRTY_RUNS];
    struct pm_scan_arg a = {0};
    a.size = sizeof a;
    a.start = (uint64_t)(uintptr_t)base;
    a.end = a.start + size;
    a.vec = (uint64_t)(uintptr_t)vec;
    a.vec_len = KVRT_DIRTY_RUNS;
    a.max_pages = max_bytes / OS_PAGE + 1;     /* one past: "too many" is seen */
    a.category_inverted = PAGE_IS_FILE | PAGE_IS_PFNZERO;
    a.category_mask = PAGE_IS_FILE | PAGE_IS_PFNZERO;
    a.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
    a.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
    long n = ioctl(g_fd, PM_PAGEMAP_SCAN, &a);
    if (n < 0) {
        close(g_fd);
        g_fd = -1;
        return -1;
    }
    /* the walk stops early when vec or max_pages runs out */
    if (a.walk_end < a.end)
        return -1;
    size_t total = 0;
    for (long i = 0; i < n; i++) {
        runs[i].start = (uint8_t *)(uintptr_t)vec[i].start;
        runs[i].len = (size_t)(vec[i].end - vec[i].start);
        total += runs[i].len;
    }
    if (total > max_bytes)
        return -1;
    return (int)n;
}
