/*
 * runtime/crc32c.c - CRC-32C; see crc32c.h. The table is built on first use
 * (1 ms once, 8 KiB); the hardware path is chosen once by cpuid.
 */
#include "crc32c.h"

#include <stdbool.h>
#include <string.h>

#define POLY 0x82f63b78u /* Castagnoli, reflected */

static uint32_t table[8][256];
static bool table_ready;

static void build_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
    table_ready = true;
}

uint32_t kvrt_crc32c_sw(uint32_t crc, const uint8_t *p, size_t n)
{
    if (!table_ready)
        build_table();
    uint32_t c = ~crc;
    while (n >= 8) {
        uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                      (uint32_t)p[3] << 24;
        lo ^= c;
        c = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^
            table[4][lo >> 24] ^ table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^
            table[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n-- > 0)
        c = (c >> 8) ^ table[0][(c ^ *p++) & 0xff];
    return ~c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p,
                                                              size_t n)
{
    uint64_t c = ~crc;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n-- > 0)
        c32 = _mm_crc32_u8(c32, *p++);
    return ~c32;
}

static int have_hw = -1;

uint32_t kvrt_crc32c(uint32_t crc, const uint8_t *p, size_t n)
{
    if (have_hw < 0) {
        unsigned a, b, c, d;
        have_hw = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2) != 0;
    }
    return have_hw ? crc32c_hw(crc, p, n) : kvrt_crc32c_sw(crc, p, n);
}
#else
uint32_t kvrt_crc32c(uint32_t crc, const uint8_t *p, size_t n)
{
    return kvrt_crc32c_sw(crc, p, n);
}
#endif
