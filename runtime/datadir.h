/*
 * runtime/datadir.h - --data DIR (SPEC §9): the store's durable state, a
 * snapshot plus an append-only journal (journal.h) in DIR, and the input
 * positions that let a restart resume exactly where the committed work
 * ends. The store stays the only owner of the data: this file only writes
 * what was committed, and at start replays it into the store.
 *
 * DIR holds
 *   lock       flock()ed by the one process using DIR; holds its pid
 *   snapshot   canonical `set` lines, `delete B ""` for each empty bucket
 *              (so buckets keep their creation order), and `#` metadata:
 *              `# seq N` (the last record it holds), `# instance live` or
 *              `# instance dropped` (see instance_live), `# at ...` positions
 *   journal    the records after the snapshot's
 *
 * Commit order (SPEC §9): the events of one input batch are processed and
 * their records queued (kvrt_datadir_commit), the batch's output is written
 * and flushed, then the records are appended (kvrt_datadir_flush), fsynced
 * per --fsync. A checkpoint writes a new snapshot atomically (temp, fsync,
 * rename, fsync of DIR) and then empties the journal; a crash in between
 * leaves journal records the snapshot already holds, which replay skips by
 * their sequence numbers.
 *
 * Errors: functions print their message (naming DIR and the file) and
 * return -1 or an exit status; after a failed write nothing more is
 * written (d->failed) and the run ends with exit 4.
 */
#ifndef KVRT_DATADIR_H
#define KVRT_DATADIR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctx.h"
#include "input.h"
#include "journal.h"

typedef enum kvrt_fsync_mode {
    KVRT_FSYNC_EVERYSEC = 0,    /* at most once a second (the default) */
    KVRT_FSYNC_ALWAYS,          /* every batch, before the next one is read */
    KVRT_FSYNC_NO               /* left to the OS */
} kvrt_fsync_mode;

typedef struct kvrt_dstats {
    uint64_t records, bytes, fsyncs;        /* written by this run */
    uint64_t checkpoints, checkpoint_ns;
    uint64_t replayed, replay_ns;           /* at start */
    uint64_t snapshot_ns;                   /* loading the snapshot at start */
} kvrt_dstats;

/* One input's last committed position (a copy of the name). */
typedef struct kvrt_dpos {
    char *name;
    size_t name_len;
    kvrt_inpos pos;                         /* pos.name points at name */
} kvrt_dpos;

typedef struct kvrt_datadir {
    char path[4096];
    const char *prog;
    int lock_fd, journal_fd;
    kvrt_fsync_mode fsync;
    uint64_t checkpoint_bytes;
    uint64_t seq;               /* the last record committed (queued or written) */
    uint64_t journal_size;      /* bytes in the journal file */
    kvrt_buf pending;           /* whole records not written yet */
    kvrt_buf at_name;           /* the input of the last `at` line, and */
    kvrt_buf at_prefix;         /* its `at "NAME" ` */
    bool unsynced;              /* written, not yet fsynced */
    uint64_t last_sync_ns;
    bool failed;
    /* Whether the committed work ends with a live guest instance (its
     * start-up committed, no trap since). A restart then makes its own
     * instance without redoing the start-up's store changes (loop.c), so
     * that the store is exactly what one uninterrupted run makes. */
    bool instance_live;
    kvrt_dpos *pos;
    uint32_t npos, pos_cap;
    kvrt_dstats stats;
} kvrt_datadir;

/* Open DIR (made when missing), take its lock, load its snapshot and replay
 * its journal into ctx->store (no handlers, no output). *had_state says
 * whether DIR held a store already. Returns 0, or exit status 4 after a
 * message (DIR unusable, locked by another process, journal corrupt). */
int kvrt_datadir_open(kvrt_datadir *d, const char *dir, kvrt_fsync_mode fsync,
                      uint64_t checkpoint_bytes, kvrt_ctx *ctx, const char *prog,
                      bool *had_state);

/* The last committed position of the input named `name` (as on the
 * command line), or NULL. */
const kvrt_inpos *kvrt_datadir_position(const kvrt_datadir *d, const char *name);

/* Queue the record of one committed event: its input position and line
 * (pos; NULL for a start-up record: the start function and initialize) and
 * the guest's lines (journal.h: `open`, `set`, `delete`). 0, or -1 out of
 * memory (message printed). */
int kvrt_datadir_commit(kvrt_datadir *d, const kvrt_inpos *pos, const kvrt_buf *guest);

/* Append the queued records to the journal and fsync as --fsync says
 * (`sync` forces an fsync, for checkpoints and exits). 0, or -1. */
int kvrt_datadir_flush(kvrt_datadir *d, bool sync);

/* With --fsync everysec and written data not yet synced: the nanoseconds
 * until its fsync is due (at least 1); else 0. */
uint64_t kvrt_datadir_sync_due(const kvrt_datadir *d);

/* A checkpoint when the journal has passed --checkpoint-mb (or always,
 * with `force`): everything queued is flushed first. 0, or -1. */
int kvrt_datadir_checkpoint(kvrt_datadir *d, kvrt_store *s, bool force);

/* Before reading input `path` (as on the command line): when a position is
 * recorded for it, check that the file still holds what was processed
 * (at least that many bytes, and the same last line) and seek past it.
 * stdin and other streams are read from where they are. 0, or exit status
 * 4 after a message (truncated or replaced). */
int kvrt_datadir_resume(const kvrt_datadir *d, kvrt_input *in, const char *path);

/* Release the lock and everything held (no writes). */
void kvrt_datadir_close(kvrt_datadir *d);

void kvrt_datadir_print_stats(const kvrt_datadir *d, FILE *f, const char *prog);

#endif
