/*
 * The core's one growth rule for typed arrays that keep a count and a capacity (the registry's
 * tables, a schema's nodes and pending $refs): doubling, refused rather than wrapped near
 * SIZE_MAX. Byte and text buffers use strbuf.h instead.
 */
#ifndef MCPD_CORE_GROW_H
#define MCPD_CORE_GROW_H

#include <stddef.h>

/*
 * Makes *items (an array of elements of `size` bytes, owned by the caller, NULL when *cap is 0)
 * hold at least `need` elements, reallocating to at least double its capacity (8 at first).
 * @param[in,out] items the array; moved by realloc, unchanged on failure.
 * @param[in,out] cap its capacity in elements; unchanged on failure.
 * @return 0 (also when it already had room), -ENOMEM, or -EOVERFLOW when need * size would
 *         not fit in size_t. Threads: none; one owner at a time.
 */
int mcpd_grow(void **items, size_t *cap, size_t need, size_t size);

#endif
