/*
 * bench/twins/batch.c - the batch pattern: per set event, one get-many of
 * the three rollups KEY/n, KEY/bytes, KEY/last in bucket "rollup" and one
 * set-many writing them back (count + 1, total value bytes, the value).
 * When a rollup is missing (the key's first set) they start from zero.
 * on-delete deletes KEY/n only (the other two keep the history).
 */
#include "twin.h"

#define MAX_KEY 256

/* Rollup key i of key: KEY + suffix i. */
static tw_bytes rollup_key(uint8_t *buf, const uint8_t *key, size_t klen, int i)
{
    static const char *const suffix[3] = {"/n", "/bytes", "/last"};
    static const size_t slen[3] = {2, 6, 5};
    tw_copy(buf, key, klen);
    tw_copy(buf + klen, suffix[i], slen[i]);
    return (tw_bytes){buf, klen + slen[i]};
}

void twin_on_set(tw_bucket b, const uint8_t *key, size_t klen, tw_value v)
{
    (void)b;
    if (klen > MAX_KEY)
        return;
    tw_bytes val = tw_event_value(v);
    tw_bucket rollup = tw_open("rollup");
    uint8_t kb[3][MAX_KEY + 8];
    tw_bytes keys[3], old[3], now[3];
    for (int i = 0; i < 3; i++)
        keys[i] = rollup_key(kb[i], key, klen, i);
    uint64_t n = 0, bytes = 0;
    if (tw_get_many(rollup, keys, 3, old)) {
        n = tw_parse_u64(old[0].ptr, old[0].len);
        bytes = tw_parse_u64(old[1].ptr, old[1].len);
    }
    uint8_t nb[20], bb[20];
    now[0] = (tw_bytes){nb, tw_put_u64(nb, n + 1)};
    now[1] = (tw_bytes){bb, tw_put_u64(bb, bytes + val.len)};
    now[2] = val;
    tw_set_many(rollup, keys, now, 3);
    tw_close(rollup);
}

void twin_on_delete(tw_bucket b, const uint8_t *key, size_t klen)
{
    (void)b;
    if (klen > MAX_KEY)
        return;
    tw_bucket rollup = tw_open("rollup");
    uint8_t kb[MAX_KEY + 8];
    tw_bytes k = rollup_key(kb, key, klen, 0);
    tw_delete(rollup, k.ptr, k.len);
    tw_close(rollup);
}
