/*
 * txn.h - a command's change to the workspace: its one commit, or nothing
 * (SPEC §1, §9.3, §12).
 *
 * A command that changes files, holding the workspace lock, calls
 * txn_ready() (HEAD on a branch, no git lock in the way), then
 * txn_recover() (finish or undo what a killed command left), and at the end
 * txn_apply() with the new content of every file it changes.  txn_apply
 * keeps the old files aside (hard links in .drip/txn/), writes the journal
 * .drip/txn/journal naming them, writes the new files, commits, and removes
 * the journal.  When anything fails before the commit lands, the old files
 * are put back before it returns, so the command changed nothing; when the
 * process dies in between, the next command's txn_recover() finds the
 * journal and either keeps the change (the commit landed: the index is
 * brought in line) or puts the old files back.  Putting back is a rename,
 * so it needs no disk space and no git objects.
 *
 * tick writes its files over a long pass and keeps its own marker,
 * .drip/tick.pending (the commit it started from, "!contacts.csv" when it
 * rewrites contacts.csv, then the inbox files it applies); txn_recover()
 * handles that marker too, so any command, not only the next tick, finishes
 * or undoes a killed tick.
 */
#ifndef DRIP_CORE_TXN_H
#define DRIP_CORE_TXN_H

#include <stddef.h>
#include <stdint.h>

struct drip_err;
struct store;

/* The journal of a command in progress, and the directory of its old files. */
#define TXN_DIR ".drip/txn"
#define TXN_JOURNAL ".drip/txn/journal"
/* tick's marker (see above). */
#define TXN_TICK_PENDING ".drip/tick.pending"
#define TXN_TICK_CONTACTS "!contacts.csv"
/* tick's old files, kept aside for its marker (see txn_tick_keep). */
#define TXN_TICK_KEEP ".drip/txn-tick"

/* One file of a change. */
struct txn_change {
	const char *path;	/* relative to the root, as store_commit takes it */
	const char *data;	/* the new content; NULL: delete the file */
	size_t len;
	int mode;		/* 0: 0644; TXN_FROM_FILE: see below */
};
/* mode TXN_FROM_FILE: data is the path of a file already written and synced
 * beside the target (fsio_create_beside), renamed over it - for content too
 * big to hold in memory; len is ignored.  Until txn_apply renames it, the
 * file is the caller's to remove when it gives up. */
#define TXN_FROM_FILE (-1)

/* A stale git lock txn_ready() removed, for the caller's log row. */
struct txn_unlocked {
	char path[256];		/* as the user sees it: ".git/index.lock" */
	int64_t age;		/* seconds since it was last modified */
};

/*
 * Can a commit be made?  HEAD must be on a branch (else DRIP_ECONFIG, see
 * store_check_branch).  git's lock files (.git/index.lock, HEAD.lock, the
 * branch's ref lock) older than max_age seconds are removed and listed in
 * out (at most max; *nout receives how many); a younger one fails with
 * DRIP_ETEMP naming it and what to do.  Call it only while holding the
 * workspace lock (SPEC §12).  now is the wall clock (lock files carry real
 * times), < 0 to read it.
 */
int txn_ready(struct store *s, int64_t max_age, int64_t now, struct txn_unlocked *out,
	      size_t max, size_t *nout, struct drip_err *err);

/*
 * Finish or undo what a killed command left, under the workspace lock:
 * temporary files of atomic writes (".NAME.tmp-PID"; in inbox/, which is
 * written without the lock, only those whose process is gone), staged
 * messages in outbox tmp/ directories, then the journal of txn_apply and
 * tick's marker.  *did (may be NULL) receives 1 when a journal or marker
 * was found.  Fails with DRIP_ETEMP when a git lock left by the killed
 * command is in the way (the message names it).
 */
int txn_recover(struct store *s, const char *root, int *did, struct drip_err *err);

/*
 * Before tick writes its marker and starts putting files in place: keep
 * every file it may change (state/, log/, lists/, tasks.csv, notes.csv, and
 * contacts.csv when contacts is set) aside in TXN_TICK_KEEP, as hard links
 * and lengths, so that undoing the run needs no disk space.
 */
int txn_tick_keep(const char *root, int contacts, struct drip_err *err);

/* tick committed: remove its marker, then the files kept aside. */
int txn_tick_done(const char *root, struct drip_err *err);

/*
 * Put back the files tick's marker covers as they were when txn_tick_keep
 * ran (as HEAD has them, for a marker without a keep list), remove files
 * the run made, then remove the marker.  For tick's own failure path;
 * txn_recover() calls it for a killed tick.
 */
int txn_tick_undo(struct store *s, const char *root, int contacts, struct drip_err *err);

/*
 * Apply a change: check that no file in it has someone else's uncommitted
 * changes (DRIP_ETEMP naming it), write each file atomically, and commit
 * exactly these paths with message (store_commit; now as there).  On any
 * failure every file is as it was and the journal is gone, except when the
 * commit landed and only the index could not be written: then the files
 * stay, -1 is returned with *committed 1, and the next txn_recover() brings
 * the index in line.  committed may be NULL.
 */
int txn_apply(struct store *s, const char *root, const struct txn_change *ch, size_t n,
	      const char *message, int64_t now, int *committed, struct drip_err *err);

#endif
