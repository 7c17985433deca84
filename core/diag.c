/*
 * diag.c - collecting and rendering lint findings.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "json.h"
#include "sbuf.h"

void
diag_init(struct diags *d, struct arena *a)
{
	memset(d, 0, sizeof *d);
	d->a = a;
}

void
diag_add(struct diags *d, enum diag_sev sev, const char *file, int line,
	 int col, const char *fmt, ...)
{
	struct diag *g;
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;

		d->v = arena_grow(d->a, d->v, d->n, cap, sizeof *d->v);
		d->cap = cap;
	}
	g = &d->v[d->n];
	g->sev = sev;
	g->file = arena_strdup(d->a, file ? file : "");
	g->line = line;
	g->col = col;
	g->msg = arena_strdup(d->a, msg);
	g->seq = d->n++;
	if (sev == DIAG_ERROR)
		d->nerr++;
	else
		d->nwarn++;
}

static int
cmp_diag(const void *pa, const void *pb)
{
	const struct diag *a = pa, *b = pb;
	int c = strcmp(a->file, b->file);

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
diag_sort(struct diags *d)
{
	size_t i, j;

	if (d->n == 0)
		return;
	qsort(d->v, d->n, sizeof *d->v, cmp_diag);
	/* The same finding can be reached twice (a template shared by two
	 * steps); report it once. */
	for (i = 1, j = 1; i < d->n; i++) {
		struct diag *p = &d->v[j - 1], *c = &d->v[i];

		if (p->sev == c->sev && p->line == c->line && p->col == c->col &&
		    strcmp(p->file, c->file) == 0 && strcmp(p->msg, c->msg) == 0) {
			if (c->sev == DIAG_ERROR)
				d->nerr--;
			else
				d->nwarn--;
			continue;
		}
		d->v[j++] = *c;
	}
	d->n = j;
}

/* GitHub workflow commands need %, CR and LF escaped in the message, and
 * also ',' and ':' in properties. */
static void
gh_escape(struct sbuf *out, const char *s, int property)
{
	for (; *s; s++) {
		if (*s == '%')
			sbuf_adds(out, "%25");
		else if (*s == '\r')
			sbuf_adds(out, "%0D");
		else if (*s == '\n')
			sbuf_adds(out, "%0A");
		else if (property && *s == ':')
			sbuf_adds(out, "%3A");
		else if (property && *s == ',')
			sbuf_adds(out, "%2C");
		else
			sbuf_addc(out, *s);
	}
}

void
diag_render(const struct diags *d, enum diag_format fmt, struct sbuf *out)
{
	struct json j;
	size_t i;

	if (fmt == DIAG_JSON) {
		json_init(&j, out, 0);
		json_arr(&j);
	}
	for (i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		const char *sev = g->sev == DIAG_ERROR ? "error" : "warning";

		switch (fmt) {
		case DIAG_TEXT:
			sbuf_adds(out, g->file);
			if (g->line > 0)
				sbuf_printf(out, ":%d", g->line);
			if (g->line > 0 && g->col > 0)
				sbuf_printf(out, ":%d", g->col);
			sbuf_printf(out, ": %s: %s\n", sev, g->msg);
			break;
		case DIAG_GITHUB:
			sbuf_printf(out, "::%s file=", sev);
			gh_escape(out, g->file, 1);
			if (g->line > 0)
				sbuf_printf(out, ",line=%d", g->line);
			if (g->col > 0)
				sbuf_printf(out, ",col=%d", g->col);
			sbuf_adds(out, "::");
			gh_escape(out, g->msg, 0);
			sbuf_addc(out, '\n');
			break;
		case DIAG_JSON:
			json_obj(&j);
			json_kstr(&j, "file", g->file);
			json_kint(&j, "line", g->line);
			json_kint(&j, "col", g->col);
			json_kstr(&j, "severity", sev);
			json_kstr(&j, "message", g->msg);
			json_end(&j);
			break;
		}
	}
	if (fmt == DIAG_JSON) {
		json_end(&j);
		sbuf_addc(out, '\n');
	}
}
