/*
 * transpile/names.c - function names from the "name" section; see names.h.
 * Bounded like every other reader (cursor.h); a bad entry ends the walk.
 */
#include "names.h"

#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "leb128.h"
#include "utf8check.h"

enum { SUB_FUNCTION_NAMES = 1 };

/* One (index, name) entry of the function name map into names[]. Returns
 * false when the walk must stop. */
static bool read_entry(kt_cursor *c, char **names, uint32_t nfuncs)
{
    uint32_t index, len;
    const uint8_t *bytes;
    if (kt_leb_u32(c, &index) != KT_OK || kt_leb_u32(c, &len) != KT_OK ||
        kt_cur_bytes(c, len, &bytes) != KT_OK)
        return false;
    if (index >= nfuncs || names[index] != NULL)
        return true;            /* out of range or repeated: skip it */
    if (len == 0 || memchr(bytes, 0, len) != NULL || !kt_utf8_valid(bytes, len))
        return true;
    char *s = malloc((size_t)len + 1);
    if (s == NULL)
        return false;
    memcpy(s, bytes, len);
    s[len] = '\0';
    names[index] = s;
    return true;
}

static void read_function_names(kt_module *m, kt_cursor *sub)
{
    uint32_t nfuncs = m->nfunc_imports + m->nfuncs;
    uint32_t count;
    if (nfuncs == 0 || kt_leb_u32(sub, &count) != KT_OK || count > kt_cur_left(sub))
        return;
    if (m->func_names == NULL) {
        m->func_names = calloc(nfuncs, sizeof *m->func_names);
        if (m->func_names == NULL)
            return;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (!read_entry(sub, m->func_names, nfuncs))
            return;
    }
}

void kt_read_names(kt_module *m, const uint8_t *data, kt_span sec)
{
    kt_cursor c;
    kt_cur_init(&c, data, sec.offset + sec.len);
    c.pos = sec.offset;
    m->has_names = true;
    while (!kt_cur_done(&c)) {
        uint8_t id;
        uint32_t size;
        kt_cursor sub;
        if (kt_cur_u8(&c, &id) != KT_OK || kt_leb_u32(&c, &size) != KT_OK ||
            kt_cur_sub(&c, size, &sub) != KT_OK)
            return;
        if (id == SUB_FUNCTION_NAMES)
            read_function_names(m, &sub);
    }
}
