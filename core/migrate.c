/*
 * migrate.c - enrollments moved to a new version of their sequence,
 * streamed shard by shard (see migrate.h).
 */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "config.h"
#include "csvio.h"
#include "dur.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "sched.h"
#include "seq.h"
#include "tz.h"

/* One enrollment of the sequence: moved (1) or not (0). */
static int
move(struct enr *e, const struct seq *old, const struct seq *nq, long lastnew,
     const struct sched_rules *base, int64_t now)
{
	long k, j;

	if (old->kind != SEQ_KIND_STEP || nq->kind != SEQ_KIND_STEP)
		return 0;

	if (!enr_ended(e->status) && seq_step_index(nq, e->step) < 0) {
		long at = seq_step_index(old, e->step), target = 0;

		for (j = at - 1; j >= 0; j--)
			if ((k = seq_step_index(nq, old->steps[j].id)) >= 0) {
				target = k + 1;
				break;
			}
		if ((size_t)target >= nq->nsteps) {
			e->status = ENR_DONE;
			e->step = "";
		} else {
			e->step = nq->steps[target].id;
			if (e->status == ENR_WAITING)
				e->status = ENR_ACTIVE;
		}
		e->entered = e->base = now;
		e->task = "";
		e->hold = STATE_NONE;
		return 1;
	}
	if (e->status == ENR_DONE && lastnew >= 0 && (size_t)lastnew + 1 < nq->nsteps) {
		const struct step *st = &nq->steps[lastnew + 1];
		struct sched_rules r = *base;
		struct dur day = { 0, 1, 0 }, zero = { 0, 0, 0 };
		int64_t due;

		r.step_days = st->days;
		due = sched_due(&r, e->entered, &st->wait, st->at);
		e->status = ENR_ACTIVE;
		e->step = st->id;
		e->base = e->entered;	/* when the old last step fired */
		e->hold = STATE_NONE;
		if (due <= now)
			e->hold = st->at >= 0 ? sched_due(&r, now, &zero, st->at) :
				  sched_due(&r, now, &day, -1);
		return 1;
	}
	return 0;
}

/* Shard sh through move() into a temporary file; *dirty when a row moved. */
static int
one_shard(const char *root, unsigned sh, const char *id, const struct migrate_ctx *m,
	  const struct migrate_watch *w, struct migrate_result *res, struct drip_err *err)
{
	struct arena a = ARENA_INIT;
	struct csvio_reader *r = NULL;
	struct csvio_row row;
	struct sbuf line = SBUF_INIT;
	char rel[64], *full, *tmp = NULL;
	FILE *f = NULL;
	size_t n = 0;
	int rc = -1, k, dirty = 0;

	state_shard_path(sh, rel, sizeof rel);
	full = fsio_join(root, rel);
	if (!fsio_exists(full)) {
		free(full);
		return 0;
	}
	if (csvio_open(full, &r, err) < 0)
		goto named;
	if (csvio_ncols(r) != STATE_ENR_COLS || strcmp(csvio_colname(r, 0), "contact") != 0) {
		err_set(err, DRIP_EDATA, rel, 1, 0, "header must be %.*s",
			(int)strlen(STATE_ENR_HEADER) - 1, STATE_ENR_HEADER);
		goto out;
	}
	if (res && fsio_create_beside(full, &tmp, &f, err) < 0)
		goto out;
	if (f)
		fputs(STATE_ENR_HEADER, f);
	while ((k = csvio_next(r, &row, err)) == 1) {
		struct enr e;

		if (state_enr_parse(&a, row.f, row.n, rel, row.line, &e, err) < 0)
			goto out;
		if (strcmp(e.sequence, id) == 0) {
			struct enr before = e;
			int moved = migrate_enr(m, &e);

			if (moved) {
				dirty = 1;
				if (res)
					res->moved++;
			}
			if (w && w->seen)
				w->seen(w->ctx, &before, &e, moved);
		}
		if (f) {
			sbuf_reset(&line);
			state_enr_format(&line, &e);
			fwrite(line.buf, 1, line.len, f);
		}
		if (++n % 4096 == 0)
			arena_release(&a);
	}
	if (k < 0)
		goto named;
	rc = f ? fsio_finish(f, tmp, err) : 0;
	f = NULL;
	if (rc == 0 && dirty && res) {
		snprintf(res->files[res->nfiles].rel, sizeof res->files[0].rel, "%s", rel);
		res->files[res->nfiles++].tmp = tmp;
		tmp = NULL;
	}
	goto out;
named:
	snprintf(err->file, sizeof err->file, "%s", rel);
out:
	if (f)
		fclose(f);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (r)
		csvio_close(r);
	sbuf_release(&line);
	arena_release(&a);
	free(full);
	return rc;
}

int
migrate_begin(struct migrate_ctx *m, const struct seq *old, const struct seq *nq,
	      const struct config *cfg, int64_t now, struct drip_err *err)
{
	const char *last = old->nsteps ? old->steps[old->nsteps - 1].id : NULL;

	memset(m, 0, sizeof *m);
	m->old = old;
	m->nq = nq;
	m->now = now;
	m->lastnew = last ? seq_step_index(nq, last) : -1;
	if (nq->timezone && tz_load(nq->timezone, &m->z, err) < 0)
		return -1;
	m->rules.zone = m->z ? m->z : cfg->tz;
	m->rules.default_time = cfg->default_time;
	m->rules.window = nq->has_window ? nq->window : cfg->window;
	return 0;
}

int
migrate_enr(const struct migrate_ctx *m, struct enr *e)
{
	return move(e, m->old, m->nq, m->lastnew, &m->rules, m->now);
}

void
migrate_end(struct migrate_ctx *m)
{
	if (m->z)
		tz_free(m->z);
	m->z = NULL;
}

int
migrate_run(const char *root, const char *id, const struct seq *old, const struct seq *nq,
	    const struct config *cfg, int64_t now, const struct migrate_watch *w,
	    struct migrate_result *res, struct drip_err *err)
{
	struct migrate_ctx m;
	unsigned sh;
	int rc = 0;

	if (res)
		memset(res, 0, sizeof *res);
	if (old->kind != SEQ_KIND_STEP || nq->kind != SEQ_KIND_STEP)
		return 0;
	if (migrate_begin(&m, old, nq, cfg, now, err) < 0)
		return -1;
	for (sh = 0; sh < STATE_SHARDS && rc == 0; sh++)
		rc = one_shard(root, sh, id, &m, w, res, err);
	migrate_end(&m);
	if (rc < 0 && res)
		migrate_result_release(res);
	return rc;
}

void
migrate_result_release(struct migrate_result *res)
{
	fsio_pending_release(res->files, res->nfiles);
	res->nfiles = 0;
}
