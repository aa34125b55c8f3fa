/* Typed-array growth: see grow.h. */
#include "grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* The first capacity: the arrays grown here hold a few to a few hundred elements. */
#define GROW_MIN_CAP 8

int mcpd_grow(void **items, size_t *cap, size_t need, size_t size)
{
    size_t ncap;
    void *p;

    if (need <= *cap) {
        return 0;
    }
    if (size == 0 || need > SIZE_MAX / size) {
        return -EOVERFLOW;
    }
    /* Doubling keeps appends amortised O(1); near the limit take exactly what is needed. */
    ncap = *cap ? *cap : GROW_MIN_CAP;
    while (ncap < need) {
        ncap = ncap > SIZE_MAX / 2 / size ? need : ncap * 2;
    }
    p = realloc(*items, ncap * size);
    if (!p) {
        return -ENOMEM;
    }
    *items = p;
    *cap = ncap;
    return 0;
}
