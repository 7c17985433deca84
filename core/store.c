/*
 * store.c - the workspace's git repository, through libgit2.
 *
 * A commit is HEAD's tree with exactly the given paths replaced or removed
 * (git_tree_create_updated builds the nested trees), so drip never needs
 * the index to decide what it commits and never picks up someone else's
 * staged work.  Blobs are streamed from disk.  The branch moves by
 * compare-and-swap on its old value; when another process committed in
 * between, the same blobs are applied to the new HEAD and tried again.
 */
#include "store.h"

#include "arena.h"
#include "err.h"
#include "sbuf.h"

#include <git2.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How often a commit is rebuilt when the branch keeps moving under us. */
#define STORE_CAS_TRIES 5

/* The identity used when git config has none (SPEC §1). */
#define STORE_DEFAULT_NAME "drip"
#define STORE_DEFAULT_EMAIL "drip@localhost"

/* A detached HEAD is a workspace set up wrong, not a passing state: no
 * retry fixes it, so it is DRIP_ECONFIG (exit 78). */
#define STORE_DETACHED_MSG \
	"HEAD is detached; check out the workspace's branch ('git switch BRANCH'), " \
	"then run drip again"

struct store {
	git_repository *repo;
	char *workdir;			/* absolute, ends with '/' */
	void (*before_update)(void *);	/* test hook, see store.h */
	void *before_update_arg;
	char *untrack;			/* see store_set_untrack */
};

/* HEAD as store_commit and the readers need it. */
struct head {
	git_reference *ref;	/* HEAD itself */
	const char *branch;	/* its target, e.g. "refs/heads/main"; NULL when detached */
	int unborn;		/* the branch has no commit yet */
	git_oid id;		/* the commit, unless unborn */
	git_commit *commit;
	git_tree *tree;		/* NULL when unborn */
};

/* One path of a commit. */
struct item {
	const char *rel;	/* as given by the caller */
	char *full;		/* workdir + rel */
	int present;		/* exists on disk, so upserted, else removed */
	struct stat st;		/* taken before the blob was made, for the index */
	git_oid id;
	git_filemode_t mode;
};

int
store_git_fail(struct drip_err *err, int code, const char *fmt, ...)
{
	const git_error *ge = git_error_last();
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return err_set(err, code, NULL, 0, 0, "%s: %s", what,
		       ge && ge->message ? ge->message : "unknown libgit2 error");
}

/*
 * A path drip may commit: relative, no empty, "." or ".." component, and
 * nothing inside .git (compared without case, as git does for file systems
 * that ignore it).
 */
static int
check_path(const char *path, struct drip_err *err)
{
	const char *p = path, *end;
	size_t len;

	if (*path == '\0' || *path == '/')
		goto bad;
	for (;;) {
		end = strchr(p, '/');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.') ||
		    (len == 4 && strncasecmp(p, ".git", 4) == 0))
			goto bad;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
bad:
	return err_set(err, DRIP_EFAIL, NULL, 0, 0,
		       "'%s' is not a path inside the workspace", path);
}

/* A path under the git directory as users see it: relative to the root
 * when the git directory is inside the work tree. */
static const char *
shown_path(const struct store *s, const char *abs)
{
	size_t n = strlen(s->workdir);

	return strncmp(abs, s->workdir, n) == 0 ? abs + n : abs;
}

int
store_init(const char *dir, struct drip_err *err)
{
	git_repository_init_options opts;
	git_repository *repo = NULL;
	int rc, ret = -1;

	if (git_libgit2_init() < 0)
		return store_git_fail(err, DRIP_EFAIL, "cannot initialise libgit2");
	rc = git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc == 0) {
		ret = 0;
		goto out;
	}
	if (rc != GIT_ENOTFOUND) {
		store_git_fail(err, DRIP_EFAIL, "cannot open '%s'", dir);
		goto out;
	}
	if (git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION) < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot create a repository in '%s'", dir);
		goto out;
	}
	opts.flags |= GIT_REPOSITORY_INIT_MKPATH;
	opts.initial_head = "main";
	if (git_repository_init_ext(&repo, dir, &opts) < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot create a repository in '%s'", dir);
		goto out;
	}
	ret = 0;
out:
	git_repository_free(repo);
	git_libgit2_shutdown();
	return ret;
}

int
store_open(const char *root, struct store **out, struct drip_err *err)
{
	git_repository *repo = NULL;
	struct store *s;
	const char *wd;
	int rc;

	*out = NULL;
	if (git_libgit2_init() < 0)
		return store_git_fail(err, DRIP_EFAIL, "cannot initialise libgit2");
	rc = git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc == GIT_ENOTFOUND) {
		err_set(err, DRIP_ENOINPUT, NULL, 0, 0,
			"'%s' is not a git repository; run 'drip init' first", root);
		goto fail;
	}
	if (rc < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot open the repository in '%s'", root);
		goto fail;
	}
	wd = git_repository_workdir(repo);
	if (wd == NULL) {
		err_set(err, DRIP_EFAIL, NULL, 0, 0,
			"'%s' is a bare repository; a workspace needs a work tree", root);
		goto fail;
	}
	s = xcalloc(1, sizeof *s);
	s->repo = repo;
	s->workdir = xstrdup(wd);
	*out = s;
	return 0;
fail:
	git_repository_free(repo);
	git_libgit2_shutdown();
	return -1;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	git_repository_free(s->repo);
	free(s->workdir);
	free(s->untrack);
	free(s);
	git_libgit2_shutdown();
}

void
store_set_before_update(struct store *s, void (*fn)(void *arg), void *arg)
{
	s->before_update = fn;
	s->before_update_arg = arg;
}

void
store_set_untrack(struct store *s, const char *rel)
{
	free(s->untrack);
	s->untrack = rel ? xstrdup(rel) : NULL;
}

static void
head_free(struct head *h)
{
	git_tree_free(h->tree);
	git_commit_free(h->commit);
	git_reference_free(h->ref);
	memset(h, 0, sizeof *h);
}

/* Read HEAD without requiring a commit: an unborn branch is not an error. */
static int
head_read(struct store *s, struct head *h, struct drip_err *err)
{
	int rc;

	memset(h, 0, sizeof *h);
	if (git_reference_lookup(&h->ref, s->repo, "HEAD") < 0)
		return store_git_fail(err, DRIP_EFAIL, "cannot read HEAD");
	if (git_reference_type(h->ref) == GIT_REFERENCE_SYMBOLIC) {
		h->branch = git_reference_symbolic_target(h->ref);
		rc = git_reference_name_to_id(&h->id, s->repo, h->branch);
		if (rc == GIT_ENOTFOUND) {
			h->unborn = 1;
			return 0;
		}
		if (rc < 0) {
			store_git_fail(err, DRIP_EFAIL, "cannot resolve '%s'", h->branch);
			goto fail;
		}
	} else {
		git_oid_cpy(&h->id, git_reference_target(h->ref));
	}
	if (git_commit_lookup(&h->commit, s->repo, &h->id) < 0 ||
	    git_commit_tree(&h->tree, h->commit) < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot read the commit at HEAD");
		goto fail;
	}
	return 0;
fail:
	head_free(h);
	return -1;
}

/*
 * The lock files that block a commit, as absolute paths (malloc'ed; the
 * caller frees each).  Returns how many were filled, at most 3.
 */
static size_t
lock_paths(struct store *s, char *out[3])
{
	const char *gd = git_repository_path(s->repo);
	const char *cd = git_repository_commondir(s->repo);
	git_reference *head = NULL;
	struct sbuf sb = SBUF_INIT;
	size_t k = 0;

	sbuf_printf(&sb, "%sindex.lock", gd);
	out[k++] = sbuf_detach(&sb, NULL);
	sbuf_printf(&sb, "%sHEAD.lock", gd);
	out[k++] = sbuf_detach(&sb, NULL);
	if (git_reference_lookup(&head, s->repo, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		sbuf_printf(&sb, "%s%s.lock", cd ? cd : gd, git_reference_symbolic_target(head));
		out[k++] = sbuf_detach(&sb, NULL);
	}
	git_reference_free(head);
	return k;
}

int
store_stale_lock(struct store *s, int64_t max_age_secs, int64_t now,
		 char *path_out, size_t n, int64_t *age_out)
{
	char *paths[3];
	struct stat st;
	size_t k, i;
	int ret = 0, w;

	if (now < 0)
		now = (int64_t)time(NULL);
	k = lock_paths(s, paths);
	for (i = 0; i < k && ret == 0; i++) {
		if (lstat(paths[i], &st) < 0)
			continue;
		w = snprintf(path_out, n, "%s", shown_path(s, paths[i]));
		if (age_out)
			*age_out = now - (int64_t)st.st_mtime;
		if (w < 0 || (size_t)w >= n) {
			errno = ENAMETOOLONG;
			ret = -1;
		} else if (now - (int64_t)st.st_mtime > max_age_secs) {
			ret = unlink(paths[i]) < 0 && errno != ENOENT ? -1 : 2;
		} else {
			ret = 1;
		}
	}
	for (i = 0; i < k; i++)
		free(paths[i]);
	return ret;
}

/* Refuse to start while git (or a crashed git) holds one of its locks. */
static int
check_locks(struct store *s, struct drip_err *err)
{
	char *paths[3];
	size_t k, i;
	int ret = 0;

	k = lock_paths(s, paths);
	for (i = 0; i < k; i++) {
		if (ret == 0 && access(paths[i], F_OK) == 0)
			ret = err_set(err, DRIP_ETEMP, NULL, 0, 0,
				      "'%s' exists; another git process is running, or one "
				      "crashed and the file must be removed",
				      shown_path(s, paths[i]));
		free(paths[i]);
	}
	return ret;
}

static int
cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->rel, ((const struct item *)b)->rel);
}

/* Validate, sort and deduplicate the paths, and make a blob of each file
 * present.  Blobs do not depend on HEAD, so a retry reuses them. */
static int
items_prepare(struct store *s, const char *const *paths, size_t n,
	      struct item **out, size_t *nout, struct drip_err *err)
{
	struct item *it;
	size_t i, k = 0;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < n; i++)
		if (check_path(paths[i], err) < 0)
			return -1;
	if (n == 0)
		return 0;
	it = xcalloc(n, sizeof *it);
	for (i = 0; i < n; i++)
		it[i].rel = paths[i];
	qsort(it, n, sizeof *it, cmp_item);
	for (i = 0; i < n; i++)
		if (k == 0 || strcmp(it[k - 1].rel, it[i].rel) != 0)
			it[k++] = it[i];
	*out = it;
	*nout = k;
	for (i = 0; i < k; i++) {
		struct sbuf sb = SBUF_INIT;

		sbuf_printf(&sb, "%s%s", s->workdir, it[i].rel);
		it[i].full = sbuf_detach(&sb, NULL);
		if (s->untrack && strcmp(it[i].rel, s->untrack) == 0)
			continue;	/* as if absent: out of the tree */
		if (lstat(it[i].full, &it[i].st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return err_sys(err, DRIP_EFAIL, NULL, "cannot commit '%s'", it[i].rel);
		}
		/* A symlink would commit whatever it points at; drip only
		 * ever writes regular files. */
		if (!S_ISREG(it[i].st.st_mode))
			return err_set(err, DRIP_EFAIL, NULL, 0, 0,
				       "cannot commit '%s': not a regular file", it[i].rel);
		if (git_blob_create_from_disk(&it[i].id, s->repo, it[i].full) < 0)
			return store_git_fail(err, DRIP_EFAIL, "cannot store '%s'", it[i].rel);
		it[i].present = 1;
		it[i].mode = it[i].st.st_mode & S_IXUSR ? GIT_FILEMODE_BLOB_EXECUTABLE
							: GIT_FILEMODE_BLOB;
	}
	return 0;
}

static void
items_free(struct item *it, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(it[i].full);
	free(it);
}

/* user.name or user.email from the repository's config (all levels), or
 * dflt when unset or empty.  The result is malloc'ed. */
static int
config_string(git_config *cfg, const char *key, const char *dflt, char **out,
	      struct drip_err *err)
{
	git_buf buf = GIT_BUF_INIT;
	int rc;

	*out = NULL;
	rc = git_config_get_string_buf(&buf, cfg, key);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		store_git_fail(err, DRIP_ECONFIG, "cannot read git config '%s'", key);
	else
		*out = xstrdup(rc == 0 && buf.ptr && buf.ptr[0] ? buf.ptr : dflt);
	git_buf_dispose(&buf);
	return *out ? 0 : -1;
}

static int
make_signature(struct store *s, int64_t now, git_signature **sig, struct drip_err *err)
{
	git_config *cfg = NULL;
	char *name = NULL, *email = NULL;
	int ret = -1, rc;

	*sig = NULL;
	if (git_repository_config(&cfg, s->repo) < 0) {
		store_git_fail(err, DRIP_ECONFIG, "cannot read git config");
		goto out;
	}
	if (config_string(cfg, "user.name", STORE_DEFAULT_NAME, &name, err) < 0 ||
	    config_string(cfg, "user.email", STORE_DEFAULT_EMAIL, &email, err) < 0)
		goto out;
	if (now >= 0)
		rc = git_signature_new(sig, name, email, (git_time_t)now, 0);
	else
		rc = git_signature_now(sig, name, email);
	if (rc < 0) {
		store_git_fail(err, DRIP_ECONFIG, "bad git identity '%s <%s>'", name, email);
		goto out;
	}
	ret = 0;
out:
	free(name);
	free(email);
	git_config_free(cfg);
	return ret;
}

/*
 * The tree HEAD would have with the items applied.  A removal of a path
 * HEAD does not have is dropped: libgit2 refuses to remove what is not
 * there, and for us it simply means there is nothing to do.
 */
static int
build_tree(struct store *s, const struct head *h, const struct item *it, size_t n,
	   git_oid *tree_id, struct drip_err *err)
{
	git_tree_update *up;
	git_tree_entry *e;
	size_t i, k = 0;
	int ret = -1;

	up = xcalloc(n ? n : 1, sizeof *up);
	for (i = 0; i < n; i++) {
		if (!it[i].present) {
			if (h->tree == NULL)
				continue;
			if (git_tree_entry_bypath(&e, h->tree, it[i].rel) < 0)
				continue;
			git_tree_entry_free(e);
			up[k].action = GIT_TREE_UPDATE_REMOVE;
		} else {
			up[k].action = GIT_TREE_UPDATE_UPSERT;
			git_oid_cpy(&up[k].id, &it[i].id);
			up[k].filemode = it[i].mode;
		}
		up[k++].path = it[i].rel;
	}
	if (git_tree_create_updated(tree_id, s->repo, h->tree, k, up) < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot build the tree to commit");
		goto out;
	}
	ret = 0;
out:
	free(up);
	return ret;
}

/* Is tree_id the same tree as HEAD's (an unborn HEAD counts as empty)? */
static int
tree_unchanged(struct store *s, const struct head *h, const git_oid *tree_id,
	       int *same, struct drip_err *err)
{
	git_tree *t = NULL;

	if (h->tree) {
		*same = git_oid_equal(tree_id, git_tree_id(h->tree));
		return 0;
	}
	if (git_tree_lookup(&t, s->repo, tree_id) < 0)
		return store_git_fail(err, DRIP_EFAIL, "cannot read the new tree");
	*same = git_tree_entrycount(t) == 0;
	git_tree_free(t);
	return 0;
}

static int
object_exists(struct store *s, const git_oid *id)
{
	git_odb *odb = NULL;
	int yes;

	if (git_repository_odb(&odb, s->repo) < 0)
		return 0;
	yes = git_odb_exists(odb, id);
	git_odb_free(odb);
	return yes;
}

/*
 * The reflogs of HEAD and the branch, with their sizes before a ref
 * update: libgit2 appends to them before it moves the branch, so when the
 * move fails (a full disk) they would name a commit that never was.
 */
struct reflog_marks {
	char *path[2];
	off_t size[2];
};

static void
reflogs_mark(struct store *s, const char *branch, struct reflog_marks *m)
{
	const char *gd = git_repository_path(s->repo);
	const char *cd = git_repository_commondir(s->repo);
	struct sbuf sb = SBUF_INIT;
	struct stat st;
	int i;

	sbuf_printf(&sb, "%slogs/HEAD", gd);
	m->path[0] = sbuf_detach(&sb, NULL);
	sbuf_printf(&sb, "%slogs/%s", cd ? cd : gd, branch);
	m->path[1] = sbuf_detach(&sb, NULL);
	for (i = 0; i < 2; i++)
		m->size[i] = lstat(m->path[i], &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
}

static void
reflogs_undo(const struct reflog_marks *m)
{
	struct stat st;
	int i;

	for (i = 0; i < 2; i++) {
		if (m->path[i] == NULL || lstat(m->path[i], &st) != 0)
			continue;
		if (m->size[i] < 0)
			unlink(m->path[i]);
		else if (st.st_size > m->size[i])
			(void)!truncate(m->path[i], m->size[i]);
	}
}

static void
reflogs_free(struct reflog_marks *m)
{
	free(m->path[0]);
	free(m->path[1]);
}

/* The reflog line, as git writes it: "commit: FIRST LINE". */
static void
reflog_message(struct sbuf *sb, const struct head *h, const char *message)
{
	size_t len = strcspn(message, "\n");

	sbuf_printf(sb, "commit%s: %.*s", h->unborn ? " (initial)" : "", (int)len, message);
}

/*
 * One attempt: commit the items on top of the current HEAD and move the
 * branch if it still is where we read it.  Returns 0 when done (*committed
 * says whether a commit was made), 1 when the branch moved and the caller
 * should try again, -1 on error.
 */
static int
commit_once(struct store *s, const struct item *it, size_t n, const char *message,
	    const git_signature *sig, int *committed, git_oid *result,
	    struct drip_err *err)
{
	struct head h;
	struct sbuf log = SBUF_INIT;
	git_reference *ref = NULL;
	git_tree *tree = NULL;
	const git_commit *parents[1];
	struct reflog_marks marks = { { NULL, NULL }, { 0, 0 } };
	git_oid tree_id, cid;
	int ret = -1, same = 0, rc;

	if (head_read(s, &h, err) < 0)
		return -1;
	if (h.branch == NULL) {
		err_set(err, DRIP_ECONFIG, NULL, 0, 0, STORE_DETACHED_MSG);
		goto out;
	}
	if (build_tree(s, &h, it, n, &tree_id, err) < 0 ||
	    tree_unchanged(s, &h, &tree_id, &same, err) < 0)
		goto out;
	if (same) {
		*committed = 0;
		if (!h.unborn)
			git_oid_cpy(result, &h.id);
		ret = 0;
		goto out;
	}
	if (git_tree_lookup(&tree, s->repo, &tree_id) < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot read the new tree");
		goto out;
	}
	parents[0] = h.commit;
	if (git_commit_create(&cid, s->repo, NULL, sig, sig, NULL, message, tree,
			      h.unborn ? 0 : 1, parents) < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot create the commit");
		goto out;
	}
	/* libgit2 has been seen to report success for an object that a
	 * full disk kept it from writing; the branch must never point at
	 * one, and the user deserves the real reason. */
	if (!object_exists(s, &cid)) {
		err_set(err, DRIP_EFAIL, NULL, 0, 0,
			"cannot create the commit: git could not write it; is the disk full?");
		goto out;
	}
	if (s->before_update)
		s->before_update(s->before_update_arg);
	reflog_message(&log, &h, message);
	reflogs_mark(s, h.branch, &marks);
	if (h.unborn)
		rc = git_reference_create(&ref, s->repo, h.branch, &cid, 0, sbuf_str(&log));
	else
		rc = git_reference_create_matching(&ref, s->repo, h.branch, &cid, 1, &h.id,
						   sbuf_str(&log));
	if (rc < 0)
		reflogs_undo(&marks);
	if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ENOTFOUND) {
		/* Someone moved (or created, or deleted) the branch since we
		 * read it: our commit has the wrong parent. */
		ret = 1;
		goto out;
	}
	if (rc == GIT_ELOCKED) {
		store_git_fail(err, DRIP_ETEMP, "cannot move '%s'", h.branch);
		goto out;
	}
	if (rc < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot move '%s'", h.branch);
		goto out;
	}
	*committed = 1;
	git_oid_cpy(result, &cid);
	ret = 0;
out:
	reflogs_free(&marks);
	sbuf_release(&log);
	git_reference_free(ref);
	git_tree_free(tree);
	head_free(&h);
	return ret;
}

/*
 * Make the index agree with what was committed for exactly these paths, so
 * `git status` is clean.  The entries come from the stat taken before each
 * blob was made: if a file changed after that, its stat no longer matches
 * and git rehashes it, so a later edit is never hidden.  This spares
 * hashing (and compressing) big state files a second time.
 */
static int
update_index(struct store *s, const struct item *it, size_t n, struct drip_err *err)
{
	git_index *idx = NULL;
	git_index_entry e;
	size_t i;
	int ret = -1, rc;

	if (git_repository_index(&idx, s->repo) < 0 || git_index_read(idx, 1) < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot read the index");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!it[i].present) {
			if (git_index_remove_bypath(idx, it[i].rel) < 0) {
				store_git_fail(err, DRIP_EFAIL, "cannot update the index for '%s'", it[i].rel);
				goto out;
			}
			continue;
		}
		memset(&e, 0, sizeof e);
		e.ctime.seconds = (int32_t)it[i].st.st_ctim.tv_sec;
		e.ctime.nanoseconds = (uint32_t)it[i].st.st_ctim.tv_nsec;
		e.mtime.seconds = (int32_t)it[i].st.st_mtim.tv_sec;
		e.mtime.nanoseconds = (uint32_t)it[i].st.st_mtim.tv_nsec;
		e.dev = (uint32_t)it[i].st.st_dev;
		e.ino = (uint32_t)it[i].st.st_ino;
		e.mode = it[i].mode;
		e.uid = (uint32_t)it[i].st.st_uid;
		e.gid = (uint32_t)it[i].st.st_gid;
		e.file_size = (uint32_t)it[i].st.st_size;
		git_oid_cpy(&e.id, &it[i].id);
		e.path = it[i].rel;
		if (git_index_add(idx, &e) < 0) {
			store_git_fail(err, DRIP_EFAIL, "cannot update the index for '%s'", it[i].rel);
			goto out;
		}
	}
	rc = git_index_write(idx);
	if (rc < 0) {
		store_git_fail(err, rc == GIT_ELOCKED ? DRIP_ETEMP : DRIP_EFAIL,
			       "cannot write the index");
		goto out;
	}
	ret = 0;
out:
	git_index_free(idx);
	return ret;
}

int
store_commit(struct store *s, const char *const *paths, size_t n,
	     const char *message, int64_t now, int *committed,
	     char *oid_hex, struct drip_err *err)
{
	struct item *it = NULL;
	struct sbuf msg = SBUF_INIT;
	git_signature *sig = NULL;
	git_oid result;
	size_t nit = 0;
	int ret = -1, rc = 1, tries;

	*committed = 0;
	if (oid_hex)
		oid_hex[0] = '\0';
	memset(&result, 0, sizeof result);
	if (check_locks(s, err) < 0 ||
	    items_prepare(s, paths, n, &it, &nit, err) < 0 ||
	    make_signature(s, now, &sig, err) < 0)
		goto out;
	/* git's convention: a message ends with a newline. */
	sbuf_adds(&msg, message);
	if (msg.len == 0 || msg.buf[msg.len - 1] != '\n')
		sbuf_addc(&msg, '\n');
	for (tries = 0; tries < STORE_CAS_TRIES && rc == 1; tries++) {
		rc = commit_once(s, it, nit, sbuf_str(&msg), sig, committed, &result, err);
		if (rc < 0)
			goto out;
	}
	if (rc == 1) {
		err_set(err, DRIP_ETEMP, NULL, 0, 0,
			"the branch kept moving while drip committed (%d tries); run drip again",
			STORE_CAS_TRIES);
		goto out;
	}
	if (oid_hex && !git_oid_is_zero(&result))
		git_oid_tostr(oid_hex, GIT_OID_HEXSZ + 1, &result);
	if (update_index(s, it, nit, err) < 0)
		goto out;
	ret = 0;
out:
	git_signature_free(sig);
	sbuf_release(&msg);
	items_free(it, nit);
	return ret;
}

/* The full path of rel in the work tree (malloc'ed). */
static char *
work_path(const struct store *s, const char *rel)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_printf(&sb, "%s%s", s->workdir, rel);
	return sbuf_detach(&sb, NULL);
}

/*
 * Does the path differ from want (its id at HEAD) in the index or in the
 * work tree?  A missing index entry, a conflict, a deleted file or one that
 * is no longer a regular file all count as differences.
 */
/*
 * Does the index entry ie vouch for the file with stat st, as git's own
 * check does: the same size, inode, device, modification and change times
 * (to the nanosecond), and modified before the index was written (a file
 * changed in the same instant as the index is "racily clean": only its
 * content can tell)?  Then its content is the entry's blob, unread.
 */
static int
stat_clean(const git_index_entry *ie, const struct stat *st, const struct stat *index_st)
{
	if (ie->file_size != (uint32_t)st->st_size || ie->ino != (uint32_t)st->st_ino ||
	    ie->dev != (uint32_t)st->st_dev ||
	    ie->mtime.seconds != (int32_t)st->st_mtim.tv_sec ||
	    ie->mtime.nanoseconds != (uint32_t)st->st_mtim.tv_nsec ||
	    ie->ctime.seconds != (int32_t)st->st_ctim.tv_sec ||
	    ie->ctime.nanoseconds != (uint32_t)st->st_ctim.tv_nsec)
		return 0;
	return st->st_mtim.tv_sec < index_st->st_mtim.tv_sec ||
	       (st->st_mtim.tv_sec == index_st->st_mtim.tv_sec &&
		st->st_mtim.tv_nsec < index_st->st_mtim.tv_nsec);
}

static int
path_dirty(struct store *s, git_index *idx, const struct stat *index_st, const char *rel,
	   const git_oid *want, int *dirty, struct drip_err *err)
{
	const git_index_entry *ie;
	struct stat st;
	git_oid id;
	char *full;
	int ret = -1;

	ie = git_index_get_bypath(idx, rel, 0);
	if (ie == NULL || !git_oid_equal(&ie->id, want)) {
		*dirty = 1;
		return 0;
	}
	full = work_path(s, rel);
	if (lstat(full, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			err_sys(err, DRIP_EFAIL, NULL, "cannot check '%s'", rel);
			goto out;
		}
		*dirty = 1;
	} else if (!S_ISREG(st.st_mode)) {
		*dirty = 1;
	} else if (index_st && stat_clean(ie, &st, index_st)) {
		*dirty = 0;
	} else {
		/* Hash as `git add` would, with the path's filters, so that the
		 * answer agrees with the blob store_commit would make. */
		if (git_repository_hashfile(&id, s->repo, full, GIT_OBJECT_BLOB, rel) < 0) {
			store_git_fail(err, DRIP_EFAIL, "cannot hash '%s'", rel);
			goto out;
		}
		*dirty = !git_oid_equal(&id, want);
	}
	ret = 0;
out:
	free(full);
	return ret;
}

int
store_check_clean(struct store *s, const char *const *paths, size_t n,
		  struct drip_err *err)
{
	struct head h;
	git_index *idx = NULL;
	git_tree_entry *e;
	struct stat index_st;
	const char *index_path;
	size_t i;
	int ret = -1, dirty, rc, have_index_st;

	if (head_read(s, &h, err) < 0)
		return -1;
	if (h.tree == NULL) {
		/* No commit yet: nothing is tracked, so nothing is foreign. */
		ret = 0;
		goto out;
	}
	if (git_repository_index(&idx, s->repo) < 0 || git_index_read(idx, 1) < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot read the index");
		goto out;
	}
	/* Without the index file's own time, every file is read. */
	index_path = git_index_path(idx);
	have_index_st = index_path && stat(index_path, &index_st) == 0;
	for (i = 0; i < n; i++) {
		if (check_path(paths[i], err) < 0)
			goto out;
		rc = git_tree_entry_bypath(&e, h.tree, paths[i]);
		if (rc == GIT_ENOTFOUND)
			continue;
		if (rc < 0) {
			store_git_fail(err, DRIP_EFAIL, "cannot look up '%s' at HEAD", paths[i]);
			goto out;
		}
		rc = path_dirty(s, idx, have_index_st ? &index_st : NULL, paths[i],
				git_tree_entry_id(e), &dirty, err);
		git_tree_entry_free(e);
		if (rc < 0)
			goto out;
		if (dirty) {
			err_set(err, DRIP_ETEMP, NULL, 0, 0,
				"'%s' has uncommitted changes; commit or discard them, "
				"then run drip again", paths[i]);
			goto out;
		}
	}
	ret = 0;
out:
	git_index_free(idx);
	head_free(&h);
	return ret;
}

int
store_read_head(struct store *s, const char *path, struct sbuf *out,
		struct drip_err *err)
{
	struct head h;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	git_object_size_t size;
	int ret = -1, rc;

	if (check_path(path, err) < 0 || head_read(s, &h, err) < 0)
		return -1;
	if (h.tree == NULL) {
		ret = 1;
		goto out;
	}
	rc = git_tree_entry_bypath(&e, h.tree, path);
	if (rc == GIT_ENOTFOUND) {
		ret = 1;
		goto out;
	}
	if (rc < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot look up '%s' at HEAD", path);
		goto out;
	}
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		err_set(err, DRIP_EFAIL, NULL, 0, 0, "'%s' is not a file at HEAD", path);
		goto out;
	}
	if (git_blob_lookup(&blob, s->repo, git_tree_entry_id(e)) < 0) {
		store_git_fail(err, DRIP_EFAIL, "cannot read '%s' at HEAD", path);
		goto out;
	}
	size = git_blob_rawsize(blob);
	if (size > (git_object_size_t)SIZE_MAX - 1) {
		err_set(err, DRIP_EFAIL, NULL, 0, 0, "'%s' is too large to read", path);
		goto out;
	}
	sbuf_add(out, git_blob_rawcontent(blob), (size_t)size);
	ret = 0;
out:
	git_blob_free(blob);
	git_tree_entry_free(e);
	head_free(&h);
	return ret;
}

int
store_head(struct store *s, char *hex, struct drip_err *err)
{
	git_oid id;
	int rc = git_reference_name_to_id(&id, s->repo, "HEAD");

	if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) {
		hex[0] = '\0';
		return 1;
	}
	if (rc < 0) {
		const git_error *e = git_error_last();

		return err_set(err, DRIP_EFAIL, NULL, 0, 0, "cannot resolve HEAD: %s",
			       e ? e->message : "unknown error");
	}
	git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &id);
	return 0;
}

int
store_check_branch(struct store *s, struct drip_err *err)
{
	struct head h;

	if (head_read(s, &h, err) < 0)
		return -1;
	if (h.branch == NULL) {
		head_free(&h);
		return err_set(err, DRIP_ECONFIG, NULL, 0, 0, STORE_DETACHED_MSG);
	}
	head_free(&h);
	return 0;
}

int
store_same_as_head(struct store *s, const char *rel, int *same, struct drip_err *err)
{
	struct head h;
	git_tree_entry *e = NULL;
	struct stat st;
	git_oid id;
	char *full = NULL;
	int ret = -1, rc, present;

	if (check_path(rel, err) < 0 || head_read(s, &h, err) < 0)
		return -1;
	full = work_path(s, rel);
	if (lstat(full, &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			err_sys(err, DRIP_EFAIL, NULL, "cannot check '%s'", rel);
			goto out;
		}
		present = 0;
	} else {
		present = 1;
	}
	rc = h.tree ? git_tree_entry_bypath(&e, h.tree, rel) : GIT_ENOTFOUND;
	if (rc < 0 && rc != GIT_ENOTFOUND) {
		store_git_fail(err, DRIP_EFAIL, "cannot look up '%s' at HEAD", rel);
		goto out;
	}
	if (rc == GIT_ENOTFOUND || !present) {
		*same = rc == GIT_ENOTFOUND && !present;
	} else if (!S_ISREG(st.st_mode)) {
		*same = 0;
	} else {
		if (git_repository_hashfile(&id, s->repo, full, GIT_OBJECT_BLOB, rel) < 0) {
			store_git_fail(err, DRIP_EFAIL, "cannot hash '%s'", rel);
			goto out;
		}
		*same = git_oid_equal(&id, git_tree_entry_id(e));
	}
	ret = 0;
out:
	git_tree_entry_free(e);
	free(full);
	head_free(&h);
	return ret;
}

int
store_read_ref(struct store *s, const char *name, struct sbuf *out, struct drip_err *err)
{
	git_object *obj = NULL;
	git_blob *blob = NULL;
	git_oid id;
	int rc = git_reference_name_to_id(&id, s->repo, name);

	if (rc == GIT_ENOTFOUND)
		return 1;
	if (rc < 0)
		return store_git_fail(err, DRIP_EFAIL, "cannot read '%s'", name);
	if (git_object_lookup(&obj, s->repo, &id, GIT_OBJECT_ANY) < 0)
		return store_git_fail(err, DRIP_EFAIL, "cannot read what '%s' names", name);
	if (git_object_type(obj) == GIT_OBJECT_COMMIT) {
		/* A blob wrapped in a commit, to be pushed (store_write_ref). */
		git_tree *tree = NULL;
		git_tree_entry *e = NULL;

		rc = git_commit_tree(&tree, (git_commit *)obj) < 0 ||
		     git_tree_entry_bypath(&e, tree, STORE_REF_FILE) < 0 ? -1 : 0;
		if (rc == 0)
			id = *git_tree_entry_id(e);
		git_tree_entry_free(e);
		git_tree_free(tree);
		if (rc < 0) {
			git_object_free(obj);
			return store_git_fail(err, DRIP_EFAIL, "cannot read what '%s' names", name);
		}
	}
	git_object_free(obj);
	if (git_blob_lookup(&blob, s->repo, &id) < 0)
		return store_git_fail(err, DRIP_EFAIL, "cannot read what '%s' names", name);
	sbuf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 0;
}

/* fsync path (a file or a directory) when it exists. */
static int
sync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	rc = fsync(fd) < 0 && errno != EINVAL ? -1 : 0;
	close(fd);
	return rc;
}

int
store_unlock_ref(struct store *s, const char *name, struct drip_err *err)
{
	struct sbuf p = SBUF_INIT;
	int rc = 0;

	sbuf_printf(&p, "%s%s.lock", git_repository_commondir(s->repo), name);
	if (unlink(sbuf_str(&p)) != 0 && errno != ENOENT)
		rc = err_sys(err, DRIP_EFAIL, NULL, "cannot remove '%s'", sbuf_str(&p));
	sbuf_release(&p);
	return rc;
}

/* The loose objects a ref names: the blob, or the commit, its tree and
 * the blob it wraps (n receives how many, at most 3). */
static void
ref_objects(struct store *s, const git_oid *id, git_oid v[3], size_t *n)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	const git_tree_entry *e;

	*n = 0;
	v[(*n)++] = *id;
	if (git_commit_lookup(&c, s->repo, id) < 0) {
		git_error_clear();
		return;
	}
	if (git_commit_tree(&t, c) == 0) {
		v[(*n)++] = *git_tree_id(t);
		if ((e = git_tree_entry_byname(t, STORE_REF_FILE)) != NULL)
			v[(*n)++] = *git_tree_entry_id(e);
	}
	git_tree_free(t);
	git_commit_free(c);
}

/* Sync the loose file of an object, and its directory (a packed one has
 * none, and packs are synced when made). */
static int
sync_object(struct store *s, const git_oid *id, struct drip_err *err)
{
	const char *gd = git_repository_commondir(s->repo);
	struct sbuf p = SBUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	int rc = 0;

	git_oid_tostr(hex, sizeof hex, id);
	sbuf_printf(&p, "%sobjects/%.2s/%s", gd, hex, hex + 2);
	if (sync_path(sbuf_str(&p)) < 0)
		rc = err_sys(err, DRIP_EFAIL, NULL, "cannot sync '%s'", sbuf_str(&p));
	p.len = 0;
	sbuf_printf(&p, "%sobjects/%.2s", gd, hex);
	if (rc == 0 && sync_path(sbuf_str(&p)) < 0)
		rc = err_sys(err, DRIP_EFAIL, NULL, "cannot sync '%s'", sbuf_str(&p));
	sbuf_release(&p);
	return rc;
}

/* buf as a blob, or (wrap) as the file STORE_REF_FILE of a commit of its
 * own: libgit2 pushes only refs that name commits. */
static int
ref_value(struct store *s, const char *name, const char *buf, size_t len, int wrap,
	  git_oid *id, struct drip_err *err)
{
	git_treebuilder *tb = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid blob, tid;
	int rc = 0;

	if (git_blob_create_from_buffer(&blob, s->repo, buf, len) < 0)
		return store_git_fail(err, DRIP_EFAIL, "cannot store '%s'", name);
	*id = blob;
	if (!wrap)
		return 0;
	/* Dated at the epoch: the same content is the same commit. */
	if (git_treebuilder_new(&tb, s->repo, NULL) < 0 ||
	    git_treebuilder_insert(NULL, tb, STORE_REF_FILE, &blob, GIT_FILEMODE_BLOB) < 0 ||
	    git_treebuilder_write(&tid, tb) < 0 || git_tree_lookup(&tree, s->repo, &tid) < 0 ||
	    git_signature_new(&sig, "drip", "drip@localhost", 0, 0) < 0 ||
	    git_commit_create(id, s->repo, NULL, sig, sig, NULL, name, tree, 0, NULL) < 0)
		rc = store_git_fail(err, DRIP_EFAIL, "cannot store '%s'", name);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(tb);
	return rc;
}

static int write_ref(struct store *s, const char *name, const char *buf, size_t len,
		     const char *log, int wrap, struct drip_err *err);

int
store_write_ref(struct store *s, const char *name, const char *buf, size_t len,
		const char *log, struct drip_err *err)
{
	return write_ref(s, name, buf, len, log, 0, err);
}

int
store_write_ref_commit(struct store *s, const char *name, const char *buf, size_t len,
		       const char *log, struct drip_err *err)
{
	return write_ref(s, name, buf, len, log, 1, err);
}

static int
write_ref(struct store *s, const char *name, const char *buf, size_t len, const char *log,
	  int wrap, struct drip_err *err)
{
	const char *gd = git_repository_commondir(s->repo);
	git_reference *ref = NULL;
	struct sbuf p = SBUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id, old, objs[3], olds[3];
	size_t nobjs, nolds, i, j;
	int ret = -1, rc, have_old;

	if (ref_value(s, name, buf, len, wrap, &id, err) < 0)
		return -1;
	/* libgit2 syncs neither the loose object nor the ref unless told
	 * to for the whole process; the objects first, so that the ref never
	 * survives a crash that its objects did not. */
	ref_objects(s, &id, objs, &nobjs);
	for (i = nobjs; i-- > 0;)
		if (sync_object(s, &objs[i], err) < 0)
			goto out;
	if (store_unlock_ref(s, name, err) < 0)
		goto out;
	have_old = git_reference_name_to_id(&old, s->repo, name) == 0;
	rc = git_reference_create(&ref, s->repo, name, &id, 1, log);
	if (rc < 0) {
		store_git_fail(err, rc == GIT_ELOCKED ? DRIP_ETEMP : DRIP_EFAIL, "cannot move '%s'", name);
		goto out;
	}
	p.len = 0;
	sbuf_printf(&p, "%s%s", gd, name);
	if (sync_path(sbuf_str(&p)) < 0 || (*strrchr(p.buf, '/') = '\0', sync_path(p.buf)) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot sync '%s'", name);
		goto out;
	}
	/* The blob the ref named is the ref's alone (see store.h): left
	 * loose, every move would leave one unreachable object behind.  One
	 * in a pack goes with the next gc. */
	if (have_old && !git_oid_equal(&old, &id)) {
		ref_objects(s, &old, olds, &nolds);
		for (i = 0; i < nolds; i++) {
			for (j = 0; j < nobjs; j++)
				if (git_oid_equal(&olds[i], &objs[j]))
					break;
			if (j < nobjs)
				continue;
			git_oid_tostr(hex, sizeof hex, &olds[i]);
			p.len = 0;
			sbuf_printf(&p, "%sobjects/%.2s/%s", gd, hex, hex + 2);
			unlink(sbuf_str(&p));
		}
	}
	ret = 0;
out:
	git_reference_free(ref);
	sbuf_release(&p);
	return ret;
}

int
store_exclude(struct store *s, const char *pattern, struct drip_err *err)
{
	const char *cd = git_repository_commondir(s->repo);
	struct sbuf path = SBUF_INIT, cur = SBUF_INIT, line = SBUF_INIT;
	int ret = -1;
	FILE *f = NULL;

	sbuf_printf(&path, "%sinfo", cd);
	if (mkdir(sbuf_str(&path), 0755) < 0 && errno != EEXIST) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot make '%s'", sbuf_str(&path));
		goto out;
	}
	sbuf_adds(&path, "/exclude");
	f = fopen(sbuf_str(&path), "a+");
	if (f == NULL) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot open '%s'", sbuf_str(&path));
		goto out;
	}
	{
		char buf[4096];
		size_t n;

		rewind(f);
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			sbuf_add(&cur, buf, n);
	}
	sbuf_printf(&line, "\n%s\n", pattern);
	if ((cur.len && strncmp(cur.buf, sbuf_str(&line) + 1, line.len - 1) == 0) ||
	    (cur.len && strstr(cur.buf, sbuf_str(&line)) != NULL)) {
		ret = 0;
		goto out;
	}
	if ((cur.len && cur.buf[cur.len - 1] != '\n' && fputc('\n', f) == EOF) ||
	    fprintf(f, "%s\n", pattern) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", sbuf_str(&path));
		goto out;
	}
	ret = 0;
out:
	if (f)
		fclose(f);
	sbuf_release(&path);
	sbuf_release(&cur);
	sbuf_release(&line);
	return ret;
}

struct ref_list_ctx {
	int (*fn)(void *, const char *);
	void *arg;
};

static int
ref_list_one(const char *name, void *payload)
{
	struct ref_list_ctx *c = payload;

	return c->fn(c->arg, name) < 0 ? GIT_EUSER : 0;
}

int
store_list_refs(struct store *s, const char *glob, int (*fn)(void *arg, const char *name),
		void *arg, struct drip_err *err)
{
	struct ref_list_ctx c = { fn, arg };
	int rc = git_reference_foreach_glob(s->repo, glob, ref_list_one, &c);

	if (rc == GIT_EUSER)
		return -1;
	if (rc < 0)
		return store_git_fail(err, DRIP_EFAIL, "cannot list the refs '%s'", glob);
	return 0;
}

struct git_repository *
store_repo(struct store *s)
{
	return s->repo;
}

int
store_walk_messages(struct store *s, int64_t since, int (*fn)(void *arg, const char *msg),
		    void *arg, struct drip_err *err)
{
	git_revwalk *w = NULL;
	git_oid id;
	int rc = 0;

	if (git_revwalk_new(&w, s->repo) < 0 || git_revwalk_sorting(w, GIT_SORT_TIME) < 0)
		rc = store_git_fail(err, DRIP_EFAIL, "cannot walk the history");
	else if (git_revwalk_push_head(w) < 0)
		git_error_clear();	/* no commit yet: nothing to walk */
	else
		while (rc == 0 && git_revwalk_next(&id, w) == 0) {
			git_commit *c = NULL;

			if (git_commit_lookup(&c, s->repo, &id) < 0) {
				rc = store_git_fail(err, DRIP_EFAIL, "cannot read commit");
				break;
			}
			if ((int64_t)git_commit_time(c) < since)
				rc = 1;
			else
				rc = fn(arg, git_commit_message(c));
			git_commit_free(c);
		}
	git_revwalk_free(w);
	return rc < 0 ? -1 : 0;
}
