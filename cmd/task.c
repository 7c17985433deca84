/*
 * task.c - `drip task list` and `drip task done ID...` (SPEC §4.4).
 *
 * tasks.csv holds id,created,due,kind,contact,sequence,step,assignee,
 * subject,status,done_at; tick appends open tasks when task, call and
 * manual_email steps fire.  `task done` marks tasks done at --now and logs
 * it; a blocking step whose task is done completes at the next tick, which
 * reads done_at (and logs `complete` then).
 *
 * Every named task is checked before anything changes; then tasks.csv
 * (rows in their order, columns drip does not know kept) and the log are
 * written and committed together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actlog.h"
#include "cmd.h"
#include "csvio.h"
#include "engine.h"
#include "fsio.h"
#include "sbuf.h"
#include "state.h"

#define TASKS_FILE "tasks.csv"
#define TASKS_HEADER "id,created,due,kind,contact,sequence,step,assignee,subject,status,done_at\n"

static const struct optspec none[] = { { NULL, 0, NULL, NULL, NULL } };
static const struct optspec list_opts[] = {
	{ "assignee", 'a', "WHO", "only the tasks assigned to WHO", NULL },
	{ "open", 0, NULL, "only the tasks still open", NULL },
	OPT_RAW,
	{ NULL, 0, NULL, NULL, NULL }
};

const struct subcmd task_subcmds[] = {
	{ "list", cmd_task_list, NEED_WS, "[--assignee WHO] [--open] [--format table|csv|json] [--raw]",
	  "list the tasks of tasks.csv", list_opts, NULL },
	{ "done", cmd_task_done, NEED_WS | NEED_LOCK | NEED_STORE, "ID...",
	  "mark tasks done; a blocking step goes on at the next tick", none, "@task" },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL }
};

/* The columns drip gives meaning to, in their file order. */
enum { C_ID, C_CREATED, C_DUE, C_KIND, C_CONTACT, C_SEQUENCE, C_STEP, C_ASSIGNEE,
       C_SUBJECT, C_STATUS, C_DONE_AT, C_COUNT };

static const char *const task_cols[C_COUNT] = {
	"id", "created", "due", "kind", "contact", "sequence", "step", "assignee",
	"subject", "status", "done_at",
};

struct tasks {
	struct csvio_table t;
	size_t col[C_COUNT];		/* where each known column is in t */
};

/* Load tasks.csv (a workspace without one has no tasks) and find its
 * columns. */
static int
tasks_load(struct cmd_ctx *c, struct tasks *tk)
{
	char *path = ws_path(c, TASKS_FILE);
	size_t i;
	int rc;

	if (fsio_exists(path))
		rc = csvio_table_load(&c->a, path, &tk->t, &c->err);
	else
		rc = csvio_table_load_mem(&c->a, TASKS_FILE, TASKS_HEADER, strlen(TASKS_HEADER),
					  &tk->t, &c->err);
	free(path);
	if (rc < 0)
		return -1;
	for (i = 0; i < C_COUNT; i++) {
		long col = csvio_table_col(&tk->t, task_cols[i]);

		if (col < 0)
			return err_set(&c->err, DRIP_EDATA, TASKS_FILE, 1, 0,
				       "missing required column \"%s\"", task_cols[i]);
		tk->col[i] = (size_t)col;
	}
	return 0;
}

static const char *
field(const struct tasks *tk, size_t row, int col)
{
	return tk->t.rows[row][tk->col[col]];
}

struct list_opts {
	const char *assignee;
	int open;
};

static int
on_list_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct list_opts *o = ud;

	(void)c;
	if (strcmp(name, "assignee") == 0)
		o->assignee = arg;
	else if (strcmp(name, "open") == 0)
		o->open = 1;
	return 0;
}

/* A due time for people: in the workspace zone, or as written when it is
 * not a time drip wrote. */
static const char *
show_due(struct cmd_ctx *c, const char *v)
{
	int64_t t;

	if (*v == '\0' || state_parse_time(v, &t) < 0 || t == STATE_NONE)
		return v;
	return show_time(c, t);
}

int
cmd_task_list(int argc, char **argv, struct cmd_ctx *c)
{
	/* A table shows what an assignee scans for; csv and json give all. */
	static const int brief[] = { C_ID, C_DUE, C_KIND, C_CONTACT, C_ASSIGNEE, C_STATUS,
				     C_SUBJECT };
	struct list_opts o = { NULL, 0 };
	struct tasks tk;
	const char **cells;
	size_t ncols, n = 0, i, j;
	int k, f;

	if ((k = opts_parse(c, argc, argv, list_opts, on_list_opt, &o)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 0)
		return usage_error(c, "too many arguments");
	if ((f = out_format(c, 1)) < 0)
		return DRIP_EUSAGE;
	if (tasks_load(c, &tk) < 0)
		return -1;
	ncols = f == FMT_TABLE ? sizeof brief / sizeof *brief : tk.t.ncols;
	cells = arena_alloc(&c->a, (tk.t.nrows + 1) * ncols * sizeof *cells);
	for (j = 0; j < ncols; j++)
		cells[j] = f == FMT_TABLE ? task_cols[brief[j]] : tk.t.cols[j];
	for (i = 0; i < tk.t.nrows; i++) {
		if (o.open && strcmp(field(&tk, i, C_STATUS), "open") != 0)
			continue;
		if (o.assignee && strcmp(field(&tk, i, C_ASSIGNEE), o.assignee) != 0)
			continue;
		n++;
		for (j = 0; j < ncols; j++) {
			const char **cell = &cells[n * ncols + j];

			if (f != FMT_TABLE)
				*cell = tk.t.rows[i][j];
			else if (brief[j] == C_DUE)
				*cell = show_due(c, field(&tk, i, C_DUE));
			else
				*cell = field(&tk, i, brief[j]);
		}
	}
	print_table(c, (enum out_format)f, cells, n + 1, ncols);
	return 0;
}

/* What task done did with a row of tasks.csv. */
enum { UNSEEN, SEEN, DONE_NOW };

int
cmd_task_done(int argc, char **argv, struct cmd_ctx *c)
{
	struct tasks tk;
	struct sbuf rows = SBUF_INIT, tasks = SBUF_INIT, log = SBUF_INIT, subject = SBUF_INIT,
		    body = SBUF_INIT;
	struct txn_change ch[2];
	unsigned char *touched;
	long *found;
	const char *now = now_utc(c);
	char logpath[64];
	size_t changed = 0;
	int k, a, rc = -1;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k < 1)
		return usage_error(c, "missing task id");
	if (tasks_load(c, &tk) < 0)
		return -1;
	/* All or nothing: every id must name a task before one changes. */
	found = arena_alloc(&c->a, (size_t)(argc - k) * sizeof *found);
	for (a = k; a < argc; a++) {
		found[a - k] = csvio_table_find(&tk.t, tk.col[C_ID], argv[a]);
		if (found[a - k] < 0)
			return err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0, "unknown task '%s'",
				       argv[a]);
	}
	touched = arena_alloc(&c->a, tk.t.nrows + 1);
	actlog_path(c->now, logpath, sizeof logpath);
	for (a = k; a < argc; a++) {
		size_t r = (size_t)found[a - k];
		struct log_row lr = { c->now, "", "", "", "", "task", "ok", "", "done" };

		if (touched[r])
			continue;	/* named twice */
		touched[r] = SEEN;
		if (strcmp(field(&tk, r, C_STATUS), "done") == 0) {
			/* Scripts may repeat themselves: not an error. */
			fprintf(stderr, "drip: task '%s' is already done (at %s)\n", argv[a],
				*field(&tk, r, C_DONE_AT) ? field(&tk, r, C_DONE_AT) : "an unknown time");
			continue;
		}
		csvio_table_set(&c->a, &tk.t, r, tk.col[C_STATUS], "done");
		csvio_table_set(&c->a, &tk.t, r, tk.col[C_DONE_AT], now);
		lr.contact = field(&tk, r, C_CONTACT);
		lr.sequence = field(&tk, r, C_SEQUENCE);
		lr.step = field(&tk, r, C_STEP);
		lr.ref = field(&tk, r, C_ID);
		actlog_format(&rows, &lr);
		sbuf_printf(&body, "%s (contact %s)\n", lr.ref, lr.contact);
		touched[r] = DONE_NOW;
		changed++;
	}
	if (changed == 0) {
		if (!c->quiet)
			printf("nothing changed\n");
		rc = 0;
		goto out;
	}
	csvio_table_format(&tk.t, &tasks);
	if (log_with(c, logpath, &rows, &log) < 0)
		goto out;
	ch[0].path = TASKS_FILE;
	ch[0].data = tasks.buf;
	ch[0].len = tasks.len;
	ch[0].mode = 0;
	ch[1].path = logpath;
	ch[1].data = log.buf;
	ch[1].len = log.len;
	ch[1].mode = 0;
	/* One task: its id and contact are the subject; several: a count,
	 * and each one on a line of the body. */
	if (changed == 1)
		sbuf_printf(&subject, "task done %.*s", (int)(body.len - 1), body.buf);
	else
		sbuf_printf(&subject, "task done: %zu tasks\n\n%.*s", changed,
			    (int)(body.len - 1), body.buf);
	if (ws_apply(c, ch, 2, sbuf_str(&subject)) < 0)
		goto out;
	if (!c->quiet)
		for (a = k; a < argc; a++)
			if (touched[found[a - k]] == DONE_NOW) {
				printf("done: task %s (contact %s)\n", argv[a],
				       field(&tk, (size_t)found[a - k], C_CONTACT));
				touched[found[a - k]] = SEEN;
			}
	rc = 0;
out:
	sbuf_release(&rows);
	sbuf_release(&tasks);
	sbuf_release(&log);
	sbuf_release(&subject);
	sbuf_release(&body);
	return rc;
}
