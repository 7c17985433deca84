/*
 * sbuf.h - a growable, always NUL-terminated byte buffer.
 *
 * struct sbuf sb = SBUF_INIT; ... sbuf_release(&sb);
 * sb.buf is NULL until something is added; sbuf_str() is never NULL.
 * Allocation failure exits (see arena.h).
 */
#ifndef DRIP_FORMATS_SBUF_H
#define DRIP_FORMATS_SBUF_H

#include <stddef.h>

struct sbuf {
	char *buf;
	size_t len;
	size_t cap;
};

#define SBUF_INIT { NULL, 0, 0 }

void sbuf_add(struct sbuf *sb, const void *p, size_t n);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addc(struct sbuf *sb, int c);
void sbuf_printf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Empty the buffer, keeping its memory. */
void sbuf_reset(struct sbuf *sb);
/* The contents as a string; "" when empty. */
const char *sbuf_str(const struct sbuf *sb);
/* Take ownership of the contents (caller frees); the buffer is left empty. */
char *sbuf_detach(struct sbuf *sb, size_t *len);
void sbuf_release(struct sbuf *sb);

#endif
