/*
 * engine_int.h - what engine.c shares with flow.c (the sequence
 * automations), and nothing else includes: the per-contact run context
 * and the helpers both use.  Not part of the engine's interface.
 */
#ifndef DRIP_CORE_ENGINE_INT_H
#define DRIP_CORE_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "autom.h"
#include "engine.h"
#include "seq.h"

#define NEVER INT64_MAX
/* Nesting of actions that move enrollments or start automations (a
 * complete_step on entering a step, a tag that triggers an automation that
 * tags...) is bounded, so a definition that would recurse forever is a
 * reported error, not a crash. */
#define DEPTH_LIMIT 64

/* Something that happened to the contact that a sequence automation may
 * be triggered by (SPEC §3.6), waiting to be matched. */
struct trig {
	enum autom_trigger kind;
	const char *sequence;	/* "" when none */
	const char *step;	/* step_entered, step_completed */
	const char *name;	/* the tag, the field, the event's name */
	const char *value;	/* field_changed's new value, a response's answer */
	int between;		/* a change to contacts.csv between ticks */
};

/* One contact's advance. */
struct run {
	const struct defs *d;
	struct contact *c;
	struct effects *fx;
	int64_t first;		/* the first unprocessed slot; INT64_MIN before the first tick */
	int64_t to;
	int64_t len;		/* slot length */
	struct drip_err *err;
	struct enr **enrs;	/* all of this contact's enrollments (the cap counts across them) */
	size_t *n;
	/* Automations fired in this run: (enrollment, step, automation, slot),
	 * so one reached two ways in a slot fires once. */
	struct fired { size_t e; const char *step, *id; int64_t s; } *fired;
	size_t nfired, capfired;
	int64_t slot;		/* the slot being processed */
	/* Sequence automations: the runs, this tick's first slot (changes
	 * since the last tick happen there), and triggers not yet matched. */
	struct flows *fl;
	int64_t r0;
	struct trig *trigs;
	size_t ntrigs, captrigs, headtrig;
	int depth;
};

#define ENR(r, i) (&(*(r)->enrs)[i])

/* Append a log row; the strings must live as long as fx. */
void engine_log(struct effects *fx, int64_t t, const char *contact, const char *seq,
		const char *step, const char *action, const char *result, const char *ref,
		const char *detail);
/* The same, for an action of automation auto_id (NULL or "" for none). */
void engine_act(struct run *r, int64_t s, const char *seq, const char *step,
		const char *auto_id, const char *action, const char *result, const char *ref,
		const char *detail);
/* The first slot at or after t, but not before the first unprocessed one;
 * NEVER stays NEVER. */
int64_t engine_slot(const struct run *r, int64_t t);
/* Does condition k hold for the contact at slot s (sd's zone, or the
 * workspace's when sd is NULL)?  1, 0, or -1 with *why. */
int engine_cond(struct run *r, const struct seqdef *sd, const struct cond *k, int64_t s,
		const char **why);
/* Is the contact inactive or archived (SPEC §5: nothing fires for it)?
 * Looked at again after every action that may change it, so a status
 * change takes effect within the slot. */
int engine_halted(const struct run *r);
/* The index of the contact's enrollment in seq, or -1. */
long engine_enr(const struct run *r, const char *seq);
/*
 * Run actions acts[0..n) of a rule step, a step automation (auto_id), a
 * sequence's on_remove, or sequence automation ad, for the contact's
 * enrollment in seq ("" for none) on step st (or NULL), in slot s; idx0
 * numbers the first action (it keeps two messages of one automation in one
 * slot apart).  Returns 0, or -1 on a runaway recursion.
 */
int engine_actions(struct run *r, const char *seq, const struct step *st, const char *auto_id,
		   const struct autodef *ad, const struct action *acts, size_t n, size_t idx0,
		   int64_t s, int depth);

/* ---- flow.c: sequence automations ---- */

/* Note that t happened (in the slot being processed); flow_drain matches it. */
void flow_emit(struct run *r, enum autom_trigger kind, const char *seq, const char *step,
	       const char *name, const char *value);
/* Column col of the contact changed from old to new: field_changed, and
 * for tags, tag_added and tag_removed. */
void flow_changed(struct run *r, const char *col, const char *old, const char *new_);
/* Match the triggers noted so far, starting the automations they trigger
 * and running their immediate actions; those may note more.  0 or -1. */
int flow_drain(struct run *r, int64_t s);
/* At the start of slot s: changes since the last tick (in the first
 * slot), enrollments made between ticks, date triggers due in s. */
int flow_slot_start(struct run *r, int64_t s);
/* Runs with an action due in s, and approved or rejected actions. */
int flow_due(struct run *r, int64_t s);
/* The `or:` conditions, looked at after slot s. */
int flow_conds(struct run *r, int64_t s);
/* The earliest slot at or after from with automation work, or NEVER. */
int64_t flow_next(const struct run *r, int64_t from);
/* Sort the runs by automation id. */
void flow_finish(struct run *r);

#endif
