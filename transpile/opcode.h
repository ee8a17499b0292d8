/*
 * transpile/opcode.h - one WebAssembly instruction at a time: its opcode,
 * the index immediates kvaot cares about, and which post-MVP feature it
 * needs (core spec 5.4 "Instructions" plus the proposals wasm2c 1.0.32
 * knows or must refuse). Immediates are decoded only to find where the
 * next instruction starts; validating them is wasm2c's business.
 *
 * Opcodes are returned as op = byte for one-byte opcodes and
 * op = (prefix << 24) | subopcode for the prefixed ones (0xFC misc,
 * 0xFD SIMD, 0xFE atomics, 0xFB GC).
 */
#ifndef KT_OPCODE_H
#define KT_OPCODE_H

#include <stdint.h>

#include "cursor.h"

/* Post-MVP features a guest may use. The ones wasm2c 1.0.32 translates
 * by default (sign extension, saturating conversions, bulk memory,
 * reference types, multi-value, mutable globals) are not listed. */
typedef enum kt_feature {
    KT_F_NONE = 0,
    /* translated: kvaot enables or rewrites them */
    KT_F_EXCEPTIONS,        /* legacy exception handling: try/catch/throw/rethrow/delegate */
    KT_F_TAIL_CALL,         /* return_call, return_call_indirect */
    KT_F_MULTI_MEMORY,      /* more than one memory, or a memory index != 0 */
    /* refused: wasm2c 1.0.32 cannot translate them */
    KT_F_SIMD,
    KT_F_RELAXED_SIMD,
    KT_F_THREADS,           /* atomics, shared memory */
    KT_F_MEMORY64,
    KT_F_EXTENDED_CONST,
    KT_F_EXNREF,            /* try_table, throw_ref (exception handling with exnref) */
    KT_F_FUNCREFS,          /* typed function references */
    KT_F_GC,
    KT_F_WIDE_ARITH,
    KT_F_STACK_SWITCHING,
    KT_F_CUSTOM_PAGES,
    KT_F_UNKNOWN,           /* an opcode no proposal kvaot knows defines */
    KT_F__COUNT
} kt_feature;

#define KT_OP_PREFIX_GC     0xfbu
#define KT_OP_PREFIX_MISC   0xfcu
#define KT_OP_PREFIX_SIMD   0xfdu
#define KT_OP_PREFIX_ATOMIC 0xfeu
#define KT_OP_PREFIXED(p, sub) (((uint32_t)(p) << 24) | (uint32_t)(sub))

enum {
    KT_OP_END = 0x0b,
    KT_OP_RETURN = 0x0f,
    KT_OP_CALL = 0x10,
    KT_OP_CALL_INDIRECT = 0x11,
    KT_OP_RETURN_CALL = 0x12,
    KT_OP_RETURN_CALL_INDIRECT = 0x13,
};

typedef struct kt_insn {
    size_t at;              /* cursor offset of the opcode's first byte */
    uint32_t op;
    kt_feature feature;     /* KT_F_NONE when the MVP or a default feature */
} kt_insn;

/* Decode the instruction at c (advancing past it). Errors: KT_E_TRUNCATED
 * or KT_E_LEB in an immediate; the cursor is then left where it was. An
 * opcode kvaot does not know is not an error: it comes back with feature
 * KT_F_UNKNOWN and the cursor after its opcode (the rest of that body
 * cannot be decoded). */
KT_MUST_CHECK kt_err kt_insn_read(kt_cursor *c, kt_insn *out);

/* Decode a value type at c (a one-byte type, or 0x63/0x64 with a heap
 * type); *feature says what it needs (SIMD for v128, function references,
 * GC, exnref), KT_F_NONE for the MVP and reference types. */
KT_MUST_CHECK kt_err kt_valtype_read(kt_cursor *c, kt_feature *feature);

/* Short name of a feature ("SIMD", "tail calls", ...) and, for the ones
 * kvaot refuses, how to build the guest without it. */
const char *kt_feature_name(kt_feature f);
const char *kt_feature_fix(kt_feature f);
/* True for the features kvaot translates (exceptions, tail calls,
 * multi-memory). */
bool kt_feature_supported(kt_feature f);

#endif
