/*
 * transpile/dwarf.c - the guest's DWARF line table; see dwarf.h.
 *
 * Two walks: .debug_info's unit headers and first DIE give each line
 * program its compilation directory (DW_AT_stmt_list -> DW_AT_comp_dir);
 * then every line program of .debug_line is run (DWARF 5 §6.2) and its
 * rows kept. Strings are borrowed from the module's bytes until a path is
 * built; paths are interned once.
 */
#include "dwarf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "leb128.h"

/* ---- bounded reads ------------------------------------------------------ */

static bool rd_fixed(kt_cursor *c, unsigned n, uint64_t *out)
{
    const uint8_t *p;
    if (kt_cur_bytes(c, n, &p) != KT_OK)
        return false;
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    *out = v;
    return true;
}

static bool rd_uleb(kt_cursor *c, uint64_t *out)
{
    return kt_leb_u64(c, out) == KT_OK;
}

static bool rd_sleb(kt_cursor *c, int64_t *out)
{
    return kt_leb_s64(c, out) == KT_OK;
}

/* A NUL-terminated string in place. */
static bool rd_cstr(kt_cursor *c, const char **out)
{
    const uint8_t *p = c->base + c->pos;
    const uint8_t *nul = memchr(p, 0, kt_cur_left(c));
    if (nul == NULL)
        return false;
    *out = (const char *)p;
    c->pos += (size_t)(nul - p) + 1;
    return true;
}

/* The string at offset off of a string section (.debug_str, .debug_line_str). */
static const char *str_at(const uint8_t *data, kt_span sec, uint64_t off)
{
    if (sec.len == 0 || off >= sec.len)
        return NULL;
    const char *s = (const char *)data + sec.offset + off;
    return memchr(s, 0, sec.len - off) != NULL ? s : NULL;
}

/* A unit's length field: 32-bit, or 0xffffffff and 64-bit (then offsets
 * in the unit are 8 bytes). */
static bool rd_unit(kt_cursor *c, kt_cursor *unit, unsigned *offsize)
{
    uint64_t len;
    if (!rd_fixed(c, 4, &len))
        return false;
    *offsize = 4;
    if (len == 0xffffffffu) {
        if (!rd_fixed(c, 8, &len))
            return false;
        *offsize = 8;
    }
    return len <= kt_cur_left(c) && kt_cur_sub(c, (size_t)len, unit) == KT_OK;
}

/* Room for one more element in the array *(T **)pp, which has room for
 * *cap elements of `size` bytes and holds n: doubled (from `first`) when
 * full. false when out of memory (the array is then as it was). */
static bool grow(void *pp, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? 2 * *cap : first;
    void *old;
    memcpy(&old, pp, sizeof old);
    void *p = realloc(old, c * size);
    if (p == NULL)
        return false;
    memcpy(pp, &p, sizeof p);
    *cap = c;
    return true;
}

/* ---- attribute forms ---------------------------------------------------- */

enum {
    FORM_ADDR = 0x01, FORM_BLOCK2 = 0x03, FORM_BLOCK4 = 0x04, FORM_DATA2 = 0x05,
    FORM_DATA4 = 0x06, FORM_DATA8 = 0x07, FORM_STRING = 0x08, FORM_BLOCK = 0x09,
    FORM_BLOCK1 = 0x0a, FORM_DATA1 = 0x0b, FORM_FLAG = 0x0c, FORM_SDATA = 0x0d,
    FORM_STRP = 0x0e, FORM_UDATA = 0x0f, FORM_REF_ADDR = 0x10, FORM_REF1 = 0x11,
    FORM_REF2 = 0x12, FORM_REF4 = 0x13, FORM_REF8 = 0x14, FORM_REF_UDATA = 0x15,
    FORM_INDIRECT = 0x16, FORM_SEC_OFFSET = 0x17, FORM_EXPRLOC = 0x18,
    FORM_FLAG_PRESENT = 0x19, FORM_STRX = 0x1a, FORM_REF_SIG8 = 0x20,
    FORM_IMPLICIT_CONST = 0x21, FORM_LOCLISTX = 0x22, FORM_RNGLISTX = 0x23,
    FORM_DATA16 = 0x1e, FORM_LINE_STRP = 0x1f, FORM_STRX1 = 0x25, FORM_STRX4 = 0x28,
    FORM_ADDRX = 0x1b, FORM_ADDRX1 = 0x29, FORM_ADDRX4 = 0x2c,
};

/* One attribute value: its number (constants, offsets) or its string (when
 * the form is a string whose section we have). */
typedef struct form_val {
    uint64_t num;
    const char *str;
} form_val;

typedef struct unit_ctx {
    const uint8_t *data;
    const kt_module *m;
    unsigned offsize, addrsize, version;
} unit_ctx;

static bool rd_form(const unit_ctx *u, kt_cursor *c, uint64_t form, form_val *v, int depth)
{
    uint64_t n;
    v->num = 0;
    v->str = NULL;
    switch (form) {
    case FORM_ADDR:
        return rd_fixed(c, u->addrsize, &v->num);
    case FORM_DATA1: case FORM_REF1: case FORM_FLAG: case FORM_STRX1: case FORM_ADDRX1:
        return rd_fixed(c, 1, &v->num);
    case FORM_DATA2: case FORM_REF2:
        return rd_fixed(c, 2, &v->num);
    case FORM_STRX1 + 1: case FORM_ADDRX1 + 1:              /* strx2, addrx2 */
        return rd_fixed(c, 2, &v->num);
    case FORM_STRX1 + 2: case FORM_ADDRX1 + 2:              /* strx3, addrx3 */
        return rd_fixed(c, 3, &v->num);
    case FORM_DATA4: case FORM_REF4: case FORM_STRX4: case FORM_ADDRX4:
        return rd_fixed(c, 4, &v->num);
    case FORM_DATA8: case FORM_REF8: case FORM_REF_SIG8:
        return rd_fixed(c, 8, &v->num);
    case FORM_DATA16:
        return kt_cur_skip(c, 16) == KT_OK;
    case FORM_SDATA: {
        int64_t s;
        return rd_sleb(c, &s);
    }
    case FORM_UDATA: case FORM_REF_UDATA: case FORM_STRX: case FORM_ADDRX:
    case FORM_LOCLISTX: case FORM_RNGLISTX:
        return rd_uleb(c, &v->num);
    case FORM_STRING:
        return rd_cstr(c, &v->str);
    case FORM_STRP:
        if (!rd_fixed(c, u->offsize, &v->num))
            return false;
        v->str = str_at(u->data, u->m->debug_str, v->num);
        return true;
    case FORM_LINE_STRP:
        if (!rd_fixed(c, u->offsize, &v->num))
            return false;
        v->str = str_at(u->data, u->m->debug_line_str, v->num);
        return true;
    case FORM_SEC_OFFSET:
        return rd_fixed(c, u->offsize, &v->num);
    case FORM_REF_ADDR:
        return rd_fixed(c, u->version <= 2 ? u->addrsize : u->offsize, &v->num);
    case FORM_BLOCK1:
        return rd_fixed(c, 1, &n) && kt_cur_skip(c, n) == KT_OK;
    case FORM_BLOCK2:
        return rd_fixed(c, 2, &n) && kt_cur_skip(c, n) == KT_OK;
    case FORM_BLOCK4:
        return rd_fixed(c, 4, &n) && kt_cur_skip(c, n) == KT_OK;
    case FORM_BLOCK: case FORM_EXPRLOC:
        return rd_uleb(c, &n) && n <= kt_cur_left(c) && kt_cur_skip(c, n) == KT_OK;
    case FORM_FLAG_PRESENT: case FORM_IMPLICIT_CONST:
        return true;
    case FORM_INDIRECT:
        return depth < 4 && rd_uleb(c, &n) && rd_form(u, c, n, v, depth + 1);
    default:
        return false;
    }
}

/* ---- compilation directories (.debug_info) ------------------------------ */

typedef struct comp_dir {
    uint64_t stmt_list;
    const char *dir;
} comp_dir;

typedef struct comp_dirs {
    comp_dir *v;
    size_t n, cap;
} comp_dirs;

enum { AT_STMT_LIST = 0x10, AT_COMP_DIR = 0x1b, UT_COMPILE = 1, UT_PARTIAL = 3 };

/* The abbreviation `code` of the table at .debug_abbrev + off: a cursor on
 * its attribute specifications. */
static bool find_abbrev(const unit_ctx *u, uint64_t off, uint64_t code, kt_cursor *specs)
{
    kt_span sec = u->m->debug_abbrev;
    if (off >= sec.len)
        return false;
    kt_cursor c;
    kt_cur_init(&c, u->data, sec.offset + sec.len);
    c.pos = sec.offset + off;
    for (;;) {
        uint64_t have, tag, attr, form;
        uint8_t children;
        if (!rd_uleb(&c, &have) || have == 0 || !rd_uleb(&c, &tag) ||
            kt_cur_u8(&c, &children) != KT_OK)
            return false;
        if (have == code) {
            *specs = c;
            return true;
        }
        do {
            int64_t implicit;
            if (!rd_uleb(&c, &attr) || !rd_uleb(&c, &form))
                return false;
            if (form == FORM_IMPLICIT_CONST && !rd_sleb(&c, &implicit))
                return false;
        } while (attr != 0 || form != 0);
    }
}

/* The first DIE of a unit (its DW_TAG_compile_unit): stmt_list and comp_dir. */
static bool read_unit_die(const unit_ctx *u, kt_cursor *c, uint64_t abbrev_off, comp_dir *out)
{
    uint64_t code;
    kt_cursor specs;
    if (!rd_uleb(c, &code) || !find_abbrev(u, abbrev_off, code, &specs))
        return false;
    bool have_stmt = false;
    out->dir = NULL;
    for (;;) {
        uint64_t attr, form;
        int64_t implicit = 0;
        form_val v;
        if (!rd_uleb(&specs, &attr) || !rd_uleb(&specs, &form))
            return false;
        if (attr == 0 && form == 0)
            break;
        if (form == FORM_IMPLICIT_CONST && !rd_sleb(&specs, &implicit))
            return false;
        if (!rd_form(u, c, form, &v, 0))
            return false;
        if (form == FORM_IMPLICIT_CONST)
            v.num = (uint64_t)implicit;
        if (attr == AT_STMT_LIST) {
            out->stmt_list = v.num;
            have_stmt = true;
        } else if (attr == AT_COMP_DIR) {
            out->dir = v.str;
        }
    }
    return have_stmt;
}

static void read_comp_dirs(const uint8_t *data, const kt_module *m, comp_dirs *out)
{
    kt_cursor c;
    kt_cur_init(&c, data, m->debug_info.offset + m->debug_info.len);
    c.pos = m->debug_info.offset;
    while (m->debug_info.len > 0 && !kt_cur_done(&c)) {
        unit_ctx u = {data, m, 4, 4, 0};
        kt_cursor unit;
        uint64_t version, abbrev_off, addrsize, type = UT_COMPILE;
        if (!rd_unit(&c, &unit, &u.offsize) || !rd_fixed(&unit, 2, &version))
            return;
        u.version = (unsigned)version;
        bool ok;
        if (version >= 5)
            ok = rd_fixed(&unit, 1, &type) && rd_fixed(&unit, 1, &addrsize) &&
                 rd_fixed(&unit, u.offsize, &abbrev_off);
        else
            ok = version >= 2 && rd_fixed(&unit, u.offsize, &abbrev_off) &&
                 rd_fixed(&unit, 1, &addrsize);
        if (!ok || (addrsize != 4 && addrsize != 8))
            return;
        u.addrsize = (unsigned)addrsize;
        comp_dir cd;
        if ((type != UT_COMPILE && type != UT_PARTIAL) ||
            !read_unit_die(&u, &unit, abbrev_off, &cd) || cd.dir == NULL)
            continue;
        if (!grow(&out->v, &out->cap, out->n, sizeof *out->v, 16))
            return;
        out->v[out->n++] = cd;
    }
}

static const char *comp_dir_of(const comp_dirs *cds, uint64_t stmt_list)
{
    for (size_t i = 0; i < cds->n; i++)
        if (cds->v[i].stmt_list == stmt_list)
            return cds->v[i].dir;
    return NULL;
}

/* ---- building the table ------------------------------------------------- */

typedef struct builder {
    kt_lines *out;
    size_t cap_rows, cap_files;
    uint32_t code_len;      /* sequences must lie inside [1, code_len) */
    bool nomem;
} builder;

static bool is_abs(const char *p)
{
    return p != NULL && p[0] == '/';
}

/* Intern comp/dir/name, from the last absolute part on (each part may be
 * NULL). */
static uint32_t intern_path(builder *b, const char *comp, const char *dir, const char *name)
{
    const char *parts[3] = {comp, dir, name};
    int first = is_abs(name) ? 2 : is_abs(dir) ? 1 : 0;
    size_t len = 0;
    for (int i = first; i < 3; i++)
        if (parts[i] != NULL && parts[i][0] != '\0')
            len += strlen(parts[i]) + 1;
    char *path = malloc(len + 1);
    if (path == NULL) {
        b->nomem = true;
        return KT_LINE_NONE;
    }
    path[0] = '\0';
    for (int i = first; i < 3; i++) {
        if (parts[i] == NULL || parts[i][0] == '\0')
            continue;
        size_t have = strlen(path);
        if (have > 0 && path[have - 1] != '/')
            strcat(path, "/");
        strcat(path, parts[i]);
    }
    kt_lines *l = b->out;
    for (uint32_t i = 0; i < l->nfiles; i++) {
        if (strcmp(l->files[i], path) == 0) {
            free(path);
            return i;
        }
    }
    if (!grow(&l->files, &b->cap_files, l->nfiles, sizeof *l->files, 16)) {
        free(path);
        b->nomem = true;
        return KT_LINE_NONE;
    }
    l->files[l->nfiles] = path;
    return l->nfiles++;
}

static void add_row(builder *b, uint32_t addr, uint32_t file, uint32_t line)
{
    kt_lines *l = b->out;
    if (!grow(&l->rows, &b->cap_rows, l->nrows, sizeof *l->rows, 256)) {
        b->nomem = true;
        return;
    }
    l->rows[l->nrows] = (kt_line_row){addr, file, line, (uint32_t)l->nrows};
    l->nrows++;
}

/* ---- one line program ---------------------------------------------------- */

enum { LNCT_PATH = 1, LNCT_DIRECTORY_INDEX = 2, MAX_ENTRY_FORMATS = 16 };

typedef struct file_ent {
    const char *name;
    uint64_t dir;
} file_ent;

typedef struct program {
    unit_ctx u;
    const char *comp;       /* the unit's comp_dir, or NULL */
    const char **dirs;      /* v5: dirs[0] is the compilation directory */
    size_t ndirs;
    file_ent *files;
    size_t nfiles;
    uint32_t *ids;          /* interned path of each file entry, built lazily */
} program;

/* A DWARF 5 entry list (directories or files) with its format. */
static bool read_v5_entries(program *p, kt_cursor *c, bool files)
{
    uint8_t nformats;
    uint64_t fmt[MAX_ENTRY_FORMATS][2], count;
    if (kt_cur_u8(c, &nformats) != KT_OK || nformats > MAX_ENTRY_FORMATS)
        return false;
    for (unsigned i = 0; i < nformats; i++)
        if (!rd_uleb(c, &fmt[i][0]) || !rd_uleb(c, &fmt[i][1]))
            return false;
    if (!rd_uleb(c, &count) || count > kt_cur_left(c))
        return false;
    if (files) {
        p->files = calloc(count + 1, sizeof *p->files);
        if (p->files == NULL)
            return false;
    } else {
        p->dirs = calloc(count + 1, sizeof *p->dirs);
        if (p->dirs == NULL)
            return false;
    }
    for (uint64_t k = 0; k < count; k++) {
        file_ent e = {NULL, 0};
        for (unsigned i = 0; i < nformats; i++) {
            form_val v;
            if (!rd_form(&p->u, c, fmt[i][1], &v, 0))
                return false;
            if (fmt[i][0] == LNCT_PATH)
                e.name = v.str;
            else if (fmt[i][0] == LNCT_DIRECTORY_INDEX)
                e.dir = v.num;
        }
        if (files)
            p->files[p->nfiles++] = e;
        else
            p->dirs[p->ndirs++] = e.name;
    }
    return true;
}

/* DWARF 2-4: include_directories (1-based; 0 is the compilation directory)
 * and file_names (1-based), stored here 0-based with an empty slot 0. */
static bool read_v4_entries(program *p, kt_cursor *c)
{
    size_t cap = 0;
    if (!grow(&p->dirs, &cap, p->ndirs, sizeof *p->dirs, 16))
        return false;
    p->dirs[p->ndirs++] = NULL;         /* the compilation directory: p->comp */
    for (;;) {
        const char *s;
        if (!rd_cstr(c, &s))
            return false;
        if (s[0] == '\0')
            break;
        if (!grow(&p->dirs, &cap, p->ndirs, sizeof *p->dirs, 16))
            return false;
        p->dirs[p->ndirs++] = s;
    }
    cap = 0;
    if (!grow(&p->files, &cap, p->nfiles, sizeof *p->files, 16))
        return false;
    p->files[p->nfiles++] = (file_ent){NULL, 0};
    for (;;) {
        const char *s;
        uint64_t dir, ignored;
        if (!rd_cstr(c, &s))
            return false;
        if (s[0] == '\0')
            break;
        if (!rd_uleb(c, &dir) || !rd_uleb(c, &ignored) || !rd_uleb(c, &ignored))
            return false;
        if (!grow(&p->files, &cap, p->nfiles, sizeof *p->files, 16))
            return false;
        p->files[p->nfiles++] = (file_ent){s, dir};
    }
    return true;
}

/* The interned path of file entry f, KT_LINE_NONE when there is none. */
static uint32_t file_id(builder *b, program *p, uint64_t f)
{
    if (f >= p->nfiles || p->files[f].name == NULL)
        return KT_LINE_NONE;
    if (p->ids[f] == KT_LINE_NONE - 1) {
        uint64_t d = p->files[f].dir;
        const char *dir = d < p->ndirs ? p->dirs[d] : NULL;
        p->ids[f] = intern_path(b, p->comp, dir, p->files[f].name);
    }
    return p->ids[f];
}

typedef struct seq_row {
    uint64_t addr;
    uint64_t file;
    uint64_t line;
} seq_row;

typedef struct sequence {
    seq_row *rows;
    size_t n, cap;
} sequence;

/* Keep a finished sequence when it lies in the code section (a dropped
 * function's sequence starts at 0 or at a tombstone like 0xffffffff). */
static void flush_sequence(builder *b, program *p, sequence *s, uint64_t end)
{
    if (s->n > 0 && s->rows[0].addr >= 1 && end <= b->code_len && s->rows[0].addr <= end) {
        for (size_t i = 0; i < s->n; i++) {
            uint32_t id = file_id(b, p, s->rows[i].file);
            uint64_t line = s->rows[i].line;
            add_row(b, (uint32_t)s->rows[i].addr, id, line > UINT32_MAX ? 0 : (uint32_t)line);
        }
        add_row(b, (uint32_t)end, KT_LINE_NONE, 0);
    }
    s->n = 0;
}

static void seq_add(builder *b, sequence *s, uint64_t addr, uint64_t file, uint64_t line)
{
    if (!grow(&s->rows, &s->cap, s->n, sizeof *s->rows, 64)) {
        b->nomem = true;
        return;
    }
    s->rows[s->n++] = (seq_row){addr, file, line};
}

enum {
    LNS_COPY = 1, LNS_ADVANCE_PC, LNS_ADVANCE_LINE, LNS_SET_FILE, LNS_SET_COLUMN,
    LNS_NEGATE_STMT, LNS_SET_BASIC_BLOCK, LNS_CONST_ADD_PC, LNS_FIXED_ADVANCE_PC,
    LNE_END_SEQUENCE = 1, LNE_SET_ADDRESS = 2,
};

typedef struct header {
    uint8_t min_inst, line_range, opcode_base;
    int8_t line_base;
    uint8_t std_lengths[256];
} header;

/* The opcodes of one program, rows into sequences. */
static bool run_program(builder *b, program *p, const header *h, kt_cursor *c)
{
    sequence s = {NULL, 0, 0};
    uint64_t addr = 0, file = 1, line = 1;
    bool ok = true;
    while (ok && !b->nomem && !kt_cur_done(c)) {
        uint8_t op;
        uint64_t n;
        int64_t delta;
        ok = kt_cur_u8(c, &op) == KT_OK;
        if (!ok)
            break;
        if (op >= h->opcode_base) {
            unsigned adj = op - h->opcode_base;
            addr += (uint64_t)(adj / h->line_range) * h->min_inst;
            line += (uint64_t)(int64_t)(h->line_base + (int)(adj % h->line_range));
            seq_add(b, &s, addr, file, line);
            continue;
        }
        switch (op) {
        case 0: {
            uint8_t sub;
            kt_cursor ext;
            ok = rd_uleb(c, &n) && n >= 1 && n <= kt_cur_left(c) &&
                 kt_cur_sub(c, (size_t)n, &ext) == KT_OK && kt_cur_u8(&ext, &sub) == KT_OK;
            if (!ok)
                break;
            if (sub == LNE_END_SEQUENCE) {
                flush_sequence(b, p, &s, addr);
                addr = 0;
                file = 1;
                line = 1;
            } else if (sub == LNE_SET_ADDRESS) {
                size_t w = kt_cur_left(&ext);
                ok = w >= 1 && w <= 8 && rd_fixed(&ext, (unsigned)w, &addr);
            }
            break;
        }
        case LNS_COPY:
            seq_add(b, &s, addr, file, line);
            break;
        case LNS_ADVANCE_PC:
            ok = rd_uleb(c, &n);
            addr += n * h->min_inst;
            break;
        case LNS_ADVANCE_LINE:
            ok = rd_sleb(c, &delta);
            line += (uint64_t)delta;
            break;
        case LNS_SET_FILE:
            ok = rd_uleb(c, &file);
            break;
        case LNS_CONST_ADD_PC:
            addr += (uint64_t)((255 - h->opcode_base) / h->line_range) * h->min_inst;
            break;
        case LNS_FIXED_ADVANCE_PC:
            ok = rd_fixed(c, 2, &n);
            addr += n;
            break;
        default:            /* set_column, negate_stmt, ... and unknown ones: skip */
            for (unsigned i = 0; ok && i < h->std_lengths[op]; i++)
                ok = rd_uleb(c, &n);
            break;
        }
    }
    free(s.rows);
    return ok;
}

static bool read_header(program *p, kt_cursor *unit, header *h, kt_cursor *prog)
{
    uint64_t version, hlen, v;
    if (!rd_fixed(unit, 2, &version) || version < 2 || version > 5)
        return false;
    p->u.version = (unsigned)version;
    if (version >= 5) {
        uint64_t addrsize, segsize;
        if (!rd_fixed(unit, 1, &addrsize) || !rd_fixed(unit, 1, &segsize))
            return false;
        p->u.addrsize = addrsize == 8 ? 8 : 4;
    }
    kt_cursor hdr;
    if (!rd_fixed(unit, p->u.offsize, &hlen) || hlen > kt_cur_left(unit) ||
        kt_cur_sub(unit, (size_t)hlen, &hdr) != KT_OK)
        return false;
    *prog = *unit;
    memset(h, 0, sizeof *h);
    if (!rd_fixed(&hdr, 1, &v))
        return false;
    h->min_inst = (uint8_t)v;
    if (version >= 4 && !rd_fixed(&hdr, 1, &v))       /* maximum_operations_per_instruction */
        return false;
    if (!rd_fixed(&hdr, 1, &v) || !rd_fixed(&hdr, 1, &v))  /* default_is_stmt, line_base */
        return false;
    h->line_base = (int8_t)(uint8_t)v;
    if (!rd_fixed(&hdr, 1, &v) || v == 0)
        return false;
    h->line_range = (uint8_t)v;
    if (!rd_fixed(&hdr, 1, &v) || v == 0)
        return false;
    h->opcode_base = (uint8_t)v;
    for (unsigned i = 1; i < h->opcode_base; i++) {
        if (!rd_fixed(&hdr, 1, &v))
            return false;
        h->std_lengths[i] = (uint8_t)v;
    }
    if (version >= 5)
        return read_v5_entries(p, &hdr, false) && read_v5_entries(p, &hdr, true);
    return read_v4_entries(p, &hdr);
}

static void read_programs(builder *b, const uint8_t *data, const kt_module *m,
                          const comp_dirs *cds)
{
    kt_span sec = m->debug_line;
    kt_cursor c;
    kt_cur_init(&c, data, sec.offset + sec.len);
    c.pos = sec.offset;
    while (sec.len > 0 && !kt_cur_done(&c) && !b->nomem) {
        program p;
        memset(&p, 0, sizeof p);
        p.u = (unit_ctx){data, m, 4, 4, 0};
        uint64_t at = c.pos - sec.offset;
        kt_cursor unit, prog;
        header h;
        if (!rd_unit(&c, &unit, &p.u.offsize))
            return;
        p.comp = comp_dir_of(cds, at);
        bool ok = read_header(&p, &unit, &h, &prog);
        /* DWARF 5's directory 0 is the compilation directory */
        if (ok && p.comp == NULL && p.u.version >= 5 && p.ndirs > 0)
            p.comp = p.dirs[0];
        if (ok) {
            p.ids = malloc((p.nfiles + 1) * sizeof *p.ids);
            ok = p.ids != NULL;
            for (size_t i = 0; ok && i < p.nfiles; i++)
                p.ids[i] = KT_LINE_NONE - 1;            /* not interned yet */
        }
        if (ok)
            run_program(b, &p, &h, &prog);
        free(p.dirs);
        free(p.files);
        free(p.ids);
    }
}

/* ---- the table ------------------------------------------------------------ */

/* By address; at one address a sequence's end comes before the next one's
 * first row, and rows keep their order otherwise. */
static int by_addr(const void *x, const void *y)
{
    const kt_line_row *a = x, *c = y;
    if (a->addr != c->addr)
        return a->addr < c->addr ? -1 : 1;
    bool ea = a->file == KT_LINE_NONE, ec = c->file == KT_LINE_NONE;
    if (ea != ec)
        return ea ? -1 : 1;
    return a->order < c->order ? -1 : a->order > c->order;
}

int kt_lines_read(const uint8_t *data, const kt_module *m, kt_lines *out)
{
    memset(out, 0, sizeof *out);
    if (m->debug_line.len == 0)
        return 0;
    comp_dirs cds = {NULL, 0, 0};
    read_comp_dirs(data, m, &cds);
    builder b = {out, 0, 0, (uint32_t)m->sections[KT_SEC_CODE].len, false};
    read_programs(&b, data, m, &cds);
    free(cds.v);
    if (b.nomem) {
        kt_lines_fini(out);
        return -1;
    }
    for (size_t i = 0; i + 1 < out->nrows; i++) {
        if (out->rows[i].addr > out->rows[i + 1].addr) {
            qsort(out->rows, out->nrows, sizeof *out->rows, by_addr);
            break;
        }
    }
    return 0;
}

void kt_lines_fini(kt_lines *l)
{
    for (uint32_t i = 0; i < l->nfiles; i++)
        free(l->files[i]);
    free(l->files);
    free(l->rows);
    memset(l, 0, sizeof *l);
}

const kt_line_row *kt_lines_at(const kt_lines *l, uint32_t addr, size_t *hint)
{
    size_t i = *hint < l->nrows ? *hint : 0;
    if (i < l->nrows && l->rows[i].addr > addr)
        i = 0;
    while (i + 1 < l->nrows && l->rows[i + 1].addr <= addr)
        i++;
    *hint = i;
    if (i >= l->nrows || l->rows[i].addr > addr || l->rows[i].file == KT_LINE_NONE)
        return NULL;
    return &l->rows[i];
}
