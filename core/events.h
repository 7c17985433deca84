/*
 * events.h - what happened outside drip that a tick applies: the event
 * files in inbox/ (SPEC §4.5, written by `drip event`) and the tasks of
 * tasks.csv that are done (SPEC §4.4).  Read once per run, before the pass.
 *
 * Everything returned lives in the arena given; nothing here writes.
 */
#ifndef DRIP_CORE_EVENTS_H
#define DRIP_CORE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct drip_err;
struct event;

/* The events of inbox/ whose slot has come, sorted by contact, time, id. */
struct events {
	struct event *v;
	size_t n;
};

/*
 * The slot an event at time t is applied in: the first unprocessed slot
 * at or after t (from is the last slot processed, STATE_NONE before the
 * first tick; tick the slot length in seconds).
 */
int64_t events_slot(int64_t tick, int64_t from, int64_t t);

/*
 * Read root/inbox/ *.csv: one file an event, id its file name without
 * ".csv".  Events whose slot (events_slot) is after to stay out of ev: a
 * later tick applies them.  A bad file is DRIP_EDATA naming it.  No inbox/
 * is no events.
 */
int events_load(struct arena *a, const char *root, int64_t tick, int64_t from, int64_t to,
		struct events *ev, struct drip_err *err);

/* Tasks that are done: ids sorted, with their done_at. */
struct done_tasks {
	const char **ids;
	int64_t *at;
	size_t n;
};

/* Read root/tasks.csv (none: no tasks); a done task without a valid
 * done_at, or a header without id, status, done_at, is DRIP_EDATA. */
int events_load_done(struct arena *a, const char *root, struct done_tasks *d,
		     struct drip_err *err);

/* The engine's task_done callback over a done_tasks (ctx): 1 and *at
 * when the task is done, 0 while it is open or unknown. */
int events_task_done(void *ctx, const char *id, int64_t *at);

/* The header of tasks.csv, with its newline. */
#define EVENTS_TASKS_HEADER \
	"id,created,due,kind,contact,sequence,step,assignee,subject,status,done_at\n"

#endif
