/*
 * runtime/datadir.c - --data DIR: lock, snapshot, journal, replay,
 * checkpoints; see datadir.h.
 *
 * The journal is read whole at start (it is at most --checkpoint-mb plus
 * one batch) and then only appended to, through one O_APPEND descriptor,
 * in whole records queued per batch. Replay applies records whose sequence
 * number follows the snapshot's, in order; a record that is not intact is
 * a torn tail when no intact record follows it (cut off, with a warning)
 * and corruption otherwise (exit 4, DIR untouched).
 */
#include "datadir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon.h"
#include "loop.h"
#include "os.h"
#include "snapshot.h"

enum { EXIT_IO = 4 };
#define SECOND_NS 1000000000ull

static void path_of(const kvrt_datadir *d, const char *file, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", d->path, file);
}

/* ---- positions ---------------------------------------------------------------- */

static kvrt_dpos *find_pos(const kvrt_datadir *d, const uint8_t *name, size_t n)
{
    for (uint32_t i = 0; i < d->npos; i++)
        if (d->pos[i].name_len == n && memcmp(d->pos[i].name, name, n) == 0)
            return &d->pos[i];
    return NULL;
}

/* Remember p as its input's position (a copy). -1 when out of memory. */
static int set_pos(kvrt_datadir *d, const kvrt_inpos *p)
{
    kvrt_dpos *e = find_pos(d, p->name, p->name_len);
    if (e == NULL) {
        if (d->npos == d->pos_cap) {
            uint32_t cap = d->pos_cap ? d->pos_cap * 2 : 4;
            kvrt_dpos *np = realloc(d->pos, cap * sizeof *np);
            if (np == NULL)
                return -1;
            d->pos = np;
            d->pos_cap = cap;
        }
        e = &d->pos[d->npos];
        e->name = malloc(p->name_len + 1);
        if (e->name == NULL)
            return -1;
        memcpy(e->name, p->name, p->name_len);
        e->name[p->name_len] = '\0';
        e->name_len = p->name_len;
        d->npos++;
    }
    e->pos = *p;
    e->pos.name = (const uint8_t *)e->name;
    return 0;
}

const kvrt_inpos *kvrt_datadir_position(const kvrt_datadir *d, const char *name)
{
    const kvrt_dpos *e = find_pos(d, (const uint8_t *)name, strlen(name));
    return e ? &e->pos : NULL;
}

/* ---- lock ------------------------------------------------------------------------ */

static int take_lock(kvrt_datadir *d)
{
    char file[4200];
    path_of(d, "lock", file, sizeof file);
    d->lock_fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (d->lock_fd < 0) {
        fprintf(stderr, "%s: %s: cannot open: %s\n", d->prog, file, strerror(errno));
        return -1;
    }
    if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(d->lock_fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        fprintf(stderr, "%s: %s is in use by process %s (%s is locked)\n", d->prog, d->path,
                pid[0] ? pid : "(unknown)", file);
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(d->lock_fd, 0) != 0 || pwrite(d->lock_fd, pid, (size_t)n, 0) != n) {
        fprintf(stderr, "%s: %s: cannot write: %s\n", d->prog, file, strerror(errno));
        return -1;
    }
    return 0;
}

/* A checkpoint cut short by a crash leaves its temporary snapshot (and
 * only that: the rename is atomic). Under the lock no one else writes one:
 * remove them. */
static void remove_stale_temps(const kvrt_datadir *d)
{
    DIR *dir = opendir(d->path);
    if (dir == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strncmp(e->d_name, "snapshot.tmp.", 13) != 0)
            continue;
        char file[4400];
        snprintf(file, sizeof file, "%s/%s", d->path, e->d_name);
        if (unlink(file) != 0)
            fprintf(stderr, "%s: warning: %s: cannot remove: %s\n", d->prog, file,
                    strerror(errno));
    }
    closedir(dir);
}

/* Make DIR's entries (a new lock or journal file) durable. */
static int sync_dir(const kvrt_datadir *d)
{
    int fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        fprintf(stderr, "%s: %s: cannot sync the directory: %s\n", d->prog, d->path,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* ---- snapshot ------------------------------------------------------------------------ */

typedef struct snapmeta {
    kvrt_datadir *d;
    kvrt_evparser parser;
    uint64_t seq;
} snapmeta;

/* `# seq N` and `# at ...` lines; other comments are skipped. */
static int snapshot_comment(void *arg, const uint8_t *line, size_t len)
{
    snapmeta *sm = arg;
    if (len > 6 && memcmp(line, "# seq ", 6) == 0) {
        uint64_t v = 0;
        for (size_t i = 6; i < len; i++) {
            if (line[i] < '0' || line[i] > '9' || v > UINT64_MAX / 10 - 1)
                goto bad;
            v = v * 10 + (uint64_t)(line[i] - '0');
        }
        sm->seq = v;
        return 0;
    }
    if (len == 15 && memcmp(line, "# instance live", 15) == 0) {
        sm->d->instance_live = true;
        return 0;
    }
    if (len > 5 && memcmp(line, "# at ", 5) == 0) {
        kvrt_inpos p;
        if (kvrt_journal_parse_at(&sm->parser, line + 2, len - 2, &p) != 0 || set_pos(sm->d, &p))
            goto bad;
        return 0;
    }
    return 0;
bad:
    fprintf(stderr, "%s: %s/snapshot: malformed metadata line: %.*s\n", sm->d->prog,
            sm->d->path, (int)(len > 80 ? 80 : len), (const char *)line);
    return -1;
}

static int load_snapshot(kvrt_datadir *d, kvrt_ctx *ctx, uint64_t *seq, bool *had)
{
    char file[4200];
    path_of(d, "snapshot", file, sizeof file);
    if (access(file, F_OK) != 0) {
        *seq = 0;
        return 0;
    }
    *had = true;
    snapmeta sm = { .d = d, .seq = 0 };
    kvrt_evparser_init(&sm.parser);
    uint64_t t0 = kvrt_os_now_ns();
    int st = kvrt_snapshot_load_with(ctx, file, d->prog, snapshot_comment, &sm);
    d->stats.snapshot_ns = kvrt_os_now_ns() - t0;
    kvrt_evparser_fini(&sm.parser);
    if (st != 0) {
        fprintf(stderr, "%s: %s: the snapshot cannot be loaded\n", d->prog, file);
        return -1;
    }
    *seq = sm.seq;
    return 0;
}

/* ---- journal replay ----------------------------------------------------------------- */

/* Replay's state. Only the last `at` line of a run of records from one
 * input matters, so `at` lines are kept unparsed (they stay in the journal
 * read into memory) and parsed when the input changes or at the end. */
typedef struct replayer {
    kvrt_datadir *d;
    kvrt_ctx *ctx;
    kvrt_evparser parser;
    const uint8_t *at;          /* the pending `at` line, or NULL */
    size_t at_len, at_prefix;   /* its length; that of its `at "NAME" ` */
} replayer;

/* The length of `at "NAME" ` (through the closing quote and the blank
 * after it: the last '"' of the line, numbers having none), or 0. */
static size_t at_prefix_len(const uint8_t *line, size_t len)
{
    const uint8_t *q = memrchr(line, '"', len);
    return q != NULL && q > line + 3 ? (size_t)(q - line) + 2 : 0;
}

static int flush_at(replayer *rp)
{
    if (rp->at == NULL)
        return 0;
    kvrt_inpos pos;
    int rc = kvrt_journal_parse_at(&rp->parser, rp->at, rp->at_len, &pos) == 0
                 ? set_pos(rp->d, &pos) : -1;
    rp->at = NULL;
    return rc;
}

static int apply_line(replayer *rp, const uint8_t *line, size_t len)
{
    if (len > 3 && memcmp(line, "at ", 3) == 0) {
        if (rp->at == NULL || len <= rp->at_prefix ||
            memcmp(line, rp->at, rp->at_prefix) != 0) {
            if (flush_at(rp) != 0)
                return -1;
            rp->at_prefix = at_prefix_len(line, len);
            if (rp->at_prefix == 0)
                return -1;
        }
        rp->at = line;
        rp->at_len = len;
        return 0;
    }
    if (len == 5 && memcmp(line, "start", 5) == 0) {
        rp->d->instance_live = true;
        return 0;
    }
    if (len == 4 && memcmp(line, "trap", 4) == 0) {
        rp->d->instance_live = false;
        return 0;
    }
    if (len > 5 && memcmp(line, "open ", 5) == 0) {
        const uint8_t *b;
        size_t bl, at = 5;
        if (kvrt_evline_token(&rp->parser, line, len, &at, &b, &bl) != 0 || at != len)
            return -1;
        return kvrt_store_open(rp->ctx->store, b, bl) != NULL ? 0 : -1;
    }
    if (len > 6 && memcmp(line, "event ", 6) == 0) {
        line += 6;
        len -= 6;
    }
    kvrt_event ev;
    kvrt_everr err;
    if (kvrt_evline_parse(&rp->parser, line, len, &ev, &err) != KVRT_LINE_EVENT)
        return -1;
    return kvrt_loop_apply(rp->ctx, &ev);
}

static int apply_record(replayer *rp, const kvrt_jrec *r)
{
    const uint8_t *s = r->body, *end = r->body + r->body_len;
    while (s < end) {
        const uint8_t *nl = memchr(s, '\n', (size_t)(end - s));
        if (apply_line(rp, s, (size_t)(nl - s)) != 0)
            return -1;
        s = nl + 1;
    }
    return 0;
}

static int read_whole(int fd, kvrt_buf *out)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    if (kvrt_buf_reserve(out, (size_t)st.st_size + 1) != 0) {
        errno = ENOMEM;
        return -1;
    }
    while (out->len < (size_t)st.st_size) {
        ssize_t n = pread(fd, out->data + out->len, (size_t)st.st_size - out->len,
                          (off_t)out->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? 0 : -1;
        out->len += (size_t)n;
    }
    return 0;
}

static void corrupt(const kvrt_datadir *d, size_t at, const char *why)
{
    fprintf(stderr, "%s: %s/journal: journal corrupt at byte %zu (%s); DIR left as it is\n",
            d->prog, d->path, at, why);
}

/* Replay the journal's records after snap_seq. */
static int replay(kvrt_datadir *d, kvrt_ctx *ctx, uint64_t snap_seq, bool *had)
{
    char file[4200];
    path_of(d, "journal", file, sizeof file);
    d->journal_fd = open(file, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (d->journal_fd < 0) {
        fprintf(stderr, "%s: %s: cannot open: %s\n", d->prog, file, strerror(errno));
        return -1;
    }
    kvrt_buf data;
    kvrt_buf_init(&data);
    if (read_whole(d->journal_fd, &data) != 0) {
        fprintf(stderr, "%s: %s: cannot read: %s\n", d->prog, file, strerror(errno));
        kvrt_buf_fini(&data);
        return -1;
    }
    replayer rp = { .d = d, .ctx = ctx };
    kvrt_evparser_init(&rp.parser);
    uint64_t t0 = kvrt_os_now_ns();
    size_t pos = 0;
    uint64_t stale = 0;
    int rc = 0;
    d->seq = snap_seq;
    for (;;) {
        kvrt_jrec r;
        kvrt_jscan k = kvrt_journal_scan(data.data, data.len, pos, &r);
        if (k == KVRT_JREC_END)
            break;
        if (k == KVRT_JREC_BAD) {
            if (kvrt_journal_intact_after(data.data, data.len, pos)) {
                corrupt(d, pos, "a damaged record with intact ones after it");
                rc = -1;
                break;
            }
            fprintf(stderr, "%s: warning: %s: a torn record at byte %zu (%zu bytes, the end "
                    "of a write cut short by a crash) is cut off\n", d->prog, file, pos,
                    data.len - pos);
            if (ftruncate(d->journal_fd, (off_t)pos) != 0 || fsync(d->journal_fd) != 0) {
                fprintf(stderr, "%s: %s: cannot cut off the torn record: %s\n", d->prog,
                        file, strerror(errno));
                rc = -1;
            }
            data.len = pos;
            break;
        }
        *had = true;
        if (r.seq <= snap_seq) {
            stale++;        /* the snapshot holds it (a crash during a checkpoint) */
        } else if (r.seq != d->seq + 1) {
            char why[96];
            snprintf(why, sizeof why, "record %llu after record %llu",
                     (unsigned long long)r.seq, (unsigned long long)d->seq);
            corrupt(d, pos, why);
            rc = -1;
            break;
        } else if (apply_record(&rp, &r) != 0) {
            corrupt(d, pos, "a record that does not apply");
            rc = -1;
            break;
        } else {
            d->seq = r.seq;
            d->stats.replayed++;
        }
        pos = r.end;
    }
    d->journal_size = data.len;
    /* Only records the snapshot holds: start the journal afresh. */
    if (rc == 0 && stale > 0 && d->seq == snap_seq && data.len > 0) {
        if (ftruncate(d->journal_fd, 0) != 0 || fsync(d->journal_fd) != 0) {
            fprintf(stderr, "%s: %s: cannot empty: %s\n", d->prog, file, strerror(errno));
            rc = -1;
        }
        d->journal_size = 0;
    }
    d->stats.replay_ns = kvrt_os_now_ns() - t0;
    if (rc == 0 && flush_at(&rp) != 0) {
        corrupt(d, pos, "a malformed 'at' line");
        rc = -1;
    }
    kvrt_evparser_fini(&rp.parser);
    kvrt_buf_fini(&data);
    return rc;
}

int kvrt_datadir_open(kvrt_datadir *d, const char *dir, kvrt_fsync_mode fsync,
                      uint64_t checkpoint_bytes, kvrt_ctx *ctx, const char *prog,
                      bool *had_state)
{
    memset(d, 0, sizeof *d);
    d->lock_fd = d->journal_fd = -1;
    d->prog = prog;
    d->fsync = fsync;
    d->checkpoint_bytes = checkpoint_bytes;
    d->last_sync_ns = kvrt_os_now_ns();
    kvrt_buf_init(&d->pending);
    kvrt_buf_init(&d->at_name);
    kvrt_buf_init(&d->at_prefix);
    *had_state = false;
    if (strlen(dir) >= sizeof d->path - 16) {
        fprintf(stderr, "%s: --data %s: the path is too long\n", prog, dir);
        return EXIT_IO;
    }
    snprintf(d->path, sizeof d->path, "%s", dir);
    /* messages name DIR/file: no "state//journal" for --data state/ */
    for (size_t n = strlen(d->path); n > 1 && d->path[n - 1] == '/'; n--)
        d->path[n - 1] = '\0';
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: --data %s: cannot create: %s\n", prog, dir, strerror(errno));
        return EXIT_IO;
    }
    uint64_t snap_seq = 0;
    if (take_lock(d) != 0)
        return EXIT_IO;
    if (load_snapshot(d, ctx, &snap_seq, had_state) != 0 ||
        replay(d, ctx, snap_seq, had_state) != 0 || sync_dir(d) != 0)
        return EXIT_IO;
    remove_stale_temps(d);
    return 0;
}

/* ---- commit, flush, fsync ------------------------------------------------------------- */

/* The record's `at` line, its `at "NAME" ` made once per input. */
static int put_at(kvrt_datadir *d, const kvrt_inpos *pos)
{
    if (d->at_name.len != pos->name_len || d->at_prefix.len == 0 ||
        (pos->name_len > 0 && memcmp(d->at_name.data, pos->name, pos->name_len) != 0)) {
        d->at_name.len = 0;
        d->at_prefix.len = 0;
        if (kvrt_buf_append(&d->at_name, pos->name, pos->name_len) != 0 ||
            kvrt_journal_at_prefix(&d->at_prefix, pos->name, pos->name_len) != 0) {
            d->at_prefix.len = 0;
            return -1;
        }
    }
    return kvrt_journal_put_at_after(&d->pending, &d->at_prefix, pos);
}

/* `event LINE`: the input line itself, as the parser read it (replay
 * parses it again, to the same event). */
static int put_event(kvrt_buf *out, const kvrt_inpos *pos)
{
    if (kvrt_buf_reserve(out, (size_t)pos->last_len + 7) != 0)
        return -1;
    uint8_t *d = out->data + out->len;
    memcpy(d, "event ", 6);
    memcpy(d + 6, pos->last, pos->last_len);
    d[6 + pos->last_len] = '\n';
    out->len += (size_t)pos->last_len + 7;
    return 0;
}

/* The record goes straight into d->pending (no per-event copy, no malloc
 * once the buffers have grown). */
int kvrt_datadir_commit(kvrt_datadir *d, const kvrt_inpos *pos, const kvrt_buf *guest)
{
    size_t mark = d->pending.len;
    int rc = kvrt_journal_begin(&d->pending, &mark);
    if (rc == 0 && pos != NULL)
        rc = put_at(d, pos);
    if (rc == 0 && pos != NULL)
        rc = put_event(&d->pending, pos);
    if (rc == 0 && guest != NULL)
        rc = kvrt_buf_append(&d->pending, guest->data, guest->len);
    if (rc == 0 && pos != NULL)
        rc = set_pos(d, pos);
    if (rc != 0) {
        kvrt_buf_truncate(&d->pending, mark);
        fprintf(stderr, "%s: out of memory queueing a journal record\n", d->prog);
        return -1;
    }
    kvrt_journal_end(&d->pending, mark, d->seq + 1);
    d->seq++;
    d->stats.records++;
    return 0;
}

static int sync_journal(kvrt_datadir *d)
{
    if (fsync(d->journal_fd) != 0) {
        fprintf(stderr, "%s: %s/journal: fsync failed: %s\n", d->prog, d->path, strerror(errno));
        d->failed = true;
        return -1;
    }
    d->unsynced = false;
    d->last_sync_ns = kvrt_os_now_ns();
    d->stats.fsyncs++;
    return 0;
}

int kvrt_datadir_flush(kvrt_datadir *d, bool sync)
{
    if (d->failed)
        return -1;
    if (d->pending.len > 0) {
        if (kvrt_os_write_all(d->journal_fd, d->pending.data, d->pending.len) != 0) {
            fprintf(stderr, "%s: %s/journal: cannot write: %s\n", d->prog, d->path,
                    strerror(errno));
            d->failed = true;
            return -1;
        }
        d->journal_size += d->pending.len;
        d->stats.bytes += d->pending.len;
        d->pending.len = 0;
        d->unsynced = true;
    }
    if (!d->unsynced)
        return 0;
    bool due = sync || d->fsync == KVRT_FSYNC_ALWAYS ||
               (d->fsync == KVRT_FSYNC_EVERYSEC &&
                kvrt_os_now_ns() - d->last_sync_ns >= SECOND_NS);
    return due ? sync_journal(d) : 0;
}

uint64_t kvrt_datadir_sync_due(const kvrt_datadir *d)
{
    if (d->fsync != KVRT_FSYNC_EVERYSEC || !d->unsynced || d->failed)
        return 0;
    uint64_t since = kvrt_os_now_ns() - d->last_sync_ns;
    return since >= SECOND_NS ? 1 : SECOND_NS - since;
}

/* ---- checkpoints ------------------------------------------------------------------------ */

static int render_snapshot(const kvrt_datadir *d, kvrt_store *s, kvrt_buf *out)
{
    char head[96];
    int n = snprintf(head, sizeof head, "# kvaot --data snapshot\n# seq %llu\n# instance %s\n",
                     (unsigned long long)d->seq, d->instance_live ? "live" : "dropped");
    int rc = kvrt_buf_append(out, head, (size_t)n);
    for (uint32_t i = 0; rc == 0 && i < d->npos; i++) {
        rc |= kvrt_buf_puts(out, "# ");
        rc |= kvrt_journal_put_at(out, &d->pos[i].pos);
    }
    return rc == 0 ? kvrt_snapshot_render(s, out, true) : -1;
}

int kvrt_datadir_checkpoint(kvrt_datadir *d, kvrt_store *s, bool force)
{
    if (d->failed)
        return -1;
    if (!force && d->journal_size + d->pending.len < d->checkpoint_bytes)
        return 0;
    if (kvrt_datadir_flush(d, false) != 0)
        return -1;
    uint64_t t0 = kvrt_os_now_ns();
    kvrt_buf snap;
    kvrt_buf_init(&snap);
    char file[4200];
    path_of(d, "snapshot", file, sizeof file);
    int rc = render_snapshot(d, s, &snap);
    if (rc != 0)
        fprintf(stderr, "%s: %s: out of memory rendering the snapshot\n", d->prog, file);
    else if ((rc = kvrt_os_write_atomic(file, &snap)) != 0)
        fprintf(stderr, "%s: %s: cannot write: %s\n", d->prog, file, strerror(errno));
    kvrt_buf_fini(&snap);
    /* The snapshot holds every record now: the journal starts afresh. A
     * crash before this leaves records replay skips by their seq. */
    if (rc == 0 && (ftruncate(d->journal_fd, 0) != 0 || fsync(d->journal_fd) != 0)) {
        fprintf(stderr, "%s: %s/journal: cannot empty: %s\n", d->prog, d->path,
                strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        d->failed = true;
        return -1;
    }
    d->journal_size = 0;
    d->unsynced = false;
    d->last_sync_ns = kvrt_os_now_ns();
    d->stats.checkpoints++;
    d->stats.checkpoint_ns += d->last_sync_ns - t0;
    return 0;
}

void kvrt_datadir_close(kvrt_datadir *d)
{
    if (d->journal_fd >= 0)
        close(d->journal_fd);
    if (d->lock_fd >= 0)
        close(d->lock_fd);      /* releases the flock */
    for (uint32_t i = 0; i < d->npos; i++)
        free(d->pos[i].name);
    free(d->pos);
    kvrt_buf_fini(&d->pending);
    kvrt_buf_fini(&d->at_name);
    kvrt_buf_fini(&d->at_prefix);
    d->journal_fd = d->lock_fd = -1;
    d->pos = NULL;
    d->npos = d->pos_cap = 0;
}

void kvrt_datadir_print_stats(const kvrt_datadir *d, FILE *f, const char *prog)
{
    const kvrt_dstats *s = &d->stats;
    fprintf(f, "%s: journal: %llu records, %llu bytes (%.1f per record), %llu fsyncs, "
            "%llu checkpoints (%.3f s), replayed %llu records in %.3f s, snapshot loaded in "
            "%.3f s\n", prog, (unsigned long long)s->records, (unsigned long long)s->bytes,
            s->records ? (double)s->bytes / (double)s->records : 0.0,
            (unsigned long long)s->fsyncs, (unsigned long long)s->checkpoints,
            (double)s->checkpoint_ns / 1e9, (unsigned long long)s->replayed,
            (double)s->replay_ns / 1e9, (double)s->snapshot_ns / 1e9);
}

/* ---- resuming inputs --------------------------------------------------------------------- */

int kvrt_datadir_resume(const kvrt_datadir *d, kvrt_input *in, const char *path)
{
    const kvrt_inpos *p = kvrt_datadir_position(d, path);
    struct stat st;
    if (p == NULL || strcmp(path, "-") == 0 || fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;       /* nothing recorded, or a stream: read from where it is */
    if ((uint64_t)st.st_size < p->offset) {
        fprintf(stderr, "%s: %s: the file is shorter (%llu bytes) than where %s says its "
                "processing ended (byte %llu, line %llu): it was truncated or replaced; "
                "restore it, or start with a fresh --data directory\n", d->prog, path,
                (unsigned long long)st.st_size, d->path, (unsigned long long)p->offset,
                (unsigned long long)p->line);
        return EXIT_IO;
    }
    /* The line processed last ends at the offset, with or without its '\n'. */
    uint64_t end = p->offset;
    char nl = 0;
    if (end > 0 && pread(in->fd, &nl, 1, (off_t)(end - 1)) == 1 && nl == '\n')
        end--;
    /* ... and starts the file or follows a '\n' */
    bool same = end >= p->last_len;
    if (same) {
        uint64_t start = end - p->last_len;
        kvrt_buf line;
        kvrt_buf_init(&line);
        same = kvrt_buf_reserve(&line, (size_t)p->last_len + 1) == 0;
        if (same && start > 0)
            same = pread(in->fd, line.data, 1, (off_t)(start - 1)) == 1 && line.data[0] == '\n';
        same = same &&
               pread(in->fd, line.data, p->last_len, (off_t)start) == (ssize_t)p->last_len &&
               kvrt_journal_crc(line.data, p->last_len) == p->last_crc;
        kvrt_buf_fini(&line);
    }
    if (!same) {
        fprintf(stderr, "%s: %s: line %llu, the last one %s says was processed, is not what "
                "it was then: the file was replaced or changed; restore it, or start with a "
                "fresh --data directory\n", d->prog, path, (unsigned long long)p->line, d->path);
        return EXIT_IO;
    }
    if (kvrt_input_seek(in, p->offset, p->line) != 0) {
        fprintf(stderr, "%s: %s: cannot seek: %s\n", d->prog, path, strerror(errno));
        return EXIT_IO;
    }
    return 0;
}
