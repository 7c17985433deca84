/*
 * seq.c - `drip seq new|list|show|lint|publish|diff|pause|resume|stop|archive|owners`
 * (SPEC §3.5, §10).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "csvio.h"
#include "diag.h"
#include "dur.h"
#include "fsio.h"
#include "json.h"
#include "lifecycle.h"
#include "lint.h"
#include "owners.h"
#include "plan.h"
#include "pub.h"
#include "rtab.h"
#include "sbuf.h"
#include "schema.h"
#include "sched.h"
#include "seq.h"
#include "seqedit.h"
#include "state.h"
#include "tz.h"
#include "ws.h"
#include "ydoc.h"

static const struct optspec new_opts[] = {
	{ "kind", 0, "KIND", "step (default) or date", "step date" },
	{ "name", 0, "NAME", "the sequence's display name", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec lint_opts[] = {
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec none[] = { { NULL, 0, NULL, NULL, NULL } };
extern const struct optspec seq_owners_opts[];
extern const struct optspec seq_stop_opts[];
extern const struct optspec seq_life_none[];
static const struct optspec publish_opts[] = {
	{ "plan", 0, NULL, "change nothing: show what publishing would do to the enrolled "
	  "contacts and what would fire within --horizon", NULL },
	{ "horizon", 0, "DUR", "with --plan: how far ahead to show what fires (default 7d)",
	  NULL },
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec diff_opts[] = {
	{ "impact", 0, NULL, "the same as 'seq publish ID --plan'", NULL },
	{ "horizon", 0, "DUR", "with --impact: how far ahead to show what fires (default 7d)",
	  NULL },
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec list_opts[] = {
	{ "all", 0, NULL, "archived sequences too", NULL },
	OPT_RAW,
	{ NULL, 0, NULL, NULL, NULL }
};

const struct subcmd seq_subcmds[] = {
	{ "new", cmd_seq_new, NEED_WS | NEED_LOCK | NEED_STORE,
	  "ID [--kind step|date] [--name NAME]",
	  "create sequences/ID.yaml (and a first template) as a draft", new_opts, NULL },
	{ "list", cmd_seq_list, NEED_WS, "[--all] [--format table|csv|json] [--raw]",
	  "list sequences with their status and published version", list_opts, NULL },
	{ "show", cmd_seq_show, NEED_WS, "ID [--format table|json]",
	  "show a sequence's settings and steps", none, "@seq" },
	{ "lint", cmd_seq_lint, 0, "[FILE...] [--format text|json|github]",
	  "check sequence and automation files; FILE:LINE:COL findings", lint_opts, "@file" },
	{ "publish", cmd_seq_publish, NEED_WS | NEED_LOCK | NEED_STORE,
	  "ID [--plan [--horizon DUR] [--format table|json|github]]",
	  "lint and pin a sequence and its templates as its next version; --plan: "
	  "show what that would do, changing nothing", publish_opts, "@seq" },
	{ "diff", cmd_seq_diff, NEED_WS, "ID [--impact [--horizon DUR] [--format table|json|github]]",
	  "show the draft against the published version; --impact: as 'publish --plan'",
	  diff_opts, "@seq" },
	{ "pause", cmd_seq_pause, NEED_WS | NEED_LOCK | NEED_STORE, "ID",
	  "freeze every enrollment of a sequence until it is resumed", seq_life_none, "@seq" },
	{ "resume", cmd_seq_resume, NEED_WS | NEED_LOCK | NEED_STORE, "ID",
	  "resume a paused sequence; pending times move later by the pause", seq_life_none,
	  "@seq" },
	{ "stop", cmd_seq_stop, NEED_WS | NEED_LOCK | NEED_STORE, "ID [--soft]",
	  "end every enrollment (stopped); --soft: no new ones, current ones finish",
	  seq_stop_opts, "@seq" },
	{ "archive", cmd_seq_archive, NEED_WS | NEED_LOCK | NEED_STORE, "ID",
	  "hide a stopped sequence from 'seq list' (--all shows it)", seq_life_none, "@seq" },
	{ "protect", cmd_seq_protect, NEED_WS | NEED_LOCK | NEED_STORE, "ID",
	  "protect a sequence with a password: changing it then needs the password", none,
	  "@seq" },
	{ "unprotect", cmd_seq_unprotect, NEED_WS | NEED_LOCK | NEED_STORE, "ID",
	  "remove a sequence's password protection (needs the password)", none, "@seq" },
	{ "owners", cmd_seq_owners, NEED_WS, "[--codeowners] [--format table|csv|json] [--raw]",
	  "who may change each sequence and its templates; or a CODEOWNERS file",
	  seq_owners_opts, NULL },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL }
};

/* Parse options that a subcommand does not have beyond the globals, and
 * require exactly want operands (-1: any number). */
static int
operands(struct cmd_ctx *c, int argc, char **argv, const struct optspec *o, int want)
{
	int k = opts_parse(c, argc, argv, o, NULL, NULL);

	if (k < 0)
		return -1;
	if (want >= 0 && argc - k != want) {
		usage_error(c, argc - k < want ? "missing argument" : "too many arguments");
		return -1;
	}
	return k;
}

static int
check_seq_id(struct cmd_ctx *c, const char *id)
{
	if (ws_valid_id(id))
		return 0;
	usage_error(c, "invalid sequence id '%s': use 1 to 64 of a-z, 0-9, '_' and '-', "
		    "starting with a letter or digit", id);
	return -1;
}

/* ---- lint ---- */

int
cmd_seq_lint(int argc, char **argv, struct cmd_ctx *c)
{
	struct lint_ctx l;
	struct diags d;
	struct sbuf out = SBUF_INIT;
	enum diag_format fmt = DIAG_TEXT;
	char *root = NULL;
	struct drip_err e;
	int k, i;

	if ((k = operands(c, argc, argv, lint_opts, -1)) < 0)
		return DRIP_EUSAGE;
	if (c->format) {
		if (strcmp(c->format, "text") == 0)
			fmt = DIAG_TEXT;
		else if (strcmp(c->format, "json") == 0)
			fmt = DIAG_JSON;
		else if (strcmp(c->format, "github") == 0)
			fmt = DIAG_GITHUB;
		else
			return usage_error(c, "--format must be text, json or github, not '%s'",
					   c->format);
	}
	diag_init(&d, &c->a);
	if (argc - k == 0) {
		/* Everything in the workspace. */
		if (ws_find(".", &root, &e) < 0)
			return usage_error(c, "no files given and not in a drip workspace");
		lint_setup(c, &l, &d, root);
		lint_workspace(&l);
	} else {
		/* Files named on the command line; templates and fields come from
		 * the workspace they are in, when they are in one (a CI checkout). */
		for (i = k; i < argc; i++) {
			char *dir = xstrdup(argv[i]), *slash = strrchr(dir, '/');
			char *r = NULL;

			if (slash)
				*slash = '\0';
			if (ws_find(slash ? dir : ".", &r, &e) < 0)
				r = NULL;
			if (root == NULL || r == NULL || strcmp(root, r) != 0) {
				free(root);
				root = r;
				lint_setup(c, &l, &d, root);
				if (root == NULL) {
					/* Outside a workspace: templates relative to here. */
					l.root = ".";
				}
			} else {
				free(r);
			}
			lint_named(&l, argv[i]);
			free(dir);
		}
	}
	diag_sort(&d);
	diag_render(&d, fmt, &out);
	if (fmt == DIAG_TEXT && d.n && !c->quiet)
		sbuf_printf(&out, "%zu error%s, %zu warning%s\n", d.nerr, d.nerr == 1 ? "" : "s",
			    d.nwarn, d.nwarn == 1 ? "" : "s");
	fwrite(out.buf ? out.buf : "", 1, out.len, stdout);
	sbuf_release(&out);
	free(root);
	return d.nerr ? DRIP_EFAIL : 0;
}

/* ---- loading one sequence ---- */

struct loaded {
	struct seq *q;
	struct diags d;
	struct lint_ctx l;
};

/* Parse and lint sequences/ID.yaml of the workspace. */
static int
load_seq(struct cmd_ctx *c, const char *id, struct loaded *ld)
{
	const char *rel = arena_printf(&c->a, "sequences/%s.yaml", id);
	char *full = ws_path(c, rel);
	struct schema s;
	struct ydoc doc;

	diag_init(&ld->d, &c->a);
	lint_setup(c, &ld->l, &ld->d, c->root);
	if (!fsio_exists(full)) {
		free(full);
		return err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0,
			       "no sequence '%s' (%s does not exist)", id, rel);
	}
	lint_file(&ld->l, full, rel);
	ld->q = NULL;
	if (ydoc_load_file(&c->a, full, &doc, &c->err) == 0) {
		struct diags scratch;

		diag_init(&scratch, &c->a);
		s.a = &c->a;
		s.d = &scratch;
		s.file = rel;
		doc.file = rel;
		ld->q = seq_parse(&s, &doc);
	}
	free(full);
	diag_sort(&ld->d);
	return 0;
}

static void
print_findings(const struct diags *d)
{
	struct sbuf out = SBUF_INIT;

	diag_render(d, DIAG_TEXT, &out);
	fwrite(out.buf ? out.buf : "", 1, out.len, stderr);
	sbuf_release(&out);
}

/* ---- new ---- */

struct new_opts {
	const char *kind, *name;
};

static int
on_new_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct new_opts *o = ud;

	if (strcmp(name, "kind") == 0) {
		if (strcmp(arg, "step") != 0 && strcmp(arg, "date") != 0) {
			usage_error(c, "--kind must be step or date, not '%s'", arg);
			return -1;
		}
		o->kind = arg;
	} else if (strcmp(name, "name") == 0) {
		const char *p;

		for (p = arg; *p; p++)
			if ((unsigned char)*p < 0x20) {
				usage_error(c, "--name must be one line of text");
				return -1;
			}
		o->name = arg;
	}
	return 0;
}

int
cmd_seq_new(int argc, char **argv, struct cmd_ctx *c)
{
	struct new_opts o = { "step", NULL };
	struct sbuf y = SBUF_INIT, t = SBUF_INIT;
	struct txn_change ch[2];
	const char *id, *rel, *tpl;
	char *full;
	int k, rc, n = 1;

	if ((k = opts_parse(c, argc, argv, new_opts, on_new_opt, &o)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 1)
		return usage_error(c, argc - k < 1 ? "missing sequence id" : "too many arguments");
	id = argv[k];
	if (check_seq_id(c, id) < 0)
		return DRIP_EUSAGE;
	rel = arena_printf(&c->a, "sequences/%s.yaml", id);
	full = ws_path(c, rel);
	k = fsio_exists(full);
	free(full);
	if (k)
		return err_set(&c->err, DRIP_EFAIL, NULL, 0, 0,
			       "sequence '%s' already exists (%s)", id, rel);
	tpl = arena_printf(&c->a, "templates/%s-first.eml", id);
	seqedit_new(&y, &t, id, o.name, o.kind, tpl, atoi(now_utc(c)));
	full = ws_path(c, tpl);
	if (!fsio_exists(full)) {
		ch[1].path = tpl;
		ch[1].data = t.buf;
		ch[1].len = t.len;
		ch[1].mode = 0;
		n = 2;
	}
	free(full);
	ch[0].path = rel;
	ch[0].data = y.buf;
	ch[0].len = y.len;
	ch[0].mode = 0;
	rc = ws_apply(c, ch, (size_t)n, arena_printf(&c->a, "seq new %s", id));
	if (rc == 0 && !c->quiet)
		printf("created %s%s%s\n", rel, n == 2 ? " and " : "", n == 2 ? tpl : "");
	sbuf_release(&y);
	sbuf_release(&t);
	return rc;
}

/* ---- list ---- */

static int
on_list_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	(void)c;
	(void)arg;
	if (strcmp(name, "all") == 0)
		*(int *)ud = 1;
	return 0;
}

int
cmd_seq_list(int argc, char **argv, struct cmd_ctx *c)
{
	struct csvio_table st;
	const char **ids, **cells;
	size_t n, i, nrows = 0, ncols = 6;
	int f, k, all = 0;

	if ((k = opts_parse(c, argc, argv, list_opts, on_list_opt, &all)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 0)
		return usage_error(c, "too many arguments");
	if ((f = out_format(c, 1)) < 0)
		return DRIP_EUSAGE;
	if (pub_load_state(&c->a, c->root, &st, &c->err) < 0)
		return -1;
	ids = seq_ids(c, &n);
	cells = arena_alloc(&c->a, (n + 1) * ncols * sizeof *cells);
	cells[0] = "id";
	cells[1] = "status";
	cells[2] = "version";
	cells[3] = "steps";
	cells[4] = "changed";
	cells[5] = "name";
	for (i = 0; i < n; i++) {
		const char **row = cells + (nrows + 1) * ncols;
		struct loaded ld;
		struct pub_content pc;
		long r = pub_find(&st, ids[i]);
		struct drip_err e;

		/* Archived sequences are out of the way unless asked for. */
		if (!all && r >= 0 && strcmp(pub_field(&st, r, "status"), "archived") == 0)
			continue;
		nrows++;
		row[0] = ids[i];
		row[1] = r >= 0 ? pub_field(&st, r, "status") : "draft";
		row[2] = r >= 0 ? pub_field(&st, r, "version") : "-";
		row[3] = "?";
		row[4] = r >= 0 ? "?" : "-";
		row[5] = "";
		if (load_seq(c, ids[i], &ld) < 0 || ld.q == NULL)
			continue;
		row[3] = arena_printf(&c->a, "%zu", ld.q->nsteps);
		row[5] = ld.q->name ? ld.q->name : "";
		if (r >= 0 && ld.q->id && pub_read_draft(&c->a, c->root, ld.q, &pc, &e) == 0)
			row[4] = strcmp(pc.digest, pub_field(&st, r, "digest")) ? "yes" : "no";
	}
	print_table(c, (enum out_format)f, cells, nrows + 1, ncols);
	return 0;
}

/* ---- show ---- */

static const char *
step_timing(struct cmd_ctx *c, const struct seq *q, const struct step *st)
{
	char d[64];

	if (q->kind == SEQ_KIND_DATE) {
		if (st->on_field) {
			dur_format(&st->on_offset, d, sizeof d);
			return arena_printf(&c->a, "%s %s%s", st->on_field, d,
					    st->annually ? " yearly" : "");
		}
		return arena_printf(&c->a, "%04d-%02d-%02d%s", st->on_year, st->on_mon,
				    st->on_day, st->annually ? " yearly" : "");
	}
	dur_format(&st->wait, d, sizeof d);
	return arena_strdup(&c->a, d);
}

int
cmd_seq_show(int argc, char **argv, struct cmd_ctx *c)
{
	struct csvio_table st;
	struct loaded ld;
	const struct seq *q;
	const char **cells;
	long r;
	size_t i, ncols = 6;
	int k, f;

	if ((k = operands(c, argc, argv, none, 1)) < 0)
		return DRIP_EUSAGE;
	if ((f = out_format(c, 0)) < 0)
		return DRIP_EUSAGE;
	if (check_seq_id(c, argv[k]) < 0)
		return DRIP_EUSAGE;
	if (pub_load_state(&c->a, c->root, &st, &c->err) < 0)
		return -1;
	if (load_seq(c, argv[k], &ld) < 0)
		return -1;
	if (ld.q == NULL || ld.d.nerr) {
		print_findings(&ld.d);
		return err_set(&c->err, DRIP_EDATA, NULL, 0, 0,
			       "sequence '%s' has errors; 'drip seq lint' lists them", argv[k]);
	}
	q = ld.q;
	r = pub_find(&st, q->id);
	if (f == FMT_JSON) {
		struct sbuf out = SBUF_INIT;
		struct json j;

		json_init(&j, &out, 1);
		json_obj(&j);
		json_kstr(&j, "id", q->id);
		json_kstr(&j, "name", q->name);
		json_kstr(&j, "kind", q->kind == SEQ_KIND_DATE ? "date" : "step");
		json_kstr(&j, "status", r >= 0 ? pub_field(&st, r, "status") : "draft");
		json_kint(&j, "version", r >= 0 ? atol(pub_field(&st, r, "version")) : 0);
		json_kstr(&j, "paused_at", *pub_field(&st, r, "paused_at") ?
			  pub_field(&st, r, "paused_at") : NULL);
		json_kstr(&j, "resumed_at", *pub_field(&st, r, "resumed_at") ?
			  pub_field(&st, r, "resumed_at") : NULL);
		json_key(&j, "steps");
		json_arr(&j);
		for (i = 0; i < q->nsteps; i++) {
			const struct step *s = &q->steps[i];

			json_obj(&j);
			json_kstr(&j, "id", s->id);
			json_kstr(&j, "type", step_type_names[s->type]);
			json_kstr(&j, "name", s->name);
			json_kstr(&j, q->kind == SEQ_KIND_DATE ? "on" : "wait", step_timing(c, q, s));
			json_kstr(&j, "at", s->at >= 0 ? arena_printf(&c->a, "%02d:%02d", s->at / 60,
					   s->at % 60) : NULL);
			json_kstr(&j, "template", s->template);
			json_kint(&j, "automations", (int64_t)s->nautos);
			json_end(&j);
		}
		json_end(&j);
		json_end(&j);
		sbuf_addc(&out, '\n');
		fwrite(out.buf, 1, out.len, stdout);
		sbuf_release(&out);
		return 0;
	}
	printf("id:       %s\n", q->id);
	printf("name:     %s\n", q->name ? q->name : "");
	printf("kind:     %s\n", q->kind == SEQ_KIND_DATE ? "date" : "step");
	printf("status:   %s\n", r >= 0 ? pub_field(&st, r, "status") : "draft");
	printf("version:  %s\n", r >= 0 ? pub_field(&st, r, "version") : "-");
	if (*pub_field(&st, r, "paused_at") && *pub_field(&st, r, "resumed_at"))
		printf("paused:   %s to %s\n", pub_field(&st, r, "paused_at"),
		       pub_field(&st, r, "resumed_at"));
	else if (*pub_field(&st, r, "paused_at"))
		printf("paused:   since %s\n", pub_field(&st, r, "paused_at"));
	if (q->description && *q->description)
		printf("about:    %s\n", q->description);
	printf("\n");
	cells = arena_alloc(&c->a, (q->nsteps + 1) * ncols * sizeof *cells);
	cells[0] = "step";
	cells[1] = "type";
	cells[2] = q->kind == SEQ_KIND_DATE ? "on" : "wait";
	cells[3] = "at";
	cells[4] = "automations";
	cells[5] = "name";
	for (i = 0; i < q->nsteps; i++) {
		const struct step *s = &q->steps[i];
		const char **row = cells + (i + 1) * ncols;

		row[0] = s->id;
		row[1] = step_type_names[s->type];
		row[2] = step_timing(c, q, s);
		row[3] = s->at >= 0 ? arena_printf(&c->a, "%02d:%02d", s->at / 60, s->at % 60) : "-";
		row[4] = arena_printf(&c->a, "%zu", s->nautos);
		row[5] = s->name ? s->name : "";
	}
	print_table(c, FMT_TABLE, cells, q->nsteps + 1, ncols);
	return 0;
}

/* ---- publish ---- */

/* --plan (--impact) and --horizon. */
struct plan_args {
	const char *flag;		/* "plan" or "impact" */
	int on;
	const char *horizon;
};

static int
on_plan_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct plan_args *p = ud;

	(void)c;
	if (strcmp(name, "horizon") == 0)
		p->horizon = arg;
	else if (strcmp(name, p->flag) == 0)
		p->on = 1;
	return 0;
}

/* Options and the one operand of `seq publish` / `seq diff`. */
static int
plan_operands(struct cmd_ctx *c, int argc, char **argv, const struct optspec *o,
	      struct plan_args *p)
{
	int k = opts_parse(c, argc, argv, o, on_plan_opt, p);

	if (k < 0)
		return -1;
	if (argc - k != 1) {
		usage_error(c, argc - k < 1 ? "missing argument" : "too many arguments");
		return -1;
	}
	if (p->horizon && !p->on) {
		usage_error(c, "--horizon goes with --%s", p->flag);
		return -1;
	}
	if (c->format && !p->on) {
		usage_error(c, "--format goes with --%s", p->flag);
		return -1;
	}
	return k;
}

static int draft_content(struct cmd_ctx *c, const char *id, struct loaded *ld,
			 struct pub_content *pc);

/* `seq publish ID --plan`, `seq diff ID --impact` (core/plan.c). */
static int
show_plan(struct cmd_ctx *c, const char *id, const struct plan_args *p)
{
	struct plan_opts o;
	struct pub_content pc;
	struct loaded ld;
	struct rtab_doc d;
	struct dur h = { 0, 7, 0 };
	char why[256];
	int f = FMT_TABLE;

	if (c->format) {
		if (strcmp(c->format, "github") == 0)
			f = FMT_GITHUB;
		else if (strcmp(c->format, "json") == 0)
			f = FMT_JSON;
		else if (strcmp(c->format, "table") != 0)
			return usage_error(c, "--format must be table, json or github, not '%s'",
					   c->format);
	}
	if (p->horizon && dur_parse(p->horizon, 0, &h, why, sizeof why) < 0)
		return usage_error(c, "invalid --horizon '%s': %s", p->horizon, why);
	if (draft_content(c, id, &ld, &pc) < 0)
		return -1;
	memset(&o, 0, sizeof o);
	o.root = c->root;
	o.cfg = &c->cfg;
	o.id = id;
	o.q = ld.q;
	o.pc = &pc;
	o.now = c->now;
	o.until = dur_add(c->cfg.tz, c->now, &h);
	o.horizon = p->horizon ? p->horizon : "7d";
	if (plan_build(&c->a, &o, &d, &c->err) < 0)
		return -1;
	if (f == FMT_TABLE)
		printf("%s: %s\n\n", d.title, d.subtitle);
	fflush(stdout);
	print_doc(c, (enum out_format)f, &d);
	if (ld.d.nwarn)
		print_findings(&ld.d);
	return 0;
}

/* The draft of id, linted: its parse and content, or -1 (findings printed). */
static int
draft_content(struct cmd_ctx *c, const char *id, struct loaded *ld, struct pub_content *pc)
{
	if (load_seq(c, id, ld) < 0)
		return -1;
	if (ld->q == NULL || ld->d.nerr) {
		print_findings(&ld->d);
		return err_set(&c->err, DRIP_EDATA, NULL, 0, 0,
			       "cannot publish '%s': %zu error%s in the draft", id, ld->d.nerr,
			       ld->d.nerr == 1 ? "" : "s");
	}
	if (ld->q->nsteps == 0)
		return err_set(&c->err, DRIP_EDATA, NULL, 0, 0,
			       "cannot publish '%s': it has no steps", id);
	return pub_read_draft(&c->a, c->root, ld->q, pc, &c->err);
}

int
cmd_seq_publish(int argc, char **argv, struct cmd_ctx *c)
{
	struct plan_args pa = { "plan", 0, NULL };
	struct pub_content pc;
	struct pub_prepared pp;
	struct loaded ld;
	const char *id;
	int k, rc;

	if ((k = plan_operands(c, argc, argv, publish_opts, &pa)) < 0)
		return DRIP_EUSAGE;
	id = argv[k];
	if (check_seq_id(c, id) < 0)
		return DRIP_EUSAGE;
	if (pa.on)
		return show_plan(c, id, &pa);
	if (owners_check(&c->a, c->root, &c->cfg, id, &c->err) < 0 ||
	    protect_require(c, PROTECT_SEQ, id) < 0)
		return -1;
	if (draft_content(c, id, &ld, &pc) < 0)
		return -1;
	if (pub_prepare(&c->a, c->root, &c->cfg, id, ld.q, &pc, c->now, now_utc(c), NULL, &pp,
			&c->err) < 0)
		return -1;
	if (pp.same) {
		if (!c->quiet)
			printf("'%s' version %ld is already this content; nothing to publish\n",
			       id, pp.version);
		return 0;
	}
	rc = ws_apply(c, pp.ch, pp.nch, arena_printf(&c->a, "seq publish %s: version %ld (%zu template%s)",
						    id, pp.version, pc.nfiles - 1,
						    pc.nfiles == 2 ? "" : "s"));
	if (rc == 0 && !c->quiet)
		printf("published '%s' version %ld (%zu template%s)%s\n", id, pp.version,
		       pc.nfiles - 1, pc.nfiles == 2 ? "" : "s",
		       pp.moved > 0 ? arena_printf(&c->a, "; %ld enrollment%s moved", pp.moved,
						   pp.moved == 1 ? "" : "s") : "");
	pub_prepared_release(&pp);
	if (rc == 0 && ld.d.nwarn)
		print_findings(&ld.d);
	return rc;
}

/* ---- diff ---- */

int
cmd_seq_diff(int argc, char **argv, struct cmd_ctx *c)
{
	struct csvio_table st;
	struct loaded ld;
	struct sbuf out = SBUF_INIT;
	struct plan_args pa = { "impact", 0, NULL };
	const char *id;
	int k, rc = -1;

	if ((k = plan_operands(c, argc, argv, diff_opts, &pa)) < 0)
		return DRIP_EUSAGE;
	id = argv[k];
	if (check_seq_id(c, id) < 0)
		return DRIP_EUSAGE;
	if (pa.on)
		return show_plan(c, id, &pa);
	if (owners_check(&c->a, c->root, &c->cfg, id, &c->err) < 0)
		return -1;
	if (pub_load_state(&c->a, c->root, &st, &c->err) < 0)
		return -1;
	if (load_seq(c, id, &ld) < 0)
		return -1;
	if (pub_diff(&c->a, c->root, id, ld.q, &out, &c->err) < 0)
		goto out;
	if (out.len == 0 && !c->quiet) {
		long r = pub_find(&st, id);

		if (r >= 0)
			printf("no changes since version %s\n", pub_field(&st, r, "version"));
	}
	fwrite(out.buf ? out.buf : "", 1, out.len, stdout);
	rc = 0;
out:
	sbuf_release(&out);
	return rc;
}

/* ---- pause, resume, stop, archive (SPEC §3.5): core/lifecycle ---- */

const struct optspec seq_stop_opts[] = {
	{ "soft", 0, NULL, "take no new enrollments and let the current ones finish", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};
const struct optspec seq_life_none[] = { { NULL, 0, NULL, NULL, NULL } };

static int
on_stop_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	(void)c;
	(void)arg;
	if (strcmp(name, "soft") == 0)
		*(int *)ud = 1;
	return 0;
}

static int
life(int argc, char **argv, struct cmd_ctx *c, enum lifecycle_op op)
{
	static const char *const done[] = { "paused", "resumed", "soft-stopped", "stopped",
					    "archived" };
	struct lifecycle_result res;
	struct txn_change *ch;
	const char *id;
	size_t i;
	int k, soft = 0, rc;

	if (op == LIFE_STOP)
		k = opts_parse(c, argc, argv, seq_stop_opts, on_stop_opt, &soft);
	else
		k = opts_parse(c, argc, argv, seq_life_none, NULL, NULL);
	if (k < 0)
		return DRIP_EUSAGE;
	if (argc - k != 1)
		return usage_error(c, argc - k < 1 ? "missing sequence id" : "too many arguments");
	id = argv[k];
	if (!ws_valid_id(id))
		return usage_error(c, "invalid sequence id '%s'", id);
	if (soft)
		op = LIFE_STOP_SOFT;
	if (owners_check(&c->a, c->root, &c->cfg, id, &c->err) < 0 ||
	    protect_require(c, PROTECT_SEQ, id) < 0)
		return -1;
	if (lifecycle_run(c->root, id, op, c->now, c->cfg.tick, &res, &c->err) < 0)
		return -1;
	ch = arena_alloc(&c->a, (res.nfiles + 1) * sizeof *ch);
	for (i = 0; i < res.nfiles; i++) {
		ch[i].path = res.files[i].rel;
		ch[i].data = res.files[i].tmp;
		ch[i].len = 0;
		ch[i].mode = TXN_FROM_FILE;
	}
	rc = ws_apply(c, ch, res.nfiles,
		      arena_printf(&c->a, "seq %s %s: %s -> %s%s",
				   op == LIFE_STOP_SOFT ? "stop --soft" :
				   (const char *[]){ "pause", "resume", "", "stop", "archive" }[op],
				   id, res.from, res.to,
				   op == LIFE_STOP ? arena_printf(&c->a, " (%ld enrollment%s ended)",
								  res.stopped,
								  res.stopped == 1 ? "" : "s") : ""));
	if (rc == 0 && !c->quiet) {
		printf("%s '%s'", done[op], id);
		if (op == LIFE_PAUSE || op == LIFE_RESUME)
			printf(" at %s", show_time(c, res.at));
		if (op == LIFE_STOP)
			printf(": %ld enrollment%s ended", res.stopped, res.stopped == 1 ? "" : "s");
		printf("\n");
	}
	lifecycle_result_release(&res);
	return rc;
}

int
cmd_seq_pause(int argc, char **argv, struct cmd_ctx *c)
{
	return life(argc, argv, c, LIFE_PAUSE);
}

int
cmd_seq_resume(int argc, char **argv, struct cmd_ctx *c)
{
	return life(argc, argv, c, LIFE_RESUME);
}

int
cmd_seq_stop(int argc, char **argv, struct cmd_ctx *c)
{
	return life(argc, argv, c, LIFE_STOP);
}

int
cmd_seq_archive(int argc, char **argv, struct cmd_ctx *c)
{
	return life(argc, argv, c, LIFE_ARCHIVE);
}

/* ---- owners: who may change each sequence, or a CODEOWNERS file ---- */

const struct optspec seq_owners_opts[] = {
	{ "codeowners", 0, NULL, "print a CODEOWNERS file instead of a table", NULL },
	OPT_RAW,
	{ NULL, 0, NULL, NULL, NULL }
};

static int
on_owners_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	(void)c;
	(void)arg;
	if (strcmp(name, "codeowners") == 0)
		*(int *)ud = 1;
	return 0;
}

int
cmd_seq_owners(int argc, char **argv, struct cmd_ctx *c)
{
	const char **rows, **cells, **ids;
	size_t n, nids, i;
	int k, f, codeowners = 0;

	if ((k = opts_parse(c, argc, argv, seq_owners_opts, on_owners_opt, &codeowners)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 0)
		return usage_error(c, "seq owners takes no arguments");
	if ((f = out_format(c, 1)) < 0)
		return DRIP_EUSAGE;
	ids = seq_ids(c, &nids);
	n = owners_codeowners(&c->a, c->root, &c->cfg, ids, nids, &rows);
	if (codeowners) {
		printf("# Written by 'drip seq owners --codeowners': each sequence's owners: and\n"
		       "# drip.yaml's admins: may change it and the templates it uses.\n");
		for (i = 0; i < n; i++)
			printf("%s %s\n", rows[2 * i], rows[2 * i + 1]);
		return 0;
	}
	cells = arena_alloc(&c->a, (n + 1) * 2 * sizeof *cells);
	cells[0] = "path";
	cells[1] = "owners";
	memcpy(cells + 2, rows, n * 2 * sizeof *cells);
	print_table(c, (enum out_format)f, cells, n + 1, 2);
	return 0;
}
