/*
 * autoshow.h - automations for people: the files read leniently, and what
 * `drip automate list|show|review` print about them in SPEC §3.6's plain
 * words ("3 days after entering the step", "notify the contact with
 * templates/x.eml, and tell the watchers").
 *
 * Reading is lenient: a file that is YAML but has other problems still
 * shows what parsed, as the file says (lint is where problems are told).
 * Ownership: everything returned lives in the arena passed in.
 */
#ifndef DRIP_CORE_AUTOSHOW_H
#define DRIP_CORE_AUTOSHOW_H

#include "autom.h"
#include "seq.h"

struct arena;
struct drip_err;

/* root/sequences/ID.yaml, parsed; NULL with e filled when the file is
 * missing (DRIP_ENOINPUT) or is not YAML (DRIP_EDATA). */
struct seq *autoshow_seq(struct arena *ar, const char *root, const char *id,
			 struct drip_err *e);

/* root/automations/ID.yaml, parsed, or NULL when it is gone or not YAML. */
const struct autom *autoshow_auto(struct arena *ar, const char *root, const char *id);

/* The automation id of step sid of the sequence q (called seq), or NULL
 * with e filled (DRIP_ENOINPUT, with a suggestion). */
const struct step_auto *autoshow_step_auto(struct arena *ar, const struct seq *q,
					   const char *seq, const char *sid, const char *id,
					   struct drip_err *e);

/* The table `automate list` prints: row 0 is the header (sequence, step,
 * id, on, schedule, actions), then one row per automation. */
#define AUTOSHOW_NCOLS 6
struct autoshow_table {
	const char **cells;		/* nrows * AUTOSHOW_NCOLS */
	size_t nrows;			/* with the header */
};
void autoshow_table_init(struct arena *ar, struct autoshow_table *t);
/* A row for each automation of each step of q, the sequence seq. */
void autoshow_table_seq(struct arena *ar, struct autoshow_table *t, const char *seq,
			const struct seq *q);
/* A row for the sequence automation m (nothing when m or its id is NULL). */
void autoshow_table_auto(struct arena *ar, struct autoshow_table *t, const struct autom *m);

/* The trigger's name as files write it: "enter", "complete", "pending". */
const char *autoshow_on(enum trigger on);

/* When a step automation fires. */
const char *autoshow_schedule(struct arena *ar, const struct step_auto *a);

/* What one action does. */
const char *autoshow_action(struct arena *ar, const struct action *a);

/* When a sequence automation starts, with its `and:` and `or:`. */
const char *autoshow_trigger(struct arena *ar, const struct autom *m);

#endif
