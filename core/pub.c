/*
 * pub.c - reading a sequence's draft content, digests, and the published
 * state table.
 */
#include "pub.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "csvio.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "seq.h"
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
