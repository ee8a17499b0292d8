/*
 * runtime/loop.h - guest instances and events: instantiate (and
 * initialize), run one event through on-set/on-delete with per-event
 * atomicity (journal + output mark, rolled back on a trap), throw a trapped
 * instance away. Holds the runtime's only wasm_rt_impl_try.
 */
#ifndef KVRT_LOOP_H
#define KVRT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "evline.h"
#include "journal.h"

typedef struct kvrt_loop_opts {
    uint32_t timeout_ms;    /* 0 = none */
    bool stop_on_trap;
    uint32_t retries;       /* --retries: runs of an event after a conflict */
    const char *prog;       /* for messages */
} kvrt_loop_opts;

typedef enum kvrt_evres {
    KVRT_EV_OK = 0,
    KVRT_EV_TRAPPED,        /* reported, rolled back, instance dropped */
    KVRT_EV_START_FAILED,   /* (re)instantiation or initialize failed: exit 5 */
    KVRT_EV_INTERRUPTED,    /* --data: SIGINT/SIGTERM stopped it; undone, no record */
    KVRT_EV_NOMEM,
    KVRT_EV_STORE_LOST,     /* the store failed for good (reported): exit 4 */
    KVRT_EV_LOST,           /* --events: the entry was claimed by another worker; dropped */
    KVRT_EV_CONFLICT        /* internal: start-up must run again */
} kvrt_evres;

/* Make a fresh instance if there is none (calling initialize). */
kvrt_evres kvrt_loop_ensure_instance(kvrt_ctx *ctx, const kvrt_loop_opts *o);
/* Apply ev to the store, then call its handler. file/line for reports
 * (line 0: file is the whole label, e.g. a stream entry's);
 * with --data (ctx->durable), the event's record is queued with its input
 * position pos (which must then not be NULL). */
kvrt_evres kvrt_loop_event(kvrt_ctx *ctx, const kvrt_loop_opts *o, const kvrt_event *ev,
                           const char *file, uint64_t line, const kvrt_inpos *pos);
/* Apply ev to the store only (--load). 0, or -1 when out of memory. */
int kvrt_loop_apply(kvrt_ctx *ctx, const kvrt_event *ev);
void kvrt_loop_drop_instance(kvrt_ctx *ctx);

#endif
