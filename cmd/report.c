/*
 * report.c - `drip report [overview|seq ID|contact ID|tasks|usage]`
 * (SPEC §10): core/report.c computes the tables, this file picks the
 * format (table, csv, json, html) and prints.
 *
 * `report upcoming` runs the tick pass read-only (core/run.h) up to
 * --until, by default UPCOMING_DAYS days after now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dtime.h"
#include "report.h"
#include "rtab.h"
#include "sbuf.h"

static const struct optspec raw_opts[] = {
	OPT_RAW,
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec contact_opts[] = {
	{ "history", 0, NULL, "also every commit that changed a field of the contact", NULL },
	OPT_RAW,
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec usage_opts[] = {
	{ "by", 0, "PERIOD", "day, week or month (default: the quota's period, else day)",
	  "day week month" },
	OPT_RAW,
	{ NULL, 0, NULL, NULL, NULL }
};

static const struct optspec upcoming_opts[] = {
	OPT_RAW,
	{ "until", 0, "TIME", "up to this time (default: 7 days after now)", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

/* The default horizon of `report upcoming`. */
#define UPCOMING_DAYS 7

#define FORMATS "[--format table|csv|json|html] [--raw]"

const struct subcmd report_subcmds[] = {
	{ "overview", cmd_report_overview, NEED_WS, FORMATS,
	  "every sequence: status, enrollments, steps fired (the default)", raw_opts, NULL },
	{ "seq", cmd_report_seq, NEED_WS, "ID " FORMATS,
	  "one sequence: funnel per step, variants, engagement, automations", raw_opts, "@seq" },
	{ "contact", cmd_report_contact, NEED_WS, "ID [--history] " FORMATS,
	  "one contact: enrollments, timeline, and changes with --history", contact_opts,
	  "@contact" },
	{ "tasks", cmd_report_tasks, NEED_WS, FORMATS,
	  "tasks by assignee: open, overdue, done; the overdue ones", raw_opts, NULL },
	{ "upcoming", cmd_report_upcoming, NEED_WS, "[--until TIME] " FORMATS,
	  "what the engine will do up to --until (default 7 days), changing nothing",
	  upcoming_opts, NULL },
	{ "usage", cmd_report_usage, NEED_WS, "[--by day|week|month] " FORMATS,
	  "actions used per day, week or month, against drip.yaml's quota", usage_opts, NULL },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL }
};

/* table, csv, json or html; anything else is a usage error (-1). */
static int
report_format(struct cmd_ctx *c)
{
	if (c->format && strcmp(c->format, "html") == 0)
		return FMT_HTML;
	if (c->format && strcmp(c->format, "table") != 0 && strcmp(c->format, "csv") != 0 &&
	    strcmp(c->format, "json") != 0) {
		usage_error(c, "--format must be table, csv, json or html, not '%s'", c->format);
		return -1;
	}
	return out_format(c, 1);
}

static void
opts_of(struct cmd_ctx *c, struct report_opts *o)
{
	o->root = c->root;
	o->cfg = &c->cfg;
	o->now = c->now;
}

int
cmd_report_overview(int argc, char **argv, struct cmd_ctx *c)
{
	struct report_opts o;
	struct rtab_doc d;
	int k, f;

	if ((k = opts_parse(c, argc, argv, raw_opts, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 0)
		return usage_error(c, "too many arguments");
	if ((f = report_format(c)) < 0)
		return DRIP_EUSAGE;
	opts_of(c, &o);
	if (report_overview(&c->a, &o, &d, &c->err) < 0)
		return -1;
	print_doc(c, f, &d);
	return 0;
}

/* `drip report` alone, or with only options: the overview. */
int
cmd_report(int argc, char **argv, struct cmd_ctx *c)
{
	c->cur_sub = &report_subcmds[0];
	return cmd_report_overview(argc, argv, c);
}

int
cmd_report_seq(int argc, char **argv, struct cmd_ctx *c)
{
	struct report_opts o;
	struct rtab_doc d;
	int k, f;

	if ((k = opts_parse(c, argc, argv, raw_opts, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 1)
		return usage_error(c, argc - k ? "one sequence at a time" : "missing sequence id");
	if ((f = report_format(c)) < 0)
		return DRIP_EUSAGE;
	opts_of(c, &o);
	if (report_seq(&c->a, &o, argv[k], &d, &c->err) < 0)
		return -1;
	print_doc(c, f, &d);
	return 0;
}

static int
on_contact_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	(void)c;
	(void)arg;
	if (strcmp(name, "history") == 0)
		*(int *)ud = 1;
	return 0;
}

int
cmd_report_contact(int argc, char **argv, struct cmd_ctx *c)
{
	struct report_opts o;
	struct rtab_doc d;
	int k, f, history = 0;

	if ((k = opts_parse(c, argc, argv, contact_opts, on_contact_opt, &history)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 1)
		return usage_error(c, argc - k ? "one contact at a time" : "missing contact id");
	if ((f = report_format(c)) < 0)
		return DRIP_EUSAGE;
	opts_of(c, &o);
	if (report_contact(&c->a, &o, argv[k], history, &d, &c->err) < 0)
		return -1;
	print_doc(c, f, &d);
	return 0;
}

int
cmd_report_tasks(int argc, char **argv, struct cmd_ctx *c)
{
	struct report_opts o;
	struct rtab_doc d;
	int k, f;

	if ((k = opts_parse(c, argc, argv, raw_opts, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 0)
		return usage_error(c, "too many arguments");
	if ((f = report_format(c)) < 0)
		return DRIP_EUSAGE;
	opts_of(c, &o);
	if (report_tasks(&c->a, &o, &d, &c->err) < 0)
		return -1;
	print_doc(c, f, &d);
	return 0;
}

static int
on_usage_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	int *by = ud, i;

	if (strcmp(name, "by") != 0)
		return 0;
	for (i = 0; i < 3; i++)
		if (strcmp(arg, report_period_names[i]) == 0) {
			*by = i;
			return 0;
		}
	usage_error(c, "--by must be day, week or month, not '%s'", arg);
	return -1;
}

int
cmd_report_usage(int argc, char **argv, struct cmd_ctx *c)
{
	struct report_opts o;
	struct rtab_doc d;
	int k, f, by = -1;

	if ((k = opts_parse(c, argc, argv, usage_opts, on_usage_opt, &by)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 0)
		return usage_error(c, "too many arguments");
	if ((f = report_format(c)) < 0)
		return DRIP_EUSAGE;
	if (by < 0)
		by = c->cfg.quota_actions > 0 ? c->cfg.quota_per : REPORT_DAY;
	opts_of(c, &o);
	if (report_usage(&c->a, &o, (enum report_period)by, &d, &c->err) < 0)
		return -1;
	print_doc(c, f, &d);
	return 0;
}

static int
on_upcoming_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	(void)c;
	if (strcmp(name, "until") == 0)
		*(const char **)ud = arg;
	return 0;
}

int
cmd_report_upcoming(int argc, char **argv, struct cmd_ctx *c)
{
	struct report_opts o;
	struct rtab_doc d;
	const char *until_s = NULL;
	int64_t until;
	char why[256];
	int k, f;

	if ((k = opts_parse(c, argc, argv, upcoming_opts, on_upcoming_opt, &until_s)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 0)
		return usage_error(c, "too many arguments");
	if ((f = report_format(c)) < 0)
		return DRIP_EUSAGE;
	if (until_s == NULL) {
		until = c->now + (int64_t)UPCOMING_DAYS * 86400;
	} else if (dtime_parse(until_s, c->cfg.tz, &until, why, sizeof why) < 0) {
		return usage_error(c, "invalid --until '%s': %s", until_s, why);
	} else if (until < c->now) {
		return usage_error(c, "--until %s is before now (%s)", until_s, show_time(c, c->now));
	}
	opts_of(c, &o);
	if (report_upcoming(&c->a, &o, until, &d, &c->err) < 0)
		return -1;
	print_doc(c, f, &d);
	return 0;
}
