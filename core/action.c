/*
 * action.c - parsing the action vocabulary (SPEC §5).
 *
 * An action is a list item that is either a bare name (`- archive`) for the
 * actions without arguments, or a mapping with exactly one key, the action's
 * name, whose value holds its arguments (`- tag: {add: [cold]}`).
 */
#include "action.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "err.h"
#include "schema.h"
#include "ws.h"
#include "ydoc.h"

const char *const action_names[ACT_COUNT] = {
	[ACT_NOTIFY] = "notify",
	[ACT_TAG] = "tag",
	[ACT_SITE] = "site",
	[ACT_OPPORTUNITY] = "opportunity",
	[ACT_SET] = "set",
	[ACT_NOTE] = "note",
	[ACT_MARK_INACTIVE] = "mark_inactive",
	[ACT_REMOVE_FROM_SEQUENCE] = "remove_from_sequence",
	[ACT_ARCHIVE] = "archive",
	[ACT_ADD_TO_LIST] = "add_to_list",
	[ACT_ENROLL] = "enroll",
	[ACT_UNENROLL] = "unenroll",
	[ACT_UNSUBSCRIBE] = "unsubscribe",
	[ACT_COMPLETE_STEP] = "complete_step",
	[ACT_TASK] = "task",
	[ACT_RUN] = "run",
	[ACT_WAIT] = "wait",
};

static const char *const notify_keys[] = {
	"template", "to", "still_interested", "coordinator", "watchers",
};
static const char *const list_keys[] = { "add", "remove" };
static const char *const task_keys[] = { "kind", "subject", "assignee", "due", "template" };
static const char *const task_kinds[] = { "task", "call", "manual_email" };
static const char *const run_keys[] = { "command" };
static const char *const remove_keys[] = { "sequence" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Actions that take no arguments may be written as a bare name. */
static int
bare_ok(enum action_kind k)
{
	return k == ACT_MARK_INACTIVE || k == ACT_ARCHIVE || k == ACT_UNSUBSCRIBE ||
	       k == ACT_COMPLETE_STEP || k == ACT_REMOVE_FROM_SEQUENCE;
}

static int
lookup(const char *name, int allow_wait)
{
	int i;

	for (i = 0; i < ACT_COUNT; i++)
		if (strcmp(name, action_names[i]) == 0)
			return (i == ACT_WAIT && !allow_wait) ? -1 : i;
	return -1;
}

static void
unknown(struct schema *s, const struct ynode *at, const char *name, int allow_wait)
{
	char msg[512];

	snprintf(msg, sizeof msg, "unknown action \"%s\"", name);
	suggest_append(msg, sizeof msg, name, action_names,
		       allow_wait ? ACT_COUNT : ACT_COUNT - 1);
	schema_error(s, at, "%s", msg);
}

/* A scalar argument such as `note: TEXT` or `enroll: SEQ`. */
static const char *
scalar_arg(struct schema *s, const struct ynode *v, const char *name)
{
	if (v->kind != YNODE_SCALAR || ydoc_is_null(v)) {
		schema_error(s, v, "\"%s\" needs a value", name);
		return NULL;
	}
	return v->str;
}

static void
parse_args(struct schema *s, struct action *a, const struct ynode *v)
{
	const char *name = action_names[a->kind];

	switch (a->kind) {
	case ACT_NOTIFY:
		if (!schema_map(s, v, "notify"))
			break;
		schema_keys(s, v, notify_keys, N(notify_keys));
		a->template = schema_str(s, v, "template", 1);
		a->template_node = ydoc_get(v, "template");
		a->to = schema_str(s, v, "to", 0);
		a->still_interested = schema_bool(s, v, "still_interested", 0);
		a->coordinator = schema_bool(s, v, "coordinator", 0);
		a->watchers = schema_bool(s, v, "watchers", 0);
		break;
	case ACT_TAG:
	case ACT_SITE:
	case ACT_OPPORTUNITY:
		if (!schema_map(s, v, name))
			break;
		schema_keys(s, v, list_keys, N(list_keys));
		a->add = schema_strlist(s, v, "add", &a->nadd, NULL);
		a->remove = schema_strlist(s, v, "remove", &a->nremove, NULL);
		if (a->nadd + a->nremove == 0)
			schema_error(s, v, "\"%s\" needs add or remove", name);
		break;
	case ACT_SET: {
		size_t i;

		if (!schema_map(s, v, "set"))
			break;
		if (v->n == 0)
			schema_error(s, v, "\"set\" needs at least one FIELD: VALUE");
		a->set = arena_alloc(s->a, (v->n + 1) * sizeof *a->set);
		for (i = 0; i < v->n; i++) {
			const struct ynode *k = v->pairs[i].key, *val = v->pairs[i].val;

			if (strcmp(k->str, "id") == 0) {
				schema_error(s, k, "\"set\" cannot change a contact's id");
				continue;
			}
			if (val->kind != YNODE_SCALAR) {
				schema_error(s, val, "\"set\": the value of \"%s\" must be a string",
					     k->str);
				continue;
			}
			a->set[a->nset].key = k->str;
			a->set[a->nset++].value = ydoc_is_null(val) ? "" : val->str;
		}
		break;
	}
	case ACT_NOTE:
	case ACT_ADD_TO_LIST:
	case ACT_ENROLL:
	case ACT_UNENROLL:
		a->text = scalar_arg(s, v, name);
		if (a->text && a->kind != ACT_NOTE && !ws_valid_id(a->text))
			schema_error(s, v, "\"%s\": invalid %s \"%s\"", name,
				     a->kind == ACT_ADD_TO_LIST ? "list name" : "sequence id",
				     a->text);
		break;
	case ACT_REMOVE_FROM_SEQUENCE:
		if (ydoc_is_null(v))
			break;
		if (v->kind == YNODE_SCALAR) {
			a->text = v->str;
		} else if (schema_map(s, v, name)) {
			schema_keys(s, v, remove_keys, N(remove_keys));
			a->text = schema_str(s, v, "sequence", 0);
		}
		if (a->text && !ws_valid_id(a->text))
			schema_error(s, v, "\"%s\": invalid sequence id \"%s\"", name, a->text);
		break;
	case ACT_MARK_INACTIVE:
	case ACT_ARCHIVE:
	case ACT_UNSUBSCRIBE:
	case ACT_COMPLETE_STEP:
		if (!ydoc_is_null(v) && ydoc_bool(v) != 1)
			schema_error(s, v, "\"%s\" takes no arguments", name);
		break;
	case ACT_TASK: {
		int k;

		if (!schema_map(s, v, "task"))
			break;
		schema_keys(s, v, task_keys, N(task_keys));
		a->task_kind = "task";
		if (schema_enum(s, v, "kind", task_kinds, N(task_kinds), &k) > 0)
			a->task_kind = task_kinds[k];
		a->subject = schema_str(s, v, "subject", 1);
		a->assignee = schema_str(s, v, "assignee", 0);
		a->template = schema_str(s, v, "template", 0);
		a->template_node = ydoc_get(v, "template");
		a->has_due = schema_dur(s, v, "due", 0, &a->due) > 0;
		break;
	}
	case ACT_RUN: {
		const struct ynode *c;
		const char **argv;
		size_t argc = 0;

		if (!schema_map(s, v, "run"))
			break;
		schema_keys(s, v, run_keys, N(run_keys));
		c = schema_node(s, v, "command", 1);
		if (c == NULL)
			break;
		argv = schema_strlist(s, v, "command", &argc, NULL);
		if (c->kind != YNODE_SEQ || argc == 0) {
			schema_error(s, c, "\"command\" must be a list: the program and its "
				     "arguments (it never goes through a shell)");
			break;
		}
		if (argv[0][0] != '/')
			schema_error(s, c, "\"command\": the program must be an absolute path, "
				     "not \"%s\"", argv[0]);
		a->argv = arena_alloc(s->a, (argc + 1) * sizeof *a->argv);
		memcpy(a->argv, argv, argc * sizeof *argv);
		a->argc = argc;
		break;
	}
	case ACT_WAIT: {
		const struct ynode *at = NULL;
		char why[256];

		if (dur_from_ynode(v, 0, &a->wait, &at, why, sizeof why) < 0)
			schema_error(s, at ? at : v, "\"wait\": %s", why);
		break;
	}
	case ACT_COUNT:
		break;
	}
}

struct action *
action_parse_list(struct schema *s, const struct ynode *n, int allow_wait,
		  size_t *count)
{
	struct action *v;
	size_t i;
	int k;

	*count = 0;
	if (n == NULL)
		return NULL;
	if (n->kind != YNODE_SEQ) {
		schema_error(s, n, "actions must be a list, not %s", ydoc_kind_name(n));
		return NULL;
	}
	v = arena_alloc(s->a, (n->n + 1) * sizeof *v);
	for (i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		struct action *a = &v[*count];

		if (it->kind == YNODE_SCALAR) {
			k = lookup(it->str, allow_wait);
			if (k < 0) {
				unknown(s, it, it->str, allow_wait);
				continue;
			}
			if (!bare_ok((enum action_kind)k)) {
				schema_error(s, it, "action \"%s\" needs arguments", it->str);
				continue;
			}
			a->kind = (enum action_kind)k;
			a->node = it;
			(*count)++;
			continue;
		}
		if (it->kind != YNODE_MAP || it->n != 1) {
			schema_error(s, it, "an action is a name, or a mapping with one key "
				     "(the action's name)");
			continue;
		}
		k = lookup(it->pairs[0].key->str, allow_wait);
		if (k < 0) {
			unknown(s, it->pairs[0].key, it->pairs[0].key->str, allow_wait);
			continue;
		}
		a->kind = (enum action_kind)k;
		a->node = it;
		parse_args(s, a, it->pairs[0].val);
		(*count)++;
	}
	if (n->n == 0)
		schema_error(s, n, "the list of actions is empty");
	return v;
}
