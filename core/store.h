/*
 * store.h - the workspace's git repository, through libgit2 (SPEC §1, §12).
 *
 * Every command that changes the workspace ends with one store_commit() of
 * exactly the files it changed.  Commits are built from HEAD's tree plus
 * those files (blobs created from disk, so memory does not grow with file
 * size), and the branch is moved compare-and-swap: if someone committed in
 * between, the commit is rebuilt on top of the new HEAD and tried again.
 * The index is updated for the same paths so `git status` stays clean.
 */
#ifndef DRIP_CORE_STORE_H
#define DRIP_CORE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct drip_err;
struct sbuf;
struct store;

/* Make dir a git repository (branch "main") unless it already is one. */
int store_init(const char *dir, struct drip_err *err);

/*
 * Open the repository whose work tree is root (no search upwards: a
 * workspace is a repository).  Not one: DRIP_ENOINPUT.  store_close()
 * frees it (NULL is fine).  Each open store holds one libgit2
 * initialisation, released by store_close().
 */
int store_open(const char *root, struct store **out, struct drip_err *err);
void store_close(struct store *s);

/*
 * Refuse to rewrite files someone else has changed: for each path tracked
 * at HEAD whose working-tree or index content differs from HEAD, fail with
 * DRIP_ETEMP naming the file: "'contacts.csv' has uncommitted changes;
 * commit or discard them, then run drip again".  Untracked paths pass.
 * Contents are compared as `git add` would hash them (with the path's
 * filters); a change of the executable bit alone is not reported.  A
 * tracked file deleted, turned into a symlink, or missing from the index
 * counts as changed.
 */
int store_check_clean(struct store *s, const char *const *paths, size_t n,
		      struct drip_err *err);

/*
 * Commit exactly paths (relative to the root; a path missing on disk is
 * removed from the tree) with message.  Author and committer come from git
 * config user.name/user.email, else "drip <drip@localhost>".  When now >= 0
 * both times are now (UTC), so a run with --now gives the same commit ids
 * every time; when now < 0 the wall clock is used.  Nothing to commit (the
 * tree is unchanged) is not an error: *committed is set to 0.
 * oid_hex, if not NULL, receives the new commit id (41 bytes); when nothing
 * was committed it receives HEAD's commit id ("" on an unborn branch).
 * Paths must be relative, without "." or ".." components or ".git"; a
 * path that exists must be a regular file (100755 when executable).  The
 * index is updated for exactly these paths, also when nothing was
 * committed.  An index failure after the branch moved returns -1 with
 * *committed already 1.  Fails with DRIP_ETEMP when a git lock file exists
 * (see store_stale_lock) or when the branch keeps moving under us; HEAD
 * must be on a branch (a detached HEAD is DRIP_ECONFIG, see
 * store_check_branch).
 */
int store_commit(struct store *s, const char *const *paths, size_t n,
		 const char *message, int64_t now, int *committed,
		 char *oid_hex, struct drip_err *err);

/* A file as it is at HEAD: 0 with out filled, 1 when absent at HEAD (or
 * no commit yet), -1 on error. */
int store_read_head(struct store *s, const char *path, struct sbuf *out,
		    struct drip_err *err);

/*
 * Lock files git or libgit2 leave behind when they crash (SPEC §12):
 * .git/index.lock, .git/HEAD.lock and the branch's ref lock (e.g.
 * .git/refs/heads/main.lock).  store_commit() refuses to run while one
 * exists (DRIP_ETEMP naming it); this is the policy half, for callers that
 * hold the workspace lock.  It looks at the first lock file present: one
 * whose modification time is more than max_age_secs before now is removed
 * and 2 is returned; a younger one is left alone and 1 is returned; with
 * none, 0.  path_out (of size n) receives the file's path relative to the
 * workspace root (absolute when the git directory lies elsewhere), for the
 * caller's log line or error message.  now is the wall clock in seconds
 * since the epoch (not a --now value: lock files carry real times); now < 0
 * means "read the clock".  Call it again after a 2: several files may have
 * been left.  age_out, if not NULL, receives the file's age in seconds
 * (for 1 and 2).  -1 with errno set when the file cannot be removed, or
 * ENAMETOOLONG when path_out is too small (nothing is removed then).
 */
int store_stale_lock(struct store *s, int64_t max_age_secs, int64_t now,
		     char *path_out, size_t n, int64_t *age_out);

/*
 * For tests of the compare-and-swap: fn(arg) is called after each commit
 * object is created and just before the branch is moved, so a test can
 * move the branch in between and see the commit rebuilt on top.  Passing
 * NULL removes it.  Commands never set it.
 */
void store_set_before_update(struct store *s, void (*fn)(void *arg), void *arg);

/* The commit HEAD points at, as 40 hex digits (hex: 41 bytes): 0, or 1
 * with hex "" before the first commit, or -1. */
int store_head(struct store *s, char *hex, struct drip_err *err);

/*
 * Is HEAD on a branch?  0 when it is (an unborn branch too); a detached
 * HEAD is DRIP_ECONFIG "HEAD is detached; check out the workspace's branch
 * ('git switch BRANCH'), then run drip again": nothing can be committed,
 * and no retry fixes it.
 */
int store_check_branch(struct store *s, struct drip_err *err);

/*
 * Is the work-tree file rel what HEAD has (hashed as `git add` would)?
 * Absent in both counts as the same; the index is not looked at.  *same
 * receives 1 or 0.
 */
int store_same_as_head(struct store *s, const char *rel, int *same, struct drip_err *err);

/*
 * A path store_commit() treats as absent from the work tree (rel is
 * copied; NULL clears it): listed in a commit, it is removed from the
 * tree and the index when HEAD has it, and the file on disk is left
 * alone.  tick's state/clock.csv uses it: the clock is kept out of the
 * branch's history (see clock.h), and workspaces made before that lose
 * it from their tree at their next tick.
 */
void store_set_untrack(struct store *s, const char *rel);

/* Make sure the repository's own ignore list (info/exclude, never
 * committed) has the line pattern, so `git status` does not show an
 * untracked file drip keeps in the work tree. */
int store_exclude(struct store *s, const char *pattern, struct drip_err *err);

/*
 * Refs outside the branches that name a blob (e.g. refs/drip/clock):
 * store_read_ref appends the blob's content to out and returns 0, or 1
 * when there is no such ref.  store_write_ref points name at a new blob
 * holding buf (len bytes), whatever it named before, with log as the
 * reflog message; the blob, the ref file and its directory are synced
 * before it returns, so a crash keeps either the old value or the new.
 * The caller holds the workspace lock and the ref is drip's own, so a
 * lock file left on it is removed first (store_unlock_ref).
 * The blob it named before is deleted when loose: buf must be content
 * no commit or other ref has (name it in buf), so that each move does
 * not leave an unreachable object behind.
 */
int store_read_ref(struct store *s, const char *name, struct sbuf *out, struct drip_err *err);
/*
 * The same, but the blob is the file STORE_REF_FILE of a parentless commit
 * of its own (dated at the epoch, so the same content is the same commit):
 * libgit2 pushes only refs that name commits, and shards' clocks are
 * pushed (clock.h).  store_read_ref reads either kind.
 */
#define STORE_REF_FILE "clock.csv"
int store_write_ref_commit(struct store *s, const char *name, const char *buf, size_t len,
			   const char *log, struct drip_err *err);
/* Remove the lock file a run killed while moving drip's own ref name
 * left (the caller holds the workspace lock, so no one else is at it). */
int store_unlock_ref(struct store *s, const char *name, struct drip_err *err);
int store_write_ref(struct store *s, const char *name, const char *buf, size_t len,
		    const char *log, struct drip_err *err);

/* Call fn(arg, name) for each ref whose name matches glob (e.g.
 * "refs/drip/clocks/" followed by a star); fn returning -1 (err filled) stops it. */
int store_list_refs(struct store *s, const char *glob, int (*fn)(void *arg, const char *name),
		    void *arg, struct drip_err *err);

/* The commits of the branch from HEAD, newest first by commit time,
 * while their commit time is at least since (seconds since the epoch):
 * fn(arg, message) for each; fn returning 1 stops the walk, -1 (err
 * filled) fails it. */
int store_walk_messages(struct store *s, int64_t since, int (*fn)(void *arg, const char *msg),
			void *arg, struct drip_err *err);

/* The libgit2 repository, for core's modules that talk to a remote
 * (shard.h); owned by the store. */
struct git_repository;
struct git_repository *store_repo(struct store *s);

/* err filled with what was tried (fmt) and libgit2's last message, for
 * the modules that call libgit2 themselves; returns -1. */
int store_git_fail(struct drip_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
