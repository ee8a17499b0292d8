/*
 * bench/gen-events.c - writes N synthetic watch events to stdout: 90% sets,
 * 10% deletes, over 7 buckets and 5000 keys, values of ~12 bytes.
 * usage: gen-events N [json]   (json: the same events as JSON lines)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int json = argc > 2 && strcmp(argv[2], "json") == 0;
    for (long i = 0; i < n; i++) {
        if (json && i % 10 == 9)
            printf("{\"op\":\"delete\",\"bucket\":\"b%ld\",\"key\":\"k%ld\"}\n", i % 7, i % 5000);
        else if (json)
            printf("{\"op\":\"set\",\"bucket\":\"b%ld\",\"key\":\"k%ld\",\"value\":\"value-%ld\"}\n",
                   i % 7, i % 5000, i);
        else if (i % 10 == 9)
            printf("delete b%ld k%ld\n", i % 7, i % 5000);
        else
            printf("set b%ld k%ld value-%ld\n", i % 7, i % 5000, i);
    }
    return 0;
}
