/*
 * tasks.c - tasks.csv rows marked done, streamed (see tasks.h).
 */
#include "tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "csvio.h"
#include "err.h"
#include "events.h"
#include "fsio.h"
#include "sbuf.h"

static int
cmp_hit(const void *pa, const void *pb)
{
	const struct task_hit *const *a = pa, *const *b = pb;
	int c = strcmp((*a)->id, (*b)->id);

	/* Equal ids keep the command line's order: the first one acts. */
	return c ? c : (*a > *b) - (*a < *b);
}

/* The first hit (in command-line order) with this id, or NULL. */
static struct task_hit *
find(struct task_hit **by_id, size_t n, const char *id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(by_id[mid]->id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(by_id[lo]->id, id) == 0 ? by_id[lo] : NULL;
}

int
tasks_mark_done(struct arena *a, const char *root, struct task_hit *hits, size_t n,
		const char *now, char **tmp, struct drip_err *err)
{
	static const char *const need[] = { "id", "contact", "sequence", "step", "status",
					    "done_at" };
	enum { ID, CONTACT, SEQUENCE, STEP, STATUS, DONE_AT, NEED };
	struct task_hit **by_id = NULL;
	struct csvio_reader *r = NULL;
	struct csvio_row row;
	struct sbuf line = SBUF_INIT;
	char *full = fsio_join(root, TASKS_FILE);
	const char **f = NULL;
	long col[NEED];
	size_t i, j, changed = 0;
	FILE *out = NULL;
	int rc = -1, k;

	*tmp = NULL;
	if (!fsio_exists(full)) {
		free(full);
		return 0;
	}
	by_id = calloc(n + 1, sizeof *by_id);
	if (by_id == NULL)
		goto out;
	for (i = 0; i < n; i++)
		by_id[i] = &hits[i];
	qsort(by_id, n, sizeof *by_id, cmp_hit);
	if (csvio_open(full, &r, err) < 0)
		goto named;
	for (i = 0; i < NEED; i++)
		if ((col[i] = csvio_col(r, need[i])) < 0) {
			err_set(err, DRIP_EDATA, TASKS_FILE, 1, 0, "missing required column \"%s\"",
				need[i]);
			goto out;
		}
	if (fsio_create_beside(full, tmp, &out, err) < 0)
		goto out;
	f = calloc(csvio_ncols(r) + 1, sizeof *f);
	if (f == NULL)
		goto out;
	for (i = 0; i < csvio_ncols(r); i++)
		f[i] = csvio_colname(r, i);
	sbuf_reset(&line);
	csvio_format_row(&line, f, csvio_ncols(r));
	fwrite(line.buf, 1, line.len, out);
	while ((k = csvio_next(r, &row, err)) == 1) {
		struct task_hit *h = find(by_id, n, row.f[col[ID]]);

		for (j = 0; j < row.n; j++)
			f[j] = row.f[j];
		if (h && !h->found) {
			h->found = 1;
			h->contact = arena_strdup(a, row.f[col[CONTACT]]);
			h->sequence = arena_strdup(a, row.f[col[SEQUENCE]]);
			h->step = arena_strdup(a, row.f[col[STEP]]);
			h->done_at = arena_strdup(a, row.f[col[DONE_AT]]);
			h->was_done = strcmp(row.f[col[STATUS]], "done") == 0;
			if (!h->was_done) {
				f[col[STATUS]] = "done";
				f[col[DONE_AT]] = now;
				h->done_now = 1;
				changed++;
			}
		}
		sbuf_reset(&line);
		csvio_format_row(&line, f, row.n);
		fwrite(line.buf, 1, line.len, out);
	}
	if (k < 0)
		goto named;
	/* A task named twice is found, and the first hit says the rest. */
	for (i = 1; i < n; i++)
		if (strcmp(by_id[i]->id, by_id[i - 1]->id) == 0)
			by_id[i]->found = by_id[i - 1]->found;
	rc = fsio_finish(out, *tmp, err);
	out = NULL;
	if (rc == 0 && changed)
		goto out;
	rc = rc < 0 ? -1 : 0;
	goto drop;
named:
	snprintf(err->file, sizeof err->file, "%s", TASKS_FILE);
drop:
	if (*tmp) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
out:
	if (out) {
		fclose(out);
		if (*tmp) {
			unlink(*tmp);
			free(*tmp);
			*tmp = NULL;
		}
	}
	if (r)
		csvio_close(r);
	sbuf_release(&line);
	free(f);
	free(by_id);
	free(full);
	return rc;
}

int
tasks_each(const char *root,
	   int (*fn)(void *ctx, const struct tasks_row *row, struct drip_err *err),
	   void *ctx, struct drip_err *err)
{
	static const char hdr[] = EVENTS_TASKS_HEADER;
	struct csvio_reader *r = NULL;
	struct csvio_row row;
	struct tasks_row tr;
	char *full = fsio_join(root, TASKS_FILE), name[32];
	const char **names = NULL, *p, *q;
	size_t i;
	int rc = -1, k;

	if (fsio_exists(full))
		k = csvio_open(full, &r, err);
	else
		k = csvio_open_mem(TASKS_FILE, hdr, sizeof hdr - 1, &r, err);
	if (k < 0)
		goto out;
	memset(&tr, 0, sizeof tr);
	/* The header's names in order, from EVENTS_TASKS_HEADER itself. */
	for (i = 0, p = hdr; i < TASKS_NCOLS; i++, p = q + 1) {
		long col;

		q = p + strcspn(p, ",\n");
		snprintf(name, sizeof name, "%.*s", (int)(q - p), p);
		if ((col = csvio_col(r, name)) < 0) {
			err_set(err, DRIP_EDATA, TASKS_FILE, 1, 0,
				"missing required column \"%s\"", name);
			goto out;
		}
		tr.col[i] = (size_t)col;
	}
	tr.n = csvio_ncols(r);
	names = xcalloc(tr.n + 1, sizeof *names);
	for (i = 0; i < tr.n; i++)
		names[i] = csvio_colname(r, i);
	tr.names = names;
	if (fn(ctx, &tr, err) < 0)
		goto out;
	while ((k = csvio_next(r, &row, err)) == 1) {
		tr.f = row.f;
		if (fn(ctx, &tr, err) < 0)
			goto out;
	}
	rc = k < 0 ? -1 : 0;
out:
	if (r)
		csvio_close(r);
	free(names);
	free(full);
	return rc;
}
