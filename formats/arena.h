/*
 * arena.h - one arena per command run for parsed data and derived strings.
 *
 * Everything allocated from an arena lives until arena_release().  Running
 * out of memory is not an error drip can recover from in a useful way, so the
 * allocators print "drip: out of memory" and exit(1) instead of returning
 * NULL (as git's xmalloc does).  Secrets never live in an arena.
 */
#ifndef DRIP_FORMATS_ARENA_H
#define DRIP_FORMATS_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
};

#define ARENA_INIT { 0 }

/* n zeroed bytes, aligned for any type. */
void *arena_alloc(struct arena *a, size_t n);
/* Grow an arena array: a copy of old (oldn elements of size sz) with room
 * for newn elements; old stays valid but unused. */
void *arena_grow(struct arena *a, void *old, size_t oldn, size_t newn, size_t sz);
/*
 * A new element at the end of an arena array: arr, its count n and its
 * capacity cap are lvalues; the array doubles when full (starting at 8).
 * Evaluates to a pointer to the new element, which the caller fills.
 */
#define ARENA_PUSH(a, arr, n, cap) \
	((n) == (cap) ? ((arr) = arena_grow((a), (arr), (n), (cap) ? (cap) * 2 : 8, \
					     sizeof *(arr)), \
			 (cap) = (cap) ? (cap) * 2 : 8) : 0, \
	 &(arr)[(n)++])
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_release(struct arena *a);
/* Forget everything allocated, as arena_release, but keep one block for
 * what comes next: for an arena emptied once per row, which would
 * otherwise allocate and free a block each time.  arena_release still
 * frees it at the end. */
void arena_reset(struct arena *a);

/* malloc/realloc/strdup that exit on failure, for memory outside arenas. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
