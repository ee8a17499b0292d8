/*
 * runtime/input.h - line reader over a file descriptor, in fixed chunks, so
 * a multi-gigabyte event stream needs memory for one line, not the file.
 * Before every read(2) that may block it calls the flush hook, so output is
 * written whenever the program is about to wait for input (SPEC §4); the
 * events of one read are one batch (SPEC §9's group commit). The hook says
 * how long until it has more to do (--data's everysec fsync), and the reader
 * waits for input no longer than that before calling it again.
 *
 * Follow mode (--follow): at the end of the file the reader waits for it to
 * grow, like `tail -f`, and a last line without its '\n' is not returned
 * until the '\n' arrives; a stop signal (SIGINT/SIGTERM) ends the input.
 */
#ifndef KVRT_INPUT_H
#define KVRT_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kvrt_input {
    int fd;
    const char *name;       /* for messages: the path, or "<stdin>" */
    uint8_t *buf;
    size_t cap, start, end; /* unread bytes are buf[start..end) */
    bool eof;
    bool follow;            /* wait for the file to grow at its end */
    bool shrank;            /* followed file got shorter than what was read */
    uint64_t line;          /* number of the line last returned */
    uint64_t offset;        /* bytes consumed through that line and its '\n' */
    /* Called before a read that may wait; returns the nanoseconds after
     * which it wants to be called again (0: no hurry). */
    uint64_t (*flush)(void *arg);
    void *flush_arg;
} kvrt_input;

/* Open path ("-" = stdin). Returns 0, or -1 with errno set. */
int kvrt_input_open(kvrt_input *in, const char *path);
void kvrt_input_close(kvrt_input *in);
/* Next line without its '\n' (a final line without one counts, unless
 * following). Returns 1 with *line and *len set (valid until the next call),
 * 0 at end of input, -1 on a read error (errno set), out of memory, or a
 * followed file that shrank (in->shrank). */
int kvrt_input_next(kvrt_input *in, const uint8_t **line, size_t *len);
/* Resume after `offset` bytes, `line` lines (a regular file). 0, or -1
 * (errno set). */
int kvrt_input_seek(kvrt_input *in, uint64_t offset, uint64_t line);

#endif
