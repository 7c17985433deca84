/*
 * enroll.c - enroll, remove, pause and resume by a list of contacts, as two
 * streaming passes (see enroll.h).
 *
 * The picked ids travel from the first pass to the second in a temporary
 * file under .drip/, each followed by a NUL (csvio refuses NUL inside a
 * field, so no id holds one).  The file given with --file is sorted by its
 * id column with duplicates kept and each row's source line in front, so
 * an unknown id is still named by its line.
 */
#include "enroll.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actlog.h"
#include "arena.h"
#include "csvio.h"
#include "csvsort.h"
#include "engine.h"
#include "err.h"
#include "expr.h"
#include "fsio.h"
#include "roster.h"
#include "sbuf.h"
#include "seq.h"
#include "ws.h"

#define LINE_COL ".drip-line"

/* An id of the command line, sorted, with where it was given. */
struct arg {
	const char *id;
	size_t idx;
	int found;
};

static int
cmp_arg(const void *a, const void *b)
{
	const struct arg *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static char *
tmp_in(const char *root, const char *what)
{
	char *dir = fsio_join(root, ".drip");
	size_t n = strlen(dir) + strlen(what) + 48;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/.%s.tmp-%ld", dir, what, (long)getpid());
	free(dir);
	return p;
}

/* The sorted --file: its reader, and the current id and line. */
struct idfile {
	struct csvio_reader *r;
	struct csvio_row row;
	long idcol;
	int has;
};

static int
idfile_next(struct idfile *f, struct drip_err *err)
{
	int rc = csvio_next(f->r, &f->row, err);

	if (rc < 0)
		return -1;
	f->has = rc;
	return 0;
}

static long
idfile_line(const struct idfile *f)
{
	return atol(f->row.f[0]);
}

/*
 * The first pass: the ids picked, in id order, into the file picked.
 * Returns 0, or -1 with err (the first error in enroll.h's order).
 */
static int
pick(const struct enroll_req *q, const char *picked, size_t *npicked, struct drip_err *err)
{
	struct arena a = ARENA_INIT;
	struct arg *av = xcalloc(q->nids + 1, sizeof *av);
	struct roster *ro = NULL;
	struct idfile idf = { NULL, { 0, NULL, NULL, 0 }, -1, 0 };
	struct drip_err ferr;
	struct expr *ex = NULL;
	struct expr_err ee, werr;
	struct csvio_row row;
	struct sbuf bad = SBUF_INIT;
	char *sorted = NULL, *tmpdir = fsio_join(q->root, ".drip");
	long badline = LONG_MAX;
	FILE *out = NULL;
	size_t i, ai;
	int rc = -1, k, have_ferr = 0, have_werr = 0;

	for (i = 0; i < q->nids; i++) {
		av[i].id = q->ids[i];
		av[i].idx = i;
	}
	qsort(av, q->nids, sizeof *av, cmp_arg);
	if (fsio_mkdirs(tmpdir, 0700, err) < 0)
		goto out;
	if (roster_open(q->root, &ro, err) < 0)
		goto out;
	if (q->file) {
		struct csvsort_opts o = { "id", NULL, tmpdir, 0, 0, 0, 1, LINE_COL, q->file };

		sorted = tmp_in(q->root, "enroll-file");
		if (csvsort_file(q->file, sorted, &o, NULL, &ferr) < 0)
			have_ferr = 1;
	}
	if (q->where) {
		const char **cols = xcalloc(roster_ncols(ro) + 1, sizeof *cols);

		for (i = 0; i < roster_ncols(ro); i++)
			cols[i] = roster_colname(ro, i);
		if (expr_parse(&a, q->where, &ex, &werr) < 0 ||
		    expr_check_fields(ex, cols, roster_ncols(ro), &werr) < 0)
			have_werr = 1;
		free(cols);
	}
	for (;;) {
		if ((out = fopen(picked, "we")) == NULL) {
			err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", picked);
			goto out;
		}
		*npicked = 0;
		for (i = 0; i < q->nids; i++)
			av[i].found = 0;
		badline = LONG_MAX;
		if (sorted && !have_ferr) {
			if (idf.r)
				csvio_close(idf.r);
			idf.r = NULL;
			if (csvio_open(sorted, &idf.r, err) < 0 || idfile_next(&idf, err) < 0)
				goto out;
			idf.idcol = csvio_col(idf.r, "id");
		}
		ai = 0;
		while ((k = roster_next(ro, &row, err)) == 1) {
			const char *id = row.f[roster_idcol(ro)];
			int take = 0;

			while (ai < q->nids && strcmp(av[ai].id, id) < 0)
				ai++;
			for (; ai < q->nids && strcmp(av[ai].id, id) == 0; ai++)
				av[ai].found = take = 1;
			while (idf.r && idf.has) {
				int c = strcmp(idf.row.f[idf.idcol], id);

				if (c > 0)
					break;
				if (c == 0) {
					take = 1;
				} else if (idfile_line(&idf) < badline) {
					badline = idfile_line(&idf);
					sbuf_reset(&bad);
					sbuf_adds(&bad, idf.row.f[idf.idcol]);
				}
				if (idfile_next(&idf, err) < 0)
					goto out;
			}
			if (ex && !have_werr) {
				struct roster_env re = { ro, &row };
				struct expr_env env = { roster_field, &re, q->now, q->zone };
				int v = expr_eval(ex, &env, &ee);

				if (v < 0) {
					werr = ee;
					have_werr = 1;
				} else if (v) {
					take = 1;
				}
			}
			if (take) {
				fwrite(id, 1, strlen(id) + 1, out);
				(*npicked)++;
			}
		}
		if (k != ROSTER_UNSORTED)
			break;
		/* Out of order: sort, and pick again from the first contact. */
		fclose(out);
		out = NULL;
		if (roster_sort(ro, err) < 0)
			goto out;
	}
	if (k < 0)
		goto out;
	for (; idf.r && idf.has; ) {
		if (idfile_line(&idf) < badline) {
			badline = idfile_line(&idf);
			sbuf_reset(&bad);
			sbuf_adds(&bad, idf.row.f[idf.idcol]);
		}
		if (idfile_next(&idf, err) < 0)
			goto out;
	}
	if (fflush(out) != 0 || ferror(out)) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", picked);
		goto out;
	}
	/* What the command line named, in its order, then the file, then
	 * --where. */
	for (i = 0; i < q->nids; i++) {
		const struct arg *x = NULL;
		size_t j;

		for (j = 0; j < q->nids; j++)
			if (av[j].idx == i)
				x = &av[j];
		if (!ws_valid_contact_id(x->id)) {
			err_set(err, DRIP_EUSAGE, NULL, 0, 0, "invalid contact id '%s'", x->id);
			goto out;
		}
		if (!x->found) {
			err_set(err, DRIP_ENOINPUT, NULL, 0, 0, "unknown contact '%s'", x->id);
			goto out;
		}
	}
	if (have_ferr) {
		*err = ferr;
		goto out;
	}
	if (badline != LONG_MAX) {
		err_set(err, DRIP_ENOINPUT, q->file, (int)badline, 0, "unknown contact '%s'",
			sbuf_str(&bad));
		goto out;
	}
	if (have_werr) {
		err_set(err, DRIP_EUSAGE, NULL, 0, 0, "--where: %d:%d: %s", werr.line, werr.col,
			werr.msg);
		goto out;
	}
	rc = 0;
out:
	if (out)
		fclose(out);
	if (idf.r)
		csvio_close(idf.r);
	if (sorted) {
		unlink(sorted);
		free(sorted);
	}
	roster_close(ro);
	sbuf_release(&bad);
	free(av);
	free(tmpdir);
	arena_release(&a);
	return rc;
}

/* ---- the second pass ---- */

struct shard {
	struct csvio_reader *r;
	struct csvio_row row;
	int has, open, dirty;
	FILE *out;
	char *tmp;
	char rel[64];
	struct sbuf prev;		/* contact NUL sequence of the row before */
};

struct apply {
	const struct enroll_req *q;
	struct drip_err *err;
	struct shard sh[STATE_SHARDS];
	struct arena scratch;
	size_t scratch_rows;
	struct sbuf line;
	FILE *log;
	char *logtmp;
	char logrel[64];
};

static int
shard_next(struct apply *ap, struct shard *s)
{
	int rc;

	if (s->r == NULL) {
		s->has = 0;
		return 0;
	}
	if ((rc = csvio_next(s->r, &s->row, ap->err)) < 0) {
		snprintf(ap->err->file, sizeof ap->err->file, "%s", s->rel);
		return -1;
	}
	s->has = rc;
	return 0;
}

static int
shard_open(struct apply *ap, unsigned i)
{
	struct shard *s = &ap->sh[i];
	char *full;
	int rc = 0;

	state_shard_path(i, s->rel, sizeof s->rel);
	full = fsio_join(ap->q->root, s->rel);
	s->open = 1;
	if (fsio_exists(full)) {
		if (csvio_open(full, &s->r, ap->err) < 0) {
			snprintf(ap->err->file, sizeof ap->err->file, "%s", s->rel);
			rc = -1;
		} else if (csvio_ncols(s->r) != STATE_ENR_COLS ||
			   strcmp(csvio_colname(s->r, 0), "contact") != 0) {
			rc = err_set(ap->err, DRIP_EDATA, s->rel, 1, 0, "header must be %.*s",
				     (int)strlen(STATE_ENR_HEADER) - 1, STATE_ENR_HEADER);
		}
	}
	if (rc == 0 && (rc = fsio_create_beside(full, &s->tmp, &s->out, ap->err)) == 0) {
		fputs(STATE_ENR_HEADER, s->out);
		rc = shard_next(ap, s);
	}
	free(full);
	return rc;
}

/* Parse the shard's current row into e (strings in the scratch arena). */
static int
shard_parse(struct apply *ap, struct shard *s, struct enr *e)
{
	const char *key;

	if (state_enr_parse(&ap->scratch, s->row.f, s->row.n, s->rel, s->row.line, e,
			    ap->err) < 0)
		return -1;
	ap->scratch_rows++;
	/* The merge needs the file in order, as drip writes it. */
	key = sbuf_str(&s->prev);
	if (s->prev.len && (strcmp(key, e->contact) > 0 ||
			    (strcmp(key, e->contact) == 0 &&
			     strcmp(key + strlen(key) + 1, e->sequence) >= 0)))
		return err_set(ap->err, DRIP_EDATA, s->rel, (int)s->row.line, 0,
			       "rows out of order: \"%s\" \"%s\" after \"%s\" \"%s\"",
			       e->contact, e->sequence, key, key + strlen(key) + 1);
	sbuf_reset(&s->prev);
	sbuf_add(&s->prev, e->contact, strlen(e->contact) + 1);
	sbuf_adds(&s->prev, e->sequence);
	return 0;
}

static void
put_enr(struct apply *ap, struct shard *s, const struct enr *e)
{
	sbuf_reset(&ap->line);
	state_enr_format(&ap->line, e);
	fwrite(ap->line.buf, 1, ap->line.len, s->out);
}

/* Copy the rows of contacts before upto (all when NULL), as drip writes
 * them. */
static int
copy_before(struct apply *ap, struct shard *s, const char *upto)
{
	struct enr e;

	while (s->has && (upto == NULL || strcmp(s->row.f[0], upto) < 0)) {
		if (shard_parse(ap, s, &e) < 0)
			return -1;
		put_enr(ap, s, &e);
		if (shard_next(ap, s) < 0)
			return -1;
		if (ap->scratch_rows >= 4096) {
			arena_release(&ap->scratch);
			ap->scratch_rows = 0;
		}
	}
	return 0;
}

static int
log_row(struct apply *ap, const struct log_row *lr)
{
	if (ap->log == NULL && actlog_begin(ap->q->root, ap->logrel, &ap->logtmp, &ap->log,
					    ap->err) < 0)
		return -1;
	sbuf_reset(&ap->line);
	actlog_format(&ap->line, lr);
	fwrite(ap->line.buf, 1, ap->line.len, ap->log);
	return 0;
}

static void
skip(struct apply *ap, struct enroll_result *res, const char *fmt, const char *id)
{
	char msg[512];

	snprintf(msg, sizeof msg, fmt, id, ap->q->seq);
	if (ap->q->skip)
		ap->q->skip(ap->q->ctx, msg);
	res->skipped++;
}

/* One picked contact: its rows in its shard, the change, the log row. */
static int
one(struct apply *ap, const char *id, struct enroll_result *res)
{
	const struct enroll_req *q = ap->q;
	unsigned si = state_shard(id);
	struct shard *s = &ap->sh[si];
	struct enr rows[64], *v = rows, *e = NULL, fresh;
	size_t n = 0, cap = 64, i, pos;
	struct log_row lr = { q->now, id, q->seq, "", "", "", "ok", "", "" };
	int rc = -1;

	if (!s->open && shard_open(ap, si) < 0)
		return -1;
	if (copy_before(ap, s, id) < 0)
		return -1;
	while (s->has && strcmp(s->row.f[0], id) == 0) {
		if (n == cap) {
			struct enr *nv = xmalloc(2 * cap * sizeof *nv);

			memcpy(nv, v, n * sizeof *nv);
			if (v != rows)
				free(v);
			v = nv;
			cap *= 2;
		}
		if (shard_parse(ap, s, &v[n]) < 0 || shard_next(ap, s) < 0)
			goto out;
		n++;
	}
	for (pos = 0; pos < n && strcmp(v[pos].sequence, q->seq) < 0; pos++)
		;
	if (pos < n && strcmp(v[pos].sequence, q->seq) == 0)
		e = &v[pos];
	switch (q->mode) {
	case ENROLL_ADD:
		if (e && !enr_ended(e->status) && q->reenroll != REENROLL_ALWAYS) {
			skip(ap, res, "'%s' is already enrolled in '%s'", id);
			goto write;
		}
		if (e && enr_ended(e->status) && q->reenroll == REENROLL_NEVER) {
			skip(ap, res, "'%s' was enrolled in '%s' before and it says reenroll: never",
			     id);
			goto write;
		}
		if (e == NULL)
			e = &fresh;
		e->contact = id;
		e->sequence = q->seq;
		e->version = q->version;
		e->status = ENR_ACTIVE;
		e->step = q->first;
		e->entered = e->base = e->enrolled = q->at;
		e->paused = STATE_NONE;
		e->task = "";
		e->hold = STATE_NONE;
		e->sent_day = "";
		e->sent = 0;
		lr.action = "enroll";
		if (q->at_text)
			lr.detail = arena_printf(&ap->scratch, "at %s", q->at_text);
		break;
	case ENROLL_REMOVE:
		if (e == NULL || enr_ended(e->status)) {
			skip(ap, res, "'%s' is not enrolled in '%s'", id);
			goto write;
		}
		e->status = ENR_REMOVED;
		e->step = "";
		e->paused = STATE_NONE;
		e->task = "";
		e->entered = e->base = q->now;
		lr.action = "removed";
		lr.detail = "by drip enroll --remove";
		break;
	case ENROLL_PAUSE:
		if (e == NULL || (e->status != ENR_ACTIVE && e->status != ENR_WAITING)) {
			skip(ap, res, "'%s' has no running enrollment in '%s'", id);
			goto write;
		}
		e->status = ENR_PAUSED;
		e->paused = q->now;
		break;
	case ENROLL_RESUME:
		if (e == NULL || e->status != ENR_PAUSED) {
			skip(ap, res, "'%s' is not paused in '%s'", id);
			goto write;
		}
		/* The clock froze: every pending time moves by the pause. */
		if (q->now > e->paused) {
			e->base += q->now - e->paused;
			e->entered += q->now - e->paused;
		}
		e->status = *e->task ? ENR_WAITING : ENR_ACTIVE;
		e->paused = STATE_NONE;
		break;
	}
	s->dirty = 1;
	res->changed++;
	if (lr.action[0] && log_row(ap, &lr) < 0)
		goto out;
write:
	for (i = 0; i < n; i++) {
		if (i == pos && e == &fresh)
			put_enr(ap, s, &fresh);
		put_enr(ap, s, &v[i]);
	}
	if (pos == n && e == &fresh)
		put_enr(ap, s, &fresh);
	rc = 0;
out:
	if (v != rows)
		free(v);
	return rc;
}

static int
apply(const struct enroll_req *q, const char *picked, struct enroll_result *res,
      struct drip_err *err)
{
	struct apply *ap = xcalloc(1, sizeof *ap);
	FILE *in = fopen(picked, "re");
	char *id = NULL;
	size_t cap = 0, i;
	ssize_t len;
	int rc = -1;

	ap->q = q;
	ap->err = err;
	actlog_path(q->now, ap->logrel, sizeof ap->logrel);
	if (in == NULL) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot read '%s'", picked);
		goto out;
	}
	while ((len = getdelim(&id, &cap, '\0', in)) > 0) {
		if (ap->scratch_rows >= 4096) {
			arena_release(&ap->scratch);
			ap->scratch_rows = 0;
		}
		if (one(ap, id, res) < 0)
			goto out;
	}
	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard *s = &ap->sh[i];

		if (!s->open)
			continue;
		if (copy_before(ap, s, NULL) < 0)
			goto out;
		arena_release(&ap->scratch);
		ap->scratch_rows = 0;
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
	if (ap->log) {
		struct fsio_pending *f = &res->files[res->nfiles];

		rc = fsio_finish(ap->log, ap->logtmp, err);
		ap->log = NULL;
		if (rc < 0)
			goto out;
		rc = -1;
		snprintf(f->rel, sizeof f->rel, "%s", ap->logrel);
		f->tmp = ap->logtmp;
		ap->logtmp = NULL;
		res->nfiles++;
	}
	rc = 0;
out:
	free(id);
	if (in)
		fclose(in);
	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard *s = &ap->sh[i];

		if (s->r)
			csvio_close(s->r);
		if (s->out)
			fclose(s->out);
		if (s->tmp) {
			unlink(s->tmp);
			free(s->tmp);
		}
		sbuf_release(&s->prev);
	}
	if (ap->log)
		fclose(ap->log);
	if (ap->logtmp) {
		unlink(ap->logtmp);
		free(ap->logtmp);
	}
	arena_release(&ap->scratch);
	sbuf_release(&ap->line);
	free(ap);
	return rc;
}

int
enroll_run(const struct enroll_req *q, struct enroll_result *res, struct drip_err *err)
{
	char *picked = tmp_in(q->root, "enroll");
	size_t npicked = 0;
	int rc;

	memset(res, 0, sizeof *res);
	rc = pick(q, picked, &npicked, err);
	if (rc == 0)
		rc = apply(q, picked, res, err);
	unlink(picked);
	free(picked);
	if (rc < 0)
		enroll_result_release(res);
	return rc;
}

void
enroll_result_release(struct enroll_result *res)
{
	fsio_pending_release(res->files, res->nfiles);
	res->nfiles = 0;
}
