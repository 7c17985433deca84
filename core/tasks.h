/*
 * tasks.h - marking tasks of tasks.csv done (SPEC §4.4, `drip task done`),
 * streamed row by row into a file beside it, so memory does not grow with
 * the number of tasks.
 */
#ifndef DRIP_CORE_TASKS_H
#define DRIP_CORE_TASKS_H

#include <stddef.h>

struct arena;
struct drip_err;

#define TASKS_FILE "tasks.csv"

/* One task named on the command line, and what tasks.csv says of it. */
struct task_hit {
	const char *id;			/* as given */
	int found;			/* a row has this id */
	int was_done;			/* it was done already (done_at: its time) */
	int done_now;			/* this call marked it done */
	const char *done_at, *contact, *sequence, *step;	/* in the arena */
};

/*
 * Mark the tasks hits[0..n) done at now (as tasks.csv writes times): root's
 * tasks.csv is copied row by row into a temporary file beside it (*tmp,
 * malloc'ed; NULL when no task changed, or on error) with those rows'
 * status `done` and done_at now.  A task named twice is marked once (the
 * first hit).  Unknown ids are left found 0 for the caller to refuse; a
 * missing tasks.csv has no tasks.  A header without the columns of
 * EVENTS_TASKS_HEADER is DRIP_EDATA at tasks.csv:1.
 */
int tasks_mark_done(struct arena *a, const char *root, struct task_hit *hits, size_t n,
		    const char *now, char **tmp, struct drip_err *err);

#endif
