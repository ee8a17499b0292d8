/*
 * tests/durable/gen-counters.c - a long, deterministic event stream for the
 * counters sample (samples/counters): increments, compare-and-swaps that
 * succeed and fail, plain sets and deletes, over buckets that keep
 * appearing (a new one every 1000 events, up to 60) and a few thousand
 * keys. The crash tests and `make bench` both use it.
 * usage: gen-counters N [SEED]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;

/* xorshift64*: the same numbers on every machine */
static uint32_t next(uint32_t bound)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (uint32_t)((state * 0x2545f4914f6cdd1dull) >> 32) % bound;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    state = argc > 2 ? strtoull(argv[2], NULL, 10) * 2 + 1 : 88172645463325252ull;
    for (long i = 0; i < n; i++) {
        long nb = i / 1000 + 1 < 60 ? i / 1000 + 1 : 60;
        uint32_t b = next((uint32_t)nb), r = next(100), k = next(3000);
        if (r < 30)
            printf("set b%u k%u inc c%u %u\n", b, k, next(20), next(100));
        else if (r < 40)
            printf("set b%u k%u inc s%u 1\n", b, k, next(8));
        else if (r < 55)
            printf("set b%u k%u cas s%u %u %u\n", b, k, next(8), next(4), next(4));
        else if (r < 90)
            printf("set b%u k%u value-%ld\n", b, k, i);
        else if (r < 97)
            printf("delete b%u k%u\n", b, k);
        else
            printf("delete b%u s%u\n", b, next(8));
    }
    return 0;
}
