/*
 * runtime/handles.c - handle table with generations and a FIFO free list;
 * see handles.h (which holds the common paths of new and drop, inline).
 */
#include "handles.h"

#include <stdlib.h>

void kvrt_handles_init(kvrt_handles *t, uint32_t max_live)
{
    t->nspare = 0;
    t->slots = NULL;
    t->nslots = 0;
    t->cap = 0;
    t->free_head = t->free_tail = t->nfree = 0;
    t->live = 0;
    t->max_live = max_live;
}

void kvrt_handles_fini(kvrt_handles *t)
{
    for (uint32_t i = 1; i <= t->nslots; i++)
        kvrt_handle_release(t, &t->slots[i], (kvrt_hkind)t->slots[i].kind);
    while (t->nspare > 0)
        kvrt_buf_fini(&t->spare[--t->nspare]);
    free(t->slots);
    kvrt_handles_init(t, t->max_live);
}

void kvrt_handles_reset(kvrt_handles *t)
{
    if (t->cap > KVRT_HANDLES_KEEP_SLOTS) {
        kvrt_handles_fini(t);
        return;
    }
    for (uint32_t i = 1; i <= t->nslots; i++)
        kvrt_handle_release(t, &t->slots[i], (kvrt_hkind)t->slots[i].kind);
    t->nslots = 0;
    t->free_head = t->free_tail = t->nfree = 0;
    t->live = 0;
}

/* Index of a slot to use: a reused free one, or a fresh one. 0 when none. */
static uint32_t take_slot(kvrt_handles *t)
{
    bool can_grow = t->nslots < KVRT_HANDLE_MAX_SLOTS;
    if (t->nfree > 0 && (t->nfree >= KVRT_HANDLE_MIN_FREE || !can_grow)) {
        uint32_t i = t->free_head;
        t->free_head = t->slots[i].next_free;
        if (t->free_head == 0)
            t->free_tail = 0;
        t->nfree--;
        return i;
    }
    if (!can_grow)
        return 0;
    if (t->nslots + 1 >= t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 256;
        if (cap > KVRT_HANDLE_MAX_SLOTS + 1)
            cap = KVRT_HANDLE_MAX_SLOTS + 1;
        kvrt_slot *p = realloc(t->slots, (size_t)cap * sizeof(kvrt_slot));
        if (p == NULL)
            return 0;
        t->slots = p;
        t->cap = cap;
    }
    uint32_t i = ++t->nslots;
    t->slots[i].gen = 0;
    t->slots[i].kind = KVRT_H_FREE;
    t->slots[i].next_free = 0;
    return i;
}

uint32_t kvrt_handle_new_slow(kvrt_handles *t, kvrt_hkind kind, const kvrt_res *res)
{
    if (t->live >= t->max_live)
        return 0;
    uint32_t i = take_slot(t);
    if (i == 0)
        return 0;
    return kvrt_handle_fill(t, i, kind, res);
}
