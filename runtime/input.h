/*
 * runtime/input.h - line reader over a file descriptor, in fixed chunks, so
 * a multi-gigabyte event stream needs memory for one line, not the file.
 * Before every read(2) that may block it calls the flush hook, so output is
 * written whenever the program is about to wait for input (SPEC §4).
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
    uint64_t line;          /* number of the line last returned */
    void (*flush)(void *arg);
    void *flush_arg;
} kvrt_input;

/* Open path ("-" = stdin). Returns 0, or -1 with errno set. */
int kvrt_input_open(kvrt_input *in, const char *path);
void kvrt_input_close(kvrt_input *in);
/* Next line without its '\n' (a final line without one counts). Returns 1
 * with *line and *len set (valid until the next call), 0 at end of input, -1 on
 * a read error (errno set) or out of memory. */
int kvrt_input_next(kvrt_input *in, const uint8_t **line, size_t *len);

#endif
