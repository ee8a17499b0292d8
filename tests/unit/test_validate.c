/*
 * tests/unit/test_validate.c - the world table (world.c) and the world check
 * (validate.c) on modules built from WAT at test time with wabt's wat2wasm:
 * one conforming module per naming scheme, then modules with each kind of
 * problem, and one with several problems that must all be reported. Also
 * runs every fixture under tests/wat/valid (must conform) and tests/wat/bad
 * (each leading ";; expect: TEXT" line names one reported problem, and
 * nothing else may be reported). Run from the repository root.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module.h"
#include "test_support_wat.h"
#include "validate.h"
#include "world.h"

/* ---- helpers ------------------------------------------------------------ */

static void load_wat_file(const char *wat_path, kt_module *m)
{
    tw_load_file(wat_path, "", m);
}

static void load_wat(const char *wat, kt_module *m)
{
    tw_load(wat, "", m);
}

static bool has_problem(const kt_binding *b, const char *text)
{
    for (uint32_t i = 0; i < b->nproblems; i++) {
        if (strstr(b->problems[i].text, text) != NULL)
            return true;
    }
    return false;
}

static void dump_problems(const kt_binding *b)
{
    for (uint32_t i = 0; i < b->nproblems; i++)
        cr_log_info("problem: %s", b->problems[i].text);
}

static void expect_problem(const kt_binding *b, const char *text)
{
    if (!has_problem(b, text))
        dump_problems(b);
    cr_expect(has_problem(b, text), "no problem containing: %s", text);
}

static void expect_conforms(const kt_module *m, kt_binding *b)
{
    bool ok = kt_validate(m, b);
    if (!ok)
        dump_problems(b);
    cr_assert(ok, "module rejected: %u problems, first: %s", b->nproblems,
              b->nproblems > 0 ? b->problems[0].text : "");
}

/* The kt_world_imports row import i binds to, or -1 when it binds to none
 * (also when it binds to WASI or a stub). */
static int bound_row(const kt_binding *b, uint32_t i)
{
    if (b->imports == NULL || b->imports[i].kind != KT_BIND_FUNC ||
        b->imports[i].prov != KT_PROV_WORLD)
        return -1;
    return (int)(b->imports[i].fn - kt_world_imports);
}

static int world_row(const char *iface, const char *name)
{
    int row = kt_world_find(iface, name);
    cr_assert_geq(row, 0, "%s %s not in the world", iface, name);
    return row;
}

/* Exports common to conforming modules of each scheme. */
#define LEGACY_EXPORTS \
    "  (memory (export \"memory\") 1)\n" \
    "  (func (export \"wasi:keyvalue/handle-watch#on-set\") (param i32 i32 i32 i32))\n" \
    "  (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i32 i32))\n" \
    "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n"

/* ---- world table -------------------------------------------------------- */

Test(world, table)
{
    cr_expect_eq(kt_world_nimports, 29);
    for (uint32_t i = 0; i < kt_world_nimports; i++) {
        const kt_world_func *w = &kt_world_imports[i];
        char want[128];
        size_t n = 0;
        n += (size_t)snprintf(want + n, sizeof want - n, "kvrt_");
        for (const char *p = w->iface; *p; p++)
            want[n++] = *p == '-' ? '_' : *p;
        want[n++] = '_';
        for (const char *p = w->name; *p; p++)
            want[n++] = *p == '-' ? '_' : *p;
        want[n] = '\0';
        cr_expect_str_eq(w->runtime_fn, want);
        cr_expect_eq(kt_world_find(w->iface, w->name), (int)i, "%s %s", w->iface, w->name);
        cr_expect_eq(strspn(w->params, "iI"), strlen(w->params));
        cr_expect_eq(strspn(w->results, "iI"), strlen(w->results));
        cr_expect_leq(strlen(w->results), 1);
    }
    cr_expect_eq(kt_world_find("readwrite", "nope"), -1);
    cr_expect_eq(kt_world_find("handle-watch", "on-set"), -1);
}

Test(world, rows_from_spec)
{
    static const struct { const char *iface, *name, *params, *results, *fn; } rows[] = {
        { "streams", "read", "iIi", "", "kvrt_streams_read" },
        { "streams", "skip", "iIi", "", "kvrt_streams_skip" },
        { "streams", "write-repeated", "iiIi", "", "kvrt_streams_write_repeated" },
        { "streams", "splice", "iiIi", "", "kvrt_streams_splice" },
        { "streams", "forward", "iii", "", "kvrt_streams_forward" },
        { "wasi-cloud-error", "trace", "ii", "", "kvrt_wasi_cloud_error_trace" },
        { "types", "new-outgoing-value", "", "i", "kvrt_types_new_outgoing_value" },
        { "types", "size", "i", "I", "kvrt_types_size" },
        { "types", "incoming-value-consume-sync", "ii", "", "kvrt_types_incoming_value_consume_sync" },
        { "readwrite", "set", "iiiii", "", "kvrt_readwrite_set" },
        { "atomic", "increment", "iiiIi", "", "kvrt_atomic_increment" },
        { "atomic", "compare-and-swap", "iiiIIi", "", "kvrt_atomic_compare_and_swap" },
        { "batch", "get-many", "iiii", "", "kvrt_batch_get_many" },
        { "batch", "set-many", "iiiiii", "", "kvrt_batch_set_many" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int row = world_row(rows[i].iface, rows[i].name);
        const kt_world_func *w = &kt_world_imports[row];
        cr_expect_str_eq(w->params, rows[i].params, "%s", rows[i].name);
        cr_expect_str_eq(w->results, rows[i].results, "%s", rows[i].name);
        cr_expect_str_eq(w->runtime_fn, rows[i].fn);
    }
}

Test(world, sig_text)
{
    char buf[64];
    kt_world_sig_text("iIi", "", buf, sizeof buf);
    cr_expect_str_eq(buf, "(i32, i64, i32) -> ()");
    kt_world_sig_text("", "i", buf, sizeof buf);
    cr_expect_str_eq(buf, "() -> (i32)");
    kt_world_sig_text("i", "I", buf, sizeof buf);
    cr_expect_str_eq(buf, "(i32) -> (i64)");
    kt_world_sig_text("", "", buf, sizeof buf);
    cr_expect_str_eq(buf, "() -> ()");
    kt_world_sig_text("iiii", "", buf, 8);
    cr_expect_str_eq(buf, "(i32, i");
    kt_world_sig_text("iiii", "", buf, 1);
    cr_expect_str_eq(buf, "");
}

Test(validate, iface_short)
{
    char buf[64];
    cr_expect_str_eq(kt_iface_short("cm32p2|wasi:keyvalue/readwrite@0.1.0", buf, sizeof buf), "readwrite");
    cr_expect_str_eq(kt_iface_short("cm32p2|wasi:keyvalue/readwrite", buf, sizeof buf), "readwrite");
    cr_expect_str_eq(kt_iface_short("wasi:keyvalue/wasi-cloud-error@0.2.0-draft", buf, sizeof buf),
                     "wasi-cloud-error");
    cr_expect_str_eq(kt_iface_short("readwrite", buf, sizeof buf), "readwrite");
    cr_expect_str_eq(kt_iface_short("types@1.0.0", buf, sizeof buf), "types");
    cr_expect_str_eq(kt_iface_short("my:pkg/nested/streams", buf, sizeof buf), "streams");
    cr_expect_str_eq(kt_iface_short("", buf, sizeof buf), "");
    cr_expect_str_eq(kt_iface_short("readwrite", buf, 5), "read");
}

/* ---- one conforming module per naming scheme ---------------------------- */

Test(validate, cm32p2_scheme)
{
    static const char wat[] =
        "(module\n"
        "  (import \"cm32p2|wasi:keyvalue/readwrite@0.1.0\" \"get\" (func (param i32 i32 i32 i32)))\n"
        "  (import \"cm32p2|wasi:keyvalue/types@0.1.0\" \"size\" (func (param i32) (result i64)))\n"
        "  (import \"cm32p2|wasi:keyvalue/streams\" \"write-repeated\" (func (param i32 i32 i64 i32)))\n"
        "  (memory (export \"cm32p2_memory\") 1)\n"
        "  (func (export \"cm32p2|wasi:keyvalue/handle-watch|on-set\") (param i32 i32 i32 i32))\n"
        "  (func (export \"cm32p2|wasi:keyvalue/handle-watch|on-delete\") (param i32 i32 i32))\n"
        "  (func (export \"cm32p2|wasi:keyvalue/handle-watch|on-set_post\"))\n"
        "  (func (export \"cm32p2_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n"
        "  (func (export \"cm32p2_initialize\"))\n"
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    expect_conforms(&m, &b);
    cr_expect_eq(b.scheme, KT_SCHEME_CM32P2);
    cr_expect_str_eq(b.on_set, "cm32p2|wasi:keyvalue/handle-watch|on-set");
    cr_expect_str_eq(b.on_delete, "cm32p2|wasi:keyvalue/handle-watch|on-delete");
    cr_expect_str_eq(b.on_set_post, "cm32p2|wasi:keyvalue/handle-watch|on-set_post");
    cr_expect_null(b.on_delete_post);
    cr_expect_str_eq(b.realloc_fn, "cm32p2_realloc");
    cr_expect_str_eq(b.memory, "cm32p2_memory");
    cr_expect_str_eq(b.initialize, "cm32p2_initialize");
    cr_assert_not_null(b.imports);
    cr_expect_eq(bound_row(&b, 0), world_row("readwrite", "get"));
    cr_expect_eq(bound_row(&b, 1), world_row("types", "size"));
    cr_expect_eq(bound_row(&b, 2), world_row("streams", "write-repeated"));
    kt_binding_fini(&b);
    cr_expect_null(b.problems);
    kt_module_fini(&m);
}

Test(validate, legacy_scheme)
{
    static const char wat[] =
        "(module\n"
        "  (import \"wasi:keyvalue/readwrite@0.1.0\" \"set\" (func (param i32 i32 i32 i32 i32)))\n"
        "  (import \"wasi:keyvalue/atomic\" \"compare-and-swap\" (func (param i32 i32 i32 i64 i64 i32)))\n"
        "  (import \"wasi:keyvalue/types\" \"new-outgoing-value\" (func (result i32)))\n"
        "  (memory (export \"memory\") 1)\n"
        "  (func (export \"wasi:keyvalue/handle-watch@0.1.0#on-set\") (param i32 i32 i32 i32))\n"
        "  (func (export \"wasi:keyvalue/handle-watch@0.1.0#on-delete\") (param i32 i32 i32))\n"
        "  (func (export \"cabi_post_wasi:keyvalue/handle-watch@0.1.0#on-delete\"))\n"
        "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n"
        "  (func (export \"_initialize\"))\n"
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    expect_conforms(&m, &b);
    cr_expect_eq(b.scheme, KT_SCHEME_LEGACY);
    cr_expect_str_eq(b.on_set, "wasi:keyvalue/handle-watch@0.1.0#on-set");
    cr_expect_str_eq(b.on_delete_post, "cabi_post_wasi:keyvalue/handle-watch@0.1.0#on-delete");
    cr_expect_null(b.on_set_post);
    cr_expect_str_eq(b.realloc_fn, "cabi_realloc");
    cr_expect_str_eq(b.memory, "memory");
    cr_expect_str_eq(b.initialize, "_initialize");
    cr_expect_eq(bound_row(&b, 1), world_row("atomic", "compare-and-swap"));
    cr_expect_eq(bound_row(&b, 2), world_row("types", "new-outgoing-value"));
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, bindings_2023_scheme)
{
    static const char wat[] =
        "(module\n"
        "  (import \"readwrite\" \"delete\" (func (param i32 i32 i32 i32)))\n"
        "  (import \"batch\" \"set-many\" (func (param i32 i32 i32 i32 i32 i32)))\n"
        "  (import \"wasi-cloud-error\" \"drop-error\" (func (param i32)))\n"
        "  (memory (export \"memory\") 1)\n"
        "  (func (export \"handle-watch#on-set\") (param i32 i32 i32 i32))\n"
        "  (func (export \"handle-watch#on-delete\") (param i32 i32 i32))\n"
        "  (func (export \"cabi_post_handle-watch#on-set\"))\n"
        "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n"
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    expect_conforms(&m, &b);
    cr_expect_eq(b.scheme, KT_SCHEME_2023);
    cr_expect_str_eq(b.on_set, "handle-watch#on-set");
    cr_expect_str_eq(b.on_set_post, "cabi_post_handle-watch#on-set");
    cr_expect_null(b.initialize);
    cr_expect_eq(bound_row(&b, 0), world_row("readwrite", "delete"));
    cr_expect_eq(bound_row(&b, 1), world_row("batch", "set-many"));
    cr_expect_eq(bound_row(&b, 2), world_row("wasi-cloud-error", "drop-error"));
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, same_function_imported_twice)
{
    static const char wat[] =
        "(module\n"
        "  (import \"cm32p2|wasi:keyvalue/readwrite\" \"get\" (func (param i32 i32 i32 i32)))\n"
        "  (import \"wasi:keyvalue/readwrite@0.1.0\" \"get\" (func (param i32 i32 i32 i32)))\n"
        LEGACY_EXPORTS
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    expect_conforms(&m, &b);
    int row = world_row("readwrite", "get");
    cr_expect_eq(bound_row(&b, 0), row);
    cr_expect_eq(bound_row(&b, 1), row);
    cr_expect_eq(b.scheme, KT_SCHEME_LEGACY);   /* of the on-set export */
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

/* ---- problems ----------------------------------------------------------- */

Test(validate, missing_export)
{
    static const char wat[] =
        "(module\n"
        "  (memory (export \"memory\") 1)\n"
        "  (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i32 i32))\n"
        "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n"
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    cr_expect_not(kt_validate(&m, &b));
    cr_expect_eq(b.nproblems, 1);
    cr_expect_str_eq(b.problems[0].text,
                     "missing export on-set (wasi:keyvalue/handle-watch#on-set or "
                     "cm32p2|wasi:keyvalue/handle-watch|on-set): expected (i32, i32, i32, i32) -> ()");
    cr_expect_null(b.on_set);
    cr_expect_not_null(b.on_delete);
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, unknown_import)
{
    static const char wat[] =
        "(module\n"
        "  (import \"wasi:cli/environment\" \"get-arguments\" (func (param i32)))\n"
        "  (import \"wasi:keyvalue/readwrite\" \"get-all\" (func (param i32)))\n"
        LEGACY_EXPORTS
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    cr_expect_not(kt_validate(&m, &b));
    cr_expect_eq(b.nproblems, 3);
    cr_expect_str_eq(b.problems[0].text,
                     "import \"wasi:cli/environment\" \"get-arguments\": a WASI interface at a "
                     "version kvaot does not provide (it provides preview 1 and 0.2.N)");
    expect_problem(&b, "import \"wasi:keyvalue/readwrite\" \"get-all\": not a function of the "
                       "keyvalue-handle-watch world or of WASI");
    expect_problem(&b, "kvaot build --stub-imports builds the 2 imports above that nothing "
                       "provides as functions that trap when called");
    cr_expect_eq(b.imports[0].kind, KT_BIND_UNPROVIDED);
    cr_expect_eq(b.imports[0].origin, KT_ORIGIN_WASI_OTHER);
    cr_expect_eq(b.imports[1].origin, KT_ORIGIN_OTHER);
    cr_expect_eq(bound_row(&b, 0), -1);
    cr_expect_eq(bound_row(&b, 1), -1);
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, wrong_import_signature)
{
    static const char wat[] =
        "(module\n"
        "  (import \"wasi:keyvalue/readwrite\" \"get\" (func (param i32)))\n"
        "  (import \"readwrite\" \"exists\" (func (param i32 i32 i32 i32) (result i32)))\n"
        "  (import \"types\" \"size\" (func (param f64) (result externref)))\n"
        LEGACY_EXPORTS
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    cr_expect_not(kt_validate(&m, &b));
    cr_expect_eq(b.nproblems, 3);
    cr_expect_str_eq(b.problems[0].text,
                     "import \"wasi:keyvalue/readwrite\" \"get\": "
                     "expected (i32, i32, i32, i32) -> (), found (i32) -> ()");
    cr_expect_str_eq(b.problems[1].text,
                     "import \"readwrite\" \"exists\": "
                     "expected (i32, i32, i32, i32) -> (), found (i32, i32, i32, i32) -> (i32)");
    cr_expect_str_eq(b.problems[2].text,
                     "import \"types\" \"size\": expected (i32) -> (i64), found (f64) -> (externref)");
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, memory_and_other_imports)
{
    static const char wat[] =
        "(module\n"
        "  (import \"env\" \"memory\" (memory 1))\n"
        "  (import \"env\" \"g\" (global i32))\n"
        "  (import \"env\" \"t\" (table 1 funcref))\n"
        "  (export \"memory\" (memory 0))\n"
        "  (func (export \"wasi:keyvalue/handle-watch#on-set\") (param i32 i32 i32 i32))\n"
        "  (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i32 i32))\n"
        "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n"
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    cr_expect_not(kt_validate(&m, &b));
    cr_expect_eq(b.nproblems, 3);
    cr_expect_str_eq(b.problems[0].text,
                     "import \"env\" \"memory\": memory imports are not provided (only functions "
                     "are), also not with --stub-imports");
    expect_problem(&b, "import \"env\" \"g\": global imports are not provided");
    expect_problem(&b, "import \"env\" \"t\": table imports are not provided");
    cr_expect_str_eq(b.memory, "memory");
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, wrong_exports)
{
    static const char wat[] =
        "(module\n"
        "  (memory 1)\n"
        "  (global (export \"memory\") i32 (i32.const 0))\n"
        "  (func (export \"wasi:keyvalue/handle-watch#on-set\") (param i32 i32 i32 i32) (result i32)"
        " i32.const 0)\n"
        "  (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i64 i32))\n"
        "  (func (export \"cabi_post_wasi:keyvalue/handle-watch#on-set\") (param i32))\n"
        "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32))\n"
        "  (func (export \"_initialize\") (param i32))\n"
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    cr_expect_not(kt_validate(&m, &b));
    expect_problem(&b, "export \"memory\" (memory): expected a memory, found a global");
    expect_problem(&b, "export \"wasi:keyvalue/handle-watch#on-set\" (on-set): "
                       "expected (i32, i32, i32, i32) -> (), found (i32, i32, i32, i32) -> (i32)");
    expect_problem(&b, "export \"wasi:keyvalue/handle-watch#on-delete\" (on-delete): "
                       "expected (i32, i32, i32) -> (), found (i32, i64, i32) -> ()");
    expect_problem(&b, "export \"cabi_post_wasi:keyvalue/handle-watch#on-set\" "
                       "(post-return of on-set): expected () -> (), found (i32) -> ()");
    expect_problem(&b, "export \"cabi_realloc\" (realloc): "
                       "expected (i32, i32, i32, i32) -> (i32), found (i32, i32, i32, i32) -> ()");
    expect_problem(&b, "export \"_initialize\" (initialize): expected () -> (), found (i32) -> ()");
    /* Wrong ones are reported as wrong, not also as missing. */
    cr_expect_not(has_problem(&b, "missing export"));
    cr_expect_eq(b.nproblems, 6);
    cr_expect_null(b.on_set);
    cr_expect_null(b.realloc_fn);
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, several_problems_all_reported)
{
    static const char wat[] =
        "(module\n"
        "  (import \"env\" \"memory\" (memory 1))\n"
        "  (import \"wasi_snapshot_preview1\" \"fd_write\" (func (param i32 i32 i32) (result i32)))\n"
        "  (import \"cm32p2|wasi:keyvalue/readwrite@0.1.0\" \"get\" (func (param i32 i32 i32)))\n"
        "  (import \"cm32p2|wasi:keyvalue/readwrite@0.1.0\" \"set\" (func (param i32 i32 i32 i32 i32)))\n"
        "  (func (export \"cm32p2|wasi:keyvalue/handle-watch|on-delete\") (param i32 i32 i32 i32))\n"
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    cr_expect_not(kt_validate(&m, &b));
    expect_problem(&b, "import \"env\" \"memory\": memory imports are not provided");
    expect_problem(&b, "import \"wasi_snapshot_preview1\" \"fd_write\": expected (i32, i32, i32, "
                       "i32) -> (i32), found (i32, i32, i32) -> (i32) (the WASI preview 1 signature)");
    expect_problem(&b, "import \"cm32p2|wasi:keyvalue/readwrite@0.1.0\" \"get\": "
                       "expected (i32, i32, i32, i32) -> (), found (i32, i32, i32) -> ()");
    expect_problem(&b, "export \"cm32p2|wasi:keyvalue/handle-watch|on-delete\" (on-delete): "
                       "expected (i32, i32, i32) -> (), found (i32, i32, i32, i32) -> ()");
    expect_problem(&b, "missing export on-set (");
    expect_problem(&b, "missing export realloc (cabi_realloc or cm32p2_realloc): "
                       "expected (i32, i32, i32, i32) -> (i32)");
    expect_problem(&b, "missing export memory (memory or cm32p2_memory): expected a memory");
    cr_expect_eq(b.nproblems, 7);
    cr_expect_eq(bound_row(&b, 3), world_row("readwrite", "set"));
    cr_expect_eq(bound_row(&b, 2), -1);
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, memory_under_other_name)
{
    static const char wat[] =
        "(module\n"
        "  (memory (export \"mem\") 1)\n"
        "  (func (export \"wasi:keyvalue/handle-watch#on-set\") (param i32 i32 i32 i32))\n"
        "  (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i32 i32))\n"
        "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n"
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    expect_conforms(&m, &b);
    cr_expect_str_eq(b.memory, "mem");
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, names_escaped_in_problems)
{
    static const char wat[] =
        "(module\n"
        "  (import \"we\\\"ird\\n\" \"x\\\\y\" (func))\n"
        LEGACY_EXPORTS
        ")\n";
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    cr_expect_not(kt_validate(&m, &b));
    cr_assert_eq(b.nproblems, 2);
    cr_expect_str_eq(b.problems[0].text,
                     "import \"we\\\"ird\\x0a\" \"x\\\\y\": not a function of the "
                     "keyvalue-handle-watch world or of WASI");
    cr_expect_null(strchr(b.problems[0].text, '\n'));
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, long_names_cut)
{
    char wat[4096];
    char longname[1001];
    memset(longname, 'a', 1000);
    longname[1000] = '\0';
    snprintf(wat, sizeof wat, "(module (import \"%s\" \"%s\" (func)) " LEGACY_EXPORTS ")\n",
             longname, longname);
    kt_module m;
    kt_binding b;
    load_wat(wat, &m);
    cr_expect_not(kt_validate(&m, &b));
    cr_assert_eq(b.nproblems, 2);
    cr_expect_lt(strlen(b.problems[0].text), sizeof b.problems[0].text);
    cr_expect_neq(strstr(b.problems[0].text, "...\""), NULL, "%s", b.problems[0].text);
    cr_expect_neq(strstr(b.problems[0].text, "not a function"), NULL, "%s", b.problems[0].text);
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(validate, empty_module)
{
    kt_module m = { 0 };
    kt_binding b;
    cr_expect_not(kt_validate(&m, &b));
    cr_expect_eq(b.nproblems, 4);
    cr_expect_null(b.imports);
    cr_expect_eq(b.scheme, KT_SCHEME_UNKNOWN);
    kt_binding_fini(&b);
}

/* ---- fixtures ------------------------------------------------------------ */

typedef void (*fixture_fn)(const char *path);

static int for_each_wat(const char *dir, fixture_fn fn)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s (run the tests from the repository root)", dir);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".wat") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        fn(path);
        count++;
    }
    closedir(d);
    return count;
}

static void check_valid_fixture(const char *path)
{
    kt_module m;
    kt_binding b;
    load_wat_file(path, &m);
    bool ok = kt_validate(&m, &b);
    if (!ok)
        dump_problems(&b);
    cr_expect(ok, "%s: rejected: %s", path, b.nproblems > 0 ? b.problems[0].text : "");
    cr_expect_not_null(b.on_set, "%s", path);
    cr_expect_not_null(b.on_delete, "%s", path);
    cr_expect_not_null(b.realloc_fn, "%s", path);
    cr_expect_not_null(b.memory, "%s", path);
    cr_expect_neq(b.scheme, KT_SCHEME_UNKNOWN, "%s", path);
    for (uint32_t i = 0; i < m.nimports; i++)
        cr_expect_geq(bound_row(&b, i), 0, "%s: import %u unbound", path, i);
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

/* Leading comment lines ";; expect: TEXT": every TEXT must be in a problem,
 * and there must be exactly as many problems as expect lines. */
static void check_bad_fixture(const char *path)
{
    static const char tag[] = ";; expect: ";
    size_t len = 0;
    char *text = (char *)tw_read_all(path, &len);
    uint32_t nexpect = 0;
    kt_module m;
    kt_binding b;

    load_wat_file(path, &m);
    cr_expect_not(kt_validate(&m, &b), "%s: accepted", path);
    for (char *line = text; line != NULL && strncmp(line, ";;", 2) == 0;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (strncmp(line, tag, strlen(tag)) == 0) {
            const char *want = line + strlen(tag);
            nexpect++;
            if (!has_problem(&b, want))
                dump_problems(&b);
            cr_expect(has_problem(&b, want), "%s: no problem containing: %s", path, want);
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    cr_expect_gt(nexpect, 0, "%s: no ';; expect:' line", path);
    if (b.nproblems != nexpect)
        dump_problems(&b);
    cr_expect_eq(b.nproblems, nexpect, "%s: %u problems, %u expected", path, b.nproblems, nexpect);
    kt_binding_fini(&b);
    kt_module_fini(&m);
    free(text);
}

Test(validate, fixtures_valid)
{
    cr_expect_geq(for_each_wat("tests/wat/valid", check_valid_fixture), 4);
}

Test(validate, fixtures_bad)
{
    cr_expect_geq(for_each_wat("tests/wat/bad", check_bad_fixture), 8);
}
