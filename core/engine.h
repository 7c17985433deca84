/*
 * engine.h - the tick engine (SPEC §9.1): one contact, advanced slot by
 * slot.  No I/O, no clock, no globals: everything it needs comes in,
 * everything it decides goes out as effects that the run's sink performs
 * (outbox files, log rows, task rows, list rows).  --dry-run and reports
 * call the same function and print the effects instead.
 *
 * Within a contact: in each slot its events whose time has come are applied,
 * then due steps fire by sequence id, repeating while zero-delay work
 * remains (a chain of wait-0 steps fires in one slot, in order), with a
 * limit that reports a loop instead of spinning.
 */
#ifndef DRIP_CORE_ENGINE_H
#define DRIP_CORE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "state.h"

struct arena;
struct autom;
struct drip_err;
struct seq;
struct tmpl;
struct tz;

/* A published sequence, ready to run. */
struct seqdef {
	const char *id;
	const struct seq *q;		/* the pinned content */
	long version;
	int64_t published_at;		/* when this version was published */
	int accepting;			/* active: new enrollments allowed */
	int running;			/* active, stopping or paused: steps fire
					 * (a paused one outside its freeze) */
	/* SPEC §3.5's pause: the slots after paused_at and up to resumed_at
	 * (for ever while still paused) are frozen - nothing of the
	 * sequence fires in them - and the tick that processes the first
	 * slot after resumed_at moves every pending time of its
	 * enrollments later by the time they spent frozen.  STATE_NONE when
	 * never paused, or not resumed yet. */
	int64_t paused_at, resumed_at;
	const struct tz *zone;		/* the sequence's zone, or the workspace's */
	struct window window;		/* its send window, or the workspace's */
	int per_day;			/* frequency cap, 0 = none */
	const char *const *tmpl_paths;	/* templates by their path in the sequence */
	const struct tmpl *const *tmpls;
	size_t ntmpls;
};

#define DEFS_OR (1u << 31)

/* A sequence automation (automations/ID.yaml, SPEC §3.6), ready to run. */
struct autodef {
	const struct autom *m;
	/* The first slot it acts in: the first slot of the tick that first
	 * saw it (state/automations.csv).  Triggers, dates and conditions
	 * before that are history, not work. */
	int64_t since;
	const char *const *tmpl_paths;	/* the templates its actions use */
	const struct tmpl *const *tmpls;
	size_t ntmpls;
};

/* Everything that is the same for every contact in a run. */
struct defs {
	const struct config *cfg;
	const struct seqdef *seqs;	/* sorted by id */
	size_t nseqs;
	const struct autodef *autos;	/* sorted by id */
	size_t nautos;
	/* What the automations need looked at, once for the run: bit
	 * 1u << trigger for each trigger in use, and DEFS_OR when one has an
	 * `or:` condition. */
	unsigned auto_kinds;
	const int64_t *holidays;	/* sorted civil days */
	size_t nholidays;
	const char *msgid_domain;
	/* A contact's own zone (contact_timezone: true), or NULL when the name
	 * is not a zone.  Deterministic for a name: a cache is fine. */
	const struct tz *(*zone)(void *ctx, const char *name);
	void *zone_ctx;
	/* The signed link for (contact, sequence, step, entered, answer) in a
	 * message of slot `slot` (expiry counts from it), or NULL when links
	 * are not configured. */
	const char *(*link)(void *ctx, struct arena *a, const char *contact,
			    const char *sequence, const char *step, int64_t entered,
			    const char *answer, int64_t slot);
	void *link_ctx;
	/* When a task was done: 1 and *at, or 0 while it is open. */
	int (*task_done)(void *ctx, const char *task_id, int64_t *at);
	void *task_ctx;
};

/* A contact: the header of contacts.csv and this row's values.  Actions
 * (tag, set, unsubscribe...) replace values; changed says so. */
struct contact {
	const char *id;
	const char *const *cols;
	const char **vals;
	size_t n;
	int changed;
};

/* An event from inbox/ (SPEC §4.5). */
struct event {
	const char *id;			/* the inbox file's name, the log's ref */
	int64_t time;
	const char *contact;
	const char *name;		/* reply, open, click, bounce, unsubscribe, task_done, ... */
	const char *sequence;		/* "" for any */
	const char *answer;		/* a response's answer (data answer=...), or "" */
};

/* A contact's sequence automation runs, and what it looked like at the end
 * of the last tick (for field_changed, tag_added, tag_removed and
 * contact_created).  The engine updates runs in place and may add some (in
 * fx's arena); on return they are sorted by automation id. */
struct flows {
	struct arun *runs;
	size_t n;
	/* The contact's row in the snapshot of the last tick, NULL when it
	 * was not there; only looked at when have_prev. */
	const struct contact *prev;
	int have_prev;
};

/* A row of the action log (SPEC §4.3). */
struct log_row {
	int64_t time;
	const char *contact, *sequence, *step, *automation;
	const char *action, *result, *ref, *detail;
};

/* A message for the outbox: its file name and complete content. */
struct out_msg {
	const char *kind;		/* "email" or "sms" */
	const char *name;
	const char *data;
	size_t len;
};

/* A row for tasks.csv (SPEC §4.4). */
struct out_task {
	const char *id;
	int64_t created, due;
	const char *kind, *contact, *sequence, *step, *assignee, *subject;
};

/* A row for notes.csv (the note action). */
struct out_note {
	int64_t time;
	const char *contact, *sequence, *step, *automation, *text;
};

/* A row for lists/LIST.csv. */
struct out_list {
	const char *list;
	int64_t time;
	const char *contact, *sequence, *step;
	const char *const *fields;	/* the columns written after those */
	const char *const *values;
	size_t n;
};

struct effects {
	struct arena *a;
	struct log_row *log;
	size_t nlog, caplog;
	struct out_msg *msgs;
	size_t nmsgs, capmsgs;
	struct out_task *tasks;
	size_t ntasks, captasks;
	struct out_list *lists;
	size_t nlists, caplists;
	struct out_note *notes;
	size_t nnotes, capnotes;
	/* counts for the summary line */
	size_t fired, completed, enrolled, automations;
};

void effects_init(struct effects *fx, struct arena *a);
/* Forget the effects (the arena is the caller's to reset). */
void effects_clear(struct effects *fx);

/*
 * Advance one contact over the slots (from, to]: from is the last slot
 * already processed (STATE_NONE before the first tick), to the slot
 * containing --now.  *enrs (*n of them, this contact's rows sorted by
 * sequence) are updated in place; an enroll action may add one, so the
 * array is reallocated in fx's arena.  ev are this contact's events sorted
 * by time.  Things due at or before from (an enrollment back-dated with --at,
 * an event that arrived late) happen in the first unprocessed slot.
 * fl (NULL when there are no sequence automations) holds its automation
 * runs.  Returns 0, or -1 when the contact cannot be advanced (a zero-delay loop):
 * then err says why, and the caller logs it and leaves the contact as it
 * was.
 */
int engine_advance(const struct defs *d, struct contact *c,
		   struct enr **enrs, size_t *n, struct flows *fl,
		   const struct event *ev, size_t nev,
		   int64_t from, int64_t to, struct effects *fx, struct drip_err *err);

/*
 * The first slot after slot `after` in which engine_advance(from = after)
 * would act for contact c without events: INT64_MAX when nothing is ever
 * due.  Until that slot, and while nothing it reads changes (the contact,
 * its rows, runs and done tasks, the definitions), advancing the contact
 * does nothing, so a run may leave it alone (run.h's quiet shards).
 */
int64_t engine_next(const struct defs *d, struct contact *c, struct enr *enrs, size_t n,
		    struct flows *fl, int64_t after);

/* The definition of sequence id, or NULL. */
const struct seqdef *engine_seq(const struct defs *d, const char *id);
/* Is slot s inside sd's freeze (see struct seqdef)?  1 or 0. */
int engine_frozen(const struct seqdef *sd, int64_t s);
/* The first slot after sd's freeze (slots of length len), the one whose
 * tick thaws it, or STATE_NONE when it is not resumed from a pause. */
int64_t engine_thaw_slot(const struct seqdef *sd, int64_t len);
/* The sequence automation id, or NULL. */
const struct autodef *engine_auto(const struct defs *d, const char *id);

/* SPEC §3.2: the variant index for (contact, sequence, step), from BLAKE2b
 * of "contact NUL sequence NUL step", weighted; the same contact always gets
 * the same variant. */
size_t engine_variant(const char *contact, const char *sequence, const char *step,
		      const int *weights, size_t n);

/* The value of column name for c, or NULL. */
const char *contact_get(const struct contact *c, const char *name);

/*
 * May contact c be sent a message on channel ("email" or "sms")?  NULL when
 * it may; else why not, as the log's detail ("contact is unsubscribed").
 * SPEC §5: no email or SMS ever goes to a contact who is archived,
 * inactive, unsubscribed or bounced, or who lacks the address.  Every
 * message to the contact - a step's email or SMS, a notify addressed to
 * the contact - asks this one function, so a new rule (an address drip
 * cannot deliver to) goes here and nowhere else.  Messages about the
 * contact to other people (task notices, summaries, a notify `to:` a
 * colleague) do not ask it.
 */
const char *engine_unreachable(const struct contact *c, const char *channel);

/*
 * Columns of contacts.csv that the engine sets (status by mark_inactive
 * and archive, unsubscribed, bounced by the events of those names) and
 * that a contacts.csv may lack (SPEC §4.1), in the order they are added.
 * A caller presents a contact whose file lacks some of them with every
 * missing one appended, valued "", and when the engine gives any of them a
 * value, appends all the missing ones to the file's header (after the
 * existing columns, which keep their order): all of them, so that the
 * header a run writes does not depend on how ticks split the slots.
 */
#define ENGINE_CONTACT_NCOLS 3
extern const char *const engine_contact_cols[ENGINE_CONTACT_NCOLS];

#endif
