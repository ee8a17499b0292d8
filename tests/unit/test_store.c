/*
 * tests/unit/test_store.c - the in-memory store (runtime/store.c): insertion
 * order of keys, creation order of buckets, a key keeping its place on
 * overwrite and going to the end when deleted and set again (SPEC §3), the
 * journal's exact rollback and commit (SPEC §7: deleted keys back at their
 * original place, new buckets removed) over a table of mutation scripts,
 * the reference counts of shared values, small values kept as bytes (every
 * length in place, shared, and moved to a new entry, with rollback), and
 * out of memory in the slab.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "slab.h"
#include "store.h"
#include "val.h"

#if defined(__SANITIZE_ADDRESS__)
#define STORE_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STORE_HAVE_LSAN 1
#endif
#endif
#ifdef STORE_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* Under AddressSanitizer, fail when memory became unreachable. */
static void expect_no_leaks(void)
{
#ifdef STORE_HAVE_LSAN
    cr_expect_eq(__lsan_do_recoverable_leak_check(), 0, "LeakSanitizer found leaks");
#endif
}

#define DUMP_MAX 4096

static const uint8_t *u8(const char *s)
{
    return (const uint8_t *)s;
}

static kvrt_val *val_of(const char *s)
{
    kvrt_val *v = kvrt_val_new(u8(s), strlen(s));
    cr_assert_not_null(v);
    return v;
}

static kvrt_bucket *open_b(kvrt_store *s, const char *name)
{
    kvrt_bucket *b = kvrt_store_open(s, u8(name), strlen(name));
    cr_assert_not_null(b);
    return b;
}

/* How set_kv stores: a value object (kvrt_bucket_set), the bytes
 * (kvrt_bucket_set_bytes), or the two in turn. The journal and value-size
 * tests run in each mode. */
typedef enum set_mode { BY_VALUE, BY_BYTES, ALTERNATE } set_mode;
static set_mode g_mode = BY_VALUE;
static unsigned g_sets;

static void set_kv(kvrt_store *s, const char *bucket, const char *key, const char *value)
{
    kvrt_bucket *b = open_b(s, bucket);
    bool bytes = g_mode == BY_BYTES || (g_mode == ALTERNATE && g_sets++ % 2 == 1);
    if (bytes)
        cr_assert_eq(kvrt_bucket_set_bytes(s, b, u8(key), strlen(key), u8(value), strlen(value)), 0);
    else
        cr_assert_eq(kvrt_bucket_set(s, b, u8(key), strlen(key), val_of(value)), 0);
}

static bool del_k(kvrt_store *s, const char *bucket, const char *key)
{
    kvrt_bucket *b = kvrt_store_find(s, u8(bucket), strlen(bucket));
    cr_assert_not_null(b, "bucket %s missing", bucket);
    return kvrt_bucket_delete(s, b, u8(key), strlen(key));
}

/* kvrt_bucket_get's value (the caller's reference) or NULL. */
static kvrt_val *got(kvrt_bucket *b, const char *key, size_t klen)
{
    kvrt_val *v;
    cr_assert_eq(kvrt_bucket_get(b, u8(key), klen, &v), 0);
    return v;
}

/* Whether key's value is exactly s (dropping the reference get made). */
static bool has_value(kvrt_bucket *b, const char *key, const char *s)
{
    kvrt_val *v = got(b, key, strlen(key));
    bool eq = v != NULL && v->len == strlen(s) && memcmp(v->data, s, v->len) == 0;
    kvrt_val_unref(v);
    return eq;
}

static void append(char *out, size_t *pos, const void *src, size_t n)
{
    cr_assert_lt(*pos + n, (size_t)DUMP_MAX);
    memcpy(out + *pos, src, n);
    *pos += n;
    out[*pos] = 0;
}

/* The whole store as `b1{k1=v1,k2=v2} b2{}` in iteration order. Also checks
 * that every listed entry is found by hash with the same value, and that
 * kvrt_bucket_count agrees with the list. */
static void dump(kvrt_store *s, char out[DUMP_MAX])
{
    size_t pos = 0;
    out[0] = 0;
    for (kvrt_bucket *b = kvrt_store_first(s); b != NULL; b = kvrt_bucket_next(b)) {
        size_t nlen;
        const uint8_t *name = kvrt_bucket_name(b, &nlen);
        cr_assert_eq(kvrt_store_find(s, name, nlen), b, "bucket not found by name");
        if (pos)
            append(out, &pos, " ", 1);
        append(out, &pos, name, nlen);
        append(out, &pos, "{", 1);
        size_t count = 0;
        for (kvrt_entry *e = kvrt_bucket_first(b); e != NULL; e = kvrt_entry_next(e)) {
            size_t klen;
            const uint8_t *key = kvrt_entry_key(e, &klen);
            size_t vlen;
            const uint8_t *val = kvrt_entry_value(e, &vlen);
            kvrt_val *v = got(b, (const char *)key, klen);
            cr_assert(v != NULL && v->len == vlen && memcmp(v->data, val, vlen) == 0,
                      "entry not found by key with its value");
            kvrt_val_unref(v);
            if (count++)
                append(out, &pos, ",", 1);
            append(out, &pos, key, klen);
            append(out, &pos, "=", 1);
            append(out, &pos, val, vlen);
        }
        cr_assert_eq(kvrt_bucket_count(b), count, "count %zu, listed %zu",
                     kvrt_bucket_count(b), count);
        append(out, &pos, "}", 1);
    }
}

static void expect_dump(kvrt_store *s, const char *want, const char *what)
{
    char got[DUMP_MAX];
    dump(s, got);
    cr_expect_str_eq(got, want, "%s: got [%s], want [%s]", what, got, want);
}

/* ---- order ----------------------------------------------------------- */

Test(store, keys_in_insertion_order)
{
    kvrt_store *s = kvrt_store_new();
    cr_assert_not_null(s);
    set_kv(s, "b", "c", "1");
    set_kv(s, "b", "a", "2");
    set_kv(s, "b", "b", "3");
    set_kv(s, "b", "zz", "4");
    set_kv(s, "b", "0", "5");
    expect_dump(s, "b{c=1,a=2,b=3,zz=4,0=5}", "insertion");
    kvrt_store_free(s);
}

Test(store, buckets_in_creation_order)
{
    kvrt_store *s = kvrt_store_new();
    kvrt_bucket *z = open_b(s, "z");
    kvrt_bucket *a = open_b(s, "a");
    open_b(s, "m");
    /* reopening returns the same bucket and does not move it */
    cr_assert_eq(open_b(s, "a"), a);
    cr_assert_eq(open_b(s, "z"), z);
    cr_assert_eq(kvrt_store_find(s, u8("a"), 1), a);
    cr_assert_null(kvrt_store_find(s, u8("q"), 1));
    open_b(s, "");
    expect_dump(s, "z{} a{} m{} {}", "creation");
    size_t len = 99;
    const uint8_t *name = kvrt_bucket_name(a, &len);
    cr_assert_eq(len, 1u);
    cr_assert_eq(name[0], 'a');
    kvrt_store_free(s);
}

Test(store, overwrite_keeps_place)
{
    kvrt_store *s = kvrt_store_new();
    set_kv(s, "b", "a", "1");
    set_kv(s, "b", "b", "2");
    set_kv(s, "b", "c", "3");
    set_kv(s, "b", "b", "two");
    set_kv(s, "b", "a", "one");
    expect_dump(s, "b{a=one,b=two,c=3}", "overwrite");
    kvrt_store_free(s);
}

Test(store, delete_then_set_goes_to_end)
{
    kvrt_store *s = kvrt_store_new();
    set_kv(s, "b", "a", "1");
    set_kv(s, "b", "b", "2");
    set_kv(s, "b", "c", "3");
    cr_assert(del_k(s, "b", "a"));
    cr_assert_not(del_k(s, "b", "a"), "second delete reports absent");
    cr_assert_not(del_k(s, "b", "nope"));
    expect_dump(s, "b{b=2,c=3}", "after delete");
    set_kv(s, "b", "a", "x");
    expect_dump(s, "b{b=2,c=3,a=x}", "re-set");
    cr_assert(del_k(s, "b", "c"));     /* the middle one now */
    set_kv(s, "b", "c", "y");
    expect_dump(s, "b{b=2,a=x,c=y}", "re-set middle");
    cr_assert(del_k(s, "b", "b"));
    cr_assert(del_k(s, "b", "a"));
    cr_assert(del_k(s, "b", "c"));
    expect_dump(s, "b{}", "all deleted");
    cr_assert_null(kvrt_bucket_first(kvrt_store_find(s, u8("b"), 1)));
    set_kv(s, "b", "q", "1");
    set_kv(s, "b", "r", "2");
    expect_dump(s, "b{q=1,r=2}", "refilled");
    kvrt_store_free(s);
}

Test(store, empty_and_binary_names)
{
    kvrt_store *s = kvrt_store_new();
    kvrt_bucket *b = open_b(s, "");
    cr_assert_eq(kvrt_bucket_set(s, b, u8(""), 0, val_of("empty")), 0);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("a\0b"), 3, val_of("nul")), 0);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("a"), 1, val_of("a")), 0);
    cr_assert_eq(kvrt_bucket_count(b), 3u);
    kvrt_val *v = got(b, "a\0b", 3);
    cr_assert_not_null(v);
    cr_assert_eq(v->len, 3u);
    cr_assert_eq(memcmp(v->data, "nul", 3), 0);
    kvrt_val_unref(v);
    v = got(b, "", 0);
    cr_assert_not_null(v);
    cr_assert_eq(v->len, 5u);
    kvrt_val_unref(v);
    cr_assert_null(got(b, "a\0", 2));
    cr_assert(!kvrt_bucket_has(b, u8("a\0"), 2));
    cr_assert(kvrt_bucket_has(b, u8("a\0b"), 3));
    cr_assert(kvrt_bucket_delete(s, b, u8(""), 0));
    cr_assert_null(got(b, "", 0));
    cr_assert_eq(kvrt_bucket_count(b), 2u);
    kvrt_store_free(s);
}

Test(store, many_keys_keep_order)
{
    kvrt_store *s = kvrt_store_new();
    kvrt_bucket *b = open_b(s, "b");
    char key[16];
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(key, sizeof key, "k%d", (i * 7919) % 2000);
        cr_assert_eq(kvrt_bucket_set(s, b, u8(key), (size_t)n, val_of("v")), 0);
    }
    /* delete the even ones */
    for (int i = 0; i < 2000; i += 2) {
        int n = snprintf(key, sizeof key, "k%d", i);
        cr_assert(kvrt_bucket_delete(s, b, u8(key), (size_t)n));
    }
    int i = 0;
    for (kvrt_entry *e = kvrt_bucket_first(b); e != NULL; e = kvrt_entry_next(e)) {
        while (((i * 7919) % 2000) % 2 == 0)
            i++;
        int n = snprintf(key, sizeof key, "k%d", (i * 7919) % 2000);
        size_t klen;
        const uint8_t *k = kvrt_entry_key(e, &klen);
        cr_assert(klen == (size_t)n && memcmp(k, key, klen) == 0, "position %d", i);
        i++;
    }
    cr_assert_eq(kvrt_bucket_count(b), 1000u);
    kvrt_store_free(s);
}

/* ---- journal --------------------------------------------------------- */

typedef enum step_op { OP_END = 0, OP_SET, OP_DEL, OP_OPEN } step_op;

typedef struct step {
    step_op op;
    const char *bucket, *key, *value;
} step;

#define MAX_STEPS 16

typedef struct script {
    const char *name;
    step steps[MAX_STEPS];
    const char *after;      /* whole store after the steps */
} script;

#define BASE_DUMP "b1{k1=1,k2=2,k3=3,k4=4,k5=5} b2{x=1}"

static void make_base(kvrt_store *s)
{
    set_kv(s, "b1", "k1", "1");
    set_kv(s, "b1", "k2", "2");
    set_kv(s, "b1", "k3", "3");
    set_kv(s, "b1", "k4", "4");
    set_kv(s, "b1", "k5", "5");
    set_kv(s, "b2", "x", "1");
}

static void run_steps(kvrt_store *s, const script *sc)
{
    for (const step *st = sc->steps; st->op != OP_END; st++) {
        switch (st->op) {
        case OP_SET:
            set_kv(s, st->bucket, st->key, st->value);
            break;
        case OP_DEL:
            cr_assert(del_k(s, st->bucket, st->key), "%s: delete %s %s", sc->name,
                      st->bucket, st->key);
            break;
        case OP_OPEN:
            open_b(s, st->bucket);
            break;
        case OP_END:
            break;
        }
    }
}

static const script scripts[] = {
    { "new key", { { OP_SET, "b1", "n", "9" } },
      "b1{k1=1,k2=2,k3=3,k4=4,k5=5,n=9} b2{x=1}" },
    { "replace", { { OP_SET, "b1", "k2", "22" } },
      "b1{k1=1,k2=22,k3=3,k4=4,k5=5} b2{x=1}" },
    { "replace twice", { { OP_SET, "b1", "k2", "a" }, { OP_SET, "b1", "k2", "b" } },
      "b1{k1=1,k2=b,k3=3,k4=4,k5=5} b2{x=1}" },
    { "delete first", { { OP_DEL, "b1", "k1", NULL } },
      "b1{k2=2,k3=3,k4=4,k5=5} b2{x=1}" },
    { "delete last", { { OP_DEL, "b1", "k5", NULL } },
      "b1{k1=1,k2=2,k3=3,k4=4} b2{x=1}" },
    { "delete middle", { { OP_DEL, "b1", "k3", NULL } },
      "b1{k1=1,k2=2,k4=4,k5=5} b2{x=1}" },
    { "new bucket", { { OP_OPEN, "b3", NULL, NULL } },
      BASE_DUMP " b3{}" },
    { "new bucket with keys",
      { { OP_OPEN, "b3", NULL, NULL }, { OP_SET, "b3", "a", "1" }, { OP_SET, "b3", "b", "2" },
        { OP_DEL, "b3", "a", NULL }, { OP_SET, "b3", "a", "3" } },
      BASE_DUMP " b3{b=2,a=3}" },
    { "new empty-named bucket", { { OP_SET, "", "", "e" } },
      BASE_DUMP " {=e}" },
    { "delete then re-set", { { OP_DEL, "b1", "k3", NULL }, { OP_SET, "b1", "k3", "33" } },
      "b1{k1=1,k2=2,k4=4,k5=5,k3=33} b2{x=1}" },
    { "delete adjacent", { { OP_DEL, "b1", "k2", NULL }, { OP_DEL, "b1", "k3", NULL } },
      "b1{k1=1,k4=4,k5=5} b2{x=1}" },
    { "delete adjacent backwards", { { OP_DEL, "b1", "k3", NULL }, { OP_DEL, "b1", "k2", NULL } },
      "b1{k1=1,k4=4,k5=5} b2{x=1}" },
    { "delete three adjacent at the end",
      { { OP_DEL, "b1", "k4", NULL }, { OP_DEL, "b1", "k3", NULL }, { OP_DEL, "b1", "k5", NULL } },
      "b1{k1=1,k2=2} b2{x=1}" },
    { "delete all, shuffled",
      { { OP_DEL, "b1", "k3", NULL }, { OP_DEL, "b1", "k1", NULL }, { OP_DEL, "b1", "k5", NULL },
        { OP_DEL, "b1", "k2", NULL }, { OP_DEL, "b1", "k4", NULL } },
      "b1{} b2{x=1}" },
    { "new key then delete it", { { OP_SET, "b1", "n", "1" }, { OP_DEL, "b1", "n", NULL } },
      BASE_DUMP },
    { "delete, re-set, delete, re-set",
      { { OP_DEL, "b1", "k2", NULL }, { OP_SET, "b1", "k2", "a" }, { OP_DEL, "b1", "k2", NULL },
        { OP_SET, "b1", "k2", "z" } },
      "b1{k1=1,k3=3,k4=4,k5=5,k2=z} b2{x=1}" },
    { "replace then delete", { { OP_SET, "b1", "k4", "44" }, { OP_DEL, "b1", "k4", NULL } },
      "b1{k1=1,k2=2,k3=3,k5=5} b2{x=1}" },
    { "delete a key and its new predecessor",
      { { OP_DEL, "b1", "k3", NULL }, { OP_DEL, "b1", "k2", NULL }, { OP_SET, "b1", "k2", "b" },
        { OP_DEL, "b1", "k4", NULL }, { OP_SET, "b1", "k3", "c" }, { OP_DEL, "b1", "k1", NULL } },
      "b1{k5=5,k2=b,k3=c} b2{x=1}" },
    { "only key of a bucket", { { OP_DEL, "b2", "x", NULL }, { OP_SET, "b2", "x", "2" },
                                { OP_SET, "b2", "y", "3" } },
      "b1{k1=1,k2=2,k3=3,k4=4,k5=5} b2{x=2,y=3}" },
    { "everything",
      { { OP_SET, "b1", "n", "9" }, { OP_SET, "b1", "k2", "22" }, { OP_DEL, "b1", "k1", NULL },
        { OP_OPEN, "b3", NULL, NULL }, { OP_SET, "b4", "q", "1" }, { OP_DEL, "b1", "k3", NULL },
        { OP_SET, "b1", "k3", "33" }, { OP_DEL, "b1", "k4", NULL }, { OP_DEL, "b1", "k5", NULL },
        { OP_SET, "b2", "x", "xx" }, { OP_DEL, "b4", "q", NULL } },
      "b1{k2=22,n=9,k3=33} b2{x=xx} b3{} b4{}" },
};

/* After a rollback the lists must still be well formed: appends go to the
 * end, removals relink. */
static void probe_links(kvrt_store *s)
{
    set_kv(s, "b1", "zz", "0");
    char got[DUMP_MAX];
    dump(s, got);
    cr_assert(strstr(got, ",zz=0}") != NULL || strstr(got, "b1{zz=0}") != NULL,
              "append after rollback: %s", got);
    cr_assert(del_k(s, "b1", "zz"));
    open_b(s, "probe");
    dump(s, got);
    size_t n = strlen(got);
    cr_assert(n >= 8 && strcmp(got + n - 8, " probe{}") == 0, "bucket order: %s", got);
}

Test(store, journal_scripts_without_journal)
{
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        kvrt_store *s = kvrt_store_new();
        make_base(s);
        run_steps(s, &scripts[i]);
        expect_dump(s, scripts[i].after, scripts[i].name);
        kvrt_store_free(s);
    }
}

static void journal_rollback_restores_exactly(set_mode mode)
{
    g_mode = mode;
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        kvrt_store *s = kvrt_store_new();
        make_base(s);
        kvrt_store_begin(s);
        run_steps(s, &scripts[i]);
        expect_dump(s, scripts[i].after, scripts[i].name);
        kvrt_store_rollback(s);
        expect_dump(s, BASE_DUMP, scripts[i].name);
        cr_assert_null(kvrt_store_find(s, u8("b3"), 2), "%s: new bucket kept", scripts[i].name);
        cr_assert_null(kvrt_store_find(s, u8("b4"), 2), "%s: new bucket kept", scripts[i].name);
        cr_assert_null(kvrt_store_find(s, u8(""), 0), "%s: new bucket kept", scripts[i].name);
        probe_links(s);
        kvrt_store_free(s);
    }
    expect_no_leaks();
}

Test(store, journal_rollback_restores_exactly) { journal_rollback_restores_exactly(BY_VALUE); }
Test(store, journal_rollback_restores_exactly_by_bytes) { journal_rollback_restores_exactly(BY_BYTES); }
Test(store, journal_rollback_restores_exactly_alternating) { journal_rollback_restores_exactly(ALTERNATE); }

/* An empty value replaced in a journal comes back empty: its old bytes are
 * none, in a journal buffer that may never have had memory (no NULL + 0 on
 * the way back: clang's UBSan, in make fuzz, reports that; gcc's does not). */
Test(store, empty_value_replaced_rolls_back)
{
    for (set_mode m = BY_VALUE; m <= ALTERNATE; m++) {
        g_mode = m;
        kvrt_store *s = kvrt_store_new();
        set_kv(s, "b", "e", "");
        kvrt_store_begin(s);
        set_kv(s, "b", "e", "now");
        kvrt_store_rollback(s);
        kvrt_bucket *b = kvrt_store_find(s, u8("b"), 1);
        cr_assert(has_value(b, "e", ""), "mode %d: the empty value is back", (int)m);
        kvrt_store_free(s);
    }
    g_mode = BY_VALUE;
    expect_no_leaks();
}

Test(store, journal_commit_keeps)
{
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        kvrt_store *s = kvrt_store_new();
        make_base(s);
        kvrt_store_begin(s);
        run_steps(s, &scripts[i]);
        kvrt_store_commit(s);
        expect_dump(s, scripts[i].after, scripts[i].name);
        /* a later empty journal rolls back nothing */
        kvrt_store_begin(s);
        kvrt_store_rollback(s);
        expect_dump(s, scripts[i].after, scripts[i].name);
        kvrt_store_free(s);
    }
}

static void journal_twice_in_a_row(set_mode mode)
{
    g_mode = mode;
    kvrt_store *s = kvrt_store_new();
    make_base(s);
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        kvrt_store_begin(s);
        run_steps(s, &scripts[i]);
        kvrt_store_rollback(s);
        expect_dump(s, BASE_DUMP, scripts[i].name);
    }
    /* commit one, then roll back the next on top of it */
    kvrt_store_begin(s);
    set_kv(s, "b1", "k1", "one");
    cr_assert(del_k(s, "b1", "k2"));
    kvrt_store_commit(s);
    const char *committed = "b1{k1=one,k3=3,k4=4,k5=5} b2{x=1}";
    expect_dump(s, committed, "committed");
    kvrt_store_begin(s);
    cr_assert(del_k(s, "b1", "k1"));
    set_kv(s, "b1", "k2", "back");
    set_kv(s, "b5", "a", "b");
    kvrt_store_rollback(s);
    expect_dump(s, committed, "second rollback");
    kvrt_store_free(s);
}

Test(store, journal_twice_in_a_row) { journal_twice_in_a_row(BY_VALUE); }
Test(store, journal_twice_in_a_row_by_bytes) { journal_twice_in_a_row(BY_BYTES); }

Test(store, journal_rollback_of_many_records)
{
    kvrt_store *s = kvrt_store_new();
    make_base(s);
    char key[16];
    kvrt_store_begin(s);
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "n%d", i);
        set_kv(s, "b1", key, "v");
        if (i % 3 == 0)
            cr_assert(del_k(s, "b1", key));
        snprintf(key, sizeof key, "bucket%d", i % 50);
        set_kv(s, key, "k", "v");
    }
    cr_assert(del_k(s, "b1", "k2"));
    cr_assert(del_k(s, "b1", "k4"));
    kvrt_store_rollback(s);
    expect_dump(s, BASE_DUMP, "1000 steps");
    kvrt_store_free(s);
    expect_no_leaks();
}

Test(store, free_with_open_journal)
{
    kvrt_store *s = kvrt_store_new();
    make_base(s);
    kvrt_store_begin(s);
    set_kv(s, "b1", "k1", "new");
    cr_assert(del_k(s, "b1", "k2"));
    set_kv(s, "b9", "a", "b");
    kvrt_store_free(s);     /* LeakSanitizer checks nothing is left behind */
    kvrt_store_free(NULL);
    expect_no_leaks();
}

/* ---- shared values --------------------------------------------------- */

/* A value too long to be kept as bytes in its entry (over 64 bytes). */
#define BIG_HELLO "hello-hello-hello-hello-hello-hello-hello-hello-hello-hello-hello-hello"
#define BIG_OLD "old-old-old-old-old-old-old-old-old-old-old-old-old-old-old-old-old-old"
#define BIG_DEL "del-del-del-del-del-del-del-del-del-del-del-del-del-del-del-del-del-del"
#define BIG_NEW "new-new-new-new-new-new-new-new-new-new-new-new-new-new-new-new-new-new"
#define BIG_ADDED "added-added-added-added-added-added-added-added-added-added-added-added"

Test(store, values_are_shared_by_reference)
{
    kvrt_store *s = kvrt_store_new();
    kvrt_bucket *b = open_b(s, "b");
    kvrt_val *v = val_of(BIG_HELLO);
    kvrt_val_ref(v);                                    /* ours */
    cr_assert_eq(kvrt_bucket_set(s, b, u8("k"), 1, v), 0);     /* store's */
    cr_assert_eq(v->refs, 2u);
    kvrt_val *g = got(b, "k", 1);
    cr_assert_eq(g, v, "stored without a copy");
    kvrt_val_unref(g);
    /* overwrite outside a journal drops the store's reference at once */
    cr_assert_eq(kvrt_bucket_set(s, b, u8("k"), 1, val_of("other")), 0);
    cr_assert_eq(v->refs, 1u);
    /* set it back, then delete outside a journal */
    kvrt_val_ref(v);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("k"), 1, v), 0);
    cr_assert_eq(v->refs, 2u);
    cr_assert(kvrt_bucket_delete(s, b, u8("k"), 1));
    cr_assert_eq(v->refs, 1u);
    kvrt_val_unref(v);
    kvrt_store_free(s);
}

Test(store, journal_holds_references_until_commit)
{
    kvrt_store *s = kvrt_store_new();
    kvrt_bucket *b = open_b(s, "b");
    kvrt_val *old = val_of(BIG_OLD);
    kvrt_val *del = val_of(BIG_DEL);
    kvrt_val_ref(old);
    kvrt_val_ref(del);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("r"), 1, old), 0);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("d"), 1, del), 0);
    cr_assert_eq(old->refs, 2u);
    cr_assert_eq(del->refs, 2u);

    kvrt_store_begin(s);
    kvrt_val *neu = val_of(BIG_NEW);
    kvrt_val_ref(neu);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("r"), 1, neu), 0);
    cr_assert(kvrt_bucket_delete(s, b, u8("d"), 1));
    kvrt_val *added = val_of(BIG_ADDED);
    kvrt_val_ref(added);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("a"), 1, added), 0);
    /* the journal keeps the replaced and the deleted value alive */
    cr_assert_eq(old->refs, 2u);
    cr_assert_eq(del->refs, 2u);
    cr_assert_eq(neu->refs, 2u);
    cr_assert_eq(added->refs, 2u);
    kvrt_store_rollback(s);
    kvrt_val *g = got(b, "r", 1);
    cr_assert_eq(g, old);
    kvrt_val_unref(g);
    g = got(b, "d", 1);
    cr_assert_eq(g, del);
    kvrt_val_unref(g);
    cr_assert_null(got(b, "a", 1));
    cr_assert_eq(old->refs, 2u);
    cr_assert_eq(del->refs, 2u);
    cr_assert_eq(neu->refs, 1u, "rolled-back value released");
    cr_assert_eq(added->refs, 1u, "rolled-back new key released");
    kvrt_val_unref(neu);
    kvrt_val_unref(added);

    kvrt_store_begin(s);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("r"), 1, val_of(BIG_NEW)), 0);
    cr_assert(kvrt_bucket_delete(s, b, u8("d"), 1));
    cr_assert_eq(old->refs, 2u);
    cr_assert_eq(del->refs, 2u);
    kvrt_store_commit(s);
    cr_assert_eq(old->refs, 1u, "commit releases the replaced value");
    cr_assert_eq(del->refs, 1u, "commit releases the deleted entry");
    kvrt_val_unref(old);
    kvrt_val_unref(del);
    expect_dump(s, "b{r=" BIG_NEW "}", "after commit");
    kvrt_store_free(s);
    expect_no_leaks();
}

Test(store, free_releases_values)
{
    kvrt_store *s = kvrt_store_new();
    kvrt_val *v = val_of(BIG_HELLO);
    kvrt_val_ref(v);
    kvrt_val_ref(v);
    kvrt_bucket *b1 = open_b(s, "b1");
    kvrt_bucket *b2 = open_b(s, "b2");
    cr_assert_eq(kvrt_bucket_set(s, b1, u8("k"), 1, v), 0);
    cr_assert_eq(kvrt_bucket_set(s, b2, u8("k"), 1, v), 0);
    cr_assert_eq(v->refs, 3u);
    kvrt_store_free(s);
    cr_assert_eq(v->refs, 1u);
    kvrt_val_unref(v);
    expect_no_leaks();
}

/* ---- small values kept as bytes (store.c's entries) ------------------ */

Test(store, small_values_are_copied_not_shared)
{
    kvrt_store *s = kvrt_store_new();
    kvrt_bucket *b = open_b(s, "b");
    kvrt_val *v = val_of("small");
    kvrt_val_ref(v);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("k"), 1, v), 0);
    cr_assert_eq(v->refs, 1u, "the store keeps the bytes, not the value");
    kvrt_val *g = got(b, "k", 1);
    cr_assert_neq(g, v);
    cr_assert(g->len == 5 && memcmp(g->data, "small", 5) == 0);
    cr_assert_eq(g->refs, 1u, "get hands out a value of the caller's own");
    kvrt_val_unref(g);
    kvrt_val_unref(v);
    kvrt_store_free(s);
    expect_no_leaks();
}

/* A value of n bytes of c, as a C string in buf. */
static const char *fill(char *buf, size_t n, char c)
{
    memset(buf, c, n);
    buf[n] = 0;
    return buf;
}

/* Every value length from 0 to 200 over one key, and back, each in a
 * journal that is rolled back and then again in one that is committed:
 * in place, inline to shared, shared to inline, and a key moved to a new
 * entry when its bytes outgrow an entry too small for a pointer; its place
 * among the other keys never changes. */
static void value_sizes_in_place_and_moved(set_mode mode)
{
    g_mode = mode;
    kvrt_store *s = kvrt_store_new();
    kvrt_bucket *b = open_b(s, "b");
    char want[512], buf[256], cur[256];
    set_kv(s, "b", "a", "1");
    set_kv(s, "b", "k", "");
    set_kv(s, "b", "z", "2");
    fill(cur, 0, 'x');
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i <= 400; i++) {
            size_t n = i <= 200 ? i : 400 - i;
            char c = (char)('a' + (int)(i % 26));
            kvrt_store_begin(s);
            set_kv(s, "b", "k", fill(buf, n, c));
            snprintf(want, sizeof want, "b{a=1,k=%s,z=2}", buf);
            expect_dump(s, want, "after the set");
            kvrt_store_rollback(s);
            snprintf(want, sizeof want, "b{a=1,k=%s,z=2}", cur);
            expect_dump(s, want, "after rollback");
            kvrt_store_begin(s);
            set_kv(s, "b", "k", buf);
            set_kv(s, "b", "k", buf);       /* twice in one journal */
            kvrt_store_commit(s);
            memcpy(cur, buf, n + 1);
            snprintf(want, sizeof want, "b{a=1,k=%s,z=2}", cur);
            expect_dump(s, want, "after commit");
        }
        /* the key first and last in order too */
        cr_assert(del_k(s, "b", "a"));
        cr_assert(del_k(s, "b", "z"));
        set_kv(s, "b", "z", "2");
        kvrt_store_begin(s);
        set_kv(s, "b", "a", "1");
        kvrt_store_commit(s);
        cr_assert(del_k(s, "b", "a"));
        kvrt_store_begin(s);
        set_kv(s, "b", "a", "1");
        cr_assert(del_k(s, "b", "z"));
        kvrt_store_rollback(s);
        snprintf(want, sizeof want, "b{k=%s,z=2}", cur);
        expect_dump(s, want, "k first");
        cr_assert(del_k(s, "b", "z"));
        set_kv(s, "b", "a", "1");
        cr_assert(del_k(s, "b", "k"));
        set_kv(s, "b", "k", cur);
        set_kv(s, "b", "z", "2");
        cr_assert(del_k(s, "b", "a"));
        cr_assert(del_k(s, "b", "z"));
        set_kv(s, "b", "a", "1");
        cr_assert(del_k(s, "b", "k"));
        set_kv(s, "b", "k", cur);
        set_kv(s, "b", "z", "2");
    }
    /* a long key (its entry from malloc, the value always shared) */
    char lkey[300];
    fill(lkey, 299, 'L');
    kvrt_store_begin(s);
    set_kv(s, "b", lkey, "v");
    set_kv(s, "b", lkey, fill(buf, 100, 'w'));
    kvrt_store_commit(s);
    cr_assert(has_value(b, lkey, buf));
    kvrt_store_begin(s);
    set_kv(s, "b", lkey, "short");
    cr_assert(has_value(b, lkey, "short"));
    kvrt_store_rollback(s);
    cr_assert(has_value(b, lkey, buf));
    kvrt_store_free(s);
    expect_no_leaks();
}

Test(store, value_sizes_in_place_and_moved) { value_sizes_in_place_and_moved(BY_VALUE); }
Test(store, value_sizes_in_place_and_moved_by_bytes) { value_sizes_in_place_and_moved(BY_BYTES); }
Test(store, value_sizes_in_place_and_moved_alternating) { value_sizes_in_place_and_moved(ALTERNATE); }

/* A key moved to a bigger entry and then deleted, in one journal: rollback
 * brings back the original entry, at its place, with its old bytes. */
static void moved_then_deleted_rolls_back(set_mode mode)
{
    g_mode = mode;
    kvrt_store *s = kvrt_store_new();
    kvrt_bucket *b = open_b(s, "b");
    char buf[128];
    set_kv(s, "b", "a", "1");
    set_kv(s, "b", "k", "x");
    set_kv(s, "b", "z", "2");
    kvrt_store_begin(s);
    set_kv(s, "b", "k", fill(buf, 40, 'm'));
    set_kv(s, "b", "k", fill(buf, 64, 'n'));
    set_kv(s, "b", "k", fill(buf, 65, 'o'));
    cr_assert(del_k(s, "b", "k"));
    set_kv(s, "b", "k", "again");
    expect_dump(s, "b{a=1,z=2,k=again}", "deleted and set again goes last");
    kvrt_store_rollback(s);
    expect_dump(s, "b{a=1,k=x,z=2}", "after rollback");
    cr_assert(has_value(b, "k", "x"));
    kvrt_store_free(s);
    expect_no_leaks();
}

Test(store, moved_then_deleted_rolls_back) { moved_then_deleted_rolls_back(BY_VALUE); }
Test(store, moved_then_deleted_rolls_back_by_bytes) { moved_then_deleted_rolls_back(BY_BYTES); }

/* A run of replaces of one key's small value in one journal (each old
 * value's bytes journaled, none made into a value object), rolled back to
 * a mark and then wholly: each undo restores the bytes of its moment. */
Test(store, replaced_bytes_roll_back_to_marks)
{
    g_mode = BY_BYTES;
    kvrt_store *s = kvrt_store_new();
    kvrt_bucket *b = open_b(s, "b");
    char buf[80];
    set_kv(s, "b", "k", "orig");
    set_kv(s, "b", "z", "2");
    kvrt_store_begin(s);
    for (size_t n = 0; n <= 20; n++)
        set_kv(s, "b", "k", fill(buf, n, (char)('a' + n)));
    size_t mark = kvrt_store_mark(s);
    set_kv(s, "b", "k", "after-mark");
    set_kv(s, "b", "k", fill(buf, 64, 'q'));
    set_kv(s, "b", "n", "new");
    kvrt_store_rollback_to(s, mark);
    cr_assert(has_value(b, "k", fill(buf, 20, (char)('a' + 20))), "back to the mark");
    expect_dump(s, "b{k=uuuuuuuuuuuuuuuuuuuu,z=2}", "after rollback to the mark");
    set_kv(s, "b", "k", "x");
    kvrt_store_rollback(s);
    expect_dump(s, "b{k=orig,z=2}", "after rollback");
    /* and a commit keeps the last */
    kvrt_store_begin(s);
    set_kv(s, "b", "k", "one");
    set_kv(s, "b", "k", "two");
    kvrt_store_commit(s);
    expect_dump(s, "b{k=two,z=2}", "after commit");
    kvrt_store_free(s);
    expect_no_leaks();
}

/* ---- out of memory ------------------------------------------------------- */

static void *no_chunk(void) { return NULL; }

/* With the slab out of chunks, a new key and a key that must move fail
 * with -1 and leave the store as it was; what fits in place still works;
 * rollback is exact. (Each test runs in a process of its own, so the slab
 * starts empty here.) */
Test(store, out_of_memory_leaves_store_unchanged)
{
    if (!kvrt_slab_pooled())
        cr_skip_test("the slab is malloc under AddressSanitizer");
    kvrt_store *s = kvrt_store_new();
    kvrt_bucket *b = open_b(s, "b");
    char buf[128];
    kvrt_val *small = val_of("y");
    kvrt_val *longer = val_of(fill(buf, 40, 'l'));
    set_kv(s, "b", "k", "x");
    set_kv(s, "b", "z", "2");
    kvrt_slab_set_source(no_chunk);
    /* fill whatever the current chunks of the classes we need still hold */
    for (int i = 0; i < 100000; i++) {
        if (kvrt_slab_alloc(80) == NULL && kvrt_slab_alloc(24) == NULL &&
            kvrt_slab_alloc(64) == NULL && kvrt_slab_alloc(72) == NULL &&
            kvrt_slab_alloc(112) == NULL)
            break;
    }
    kvrt_store_begin(s);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("new"), 3, kvrt_val_ref(small)), -1);
    cr_assert_eq(kvrt_bucket_set(s, b, u8("k"), 1, kvrt_val_ref(longer)), -1, "move needs an entry");
    cr_assert_eq(kvrt_bucket_set_bytes(s, b, u8("new"), 3, small->data, small->len), -1);
    cr_assert_eq(kvrt_bucket_set_bytes(s, b, u8("k"), 1, longer->data, longer->len), -1,
                 "move needs an entry");
    cr_assert_eq(kvrt_bucket_set_bytes(s, b, u8("k"), 1, u8(fill(buf, 100, 'L')), 100), -1,
                 "a big value needs a value object");
    kvrt_val *g;
    cr_assert_eq(kvrt_bucket_get(b, u8("k"), 1, &g), -1, "making a value of the bytes fails");
    cr_assert_null(g);
    kvrt_slab_set_source(NULL);
    expect_dump(s, "b{k=x,z=2}", "after the failed sets");
    cr_assert_eq(small->refs, 1u, "a failed set drops the reference it was given");
    cr_assert_eq(longer->refs, 1u);
    kvrt_store_rollback(s);
    expect_dump(s, "b{k=x,z=2}", "after rollback");
    kvrt_val_unref(small);
    kvrt_val_unref(longer);
    kvrt_store_free(s);
}
