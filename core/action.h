/*
 * action.h - the action vocabulary (SPEC §5) shared by rule steps, step
 * automations, sequence automations and a sequence's on_remove.
 *
 * Parsing checks every action's shape and reports problems to a schema; the
 * engine interprets the parsed struct.  Each action remembers its YAML node
 * so later checks (templates, fields) can point at it.
 */
#ifndef DRIP_CORE_ACTION_H
#define DRIP_CORE_ACTION_H

#include <stddef.h>

#include "dur.h"

struct schema;
struct ynode;

enum action_kind {
	ACT_NOTIFY,
	ACT_TAG,
	ACT_SITE,
	ACT_OPPORTUNITY,
	ACT_SET,
	ACT_NOTE,
	ACT_MARK_INACTIVE,
	ACT_REMOVE_FROM_SEQUENCE,
	ACT_ARCHIVE,
	ACT_ADD_TO_LIST,
	ACT_ENROLL,
	ACT_UNENROLL,
	ACT_UNSUBSCRIBE,
	ACT_COMPLETE_STEP,
	ACT_TASK,
	ACT_RUN,
	ACT_WAIT,		/* only between a sequence automation's actions */
	ACT_COUNT
};

/* The action names as written in YAML and in the log's action column. */
extern const char *const action_names[ACT_COUNT];

struct kv {
	const char *key;
	const char *value;
};

struct action {
	enum action_kind kind;
	const struct ynode *node;	/* the list item, for locations */
	/* notify */
	const char *template;		/* also task's template, if any */
	const struct ynode *template_node;
	const char *to;			/* address or column; NULL: the contact */
	int still_interested, coordinator, watchers;
	/* tag / site / opportunity */
	const char **add, **remove;
	size_t nadd, nremove;
	/* set */
	struct kv *set;
	size_t nset;
	/* note, add_to_list, enroll, unenroll, remove_from_sequence */
	const char *text;		/* note text, list name, or sequence id */
	/* task */
	const char *task_kind, *subject, *assignee;
	struct dur due;
	int has_due;
	/* run */
	const char **argv;		/* NULL-terminated */
	size_t argc;
	/* wait */
	struct dur wait;
};

/*
 * Parse a list of actions at node n (a YAML list).  allow_wait permits
 * `- wait: 3d` items (sequence automations only).  Problems are reported to
 * s; the returned array holds the actions that parsed.
 */
struct action *action_parse_list(struct schema *s, const struct ynode *n,
				 int allow_wait, size_t *count);

#endif
