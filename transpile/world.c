/*
 * transpile/world.c - the import functions of the keyvalue-handle-watch world
 * with their core signatures, copied from the table of SPEC §2 (the ground
 * truth), and the runtime function the generated glue forwards each one to:
 * "kvrt_" + interface + "_" + function, '-' turned into '_'.
 */
#include <string.h>

#include "world.h"

const kt_world_func kt_world_imports[] = {
    /* streams */
    { "streams", "read",               "iIi",    "", "kvrt_streams_read" },
    { "streams", "skip",               "iIi",    "", "kvrt_streams_skip" },
    { "streams", "write",              "iiii",   "", "kvrt_streams_write" },
    { "streams", "write-repeated",     "iiIi",   "", "kvrt_streams_write_repeated" },
    { "streams", "splice",             "iiIi",   "", "kvrt_streams_splice" },
    { "streams", "forward",            "iii",    "", "kvrt_streams_forward" },
    { "streams", "drop-input-stream",  "i",      "", "kvrt_streams_drop_input_stream" },
    { "streams", "drop-output-stream", "i",      "", "kvrt_streams_drop_output_stream" },
    /* wasi-cloud-error */
    { "wasi-cloud-error", "drop-error", "i",     "", "kvrt_wasi_cloud_error_drop_error" },
    { "wasi-cloud-error", "trace",      "ii",    "", "kvrt_wasi_cloud_error_trace" },
    /* types */
    { "types", "drop-bucket",                  "i",   "",  "kvrt_types_drop_bucket" },
    { "types", "open-bucket",                  "iii", "",  "kvrt_types_open_bucket" },
    { "types", "drop-outgoing-value",          "i",   "",  "kvrt_types_drop_outgoing_value" },
    { "types", "new-outgoing-value",           "",    "i", "kvrt_types_new_outgoing_value" },
    { "types", "outgoing-value-write-body",    "ii",  "",  "kvrt_types_outgoing_value_write_body" },
    { "types", "drop-incoming-value",          "i",   "",  "kvrt_types_drop_incoming_value" },
    { "types", "incoming-value-consume-sync",  "ii",  "",  "kvrt_types_incoming_value_consume_sync" },
    { "types", "incoming-value-consume-async", "ii",  "",  "kvrt_types_incoming_value_consume_async" },
    { "types", "size",                         "i",   "I", "kvrt_types_size" },
    /* readwrite */
    { "readwrite", "get",    "iiii",  "", "kvrt_readwrite_get" },
    { "readwrite", "set",    "iiiii", "", "kvrt_readwrite_set" },
    { "readwrite", "delete", "iiii",  "", "kvrt_readwrite_delete" },
    { "readwrite", "exists", "iiii",  "", "kvrt_readwrite_exists" },
    /* atomic */
    { "atomic", "increment",        "iiiIi",  "", "kvrt_atomic_increment" },
    { "atomic", "compare-and-swap", "iiiIIi", "", "kvrt_atomic_compare_and_swap" },
    /* batch */
    { "batch", "get-many",    "iiii",   "", "kvrt_batch_get_many" },
    { "batch", "get-keys",    "ii",     "", "kvrt_batch_get_keys" },
    { "batch", "set-many",    "iiiiii", "", "kvrt_batch_set_many" },
    { "batch", "delete-many", "iiii",   "", "kvrt_batch_delete_many" },
};

const uint32_t kt_world_nimports = sizeof kt_world_imports / sizeof kt_world_imports[0];

_Static_assert(sizeof kt_world_imports / sizeof kt_world_imports[0] == 29,
               "SPEC §2 lists 29 import functions");

int kt_world_find(const char *iface, const char *name)
{
    for (uint32_t i = 0; i < kt_world_nimports; i++) {
        if (strcmp(kt_world_imports[i].iface, iface) == 0 &&
            strcmp(kt_world_imports[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* Append s to out[0..cap), keeping it NUL-terminated; cuts what does not fit. */
static void append(char *out, size_t cap, size_t *used, const char *s)
{
    size_t n = strlen(s);
    size_t room = cap - 1 - *used;   /* cap > 0 and *used < cap */
    if (n > room)
        n = room;
    memcpy(out + *used, s, n);
    *used += n;
    out[*used] = '\0';
}

static void append_list(char *out, size_t cap, size_t *used, const char *sig)
{
    for (size_t i = 0; sig[i] != '\0'; i++) {
        if (i > 0)
            append(out, cap, used, ", ");
        static const char letters[] = "iIfFvre";
        static const char *const names[] = {"i32", "i64", "f32", "f64", "v128", "funcref",
                                            "externref"};
        const char *hit = strchr(letters, sig[i]);
        append(out, cap, used, hit != NULL && sig[i] ? names[hit - letters] : "?");
    }
}

void kt_world_sig_text(const char *params, const char *results, char *out, size_t cap)
{
    size_t used = 0;

    if (cap == 0)
        return;
    out[0] = '\0';
    append(out, cap, &used, "(");
    append_list(out, cap, &used, params);
    append(out, cap, &used, ") -> (");
    append_list(out, cap, &used, results);
    append(out, cap, &used, ")");
}
