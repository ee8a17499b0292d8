/*
 * runtime/redis_keys.c - the store's Redis key layout; see redis_keys.h.
 */
#include "redis_keys.h"

#include <string.h>

int kvrt_rk_tag(kvrt_buf *out, const uint8_t *bucket, size_t blen)
{
    /* worst case: every byte escaped */
    if (kvrt_buf_reserve(out, 1 + 3 * blen) != 0)
        return -1;
    uint8_t *p = out->data + out->len;
    *p++ = '=';
    for (size_t i = 0; i < blen; i++) {
        uint8_t c = bucket[i];
        if (c == '%' || c == '{' || c == '}') {
            *p++ = '%';
            *p++ = c == '%' ? '2' : '7';
            *p++ = c == '%' ? '5' : c == '{' ? 'B' : 'D';
        } else {
            *p++ = c;
        }
    }
    out->len = (size_t)(p - out->data);
    return 0;
}

/* out = "kv:{T}" + suffix */
static int bucket_key(kvrt_buf *out, const uint8_t *bucket, size_t blen, const char *suffix)
{
    kvrt_buf_truncate(out, 0);
    if (kvrt_buf_puts(out, "kv:{") != 0 || kvrt_rk_tag(out, bucket, blen) != 0 ||
        kvrt_buf_putc(out, '}') != 0 || kvrt_buf_puts(out, suffix) != 0)
        return -1;
    return 0;
}

int kvrt_rk_prefix(kvrt_buf *out, const uint8_t *bucket, size_t blen)
{
    return bucket_key(out, bucket, blen, ":");
}

int kvrt_rk_value(kvrt_buf *out, const uint8_t *bucket, size_t blen, const uint8_t *key,
                  size_t klen)
{
    if (bucket_key(out, bucket, blen, ":k:") != 0)
        return -1;
    return kvrt_buf_append(out, key, klen);
}

int kvrt_rk_order(kvrt_buf *out, const uint8_t *bucket, size_t blen)
{
    return bucket_key(out, bucket, blen, ":o");
}

int kvrt_rk_seq(kvrt_buf *out, const uint8_t *bucket, size_t blen)
{
    return bucket_key(out, bucket, blen, ":n");
}

/* CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as Redis
 * Cluster's key hashing uses it. */
static uint16_t crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

unsigned kvrt_rk_slot(const uint8_t *key, size_t len)
{
    const uint8_t *open = memchr(key, '{', len);
    if (open != NULL) {
        size_t rest = len - (size_t)(open - key) - 1;
        const uint8_t *close = memchr(open + 1, '}', rest);
        if (close != NULL && close > open + 1)
            return crc16(open + 1, (size_t)(close - open - 1)) & 16383u;
    }
    return crc16(key, len) & 16383u;
}
