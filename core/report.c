/*
 * report.c - the numbers behind `drip report` (report.h).
 *
 * Each report is one pass over the files it needs, row by row, adding to
 * counters sized by what the definitions hold (sequences, steps,
 * automations, periods); the tables are built from the counters at the
 * end.  Definitions of "fired" and "completed" follow SPEC §4.3: a step
 * fired is a log row of that step, with no automation, whose action is
 * the step's type and whose result is ok; an enrollment completed is a
 * `done` row of a sequence with no automation.
 */
#include "report.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog.h"
#include "arena.h"
#include "config.h"
#include "csvio.h"
#include "diag.h"
#include "dtime.h"
#include "engine.h"
#include "err.h"
#include "fsio.h"
#include "history.h"
#include "pub.h"
#include "run.h"
#include "rtab.h"
#include "schema.h"
#include "seq.h"
#include "state.h"
#include "tz.h"
#include "ws.h"
#include "ydoc.h"

const char *const report_period_names[3] = { "day", "week", "month" };

/* Days shown in the per-day sections and charts. */
#define REPORT_DAYS 14

/* ---- reading the log ---- */

enum { L_TIME, L_CONTACT, L_SEQUENCE, L_STEP, L_AUTOMATION, L_ACTION, L_RESULT, L_REF,
       L_DETAIL, L_COUNT };

static const char *const log_cols[L_COUNT] = {
	"time", "contact", "sequence", "step", "automation", "action", "result", "ref", "detail",
};

/* One row of the action log, valid during the callback. */
struct lrow {
	int64_t t;
	const char *f[L_COUNT];
};

typedef int (*lrow_fn)(void *ctx, const struct lrow *r, struct drip_err *err);

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The log files, oldest month first: names YYYY-MM.csv only. */
static char **
log_files(const char *root, size_t *n)
{
	char *dir = fsio_join(root, "log");
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	free(dir);
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		const char *s = e->d_name;

		if (strlen(s) != 11 || strcmp(s + 7, ".csv") != 0 || s[4] != '-' ||
		    strspn(s, "0123456789") != 4 || strspn(s + 5, "0123456789") != 2)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[(*n)++] = xstrdup(s);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

/*
 * Call fn for every row of the log from the month of since on (STATE_NONE:
 * every month).  The whole month is read; fn filters by time.
 */
static int
log_scan(const char *root, int64_t since, lrow_fn fn, void *ctx, struct drip_err *err)
{
	char first[64] = "";
	char **files;
	size_t n, i, k;
	int rc = 0;

	if (since != STATE_NONE) {
		char buf[64];

		actlog_path(since, buf, sizeof buf);	/* "log/YYYY-MM.csv" */
		snprintf(first, sizeof first, "%s", buf + 4);
	}
	files = log_files(root, &n);
	for (i = 0; i < n && rc == 0; i++) {
		struct csvio_reader *r = NULL;
		struct csvio_row row;
		const char *rel;
		char *path;
		long col[L_COUNT];
		int got;

		if (*first && strcmp(files[i], first) < 0)
			continue;
		path = fsio_join(root, "log");
		rel = files[i];
		{
			char *full = fsio_join(path, rel);

			free(path);
			path = full;
		}
		if (csvio_open(path, &r, err) < 0) {
			free(path);
			rc = -1;
			break;
		}
		for (k = 0; k < L_COUNT; k++)
			if ((col[k] = csvio_col(r, log_cols[k])) < 0) {
				rc = err_set(err, DRIP_EDATA, path, 1, 0,
					     "missing required column \"%s\"", log_cols[k]);
				break;
			}
		while (rc == 0 && (got = csvio_next(r, &row, err)) != 0) {
			struct lrow lr;

			if (got < 0) {
				rc = -1;
				break;
			}
			for (k = 0; k < L_COUNT; k++)
				lr.f[k] = row.f[col[k]];
			if (state_parse_time(lr.f[L_TIME], &lr.t) < 0 || lr.t == STATE_NONE) {
				rc = err_set(err, DRIP_EDATA, path, (int)row.line, 0,
					     "bad time \"%s\"", lr.f[L_TIME]);
				break;
			}
			rc = fn(ctx, &lr, err);
		}
		csvio_close(r);
		free(path);
	}
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return rc;
}

static int
is_step_type(const char *action)
{
	size_t k;

	for (k = 0; k < STEP_TYPE_COUNT; k++)
		if (strcmp(action, step_type_names[k]) == 0)
			return 1;
	return 0;
}

/* `drip task done` logs a row of the task's step with action "task" and
 * detail "done": the step fired when the task was made, not now. */
static int
is_task_done(const struct lrow *r)
{
	return strcmp(r->f[L_ACTION], "task") == 0 && strcmp(r->f[L_DETAIL], "done") == 0;
}

/* A step that fired: SPEC §4.3's row of a step, its type as action. */
static int
is_fired(const struct lrow *r)
{
	return *r->f[L_STEP] && !*r->f[L_AUTOMATION] && strcmp(r->f[L_RESULT], "ok") == 0 &&
	       is_step_type(r->f[L_ACTION]) && !is_task_done(r);
}

/* An enrollment that completed its sequence. */
static int
is_completed(const struct lrow *r)
{
	return *r->f[L_SEQUENCE] && !*r->f[L_AUTOMATION] && strcmp(r->f[L_ACTION], "done") == 0 &&
	       strcmp(r->f[L_RESULT], "ok") == 0;
}

/* ---- reading the enrollments ---- */

enum { E_CONTACT, E_SEQUENCE, E_STATUS, E_STEP, E_ENROLLED, E_ENTERED, E_COUNT };

static const char *const enr_cols[E_COUNT] = {
	"contact", "sequence", "status", "step", "enrolled", "entered",
};

typedef int (*erow_fn)(void *ctx, const char *const *f, struct drip_err *err);

/* Call fn for every enrollment row (fields in enr_cols order) of the
 * shards in [lo, hi). */
static int
enr_scan(const char *root, unsigned lo, unsigned hi, erow_fn fn, void *ctx,
	 struct drip_err *err)
{
	unsigned s;
	int rc = 0;

	for (s = lo; s < hi && rc == 0; s++) {
		struct csvio_reader *r = NULL;
		struct csvio_row row;
		char rel[64], *path;
		long col[E_COUNT];
		const char *f[E_COUNT];
		size_t k;
		int got;

		state_shard_path(s, rel, sizeof rel);
		path = fsio_join(root, rel);
		if (!fsio_exists(path)) {
			free(path);
			continue;
		}
		if (csvio_open(path, &r, err) < 0) {
			free(path);
			return -1;
		}
		for (k = 0; k < E_COUNT; k++)
			if ((col[k] = csvio_col(r, enr_cols[k])) < 0)
				rc = err_set(err, DRIP_EDATA, rel, 1, 0,
					     "missing required column \"%s\"", enr_cols[k]);
		while (rc == 0 && (got = csvio_next(r, &row, err)) != 0) {
			if (got < 0) {
				rc = -1;
				break;
			}
			for (k = 0; k < E_COUNT; k++)
				f[k] = row.f[col[k]];
			rc = fn(ctx, f, err);
		}
		csvio_close(r);
		free(path);
	}
	return rc;
}

static int
status_index(const char *s)
{
	int k;

	for (k = 0; k < ENR_STATUS_COUNT; k++)
		if (strcmp(s, enr_status_names[k]) == 0)
			return k;
	return -1;
}

/* ---- small helpers ---- */

static const char *
num(struct arena *a, int64_t v)
{
	return arena_printf(a, "%" PRId64, v);
}

/* Days since the epoch of t's local date in the workspace zone. */
static int64_t
local_day(const struct report_opts *o, int64_t t)
{
	struct lt lt;

	tz_to_local(o->cfg->tz, t, &lt);
	return cal_days_from_civil(lt.year, lt.mon, lt.day);
}

static const char *
day_label(struct arena *a, int64_t days)
{
	int y, m, d;

	cal_civil_from_days(days, &y, &m, &d);
	return arena_printf(a, "%04d-%02d-%02d", y, m, d);
}

void
report_doc_begin(struct arena *a, const struct report_opts *o, struct rtab_doc *d,
		 const char *kind, const char *title)
{
	char utc[32], local[64];

	memset(d, 0, sizeof *d);
	dtime_format_utc(o->now, utc, sizeof utc);
	dtime_format_local(o->cfg->tz, o->now, 1, local, sizeof local);
	d->kind = kind;
	d->title = title;
	d->now = arena_strdup(a, utc);
	if (o->cfg->name)
		d->subtitle = arena_printf(a, "%s, at %s (%s)", o->cfg->name, local,
					   o->cfg->timezone);
	else
		d->subtitle = arena_printf(a, "at %s (%s)", local, o->cfg->timezone);
}

static struct rtab *
add_tab(struct arena *a, struct rtab_doc *d, const char *name, const char *title,
	const char *const *cols, size_t first_numeric)
{
	struct rtab *t = rtab_add(a, d, name, title, cols);
	size_t k;

	for (k = first_numeric; k < t->ncols; k++)
		rtab_numeric(t, k);
	return t;
}

/* ---- the sequences of a workspace ---- */

struct seqrow {
	const char *id;
	const char *status;
	const char *version;
	int64_t enr[ENR_STATUS_COUNT];
	int64_t day, week;
};

struct ov {
	const struct report_opts *o;
	struct seqrow *v;
	size_t n, cap;
	int64_t today;			/* local days of now */
	int64_t fired[REPORT_DAYS], completed[REPORT_DAYS];
};

static struct seqrow *
ov_find(struct ov *ov, const char *id)
{
	size_t lo = 0, hi = ov->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, ov->v[mid].id);

		if (c == 0)
			return &ov->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static struct seqrow *
ov_add(struct arena *a, struct ov *ov, const char *id)
{
	struct seqrow *s = ov_find(ov, id);
	size_t i;

	if (s)
		return s;
	if (ov->n == ov->cap) {
		size_t nc = ov->cap ? ov->cap * 2 : 16;

		ov->v = arena_grow(a, ov->v, ov->n, nc, sizeof *ov->v);
		ov->cap = nc;
	}
	for (i = ov->n; i > 0 && strcmp(ov->v[i - 1].id, id) > 0; i--)
		ov->v[i] = ov->v[i - 1];
	memset(&ov->v[i], 0, sizeof ov->v[i]);
	ov->v[i].id = arena_strdup(a, id);
	ov->v[i].status = "draft";
	ov->v[i].version = "";
	ov->n++;
	return &ov->v[i];
}

/* Sequence ids of sequences/ and of state/sequences.csv, with status. */
static int
ov_sequences(struct arena *a, struct ov *ov, struct drip_err *err)
{
	char *dir = fsio_join(ov->o->root, "sequences");
	DIR *d = opendir(dir);
	struct dirent *e;
	struct csvio_table st;
	size_t i;

	free(dir);
	while (d && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char *id;

		if (len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		id = arena_strndup(a, e->d_name, len - 5);
		if (ws_valid_id(id))
			ov_add(a, ov, id);
	}
	if (d)
		closedir(d);
	if (pub_load_state(a, ov->o->root, &st, err) < 0)
		return -1;
	for (i = 0; i < st.nrows; i++) {
		long ci = csvio_table_col(&st, "id"), cs = csvio_table_col(&st, "status"),
		     cv = csvio_table_col(&st, "version");
		struct seqrow *s;

		if (ci < 0)
			break;
		s = ov_add(a, ov, st.rows[i][ci]);
		if (cs >= 0)
			s->status = st.rows[i][cs];
		if (cv >= 0)
			s->version = st.rows[i][cv];
	}
	return 0;
}

static int
ov_enr(void *ctx, const char *const *f, struct drip_err *err)
{
	struct ov *ov = ctx;
	struct seqrow *s = ov_find(ov, f[E_SEQUENCE]);
	int k = status_index(f[E_STATUS]);

	(void)err;
	if (s && k >= 0)
		s->enr[k]++;
	return 0;
}

static int
ov_log(void *ctx, const struct lrow *r, struct drip_err *err)
{
	struct ov *ov = ctx;
	int64_t now = ov->o->now, day;
	int fired = is_fired(r), done = !fired && is_completed(r);

	(void)err;
	if ((!fired && !done) || r->t > now)
		return 0;
	if (fired && r->t > now - 7 * 86400) {
		struct seqrow *s = ov_find(ov, r->f[L_SEQUENCE]);

		if (s) {
			s->week++;
			if (r->t > now - 86400)
				s->day++;
		}
	}
	day = local_day(ov->o, r->t);
	if (day > ov->today - REPORT_DAYS && day <= ov->today) {
		if (fired)
			ov->fired[REPORT_DAYS - 1 - (ov->today - day)]++;
		else
			ov->completed[REPORT_DAYS - 1 - (ov->today - day)]++;
	}
	return 0;
}

/* The per-day section of the last REPORT_DAYS local days. */
static void
days_tab(struct arena *a, struct rtab_doc *d, int64_t today, const int64_t *fired,
	 const int64_t *completed)
{
	static const char *const cols[] = { "day", "fired", "completed", "actions", NULL };
	static const char *const cols1[] = { "day", "fired", NULL };
	struct rtab *t = add_tab(a, d, "days", "Actions per day", completed ? cols : cols1, 1);
	size_t i;

	t->chart = RTAB_CHART_COLUMNS;
	t->label_col = 0;
	t->value_col = completed ? 3 : 1;
	if (!completed)
		t->title = "Steps fired per day";
	for (i = 0; i < REPORT_DAYS; i++) {
		const char **row = rtab_row(a, t);

		row[0] = day_label(a, today - (REPORT_DAYS - 1) + (int64_t)i);
		row[1] = num(a, fired[i]);
		if (completed) {
			row[2] = num(a, completed[i]);
			row[3] = num(a, fired[i] + completed[i]);
		}
	}
}

int
report_overview(struct arena *a, const struct report_opts *o, struct rtab_doc *out,
		struct drip_err *err)
{
	static const char *const cols[] = {
		"sequence", "status", "version", "enrolled", "active", "paused", "waiting",
		"done", "exited", "removed", "stopped", "fired_day", "fired_week", NULL
	};
	struct ov ov;
	struct rtab *t;
	int64_t since;
	size_t i;
	int k;

	memset(&ov, 0, sizeof ov);
	ov.o = o;
	ov.today = local_day(o, o->now);
	if (ov_sequences(a, &ov, err) < 0 ||
	    enr_scan(o->root, 0, STATE_SHARDS, ov_enr, &ov, err) < 0)
		return -1;
	since = o->now - (REPORT_DAYS + 1) * 86400;
	if (log_scan(o->root, since, ov_log, &ov, err) < 0)
		return -1;
	report_doc_begin(a, o, out, "overview", "Sequences");
	t = add_tab(a, out, "sequences", "Sequences", cols, 3);
	rtab_numeric(t, 2);
	for (i = 0; i < ov.n; i++) {
		const char **row = rtab_row(a, t);
		int64_t all = 0;

		for (k = 0; k < ENR_STATUS_COUNT; k++)
			all += ov.v[i].enr[k];
		row[0] = ov.v[i].id;
		row[1] = ov.v[i].status;
		row[2] = ov.v[i].version;
		row[3] = num(a, all);
		for (k = 0; k < ENR_STATUS_COUNT; k++)
			row[4 + k] = num(a, ov.v[i].enr[k]);
		row[11] = num(a, ov.v[i].day);
		row[12] = num(a, ov.v[i].week);
	}
	days_tab(a, out, ov.today, ov.fired, ov.completed);
	return 0;
}

/* ---- one sequence ---- */

/* Engagement events counted per step: the names as in the log. */
enum { EV_OPEN, EV_CLICK, EV_REPLY, EV_BOUNCE, EV_UNSUB, EV_YES, EV_NO, EV_COUNT };

static const char *const ev_names[EV_COUNT] = {
	"open", "click", "reply", "bounce", "unsubscribe", "yes", "no",
};

struct stepstat {
	int64_t fired, skipped, failed, pending, waiting, removed;
	int64_t ev[EV_COUNT];
	int64_t *vfired;		/* per variant */
	int64_t (*vev)[EV_COUNT];	/* per variant */
};

struct reason {
	size_t step;
	const char *why;
	int64_t n;
};

struct autostat {
	const char *id;
	const char *step;		/* "" for a sequence automation */
	int64_t runs, ok, skipped, failed, active;
	int from_runs;			/* counted from state/runs.csv */
	uint64_t last;			/* hash of the last run's contact and time */
};

/*
 * The step each contact of the sequence last reached, by a 64-bit hash of
 * its id (open addressing, linear probing, at most half full): 10 bytes a
 * contact, the only memory of `report seq` that grows with contacts.
 */
struct cmap {
	uint64_t *keys;			/* 0: empty */
	uint16_t *vals;			/* step index + 1 */
	size_t n, cap;
};

static uint64_t
hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	return h ? h : 1;
}

static void cmap_put(struct cmap *m, uint64_t k, uint16_t v);

static void
cmap_grow(struct cmap *m)
{
	struct cmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->keys = xcalloc(m->cap, sizeof *m->keys);
	m->vals = xcalloc(m->cap, sizeof *m->vals);
	m->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.keys[i])
			cmap_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

static void
cmap_put(struct cmap *m, uint64_t k, uint16_t v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		cmap_grow(m);
	for (i = (size_t)(k & (m->cap - 1)); m->keys[i] && m->keys[i] != k;
	     i = (i + 1) & (m->cap - 1))
		;
	if (!m->keys[i])
		m->n++;
	m->keys[i] = k;
	m->vals[i] = v;
}

/* The step index + 1, or 0. */
static uint16_t
cmap_get(const struct cmap *m, uint64_t k)
{
	size_t i;

	if (m->cap == 0)
		return 0;
	for (i = (size_t)(k & (m->cap - 1)); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k)
			return m->vals[i];
	return 0;
}

struct sq {
	struct arena *a;
	const struct report_opts *o;
	const struct seq *q;
	const char *id;
	struct stepstat *st;
	struct reason *why;
	size_t nwhy, capwhy;
	struct autostat *au;
	size_t nau, capau;
	struct cmap map;
	int64_t today, days[REPORT_DAYS];
	/* A response event waiting to learn whether it ended the
	 * enrollment ("answered no" right after it) or not (yes). */
	int resp;
	uint64_t resp_key;
	int64_t resp_t;
	size_t resp_step;
	long resp_var;
};

static long
variant_of(const struct sq *s, size_t k, const char *contact)
{
	const struct step *st = &s->q->steps[k];
	int w[64];
	size_t i;

	if (st->nvariants == 0)
		return -1;
	for (i = 0; i < st->nvariants && i < 64; i++)
		w[i] = st->variants[i].weight;
	return (long)engine_variant(contact, s->id, st->id, w, i);
}

static void
sq_reason(struct sq *s, size_t k, const char *why)
{
	size_t i;

	for (i = 0; i < s->nwhy; i++)
		if (s->why[i].step == k && strcmp(s->why[i].why, why) == 0) {
			s->why[i].n++;
			return;
		}
	if (s->nwhy == s->capwhy) {
		size_t nc = s->capwhy ? s->capwhy * 2 : 16;

		s->why = arena_grow(s->a, s->why, s->nwhy, nc, sizeof *s->why);
		s->capwhy = nc;
	}
	s->why[s->nwhy].step = k;
	s->why[s->nwhy].why = arena_strdup(s->a, why);
	s->why[s->nwhy++].n = 1;
}

static struct autostat *
sq_auto(struct sq *s, const char *id, const char *step, int from_runs)
{
	size_t i;

	for (i = 0; i < s->nau; i++)
		if (s->au[i].from_runs == from_runs && strcmp(s->au[i].id, id) == 0 &&
		    strcmp(s->au[i].step, step) == 0)
			return &s->au[i];
	if (s->nau == s->capau) {
		size_t nc = s->capau ? s->capau * 2 : 16;

		s->au = arena_grow(s->a, s->au, s->nau, nc, sizeof *s->au);
		s->capau = nc;
	}
	memset(&s->au[s->nau], 0, sizeof s->au[s->nau]);
	s->au[s->nau].id = arena_strdup(s->a, id);
	s->au[s->nau].step = arena_strdup(s->a, step);
	s->au[s->nau].from_runs = from_runs;
	return &s->au[s->nau++];
}

static void
resp_finish(struct sq *s, int no)
{
	struct stepstat *st;

	if (!s->resp)
		return;
	st = &s->st[s->resp_step];
	st->ev[no ? EV_NO : EV_YES]++;
	if (s->resp_var >= 0)
		st->vev[s->resp_var][no ? EV_NO : EV_YES]++;
	s->resp = 0;
}

static void
sq_event(struct sq *s, const struct lrow *r, uint64_t key)
{
	uint16_t k1 = cmap_get(&s->map, key);
	const char *name = r->f[L_DETAIL];
	struct stepstat *st;
	long v;
	int e;

	if (k1 == 0)
		return;		/* nothing of this sequence reached the contact */
	st = &s->st[k1 - 1];
	v = variant_of(s, k1 - 1, r->f[L_CONTACT]);
	if (strcmp(name, "response") == 0) {
		s->resp = 1;
		s->resp_key = key;
		s->resp_t = r->t;
		s->resp_step = k1 - 1;
		s->resp_var = v;
		return;
	}
	for (e = 0; e < EV_YES; e++)
		if (strcmp(name, ev_names[e]) == 0)
			break;
	if (e == EV_YES)
		return;
	st->ev[e]++;
	if (v >= 0)
		st->vev[v][e]++;
}

static int
sq_log(void *ctx, const struct lrow *r, struct drip_err *err)
{
	struct sq *s = ctx;
	const char *seq = r->f[L_SEQUENCE], *action = r->f[L_ACTION];
	int ours = strcmp(seq, s->id) == 0;
	uint64_t key;

	(void)err;
	if (r->t > s->o->now)
		return 0;
	if (!ours && !(*seq == '\0' && strcmp(action, "event") == 0)) {
		resp_finish(s, 0);
		return 0;
	}
	key = hash_id(r->f[L_CONTACT]);
	if (s->resp && (key != s->resp_key || r->t != s->resp_t))
		resp_finish(s, 0);
	if (strcmp(action, "event") == 0) {
		resp_finish(s, 0);
		sq_event(s, r, key);
		return 0;
	}
	if (*r->f[L_STEP] && !*r->f[L_AUTOMATION] && is_step_type(action)) {
		long k = seq_step_index(s->q, r->f[L_STEP]);
		struct stepstat *st;
		int64_t day;

		/* A step of an earlier version, or a row of the step that is
		 * not its firing (`task done`). */
		if (k < 0 || k >= 65535 ||
		    strcmp(action, step_type_names[s->q->steps[k].type]) != 0 || is_task_done(r))
			return 0;
		st = &s->st[k];
		cmap_put(&s->map, key, (uint16_t)(k + 1));
		if (strcmp(r->f[L_RESULT], "ok") == 0) {
			long v = variant_of(s, (size_t)k, r->f[L_CONTACT]);

			st->fired++;
			if (v >= 0)
				st->vfired[v]++;
			day = local_day(s->o, r->t);
			if (day > s->today - REPORT_DAYS && day <= s->today)
				s->days[REPORT_DAYS - 1 - (s->today - day)]++;
		} else if (strcmp(r->f[L_RESULT], "skipped") == 0) {
			st->skipped++;
			sq_reason(s, (size_t)k, *r->f[L_DETAIL] ? r->f[L_DETAIL] : "(no reason given)");
		} else {
			st->failed++;
		}
		return 0;
	}
	if (*r->f[L_STEP] && *r->f[L_AUTOMATION]) {
		struct autostat *au = sq_auto(s, r->f[L_AUTOMATION], r->f[L_STEP], 0);
		uint64_t run = key ^ ((uint64_t)r->t * 0x9E3779B97F4A7C15ULL);

		if (au->runs == 0 || au->last != run)
			au->runs++;
		au->last = run;
		if (strcmp(r->f[L_RESULT], "ok") == 0)
			au->ok++;
		else if (strcmp(r->f[L_RESULT], "skipped") == 0)
			au->skipped++;
		else
			au->failed++;
		return 0;
	}
	if (strcmp(action, "removed") == 0 && !*r->f[L_AUTOMATION]) {
		uint16_t k1 = cmap_get(&s->map, key);

		if (s->resp && strcmp(r->f[L_DETAIL], "answered no") == 0)
			resp_finish(s, 1);
		if (k1)
			s->st[k1 - 1].removed++;
	}
	return 0;
}

static int
sq_enr(void *ctx, const char *const *f, struct drip_err *err)
{
	struct sq *s = ctx;
	int k = status_index(f[E_STATUS]);
	long i;

	(void)err;
	if (strcmp(f[E_SEQUENCE], s->id) != 0 || k < 0)
		return 0;
	if ((i = seq_step_index(s->q, f[E_STEP])) < 0)
		return 0;
	if (k == ENR_ACTIVE || k == ENR_PAUSED)
		s->st[i].pending++;
	else if (k == ENR_WAITING)
		s->st[i].waiting++;
	return 0;
}

/* Sequence automations triggered by this sequence: state/runs.csv. */
static int
sq_runs(struct sq *s, struct drip_err *err)
{
	char *path = fsio_join(s->o->root, STATE_RUNS);
	struct csvio_reader *r = NULL;
	struct csvio_row row;
	long ca, cs, ct;
	int got, rc = 0;

	if (!fsio_exists(path)) {
		free(path);
		return 0;
	}
	if (csvio_open(path, &r, err) < 0) {
		free(path);
		return -1;
	}
	ca = csvio_col(r, "automation");
	cs = csvio_col(r, "sequence");
	ct = csvio_col(r, "status");
	if (ca < 0 || cs < 0 || ct < 0)
		rc = err_set(err, DRIP_EDATA, STATE_RUNS, 1, 0,
			     "missing a required column (automation, sequence, status)");
	while (rc == 0 && (got = csvio_next(r, &row, err)) != 0) {
		struct autostat *au;
		const char *st;

		if (got < 0) {
			rc = -1;
			break;
		}
		if (strcmp(row.f[cs], s->id) != 0)
			continue;
		au = sq_auto(s, row.f[ca], "", 1);
		au->runs++;
		st = row.f[ct];
		if (strcmp(st, "running") == 0 || strcmp(st, "review") == 0 ||
		    strcmp(st, "approved") == 0)
			au->active++;
	}
	csvio_close(r);
	free(path);
	return rc;
}

/* The sequence as tick runs it (its published version), else the draft.
 * *status and *version from state/sequences.csv. */
static int
load_seq(struct arena *a, const char *root, const char *id, const struct seq **out,
	 const char **status, const char **version, struct drip_err *err)
{
	struct csvio_table st;
	const char *rel;
	char *full;
	struct ydoc doc;
	struct diags d;
	struct schema sc;
	long r;

	*out = NULL;
	*status = "draft";
	*version = "";
	if (!ws_valid_id(id))
		return err_set(err, DRIP_ENOINPUT, NULL, 0, 0, "unknown sequence '%s'", id);
	if (pub_load_state(a, root, &st, err) < 0)
		return -1;
	if ((r = pub_find(&st, id)) >= 0) {
		long cs = csvio_table_col(&st, "status"), cv = csvio_table_col(&st, "version");

		if (cs >= 0)
			*status = st.rows[r][cs];
		if (cv >= 0)
			*version = st.rows[r][cv];
	}
	rel = pub_pinned_path(a, id, "sequences/x.yaml");
	full = fsio_join(root, rel);
	if (r < 0 || !fsio_exists(full)) {
		free(full);
		rel = arena_printf(a, "sequences/%s.yaml", id);
		full = fsio_join(root, rel);
	}
	if (!fsio_exists(full)) {
		free(full);
		return err_set(err, DRIP_ENOINPUT, NULL, 0, 0,
			       "unknown sequence '%s' (no sequences/%s.yaml, never published)",
			       id, id);
	}
	if (ydoc_load_file(a, full, &doc, err) < 0) {
		free(full);
		return -1;
	}
	free(full);
	doc.file = rel;
	diag_init(&d, a);
	sc.a = a;
	sc.d = &d;
	sc.file = rel;
	*out = seq_parse(&sc, &doc);
	if (*out == NULL || d.nerr) {
		size_t i;

		diag_sort(&d);
		for (i = 0; i < d.n; i++)
			if (d.v[i].sev == DIAG_ERROR)
				return err_set(err, DRIP_EDATA, rel, d.v[i].line, d.v[i].col, "%s",
					       d.v[i].msg);
		return err_set(err, DRIP_EDATA, rel, 0, 0, "cannot read the sequence");
	}
	return 0;
}

static void
seq_tables(struct sq *s, const char *status, const char *version, struct rtab_doc *out)
{
	static const char *const c_seq[] = { "sequence", "name", "status", "version", "steps",
					     NULL };
	static const char *const c_steps[] = { "step", "type", "reached", "fired", "skipped",
					       "failed", "pending", "waiting", "removed", NULL };
	static const char *const c_why[] = { "step", "reason", "count", NULL };
	static const char *const c_var[] = { "step", "variant", "template", "weight", "fired",
					     "open", "click", "reply", "yes", "no", NULL };
	static const char *const c_eng[] = { "step", "open", "click", "reply", "bounce",
					     "unsubscribe", "yes", "no", NULL };
	static const char *const c_au[] = { "automation", "step", "runs", "ok", "skipped",
					    "failed", "active", NULL };
	struct arena *a = s->a;
	struct rtab *t;
	const char **row;
	size_t k, v, i;
	int e;

	t = add_tab(a, out, "sequence", "Sequence", c_seq, 4);
	rtab_numeric(t, 3);
	row = rtab_row(a, t);
	row[0] = s->id;
	row[1] = s->q->name ? s->q->name : "";
	row[2] = status;
	row[3] = version;
	row[4] = num(a, (int64_t)s->q->nsteps);

	t = add_tab(a, out, "steps", "Funnel per step", c_steps, 2);
	t->chart = RTAB_CHART_FUNNEL;
	t->label_col = 0;
	t->value_col = 2;
	for (k = 0; k < s->q->nsteps; k++) {
		const struct stepstat *st = &s->st[k];

		row = rtab_row(a, t);
		row[0] = s->q->steps[k].id;
		row[1] = step_type_names[s->q->steps[k].type];
		row[2] = num(a, st->fired + st->skipped + st->failed + st->pending);
		row[3] = num(a, st->fired);
		row[4] = num(a, st->skipped);
		row[5] = num(a, st->failed);
		row[6] = num(a, st->pending);
		row[7] = num(a, st->waiting);
		row[8] = num(a, st->removed);
	}

	t = add_tab(a, out, "skipped", "Skip reasons", c_why, 2);
	for (k = 0; k < s->q->nsteps; k++)
		for (i = 0; i < s->nwhy; i++) {
			if (s->why[i].step != k)
				continue;
			row = rtab_row(a, t);
			row[0] = s->q->steps[k].id;
			row[1] = s->why[i].why;
			row[2] = num(a, s->why[i].n);
		}

	t = add_tab(a, out, "variants", "Split-test variants", c_var, 3);
	rtab_numeric(t, 1);
	for (k = 0; k < s->q->nsteps; k++) {
		const struct step *q = &s->q->steps[k];

		for (v = 0; v < q->nvariants && v < 64; v++) {
			row = rtab_row(a, t);
			row[0] = q->id;
			row[1] = num(a, (int64_t)v + 1);
			row[2] = q->variants[v].template ? q->variants[v].template :
				 q->variants[v].text ? q->variants[v].text : "";
			row[3] = num(a, q->variants[v].weight);
			row[4] = num(a, s->st[k].vfired[v]);
			row[5] = num(a, s->st[k].vev[v][EV_OPEN]);
			row[6] = num(a, s->st[k].vev[v][EV_CLICK]);
			row[7] = num(a, s->st[k].vev[v][EV_REPLY]);
			row[8] = num(a, s->st[k].vev[v][EV_YES]);
			row[9] = num(a, s->st[k].vev[v][EV_NO]);
		}
	}

	t = add_tab(a, out, "engagement", "Engagement per step", c_eng, 1);
	for (k = 0; k < s->q->nsteps; k++) {
		row = rtab_row(a, t);
		row[0] = s->q->steps[k].id;
		for (e = 0; e < EV_COUNT; e++)
			row[1 + e] = num(a, s->st[k].ev[e]);
	}

	t = add_tab(a, out, "automations", "Runs per automation", c_au, 2);
	for (i = 0; i < s->nau; i++) {
		const struct autostat *au = &s->au[i];

		row = rtab_row(a, t);
		row[0] = au->id;
		row[1] = au->step;
		row[2] = num(a, au->runs);
		if (au->from_runs) {
			row[6] = num(a, au->active);
		} else {
			row[3] = num(a, au->ok);
			row[4] = num(a, au->skipped);
			row[5] = num(a, au->failed);
		}
	}
	days_tab(a, out, s->today, s->days, NULL);
}

int
report_seq(struct arena *a, const struct report_opts *o, const char *id,
	   struct rtab_doc *out, struct drip_err *err)
{
	struct sq s;
	const char *status, *version;
	size_t k, j;
	int rc = -1;

	memset(&s, 0, sizeof s);
	if (load_seq(a, o->root, id, &s.q, &status, &version, err) < 0)
		return -1;
	s.a = a;
	s.o = o;
	s.id = s.q->id ? s.q->id : id;
	s.today = local_day(o, o->now);
	s.st = arena_alloc(a, (s.q->nsteps ? s.q->nsteps : 1) * sizeof *s.st);
	for (k = 0; k < s.q->nsteps; k++) {
		size_t nv = s.q->steps[k].nvariants;

		memset(&s.st[k], 0, sizeof s.st[k]);
		s.st[k].vfired = arena_alloc(a, (nv ? nv : 1) * sizeof *s.st[k].vfired);
		s.st[k].vev = arena_alloc(a, (nv ? nv : 1) * sizeof *s.st[k].vev);
		memset(s.st[k].vfired, 0, (nv ? nv : 1) * sizeof *s.st[k].vfired);
		memset(s.st[k].vev, 0, (nv ? nv : 1) * sizeof *s.st[k].vev);
	}
	/* Step automations in the definition's order, run or not. */
	for (k = 0; k < s.q->nsteps; k++)
		for (j = 0; j < s.q->steps[k].nautos; j++)
			sq_auto(&s, s.q->steps[k].autos[j].id, s.q->steps[k].id, 0);
	if (log_scan(o->root, STATE_NONE, sq_log, &s, err) < 0)
		goto out;
	resp_finish(&s, 0);
	if (enr_scan(o->root, 0, STATE_SHARDS, sq_enr, &s, err) < 0 || sq_runs(&s, err) < 0)
		goto out;
	report_doc_begin(a, o, out, "seq", arena_printf(a, "Sequence %s", s.id));
	seq_tables(&s, status, version, out);
	rc = 0;
out:
	free(s.map.keys);
	free(s.map.vals);
	return rc;
}

/* ---- one contact ---- */

/* Is id a row of contacts.csv?  Read row by row: the file may be large and
 * in any order (SPEC §4.1). */
static int
contact_exists(const char *root, const char *id, int *found, struct drip_err *err)
{
	char *path = fsio_join(root, "contacts.csv");
	struct csvio_reader *r = NULL;
	struct csvio_row row;
	long col;
	int got, rc = 0;

	*found = 0;
	if (csvio_open(path, &r, err) < 0) {
		free(path);
		return err->code == DRIP_ENOINPUT ? 0 : -1;
	}
	free(path);
	if ((col = csvio_col(r, "id")) < 0) {
		csvio_close(r);
		return err_set(err, DRIP_EDATA, "contacts.csv", 1, 0,
			       "missing required column \"id\"");
	}
	while ((got = csvio_next(r, &row, err)) > 0)
		if (strcmp(row.f[col], id) == 0) {
			*found = 1;
			break;
		}
	if (got < 0)
		rc = -1;
	csvio_close(r);
	return rc;
}

struct ct {
	struct arena *a;
	const char *id;
	int64_t now;
	struct rtab *tl, *en;
};

static int
ct_log(void *ctx, const struct lrow *r, struct drip_err *err)
{
	struct ct *c = ctx;
	const char **row;
	size_t k;

	(void)err;
	if (strcmp(r->f[L_CONTACT], c->id) != 0 || r->t > c->now)
		return 0;
	row = rtab_row(c->a, c->tl);
	row[0] = arena_strdup(c->a, r->f[L_TIME]);
	for (k = L_SEQUENCE; k < L_COUNT; k++)
		row[k - 1] = arena_strdup(c->a, r->f[k]);
	return 0;
}

static int
ct_enr(void *ctx, const char *const *f, struct drip_err *err)
{
	struct ct *c = ctx;
	const char **row;

	(void)err;
	if (strcmp(f[E_CONTACT], c->id) != 0)
		return 0;
	row = rtab_row(c->a, c->en);
	row[0] = arena_strdup(c->a, f[E_SEQUENCE]);
	row[1] = arena_strdup(c->a, f[E_STATUS]);
	row[2] = arena_strdup(c->a, f[E_STEP]);
	row[3] = arena_strdup(c->a, f[E_ENROLLED]);
	row[4] = arena_strdup(c->a, f[E_ENTERED]);
	return 0;
}

int
report_contact(struct arena *a, const struct report_opts *o, const char *id, int history,
	       struct rtab_doc *out, struct drip_err *err)
{
	static const char *const c_en[] = { "sequence", "status", "step", "enrolled", "entered",
					    NULL };
	static const char *const c_tl[] = { "time", "sequence", "step", "automation", "action",
					    "result", "ref", "detail", NULL };
	static const char *const c_hi[] = { "commit", "time", "author", "subject", "field",
					    "old", "new", NULL };
	struct ct c;
	unsigned shard;
	int found;

	if (!ws_valid_id(id))
		return err_set(err, DRIP_ENOINPUT, NULL, 0, 0, "unknown contact '%s'", id);
	if (contact_exists(o->root, id, &found, err) < 0)
		return -1;
	if (!found)
		return err_set(err, DRIP_ENOINPUT, NULL, 0, 0,
			       "unknown contact '%s' (not in contacts.csv)", id);
	report_doc_begin(a, o, out, "contact", arena_printf(a, "Contact %s", id));
	c.a = a;
	c.id = id;
	c.now = o->now;
	c.en = add_tab(a, out, "enrollments", "Enrollments", c_en, 5);
	c.tl = add_tab(a, out, "timeline", "Timeline", c_tl, 8);
	shard = state_shard(id);
	if (enr_scan(o->root, shard, shard + 1, ct_enr, &c, err) < 0 ||
	    log_scan(o->root, STATE_NONE, ct_log, &c, err) < 0)
		return -1;
	if (history) {
		struct hist_change *h;
		struct rtab *t = add_tab(a, out, "history", "Changes in contacts.csv", c_hi, 7);
		size_t n, i;

		if (history_contact(a, o->root, "contacts.csv", id, &h, &n, err) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			const char **row = rtab_row(a, t);
			char buf[32];

			dtime_format_utc(h[i].time, buf, sizeof buf);
			row[0] = h[i].commit;
			row[1] = arena_strdup(a, buf);
			row[2] = h[i].author;
			row[3] = h[i].subject;
			row[4] = h[i].field;
			row[5] = h[i].old;
			row[6] = h[i].new_;
		}
	}
	return 0;
}

/* ---- tasks ---- */

struct who {
	const char *assignee;
	int64_t open, overdue, done;
	int64_t next;			/* earliest due of an open task, or STATE_NONE */
};

struct late {
	int64_t due;
	const char *id, *duestr, *contact, *assignee, *subject;
};

static int
cmp_late(const void *pa, const void *pb)
{
	const struct late *a = pa, *b = pb;

	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	return strcmp(a->id, b->id);
}

int
report_tasks(struct arena *a, const struct report_opts *o, struct rtab_doc *out,
	     struct drip_err *err)
{
	static const char *const c_who[] = { "assignee", "open", "overdue", "done", "next_due",
					     NULL };
	static const char *const c_late[] = { "id", "due", "contact", "assignee", "subject",
					      NULL };
	static const char *const need[] = { "id", "due", "contact", "assignee", "subject",
					    "status" };
	char *path = fsio_join(o->root, "tasks.csv");
	struct csvio_reader *r = NULL;
	struct csvio_row row;
	struct who *w = NULL;
	struct late *l = NULL;
	size_t nw = 0, cw = 0, nl = 0, cl = 0, i, k;
	long col[6];
	struct rtab *t;
	int got, rc = 0;

	report_doc_begin(a, o, out, "tasks", "Tasks");
	if (fsio_exists(path)) {
		if (csvio_open(path, &r, err) < 0) {
			free(path);
			return -1;
		}
		for (k = 0; k < 6; k++)
			if ((col[k] = csvio_col(r, need[k])) < 0)
				rc = err_set(err, DRIP_EDATA, "tasks.csv", 1, 0,
					     "missing required column \"%s\"", need[k]);
		while (rc == 0 && (got = csvio_next(r, &row, err)) != 0) {
			const char *who, *status = row.f[col[5]];
			int64_t due;
			int open = strcmp(status, "open") == 0;

			if (got < 0) {
				rc = -1;
				break;
			}
			who = *row.f[col[3]] ? row.f[col[3]] : "(nobody)";
			for (i = 0; i < nw; i++)
				if (strcmp(w[i].assignee, who) == 0)
					break;
			if (i == nw) {
				if (nw == cw) {
					size_t nc = cw ? cw * 2 : 16;

					w = arena_grow(a, w, nw, nc, sizeof *w);
					cw = nc;
				}
				memset(&w[nw], 0, sizeof w[nw]);
				w[nw].assignee = arena_strdup(a, who);
				w[nw++].next = STATE_NONE;
			}
			if (!open) {
				if (strcmp(status, "done") == 0)
					w[i].done++;
				continue;
			}
			w[i].open++;
			if (state_parse_time(row.f[col[1]], &due) < 0)
				due = STATE_NONE;
			if (due != STATE_NONE && (w[i].next == STATE_NONE || due < w[i].next))
				w[i].next = due;
			if (due == STATE_NONE || due >= o->now)
				continue;
			w[i].overdue++;
			if (nl == cl) {
				size_t nc = cl ? cl * 2 : 16;

				l = arena_grow(a, l, nl, nc, sizeof *l);
				cl = nc;
			}
			l[nl].due = due;
			l[nl].id = arena_strdup(a, row.f[col[0]]);
			l[nl].duestr = arena_strdup(a, row.f[col[1]]);
			l[nl].contact = arena_strdup(a, row.f[col[2]]);
			l[nl].assignee = arena_strdup(a, row.f[col[3]]);
			l[nl++].subject = arena_strdup(a, row.f[col[4]]);
		}
		csvio_close(r);
	}
	free(path);
	if (rc < 0)
		return -1;
	for (i = 1; i < nw; i++)	/* by assignee, few of them */
		for (k = i; k > 0 && strcmp(w[k - 1].assignee, w[k].assignee) > 0; k--) {
			struct who x = w[k];

			w[k] = w[k - 1];
			w[k - 1] = x;
		}
	if (nl)
		qsort(l, nl, sizeof *l, cmp_late);
	t = add_tab(a, out, "assignees", "Tasks by assignee", c_who, 1);
	t->numeric &= ~(1UL << 4);
	for (i = 0; i < nw; i++) {
		const char **rw = rtab_row(a, t);
		char buf[32] = "";

		if (w[i].next != STATE_NONE)
			dtime_format_utc(w[i].next, buf, sizeof buf);
		rw[0] = w[i].assignee;
		rw[1] = num(a, w[i].open);
		rw[2] = num(a, w[i].overdue);
		rw[3] = num(a, w[i].done);
		rw[4] = arena_strdup(a, buf);
	}
	t = add_tab(a, out, "overdue", "Overdue tasks", c_late, 5);
	for (i = 0; i < nl; i++) {
		const char **rw = rtab_row(a, t);

		rw[0] = l[i].id;
		rw[1] = l[i].duestr;
		rw[2] = l[i].contact;
		rw[3] = l[i].assignee;
		rw[4] = l[i].subject;
	}
	return 0;
}

/* ---- usage ---- */

struct bucket {
	int64_t key;			/* local days, ISO week number, or months */
	int64_t fired, completed;
};

struct us {
	struct arena *a;
	const struct report_opts *o;
	enum report_period by;
	struct bucket *v;
	size_t n, cap;
};

/* The period of a local day: itself, its ISO week (year * 100 + week) or
 * its month (year * 12 + month - 1). */
static int64_t
period_key(enum report_period by, int64_t days)
{
	int y, m, d;

	if (by == REPORT_DAY)
		return days;
	if (by == REPORT_MONTH) {
		cal_civil_from_days(days, &y, &m, &d);
		return (int64_t)y * 12 + m - 1;
	} else {
		/* ISO 8601: the week's Thursday decides its year. */
		int64_t thu = days - (cal_weekday(days) + 6) % 7 + 3;

		cal_civil_from_days(thu, &y, &m, &d);
		return (int64_t)y * 100 + (thu - cal_days_from_civil(y, 1, 1)) / 7 + 1;
	}
}

static const char *
period_label(struct arena *a, enum report_period by, int64_t key)
{
	if (by == REPORT_DAY)
		return day_label(a, key);
	if (by == REPORT_MONTH)
		return arena_printf(a, "%04" PRId64 "-%02" PRId64, key / 12, key % 12 + 1);
	return arena_printf(a, "%04" PRId64 "-W%02" PRId64, key / 100, key % 100);
}

static int
us_log(void *ctx, const struct lrow *r, struct drip_err *err)
{
	struct us *u = ctx;
	int fired = is_fired(r), done = !fired && is_completed(r);
	int64_t key;
	size_t lo = 0, hi;

	(void)err;
	if ((!fired && !done) || r->t > u->o->now)
		return 0;
	key = period_key(u->by, local_day(u->o, r->t));
	hi = u->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->v[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == u->n || u->v[lo].key != key) {
		if (u->n == u->cap) {
			size_t nc = u->cap ? u->cap * 2 : 32;

			u->v = arena_grow(u->a, u->v, u->n, nc, sizeof *u->v);
			u->cap = nc;
		}
		memmove(&u->v[lo + 1], &u->v[lo], (u->n - lo) * sizeof *u->v);
		memset(&u->v[lo], 0, sizeof *u->v);
		u->v[lo].key = key;
		u->n++;
	}
	if (fired)
		u->v[lo].fired++;
	else
		u->v[lo].completed++;
	return 0;
}

int
report_usage(struct arena *a, const struct report_opts *o, enum report_period by,
	     struct rtab_doc *out, struct drip_err *err)
{
	static const char *const cols[] = { "period", "fired", "completed", "actions", NULL };
	static const char *const qcols[] = { "period", "fired", "completed", "actions", "quota",
					     "left", "over", NULL };
	struct us u;
	struct rtab *t;
	int quota = o->cfg->quota_actions > 0 && o->cfg->quota_per == (int)by;
	size_t i;

	memset(&u, 0, sizeof u);
	u.a = a;
	u.o = o;
	u.by = by;
	if (log_scan(o->root, STATE_NONE, us_log, &u, err) < 0)
		return -1;
	report_doc_begin(a, o, out, "usage", arena_printf(a, "Actions used per %s",
						   report_period_names[by]));
	t = add_tab(a, out, "usage", arena_printf(a, "Actions per %s", report_period_names[by]),
		    quota ? qcols : cols, 1);
	t->chart = RTAB_CHART_COLUMNS;
	t->label_col = 0;
	t->value_col = 3;
	for (i = 0; i < u.n; i++) {
		const char **row = rtab_row(a, t);
		int64_t used = u.v[i].fired + u.v[i].completed;

		row[0] = period_label(a, by, u.v[i].key);
		row[1] = num(a, u.v[i].fired);
		row[2] = num(a, u.v[i].completed);
		row[3] = num(a, used);
		if (quota) {
			/* Two columns that are never negative, so that a
			 * spreadsheet-safe CSV has no "'-5". */
			row[4] = num(a, o->cfg->quota_actions);
			row[5] = num(a, used < o->cfg->quota_actions ? o->cfg->quota_actions - used : 0);
			row[6] = num(a, used > o->cfg->quota_actions ? used - o->cfg->quota_actions : 0);
		}
	}
	return 0;
}

/* ---- upcoming: the pass run read-only, its log rows kept ---- */

/* A row kept: its strings in one block, freed when a sooner row takes its
 * place. */
struct uprow {
	int64_t t;
	uint64_t seq;			/* pass order: ties keep the log's order */
	char *f[L_COUNT];
};

struct upday {
	int64_t day;			/* local days since the epoch */
	int64_t fired, completed;
};

struct up {
	const struct report_opts *o;
	const char *seq;		/* only its rows; NULL: all */
	struct uprow *heap;		/* a max-heap by (t, seq): the latest on top */
	size_t n, cap;
	uint64_t seen;
	struct upday *days;		/* sorted by day */
	size_t ndays, capdays;
};

static int
uprow_after(const struct uprow *a, const struct uprow *b)
{
	return a->t != b->t ? a->t > b->t : a->seq > b->seq;
}

static void
up_clear(struct up *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		free(u->heap[i].f[0]);
	u->n = 0;
	u->seen = 0;
	u->ndays = 0;
}

static void
up_sift_down(struct up *u, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct uprow tmp;

		if (l < u->n && uprow_after(&u->heap[l], &u->heap[m]))
			m = l;
		if (r < u->n && uprow_after(&u->heap[r], &u->heap[m]))
			m = r;
		if (m == i)
			return;
		tmp = u->heap[i];
		u->heap[i] = u->heap[m];
		u->heap[m] = tmp;
		i = m;
	}
}

static void
up_fill(struct uprow *d, const struct log_row *l, char utc[32])
{
	const char *src[L_COUNT];
	size_t len[L_COUNT], total = 0, k;
	char *p;

	src[L_TIME] = utc;
	src[L_CONTACT] = l->contact;
	src[L_SEQUENCE] = l->sequence;
	src[L_STEP] = l->step;
	src[L_AUTOMATION] = l->automation;
	src[L_ACTION] = l->action;
	src[L_RESULT] = l->result;
	src[L_REF] = l->ref;
	src[L_DETAIL] = l->detail;
	for (k = 0; k < L_COUNT; k++) {
		if (src[k] == NULL)
			src[k] = "";
		total += (len[k] = strlen(src[k])) + 1;
	}
	p = xmalloc(total);
	for (k = 0; k < L_COUNT; k++) {
		memcpy(p, src[k], len[k] + 1);
		d->f[k] = p;
		p += len[k] + 1;
	}
	d->t = l->time;
}

static void
up_keep(struct up *u, const struct log_row *l)
{
	struct uprow r;
	char utc[32];

	r.t = l->time;
	r.seq = u->seen++;
	if (u->n == REPORT_UPCOMING_MAX && !uprow_after(&u->heap[0], &r))
		return;
	dtime_format_utc(l->time, utc, sizeof utc);
	up_fill(&r, l, utc);
	if (u->n == REPORT_UPCOMING_MAX) {
		free(u->heap[0].f[0]);
		u->heap[0] = r;
		up_sift_down(u, 0);
		return;
	}
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 256;
		u->heap = xrealloc(u->heap, u->cap * sizeof *u->heap);
	}
	{
		size_t i = u->n++;

		while (i > 0 && uprow_after(&r, &u->heap[(i - 1) / 2])) {
			u->heap[i] = u->heap[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		u->heap[i] = r;
	}
}

static void
up_count(struct up *u, const struct log_row *l)
{
	struct lrow lr;
	int64_t day;
	size_t lo = 0, hi = u->ndays, mid;

	lr.f[L_TIME] = "";
	lr.f[L_CONTACT] = l->contact ? l->contact : "";
	lr.f[L_SEQUENCE] = l->sequence ? l->sequence : "";
	lr.f[L_STEP] = l->step ? l->step : "";
	lr.f[L_AUTOMATION] = l->automation ? l->automation : "";
	lr.f[L_ACTION] = l->action ? l->action : "";
	lr.f[L_RESULT] = l->result ? l->result : "";
	lr.f[L_REF] = l->ref ? l->ref : "";
	lr.f[L_DETAIL] = l->detail ? l->detail : "";
	lr.t = l->time;
	if (!is_fired(&lr) && !is_completed(&lr))
		return;
	day = local_day(u->o, l->time);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (u->days[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == u->ndays || u->days[lo].day != day) {
		if (u->ndays == u->capdays) {
			u->capdays = u->capdays ? u->capdays * 2 : 16;
			u->days = xrealloc(u->days, u->capdays * sizeof *u->days);
		}
		memmove(&u->days[lo + 1], &u->days[lo], (u->ndays - lo) * sizeof *u->days);
		u->ndays++;
		memset(&u->days[lo], 0, sizeof u->days[lo]);
		u->days[lo].day = day;
	}
	if (is_fired(&lr))
		u->days[lo].fired++;
	else
		u->days[lo].completed++;
}

static int
up_begin(void *ctx, const struct run_info *ri, struct drip_err *err)
{
	(void)ri;
	(void)err;
	up_clear(ctx);			/* a restart starts over */
	return 0;
}

static int
up_item(void *ctx, const struct run_info *ri, const struct run_item *it, struct drip_err *err)
{
	struct up *u = ctx;
	size_t i;

	(void)ri;
	(void)err;
	if (it->fx == NULL)
		return 0;
	for (i = 0; i < it->fx->nlog; i++) {
		if (u->seq && (it->fx->log[i].sequence == NULL ||
			       strcmp(it->fx->log[i].sequence, u->seq) != 0))
			continue;
		up_count(u, &it->fx->log[i]);
		up_keep(u, &it->fx->log[i]);
	}
	return 0;
}

static int
up_finish(void *ctx, const struct run_info *ri, struct drip_err *err)
{
	(void)ctx;
	(void)ri;
	(void)err;
	return 0;
}

static void
up_abort(void *ctx)
{
	up_clear(ctx);
}

static int
cmp_uprow(const void *pa, const void *pb)
{
	const struct uprow *a = pa, *b = pb;

	return uprow_after(a, b) ? 1 : uprow_after(b, a) ? -1 : 0;
}

int
report_upcoming_tabs(struct arena *a, const struct report_opts *o, const char *seq,
		     const struct run_hooks *hooks, int64_t until, struct rtab_doc *out,
		     int64_t *first, size_t *rows, struct drip_err *err)
{
	static const char *const c_days[] = { "day", "fired", "completed", "actions", NULL };
	static const char *const c_up[] = { "time", "contact", "sequence", "step", "automation",
					    "action", "result", "detail", NULL };
	static const int pick[] = { L_TIME, L_CONTACT, L_SEQUENCE, L_STEP, L_AUTOMATION,
				    L_ACTION, L_RESULT, L_DETAIL };
	struct up u;
	struct run_opts ro;
	struct run_info ri;
	struct run_sink sink = { up_begin, up_item, up_finish, up_abort, &u };
	struct rtab *t;
	size_t i, k;
	int rc;

	memset(&u, 0, sizeof u);
	u.o = o;
	u.seq = seq;
	memset(&ro, 0, sizeof ro);
	ro.root = o->root;
	ro.cfg = o->cfg;
	ro.a = a;
	ro.now = until;
	ro.has_now = 1;
	ro.dry = 1;
	ro.catch_up = 1;	/* a forecast is a backlog by design */
	ro.hooks = hooks;
	rc = run_pass(&ro, &sink, &ri, err);
	if (rc < 0) {
		up_clear(&u);
		free(u.heap);
		free(u.days);
		return -1;
	}
	*first = ri.r0;
	*rows = (size_t)u.seen;
	t = add_tab(a, out, "days", "Actions per day", c_days, 1);
	t->chart = RTAB_CHART_COLUMNS;
	t->label_col = 0;
	t->value_col = 3;
	for (i = 0; i < u.ndays; i++) {
		const char **row = rtab_row(a, t);

		row[0] = day_label(a, u.days[i].day);
		row[1] = num(a, u.days[i].fired);
		row[2] = num(a, u.days[i].completed);
		row[3] = num(a, u.days[i].fired + u.days[i].completed);
	}
	t = add_tab(a, out, "upcoming", "What will happen, in order", c_up, 8);
	if (u.seen > u.n)
		t->title = arena_printf(a, "What will happen, in order: the first %zu of %" PRIu64
					" rows", u.n, u.seen);
	if (u.n > 1)
		qsort(u.heap, u.n, sizeof *u.heap, cmp_uprow);
	for (i = 0; i < u.n; i++) {
		const char **row = rtab_row(a, t);

		for (k = 0; k < sizeof pick / sizeof pick[0]; k++)
			row[k] = arena_strdup(a, u.heap[i].f[pick[k]]);
	}
	up_clear(&u);
	free(u.heap);
	free(u.days);
	return rc;
}

int
report_upcoming(struct arena *a, const struct report_opts *o, int64_t until,
		struct rtab_doc *out, struct drip_err *err)
{
	char from[64], to[64];
	int64_t first;
	size_t rows;
	int rc;

	report_doc_begin(a, o, out, "upcoming", "Upcoming");
	rc = report_upcoming_tabs(a, o, NULL, NULL, until, out, &first, &rows, err);
	if (rc < 0)
		return -1;
	dtime_format_local(o->cfg->tz, until, 0, to, sizeof to);
	if (rc == RUN_NOTHING) {
		out->subtitle = arena_printf(a, "%s; up to %s, processed already", out->subtitle,
					     to);
	} else {
		dtime_format_local(o->cfg->tz, first, 0, from, sizeof from);
		out->subtitle = arena_printf(a, "%s; the slots from %s up to %s", out->subtitle,
					     from, to);
	}
	return 0;
}
