/*
 * runtime/memory.h - the --max-memory cap, applied where wasm2c allocates
 * every linear memory of an instance (memory.c), so it already holds for
 * the start function and initialize (SPEC §8.6) and for every memory of a
 * multi-memory guest.
 */
#ifndef KVRT_MEMORY_H
#define KVRT_MEMORY_H

#include <stdint.h>

/* Cap every memory allocated from now on at pages (0 = no cap). */
void kvrt_memory_set_limit(uint32_t pages);
/* The initial page count of a memory allocated over the cap since the
 * last kvrt_memory_clear_over_limit (its instance cannot start), or 0. */
uint32_t kvrt_memory_over_limit(void);
/* Forget an earlier over-the-cap allocation (before instantiating). */
void kvrt_memory_clear_over_limit(void);

#endif
