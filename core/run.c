/*
 * run.c - the pass of a tick (run.h): the inputs read once, then one
 * streaming merge of contacts.csv with the enrollment shards,
 * state/runs.csv and the snapshot, each contact through the engine, each
 * outcome to the sink.
 *
 * Memory: what belongs to one contact lives in the pass's per-contact
 * arena, released after it (sinks copy what they keep); what the pass
 * needs throughout lives in the caller's arena (run_opts.a).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "autom.h"
#include "clock.h"
#include "csvio.h"
#include "defs.h"
#include "dtime.h"
#include "due.h"
#include "dur.h"
#include "engine.h"
#include "err.h"
#include "events.h"
#include "expr.h"
#include "fsio.h"
#include "run.h"
#include "runio.h"
#include "sbuf.h"
#include "sched.h"
#include "seq.h"
#include "state.h"
#include "store.h"
#include "token.h"
#include "tz.h"
#include "ws.h"

/* ---- the inputs that are the same for every contact ---- */

/* Contacts' own zones (contact_timezone), loaded once a name. */
struct zone_cache {
	char **names;
	struct tz **zones;
	size_t n;
};

static const struct tz *
zone_of(void *ctx, const char *name)
{
	struct zone_cache *zc = ctx;
	struct drip_err e;
	struct tz *z = NULL;
	size_t i;

	for (i = 0; i < zc->n; i++)
		if (strcmp(zc->names[i], name) == 0)
			return zc->zones[i];
	if (tz_load(name, &z, &e) < 0)
		z = NULL;	/* not a zone: the sequence's zone applies */
	zc->names = xrealloc(zc->names, (zc->n + 1) * sizeof *zc->names);
	zc->zones = xrealloc(zc->zones, (zc->n + 1) * sizeof *zc->zones);
	zc->names[zc->n] = xstrdup(name);
	zc->zones[zc->n++] = z;
	return z;
}

static void
zone_cache_free(struct zone_cache *zc)
{
	size_t i;

	for (i = 0; i < zc->n; i++) {
		free(zc->names[i]);
		if (zc->zones[i])
			tz_free(zc->zones[i]);
	}
	free(zc->names);
	free(zc->zones);
}

int
run_check_key(const char *root, struct store *store, struct drip_err *err)
{
	char *full = fsio_join(root, ".drip/signing.key");
	struct sbuf sb = SBUF_INIT;
	struct stat st;
	int rc = 0;

	if (stat(full, &st) == 0 && (st.st_mode & 077))
		rc = err_set(err, DRIP_ECONFIG, ".drip/signing.key", 0, 0,
			     "the secret key is readable by others; chmod 600 it");
	free(full);
	if (rc == 0 && store && store_read_head(store, ".drip/signing.key", &sb, err) == 0)
		rc = err_set(err, DRIP_ECONFIG, ".drip/signing.key", 0, 0,
			     "the secret key is committed to git; remove it from the history "
			     "and make a new one");
	sbuf_release(&sb);
	return rc;
}

/* Signed links (SPEC §8): what the engine's link callback needs. */
struct linker {
	struct token_key *key;
	const char *base_url;
	const struct config *cfg;
};

static const char *
make_link(void *ctx, struct arena *a, const char *contact, const char *sequence,
	  const char *step, int64_t entered, const char *answer, int64_t slot)
{
	struct linker *l = ctx;
	struct token t;
	struct drip_err e;
	const char *out;

	memset(&t, 0, sizeof t);
	t.version = TOKEN_VERSION;
	snprintf(t.contact, sizeof t.contact, "%s", contact);
	snprintf(t.sequence, sizeof t.sequence, "%s", sequence);
	snprintf(t.step, sizeof t.step, "%s", step);
	t.entered = entered;
	t.answer = token_answer_parse(answer);
	if (t.answer == 0)
		return "";
	/* Unsubscribe links never expire; answers do, links.expire after the
	 * message that carries them. */
	t.expires = t.answer == TOKEN_UNSUBSCRIBE ? 0 :
		    dur_add(l->cfg->tz, slot, &l->cfg->link_expire);
	if (token_link(a, l->base_url, &t, l->key, &out, &e) < 0)
		return "";
	return out;
}

/* ---- the files read in step with contacts.csv ---- */

/* An enrollment shard: its next row, parsed. */
struct shard_in {
	struct csvio_reader *r;
	struct enr peek;
	int has;
	struct arena pa;		/* the peeked row's strings */
	char rel[64];
};

/* state/runs.csv: its next row, parsed. */
struct runs_in {
	struct csvio_reader *r;
	struct arun peek;
	int has;
	struct arena pa;
};

/* The snapshot of contacts.csv as the last tick left it (state/contacts.csv),
 * read while an automation watches for changes. */
struct snap {
	struct csvio_reader *r;
	struct csvio_row row;
	int has;
	const char **cols;
	long idcol;
};

struct pass {
	const struct run_opts *o;
	const struct run_sink *sink;
	struct run_info *ri;
	struct drip_err *err;
	struct arena *a;
	const struct config *cfg;
	struct defs d;
	struct done_tasks done;
	struct zone_cache zones;
	struct linker links;
	struct events ev;
	size_t nextev;
	struct shard_in sh[STATE_SHARDS];
	struct runs_in runs;
	struct snap snap;
	struct csvio_reader *cr;	/* contacts.csv */
	const char **vals;		/* a contact's values, the missing columns "" */
	struct arena ca;		/* per-contact memory, released after each */
	const char *contacts_rel;	/* the contacts read (a sorted temporary) */
	int unsorted;			/* the pass met contacts.csv out of id order */
	int begun;			/* the sink's begin ran */
	struct due_cache due;		/* the last tick's first slots with work */
	unsigned char skip[STATE_SHARDS];	/* quiet shards: left alone */
	int64_t next[STATE_SHARDS];	/* each shard's first slot with work after to */
};

static int
shard_advance(struct pass *p, struct shard_in *s)
{
	struct csvio_row row;
	int rc;

	arena_reset(&s->pa);
	s->has = 0;
	if (s->r == NULL)
		return 0;
	rc = csvio_next(s->r, &row, p->err);
	if (rc < 0) {
		snprintf(p->err->file, sizeof p->err->file, "%s", s->rel);
		return -1;
	}
	if (rc == 0)
		return 0;
	if (state_enr_parse(&s->pa, row.f, row.n, s->rel, row.line, &s->peek, p->err) < 0)
		return -1;
	if (p->o->hooks)
		p->o->hooks->enr(p->o->hooks->ctx, &s->peek);
	s->has = 1;
	return 0;
}

static int
runs_advance(struct pass *p)
{
	struct runs_in *s = &p->runs;
	struct csvio_row row;
	int rc;

	arena_reset(&s->pa);
	s->has = 0;
	if (s->r == NULL)
		return 0;
	if ((rc = csvio_next(s->r, &row, p->err)) <= 0) {
		if (rc < 0)
			snprintf(p->err->file, sizeof p->err->file, "%s", STATE_RUNS);
		return rc;
	}
	if (state_run_parse(&s->pa, row.f, row.n, STATE_RUNS, row.line, &s->peek, p->err) < 0)
		return -1;
	s->has = 1;
	return 0;
}

static int
snap_advance(struct pass *p)
{
	int rc = csvio_next(p->snap.r, &p->snap.row, p->err);

	if (rc < 0)
		snprintf(p->err->file, sizeof p->err->file, "%s", STATE_SNAPSHOT);
	p->snap.has = rc == 1;
	return rc < 0 ? -1 : 0;
}

static int
same_enr(const struct enr *a, const struct enr *b)
{
	return strcmp(a->contact, b->contact) == 0 && strcmp(a->sequence, b->sequence) == 0 &&
	       a->version == b->version && a->status == b->status &&
	       strcmp(a->step, b->step) == 0 && a->entered == b->entered &&
	       a->base == b->base && a->enrolled == b->enrolled && a->paused == b->paused &&
	       strcmp(a->task, b->task) == 0 && a->hold == b->hold &&
	       strcmp(a->sent_day, b->sent_day) == 0 && a->sent == b->sent;
}

static int
same_run(const struct arun *a, const struct arun *b)
{
	return strcmp(a->contact, b->contact) == 0 && strcmp(a->automation, b->automation) == 0 &&
	       strcmp(a->sequence, b->sequence) == 0 && a->status == b->status &&
	       a->started == b->started && a->next == b->next && a->due == b->due &&
	       a->cond == b->cond;
}

/* ---- setting up ---- */

/* Links are made when drip.yaml names links.base_url: then the secret key
 * must be there, private, and match links.public_key. */
static int
setup_links(struct pass *p)
{
	const struct config *cfg = p->cfg;
	unsigned char pk[32], have[32];
	char *path;

	if (cfg->base_url == NULL)
		return 0;
	path = fsio_join(p->o->root, ".drip/signing.key");
	if (token_key_load(path, &p->links.key, p->err) < 0) {
		free(path);
		snprintf(p->err->file, sizeof p->err->file, ".drip/signing.key");
		return -1;
	}
	free(path);
	if (cfg->public_key == NULL || token_pubkey_parse(cfg->public_key, pk, p->err) < 0)
		return err_set(p->err, DRIP_ECONFIG, "drip.yaml", 0, 0,
			       "links.base_url is set, so links.public_key must hold the "
			       "public key of .drip/signing.key");
	token_key_public(p->links.key, have);
	if (memcmp(pk, have, 32) != 0)
		return err_set(p->err, DRIP_ECONFIG, "drip.yaml", 0, 0,
			       "links.public_key does not match .drip/signing.key");
	p->links.base_url = cfg->base_url;
	p->links.cfg = cfg;
	p->d.link = make_link;
	p->d.link_ctx = &p->links;
	return 0;
}

/* Each automation's since from state/automations.csv; one not there yet
 * acts from this tick's first slot. */
static int
load_since(struct pass *p)
{
	struct csvio_table t;
	char *full = fsio_join(p->o->root, STATE_AUTOS);
	struct autodef *v = (struct autodef *)p->d.autos;
	long cid = -1, csince = -1;
	size_t i, j;
	int rc = 0;

	memset(&t, 0, sizeof t);
	if (fsio_exists(full)) {
		rc = csvio_table_load(p->a, full, &t, p->err);
		if (rc == 0 && ((cid = csvio_table_col(&t, "id")) < 0 ||
				(csince = csvio_table_col(&t, "since")) < 0))
			rc = err_set(p->err, DRIP_EDATA, STATE_AUTOS, 1, 0, "header must be id,since");
	}
	free(full);
	if (rc < 0) {
		if (p->err->file[0] == '\0' || strstr(p->err->file, STATE_AUTOS))
			snprintf(p->err->file, sizeof p->err->file, "%s", STATE_AUTOS);
		return -1;
	}
	for (i = 0; i < p->d.nautos; i++) {
		v[i].since = p->ri->r0;
		for (j = 0; j < t.nrows; j++)
			if (strcmp(t.rows[j][cid], v[i].m->id) == 0 &&
			    (state_parse_time(t.rows[j][csince], &v[i].since) < 0 ||
			     v[i].since == STATE_NONE))
				return err_set(p->err, DRIP_EDATA, STATE_AUTOS, (int)t.lines[j], 0,
					       "bad since \"%s\"", t.rows[j][csince]);
	}
	/* Does an automation react to changes in contacts.csv? */
	p->ri->watch = (p->d.auto_kinds & (1u << AT_TAG_ADDED | 1u << AT_TAG_REMOVED |
					   1u << AT_FIELD_CHANGED | 1u << AT_CONTACT_CREATED)) != 0;
	/* The file changes when an automation comes or goes. */
	p->ri->since_dirty = t.nrows != p->d.nautos;
	for (i = 0; !p->ri->since_dirty && i < t.nrows; i++)
		p->ri->since_dirty = engine_auto(&p->d, t.rows[i][cid]) == NULL;
	return 0;
}

/* Open the shards: readers of the committed files. */
static int
open_shards(struct pass *p)
{
	size_t i;

	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard_in *s = &p->sh[i];
		char *full;
		int rc = 0;

		state_shard_path((unsigned)i, s->rel, sizeof s->rel);
		if (p->skip[i])
			continue;
		full = fsio_join(p->o->root, s->rel);
		if (fsio_exists(full))
			rc = csvio_open(full, &s->r, p->err) < 0 || shard_advance(p, s) < 0 ? -1 : 0;
		free(full);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Open state/runs.csv and, while an automation watches contacts.csv and a
 * tick has run, the snapshot. */
static int
open_runs(struct pass *p)
{
	struct drip_err *err = p->err;
	char *full;
	size_t i;
	int rc = 0;

	full = fsio_join(p->o->root, STATE_RUNS);
	if (p->d.nautos == 0 && !fsio_exists(full)) {
		free(full);
		return 0;
	}
	if (fsio_exists(full)) {
		rc = csvio_open(full, &p->runs.r, err);
		if (rc == 0 && (csvio_ncols(p->runs.r) != STATE_RUN_COLS ||
				strcmp(csvio_colname(p->runs.r, 0), "contact") != 0))
			rc = err_set(err, DRIP_EDATA, STATE_RUNS, 1, 0, "header must be %.*s",
				     (int)strlen(STATE_RUN_HEADER) - 1, STATE_RUN_HEADER);
		if (rc == 0)
			rc = runs_advance(p);
		else if (err->file[0] == '\0')
			snprintf(err->file, sizeof err->file, "%s", STATE_RUNS);
	}
	free(full);
	if (rc < 0 || !p->ri->watch || p->ri->from == STATE_NONE)
		return rc;
	full = fsio_join(p->o->root, STATE_SNAPSHOT);
	if (fsio_exists(full)) {
		rc = csvio_open(full, &p->snap.r, err);
		if (rc == 0 && (p->snap.idcol = csvio_col(p->snap.r, "id")) < 0)
			rc = err_set(err, DRIP_EDATA, STATE_SNAPSHOT, 1, 0,
				     "missing required column \"id\"");
		if (rc == 0) {
			p->snap.cols = arena_alloc(p->a, (csvio_ncols(p->snap.r) + 1) *
						   sizeof *p->snap.cols);
			for (i = 0; i < csvio_ncols(p->snap.r); i++)
				p->snap.cols[i] = csvio_colname(p->snap.r, i);
			rc = snap_advance(p);
		} else if (err->file[0] == '\0') {
			snprintf(err->file, sizeof err->file, "%s", STATE_SNAPSHOT);
		}
	}
	free(full);
	return rc;
}

size_t
run_missing_cols(struct csvio_reader *cr, const char **out)
{
	size_t i, n = 0;

	for (i = 0; i < ENGINE_CONTACT_NCOLS; i++)
		if (csvio_col(cr, engine_contact_cols[i]) < 0)
			out[n++] = engine_contact_cols[i];
	return n;
}

/* ---- one contact ---- */

static int
give(struct pass *p, const struct run_item *it)
{
	return p->sink->item(p->sink->ctx, p->ri, it, p->err);
}

/*
 * enroll_when (SPEC §3.5a): enroll when the condition holds and the
 * sequence's reenroll rule allows it, at the first unprocessed slot - but
 * never before the slot the sequence was published in, which is also the
 * time on a workspace's first tick.  Both are fixed by the files, not by
 * --now, so a missed cron run changes nothing (SPEC §9.2).
 */
static void
auto_enroll(struct pass *p, const struct contact *ct, struct enr **rows, size_t *n,
	    struct effects *fx)
{
	int64_t tick = p->cfg->tick, from = p->ri->from;
	size_t i, k;

	for (i = 0; i < p->d.nseqs; i++) {
		const struct seqdef *sd = &p->d.seqs[i];
		struct expr_env env;
		struct expr_err ee;
		struct enr *e = NULL, *v;
		int64_t at = sched_slot_ceil(sd->published_at, tick);

		if (from != STATE_NONE && at < from + tick)
			at = from + tick;
		if (at > p->ri->to)
			continue;	/* published after this tick's slots */
		if (!sd->accepting || sd->q->enroll_when.expr == NULL || sd->q->nsteps == 0)
			continue;
		for (k = 0; k < *n; k++)
			if (strcmp((*rows)[k].sequence, sd->id) == 0)
				e = &(*rows)[k];
		if (e && (!enr_ended(e->status) || sd->q->reenroll == REENROLL_NEVER))
			continue;
		env.get = (const char *(*)(void *, const char *))contact_get;
		env.ctx = (void *)ct;
		env.now = at;
		env.zone = sd->zone;
		if (expr_eval(sd->q->enroll_when.expr, &env, &ee) != 1)
			continue;
		if (e == NULL) {
			v = arena_alloc(&p->ca, (*n + 1) * sizeof *v);
			if (*n)
				memcpy(v, *rows, *n * sizeof *v);
			/* Keep the rows sorted by sequence id. */
			for (k = *n; k > 0 && strcmp(v[k - 1].sequence, sd->id) > 0; k--)
				v[k] = v[k - 1];
			e = &v[k];
			*rows = v;
			(*n)++;
		}
		e->contact = ct->id;
		e->sequence = sd->id;
		e->version = sd->version;
		e->status = ENR_ACTIVE;
		e->step = sd->q->steps[0].id;
		e->entered = e->base = e->enrolled = at;
		e->paused = STATE_NONE;
		e->task = "";
		e->hold = STATE_NONE;
		e->sent_day = "";
		e->sent = 0;
		fx->enrolled++;
		{
			struct log_row row = { at, ct->id, sd->id, "", "", "enroll", "ok", "",
					       "enroll_when" };

			if (fx->nlog == fx->caplog) {
				size_t nc = fx->caplog ? fx->caplog * 2 : 8;

				fx->log = arena_grow(fx->a, fx->log, fx->nlog, nc, sizeof *fx->log);
				fx->caplog = nc;
			}
			fx->log[fx->nlog++] = row;
		}
	}
}

/* Rows of a contact no longer in contacts.csv (those before upto, or all
 * that remain) are kept as they are: drip never loses an enrollment. */
static int
flush_orphans(struct pass *p, unsigned si, const char *upto)
{
	struct shard_in *s = &p->sh[si];

	while (s->has && (upto == NULL || strcmp(s->peek.contact, upto) < 0)) {
		struct run_item it = { NULL, si, &s->peek, 1, 0, NULL, 0, 0, NULL };

		if (give(p, &it) < 0 || shard_advance(p, s) < 0)
			return -1;
	}
	return 0;
}

/* The same for runs. */
static int
flush_run_orphans(struct pass *p, const char *upto)
{
	while (p->runs.has && (upto == NULL || strcmp(p->runs.peek.contact, upto) < 0)) {
		struct run_item it = { NULL, 0, NULL, 0, 0, &p->runs.peek, 1, 0, NULL };

		if (give(p, &it) < 0 || runs_advance(p) < 0)
			return -1;
	}
	return 0;
}

/* Events for contacts that are not in contacts.csv (those before upto, or
 * all that remain) are logged as skipped and leave the inbox. */
static int
skip_unknown_events(struct pass *p, const char *upto)
{
	struct effects fx;
	struct log_row lr;
	int rc = 0;

	while (rc == 0 && p->nextev < p->ev.n &&
	       (upto == NULL || strcmp(p->ev.v[p->nextev].contact, upto) < 0)) {
		const struct event *ev = &p->ev.v[p->nextev++];
		struct run_item it = { NULL, 0, NULL, 0, 0, NULL, 0, 0, &fx };

		lr.time = events_slot(p->cfg->tick, p->ri->from, ev->time);
		lr.contact = ev->contact;
		lr.sequence = ev->sequence;
		lr.step = lr.automation = "";
		lr.action = "event";
		lr.result = "skipped";
		lr.ref = ev->id;
		lr.detail = "unknown contact";
		effects_init(&fx, &p->ca);
		fx.log = &lr;
		fx.nlog = 1;
		rc = give(p, &it);
	}
	return rc;
}

static int
one_contact(struct pass *p, struct contact *ct, unsigned si)
{
	struct run_info *ri = p->ri;
	struct shard_in *s = &p->sh[si];
	struct enr *rows = NULL, *orig;
	size_t n = 0, cap = 0, i, nev = 0, firstev, norig, capruns = 0;
	struct effects fx;
	struct drip_err e;
	struct flows fl = { NULL, 0, NULL, 0 };
	struct arun *runs_orig;
	size_t nruns_orig;
	struct contact prev;
	struct run_item it;
	int64_t nx;
	int failed = 0;

	if (flush_orphans(p, si, ct->id) < 0 || flush_run_orphans(p, ct->id) < 0)
		return -1;
	while (p->runs.has && strcmp(p->runs.peek.contact, ct->id) == 0) {
		struct arun *x = ARENA_PUSH(&p->ca, fl.runs, fl.n, capruns);

		*x = p->runs.peek;
		x->contact = ct->id;
		x->automation = arena_strdup(&p->ca, x->automation);
		x->sequence = arena_strdup(&p->ca, x->sequence);
		if (runs_advance(p) < 0)
			return -1;
	}
	runs_orig = arena_alloc(&p->ca, (fl.n + 1) * sizeof *runs_orig);
	if (fl.n)
		memcpy(runs_orig, fl.runs, fl.n * sizeof *fl.runs);
	nruns_orig = fl.n;
	if (p->snap.r) {
		/* Its row as the last tick left it: NULL when it is new. */
		fl.have_prev = 1;
		while (p->snap.has && strcmp(p->snap.row.f[p->snap.idcol], ct->id) < 0)
			if (snap_advance(p) < 0)
				return -1;
		if (p->snap.has && strcmp(p->snap.row.f[p->snap.idcol], ct->id) == 0) {
			const char **v = arena_alloc(&p->ca, (p->snap.row.n + 1) * sizeof *v);

			for (i = 0; i < p->snap.row.n; i++)
				v[i] = arena_strdup(&p->ca, p->snap.row.f[i]);
			prev.id = ct->id;
			prev.cols = p->snap.cols;
			prev.vals = v;
			prev.n = p->snap.row.n;
			prev.changed = 0;
			fl.prev = &prev;
			if (snap_advance(p) < 0)
				return -1;
		}
	}
	while (s->has && strcmp(s->peek.contact, ct->id) == 0) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 4;

			rows = arena_grow(&p->ca, rows, n, nc, sizeof *rows);
			cap = nc;
		}
		rows[n] = s->peek;
		rows[n].contact = ct->id;
		rows[n].sequence = arena_strdup(&p->ca, s->peek.sequence);
		rows[n].step = arena_strdup(&p->ca, s->peek.step);
		rows[n].task = arena_strdup(&p->ca, s->peek.task);
		rows[n].sent_day = arena_strdup(&p->ca, s->peek.sent_day);
		n++;
		if (shard_advance(p, s) < 0)
			return -1;
	}
	if (skip_unknown_events(p, ct->id) < 0)
		return -1;
	firstev = p->nextev;
	while (p->nextev < p->ev.n && strcmp(p->ev.v[p->nextev].contact, ct->id) == 0)
		p->nextev++, nev++;
	orig = arena_alloc(&p->ca, (n + 1) * sizeof *orig);
	if (n)
		memcpy(orig, rows, n * sizeof *rows);
	norig = n;
	effects_init(&fx, &p->ca);
	auto_enroll(p, ct, &rows, &n, &fx);
	/* No events: no pointer into an array that may not exist (an offset
	 * of zero from NULL is undefined, and clang's UBSan says so). */
	if (engine_advance(&p->d, ct, &rows, &n, &fl, nev ? p->ev.v + firstev : NULL, nev,
			   ri->from, ri->to, &fx, &e) < 0) {
		/* This contact is left as it was; the others go on. */
		struct log_row lr = { ri->to, ct->id, "", "", "", "tick", "failed", "", "" };

		lr.detail = arena_strdup(&p->ca, e.msg);
		effects_clear(&fx);
		fx.log = arena_alloc(&p->ca, sizeof *fx.log);
		fx.log[0] = lr;
		fx.nlog = 1;
		if (norig)
			memcpy(rows, orig, norig * sizeof *rows);
		n = norig;
		fl.runs = runs_orig;
		fl.n = nruns_orig;
		ri->failed_contacts++;
		failed = 1;
	}
	/* When the next tick has work for it: a contact that failed is
	 * tried again in every tick.  The next tick has the snapshot when an
	 * automation watches. */
	fl.have_prev = ri->watch;
	nx = failed ? ri->to + p->cfg->tick : engine_next(&p->d, ct, rows, n, &fl, ri->to);
	if (nx < p->next[si])
		p->next[si] = nx;
	ri->fired += fx.fired;
	ri->completed += fx.completed;
	ri->enrolled += fx.enrolled;
	ri->automations += fx.automations;
	/* Rows keep their order; any that differs makes the shard's file
	 * part of the commit. */
	memset(&it, 0, sizeof it);
	it.c = ct;
	it.shard = si;
	it.enrs = rows;
	it.nenrs = n;
	it.enrs_changed = n != norig;
	for (i = 0; i < n && i < norig && !it.enrs_changed; i++)
		it.enrs_changed = !same_enr(&rows[i], &orig[i]);
	it.runs = fl.runs;
	it.nruns = fl.n;
	it.runs_changed = fl.n != nruns_orig;
	for (i = 0; i < fl.n && i < nruns_orig && !it.runs_changed; i++)
		it.runs_changed = !same_run(&fl.runs[i], &runs_orig[i]);
	it.fx = &fx;
	if (give(p, &it) < 0)
		return -1;
	ri->contacts++;
	arena_reset(&p->ca);
	return 0;
}

/* A contact of a quiet shard: its runs pass through as they are, and the
 * events of unknown contacts before it are logged in their place. */
static int
pass_by(struct pass *p, const char *id)
{
	if (skip_unknown_events(p, id) < 0 || flush_run_orphans(p, id) < 0)
		return -1;
	while (p->runs.has && strcmp(p->runs.peek.contact, id) == 0) {
		struct run_item it = { NULL, 0, NULL, 0, 0, &p->runs.peek, 1, 0, NULL };

		if (give(p, &it) < 0 || runs_advance(p) < 0)
			return -1;
	}
	p->ri->skipped++;
	return 0;
}

/* ---- the pass ---- */

static const char *
show_time(struct pass *p, int64_t t)
{
	char buf[64];

	if (p->cfg->tz)
		dtime_format_local(p->cfg->tz, t, 1, buf, sizeof buf);
	else
		dtime_format_utc(t, buf, sizeof buf);
	return arena_strdup(p->a, buf);
}

/*
 * Which shards may be left alone: those whose cached first slot with work
 * is after this tick's slot, whose file is as the cache says, and whose
 * contacts have no event.  Nothing is left alone on a first tick, nor
 * while a sequence may enroll contacts by condition (enroll_when can come
 * true in any slot), nor while a sequence is paused or its resume has not
 * been applied yet (the thawing tick moves every pending time of its
 * enrollments, which the cached slots do not know).
 */
static void
quiet_setup(struct pass *p)
{
	struct run_info *ri = p->ri;
	size_t i, nskip = 0;

	for (i = 0; i < STATE_SHARDS; i++)
		p->next[i] = INT64_MAX;
	ri->next = p->next;
	ri->skip = p->skip;
	if (ri->from == STATE_NONE || p->o->hooks)
		return;
	for (i = 0; i < p->d.nseqs; i++) {
		const struct seqdef *sd = &p->d.seqs[i];
		int64_t thaw = engine_thaw_slot(sd, p->cfg->tick);

		if (sd->accepting && sd->q->enroll_when.expr)
			return;
		if (sd->paused_at != STATE_NONE && (thaw == STATE_NONE || thaw > ri->from))
			return;
	}
	due_load(p->o->root, p->cfg, ri->from, &p->due);
	if (!p->due.valid)
		return;
	ri->unchanged = 1;
	for (i = 0; i < STATE_SHARDS; i++)
		p->skip[i] = p->due.next[i] > ri->to && due_shard_same(p->o->root, &p->due, i);
	for (i = 0; i < p->ev.n; i++)
		p->skip[state_shard(p->ev.v[i].contact)] = 0;
	for (i = 0; i < STATE_SHARDS; i++)
		if (p->skip[i]) {
			p->next[i] = p->due.next[i];
			nskip++;
		}
	ri->quiet = nskip == STATE_SHARDS && p->ev.n == 0;
}

/* tick --shard K/N: the events of the shard's contacts only; the others
 * stay in inbox/ (run_opts). */
static void
shard_only(struct pass *p)
{
	size_t i, n = 0;

	if (p->o->shard_n == 0)
		return;
	for (i = 0; i < p->ev.n; i++)
		if (state_shard(p->ev.v[i].contact) % p->o->shard_n == p->o->shard_k)
			p->ev.v[n++] = p->ev.v[i];
	p->ev.n = n;
}

/* ... and the other shards' files are left alone like quiet ones, with
 * work always due for the cache (due.h), which knows nothing of them. */
static void
shard_skip(struct pass *p)
{
	size_t i, nskip = 0;

	if (p->o->shard_n == 0)
		return;
	for (i = 0; i < STATE_SHARDS; i++) {
		if (i % p->o->shard_n != p->o->shard_k) {
			p->skip[i] = 1;
			p->next[i] = INT64_MIN;
		}
		nskip += p->skip[i];
	}
	p->ri->quiet = nskip == STATE_SHARDS && p->ev.n == 0;
}

/* Everything up to the first contact: the clock, the definitions, the
 * inputs, the sink's begin, the readers. */
static int
pass_setup(struct pass *p)
{
	const struct run_opts *o = p->o;
	const struct config *cfg = o->cfg;
	struct run_info *ri = p->ri;
	int64_t last;
	int have_clock;

	have_clock = clock_read_part(o->root, o->store, o->shard_n ? o->shard_k : 0,
				     o->shard_n ? o->shard_n : 1, &last, p->err);
	if (have_clock < 0)
		return -1;
	ri->from = have_clock == 0 ? last : STATE_NONE;
	ri->to = sched_slot_floor(o->now, cfg->tick);
	if (ri->from != STATE_NONE && ri->to <= ri->from)
		return RUN_NOTHING;
	if (ri->from != STATE_NONE && o->now - ri->from > cfg->max_lag && !o->catch_up) {
		char lagd[64];
		struct dur lag = { 0, 0, o->now - ri->from - (o->now - ri->from) % 60 };

		dur_format(&lag, lagd, sizeof lagd);
		return err_set(p->err, DRIP_ETEMP, NULL, 0, 0,
			       "the last tick processed %s, %s ago, more than max_lag: "
			       "'drip tick --catch-up' processes the backlog",
			       show_time(p, ri->from), lagd);
	}
	if (defs_load(p->a, o->root, cfg, &p->d, p->err) < 0 ||
	    (o->hooks && o->hooks->defs(o->hooks->ctx, &p->d, p->err) < 0))
		return -1;
	p->d.zone = zone_of;
	p->d.zone_ctx = &p->zones;
	p->d.task_done = events_task_done;
	p->d.task_ctx = &p->done;
	ri->r0 = ri->from == STATE_NONE ? ri->to : ri->from + cfg->tick;
	ri->d = &p->d;
	ri->ev = &p->ev;
	if (defs_load_autos(p->a, o->root, &p->d, p->err) < 0 ||
	    defs_check_mail(&p->d, p->err) < 0 || load_since(p) < 0 || setup_links(p) < 0)
		return -1;
	if (cfg->holidays) {
		int64_t *days;
		size_t nd;
		char *full = fsio_join(o->root, cfg->holidays);
		int k = sched_load_holidays(p->a, full, &days, &nd, p->err);

		free(full);
		if (k < 0)
			return -1;
		p->d.holidays = days;
		p->d.nholidays = nd;
	}
	if (events_load(p->a, o->root, cfg->tick, ri->from, ri->to, &p->ev, p->err) < 0 ||
	    events_load_done(p->a, o->root, &p->done, p->err) < 0)
		return -1;
	shard_only(p);
	quiet_setup(p);
	shard_skip(p);
	if (p->sink->begin(p->sink->ctx, ri, p->err) < 0)
		return -1;
	p->begun = 1;
	if (ri->quiet)
		return 0;
	return open_shards(p) < 0 || open_runs(p) < 0 ? -1 : 0;
}

/* The stream of contacts.csv, in id order. */
static int
pass_contacts(struct pass *p)
{
	struct drip_err *err = p->err;
	struct csvio_row row;
	char prev[256] = "", *full;
	const char **cols;
	size_t i, nvirt;
	unsigned si;
	long idcol, prev_line = 0;
	int k;

	full = fsio_join(p->o->root, p->contacts_rel ? p->contacts_rel : "contacts.csv");
	k = csvio_open(full, &p->cr, err);
	free(full);
	if (k < 0) {
		snprintf(err->file, sizeof err->file, "contacts.csv");
		return -1;
	}
	if ((idcol = csvio_col(p->cr, "id")) < 0)
		return err_set(err, DRIP_EDATA, "contacts.csv", 1, 0,
			       "missing required column \"id\"");
	if (csvio_ncols(p->cr) > 1024)
		return err_set(err, DRIP_EDATA, "contacts.csv", 1, 0, "more than 1024 columns");
	/* The header is the same for every contact: its names, once, and
	 * after them the columns the engine sets that the file lacks. */
	cols = arena_alloc(p->a, (csvio_ncols(p->cr) + ENGINE_CONTACT_NCOLS + 1) * sizeof *cols);
	for (i = 0; i < csvio_ncols(p->cr); i++)
		cols[i] = csvio_colname(p->cr, i);
	nvirt = run_missing_cols(p->cr, cols + i);
	p->vals = arena_alloc(p->a, (1024 + ENGINE_CONTACT_NCOLS) * sizeof *p->vals);
	while ((k = csvio_next(p->cr, &row, err)) == 1) {
		struct contact ct;
		size_t j;

		ct.id = row.f[idcol];
		if (!ws_valid_contact_id(ct.id))
			return err_set(err, DRIP_EDATA, "contacts.csv", (int)row.line, 0,
				       "invalid contact id \"%s\"", ct.id);
		if (prev[0] && strcmp(prev, ct.id) == 0)
			return err_set(err, DRIP_EDATA, "contacts.csv", (int)row.line, 0,
				       "contact \"%s\" appears twice (lines %ld and %ld)", ct.id,
				       prev_line, row.line);
		/* A row out of order (appended by hand): nothing has been
		 * written yet, so the pass stops here, the file is sorted, and
		 * the pass starts again (run_pass). */
		if (prev[0] && strcmp(prev, ct.id) > 0) {
			p->unsorted = 1;
			return -1;
		}
		/* A valid id is under 128 bytes (ws.h): it fits. */
		memcpy(prev, ct.id, strlen(ct.id) + 1);
		prev_line = row.line;
		/* The contact's enrollment file: a hash, worked out once. */
		si = state_shard(ct.id);
		if (p->skip[si]) {
			if (pass_by(p, ct.id) < 0)
				return -1;
			continue;
		}
		ct.n = row.n + nvirt;
		ct.changed = 0;
		for (j = 0; j < row.n && j < 1024; j++)
			p->vals[j] = row.f[j];
		for (; j < ct.n; j++)
			p->vals[j] = "";
		ct.vals = p->vals;
		ct.cols = cols;
		if (one_contact(p, &ct, si) < 0)
			return -1;
		if (p->o->phase && p->ri->contacts % 256 == 0)
			p->o->phase(p->o->progress_ctx, "contacts", csvio_offset(p->cr),
				    csvio_size(p->cr));
		if (p->o->progress && p->ri->contacts % 50000 == 0)
			p->o->progress(p->o->progress_ctx, p->ri->contacts, 0);
	}
	if (k < 0) {
		snprintf(err->file, sizeof err->file, "contacts.csv");
		return -1;
	}
	if (p->o->progress && p->ri->contacts >= 50000)
		p->o->progress(p->o->progress_ctx, p->ri->contacts, 1);
	if (p->o->phase)
		p->o->phase(p->o->progress_ctx, "contacts", csvio_size(p->cr), csvio_size(p->cr));
	return 0;
}

static int
pass_once(struct pass *p)
{
	unsigned i;
	int rc = pass_setup(p);

	if (rc != 0)
		return rc;
	if (!p->ri->quiet && pass_contacts(p) < 0)
		return -1;
	for (i = 0; i < STATE_SHARDS; i++)
		if (flush_orphans(p, i, NULL) < 0)
			return -1;
	if (flush_run_orphans(p, NULL) < 0 || skip_unknown_events(p, NULL) < 0)
		return -1;
	return p->sink->finish(p->sink->ctx, p->ri, p->err);
}

static void
pass_release(struct pass *p)
{
	size_t i;

	if (p->cr)
		csvio_close(p->cr);
	for (i = 0; i < STATE_SHARDS; i++) {
		if (p->sh[i].r)
			csvio_close(p->sh[i].r);
		arena_release(&p->sh[i].pa);
	}
	if (p->runs.r)
		csvio_close(p->runs.r);
	arena_release(&p->runs.pa);
	if (p->snap.r)
		csvio_close(p->snap.r);
	arena_release(&p->ca);
	zone_cache_free(&p->zones);
	token_key_free(p->links.key);
	defs_release(&p->d);
}

int
run_pass(const struct run_opts *o, const struct run_sink *sink, struct run_info *info,
	 struct drip_err *err)
{
	const char *contacts_rel = NULL;
	int sorted = 0, rc;

	for (;;) {
		struct pass *p = xmalloc(sizeof *p);
		int unsorted;

		memset(p, 0, sizeof *p);
		memset(info, 0, sizeof *info);
		p->o = o;
		p->sink = sink;
		p->ri = info;
		p->err = err;
		p->a = o->a;
		p->cfg = o->cfg;
		p->contacts_rel = contacts_rel;
		rc = pass_once(p);
		if (rc < 0 && p->begun && sink->abort)
			sink->abort(sink->ctx);
		unsorted = p->unsorted;
		pass_release(p);
		free(p);
		info->d = NULL;
		info->ev = NULL;
		if (!unsorted)
			break;
		/* Sorted once already: someone is rewriting the file now. */
		if (sorted) {
			rc = err_set(err, DRIP_ETEMP, "contacts.csv", 0, 0,
				     "changed while tick was reading it; run tick again");
			break;
		}
		if ((rc = runio_sort_contacts(o, &contacts_rel, err)) < 0)
			break;
		sorted = 1;
	}
	if (contacts_rel) {
		char *full = fsio_join(o->root, contacts_rel);

		unlink(full);
		free(full);
	}
	return rc;
}
