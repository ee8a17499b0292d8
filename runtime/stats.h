/*
 * runtime/stats.h - --stats: per-event handler latency histogram
 * (logarithmic buckets, 1/8 octave resolution, no allocation) and the
 * summary printed on stderr at exit.
 */
#ifndef KVRT_STATS_H
#define KVRT_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "ctx.h"

#define KVRT_LAT_BUCKETS (64 * 8)

typedef struct kvrt_latency {
    uint64_t count;
    uint64_t max_ns;
    uint64_t hist[KVRT_LAT_BUCKETS];
} kvrt_latency;

void kvrt_latency_add(kvrt_latency *l, uint64_t ns);
/* Approximate q-quantile (0 < q <= 1) in ns: the upper bound of its bucket. */
uint64_t kvrt_latency_quantile(const kvrt_latency *l, double q);
void kvrt_stats_print(FILE *f, const char *prog, const kvrt_stats *s,
                      const kvrt_latency *l, uint64_t elapsed_ns);

#endif
