/*
 * automate.c - `drip automate add|list|show|rm|lint`: the automations of a
 * sequence's steps (SPEC §3.6, §10).
 *
 * add and rm edit sequences/SEQ.yaml in place.  They never re-emit the
 * file: they splice text at the byte ranges ydoc records for each node, so
 * every comment and all formatting outside the automation they add or
 * remove stay exactly as they were.  The spliced text is parsed again and
 * linted before anything is written; what would not lint is refused.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actlog.h"
#include "autom.h"
#include "cmd.h"
#include "csvio.h"
#include "diag.h"
#include "dtime.h"
#include "dur.h"
#include "engine.h"
#include "fsio.h"
#include "json.h"
#include "lint.h"
#include "sbuf.h"
#include "schema.h"
#include "seq.h"
#include "state.h"
#include "ws.h"
#include "seqedit.h"
#include "ydoc.h"
#include "yedit.h"

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
	  "add an automation to a step of a sequence, in place", add_opts, "@seq" },
	{ "list", cmd_automate_list, NEED_WS, "[SEQ] [--format table|csv|json] [--raw]",
	  "list the step automations of the sequences' drafts and, without SEQ, the "
	  "sequence automations", raw_opts, "@seq" },
	{ "show", cmd_automate_show, NEED_WS,
	  "SEQ STEP ID | SEQ/STEP/ID | ID [--format table|json]",
	  "show an automation, its schedule or trigger and actions in plain words", none, "@seq" },
	{ "rm", cmd_automate_rm, NEED_WS | NEED_LOCK | NEED_STORE, "SEQ STEP ID | SEQ/STEP/ID",
	  "remove an automation from a step, in place", none, "@seq" },
	{ "lint", cmd_seq_lint, 0, "[FILE...] [--format text|json|github]",
	  "check sequence and automation files, as 'drip seq lint' does", none, "@file" },
	{ "review", cmd_automate_review, NEED_WS, "[--format table|csv|json] [--raw]",
	  "list the actions waiting in the review queue", raw_opts, NULL },
	{ "approve", cmd_automate_approve, NEED_WS | NEED_LOCK | NEED_STORE, "ID... | --all",
	  "approve queued actions: they run at the next tick", decide_opts, "@review" },
	{ "reject", cmd_automate_reject, NEED_WS | NEED_LOCK | NEED_STORE, "ID... | --all",
	  "reject queued actions: they are logged and dropped", decide_opts, "@review" },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL }
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const trigger_names[] = { "enter", "complete", "pending" };

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

/* ---- the compact action grammar of --action ---- */

/*
 * One action as YAML: its name, and the text of its arguments (NULL for a
 * bare name).  Written "- name: args" in a block list, "{name: args}" in a
 * flow one.
 */
struct act_text {
	const char *name;
	const char *args;
};

static int
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* tag:+a,-b (and site:, opportunity:) as {add: [a], remove: [b]}. */
static const char *
list_args(struct cmd_ctx *c, const char *spec, const char *arg, const char **why)
{
	struct sbuf add = SBUF_INIT, rm = SBUF_INIT, out = SBUF_INIT;
	char *copy = arena_strdup(&c->a, arg), *save = NULL, *w;
	const char *res = NULL;

	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct sbuf *sb;

		if (w[0] != '+' && w[0] != '-') {
			*why = arena_printf(&c->a, "each item needs + (add) or - (remove), "
					    "as in %.*s:+cold,-warm",
					    (int)(strchr(spec, ':') - spec), spec);
			goto out;
		}
		if (w[1] == '\0' || strchr(w + 1, ';')) {
			*why = arena_printf(&c->a, "invalid item '%s'", w);
			goto out;
		}
		sb = w[0] == '+' ? &add : &rm;
		sbuf_adds(sb, sb->len ? ", " : "[");
		yedit_put_scalar(sb, w + 1);
	}
	if (add.len + rm.len == 0) {
		*why = "it names nothing to add or remove";
		goto out;
	}
	sbuf_addc(&out, '{');
	if (add.len)
		sbuf_printf(&out, "add: %s]", sbuf_str(&add));
	if (rm.len)
		sbuf_printf(&out, "%sremove: %s]", add.len ? ", " : "", sbuf_str(&rm));
	sbuf_addc(&out, '}');
	res = arena_strdup(&c->a, sbuf_str(&out));
out:
	sbuf_release(&add);
	sbuf_release(&rm);
	sbuf_release(&out);
	return res;
}

/* notify:TEMPLATE[,still_interested][,coordinator][,watchers][,to=WHO] */
static const char *
notify_args(struct cmd_ctx *c, const char *arg, const char **why)
{
	static const char *const flags[] = { "still_interested", "coordinator", "watchers" };
	struct sbuf out = SBUF_INIT;
	char *copy = arena_strdup(&c->a, arg), *save = NULL, *w;
	const char *res = NULL;
	int seen[N(flags)] = { 0 };
	const char *to = NULL;
	size_t i;

	w = strtok_r(copy, ",", &save);
	if (w == NULL) {
		*why = "notify needs a template, as in notify:templates/x.eml";
		return NULL;
	}
	sbuf_adds(&out, "{template: ");
	yedit_put_scalar(&out, w);
	while ((w = strtok_r(NULL, ",", &save)) != NULL) {
		if (strncmp(w, "to=", 3) == 0 && w[3] && to == NULL) {
			to = w + 3;
			continue;
		}
		for (i = 0; i < N(flags); i++)
			if (strcmp(w, flags[i]) == 0 && !seen[i])
				break;
		if (i == N(flags)) {
			char msg[256];

			snprintf(msg, sizeof msg, "unknown or repeated option '%s'", w);
			suggest_append(msg, sizeof msg, w, flags, N(flags));
			*why = arena_printf(&c->a, "%s; notify takes still_interested, "
					    "coordinator, watchers and to=WHO", msg);
			goto out;
		}
		seen[i] = 1;
	}
	if (to) {
		sbuf_adds(&out, ", to: ");
		yedit_put_scalar(&out, to);
	}
	for (i = 0; i < N(flags); i++)
		if (seen[i])
			sbuf_printf(&out, ", %s: true", flags[i]);
	sbuf_addc(&out, '}');
	res = arena_strdup(&c->a, sbuf_str(&out));
out:
	sbuf_release(&out);
	return res;
}

/*
 * Parse one --action spec into YAML text.  Returns 0, or -1 with *why.
 * The grammar is in drip-automate(1).
 */
static int
action_spec(struct cmd_ctx *c, const char *spec, struct act_text *t, const char **why)
{
	static const char *const bare[] = { "archive", "complete_step", "mark_inactive",
					    "remove_from_sequence", "unsubscribe" };
	static const char *const known[] = {
		"notify", "tag", "site", "opportunity", "set", "note", "task", "add_to_list",
		"enroll", "unenroll", "archive", "complete_step", "mark_inactive",
		"remove_from_sequence", "unsubscribe", "run", "wait",
	};
	const char *colon = strchr(spec, ':'), *arg = colon ? colon + 1 : NULL;
	char *name = colon ? arena_strndup(&c->a, spec, (size_t)(colon - spec)) :
		     arena_strdup(&c->a, spec);
	struct sbuf sb = SBUF_INIT;
	size_t i;

	t->name = name;
	t->args = NULL;
	if (has_ctl(spec)) {
		*why = "an action must be one line of text, without control characters";
		return -1;
	}
	for (i = 0; i < N(known); i++)
		if (strcmp(name, known[i]) == 0)
			break;
	if (i == N(known)) {
		char msg[256];

		snprintf(msg, sizeof msg, "unknown action '%s'", name);
		suggest_append(msg, sizeof msg, name, known, N(known));
		*why = arena_strdup(&c->a, msg);
		return -1;
	}
	if (strcmp(name, "run") == 0 || strcmp(name, "wait") == 0) {
		*why = arena_printf(&c->a, "'%s' has no compact form%s; write the automation in "
				    "a file and use --from", name,
				    name[0] == 'w' ? " (and step automations cannot wait)" : "");
		return -1;
	}
	for (i = 0; i < N(bare); i++)
		if (strcmp(name, bare[i]) == 0)
			break;
	if (i < N(bare)) {
		if (arg == NULL)
			return 0;
		if (strcmp(name, "remove_from_sequence") == 0 && ws_valid_id(arg)) {
			t->args = arg;
			return 0;
		}
		*why = strcmp(name, "remove_from_sequence") == 0 ?
		       arena_printf(&c->a, "invalid sequence id '%s'", arg) :
		       arena_printf(&c->a, "'%s' takes no argument", name);
		return -1;
	}
	if (arg == NULL || *arg == '\0') {
		*why = arena_printf(&c->a, "'%s' needs an argument, as in %s:%s", name, name,
				    strcmp(name, "notify") == 0 ? "templates/x.eml" :
				    strcmp(name, "set") == 0 ? "FIELD=VALUE" :
				    strcmp(name, "note") == 0 ? "TEXT" :
				    strcmp(name, "task") == 0 ? "TEXT" :
				    strcmp(name, "add_to_list") == 0 ? "NAME" :
				    name[0] == 'e' || name[0] == 'u' ? "SEQ" : "+add,-remove");
		return -1;
	}
	if (strcmp(name, "notify") == 0) {
		t->args = notify_args(c, arg, why);
	} else if (strcmp(name, "tag") == 0 || strcmp(name, "site") == 0 ||
		   strcmp(name, "opportunity") == 0) {
		t->args = list_args(c, spec, arg, why);
	} else if (strcmp(name, "set") == 0) {
		const char *eq = strchr(arg, '='), *p;

		if (eq == NULL || eq == arg) {
			*why = "expected set:FIELD=VALUE";
			return -1;
		}
		for (p = arg; p < eq; p++)
			if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
				break;
		if (p < eq) {
			*why = "invalid field name: use letters, digits, '_' and '-'";
			return -1;
		}
		sbuf_printf(&sb, "{%.*s: ", (int)(eq - arg), arg);
		yedit_put_scalar(&sb, eq + 1);
		sbuf_addc(&sb, '}');
		t->args = arena_strdup(&c->a, sbuf_str(&sb));
	} else if (strcmp(name, "note") == 0) {
		yedit_put_scalar(&sb, arg);
		t->args = arena_strdup(&c->a, sbuf_str(&sb));
	} else if (strcmp(name, "task") == 0) {
		sbuf_adds(&sb, "{subject: ");
		yedit_put_scalar(&sb, arg);
		sbuf_addc(&sb, '}');
		t->args = arena_strdup(&c->a, sbuf_str(&sb));
	} else {
		/* add_to_list, enroll, unenroll: an id. */
		if (!ws_valid_id(arg)) {
			*why = arena_printf(&c->a, "invalid %s '%s'",
					    name[0] == 'a' ? "list name" : "sequence id", arg);
			return -1;
		}
		t->args = arg;
	}
	sbuf_release(&sb);
	return t->args ? 0 : -1;
}

/* ---- add's options ---- */

struct add_opts {
	const char *on, *after, *repeat, *times, *from;
	struct act_text *acts;
	size_t nacts;
	const char **specs;
	long ntimes;
};

static int
on_add_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct add_opts *o = ud;

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

static int
check_dur(struct cmd_ctx *c, const char *opt, const char *v, int positive)
{
	struct dur d;
	char why[256];

	if (dur_parse(v, 0, &d, why, sizeof why) < 0) {
		usage_error(c, "--%s: %s", opt, why);
		return -1;
	}
	if (positive && dur_is_zero(&d)) {
		usage_error(c, "--%s must be longer than 0", opt);
		return -1;
	}
	return 0;
}

/* Everything add can check before it reads the sequence. */
static int
check_add_opts(struct cmd_ctx *c, struct add_opts *o)
{
	size_t i;

	if (o->from) {
		if (o->on || o->after || o->repeat || o->times || o->nacts) {
			usage_error(c, "--from takes the whole automation from its file: give no "
				    "--on, --after, --repeat, --times or --action with it");
			return -1;
		}
		return 0;
	}
	if (o->on == NULL) {
		usage_error(c, "missing --on enter|complete|pending (or --from FILE)");
		return -1;
	}
	for (i = 0; i < N(trigger_names); i++)
		if (strcmp(o->on, trigger_names[i]) == 0)
			break;
	if (i == N(trigger_names)) {
		char msg[256];

		snprintf(msg, sizeof msg, "--on must be enter, complete or pending, not '%s'",
			 o->on);
		suggest_append(msg, sizeof msg, o->on, trigger_names, N(trigger_names));
		usage_error(c, "%s", msg);
		return -1;
	}
	if (o->after && strcmp(o->on, "complete") == 0) {
		usage_error(c, "--after does not apply to --on complete (it fires as the step "
			    "completes)");
		return -1;
	}
	if (o->after == NULL && strcmp(o->on, "pending") == 0) {
		usage_error(c, "--on pending needs --after (how long the contact has been on the "
			    "step)");
		return -1;
	}
	if (o->after && check_dur(c, "after", o->after, 0) < 0)
		return -1;
	if ((o->repeat || o->times) && strcmp(o->on, "pending") != 0) {
		usage_error(c, "--repeat and --times apply only to --on pending");
		return -1;
	}
	if ((o->repeat == NULL) != (o->times == NULL)) {
		usage_error(c, "--repeat and --times go together: --repeat 1w --times 4");
		return -1;
	}
	if (o->repeat && check_dur(c, "repeat", o->repeat, 1) < 0)
		return -1;
	if (o->times) {
		char *end;

		errno = 0;
		o->ntimes = strtol(o->times, &end, 10);
		if (errno || *end || end == o->times || !isdigit((unsigned char)o->times[0]) ||
		    o->ntimes < 1 || o->ntimes > 1000) {
			usage_error(c, "--times takes a number from 1 to 1000, not '%s'", o->times);
			return -1;
		}
	}
	if (o->nacts == 0) {
		usage_error(c, "missing --action (one or more), or --from FILE");
		return -1;
	}
	o->acts = arena_alloc(&c->a, o->nacts * sizeof *o->acts);
	for (i = 0; i < o->nacts; i++) {
		const char *why = NULL;

		if (action_spec(c, o->specs[i], &o->acts[i], &why) < 0) {
			usage_error(c, "invalid --action '%s': %s", o->specs[i], why);
			return -1;
		}
	}
	return 0;
}

/* The automation as block YAML, lines relative to its own indentation; the
 * actions list is indented by off under its key. */
static void
block_body(const struct add_opts *o, const char *id, size_t off, struct sbuf *out)
{
	size_t i;

	sbuf_printf(out, "id: %s\non: %s\n", id, o->on);
	if (o->after)
		sbuf_printf(out, "after: %s\n", o->after);
	if (o->repeat)
		sbuf_printf(out, "repeat: {every: %s, times: %ld}\n", o->repeat, o->ntimes);
	sbuf_adds(out, "actions:\n");
	for (i = 0; i < o->nacts; i++) {
		sbuf_printf(out, "%*s- %s", (int)off, "", o->acts[i].name);
		if (o->acts[i].args)
			sbuf_printf(out, ": %s", o->acts[i].args);
		sbuf_addc(out, '\n');
	}
}

/* The automation as one flow mapping. */
static void
flow_body(const struct add_opts *o, const char *id, struct sbuf *out)
{
	size_t i;

	sbuf_printf(out, "{id: %s, on: %s", id, o->on);
	if (o->after)
		sbuf_printf(out, ", after: %s", o->after);
	if (o->repeat)
		sbuf_printf(out, ", repeat: {every: %s, times: %ld}", o->repeat, o->ntimes);
	sbuf_adds(out, ", actions: [");
	for (i = 0; i < o->nacts; i++) {
		if (i)
			sbuf_adds(out, ", ");
		if (o->acts[i].args)
			sbuf_printf(out, "{%s: %s}", o->acts[i].name, o->acts[i].args);
		else
			sbuf_adds(out, o->acts[i].name);
	}
	sbuf_adds(out, "]}");
}

/* ---- add ---- */

int
cmd_automate_add(int argc, char **argv, struct cmd_ctx *c)
{
	struct add_opts o;
	struct seqedit w;
	struct sbuf block = SBUF_INIT, flow = SBUF_INIT, out = SBUF_INIT;
	struct change ch;
	struct lint_ctx l;
	struct diags d;
	const char *ids[3];
	int k, rc = -1, have_flow = 0;

	memset(&o, 0, sizeof o);
	if ((k = opts_parse(c, argc, argv, add_opts, on_add_opt, &o)) < 0)
		return DRIP_EUSAGE;
	if (three_ids(c, argc, argv, k, 0, ids) < 0 || check_add_opts(c, &o) < 0)
		return DRIP_EUSAGE;
	if (seqedit_load(&w, &c->a, c->root, ids[0], ids[1], &c->err) < 0 ||
	    seqedit_check_new(&w, ids[2], &c->err) < 0)
		goto out;
	if (o.from) {
		if (seqedit_from_file(&c->a, o.from, ids[2], &block, &flow, &have_flow,
				      &c->err) < 0)
			goto out;
	} else {
		block_body(&o, ids[2], w.off, &block);
		flow_body(&o, ids[2], &flow);
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

/* ---- rm ---- */

int
cmd_automate_rm(int argc, char **argv, struct cmd_ctx *c)
{
	struct seqedit w;
	struct sbuf out = SBUF_INIT;
	struct change ch;
	const char *ids[3];
	int k, rc = -1;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (three_ids(c, argc, argv, k, 1, ids) < 0)
		return DRIP_EUSAGE;
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

/* ---- plain words ---- */

/* "a", "a and b", "a, b and c". */
static const char *
join_words(struct cmd_ctx *c, const char *const *v, size_t n)
{
	struct sbuf sb = SBUF_INIT;
	const char *res;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			sbuf_adds(&sb, i + 1 == n ? " and " : ", ");
		sbuf_adds(&sb, v[i]);
	}
	res = arena_strdup(&c->a, sbuf_str(&sb));
	sbuf_release(&sb);
	return res;
}

static const char *
dur_text(struct cmd_ctx *c, const struct dur *d)
{
	char buf[DUR_WORDS_MAX];

	dur_words(d, buf, sizeof buf);
	return arena_strdup(&c->a, buf);
}

/* SPEC §3.6's plain words for when an automation fires. */
static const char *
schedule_words(struct cmd_ctx *c, const struct step_auto *a)
{
	const char *every, *s;

	switch (a->on) {
	case TRIG_ENTER:
		if (dur_is_zero(&a->after))
			return "On entering the step";
		return arena_printf(&c->a, "%s after entering the step", dur_text(c, &a->after));
	case TRIG_COMPLETE:
		return "When the step completes";
	case TRIG_PENDING:
		break;
	}
	s = arena_printf(&c->a, "After %s pending", dur_text(c, &a->after));
	if (!a->has_repeat)
		return s;
	every = dur_text(c, &a->every);
	/* "every week" reads better than "every 1 week". */
	if (strncmp(every, "1 ", 2) == 0 && strchr(every + 2, ' ') == NULL)
		every += 2;
	return arena_printf(&c->a, "%s, then repeats every %s, up to %d time%s", s, every,
			    a->times, a->times == 1 ? "" : "s");
}

/* Text in double quotes, on one line: line breaks and other control
 * characters are written as escapes. */
static const char *
quoted(struct cmd_ctx *c, const char *s)
{
	struct sbuf sb = SBUF_INIT;
	const char *res;

	sbuf_addc(&sb, '"');
	for (; s && *s; s++) {
		if (*s == '\n')
			sbuf_adds(&sb, "\\n");
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			sbuf_printf(&sb, "\\x%02x", (unsigned char)*s);
		else if (*s == '"' || *s == '\\')
			sbuf_printf(&sb, "\\%c", *s);
		else
			sbuf_addc(&sb, *s);
	}
	sbuf_addc(&sb, '"');
	res = arena_strdup(&c->a, sbuf_str(&sb));
	sbuf_release(&sb);
	return res;
}

/* "add the tag cold and remove the tags a and b". */
static const char *
list_words(struct cmd_ctx *c, const struct action *a, const char *noun)
{
	const char *parts[2];
	size_t n = 0;

	if (a->nadd)
		parts[n++] = arena_printf(&c->a, "add the %s%s %s", noun, a->nadd > 1 ? "s" : "",
					  join_words(c, a->add, a->nadd));
	if (a->nremove)
		parts[n++] = arena_printf(&c->a, "remove the %s%s %s", noun,
					  a->nremove > 1 ? "s" : "",
					  join_words(c, a->remove, a->nremove));
	return join_words(c, parts, n);
}

/* One action in plain words, as `automate show` prints it. */
static const char *
action_words(struct cmd_ctx *c, const struct action *a)
{
	char d[DUR_WORDS_MAX];
	const char *s, *tell[2];
	size_t i, n = 0;

	switch (a->kind) {
	case ACT_NOTIFY:
		s = arena_printf(&c->a, "notify %s with %s", a->to ? a->to : "the contact",
				 a->template ? a->template : "?");
		if (a->still_interested)
			s = arena_printf(&c->a, "%s, with Still interested links", s);
		if (a->coordinator)
			tell[n++] = "the coordinator";
		if (a->watchers)
			tell[n++] = "the watchers";
		if (n)
			s = arena_printf(&c->a, "%s, and tell %s", s, join_words(c, tell, n));
		return s;
	case ACT_TAG:
		return list_words(c, a, "tag");
	case ACT_SITE:
		return list_words(c, a, "site");
	case ACT_OPPORTUNITY:
		return list_words(c, a, "opportunity");
	case ACT_SET: {
		const char **v = arena_alloc(&c->a, (a->nset + 1) * sizeof *v);

		for (i = 0; i < a->nset; i++)
			v[i] = arena_printf(&c->a, "%s to %s", a->set[i].key,
					    quoted(c, a->set[i].value));
		return arena_printf(&c->a, "set %s", join_words(c, v, a->nset));
	}
	case ACT_NOTE:
		return arena_printf(&c->a, "add the note %s", quoted(c, a->text));
	case ACT_MARK_INACTIVE:
		return "mark the contact inactive";
	case ACT_REMOVE_FROM_SEQUENCE:
		if (a->text)
			return arena_printf(&c->a, "remove the contact from sequence %s", a->text);
		return "remove the contact from this sequence";
	case ACT_ARCHIVE:
		return "archive the contact";
	case ACT_ADD_TO_LIST:
		return arena_printf(&c->a, "add the contact to the list %s", a->text);
	case ACT_ENROLL:
		return arena_printf(&c->a, "enroll the contact in sequence %s", a->text);
	case ACT_UNENROLL:
		return arena_printf(&c->a, "unenroll the contact from sequence %s", a->text);
	case ACT_UNSUBSCRIBE:
		return "unsubscribe the contact";
	case ACT_COMPLETE_STEP:
		return "complete the step";
	case ACT_TASK:
		s = arena_printf(&c->a, "add a %stask %s",
				 a->task_kind && strcmp(a->task_kind, "call") == 0 ? "call " :
				 a->task_kind && strcmp(a->task_kind, "manual_email") == 0 ?
				 "manual email " : "", quoted(c, a->subject));
		if (a->assignee)
			s = arena_printf(&c->a, "%s for %s", s, a->assignee);
		if (a->has_due) {
			dur_words(&a->due, d, sizeof d);
			s = arena_printf(&c->a, "%s, due in %s", s, d);
		}
		if (a->template)
			s = arena_printf(&c->a, "%s, with %s", s, a->template);
		return s;
	case ACT_RUN:
		/* The command as argv, one word after the other. */
		s = "run";
		for (i = 0; i < a->argc; i++)
			s = arena_printf(&c->a, "%s %s", s, a->argv[i]);
		return s;
	case ACT_WAIT:
		dur_words(&a->wait, d, sizeof d);
		return arena_printf(&c->a, "wait %s", d);
	case ACT_COUNT:
		break;
	}
	return "?";
}

/* A sequence automation's trigger in plain words. */
static const char *
trigger_words(struct cmd_ctx *c, const struct autom *m)
{
	const char *in = m->sequence ? arena_printf(&c->a, " in sequence %s", m->sequence) : "";
	const char *w = "?";

	switch (m->trigger) {
	case AT_ENROLLED:
		w = arena_printf(&c->a, "When the contact enrolls%s", in);
		break;
	case AT_STEP_ENTERED:
	case AT_STEP_COMPLETED:
		w = arena_printf(&c->a, "When the contact %s %s%s",
				 m->trigger == AT_STEP_ENTERED ? "enters" : "completes",
				 m->step ? arena_printf(&c->a, "step %s", m->step) : "a step", in);
		break;
	case AT_COMPLETED:
		w = arena_printf(&c->a, "When the contact finishes a sequence%s", in);
		break;
	case AT_REMOVED:
		w = arena_printf(&c->a, "When the contact is removed from a sequence%s", in);
		break;
	case AT_TAG_ADDED:
	case AT_TAG_REMOVED:
		w = arena_printf(&c->a, "When the tag %s is %s", m->tag,
				 m->trigger == AT_TAG_ADDED ? "added" : "removed");
		break;
	case AT_FIELD_CHANGED:
		w = m->to ? arena_printf(&c->a, "When %s changes to %s", m->field, quoted(c, m->to)) :
		    arena_printf(&c->a, "When %s changes", m->field);
		break;
	case AT_CONTACT_CREATED:
		w = "When a contact is added";
		break;
	case AT_EXTERNAL:
		w = arena_printf(&c->a, "On the event %s%s", m->event, in);
		break;
	case AT_RESPONSE:
		w = m->answer ? arena_printf(&c->a, "When the contact answers %s", m->answer) :
		    "When the contact answers";
		break;
	case AT_DATE: {
		struct dur ab = m->offset;
		int neg = ab.months < 0 || ab.days < 0 || ab.secs < 0;
		const char *off;

		if (neg) {
			ab.months = -ab.months;
			ab.days = -ab.days;
			ab.secs = -ab.secs;
		}
		off = dur_is_zero(&ab) ? "On" : arena_printf(&c->a, "%s %s", dur_text(c, &ab),
							     neg ? "before" : "after");

		w = arena_printf(&c->a, "%s %s%s%s", off, m->date_field,
				 m->at >= 0 ? arena_printf(&c->a, " at %02d:%02d", m->at / 60,
							   m->at % 60) : "",
				 m->annually ? ", every year" : "");
		break;
	}
	}
	if (m->and_.src)
		w = arena_printf(&c->a, "%s, if %s", w, m->and_.src);
	if (m->or_.src)
		w = arena_printf(&c->a, "%s; or when %s becomes true", w, m->or_.src);
	return w;
}

/* ---- list and show ---- */

/*
 * Load DIR/ID.yaml for reading (what kind names it in the message) and set
 * up a schema whose findings are dropped: problems beyond YAML syntax do
 * not stop list and show, which show what parsed, as the file says.
 * Returns 0, or -1 with e filled when the file is missing (66) or is not
 * YAML (65).
 */
static int
load_for_show(struct cmd_ctx *c, const char *dir, const char *kind, const char *id,
	      struct ydoc *doc, struct schema *s, struct drip_err *e)
{
	const char *rel = arena_printf(&c->a, "%s/%s.yaml", dir, id);
	char *full = ws_path(c, rel);
	struct diags *scratch = arena_alloc(&c->a, sizeof *scratch);
	int rc;

	if (!fsio_exists(full)) {
		free(full);
		return err_set(e, DRIP_ENOINPUT, NULL, 0, 0, "no %s '%s' (%s does not exist)",
			       kind, id, rel);
	}
	rc = ydoc_load_file(&c->a, full, doc, e);
	free(full);
	if (rc < 0) {
		snprintf(e->file, sizeof e->file, "%s", rel);
		return -1;
	}
	doc->file = rel;
	diag_init(scratch, &c->a);
	s->a = &c->a;
	s->d = scratch;
	s->file = rel;
	return 0;
}

/* sequences/ID.yaml, parsed; NULL and e filled as load_for_show says. */
static struct seq *
parse_seq(struct cmd_ctx *c, const char *id, struct drip_err *e)
{
	struct ydoc doc;
	struct schema s;

	if (load_for_show(c, "sequences", "sequence", id, &doc, &s, e) < 0)
		return NULL;
	return seq_parse(&s, &doc);
}

/* automations/ID.yaml, parsed, or NULL when it is gone or not YAML (the
 * review queue still shows its rows). */
static const struct autom *
parse_auto(struct cmd_ctx *c, const char *id)
{
	struct ydoc doc;
	struct schema s;
	struct drip_err e;

	if (load_for_show(c, "automations", "automation", id, &doc, &s, &e) < 0)
		return NULL;
	return autom_parse(&s, &doc);
}

int
cmd_automate_list(int argc, char **argv, struct cmd_ctx *c)
{
	const char **ids, **cells = NULL, **autos = NULL;
	size_t n, i, j, m, nrows = 1, ncols = 6, nautos = 0;
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
	cells = arena_grow(&c->a, cells, 0, ncols, sizeof *cells);
	cells[0] = "sequence";
	cells[1] = "step";
	cells[2] = "id";
	cells[3] = "on";
	cells[4] = "schedule";
	cells[5] = "actions";
	for (i = 0; i < n; i++) {
		struct drip_err e;
		struct seq *q = parse_seq(c, ids[i], &e);
		char buf[2048];

		if (q == NULL) {
			if (argc - k == 1) {
				c->err = e;
				return -1;
			}
			fprintf(stderr, "drip: warning: %s\n", err_str(&e, buf, sizeof buf));
			continue;
		}
		for (j = 0; j < q->nsteps; j++)
			for (m = 0; m < q->steps[j].nautos; m++) {
				const struct step_auto *a = &q->steps[j].autos[m];
				const char **row;

				if (a->id == NULL)
					continue;
				cells = arena_grow(&c->a, cells, nrows * ncols, (nrows + 1) * ncols,
						   sizeof *cells);
				row = cells + nrows * ncols;
				row[0] = ids[i];
				row[1] = q->steps[j].id ? q->steps[j].id : "";
				row[2] = a->id;
				row[3] = trigger_names[a->on];
				row[4] = schedule_words(c, a);
				row[5] = arena_printf(&c->a, "%zu", a->nactions);
				nrows++;
			}
	}
	/* The sequence automations, with no sequence named. */
	for (i = 0; argc - k == 0 && i < nautos; i++) {
		const struct autom *au = parse_auto(c, autos[i]);
		const char **row;

		if (au == NULL || au->id == NULL)
			continue;
		cells = arena_grow(&c->a, cells, nrows * ncols, (nrows + 1) * ncols, sizeof *cells);
		row = cells + nrows * ncols;
		row[0] = au->sequence ? au->sequence : "";
		row[1] = "";
		row[2] = au->id;
		row[3] = au->trigger == AT_DATE ? "date" : au->event ? au->event : "";
		row[4] = trigger_words(c, au);
		row[5] = arena_printf(&c->a, "%zu", au->nactions);
		nrows++;
	}
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

/* show ID: a sequence automation (automations/ID.yaml). */
static int
show_auto(struct cmd_ctx *c, const char *id, int f)
{
	const char *rel = arena_printf(&c->a, "automations/%s.yaml", id);
	const struct autom *m = parse_auto(c, id);
	struct sbuf out = SBUF_INIT;
	size_t i;

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
		json_kstr(&j, "trigger", trigger_words(c, m));
		json_kbool(&j, "review", m->review);
		json_kstr(&j, "reenter", m->reenter == REENTER_NEVER ? "never" : "after_finish");
		json_key(&j, "actions");
		json_arr(&j);
		for (i = 0; i < m->nactions; i++) {
			json_obj(&j);
			json_kstr(&j, "action", action_names[m->actions[i].kind]);
			json_kstr(&j, "words", action_words(c, &m->actions[i]));
			json_end(&j);
		}
		json_end(&j);
		json_kstr(&j, "stop_when", m->stop_when.src);
		json_end(&j);
		sbuf_addc(&out, '\n');
	} else {
		sbuf_printf(&out, "automation: %s%s%s\n", id, m->title ? " - " : "",
			    m->title ? m->title : "");
		sbuf_printf(&out, "file:       %s\n", rel);
		sbuf_printf(&out, "trigger:    %s\n", trigger_words(c, m));
		sbuf_printf(&out, "review:     %s\n", m->review ? "yes: each action waits for approval" :
			    "no");
		sbuf_printf(&out, "reenter:    %s\n", m->reenter == REENTER_NEVER ? "never" :
			    "after the previous run finished");
		sbuf_adds(&out, "actions:\n");
		for (i = 0; i < m->nactions; i++)
			sbuf_printf(&out, "  %zu. %s\n", i + 1, action_words(c, &m->actions[i]));
		if (m->stop_when.src) {
			sbuf_printf(&out, "stop when:  %s\n", m->stop_when.src);
			for (i = 0; i < m->nstop_actions; i++)
				sbuf_printf(&out, "  then %s\n", action_words(c, &m->stop_actions[i]));
		}
	}
	fwrite(out.buf, 1, out.len, stdout);
	sbuf_release(&out);
	return 0;
}

int
cmd_automate_show(int argc, char **argv, struct cmd_ctx *c)
{
	const struct step_auto *a = NULL;
	const struct step *st;
	const char *ids[3], **names;
	struct seq *q;
	struct sbuf out = SBUF_INIT;
	char after[DUR_TEXT_MAX], every[DUR_TEXT_MAX], msg[512];
	long si;
	size_t i;
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
	if ((q = parse_seq(c, ids[0], &c->err)) == NULL)
		return -1;
	if ((si = seq_step_index(q, ids[1])) < 0) {
		names = arena_alloc(&c->a, (q->nsteps + 1) * sizeof *names);
		for (i = 0; i < q->nsteps; i++)
			names[i] = q->steps[i].id;
		snprintf(msg, sizeof msg, "no step '%s' in sequence '%s'", ids[1], ids[0]);
		suggest_append(msg, sizeof msg, ids[1], names, q->nsteps);
		return err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0, "%s", msg);
	}
	st = &q->steps[si];
	names = arena_alloc(&c->a, (st->nautos + 1) * sizeof *names);
	for (i = 0; i < st->nautos; i++) {
		names[i] = st->autos[i].id;
		if (a == NULL && st->autos[i].id && strcmp(st->autos[i].id, ids[2]) == 0)
			a = &st->autos[i];
	}
	if (a == NULL) {
		snprintf(msg, sizeof msg, "no automation '%s' in step '%s' of sequence '%s'",
			 ids[2], ids[1], ids[0]);
		suggest_append(msg, sizeof msg, ids[2], names, st->nautos);
		return err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0, "%s", msg);
	}
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
		json_kstr(&j, "on", trigger_names[a->on]);
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
		json_kstr(&j, "schedule", schedule_words(c, a));
		json_key(&j, "actions");
		json_arr(&j);
		for (i = 0; i < a->nactions; i++) {
			json_obj(&j);
			json_kstr(&j, "action", action_names[a->actions[i].kind]);
			json_kstr(&j, "words", action_words(c, &a->actions[i]));
			json_end(&j);
		}
		json_end(&j);
		json_end(&j);
		sbuf_addc(&out, '\n');
	} else {
		sbuf_printf(&out, "automation: %s/%s/%s\n", ids[0], ids[1], a->id);
		sbuf_printf(&out, "file:       sequences/%s.yaml:%d\n", ids[0],
			    a->node ? a->node->line : 0);
		sbuf_printf(&out, "on:         %s\n", trigger_names[a->on]);
		sbuf_printf(&out, "schedule:   %s\n", schedule_words(c, a));
		sbuf_adds(&out, "actions:\n");
		for (i = 0; i < a->nactions; i++)
			sbuf_printf(&out, "  %zu. %s\n", i + 1, action_words(c, &a->actions[i]));
	}
	fwrite(out.buf, 1, out.len, stdout);
	sbuf_release(&out);
	return 0;
}

/* ---- the review queue (SPEC §3.6) ---- */

/* The automations the queue names, each file parsed once. */
struct auto_cache {
	struct cached { const char *id; const struct autom *m; } *v;
	size_t n, cap;
};

/* The action a queued run r waits with, or NULL when its automation no
 * longer has it. */
static const struct action *
queued_action(struct cmd_ctx *c, struct auto_cache *ac, const struct arun *r)
{
	const struct autom *m;
	size_t i;

	for (i = 0; i < ac->n && strcmp(ac->v[i].id, r->automation) != 0; i++)
		;
	if (i == ac->n) {
		struct cached *x = ARENA_PUSH(&c->a, ac->v, ac->n, ac->cap);

		x->id = r->automation;
		x->m = parse_auto(c, r->automation);
	}
	m = ac->v[i].m;
	return m && (size_t)r->next < m->nactions ? &m->actions[r->next] : NULL;
}

int
cmd_automate_review(int argc, char **argv, struct cmd_ctx *c)
{
	struct arun *runs;
	struct auto_cache ac = { NULL, 0, 0 };
	const char **cells;
	size_t n, i, nrows = 1, ncols = 7;
	int k, f;

	if ((k = opts_parse(c, argc, argv, raw_opts, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 0)
		return usage_error(c, "review takes no arguments");
	if ((f = out_format(c, 1)) < 0)
		return DRIP_EUSAGE;
	if (state_load_runs(&c->a, c->root, &runs, &n, &c->err) < 0)
		return -1;
	cells = arena_alloc(&c->a, (n + 1) * ncols * sizeof *cells);
	cells[0] = "id";
	cells[1] = "contact";
	cells[2] = "automation";
	cells[3] = "sequence";
	cells[4] = "queued";
	cells[5] = "action";
	cells[6] = "does";
	for (i = 0; i < n; i++) {
		const char **row = cells + nrows * ncols;
		const struct action *a;
		char id[11], t[32];

		if (runs[i].status != RUN_REVIEW)
			continue;
		a = queued_action(c, &ac, &runs[i]);
		state_run_review_id(&runs[i], id);
		dtime_format_utc(runs[i].due, t, sizeof t);
		row[0] = arena_strdup(&c->a, id);
		row[1] = runs[i].contact;
		row[2] = runs[i].automation;
		row[3] = runs[i].sequence;
		row[4] = arena_strdup(&c->a, t);
		row[5] = a ? action_names[a->kind] : "";
		row[6] = a ? action_words(c, a) : "(the automation no longer has this action)";
		nrows++;
	}
	if (nrows == 1 && f == FMT_TABLE) {
		if (!c->quiet)
			printf("the review queue is empty\n");
		return 0;
	}
	print_table(c, (enum out_format)f, cells, nrows, ncols);
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
	struct auto_cache ac = { NULL, 0, 0 };
	struct arun *runs;
	struct sbuf rows = SBUF_INIT, state = SBUF_INIT, log = SBUF_INIT, subject = SBUF_INIT;
	struct change ch[2];
	unsigned char *pick;
	char logpath[64], id[11];
	size_t n, i, count = 0;
	int k, a, all = 0, rc = -1;

	if ((k = opts_parse(c, argc, argv, decide_opts, on_all, &all)) < 0)
		return DRIP_EUSAGE;
	if (all == (argc - k > 0))
		return usage_error(c, all ? "give review ids or --all, not both" :
				   "which actions? give review ids (see 'drip automate review') "
				   "or --all");
	if (state_load_runs(&c->a, c->root, &runs, &n, &c->err) < 0)
		return -1;
	pick = arena_alloc(&c->a, n + 1);
	for (a = k; a < argc; a++) {
		for (i = 0; i < n; i++) {
			if (runs[i].status != RUN_REVIEW)
				continue;
			state_run_review_id(&runs[i], id);
			if (strcmp(id, argv[a]) == 0)
				break;
		}
		if (i == n)
			return err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0,
				       "no action '%s' in the review queue", argv[a]);
		pick[i] = 1;
	}
	actlog_path(c->now, logpath, sizeof logpath);
	for (i = 0; i < n; i++) {
		struct log_row lr = { c->now, runs[i].contact, runs[i].sequence, "",
				      runs[i].automation, verb, "ok", "", "" };
		const struct action *qa;

		if (runs[i].status != RUN_REVIEW || (!all && !pick[i]))
			continue;
		state_run_review_id(&runs[i], id);
		qa = queued_action(c, &ac, &runs[i]);
		lr.ref = arena_strdup(&c->a, id);
		lr.detail = qa ? action_names[qa->kind] : "";
		actlog_format(&rows, &lr);
		runs[i].status = to;
		runs[i].due = c->now;
		count++;
	}
	if (count == 0) {
		if (!c->quiet)
			printf("the review queue is empty\n");
		rc = 0;
		goto out;
	}
	state_format_runs(runs, n, &state);
	if (log_with(c, logpath, &rows, &log) < 0)
		goto out;
	ch[0].path = STATE_RUNS;
	ch[0].data = state.buf;
	ch[0].len = state.len;
	ch[0].mode = 0;
	ch[1].path = logpath;
	ch[1].data = log.buf;
	ch[1].len = log.len;
	ch[1].mode = 0;
	sbuf_printf(&subject, "automate %s: %zu action%s", verb, count, count == 1 ? "" : "s");
	if (ws_apply(c, ch, 2, sbuf_str(&subject)) < 0)
		goto out;
	if (!c->quiet)
		printf("%s %zu action%s; %s at the next tick\n", to == RUN_APPROVED ?
		       "approved" : "rejected", count, count == 1 ? "" : "s",
		       to == RUN_APPROVED ? "they run" : "they are dropped");
	rc = 0;
out:
	sbuf_release(&rows);
	sbuf_release(&state);
	sbuf_release(&log);
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
