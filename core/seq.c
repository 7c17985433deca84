/*
 * seq.c - reading a sequence file into a struct seq (SPEC §3.1-§3.4, §3.6).
 *
 * The parser checks each field where it stands; checks that need the whole
 * sequence or the workspace (targets, cycles, templates, fields) are in
 * lint.c.
 */
#include "seq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dtime.h"
#include "err.h"
#include "expr.h"
#include "schema.h"
#include "tmpl.h"
#include "tz.h"
#include "ws.h"
#include "ydoc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *const step_type_names[STEP_TYPE_COUNT] = {
	[STEP_EMAIL] = "email",
	[STEP_SMS] = "sms",
	[STEP_TASK] = "task",
	[STEP_CALL] = "call",
	[STEP_MANUAL_EMAIL] = "manual_email",
	[STEP_FULFILLMENT] = "fulfillment",
	[STEP_POSTCARD] = "postcard",
	[STEP_RULE] = "rule",
	[STEP_DELAY] = "delay",
	[STEP_WAIT_UNTIL] = "wait_until",
	[STEP_BRANCH] = "branch",
	[STEP_GOTO] = "goto",
	[STEP_EXIT] = "exit",
};

static const char *const seq_keys[] = {
	"id", "name", "kind", "description", "owners", "coordinator", "watchers",
	"timezone", "contact_timezone", "send_window", "reenroll", "enroll_when",
	"remove_on", "on_remove", "notify", "limits", "steps",
};
static const char *const kinds[] = { "step", "date" };
static const char *const reenrolls[] = { "never", "after_exit", "always" };
static const char *const removals[] = { "reply", "open", "click", "bounce", "unsubscribe" };
static const char *const notify_keys[] = { "due_tasks", "ended_by_engagement", "recipient_field" };
static const char *const limit_keys[] = { "per_contact_per_day" };
static const char *const auto_keys[] = { "id", "on", "after", "repeat", "actions" };
static const char *const triggers[] = { "enter", "complete", "pending" };
static const char *const repeat_keys[] = { "every", "times" };
static const char *const variant_keys[] = { "weight", "template", "text" };
static const char *const on_keys[] = { "field", "offset" };

/* Keys every step may have, then the keys of each type. */
static const char *const common_step_keys[] = {
	"id", "type", "name", "description", "when", "automations",
};
static const char *const step_timing_keys[] = { "wait", "at", "days" };
static const char *const date_timing_keys[] = { "on", "at", "annually", "days" };

struct type_keys {
	const char *keys[8];
};

static const struct type_keys type_keys[STEP_TYPE_COUNT] = {
	[STEP_EMAIL] = { { "template", "variants" } },
	[STEP_SMS] = { { "text", "template", "variants" } },
	[STEP_TASK] = { { "assignee", "subject", "block", "due" } },
	[STEP_CALL] = { { "assignee", "subject", "block", "due" } },
	[STEP_MANUAL_EMAIL] = { { "assignee", "subject", "block", "due", "template" } },
	[STEP_FULFILLMENT] = { { "list", "fields", "variants" } },
	[STEP_POSTCARD] = { { "list", "fields", "template", "variants" } },
	[STEP_RULE] = { { "if", "then", "else" } },
	[STEP_DELAY] = { { NULL } },
	[STEP_WAIT_UNTIL] = { { "until", "event", "timeout", "on_timeout" } },
	[STEP_BRANCH] = { { "if", "then", "else" } },
	[STEP_GOTO] = { { "to" } },
	[STEP_EXIT] = { { NULL } },
};

static void
parse_cond(struct schema *s, const struct ynode *map, const char *key, struct cond *c)
{
	schema_expr(s, map, key, &c->expr, &c->src, &c->node);
}

/* A template path: relative to the workspace root, inside it, ending .eml. */
static const char *
template_path(struct schema *s, const struct ynode *map, const char *key,
	      const struct ynode **node)
{
	const char *p = schema_str(s, map, key, 0);

	*node = ydoc_get(map, key);
	if (p == NULL)
		return NULL;
	if (p[0] == '/' || strstr(p, "..") != NULL) {
		schema_error(s, *node, "\"%s\": template path \"%s\" must be relative to the "
			     "workspace and stay inside it", key, p);
		return NULL;
	}
	return p;
}

static void
parse_variants(struct schema *s, struct step *st, const struct ynode *v)
{
	size_t i;
	long total = 0, w;

	if (v->kind != YNODE_SEQ || v->n == 0) {
		schema_error(s, v, "\"variants\" must be a list of {weight, template}");
		return;
	}
	st->variants = arena_alloc(s->a, v->n * sizeof *st->variants);
	for (i = 0; i < v->n; i++) {
		const struct ynode *it = v->items[i];
		struct variant *va = &st->variants[st->nvariants];

		if (!schema_map(s, it, "a variant"))
			continue;
		schema_keys(s, it, variant_keys, N(variant_keys));
		va->node = it;
		if (schema_int(s, it, "weight", 0, 1000000, &w) > 0) {
			va->weight = (int)w;
			total += w;
		} else if (ydoc_get(it, "weight") == NULL) {
			schema_error(s, it, "missing required key \"weight\"");
		}
		va->template = template_path(s, it, "template", &va->template_node);
		va->text = schema_str(s, it, "text", 0);
		if (st->type == STEP_SMS) {
			if (!va->template && !va->text)
				schema_error(s, it, "an sms variant needs text or template");
		} else if (st->type != STEP_FULFILLMENT && !va->template) {
			schema_error(s, it, "missing required key \"template\"");
		}
		st->nvariants++;
	}
	if (st->nvariants > 0 && total == 0)
		schema_error(s, v, "variants' weights add up to 0: no variant could ever be chosen");
	if (v->n == 1)
		schema_warn(s, v, "only one variant: a split test needs two or more");
}

static void
parse_step_auto(struct schema *s, struct step_auto *a, const struct ynode *n)
{
	const struct ynode *r;
	int k;
	long t;

	a->node = n;
	schema_keys(s, n, auto_keys, N(auto_keys));
	if (schema_node(s, n, "id", 1) && schema_id(s, ydoc_get(n, "id"), "automation"))
		a->id = ydoc_get(n, "id")->str;
	if (schema_node(s, n, "on", 1) &&
	    schema_enum(s, n, "on", triggers, N(triggers), &k) > 0)
		a->on = (enum trigger)k;
	else
		a->on = TRIG_ENTER;
	if (schema_dur(s, n, "after", 0, &a->after) > 0 && a->on == TRIG_COMPLETE)
		schema_error(s, ydoc_get(n, "after"),
			     "\"after\" does not apply to on: complete (it fires as the step completes)");
	if (a->on == TRIG_PENDING && ydoc_get(n, "after") == NULL)
		schema_error(s, n, "on: pending needs \"after\" (how long the contact has been "
			     "on the step)");
	if ((r = ydoc_get(n, "repeat")) != NULL) {
		if (a->on != TRIG_PENDING)
			schema_error(s, r, "\"repeat\" applies only to on: pending");
		if (schema_map(s, r, "repeat")) {
			schema_keys(s, r, repeat_keys, N(repeat_keys));
			if (ydoc_get(r, "every") == NULL)
				schema_error(s, r, "\"repeat\" needs \"every\" (how often to repeat)");
			else if (schema_dur(s, r, "every", 0, &a->every) > 0 && dur_is_zero(&a->every))
				schema_error(s, ydoc_get(r, "every"),
					     "\"every\" must be longer than 0");
			if (ydoc_get(r, "times") == NULL)
				schema_error(s, r, "\"repeat\" needs \"times\" (at most how many repeats)");
			else if (schema_int(s, r, "times", 1, 1000, &t) > 0)
				a->times = (int)t;
			a->has_repeat = 1;
		}
	}
	if (schema_node(s, n, "actions", 1))
		a->actions = action_parse_list(s, ydoc_get(n, "actions"), 0, &a->nactions);
}

/* By id, then by position. */
static int
cmp_ref(const void *pa, const void *pb)
{
	const struct seq_ref *a = pa, *b = pb;
	int c = strcmp(a->id, b->id);

	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

static void
parse_autos(struct schema *s, struct step *st, const struct ynode *l)
{
	const struct ynode **nodes;
	struct seq_ref *refs;
	size_t i, n = 0;

	if (l->kind != YNODE_SEQ) {
		schema_error(s, l, "\"automations\" must be a list");
		return;
	}
	st->autos = arena_alloc(s->a, (l->n + 1) * sizeof *st->autos);
	nodes = arena_alloc(s->a, (l->n + 1) * sizeof *nodes);
	for (i = 0; i < l->n; i++) {
		if (!schema_map(s, l->items[i], "an automation"))
			continue;
		parse_step_auto(s, &st->autos[st->nautos], l->items[i]);
		nodes[st->nautos] = l->items[i];
		st->nautos++;
	}
	/* Duplicates by sorting, not by comparing every pair: a hostile file
	 * of many automations stays N log N. */
	refs = arena_alloc(s->a, (st->nautos + 1) * sizeof *refs);
	for (i = 0; i < st->nautos; i++)
		if (st->autos[i].id)
			refs[n++] = (struct seq_ref){ st->autos[i].id, i };
	qsort(refs, n, sizeof *refs, cmp_ref);
	for (i = 1; i < n; i++)
		if (strcmp(refs[i].id, refs[i - 1].id) == 0)
			schema_error(s, ydoc_get(nodes[refs[i].index], "id"),
				     "duplicate automation id \"%s\" in step \"%s\"",
				     refs[i].id, st->id ? st->id : "");
}

/* `on:` of a date step: a date, or {field, offset}. */
static void
parse_on(struct schema *s, struct step *st, const struct ynode *on)
{
	char why[256];

	if (on->kind == YNODE_SCALAR) {
		if (dtime_parse_date(on->str, &st->on_year, &st->on_mon, &st->on_day,
				     why, sizeof why) < 0)
			schema_error(s, on, "\"on\": %s", why);
		return;
	}
	if (!schema_map(s, on, "on"))
		return;
	schema_keys(s, on, on_keys, N(on_keys));
	st->on_field = schema_str(s, on, "field", 1);
	schema_dur(s, on, "offset", 1, &st->on_offset);
}

size_t
seq_step_keys(enum seq_kind kind, enum step_type type, const char **out)
{
	size_t k = 0, i;

	for (i = 0; i < N(common_step_keys); i++)
		out[k++] = common_step_keys[i];
	if (kind == SEQ_KIND_DATE)
		for (i = 0; i < N(date_timing_keys); i++)
			out[k++] = date_timing_keys[i];
	else
		for (i = 0; i < N(step_timing_keys); i++)
			out[k++] = step_timing_keys[i];
	for (i = 0; i < 8 && type_keys[type].keys[i]; i++)
		out[k++] = type_keys[type].keys[i];
	return k;
}

static void
check_type_keys(struct schema *s, const struct seq *q, const struct step *st,
		const struct ynode *n)
{
	const char *allowed[SEQ_STEP_KEYS_MAX];

	schema_keys(s, n, allowed, seq_step_keys(q->kind, st->type, allowed));
}

static void
parse_step(struct schema *s, struct seq *q, struct step *st, const struct ynode *n)
{
	const struct ynode *v;
	char why[256];
	int k;

	st->node = n;
	st->at = -1;
	if (schema_node(s, n, "id", 1) && schema_id(s, ydoc_get(n, "id"), "step"))
		st->id = ydoc_get(n, "id")->str;
	st->type = STEP_EMAIL;
	if (schema_node(s, n, "type", 1) &&
	    schema_enum(s, n, "type", step_type_names, STEP_TYPE_COUNT, &k) > 0)
		st->type = (enum step_type)k;
	else if (ydoc_get(n, "type") != NULL)
		return;		/* keys cannot be judged without a type */
	check_type_keys(s, q, st, n);
	st->name = schema_str(s, n, "name", 0);
	parse_cond(s, n, "when", &st->when);

	/* Timing. */
	if (q->kind == SEQ_KIND_STEP) {
		schema_dur(s, n, "wait", 0, &st->wait);
	} else if ((v = schema_node(s, n, "on", 1)) != NULL) {
		parse_on(s, st, v);
		st->annually = schema_bool(s, n, "annually", 0);
	}
	schema_hhmm(s, n, "at", &st->at);
	if ((v = ydoc_get(n, "days")) != NULL) {
		const struct ynode *at;

		if (config_parse_days(v, &st->days, &at, why, sizeof why) < 0)
			schema_error(s, at, "\"days\": %s", why);
	}

	switch (st->type) {
	case STEP_EMAIL:
	case STEP_SMS:
	case STEP_POSTCARD:
	case STEP_FULFILLMENT:
		st->template = template_path(s, n, "template", &st->template_node);
		if (st->type == STEP_SMS)
			st->text = schema_str(s, n, "text", 0);
		if ((v = ydoc_get(n, "variants")) != NULL) {
			parse_variants(s, st, v);
			if (st->template || st->text)
				schema_error(s, v, "give either variants or a single %s, not both",
					     st->type == STEP_SMS && st->text ? "text" : "template");
		}
		if (st->type == STEP_EMAIL && !st->template && !ydoc_get(n, "variants"))
			schema_error(s, n, "email step \"%s\" needs a template (or variants)",
				     st->id ? st->id : "");
		if (st->type == STEP_SMS && !st->template && !st->text && !ydoc_get(n, "variants"))
			schema_error(s, n, "sms step \"%s\" needs text, a template or variants",
				     st->id ? st->id : "");
		if (st->type == STEP_FULFILLMENT || st->type == STEP_POSTCARD) {
			st->list = schema_str(s, n, "list", 1);
			if (st->list && !ws_valid_id(st->list))
				schema_error(s, ydoc_get(n, "list"), "invalid list name \"%s\"", st->list);
			st->fields = schema_strlist(s, n, "fields", &st->nfields, NULL);
		}
		break;
	case STEP_TASK:
	case STEP_CALL:
	case STEP_MANUAL_EMAIL:
		st->assignee = schema_str(s, n, "assignee", 0);
		st->subject = schema_str(s, n, "subject", 1);
		st->block = schema_bool(s, n, "block", 0);
		schema_dur(s, n, "due", 0, &st->due);
		if (st->type == STEP_MANUAL_EMAIL)
			st->template = template_path(s, n, "template", &st->template_node);
		break;
	case STEP_RULE:
		if (schema_node(s, n, "if", 1))
			parse_cond(s, n, "if", &st->if_);
		if (schema_node(s, n, "then", 1))
			st->then_actions = action_parse_list(s, ydoc_get(n, "then"), 0, &st->nthen);
		if (ydoc_get(n, "else"))
			st->else_actions = action_parse_list(s, ydoc_get(n, "else"), 0, &st->nelse);
		break;
	case STEP_BRANCH:
		if (schema_node(s, n, "if", 1))
			parse_cond(s, n, "if", &st->if_);
		st->then_step = schema_str(s, n, "then", 1);
		st->then_node = ydoc_get(n, "then");
		st->else_step = schema_str(s, n, "else", 0);
		st->else_node = ydoc_get(n, "else");
		break;
	case STEP_GOTO:
		st->to_step = schema_str(s, n, "to", 1);
		st->to_node = ydoc_get(n, "to");
		break;
	case STEP_WAIT_UNTIL:
		parse_cond(s, n, "until", &st->until);
		st->event = schema_str(s, n, "event", 0);
		if (!ydoc_get(n, "until") && !ydoc_get(n, "event"))
			schema_error(s, n, "wait_until step \"%s\" needs \"until\" or \"event\"",
				     st->id ? st->id : "");
		st->has_timeout = schema_dur(s, n, "timeout", 0, &st->timeout) > 0;
		st->on_timeout = schema_str(s, n, "on_timeout", 0);
		st->on_timeout_node = ydoc_get(n, "on_timeout");
		if (st->on_timeout && !ydoc_get(n, "timeout"))
			schema_error(s, st->on_timeout_node,
				     "\"on_timeout\" needs a \"timeout\"");
		break;
	case STEP_DELAY:
	case STEP_EXIT:
	case STEP_TYPE_COUNT:
		break;
	}
	if ((v = ydoc_get(n, "automations")) != NULL)
		parse_autos(s, st, v);
}

static void
parse_steps(struct schema *s, struct seq *q, const struct ynode *l)
{
	struct seq_ref *refs;
	size_t i, n = 0, first, kept;

	if (l->kind != YNODE_SEQ) {
		schema_error(s, l, "\"steps\" must be a list");
		return;
	}
	q->steps = arena_alloc(s->a, (l->n + 1) * sizeof *q->steps);
	for (i = 0; i < l->n; i++) {
		struct step *st = &q->steps[q->nsteps];

		if (!schema_map(s, l->items[i], "a step"))
			continue;
		parse_step(s, q, st, l->items[i]);
		q->nsteps++;
	}
	/* One sorted list of ids serves both the duplicate check and every
	 * later lookup; equal ids sort by position, so the first of a run is
	 * the one the others duplicate and the one a lookup finds. */
	refs = arena_alloc(s->a, (q->nsteps + 1) * sizeof *refs);
	for (i = 0; i < q->nsteps; i++)
		if (q->steps[i].id)
			refs[n++] = (struct seq_ref){ q->steps[i].id, i };
	qsort(refs, n, sizeof *refs, cmp_ref);
	for (i = 0, first = 0, kept = 0; i < n; i++) {
		if (i > 0 && strcmp(refs[i].id, refs[first].id) == 0) {
			schema_error(s, ydoc_get(q->steps[refs[i].index].node, "id"),
				     "duplicate step id \"%s\" (first at line %d)", refs[i].id,
				     ydoc_get(q->steps[refs[first].index].node, "id")->line);
			continue;
		}
		first = i;
		refs[kept++] = refs[i];
	}
	q->by_id = refs;
	q->nby_id = kept;
}

struct seq *
seq_parse(struct schema *s, const struct ydoc *doc)
{
	struct seq *q = arena_alloc(s->a, sizeof *q);
	const struct ynode *root = doc->root, *v, *at;
	const char **names;
	const struct ynode **rnodes;
	char why[256];
	size_t i, n;
	int k;
	long lv;

	q->file = doc->file;
	q->notify_due_tasks = 1;
	if (root == NULL) {
		schema_error(s, NULL, "the sequence file is empty");
		return q;
	}
	if (!schema_map(s, root, "a sequence file"))
		return q;
	schema_keys(s, root, seq_keys, N(seq_keys));
	if (schema_node(s, root, "id", 1) && schema_id(s, ydoc_get(root, "id"), "sequence")) {
		q->id = ydoc_get(root, "id")->str;
		q->id_node = ydoc_get(root, "id");
	}
	q->name = schema_str(s, root, "name", 0);
	q->description = schema_str(s, root, "description", 0);
	if (schema_enum(s, root, "kind", kinds, N(kinds), &k) > 0)
		q->kind = (enum seq_kind)k;
	q->owners = schema_strlist(s, root, "owners", &q->nowners, NULL);
	q->watchers = schema_strlist(s, root, "watchers", &q->nwatchers, NULL);
	q->coordinator = schema_str(s, root, "coordinator", 0);
	if ((q->timezone = schema_str(s, root, "timezone", 0)) != NULL) {
		struct tz *z;
		struct drip_err e;

		q->timezone_node = ydoc_get(root, "timezone");
		if (tz_load(q->timezone, &z, &e) < 0)
			schema_error(s, q->timezone_node, "%s", e.msg);
		else
			tz_free(z);
	}
	q->contact_timezone = schema_bool(s, root, "contact_timezone", 0);
	if ((v = ydoc_get(root, "send_window")) != NULL) {
		q->has_window = 1;
		if (config_parse_window(v, &q->window, &at, why, sizeof why) < 0)
			schema_error(s, at, "%s", why);
	}
	if (schema_enum(s, root, "reenroll", reenrolls, N(reenrolls), &k) > 0)
		q->reenroll = (enum reenroll)k;
	parse_cond(s, root, "enroll_when", &q->enroll_when);
	names = schema_strlist(s, root, "remove_on", &n, &rnodes);
	for (i = 0; i < n; i++) {
		size_t r;

		for (r = 0; r < N(removals); r++)
			if (strcmp(names[i], removals[r]) == 0)
				break;
		if (r == N(removals)) {
			char msg[256];

			snprintf(msg, sizeof msg, "unknown removal rule \"%s\" (use reply, open, "
				 "click, bounce or unsubscribe)", names[i]);
			suggest_append(msg, sizeof msg, names[i], removals, N(removals));
			schema_error(s, rnodes[i], "%s", msg);
		} else {
			q->remove_on |= 1u << r;
		}
	}
	if ((v = ydoc_get(root, "on_remove")) != NULL)
		q->on_remove = action_parse_list(s, v, 0, &q->non_remove);
	if ((v = ydoc_get(root, "notify")) != NULL && schema_map(s, v, "notify")) {
		schema_keys(s, v, notify_keys, N(notify_keys));
		q->notify_due_tasks = schema_bool(s, v, "due_tasks", 1);
		q->notify_ended = schema_bool(s, v, "ended_by_engagement", 0);
		q->notify_field = schema_str(s, v, "recipient_field", 0);
	}
	if ((v = ydoc_get(root, "limits")) != NULL && schema_map(s, v, "limits")) {
		schema_keys(s, v, limit_keys, N(limit_keys));
		if (schema_int(s, v, "per_contact_per_day", 1, 1000, &lv) > 0)
			q->per_contact_per_day = (int)lv;
	}
	if ((v = schema_node(s, root, "steps", 1)) != NULL)
		parse_steps(s, q, v);
	return q;
}

long
seq_step_index(const struct seq *q, const char *id)
{
	size_t i, lo = 0, hi = q->nby_id;
	int c;

	if (q->by_id != NULL) {
		while (lo < hi) {
			i = lo + (hi - lo) / 2;
			if ((c = strcmp(id, q->by_id[i].id)) == 0)
				return (long)q->by_id[i].index;
			if (c < 0)
				hi = i;
			else
				lo = i + 1;
		}
		return -1;
	}
	for (i = 0; i < q->nsteps; i++)
		if (q->steps[i].id && strcmp(q->steps[i].id, id) == 0)
			return (long)i;
	return -1;
}

static void
action_templates(const struct action *a, size_t n,
		 void (*fn)(void *, const char *, const struct ynode *), void *ctx)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].template)
			fn(ctx, a[i].template, a[i].template_node);
}

void
seq_templates(const struct seq *q,
	      void (*fn)(void *ctx, const char *path, const struct ynode *at),
	      void *ctx)
{
	size_t i, j;

	for (i = 0; i < q->nsteps; i++) {
		const struct step *st = &q->steps[i];

		if (st->template)
			fn(ctx, st->template, st->template_node);
		for (j = 0; j < st->nvariants; j++)
			if (st->variants[j].template)
				fn(ctx, st->variants[j].template, st->variants[j].template_node);
		action_templates(st->then_actions, st->nthen, fn, ctx);
		action_templates(st->else_actions, st->nelse, fn, ctx);
		for (j = 0; j < st->nautos; j++)
			action_templates(st->autos[j].actions, st->autos[j].nactions, fn, ctx);
	}
	action_templates(q->on_remove, q->non_remove, fn, ctx);
}

void
action_mail_uses(const struct action *a, size_t n,
		 void (*fn)(void *ctx, const struct mail_use *u), void *ctx)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct mail_use u = { MAIL_CONTACT, a[i].template, a[i].still_interested,
				      a[i].template_node ? a[i].template_node : a[i].node };

		if (a[i].kind != ACT_NOTIFY)
			continue;
		if (a[i].template) {
			if (a[i].to)
				u.kind = MAIL_OTHER;
			fn(ctx, &u);
		}
		if (a[i].coordinator || a[i].watchers) {
			u.kind = MAIL_NOTICE;
			u.template = NULL;
			u.links = 0;
			u.at = a[i].node;
			fn(ctx, &u);
		}
	}
}

void
seq_mail_uses(const struct seq *q, void (*fn)(void *ctx, const struct mail_use *u), void *ctx)
{
	size_t i, j;

	for (i = 0; i < q->nsteps; i++) {
		const struct step *st = &q->steps[i];
		struct mail_use u = { MAIL_CONTACT, NULL, 0, st->node };

		switch (st->type) {
		case STEP_EMAIL:
			if (st->template) {
				u.template = st->template;
				u.at = st->template_node;
				fn(ctx, &u);
			}
			for (j = 0; j < st->nvariants; j++) {
				if (st->variants[j].template == NULL)
					continue;
				u.template = st->variants[j].template;
				u.at = st->variants[j].template_node;
				fn(ctx, &u);
			}
			break;
		case STEP_TASK:
		case STEP_CALL:
		case STEP_MANUAL_EMAIL:
			if (q->notify_due_tasks) {
				u.kind = MAIL_NOTICE;
				fn(ctx, &u);
			}
			break;
		default:
			break;
		}
		action_mail_uses(st->then_actions, st->nthen, fn, ctx);
		action_mail_uses(st->else_actions, st->nelse, fn, ctx);
		for (j = 0; j < st->nautos; j++)
			action_mail_uses(st->autos[j].actions, st->autos[j].nactions, fn, ctx);
	}
	action_mail_uses(q->on_remove, q->non_remove, fn, ctx);
	if (q->notify_ended) {
		struct mail_use u = { MAIL_NOTICE, NULL, 0, q->id_node };

		fn(ctx, &u);
	}
}

unsigned
seq_mail_check(const struct mail_use *u, const char *from, int has_base_url,
	       const struct tmpl *t)
{
	unsigned missing = 0;

	if (u->kind == MAIL_NOTICE)
		return from == NULL ? MAIL_NOTICE_LOST : 0;
	if (from == NULL && t != NULL && tmpl_header(t, "From") == NULL)
		missing |= MAIL_NO_FROM;
	if (!has_base_url && (u->kind == MAIL_CONTACT || u->links))
		missing |= MAIL_NO_BASE_URL;
	return missing;
}

void
seq_mail_why(unsigned bit, const struct mail_use *u, char *why, size_t n)
{
	switch (bit) {
	case MAIL_NO_FROM:
		snprintf(why, n, SEQ_WHY_NO_FROM ": template \"%s\" has none "
			 "and drip.yaml sets no \"from:\"", u->template);
		break;
	case MAIL_NO_BASE_URL:
		snprintf(why, n, SEQ_WHY_NO_BASE_URL ": every message "
			 "to a contact carries a signed unsubscribe link");
		break;
	default:
		snprintf(why, n, "drip.yaml sets no \"from:\", so the notices this sends "
			 "to colleagues are not sent");
		break;
	}
}
