/*
 * defs.c - published sequences, ready for the engine.
 */
#include "defs.h"

#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "autom.h"
#include "csvio.h"
#include "diag.h"
#include "err.h"
#include "fsio.h"
#include "mail.h"
#include "pub.h"
#include "schema.h"
#include "seq.h"
#include "state.h"
#include "tmpl.h"
#include "tz.h"
#include "ydoc.h"

int
defs_load_doc(struct arena *a, const char *root, const char *rel, struct ydoc *doc,
	      struct schema *s, struct diags *dg, struct drip_err *err)
{
	char *full = fsio_join(root, rel);
	int rc = ydoc_load_file(a, full, doc, err);

	free(full);
	if (rc < 0) {
		snprintf(err->file, sizeof err->file, "%s", rel);
		return -1;
	}
	doc->file = rel;
	diag_init(dg, a);
	s->a = a;
	s->d = dg;
	s->file = rel;
	return 0;
}

/* DRIP_EDATA at the first error found, if any. */
static int
first_error(struct diags *dg, const char *rel, struct drip_err *err)
{
	if (dg->nerr == 0)
		return 0;
	diag_sort(dg);
	return err_set(err, DRIP_EDATA, rel, dg->v[0].line, dg->v[0].col, "%s", dg->v[0].msg);
}

/* What sd takes from its content sd->q and drip.yaml: the zone (loaded),
 * the send window, the frequency cap. */
static int
fill_def(const struct config *cfg, const char *rel, struct seqdef *sd, struct drip_err *err)
{
	sd->zone = cfg->tz;
	if (sd->q->timezone) {
		struct tz *z;

		if (tz_load(sd->q->timezone, &z, err) < 0) {
			snprintf(err->file, sizeof err->file, "%s", rel);
			return -1;
		}
		sd->zone = z;
	}
	sd->window = sd->q->has_window ? sd->q->window : cfg->window;
	sd->per_day = sd->q->per_contact_per_day ? sd->q->per_contact_per_day :
		      cfg->per_contact_per_day;
	return 0;
}

static int
load_one(struct arena *a, const char *root, const struct config *cfg, const char *id,
	 long version, const char *status, int64_t published_at, int64_t paused_at,
	 int64_t resumed_at, struct seqdef *sd, struct drip_err *err)
{
	const char *rel = pub_pinned_path(a, id, "sequences/x.yaml");
	char *full;
	const char **paths;
	size_t np;
	struct diags dg;
	struct schema s;
	struct ydoc doc;
	const struct tmpl **tmpls;
	size_t i;
	int rc;

	if (defs_load_doc(a, root, rel, &doc, &s, &dg, err) < 0)
		return -1;
	sd->q = seq_parse(&s, &doc);
	if (first_error(&dg, rel, err) < 0)
		return -1;
	sd->id = arena_strdup(a, id);
	sd->version = version;
	sd->published_at = published_at;
	sd->accepting = strcmp(status, "active") == 0;
	sd->running = 1;	/* only active, paused and stopping ones are loaded */
	sd->paused_at = paused_at;
	sd->resumed_at = resumed_at;
	/* Paused by hand, with no time: frozen all along, as before drip
	 * kept the time. */
	if (strcmp(status, "paused") == 0) {
		sd->resumed_at = STATE_NONE;
		if (sd->paused_at == STATE_NONE)
			sd->paused_at = INT64_MIN + 1;
	}
	if (fill_def(cfg, rel, sd, err) < 0)
		return -1;
	paths = pub_templates(a, sd->q, &np);
	tmpls = arena_alloc(a, (np + 1) * sizeof *tmpls);
	for (i = 0; i < np; i++) {
		const char *pin = pub_pinned_path(a, id, paths[i]);
		struct tmpl *t;

		full = fsio_join(root, pin);
		rc = tmpl_load(a, full, &t, err);
		free(full);
		if (rc < 0) {
			if (err->file[0] == '\0' || strstr(err->file, pin))
				snprintf(err->file, sizeof err->file, "%s", pin);
			if (err->code == DRIP_ENOINPUT)
				err->code = DRIP_EDATA;
			return -1;
		}
		tmpls[i] = t;
	}
	sd->tmpl_paths = paths;
	sd->tmpls = tmpls;
	sd->ntmpls = np;
	return 0;
}

int
defs_load(struct arena *a, const char *root, const struct config *cfg, struct defs *d,
	  struct drip_err *err)
{
	struct csvio_table t;
	struct seqdef *v;
	long cid, cstatus, cversion, cpub, cpaused, cresumed;
	int64_t pub, paused, resumed;
	size_t i, n = 0;

	memset(d, 0, sizeof *d);
	d->cfg = cfg;
	d->msgid_domain = cfg->from ? mail_domain(a, cfg->from) : NULL;
	if (d->msgid_domain == NULL)
		d->msgid_domain = "drip.invalid";
	if (pub_load_state(a, root, &t, err) < 0)
		return -1;
	cid = csvio_table_col(&t, "id");
	cstatus = csvio_table_col(&t, "status");
	cversion = csvio_table_col(&t, "version");
	cpub = csvio_table_col(&t, "published_at");
	cpaused = csvio_table_col(&t, "paused_at");
	cresumed = csvio_table_col(&t, "resumed_at");
	csvio_table_sort(&t, (size_t)cid);
	v = arena_alloc(a, (t.nrows + 1) * sizeof *v);
	for (i = 0; i < t.nrows; i++) {
		const char *status = t.rows[i][cstatus];

		if (strcmp(status, "active") != 0 && strcmp(status, "paused") != 0 &&
		    strcmp(status, "stopping") != 0)
			continue;
		if (state_parse_time(t.rows[i][cpub], &pub) < 0 || pub == STATE_NONE) {
			err_set(err, DRIP_EDATA, PUB_STATE, (int)t.lines[i], 0,
				"bad published_at \"%s\"", t.rows[i][cpub]);
			d->seqs = v;
			d->nseqs = n;
			defs_release(d);
			return -1;
		}
		paused = resumed = STATE_NONE;
		if ((cpaused >= 0 && state_parse_time(t.rows[i][cpaused], &paused) < 0) ||
		    (cresumed >= 0 && state_parse_time(t.rows[i][cresumed], &resumed) < 0)) {
			err_set(err, DRIP_EDATA, PUB_STATE, (int)t.lines[i], 0,
				"bad paused_at or resumed_at \"%s\" \"%s\"",
				cpaused >= 0 ? t.rows[i][cpaused] : "",
				cresumed >= 0 ? t.rows[i][cresumed] : "");
			d->seqs = v;
			d->nseqs = n;
			defs_release(d);
			return -1;
		}
		if (load_one(a, root, cfg, t.rows[i][cid], atol(t.rows[i][cversion]), status,
			     pub, paused, resumed, &v[n], err) < 0) {
			d->seqs = v;
			d->nseqs = n;
			defs_release(d);
			return -1;
		}
		n++;
	}
	d->seqs = v;
	d->nseqs = n;
	return 0;
}

int
defs_put_seq(struct arena *a, struct defs *d, const char *id, const struct seq *q,
	     const struct pub_content *pc, long version, const char *status,
	     int64_t published_at, struct drip_err *err)
{
	struct seqdef sd, *v;
	const char **paths;
	const struct tmpl **tmpls;
	size_t i, k, np, same;

	for (k = 0; k < d->nseqs && strcmp(d->seqs[k].id, id) < 0; k++)
		;
	memset(&sd, 0, sizeof sd);
	sd.paused_at = sd.resumed_at = STATE_NONE;
	if (k < d->nseqs && strcmp(d->seqs[k].id, id) == 0)
		sd = d->seqs[k];	/* its pause stays */
	sd.id = arena_strdup(a, id);
	sd.q = q;
	sd.version = version;
	sd.published_at = published_at;
	sd.accepting = strcmp(status, "active") == 0;
	sd.running = 1;
	paths = pub_templates(a, q, &np);
	tmpls = arena_alloc(a, (np + 1) * sizeof *tmpls);
	for (i = 0; i < np; i++) {
		const struct pub_file *f = NULL;
		struct tmpl *t;
		size_t j;

		for (j = 1; j < pc->nfiles && f == NULL; j++)
			if (strcmp(pc->files[j].path, paths[i]) == 0)
				f = &pc->files[j];
		if (f == NULL)
			return err_set(err, DRIP_ENOINPUT, paths[i], 0, 0, "no such template");
		if (tmpl_parse(a, pub_pinned_path(a, id, paths[i]), f->data, f->len, &t, err) < 0)
			return -1;
		tmpls[i] = t;
	}
	sd.tmpl_paths = paths;
	sd.tmpls = tmpls;
	sd.ntmpls = np;
	if (fill_def(d->cfg, pc->files[0].path, &sd, err) < 0)
		return -1;
	same = k < d->nseqs && strcmp(d->seqs[k].id, id) == 0;
	v = arena_alloc(a, (d->nseqs + 2) * sizeof *v);
	memcpy(v, d->seqs, k * sizeof *v);
	v[k] = sd;
	memcpy(v + k + 1, d->seqs + k + same, (d->nseqs - k - same) * sizeof *v);
	if (same && d->seqs[k].zone && d->seqs[k].zone != d->cfg->tz)
		tz_free((struct tz *)d->seqs[k].zone);
	d->seqs = v;
	d->nseqs += !same;
	return 0;
}

void
defs_release(struct defs *d)
{
	size_t i;

	for (i = 0; i < d->nseqs; i++)
		if (d->seqs[i].zone && d->seqs[i].zone != d->cfg->tz)
			tz_free((struct tz *)d->seqs[i].zone);
	d->nseqs = 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
cmp_autodef(const void *a, const void *b)
{
	return strcmp(((const struct autodef *)a)->m->id, ((const struct autodef *)b)->m->id);
}

/* The notify templates of actions a[0..n), added to paths (no repeats). */
static void
auto_templates(struct arena *a, const struct action *acts, size_t n, const char ***paths,
	       size_t *np, size_t *cap)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (acts[i].kind != ACT_NOTIFY || acts[i].template == NULL)
			continue;
		for (j = 0; j < *np && strcmp((*paths)[j], acts[i].template) != 0; j++)
			;
		if (j == *np)
			*ARENA_PUSH(a, *paths, *np, *cap) = acts[i].template;
	}
}

static int
load_auto(struct arena *a, const char *root, const char *rel, struct autodef *ad,
	  struct drip_err *err)
{
	char *full;
	const char **paths = NULL;
	const struct tmpl **tmpls;
	size_t np = 0, cap = 0, i;
	struct diags dg;
	struct schema s;
	struct ydoc doc;
	int rc;

	if (defs_load_doc(a, root, rel, &doc, &s, &dg, err) < 0)
		return -1;
	ad->m = autom_parse(&s, &doc);
	if (dg.nerr == 0 && ad->m->id &&
	    strcmp(rel, arena_printf(a, "automations/%s.yaml", ad->m->id)) != 0)
		schema_error(&s, ad->m->id_node, "the id \"%s\" must match the file name",
			     ad->m->id);
	if (first_error(&dg, rel, err) < 0)
		return -1;
	auto_templates(a, ad->m->actions, ad->m->nactions, &paths, &np, &cap);
	auto_templates(a, ad->m->stop_actions, ad->m->nstop_actions, &paths, &np, &cap);
	tmpls = arena_alloc(a, (np + 1) * sizeof *tmpls);
	for (i = 0; i < np; i++) {
		struct tmpl *t;

		full = fsio_join(root, paths[i]);
		rc = tmpl_load(a, full, &t, err);
		free(full);
		if (rc < 0) {
			/* Say which automation needs it. */
			snprintf(err->file, sizeof err->file, "%s", rel);
			err->code = DRIP_EDATA;
			return -1;
		}
		tmpls[i] = t;
	}
	ad->tmpl_paths = paths;
	ad->tmpls = tmpls;
	ad->ntmpls = np;
	ad->since = STATE_NONE;
	return 0;
}

int
defs_load_autos(struct arena *a, const char *root, struct defs *d, struct drip_err *err)
{
	char *dir = fsio_join(root, "automations");
	DIR *dp = opendir(dir);
	struct dirent *e;
	const char **names = NULL;
	struct autodef *v;
	size_t n = 0, cap = 0, i;

	free(dir);
	d->autos = NULL;
	d->nautos = 0;
	if (dp == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		*ARENA_PUSH(a, names, n, cap) = arena_printf(a, "automations/%s", e->d_name);
	}
	closedir(dp);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str);
	v = arena_alloc(a, (n + 1) * sizeof *v);
	for (i = 0; i < n; i++)
		if (load_auto(a, root, names[i], &v[i], err) < 0)
			return -1;
	/* By id, for engine_auto (file names sort differently: "a-b.yaml"
	 * before "a.yaml"). */
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_autodef);
	d->autos = v;
	d->nautos = n;
	for (i = 0; i < n; i++)
		d->auto_kinds |= 1u << v[i].m->trigger | (v[i].m->or_.expr ? DEFS_OR : 0);
	return 0;
}

struct mail_ck {
	const struct config *cfg;
	const char *what, *id;		/* "sequence" and its id */
	const char *const *paths;	/* its loaded templates */
	const struct tmpl *const *tmpls;
	size_t ntmpls;
	unsigned missing;
	struct mail_use first;		/* the first use with something missing */
};

static void
mail_ck_cb(void *ctx, const struct mail_use *u)
{
	struct mail_ck *k = ctx;
	const struct tmpl *t = NULL;
	unsigned m;
	size_t i;

	for (i = 0; u->template && i < k->ntmpls; i++)
		if (strcmp(k->paths[i], u->template) == 0)
			t = k->tmpls[i];
	m = seq_mail_check(u, k->cfg->from, k->cfg->base_url != NULL, t) & ~MAIL_NOTICE_LOST;
	if (m && k->missing == 0)
		k->first = *u;
	k->missing |= m;
}

static int
mail_ck_fail(struct mail_ck *k, struct drip_err *err)
{
	unsigned bit = k->missing & MAIL_NO_FROM ? MAIL_NO_FROM : MAIL_NO_BASE_URL;
	char why[256];

	if (k->missing == 0)
		return 0;
	seq_mail_why(bit, &k->first, why, sizeof why);
	return err_set(err, DRIP_ECONFIG, "drip.yaml", 0, 0, "%s \"%s\" (%ss/%s.yaml:%d): %s",
		       k->what, k->id, k->what, k->id, k->first.at ? k->first.at->line : 0, why);
}

int
defs_check_mail(const struct defs *d, struct drip_err *err)
{
	size_t i;

	for (i = 0; i < d->nseqs; i++) {
		const struct seqdef *sd = &d->seqs[i];
		struct mail_ck k = { d->cfg, "sequence", sd->id, sd->tmpl_paths,
				     sd->tmpls, sd->ntmpls, 0, { 0 } };

		seq_mail_uses(sd->q, mail_ck_cb, &k);
		if (mail_ck_fail(&k, err) < 0)
			return -1;
	}
	for (i = 0; i < d->nautos; i++) {
		const struct autodef *ad = &d->autos[i];
		struct mail_ck k = { d->cfg, "automation", ad->m->id, ad->tmpl_paths,
				     ad->tmpls, ad->ntmpls, 0, { 0 } };

		action_mail_uses(ad->m->actions, ad->m->nactions, mail_ck_cb, &k);
		action_mail_uses(ad->m->stop_actions, ad->m->nstop_actions, mail_ck_cb, &k);
		if (mail_ck_fail(&k, err) < 0)
			return -1;
	}
	return 0;
}
