/*
 * tests/unit/test_datadir.c - --data DIR (runtime/datadir.c) through its C
 * API, on a temporary directory: records committed, flushed and replayed
 * into a fresh store (events, guest lines, new and empty buckets, start-up
 * records, input positions); checkpoints; records a snapshot already holds
 * skipped by their sequence numbers (a crash between the snapshot's rename
 * and the journal's truncation); a torn tail cut off; a damaged older
 * record and a gap in the sequence refused with DIR left as it was; the
 * lock; stale temporary snapshots removed; resuming an input, and refusing
 * one that was truncated or replaced.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "datadir.h"
#include "journal.h"
#include "snapshot.h"
#include "store.h"

static char g_base[64];
static char g_dir[128];

static void make_dirs(void)
{
    snprintf(g_base, sizeof g_base, "/tmp/kvaot-dd.XXXXXX");
    cr_assert_not_null(mkdtemp(g_base));
    snprintf(g_dir, sizeof g_dir, "%s/state", g_base);
}

static void remove_dirs(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_base);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(datadir, .init = make_dirs, .fini = remove_dirs);

static void ctx_new(kvrt_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->store = kvrt_store_new();
    cr_assert_not_null(ctx->store);
    ctx->kv = kvrt_kv_mem(ctx->store);
}

static void ctx_free(kvrt_ctx *ctx)
{
    kvrt_store_free(ctx->store);
}

/* The store as DIR's snapshot renders it (empty buckets included). */
static char *render(kvrt_store *s)
{
    kvrt_buf b;
    kvrt_buf_init(&b);
    cr_assert_eq(kvrt_snapshot_render(s, &b, true), 0);
    cr_assert_eq(kvrt_buf_putc(&b, '\0'), 0);
    return (char *)b.data;
}

static char *read_file(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *data = malloc(1 << 20);
    cr_assert_not_null(data);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

static void write_file(const char *name, const char *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static int open_dd(kvrt_datadir *d, kvrt_ctx *ctx, bool *had)
{
    return kvrt_datadir_open(d, g_dir, KVRT_FSYNC_ALWAYS, 64u << 20, ctx, "test", had);
}

static void commit(kvrt_datadir *d, uint64_t offset, uint64_t line, const char *ev,
                   const char *guest)
{
    kvrt_buf g;
    kvrt_buf_init(&g);
    cr_assert_eq(kvrt_buf_puts(&g, guest), 0);
    if (ev == NULL) {
        cr_assert_eq(kvrt_datadir_commit(d, NULL, &g), 0);
    } else {
        kvrt_inpos p = { (const uint8_t *)"in.txt", 6, offset, line, strlen(ev),
                         kvrt_journal_crc((const uint8_t *)ev, strlen(ev)),
                         (const uint8_t *)ev };
        cr_assert_eq(kvrt_datadir_commit(d, &p, &g), 0);
    }
    kvrt_buf_fini(&g);
}

/* Three records: an event with guest lines and a new empty bucket, a
 * start-up record, and a delete event. What the store holds after them. */
static const char *const STORE3 = "set a m 2\ndelete empty \"\"\nset ctl inits 1\n";

static void three_commits(kvrt_datadir *d)
{
    commit(d, 10, 1, "set a k v", "set a n 1\nopen empty\n");
    commit(d, 0, 0, NULL, "start\nset ctl inits 1\n");
    commit(d, 21, 2, "delete a k", "delete a n\nset a m 2\n");
}

/* DIR made afresh with the three records, flushed, closed. */
static void dir_with_three_records(void)
{
    kvrt_ctx ctx;
    kvrt_datadir d;
    bool had;
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    three_commits(&d);
    cr_assert_eq(kvrt_datadir_flush(&d, true), 0);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
}

Test(datadir, commit_flush_and_replay)
{
    kvrt_ctx ctx;
    kvrt_datadir d;
    bool had = true;
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    cr_expect(!had);
    cr_expect_eq(d.seq, 0u);
    three_commits(&d);
    cr_assert_eq(kvrt_datadir_flush(&d, true), 0);
    cr_expect_eq(d.stats.records, 3u);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);

    /* the journal reads as text */
    size_t n;
    char *j = read_file("journal", &n);
    cr_expect(n > 0 && memcmp(j, "@ 1 ", 4) == 0);
    cr_expect(memmem(j, n, "\nat \"in.txt\" 10 1 9 ", 20) != NULL);
    cr_expect(memmem(j, n, "\nevent set a k v\nset a n 1\nopen empty\n", 38) != NULL);
    free(j);

    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    cr_expect(had);
    cr_expect_eq(d.seq, 3u);
    cr_expect_eq(d.stats.replayed, 3u);
    cr_expect(d.instance_live, "the start-up record made an instance");
    char *got = render(ctx.store);
    cr_expect_str_eq(got, STORE3);
    free(got);
    const kvrt_inpos *p = kvrt_datadir_position(&d, "in.txt");
    cr_assert_not_null(p);
    cr_expect_eq(p->offset, 21u);
    cr_expect_eq(p->line, 2u);
    cr_expect_eq(p->last_len, 10u);
    cr_expect_eq(p->last_crc, kvrt_journal_crc((const uint8_t *)"delete a k", 10));
    cr_expect_null(kvrt_datadir_position(&d, "other.txt"));
    /* the next record follows on */
    commit(&d, 30, 3, "set b k v", "");
    cr_expect_eq(d.seq, 4u);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
}

Test(datadir, checkpoint_then_stale_records_are_skipped)
{
    kvrt_ctx ctx;
    kvrt_datadir d;
    bool had;
    dir_with_three_records();
    size_t jn;
    char *journal = read_file("journal", &jn);

    /* replay into a store, then checkpoint it */
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    cr_assert_eq(kvrt_datadir_checkpoint(&d, ctx.store, true), 0);
    size_t n;
    char *j = read_file("journal", &n);
    cr_expect_eq(n, 0u, "the journal is emptied by a checkpoint");
    free(j);
    char *snap = read_file("snapshot", &n);
    cr_expect(memmem(snap, n, "# seq 3\n", 8) != NULL);
    cr_expect(memmem(snap, n, "# at \"in.txt\" 21 2 10 ", 22) != NULL);
    cr_expect(memmem(snap, n, STORE3, strlen(STORE3)) != NULL, "%.*s", (int)n, snap);
    free(snap);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);

    /* a crash after the rename, before the truncation: the old records are
     * back, and the snapshot holds them all */
    write_file("journal", journal, jn);
    free(journal);
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    cr_expect(had);
    cr_expect_eq(d.stats.replayed, 0u);
    cr_expect_eq(d.seq, 3u);
    char *got = render(ctx.store);
    cr_expect_str_eq(got, STORE3);
    free(got);
    j = read_file("journal", &n);
    cr_expect_eq(n, 0u, "a journal of records the snapshot holds starts afresh");
    free(j);
    cr_expect_not_null(kvrt_datadir_position(&d, "in.txt"));
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
}

Test(datadir, instance_state_survives_replay_and_checkpoints)
{
    kvrt_ctx ctx;
    kvrt_datadir d;
    bool had;
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    cr_expect(!d.instance_live);
    three_commits(&d);
    commit(&d, 30, 3, "set a boom x", "trap\n");
    cr_assert_eq(kvrt_datadir_flush(&d, true), 0);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    cr_expect(!d.instance_live, "a trap dropped the instance");
    /* the trapped event's own change stays */
    char *got = render(ctx.store);
    cr_expect_str_eq(got, "set a m 2\nset a boom x\ndelete empty \"\"\nset ctl inits 1\n");
    free(got);
    cr_assert_eq(kvrt_datadir_checkpoint(&d, ctx.store, true), 0);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
    size_t n;
    char *snap = read_file("snapshot", &n);
    cr_expect(memmem(snap, n, "\n# instance dropped\n", 20) != NULL, "%.*s", (int)n, snap);
    free(snap);
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    cr_expect(!d.instance_live);
    commit(&d, 0, 0, NULL, "start\n");
    d.instance_live = true;     /* as loop.c sets it */
    cr_assert_eq(kvrt_datadir_checkpoint(&d, ctx.store, true), 0);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    cr_expect(d.instance_live, "from the snapshot");
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
}

Test(datadir, torn_tail_is_cut_off)
{
    kvrt_ctx ctx;
    kvrt_datadir d;
    bool had;
    dir_with_three_records();
    size_t n;
    char *j = read_file("journal", &n);
    char *third = memmem(j, n, "@ 3 ", 4);
    cr_assert_not_null(third);
    size_t keep = (size_t)(third - j);
    /* cut in the middle of the third record */
    write_file("journal", j, keep + 20);

    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    cr_expect_eq(d.stats.replayed, 2u);
    cr_expect_eq(d.seq, 2u);
    char *got = render(ctx.store);
    cr_expect_str_eq(got, "set a k v\nset a n 1\ndelete empty \"\"\nset ctl inits 1\n");
    free(got);
    const kvrt_inpos *p = kvrt_datadir_position(&d, "in.txt");
    cr_assert_not_null(p);
    cr_expect_eq(p->offset, 10u);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
    size_t m;
    char *after = read_file("journal", &m);
    cr_expect_eq(m, keep, "the torn record is cut off the file");
    cr_expect(memcmp(after, j, keep) == 0);
    free(after);
    free(j);
}

/* Open must fail with 4 and leave snapshot and journal as they were. */
static void expect_refused_untouched(void)
{
    size_t jn, sn = 0;
    char *j = read_file("journal", &jn);
    char path[256];
    snprintf(path, sizeof path, "%s/snapshot", g_dir);
    bool have_snap = access(path, F_OK) == 0;
    char *s = have_snap ? read_file("snapshot", &sn) : NULL;
    kvrt_ctx ctx;
    kvrt_datadir d;
    bool had;
    ctx_new(&ctx);
    cr_expect_eq(open_dd(&d, &ctx, &had), 4);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
    size_t jn2, sn2;
    char *j2 = read_file("journal", &jn2);
    cr_expect(jn2 == jn && memcmp(j, j2, jn) == 0, "the journal is untouched");
    if (have_snap) {
        char *s2 = read_file("snapshot", &sn2);
        cr_expect(sn2 == sn && memcmp(s, s2, sn) == 0, "the snapshot is untouched");
        free(s2);
    }
    free(j);
    free(j2);
    free(s);
}

Test(datadir, damaged_older_record_is_refused)
{
    kvrt_ctx ctx;
    kvrt_datadir d;
    bool had;
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    three_commits(&d);
    cr_assert_eq(kvrt_datadir_flush(&d, true), 0);
    cr_assert_eq(kvrt_datadir_checkpoint(&d, ctx.store, true), 0);
    commit(&d, 40, 4, "set z k v", "set z n 1\n");
    commit(&d, 50, 5, "set z k w", "");
    cr_assert_eq(kvrt_datadir_flush(&d, true), 0);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
    size_t n;
    char *j = read_file("journal", &n);
    char *v = memmem(j, n, "set z n 1", 9);
    cr_assert_not_null(v);
    v[8] = '7';
    write_file("journal", j, n);
    free(j);
    expect_refused_untouched();
}

Test(datadir, gap_in_sequence_is_refused)
{
    kvrt_buf j;
    kvrt_buf_init(&j);
    cr_assert_eq(kvrt_journal_put_record(&j, 1, (const uint8_t *)"set a k v\n", 10), 0);
    cr_assert_eq(kvrt_journal_put_record(&j, 3, (const uint8_t *)"set a k w\n", 10), 0);
    cr_assert_eq(mkdir(g_dir, 0755), 0);
    write_file("journal", (const char *)j.data, j.len);
    kvrt_buf_fini(&j);
    expect_refused_untouched();
}

Test(datadir, one_process_per_directory)
{
    kvrt_ctx c1, c2;
    kvrt_datadir d1, d2;
    bool had;
    ctx_new(&c1);
    ctx_new(&c2);
    cr_assert_eq(open_dd(&d1, &c1, &had), 0);
    /* flock is per open file: a second open in this process conflicts too */
    cr_expect_eq(open_dd(&d2, &c2, &had), 4);
    kvrt_datadir_close(&d2);
    size_t n;
    char *pid = read_file("lock", &n);
    char want[32];
    snprintf(want, sizeof want, "%ld\n", (long)getpid());
    cr_expect(n == strlen(want) && memcmp(pid, want, n) == 0, "the lock holds our pid");
    free(pid);
    kvrt_datadir_close(&d1);
    cr_expect_eq(open_dd(&d2, &c2, &had), 0, "free again once closed");
    kvrt_datadir_close(&d2);
    ctx_free(&c1);
    ctx_free(&c2);
}

Test(datadir, stale_temporary_snapshots_are_removed)
{
    cr_assert_eq(mkdir(g_dir, 0755), 0);
    write_file("snapshot.tmp.12345", "set half a", 10);
    kvrt_ctx ctx;
    kvrt_datadir d;
    bool had = true;
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    cr_expect(!had, "a temporary snapshot is no state");
    char path[256];
    snprintf(path, sizeof path, "%s/snapshot.tmp.12345", g_dir);
    cr_expect_neq(access(path, F_OK), 0);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
}

/* An input of three lines, resumed after the first. */
static int resume_after_first(const char *content, const char **next)
{
    char path[256];
    snprintf(path, sizeof path, "%s/in.txt", g_base);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(content, f);
    fclose(f);
    kvrt_ctx ctx;
    kvrt_datadir d;
    bool had;
    ctx_new(&ctx);
    cr_assert_eq(open_dd(&d, &ctx, &had), 0);
    kvrt_inpos p = { (const uint8_t *)path, strlen(path), 10, 1, 9,
                     kvrt_journal_crc((const uint8_t *)"set a k v", 9),
                     (const uint8_t *)"set a k v" };
    kvrt_buf g;
    kvrt_buf_init(&g);
    cr_assert_eq(kvrt_datadir_commit(&d, &p, &g), 0);
    kvrt_buf_fini(&g);
    kvrt_input in;
    cr_assert_eq(kvrt_input_open(&in, path), 0);
    int st = kvrt_datadir_resume(&d, &in, path);
    *next = NULL;
    static char line[64];
    const uint8_t *l;
    size_t len;
    if (st == 0 && kvrt_input_next(&in, &l, &len) > 0) {
        snprintf(line, sizeof line, "%.*s@%llu", (int)len, (const char *)l,
                 (unsigned long long)in.line);
        *next = line;
    }
    kvrt_input_close(&in);
    kvrt_datadir_close(&d);
    ctx_free(&ctx);
    return st;
}

Test(datadir, inputs_resume_where_the_work_ends)
{
    const char *next;
    cr_expect_eq(resume_after_first("set a k v\nset a k2 v2\nset a k3 v3\n", &next), 0);
    cr_expect_str_eq(next, "set a k2 v2@2");
    /* the same first line, more after it: still ours */
    cr_expect_eq(resume_after_first("set a k v\nset x y z\n", &next), 0);
    cr_expect_str_eq(next, "set x y z@2");
    /* truncated, replaced (same length, other bytes), shifted */
    cr_expect_eq(resume_after_first("set a k", &next), 4);
    cr_expect_eq(resume_after_first("set a k w\nset a k2 v2\n", &next), 4);
    cr_expect_eq(resume_after_first("xset a k v\n", &next), 4);
}
