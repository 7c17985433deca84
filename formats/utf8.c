/*
 * utf8.c - UTF-8 validation and locating a byte for error messages.
 */
#include "utf8.h"

/* The second byte's range excludes overlongs (E0, F0), surrogates (ED) and
 * values past U+10FFFF (F4), as RFC 3629's table does. */
size_t
utf8_char_len(const char *cs, size_t n)
{
	const unsigned char *s = (const unsigned char *)cs;
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, k;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	for (k = 1; k < len; k++)
		if (s[k] < (k == 1 ? lo : 0x80) || s[k] > (k == 1 ? hi : 0xBF))
			return 0;
	return len;
}

int
utf8_check(const char *s, size_t n, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		/* ASCII runs are the common case: skip them a byte at a time
		 * without the table above. */
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_char_len(s + i, n - i)) == 0) {
			if (bad)
				*bad = i;
			return 0;
		}
		i += k;
	}
	return 1;
}

void
utf8_locate(const char *s, size_t n, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	if (off > n)
		off = n;
	for (i = 0; i < off; i++) {
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= n || s[i + 1] != '\n'))) {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80 && s[i] != '\r') {
			(*col)++;
		}
	}
}
