/*
 * runlog.h - the action log (SPEC §4.3) as a tick writes it: rows go into
 * a temporary beside their month's file during the pass and are appended
 * only in the commit phase, under the crash marker, so a run killed in its
 * pass leaves the log as it was; after the commit, the deliver rows of
 * failed hand-overs get a commit of their own (runlog_deliver).
 */
#ifndef DRIP_CORE_RUNLOG_H
#define DRIP_CORE_RUNLOG_H

#include <stdint.h>
#include <stdio.h>

struct arena;
struct delivery;
struct delivery_tally;
struct drip_err;
struct log_row;
struct run_opts;

/* The marker of a delivery's log rows appended but maybe not committed:
 * the log files, one a line. */
#define RUNLOG_DELIVER_PENDING ".drip/deliver.pending"

/* The months a run appends to (at most 8), each with its temporary.
 * Zeroed, it is empty; the temporaries' names are malloc'ed and freed by
 * runlog_close or runlog_discard. */
struct runlog {
	char paths[8][64];		/* "log/2026-11.csv" */
	char *tmps[8];
	FILE *f[8];
	size_t n;
};

/* Add row to its month's temporary ("log/.2026-11.csv.tmp-PID" under
 * root; a's holds the name while it is made). */
int runlog_put(struct runlog *l, const char *root, struct arena *a, const struct log_row *row,
	       struct drip_err *err);
/* Append each temporary to its month (the header first for a new one),
 * sync it, remove the temporary; 0, or -1 when a write failed. */
int runlog_close(struct runlog *l, const char *root);
/* Remove the temporaries: the run stopped before its commit phase. */
void runlog_discard(struct runlog *l);

/*
 * After a tick's commit at slot to: hand the outbox to the transports
 * (delivery_run), log each failure as a deliver row and commit those rows
 * on their own.  RUNLOG_DELIVER_PENDING is on disk while they are appended
 * but maybe not committed, so that a run killed there has them committed
 * by the next (runlog_recover_delivery); a failed commit puts the log
 * files back as they were.  out receives what delivery did; the failures
 * are counted in tally.
 */
int runlog_deliver(const struct run_opts *o, int64_t to, struct delivery_tally *tally,
		   struct delivery *out, struct drip_err *err);

/* A delivery killed between appending its log rows and committing them:
 * commit the log files the marker names as they are, then remove it. */
int runlog_recover_delivery(const struct run_opts *o, struct drip_err *err);

#endif
