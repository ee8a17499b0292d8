/*
 * transpile/leb128.h - LEB128 integers as the wasm binary format defines them
 * (core spec 5.2.2 "Integers"): an N-bit integer takes at most ceil(N/7)
 * bytes, and the unused bits of the last allowed byte must be zero (unsigned)
 * or copies of the sign bit (signed). Non-minimal encodings within that
 * length are valid and accepted.
 * Errors: KT_E_TRUNCATED when the input ends inside the number, KT_E_LEB when
 * it is too long or has bits past its width. The cursor moves only on success.
 */
#ifndef KT_LEB128_H
#define KT_LEB128_H

#include <stdint.h>

#include "cursor.h"

KT_MUST_CHECK kt_err kt_leb_u32(kt_cursor *c, uint32_t *out);
KT_MUST_CHECK kt_err kt_leb_u64(kt_cursor *c, uint64_t *out);
KT_MUST_CHECK kt_err kt_leb_s32(kt_cursor *c, int32_t *out);
/* s33: block types (the non-negative range is a type index). */
KT_MUST_CHECK kt_err kt_leb_s33(kt_cursor *c, int64_t *out);
KT_MUST_CHECK kt_err kt_leb_s64(kt_cursor *c, int64_t *out);

#endif
