/*
 * t_ws.c - finding the workspace, its lock, and ID checks.
 */
#include "tap.h"

#include "err.h"
#include "ws.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char base[] = "/tmp/drip-t-ws-XXXXXX";

#include "tmpdir.h"

static void
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0)
		close(fd);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_find(void)
{
	struct drip_err err;
	char *root = NULL, *real, cwd[1024], want[1200];

	ok(mkdir(at("ws"), 0755) == 0 && mkdir(at("ws/a"), 0755) == 0 &&
	   mkdir(at("ws/a/b"), 0755) == 0 && mkdir(at("ws/a/b/c"), 0755) == 0,
	   "make nested dirs");
	touch(at("ws/drip.yaml"));
	real = realpath(at("ws"), NULL);

	err_clear(&err);
	is_int(ws_find(at("ws/a/b/c"), &root, &err), 0, "find from three levels down");
	is_str(root, real, "root is the dir holding drip.yaml");
	free(root);
	is_int(ws_find(at("ws"), &root, &err), 0, "find from the root itself");
	is_str(root, real, "root found at start");
	free(root);
	is_int(ws_find(at("ws/a/../a/b/."), &root, &err), 0, "find through .. and .");
	is_str(root, real, "root found through .. and .");
	free(root);

	ok(getcwd(cwd, sizeof cwd) != NULL && chdir(at("ws/a")) == 0, "chdir into ws/a");
	is_int(ws_find("b", &root, &err), 0, "find from a relative start");
	is_str(root, real, "relative start resolves to the absolute root");
	free(root);
	is_int(ws_find(".", &root, &err), 0, "find from '.'");
	is_str(root, real, "'.' finds the root");
	free(root);
	ok(chdir(cwd) == 0, "chdir back");

	/* A nested workspace wins over the outer one. */
	touch(at("ws/a/b/drip.yaml"));
	is_int(ws_find(at("ws/a/b/c"), &root, &err), 0, "find the nearest workspace");
	like(root, "/ws/a/b", "nearest drip.yaml wins");
	free(root);
	unlink(at("ws/a/b/drip.yaml"));

	/* A directory called drip.yaml is not a workspace marker. */
	ok(mkdir(at("lone"), 0755) == 0 && mkdir(at("lone/drip.yaml"), 0755) == 0,
	   "directory named drip.yaml");
	root = (char *)1;
	err_clear(&err);
	is_int(ws_find(at("lone"), &root, &err), -1, "no workspace outside one");
	ok(root == NULL, "root is NULL on failure");
	is_int(err.code, DRIP_ENOINPUT, "not-a-workspace is DRIP_ENOINPUT");
	free(real);
	real = realpath(at("lone"), NULL);
	snprintf(want, sizeof want,
		 "not a drip workspace (no drip.yaml in '%s' or above); run 'drip init' first",
		 real);
	is_str(err.msg, want, "not-a-workspace message, exactly");
	is_str(err.file, "", "not-a-workspace has no file location");
	free(real);

	err_clear(&err);
	is_int(ws_find(at("no/such/dir"), &root, &err), -1, "missing start fails");
	is_int(err.code, DRIP_ENOINPUT, "missing start is DRIP_ENOINPUT");
	like(err.msg, "No such file or directory", "missing start says why");
}

static void
test_lock_basic(void)
{
	struct drip_err err;
	struct stat st;
	int fd = -1, fd2 = -1, flags;
	double t0, dt;

	err_clear(&err);
	is_int(ws_lock(at("ws"), 0, &fd, &err), 0, "take the lock");
	ok(fd >= 0, "lock fd returned");
	ok(stat(at("ws/.drip"), &st) == 0 && (st.st_mode & 07777) == 0700, ".drip made 0700");
	ok(stat(at("ws/.drip/lock"), &st) == 0 && (st.st_mode & 07777) == 0600, "lock file 0600");
	flags = fcntl(fd, F_GETFD);
	ok(flags >= 0 && (flags & FD_CLOEXEC), "lock fd is close-on-exec");

	/* flock conflicts between two opens even in one process. */
	err_clear(&err);
	fd2 = 123;
	is_int(ws_lock(at("ws"), 0, &fd2, &err), -1, "second lock fails at once");
	is_int(err.code, DRIP_ETEMP, "held lock is DRIP_ETEMP (75)");
	is_str(err.msg, "another drip command holds the lock", "held lock message, exactly");
	is_int(fd2, -1, "no fd on failure");

	t0 = now_s();
	is_int(ws_lock(at("ws"), 1, &fd2, &err), -1, "second lock fails after waiting");
	dt = now_s() - t0;
	ok(dt >= 0.95 && dt < 3.0, "waited about one second (%.2f s)", dt);
	ws_unlock(fd);
	is_int(ws_lock(at("ws"), 0, &fd2, &err), 0, "lock again after unlock");
	ws_unlock(fd2);
	ws_unlock(-1);

	/* The lock directory cannot be made under a file. */
	touch(at("plainfile"));
	err_clear(&err);
	is_int(ws_lock(at("plainfile"), 0, &fd, &err), -1, "lock under a file fails");
	is_int(err.code, DRIP_EFAIL, "lock setup failure is DRIP_EFAIL");
	like(err.msg, "cannot create directory '", "lock setup failure message");
}

static void
test_lock_child(void)
{
	struct drip_err err;
	int p[2], fd = -1, status = 0;
	pid_t pid;
	char c;
	double t0, dt;

	ok(pipe(p) == 0, "pipe");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct drip_err cerr;
		int cfd;

		close(p[0]);
		if (ws_lock(at("ws"), 0, &cfd, &cerr) < 0)
			_exit(2);
		if (write(p[1], "L", 1) != 1)
			_exit(3);
		usleep(1500000);
		_exit(0);
	}
	close(p[1]);
	ok(pid > 0 && read(p[0], &c, 1) == 1, "child took the lock");
	close(p[0]);

	err_clear(&err);
	t0 = now_s();
	is_int(ws_lock(at("ws"), 0, &fd, &err), -1, "lock held by a child: no wait fails");
	is_int(err.code, 75, "exit code 75");
	is_str(err.msg, "another drip command holds the lock", "message while the child holds it");
	ok(now_s() - t0 < 0.5, "no wait means no waiting");

	/* Waiting long enough outlasts the child. */
	t0 = now_s();
	is_int(ws_lock(at("ws"), 10, &fd, &err), 0, "lock taken once the child exits");
	dt = now_s() - t0;
	ok(dt > 0.5 && dt < 5, "waited for the child (%.2f s)", dt);
	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "child exited cleanly");
	ws_unlock(fd);
}

/* A child that execs must not keep the lock: the parent "exits" (closes
 * its fd without unlocking) while the exec'd child lives on. */
static void
test_lock_cloexec(void)
{
	struct drip_err err;
	int p[2], fd = -1, fd2 = -1, status;
	pid_t pid;
	char c;

	err_clear(&err);
	is_int(ws_lock(at("ws"), 0, &fd, &err), 0, "parent takes the lock");
	ok(pipe(p) == 0 && fcntl(p[1], F_SETFD, FD_CLOEXEC) == 0, "close-on-exec pipe");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *const argv[] = { "sleep", "5", NULL };

		close(p[0]);
		execv("/bin/sleep", argv);
		_exit(127);
	}
	close(p[1]);
	/* EOF on the pipe means the child has exec'd (or died). */
	ok(pid > 0 && read(p[0], &c, 1) == 0, "child exec'd");
	close(p[0]);
	close(fd);
	is_int(ws_lock(at("ws"), 0, &fd2, &err), 0, "exec'd child does not hold the lock");
	ws_unlock(fd2);
	kill(pid, SIGTERM);
	ok(waitpid(pid, &status, 0) == pid, "reaped the exec'd child");
}

static void
test_ids(void)
{
	char s65[66], s64[65], c128[129], c129[130];

	memset(s64, 'a', 64);
	s64[64] = '\0';
	memset(s65, 'a', 65);
	s65[65] = '\0';
	memset(c128, 'Z', 128);
	c128[128] = '\0';
	memset(c129, 'Z', 129);
	c129[129] = '\0';

	ok(ws_valid_id("a"), "id: one letter");
	ok(ws_valid_id("0"), "id: one digit");
	ok(ws_valid_id("onboarding"), "id: word");
	ok(ws_valid_id("trial-2_b"), "id: - and _ inside");
	ok(ws_valid_id("9lives-"), "id: digit first, - last");
	ok(ws_valid_id(s64), "id: 64 chars");
	ok(!ws_valid_id(s65), "id: 65 chars refused");
	ok(!ws_valid_id(""), "id: empty refused");
	ok(!ws_valid_id(NULL), "id: NULL refused");
	ok(!ws_valid_id("-a"), "id: leading - refused");
	ok(!ws_valid_id("_a"), "id: leading _ refused");
	ok(!ws_valid_id("Onboarding"), "id: uppercase first refused");
	ok(!ws_valid_id("onBoarding"), "id: uppercase inside refused");
	ok(!ws_valid_id("a/b"), "id: / refused");
	ok(!ws_valid_id(".."), "id: .. refused");
	ok(!ws_valid_id("a.b"), "id: . refused");
	ok(!ws_valid_id("a b"), "id: space refused");
	ok(!ws_valid_id("caf\xc3\xa9"), "id: non-ASCII refused");

	ok(ws_valid_contact_id("C1"), "contact: C1");
	ok(ws_valid_contact_id("jane.doe+crm@example.com"), "contact: email-like");
	ok(ws_valid_contact_id("a_b-c"), "contact: _ and -");
	ok(ws_valid_contact_id("a..b"), "contact: .. inside is allowed by the pattern");
	ok(ws_valid_contact_id(c128), "contact: 128 chars");
	ok(!ws_valid_contact_id(c129), "contact: 129 chars refused");
	ok(!ws_valid_contact_id(""), "contact: empty refused");
	ok(!ws_valid_contact_id(NULL), "contact: NULL refused");
	ok(!ws_valid_contact_id(".."), "contact: .. refused");
	ok(!ws_valid_contact_id(".a"), "contact: leading . refused");
	ok(!ws_valid_contact_id("-a"), "contact: leading - refused");
	ok(!ws_valid_contact_id("@a"), "contact: leading @ refused");
	ok(!ws_valid_contact_id("a/b"), "contact: / refused");
	ok(!ws_valid_contact_id("a b"), "contact: space refused");
	ok(!ws_valid_contact_id("a\n"), "contact: newline refused");
	ok(!ws_valid_contact_id("a:b"), "contact: : refused");
}

int
main(void)
{
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_find();
	test_lock_basic();
	test_lock_child();
	test_lock_cloexec();
	test_ids();
	rm_rf(base);
	return tap_done();
}
