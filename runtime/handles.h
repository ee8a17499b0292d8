/*
 * runtime/handles.h - guest u32 handles -> host resources, kind-checked.
 *
 * A handle is (generation << 20) | slot, slot >= 1, so 0 is never valid.
 * A dropped slot goes to the back of a FIFO free list and is only reused once
 * at least KVRT_HANDLE_MIN_FREE slots are free, and its generation changes on
 * every reuse: a stale handle is detected unless the same slot cycled 4096
 * times meanwhile (with >= 1024 slots in rotation, 4M handle creations).
 *
 * The table owns each resource: dropping a handle releases it (value
 * references, outgoing-value bodies, error messages). Buckets belong to the
 * store; a bucket handle only borrows one.
 * Errors: lookups return NULL for wrong-kind, dropped or never-issued handles;
 * never trap (the caller decides between an error result and a trap).
 */
#ifndef KVRT_HANDLES_H
#define KVRT_HANDLES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "store.h"
#include "val.h"

#define KVRT_HANDLE_SLOT_BITS 20
#define KVRT_HANDLE_MAX_SLOTS ((1u << KVRT_HANDLE_SLOT_BITS) - 1)
#define KVRT_HANDLE_MIN_FREE 1024
#define KVRT_SPARE_BODIES 8             /* bodies kept for reuse */
#define KVRT_SPARE_BODY_MAX 4096        /* largest capacity kept */
#define KVRT_HANDLES_KEEP_SLOTS 4096    /* most slots a reset keeps */

typedef enum kvrt_hkind {
    KVRT_H_FREE = 0,
    KVRT_H_BUCKET,
    KVRT_H_INCOMING,    /* incoming-value */
    KVRT_H_OUTGOING,    /* outgoing-value */
    KVRT_H_INSTREAM,    /* input-stream */
    KVRT_H_OUTSTREAM,   /* output-stream */
    KVRT_H_ERROR,
    /* WASI 0.2 resources (wasi_p2_*.c) share the table (SPEC §8.3) */
    KVRT_H_WASI_OUTPUT, /* wasi:io/streams output-stream: stdout/stderr */
    KVRT_H_WASI_INPUT,  /* wasi:io/streams input-stream: a closed stdin */
    KVRT_H_WASI_POLL,   /* wasi:io/poll pollable */
    KVRT_H_WASI_ERROR,  /* wasi:io/error error (never made: streams never fail) */
    KVRT_H_WASI_TERMINAL /* wasi:cli terminal-input/-output (never made) */
} kvrt_hkind;

typedef struct kvrt_res {
    union {
        kvrt_bucket *bucket;
        struct { kvrt_val *val; bool consumed; } in;        /* INCOMING */
        kvrt_buf body;                                      /* OUTGOING */
        struct { kvrt_val *val; uint64_t pos; } ins;        /* INSTREAM */
        struct { uint32_t ov; } outs;                       /* OUTSTREAM */
        /* ERROR, WASI_ERROR: msg is the text, or, while `what` is not
         * NULL, a key error's parts not formatted yet (errors.c) */
        struct { char *msg; const char *what; } err;
        struct { int fd; } wout;                            /* WASI_OUTPUT: 1 or 2 */
        struct { uint64_t deadline; } poll;                 /* WASI_POLL: monotonic ns, 0 = ready */
    } u;
} kvrt_res;

typedef struct kvrt_slot {
    uint32_t gen;
    uint32_t next_free;     /* slot index, 0 = none */
    uint8_t kind;           /* kvrt_hkind */
    kvrt_res res;
} kvrt_slot;

typedef struct kvrt_handles {
    kvrt_slot *slots;       /* slots[0] unused */
    uint32_t nslots;        /* slots in use or free, excluding [0] */
    uint32_t cap;
    uint32_t free_head, free_tail, nfree;
    uint32_t live;
    uint32_t max_live;
    kvrt_buf spare[KVRT_SPARE_BODIES];  /* bodies of dropped outgoing-values */
    uint32_t nspare;
} kvrt_handles;

void kvrt_handles_init(kvrt_handles *t, uint32_t max_live);
/* Drops every live handle (releasing resources) and frees the table. */
void kvrt_handles_fini(kvrt_handles *t);
/* Drops every live handle and empties the table for a new instance, whose
 * handle numbers then start as in a new table. Its memory (the slots, up
 * to KVRT_HANDLES_KEEP_SLOTS of them, and the spare bodies) is kept, so
 * that a trapped event's fresh instance mallocs nothing here. */
void kvrt_handles_reset(kvrt_handles *t);

/* The out-of-line part of kvrt_handle_new. */
uint32_t kvrt_handle_new_slow(kvrt_handles *t, kvrt_hkind kind, const kvrt_res *res);
/* A dropped outgoing-value's body: kept (emptied, with its memory) for the
 * next one when small and a spare place is left, else freed. */
static inline void kvrt_handles_retire_body(kvrt_handles *t, kvrt_buf *body)
{
    if (t->nspare < KVRT_SPARE_BODIES && body->cap <= KVRT_SPARE_BODY_MAX) {
        body->len = 0;
        t->spare[t->nspare++] = *body;
        return;
    }
    kvrt_buf_fini(body);
}

/* An empty outgoing-value body: a buffer a dropped outgoing-value left
 * (kept with its memory, so writing a body does not malloc), or a new one. */
static inline void kvrt_handles_new_body(kvrt_handles *t, kvrt_buf *body)
{
    if (t->nspare > 0)
        *body = t->spare[--t->nspare];
    else
        kvrt_buf_init(body);
}

/* Slot i (taken from the free list or fresh) made the handle of *res. */
static inline uint32_t kvrt_handle_fill(kvrt_handles *t, uint32_t i, kvrt_hkind kind,
                                        const kvrt_res *res)
{
    kvrt_slot *s = &t->slots[i];
    s->kind = (uint8_t)kind;
    s->res = *res;
    s->next_free = 0;
    t->live++;
    return (s->gen << KVRT_HANDLE_SLOT_BITS) | i;
}

/* Release what slot s (of this kind) owns and mark it free. Inline: at a
 * drop the kind is a constant, so one case remains. */
static inline void kvrt_handle_release(kvrt_handles *t, kvrt_slot *s, kvrt_hkind kind)
{
    switch (kind) {
    case KVRT_H_INCOMING:
        kvrt_val_unref(s->res.u.in.val);
        break;
    case KVRT_H_OUTGOING:
        kvrt_handles_retire_body(t, &s->res.u.body);
        break;
    case KVRT_H_INSTREAM:
        kvrt_val_unref(s->res.u.ins.val);
        break;
    case KVRT_H_ERROR:
    case KVRT_H_WASI_ERROR:
        free(s->res.u.err.msg);
        break;
    case KVRT_H_FREE:
    case KVRT_H_BUCKET:
    case KVRT_H_OUTSTREAM:
    case KVRT_H_WASI_OUTPUT:
    case KVRT_H_WASI_INPUT:
    case KVRT_H_WASI_POLL:
    case KVRT_H_WASI_TERMINAL:
        break;
    }
    s->kind = KVRT_H_FREE;
}

/* A new handle of `kind` whose resource is *res (ownership moves to the
 * table). Returns 0 when the live limit is reached or out of memory; the
 * resource then still belongs to the caller. Inline for the steady state
 * of a table in use, where the oldest free slot is taken: at least
 * KVRT_HANDLE_MIN_FREE are free, so the free list never runs empty here. */
static inline uint32_t kvrt_handle_new(kvrt_handles *t, kvrt_hkind kind, const kvrt_res *res)
{
    if (t->nfree < KVRT_HANDLE_MIN_FREE || t->live >= t->max_live)
        return kvrt_handle_new_slow(t, kind, res);
    uint32_t i = t->free_head;
    t->free_head = t->slots[i].next_free;
    t->nfree--;
    return kvrt_handle_fill(t, i, kind, res);
}
/* Resource of a live handle of this kind (borrowed), or NULL. */
static inline kvrt_res *kvrt_handle_get(kvrt_handles *t, uint32_t h, kvrt_hkind kind)
{
    uint32_t i = h & KVRT_HANDLE_MAX_SLOTS;
    if (i == 0 || i > t->nslots)
        return NULL;
    kvrt_slot *s = &t->slots[i];
    if (s->kind != kind || s->gen != h >> KVRT_HANDLE_SLOT_BITS)
        return NULL;
    return &s->res;
}
/* Release a live handle of this kind; false when there is none. The slot
 * goes to the back of the free list with its next generation. */
static inline bool kvrt_handle_drop(kvrt_handles *t, uint32_t h, kvrt_hkind kind)
{
    if (kvrt_handle_get(t, h, kind) == NULL)
        return false;
    uint32_t i = h & KVRT_HANDLE_MAX_SLOTS;
    kvrt_slot *s = &t->slots[i];
    kvrt_handle_release(t, s, kind);
    s->gen = (s->gen + 1) & ((1u << (32 - KVRT_HANDLE_SLOT_BITS)) - 1);
    s->next_free = 0;
    if (t->free_tail)
        t->slots[t->free_tail].next_free = i;
    else
        t->free_head = i;
    t->free_tail = i;
    t->nfree++;
    t->live--;
    return true;
}
/* No handle can be made: the live limit (--max-handles) is reached. */
static inline bool kvrt_handles_full(const kvrt_handles *t)
{
    return t->live >= t->max_live;
}

#endif
