/*
 * state.h - drip's own bookkeeping under state/ (SPEC §4.2), documented in
 * drip-files(5):
 *
 *   state/clock.csv             last_slot: the last slot tick processed
 *   state/enrollments/NN.csv    one row per enrollment, NN = 00..63, the
 *                               contact's shard (a hash of its id), each
 *                               file sorted by contact then sequence
 *   state/runs.csv              one row per (contact, sequence automation):
 *                               its latest run, sorted by contact then
 *                               automation; the review queue is the rows
 *                               whose status is review
 *   state/automations.csv       id,since: the slot from which each sequence
 *                               automation acts
 *   state/contacts.csv          contacts.csv as the last tick left it, kept
 *                               while an automation watches for changes
 *
 * Enrollments are split into 64 shard files so that a git diff of a tick
 * shows which contacts moved, git packs them cheaply (SPEC §13), and
 * `tick --shard K/N` machines touch disjoint files.
 */
#ifndef DRIP_CORE_STATE_H
#define DRIP_CORE_STATE_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct csvio_reader;
struct drip_err;
struct sbuf;

#define STATE_SHARDS 64
#define STATE_NONE INT64_MIN		/* an absent instant */
#define STATE_CLOCK "state/clock.csv"
#define STATE_ENR_HEADER \
	"contact,sequence,version,status,step,entered,base,enrolled,paused,task,hold,sent_day,sent\n"
#define STATE_ENR_COLS 13

enum enr_status {
	ENR_ACTIVE,
	ENR_PAUSED,
	ENR_WAITING,	/* on a blocking task */
	ENR_DONE,
	ENR_EXITED,
	ENR_REMOVED,
	ENR_STOPPED,
	ENR_STATUS_COUNT
};

extern const char *const enr_status_names[ENR_STATUS_COUNT];

#define STATE_RUNS "state/runs.csv"
#define STATE_RUN_HEADER "contact,automation,sequence,status,started,next,due,cond\n"
#define STATE_RUN_COLS 8
#define STATE_AUTOS "state/automations.csv"
#define STATE_SNAPSHOT "state/contacts.csv"

enum arun_status {
	RUN_RUNNING,	/* action `next` is due at `due` */
	RUN_REVIEW,	/* action `next` waits in the review queue since `due` */
	RUN_APPROVED,	/* ... was approved at `due`: it runs at the next tick */
	RUN_REJECTED,	/* ... was rejected at `due`: the next tick drops it */
	RUN_DONE,	/* every action ran */
	RUN_STOPPED,	/* stop_when held */
	RUN_STATUS_COUNT
};

extern const char *const arun_status_names[RUN_STATUS_COUNT];

/* A contact's latest run of one sequence automation (SPEC §3.6). */
struct arun {
	const char *contact;
	const char *automation;
	const char *sequence;		/* the trigger's sequence, or "" */
	enum arun_status status;
	int64_t started;		/* the slot it started in */
	int next;			/* the index of its next action */
	int64_t due;			/* see enum arun_status; STATE_NONE once ended */
	int cond;			/* its `or:` held when last looked at */
};

/* Has the run ended (done or stopped)? */
int arun_ended(enum arun_status s);
int state_run_parse(struct arena *a, const char *const *f, size_t nf,
		    const char *file, long line, struct arun *out, struct drip_err *err);
void state_run_format(struct sbuf *out, const struct arun *r);
/* Order of rows: contact, then automation. */
int state_run_cmp(const struct arun *a, const struct arun *b);
/* The review id of a queued action: 10 hex digits of BLAKE2b of
 * "contact NUL automation NUL started NUL next". */
void state_run_review_id(const struct arun *r, char buf[11]);
/* All rows of state/runs.csv (a missing file has none). */
int state_load_runs(struct arena *a, const char *root, struct arun **out, size_t *n,
		    struct drip_err *err);
/* A whole runs file: header and rows, sorted. */
void state_format_runs(struct arun *rows, size_t n, struct sbuf *out);

/* One enrollment of one contact in one sequence. */
struct enr {
	const char *contact;
	const char *sequence;
	long version;			/* the published version it entered */
	enum enr_status status;
	const char *step;		/* the step it is on; "" once ended */
	int64_t entered;		/* when it entered that step */
	int64_t base;			/* §3.3 base time of that step's wait */
	int64_t enrolled;		/* when it enrolled */
	int64_t paused;			/* when paused (ENR_PAUSED), else STATE_NONE */
	const char *task;		/* the blocking task it waits on, or "" */
	/* The current step fires no earlier than this (a frequency-cap
	 * deferral, or SPEC §3.5's resume rule), or STATE_NONE. */
	int64_t hold;
	/* Messages this enrollment sent on the local day sent_day
	 * (YYYY-MM-DD, the workspace zone), for the per-day cap; "" and 0
	 * when none. */
	const char *sent_day;
	int sent;
};

/* Is the status one that has ended the enrollment? */
int enr_ended(enum enr_status s);

/* The shard (0..63) of a contact id: BLAKE2b-64 of the id, modulo 64. */
unsigned state_shard(const char *contact);
/* "state/enrollments/NN.csv" (static buffer per call site is not used:
 * writes into buf). */
void state_shard_path(unsigned shard, char *buf, size_t n);

/* Parse a row of an enrollment file (fields in STATE_ENR_HEADER order),
 * copying strings into the arena.  file/line for errors (DRIP_EDATA). */
int state_enr_parse(struct arena *a, const char *const *f, size_t nf,
		    const char *file, long line, struct enr *out, struct drip_err *err);
/* Append one row in STATE_ENR_HEADER order. */
void state_enr_format(struct sbuf *out, const struct enr *e);

/* Order of rows in a file: contact, then sequence (bytewise). */
int state_enr_cmp(const struct enr *a, const struct enr *b);

/*
 * Read all enrollments of the shard files in root (missing files are
 * empty) whose contact is in ids[] (or all when ids is NULL), for commands
 * that touch a few contacts (enroll).  For tick's streaming pass see
 * state_stream_*.
 */
int state_load_shard(struct arena *a, const char *root, unsigned shard,
		     struct enr **out, size_t *n, struct drip_err *err);
/* Write a shard file's content (header + rows, sorted) into out. */
void state_format_shard(struct enr *rows, size_t n, struct sbuf *out);

/* The clock: 0 and *slot, or 1 when no tick has run yet. */
int state_read_clock(const char *root, int64_t *slot, struct drip_err *err);
/* The same for a clock file rel of that format (a shard's, clock.h). */
int state_read_clock_file(const char *root, const char *rel, int64_t *slot,
			  struct drip_err *err);
void state_format_clock(int64_t slot, struct sbuf *out);

/* Instants in state files: RFC 3339 UTC, "" for STATE_NONE. */
int state_parse_time(const char *s, int64_t *out);

#endif
