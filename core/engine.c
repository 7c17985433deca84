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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "dtime.h"
#include "err.h"
#include "expr.h"
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

#define NEVER INT64_MAX

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

#define PUSH(fx, arr, n, cap) \
	((fx)->n == (fx)->cap ? \
	 ((fx)->arr = arena_grow((fx)->a, (fx)->arr, (fx)->n, (fx)->cap ? (fx)->cap * 2 : 8, \
				 sizeof *(fx)->arr), \
	  (fx)->cap = (fx)->cap ? (fx)->cap * 2 : 8, &(fx)->arr[(fx)->n++]) : \
	 &(fx)->arr[(fx)->n++])

static void
log_row(struct effects *fx, int64_t t, const char *contact, const char *seq,
	const char *step, const char *action, const char *result, const char *ref,
	const char *detail)
{
	struct log_row *r = PUSH(fx, log, nlog, caplog);

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

/* ---- per-run context ---- */

struct run {
	const struct defs *d;
	const struct contact *c;
	struct effects *fx;
	int64_t first;		/* the first unprocessed slot; INT64_MIN before the first tick */
	int64_t to;
	int64_t len;		/* slot length */
	struct drip_err *err;
	struct enr *enrs;	/* all of this contact's enrollments (the cap counts across them) */
	size_t n;
};

static int64_t
slot_of(const struct run *r, int64_t t)
{
	int64_t s;

	if (t == NEVER)
		return NEVER;
	s = sched_slot_ceil(t, r->len);
	return s < r->first ? r->first : s;
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

/* A date step's next occurrence at or after not_before; NEVER if none. */
static int64_t
date_due(const struct run *r, const struct seqdef *sd, const struct step *st,
	 int64_t not_before)
{
	struct sched_rules rules;
	struct dur zero = { 0, 0, 0 };
	int64_t out;
	int y, m, dd;
	char why[128];

	rules_for(r, sd, st, &rules);
	if (st->on_field) {
		const char *v = contact_get(r->c, st->on_field);

		if (v == NULL || dtime_parse_date(v, &y, &m, &dd, why, sizeof why) < 0)
			return NEVER;
		if (sched_date_next(&rules, y, m, dd, &st->on_offset, st->at, st->annually,
				    not_before, &out, why, sizeof why) != 0)
			return NEVER;
		return out;
	}
	if (sched_date_next(&rules, st->on_year, st->on_mon, st->on_day, &zero, st->at,
			    st->annually, not_before, &out, why, sizeof why) != 0)
		return NEVER;
	return out;
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

/* When enrollment e's current step is due (not quantized), or NEVER. */
static int64_t
due_time(const struct run *r, const struct seqdef *sd, const struct enr *e)
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

static const char *
get_field(void *ctx, const char *name)
{
	struct getter *g = ctx;

	if (strcmp(name, "sequence.name") == 0)
		return g->sd->q->name ? g->sd->q->name : g->sd->id;
	if (strcmp(name, "step.name") == 0)
		return g->st->name ? g->st->name : g->st->id;
	if (strncmp(name, "link.", 5) == 0) {
		if (g->r->d->link == NULL)
			return "";
		return g->r->d->link(g->r->d->link_ctx, g->r->fx->a, g->r->c->id, g->sd->id,
				     g->st->id, g->e->entered, name + 5);
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

/* Why a contact cannot receive this kind of message, or NULL. */
static const char *
cannot_receive(const struct contact *c, const char *kind)
{
	const char *v;

	if ((v = contact_get(c, "status")) && strcmp(v, "archived") == 0)
		return "contact is archived";
	if (is_true(contact_get(c, "unsubscribed")))
		return "contact is unsubscribed";
	if (is_true(contact_get(c, "bounced")))
		return "contact's address bounced";
	if (strcmp(kind, "email") == 0) {
		v = contact_get(c, "email");
		if (v == NULL || *v == '\0')
			return "contact has no email address";
	} else {
		v = contact_get(c, "phone");
		if (v == NULL || *v == '\0')
			return "contact has no phone number";
	}
	return NULL;
}

static void
queue_msg(struct run *r, const char *kind, int64_t s, const char *msgid,
	  const struct sbuf *data)
{
	struct out_msg *m = PUSH(r->fx, msgs, nmsgs, capmsgs);
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
	for (i = 0; i < r->n; i++)
		if (r->enrs[i].sent_day && strcmp(r->enrs[i].sent_day, day) == 0)
			count += r->enrs[i].sent;
	if (count < sd->per_day)
		return 0;
	rules_for(r, sd, st, &rules);
	e->hold = sched_next_day(&rules, s);
	dtime_format_utc(e->hold, when, sizeof when);
	log_row(r->fx, s, r->c->id, sd->id, st->id, action, "skipped", "",
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

	if (st->nvariants) {
		int w[64];
		size_t i, k;

		for (i = 0; i < st->nvariants && i < 64; i++)
			w[i] = st->variants[i].weight;
		k = engine_variant(r->c->id, sd->id, st->id, w, i);
		path = st->variants[k].template;
	}
	if ((why = cannot_receive(r->c, "email")) != NULL) {
		log_row(r->fx, s, r->c->id, sd->id, st->id, "email", "skipped", "", why);
		return 0;
	}
	if (capped(r, sd, st, e, s, "email"))
		return 1;
	t = find_tmpl(sd, path);
	to = contact_get(r->c, "email");
	msgid = message_id(r, sd->id, st->id, s, to);
	unsub = r->d->link ? r->d->link(r->d->link_ctx, r->fx->a, r->c->id, sd->id, st->id,
					e->entered, "unsubscribe") : NULL;
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
		log_row(r->fx, s, r->c->id, sd->id, st->id, "email", "failed", "",
			arena_printf(r->fx->a, "template %s is not pinned", path));
		return 0;
	}
	if (render_message(t, &rc, &out, &err) < 0) {
		/* This contact's data breaks the template: log it, go on. */
		log_row(r->fx, s, r->c->id, sd->id, st->id, "email", "failed", "",
			arena_strdup(r->fx->a, err.msg));
		sbuf_release(&out);
		return 0;
	}
	queue_msg(r, "email", s, msgid, &out);
	count_sent(r, e, s);
	log_row(r->fx, s, r->c->id, sd->id, st->id, "email", "ok", msgid, path);
	sbuf_release(&out);
	return 0;
}

static int
fire_sms(struct run *r, const struct seqdef *sd, const struct step *st, struct enr *e,
	 int64_t s)
{
	struct getter g = { r, sd, st, e };
	const char *text = st->text, *path = st->template, *why, *to, *msgid;
	struct sbuf out = SBUF_INIT;

	if (st->nvariants) {
		int w[64];
		size_t i, k;

		for (i = 0; i < st->nvariants && i < 64; i++)
			w[i] = st->variants[i].weight;
		k = engine_variant(r->c->id, sd->id, st->id, w, i);
		text = st->variants[k].text;
		path = st->variants[k].template;
	}
	if ((why = cannot_receive(r->c, "sms")) != NULL) {
		log_row(r->fx, s, r->c->id, sd->id, st->id, "sms", "skipped", "", why);
		return 0;
	}
	if (capped(r, sd, st, e, s, "sms"))
		return 1;
	if (text == NULL && path) {
		const struct tmpl *t = find_tmpl(sd, path);

		text = t ? t->body : NULL;
	}
	if (text == NULL) {
		log_row(r->fx, s, r->c->id, sd->id, st->id, "sms", "failed", "",
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
	log_row(r->fx, s, r->c->id, sd->id, st->id, "sms", "ok", msgid, path ? path : "");
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
	log_row(r->fx, s, r->c->id, sd->id, st->id, "notify", "ok", msgid,
		arena_printf(r->fx->a, "task %s due for %s", t->id, t->assignee));
	sbuf_release(&out);
}

/* Returns 1 when the enrollment now waits on the task. */
static int
fire_task(struct run *r, const struct seqdef *sd, const struct step *st, struct enr *e,
	  int64_t s)
{
	struct getter g = { r, sd, st, e };
	struct out_task *t = PUSH(r->fx, tasks, ntasks, captasks);
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
	log_row(r->fx, s, r->c->id, sd->id, st->id, kind, "ok", t->id, t->subject);
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
	struct out_list *l = PUSH(r->fx, lists, nlists, caplists);
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
	log_row(r->fx, s, r->c->id, sd->id, st->id, step_type_names[st->type], "ok", st->list, "");
}

static int
cond_holds(struct run *r, const struct seqdef *sd, const struct cond *k, int64_t s,
	   const char **why)
{
	struct expr_env env;
	struct expr_err ee;
	struct sched_rules rules;
	int v;

	rules_for(r, sd, NULL, &rules);
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
		log_row(r->fx, s, r->c->id, sd->id, "", "done", "ok", "", "");
		return;
	}
	e->step = sd->q->steps[next].id;
	e->entered = s;
	e->base = s;
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
}

/*
 * Fire the current step of e at slot s, and the zero-delay chain after it.
 * Returns 0, or -1 on a loop.
 */
static int
fire_chain(struct run *r, const struct seqdef *sd, struct enr *e, int64_t s)
{
	int n;

	for (n = 0; n < CHAIN_LIMIT; n++) {
		long i, next;
		const struct step *st;
		const char *why = NULL;
		int64_t when;
		int h;

		if (e->status != ENR_ACTIVE)
			return 0;
		if (due_time(r, sd, e) == NEVER || slot_of(r, due_time(r, sd, e)) != s)
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
		if (st->when.expr && (h = cond_holds(r, sd, &st->when, s, &why)) != 1) {
			log_row(r->fx, s, r->c->id, sd->id, st->id, step_type_names[st->type],
				"skipped", "", h < 0 ? why :
				arena_printf(r->fx->a, "when: %s does not hold", st->when.src));
			goto moved;
		}
		r->fx->fired++;
		switch (st->type) {
		case STEP_EMAIL:
			if (fire_email(r, sd, st, e, s)) {
				r->fx->fired--;
				return 0;	/* deferred by the cap: it stays on this step */
			}
			break;
		case STEP_SMS:
			if (fire_sms(r, sd, st, e, s)) {
				r->fx->fired--;
				return 0;
			}
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
			log_row(r->fx, s, r->c->id, sd->id, st->id, "delay", "ok", "", "");
			break;
		case STEP_BRANCH:
			h = cond_holds(r, sd, &st->if_, s, &why);
			if (h < 0) {
				log_row(r->fx, s, r->c->id, sd->id, st->id, "branch", "failed", "", why);
			} else if (h == 1) {
				next = seq_step_index(sd->q, st->then_step);
			} else if (st->else_step) {
				next = seq_step_index(sd->q, st->else_step);
			}
			if (h >= 0)
				log_row(r->fx, s, r->c->id, sd->id, st->id, "branch", "ok", "",
					arena_printf(r->fx->a, "%s: %s",
						     h ? "then" : "else",
						     next >= 0 && (size_t)next < sd->q->nsteps ?
						     sd->q->steps[next].id : "(end)"));
			break;
		case STEP_GOTO:
			next = seq_step_index(sd->q, st->to_step);
			log_row(r->fx, s, r->c->id, sd->id, st->id, "goto", "ok", "", st->to_step);
			break;
		case STEP_EXIT:
			log_row(r->fx, s, r->c->id, sd->id, st->id, "exit", "ok", "", "");
			e->status = ENR_EXITED;
			e->step = "";
			e->entered = e->base = s;
			log_row(r->fx, s, r->c->id, sd->id, "", "exited", "ok", "", "");
			return 0;
		default:
			/* rule and wait_until arrive with automations; publish
			 * refuses sequences that use them until then. */
			log_row(r->fx, s, r->c->id, sd->id, st->id, step_type_names[st->type],
				"failed", "", "this step type is not supported yet");
			break;
		}
moved:
		if (sd->q->kind == SEQ_KIND_DATE)
			date_advance(r, sd, e, s);
		else
			advance_to(r, sd, e, next, s);
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

static void
apply_event(struct run *r, struct enr *enrs, size_t n, const struct event *ev, int64_t s)
{
	unsigned bit = removal_bit(ev->name);
	size_t i;

	log_row(r->fx, s, r->c->id, ev->sequence, "", "event", "ok", ev->id, ev->name);
	for (i = 0; i < n; i++) {
		struct enr *e = &enrs[i];
		const struct seqdef *sd = engine_seq(r->d, e->sequence);

		if (enr_ended(e->status) || sd == NULL)
			continue;
		if (*ev->sequence && strcmp(ev->sequence, e->sequence) != 0)
			continue;
		if (bit && (sd->q->remove_on & bit)) {
			e->status = ENR_REMOVED;
			e->step = "";
			e->task = "";
			e->hold = STATE_NONE;
			e->entered = e->base = s;
			log_row(r->fx, s, r->c->id, e->sequence, "", "removed", "ok", ev->id,
				arena_printf(r->fx->a, "on %s", ev->name));
		} else if (strcmp(ev->name, "task_done") == 0 && e->status == ENR_WAITING) {
			/* The blocking step completes now, as `drip task done` would. */
			e->status = ENR_ACTIVE;
			log_row(r->fx, s, r->c->id, e->sequence, e->step, "complete", "ok", e->task, "");
			e->task = "";
			if (sd->q->kind == SEQ_KIND_DATE)
				date_advance(r, sd, e, s);
			else
				advance_to(r, sd, e, seq_step_index(sd->q, e->step) + 1, s);
		}
	}
}

/* ---- the loop ---- */

int
engine_advance(const struct defs *d, const struct contact *c, struct enr *enrs,
	       size_t n, const struct event *ev, size_t nev, int64_t from, int64_t to,
	       struct effects *fx, struct drip_err *err)
{
	struct run r = { d, c, fx, 0, to, d->cfg->tick, err, enrs, n };
	const char *cstatus = contact_get(c, "status");
	int inactive = cstatus && strcmp(cstatus, "inactive") == 0;
	int archived = cstatus && strcmp(cstatus, "archived") == 0;
	size_t nextev = 0, i, loops = 0;

	r.first = from == STATE_NONE ? INT64_MIN : from + r.len;
	for (;;) {
		int64_t s = NEVER;

		if (++loops > SLOT_LIMIT)
			return err_set(err, DRIP_EFAIL, NULL, 0, 0,
				       "contact '%s' did not settle; a schedule that never moves?",
				       c->id);
		/* The earliest slot at which anything happens. */
		if (nextev < nev)
			s = slot_of(&r, ev[nextev].time);
		for (i = 0; i < n; i++) {
			const struct seqdef *sd = engine_seq(d, enrs[i].sequence);
			int64_t t = enrs[i].status == ENR_WAITING ? done_time(&r, &enrs[i]) :
				    due_time(&r, sd, &enrs[i]);
			int64_t ts = slot_of(&r, t);

			if (inactive && ts != NEVER)
				continue;	/* nothing fires until set active */
			if (ts < s)
				s = ts;
		}
		if (s == NEVER || s > to)
			return 0;
		/* Events first, in time order. */
		while (nextev < nev && slot_of(&r, ev[nextev].time) == s)
			apply_event(&r, enrs, n, &ev[nextev++], s);
		/* Then due work, by sequence id (enrs are sorted by it). */
		for (i = 0; i < n; i++) {
			struct enr *e = &enrs[i];
			const struct seqdef *sd = engine_seq(d, e->sequence);

			if (sd == NULL || inactive)
				continue;
			if (e->status == ENR_WAITING && slot_of(&r, done_time(&r, e)) == s) {
				e->status = ENR_ACTIVE;
				log_row(fx, s, c->id, e->sequence, e->step, "complete", "ok", e->task, "");
				e->task = "";
				if (sd->q->kind == SEQ_KIND_DATE)
					date_advance(&r, sd, e, s);
				else
					advance_to(&r, sd, e, seq_step_index(sd->q, e->step) + 1, s);
			}
			if (e->status != ENR_ACTIVE || slot_of(&r, due_time(&r, sd, e)) != s)
				continue;
			if (archived) {
				e->status = ENR_STOPPED;
				e->step = "";
				e->entered = e->base = s;
				log_row(fx, s, c->id, e->sequence, "", "stopped", "ok", "",
					"contact archived");
				continue;
			}
			if (fire_chain(&r, sd, e, s) < 0)
				return -1;
		}
		/* Nothing may happen twice in a slot: move past it. */
		r.first = s + r.len;
	}
}
