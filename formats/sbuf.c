/*
 * sbuf.c - growable string buffer.
 */
#include "sbuf.h"
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
grow(struct sbuf *sb, size_t extra)
{
	size_t want;

	if (extra > SIZE_MAX - sb->len - 1) {
		fputs("drip: out of memory\n", stderr);
		exit(1);
	}
	want = sb->len + extra + 1;
	if (want <= sb->cap)
		return;
	if (sb->cap < 64)
		sb->cap = 64;
	while (sb->cap < want)
		sb->cap = sb->cap > SIZE_MAX / 2 ? want : sb->cap * 2;
	sb->buf = xrealloc(sb->buf, sb->cap);
}

void
sbuf_add(struct sbuf *sb, const void *p, size_t n)
{
	grow(sb, n);
	if (n)
		memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
sbuf_adds(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

void
sbuf_addc(struct sbuf *sb, int c)
{
	char ch = (char)c;

	sbuf_add(sb, &ch, 1);
}

void
sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;
	char probe[1];

	/* Measure into a one-byte buffer rather than NULL: some compilers
	 * warn about a null destination under sanitizers. */
	va_start(ap, fmt);
	n = vsnprintf(probe, sizeof probe, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void
sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

const char *
sbuf_str(const struct sbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

char *
sbuf_detach(struct sbuf *sb, size_t *len)
{
	char *p = sb->buf ? sb->buf : xstrdup("");

	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}

void
sbuf_release(struct sbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}
