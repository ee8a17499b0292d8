/*
 * runtime/input.c - chunked line reader; see input.h.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

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
    if (in->flush)
        in->flush(in->flush_arg);
    for (;;) {
        ssize_t n = read(in->fd, in->buf + in->end, in->cap - in->end);
        if (n > 0) {
            in->end += (size_t)n;
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
            in->line++;
            return 1;
        }
        scanned = in->end - in->start;
        if (in->eof) {
            if (scanned == 0)
                return 0;
            *line = in->buf + in->start;
            *len = scanned;
            in->start = in->end;
            in->line++;
            return 1;
        }
        if (fill(in) != 0)
            return -1;
    }
}
