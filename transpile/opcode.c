/*
 * transpile/opcode.c - instruction decoding for the feature scan and the
 * module rewrite; see opcode.h. One table gives each one-byte opcode the
 * shape of its immediates and the feature it needs; the prefixed opcode
 * spaces (0xFC, 0xFD, 0xFE) are decoded by small functions of their own.
 * Immediates are read with the bounded cursor and the LEB128 readers, so
 * a truncated body is an error, never an overread.
 */
#include "opcode.h"

#include "leb128.h"

typedef enum imm {
    IMM_UNKNOWN = 0,    /* so that opcodes the table does not list are unknown */
    IMM_NONE,
    IMM_BLOCKTYPE,
    IMM_IDX,            /* one u32 index */
    IMM_IDX2,           /* two u32 indices (call_indirect: type, table) */
    IMM_BR_TABLE,
    IMM_MEMARG,
    IMM_MEMIDX,         /* memory.size / memory.grow: a memory index */
    IMM_I32,
    IMM_I64,
    IMM_F32,
    IMM_F64,
    IMM_SELECT_T,       /* vec(valtype) */
    IMM_HEAPTYPE,       /* ref.null */
    IMM_TRY_TABLE,
    IMM_PREFIX_MISC,
    IMM_PREFIX_SIMD,
    IMM_PREFIX_ATOMIC,
    IMM_OPAQUE          /* known feature, immediates not decoded: stop here */
} imm;

typedef struct opinfo {
    unsigned char imm;      /* enum imm */
    unsigned char feature;  /* kt_feature */
} opinfo;

/* Every one-byte opcode; anything not listed is IMM_UNKNOWN (0). */
static const opinfo ops[256] = {
    [0x00] = {IMM_NONE, 0},                 /* unreachable */
    [0x01] = {IMM_NONE, 0},                 /* nop */
    [0x02] = {IMM_BLOCKTYPE, 0},            /* block */
    [0x03] = {IMM_BLOCKTYPE, 0},            /* loop */
    [0x04] = {IMM_BLOCKTYPE, 0},            /* if */
    [0x05] = {IMM_NONE, 0},                 /* else */
    [0x06] = {IMM_BLOCKTYPE, KT_F_EXCEPTIONS},   /* try */
    [0x07] = {IMM_IDX, KT_F_EXCEPTIONS},    /* catch */
    [0x08] = {IMM_IDX, KT_F_EXCEPTIONS},    /* throw */
    [0x09] = {IMM_IDX, KT_F_EXCEPTIONS},    /* rethrow */
    [0x0a] = {IMM_NONE, KT_F_EXNREF},       /* throw_ref */
    [0x0b] = {IMM_NONE, 0},                 /* end */
    [0x0c] = {IMM_IDX, 0},                  /* br */
    [0x0d] = {IMM_IDX, 0},                  /* br_if */
    [0x0e] = {IMM_BR_TABLE, 0},
    [0x0f] = {IMM_NONE, 0},                 /* return */
    [0x10] = {IMM_IDX, 0},                  /* call */
    [0x11] = {IMM_IDX2, 0},                 /* call_indirect */
    [0x12] = {IMM_IDX, KT_F_TAIL_CALL},     /* return_call */
    [0x13] = {IMM_IDX2, KT_F_TAIL_CALL},    /* return_call_indirect */
    [0x14] = {IMM_IDX, KT_F_FUNCREFS},      /* call_ref */
    [0x15] = {IMM_IDX, KT_F_FUNCREFS},      /* return_call_ref */
    [0x18] = {IMM_IDX, KT_F_EXCEPTIONS},    /* delegate */
    [0x19] = {IMM_NONE, KT_F_EXCEPTIONS},   /* catch_all */
    [0x1a] = {IMM_NONE, 0},                 /* drop */
    [0x1b] = {IMM_NONE, 0},                 /* select */
    [0x1c] = {IMM_SELECT_T, 0},             /* select t* */
    [0x1f] = {IMM_TRY_TABLE, KT_F_EXNREF},  /* try_table */
    [0x20] = {IMM_IDX, 0}, [0x21] = {IMM_IDX, 0}, [0x22] = {IMM_IDX, 0},    /* local.* */
    [0x23] = {IMM_IDX, 0}, [0x24] = {IMM_IDX, 0},                           /* global.* */
    [0x25] = {IMM_IDX, 0}, [0x26] = {IMM_IDX, 0},                           /* table.get/set */
    [0x28] = {IMM_MEMARG, 0}, [0x29] = {IMM_MEMARG, 0}, [0x2a] = {IMM_MEMARG, 0},
    [0x2b] = {IMM_MEMARG, 0}, [0x2c] = {IMM_MEMARG, 0}, [0x2d] = {IMM_MEMARG, 0},
    [0x2e] = {IMM_MEMARG, 0}, [0x2f] = {IMM_MEMARG, 0}, [0x30] = {IMM_MEMARG, 0},
    [0x31] = {IMM_MEMARG, 0}, [0x32] = {IMM_MEMARG, 0}, [0x33] = {IMM_MEMARG, 0},
    [0x34] = {IMM_MEMARG, 0}, [0x35] = {IMM_MEMARG, 0}, [0x36] = {IMM_MEMARG, 0},
    [0x37] = {IMM_MEMARG, 0}, [0x38] = {IMM_MEMARG, 0}, [0x39] = {IMM_MEMARG, 0},
    [0x3a] = {IMM_MEMARG, 0}, [0x3b] = {IMM_MEMARG, 0}, [0x3c] = {IMM_MEMARG, 0},
    [0x3d] = {IMM_MEMARG, 0}, [0x3e] = {IMM_MEMARG, 0},
    [0x3f] = {IMM_MEMIDX, 0},               /* memory.size */
    [0x40] = {IMM_MEMIDX, 0},               /* memory.grow */
    [0x41] = {IMM_I32, 0},
    [0x42] = {IMM_I64, 0},
    [0x43] = {IMM_F32, 0},
    [0x44] = {IMM_F64, 0},
    /* 0x45..0xc4: numeric instructions without immediates (filled in
     * kt_insn_read: the table would be 128 identical lines) */
    [0xd0] = {IMM_HEAPTYPE, 0},             /* ref.null */
    [0xd1] = {IMM_NONE, 0},                 /* ref.is_null */
    [0xd2] = {IMM_IDX, 0},                  /* ref.func */
    [0xd3] = {IMM_NONE, KT_F_FUNCREFS},     /* ref.as_non_null */
    [0xd4] = {IMM_IDX, KT_F_FUNCREFS},      /* br_on_null */
    [0xd5] = {IMM_NONE, KT_F_GC},           /* ref.eq */
    [0xd6] = {IMM_IDX, KT_F_FUNCREFS},      /* br_on_non_null */
    [0xe0] = {IMM_OPAQUE, KT_F_STACK_SWITCHING}, [0xe1] = {IMM_OPAQUE, KT_F_STACK_SWITCHING},
    [0xe2] = {IMM_OPAQUE, KT_F_STACK_SWITCHING}, [0xe3] = {IMM_OPAQUE, KT_F_STACK_SWITCHING},
    [0xe4] = {IMM_OPAQUE, KT_F_STACK_SWITCHING}, [0xe5] = {IMM_OPAQUE, KT_F_STACK_SWITCHING},
    [0xe6] = {IMM_OPAQUE, KT_F_STACK_SWITCHING},
    [0xfb] = {IMM_OPAQUE, KT_F_GC},
    [0xfc] = {IMM_PREFIX_MISC, 0},
    [0xfd] = {IMM_PREFIX_SIMD, KT_F_SIMD},
    [0xfe] = {IMM_PREFIX_ATOMIC, KT_F_THREADS},
};

KT_MUST_CHECK static kt_err skip_u32(kt_cursor *c)
{
    uint32_t v;
    return kt_leb_u32(c, &v);
}

/* The feature a one-byte value or heap type needs: the numeric types,
 * funcref and externref are the MVP and reference types. */
static kt_feature type_byte_feature(uint8_t b)
{
    switch (b) {
    case 0x7f: case 0x7e: case 0x7d: case 0x7c: case 0x70: case 0x6f:
        return KT_F_NONE;
    case 0x7b:
        return KT_F_SIMD;
    case 0x69: case 0x74:           /* exnref, nullexnref */
        return KT_F_EXNREF;
    case 0x6a: case 0x6b: case 0x6c: case 0x6d: case 0x6e:
    case 0x71: case 0x72: case 0x73:
        return KT_F_GC;             /* array struct i31 eq any, none noextern nofunc */
    default:
        return KT_F_UNKNOWN;
    }
}

/* The feature of a heap type read as s33: a type index needs typed
 * function references, a negative value is a one-byte abstract type. */
static kt_feature heaptype_feature(int64_t ht)
{
    if (ht >= 0)
        return KT_F_FUNCREFS;
    return type_byte_feature((uint8_t)(ht & 0x7f));
}

kt_err kt_valtype_read(kt_cursor *c, kt_feature *feature)
{
    size_t at = c->pos;
    uint8_t b;
    kt_err e = kt_cur_u8(c, &b);
    if (e != KT_OK)
        return e;
    if (b != 0x63 && b != 0x64) {
        *feature = type_byte_feature(b);
        return KT_OK;
    }
    /* (ref null ht), (ref ht) */
    int64_t ht;
    e = kt_leb_s33(c, &ht);
    if (e != KT_OK) {
        c->pos = at;
        return e;
    }
    *feature = heaptype_feature(ht) == KT_F_NONE ? KT_F_FUNCREFS : heaptype_feature(ht);
    return KT_OK;
}

/* memarg: align (bit 6: a memory index follows), [memidx], offset (u64, so
 * memory64 offsets decode too). */
KT_MUST_CHECK static kt_err read_memarg(kt_cursor *c, kt_feature *feature)
{
    uint32_t align;
    uint64_t offset;
    kt_err e = kt_leb_u32(c, &align);
    if (e == KT_OK && (align & 0x40) != 0) {
        *feature = KT_F_MULTI_MEMORY;
        e = skip_u32(c);
    }
    if (e == KT_OK)
        e = kt_leb_u64(c, &offset);
    return e;
}

/* A memory index that is not 0 needs multi-memory. */
KT_MUST_CHECK static kt_err read_memidx(kt_cursor *c, kt_feature *feature)
{
    uint32_t m;
    kt_err e = kt_leb_u32(c, &m);
    if (e == KT_OK && m != 0)
        *feature = KT_F_MULTI_MEMORY;
    return e;
}

/* blocktype: 0x40 (empty), a value type, or an s33 type index (whose
 * first byte is below 0x40 or has the continuation bit). */
KT_MUST_CHECK static kt_err read_blocktype(kt_cursor *c, kt_feature *feature)
{
    if (kt_cur_left(c) == 0)
        return KT_E_TRUNCATED;
    uint8_t b = c->base[c->pos];
    if ((b & 0xc0) != 0x40) {
        int64_t index;
        return kt_leb_s33(c, &index);
    }
    if (b == 0x40)
        return kt_cur_skip(c, 1);
    return kt_valtype_read(c, feature);
}

KT_MUST_CHECK static kt_err read_misc(kt_cursor *c, kt_insn *out, bool *stop)
{
    uint32_t sub;
    kt_err e = kt_leb_u32(c, &sub);
    if (e != KT_OK)
        return e;
    out->op = KT_OP_PREFIXED(KT_OP_PREFIX_MISC, sub);
    switch (sub) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:   /* trunc_sat */
        return KT_OK;
    case 8:                                 /* memory.init data mem */
        e = skip_u32(c);
        return e == KT_OK ? read_memidx(c, &out->feature) : e;
    case 10:                                /* memory.copy mem mem */
        e = read_memidx(c, &out->feature);
        return e == KT_OK ? read_memidx(c, &out->feature) : e;
    case 11:                                /* memory.fill mem */
        return read_memidx(c, &out->feature);
    case 9: case 13: case 15: case 16: case 17:   /* data.drop elem.drop table.grow/size/fill */
        return skip_u32(c);
    case 12: case 14:                       /* table.init elem table, table.copy t t */
        e = skip_u32(c);
        return e == KT_OK ? skip_u32(c) : e;
    case 19: case 20: case 21: case 22:     /* i64.add128 sub128 mul_wide_s/u */
        out->feature = KT_F_WIDE_ARITH;
        return KT_OK;
    default:
        out->feature = KT_F_UNKNOWN;
        *stop = true;
        return KT_OK;
    }
}

KT_MUST_CHECK static kt_err read_simd(kt_cursor *c, kt_insn *out, bool *stop)
{
    uint32_t sub;
    kt_feature ignored = KT_F_NONE;
    kt_err e = kt_leb_u32(c, &sub);
    if (e != KT_OK)
        return e;
    out->op = KT_OP_PREFIXED(KT_OP_PREFIX_SIMD, sub);
    if (sub <= 0x0b || sub == 0x5c || sub == 0x5d)
        return read_memarg(c, &ignored);
    if (sub >= 0x54 && sub <= 0x5b) {       /* load/store lane: memarg, lane */
        e = read_memarg(c, &ignored);
        return e == KT_OK ? kt_cur_skip(c, 1) : e;
    }
    if (sub == 0x0c || sub == 0x0d)         /* v128.const, i8x16.shuffle */
        return kt_cur_skip(c, 16);
    if (sub >= 0x15 && sub <= 0x22)         /* extract/replace lane */
        return kt_cur_skip(c, 1);
    if (sub <= 0xff)
        return KT_OK;
    if (sub <= 0x113) {
        out->feature = KT_F_RELAXED_SIMD;
        return KT_OK;
    }
    *stop = true;
    return KT_OK;
}

KT_MUST_CHECK static kt_err read_atomic(kt_cursor *c, kt_insn *out, bool *stop)
{
    uint32_t sub;
    kt_feature ignored = KT_F_NONE;
    kt_err e = kt_leb_u32(c, &sub);
    if (e != KT_OK)
        return e;
    out->op = KT_OP_PREFIXED(KT_OP_PREFIX_ATOMIC, sub);
    if (sub == 0x03)                        /* atomic.fence 0x00 */
        return kt_cur_skip(c, 1);
    if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e))
        return read_memarg(c, &ignored);
    *stop = true;
    return KT_OK;
}

KT_MUST_CHECK static kt_err read_br_table(kt_cursor *c)
{
    uint32_t n;
    kt_err e = kt_leb_u32(c, &n);
    /* n + 1 labels, each at least one byte */
    if (e == KT_OK && n > kt_cur_left(c))
        return KT_E_TRUNCATED;
    for (uint32_t i = 0; e == KT_OK && i <= n; i++)
        e = skip_u32(c);
    return e;
}

KT_MUST_CHECK static kt_err read_select_t(kt_cursor *c, kt_feature *feature)
{
    uint32_t n;
    kt_err e = kt_leb_u32(c, &n);
    if (e == KT_OK && n > kt_cur_left(c))
        return KT_E_TRUNCATED;
    for (uint32_t i = 0; e == KT_OK && i < n; i++) {
        kt_feature f = KT_F_NONE;
        e = kt_valtype_read(c, &f);
        if (f != KT_F_NONE)
            *feature = f;
    }
    return e;
}

/* try_table blocktype vec(catch): catch = kind (0 catch, 1 catch_ref:
 * tag label; 2 catch_all, 3 catch_all_ref: label). */
KT_MUST_CHECK static kt_err read_try_table(kt_cursor *c, kt_feature *feature)
{
    kt_feature f = KT_F_NONE;
    uint32_t n;
    kt_err e = read_blocktype(c, &f);
    if (e == KT_OK)
        e = kt_leb_u32(c, &n);
    if (e == KT_OK && n > kt_cur_left(c))
        return KT_E_TRUNCATED;
    for (uint32_t i = 0; e == KT_OK && i < n; i++) {
        uint8_t kind;
        e = kt_cur_u8(c, &kind);
        if (e == KT_OK && kind <= 1)
            e = skip_u32(c);
        if (e == KT_OK)
            e = skip_u32(c);
    }
    (void)feature;
    return e;
}

static kt_err read_immediates(kt_cursor *c, imm kind, kt_insn *out, bool *stop)
{
    kt_feature f = KT_F_NONE;
    int32_t i32;
    int64_t i64;
    kt_err e = KT_OK;
    switch (kind) {
    case IMM_NONE: break;
    case IMM_BLOCKTYPE: e = read_blocktype(c, &f); break;
    case IMM_IDX: e = skip_u32(c); break;
    case IMM_IDX2:
        e = skip_u32(c);
        if (e == KT_OK)
            e = skip_u32(c);
        break;
    case IMM_BR_TABLE: e = read_br_table(c); break;
    case IMM_MEMARG: e = read_memarg(c, &f); break;
    case IMM_MEMIDX: e = read_memidx(c, &f); break;
    case IMM_I32: e = kt_leb_s32(c, &i32); break;
    case IMM_I64: e = kt_leb_s64(c, &i64); break;
    case IMM_F32: e = kt_cur_skip(c, 4); break;
    case IMM_F64: e = kt_cur_skip(c, 8); break;
    case IMM_SELECT_T: e = read_select_t(c, &f); break;
    case IMM_HEAPTYPE:
        e = kt_leb_s33(c, &i64);
        if (e == KT_OK)
            f = heaptype_feature(i64);
        break;
    case IMM_TRY_TABLE: e = read_try_table(c, &f); break;
    case IMM_PREFIX_MISC: return read_misc(c, out, stop);
    case IMM_PREFIX_SIMD: return read_simd(c, out, stop);
    case IMM_PREFIX_ATOMIC: return read_atomic(c, out, stop);
    case IMM_OPAQUE:
    case IMM_UNKNOWN:
        *stop = true;
        break;
    }
    /* A feature found in an immediate (a v128 block type, a memory index)
     * only matters when the opcode itself needs none. */
    if (e == KT_OK && out->feature == KT_F_NONE)
        out->feature = f;
    return e;
}

kt_err kt_insn_read(kt_cursor *c, kt_insn *out)
{
    size_t at = c->pos;
    uint8_t b;
    kt_err e = kt_cur_u8(c, &b);
    if (e != KT_OK)
        return e;
    opinfo info = ops[b];
    if (b >= 0x45 && b <= 0xc4)
        info = (opinfo){IMM_NONE, 0};
    out->at = at;
    out->op = b;
    out->feature = (kt_feature)info.feature;
    bool stop = false;
    e = read_immediates(c, (imm)info.imm, out, &stop);
    if (e != KT_OK) {
        c->pos = at;
        return e;
    }
    if (stop && out->feature == KT_F_NONE)
        out->feature = KT_F_UNKNOWN;
    if (stop)
        c->pos = c->len;        /* the rest of this body cannot be decoded */
    return KT_OK;
}

/* ---- names and fixes ------------------------------------------------------ */

static const char *const names[KT_F__COUNT] = {
    [KT_F_NONE] = "none",
    [KT_F_EXCEPTIONS] = "exception handling",
    [KT_F_TAIL_CALL] = "tail calls",
    [KT_F_MULTI_MEMORY] = "multiple memories",
    [KT_F_SIMD] = "SIMD (v128)",
    [KT_F_RELAXED_SIMD] = "relaxed SIMD",
    [KT_F_THREADS] = "threads (atomics, shared memory)",
    [KT_F_MEMORY64] = "memory64 (64-bit memories or tables)",
    [KT_F_EXTENDED_CONST] = "extended constant expressions",
    [KT_F_EXNREF] = "exception handling with exnref (try_table, throw_ref)",
    [KT_F_FUNCREFS] = "typed function references",
    [KT_F_GC] = "garbage collection (GC proposal)",
    [KT_F_WIDE_ARITH] = "wide arithmetic",
    [KT_F_STACK_SWITCHING] = "stack switching",
    [KT_F_CUSTOM_PAGES] = "custom page sizes",
    [KT_F_UNKNOWN] = "an instruction wasm2c 1.0.32 does not know",
};

static const char *const fixes[KT_F__COUNT] = {
    [KT_F_SIMD] = "build without SIMD: clang -mno-simd128, rustc -C target-feature=-simd128, "
                  "asc: drop --enable simd",
    [KT_F_RELAXED_SIMD] = "build without relaxed SIMD: clang -mno-relaxed-simd -mno-simd128, "
                          "rustc -C target-feature=-relaxed-simd,-simd128",
    [KT_F_THREADS] = "build without threads: no -pthread or --shared-memory, clang -mno-atomics, "
                     "rustc -C target-feature=-atomics, asc: drop --enable threads",
    [KT_F_MEMORY64] = "build for 32-bit wasm: clang --target=wasm32, rustc --target wasm32-*",
    [KT_F_EXTENDED_CONST] = "build without extended constants: clang -mno-extended-const",
    [KT_F_EXNREF] = "build with the legacy exception proposal (clang -fwasm-exceptions "
                    "-mllvm -wasm-use-legacy-eh) or without exceptions (-fno-exceptions, "
                    "Rust panic=abort)",
    [KT_F_FUNCREFS] = "build for linear memory without typed function references "
                      "(clang -mno-reference-types; a GC-language target cannot be built)",
    [KT_F_GC] = "kvaot needs a linear-memory guest: a GC-language target (Kotlin/Wasm, "
                "dart2wasm, Hoot, ...) cannot be built",
    [KT_F_WIDE_ARITH] = "build without wide arithmetic: clang -mno-wide-arithmetic",
    [KT_F_STACK_SWITCHING] = "build without stack switching",
    [KT_F_CUSTOM_PAGES] = "build with the default 64 KiB pages",
    [KT_F_UNKNOWN] = "build the guest for the wasm features of 2022 (MVP, sign extension, "
                     "bulk memory, reference types, multi-value)",
};

const char *kt_feature_name(kt_feature f)
{
    return (unsigned)f < KT_F__COUNT ? names[f] : "?";
}

const char *kt_feature_fix(kt_feature f)
{
    return (unsigned)f < KT_F__COUNT && fixes[f] ? fixes[f] : "";
}

bool kt_feature_supported(kt_feature f)
{
    return f == KT_F_EXCEPTIONS || f == KT_F_TAIL_CALL || f == KT_F_MULTI_MEMORY;
}
