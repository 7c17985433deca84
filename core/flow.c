/*
 * flow.c - sequence automations (automations/ID.yaml, SPEC §3.6) inside
 * the engine's per-contact simulation.
 *
 * Things that happen to a contact - it enrolls, enters or completes a step,
 * finishes or is removed, a tag or field changes (by an action, or in
 * contacts.csv between ticks), it is new, an event or a response arrives, a
 * date comes round - are noted as triggers while a slot is processed and
 * matched afterwards, in order, so the engine never sees an enrollment
 * array change under it.  A matching automation starts a run (state/
 * runs.csv, one row per contact and automation) when its `and:` holds and
 * `reenter:` allows; its `or:` condition starts one when it becomes true.
 *
 * A run executes its actions in order, all in one slot until a `wait:`,
 * which counts from when the action before it was due (calendar arithmetic
 * in the workspace's zone; no windows, no default_time).  `stop_when:` is
 * looked at before each action; when it holds the run stops and its
 * stop_actions run.  With `review: true` each action that comes due waits
 * in the review queue (status review) until `drip automate approve` or
 * `reject`; the next tick runs or drops it and the run goes on.
 *
 * Like steps, nothing here depends on when tick runs: every time is a slot
 * computed from the rows, so composition holds (SPEC §9.2).
 */
#include "engine_int.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "csvio.h"
#include "dtime.h"
#include "dur.h"
#include "err.h"
#include "sched.h"
#include "state.h"

/* Neither inactive nor archived: automations act only for such a contact.
 * Looked at before each automation starts or goes on, so that one made
 * inactive by an action stops the others in the same slot. */
static int
live(const struct run *r)
{
	return !engine_halted(r);
}

void
flow_emit(struct run *r, enum autom_trigger kind, const char *seq, const char *step,
	  const char *name, const char *value)
{
	struct trig *t;

	if (r->fl == NULL)
		return;
	t = ARENA_PUSH(r->fx->a, r->trigs, r->ntrigs, r->captrigs);
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->sequence = seq ? seq : "";
	t->step = step ? step : "";
	t->name = name ? name : "";
	t->value = value ? value : "";
}

/* Is item in the list? */
static int
has_item(const char *const *v, size_t n, const char *item)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], item) == 0)
			return 1;
	return 0;
}

void
flow_changed(struct run *r, const char *col, const char *old, const char *new_)
{
	const char **a, **b;
	size_t na, nb, i;

	if (r->fl == NULL)
		return;
	flow_emit(r, AT_FIELD_CHANGED, "", NULL, col, new_);
	if (strcmp(col, "tags") != 0)
		return;
	csvio_split_list(r->fx->a, old ? old : "", &a, &na);
	csvio_split_list(r->fx->a, new_ ? new_ : "", &b, &nb);
	for (i = 0; i < nb; i++)
		if (!has_item(a, na, b[i]))
			flow_emit(r, AT_TAG_ADDED, "", NULL, b[i], NULL);
	for (i = 0; i < na; i++)
		if (!has_item(b, nb, a[i]))
			flow_emit(r, AT_TAG_REMOVED, "", NULL, a[i], NULL);
}

static int
same(const char *want, const char *got)
{
	return want == NULL || strcmp(want, got) == 0;
}

/* Does trigger t start automation m? */
static int
matches(const struct autom *m, const struct trig *t)
{
	switch (m->trigger) {
	case AT_DATE:
		return t->kind == AT_DATE && strcmp(t->name, m->id) == 0;
	case AT_EXTERNAL:
		return t->kind == AT_EXTERNAL && strcmp(m->event, t->name) == 0 &&
		       same(m->sequence, t->sequence);
	case AT_RESPONSE:
		return t->kind == AT_RESPONSE && same(m->answer, t->value);
	case AT_TAG_ADDED:
	case AT_TAG_REMOVED:
		return t->kind == m->trigger && strcmp(m->tag, t->name) == 0;
	case AT_FIELD_CHANGED:
		return t->kind == AT_FIELD_CHANGED && strcmp(m->field, t->name) == 0 &&
		       same(m->to, t->value);
	case AT_CONTACT_CREATED:
		return t->kind == AT_CONTACT_CREATED;
	default:
		return t->kind == m->trigger && same(m->sequence, t->sequence) &&
		       same(m->step, t->step);
	}
}

static long
find_run(const struct run *r, const char *automation)
{
	size_t i;

	for (i = 0; i < r->fl->n; i++)
		if (strcmp(r->fl->runs[i].automation, automation) == 0)
			return (long)i;
	return -1;
}

/* The step the contact is on in seq, for actions that need one
 * (complete_step, the links of still_interested), or NULL. */
static const struct step *
current_step(const struct run *r, const char *seq)
{
	const struct seqdef *sd = *seq ? engine_seq(r->d, seq) : NULL;
	long k = sd ? engine_enr(r, seq) : -1;
	long i;

	if (k < 0 || enr_ended(ENR(r, k)->status))
		return NULL;
	i = seq_step_index(sd->q, ENR(r, k)->step);
	return i >= 0 ? &sd->q->steps[i] : NULL;
}

static void
end_run(struct run *r, struct arun *ar, enum arun_status status, int64_t s, const char *detail)
{
	ar->status = status;
	ar->due = STATE_NONE;
	engine_act(r, s, ar->sequence, "", ar->automation, arun_status_names[status], "ok", "",
		   detail);
}

/*
 * Go on with run k in slot s: its actions from `next`, until a wait that
 * ends after s, the review queue, the end, or stop_when.  Returns 0, or -1
 * on a loop.
 */
static int
advance_run(struct run *r, size_t k, int64_t s)
{
	int counted = 0;

	for (;;) {
		struct arun *ar = &r->fl->runs[k];
		const struct autodef *ad = engine_auto(r->d, ar->automation);
		const struct autom *m;
		const struct action *a;
		const char *why = NULL;
		char id[11];
		int h, idx;

		if (ad == NULL || arun_ended(ar->status) || ar->status == RUN_REVIEW)
			return 0;
		/* Started for a sequence that is paused: its clock is frozen
		 * with the sequence's, and the thaw moves it on. */
		if (*ar->sequence && engine_frozen(engine_seq(r->d, ar->sequence), s))
			return 0;
		m = ad->m;
		if ((size_t)ar->next >= m->nactions) {
			end_run(r, ar, RUN_DONE, s, "");
			return 0;
		}
		a = &m->actions[ar->next];
		if (a->kind == ACT_WAIT) {
			ar->due = dur_add(r->d->cfg->tz, ar->due, &a->wait);
			ar->next++;
			if (engine_slot(r, ar->due) > s)
				return 0;
			continue;
		}
		if (ar->status == RUN_REJECTED) {
			/* Logged when it was rejected; dropped now. */
			ar->status = RUN_RUNNING;
			ar->next++;
			ar->due = s;
			continue;
		}
		if (m->stop_when.expr) {
			const struct seqdef *sd = *ar->sequence ? engine_seq(r->d, ar->sequence) : NULL;

			h = engine_cond(r, sd, &m->stop_when, s, &why);
			if (h != 0) {
				const char *seq = ar->sequence;

				end_run(r, ar, RUN_STOPPED, s,
					h < 0 ? why : arena_printf(r->fx->a, "stop_when: %s",
								   m->stop_when.src));
				if (h < 0)
					r->fx->log[r->fx->nlog - 1].result = "failed";
				return engine_actions(r, seq, current_step(r, seq), m->id, ad,
						      m->stop_actions, m->nstop_actions, m->nactions,
						      s, 1);
			}
		}
		if (m->review && ar->status == RUN_RUNNING) {
			ar->status = RUN_REVIEW;
			ar->due = s;
			state_run_review_id(ar, id);
			engine_act(r, s, ar->sequence, "", m->id, "review", "ok",
				   arena_strdup(r->fx->a, id), action_names[a->kind]);
			return 0;
		}
		if (ar->status == RUN_APPROVED) {
			ar->status = RUN_RUNNING;
			ar->due = s;
		}
		/* The commit's count: automations that acted in this slot. */
		if (!counted++)
			r->fx->automations++;
		idx = ar->next++;
		if (engine_actions(r, ar->sequence, current_step(r, ar->sequence), m->id, ad, a, 1,
				   (size_t)idx, s, 1) < 0)
			return -1;
	}
}

/* Start automation ad for the contact in slot s, for sequence seq, if it
 * may start: no run of it in progress, `reenter:` allows another, and
 * (check_and) its `and:` holds. */
static int
start(struct run *r, const struct autodef *ad, const char *seq, int64_t s, int check_and)
{
	const struct autom *m = ad->m;
	long k = find_run(r, m->id);
	struct arun *ar;

	if (k >= 0 && (!arun_ended(r->fl->runs[k].status) || m->reenter == REENTER_NEVER))
		return 0;
	if (check_and && m->and_.expr) {
		const struct seqdef *sd = *seq ? engine_seq(r->d, seq) : NULL;
		const char *why = NULL;
		int h = engine_cond(r, sd, &m->and_, s, &why);

		if (h < 0)
			engine_act(r, s, seq, "", m->id, "run", "failed", "", why);
		if (h != 1)
			return 0;
	}
	if (k < 0) {
		struct arun *v = arena_alloc(r->fx->a, (r->fl->n + 1) * sizeof *v);

		if (r->fl->n)
			memcpy(v, r->fl->runs, r->fl->n * sizeof *v);
		r->fl->runs = v;
		k = (long)r->fl->n++;
		v[k].cond = 0;
	}
	ar = &r->fl->runs[k];
	ar->contact = r->c->id;
	ar->automation = m->id;
	ar->sequence = seq;
	ar->status = RUN_RUNNING;
	ar->started = s;
	ar->next = 0;
	ar->due = s;
	return advance_run(r, (size_t)k, s);
}

int
flow_drain(struct run *r, int64_t s)
{
	size_t i;

	if (r->fl == NULL)
		return 0;
	while (r->headtrig < r->ntrigs) {
		struct trig t = r->trigs[r->headtrig++];

		for (i = 0; i < r->d->nautos && live(r); i++) {
			const struct autodef *ad = &r->d->autos[i];
			const char *seq;

			if (s < ad->since || !matches(ad->m, &t))
				continue;
			/* A change between ticks counts for an automation only
			 * when the snapshot it is measured against was taken
			 * while the automation existed. */
			if (t.between && ad->since >= r->r0)
				continue;
			seq = *t.sequence ? t.sequence : ad->m->sequence ? ad->m->sequence : "";
			if (start(r, ad, seq, s, 1) < 0)
				return -1;
		}
	}
	r->ntrigs = r->headtrig = 0;
	return 0;
}

/* The first slot at or after from (and not before the automation's since)
 * in which date trigger ad fires for the contact, or NEVER. */
static int64_t
date_slot(const struct run *r, const struct autodef *ad, int64_t from)
{
	const struct autom *m = ad->m;
	const char *v = contact_get(r->c, m->date_field);
	struct sched_rules rules;
	int64_t out, nb;
	int y, mo, d;
	char why[128];

	if (v == NULL || *v == '\0' || dtime_parse_date(v, &y, &mo, &d, why, sizeof why) < 0)
		return NEVER;
	if (from < ad->since)
		from = ad->since;
	memset(&rules, 0, sizeof rules);
	rules.zone = r->d->cfg->tz;
	rules.default_time = r->d->cfg->default_time;
	rules.window.days = 0x7f;
	rules.window.from = 0;
	rules.window.to = 1440;
	/* An occurrence in (from - len, from] fires in slot from. */
	nb = from == INT64_MIN ? INT64_MIN : from - r->len + 1;
	if (sched_date_next(&rules, y, mo, d, &m->offset, m->at, m->annually, nb, &out, why,
			    sizeof why) != 0 || out == SCHED_NEVER)
		return NEVER;
	return sched_slot_ceil(out, r->len);
}

int
flow_slot_start(struct run *r, int64_t s)
{
	unsigned kinds = r->d->auto_kinds;
	int any_enrolled = (kinds & (1u << AT_ENROLLED | 1u << AT_STEP_ENTERED)) != 0;
	int any_removed = (kinds & 1u << AT_REMOVED) != 0;
	size_t i, j, before;

	if (r->fl == NULL || !live(r))
		return 0;
	if (s == r->r0 && r->fl->have_prev) {
		/* What changed in contacts.csv since the last tick. */
		before = r->ntrigs;
		if (r->fl->prev == NULL) {
			/* A new contact; the tags it came with are added tags. */
			const char *tags = contact_get(r->c, "tags");
			const char **v;
			size_t nv;

			flow_emit(r, AT_CONTACT_CREATED, "", NULL, NULL, NULL);
			csvio_split_list(r->fx->a, tags ? tags : "", &v, &nv);
			for (i = 0; i < nv; i++)
				flow_emit(r, AT_TAG_ADDED, "", NULL, v[i], NULL);
		} else {
			for (i = 0; i < r->c->n; i++) {
				const char *old = contact_get(r->fl->prev, r->c->cols[i]);

				if (strcmp(old ? old : "", r->c->vals[i]) != 0)
					flow_changed(r, r->c->cols[i], old, r->c->vals[i]);
			}
		}
		for (j = before; j < r->ntrigs; j++)
			r->trigs[j].between = 1;
	}
	for (i = 0; (kinds & 1u << AT_DATE) && i < r->d->nautos; i++) {
		const struct autom *m = r->d->autos[i].m;

		if (m->trigger == AT_DATE && date_slot(r, &r->d->autos[i], s) == s)
			flow_emit(r, AT_DATE, "", NULL, m->id, NULL);
	}
	/* Enrollments made between ticks (drip enroll, enroll_when) in the
	 * slot of their enrollment time, even one removed again before this
	 * tick, and removals made between ticks (drip enroll --remove) in the
	 * slot of their time.  What the engine does itself it notes when it
	 * does it, always after the start of the slot. */
	for (i = 0; (any_enrolled || any_removed) && i < *r->n; i++) {
		const struct enr *e = ENR(r, i);

		if (any_enrolled && sched_slot_ceil(e->enrolled, r->len) == s) {
			flow_emit(r, AT_ENROLLED, e->sequence, NULL, NULL, NULL);
			if (e->entered == e->enrolled && *e->step)
				flow_emit(r, AT_STEP_ENTERED, e->sequence, e->step, NULL, NULL);
		}
		if (any_removed && e->status == ENR_REMOVED &&
		    sched_slot_ceil(e->entered, r->len) == s)
			flow_emit(r, AT_REMOVED, e->sequence, NULL, NULL, NULL);
	}
	return flow_drain(r, s);
}

int
flow_due(struct run *r, int64_t s)
{
	size_t k;

	if (r->fl == NULL || !live(r))
		return 0;
	/* advance_run may add runs (an action triggering another
	 * automation): those have run already, and the loop sees them done
	 * or waiting. */
	for (k = 0; k < r->fl->n && live(r); k++) {
		const struct arun *ar = &r->fl->runs[k];

		if (arun_ended(ar->status) || ar->status == RUN_REVIEW ||
		    engine_auto(r->d, ar->automation) == NULL || engine_slot(r, ar->due) > s)
			continue;
		if (advance_run(r, k, s) < 0)
			return -1;
	}
	return flow_drain(r, s);
}

int
flow_conds(struct run *r, int64_t s)
{
	size_t i;

	if (r->fl == NULL || !(r->d->auto_kinds & DEFS_OR) || !live(r))
		return 0;
	for (i = 0; i < r->d->nautos && live(r); i++) {
		const struct autodef *ad = &r->d->autos[i];
		const struct autom *m = ad->m;
		const char *seq = m->sequence ? m->sequence : "", *why = NULL;
		long k;
		int h, was;

		if (m->or_.expr == NULL || s < ad->since)
			continue;
		h = engine_cond(r, *seq ? engine_seq(r->d, seq) : NULL, &m->or_, s, &why);
		if (h < 0)
			continue;	/* a value the condition cannot compare: not true */
		k = find_run(r, m->id);
		was = k >= 0 && r->fl->runs[k].cond;
		if (k >= 0)
			r->fl->runs[k].cond = h;
		if (!h || was)
			continue;
		if (start(r, ad, seq, s, 0) < 0)
			return -1;
		if ((k = find_run(r, m->id)) >= 0)
			r->fl->runs[k].cond = 1;
	}
	return flow_drain(r, s);
}

int64_t
flow_next(const struct run *r, int64_t from)
{
	unsigned kinds = r->d->auto_kinds;
	int any_enrolled = (kinds & (1u << AT_ENROLLED | 1u << AT_STEP_ENTERED)) != 0;
	int any_removed = (kinds & 1u << AT_REMOVED) != 0;
	int64_t best = NEVER, t;
	size_t i;

	if (r->fl == NULL || !live(r))
		return NEVER;
	for (i = 0; (kinds & 1u << AT_DATE) && i < r->d->nautos; i++)
		if (r->d->autos[i].m->trigger == AT_DATE &&
		    (t = date_slot(r, &r->d->autos[i], from)) < best)
			best = t;
	if (r->r0 >= from && r->r0 < best && (r->fl->have_prev || (kinds & DEFS_OR)))
		best = r->r0;
	for (i = 0; i < r->fl->n; i++) {
		const struct arun *ar = &r->fl->runs[i];

		if (arun_ended(ar->status) || ar->status == RUN_REVIEW ||
		    engine_auto(r->d, ar->automation) == NULL)
			continue;
		if ((t = engine_slot(r, ar->due)) >= from && t < best &&
		    !(*ar->sequence && engine_frozen(engine_seq(r->d, ar->sequence), t)))
			best = t;
	}
	for (i = 0; (any_enrolled || any_removed) && i < *r->n; i++) {
		const struct enr *e = ENR(r, i);

		if (any_enrolled && (t = sched_slot_ceil(e->enrolled, r->len)) >= from && t < best)
			best = t;
		if (any_removed && e->status == ENR_REMOVED &&
		    (t = sched_slot_ceil(e->entered, r->len)) >= from && t < best)
			best = t;
	}
	return best;
}

static int
cmp_run(const void *a, const void *b)
{
	return state_run_cmp(a, b);
}

void
flow_finish(struct run *r)
{
	if (r->fl && r->fl->n > 1)
		qsort(r->fl->runs, r->fl->n, sizeof *r->fl->runs, cmp_run);
}
