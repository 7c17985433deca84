/*
 * csvsort.c - external merge sort of a CSV file by one column.
 *
 * A run is a list of records in a private binary form, the same in memory
 * and in a run file, so a sorted run is written with one fwrite per record
 * and read back without parsing CSV again:
 *
 *     u64 source line, u32 number of fields,
 *     then per field: u32 length, the bytes, a NUL
 *
 * (native byte order: run files never leave the machine or outlive the
 * sort).  The NUL after each field lets the key be compared as a C string
 * in place; csvio has already refused NUL bytes inside fields.
 *
 * Equal keys are adjacent once sorted, in a run and in the merge alike, so
 * a duplicate is found by comparing each row's key with the previous one's.
 * Ties are broken by source line, which makes the sort stable and the
 * duplicate message name the earlier line first.
 */
#include "csvsort.h"
#include "arena.h"
#include "csvio.h"
#include "err.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One record of a run held in memory. */
struct rec {
	size_t off, len;		/* its bytes in the run buffer */
	const char *key;		/* the key field, inside the buffer */
	long line;
};

/* A sorted run being read back during a merge. */
struct src {
	FILE *f;
	struct sbuf buf;		/* the current record's fields, NUL-terminated */
	size_t *off;			/* where each field starts in buf */
	size_t n;			/* fields of the current record */
	long line;
	int has;			/* a current record is loaded */
};

struct sorter {
	const struct csvsort_opts *o;
	const char *file;		/* src, for messages */
	const char *what;
	size_t ncols, keycol;
	const char **hdr;
	struct drip_err *err;
	char **runs;			/* paths of the run files written */
	size_t nruns, caprun, seq;
	struct sbuf last;		/* the key written last, for duplicates */
	long last_line;
	int have_last;
	const char **fields;		/* ncols pointers, for formatting */
	char *scratch;			/* one field read from a run */
};

static int
cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void
put_u32(struct sbuf *sb, uint32_t v)
{
	sbuf_add(sb, &v, sizeof v);
}

/* Serialise one CSV row into the run buffer. */
static void
add_rec(struct sbuf *run, const struct csvio_row *row)
{
	uint64_t line = (uint64_t)row->line;
	size_t i;

	sbuf_add(run, &line, sizeof line);
	put_u32(run, (uint32_t)row->n);
	for (i = 0; i < row->n; i++) {
		put_u32(run, (uint32_t)row->len[i]);
		sbuf_add(run, row->f[i], row->len[i]);
		sbuf_addc(run, '\0');
	}
}

/* The key field of the record at p (the fields start after line and n). */
static const char *
rec_key(const char *p, size_t keycol)
{
	uint32_t len;
	size_t i;

	p += sizeof(uint64_t) + sizeof(uint32_t);
	for (i = 0; i < keycol; i++) {
		memcpy(&len, p, sizeof len);
		p += sizeof len + len + 1;
	}
	return p + sizeof len;
}

/* Fill s->fields with pointers to the fields of the record at p. */
static void
rec_fields(struct sorter *s, const char *p)
{
	uint32_t len;
	size_t i;

	p += sizeof(uint64_t) + sizeof(uint32_t);
	for (i = 0; i < s->ncols; i++) {
		memcpy(&len, p, sizeof len);
		s->fields[i] = p + sizeof len;
		p += sizeof len + len + 1;
	}
}

/* Refuse a key equal to the one written before it; remember it. */
static int
check_dup(struct sorter *s, const char *key, long line)
{
	if (s->o->dups)
		return 0;
	if (s->have_last && strcmp(sbuf_str(&s->last), key) == 0) {
		long a = s->last_line < line ? s->last_line : line;
		long b = s->last_line < line ? line : s->last_line;

		return err_set(s->err, DRIP_EDATA, s->file, (int)b, 0,
			       "%s \"%s\" appears twice (lines %ld and %ld)", s->what, key, a, b);
	}
	sbuf_reset(&s->last);
	sbuf_adds(&s->last, key);
	s->last_line = line;
	s->have_last = 1;
	return 0;
}

/* Append one output row: the source line first when line_col asks. */
static void
emit_row(struct sorter *s, struct sbuf *text, long line)
{
	if (s->o->line_col) {
		char num[24];

		snprintf(num, sizeof num, "%ld", line);
		sbuf_adds(text, num);
		sbuf_addc(text, ',');
	}
	csvio_format_row(text, s->fields, s->ncols);
}

/* Write buf to f, or fail naming path. */
static int
put(struct sorter *s, FILE *f, const void *buf, size_t n, const char *path)
{
	if (n && fwrite(buf, 1, n, f) != n)
		return err_sys(s->err, DRIP_EFAIL, path, "cannot write");
	return 0;
}

/* Flush the CSV text gathered in out when it grows past 64 KiB, or always. */
static int
flush_out(struct sorter *s, FILE *f, struct sbuf *out, int always, const char *path)
{
	if (!always && out->len < 65536)
		return 0;
	if (put(s, f, out->buf, out->len, path) < 0)
		return -1;
	sbuf_reset(out);
	return 0;
}

static FILE *
create(struct sorter *s, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	FILE *f;

	if (fd < 0) {
		err_sys(s->err, DRIP_EFAIL, path, "cannot create");
		return NULL;
	}
	if ((f = fdopen(fd, "wb")) == NULL) {
		close(fd);
		err_sys(s->err, DRIP_EFAIL, path, "cannot create");
	}
	return f;
}

/* Close f after flushing and, when sync, fsync'ing it. */
static int
finish(struct sorter *s, FILE *f, int sync, const char *path)
{
	int ok = fflush(f) == 0 && (!sync || fsync(fileno(f)) == 0);

	if (fclose(f) != 0)
		ok = 0;
	if (!ok)
		return err_sys(s->err, DRIP_EFAIL, path, "cannot write");
	return 0;
}

static char *
run_path(struct sorter *s)
{
	size_t n = strlen(s->o->tmpdir) + 64;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/.csvsort-%zu.tmp-%ld", s->o->tmpdir, s->seq++, (long)getpid());
	if (s->nruns == s->caprun) {
		s->caprun = s->caprun ? s->caprun * 2 : 16;
		s->runs = xrealloc(s->runs, s->caprun * sizeof *s->runs);
	}
	s->runs[s->nruns++] = p;
	return p;
}

/* Sort the run in memory; write it to a new run file, or, when it is the
 * whole input (final), as CSV to out. */
static int
spill(struct sorter *s, struct sbuf *run, struct rec *recs, size_t n, FILE *out,
      const char *dst)
{
	struct sbuf text = SBUF_INIT;
	const char *path = NULL;
	FILE *f = out;
	size_t i;
	int rc = -1;

	for (i = 0; i < n; i++)
		recs[i].key = rec_key(run->buf + recs[i].off, s->keycol);
	if (n > 1)
		qsort(recs, n, sizeof *recs, cmp_rec);
	if (out == NULL) {
		path = run_path(s);
		if ((f = create(s, path)) == NULL)
			return -1;
	}
	/* Duplicates inside a run are found here; across runs, in the merge. */
	for (i = 0; i < n; i++) {
		if (!s->o->dups && i > 0 && strcmp(recs[i - 1].key, recs[i].key) == 0) {
			err_set(s->err, DRIP_EDATA, s->file, (int)recs[i].line, 0,
				"%s \"%s\" appears twice (lines %ld and %ld)", s->what,
				recs[i].key, recs[i - 1].line, recs[i].line);
			goto out;
		}
		if (out == NULL) {
			if (put(s, f, run->buf + recs[i].off, recs[i].len, path) < 0)
				goto out;
		} else {
			rec_fields(s, run->buf + recs[i].off);
			emit_row(s, &text, recs[i].line);
			if (flush_out(s, f, &text, 0, dst) < 0)
				goto out;
		}
	}
	if (out == NULL ? finish(s, f, 0, path) : flush_out(s, f, &text, 1, dst)) {
		f = NULL;
		goto out;
	}
	f = NULL;
	rc = 0;
out:
	if (f && out == NULL)
		fclose(f);
	sbuf_release(&text);
	return rc;
}

/* Read the next record of a run into x: 1, 0 at its end, -1 on error. */
static int
src_next(struct sorter *s, struct src *x, const char *path)
{
	uint64_t line;
	uint32_t n, len;
	size_t i;

	x->has = 0;
	if (fread(&line, sizeof line, 1, x->f) != 1) {
		if (ferror(x->f))
			return err_sys(s->err, DRIP_EFAIL, path, "cannot read");
		return 0;
	}
	if (fread(&n, sizeof n, 1, x->f) != 1 || n != s->ncols)
		return err_set(s->err, DRIP_EFAIL, path, 0, 0, "sort run is damaged");
	sbuf_reset(&x->buf);
	for (i = 0; i < n; i++) {
		if (fread(&len, sizeof len, 1, x->f) != 1 || len > CSVIO_MAX_FIELD)
			return err_set(s->err, DRIP_EFAIL, path, 0, 0, "sort run is damaged");
		x->off[i] = x->buf.len;
		if (fread(s->scratch, 1, (size_t)len + 1, x->f) != (size_t)len + 1)
			return err_set(s->err, DRIP_EFAIL, path, 0, 0, "sort run is damaged");
		sbuf_add(&x->buf, s->scratch, (size_t)len + 1);
	}
	x->n = n;
	x->line = (long)line;
	x->has = 1;
	return 1;
}

/* Merge the runs [first, first + k) into out: as CSV when csv, else as a
 * run file. */
static int
merge(struct sorter *s, size_t first, size_t k, FILE *out, int csv, const char *outpath)
{
	struct src *x = xcalloc(k, sizeof *x);
	struct sbuf text = SBUF_INIT;
	size_t i, j;
	int rc = -1;

	for (i = 0; i < k; i++) {
		x[i].off = xmalloc((s->ncols + 1) * sizeof *x[i].off);
		x[i].f = fopen(s->runs[first + i], "rb");
		if (x[i].f == NULL) {
			err_sys(s->err, DRIP_EFAIL, s->runs[first + i], "cannot open");
			goto out;
		}
		if (src_next(s, &x[i], s->runs[first + i]) < 0)
			goto out;
	}
	for (;;) {
		size_t best = k;

		for (i = 0; i < k; i++) {
			int c;

			if (!x[i].has)
				continue;
			if (best == k) {
				best = i;
				continue;
			}
			c = strcmp(x[i].buf.buf + x[i].off[s->keycol],
				   x[best].buf.buf + x[best].off[s->keycol]);
			if (c < 0 || (c == 0 && x[i].line < x[best].line))
				best = i;
		}
		if (best == k)
			break;
		if (check_dup(s, x[best].buf.buf + x[best].off[s->keycol], x[best].line) < 0)
			goto out;
		for (j = 0; j < s->ncols; j++)
			s->fields[j] = x[best].buf.buf + x[best].off[j];
		if (csv) {
			emit_row(s, &text, x[best].line);
		} else {
			uint64_t line = (uint64_t)x[best].line;

			sbuf_add(&text, &line, sizeof line);
			put_u32(&text, (uint32_t)s->ncols);
			for (j = 0; j < s->ncols; j++) {
				size_t len = (j + 1 < s->ncols ? x[best].off[j + 1] :
					      x[best].buf.len) - x[best].off[j] - 1;

				put_u32(&text, (uint32_t)len);
				sbuf_add(&text, s->fields[j], len + 1);
			}
		}
		if (flush_out(s, out, &text, 0, outpath) < 0)
			goto out;
		if (src_next(s, &x[best], s->runs[first + best]) < 0)
			goto out;
	}
	if (flush_out(s, out, &text, 1, outpath) < 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < k; i++) {
		if (x[i].f)
			fclose(x[i].f);
		sbuf_release(&x[i].buf);
		free(x[i].off);
	}
	free(x);
	sbuf_release(&text);
	return rc;
}

/* Read src into sorted runs.  When everything fits in one run it goes
 * straight to out as CSV (*direct set). */
static int
make_runs(struct sorter *s, struct csvio_reader *r, FILE *out, const char *dst, int *direct)
{
	size_t max_rows = s->o->run_rows ? s->o->run_rows : CSVSORT_RUN_ROWS;
	size_t max_bytes = s->o->run_bytes ? s->o->run_bytes : CSVSORT_RUN_BYTES;
	struct sbuf run = SBUF_INIT;
	struct rec *recs = NULL;
	struct csvio_row row;
	size_t n = 0, cap = 0;
	int rc;

	*direct = 0;
	while ((rc = csvio_next(r, &row, s->err)) == 1) {
		size_t before = run.len;

		/* A full run is sorted and written before the row that would
		 * pass a limit joins the next one. */
		if (n > 0 && (n >= max_rows || run.len >= max_bytes)) {
			if (spill(s, &run, recs, n, NULL, NULL) < 0)
				goto fail;
			sbuf_reset(&run);
			n = 0;
			before = 0;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			recs = xrealloc(recs, cap * sizeof *recs);
		}
		add_rec(&run, &row);
		recs[n].off = before;
		recs[n].len = run.len - before;
		recs[n].line = row.line;
		n++;
	}
	if (rc < 0)
		goto fail;
	if (s->nruns == 0) {
		*direct = 1;
		rc = spill(s, &run, recs, n, out, dst);
	} else {
		rc = n ? spill(s, &run, recs, n, NULL, NULL) : 0;
	}
	free(recs);
	sbuf_release(&run);
	return rc;
fail:
	free(recs);
	sbuf_release(&run);
	return -1;
}

int
csvsort_file(const char *src, const char *dst, const struct csvsort_opts *o,
	     size_t *nruns, struct drip_err *err)
{
	struct sorter s;
	struct csvio_reader *r = NULL;
	struct sbuf text = SBUF_INIT;
	size_t fanin = o->fanin >= 2 ? o->fanin : CSVSORT_FANIN, i, made = 0;
	FILE *out = NULL;
	long col;
	int rc = -1, direct = 0;

	memset(&s, 0, sizeof s);
	s.o = o;
	s.file = o->name ? o->name : src;
	s.err = err;
	if (csvio_open(src, &r, err) < 0) {
		if (o->name && strcmp(err->file, src) == 0)
			snprintf(err->file, sizeof err->file, "%s", o->name);
		return -1;
	}
	if ((col = csvio_col(r, o->key)) < 0) {
		err_set(err, DRIP_EDATA, s.file, 1, 0, "missing required column \"%s\"", o->key);
		goto out;
	}
	s.keycol = (size_t)col;
	s.ncols = csvio_ncols(r);
	s.what = o->what ? o->what : o->key;
	s.hdr = xcalloc(s.ncols + 1, sizeof *s.hdr);
	s.fields = xcalloc(s.ncols + 1, sizeof *s.fields);
	s.scratch = xmalloc(CSVIO_MAX_FIELD + 1);
	for (i = 0; i < s.ncols; i++)
		s.hdr[i] = csvio_colname(r, i);
	if ((out = create(&s, dst)) == NULL)
		goto out;
	if (o->line_col) {
		csvio_format_field(&text, o->line_col);
		sbuf_addc(&text, ',');
	}
	csvio_format_row(&text, s.hdr, s.ncols);
	if (put(&s, out, text.buf, text.len, dst) < 0)
		goto out;
	if (make_runs(&s, r, out, dst, &direct) < 0)
		goto out;
	made = direct ? 1 : s.nruns;
	/* Merge fanin runs at a time into new runs until one pass is left;
	 * the runs merged are removed at once, so disk use stays near twice
	 * the input. */
	if (!direct) {
		size_t first = 0;

		while (s.nruns - first > fanin) {
			size_t k = fanin;
			char *path = run_path(&s);
			FILE *f = create(&s, path);

			if (f == NULL)
				goto out;
			s.have_last = 0;
			if (merge(&s, first, k, f, 0, path) < 0) {
				fclose(f);
				goto out;
			}
			if (finish(&s, f, 0, path) < 0)
				goto out;
			for (i = first; i < first + k; i++)
				unlink(s.runs[i]);
			first += k;
		}
		s.have_last = 0;
		if (merge(&s, first, s.nruns - first, out, 1, dst) < 0)
			goto out;
	}
	rc = finish(&s, out, 1, dst);
	out = NULL;
out:
	if (out)
		fclose(out);
	if (rc < 0)
		unlink(dst);
	for (i = 0; i < s.nruns; i++) {
		unlink(s.runs[i]);
		free(s.runs[i]);
	}
	free(s.runs);
	free(s.hdr);
	free(s.fields);
	free(s.scratch);
	sbuf_release(&s.last);
	sbuf_release(&text);
	csvio_close(r);
	if (rc == 0 && nruns)
		*nruns = made;
	if (rc < 0 && o->name && strcmp(err->file, src) == 0)
		snprintf(err->file, sizeof err->file, "%s", o->name);
	return rc;
}
