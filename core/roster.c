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
#include "expr.h"
#include "fsio.h"
#include "sbuf.h"

#include <stdio.h>

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

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
roster_load_ids(struct arena *a, const char *root, const char *const *ids, size_t n,
		struct csvio_table *t, struct drip_err *err)
{
	struct roster *r = NULL;
	struct csvio_row row;
	struct sbuf hdr = SBUF_INIT;
	const char **v = xcalloc(n + 1, sizeof *v);
	size_t i;
	int rc = -1, k;

	memset(t, 0, sizeof *t);
	memcpy(v, ids, n * sizeof *v);
	qsort(v, n, sizeof *v, cmp_str);
	if (roster_open(root, &r, err) < 0)
		goto out;
	for (i = 0; i < roster_ncols(r); i++)
		csvio_format_field(&hdr, roster_colname(r, i)), sbuf_addc(&hdr, ',');
	hdr.buf[hdr.len - 1] = '\n';
	if (csvio_table_load_mem(a, NAME, hdr.buf, hdr.len, t, err) < 0)
		goto out;
	for (;;) {
		t->nrows = 0;
		while ((k = roster_next(r, &row, err)) == 1) {
			size_t j, nr;

			if (n == 0 || bsearch(&row.f[r->idcol], v, n, sizeof *v, cmp_str) == NULL)
				continue;
			nr = csvio_table_add_row(a, t);
			for (j = 0; j < row.n; j++)
				csvio_table_set(a, t, nr, j, row.f[j]);
			t->lines[nr] = row.line;
		}
		if (k != ROSTER_UNSORTED)
			break;
		if (roster_sort(r, err) < 0)
			goto out;
	}
	if (k < 0)
		goto out;
	rc = 0;
out:
	roster_close(r);
	sbuf_release(&hdr);
	free(v);
	return rc;
}

int
roster_rewrite(const char *root, struct csvio_table *t, char **tmp, struct drip_err *err)
{
	struct roster *r = NULL;
	struct csvio_row row;
	struct sbuf sb = SBUF_INIT;
	const char **pad = NULL;
	char *full = fsio_join(root, NAME);
	size_t idc = (size_t)csvio_table_col(t, "id"), next = 0, j;
	FILE *f = NULL;
	int rc = -1, k;

	*tmp = NULL;
	csvio_table_sort(t, idc);
	if (roster_open(root, &r, err) < 0)
		goto out;
	pad = xcalloc(t->ncols + 1, sizeof *pad);
	for (j = 0; j < t->ncols; j++)
		pad[j] = "";
	for (;;) {
		if (fsio_create_beside(full, tmp, &f, err) < 0)
			goto out;
		csvio_format_row(&sb, (const char *const *)t->cols, t->ncols);
		next = 0;
		while ((k = roster_next(r, &row, err)) == 1) {
			const char *id = row.f[r->idcol];

			for (; next < t->nrows && strcmp(t->rows[next][idc], id) < 0; next++)
				csvio_format_row(&sb, (const char *const *)t->rows[next], t->ncols);
			if (next < t->nrows && strcmp(t->rows[next][idc], id) == 0) {
				csvio_format_row(&sb, (const char *const *)t->rows[next], t->ncols);
				next++;
			} else if (row.n == t->ncols) {
				csvio_format_row(&sb, row.f, row.n);
			} else {
				memcpy(pad, row.f, row.n * sizeof *pad);
				csvio_format_row(&sb, pad, t->ncols);
			}
			if (sb.len >= 65536) {
				fwrite(sb.buf, 1, sb.len, f);
				sbuf_reset(&sb);
			}
		}
		if (k != ROSTER_UNSORTED)
			break;
		fclose(f);
		f = NULL;
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		sbuf_reset(&sb);
		if (roster_sort(r, err) < 0)
			goto out;
	}
	if (k < 0)
		goto out;
	for (; next < t->nrows; next++)
		csvio_format_row(&sb, (const char *const *)t->rows[next], t->ncols);
	fwrite(sb.buf ? sb.buf : "", 1, sb.len, f);
	rc = fsio_finish(f, *tmp, err);
	f = NULL;
out:
	if (f)
		fclose(f);
	if (rc < 0 && *tmp) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	roster_close(r);
	sbuf_release(&sb);
	free(pad);
	free(full);
	return rc;
}

const char *
roster_field(void *ctx, const char *name)
{
	struct roster_env *e = ctx;
	long col = roster_col(e->r, name);

	return col < 0 ? NULL : e->row->f[col];
}

/* Does the row pass ex (NULL: every row)?  1, 0, or -1 with *werr. */
static int
selects(const struct roster_pick *p, const struct expr *ex, const struct roster *r,
	const struct csvio_row *row, struct expr_err *werr)
{
	struct roster_env re = { r, row };
	struct expr_env env = { roster_field, &re, p->now, p->zone };

	return ex ? expr_eval(ex, &env, werr) : 1;
}

int
roster_each(const char *root, const struct roster_pick *p, struct expr_err *werr,
	    struct drip_err *err)
{
	struct arena a = ARENA_INIT;
	struct roster *r = NULL;
	struct csvio_row row;
	struct expr *ex = NULL;
	int rc = -1, k, v, pass;

	if (roster_open(root, &r, err) < 0)
		goto out;
	if (p->where) {
		const char **cols = xcalloc(roster_ncols(r) + 1, sizeof *cols);
		size_t i;

		for (i = 0; i < roster_ncols(r); i++)
			cols[i] = roster_colname(r, i);
		k = expr_parse(&a, p->where, &ex, werr) < 0 ||
		    expr_check_fields(ex, cols, roster_ncols(r), werr) < 0;
		free(cols);
		if (k) {
			rc = ROSTER_BAD_WHERE;
			goto out;
		}
	}
	for (pass = 0; pass < 2; pass++) {
		while ((k = roster_next(r, &row, err)) == 1) {
			if ((v = selects(p, ex, r, &row, werr)) < 0) {
				rc = ROSTER_BAD_WHERE;
				goto out;
			}
			if (v && (pass ? p->fn : p->pre) &&
			    (pass ? p->fn : p->pre)(p->ctx, r, (const char *const *)row.f, err) < 0)
				goto out;
		}
		if (k == ROSTER_UNSORTED && pass == 0) {
			if (roster_sort(r, err) < 0)
				goto out;
			pass = -1;	/* check the sorted copy from its start */
			continue;
		}
		if (k < 0 || (pass == 0 && roster_rewind(r, err) < 0))
			goto out;
	}
	rc = 0;
out:
	roster_close(r);
	arena_release(&a);
	return rc;
}
