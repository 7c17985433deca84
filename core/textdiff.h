/*
 * textdiff.h - unified diffs of two texts, through libgit2's diff engine,
 * for `drip seq diff`.
 */
#ifndef DRIP_CORE_TEXTDIFF_H
#define DRIP_CORE_TEXTDIFF_H

#include <stddef.h>

struct drip_err;
struct sbuf;

/*
 * Append a unified diff (3 lines of context) of old against new to out,
 * headed "--- OLD_NAME" / "+++ NEW_NAME".  old or new may be NULL for a file
 * that does not exist on that side.  Appends nothing when they are equal.
 */
int textdiff_unified(const char *old, size_t oldlen, const char *old_name,
		     const char *new, size_t newlen, const char *new_name,
		     struct sbuf *out, struct drip_err *err);

#endif
