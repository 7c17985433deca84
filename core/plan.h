/*
 * plan.h - what `drip seq publish ID --plan` (and `seq diff ID --impact`)
 * shows: what publishing the draft would do, changing nothing (SPEC §3.5).
 *
 * The plan is computed by the code that publishes and the pass that
 * ticks, in memory, writing nothing (not even a temporary file, but for
 * the sorted copy of an unsorted contacts.csv any dry pass makes): the
 * enrollment shards are streamed once through the publish's migration
 * (migrate.h, res NULL) to list who moves, then the pass of `report
 * upcoming` runs over the workspace with run.h's hooks putting the draft
 * in place of the published version (defs_put_seq) and migrating each
 * enrollment of the sequence as it is read - the state a publish would
 * commit, seen by the pass that would tick it.
 *
 * The document (rtab.h, report kind "plan") has the sections
 *   summary   one row: the sequence, its version now and after, its
 *             enrollments, how many move, resume and keep their place, the
 *             automations that end, the log rows within the horizon,
 *             the enrollments in next;
 *   moves     each enrollment publishing moves: from which step to which,
 *             and why (its step is deleted, or steps were added after the
 *             old end and it resumes);
 *   next      each enrollment in progress that stays on its step but goes
 *             on to another step after it: steps reordered, the step
 *             after it deleted, or one added after it;
 *   ending    each (contact, automation) of the old version that can fire
 *             no more: the automation is gone from the contact's step;
 *   days, upcoming   as `report upcoming`, for this sequence's rows only,
 *             from the last processed slot up to now + horizon, as the
 *             ticks after the publish would write them.
 * moves, next and ending keep the PLAN_ROWS_MAX lowest contact ids (the summary
 * counts all); memory is bounded whatever the number of contacts.
 */
#ifndef DRIP_CORE_PLAN_H
#define DRIP_CORE_PLAN_H

#include <stdint.h>

struct arena;
struct config;
struct drip_err;
struct pub_content;
struct rtab_doc;
struct seq;

#define PLAN_ROWS_MAX 10000

struct plan_opts {
	const char *root;		/* the workspace */
	const struct config *cfg;
	const char *id;			/* the sequence */
	const struct seq *q;		/* its draft, linted clean */
	const struct pub_content *pc;	/* the draft's content */
	int64_t now;			/* when it would be published */
	int64_t until;			/* now + the horizon */
	const char *horizon;		/* as given ("7d"), for the title */
};

/* Build the plan into out.  Errors as `seq publish` (DRIP_EFAIL for a
 * stopped or archived sequence) and as the pass (bad files: DRIP_EDATA). */
int plan_build(struct arena *a, const struct plan_opts *o, struct rtab_doc *out,
	       struct drip_err *err);

#endif
