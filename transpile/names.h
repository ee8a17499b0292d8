/*
 * transpile/names.h - the function names of a module's "name" custom
 * section (WebAssembly core spec, appendix 7.4.1, subsection 1).
 */
#ifndef KT_NAMES_H
#define KT_NAMES_H

#include <stdint.h>

#include "module.h"

/* Read subsection 1 (function names) of the name section whose contents
 * (after the section's own name) are data[sec.offset .. +sec.len) into
 * m->func_names, and set m->has_names. Never fails: a malformed or
 * truncated name section, or a name that is not valid UTF-8 or holds a NUL,
 * is ignored from that point on (engines ignore bad name sections too);
 * out of memory leaves the names out. */
void kt_read_names(kt_module *m, const uint8_t *data, kt_span sec);

#endif
