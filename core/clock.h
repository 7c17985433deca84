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

#include <stddef.h>
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

/*
 * Shards (tick --shard K/N, drip-tick(1)): shard K of N covers the
 * enrollment files whose index is K modulo N, and keeps its own clock,
 * the ref CLOCK_SHARD_PREFIX "K-of-N" (pushed with the branch) and the
 * untracked file CLOCK_SHARD_DIR "/K-of-N.csv" (the crash copy), in the
 * formats above.  A state file's last slot is the latest of the
 * workspace clock and the clocks of the shards that cover it; the
 * workspace's last processed slot, which clock_read returns, is the
 * earliest of those.
 */
#define CLOCK_SHARD_PREFIX "refs/drip/clocks/"
#define CLOCK_SHARD_DIR "state/clocks"

/* The ref and file names of shard k of n (either may be NULL). */
void clock_shard_names(unsigned k, unsigned n, char *ref, size_t nref, char *file,
		       size_t nfile);

/*
 * The last processed slot of the state files shard k of n covers (k 0 of
 * n 1: all of them, for a tick without --shard), as clock_read returns
 * it.  When those files were processed up to different slots (an
 * earlier split into other shards did not finish a slot everywhere) it
 * is DRIP_ETEMP: no one slot is right for all of them.
 */
int clock_read_part(const char *root, struct store *store, unsigned k, unsigned n,
		    int64_t *slot, struct drip_err *err);

/* Record slot in shard k of n's ref, durably. */
int clock_save_shard(struct store *store, unsigned k, unsigned n, int64_t slot,
		     struct drip_err *err);

/* Record slot in CLOCK_REF, durably (store_write_ref). */
int clock_save(struct store *store, int64_t slot, struct drip_err *err);

#endif
