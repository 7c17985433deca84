/*
 * gc.h - keeping the workspace's git repository packed (SPEC §13).
 *
 * Every commit stores each changed file whole as a loose object until the
 * repository is packed.  gc_run writes one pack of every object reachable
 * from a ref (with deltas, by libgit2's packbuilder, so no git binary is
 * needed), makes it durable, and only then removes the loose objects the
 * new pack holds and the older packs, once what an older pack holds that
 * the new one lacks (no ref reaches it) is written loose.  A crash at any
 * point loses nothing: until the new pack and its index are on disk,
 * nothing is removed, and what is removed afterwards is in the pack or
 * loose.
 *
 * Unreachable loose objects (a commit rebuilt after a lost race, a blob
 * written by a command killed before its commit, or an object another
 * process is writing right now outside drip's lock) are left alone for
 * GC_PRUNE_GRACE after they were written, as `git gc` does with its
 * default --prune=2.weeks.ago, and removed after that; those unpacked
 * from an older pack carry the pack's time.
 *
 * The caller holds the workspace lock, so no drip command writes objects
 * meanwhile.
 */
#ifndef DRIP_CORE_GC_H
#define DRIP_CORE_GC_H

#include <stddef.h>
#include <stdint.h>

struct drip_err;

#define GC_PRUNE_GRACE (14 * 24 * 3600)

/* What the object store holds. */
struct gc_stats {
	size_t loose;			/* loose object files */
	uint64_t loose_bytes;		/* their sizes added */
	size_t packs;			/* .pack files */
	uint64_t pack_bytes;		/* .pack and .idx sizes added */
};

struct gc_result {
	struct gc_stats before, after;
	size_t packed;			/* objects in the new pack */
	size_t pruned;			/* loose objects removed */
	size_t old_packs;		/* packs removed: all they held is in the new one */
	char pack[64];			/* the new pack's name ("pack-HEX"), "" if none */
};

/*
 * Pack the repository of the workspace at root.  Returns 0 with *out
 * filled, or -1 with err (DRIP_EFAIL: libgit2 or the file system failed;
 * whatever was already done is consistent).  A repository without a
 * commit is left as it is.
 */
int gc_run(const char *root, struct gc_result *out, struct drip_err *err);

/* The counts and sizes of the object store under gitdir (the .git
 * directory), into out.  Returns 0, or -1 with err. */
int gc_stats(const char *gitdir, struct gc_stats *out, struct drip_err *err);

/*
 * After a tick (SPEC §13): the loose objects of the workspace at root,
 * estimated as git's gc.auto does (the objects in .git/objects/17, times
 * 256: one directory read, whatever the size of the repository), and
 * gc_run when the estimate passes threshold (0: never).  *ran says whether
 * it packed; out is filled when it did.  A shallow clone is left to git gc
 * (gc_run refuses it: its history ends at commits it does not have).
 */
#define GC_AUTO_DEFAULT 2000
size_t gc_loose_estimate(const char *root);
int gc_auto(const char *root, size_t threshold, int *ran, struct gc_result *out,
	    struct drip_err *err);

#endif
