/*
 * runtime/memory.h - the --max-memory cap, applied where wasm2c allocates
 * every linear memory of an instance (memory.c), so it already holds for
 * the start function and initialize (SPEC §8.6) and for every memory of a
 * multi-memory guest.
 */
#ifndef KVRT_MEMORY_H
#define KVRT_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm-rt.h"

/* Cap every memory allocated from now on at pages (0 = no cap). */
void kvrt_memory_set_limit(uint32_t pages);
/* The initial page count of a memory allocated over the cap since the
 * last kvrt_memory_clear_over_limit (its instance cannot start), or 0. */
uint32_t kvrt_memory_over_limit(void);
/* Forget an earlier over-the-cap allocation (before instantiating). */
void kvrt_memory_clear_over_limit(void);

/* The memory image (memory.c): taken once from the first instance's
 * memory m right after instantiation (its data segments in, nothing run
 * yet); later instances of that size map it copy-on-write. A guest with
 * less than a megabyte of data gets none. */
void kvrt_memory_take_image(wasm_rt_memory_t *m);
/* Is m mapped from the image (so its data segments are already there)? */
bool kvrt_memory_from_image(const wasm_rt_memory_t *m);

#endif
