/*
 * autom.c - reading automations/ID.yaml (SPEC §3.6).
 */
#include "autom.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "err.h"
#include "schema.h"
#include "ws.h"
#include "ydoc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const top_keys[] = {
	"id", "title", "description", "review", "if", "and", "or", "actions",
	"stop_when", "stop_actions", "reenter",
};
static const char *const reenters[] = { "never", "after_finish" };
static const char *const answers[] = { "yes", "no" };

/* Named triggers and the keys each may carry besides "event". */
static const struct {
	const char *name;
	enum autom_trigger trigger;
	const char *keys[3];
} named[] = {
	{ "enrolled", AT_ENROLLED, { "sequence", NULL } },
	{ "step_entered", AT_STEP_ENTERED, { "sequence", "step", NULL } },
	{ "step_completed", AT_STEP_COMPLETED, { "sequence", "step", NULL } },
	{ "completed", AT_COMPLETED, { "sequence", NULL } },
	{ "removed", AT_REMOVED, { "sequence", NULL } },
	{ "tag_added", AT_TAG_ADDED, { "tag", NULL } },
	{ "tag_removed", AT_TAG_REMOVED, { "tag", NULL } },
	{ "field_changed", AT_FIELD_CHANGED, { "field", "to", NULL } },
	{ "contact_created", AT_CONTACT_CREATED, { NULL } },
	{ "response", AT_RESPONSE, { "answer", NULL } },
	{ "reply", AT_EXTERNAL, { "sequence", NULL } },
	{ "open", AT_EXTERNAL, { "sequence", NULL } },
	{ "click", AT_EXTERNAL, { "sequence", NULL } },
	{ "bounce", AT_EXTERNAL, { "sequence", NULL } },
	{ "unsubscribe", AT_EXTERNAL, { "sequence", NULL } },
};
static const char *const date_keys[] = { "date", "offset", "at", "annually" };

static void
parse_date_trigger(struct schema *s, struct autom *m, const struct ynode *t)
{
	m->trigger = AT_DATE;
	schema_keys(s, t, date_keys, N(date_keys));
	m->date_field = schema_str(s, t, "date", 1);
	m->field_node = ydoc_get(t, "date");
	schema_dur(s, t, "offset", 1, &m->offset);
	schema_hhmm(s, t, "at", &m->at);
	m->annually = schema_bool(s, t, "annually", 0);
}

static void
parse_trigger(struct schema *s, struct autom *m, const struct ynode *t)
{
	const char *allowed[4] = { "event" };
	const char *names[N(named)];
	size_t i, k = 1, j;
	int a;

	m->trigger_node = t;
	if (!schema_map(s, t, "\"if\" (the trigger)"))
		return;
	if (ydoc_get(t, "date") != NULL) {
		parse_date_trigger(s, m, t);
		return;
	}
	m->event = schema_str(s, t, "event", 1);
	if (m->event == NULL)
		return;
	for (i = 0; i < N(named); i++) {
		names[i] = named[i].name;
		if (strcmp(named[i].name, m->event) == 0)
			break;
	}
	if (i == N(named)) {
		/* A custom event name (SPEC §4.5); a near miss of a known one is
		 * almost certainly a typo, so say so. */
		const char *near = suggest(m->event, names, N(named));

		if (near != NULL || !ws_valid_id(m->event)) {
			char msg[512];

			snprintf(msg, sizeof msg, "unknown trigger event \"%s\"", m->event);
			suggest_append(msg, sizeof msg, m->event, names, N(named));
			schema_error(s, ydoc_get(t, "event"), "%s", msg);
			return;
		}
		m->trigger = AT_EXTERNAL;
		allowed[k++] = "sequence";
	} else {
		m->trigger = named[i].trigger;
		for (j = 0; named[i].keys[j]; j++)
			allowed[k++] = named[i].keys[j];
	}
	schema_keys(s, t, allowed, k);
	m->sequence = schema_str(s, t, "sequence", 0);
	m->sequence_node = ydoc_get(t, "sequence");
	m->step = schema_str(s, t, "step", 0);
	m->step_node = ydoc_get(t, "step");
	m->tag = schema_str(s, t, "tag", m->trigger == AT_TAG_ADDED || m->trigger == AT_TAG_REMOVED);
	m->field = schema_str(s, t, "field", m->trigger == AT_FIELD_CHANGED);
	m->field_node = ydoc_get(t, "field");
	m->to = schema_str(s, t, "to", 0);
	if (m->trigger == AT_RESPONSE && schema_enum(s, t, "answer", answers, 2, &a) > 0)
		m->answer = answers[a];
	if (m->sequence && !ws_valid_id(m->sequence))
		schema_error(s, m->sequence_node, "invalid sequence id \"%s\"", m->sequence);
	if (m->step && !m->sequence)
		schema_error(s, m->step_node, "\"step\" needs \"sequence\"");
}

struct autom *
autom_parse(struct schema *s, const struct ydoc *doc)
{
	struct autom *m = arena_alloc(s->a, sizeof *m);
	const struct ynode *root = doc->root, *v;
	int k;

	m->file = doc->file;
	m->at = -1;
	if (root == NULL) {
		schema_error(s, NULL, "the automation file is empty");
		return m;
	}
	if (!schema_map(s, root, "an automation file"))
		return m;
	schema_keys(s, root, top_keys, N(top_keys));
	if (schema_node(s, root, "id", 1) && schema_id(s, ydoc_get(root, "id"), "automation")) {
		m->id = ydoc_get(root, "id")->str;
		m->id_node = ydoc_get(root, "id");
	}
	m->title = schema_str(s, root, "title", 0);
	m->description = schema_str(s, root, "description", 0);
	m->review = schema_bool(s, root, "review", 0);
	if ((v = schema_node(s, root, "if", 1)) != NULL)
		parse_trigger(s, m, v);
	schema_expr(s, root, "and", &m->and_.expr, &m->and_.src, &m->and_.node);
	schema_expr(s, root, "or", &m->or_.expr, &m->or_.src, &m->or_.node);
	schema_expr(s, root, "stop_when", &m->stop_when.expr, &m->stop_when.src,
		    &m->stop_when.node);
	if ((v = schema_node(s, root, "actions", 1)) != NULL)
		m->actions = action_parse_list(s, v, 1, &m->nactions);
	if ((v = ydoc_get(root, "stop_actions")) != NULL) {
		m->stop_actions = action_parse_list(s, v, 0, &m->nstop_actions);
		if (!m->stop_when.src)
			schema_warn(s, v, "\"stop_actions\" without \"stop_when\" never run");
	}
	if (schema_enum(s, root, "reenter", reenters, N(reenters), &k) > 0)
		m->reenter = (enum autom_reenter)k;
	if (m->trigger == AT_DATE && m->annually && m->reenter == REENTER_NEVER)
		schema_warn(s, m->trigger_node, "\"annually\" with reenter: never runs once per "
			    "contact, not every year; say reenter: after_finish");
	return m;
}
