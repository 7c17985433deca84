/*
 * seq.h - sequences (SPEC §3.1-§3.4) and their step automations (§3.6),
 * read from YAML into structs with every field checked.
 *
 * seq_parse reports every problem it finds to a diagnostics list and
 * returns what it could build, so lint can go on to the cross-checks
 * (lint.h).  Everything lives in the schema's arena.
 */
#ifndef DRIP_CORE_SEQ_H
#define DRIP_CORE_SEQ_H

#include <stddef.h>

#include "action.h"
#include "config.h"
#include "dur.h"

struct expr;
struct schema;
struct tmpl;
struct ydoc;
struct ynode;

enum step_type {
	STEP_EMAIL,
	STEP_SMS,
	STEP_TASK,
	STEP_CALL,
	STEP_MANUAL_EMAIL,
	STEP_FULFILLMENT,
	STEP_POSTCARD,
	STEP_RULE,
	STEP_DELAY,
	STEP_WAIT_UNTIL,
	STEP_BRANCH,
	STEP_GOTO,
	STEP_EXIT,
	STEP_TYPE_COUNT
};

extern const char *const step_type_names[STEP_TYPE_COUNT];

/* A condition as written and as parsed. */
struct cond {
	const char *src;		/* NULL when absent */
	struct expr *expr;		/* NULL when absent or unparsable */
	const struct ynode *node;
};

struct variant {
	int weight;
	const char *template;
	const char *text;		/* sms */
	const struct ynode *node;
	const struct ynode *template_node;
};

enum trigger {
	TRIG_ENTER,
	TRIG_COMPLETE,
	TRIG_PENDING
};

struct step_auto {
	const char *id;
	enum trigger on;
	struct dur after;
	int has_repeat;
	struct dur every;
	int times;
	struct action *actions;
	size_t nactions;
	const struct ynode *node;
};

struct step {
	const char *id;
	enum step_type type;
	const char *name;
	const struct ynode *node;	/* the step's mapping */
	/* timing (step sequences) */
	struct dur wait;
	int at;				/* minutes after midnight, -1 = none */
	unsigned days;			/* allowed weekdays, 0 = any */
	/* timing (date sequences) */
	int on_year, on_mon, on_day;	/* on: YYYY-MM-DD (year 0: none) */
	const char *on_field;		/* on: {field, offset} */
	struct dur on_offset;
	int annually;
	struct cond when;
	/* messages */
	const char *template;
	const struct ynode *template_node;
	const char *text;		/* sms text */
	struct variant *variants;
	size_t nvariants;
	/* tasks */
	const char *assignee, *subject;
	int block;
	struct dur due;
	/* fulfillment, postcard */
	const char *list;
	const char **fields;
	size_t nfields;
	/* rule */
	struct cond if_;
	struct action *then_actions, *else_actions;
	size_t nthen, nelse;
	/* branch, goto, wait_until */
	const char *then_step, *else_step, *to_step, *on_timeout;
	const struct ynode *then_node, *else_node, *to_node, *on_timeout_node;
	struct cond until;
	const char *event;
	struct dur timeout;
	int has_timeout;
	/* step automations */
	struct step_auto *autos;
	size_t nautos;
};

enum seq_kind { SEQ_KIND_STEP, SEQ_KIND_DATE };
enum reenroll { REENROLL_NEVER, REENROLL_AFTER_EXIT, REENROLL_ALWAYS };

/* remove_on bits */
enum {
	REMOVE_REPLY = 1 << 0,
	REMOVE_OPEN = 1 << 1,
	REMOVE_CLICK = 1 << 2,
	REMOVE_BOUNCE = 1 << 3,
	REMOVE_UNSUBSCRIBE = 1 << 4
};

/* A step id and where the step stands: seq_parse keeps these sorted by id
 * so that seq_step_index is a binary search, not a scan. */
struct seq_ref {
	const char *id;
	size_t index;
};

struct seq {
	const char *file;
	const char *id;
	const struct ynode *id_node;
	const char *name, *description;
	enum seq_kind kind;
	const char **owners, **watchers;
	size_t nowners, nwatchers;
	const char *coordinator;
	const char *timezone;		/* NULL: the workspace's */
	const struct ynode *timezone_node;
	int contact_timezone;
	int has_window;
	struct window window;
	enum reenroll reenroll;
	struct cond enroll_when;
	unsigned remove_on;
	struct action *on_remove;
	size_t non_remove;
	int notify_due_tasks, notify_ended;
	const char *notify_field;
	int per_contact_per_day;	/* 0: the workspace's */
	struct step *steps;
	size_t nsteps;
	struct seq_ref *by_id;		/* the first step of each id, sorted by
					 * id; NULL: seq_step_index scans */
	size_t nby_id;
};

/* Parse a loaded sequence document.  Never fails: problems go to s. */
struct seq *seq_parse(struct schema *s, const struct ydoc *doc);

/* The keys a step of type type may have in a sequence of kind kind, into
 * out (room for SEQ_STEP_KEYS_MAX); returns how many. */
#define SEQ_STEP_KEYS_MAX 32
size_t seq_step_keys(enum seq_kind kind, enum step_type type, const char **out);

/* The index of the first step with id id, or -1. */
long seq_step_index(const struct seq *q, const char *id);

/* The templates a step uses (its template and its variants'), and its
 * automations' notify templates, through a callback. */
void seq_templates(const struct seq *q,
		   void (*fn)(void *ctx, const char *path, const struct ynode *at),
		   void *ctx);

/*
 * Mail a sequence or automation sends, for the checks that drip.yaml can
 * send it (lint and publish report them; tick refuses to run without).
 */
enum mail_kind {
	MAIL_CONTACT,	/* a template to the contact: From: and links.base_url */
	MAIL_OTHER,	/* a template to another address (notify to:): From: */
	MAIL_NOTICE	/* a built-in notice (a task due, a summary): drip.yaml's from: */
};

struct mail_use {
	enum mail_kind kind;
	const char *template;		/* NULL for MAIL_NOTICE */
	int links;			/* carries still_interested links */
	const struct ynode *at;		/* where it is asked for */
};

/* Every mail a sequence sends: email steps and their variants, notify
 * actions anywhere, task notices (notify.due_tasks) and summaries. */
void seq_mail_uses(const struct seq *q, void (*fn)(void *ctx, const struct mail_use *u),
		   void *ctx);
/* The same for a list of actions (a sequence automation's). */
void action_mail_uses(const struct action *a, size_t n,
		      void (*fn)(void *ctx, const struct mail_use *u), void *ctx);

/*
 * Can drip.yaml send u?  from is drip.yaml's from: (or NULL), has_base_url
 * whether links.base_url is set, t the template u names, loaded (NULL when
 * it could not be: its From: is then not checked).  Returns 0 when it can,
 * else the MAIL_* bits of what is missing: MAIL_NO_FROM and
 * MAIL_NO_BASE_URL lose mail (errors), MAIL_NOTICE_LOST only a notice to a
 * colleague (a warning).  seq_mail_why says one of them in a sentence.
 */
enum { MAIL_NO_FROM = 1, MAIL_NO_BASE_URL = 2, MAIL_NOTICE_LOST = 4 };
unsigned seq_mail_check(const struct mail_use *u, const char *from, int has_base_url,
			const struct tmpl *t);
void seq_mail_why(unsigned bit, const struct mail_use *u, char *why, size_t n);
/* How the sentences of MAIL_NO_FROM and MAIL_NO_BASE_URL begin. */
#define SEQ_WHY_NO_FROM "email needs a From: address"
#define SEQ_WHY_NO_BASE_URL "email needs \"links.base_url\" in drip.yaml"

#endif
