/*
 * stepedit.h - a sequence file's steps edited in place: `drip step
 * add|set|mv|dup|rm` (SPEC §3.1, §3.5, §10).
 *
 * The text is edited with formats/yedit, so every comment and all
 * formatting outside the step (or the key of it) that changes stay exactly
 * as they were.  Each edit parses the result again and checks that it says
 * what was meant (the steps in the order expected, the key with the value
 * written); the caller then lints it (seqedit_lint_text) and writes it.
 * Nothing here writes a file or commits.
 *
 * Values given on the command line are typed by their key: durations
 * (wait, due, timeout), times (at, written "HH:MM"), booleans (block,
 * annually: true or false), lists (days, fields: "[a, b]" or "a,b"), step
 * ids (to, on_timeout, and then/else of a branch), actions in the compact
 * grammar of drip-automate(1) (then/else of a rule), dates or flow
 * mappings (on), and strings (everything else), which are written plain
 * when YAML would read them back as the same string and quoted otherwise.
 *
 * Errors: 0, or -1 with err filled: DRIP_ENOINPUT for a sequence or step
 * that does not exist (with a suggestion), DRIP_EUSAGE for a value or key
 * the command line got wrong (with a suggestion), DRIP_EDATA for a file or
 * layout that cannot be edited and for a step that others still go to
 * (naming the referrer, at its place).
 * Ownership: everything lives in the arena passed to stepedit_load.
 */
#ifndef DRIP_CORE_STEPEDIT_H
#define DRIP_CORE_STEPEDIT_H

#include <stddef.h>

#include "seq.h"
#include "ydoc.h"

struct arena;
struct drip_err;
struct sbuf;

struct stepedit {
	struct arena *a;
	const char *seq;		/* the sequence id */
	const char *rel;		/* sequences/SEQ.yaml, as messages name it */
	struct ydoc doc;
	const struct ynode *steps_key;	/* `steps:`, or NULL */
	const struct ynode *steps;	/* its list, or NULL */
	enum seq_kind kind;
	size_t off;			/* how the file indents a list under its key */
};

/* One KEY=VALUE, as given. */
struct stepedit_kv {
	const char *key, *value;
};

/* Read root/sequences/SEQ.yaml. */
int stepedit_load(struct stepedit *w, struct arena *a, const char *root, const char *seq,
		  struct drip_err *err);

/* How many steps; the id of step i (NULL when it has none). */
size_t stepedit_count(const struct stepedit *w);
const char *stepedit_id(const struct stepedit *w, size_t i);

/* The index of step id into *i, or DRIP_ENOINPUT with a suggestion. */
int stepedit_find(const struct stepedit *w, const char *id, size_t *i, struct drip_err *err);

/* The type step i says it is (email when it says nothing or nonsense). */
enum step_type stepedit_type(const struct stepedit *w, size_t i);

/*
 * value as the YAML text of key of a step of type type, into *text (one
 * line: a scalar or a flow collection).  A key such a step cannot have, or
 * a value of the wrong type, is DRIP_EUSAGE naming both.
 */
int stepedit_value(const struct stepedit *w, enum step_type type, const char *key,
		   const char *value, const char **text, struct drip_err *err);

/*
 * The file's text with a new step id of type type, with the keys kv (a key
 * may repeat only as then/else of a rule: one action each) and templates
 * (one: template:, more: variants of equal weight), into out.  It goes
 * just before (after = 0) or after (after = 1) step anchor, or at the end
 * when anchor is NULL.
 */
int stepedit_add(struct stepedit *w, const char *id, const char *type,
		 const struct stepedit_kv *kv, size_t n, const char *const *templates,
		 size_t ntemplates, const char *anchor, int after, struct sbuf *out,
		 struct drip_err *err);

/* The file's text with step id's keys set (an empty value removes the
 * key; id, automations and variants cannot be set), into out. */
int stepedit_set(struct stepedit *w, const char *id, const struct stepedit_kv *kv, size_t n,
		 struct sbuf *out, struct drip_err *err);

/*
 * The file's text with step id moved, whole with its automations and
 * comments, to just before or after step anchor, into out.  *same is set
 * (and out left empty) when it already stands there.
 */
int stepedit_mv(struct stepedit *w, const char *id, const char *anchor, int after,
		struct sbuf *out, int *same, struct drip_err *err);

/*
 * The file's text with a copy of step id just after it, into out: the copy
 * is called new_id and each of its automations AUTO is called
 * NEW_ID-AUTO (which must be a valid id); everything else, comments
 * included, is copied as written.
 */
int stepedit_dup(struct stepedit *w, const char *id, const char *new_id, struct sbuf *out,
		 struct drip_err *err);

/* The file's text without step id (and its automations), into out.  A
 * step that a goto's to:, a branch's then:/else: or a wait_until's
 * on_timeout: names is refused (DRIP_EDATA at the first such reference). */
int stepedit_rm(struct stepedit *w, const char *id, struct sbuf *out, struct drip_err *err);

/* The first step that goes to id (NULL when none), and the key naming it. */
const struct ynode *stepedit_referrer(const struct stepedit *w, const char *id,
				      const char **from, const char **key);

#endif
