/*
 * transpile/main.c - kvaot's command line (argv only; the work is in
 * driver.c and inspect.c).
 *   kvaot build GUEST.wasm [-o OUT] [-O0|-O1|-O2|-O3] [-g|--profile]
 *               [--emit-c DIR] [--cc CC] [--no-static] [--musl] [-v]
 *               [--stub-imports] [--map-export ROLE=NAME]...
 *               [-j N] [--no-split] [--no-cache] [--big-fn-kb N] [--lto] [--stats]
 *   kvaot inspect GUEST.wasm [--json] [--stub-imports] [--map-export ROLE=NAME]...
 *   kvaot publish redis-stream://...?stream=S [EVENTS_FILE|-]...  (runtime/publish.c)
 *   kvaot --help / --version
 * Exit: 0 ok, 1 guest rejected, 2 usage, 3 toolchain failed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "publish.h"

#ifndef KVAOT_VERSION
#define KVAOT_VERSION "0.0.0"
#endif

static void usage(FILE *f)
{
    fputs("usage: kvaot build GUEST.wasm [-o OUT] [-O0|-O1|-O2|-O3] [-g|--profile]\n"
          "                   [--emit-c DIR] [--cc CC] [--no-static] [--musl] [-v]\n"
          "                   [--stub-imports] [--map-export ROLE=NAME]...\n"
          "                   [-j N] [--no-split] [--no-cache] [--big-fn-kb N] [--lto] [--stats]\n"
          "       kvaot inspect GUEST.wasm [--json] [--stub-imports] [--map-export ROLE=NAME]...\n"
          "       kvaot publish redis-stream://HOST[:PORT][/DB]?stream=S [EVENTS_FILE|-]...\n"
          "       kvaot --help | --version\n"
          "\n"
          "build    turn a keyvalue-handle-watch guest (component or core module)\n"
          "         into one native executable (static unless --no-static)\n"
          "  -o OUT         output executable (default: GUEST without .wasm)\n"
          "  -O0..-O3       C optimisation level (default -O2)\n"
          "  -g, --profile  keep symbols, debug info and frame pointers (perf, gdb)\n"
          "  --emit-c DIR   keep the generated C (guest.c, guest.h, glue.c) in DIR\n"
          "  --cc CC        C compiler command (default cc, musl-gcc with --musl;\n"
          "                 may include flags)\n"
          "  --no-static    link dynamically\n"
          "  --musl         link statically against musl instead of glibc (musl-gcc;\n"
          "                 needs the musl runtime: make musl)\n"
          "  -v             print each command run (and units found in the cache)\n"
          "  -j N, --jobs N compile N units at once (default: the number of cores)\n"
          "  --no-split     compile wasm2c's output as one unit (slow and big for\n"
          "                 large guests; the split one behaves the same)\n"
          "  --no-cache     do not use the build cache ($XDG_CACHE_HOME/kvaot,\n"
          "                 else ~/.cache/kvaot)\n"
          "  --big-fn-kb N  compile functions of N KiB of C or more at -O1 when the\n"
          "                 level is higher (default 256; 0: never)\n"
          "  --lto          optimise the glue and the runtime together at link time\n"
          "                 (inlines the imports: ~10% fewer instructions for guests\n"
          "                 that call many; the link takes a few seconds more)\n"
          "  --stats        print the time spent in wasm2c, compiling and linking\n"
          "  --stub-imports build imports nothing provides (outside the world, WASI\n"
          "                 preview 1 and the WASI 0.2 subset) as functions that trap\n"
          "                 when called, listed as warnings\n"
          "  --map-export ROLE=NAME  use the guest's export NAME as ROLE (on-set,\n"
          "                 on-delete, realloc, memory, initialize), e.g. on-set=onSet\n"
          "inspect  show the core modules found, each import/export against the\n"
          "         world, the core features used, and every problem; exit 0 when\n"
          "         `kvaot build` with the same options would accept the guest\n"
          "publish  XADD every event line (text or JSON) of the files (or stdin) to a\n"
          "         Redis stream, for executables reading it with --events\n"
          "         (redis-stream+unix:///PATH?stream=S for a unix socket)\n"
          "\n"
          "exit: 0 ok, 1 guest rejected, 2 usage, 3 toolchain failed\n", f);
}

/* A decimal number in [lo, hi]. */
static bool parse_count(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static int bad_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "kvaot: %s%s%s\ntry 'kvaot --help'\n", msg, arg ? ": " : "", arg ? arg : "");
    return KT_EXIT_USAGE;
}

/* --stub-imports and --map-export ROLE=NAME, shared by build and inspect.
 * Returns 1 when argv[*i] was one (consuming its value), 0 when not, or
 * -1 after a usage message. */
static int check_option(int argc, char **argv, int *i, kt_validate_opts *o)
{
    const char *a = argv[*i];
    if (strcmp(a, "--stub-imports") == 0) {
        o->stub_imports = true;
        return 1;
    }
    const char *spec = NULL;
    if (strcmp(a, "--map-export") == 0 && *i + 1 < argc)
        spec = argv[++*i];
    else if (strncmp(a, "--map-export=", 13) == 0)
        spec = a + 13;
    if (spec == NULL)
        return 0;
    const char *eq = strchr(spec, '=');
    char role[32];
    if (eq == NULL || eq == spec || eq[1] == '\0' || (size_t)(eq - spec) >= sizeof role) {
        bad_usage("--map-export takes ROLE=NAME, e.g. on-set=onSet", spec);
        return -1;
    }
    memcpy(role, spec, (size_t)(eq - spec));
    role[eq - spec] = '\0';
    int r = kt_export_role_parse(role);
    if (r < 0) {
        bad_usage("--map-export: ROLE is on-set, on-delete, realloc, memory or initialize",
                  role);
        return -1;
    }
    o->map[r] = eq + 1;
    return 1;
}

static int cmd_build(int argc, char **argv)
{
    kt_build_opts o;
    memset(&o, 0, sizeof o);
    o.opt_level = 2;
    o.big_fn_kb = 256;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = cores > 0 && cores < 256 ? (int)cores : 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has_next = i + 1 < argc;
        int c = check_option(argc, argv, &i, &o.check);
        if (c < 0)
            return KT_EXIT_USAGE;
        if (c > 0)
            continue;
        if (strcmp(a, "-o") == 0 && has_next)
            o.output = argv[++i];
        else if (strcmp(a, "--emit-c") == 0 && has_next)
            o.emit_dir = argv[++i];
        else if (strcmp(a, "--cc") == 0 && has_next)
            o.cc = argv[++i];
        else if (strncmp(a, "--cc=", 5) == 0)
            o.cc = a + 5;
        else if (strncmp(a, "--emit-c=", 9) == 0)
            o.emit_dir = a + 9;
        else if (strlen(a) == 3 && a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3')
            o.opt_level = a[2] - '0';
        else if (strcmp(a, "-g") == 0 || strcmp(a, "--profile") == 0)
            o.profile = true;
        else if (strcmp(a, "--no-static") == 0)
            o.no_static = true;
        else if (strcmp(a, "--musl") == 0)
            o.musl = true;
        else if (strcmp(a, "-v") == 0)
            o.verbose = true;
        else if (strcmp(a, "--stats") == 0)
            o.stats = true;
        else if (strcmp(a, "--no-split") == 0)
            o.no_split = true;
        else if (strcmp(a, "--lto") == 0)
            o.lto = true;
        else if (strcmp(a, "--no-cache") == 0)
            o.no_cache = true;
        else if ((strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) && has_next) {
            if (!parse_count(argv[++i], 1, 256, &o.jobs))
                return bad_usage("-j takes a number of jobs from 1 to 256", argv[i]);
        } else if (strncmp(a, "-j", 2) == 0 && a[2] >= '0' && a[2] <= '9') {
            if (!parse_count(a + 2, 1, 256, &o.jobs))
                return bad_usage("-j takes a number of jobs from 1 to 256", a + 2);
        } else if (strcmp(a, "--big-fn-kb") == 0 && has_next) {
            int kb;
            if (!parse_count(argv[++i], 0, 1 << 22, &kb))
                return bad_usage("--big-fn-kb takes a size in KiB (0: never)", argv[i]);
            o.big_fn_kb = (uint32_t)kb;
        }
        else if (a[0] == '-' && a[1] != '\0')
            return bad_usage("unknown option or missing value", a);
        else if (o.input == NULL)
            o.input = a;
        else
            return bad_usage("more than one guest", a);
    }
    if (o.input == NULL)
        return bad_usage("build needs a GUEST.wasm", NULL);
    if (o.musl && o.no_static)
        return bad_usage("--musl builds are always static", "--no-static");
    return kt_build(&o);
}

static int cmd_inspect(int argc, char **argv)
{
    const char *input = NULL;
    bool json = false;
    kt_validate_opts check;
    memset(&check, 0, sizeof check);
    for (int i = 0; i < argc; i++) {
        int c = check_option(argc, argv, &i, &check);
        if (c < 0)
            return KT_EXIT_USAGE;
        if (c > 0)
            continue;
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return bad_usage("unknown option", argv[i]);
        else if (input == NULL)
            input = argv[i];
        else
            return bad_usage("more than one guest", argv[i]);
    }
    if (input == NULL)
        return bad_usage("inspect needs a GUEST.wasm", NULL);
    return kt_inspect(input, json, &check);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return bad_usage("missing command", NULL);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return KT_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("kvaot %s (wasm2c from WABT 1.0.32)\n", KVAOT_VERSION);
        return KT_EXIT_OK;
    }
    if (strcmp(cmd, "build") == 0)
        return cmd_build(argc - 2, argv + 2);
    if (strcmp(cmd, "inspect") == 0)
        return cmd_inspect(argc - 2, argv + 2);
    if (strcmp(cmd, "publish") == 0)
        return kvrt_publish_main(argc - 2, argv + 2);
    return bad_usage("unknown command", cmd);
}
