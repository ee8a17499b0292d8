/*
 * transpile/compile.h - from guest.wasm and glue.c in the work directory to
 * the executable: wasm2c, the split into units (w2csplit.h), their
 * compilation in parallel (-j) through the build cache (objcache.h), the
 * link; progress on a terminal, times with --stats or -v.
 *
 * Optimisation levels per unit: functions at the build's level; a function
 * of --big-fn-kb or more (default 256 KiB of C) at -O1 when the level is
 * higher (-O2 on it costs three times -O1 and as much as a hundred ordinary
 * units); the set-up unit and the data segments at -O0 (they run once per
 * instance, and compile ten times faster).
 */
#ifndef KT_COMPILE_H
#define KT_COMPILE_H

#include "driver.h"
#include "featscan.h"
#include "profile.h"

/* prof: a --profile build's names and line marks (NULL otherwise): the
 * split gives functions #line directives, and the linked executable gets
 * the readable names (elfnames.h). */
int kt_compile_and_link(const kt_build_opts *o, const kt_features *fs, const kt_profile *prof,
                        const char *work, const char *libdir, const char *output);

#endif
