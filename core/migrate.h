/*
 * migrate.h - what publishing a new version of a sequence does to the
 * contacts already enrolled (SPEC §3.5), shard by shard with bounded
 * memory: each shard of state/enrollments/ is streamed into a temporary
 * file beside it, kept when an enrollment in it moved.
 */
#ifndef DRIP_CORE_MIGRATE_H
#define DRIP_CORE_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "fsio.h"
#include "sched.h"
#include "state.h"

struct config;
struct drip_err;
struct seq;
struct tz;

/* Told of every enrollment of the sequence as migration finds it (before)
 * and leaves it (after; the same when it did not move): `seq publish
 * --plan` lists the moves from it. */
struct migrate_watch {
	void (*seen)(void *ctx, const struct enr *before, const struct enr *after, int moved);
	void *ctx;
};

struct migrate_result {
	long moved;			/* enrollments moved */
	struct fsio_pending files[STATE_SHARDS];	/* the shards' new content */
	size_t nfiles;
};

/*
 * Move the enrollments in sequence id from version old to nq at now:
 *  - on a step the new version deletes: to the step that now follows the
 *    deleted one's predecessor, entering it at now (done when nothing
 *    follows);
 *  - finished (done) at the old last step, when steps are added after it:
 *    on to the first new step, timed by §3.3 from when the old last step
 *    fired - or, if that is not after now, at the next occurrence of the
 *    step's `at` after it, else at default_time on the calendar day after.
 * Steps are matched by id, never by position.  On success the caller
 * renames res->files into place (or not); migrate_result_release removes
 * what is left.  w (may be NULL) is told of each enrollment of id.  res
 * NULL: nothing is written, w alone is told (`seq publish --plan`).
 */
int migrate_run(const char *root, const char *id, const struct seq *old, const struct seq *nq,
		const struct config *cfg, int64_t now, const struct migrate_watch *w,
		struct migrate_result *res, struct drip_err *err);
void migrate_result_release(struct migrate_result *res);

/*
 * The same move, one enrollment at a time, for a reader of the shards of
 * its own (the tick pass of `seq publish --plan`, which migrates each
 * enrollment as it reads it, in memory).  migrate_enr moves e (of the
 * sequence) as migrate_run would and returns 1, or leaves it and returns
 * 0; the strings it sets point into nq.  migrate_end frees the zone.
 */
struct migrate_ctx {
	const struct seq *old, *nq;
	long lastnew;			/* the old last step in nq, or -1 */
	int64_t now;
	struct sched_rules rules;
	struct tz *z;
};
int migrate_begin(struct migrate_ctx *m, const struct seq *old, const struct seq *nq,
		  const struct config *cfg, int64_t now, struct drip_err *err);
int migrate_enr(const struct migrate_ctx *m, struct enr *e);
void migrate_end(struct migrate_ctx *m);

#endif
