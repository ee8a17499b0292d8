/*
 * runtime/loop.c - instances and per-event processing; see loop.h.
 *
 * Per event: the event is applied to the store (never rolled back), then the
 * store journal starts and the output mark is taken; the host makes the
 * bucket (and incoming-value) handles, copies the key in through the
 * guest's realloc and calls the handler and its post-return. On success the
 * journal is committed and the host drops its handles if the guest did
 * not; on a trap the journal is rolled back, the event's output records are
 * cut off, and the instance with all its handles is thrown away.
 *
 * The trap guard is wasm_rt_impl_try() minus the signal-mask save: that
 * macro's sigsetjmp(buf, 1) costs an rt_sigprocmask system call per event
 * (70% of a trivial event's time). We arm the same jmp_buf with
 * sigsetjmp(buf, 0) and, only when a trap did unwind out of a signal
 * handler (SIGSEGV, SIGALRM, SIGINT/SIGTERM: the signal is left blocked),
 * restore the process's normal mask ourselves.
 */
#include "loop.h"

#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <signal.h>

#include "wasm-rt-impl.h"

#include "canon.h"
#include "datadir.h"
#include "memory.h"
#include "os.h"

void kvrt_loop_drop_instance(kvrt_ctx *ctx)
{
    if (ctx->inst != NULL)
        ctx->guest->free_instance(ctx->inst);
    ctx->inst = NULL;
    ctx->mem = NULL;
    kvrt_handles_reset(&ctx->handles);
}

static sigset_t g_normal_mask;
static bool g_have_mask;

/* Right after a trap unwound to a guard: unblock what a signal handler's
 * unwinding left blocked, and reset the host flags the trap cut short. */
static void recover_from_trap(kvrt_ctx *ctx)
{
    if (!g_have_mask) {
        sigemptyset(&g_normal_mask);
        g_have_mask = true;
    }
    if (kvrt_os_trap_left_handler())
        sigprocmask(SIG_SETMASK, &g_normal_mask, NULL);
    kvrt_release_held(ctx);
    kvrt_set_in_realloc(&ctx->head, 0);
    ctx->head.in_host = 1;
}

/* After the attempt-th conflict in a row: a random pause of up to
 * 20 us x 2^attempt (at most 5 ms), so that clients racing for one hot key
 * stop colliding in lockstep. */
static void backoff(uint32_t attempt)
{
    static uint64_t state = 0x9e3779b97f4a7c15ull;
    state ^= kvrt_os_now_ns();
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    uint64_t cap = 20ull << (attempt < 8 ? attempt : 8);
    kvrt_os_sleep_us(state % (cap + 1));
}

static const char *trap_text(kvrt_ctx *ctx, int code)
{
    if (ctx->trap_reason != NULL)
        return ctx->trap_reason;
    if (code == WASM_RT_TRAP_UNCAUGHT_EXCEPTION)
        return "uncaught wasm exception";
    return wasm_rt_strerror((wasm_rt_trap_t)code);
}

/* Run a no-argument guest entry point (start, initialize) under a trap
 * guard. Returns the trap code or 0. */
static int guarded_void(kvrt_ctx *ctx, void (*fn)(void *inst))
{
    wasm_rt_set_unwind_target(&wasm_rt_jmp_buf);
    int code = sigsetjmp(wasm_rt_jmp_buf, 0);
    if (code != 0) {
        recover_from_trap(ctx);
        return code;
    }
    ctx->head.in_host = 0;
    fn(ctx->inst);
    ctx->head.in_host = 1;
    return 0;
}

/* The start function, then initialize, as one unit of the store journal:
 * both run with everything an import needs in place, their mutations are
 * applied and printed (and, with --data, appended to ctx->jbody after a
 * `start` line); a trap in either undoes and drops what both did (SPEC §7,
 * §8.6).
 *
 * With --data, when the committed work ends with a live instance (a
 * restart), the new instance stands in for that one: its start-up runs,
 * but what it changed and printed is undone, since the store already holds
 * the start-up of the instance it replaces. So a restart ends with the
 * store one uninterrupted run makes, even for a guest whose initialize
 * writes. */
static kvrt_evres start_guest(kvrt_ctx *ctx, const kvrt_loop_opts *o)
{
    static const char *const what[2] = {"the start function", "initialize"};
    void (*const fns[2])(void *) = {ctx->guest->start, ctx->guest->initialize};
    bool stand_in = ctx->durable != NULL && ctx->durable->instance_live;
    size_t mark = ctx->out.len, jmark = ctx->jbody.len;
    uint64_t mutations = ctx->stats.mutations;
    if (ctx->durable != NULL && !stand_in && kvrt_buf_append(&ctx->jbody, "start\n", 6) != 0)
        return KVRT_EV_NOMEM;
    ctx->kv.ops->begin(ctx->kv.self);
    for (int i = 0; i < 2; i++) {
        if (fns[i] == NULL)
            continue;
        int code = guarded_void(ctx, fns[i]);
        ctx->head.in_host = 1;
        if (code == 0)
            continue;
        ctx->kv.ops->rollback(ctx->kv.self);
        kvrt_buf_truncate(&ctx->out, mark);
        kvrt_buf_truncate(&ctx->jbody, jmark);
        ctx->stats.mutations = mutations;
        kvrt_loop_drop_instance(ctx);
        if (ctx->store_lost) {
            fprintf(stderr, "%s: the store is lost: %s\n", o->prog, trap_text(ctx, code));
            return KVRT_EV_STORE_LOST;
        }
        fprintf(stderr, "%s: guest failed to start: trap in %s: %s\n", o->prog, what[i],
                trap_text(ctx, code));
        return KVRT_EV_START_FAILED;
    }
    if (stand_in) {
        ctx->kv.ops->rollback(ctx->kv.self);
        kvrt_buf_truncate(&ctx->out, mark);
        kvrt_buf_truncate(&ctx->jbody, jmark);
        ctx->stats.mutations = mutations;
        return KVRT_EV_OK;
    }
    kvrt_commit_res cr = ctx->kv.ops->commit(ctx->kv.self);
    if (cr != KVRT_COMMIT_OK) {
        /* Another client changed what start-up read: start again. */
        kvrt_buf_truncate(&ctx->out, mark);
        ctx->stats.mutations = mutations;
        kvrt_loop_drop_instance(ctx);
        if (cr == KVRT_COMMIT_CONFLICT)
            return KVRT_EV_CONFLICT;
        fprintf(stderr, "%s: the store is lost: %s\n", o->prog, ctx->kv.ops->why(ctx->kv.self));
        return KVRT_EV_STORE_LOST;
    }
    if (ctx->durable != NULL)
        ctx->durable->instance_live = true;
    return KVRT_EV_OK;
}

static kvrt_evres make_instance_once(kvrt_ctx *ctx, const kvrt_loop_opts *o)
{
    ctx->trap_reason = NULL;
    if (!g_have_mask) {
        sigprocmask(SIG_SETMASK, NULL, &g_normal_mask);
        g_have_mask = true;
    }
    wasm_rt_set_unwind_target(&wasm_rt_jmp_buf);
    int code = sigsetjmp(wasm_rt_jmp_buf, 0);
    if (code != 0) {
        recover_from_trap(ctx);
        fprintf(stderr, "%s: guest failed to start: trap during instantiation: %s\n",
                o->prog, trap_text(ctx, code));
        ctx->inst = NULL;
        return KVRT_EV_START_FAILED;
    }
    kvrt_memory_clear_over_limit();
    ctx->inst = ctx->guest->instantiate(ctx);
    if (ctx->inst == NULL) {
        fprintf(stderr, "%s: guest failed to start: out of memory\n", o->prog);
        return KVRT_EV_START_FAILED;
    }
    ctx->mem = ctx->guest->memory(ctx->inst);
    if (kvrt_memory_over_limit()) {
        fprintf(stderr, "%s: guest failed to start: its initial memory (%u MiB) is larger "
                "than --max-memory\n", o->prog, (unsigned)(kvrt_memory_over_limit() / 16));
        kvrt_loop_drop_instance(ctx);
        return KVRT_EV_START_FAILED;
    }
    kvrt_memory_take_image(ctx->mem);       /* data segments in, nothing run yet */
    return start_guest(ctx, o);
}

/* Make the instance if there is none; what its start-up wrote is left in
 * ctx->jbody for the caller's journal record. A start-up whose commit
 * conflicts (--store redis) starts again on a fresh instance. */
static kvrt_evres make_instance(kvrt_ctx *ctx, const kvrt_loop_opts *o)
{
    for (uint32_t attempt = 0; ctx->inst == NULL; attempt++) {
        kvrt_evres er = make_instance_once(ctx, o);
        if (er != KVRT_EV_CONFLICT)
            return er;
        ctx->stats.retries++;
        backoff(attempt);
        if (attempt >= o->retries) {
            fprintf(stderr, "%s: guest failed to start: its start-up conflicted with other "
                    "clients %u times (--retries)\n", o->prog, (unsigned)attempt + 1);
            return KVRT_EV_START_FAILED;
        }
    }
    return KVRT_EV_OK;
}

kvrt_evres kvrt_loop_ensure_instance(kvrt_ctx *ctx, const kvrt_loop_opts *o)
{
    ctx->jbody.len = 0;
    kvrt_evres er = make_instance(ctx, o);
    /* Between events, start-up is a record of its own (no event, no
     * position); inside an event it is part of the event's (see there). */
    if (er == KVRT_EV_OK && ctx->durable != NULL && ctx->jbody.len > 0 &&
        kvrt_datadir_commit(ctx->durable, NULL, &ctx->jbody) != 0)
        er = KVRT_EV_NOMEM;
    ctx->jbody.len = 0;
    return er;
}

int kvrt_loop_apply(kvrt_ctx *ctx, const kvrt_event *ev)
{
    const kvrt_kv_ops *ops = ctx->kv.ops;
    bool created;
    kvrt_bucket *b = ops->open(ctx->kv.self, ev->bucket, ev->bucket_len, &created);
    if (b == NULL)
        return -1;
    if (ev->op == KVRT_EV_DELETE)
        return ops->del(ctx->kv.self, b, ev->key, ev->key_len, true) < 0 ? -1 : 0;
    kvrt_val *v = kvrt_val_new(ev->value, ev->value_len);
    if (v == NULL)
        return -1;
    return ops->set(ctx->kv.self, b, ev->key, ev->key_len, v);
}

/* The guest part of one event, under the trap guard. Handles were made by
 * the caller; returns the trap code or 0. */
static int guarded_call(kvrt_ctx *ctx, const kvrt_loop_opts *o, const kvrt_event *ev,
                        uint32_t bh, uint32_t ivh)
{
    wasm_rt_set_unwind_target(&wasm_rt_jmp_buf);
    int code = sigsetjmp(wasm_rt_jmp_buf, 0);
    if (code != 0) {
        recover_from_trap(ctx);
        return code;
    }
    uint32_t kp = kvrt_guest_copy(ctx, ev->key, ev->key_len);
    /* A deadline that fired after the previous event's guest returned (but
     * before its timer was disarmed) must not count against this one. */
    ctx->head.timer_fired = 0;
    if (o->timeout_ms)
        kvrt_os_timer(o->timeout_ms);
    ctx->head.in_host = 0;
    if (ev->op == KVRT_EV_SET) {
        ctx->guest->on_set(ctx->inst, bh, kp, (uint32_t)ev->key_len, ivh);
        if (ctx->guest->on_set_post)
            ctx->guest->on_set_post(ctx->inst);
    } else {
        ctx->guest->on_delete(ctx->inst, bh, kp, (uint32_t)ev->key_len);
        if (ctx->guest->on_delete_post)
            ctx->guest->on_delete_post(ctx->inst);
    }
    ctx->head.in_host = 1;
    if (o->timeout_ms)
        kvrt_os_timer(0);
    return 0;
}

/* "FILE:LINE", or FILE alone when line is 0 (a stream entry's label). */
static const char *where(char *buf, size_t cap, const char *file, uint64_t line)
{
    if (line == 0)
        snprintf(buf, cap, "%s", file);
    else
        snprintf(buf, cap, "%s:%llu", file, (unsigned long long)line);
    return buf;
}

/* The trap's line on stderr, built in ctx->scratch (kept from one trap to
 * the next) and written at once. */
static void report_trap(kvrt_ctx *ctx, const kvrt_loop_opts *o, const kvrt_event *ev,
                        const char *file, uint64_t line, int code)
{
    const char *in = ev->op == KVRT_EV_SET ? "on-set" : "on-delete";
    char at[600];
    where(at, sizeof at, file, line);
    kvrt_buf *m = &ctx->scratch;
    m->len = 0;
    int rc = kvrt_buf_puts(m, o->prog);
    rc |= kvrt_buf_puts(m, ": ");
    rc |= kvrt_buf_puts(m, at);
    rc |= kvrt_buf_puts(m, ": trap in ");
    rc |= kvrt_buf_puts(m, in);
    rc |= kvrt_buf_puts(m, " (bucket ");
    rc |= kvrt_canon_quoted(m, ev->bucket, ev->bucket_len);
    rc |= kvrt_buf_puts(m, ", key ");
    rc |= kvrt_canon_quoted(m, ev->key, ev->key_len);
    rc |= kvrt_buf_puts(m, "): ");
    rc |= kvrt_buf_puts(m, trap_text(ctx, code));
    rc |= kvrt_buf_putc(m, '\n');
    if (rc == 0)
        fwrite(m->data, 1, m->len, stderr);
    else        /* out of memory: without the quoted bucket and key */
        fprintf(stderr, "%s: %s: trap in %s : %s\n", o->prog, at, in, trap_text(ctx, code));
    m->len = 0;
}

/* Host-made handles for one event; 0 for ivh on deletes. -1 when the table
 * is full (the event then traps like any other past-the-bound case). */
static int make_event_handles(kvrt_ctx *ctx, const kvrt_event *ev, kvrt_bucket *b,
                              kvrt_val *v, uint32_t *bh, uint32_t *ivh)
{
    kvrt_res res;
    res.u.bucket = b;
    *bh = kvrt_handle_new(&ctx->handles, KVRT_H_BUCKET, &res);
    *ivh = 0;
    if (*bh == 0)
        return -1;
    if (ev->op != KVRT_EV_SET)
        return 0;
    res.u.in.val = kvrt_val_ref(v);
    res.u.in.consumed = false;
    *ivh = kvrt_handle_new(&ctx->handles, KVRT_H_INCOMING, &res);
    if (*ivh == 0) {
        kvrt_val_unref(v);
        return -1;
    }
    return 0;
}

/* With --data, the event's record: its position, its own change (its
 * line), and the guest's lines (the handler's only when it did not trap). */
static kvrt_evres journal_event(kvrt_ctx *ctx, const kvrt_inpos *pos, kvrt_evres er)
{
    if (ctx->durable == NULL)
        return er;
    return kvrt_datadir_commit(ctx->durable, pos, &ctx->jbody) == 0 ? er : KVRT_EV_NOMEM;
}

/* The event's own change (SPEC §3): its bucket opened, the key set or
 * deleted; *v the new value (a reference of its own). NULL when out of
 * memory. */
static kvrt_bucket *apply_own_change(kvrt_ctx *ctx, const kvrt_event *ev, kvrt_val **v)
{
    const kvrt_kv_ops *ops = ctx->kv.ops;
    bool created;
    *v = NULL;
    kvrt_bucket *b = ops->open(ctx->kv.self, ev->bucket, ev->bucket_len, &created);
    if (b == NULL)
        return NULL;
    if (ev->op == KVRT_EV_DELETE)
        return ops->del(ctx->kv.self, b, ev->key, ev->key_len, true) < 0 ? NULL : b;
    *v = kvrt_val_new(ev->value, ev->value_len);
    if (*v == NULL || ops->set(ctx->kv.self, b, ev->key, ev->key_len, kvrt_val_ref(*v)) != 0) {
        if (*v != NULL)
            kvrt_val_unref(*v);
        *v = NULL;
        return NULL;
    }
    return b;
}

/* With --data, SIGINT/SIGTERM stopped the handler: the event is undone
 * whole, its own change too, and gets no record, so the checkpoint at exit
 * holds the store before it and a restart processes it again (SPEC §9: the
 * store of one uninterrupted run). A new instance made for it keeps its
 * start-up record. */
static kvrt_evres interrupted(kvrt_ctx *ctx, const kvrt_loop_opts *o, const kvrt_event *ev,
                              const char *file, uint64_t line, size_t jstart)
{
    ctx->kv.ops->rollback(ctx->kv.self);
    kvrt_buf_truncate(&ctx->jbody, jstart);
    fprintf(stderr, "%s: %s:%llu: %s in %s: the event is undone and not committed; a restart "
            "processes it again\n", o->prog, file, (unsigned long long)line,
            ctx->trap_reason ? ctx->trap_reason : "interrupted",
            ev->op == KVRT_EV_SET ? "on-set" : "on-delete");
    kvrt_loop_drop_instance(ctx);
    if (jstart > 0 && kvrt_datadir_commit(ctx->durable, NULL, &ctx->jbody) != 0)
        return KVRT_EV_NOMEM;
    return KVRT_EV_INTERRUPTED;
}

/* The store gave out during the event: nothing of it is stored. */
static kvrt_evres store_lost(kvrt_ctx *ctx, const kvrt_loop_opts *o, const char *file,
                             uint64_t line)
{
    char at[600];
    fprintf(stderr, "%s: %s: the store is lost, the event is not applied: %s\n", o->prog,
            where(at, sizeof at, file, line), ctx->kv.ops->why(ctx->kv.self));
    ctx->kv.ops->rollback(ctx->kv.self);
    kvrt_loop_drop_instance(ctx);
    return KVRT_EV_STORE_LOST;
}

/* One run of the event: its own change, then a savepoint, then the
 * handler. Returns the trap code or 0; *own is the savepoint. NOMEM as
 * -1. */
static int attempt_event(kvrt_ctx *ctx, const kvrt_loop_opts *o, const kvrt_event *ev,
                         size_t *own)
{
    ctx->kv.ops->begin(ctx->kv.self);
    kvrt_val *v;
    kvrt_bucket *b = apply_own_change(ctx, ev, &v);
    if (b == NULL)
        return -1;
    *own = ctx->kv.ops->mark(ctx->kv.self);
    ctx->trap_reason = NULL;
    uint32_t bh, ivh;
    int code;
    if (make_event_handles(ctx, ev, b, v, &bh, &ivh) != 0) {
        ctx->trap_reason = "too many live handles for the event's own handles";
        code = WASM_RT_TRAP_UNREACHABLE;
    } else {
        code = guarded_call(ctx, o, ev, bh, ivh);
    }
    if (v != NULL)
        kvrt_val_unref(v);
    ctx->head.in_host = 1;
    if (code == 0) {
        kvrt_handle_drop(&ctx->handles, bh, KVRT_H_BUCKET);
        if (ivh != 0)
            kvrt_handle_drop(&ctx->handles, ivh, KVRT_H_INCOMING);
    }
    return code;
}

kvrt_evres kvrt_loop_event(kvrt_ctx *ctx, const kvrt_loop_opts *o, const kvrt_event *ev,
                           const char *file, uint64_t line, const kvrt_inpos *pos)
{
    /* An instance made here (rare: cli.c makes it between events) writes
     * its start-up lines into this event's record, before the event's. */
    ctx->jbody.len = 0;
    kvrt_evres er = make_instance(ctx, o);
    if (er != KVRT_EV_OK)
        return er;
    size_t mark = ctx->out.len, jmark = ctx->jbody.len;
    uint64_t mutations = ctx->stats.mutations;
    ctx->stats.events++;
    if (ev->op == KVRT_EV_DELETE)
        ctx->stats.deletes++;
    else
        ctx->stats.sets++;
    /* One store journal for the event: its own change, then a savepoint,
     * then the handler's changes (undone alone on a trap). With a shared
     * store, a commit that conflicts runs the event again. */
    size_t own = 0;
    int code;
    for (uint32_t attempt = 0;; attempt++) {
        code = attempt_event(ctx, o, ev, &own);
        if (code < 0) {
            if (ctx->kv.ops->lost != NULL && ctx->kv.ops->lost(ctx->kv.self))
                return store_lost(ctx, o, file, line);
            ctx->kv.ops->rollback(ctx->kv.self);
            return KVRT_EV_NOMEM;
        }
        if (code != 0)
            break;
        kvrt_commit_res cr = ctx->kv.ops->commit(ctx->kv.self);
        if (cr == KVRT_COMMIT_OK)
            return journal_event(ctx, pos, KVRT_EV_OK);
        kvrt_buf_truncate(&ctx->out, mark);
        ctx->stats.mutations = mutations;
        if (cr == KVRT_COMMIT_FAILED) {
            ctx->store_lost = true;
            return store_lost(ctx, o, file, line);
        }
        if (cr == KVRT_COMMIT_LOST)
            return KVRT_EV_LOST;
        if (cr == KVRT_COMMIT_WAIT) {
            /* an earlier stream entry is not committed yet: not a conflict */
            kvrt_os_sleep_us(200);
            attempt--;
            continue;
        }
        ctx->stats.retries++;
        backoff(attempt);
        if (attempt >= o->retries) {
            snprintf(ctx->trap_buf, sizeof ctx->trap_buf,
                     "its commit conflicted with other clients %u times (--retries)",
                     (unsigned)attempt + 1);
            ctx->trap_reason = ctx->trap_buf;
            code = WASM_RT_TRAP_UNREACHABLE;
            break;
        }
    }
    if (o->timeout_ms)
        kvrt_os_timer(0);
    ctx->head.timer_fired = 0;
    kvrt_buf_truncate(&ctx->out, mark);
    ctx->stats.mutations = mutations;
    if (ctx->store_lost)
        return store_lost(ctx, o, file, line);
    if (ctx->durable != NULL && kvrt_os_stop_signal() != 0)
        return interrupted(ctx, o, ev, file, line, jmark);
    ctx->kv.ops->rollback_to(ctx->kv.self, own);
    /* The own change alone reads nothing, so it cannot conflict; but a
     * commit whose reply was lost and did not go through comes back as a
     * conflict: then the own change is made again. */
    for (kvrt_commit_res cr; (cr = ctx->kv.ops->commit(ctx->kv.self)) != KVRT_COMMIT_OK;) {
        kvrt_val *v;
        if (cr == KVRT_COMMIT_LOST) {
            kvrt_loop_drop_instance(ctx);
            return KVRT_EV_LOST;
        }
        if (cr == KVRT_COMMIT_WAIT)
            kvrt_os_sleep_us(200);
        ctx->kv.ops->begin(ctx->kv.self);
        if (cr == KVRT_COMMIT_FAILED || apply_own_change(ctx, ev, &v) == NULL) {
            ctx->store_lost = true;
            return store_lost(ctx, o, file, line);
        }
        if (v != NULL)
            kvrt_val_unref(v);
    }
    kvrt_buf_truncate(&ctx->jbody, jmark);
    ctx->stats.traps++;
    if (ctx->durable != NULL) {
        ctx->durable->instance_live = false;
        if (kvrt_buf_append(&ctx->jbody, "trap\n", 5) != 0)
            return KVRT_EV_NOMEM;
    }
    report_trap(ctx, o, ev, file, line, code);
    kvrt_loop_drop_instance(ctx);
    return journal_event(ctx, pos, KVRT_EV_TRAPPED);
}
