/*
 * import.h - `drip contact import` as a library (SPEC §4.1): merge a CSV of
 * contacts into contacts.csv by id - add new contacts, update the columns
 * given, never delete - with memory independent of either file's size.
 *
 * The input is read once to check it (every value, in file order), sorted
 * by id on disk (csvsort, duplicates kept, each row's line in front), then
 * merged with contacts.csv (roster, in id order) into a temporary file
 * beside it, which the caller renames into place with its commit.
 */
#ifndef DRIP_CORE_IMPORT_H
#define DRIP_CORE_IMPORT_H

#include <stddef.h>
#include <stdio.h>

struct arena;
struct drip_err;

/* Is value v acceptable in column col of contacts.csv?  NULL, or why not
 * (in the arena).  Columns drip gives meaning to are checked for that
 * meaning (email for an address drip can send to, status, unsubscribed,
 * timezone, id); none of them may hold control characters. */
const char *import_check_value(struct arena *a, const char *col, const char *v);
/* v with control characters shown as '?', for messages on one line. */
const char *import_shown(struct arena *a, const char *v);

struct import_result {
	size_t rows, added, updated;
	char *tmp;		/* the new contacts.csv beside it, or NULL when
				 * nothing changed (malloc'ed) */
};

/*
 * Import src (a path), or the stream in when src is NULL, called name in
 * messages ("stdin").  Errors, before anything is written, in the order a
 * whole read of both files finds them: contacts.csv's; the input's CSV
 * errors; a missing id column; the first bad value in file order; then, by
 * id, a contact on two lines ("contact 'x' appears twice (first at line
 * N)") or a new contact with no email or phone.  DRIP_EDATA for the input's
 * data.  On success the caller renames res->tmp into place (or removes
 * it) and frees it.
 */
int import_run(const char *root, const char *src, FILE *in, const char *name,
	       struct import_result *res, struct drip_err *err);

#endif
