/*
 * bench/twins/audit.c - the audit pattern of samples/audit: per set event,
 * a get read through a stream and three sets in bucket "audit":
 *   sets/KEY = the previous count + 1 (1 when there is none)
 *   last     = "KEY=VALUE"
 *   echo     = VALUE
 * on-delete deletes sets/KEY.
 */
#include "twin.h"

#define MAX_KEY 256

void twin_on_set(tw_bucket b, const uint8_t *key, size_t klen, tw_value v)
{
    (void)b;
    if (klen > MAX_KEY)
        return;
    tw_bytes val = tw_event_value(v);
    tw_bucket audit = tw_open("audit");

    uint8_t ckey[5 + MAX_KEY];
    tw_copy(ckey, "sets/", 5);
    tw_copy(ckey + 5, key, klen);
    tw_bytes old;
    uint64_t n = 0;
    if (tw_get_streamed(audit, ckey, 5 + klen, &old))
        n = tw_parse_u64(old.ptr, old.len);
    uint8_t count[20];
    tw_set(audit, ckey, 5 + klen, count, tw_put_u64(count, n + 1));

    uint8_t last[MAX_KEY + 1 + 64];
    size_t vl = val.len < 64 ? val.len : 64;
    tw_copy(last, key, klen);
    last[klen] = '=';
    tw_copy(last + klen + 1, val.ptr, vl);
    tw_set(audit, "last", 4, last, klen + 1 + vl);

    tw_set(audit, "echo", 4, val.ptr, val.len);
    tw_close(audit);
}

void twin_on_delete(tw_bucket b, const uint8_t *key, size_t klen)
{
    (void)b;
    if (klen > MAX_KEY)
        return;
    tw_bucket audit = tw_open("audit");
    uint8_t ckey[5 + MAX_KEY];
    tw_copy(ckey, "sets/", 5);
    tw_copy(ckey + 5, key, klen);
    tw_delete(audit, ckey, 5 + klen);
    tw_close(audit);
}
