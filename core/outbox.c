/*
 * outbox.c - the Maildir-style queue and the delivery loop.
 *
 * Queueing follows Maildir: a message is complete in tmp/ before a rename
 * makes it appear in new/, so a reader never sees half a message and a
 * crash leaves at worst garbage in tmp/.  Every name inside the outbox is
 * opened relative to a directory descriptor with O_NOFOLLOW: the outbox is
 * a spool that other programs (a Maildir reader, an operator) write to, and
 * a symbolic link planted there must not redirect what drip writes or
 * hands to sendmail (SPEC §12).
 *
 * Delivery runs each transport with fork and execve - never a shell - with
 * the message file itself as stdin (no pipe to feed, so no deadlock against
 * a child that writes before it reads), a clean environment, and a time
 * limit enforced on the child's whole process group.  A queued `run`
 * action is delivered the same way, except that the command and its
 * environment come from the file, and stdin is the rest of it.
 */
#include "outbox.h"

#include "arena.h"
#include "config.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The four folders of a queue; attempts/ is made when first needed. */
static const char *const outbox_dirs[] = { "tmp", "new", "sent", "failed" };
enum { DIR_TMP, DIR_NEW, DIR_SENT, DIR_FAILED, NDIRS };

/* The environment of a command that brings its own (a run file) or of
 * outbox_exec given none: nothing of drip's own, so neither secrets nor
 * the operator's locale leak into it.  A transport gets these two and the
 * few names of transport_env. */
static const char *const clean_env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

/* Width of the slot in a queue file name: seconds up to the year 33658. */
#define SLOT_DIGITS 12
/* Longest sleep while waiting for a child that has closed its pipes, and
 * the longest poll while it still runs, in milliseconds. */
#define WAIT_SLICE_MS 50
/* Exit status 75 is sendmail's EX_TEMPFAIL: the transport asks to retry. */
#define EXIT_TEMPFAIL 75
/* The most of a message's header read for its recipients (64 KiB). */
#define HEAD_MAX 65536
/* Linux's CLOSE_RANGE_CLOEXEC (linux/close_range.h), spelled out so that
 * the build needs no kernel headers beyond the syscall number. */
#define CLOSE_RANGE_CLOEXEC_FLAG 4U

/* ---- names ---- */

static int
name_ok(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || name[0] == '.')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (i >= OUTBOX_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Is name a queue file of this kind: "DDDDDDDDDDDD-KIND-REST"? */
static int
name_has_kind(const char *name, const char *kind)
{
	size_t klen = strlen(kind), i;

	if (strlen(name) < SLOT_DIGITS + klen + 3)
		return 0;
	for (i = 0; i < SLOT_DIGITS; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return name[SLOT_DIGITS] == '-' &&
	       strncmp(name + SLOT_DIGITS + 1, kind, klen) == 0 &&
	       name[SLOT_DIGITS + 1 + klen] == '-';
}

void
outbox_name(int64_t slot, const char *kind, const char *msgid_hex, char *buf, size_t n)
{
	int len;

	if (n == 0)
		return;
	len = snprintf(buf, n, "%0*lld-%s-%s", SLOT_DIGITS, (long long)slot, kind, msgid_hex);
	/* A cut name could equal another message's: better no name at all. */
	if (len < 0 || (size_t)len >= n)
		buf[0] = '\0';
}

/* ---- small file helpers ---- */

static int
write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsync, where a file system that cannot sync directories (EINVAL) is not
 * an error: nothing more could be done there. */
static int
sync_fd(int fd)
{
	if (fsync(fd) < 0 && errno != EINVAL)
		return -1;
	return 0;
}

/*
 * Make the n files names[] written in the directory dirfd durable with one
 * call: syncfs() writes back the file system the directory is on and waits,
 * one journal commit for the batch instead of one fsync per message.  Where
 * the kernel has no syncfs, each file is synced on its own.
 */
static int
sync_batch(int dirfd, char *const *names, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
#ifdef SYS_syncfs
	if (syscall(SYS_syncfs, dirfd) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
#endif
	for (i = 0; i < n; i++) {
		int fd = openat(dirfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0 || fsync(fd) < 0) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
		*fd = -1;
	}
}

static int
open_dir(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Open the folder sub of the outbox dfd, making it first when create is
 * set (*made is set to 1 when it was made).  O_NOFOLLOW: a symbolic link in
 * place of the folder is refused, never followed. */
static int
open_sub(int dfd, const char *sub, int create, int *made)
{
	if (create) {
		if (mkdirat(dfd, sub, 0700) == 0)
			*made = 1;
		else if (errno != EEXIST)
			return -1;
	}
	return openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* 1 when name exists in the folder (whatever it is, a link included),
 * 0 when not, -1 when that cannot be told. */
static int
exists_at(int fd, const char *name)
{
	struct stat st;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

/* Remove attempts/NAME if there is one, so that a message queued again
 * (after an operator emptied sent/) starts with a clean count. */
static int
forget_attempts(int dfd, const char *name)
{
	int fd, rc = 0;

	fd = openat(dfd, "attempts", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
		rc = -1;
	close_fd(&fd);
	return rc;
}

/* ---- queueing ---- */

/* Write data to tmp/NAME and rename it to new/NAME, syncing both. */
static int
put_file(const char *dir, int tmpfd, int newfd, const char *name, const void *data,
	 size_t len, struct drip_err *err)
{
	int fd = -1, made = 0, rc = -1;

	/* A tmp/NAME can only be left by a crashed run; it may even be a
	 * planted link.  Remove it, never write through it. */
	if (unlinkat(tmpfd, name, 0) < 0 && errno != ENOENT) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot remove stale '%s/tmp/%s'", dir, name);
		goto out;
	}
	fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s/tmp/%s'", dir, name);
		goto out;
	}
	made = 1;
	if (write_full(fd, data, len) < 0 || fsync(fd) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s/tmp/%s'", dir, name);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s/tmp/%s'", dir, name);
		goto out;
	}
	fd = -1;
	if (renameat(tmpfd, name, newfd, name) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot move '%s/tmp/%s' into new/", dir, name);
		goto out;
	}
	made = 0;
	if (sync_fd(newfd) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot sync '%s/new'", dir);
		goto out;
	}
	rc = 0;
out:
	close_fd(&fd);
	if (made) {
		int saved = errno;

		unlinkat(tmpfd, name, 0);
		errno = saved;
	}
	return rc;
}

int
outbox_put(const char *dir, const char *name, const void *data, size_t len,
	   int *existed, struct drip_err *err)
{
	int dfd = -1, fds[NDIRS] = { -1, -1, -1, -1 };
	int made = 0, rc = -1, i, e;

	*existed = 0;
	if (!name_ok(name))
		return err_set(err, DRIP_EDATA, NULL, 0, 0, "invalid outbox message name \"%s\"",
			       name ? name : "");
	if (fsio_mkdirs(dir, 0700, err) < 0)
		return -1;
	dfd = open_dir(dir);
	if (dfd < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox '%s'", dir);
	for (i = 0; i < NDIRS; i++) {
		fds[i] = open_sub(dfd, outbox_dirs[i], 1, &made);
		if (fds[i] < 0) {
			err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox directory '%s/%s'",
				dir, outbox_dirs[i]);
			goto out;
		}
	}
	if (made && sync_fd(dfd) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot sync '%s'", dir);
		goto out;
	}
	/* Queued, handed over or given up: in each case this message exists
	 * already, and a second copy would be a second send. */
	for (i = DIR_NEW; i <= DIR_FAILED; i++) {
		e = exists_at(fds[i], name);
		if (e < 0) {
			err_sys(err, DRIP_EFAIL, NULL, "cannot check '%s/%s/%s'", dir,
				outbox_dirs[i], name);
			goto out;
		}
		if (e > 0) {
			*existed = 1;
			rc = 0;
			goto out;
		}
	}
	if (forget_attempts(dfd, name) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot remove '%s/attempts/%s'", dir, name);
		goto out;
	}
	rc = put_file(dir, fds[DIR_TMP], fds[DIR_NEW], name, data, len, err);
out:
	for (i = 0; i < NDIRS; i++)
		close_fd(&fds[i]);
	close_fd(&dfd);
	return rc;
}

/* ---- listing ---- */

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The valid queue names in the folder fd (of kind, unless kind is NULL),
 * sorted, as long as they are at most max: 1 and nothing when there are
 * more.  -1 with errno on failure; *names is then freed. */
static int
read_names_max(int fd, const char *kind, size_t max, char ***names, size_t *n)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int dup_fd, saved;

	*names = NULL;
	*n = 0;
	/* closedir() closes the descriptor it was given; keep ours. */
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -1;
	d = fdopendir(dup_fd);
	if (d == NULL) {
		close_fd(&dup_fd);
		return -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		if (!name_ok(de->d_name) || (kind && !name_has_kind(de->d_name, kind)))
			continue;
		if (*n == max) {
			closedir(d);
			outbox_list_free(*names, *n);
			*names = NULL;
			*n = 0;
			return 1;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = xrealloc(*names, cap * sizeof **names);
		}
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	saved = errno;
	closedir(d);
	if (saved != 0) {
		outbox_list_free(*names, *n);
		*names = NULL;
		*n = 0;
		errno = saved;
		return -1;
	}
	if (*n > 1)
		qsort(*names, *n, sizeof **names, cmp_names);
	return 0;
}

static int
read_names(int fd, const char *kind, char ***names, size_t *n)
{
	return read_names_max(fd, kind, SIZE_MAX, names, n);
}

int
outbox_list(const char *dir, const char *sub, char ***names, size_t *n, struct drip_err *err)
{
	int dfd = -1, fd = -1, rc = -1, made = 0, i, known = 0;

	*names = NULL;
	*n = 0;
	for (i = DIR_NEW; i <= DIR_FAILED; i++)
		if (strcmp(sub, outbox_dirs[i]) == 0)
			known = 1;
	if (!known)
		return err_set(err, DRIP_EFAIL, NULL, 0, 0,
			       "unknown outbox folder \"%s\" (new, sent or failed)", sub);
	dfd = open_dir(dir);
	if (dfd < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox '%s'", dir);
	}
	fd = open_sub(dfd, sub, 0, &made);
	if (fd < 0) {
		if (errno == ENOENT)
			rc = 0;
		else
			err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox directory '%s/%s'",
				dir, sub);
		goto out;
	}
	if (read_names(fd, NULL, names, n) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot read '%s/%s'", dir, sub);
		goto out;
	}
	rc = 0;
out:
	close_fd(&fd);
	close_fd(&dfd);
	return rc;
}

void
outbox_list_free(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- running a transport ---- */

/* Append to detail, marking a cut with "..." so that a reader of the log
 * knows there was more. */
static void __attribute__((format(printf, 3, 4)))
detail_add(char *detail, size_t n, const char *fmt, ...)
{
	va_list ap;
	size_t len;
	int w;

	if (n == 0)
		return;
	len = strlen(detail);
	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	w = vsnprintf(detail + len, n - len, fmt, ap);
	va_end(ap);
	if (w >= 0 && (size_t)w < n - len)
		return;
	if (n >= 4)
		memcpy(detail + n - 4, "...", 4);
}

/* The captured stderr, made fit for one log field: control characters
 * become spaces, surrounding space goes, and a multi-byte character cut at
 * the cap is dropped rather than left half. */
static void
clean_capture(char *buf, size_t *len, int cut)
{
	size_t i, start = 0, end = *len;

	if (cut) {
		size_t lead = end, want;
		unsigned char c;

		while (lead > 0 && end - lead < 4 && ((unsigned char)buf[lead - 1] & 0xC0) == 0x80)
			lead--;
		if (lead > 0 && (c = (unsigned char)buf[lead - 1]) >= 0xC0) {
			want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			if (end - (lead - 1) < want)
				end = lead - 1;
		}
	}
	for (i = 0; i < end; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
	while (start < end && buf[start] == ' ')
		start++;
	while (end > start && buf[end - 1] == ' ')
		end--;
	memmove(buf, buf + start, end - start);
	*len = end - start;
	buf[*len] = '\0';
}

static int
make_pipe(int p[2])
{
	if (pipe(p) < 0)
		return -1;
	if (fcntl(p[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(p[1], F_SETFD, FD_CLOEXEC) < 0) {
		close_fd(&p[0]);
		close_fd(&p[1]);
		return -1;
	}
	return 0;
}

/* In the child: make sure fd is not 0, 1 or 2, so that the dup2() calls
 * that follow cannot overwrite it (the caller may have closed stdin). */
static int
above_stdio(int fd)
{
	return fd > 2 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/* In the child: mark every descriptor above 2 close-on-exec.  Ours are
 * already, but a library the caller uses may have opened one without
 * O_CLOEXEC, and sendmail must never hold a git pack or the lock. */
static void
cloexec_above_stdio(void)
{
	long max, fd;

#if defined(__linux__) && defined(SYS_close_range)
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC_FLAG) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

/* The child side of outbox_exec: only async-signal-safe calls from here.
 * On failure the errno goes back through report, which exec closes on
 * success. */
static void __attribute__((noreturn))
run_child(const char *const *argv, const char *const *envp, int in, int out, int errfd,
	  int report)
{
	static const int reset[] = { SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM };
	struct sigaction sa;
	sigset_t none;
	size_t i;
	int e;

	/* A group of its own, so that a timeout kills whatever it started. */
	setpgid(0, 0);
	/* Ignored signals and the signal mask survive exec; the transport
	 * must start with the defaults whatever drip itself ignores. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof reset / sizeof reset[0]; i++)
		sigaction(reset[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	in = above_stdio(in);
	out = above_stdio(out);
	errfd = above_stdio(errfd);
	if (in < 0 || out < 0 || errfd < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(errfd, 2) < 0)
		goto fail;
	cloexec_above_stdio();
	execve(argv[0], (char *const *)argv, (char *const *)envp);
fail:
	e = errno;
	/* Should even the report fail, 126 still tells a failure apart from
	 * success; the parent then sees "exit status 126". */
	if (write(report, &e, sizeof e) != (ssize_t)sizeof e)
		_exit(126);
	_exit(127);
}

static long long
now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What a child did, as seen by collect(). */
struct child_run {
	pid_t pid;
	int status;		/* from waitpid */
	int timed_out;
	char err[OUTBOX_STDERR_MAX + 1];	/* the start of its stderr */
	size_t errlen;
	int err_cut;		/* more stderr followed */
};

/* Read whatever fd has; at end of file, close it.  Bytes from stderr are
 * kept up to the cap, stdout's are dropped. */
static void
drain(int *fd, struct child_run *cr, int is_err)
{
	char chunk[4096];
	ssize_t got;
	size_t room, take;

	got = read(*fd, chunk, sizeof chunk);
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (got <= 0) {
		close_fd(fd);
		return;
	}
	if (!is_err)
		return;
	room = OUTBOX_STDERR_MAX - cr->errlen;
	take = (size_t)got < room ? (size_t)got : room;
	memcpy(cr->err + cr->errlen, chunk, take);
	cr->errlen += take;
	if (take < (size_t)got)
		cr->err_cut = 1;
}

/* One round of reading the child's pipes, waiting at most wait_ms.
 * Returns how many of them had something to say (data or end of file). */
static int
poll_pipes(int fds[2], struct child_run *cr, int wait_ms)
{
	struct pollfd pfd[2];
	int map[2], np = 0, i, r;

	for (i = 0; i < 2; i++)
		if (fds[i] >= 0) {
			pfd[np].fd = fds[i];
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			map[np++] = i;
		}
	r = poll(np ? pfd : NULL, (nfds_t)np, wait_ms);
	if (r <= 0)
		return 0;
	for (i = 0; i < np; i++)
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			drain(&fds[map[i]], cr, map[i] == 1);
	return r;
}

static void
reap(struct child_run *cr)
{
	while (waitpid(cr->pid, &cr->status, 0) < 0)
		if (errno != EINTR) {
			/* Someone else reaped it (SIGCHLD ignored): the
			 * outcome is unknown, which must not count as sent. */
			cr->status = 0xff00;
			return;
		}
}

/* Read the child's stdout (fds[0]) and stderr (fds[1]) until it has exited
 * and they are closed, or until the deadline, when its group is killed.
 * Either way the child is reaped before this returns. */
static void
collect(struct child_run *cr, int fds[2], int timeout_secs)
{
	long long deadline = now_ms() + (long long)timeout_secs * 1000, left;
	int nap = 1, round;
	pid_t r;

	for (;;) {
		r = waitpid(cr->pid, &cr->status, WNOHANG);
		if (r == cr->pid || (r < 0 && errno == ECHILD)) {
			if (r < 0)
				cr->status = 0xff00;
			/* Keep what it wrote before it exited, but do not wait
			 * for a background process that still holds the pipes
			 * (nor read for ever from one that keeps writing). */
			for (round = 0; round < 64 && (fds[0] >= 0 || fds[1] >= 0); round++)
				if (poll_pipes(fds, cr, 0) == 0)
					break;
			return;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			kill(-cr->pid, SIGKILL);
			kill(cr->pid, SIGKILL);
			reap(cr);
			cr->timed_out = 1;
			return;
		}
		if (left > WAIT_SLICE_MS)
			left = WAIT_SLICE_MS;
		if (fds[0] >= 0 || fds[1] >= 0) {
			poll_pipes(fds, cr, (int)left);
		} else {
			/* Pipes closed, child not yet a zombie: it usually
			 * is a moment later, so start with short naps. */
			poll(NULL, 0, nap < left ? nap : (int)left);
			if (nap < WAIT_SLICE_MS)
				nap *= 2;
		}
	}
}

/* Say in detail how the run ended; 0 for exit status 0, OUTBOX_ETEMP for
 * EX_TEMPFAIL, else -1. */
static int
describe(const struct child_run *cr, int timeout_secs, char *detail, size_t n)
{
	char errbuf[OUTBOX_STDERR_MAX + 1];
	size_t errlen = cr->errlen;
	int rc = -1;

	if (cr->timed_out) {
		detail_add(detail, n, "timed out after %d s", timeout_secs);
		return -1;
	}
	if (WIFEXITED(cr->status) && WEXITSTATUS(cr->status) == 0)
		return 0;
	if (WIFEXITED(cr->status) && WEXITSTATUS(cr->status) == EXIT_TEMPFAIL) {
		detail_add(detail, n, "temporary failure (exit %d)", EXIT_TEMPFAIL);
		rc = OUTBOX_ETEMP;
	} else if (WIFEXITED(cr->status))
		detail_add(detail, n, "exit status %d", WEXITSTATUS(cr->status));
	else if (WIFSIGNALED(cr->status))
		detail_add(detail, n, "killed by signal %d", WTERMSIG(cr->status));
	else
		detail_add(detail, n, "ended abnormally");
	memcpy(errbuf, cr->err, errlen);
	clean_capture(errbuf, &errlen, cr->err_cut);
	if (errlen > 0)
		detail_add(detail, n, ": %s", errbuf);
	return rc;
}

int
outbox_exec(const char *const *argv, const char *const *envp, int in_fd, int timeout_secs,
	    char *detail, size_t detail_len)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int null_fd = -1, fds[2], child_errno = 0, rc = -1;
	struct child_run cr;
	ssize_t got;

	if (detail_len > 0)
		detail[0] = '\0';
	memset(&cr, 0, sizeof cr);
	if (timeout_secs <= 0)
		timeout_secs = OUTBOX_TIMEOUT_DEFAULT;
	if (argv == NULL || argv[0] == NULL) {
		detail_add(detail, detail_len, "no command to run");
		return -1;
	}
	if (envp == NULL)
		envp = clean_env;
	if (in_fd < 0) {
		null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		in_fd = null_fd;
	}
	if (in_fd < 0 || make_pipe(outp) < 0 || make_pipe(errp) < 0 || make_pipe(rep) < 0) {
		detail_add(detail, detail_len, "cannot start '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	cr.pid = fork();
	if (cr.pid < 0) {
		detail_add(detail, detail_len, "cannot start '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	if (cr.pid == 0)
		run_child(argv, envp, in_fd, outp[1], errp[1], rep[1]);
	/* Also from this side, so that a timeout that comes before the child
	 * ran setpgid() still finds the group.  It fails harmlessly once the
	 * child has exec'ed. */
	setpgid(cr.pid, cr.pid);
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&rep[1]);
	/* End of file: exec succeeded and closed the report pipe. */
	do
		got = read(rep[0], &child_errno, sizeof child_errno);
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof child_errno) {
		reap(&cr);
		detail_add(detail, detail_len, "cannot execute '%s': %s", argv[0],
			   strerror(child_errno));
		goto out;
	}
	fds[0] = outp[0];
	fds[1] = errp[0];
	outp[0] = errp[0] = -1;
	collect(&cr, fds, timeout_secs);
	close_fd(&fds[0]);
	close_fd(&fds[1]);
	rc = describe(&cr, timeout_secs, detail, detail_len);
out:
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&rep[0]);
	close_fd(&rep[1]);
	close_fd(&null_fd);
	return rc;
}

/* ---- run files ---- */

/* The first line of a run file.  The 1 is the layout's version: a file
 * written in some later layout is refused here rather than misread. */
static const char run_magic[] = "drip-run 1\n";
#define RUN_MAGIC_LEN (sizeof run_magic - 1)
/* Entries of clean_env, which a run file's environment gets when it does
 * not set them itself. */
#define CLEAN_ENV_N (sizeof clean_env / sizeof clean_env[0] - 1)

/* One run file, read and split.  argv and envp point into buf; envp's
 * last entries may be clean_env's. */
struct run_file {
	char *buf;		/* the whole file, and a NUL after it */
	size_t len;
	const char **argv, **envp;	/* malloc'ed, NULL-terminated */
	size_t in_off;		/* where stdin starts */
};

/* A list: each item and then an empty one, all NUL-terminated. */
static void
run_add_list(struct sbuf *out, const char *const *items)
{
	size_t i;

	for (i = 0; items != NULL && items[i] != NULL; i++) {
		sbuf_adds(out, items[i]);
		sbuf_addc(out, '\0');
	}
	sbuf_addc(out, '\0');
}

void
outbox_run_format(struct sbuf *out, const char *const *argv, const char *const *env,
		  const char *in, size_t inlen)
{
	sbuf_add(out, run_magic, RUN_MAGIC_LEN);
	run_add_list(out, argv);
	run_add_list(out, env);
	if (inlen > 0)
		sbuf_add(out, in, inlen);
}

/* The items of the list at buf + *pos, as a malloc'ed array of pointers
 * into buf with room for extra more and the NULL; *pos moves past the
 * list.  NULL when the list has no end before len. */
static const char **
run_list(const char *buf, size_t len, size_t *pos, size_t extra, size_t *count)
{
	const char **items, *nul;
	size_t p = *pos, n = 0, i;

	for (;;) {
		nul = memchr(buf + p, '\0', len - p);
		if (nul == NULL)
			return NULL;
		if (nul == buf + p)
			break;
		p = (size_t)(nul - buf) + 1;
		n++;
	}
	items = xmalloc((n + extra + 1) * sizeof *items);
	for (p = *pos, i = 0; i < n; i++) {
		items[i] = buf + p;
		p += strlen(buf + p) + 1;
	}
	items[n] = NULL;
	*pos = p + 1;
	*count = n;
	return items;
}

/* Split rf->buf.  NULL when it is a run file, else what is wrong. */
static const char *
run_parse(struct run_file *rf)
{
	size_t pos = RUN_MAGIC_LEN, nargs, nenv, i, k, klen;

	if (rf->len < RUN_MAGIC_LEN || memcmp(rf->buf, run_magic, RUN_MAGIC_LEN) != 0)
		return "bad first line";
	rf->argv = run_list(rf->buf, rf->len, &pos, 0, &nargs);
	if (rf->argv == NULL)
		return "argv not terminated";
	if (nargs == 0)
		return "empty argv";
	/* execve would take a relative name from drip's working directory:
	 * what runs must not depend on where tick was started. */
	if (rf->argv[0][0] != '/')
		return "argv[0] is not an absolute path";
	rf->envp = run_list(rf->buf, rf->len, &pos, CLEAN_ENV_N, &nenv);
	if (rf->envp == NULL)
		return "environment not terminated";
	for (i = 0; i < nenv; i++) {
		const char *eq = strchr(rf->envp[i], '=');

		if (eq == NULL || eq == rf->envp[i])
			return "environment item without a name";
	}
	/* A command needs a PATH for whatever it runs in turn, and a known
	 * locale; the file's own settings win. */
	for (k = 0; k < CLEAN_ENV_N; k++) {
		klen = (size_t)(strchr(clean_env[k], '=') - clean_env[k]) + 1;
		for (i = 0; i < nenv; i++)
			if (strncmp(rf->envp[i], clean_env[k], klen) == 0)
				break;
		if (i == nenv)
			rf->envp[nenv++] = clean_env[k];
	}
	rf->envp[nenv] = NULL;
	rf->in_off = pos;
	return NULL;
}

/* Read the whole file into rf->buf: 0, 1 when it has more than
 * OUTBOX_RUN_MAX bytes (the rest is left unread), -1 with errno. */
static int
run_read(int fd, struct run_file *rf)
{
	size_t cap = 4096;
	ssize_t got;

	rf->buf = xmalloc(cap + 1);
	rf->len = 0;
	for (;;) {
		if (rf->len == cap) {
			if (cap > OUTBOX_RUN_MAX)
				return 1;
			cap = cap * 2 > OUTBOX_RUN_MAX + 1 ? OUTBOX_RUN_MAX + 1 : cap * 2;
			rf->buf = xrealloc(rf->buf, cap + 1);
		}
		got = read(fd, rf->buf + rf->len, cap - rf->len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (got == 0)
			break;
		rf->len += (size_t)got;
	}
	rf->buf[rf->len] = '\0';
	return 0;
}

/* Run the run file open at fd, with fd itself as stdin from the first
 * byte after the environment: the child reads the stdin part and no more,
 * with no pipe to feed.  As outbox_exec: 0 for exit status 0, else -1 with
 * detail. */
static int
run_file_exec(int fd, int timeout_secs, char *detail, size_t n)
{
	struct run_file rf;
	const char *why;
	int r, rc = -1;

	memset(&rf, 0, sizeof rf);
	r = run_read(fd, &rf);
	if (r < 0) {
		detail_add(detail, n, "cannot read message: %s", strerror(errno));
		goto out;
	}
	if (r > 0) {
		detail_add(detail, n, "malformed run file: larger than %d bytes", OUTBOX_RUN_MAX);
		goto out;
	}
	why = run_parse(&rf);
	if (why != NULL) {
		detail_add(detail, n, "malformed run file: %s", why);
		goto out;
	}
	if (lseek(fd, (off_t)rf.in_off, SEEK_SET) < 0) {
		detail_add(detail, n, "cannot read message: %s", strerror(errno));
		goto out;
	}
	rc = outbox_exec(rf.argv, rf.envp, fd, timeout_secs, detail, n);
out:
	free(rf.argv);
	free(rf.envp);
	free(rf.buf);
	return rc;
}

/* ---- the environment and the recipients of a transport ---- */

/* "NAME=VALUE", malloc'ed. */
static char *
env_item(const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *item = xmalloc(nl + vl + 2);

	memcpy(item, name, nl);
	item[nl] = '=';
	memcpy(item + nl + 1, value, vl + 1);
	return item;
}

/* Set name in the list env (n items so far, room for it): replace an item
 * of that name, or add one. */
static void
env_set(char **env, size_t *n, const char *name, const char *value)
{
	size_t i, nl = strlen(name);

	for (i = 0; i < *n; i++)
		if (strncmp(env[i], name, nl) == 0 && env[i][nl] == '=') {
			free(env[i]);
			env[i] = env_item(name, value);
			return;
		}
	env[(*n)++] = env_item(name, value);
}

/* A variable of drip's own environment, when it is set and not empty. */
static const char *
env_own(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

char **
outbox_transport_env(const struct transport *t)
{
	const struct passwd *pw = getpwuid(getuid());
	size_t n = 0, i, nnames = 0;
	char **env;
	const char *v;

	while (t != NULL && t->env != NULL && t->env[nnames] != NULL)
		nnames++;
	env = xcalloc(nnames + 6, sizeof *env);
	env_set(env, &n, "PATH", "/usr/bin:/bin");
	/* Where the MTA finds its configuration (~/.msmtprc, ~/.mailrc) and
	 * whom it sends as: drip's own, else the password database's. */
	if ((v = env_own("HOME")) != NULL || (pw && (v = pw->pw_dir) != NULL && *v))
		env_set(env, &n, "HOME", v);
	if ((v = env_own("USER")) != NULL || (pw && (v = pw->pw_name) != NULL && *v))
		env_set(env, &n, "USER", v);
	if ((v = env_own("LOGNAME")) != NULL || (pw && (v = pw->pw_name) != NULL && *v))
		env_set(env, &n, "LOGNAME", v);
	env_set(env, &n, "LC_ALL", "C");
	/* The operator's list: a name drip's environment lacks is left out
	 * (PATH and LC_ALL then keep the values above). */
	for (i = 0; i < nnames; i++)
		if ((v = getenv(t->env[i])) != NULL)
			env_set(env, &n, t->env[i], v);
	env[n] = NULL;
	return env;
}

void
outbox_env_free(char **env)
{
	size_t i;

	for (i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* Does this sendmail argv read the recipients from the message (-t)?  An
 * argument "-t", or a bundle of sendmail's argument-less flags that holds
 * a t ("-ti", "-it"); nothing after "--" counts. */
static int
argv_has_t(const char *const *argv)
{
	size_t i, k;

	for (i = 1; argv[i] != NULL; i++) {
		const char *a = argv[i];
		int t = 0;

		if (strcmp(a, "--") == 0)
			break;
		if (a[0] != '-' || a[1] == '\0')
			continue;
		for (k = 1; a[k] != '\0' && strchr("itvmU", a[k]) != NULL; k++)
			t |= a[k] == 't';
		if (a[k] == '\0' && t)
			return 1;
	}
	return 0;
}

/* The recipients found so far, and what went wrong, for read_recipients. */
struct rcpts {
	char **v;
	size_t n, cap;
	const char *bad;	/* the first unreadable address, in scratch */
	char scratch[256];
};

/* One address of a list: the addr-spec between angle brackets when there
 * is one, else the element without its comments and blanks.  Anything left
 * that is not a plain addr-spec (no "@", a blank or control character, a
 * leading "-" that a sendmail could take for an option) is refused: better
 * no delivery than one to a part of the list. */
static void
rcpt_add(struct rcpts *r, const char *spec, size_t len)
{
	size_t i;
	int at = 0;

	if (len == 0)
		return;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)spec[i];

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == '"')
			break;
		at += c == '@';
	}
	if (i < len || at == 0 || spec[0] == '-' || spec[0] == '@' || spec[len - 1] == '@') {
		if (r->bad == NULL) {
			snprintf(r->scratch, sizeof r->scratch, "%.*s", (int)(len < 200 ? len : 200),
				 spec);
			for (i = 0; r->scratch[i] != '\0'; i++)
				if ((unsigned char)r->scratch[i] < ' ' || r->scratch[i] == 0x7f)
					r->scratch[i] = '?';
			r->bad = r->scratch;
		}
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n] = xmalloc(len + 1);
	memcpy(r->v[r->n], spec, len);
	r->v[r->n++][len] = '\0';
}

/*
 * The addresses of one unfolded To/Cc/Bcc value (RFC 5322 §3.4): a comma
 * list of "addr@host", "Name <addr@host>" or groups "name: a, b;", with
 * quoted strings and comments.  Quoted local parts are not supported: drip
 * never writes them, and an address it cannot read stops the delivery.
 */
static void
rcpt_list(struct rcpts *r, const char *v, size_t len)
{
	char spec[1024];
	size_t i, sl = 0, angle_start = 0;
	int quote = 0, paren = 0, angle = 0, had_angle = 0, over = 0;

	for (i = 0; i <= len; i++) {
		char c = i < len ? v[i] : ',';

		if (quote) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '"')
				quote = 0;
			continue;
		}
		if (paren) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '(')
				paren++;
			else if (c == ')')
				paren--;
			continue;
		}
		if (angle) {
			if (c == '>') {
				const char *a = v + angle_start;
				size_t al = i - angle_start;
				const char *colon = memchr(a, ':', al);

				/* An obsolete source route "<@a,@b:x@y>". */
				if (colon != NULL && a[0] == '@') {
					al -= (size_t)(colon + 1 - a);
					a = colon + 1;
				}
				if (al < sizeof spec) {
					memcpy(spec, a, al);
					sl = al;
				} else {
					over = 1;
				}
				angle = 0;
				had_angle = 1;
			}
			continue;
		}
		switch (c) {
		case '"':
			quote = 1;
			break;
		case '(':
			paren = 1;
			break;
		case '<':
			angle = 1;
			angle_start = i + 1;
			break;
		case ':':
			/* A group's display name: the list starts after it. */
			sl = 0;
			break;
		case ',':
		case ';':
			if (over)
				rcpt_add(r, "(too long)", 10);
			else
				rcpt_add(r, spec, sl);
			sl = 0;
			had_angle = over = 0;
			break;
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			break;
		default:
			if (had_angle)
				break;
			if (sl < sizeof spec)
				spec[sl++] = c;
			else
				over = 1;
		}
	}
	if (angle || quote || paren)
		rcpt_add(r, "(unbalanced)", 12);
}

/*
 * The recipients of the message open at fd: every address of its To:, Cc:
 * and Bcc: fields, read with pread so that the file offset stays at 0 for
 * the transport.  0 with *out (malloc'ed strings in a malloc'ed array) and
 * *n, or -1 with detail filled.
 */
static int
read_recipients(int fd, char ***out, size_t *n, char *detail, size_t dlen)
{
	struct rcpts r;
	char *head = xmalloc(HEAD_MAX + 1);
	size_t len = 0, i, end;
	ssize_t got;

	memset(&r, 0, sizeof r);
	*out = NULL;
	*n = 0;
	while (len < HEAD_MAX) {
		got = pread(fd, head + len, HEAD_MAX - len, (off_t)len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			detail_add(detail, dlen, "cannot read message: %s", strerror(errno));
			free(head);
			return -1;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	/* The header ends at the first empty line; a header longer than
	 * HEAD_MAX is read up to its last whole line. */
	for (end = 0, i = 0; i < len; i++)
		if (head[i] == '\n') {
			end = i + 1;
			if (i == 0 || (i + 1 < len && head[i + 1] == '\n') ||
			    (i + 2 < len && head[i + 1] == '\r' && head[i + 2] == '\n'))
				break;
		}
	for (i = 0; i < end;) {
		size_t start = i, nl;
		int want;

		/* One field and its continuation lines. */
		for (;;) {
			while (i < end && head[i] != '\n')
				i++;
			i++;
			if (i >= end || (head[i] != ' ' && head[i] != '\t'))
				break;
		}
		nl = i > end ? end - start : i - start;
		want = (nl > 3 && strncasecmp(head + start, "to:", 3) == 0) ||
		       (nl > 3 && strncasecmp(head + start, "cc:", 3) == 0) ||
		       (nl > 4 && strncasecmp(head + start, "bcc:", 4) == 0);
		if (want) {
			const char *colon = memchr(head + start, ':', nl);

			rcpt_list(&r, colon + 1, nl - (size_t)(colon + 1 - (head + start)));
		}
	}
	free(head);
	if (r.bad != NULL || r.n == 0) {
		if (r.bad != NULL)
			detail_add(detail, dlen, "cannot read the recipient \"%s\"", r.bad);
		else
			detail_add(detail, dlen, "no recipient in To:, Cc: or Bcc:");
		for (i = 0; i < r.n; i++)
			free(r.v[i]);
		free(r.v);
		return -1;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

/* Run the sendmail or command transport t with the message at fd on
 * stdin; as outbox_exec. */
static int
transport_exec(const struct transport *t, char *const *envp, int fd, int timeout_secs,
	       char *detail, size_t dlen)
{
	const char **argv;
	char **rcpt = NULL;
	size_t nrcpt = 0, i;
	int rc;

	if (t->kind != TRANSPORT_SENDMAIL || argv_has_t(t->argv))
		return outbox_exec(t->argv, (const char *const *)envp, fd, timeout_secs, detail,
				   dlen);
	/* Without -t, sendmail sends to the addresses in argv: the message's
	 * own, after "--" so that none can be taken for an option. */
	if (read_recipients(fd, &rcpt, &nrcpt, detail, dlen) < 0)
		return -1;
	argv = xmalloc((t->argc + nrcpt + 2) * sizeof *argv);
	memcpy(argv, t->argv, t->argc * sizeof *argv);
	argv[t->argc] = "--";
	for (i = 0; i < nrcpt; i++)
		argv[t->argc + 1 + i] = rcpt[i];
	argv[t->argc + 1 + nrcpt] = NULL;
	rc = outbox_exec(argv, (const char *const *)envp, fd, timeout_secs, detail, dlen);
	free(argv);
	for (i = 0; i < nrcpt; i++)
		free(rcpt[i]);
	free(rcpt);
	return rc;
}

/* ---- the delivery loop ---- */

int64_t
outbox_retry_delay(int failures)
{
	int64_t d = OUTBOX_RETRY_FIRST;

	while (--failures > 0 && d < OUTBOX_RETRY_MAX)
		d *= 2;
	return d < OUTBOX_RETRY_MAX ? d : OUTBOX_RETRY_MAX;
}

/* The folders of one outbox, open for one outbox_deliver call. */
struct queue {
	const char *dir;
	int dfd, newfd, sentfd, failedfd, attfd;
	const struct outbox_policy *p;
	int64_t give_up;
	char **envp;		/* the transport's environment */
};

/* What attempts/NAME says: failed hand-overs so far, and the earliest
 * time of the next. */
struct attempts {
	int n;
	int64_t next;
};

/* Read attempts/NAME: "N NEXT\n" (or "N\n", as written before retries
 * were spaced out: due at once).  A missing, unreadable or garbled count
 * is 0, due at once: at worst one more attempt, never a lost message. */
static void
attempts_read(const struct queue *q, const char *name, struct attempts *a)
{
	char buf[64];
	ssize_t got;
	int fd;
	size_t i;
	int64_t next = 0;

	a->n = 0;
	a->next = 0;
	fd = openat(q->attfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	do
		got = read(fd, buf, sizeof buf - 1);
	while (got < 0 && errno == EINTR);
	close_fd(&fd);
	if (got <= 0)
		return;
	for (i = 0; i < (size_t)got && buf[i] >= '0' && buf[i] <= '9'; i++)
		if (a->n < 1000000)
			a->n = a->n * 10 + (buf[i] - '0');
	if (i == 0) {
		a->n = 0;
		return;
	}
	if (i < (size_t)got && buf[i] == ' ') {
		size_t k = ++i;

		for (; i < (size_t)got && buf[i] >= '0' && buf[i] <= '9'; i++)
			if (next < INT64_MAX / 100)
				next = next * 10 + (buf[i] - '0');
		if (i > k)
			a->next = next;
	}
}

/* Write attempts/NAME atomically: ".NAME.tmp" (a name no message can have),
 * fsync, rename, fsync of the folder. */
static int
attempts_write(const struct queue *q, const char *name, const struct attempts *a,
	       struct drip_err *err)
{
	char tmp[OUTBOX_NAME_MAX + 16], text[48];
	int fd = -1, made = 0, rc = -1, len, tl;

	tl = snprintf(tmp, sizeof tmp, ".%s.tmp", name);
	len = snprintf(text, sizeof text, "%d %lld\n", a->n, (long long)a->next);
	if (tl < 0 || (size_t)tl >= sizeof tmp || len < 0 || (size_t)len >= sizeof text) {
		errno = ENAMETOOLONG;
		return err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s/attempts/%s'", q->dir, name);
	}
	if (unlinkat(q->attfd, tmp, 0) < 0 && errno != ENOENT)
		goto fail;
	fd = openat(q->attfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	made = 1;
	if (write_full(fd, text, (size_t)len) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(q->attfd, tmp, q->attfd, name) < 0)
		goto fail;
	made = 0;
	if (sync_fd(q->attfd) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s/attempts/%s'", q->dir, name);
out:
	close_fd(&fd);
	if (made) {
		int saved = errno;

		unlinkat(q->attfd, tmp, 0);
		errno = saved;
	}
	return rc;
}

/* Move new/NAME into the folder tofd (sent/ or failed/), durably, and drop
 * its count, which only a message in new/ needs. */
static int
move_out(const struct queue *q, const char *name, int tofd, const char *to,
	 struct drip_err *err)
{
	if (renameat(q->newfd, name, tofd, name) < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot move '%s/new/%s' to %s/",
			       q->dir, name, to);
	if (sync_fd(tofd) < 0 || sync_fd(q->newfd) < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot sync '%s/%s'", q->dir, to);
	/* A count left behind by a crash here is harmless: outbox_put clears
	 * it before a message of that name is ever queued again. */
	if (unlinkat(q->attfd, name, 0) < 0 && errno != ENOENT)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot remove '%s/attempts/%s'",
			       q->dir, name);
	return 0;
}

/* Open new/NAME for the transport's stdin.  O_NONBLOCK keeps a planted
 * FIFO from hanging us; only a regular file is handed over.  Returns the
 * descriptor, -2 when the message has gone (nothing to do), or -1 with
 * detail filled. */
static int
open_message(const struct queue *q, const char *name, char *detail, size_t n)
{
	struct stat st;
	int fd, flags;

	fd = openat(q->newfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -2;
		detail_add(detail, n, "cannot open message: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		detail_add(detail, n, "cannot open message: %s", strerror(errno));
		close_fd(&fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		detail_add(detail, n, "message is not a regular file");
		close_fd(&fd);
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		detail_add(detail, n, "cannot open message: %s", strerror(errno));
		close_fd(&fd);
		return -1;
	}
	return fd;
}

/* When NAME was queued: the slot its name starts with. */
static int64_t
name_slot(const char *name)
{
	int64_t t = 0;
	int i;

	for (i = 0; i < SLOT_DIGITS; i++)
		t = t * 10 + (name[i] - '0');
	return t;
}

/*
 * Record one failed hand-over of NAME (the a->n + 1st) and tell the
 * caller.  It is the last one - the message moves to failed/ - once
 * give_up has passed since the message was queued, or, for a failure
 * that is not temporary, at the OUTBOX_MAX_ATTEMPTS-th failure.  Otherwise
 * the next attempt is due outbox_retry_delay later, but no later than the
 * give_up deadline, so that the last attempt comes at that moment.
 */
static int
fail_one(const struct queue *q, const char *name, const struct attempts *a, int temporary,
	 const char *detail, void (*on_event)(void *, const struct outbox_event *), void *ctx,
	 struct outbox_stats *stats, struct drip_err *err)
{
	struct outbox_event ev;
	struct attempts next;
	int64_t now = q->p->now, deadline = name_slot(name) + q->give_up;

	memset(&ev, 0, sizeof ev);
	ev.name = name;
	ev.attempts = next.n = a->n + 1;
	ev.temporary = temporary;
	snprintf(ev.detail, sizeof ev.detail, "%s", detail);
	if (now >= deadline || (!temporary && next.n >= OUTBOX_MAX_ATTEMPTS)) {
		if (move_out(q, name, q->failedfd, "failed", err) < 0)
			return -1;
		ev.gave_up = 1;
		stats->gave_up++;
	} else {
		next.next = now + outbox_retry_delay(next.n);
		if (next.next > deadline)
			next.next = deadline;
		if (attempts_write(q, name, &next, err) < 0)
			return -1;
		ev.next = next.next;
	}
	stats->failed++;
	if (on_event)
		on_event(ctx, &ev);
	return 0;
}

/* Hand NAME to the transport t, or run it when t is NULL (a run file).
 * 1: handed over (sent or failed), 0: it had gone from new/ meanwhile,
 * 2: it is not yet due for another attempt, -1: the outbox could not be
 * updated. */
static int
deliver_one(const struct queue *q, const char *name, const struct transport *t,
	    void (*on_event)(void *, const struct outbox_event *),
	    void *ctx, struct outbox_stats *stats, struct drip_err *err)
{
	char detail[sizeof ((struct outbox_event *)NULL)->detail] = "";
	struct attempts a;
	int fd, ok = -1;

	attempts_read(q, name, &a);
	if (a.n > 0 && q->p->now < a.next)
		return 2;
	fd = open_message(q, name, detail, sizeof detail);
	if (fd == -2)
		return 0;
	if (fd >= 0 && t != NULL)
		ok = transport_exec(t, q->envp, fd, q->p->timeout_secs, detail, sizeof detail);
	else if (fd >= 0)
		ok = run_file_exec(fd, q->p->timeout_secs, detail, sizeof detail);
	close_fd(&fd);
	if (ok == 0) {
		if (move_out(q, name, q->sentfd, "sent", err) < 0)
			return -1;
		stats->sent++;
		return 1;
	}
	return fail_one(q, name, &a, ok == OUTBOX_ETEMP, detail, on_event, ctx, stats, err) < 0 ?
	       -1 : 1;
}

/* Open the queue's folders; 1 when there is no new/ (nothing queued). */
static int
queue_open(struct queue *q, const char *dir, struct drip_err *err)
{
	int made = 0;

	q->dir = dir;
	q->dfd = open_dir(dir);
	if (q->dfd < 0) {
		if (errno == ENOENT)
			return 1;
		return err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox '%s'", dir);
	}
	q->newfd = open_sub(q->dfd, "new", 0, &made);
	if (q->newfd < 0) {
		if (errno == ENOENT)
			return 1;
		return err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox directory '%s/new'", dir);
	}
	/* new/ may have been made by another program: make the rest. */
	q->sentfd = open_sub(q->dfd, "sent", 1, &made);
	if (q->sentfd < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox directory '%s/sent'", dir);
	q->failedfd = open_sub(q->dfd, "failed", 1, &made);
	if (q->failedfd < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox directory '%s/failed'",
			       dir);
	q->attfd = open_sub(q->dfd, "attempts", 1, &made);
	if (q->attfd < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox directory '%s/attempts'",
			       dir);
	if (made && sync_fd(q->dfd) < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot sync '%s'", dir);
	return 0;
}

static void
queue_close(struct queue *q)
{
	close_fd(&q->attfd);
	close_fd(&q->failedfd);
	close_fd(&q->sentfd);
	close_fd(&q->newfd);
	close_fd(&q->dfd);
	outbox_env_free(q->envp);
	q->envp = NULL;
}

int
outbox_deliver(const char *dir, const char *kind, const struct transport *t,
	       const struct outbox_policy *p,
	       void (*on_event)(void *ctx, const struct outbox_event *ev), void *ctx,
	       struct outbox_stats *stats, struct drip_err *err)
{
	struct queue q = { NULL, -1, -1, -1, -1, -1, NULL, 0, NULL };
	struct outbox_policy pol = *p;
	char **names = NULL;
	size_t n = 0, i, handed = 0;
	int rc = -1, r;

	memset(stats, 0, sizeof *stats);
	if (pol.timeout_secs <= 0)
		pol.timeout_secs = OUTBOX_TIMEOUT_DEFAULT;
	q.p = &pol;
	/* A run file carries its own command: no transport to check, and
	 * deliver_one runs the file when it is given none. */
	if (strcmp(kind, "run") == 0) {
		q.give_up = t != NULL && t->give_up > 0 ? t->give_up : CONFIG_GIVE_UP;
		t = NULL;
	} else if (t->kind == TRANSPORT_MAILDIR) {
		return 0;
	} else if (t->argv == NULL || t->argv[0] == NULL) {
		return err_set(err, DRIP_ECONFIG, NULL, 0, 0,
			       "transport for \"%s\" has no command", kind);
	} else {
		q.give_up = t->give_up > 0 ? t->give_up : CONFIG_GIVE_UP;
		q.envp = outbox_transport_env(t);
	}
	r = queue_open(&q, dir, err);
	if (r != 0) {
		rc = r > 0 ? 0 : -1;
		goto out;
	}
	if (read_names(q.newfd, kind, &names, &n) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot read '%s/new'", dir);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (pol.max > 0 && handed >= (size_t)pol.max) {
			/* The rate limit: the rest wait for the next tick,
			 * still oldest first (SPEC §3.3). */
			stats->deferred = n - i;
			break;
		}
		r = deliver_one(&q, names[i], t, on_event, ctx, stats, err);
		if (r < 0)
			goto out;
		if (r == 2)
			stats->waiting++;
		else
			handed += (size_t)r;
	}
	rc = 0;
out:
	outbox_list_free(names, n);
	queue_close(&q);
	return rc;
}

/* ---- staging: a run's messages, queued all at once or not at all ---- */

struct outbox_stage {
	char *dir;
	int dfd, fds[NDIRS];
	int attfd;			/* attempts/, or -1 when there is none */
	char **names;			/* staged in tmp/, not yet in new/ */
	size_t n, cap;
	/* Whether a message is in new/, sent/ or failed/ already: looked up
	 * in the folders for the first STAGE_LOOKUPS messages; past that
	 * their names, sorted, are read once (listed 1), unless a folder
	 * holds more than STAGE_LIST_MAX (listed -1: lookups go on). */
	size_t looked;
	char **known[NDIRS];
	size_t nknown[NDIRS];
	int listed;
};

/* A batch of a few messages looks each one up; a large one reads the
 * folders once instead of three lookups a message, unless a folder (a
 * sent/ never emptied) would cost more to read than that saves. */
#define STAGE_LOOKUPS 256
#define STAGE_LIST_MAX 200000

static size_t stage_lookups = STAGE_LOOKUPS, stage_list_max = STAGE_LIST_MAX;

void
outbox_stage_tune(size_t lookups, size_t max)
{
	stage_lookups = lookups;
	stage_list_max = max ? max : STAGE_LIST_MAX;
}

/* Read the names of new/, sent/ and failed/ once for the batch.  The
 * workspace lock keeps them as they are while it is staged. */
static int
stage_known(struct outbox_stage *st, struct drip_err *err)
{
	int i, rc = 0;

	for (i = DIR_NEW; i <= DIR_FAILED && rc == 0; i++)
		if ((rc = read_names_max(st->fds[i], NULL, stage_list_max, &st->known[i],
					 &st->nknown[i])) < 0)
			return err_sys(err, DRIP_EFAIL, NULL, "cannot read '%s/%s'", st->dir,
				       outbox_dirs[i]);
	st->listed = rc > 0 ? -1 : 1;
	return 0;
}

/* 1 when name is in new/, sent/ or failed/, 0 when not, -1 on error. */
static int
stage_exists(struct outbox_stage *st, const char *name, struct drip_err *err)
{
	int i, e;

	if (st->listed == 0 && st->looked++ >= stage_lookups && stage_known(st, err) < 0)
		return -1;
	for (i = DIR_NEW; i <= DIR_FAILED; i++) {
		if (st->listed > 0)
			e = st->nknown[i] && bsearch(&name, st->known[i], st->nknown[i],
						     sizeof *st->known[i], cmp_names) != NULL;
		else if ((e = exists_at(st->fds[i], name)) < 0)
			return err_sys(err, DRIP_EFAIL, NULL, "cannot check '%s/%s/%s'", st->dir,
				       outbox_dirs[i], name);
		if (e > 0)
			return 1;
	}
	return 0;
}

int
outbox_stage_open(const char *dir, struct outbox_stage **out, struct drip_err *err)
{
	struct outbox_stage *st = xcalloc(1, sizeof *st);
	int made = 0, i;

	st->dfd = st->attfd = -1;
	for (i = 0; i < NDIRS; i++)
		st->fds[i] = -1;
	st->dir = xstrdup(dir);
	*out = st;
	if (fsio_mkdirs(dir, 0700, err) < 0)
		return -1;
	if ((st->dfd = open_dir(dir)) < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox '%s'", dir);
	for (i = 0; i < NDIRS; i++)
		if ((st->fds[i] = open_sub(st->dfd, outbox_dirs[i], 1, &made)) < 0)
			return err_sys(err, DRIP_EFAIL, NULL, "cannot open outbox directory '%s/%s'",
				       dir, outbox_dirs[i]);
	if (made && sync_fd(st->dfd) < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot sync '%s'", dir);
	/* Opened once for the batch, not once a message. */
	st->attfd = openat(st->dfd, "attempts", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (st->attfd < 0 && errno != ENOENT)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot open '%s/attempts'", dir);
	return 0;
}

int
outbox_stage_put(struct outbox_stage *st, const char *name, const void *data, size_t len,
		 struct drip_err *err)
{
	int fd, e;

	if (!name_ok(name))
		return err_set(err, DRIP_EDATA, NULL, 0, 0, "invalid outbox message name \"%s\"",
			       name ? name : "");
	if ((e = stage_exists(st, name, err)) != 0)
		return e < 0 ? -1 : 0;	/* queued by an earlier run: never a second copy */
	/* A file left in tmp/ by a run that crashed is removed first; tried
	 * only when the exclusive create finds one. */
	fd = openat(st->fds[DIR_TMP], name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0 && errno == EEXIST) {
		if (unlinkat(st->fds[DIR_TMP], name, 0) < 0 && errno != ENOENT)
			return err_sys(err, DRIP_EFAIL, NULL, "cannot remove stale '%s/tmp/%s'",
				       st->dir, name);
		fd = openat(st->fds[DIR_TMP], name,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s/tmp/%s'", st->dir, name);
	/* No fsync here: outbox_stage_commit syncs the whole batch once,
	 * before anything is renamed into new/. */
	if (write_full(fd, data, len) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s/tmp/%s'", st->dir, name);
		close(fd);
		unlinkat(st->fds[DIR_TMP], name, 0);
		return -1;
	}
	if (close(fd) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s/tmp/%s'", st->dir, name);
		unlinkat(st->fds[DIR_TMP], name, 0);
		return -1;
	}
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 64;
		st->names = xrealloc(st->names, st->cap * sizeof *st->names);
	}
	st->names[st->n++] = xstrdup(name);
	return 0;
}

int
outbox_stage_commit(struct outbox_stage *st, struct drip_err *err)
{
	size_t i;

	/* Every staged message is on disk before the first one shows in
	 * new/: a crash between the two leaves only tmp/ files, which the
	 * next run writes again. */
	if (sync_batch(st->fds[DIR_TMP], st->names, st->n) < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot sync the messages in '%s/tmp'",
			       st->dir);
	for (i = 0; i < st->n; i++) {
		int rc = 0;

		if (st->attfd >= 0 && unlinkat(st->attfd, st->names[i], 0) < 0 && errno != ENOENT)
			rc = err_sys(err, DRIP_EFAIL, NULL, "cannot remove '%s/attempts/%s'",
				     st->dir, st->names[i]);
		else if (renameat(st->fds[DIR_TMP], st->names[i], st->fds[DIR_NEW],
				  st->names[i]) < 0 && errno != ENOENT)
			rc = err_sys(err, DRIP_EFAIL, NULL, "cannot move '%s/tmp/%s' into new/",
				     st->dir, st->names[i]);
		if (rc < 0) {
			/* Those moved are gone from the list; the rest stay
			 * staged, for outbox_stage_free to remove. */
			memmove(st->names, st->names + i, (st->n - i) * sizeof *st->names);
			st->n -= i;
			return -1;
		}
		free(st->names[i]);
	}
	st->n = 0;
	/* One directory sync makes every rename durable. */
	if (sync_fd(st->fds[DIR_NEW]) < 0)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot sync '%s/new'", st->dir);
	return 0;
}

void
outbox_stage_free(struct outbox_stage *st)
{
	size_t i;
	int k;

	if (st == NULL)
		return;
	/* Whatever is still staged was not committed: it must not linger. */
	for (i = 0; i < st->n; i++) {
		if (st->fds[DIR_TMP] >= 0)
			unlinkat(st->fds[DIR_TMP], st->names[i], 0);
		free(st->names[i]);
	}
	free(st->names);
	for (k = 0; k < NDIRS; k++)
		outbox_list_free(st->known[k], st->nknown[k]);
	for (k = 0; k < NDIRS; k++)
		close_fd(&st->fds[k]);
	close_fd(&st->attfd);
	close_fd(&st->dfd);
	free(st->dir);
	free(st);
}
