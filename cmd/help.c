/*
 * help.c - `drip help [COMMAND [SUBCOMMAND]]` and `-h`, from the command
 * table, so help never disagrees with what the code accepts.  Works outside
 * a workspace.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static void
print_opts(FILE *f, const struct optspec *o)
{
	char left[64];

	for (; o && o->name; o++) {
		if (o->shortc)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->shortc, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
}

void
help_print(const struct cmd *cmd, const struct subcmd *sub)
{
	const struct subcmd *s;

	if (sub) {
		printf("usage: drip %s %s %s\n\n%s\n", cmd->name, sub->name, sub->usage,
		       sub->summary);
		if (sub->opts && sub->opts->name) {
			printf("\noptions:\n");
			print_opts(stdout, sub->opts);
		}
	} else {
		printf("usage: drip %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
		if (cmd->opts && cmd->opts->name) {
			printf("\noptions:\n");
			print_opts(stdout, cmd->opts);
		}
		if (cmd->subs) {
			printf("\nsubcommands:\n");
			for (s = cmd->subs; s->name; s++)
				printf("  %-9s %s\n", s->name, s->summary);
		}
	}
	if (!sub && cmd->defaults)
		printf("\ndefaults:\n%s", cmd->defaults);
	printf("\nglobal options:\n");
	print_opts(stdout, drip_global_opts);
	printf("\nSee drip-%s(1).\n", cmd->name);
}

/* `drip help`, `drip --help` and, on stderr, `drip` alone: one text. */
void
help_overview(FILE *f)
{
	const struct cmd *cmd;

	fprintf(f, "usage: drip [-C DIR] [--now TIME] [--format FORMAT] [-q] [-v] "
		"COMMAND [ARGS...]\n\ncommands:\n");
	for (cmd = drip_cmds; cmd->name; cmd++)
		fprintf(f, "  %-9s %s\n", cmd->name, cmd->summary);
	fprintf(f, "\nglobal options:\n");
	print_opts(f, drip_global_opts);
	fprintf(f, "\n'drip help COMMAND' or 'drip COMMAND -h' tells more; "
		"drip(1) and drip(7) have it all.\n");
}

int
cmd_help(int argc, char **argv, struct cmd_ctx *c)
{
	const struct cmd *cmd;
	const struct subcmd *sub = NULL;

	if (argc < 2) {
		help_overview(stdout);
		return 0;
	}
	if ((cmd = cmd_find(argv[1])) == NULL)
		return usage_error(c, "no command '%s'; 'drip help' lists them", argv[1]);
	if (argc > 2 && (sub = subcmd_find(cmd, argv[2])) == NULL)
		return usage_error(c, "no subcommand 'drip %s %s'", argv[1], argv[2]);
	help_print(cmd, sub);
	return 0;
}
