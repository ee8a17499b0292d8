/*
 * runtime/journal.h - the record format of the --data journal (SPEC §9):
 * text, one record per committed event, close to the change feed so a
 * person can read what was committed with cat, grep and tail:
 *
 *   @ SEQ LEN CRC                       header: LEN bytes of body follow, CRC
 *                                       is their CRC-32C, 8 hex digits
 *   at "NAME" OFFSET LINE LASTLEN LASTCRC
 *                                       the input position after the event:
 *                                       the input as named on the command
 *                                       line, the byte offset and line number
 *                                       after the event's line, and the
 *                                       length and CRC-32C of that line (so a
 *                                       replaced input is recognised)
 *   event LINE                          the event's own change: its input
 *                                       line as read (text or JSON)
 *   start                               a guest instance was made: the start
 *                                       function's and initialize's lines follow
 *   trap                                the handler trapped: its changes were
 *                                       undone, its instance dropped
 *   open B                              a bucket the guest created
 *   set B K V | delete B K              the guest's mutations, as the text
 *                                       change feed prints them
 *
 * The other lines are in the canonical text of SPEC §4 (NAME is always
 * quoted). A record made between events by a new instance (the first one,
 * or the one after a trap) has neither `at` nor `event`. Records are
 * appended in sequence (SEQ = the previous + 1); a crash can leave the
 * last one torn.
 *
 * This file only encodes and decodes bytes in memory; datadir.c does the
 * files.
 */
#ifndef KVRT_JOURNAL_H
#define KVRT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "evline.h"

/* An input position: where the next unread event starts. */
typedef struct kvrt_inpos {
    const uint8_t *name;    /* as given on the command line; not NUL-terminated */
    size_t name_len;
    uint64_t offset;        /* bytes consumed, the event's line and its '\n' included */
    uint64_t line;          /* the number of that line */
    uint64_t last_len;      /* the event's line: length without '\n', CRC-32C */
    uint32_t last_crc;
    const uint8_t *last;    /* that line itself (when committing; not decoded) */
} kvrt_inpos;

uint32_t kvrt_journal_crc(const uint8_t *p, size_t n);

/* Append `at "NAME" OFFSET LINE LASTLEN LASTCRC\n`. 0 or -1 (no memory). */
int kvrt_journal_put_at(kvrt_buf *out, const kvrt_inpos *pos);
/* The same in two steps, for the hot path: `at "NAME" ` once per input
 * (kvrt_journal_at_prefix), then each line from that prefix. */
int kvrt_journal_at_prefix(kvrt_buf *out, const uint8_t *name, size_t n);
int kvrt_journal_put_at_after(kvrt_buf *out, const kvrt_buf *prefix, const kvrt_inpos *pos);
/* Parse an `at ...` line (without its '\n'); the name is decoded into the
 * parser's scratch (valid until its next use). 0, or -1 when malformed. */
int kvrt_journal_parse_at(kvrt_evparser *p, const uint8_t *line, size_t len, kvrt_inpos *out);
/* Append `open B\n` (B as a canonical token). */
int kvrt_journal_put_open(kvrt_buf *out, const uint8_t *b, size_t bl);

/* Append one record, header and body: the body is body[0..n), whole lines. */
int kvrt_journal_put_record(kvrt_buf *out, uint64_t seq, const uint8_t *body, size_t n);
/* The same built in place, without a copy of the body: begin leaves room
 * for the header and gives its *mark; the caller appends the body's lines
 * to out; end writes the header and closes the gap. 0, or -1 (no memory;
 * on failure while appending, truncate out back to *mark). */
int kvrt_journal_begin(kvrt_buf *out, size_t *mark);
void kvrt_journal_end(kvrt_buf *out, size_t mark, uint64_t seq);

typedef enum kvrt_jscan {
    KVRT_JREC_OK = 0,   /* *rec holds a whole record */
    KVRT_JREC_END,      /* nothing left */
    KVRT_JREC_BAD       /* the bytes at pos are no whole, intact record */
} kvrt_jscan;

typedef struct kvrt_jrec {
    uint64_t seq;
    size_t start, end;          /* the record's bytes in the data, header included */
    const uint8_t *body;        /* the body, inside the data */
    size_t body_len;
} kvrt_jrec;

/* The record that starts at data[pos] (data[0..len) is the journal). */
kvrt_jscan kvrt_journal_scan(const uint8_t *data, size_t len, size_t pos, kvrt_jrec *rec);
/* Whether some intact record starts after pos: tells a torn tail (none)
 * from a corrupt record in the middle. */
bool kvrt_journal_intact_after(const uint8_t *data, size_t len, size_t pos);

#endif
