/*
 * shard.h - tick --shard K/N on many machines: each worker ticks in a
 * clone of its own and meets the others at one remote (drip-tick(1),
 * SHARDS; drip-files(5)).
 *
 * Before its tick a worker fetches the remote's branch and the shards'
 * clocks and brings its branch up to date (a fast-forward, or its own
 * commits rebuilt on top); after the tick it pushes the branch, and when
 * another worker pushed first it fetches again, rebuilds its commits on
 * top of the new head and tries again, a bounded number of times; once
 * the branch is there, it pushes its clock.
 *
 * Rebuilding a commit never fails: shards write disjoint enrollment
 * files, and the files every shard may write are merged row by row.  For
 * each path the commit changed, with the base (its parent), ours (the
 * commit) and theirs (the new head):
 *   - theirs unchanged from the base, or equal to ours: ours;
 *   - contacts.csv, state/contacts.csv (key id) and state/runs.csv (key
 *     contact): theirs, with the rows of each key ours changed (or
 *     added, or removed) taken from ours, in key order; a column ours
 *     added to the header is added to theirs;
 *   - the append-only files, log/, tasks.csv, notes.csv and lists/: the
 *     base, then the rows both added after it, merged by their first two
 *     fields (time and contact; a task's id and creation time), so the
 *     rows of one slot come in contact order whichever shard pushed
 *     first (theirs, then ours, when a file's start is not the base);
 *   - anything else (state/automations.csv, files of people's commits):
 *     theirs.
 *
 * Failures to reach the remote are DRIP_ETEMP: the tick's commit stays
 * in the clone, and the next run pushes it.
 */
#ifndef DRIP_CORE_SHARD_H
#define DRIP_CORE_SHARD_H

#include <stddef.h>

struct drip_err;
struct sbuf;
struct store;

/* How many times a push that lost the race is rebuilt and tried again. */
#define SHARD_PUSH_TRIES 20

/*
 * Fetch remote's copy of the branch HEAD is on, and the clocks of every
 * shard (into refs/drip/clocks/, where the later of a ref and the
 * shard's file counts: clock.h), then fast-forward the branch and the
 * work tree to it, or rebuild the branch's own commits on top of it.
 * remote is the name of a configured remote, or a URL or path.  A work
 * tree file with changes of its own that the update would overwrite is
 * DRIP_ETEMP, like a remote that cannot be reached.
 */
int shard_pull(struct store *s, const char *remote, struct drip_err *err);

/*
 * Push the branch to remote (rebuilding and trying again when another
 * worker got there first), then the clock ref of shard k of n (n 0: none).
 * *tries receives the number of pushes of the branch it took.
 */
int shard_push(struct store *s, const char *remote, unsigned k, unsigned n, size_t *tries,
	       struct drip_err *err);

/*
 * The merge of one file's three versions (see above), for tests too:
 * path decides how; base, ours and theirs may be NULL (absent).  Ours is
 * the commit of shard k of n (n 0: of no shard): in the keyed files only
 * the keys of its contacts count as changed by it.  The result goes
 * into out.
 */
void shard_merge_file(const char *path, unsigned k, unsigned n, const char *base, size_t nbase,
		      const char *ours, size_t nours, const char *theirs, size_t ntheirs,
		      struct sbuf *out);

/*
 * The names of the remotes configured in the repository of the workspace
 * at root (`git remote`), sorted, for completing --push; NULL and 0 when
 * there is none or no repository.  Allocated in a.
 */
struct arena;
const char **shard_remotes(struct arena *a, const char *root, size_t *n);

/* Is path one of the append-only files (log/, tasks.csv, notes.csv,
 * lists/)? */
int shard_appended(const char *path);

/*
 * A shard's tick that appended rows to such a file after rows another
 * shard added in the same slot puts them in their place instead: the
 * file becomes the merge of HEAD's version with the rows this tick added
 * (as a rebuild would make it), so the order of the rows does not depend
 * on which shard ticked first.
 */
int shard_settle(struct store *s, const char *root, const char *path, struct drip_err *err);

/*
 * state/contacts.csv after a tick of shard k of n: the rows of the
 * shard's contacts as contacts.csv has them, the other shards' as the
 * snapshot had them (in contacts.csv's columns), by id, so that the other
 * shards still see the changes made since their last tick.  1 when
 * there is no snapshot yet (a plain copy does), else 0 or -1.
 */
int shard_snapshot(const char *root, unsigned k, unsigned n, struct drip_err *err);

#endif
