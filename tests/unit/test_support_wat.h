/*
 * tests/unit/test_support_wat.h - modules for the transpiler's unit tests,
 * assembled from WAT at test time with wabt's wat2wasm (through temporary
 * files), and whole files read into memory. Failures are test assertions.
 */
#ifndef KVAOT_TEST_SUPPORT_WAT_H
#define KVAOT_TEST_SUPPORT_WAT_H

#include <stddef.h>
#include <stdint.h>

#include "module.h"

/* The whole file (malloc'd, NUL-terminated after *len bytes). */
uint8_t *tw_read_all(const char *path, size_t *len);
/* The binary of the WAT file at path, assembled with wat2wasm FLAGS
 * (flags may be ""); malloc'd. */
uint8_t *tw_assemble_file(const char *path, const char *flags, size_t *len);
/* The same for WAT text. */
uint8_t *tw_assemble(const char *wat, const char *flags, size_t *len);
/* WAT text -> a parsed kt_module (the reader must accept it). */
void tw_load(const char *wat, const char *flags, kt_module *m);
void tw_load_file(const char *path, const char *flags, kt_module *m);

#endif
