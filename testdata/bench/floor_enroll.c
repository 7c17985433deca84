/*
 * floor_enroll.c - the floor of `make bench`'s enroll row (SPEC §13): the
 * least work any program must do to perform `drip enroll SEQ --file IDS`,
 * against which drip is measured.
 *
 *   floor_enroll DIR SEQ NOW IDS
 *
 * On the workspace run.sh makes (gen's, with a second sequence SEQ
 * published at version 1 whose first step is "welcome") it:
 *   - streams contacts.csv, the id column of IDS (sorted by id, as run.sh
 *     writes it) and the 64 enrollment shards with libcsv (formats/csvio),
 *     joined by contact id the way drip lays them out;
 *   - gives every contact named in IDS an active enrollment in SEQ at NOW,
 *     in its place among the contact's rows, and writes each shard's new
 *     file beside it (fsync, rename, then one fsync of the folder);
 *   - appends one log row per enrollment to log/YYYY-MM.csv (one fsync);
 *   - commits the changed files with libgit2: blobs from disk, HEAD's tree
 *     updated, a commit, the index entries from the files' stat.
 * The rows are drip's own, so run.sh checks that the floor did the same
 * work by comparing the two workspaces.  What it leaves out is what a
 * floor may: it trusts its input (no unknown ids, nobody enrolled in SEQ
 * already), and does no locking and no foreign-edit check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "actlog.h"
#include "csvio.h"
#include "dtime.h"
#include "err.h"
#include "sbuf.h"
#include "state.h"

#define FIRST_STEP "welcome"

struct shard {
	struct csvio_reader *r;
	struct csvio_row row;		/* the next row, valid while has */
	int has, dirty;
	FILE *out;
	char rel[64], tmp[64];
};

struct floor {
	const char *dir, *seq;
	int64_t now;
	char now_utc[32];
	struct shard sh[STATE_SHARDS];
	FILE *log;
	char log_rel[64];
	struct sbuf line;
	long enrolled;
	struct drip_err err;
};

_Noreturn static void
die(struct floor *f, const char *what)
{
	char buf[1600];

	if (f && f->err.msg[0])
		fprintf(stderr, "floor_enroll: %s: %s\n", what, err_str(&f->err, buf, sizeof buf));
	else
		fprintf(stderr, "floor_enroll: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
path_in(char *buf, size_t n, const char *dir, const char *rel)
{
	int k = snprintf(buf, n, "%s/%s", dir, rel);

	if (k < 0 || (size_t)k >= n) {
		errno = ENAMETOOLONG;
		die(NULL, rel);
	}
}

static void
shard_next(struct floor *f, struct shard *s)
{
	int rc = csvio_next(s->r, &s->row, &f->err);

	if (rc < 0)
		die(f, "cannot read the state");
	s->has = rc == 1;
}

static void
open_shards(struct floor *f)
{
	char path[4096];
	unsigned i;

	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard *s = &f->sh[i];

		state_shard_path(i, s->rel, sizeof s->rel);
		snprintf(s->tmp, sizeof s->tmp, "state/enrollments/.%02u.floor", i);
		path_in(path, sizeof path, f->dir, s->rel);
		if (csvio_open(path, &s->r, &f->err) < 0)
			die(f, "cannot read the state");
		if (csvio_ncols(s->r) != STATE_ENR_COLS) {
			errno = EINVAL;
			die(NULL, "unexpected enrollment header");
		}
		shard_next(f, s);
		path_in(path, sizeof path, f->dir, s->tmp);
		if ((s->out = fopen(path, "we")) == NULL)
			die(NULL, path);
		setvbuf(s->out, NULL, _IOFBF, 64 * 1024);
		fputs(STATE_ENR_HEADER, s->out);
	}
}

static void
open_log(struct floor *f)
{
	char path[4096];
	int exists;

	actlog_path(f->now, f->log_rel, sizeof f->log_rel);
	path_in(path, sizeof path, f->dir, "log");
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(NULL, path);
	path_in(path, sizeof path, f->dir, f->log_rel);
	exists = access(path, F_OK) == 0;
	if ((f->log = fopen(path, "ae")) == NULL)
		die(NULL, path);
	setvbuf(f->log, NULL, _IOFBF, 64 * 1024);
	if (!exists)
		fputs(ACTLOG_HEADER, f->log);
}

static void
copy_row(struct floor *f, struct shard *s)
{
	sbuf_reset(&f->line);
	csvio_format_row(&f->line, s->row.f, s->row.n);
	fwrite(f->line.buf, 1, f->line.len, s->out);
	shard_next(f, s);
}

/* The new enrollment of contact id, after its rows of sequences before
 * SEQ and before the others. */
static void
enroll(struct floor *f, const char *id)
{
	struct shard *s = &f->sh[state_shard(id)];
	const char *v[9] = { f->now_utc, id, f->seq, "", "", "enroll", "ok", "", "" };
	struct enr e;

	while (s->has && (strcmp(s->row.f[0], id) < 0 ||
			  (strcmp(s->row.f[0], id) == 0 && strcmp(s->row.f[1], f->seq) < 0)))
		copy_row(f, s);
	memset(&e, 0, sizeof e);
	e.contact = id;
	e.sequence = f->seq;
	e.version = 1;
	e.status = ENR_ACTIVE;
	e.step = FIRST_STEP;
	e.entered = e.base = e.enrolled = f->now;
	e.paused = e.hold = STATE_NONE;
	e.task = e.sent_day = "";
	sbuf_reset(&f->line);
	state_enr_format(&f->line, &e);
	fwrite(f->line.buf, 1, f->line.len, s->out);
	s->dirty = 1;
	sbuf_reset(&f->line);
	csvio_format_row(&f->line, v, 9);
	fwrite(f->line.buf, 1, f->line.len, f->log);
	f->enrolled++;
}

static void
pass(struct floor *f, const char *ids)
{
	struct csvio_reader *cr, *ir;
	struct csvio_row row, irow;
	char path[4096];
	long cid, iid;
	int rc, ihas;
	unsigned i;

	path_in(path, sizeof path, f->dir, "contacts.csv");
	if (csvio_open(path, &cr, &f->err) < 0)
		die(f, "cannot read contacts");
	if (csvio_open(ids, &ir, &f->err) < 0)
		die(f, ids);
	cid = csvio_col(cr, "id");
	iid = csvio_col(ir, "id");
	if (cid < 0 || iid < 0) {
		errno = EINVAL;
		die(NULL, "contacts.csv and the ids need an id column");
	}
	if ((ihas = csvio_next(ir, &irow, &f->err)) < 0)
		die(f, ids);
	while ((rc = csvio_next(cr, &row, &f->err)) == 1) {
		const char *id = row.f[cid];

		while (ihas == 1 && strcmp(irow.f[iid], id) < 0)
			if ((ihas = csvio_next(ir, &irow, &f->err)) < 0)
				die(f, ids);
		if (ihas == 1 && strcmp(irow.f[iid], id) == 0)
			enroll(f, id);
	}
	if (rc < 0)
		die(f, "cannot read contacts");
	csvio_close(cr);
	csvio_close(ir);
	for (i = 0; i < STATE_SHARDS; i++)
		while (f->sh[i].has)
			copy_row(f, &f->sh[i]);
}

static size_t
finish_files(struct floor *f, const char **paths)
{
	char tmp[4096], dst[4096];
	size_t n = 0;
	unsigned i;
	int fd;

	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard *s = &f->sh[i];

		csvio_close(s->r);
		if (fflush(s->out) != 0 || fsync(fileno(s->out)) != 0 || fclose(s->out) != 0)
			die(NULL, s->tmp);
		path_in(tmp, sizeof tmp, f->dir, s->tmp);
		path_in(dst, sizeof dst, f->dir, s->rel);
		if (!s->dirty) {
			unlink(tmp);
			continue;
		}
		if (rename(tmp, dst) < 0)
			die(NULL, dst);
		paths[n++] = s->rel;
	}
	path_in(dst, sizeof dst, f->dir, "state/enrollments");
	if ((fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) < 0)
		die(NULL, dst);
	close(fd);
	if (fflush(f->log) != 0 || fsync(fileno(f->log)) != 0 || fclose(f->log) != 0)
		die(NULL, f->log_rel);
	paths[n++] = f->log_rel;
	return n;
}

_Noreturn static void
git_die(const char *what)
{
	const git_error *e = git_error_last();

	fprintf(stderr, "floor_enroll: %s: %s\n", what, e ? e->message : "unknown error");
	exit(1);
}

/* As floor.c commits: blobs from disk, HEAD's tree updated, the index from
 * the stat taken before each blob. */
static void
commit(struct floor *f, const char **paths, size_t n)
{
	git_repository *repo;
	git_object *head;
	git_commit *parent;
	git_tree *tree, *newtree;
	git_tree_update up[STATE_SHARDS + 1];
	struct stat st[STATE_SHARDS + 1];
	git_signature *sig;
	git_index *idx;
	git_oid tree_id, cid;
	char full[4096], msg[256];
	size_t i;

	if (git_libgit2_init() < 0 || git_repository_open(&repo, f->dir) < 0)
		git_die("cannot open the repository");
	if (git_revparse_single(&head, repo, "HEAD^{commit}") < 0)
		git_die("cannot read HEAD");
	parent = (git_commit *)head;
	if (git_commit_tree(&tree, parent) < 0)
		git_die("cannot read HEAD's tree");
	memset(up, 0, sizeof up);
	for (i = 0; i < n; i++) {
		path_in(full, sizeof full, f->dir, paths[i]);
		if (lstat(full, &st[i]) < 0)
			die(NULL, full);
		if (git_blob_create_from_disk(&up[i].id, repo, full) < 0)
			git_die(paths[i]);
		up[i].action = GIT_TREE_UPDATE_UPSERT;
		up[i].filemode = GIT_FILEMODE_BLOB;
		up[i].path = paths[i];
	}
	if (git_tree_create_updated(&tree_id, repo, tree, n, up) < 0 ||
	    git_tree_lookup(&newtree, repo, &tree_id) < 0)
		git_die("cannot build the tree");
	if (git_signature_new(&sig, "drip bench", "bench@localhost", (git_time_t)f->now, 0) < 0)
		git_die("cannot make a signature");
	snprintf(msg, sizeof msg, "floor: enroll %s: %ld contacts\n", f->seq, f->enrolled);
	if (git_commit_create(&cid, repo, "HEAD", sig, sig, NULL, msg, newtree, 1,
			      (const git_commit **)&parent) < 0)
		git_die("cannot commit");
	if (git_repository_index(&idx, repo) < 0 || git_index_read(idx, 1) < 0)
		git_die("cannot read the index");
	for (i = 0; i < n; i++) {
		git_index_entry e;

		memset(&e, 0, sizeof e);
		e.ctime.seconds = (int32_t)st[i].st_ctim.tv_sec;
		e.ctime.nanoseconds = (uint32_t)st[i].st_ctim.tv_nsec;
		e.mtime.seconds = (int32_t)st[i].st_mtim.tv_sec;
		e.mtime.nanoseconds = (uint32_t)st[i].st_mtim.tv_nsec;
		e.dev = (uint32_t)st[i].st_dev;
		e.ino = (uint32_t)st[i].st_ino;
		e.mode = GIT_FILEMODE_BLOB;
		e.uid = (uint32_t)st[i].st_uid;
		e.gid = (uint32_t)st[i].st_gid;
		e.file_size = (uint32_t)st[i].st_size;
		git_oid_cpy(&e.id, &up[i].id);
		e.path = paths[i];
		if (git_index_add(idx, &e) < 0)
			git_die(paths[i]);
	}
	if (git_index_write(idx) < 0)
		git_die("cannot write the index");
	git_index_free(idx);
	git_signature_free(sig);
	git_tree_free(newtree);
	git_tree_free(tree);
	git_object_free(head);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

int
main(int argc, char **argv)
{
	struct floor *f = calloc(1, sizeof *f);
	const char *paths[STATE_SHARDS + 1];
	char why[128];
	size_t n;

	if (f == NULL)
		die(NULL, "out of memory");
	if (argc != 5) {
		fputs("usage: floor_enroll DIR SEQ NOW IDS\n", stderr);
		return 2;
	}
	f->dir = argv[1];
	f->seq = argv[2];
	if (dtime_parse(argv[3], NULL, &f->now, why, sizeof why) < 0) {
		fprintf(stderr, "floor_enroll: %s: %s\n", argv[3], why);
		return 2;
	}
	dtime_format_utc(f->now, f->now_utc, sizeof f->now_utc);
	open_shards(f);
	open_log(f);
	pass(f, argv[4]);
	n = finish_files(f, paths);
	commit(f, paths, n);
	printf("floor_enroll: %ld contacts enrolled in %s\n", f->enrolled, f->seq);
	sbuf_release(&f->line);
	free(f);
	return 0;
}
