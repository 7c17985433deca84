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

/* The columns of EVENTS_TASKS_HEADER, in its order. */
#define TASKS_NCOLS 11

/* One row of tasks.csv as tasks_each hands it out. */
struct tasks_row {
	const char *const *names;	/* the header's column names, n of them */
	const char *const *f;		/* the row's fields; NULL: the header alone */
	size_t n;
	size_t col[TASKS_NCOLS];	/* where each column of EVENTS_TASKS_HEADER is */
};

/*
 * Every row of root's tasks.csv in file order, read row by row so memory
 * does not grow with the number of tasks: fn gets the header first (f
 * NULL), then each row; everything it points to is valid only during the
 * call.  A missing tasks.csv is one with EVENTS_TASKS_HEADER and no row.
 * A header without a column of EVENTS_TASKS_HEADER is DRIP_EDATA at
 * tasks.csv:1, before fn is called; a CSV error stops the reading there
 * (-1).  fn returning -1 stops it with -1.
 */
int tasks_each(const char *root,
	       int (*fn)(void *ctx, const struct tasks_row *row, struct drip_err *err),
	       void *ctx, struct drip_err *err);

#endif
