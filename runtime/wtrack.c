/*
 * runtime/wtrack.c - the written pages of one mapping, by write
 * protection; see wtrack.h.
 *
 * The fault handler may run at any instruction that writes the range,
 * host code included, so what it reads and changes (the range, the bit
 * per page and the list of pages) is only set up or torn down outside it,
 * with the range made read-only last when arming and writable first when
 * disarming.
 */
#include "wtrack.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define OS_PAGE 4096u

static bool g_enabled;              /* the fault handler is in place */
static bool g_env_checked;
static unsigned g_overflows;        /* runs whose set overflowed */
static uint8_t *volatile g_base;    /* the armed range, NULL: none */
static size_t g_size;
static uint8_t *g_bits;             /* a bit per page: in the set (writable) */
static size_t g_bits_cap;           /* bytes allocated for g_bits */
static uint32_t g_pages[KVRT_WTRACK_MAX_PAGES];
static size_t g_n;
static volatile bool g_over;        /* overflowed: all writable, the set is lost */

void kvrt_wtrack_enable(void)
{
    g_enabled = true;
}

/* Whether /proc/self/status names a tracer (a debugger: gdb would stop
 * at every tracked fault). */
static bool traced(void)
{
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    const char *t = strstr(buf, "\nTracerPid:");
    if (t == NULL)
        return false;
    t += strlen("\nTracerPid:");
    while (*t == ' ' || *t == '\t')
        t++;
    return *t != '0';
}

/* Off by the environment's knob, under valgrind (its preloads are named
 * in LD_PRELOAD even for a static executable; it reports these faults
 * with the wrong address, so a tracked write would become a trap) and
 * under a debugger; checked once, when tracking is first wanted. */
static bool allowed(void)
{
    if (!g_env_checked) {
        g_env_checked = true;
        const char *knob = getenv("KVAOT_TRACK_WRITES");
        const char *preload = getenv("LD_PRELOAD");
        if ((knob != NULL && strcmp(knob, "off") == 0) ||
            (preload != NULL && strstr(preload, "/vgpreload_") != NULL) || traced())
            g_enabled = false;
    }
    return g_enabled && g_overflows < KVRT_WTRACK_MAX_OVERFLOWS;
}

bool kvrt_wtrack_arm(uint8_t *base, size_t size)
{
    if (!allowed() || g_base != NULL || base == NULL || size == 0 || size % OS_PAGE != 0)
        return false;
    size_t need = size / OS_PAGE / 8 + 1;
    if (need > g_bits_cap) {
        uint8_t *bits = malloc(need);
        if (bits == NULL)
            return false;
        free(g_bits);
        g_bits = bits;
        g_bits_cap = need;
    }
    memset(g_bits, 0, need);
    g_n = 0;
    g_over = false;
    g_size = size;
    if (mprotect(base, size, PROT_READ) != 0)
        return false;
    g_base = base;
    return true;
}

size_t kvrt_wtrack_size(const uint8_t *base)
{
    return base != NULL && base == g_base ? g_size : 0;
}

bool kvrt_wtrack_set(const uint8_t *base, const uint32_t **pages, size_t *n)
{
    if (base == NULL || base != g_base || g_over)
        return false;
    *pages = g_pages;
    *n = g_n;
    return true;
}

bool kvrt_wtrack_disarm(void)
{
    uint8_t *base = g_base;
    if (base == NULL)
        return true;
    bool ok = g_over || mprotect(base, g_size, PROT_READ | PROT_WRITE) == 0;
    if (g_over)
        g_overflows++;
    g_base = NULL;
    g_over = false;
    g_n = 0;
    return ok;
}

bool kvrt_wtrack_fault(const void *addr)
{
    uint8_t *base = g_base;
    uintptr_t a = (uintptr_t)addr;
    if (base == NULL || g_over || a < (uintptr_t)base || a - (uintptr_t)base >= g_size)
        return false;
    size_t page = (a - (uintptr_t)base) / OS_PAGE;
    if ((g_bits[page / 8] >> (page % 8)) & 1)
        return false;               /* writable already: not ours */
    if (g_n == KVRT_WTRACK_MAX_PAGES) {
        if (mprotect(base, g_size, PROT_READ | PROT_WRITE) != 0)
            return false;
        g_over = true;
        return true;
    }
    if (mprotect(base + page * OS_PAGE, OS_PAGE, PROT_READ | PROT_WRITE) != 0)
        return false;
    g_bits[page / 8] |= (uint8_t)(1u << (page % 8));
    g_pages[g_n++] = (uint32_t)page;
    return true;
}
