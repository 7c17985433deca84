/*
 * report.h - `drip report` (SPEC §10): what the action log (§4.3), the
 * enrollment state (§4.2) and tasks.csv (§4.4) say about sequences,
 * contacts, tasks and usage, as report tables (rtab.h) that cmd/report.c
 * writes in the format asked for.
 *
 * Every report streams its files row by row: the log month by month, the
 * state shard by shard, so memory grows with the number of sequences,
 * steps and periods, not with the number of contacts - except `report seq`,
 * which keeps 10 bytes per contact of the sequence seen in the log (the
 * last step each reached, to place its removal and its engagement), and
 * `report upcoming`, which keeps at most REPORT_UPCOMING_MAX rows.
 *
 * Tables, cells and messages live in the arena a.  Errors: an unknown
 * sequence or contact is DRIP_ENOINPUT; files that do not parse are
 * DRIP_EDATA at their file and line.
 */
#ifndef DRIP_CORE_REPORT_H
#define DRIP_CORE_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct config;
struct drip_err;
struct rtab_doc;

enum report_period { REPORT_DAY, REPORT_WEEK, REPORT_MONTH };

/* "day", "week", "month" */
extern const char *const report_period_names[3];

struct report_opts {
	const char *root;		/* the workspace */
	const struct config *cfg;	/* drip.yaml: time zone, quota */
	int64_t now;			/* the report's moment */
};

/* Begin a report document: its kind, title, now and a subtitle naming the
 * workspace, the local time and the zone. */
void report_doc_begin(struct arena *a, const struct report_opts *o, struct rtab_doc *d,
		      const char *kind, const char *title);

/*
 * Every sequence (drafts and published): status, version, enrollments by
 * status, steps fired in the day and the week before now; and, per local
 * day of the last 14, steps fired and enrollments completed (charted).
 */
int report_overview(struct arena *a, const struct report_opts *o, struct rtab_doc *out,
		    struct drip_err *err);

/*
 * One sequence (the published version, else the draft): per step, reached
 * (fired + skipped + failed + pending now), fired, skipped, failed, pending
 * now (active or paused on it), waiting (on its blocking task), removed
 * (removals whose last step reached was this one); skip reasons; variants
 * side by side with what each drew; engagement events per step (the step
 * last fired to the contact before the event); runs per automation (step
 * automations from the log, sequence automations triggered by this
 * sequence from state/runs.csv); steps fired per local day of the last 14.
 */
int report_seq(struct arena *a, const struct report_opts *o, const char *id,
	       struct rtab_doc *out, struct drip_err *err);

/*
 * One contact: its enrollments now and its timeline across sequences from
 * the log; with history, also every commit that changed one of its fields
 * in contacts.csv (history.h).
 */
int report_contact(struct arena *a, const struct report_opts *o, const char *id,
		   int history, struct rtab_doc *out, struct drip_err *err);

/* tasks.csv: per assignee open, overdue, done and the next due; then every
 * overdue task, the oldest first. */
int report_tasks(struct arena *a, const struct report_opts *o, struct rtab_doc *out,
		 struct drip_err *err);

/*
 * Actions used per local day, ISO week or month: each fired step counts
 * one and each completed enrollment one more; against drip.yaml's quota:
 * when it is set for the same period.
 */
int report_usage(struct arena *a, const struct report_opts *o, enum report_period by,
		 struct rtab_doc *out, struct drip_err *err);

/* Rows `report upcoming` lists at most: the earliest ones. */
#define REPORT_UPCOMING_MAX 10000

/*
 * What the engine will do from the last processed slot up to the slot
 * containing until: the tick pass (run.h) run read-only, as `tick --dry-run
 * --catch-up --now UNTIL` would, nothing written.  Its log rows in the
 * order a tick writes them (by time, then pass order), the earliest
 * REPORT_UPCOMING_MAX of them (the title says how many there were);
 * per local day, steps fired and enrollments completed (all of them).
 * Memory grows with the rows kept and the days, not the contacts.
 */
int report_upcoming(struct arena *a, const struct report_opts *o, int64_t until,
		    struct rtab_doc *out, struct drip_err *err);

/* The same pass's "days" and "upcoming" sections added to out (begun by the
 * caller), counting and keeping only rows of sequence seq (NULL: all), over
 * the workspace at o->root as hooks (NULL: none; run.h) change it in
 * memory (see plan.h); *rows is how many rows there were (kept or not).
 * Returns 0 (RUN_RAN, *first its first slot) or 1 (RUN_NOTHING: until is
 * processed already), or -1. */
struct run_hooks;
int report_upcoming_tabs(struct arena *a, const struct report_opts *o, const char *seq,
			 const struct run_hooks *hooks, int64_t until, struct rtab_doc *out,
			 int64_t *first, size_t *rows, struct drip_err *err);

#endif
