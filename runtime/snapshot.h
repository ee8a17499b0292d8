/*
 * runtime/snapshot.h - --load and --save: the store as canonical `set`
 * lines (buckets by creation, keys by insertion), written atomically.
 */
#ifndef KVRT_SNAPSHOT_H
#define KVRT_SNAPSHOT_H

#include "ctx.h"

/* Render the whole store as canonical text `set` lines, appended to out;
 * with keep_empty, an empty bucket is a `delete B ""` line in its place of
 * the creation order (the --data snapshot keeps empty buckets). 0 or -1
 * (no memory). */
int kvrt_snapshot_render(kvrt_store *s, kvrt_buf *out, bool keep_empty);
/* Save to path atomically. 0, or -1 with a message printed. */
int kvrt_snapshot_save(kvrt_store *s, const char *path, const char *prog);
/* Apply every event line of path to the store, without handlers or output.
 * Returns 0, 3 (malformed, message printed) or 4 (I/O, message printed). */
int kvrt_snapshot_load(kvrt_ctx *ctx, const char *path, const char *prog);
/* The same, handing every line that starts with '#' to comment (which
 * returns 0, or -1 to stop with status 3 after printing why). */
int kvrt_snapshot_load_with(kvrt_ctx *ctx, const char *path, const char *prog,
                            int (*comment)(void *arg, const uint8_t *line, size_t len),
                            void *arg);

#endif
