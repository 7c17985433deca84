/*
 * review.c - the review queue of sequence automations.
 */
#include "review.h"

#include <string.h>

#include "actlog.h"
#include "arena.h"
#include "autoshow.h"
#include "dtime.h"
#include "engine.h"
#include "err.h"
#include "sbuf.h"

const struct action *
review_action(struct arena *ar, const char *root, struct review_cache *rc,
	      const struct arun *r)
{
	const struct autom *m;
	size_t i;

	for (i = 0; i < rc->n && strcmp(rc->v[i].id, r->automation) != 0; i++)
		;
	if (i == rc->n) {
		struct review_cached *x = ARENA_PUSH(ar, rc->v, rc->n, rc->cap);

		x->id = r->automation;
		x->m = autoshow_auto(ar, root, r->automation);
	}
	m = rc->v[i].m;
	return m && (size_t)r->next < m->nactions ? &m->actions[r->next] : NULL;
}

const char **
review_table(struct arena *ar, const char *root, const struct arun *runs, size_t n,
	     size_t *nrows)
{
	static const char *const head[REVIEW_NCOLS] = { "id", "contact", "automation",
							"sequence", "queued", "action", "does" };
	struct review_cache rc = REVIEW_CACHE_INIT;
	const char **cells = arena_alloc(ar, (n + 1) * REVIEW_NCOLS * sizeof *cells);
	size_t i;

	memcpy(cells, head, sizeof head);
	*nrows = 1;
	for (i = 0; i < n; i++) {
		const char **row = cells + *nrows * REVIEW_NCOLS;
		const struct action *a;
		char id[11], t[32];

		if (runs[i].status != RUN_REVIEW)
			continue;
		a = review_action(ar, root, &rc, &runs[i]);
		state_run_review_id(&runs[i], id);
		dtime_format_utc(runs[i].due, t, sizeof t);
		row[0] = arena_strdup(ar, id);
		row[1] = runs[i].contact;
		row[2] = runs[i].automation;
		row[3] = runs[i].sequence;
		row[4] = arena_strdup(ar, t);
		row[5] = a ? action_names[a->kind] : "";
		row[6] = a ? autoshow_action(ar, a) : "(the automation no longer has this action)";
		(*nrows)++;
	}
	return cells;
}

unsigned char *
review_pick(struct arena *ar, const struct arun *runs, size_t n, char *const *ids,
	    size_t nids, struct drip_err *e)
{
	unsigned char *pick = arena_alloc(ar, n + 1);
	char id[11];
	size_t a, i;

	for (a = 0; a < nids; a++) {
		for (i = 0; i < n; i++) {
			if (runs[i].status != RUN_REVIEW)
				continue;
			state_run_review_id(&runs[i], id);
			if (strcmp(id, ids[a]) == 0)
				break;
		}
		if (i == n) {
			err_set(e, DRIP_ENOINPUT, NULL, 0, 0, "no action '%s' in the review queue",
				ids[a]);
			return NULL;
		}
		pick[i] = 1;
	}
	return pick;
}

size_t
review_decide(struct arena *ar, const char *root, int64_t now, struct arun *runs, size_t n,
	      const unsigned char *pick, enum arun_status to, const char *verb,
	      struct sbuf *rows)
{
	struct review_cache rc = REVIEW_CACHE_INIT;
	size_t i, count = 0;
	char id[11];

	for (i = 0; i < n; i++) {
		struct log_row lr = { now, runs[i].contact, runs[i].sequence, "",
				      runs[i].automation, verb, "ok", "", "" };
		const struct action *qa;

		if (runs[i].status != RUN_REVIEW || (pick && !pick[i]))
			continue;
		state_run_review_id(&runs[i], id);
		qa = review_action(ar, root, &rc, &runs[i]);
		lr.ref = arena_strdup(ar, id);
		lr.detail = qa ? action_names[qa->kind] : "";
		actlog_format(rows, &lr);
		runs[i].status = to;
		runs[i].due = now;
		count++;
	}
	return count;
}
