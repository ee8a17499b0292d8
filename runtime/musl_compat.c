/*
 * runtime/musl_compat.c - the glibc fortify entry points that Debian's
 * libjansson.a and libhiredis.a call, for `kvaot build --musl` only. Not part of the glibc
 * libkvrt.a (the Makefile leaves it out; compiling it against glibc is an
 * error below).
 *
 * Why glibc's libjansson.a in a musl executable at all: Debian ships jansson
 * only built against glibc, and `make musl` must work offline. Linking that
 * archive into a musl program is sound for what it needs, checked with
 * `nm -u /usr/lib/x86_64-linux-gnu/libjansson.a`:
 *  - jansson's own API (json_t, json_error_t: ints and char arrays, size_t)
 *    does not depend on the C library; the runtime uses json_loadb,
 *    json_object_get, json_string_value/_length, json_is_*, json_decref.
 *  - every libc function it calls has the same x86_64 ABI in musl: memory
 *    and string functions, strtod/strtoll, qsort, malloc/free,
 *    open/read/close (O_RDONLY is 0 in both), getpid, gettimeofday
 *    (struct timeval is two longs), sched_yield, fopen/fgetc/fwrite/fclose and
 *    stdin (FILE is only ever a pointer to it; json_loadf/json_dumpf are not
 *    used anyway), localeconv (only ->decimal_point, the first member in both),
 *    __errno_location, __assert_fail, __stack_chk_fail (musl keeps the
 *    canary at %fs:0x28 like glibc). None of jmp_buf, sigset_t, struct stat or
 *    the like (whose layouts do differ) crosses into jansson: everything else
 *    in the executable is compiled against musl's headers.
 *  - the only symbols musl lacks are glibc's _FORTIFY_SOURCE checks
 *    __snprintf_chk, __vsnprintf_chk and __strncpy_chk, defined here with the
 *    same checks (abort when the destination is smaller than the length the
 *    call says it may write).
 * `make musl` appends this object to a copy of libjansson.a
 * (build/lib/kvaot/musl/libjansson.a), so the linker finds the definitions
 * in the same archive as their callers whatever the link order.
 */
#ifdef __GLIBC__
#error "runtime/musl_compat.c is for the musl runtime only (make musl)"
#endif

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...);
int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt,
                    va_list ap);
char *__strncpy_chk(char *dest, const char *src, size_t n, size_t destlen);
void *__memcpy_chk(void *dest, const void *src, size_t n, size_t destlen);
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...);

/* glibc's __chk_fail: one line on stderr, then abort (SIGABRT). */
static _Noreturn void chk_fail(void)
{
    static const char msg[] = "*** buffer overflow detected ***: terminated\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    abort();
}

/* slen is the object size the compiler knew for s; writing up to maxlen
 * bytes must fit in it. flag (glibc's %n-in-writable-memory check) is not
 * needed: musl's printf has no such hardening to switch on. */
int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt,
                    va_list ap)
{
    (void)flag;
    if (slen < maxlen)
        chk_fail();
    return vsnprintf(s, maxlen, fmt, ap);
}

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = __vsnprintf_chk(s, maxlen, flag, slen, fmt, ap);
    va_end(ap);
    return r;
}

char *__strncpy_chk(char *dest, const char *src, size_t n, size_t destlen)
{
    if (destlen < n)
        chk_fail();
    return strncpy(dest, src, n);
}

/* hiredis (also glibc-built: Debian's libhiredis.a, `nm -u` checked the
 * same way; its struct addrinfo, timeval, pollfd and sockaddr_un have the
 * x86_64 layout musl uses) calls these two as well. */
void *__memcpy_chk(void *dest, const void *src, size_t n, size_t destlen)
{
    if (destlen < n)
        chk_fail();
    return memcpy(dest, src, n);
}

/* slen is SIZE_MAX when the compiler did not know the object's size;
 * musl's vsnprintf fails (EOVERFLOW) for a size past INT_MAX, so cap it. */
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(s, slen > INT_MAX ? INT_MAX : slen, fmt, ap);
    va_end(ap);
    if (r >= 0 && (size_t)r >= slen)
        chk_fail();
    return r;
}
