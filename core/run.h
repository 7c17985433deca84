/*
 * run.h - the pass of a tick (SPEC §9): every contact advanced over the
 * slots (from, to], its effects handed to a sink.
 *
 * run_pass reads the clock, the published definitions, inbox/ and
 * tasks.csv, then streams contacts.csv in id order merged with the 64
 * enrollment shards, state/runs.csv and the snapshot of contacts.csv, and
 * calls the pure engine (engine.h) once per contact.  What to do with the
 * outcome is the sink's: `drip tick` writes it (runio.h: state, log,
 * outbox, tasks, lists, notes, the commit), `tick --dry-run` collects it
 * (run_collect below) to print, and `report upcoming` and `seq publish
 * --plan` will collect it to show.  The pass itself writes nothing, except
 * that a real run (opts.dry 0) that meets contacts.csv out of id order
 * sorts it and commits that first (runio_sort_contacts), then starts
 * again; a dry run sorts into a temporary under .drip/ and removes it.
 *
 * Quiet shards: a shard whose contacts have nothing due up to `to` (by the
 * cache of due.h, while every input is as it was) and no event is neither
 * read nor handed to the sink, its contacts' runs pass through unchanged;
 * when no shard has work and no event waits, contacts.csv is not read
 * either.  The sink's item is then called for the contacts that have.
 *
 * Nothing here prints or exits: the caller prints what it gets back.
 */
#ifndef DRIP_CORE_RUN_H
#define DRIP_CORE_RUN_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct arun;
struct config;
struct contact;
struct defs;
struct drip_err;
struct effects;
struct enr;
struct events;
struct log_row;
struct out_list;
struct out_note;
struct out_task;
struct store;

struct run_opts {
	const char *root;		/* the workspace */
	const struct config *cfg;	/* its drip.yaml */
	struct store *store;		/* the git store; NULL for a dry run */
	struct arena *a;		/* the caller's arena: what outlives a contact */
	int64_t now;			/* --now, or the wall clock */
	int has_now;			/* now came from --now (commits are dated by it) */
	int dry;			/* read only: an unsorted contacts.csv is sorted
					 * into a temporary, not committed */
	int catch_up;			/* a backlog longer than max_lag is processed */
	/* tick --shard K/N (shard_n 0: the whole workspace): only the
	 * contacts of the enrollment files whose index is shard_k modulo
	 * shard_n are advanced, and only their events applied; the others
	 * pass through as they are, and the shard's own clock is used
	 * (clock.h). */
	unsigned shard_k, shard_n;
	/* Called after every 50,000th contact, and once more at the end
	 * (last 1) when there were that many; NULL: not called. */
	void (*progress)(void *ctx, size_t contacts, int last);
	void *progress_ctx;
	/* Progress by phase, for a bar: "contacts" (bytes of contacts.csv
	 * read of its size), then from runio.h "writing" (state shards put
	 * in place, then the rest), "committing" and "delivering" (begun,
	 * then done);
	 * done of total, called with done == total at the end of each.
	 * Gets progress_ctx; NULL: not called. */
	void (*phase)(void *ctx, const char *phase, size_t done, size_t total);
	const struct run_hooks *hooks;	/* NULL: none */
};

/*
 * `seq publish --plan` runs the pass on what publishing would leave, in
 * memory: defs is called with the published definitions once loaded (on
 * every start of the pass), to put the draft in place; enr with every
 * enrollment row as read from its shard, to migrate it.  With hooks no
 * shard is left alone as quiet (the cache knows the files, not this).
 */
struct run_hooks {
	int (*defs)(void *ctx, struct defs *d, struct drip_err *err);
	void (*enr)(void *ctx, struct enr *e);
	void *ctx;
};

/* What the pass knows: set before the sink's begin, counted during the
 * pass.  d and ev are the pass's and valid only until run_pass returns. */
struct run_info {
	int64_t from;			/* the last slot processed; STATE_NONE before
					 * the first tick */
	int64_t to;			/* the slot containing now */
	int64_t r0;			/* this run's first slot */
	const struct defs *d;		/* the published definitions */
	const struct events *ev;	/* the inbox events this run applies */
	int watch;			/* an automation watches contacts.csv */
	int since_dirty;		/* state/automations.csv must be rewritten */
	/* Quiet ticks (due.h): contacts.csv and the other inputs are as the
	 * last tick left them; no shard had work, nor an event, so the pass
	 * read nothing; each shard's first slot with work after to. */
	int unchanged, quiet;
	const int64_t *next;
	const unsigned char *skip;	/* per shard: 1 when left alone */
	size_t contacts, fired, completed, enrolled, automations, failed_contacts;
	size_t skipped;			/* contacts of quiet shards, left alone */
};

/*
 * One contact's outcome.  c is NULL for what belongs to no contact of
 * contacts.csv: enrollments and runs of removed contacts (kept as they
 * are: drip never loses an enrollment), and the "unknown contact" rows of
 * their events.  enrs are the contact's rows of shard `shard` as the pass
 * leaves them, in order; runs its rows of state/runs.csv; the changed
 * flags say whether they differ from the files.  Everything points into
 * memory that is reused after the call: a sink copies what it keeps.
 */
struct run_item {
	const struct contact *c;
	unsigned shard;
	const struct enr *enrs;
	size_t nenrs;
	int enrs_changed;
	const struct arun *runs;
	size_t nruns;
	int runs_changed;
	const struct effects *fx;	/* NULL: none */
};

/* What to do with each contact's effects.  Each callback returns 0, or -1
 * with err filled, which stops the pass. */
struct run_sink {
	/* Before the first contact (again after a restart). */
	int (*begin)(void *ctx, const struct run_info *ri, struct drip_err *err);
	/* Each contact in id order, and the rows of none (see run_item). */
	int (*item)(void *ctx, const struct run_info *ri, const struct run_item *it,
		    struct drip_err *err);
	/* After the last contact. */
	int (*finish)(void *ctx, const struct run_info *ri, struct drip_err *err);
	/* The pass stopped after begin (an error, or a restart after sorting
	 * contacts.csv): drop what was begun.  May be NULL. */
	void (*abort)(void *ctx);
	void *ctx;
};

/* run_pass's results other than errors. */
enum {
	RUN_RAN = 0,		/* the pass ran, the sink finished */
	RUN_NOTHING = 1		/* slot `to` was processed already: nothing ran */
};

/*
 * Advance every contact from the clock's slot to the one containing
 * o->now and hand each one's outcome to sink.  info (filled whatever the
 * result) says what was done.  A backlog longer than max_lag without
 * o->catch_up is DRIP_ETEMP; bad files are DRIP_EDATA, a bad links setup
 * DRIP_ECONFIG.  A contact the engine cannot advance is left as it was,
 * logged "tick,failed", and counted in failed_contacts: the others go on.
 */
int run_pass(const struct run_opts *o, const struct run_sink *sink, struct run_info *info,
	     struct drip_err *err);

/* A private secret key, not committed (DRIP_ECONFIG otherwise); store may
 * be NULL. */
int run_check_key(const char *root, struct store *store, struct drip_err *err);

/* ---- effects kept past their contact (runcollect.c) ---- */

struct run_kept {
	struct log_row *rows;
	size_t nrows, caprows;
	struct out_task *tasks;
	size_t ntasks, captasks;
	struct out_note *notes;
	size_t nnotes, capnotes;
	struct out_list *lists;
	size_t nlists, caplists;
};

/* Copy fx's log rows into k (strings in a). */
void run_keep_rows(struct arena *a, struct run_kept *k, const struct effects *fx);
/* Copy fx's tasks, notes and list rows into k (strings in a). */
void run_keep_rest(struct arena *a, struct run_kept *k, const struct effects *fx);
/*
 * Sort a run's log rows stably by time: pass order (contact, then the
 * engine's order) within a time.  Time first, so that a catch-up tick
 * over many slots writes exactly the rows that tick after tick would have
 * (SPEC §9.2); for the usual one-slot tick this is the contact order
 * SPEC §4.3 names.
 */
void run_sort_rows(struct log_row *v, size_t n);

/* ---- the collecting sink: what a run would do, changing nothing ---- */

/* A message the run would queue. */
struct run_msg {
	const char *kind;		/* "email", "sms" or "run" */
	const char *name;		/* its outbox file name */
	size_t len;
};

/* A contact the run's actions would edit: its row as they leave it. */
struct run_edit {
	const char *id;
	const char *const *cols;
	const char *const *vals;
	size_t n;
};

struct run_collect {
	struct arena *a;		/* where everything below lives */
	struct run_kept k;		/* rows sorted by run_sort_rows at finish */
	struct run_msg *msgs;
	size_t nmsgs, capmsgs;
	struct run_edit *edits;		/* in id order */
	size_t nedits, capedits;
	size_t items;			/* items seen */
};

/* A collector whose copies go into a (the caller's arena). */
void run_collect_init(struct run_collect *k, struct arena *a);
/* The sink that fills k. */
struct run_sink run_collect_sink(struct run_collect *k);

#endif
