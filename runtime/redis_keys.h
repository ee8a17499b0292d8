/*
 * runtime/redis_keys.h - the Redis key layout of the store (SPEC §10), the
 * one place that spells it:
 *
 *   kv:{T}:k:KEY    the value of KEY in bucket B (a string)
 *   kv:{T}:o        B's insertion order (a sorted set: member KEY,
 *                   score = B's insertion sequence)
 *   kv:{T}:n        B's insertion sequence (a string counter)
 *   kvaot:buckets   bucket creation order (a sorted set: member B)
 *
 * T is B's hash tag: "=" then B's bytes with '%', '{' and '}' written as
 * %25, %7B and %7D, so T is never empty, contains no brace (Redis Cluster
 * hashes exactly T: each bucket lives in one slot) and different buckets
 * have different tags. Keys and names are bytes; nothing here assumes
 * text.
 */
#ifndef KVRT_REDIS_KEYS_H
#define KVRT_REDIS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define KVRT_REDIS_BUCKETS_KEY "kvaot:buckets"

/* Append B's tag T to out. 0, or -1 when out of memory. */
int kvrt_rk_tag(kvrt_buf *out, const uint8_t *bucket, size_t blen);

/* out = the Redis key of KEY's value in bucket B / of B's order set / of
 * B's sequence (out is cleared first). 0, or -1 when out of memory. */
int kvrt_rk_value(kvrt_buf *out, const uint8_t *bucket, size_t blen, const uint8_t *key,
                  size_t klen);
/* out = "kv:{T}:", the prefix of all of B's keys: the commit function
 * (redis_script.c) appends "k:" KEY, "o" and "n" to it. */
int kvrt_rk_prefix(kvrt_buf *out, const uint8_t *bucket, size_t blen);
int kvrt_rk_order(kvrt_buf *out, const uint8_t *bucket, size_t blen);
int kvrt_rk_seq(kvrt_buf *out, const uint8_t *bucket, size_t blen);

/* The Redis Cluster slot (0..16383) of a key: CRC16 (XMODEM) of its hash
 * tag (the bytes between the first '{' and the first '}' after it, when
 * not empty) or else of the whole key, modulo 16384. */
unsigned kvrt_rk_slot(const uint8_t *key, size_t len);

#endif
