/*
 * seqlife.c - `drip seq pause|resume|stop [--soft]|archive ID` (SPEC §3.5):
 * a published sequence's status, changed by core/lifecycle and committed.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "lifecycle.h"
#include "owners.h"
#include "ws.h"

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
	struct change *ch;
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
	if (owners_check(&c->a, c->root, &c->cfg, id, &c->err) < 0)
		return -1;
	if (lifecycle_run(c->root, id, op, c->now, c->cfg.tick, &res, &c->err) < 0)
		return -1;
	ch = arena_alloc(&c->a, (res.nfiles + 1) * sizeof *ch);
	for (i = 0; i < res.nfiles; i++) {
		ch[i].path = res.files[i].rel;
		ch[i].data = res.files[i].tmp;
		ch[i].len = 0;
		ch[i].mode = CHANGE_TMP;
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
