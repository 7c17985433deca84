/*
 * history.c - a contact's fields through the git history of contacts.csv
 * (history.h).
 *
 * Newest to oldest along first parents: a commit whose contacts.csv blob
 * equals its parent's is passed over with one tree lookup each; otherwise
 * the contact's row is found in both versions and compared column by
 * column.  The row of a version is remembered with its blob id, so walking
 * on, the parent's row becomes the next commit's without reading it again.
 */
#include "history.h"

#include <string.h>

#include <git2.h>

#include "arena.h"
#include "csvio.h"
#include "err.h"

/* A version of the contact's row: column names and values, or absent. */
struct hrow {
	git_oid blob;
	int have_blob;			/* rel exists in that commit */
	int found;			/* the contact is in it */
	size_t n;
	const char **cols, **vals;
};

static int
git_fail(struct drip_err *err, const char *what)
{
	const git_error *e = git_error_last();

	return err_set(err, DRIP_EFAIL, NULL, 0, 0, "git: %s: %s", what,
		       e && e->message ? e->message : "unknown error");
}

/* Find id's row in the blob (already looked up into hr->blob). */
static int
read_row(struct arena *a, git_repository *repo, const char *rel, const char *id,
	 struct hrow *hr, struct drip_err *err)
{
	git_blob *b = NULL;
	struct csvio_reader *r = NULL;
	struct csvio_row row;
	long idcol;
	size_t k;
	int rc;

	hr->found = 0;
	if (!hr->have_blob)
		return 0;
	if (git_blob_lookup(&b, repo, &hr->blob) < 0)
		return git_fail(err, "cannot read contacts.csv");
	if (csvio_open_mem(rel, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), &r,
			   err) < 0) {
		git_blob_free(b);
		/* A version that never parsed (an edit by hand, later fixed)
		 * has no row to compare: it is passed over. */
		return 0;
	}
	idcol = csvio_col(r, "id");
	while (idcol >= 0 && (rc = csvio_next(r, &row, err)) > 0) {
		if (strcmp(row.f[idcol], id) != 0)
			continue;
		hr->found = 1;
		hr->n = row.n;
		hr->cols = arena_alloc(a, row.n * sizeof *hr->cols);
		hr->vals = arena_alloc(a, row.n * sizeof *hr->vals);
		for (k = 0; k < row.n; k++) {
			hr->cols[k] = arena_strdup(a, csvio_colname(r, k));
			hr->vals[k] = arena_strdup(a, row.f[k]);
		}
		break;
	}
	csvio_close(r);
	git_blob_free(b);
	return 0;
}

static const char *
value_of(const struct hrow *hr, const char *col)
{
	size_t k;

	if (!hr->found)
		return NULL;
	for (k = 0; k < hr->n; k++)
		if (strcmp(hr->cols[k], col) == 0)
			return hr->vals[k];
	return NULL;
}

/* The blob of rel in commit c. */
static int
blob_of(git_commit *c, const char *rel, struct hrow *hr)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;

	hr->have_blob = 0;
	hr->found = 0;
	if (git_commit_tree(&tree, c) < 0)
		return -1;
	if (git_tree_entry_bypath(&e, tree, rel) == 0) {
		git_oid_cpy(&hr->blob, git_tree_entry_id(e));
		hr->have_blob = git_tree_entry_type(e) == GIT_OBJECT_BLOB;
		git_tree_entry_free(e);
	}
	git_tree_free(tree);
	return 0;
}

struct hlist {
	struct hist_change *v;
	size_t n, cap;
};

static void
add_change(struct arena *a, struct hlist *l, const struct hist_change *c)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;

		l->v = arena_grow(a, l->v, l->n, nc, sizeof *l->v);
		l->cap = nc;
	}
	l->v[l->n++] = *c;
}

/* The fields that differ between old and new (in new's column order, then
 * columns only old had), appended newest-commit-first in reverse, so one
 * reversal at the end gives oldest first with columns in order. */
static void
diff_rows(struct arena *a, struct hlist *l, const struct hrow *old, const struct hrow *nw,
	  const struct hist_change *base)
{
	struct hist_change c = *base;
	size_t k, start = l->n;

	for (k = 0; nw->found && k < nw->n; k++) {
		const char *ov = value_of(old, nw->cols[k]);

		if (ov && strcmp(ov, nw->vals[k]) == 0)
			continue;
		if (!ov && !old->found && *nw->vals[k] == '\0')
			continue;	/* a new contact: its empty fields say nothing */
		c.field = nw->cols[k];
		c.old = ov ? ov : "";
		c.new_ = nw->vals[k];
		if (*c.old == '\0' && *c.new_ == '\0')
			continue;
		add_change(a, l, &c);
	}
	for (k = 0; old->found && k < old->n; k++) {
		if (value_of(nw, old->cols[k]) != NULL || *old->vals[k] == '\0')
			continue;
		c.field = old->cols[k];
		c.old = old->vals[k];
		c.new_ = "";
		add_change(a, l, &c);
	}
	/* Reverse this commit's changes, so that the final reversal keeps
	 * them in column order. */
	for (k = 0; start + k < l->n - 1 - k; k++) {
		struct hist_change t = l->v[start + k];

		l->v[start + k] = l->v[l->n - 1 - k];
		l->v[l->n - 1 - k] = t;
	}
}

int
history_contact(struct arena *a, const char *root, const char *rel, const char *id,
		struct hist_change **out, size_t *n, struct drip_err *err)
{
	git_repository *repo = NULL;
	git_revwalk *walk = NULL;
	git_commit *c = NULL, *p = NULL;
	git_oid oid;
	struct hrow cur = { 0 }, par = { 0 };
	struct hlist l = { NULL, 0, 0 };
	int rc = -1, inited = 0, cur_read = 0;
	size_t k;

	*out = NULL;
	*n = 0;
	err->msg[0] = '\0';
	if (git_libgit2_init() < 0)
		return git_fail(err, "cannot start libgit2");
	inited = 1;
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		git_fail(err, "cannot open the repository");
		goto out;
	}
	if (git_revwalk_new(&walk, repo) < 0) {
		git_fail(err, "cannot walk the history");
		goto out;
	}
	if (git_revwalk_push_head(walk) < 0) {
		rc = 0;		/* no commit yet: no history */
		goto out;
	}
	git_revwalk_simplify_first_parent(walk);
	while (git_revwalk_next(&oid, walk) == 0) {
		struct hist_change base;
		const git_signature *sig;
		const char *msg, *eol;
		char hex[GIT_OID_HEXSZ + 1];

		if (git_commit_lookup(&c, repo, &oid) < 0) {
			git_fail(err, "cannot read a commit");
			goto out;
		}
		/* This commit's version: the parent's of the last round when
		 * the walk went to that parent, as first-parent walks do. */
		if (!cur_read) {
			if (blob_of(c, rel, &cur) < 0 || read_row(a, repo, rel, id, &cur, err) < 0)
				goto fail;
			cur_read = 1;
		}
		memset(&par, 0, sizeof par);
		if (git_commit_parentcount(c) > 0) {
			if (git_commit_parent(&p, c, 0) < 0 || blob_of(p, rel, &par) < 0)
				goto fail;
			git_commit_free(p);
			p = NULL;
		}
		if (cur.have_blob == par.have_blob &&
		    (!cur.have_blob || git_oid_equal(&cur.blob, &par.blob))) {
			par = cur;	/* the same version: nothing changed here */
		} else {
			if (read_row(a, repo, rel, id, &par, err) < 0)
				goto fail;
			git_oid_tostr(hex, sizeof hex, git_commit_id(c));
			sig = git_commit_author(c);
			msg = git_commit_message(c);
			eol = msg ? strchr(msg, '\n') : NULL;
			base.commit = arena_strndup(a, hex, 12);
			base.time = (int64_t)git_commit_time(c);
			base.author = arena_printf(a, "%s <%s>", sig->name, sig->email);
			base.subject = msg ? (eol ? arena_strndup(a, msg, (size_t)(eol - msg)) :
					      arena_strdup(a, msg)) : "";
			diff_rows(a, &l, &par, &cur, &base);
		}
		cur = par;
		git_commit_free(c);
		c = NULL;
	}
	/* Oldest first. */
	for (k = 0; k < l.n / 2; k++) {
		struct hist_change t = l.v[k];

		l.v[k] = l.v[l.n - 1 - k];
		l.v[l.n - 1 - k] = t;
	}
	*out = l.v;
	*n = l.n;
	rc = 0;
	goto out;
fail:
	if (err->msg[0] == '\0')
		git_fail(err, "cannot read the history of contacts.csv");
out:
	git_commit_free(c);
	git_commit_free(p);
	git_revwalk_free(walk);
	git_repository_free(repo);
	if (inited)
		git_libgit2_shutdown();
	return rc;
}
