/*
 * diag.h - a list of lint findings ("FILE:LINE:COL: error|warning: message")
 * and their three renderings: text, JSON and GitHub annotations (SPEC §10).
 *
 * Lint reports every problem it finds, not the first, so checkers add to a
 * struct diags and carry on.  Strings are copied into the arena.
 */
#ifndef DRIP_CORE_DIAG_H
#define DRIP_CORE_DIAG_H

#include <stddef.h>

struct arena;
struct sbuf;

enum diag_sev {
	DIAG_ERROR,
	DIAG_WARNING
};

struct diag {
	enum diag_sev sev;
	const char *file;
	int line, col;		/* 0 when unknown */
	const char *msg;
	size_t seq;		/* insertion order, for a stable sort */
};

struct diags {
	struct arena *a;
	struct diag *v;
	size_t n, cap;
	size_t nerr, nwarn;
};

void diag_init(struct diags *d, struct arena *a);
void diag_add(struct diags *d, enum diag_sev sev, const char *file, int line,
	      int col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Order by file, line, column, then insertion; drop exact repeats. */
void diag_sort(struct diags *d);

enum diag_format {
	DIAG_TEXT,	/* FILE:LINE:COL: error: message */
	DIAG_JSON,	/* [{"file":..,"line":..,"col":..,"severity":..,"message":..}] */
	DIAG_GITHUB	/* ::error file=F,line=L,col=C::message */
};

/* Append every finding to out in the given format. */
void diag_render(const struct diags *d, enum diag_format fmt, struct sbuf *out);

#endif
