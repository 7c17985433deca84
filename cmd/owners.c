/*
 * owners.c - `drip seq owners [--codeowners]`: who may change each
 * sequence (its owners: and drip.yaml's admins:, SPEC §10), as a table or
 * as a CODEOWNERS file for the git host (core/owners).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "owners.h"

const struct optspec seq_owners_opts[] = {
	{ "codeowners", 0, NULL, "print a CODEOWNERS file instead of a table", NULL },
	OPT_RAW,
	{ NULL, 0, NULL, NULL, NULL }
};

static int
on_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
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

	if ((k = opts_parse(c, argc, argv, seq_owners_opts, on_opt, &codeowners)) < 0)
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
