/*
 * bench/twins/noop.c - empty handlers: built natively (api_native.c) it is
 * `make bench`'s native-noop, the floor of the host's own per-event cost
 * (parsing, the event's store change and handles, the key copy, output).
 */
#include "twin.h"

void twin_on_set(tw_bucket b, const uint8_t *key, size_t klen, tw_value v)
{
    (void)b;
    (void)key;
    (void)klen;
    (void)v;
}

void twin_on_delete(tw_bucket b, const uint8_t *key, size_t klen)
{
    (void)b;
    (void)key;
    (void)klen;
}
