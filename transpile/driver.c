/*
 * transpile/driver.c - `kvaot build`; see driver.h.
 *
 * The runtime (libkvrt.a and headers) is found relative to kvaot's own
 * executable, <dir>/../lib/kvaot, which holds both in the build tree
 * (build/bin/kvaot) and after `make install PREFIX=...`; KVAOT_LIBDIR
 * overrides it.
 *
 * --musl links <libdir>/musl/libkvrt.a, libhiredis.a and libjansson.a (all
 * made by `make musl`) with musl-gcc instead, always statically; the headers
 * in <libdir>/include serve both (they include only standard headers).
 */
#include "driver.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "compile.h"
#include "component.h"
#include "emit.h"
#include "module.h"
#include "rewrite.h"
#include "toolchain.h"
#include "validate.h"

int kt_read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    uint8_t *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *p = realloc(data, ncap);
            if (p == NULL) {
                free(data);
                fclose(f);
                errno = ENOMEM;
                return -1;
            }
            data = p;
            cap = ncap;
        }
        size_t r = fread(data + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(data);
        errno = EIO;
        return -1;
    }
    *out = data;
    *len = n;
    return 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    int rc = fclose(f);
    return (w == len && rc == 0) ? 0 : -1;
}

/* <dir of this executable>/../lib/kvaot, or $KVAOT_LIBDIR. */
static int find_libdir(char *out, size_t cap)
{
    const char *env = getenv("KVAOT_LIBDIR");
    if (env != NULL && *env) {
        snprintf(out, cap, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    snprintf(out, cap, "%s/../lib/kvaot", exe);
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/libkvrt.a", out);
    return access(probe, R_OK) == 0 ? 0 : -1;
}

/* Is cmd (a command name, or a path when it holds a '/') runnable? */
static bool on_path(const char *cmd)
{
    if (strchr(cmd, '/') != NULL)
        return access(cmd, X_OK) == 0;
    const char *p = getenv("PATH");
    if (p == NULL || *p == '\0')
        p = "/usr/local/bin:/usr/bin:/bin";
    char probe[PATH_MAX];
    while (*p) {
        size_t n = strcspn(p, ":");
        int w = n ? snprintf(probe, sizeof probe, "%.*s/%s", (int)n, p, cmd)
                  : snprintf(probe, sizeof probe, "%s", cmd);
        if (w > 0 && (size_t)w < sizeof probe && access(probe, X_OK) == 0)
            return true;
        p += n;
        if (*p == ':')
            p++;
    }
    return false;
}

/* --musl: the musl runtime must have been built, and musl-gcc (unless --cc)
 * be installed. Prints why not and returns false. */
static bool musl_ready(const kt_build_opts *o, const char *libdir)
{
    static const char *const libs[] = {"libkvrt.a", "libhiredis.a", "libjansson.a"};
    char probe[PATH_MAX + 32];
    for (int i = 0; i < 3; i++) {
        snprintf(probe, sizeof probe, "%s/musl/%s", libdir, libs[i]);
        if (access(probe, R_OK) != 0) {
            fprintf(stderr, "kvaot: --musl: the musl runtime is not built (no %s); "
                            "run 'make musl' (needs musl-gcc)\n", probe);
            return false;
        }
    }
    if (o->cc == NULL && !on_path("musl-gcc")) {
        fprintf(stderr, "kvaot: --musl: musl-gcc not found on PATH "
                        "(Debian: apt install musl-tools), or name a musl compiler with --cc\n");
        return false;
    }
    return true;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void report_diag(const char *input, const kt_diag *d)
{
    fprintf(stderr, "kvaot: %s: byte %zu%s%s: %s%s%s\n", input, d->offset,
            d->section ? " in " : "", d->section ? d->section : "",
            kt_strerror(d->err), d->detail[0] ? ": " : "", d->detail);
}

/* Default output: the input's base name without ".wasm". */
static void default_output(const char *input, char *out, size_t cap)
{
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    snprintf(out, cap, "%s", base);
    size_t n = strlen(out);
    if (n > 5 && strcmp(out + n - 5, ".wasm") == 0)
        out[n - 5] = '\0';
    else
        snprintf(out + n, cap - n, ".out");
}

/* Print every problem of a non-conforming module. */
static void report_problems(const char *input, const kt_binding *b)
{
    fprintf(stderr, "kvaot: %s cannot be built as a keyvalue-handle-watch guest "
                    "(%u problem%s):\n", input, b->nproblems, b->nproblems == 1 ? "" : "s");
    for (uint32_t i = 0; i < b->nproblems; i++)
        fprintf(stderr, "  %s\n", b->problems[i].text);
}

/* The --stub-imports warnings: every import built as a trapping stub. */
static void report_stubs(const char *input, const kt_guest_check *g)
{
    for (uint32_t i = 0; i < g->m.nimports; i++) {
        const kt_import *im = &g->m.imports[i];
        if (g->b.imports[i].kind != KT_BIND_STUB)
            continue;
        kt_sb l;
        kt_sb_init(&l);
        kt_sb_addf(&l, "kvaot: warning: %s: import ", input);
        kt_sb_add_quoted(&l, im->module, 100);
        kt_sb_add(&l, " ");
        kt_sb_add_quoted(&l, im->field, 100);
        kt_sb_addf(&l, " (%s) is a stub that traps when called\n",
                   kt_origin_phrase(g->b.imports[i].origin));
        fputs(kt_sb_str(&l), stderr);
        kt_sb_fini(&l);
    }
}

/* The work directory: --emit-c DIR, or a fresh temporary one (*temp). */
static int make_work_dir(const kt_build_opts *o, char *work, size_t cap, bool *temp)
{
    if (o->emit_dir != NULL) {
        snprintf(work, cap, "%s", o->emit_dir);
        if (mkdir(work, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "kvaot: %s: cannot create: %s\n", work, strerror(errno));
            return -1;
        }
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(work, cap, "%s/kvaot.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(work) == NULL) {
        fprintf(stderr, "kvaot: cannot make a work directory: %s\n", strerror(errno));
        return -1;
    }
    *temp = true;
    return 0;
}

/* guest.wasm (the module wasm2c reads: the rewritten one when there is
 * one) and glue.c into work. */
static int write_inputs(const kt_guest_check *g, const uint8_t *core, size_t core_len,
                        kt_profile *prof, const char *work, kt_diag *diag)
{
    char path[PATH_MAX + 64];
    kt_rewritten rw;
    if (kt_rewrite_module(core, core_len, &g->m, &g->features, prof, &rw, diag) != KT_OK)
        return -1;
    snprintf(path, sizeof path, "%s/guest.wasm", work);
    int rc = write_file(path, rw.data ? rw.data : core, rw.data ? rw.len : core_len);
    if (rc != 0)
        fprintf(stderr, "kvaot: %s: cannot write: %s\n", path, strerror(errno));
    kt_sb glue;
    kt_sb_init(&glue);
    kt_err e = KT_OK;
    if (rc == 0)
        e = kt_emit_glue(&g->m, &g->b, rw.start_export[0] ? rw.start_export : NULL, &glue);
    snprintf(path, sizeof path, "%s/glue.c", work);
    if (rc == 0 && (e != KT_OK || write_file(path, glue.data, glue.len) != 0)) {
        fprintf(stderr, "kvaot: %s: cannot write the glue\n", path);
        rc = -1;
    }
    kt_sb_fini(&glue);
    kt_rewritten_fini(&rw);
    return rc;
}

int kt_build(const kt_build_opts *o)
{
    int status = KT_EXIT_REJECTED;
    uint8_t *data = NULL;
    size_t len = 0;
    kt_guest_check g;
    kt_profile prof, *profp = NULL;
    kt_diag diag;
    char libdir[PATH_MAX], work[PATH_MAX], output[PATH_MAX];
    bool have_guest = false, temp_work = false;
    memset(&diag, 0, sizeof diag);

    if (find_libdir(libdir, sizeof libdir) != 0) {
        fprintf(stderr, "kvaot: cannot find the runtime (libkvrt.a) next to kvaot "
                        "(looked in <kvaot dir>/../lib/kvaot; set KVAOT_LIBDIR)\n");
        return KT_EXIT_TOOLCHAIN;
    }
    if (o->musl && !musl_ready(o, libdir))
        return KT_EXIT_TOOLCHAIN;
    if (kt_read_file(o->input, &data, &len) != 0) {
        fprintf(stderr, "kvaot: %s: cannot read: %s\n", o->input, strerror(errno));
        return KT_EXIT_USAGE;
    }
    const uint8_t *core = NULL;
    size_t core_len = 0;
    if (kt_pick_core_module(data, len, &core, &core_len, &diag) != KT_OK ||
        kt_check_guest(core, core_len, (size_t)(core - data), &o->check, &g, &diag) != KT_OK) {
        report_diag(o->input, &diag);
        goto done;
    }
    have_guest = true;
    if (g.b.nproblems > 0 || g.b.problems_full) {
        report_problems(o->input, &g.b);
        goto done;
    }
    report_stubs(o->input, &g);

    status = KT_EXIT_TOOLCHAIN;
    if (make_work_dir(o, work, sizeof work, &temp_work) != 0)
        goto done;
    if (o->profile) {
        if (kt_profile_make(core, &g.m, &prof) != 0) {
            fprintf(stderr, "kvaot: out of memory reading the guest's names and lines\n");
            goto done;
        }
        profp = &prof;
    }
    if (write_inputs(&g, core, core_len, profp, work, &diag) != 0) {
        if (diag.err != KT_OK)
            report_diag(o->input, &diag);
        goto done;
    }
    if (o->output != NULL)
        snprintf(output, sizeof output, "%s", o->output);
    else
        default_output(o->input, output, sizeof output);
    status = kt_compile_and_link(o, &g.features, profp, work, libdir, output);
done:
    if (profp != NULL)
        kt_profile_fini(profp);
    if (temp_work)
        nftw(work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (have_guest)
        kt_guest_check_fini(&g);
    free(data);
    return status;
}
