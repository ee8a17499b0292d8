/*
 * transpile/compile.c - wasm2c, split, compile (parallel, cached), link;
 * see compile.h.
 */
#include "compile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfnames.h"
#include "emit.h"
#include "objcache.h"
#include "toolchain.h"
#include "w2csplit.h"

#define SECOND_NS 1000000000ull

/* A function unit ends past about this much C (units of up to twice it):
 * small enough to spread over the cores and to bound each compiler's
 * memory, large enough that the shared header costs little. */
enum { UNIT_BYTES = 512 * 1024 };

typedef struct build {
    const kt_build_opts *o;
    const char *work, *libdir, *cc;
    kt_progress progress;
    kt_cache cache;
    uint64_t t_wasm2c, t_split, t_compile, t_link;
} build;

/* A failed tool, with what it said (never an empty message). */
static void report_job(const kt_job *j, const char *what)
{
    const char *err = kt_sb_str(&j->err);
    if (j->status == -1)
        fprintf(stderr, "kvaot: %s failed (could not start):\n%s", what, err);
    else if (j->status > 128)
        fprintf(stderr, "kvaot: %s was killed by signal %d (%s)%s\n%s", what, j->status - 128,
                strsignal(j->status - 128), j->err.len ? ":" : " without a message: the guest "
                "probably uses something it cannot translate; `kvaot inspect` lists the core "
                "features kvaot found", err);
    else if (j->status > 0)
        fprintf(stderr, "kvaot: %s failed (exit status %d)%s\n%s", what, j->status,
                j->err.len ? ":" : " without a message", err);
}

/* Run one tool as a job (so a long one shows progress). 0 or -1. */
static int run_one(build *b, kt_job *j, const char *what)
{
    int failed = kt_run_jobs(j, 1, 1, b->o->verbose, &b->progress);
    if (failed)
        report_job(j, what);
    else if (b->o->verbose && j->err.len)
        fputs(kt_sb_str(&j->err), stderr);
    return failed ? -1 : 0;
}

/* wasm2c's command; without the paths (the part the cache key holds) when
 * `paths` is false. */
static void wasm2c_argv(const build *b, const kt_features *fs, bool paths, kt_argv *a)
{
    char path[PATH_MAX + 64];
    kt_argv_add(a, "wasm2c");
    if (paths) {
        snprintf(path, sizeof path, "%s/guest.wasm", b->work);
        kt_argv_add(a, path);
    }
    kt_argv_add(a, "-n");
    kt_argv_add(a, KT_GUEST_MODNAME);
    if (fs->use[KT_F_EXCEPTIONS].used)
        kt_argv_add(a, "--enable-exceptions");
    if (fs->use[KT_F_MULTI_MEMORY].used)
        kt_argv_add(a, "--enable-multi-memory");
    if (paths) {
        kt_argv_add(a, "-o");
        snprintf(path, sizeof path, "%s/guest.c", b->work);
        kt_argv_add(a, path);
    }
}

static int run_wasm2c(build *b, const kt_features *fs)
{
    kt_job j;
    kt_job_init(&j, "translating guest.wasm with wasm2c");
    wasm2c_argv(b, fs, true, &j.argv);
    int rc = run_one(b, &j, "wasm2c");
    kt_job_fini(&j);
    return rc;
}

/* ---- units ------------------------------------------------------------------ */

typedef struct unit {
    char src[40], obj[40];
    kt_unit_kind kind;
    uint64_t bytes;
    int level;
    char key[33];
    bool cached;
} unit;

static int level_of(const build *b, kt_unit_kind kind, uint64_t bytes)
{
    int level = b->o->opt_level;
    switch (kind) {
    case KT_UNIT_MAIN:
    case KT_UNIT_DATA:
        return 0;
    case KT_UNIT_BIG:
        return level > 1 && b->o->big_fn_kb > 0 && bytes >= (uint64_t)b->o->big_fn_kb * 1024
                   ? 1 : level;
    default:
        return level;
    }
}

/* The compile command of u, without its source and output (the part the
 * cache key holds) when `paths` is false. */
static void compile_argv(const build *b, const unit *u, bool paths, kt_argv *a)
{
    char buf[PATH_MAX + 64];
    kt_argv_add_words(a, b->cc);
    snprintf(buf, sizeof buf, "-O%d", u->level);
    kt_argv_add(a, buf);
    if (b->o->profile) {
        kt_argv_add(a, "-g");
        kt_argv_add(a, "-fno-omit-frame-pointer");
    }
    /* wasm2c output is not our code: no warnings there; the glue is.
     * Guest calls stay calls: a compiler that turns a self tail call into
     * a jump (gcc and clang do at -O2) would make unbounded recursion a
     * loop that never hits the stack guard (SPEC §8.6); stack clash
     * protection probes big frames so they cannot jump over the guard. */
    bool glue = strcmp(u->src, "glue.c") == 0;
    kt_argv_add_words(a, glue ? "-Wall -Wextra -Werror -Wno-unused-parameter"
                              : "-w -fno-optimize-sibling-calls -fstack-clash-protection");
    if (glue && b->o->lto)
        kt_argv_add(a, "-flto");
    if (!paths)
        return;
    snprintf(buf, sizeof buf, "-I%s/include", b->libdir);
    kt_argv_add(a, buf);
    snprintf(buf, sizeof buf, "-I%s", b->work);
    kt_argv_add(a, buf);
    kt_argv_add(a, "-c");
    snprintf(buf, sizeof buf, "%s/%s", b->work, u->src);
    kt_argv_add(a, buf);
    kt_argv_add(a, "-o");
    snprintf(buf, sizeof buf, "%s/%s", b->work, u->obj);
    kt_argv_add(a, buf);
}

static void add_unit(unit *list, int *n, const char *src, kt_unit_kind kind, uint64_t bytes,
                     const build *b)
{
    unit *u = &list[(*n)++];
    memset(u, 0, sizeof *u);
    snprintf(u->src, sizeof u->src, "%s", src);
    snprintf(u->obj, sizeof u->obj, "%.*s.o", (int)(strlen(src) - 2), src);
    u->kind = kind;
    u->bytes = bytes;
    u->level = level_of(b, kind, bytes);
}

/* The unit's key: its flags, and the content of every file it reads from
 * the work directory (the runtime's headers are in the cache's base). */
static int unit_key(build *b, unit *u)
{
    char files[3][PATH_MAX + 64];
    const char *inputs[3] = {files[0], files[1], files[2]};
    int n = 0;
    snprintf(files[n++], sizeof files[0], "%s/%s", b->work, u->src);
    snprintf(files[n++], sizeof files[0], "%s/guest.h", b->work);
    if (u->kind != KT_UNIT_WHOLE && strcmp(u->src, "glue.c") != 0)
        snprintf(files[n++], sizeof files[0], "%s/guest-split.h", b->work);
    kt_argv flags;
    kt_argv_init(&flags);
    compile_argv(b, u, false, &flags);
    int rc = kt_cache_key(&b->cache, &flags, inputs, n, u->key);
    kt_argv_fini(&flags);
    return rc;
}

/* Longest first: the biggest unit is the critical path of a parallel build. */
static int by_size_desc(const void *x, const void *y)
{
    const unit *a = *(unit *const *)x, *c = *(unit *const *)y;
    double wa = (double)a->bytes * (a->level >= 2 ? 3 : 1);
    double wc = (double)c->bytes * (c->level >= 2 ? 3 : 1);
    return wa < wc ? 1 : wa > wc ? -1 : 0;
}

/* u's object from the cache (u->key set), said with -v; a damaged entry
 * is said always. */
static bool fetch_unit(build *b, unit *u)
{
    char obj[PATH_MAX + 64], path[PATH_MAX + 64];
    snprintf(obj, sizeof obj, "%s/%s", b->work, u->obj);
    kt_cache_path(&b->cache, u->key, path, sizeof path);
    uint32_t damaged = b->cache.damaged;
    if (kt_cache_fetch(&b->cache, u->key, obj)) {
        u->cached = true;
        if (b->o->verbose)
            fprintf(stderr, "kvaot: %s from the build cache (%s)\n", u->obj, path);
        return true;
    }
    if (b->cache.damaged != damaged) {
        kt_progress_done(&b->progress);
        fprintf(stderr, "kvaot: warning: the build cache's entry for %s (%s) was damaged; "
                "removed, compiling it again\n", u->obj, path);
    }
    return false;
}

static int compile_units(build *b, unit *units, int n)
{
    unit **todo = calloc((size_t)n, sizeof *todo);
    kt_job *jobs = calloc((size_t)n, sizeof *jobs);
    if (todo == NULL || jobs == NULL) {
        free(todo);
        free(jobs);
        fprintf(stderr, "kvaot: out of memory\n");
        return -1;
    }
    int nt = 0;
    for (int i = 0; i < n; i++) {
        unit *u = &units[i];
        if (u->cached)
            continue;
        bool keyed = kt_cache_on(&b->cache) && unit_key(b, u) == 0;
        if (keyed && fetch_unit(b, u))
            continue;
        if (!keyed)
            u->key[0] = '\0';
        todo[nt++] = u;
    }
    qsort(todo, (size_t)nt, sizeof *todo, by_size_desc);
    for (int i = 0; i < nt; i++) {
        char label[96];
        snprintf(label, sizeof label, "compiling %s", todo[i]->src);
        kt_job_init(&jobs[i], label);
        compile_argv(b, todo[i], true, &jobs[i].argv);
    }
    int failed = kt_run_jobs(jobs, nt, b->o->jobs, b->o->verbose, &b->progress);
    for (int i = 0; i < nt; i++) {
        if (jobs[i].status != 0 && jobs[i].status != -2) {
            kt_progress_done(&b->progress);
            char what[80];
            snprintf(what, sizeof what, "the C compiler (%s)", todo[i]->src);
            report_job(&jobs[i], what);
        } else if (jobs[i].status == 0) {
            if (b->o->verbose && jobs[i].err.len)
                fputs(kt_sb_str(&jobs[i].err), stderr);
            if (todo[i]->key[0]) {
                char obj[PATH_MAX + 64];
                snprintf(obj, sizeof obj, "%s/%s", b->work, todo[i]->obj);
                kt_cache_store(&b->cache, todo[i]->key, obj);
            }
        }
        kt_job_fini(&jobs[i]);
    }
    free(jobs);
    free(todo);
    return failed ? -1 : 0;
}

static int link_executable(build *b, const unit *units, int n, const char *output)
{
    const kt_build_opts *o = b->o;
    char path[PATH_MAX + 64];
    kt_job j;
    kt_job_init(&j, "linking");
    kt_argv *a = &j.argv;
    kt_argv_add_words(a, b->cc);
    kt_argv_add(a, o->profile ? "-g" : "-s");
    if (o->lto) {
        /* The import wrappers of the glue and the runtime's functions are
         * inlined into each other; the guest's objects are plain code. */
        kt_argv_add(a, "-flto=auto");  /* LTRANS on every core, no warning */
        kt_argv_add(a, "-O2");
        kt_argv_add(a, "-w");   /* the runtime's -Werror is not for users' links */
    }
    if (o->musl || !o->no_static)
        kt_argv_add(a, "-static");
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", b->work, units[i].obj);
        kt_argv_add(a, path);
    }
    snprintf(path, sizeof path, "%s%s", b->libdir,
             o->musl ? "/musl/libkvrt.a" : o->lto ? "/libkvrt-lto.a" : "/libkvrt.a");
    if (o->lto && !o->musl && access(path, R_OK) != 0) {
        fprintf(stderr, "kvaot: --lto needs the runtime's LTO form %s (built by make with "
                "the runtime): it is missing\n", path);
        kt_job_fini(&j);
        return -1;
    }
    kt_argv_add(a, path);
    if (o->musl) {
        /* full path: musl-gcc does not search the glibc library directories */
        snprintf(path, sizeof path, "%s/musl/libhiredis.a", b->libdir);
        kt_argv_add(a, path);
        snprintf(path, sizeof path, "%s/musl/libjansson.a", b->libdir);
        kt_argv_add(a, path);
    } else {
        kt_argv_add(a, "-lhiredis");
        kt_argv_add(a, "-ljansson");
    }
    kt_argv_add(a, "-lm");
    kt_argv_add(a, "-o");
    kt_argv_add(a, output);
    int rc = run_one(b, &j, "the linker");
    kt_job_fini(&j);
    return rc;
}

static void print_stats(const build *b, const unit *units, int n, const kt_split *sp,
                        bool split, bool reused)
{
    int cached = 0;
    for (int i = 0; i < n; i++)
        cached += units[i].cached;
    if (reused)
        fprintf(stderr, "kvaot: build: wasm2c and split skipped (the translation's %d units "
                "are in the build cache); ", n - 1);
    else if (split)
        fprintf(stderr, "kvaot: build: wasm2c %.2f s; split %.2f s into %d units (%u functions); ",
                (double)b->t_wasm2c / SECOND_NS, (double)b->t_split / SECOND_NS, n - 1,
                sp->nfuncs);
    else
        fprintf(stderr, "kvaot: build: wasm2c %.2f s; not split; ",
                (double)b->t_wasm2c / SECOND_NS);
    fprintf(stderr, "compile %.2f s (%d compiled, %d from the cache, -j %d); link %.2f s\n",
            (double)b->t_compile / SECOND_NS, n - cached, cached, b->o->jobs,
            (double)b->t_link / SECOND_NS);
}

/* ---- the translation in the cache -------------------------------------------
 * A guest built before with the same wasm2c and options skips wasm2c and the
 * split: the cache also keeps the list of its units (a line "guest.h KEY"
 * naming guest.h's content, which glue.c includes, then "SRC KIND BYTES
 * KEY" lines; an entry like an object's), keyed by guest.wasm, wasm2c's identity
 * and command, and every option that shapes the units or their flags. */

static int translation_key(build *b, const kt_features *fs, char key[33])
{
    char buf[160], id[33];
    kt_argv flags;
    kt_argv_init(&flags);
    kt_argv_add(&flags, "kvaot translation 1");
    kt_cache_tool_id("wasm2c", id);
    kt_argv_add(&flags, id);
    wasm2c_argv(b, fs, false, &flags);
    snprintf(buf, sizeof buf, "units %u; big %u KiB; -O%d; profile %d", (unsigned)UNIT_BYTES,
             b->o->big_fn_kb, b->o->opt_level, b->o->profile);
    kt_argv_add(&flags, buf);
    char wasm[PATH_MAX + 64];
    snprintf(wasm, sizeof wasm, "%s/guest.wasm", b->work);
    const char *inputs[1] = {wasm};
    int rc = kt_cache_key(&b->cache, &flags, inputs, 1, key);
    kt_argv_fini(&flags);
    return rc;
}

/* The units of a cached translation, every object fetched, in *out (plus
 * room for glue.c): their number, or 0 when anything is missing (then the
 * build translates as usual). */
static int fetch_translation(build *b, const char *tkey, unit **out)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/units.list", b->work);
    if (!kt_cache_fetch(&b->cache, tkey, path))
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    int n = 0, cap = 0;
    unit *units = NULL;
    char line[256], src[40], key[33];
    /* first guest.h (glue.c includes it), then the units */
    char header[PATH_MAX + 64];
    snprintf(header, sizeof header, "%s/guest.h", b->work);
    bool ok = fgets(line, sizeof line, f) != NULL && sscanf(line, "guest.h %32s", key) == 1 &&
              strlen(key) == 32 && kt_cache_fetch(&b->cache, key, header);
    while (ok && fgets(line, sizeof line, f) != NULL) {
        unsigned kind;
        unsigned long long bytes;
        ok = sscanf(line, "%39s %u %llu %32s", src, &kind, &bytes, key) == 4 &&
             kind < KT_UNIT_WHOLE && strlen(key) == 32;
        if (ok && n + 2 > cap) {
            cap = cap ? 2 * cap : 64;
            unit *grown = realloc(units, (size_t)cap * sizeof *units);
            ok = grown != NULL;
            if (ok)
                units = grown;
        }
        if (!ok)
            break;
        add_unit(units, &n, src, (kt_unit_kind)kind, bytes, b);
        memcpy(units[n - 1].key, key, sizeof key);
        ok = fetch_unit(b, &units[n - 1]);
    }
    fclose(f);
    unlink(path);
    if (!ok || n == 0) {
        free(units);
        return 0;
    }
    if (b->o->verbose) {
        kt_cache_path(&b->cache, tkey, path, sizeof path);
        fprintf(stderr, "kvaot: guest.wasm's translation (%d units) from the build cache (%s)\n", n,
                path);
    }
    *out = units;
    return n;
}

/* Keep the list of units (all keyed) as the translation's entry. */
static void store_translation(build *b, const char *tkey, const unit *units, int n)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/units.list", b->work);
    char header[PATH_MAX + 64], hkey[33];
    snprintf(header, sizeof header, "%s/guest.h", b->work);
    const char *inputs[1] = {header};
    kt_argv flags;
    kt_argv_init(&flags);
    kt_argv_add(&flags, "guest.h");
    int rc = kt_cache_key(&b->cache, &flags, inputs, 1, hkey);
    kt_argv_fini(&flags);
    if (rc != 0)
        return;
    kt_cache_store(&b->cache, hkey, header);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return;
    fprintf(f, "guest.h %s\n", hkey);
    bool ok = true;
    for (int i = 0; i < n; i++) {
        ok = ok && units[i].key[0] != '\0';
        fprintf(f, "%s %u %llu %s\n", units[i].src, (unsigned)units[i].kind,
                (unsigned long long)units[i].bytes, units[i].key);
    }
    if (fclose(f) == 0 && ok)
        kt_cache_store(&b->cache, tkey, path);
    unlink(path);
}

/* The readable names put in place of the placeholders (elfnames.h). */
static int rename_symbols(build *b, const kt_profile *prof, const char *output)
{
    char why[256];
    kt_rename_stats st;
    if (kt_elf_rename(output, &prof->names, &st, why, sizeof why) != 0) {
        kt_progress_done(&b->progress);
        fprintf(stderr, "kvaot: %s: cannot give the guest's functions their names: %s\n",
                output, why);
        return -1;
    }
    if (b->o->verbose)
        fprintf(stderr, "kvaot: %s: %zu names of %u guest functions put in place "
                "(%zu with " KT_CLASH_SUFFIX ": they clash with a symbol outside the guest)\n",
                output, st.renamed, prof->names.n, st.clashes);
    return 0;
}

int kt_compile_and_link(const kt_build_opts *o, const kt_features *fs, const kt_profile *prof,
                        const char *work, const char *libdir, const char *output)
{
    build b;
    memset(&b, 0, sizeof b);
    b.o = o;
    b.work = work;
    b.libdir = libdir;
    b.cc = o->cc ? o->cc : o->musl ? "musl-gcc" : "cc";
    b.progress.enabled = isatty(2) && !o->verbose;
    b.progress.start_ns = kt_now_ns();
    b.progress.quiet_ns = SECOND_NS;
    char include[PATH_MAX + 16];
    snprintf(include, sizeof include, "%s/include", libdir);
    kt_cache_open(&b.cache, b.cc, include, o->no_cache, o->verbose);

    /* a guest translated before: its units straight from the cache */
    char tkey[33] = "";
    bool listed = kt_cache_on(&b.cache) && !o->no_split && o->emit_dir == NULL &&
                  translation_key(&b, fs, tkey) == 0;
    kt_split sp;
    memset(&sp, 0, sizeof sp);
    unit *units = NULL;
    int n = listed ? fetch_translation(&b, tkey, &units) : 0;
    bool reused = n > 0, split = reused;
    uint64_t t;
    if (!reused) {
        t = kt_now_ns();
        if (run_wasm2c(&b, fs) != 0)
            return KT_EXIT_TOOLCHAIN;
        b.t_wasm2c = kt_now_ns() - t;

        t = kt_now_ns();
        if (!o->no_split) {
            kt_split_opts so = {UNIT_BYTES,
                                (uint64_t)(o->big_fn_kb ? o->big_fn_kb : 1u << 30) * 1024, prof};
            char why[160];
            split = kt_split_w2c(work, &so, &sp, why, sizeof why) == 0;
            if (!split) {
                kt_progress_done(&b.progress);
                fprintf(stderr, "kvaot: warning: guest.c is not laid out as this kvaot expects "
                        "wasm2c 1.0.32 to write it (%s): compiling it as one unit\n", why);
            }
        }
        b.t_split = kt_now_ns() - t;

        units = calloc((size_t)(split ? sp.nunits : 1) + 1, sizeof *units);
        if (units == NULL) {
            kt_split_fini(&sp);
            return KT_EXIT_TOOLCHAIN;
        }
        if (split) {
            for (uint32_t i = 0; i < sp.nunits; i++)
                add_unit(units, &n, sp.units[i].name, sp.units[i].kind, sp.units[i].bytes, &b);
        } else {
            char why[200];
            if (prof != NULL && kt_w2c_add_lines(work, prof, why, sizeof why) != 0) {
                kt_progress_done(&b.progress);
                fprintf(stderr, "kvaot: warning: %s; the guest's source lines are left out\n",
                        why);
            }
            add_unit(units, &n, "guest.c", KT_UNIT_WHOLE, 0, &b);
        }
    }
    add_unit(units, &n, "glue.c", KT_UNIT_FUNCS, 0, &b);

    t = kt_now_ns();
    int rc = compile_units(&b, units, n);
    b.t_compile = kt_now_ns() - t;
    if (rc == 0 && listed && split && !reused)
        store_translation(&b, tkey, units, n - 1);
    if (rc == 0) {
        t = kt_now_ns();
        rc = link_executable(&b, units, n, output);
        if (rc == 0 && prof != NULL)
            rc = rename_symbols(&b, prof, output);
        b.t_link = kt_now_ns() - t;
    }
    kt_progress_done(&b.progress);
    if (rc == 0 && (o->stats || o->verbose))
        print_stats(&b, units, n, &sp, split, reused);
    free(units);
    kt_split_fini(&sp);
    return rc == 0 ? KT_EXIT_OK : KT_EXIT_TOOLCHAIN;
}
