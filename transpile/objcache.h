/*
 * transpile/objcache.h - the build cache: compiled objects under
 * $XDG_CACHE_HOME/kvaot (else ~/.cache/kvaot), keyed by a hash of
 * everything that makes them: kvaot's version, the compiler (its command,
 * its `--version`, its binary's size and time), the runtime's headers, the
 * compile flags and the content of every file the unit reads. So building
 * the same guest again compiles nothing, and a guest changed in a few
 * functions recompiles only their units. (compile.c also keeps a guest's
 * translation, the list of its units, as an entry.)
 *
 * An entry is the object followed by a trailer (magic, length, XXH3-128 of
 * the object), checked on every use: a damaged entry is removed and its
 * unit compiled again. Entries are written to a temporary file and renamed,
 * so concurrent builds never see half an entry (two building the same unit
 * both write it; either copy is right). Nothing is ever evicted: remove the
 * directory to reclaim the space.
 */
#ifndef KT_OBJCACHE_H
#define KT_OBJCACHE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "toolchain.h"

typedef struct kt_cache {
    char dir[PATH_MAX];     /* .../kvaot/objects; "" when the cache is off */
    uint8_t base[16];       /* the part of every key: version, compiler, runtime */
    uint32_t hits, misses, stored, damaged;
} kt_cache;

/* Set up the cache for compiler command `cc` (words) and the runtime's
 * headers in include_dir; off (dir "") with `off`, or when no cache
 * directory can be made (said with -v). */
void kt_cache_open(kt_cache *c, const char *cc, const char *include_dir, bool off, bool verbose);

/* The key (32 hex digits + NUL) of a unit compiled with `flags` from the
 * files `inputs` (paths; their contents count, not their names). -1 when
 * an input cannot be read. */
int kt_cache_key(const kt_cache *c, const kt_argv *flags, const char *const *inputs, int ninputs,
                 char key[33]);

/* What identifies tool `cmd` (words): a hash (32 hex digits + NUL) of
 * the command, its `--version` output and its binary's path, size and
 * time; for keys of what the tool makes. */
void kt_cache_tool_id(const char *cmd, char id[33]);

/* Copy the entry for key to obj (a path), checked. false: no entry (or a
 * damaged one, then removed). */
bool kt_cache_fetch(kt_cache *c, const char *key, const char *obj);
/* Keep obj as the entry for key (errors only make it uncached). */
void kt_cache_store(kt_cache *c, const char *key, const char *obj);

bool kt_cache_on(const kt_cache *c);
/* The path of key's entry (whether it exists or not). */
void kt_cache_path(const kt_cache *c, const char *key, char *out, size_t cap);

#endif
