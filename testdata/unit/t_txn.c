/*
 * t_txn.c - a command's change, all or nothing: the commit lands, or the
 * files go back (in the same run, or in the next one after a kill); git's
 * lock files and a detached HEAD refused before anything is written; the
 * compare-and-swap rebuilds on top of a foreign commit; tick's kept files.
 */
#include "tap.h"

#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "store.h"
#include "txn.h"

#include <git2.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOW 1700000000

static char base[] = "/tmp/drip-t-txn-XXXXXX";

#include "tmpdir.h"

static void
put(const char *path, const char *text)
{
	struct drip_err err;

	if (fsio_write_atomic(path, text, strlen(text), 0644, &err) < 0) {
		printf("# cannot write %s: %s\n", path, err.msg);
		abort();
	}
}

/* The content of a file, or "(none)". */
static const char *
slurp(const char *path)
{
	static char buf[4][4096];
	static int next;
	char *b = buf[next++ % 4];
	struct sbuf sb = SBUF_INIT;
	struct drip_err err;

	if (fsio_read(path, 0, &sb, &err) < 0)
		snprintf(b, sizeof buf[0], "(none)");
	else
		snprintf(b, sizeof buf[0], "%s", sbuf_str(&sb));
	sbuf_release(&sb);
	return b;
}

static int
run(const char *const *argv, struct sbuf *out)
{
	int p[2], status;
	pid_t pid;
	char buf[4096];
	ssize_t n;

	if (pipe(p) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 1);
		execv("/usr/bin/git", (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof buf)) > 0)
		if (out)
			sbuf_add(out, buf, (size_t)n);
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* `git status --porcelain`, "" when clean. */
static const char *
status(const char *dir)
{
	static char buf[4096];
	const char *argv[] = { "git", "-C", dir, "status", "--porcelain", "--untracked-files=all",
			       NULL };
	struct sbuf sb = SBUF_INIT;

	if (run(argv, &sb) != 0)
		sbuf_adds(&sb, "(git status failed)");
	snprintf(buf, sizeof buf, "%s", sbuf_str(&sb));
	sbuf_release(&sb);
	return buf;
}

static int
count_commits(const char *dir)
{
	const char *argv[] = { "git", "-C", dir, "rev-list", "--count", "HEAD", NULL };
	struct sbuf sb = SBUF_INIT;
	int n = run(argv, &sb) == 0 ? atoi(sbuf_str(&sb)) : -1;

	sbuf_release(&sb);
	return n;
}

static int
txn_dir_empty(const char *dir)
{
	char p[1024];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(p, sizeof p, "%s/" TXN_DIR, dir);
	d = opendir(p);
	if (d == NULL)
		return 1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n == 0;
}

/* A repository with contacts.csv committed, the workspace's .gitignore. */
static struct store *
fresh_repo(const char *dir)
{
	const char *paths[] = { "contacts.csv", ".gitignore" };
	struct store *s = NULL;
	struct drip_err err;
	char p[1024];
	int committed;

	if (store_init(dir, &err) < 0 || store_open(dir, &s, &err) < 0)
		abort();
	snprintf(p, sizeof p, "%s/contacts.csv", dir);
	put(p, "id,email\nada,ada@example.com\n");
	snprintf(p, sizeof p, "%s/.gitignore", dir);
	put(p, ".drip/\ninbox/\noutbox/\n");
	if (store_commit(s, paths, 2, "first", NOW, &committed, NULL, &err) < 0)
		abort();
	return s;
}

static const struct txn_change two[] = {
	{ "contacts.csv", "id,email\nada,ada@example.com\nbob,bob@example.com\n", 49, 0 },
	{ "log/2026-11.csv", "time\n", 5, 0 },
};

static void
test_apply(void)
{
	const char *dir = at("apply");
	struct store *s = fresh_repo(dir);
	struct drip_err err;
	int committed = -1;

	is_int(txn_apply(s, dir, two, 2, "two files\n", NOW + 60, &committed, &err), 0,
	       "apply: commits");
	is_int(committed, 1, "apply: committed");
	is_str(slurp(at("apply/contacts.csv")), two[0].data, "apply: new contacts.csv");
	is_str(slurp(at("apply/log/2026-11.csv")), "time\n", "apply: new log");
	is_int(count_commits(dir), 2, "apply: one commit");
	is_str(status(dir), "", "apply: clean");
	ok(!fsio_exists(at("apply/" TXN_JOURNAL)) && txn_dir_empty(dir),
	   "apply: journal and kept files gone");
	store_close(s);
}

/* Fail the branch move: its lock appears just before. */
static void
lock_ref(void *arg)
{
	char p[1024];

	snprintf(p, sizeof p, "%s/.git/refs/heads/main.lock", (const char *)arg);
	put(p, "");
}

static void
test_rollback(void)
{
	const char *dir = at("undo");
	struct store *s = fresh_repo(dir);
	struct drip_err err;
	char before[64];
	int committed = -1;

	snprintf(before, sizeof before, "%s", slurp(at("undo/contacts.csv")));
	store_set_before_update(s, lock_ref, (void *)dir);
	is_int(txn_apply(s, dir, two, 2, "two files\n", NOW + 60, &committed, &err), -1,
	       "rollback: a failed branch move fails");
	is_int(err.code, DRIP_ETEMP, "rollback: a held ref lock is 75");
	is_int(committed, 0, "rollback: nothing committed");
	is_str(slurp(at("undo/contacts.csv")), before, "rollback: old contacts.csv back");
	ok(!fsio_exists(at("undo/log/2026-11.csv")) && !fsio_exists(at("undo/log")),
	   "rollback: the new file and its new directory gone");
	ok(!fsio_exists(at("undo/" TXN_JOURNAL)) && txn_dir_empty(dir),
	   "rollback: journal and kept files gone");
	unlink(at("undo/.git/refs/heads/main.lock"));
	is_str(status(dir), "", "rollback: clean");
	is_int(count_commits(dir), 1, "rollback: no commit");
	store_close(s);
}

/* Someone commits just before our branch move, once. */
static void
foreign(void *arg)
{
	static int done;
	char p[1024];
	const char *add[] = { "git", "-C", arg, "add", "other.txt", NULL };
	const char *commit[] = { "git", "-C", arg, "-c", "user.name=F", "-c", "user.email=f@x",
				 "commit", "-qm", "foreign", NULL };

	if (done++)
		return;
	snprintf(p, sizeof p, "%s/other.txt", (const char *)arg);
	put(p, "x\n");
	run(add, NULL);
	run(commit, NULL);
}

static void
test_cas(void)
{
	const char *dir = at("cas");
	struct store *s = fresh_repo(dir);
	struct drip_err err;
	int committed = -1;

	store_set_before_update(s, foreign, (void *)dir);
	is_int(txn_apply(s, dir, two, 2, "ours\n", NOW + 60, &committed, &err), 0,
	       "cas: commits after a foreign commit in between");
	is_int(count_commits(dir), 3, "cas: ours on top of theirs");
	ok(fsio_exists(at("cas/other.txt")), "cas: their file kept");
	is_str(status(dir), "", "cas: clean");
	store_close(s);
}

/* Die where a kill would: after the files are written, before the branch
 * moves. */
static void
die(void *arg)
{
	(void)arg;
	_exit(9);
}

static void
test_killed_undone(void)
{
	const char *dir = at("kill");
	struct store *s = fresh_repo(dir);
	struct drip_err err;
	char before[64];
	int st, did = -1;
	pid_t pid;

	snprintf(before, sizeof before, "%s", slurp(at("kill/contacts.csv")));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int c;

		store_set_before_update(s, die, NULL);
		txn_apply(s, dir, two, 2, "killed\n", NOW + 60, &c, &err);
		_exit(0);
	}
	ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 9,
	   "killed: the child died before the branch moved");
	ok(fsio_exists(at("kill/" TXN_JOURNAL)), "killed: the journal is left");
	is_str(slurp(at("kill/contacts.csv")), two[0].data, "killed: the new file is in place");
	is_int(txn_recover(s, dir, &did, &err), 0, "killed: recover");
	is_int(did, 1, "killed: recover found the journal");
	is_str(slurp(at("kill/contacts.csv")), before, "killed: old contacts.csv back");
	ok(!fsio_exists(at("kill/log/2026-11.csv")), "killed: the new file gone");
	ok(txn_dir_empty(dir), "killed: journal and kept files gone");
	is_str(status(dir), "", "killed: clean");
	is_int(count_commits(dir), 1, "killed: no commit");
	store_close(s);
}

static void
test_landed(void)
{
	const char *dir = at("landed");
	struct store *s = fresh_repo(dir);
	const char *stale[] = { "git", "-C", dir, "read-tree", "HEAD~1", NULL };
	struct drip_err err;
	char j[256], head[64];
	int did = -1;

	store_head(s, head, &err);
	put(at("landed/.drip/txn/0"), slurp(at("landed/contacts.csv")));
	is_int(txn_apply(s, dir, two, 1, "landed\n", NOW + 60, NULL, &err), 0, "landed: apply");
	/* As if killed after the branch moved, before the index was written. */
	is_int(run(stale, NULL), 0, "landed: index back to the old tree");
	snprintf(j, sizeof j, "drip-txn 1\nhead %s\nb contacts.csv\n", head);
	put(at("landed/" TXN_JOURNAL), j);
	put(at("landed/.drip/txn/0"), "id,email\n");
	ok(strstr(status(dir), "contacts.csv") != NULL, "landed: git sees the index lag");
	is_int(txn_recover(s, dir, &did, &err), 0, "landed: recover");
	is_int(did, 1, "landed: found the journal");
	is_str(slurp(at("landed/contacts.csv")), two[0].data, "landed: the change stays");
	is_str(status(dir), "", "landed: the index caught up");
	ok(txn_dir_empty(dir), "landed: journal and kept files gone");
	is_int(count_commits(dir), 2, "landed: no extra commit");

	/* Kept files without a journal: a command killed before it wrote
	 * one; nothing had changed. */
	put(at("landed/.drip/txn/0"), "junk\n");
	is_int(txn_recover(s, dir, &did, &err), 0, "stray: recover");
	is_int(did, 0, "stray: no journal");
	ok(txn_dir_empty(dir), "stray: kept files swept");

	put(at("landed/" TXN_JOURNAL), "something else\n");
	is_int(txn_recover(s, dir, &did, &err), -1, "bad journal refused");
	is_int(err.code, DRIP_EDATA, "bad journal is 65");
	like(err.msg, "not a journal drip can read", "bad journal message");
	unlink(at("landed/" TXN_JOURNAL));
	store_close(s);
}

static void
test_ready(void)
{
	const char *dir = at("ready");
	struct store *s = fresh_repo(dir);
	const char *detach[] = { "git", "-C", dir, "checkout", "-q", "--detach", NULL };
	const char *attach[] = { "git", "-C", dir, "checkout", "-q", "main", NULL };
	struct txn_unlocked u[4];
	struct timeval old[2];
	struct drip_err err;
	size_t n = 9;
	time_t now = time(NULL);

	is_int(txn_ready(s, 3600, -1, u, 4, &n, &err), 0, "ready: a sound repository");
	is_int((int)n, 0, "ready: nothing removed");
	put(at("ready/.git/index.lock"), "");
	is_int(txn_ready(s, 3600, -1, u, 4, &n, &err), -1, "ready: a fresh index.lock refused");
	is_int(err.code, DRIP_ETEMP, "ready: 75");
	like(err.msg, "'.git/index.lock' exists; another git command is running",
	     "ready: the lock named");
	ok(fsio_exists(at("ready/.git/index.lock")), "ready: a fresh lock stays");
	old[0].tv_sec = old[1].tv_sec = now - 7200;
	old[0].tv_usec = old[1].tv_usec = 0;
	utimes(at("ready/.git/index.lock"), old);
	put(at("ready/.git/refs/heads/main.lock"), "");
	utimes(at("ready/.git/refs/heads/main.lock"), old);
	is_int(txn_ready(s, 3600, -1, u, 4, &n, &err), 0, "ready: stale locks removed");
	is_int((int)n, 2, "ready: two removed");
	is_str(u[0].path, ".git/index.lock", "ready: index.lock listed");
	is_str(u[1].path, ".git/refs/heads/main.lock", "ready: the ref lock listed");
	ok(u[0].age >= 7200 && u[0].age < 7300, "ready: its age");
	ok(!fsio_exists(at("ready/.git/index.lock")), "ready: gone");
	is_int(run(detach, NULL), 0, "detach HEAD");
	is_int(txn_ready(s, 3600, -1, u, 4, &n, &err), -1, "ready: a detached HEAD refused");
	is_int(err.code, DRIP_ECONFIG, "ready: 78");
	like(err.msg, "HEAD is detached", "ready: says so");
	run(attach, NULL);
	store_close(s);
}

static void
test_sweep(void)
{
	const char *dir = at("sweep");
	struct store *s = fresh_repo(dir);
	struct drip_err err;
	char live[128], dead[128];
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &st, 0);
	snprintf(live, sizeof live, "sweep/inbox/.e1.csv.tmp-%ld", (long)getpid());
	snprintf(dead, sizeof dead, "sweep/inbox/.e2.csv.tmp-%ld", (long)pid);
	put(at(live), "x");
	put(at(dead), "x");
	put(at("sweep/.contacts.csv.tmp-1"), "x");
	put(at("sweep/outbox/tmp/m1"), "x");
	is_int(txn_recover(s, dir, NULL, &err), 0, "sweep: recover");
	ok(!fsio_exists(at("sweep/.contacts.csv.tmp-1")), "sweep: a temporary file goes");
	ok(!fsio_exists(at("sweep/outbox/tmp/m1")), "sweep: a staged message goes");
	ok(fsio_exists(at(live)), "sweep: an inbox file being written stays");
	ok(!fsio_exists(at(dead)), "sweep: an inbox file of a dead process goes");
	store_close(s);
}

static void
test_tick(void)
{
	const char *dir = at("tick");
	struct store *s = fresh_repo(dir);
	const char *paths[] = { "state/clock.csv", "log/2026-11.csv" };
	struct drip_err err;
	char head[64], marker[128];
	int committed, did = -1, fd;

	put(at("tick/state/clock.csv"), "slot\n2026-11-24T10:00:00Z\n");
	put(at("tick/log/2026-11.csv"), "time\nrow1\n");
	store_commit(s, paths, 2, "state", NOW, &committed, NULL, &err);
	is_int(txn_tick_keep(dir, 0, &err), 0, "tick: keep");
	ok(fsio_exists(at("tick/" TXN_TICK_KEEP "/list")), "tick: the keep list");
	store_head(s, head, &err);
	snprintf(marker, sizeof marker, "%s\n", head);
	put(at("tick/" TXN_TICK_PENDING), marker);
	/* The run: one file replaced, one appended in place, one made. */
	put(at("tick/state/clock.csv"), "slot\n2026-11-24T10:20:00Z\n");
	fd = open(at("tick/log/2026-11.csv"), O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, "row2\n", 5) == 5, "tick: append in place");
	close(fd);
	put(at("tick/log/2026-12.csv"), "time\n");
	is_int(txn_recover(s, dir, &did, &err), 0, "tick: recover");
	is_int(did, 1, "tick: found the marker");
	is_str(slurp(at("tick/state/clock.csv")), "slot\n2026-11-24T10:00:00Z\n",
	       "tick: the replaced file is back");
	is_str(slurp(at("tick/log/2026-11.csv")), "time\nrow1\n", "tick: the appended log cut back");
	ok(!fsio_exists(at("tick/log/2026-12.csv")), "tick: the new file gone");
	ok(!fsio_exists(at("tick/" TXN_TICK_PENDING)) && !fsio_exists(at("tick/" TXN_TICK_KEEP "/list")),
	   "tick: marker and kept files gone");
	is_str(status(dir), "", "tick: clean");
	store_close(s);
}

int
main(void)
{
	char home[1024];

	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(home, sizeof home, "%s/home", base);
	mkdir(home, 0700);
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "A", 1);
	setenv("GIT_AUTHOR_EMAIL", "a@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "C", 1);
	setenv("GIT_COMMITTER_EMAIL", "c@example.com", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	test_apply();
	test_rollback();
	test_cas();
	test_killed_undone();
	test_landed();
	test_ready();
	test_sweep();
	test_tick();
	rm_rf(base);
	return tap_done();
}
