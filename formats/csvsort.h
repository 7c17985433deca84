/*
 * csvsort.h - sorting a CSV file by one column with bounded memory: an
 * external merge sort over temporary runs (SPEC §4.1: contacts.csv in any
 * row order; §13: memory stays bounded whatever the number of rows).
 *
 * The input is read with csvio (so every reading rule holds: BOM, CRLF,
 * strict quoting, UTF-8, field size), cut into runs of at most run_rows
 * rows or run_bytes bytes, each sorted in memory and written to a
 * temporary file in tmpdir; the runs are then merged, at most fanin at a
 * time (in several passes when there are more), into the output.  Rows
 * come out in bytewise (strcmp) order of the key column, so the order never
 * depends on the locale; the header and every field are written as
 * csvio_format_row writes them, so a sorted file that drip wrote reads back
 * the same and a sorted input is copied byte for byte.
 *
 * Two rows with the same key are an error (DRIP_EDATA) at the later line,
 * naming both: "contact \"ada\" appears twice (lines 2 and 9)", unless
 * the options allow duplicates; then they come out in their input order.
 * With line_col set, every row of the output starts with one more field,
 * the 1-based line where the row began in the input (the header names that
 * column line_col), so that a reader of the sorted file can still point at
 * the input.
 *
 * Temporary runs are named ".csvsort-N.tmp-PID" in tmpdir, so a sweep of
 * ".*.tmp-*" files after a crash removes them; they are removed on return,
 * error or not.
 */
#ifndef DRIP_FORMATS_CSVSORT_H
#define DRIP_FORMATS_CSVSORT_H

#include <stddef.h>

struct drip_err;

struct csvsort_opts {
	const char *key;	/* the column to sort by (required) */
	const char *what;	/* noun for duplicates ("contact"); NULL: the key's name */
	const char *tmpdir;	/* where runs go (required) */
	size_t run_rows;	/* rows per run; 0: CSVSORT_RUN_ROWS */
	size_t run_bytes;	/* bytes of fields per run; 0: CSVSORT_RUN_BYTES */
	size_t fanin;		/* runs merged at a time; 0: CSVSORT_FANIN (at least 2) */
	int dups;		/* rows with the same key are allowed */
	const char *line_col;	/* NULL, or the name of a first column of source lines */
	const char *name;	/* the input's name in messages; NULL: src */
};

#define CSVSORT_RUN_ROWS 100000		/* rows held in memory at a time */
#define CSVSORT_RUN_BYTES (16 * 1024 * 1024)	/* bytes of fields held at a time */
#define CSVSORT_FANIN 32		/* open run files during a merge */

/*
 * Sort the CSV file src into dst, which is created (mode 0644, never
 * following a symbolic link) or truncated, written whole and fsync'ed, but
 * not renamed: dst is meant to be a temporary beside the target, which the
 * caller renames into place (and may first record, for crash recovery,
 * that it is about to).  *nruns (if not NULL) receives the number of runs
 * the input made (1 when it fitted in memory).  A missing key column is
 * DRIP_EDATA.  On error dst is removed.  Returns 0 or -1 with err.
 */
int csvsort_file(const char *src, const char *dst, const struct csvsort_opts *o,
		 size_t *nruns, struct drip_err *err);

#endif
