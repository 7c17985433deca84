/*
 * plan.c - what publishing a draft would do, computed on a copy of the
 * workspace made of links (see plan.h).
 */
#include "plan.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "clock.h"
#include "config.h"
#include "dtime.h"
#include "err.h"
#include "fsio.h"
#include "pub.h"
#include "report.h"
#include "rtab.h"
#include "sbuf.h"
#include "seq.h"
#include "state.h"
#include "txn.h"

/* ---- the copy: links to the workspace, real files where publishing writes ---- */

/* Link every entry of root/rel (a directory) into dir/rel, skipping the
 * names in skip (NULL-terminated, may be NULL). */
static int
link_entries(const char *root, const char *dir, const char *rel, const char *const *skip,
	     struct drip_err *err)
{
	char *from = rel ? fsio_join(root, rel) : xstrdup(root);
	char *to = rel ? fsio_join(dir, rel) : xstrdup(dir);
	DIR *d = opendir(from);
	struct dirent *e;
	int rc = 0;

	if (d == NULL) {
		rc = errno == ENOENT ? 0 : err_sys(err, DRIP_EFAIL, NULL, "cannot read %s", from);
		goto out;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		const char *const *s;
		char *src, *dst;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		for (s = skip; s && *s; s++)
			if (strcmp(*s, e->d_name) == 0)
				break;
		if (s && *s)
			continue;
		src = fsio_join(from, e->d_name);
		dst = fsio_join(to, e->d_name);
		if (symlink(src, dst) != 0)
			rc = err_sys(err, DRIP_EFAIL, NULL, "cannot link %s", dst);
		free(src);
		free(dst);
	}
	closedir(d);
out:
	free(from);
	free(to);
	return rc;
}

/* Make dir/rel and each directory above it a real directory of the copy:
 * a link to the workspace's directory becomes a directory of links to its
 * entries, a missing one an empty directory. */
static int
materialize(const char *root, const char *dir, const char *rel, struct drip_err *err)
{
	size_t n = strlen(rel), i;
	int rc = 0;

	for (i = 1; rc == 0 && i <= n; i++) {
		struct stat sb;
		char *prefix, *full;

		if (i < n && rel[i] != '/')
			continue;
		prefix = xstrdup(rel);
		prefix[i] = '\0';
		full = fsio_join(dir, prefix);
		if (lstat(full, &sb) != 0) {
			if (mkdir(full, 0755) != 0)
				rc = err_sys(err, DRIP_EFAIL, NULL, "cannot make %s", full);
		} else if (S_ISLNK(sb.st_mode)) {
			if (unlink(full) != 0 || mkdir(full, 0755) != 0)
				rc = err_sys(err, DRIP_EFAIL, NULL, "cannot make %s", full);
			else
				rc = link_entries(root, dir, prefix, NULL, err);
		} else if (!S_ISDIR(sb.st_mode)) {
			rc = err_set(err, DRIP_EDATA, prefix, 0, 0, "is not a directory");
		}
		free(full);
		free(prefix);
	}
	return rc;
}

/* The directory part of rel ("" for none), in a. */
static const char *
parent_of(struct arena *a, const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? arena_strndup(a, rel, (size_t)(slash - rel)) : "";
}

/* Write one change of a publish into the copy. */
static int
put(struct arena *a, const char *root, const char *dir, const struct txn_change *ch,
    struct drip_err *err)
{
	const char *up = parent_of(a, ch->path);
	char *full;
	int rc = 0;

	if (*up && materialize(root, dir, up, err) < 0)
		return -1;
	full = fsio_join(dir, ch->path);
	if (ch->data == NULL) {
		if (unlink(full) != 0 && errno != ENOENT)
			rc = err_sys(err, DRIP_EFAIL, NULL, "cannot remove %s", full);
	} else if (ch->mode == TXN_FROM_FILE) {
		if (rename(ch->data, full) != 0)
			rc = err_sys(err, DRIP_EFAIL, NULL, "cannot rename %s", ch->data);
	} else {
		if (unlink(full) != 0 && errno != ENOENT)
			rc = err_sys(err, DRIP_EFAIL, NULL, "cannot replace %s", full);
		else
			rc = fsio_write_atomic(full, ch->data, ch->len, 0644, err);
	}
	free(full);
	return rc;
}

/* Remove the copy: links themselves, never what they point at. */
static int
remove_copy(const char *dir, struct drip_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d == NULL)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot read %s", dir);
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		char *full;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		full = fsio_join(dir, e->d_name);
		if (lstat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if (remove_copy(full, err) < 0)
				rc = -1;
		} else if (unlink(full) != 0) {
			rc = err_sys(err, DRIP_EFAIL, NULL, "cannot remove %s", full);
		}
		free(full);
	}
	closedir(d);
	if (rmdir(dir) != 0 && rc == 0)
		rc = err_sys(err, DRIP_EFAIL, NULL, "cannot remove %s", dir);
	return rc;
}

/* The copy's skeleton: links to everything but .git (no repository: the
 * pass reads the clock from state/clock.csv) and .drip (its own, holding
 * only a link to the signing key), and the clock as the workspace has it. */
static int
make_copy(struct arena *a, const char *root, const char *dir, struct drip_err *err)
{
	static const char *const skip[] = { ".git", ".drip", NULL };
	char *key = fsio_join(root, ".drip/signing.key"), *dkey = NULL;
	char *drip = fsio_join(dir, ".drip");
	int64_t slot;
	int rc, have;

	rc = link_entries(root, dir, NULL, skip, err);
	if (rc == 0 && mkdir(drip, 0700) != 0)
		rc = err_sys(err, DRIP_EFAIL, NULL, "cannot make %s", drip);
	if (rc == 0 && fsio_exists(key)) {
		dkey = fsio_join(drip, "signing.key");
		if (symlink(key, dkey) != 0)
			rc = err_sys(err, DRIP_EFAIL, NULL, "cannot link %s", dkey);
	}
	/* The shards: migration writes its files beside them. */
	if (rc == 0)
		rc = materialize(root, dir, "state/enrollments", err);
	if (rc == 0 && (have = clock_read(root, NULL, &slot, err)) < 0)
		rc = -1;
	if (rc == 0) {
		struct txn_change ch = { STATE_CLOCK, NULL, 0, 0 };
		struct sbuf sb = SBUF_INIT;

		if (have == 0) {
			state_format_clock(slot, &sb);
			ch.data = arena_strndup(a, sb.buf, sb.len);
			ch.len = sb.len;
		}
		rc = put(a, root, dir, &ch, err);
		sbuf_release(&sb);
	}
	free(key);
	free(dkey);
	free(drip);
	return rc;
}

/* ---- what migration says: moves and automations that end ---- */

struct prow {
	char *f[5];			/* one malloc'ed block */
};

struct rows {
	struct prow *v;
	size_t n, cap;
	size_t total;
};

static int
cmp_prow(const void *pa, const void *pb)
{
	const struct prow *a = pa, *b = pb;
	int c = strcmp(a->f[0], b->f[0]);

	return c ? c : strcmp(a->f[2], b->f[2]);
}

/* Keep the PLAN_ROWS_MAX lowest by contact: sorted and cut whenever twice
 * that many are held. */
static void
rows_cut(struct rows *r)
{
	size_t i;

	if (r->n > 1)
		qsort(r->v, r->n, sizeof *r->v, cmp_prow);
	for (i = PLAN_ROWS_MAX; i < r->n; i++)
		free(r->v[i].f[0]);
	if (r->n > PLAN_ROWS_MAX)
		r->n = PLAN_ROWS_MAX;
}

static void
rows_add(struct rows *r, const char *const *f, size_t nf)
{
	struct prow *p;
	size_t len[5], total = 0, k;
	char *s;

	r->total++;
	if (r->n == 2 * PLAN_ROWS_MAX)
		rows_cut(r);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	p = &r->v[r->n++];
	memset(p, 0, sizeof *p);
	for (k = 0; k < nf; k++)
		total += (len[k] = strlen(f[k])) + 1;
	s = xmalloc(total);
	for (k = 0; k < nf; k++) {
		memcpy(s, f[k], len[k] + 1);
		p->f[k] = s;
		s += len[k] + 1;
	}
}

static void
rows_free(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].f[0]);
	free(r->v);
	memset(r, 0, sizeof *r);
}

struct watch {
	const struct seq *old, *nq;
	size_t enrollments, running, moved, resumed;
	struct rows moves, ending;
};

static const struct step *
find_step(const struct seq *q, const char *id)
{
	long k = id && *id ? seq_step_index(q, id) : -1;

	return k < 0 ? NULL : &q->steps[k];
}

static int
has_auto(const struct step *st, const char *id)
{
	size_t i;

	for (i = 0; st && i < st->nautos; i++)
		if (strcmp(st->autos[i].id, id) == 0)
			return 1;
	return 0;
}

/* Can the automation still fire while the contact stays on its step?  An
 * `enter` one without a delay or repeat fired when the contact entered. */
static int
may_fire(const struct step_auto *sa)
{
	if (sa->on != TRIG_ENTER)
		return 1;
	return sa->has_repeat || sa->after.months || sa->after.days || sa->after.secs;
}

static const char *const trig_names[] = { "enter", "complete", "pending" };

static void
on_seen(void *ctx, const struct enr *before, const struct enr *after, int moved)
{
	struct watch *w = ctx;
	const struct step *was, *now;
	size_t i;

	w->enrollments++;
	if (!enr_ended(before->status))
		w->running++;
	if (moved) {
		int resumed = enr_ended(before->status);
		const char *f[4];

		if (resumed)
			w->resumed++;
		else
			w->moved++;
		f[0] = before->contact;
		f[1] = *before->step ? before->step : "(done)";
		f[2] = *after->step ? after->step : "(done)";
		f[3] = resumed ? "steps added after the old last step" :
		       "its step is deleted";
		rows_add(&w->moves, f, 4);
	}
	if (enr_ended(before->status))
		return;
	was = find_step(w->old, before->step);
	now = enr_ended(after->status) ? NULL : find_step(w->nq, after->step);
	for (i = 0; was && i < was->nautos; i++) {
		const char *f[4];

		if (!may_fire(&was->autos[i]) || has_auto(now, was->autos[i].id))
			continue;
		f[0] = before->contact;
		f[1] = was->id;
		f[2] = was->autos[i].id;
		f[3] = trig_names[was->autos[i].on];
		rows_add(&w->ending, f, 4);
	}
}

/* ---- the document ---- */

static const char *
num(struct arena *a, size_t v)
{
	return arena_printf(a, "%zu", v);
}

static void
add_rows(struct arena *a, struct rtab_doc *out, const char *name, const char *title,
	 const char *const *cols, size_t ncols, struct rows *r)
{
	struct rtab *t;
	size_t i, k;

	rows_cut(r);
	t = rtab_add(a, out, name, r->total > r->n ?
		     arena_printf(a, "%s: the first %zu of %zu", title, r->n, r->total) : title,
		     cols);
	for (i = 0; i < r->n; i++) {
		const char **row = rtab_row(a, t);

		for (k = 0; k < ncols; k++)
			row[k] = arena_strdup(a, r->v[i].f[k]);
	}
}

static int
build(struct arena *a, const struct plan_opts *o, const char *dir, struct watch *w,
      struct rtab_doc *out, struct drip_err *err)
{
	static const char *const c_sum[] = { "sequence", "version", "new_version", "enrollments",
					     "in_progress", "moved", "resumed", "staying",
					     "automations_ending", "actions", "until", NULL };
	static const char *const c_moves[] = { "contact", "from", "to", "why", NULL };
	static const char *const c_end[] = { "contact", "step", "automation", "on", NULL };
	struct migrate_watch mw = { on_seen, w };
	struct pub_prepared pp;
	struct report_opts ro;
	struct rtab *t;
	const char **row;
	char utc[32], until[64], now[64];
	int64_t first;
	size_t i, actions = 0, k;
	int rc;

	dtime_format_utc(o->now, utc, sizeof utc);
	if (pub_prepare(a, dir, o->cfg, o->id, o->q, o->pc, o->now, arena_strdup(a, utc), &mw,
			&pp, err) < 0)
		return -1;
	for (i = 0, rc = 0; rc == 0 && i < pp.nch; i++)
		rc = put(a, o->root, dir, &pp.ch[i], err);
	pub_prepared_release(&pp);
	if (rc < 0)
		return -1;

	ro.root = dir;
	ro.cfg = o->cfg;
	ro.now = o->now;
	report_doc_begin(a, &ro, out, "plan", arena_printf(a, "Publishing %s", o->id));
	dtime_format_local(o->cfg->tz, o->until, 0, until, sizeof until);
	dtime_format_local(o->cfg->tz, o->now, 0, now, sizeof now);
	out->subtitle = arena_printf(a, "%s; %s, then what fires up to %s (%s)", out->subtitle,
				     pp.same ? arena_printf(a, "the draft is version %ld as "
							    "published: publishing changes "
							    "nothing", pp.from) :
				     pp.from ? arena_printf(a, "version %ld would become %ld at %s",
							    pp.from, pp.version, now) :
				     arena_printf(a, "first published as version 1 at %s", now),
				     until, o->horizon);
	t = rtab_add(a, out, "summary", "Summary", c_sum);
	for (k = 1; k < 10; k++)
		rtab_numeric(t, k);
	row = rtab_row(a, t);
	rc = report_upcoming_tabs(a, &ro, o->id, o->until, out, &first, &actions, err);
	if (rc < 0)
		return -1;
	row[0] = o->id;
	row[1] = pp.from ? arena_printf(a, "%ld", pp.from) : "";
	row[2] = arena_printf(a, "%ld", pp.version);
	row[3] = num(a, w->enrollments);
	row[4] = num(a, w->running);
	row[5] = num(a, w->moved);
	row[6] = num(a, w->resumed);
	row[7] = num(a, w->running - w->moved);
	row[8] = num(a, w->ending.total);
	row[9] = num(a, actions);
	dtime_format_utc(o->until, utc, sizeof utc);
	row[10] = arena_strdup(a, utc);
	add_rows(a, out, "moves", "Enrollments that move", c_moves, 4, &w->moves);
	add_rows(a, out, "ending", "Automations that end", c_end, 4, &w->ending);
	/* The summary first, then moves and endings, then what fires. */
	if (out->ntabs == 5) {
		struct rtab days = out->tabs[1], up = out->tabs[2];

		out->tabs[1] = out->tabs[3];
		out->tabs[2] = out->tabs[4];
		out->tabs[3] = days;
		out->tabs[4] = up;
	}
	return 0;
}

int
plan_build(struct arena *a, const struct plan_opts *o, struct rtab_doc *out,
	   struct drip_err *err)
{
	char *dir = fsio_join(o->root, ".drip/plan-XXXXXX");
	struct watch w;
	int rc;

	memset(&w, 0, sizeof w);
	w.nq = o->q;
	w.old = pub_load_published(a, o->root, o->id);
	if (mkdtemp(dir) == NULL) {
		rc = err_sys(err, DRIP_EFAIL, NULL, "cannot create a temporary directory in .drip");
		free(dir);
		return rc;
	}
	rc = make_copy(a, o->root, dir, err);
	if (rc == 0)
		rc = build(a, o, dir, &w, out, err);
	rows_free(&w.moves);
	rows_free(&w.ending);
	if (remove_copy(dir, rc < 0 ? &(struct drip_err){ 0 } : err) < 0)
		rc = -1;
	free(dir);
	return rc;
}
