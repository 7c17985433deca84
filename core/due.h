/*
 * due.h - quiet ticks: the first slot with work of each enrollment shard,
 * kept after a tick so that the next one neither reads nor rewrites a
 * shard with nothing due (SPEC §9: most of the 72 ticks a day fire
 * nothing).
 *
 * The cache, .git/drip-due, is the repository's own, like git's index:
 * never committed, and outside the work tree that `diff -r` of two
 * workspaces compares (a workspace whose .git is not a directory has no
 * cache, and every tick reads everything).  It holds the slot of the tick that wrote it, the
 * identity of everything the engine reads besides the shards (contacts.csv,
 * tasks.csv, drip.yaml, the published sequences, the automations and their
 * runs and since, the snapshot, the holidays file), then for each shard
 * the identity of its file and the first slot after that tick in which a
 * contact of the shard has work (engine_next).  A file's identity is its
 * inode, size, mtime and ctime: any write, rename, checkout or restore
 * changes one of them, so an entry is used only while everything it was
 * computed from is exactly as it was.  A missing, old or foreign cache
 * only costs a full pass: nothing here is ever an error.
 */
#ifndef DRIP_CORE_DUE_H
#define DRIP_CORE_DUE_H

#include <stdint.h>

#include "state.h"

struct config;

#define DUE_CACHE ".git/drip-due"
#define DUE_KEY_MAX 4096

struct due_cache {
	int valid;				/* read, and the inputs are as it says */
	int64_t at;				/* the slot of the tick that wrote it */
	int64_t next[STATE_SHARDS];		/* INT64_MAX: nothing ever due */
	char shard[STATE_SHARDS][96];		/* each shard file's identity */
};

/*
 * Read root's cache into c.  c->valid is 1 only when it was written at or
 * before slot from (the clock) and the inputs it names are unchanged; a
 * shard's entry is good besides only while due_shard_same() says so.
 */
void due_load(const char *root, const struct config *cfg, int64_t from, struct due_cache *c);

/* Is shard i's file (or its absence) the one c's entry was computed for? */
int due_shard_same(const char *root, const struct due_cache *c, unsigned i);

/* Write the cache for the files as they are now, after the tick of slot
 * at whose pass found next[] (replaced atomically; a failure leaves no
 * cache). */
void due_save(const char *root, const struct config *cfg, int64_t at, const int64_t *next);

#endif
