/*
 * runio.c - the writers of a tick (runio.h).
 *
 * Memory: the writer's copies (log rows held for sorting, tasks, notes,
 * lists, edited contacts, paths) live in the caller's arena (run_opts.a);
 * file names and handles are the writer's, freed by runio_free.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actlog.h"
#include "arena.h"
#include "autom.h"
#include "clock.h"
#include "config.h"
#include "csvio.h"
#include "csvsort.h"
#include "defs.h"
#include "delivery.h"
#include "dtime.h"
#include "due.h"
#include "engine.h"
#include "err.h"
#include "events.h"
#include "fsio.h"
#include "outbox.h"
#include "runio.h"
#include "runlog.h"
#include "sbuf.h"
#include "shard.h"
#include "state.h"
#include "store.h"
#include "txn.h"

/* An enrollment shard's new version, written beside the old one. */
struct shard_out {
	FILE *out;
	char tmp[128], rel[64];
	int dirty;
};

/* A contact edited by actions: its new row. */
struct edited {
	const char *id;
	const char **vals;
	size_t n;
};

struct runio {
	struct run_opts o;
	struct arena *a;
	struct shard_out sh[STATE_SHARDS];
	struct shard_out runs;		/* state/runs.csv's new version */
	struct runlog logs;		/* the pass's log rows */
	struct outbox_stage *stage[3];	/* email, sms, run */
	char *stage_dir[3];
	struct run_kept k;		/* log rows (unless streamed), tasks, notes, lists */
	int stream_log;			/* one slot: rows go straight to the log */
	struct edited *edited;		/* in id order */
	size_t nedited, capedited;
	const char **paths;		/* the commit's paths */
	size_t npaths;
	struct delivery_tally tally;
	int64_t to;
	char *contacts_tmp;		/* contacts.csv rewritten beside itself */
	const char *summary;
	struct sbuf row;		/* one state row, formatted: reused */
};

static const char *
now_utc(const struct runio *w)
{
	char buf[32];

	dtime_format_utc(w->o.now, buf, sizeof buf);
	return arena_strdup(w->a, buf);
}

static char *
path_of(const struct runio *w, const char *rel)
{
	return fsio_join(w->o.root, rel);
}

/* mkdir -p of a directory of the workspace. */
static int
mkdirs_in(const struct runio *w, const char *rel, struct drip_err *err)
{
	char *full = path_of(w, rel);
	int rc = fsio_mkdirs(full, 0755, err);

	free(full);
	return rc;
}

static int
log_put(struct runio *w, const struct log_row *row, struct drip_err *err)
{
	return runlog_put(&w->logs, w->o.root, w->a, row, err);
}

/* The clock file this tick writes: the workspace's, or its shard's
 * (clock.h). */
static const char *
clock_rel(struct runio *w)
{
	char rel[64];

	if (w->o.shard_n == 0)
		return STATE_CLOCK;
	clock_shard_names(w->o.shard_k, w->o.shard_n, NULL, 0, rel, sizeof rel);
	return arena_strdup(w->a, rel);
}

/* ---- state files written beside ---- */

/* A state file's new version, written beside the old one (in dir) under
 * the temporary name tmp, header first. */
static FILE *
open_beside(struct runio *w, const char *dir, const char *tmp, const char *header,
	    struct drip_err *err)
{
	char *full = path_of(w, tmp);
	FILE *f = NULL;
	int fd;

	if (mkdirs_in(w, dir, err) == 0) {
		fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
			err_sys(err, DRIP_EFAIL, tmp, "cannot write");
			if (fd >= 0)
				close(fd);
		} else {
			fputs(header, f);
		}
	}
	free(full);
	return f;
}

static int
shard_write(struct runio *w, struct shard_out *s, const struct enr *e, struct drip_err *err)
{
	if (s->out == NULL && (s->out = open_beside(w, "state/enrollments", s->tmp,
						     STATE_ENR_HEADER, err)) == NULL)
		return -1;
	sbuf_reset(&w->row);
	state_enr_format(&w->row, e);
	fwrite(w->row.buf, 1, w->row.len, s->out);
	return 0;
}

static int
runs_write(struct runio *w, const struct arun *ar, struct drip_err *err)
{
	if (w->runs.out == NULL &&
	    (w->runs.out = open_beside(w, "state", w->runs.tmp, STATE_RUN_HEADER, err)) == NULL)
		return -1;
	sbuf_reset(&w->row);
	state_run_format(&w->row, ar);
	fwrite(w->row.buf, 1, w->row.len, w->runs.out);
	return 0;
}

/* Put a file written beside in place when it changed (else drop it); its
 * path joins the commit. */
static int
put_in_place(struct runio *w, struct shard_out *s, const char *what, struct drip_err *err)
{
	char *tmp, *dst;
	int rc = 0;

	if (s->out == NULL)
		return 0;
	if (fflush(s->out) != 0 || fsync(fileno(s->out)) != 0)
		rc = err_sys(err, DRIP_EFAIL, what, "cannot write");
	fclose(s->out);
	s->out = NULL;
	tmp = path_of(w, s->tmp);
	dst = path_of(w, s->rel);
	if (rc < 0 || !s->dirty)
		unlink(tmp);
	else if (rename(tmp, dst) != 0)
		rc = err_sys(err, DRIP_EFAIL, what, "cannot replace");
	else
		w->paths[w->npaths++] = s->rel;
	free(tmp);
	free(dst);
	return rc;
}

/* ---- the pass's outcome ---- */

/* The staging handle for a kind's outbox directory (its maildir, or
 * outbox/ for the transports that deliver from there). */
static struct outbox_stage *
stage_for(struct runio *w, const char *kind, struct drip_err *err)
{
	const struct config *cfg = w->o.cfg;
	int k = strcmp(kind, "run") == 0 ? 2 : strcmp(kind, "sms") == 0;
	const struct transport *t = k == 1 ? &cfg->sms : &cfg->email;
	/* Commands always wait in outbox/: no other program delivers them. */
	const char *dir = k < 2 && t->kind == TRANSPORT_MAILDIR ? t->maildir : "outbox";

	if (w->stage[k] == NULL) {
		w->stage_dir[k] = path_of(w, dir);
		if (outbox_stage_open(w->stage_dir[k], &w->stage[k], err) < 0)
			return NULL;
	}
	return w->stage[k];
}

static int
emit(struct runio *w, const struct effects *fx, struct drip_err *err)
{
	size_t i;

	for (i = 0; i < fx->nlog; i++) {
		delivery_tally_row(w->a, &w->tally, &fx->log[i]);
		/* One slot: every row has its time, so pass order is the
		 * sorted order; no need to hold them. */
		if (w->stream_log && log_put(w, &fx->log[i], err) < 0)
			return -1;
	}
	if (!w->stream_log)
		run_keep_rows(w->a, &w->k, fx);
	for (i = 0; i < fx->nmsgs; i++) {
		const struct out_msg *m = &fx->msgs[i];
		struct outbox_stage *st = stage_for(w, m->kind, err);

		if (st == NULL || outbox_stage_put(st, m->name, m->data, m->len, err) < 0)
			return -1;
	}
	/* Tasks and list rows are few: they are written after the pass,
	 * sorted by their keys. */
	run_keep_rest(w->a, &w->k, fx);
	return 0;
}

static int
writer_item(void *ctx, const struct run_info *ri, const struct run_item *it,
	    struct drip_err *err)
{
	struct runio *w = ctx;
	size_t i;

	(void)ri;
	if (it->fx && emit(w, it->fx, err) < 0)
		return -1;
	if (it->c && it->c->changed) {
		/* Actions edited this contact: keep its new row for the
		 * rewrite of contacts.csv after the pass. */
		struct edited *x = ARENA_PUSH(w->a, w->edited, w->nedited, w->capedited);

		x->id = arena_strdup(w->a, it->c->id);
		x->vals = arena_alloc(w->a, (it->c->n + 1) * sizeof *x->vals);
		for (i = 0; i < it->c->n; i++)
			x->vals[i] = arena_strdup(w->a, it->c->vals[i]);
		x->n = it->c->n;
	}
	if (it->enrs_changed)
		w->sh[it->shard].dirty = 1;
	for (i = 0; i < it->nenrs; i++)
		if (shard_write(w, &w->sh[it->shard], &it->enrs[i], err) < 0)
			return -1;
	if (it->runs_changed)
		w->runs.dirty = 1;
	for (i = 0; i < it->nruns; i++)
		if (runs_write(w, &it->runs[i], err) < 0)
			return -1;
	return 0;
}

static void
writer_abort(void *ctx)
{
	struct runio *w = ctx;
	size_t i;

	runlog_discard(&w->logs);
	if (w->contacts_tmp) {
		unlink(w->contacts_tmp);
		free(w->contacts_tmp);
		w->contacts_tmp = NULL;
	}
	for (i = 0; i <= STATE_SHARDS; i++) {
		struct shard_out *s = i < STATE_SHARDS ? &w->sh[i] : &w->runs;

		if (s->out) {
			char *full = path_of(w, s->tmp);

			fclose(s->out);
			s->out = NULL;
			unlink(full);
			free(full);
		}
	}
	for (i = 0; i < 3; i++) {
		outbox_stage_free(w->stage[i]);
		w->stage[i] = NULL;
		free(w->stage_dir[i]);
		w->stage_dir[i] = NULL;
	}
}

static int
writer_begin(void *ctx, const struct run_info *ri, struct drip_err *err)
{
	struct runio *w = ctx;
	struct run_opts o = w->o;
	struct sbuf row = w->row;	/* kept from a pass begun again */
	const char **paths;
	char lp[64];
	size_t i, n = 0;

	writer_abort(w);
	memset(w, 0, sizeof *w);
	w->o = o;
	w->a = o.a;
	w->row = row;
	w->to = ri->to;
	w->stream_log = ri->from != STATE_NONE && ri->to - ri->from == o.cfg->tick;
	/* Refuse to overwrite someone else's edits to drip's files.  A quiet
	 * shard is not written, and is as the last tick's commit left it
	 * (due.h): hashing it would read it all the same. */
	paths = arena_alloc(w->a, (STATE_SHARDS + 8) * sizeof *paths);
	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard_out *s = &w->sh[i];

		state_shard_path((unsigned)i, s->rel, sizeof s->rel);
		snprintf(s->tmp, sizeof s->tmp, "state/enrollments/.%02zu.csv.tmp-%ld", i,
			 (long)getpid());
		if (!ri->skip || !ri->skip[i])
			paths[n++] = s->rel;
	}
	snprintf(w->runs.rel, sizeof w->runs.rel, "%s", STATE_RUNS);
	snprintf(w->runs.tmp, sizeof w->runs.tmp, "state/.runs.csv.tmp-%ld", (long)getpid());
	paths[n++] = clock_rel(w);
	paths[n++] = STATE_RUNS;
	paths[n++] = STATE_AUTOS;
	paths[n++] = STATE_SNAPSHOT;
	paths[n++] = "tasks.csv";
	actlog_path(ri->to, lp, sizeof lp);
	paths[n++] = arena_strdup(w->a, lp);
	if (store_check_clean(o.store, paths, n, err) < 0)
		return -1;
	w->paths = arena_alloc(w->a, (STATE_SHARDS + 40) * sizeof *w->paths);
	return 0;
}

/* ---- the commit phase ---- */

/* Append text to the workspace file rel (with header first when the file
 * is new), synced; rel joins the commit's paths. */
static int
append_rows(struct runio *w, const char *rel, const char *header, const struct sbuf *rows,
	    struct drip_err *err)
{
	char *full = path_of(w, rel);
	int exists = fsio_exists(full), fd, ok;

	fd = open(full, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	free(full);
	ok = fd >= 0 &&
	     (exists || write(fd, header, strlen(header)) == (ssize_t)strlen(header)) &&
	     write(fd, rows->buf, rows->len) == (ssize_t)rows->len && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok)
		return err_sys(err, DRIP_EFAIL, rel, "cannot append");
	w->paths[w->npaths++] = rel;
	return 0;
}

/*
 * Contacts edited by actions: contacts.csv is streamed once more and
 * written beside itself with those rows replaced (columns and order kept),
 * to be renamed into place with the other files.  Rare, so the usual tick
 * never rewrites contacts.csv.  When an edited row gave a value to a
 * column the file lacked (see run_missing_cols), every missing one is
 * appended to the header and the other rows get "" there (engine.h says
 * why all).
 */
static int
rewrite_contacts(struct runio *w, struct drip_err *err)
{
	struct csvio_reader *cr = NULL;
	struct csvio_row row;
	const char *paths[1] = { "contacts.csv" };
	char *src = path_of(w, "contacts.csv"), *tmp;
	struct sbuf sb = SBUF_INIT;
	const char **hdr, *extra[ENGINE_CONTACT_NCOLS], **pad;
	size_t k = 0, j, ncols, nextra, nout;
	FILE *f = NULL;
	long idcol;
	int rc = -1, fd;

	if (store_check_clean(w->o.store, paths, 1, err) < 0) {
		free(src);
		return -1;
	}
	tmp = path_of(w, arena_printf(w->a, ".contacts.csv.tmp-%ld", (long)getpid()));
	if (csvio_open(src, &cr, err) < 0)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		err_sys(err, DRIP_EFAIL, "contacts.csv", "cannot write beside");
		goto out;
	}
	ncols = csvio_ncols(cr);
	nextra = run_missing_cols(cr, extra);
	nout = ncols;
	for (k = 0; k < w->nedited && nout == ncols; k++)
		for (j = ncols; j < w->edited[k].n; j++)
			if (*w->edited[k].vals[j])
				nout = ncols + nextra;
	k = 0;
	hdr = arena_alloc(w->a, (nout + 1) * sizeof *hdr);
	pad = arena_alloc(w->a, (nout + 1) * sizeof *pad);
	for (j = 0; j < nout; j++) {
		hdr[j] = j < ncols ? csvio_colname(cr, j) : extra[j - ncols];
		pad[j] = "";
	}
	csvio_format_row(&sb, hdr, nout);
	idcol = csvio_col(cr, "id");
	while ((rc = csvio_next(cr, &row, err)) == 1) {
		if (k < w->nedited && strcmp(row.f[idcol], w->edited[k].id) == 0) {
			csvio_format_row(&sb, w->edited[k++].vals, nout);
		} else if (nout == row.n) {
			csvio_format_row(&sb, row.f, row.n);
		} else {
			memcpy(pad, row.f, row.n * sizeof *pad);
			csvio_format_row(&sb, pad, nout);
		}
		if (sb.len > 65536) {
			fwrite(sb.buf, 1, sb.len, f);
			sbuf_reset(&sb);
		}
	}
	if (rc < 0)
		goto out;
	fwrite(sb.buf ? sb.buf : "", 1, sb.len, f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		err_sys(err, DRIP_EFAIL, "contacts.csv", "cannot write beside");
		rc = -1;
		goto out;
	}
	w->contacts_tmp = tmp;
	tmp = NULL;
	rc = 0;
out:
	if (f)
		fclose(f);
	if (cr)
		csvio_close(cr);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(src);
	sbuf_release(&sb);
	return rc;
}

/* Append the notes of the note action to notes.csv, by time. */
static int
write_notes(struct runio *w, struct drip_err *err)
{
	struct out_note *v = w->k.notes;
	size_t i, j, n = w->k.nnotes;
	struct sbuf sb = SBUF_INIT;
	int rc;

	if (n == 0)
		return 0;
	for (i = 1; i < n; i++) {
		struct out_note x = v[i];

		for (j = i; j > 0 && v[j - 1].time > x.time; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (i = 0; i < n; i++) {
		char stamp[32];
		const char *f[6];

		dtime_format_utc(v[i].time, stamp, sizeof stamp);
		f[0] = stamp;
		f[1] = v[i].contact;
		f[2] = v[i].sequence;
		f[3] = v[i].step;
		f[4] = v[i].automation;
		f[5] = v[i].text;
		csvio_format_row(&sb, f, 6);
	}
	rc = append_rows(w, "notes.csv", "time,contact,sequence,step,automation,text\n", &sb, err);
	sbuf_release(&sb);
	return rc;
}

static int
cmp_task(const void *a, const void *b)
{
	return strcmp(((const struct out_task *)a)->id, ((const struct out_task *)b)->id);
}

/* Append the new tasks to tasks.csv, sorted by id (ids begin with their
 * creation time, so the file stays in order). */
static int
write_tasks(struct runio *w, struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	size_t i;
	int rc;

	if (w->k.ntasks == 0)
		return 0;
	qsort(w->k.tasks, w->k.ntasks, sizeof *w->k.tasks, cmp_task);
	for (i = 0; i < w->k.ntasks; i++) {
		const struct out_task *t = &w->k.tasks[i];
		char created[32], due[32];
		const char *f[11];

		dtime_format_utc(t->created, created, sizeof created);
		dtime_format_utc(t->due, due, sizeof due);
		f[0] = t->id;
		f[1] = created;
		f[2] = due;
		f[3] = t->kind;
		f[4] = t->contact;
		f[5] = t->sequence;
		f[6] = t->step;
		f[7] = t->assignee;
		f[8] = t->subject;
		f[9] = "open";
		f[10] = "";
		csvio_format_row(&sb, f, 11);
	}
	rc = append_rows(w, "tasks.csv", EVENTS_TASKS_HEADER, &sb, err);
	sbuf_release(&sb);
	return rc;
}

/* Add the list rows: lists/LIST.csv with time,contact,sequence,step and the
 * fields, columns merged when a step lists new ones. */
static int
write_lists(struct runio *w, size_t maxpaths, struct drip_err *err)
{
	struct arena *a = w->a;
	struct out_list *v = w->k.lists;
	size_t i, j, n = w->k.nlists;

	/* Time first, like the log (see run_sort_rows); list rows are few, so
	 * an insertion sort keeps it simple and stable. */
	for (i = 1; i < n; i++) {
		struct out_list x = v[i];

		for (j = i; j > 0 && v[j - 1].time > x.time; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (i = 0; i < n; i++) {
		const char *list = v[i].list, *rel;
		struct csvio_table t;
		struct sbuf sb = SBUF_INIT;
		char *full;
		int rc;

		for (j = 0; j < i; j++)
			if (strcmp(v[j].list, list) == 0)
				break;
		if (j < i)
			continue;	/* done with its first row */
		rel = arena_printf(a, "lists/%s.csv", list);
		full = path_of(w, rel);
		if (fsio_exists(full))
			rc = csvio_table_load(a, full, &t, err);
		else
			rc = csvio_table_load_mem(a, rel, "time,contact,sequence,step\n", 27, &t, err);
		if (rc < 0) {
			free(full);
			return -1;
		}
		for (j = i; j < n; j++) {
			const struct out_list *l = &v[j];
			size_t row, k;
			char stamp[32];

			if (strcmp(l->list, list) != 0)
				continue;
			row = csvio_table_add_row(a, &t);
			dtime_format_utc(l->time, stamp, sizeof stamp);
			csvio_table_set(a, &t, row, csvio_table_add_col(a, &t, "time"), stamp);
			csvio_table_set(a, &t, row, csvio_table_add_col(a, &t, "contact"), l->contact);
			csvio_table_set(a, &t, row, csvio_table_add_col(a, &t, "sequence"),
					l->sequence);
			csvio_table_set(a, &t, row, csvio_table_add_col(a, &t, "step"), l->step);
			for (k = 0; k < l->n; k++)
				csvio_table_set(a, &t, row, csvio_table_add_col(a, &t, l->fields[k]),
						l->values[k]);
		}
		csvio_table_format(&t, &sb);
		rc = fsio_write_atomic(full, sb.buf, sb.len, 0644, err);
		free(full);
		sbuf_release(&sb);
		if (rc < 0)
			return -1;
		if (w->npaths < maxpaths)
			w->paths[w->npaths++] = rel;
	}
	return 0;
}

/* The tick marker (txn.h): the commit the run started from, whether it
 * rewrites contacts.csv, the inbox files it applies. */
static int
write_pending(const struct run_opts *o, const struct events *ev, int contacts,
	      struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	char head[64], *full;
	size_t i;
	int rc;

	if (store_head(o->store, head, err) < 0)
		return -1;
	sbuf_printf(&sb, "%s\n", head[0] ? head : "none");
	if (contacts)
		sbuf_adds(&sb, TXN_TICK_CONTACTS "\n");
	for (i = 0; ev && i < ev->n; i++)
		sbuf_printf(&sb, "%s\n", ev->v[i].id);
	full = fsio_join(o->root, TXN_TICK_PENDING);
	rc = fsio_write_atomic(full, sb.buf, sb.len, 0600, err);
	free(full);
	sbuf_release(&sb);
	return rc;
}

static int
write_since(struct runio *w, const struct run_info *ri, struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	char *full;
	size_t i;
	int rc;

	if (!ri->since_dirty)
		return 0;
	sbuf_adds(&sb, "id,since\n");
	for (i = 0; i < ri->d->nautos; i++) {
		char t[32];

		dtime_format_utc(ri->d->autos[i].since, t, sizeof t);
		sbuf_printf(&sb, "%s,%s\n", ri->d->autos[i].m->id, t);
	}
	full = path_of(w, STATE_AUTOS);
	rc = fsio_write_atomic(full, sb.buf, sb.len, 0644, err);
	free(full);
	sbuf_release(&sb);
	if (rc == 0)
		w->paths[w->npaths++] = STATE_AUTOS;
	return rc;
}

/*
 * Make state/contacts.csv a copy of contacts.csv as this tick leaves it,
 * so the next tick sees exactly the changes made after it.  The copy is
 * streamed, and skipped when the bytes are the same already.  git stores
 * the two identical files as one blob, so the repository does not grow.
 */
static int
sync_snapshot(struct runio *w, struct drip_err *err)
{
	char *src = path_of(w, "contacts.csv"), *dst = path_of(w, STATE_SNAPSHOT);
	char *tmp = path_of(w, arena_printf(w->a, "state/.contacts.csv.tmp-%ld", (long)getpid()));
	char a[65536], b[65536];
	FILE *fa, *fb, *out = NULL;
	int same, rc = -1, fd;
	size_t na, nb;

	/* A shard takes only its own contacts' rows (shard.h). */
	if (w->o.shard_n &&
	    (rc = shard_snapshot(w->o.root, w->o.shard_k, w->o.shard_n, err)) <= 0) {
		if (rc == 0)
			w->paths[w->npaths++] = STATE_SNAPSHOT;
		free(src);
		free(dst);
		free(tmp);
		return rc;
	}
	fa = fopen(src, "rb");
	fb = fopen(dst, "rb");
	same = fa && fb;
	rc = -1;

	while (same) {
		na = fread(a, 1, sizeof a, fa);
		nb = fread(b, 1, sizeof b, fb);
		if (na != nb || memcmp(a, b, na) != 0)
			same = 0;
		else if (na == 0)
			break;
	}
	if (fb)
		fclose(fb);
	if (same) {
		rc = 0;
		goto out;
	}
	if (fa == NULL || fseek(fa, 0, SEEK_SET) != 0) {
		err_sys(err, DRIP_EFAIL, "contacts.csv", "cannot read");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || (out = fdopen(fd, "wb")) == NULL) {
		err_sys(err, DRIP_EFAIL, STATE_SNAPSHOT, "cannot write");
		goto out;
	}
	while ((na = fread(a, 1, sizeof a, fa)) > 0)
		if (fwrite(a, 1, na, out) != na)
			break;
	if (ferror(fa) || ferror(out) || fflush(out) != 0 || fsync(fileno(out)) != 0 ||
	    rename(tmp, dst) != 0) {
		err_sys(err, DRIP_EFAIL, STATE_SNAPSHOT, "cannot write");
		goto out;
	}
	w->paths[w->npaths++] = STATE_SNAPSHOT;
	rc = 0;
out:
	if (out)
		fclose(out);
	if (fa)
		fclose(fa);
	if (rc < 0)
		unlink(tmp);
	free(src);
	free(dst);
	free(tmp);
	return rc;
}

/* The files in place and the commit: see runio.h for the order. */
static int
commit_phase(struct runio *w, const struct run_info *ri, int *pending, int *committed,
	     struct drip_err *err)
{
	struct sbuf msg = SBUF_INIT;
	char stamp[32], *full;
	size_t i, summary_len;
	int k, rewrote;

	if (w->nedited && rewrite_contacts(w, err) < 0)
		return -1;
	/* The pass succeeded.  From here on a crash is recovered by the next
	 * run (the marker), and messages are queued before any state moves
	 * (SPEC §9.3). */
	if (txn_tick_keep(w->o.root, w->contacts_tmp != NULL, err) < 0)
		return -1;
	*pending = 1 + (w->contacts_tmp != NULL);
	if (write_pending(&w->o, ri->ev, w->contacts_tmp != NULL, err) < 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (w->stage[i] && outbox_stage_commit(w->stage[i], err) < 0)
			return -1;
	/* Put the new files in place. */
	for (i = 0; i < STATE_SHARDS; i++) {
		if (put_in_place(w, &w->sh[i], w->sh[i].rel, err) < 0)
			return -1;
		if (w->o.phase)
			w->o.phase(w->o.progress_ctx, "writing", i + 1, STATE_SHARDS + 1);
	}
	if (put_in_place(w, &w->runs, STATE_RUNS, err) < 0 || write_since(w, ri, err) < 0)
		return -1;
	for (i = 0; i < w->logs.n; i++)
		w->paths[w->npaths++] = arena_strdup(w->a, w->logs.paths[i]);
	if (runlog_close(&w->logs, w->o.root) < 0)
		return err_sys(err, DRIP_EFAIL, "log", "cannot write the log");
	if (write_tasks(w, err) < 0 || write_notes(w, err) < 0 ||
	    write_lists(w, STATE_SHARDS + 30, err) < 0)
		return -1;
	/* A shard's rows go where one tick of the whole workspace puts
	 * them, whichever shard ticked first (shard.h). */
	for (i = 0; w->o.shard_n && i < w->npaths; i++)
		if (shard_appended(w->paths[i]) && shard_settle(w->o.store, w->o.root,
								  w->paths[i], err) < 0)
			return -1;
	rewrote = w->contacts_tmp != NULL;
	if (w->contacts_tmp) {
		full = path_of(w, "contacts.csv");
		k = rename(w->contacts_tmp, full);
		free(full);
		if (k != 0)
			return err_sys(err, DRIP_EFAIL, "contacts.csv", "cannot replace");
		free(w->contacts_tmp);
		w->contacts_tmp = NULL;
		w->paths[w->npaths++] = "contacts.csv";
	}
	/* Once made, the snapshot follows every tick, watched or not: an
	 * automation that watches again later (its trigger edited back)
	 * must see the changes since the last tick, not replay older ones. */
	full = path_of(w, STATE_SNAPSHOT);
	k = ri->watch || fsio_exists(full);
	free(full);
	/* Unless contacts.csv and the snapshot are as the last tick, which
	 * made them the same, left them. */
	if (ri->unchanged && !rewrote)
		k = 0;
	if (k && sync_snapshot(w, err) < 0)
		return -1;
	if (w->o.phase)
		w->o.phase(w->o.progress_ctx, "writing", 1, 1);
	if (store_exclude(w->o.store, w->o.shard_n ? "/" CLOCK_SHARD_DIR "/" : "/" STATE_CLOCK,
			  err) < 0)
		return -1;
	state_format_clock(ri->to, &msg);
	if (w->o.shard_n && mkdirs_in(w, CLOCK_SHARD_DIR, err) < 0)
		return -1;
	full = path_of(w, clock_rel(w));
	k = fsio_write_atomic(full, msg.buf, msg.len, 0644, err);
	free(full);
	sbuf_release(&msg);
	if (k < 0)
		return -1;
	w->paths[w->npaths++] = clock_rel(w);

	dtime_format_utc(ri->to, stamp, sizeof stamp);
	sbuf_printf(&msg, "tick %.10s %.5sZ: %zu step%s fired, %zu automation%s, %zu completed",
		    stamp, stamp + 11, ri->fired, ri->fired == 1 ? "" : "s", ri->automations,
		    ri->automations == 1 ? "" : "s", ri->completed);
	if (ri->enrolled)
		sbuf_printf(&msg, ", %zu enrolled", ri->enrolled);
	if (delivery_tally_total(&w->tally))
		sbuf_printf(&msg, ", %zu failed", delivery_tally_total(&w->tally));
	summary_len = msg.len;
	sbuf_printf(&msg, "\n\nDrip-Command: drip tick\nDrip-Now: %s\n", now_utc(w));
	if (w->o.shard_n)
		sbuf_printf(&msg, "Drip-Shard: %u-of-%u\nDrip-Slot: %s\n", w->o.shard_k,
			    w->o.shard_n, stamp);
	/* The clock stays out of the branch's history (clock.h): a tick
	 * that changed nothing else makes no commit, and a workspace whose
	 * tree still has clock.csv loses it from the tree here, once. */
	if (w->o.phase)
		w->o.phase(w->o.progress_ctx, "committing", 0, 1);
	store_set_untrack(w->o.store, clock_rel(w));
	k = store_commit(w->o.store, w->paths, w->npaths, msg.buf,
			 w->o.has_now ? w->o.now : -1, committed, NULL, err);
	store_set_untrack(w->o.store, NULL);
	if (k == 0 && w->o.phase)
		w->o.phase(w->o.progress_ctx, "committing", 1, 1);
	w->summary = arena_strndup(w->a, msg.buf, summary_len);
	sbuf_release(&msg);
	/* After a commit the ref is the second copy of a clock already
	 * synced in state/clock.csv: a failure to move it (a full disk)
	 * must not turn a landed commit into a failed tick; the next tick
	 * moves it.  Without a commit it is the record, and its failure
	 * undoes the tick. */
	if (k == 0 && (w->o.shard_n ? clock_save_shard(w->o.store, w->o.shard_k, w->o.shard_n,
						       ri->to, err) :
		       clock_save(w->o.store, ri->to, err)) < 0 && !*committed)
		k = -1;
	return k;
}

static int
writer_finish(void *ctx, const struct run_info *ri, struct drip_err *err)
{
	struct runio *w = ctx;
	size_t i;
	int pending = 0, committed = 0;

	run_sort_rows(w->k.rows, w->k.nrows);
	for (i = 0; i < w->k.nrows; i++)
		if (log_put(w, &w->k.rows[i], err) < 0)
			return -1;
	if (commit_phase(w, ri, &pending, &committed, err) < 0) {
		/* Failed before the commit landed: the files go back as they
		 * were now, not at the next run (a failed undo is left to
		 * that run). */
		if (pending && !committed) {
			struct drip_err e2;

			txn_tick_undo(w->o.store, w->o.root, pending == 2, &e2);
		}
		return -1;
	}
	/* Committed: the applied events leave the inbox, the marker goes. */
	for (i = 0; i < ri->ev->n; i++) {
		char *ev = path_of(w, arena_printf(w->a, "inbox/%s.csv", ri->ev->v[i].id));

		unlink(ev);
		free(ev);
	}
	{
		struct drip_err e2;

		txn_tick_done(w->o.root, &e2);	/* what is left, the next run sweeps */
	}
	/* For the next tick: which shards it may leave alone. */
	if (ri->next)
		due_save(w->o.root, w->o.cfg, ri->to, ri->next);
	return 0;
}

struct runio *
runio_new(const struct run_opts *o)
{
	struct runio *w = xmalloc(sizeof *w);

	memset(w, 0, sizeof *w);
	w->o = *o;
	w->a = o->a;
	return w;
}

void
runio_free(struct runio *w)
{
	if (w == NULL)
		return;
	writer_abort(w);
	sbuf_release(&w->row);
	free(w);
}

struct run_sink
runio_sink(struct runio *w)
{
	struct run_sink s = { writer_begin, writer_item, writer_finish, writer_abort, w };

	return s;
}

const char *
runio_summary(const struct runio *w)
{
	return w->summary;
}

const struct delivery_tally *
runio_tally(const struct runio *w)
{
	return &w->tally;
}

int
runio_deliver(struct runio *w, struct delivery *dlv, struct drip_err *err)
{
	return runlog_deliver(&w->o, w->to, &w->tally, dlv, err);
}

int
runio_sort_contacts(const struct run_opts *o, const char **rel, struct drip_err *err)
{
	struct csvsort_opts so = { "id", "contact", NULL, 0, 0, 0 };
	const char *paths[1] = { "contacts.csv" };
	char *src = fsio_join(o->root, "contacts.csv"), *tmpdir = fsio_join(o->root, ".drip");
	char *tmp = NULL, now[32];
	struct sbuf msg = SBUF_INIT;
	int rc = -1, committed = 0, fd, pending = 0;

	*rel = NULL;
	so.tmpdir = tmpdir;
	if (fsio_mkdirs(tmpdir, 0700, err) < 0)
		goto out;
	if (o->dry) {
		*rel = arena_printf(o->a, ".drip/.contacts.csv.tmp-%ld", (long)getpid());
		tmp = fsio_join(o->root, *rel);
		rc = csvsort_file(src, tmp, &so, NULL, err);
		goto out;
	}
	if (store_check_clean(o->store, paths, 1, err) < 0)
		goto out;
	tmp = fsio_join(o->root, arena_printf(o->a, ".contacts.csv.tmp-%ld", (long)getpid()));
	if (csvsort_file(src, tmp, &so, NULL, err) < 0)
		goto out;
	if (write_pending(o, NULL, 1, err) < 0) {
		unlink(tmp);
		goto out;
	}
	pending = 1;
	if (rename(tmp, src) != 0) {
		err_sys(err, DRIP_EFAIL, "contacts.csv", "cannot replace");
		unlink(tmp);
		goto out;
	}
	fd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot sync the workspace directory");
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	dtime_format_utc(o->now, now, sizeof now);
	sbuf_printf(&msg, "contacts.csv: sorted by id\n\nDrip-Command: drip tick\nDrip-Now: %s\n",
		    now);
	if (store_commit(o->store, paths, 1, msg.buf, o->has_now ? o->now : -1, &committed,
			 NULL, err) < 0)
		goto out;
	free(tmp);
	tmp = fsio_join(o->root, TXN_TICK_PENDING);
	unlink(tmp);
	rc = 0;
out:
	if (rc < 0 && pending && !committed) {
		/* The file goes back now, not at the next run. */
		struct drip_err e2;

		txn_tick_undo(o->store, o->root, 1, &e2);
	}
	if (rc < 0 && strcmp(err->file, src) == 0)
		snprintf(err->file, sizeof err->file, "contacts.csv");
	free(src);
	free(tmpdir);
	free(tmp);
	sbuf_release(&msg);
	return rc;
}
