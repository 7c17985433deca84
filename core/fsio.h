/*
 * fsio.h - reading files with a size cap, and writing them atomically
 * (SPEC §1: temp file in the same directory, fsync, rename, fsync of the
 * directory), so a crash leaves either the old file or the new one.
 */
#ifndef DRIP_CORE_FSIO_H
#define DRIP_CORE_FSIO_H

#include <stddef.h>
#include <sys/types.h>

struct drip_err;
struct sbuf;

/*
 * Read all of path into out (appending).  A file larger than max bytes is
 * refused before it is read (DRIP_EDATA "file is larger than N bytes"); a
 * missing file is DRIP_ENOINPUT.  max 0 means no limit.
 */
int fsio_read(const char *path, size_t max, struct sbuf *out, struct drip_err *err);

/*
 * Write buf to path atomically with the given mode (e.g. 0644, 0600),
 * creating missing parent directories (0755).  The temporary file is
 * ".NAME.tmp-PID" beside the target and never survives an error.
 */
int fsio_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		      struct drip_err *err);

/*
 * The same in steps, for files too big to hold in memory: fsio_create_beside
 * creates path's temporary file (".NAME.tmp-PID" beside it, mode 0644,
 * parent directories made) and opens it for writing; *tmp receives its
 * malloc'ed name.  fsio_finish flushes, fsyncs and closes it (and removes it
 * on failure); fsio_replace renames it over path and fsyncs the directory.
 * A caller that gives up removes the temporary file itself.
 */
#include <stdio.h>
int fsio_create_beside(const char *path, char **tmp, FILE **f, struct drip_err *err);
int fsio_finish(FILE *f, const char *tmp, struct drip_err *err);
int fsio_replace(const char *tmp, const char *path, struct drip_err *err);

/* A file written beside its target (fsio_create_beside), waiting to be
 * renamed over it by a commit, or removed when the command gives up. */
struct fsio_pending {
	char rel[64];			/* the target, relative to the root */
	char *tmp;			/* absolute path of the temporary file (malloc'ed) */
};
/* Remove and free the temporary files of v[0..n) still there. */
void fsio_pending_release(struct fsio_pending *v, size_t n);

/* mkdir -p with mode for the directories it creates. */
int fsio_mkdirs(const char *path, mode_t mode, struct drip_err *err);

/* Does path exist (any type)?  1 yes, 0 no. */
int fsio_exists(const char *path);

/* Join dir and rel with one '/' into a malloc'ed string (caller frees). */
char *fsio_join(const char *dir, const char *rel);

#endif
