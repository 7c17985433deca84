/*
 * err.c - filling and rendering errors, and edit-distance suggestions.
 */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
err_set(struct drip_err *e, int code, const char *file, int line, int col,
	const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->code = code;
	e->line = line;
	e->col = col;
	snprintf(e->file, sizeof e->file, "%s", file ? file : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_sys(struct drip_err *e, int code, const char *file, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t len;

	if (e == NULL)
		return -1;
	e->code = code;
	e->line = 0;
	e->col = 0;
	snprintf(e->file, sizeof e->file, "%s", file ? file : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof e->msg - len, "%s%s",
		 len ? ": " : "", strerror(saved));
	errno = saved;
	return -1;
}

char *
err_str(const struct drip_err *e, char *buf, size_t n)
{
	if (e->file[0] && e->line > 0 && e->col > 0)
		snprintf(buf, n, "%s:%d:%d: %s", e->file, e->line, e->col, e->msg);
	else if (e->file[0] && e->line > 0)
		snprintf(buf, n, "%s:%d: %s", e->file, e->line, e->msg);
	else if (e->file[0])
		snprintf(buf, n, "%s: %s", e->file, e->msg);
	else
		snprintf(buf, n, "%s", e->msg);
	return buf;
}

void
err_clear(struct drip_err *e)
{
	memset(e, 0, sizeof *e);
}

/* Edit distance counting an adjacent transposition as one edit (optimal
 * string alignment), since "emial" for "email" is the commonest typo of all.
 * Words here are short (keys, column names); anything over 128 bytes is
 * simply "far". */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t rows[3][129], *pp, *prev, *cur;

	if (la > 128 || lb > 128)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		rows[1][j] = j;
	for (i = 1; i <= la; i++) {
		/* Row k lives in rows[(k + 1) % 3]. */
		pp = rows[(i + 2) % 3];		/* row i-2 */
		prev = rows[i % 3];		/* row i-1 */
		cur = rows[(i + 1) % 3];	/* row i */
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t m = del < ins ? del : ins;

			m = m < sub ? m : sub;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < m)
				m = pp[j - 2] + 1;
			cur[j] = m;
		}
	}
	return rows[(la + 1) % 3][lb];
}

const char *
suggest(const char *word, const char *const *cands, size_t n)
{
	size_t best = (size_t)-1, limit, i, d;
	const char *pick = NULL;

	if (word == NULL)
		return NULL;
	limit = strlen(word) / 3;
	if (limit < 1)
		limit = 1;
	for (i = 0; i < n; i++) {
		if (cands[i] == NULL || strcmp(cands[i], word) == 0)
			continue;
		d = edit_distance(word, cands[i]);
		if (d <= limit && d < best) {
			best = d;
			pick = cands[i];
		}
	}
	return pick;
}

void
suggest_append(char *buf, size_t n, const char *word,
	       const char *const *cands, size_t ncands)
{
	const char *s = suggest(word, cands, ncands);
	size_t len = strlen(buf);

	if (s != NULL && len < n)
		snprintf(buf + len, n - len, " (did you mean \"%s\"?)", s);
}
