/*
 * ws.c - finding the workspace, locking it, and checking IDs.
 */
#include "ws.h"

#include "err.h"
#include "fsio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long to sleep between attempts to take a held lock. */
#define WS_LOCK_POLL_NS 100000000L

static int
has_settings(const char *dir)
{
	struct stat st;
	char *p = fsio_join(dir, "drip.yaml");
	int found = stat(p, &st) == 0 && !S_ISDIR(st.st_mode);

	free(p);
	return found;
}

int
ws_find(const char *start, char **root, struct drip_err *err)
{
	char *dir, *slash;

	*root = NULL;
	dir = realpath(start, NULL);
	if (dir == NULL)
		return err_sys(err, errno == ENOENT ? DRIP_ENOINPUT : DRIP_EFAIL, NULL,
			       "cannot use '%s'", start);
	/* realpath() gives an absolute path without "." or "..", so going up
	 * is cutting at the last slash. */
	for (;;) {
		if (has_settings(dir)) {
			*root = dir;
			return 0;
		}
		slash = strrchr(dir, '/');
		if (slash == NULL || (slash == dir && dir[1] == '\0'))
			break;
		slash[slash == dir ? 1 : 0] = '\0';
	}
	free(dir);
	dir = realpath(start, NULL);
	err_set(err, DRIP_ENOINPUT, NULL, 0, 0,
		"not a drip workspace (no drip.yaml in '%s' or above); run 'drip init' first",
		dir ? dir : start);
	free(dir);
	return -1;
}

static double
mono_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
ws_lock(const char *root, int wait_seconds, int *fd, struct drip_err *err)
{
	struct timespec pause = { 0, WS_LOCK_POLL_NS };
	char *dir, *path;
	double deadline;
	int lfd, rc = -1;

	*fd = -1;
	dir = fsio_join(root, ".drip");
	path = fsio_join(dir, "lock");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot create directory '%s'", dir);
		goto out;
	}
	/* O_CLOEXEC: a child such as sendmail must never inherit the lock
	 * and keep it after we exit (SPEC §12). */
	lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lfd < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot open '%s'", path);
		goto out;
	}
	deadline = mono_now() + (wait_seconds > 0 ? wait_seconds : 0);
	for (;;) {
		if (flock(lfd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			err_sys(err, DRIP_EFAIL, NULL, "cannot lock '%s'", path);
			close(lfd);
			goto out;
		}
		if (mono_now() >= deadline) {
			err_set(err, DRIP_ETEMP, NULL, 0, 0,
				"another drip command holds the lock");
			close(lfd);
			goto out;
		}
		/* An interrupted sleep just means an earlier retry. */
		nanosleep(&pause, NULL);
	}
	*fd = lfd;
	rc = 0;
out:
	free(path);
	free(dir);
	return rc;
}

void
ws_unlock(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}

/* ASCII classes by hand: isalnum() would follow the locale. */
static int
is_lower_digit(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
is_alnum(int c)
{
	return is_lower_digit(c) || (c >= 'A' && c <= 'Z');
}

int
ws_valid_id(const char *id)
{
	size_t i;

	if (id == NULL || !is_lower_digit((unsigned char)id[0]))
		return 0;
	for (i = 1; id[i] != '\0'; i++) {
		if (i >= 64)
			return 0;
		if (!is_lower_digit((unsigned char)id[i]) && id[i] != '_' && id[i] != '-')
			return 0;
	}
	return 1;
}

int
ws_valid_contact_id(const char *id)
{
	size_t i;

	if (id == NULL || !is_alnum((unsigned char)id[0]))
		return 0;
	for (i = 1; id[i] != '\0'; i++) {
		if (i >= 128)
			return 0;
		if (!is_alnum((unsigned char)id[i]) && strchr("._@+-", id[i]) == NULL)
			return 0;
	}
	return 1;
}
