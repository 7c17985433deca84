/*
 * t_store.c - commits through libgit2: nested paths, deletions, no-op
 * commits, determinism, identities, foreign edits, the compare-and-swap
 * of the branch, git's lock files, and a clean index afterwards.
 */
#include "tap.h"

#include "err.h"
#include "sbuf.h"
#include "store.h"

#include <git2.h>

#include <dirent.h>
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

/* A fixed --now: 2023-11-14T22:13:20Z. */
#define NOW 1700000000

static char base[] = "/tmp/drip-t-store-XXXXXX";

#include "tmpdir.h"

/* Write a file, making its parent directories. */
static void
put(const char *path, const char *text)
{
	char dir[1024], *slash;
	FILE *f;

	snprintf(dir, sizeof dir, "%s", path);
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		printf("# cannot write %s\n", path);
		abort();
	}
}

/*
 * Run /usr/bin/git with a fixed argv (no shell), its stdout captured in out
 * (may be NULL).  Returns the exit status, or -1.
 */
static int
run_git(const char *const *argv, struct sbuf *out)
{
	int p[2], status;
	pid_t pid;
	char buf[4096];
	ssize_t n;

	if (pipe(p) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		if (dup2(p[1], 1) < 0)
			_exit(126);
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

static int
git_fsck(const char *dir)
{
	const char *argv[] = { "git", "-C", dir, "fsck", "--strict", "--no-dangling",
			       "--no-progress", NULL };

	return run_git(argv, NULL);
}

/* `git status --porcelain` as git itself sees it. */
static char *
git_status(const char *dir)
{
	const char *argv[] = { "git", "-C", dir, "status", "--porcelain",
			       "--untracked-files=all", NULL };
	struct sbuf sb = SBUF_INIT;

	if (run_git(argv, &sb) != 0)
		sbuf_adds(&sb, "(git status failed)");
	return sbuf_detach(&sb, NULL);
}

/* A commit by someone else, through the git command. */
static int
foreign_commit(const char *dir, const char *file, const char *text)
{
	char path[1024];
	const char *add[] = { "git", "-C", dir, "add", "--", file, NULL };
	const char *commit[] = { "git", "-C", dir, "-c", "user.name=Foreign",
				 "-c", "user.email=foreign@example.com", "commit", "-q",
				 "-m", "foreign change", NULL };

	snprintf(path, sizeof path, "%s/%s", dir, file);
	put(path, text);
	if (run_git(add, NULL) != 0)
		return -1;
	return run_git(commit, NULL);
}

/* The commit HEAD points at, looked up through a fresh handle *repo that
 * the caller frees after the commit (objects do not own their repository). */
static git_commit *
head_commit(const char *dir, git_repository **repo)
{
	git_reference *ref = NULL;
	git_commit *c = NULL;

	*repo = NULL;
	if (git_repository_open(repo, dir) == 0 && git_repository_head(&ref, *repo) == 0)
		git_commit_lookup(&c, *repo, git_reference_target(ref));
	git_reference_free(ref);
	return c;
}

static char *
head_hex(const char *dir)
{
	git_repository *repo;
	git_commit *c = head_commit(dir, &repo);
	char *s = NULL;

	if (c) {
		s = malloc(GIT_OID_HEXSZ + 1);
		git_oid_tostr(s, GIT_OID_HEXSZ + 1, git_commit_id(c));
	}
	git_commit_free(c);
	git_repository_free(repo);
	return s;
}

/* Number of commits reachable from HEAD along first parents; -1 if any
 * commit has more than one parent (the history is not linear). */
static int
history_length(const char *dir)
{
	git_repository *repo;
	git_commit *c = head_commit(dir, &repo), *p;
	int n = 0;

	while (c) {
		n++;
		if (git_commit_parentcount(c) > 1) {
			git_commit_free(c);
			git_repository_free(repo);
			return -1;
		}
		p = NULL;
		if (git_commit_parentcount(c) == 1 && git_commit_parent(&p, c, 0) < 0)
			p = NULL;
		git_commit_free(c);
		c = p;
	}
	git_repository_free(repo);
	return n;
}

/* Does HEAD's tree have path?  Returns its file mode, or 0. */
static int
head_has(const char *dir, const char *path)
{
	git_repository *repo;
	git_commit *c = head_commit(dir, &repo);
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	int mode = 0;

	if (c && git_commit_tree(&t, c) == 0 && git_tree_entry_bypath(&e, t, path) == 0)
		mode = (int)git_tree_entry_filemode(e);
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	git_repository_free(repo);
	return mode;
}

/* libgit2's status entries for the repository, untracked files included. */
static int
status_count(const char *dir)
{
	git_status_options opts = GIT_STATUS_OPTIONS_INIT;
	git_repository *repo = NULL;
	git_status_list *list = NULL;
	int n = -1;

	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
	if (git_repository_open(&repo, dir) == 0 &&
	    git_status_list_new(&list, repo, &opts) == 0)
		n = (int)git_status_list_entrycount(list);
	git_status_list_free(list);
	git_repository_free(repo);
	return n;
}

static int
index_has(const char *dir, const char *path)
{
	git_repository *repo = NULL;
	git_index *idx = NULL;
	int found = -1;

	if (git_repository_open(&repo, dir) == 0 && git_repository_index(&idx, repo) == 0)
		found = git_index_get_bypath(idx, path, 0) != NULL;
	git_index_free(idx);
	git_repository_free(repo);
	return found;
}

static void
isolate_environment(const char *home)
{
	static const int levels[] = { GIT_CONFIG_LEVEL_PROGRAMDATA, GIT_CONFIG_LEVEL_SYSTEM,
				      GIT_CONFIG_LEVEL_XDG, GIT_CONFIG_LEVEL_GLOBAL };
	size_t i;

	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("TZ", "UTC", 1);
	setenv("LC_ALL", "C", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_CONFIG");
	unsetenv("GIT_CONFIG_GLOBAL");
	unsetenv("GIT_CONFIG_SYSTEM");
	unsetenv("GIT_AUTHOR_NAME");
	unsetenv("GIT_AUTHOR_EMAIL");
	unsetenv("GIT_COMMITTER_NAME");
	unsetenv("GIT_COMMITTER_EMAIL");
	/* The test holds its own libgit2 reference so these settings last
	 * across store_open/store_close. */
	git_libgit2_init();
	for (i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], home) < 0)
			printf("# cannot set a libgit2 search path\n");
}

static void
test_init_open(void)
{
	struct drip_err err;
	struct store *s = NULL;
	struct sbuf sb = SBUF_INIT;
	FILE *f;
	char head[64] = "";

	err_clear(&err);
	is_int(store_init(at("r1"), &err), 0, "init makes a repository (and its directory)");
	f = fopen(at("r1/.git/HEAD"), "r");
	ok(f && fgets(head, sizeof head, f) != NULL, "HEAD readable");
	if (f)
		fclose(f);
	is_str(head, "ref: refs/heads/main\n", "initial branch is main");
	put(at("r1/.git/drip-marker"), "x");
	is_int(store_init(at("r1"), &err), 0, "init of an existing repository succeeds");
	ok(access(at("r1/.git/drip-marker"), F_OK) == 0, "existing repository left alone");

	put(at("plain"), "not a dir\n");
	err_clear(&err);
	is_int(store_init(at("plain/sub"), &err), -1, "init under a file fails");
	is_int(err.code, DRIP_EFAIL, "init failure is DRIP_EFAIL");
	ok(err.msg[0] != '\0', "init failure has a message (%s)", err.msg);

	ok(mkdir(at("notrepo"), 0755) == 0, "make a plain directory");
	err_clear(&err);
	s = (struct store *)1;
	is_int(store_open(at("notrepo"), &s, &err), -1, "open of a non-repository fails");
	ok(s == NULL, "no store on failure");
	is_int(err.code, DRIP_ENOINPUT, "non-repository is DRIP_ENOINPUT");
	like(err.msg, "notrepo' is not a git repository; run 'drip init' first",
	     "non-repository message");
	store_close(NULL);

	is_int(store_open(at("r1"), &s, &err), 0, "open the new repository");
	is_int(store_read_head(s, "contacts.csv", &sb, &err), 1, "read_head on unborn: absent");
	{
		const char *paths[] = { "contacts.csv" };

		is_int(store_check_clean(s, paths, 1, &err), 0, "check_clean on unborn passes");
	}
	store_close(s);
	sbuf_release(&sb);
}

static void
test_commits(void)
{
	git_repository *hrepo = NULL;
	const char *dir = at("r1");
	const char *first[] = { "drip.yaml", "contacts.csv",
				"state/published/onboarding/sequence.yaml" };
	struct drip_err err;
	struct store *s = NULL;
	struct sbuf sb = SBUF_INIT;
	char hex[41], hex2[41], *st;
	git_commit *c;
	int committed = -1;

	put(at("r1/drip.yaml"), "timezone: UTC\n");
	put(at("r1/contacts.csv"), "id,email\n");
	put(at("r1/state/published/onboarding/sequence.yaml"), "id: onboarding\n");
	err_clear(&err);
	is_int(store_open(dir, &s, &err), 0, "open");

	is_int(store_commit(s, first, 3, "init\n\nDrip-Command: init\nDrip-Now: 2023-11-14T22:13:20Z",
			    NOW, &committed, hex, &err), 0, "first commit on an unborn branch");
	is_int(committed, 1, "first commit made");
	is_int(strlen(hex), 40, "commit id is 40 hex digits");
	st = head_hex(dir);
	is_str(hex, st, "HEAD is the new commit");
	free(st);
	c = head_commit(dir, &hrepo);
	ok(c != NULL, "HEAD commit readable");
	if (c) {
		is_int(git_commit_parentcount(c), 0, "first commit has no parent");
		is_str(git_commit_message(c), "init\n\nDrip-Command: init\nDrip-Now: 2023-11-14T22:13:20Z\n",
		       "message kept, with a final newline added");
		is_str(git_commit_author(c)->name, "drip", "fallback author name");
		is_str(git_commit_author(c)->email, "drip@localhost", "fallback author email");
		is_int(git_commit_author(c)->when.time, NOW, "author time is --now");
		is_int(git_commit_author(c)->when.offset, 0, "author time is UTC");
		is_str(git_commit_committer(c)->name, "drip", "committer is the same identity");
		is_int(git_commit_committer(c)->when.time, NOW, "committer time is --now");
	}
	git_commit_free(c);
	git_repository_free(hrepo);
	is_int(head_has(dir, "state/published/onboarding/sequence.yaml"), 0100644,
	       "nested path committed as 100644");
	is_int(head_has(dir, "drip.yaml"), 0100644, "top-level file committed");

	is_int(store_read_head(s, "state/published/onboarding/sequence.yaml", &sb, &err), 0,
	       "read_head of a nested file");
	is_str(sbuf_str(&sb), "id: onboarding\n", "read_head contents");
	sbuf_reset(&sb);
	is_int(store_read_head(s, "nope.csv", &sb, &err), 1, "read_head of an absent file");
	err_clear(&err);
	is_int(store_read_head(s, "state/published", &sb, &err), -1, "read_head of a directory");
	like(err.msg, "'state/published' is not a file at HEAD", "read_head directory message");
	err_clear(&err);
	is_int(store_read_head(s, "../etc/passwd", &sb, &err), -1, "read_head refuses ..");
	like(err.msg, "'../etc/passwd' is not a path inside the workspace", "read_head path message");

	is_int(status_count(dir), 0, "libgit2 status clean after the first commit");
	st = git_status(dir);
	is_str(st, "", "git status clean after the first commit");
	free(st);

	/* The same files again: nothing to commit. */
	committed = -1;
	is_int(store_commit(s, first, 3, "again", NOW + 60, &committed, hex2, &err), 0,
	       "commit of unchanged files");
	is_int(committed, 0, "unchanged tree: committed 0");
	is_str(hex2, hex, "unchanged: oid_hex is HEAD");
	is_int(history_length(dir), 1, "no commit added");

	/* One file changed; the others stay in the tree. */
	put(at("r1/contacts.csv"), "id,email\nc1,a@example.com\n");
	{
		const char *one[] = { "contacts.csv" };

		is_int(store_commit(s, one, 1, "enroll c1", NOW + 600, &committed, hex2, &err), 0,
		       "second commit");
		is_int(committed, 1, "second commit made");
	}
	c = head_commit(dir, &hrepo);
	ok(c && git_commit_parentcount(c) == 1, "second commit has one parent");
	if (c) {
		char ph[41];

		git_oid_tostr(ph, sizeof ph, git_commit_parent_id(c, 0));
		is_str(ph, hex, "parent is the first commit");
	}
	git_commit_free(c);
	git_repository_free(hrepo);
	ok(head_has(dir, "drip.yaml") && head_has(dir, "state/published/onboarding/sequence.yaml"),
	   "untouched files still in the tree");
	is_int(status_count(dir), 0, "status clean after the second commit");

	/* Deletion of the only file of a nested directory prunes the tree. */
	ok(unlink(at("r1/state/published/onboarding/sequence.yaml")) == 0, "delete nested file");
	{
		const char *del[] = { "state/published/onboarding/sequence.yaml" };

		is_int(store_commit(s, del, 1, "unpublish", NOW + 700, &committed, NULL, &err), 0,
		       "commit a deletion");
		is_int(committed, 1, "deletion committed");
	}
	is_int(head_has(dir, "state/published/onboarding/sequence.yaml"), 0, "file gone from HEAD");
	is_int(head_has(dir, "state"), 0, "empty directories pruned from the tree");
	is_int(store_read_head(s, "state/published/onboarding/sequence.yaml", &sb, &err), 1,
	       "read_head of the deleted file: absent");
	is_int(index_has(dir, "state/published/onboarding/sequence.yaml"), 0,
	       "deleted file removed from the index");
	is_int(status_count(dir), 0, "status clean after the deletion");

	/* Removing a path that never existed is nothing to do. */
	{
		const char *ghost[] = { "ghost.csv", "state/x/y.csv" };

		is_int(store_commit(s, ghost, 2, "ghost", NOW + 800, &committed, NULL, &err), 0,
		       "commit of paths absent everywhere");
		is_int(committed, 0, "absent paths: committed 0");
	}

	/* An executable file, and a path given twice. */
	put(at("r1/hooks/run.sh"), "#!/bin/sh\n");
	ok(chmod(at("r1/hooks/run.sh"), 0755) == 0, "chmod +x");
	put(at("r1/tasks.csv"), "id\n");
	{
		const char *two[] = { "tasks.csv", "hooks/run.sh", "tasks.csv" };

		is_int(store_commit(s, two, 3, "exec", NOW + 900, &committed, NULL, &err), 0,
		       "commit with a duplicate path");
		is_int(committed, 1, "duplicate path commit made");
	}
	is_int(head_has(dir, "hooks/run.sh"), 0100755, "executable committed as 100755");
	is_int(head_has(dir, "tasks.csv"), 0100644, "duplicated path committed once");

	st = git_status(dir);
	is_str(st, "", "git status clean after all commits");
	free(st);
	is_int(history_length(dir), 4, "history is linear with four commits");
	is_int(git_fsck(dir), 0, "git fsck passes");
	store_close(s);
	sbuf_release(&sb);
}

static void
test_bad_paths(void)
{
	static const char *bad[] = { "/etc/passwd", "a/../b", ".git/config", "a//b", "",
				     "./x", "x/", "sub/.GIT/x" };
	struct drip_err err;
	struct store *s = NULL;
	size_t i;
	int committed;

	is_int(store_open(at("r1"), &s, &err), 0, "open");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *one[] = { bad[i] };

		err_clear(&err);
		is_int(store_commit(s, one, 1, "bad", NOW, &committed, NULL, &err), -1,
		       "refused path '%s'", bad[i]);
		like(err.msg, "is not a path inside the workspace", "bad path message for '%s'", bad[i]);
	}
	is_int(err.code, DRIP_EFAIL, "bad path is DRIP_EFAIL");

	ok(mkdir(at("r1/adir"), 0755) == 0, "make a directory");
	{
		const char *one[] = { "adir" };

		err_clear(&err);
		is_int(store_commit(s, one, 1, "dir", NOW, &committed, NULL, &err), -1,
		       "directory refused");
		is_str(err.msg, "cannot commit 'adir': not a regular file", "directory message");
	}
	ok(symlink("/etc/passwd", at("r1/link")) == 0, "make a symlink");
	{
		const char *one[] = { "link" };

		err_clear(&err);
		is_int(store_commit(s, one, 1, "link", NOW, &committed, NULL, &err), -1,
		       "symlink refused");
		is_str(err.msg, "cannot commit 'link': not a regular file", "symlink message");
	}
	unlink(at("r1/link"));
	rmdir(at("r1/adir"));
	is_int(history_length(at("r1")), 4, "refused commits added nothing");
	store_close(s);
}

static void
test_check_clean(void)
{
	const char *dir = at("r1");
	const char *want = "'contacts.csv' has uncommitted changes; commit or discard them, "
			   "then run drip again";
	const char *cc[] = { "contacts.csv" };
	const char *add[] = { "git", "-C", dir, "add", "contacts.csv", NULL };
	const char *rmc[] = { "git", "-C", dir, "rm", "-q", "--cached", "contacts.csv", NULL };
	const char *reset[] = { "git", "-C", dir, "reset", "-q", "--", "contacts.csv", NULL };
	struct drip_err err;
	struct store *s = NULL;
	struct sbuf orig = SBUF_INIT;
	int committed;

	is_int(store_open(dir, &s, &err), 0, "open");
	ok(store_read_head(s, "contacts.csv", &orig, &err) == 0, "keep HEAD's contacts.csv");
	{
		const char *all[] = { "contacts.csv", "drip.yaml", "hooks/run.sh", "new.csv" };

		err_clear(&err);
		is_int(store_check_clean(s, all, 4, &err), 0, "clean files pass");
	}

	/* The index vouches for a file whose size, inode and times it
	 * recorded; a change of the same size with its modification time put
	 * back still changes the change time, so the content is read. */
	{
		struct stat st0;
		struct timespec tv[2];
		char *same = strdup(sbuf_str(&orig));

		ok(stat(at("r1/contacts.csv"), &st0) == 0, "stat contacts.csv");
		same[strlen(same) - 2] = same[strlen(same) - 2] == 'x' ? 'y' : 'x';
		put(at("r1/contacts.csv"), same);
		tv[0] = st0.st_atim;
		tv[1] = st0.st_mtim;
		ok(utimensat(AT_FDCWD, at("r1/contacts.csv"), tv, 0) == 0, "put the time back");
		err_clear(&err);
		is_int(store_check_clean(s, cc, 1, &err), -1,
		       "a same-size change with the old time is refused");
		free(same);
		put(at("r1/contacts.csv"), sbuf_str(&orig));
	}

	put(at("r1/contacts.csv"), "id,email\nc1,evil@example.com\n");
	err_clear(&err);
	is_int(store_check_clean(s, cc, 1, &err), -1, "modified file refused");
	is_int(err.code, DRIP_ETEMP, "foreign edit is DRIP_ETEMP");
	is_str(err.msg, want, "foreign edit message, exactly");
	is_str(err.file, "", "foreign edit has no file location");

	/* Staged, with the work tree back to HEAD's content. */
	is_int(run_git(add, NULL), 0, "git add the change");
	put(at("r1/contacts.csv"), sbuf_str(&orig));
	err_clear(&err);
	is_int(store_check_clean(s, cc, 1, &err), -1, "staged-only change refused");
	is_str(err.msg, want, "staged-only message");
	is_int(run_git(reset, NULL), 0, "git reset the file");
	is_int(store_check_clean(s, cc, 1, &err), 0, "clean again after reset");

	/* Removed from the index only. */
	is_int(run_git(rmc, NULL), 0, "git rm --cached");
	err_clear(&err);
	is_int(store_check_clean(s, cc, 1, &err), -1, "file missing from the index refused");
	is_int(run_git(reset, NULL), 0, "git reset the file again");

	/* Deleted from the work tree. */
	ok(unlink(at("r1/contacts.csv")) == 0, "delete a tracked file");
	err_clear(&err);
	is_int(store_check_clean(s, cc, 1, &err), -1, "deleted tracked file refused");
	is_str(err.msg, want, "deleted file message");
	put(at("r1/contacts.csv"), sbuf_str(&orig));

	/* A nested path is named relative to the root. */
	put(at("r1/hooks/run.sh"), "#!/bin/sh\necho changed\n");
	{
		const char *h[] = { "drip.yaml", "hooks/run.sh" };

		err_clear(&err);
		is_int(store_check_clean(s, h, 2, &err), -1, "nested modified file refused");
		like(err.msg, "'hooks/run.sh' has uncommitted changes", "nested path named relative");
	}
	put(at("r1/hooks/run.sh"), "#!/bin/sh\n");

	put(at("r1/untracked.csv"), "x\n");
	{
		const char *u[] = { "untracked.csv", "contacts.csv" };

		err_clear(&err);
		is_int(store_check_clean(s, u, 2, &err), 0, "untracked file passes");
	}
	unlink(at("r1/untracked.csv"));
	{
		const char *b[] = { "../x" };

		err_clear(&err);
		is_int(store_check_clean(s, b, 1, &err), -1, "check_clean refuses ..");
	}

	/* After all that, a commit of the restored file is a no-op and the
	 * index is clean. */
	is_int(store_commit(s, cc, 1, "noop", NOW + 1000, &committed, NULL, &err), 0,
	       "commit of restored file");
	is_int(committed, 0, "restored file: nothing to commit");
	is_int(status_count(dir), 0, "status clean after foreign edits were undone");

	/* A file modified after the index was written: the stat says nothing
	 * (the file may have changed in the instant the index was written),
	 * so its content decides. */
	{
		struct timespec tv[2];
		char *same = strdup(sbuf_str(&orig));

		tv[0].tv_sec = 0;
		tv[0].tv_nsec = UTIME_OMIT;
		/* The old content in a new file written after the index (the
		 * stat says nothing): read, and found clean. */
		put(at("r1/contacts.csv"), sbuf_str(&orig));
		tv[1].tv_sec = time(NULL) + 3600;
		tv[1].tv_nsec = 0;
		ok(utimensat(AT_FDCWD, at("r1/contacts.csv"), tv, 0) == 0, "a time after the index");
		err_clear(&err);
		is_int(store_check_clean(s, cc, 1, &err), 0, "the same content is clean");
		same[0] = same[0] == 'i' ? 'j' : 'i';
		put(at("r1/contacts.csv"), same);
		ok(utimensat(AT_FDCWD, at("r1/contacts.csv"), tv, 0) == 0, "again after the index");
		err_clear(&err);
		is_int(store_check_clean(s, cc, 1, &err), -1, "other content is refused");
		free(same);
		put(at("r1/contacts.csv"), sbuf_str(&orig));
	}
	store_close(s);
	sbuf_release(&orig);
}

/* Build the same workspace in dir and commit it twice. */
static void
fresh_commit(const char *dir, char hex1[41], char hex2[41])
{
	const char *paths[] = { "drip.yaml", "contacts.csv", "state/enrollments.csv" };
	const char *one[] = { "contacts.csv" };
	char p[1024];
	struct drip_err err;
	struct store *s = NULL;
	int committed = 0;

	hex1[0] = hex2[0] = '\0';
	if (store_init(dir, &err) < 0 || store_open(dir, &s, &err) < 0) {
		printf("# %s\n", err.msg);
		return;
	}
	snprintf(p, sizeof p, "%s/drip.yaml", dir);
	put(p, "timezone: Europe/Berlin\n");
	snprintf(p, sizeof p, "%s/contacts.csv", dir);
	put(p, "id,email\n");
	snprintf(p, sizeof p, "%s/state/enrollments.csv", dir);
	put(p, "contact,sequence\n");
	if (store_commit(s, paths, 3, "init", NOW, &committed, hex1, &err) < 0)
		printf("# %s\n", err.msg);
	snprintf(p, sizeof p, "%s/contacts.csv", dir);
	put(p, "id,email\nc1,a@example.com\n");
	if (store_commit(s, one, 1, "add c1", NOW + 1200, &committed, hex2, &err) < 0)
		printf("# %s\n", err.msg);
	store_close(s);
}

static void
test_determinism(void)
{
	char a1[41], a2[41], b1[41], b2[41];

	fresh_commit(at("d1"), a1, a2);
	fresh_commit(at("d2"), b1, b2);
	ok(a1[0] != '\0' && a2[0] != '\0', "two commits made in d1");
	is_str(a1, b1, "same files, message and now: same first commit id");
	is_str(a2, b2, "same second commit id");
	ok(strcmp(a1, a2) != 0, "the two commits differ");
	is_int(git_fsck(at("d1")), 0, "git fsck passes on d1");
}

static void
test_identity(void)
{
	git_repository *hrepo = NULL;
	const char *dir = at("id");
	const char *paths[] = { "f.txt" };
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	git_commit *c;
	struct drip_err err;
	struct store *s = NULL;
	char hex[41];
	int committed = 0;
	time_t t0, t1;

	is_int(store_init(dir, &err), 0, "init id repo");
	ok(git_repository_open(&repo, dir) == 0 && git_repository_config(&cfg, repo) == 0 &&
	   git_config_set_string(cfg, "user.name", "Ada Lovelace") == 0 &&
	   git_config_set_string(cfg, "user.email", "ada@example.com") == 0,
	   "set user.name and user.email in the repository config");
	git_config_free(cfg);
	git_repository_free(repo);

	put(at("id/f.txt"), "one\n");
	is_int(store_open(dir, &s, &err), 0, "open id repo");
	is_int(store_commit(s, paths, 1, "one", NOW, &committed, hex, &err), 0, "commit with config identity");
	c = head_commit(dir, &hrepo);
	ok(c != NULL, "head readable");
	if (c) {
		is_str(git_commit_author(c)->name, "Ada Lovelace", "author name from config");
		is_str(git_commit_author(c)->email, "ada@example.com", "author email from config");
		is_str(git_commit_committer(c)->name, "Ada Lovelace", "committer name from config");
	}
	git_commit_free(c);
	git_repository_free(hrepo);

	/* Without --now the wall clock is used. */
	put(at("id/f.txt"), "two\n");
	t0 = time(NULL);
	is_int(store_commit(s, paths, 1, "two", -1, &committed, hex, &err), 0, "commit with the clock");
	t1 = time(NULL);
	c = head_commit(dir, &hrepo);
	ok(c && git_commit_author(c)->when.time >= t0 - 1 && git_commit_author(c)->when.time <= t1 + 1,
	   "author time is now when now < 0");
	git_commit_free(c);
	git_repository_free(hrepo);
	store_close(s);
	is_int(git_fsck(dir), 0, "git fsck passes on id repo");
}

/* The compare-and-swap: someone commits between two store_commit calls,
 * and someone commits while a store_commit is in flight. */
struct race {
	const char *dir;
	int calls;
	int commit_on;	/* commit on calls 1..commit_on */
	int serial;	/* names each racing commit's file uniquely */
};

static void
race_hook(void *arg)
{
	struct race *r = arg;
	char file[64], text[64];

	r->calls++;
	if (r->calls > r->commit_on)
		return;
	r->serial++;
	snprintf(file, sizeof file, "foreign-%d.txt", r->serial);
	snprintf(text, sizeof text, "foreign %d\n", r->serial);
	if (foreign_commit(r->dir, file, text) != 0)
		printf("# foreign commit failed\n");
}

static void
test_cas(void)
{
	git_repository *hrepo = NULL;
	const char *dir = at("cas");
	const char *paths[] = { "contacts.csv" };
	struct drip_err err;
	struct store *s = NULL;
	struct race r = { dir, 0, 0, 0 };
	char hex[41], before[41], *foreign;
	git_commit *c;
	int committed = 0;

	is_int(store_init(dir, &err), 0, "init cas repo");
	is_int(store_open(dir, &s, &err), 0, "open cas repo");

	/* A race on the unborn branch: someone creates it first. */
	put(at("cas/contacts.csv"), "id\n");
	r.commit_on = 1;
	store_set_before_update(s, race_hook, &r);
	err_clear(&err);
	is_int(store_commit(s, paths, 1, "first", NOW, &committed, hex, &err), 0,
	       "commit survives a race on the unborn branch");
	is_int(committed, 1, "committed after the race");
	is_int(r.calls, 2, "rebuilt once");
	is_int(history_length(dir), 2, "linear: foreign root, then ours");
	ok(head_has(dir, "foreign-1.txt") && head_has(dir, "contacts.csv"),
	   "both commits' files in HEAD");
	store_set_before_update(s, NULL, NULL);

	/* Between two calls, through the git command. */
	snprintf(before, sizeof before, "%s", hex);
	is_int(foreign_commit(dir, "between.txt", "b\n"), 0, "foreign commit between calls");
	foreign = head_hex(dir);
	put(at("cas/contacts.csv"), "id\nc1\n");
	is_int(store_commit(s, paths, 1, "second", NOW + 60, &committed, hex, &err), 0,
	       "commit after a foreign commit");
	c = head_commit(dir, &hrepo);
	if (c) {
		char ph[41];

		git_oid_tostr(ph, sizeof ph, git_commit_parent_id(c, 0));
		is_str(ph, foreign, "our commit sits on the foreign one");
	} else {
		ok(0, "head readable");
	}
	git_commit_free(c);
	git_repository_free(hrepo);
	free(foreign);
	is_int(history_length(dir), 4, "history linear, both commits present");
	ok(head_has(dir, "between.txt") != 0, "foreign file kept");

	/* A race in flight: the branch moves after our commit object exists. */
	r.calls = 0;
	r.commit_on = 1;
	store_set_before_update(s, race_hook, &r);
	put(at("cas/contacts.csv"), "id\nc1\nc2\n");
	is_int(store_commit(s, paths, 1, "third", NOW + 120, &committed, hex, &err), 0,
	       "commit survives a race in flight");
	is_int(r.calls, 2, "rebuilt once on top");
	foreign = NULL;
	c = head_commit(dir, &hrepo);
	if (c) {
		git_commit *p = NULL;

		ok(git_commit_parent(&p, c, 0) == 0 &&
		   strcmp(git_commit_message(p), "foreign change\n") == 0,
		   "parent of ours is the racing commit");
		is_str(git_commit_message(c), "third\n", "HEAD is ours");
		git_commit_free(p);
	} else {
		ok(0, "head readable");
	}
	git_commit_free(c);
	git_repository_free(hrepo);
	is_int(history_length(dir), 6, "history linear after the race");

	/* A branch that never stops moving. */
	r.calls = 0;
	r.commit_on = 100;
	put(at("cas/contacts.csv"), "id\nc1\nc2\nc3\n");
	err_clear(&err);
	is_int(store_commit(s, paths, 1, "fourth", NOW + 180, &committed, hex, &err), -1,
	       "gives up when the branch keeps moving");
	is_int(err.code, DRIP_ETEMP, "keeps-moving is DRIP_ETEMP");
	like(err.msg, "the branch kept moving while drip committed (5 tries)", "keeps-moving message");
	is_int(r.calls, 5, "five tries");
	is_int(committed, 0, "nothing committed");
	store_set_before_update(s, NULL, NULL);

	is_int(store_commit(s, paths, 1, "fourth", NOW + 180, &committed, hex, &err), 0,
	       "commit once the branch is quiet");
	is_int(history_length(dir), 12, "history linear: 5 racing commits and ours");
	is_int(status_count(dir), 0, "status clean after the races");
	is_int(git_fsck(dir), 0, "git fsck passes after the races");
	store_close(s);
}

static void
test_locks(void)
{
	const char *dir = at("r1");
	const char *paths[] = { "contacts.csv" };
	struct drip_err err;
	struct store *s = NULL;
	struct timeval old[2];
	char path[64], tiny[4];
	time_t now = time(NULL);
	int committed;

	is_int(store_open(dir, &s, &err), 0, "open");
	put(at("r1/contacts.csv"), "id,email\nc9,z@example.com\n");
	is_int(store_stale_lock(s, 3600, -1, path, sizeof path, NULL), 0, "no lock file: 0");

	put(at("r1/.git/index.lock"), "");
	err_clear(&err);
	is_int(store_commit(s, paths, 1, "locked", NOW, &committed, NULL, &err), -1,
	       "index.lock blocks a commit");
	is_int(err.code, DRIP_ETEMP, "index.lock is DRIP_ETEMP");
	like(err.msg, "'.git/index.lock' exists", "index.lock message names the file");
	is_int(history_length(dir), 4, "nothing committed while locked");

	is_int(store_stale_lock(s, 3600, (int64_t)now, path, sizeof path, NULL), 1, "young lock: 1");
	is_str(path, ".git/index.lock", "young lock named");
	ok(access(at("r1/.git/index.lock"), F_OK) == 0, "young lock kept");
	is_int(store_stale_lock(s, 3600, (int64_t)now, tiny, sizeof tiny, NULL), -1,
	       "too small a buffer: -1");
	is_int(errno, ENAMETOOLONG, "too small a buffer: ENAMETOOLONG");

	old[0].tv_sec = old[1].tv_sec = now - 7200;
	old[0].tv_usec = old[1].tv_usec = 0;
	ok(utimes(at("r1/.git/index.lock"), old) == 0, "age the lock by two hours");
	is_int(store_stale_lock(s, 3600, (int64_t)now, path, sizeof path, NULL), 2, "stale lock removed: 2");
	is_str(path, ".git/index.lock", "stale lock named");
	ok(access(at("r1/.git/index.lock"), F_OK) < 0, "stale lock gone");

	put(at("r1/.git/refs/heads/main.lock"), "");
	err_clear(&err);
	is_int(store_commit(s, paths, 1, "locked", NOW, &committed, NULL, &err), -1,
	       "a ref lock blocks a commit");
	like(err.msg, "'.git/refs/heads/main.lock' exists", "ref lock message names the file");
	ok(utimes(at("r1/.git/refs/heads/main.lock"), old) == 0, "age the ref lock");
	is_int(store_stale_lock(s, 3600, -1, path, sizeof path, NULL), 2, "stale ref lock removed");
	is_str(path, ".git/refs/heads/main.lock", "stale ref lock named");
	is_int(store_stale_lock(s, 3600, -1, path, sizeof path, NULL), 0, "no lock left");

	is_int(store_commit(s, paths, 1, "unlocked", NOW + 2000, &committed, NULL, &err), 0,
	       "commit after the locks are gone");
	is_int(committed, 1, "committed after unlocking");
	store_close(s);
}

static void
test_detached(void)
{
	const char *dir = at("d1");
	const char *detach[] = { "git", "-C", dir, "checkout", "-q", "--detach", NULL };
	const char *back[] = { "git", "-C", dir, "checkout", "-q", "main", NULL };
	const char *paths[] = { "contacts.csv" };
	struct drip_err err;
	struct store *s = NULL;
	struct sbuf sb = SBUF_INIT;
	int committed;

	is_int(run_git(detach, NULL), 0, "detach HEAD");
	is_int(store_open(dir, &s, &err), 0, "open");
	is_int(store_read_head(s, "contacts.csv", &sb, &err), 0, "read_head works detached");
	put(at("d1/contacts.csv"), "id\n");
	err_clear(&err);
	is_int(store_commit(s, paths, 1, "detached", NOW, &committed, NULL, &err), -1,
	       "commit on a detached HEAD refused");
	like(err.msg, "HEAD is detached", "detached message");
	store_close(s);
	is_int(run_git(back, NULL), 0, "back on main");
	sbuf_release(&sb);
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
	if (mkdir(home, 0700) < 0) {
		perror("mkdir");
		return 1;
	}
	isolate_environment(home);
	test_init_open();
	test_commits();
	test_bad_paths();
	test_check_clean();
	test_determinism();
	test_identity();
	test_cas();
	test_locks();
	test_detached();
	git_libgit2_shutdown();
	rm_rf(base);
	return tap_done();
}
