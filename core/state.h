/*
 * state.h - drip's own bookkeeping under state/ (SPEC §4.2), documented in
 * drip-files(5):
 *
 *   state/clock.csv             last_slot: the last slot tick processed
 *   state/enrollments/NN.csv    one row per enrollment, NN = 00..63, the
 *                               contact's shard (a hash of its id), each
 *                               file sorted by contact then sequence
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
void state_format_clock(int64_t slot, struct sbuf *out);

/* Instants in state files: RFC 3339 UTC, "" for STATE_NONE. */
int state_parse_time(const char *s, int64_t *out);

#endif
