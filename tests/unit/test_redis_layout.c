/*
 * tests/unit/test_redis_layout.c - the Redis side of SPEC §10 that needs no
 * server: `--store` URLs parsed (and refused with the part at fault), the
 * key layout spelled as the SPEC pins it, bucket tags injective and free of
 * braces, every key of a bucket in one cluster slot, and the slot hash
 * agreeing with Redis's own values.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redis_addr.h"
#include "redis_keys.h"

static const uint8_t *u8(const char *s)
{
    return (const uint8_t *)s;
}

static void expect_parse(const char *url, kvrt_redis_kind kind, const char *host, int port,
                         const char *path, int db)
{
    kvrt_redis_addr a;
    char why[256] = "";
    cr_assert_eq(kvrt_redis_addr_parse(url, &a, why, sizeof why), 0, "%s: %s", url, why);
    cr_expect_eq(a.kind, kind, "%s", url);
    cr_expect_str_eq(a.host, host, "%s", url);
    cr_expect_eq(a.port, port, "%s", url);
    cr_expect_str_eq(a.path, path, "%s", url);
    cr_expect_eq(a.db, db, "%s", url);
}

static void expect_refused(const char *url, const char *because)
{
    kvrt_redis_addr a;
    char why[256] = "";
    cr_expect_eq(kvrt_redis_addr_parse(url, &a, why, sizeof why), -1, "%s was accepted", url);
    cr_expect(strncmp(why, url, strlen(url)) == 0, "the message names the URL: %s", why);
    cr_expect(strstr(why, because) != NULL, "%s: '%s' lacks '%s'", url, why, because);
}

Test(redis_addr, accepted_forms)
{
    expect_parse("redis://127.0.0.1:6380", KVRT_REDIS_TCP, "127.0.0.1", 6380, "", 0);
    expect_parse("redis://127.0.0.1:6380/3", KVRT_REDIS_TCP, "127.0.0.1", 6380, "", 3);
    expect_parse("redis://localhost", KVRT_REDIS_TCP, "localhost", 6379, "", 0);
    expect_parse("redis://localhost/", KVRT_REDIS_TCP, "localhost", 6379, "", 0);
    expect_parse("redis://[::1]:7000/15", KVRT_REDIS_TCP, "::1", 7000, "", 15);
    expect_parse("redis://[::1]", KVRT_REDIS_TCP, "::1", 6379, "", 0);
    expect_parse("unix:///tmp/r.sock", KVRT_REDIS_UNIX, "", 0, "/tmp/r.sock", 0);
    expect_parse("unix:///tmp/r.sock?db=9", KVRT_REDIS_UNIX, "", 0, "/tmp/r.sock", 9);
}

Test(redis_addr, refused_forms)
{
    expect_refused("http://x:1", "expected redis://");
    expect_refused("redis://", "no host");
    expect_refused("redis://:6379", "no host");
    expect_refused("redis://h:0", "port");
    expect_refused("redis://h:65536", "port");
    expect_refused("redis://h:12ab", "port");
    expect_refused("redis://h:", "port");
    expect_refused("redis://h:1/x", "database");
    expect_refused("redis://h:1/-1", "database");
    expect_refused("redis://h:1?db=2", "/DB");
    expect_refused("redis://user:pw@h:1", "passwords");
    expect_refused("redis://[::1:5", "']'");
    expect_refused("redis://[::1]5", "':PORT'");
    expect_refused("unix://tmp/r.sock", "absolute");
    expect_refused("unix://", "absolute");
    expect_refused("unix:///r.sock?x=1", "?db=N");
    expect_refused("unix:///r.sock?db=", "db must be");
    char longpath[200] = "unix:///";
    memset(longpath + 8, 'a', 110);
    expect_refused(longpath, "107 bytes");
}

Test(redis_addr, format_shows_the_defaults)
{
    kvrt_redis_addr a;
    char why[128], out[300];
    cr_assert_eq(kvrt_redis_addr_parse("redis://h", &a, why, sizeof why), 0);
    kvrt_redis_addr_format(&a, out, sizeof out);
    cr_expect_str_eq(out, "redis://h:6379/0");
    cr_assert_eq(kvrt_redis_addr_parse("redis://[::1]:5/2", &a, why, sizeof why), 0);
    kvrt_redis_addr_format(&a, out, sizeof out);
    cr_expect_str_eq(out, "redis://[::1]:5/2");
    cr_assert_eq(kvrt_redis_addr_parse("unix:///s", &a, why, sizeof why), 0);
    kvrt_redis_addr_format(&a, out, sizeof out);
    cr_expect_str_eq(out, "unix:///s?db=0");
}

static void expect_bytes(const kvrt_buf *b, const void *want, size_t n)
{
    cr_expect_eq(b->len, n, "length %zu, expected %zu", b->len, n);
    cr_expect(b->len == n && memcmp(b->data, want, n) == 0, "got '%.*s'", (int)b->len,
              (const char *)b->data);
}

Test(redis_keys, layout_as_pinned)
{
    kvrt_buf b;
    kvrt_buf_init(&b);
    cr_assert_eq(kvrt_rk_value(&b, u8("users"), 5, u8("alice"), 5), 0);
    expect_bytes(&b, "kv:{=users}:k:alice", 19);
    cr_assert_eq(kvrt_rk_order(&b, u8("users"), 5), 0);
    expect_bytes(&b, "kv:{=users}:o", 13);
    cr_assert_eq(kvrt_rk_seq(&b, u8("users"), 5), 0);
    expect_bytes(&b, "kv:{=users}:n", 13);
    /* the empty bucket still has a tag; escapes; key bytes raw (NUL, braces) */
    cr_assert_eq(kvrt_rk_order(&b, u8(""), 0), 0);
    expect_bytes(&b, "kv:{=}:o", 8);
    cr_assert_eq(kvrt_rk_value(&b, u8("a%{b}"), 5, u8("k}\0{"), 4), 0);
    expect_bytes(&b, "kv:{=a%25%7Bb%7D}:k:k}\0{", 24);
    kvrt_buf_fini(&b);
}

/* the slot values Redis itself gives (CLUSTER KEYSLOT; the cluster spec's
 * CRC16 check value 0x31C3 for "123456789") */
Test(redis_keys, slots_agree_with_redis)
{
    cr_expect_eq(kvrt_rk_slot(u8("123456789"), 9), 0x31C3u & 16383u);
    cr_expect_eq(kvrt_rk_slot(u8("foo"), 3), 12182u);
    cr_expect_eq(kvrt_rk_slot(u8("bar"), 3), 5061u);
    /* an empty tag hashes the whole key (measured in design/redis.md) */
    cr_expect_eq(kvrt_rk_slot(u8("kv:{}"), 5), 10546u);
    cr_expect_eq(kvrt_rk_slot(u8("kv:{}:order"), 11), 7328u);
    /* the first '}' after the first '{' closes the tag */
    cr_expect_eq(kvrt_rk_slot(u8("kv:{a}}:x"), 9), kvrt_rk_slot(u8("a"), 1));
    cr_expect_eq(kvrt_rk_slot(u8("{user1000}.following"), 20),
                 kvrt_rk_slot(u8("{user1000}.followers"), 20));
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every string up to 4 bytes over the bytes that matter to the escaping:
 * distinct buckets give distinct tags, no tag holds a brace, and a
 * bucket's keys share one slot */
Test(redis_keys, tags_injective_and_one_slot_per_bucket)
{
    static const char alphabet[] = "a%{}257BD";
    enum { A = 9, MAXLEN = 4 };
    size_t total = 1 + A + A * A + A * A * A + A * A * A * A;
    char **tags = calloc(total, sizeof *tags);
    cr_assert_not_null(tags);
    size_t n = 0;
    kvrt_buf t, k;
    kvrt_buf_init(&t);
    kvrt_buf_init(&k);
    for (int len = 0; len <= MAXLEN; len++) {
        int count = 1;
        for (int i = 0; i < len; i++)
            count *= A;
        for (int c = 0; c < count; c++) {
            uint8_t name[MAXLEN];
            for (int i = 0, x = c; i < len; i++, x /= A)
                name[i] = (uint8_t)alphabet[x % A];
            kvrt_buf_truncate(&t, 0);
            cr_assert_eq(kvrt_rk_tag(&t, name, (size_t)len), 0);
            cr_assert(memchr(t.data, '{', t.len) == NULL && memchr(t.data, '}', t.len) == NULL);
            tags[n] = strndup((const char *)t.data, t.len);
            cr_assert_not_null(tags[n]);
            n++;
            cr_assert_eq(kvrt_rk_order(&k, name, (size_t)len), 0);
            unsigned slot = kvrt_rk_slot(k.data, k.len);
            cr_assert_eq(slot, kvrt_rk_slot(t.data, t.len));
            cr_assert_eq(kvrt_rk_seq(&k, name, (size_t)len), 0);
            cr_assert_eq(kvrt_rk_slot(k.data, k.len), slot);
            cr_assert_eq(kvrt_rk_value(&k, name, (size_t)len, u8("x}{y"), 4), 0);
            cr_assert_eq(kvrt_rk_slot(k.data, k.len), slot);
        }
    }
    cr_assert_eq(n, total);
    qsort(tags, n, sizeof *tags, compare_strings);
    for (size_t i = 1; i < n; i++)
        cr_expect_neq(strcmp(tags[i - 1], tags[i]), 0, "two buckets share the tag %s", tags[i]);
    for (size_t i = 0; i < n; i++)
        free(tags[i]);
    free(tags);
    kvrt_buf_fini(&t);
    kvrt_buf_fini(&k);
}
