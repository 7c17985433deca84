/*
 * review.h - the review queue of sequence automations (SPEC §3.6): the
 * actions of automations with `review: true` wait in state/runs.csv until
 * `drip automate approve` or `reject` decides them.
 *
 * Nothing here writes files: review_decide changes the runs in memory and
 * formats the log rows; the caller writes both and commits.
 * Ownership: everything returned lives in the arena passed in.
 */
#ifndef DRIP_CORE_REVIEW_H
#define DRIP_CORE_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct action;
struct arena;
struct drip_err;
struct sbuf;

/* The automations the queue names, each file parsed once. */
struct review_cache {
	struct review_cached {
		const char *id;
		const struct autom *m;
	} *v;
	size_t n, cap;
};
#define REVIEW_CACHE_INIT { NULL, 0, 0 }

/* The action the queued run r waits with, or NULL when its automation
 * (root/automations/ID.yaml) no longer has it. */
const struct action *review_action(struct arena *ar, const char *root,
				   struct review_cache *rc, const struct arun *r);

/* Columns of review_table: id, contact, automation, sequence, queued,
 * action, does (the action in plain words). */
#define REVIEW_NCOLS 7

/* The queue as a table: row 0 is the header, then one row per queued
 * action; *nrows counts the header too. */
const char **review_table(struct arena *ar, const char *root, const struct arun *runs,
			  size_t n, size_t *nrows);

/* An array with 1 for each run that ids[0..nids) name by review id; an id
 * not in the queue is DRIP_ENOINPUT (nothing is decided then). */
unsigned char *review_pick(struct arena *ar, const struct arun *runs, size_t n,
			   char *const *ids, size_t nids, struct drip_err *e);

/*
 * Decide the queued runs that pick marks (every queued run when pick is
 * NULL): each gets status to (RUN_APPROVED or RUN_REJECTED) and due now,
 * and a log row with action verb ("approve", "reject") is appended to rows.
 * Returns how many were decided.
 */
size_t review_decide(struct arena *ar, const char *root, int64_t now, struct arun *runs,
		     size_t n, const unsigned char *pick, enum arun_status to, const char *verb,
		     struct sbuf *rows);

#endif
