/*
 * transpile/provided.c - the rows of provided.h: WASI preview 1 (every
 * function of the witx, with its exact core signature), the WASI 0.2
 * functions of SPEC §8.3 (core signatures by the canonical ABI: a result
 * that needs more than one core value goes through a return pointer, the
 * last parameter), and the toolchain host functions. Runtime functions are
 * in runtime/wasi_p1.c, runtime/wasi_p2*.c and runtime/toolchain_env.c.
 */
#include "provided.h"

#include <string.h>

#define P1 "wasi_snapshot_preview1"

const kt_world_func kt_provided_imports[] = {
    /* ---- WASI preview 1 (46 functions) ---- */
    { P1, "args_get",                "ii",        "i", "kvrt_wasi_p1_args_get" },
    { P1, "args_sizes_get",          "ii",        "i", "kvrt_wasi_p1_args_sizes_get" },
    { P1, "environ_get",             "ii",        "i", "kvrt_wasi_p1_environ_get" },
    { P1, "environ_sizes_get",       "ii",        "i", "kvrt_wasi_p1_environ_sizes_get" },
    { P1, "clock_res_get",           "ii",        "i", "kvrt_wasi_p1_clock_res_get" },
    { P1, "clock_time_get",          "iIi",       "i", "kvrt_wasi_p1_clock_time_get" },
    { P1, "fd_advise",               "iIIi",      "i", "kvrt_wasi_p1_enosys_iIIi" },
    { P1, "fd_allocate",             "iII",       "i", "kvrt_wasi_p1_enosys_iII" },
    { P1, "fd_close",                "i",         "i", "kvrt_wasi_p1_fd_close" },
    { P1, "fd_datasync",             "i",         "i", "kvrt_wasi_p1_enosys_i" },
    { P1, "fd_fdstat_get",           "ii",        "i", "kvrt_wasi_p1_fd_fdstat_get" },
    { P1, "fd_fdstat_set_flags",     "ii",        "i", "kvrt_wasi_p1_fd_fdstat_set_flags" },
    { P1, "fd_fdstat_set_rights",    "iII",       "i", "kvrt_wasi_p1_enosys_iII" },
    { P1, "fd_filestat_get",         "ii",        "i", "kvrt_wasi_p1_enosys_ii" },
    { P1, "fd_filestat_set_size",    "iI",        "i", "kvrt_wasi_p1_enosys_iI" },
    { P1, "fd_filestat_set_times",   "iIIi",      "i", "kvrt_wasi_p1_enosys_iIIi" },
    { P1, "fd_pread",                "iiiIi",     "i", "kvrt_wasi_p1_enosys_iiiIi" },
    { P1, "fd_prestat_get",          "ii",        "i", "kvrt_wasi_p1_fd_prestat_get" },
    { P1, "fd_prestat_dir_name",     "iii",       "i", "kvrt_wasi_p1_enosys_iii" },
    { P1, "fd_pwrite",               "iiiIi",     "i", "kvrt_wasi_p1_fd_pwrite" },
    { P1, "fd_read",                 "iiii",      "i", "kvrt_wasi_p1_fd_read" },
    { P1, "fd_readdir",              "iiiIi",     "i", "kvrt_wasi_p1_enosys_iiiIi" },
    { P1, "fd_renumber",             "ii",        "i", "kvrt_wasi_p1_enosys_ii" },
    { P1, "fd_seek",                 "iIii",      "i", "kvrt_wasi_p1_fd_seek" },
    { P1, "fd_sync",                 "i",         "i", "kvrt_wasi_p1_enosys_i" },
    { P1, "fd_tell",                 "ii",        "i", "kvrt_wasi_p1_fd_tell" },
    { P1, "fd_write",                "iiii",      "i", "kvrt_wasi_p1_fd_write" },
    { P1, "path_create_directory",   "iii",       "i", "kvrt_wasi_p1_enosys_iii" },
    { P1, "path_filestat_get",       "iiiii",     "i", "kvrt_wasi_p1_enosys_iiiii" },
    { P1, "path_filestat_set_times", "iiiiIIi",   "i", "kvrt_wasi_p1_enosys_iiiiIIi" },
    { P1, "path_link",               "iiiiiii",   "i", "kvrt_wasi_p1_enosys_iiiiiii" },
    { P1, "path_open",               "iiiiiIIii", "i", "kvrt_wasi_p1_enosys_iiiiiIIii" },
    { P1, "path_readlink",           "iiiiii",    "i", "kvrt_wasi_p1_enosys_iiiiii" },
    { P1, "path_remove_directory",   "iii",       "i", "kvrt_wasi_p1_enosys_iii" },
    { P1, "path_rename",             "iiiiii",    "i", "kvrt_wasi_p1_enosys_iiiiii" },
    { P1, "path_symlink",            "iiiii",     "i", "kvrt_wasi_p1_enosys_iiiii" },
    { P1, "path_unlink_file",        "iii",       "i", "kvrt_wasi_p1_enosys_iii" },
    { P1, "poll_oneoff",             "iiii",      "i", "kvrt_wasi_p1_poll_oneoff" },
    { P1, "proc_exit",               "i",         "",  "kvrt_wasi_p1_proc_exit" },
    { P1, "proc_raise",              "i",         "i", "kvrt_wasi_p1_proc_raise" },
    { P1, "sched_yield",             "",          "i", "kvrt_wasi_p1_sched_yield" },
    { P1, "random_get",              "ii",        "i", "kvrt_wasi_p1_random_get" },
    { P1, "sock_accept",             "iii",       "i", "kvrt_wasi_p1_enosys_iii" },
    { P1, "sock_recv",               "iiiiii",    "i", "kvrt_wasi_p1_enosys_iiiiii" },
    { P1, "sock_send",               "iiiii",     "i", "kvrt_wasi_p1_enosys_iiiii" },
    { P1, "sock_shutdown",           "ii",        "i", "kvrt_wasi_p1_enosys_ii" },

    /* ---- WASI 0.2 (SPEC §8.3) ---- */
    { "wasi:cli/stdout", "get-stdout", "", "i", "kvrt_wasi_p2_get_stdout" },
    { "wasi:cli/stderr", "get-stderr", "", "i", "kvrt_wasi_p2_get_stderr" },
    { "wasi:cli/stdin",  "get-stdin",  "", "i", "kvrt_wasi_p2_get_stdin" },
    { "wasi:cli/terminal-stdin",  "get-terminal-stdin",  "i", "", "kvrt_wasi_p2_get_terminal" },
    { "wasi:cli/terminal-stdout", "get-terminal-stdout", "i", "", "kvrt_wasi_p2_get_terminal" },
    { "wasi:cli/terminal-stderr", "get-terminal-stderr", "i", "", "kvrt_wasi_p2_get_terminal" },
    { "wasi:cli/terminal-input",  "[resource-drop]terminal-input",  "i", "",
      "kvrt_wasi_p2_drop_terminal" },
    { "wasi:cli/terminal-output", "[resource-drop]terminal-output", "i", "",
      "kvrt_wasi_p2_drop_terminal" },
    { "wasi:cli/environment", "get-environment", "i", "", "kvrt_wasi_p2_get_environment" },
    { "wasi:cli/environment", "get-arguments",   "i", "", "kvrt_wasi_p2_get_arguments" },
    { "wasi:cli/environment", "initial-cwd",     "i", "", "kvrt_wasi_p2_initial_cwd" },
    { "wasi:cli/exit", "exit", "i", "", "kvrt_wasi_p2_exit" },

    { "wasi:io/streams", "[method]output-stream.check-write", "ii", "",
      "kvrt_wasi_p2_out_check_write" },
    { "wasi:io/streams", "[method]output-stream.write", "iiii", "", "kvrt_wasi_p2_out_write" },
    { "wasi:io/streams", "[method]output-stream.blocking-write-and-flush", "iiii", "",
      "kvrt_wasi_p2_out_write" },
    { "wasi:io/streams", "[method]output-stream.flush", "ii", "", "kvrt_wasi_p2_out_flush" },
    { "wasi:io/streams", "[method]output-stream.blocking-flush", "ii", "",
      "kvrt_wasi_p2_out_flush" },
    { "wasi:io/streams", "[method]output-stream.write-zeroes", "iIi", "",
      "kvrt_wasi_p2_out_write_zeroes" },
    { "wasi:io/streams", "[method]output-stream.blocking-write-zeroes-and-flush", "iIi", "",
      "kvrt_wasi_p2_out_write_zeroes" },
    { "wasi:io/streams", "[method]output-stream.splice", "iiIi", "", "kvrt_wasi_p2_out_splice" },
    { "wasi:io/streams", "[method]output-stream.blocking-splice", "iiIi", "",
      "kvrt_wasi_p2_out_splice" },
    { "wasi:io/streams", "[method]output-stream.subscribe", "i", "i",
      "kvrt_wasi_p2_out_subscribe" },
    { "wasi:io/streams", "[method]input-stream.read", "iIi", "", "kvrt_wasi_p2_in_read" },
    { "wasi:io/streams", "[method]input-stream.blocking-read", "iIi", "", "kvrt_wasi_p2_in_read" },
    { "wasi:io/streams", "[method]input-stream.skip", "iIi", "", "kvrt_wasi_p2_in_skip" },
    { "wasi:io/streams", "[method]input-stream.blocking-skip", "iIi", "", "kvrt_wasi_p2_in_skip" },
    { "wasi:io/streams", "[method]input-stream.subscribe", "i", "i", "kvrt_wasi_p2_in_subscribe" },
    { "wasi:io/streams", "[resource-drop]input-stream", "i", "", "kvrt_wasi_p2_drop_input_stream" },
    { "wasi:io/streams", "[resource-drop]output-stream", "i", "",
      "kvrt_wasi_p2_drop_output_stream" },

    { "wasi:io/error", "[method]error.to-debug-string", "ii", "",
      "kvrt_wasi_p2_error_to_debug_string" },
    { "wasi:io/error", "[resource-drop]error", "i", "", "kvrt_wasi_p2_drop_error" },

    { "wasi:io/poll", "poll", "iii", "", "kvrt_wasi_p2_poll" },
    { "wasi:io/poll", "[method]pollable.ready", "i", "i", "kvrt_wasi_p2_pollable_ready" },
    { "wasi:io/poll", "[method]pollable.block", "i", "", "kvrt_wasi_p2_pollable_block" },
    { "wasi:io/poll", "[resource-drop]pollable", "i", "", "kvrt_wasi_p2_drop_pollable" },

    { "wasi:clocks/wall-clock", "now",        "i", "", "kvrt_wasi_p2_wall_now" },
    { "wasi:clocks/wall-clock", "resolution", "i", "", "kvrt_wasi_p2_wall_resolution" },
    { "wasi:clocks/monotonic-clock", "now",        "", "I", "kvrt_wasi_p2_mono_now" },
    { "wasi:clocks/monotonic-clock", "resolution", "", "I", "kvrt_wasi_p2_mono_resolution" },
    { "wasi:clocks/monotonic-clock", "subscribe-instant",  "I", "i",
      "kvrt_wasi_p2_mono_subscribe_instant" },
    { "wasi:clocks/monotonic-clock", "subscribe-duration", "I", "i",
      "kvrt_wasi_p2_mono_subscribe_duration" },

    { "wasi:random/random", "get-random-bytes", "Ii", "", "kvrt_wasi_p2_random_bytes" },
    { "wasi:random/random", "get-random-u64",   "",   "I", "kvrt_wasi_p2_random_u64" },
    { "wasi:random/insecure", "get-insecure-random-bytes", "Ii", "", "kvrt_wasi_p2_random_bytes" },
    { "wasi:random/insecure", "get-insecure-random-u64",   "",   "I", "kvrt_wasi_p2_random_u64" },
    { "wasi:random/insecure-seed", "insecure-seed", "i", "", "kvrt_wasi_p2_insecure_seed" },

    { "wasi:filesystem/preopens", "get-directories", "i", "", "kvrt_wasi_p2_get_directories" },
    { "wasi:filesystem/types", "filesystem-error-code", "ii", "",
      "kvrt_wasi_p2_filesystem_error_code" },

    /* ---- toolchain host functions ---- */
    /* AssemblyScript's defaults: abort(message, file, line, column) for
     * assert()/abort()/throw, seed() for Math.random, trace(). */
    { "env", "abort", "iiii",    "",  "kvrt_as_abort" },
    { "env", "seed",  "",        "F", "kvrt_as_seed" },
    { "env", "trace", "iiFFFFF", "",  "kvrt_as_trace" },
    /* Emscripten STANDALONE_WASM with memory growth: a notification. */
    { "env", "emscripten_notify_memory_growth", "i", "", "kvrt_emscripten_notify_memory_growth" },
};

const size_t kt_provided_nimports = sizeof kt_provided_imports / sizeof kt_provided_imports[0];

_Static_assert(sizeof kt_provided_imports / sizeof kt_provided_imports[0] == 46 + 48 + 4,
               "46 preview 1 functions, 48 WASI 0.2 functions, 4 toolchain functions");

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* "cm32p2|wasi:io/streams@0.2.3" -> "wasi:io/streams" into out, when the
 * version is exactly 0.2.N; false otherwise. */
static bool p2_base(const char *module, char *out, size_t cap)
{
    if (has_prefix(module, "cm32p2|"))
        module += strlen("cm32p2|");
    const char *at = strchr(module, '@');
    if (!has_prefix(module, "wasi:") || at == NULL || strncmp(at, "@0.2.", 5) != 0)
        return false;
    const char *v = at + 5;
    if (*v == '\0' || strspn(v, "0123456789") != strlen(v))
        return false;
    size_t n = (size_t)(at - module);
    if (n >= cap)
        return false;
    memcpy(out, module, n);
    out[n] = '\0';
    return strchr(out, '/') != NULL;
}

bool kt_is_wasi_p2_module(const char *module)
{
    char base[128];
    return p2_base(module, base, sizeof base) && !has_prefix(base, "wasi:keyvalue/");
}

static kt_provider provider_of(const kt_world_func *f)
{
    if (strcmp(f->iface, P1) == 0)
        return KT_PROV_WASI_P1;
    return has_prefix(f->iface, "wasi:") ? KT_PROV_WASI_P2 : KT_PROV_TOOLCHAIN;
}

const kt_world_func *kt_provided_find(const char *module, const char *field, kt_provider *prov)
{
    char base[128];
    const char *key = module;
    if (p2_base(module, base, sizeof base))
        key = base;
    else if (has_prefix(module, "wasi:"))
        return NULL;        /* a WASI interface at a version kvaot does not provide */
    for (size_t i = 0; i < kt_provided_nimports; i++) {
        const kt_world_func *f = &kt_provided_imports[i];
        if (strcmp(f->iface, key) == 0 && strcmp(f->name, field) == 0) {
            *prov = provider_of(f);
            return f;
        }
    }
    return NULL;
}

kt_origin kt_import_origin(const char *module)
{
    if (strcmp(module, P1) == 0)
        return KT_ORIGIN_WASI_P1;
    if (strcmp(module, "wasi_unstable") == 0)
        return KT_ORIGIN_WASI_UNSTABLE;
    if (kt_is_wasi_p2_module(module))
        return KT_ORIGIN_WASI_P2;
    if (has_prefix(module, "cm32p2|"))
        module += strlen("cm32p2|");
    if (has_prefix(module, "wasi:keyvalue/"))
        return KT_ORIGIN_OTHER;
    if (has_prefix(module, "wasi:"))
        return KT_ORIGIN_WASI_OTHER;
    if (strcmp(module, "env") == 0)
        return KT_ORIGIN_ENV;
    return KT_ORIGIN_OTHER;
}

const char *kt_origin_phrase(kt_origin o)
{
    switch (o) {
    case KT_ORIGIN_WASI_P1:
        return "not a function of WASI preview 1";
    case KT_ORIGIN_WASI_UNSTABLE:
        return "WASI snapshot 0 (wasi_unstable), which kvaot does not provide: rebuild the "
               "guest for wasm32-wasi (preview 1)";
    case KT_ORIGIN_WASI_P2:
        return "a WASI 0.2 function kvaot does not provide";
    case KT_ORIGIN_WASI_OTHER:
        return "a WASI interface at a version kvaot does not provide (it provides preview 1 "
               "and 0.2.N)";
    case KT_ORIGIN_ENV:
        return "an \"env\" import: a function the guest's linker left undefined "
               "(--allow-undefined) or a host function of its toolchain";
    case KT_ORIGIN_OTHER:
        break;
    }
    return "not a function of the keyvalue-handle-watch world or of WASI";
}

const char *kt_provider_name(kt_provider p)
{
    switch (p) {
    case KT_PROV_WORLD: return "world";
    case KT_PROV_WASI_P1: return "WASI preview 1";
    case KT_PROV_WASI_P2: return "WASI 0.2";
    case KT_PROV_TOOLCHAIN: return "toolchain";
    }
    return "?";
}
