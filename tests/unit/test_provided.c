/*
 * tests/unit/test_provided.c - the imports kvaot provides besides the world
 * (transpile/provided.c) and how validate.c binds them: every preview 1
 * function with its witx signature, WASI 0.2 by any @0.2.N in both namings
 * and nothing else, what an unprovided import is (its origin), stubs with
 * --stub-imports, and the preview 1 adapter's role (component.c).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "component.h"
#include "provided.h"
#include "test_support_wat.h"
#include "validate.h"

static const kt_world_func *find(const char *module, const char *field, kt_provider *prov)
{
    return kt_provided_find(module, field, prov);
}

Test(provided, preview1_table)
{
    static const char *const p1[] = {
        "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
        "clock_time_get", "fd_advise", "fd_allocate", "fd_close", "fd_datasync",
        "fd_fdstat_get", "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get",
        "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread", "fd_prestat_get",
        "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
        "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get",
        "path_filestat_set_times", "path_link", "path_open", "path_readlink",
        "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file",
        "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get", "sock_accept",
        "sock_recv", "sock_send", "sock_shutdown",
    };
    kt_provider prov;
    for (size_t i = 0; i < sizeof p1 / sizeof p1[0]; i++) {
        const kt_world_func *f = find("wasi_snapshot_preview1", p1[i], &prov);
        cr_assert_not_null(f, "%s", p1[i]);
        cr_expect_eq(prov, KT_PROV_WASI_P1, "%s", p1[i]);
        cr_expect_str_eq(f->results, strcmp(p1[i], "proc_exit") == 0 ? "" : "i", "%s", p1[i]);
    }
    cr_expect_str_eq(find("wasi_snapshot_preview1", "fd_write", &prov)->params, "iiii");
    cr_expect_str_eq(find("wasi_snapshot_preview1", "path_open", &prov)->params, "iiiiiIIii");
    cr_expect_str_eq(find("wasi_snapshot_preview1", "fd_seek", &prov)->params, "iIii");
    cr_expect_null(find("wasi_snapshot_preview1", "fd_frobnicate", &prov));
    cr_expect_null(find("wasi_unstable", "fd_write", &prov));
}

Test(provided, wasi_p2_versions_and_namings)
{
    kt_provider prov;
    static const char *const good[] = {
        "wasi:io/streams@0.2.0", "wasi:io/streams@0.2.3", "wasi:io/streams@0.2.10",
        "cm32p2|wasi:io/streams@0.2.3",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const kt_world_func *f = find(good[i], "[method]output-stream.check-write", &prov);
        cr_assert_not_null(f, "%s", good[i]);
        cr_expect_eq(prov, KT_PROV_WASI_P2);
        cr_expect(kt_is_wasi_p2_module(good[i]), "%s", good[i]);
    }
    static const char *const bad[] = {
        "wasi:io/streams", "wasi:io/streams@0.2", "wasi:io/streams@0.3.0",
        "wasi:io/streams@0.2.0-rc-2023-11-10", "wasi:io/streams@0.2.x", "io/streams@0.2.0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_null(find(bad[i], "[method]output-stream.check-write", &prov), "%s", bad[i]);
    cr_expect_not(kt_is_wasi_p2_module("wasi:keyvalue/readwrite@0.2.0"));
    cr_expect_null(find("wasi:io/streams@0.2.0", "read", &prov));
    cr_expect_str_eq(find("wasi:cli/stdout@0.2.0", "get-stdout", &prov)->results, "i");
    cr_expect_str_eq(find("wasi:random/random@0.2.0", "get-random-bytes", &prov)->params, "Ii");
    cr_expect_null(find("wasi:filesystem/types@0.2.0", "[method]descriptor.stat", &prov));
    cr_expect_null(find("wasi:http/types@0.2.0", "[constructor]fields", &prov));
}

Test(provided, toolchain_functions)
{
    kt_provider prov;
    const kt_world_func *f = find("env", "abort", &prov);
    cr_assert_not_null(f);
    cr_expect_eq(prov, KT_PROV_TOOLCHAIN);
    cr_expect_str_eq(f->params, "iiii");
    cr_expect_str_eq(find("env", "seed", &prov)->results, "F");
    cr_expect_str_eq(find("env", "trace", &prov)->params, "iiFFFFF");
    cr_expect_null(find("env", "memcpy", &prov));
}

Test(provided, origins)
{
    cr_expect_eq(kt_import_origin("wasi_snapshot_preview1"), KT_ORIGIN_WASI_P1);
    cr_expect_eq(kt_import_origin("wasi_unstable"), KT_ORIGIN_WASI_UNSTABLE);
    cr_expect_eq(kt_import_origin("wasi:http/types@0.2.3"), KT_ORIGIN_WASI_P2);
    cr_expect_eq(kt_import_origin("cm32p2|wasi:sockets/tcp@0.2.0"), KT_ORIGIN_WASI_P2);
    cr_expect_eq(kt_import_origin("wasi:http/types@0.3.0"), KT_ORIGIN_WASI_OTHER);
    cr_expect_eq(kt_import_origin("wasi:keyvalue/store"), KT_ORIGIN_OTHER);
    cr_expect_eq(kt_import_origin("env"), KT_ORIGIN_ENV);
    cr_expect_eq(kt_import_origin("my-host"), KT_ORIGIN_OTHER);
}

#define HANDLERS \
    "  (memory (export \"memory\") 1)\n" \
    "  (func (export \"cabi_realloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)\n" \
    "  (func (export \"wasi:keyvalue/handle-watch#on-set\") (param i32 i32 i32 i32))\n" \
    "  (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i32 i32))\n"

/* WASI 0.2's streams interface is never bound to the world's. */
Test(provided, wasi_streams_are_not_the_worlds)
{
    kt_module m;
    kt_binding b;
    tw_load("(module (import \"wasi:io/streams@0.2.0\" \"[resource-drop]input-stream\" "
            "(func (param i32))) (import \"wasi:io/streams@0.2.0\" \"drop-input-stream\" "
            "(func (param i32)))" HANDLERS ")", "", &m);
    cr_expect_not(kt_validate(&m, &b));
    cr_expect_eq(b.imports[0].kind, KT_BIND_FUNC);
    cr_expect_eq(b.imports[0].prov, KT_PROV_WASI_P2);
    cr_expect_eq(b.imports[1].kind, KT_BIND_UNPROVIDED);
    cr_expect_eq(b.imports[1].origin, KT_ORIGIN_WASI_P2);
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(provided, stub_imports_bind_every_function)
{
    kt_module m;
    kt_binding b;
    tw_load("(module (import \"env\" \"f\" (func (param f32 f64) (result i64)))"
            " (import \"x\" \"y\" (func)) (import \"env\" \"g\" (global i32))" HANDLERS ")",
            "", &m);
    kt_validate_opts o;
    memset(&o, 0, sizeof o);
    o.stub_imports = true;
    cr_expect_not(kt_validate_with(&m, &o, &b));   /* the global is still a problem */
    cr_expect_eq(b.imports[0].kind, KT_BIND_STUB);
    cr_expect_eq(b.imports[1].kind, KT_BIND_STUB);
    cr_expect_eq(b.imports[2].kind, KT_BIND_NONE);
    cr_expect_eq(b.nstubs, 2);
    cr_expect_eq(b.nproblems, 1);
    cr_expect_neq(strstr(b.problems[0].text, "global imports are not provided"), NULL);
    kt_binding_fini(&b);
    kt_module_fini(&m);
}

Test(provided, map_export)
{
    kt_module m;
    kt_binding b;
    tw_load("(module (memory (export \"mem\") 1)"
            " (func (export \"alloc\") (param i32 i32 i32 i32) (result i32) i32.const 0)"
            " (func (export \"onSet\") (param i32 i32 i32 i32))"
            " (func (export \"onDelete\") (param i32 i32 i32))"
            " (func (export \"wasi:keyvalue/handle-watch#on-delete\") (param i32 i32 i32)))",
            "", &m);
    kt_validate_opts o;
    memset(&o, 0, sizeof o);
    cr_expect_not(kt_validate_with(&m, &o, &b));
    bool hinted = false;
    for (uint32_t i = 0; i < b.nproblems; i++)
        hinted |= strstr(b.problems[i].text, "build with --map-export on-set=onSet") != NULL;
    cr_expect(hinted);
    kt_binding_fini(&b);
    o.map[KT_ROLE_ON_SET] = "onSet";
    o.map[KT_ROLE_ON_DELETE] = "onDelete";
    o.map[KT_ROLE_REALLOC] = "alloc";
    cr_expect(kt_validate_with(&m, &o, &b), "%s", b.nproblems ? b.problems[0].text : "");
    cr_expect_str_eq(b.on_set, "onSet");
    cr_expect_str_eq(b.on_delete, "onDelete");    /* the map wins over the world's name */
    cr_expect_str_eq(b.realloc_fn, "alloc");
    kt_binding_fini(&b);
    o.map[KT_ROLE_ON_SET] = "onDelete";           /* wrong signature */
    cr_expect_not(kt_validate_with(&m, &o, &b));
    kt_binding_fini(&b);
    kt_module_fini(&m);
    cr_expect_eq(kt_export_role_parse("on-delete"), KT_ROLE_ON_DELETE);
    cr_expect_eq(kt_export_role_parse("on_set"), -1);
}

/* wit-component's preview 1 adapter: exports preview 1, imports WASI 0.2
 * and the guest's exports only. A module that also imports something else
 * is "other". */
Test(provided, adapter_role)
{
    kt_module m;
    tw_load("(module (import \"env\" \"memory\" (memory 0))"
            " (import \"wasi:cli/stderr@0.2.3\" \"get-stderr\" (func (result i32)))"
            " (import \"__main_module__\" \"cabi_realloc\" (func (param i32 i32 i32 i32) (result i32)))"
            " (func (export \"fd_write\") (param i32 i32 i32 i32) (result i32) i32.const 0)"
            " (func (export \"reset_adapter_state\")))", "", &m);
    cr_expect_eq(kt_classify_module(&m), KT_ROLE_ADAPTER);
    cr_expect_str_eq(kt_role_name(KT_ROLE_ADAPTER), "wasi-preview1-adapter");
    kt_module_fini(&m);
    tw_load("(module (import \"my-host\" \"f\" (func))"
            " (func (export \"fd_write\") (param i32 i32 i32 i32) (result i32) i32.const 0))",
            "", &m);
    cr_expect_eq(kt_classify_module(&m), KT_ROLE_OTHER);
    kt_module_fini(&m);
}
