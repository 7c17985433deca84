/*
 * complete.c - `drip __complete WORD...`: the candidates for the last WORD
 * of a command line, one per line, read from the same tables as option
 * parsing and help.  The bash, zsh and fish scripts in completions/ call it,
 * so they cannot drift from the code.  Two answers are directives for the
 * shell rather than words: ":file" (complete file names) and ":dir"; a
 * word ending in '=' (FIELD= after `contact set ID`) takes its value
 * without a space, which the scripts arrange.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "shard.h"
#include "state.h"
#include "stepedit.h"
#include "csvio.h"
#include "fsio.h"
#include "ws.h"

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void
say(const char *w, const char *prefix)
{
	if (starts(w, prefix))
		printf("%s\n", w);
}

static void
say_all(const char *const *v, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; i < n; i++)
		say(v[i], prefix);
}

static void
say_opts(const struct optspec *o, const char *prefix)
{
	char buf[96];

	for (; o && o->name; o++) {
		snprintf(buf, sizeof buf, "--%s", o->name);
		say(buf, prefix);
	}
}

static const struct optspec *
find_opt(const struct optspec *o, const char *word)
{
	for (; o && o->name; o++) {
		if (starts(word, "--") && strcmp(word + 2, o->name) == 0)
			return o;
		if (o->shortc && word[0] == '-' && word[1] == o->shortc && word[2] == '\0')
			return o;
	}
	return NULL;
}

/* The first operand: the sequence for "@step", the command for "@sub". */
static const char *seq_operand;

/* The events drip knows (SPEC §4.5); any other name is a custom event. */
static const char *const event_names[] = {
	"reply", "open", "click", "bounce", "unsubscribe", "response", "task_done", NULL
};

/* "FIELD=" for each column of contacts.csv but id, for "@field". */
static void
say_fields(struct cmd_ctx *c, const char *prefix)
{
	struct csvio_reader *r;
	struct drip_err e;
	char *path;
	size_t i;

	if (ws_find(".", &c->root, &e) < 0)
		return;
	path = fsio_join(c->root, "contacts.csv");
	if (csvio_open(path, &r, &e) == 0) {
		for (i = 0; i < csvio_ncols(r); i++)
			if (strcmp(csvio_colname(r, i), "id") != 0)
				say(arena_printf(&c->a, "%s=", csvio_colname(r, i)), prefix);
		csvio_close(r);
	}
	free(path);
}

/* The ids of tasks.csv's open tasks, for "@task". */
static void
say_tasks(struct cmd_ctx *c, const char *prefix)
{
	struct csvio_reader *r;
	struct csvio_row row;
	struct drip_err e;
	char *path;
	long id, st;

	if (ws_find(".", &c->root, &e) < 0)
		return;
	path = fsio_join(c->root, "tasks.csv");
	if (fsio_exists(path) && csvio_open(path, &r, &e) == 0) {
		id = csvio_col(r, "id");
		st = csvio_col(r, "status");
		while (id >= 0 && st >= 0 && csvio_next(r, &row, &e) == 1)
			if (strcmp(row.f[st], "open") == 0)
				say(row.f[id], prefix);
		csvio_close(r);
	}
	free(path);
}

/* The subcommands of the command named first, for "@sub". */
static void
say_subs(const char *prefix)
{
	const struct cmd *k = seq_operand ? cmd_find(seq_operand) : NULL;
	const struct subcmd *s;

	for (s = k ? k->subs : NULL; s && s->name; s++)
		say(s->name, prefix);
}

/* The steps of the sequence seq_operand names. */
static void
say_steps(struct cmd_ctx *c, const char *prefix)
{
	struct stepedit w;
	struct drip_err e;
	size_t i;

	if (seq_operand == NULL || !ws_valid_id(seq_operand) || ws_find(".", &c->root, &e) < 0 ||
	    stepedit_load(&w, &c->a, c->root, seq_operand, &e) < 0)
		return;
	for (i = 0; i < stepedit_count(&w); i++)
		if (stepedit_id(&w, i))
			say(stepedit_id(&w, i), prefix);
}

/* Operand or option-value candidates of a kind ("@seq", "a b c", ...). */
static void
say_values(struct cmd_ctx *c, const char *values, const char *prefix)
{
	char *copy, *w, *save = NULL;

	if (values == NULL)
		return;
	if (strcmp(values, "@step") == 0) {
		say_steps(c, prefix);
	} else if (strcmp(values, "@field") == 0) {
		say_fields(c, prefix);
	} else if (strcmp(values, "@task") == 0) {
		say_tasks(c, prefix);
	} else if (strcmp(values, "@sub") == 0) {
		say_subs(prefix);
	} else if (strcmp(values, "@event") == 0) {
		const char *const *e;

		for (e = event_names; *e; e++)
			say(*e, prefix);
	} else if (strcmp(values, "@new") == 0) {
		/* A new id, or KEY=VALUE: nothing to offer. */
	} else if (strcmp(values, "@file") == 0) {
		printf(":file\n");
	} else if (strcmp(values, "@dir") == 0) {
		printf(":dir\n");
	} else if (strcmp(values, "@cmd") == 0) {
		const struct cmd *k;

		for (k = drip_cmds; k->name; k++)
			say(k->name, prefix);
	} else if (strcmp(values, "@review") == 0) {
		/* The ids waiting in the review queue. */
		struct drip_err e;
		struct arun *runs;
		size_t n, i;
		char id[11];

		if (ws_find(".", &c->root, &e) < 0 || state_load_runs(&c->a, c->root, &runs, &n, &e) < 0)
			return;
		for (i = 0; i < n; i++)
			if (runs[i].status == RUN_REVIEW) {
				state_run_review_id(&runs[i], id);
				say(id, prefix);
			}
	} else if (strcmp(values, "@remote") == 0 || strcmp(values, "@auto") == 0 ||
		   strcmp(values, "@seq") == 0 || strcmp(values, "@contact") == 0) {
		struct drip_err e;
		size_t n;

		if (ws_find(".", &c->root, &e) < 0)
			return;
		if (values[1] == 'r') {
			/* The repository's remotes (a URL or a path does as well). */
			const char **names = shard_remotes(&c->a, c->root, &n);

			say_all(names, n, prefix);
		} else if (values[1] == 'a') {
			/* The sequence automations, automations/ID.yaml. */
			const char **ids = yaml_ids(c, "automations", &n);

			say_all(ids, n, prefix);
		} else if (values[1] == 's') {
			const char **ids = seq_ids(c, &n);

			say_all(ids, n, prefix);
		} else {
			struct csvio_reader *r;
			struct csvio_row row;
			char *path = fsio_join(c->root, "contacts.csv");
			long col;

			if (csvio_open(path, &r, &e) == 0) {
				col = csvio_col(r, "id");
				while (col >= 0 && csvio_next(r, &row, &e) == 1)
					say(row.f[col], prefix);
				csvio_close(r);
			}
			free(path);
		}
	} else {
		copy = xstrdup(values);
		for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
			say(w, prefix);
		free(copy);
	}
}

/* The formats the usage line of the command gives ("--format
 * table|json|github" says "table json github"), else all of them. */
static const char *
format_values(struct cmd_ctx *c, const char *usage, const char *all)
{
	const char *p = usage ? strstr(usage, "--format ") : NULL;
	char *v, *q;

	if (p == NULL)
		return all;
	p += strlen("--format ");
	v = arena_strndup(&c->a, p, strcspn(p, " ]"));
	for (q = v; *q; q++)
		if (*q == '|')
			*q = ' ';
	return v;
}

/* How many operands words (n of them) hold, options and their values
 * aside; the first one into seq_operand. */
static int
operands(const char **words, int n, const struct optspec *opts)
{
	const struct optspec *o;
	int i, pos = 0;

	seq_operand = NULL;
	for (i = 0; i < n; i++) {
		if (words[i][0] == '-' && words[i][1] != '\0') {
			if (((o = find_opt(opts, words[i])) != NULL ||
			     (o = find_opt(drip_global_opts, words[i])) != NULL) && o->arg &&
			    strchr(words[i], '=') == NULL)
				i++;
			continue;
		}
		if (pos++ == 0)
			seq_operand = words[i];
	}
	return pos;
}

/*
 * Complete an operand.  args lists what each operand is, in order ("@seq
 * @step"); the last kind stands for every operand after.  words are the
 * words typed after the (sub)command, options and their values among them.
 */
static void
say_operand(struct cmd_ctx *c, const char *args, const char **words, int n,
	    const struct optspec *opts, const char *cur)
{
	char *copy, *kind, *save = NULL, *last = NULL;
	int i, pos = operands(words, n, opts);

	if (args == NULL)
		return;
	copy = xstrdup(args);
	for (kind = strtok_r(copy, " ", &save), i = 0; kind; kind = strtok_r(NULL, " ", &save)) {
		last = kind;
		if (i++ == pos)
			break;
	}
	if (last)
		say_values(c, last, cur);
	free(copy);
}

int
cmd_complete(int argc, char **argv, struct cmd_ctx *c)
{
	const char *words[256], *cur;
	const struct cmd *cmd = NULL;
	const struct subcmd *sub = NULL;
	const struct optspec *own, *o;
	int n = 0, i;

	/* argv[0] is "__complete"; the rest are the words after "drip", the
	 * last one being completed (possibly empty).  Global options and their
	 * values are set aside, as main() does. */
	if (argc < 2)
		return 0;
	for (i = 1; i < argc - 1 && n < 255; i++) {
		o = find_opt(drip_global_opts, argv[i]);
		if (o) {
			/* -C DIR: ids come from that workspace. */
			if (o->shortc == 'C' && i + 1 < argc - 1 && chdir(argv[i + 1]) != 0)
				return 0;
			if (o->arg && strchr(argv[i], '=') == NULL)
				i++;
			continue;
		}
		words[n++] = argv[i];
	}
	cur = argv[argc - 1];
	/* The value of an option just typed. */
	if (argc >= 3) {
		const char *prev = argv[argc - 2];

		if (n > 0 && (cmd = cmd_find(words[0])) != NULL && cmd->subs && n > 1)
			sub = subcmd_find(cmd, words[1]);
		own = sub ? sub->opts : cmd ? cmd->opts : NULL;
		if ((o = find_opt(drip_global_opts, prev)) != NULL ||
		    (o = find_opt(own, prev)) != NULL) {
			if (o->arg) {
				const char *v = o->values;

				if (sub && n > 2)
					operands(words + 2, n - 2, own);
				if (strcmp(o->name, "format") == 0)
					v = format_values(c, sub ? sub->usage : cmd ? cmd->usage : NULL,
							  v);
				say_values(c, v, cur);
				return 0;
			}
		}
	}
	if (n == 0) {
		if (cur[0] == '-') {
			say_opts(drip_global_opts, cur);
			return 0;
		}
		for (cmd = drip_cmds; cmd->name; cmd++)
			say(cmd->name, cur);
		return 0;
	}
	if ((cmd = cmd_find(words[0])) == NULL)
		return 0;
	if (cmd->subs && n == 1 && cur[0] != '-') {
		const struct subcmd *s;

		for (s = cmd->subs; s->name; s++)
			say(s->name, cur);
		return 0;
	}
	sub = cmd->subs && n > 1 ? subcmd_find(cmd, words[1]) : NULL;
	/* A command with a default subcommand (report) takes its options
	 * without one. */
	if (cmd->subs && cmd->fn && n == 1 && cur[0] == '-')
		sub = cmd->subs;
	if (cmd->subs && sub == NULL)
		return 0;
	if (cur[0] == '-') {
		say_opts(sub ? sub->opts : cmd->opts, cur);
		say_opts(drip_global_opts, cur);
		return 0;
	}
	say_operand(c, sub ? sub->args : cmd->args, words + (sub ? 2 : 1), n - (sub ? 2 : 1),
		    sub ? sub->opts : cmd->opts, cur);
	return 0;
}
