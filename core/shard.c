/*
 * shard.c - workers of tick --shard K/N meeting at one remote (shard.h):
 * fetch, fast-forward or rebuild, push, and the row merges a rebuild
 * makes.
 *
 * Memory: blobs and tables of a merge live in an arena released after
 * each file; libgit2 objects in create/free pairs per function.
 */
#include "shard.h"

#include <fcntl.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "clock.h"
#include "csvio.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "state.h"
#include "store.h"

/* Where the fetch puts the remote's branch: drip's own ref, so that the
 * clone's refs/remotes/ stay the user's. */
#define SHARD_UPSTREAM "refs/drip/upstream"

/* ---- records of a CSV file, split where a newline is outside quotes ---- */

struct recs {
	const char **p;		/* each record's start */
	size_t *len;		/* its length with its newline */
	size_t n, cap;
};

static void
recs_split(const char *buf, size_t n, struct recs *r)
{
	size_t i, start = 0;
	int q = 0;

	memset(r, 0, sizeof *r);
	for (i = 0; i < n; i++) {
		if (buf[i] == '"')
			q = !q;
		else if (buf[i] == '\n' && !q) {
			if (r->n == r->cap) {
				r->cap = r->cap ? r->cap * 2 : 64;
				r->p = xrealloc(r->p, r->cap * sizeof *r->p);
				r->len = xrealloc(r->len, r->cap * sizeof *r->len);
			}
			r->p[r->n] = buf + start;
			r->len[r->n++] = i + 1 - start;
			start = i + 1;
		}
	}
	if (start < n) {	/* a last record without its newline */
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 64;
			r->p = xrealloc(r->p, r->cap * sizeof *r->p);
			r->len = xrealloc(r->len, r->cap * sizeof *r->len);
		}
		r->p[r->n] = buf + start;
		r->len[r->n++] = n - start;
	}
}

static void
recs_free(struct recs *r)
{
	free(r->p);
	free(r->len);
}

/* The length of a record's first two fields (to its second comma outside
 * quotes). */
static size_t
key2_len(const char *p, size_t n)
{
	size_t i;
	int q = 0, commas = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			q = !q;
		else if (!q && (p[i] == ',' || p[i] == '\n') && (p[i] == '\n' || ++commas == 2))
			return i;
	}
	return n;
}

static int
key2_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	size_t ka = key2_len(a, na), kb = key2_len(b, nb);
	int c = memcmp(a, b, ka < kb ? ka : kb);

	return c ? c : (ka > kb) - (ka < kb);
}

/* How many leading records a and b share. */
static size_t
recs_lcp(const struct recs *a, const struct recs *b)
{
	size_t i;

	for (i = 0; i < a->n && i < b->n; i++)
		if (a->len[i] != b->len[i] || memcmp(a->p[i], b->p[i], a->len[i]) != 0)
			break;
	return i;
}

struct rec_ix {
	const char *p;
	size_t len, i;
};

static int
cmp_rec_ix(const void *x, const void *y)
{
	const struct rec_ix *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);

	if (c == 0)
		c = (a->len > b->len) - (a->len < b->len);
	return c ? c : (a->i > b->i) - (a->i < b->i);
}

/*
 * The append-only files.  The rows ours added are its records that the
 * base lacks (as a multiset: a row written twice counts twice); they are
 * merged by their first two fields into theirs after the records theirs
 * shares with the base, or before the last of those whose keys are
 * greater (theirs first on a tie).  Every version of such a
 * file on the branch is then the file before the slot's ticks followed by
 * the slot's rows in order, whichever shard pushed first.  A file new on
 * both sides has its header as the base when they agree on it.
 */
static void
merge_append(const char *b, size_t nb, const char *o, size_t no, const char *t, size_t nt,
	     struct sbuf *out)
{
	struct recs rb, ro, rt;
	struct rec_ix *vo, *vb;
	unsigned char *gone;
	size_t lo, lt, i, j, no2, nb2, it;

	recs_split(b, nb, &rb);
	recs_split(o, no, &ro);
	recs_split(t, nt, &rt);
	if (rb.n == 0 && ro.n && rt.n && ro.len[0] == rt.len[0] &&
	    memcmp(ro.p[0], rt.p[0], ro.len[0]) == 0) {
		recs_free(&rb);
		recs_split(o, ro.len[0], &rb);
	}
	/* Ours' added rows: its records after the shared start, less the
	 * base's, found by sorting both. */
	lo = recs_lcp(&ro, &rb);
	no2 = ro.n - lo;
	nb2 = rb.n - lo;
	vo = xcalloc(no2 + 1, sizeof *vo);
	vb = xcalloc(nb2 + 1, sizeof *vb);
	gone = xcalloc(no2 + 1, 1);
	for (i = 0; i < no2; i++) {
		vo[i].p = ro.p[lo + i];
		vo[i].len = ro.len[lo + i];
		vo[i].i = i;
	}
	for (i = 0; i < nb2; i++) {
		vb[i].p = rb.p[lo + i];
		vb[i].len = rb.len[lo + i];
		vb[i].i = i;
	}
	qsort(vo, no2, sizeof *vo, cmp_rec_ix);
	qsort(vb, nb2, sizeof *vb, cmp_rec_ix);
	for (i = 0, j = 0; i < no2 && j < nb2;) {
		struct rec_ix x = vo[i], y = vb[j];
		int c;

		x.i = y.i = 0;
		c = cmp_rec_ix(&x, &y);
		if (c == 0) {
			gone[vo[i].i] = 1;
			i++;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	/* Theirs up to where it leaves the base, then the rest of theirs
	 * and ours' rows, merged. */
	lt = recs_lcp(&rt, &rb);
	/* The base may hold rows another shard added in this slot: ours go
	 * before those whose keys are greater (never before the header). */
	for (i = 0; i < no2 && gone[i]; i++)
		;
	while (i < no2 && lt > 1 &&
	       key2_cmp(rt.p[lt - 1], rt.len[lt - 1], ro.p[lo + i], ro.len[lo + i]) > 0)
		lt--;
	for (i = 0; i < lt; i++)
		sbuf_add(out, rt.p[i], rt.len[i]);
	it = lt;
	for (i = 0; i < no2 || it < rt.n;) {
		if (i < no2 && gone[i]) {
			i++;
			continue;
		}
		if (it < rt.n && (i == no2 || key2_cmp(rt.p[it], rt.len[it], ro.p[lo + i],
							ro.len[lo + i]) <= 0)) {
			sbuf_add(out, rt.p[it], rt.len[it]);
			it++;
		} else {
			sbuf_add(out, ro.p[lo + i], ro.len[lo + i]);
			i++;
		}
	}
	free(vo);
	free(vb);
	free(gone);
	recs_free(&rb);
	recs_free(&ro);
	recs_free(&rt);
}

/* ---- the files sorted by a key column ---- */

static const char *
cell(const struct csvio_table *t, size_t row, long col)
{
	return col >= 0 && (size_t)col < t->ncols && t->rows[row][col] ? t->rows[row][col] : "";
}

/* Are rows ra of a and rb of b the same, column by name (a column one
 * lacks counts as "")? */
static int
same_row(const struct csvio_table *a, size_t ra, const struct csvio_table *b, size_t rb)
{
	size_t j;

	for (j = 0; j < a->ncols; j++)
		if (strcmp(cell(a, ra, (long)j), cell(b, rb, csvio_table_col(b, a->cols[j]))) != 0)
			return 0;
	for (j = 0; j < b->ncols; j++)
		if (csvio_table_col(a, b->cols[j]) < 0 && *cell(b, rb, (long)j))
			return 0;
	return 1;
}

/* The end of the group of rows with row i's key. */
static size_t
group_end(const struct csvio_table *t, long key, size_t i)
{
	size_t j = i + 1;

	while (j < t->nrows && strcmp(cell(t, j, key), cell(t, i, key)) == 0)
		j++;
	return j;
}

/* One row of t in the header cols (by name). */
static void
put_row(struct arena *a, const struct csvio_table *t, size_t row, char **cols, size_t ncols,
	struct sbuf *out)
{
	const char **v = arena_alloc(a, (ncols + 1) * sizeof *v);
	size_t j;

	for (j = 0; j < ncols; j++)
		v[j] = cell(t, row, csvio_table_col(t, cols[j]));
	csvio_format_row(out, v, ncols);
}

/* A key ours changed: its rows in ours, [from, to) (empty: removed). */
struct changed {
	const char *key;
	size_t from, to;
};

static int
merge_keyed(struct arena *a, const char *keyname, unsigned sk, unsigned sn, const char *b,
	    size_t nb, const char *o, size_t no, const char *t, size_t nt, struct sbuf *out)
{
	struct csvio_table tb, to, tt;
	struct drip_err e;
	struct changed *ch = NULL;
	unsigned char *done;
	size_t nch = 0, capch = 0, i, j, ib = 0, ncols;
	long kb, ko, kt;
	char **cols;

	memset(&tb, 0, sizeof tb);
	if ((nb && csvio_table_load_mem(a, "base", b, nb, &tb, &e) < 0) ||
	    csvio_table_load_mem(a, "ours", o, no, &to, &e) < 0 ||
	    csvio_table_load_mem(a, "theirs", t, nt, &tt, &e) < 0)
		return -1;
	kb = nb ? csvio_table_col(&tb, keyname) : -1;
	ko = csvio_table_col(&to, keyname);
	kt = csvio_table_col(&tt, keyname);
	if (ko < 0 || kt < 0 || (nb && kb < 0))
		return -1;
	/* Which keys ours changed: a walk of base and ours, both sorted. */
	for (i = 0; i < to.nrows || ib < tb.nrows;) {
		int c = i == to.nrows ? 1 : ib == tb.nrows ? -1 :
			strcmp(cell(&to, i, ko), cell(&tb, ib, kb));
		const char *key = c > 0 ? cell(&tb, ib, kb) : cell(&to, i, ko);

		if (sn && state_shard(key) % sn != sk) {
			/* Another shard's contact: never ours to change. */
			if (c >= 0)
				ib = group_end(&tb, kb, ib);
			if (c <= 0)
				i = group_end(&to, ko, i);
			continue;
		}
		if (c > 0) {	/* removed by ours */
			struct changed *x = ARENA_PUSH(a, ch, nch, capch);

			x->key = cell(&tb, ib, kb);
			x->from = x->to = i;
			ib = group_end(&tb, kb, ib);
		} else {
			size_t oe = group_end(&to, ko, i), be = ib;
			int same = 0;

			if (c == 0) {
				be = group_end(&tb, kb, ib);
				same = oe - i == be - ib;
				for (j = 0; same && j < oe - i; j++)
					same = same_row(&to, i + j, &tb, ib + j);
			}
			if (!same) {
				struct changed *x = ARENA_PUSH(a, ch, nch, capch);

				x->key = cell(&to, i, ko);
				x->from = i;
				x->to = oe;
			}
			i = oe;
			ib = be;
		}
	}
	/* The header: theirs, and the columns only ours has. */
	cols = arena_alloc(a, (tt.ncols + to.ncols + 1) * sizeof *cols);
	for (ncols = 0; ncols < tt.ncols; ncols++)
		cols[ncols] = tt.cols[ncols];
	for (j = 0; j < to.ncols; j++)
		if (csvio_table_col(&tt, to.cols[j]) < 0)
			cols[ncols++] = to.cols[j];
	csvio_format_row(out, (const char *const *)cols, ncols);
	/* Theirs in its order, each changed key's rows from ours in its
	 * place (before the first greater key, or where theirs has it): a
	 * file someone left out of order gains no second row of a key. */
	done = arena_alloc(a, nch + 1);
	memset(done, 0, nch + 1);
	for (i = 0, j = 0; i < tt.nrows; i = group_end(&tt, kt, i)) {
		const char *key = cell(&tt, i, kt);
		size_t lo = 0, hi = nch, r, g = group_end(&tt, kt, i);

		while (lo < hi) {	/* ch is in key order */
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(ch[mid].key, key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; j < nch && strcmp(ch[j].key, key) < 0; j++)
			if (!done[j]) {
				for (r = ch[j].from; r < ch[j].to; r++)
					put_row(a, &to, r, cols, ncols, out);
				done[j] = 1;
			}
		if (lo < nch && strcmp(ch[lo].key, key) == 0) {
			if (!done[lo])
				for (r = ch[lo].from; r < ch[lo].to; r++)
					put_row(a, &to, r, cols, ncols, out);
			done[lo] = 1;
			continue;
		}
		for (r = i; r < g; r++)
			put_row(a, &tt, r, cols, ncols, out);
	}
	for (j = 0; j < nch; j++)
		if (!done[j]) {
			size_t r;

			for (r = ch[j].from; r < ch[j].to; r++)
				put_row(a, &to, r, cols, ncols, out);
		}
	return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int
shard_appended(const char *path)
{
	return (strncmp(path, "log/", 4) == 0 || strncmp(path, "lists/", 6) == 0 ||
		strcmp(path, "tasks.csv") == 0 || strcmp(path, "notes.csv") == 0) &&
	       ends_with(path, ".csv");
}

int
shard_settle(struct store *s, const char *root, const char *path, struct drip_err *err)
{
	struct sbuf base = SBUF_INIT, cur = SBUF_INIT, out = SBUF_INIT;
	char *full = fsio_join(root, path);
	int rc, have;

	if ((have = store_read_head(s, path, &base, err)) < 0 || fsio_read(full, 0, &cur, err) < 0) {
		rc = -1;
		goto out;
	}
	shard_merge_file(path, 0, 0, have == 0 ? (base.buf ? base.buf : "") : NULL, base.len,
			 cur.buf ? cur.buf : "", cur.len, have == 0 ? (base.buf ? base.buf : "") : NULL,
			 base.len, &out);
	rc = 0;
	if (out.len != cur.len || (out.len && memcmp(out.buf, cur.buf, out.len) != 0))
		rc = fsio_write_atomic(full, out.buf, out.len, 0644, err);
out:
	free(full);
	sbuf_release(&base);
	sbuf_release(&cur);
	sbuf_release(&out);
	return rc;
}

void
shard_merge_file(const char *path, unsigned k, unsigned n, const char *base, size_t nbase,
		 const char *ours, size_t nours, const char *theirs, size_t ntheirs,
		 struct sbuf *out)
{
	struct arena a = ARENA_INIT;
	const char *key = NULL;

	if (base == NULL)
		nbase = 0;
	if (ours == NULL || theirs == NULL) {
		/* One side removed it: the other's, or nothing. */
		if (ours == NULL && theirs)
			sbuf_add(out, theirs, ntheirs);
		else if (ours)
			sbuf_add(out, ours, nours);
		return;
	}
	if (strcmp(path, "contacts.csv") == 0 || strcmp(path, STATE_SNAPSHOT) == 0)
		key = "id";
	else if (strcmp(path, STATE_RUNS) == 0)
		key = "contact";
	if (key) {
		size_t len = out->len;

		if (merge_keyed(&a, key, k, n, base, nbase, ours, nours, theirs, ntheirs, out) < 0) {
			/* Not the tables they should be: theirs stays. */
			out->len = len;
			sbuf_add(out, theirs, ntheirs);
		}
		arena_release(&a);
		return;
	}
	if (shard_appended(path)) {
		merge_append(base ? base : "", nbase, ours, nours, theirs, ntheirs, out);
		return;
	}
	sbuf_add(out, theirs, ntheirs);
}

/* ---- the branch and the remote ---- */

struct sync {
	git_repository *repo;
	git_remote *remote;
	const char *name;		/* the remote as the user gave it */
	char branch[256];		/* e.g. refs/heads/main */
	char upstream[300];		/* SHARD_UPSTREAM/main */
	struct drip_err *err;
};

static int
sync_open(struct store *s, const char *remote, struct sync *y, struct drip_err *err)
{
	git_reference *head = NULL;
	const char *target;

	memset(y, 0, sizeof *y);
	y->repo = store_repo(s);
	y->name = remote;
	y->err = err;
	if (git_reference_lookup(&head, y->repo, "HEAD") < 0)
		return store_git_fail(err, DRIP_EFAIL, "cannot read HEAD");
	target = git_reference_symbolic_target(head);
	if (target == NULL || strncmp(target, "refs/heads/", 11) != 0) {
		git_reference_free(head);
		return err_set(err, DRIP_ECONFIG, NULL, 0, 0,
			       "HEAD is detached; check out the workspace's branch "
			       "('git switch BRANCH'), then run drip again");
	}
	snprintf(y->branch, sizeof y->branch, "%s", target);
	snprintf(y->upstream, sizeof y->upstream, "%s/%s", SHARD_UPSTREAM, target + 11);
	git_reference_free(head);
	if (git_remote_lookup(&y->remote, y->repo, remote) < 0) {
		git_error_clear();
		if (git_remote_create_anonymous(&y->remote, y->repo, remote) < 0)
			return store_git_fail(err, DRIP_ETEMP, "cannot use the remote '%s'", remote);
	}
	return 0;
}

static void
sync_close(struct sync *y)
{
	git_remote_free(y->remote);
}

/* The branch and every shard's clock; a remote without the branch yet
 * (a new bare repository) is not an error. */
static int
sync_fetch(struct sync *y)
{
	git_fetch_options fo;
	char spec[700];
	char *specs[2] = { spec, "+" CLOCK_SHARD_PREFIX "*:" CLOCK_SHARD_PREFIX "*" };
	git_strarray arr = { specs, 2 };

	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	snprintf(spec, sizeof spec, "+%s:%s", y->branch, y->upstream);
	if (git_remote_fetch(y->remote, &arr, &fo, NULL) < 0)
		return store_git_fail(y->err, DRIP_ETEMP, "cannot fetch from '%s'", y->name);
	return 0;
}

/* Rebuild commit c (its first parent its base) on top of onto: onto's
 * tree with the paths c changed merged (shard.h).  *out the new commit. */
static int
rebuild_one(struct sync *y, git_commit *c, git_commit *onto, git_oid *out)
{
	git_commit *parent = NULL;
	git_tree *tb = NULL, *to = NULL, *tt = NULL, *tn = NULL;
	git_diff *diff = NULL;
	git_tree_update *up = NULL;
	git_oid tid;
	const git_commit *parents[1] = { onto };
	size_t i, n, nup = 0;
	struct arena a = ARENA_INIT;
	unsigned sk = 0, sn = 0;
	int rc = -1;

	if (git_commit_parent(&parent, c, 0) < 0 || git_commit_tree(&tb, parent) < 0 ||
	    git_commit_tree(&to, c) < 0 || git_commit_tree(&tt, onto) < 0 ||
	    git_diff_tree_to_tree(&diff, y->repo, tb, to, NULL) < 0) {
		store_git_fail(y->err, DRIP_EFAIL, "cannot read the commit to rebuild");
		goto out;
	}
	n = git_diff_num_deltas(diff);
	up = xcalloc(n + 1, sizeof *up);
	/* A shard's commit names its shard: only its contacts' rows are its
	 * to change (a file it made, with no base, has the others' too). */
	{
		const char *m = strstr(git_commit_message(c), "\nDrip-Shard: ");

		if (m == NULL || sscanf(m, "\nDrip-Shard: %u-of-%u", &sk, &sn) != 2 || sn == 0 ||
		    sk >= sn)
			sk = sn = 0;
	}
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->new_file.path;
		git_tree_entry *et = NULL;
		git_blob *bb = NULL, *bo = NULL, *bt = NULL;
		struct sbuf sb = SBUF_INIT;
		int have_t = git_tree_entry_bypath(&et, tt, path) == 0;
		int have_b = !git_oid_is_zero(&d->old_file.id), have_o = !git_oid_is_zero(&d->new_file.id);
		git_tree_update *u = &up[nup];
		int bad = 0;

		git_error_clear();
		u->path = arena_strdup(&a, path);
		u->filemode = have_o ? d->new_file.mode : GIT_FILEMODE_BLOB;
		if (have_t && have_b && git_oid_equal(git_tree_entry_id(et), &d->old_file.id)) {
			/* Theirs as the base: ours. */
			u->action = have_o ? GIT_TREE_UPDATE_UPSERT : GIT_TREE_UPDATE_REMOVE;
			u->id = d->new_file.id;
			nup += have_o || have_t;
		} else if (have_t && have_o && git_oid_equal(git_tree_entry_id(et), &d->new_file.id)) {
			;	/* the same already */
		} else if ((have_b && git_blob_lookup(&bb, y->repo, &d->old_file.id) < 0) ||
			   (have_o && git_blob_lookup(&bo, y->repo, &d->new_file.id) < 0) ||
			   (have_t && git_blob_lookup(&bt, y->repo, git_tree_entry_id(et)) < 0)) {
			bad = store_git_fail(y->err, DRIP_EFAIL, "cannot read '%s'", path);
		} else {
			shard_merge_file(path, sk, sn, bb ? git_blob_rawcontent(bb) : NULL,
					 bb ? (size_t)git_blob_rawsize(bb) : 0,
					 bo ? git_blob_rawcontent(bo) : NULL,
					 bo ? (size_t)git_blob_rawsize(bo) : 0,
					 bt ? git_blob_rawcontent(bt) : NULL,
					 bt ? (size_t)git_blob_rawsize(bt) : 0, &sb);
			if (!have_o && !have_t) {
				;	/* gone on both sides */
			} else if (git_blob_create_from_buffer(&u->id, y->repo, sb.buf ? sb.buf : "",
							       sb.len) < 0) {
				bad = store_git_fail(y->err, DRIP_EFAIL, "cannot write '%s'", path);
			} else {
				u->action = GIT_TREE_UPDATE_UPSERT;
				if (have_t)
					u->filemode = git_tree_entry_filemode(et);
				nup++;
			}
		}
		sbuf_release(&sb);
		git_blob_free(bb);
		git_blob_free(bo);
		git_blob_free(bt);
		git_tree_entry_free(et);
		if (bad)
			goto out;
	}
	if (git_tree_create_updated(&tid, y->repo, tt, nup, up) < 0 ||
	    git_tree_lookup(&tn, y->repo, &tid) < 0 ||
	    git_commit_create(out, y->repo, NULL, git_commit_author(c), git_commit_committer(c),
			      git_commit_message_encoding(c), git_commit_message(c), tn, 1,
			      parents) < 0) {
		store_git_fail(y->err, DRIP_EFAIL, "cannot rebuild commit %.12s",
			       git_oid_tostr_s(git_commit_id(c)));
		goto out;
	}
	rc = 0;
out:
	free(up);
	arena_release(&a);
	git_diff_free(diff);
	git_tree_free(tb);
	git_tree_free(to);
	git_tree_free(tt);
	git_tree_free(tn);
	git_commit_free(parent);
	return rc;
}

/* Move the branch (and the work tree and index with it) from the commit
 * it is on to id.  A work-tree file changed by hand that differs is left
 * alone, and the update refused. */
static int
move_branch(struct sync *y, const git_oid *id)
{
	git_commit *c = NULL;
	git_reference *ref = NULL;
	git_checkout_options co;
	int rc;

	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_SAFE;
	if (git_commit_lookup(&c, y->repo, id) < 0)
		return store_git_fail(y->err, DRIP_EFAIL, "cannot read commit");
	rc = git_checkout_tree(y->repo, (git_object *)c, &co);
	if (rc == GIT_ECONFLICT)
		rc = store_git_fail(y->err, DRIP_ETEMP,
				    "the update from '%s' would overwrite changes not committed; "
				    "commit or discard them, then run drip again", y->name);
	else if (rc < 0)
		rc = store_git_fail(y->err, DRIP_EFAIL, "cannot update the work tree");
	else if (git_reference_create(&ref, y->repo, y->branch, id, 1, "drip tick: from the remote") < 0)
		rc = store_git_fail(y->err, DRIP_EFAIL, "cannot move '%s'", y->branch);
	git_reference_free(ref);
	git_commit_free(c);
	return rc < 0 ? -1 : 0;
}

/* Bring the branch up to the fetched upstream: nothing, a fast-forward,
 * or the branch's own commits rebuilt on top of it. */
static int
sync_update(struct sync *y)
{
	git_oid local, up, cur, id;
	git_revwalk *w = NULL;
	git_commit *onto = NULL, *c = NULL;
	int rc;

	if (git_reference_name_to_id(&up, y->repo, y->upstream) < 0) {
		git_error_clear();
		return 0;	/* the remote has no such branch yet */
	}
	if (git_reference_name_to_id(&local, y->repo, y->branch) < 0)
		return store_git_fail(y->err, DRIP_EFAIL, "cannot read '%s'", y->branch);
	if (git_oid_equal(&local, &up) || git_graph_descendant_of(y->repo, &local, &up) == 1)
		return 0;
	if (git_graph_descendant_of(y->repo, &up, &local) == 1)
		return move_branch(y, &up);
	/* Diverged: ours, oldest first, onto theirs. */
	cur = up;
	if (git_revwalk_new(&w, y->repo) < 0 ||
	    git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(w, &local) < 0 || git_revwalk_hide(w, &up) < 0) {
		rc = store_git_fail(y->err, DRIP_EFAIL, "cannot walk the branch");
		goto out;
	}
	git_revwalk_simplify_first_parent(w);
	rc = 0;
	while (rc == 0 && git_revwalk_next(&id, w) == 0) {
		if (git_commit_lookup(&c, y->repo, &id) < 0 ||
		    git_commit_lookup(&onto, y->repo, &cur) < 0) {
			rc = store_git_fail(y->err, DRIP_EFAIL, "cannot read commit");
			break;
		}
		if (git_commit_parentcount(c) > 0)
			rc = rebuild_one(y, c, onto, &cur);
		git_commit_free(c);
		git_commit_free(onto);
		c = onto = NULL;
	}
	if (rc == 0)
		rc = move_branch(y, &cur);
out:
	git_revwalk_free(w);
	return rc;
}

int
shard_pull(struct store *s, const char *remote, struct drip_err *err)
{
	struct sync y;
	int rc;

	err->msg[0] = '\0';
	if (sync_open(s, remote, &y, err) < 0)
		return -1;
	rc = sync_fetch(&y);
	if (rc == 0)
		rc = sync_update(&y);
	sync_close(&y);
	return rc;
}

/* A ref the server refused: its reason. */
static int
push_status(const char *ref, const char *status, void *data)
{
	char *why = data;

	if (status && why[0] == '\0')
		snprintf(why, 256, "%s: %s", ref, status);
	return 0;
}

/*
 * A remote on this machine (a path, or a file:// URL) is locked while
 * a push runs: libgit2's local transport checks that the branch is a
 * fast-forward when it connects, then moves the ref without a
 * compare-and-swap, so two workers pushing at once could both land, one
 * over the other.  A server (ssh, https) does the compare-and-swap
 * itself.  -1: no lock needed or possible.
 */
static int
lock_local(const char *url)
{
	struct stat st;
	struct sbuf p = SBUF_INIT;
	int fd = -1;

	if (strncmp(url, "file://", 7) == 0)
		url += 7;
	if (stat(url, &st) != 0 || !S_ISDIR(st.st_mode))
		return -1;
	sbuf_printf(&p, "%s/drip-push.lock", url);
	fd = open(sbuf_str(&p), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	sbuf_release(&p);
	if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int
push_refs(struct sync *y, const char *spec, char why[256])
{
	git_push_options po;
	char *specs[1] = { (char *)spec };
	git_strarray arr = { specs, 1 };
	int fd = lock_local(git_remote_url(y->remote)), rc;

	why[0] = '\0';
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks.push_update_reference = push_status;
	po.callbacks.payload = why;
	rc = git_remote_push(y->remote, &arr, &po);
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		const git_error *ge = git_error_last();

		if (why[0] == '\0')
			snprintf(why, 256, "%s", ge && ge->message ? ge->message : "push failed");
		return -1;
	}
	return why[0] ? -1 : 0;
}

int
shard_push(struct store *s, const char *remote, unsigned k, unsigned n, size_t *tries,
	   struct drip_err *err)
{
	struct sync y;
	char spec[600], why[256];
	int rc = -1;

	*tries = 0;
	err->msg[0] = '\0';
	if (sync_open(s, remote, &y, err) < 0)
		return -1;
	snprintf(spec, sizeof spec, "%s:%s", y.branch, y.branch);
	for (;;) {
		struct timespec ts;

		++*tries;
		if (push_refs(&y, spec, why) == 0)
			break;
		/* Lost the race, or cannot reach it: fetch tells which. */
		if (sync_fetch(&y) < 0)
			goto out;
		if (*tries >= SHARD_PUSH_TRIES) {
			err_set(err, DRIP_ETEMP, NULL, 0, 0,
				"'%s' refused the branch %zu times (%s); the tick's commit stays "
				"here and the next run pushes it", remote, *tries, why);
			goto out;
		}
		if (sync_update(&y) < 0)
			goto out;
		/* Let the others land before trying again. */
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(20 + 10 * (*tries % 5) + getpid() % 17) * 1000000L;
		nanosleep(&ts, NULL);
	}
	if (n) {
		char ref[64];

		clock_shard_names(k, n, ref, sizeof ref, NULL, 0);
		snprintf(spec, sizeof spec, "+%s:%s", ref, ref);
		if (push_refs(&y, spec, why) < 0) {
			err_set(err, DRIP_ETEMP, NULL, 0, 0,
				"cannot push the clock '%s' to '%s': %s; the next run pushes it",
				ref, remote, why);
			goto out;
		}
	}
	rc = 0;
out:
	sync_close(&y);
	return rc;
}

/* ---- the snapshot of contacts.csv ---- */

int
shard_snapshot(const char *root, unsigned k, unsigned n, struct drip_err *err)
{
	char *src = fsio_join(root, "contacts.csv"), *old = fsio_join(root, STATE_SNAPSHOT);
	struct csvio_reader *cr = NULL, *sr = NULL;
	struct csvio_row crow, srow;
	struct sbuf out = SBUF_INIT;
	const char **hdr = NULL, **vals = NULL;
	long *map = NULL, cid, sid;
	size_t ncols, j;
	int rc = -1, hasc, hass;

	if (!fsio_exists(old)) {
		rc = 1;
		goto out;
	}
	if (csvio_open(src, &cr, err) < 0 || csvio_open(old, &sr, err) < 0)
		goto out;
	cid = csvio_col(cr, "id");
	sid = csvio_col(sr, "id");
	if (cid < 0 || sid < 0) {
		rc = 1;		/* not for this function to judge: a plain copy */
		goto out;
	}
	ncols = csvio_ncols(cr);
	hdr = xcalloc(ncols + 1, sizeof *hdr);
	vals = xcalloc(ncols + 1, sizeof *vals);
	map = xcalloc(ncols + 1, sizeof *map);
	for (j = 0; j < ncols; j++) {
		hdr[j] = csvio_colname(cr, j);
		map[j] = csvio_col(sr, hdr[j]);
	}
	csvio_format_row(&out, hdr, ncols);
	if ((hasc = csvio_next(cr, &crow, err)) < 0 || (hass = csvio_next(sr, &srow, err)) < 0)
		goto out;
	while (hasc || hass) {
		int c = !hasc ? 1 : !hass ? -1 : strcmp(crow.f[cid], srow.f[sid]);
		const char *id = c <= 0 ? crow.f[cid] : srow.f[sid];
		int own = state_shard(id) % n == k;

		if (own && c <= 0) {
			csvio_format_row(&out, (const char *const *)crow.f, crow.n);
		} else if (!own && c >= 0) {
			for (j = 0; j < ncols; j++)
				vals[j] = map[j] >= 0 && (size_t)map[j] < srow.n ? srow.f[map[j]] : "";
			csvio_format_row(&out, vals, ncols);
		}
		if (c <= 0 && (hasc = csvio_next(cr, &crow, err)) < 0)
			goto out;
		if (c >= 0 && (hass = csvio_next(sr, &srow, err)) < 0)
			goto out;
	}
	rc = fsio_write_atomic(old, out.buf ? out.buf : "", out.len, 0644, err);
out:
	if (cr)
		csvio_close(cr);
	if (sr)
		csvio_close(sr);
	free(hdr);
	free(vals);
	free(map);
	free(src);
	free(old);
	sbuf_release(&out);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **
shard_remotes(struct arena *a, const char *root, size_t *n)
{
	git_strarray list = { NULL, 0 };
	const char **out = NULL;
	struct store *s = NULL;
	struct drip_err e;
	size_t i;

	*n = 0;
	if (store_open(root, &s, &e) == 0 && git_remote_list(&list, store_repo(s)) == 0 &&
	    list.count) {
		out = arena_alloc(a, list.count * sizeof *out);
		for (i = 0; i < list.count; i++)
			out[i] = arena_strdup(a, list.strings[i]);
		*n = list.count;
		qsort(out, *n, sizeof *out, cmp_str);
	}
	git_strarray_dispose(&list);
	store_close(s);
	return out;
}
