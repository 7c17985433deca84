/*
 * step.c - `drip step add|list|show|set|mv|dup|rm`: the steps of a
 * sequence's draft (SPEC §3.1, §3.5, §10).
 *
 * The edits go through core/stepedit, which splices the text of
 * sequences/SEQ.yaml so that every comment and all formatting outside the
 * step (or key) they change stay exactly as they were; the result is parsed
 * again and linted before anything is written, and lands as one commit.
 * They change the draft only: `drip seq publish` makes them live.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoshow.h"
#include "cmd.h"
#include "diag.h"
#include "dur.h"
#include "json.h"
#include "lint.h"
#include "owners.h"
#include "sbuf.h"
#include "seq.h"
#include "seqedit.h"
#include "stepedit.h"
#include "ws.h"

static const struct optspec add_opts[] = {
	{ "after", 0, "STEP", "put the new step just after STEP (default: at the end)", "@step" },
	{ "assignee", 0, "TEXT", "task, call, manual_email: who does it", NULL },
	{ "at", 0, "HH:MM", "the local time of day it fires", NULL },
	{ "before", 0, "STEP", "put the new step just before STEP", "@step" },
	{ "else", 0, "STEP|ACTION", "branch: the step to go to otherwise; rule: an action "
	  "(repeatable)", NULL },
	{ "event", 0, "NAME", "wait_until: the event that ends the wait", NULL },
	{ "if", 0, "EXPR", "rule, branch: the condition", NULL },
	{ "list", 0, "NAME", "fulfillment, postcard: the list (lists/NAME.csv)", NULL },
	{ "name", 0, "TEXT", "the step's name", NULL },
	{ "on-timeout", 0, "STEP", "wait_until: the step to go to when the wait times out",
	  "@step" },
	{ "set", 0, "KEY=VALUE", "any other key of the step, typed as in 'step set' "
	  "(repeatable)", NULL },
	{ "subject", 0, "TEXT", "task, call, manual_email: the task's subject", NULL },
	{ "template", 0, "FILE", "the template; given more than once, split-test variants "
	  "of equal weight", "@file" },
	{ "text", 0, "TEXT", "sms: the message", NULL },
	{ "then", 0, "STEP|ACTION", "branch: the step to go to when --if holds; rule: an "
	  "action (repeatable)", NULL },
	{ "timeout", 0, "DURATION", "wait_until: the longest wait", NULL },
	{ "to", 0, "STEP", "goto: the step to go to", "@step" },
	{ "type", 0, "TYPE", "the step's type (required)", "email sms task call manual_email "
	  "fulfillment postcard rule delay wait_until branch goto exit" },
	{ "until", 0, "EXPR", "wait_until: the condition that ends the wait", NULL },
	{ "wait", 0, "DURATION", "how long after the previous step", NULL },
	{ "when", 0, "EXPR", "only contacts for whom EXPR holds; others pass the step", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec mv_opts[] = {
	{ "after", 0, "STEP", "move it to just after STEP", "@step" },
	{ "before", 0, "STEP", "move it to just before STEP", "@step" },
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec none[] = { { NULL, 0, NULL, NULL, NULL } };
static const struct optspec raw_opts[] = { OPT_RAW, { NULL, 0, NULL, NULL, NULL } };

#define EDIT (NEED_WS | NEED_LOCK | NEED_STORE)

const struct subcmd step_subcmds[] = {
	{ "add", cmd_step_add, EDIT,
	  "SEQ ID --type TYPE [--after STEP|--before STEP] [--wait D] [--at HH:MM] "
	  "[--template FILE]... [--set KEY=VALUE]...",
	  "add a step to a sequence's draft, in place", add_opts, "@seq @new" },
	{ "list", cmd_step_list, NEED_WS, "SEQ [--format table|csv|json] [--raw]",
	  "list the steps of a sequence's draft, in order", raw_opts, "@seq" },
	{ "show", cmd_step_show, NEED_WS, "SEQ ID [--format table|json]",
	  "show a step: its keys and its automations in plain words", none, "@seq @step" },
	{ "set", cmd_step_set, EDIT, "SEQ ID KEY=VALUE...",
	  "set (or, with an empty VALUE, remove) keys of a step, in place", none,
	  "@seq @step @new" },
	{ "mv", cmd_step_mv, EDIT, "SEQ ID --before STEP | --after STEP",
	  "move a step, with its automations, before or after another", mv_opts,
	  "@seq @step" },
	{ "dup", cmd_step_dup, EDIT, "SEQ ID NEW_ID",
	  "copy a step, with its automations under new ids, just after it", none,
	  "@seq @step @new" },
	{ "rm", cmd_step_rm, EDIT, "SEQ ID",
	  "remove a step and its automations, unless another step goes to it", none,
	  "@seq @step" },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL }
};

/* A usage error found by core/ goes out with the usage line; others as
 * they are. */
static int
failed(struct cmd_ctx *c)
{
	if (c->err.code == DRIP_EUSAGE)
		return usage_error(c, "%s", c->err.msg);
	return -1;
}

/*
 * The operands: want ids (sequence, step, ...) after k, each checked.
 * Returns 0 or -1 after a usage error.
 */
static int
ids(struct cmd_ctx *c, int argc, char **argv, int k, int want, const char **out)
{
	static const char *const what[3] = { "sequence", "step", "step" };
	int i;

	if (argc - k < want)
		return usage_error(c, "missing argument: expected %s", c->cur_sub->usage), -1;
	if (argc - k > want)
		return usage_error(c, "too many arguments"), -1;
	for (i = 0; i < want; i++) {
		out[i] = argv[k + i];
		if (!ws_valid_id(out[i]))
			return usage_error(c, "invalid %s id '%s': use 1 to 64 of a-z, 0-9, '_' "
					   "and '-', starting with a letter or digit", what[i],
					   out[i]), -1;
	}
	return 0;
}

/* Lint the result and, if clean, write and commit it. */
static int
commit(struct cmd_ctx *c, const struct stepedit *w, const struct sbuf *out, const char *what,
       const char *subject)
{
	struct lint_ctx l;
	struct diags d;
	struct txn_change ch;

	diag_init(&d, &c->a);
	lint_setup(c, &l, &d, c->root);
	if (seqedit_lint_text(&c->a, w->seq, &l, c->root, out, what, &c->err) < 0)
		return -1;
	ch.path = w->rel;
	ch.data = sbuf_str(out);
	ch.len = out->len;
	ch.mode = 0;
	return ws_apply(c, &ch, 1, subject);
}

/* Load the sequence for an edit, after checking that the user may. */
static int
load_for_edit(struct cmd_ctx *c, struct stepedit *w, const char *seq)
{
	if (owners_check(&c->a, c->root, &c->cfg, seq, &c->err) < 0)
		return -1;
	return stepedit_load(w, &c->a, c->root, seq, &c->err);
}

/* ---- add ---- */

struct add_opts {
	const char *type, *after, *before;
	struct stepedit_kv *kv;
	size_t n;
	const char **templates;
	size_t ntemplates;
	const char *bad;		/* a --set without '=' */
};

static void
push_kv(struct cmd_ctx *c, struct add_opts *o, const char *key, const char *value)
{
	o->kv = arena_grow(&c->a, o->kv, o->n, o->n + 1, sizeof *o->kv);
	o->kv[o->n].key = key;
	o->kv[o->n++].value = value;
}

static int
on_add_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct add_opts *o = ud;

	if (strcmp(name, "type") == 0) {
		o->type = arg;
	} else if (strcmp(name, "after") == 0) {
		o->after = arg;
	} else if (strcmp(name, "before") == 0) {
		o->before = arg;
	} else if (strcmp(name, "template") == 0) {
		o->templates = arena_grow(&c->a, o->templates, o->ntemplates, o->ntemplates + 1,
					  sizeof *o->templates);
		o->templates[o->ntemplates++] = arg;
	} else if (strcmp(name, "set") == 0) {
		const char *eq = strchr(arg, '=');

		if (eq == NULL || eq == arg)
			o->bad = arg;
		else
			push_kv(c, o, arena_strndup(&c->a, arg, (size_t)(eq - arg)), eq + 1);
	} else if (strcmp(name, "on-timeout") == 0) {
		push_kv(c, o, "on_timeout", arg);
	} else {
		push_kv(c, o, name, arg);
	}
	return 0;
}

int
cmd_step_add(int argc, char **argv, struct cmd_ctx *c)
{
	struct add_opts o;
	struct stepedit w;
	struct sbuf out = SBUF_INIT;
	const char *id[2];
	int k, rc = -1;

	memset(&o, 0, sizeof o);
	if ((k = opts_parse(c, argc, argv, add_opts, on_add_opt, &o)) < 0 ||
	    ids(c, argc, argv, k, 2, id) < 0)
		return DRIP_EUSAGE;
	if (o.type == NULL)
		return usage_error(c, "missing --type (email, sms, task, call, manual_email, "
				   "fulfillment, postcard, rule, delay, wait_until, branch, goto "
				   "or exit)");
	if (o.after && o.before)
		return usage_error(c, "give --after or --before, not both");
	if (o.bad)
		return usage_error(c, "--set takes KEY=VALUE, not '%s'", o.bad);
	if (load_for_edit(c, &w, id[0]) < 0)
		return -1;
	if (stepedit_add(&w, id[1], o.type, o.kv, o.n, o.templates, o.ntemplates,
			 o.after ? o.after : o.before, o.after != NULL, &out, &c->err) < 0 ||
	    commit(c, &w, &out, arena_printf(&c->a, "add step '%s'", id[1]),
		   arena_printf(&c->a, "step add %s %s", id[0], id[1])) < 0) {
		rc = failed(c);
		goto out;
	}
	if (!c->quiet)
		printf("added step '%s' to sequence '%s' (draft: 'drip seq publish %s' makes it "
		       "live)\n", id[1], id[0], id[0]);
	rc = 0;
out:
	sbuf_release(&out);
	return rc;
}

/* ---- set ---- */

int
cmd_step_set(int argc, char **argv, struct cmd_ctx *c)
{
	struct stepedit w;
	struct stepedit_kv *kv;
	struct sbuf out = SBUF_INIT, keys = SBUF_INIT;
	const char *id[2];
	int k, i, n, rc = -1;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k < 3)
		return usage_error(c, "missing argument: expected SEQ ID KEY=VALUE...");
	if (ids(c, k + 2, argv, k, 2, id) < 0)
		return DRIP_EUSAGE;
	n = argc - k - 2;
	kv = arena_alloc(&c->a, (size_t)n * sizeof *kv);
	for (i = 0; i < n; i++) {
		const char *a = argv[k + 2 + i], *eq = strchr(a, '=');

		if (eq == NULL || eq == a)
			return usage_error(c, "expected KEY=VALUE, not '%s'", a);
		kv[i].key = arena_strndup(&c->a, a, (size_t)(eq - a));
		kv[i].value = eq + 1;
		sbuf_printf(&keys, " %s", kv[i].key);
	}
	if (load_for_edit(c, &w, id[0]) < 0)
		goto out;
	if (stepedit_set(&w, id[1], kv, (size_t)n, &out, &c->err) < 0 ||
	    commit(c, &w, &out, arena_printf(&c->a, "set%s of step '%s'", sbuf_str(&keys), id[1]),
		   arena_printf(&c->a, "step set %s %s%s", id[0], id[1], sbuf_str(&keys))) < 0) {
		rc = failed(c);
		goto out;
	}
	if (!c->quiet)
		printf("set%s of step '%s' in sequence '%s'\n", sbuf_str(&keys), id[1], id[0]);
	rc = 0;
out:
	sbuf_release(&out);
	sbuf_release(&keys);
	return rc;
}

/* ---- mv, dup, rm ---- */

static int
on_mv_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	const char **where = ud;

	(void)c;
	where[strcmp(name, "after") == 0] = arg;
	return 0;
}

int
cmd_step_mv(int argc, char **argv, struct cmd_ctx *c)
{
	struct stepedit w;
	struct sbuf out = SBUF_INIT;
	const char *id[2], *where[2] = { NULL, NULL }, *anchor;
	int k, after, same, rc = -1;

	if ((k = opts_parse(c, argc, argv, mv_opts, on_mv_opt, where)) < 0 ||
	    ids(c, argc, argv, k, 2, id) < 0)
		return DRIP_EUSAGE;
	if ((where[0] == NULL) == (where[1] == NULL))
		return usage_error(c, where[0] ? "give --before or --after, not both" :
				   "where to? give --before STEP or --after STEP");
	after = where[1] != NULL;
	anchor = where[after];
	if (!ws_valid_id(anchor))
		return usage_error(c, "invalid step id '%s'", anchor);
	if (load_for_edit(c, &w, id[0]) < 0)
		return -1;
	if (stepedit_mv(&w, id[1], anchor, after, &out, &same, &c->err) < 0) {
		rc = failed(c);
		goto out;
	}
	if (same) {
		if (!c->quiet)
			printf("step '%s' is already %s '%s'; nothing to change\n", id[1],
			       after ? "after" : "before", anchor);
		rc = 0;
		goto out;
	}
	if (commit(c, &w, &out, arena_printf(&c->a, "move step '%s'", id[1]),
		   arena_printf(&c->a, "step mv %s %s %s %s", id[0], id[1],
				after ? "--after" : "--before", anchor)) < 0) {
		rc = failed(c);
		goto out;
	}
	if (!c->quiet)
		printf("moved step '%s' %s '%s' in sequence '%s'\n", id[1],
		       after ? "after" : "before", anchor, id[0]);
	rc = 0;
out:
	sbuf_release(&out);
	return rc;
}

int
cmd_step_dup(int argc, char **argv, struct cmd_ctx *c)
{
	struct stepedit w;
	struct sbuf out = SBUF_INIT;
	const char *id[3];
	int k, rc = -1;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0 ||
	    ids(c, argc, argv, k, 3, id) < 0)
		return DRIP_EUSAGE;
	if (load_for_edit(c, &w, id[0]) < 0)
		return -1;
	if (stepedit_dup(&w, id[1], id[2], &out, &c->err) < 0 ||
	    commit(c, &w, &out, arena_printf(&c->a, "copy step '%s' as '%s'", id[1], id[2]),
		   arena_printf(&c->a, "step dup %s %s %s", id[0], id[1], id[2])) < 0) {
		rc = failed(c);
		goto out;
	}
	if (!c->quiet)
		printf("copied step '%s' as '%s' in sequence '%s'\n", id[1], id[2], id[0]);
	rc = 0;
out:
	sbuf_release(&out);
	return rc;
}

int
cmd_step_rm(int argc, char **argv, struct cmd_ctx *c)
{
	struct stepedit w;
	struct sbuf out = SBUF_INIT;
	const char *id[2];
	int k, rc = -1;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0 ||
	    ids(c, argc, argv, k, 2, id) < 0)
		return DRIP_EUSAGE;
	if (load_for_edit(c, &w, id[0]) < 0)
		return -1;
	if (stepedit_rm(&w, id[1], &out, &c->err) < 0 ||
	    commit(c, &w, &out, arena_printf(&c->a, "remove step '%s'", id[1]),
		   arena_printf(&c->a, "step rm %s %s", id[0], id[1])) < 0) {
		rc = failed(c);
		goto out;
	}
	if (!c->quiet)
		printf("removed step '%s' from sequence '%s'\n", id[1], id[0]);
	rc = 0;
out:
	sbuf_release(&out);
	return rc;
}

/* ---- list and show ---- */

/* When the step fires, as its file says: wait, or on for a date step. */
static const char *
timing(struct cmd_ctx *c, const struct seq *q, const struct step *st)
{
	char buf[DUR_TEXT_MAX];

	if (q->kind == SEQ_KIND_DATE) {
		if (st->on_field) {
			dur_format(&st->on_offset, buf, sizeof buf);
			return arena_printf(&c->a, "%s%s%s", st->on_field,
					    buf[0] == '-' || strcmp(buf, "0") == 0 ? "" : "+",
					    strcmp(buf, "0") == 0 ? "" : buf);
		}
		return st->on_year ? arena_printf(&c->a, "%04d-%02d-%02d", st->on_year,
						  st->on_mon, st->on_day) : "";
	}
	dur_format(&st->wait, buf, sizeof buf);
	return arena_strdup(&c->a, buf);
}

static const char *
at_text(struct cmd_ctx *c, const struct step *st)
{
	return st->at < 0 ? "" : arena_printf(&c->a, "%02d:%02d", st->at / 60, st->at % 60);
}

#define LIST_NCOLS 7

int
cmd_step_list(int argc, char **argv, struct cmd_ctx *c)
{
	const char **cells, *id[1];
	struct seq *q;
	size_t i, r;
	int k, f;

	if ((k = opts_parse(c, argc, argv, raw_opts, NULL, NULL)) < 0 ||
	    ids(c, argc, argv, k, 1, id) < 0)
		return DRIP_EUSAGE;
	if ((f = out_format(c, 1)) < 0)
		return DRIP_EUSAGE;
	if ((q = autoshow_seq(&c->a, c->root, id[0], &c->err)) == NULL)
		return -1;
	if (f == FMT_JSON) {
		struct sbuf out = SBUF_INIT;
		struct json j;

		json_init(&j, &out, 1);
		json_arr(&j);
		for (i = 0; i < q->nsteps; i++) {
			const struct step *st = &q->steps[i];

			json_obj(&j);
			json_kint(&j, "position", (int64_t)i + 1);
			json_kstr(&j, "id", st->id);
			json_kstr(&j, "type", step_type_names[st->type]);
			json_kstr(&j, q->kind == SEQ_KIND_DATE ? "on" : "wait", timing(c, q, st));
			json_kstr(&j, "at", st->at < 0 ? NULL : at_text(c, st));
			json_kstr(&j, "name", st->name);
			json_kint(&j, "automations", (int64_t)st->nautos);
			json_end(&j);
		}
		json_end(&j);
		sbuf_addc(&out, '\n');
		fwrite(out.buf, 1, out.len, stdout);
		sbuf_release(&out);
		return 0;
	}
	cells = arena_alloc(&c->a, (q->nsteps + 1) * LIST_NCOLS * sizeof *cells);
	cells[0] = "#";
	cells[1] = "step";
	cells[2] = "type";
	cells[3] = q->kind == SEQ_KIND_DATE ? "on" : "wait";
	cells[4] = "at";
	cells[5] = "automations";
	cells[6] = "name";
	for (i = 0; i < q->nsteps; i++) {
		const struct step *st = &q->steps[i];
		const char **row = cells + (i + 1) * LIST_NCOLS;

		r = 0;
		row[r++] = arena_printf(&c->a, "%zu", i + 1);
		row[r++] = st->id ? st->id : "";
		row[r++] = step_type_names[st->type];
		row[r++] = timing(c, q, st);
		row[r++] = at_text(c, st);
		row[r++] = arena_printf(&c->a, "%zu", st->nautos);
		row[r++] = st->name ? st->name : "";
	}
	print_table(c, (enum out_format)f, cells, q->nsteps + 1, LIST_NCOLS);
	return 0;
}

/* A key's value as the file writes it, on one line. */
static const char *
value_text(struct cmd_ctx *c, const struct seq *q, const struct step *st,
	   const char *key, const struct ynode *v)
{
	struct sbuf sb = SBUF_INIT;
	const char *res;
	size_t i;

	(void)q;
	if (v->kind == YNODE_SCALAR)
		return v->str;
	if (strcmp(key, "variants") == 0) {
		for (i = 0; i < st->nvariants; i++)
			sbuf_printf(&sb, "%s%d %s", i ? ", " : "", st->variants[i].weight,
				    st->variants[i].template ? st->variants[i].template :
				    st->variants[i].text ? st->variants[i].text : "");
	} else if (st->type == STEP_RULE && (strcmp(key, "then") == 0 ||
					     strcmp(key, "else") == 0)) {
		const struct action *a = key[0] == 't' ? st->then_actions : st->else_actions;
		size_t n = key[0] == 't' ? st->nthen : st->nelse;

		for (i = 0; i < n; i++)
			sbuf_printf(&sb, "%s%s", i ? "; " : "", autoshow_action(&c->a, &a[i]));
	} else {
		/* A collection on one line, its scalars as they read. */
		int seq = v->kind == YNODE_SEQ;

		sbuf_addc(&sb, seq ? '[' : '{');
		for (i = 0; i < v->n; i++) {
			const struct ynode *it = seq ? v->items[i] : v->pairs[i].val;

			if (i)
				sbuf_adds(&sb, ", ");
			if (!seq)
				sbuf_printf(&sb, "%s: ", v->pairs[i].key->str);
			sbuf_adds(&sb, it->kind == YNODE_SCALAR ? it->str : "...");
		}
		sbuf_addc(&sb, seq ? ']' : '}');
	}
	res = arena_strdup(&c->a, sbuf_str(&sb));
	sbuf_release(&sb);
	return res;
}

int
cmd_step_show(int argc, char **argv, struct cmd_ctx *c)
{
	const char *id[2], *rel;
	const struct step *st;
	struct sbuf out = SBUF_INIT;
	struct seq *q;
	struct json j;
	long i;
	size_t p, a;
	int k, f;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0 ||
	    ids(c, argc, argv, k, 2, id) < 0)
		return DRIP_EUSAGE;
	if ((f = out_format(c, 0)) < 0)
		return DRIP_EUSAGE;
	if ((q = autoshow_seq(&c->a, c->root, id[0], &c->err)) == NULL)
		return -1;
	if ((i = seq_step_index(q, id[1])) < 0) {
		struct stepedit w;
		size_t dummy;

		if (stepedit_load(&w, &c->a, c->root, id[0], &c->err) < 0 ||
		    stepedit_find(&w, id[1], &dummy, &c->err) < 0)
			return -1;
		return err_set(&c->err, DRIP_EDATA, NULL, 0, 0, "step '%s' of sequence '%s' "
			       "cannot be read; 'drip seq lint' says why", id[1], id[0]);
	}
	st = &q->steps[i];
	rel = arena_printf(&c->a, "sequences/%s.yaml", id[0]);
	if (f == FMT_JSON) {
		json_init(&j, &out, 1);
		json_obj(&j);
		json_kstr(&j, "sequence", id[0]);
		json_kstr(&j, "id", st->id);
		json_kstr(&j, "type", step_type_names[st->type]);
		json_kstr(&j, "file", rel);
		json_kint(&j, "line", st->node ? st->node->line : 0);
		json_kint(&j, "position", i + 1);
		json_key(&j, "keys");
		json_obj(&j);
	} else {
		sbuf_printf(&out, "step:        %s/%s\n", id[0], st->id);
		sbuf_printf(&out, "file:        %s:%d\n", rel, st->node ? st->node->line : 0);
		sbuf_printf(&out, "position:    %ld of %zu\n", i + 1, q->nsteps);
	}
	for (p = 0; st->node && p < st->node->n; p++) {
		const char *key = st->node->pairs[p].key->str;
		const struct ynode *v = st->node->pairs[p].val;

		if (strcmp(key, "id") == 0 || strcmp(key, "automations") == 0)
			continue;
		if (f == FMT_JSON)
			json_kstr(&j, key, value_text(c, q, st, key, v));
		else
			sbuf_printf(&out, "%s:%*s%s\n", key, strlen(key) < 12 ?
				    (int)(12 - strlen(key)) : 1, "", value_text(c, q, st, key, v));
	}
	if (f == FMT_JSON) {
		json_end(&j);
		json_key(&j, "automations");
		json_arr(&j);
	} else if (st->nautos) {
		sbuf_adds(&out, "automations:\n");
	}
	for (a = 0; a < st->nautos; a++) {
		const struct step_auto *au = &st->autos[a];

		if (f == FMT_JSON) {
			json_obj(&j);
			json_kstr(&j, "id", au->id);
			json_kstr(&j, "on", autoshow_on(au->on));
			json_kstr(&j, "schedule", autoshow_schedule(&c->a, au));
			json_kint(&j, "actions", (int64_t)au->nactions);
			json_end(&j);
		} else {
			sbuf_printf(&out, "  %s: %s\n", au->id ? au->id : "?",
				    autoshow_schedule(&c->a, au));
		}
	}
	if (f == FMT_JSON) {
		json_end(&j);
		json_end(&j);
		sbuf_addc(&out, '\n');
	}
	fwrite(out.buf, 1, out.len, stdout);
	sbuf_release(&out);
	return 0;
}
