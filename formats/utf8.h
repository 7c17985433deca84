/*
 * utf8.h - checking that text is UTF-8 (SPEC §4, §12: invalid UTF-8 in any
 * file drip reads is bad data, exit 65 with its location).
 *
 * Valid means RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF),
 * nothing past U+10FFFF, no truncated sequence.  NUL bytes are valid UTF-8;
 * callers that hand out C strings refuse them on their own.
 */
#ifndef DRIP_FORMATS_UTF8_H
#define DRIP_FORMATS_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the valid character at s, n bytes left, or 0
 * when the bytes there do not start one. */
size_t utf8_char_len(const char *s, size_t n);

/* 1 when s[0..n) is valid UTF-8; else 0 with *bad (if not NULL) set to the
 * offset of the first byte that does not start a valid character. */
int utf8_check(const char *s, size_t n, size_t *bad);

/* The 1-based line and column (in characters, as an editor shows them) of
 * byte off in s[0..n): lines end at LF, at CRLF and at a lone CR. */
void utf8_locate(const char *s, size_t n, size_t off, int *line, int *col);

#endif
