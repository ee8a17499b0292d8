/*
 * runtime/wtrack.h - the pages of one mapping that may have been written
 * since it was armed, told by write protection instead of by asking the
 * kernel (dirty.h). Armed, every page not yet in the written set is
 * read-only; the first write to one faults, and the fault handler
 * (os_posix.c) adds the page to the set and makes it writable, so the
 * write is done again and every later one runs at full speed. memory.c
 * arms it on a reset memory kept as the spare: the next reset rewrites
 * just the set, with no system call at all, and a guest that writes the
 * same pages in every instance (its stack, its globals, its heap's first
 * pages) faults only the first time.
 *
 * One mapping at a time (one instance lives at a time). Past
 * KVRT_WTRACK_MAX_PAGES pages the set gives up ("overflowed"): the whole
 * range is made writable and the caller resets it the other way; after
 * KVRT_WTRACK_MAX_OVERFLOWS such runs it is not armed again.
 *
 * A system call that writes into a tracked page fails with EFAULT instead
 * of faulting, so the runtime never hands guest memory to one (guestio.c
 * reads random bytes into a buffer of its own). Off when the environment
 * has KVAOT_TRACK_WRITES=off, under valgrind or a debugger, and until the
 * fault handler is installed.
 */
#ifndef KVRT_WTRACK_H
#define KVRT_WTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KVRT_WTRACK_MAX_PAGES 256u      /* 1 MiB of 4 KiB pages */
#define KVRT_WTRACK_MAX_OVERFLOWS 2u

/* The fault handler that calls kvrt_wtrack_fault is installed. */
void kvrt_wtrack_enable(void);

/* Track [base, base + size) (page aligned, readable and writable) from
 * an empty set: all of it is made read-only. False when tracking is off,
 * or it could not be armed (nothing changed then). */
bool kvrt_wtrack_arm(uint8_t *base, size_t size);

/* The range armed on base, or 0 when nothing is armed there. */
size_t kvrt_wtrack_size(const uint8_t *base);

/* Armed on base and the set is complete (not overflowed): *pages gets the
 * page indices (from base, in OS pages) of the set, *n their number. */
bool kvrt_wtrack_set(const uint8_t *base, const uint32_t **pages, size_t *n);

/* Tracking stops: the range is made all writable again. False when that
 * failed (the caller then unmaps it). */
bool kvrt_wtrack_disarm(void);

/* From the SIGSEGV handler: true when addr is a tracked page that was
 * read-only and now is writable (the faulting access can run again). */
bool kvrt_wtrack_fault(const void *addr);

#endif
