/*
 * runtime/crc32c.h - CRC-32C (Castagnoli, the checksum of iSCSI, ext4 and
 * RocksDB): the --data journal's record checksum. On x86-64 with SSE 4.2
 * it is the crc32 instruction (a 100-byte record in ~15 ns); elsewhere a
 * slicing-by-8 table. Both give the same values: crc32c("123456789") is
 * 0xe3069283.
 */
#ifndef KVRT_CRC32C_H
#define KVRT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of p[0..n) continued from crc (0 to start). */
uint32_t kvrt_crc32c(uint32_t crc, const uint8_t *p, size_t n);
/* The table version alone (for the unit tests: both paths must agree). */
uint32_t kvrt_crc32c_sw(uint32_t crc, const uint8_t *p, size_t n);

#endif
