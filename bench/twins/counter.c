/*
 * bench/twins/counter.c - a counter per key: on-set increments
 * counts/KEY by one (atomic.increment), on-delete deletes it.
 */
#include "twin.h"

void twin_on_set(tw_bucket b, const uint8_t *key, size_t klen, tw_value v)
{
    (void)b;
    (void)v;
    tw_bucket counts = tw_open("counts");
    tw_increment(counts, key, klen, 1);
    tw_close(counts);
}

void twin_on_delete(tw_bucket b, const uint8_t *key, size_t klen)
{
    (void)b;
    tw_bucket counts = tw_open("counts");
    tw_delete(counts, key, klen);
    tw_close(counts);
}
