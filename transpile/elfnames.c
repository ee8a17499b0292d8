/*
 * transpile/elfnames.c - placeholders to readable names in the executable;
 * see elfnames.h.
 *
 * The file is mapped shared and patched where it lies. Sections looked at:
 * .strtab (the symbol table's names), .debug_str and .debug_info (a DIE's
 * name may be inline). A placeholder is found as the bytes "w2c_kvg<i>_Z.."
 * ending at a NUL or at a '.' (gcc's clones: `.constprop.0`, `.cold`),
 * and must be exactly placeholder i (kt_symnames_match); an export wrapper
 * as "Z_kvgZ_..", exactly one of the guest's. Any other string is left
 * alone.
 */
#include "elfnames.h"

#include <elf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit.h"

typedef struct elf_file {
    uint8_t *p;
    size_t len;
    const Elf64_Shdr *sh;
    uint16_t nsh;
    const char *shstr;      /* section names */
    size_t shstr_len;
} elf_file;

static bool open_elf(elf_file *e, char *why, size_t cap)
{
    const Elf64_Ehdr *h = (const Elf64_Ehdr *)e->p;
    if (e->len < sizeof *h || memcmp(h->e_ident, ELFMAG, SELFMAG) != 0 ||
        h->e_ident[EI_CLASS] != ELFCLASS64 || h->e_ident[EI_DATA] != ELFDATA2LSB) {
        snprintf(why, cap, "not a 64-bit little-endian ELF file");
        return false;
    }
    if (h->e_shentsize != sizeof(Elf64_Shdr) || h->e_shoff > e->len ||
        (e->len - h->e_shoff) / sizeof(Elf64_Shdr) < h->e_shnum || h->e_shstrndx >= h->e_shnum) {
        snprintf(why, cap, "its section headers are not where its header says");
        return false;
    }
    e->sh = (const Elf64_Shdr *)(e->p + h->e_shoff);
    e->nsh = h->e_shnum;
    const Elf64_Shdr *ss = &e->sh[h->e_shstrndx];
    if (ss->sh_offset > e->len || ss->sh_size > e->len - ss->sh_offset) {
        snprintf(why, cap, "its section name table is out of the file");
        return false;
    }
    e->shstr = (const char *)e->p + ss->sh_offset;
    e->shstr_len = ss->sh_size;
    return true;
}

/* Section `name`'s bytes, or NULL (absent, NOBITS or out of the file). */
static uint8_t *section(const elf_file *e, const char *name, size_t *len)
{
    for (uint16_t i = 0; i < e->nsh; i++) {
        const Elf64_Shdr *s = &e->sh[i];
        if (s->sh_name >= e->shstr_len || s->sh_type == SHT_NOBITS)
            continue;
        const char *n = e->shstr + s->sh_name;
        if (memchr(n, 0, e->shstr_len - s->sh_name) == NULL || strcmp(n, name) != 0)
            continue;
        if (s->sh_offset > e->len || s->sh_size > e->len - s->sh_offset)
            return NULL;
        *len = s->sh_size;
        return e->p + s->sh_offset;
    }
    return NULL;
}

/* ---- which readable names clash ------------------------------------------- */

/* The names of the symbols that are not the guest's, sorted for bsearch. */
typedef struct name_set {
    const char **v;
    size_t n;
} name_set;

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool outside_names(const elf_file *e, const kt_symnames *s, name_set *out)
{
    size_t symlen = 0, strlen_ = 0;
    const uint8_t *syms = section(e, ".symtab", &symlen);
    const char *strs = (const char *)section(e, ".strtab", &strlen_);
    out->v = NULL;
    out->n = 0;
    if (syms == NULL || strs == NULL)
        return true;
    size_t nsyms = symlen / sizeof(Elf64_Sym);
    out->v = malloc((nsyms + 1) * sizeof *out->v);
    if (out->v == NULL)
        return false;
    for (size_t i = 0; i < nsyms; i++) {
        Elf64_Sym sym;
        memcpy(&sym, syms + i * sizeof sym, sizeof sym);
        if (sym.st_name == 0 || sym.st_name >= strlen_)
            continue;
        const char *n = strs + sym.st_name;
        size_t len = strnlen(n, strlen_ - sym.st_name);
        if (len == strlen_ - sym.st_name)
            continue;                       /* not terminated */
        const char *dot = memchr(n, '.', len);
        size_t base = dot ? (size_t)(dot - n) : len;
        if (kt_symnames_match(s, n, base) >= 0 || kt_symnames_match_wrapper(s, n, base) >= 0)
            continue;
        out->v[out->n++] = n;
    }
    qsort(out->v, out->n, sizeof *out->v, by_str);
    return true;
}

/* ---- overwriting ---------------------------------------------------------- */

typedef struct renamer {
    const kt_symnames *s;
    char **final;           /* [i]: the name function i ends up with */
    kt_rename_stats *st;
} renamer;

/* The new name of the string at p whose part before any '.' is base bytes
 * long: a guest function's or an export wrapper's; NULL for other strings. */
static const char *new_name(const renamer *r, const char *p, size_t base)
{
    int64_t i = kt_symnames_match(r->s, p, base);
    if (i >= 0)
        return r->final[i];
    int64_t k = kt_symnames_match_wrapper(r->s, p, base);
    return k >= 0 ? r->s->wrapper_readable[k] : NULL;
}

/* Every string starting with key in sec[0..len) that is a placeholder or a
 * wrapper's name overwritten with its new name, a clone suffix kept. */
static void patch(renamer *r, uint8_t *sec, size_t len, const char *key)
{
    size_t klen = strlen(key);
    uint8_t *p = sec, *end = sec + len;
    while ((p = memmem(p, (size_t)(end - p), key, klen)) != NULL) {
        uint8_t *nul = memchr(p, 0, (size_t)(end - p));
        if (nul == NULL)
            return;
        uint8_t *dot = memchr(p, '.', (size_t)(nul - p));
        size_t base = (size_t)((dot ? dot : nul) - p);
        size_t total = (size_t)(nul - p);           /* base and clone suffix */
        const char *name = new_name(r, (const char *)p, base);
        size_t nlen = name ? strlen(name) : 0, slen = total - base;
        if (name == NULL || nlen + slen > total) {  /* the latter cannot be (symnames.h) */
            p += klen;
            continue;
        }
        memmove(p + nlen, p + base, slen);
        memcpy(p, name, nlen);
        memset(p + nlen + slen, 0, total - nlen - slen);
        r->st->renamed++;
        p = nul;
    }
}

static int rename_mapped(elf_file *e, const kt_symnames *s, kt_rename_stats *st, char *why,
                         size_t cap)
{
    name_set outside;
    renamer r = {s, calloc(s->n + 1, sizeof(char *)), st};
    if (r.final == NULL || !outside_names(e, s, &outside)) {
        free(r.final);
        snprintf(why, cap, "out of memory");
        return -1;
    }
    int rc = 0;
    for (uint32_t i = 0; i < s->n && rc == 0; i++) {
        const char *name = s->readable[i];
        bool clash = outside.n > 0 && bsearch(&name, outside.v, outside.n, sizeof *outside.v,
                                              by_str) != NULL;
        size_t len = strlen(name) + (clash ? strlen(KT_CLASH_SUFFIX) : 0);
        r.final[i] = malloc(len + 1);
        if (r.final[i] == NULL) {
            snprintf(why, cap, "out of memory");
            rc = -1;
            break;
        }
        snprintf(r.final[i], len + 1, "%s%s", name, clash ? KT_CLASH_SUFFIX : "");
        st->clashes += clash;
    }
    static const char *const secs[] = {".strtab", ".debug_str", ".debug_info"};
    for (size_t k = 0; rc == 0 && k < sizeof secs / sizeof secs[0]; k++) {
        size_t len = 0;
        uint8_t *p = section(e, secs[k], &len);
        if (p != NULL) {
            patch(&r, p, len, KT_PLACEHOLDER_C);
            patch(&r, p, len, "Z_" KT_GUEST_MODNAME "Z_");
        }
    }
    for (uint32_t i = 0; i < s->n; i++)
        free(r.final[i]);
    free(r.final);
    free(outside.v);
    return rc;
}

int kt_elf_rename(const char *path, const kt_symnames *s, kt_rename_stats *st, char *why,
                  size_t cap)
{
    memset(st, 0, sizeof *st);
    int fd = open(path, O_RDWR);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        snprintf(why, cap, "cannot open it: %m");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    elf_file e;
    memset(&e, 0, sizeof e);
    e.len = (size_t)sb.st_size;
    e.p = e.len ? mmap(NULL, e.len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    close(fd);
    if (e.p == MAP_FAILED) {
        snprintf(why, cap, "cannot map it: %m");
        return -1;
    }
    int rc = open_elf(&e, why, cap) ? rename_mapped(&e, s, st, why, cap) : -1;
    if (munmap(e.p, e.len) != 0 && rc == 0) {
        snprintf(why, cap, "cannot write it: %m");
        rc = -1;
    }
    return rc;
}
