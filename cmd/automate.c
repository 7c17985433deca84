/*
 * automate.c - `drip automate add|list|show|rm|lint|review|approve|reject`:
 * the automations of a sequence's steps and the review queue (SPEC §3.6,
 * §10).
 *
 * add and rm edit sequences/SEQ.yaml in place through core/seqedit, which
 * splices text so that every comment and all formatting outside the
 * automation they add or remove stay exactly as they were; the result is
 * parsed again and linted before anything is written.  The words list and
 * show print come from core/autoshow, the queue's from core/review.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actlog.h"
#include "autom.h"
#include "autoshow.h"
#include "autospec.h"
#include "cmd.h"
#include "diag.h"
#include "dur.h"
#include "json.h"
#include "lint.h"
#include "owners.h"
#include "review.h"
#include "sbuf.h"
#include "seq.h"
#include "seqedit.h"
#include "state.h"
#include "ws.h"

static const struct optspec add_opts[] = {
	{ "action", 0, "ACTION", "an action such as notify:FILE, tag:+cold, archive "
	  "(repeatable; see drip-automate(1))", NULL },
	{ "after", 0, "DURATION", "how long after entering the step (enter, pending)", NULL },
	{ "from", 0, "FILE", "take the whole automation from a YAML file instead", "@file" },
	{ "on", 0, "TRIGGER", "enter, complete or pending", "enter complete pending" },
	{ "repeat", 0, "DURATION", "pending: repeat this often while still pending", NULL },
	{ "times", 0, "N", "with --repeat: at most N repeats (1 to 1000)", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec none[] = { { NULL, 0, NULL, NULL, NULL } };
static const struct optspec raw_opts[] = { OPT_RAW, { NULL, 0, NULL, NULL, NULL } };
static const struct optspec decide_opts[] = {
	{ "all", 0, NULL, "every action in the review queue", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

const struct subcmd automate_subcmds[] = {
	{ "add", cmd_automate_add, NEED_WS | NEED_LOCK | NEED_STORE,
	  "SEQ STEP ID --on enter|complete|pending [--after D] [--repeat D --times N] "
	  "--action ACTION... | SEQ STEP ID --from FILE",
	  "add an automation to a step of a sequence, in place", add_opts,
	  "@seq @step @new" },
	{ "list", cmd_automate_list, NEED_WS, "[SEQ] [--format table|csv|json] [--raw]",
	  "list the step automations of the sequences' drafts and, without SEQ, the "
	  "sequence automations", raw_opts, "@seq" },
	{ "show", cmd_automate_show, NEED_WS,
	  "SEQ STEP ID | SEQ/STEP/ID | ID [--format table|json]",
	  "show an automation, its schedule or trigger and actions in plain words", none,
	  "@seq @step @new" },
	{ "rm", cmd_automate_rm, NEED_WS | NEED_LOCK | NEED_STORE, "SEQ STEP ID | SEQ/STEP/ID",
	  "remove an automation from a step, in place", none, "@seq @step @new" },
	{ "lint", cmd_seq_lint, 0, "[FILE...] [--format text|json|github]",
	  "check sequence and automation files, as 'drip seq lint' does", none, "@file" },
	{ "review", cmd_automate_review, NEED_WS, "[--format table|csv|json] [--raw]",
	  "list the actions waiting in the review queue", raw_opts, NULL },
	{ "approve", cmd_automate_approve, NEED_WS | NEED_LOCK | NEED_STORE, "ID... | --all",
	  "approve queued actions: they run at the next tick", decide_opts, "@review" },
	{ "reject", cmd_automate_reject, NEED_WS | NEED_LOCK | NEED_STORE, "ID... | --all",
	  "reject queued actions: they are logged and dropped", decide_opts, "@review" },
	{ "protect", cmd_automate_protect, NEED_WS | NEED_LOCK | NEED_STORE, "ID",
	  "protect automations/ID.yaml with a password: changing it then needs the password",
	  none, "@auto" },
	{ "unprotect", cmd_automate_unprotect, NEED_WS | NEED_LOCK | NEED_STORE, "ID",
	  "remove an automation's password protection (needs the password)", none, "@auto" },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL }
};

static int
check_id(struct cmd_ctx *c, const char *what, const char *id)
{
	if (ws_valid_id(id))
		return 0;
	usage_error(c, "invalid %s id '%s': use 1 to 64 of a-z, 0-9, '_' and '-', "
		    "starting with a letter or digit", what, id);
	return -1;
}

/*
 * The operands SEQ STEP ID, or one SEQ/STEP/ID, into ids[3], each checked.
 * Returns 0 or -1 after a usage error.
 */
static int
three_ids(struct cmd_ctx *c, int argc, char **argv, int k, int allow_slash,
	  const char *ids[3])
{
	static const char *const what[3] = { "sequence", "step", "automation" };
	int i;

	if (allow_slash && argc - k == 1 && strchr(argv[k], '/')) {
		char *s = arena_strdup(&c->a, argv[k]), *p = strchr(s, '/'), *q;

		*p++ = '\0';
		q = strchr(p, '/');
		if (q == NULL) {
			usage_error(c, "expected SEQ/STEP/ID, not '%s'", argv[k]);
			return -1;
		}
		*q++ = '\0';
		ids[0] = s;
		ids[1] = p;
		ids[2] = q;
	} else if (argc - k != 3) {
		usage_error(c, argc - k < 3 ? "missing argument: expected SEQ STEP ID" :
			    "too many arguments");
		return -1;
	} else {
		for (i = 0; i < 3; i++)
			ids[i] = argv[k + i];
	}
	for (i = 0; i < 3; i++)
		if (check_id(c, what[i], ids[i]) < 0)
			return -1;
	return 0;
}

/* ---- add and rm ---- */

static int
on_add_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct autospec *o = ud;

	if (strcmp(name, "action") == 0) {
		o->specs = arena_grow(&c->a, o->specs, o->nacts, o->nacts + 1, sizeof *o->specs);
		o->specs[o->nacts++] = arg;
	} else if (strcmp(name, "after") == 0) {
		o->after = arg;
	} else if (strcmp(name, "from") == 0) {
		o->from = arg;
	} else if (strcmp(name, "on") == 0) {
		o->on = arg;
	} else if (strcmp(name, "repeat") == 0) {
		o->repeat = arg;
	} else if (strcmp(name, "times") == 0) {
		o->times = arg;
	}
	return 0;
}

/* Everything add can check before it reads the sequence. */
static int
check_opts(struct cmd_ctx *c, struct autospec *o)
{
	const char *why;

	if (autospec_check(&c->a, o, &why) < 0) {
		usage_error(c, "%s", why);
		return -1;
	}
	return 0;
}

int
cmd_automate_add(int argc, char **argv, struct cmd_ctx *c)
{
	struct autospec o;
	struct seqedit w;
	struct sbuf block = SBUF_INIT, flow = SBUF_INIT, out = SBUF_INIT;
	struct txn_change ch;
	struct lint_ctx l;
	struct diags d;
	const char *ids[3];
	int k, rc = -1, have_flow = 0;

	memset(&o, 0, sizeof o);
	if ((k = opts_parse(c, argc, argv, add_opts, on_add_opt, &o)) < 0)
		return DRIP_EUSAGE;
	if (three_ids(c, argc, argv, k, 0, ids) < 0 || check_opts(c, &o) < 0)
		return DRIP_EUSAGE;
	if (owners_check(&c->a, c->root, &c->cfg, ids[0], &c->err) < 0)
		return -1;
	if (seqedit_load(&w, &c->a, c->root, ids[0], ids[1], &c->err) < 0 ||
	    seqedit_check_new(&w, ids[2], &c->err) < 0)
		goto out;
	if (o.from) {
		if (seqedit_from_file(&c->a, o.from, ids[2], &block, &flow, &have_flow,
				      &c->err) < 0)
			goto out;
	} else {
		autospec_block(&o, ids[2], w.off, &block);
		autospec_flow(&o, ids[2], &flow);
		have_flow = 1;
	}
	if (seqedit_add(&w, ids[2], sbuf_str(&block), have_flow ? sbuf_str(&flow) : NULL, &out,
			&c->err) < 0)
		goto out;
	diag_init(&d, &c->a);
	lint_setup(c, &l, &d, c->root);
	if (seqedit_lint(&w, &l, c->root, &out, "add", ids[2], &c->err) < 0)
		goto out;
	ch.path = w.rel;
	ch.data = sbuf_str(&out);
	ch.len = out.len;
	ch.mode = 0;
	rc = ws_apply(c, &ch, 1, arena_printf(&c->a, "automate add %s %s %s", w.seq, w.sid,
					      ids[2]));
	if (rc == 0 && !c->quiet)
		printf("added automation '%s' to step '%s' of sequence '%s'\n", ids[2], w.sid,
		       w.seq);
out:
	sbuf_release(&block);
	sbuf_release(&flow);
	sbuf_release(&out);
	return rc;
}

int
cmd_automate_rm(int argc, char **argv, struct cmd_ctx *c)
{
	struct seqedit w;
	struct sbuf out = SBUF_INIT;
	struct txn_change ch;
	const char *ids[3];
	int k, rc = -1;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (three_ids(c, argc, argv, k, 1, ids) < 0)
		return DRIP_EUSAGE;
	if (owners_check(&c->a, c->root, &c->cfg, ids[0], &c->err) < 0)
		return -1;
	if (seqedit_load(&w, &c->a, c->root, ids[0], ids[1], &c->err) < 0 ||
	    seqedit_rm(&w, ids[2], &out, &c->err) < 0)
		goto out;
	ch.path = w.rel;
	ch.data = sbuf_str(&out);
	ch.len = out.len;
	ch.mode = 0;
	rc = ws_apply(c, &ch, 1, arena_printf(&c->a, "automate rm %s %s %s", w.seq, w.sid,
					      ids[2]));
	if (rc == 0 && !c->quiet)
		printf("removed automation '%s' from step '%s' of sequence '%s'\n", ids[2], w.sid,
		       w.seq);
out:
	sbuf_release(&out);
	return rc;
}

/* ---- list and show ---- */

int
cmd_automate_list(int argc, char **argv, struct cmd_ctx *c)
{
	const char **ids, **cells, **autos = NULL;
	struct autoshow_table t;
	size_t n, i, m, nrows, ncols = AUTOSHOW_NCOLS, nautos = 0;
	int k, f;

	if ((k = opts_parse(c, argc, argv, raw_opts, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k > 1)
		return usage_error(c, "too many arguments");
	if ((f = out_format(c, 1)) < 0)
		return DRIP_EUSAGE;
	if (argc - k == 1) {
		if (check_id(c, "sequence", argv[k]) < 0)
			return DRIP_EUSAGE;
		ids = (const char **)argv + k;
		n = 1;
	} else {
		ids = seq_ids(c, &n);
		autos = yaml_ids(c, "automations", &nautos);
	}
	autoshow_table_init(&c->a, &t);
	for (i = 0; i < n; i++) {
		struct drip_err e;
		struct seq *q = autoshow_seq(&c->a, c->root, ids[i], &e);
		char buf[2048];

		if (q == NULL) {
			if (argc - k == 1) {
				c->err = e;
				return -1;
			}
			fprintf(stderr, "drip: warning: %s\n", err_str(&e, buf, sizeof buf));
			continue;
		}
		autoshow_table_seq(&c->a, &t, ids[i], q);
	}
	/* The sequence automations, with no sequence named. */
	for (i = 0; argc - k == 0 && i < nautos; i++)
		autoshow_table_auto(&c->a, &t, autoshow_auto(&c->a, c->root, autos[i]));
	cells = t.cells;
	nrows = t.nrows;
	if (f == FMT_JSON) {
		/* JSON gets the count as a number, for scripts. */
		struct sbuf out = SBUF_INIT;
		struct json js;

		json_init(&js, &out, 1);
		json_arr(&js);
		for (i = 1; i < nrows; i++) {
			json_obj(&js);
			for (m = 0; m < ncols; m++)
				if (m == 5)
					json_kint(&js, cells[m], atol(cells[i * ncols + m]));
				else
					json_kstr(&js, cells[m], cells[i * ncols + m]);
			json_end(&js);
		}
		json_end(&js);
		sbuf_addc(&out, '\n');
		fwrite(out.buf, 1, out.len, stdout);
		sbuf_release(&out);
		return 0;
	}
	print_table(c, (enum out_format)f, cells, nrows, ncols);
	return 0;
}

/* The actions in plain words, one a line: numbered, or after "then". */
static void
put_actions(struct cmd_ctx *c, struct sbuf *out, const struct action *v, size_t n,
	    int numbered)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (numbered)
			sbuf_printf(out, "  %zu. %s\n", i + 1, autoshow_action(&c->a, &v[i]));
		else
			sbuf_printf(out, "  then %s\n", autoshow_action(&c->a, &v[i]));
}

/* "actions": [{"action": NAME, "words": ...}, ...] */
static void
json_actions(struct cmd_ctx *c, struct json *j, const struct action *v, size_t n)
{
	size_t i;

	json_key(j, "actions");
	json_arr(j);
	for (i = 0; i < n; i++) {
		json_obj(j);
		json_kstr(j, "action", action_names[v[i].kind]);
		json_kstr(j, "words", autoshow_action(&c->a, &v[i]));
		json_end(j);
	}
	json_end(j);
}

/* show ID: a sequence automation (automations/ID.yaml). */
static int
show_auto(struct cmd_ctx *c, const char *id, int f)
{
	const char *rel = arena_printf(&c->a, "automations/%s.yaml", id);
	const struct autom *m = autoshow_auto(&c->a, c->root, id);
	struct sbuf out = SBUF_INIT;

	if (m == NULL)
		return err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0,
			       "no automation '%s' (%s does not exist or is not YAML)", id, rel);
	if (f == FMT_JSON) {
		struct json j;

		json_init(&j, &out, 1);
		json_obj(&j);
		json_kstr(&j, "id", id);
		json_kstr(&j, "file", rel);
		json_kstr(&j, "title", m->title);
		json_kstr(&j, "trigger", autoshow_trigger(&c->a, m));
		json_kbool(&j, "review", m->review);
		json_kstr(&j, "reenter", m->reenter == REENTER_NEVER ? "never" : "after_finish");
		json_actions(c, &j, m->actions, m->nactions);
		json_kstr(&j, "stop_when", m->stop_when.src);
		json_end(&j);
		sbuf_addc(&out, '\n');
	} else {
		sbuf_printf(&out, "automation: %s%s%s\n", id, m->title ? " - " : "",
			    m->title ? m->title : "");
		sbuf_printf(&out, "file:       %s\n", rel);
		sbuf_printf(&out, "trigger:    %s\n", autoshow_trigger(&c->a, m));
		sbuf_printf(&out, "review:     %s\n", m->review ? "yes: each action waits for approval" :
			    "no");
		sbuf_printf(&out, "reenter:    %s\n", m->reenter == REENTER_NEVER ? "never" :
			    "after the previous run finished");
		sbuf_adds(&out, "actions:\n");
		put_actions(c, &out, m->actions, m->nactions, 1);
		if (m->stop_when.src) {
			sbuf_printf(&out, "stop when:  %s\n", m->stop_when.src);
			put_actions(c, &out, m->stop_actions, m->nstop_actions, 0);
		}
	}
	fwrite(out.buf, 1, out.len, stdout);
	sbuf_release(&out);
	return 0;
}

int
cmd_automate_show(int argc, char **argv, struct cmd_ctx *c)
{
	const struct step_auto *a;
	const char *ids[3];
	struct seq *q;
	struct sbuf out = SBUF_INIT;
	char after[DUR_TEXT_MAX], every[DUR_TEXT_MAX];
	int k, f;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k == 1 && strchr(argv[k], '/') == NULL) {
		if ((f = out_format(c, 0)) < 0 || check_id(c, "automation", argv[k]) < 0)
			return DRIP_EUSAGE;
		return show_auto(c, argv[k], f);
	}
	if (three_ids(c, argc, argv, k, 1, ids) < 0)
		return DRIP_EUSAGE;
	if ((f = out_format(c, 0)) < 0)
		return DRIP_EUSAGE;
	if ((q = autoshow_seq(&c->a, c->root, ids[0], &c->err)) == NULL ||
	    (a = autoshow_step_auto(&c->a, q, ids[0], ids[1], ids[2], &c->err)) == NULL)
		return -1;
	dur_format(&a->after, after, sizeof after);
	dur_format(&a->every, every, sizeof every);
	if (f == FMT_JSON) {
		struct json j;

		json_init(&j, &out, 1);
		json_obj(&j);
		json_kstr(&j, "sequence", ids[0]);
		json_kstr(&j, "step", ids[1]);
		json_kstr(&j, "id", a->id);
		json_kstr(&j, "file", q->file ? q->file : arena_printf(&c->a, "sequences/%s.yaml",
								      ids[0]));
		json_kint(&j, "line", a->node ? a->node->line : 0);
		json_kstr(&j, "on", autoshow_on(a->on));
		json_kstr(&j, "after", a->on == TRIG_COMPLETE ? NULL : after);
		json_key(&j, "repeat");
		if (a->has_repeat) {
			json_obj(&j);
			json_kstr(&j, "every", every);
			json_kint(&j, "times", a->times);
			json_end(&j);
		} else {
			json_null(&j);
		}
		json_kstr(&j, "schedule", autoshow_schedule(&c->a, a));
		json_actions(c, &j, a->actions, a->nactions);
		json_end(&j);
		sbuf_addc(&out, '\n');
	} else {
		sbuf_printf(&out, "automation: %s/%s/%s\n", ids[0], ids[1], a->id);
		sbuf_printf(&out, "file:       sequences/%s.yaml:%d\n", ids[0],
			    a->node ? a->node->line : 0);
		sbuf_printf(&out, "on:         %s\n", autoshow_on(a->on));
		sbuf_printf(&out, "schedule:   %s\n", autoshow_schedule(&c->a, a));
		sbuf_adds(&out, "actions:\n");
		put_actions(c, &out, a->actions, a->nactions, 1);
	}
	fwrite(out.buf, 1, out.len, stdout);
	sbuf_release(&out);
	return 0;
}

/* ---- the review queue (SPEC §3.6) ---- */

int
cmd_automate_review(int argc, char **argv, struct cmd_ctx *c)
{
	struct arun *runs;
	const char **cells;
	size_t n, nrows;
	int k, f;

	if ((k = opts_parse(c, argc, argv, raw_opts, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 0)
		return usage_error(c, "review takes no arguments");
	if ((f = out_format(c, 1)) < 0)
		return DRIP_EUSAGE;
	if (state_load_runs(&c->a, c->root, &runs, &n, &c->err) < 0)
		return -1;
	cells = review_table(&c->a, c->root, runs, n, &nrows);
	if (nrows == 1 && f == FMT_TABLE) {
		if (!c->quiet)
			printf("the review queue is empty\n");
		return 0;
	}
	print_table(c, (enum out_format)f, cells, nrows, REVIEW_NCOLS);
	return 0;
}

static int
on_all(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	(void)c;
	(void)arg;
	if (strcmp(name, "all") == 0)
		*(int *)ud = 1;
	return 0;
}

/*
 * approve and reject: every named id must be in the queue before anything
 * changes; each decision is a log row and the run's new status, approved
 * actions run and rejected ones are dropped at the next tick.
 */
static int
decide(int argc, char **argv, struct cmd_ctx *c, enum arun_status to, const char *verb)
{
	struct arun *runs;
	struct sbuf rows = SBUF_INIT, state = SBUF_INIT, subject = SBUF_INIT;
	struct txn_change ch[2];
	unsigned char *pick;
	char logpath[64], *logtmp = NULL;
	size_t n, count;
	int k, all = 0, rc = -1;

	if ((k = opts_parse(c, argc, argv, decide_opts, on_all, &all)) < 0)
		return DRIP_EUSAGE;
	if (all == (argc - k > 0))
		return usage_error(c, all ? "give review ids or --all, not both" :
				   "which actions? give review ids (see 'drip automate review') "
				   "or --all");
	if (state_load_runs(&c->a, c->root, &runs, &n, &c->err) < 0)
		return -1;
	if ((pick = review_pick(&c->a, runs, n, argv + k, (size_t)(argc - k), &c->err)) == NULL)
		return -1;
	actlog_path(c->now, logpath, sizeof logpath);
	count = review_decide(&c->a, c->root, c->now, runs, n, all ? NULL : pick, to, verb, &rows);
	if (count == 0) {
		if (!c->quiet)
			printf("the review queue is empty\n");
		rc = 0;
		goto out;
	}
	state_format_runs(runs, n, &state);
	if (log_change(c, logpath, &rows, &ch[1], &logtmp) < 0)
		goto out;
	ch[0].path = STATE_RUNS;
	ch[0].data = state.buf;
	ch[0].len = state.len;
	ch[0].mode = 0;
	sbuf_printf(&subject, "automate %s: %zu action%s", verb, count, count == 1 ? "" : "s");
	if (ws_apply(c, ch, 2, sbuf_str(&subject)) < 0)
		goto out;
	if (!c->quiet)
		printf("%s %zu action%s; %s at the next tick\n", to == RUN_APPROVED ?
		       "approved" : "rejected", count, count == 1 ? "" : "s",
		       to == RUN_APPROVED ? "they run" : "they are dropped");
	rc = 0;
out:
	if (logtmp) {
		unlink(logtmp);
		free(logtmp);
	}
	sbuf_release(&rows);
	sbuf_release(&state);
	sbuf_release(&subject);
	return rc;
}

int
cmd_automate_approve(int argc, char **argv, struct cmd_ctx *c)
{
	return decide(argc, argv, c, RUN_APPROVED, "approve");
}

int
cmd_automate_reject(int argc, char **argv, struct cmd_ctx *c)
{
	return decide(argc, argv, c, RUN_REJECTED, "reject");
}
