/*
 * runtime/stats.c - latency histogram and the --stats summary; see stats.h.
 */
#include "stats.h"

static unsigned bucket_of(uint64_t ns)
{
    if (ns < 8)
        return (unsigned)ns;
    unsigned lg = 63u - (unsigned)__builtin_clzll(ns);
    unsigned sub = (unsigned)(ns >> (lg - 3)) & 7u;
    return lg * 8 + sub;
}

static uint64_t bucket_upper(unsigned i)
{
    if (i < 8)
        return i;
    unsigned lg = i / 8, sub = i % 8;
    uint64_t base = 1ull << lg;
    uint64_t step = base >> 3;
    return base + step * (sub + 1) - 1;
}

void kvrt_latency_add(kvrt_latency *l, uint64_t ns)
{
    l->count++;
    if (ns > l->max_ns)
        l->max_ns = ns;
    l->hist[bucket_of(ns)]++;
}

uint64_t kvrt_latency_quantile(const kvrt_latency *l, double q)
{
    if (l->count == 0)
        return 0;
    uint64_t want = (uint64_t)(q * (double)l->count + 0.999999);
    if (want == 0)
        want = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < KVRT_LAT_BUCKETS; i++) {
        seen += l->hist[i];
        if (seen >= want) {
            uint64_t up = bucket_upper(i);
            return up < l->max_ns ? up : l->max_ns;
        }
    }
    return l->max_ns;
}

void kvrt_stats_print(FILE *f, const char *prog, const kvrt_stats *s,
                      const kvrt_latency *l, uint64_t elapsed_ns)
{
    double secs = (double)elapsed_ns / 1e9;
    double rate = secs > 0 ? (double)s->events / secs : 0.0;
    fprintf(f, "%s: stats: events %llu (sets %llu, deletes %llu), traps %llu, "
               "mutations %llu, bad lines %llu\n",
            prog, (unsigned long long)s->events, (unsigned long long)s->sets,
            (unsigned long long)s->deletes, (unsigned long long)s->traps,
            (unsigned long long)s->mutations, (unsigned long long)s->bad_lines);
    fprintf(f, "%s: stats: elapsed %.3f s, %.0f events/s, handler latency "
               "p50 %.1f us, p99 %.1f us, max %.1f us\n",
            prog, secs, rate, (double)kvrt_latency_quantile(l, 0.50) / 1e3,
            (double)kvrt_latency_quantile(l, 0.99) / 1e3, (double)l->max_ns / 1e3);
}
