/*
 * runtime/evjson_fast.h - the two JSON paths of runtime/evline.c, one at a
 * time, for the tests and the fuzz target that check they agree.
 * kvrt_evline_parse tries a hand-written fast path on JSON lines and falls
 * back to jansson whenever the fast path is not sure; jansson alone reports
 * errors. Not used by the runtime itself.
 */
#ifndef KVRT_EVJSON_FAST_H
#define KVRT_EVJSON_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evline.h"

/*
 * The fast path alone on a line as kvrt_evline_parse takes it (one trailing
 * '\r' dropped, leading blanks skipped, then `{`): true with *out set, as
 * kvrt_evline_parse would set it, or false when it gives up (any line that
 * is not JSON, is not an event, or is not of the shape it handles).
 */
bool kvrt_evline_json_fast(kvrt_evparser *p, const uint8_t *line, size_t len,
                           kvrt_event *out);

/* kvrt_evline_parse without the fast path: JSON lines go to jansson. */
kvrt_lineres kvrt_evline_parse_jansson(kvrt_evparser *p, const uint8_t *line, size_t len,
                                       kvrt_event *out, kvrt_everr *err);

#endif
