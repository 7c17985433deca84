/*
 * csvio.c - streaming CSV reader on libcsv, the writer, the in-memory table
 * and list columns.
 *
 * How the reader knows line numbers.  libcsv's callbacks say nothing about
 * positions, so the input is fed to csv_parse() in segments that end just
 * after each CR or LF (or at the end of a chunk).  Outside quotes only CR and
 * LF end a record, so a segment completes at most one record, and that record
 * ends on the segment's last byte.  The line number is one plus the number of
 * LF bytes fed so far; a record starts in the first segment after the end of
 * the previous record whose first byte is not CR or LF (libcsv skips blank
 * lines without a callback).  A quoted field with newlines in it simply spans
 * several segments, so the next record starts on the right line.
 *
 * Memory stays bounded by the largest record: input is read in chunks of
 * CSVIO_CHUNK bytes, one record is held at a time, libcsv's field buffer is
 * checked after every segment so an overlong field is refused before a
 * second chunk of it is buffered, and fields past the header's width are
 * counted, not stored.
 */
#include "csvio.h"
#include "arena.h"
#include "err.h"
#include "sbuf.h"
#include "utf8.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CSVIO_CHUNK (64 * 1024)		/* bytes read or fed at a time */
#define CSVIO_OPTS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)
#define CSVIO_BLK 4096			/* libcsv field buffer growth step */
#define POS_UNKNOWN SIZE_MAX		/* next_lf/next_cr not searched yet */

struct csvio_reader {
	struct csv_parser p;
	char *name;			/* for errors */
	int fd;				/* -1 for a memory reader */
	const char *mem;		/* memory reader: the whole input */
	size_t memlen, memoff;
	char *buf;			/* file reader: the chunk buffer */

	const char *chunk;		/* bytes being fed */
	size_t clen, cpos;
	size_t next_lf, next_cr;	/* cached memchr results in chunk */
	int started;			/* a chunk was read (BOM handled) */
	int eof;			/* no more input after this chunk */
	int fini_done;			/* csv_fini() was called */

	long line;			/* line of the next byte to feed */
	long rec_line;			/* line where the current record starts */
	int need_start;			/* the next record has not begun yet */

	/* The current record: fields stored NUL-terminated in data. */
	struct sbuf data;
	size_t nf;			/* fields seen, stored or not */
	size_t nstored, capf;
	size_t *off, *flen;		/* capf of each */
	const char **ptrs;
	int complete;

	size_t ncols;			/* 0 until the header is read */
	char **cols;

	int failed;
	struct drip_err e;		/* the error, kept for later calls */
};

/* Spaces and tabs are field content (RFC 4180); without this libcsv would
 * trim them from unquoted fields and a value's edges would be lost. */
static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void
on_field(void *s, size_t len, void *data)
{
	struct csvio_reader *r = data;
	size_t limit = r->ncols ? r->ncols : SIZE_MAX, bad;

	if (r->failed)
		return;
	r->nf++;
	if (len > CSVIO_MAX_FIELD) {
		r->failed = 1;
		err_set(&r->e, DRIP_EDATA, r->name, (int)r->rec_line, 0,
			"field %zu is longer than %d bytes", r->nf,
			CSVIO_MAX_FIELD);
		return;
	}
	/* Fields are handed out as C strings: a NUL would cut a value short
	 * without a word, so it is refused. */
	if (len > 0 && memchr(s, '\0', len) != NULL) {
		r->failed = 1;
		err_set(&r->e, DRIP_EDATA, r->name, (int)r->rec_line, 0,
			"field %zu contains a NUL byte", r->nf);
		return;
	}
	/* Text that is not UTF-8 (a Latin-1 export, say) would reach mail as
	 * mojibake: it is refused where it enters, with the line of the bad
	 * byte.  The field's last byte is on the current line (the segment
	 * being fed ends at the first line end after it), so the line of the
	 * bad byte is that line less the line ends after it. */
	if (len > 0 && !utf8_check(s, len, &bad)) {
		const char *p = (const char *)s;
		long line = r->line;
		size_t i;

		for (i = bad; i < len; i++)
			if (p[i] == '\n')
				line--;
		r->failed = 1;
		if (r->ncols == 0)
			err_set(&r->e, DRIP_EDATA, r->name, (int)line, 0,
				"invalid UTF-8 in column %zu of the header", r->nf);
		else
			err_set(&r->e, DRIP_EDATA, r->name, (int)line, 0,
				"invalid UTF-8 in column \"%s\"",
				r->nstored < r->ncols ? r->cols[r->nstored] : "?");
		return;
	}
	/* A row wider than the header is an error whatever it holds, so its
	 * extra fields are only counted, for the message. */
	if (r->nstored >= limit)
		return;
	if (r->nstored == r->capf) {
		r->capf = r->capf ? r->capf * 2 : 16;
		r->off = xrealloc(r->off, r->capf * sizeof *r->off);
		r->flen = xrealloc(r->flen, r->capf * sizeof *r->flen);
		r->ptrs = xrealloc(r->ptrs, r->capf * sizeof *r->ptrs);
	}
	r->off[r->nstored] = r->data.len;
	r->flen[r->nstored] = len;
	sbuf_add(&r->data, s, len);
	sbuf_addc(&r->data, '\0');
	r->nstored++;
}

static void
on_record(int c, void *data)
{
	struct csvio_reader *r = data;

	(void)c;
	if (r->failed)
		return;
	r->complete = 1;
	r->need_start = 1;
}

static void
rec_reset(struct csvio_reader *r)
{
	sbuf_reset(&r->data);
	r->nf = 0;
	r->nstored = 0;
	r->complete = 0;
}

/* Read up to CSVIO_CHUNK bytes, retrying short reads so that the first chunk
 * holds the whole BOM whenever the file has one. */
static int
read_chunk(struct csvio_reader *r, size_t *got)
{
	size_t n = 0;
	ssize_t k;

	while (n < CSVIO_CHUNK) {
		k = read(r->fd, r->buf + n, CSVIO_CHUNK - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r->failed = 1;
			return err_sys(&r->e, DRIP_EFAIL, r->name, "cannot read");
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	*got = n;
	return 0;
}

static int
refill(struct csvio_reader *r)
{
	size_t n = 0;

	if (r->fd >= 0) {
		if (read_chunk(r, &n) < 0)
			return -1;
		r->chunk = r->buf;
	} else {
		n = r->memlen - r->memoff;
		if (n > CSVIO_CHUNK)
			n = CSVIO_CHUNK;
		r->chunk = r->mem + r->memoff;
		r->memoff += n;
	}
	r->clen = n;
	r->cpos = 0;
	r->next_lf = r->next_cr = POS_UNKNOWN;
	if (n == 0)
		r->eof = 1;
	if (!r->started) {
		r->started = 1;
		if (n >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0)
			r->cpos = 3;
	}
	return 0;
}

/* Position of the next c at or after cpos in the chunk, or clen; *cache keeps
 * the last answer so a chunk is searched once per character, not per line. */
static size_t
next_of(struct csvio_reader *r, size_t *cache, int c)
{
	const char *p;

	if (*cache == POS_UNKNOWN || *cache < r->cpos) {
		p = memchr(r->chunk + r->cpos, c, r->clen - r->cpos);
		*cache = p ? (size_t)(p - r->chunk) : r->clen;
	}
	return *cache;
}

static void
parse_error(struct csvio_reader *r, const char *seg, size_t used)
{
	const char *what;

	r->failed = 1;
	if (csv_error(&r->p) != CSV_EPARSE) {
		err_set(&r->e, DRIP_EFAIL, r->name, (int)r->rec_line, 0,
			"cannot parse CSV: %s", csv_strerror(csv_error(&r->p)));
		return;
	}
	/* In strict mode libcsv stops on the offending byte: a quote in an
	 * unquoted field, or anything but a comma, CR or LF after a closing
	 * quote. */
	if (seg[used] == '"')
		what = "quote inside an unquoted field";
	else
		what = "text after the closing quote of a field";
	err_set(&r->e, DRIP_EDATA, r->name, (int)r->rec_line, 0,
		"malformed CSV: %s (field %zu)", what, r->nf + 1);
}

static void
feed_segment(struct csvio_reader *r)
{
	size_t lf = next_of(r, &r->next_lf, '\n');
	size_t cr = next_of(r, &r->next_cr, '\r');
	size_t end = lf < cr ? lf : cr;
	const char *seg = r->chunk + r->cpos;
	size_t n, used;

	end = end < r->clen ? end + 1 : r->clen;
	n = end - r->cpos;
	if (r->need_start && seg[0] != '\n' && seg[0] != '\r') {
		r->rec_line = r->line;
		r->need_start = 0;
	}
	used = csv_parse(&r->p, seg, n, on_field, on_record, r);
	r->cpos = end;
	if (r->failed)
		return;
	if (used < n) {
		parse_error(r, seg, used);
		return;
	}
	if (seg[n - 1] == '\n')
		r->line++;
	/* entry_pos is libcsv's length of the field being built (public in
	 * csv.h); it may count a closing quote not yet known to be one, hence
	 * the + 1.  A completed field is checked exactly in on_field. */
	if (r->p.entry_pos > (size_t)CSVIO_MAX_FIELD + 1) {
		r->failed = 1;
		err_set(&r->e, DRIP_EDATA, r->name, (int)r->rec_line, 0,
			"field %zu is longer than %d bytes", r->nf + 1,
			CSVIO_MAX_FIELD);
	}
}

static void
finish(struct csvio_reader *r)
{
	r->fini_done = 1;
	if (csv_fini(&r->p, on_field, on_record, r) != 0 && !r->failed) {
		if (csv_error(&r->p) == CSV_EPARSE)
			err_set(&r->e, DRIP_EDATA, r->name, (int)r->rec_line, 0,
				"malformed CSV: unterminated quoted field (field %zu)",
				r->nf + 1);
		else
			err_set(&r->e, DRIP_EFAIL, r->name, (int)r->rec_line, 0,
				"cannot parse CSV: %s",
				csv_strerror(csv_error(&r->p)));
		r->failed = 1;
	}
}

/* The next record into r's record fields: 1, 0 at the end, -1 on error. */
static int
read_record(struct csvio_reader *r)
{
	size_t i;

	rec_reset(r);
	while (!r->complete && !r->failed) {
		if (r->cpos < r->clen) {
			feed_segment(r);
		} else if (r->eof) {
			if (r->fini_done)
				return 0;
			finish(r);
		} else if (refill(r) < 0) {
			return -1;
		}
	}
	if (r->failed)
		return -1;
	/* Pointers are taken only now: data may move while it grows. */
	for (i = 0; i < r->nstored; i++)
		r->ptrs[i] = r->data.buf + r->off[i];
	return 1;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Refuse empty and duplicate column names: a column must be addressable
 * by its name.  Duplicates are found by sorting a copy, so a wide header
 * costs n log n, not n squared. */
static int
check_header(struct csvio_reader *r)
{
	char **sorted;
	size_t i;
	int rc = 0;

	for (i = 0; i < r->ncols; i++)
		if (r->cols[i][0] == '\0') {
			r->failed = 1;
			return err_set(&r->e, DRIP_EDATA, r->name,
				       (int)r->rec_line, 0,
				       "column %zu of the header has no name",
				       i + 1);
		}
	sorted = xmalloc(r->ncols * sizeof *sorted);
	memcpy(sorted, r->cols, r->ncols * sizeof *sorted);
	qsort(sorted, r->ncols, sizeof *sorted, cmp_names);
	for (i = 1; i < r->ncols; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			r->failed = 1;
			rc = err_set(&r->e, DRIP_EDATA, r->name,
				     (int)r->rec_line, 0,
				     "duplicate column \"%s\" in the header",
				     sorted[i]);
			break;
		}
	free(sorted);
	return rc;
}

static int
read_header(struct csvio_reader *r)
{
	size_t i;
	int rc;

	rc = read_record(r);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		r->failed = 1;
		return err_set(&r->e, DRIP_EDATA, r->name, 0, 0,
			       "missing header row");
	}
	r->cols = xcalloc(r->nstored, sizeof *r->cols);
	for (i = 0; i < r->nstored; i++)
		r->cols[i] = xstrdup(r->ptrs[i]);
	/* A BOM after blank lines (files joined, or an editor's stray empty
	 * first line) is still a BOM, not part of the first column's name:
	 * kept, the column would not be found and be written back misnamed. */
	if (r->nstored > 0 && strncmp(r->cols[0], "\xEF\xBB\xBF", 3) == 0)
		memmove(r->cols[0], r->cols[0] + 3, strlen(r->cols[0] + 3) + 1);
	r->ncols = r->nstored;
	return check_header(r);
}

static struct csvio_reader *
reader_new(const char *name)
{
	struct csvio_reader *r = xcalloc(1, sizeof *r);

	/* csv_init only fails on a NULL parser. */
	(void)csv_init(&r->p, CSVIO_OPTS);
	csv_set_space_func(&r->p, no_space);
	csv_set_blk_size(&r->p, CSVIO_BLK);
	r->name = xstrdup(name ? name : "");
	r->fd = -1;
	r->line = 1;
	r->rec_line = 1;
	r->need_start = 1;
	return r;
}

static int
reader_start(struct csvio_reader *r, struct csvio_reader **out,
	     struct drip_err *err)
{
	if (read_header(r) < 0) {
		if (err)
			*err = r->e;
		csvio_close(r);
		*out = NULL;
		return -1;
	}
	*out = r;
	return 0;
}

int
csvio_open(const char *path, struct csvio_reader **out, struct drip_err *err)
{
	struct csvio_reader *r;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno == ENOENT || errno == ENOTDIR ?
			       DRIP_ENOINPUT : DRIP_EFAIL, path, "cannot open");
	r = reader_new(path);
	r->fd = fd;
	r->buf = xmalloc(CSVIO_CHUNK);
	return reader_start(r, out, err);
}

int
csvio_open_mem(const char *name, const char *buf, size_t len,
	       struct csvio_reader **out, struct drip_err *err)
{
	struct csvio_reader *r = reader_new(name);

	r->mem = buf ? buf : "";
	r->memlen = buf ? len : 0;
	return reader_start(r, out, err);
}

size_t
csvio_ncols(const struct csvio_reader *r)
{
	return r->ncols;
}

size_t
csvio_offset(const struct csvio_reader *r)
{
	off_t at;

	if (r->fd < 0)
		return r->memoff - (r->clen - r->cpos);
	at = lseek(r->fd, 0, SEEK_CUR);
	return at < 0 ? 0 : (size_t)at - (r->clen - r->cpos);
}

size_t
csvio_size(const struct csvio_reader *r)
{
	struct stat st;

	if (r->fd < 0)
		return r->memlen;
	return fstat(r->fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
}

const char *
csvio_colname(const struct csvio_reader *r, size_t i)
{
	return i < r->ncols ? r->cols[i] : NULL;
}

long
csvio_col(const struct csvio_reader *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncols; i++)
		if (strcmp(r->cols[i], name) == 0)
			return (long)i;
	return -1;
}

int
csvio_next(struct csvio_reader *r, struct csvio_row *row, struct drip_err *err)
{
	int rc;

	if (r->failed) {
		if (err)
			*err = r->e;
		return -1;
	}
	rc = read_record(r);
	if (rc == 1 && r->nf != r->ncols) {
		r->failed = 1;
		err_set(&r->e, DRIP_EDATA, r->name, (int)r->rec_line, 0,
			"row has %zu field%s, the header has %zu", r->nf,
			r->nf == 1 ? "" : "s", r->ncols);
		rc = -1;
	}
	if (rc < 0) {
		if (err)
			*err = r->e;
		return -1;
	}
	if (rc == 0)
		return 0;
	row->n = r->nstored;
	row->f = r->ptrs;
	row->len = r->flen;
	row->line = r->rec_line;
	return 1;
}

void
csvio_close(struct csvio_reader *r)
{
	size_t i;

	if (r == NULL)
		return;
	csv_free(&r->p);
	if (r->fd >= 0)
		close(r->fd);
	for (i = 0; i < r->ncols; i++)
		free(r->cols[i]);
	free(r->cols);
	free(r->buf);
	free(r->name);
	free(r->off);
	free(r->flen);
	free(r->ptrs);
	sbuf_release(&r->data);
	free(r);
}

/* ---- writing ---- */

static int
needs_quotes(const char *f, size_t n)
{
	if (n == 0)
		return 0;
	if (f[0] == ' ' || f[0] == '\t' || f[n - 1] == ' ' || f[n - 1] == '\t')
		return 1;
	return strpbrk(f, ",\"\r\n") != NULL;
}

void
csvio_format_field(struct sbuf *out, const char *f)
{
	const char *q;
	size_t n;

	if (f == NULL)
		return;
	n = strlen(f);
	if (!needs_quotes(f, n)) {
		sbuf_add(out, f, n);
		return;
	}
	sbuf_addc(out, '"');
	while ((q = strchr(f, '"')) != NULL) {
		sbuf_add(out, f, (size_t)(q - f) + 1);
		sbuf_addc(out, '"');
		f = q + 1;
	}
	sbuf_adds(out, f);
	sbuf_addc(out, '"');
}

void
csvio_format_row(struct sbuf *out, const char *const *f, size_t n)
{
	size_t i;

	/* A lone empty field would be a blank line, which readers skip. */
	if (n == 1 && (f[0] == NULL || f[0][0] == '\0')) {
		sbuf_adds(out, "\"\"\n");
		return;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			sbuf_addc(out, ',');
		csvio_format_field(out, f[i]);
	}
	sbuf_addc(out, '\n');
}

/* ---- in-memory table ---- */

static void
table_grow_rows(struct arena *a, struct csvio_table *t)
{
	size_t cap;

	if (t->nrows < t->caprows)
		return;
	cap = t->caprows ? t->caprows * 2 : 16;
	t->rows = arena_grow(a, t->rows, t->nrows, cap, sizeof *t->rows);
	t->lines = arena_grow(a, t->lines, t->nrows, cap, sizeof *t->lines);
	t->caprows = cap;
}

static int
table_fill(struct arena *a, struct csvio_reader *r, struct csvio_table *t,
	   struct drip_err *err)
{
	struct csvio_row row;
	size_t i, j;
	char **fields;
	int rc;

	t->ncols = csvio_ncols(r);
	t->cols = arena_alloc(a, t->ncols * sizeof *t->cols);
	for (j = 0; j < t->ncols; j++)
		t->cols[j] = arena_strdup(a, csvio_colname(r, j));
	while ((rc = csvio_next(r, &row, err)) == 1) {
		table_grow_rows(a, t);
		fields = arena_alloc(a, t->ncols * sizeof *fields);
		for (j = 0; j < row.n; j++)
			fields[j] = arena_strndup(a, row.f[j], row.len[j]);
		i = t->nrows++;
		t->rows[i] = fields;
		t->lines[i] = row.line;
	}
	return rc;
}

static int
table_load(struct arena *a, struct csvio_reader *r, struct csvio_table *t,
	   struct drip_err *err)
{
	int rc = table_fill(a, r, t, err);

	csvio_close(r);
	if (rc < 0) {
		memset(t, 0, sizeof *t);
		return -1;
	}
	return 0;
}

int
csvio_table_load(struct arena *a, const char *path, struct csvio_table *t,
		 struct drip_err *err)
{
	struct csvio_reader *r;

	memset(t, 0, sizeof *t);
	if (csvio_open(path, &r, err) < 0)
		return -1;
	return table_load(a, r, t, err);
}

int
csvio_table_load_mem(struct arena *a, const char *name, const char *buf,
		     size_t len, struct csvio_table *t, struct drip_err *err)
{
	struct csvio_reader *r;

	memset(t, 0, sizeof *t);
	if (csvio_open_mem(name, buf, len, &r, err) < 0)
		return -1;
	return table_load(a, r, t, err);
}

long
csvio_table_col(const struct csvio_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0)
			return (long)i;
	return -1;
}

size_t
csvio_table_add_col(struct arena *a, struct csvio_table *t, const char *name)
{
	long have = csvio_table_col(t, name);
	char *empty;
	size_t i;

	if (have >= 0)
		return (size_t)have;
	/* Fields are replaced, never written in place, so the new column's
	 * rows can share one empty string. */
	empty = arena_strdup(a, "");
	t->cols = arena_grow(a, t->cols, t->ncols, t->ncols + 1, sizeof *t->cols);
	t->cols[t->ncols] = arena_strdup(a, name);
	for (i = 0; i < t->nrows; i++) {
		t->rows[i] = arena_grow(a, t->rows[i], t->ncols, t->ncols + 1,
					sizeof *t->rows[i]);
		t->rows[i][t->ncols] = empty;
	}
	return t->ncols++;
}

long
csvio_table_find(const struct csvio_table *t, size_t keycol, const char *key)
{
	size_t i;

	if (keycol >= t->ncols)
		return -1;
	for (i = 0; i < t->nrows; i++)
		if (strcmp(t->rows[i][keycol], key) == 0)
			return (long)i;
	return -1;
}

long
csvio_table_bsearch(const struct csvio_table *t, size_t keycol, const char *key)
{
	size_t lo = 0, hi = t->nrows;

	if (keycol >= t->ncols)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->rows[mid][keycol], key);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

size_t
csvio_table_add_row(struct arena *a, struct csvio_table *t)
{
	char **fields = arena_alloc(a, (t->ncols ? t->ncols : 1) * sizeof *fields);
	char *empty = arena_strdup(a, "");
	size_t i;

	for (i = 0; i < t->ncols; i++)
		fields[i] = empty;
	table_grow_rows(a, t);
	t->rows[t->nrows] = fields;
	t->lines[t->nrows] = 0;
	return t->nrows++;
}

void
csvio_table_set(struct arena *a, struct csvio_table *t, size_t row,
		size_t col, const char *val)
{
	if (row >= t->nrows || col >= t->ncols)
		return;
	t->rows[row][col] = arena_strdup(a, val ? val : "");
}

/* Merge sort of row indices: stable by construction, and free of qsort's
 * missing context argument in C17. */
static void
merge_sort(const struct csvio_table *t, size_t keycol, size_t *v, size_t *tmp,
	   size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(t, keycol, v, tmp, mid);
	merge_sort(t, keycol, v + mid, tmp, n - mid);
	while (i < mid && j < n) {
		/* Take from the right only when strictly smaller: stability. */
		if (strcmp(t->rows[v[j]][keycol], t->rows[v[i]][keycol]) < 0)
			tmp[k++] = v[j++];
		else
			tmp[k++] = v[i++];
	}
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

void
csvio_table_sort(struct csvio_table *t, size_t keycol)
{
	size_t *idx, *tmp, i;
	char ***rows;
	long *lines;

	if (keycol >= t->ncols || t->nrows < 2)
		return;
	idx = xmalloc(t->nrows * sizeof *idx);
	tmp = xmalloc(t->nrows * sizeof *tmp);
	rows = xmalloc(t->nrows * sizeof *rows);
	lines = xmalloc(t->nrows * sizeof *lines);
	for (i = 0; i < t->nrows; i++)
		idx[i] = i;
	merge_sort(t, keycol, idx, tmp, t->nrows);
	for (i = 0; i < t->nrows; i++) {
		rows[i] = t->rows[idx[i]];
		lines[i] = t->lines[idx[i]];
	}
	memcpy(t->rows, rows, t->nrows * sizeof *rows);
	memcpy(t->lines, lines, t->nrows * sizeof *lines);
	free(idx);
	free(tmp);
	free(rows);
	free(lines);
}

void
csvio_table_format(const struct csvio_table *t, struct sbuf *out)
{
	size_t i;

	csvio_format_row(out, (const char *const *)t->cols, t->ncols);
	for (i = 0; i < t->nrows; i++)
		csvio_format_row(out, (const char *const *)t->rows[i], t->ncols);
}

/* ---- list columns ---- */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

void
csvio_split_list(struct arena *a, const char *value, const char ***out,
		 size_t *n)
{
	const char *p, *end, *s, *e;
	const char **v;
	size_t cap = 1, k = 0;

	for (p = value; p && *p; p++)
		cap += *p == ';';
	v = arena_alloc(a, (cap + 1) * sizeof *v);
	for (p = value; p && *p; p = *end ? end + 1 : end) {
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		for (s = p; s < end && is_blank(*s); s++)
			;
		for (e = end; e > s && is_blank(e[-1]); e--)
			;
		if (e > s)
			v[k++] = arena_strndup(a, s, (size_t)(e - s));
	}
	v[k] = NULL;
	*out = v;
	*n = k;
}

void
csvio_join_list(struct sbuf *out, const char *const *items, size_t n)
{
	size_t i;
	int first = 1;

	for (i = 0; i < n; i++) {
		if (items[i] == NULL || items[i][0] == '\0')
			continue;
		if (!first)
			sbuf_addc(out, ';');
		sbuf_adds(out, items[i]);
		first = 0;
	}
}
