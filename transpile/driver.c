/*
 * transpile/driver.c - `kvaot build`; see driver.h.
 *
 * The runtime (libkvrt.a and headers) is found relative to kvaot's own
 * executable, <dir>/../lib/kvaot, which holds both in the build tree
 * (build/bin/kvaot) and after `make install PREFIX=...`; KVAOT_LIBDIR
 * overrides it.
 *
 * --musl links <libdir>/musl/libkvrt.a and <libdir>/musl/libjansson.a (both
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

#include "component.h"
#include "emit.h"
#include "module.h"
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
    static const char *const libs[] = {"libkvrt.a", "libjansson.a"};
    char probe[PATH_MAX + 32];
    for (int i = 0; i < 2; i++) {
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

static int run_tool(const kt_argv *a, bool verbose, const char *what)
{
    kt_sb err;
    kt_sb_init(&err);
    int rc = kt_run(a, verbose, &err);
    if (rc != 0) {
        fprintf(stderr, "kvaot: %s failed (%s %d):\n%s", what,
                rc < 0 ? "could not start," : "exit status", rc, kt_sb_str(&err));
    } else if (verbose && err.len) {
        fputs(kt_sb_str(&err), stderr);
    }
    kt_sb_fini(&err);
    return rc;
}

/* wasm2c, then compile guest and glue, then link. */
static int compile(const kt_build_opts *o, const char *work, const char *libdir,
                   const char *output)
{
    char path[PATH_MAX + 64], cpath[PATH_MAX + 64], opt[8];
    const char *cc = o->cc ? o->cc : o->musl ? "musl-gcc" : "cc";
    snprintf(opt, sizeof opt, "-O%d", o->opt_level);
    kt_argv a;

    kt_argv_init(&a);
    kt_argv_add(&a, "wasm2c");
    snprintf(path, sizeof path, "%s/guest.wasm", work);
    kt_argv_add(&a, path);
    kt_argv_add(&a, "-n");
    kt_argv_add(&a, KT_GUEST_MODNAME);
    kt_argv_add(&a, "-o");
    snprintf(cpath, sizeof cpath, "%s/guest.c", work);
    kt_argv_add(&a, cpath);
    int rc = run_tool(&a, o->verbose, "wasm2c");
    kt_argv_fini(&a);
    if (rc != 0)
        return KT_EXIT_TOOLCHAIN;

    static const char *const units[] = {"guest", "glue"};
    for (int i = 0; i < 2; i++) {
        kt_argv_init(&a);
        kt_argv_add_words(&a, cc);
        kt_argv_add(&a, opt);
        if (o->profile) {
            kt_argv_add(&a, "-g");
            kt_argv_add(&a, "-fno-omit-frame-pointer");
        }
        /* wasm2c output is not our code: no warnings there; the glue is. */
        kt_argv_add_words(&a, i == 0 ? "-w" : "-Wall -Wextra -Werror -Wno-unused-parameter");
        snprintf(path, sizeof path, "-I%s/include", libdir);
        kt_argv_add(&a, path);
        snprintf(path, sizeof path, "-I%s", work);
        kt_argv_add(&a, path);
        kt_argv_add(&a, "-c");
        snprintf(path, sizeof path, "%s/%s.c", work, units[i]);
        kt_argv_add(&a, path);
        kt_argv_add(&a, "-o");
        snprintf(path, sizeof path, "%s/%s.o", work, units[i]);
        kt_argv_add(&a, path);
        rc = run_tool(&a, o->verbose, "the C compiler");
        kt_argv_fini(&a);
        if (rc != 0)
            return KT_EXIT_TOOLCHAIN;
    }

    kt_argv_init(&a);
    kt_argv_add_words(&a, cc);
    if (o->profile)
        kt_argv_add(&a, "-g");
    else
        kt_argv_add(&a, "-s");
    if (o->musl || !o->no_static)
        kt_argv_add(&a, "-static");
    snprintf(path, sizeof path, "%s/guest.o", work);
    kt_argv_add(&a, path);
    snprintf(path, sizeof path, "%s/glue.o", work);
    kt_argv_add(&a, path);
    snprintf(path, sizeof path, "%s%s/libkvrt.a", libdir, o->musl ? "/musl" : "");
    kt_argv_add(&a, path);
    if (o->musl) {
        /* full path: musl-gcc does not search the glibc library directories */
        snprintf(path, sizeof path, "%s/musl/libjansson.a", libdir);
        kt_argv_add(&a, path);
    } else {
        kt_argv_add(&a, "-ljansson");
    }
    kt_argv_add(&a, "-lm");
    kt_argv_add(&a, "-o");
    kt_argv_add(&a, output);
    rc = run_tool(&a, o->verbose, "the linker");
    kt_argv_fini(&a);
    return rc == 0 ? KT_EXIT_OK : KT_EXIT_TOOLCHAIN;
}

/* Print every problem of a non-conforming module. */
static void report_problems(const char *input, const kt_binding *b)
{
    fprintf(stderr, "kvaot: %s does not implement the keyvalue-handle-watch world "
                    "(%u problem%s):\n", input, b->nproblems, b->nproblems == 1 ? "" : "s");
    for (uint32_t i = 0; i < b->nproblems; i++)
        fprintf(stderr, "  %s\n", b->problems[i].text);
}

int kt_build(const kt_build_opts *o)
{
    int status = KT_EXIT_REJECTED;
    uint8_t *data = NULL;
    size_t len = 0;
    kt_module m;
    kt_binding b;
    kt_diag diag;
    char libdir[PATH_MAX], work[PATH_MAX], path[PATH_MAX + 64], output[PATH_MAX];
    bool have_module = false, have_binding = false, temp_work = false;
    memset(&m, 0, sizeof m);
    memset(&b, 0, sizeof b);
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
    if (kt_pick_core_module(data, len, &core, &core_len, &diag) != KT_OK) {
        report_diag(o->input, &diag);
        goto done;
    }
    if (kt_read_module(core, core_len, &m, &diag) != KT_OK) {
        report_diag(o->input, &diag);
        goto done;
    }
    have_module = true;
    have_binding = true;
    if (!kt_validate(&m, &b)) {
        report_problems(o->input, &b);
        goto done;
    }

    status = KT_EXIT_TOOLCHAIN;
    if (o->emit_dir != NULL) {
        snprintf(work, sizeof work, "%s", o->emit_dir);
        if (mkdir(work, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "kvaot: %s: cannot create: %s\n", work, strerror(errno));
            goto done;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(work, sizeof work, "%s/kvaot.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(work) == NULL) {
            fprintf(stderr, "kvaot: cannot make a work directory: %s\n", strerror(errno));
            goto done;
        }
        temp_work = true;
    }
    snprintf(path, sizeof path, "%s/guest.wasm", work);
    if (write_file(path, core, core_len) != 0) {
        fprintf(stderr, "kvaot: %s: cannot write: %s\n", path, strerror(errno));
        goto done;
    }
    kt_sb glue;
    kt_sb_init(&glue);
    kt_err e = kt_emit_glue(&m, &b, &glue);
    snprintf(path, sizeof path, "%s/glue.c", work);
    if (e != KT_OK || write_file(path, glue.data, glue.len) != 0) {
        fprintf(stderr, "kvaot: %s: cannot write the glue\n", path);
        kt_sb_fini(&glue);
        goto done;
    }
    kt_sb_fini(&glue);
    if (o->output != NULL)
        snprintf(output, sizeof output, "%s", o->output);
    else
        default_output(o->input, output, sizeof output);
    status = compile(o, work, libdir, output);
done:
    if (temp_work)
        nftw(work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (have_binding)
        kt_binding_fini(&b);
    if (have_module)
        kt_module_fini(&m);
    free(data);
    return status;
}
