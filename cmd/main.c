/*
 * main.c - drip's entry point: global options, the command table, the setup
 * each command asks for (workspace, lock, store), and the exit code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "dtime.h"
#include "fsio.h"
#include "store.h"
#include "tz.h"
#include "ws.h"

#ifndef DRIP_VERSION
#define DRIP_VERSION "0.1.0"
#endif

extern const struct subcmd seq_subcmds[];
extern const struct subcmd contact_subcmds[];
extern const struct subcmd automate_subcmds[];
extern const struct subcmd step_subcmds[];
extern const struct optspec init_opts[];
extern const struct optspec enroll_opts[];
extern const struct optspec tick_opts[];
extern const struct optspec event_opts[];
extern const struct optspec respond_opts[];
extern const struct optspec gc_opts[];
extern const struct subcmd task_subcmds[];
extern const struct subcmd report_subcmds[];

const struct optspec drip_global_opts[] = {
	{ "directory", 'C', "DIR", "run as if drip was started in DIR", "@dir" },
	{ "format", 0, "FORMAT", "output format: table, csv or json (lint: text, json, github; "
	  "report: html too; seq publish --plan: github)", "table csv json html text github" },
	{ "help", 'h', NULL, "show help for the command", NULL },
	{ "now", 0, "TIME", "the clock for this run (also DRIP_NOW): RFC 3339 or local "
	  "YYYY-MM-DD[ HH:MM]", NULL },
	{ "password-file", 0, "FILE", "the password of a protected sequence or automation: "
	  "the first line of FILE (else DRIP_PASSWORD, else a prompt)", "@file" },
	{ "quiet", 'q', NULL, "print less", NULL },
	{ "verbose", 'v', NULL, "print more", NULL },
	{ "version", 0, NULL, "print drip's version", NULL },
	{ "wait", 0, "SECONDS", "wait this long for the workspace lock (default 10)", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct optspec no_opts[] = { { NULL, 0, NULL, NULL, NULL } };

const struct cmd drip_cmds[] = {
	{ "init", cmd_init, 0, "[DIR]",
	  "create a workspace: settings, contacts, signing key, first commit",
	  init_opts, NULL, "@dir" },
	{ "seq", NULL, 0, "SUBCOMMAND ...",
	  "write, lint, publish and inspect sequences", no_opts, seq_subcmds, NULL },
	{ "step", NULL, 0, "SUBCOMMAND ...",
	  "add, list, show, change, move, copy and remove the steps of a sequence", no_opts,
	  step_subcmds, NULL },
	{ "automate", NULL, 0, "SUBCOMMAND ...",
	  "add, list, show, remove, lint and review automations", no_opts,
	  automate_subcmds, NULL },
	{ "contact", NULL, 0, "SUBCOMMAND ...",
	  "import, add, change and list contacts", no_opts, contact_subcmds, NULL },
	{ "enroll", cmd_enroll, NEED_WS | NEED_LOCK | NEED_STORE,
	  "SEQ CONTACT... | --where EXPR | --file FILE [--at TIME] [--remove|--pause|--resume]",
	  "start, end, pause or resume contacts' enrollment in a sequence", enroll_opts, NULL,
	  "@seq @contact" },
	{ "tick", cmd_tick, NEED_WS,
	  "[--dry-run] [--catch-up] [--no-deliver] [--shard K/N | auto [--shards N]] [--push REMOTE]",
	  "advance every contact whose time has come, commit, deliver", tick_opts, NULL, NULL,
	  "  --now      the wall clock; slots are drip.yaml's tick (20m unless set)\n"
	  "  --wait     0: a tick never waits for the lock; held, it exits 75 at once\n"
	  "  backlog    longer than drip.yaml's max_lag (24h unless set): exit 75\n"
	  "             unless --catch-up\n"
	  "  output     nothing under cron unless -v; on a terminal a summary, and\n"
	  "             a progress bar per phase on stderr for long runs\n" },
	{ "event", cmd_event, NEED_WS,
	  "CONTACT NAME [--sequence SEQ] [--at TIME] [--data KEY=VALUE]...",
	  "record an event (reply, bounce, ...) in inbox/ for the next tick", event_opts, NULL,
	  "@contact @event @new" },
	{ "respond", cmd_respond, NEED_WS, "TOKEN",
	  "answer a signed link (yes, no, unsubscribe); a CGI program under a web server",
	  respond_opts, NULL, NULL },
	{ "task", NULL, 0, "SUBCOMMAND ...",
	  "list manual tasks and mark them done", no_opts, task_subcmds, NULL },
	{ "gc", cmd_gc, NEED_WS | NEED_LOCK, "[-q | -v]",
	  "pack the repository: loose objects into one pack, sizes before and after", gc_opts,
	  NULL, NULL },
	{ "report", cmd_report, NEED_WS, "[SUBCOMMAND] [ID] [--format table|csv|json|html]",
	  "how sequences perform, where a contact stands, tasks, what comes next, usage", no_opts,
	  report_subcmds, NULL },
	{ "help", cmd_help, 0, "[COMMAND [SUBCOMMAND]]",
	  "show help for a command", no_opts, NULL, "@cmd @sub @new" },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL }
};

const struct cmd *
cmd_find(const char *name)
{
	const struct cmd *c;

	for (c = drip_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const struct subcmd *
subcmd_find(const struct cmd *cmd, const char *name)
{
	const struct subcmd *s;

	if (cmd->subs == NULL)
		return NULL;
	for (s = cmd->subs; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}


/* Take a global option's value: "--now=X" or "--now X". */
static int
global_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (a[0] == '-' && a[1] != '-' && a[1] == name[0] && name[1] == '\0') {
		/* -C DIR or -CDIR */
		if (a[2] != '\0') {
			*out = a + 2;
			return 1;
		}
	} else if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, name, n) == 0 &&
		   a[2 + n] == '=') {
		*out = a + 3 + n;
		return 1;
	} else if (!(strncmp(a, "--", 2) == 0 && strcmp(a + 2, name) == 0)) {
		return 0;
	}
	if (*i + 1 >= argc) {
		fprintf(stderr, "drip: option '%s' needs a value\n", a);
		exit(DRIP_EUSAGE);
	}
	*out = argv[++*i];
	return 1;
}

static int
is_flag(const char *a, int shortc, const char *name)
{
	return (a[0] == '-' && a[1] == shortc && a[2] == '\0') ||
	       (strncmp(a, "--", 2) == 0 && strcmp(a + 2, name) == 0);
}

/* Is a (an option word) one of the subcommand's own, by the words rest[0]
 * and rest[1] seen so far?  `drip step add --wait 2d` means the step's
 * wait, not the lock's. */
static int
own_option(char **rest, int n, const char *a)
{
	const struct cmd *cmd = n > 0 ? cmd_find(rest[0]) : NULL;
	const struct subcmd *sub = cmd && n > 1 ? subcmd_find(cmd, rest[1]) : NULL;
	const struct optspec *o;
	size_t len;

	if (sub == NULL || strncmp(a, "--", 2) != 0)
		return 0;
	a += 2;
	len = strcspn(a, "=");
	for (o = sub->opts; o && o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, a, len) == 0)
			return 1;
	return 0;
}

/* Pull the global options out of argv, wherever they stand before "--",
 * leaving the command and its own arguments in order. */
static int
parse_globals(struct cmd_ctx *c, int argc, char **argv, char **rest, int *help,
	      int *version)
{
	int i, n = 0, dashdash = 0;
	const char *v;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || a[1] == '\0' || own_option(rest, n, a)) {
			rest[n++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = 1;
			rest[n++] = argv[i];
		} else if (global_value(argc, argv, &i, "C", &c->dir) ||
			   global_value(argc, argv, &i, "directory", &c->dir)) {
			continue;
		} else if (global_value(argc, argv, &i, "now", &c->now_str)) {
			continue;
		} else if (global_value(argc, argv, &i, "format", &c->format)) {
			continue;
		} else if (global_value(argc, argv, &i, "password-file", &c->password_file)) {
			continue;
		} else if (global_value(argc, argv, &i, "wait", &v)) {
			char *end;
			long w;

			errno = 0;
			w = strtol(v, &end, 10);
			if (errno || *end || end == v || w < 0 || w > 86400) {
				fprintf(stderr, "drip: --wait takes a number of seconds from 0 "
					"to 86400, not '%s'\n", v);
				exit(DRIP_EUSAGE);
			}
			c->wait = (int)w;
		} else if (is_flag(a, 'q', "quiet")) {
			c->quiet = 1;
		} else if (is_flag(a, 'v', "verbose")) {
			c->verbose = 1;
		} else if (is_flag(a, 'h', "help")) {
			*help = 1;
		} else if (strcmp(a, "--version") == 0) {
			*version = 1;
		} else {
			rest[n++] = argv[i];
		}
	}
	rest[n] = NULL;
	return n;
}

/* Is this a web server's CGI request for `drip respond`? */
static int
cgi_request(int n, char **rest)
{
	const char *gw = getenv("GATEWAY_INTERFACE");

	return gw && *gw && (n == 0 || strcmp(rest[0], "respond") == 0);
}

static int
resolve_now(struct cmd_ctx *c)
{
	struct tz *utc = NULL;
	char why[256];
	int rc = 0;

	if (c->now_str == NULL) {
		const char *env = getenv("DRIP_NOW");

		if (env && *env)
			c->now_str = env;
	}
	if (c->now_str == NULL) {
		c->now = (int64_t)time(NULL);
		return 0;
	}
	if (!c->have_cfg && tz_load("UTC", &utc, &c->err) < 0)
		return -1;
	if (dtime_parse(c->now_str, c->have_cfg ? c->cfg.tz : utc, &c->now, why,
			sizeof why) < 0)
		rc = err_set(&c->err, DRIP_EUSAGE, NULL, 0, 0, "invalid --now '%s': %s",
			     c->now_str, why);
	else
		c->has_now = 1;
	if (utc)
		tz_free(utc);
	return rc;
}

static int
setup(struct cmd_ctx *c, unsigned flags)
{
	char *path;

	if (flags & NEED_WS) {
		if (ws_find(".", &c->root, &c->err) < 0)
			return -1;
		path = fsio_join(c->root, "drip.yaml");
		if (config_load(&c->a, path, &c->cfg, &c->err) < 0) {
			free(path);
			return -1;
		}
		free(path);
		c->have_cfg = 1;
	}
	if (resolve_now(c) < 0)
		return -1;
	if ((flags & NEED_LOCK) &&
	    ws_lock(c->root, c->wait >= 0 ? c->wait : 10, &c->lockfd, &c->err) < 0)
		return -1;
	if ((flags & NEED_STORE) && store_open(c->root, &c->store, &c->err) < 0)
		return -1;
	if ((flags & NEED_LOCK) && (flags & NEED_STORE) && cmd_prepare(c) < 0)
		return -1;
	return 0;
}

static void
teardown(struct cmd_ctx *c)
{
	protect_forget(c);
	if (c->store)
		store_close(c->store);
	if (c->lockfd >= 0)
		ws_unlock(c->lockfd);
	if (c->have_cfg)
		config_release(&c->cfg);
	free(c->root);
	arena_release(&c->a);
}

static int
finish(struct cmd_ctx *c, int rc)
{
	char buf[2048];

	if (rc < 0) {
		size_t n = c->root ? strlen(c->root) : 0;

		/* Files are named as the user knows them: relative to the
		 * workspace. */
		if (n && strncmp(c->err.file, c->root, n) == 0 && c->err.file[n] == '/')
			memmove(c->err.file, c->err.file + n + 1, strlen(c->err.file + n + 1) + 1);
		fprintf(stderr, "drip: %s\n", err_str(&c->err, buf, sizeof buf));
		rc = c->err.code ? c->err.code : DRIP_EFAIL;
	}
	teardown(c);
	/* A full disk or a closed pipe must not pass for success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "drip: write error: %s\n", strerror(errno));
		if (rc == 0)
			rc = DRIP_EFAIL;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct cmd_ctx c = { .wait = -1, .lockfd = -1 };
	const struct cmd *cmd;
	const struct subcmd *sub = NULL;
	char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
	int n, help = 0, version = 0, rc, cgi = 0;
	unsigned flags;
	cmd_fn fn;

	/* libsodium picks its fastest implementations here; hashing (shards,
	 * variants, Message-IDs) works before it, but signing needs it. */
	if (sodium_init() < 0) {
		fputs("drip: cannot initialise libsodium\n", stderr);
		return DRIP_EFAIL;
	}
	/* Completion sees the words as typed, global options included: it
	 * completes their values too. */
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0) {
		rc = cmd_complete(argc - 1, argv + 1, &c);
		free(rest);
		return finish(&c, rc);
	}
	n = parse_globals(&c, argc, argv, rest, &help, &version);
	if (cgi_request(n, rest)) {
		/* A web server runs drip as its CGI program (SPEC §8): directly
		 * (a link to drip, no arguments) or as `drip respond` from a
		 * wrapper.  The workspace is -C, else DRIP_DIR, else the
		 * directory the server started it in. */
		const char *dir = getenv("DRIP_DIR");

		rest[0] = (char *)"respond";
		n = 1;
		cgi = 1;
		rest[1] = NULL;
		if (c.dir == NULL && dir && *dir)
			c.dir = dir;
	}
	if (version) {
		printf("drip %s\n", DRIP_VERSION);
		free(rest);
		return finish(&c, 0);
	}
	if (n == 0) {
		help_overview(help ? stdout : stderr);
		free(rest);
		return finish(&c, help ? 0 : DRIP_EUSAGE);
	}
	cmd = cmd_find(rest[0]);
	if (cmd == NULL) {
		const char *names[32];
		size_t k = 0;
		char msg[256];

		for (cmd = drip_cmds; cmd->name && k < 32; cmd++)
			names[k++] = cmd->name;
		snprintf(msg, sizeof msg, "unknown command '%s'", rest[0]);
		suggest_append(msg, sizeof msg, rest[0], names, k);
		fprintf(stderr, "drip: %s; 'drip help' lists the commands\n", msg);
		free(rest);
		return finish(&c, DRIP_EUSAGE);
	}
	/* A command with a default (report) runs it when no subcommand is
	 * named, only options. */
	if (cmd->subs && cmd->fn && (n < 2 || rest[1][0] == '-') && !help) {
		c.cur_cmd = cmd;
		c.cmd_name = cmd->name;
		if (c.dir && chdir(c.dir) != 0) {
			err_sys(&c.err, DRIP_ENOINPUT, NULL, "cannot change to '%s'", c.dir);
			free(rest);
			return finish(&c, -1);
		}
		rc = setup(&c, cmd->flags);
		if (rc == 0)
			rc = cmd->fn(n, rest, &c);
		free(rest);
		return finish(&c, rc);
	}
	if (cmd->subs) {
		if (n < 2) {
			help_print(cmd, NULL);
			free(rest);
			return finish(&c, help ? 0 : DRIP_EUSAGE);
		}
		sub = subcmd_find(cmd, rest[1]);
		if (sub == NULL) {
			const char *names[32];
			const struct subcmd *s;
			size_t k = 0;
			char msg[256];

			for (s = cmd->subs; s->name && k < 32; s++)
				names[k++] = s->name;
			snprintf(msg, sizeof msg, "unknown subcommand 'drip %s %s'", cmd->name,
				 rest[1]);
			suggest_append(msg, sizeof msg, rest[1], names, k);
			fprintf(stderr, "drip: %s; 'drip help %s' lists them\n", msg, cmd->name);
			free(rest);
			return finish(&c, DRIP_EUSAGE);
		}
	}
	if (help) {
		help_print(cmd, sub);
		free(rest);
		return finish(&c, 0);
	}
	c.cur_cmd = cmd;
	c.cur_sub = sub;
	c.cmd_name = sub ? arena_printf(&c.a, "%s %s", cmd->name, sub->name) : cmd->name;
	if (c.dir && chdir(c.dir) != 0) {
		err_sys(&c.err, DRIP_ENOINPUT, NULL, "cannot change to '%s'", c.dir);
		if (cgi)
			respond_cgi_unavailable();
		free(rest);
		return finish(&c, -1);
	}
	flags = sub ? sub->flags : cmd->flags;
	fn = sub ? sub->fn : cmd->fn;
	rc = setup(&c, flags);
	if (rc == 0)
		rc = sub ? fn(n - 1, rest + 1, &c) : fn(n, rest, &c);
	else if (cgi)
		respond_cgi_unavailable();
	free(rest);
	return finish(&c, rc);
}
