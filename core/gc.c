/*
 * gc.c - packing the workspace's repository (SPEC §13).
 *
 * The order is what makes a crash harmless: build the pack from the refs,
 * write it and its index (libgit2 writes both beside their final names and
 * renames them in), fsync them and the pack directory, and only then
 * unlink the loose objects and old packs the new pack is checked to hold.
 * An index is unlinked before its pack, since git reads a pack through its
 * index and ignores a pack without one.
 */
#include "gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/odb_backend.h>

#include "err.h"

#define GC_PATH_MAX 4096

/* How much of the objects being compared libgit2 may hold while it looks
 * for deltas.  Unlimited (its default), packing ten versions of a
 * 200,000-row contacts.csv took 290 MiB; with this, 60 MiB and half the
 * time, for the same pack.  One object larger than this is still read. */
#define GC_WINDOW_MEMORY "16m"
#define GC_CONFIG "drip-gc.config"

static int
git_fail(struct drip_err *err, const char *what)
{
	const git_error *e = git_error_last();

	return err_set(err, DRIP_EFAIL, NULL, 0, 0, "%s: %s", what,
		       e && e->message ? e->message : "libgit2 failed");
}

static int
path_of(char *buf, const char *dir, const char *name, struct drip_err *err)
{
	if ((size_t)snprintf(buf, GC_PATH_MAX, "%s/%s", dir, name) >= GC_PATH_MAX)
		return err_set(err, DRIP_EFAIL, dir, 0, 0, "path too long");
	return 0;
}

static int
pack_file(char *buf, const char *packdir, const char *name, const char *ext,
	  struct drip_err *err)
{
	if ((size_t)snprintf(buf, GC_PATH_MAX, "%s/%s%s", packdir, name, ext) >= GC_PATH_MAX)
		return err_set(err, DRIP_EFAIL, packdir, 0, 0, "path too long");
	return 0;
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

static int
ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && strcmp(s + a - b, tail) == 0;
}

/*
 * Call fn for every loose object under objects (the objects directory):
 * its id, its path and its size.  fn returns 0, or -1 to stop with err.
 */
static int
each_loose(const char *objects,
	   int (*fn)(void *ctx, const git_oid *id, const char *path, off_t size,
		     struct drip_err *err),
	   void *ctx, struct drip_err *err)
{
	char dir[GC_PATH_MAX], file[GC_PATH_MAX], hex[GIT_OID_HEXSZ + 1];
	DIR *top, *sub;
	struct dirent *d, *e;
	struct stat st;
	git_oid id;
	int rc = 0;

	if ((top = opendir(objects)) == NULL)
		return err_sys(err, DRIP_EFAIL, objects, "cannot read");
	while (rc == 0 && (d = readdir(top)) != NULL) {
		if (strlen(d->d_name) != 2 || !is_hex(d->d_name, 2))
			continue;
		if (path_of(dir, objects, d->d_name, err) < 0) {
			rc = -1;
			break;
		}
		if ((sub = opendir(dir)) == NULL)
			continue;	/* removed meanwhile, or not a directory */
		while (rc == 0 && (e = readdir(sub)) != NULL) {
			if (strlen(e->d_name) != GIT_OID_HEXSZ - 2 ||
			    !is_hex(e->d_name, GIT_OID_HEXSZ - 2))
				continue;	/* a temporary file being written */
			if (path_of(file, dir, e->d_name, err) < 0) {
				rc = -1;
				break;
			}
			if (lstat(file, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			memcpy(hex, d->d_name, 2);
			memcpy(hex + 2, e->d_name, GIT_OID_HEXSZ - 2);
			hex[GIT_OID_HEXSZ] = '\0';
			if (git_oid_fromstr(&id, hex) < 0)
				continue;
			rc = fn(ctx, &id, file, st.st_size, err);
		}
		closedir(sub);
	}
	closedir(top);
	return rc;
}

static int
count_loose(void *ctx, const git_oid *id, const char *path, off_t size,
	    struct drip_err *err)
{
	struct gc_stats *s = ctx;

	(void)id;
	(void)path;
	(void)err;
	s->loose++;
	s->loose_bytes += (uint64_t)size;
	return 0;
}

int
gc_stats(const char *gitdir, struct gc_stats *out, struct drip_err *err)
{
	char objects[GC_PATH_MAX], packdir[GC_PATH_MAX], file[GC_PATH_MAX];
	DIR *dir;
	struct dirent *d;
	struct stat st;

	memset(out, 0, sizeof *out);
	if (path_of(objects, gitdir, "objects", err) < 0 ||
	    path_of(packdir, objects, "pack", err) < 0)
		return -1;
	if (each_loose(objects, count_loose, out, err) < 0)
		return -1;
	if ((dir = opendir(packdir)) == NULL)
		return errno == ENOENT ? 0 : err_sys(err, DRIP_EFAIL, packdir, "cannot read");
	while ((d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, "pack-", 5) != 0 ||
		    !(ends_with(d->d_name, ".pack") || ends_with(d->d_name, ".idx")))
			continue;
		if (path_of(file, packdir, d->d_name, err) < 0) {
			closedir(dir);
			return -1;
		}
		if (stat(file, &st) < 0)
			continue;
		if (ends_with(d->d_name, ".pack"))
			out->packs++;
		out->pack_bytes += (uint64_t)st.st_size;
	}
	closedir(dir);
	return 0;
}

/* Every object reachable from a ref (and HEAD) into pb: the history of
 * every commit a ref leads to, and whatever else a ref names (an annotated
 * tag, a tree or blob) with all it references. */
static int
insert_refs(git_repository *repo, git_packbuilder *pb, struct drip_err *err)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL, *res = NULL;
	git_revwalk *walk = NULL;
	git_object *obj = NULL;
	git_object *peeled = NULL;
	int rc = -1, e;

	if (git_revwalk_new(&walk, repo) < 0 || git_reference_iterator_new(&it, repo) < 0) {
		git_fail(err, "cannot list the refs");
		goto out;
	}
	while ((e = git_reference_next(&ref, it)) == 0) {
		if (git_reference_resolve(&res, ref) < 0)
			goto next;	/* a symbolic ref to an unborn branch */
		if (git_object_lookup(&obj, repo, git_reference_target(res), GIT_OBJECT_ANY) < 0) {
			git_fail(err, "cannot read what a ref names");
			goto out;
		}
		if (git_object_type(obj) == GIT_OBJECT_COMMIT) {
			if (git_revwalk_push(walk, git_object_id(obj)) < 0) {
				git_fail(err, "cannot walk the history");
				goto out;
			}
		} else {
			if (git_packbuilder_insert_recur(pb, git_object_id(obj), NULL) < 0) {
				git_fail(err, "cannot pack an object");
				goto out;
			}
			if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0 &&
			    git_revwalk_push(walk, git_object_id(peeled)) < 0) {
				git_fail(err, "cannot walk the history");
				goto out;
			}
			git_object_free(peeled);
			peeled = NULL;
		}
next:
		git_object_free(obj);
		obj = NULL;
		git_reference_free(res);
		res = NULL;
		git_reference_free(ref);
		ref = NULL;
	}
	if (e != GIT_ITEROVER) {
		git_fail(err, "cannot list the refs");
		goto out;
	}
	/* A detached HEAD is a ref of its own. */
	if (git_repository_head_detached(repo) == 1 && git_revwalk_push_head(walk) < 0) {
		git_fail(err, "cannot walk the history");
		goto out;
	}
	if (git_packbuilder_insert_walk(pb, walk) < 0) {
		git_fail(err, "cannot pack the history");
		goto out;
	}
	rc = 0;
out:
	git_object_free(peeled);
	git_object_free(obj);
	git_reference_free(res);
	git_reference_free(ref);
	git_reference_iterator_free(it);
	git_revwalk_free(walk);
	return rc;
}

/* fsync a file or directory by path. */
static int
sync_path(const char *path, struct drip_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_sys(err, DRIP_EFAIL, path, "cannot open");
	if (fsync(fd) < 0) {
		err_sys(err, DRIP_EFAIL, path, "cannot sync");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* An object database reading one pack only, through its index. */
static int
one_pack_odb(git_odb **out, const char *idx, struct drip_err *err)
{
	git_odb_backend *b = NULL;

	*out = NULL;
	if (git_odb_new(out) < 0)
		return git_fail(err, "cannot read a pack");
	if (git_odb_backend_one_pack(&b, idx) < 0)
		goto fail;
	if (git_odb_add_backend(*out, b, 1) < 0) {
		b->free(b);	/* not the odb's until added */
		goto fail;
	}
	return 0;
fail:
	git_fail(err, "cannot read a pack");
	git_odb_free(*out);
	*out = NULL;
	return -1;
}

struct prune {
	git_odb *pack;			/* the new pack */
	size_t pruned;
	time_t prune_before;		/* unreachable and older: removed */
};

static int
prune_loose(void *ctx, const git_oid *id, const char *path, off_t size,
	    struct drip_err *err)
{
	struct prune *p = ctx;

	(void)size;
	if (!git_odb_exists(p->pack, id)) {
		struct stat st;

		/* Unreachable, or written after the pack was built: kept, unless
		 * it is older than the grace period (git gc's --prune=2.weeks.ago):
		 * nothing writing it then can still need it, and without this a
		 * few leftovers of killed commands would have every tick pack
		 * again. */
		if (stat(path, &st) < 0 || st.st_mtime > p->prune_before)
			return 0;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return err_sys(err, DRIP_EFAIL, path, "cannot remove");
	p->pruned++;
	return 0;
}

/* An old pack's objects that the new pack lacks: no ref reaches them. */
struct unpack {
	git_odb *pack;			/* the new pack */
	git_odb *old;			/* the old pack */
	git_odb *loose;			/* the loose objects only */
	const char *objects;		/* the objects directory */
	struct timespec mtime;		/* the old pack's */
	struct drip_err *err;
	int rc;
};

/* Write an object of the old pack that the new one lacks as a loose
 * object with the old pack's time, unless it is loose already. */
static int
unpack_one(const git_oid *id, void *ctx)
{
	struct unpack *u = ctx;
	char hex[GIT_OID_HEXSZ + 1], path[GC_PATH_MAX];
	struct timespec times[2];
	git_odb_object *obj = NULL;
	git_oid written;

	if (git_odb_exists(u->pack, id))
		return 0;
	git_oid_tostr(hex, sizeof hex, id);
	if ((size_t)snprintf(path, sizeof path, "%s/%.2s/%s", u->objects, hex, hex + 2) >=
	    sizeof path) {
		u->rc = err_set(u->err, DRIP_EFAIL, u->objects, 0, 0, "path too long");
		return 1;
	}
	if (access(path, F_OK) == 0)
		return 0;
	if (git_odb_read(&obj, u->old, id) < 0 ||
	    git_odb_write(&written, u->loose, git_odb_object_data(obj), git_odb_object_size(obj),
			  git_odb_object_type(obj)) < 0) {
		git_odb_object_free(obj);
		u->rc = git_fail(u->err, "cannot unpack an unreachable object");
		return 1;
	}
	git_odb_object_free(obj);
	times[0] = times[1] = u->mtime;
	if (utimensat(AT_FDCWD, path, times, 0) < 0) {
		u->rc = err_sys(u->err, DRIP_EFAIL, path, "cannot set the time of");
		return 1;
	}
	return 0;
}

/*
 * Remove the packs other than the one named keep, index first.  A pack
 * with a .keep file stays.  What an old pack holds that the new one lacks
 * no ref reaches (an old value of refs/drip/clock, a commit rebuilt after
 * a lost race): as git gc does, it is first written loose, synced, with
 * the old pack's time, so that it has the grace any unreachable loose
 * object has, unless the pack is older than that grace already.  Without
 * this every pack that ever held an old clock would stay, each a copy of
 * the whole history.
 */
static int
prune_packs(const char *objects, const char *packdir, const char *keep, git_odb *pack,
	    time_t prune_before, size_t *removed, struct drip_err *err)
{
	static const char *const exts[] = { ".idx", ".pack", ".rev", ".bitmap" };
	char file[GC_PATH_MAX], base[GC_PATH_MAX];
	DIR *dir;
	struct dirent *d;
	git_odb *old = NULL, *loose = NULL;
	git_odb_backend *b = NULL;
	struct unpack u;
	struct stat st;
	size_t i, len;
	int rc = 0;

	if (git_odb_new(&loose) < 0 ||
	    git_odb_backend_loose(&b, objects, -1, 1, 0, 0) < 0)
		goto fail;
	if (git_odb_add_backend(loose, b, 1) < 0) {
		b->free(b);	/* not the odb's until added */
		goto fail;
	}
	if ((dir = opendir(packdir)) == NULL) {
		git_odb_free(loose);
		return err_sys(err, DRIP_EFAIL, packdir, "cannot read");
	}
	while (rc == 0 && (d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, "pack-", 5) != 0 || !ends_with(d->d_name, ".idx"))
			continue;
		len = strlen(d->d_name) - 4;
		if (strlen(keep) == len && strncmp(d->d_name, keep, len) == 0)
			continue;
		snprintf(base, sizeof base, "%.*s", (int)len, d->d_name);
		if (path_of(file, packdir, base, err) < 0 ||
		    strlen(file) + 8 >= sizeof file) {
			rc = -1;
			break;
		}
		strcat(file, ".keep");
		if (access(file, F_OK) == 0)
			continue;
		/* An index without its pack is what a write killed between
		 * moving the two into place leaves: git ignores it, and so
		 * does this (the same objects make the same name next time). */
		strcpy(file + strlen(file) - 5, ".pack");
		if (stat(file, &st) != 0)
			continue;
		file[strlen(file) - 5] = '\0';
		strcat(file, ".idx");
		if (st.st_mtime >= prune_before) {
			if (one_pack_odb(&old, file, err) < 0) {
				rc = -1;
				break;
			}
			u = (struct unpack){ pack, old, loose, objects, st.st_mtim, err, 0 };
			if (git_odb_foreach(old, unpack_one, &u) < 0)
				rc = u.rc < 0 ? u.rc : git_fail(err, "cannot read an old pack");
			git_odb_free(old);
			old = NULL;
			if (rc < 0)
				break;
		}
		for (i = 0; i < sizeof exts / sizeof *exts; i++) {
			file[strlen(file) - strlen(strrchr(file, '.'))] = '\0';
			strcat(file, exts[i]);
			if (unlink(file) < 0 && errno != ENOENT) {
				rc = err_sys(err, DRIP_EFAIL, file, "cannot remove");
				break;
			}
		}
		if (rc == 0)
			(*removed)++;
	}
	closedir(dir);
	git_odb_free(loose);
	return rc;
fail:
	git_odb_free(loose);
	return git_fail(err, "cannot open the loose objects");
}

/*
 * Remove what a killed pack write or removal left: a pack's files without
 * its index (a removal killed after the index went), or an index without
 * its pack (a write killed between moving the two into place).  Neither
 * is read by git or drip, and nothing in them is needed: a removal only
 * starts once what the pack held is in the new pack or loose.  A git
 * process outside drip's lock may be writing such a pair right now, so
 * only files older than the grace go, and never a pack with a .keep.
 */
static int
prune_orphans(const char *packdir, time_t prune_before, size_t *removed,
	      struct drip_err *err)
{
	static const char *const exts[] = { ".pack", ".idx", ".rev", ".bitmap" };
	char file[GC_PATH_MAX], other[GC_PATH_MAX];
	struct dirent *d;
	struct stat st;
	DIR *dir;
	size_t i, stem;
	int rc = 0;

	if ((dir = opendir(packdir)) == NULL)
		return err_sys(err, DRIP_EFAIL, packdir, "cannot read");
	while (rc == 0 && (d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, "pack-", 5) != 0)
			continue;
		for (i = 0; i < sizeof exts / sizeof *exts; i++)
			if (ends_with(d->d_name, exts[i]))
				break;
		if (i == sizeof exts / sizeof *exts)
			continue;
		if (path_of(file, packdir, d->d_name, err) < 0 || strlen(file) + 8 >= sizeof file) {
			rc = -1;
			break;
		}
		stem = strlen(file) - strlen(exts[i]);
		/* Its pair: the index of a pack's file, the pack of an index. */
		snprintf(other, sizeof other, "%.*s%s", (int)stem, file, i == 1 ? ".pack" : ".idx");
		if (access(other, F_OK) == 0)
			continue;
		snprintf(other, sizeof other, "%.*s.keep", (int)stem, file);
		if (access(other, F_OK) == 0 || lstat(file, &st) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_mtime >= prune_before)
			continue;
		if (unlink(file) < 0 && errno != ENOENT)
			rc = err_sys(err, DRIP_EFAIL, file, "cannot remove");
		else if (i <= 1)
			(*removed)++;
	}
	closedir(dir);
	return rc;
}

/* Remove the objects/XX directories left empty; a directory in use by a
 * writer is not empty, and rmdir leaves it. */
static void
remove_empty_dirs(const char *objects)
{
	char dir[GC_PATH_MAX];
	DIR *top;
	struct dirent *d;

	if ((top = opendir(objects)) == NULL)
		return;
	while ((d = readdir(top)) != NULL)
		if (strlen(d->d_name) == 2 && is_hex(d->d_name, 2) &&
		    (size_t)snprintf(dir, sizeof dir, "%s/%s", objects, d->d_name) < sizeof dir)
			(void)rmdir(dir);
	closedir(top);
}

/*
 * Bound the packbuilder's memory for this run only: a configuration file
 * of the highest level (above the user's and the repository's) added to
 * the repository's configuration in memory.  It lives in the .git
 * directory, outside the work tree, and is removed after the run.
 */
static int
limit_window(git_repository *repo, const char *path, struct drip_err *err)
{
	static const char text[] = "[pack]\n\twindowMemory = " GC_WINDOW_MEMORY "\n";
	git_config *cfg = NULL;
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "we")) == NULL)
		return err_sys(err, DRIP_EFAIL, path, "cannot create");
	if (fputs(text, f) == EOF || fclose(f) == EOF)
		return err_sys(err, DRIP_EFAIL, path, "cannot write");
	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_add_file_ondisk(cfg, path, GIT_CONFIG_LEVEL_APP, repo, 1) < 0)
		rc = git_fail(err, "cannot read the configuration");
	git_config_free(cfg);
	return rc;
}

int
gc_run(const char *root, struct gc_result *out, struct drip_err *err)
{
	git_repository *repo = NULL;
	git_packbuilder *pb = NULL;
	git_odb *pack = NULL;
	char gitdir[GC_PATH_MAX], objects[GC_PATH_MAX], packdir[GC_PATH_MAX];
	char file[GC_PATH_MAX], cfgpath[GC_PATH_MAX] = "";
	const char *name;
	struct prune p = { NULL, 0, 0 };
	size_t len;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (git_libgit2_init() < 0)
		return git_fail(err, "cannot start libgit2");
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		git_fail(err, "cannot open the repository");
		goto out;
	}
	len = strlen(git_repository_path(repo));
	snprintf(gitdir, sizeof gitdir, "%.*s", (int)(len > 1 ? len - 1 : len),
		 git_repository_path(repo));
	if (path_of(objects, gitdir, "objects", err) < 0 ||
	    path_of(packdir, objects, "pack", err) < 0 ||
	    path_of(file, gitdir, "shallow", err) < 0)
		goto out;
	if (access(file, F_OK) == 0) {
		err_set(err, DRIP_EFAIL, NULL, 0, 0, "a shallow clone (.git/shallow): its history "
			"ends at commits it does not have, so drip cannot pack it; 'git gc' can");
		goto out;
	}
	if (gc_stats(gitdir, &out->before, err) < 0)
		goto out;
	if (git_repository_head_unborn(repo) == 1) {
		out->after = out->before;
		rc = 0;
		goto out;
	}
	if (path_of(cfgpath, gitdir, GC_CONFIG, err) < 0 || limit_window(repo, cfgpath, err) < 0)
		goto out;
	if (git_packbuilder_new(&pb, repo) < 0) {
		git_fail(err, "cannot start a pack");
		goto out;
	}
	if (insert_refs(repo, pb, err) < 0)
		goto out;
	out->packed = git_packbuilder_object_count(pb);
	/* libgit2 fsyncs the pack and index it writes when asked to; the
	 * syncs below make sure of it whatever the library's setting. */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	if (git_packbuilder_write(pb, packdir, 0, NULL, NULL) < 0) {
		git_fail(err, "cannot write the pack");
		goto out;
	}
	name = git_packbuilder_name(pb);
	if ((size_t)snprintf(out->pack, sizeof out->pack, "pack-%s", name) >= sizeof out->pack) {
		err_set(err, DRIP_EFAIL, packdir, 0, 0, "unexpected pack name");
		goto out;
	}
	if (pack_file(file, packdir, out->pack, ".pack", err) < 0 || sync_path(file, err) < 0 ||
	    pack_file(file, packdir, out->pack, ".idx", err) < 0 || sync_path(file, err) < 0 ||
	    sync_path(packdir, err) < 0)
		goto out;
	/* From here on every removal is of something the synced pack holds,
	 * checked through its own index. */
	if (one_pack_odb(&pack, file, err) < 0)
		goto out;
	p.pack = pack;
	p.prune_before = time(NULL) - GC_PRUNE_GRACE;
	if (each_loose(objects, prune_loose, &p, err) < 0)
		goto out;
	out->pruned = p.pruned;
	if (prune_packs(objects, packdir, out->pack, pack, p.prune_before, &out->old_packs,
			err) < 0 ||
	    prune_orphans(packdir, p.prune_before, &out->old_packs, err) < 0)
		goto out;
	remove_empty_dirs(objects);
	if (gc_stats(gitdir, &out->after, err) < 0)
		goto out;
	rc = 0;
out:
	git_odb_free(pack);
	git_packbuilder_free(pb);
	git_repository_free(repo);
	if (cfgpath[0])
		(void)unlink(cfgpath);
	git_libgit2_shutdown();
	return rc;
}

size_t
gc_loose_estimate(const char *root)
{
	char dir[GC_PATH_MAX];
	struct dirent *d;
	DIR *top;
	size_t n = 0;

	if ((size_t)snprintf(dir, sizeof dir, "%s/.git/objects/17", root) >= sizeof dir ||
	    (top = opendir(dir)) == NULL)
		return 0;
	while ((d = readdir(top)) != NULL)
		if (strlen(d->d_name) == 38 && strspn(d->d_name, "0123456789abcdef") == 38)
			n++;
	closedir(top);
	return n * 256;
}

int
gc_auto(const char *root, size_t threshold, int *ran, struct gc_result *out,
	struct drip_err *err)
{
	char shallow[GC_PATH_MAX];

	*ran = 0;
	if (threshold == 0 || gc_loose_estimate(root) <= threshold)
		return 0;
	/* A shallow clone (a shard worker's, say) is git gc's to pack. */
	if ((size_t)snprintf(shallow, sizeof shallow, "%s/.git/shallow", root) < sizeof shallow &&
	    access(shallow, F_OK) == 0)
		return 0;
	*ran = 1;
	return gc_run(root, out, err);
}
