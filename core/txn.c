/*
 * txn.c - a command's change to the workspace: its one commit, or nothing.
 *
 * The old version of each file is kept as a hard link in .drip/txn/ before
 * the new one is renamed over it, so putting it back is one rename: no disk
 * space, no git object and no reading of HEAD is needed, which is what a
 * full disk or a read-only object store leaves us.  The journal is written
 * after the links and before the first file changes; its presence is what
 * tells the next command that a change was under way.  Whether that change
 * landed is read from the repository, not from the journal: the branch has
 * moved since the journal's HEAD and every file of the change is what the
 * new HEAD has.
 */
#include "txn.h"

#include "arena.h"
#include "clock.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "state.h"
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The journal's first line: its format, for a later drip to recognise. */
#define TXN_MAGIC "drip-txn 1"

/* Directories where drip's atomic writes leave ".NAME.tmp-PID" files. */
static const char *const temp_dirs[] = {
	".", ".drip", TXN_DIR, "state", "state/enrollments", "log", "lists", "sequences",
	"templates", "automations",
};

/* One entry of a journal. */
struct entry {
	char *rel;
	int kept;		/* the old file is in TXN_DIR/INDEX */
};

static char *
join(const char *root, const char *rel)
{
	return fsio_join(root, rel);
}

static char *
backup_path(const char *root, size_t i)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_printf(&sb, "%s/%s/%zu", root, TXN_DIR, i);
	return sbuf_detach(&sb, NULL);
}

/* fsync the directory holding path, so a rename or unlink in it lasts.
 * File systems that cannot sync directories say EINVAL: nothing to do. */
static int
sync_parent(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd, rc = 0;

	if (slash)
		slash[slash == dir ? 1 : 0] = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL))
		rc = -1;
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

/* Name files in a message as the user knows them: relative to the root. */
static void
relative_msg(struct drip_err *err, const char *root)
{
	size_t n = strlen(root);
	char *p;

	while ((p = strstr(err->msg, root)) != NULL && p[n] == '/')
		memmove(p, p + n + 1, strlen(p + n + 1) + 1);
}

int
txn_ready(struct store *s, int64_t max_age, int64_t now, struct txn_unlocked *out,
	  size_t max, size_t *nout, struct drip_err *err)
{
	struct txn_unlocked u;
	int rc;

	*nout = 0;
	if (store_check_branch(s, err) < 0)
		return -1;
	for (;;) {
		rc = store_stale_lock(s, max_age, now, u.path, sizeof u.path, &u.age);
		if (rc == 0)
			return 0;
		if (rc < 0)
			return err_sys(err, DRIP_EFAIL, NULL, "cannot remove the stale git lock '%s'",
				       u.path);
		if (rc == 1)
			return err_set(err, DRIP_ETEMP, NULL, 0, 0,
				       "'%s' exists; another git command is running, or one "
				       "crashed: remove the file if none is running (drip removes "
				       "it itself once it is older than max_lag)", u.path);
		if (*nout < max)
			out[(*nout)++] = u;
	}
}

/* A temporary file of fsio_write_atomic: ".NAME.tmp-PID".  *pid receives
 * the PID (0 when the name does not end in digits). */
static int
is_temp(const char *name, long *pid)
{
	const char *t = strstr(name, ".tmp-");
	char *end;

	*pid = 0;
	if (name[0] != '.' || t == NULL)
		return 0;
	*pid = strtol(t + 5, &end, 10);
	if (*end != '\0')
		*pid = 0;
	return 1;
}

/* Remove the files of dir (relative to root) that match: temporary files,
 * every file when all is set, and in inbox/ only temporary files whose
 * process has gone (the inbox is written without the workspace lock). */
static int
sweep_dir(const char *root, const char *rel, int all, int live_check, struct drip_err *err)
{
	char *dir = join(root, rel);
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d == NULL) {
		free(dir);
		return 0;
	}
	while ((e = readdir(d)) != NULL && rc == 0) {
		const char *n = e->d_name;
		long pid = 0;
		char *f;

		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		if (!all && !is_temp(n, &pid))
			continue;
		if (all && strcmp(n, "journal") == 0)
			continue;
		if (live_check && (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		f = fsio_join(dir, n);
		if (unlink(f) != 0 && errno != ENOENT && errno != EISDIR)
			rc = err_sys(err, DRIP_EFAIL, NULL, "cannot remove '%s/%s'", rel, n);
		free(f);
	}
	closedir(d);
	free(dir);
	return rc;
}

/* The parent directories of rel, deepest first, for their temporary files. */
static int
sweep_parents(const char *root, const char *rel, struct drip_err *err)
{
	char *dir = xstrdup(rel), *slash;
	int rc = 0;

	while (rc == 0 && (slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		rc = sweep_dir(root, dir, 0, 0, err);
	}
	free(dir);
	return rc;
}

/* Remove empty directories above rel that its write may have made. */
static void
prune_parents(const char *root, const char *rel)
{
	char *dir = xstrdup(rel), *slash, *full;

	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		full = join(root, dir);
		if (rmdir(full) != 0) {
			free(full);
			break;
		}
		free(full);
	}
	free(dir);
}

static void
entries_free(struct entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].rel);
	free(v);
}

/* Read the journal: its HEAD ("" for none) and its entries. */
static int
journal_read(const char *root, char head[64], struct entry **out, size_t *nout,
	     struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	char *full = join(root, TXN_JOURNAL), *line, *save = NULL;
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	int rc = -1, k = 0;

	*out = NULL;
	*nout = 0;
	if (fsio_read(full, 0, &sb, err) < 0)
		goto out;
	for (line = strtok_r(sb.buf ? sb.buf : (char *)"", "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), k++) {
		if (k == 0) {
			if (strcmp(line, TXN_MAGIC) != 0)
				goto bad;
		} else if (k == 1) {
			if (strncmp(line, "head ", 5) != 0 || strlen(line + 5) >= 64)
				goto bad;
			snprintf(head, 64, "%s", strcmp(line + 5, "none") == 0 ? "" : line + 5);
		} else {
			if ((line[0] != 'b' && line[0] != '-') || line[1] != ' ' || line[2] == '\0')
				goto bad;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				v = xrealloc(v, cap * sizeof *v);
			}
			v[n].kept = line[0] == 'b';
			v[n++].rel = xstrdup(line + 2);
		}
	}
	if (k < 2)
		goto bad;
	*out = v;
	*nout = n;
	v = NULL;
	n = 0;
	rc = 0;
	goto out;
bad:
	err_set(err, DRIP_EDATA, TXN_JOURNAL, k + 1, 0,
		"not a journal drip can read; move it away if no drip command is running");
out:
	entries_free(v, n);
	sbuf_release(&sb);
	free(full);
	return rc;
}

/* The journal is gone: the change is settled.  Then its old files go. */
static int
journal_remove(const char *root, struct drip_err *err)
{
	char *full = join(root, TXN_JOURNAL);
	int rc = 0;

	if (unlink(full) != 0 && errno != ENOENT)
		rc = err_sys(err, DRIP_EFAIL, TXN_JOURNAL, "cannot remove");
	else if (sync_parent(full) < 0)
		rc = err_sys(err, DRIP_EFAIL, TXN_JOURNAL, "cannot sync the directory of");
	free(full);
	if (rc == 0)
		rc = sweep_dir(root, TXN_DIR, 1, 0, err);
	return rc;
}

/* Put every file of the journal back as it was: kept files by a rename,
 * new ones removed.  A kept file no longer in TXN_DIR was put back already
 * (by an undo that was itself interrupted). */
static int
undo(const char *root, const struct entry *v, size_t n, struct drip_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *full = join(root, v[i].rel), *bak = backup_path(root, i);
		int rc = 0;

		if (v[i].kept) {
			if (rename(bak, full) != 0 && errno != ENOENT)
				rc = err_sys(err, DRIP_EFAIL, v[i].rel, "cannot put back");
		} else if (unlink(full) != 0 && errno != ENOENT) {
			rc = err_sys(err, DRIP_EFAIL, v[i].rel, "cannot remove");
		} else {
			prune_parents(root, v[i].rel);
		}
		if (rc == 0 && sync_parent(full) < 0 && errno != ENOENT)
			rc = err_sys(err, DRIP_EFAIL, v[i].rel, "cannot sync the directory of");
		free(full);
		free(bak);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Did the change of the journal land?  HEAD moved, and every file is as
 * the new HEAD has it. */
static int
landed(struct store *s, const char *head, const struct entry *v, size_t n, int *yes,
       struct drip_err *err)
{
	char now[64];
	size_t i;
	int same;

	*yes = 0;
	if (store_head(s, now, err) < 0)
		return -1;
	if (strcmp(now, head) == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (store_same_as_head(s, v[i].rel, &same, err) < 0)
			return -1;
		if (!same)
			return 0;
	}
	*yes = 1;
	return 0;
}

/* Commit the paths again: their tree is HEAD's, so nothing is committed,
 * and store_commit brings the index in line for them on the way. */
static int
refresh_index(struct store *s, const char *const *paths, size_t n, struct drip_err *err)
{
	int committed;

	if (n == 0)
		return 0;
	return store_commit(s, paths, n, "drip: recovery\n", -1, &committed, NULL, err);
}

static int
recover_journal(struct store *s, const char *root, struct drip_err *err)
{
	struct entry *v = NULL;
	const char **paths = NULL;
	char head[64] = "";
	size_t n = 0, i;
	int rc = -1, yes;

	if (journal_read(root, head, &v, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (sweep_parents(root, v[i].rel, err) < 0)
			goto out;
	if (landed(s, head, v, n, &yes, err) < 0)
		goto out;
	if (yes) {
		paths = xcalloc(n + 1, sizeof *paths);
		for (i = 0; i < n; i++)
			paths[i] = v[i].rel;
		if (refresh_index(s, paths, n, err) < 0)
			goto out;
	} else if (undo(root, v, n, err) < 0) {
		goto out;
	}
	rc = journal_remove(root, err);
out:
	free(paths);
	entries_free(v, n);
	return rc;
}

/* Put back rel as HEAD has it (remove it when HEAD has none). */
static int
restore_file(struct store *s, const char *root, const char *rel, struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	char *full = join(root, rel);
	int rc = store_read_head(s, rel, &sb, err), same;

	if (rc == 0) {
		/* A file that is HEAD's already is left alone: rewriting it
		 * would cost a disk full of space for nothing. */
		rc = store_same_as_head(s, rel, &same, err);
		if (rc == 0 && !same)
			rc = fsio_write_atomic(full, sb.buf ? sb.buf : "", sb.len, 0644, err);
	} else if (rc == 1) {
		rc = unlink(full) == 0 || errno == ENOENT ? 0 :
		     err_sys(err, DRIP_EFAIL, rel, "cannot remove");
	}
	free(full);
	sbuf_release(&sb);
	return rc;
}

/* Copy src to dst (a fresh file), for when a hard link cannot be made. */
static int
copy_file(const char *src, const char *dst, mode_t mode, struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	int rc = fsio_read(src, 0, &sb, err);

	if (rc == 0)
		rc = fsio_write_atomic(dst, sb.buf ? sb.buf : "", sb.len, mode & 0777, err);
	sbuf_release(&sb);
	return rc;
}

/* The files in the directories a tick writes, relative to the root. */
static char **
tick_files(const char *root, size_t *nout)
{
	static const char *const dirs[] = { "state/enrollments", "log", "lists", CLOCK_SHARD_DIR };
	static const char *const files[] = {
		"tasks.csv", "notes.csv", STATE_CLOCK, "state/sequences.csv", STATE_RUNS,
		STATE_AUTOS, STATE_SNAPSHOT,
	};
	char **v = NULL;
	size_t n = 0, cap = 0, i;

	for (i = 0; i < sizeof dirs / sizeof *dirs + sizeof files / sizeof *files; i++) {
		struct sbuf sb = SBUF_INIT;

		if (i < sizeof dirs / sizeof *dirs) {
			char *dir = join(root, dirs[i]);
			DIR *d = opendir(dir);
			struct dirent *e;

			free(dir);
			if (d == NULL)
				continue;
			while ((e = readdir(d)) != NULL) {
				if (e->d_name[0] == '.')
					continue;
				if (n == cap) {
					cap = cap ? cap * 2 : 64;
					v = xrealloc(v, cap * sizeof *v);
				}
				sbuf_printf(&sb, "%s/%s", dirs[i], e->d_name);
				v[n++] = sbuf_detach(&sb, NULL);
			}
			closedir(d);
		} else {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = xrealloc(v, cap * sizeof *v);
			}
			v[n++] = xstrdup(files[i - sizeof dirs / sizeof *dirs]);
		}
	}
	*nout = n;
	return v;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * tick's old files, kept before its commit phase: TXN_TICK_KEEP/list has
 * a line "SIZE INDEX PATH" for each file tick may change that exists (its
 * old inode is the hard link TXN_TICK_KEEP/INDEX, and SIZE its length:
 * a log appended in place is the same inode, and goes back by truncation),
 * "- PATH" for a fixed name that does not exist yet.  Putting them back
 * needs no disk space, unlike a copy from HEAD.
 */
int
txn_tick_keep(const char *root, int contacts, struct drip_err *err)
{
	struct sbuf list = SBUF_INIT;
	char **v, *dir = join(root, TXN_TICK_KEEP), *full;
	size_t n, i;
	int rc = -1;

	v = tick_files(root, &n);
	if (fsio_mkdirs(dir, 0700, err) < 0 || sweep_dir(root, TXN_TICK_KEEP, 1, 0, err) < 0)
		goto out;
	for (i = 0; i <= n; i++) {
		const char *rel = i < n ? v[i] : "contacts.csv";
		char *cur, *bak;
		struct stat st;
		struct sbuf b = SBUF_INIT;
		int r = 0;

		if (i == n && !contacts)
			break;
		cur = join(root, rel);
		sbuf_printf(&b, "%s/%s/%zu", root, TXN_TICK_KEEP, i);
		bak = sbuf_detach(&b, NULL);
		if (lstat(cur, &st) != 0) {
			sbuf_printf(&list, "- %s\n", rel);
		} else if (S_ISREG(st.st_mode)) {
			if (link(cur, bak) == 0 ||
			    ((errno == EXDEV || errno == EPERM || errno == EMLINK ||
			      errno == ENOTSUP) && copy_file(cur, bak, st.st_mode, err) == 0))
				sbuf_printf(&list, "%lld %zu %s\n", (long long)st.st_size, i, rel);
			else
				r = err_sys(err, DRIP_EFAIL, NULL, "cannot keep '%s' aside", rel);
		}
		free(cur);
		free(bak);
		if (r < 0)
			goto out;
	}
	full = join(root, TXN_TICK_KEEP "/list");
	rc = fsio_write_atomic(full, list.buf ? list.buf : "", list.len, 0600, err);
	free(full);
out:
	if (rc < 0) {
		struct drip_err e2;

		sweep_dir(root, TXN_TICK_KEEP, 1, 0, &e2);
		relative_msg(err, root);
	}
	strv_free(v, n);
	sbuf_release(&list);
	free(dir);
	return rc;
}

int
txn_tick_done(const char *root, struct drip_err *err)
{
	char *full = join(root, TXN_TICK_PENDING);
	int rc = 0;

	if (unlink(full) != 0 && errno != ENOENT)
		rc = err_sys(err, DRIP_EFAIL, TXN_TICK_PENDING, "cannot remove");
	free(full);
	return rc < 0 ? -1 : sweep_dir(root, TXN_TICK_KEEP, 1, 0, err);
}

/* Put tick's files back from the keep list: 1 when done, 0 when there is
 * no list (a marker from before lists were kept), -1. */
static int
tick_unkeep(const char *root, struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	char *full = join(root, TXN_TICK_KEEP "/list"), *line, *save = NULL;
	char **now = NULL;
	size_t nnow = 0, i;
	int rc = -1;

	if (!fsio_exists(full)) {
		free(full);
		return 0;
	}
	if (fsio_read(full, 0, &sb, err) < 0)
		goto out;
	/* Files tick made that were not there before go. */
	now = tick_files(root, &nnow);
	for (i = 0; i < nnow; i++) {
		struct sbuf pat = SBUF_INIT;
		char *f;

		sbuf_printf(&pat, " %s\n", now[i]);
		if (sb.buf == NULL || (strstr(sb.buf, sbuf_str(&pat)) == NULL &&
				       strncmp(sb.buf, sbuf_str(&pat) + 1, pat.len - 1) != 0)) {
			f = join(root, now[i]);
			if (unlink(f) != 0 && errno != ENOENT) {
				err_sys(err, DRIP_EFAIL, now[i], "cannot remove");
				free(f);
				sbuf_release(&pat);
				goto out;
			}
			free(f);
		}
		sbuf_release(&pat);
	}
	for (line = strtok_r(sb.buf ? sb.buf : (char *)"", "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		long long size;
		size_t idx;
		int off = 0;
		char *cur, *bak;
		struct stat a, b;
		struct sbuf bs = SBUF_INIT;
		int r = 0;

		if (strncmp(line, "- ", 2) == 0) {
			cur = join(root, line + 2);
			if (unlink(cur) != 0 && errno != ENOENT)
				r = err_sys(err, DRIP_EFAIL, line + 2, "cannot remove");
			free(cur);
			if (r < 0)
				goto out;
			continue;
		}
		if (sscanf(line, "%lld %zu %n", &size, &idx, &off) != 2 || off == 0) {
			err_set(err, DRIP_EDATA, TXN_TICK_KEEP "/list", 0, 0, "cannot read '%s'", line);
			goto out;
		}
		cur = join(root, line + off);
		sbuf_printf(&bs, "%s/%s/%zu", root, TXN_TICK_KEEP, idx);
		bak = sbuf_detach(&bs, NULL);
		if (lstat(bak, &b) != 0) {
			/* Put back already. */
		} else if (lstat(cur, &a) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			/* Appended in place: cut back to the old length. */
			if (a.st_size > (off_t)size && truncate(cur, (off_t)size) != 0)
				r = err_sys(err, DRIP_EFAIL, line + off, "cannot truncate");
		} else if (rename(bak, cur) != 0) {
			r = err_sys(err, DRIP_EFAIL, line + off, "cannot put back");
		}
		if (r == 0 && sync_parent(cur) < 0 && errno != ENOENT)
			r = err_sys(err, DRIP_EFAIL, line + off, "cannot sync the directory of");
		free(cur);
		free(bak);
		if (r < 0)
			goto out;
	}
	rc = 1;
out:
	strv_free(now, nnow);
	sbuf_release(&sb);
	free(full);
	return rc;
}

int
txn_tick_undo(struct store *s, const char *root, int contacts, struct drip_err *err)
{
	char **v, *full;
	size_t n, i;
	int rc = 0;

	rc = tick_unkeep(root, err);
	if (rc == 0) {
		v = tick_files(root, &n);
		for (i = 0; i < n && rc == 0; i++)
			if (strcmp(v[i], "state/sequences.csv") != 0)
				rc = restore_file(s, root, v[i], err);
		strv_free(v, n);
		if (rc == 0 && contacts)
			rc = restore_file(s, root, "contacts.csv", err);
	}
	if (rc < 0)
		return -1;
	full = join(root, TXN_TICK_PENDING);
	if (unlink(full) != 0 && errno != ENOENT)
		rc = err_sys(err, DRIP_EFAIL, TXN_TICK_PENDING, "cannot remove");
	else if (sync_parent(full) < 0)
		rc = err_sys(err, DRIP_EFAIL, TXN_TICK_PENDING, "cannot sync the directory of");
	free(full);
	return rc < 0 ? -1 : sweep_dir(root, TXN_TICK_KEEP, 1, 0, err);
}

/*
 * After a tick that committed but died before updating the index: commit
 * its files again (the existing ones only: a missing one would mean
 * "delete"), which commits nothing and brings the index in line.
 */
static int
tick_refresh(struct store *s, const char *root, struct drip_err *err)
{
	char **v, *full;
	const char **paths;
	size_t n, i, k = 0;
	int rc;

	v = tick_files(root, &n);
	paths = xcalloc(n + 2, sizeof *paths);
	for (i = 0; i < n; i++) {
		full = join(root, v[i]);
		/* The clock is never committed (clock.h). */
		if (fsio_exists(full) && strcmp(v[i], STATE_CLOCK) != 0 &&
		    strncmp(v[i], CLOCK_SHARD_DIR "/", strlen(CLOCK_SHARD_DIR "/")) != 0)
			paths[k++] = v[i];
		free(full);
	}
	full = join(root, "contacts.csv");
	if (fsio_exists(full))
		paths[k++] = "contacts.csv";
	free(full);
	rc = refresh_index(s, paths, k, err);
	free(paths);
	strv_free(v, n);
	return rc;
}

/* tick's marker: the commit it started from, then the inbox files it
 * applies ("!contacts.csv" says it rewrote contacts.csv). */
static int
recover_tick(struct store *s, const char *root, struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	char *full = join(root, TXN_TICK_PENDING), head[64], *line, *save = NULL;
	int rc = -1, contacts;

	/* A run killed while it moved the clock's ref left its lock. */
	if (fsio_read(full, 0, &sb, err) < 0 || store_head(s, head, err) < 0 ||
	    store_unlock_ref(s, CLOCK_REF, err) < 0)
		goto out;
	contacts = sb.buf && strstr(sb.buf, "\n" TXN_TICK_CONTACTS "\n") != NULL;
	line = strtok_r(sb.buf ? sb.buf : (char *)"", "\n", &save);
	if (line && strcmp(line, head[0] ? head : "none") != 0) {
		/* The crashed run committed: only its clean-up was lost - the
		 * index may lag the commit, and inbox files remain. */
		if (tick_refresh(s, root, err) < 0)
			goto out;
		while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
			struct sbuf ev = SBUF_INIT;

			if (line[0] == '!' || strchr(line, '/') != NULL)
				continue;
			sbuf_printf(&ev, "%s/inbox/%s.csv", root, line);
			unlink(sbuf_str(&ev));
			sbuf_release(&ev);
		}
		if (unlink(full) != 0 && errno != ENOENT) {
			err_sys(err, DRIP_EFAIL, TXN_TICK_PENDING, "cannot remove");
			goto out;
		}
		rc = sweep_dir(root, TXN_TICK_KEEP, 1, 0, err);
	} else {
		rc = txn_tick_undo(s, root, contacts, err);
	}
out:
	free(full);
	sbuf_release(&sb);
	return rc;
}

int
txn_recover(struct store *s, const char *root, int *did, struct drip_err *err)
{
	char *full;
	size_t i;
	int found;

	if (did)
		*did = 0;
	/* Temporary files first: no live drip command owns them, as we hold
	 * the lock, and a rerun makes again whatever it still needs.  The
	 * journal's own directory is swept by recover_journal. */
	for (i = 0; i < sizeof temp_dirs / sizeof *temp_dirs; i++)
		if (sweep_dir(root, temp_dirs[i], 0, 0, err) < 0)
			return -1;
	if (sweep_dir(root, "outbox/tmp", 1, 0, err) < 0 ||
	    sweep_dir(root, "inbox", 0, 1, err) < 0)
		return -1;
	full = join(root, TXN_JOURNAL);
	found = fsio_exists(full);
	free(full);
	if (found) {
		if (did)
			*did = 1;
		if (recover_journal(s, root, err) < 0)
			return -1;
	} else if (sweep_dir(root, TXN_DIR, 1, 0, err) < 0) {
		/* Old files kept by a command killed before its journal was
		 * written: nothing had changed yet. */
		return -1;
	}
	full = join(root, TXN_TICK_PENDING);
	found = fsio_exists(full);
	free(full);
	if (found) {
		if (did)
			*did = 1;
		return recover_tick(s, root, err);
	}
	return sweep_dir(root, TXN_TICK_KEEP, 1, 0, err);
}

/* Keep the old files aside and write the journal that names them. */
static int
journal_write(struct store *s, const char *root, const struct txn_change *ch, size_t n,
	      struct drip_err *err)
{
	struct sbuf j = SBUF_INIT;
	char head[64], *dir = join(root, TXN_DIR), *full;
	size_t i;
	int rc = -1;

	if (store_head(s, head, err) < 0 || fsio_mkdirs(dir, 0700, err) < 0 ||
	    sweep_dir(root, TXN_DIR, 1, 0, err) < 0)
		goto out;
	sbuf_printf(&j, TXN_MAGIC "\nhead %s\n", head[0] ? head : "none");
	for (i = 0; i < n; i++) {
		char *cur = join(root, ch[i].path), *bak = backup_path(root, i);
		struct stat st;
		int r = 0, kept = 0;

		if (strchr(ch[i].path, '\n') != NULL) {
			r = err_set(err, DRIP_EFAIL, NULL, 0, 0,
				    "'%s' is not a path inside the workspace", ch[i].path);
		} else if (lstat(cur, &st) == 0) {
			if (!S_ISREG(st.st_mode))
				r = err_set(err, DRIP_EFAIL, NULL, 0, 0,
					    "cannot replace '%s': not a regular file", ch[i].path);
			else if (link(cur, bak) == 0)
				kept = 1;
			else if (errno == EXDEV || errno == EPERM || errno == EMLINK ||
				 errno == ENOTSUP)
				kept = (r = copy_file(cur, bak, st.st_mode, err)) == 0;
			else
				r = err_sys(err, DRIP_EFAIL, NULL, "cannot keep '%s' aside",
					    ch[i].path);
		} else if (errno != ENOENT && errno != ENOTDIR) {
			r = err_sys(err, DRIP_EFAIL, NULL, "cannot read '%s'", ch[i].path);
		}
		free(cur);
		free(bak);
		if (r < 0)
			goto out;
		sbuf_printf(&j, "%c %s\n", kept ? 'b' : '-', ch[i].path);
	}
	/* The links are in the journal's directory: the journal's rename and
	 * the directory's fsync make them last too. */
	full = join(root, TXN_JOURNAL);
	rc = fsio_write_atomic(full, j.buf, j.len, 0600, err);
	free(full);
out:
	if (rc < 0)
		sweep_dir(root, TXN_DIR, 1, 0, err);
	sbuf_release(&j);
	free(dir);
	return rc;
}

/* After a failure: put the files back, then drop the journal.  err keeps
 * the first failure; one in the undo itself is added to it. */
static void
roll_back(const char *root, struct drip_err *err)
{
	struct entry *v = NULL;
	struct drip_err e2;
	char head[64];
	size_t k = 0;

	if (journal_read(root, head, &v, &k, &e2) < 0 || undo(root, v, k, &e2) < 0 ||
	    journal_remove(root, &e2) < 0) {
		size_t len = strlen(err->msg);

		snprintf(err->msg + len, sizeof err->msg - len,
			 "; and the old files could not be put back (%s): the next drip "
			 "command does it", e2.msg);
	}
	entries_free(v, k);
}

int
txn_apply(struct store *s, const char *root, const struct txn_change *ch, size_t n,
	  const char *message, int64_t now, int *committed, struct drip_err *err)
{
	const char **paths = xcalloc(n + 1, sizeof *paths);
	size_t i;
	int done = 0, rc = -1;

	if (committed)
		*committed = 0;
	for (i = 0; i < n; i++)
		paths[i] = ch[i].path;
	if (store_check_clean(s, paths, n, err) < 0 || journal_write(s, root, ch, n, err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		char *full = join(root, ch[i].path);
		int r;

		if (ch[i].data == NULL)
			r = unlink(full) == 0 || errno == ENOENT ? 0 :
			    err_sys(err, DRIP_EFAIL, ch[i].path, "cannot remove");
		else if (ch[i].mode == TXN_FROM_FILE)
			r = fsio_replace(ch[i].data, full, err);
		else
			r = fsio_write_atomic(full, ch[i].data, ch[i].len,
					      ch[i].mode ? (mode_t)ch[i].mode : 0644, err);
		free(full);
		if (r < 0) {
			roll_back(root, err);
			goto out;
		}
	}
	if (store_commit(s, paths, n, message, now, &done, NULL, err) < 0) {
		if (committed)
			*committed = done;
		/* Landed, but the index lags: the journal stays for the next
		 * command, which brings the index in line. */
		if (!done)
			roll_back(root, err);
		goto out;
	}
	if (committed)
		*committed = done;
	rc = journal_remove(root, err);
out:
	if (rc < 0)
		relative_msg(err, root);
	free(paths);
	return rc;
}
