/*
 * transpile/objcache.c - the build cache; see objcache.h.
 */
#include "objcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "driver.h"

static const char MAGIC[8] = {'K', 'V', 'A', 'O', 'T', 'O', 'B', '1'};
enum { TRAILER = 8 + 8 + 16 };

bool kt_cache_on(const kt_cache *c)
{
    return c->dir[0] != '\0';
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static void update_str(XXH3_state_t *h, const char *s)
{
    XXH3_128bits_update(h, s, strlen(s) + 1);
}

/* The file's content into h (its length first); -1 when unreadable. */
static int update_file(XXH3_state_t *h, const char *path)
{
    uint8_t *data;
    size_t len;
    if (kt_read_file(path, &data, &len) != 0)
        return -1;
    uint64_t n = len;
    XXH3_128bits_update(h, &n, sizeof n);
    XXH3_128bits_update(h, data, len);
    free(data);
    return 0;
}

/* Where argv[0] of cc is on PATH, and that file's size and time: a new
 * compiler under the same name makes new keys even if --version lies. */
static void update_compiler_file(XXH3_state_t *h, const char *cmd)
{
    char probe[PATH_MAX];
    struct stat st;
    const char *path = getenv("PATH");
    if (strchr(cmd, '/') != NULL) {
        snprintf(probe, sizeof probe, "%s", cmd);
    } else {
        probe[0] = '\0';
        for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
            size_t n = strcspn(p, ":");
            snprintf(probe, sizeof probe, "%.*s/%s", (int)n, p, cmd);
            if (access(probe, X_OK) == 0)
                break;
            probe[0] = '\0';
            p += n;
            if (*p == ':')
                p++;
        }
    }
    char real[PATH_MAX];
    if (probe[0] == '\0' || realpath(probe, real) == NULL || stat(real, &st) != 0)
        return;
    update_str(h, real);
    uint64_t facts[2] = {(uint64_t)st.st_size, (uint64_t)st.st_mtime};
    XXH3_128bits_update(h, facts, sizeof facts);
}

/* Tool `cmd` (words) into h: the command, its `--version` output, its binary. */
static void update_tool(XXH3_state_t *h, const char *cmd)
{
    kt_argv v;
    kt_argv_init(&v);
    kt_argv_add_words(&v, cmd);
    kt_argv_add(&v, "--version");
    kt_sb out;
    kt_sb_init(&out);
    kt_run_stdout(&v, &out);
    update_str(h, cmd);
    update_str(h, kt_sb_str(&out));
    if (v.n > 0)
        update_compiler_file(h, v.v[0]);
    kt_sb_fini(&out);
    kt_argv_fini(&v);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void digest_of(XXH3_state_t *h, uint8_t out[16])
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(h));
    memcpy(out, c.digest, 16);
}

void kt_cache_open(kt_cache *c, const char *cc, const char *include_dir, bool off, bool verbose)
{
    memset(c, 0, sizeof *c);
    if (off)
        return;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[PATH_MAX];
    if (xdg != NULL && xdg[0] == '/')
        snprintf(dir, sizeof dir, "%s/kvaot/objects", xdg);
    else if (home != NULL && home[0] == '/')
        snprintf(dir, sizeof dir, "%s/.cache/kvaot/objects", home);
    else
        return;
    if (make_dirs(dir) != 0) {
        if (verbose)
            fprintf(stderr, "kvaot: no build cache: cannot make %s: %s\n", dir, strerror(errno));
        return;
    }
    XXH3_state_t *h = XXH3_createState();
    if (h == NULL || XXH3_128bits_reset(h) != XXH_OK) {
        XXH3_freeState(h);
        return;
    }
    update_str(h, "kvaot object cache 1");
    update_str(h, KVAOT_VERSION);
    update_tool(h, cc);
    /* the runtime's headers: every unit includes some of them */
    DIR *d = opendir(include_dir);
    if (d != NULL) {
        char names[64][256];
        int n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < 64) {
            if (e->d_name[0] != '.')
                snprintf(names[n++], sizeof names[0], "%s", e->d_name);
        }
        closedir(d);
        qsort(names, (size_t)n, sizeof names[0], compare_names);
        for (int i = 0; i < n; i++) {
            char path[PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", include_dir, names[i]);
            update_str(h, names[i]);
            update_file(h, path);
        }
    }
    digest_of(h, c->base);
    XXH3_freeState(h);
    snprintf(c->dir, sizeof c->dir, "%s", dir);
}

void kt_cache_tool_id(const char *cmd, char id[33])
{
    XXH3_state_t *h = XXH3_createState();
    uint8_t d[16] = {0};
    if (h != NULL && XXH3_128bits_reset(h) == XXH_OK) {
        update_tool(h, cmd);
        digest_of(h, d);
    }
    XXH3_freeState(h);
    for (int i = 0; i < 16; i++)
        snprintf(id + 2 * i, 3, "%02x", d[i]);
}

int kt_cache_key(const kt_cache *c, const kt_argv *flags, const char *const *inputs, int ninputs,
                 char key[33])
{
    XXH3_state_t *h = XXH3_createState();
    if (h == NULL || XXH3_128bits_reset(h) != XXH_OK) {
        XXH3_freeState(h);
        return -1;
    }
    XXH3_128bits_update(h, c->base, sizeof c->base);
    for (int i = 0; i < flags->n; i++)
        update_str(h, flags->v[i]);
    int rc = 0;
    for (int i = 0; i < ninputs && rc == 0; i++)
        rc = update_file(h, inputs[i]);
    uint8_t d[16];
    digest_of(h, d);
    XXH3_freeState(h);
    for (int i = 0; i < 16; i++)
        snprintf(key + 2 * i, 3, "%02x", d[i]);
    return rc;
}

static void entry_path(const kt_cache *c, const char *key, char *out, size_t cap, bool dir_only);

void kt_cache_path(const kt_cache *c, const char *key, char *out, size_t cap)
{
    entry_path(c, key, out, cap, false);
}

static void entry_path(const kt_cache *c, const char *key, char *out, size_t cap, bool dir_only)
{
    if (dir_only)
        snprintf(out, cap, "%s/%.2s", c->dir, key);
    else
        snprintf(out, cap, "%s/%.2s/%s.o", c->dir, key, key + 2);
}

static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

bool kt_cache_fetch(kt_cache *c, const char *key, const char *obj)
{
    if (!kt_cache_on(c))
        return false;
    char path[PATH_MAX + 64];
    entry_path(c, key, path, sizeof path, false);
    uint8_t *data;
    size_t len;
    if (kt_read_file(path, &data, &len) != 0) {
        c->misses++;
        return false;
    }
    bool ok = len >= TRAILER && memcmp(data + len - TRAILER, MAGIC, 8) == 0;
    uint64_t n = 0;
    if (ok) {
        memcpy(&n, data + len - TRAILER + 8, 8);
        ok = n == len - TRAILER;
    }
    if (ok) {
        XXH128_canonical_t want, got;
        memcpy(want.digest, data + len - 16, 16);
        XXH128_canonicalFromHash(&got, XXH3_128bits(data, (size_t)n));
        ok = memcmp(want.digest, got.digest, 16) == 0;
    }
    if (!ok) {
        c->damaged++;
        c->misses++;
        unlink(path);
        free(data);
        return false;
    }
    int fd = open(obj, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ok = fd >= 0 && write_all(fd, data, (size_t)n) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    free(data);
    if (ok)
        c->hits++;
    else
        c->misses++;
    return ok;
}

void kt_cache_store(kt_cache *c, const char *key, const char *obj)
{
    if (!kt_cache_on(c))
        return;
    uint8_t *data;
    size_t len;
    if (kt_read_file(obj, &data, &len) != 0)
        return;
    char dir[PATH_MAX + 8], path[PATH_MAX + 64], tmp[PATH_MAX + 100];
    entry_path(c, key, dir, sizeof dir, true);
    entry_path(c, key, path, sizeof path, false);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    uint8_t trailer[TRAILER];
    memcpy(trailer, MAGIC, 8);
    uint64_t n = len;
    memcpy(trailer + 8, &n, 8);
    XXH128_canonical_t d;
    XXH128_canonicalFromHash(&d, XXH3_128bits(data, len));
    memcpy(trailer + 16, d.digest, 16);
    int fd = -1;
    if (make_dirs(dir) == 0)
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && write_all(fd, data, len) == 0 && write_all(fd, trailer, TRAILER) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (ok && rename(tmp, path) == 0)
        c->stored++;
    else if (fd >= 0)
        unlink(tmp);
    free(data);
}
