/*
 * delivery.h - what tick does after its commit (SPEC §7, §9.4): hand the
 * outbox to the transports, turn each failed hand-over into a `deliver`
 * log row that names the message's contact, sequence, step or automation
 * and Message-ID, and sum up a run's failures as one line per kind for
 * cron to mail.
 */
#ifndef DRIP_CORE_DELIVERY_H
#define DRIP_CORE_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

#include "outbox.h"

struct arena;
struct config;
struct drip_err;
struct log_row;

/* One failed hand-over: its log row and what the summary needs. */
struct delivery_failure {
	const char *kind;	/* "email", "sms" or "run" */
	int gave_up;		/* moved to outbox/failed/ */
	struct log_row *row;	/* action deliver, result failed, time = now */
};

/* What delivery_run did.  Everything is allocated in the arena given. */
struct delivery {
	struct delivery_failure *v;	/* in delivery order: email, sms, run,
					 * each oldest first */
	size_t n, cap;
	struct outbox_stats total;	/* the three kinds' counts added up */
};

/*
 * Deliver the queue OUTBOX = root/outbox (SPEC §7): email and sms through
 * cfg's transports (nothing for a maildir transport), then the run files,
 * at time now (the tick's slot: retries are scheduled from it, never from
 * the clock), 60 seconds per command.  Each failure becomes a row
 *   now,CONTACT,SEQUENCE,STEP,AUTOMATION,deliver,failed,MESSAGE-ID,DETAIL
 * whose middle fields and Message-ID come from the log row that queued the
 * message (found in the log month of the slot in its name; a message no
 * log row queued keeps them empty and its queue file name as ref), and
 * whose detail is the transport's "temporary failure (exit 75): ...",
 * prefixed "gave up after N attempts: " when it moved to outbox/failed/.
 * Returns 0 (failed messages are in out, not errors), or -1 when the
 * outbox cannot be read or updated; out then holds what happened before.
 */
int delivery_run(struct arena *a, const char *root, const struct config *cfg, int64_t now,
		 struct delivery *out, struct drip_err *err);

/* ---- the summary of a run's failures ---- */

/* One kind of failure: how many, the first one's detail and log file. */
struct delivery_kind {
	const char *key;	/* the action, or "deliver:KIND:retry|gave_up" */
	size_t n;
	const char *detail;
	const char *log;	/* "log/2026-12.csv" */
};

struct delivery_tally {
	struct delivery_kind *v;	/* in order of first occurrence */
	size_t n, cap;
};

/* Count a log row of a tick when its result is "failed" (other rows are
 * ignored), by its action. */
void delivery_tally_row(struct arena *a, struct delivery_tally *t, const struct log_row *r);
/* Count a failed hand-over: "will retry" and "given up" count apart. */
void delivery_tally_failure(struct arena *a, struct delivery_tally *t,
			    const struct delivery_failure *f);
/* All failures counted. */
size_t delivery_tally_total(const struct delivery_tally *t);
/*
 * The line for kind k, without "drip: " and newline, in a:
 *   "3 emails failed: no From: address (log/2026-12.csv)"
 *   "2 emails not delivered, will retry: temporary failure (exit 75): ... (log/2026-12.csv)"
 *   "1 email given up on, moved to outbox/failed/: gave up after ... (log/2026-12.csv)"
 */
const char *delivery_tally_line(struct arena *a, const struct delivery_kind *k);

#endif
