/*
 * history.h - which commit changed which field of one contact: the git
 * history of contacts.csv, read through libgit2 (`drip report contact ID
 * --history`, SPEC §10; the auditor of SPEC's table of users).
 */
#ifndef DRIP_CORE_HISTORY_H
#define DRIP_CORE_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct drip_err;

/* One field of the contact changed by one commit. */
struct hist_change {
	const char *commit;		/* 12 hex digits */
	int64_t time;			/* the commit's time */
	const char *author;		/* "Name <email>" */
	const char *subject;		/* the message's first line */
	const char *field;		/* a column of contacts.csv */
	const char *old;		/* "" when the contact or column was new */
	const char *new_;		/* "" when it was removed */
};

/*
 * Walk the first-parent history of HEAD in root's repository, oldest
 * first, and list every change to the row of contact id in the file rel
 * (contacts.csv): the fields that differ between the file of a commit and
 * that of its parent, compared by column name.  Only commits whose blob
 * of rel differs from their parent's are read, each version once, and at
 * most two at a time (libgit2 inflates a packed object whole, so a
 * version is held in memory while it is scanned).  Results live in a.
 * A repository with no commit has no history (*n = 0).
 */
int history_contact(struct arena *a, const char *root, const char *rel, const char *id,
		    struct hist_change **out, size_t *n, struct drip_err *err);

#endif
