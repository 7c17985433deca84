/*
 * owners.c - who may change a sequence, and the same rule as CODEOWNERS.
 *
 * The owners are read from the draft as it is on disk, before the change:
 * the people a sequence names as its owners decide about it, and a change
 * of the owners: list itself goes through review like any other (the git
 * host enforces CODEOWNERS there).
 */
#include "owners.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <git2.h>

#include "arena.h"
#include "autoshow.h"
#include "config.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "seq.h"
#include "ydoc.h"

const char *
owners_identity(struct arena *a, const char *root)
{
	const char *env = getenv("DRIP_USER");
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	git_buf buf = GIT_BUF_INIT;
	const char *who = NULL;

	if (env && *env)
		return env;
	if (git_libgit2_init() < 0)
		return NULL;
	if (git_repository_open(&repo, root) == 0 && git_repository_config(&cfg, repo) == 0 &&
	    git_config_get_string_buf(&buf, cfg, "user.email") == 0 && buf.ptr && buf.ptr[0])
		who = arena_strdup(a, buf.ptr);
	git_buf_dispose(&buf);
	git_config_free(cfg);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return who;
}

const char **
owners_of(struct arena *a, const char *root, const char *seq, size_t *n)
{
	char *full = fsio_join(root, arena_printf(a, "sequences/%s.yaml", seq));
	const struct ynode *o;
	const char **v = NULL;
	struct ydoc doc;
	struct drip_err e;
	size_t i;

	*n = 0;
	if (ydoc_load_file(a, full, &doc, &e) == 0 &&
	    (o = ydoc_get(doc.root, "owners")) != NULL) {
		if (o->kind == YNODE_SCALAR && !ydoc_is_null(o)) {
			v = arena_alloc(a, sizeof *v);
			v[(*n)++] = o->str;
		} else if (o->kind == YNODE_SEQ) {
			v = arena_alloc(a, (o->n + 1) * sizeof *v);
			for (i = 0; i < o->n; i++)
				if (o->items[i]->kind == YNODE_SCALAR)
					v[(*n)++] = o->items[i]->str;
		}
	}
	free(full);
	return v;
}

static int
listed(const char *who, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; who && i < n; i++)
		if (strcasecmp(who, v[i]) == 0)
			return 1;
	return 0;
}

/* "a, b and c" */
static void
put_names(struct sbuf *sb, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sbuf_printf(sb, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", v[i]);
}

int
owners_check(struct arena *a, const char *root, const struct config *cfg, const char *seq,
	     struct drip_err *err)
{
	const char **owners, *who;
	size_t nowners;
	struct sbuf sb = SBUF_INIT;
	int rc;

	owners = owners_of(a, root, seq, &nowners);
	if (nowners == 0 && cfg->nadmins == 0)
		return 0;
	who = owners_identity(a, root);
	if (listed(who, owners, nowners) || listed(who, cfg->admins, cfg->nadmins))
		return 0;
	if (nowners) {
		sbuf_adds(&sb, "its owners (");
		put_names(&sb, owners, nowners);
		sbuf_adds(&sb, cfg->nadmins ? ") and the admins (" : ")");
	} else {
		sbuf_adds(&sb, "the admins (");
	}
	put_names(&sb, cfg->admins, cfg->nadmins);
	if (cfg->nadmins)
		sbuf_addc(&sb, ')');
	rc = err_set(err, DRIP_EPERM, NULL, 0, 0, "%s may not change sequence '%s': only %s "
		     "may (who you are comes from DRIP_USER, else git config user.email)",
		     who ? arena_printf(a, "'%s'", who) : "an unknown user", seq, sbuf_str(&sb));
	sbuf_release(&sb);
	return rc;
}

/* ---- CODEOWNERS ---- */

struct tpl {
	const char *path;
	struct sbuf who;
};

struct tpls {
	struct arena *a;
	struct tpl *v;
	size_t n, cap;
	const char **owners;
	size_t nowners;
};

/* Add the current sequence's owners to the template path's. */
static void
on_template(void *ctx, const char *path, const struct ynode *at)
{
	struct tpls *t = ctx;
	struct tpl *p = NULL;
	size_t i;

	(void)at;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].path, path) == 0)
			p = &t->v[i];
	if (p == NULL) {
		p = ARENA_PUSH(t->a, t->v, t->n, t->cap);
		p->path = path;
		p->who = (struct sbuf)SBUF_INIT;
	}
	for (i = 0; i < t->nowners; i++) {
		const char *w = t->owners[i], *s = sbuf_str(&p->who);
		size_t len = strlen(w);
		const char *f;

		for (f = strstr(s, w); f; f = strstr(f + 1, w))
			if ((f == s || f[-1] == ' ') && (f[len] == ' ' || f[len] == '\0'))
				break;
		if (f == NULL)
			sbuf_printf(&p->who, "%s%s", p->who.len ? " " : "", w);
	}
}

static const char *
with_admins(struct arena *a, const char *who, const struct config *cfg)
{
	struct sbuf sb = SBUF_INIT;
	const char *res;
	size_t i;

	sbuf_adds(&sb, who);
	for (i = 0; i < cfg->nadmins; i++)
		sbuf_printf(&sb, "%s%s", sb.len ? " " : "", cfg->admins[i]);
	res = arena_strdup(a, sbuf_str(&sb));
	sbuf_release(&sb);
	return res;
}

size_t
owners_codeowners(struct arena *a, const char *root, const struct config *cfg,
		  const char *const *seqs, size_t n, const char ***rows)
{
	struct tpls t;
	const char **v = NULL, *who;
	size_t nv = 0, cap = 0, i, j;
	struct sbuf sb;
	struct drip_err e;

	memset(&t, 0, sizeof t);
	t.a = a;
#define ROW(p, w) do { \
		const char **r_ = ARENA_PUSH(a, v, nv, cap); *r_ = (p); \
		r_ = ARENA_PUSH(a, v, nv, cap); *r_ = (w); \
	} while (0)
	if (cfg->nadmins) {
		ROW("/drip.yaml", with_admins(a, "", cfg));
		ROW("/automations/", with_admins(a, "", cfg));
	}
	for (i = 0; i < n; i++) {
		struct seq *q;

		t.owners = owners_of(a, root, seqs[i], &t.nowners);
		sb = (struct sbuf)SBUF_INIT;
		for (j = 0; j < t.nowners; j++)
			sbuf_printf(&sb, "%s%s", j ? " " : "", t.owners[j]);
		who = with_admins(a, sbuf_str(&sb), cfg);
		sbuf_release(&sb);
		if (*who)
			ROW(arena_printf(a, "/sequences/%s.yaml", seqs[i]), who);
		if ((q = autoshow_seq(a, root, seqs[i], &e)) != NULL)
			seq_templates(q, on_template, &t);
	}
	for (i = 0; i < t.n; i++) {
		who = with_admins(a, sbuf_str(&t.v[i].who), cfg);
		sbuf_release(&t.v[i].who);
		if (*who)
			ROW(arena_printf(a, "/%s", t.v[i].path), who);
	}
#undef ROW
	*rows = v;
	return nv / 2;
}
