/*
 * roster.h - contacts.csv read in id order with bounded memory, for the
 * commands that merge it with other sorted streams: enroll, contact
 * import|set|tag|archive, event (SPEC §4.1, §13).
 *
 * contacts.csv is meant to be sorted by id, and drip writes it so; people
 * may append rows by hand.  roster_next hands out the rows as they are in
 * the file while they come in order, and says ROSTER_UNSORTED at the first
 * row that does not; the caller then drops what it made of the rows so far,
 * calls roster_sort (an external sort into a temporary file under .drip/,
 * csvsort) and starts again: every row comes out in id order from the
 * start.  A sorted file is read once and never copied.
 *
 * Errors name "contacts.csv": a missing id or email column, a CSV error, a
 * contact on two rows ("contact \"ada\" appears twice (lines 3 and 7)",
 * DRIP_EDATA at the later line - the pair first in id order, as a stable
 * sort of the whole file would find it).
 */
#ifndef DRIP_CORE_ROSTER_H
#define DRIP_CORE_ROSTER_H

#include <stddef.h>
#include <stdint.h>

struct csvio_row;
struct drip_err;
struct roster;

#define ROSTER_UNSORTED 2	/* roster_next: a row out of id order */

/* Open root/contacts.csv and check its header.  On failure *out is NULL. */
int roster_open(const char *root, struct roster **out, struct drip_err *err);
size_t roster_ncols(const struct roster *r);
const char *roster_colname(const struct roster *r, size_t i);
/* The column called name, or -1. */
long roster_col(const struct roster *r, const char *name);
/* The column of ids. */
size_t roster_idcol(const struct roster *r);
/* The next row: 1, 0 at the end, -1 on error, ROSTER_UNSORTED (see above).
 * The row is valid until the next call. */
int roster_next(struct roster *r, struct csvio_row *row, struct drip_err *err);
/* Sort contacts.csv into a temporary file and read that from its first
 * row; the temporary file goes with roster_close. */
int roster_sort(struct roster *r, struct drip_err *err);
/* Read again from the first row. */
int roster_rewind(struct roster *r, struct drip_err *err);
/* Was the file found out of order (and sorted)? */
int roster_was_sorted(const struct roster *r);
void roster_close(struct roster *r);

/* A row for expression evaluation (expr.h): expr_env's get with ctx a
 * struct roster_env gives the row's field of that name, NULL when there is
 * no such column. */
struct roster_env {
	const struct roster *r;
	const struct csvio_row *row;
};
const char *roster_field(void *ctx, const char *name);

/*
 * Every contact of contacts.csv the expression where selects (NULL: all),
 * in id order, with bounded memory.  A first reading checks the whole file
 * (its errors, its order, sorting it into a temporary when it is out of
 * order, and where on every row), calling pre (if not NULL) for each row it
 * selects; only then a second hands each selected row to fn - so fn sees
 * nothing of a file with an error, and a command can print as it goes.  pre
 * may see a row twice (reading starts again after a sort).  An expression
 * that does not parse, names an unknown column or fails on a row is
 * ROSTER_BAD_WHERE with *werr set; pre or fn returning -1 stops it with -1.
 */
#define ROSTER_BAD_WHERE 3
struct expr_err;
struct tz;
struct roster_pick {
	const char *where;
	int64_t now;			/* for where */
	const struct tz *zone;
	int (*pre)(void *ctx, const struct roster *r, const char *const *f,
		   struct drip_err *err);
	int (*fn)(void *ctx, const struct roster *r, const char *const *f,
		  struct drip_err *err);
	void *ctx;
};
int roster_each(const char *root, const struct roster_pick *p, struct expr_err *werr,
		struct drip_err *err);

/*
 * For commands that change a few contacts (contact add|set|tag|archive,
 * event): load into t the header of contacts.csv and only the rows whose id
 * is one of ids[0..n) (in id order, t->lines their lines in the file), with
 * every error of contacts.csv found as a whole read would find it.  Strings
 * live in the arena.
 */
struct arena;
struct csvio_table;
int roster_load_ids(struct arena *a, const char *root, const char *const *ids, size_t n,
		    struct csvio_table *t, struct drip_err *err);
/*
 * Write contacts.csv with the rows of t in it, sorted by id, to a temporary
 * file beside it (*tmp, malloc'ed; the caller renames or removes it).  t
 * has the header roster_load_ids gave it, perhaps with columns added at
 * the end (the other rows get "" there); a row of t replaces the row of
 * the same id, or is added.  t is sorted by id here.
 */
int roster_rewrite(const char *root, struct csvio_table *t, char **tmp, struct drip_err *err);

#endif
