/*
 * autospec.c - the compact form of a step automation on the command line.
 *
 * Each --action becomes the text of one YAML action, its arguments quoted
 * only where a plain scalar would read back differently, so what add
 * writes into a sequence file looks as a person would have written it.
 */
#include "autospec.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dur.h"
#include "err.h"
#include "sbuf.h"
#include "ws.h"
#include "yedit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const on_names[] = { "enter", "complete", "pending" };

/* Set *why to the formatted message and return -1. */
static int __attribute__((format(printf, 3, 4)))
fail(struct arena *ar, const char **why, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	*why = arena_strdup(ar, msg);
	return -1;
}

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
list_args(struct arena *ar, const char *spec, const char *arg, const char **why)
{
	struct sbuf add = SBUF_INIT, rm = SBUF_INIT, out = SBUF_INIT;
	char *copy = arena_strdup(ar, arg), *save = NULL, *w;
	const char *res = NULL;

	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct sbuf *sb;

		if (w[0] != '+' && w[0] != '-') {
			*why = arena_printf(ar, "each item needs + (add) or - (remove), "
					    "as in %.*s:+cold,-warm",
					    (int)(strchr(spec, ':') - spec), spec);
			goto out;
		}
		if (w[1] == '\0' || strchr(w + 1, ';')) {
			*why = arena_printf(ar, "invalid item '%s'", w);
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
	res = arena_strdup(ar, sbuf_str(&out));
out:
	sbuf_release(&add);
	sbuf_release(&rm);
	sbuf_release(&out);
	return res;
}

/* notify:TEMPLATE[,still_interested][,coordinator][,watchers][,to=WHO] */
static const char *
notify_args(struct arena *ar, const char *arg, const char **why)
{
	static const char *const flags[] = { "still_interested", "coordinator", "watchers" };
	struct sbuf out = SBUF_INIT;
	char *copy = arena_strdup(ar, arg), *save = NULL, *w;
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
			*why = arena_printf(ar, "%s; notify takes still_interested, "
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
	res = arena_strdup(ar, sbuf_str(&out));
out:
	sbuf_release(&out);
	return res;
}

/*
 * Parse one --action spec into YAML text.  Returns 0, or -1 with *why.
 * The grammar is in drip-automate(1).
 */
int
autospec_action(struct arena *ar, const char *spec, struct autospec_act *t, const char **why)
{
	static const char *const bare[] = { "archive", "complete_step", "mark_inactive",
					    "remove_from_sequence", "unsubscribe" };
	static const char *const known[] = {
		"notify", "tag", "site", "opportunity", "set", "note", "task", "add_to_list",
		"enroll", "unenroll", "archive", "complete_step", "mark_inactive",
		"remove_from_sequence", "unsubscribe", "run", "wait",
	};
	const char *colon = strchr(spec, ':'), *arg = colon ? colon + 1 : NULL;
	char *name = colon ? arena_strndup(ar, spec, (size_t)(colon - spec)) :
		     arena_strdup(ar, spec);
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
		*why = arena_strdup(ar, msg);
		return -1;
	}
	if (strcmp(name, "run") == 0 || strcmp(name, "wait") == 0) {
		*why = arena_printf(ar, "'%s' has no compact form%s; write the automation in "
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
		       arena_printf(ar, "invalid sequence id '%s'", arg) :
		       arena_printf(ar, "'%s' takes no argument", name);
		return -1;
	}
	if (arg == NULL || *arg == '\0') {
		*why = arena_printf(ar, "'%s' needs an argument, as in %s:%s", name, name,
				    strcmp(name, "notify") == 0 ? "templates/x.eml" :
				    strcmp(name, "set") == 0 ? "FIELD=VALUE" :
				    strcmp(name, "note") == 0 ? "TEXT" :
				    strcmp(name, "task") == 0 ? "TEXT" :
				    strcmp(name, "add_to_list") == 0 ? "NAME" :
				    name[0] == 'e' || name[0] == 'u' ? "SEQ" : "+add,-remove");
		return -1;
	}
	if (strcmp(name, "notify") == 0) {
		t->args = notify_args(ar, arg, why);
	} else if (strcmp(name, "tag") == 0 || strcmp(name, "site") == 0 ||
		   strcmp(name, "opportunity") == 0) {
		t->args = list_args(ar, spec, arg, why);
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
		t->args = arena_strdup(ar, sbuf_str(&sb));
	} else if (strcmp(name, "note") == 0) {
		yedit_put_scalar(&sb, arg);
		t->args = arena_strdup(ar, sbuf_str(&sb));
	} else if (strcmp(name, "task") == 0) {
		sbuf_adds(&sb, "{subject: ");
		yedit_put_scalar(&sb, arg);
		sbuf_addc(&sb, '}');
		t->args = arena_strdup(ar, sbuf_str(&sb));
	} else {
		/* add_to_list, enroll, unenroll: an id. */
		if (!ws_valid_id(arg)) {
			*why = arena_printf(ar, "invalid %s '%s'",
					    name[0] == 'a' ? "list name" : "sequence id", arg);
			return -1;
		}
		t->args = arg;
	}
	sbuf_release(&sb);
	return t->args ? 0 : -1;
}

static int
check_dur(struct arena *ar, const char *opt, const char *v, int positive, const char **why)
{
	struct dur d;
	char msg[256];

	if (dur_parse(v, 0, &d, msg, sizeof msg) < 0)
		return fail(ar, why, "--%s: %s", opt, msg);
	if (positive && dur_is_zero(&d))
		return fail(ar, why, "--%s must be longer than 0", opt);
	return 0;
}

int
autospec_check(struct arena *ar, struct autospec *o, const char **why)
{
	char msg[256];
	size_t i;

	if (o->from) {
		if (o->on || o->after || o->repeat || o->times || o->nacts)
			return fail(ar, why, "--from takes the whole automation from its file: "
				    "give no --on, --after, --repeat, --times or --action with it");
		return 0;
	}
	if (o->on == NULL)
		return fail(ar, why, "missing --on enter|complete|pending (or --from FILE)");
	for (i = 0; i < N(on_names); i++)
		if (strcmp(o->on, on_names[i]) == 0)
			break;
	if (i == N(on_names)) {
		snprintf(msg, sizeof msg, "--on must be enter, complete or pending, not '%s'",
			 o->on);
		suggest_append(msg, sizeof msg, o->on, on_names, N(on_names));
		return fail(ar, why, "%s", msg);
	}
	if (o->after && strcmp(o->on, "complete") == 0)
		return fail(ar, why, "--after does not apply to --on complete (it fires as the "
			    "step completes)");
	if (o->after == NULL && strcmp(o->on, "pending") == 0)
		return fail(ar, why, "--on pending needs --after (how long the contact has been "
			    "on the step)");
	if (o->after && check_dur(ar, "after", o->after, 0, why) < 0)
		return -1;
	if ((o->repeat || o->times) && strcmp(o->on, "pending") != 0)
		return fail(ar, why, "--repeat and --times apply only to --on pending");
	if ((o->repeat == NULL) != (o->times == NULL))
		return fail(ar, why, "--repeat and --times go together: --repeat 1w --times 4");
	if (o->repeat && check_dur(ar, "repeat", o->repeat, 1, why) < 0)
		return -1;
	if (o->times) {
		char *end;

		errno = 0;
		o->ntimes = strtol(o->times, &end, 10);
		if (errno || *end || end == o->times || !isdigit((unsigned char)o->times[0]) ||
		    o->ntimes < 1 || o->ntimes > 1000)
			return fail(ar, why, "--times takes a number from 1 to 1000, not '%s'",
				    o->times);
	}
	if (o->nacts == 0)
		return fail(ar, why, "missing --action (one or more), or --from FILE");
	o->acts = arena_alloc(ar, o->nacts * sizeof *o->acts);
	for (i = 0; i < o->nacts; i++) {
		const char *bad = NULL;

		if (autospec_action(ar, o->specs[i], &o->acts[i], &bad) < 0)
			return fail(ar, why, "invalid --action '%s': %s", o->specs[i], bad);
	}
	return 0;
}

/* The automation as block YAML, lines relative to its own indentation; the
 * actions list is indented by off under its key. */
void
autospec_block(const struct autospec *o, const char *id, size_t off, struct sbuf *out)
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
void
autospec_flow(const struct autospec *o, const char *id, struct sbuf *out)
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
