/*
 * tick.c - `drip tick` (SPEC §9): the cron job.
 *
 * The order of a run is what makes it crash-safe (SPEC §9.3):
 *   1. lock; recover from a crashed run (.drip/tick.pending);
 *   2. read the clock, the published definitions, inbox/ and tasks.csv;
 *   3. one streaming pass over contacts.csv in id order, merged with the 64
 *      enrollment shards; the pure engine advances each contact; its
 *      messages go into outbox/new at once, its rows into temporary files;
 *   4. the state, log, task and list files are put in place (atomic
 *      renames, appends), the clock moves, and one commit records it all;
 *   5. applied inbox files are removed, then the outbox is delivered; the
 *      log rows of failed deliveries get a commit of their own.
 * A tick whose actions or deliveries failed still commits, then says so on
 * stderr, one line per kind of failure, and exits 1 (SPEC §9.4).
 * A run killed anywhere is redone by the next: message names are derived
 * from their content's identity, so a message is never queued twice, and
 * state goes back to the last commit before it is recomputed.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actlog.h"
#include "autom.h"
#include "cmd.h"
#include "csvio.h"
#include "csvsort.h"
#include "defs.h"
#include "delivery.h"
#include "dtime.h"
#include "engine.h"
#include "expr.h"
#include "fsio.h"
#include "json.h"
#include "outbox.h"
#include "sbuf.h"
#include "sched.h"
#include "seq.h"
#include "state.h"
#include "store.h"
#include "token.h"
#include "txn.h"
#include "tz.h"
#include "ws.h"

const struct optspec tick_opts[] = {
	{ "catch-up", 0, NULL, "process a backlog longer than max_lag", NULL },
	{ "dry-run", 'n', NULL, "print what would fire; change nothing", NULL },
	{ "no-deliver", 0, NULL, "queue messages in outbox/ but do not hand them over", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

/* The run marker, and its line that says this run rewrites contacts.csv
 * (which it found clean); core/txn.c finishes or undoes a killed run. */
#define PENDING TXN_TICK_PENDING
#define PENDING_CONTACTS TXN_TICK_CONTACTS
/* The marker of a delivery's log rows appended but maybe not committed:
 * the log files, one a line. */
#define DELIVER_PENDING ".drip/deliver.pending"
#define TASKS_HEADER "id,created,due,kind,contact,sequence,step,assignee,subject,status,done_at\n"

struct tick_opts {
	int dry, catch_up, no_deliver;
};

static int
on_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct tick_opts *o = ud;

	(void)c;
	(void)arg;
	if (strcmp(name, "dry-run") == 0)
		o->dry = 1;
	else if (strcmp(name, "catch-up") == 0)
		o->catch_up = 1;
	else if (strcmp(name, "no-deliver") == 0)
		o->no_deliver = 1;
	return 0;
}

/* ---- inputs ---- */

struct zone_cache {
	char **names;
	struct tz **zones;
	size_t n;
};

static const struct tz *
zone_of(void *ctx, const char *name)
{
	struct zone_cache *zc = ctx;
	struct drip_err e;
	struct tz *z = NULL;
	size_t i;

	for (i = 0; i < zc->n; i++)
		if (strcmp(zc->names[i], name) == 0)
			return zc->zones[i];
	if (tz_load(name, &z, &e) < 0)
		z = NULL;	/* not a zone: the sequence's zone applies */
	zc->names = xrealloc(zc->names, (zc->n + 1) * sizeof *zc->names);
	zc->zones = xrealloc(zc->zones, (zc->n + 1) * sizeof *zc->zones);
	zc->names[zc->n] = xstrdup(name);
	zc->zones[zc->n++] = z;
	return z;
}

static void
zone_cache_free(struct zone_cache *zc)
{
	size_t i;

	for (i = 0; i < zc->n; i++) {
		free(zc->names[i]);
		if (zc->zones[i])
			tz_free(zc->zones[i]);
	}
	free(zc->names);
	free(zc->zones);
}

/* Tasks that are done: sorted ids with their done_at. */
struct done_tasks {
	const char **ids;
	int64_t *at;
	size_t n;
};

static int
task_done(void *ctx, const char *id, int64_t *at)
{
	struct done_tasks *d = ctx;
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(d->ids[mid], id);

		if (c == 0) {
			*at = d->at[mid];
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
load_done_tasks(struct cmd_ctx *c, struct done_tasks *d)
{
	struct csvio_table t;
	char *path = ws_path(c, "tasks.csv");
	long cid, cst, cdone;
	size_t i;
	int rc;

	memset(d, 0, sizeof *d);
	if (!fsio_exists(path)) {
		free(path);
		return 0;
	}
	rc = csvio_table_load(&c->a, path, &t, &c->err);
	free(path);
	if (rc < 0)
		return -1;
	cid = csvio_table_col(&t, "id");
	cst = csvio_table_col(&t, "status");
	cdone = csvio_table_col(&t, "done_at");
	if (cid < 0 || cst < 0 || cdone < 0)
		return err_set(&c->err, DRIP_EDATA, "tasks.csv", 1, 0,
			       "header must be %.*s", (int)strlen(TASKS_HEADER) - 1, TASKS_HEADER);
	csvio_table_sort(&t, (size_t)cid);
	d->ids = arena_alloc(&c->a, (t.nrows + 1) * sizeof *d->ids);
	d->at = arena_alloc(&c->a, (t.nrows + 1) * sizeof *d->at);
	for (i = 0; i < t.nrows; i++) {
		int64_t at;

		if (strcmp(t.rows[i][cst], "done") != 0)
			continue;
		if (state_parse_time(t.rows[i][cdone], &at) < 0 || at == STATE_NONE)
			return err_set(&c->err, DRIP_EDATA, "tasks.csv", (int)t.lines[i], 0,
				       "done task '%s' has no valid done_at", t.rows[i][cid]);
		d->ids[d->n] = t.rows[i][cid];
		d->at[d->n++] = at;
	}
	return 0;
}

/* Events in inbox/: one CSV file each, written by `drip event`. */
struct events {
	struct event *v;
	size_t n;
};

static int
cmp_event(const void *pa, const void *pb)
{
	const struct event *a = pa, *b = pb;
	int c = strcmp(a->contact, b->contact);

	if (c)
		return c;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* The slot an event is applied in: the first unprocessed slot at or after
 * its time (SPEC §4.5).  Events whose slot is still ahead stay in inbox/
 * for a later tick. */
static int64_t
event_slot(const struct cmd_ctx *c, int64_t from, int64_t t)
{
	int64_t s = sched_slot_ceil(t, c->cfg.tick);

	if (from != STATE_NONE && s <= from)
		s = from + c->cfg.tick;
	return s;
}

/* The value of key in an event's data column (KEY=VALUE&..., %XX
 * escapes), or "". */
static const char *
data_get(struct arena *a, const char *data, const char *key)
{
	size_t klen = strlen(key);
	const char *p = data;

	while (*p) {
		size_t n = strcspn(p, "&");

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			char *v = arena_strndup(a, p + klen + 1, n - klen - 1), *w = v;
			const char *q;

			for (q = v; *q; q++) {
				unsigned x;

				if (q[0] == '%' && q[1] && q[2] && sscanf(q + 1, "%2x", &x) == 1) {
					*w++ = (char)x;
					q += 2;
				} else {
					*w++ = *q;
				}
			}
			*w = '\0';
			return v;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return "";
}

static int
load_events(struct cmd_ctx *c, struct events *ev, int64_t from, int64_t to)
{
	char *dir = ws_path(c, "inbox");
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	memset(ev, 0, sizeof *ev);
	free(dir);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		const char *rel;
		size_t len = strlen(e->d_name);
		struct csvio_table t;
		struct event *x;
		char *full;
		long ct, cc, cn, cs;
		int rc;

		if (e->d_name[0] == '.' || len <= 4 || strcmp(e->d_name + len - 4, ".csv") != 0)
			continue;
		rel = arena_printf(&c->a, "inbox/%s", e->d_name);
		full = ws_path(c, rel);
		rc = csvio_table_load(&c->a, full, &t, &c->err);
		free(full);
		if (rc < 0) {
			closedir(d);
			snprintf(c->err.file, sizeof c->err.file, "%s", rel);
			return -1;
		}
		ct = csvio_table_col(&t, "time");
		cc = csvio_table_col(&t, "contact");
		cn = csvio_table_col(&t, "name");
		cs = csvio_table_col(&t, "sequence");
		if (ct < 0 || cc < 0 || cn < 0 || cs < 0 || t.nrows != 1) {
			closedir(d);
			return err_set(&c->err, DRIP_EDATA, rel, 1, 0,
				       "an event file has the columns time,contact,name,sequence,data "
				       "and one row");
		}
		if (ev->n == cap) {
			size_t nc = cap ? cap * 2 : 16;

			ev->v = arena_grow(&c->a, ev->v, ev->n, nc, sizeof *ev->v);
			cap = nc;
		}
		x = &ev->v[ev->n];
		x->id = arena_strndup(&c->a, e->d_name, len - 4);
		x->contact = t.rows[0][cc];
		x->name = t.rows[0][cn];
		x->sequence = t.rows[0][cs];
		x->answer = data_get(&c->a, csvio_table_col(&t, "data") >= 0 ?
				     t.rows[0][csvio_table_col(&t, "data")] : "", "answer");
		if (state_parse_time(t.rows[0][ct], &x->time) < 0 || x->time == STATE_NONE ||
		    !ws_valid_contact_id(x->contact) || !ws_valid_id(x->name) ||
		    (*x->sequence && !ws_valid_id(x->sequence))) {
			closedir(d);
			return err_set(&c->err, DRIP_EDATA, rel, 2, 0,
				       "bad event: a UTC time, a contact id, an event name and an "
				       "optional sequence id are needed");
		}
		if (event_slot(c, from, x->time) <= to)
			ev->n++;	/* its time has come; the rest wait */
	}
	closedir(d);
	if (ev->n > 1)
		qsort(ev->v, ev->n, sizeof *ev->v, cmp_event);
	return 0;
}

/* ---- output files ---- */

/* mkdir -p of a directory of the workspace. */
static int
mkdirs_in(struct cmd_ctx *c, const char *rel)
{
	char *full = ws_path(c, rel);
	int rc = fsio_mkdirs(full, 0755, &c->err);

	free(full);
	return rc;
}

/* Appending rows to log months during the pass. */
struct logs {
	char paths[8][64];
	char *tmps[8];
	FILE *f[8];
	size_t n;
	int failed;
};

/*
 * Log rows go first into a temporary beside their month's file
 * ("log/.2026-11.csv.tmp-PID"), and are appended to it only in the commit
 * phase, under the crash marker: a run killed in its pass leaves the log as
 * it was (and the temporary for the next run to sweep).
 */
static FILE *
log_file(struct cmd_ctx *c, struct logs *l, int64_t t)
{
	char rel[64], *tmp;
	size_t i;
	FILE *f;
	int fd;

	actlog_path(t, rel, sizeof rel);
	for (i = 0; i < l->n; i++)
		if (strcmp(l->paths[i], rel) == 0)
			return l->f[i];
	if (l->n == 8 || mkdirs_in(c, "log") < 0)
		return NULL;
	tmp = ws_path(c, arena_printf(&c->a, "log/.%s.tmp-%ld", rel + 4, (long)getpid()));
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || (f = fdopen(fd, "w+")) == NULL) {
		if (fd >= 0)
			close(fd);
		free(tmp);
		return NULL;
	}
	snprintf(l->paths[l->n], sizeof l->paths[l->n], "%s", rel);
	l->tmps[l->n] = tmp;
	l->f[l->n++] = f;
	return f;
}

/* Append each month's temporary to its log file (with the header for a new
 * month), sync it, and remove the temporary.  Only in the commit phase. */
static int
logs_close(struct cmd_ctx *c, struct logs *l)
{
	char buf[65536];
	size_t i, k;
	int rc = 0;

	for (i = 0; i < l->n; i++) {
		char *full = ws_path(c, l->paths[i]);
		int exists = fsio_exists(full);
		int fd = open(full, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

		free(full);
		if (fd < 0 || fflush(l->f[i]) != 0 || fseek(l->f[i], 0, SEEK_SET) != 0)
			rc = -1;
		if (rc == 0 && !exists &&
		    write(fd, ACTLOG_HEADER, strlen(ACTLOG_HEADER)) != (ssize_t)strlen(ACTLOG_HEADER))
			rc = -1;
		while (rc == 0 && (k = fread(buf, 1, sizeof buf, l->f[i])) > 0)
			if (write(fd, buf, k) != (ssize_t)k)
				rc = -1;
		if (rc == 0 && (ferror(l->f[i]) || fsync(fd) != 0))
			rc = -1;
		if (fd >= 0)
			close(fd);
		fclose(l->f[i]);
		unlink(l->tmps[i]);
		free(l->tmps[i]);
	}
	l->n = 0;
	return rc;
}

/* Drop the temporaries of a run that stopped before its commit phase. */
static void
logs_discard(struct logs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		fclose(l->f[i]);
		unlink(l->tmps[i]);
		free(l->tmps[i]);
	}
	l->n = 0;
}

struct shard_io {
	struct csvio_reader *r;
	struct enr peek;
	int has;
	struct arena pa;		/* the peeked row's strings */
	FILE *out;			/* the new file, written beside the old */
	char tmp[128], rel[64];
	int dirty, rows_out;
};

static int
shard_advance(struct cmd_ctx *c, struct shard_io *s)
{
	struct csvio_row row;
	int rc;

	arena_release(&s->pa);
	s->has = 0;
	if (s->r == NULL)
		return 0;
	rc = csvio_next(s->r, &row, &c->err);
	if (rc < 0) {
		snprintf(c->err.file, sizeof c->err.file, "%s", s->rel);
		return -1;
	}
	if (rc == 0)
		return 0;
	if (state_enr_parse(&s->pa, row.f, row.n, s->rel, row.line, &s->peek, &c->err) < 0)
		return -1;
	s->has = 1;
	return 0;
}

/* A state file's new version, written beside the old one (rel, in dir)
 * under the temporary name tmp, header first. */
static FILE *
open_beside(struct cmd_ctx *c, const char *dir, const char *tmp, const char *header)
{
	char *full = ws_path(c, tmp);
	FILE *f = NULL;
	int fd;

	if (mkdirs_in(c, dir) == 0) {
		fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
			err_sys(&c->err, DRIP_EFAIL, tmp, "cannot write");
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
shard_write(struct cmd_ctx *c, struct shard_io *s, const struct enr *e)
{
	struct sbuf sb = SBUF_INIT;

	if (s->out == NULL && (s->out = open_beside(c, "state/enrollments", s->tmp,
						     STATE_ENR_HEADER)) == NULL)
		return -1;
	state_enr_format(&sb, e);
	fwrite(sb.buf, 1, sb.len, s->out);
	sbuf_release(&sb);
	s->rows_out++;
	return 0;
}

static int
same_enr(const struct enr *a, const struct enr *b)
{
	return strcmp(a->contact, b->contact) == 0 && strcmp(a->sequence, b->sequence) == 0 &&
	       a->version == b->version && a->status == b->status &&
	       strcmp(a->step, b->step) == 0 && a->entered == b->entered &&
	       a->base == b->base && a->enrolled == b->enrolled && a->paused == b->paused &&
	       strcmp(a->task, b->task) == 0 && a->hold == b->hold &&
	       strcmp(a->sent_day, b->sent_day) == 0 && a->sent == b->sent;
}

/* state/runs.csv, read in step with contacts.csv and written beside. */
struct runs_io {
	struct csvio_reader *r;
	struct arun peek;
	int has;
	struct arena pa;
	FILE *out;
	char tmp[64];
	int dirty;
};

static int
runs_advance(struct cmd_ctx *c, struct runs_io *s)
{
	struct csvio_row row;
	int rc;

	arena_release(&s->pa);
	s->has = 0;
	if (s->r == NULL)
		return 0;
	if ((rc = csvio_next(s->r, &row, &c->err)) <= 0) {
		if (rc < 0)
			snprintf(c->err.file, sizeof c->err.file, "%s", STATE_RUNS);
		return rc;
	}
	if (state_run_parse(&s->pa, row.f, row.n, STATE_RUNS, row.line, &s->peek, &c->err) < 0)
		return -1;
	s->has = 1;
	return 0;
}

static int
runs_write(struct cmd_ctx *c, struct runs_io *s, const struct arun *ar)
{
	struct sbuf sb = SBUF_INIT;

	if (s->out == NULL && (s->out = open_beside(c, "state", s->tmp, STATE_RUN_HEADER)) == NULL)
		return -1;
	state_run_format(&sb, ar);
	fwrite(sb.buf, 1, sb.len, s->out);
	sbuf_release(&sb);
	return 0;
}

static int
same_run(const struct arun *a, const struct arun *b)
{
	return strcmp(a->contact, b->contact) == 0 && strcmp(a->automation, b->automation) == 0 &&
	       strcmp(a->sequence, b->sequence) == 0 && a->status == b->status &&
	       a->started == b->started && a->next == b->next && a->due == b->due &&
	       a->cond == b->cond;
}

/* The snapshot of contacts.csv as the last tick left it (state/contacts.csv),
 * read in step with contacts.csv while an automation watches for changes. */
struct snap {
	struct csvio_reader *r;
	struct csvio_row row;
	int has;
	const char **cols;
	long idcol;
};

static int
snap_advance(struct cmd_ctx *c, struct snap *s)
{
	int rc = csvio_next(s->r, &s->row, &c->err);

	if (rc < 0)
		snprintf(c->err.file, sizeof c->err.file, "%s", STATE_SNAPSHOT);
	s->has = rc == 1;
	return rc < 0 ? -1 : 0;
}

/* ---- the run ---- */

struct run {
	struct cmd_ctx *c;
	struct tick_opts o;
	struct defs d;
	struct done_tasks done;
	struct zone_cache zones;
	struct events ev;
	size_t nextev;
	struct shard_io sh[STATE_SHARDS];
	struct logs logs;
	struct outbox_stage *stage[3];	/* email, sms, run */
	char *stage_dir[3];
	struct log_row *rows;		/* this tick's log rows, in pass order */
	size_t nrows, caprows;
	int stream_log;			/* one slot: rows go straight to the log */
	struct edited { const char *id; const char **vals; size_t n; } *edited;
	size_t nedited, capedited;	/* contacts changed by actions, in id order */
	struct out_note *notes;
	size_t nnotes, capnotes;
	size_t automations;
	int tty;			/* stderr is a terminal: show progress */
	struct out_task *tasks;
	size_t ntasks, captasks;
	struct out_list *lists;
	size_t nlists, caplists;
	struct arena ca;		/* per-contact memory, released after each */
	struct runs_io runs;
	struct snap snap;
	int watch;			/* an automation watches contacts.csv for changes */
	int since_dirty;		/* state/automations.csv changes */
	int64_t r0;			/* this tick's first slot */
	int64_t from, to;
	size_t contacts, fired, completed, enrolled, msgs, failed_contacts;
	struct delivery_tally tally;	/* failed actions and deliveries */
	struct delivery dlv;		/* what delivery did */
	struct sbuf dry;		/* --dry-run rows */
	struct json dj;
	int dry_json;
	size_t dry_rows;
	const char *contacts_rel;	/* the contacts read by the pass */
	int unsorted;			/* the pass met contacts.csv out of id order */
};

static void
dry_row(struct run *r, const struct log_row *l)
{
	char t[32];

	dtime_format_utc(l->time, t, sizeof t);
	if (r->dry_json) {
		json_obj(&r->dj);
		json_kstr(&r->dj, "time", t);
		json_kstr(&r->dj, "contact", l->contact);
		json_kstr(&r->dj, "sequence", l->sequence);
		json_kstr(&r->dj, "step", l->step);
		json_kstr(&r->dj, "action", l->action);
		json_kstr(&r->dj, "result", l->result);
		json_kstr(&r->dj, "ref", l->ref);
		json_kstr(&r->dj, "detail", l->detail);
		json_end(&r->dj);
	} else {
		sbuf_printf(&r->dry, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t, l->contact, l->sequence,
			    l->step, l->action, l->result, l->detail);
	}
	r->dry_rows++;
}

/* The staging handle for a kind's outbox directory (its maildir, or
 * outbox/ for the transports that deliver from there). */
static struct outbox_stage *
stage_for(struct run *r, const char *kind)
{
	struct cmd_ctx *c = r->c;
	int k = strcmp(kind, "run") == 0 ? 2 : strcmp(kind, "sms") == 0;
	const struct transport *t = k == 1 ? &c->cfg.sms : &c->cfg.email;
	/* Commands always wait in outbox/: no other program delivers them. */
	const char *dir = k < 2 && t->kind == TRANSPORT_MAILDIR ? t->maildir : "outbox";

	if (r->stage[k] == NULL) {
		r->stage_dir[k] = ws_path(c, dir);
		if (outbox_stage_open(r->stage_dir[k], &r->stage[k], &c->err) < 0)
			return NULL;
	}
	return r->stage[k];
}

static int
emit(struct run *r, struct effects *fx)
{
	struct cmd_ctx *c = r->c;
	size_t i;

	for (i = 0; i < fx->nlog; i++) {
		const struct log_row *l = &fx->log[i];
		struct log_row *d;

		if (!r->o.dry)
			delivery_tally_row(&c->a, &r->tally, l);

		if (r->stream_log) {
			/* One slot: every row has its time, so pass order is
			 * the sorted order; no need to hold them. */
			struct sbuf sb = SBUF_INIT;
			FILE *f = log_file(c, &r->logs, l->time);

			if (f == NULL)
				return err_sys(&c->err, DRIP_EFAIL, "log", "cannot append to the log");
			actlog_format(&sb, l);
			fwrite(sb.buf, 1, sb.len, f);
			sbuf_release(&sb);
			continue;
		}

		d = ARENA_PUSH(&c->a, r->rows, r->nrows, r->caprows);
		d->time = l->time;
		d->contact = arena_strdup(&c->a, l->contact);
		d->sequence = arena_strdup(&c->a, l->sequence);
		d->step = arena_strdup(&c->a, l->step);
		d->automation = arena_strdup(&c->a, l->automation);
		d->action = arena_strdup(&c->a, l->action);
		d->result = arena_strdup(&c->a, l->result);
		d->ref = arena_strdup(&c->a, l->ref);
		d->detail = arena_strdup(&c->a, l->detail);
	}
	if (r->o.dry)
		return 0;
	for (i = 0; i < fx->nmsgs; i++) {
		const struct out_msg *m = &fx->msgs[i];
		struct outbox_stage *st = stage_for(r, m->kind);

		if (st == NULL || outbox_stage_put(st, m->name, m->data, m->len, &c->err) < 0)
			return -1;
		r->msgs++;
	}
	/* Tasks and list rows are few: they are written after the pass,
	 * sorted by their keys. */
	for (i = 0; i < fx->ntasks; i++) {
		struct out_task *t = ARENA_PUSH(&c->a, r->tasks, r->ntasks, r->captasks);

		*t = fx->tasks[i];
		t->id = arena_strdup(&c->a, t->id);
		t->contact = arena_strdup(&c->a, t->contact);
		t->sequence = arena_strdup(&c->a, t->sequence);
		t->step = arena_strdup(&c->a, t->step);
		t->assignee = arena_strdup(&c->a, t->assignee);
		t->subject = arena_strdup(&c->a, t->subject);
	}
	for (i = 0; i < fx->nnotes; i++) {
		struct out_note *nt;

		nt = ARENA_PUSH(&c->a, r->notes, r->nnotes, r->capnotes);
		*nt = fx->notes[i];
		nt->contact = arena_strdup(&c->a, nt->contact);
		nt->sequence = arena_strdup(&c->a, nt->sequence);
		nt->step = arena_strdup(&c->a, nt->step);
		nt->automation = arena_strdup(&c->a, nt->automation);
		nt->text = arena_strdup(&c->a, nt->text);
	}
	for (i = 0; i < fx->nlists; i++) {
		struct out_list *l;
		const char **f, **v;
		size_t k;

		l = ARENA_PUSH(&c->a, r->lists, r->nlists, r->caplists);
		*l = fx->lists[i];
		l->contact = arena_strdup(&c->a, l->contact);
		l->sequence = arena_strdup(&c->a, l->sequence);
		l->step = arena_strdup(&c->a, l->step);
		f = arena_alloc(&c->a, (l->n + 1) * sizeof *f);
		v = arena_alloc(&c->a, (l->n + 1) * sizeof *v);
		for (k = 0; k < l->n; k++) {
			f[k] = arena_strdup(&c->a, fx->lists[i].fields[k]);
			v[k] = arena_strdup(&c->a, fx->lists[i].values[k]);
		}
		l->fields = f;
		l->values = v;
	}
	return 0;
}

/*
 * enroll_when (SPEC §3.5a): enroll when the condition holds and the
 * sequence's reenroll rule allows it, at the first unprocessed slot - but
 * never before the slot the sequence was published in, which is also the
 * time on a workspace's first tick.  Both are fixed by the files, not by
 * --now, so a missed cron run changes nothing (SPEC §9.2).
 */
static void
auto_enroll(struct run *r, const struct contact *ct, struct enr **rows, size_t *n,
	    struct effects *fx)
{
	size_t i, k;

	for (i = 0; i < r->d.nseqs; i++) {
		const struct seqdef *sd = &r->d.seqs[i];
		struct expr_env env;
		struct expr_err ee;
		struct enr *e = NULL, *v;
		int64_t at = sched_slot_ceil(sd->published_at, r->c->cfg.tick);

		if (r->from != STATE_NONE && at < r->from + r->c->cfg.tick)
			at = r->from + r->c->cfg.tick;
		if (at > r->to)
			continue;	/* published after this tick's slots */
		if (!sd->accepting || sd->q->enroll_when.expr == NULL || sd->q->nsteps == 0)
			continue;
		for (k = 0; k < *n; k++)
			if (strcmp((*rows)[k].sequence, sd->id) == 0)
				e = &(*rows)[k];
		if (e && (!enr_ended(e->status) || sd->q->reenroll == REENROLL_NEVER))
			continue;
		env.get = (const char *(*)(void *, const char *))contact_get;
		env.ctx = (void *)ct;
		env.now = at;
		env.zone = sd->zone;
		if (expr_eval(sd->q->enroll_when.expr, &env, &ee) != 1)
			continue;
		if (e == NULL) {
			v = arena_alloc(&r->ca, (*n + 1) * sizeof *v);
			if (*n)
				memcpy(v, *rows, *n * sizeof *v);
			/* Keep the rows sorted by sequence id. */
			for (k = *n; k > 0 && strcmp(v[k - 1].sequence, sd->id) > 0; k--)
				v[k] = v[k - 1];
			e = &v[k];
			*rows = v;
			(*n)++;
		}
		e->contact = ct->id;
		e->sequence = sd->id;
		e->version = sd->version;
		e->status = ENR_ACTIVE;
		e->step = sd->q->steps[0].id;
		e->entered = e->base = e->enrolled = at;
		e->paused = STATE_NONE;
		e->task = "";
		e->hold = STATE_NONE;
		e->sent_day = "";
		e->sent = 0;
		fx->enrolled++;
		{
			struct log_row row = { at, ct->id, sd->id, "", "", "enroll", "ok", "",
					       "enroll_when" };

			if (fx->nlog == fx->caplog) {
				size_t nc = fx->caplog ? fx->caplog * 2 : 8;

				fx->log = arena_grow(fx->a, fx->log, fx->nlog, nc, sizeof *fx->log);
				fx->caplog = nc;
			}
			fx->log[fx->nlog++] = row;
		}
	}
}

static int
flush_orphans(struct run *r, struct shard_io *s, const char *upto)
{
	while (s->has && (upto == NULL || strcmp(s->peek.contact, upto) < 0)) {
		/* Rows of a contact no longer in contacts.csv are kept as
		 * they are: drip never loses an enrollment. */
		if (shard_write(r->c, s, &s->peek) < 0 || shard_advance(r->c, s) < 0)
			return -1;
	}
	return 0;
}

/* Events for contacts that are not in contacts.csv (those before upto, or
 * all that remain) are logged as skipped and leave the inbox. */
static int
skip_unknown_events(struct run *r, const char *upto)
{
	struct effects fx;
	struct log_row lr;
	int rc = 0;

	while (rc == 0 && r->nextev < r->ev.n &&
	       (upto == NULL || strcmp(r->ev.v[r->nextev].contact, upto) < 0)) {
		const struct event *ev = &r->ev.v[r->nextev++];

		lr.time = event_slot(r->c, r->from, ev->time);
		lr.contact = ev->contact;
		lr.sequence = ev->sequence;
		lr.step = lr.automation = "";
		lr.action = "event";
		lr.result = "skipped";
		lr.ref = ev->id;
		lr.detail = "unknown contact";
		effects_init(&fx, &r->ca);
		fx.log = &lr;
		fx.nlog = 1;
		rc = emit(r, &fx);
	}
	return rc;
}

/* Runs of contacts no longer in contacts.csv are kept as they are. */
static int
flush_run_orphans(struct run *r, const char *upto)
{
	while (r->runs.has && (upto == NULL || strcmp(r->runs.peek.contact, upto) < 0))
		if ((!r->o.dry && runs_write(r->c, &r->runs, &r->runs.peek) < 0) ||
		    runs_advance(r->c, &r->runs) < 0)
			return -1;
	return 0;
}

static int
one_contact(struct run *r, struct contact *ct)
{
	struct cmd_ctx *c = r->c;
	unsigned si = state_shard(ct->id);
	struct shard_io *s = &r->sh[si];
	struct enr *rows = NULL, *orig;
	size_t n = 0, cap = 0, i, nev = 0, firstev, norig, capruns = 0;
	struct effects fx;
	struct drip_err e;
	struct flows fl = { NULL, 0, NULL, 0 };
	struct arun *runs_orig;
	size_t nruns_orig;
	struct contact prev;

	if (flush_orphans(r, s, ct->id) < 0 || flush_run_orphans(r, ct->id) < 0)
		return -1;
	while (r->runs.has && strcmp(r->runs.peek.contact, ct->id) == 0) {
		struct arun *x = ARENA_PUSH(&r->ca, fl.runs, fl.n, capruns);

		*x = r->runs.peek;
		x->contact = ct->id;
		x->automation = arena_strdup(&r->ca, x->automation);
		x->sequence = arena_strdup(&r->ca, x->sequence);
		if (runs_advance(c, &r->runs) < 0)
			return -1;
	}
	runs_orig = arena_alloc(&r->ca, (fl.n + 1) * sizeof *runs_orig);
	if (fl.n)
		memcpy(runs_orig, fl.runs, fl.n * sizeof *fl.runs);
	nruns_orig = fl.n;
	if (r->snap.r) {
		/* Its row as the last tick left it: NULL when it is new. */
		fl.have_prev = 1;
		while (r->snap.has && strcmp(r->snap.row.f[r->snap.idcol], ct->id) < 0)
			if (snap_advance(c, &r->snap) < 0)
				return -1;
		if (r->snap.has && strcmp(r->snap.row.f[r->snap.idcol], ct->id) == 0) {
			const char **v = arena_alloc(&r->ca, (r->snap.row.n + 1) * sizeof *v);

			for (i = 0; i < r->snap.row.n; i++)
				v[i] = arena_strdup(&r->ca, r->snap.row.f[i]);
			prev.id = ct->id;
			prev.cols = r->snap.cols;
			prev.vals = v;
			prev.n = r->snap.row.n;
			prev.changed = 0;
			fl.prev = &prev;
			if (snap_advance(c, &r->snap) < 0)
				return -1;
		}
	}
	while (s->has && strcmp(s->peek.contact, ct->id) == 0) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 4;

			rows = arena_grow(&r->ca, rows, n, nc, sizeof *rows);
			cap = nc;
		}
		rows[n] = s->peek;
		rows[n].contact = ct->id;
		rows[n].sequence = arena_strdup(&r->ca, s->peek.sequence);
		rows[n].step = arena_strdup(&r->ca, s->peek.step);
		rows[n].task = arena_strdup(&r->ca, s->peek.task);
		rows[n].sent_day = arena_strdup(&r->ca, s->peek.sent_day);
		n++;
		if (shard_advance(c, s) < 0)
			return -1;
	}
	if (skip_unknown_events(r, ct->id) < 0)
		return -1;
	firstev = r->nextev;
	while (r->nextev < r->ev.n && strcmp(r->ev.v[r->nextev].contact, ct->id) == 0)
		r->nextev++, nev++;
	orig = arena_alloc(&r->ca, (n + 1) * sizeof *orig);
	if (n)
		memcpy(orig, rows, n * sizeof *rows);
	norig = n;
	effects_init(&fx, &r->ca);
	auto_enroll(r, ct, &rows, &n, &fx);
	if (engine_advance(&r->d, ct, &rows, &n, &fl, r->ev.v + firstev, nev, r->from, r->to, &fx,
			   &e) < 0) {
		/* This contact is left as it was; the others go on. */
		struct log_row lr = { r->to, ct->id, "", "", "", "tick", "failed", "", "" };

		lr.detail = e.msg;
		effects_clear(&fx);
		fx.log = &lr;
		fx.nlog = 1;
		if (norig)
			memcpy(rows, orig, norig * sizeof *rows);
		n = norig;
		fl.runs = runs_orig;
		fl.n = nruns_orig;
		r->failed_contacts++;
		if (emit(r, &fx) < 0)
			return -1;
	} else if (emit(r, &fx) < 0) {
		return -1;
	}
	r->fired += fx.fired;
	r->completed += fx.completed;
	r->enrolled += fx.enrolled;
	r->automations += fx.automations;
	if (ct->changed && !r->o.dry) {
		/* Actions edited this contact: keep its new row for the
		 * rewrite of contacts.csv after the pass. */
		struct edited *x;
		size_t j;

		x = ARENA_PUSH(&c->a, r->edited, r->nedited, r->capedited);
		x->id = arena_strdup(&c->a, ct->id);
		x->vals = arena_alloc(&c->a, (ct->n + 1) * sizeof *x->vals);
		for (j = 0; j < ct->n; j++)
			x->vals[j] = arena_strdup(&c->a, ct->vals[j]);
		x->n = ct->n;
	}
	if (!r->o.dry) {
		/* Rows keep their order; any that differs makes the shard's
		 * file part of the commit. */
		if (n != norig)
			s->dirty = 1;
		for (i = 0; i < n; i++) {
			if (i < norig && !same_enr(&rows[i], &orig[i]))
				s->dirty = 1;
			if (shard_write(c, s, &rows[i]) < 0)
				return -1;
		}
		if (fl.n != nruns_orig)
			r->runs.dirty = 1;
		for (i = 0; i < fl.n; i++) {
			if (i < nruns_orig && !same_run(&fl.runs[i], &runs_orig[i]))
				r->runs.dirty = 1;
			if (runs_write(c, &r->runs, &fl.runs[i]) < 0)
				return -1;
		}
	}
	r->contacts++;
	arena_release(&r->ca);
	return 0;
}

/*
 * The log rows of a tick in a stable order: by time, then contact (the pass
 * order), then sequence (the engine's order).  Time first, so that a
 * catch-up tick over many slots writes exactly the rows that tick after
 * tick would have (SPEC §9.2); for the usual one-slot tick this is the
 * contact order SPEC §4.3 names.
 */
static void
sort_rows(struct log_row *v, size_t n)
{
	struct log_row *tmp;
	size_t w, i, lo, mid, hi, a, b, k;

	if (n < 2)
		return;
	tmp = xmalloc(n * sizeof *tmp);
	for (w = 1; w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			lo = i;
			mid = i + w < n ? i + w : n;
			hi = i + 2 * w < n ? i + 2 * w : n;
			for (a = lo, b = mid, k = lo; k < hi; k++)
				tmp[k] = (a < mid && (b >= hi || v[a].time <= v[b].time)) ?
					 v[a++] : v[b++];
		}
		memcpy(v, tmp, n * sizeof *v);
	}
	free(tmp);
}

static int
write_rows(struct run *r)
{
	struct cmd_ctx *c = r->c;
	size_t i;

	sort_rows(r->rows, r->nrows);
	for (i = 0; i < r->nrows; i++) {
		struct sbuf sb = SBUF_INIT;
		FILE *f;

		if (r->o.dry) {
			dry_row(r, &r->rows[i]);
			continue;
		}
		if ((f = log_file(c, &r->logs, r->rows[i].time)) == NULL)
			return err_sys(&c->err, DRIP_EFAIL, "log", "cannot append to the log");
		actlog_format(&sb, &r->rows[i]);
		fwrite(sb.buf, 1, sb.len, f);
		sbuf_release(&sb);
	}
	return 0;
}

/* Append text to the workspace file rel (with header first when the file
 * is new), synced; rel joins the commit's paths. */
static int
append_rows(struct cmd_ctx *c, const char *rel, const char *header, const struct sbuf *rows,
	    const char ***paths, size_t *npaths)
{
	char *full = ws_path(c, rel);
	int exists = fsio_exists(full), fd, ok;

	fd = open(full, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	free(full);
	ok = fd >= 0 &&
	     (exists || write(fd, header, strlen(header)) == (ssize_t)strlen(header)) &&
	     write(fd, rows->buf, rows->len) == (ssize_t)rows->len && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok)
		return err_sys(&c->err, DRIP_EFAIL, rel, "cannot append");
	(*paths)[(*npaths)++] = rel;
	return 0;
}

/* The columns the engine sets that contacts.csv's header lacks, in
 * engine_contact_cols order: contacts are presented with them, "". */
static size_t
missing_cols(struct csvio_reader *cr, const char **out)
{
	size_t i, n = 0;

	for (i = 0; i < ENGINE_CONTACT_NCOLS; i++)
		if (csvio_col(cr, engine_contact_cols[i]) < 0)
			out[n++] = engine_contact_cols[i];
	return n;
}

/*
 * Contacts edited by actions: contacts.csv is streamed once more and
 * written beside itself with those rows replaced (columns and order kept),
 * to be renamed into place with the other files.  Rare, so the usual tick
 * never rewrites contacts.csv.  When an edited row gave a value to a
 * column the file lacked (see missing_cols), every missing one is appended
 * to the header and the other rows get "" there (engine.h says why all).
 */
static int
rewrite_contacts(struct run *r, char **tmp_out)
{
	struct cmd_ctx *c = r->c;
	struct csvio_reader *cr = NULL;
	struct csvio_row row;
	const char *paths[1] = { "contacts.csv" };
	char *src = ws_path(c, "contacts.csv"), *tmp;
	struct sbuf sb = SBUF_INIT;
	const char **hdr, *extra[ENGINE_CONTACT_NCOLS], **pad;
	size_t k = 0, j, ncols, nextra, nout;
	FILE *f = NULL;
	long idcol;
	int rc = -1, fd;

	*tmp_out = NULL;
	if (store_check_clean(c->store, paths, 1, &c->err) < 0) {
		free(src);
		return -1;
	}
	tmp = ws_path(c, arena_printf(&c->a, ".contacts.csv.tmp-%ld", (long)getpid()));
	if (csvio_open(src, &cr, &c->err) < 0)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		err_sys(&c->err, DRIP_EFAIL, "contacts.csv", "cannot write beside");
		goto out;
	}
	ncols = csvio_ncols(cr);
	nextra = missing_cols(cr, extra);
	nout = ncols;
	for (k = 0; k < r->nedited && nout == ncols; k++)
		for (j = ncols; j < r->edited[k].n; j++)
			if (*r->edited[k].vals[j])
				nout = ncols + nextra;
	k = 0;
	hdr = arena_alloc(&c->a, (nout + 1) * sizeof *hdr);
	pad = arena_alloc(&c->a, (nout + 1) * sizeof *pad);
	for (j = 0; j < nout; j++) {
		hdr[j] = j < ncols ? csvio_colname(cr, j) : extra[j - ncols];
		pad[j] = "";
	}
	csvio_format_row(&sb, hdr, nout);
	idcol = csvio_col(cr, "id");
	while ((rc = csvio_next(cr, &row, &c->err)) == 1) {
		if (k < r->nedited && strcmp(row.f[idcol], r->edited[k].id) == 0) {
			csvio_format_row(&sb, r->edited[k++].vals, nout);
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
		err_sys(&c->err, DRIP_EFAIL, "contacts.csv", "cannot write beside");
		rc = -1;
		goto out;
	}
	*tmp_out = tmp;
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
write_notes(struct run *r, const char ***paths, size_t *npaths)
{
	struct cmd_ctx *c = r->c;
	struct sbuf sb = SBUF_INIT;
	size_t i, j;
	int rc;

	if (r->nnotes == 0)
		return 0;
	for (i = 1; i < r->nnotes; i++) {
		struct out_note x = r->notes[i];

		for (j = i; j > 0 && r->notes[j - 1].time > x.time; j--)
			r->notes[j] = r->notes[j - 1];
		r->notes[j] = x;
	}

	for (i = 0; i < r->nnotes; i++) {
		char stamp[32];
		const char *f[6];

		dtime_format_utc(r->notes[i].time, stamp, sizeof stamp);
		f[0] = stamp;
		f[1] = r->notes[i].contact;
		f[2] = r->notes[i].sequence;
		f[3] = r->notes[i].step;
		f[4] = r->notes[i].automation;
		f[5] = r->notes[i].text;
		csvio_format_row(&sb, f, 6);
	}
	rc = append_rows(c, "notes.csv", "time,contact,sequence,step,automation,text\n", &sb,
			 paths, npaths);
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
write_tasks(struct run *r, const char ***paths, size_t *npaths)
{
	struct cmd_ctx *c = r->c;
	struct sbuf sb = SBUF_INIT;
	size_t i;
	int rc;

	if (r->ntasks == 0)
		return 0;
	qsort(r->tasks, r->ntasks, sizeof *r->tasks, cmp_task);
	for (i = 0; i < r->ntasks; i++) {
		const struct out_task *t = &r->tasks[i];
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
	rc = append_rows(c, "tasks.csv", TASKS_HEADER, &sb, paths, npaths);
	sbuf_release(&sb);
	return rc;
}

/* Add the list rows: lists/LIST.csv with time,contact,sequence,step and the
 * fields, columns merged when a step lists new ones. */
static int
write_lists(struct run *r, const char ***paths, size_t *npaths, size_t maxpaths)
{
	struct cmd_ctx *c = r->c;
	size_t i, j;

	/* Time first, like the log (see sort_rows); list rows are few, so an
	 * insertion sort keeps it simple and stable. */
	for (i = 1; i < r->nlists; i++) {
		struct out_list x = r->lists[i];

		for (j = i; j > 0 && r->lists[j - 1].time > x.time; j--)
			r->lists[j] = r->lists[j - 1];
		r->lists[j] = x;
	}
	for (i = 0; i < r->nlists; i++) {
		const char *list = r->lists[i].list, *rel;
		struct csvio_table t;
		struct sbuf sb = SBUF_INIT;
		char *full;
		int rc;

		for (j = 0; j < i; j++)
			if (strcmp(r->lists[j].list, list) == 0)
				break;
		if (j < i)
			continue;	/* done with its first row */
		rel = arena_printf(&c->a, "lists/%s.csv", list);
		full = ws_path(c, rel);
		if (fsio_exists(full))
			rc = csvio_table_load(&c->a, full, &t, &c->err);
		else
			rc = csvio_table_load_mem(&c->a, rel, "time,contact,sequence,step\n", 27,
						  &t, &c->err);
		if (rc < 0) {
			free(full);
			return -1;
		}
		for (j = i; j < r->nlists; j++) {
			const struct out_list *l = &r->lists[j];
			size_t row, k;
			char stamp[32];

			if (strcmp(l->list, list) != 0)
				continue;
			row = csvio_table_add_row(&c->a, &t);
			dtime_format_utc(l->time, stamp, sizeof stamp);
			csvio_table_set(&c->a, &t, row, csvio_table_add_col(&c->a, &t, "time"), stamp);
			csvio_table_set(&c->a, &t, row, csvio_table_add_col(&c->a, &t, "contact"),
					l->contact);
			csvio_table_set(&c->a, &t, row, csvio_table_add_col(&c->a, &t, "sequence"),
					l->sequence);
			csvio_table_set(&c->a, &t, row, csvio_table_add_col(&c->a, &t, "step"), l->step);
			for (k = 0; k < l->n; k++)
				csvio_table_set(&c->a, &t, row,
						csvio_table_add_col(&c->a, &t, l->fields[k]), l->values[k]);
		}
		csvio_table_format(&t, &sb);
		rc = fsio_write_atomic(full, sb.buf, sb.len, 0644, &c->err);
		free(full);
		sbuf_release(&sb);
		if (rc < 0)
			return -1;
		if (*npaths < maxpaths)
			(*paths)[(*npaths)++] = rel;
	}
	return 0;
}

static int
write_pending(struct cmd_ctx *c, const struct events *ev, int contacts)
{
	struct sbuf sb = SBUF_INIT;
	char head[64], *full;
	size_t i;
	int rc;

	if (store_head(c->store, head, &c->err) < 0)
		return -1;
	sbuf_printf(&sb, "%s\n", head[0] ? head : "none");
	if (contacts)
		sbuf_adds(&sb, PENDING_CONTACTS "\n");
	for (i = 0; i < ev->n; i++)
		sbuf_printf(&sb, "%s\n", ev->v[i].id);
	full = ws_path(c, PENDING);
	rc = fsio_write_atomic(full, sb.buf, sb.len, 0600, &c->err);
	free(full);
	sbuf_release(&sb);
	return rc;
}

static int
check_key(struct cmd_ctx *c)
{
	char *full = ws_path(c, ".drip/signing.key");
	struct sbuf sb = SBUF_INIT;
	struct stat st;
	int rc = 0;

	if (stat(full, &st) == 0 && (st.st_mode & 077))
		rc = err_set(&c->err, DRIP_ECONFIG, ".drip/signing.key", 0, 0,
			     "the secret key is readable by others; chmod 600 it");
	free(full);
	if (rc == 0 && c->store && store_read_head(c->store, ".drip/signing.key", &sb, &c->err) == 0)
		rc = err_set(&c->err, DRIP_ECONFIG, ".drip/signing.key", 0, 0,
			     "the secret key is committed to git; remove it from the history "
			     "and make a new one");
	sbuf_release(&sb);
	return rc;
}

/* Signed links (SPEC §8): what the engine's link callback needs. */
struct linker {
	struct token_key *key;
	const char *base_url;
	const struct config *cfg;
};

static const char *
make_link(void *ctx, struct arena *a, const char *contact, const char *sequence,
	  const char *step, int64_t entered, const char *answer, int64_t slot)
{
	struct linker *l = ctx;
	struct token t;
	struct drip_err e;
	const char *out;

	memset(&t, 0, sizeof t);
	t.version = TOKEN_VERSION;
	snprintf(t.contact, sizeof t.contact, "%s", contact);
	snprintf(t.sequence, sizeof t.sequence, "%s", sequence);
	snprintf(t.step, sizeof t.step, "%s", step);
	t.entered = entered;
	t.answer = token_answer_parse(answer);
	if (t.answer == 0)
		return "";
	/* Unsubscribe links never expire; answers do, links.expire after the
	 * message that carries them. */
	t.expires = t.answer == TOKEN_UNSUBSCRIBE ? 0 :
		    dur_add(l->cfg->tz, slot, &l->cfg->link_expire);
	if (token_link(a, l->base_url, &t, l->key, &out, &e) < 0)
		return "";
	return out;
}

/* Links are made when drip.yaml names links.base_url: then the secret key
 * must be there, private, and match links.public_key. */
static int
setup_links(struct run *r, struct linker *l)
{
	struct cmd_ctx *c = r->c;
	unsigned char pk[32], have[32];
	char *path;

	if (c->cfg.base_url == NULL)
		return 0;
	path = ws_path(c, ".drip/signing.key");
	if (token_key_load(path, &l->key, &c->err) < 0) {
		free(path);
		snprintf(c->err.file, sizeof c->err.file, ".drip/signing.key");
		return -1;
	}
	free(path);
	if (c->cfg.public_key == NULL || token_pubkey_parse(c->cfg.public_key, pk, &c->err) < 0)
		return err_set(&c->err, DRIP_ECONFIG, "drip.yaml", 0, 0,
			       "links.base_url is set, so links.public_key must hold the "
			       "public key of .drip/signing.key");
	token_key_public(l->key, have);
	if (memcmp(pk, have, 32) != 0)
		return err_set(&c->err, DRIP_ECONFIG, "drip.yaml", 0, 0,
			       "links.public_key does not match .drip/signing.key");
	l->base_url = c->cfg.base_url;
	l->cfg = &c->cfg;
	r->d.link = make_link;
	r->d.link_ctx = l;
	return 0;
}

/*
 * Put the log files a delivery appended to back as they were (a file
 * that did not exist is removed): its commit failed, and a log file left
 * modified would make every later command refuse.  The failures are still
 * reported on stderr, and the outbox remembers its attempts.
 */
static void
logs_truncate(struct cmd_ctx *c, const char **paths, const off_t *sizes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *full = ws_path(c, paths[i]);

		if (sizes[i] < 0)
			unlink(full);
		else if (truncate(full, sizes[i]) == 0) {
			int fd = open(full, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

			if (fd >= 0) {
				fsync(fd);
				close(fd);
			}
		}
		free(full);
	}
}

/*
 * After the commit: hand the outbox to the transports, log each failure as
 * a deliver row and commit those rows.  The marker DELIVER_PENDING is on
 * disk while they are appended but maybe not committed, so that a run
 * killed there has them committed by the next (recover_delivery).
 */
static int
deliver(struct run *r)
{
	struct cmd_ctx *c = r->c;
	const char **paths;
	off_t sizes[8];
	size_t k, npaths = 0;
	struct sbuf mark = SBUF_INIT;
	char *markp;
	int committed, rc;

	memset(&r->logs, 0, sizeof r->logs);
	rc = delivery_run(&c->a, c->root, &c->cfg, r->to, &r->dlv, &c->err);
	for (k = 0; k < r->dlv.n; k++) {
		const struct delivery_failure *f = &r->dlv.v[k];
		FILE *lf = log_file(c, &r->logs, f->row->time);
		struct sbuf sb = SBUF_INIT;

		delivery_tally_failure(&c->a, &r->tally, f);
		if (lf == NULL) {
			logs_discard(&r->logs);
			return err_sys(&c->err, DRIP_EFAIL, "log", "cannot append to the log");
		}
		actlog_format(&sb, f->row);
		fwrite(sb.buf, 1, sb.len, lf);
		sbuf_release(&sb);
	}
	if (r->logs.n == 0)
		return rc;
	paths = arena_alloc(&c->a, 9 * sizeof *paths);
	for (k = 0; k < r->logs.n; k++) {
		char *full = ws_path(c, r->logs.paths[k]);
		struct stat st;

		paths[npaths] = arena_strdup(&c->a, r->logs.paths[k]);
		sizes[npaths++] = stat(full, &st) == 0 ? st.st_size : -1;
		sbuf_printf(&mark, "%s\n", r->logs.paths[k]);
		free(full);
	}
	markp = ws_path(c, DELIVER_PENDING);
	if (fsio_write_atomic(markp, mark.buf, mark.len, 0600, &c->err) < 0) {
		logs_discard(&r->logs);
		free(markp);
		sbuf_release(&mark);
		return -1;
	}
	sbuf_release(&mark);
	if (logs_close(c, &r->logs) < 0) {
		logs_truncate(c, paths, sizes, npaths);
		unlink(markp);
		free(markp);
		return err_sys(&c->err, DRIP_EFAIL, "log", "cannot write the log");
	}
	{
		char msg[256], stamp[32];
		size_t n = r->dlv.n;

		dtime_format_utc(r->to, stamp, sizeof stamp);
		snprintf(msg, sizeof msg, "deliver %.10s %.5sZ: %zu failure%s\n\nDrip-Command: "
			 "drip tick\nDrip-Now: %s\n", stamp, stamp + 11, n, n == 1 ? "" : "s",
			 now_utc(c));
		if (store_commit(c->store, paths, npaths, msg, c->has_now ? c->now : -1,
				 &committed, NULL, &c->err) < 0) {
			logs_truncate(c, paths, sizes, npaths);
			unlink(markp);
			free(markp);
			return -1;
		}
	}
	unlink(markp);
	free(markp);
	return rc;
}

/*
 * A delivery killed between appending its log rows and committing them
 * left DELIVER_PENDING: commit the files it names as they are (the rows
 * say what happened to messages that have moved on already).  When the
 * commit had been made, there is nothing left to commit.
 */
static int
recover_delivery(struct cmd_ctx *c)
{
	struct sbuf sb = SBUF_INIT;
	char *full = ws_path(c, DELIVER_PENDING), *line, *save = NULL;
	const char *paths[8];
	size_t n = 0;
	int committed, rc = 0;

	if (!fsio_exists(full)) {
		free(full);
		return 0;
	}
	if (fsio_read(full, 0, &sb, &c->err) < 0) {
		free(full);
		return -1;
	}
	for (line = strtok_r(sb.buf ? sb.buf : (char *)"", "\n", &save); line && n < 8;
	     line = strtok_r(NULL, "\n", &save)) {
		char *lf = ws_path(c, line);

		/* Only a log month: the marker names nothing else. */
		if (strncmp(line, "log/", 4) == 0 && strlen(line) == 15 &&
		    strcmp(line + 11, ".csv") == 0 && strchr(line + 4, '/') == NULL &&
		    fsio_exists(lf))
			paths[n++] = arena_strdup(&c->a, line);
		free(lf);
	}
	if (n > 0)
		rc = store_commit(c->store, paths, n,
				  arena_printf(&c->a, "deliver: recovered\n\nDrip-Command: drip tick\n"
					       "Drip-Now: %s\n", now_utc(c)),
				  c->has_now ? c->now : -1, &committed, NULL, &c->err);
	if (rc == 0 && unlink(full) != 0)
		rc = err_sys(&c->err, DRIP_EFAIL, DELIVER_PENDING, "cannot remove");
	free(full);
	sbuf_release(&sb);
	return rc;
}

/* The end of a run that committed: one line per kind of failure on
 * stderr, for cron to mail; 1 when there was any. */
static int
report_failures(struct run *r)
{
	size_t i;

	for (i = 0; i < r->tally.n; i++)
		fprintf(stderr, "drip: %s\n", delivery_tally_line(&r->c->a, &r->tally.v[i]));
	return r->tally.n > 0 ? DRIP_EFAIL : 0;
}

/* ---- sequence automations: since, runs, the contacts snapshot ---- */

/* Each automation's since from state/automations.csv; one not there yet
 * acts from this tick's first slot. */
static int
load_since(struct run *r)
{
	struct cmd_ctx *c = r->c;
	struct csvio_table t;
	char *full = ws_path(c, STATE_AUTOS);
	struct autodef *v = (struct autodef *)r->d.autos;
	long cid = -1, csince = -1;
	size_t i, j;
	int rc = 0;

	memset(&t, 0, sizeof t);
	if (fsio_exists(full)) {
		rc = csvio_table_load(&c->a, full, &t, &c->err);
		if (rc == 0 && ((cid = csvio_table_col(&t, "id")) < 0 ||
				(csince = csvio_table_col(&t, "since")) < 0))
			rc = err_set(&c->err, DRIP_EDATA, STATE_AUTOS, 1, 0, "header must be id,since");
	}
	free(full);
	if (rc < 0) {
		if (c->err.file[0] == '\0' || strstr(c->err.file, STATE_AUTOS))
			snprintf(c->err.file, sizeof c->err.file, "%s", STATE_AUTOS);
		return -1;
	}
	for (i = 0; i < r->d.nautos; i++) {
		v[i].since = r->r0;
		for (j = 0; j < t.nrows; j++)
			if (strcmp(t.rows[j][cid], v[i].m->id) == 0 &&
			    (state_parse_time(t.rows[j][csince], &v[i].since) < 0 ||
			     v[i].since == STATE_NONE))
				return err_set(&c->err, DRIP_EDATA, STATE_AUTOS, (int)t.lines[j], 0,
					       "bad since \"%s\"", t.rows[j][csince]);
	}
	/* Does an automation react to changes in contacts.csv? */
	r->watch = (r->d.auto_kinds & (1u << AT_TAG_ADDED | 1u << AT_TAG_REMOVED |
				       1u << AT_FIELD_CHANGED | 1u << AT_CONTACT_CREATED)) != 0;
	/* The file changes when an automation comes or goes. */
	r->since_dirty = t.nrows != r->d.nautos;
	for (i = 0; !r->since_dirty && i < t.nrows; i++)
		r->since_dirty = engine_auto(&r->d, t.rows[i][cid]) == NULL;
	return 0;
}

static int
write_since(struct run *r, const char **paths, size_t *npaths)
{
	struct cmd_ctx *c = r->c;
	struct sbuf sb = SBUF_INIT;
	char *full;
	size_t i;
	int rc;

	if (!r->since_dirty)
		return 0;
	sbuf_adds(&sb, "id,since\n");
	for (i = 0; i < r->d.nautos; i++) {
		char t[32];

		dtime_format_utc(r->d.autos[i].since, t, sizeof t);
		sbuf_printf(&sb, "%s,%s\n", r->d.autos[i].m->id, t);
	}
	full = ws_path(c, STATE_AUTOS);
	rc = fsio_write_atomic(full, sb.buf, sb.len, 0644, &c->err);
	free(full);
	sbuf_release(&sb);
	if (rc == 0)
		paths[(*npaths)++] = STATE_AUTOS;
	return rc;
}

/* Open state/runs.csv and, while an automation watches contacts.csv and a
 * tick has run, the snapshot. */
static int
open_runs(struct run *r)
{
	struct cmd_ctx *c = r->c;
	char *full;
	size_t i;
	int rc = 0;

	snprintf(r->runs.tmp, sizeof r->runs.tmp, "state/.runs.csv.tmp-%ld", (long)getpid());
	full = ws_path(c, STATE_RUNS);
	if (r->d.nautos == 0 && !fsio_exists(full)) {
		free(full);
		return 0;
	}
	if (fsio_exists(full)) {
		rc = csvio_open(full, &r->runs.r, &c->err);
		if (rc == 0 && (csvio_ncols(r->runs.r) != STATE_RUN_COLS ||
				strcmp(csvio_colname(r->runs.r, 0), "contact") != 0))
			rc = err_set(&c->err, DRIP_EDATA, STATE_RUNS, 1, 0, "header must be %.*s",
				     (int)strlen(STATE_RUN_HEADER) - 1, STATE_RUN_HEADER);
		if (rc == 0)
			rc = runs_advance(c, &r->runs);
		else if (c->err.file[0] == '\0')
			snprintf(c->err.file, sizeof c->err.file, "%s", STATE_RUNS);
	}
	free(full);
	if (rc < 0 || !r->watch || r->from == STATE_NONE)
		return rc;
	full = ws_path(c, STATE_SNAPSHOT);
	if (fsio_exists(full)) {
		rc = csvio_open(full, &r->snap.r, &c->err);
		if (rc == 0 && (r->snap.idcol = csvio_col(r->snap.r, "id")) < 0)
			rc = err_set(&c->err, DRIP_EDATA, STATE_SNAPSHOT, 1, 0,
				     "missing required column \"id\"");
		if (rc == 0) {
			r->snap.cols = arena_alloc(&c->a, (csvio_ncols(r->snap.r) + 1) *
						   sizeof *r->snap.cols);
			for (i = 0; i < csvio_ncols(r->snap.r); i++)
				r->snap.cols[i] = csvio_colname(r->snap.r, i);
			rc = snap_advance(c, &r->snap);
		} else if (c->err.file[0] == '\0') {
			snprintf(c->err.file, sizeof c->err.file, "%s", STATE_SNAPSHOT);
		}
	}
	free(full);
	return rc;
}

/* Put the new state/runs.csv in place when a row changed. */
static int
finish_runs(struct run *r, const char **paths, size_t *npaths)
{
	struct cmd_ctx *c = r->c;
	char *tmp, *dst;
	int rc = 0;

	if (r->runs.out == NULL)
		return 0;
	if (fflush(r->runs.out) != 0 || fsync(fileno(r->runs.out)) != 0)
		rc = err_sys(&c->err, DRIP_EFAIL, STATE_RUNS, "cannot write");
	fclose(r->runs.out);
	r->runs.out = NULL;
	tmp = ws_path(c, r->runs.tmp);
	dst = ws_path(c, STATE_RUNS);
	if (rc < 0 || !r->runs.dirty)
		unlink(tmp);
	else if (rename(tmp, dst) != 0)
		rc = err_sys(&c->err, DRIP_EFAIL, STATE_RUNS, "cannot replace");
	else
		paths[(*npaths)++] = STATE_RUNS;
	free(tmp);
	free(dst);
	return rc;
}

/*
 * Make state/contacts.csv a copy of contacts.csv as this tick leaves it,
 * so the next tick sees exactly the changes made after it.  The copy is
 * streamed, and skipped when the bytes are the same already.  git stores
 * the two identical files as one blob, so the repository does not grow.
 */
static int
sync_snapshot(struct run *r, const char **paths, size_t *npaths)
{
	struct cmd_ctx *c = r->c;
	char *src = ws_path(c, "contacts.csv"), *dst = ws_path(c, STATE_SNAPSHOT);
	char *tmp = ws_path(c, arena_printf(&c->a, "state/.contacts.csv.tmp-%ld", (long)getpid()));
	char a[65536], b[65536];
	FILE *fa = fopen(src, "rb"), *fb = fopen(dst, "rb"), *out = NULL;
	int same = fa && fb, rc = -1, fd;
	size_t na, nb;

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
		err_sys(&c->err, DRIP_EFAIL, "contacts.csv", "cannot read");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || (out = fdopen(fd, "wb")) == NULL) {
		err_sys(&c->err, DRIP_EFAIL, STATE_SNAPSHOT, "cannot write");
		goto out;
	}
	while ((na = fread(a, 1, sizeof a, fa)) > 0)
		if (fwrite(a, 1, na, out) != na)
			break;
	if (ferror(fa) || ferror(out) || fflush(out) != 0 || fsync(fileno(out)) != 0 ||
	    rename(tmp, dst) != 0) {
		err_sys(&c->err, DRIP_EFAIL, STATE_SNAPSHOT, "cannot write");
		goto out;
	}
	paths[(*npaths)++] = STATE_SNAPSHOT;
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

/*
 * contacts.csv with rows out of id order (people append rows by hand, SPEC
 * §4.1): sort it with bounded memory (csvsort).  A real run makes the
 * sorted file a commit of its own ("contacts.csv: sorted by id") under the
 * crash marker, so a kill leaves the old file or the new one, and the next
 * run restores or keeps it; like every rewrite it refuses (75) when
 * contacts.csv has uncommitted changes.  A dry run sorts into a temporary
 * under .drip/ and reads that instead, changing nothing.
 */
static int
sort_contacts(struct run *r)
{
	struct cmd_ctx *c = r->c;
	struct csvsort_opts o = { "id", "contact", NULL, 0, 0, 0 };
	struct events none = { NULL, 0 };
	const char *paths[1] = { "contacts.csv" };
	char *src = ws_path(c, "contacts.csv"), *tmpdir = ws_path(c, ".drip"), *tmp = NULL;
	struct sbuf msg = SBUF_INIT;
	int rc = -1, committed = 0, fd, pending = 0;

	o.tmpdir = tmpdir;
	if (fsio_mkdirs(tmpdir, 0700, &c->err) < 0)
		goto out;
	if (r->o.dry) {
		r->contacts_rel = arena_printf(&c->a, ".drip/.contacts.csv.tmp-%ld", (long)getpid());
		tmp = ws_path(c, r->contacts_rel);
		rc = csvsort_file(src, tmp, &o, NULL, &c->err);
		goto out;
	}
	if (store_check_clean(c->store, paths, 1, &c->err) < 0)
		goto out;
	tmp = ws_path(c, arena_printf(&c->a, ".contacts.csv.tmp-%ld", (long)getpid()));
	if (csvsort_file(src, tmp, &o, NULL, &c->err) < 0)
		goto out;
	if (write_pending(c, &none, 1) < 0) {
		unlink(tmp);
		goto out;
	}
	pending = 1;
	if (rename(tmp, src) != 0) {
		err_sys(&c->err, DRIP_EFAIL, "contacts.csv", "cannot replace");
		unlink(tmp);
		goto out;
	}
	fd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		err_sys(&c->err, DRIP_EFAIL, NULL, "cannot sync the workspace directory");
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	sbuf_printf(&msg, "contacts.csv: sorted by id\n\nDrip-Command: drip tick\nDrip-Now: %s\n",
		    now_utc(c));
	if (store_commit(c->store, paths, 1, msg.buf, c->has_now ? c->now : -1, &committed,
			 NULL, &c->err) < 0)
		goto out;
	free(tmp);
	tmp = ws_path(c, PENDING);
	unlink(tmp);
	rc = 0;
out:
	if (rc < 0 && pending && !committed) {
		/* The file goes back now, not at the next run. */
		struct drip_err e2;

		txn_tick_undo(c->store, c->root, 1, &e2);
	}
	if (rc < 0 && strcmp(c->err.file, src) == 0)
		snprintf(c->err.file, sizeof c->err.file, "contacts.csv");
	free(src);
	free(tmpdir);
	free(tmp);
	sbuf_release(&msg);
	return rc;
}

int
cmd_tick(int argc, char **argv, struct cmd_ctx *c)
{
	struct run *r = arena_alloc(&c->a, sizeof *r);
	struct csvio_reader *cr = NULL;
	struct csvio_row row;
	const char **paths = NULL;
	char *full, prev[256] = "", stamp[32], *contacts_tmp = NULL, *summary = NULL;
	struct linker links = { NULL, NULL, NULL };
	const char **cols = NULL;
	int64_t last;
	size_t i, npaths = 0, nvirt, summary_len;
	long idcol, prev_line = 0;
	int k, rc = -1, have_clock, committed = 0, sorted = 0, pending = 0, pending_contacts = 0;

	r->c = c;
	if ((k = opts_parse(c, argc, argv, tick_opts, on_opt, &r->o)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 0)
		return usage_error(c, "tick takes no arguments");
	if (r->o.dry) {
		if (c->format && strcmp(c->format, "json") == 0)
			r->dry_json = 1;
		else if (c->format && strcmp(c->format, "table") != 0)
			return usage_error(c, "--format must be table or json");
	}
	/* A dry run reads only: no lock, no store. */
	if (!r->o.dry) {
		if (ws_lock(c->root, c->wait >= 0 ? c->wait : 0, &c->lockfd, &c->err) < 0)
			return -1;
		if (store_open(c->root, &c->store, &c->err) < 0)
			return -1;
		if (check_key(c) < 0 || cmd_prepare(c) < 0 || recover_delivery(c) < 0)
			return -1;
	}
again:
	have_clock = state_read_clock(c->root, &last, &c->err);
	if (have_clock < 0)
		return -1;
	r->from = have_clock == 0 ? last : STATE_NONE;
	r->to = sched_slot_floor(c->now, c->cfg.tick);
	if (r->from != STATE_NONE && r->to <= r->from) {
		if (c->verbose)
			printf("nothing to do: slot %s was processed already\n", show_time(c, r->from));
		return 0;
	}
	if (r->from != STATE_NONE && c->now - r->from > c->cfg.max_lag && !r->o.catch_up) {
		char lagd[64];
		struct dur lag = { 0, 0, c->now - r->from - (c->now - r->from) % 60 };

		dur_format(&lag, lagd, sizeof lagd);
		return err_set(&c->err, DRIP_ETEMP, NULL, 0, 0,
			       "the last tick processed %s, %s ago, more than max_lag: "
			       "'drip tick --catch-up' processes the backlog", now_utc(c) ?
			       show_time(c, r->from) : "", lagd);
	}
	r->stream_log = !r->o.dry && r->from != STATE_NONE && r->to - r->from == c->cfg.tick;
	r->tty = isatty(STDERR_FILENO) && !c->quiet;
	if (defs_load(&c->a, c->root, &c->cfg, &r->d, &c->err) < 0)
		return -1;
	r->d.zone = zone_of;
	r->d.zone_ctx = &r->zones;
	r->d.task_done = task_done;
	r->d.task_ctx = &r->done;
	r->r0 = r->from == STATE_NONE ? r->to : r->from + c->cfg.tick;
	if (defs_load_autos(&c->a, c->root, &r->d, &c->err) < 0 ||
	    defs_check_mail(&r->d, &c->err) < 0 || load_since(r) < 0)
		goto out;
	if (setup_links(r, &links) < 0)
		goto out;
	if (c->cfg.holidays) {
		int64_t *days;
		size_t nd;

		full = ws_path(c, c->cfg.holidays);
		k = sched_load_holidays(&c->a, full, &days, &nd, &c->err);
		free(full);
		if (k < 0)
			goto out;
		r->d.holidays = days;
		r->d.nholidays = nd;
	}
	if (load_events(c, &r->ev, r->from, r->to) < 0 || load_done_tasks(c, &r->done) < 0)
		goto out;
	if (!r->o.dry) {
		/* Refuse to overwrite someone else's edits to drip's files. */
		paths = arena_alloc(&c->a, (STATE_SHARDS + 40) * sizeof *paths);
		for (i = 0; i < STATE_SHARDS; i++) {
			char rel[64];

			state_shard_path((unsigned)i, rel, sizeof rel);
			paths[npaths++] = arena_strdup(&c->a, rel);
		}
		paths[npaths++] = STATE_CLOCK;
		paths[npaths++] = STATE_RUNS;
		paths[npaths++] = STATE_AUTOS;
		paths[npaths++] = STATE_SNAPSHOT;
		paths[npaths++] = "tasks.csv";
		{
			char lp[64];

			actlog_path(r->to, lp, sizeof lp);
			paths[npaths++] = arena_strdup(&c->a, lp);
		}
		if (store_check_clean(c->store, paths, npaths, &c->err) < 0)
			goto out;
		npaths = 0;
	} else {
		json_init(&r->dj, &r->dry, 1);
		if (r->dry_json)
			json_arr(&r->dj);
	}
	/* The shards: readers of the committed files, writers beside them. */
	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard_io *s = &r->sh[i];

		state_shard_path((unsigned)i, s->rel, sizeof s->rel);
		snprintf(s->tmp, sizeof s->tmp, "state/enrollments/.%02zu.csv.tmp-%ld", i,
			 (long)getpid());
		full = ws_path(c, s->rel);
		if (fsio_exists(full)) {
			if (csvio_open(full, &s->r, &c->err) < 0) {
				free(full);
				goto out;
			}
			if (shard_advance(c, s) < 0) {
				free(full);
				goto out;
			}
		}
		free(full);
	}
	if (open_runs(r) < 0)
		goto out;
	full = ws_path(c, r->contacts_rel ? r->contacts_rel : "contacts.csv");
	k = csvio_open(full, &cr, &c->err);
	free(full);
	if (k < 0) {
		snprintf(c->err.file, sizeof c->err.file, "contacts.csv");
		goto out;
	}
	if ((idcol = csvio_col(cr, "id")) < 0) {
		err_set(&c->err, DRIP_EDATA, "contacts.csv", 1, 0, "missing required column \"id\"");
		goto out;
	}
	if (csvio_ncols(cr) > 1024) {
		err_set(&c->err, DRIP_EDATA, "contacts.csv", 1, 0, "more than 1024 columns");
		goto out;
	}
	/* The header is the same for every contact: its names, once, and
	 * after them the columns the engine sets that the file lacks. */
	cols = arena_alloc(&c->a, (csvio_ncols(cr) + ENGINE_CONTACT_NCOLS + 1) * sizeof *cols);
	for (i = 0; i < csvio_ncols(cr); i++)
		cols[i] = csvio_colname(cr, i);
	nvirt = missing_cols(cr, cols + i);
	while ((k = csvio_next(cr, &row, &c->err)) == 1) {
		struct contact ct;

		ct.id = row.f[idcol];
		if (!ws_valid_contact_id(ct.id)) {
			err_set(&c->err, DRIP_EDATA, "contacts.csv", (int)row.line, 0,
				"invalid contact id \"%s\"", ct.id);
			goto out;
		}
		if (prev[0] && strcmp(prev, ct.id) == 0) {
			err_set(&c->err, DRIP_EDATA, "contacts.csv", (int)row.line, 0,
				"contact \"%s\" appears twice (lines %ld and %ld)", ct.id,
				prev_line, row.line);
			goto out;
		}
		/* A row out of order (appended by hand): nothing has been
		 * written yet, so the run stops here, the file is sorted, and
		 * the run starts again (cmd_tick). */
		if (prev[0] && strcmp(prev, ct.id) > 0) {
			r->unsorted = 1;
			goto out;
		}
		snprintf(prev, sizeof prev, "%s", ct.id);
		prev_line = row.line;
		ct.n = row.n + nvirt;
		ct.changed = 0;
		{
			static const char *vals[1024 + ENGINE_CONTACT_NCOLS];
			size_t j;

			for (j = 0; j < row.n && j < 1024; j++)
				vals[j] = row.f[j];
			for (; j < ct.n; j++)
				vals[j] = "";
			ct.vals = vals;
		}
		ct.cols = cols;
		if (one_contact(r, &ct) < 0)
			goto out;
		if (r->tty && r->contacts % 50000 == 0)
			fprintf(stderr, "\r%zu contacts", r->contacts);
	}
	if (k < 0) {
		snprintf(c->err.file, sizeof c->err.file, "contacts.csv");
		goto out;
	}
	if (r->tty && r->contacts >= 50000)
		fprintf(stderr, "\r%zu contacts\n", r->contacts);
	for (i = 0; i < STATE_SHARDS; i++)
		if (flush_orphans(r, &r->sh[i], NULL) < 0)
			goto out;
	if (flush_run_orphans(r, NULL) < 0)
		goto out;
	if (skip_unknown_events(r, NULL) < 0 || write_rows(r) < 0)
		goto out;
	if (r->o.dry) {
		if (r->dry_json) {
			json_end(&r->dj);
			sbuf_addc(&r->dry, '\n');
		} else if (r->dry_rows) {
			fputs("time\tcontact\tsequence\tstep\taction\tresult\tdetail\n", stdout);
		} else if (!c->quiet) {
			printf("nothing would fire up to %s\n", show_time(c, r->to));
		}
		fwrite(r->dry.buf ? r->dry.buf : "", 1, r->dry.len, stdout);
		rc = 0;
		goto out;
	}
	if (r->nedited && rewrite_contacts(r, &contacts_tmp) < 0)
		goto out;
	/* The pass succeeded.  From here on a crash is recovered by the next
	 * run (the marker), and messages are queued before any state moves
	 * (SPEC §9.3). */
	if (txn_tick_keep(c->root, contacts_tmp != NULL, &c->err) < 0)
		goto out;
	pending = 1;
	pending_contacts = contacts_tmp != NULL;
	if (write_pending(c, &r->ev, contacts_tmp != NULL) < 0)
		goto out;
	for (i = 0; i < 3; i++)
		if (r->stage[i] && outbox_stage_commit(r->stage[i], &c->err) < 0)
			goto out;
	/* Put the new files in place. */
	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard_io *s = &r->sh[i];
		char *tmp, *dst;

		if (s->out == NULL)
			continue;
		if (fflush(s->out) != 0 || fsync(fileno(s->out)) != 0) {
			err_sys(&c->err, DRIP_EFAIL, s->rel, "cannot write");
			goto out;
		}
		fclose(s->out);
		s->out = NULL;
		tmp = ws_path(c, s->tmp);
		dst = ws_path(c, s->rel);
		if (!s->dirty) {
			unlink(tmp);
		} else if (rename(tmp, dst) != 0) {
			err_sys(&c->err, DRIP_EFAIL, s->rel, "cannot replace");
			free(tmp);
			free(dst);
			goto out;
		} else {
			paths[npaths++] = s->rel;
		}
		free(tmp);
		free(dst);
	}
	if (finish_runs(r, paths, &npaths) < 0 || write_since(r, paths, &npaths) < 0)
		goto out;
	for (i = 0; i < r->logs.n; i++)
		paths[npaths++] = arena_strdup(&c->a, r->logs.paths[i]);
	if (logs_close(c, &r->logs) < 0) {
		err_sys(&c->err, DRIP_EFAIL, "log", "cannot write the log");
		goto out;
	}
	if (write_tasks(r, &paths, &npaths) < 0 || write_notes(r, &paths, &npaths) < 0 ||
	    write_lists(r, &paths, &npaths, STATE_SHARDS + 30) < 0)
		goto out;
	if (contacts_tmp) {
		full = ws_path(c, "contacts.csv");
		k = rename(contacts_tmp, full);
		free(full);
		if (k != 0) {
			err_sys(&c->err, DRIP_EFAIL, "contacts.csv", "cannot replace");
			goto out;
		}
		free(contacts_tmp);
		contacts_tmp = NULL;
		paths[npaths++] = "contacts.csv";
	}
	/* Once made, the snapshot follows every tick, watched or not: an
	 * automation that watches again later (its trigger edited back)
	 * must see the changes since the last tick, not replay older ones. */
	full = ws_path(c, STATE_SNAPSHOT);
	k = r->watch || fsio_exists(full);
	free(full);
	if (k && sync_snapshot(r, paths, &npaths) < 0)
		goto out;
	{
		struct sbuf sb = SBUF_INIT;

		state_format_clock(r->to, &sb);
		full = ws_path(c, STATE_CLOCK);
		k = fsio_write_atomic(full, sb.buf, sb.len, 0644, &c->err);
		free(full);
		sbuf_release(&sb);
		if (k < 0)
			goto out;
		paths[npaths++] = STATE_CLOCK;
	}
	{
		struct sbuf msg = SBUF_INIT;

		dtime_format_utc(r->to, stamp, sizeof stamp);
		sbuf_printf(&msg, "tick %.10s %.5sZ: %zu step%s fired, %zu automation%s, %zu completed",
			    stamp, stamp + 11, r->fired, r->fired == 1 ? "" : "s", r->automations,
			    r->automations == 1 ? "" : "s", r->completed);
		if (r->enrolled)
			sbuf_printf(&msg, ", %zu enrolled", r->enrolled);
		if (delivery_tally_total(&r->tally))
			sbuf_printf(&msg, ", %zu failed", delivery_tally_total(&r->tally));
		summary_len = msg.len;
		sbuf_printf(&msg, "\n\nDrip-Command: drip tick\nDrip-Now: %s\n", now_utc(c));
		k = store_commit(c->store, paths, npaths, msg.buf, c->has_now ? c->now : -1,
				 &committed, NULL, &c->err);
		summary = arena_strndup(&c->a, msg.buf, summary_len);
		sbuf_release(&msg);
		if (k < 0)
			goto out;
	}
	/* Committed: the applied events leave the inbox, the marker goes. */
	for (i = 0; i < r->ev.n; i++) {
		char *ev = ws_path(c, arena_printf(&c->a, "inbox/%s.csv", r->ev.v[i].id));

		unlink(ev);
		free(ev);
	}
	{
		struct drip_err e2;

		txn_tick_done(c->root, &e2);	/* what is left, the next run sweeps */
	}
	pending = 0;
	rc = 0;
	if (!r->o.no_deliver)
		rc = deliver(r);
	if (c->verbose || (isatty(STDOUT_FILENO) && !c->quiet)) {
		/* The commit's subject, and what delivery did. */
		const struct outbox_stats *t = &r->dlv.total;

		printf("%s", summary);
		if (t->sent || t->failed || t->waiting || t->deferred) {
			printf("; %zu delivered", t->sent);
			if (t->failed > t->gave_up)
				printf(", %zu to retry", t->failed - t->gave_up);
			if (t->gave_up)
				printf(", %zu given up", t->gave_up);
			if (t->waiting + t->deferred)
				printf(", %zu waiting", t->waiting + t->deferred);
		}
		putchar('\n');
	}
	k = report_failures(r);
	if (rc == 0)
		rc = k;
out:
	/* Failed before the commit landed: the files go back as they were
	 * now, not at the next run (a failed undo is left to that run). */
	if (pending && !committed) {
		struct drip_err e2;

		txn_tick_undo(c->store, c->root, pending_contacts, &e2);
	}
	logs_discard(&r->logs);
	if (contacts_tmp) {
		unlink(contacts_tmp);
		free(contacts_tmp);
	}
	if (cr)
		csvio_close(cr);
	for (i = 0; i < STATE_SHARDS; i++) {
		if (r->sh[i].r)
			csvio_close(r->sh[i].r);
		arena_release(&r->sh[i].pa);
		if (r->sh[i].out) {
			fclose(r->sh[i].out);
			full = ws_path(c, r->sh[i].tmp);
			unlink(full);
			free(full);
		}
	}
	for (i = 0; i < 3; i++) {
		outbox_stage_free(r->stage[i]);
		free(r->stage_dir[i]);
	}
	if (r->runs.r)
		csvio_close(r->runs.r);
	arena_release(&r->runs.pa);
	if (r->runs.out) {
		fclose(r->runs.out);
		full = ws_path(c, r->runs.tmp);
		unlink(full);
		free(full);
	}
	if (r->snap.r)
		csvio_close(r->snap.r);
	arena_release(&r->ca);
	zone_cache_free(&r->zones);
	token_key_free(links.key);
	defs_release(&r->d);
	sbuf_release(&r->dry);
	if (r->unsorted) {
		struct tick_opts o = r->o;
		int dry_json = r->dry_json;

		/* Sorted once already: someone is rewriting the file now. */
		if (sorted)
			return err_set(&c->err, DRIP_ETEMP, "contacts.csv", 0, 0,
				       "changed while tick was reading it; run tick again");
		if (sort_contacts(r) < 0)
			return -1;
		sorted = 1;
		memset(r, 0, sizeof *r);
		r->c = c;
		r->o = o;
		r->dry_json = dry_json;
		if (o.dry)
			r->contacts_rel = arena_printf(&c->a, ".drip/.contacts.csv.tmp-%ld",
						       (long)getpid());
		cr = NULL;
		paths = NULL;
		npaths = 0;
		prev[0] = '\0';
		prev_line = 0;
		contacts_tmp = NULL;
		memset(&links, 0, sizeof links);
		cols = NULL;
		committed = 0;
		rc = -1;
		goto again;
	}
	if (sorted && r->contacts_rel) {
		full = ws_path(c, r->contacts_rel);
		unlink(full);
		free(full);
	}
	return rc;
}
