/*
 * csvio.h - RFC 4180 CSV on libcsv: a streaming reader, a writer, and a
 * small in-memory table for files that are edited row by row.
 *
 * Reading (SPEC §4, §12): libcsv with CSV_STRICT | CSV_STRICT_FINI; a
 * leading UTF-8 BOM is skipped; CRLF and LF are accepted; a header row is
 * required; a field longer than CSVIO_MAX_FIELD, holding a NUL byte or
 * bytes that are not UTF-8 is an error; every row must have as many fields
 * as the header.  Errors are DRIP_EDATA with the file and the 1-based line
 * where the offending record starts (for invalid UTF-8, the line of the bad
 * byte: "invalid UTF-8 in column \"first_name\"").
 *
 * Spaces and tabs are data: an unquoted field keeps them, as RFC 4180 says
 * (libcsv's trimming is turned off).  Blank lines between records are
 * skipped and do not shift the line numbers of the records after them.
 *
 * Writing: "\n" line ends; a field is quoted only when it must be (it
 * contains a comma, a quote, CR or LF, or starts/ends with a space or a
 * tab, which readers that trim would lose); quotes are doubled.  A record
 * made of one empty field is written as "" so that it is not a blank line.
 * What was read is written back byte for byte.
 */
#ifndef DRIP_FORMATS_CSVIO_H
#define DRIP_FORMATS_CSVIO_H

#include <stdio.h>
#include <stddef.h>

struct arena;
struct drip_err;
struct sbuf;

#define CSVIO_MAX_FIELD (64 * 1024)	/* bytes in one field, SPEC §12 */

/* ---- streaming reader ---- */

struct csvio_reader;

/* A row as returned by csvio_next: valid until the next call. */
struct csvio_row {
	size_t n;			/* number of fields (== number of columns) */
	const char **f;			/* NUL-terminated fields */
	const size_t *len;		/* their lengths */
	long line;			/* 1-based line where the record starts */
};

/*
 * Open path and read its header.  A missing file is DRIP_ENOINPUT (other
 * open or read failures DRIP_EFAIL).  A file with no record is "missing
 * header row"; an empty or duplicate column name is an error too.
 * The reader reads the file in chunks, so memory does not grow with it.
 * On failure *out is NULL.
 */
int csvio_open(const char *path, struct csvio_reader **out, struct drip_err *err);
/* The same over a buffer in memory (not copied: it must outlive the reader);
 * name is used in errors. */
int csvio_open_mem(const char *name, const char *buf, size_t len,
		   struct csvio_reader **out, struct drip_err *err);

size_t csvio_ncols(const struct csvio_reader *r);
/* The bytes read so far, and the input's size (0 when unknown): how far
 * along the file a stream is, for progress. */
size_t csvio_offset(const struct csvio_reader *r);
size_t csvio_size(const struct csvio_reader *r);
const char *csvio_colname(const struct csvio_reader *r, size_t i);
/* Index of the column called name, or -1. */
long csvio_col(const struct csvio_reader *r, const char *name);

/* Next row: 1 and *row filled, 0 at the end, -1 on error.  After an error
 * every later call fails with the same error. */
int csvio_next(struct csvio_reader *r, struct csvio_row *row, struct drip_err *err);

void csvio_close(struct csvio_reader *r);

/* ---- writing ---- */

/* Append one record (n fields, each NUL-terminated) and "\n" to out. */
void csvio_format_row(struct sbuf *out, const char *const *f, size_t n);
/* Append one field, quoted when needed. */
void csvio_format_field(struct sbuf *out, const char *f);

/* ---- in-memory table ---- */

/*
 * A whole CSV file in memory, for small files edited in place
 * (contacts.csv by `drip contact`, state/sequences.csv).  Rows are kept in
 * file order until csvio_table_sort().  All strings live in the arena.
 * Change fields with csvio_table_set, never by writing into them: empty
 * fields may share one string.  On a load error *t is left empty.
 */
struct csvio_table {
	size_t ncols;
	char **cols;			/* header */
	size_t nrows, caprows;
	char ***rows;			/* rows[i][j]: row i, column j */
	long *lines;			/* 1-based source line of each row, 0 if added */
};

int csvio_table_load(struct arena *a, const char *path, struct csvio_table *t,
		     struct drip_err *err);
int csvio_table_load_mem(struct arena *a, const char *name, const char *buf,
			 size_t len, struct csvio_table *t, struct drip_err *err);
/* Index of column name, or -1. */
long csvio_table_col(const struct csvio_table *t, const char *name);
/* Add a column (with empty values) if it does not exist; returns its index. */
size_t csvio_table_add_col(struct arena *a, struct csvio_table *t, const char *name);
/* Index of the first row whose column keycol equals key, or -1. */
long csvio_table_find(const struct csvio_table *t, size_t keycol, const char *key);
/* The same in a table sorted by keycol (csvio_table_sort): a binary
 * search, so merging N rows into a table of M costs N log M. */
long csvio_table_bsearch(const struct csvio_table *t, size_t keycol, const char *key);
/* Append an empty row (every field "") and return its index. */
size_t csvio_table_add_row(struct arena *a, struct csvio_table *t);
/* Set a field (the value is copied into the arena; NULL sets "").  A row or
 * column out of range is ignored. */
void csvio_table_set(struct arena *a, struct csvio_table *t, size_t row,
		     size_t col, const char *val);
/* Stable sort of the rows by column keycol, bytewise (strcmp) order, so the
 * order never depends on the locale. */
void csvio_table_sort(struct csvio_table *t, size_t keycol);
/* Append header and rows to out. */
void csvio_table_format(const struct csvio_table *t, struct sbuf *out);

/* ---- list columns ---- */

/*
 * List columns (SPEC §4.1: tags, sites, opportunities) hold their items
 * separated by ';'.  csvio_split_list splits value into *out (an array of
 * *n strings followed by a NULL, all in the arena), trimming spaces and tabs
 * around each item and dropping empty items: " a; ;b " gives "a", "b".
 * A NULL or empty value gives *n == 0 and an array holding only NULL.
 */
void csvio_split_list(struct arena *a, const char *value, const char ***out,
		      size_t *n);
/* Append the items joined by ';' to out, skipping NULL and empty items.
 * Items must not contain ';' (callers validate them). */
void csvio_join_list(struct sbuf *out, const char *const *items, size_t n);

#endif
