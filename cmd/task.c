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
#include <unistd.h>

#include "actlog.h"
#include "cmd.h"
#include "csvio.h"
#include "engine.h"
#include "fsio.h"
#include "sbuf.h"
#include "state.h"
#include "tasks.h"
#include "txn.h"

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

int
cmd_task_done(int argc, char **argv, struct cmd_ctx *c)
{
	struct sbuf rows = SBUF_INIT, subject = SBUF_INIT, body = SBUF_INIT;
	struct txn_change ch[2];
	struct task_hit *hits;
	const char *now = now_utc(c);
	char logpath[64], *tmp = NULL, *logtmp = NULL;
	size_t changed = 0, n, i;
	int k, rc = -1;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k < 1)
		return usage_error(c, "missing task id");
	n = (size_t)(argc - k);
	hits = arena_alloc(&c->a, n * sizeof *hits);
	for (i = 0; i < n; i++)
		hits[i].id = argv[k + (int)i];
	if (tasks_mark_done(&c->a, c->root, hits, n, now, &tmp, &c->err) < 0)
		return -1;
	/* All or nothing: every id must name a task before one changes. */
	for (i = 0; i < n; i++)
		if (!hits[i].found) {
			err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0, "unknown task '%s'", hits[i].id);
			goto out;
		}
	actlog_path(c->now, logpath, sizeof logpath);
	for (i = 0; i < n; i++) {
		struct log_row lr = { c->now, "", "", "", "", "task", "ok", "", "done" };

		if (hits[i].was_done) {
			/* Scripts may repeat themselves: not an error. */
			fprintf(stderr, "drip: task '%s' is already done (at %s)\n", hits[i].id,
				*hits[i].done_at ? hits[i].done_at : "an unknown time");
			continue;
		}
		if (!hits[i].done_now)
			continue;	/* named twice */
		lr.contact = hits[i].contact;
		lr.sequence = hits[i].sequence;
		lr.step = hits[i].step;
		lr.ref = hits[i].id;
		actlog_format(&rows, &lr);
		sbuf_printf(&body, "%s (contact %s)\n", lr.ref, lr.contact);
		changed++;
	}
	if (changed == 0) {
		if (!c->quiet)
			printf("nothing changed\n");
		rc = 0;
		goto out;
	}
	if (log_change(c, logpath, &rows, &ch[1], &logtmp) < 0)
		goto out;
	ch[0].path = TASKS_FILE;
	ch[0].data = tmp;
	ch[0].len = 0;
	ch[0].mode = TXN_FROM_FILE;
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
		for (i = 0; i < n; i++)
			if (hits[i].done_now)
				printf("done: task %s (contact %s)\n", hits[i].id, hits[i].contact);
	rc = 0;
out:
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (logtmp) {
		unlink(logtmp);
		free(logtmp);
	}
	sbuf_release(&rows);
	sbuf_release(&subject);
	sbuf_release(&body);
	return rc;
}
