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
#include "enroll.h"
#include "expr.h"
#include "fsio.h"
#include "lifecycle.h"
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

static void
on_skip(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "drip: %s\n", msg);
}

int
cmd_enroll(int argc, char **argv, struct cmd_ctx *c)
{
	struct enroll_opts o = { NULL, NULL, NULL, M_ENROLL, 0 };
	struct enroll_req q;
	struct enroll_result res;
	struct csvio_table st;
	struct txn_change *ch;
	const char *seq, *status, *first = "";
	size_t i, nch = 0, changed, skipped;
	long srow, version = 0;
	int reenroll = REENROLL_NEVER;
	int64_t at = c->now;
	char why[256];
	int k, rc = -1;

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
	if ((o.mode == M_PAUSE || o.mode == M_RESUME) &&
	    lifecycle_check_contact_pause(c->root, seq, c->cfg.tick, &c->err) < 0)
		return -1;
	if (o.mode == M_ENROLL) {
		struct defs d;

		/* The first step and the re-enrollment rule of the published version. */
		if (defs_load(&c->a, c->root, &c->cfg, &d, &c->err) < 0)
			return -1;
		{
			const struct seqdef *sd = engine_seq(&d, seq);

			if (sd && sd->q->nsteps)
				first = arena_strdup(&c->a, sd->q->steps[0].id);
			if (sd)
				reenroll = (int)sd->q->reenroll;
		}
		defs_release(&d);
	}
	memset(&q, 0, sizeof q);
	q.root = c->root;
	q.seq = seq;
	q.mode = (enum enroll_mode)o.mode;
	q.version = version;
	q.first = first;
	q.reenroll = reenroll;
	q.at = at;
	q.at_text = o.at;
	q.now = c->now;
	q.zone = c->cfg.tz;
	q.ids = argv + k + 1;
	q.nids = (size_t)(argc - k - 1);
	q.file = o.file;
	q.where = o.where;
	q.skip = on_skip;
	if (enroll_run(&q, &res, &c->err) < 0) {
		if (c->err.code != DRIP_EUSAGE)
			return -1;
		usage_error(c, "%s", c->err.msg);
		return DRIP_EUSAGE;
	}
	changed = res.changed;
	skipped = res.skipped;
	if (changed == 0) {
		if (!c->quiet)
			printf("nothing changed\n");
		/* Enrolling the enrolled again is not an error: scripts may
		 * repeat themselves. */
		rc = 0;
		goto out;
	}
	ch = arena_alloc(&c->a, (res.nfiles + 1) * sizeof *ch);
	for (i = 0; i < res.nfiles; i++) {
		ch[nch].path = res.files[i].rel;
		ch[nch].data = res.files[i].tmp;
		ch[nch].mode = TXN_FROM_FILE;
		nch++;
	}
	{
		static const char *const verbs[] = { "enroll", "enroll --remove", "enroll --pause",
						     "enroll --resume" };

		rc = ws_apply(c, ch, nch, arena_printf(&c->a, "%s %s: %zu contact%s", verbs[o.mode],
							  seq, changed, changed == 1 ? "" : "s"));
	}
	if (rc == 0 && !c->quiet) {
		static const char *const done[] = { "enrolled", "removed", "paused", "resumed" };

		printf("%s %zu contact%s in '%s'%s\n", done[o.mode], changed,
		       changed == 1 ? "" : "s", seq,
		       skipped ? arena_printf(&c->a, " (%zu skipped)", skipped) : "");
	}
out:
	enroll_result_release(&res);
	return rc;
}
