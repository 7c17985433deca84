/*
 * clock.h - the last slot tick processed (SPEC §9.1, §13 "Quiet ticks").
 *
 * It is kept out of the branch's history, so that a tick that changed
 * nothing else makes no commit and `git log` shows only ticks and
 * commands that did something.  Each tick writes it to state/clock.csv
 * in the work tree (atomically; untracked, and listed in the
 * repository's info/exclude) before its commit, and after the commit to
 * the ref CLOCK_REF (a blob in the same format, synced): the file is what
 * the run marker puts back after a crash before the commit, the ref what
 * a copy of the repository keeps.  The last processed slot is the later
 * of the two.
 */
#ifndef DRIP_CORE_CLOCK_H
#define DRIP_CORE_CLOCK_H

#include <stdint.h>

struct drip_err;
struct store;

/* The ref every tick moves. */
#define CLOCK_REF "refs/drip/clock"

/*
 * The last processed slot of the workspace at root: 0 and *slot, or 1
 * when no tick has run yet.  store may be NULL (a dry run): the
 * repository is then opened for the read; a directory that is no
 * repository has only its file.  A bad file or ref is DRIP_EDATA.
 */
int clock_read(const char *root, struct store *store, int64_t *slot, struct drip_err *err);

/* Record slot in CLOCK_REF, durably (store_write_ref). */
int clock_save(struct store *store, int64_t slot, struct drip_err *err);

#endif
