/*
 * enroll.c - `drip enroll SEQ CONTACT...` and its --remove, --pause and
 * --resume forms (SPEC §3.5a).
 *
 * Every named contact is checked before anything changes; then the touched
 * shard files of state/enrollments/ and the log are written and committed
 * together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog.h"
#include "cmd.h"
#include "csvio.h"
#include "defs.h"
#include "dtime.h"
#include "engine.h"
#include "expr.h"
#include "fsio.h"
#include "pub.h"
#include "seq.h"
#include "sbuf.h"
#include "state.h"
#include "ws.h"

const struct optspec enroll_opts[] = {
	{ "at", 0, "TIME", "when the enrollment starts (default: now); may be in the past", NULL },
	{ "file", 'f', "FILE", "enroll the contacts whose ids are in FILE's id column", "@file" },
	{ "pause", 0, NULL, "pause the contacts' enrollment: its clock freezes", NULL },
	{ "remove", 0, NULL, "end the contacts' enrollment (status removed)", NULL },
	{ "resume", 0, NULL, "resume a paused enrollment; pending times move by the pause", NULL },
	{ "where", 'w', "EXPR", "enroll every contact for whom EXPR holds", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

enum mode { M_ENROLL, M_REMOVE, M_PAUSE, M_RESUME };

struct enroll_opts {
	const char *at, *file, *where;
	enum mode mode;
	int nmodes;
};

static int
on_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct enroll_opts *o = ud;

	(void)c;
	if (strcmp(name, "at") == 0)
		o->at = arg;
	else if (strcmp(name, "file") == 0)
		o->file = arg;
	else if (strcmp(name, "where") == 0)
		o->where = arg;
	else if (strcmp(name, "remove") == 0)
		o->mode = M_REMOVE, o->nmodes++;
	else if (strcmp(name, "pause") == 0)
		o->mode = M_PAUSE, o->nmodes++;
	else if (strcmp(name, "resume") == 0)
		o->mode = M_RESUME, o->nmodes++;
	return 0;
}

/* The contacts to act on, as row indexes into t, in id order, each once. */
static int
pick(struct cmd_ctx *c, const struct enroll_opts *o, const struct csvio_table *t,
     char **ids, int nids, size_t **rows, size_t *n)
{
	long idcol = csvio_table_col(t, "id");
	unsigned char *take = arena_alloc(&c->a, t->nrows + 1);
	size_t i;
	int k;

	for (k = 0; k < nids; k++) {
		long r;

		if (!ws_valid_contact_id(ids[k])) {
			usage_error(c, "invalid contact id '%s'", ids[k]);
			return -1;
		}
		r = csvio_table_find(t, (size_t)idcol, ids[k]);
		if (r < 0)
			return err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0,
				       "unknown contact '%s'", ids[k]);
		take[r] = 1;
	}
	if (o->file) {
		struct csvio_table f;
		long fc;

		if (csvio_table_load(&c->a, o->file, &f, &c->err) < 0)
			return -1;
		if ((fc = csvio_table_col(&f, "id")) < 0)
			return err_set(&c->err, DRIP_EDATA, o->file, 1, 0,
				       "missing required column \"id\"");
		for (i = 0; i < f.nrows; i++) {
			long r = csvio_table_find(t, (size_t)idcol, f.rows[i][fc]);

			if (r < 0)
				return err_set(&c->err, DRIP_ENOINPUT, o->file, (int)f.lines[i], 0,
					       "unknown contact '%s'", f.rows[i][fc]);
			take[r] = 1;
		}
	}
	if (o->where) {
		unsigned char *w = where_select(c, o->where, t);

		if (w == NULL)
			return -1;
		for (i = 0; i < t->nrows; i++)
			take[i] |= w[i];
	}
	*rows = arena_alloc(&c->a, (t->nrows + 1) * sizeof **rows);
	*n = 0;
	for (i = 0; i < t->nrows; i++)
		if (take[i])
			(*rows)[(*n)++] = i;
	return 0;
}

struct shard {
	struct enr *rows;
	size_t n, cap;
	int loaded, dirty;
};

static struct enr *
find_enr(struct shard *s, const char *contact, const char *seq)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->rows[i].contact, contact) == 0 &&
		    strcmp(s->rows[i].sequence, seq) == 0)
			return &s->rows[i];
	return NULL;
}

int
cmd_enroll(int argc, char **argv, struct cmd_ctx *c)
{
	struct enroll_opts o = { NULL, NULL, NULL, M_ENROLL, 0 };
	struct shard sh[STATE_SHARDS];
	struct csvio_table t, st;
	struct sbuf logbuf = SBUF_INIT, *bufs;
	struct change *ch;
	const char *seq, *status, *first = "", *q_reenroll = "never";
	size_t *rows = NULL, nrows = 0, i, nch = 0, changed = 0, skipped = 0;
	long srow, version = 0, idcol;
	int64_t at = c->now;
	char logpath[64], why[256];
	int k, rc = -1;

	memset(sh, 0, sizeof sh);
	if ((k = opts_parse(c, argc, argv, enroll_opts, on_opt, &o)) < 0)
		return DRIP_EUSAGE;
	if (o.nmodes > 1)
		return usage_error(c, "give at most one of --remove, --pause, --resume");
	if (argc - k < 1)
		return usage_error(c, "missing sequence id");
	seq = argv[k];
	if (!ws_valid_id(seq))
		return usage_error(c, "invalid sequence id '%s'", seq);
	if (argc - k == 1 && !o.file && !o.where)
		return usage_error(c, "name contacts, or give --where or --file");
	if (o.at) {
		if (o.mode != M_ENROLL)
			return usage_error(c, "--at goes with enrolling only");
		if (dtime_parse(o.at, c->cfg.tz, &at, why, sizeof why) < 0)
			return usage_error(c, "invalid --at '%s': %s", o.at, why);
	}
	/* The sequence: published and taking enrollments. */
	if (pub_load_state(&c->a, c->root, &st, &c->err) < 0)
		return -1;
	srow = pub_find(&st, seq);
	if (srow < 0) {
		char *p = ws_path(c, arena_printf(&c->a, "sequences/%s.yaml", seq));
		int exists = fsio_exists(p);

		free(p);
		return err_set(&c->err, exists ? DRIP_EDATA : DRIP_ENOINPUT, NULL, 0, 0,
			       exists ? "sequence '%s' is not published; 'drip seq publish %s' "
			       "starts it" : "unknown sequence '%s'", seq, seq);
	}
	status = st.rows[srow][csvio_table_col(&st, "status")];
	version = atol(st.rows[srow][csvio_table_col(&st, "version")]);
	if (o.mode == M_ENROLL && strcmp(status, "active") != 0)
		return err_set(&c->err, DRIP_EDATA, NULL, 0, 0,
			       "sequence '%s' is %s and takes no new enrollments", seq, status);
	if (o.mode == M_ENROLL) {
		struct defs d;

		/* The first step and the re-enrollment rule of the published version. */
		if (defs_load(&c->a, c->root, &c->cfg, &d, &c->err) < 0)
			return -1;
		{
			const struct seqdef *sd = engine_seq(&d, seq);

			if (sd && sd->q->nsteps)
				first = sd->q->steps[0].id;
			if (sd)
				q_reenroll = sd->q->reenroll == REENROLL_ALWAYS ? "always" :
					     sd->q->reenroll == REENROLL_AFTER_EXIT ? "after_exit" :
					     "never";
		}
		defs_release(&d);
	}
	if (contacts_load(c, &t) < 0)
		return -1;
	idcol = csvio_table_col(&t, "id");
	if (pick(c, &o, &t, argv + k + 1, argc - k - 1, &rows, &nrows) < 0)
		return c->err.code ? -1 : DRIP_EUSAGE;

	actlog_path(c->now, logpath, sizeof logpath);
	for (i = 0; i < nrows; i++) {
		const char *id = t.rows[rows[i]][idcol];
		unsigned s = state_shard(id);
		struct enr *e;
		struct log_row lr = { c->now, id, seq, "", "", "", "ok", "", "" };

		if (!sh[s].loaded) {
			if (state_load_shard(&c->a, c->root, s, &sh[s].rows, &sh[s].n, &c->err) < 0)
				return -1;
			sh[s].cap = sh[s].n;
			sh[s].loaded = 1;
		}
		e = find_enr(&sh[s], id, seq);
		switch (o.mode) {
		case M_ENROLL:
			if (e && !enr_ended(e->status) && strcmp(q_reenroll, "always") != 0) {
				fprintf(stderr, "drip: '%s' is already enrolled in '%s'\n", id, seq);
				skipped++;
				continue;
			}
			if (e && enr_ended(e->status) && strcmp(q_reenroll, "never") == 0) {
				fprintf(stderr, "drip: '%s' was enrolled in '%s' before and it "
					"says reenroll: never\n", id, seq);
				skipped++;
				continue;
			}
			if (e == NULL) {
				if (sh[s].n == sh[s].cap) {
					size_t nc = sh[s].cap ? sh[s].cap * 2 : 8;

					sh[s].rows = arena_grow(&c->a, sh[s].rows, sh[s].n, nc,
								sizeof *sh[s].rows);
					sh[s].cap = nc;
				}
				e = &sh[s].rows[sh[s].n++];
			}
			e->contact = id;
			e->sequence = seq;
			e->version = version;
			e->status = ENR_ACTIVE;
			e->step = first;
			e->entered = e->base = e->enrolled = at;
			e->paused = STATE_NONE;
			e->task = "";
			e->hold = STATE_NONE;
			e->sent_day = "";
			e->sent = 0;
			lr.action = "enroll";
			if (o.at)
				lr.detail = arena_printf(&c->a, "at %s", o.at);
			break;
		case M_REMOVE:
			if (e == NULL || enr_ended(e->status)) {
				fprintf(stderr, "drip: '%s' is not enrolled in '%s'\n", id, seq);
				skipped++;
				continue;
			}
			e->status = ENR_REMOVED;
			e->step = "";
			e->paused = STATE_NONE;
			e->task = "";
			e->entered = e->base = c->now;
			lr.action = "removed";
			lr.detail = "by drip enroll --remove";
			break;
		case M_PAUSE:
			if (e == NULL || (e->status != ENR_ACTIVE && e->status != ENR_WAITING)) {
				fprintf(stderr, "drip: '%s' has no running enrollment in '%s'\n", id, seq);
				skipped++;
				continue;
			}
			e->status = ENR_PAUSED;
			e->paused = c->now;
			break;
		case M_RESUME:
			if (e == NULL || e->status != ENR_PAUSED) {
				fprintf(stderr, "drip: '%s' is not paused in '%s'\n", id, seq);
				skipped++;
				continue;
			}
			/* The clock froze: every pending time moves by the pause. */
			if (c->now > e->paused) {
				e->base += c->now - e->paused;
				e->entered += c->now - e->paused;
			}
			e->status = *e->task ? ENR_WAITING : ENR_ACTIVE;
			e->paused = STATE_NONE;
			break;
		}
		sh[s].dirty = 1;
		changed++;
		if (lr.action[0])
			actlog_format(&logbuf, &lr);
	}
	if (changed == 0) {
		if (!c->quiet)
			printf("nothing changed\n");
		/* Enrolling the enrolled again is not an error: scripts may
		 * repeat themselves. */
		rc = 0;
		goto out;
	}
	ch = arena_alloc(&c->a, (STATE_SHARDS + 2) * sizeof *ch);
	bufs = arena_alloc(&c->a, (STATE_SHARDS + 1) * sizeof *bufs);
	for (i = 0; i < STATE_SHARDS; i++) {
		char rel[64];

		if (!sh[i].dirty)
			continue;
		state_shard_path((unsigned)i, rel, sizeof rel);
		state_format_shard(sh[i].rows, sh[i].n, &bufs[nch]);
		ch[nch].path = arena_strdup(&c->a, rel);
		ch[nch].data = bufs[nch].buf;
		ch[nch].len = bufs[nch].len;
		nch++;
	}
	if (logbuf.len) {
		struct sbuf whole = SBUF_INIT;
		char *full = ws_path(c, logpath);

		if (fsio_exists(full)) {
			if (fsio_read(full, 0, &whole, &c->err) < 0) {
				free(full);
				goto out;
			}
		} else {
			sbuf_adds(&whole, ACTLOG_HEADER);
		}
		free(full);
		sbuf_add(&whole, logbuf.buf, logbuf.len);
		bufs[nch] = whole;
		ch[nch].path = arena_strdup(&c->a, logpath);
		ch[nch].data = whole.buf;
		ch[nch].len = whole.len;
		nch++;
	}
	{
		static const char *const verbs[] = { "enroll", "enroll --remove", "enroll --pause",
						     "enroll --resume" };

		rc = ws_apply(c, ch, nch, arena_printf(&c->a, "%s %s: %zu contact%s", verbs[o.mode],
							  seq, changed, changed == 1 ? "" : "s"));
	}
	for (i = 0; i < nch; i++)
		sbuf_release(&bufs[i]);
	if (rc == 0 && !c->quiet) {
		static const char *const done[] = { "enrolled", "removed", "paused", "resumed" };

		printf("%s %zu contact%s in '%s'%s\n", done[o.mode], changed,
		       changed == 1 ? "" : "s", seq,
		       skipped ? arena_printf(&c->a, " (%zu skipped)", skipped) : "");
	}
out:
	sbuf_release(&logbuf);
	return rc;
}
