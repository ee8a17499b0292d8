/*
 * transpile/diag.h - kvaot's error codes and the first-failure record
 * (offset, section) that readers fill and callers pass up unprinted.
 */
#ifndef KT_DIAG_H
#define KT_DIAG_H

#include <stddef.h>

#if defined(__GNUC__)
#define KT_MUST_CHECK __attribute__((warn_unused_result))
#else
#define KT_MUST_CHECK
#endif

typedef enum kt_err {
    KT_OK = 0,
    KT_E_NOMEM,
    KT_E_IO,
    KT_E_TRUNCATED,        /* input ends inside a field */
    KT_E_MAGIC,            /* not "\0asm" */
    KT_E_VERSION,          /* unknown version/layer */
    KT_E_LEB,              /* LEB128 too long or with bits past its width */
    KT_E_SECTION_SIZE,     /* section contents do not match its size */
    KT_E_SECTION_ORDER,    /* known section out of order or repeated */
    KT_E_COUNT,            /* count larger than the bytes left / our limit */
    KT_E_UTF8,             /* name not valid UTF-8 */
    KT_E_BAD_TYPE,         /* malformed type entry */
    KT_E_BAD_IMPORT,       /* unknown import kind or bad descriptor */
    KT_E_BAD_EXPORT,
    KT_E_BAD_INDEX,        /* type or function index out of range */
    KT_E_NO_MODULE,        /* component holds no usable core module */
    KT_E__COUNT
} kt_err;

typedef struct kt_diag {
    kt_err err;
    size_t offset;         /* byte offset in the input of the failure */
    const char *section;   /* "type", "import", ... or NULL */
    char detail[200];      /* free text, may be empty */
} kt_diag;

const char *kt_strerror(kt_err e);
/* Record the first failure only; returns e so callers can `return kt_fail(...)`. */
kt_err kt_fail(kt_diag *d, kt_err e, size_t offset, const char *section, const char *detail);

#endif
