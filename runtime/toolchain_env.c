/*
 * runtime/toolchain_env.c - the "env" host functions toolchains import by
 * default, so their guests build as they come (README: Guests from other
 * toolchains), and the --stub-imports trap:
 *   AssemblyScript  env.abort(message, file, line, column): a trap with
 *                   AssemblyScript's own text "abort: MESSAGE at FILE:L:C";
 *                   env.seed(): Math.random's seed, from the OS;
 *                   env.trace(message, n, a0..a4): one line on the guest
 *                   output, as AssemblyScript's loader prints it;
 *   Emscripten      env.emscripten_notify_memory_growth(index): nothing.
 * AssemblyScript strings are UTF-16LE with their byte length in the u32
 * before them (the object header's rtSize); they are read with checks and
 * converted to UTF-8 (a lone surrogate becomes U+FFFD), at most 200 UTF-16
 * units each.
 */
#include "iface.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestio.h"
#include "os.h"

#define AS_TEXT_MAX 200     /* UTF-16 units kept of one string */

static void put_utf8(kvrt_buf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xc0 | (cp >> 6));
        u[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xe0 | (cp >> 12));
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | (cp >> 18));
        u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    kvrt_buf_append(b, u, n);
}

/* The AssemblyScript string at ptr as UTF-8 into b: "null" for 0, "?" for
 * a pointer or length outside memory. */
static void as_string(kvrt_ctx *ctx, uint32_t ptr, kvrt_buf *b)
{
    if (ptr == 0) {
        kvrt_buf_puts(b, "null");
        return;
    }
    const uint8_t *hdr = ptr >= 4 ? kvrt_mem_try(ctx, ptr - 4, 4) : NULL;
    uint32_t bytes = hdr ? kvrt_get_u32(hdr) : 0;
    const uint8_t *s = hdr ? kvrt_mem_try(ctx, ptr, bytes) : NULL;
    if (s == NULL) {
        kvrt_buf_puts(b, "?");
        return;
    }
    uint32_t units = bytes / 2, n = units < AS_TEXT_MAX ? units : AS_TEXT_MAX;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)s[2 * i] | (uint32_t)s[2 * i + 1] << 8;
        if (u >= 0xd800 && u < 0xdc00 && i + 1 < n) {
            uint32_t lo = (uint32_t)s[2 * i + 2] | (uint32_t)s[2 * i + 3] << 8;
            if (lo >= 0xdc00 && lo < 0xe000) {
                put_utf8(b, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
                i++;
                continue;
            }
        }
        put_utf8(b, u >= 0xd800 && u < 0xe000 ? 0xfffd : u);
    }
    if (n < units)
        kvrt_buf_puts(b, "...");
}

void kvrt_as_abort(kvrt_ctx *ctx, uint32_t msg, uint32_t file, uint32_t line, uint32_t col)
{
    kvrt_buf m, f;
    kvrt_buf_init(&m);
    kvrt_buf_init(&f);
    as_string(ctx, msg, &m);
    as_string(ctx, file, &f);
    kvrt_buf_putc(&m, 0);
    kvrt_buf_putc(&f, 0);
    char text[sizeof ctx->trap_buf];
    snprintf(text, sizeof text, "abort: %s at %s:%u:%u", m.data ? (char *)m.data : "",
             f.data ? (char *)f.data : "", line, col);
    kvrt_buf_fini(&m);
    kvrt_buf_fini(&f);
    kvrt_trap(ctx, "%s", text);
}

double kvrt_as_seed(kvrt_ctx *ctx)
{
    uint64_t v;
    if (kvrt_os_random((uint8_t *)&v, sizeof v) != 0)
        v = kvrt_os_now_ns();
    (void)ctx;
    return (double)(v >> 11);       /* an integer below 2^53, as Date.now() would be */
}

/* A number as JavaScript prints it: the shortest form that reads back. */
static void put_js_number(kvrt_buf *b, double d)
{
    char tmp[40];
    if (isnan(d)) {
        kvrt_buf_puts(b, "NaN");
        return;
    }
    if (isinf(d)) {
        kvrt_buf_puts(b, d < 0 ? "-Infinity" : "Infinity");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    kvrt_buf_puts(b, tmp);
}

void kvrt_as_trace(kvrt_ctx *ctx, uint32_t msg, uint32_t n, double a0, double a1, double a2,
                   double a3, double a4)
{
    const double args[5] = {a0, a1, a2, a3, a4};
    kvrt_buf b;
    kvrt_buf_init(&b);
    kvrt_buf_puts(&b, "trace: ");
    as_string(ctx, msg, &b);
    for (uint32_t i = 0; i < n && i < 5; i++) {
        kvrt_buf_puts(&b, i == 0 ? " " : ", ");
        put_js_number(&b, args[i]);
    }
    kvrt_buf_putc(&b, '\n');
    if (b.data != NULL)
        kvrt_guestio_write(ctx, b.data, b.len);
    kvrt_buf_fini(&b);
}

void kvrt_emscripten_notify_memory_growth(kvrt_ctx *ctx, uint32_t memory_index)
{
    (void)ctx;
    (void)memory_index;
}

void kvrt_stub_trap(kvrt_ctx *ctx, const char *module, const char *name)
{
    kvrt_trap(ctx, "guest called %s %s, which this executable does not provide", module, name);
}
