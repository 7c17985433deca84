/*
 * engine.c - advancing one contact through its enrollments, slot by slot.
 *
 * The simulation repeatedly finds the earliest slot in (from, to] at which
 * something happens to this contact - an event arrives, a step comes due,
 * a blocking task was done - and processes that slot: events first, then
 * the due enrollments in sequence-id order, each firing its chain of
 * zero-delay steps.  Times come only from the rows and the slot bounds, so
 * running (a, c] equals running (a, b] and then (b, c] (SPEC §9.2).
 */
#include "engine.h"
#include "engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "arena.h"
#include "csvio.h"
#include "dtime.h"
#include "err.h"
#include "expr.h"
#include "json.h"
#include "mail.h"
#include "outbox.h"
#include "render.h"
#include "sbuf.h"
#include "sched.h"
#include "seq.h"
#include "tmpl.h"

/* Zero-delay steps one enrollment may fire in one slot before the engine
 * calls it a loop (lint rejects zero-wait cycles; a branch on changing
 * data could still spin). */
#define CHAIN_LIMIT 1000
/* Slots one contact may process in one run before giving up: guards
 * against a schedule that never moves forward. */
#define SLOT_LIMIT 1000000


void
effects_init(struct effects *fx, struct arena *a)
{
	memset(fx, 0, sizeof *fx);
	fx->a = a;
}

void
effects_clear(struct effects *fx)
{
	struct arena *a = fx->a;

	memset(fx, 0, sizeof *fx);
	fx->a = a;
}

void
engine_log(struct effects *fx, int64_t t, const char *contact, const char *seq,
	const char *step, const char *action, const char *result, const char *ref,
	const char *detail)
{
	struct log_row *r = ARENA_PUSH(fx->a, fx->log, fx->nlog, fx->caplog);

	r->time = t;
	r->contact = contact;
	r->sequence = seq ? seq : "";
	r->step = step ? step : "";
	r->automation = "";
	r->action = action;
	r->result = result;
	r->ref = ref ? ref : "";
	r->detail = detail ? detail : "";
}

const char *
contact_get(const struct contact *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->cols[i], name) == 0)
			return c->vals[i];
	return NULL;
}

static int
is_true(const char *v)
{
	return v != NULL && strcmp(v, "true") == 0;
}

const struct autodef *
engine_auto(const struct defs *d, const char *id)
{
	size_t lo = 0, hi = d->nautos;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->autos[mid].m->id, id);

		if (c == 0)
			return &d->autos[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct seqdef *
engine_seq(const struct defs *d, const char *id)
{
	size_t lo = 0, hi = d->nseqs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(d->seqs[mid].id, id);

		if (c == 0)
			return &d->seqs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
engine_frozen(const struct seqdef *sd, int64_t s)
{
	return sd != NULL && sd->paused_at != STATE_NONE && s > sd->paused_at &&
	       (sd->resumed_at == STATE_NONE || s <= sd->resumed_at);
}

int64_t
engine_thaw_slot(const struct seqdef *sd, int64_t len)
{
	if (sd->paused_at == STATE_NONE || sd->resumed_at == STATE_NONE ||
	    sd->resumed_at <= sd->paused_at)
		return STATE_NONE;
	return sched_slot_floor(sd->resumed_at, len) + len;
}

size_t
engine_variant(const char *contact, const char *sequence, const char *step,
	       const int *weights, size_t n)
{
	crypto_generichash_state st;
	unsigned char h[8];
	uint64_t v = 0, total = 0, acc = 0;
	size_t i;
	int k;

	for (i = 0; i < n; i++)
		total += weights[i] > 0 ? (uint64_t)weights[i] : 0;
	if (total == 0)
		return 0;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)contact, strlen(contact) + 1);
	crypto_generichash_update(&st, (const unsigned char *)sequence, strlen(sequence) + 1);
	crypto_generichash_update(&st, (const unsigned char *)step, strlen(step));
	crypto_generichash_final(&st, h, sizeof h);
	for (k = 7; k >= 0; k--)
		v = v << 8 | h[k];
	v %= total;
	for (i = 0; i < n; i++) {
		acc += weights[i] > 0 ? (uint64_t)weights[i] : 0;
		if (v < acc)
			return i;
	}
	return n - 1;
}

/* ---- per-run context: struct run is in engine_int.h ---- */

int64_t
engine_slot(const struct run *r, int64_t t)
{
	int64_t s;

	if (t == NEVER)
		return NEVER;
	s = sched_slot_ceil(t, r->len);
	return s < r->first ? r->first : s;
}

/* t, or NEVER when the slot it falls in is inside sd's freeze: a paused
 * sequence's work waits for the thaw, which moves it later. */
static int64_t
thawed(const struct run *r, const struct seqdef *sd, int64_t t)
{
	return t != NEVER && engine_frozen(sd, engine_slot(r, t)) ? NEVER : t;
}

static void
rules_for(const struct run *r, const struct seqdef *sd, const struct step *st,
	  struct sched_rules *out)
{
	const struct tz *z = sd->zone;

	if (sd->q->contact_timezone && r->d->zone) {
		const char *name = contact_get(r->c, "timezone");
		const struct tz *cz = name && *name ? r->d->zone(r->d->zone_ctx, name) : NULL;

		if (cz)
			z = cz;
	}
	memset(out, 0, sizeof *out);
	out->zone = z;
	out->default_time = r->d->cfg->default_time;
	out->window = sd->window;
	out->step_days = st ? st->days : 0;
	out->holidays = r->d->holidays;
	out->nholidays = r->d->nholidays;
}

/*
 * A date step's next occurrence at or after not_before; NEVER if none, and
 * then, when whyp is not NULL, *whyp says why (in fx's arena): the date
 * field is empty or not a date, or the date has passed.
 */
static int64_t
date_due_why(const struct run *r, const struct seqdef *sd, const struct step *st,
	     int64_t not_before, const char **whyp)
{
	static const struct dur zero = { 0, 0, 0 };
	struct sched_rules rules;
	const struct dur *off = &zero;
	int64_t out;
	int y = st->on_year, m = st->on_mon, dd = st->on_day, rc;
	char why[128], when[DTIME_LOCAL_MAX];

	rules_for(r, sd, st, &rules);
	if (st->on_field) {
		const char *v = contact_get(r->c, st->on_field);

		if (v == NULL || *v == '\0') {
			if (whyp)
				*whyp = arena_printf(r->fx->a, "%s is empty", st->on_field);
			return NEVER;
		}
		if (dtime_parse_date(v, &y, &m, &dd, why, sizeof why) < 0) {
			if (whyp)
				*whyp = arena_printf(r->fx->a, "%s: %s", st->on_field, why);
			return NEVER;
		}
		off = &st->on_offset;
	}
	rc = sched_date_next(&rules, y, m, dd, off, st->at, st->annually, not_before, &out, why,
			     sizeof why);
	if (rc == 0 && out != NEVER)
		return out;
	if (whyp == NULL)
		return NEVER;
	if (rc < 0) {
		*whyp = arena_strdup(r->fx->a, why);
	} else if (rc == 0) {
		*whyp = "no moment on its date is allowed to send";
	} else if (sched_date_next(&rules, y, m, dd, off, st->at, 0, INT64_MIN, &out, why,
				   sizeof why) == 0 && out != NEVER) {
		dtime_format_local(rules.zone, out, 0, when, sizeof when);
		*whyp = arena_printf(r->fx->a, "its date (%s) had passed at enrollment", when);
	} else {
		*whyp = "its date had passed at enrollment";
	}
	return NEVER;
}

/* A date step's next occurrence at or after not_before; NEVER if none. */
static int64_t
date_due(const struct run *r, const struct seqdef *sd, const struct step *st,
	 int64_t not_before)
{
	return date_due_why(r, sd, st, not_before, NULL);
}

/* For a date sequence: the step that comes next at or after t (earliest
 * occurrence, file order breaking ties), or -1. */
static long
date_next_step(const struct run *r, const struct seqdef *sd, int64_t t, int64_t *when)
{
	long best = -1;
	size_t i;

	*when = NEVER;
	for (i = 0; i < sd->q->nsteps; i++) {
		int64_t w = date_due(r, sd, &sd->q->steps[i], t);

		if (w < *when) {
			*when = w;
			best = (long)i;
		}
	}
	return best;
}

/* A step held back (by the frequency cap, or by SPEC §3.5's resume rule)
 * fires no earlier than its hold, moved to an allowed moment. */
static int64_t
held(const struct run *r, const struct seqdef *sd, const struct step *st,
     const struct enr *e, int64_t due)
{
	struct sched_rules rules;
	int64_t h;

	if (e->hold == STATE_NONE || due == NEVER || due >= e->hold)
		return due;
	rules_for(r, sd, st, &rules);
	h = sched_allowed(&rules, e->hold);
	return h > due ? h : due;
}

/* When enrollment e's current step is due (not quantized), or NEVER;
 * due_time says NEVER as well while that falls in a freeze. */
static int64_t
due_time_raw(const struct run *r, const struct seqdef *sd, const struct enr *e)
{
	struct sched_rules rules;
	const struct step *st;
	long i;

	if (e->status != ENR_ACTIVE || sd == NULL || !sd->running)
		return NEVER;
	if (sd->q->kind == SEQ_KIND_DATE) {
		int64_t when;

		/* Date steps fire in date order; with no date left the
		 * enrollment is done, at once. */
		if (date_next_step(r, sd, e->base, &when) < 0)
			return e->base;
		return held(r, sd, NULL, e, when);
	}
	i = seq_step_index(sd->q, e->step);
	if (i < 0)
		return NEVER;	/* a step this version does not have: frozen until republished */
	st = &sd->q->steps[i];
	rules_for(r, sd, st, &rules);
	if (st->type == STEP_WAIT_UNTIL) {
		int64_t reached = held(r, sd, st, e, sched_due(&rules, e->base, &st->wait, st->at));

		/* A condition is looked at in every slot from the moment the
		 * step is reached; an event alone needs only its timeout (the
		 * event itself arrives through apply_event). */
		if (st->until.expr)
			return reached;
		return st->has_timeout ? dur_add(rules.zone, reached, &st->timeout) : NEVER;
	}
	return held(r, sd, st, e, sched_due(&rules, e->base, &st->wait, st->at));
}

static int64_t
due_time(const struct run *r, const struct seqdef *sd, const struct enr *e)
{
	return thawed(r, sd, due_time_raw(r, sd, e));
}

/* When a wait_until step was reached (its wait done). */
static int64_t
wu_reached(const struct run *r, const struct seqdef *sd, const struct step *st,
	   const struct enr *e)
{
	struct sched_rules rules;

	rules_for(r, sd, st, &rules);
	return held(r, sd, st, e, sched_due(&rules, e->base, &st->wait, st->at));
}

/* When a waiting enrollment's task was done, or NEVER. */
static int64_t
done_time(const struct run *r, const struct enr *e)
{
	int64_t at;

	if (e->status != ENR_WAITING || r->d->task_done == NULL || !*e->task)
		return NEVER;
	if (r->d->task_done(r->d->task_ctx, e->task, &at) != 1)
		return NEVER;
	return at;
}

/* ---- firing ---- */

struct getter {
	const struct run *r;
	const struct seqdef *sd;
	const struct step *st;
	const struct enr *e;
};

/*
 * The contact's signed unsubscribe link (SPEC §8) for a message of slot s:
 * naming the step the message comes from when there is one, else only the
 * sequence, or nothing but the contact (a sequence automation acting for no
 * sequence); an unsubscribe is the contact's whichever it names.  NULL when
 * links are not configured.
 */
static const char *
unsub_link(const struct run *r, const struct seqdef *sd, const struct step *st,
	   const struct enr *e, int64_t s)
{
	int on_step = st != NULL && e != NULL;

	if (r->d->link == NULL)
		return NULL;
	return r->d->link(r->d->link_ctx, r->fx->a, r->c->id, sd ? sd->id : "",
			  on_step ? st->id : "", on_step ? e->entered : 0, "unsubscribe", s);
}

static const char *
get_field(void *ctx, const char *name)
{
	struct getter *g = ctx;

	if (strcmp(name, "sequence.name") == 0)
		return g->sd == NULL ? "" : g->sd->q->name ? g->sd->q->name : g->sd->id;
	if (strcmp(name, "step.name") == 0)
		return g->st == NULL ? "" : g->st->name ? g->st->name : g->st->id;
	if (strcmp(name, "link.unsubscribe") == 0) {
		const char *u = unsub_link(g->r, g->sd, g->st, g->e, g->r->slot);

		return u ? u : "";
	}
	if (strncmp(name, "link.", 5) == 0) {
		/* A yes/no answer is for a contact on a step: none without one
		 * (on_remove), nor when links are not configured. */
		if (g->r->d->link == NULL || g->sd == NULL || g->st == NULL || g->e == NULL)
			return "";
		return g->r->d->link(g->r->d->link_ctx, g->r->fx->a, g->r->c->id, g->sd->id,
				     g->st->id, g->e->entered, name + 5, g->r->slot);
	}
	return contact_get(g->r->c, name);
}

static const char *
expand(struct arena *a, const char *text, struct getter *g)
{
	struct sbuf sb = SBUF_INIT;
	const char *s;

	tmpl_expand(text, get_field, g, &sb);
	s = arena_strndup(a, sbuf_str(&sb), sb.len);
	sbuf_release(&sb);
	return s;
}

static const struct tmpl *
find_tmpl(const struct seqdef *sd, const char *path)
{
	size_t i;

	for (i = 0; i < sd->ntmpls; i++)
		if (strcmp(sd->tmpl_paths[i], path) == 0)
			return sd->tmpls[i];
	return NULL;
}

static const char *
hex_of(struct arena *a, const char *msgid)
{
	/* "<HEX32@domain>" */
	return arena_strndup(a, msgid + 1, 32);
}

const char *const engine_contact_cols[ENGINE_CONTACT_NCOLS] = {
	"status", "unsubscribed", "bounced",
};

const char *
engine_unreachable(const struct contact *c, const char *channel)
{
	const char *v;

	if ((v = contact_get(c, "status")) && strcmp(v, "archived") == 0)
		return "contact is archived";
	if (v && strcmp(v, "inactive") == 0)
		return "contact is inactive";
	if (is_true(contact_get(c, "unsubscribed")))
		return "contact is unsubscribed";
	if (is_true(contact_get(c, "bounced")))
		return "contact's address bounced";
	if (strcmp(channel, "email") == 0) {
		const char *why;

		v = contact_get(c, "email");
		if (v == NULL || *v == '\0')
			return "contact has no email address";
		/* Refused at import, add and set; this catches a hand edit,
		 * which would otherwise fail at delivery after the step was
		 * counted as sent. */
		switch (mail_addr_check(v, strlen(v), &why)) {
		case 0:
			break;
		case MAIL_ADDR_NONASCII:
			return "contact's email address is not ASCII (write its domain as xn--...)";
		default:
			return "contact's email address is malformed";
		}
	} else {
		v = contact_get(c, "phone");
		if (v == NULL || *v == '\0')
			return "contact has no phone number";
	}
	return NULL;
}

int
engine_halted(const struct run *r)
{
	const char *v = contact_get(r->c, "status");

	return v != NULL && (strcmp(v, "inactive") == 0 || strcmp(v, "archived") == 0);
}

static void
queue_msg(struct run *r, const char *kind, int64_t s, const char *msgid,
	  const struct sbuf *data)
{
	struct out_msg *m = ARENA_PUSH(r->fx->a, r->fx->msgs, r->fx->nmsgs, r->fx->capmsgs);
	char name[256];

	outbox_name(s, kind, hex_of(r->fx->a, msgid), name, sizeof name);
	m->kind = kind;
	m->name = arena_strdup(r->fx->a, name);
	m->data = arena_strndup(r->fx->a, sbuf_str(data), data->len);
	m->len = data->len;
}

static const char *
message_id(struct run *r, const char *seq, const char *step, int64_t s, const char *to)
{
	char slot[32], buf[128];
	const char *parts[5];

	snprintf(slot, sizeof slot, "%lld", (long long)s);
	parts[0] = r->c->id;
	parts[1] = seq;
	parts[2] = step;
	parts[3] = slot;
	parts[4] = to;
	mail_message_id(parts, 5, r->d->msgid_domain, buf, sizeof buf);
	return arena_strdup(r->fx->a, buf);
}

/* The local day of s for the frequency cap: the workspace's zone, so that
 * one contact has one "today" across sequences. */
static const char *
cap_day(struct run *r, int64_t s)
{
	char buf[64];

	dtime_format_local(r->d->cfg->tz, s, 0, buf, sizeof buf);
	return arena_strndup(r->fx->a, buf, 10);
}

/*
 * SPEC §3.3 frequency cap: a message that would be the contact's (N+1)th
 * email or SMS of the local day is deferred to the next allowed moment of
 * the next day.  Returns 1 (and holds e) when deferred.
 */
static int
capped(struct run *r, const struct seqdef *sd, const struct step *st, struct enr *e,
       int64_t s, const char *action)
{
	const char *day;
	struct sched_rules rules;
	char when[64];
	size_t i;
	int count = 0;

	if (sd->per_day <= 0)
		return 0;
	day = cap_day(r, s);
	for (i = 0; i < *r->n; i++)
		if (ENR(r, i)->sent_day && strcmp(ENR(r, i)->sent_day, day) == 0)
			count += ENR(r, i)->sent;
	if (count < sd->per_day)
		return 0;
	rules_for(r, sd, st, &rules);
	e->hold = sched_next_day(&rules, s);
	dtime_format_utc(e->hold, when, sizeof when);
	engine_log(r->fx, s, r->c->id, sd->id, st->id, action, "skipped", "",
		arena_printf(r->fx->a, "frequency cap: %d messages today; deferred to %s",
			     count, when));
	return 1;
}

static void
count_sent(struct run *r, struct enr *e, int64_t s)
{
	const char *day = cap_day(r, s);

	if (e->sent_day && strcmp(e->sent_day, day) == 0) {
		e->sent++;
	} else {
		e->sent_day = day;
		e->sent = 1;
	}
}

/* The step's variant for this contact (SPEC §3.2), or NULL without any. */
static const struct variant *
pick_variant(const struct run *r, const struct seqdef *sd, const struct step *st)
{
	int w[64];
	size_t i;

	if (st->nvariants == 0)
		return NULL;
	for (i = 0; i < st->nvariants && i < 64; i++)
		w[i] = st->variants[i].weight;
	return &st->variants[engine_variant(r->c->id, sd->id, st->id, w, i)];
}

/* What fire_email and fire_sms did: sent (or failed, logged), held back
 * by the frequency cap (the enrollment stays on the step), or passed
 * without sending because the contact may not be sent to. */
#define FIRE_SENT 0
#define FIRE_DEFERRED 1
#define FIRE_SKIPPED 2

static int
fire_email(struct run *r, const struct seqdef *sd, const struct step *st,
	   struct enr *e, int64_t s)
{
	struct getter g = { r, sd, st, e };
	const char *path = st->template, *why, *to, *msgid, *unsub;
	const struct tmpl *t;
	struct render_ctx rc;
	struct sbuf out = SBUF_INIT;
	struct drip_err err;
	const char *extra[7];
	const struct variant *v;

	if ((v = pick_variant(r, sd, st)) != NULL)
		path = v->template;
	if ((why = engine_unreachable(r->c, "email")) != NULL) {
		engine_log(r->fx, s, r->c->id, sd->id, st->id, "email", "skipped", "", why);
		return FIRE_SKIPPED;
	}
	if (capped(r, sd, st, e, s, "email"))
		return FIRE_DEFERRED;
	t = find_tmpl(sd, path);
	to = contact_get(r->c, "email");
	msgid = message_id(r, sd->id, st->id, s, to);
	unsub = unsub_link(r, sd, st, e, s);
	extra[0] = "X-Drip-Contact";
	extra[1] = r->c->id;
	extra[2] = "X-Drip-Sequence";
	extra[3] = sd->id;
	extra[4] = "X-Drip-Step";
	extra[5] = st->id;
	extra[6] = NULL;
	memset(&rc, 0, sizeof rc);
	rc.get = get_field;
	rc.ctx = &g;
	rc.from = r->d->cfg->from;
	rc.reply_to = r->d->cfg->reply_to;
	rc.to = to;
	rc.message_id = msgid;
	rc.date = s;
	rc.unsubscribe_url = unsub;
	rc.extra = extra;
	if (t == NULL) {
		engine_log(r->fx, s, r->c->id, sd->id, st->id, "email", "failed", "",
			arena_printf(r->fx->a, "template %s is not pinned", path));
		return 0;
	}
	if (render_message(t, &rc, &out, &err) < 0) {
		/* This contact's data breaks the template: log it, go on. */
		engine_log(r->fx, s, r->c->id, sd->id, st->id, "email", "failed", "",
			arena_strdup(r->fx->a, err.msg));
		sbuf_release(&out);
		return 0;
	}
	queue_msg(r, "email", s, msgid, &out);
	count_sent(r, e, s);
	engine_log(r->fx, s, r->c->id, sd->id, st->id, "email", "ok", msgid, path);
	sbuf_release(&out);
	return 0;
}

static int
fire_sms(struct run *r, const struct seqdef *sd, const struct step *st, struct enr *e,
	 int64_t s)
{
	struct getter g = { r, sd, st, e };
	const char *text = st->text, *path = st->template, *why, *to, *msgid;
	const struct variant *v;
	struct sbuf out = SBUF_INIT;

	if ((v = pick_variant(r, sd, st)) != NULL) {
		text = v->text;
		path = v->template;
	}
	if ((why = engine_unreachable(r->c, "sms")) != NULL) {
		engine_log(r->fx, s, r->c->id, sd->id, st->id, "sms", "skipped", "", why);
		return FIRE_SKIPPED;
	}
	if (capped(r, sd, st, e, s, "sms"))
		return FIRE_DEFERRED;
	if (text == NULL && path) {
		const struct tmpl *t = find_tmpl(sd, path);

		text = t ? t->body : NULL;
	}
	if (text == NULL) {
		engine_log(r->fx, s, r->c->id, sd->id, st->id, "sms", "failed", "",
			"no text for this message");
		return 0;
	}
	to = contact_get(r->c, "phone");
	msgid = message_id(r, sd->id, st->id, s, to);
	/* An SMS is a tiny RFC 5322-style file: the transport command reads
	 * To: and the text (drip-files(5)). */
	mail_header(&out, "To", to);
	mail_header(&out, "Message-ID", msgid);
	mail_header(&out, "X-Drip-Contact", r->c->id);
	sbuf_addc(&out, '\n');
	sbuf_adds(&out, expand(r->fx->a, text, &g));
	if (out.len && out.buf[out.len - 1] != '\n')
		sbuf_addc(&out, '\n');
	queue_msg(r, "sms", s, msgid, &out);
	count_sent(r, e, s);
	engine_log(r->fx, s, r->c->id, sd->id, st->id, "sms", "ok", msgid, path ? path : "");
	sbuf_release(&out);
	return 0;
}

static const char *
task_id(struct arena *a, const char *contact, const char *seq, const char *step, int64_t s)
{
	crypto_generichash_state st;
	unsigned char h[4];
	char stamp[32], hex[9], slot[32];

	snprintf(slot, sizeof slot, "%lld", (long long)s);
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)contact, strlen(contact) + 1);
	crypto_generichash_update(&st, (const unsigned char *)seq, strlen(seq) + 1);
	crypto_generichash_update(&st, (const unsigned char *)step, strlen(step) + 1);
	crypto_generichash_update(&st, (const unsigned char *)slot, strlen(slot));
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	dtime_format_utc(s, stamp, sizeof stamp);
	/* "t-20261124T1020-a1b2c3d4": sorts by creation time, so tasks.csv
	 * grows at its end. */
	return arena_printf(a, "t-%.4s%.2s%.2sT%.2s%.2s-%s", stamp, stamp + 5, stamp + 8,
			    stamp + 11, stamp + 14, hex);
}

/* A short built-in message to the person a task is for (notify.due_tasks). */
static void
notify_assignee(struct run *r, const struct seqdef *sd, const struct step *st,
		const struct out_task *t, int64_t s)
{
	struct sbuf out = SBUF_INIT;
	const char *msgid;
	char why[128], date[64];

	if (strchr(t->assignee, '@') == NULL || r->d->cfg->from == NULL)
		return;
	msgid = message_id(r, sd->id, st->id, s, t->assignee);
	if (mail_address_header(&out, "From", r->d->cfg->from, why, sizeof why) < 0 ||
	    mail_address_header(&out, "To", t->assignee, why, sizeof why) < 0) {
		sbuf_release(&out);
		return;
	}
	mail_header(&out, "Subject", arena_printf(r->fx->a, "Task: %s", t->subject));
	mail_date(s, date, sizeof date);
	mail_header(&out, "Date", date);
	mail_header(&out, "Message-ID", msgid);
	mail_header(&out, "MIME-Version", "1.0");
	mail_header(&out, "Content-Type", "text/plain; charset=utf-8");
	{
		struct sbuf body = SBUF_INIT;

		sbuf_printf(&body, "A %s for contact %s is due (sequence %s, step %s).\n\n%s\n\n"
			    "When it is done: drip task done %s\n", t->kind, r->c->id, sd->id,
			    st->id, t->subject, t->id);
		mail_header(&out, "Content-Transfer-Encoding",
			    mail_body_needs_qp(body.buf, body.len) ? "quoted-printable" : "7bit");
		sbuf_addc(&out, '\n');
		mail_body(&out, body.buf, body.len);
		sbuf_release(&body);
	}
	queue_msg(r, "email", s, msgid, &out);
	engine_log(r->fx, s, r->c->id, sd->id, st->id, "notify", "ok", msgid,
		arena_printf(r->fx->a, "task %s due for %s", t->id, t->assignee));
	sbuf_release(&out);
}

/* Returns 1 when the enrollment now waits on the task. */
static int
fire_task(struct run *r, const struct seqdef *sd, const struct step *st, struct enr *e,
	  int64_t s)
{
	struct getter g = { r, sd, st, e };
	struct out_task *t = ARENA_PUSH(r->fx->a, r->fx->tasks, r->fx->ntasks, r->fx->captasks);
	const char *kind = step_type_names[st->type];

	t->id = task_id(r->fx->a, r->c->id, sd->id, st->id, s);
	t->created = s;
	t->due = s + (int64_t)st->due.days * 86400 + st->due.secs +
		 (int64_t)st->due.months * 30 * 86400;
	t->kind = kind;
	t->contact = r->c->id;
	t->sequence = sd->id;
	t->step = st->id;
	t->assignee = st->assignee ? expand(r->fx->a, st->assignee, &g) :
		      sd->q->coordinator ? sd->q->coordinator : "";
	t->subject = expand(r->fx->a, st->subject ? st->subject : st->id, &g);
	engine_log(r->fx, s, r->c->id, sd->id, st->id, kind, "ok", t->id, t->subject);
	if (sd->q->notify_due_tasks)
		notify_assignee(r, sd, st, t, s);
	if (st->block) {
		e->status = ENR_WAITING;
		e->task = t->id;
		return 1;
	}
	return 0;
}

static void
fire_list(struct run *r, const struct seqdef *sd, const struct step *st, int64_t s)
{
	struct out_list *l = ARENA_PUSH(r->fx->a, r->fx->lists, r->fx->nlists, r->fx->caplists);
	const char **f, **v;
	size_t i;

	l->list = st->list;
	l->time = s;
	l->contact = r->c->id;
	l->sequence = sd->id;
	l->step = st->id;
	if (st->nfields) {
		f = arena_alloc(r->fx->a, st->nfields * sizeof *f);
		v = arena_alloc(r->fx->a, st->nfields * sizeof *v);
		for (i = 0; i < st->nfields; i++) {
			const char *val = contact_get(r->c, st->fields[i]);

			f[i] = st->fields[i];
			v[i] = val ? val : "";
		}
		l->n = st->nfields;
	} else {
		f = arena_alloc(r->fx->a, r->c->n * sizeof *f);
		v = arena_alloc(r->fx->a, r->c->n * sizeof *v);
		for (i = 0; i < r->c->n; i++) {
			f[i] = r->c->cols[i];
			v[i] = r->c->vals[i];
		}
		l->n = r->c->n;
	}
	l->fields = f;
	l->values = v;
	engine_log(r->fx, s, r->c->id, sd->id, st->id, step_type_names[st->type], "ok", st->list, "");
}

int
engine_cond(struct run *r, const struct seqdef *sd, const struct cond *k, int64_t s,
	   const char **why)
{
	struct expr_env env;
	struct expr_err ee;
	struct sched_rules rules;
	int v;

	if (sd)
		rules_for(r, sd, NULL, &rules);
	else
		rules.zone = r->d->cfg->tz;
	env.get = (const char *(*)(void *, const char *))contact_get;
	env.ctx = (void *)r->c;
	env.now = s;
	env.zone = rules.zone;
	v = expr_eval(k->expr, &env, &ee);
	if (v < 0) {
		*why = arena_printf(r->fx->a, "%s: %s", k->src, ee.msg);
		return -1;
	}
	return v;
}

/* Move e past step index i, which fired (or was passed) at slot s. */
static void
advance_to(struct run *r, const struct seqdef *sd, struct enr *e, long next, int64_t s)
{
	e->hold = STATE_NONE;
	if (next < 0 || (size_t)next >= sd->q->nsteps) {
		e->status = ENR_DONE;
		e->step = "";
		e->entered = s;
		e->base = s;
		r->fx->completed++;
		engine_log(r->fx, s, r->c->id, sd->id, "", "done", "ok", "", "");
		flow_emit(r, AT_COMPLETED, sd->id, NULL, NULL, NULL);
		return;
	}
	e->step = sd->q->steps[next].id;
	e->entered = s;
	e->base = s;
	flow_emit(r, AT_STEP_ENTERED, sd->id, e->step, NULL, NULL);
}

static void
date_advance(struct run *r, const struct seqdef *sd, struct enr *e, int64_t s)
{
	int64_t when;
	long i = date_next_step(r, sd, s + 1, &when);

	e->hold = STATE_NONE;
	if (i < 0) {
		advance_to(r, sd, e, -1, s);
		return;
	}
	e->step = sd->q->steps[i].id;
	e->entered = s;
	e->base = s + 1;
	flow_emit(r, AT_STEP_ENTERED, sd->id, e->step, NULL, NULL);
}

/* ---- step automations and actions (SPEC §3.6, §5) ---- */

static int leave_step(struct run *r, size_t ei, int64_t s, long next);
static int fire_due_autos(struct run *r, size_t ei, int64_t s);

void
engine_act(struct run *r, int64_t s, const char *seq, const char *step, const char *auto_id,
	const char *action, const char *result, const char *ref, const char *detail)
{
	engine_log(r->fx, s, r->c->id, seq, step, action, result, ref, detail);
	r->fx->log[r->fx->nlog - 1].automation = auto_id ? auto_id : "";
}

long
engine_enr(const struct run *r, const char *seq)
{
	size_t i;

	for (i = 0; i < *r->n; i++)
		if (strcmp(ENR(r, i)->sequence, seq) == 0)
			return (long)i;
	return -1;
}

static int
set_field(struct run *r, const char *col, const char *val)
{
	size_t i;

	for (i = 0; i < r->c->n; i++)
		if (strcmp(r->c->cols[i], col) == 0) {
			if (strcmp(r->c->vals[i], val) != 0) {
				const char *old = r->c->vals[i];

				r->c->vals[i] = arena_strdup(r->fx->a, val);
				r->c->changed = 1;
				flow_changed(r, col, old, r->c->vals[i]);
			}
			return 0;
		}
	return -1;
}

/* A list column (tags, sites, opportunities) with items added and removed,
 * keeping the order of those that stay. */
static const char *
list_edit(struct run *r, const char *cur, const char *const *add, size_t nadd,
	  const char *const *rm, size_t nrm)
{
	struct sbuf sb = SBUF_INIT;
	const char **items, **out;
	size_t n, k = 0, i, j;
	const char *res;

	csvio_split_list(r->fx->a, cur ? cur : "", &items, &n);
	out = arena_alloc(r->fx->a, (n + nadd + 1) * sizeof *out);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nrm && strcmp(items[i], rm[j]) != 0; j++)
			;
		if (j == nrm)
			out[k++] = items[i];
	}
	for (i = 0; i < nadd; i++) {
		for (j = 0; j < k && strcmp(out[j], add[i]) != 0; j++)
			;
		if (j == k)
			out[k++] = add[i];
	}
	csvio_join_list(&sb, out, k);
	res = arena_strndup(r->fx->a, sbuf_str(&sb), sb.len);
	sbuf_release(&sb);
	return res;
}

/* A short note to a coordinator or watcher that an automation ran for this
 * contact: who and what, never the contact's own message. */
static void
summary(struct run *r, const char *seq, const struct step *st, const char *auto_id,
	const char *key, const char *to, int64_t s)
{
	struct sbuf out = SBUF_INIT, body = SBUF_INIT;
	const char *msgid;
	char why[128], date[64], stamp[32];

	if (to == NULL || strchr(to, '@') == NULL || r->d->cfg->from == NULL)
		return;
	msgid = message_id(r, seq, key, s, to);
	if (mail_address_header(&out, "From", r->d->cfg->from, why, sizeof why) < 0 ||
	    mail_address_header(&out, "To", to, why, sizeof why) < 0)
		goto out;
	mail_header(&out, "Subject", arena_printf(r->fx->a, "%s ran for %s", auto_id, r->c->id));
	mail_date(s, date, sizeof date);
	mail_header(&out, "Date", date);
	mail_header(&out, "Message-ID", msgid);
	mail_header(&out, "MIME-Version", "1.0");
	mail_header(&out, "Content-Type", "text/plain; charset=utf-8");
	dtime_format_utc(s, stamp, sizeof stamp);
	if (*seq)
		sbuf_printf(&body, "Automation %s of sequence %s (step %s) ran for contact %s at %s.\n",
			    auto_id, seq, st ? st->id : "-", r->c->id, stamp);
	else
		sbuf_printf(&body, "Automation %s ran for contact %s at %s.\n", auto_id, r->c->id,
			    stamp);
	mail_header(&out, "Content-Transfer-Encoding",
		    mail_body_needs_qp(body.buf, body.len) ? "quoted-printable" : "7bit");
	sbuf_addc(&out, '\n');
	mail_body(&out, body.buf, body.len);
	queue_msg(r, "email", s, msgid, &out);
	engine_act(r, s, seq, st ? st->id : "", auto_id, "notify", "ok", msgid,
		arena_printf(r->fx->a, "summary to %s", to));
out:
	sbuf_release(&out);
	sbuf_release(&body);
}

/* The template at path: a sequence automation's own, or the sequence's
 * pinned one. */
static const struct tmpl *
notify_tmpl(const struct seqdef *sd, const struct autodef *ad, const char *path)
{
	size_t i;

	if (ad) {
		for (i = 0; i < ad->ntmpls; i++)
			if (strcmp(ad->tmpl_paths[i], path) == 0)
				return ad->tmpls[i];
		return NULL;
	}
	return sd ? find_tmpl(sd, path) : NULL;
}

/*
 * The notify action: a message to the contact (or to:), and summaries to
 * the coordinator and watchers - the sequence's, or for a sequence
 * automation acting for no sequence, drip.yaml's admins.  idx numbers the
 * action within its list, so two notifies in one slot are two messages.
 */
static void
act_notify(struct run *r, const char *seq, const struct seqdef *sd, const struct step *st,
	   struct enr *e, const char *auto_id, const struct autodef *ad,
	   const struct action *a, size_t idx, int64_t s)
{
	struct getter g = { r, sd, st, e };
	const struct tmpl *t = notify_tmpl(sd, ad, a->template);
	const char *to, *msgid, *why, *key = auto_id && *auto_id ? auto_id : st ? st->id : "";
	const char *stepid = st ? st->id : "", *own = contact_get(r->c, "email");
	struct render_ctx rc;
	struct sbuf out = SBUF_INIT;
	struct drip_err err;
	struct tmpl tt;
	size_t i;
	int personal;

	if (idx > 0)
		key = arena_printf(r->fx->a, "%s.%zu", key, idx);
	if (a->to == NULL) {
		to = own;
	} else {
		to = strchr(a->to, '@') ? a->to : contact_get(r->c, a->to);
		if (to == NULL || *to == '\0') {
			engine_act(r, s, seq, stepid, auto_id, "notify", "skipped", "",
				arena_printf(r->fx->a, "no address in \"%s\"", a->to));
			goto others;
		}
	}
	/* The contact's own message (no to:, or a to: that comes to the
	 * contact's address): it asks whether the contact may be sent to, and
	 * carries the contact's unsubscribe link.  A notify to someone else
	 * about the contact does neither: an unsubscribe link there would let
	 * that person unsubscribe the contact. */
	personal = a->to == NULL || (own != NULL && strcasecmp(to, own) == 0);
	if (personal && (why = engine_unreachable(r->c, "email")) != NULL) {
		engine_act(r, s, seq, stepid, auto_id, "notify", "skipped", "", why);
		goto others;
	}
	if (t == NULL) {
		engine_act(r, s, seq, stepid, auto_id, "notify", "failed", "",
			arena_printf(r->fx->a, "template %s is not loaded", a->template));
		goto others;
	}
	if (a->still_interested && (r->d->link == NULL || e == NULL || st == NULL)) {
		engine_act(r, s, seq, stepid, auto_id, "notify", "failed", "",
			r->d->link == NULL ? "still_interested needs links.base_url and the signing key" :
			"still_interested needs the contact on a step of a sequence");
		goto others;
	}
	tt = *t;
	if (a->still_interested) {
		/* The two signed answers, after the template's own text - each
		 * only when the template does not place it itself. */
		const char *yes = get_field(&g, "link.yes"), *no = get_field(&g, "link.no");
		int has_yes = tmpl_uses(t, "link.yes"), has_no = tmpl_uses(t, "link.no");

		if (!has_yes || !has_no)
			tt.body = arena_printf(r->fx->a, "%s\n%s%s%s%s%s%s", t->body ? t->body : "",
					       has_yes ? "" : "Yes, I'm still interested: ",
					       has_yes ? "" : yes ? yes : "", has_yes ? "" : "\n",
					       has_no ? "" : "Not interested: ",
					       has_no ? "" : no ? no : "", has_no ? "" : "\n");
	}
	msgid = message_id(r, seq, key, s, to);
	memset(&rc, 0, sizeof rc);
	rc.get = get_field;
	rc.ctx = &g;
	rc.from = r->d->cfg->from;
	rc.reply_to = r->d->cfg->reply_to;
	rc.to = to;
	rc.message_id = msgid;
	rc.date = s;
	rc.unsubscribe_url = personal ? unsub_link(r, sd, st, e, s) : NULL;
	if (render_message(&tt, &rc, &out, &err) < 0) {
		engine_act(r, s, seq, stepid, auto_id, "notify", "failed", "",
			arena_strdup(r->fx->a, err.msg));
	} else {
		queue_msg(r, "email", s, msgid, &out);
		engine_act(r, s, seq, stepid, auto_id, "notify", "ok", msgid, a->template);
	}
	sbuf_release(&out);
others:
	if (sd == NULL) {
		/* No sequence: drip.yaml's admins stand in for its people. */
		if (a->coordinator || a->watchers)
			for (i = 0; i < r->d->cfg->nadmins; i++)
				summary(r, seq, st, auto_id, key, r->d->cfg->admins[i], s);
		return;
	}
	if (a->coordinator)
		summary(r, seq, st, auto_id, key, sd->q->coordinator, s);
	if (a->watchers)
		for (i = 0; i < sd->q->nwatchers; i++)
			summary(r, seq, st, auto_id, key, sd->q->watchers[i], s);
}

/*
 * The run action (SPEC §5): a queue file for the outbox holding the
 * command's fixed argv, the contact's fields in the environment as
 * DRIP_FIELD_<NAME> (NAME upper-cased, anything but A-Z0-9 made _) and the
 * contact as a JSON object for stdin.  Contact data never reaches argv, and
 * nothing ever goes through a shell; the command runs after the commit,
 * like a message is delivered.
 */
static void
act_run(struct run *r, const char *seq, const char *stepid, const char *auto_id,
	const struct action *a, const char *key, int64_t s)
{
	struct sbuf in = SBUF_INIT, out = SBUF_INIT;
	struct json j;
	const char **env = arena_alloc(r->fx->a, (r->c->n + 4) * sizeof *env);
	const char *msgid;
	size_t i, n = 0;

	json_init(&j, &in, 0);
	json_obj(&j);
	for (i = 0; i < r->c->n; i++)
		json_kstr(&j, r->c->cols[i], r->c->vals[i]);
	json_end(&j);
	sbuf_addc(&in, '\n');
	env[n++] = arena_printf(r->fx->a, "DRIP_CONTACT=%s", r->c->id);
	env[n++] = arena_printf(r->fx->a, "DRIP_SEQUENCE=%s", seq);
	env[n++] = arena_printf(r->fx->a, "DRIP_AUTOMATION=%s", auto_id ? auto_id : "");
	for (i = 0; i < r->c->n; i++) {
		char *name = arena_strdup(r->fx->a, r->c->cols[i]), *p;

		for (p = name; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
			else if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
				*p = '_';
		env[n++] = arena_printf(r->fx->a, "DRIP_FIELD_%s=%s", name, r->c->vals[i]);
	}
	env[n] = NULL;
	msgid = message_id(r, seq, key, s, "run");
	outbox_run_format(&out, a->argv, env, in.buf ? in.buf : "", in.len);
	queue_msg(r, "run", s, msgid, &out);
	engine_act(r, s, seq, stepid, auto_id, "run", "ok", msgid, a->argv[0]);
	sbuf_release(&in);
	sbuf_release(&out);
}

/* End enrollment index k with status st, logging why. */
static void
end_enr(struct run *r, size_t k, enum enr_status status, int64_t s, const char *ref,
	const char *detail)
{
	struct enr *e = ENR(r, k);

	if (enr_ended(e->status))
		return;
	e->status = status;
	e->step = "";
	e->task = "";
	e->hold = STATE_NONE;
	e->paused = STATE_NONE;
	e->entered = e->base = s;
	engine_log(r->fx, s, r->c->id, e->sequence, "", enr_status_names[status], "ok", ref, detail);
	if (status == ENR_REMOVED)
		flow_emit(r, AT_REMOVED, e->sequence, NULL, NULL, NULL);
}

static void
act_enroll(struct run *r, const char *seq, const char *auto_id, const char *from_seq,
	   const char *from_step, int64_t s)
{
	const struct seqdef *sd = engine_seq(r->d, seq);
	long k = engine_enr(r, seq);
	struct enr *v, *e;
	size_t i;

	if (sd == NULL || !sd->accepting || sd->q->nsteps == 0) {
		engine_act(r, s, from_seq, from_step, auto_id, "enroll", "skipped", "",
			arena_printf(r->fx->a, "sequence %s takes no enrollments", seq));
		return;
	}
	if (engine_halted(r)) {
		/* An earlier action of the same list made the contact inactive
		 * or archived it. */
		engine_act(r, s, from_seq, from_step, auto_id, "enroll", "skipped", "",
			arena_printf(r->fx->a, "contact is %s", contact_get(r->c, "status")));
		return;
	}
	if (k >= 0 && (!enr_ended(ENR(r, k)->status) ? sd->q->reenroll != REENROLL_ALWAYS :
		       sd->q->reenroll == REENROLL_NEVER)) {
		engine_act(r, s, from_seq, from_step, auto_id, "enroll", "skipped", "",
			arena_printf(r->fx->a, "already enrolled in %s", seq));
		return;
	}
	if (k < 0) {
		v = arena_alloc(r->fx->a, (*r->n + 1) * sizeof *v);
		for (i = 0; i < *r->n && strcmp(ENR(r, i)->sequence, seq) < 0; i++)
			v[i] = *ENR(r, i);
		k = (long)i;
		for (; i < *r->n; i++)
			v[i + 1] = *ENR(r, i);
		*r->enrs = v;
		(*r->n)++;
	}
	e = ENR(r, k);
	e->contact = r->c->id;
	e->sequence = sd->id;
	e->version = sd->version;
	e->status = ENR_ACTIVE;
	e->step = sd->q->steps[0].id;
	e->entered = e->base = e->enrolled = s;
	e->paused = e->hold = STATE_NONE;
	e->task = "";
	e->sent_day = "";
	e->sent = 0;
	r->fx->enrolled++;
	engine_act(r, s, from_seq, from_step, auto_id, "enroll", "ok", "", seq);
	flow_emit(r, AT_ENROLLED, sd->id, NULL, NULL, NULL);
	flow_emit(r, AT_STEP_ENTERED, sd->id, e->step, NULL, NULL);
}

int
engine_actions(struct run *r, const char *seq, const struct step *st, const char *auto_id,
	       const struct autodef *ad, const struct action *acts, size_t n, size_t idx0,
	       int64_t s, int depth)
{
	const struct seqdef *sd = engine_seq(r->d, seq);
	const char *stepid = st ? st->id : "";
	size_t i;
	int rc = 0;

	if (depth > DEPTH_LIMIT || r->depth > DEPTH_LIMIT)
		return err_set(r->err, DRIP_EFAIL, NULL, 0, 0,
			       "contact '%s': actions of %s '%s' keep moving the contact "
			       "within one slot; a loop?", r->c->id, ad ? "automation" : "sequence",
			       ad ? auto_id : seq);
	r->depth++;
	for (i = 0; i < n && rc == 0; i++) {
		const struct action *a = &acts[i];
		const char *name = action_names[a->kind];
		long k = engine_enr(r, seq);
		struct enr *e = k >= 0 ? ENR(r, k) : NULL;
		struct getter g = { r, sd, st, e };
		const char *key = auto_id && *auto_id ? auto_id : stepid;

		if (idx0 + i > 0)
			key = arena_printf(r->fx->a, "%s.%zu", key, idx0 + i);
		switch (a->kind) {
		case ACT_NOTIFY:
			act_notify(r, seq, sd, st, e, auto_id, ad, a, idx0 + i, s);
			break;
		case ACT_TAG:
		case ACT_SITE:
		case ACT_OPPORTUNITY: {
			const char *col = a->kind == ACT_TAG ? "tags" :
					  a->kind == ACT_SITE ? "sites" : "opportunities";
			const char *v = list_edit(r, contact_get(r->c, col), a->add, a->nadd,
						  a->remove, a->nremove);

			if (set_field(r, col, v) < 0)
				engine_act(r, s, seq, stepid, auto_id, name, "failed", "",
					arena_printf(r->fx->a, "contacts.csv has no column %s", col));
			else
				engine_act(r, s, seq, stepid, auto_id, name, "ok", "", v);
			break;
		}
		case ACT_SET: {
			size_t j;

			for (j = 0; j < a->nset; j++) {
				const char *v = expand(r->fx->a, a->set[j].value, &g);

				if (set_field(r, a->set[j].key, v) < 0)
					engine_act(r, s, seq, stepid, auto_id, name, "failed", "",
						arena_printf(r->fx->a, "contacts.csv has no column %s",
							     a->set[j].key));
				else
					engine_act(r, s, seq, stepid, auto_id, name, "ok", "",
						arena_printf(r->fx->a, "%s=%s", a->set[j].key, v));
			}
			break;
		}
		case ACT_NOTE: {
			struct out_note *nt = ARENA_PUSH(r->fx->a, r->fx->notes, r->fx->nnotes, r->fx->capnotes);

			nt->time = s;
			nt->contact = r->c->id;
			nt->sequence = seq;
			nt->step = stepid;
			nt->automation = auto_id ? auto_id : "";
			nt->text = expand(r->fx->a, a->text, &g);
			engine_act(r, s, seq, stepid, auto_id, name, "ok", "", "");
			break;
		}
		case ACT_MARK_INACTIVE:
			set_field(r, "status", "inactive");
			engine_act(r, s, seq, stepid, auto_id, name, "ok", "", "");
			break;
		case ACT_UNSUBSCRIBE:
			if (set_field(r, "unsubscribed", "true") < 0)
				engine_act(r, s, seq, stepid, auto_id, name, "failed", "",
					"contacts.csv has no column unsubscribed");
			else
				engine_act(r, s, seq, stepid, auto_id, name, "ok", "", "");
			break;
		case ACT_ARCHIVE: {
			size_t j;

			set_field(r, "status", "archived");
			engine_act(r, s, seq, stepid, auto_id, name, "ok", "", "");
			for (j = 0; j < *r->n; j++)
				end_enr(r, j, ENR_STOPPED, s, "", "contact archived");
			break;
		}
		case ACT_REMOVE_FROM_SEQUENCE:
		case ACT_UNENROLL: {
			const char *target = a->text ? a->text : seq;
			long t = engine_enr(r, target);

			if (*target == '\0') {
				engine_act(r, s, seq, stepid, auto_id, name, "skipped", "",
					   "no sequence: the trigger named none and the action "
					   "gives no \"sequence\"");
				break;
			}
			if (t < 0 || enr_ended(ENR(r, t)->status)) {
				engine_act(r, s, seq, stepid, auto_id, name, "skipped", "",
					arena_printf(r->fx->a, "not enrolled in %s", target));
				break;
			}
			engine_act(r, s, seq, stepid, auto_id, name, "ok", "", target);
			end_enr(r, (size_t)t, ENR_REMOVED, s, "", arena_printf(r->fx->a, "by %s",
				auto_id && *auto_id ? auto_id : stepid));
			break;
		}
		case ACT_ADD_TO_LIST: {
			struct out_list *l = ARENA_PUSH(r->fx->a, r->fx->lists, r->fx->nlists, r->fx->caplists);

			l->list = a->text;
			l->time = s;
			l->contact = r->c->id;
			l->sequence = seq;
			l->step = stepid;
			l->fields = r->c->cols;
			/* The values now: a later action in this run may change
			 * them, and the row must not depend on how ticks split
			 * the slots. */
			l->values = arena_alloc(r->fx->a, (r->c->n + 1) * sizeof *l->values);
			memcpy((void *)l->values, r->c->vals, r->c->n * sizeof *l->values);
			l->n = r->c->n;
			engine_act(r, s, seq, stepid, auto_id, name, "ok", a->text, "");
			break;
		}
		case ACT_ENROLL:
			act_enroll(r, a->text, auto_id, seq, stepid, s);
			break;
		case ACT_COMPLETE_STEP:
			if (e == NULL || st == NULL || strcmp(e->step, st->id) != 0 ||
			    (e->status != ENR_ACTIVE && e->status != ENR_WAITING)) {
				engine_act(r, s, seq, stepid, auto_id, name, "skipped", "",
					"the contact is no longer on this step");
				break;
			}
			engine_act(r, s, seq, stepid, auto_id, name, "ok", "", "");
			e->status = ENR_ACTIVE;
			e->task = "";
			rc = leave_step(r, (size_t)k, s, seq_step_index(sd->q, st->id) + 1);
			break;
		case ACT_TASK: {
			struct out_task *t = ARENA_PUSH(r->fx->a, r->fx->tasks, r->fx->ntasks, r->fx->captasks);

			t->id = task_id(r->fx->a, r->c->id, seq, key, s);
			t->created = s;
			t->due = a->has_due ? dur_add(r->d->cfg->tz, s, &a->due) : s;
			t->kind = a->task_kind ? a->task_kind : "task";
			t->contact = r->c->id;
			t->sequence = seq;
			t->step = stepid;
			t->assignee = a->assignee ? expand(r->fx->a, a->assignee, &g) :
				      sd && sd->q->coordinator ? sd->q->coordinator :
				      sd == NULL && r->d->cfg->nadmins ? r->d->cfg->admins[0] : "";
			t->subject = expand(r->fx->a, a->subject ? a->subject : name, &g);
			engine_act(r, s, seq, stepid, auto_id, name, "ok", t->id, t->subject);
			break;
		}
		case ACT_RUN:
			act_run(r, seq, stepid, auto_id, a, key, s);
			break;
		default:
			engine_act(r, s, seq, stepid, auto_id, name, "failed", "",
				"this action is not supported yet");
			break;
		}
	}
	r->depth--;
	return rc;
}

/* The occurrence of automation a (of a step entered at `entered`) in the
 * first slot at or after `from`, or NEVER.  Times: entered plus after
 * (calendar arithmetic), then plus every for each repeat; no windows, no
 * default_time (SPEC §3.6). */
static int64_t
auto_slot(const struct run *r, const struct seqdef *sd, const struct step_auto *a,
	  int64_t entered, int64_t from)
{
	struct sched_rules rules;
	int64_t t, sl;
	int k, max;

	if (a->on == TRIG_COMPLETE || a->id == NULL)
		return NEVER;
	rules_for(r, sd, NULL, &rules);
	t = dur_add(rules.zone, entered, &a->after);
	max = a->on == TRIG_PENDING && a->has_repeat ? a->times : 0;
	for (k = 0;; k++) {
		sl = sched_slot_ceil(t, r->len);
		if (sl >= from)
			return engine_frozen(sd, sl) ? NEVER : sl;
		if (k >= max)
			return NEVER;
		t = dur_add(rules.zone, t, &a->every);
	}
}

/* Is enrollment ei on a step whose automations may fire now? */
static const struct step *
auto_step(const struct run *r, size_t ei, const struct seqdef **sdp)
{
	const struct enr *e = ENR(r, ei);
	const struct seqdef *sd = engine_seq(r->d, e->sequence);
	long i;

	*sdp = sd;
	if (sd == NULL || !sd->running || (e->status != ENR_ACTIVE && e->status != ENR_WAITING))
		return NULL;
	if ((i = seq_step_index(sd->q, e->step)) < 0)
		return NULL;
	return &sd->q->steps[i];
}

static int
already_fired(struct run *r, size_t ei, const char *step, const char *id, int64_t s)
{
	size_t i;

	for (i = 0; i < r->nfired; i++)
		if (r->fired[i].e == ei && r->fired[i].s == s && strcmp(r->fired[i].id, id) == 0 &&
		    strcmp(r->fired[i].step, step) == 0)
			return 1;
	if (r->nfired == r->capfired) {
		size_t nc = r->capfired ? r->capfired * 2 : 8;

		r->fired = arena_grow(r->fx->a, r->fired, r->nfired, nc, sizeof *r->fired);
		r->capfired = nc;
	}
	r->fired[r->nfired].e = ei;
	r->fired[r->nfired].step = step;
	r->fired[r->nfired].id = id;
	r->fired[r->nfired++].s = s;
	return 0;
}

/* Fire the enter and pending automations of enrollment ei's step that are
 * due in slot s. */
static int
fire_due_autos(struct run *r, size_t ei, int64_t s)
{
	const struct seqdef *sd;
	const struct step *st = auto_step(r, ei, &sd);
	const char *seq;
	size_t k;

	if (st == NULL)
		return 0;
	seq = sd->id;
	for (k = 0; k < st->nautos; k++) {
		const struct step_auto *a = &st->autos[k];
		long j = engine_enr(r, seq);

		/* An earlier automation may have moved the contact on, ended
		 * the enrollment, or made the contact inactive. */
		if (j < 0 || strcmp(ENR(r, j)->step, st->id) != 0 ||
		    (ENR(r, j)->status != ENR_ACTIVE && ENR(r, j)->status != ENR_WAITING) ||
		    engine_halted(r))
			return 0;
		if (auto_slot(r, sd, a, ENR(r, j)->entered, s) != s ||
		    already_fired(r, (size_t)j, st->id, a->id, s))
			continue;
		r->fx->automations++;
		if (engine_actions(r, seq, st, a->id, NULL, a->actions, a->nactions, 0, s, 1) < 0)
			return -1;
	}
	return 0;
}

/* The earliest slot at or after `from` at which an automation of
 * enrollment ei's step fires, or NEVER. */
static int64_t
next_auto(const struct run *r, size_t ei, int64_t from)
{
	const struct seqdef *sd;
	const struct step *st = auto_step(r, ei, &sd);
	int64_t best = NEVER;
	size_t k;

	if (st == NULL)
		return NEVER;
	for (k = 0; k < st->nautos; k++) {
		int64_t t = auto_slot(r, sd, &st->autos[k], ENR(r, ei)->entered, from);

		if (t < best)
			best = t;
	}
	return best;
}

/* Step completed in slot s: its complete automations run, then the
 * enrollment moves to step index next (or ends). */
static int
leave_step(struct run *r, size_t ei, int64_t s, long next)
{
	const struct seqdef *sd = engine_seq(r->d, ENR(r, ei)->sequence);
	long i = sd ? seq_step_index(sd->q, ENR(r, ei)->step) : -1;
	const char *seq;
	size_t k;
	long j;

	if (sd == NULL)
		return 0;
	seq = sd->id;
	if (i >= 0) {
		const struct step *st = &sd->q->steps[i];

		for (k = 0; k < st->nautos; k++) {
			if (st->autos[k].on != TRIG_COMPLETE || st->autos[k].id == NULL)
				continue;
			/* The step's own actions, or an automation before this
			 * one, may have stopped the contact or the enrollment. */
			if (engine_halted(r) || (j = engine_enr(r, seq)) < 0 ||
			    enr_ended(ENR(r, j)->status))
				break;
			r->fx->automations++;
			if (engine_actions(r, seq, st, st->autos[k].id, NULL, st->autos[k].actions,
					   st->autos[k].nactions, 0, s, 1) < 0)
				return -1;
		}
		flow_emit(r, AT_STEP_COMPLETED, seq, st->id, NULL, NULL);
	}
	j = engine_enr(r, seq);
	if (j < 0 || enr_ended(ENR(r, j)->status))
		return 0;
	if (sd->q->kind == SEQ_KIND_DATE)
		date_advance(r, sd, ENR(r, j), s);
	else
		advance_to(r, sd, ENR(r, j), next, s);
	/* Entering a step: its enter automations with no delay fire in this
	 * very slot (SPEC §3.6: "0 means in the same slot"). */
	j = engine_enr(r, seq);
	return j >= 0 ? fire_due_autos(r, (size_t)j, s) : 0;
}

/*
 * Fire the current step of enrollment ei at slot s, and the zero-delay
 * chain after it.  Returns 0, or -1 on a loop.
 */
static int
fire_chain(struct run *r, const struct seqdef *sd, size_t ei, int64_t s)
{
	const char *seq = sd->id;
	int n;

	for (n = 0; n < CHAIN_LIMIT; n++) {
		struct enr *e;
		long i, next, j;
		const struct step *st;
		const char *why = NULL;
		int64_t when;
		int h;

		/* A step's actions may have made the contact inactive or
		 * archived it: then the chain stops here (it goes on when the
		 * contact is active again), and nothing else fires this slot. */
		if ((j = engine_enr(r, seq)) < 0 || engine_halted(r))
			return 0;
		ei = (size_t)j;
		e = ENR(r, ei);
		if (e->status != ENR_ACTIVE)
			return 0;
		if (due_time(r, sd, e) == NEVER || engine_slot(r, due_time(r, sd, e)) != s)
			return 0;
		if (sd->q->kind == SEQ_KIND_DATE) {
			i = date_next_step(r, sd, e->base, &when);
			if (i < 0) {
				advance_to(r, sd, e, -1, s);
				return 0;
			}
			e->step = sd->q->steps[i].id;
		} else {
			i = seq_step_index(sd->q, e->step);
			if (i < 0)
				return 0;
		}
		st = &sd->q->steps[i];
		e->version = sd->version;
		next = i + 1;
		if (st->type != STEP_WAIT_UNTIL && st->when.expr &&
		    (h = engine_cond(r, sd, &st->when, s, &why)) != 1) {
			engine_log(r->fx, s, r->c->id, sd->id, st->id, step_type_names[st->type],
				"skipped", "", h < 0 ? why :
				arena_printf(r->fx->a, "when: %s does not hold", st->when.src));
			goto moved;
		}
		r->fx->fired++;
		switch (st->type) {
		case STEP_EMAIL:
		case STEP_SMS:
			h = st->type == STEP_EMAIL ? fire_email(r, sd, st, e, s) :
			    fire_sms(r, sd, st, e, s);
			if (h != FIRE_SENT)
				r->fx->fired--;	/* passed or held back: not fired */
			if (h == FIRE_DEFERRED)
				return 0;	/* deferred by the cap: it stays on this step */
			break;
		case STEP_TASK:
		case STEP_CALL:
		case STEP_MANUAL_EMAIL:
			if (fire_task(r, sd, st, e, s)) {
				e->entered = s;
				return 0;
			}
			break;
		case STEP_FULFILLMENT:
		case STEP_POSTCARD:
			fire_list(r, sd, st, s);
			break;
		case STEP_DELAY:
			engine_log(r->fx, s, r->c->id, sd->id, st->id, "delay", "ok", "", "");
			break;
		case STEP_RULE:
			h = engine_cond(r, sd, &st->if_, s, &why);
			if (h < 0) {
				engine_log(r->fx, s, r->c->id, sd->id, st->id, "rule", "failed", "", why);
				break;
			}
			engine_log(r->fx, s, r->c->id, sd->id, st->id, "rule", "ok", "", h ? "then" : "else");
			if (engine_actions(r, seq, st, "", NULL, h ? st->then_actions : st->else_actions,
					h ? st->nthen : st->nelse, 0, s, 1) < 0)
				return -1;
			/* An action may have moved or ended the enrollment. */
			if ((j = engine_enr(r, seq)) < 0 || ENR(r, j)->status != ENR_ACTIVE ||
			    strcmp(ENR(r, j)->step, st->id) != 0)
				return 0;
			ei = (size_t)j;
			break;
		case STEP_WAIT_UNTIL: {
			struct sched_rules rules;
			int64_t reached = wu_reached(r, sd, st, e);

			if (st->until.expr && (h = engine_cond(r, sd, &st->until, s, &why)) == 1) {
				engine_log(r->fx, s, r->c->id, sd->id, st->id, "wait_until", "ok", "",
					arena_printf(r->fx->a, "until: %s holds", st->until.src));
				break;
			}
			rules_for(r, sd, st, &rules);
			if (st->has_timeout &&
			    s >= engine_slot(r, dur_add(rules.zone, reached, &st->timeout))) {
				engine_log(r->fx, s, r->c->id, sd->id, st->id, "wait_until", "ok", "",
					"timed out");
				if (st->on_timeout)
					next = seq_step_index(sd->q, st->on_timeout);
				break;
			}
			r->fx->fired--;
			return 0;	/* still waiting */
		}
		case STEP_BRANCH:
			h = engine_cond(r, sd, &st->if_, s, &why);
			if (h < 0) {
				engine_log(r->fx, s, r->c->id, sd->id, st->id, "branch", "failed", "", why);
			} else if (h == 1) {
				next = seq_step_index(sd->q, st->then_step);
			} else if (st->else_step) {
				next = seq_step_index(sd->q, st->else_step);
			}
			if (h >= 0)
				engine_log(r->fx, s, r->c->id, sd->id, st->id, "branch", "ok", "",
					arena_printf(r->fx->a, "%s: %s",
						     h ? "then" : "else",
						     next >= 0 && (size_t)next < sd->q->nsteps ?
						     sd->q->steps[next].id : "(end)"));
			break;
		case STEP_GOTO:
			next = seq_step_index(sd->q, st->to_step);
			engine_log(r->fx, s, r->c->id, sd->id, st->id, "goto", "ok", "", st->to_step);
			break;
		case STEP_EXIT:
			engine_log(r->fx, s, r->c->id, sd->id, st->id, "exit", "ok", "", "");
			end_enr(r, ei, ENR_EXITED, s, "", "");
			return 0;
		default:
			break;
		}
moved:
		if (leave_step(r, ei, s, next) < 0)
			return -1;
	}
	return err_set(r->err, DRIP_EFAIL, NULL, 0, 0,
		       "contact '%s': sequence '%s' fired %d zero-delay steps in one slot; "
		       "a loop?", r->c->id, sd->id, CHAIN_LIMIT);
}

/* ---- events ---- */

static unsigned
removal_bit(const char *name)
{
	static const char *const names[] = { "reply", "open", "click", "bounce", "unsubscribe" };
	unsigned i;

	for (i = 0; i < 5; i++)
		if (strcmp(name, names[i]) == 0)
			return 1u << i;
	return 0;
}

/*
 * Engagement that acts on the contact itself (SPEC §4.1, §5): a bounce
 * marks the contact bounced, an unsubscribe unsubscribes it, whatever
 * sequence the event names.  Each change is a `set` row (ref the event,
 * detail FIELD=true) and a field_changed trigger; from this slot on
 * engine_unreachable refuses every message to the contact.
 */
static void
event_marks(struct run *r, const struct event *ev, int64_t s)
{
	const char *col = strcmp(ev->name, "bounce") == 0 ? "bounced" :
			  strcmp(ev->name, "unsubscribe") == 0 ? "unsubscribed" : NULL;
	const char *old;

	if (col == NULL)
		return;
	old = contact_get(r->c, col);
	if (old == NULL) {
		engine_log(r->fx, s, r->c->id, "", "", "set", "failed", ev->id,
			arena_printf(r->fx->a, "contacts.csv has no column %s", col));
		return;
	}
	if (is_true(old))
		return;		/* already so: nothing changes, nothing to log */
	set_field(r, col, "true");
	engine_log(r->fx, s, r->c->id, "", "", "set", "ok", ev->id,
		arena_printf(r->fx->a, "%s=true", col));
}

static int
apply_event(struct run *r, const struct event *ev, int64_t s)
{
	struct event unsub;
	unsigned bit;
	size_t i;

	engine_log(r->fx, s, r->c->id, ev->sequence, "", "event", "ok", ev->id, ev->name);
	if (strcmp(ev->name, "response") == 0 && ev->answer &&
	    strcmp(ev->answer, "unsubscribe") == 0) {
		/* A signed unsubscribe link (SPEC §8) is the contact's own
		 * unsubscribe: it acts as an unsubscribe event does, on the
		 * contact and on every remove_on and trigger that names one. */
		unsub = *ev;
		unsub.name = "unsubscribe";
		unsub.answer = "";
		ev = &unsub;
	}
	bit = removal_bit(ev->name);
	if (strcmp(ev->name, "response") == 0)
		flow_emit(r, AT_RESPONSE, ev->sequence, NULL, ev->name, ev->answer);
	else
		flow_emit(r, AT_EXTERNAL, ev->sequence, NULL, ev->name, NULL);
	event_marks(r, ev, s);
	for (i = 0; i < *r->n; i++) {
		struct enr *e = ENR(r, i);
		const struct seqdef *sd = engine_seq(r->d, e->sequence);
		const char *seq;
		long k;

		if (enr_ended(e->status) || sd == NULL)
			continue;
		if (*ev->sequence && strcmp(ev->sequence, e->sequence) != 0)
			continue;
		seq = sd->id;
		k = seq_step_index(sd->q, e->step);
		if (strcmp(ev->name, "response") == 0 && ev->answer && strcmp(ev->answer, "no") == 0 &&
		    *ev->sequence) {
			/* "Not interested" (SPEC §8) ends the enrollment. */
			end_enr(r, i, ENR_REMOVED, s, ev->id, "answered no");
		} else if (bit && (sd->q->remove_on & bit)) {
			end_enr(r, i, ENR_REMOVED, s, ev->id, arena_printf(r->fx->a, "on %s", ev->name));
			if (sd->q->non_remove &&
			    engine_actions(r, seq, NULL, "", NULL, sd->q->on_remove, sd->q->non_remove, 0,
					   s, 1) < 0)
				return -1;
			if (sd->q->notify_ended) {
				/* Tell the person looking after this contact. */
				const char *who = sd->q->notify_field ?
						  contact_get(r->c, sd->q->notify_field) : NULL;
				const char *id = arena_printf(r->fx->a, "removed-on-%s", ev->name);

				summary(r, seq, NULL, id, id, who && *who ? who : sd->q->coordinator, s);
			}
		} else if (engine_frozen(sd, s)) {
			/* A paused sequence: the task's completion waits for the
			 * thaw (done_time); an awaited event is missed, as for a
			 * paused contact. */
			continue;
		} else if (strcmp(ev->name, "task_done") == 0 && e->status == ENR_WAITING) {
			/* The blocking step completes now, as `drip task done` would. */
			e->status = ENR_ACTIVE;
			engine_log(r->fx, s, r->c->id, seq, e->step, "complete", "ok", e->task, "");
			e->task = "";
			if (leave_step(r, i, s, k + 1) < 0)
				return -1;
		} else if (k >= 0 && sd->q->steps[k].type == STEP_WAIT_UNTIL &&
			   sd->q->steps[k].event && strcmp(sd->q->steps[k].event, ev->name) == 0 &&
			   e->status == ENR_ACTIVE &&
			   engine_slot(r, wu_reached(r, sd, &sd->q->steps[k], e)) <= s) {
			engine_log(r->fx, s, r->c->id, seq, e->step, "wait_until", "ok", ev->id,
				arena_printf(r->fx->a, "event %s", ev->name));
			r->fx->fired++;
			if (leave_step(r, i, s, k + 1) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- the loop ---- */

/* The slot in which enrollment e's date steps that will never fire are
 * logged: the slot of its enrollment, as for the enrolled trigger (an
 * enrollment back-dated before the last tick has had its slot), or NEVER
 * when not a date enrollment or that slot has passed. */
static int64_t
date_skip_slot(const struct run *r, const struct seqdef *sd, const struct enr *e)
{
	int64_t t;

	if (sd == NULL || sd->q->kind != SEQ_KIND_DATE || enr_ended(e->status) ||
	    e->base != e->enrolled)
		return NEVER;
	t = sched_slot_ceil(e->enrolled, r->len);
	return t >= r->first ? t : NEVER;
}

/*
 * SPEC §3.4: a date step whose date had passed when the contact enrolled,
 * or whose date field is empty or not a date, never fires; each gets a
 * skipped row with the reason, once, in the slot of the enrollment -
 * whatever the contact's status, since this decides nothing that fires.
 */
static void
date_skips(struct run *r, const struct seqdef *sd, size_t ei, int64_t s)
{
	const struct enr *e = ENR(r, ei);
	size_t i;

	if (date_skip_slot(r, sd, e) != s || already_fired(r, SIZE_MAX, sd->id, "\ndate", s))
		return;
	for (i = 0; i < sd->q->nsteps; i++) {
		const struct step *st = &sd->q->steps[i];
		const char *why = NULL;

		if (date_due_why(r, sd, st, e->enrolled, &why) == NEVER)
			engine_log(r->fx, s, r->c->id, sd->id, st->id, step_type_names[st->type],
				"skipped", "", why ? why : "no date to fire on");
	}
}

static int
status_is(const struct run *r, const char *status)
{
	const char *v = contact_get(r->c, "status");

	return v != NULL && strcmp(v, status) == 0;
}

/* One slot's due work for every enrollment, by sequence id: the step (with
 * the automations due with it, just before it), then the other
 * automations.  The contact's status is looked at for each enrollment: an
 * action of one (mark_inactive, archive) stops the others in this very
 * slot.  Returns 0, or -1 on a loop. */
static int
process_slot(struct run *r, int64_t s)
{
	size_t i;

	for (i = 0; i < *r->n; i++) {
		struct enr *e = ENR(r, i);
		const struct seqdef *sd = engine_seq(r->d, e->sequence);
		int archived;

		if (sd == NULL)
			continue;
		date_skips(r, sd, i, s);
		e = ENR(r, i);
		if (status_is(r, "inactive"))
			continue;
		archived = status_is(r, "archived");
		if (e->status == ENR_WAITING && engine_slot(r, thawed(r, sd, done_time(r, e))) == s) {
			e->status = ENR_ACTIVE;
			engine_log(r->fx, s, r->c->id, e->sequence, e->step, "complete", "ok", e->task, "");
			e->task = "";
			if (leave_step(r, i, s, seq_step_index(sd->q, e->step) + 1) < 0)
				return -1;
			e = ENR(r, i);
		}
		if (e->status != ENR_ACTIVE || engine_slot(r, due_time(r, sd, e)) != s)
			continue;
		if (archived) {
			end_enr(r, i, ENR_STOPPED, s, "", "contact archived");
			continue;
		}
		if (fire_due_autos(r, i, s) < 0 || fire_chain(r, sd, i, s) < 0)
			return -1;
	}
	for (i = 0; i < *r->n && !engine_halted(r); i++)
		if (fire_due_autos(r, i, s) < 0)
			return -1;
	return 0;
}

/* The slots of one advance; engine_advance wraps it. */
/* The earliest slot at or after r->first with work for the contact's
 * enrollments and automations, events aside; NEVER when there is none. */
static int64_t
next_work(const struct run *r, int inactive, int archived)
{
	int64_t s = NEVER, ts;
	size_t i;

	for (i = 0; i < *r->n; i++) {
		const struct enr *e = ENR(r, i);
		const struct seqdef *sd = engine_seq(r->d, e->sequence);
		int64_t t = e->status == ENR_WAITING ? thawed(r, sd, done_time(r, e)) :
			    due_time(r, sd, e);

		if ((ts = date_skip_slot(r, sd, e)) < s)
			s = ts;
		if (inactive)
			continue;	/* nothing fires until set active */
		if ((ts = engine_slot(r, t)) < s)
			s = ts;
		if (!archived && (ts = next_auto(r, i, r->first)) < s)
			s = ts;
	}
	if ((ts = flow_next(r, r->first)) < s)
		s = ts;
	return s;
}

static int
advance(struct run *r, const struct event *ev, size_t nev)
{
	struct contact *c = r->c;
	struct effects *fx = r->fx;
	size_t nextev = 0, loops = 0;

	for (;;) {
		const char *cstatus = contact_get(c, "status");
		int inactive = cstatus && strcmp(cstatus, "inactive") == 0;
		int archived = cstatus && strcmp(cstatus, "archived") == 0;
		int64_t s = NEVER, ts;
		int pass;

		if (++loops > SLOT_LIMIT)
			return err_set(r->err, DRIP_EFAIL, NULL, 0, 0,
				       "contact '%s' did not settle; a schedule that never moves?",
				       c->id);
		/* The earliest slot at which anything happens. */
		if (nextev < nev)
			s = engine_slot(r, ev[nextev].time);
		if ((ts = next_work(r, inactive, archived)) < s)
			s = ts;
		if (s == NEVER || s > r->to)
			return 0;
		r->slot = s;
		/* Changes since the last tick, then events, in time order. */
		if (flow_slot_start(r, s) < 0)
			return -1;
		while (nextev < nev && engine_slot(r, ev[nextev].time) == s)
			if (apply_event(r, &ev[nextev++], s) < 0)
				return -1;
		if (flow_drain(r, s) < 0)
			return -1;
		/* Then due steps and automations, again while zero-delay work
		 * (an action completing a step, enrolling elsewhere) remains. */
		for (pass = 0;; pass++) {
			size_t before = fx->nlog;

			if (pass == CHAIN_LIMIT)
				return err_set(r->err, DRIP_EFAIL, NULL, 0, 0,
					       "contact '%s': work keeps coming due in one slot; a loop?",
					       c->id);
			if (process_slot(r, s) < 0 || flow_drain(r, s) < 0 ||
			    flow_due(r, s) < 0 || flow_conds(r, s) < 0)
				return -1;
			if (fx->nlog == before)
				break;
		}
		/* Nothing may happen twice in a slot: move past it. */
		r->first = s + r->len;
	}
}

/*
 * SPEC §3.5: sequence sd was paused at paused_at and resumed at
 * resumed_at; every pending time of its enrollments moves later by the
 * time the enrollment spent frozen: from the pause, or from when it entered
 * its step if that was later (a publish during the pause moved it), to the
 * resume.  Its runs of sequence automations likewise, from when they
 * started.  A contact paused on its own is left to its own resume, which
 * counts the whole of its pause.  A date sequence keeps its base, so a
 * date that fell in the pause fires at the thaw rather than being passed
 * over.
 */
static void
thaw(struct run *r, const struct seqdef *sd)
{
	int64_t S = sd->paused_at, R = sd->resumed_at, from, delta;
	size_t i;

	for (i = 0; i < *r->n; i++) {
		struct enr *e = ENR(r, i);

		if (strcmp(e->sequence, sd->id) != 0 || enr_ended(e->status) ||
		    e->status == ENR_PAUSED)
			continue;
		from = e->entered > S ? e->entered : S;
		if ((delta = R - from) <= 0)
			continue;
		e->entered += delta;
		if (sd->q->kind != SEQ_KIND_DATE)
			e->base += delta;
		if (e->hold != STATE_NONE)
			e->hold += delta;
	}
	for (i = 0; r->fl && i < r->fl->n; i++) {
		struct arun *ar = &r->fl->runs[i];

		if (strcmp(ar->sequence, sd->id) != 0 || ar->status != RUN_RUNNING)
			continue;
		from = ar->started > S ? ar->started : S;
		if ((delta = R - from) > 0)
			ar->due += delta;
	}
}

/* The earliest thaw slot (engine_thaw_slot) in [lo, hi], or NEVER. */
static int64_t
next_thaw(const struct run *r, int64_t lo, int64_t hi)
{
	int64_t best = NEVER, t;
	size_t i;

	for (i = 0; i < r->d->nseqs; i++) {
		t = engine_thaw_slot(&r->d->seqs[i], r->len);
		if (t != STATE_NONE && t >= lo && t <= hi && t < best)
			best = t;
	}
	return best;
}

int
engine_advance(const struct defs *d, struct contact *c, struct enr **enrs, size_t *n,
	       struct flows *fl, const struct event *ev, size_t nev, int64_t from, int64_t to,
	       struct effects *fx, struct drip_err *err)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof r);
	r.d = d;
	r.c = c;
	r.fx = fx;
	r.to = to;
	r.len = d->cfg->tick;
	r.err = err;
	r.enrs = enrs;
	r.n = n;
	r.fl = d->nautos ? fl : NULL;
	r.first = from == STATE_NONE ? INT64_MIN : from + r.len;
	/* The first slot of this tick: on a workspace's first tick, the
	 * slot of --now (the history before it is not automation work). */
	r.r0 = from == STATE_NONE ? to : r.first;
	/* Exactly one tick processes a thaw slot: the slots before it run
	 * first, then the thaw, then the rest, so that ticks split anywhere
	 * give the same result (SPEC §9.2). */
	rc = 0;
	for (int64_t lo = r.first, th; rc == 0 && (th = next_thaw(&r, lo, to)) != NEVER;
	     lo = th + 1) {
		size_t i, k;

		r.to = th - r.len;
		/* The events advance applies: those of the slots before th. */
		for (k = 0; k < nev && engine_slot(&r, ev[k].time) <= r.to; k++)
			;
		rc = advance(&r, ev, k);
		if (k) {	/* never an offset from NULL, even of zero */
			ev += k;
			nev -= k;
		}
		for (i = 0; rc == 0 && i < d->nseqs; i++)
			if (engine_thaw_slot(&d->seqs[i], r.len) == th)
				thaw(&r, &d->seqs[i]);
		if (r.first < th)
			r.first = th;
	}
	r.to = to;
	if (rc == 0)
		rc = advance(&r, ev, nev);
	flow_finish(&r);
	return rc;
}

int64_t
engine_next(const struct defs *d, struct contact *c, struct enr *enrs, size_t n,
	    struct flows *fl, int64_t after)
{
	const char *cstatus = contact_get(c, "status");
	struct enr *v = enrs;
	struct run r;

	memset(&r, 0, sizeof r);
	r.d = d;
	r.c = c;
	r.to = NEVER;
	r.len = d->cfg->tick;
	r.enrs = &v;
	r.n = &n;
	r.fl = d->nautos ? fl : NULL;
	r.first = after + r.len;
	r.r0 = r.first;
	return next_work(&r, cstatus && strcmp(cstatus, "inactive") == 0,
			 cstatus && strcmp(cstatus, "archived") == 0);
}
