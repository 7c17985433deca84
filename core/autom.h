/*
 * autom.h - sequence automations: automations/ID.yaml (SPEC §3.6),
 * event-triggered workflows across sequences.
 */
#ifndef DRIP_CORE_AUTOM_H
#define DRIP_CORE_AUTOM_H

#include <stddef.h>

#include "action.h"
#include "dur.h"
#include "seq.h"

struct schema;
struct ydoc;
struct ynode;

enum autom_trigger {
	AT_ENROLLED,
	AT_STEP_ENTERED,
	AT_STEP_COMPLETED,
	AT_COMPLETED,
	AT_REMOVED,
	AT_TAG_ADDED,
	AT_TAG_REMOVED,
	AT_FIELD_CHANGED,
	AT_CONTACT_CREATED,
	AT_EXTERNAL,		/* reply, open, click, bounce, unsubscribe or a custom name */
	AT_RESPONSE,
	AT_DATE
};

enum autom_reenter { REENTER_NEVER, REENTER_AFTER_FINISH };

struct autom {
	const char *file;
	const char *id;
	const struct ynode *id_node;
	const char *title, *description;
	int review;
	enum autom_trigger trigger;
	const struct ynode *trigger_node;
	const char *event;		/* the event name as written */
	const char *sequence, *step, *tag, *field, *to, *answer;
	const struct ynode *sequence_node, *step_node, *field_node;
	const char *date_field;		/* AT_DATE */
	struct dur offset;
	int at;				/* minutes, -1 = default_time */
	int annually;
	struct cond and_, or_, stop_when;
	struct action *actions, *stop_actions;
	size_t nactions, nstop_actions;
	enum autom_reenter reenter;
};

/* Parse a loaded automation document; problems go to s. */
struct autom *autom_parse(struct schema *s, const struct ydoc *doc);

#endif
