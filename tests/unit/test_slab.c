/*
 * tests/unit/test_slab.c - the small-object allocator (runtime/slab.c):
 * sizes and alignment, reuse of freed objects, objects spread over many
 * chunks keeping their bytes, sizes it does not serve, and running out of
 * chunks (each test runs in a process of its own: the slab starts empty).
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "slab.h"

Test(slab, sizes_and_alignment)
{
    for (size_t size = 1; size <= KVRT_SLAB_MAX; size++) {
        uint8_t *p = kvrt_slab_alloc(size);
        cr_assert_not_null(p, "size %zu", size);
        cr_assert_eq((uintptr_t)p % 8, 0u, "size %zu: not 8-aligned", size);
        cr_assert_eq(kvrt_slab_size(p), (size + 7) & ~(size_t)7, "size %zu", size);
        memset(p, 0xab, size);
        kvrt_slab_free(p);
    }
    cr_assert_null(kvrt_slab_alloc(KVRT_SLAB_MAX + 1), "larger than the slab serves");
    kvrt_slab_free(NULL);
}

Test(slab, freed_objects_are_reused)
{
    if (!kvrt_slab_pooled())
        cr_skip_test("the slab is malloc under AddressSanitizer");
    void *a = kvrt_slab_alloc(80);
    void *b = kvrt_slab_alloc(80);
    cr_assert_neq(a, b);
    kvrt_slab_free(a);
    cr_assert_eq(kvrt_slab_alloc(80), a, "the last freed object comes back first");
    void *c = kvrt_slab_alloc(72);
    cr_assert_neq(c, a, "another size has its own objects");
    cr_assert_neq(c, b);
}

/* 20000 objects of mixed sizes (many chunks each): every one keeps its own
 * bytes while the others are written, freed and allocated again. */
Test(slab, many_objects_keep_their_bytes)
{
    enum { N = 20000 };
    static uint8_t *obj[N];
    static size_t len[N];
    for (size_t i = 0; i < N; i++) {
        len[i] = 1 + (i * 37) % KVRT_SLAB_MAX;
        obj[i] = kvrt_slab_alloc(len[i]);
        cr_assert_not_null(obj[i]);
        memset(obj[i], (int)(i & 0xff), len[i]);
    }
    for (size_t i = 0; i < N; i += 2) {
        kvrt_slab_free(obj[i]);
        obj[i] = kvrt_slab_alloc(len[i]);
        cr_assert_not_null(obj[i]);
        memset(obj[i], (int)((i + 1) & 0xff), len[i]);
    }
    for (size_t i = 0; i < N; i++) {
        int want = (int)((i % 2 ? i : i + 1) & 0xff);
        for (size_t j = 0; j < len[i]; j++)
            cr_assert_eq(obj[i][j], want, "object %zu byte %zu", i, j);
        kvrt_slab_free(obj[i]);
    }
}

static void *no_chunk(void) { return NULL; }

Test(slab, out_of_chunks)
{
    if (!kvrt_slab_pooled())
        cr_skip_test("the slab is malloc under AddressSanitizer");
    void *first = kvrt_slab_alloc(64);
    cr_assert_not_null(first);
    kvrt_slab_set_source(no_chunk);
    size_t n = 0;
    while (kvrt_slab_alloc(64) != NULL)
        n++;
    cr_assert_lt(n, (size_t)(KVRT_SLAB_CHUNK / 64), "only the current chunk's rest");
    cr_assert_null(kvrt_slab_alloc(16), "a size with no chunk yet");
    kvrt_slab_free(first);
    cr_assert_eq(kvrt_slab_alloc(64), first, "a freed object needs no chunk");
    kvrt_slab_set_source(NULL);
    cr_assert_not_null(kvrt_slab_alloc(64), "the default source again");
}
