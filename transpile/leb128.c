/*
 * transpile/leb128.c - LEB128 decoding per core spec 5.2.2: at most
 * ceil(N/7) bytes, no bits past N. One unsigned and one signed decoder
 * parameterised by the width; the public functions fix the width.
 */
#include <string.h>

#include "leb128.h"

KT_MUST_CHECK static kt_err read_uleb(kt_cursor *c, unsigned bits, uint64_t *out)
{
    unsigned maxbytes = (bits + 6) / 7;
    uint64_t value = 0;
    size_t pos = c->pos;

    for (unsigned i = 0; i < maxbytes; i++) {
        if (pos >= c->len)
            return KT_E_TRUNCATED;
        uint8_t byte = c->base[pos];
        pos++;
        unsigned shift = 7 * i;
        if (i == maxbytes - 1) {
            /* Last allowed byte: no continuation, and only the bits that
             * still fit in N may be set. */
            unsigned used = bits - shift;   /* 1..7 */
            uint8_t extra = (uint8_t)(0x7f & ~((1u << used) - 1u));
            if ((byte & 0x80) != 0 || (byte & extra) != 0)
                return KT_E_LEB;
        }
        value |= (uint64_t)(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            c->pos = pos;
            *out = value;
            return KT_OK;
        }
    }
    return KT_E_LEB;   /* not reached: the last byte returns above */
}

KT_MUST_CHECK static kt_err read_sleb(kt_cursor *c, unsigned bits, int64_t *out)
{
    unsigned maxbytes = (bits + 6) / 7;
    uint64_t value = 0;
    size_t pos = c->pos;

    for (unsigned i = 0; i < maxbytes; i++) {
        if (pos >= c->len)
            return KT_E_TRUNCATED;
        uint8_t byte = c->base[pos];
        pos++;
        unsigned shift = 7 * i;
        if (i == maxbytes - 1) {
            /* Last allowed byte: bits from the sign bit (N-1) up to bit 6
             * of the byte must all be equal (sign extension). */
            unsigned used = bits - shift;   /* 1..7 */
            uint8_t signmask = (uint8_t)(0x7f & ~((1u << (used - 1)) - 1u));
            uint8_t got = byte & signmask;
            if ((byte & 0x80) != 0 || (got != 0 && got != signmask))
                return KT_E_LEB;
        }
        value |= (uint64_t)(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            shift += 7;
            if (shift < 64 && (byte & 0x40) != 0)
                value |= ~(uint64_t)0 << shift;
            int64_t sv;
            memcpy(&sv, &value, sizeof sv);   /* two's complement reinterpretation */
            c->pos = pos;
            *out = sv;
            return KT_OK;
        }
    }
    return KT_E_LEB;
}

kt_err kt_leb_u32(kt_cursor *c, uint32_t *out)
{
    uint64_t v;
    kt_err e = read_uleb(c, 32, &v);
    if (e != KT_OK)
        return e;
    *out = (uint32_t)v;
    return KT_OK;
}

kt_err kt_leb_u64(kt_cursor *c, uint64_t *out)
{
    return read_uleb(c, 64, out);
}

kt_err kt_leb_s32(kt_cursor *c, int32_t *out)
{
    int64_t v;
    kt_err e = read_sleb(c, 32, &v);
    if (e != KT_OK)
        return e;
    *out = (int32_t)v;   /* in range: the decoder checked the width */
    return KT_OK;
}

kt_err kt_leb_s33(kt_cursor *c, int64_t *out)
{
    return read_sleb(c, 33, out);
}

kt_err kt_leb_s64(kt_cursor *c, int64_t *out)
{
    return read_sleb(c, 64, out);
}
