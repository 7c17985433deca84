/*
 * roster.c - contacts.csv in id order, streamed.
 */
#include "roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "csvio.h"
#include "csvsort.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"

#define NAME "contacts.csv"

struct roster {
	char *root;
	char *path;			/* what is read: contacts.csv or the sorted copy */
	char *sorted;			/* the sorted copy, or NULL */
	struct csvio_reader *r;
	size_t idcol;
	struct sbuf prev;		/* the id of the row before */
	long prev_line;
	int have_prev;
};

/* Errors from csvio name the path read: they are about contacts.csv. */
static int
named(struct drip_err *err)
{
	snprintf(err->file, sizeof err->file, "%s", NAME);
	return -1;
}

static int
start(struct roster *r, struct drip_err *err)
{
	long col;

	if (r->r)
		csvio_close(r->r);
	r->r = NULL;
	r->have_prev = 0;
	if (csvio_open(r->path, &r->r, err) < 0)
		return named(err);
	if ((col = csvio_col(r->r, "id")) < 0)
		return err_set(err, DRIP_EDATA, NAME, 1, 0, "missing required column \"id\"");
	if (csvio_col(r->r, "email") < 0)
		return err_set(err, DRIP_EDATA, NAME, 1, 0, "missing required column \"email\"");
	r->idcol = (size_t)col;
	return 0;
}

int
roster_open(const char *root, struct roster **out, struct drip_err *err)
{
	struct roster *r = xcalloc(1, sizeof *r);

	*out = NULL;
	r->root = xstrdup(root);
	r->path = fsio_join(root, NAME);
	if (start(r, err) < 0) {
		roster_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

size_t
roster_ncols(const struct roster *r)
{
	return csvio_ncols(r->r);
}

const char *
roster_colname(const struct roster *r, size_t i)
{
	return csvio_colname(r->r, i);
}

long
roster_col(const struct roster *r, const char *name)
{
	return csvio_col(r->r, name);
}

size_t
roster_idcol(const struct roster *r)
{
	return r->idcol;
}

int
roster_next(struct roster *r, struct csvio_row *row, struct drip_err *err)
{
	int rc = csvio_next(r->r, row, err), c;

	if (rc < 0)
		return named(err);
	if (rc == 0)
		return 0;
	c = r->have_prev ? strcmp(sbuf_str(&r->prev), row->f[r->idcol]) : -1;
	if (c > 0)
		return ROSTER_UNSORTED;
	if (c == 0) {
		struct drip_err dup;
		long line = row->line;

		/* The first pair in id order is the one to name: a row out
		 * of order further on may sort before this pair. */
		err_set(&dup, DRIP_EDATA, NAME, (int)line, 0,
			"contact \"%s\" appears twice (lines %ld and %ld)", row->f[r->idcol],
			r->prev_line, line);
		while ((rc = csvio_next(r->r, row, err)) == 1) {
			if (strcmp(sbuf_str(&r->prev), row->f[r->idcol]) > 0)
				return ROSTER_UNSORTED;
			sbuf_reset(&r->prev);
			sbuf_adds(&r->prev, row->f[r->idcol]);
		}
		if (rc < 0)
			return named(err);
		*err = dup;
		return -1;
	}
	sbuf_reset(&r->prev);
	sbuf_adds(&r->prev, row->f[r->idcol]);
	r->prev_line = row->line;
	r->have_prev = 1;
	return 1;
}

int
roster_sort(struct roster *r, struct drip_err *err)
{
	struct csvsort_opts o = { "id", "contact", NULL, 0, 0, 0, 0, NULL, NAME };
	char *tmpdir = fsio_join(r->root, ".drip"), *src = fsio_join(r->root, NAME);
	size_t n = strlen(tmpdir) + 48;
	int rc = -1;

	if (r->sorted == NULL) {
		r->sorted = xmalloc(n);
		snprintf(r->sorted, n, "%s/.contacts.csv.tmp-%ld", tmpdir, (long)getpid());
	}
	o.tmpdir = tmpdir;
	if (fsio_mkdirs(tmpdir, 0700, err) < 0)
		goto out;
	if (csvsort_file(src, r->sorted, &o, NULL, err) < 0)
		goto out;
	free(r->path);
	r->path = xstrdup(r->sorted);
	rc = start(r, err);
out:
	free(tmpdir);
	free(src);
	return rc;
}

int
roster_rewind(struct roster *r, struct drip_err *err)
{
	return start(r, err);
}

int
roster_was_sorted(const struct roster *r)
{
	return r->sorted != NULL;
}

void
roster_close(struct roster *r)
{
	if (r == NULL)
		return;
	if (r->r)
		csvio_close(r->r);
	if (r->sorted) {
		unlink(r->sorted);
		free(r->sorted);
	}
	sbuf_release(&r->prev);
	free(r->path);
	free(r->root);
	free(r);
}
