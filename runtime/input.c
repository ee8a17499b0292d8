/*
 * runtime/input.c - chunked line reader; see input.h.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "os.h"

#define CHUNK (256 * 1024)
#define FOLLOW_POLL_NS 50000000u    /* how often a followed file is looked at */

int kvrt_input_open(kvrt_input *in, const char *path)
{
    memset(in, 0, sizeof *in);
    if (strcmp(path, "-") == 0) {
        in->fd = 0;
        in->name = "<stdin>";
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0)
            return -1;
        in->name = path;
    }
    in->buf = malloc(CHUNK);
    if (in->buf == NULL) {
        kvrt_input_close(in);
        errno = ENOMEM;
        return -1;
    }
    in->cap = CHUNK;
    return 0;
}

void kvrt_input_close(kvrt_input *in)
{
    if (in->fd > 0)
        close(in->fd);
    in->fd = -1;
    free(in->buf);
    in->buf = NULL;
}

/* Whether fd has input within ns nanoseconds (true on errors and
 * signals too: the read then tells). */
static bool wait_readable(int fd, uint64_t ns)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    uint64_t ms = (ns + 999999) / 1000000;
    int r = poll(&p, 1, ms > 60000 ? 60000 : (int)ms);
    return r != 0;
}

/* At the end of a followed file: a short sleep (cut short by signals),
 * after checking that the file did not shrink below what was read.
 * Returns 0 to read again, 1 when the input ends here (not a regular
 * file: a pipe's end is final), -1 when it shrank. */
static int follow_wait(kvrt_input *in)
{
    struct stat st;
    if (fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 1;
    if ((uint64_t)st.st_size < in->offset + (in->end - in->start)) {
        in->shrank = true;
        errno = ESTALE;
        return -1;
    }
    struct timespec ts = { 0, FOLLOW_POLL_NS };
    nanosleep(&ts, NULL);
    return 0;
}

/* Read more bytes after end, first compacting or growing the buffer. */
static int fill(kvrt_input *in)
{
    if (in->start > 0) {
        memmove(in->buf, in->buf + in->start, in->end - in->start);
        in->end -= in->start;
        in->start = 0;
    }
    if (in->end == in->cap) {
        size_t cap = in->cap * 2;
        uint8_t *p = cap > in->cap ? realloc(in->buf, cap) : NULL;
        if (p == NULL) {
            errno = ENOMEM;
            return -1;
        }
        in->buf = p;
        in->cap = cap;
    }
    for (;;) {
        uint64_t wait = in->flush ? in->flush(in->flush_arg) : 0;
        if (wait > 0 && !wait_readable(in->fd, wait))
            continue;       /* nothing came in time: the hook has work now */
        ssize_t n = read(in->fd, in->buf + in->end, in->cap - in->end);
        if (n > 0) {
            in->end += (size_t)n;
            return 0;
        }
        if (n == 0 && in->follow) {
            int w = follow_wait(in);
            if (w < 0)
                return -1;
            if (w == 0 && kvrt_os_stop_signal() == 0)
                continue;
            in->follow = w == 0;    /* a pipe's last line still counts */
            in->eof = true;
            return 0;
        }
        if (n == 0) {
            in->eof = true;
            return 0;
        }
        if (errno != EINTR)
            return -1;
        /* Interrupted: let the caller look at signal flags. */
        errno = EINTR;
        return -1;
    }
}

int kvrt_input_next(kvrt_input *in, const uint8_t **line, size_t *len)
{
    size_t scanned = 0;
    for (;;) {
        uint8_t *from = in->buf + in->start + scanned;
        size_t avail = in->end - in->start - scanned;
        uint8_t *nl = avail ? memchr(from, '\n', avail) : NULL;
        if (nl != NULL) {
            *line = in->buf + in->start;
            *len = (size_t)(nl - *line);
            in->start += *len + 1;
            in->offset += *len + 1;
            in->line++;
            return 1;
        }
        scanned = in->end - in->start;
        if (in->eof) {
            /* A followed file ends only on a stop signal: its unfinished
             * last line waits for a later run. */
            if (scanned == 0 || in->follow)
                return 0;
            *line = in->buf + in->start;
            *len = scanned;
            in->start = in->end;
            in->offset += scanned;
            in->line++;
            return 1;
        }
        if (fill(in) != 0)
            return -1;
    }
}

int kvrt_input_seek(kvrt_input *in, uint64_t offset, uint64_t line)
{
    if (lseek(in->fd, (off_t)offset, SEEK_SET) < 0)
        return -1;
    in->start = in->end = 0;
    in->eof = false;
    in->offset = offset;
    in->line = line;
    return 0;
}
