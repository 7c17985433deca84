/*
 * fsio.c - capped reads and atomic writes.
 *
 * Every file drip changes is written to a temporary file beside it, flushed
 * to disk, renamed over the target and followed by an fsync of the
 * directory, so that a crash at any point leaves either the whole old file
 * or the whole new one (SPEC §1, §9.3).
 */
#include "fsio.h"

#include "arena.h"
#include "err.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes read per read(2) call; the buffer lives on the stack. */
#define FSIO_CHUNK 65536

static int
read_all(int fd, const char *path, size_t max, struct sbuf *out, struct drip_err *err)
{
	char chunk[FSIO_CHUNK];
	size_t total = 0;
	ssize_t got;

	for (;;) {
		got = read(fd, chunk, sizeof chunk);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(err, DRIP_EFAIL, NULL, "cannot read '%s'", path);
		}
		if (got == 0)
			return 0;
		total += (size_t)got;
		/* The file may have grown since fstat(); the cap still holds. */
		if (max > 0 && total > max)
			return err_set(err, DRIP_EDATA, path, 0, 0,
				       "file is larger than %zu bytes", max);
		sbuf_add(out, chunk, (size_t)got);
	}
}

int
fsio_read(const char *path, size_t max, struct sbuf *out, struct drip_err *err)
{
	struct stat st;
	size_t start = out->len;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno == ENOENT ? DRIP_ENOINPUT : DRIP_EFAIL, NULL,
			       "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot stat '%s'", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		err_sys(err, DRIP_EFAIL, NULL, "cannot read '%s'", path);
		goto out;
	}
	/* Refuse an oversized file before reading a byte of it (SPEC §12). */
	if (max > 0 && S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
		err_set(err, DRIP_EDATA, path, 0, 0, "file is larger than %zu bytes", max);
		goto out;
	}
	rc = read_all(fd, path, max, out, err);
out:
	if (rc < 0) {
		/* Leave out as it was before the call. */
		out->len = start;
		if (out->buf)
			out->buf[start] = '\0';
	}
	close(fd);
	return rc;
}

int
fsio_mkdirs(const char *path, mode_t mode, struct drip_err *err)
{
	struct stat st;
	char *copy, *p;
	int rc = -1;

	if (path[0] == '\0')
		return 0;
	copy = xstrdup(path);
	/* Create each prefix in turn; the loop's last pass is the full path. */
	for (p = copy + 1;; p++) {
		int last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0) {
			if (errno != EEXIST) {
				err_sys(err, DRIP_EFAIL, NULL, "cannot create directory '%s'", copy);
				goto out;
			}
			if (stat(copy, &st) < 0 || !S_ISDIR(st.st_mode)) {
				errno = ENOTDIR;
				err_sys(err, DRIP_EFAIL, NULL, "cannot create directory '%s'", copy);
				goto out;
			}
		}
		if (last)
			break;
		*p = '/';
		/* Collapse runs of slashes so that "a//b" creates "a" once. */
		while (p[1] == '/')
			p++;
		if (p[1] == '\0')
			break;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

int
fsio_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

char *
fsio_join(const char *dir, const char *rel)
{
	size_t dlen = strlen(dir), rlen;
	char *s;

	if (dlen == 0)
		return xstrdup(rel);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	while (*rel == '/')
		rel++;
	rlen = strlen(rel);
	s = xmalloc(dlen + rlen + 2);
	memcpy(s, dir, dlen);
	if (dir[dlen - 1] == '/')
		/* dir is "/" itself: it already provides the one slash. */
		memcpy(s + dlen, rel, rlen + 1);
	else {
		s[dlen] = '/';
		memcpy(s + dlen + 1, rel, rlen + 1);
	}
	return s;
}

static int
write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static char *
dup_n(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* fsync a directory so that a rename in it survives a crash.  Some file
 * systems cannot sync directories and say EINVAL; nothing more can be done
 * there, so that is not an error. */
static int
sync_dir(const char *dir)
{
	int fd, rc = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = -1;
	if (close(fd) < 0 && rc == 0)
		rc = -1;
	return rc;
}

int
fsio_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		  struct drip_err *err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *dir = NULL, *tmp = NULL;
	size_t dlen, tlen;
	int fd = -1, rc = -1, made = 0, n;

	if (*base == '\0') {
		errno = EISDIR;
		return err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
	}
	dlen = slash ? (size_t)(slash - path) : 0;
	if (slash && dlen == 0)
		dir = xstrdup("/");
	else if (slash)
		dir = dup_n(path, dlen);
	else
		dir = xstrdup(".");
	if (slash && fsio_mkdirs(dir, 0755, err) < 0)
		goto out;

	tlen = strlen(path) + 32;
	tmp = xmalloc(tlen);
	n = snprintf(tmp, tlen, "%.*s%s.%s.tmp-%ld", (int)dlen, path, slash ? "/" : "",
		     base, (long)getpid());
	if (n < 0 || (size_t)n >= tlen) {
		errno = ENAMETOOLONG;
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
		goto out;
	}
	/* A temporary file of this name can only be left by a crashed run
	 * that had our pid; it is garbage, and O_EXCL below needs it gone. */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot remove stale '%s'", tmp);
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
		goto out;
	}
	made = 1;
	if (write_full(fd, buf, len) < 0 || fsync(fd) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
		goto out;
	}
	made = 0;
	if (sync_dir(dir) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot sync the directory of '%s'", path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (made) {
		int saved = errno;

		unlink(tmp);
		errno = saved;
	}
	free(tmp);
	free(dir);
	return rc;
}

int
fsio_create_beside(const char *path, char **tmp, FILE **f, struct drip_err *err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 0, tlen = strlen(path) + 32;
	int fd;

	*tmp = NULL;
	*f = NULL;
	if (slash && dlen > 0) {
		char *dir = dup_n(path, dlen);
		int rc = fsio_mkdirs(dir, 0755, err);

		free(dir);
		if (rc < 0)
			return -1;
	}
	*tmp = xmalloc(tlen);
	snprintf(*tmp, tlen, "%.*s%s.%s.tmp-%ld", (int)dlen, path, slash ? "/" : "", base,
		 (long)getpid());
	if (unlink(*tmp) < 0 && errno != ENOENT) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot remove stale '%s'", *tmp);
		goto fail;
	}
	fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
		goto fail;
	}
	if ((*f = fdopen(fd, "w")) == NULL) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
		close(fd);
		unlink(*tmp);
		goto fail;
	}
	setvbuf(*f, NULL, _IOFBF, 64 * 1024);
	return 0;
fail:
	free(*tmp);
	*tmp = NULL;
	return -1;
}

int
fsio_finish(FILE *f, const char *tmp, struct drip_err *err)
{
	int ok = fflush(f) == 0 && !ferror(f) && fsync(fileno(f)) == 0;

	if (fclose(f) != 0)
		ok = 0;
	if (!ok) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", tmp);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
fsio_replace(const char *tmp, const char *path, struct drip_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int rc = 0;

	if (rename(tmp, path) < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
	dir = slash ? (slash == path ? xstrdup("/") : dup_n(path, (size_t)(slash - path))) :
	      xstrdup(".");
	if (sync_dir(dir) < 0)
		rc = err_sys(err, DRIP_EFAIL, NULL, "cannot sync the directory of '%s'", path);
	free(dir);
	return rc;
}

void
fsio_pending_release(struct fsio_pending *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].tmp) {
			unlink(v[i].tmp);
			free(v[i].tmp);
		}
		v[i].tmp = NULL;
	}
}
