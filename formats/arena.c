/*
 * arena.c - bump allocation in blocks that are freed together.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

#define ARENA_BLOCK (64 * 1024)

static void
oom(void)
{
	fputs("drip: out of memory\n", stderr);
	exit(1);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t align = _Alignof(max_align_t), need;
	void *p;

	n = (n + align - 1) / align * align;
	if (n == 0)
		n = align;
	if (b == NULL || b->size - b->used < n) {
		need = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		if (need > SIZE_MAX - sizeof *b)
			oom();
		b = xmalloc(sizeof *b + need);
		b->size = need;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

void *
arena_grow(struct arena *a, void *old, size_t oldn, size_t newn, size_t sz)
{
	void *p;

	if (sz && newn > SIZE_MAX / sz)
		oom();
	p = arena_alloc(a, newn * sz);
	if (old && oldn)
		memcpy(p, old, (oldn < newn ? oldn : newn) * sz);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p, probe[1];

	/* Measure into a one-byte buffer rather than NULL: some compilers
	 * warn about a null destination under sanitizers. */
	va_start(ap, fmt);
	n = vsnprintf(probe, sizeof probe, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
arena_reset(struct arena *a)
{
	struct arena_block *b = a->head, *next, *keep = NULL;

	for (; b != NULL; b = next) {
		next = b->next;
		if (keep == NULL && b->size == ARENA_BLOCK)
			keep = b;
		else
			free(b);
	}
	if (keep) {
		keep->used = 0;
		keep->next = NULL;
	}
	a->head = keep;
}

void
arena_release(struct arena *a)
{
	struct arena_block *b = a->head, *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}
