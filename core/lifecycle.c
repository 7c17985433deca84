/*
 * lifecycle.c - pause, resume, stop and archive a published sequence (see
 * lifecycle.h).
 */
#include "lifecycle.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actlog.h"
#include "arena.h"
#include "csvio.h"
#include "dtime.h"
#include "engine.h"
#include "err.h"
#include "pub.h"
#include "sbuf.h"
#include "sched.h"

/* The sequence's row in state/sequences.csv, and what it says. */
struct srow {
	struct csvio_table t;
	long row;			/* -1: a draft */
	const char *status;
	int64_t paused_at, resumed_at;	/* STATE_NONE when empty */
	int64_t last;			/* the last slot tick processed, or STATE_NONE */
};

static const char *
field(const struct srow *s, const char *col)
{
	long k = csvio_table_col(&s->t, col);

	return s->row < 0 || k < 0 ? "" : s->t.rows[s->row][k];
}

static int
load(struct arena *a, const char *root, const char *id, struct srow *s, struct drip_err *err)
{
	char *full;
	int rc;

	if (pub_load_state(a, root, &s->t, err) < 0)
		return -1;
	s->row = pub_find(&s->t, id);
	if (s->row < 0) {
		char *rel = arena_printf(a, "sequences/%s.yaml", id);

		full = fsio_join(root, rel);
		rc = fsio_exists(full);
		free(full);
		return err_set(err, rc ? DRIP_EDATA : DRIP_ENOINPUT, NULL, 0, 0,
			       rc ? "sequence '%s' is not published; 'drip seq publish %s' starts it" :
			       "unknown sequence '%s'", id, id);
	}
	s->status = field(s, "status");
	if (state_parse_time(field(s, "paused_at"), &s->paused_at) < 0 ||
	    state_parse_time(field(s, "resumed_at"), &s->resumed_at) < 0)
		return err_set(err, DRIP_EDATA, PUB_STATE, (int)s->t.lines[s->row], 0,
			       "bad paused_at or resumed_at \"%s\" \"%s\"", field(s, "paused_at"),
			       field(s, "resumed_at"));
	rc = clock_read(root, NULL, &s->last, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		s->last = STATE_NONE;
	return 0;
}

/* Has the tick that thaws the last pause yet to run? */
static int
thaw_pending(const struct srow *s, int64_t len)
{
	struct seqdef sd;
	int64_t th;

	memset(&sd, 0, sizeof sd);
	sd.paused_at = s->paused_at;
	sd.resumed_at = s->resumed_at;
	th = engine_thaw_slot(&sd, len);
	return th != STATE_NONE && (s->last == STATE_NONE || s->last < th);
}

static void
set_field(struct arena *a, struct srow *s, const char *col, const char *val)
{
	size_t k = csvio_table_add_col(a, &s->t, col);

	csvio_table_set(a, &s->t, (size_t)s->row, k, val);
}

static const char *
utc(struct arena *a, int64_t t)
{
	char buf[32];

	dtime_format_utc(t, buf, sizeof buf);
	return arena_strdup(a, buf);
}

/* Is the change op allowed from status?  NULL, or why not. */
static const char *
refusal(struct arena *a, enum lifecycle_op op, const char *id, const char *status)
{
	static const char *const verb[] = { "pause", "resume", "stop --soft", "stop", "archive" };
	const char *why = NULL;

	switch (op) {
	case LIFE_PAUSE:
		if (strcmp(status, "active") != 0)
			why = strcmp(status, "paused") == 0 ? "it is paused already" :
			      arena_printf(a, "it is %s; only an active sequence pauses", status);
		break;
	case LIFE_RESUME:
		if (strcmp(status, "paused") != 0)
			why = arena_printf(a, "it is %s, not paused", status);
		break;
	case LIFE_STOP_SOFT:
		if (strcmp(status, "paused") == 0)
			why = "it is paused; resume it first, or stop it";
		else if (strcmp(status, "active") != 0)
			why = strcmp(status, "stopping") == 0 ? "it is stopping already" :
			      arena_printf(a, "it is %s", status);
		break;
	case LIFE_STOP:
		if (strcmp(status, "active") != 0 && strcmp(status, "paused") != 0 &&
		    strcmp(status, "stopping") != 0)
			why = strcmp(status, "stopped") == 0 ? "it is stopped already" :
			      arena_printf(a, "it is %s", status);
		break;
	case LIFE_ARCHIVE:
		if (strcmp(status, "stopped") != 0)
			why = strcmp(status, "archived") == 0 ? "it is archived already" :
			      arena_printf(a, "it is %s; 'drip seq stop %s' first", status, id);
		break;
	}
	return why ? arena_printf(a, "cannot %s '%s': %s", verb[op], id, why) : NULL;
}

/* ---- a hard stop: every shard, merged by contact ---- */

struct shard {
	struct csvio_reader *r;
	struct csvio_row row;
	int has, dirty;
	FILE *out;
	char *tmp;
	char rel[64];
};

static int
shard_next(struct shard *s, struct drip_err *err)
{
	int rc = csvio_next(s->r, &s->row, err);

	if (rc < 0) {
		snprintf(err->file, sizeof err->file, "%s", s->rel);
		return -1;
	}
	s->has = rc;
	return 0;
}

static int
shard_open(const char *root, unsigned i, struct shard *s, struct drip_err *err)
{
	char *full;
	int rc = 0;

	state_shard_path(i, s->rel, sizeof s->rel);
	full = fsio_join(root, s->rel);
	if (!fsio_exists(full)) {
		free(full);
		return 0;
	}
	if (csvio_open(full, &s->r, err) < 0) {
		snprintf(err->file, sizeof err->file, "%s", s->rel);
		rc = -1;
	} else if (csvio_ncols(s->r) != STATE_ENR_COLS ||
		   strcmp(csvio_colname(s->r, 0), "contact") != 0) {
		rc = err_set(err, DRIP_EDATA, s->rel, 1, 0, "header must be %.*s",
			     (int)strlen(STATE_ENR_HEADER) - 1, STATE_ENR_HEADER);
	} else if ((rc = fsio_create_beside(full, &s->tmp, &s->out, err)) == 0) {
		fputs(STATE_ENR_HEADER, s->out);
		rc = shard_next(s, err);
	}
	free(full);
	return rc;
}

/*
 * End every enrollment of id that has not ended: status stopped, as
 * `drip enroll --remove` ends one (at now, on no step), with a log row
 * each.  The shards are read side by side, the smallest contact first, so
 * the log rows come in contact order; each shard is copied to a temporary
 * file, kept when it changed.
 */
static int
stop_all(const char *root, const char *id, int64_t now, FILE *log,
	 struct lifecycle_result *res, struct drip_err *err)
{
	struct shard *sh = calloc(STATE_SHARDS, sizeof *sh);
	struct arena a = ARENA_INIT;
	struct sbuf line = SBUF_INIT;
	size_t n = 0;
	unsigned i;
	int rc = -1;

	if (sh == NULL)
		return err_set(err, DRIP_EFAIL, NULL, 0, 0, "out of memory");
	for (i = 0; i < STATE_SHARDS; i++)
		if (shard_open(root, i, &sh[i], err) < 0)
			goto out;
	for (;;) {
		struct shard *s = NULL;
		struct enr e;

		for (i = 0; i < STATE_SHARDS; i++)
			if (sh[i].has && (s == NULL || strcmp(sh[i].row.f[0], s->row.f[0]) < 0))
				s = &sh[i];
		if (s == NULL)
			break;
		if (state_enr_parse(&a, s->row.f, s->row.n, s->rel, s->row.line, &e, err) < 0)
			goto out;
		if (strcmp(e.sequence, id) == 0 && !enr_ended(e.status)) {
			struct log_row lr = { now, e.contact, id, e.step, "", "stopped", "ok", "",
					      "sequence stopped" };

			sbuf_reset(&line);
			actlog_format(&line, &lr);
			fwrite(line.buf, 1, line.len, log);
			e.status = ENR_STOPPED;
			e.step = "";
			e.task = "";
			e.paused = e.hold = STATE_NONE;
			e.entered = e.base = now;
			s->dirty = 1;
			res->stopped++;
		}
		sbuf_reset(&line);
		state_enr_format(&line, &e);
		fwrite(line.buf, 1, line.len, s->out);
		if (shard_next(s, err) < 0)
			goto out;
		if (++n % 4096 == 0)
			arena_release(&a);
	}
	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard *s = &sh[i];

		if (s->out == NULL)
			continue;
		rc = fsio_finish(s->out, s->tmp, err);
		s->out = NULL;
		if (rc < 0)
			goto out;
		rc = -1;
		if (s->dirty) {
			struct fsio_pending *f = &res->files[res->nfiles++];

			snprintf(f->rel, sizeof f->rel, "%s", s->rel);
			f->tmp = s->tmp;
			s->tmp = NULL;
		}
	}
	rc = 0;
out:
	for (i = 0; i < STATE_SHARDS; i++) {
		if (sh[i].r)
			csvio_close(sh[i].r);
		if (sh[i].out)
			fclose(sh[i].out);
		if (sh[i].tmp) {
			unlink(sh[i].tmp);
			free(sh[i].tmp);
		}
	}
	free(sh);
	sbuf_release(&line);
	arena_release(&a);
	return rc;
}

static int
write_pending(const char *root, const char *rel, const struct sbuf *data,
	      struct fsio_pending *f, struct drip_err *err)
{
	char *full = fsio_join(root, rel);
	FILE *fp;
	int rc = fsio_create_beside(full, &f->tmp, &fp, err);

	free(full);
	if (rc < 0)
		return -1;
	fwrite(data->buf ? data->buf : "", 1, data->len, fp);
	if (fsio_finish(fp, f->tmp, err) < 0) {
		free(f->tmp);
		f->tmp = NULL;
		return -1;
	}
	snprintf(f->rel, sizeof f->rel, "%s", rel);
	return 0;
}

int
lifecycle_run(const char *root, const char *id, enum lifecycle_op op, int64_t now,
	      int64_t slot_len, struct lifecycle_result *res, struct drip_err *err)
{
	static const char *const to[] = { "paused", "active", "stopping", "stopped", "archived" };
	struct arena a = ARENA_INIT;
	struct srow s;
	struct sbuf out = SBUF_INIT;
	struct log_row lr;
	char logrel[64], *logtmp = NULL;
	const char *why;
	FILE *log = NULL;
	int rc = -1;

	memset(res, 0, sizeof *res);
	if (load(&a, root, id, &s, err) < 0)
		goto out;
	if ((why = refusal(&a, op, id, s.status)) != NULL) {
		err_set(err, DRIP_EFAIL, NULL, 0, 0, "%s", why);
		goto out;
	}
	if (op == LIFE_PAUSE && thaw_pending(&s, slot_len)) {
		err_set(err, DRIP_ETEMP, NULL, 0, 0,
			"cannot pause '%s': it was resumed at %s and no tick has run since; "
			"run 'drip tick' first", id, field(&s, "resumed_at"));
		goto out;
	}
	res->from = s.status;
	res->to = to[op];
	res->at = s.last != STATE_NONE && s.last > now ? s.last : now;
	set_field(&a, &s, "status", res->to);
	if (op == LIFE_PAUSE) {
		set_field(&a, &s, "paused_at", utc(&a, res->at));
		set_field(&a, &s, "resumed_at", "");
	} else if (op == LIFE_RESUME) {
		/* Hand-paused with no time: frozen all along, nothing to
		 * move (the engine does the same). */
		set_field(&a, &s, "resumed_at", s.paused_at == STATE_NONE ? "" : utc(&a, res->at));
	}
	csvio_table_sort(&s.t, (size_t)csvio_table_col(&s.t, "id"));
	csvio_table_format(&s.t, &out);
	if (write_pending(root, PUB_STATE, &out, &res->files[0], err) < 0)
		goto out;
	res->nfiles = 1;
	actlog_path(now, logrel, sizeof logrel);
	if (actlog_begin(root, logrel, &logtmp, &log, err) < 0)
		goto out;
	memset(&lr, 0, sizeof lr);
	lr.time = now;
	lr.contact = lr.step = lr.automation = lr.ref = "";
	lr.sequence = id;
	lr.action = "set";
	lr.result = "ok";
	lr.detail = arena_printf(&a, "status=%s", res->to);
	sbuf_reset(&out);
	actlog_format(&out, &lr);
	fwrite(out.buf, 1, out.len, log);
	if (op == LIFE_STOP && stop_all(root, id, now, log, res, err) < 0)
		goto out;
	rc = fsio_finish(log, logtmp, err);
	log = NULL;
	if (rc < 0)
		goto out;
	snprintf(res->files[res->nfiles].rel, sizeof res->files[0].rel, "%s", logrel);
	res->files[res->nfiles++].tmp = logtmp;
	logtmp = NULL;
	rc = 0;
out:
	if (log)
		fclose(log);
	if (logtmp) {
		unlink(logtmp);
		free(logtmp);
	}
	if (rc < 0)
		lifecycle_result_release(res);
	else {
		/* The statuses outlive the arena: point at static names. */
		const char *from = res->from;
		size_t i;

		res->from = "";
		for (i = 0; pub_statuses[i]; i++)
			if (strcmp(pub_statuses[i], from) == 0)
				res->from = pub_statuses[i];
	}
	sbuf_release(&out);
	arena_release(&a);
	return rc;
}

void
lifecycle_result_release(struct lifecycle_result *res)
{
	fsio_pending_release(res->files, res->nfiles);
	res->nfiles = 0;
}

int
lifecycle_check_contact_pause(const char *root, const char *id, int64_t slot_len,
			      struct drip_err *err)
{
	struct arena a = ARENA_INIT;
	struct srow s;
	int rc = 0;

	if (load(&a, root, id, &s, err) < 0)
		rc = -1;
	else if (strcmp(s.status, "paused") == 0)
		rc = err_set(err, DRIP_EFAIL, NULL, 0, 0,
			     "sequence '%s' is paused: its contacts' clocks are frozen with it; "
			     "'drip seq resume %s' first", id, id);
	else if (thaw_pending(&s, slot_len))
		rc = err_set(err, DRIP_ETEMP, NULL, 0, 0,
			     "sequence '%s' was resumed at %s and no tick has run since; "
			     "run 'drip tick' first", id, field(&s, "resumed_at"));
	arena_release(&a);
	return rc;
}
