/*
 * tests/unit/test_wtrack.c - write tracking by page protection
 * (runtime/wtrack.c) and the memory resets built on it (runtime/memory.c):
 * first writes fault once and are listed, host writes (memset) too, the set
 * overflowing into "all writable", giving up after two overflows, the
 * environment knob, and fresh memories reading as zeros across resets
 * with tracking armed. Each test runs in a process of its own, with a
 * SIGSEGV handler that lets tracked faults through and crashes on any
 * other (a crash fails the test).
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wasm-rt.h"
#include "wtrack.h"

#define OS_PAGE 4096u

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (kvrt_wtrack_fault(si->si_addr))
        return;
    signal(sig, SIG_DFL);           /* the access faults again: a crash */
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigfillset(&sa.sa_mask);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    cr_assert_eq(sigaction(SIGSEGV, &sa, NULL), 0);
    kvrt_wtrack_enable();
}

static uint8_t *map_pages(size_t pages)
{
    void *p = mmap(NULL, pages * OS_PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED);
    return p;
}

Test(wtrack, off_until_the_handler_is_enabled)
{
    uint8_t *m = map_pages(4);
    cr_assert(!kvrt_wtrack_arm(m, 4 * OS_PAGE));
    cr_assert_eq(kvrt_wtrack_size(m), 0u);
    m[0] = 1;                       /* still writable: no handler needed */
}

Test(wtrack, off_by_the_environment)
{
    setenv("KVAOT_TRACK_WRITES", "off", 1);
    install();
    uint8_t *m = map_pages(4);
    cr_assert(!kvrt_wtrack_arm(m, 4 * OS_PAGE));
    m[OS_PAGE] = 1;
}

Test(wtrack, first_writes_fault_once_and_are_listed)
{
    install();
    uint8_t *m = map_pages(64);
    m[7 * OS_PAGE] = 7;
    cr_assert(!kvrt_wtrack_arm(m + 1, OS_PAGE), "not page aligned");
    cr_assert(kvrt_wtrack_arm(m, 64 * OS_PAGE));
    cr_assert_eq(kvrt_wtrack_size(m), 64 * OS_PAGE);
    cr_assert_eq(kvrt_wtrack_size(m + OS_PAGE), 0u, "only the armed base");
    cr_assert(!kvrt_wtrack_arm(m, 64 * OS_PAGE), "one range at a time");
    cr_assert_eq(m[7 * OS_PAGE], 7, "reads as before");
    m[5 * OS_PAGE + 100] = 1;
    m[3 * OS_PAGE] = 2;
    m[5 * OS_PAGE + 200] = 3;       /* writable now: no second entry */
    memset(m + 60 * OS_PAGE + 4000, 9, 200);    /* host code, two pages */
    const uint32_t *pages;
    size_t n;
    cr_assert(kvrt_wtrack_set(m, &pages, &n));
    cr_assert_eq(n, 4u);
    cr_assert_eq(pages[0], 5u);
    cr_assert_eq(pages[1], 3u);
    /* memset may store the end first */
    cr_assert(pages[2] + pages[3] == 121u && (pages[2] == 60u || pages[2] == 61u));
    cr_assert_eq(m[5 * OS_PAGE + 100], 1);
    cr_assert_eq(m[61 * OS_PAGE + 103], 9);
    cr_assert(!kvrt_wtrack_fault(m + 5 * OS_PAGE), "a page in the set is not a tracked fault");
    cr_assert(!kvrt_wtrack_fault(m + 64 * OS_PAGE), "past the range");
    cr_assert(!kvrt_wtrack_fault(m - 1), "before the range");
    cr_assert(kvrt_wtrack_disarm());
    cr_assert_eq(kvrt_wtrack_size(m), 0u);
    cr_assert(!kvrt_wtrack_set(m, &pages, &n));
    for (size_t p = 0; p < 64; p++)
        m[p * OS_PAGE] = 1;         /* all writable again, no faults tracked */
    cr_assert(kvrt_wtrack_arm(m, 64 * OS_PAGE), "armed again");
    cr_assert(kvrt_wtrack_set(m, &pages, &n));
    cr_assert_eq(n, 0u, "from an empty set");
}

/* Writes one byte to every page of [m, m + pages pages). */
static void touch_all(uint8_t *m, size_t pages)
{
    for (size_t p = 0; p < pages; p++)
        m[p * OS_PAGE + 1] = (uint8_t)p;
}

Test(wtrack, overflow_makes_all_writable_and_two_turn_it_off)
{
    install();
    size_t pages = KVRT_WTRACK_MAX_PAGES + 8;
    uint8_t *m = map_pages(pages);
    const uint32_t *set;
    size_t n;
    for (unsigned round = 0; round < KVRT_WTRACK_MAX_OVERFLOWS; round++) {
        cr_assert(kvrt_wtrack_arm(m, pages * OS_PAGE), "round %u", round);
        touch_all(m, KVRT_WTRACK_MAX_PAGES);
        cr_assert(kvrt_wtrack_set(m, &set, &n), "exactly full is not overflowed");
        cr_assert_eq(n, KVRT_WTRACK_MAX_PAGES);
        touch_all(m, pages);
        cr_assert(!kvrt_wtrack_set(m, &set, &n), "overflowed: the set is lost");
        cr_assert_eq(kvrt_wtrack_size(m), pages * OS_PAGE, "still armed");
        for (size_t p = 0; p < pages; p++)
            cr_assert_eq(m[p * OS_PAGE + 1], (uint8_t)p);
        cr_assert(kvrt_wtrack_disarm());
    }
    cr_assert(!kvrt_wtrack_arm(m, pages * OS_PAGE), "off after two overflows");
    touch_all(m, pages);
}

/* ---- memory.c on top of it -------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

Test(wtrack, fresh_memories_read_as_zeros_with_tracking)
{
    install();
    wasm_rt_memory_t m;
    uint8_t *first = NULL;
    for (unsigned round = 0; round < 6; round++) {
        wasm_rt_allocate_memory(&m, 3, 10);
        cr_assert_not_null(m.data);
        cr_assert_eq(m.size, 3u * 65536);
        if (first == NULL)
            first = m.data;
        cr_assert_eq(m.data, first, "round %u: the spare is reused", round);
        cr_assert(all_zero(m.data, m.size), "round %u: not all zeros", round);
        if (round >= 2)
            cr_assert_eq(kvrt_wtrack_size(m.data), m.size, "round %u: tracked", round);
        /* a different page each round, one every time, and growth */
        m.data[round * 20000] = 0xaa;
        m.data[100] = 0x55;
        memset(m.data + 130000, 0x77, 9000);
        if (round % 2 == 1) {
            cr_assert_eq(wasm_rt_grow_memory(&m, 1), 3u);
            m.data[m.size - 1] = 0x33;
        }
        wasm_rt_free_memory(&m);
    }
    wasm_rt_allocate_memory(&m, 5, 10);
    cr_assert_eq(kvrt_wtrack_size(m.data), 0u, "another size: not tracked");
    cr_assert(all_zero(m.data, m.size));
    m.data[m.size - 1] = 1;
    wasm_rt_free_memory(&m);
}
