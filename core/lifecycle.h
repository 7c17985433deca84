/*
 * lifecycle.h - a published sequence's status (SPEC §3.5): `drip seq
 * pause|resume|stop [--soft]|archive ID` as a library.
 *
 *   active   --pause-->   paused   --resume-->  active
 *   active   --stop --soft-->  stopping
 *   active, paused, stopping  --stop-->  stopped  --archive-->  archived
 *
 * A pause writes nothing but state/sequences.csv: its paused_at column
 * says from when the sequence is frozen, and resume's resumed_at until
 * when.  The engine (struct seqdef) runs nothing of the sequence in the
 * slots between, and the tick that processes the first slot after the
 * resume moves every pending time of its enrollments later by the time
 * they spent frozen - from the files alone, so ticks split anywhere give
 * the same result.  A hard stop ends every enrollment at once (status
 * stopped, a `stopped` log row each), streaming the shards with bounded
 * memory.  Each command writes one log row for the sequence (action `set`,
 * detail `status=NEW`).
 */
#ifndef DRIP_CORE_LIFECYCLE_H
#define DRIP_CORE_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "fsio.h"
#include "state.h"

struct drip_err;

enum lifecycle_op { LIFE_PAUSE, LIFE_RESUME, LIFE_STOP_SOFT, LIFE_STOP, LIFE_ARCHIVE };

struct lifecycle_result {
	const char *from, *to;		/* the statuses before and after (static strings) */
	int64_t at;			/* pause, resume: the time recorded (see lifecycle_run) */
	long stopped;			/* stop: the enrollments it ended */
	/* sequences.csv, the shards a stop changed (in order), the log */
	struct fsio_pending files[STATE_SHARDS + 2];
	size_t nfiles;
};

/*
 * Change sequence id's status by op at now, writing the new files beside
 * their targets for the caller to rename into place with its commit (or
 * to drop with lifecycle_result_release).  A pause (resume) records the
 * later of now and the last slot tick processed, so the slots a tick has
 * already run are never frozen after the fact (and a thaw is always left
 * to a tick to come).  Errors, each before anything is written:
 *   DRIP_ENOINPUT  no sequences/ID.yaml and no published row: "unknown sequence"
 *   DRIP_EDATA     a draft (never published): "... is not published"
 *   DRIP_EFAIL     a change that makes no sense from the status it is in
 *                  ("cannot resume 'x': it is active, not paused")
 *   DRIP_ETEMP    pausing again before a tick has thawed the last pause
 * and the files' own errors.
 */
int lifecycle_run(const char *root, const char *id, enum lifecycle_op op, int64_t now,
		  int64_t slot_len, struct lifecycle_result *res, struct drip_err *err);
void lifecycle_result_release(struct lifecycle_result *res);

/*
 * May one contact's enrollment in sequence id be paused or resumed on its
 * own (`drip enroll --pause|--resume`)?  0 when it may; DRIP_EFAIL while the
 * sequence is paused, DRIP_ETEMP while its last resume waits for the tick
 * that thaws it (the two clocks would count the same time twice).
 */
int lifecycle_check_contact_pause(const char *root, const char *id, int64_t slot_len,
				  struct drip_err *err);

#endif
