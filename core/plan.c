/*
 * plan.c - what publishing a draft would do, computed in memory by the
 * migration of a publish and the pass of a tick (see plan.h).
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "defs.h"
#include "dtime.h"
#include "err.h"
#include "pub.h"
#include "report.h"
#include "rtab.h"
#include "run.h"
#include "seq.h"
#include "state.h"

/* ---- what migration says: moves and automations that end ---- */

struct prow {
	char *f[5];			/* one malloc'ed block */
};

struct rows {
	struct prow *v;
	size_t n, cap;
	size_t total;
};

static int
cmp_prow(const void *pa, const void *pb)
{
	const struct prow *a = pa, *b = pb;
	int c = strcmp(a->f[0], b->f[0]);

	return c ? c : strcmp(a->f[2], b->f[2]);
}

/* Keep the PLAN_ROWS_MAX lowest by contact: sorted and cut whenever twice
 * that many are held. */
static void
rows_cut(struct rows *r)
{
	size_t i;

	if (r->n > 1)
		qsort(r->v, r->n, sizeof *r->v, cmp_prow);
	for (i = PLAN_ROWS_MAX; i < r->n; i++)
		free(r->v[i].f[0]);
	if (r->n > PLAN_ROWS_MAX)
		r->n = PLAN_ROWS_MAX;
}

static void
rows_add(struct rows *r, const char *const *f, size_t nf)
{
	struct prow *p;
	size_t len[5], total = 0, k;
	char *s;

	r->total++;
	if (r->n == 2 * PLAN_ROWS_MAX)
		rows_cut(r);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	p = &r->v[r->n++];
	memset(p, 0, sizeof *p);
	for (k = 0; k < nf; k++)
		total += (len[k] = strlen(f[k])) + 1;
	s = xmalloc(total);
	for (k = 0; k < nf; k++) {
		memcpy(s, f[k], len[k] + 1);
		p->f[k] = s;
		s += len[k] + 1;
	}
}

static void
rows_free(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].f[0]);
	free(r->v);
	memset(r, 0, sizeof *r);
}

struct watch {
	const struct seq *old, *nq;
	size_t enrollments, running, moved, resumed;
	int still;			/* nothing moves: the draft is what runs */
	struct rows moves, ending, next;
};

static const struct step *
find_step(const struct seq *q, const char *id)
{
	long k = id && *id ? seq_step_index(q, id) : -1;

	return k < 0 ? NULL : &q->steps[k];
}

static int
has_auto(const struct step *st, const char *id)
{
	size_t i;

	for (i = 0; st && i < st->nautos; i++)
		if (strcmp(st->autos[i].id, id) == 0)
			return 1;
	return 0;
}

/* Can the automation still fire while the contact stays on its step?  An
 * `enter` one without a delay or repeat fired when the contact entered. */
static int
may_fire(const struct step_auto *sa)
{
	if (sa->on != TRIG_ENTER)
		return 1;
	return sa->has_repeat || sa->after.months || sa->after.days || sa->after.secs;
}

static const char *const trig_names[] = { "enter", "complete", "pending" };

/* Where an enrollment goes when step k of q has fired: a goto's target,
 * else the step after it ("(done)" after the last); NULL for a branch or
 * an exit, which the order of the steps does not decide. */
static const char *
next_of(const struct seq *q, long k)
{
	const struct step *st = &q->steps[k];

	if (st->type == STEP_GOTO)
		return st->to_step;
	if (st->type == STEP_BRANCH || st->type == STEP_EXIT)
		return NULL;
	return (size_t)k + 1 < q->nsteps ? q->steps[k + 1].id : "(done)";
}

/* An enrollment that stays on its step but goes on elsewhere after it. */
static void
next_changes(struct watch *w, const struct enr *e)
{
	long ko = seq_step_index(w->old, e->step), kn = seq_step_index(w->nq, e->step);
	const char *was, *now, *f[5];

	if (ko < 0 || kn < 0)
		return;
	was = next_of(w->old, ko);
	now = next_of(w->nq, kn);
	if (was == NULL || now == NULL || strcmp(was, now) == 0)
		return;
	f[0] = e->contact;
	f[1] = e->step;
	f[2] = was;
	f[3] = now;
	f[4] = strcmp(was, "(done)") != 0 && seq_step_index(w->nq, was) < 0 ?
	       "the step after it is deleted" :
	       strcmp(now, "(done)") != 0 && seq_step_index(w->old, now) < 0 ?
	       "a step is added after it" : "steps reordered";
	rows_add(&w->next, f, 5);
}

static void
on_seen(void *ctx, const struct enr *before, const struct enr *after, int moved)
{
	struct watch *w = ctx;
	const struct step *was, *now;
	size_t i;

	w->enrollments++;
	if (!enr_ended(before->status))
		w->running++;
	if (w->still)
		return;
	if (moved) {
		int resumed = enr_ended(before->status);
		const char *f[4];

		if (resumed)
			w->resumed++;
		else
			w->moved++;
		f[0] = before->contact;
		f[1] = *before->step ? before->step : "(done)";
		f[2] = *after->step ? after->step : "(done)";
		f[3] = resumed ? "steps added after the old last step" :
		       "its step is deleted";
		rows_add(&w->moves, f, 4);
	}
	if (enr_ended(before->status))
		return;
	if (!moved)
		next_changes(w, before);
	was = find_step(w->old, before->step);
	now = enr_ended(after->status) ? NULL : find_step(w->nq, after->step);
	for (i = 0; was && i < was->nautos; i++) {
		const char *f[4];

		if (!may_fire(&was->autos[i]) || has_auto(now, was->autos[i].id))
			continue;
		f[0] = before->contact;
		f[1] = was->id;
		f[2] = was->autos[i].id;
		f[3] = trig_names[was->autos[i].on];
		rows_add(&w->ending, f, 4);
	}
}

/* ---- the document ---- */

static const char *
num(struct arena *a, size_t v)
{
	return arena_printf(a, "%zu", v);
}

static void
add_rows(struct arena *a, struct rtab_doc *out, const char *name, const char *title,
	 const char *const *cols, size_t ncols, struct rows *r)
{
	struct rtab *t;
	size_t i, k;

	rows_cut(r);
	t = rtab_add(a, out, name, r->total > r->n ?
		     arena_printf(a, "%s: the first %zu of %zu", title, r->n, r->total) : title,
		     cols);
	for (i = 0; i < r->n; i++) {
		const char **row = rtab_row(a, t);

		for (k = 0; k < ncols; k++)
			row[k] = arena_strdup(a, r->v[i].f[k]);
	}
}

/* ---- the pass on what publishing would leave ---- */

struct planrun {
	struct arena *a;
	const struct plan_opts *o;
	const struct pub_prepared *pp;
	struct migrate_ctx m;
	int migrating;			/* there is a published version to move from */
};

/* The draft in place of the published version, as the publish pins it. */
static int
plan_defs(void *ctx, struct defs *d, struct drip_err *err)
{
	struct planrun *pr = ctx;

	return defs_put_seq(pr->a, d, pr->o->id, pr->o->q, pr->o->pc, pr->pp->version,
			    pr->pp->status, pr->o->now, err);
}

/* Each enrollment of the sequence as the publish's migration leaves it. */
static void
plan_enr(void *ctx, struct enr *e)
{
	struct planrun *pr = ctx;

	if (pr->migrating && strcmp(e->sequence, pr->o->id) == 0)
		migrate_enr(&pr->m, e);
}

static int
build(struct arena *a, const struct plan_opts *o, const struct pub_prepared *pp,
      const struct run_hooks *hooks, struct watch *w, struct rtab_doc *out,
      struct drip_err *err)
{
	static const char *const c_sum[] = { "sequence", "version", "new_version", "enrollments",
					     "in_progress", "moved", "resumed", "staying",
					     "automations_ending", "actions", "until",
					     "next_changes", NULL };
	static const char *const c_moves[] = { "contact", "from", "to", "why", NULL };
	static const char *const c_end[] = { "contact", "step", "automation", "on", NULL };
	static const char *const c_next[] = { "contact", "step", "next_was", "next_now", "why",
					      NULL };
	struct report_opts ro;
	struct rtab *t;
	const char **row;
	char utc[32], until[64], now[64];
	int64_t first;
	size_t actions = 0, k;
	int rc;

	memset(&ro, 0, sizeof ro);
	ro.root = o->root;
	ro.cfg = o->cfg;
	ro.now = o->now;
	report_doc_begin(a, &ro, out, "plan", arena_printf(a, "Publishing %s", o->id));
	dtime_format_local(o->cfg->tz, o->until, 0, until, sizeof until);
	dtime_format_local(o->cfg->tz, o->now, 0, now, sizeof now);
	out->subtitle = arena_printf(a, "%s; %s, then what fires up to %s (%s)", out->subtitle,
				     pp->same ? arena_printf(a, "the draft is version %ld as "
							     "published: publishing changes "
							     "nothing", pp->from) :
				     pp->from ? arena_printf(a, "version %ld would become %ld at %s",
							     pp->from, pp->version, now) :
				     arena_printf(a, "first published as version 1 at %s", now),
				     until, o->horizon);
	t = rtab_add(a, out, "summary", "Summary", c_sum);
	for (k = 1; k < 10; k++)
		rtab_numeric(t, k);
	rtab_numeric(t, 11);
	row = rtab_row(a, t);
	rc = report_upcoming_tabs(a, &ro, o->id, hooks, o->until, out, &first, &actions, err);
	if (rc < 0)
		return -1;
	row[0] = o->id;
	row[1] = pp->from ? arena_printf(a, "%ld", pp->from) : "";
	row[2] = arena_printf(a, "%ld", pp->version);
	row[3] = num(a, w->enrollments);
	row[4] = num(a, w->running);
	row[5] = num(a, w->moved);
	row[6] = num(a, w->resumed);
	row[7] = num(a, w->running - w->moved);
	row[8] = num(a, w->ending.total);
	row[9] = num(a, actions);
	dtime_format_utc(o->until, utc, sizeof utc);
	row[10] = arena_strdup(a, utc);
	row[11] = num(a, w->next.total);
	add_rows(a, out, "moves", "Enrollments that move", c_moves, 4, &w->moves);
	add_rows(a, out, "next", "Enrollments that stay but go on elsewhere", c_next, 5,
		 &w->next);
	add_rows(a, out, "ending", "Automations that end", c_end, 4, &w->ending);
	/* The summary first, then moves, next steps and endings, then what
	 * fires. */
	if (out->ntabs == 6) {
		struct rtab days = out->tabs[1], up = out->tabs[2];

		out->tabs[1] = out->tabs[3];
		out->tabs[2] = out->tabs[4];
		out->tabs[3] = out->tabs[5];
		out->tabs[4] = days;
		out->tabs[5] = up;
	}
	return 0;
}

int
plan_build(struct arena *a, const struct plan_opts *o, struct rtab_doc *out,
	   struct drip_err *err)
{
	struct watch w;
	struct migrate_watch mw = { on_seen, &w };
	struct pub_prepared pp;
	struct planrun pr;
	struct run_hooks hooks = { plan_defs, plan_enr, &pr };
	int rc = -1;

	memset(&w, 0, sizeof w);
	memset(&pr, 0, sizeof pr);
	if (pub_next(a, o->root, o->id, o->pc, &pp, err) < 0)
		return -1;
	w.nq = o->q;
	w.old = pp.from ? pub_load_published(a, o->root, o->id) : NULL;
	pr.a = a;
	pr.o = o;
	pr.pp = &pp;
	/* Who moves: the shards streamed through the publish's migration,
	 * nothing written; the pass below moves each row again as it reads
	 * it. */
	if (!pp.same && w.old) {
		if (migrate_run(o->root, o->id, w.old, o->q, o->cfg, o->now, &mw, NULL, err) < 0 ||
		    migrate_begin(&pr.m, w.old, o->q, o->cfg, o->now, err) < 0)
			goto out;
		pr.migrating = 1;
	} else {
		/* Nothing to move from: the enrollments are only counted. */
		w.old = o->q;
		w.still = 1;
		if (migrate_run(o->root, o->id, o->q, o->q, o->cfg, o->now, &mw, NULL, err) < 0)
			goto out;
	}
	rc = build(a, o, &pp, pp.same ? NULL : &hooks, &w, out, err);
out:
	if (pr.migrating)
		migrate_end(&pr.m);
	rows_free(&w.moves);
	rows_free(&w.ending);
	rows_free(&w.next);
	return rc;
}
