/*
 * width.h - how many terminal columns UTF-8 text takes, so that tables of
 * names in any script line up (`drip report`, `task list`, `contact list`).
 *
 * A small wcwidth(3) of our own rather than the C library's, whose answer
 * depends on the locale (LC_ALL=C says -1 for everything past ASCII) and
 * on the libc's Unicode version: drip's output must be the same on every
 * machine.  Widths follow Unicode's East Asian Width (W and F are two
 * columns) and Emoji_Presentation (two columns), with combining marks,
 * variation selectors and zero-width joiners taking none.
 */
#ifndef DRIP_FORMATS_WIDTH_H
#define DRIP_FORMATS_WIDTH_H

#include <stddef.h>
#include <stdint.h>

struct sbuf;

/* Columns of one code point: 0, 1 or 2.  Control characters are 0 (callers
 * that print untrusted text escape them first: width_clean). */
int width_cp(uint32_t cp);

/* Decode the character at s (n bytes left): its code point into *cp and its
 * length (1 to 4).  Bytes that are not UTF-8 decode one at a time as
 * U+FFFD, so a bad byte never stops a loop. */
size_t width_decode(const char *s, size_t n, uint32_t *cp);

/* Columns of the NUL-terminated string s. */
size_t width_str(const char *s);

/*
 * Append s to out for one table cell: control characters (a newline, a
 * tab, ESC) are written as the visible escapes \n, \t, \r or \xHH, so a
 * value can neither break a row nor send a terminal control sequence; text
 * wider than max columns (0: no limit) is cut at a character boundary and
 * ends in "…".  Returns the columns appended; with out NULL, only
 * measures.
 */
size_t width_clean(struct sbuf *out, const char *s, size_t max);

#endif
