/*
 * runtime/publish.h - `kvaot publish URL [EVENTS_FILE|-]...` (SPEC §10.1):
 * every event line (text or JSON, §4) XADDed to the stream of the
 * redis-stream:// URL as an entry with fields op, bucket, key and value
 * (no value for a delete), pipelined. The same parser and messages as the
 * executable: a malformed line stops with `kvaot: FILE:LINE:COL: what`
 * (exit 3), after the lines before it were published. Exit 4 when Redis
 * cannot be reached or goes away (what was acknowledged is said).
 * Lives in the runtime (event I/O, Redis); the kvaot command calls it.
 */
#ifndef KVRT_PUBLISH_H
#define KVRT_PUBLISH_H

/* argv[0] is the URL. Returns the exit status. */
int kvrt_publish_main(int argc, char **argv);

#endif
