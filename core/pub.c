/*
 * pub.c - reading a sequence's draft content, digests, and the published
 * state table.
 */
#include "pub.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "csvio.h"
#include "diag.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "textdiff.h"
#include "schema.h"
#include "seq.h"
#include "txn.h"
#include "ydoc.h"

const char *const pub_statuses[] = {
	"active", "paused", "stopping", "stopped", "archived", NULL
};

struct collect {
	struct arena *a;
	const char **paths;
	size_t n, cap;
};

static void
add_path(void *ctx, const char *path, const struct ynode *at)
{
	struct collect *c = ctx;
	size_t i;

	(void)at;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->paths[i], path) == 0)
			return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;

		c->paths = arena_grow(c->a, c->paths, c->n, cap, sizeof *c->paths);
		c->cap = cap;
	}
	c->paths[c->n++] = path;
}

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
read_one(struct arena *a, const char *root, const char *rel, struct pub_file *f,
	 struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	char *full = fsio_join(root, rel);
	int rc = fsio_read(full, YDOC_MAX_SIZE, &sb, err);

	free(full);
	if (rc < 0) {
		snprintf(err->file, sizeof err->file, "%s", rel);
		sbuf_release(&sb);
		return -1;
	}
	f->path = arena_strdup(a, rel);
	f->data = arena_strndup(a, sbuf_str(&sb), sb.len);
	f->len = sb.len;
	sbuf_release(&sb);
	return 0;
}

const char **
pub_templates(struct arena *a, const struct seq *q, size_t *n)
{
	struct collect c = { a, NULL, 0, 0 };

	seq_templates(q, add_path, &c);
	if (c.n)
		qsort(c.paths, c.n, sizeof *c.paths, cmp_path);
	*n = c.n;
	return c.paths;
}

int
pub_read_draft(struct arena *a, const char *root, const struct seq *q,
	       struct pub_content *out, struct drip_err *err)
{
	crypto_generichash_state st;
	unsigned char h[32];
	size_t i, n;
	const char *seqpath = arena_printf(a, "sequences/%s.yaml", q->id);
	const char **paths = pub_templates(a, q, &n);

	out->files = arena_alloc(a, (n + 1) * sizeof *out->files);
	out->nfiles = n + 1;
	if (read_one(a, root, seqpath, &out->files[0], err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (read_one(a, root, paths[i], &out->files[i + 1], err) < 0)
			return -1;
	/* Name and content of each file, NUL-separated, so that moving bytes
	 * between files changes the digest. */
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	for (i = 0; i < out->nfiles; i++) {
		const char *name = i == 0 ? "sequence.yaml" : out->files[i].path;

		crypto_generichash_update(&st, (const unsigned char *)name, strlen(name) + 1);
		crypto_generichash_update(&st, (const unsigned char *)out->files[i].data,
					  out->files[i].len);
		crypto_generichash_update(&st, (const unsigned char *)"", 1);
	}
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(out->digest, sizeof out->digest, h, sizeof h);
	return 0;
}

const char *
pub_pinned_path(struct arena *a, const char *id, const char *draft_path)
{
	if (strncmp(draft_path, "sequences/", 10) == 0)
		return arena_printf(a, "state/published/%s/sequence.yaml", id);
	return arena_printf(a, "state/published/%s/%s", id, draft_path);
}

int
pub_load_state(struct arena *a, const char *root, struct csvio_table *t,
	       struct drip_err *err)
{
	char *full = fsio_join(root, PUB_STATE);
	int rc;

	if (!fsio_exists(full)) {
		free(full);
		return csvio_table_load_mem(a, PUB_STATE, PUB_HEADER, strlen(PUB_HEADER), t, err);
	}
	rc = csvio_table_load(a, full, t, err);
	free(full);
	if (rc < 0) {
		snprintf(err->file, sizeof err->file, "%s", PUB_STATE);
		return -1;
	}
	if (csvio_table_col(t, "id") < 0 || csvio_table_col(t, "status") < 0 ||
	    csvio_table_col(t, "version") < 0 || csvio_table_col(t, "digest") < 0 ||
	    csvio_table_col(t, "published_at") < 0)
		return err_set(err, DRIP_EDATA, PUB_STATE, 1, 0,
			       "header must be id,status,version,published_at,digest");
	return 0;
}

long
pub_find(const struct csvio_table *t, const char *id)
{
	long col = csvio_table_col(t, "id");

	return col < 0 ? -1 : csvio_table_find(t, (size_t)col, id);
}

const char *
pub_field(const struct csvio_table *t, long row, const char *col)
{
	long k = csvio_table_col(t, col);

	return row < 0 || k < 0 ? "" : t->rows[row][k];
}

const struct seq *
pub_load_published(struct arena *a, const char *root, const char *id)
{
	const char *rel = pub_pinned_path(a, id, "sequences/x.yaml");
	char *full = fsio_join(root, rel);
	struct diags d;
	struct schema sc;
	struct ydoc doc;
	struct drip_err e;
	const struct seq *q = NULL;

	if (ydoc_load_file(a, full, &doc, &e) == 0) {
		diag_init(&d, a);
		sc.a = a;
		sc.d = &d;
		sc.file = rel;
		q = seq_parse(&sc, &doc);
		if (d.nerr)
			q = NULL;
	}
	free(full);
	return q;
}

/* Every file under the directory rel of root (paths relative to root). */
struct walk {
	struct arena *a;
	const char **v;
	size_t n, cap;
};

static void
walk(struct walk *w, const char *root, const char *rel)
{
	char *full = fsio_join(root, rel);
	DIR *d = opendir(full);
	struct dirent *e;

	free(full);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *sub;
		DIR *isdir;
		char *p;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = arena_printf(w->a, "%s/%s", rel, e->d_name);
		p = fsio_join(root, sub);
		isdir = opendir(p);
		free(p);
		if (isdir) {
			closedir(isdir);
			walk(w, root, sub);
			continue;
		}
		if (w->n == w->cap) {
			size_t nc = w->cap ? w->cap * 2 : 8;

			w->v = arena_grow(w->a, w->v, w->n, nc, sizeof *w->v);
			w->cap = nc;
		}
		w->v[w->n++] = sub;
	}
	closedir(d);
}

const char **
pub_pinned_files(struct arena *a, const char *root, const char *id, size_t *n)
{
	struct walk w = { a, NULL, 0, 0 };

	walk(&w, root, arena_printf(a, "state/published/%s", id));
	*n = w.n;
	return w.v;
}

/* The versions and status publishing pc makes of sequence id, by the state
 * table st, into out: its row, -1 for none, -2 refused. */
static long
decide(const struct csvio_table *st, const char *id, const struct pub_content *pc,
       struct pub_prepared *out, struct drip_err *err)
{
	long r = pub_find(st, id);

	out->status = "active";
	out->version = 1;
	if (r < 0)
		return -1;
	out->status = pub_field(st, r, "status");
	if (strcmp(out->status, "stopped") == 0 || strcmp(out->status, "archived") == 0) {
		err_set(err, DRIP_EFAIL, NULL, 0, 0, "cannot publish '%s': it is %s", id,
			out->status);
		return -2;
	}
	out->from = atol(pub_field(st, r, "version"));
	out->version = out->from;
	if (strcmp(pub_field(st, r, "digest"), pc->digest) == 0)
		out->same = 1;
	else
		out->version = out->from + 1;
	return r;
}

int
pub_next(struct arena *a, const char *root, const char *id, const struct pub_content *pc,
	 struct pub_prepared *out, struct drip_err *err)
{
	struct csvio_table st;

	memset(out, 0, sizeof *out);
	if (pub_load_state(a, root, &st, err) < 0)
		return -1;
	return decide(&st, id, pc, out, err) < -1 ? -1 : 0;
}

int
pub_prepare(struct arena *a, const char *root, const struct config *cfg, const char *id,
	    const struct seq *q, const struct pub_content *pc, int64_t now,
	    const char *now_utc, const struct migrate_watch *w, struct pub_prepared *out,
	    struct drip_err *err)
{
	struct csvio_table st;
	struct sbuf state = SBUF_INIT;
	const char **old;
	const struct seq *prev;
	size_t i, j, nold;
	long r;

	memset(out, 0, sizeof *out);
	if (pub_load_state(a, root, &st, err) < 0)
		return -1;
	if ((r = decide(&st, id, pc, out, err)) < -1 || out->same)
		return r < -1 ? -1 : 0;
	if (r < 0) {
		r = (long)csvio_table_add_row(a, &st);
		csvio_table_set(a, &st, (size_t)r, (size_t)csvio_table_col(&st, "id"), id);
	}
	csvio_table_set(a, &st, (size_t)r, (size_t)csvio_table_col(&st, "status"), out->status);
	csvio_table_set(a, &st, (size_t)r, (size_t)csvio_table_col(&st, "version"),
			arena_printf(a, "%ld", out->version));
	csvio_table_set(a, &st, (size_t)r, (size_t)csvio_table_col(&st, "published_at"),
			now_utc);
	csvio_table_set(a, &st, (size_t)r, (size_t)csvio_table_col(&st, "digest"), pc->digest);
	csvio_table_sort(&st, (size_t)csvio_table_col(&st, "id"));
	csvio_table_format(&st, &state);

	prev = out->from > 0 ? pub_load_published(a, root, id) : NULL;
	old = pub_pinned_files(a, root, id, &nold);
	out->ch = arena_alloc(a, (pc->nfiles + nold + 1 + STATE_SHARDS) * sizeof *out->ch);
	for (i = 0; i < pc->nfiles; i++) {
		out->ch[out->nch].path = pub_pinned_path(a, id, pc->files[i].path);
		out->ch[out->nch].data = pc->files[i].data;
		out->ch[out->nch++].len = pc->files[i].len;
	}
	/* Templates the new version no longer uses leave the pinned set. */
	for (j = 0; j < nold; j++) {
		for (i = 0; i < pc->nfiles; i++)
			if (strcmp(out->ch[i].path, old[j]) == 0)
				break;
		if (i == pc->nfiles) {
			out->ch[out->nch].path = old[j];
			out->ch[out->nch++].data = NULL;
		}
	}
	out->ch[out->nch].path = PUB_STATE;
	out->ch[out->nch].data = arena_strndup(a, state.buf ? state.buf : "", state.len);
	out->ch[out->nch++].len = state.len;
	sbuf_release(&state);
	if (prev == NULL)
		return 0;
	if (migrate_run(root, id, prev, q, cfg, now, w, &out->mres, err) < 0)
		return -1;
	out->moved = out->mres.moved;
	for (i = 0; i < out->mres.nfiles; i++) {
		out->ch[out->nch].path = arena_strdup(a, out->mres.files[i].rel);
		out->ch[out->nch].data = out->mres.files[i].tmp;
		out->ch[out->nch].len = 0;
		out->ch[out->nch++].mode = TXN_FROM_FILE;
	}
	return 0;
}

void
pub_prepared_release(struct pub_prepared *p)
{
	migrate_result_release(&p->mres);
}

/* Diff the pinned file pin (absent: nothing) against data, labelled. */
static int
diff_one(struct arena *a, const char *root, const char *pin, const char *name,
	 const char *data, size_t len, struct sbuf *out, struct drip_err *err)
{
	struct sbuf prev = SBUF_INIT;
	char *full = fsio_join(root, pin);
	int have = fsio_exists(full), rc = -1;

	if (!have || fsio_read(full, YDOC_MAX_SIZE, &prev, err) == 0)
		rc = textdiff_unified(have ? sbuf_str(&prev) : NULL, prev.len,
				      arena_printf(a, "published/%s", name), data, len,
				      arena_printf(a, "draft/%s", name), out, err);
	free(full);
	sbuf_release(&prev);
	return rc;
}

int
pub_diff(struct arena *a, const char *root, const char *id, const struct seq *q,
	 struct sbuf *out, struct drip_err *err)
{
	struct pub_content pc = { 0 };
	struct drip_err ignored;
	const char **old, *prefix = arena_printf(a, "state/published/%s/", id);
	size_t nold, i, j;

	/* A template the draft names is missing: diff what exists. */
	if (q == NULL || q->id == NULL || pub_read_draft(a, root, q, &pc, &ignored) < 0) {
		struct sbuf sb = SBUF_INIT;
		const char *rel = arena_printf(a, "sequences/%s.yaml", id);
		char *full = fsio_join(root, rel);
		int rc = fsio_read(full, YDOC_MAX_SIZE, &sb, err);

		free(full);
		if (rc < 0) {
			sbuf_release(&sb);
			return -1;
		}
		pc.files = arena_alloc(a, sizeof *pc.files);
		pc.files[0].path = rel;
		pc.files[0].data = arena_strndup(a, sbuf_str(&sb), sb.len);
		pc.files[0].len = sb.len;
		pc.nfiles = 1;
		sbuf_release(&sb);
	}
	old = pub_pinned_files(a, root, id, &nold);
	for (i = 0; i < pc.nfiles; i++)
		if (diff_one(a, root, pub_pinned_path(a, id, pc.files[i].path), pc.files[i].path,
			     pc.files[i].data, pc.files[i].len, out, err) < 0)
			return -1;
	/* Pinned templates the draft no longer uses show as removed. */
	for (j = 0; j < nold; j++) {
		const char *draft = old[j] + strlen(prefix);

		for (i = 0; i < pc.nfiles; i++)
			if (strcmp(pub_pinned_path(a, id, pc.files[i].path), old[j]) == 0)
				break;
		if (i < pc.nfiles || strcmp(draft, "sequence.yaml") == 0)
			continue;
		if (diff_one(a, root, old[j], draft, NULL, 0, out, err) < 0)
			return -1;
	}
	return 0;
}
