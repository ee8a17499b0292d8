/*
 * transpile/diag.c - messages of the kt_err codes and the first-failure
 * record. The table is indexed by the enum; a static assert keeps the two
 * in step when a code is added.
 */
#include <stdio.h>

#include "diag.h"

static const char *const messages[] = {
    [KT_OK]              = "ok",
    [KT_E_NOMEM]         = "out of memory",
    [KT_E_IO]            = "I/O error",
    [KT_E_TRUNCATED]     = "unexpected end of input",
    [KT_E_MAGIC]         = "not a WebAssembly binary (bad magic)",
    [KT_E_VERSION]       = "unsupported WebAssembly version or layer",
    [KT_E_LEB]           = "malformed LEB128 integer (too long or too large)",
    [KT_E_SECTION_SIZE]  = "section contents do not match its size",
    [KT_E_SECTION_ORDER] = "section out of order, repeated or unknown",
    [KT_E_COUNT]         = "count too large",
    [KT_E_UTF8]          = "name is not valid UTF-8",
    [KT_E_BAD_TYPE]      = "malformed type",
    [KT_E_BAD_IMPORT]    = "malformed import",
    [KT_E_BAD_EXPORT]    = "malformed export",
    [KT_E_BAD_INDEX]     = "index out of range",
    [KT_E_NO_MODULE]     = "no usable core module",
};

_Static_assert(sizeof messages / sizeof messages[0] == KT_E__COUNT,
               "one message per kt_err code");

const char *kt_strerror(kt_err e)
{
    if ((unsigned)e >= (unsigned)KT_E__COUNT || messages[e] == NULL)
        return "unknown error";
    return messages[e];
}

kt_err kt_fail(kt_diag *d, kt_err e, size_t offset, const char *section, const char *detail)
{
    /* Only the first failure is kept: later ones are usually consequences. */
    if (d == NULL || e == KT_OK || d->err != KT_OK)
        return e;
    d->err = e;
    d->offset = offset;
    d->section = section;
    snprintf(d->detail, sizeof d->detail, "%s", detail != NULL ? detail : "");
    return e;
}
