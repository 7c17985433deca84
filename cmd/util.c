/*
 * util.c - helpers every subcommand uses: option parsing from the option
 * tables, output formats, and applying a change to the workspace (atomic
 * writes, then one commit, or nothing: core/txn.c).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "actlog.h"
#include "cmd.h"
#include "csvio.h"
#include "dtime.h"
#include "dur.h"
#include "engine.h"
#include "fsio.h"
#include "expr.h"
#include "json.h"
#include "lint.h"
#include "rtab.h"
#include "sbuf.h"
#include "store.h"
#include "txn.h"
#include "width.h"
#include "ws.h"

int
usage_error(struct cmd_ctx *c, const char *fmt, ...)
{
	va_list ap;

	fputs("drip: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c->cur_sub)
		fprintf(stderr, "usage: drip %s %s %s\n", c->cur_cmd->name, c->cur_sub->name,
			c->cur_sub->usage);
	else if (c->cur_cmd)
		fprintf(stderr, "usage: drip %s %s\n", c->cur_cmd->name, c->cur_cmd->usage);
	return DRIP_EUSAGE;
}

int
opts_parse(struct cmd_ctx *c, int argc, char **argv, const struct optspec *opts,
	   int (*fn)(struct cmd_ctx *c, void *ud, const char *name, const char *arg),
	   void *ud)
{
	struct option lo[64];
	char so[130] = ":";
	size_t n = 0, k = 1;
	int ch, idx;

	for (; opts && opts[n].name && n < 63; n++) {
		lo[n].name = opts[n].name;
		lo[n].has_arg = opts[n].arg ? required_argument : no_argument;
		lo[n].flag = NULL;
		lo[n].val = 256 + (int)n;
		if (opts[n].shortc && k + 2 < sizeof so) {
			so[k++] = (char)opts[n].shortc;
			if (opts[n].arg)
				so[k++] = ':';
		}
	}
	memset(&lo[n], 0, sizeof lo[n]);
	so[k] = '\0';
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, so, lo, &idx)) != -1) {
		size_t i;

		if (ch == '?') {
			if (optopt)
				usage_error(c, "unknown option '-%c'", optopt);
			else
				usage_error(c, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
		if (ch == ':') {
			usage_error(c, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		}
		if (ch >= 256) {
			i = (size_t)(ch - 256);
		} else {
			for (i = 0; i < n; i++)
				if (opts[i].shortc == ch)
					break;
		}
		if (i >= n)
			return -1;
		if (strcmp(opts[i].name, "raw") == 0) {
			c->raw = 1;
			continue;
		}
		if (fn && fn(c, ud, opts[i].name, optarg) != 0)
			return -1;
	}
	return optind;
}

int
out_format(struct cmd_ctx *c, int allow_csv)
{
	if (c->format == NULL || strcmp(c->format, "table") == 0)
		return FMT_TABLE;
	if (strcmp(c->format, "json") == 0)
		return FMT_JSON;
	if (allow_csv && strcmp(c->format, "csv") == 0)
		return FMT_CSV;
	usage_error(c, "--format must be table%s or json, not '%s'",
		    allow_csv ? ", csv" : "", c->format);
	return -1;
}

char *
ws_path(struct cmd_ctx *c, const char *rel)
{
	return fsio_join(c->root, rel);
}

const char *
now_utc(struct cmd_ctx *c)
{
	char buf[32];

	dtime_format_utc(c->now, buf, sizeof buf);
	return arena_strdup(&c->a, buf);
}

const char *
show_time_buf(struct cmd_ctx *c, int64_t t, char *buf, size_t n)
{
	if (c->have_cfg && c->cfg.tz)
		dtime_format_local(c->cfg.tz, t, 1, buf, n);
	else
		dtime_format_utc(t, buf, n);
	return buf;
}

const char *
show_time(struct cmd_ctx *c, int64_t t)
{
	char buf[64];

	return arena_strdup(&c->a, show_time_buf(c, t, buf, sizeof buf));
}

/* The commit message of a command: its subject, then the trailers. */
static const char *
commit_message(struct cmd_ctx *c, const char *subject)
{
	return arena_printf(&c->a, "%s\n\nDrip-Command: drip %s\nDrip-Now: %s\n", subject,
			    c->cmd_name, now_utc(c));
}

int
ws_apply(struct cmd_ctx *c, const struct txn_change *ch, size_t n, const char *subject)
{
	/* A protected object changes only with its password, and is
	 * committed signed again in the same commit. */
	if (protect_guard(c, ch, n, &ch, &n) < 0)
		return -1;
	return txn_apply(c->store, c->root, ch, n, commit_message(c, subject),
			 c->has_now ? c->now : -1, NULL, &c->err);
}

/* SPEC §12: a stale git lock drip removed is logged and committed on its
 * own, so the audit trail shows it apart from the command's work. */
static int
log_unlocked(struct cmd_ctx *c, const struct txn_unlocked *u, size_t n)
{
	struct sbuf rows = SBUF_INIT;
	struct txn_change ch;
	char logpath[64], age[DUR_TEXT_MAX], lag[DUR_TEXT_MAX], *logtmp = NULL;
	struct dur d = { 0, 0, 0 };
	size_t i;
	int rc = -1;

	actlog_path(c->now, logpath, sizeof logpath);
	d.secs = c->cfg.max_lag;
	dur_format(&d, lag, sizeof lag);
	for (i = 0; i < n; i++) {
		struct log_row lr = { c->now, "", "", "", "", "unlock", "ok", u[i].path, NULL };

		/* Lock files carry wall-clock times: whole minutes are enough. */
		d.days = (int32_t)(u[i].age / 86400);
		d.secs = u[i].age % 86400 - u[i].age % 60;
		dur_format(&d, age, sizeof age);
		d.days = 0;
		lr.detail = arena_printf(&c->a, "stale git lock removed: %s old, more than "
					 "max_lag %s", age, lag);
		actlog_format(&rows, &lr);
	}
	if (log_change(c, logpath, &rows, &ch, &logtmp) < 0)
		goto out;
	rc = ws_apply(c, &ch, 1, n == 1 ?
		      arena_printf(&c->a, "remove the stale git lock %s", u[0].path) :
		      arena_printf(&c->a, "remove %zu stale git locks", n));
out:
	if (logtmp) {
		unlink(logtmp);
		free(logtmp);
	}
	sbuf_release(&rows);
	return rc;
}

int
cmd_prepare(struct cmd_ctx *c)
{
	struct txn_unlocked u[8];
	size_t n;
	int did;

	if (txn_ready(c->store, c->cfg.max_lag, -1, u, 8, &n, &c->err) < 0 ||
	    txn_recover(c->store, c->root, &did, &c->err) < 0)
		return -1;
	if (did && c->verbose)
		fprintf(stderr, "drip: finished or undid the change of a command that was "
			"interrupted\n");
	return n ? log_unlocked(c, u, n) : 0;
}

size_t
cell_width(const char *s)
{
	return width_clean(NULL, s, 0);
}

void
table_row(struct sbuf *out, const char *const *cells, const size_t *w, size_t ncols)
{
	size_t k;

	for (k = 0; k < ncols; k++) {
		/* A newline or ESC in a value is shown, not obeyed: it can
		 * neither break the row nor drive the terminal. */
		width_clean(out, cells[k], 0);
		if (k + 1 < ncols)
			sbuf_printf(out, "%*s", (int)(w[k] - cell_width(cells[k]) + 2), "");
	}
	sbuf_addc(out, '\n');
}

const char *
csv_cell(struct arena *a, int raw, const char *v)
{
	if (raw)
		return v;
	if (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' ||
	    v[0] == '\r')
		return arena_printf(a, "'%s", v);
	return v;
}

void
print_table(struct cmd_ctx *c, enum out_format f, const char *const *cells,
	    size_t nrows, size_t ncols)
{
	struct sbuf out = SBUF_INIT;
	size_t r, k, *w;

	if (f == FMT_JSON) {
		struct json j;

		json_init(&j, &out, 1);
		json_arr(&j);
		for (r = 1; r < nrows; r++) {
			json_obj(&j);
			for (k = 0; k < ncols; k++)
				json_kstr(&j, cells[k], cells[r * ncols + k]);
			json_end(&j);
		}
		json_end(&j);
		sbuf_addc(&out, '\n');
	} else if (f == FMT_CSV) {
		const char **row = arena_alloc(&c->a, ncols * sizeof *row);

		for (r = 0; r < nrows; r++) {
			for (k = 0; k < ncols; k++)
				row[k] = csv_cell(&c->a, c->raw, cells[r * ncols + k]);
			csvio_format_row(&out, row, ncols);
		}
	} else {
		w = arena_alloc(&c->a, ncols * sizeof *w);
		for (r = 0; r < nrows; r++)
			for (k = 0; k < ncols; k++)
				if (cell_width(cells[r * ncols + k]) > w[k])
					w[k] = cell_width(cells[r * ncols + k]);
		for (r = 0; r < nrows; r++)
			table_row(&out, cells + r * ncols, w, ncols);
	}
	fwrite(out.buf ? out.buf : "", 1, out.len, stdout);
	sbuf_release(&out);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **
seq_ids(struct cmd_ctx *c, size_t *n)
{
	return yaml_ids(c, "sequences", n);
}

const char **
yaml_ids(struct cmd_ctx *c, const char *sub, size_t *n)
{
	char *dir = ws_path(c, sub);
	DIR *d = opendir(dir);
	struct dirent *e;
	const char **v = NULL;
	size_t cap = 0;

	*n = 0;
	free(dir);
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char *id;

		if (len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		id = arena_strndup(&c->a, e->d_name, len - 5);
		if (!ws_valid_id(id))
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;

			v = arena_grow(&c->a, v, *n, nc, sizeof *v);
			cap = nc;
		}
		v[(*n)++] = id;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

void
lint_setup(struct cmd_ctx *c, struct lint_ctx *l, struct diags *d, const char *root)
{
	static const char *const empty[1] = { NULL };
	struct csvio_reader *r;
	struct drip_err e;
	char *path, *saved;

	memset(l, 0, sizeof *l);
	l->a = &c->a;
	l->d = d;
	l->root = root ? root : ".";
	if (root == NULL)
		return;
	/* The template checks need only the column names: read the header and
	 * stop, so lint costs the same at a million contacts as at ten. */
	path = fsio_join(root, "contacts.csv");
	if (fsio_exists(path) && csvio_open(path, &r, &e) == 0) {
		size_t i, n = csvio_ncols(r);
		const char **cols = arena_alloc(&c->a, (n + 1) * sizeof *cols);

		for (i = 0; i < n; i++)
			cols[i] = arena_strdup(&c->a, csvio_colname(r, i));
		cols[n] = NULL;
		l->fields = cols;
		l->nfields = n;
		csvio_close(r);
	}
	free(path);
	if (c->have_cfg && c->root && strcmp(c->root, root) == 0) {
		l->check_mail = 1;
		l->from = c->cfg.from;
		l->base_url = c->cfg.base_url;
	} else {
		struct config cfg;

		path = fsio_join(root, "drip.yaml");
		if (config_load(&c->a, path, &cfg, &e) == 0) {
			l->check_mail = 1;
			l->from = cfg.from;
			l->base_url = cfg.base_url;
			config_release(&cfg);
		}
		free(path);
	}
	saved = c->root;
	c->root = (char *)root;
	l->seqs = seq_ids(c, &l->nseqs);
	c->root = saved;
	if (l->seqs == NULL)
		l->seqs = empty;
}

int
log_change(struct cmd_ctx *c, const char *rel, const struct sbuf *add, struct txn_change *ch,
	   char **tmp)
{
	FILE *f;

	if (actlog_begin(c->root, rel, tmp, &f, &c->err) < 0)
		return -1;
	fwrite(add->buf ? add->buf : "", 1, add->len, f);
	if (fsio_finish(f, *tmp, &c->err) < 0) {
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	ch->path = rel;
	ch->data = *tmp;
	ch->len = 0;
	ch->mode = TXN_FROM_FILE;
	return 0;
}

/* ---- report documents ---- */

/* The terminal's width when stdout is one, else $COLUMNS if set, else no
 * limit (a pipe gets whole lines). */
static size_t
term_width(void)
{
	struct winsize ws;
	const char *env;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	env = getenv("COLUMNS");
	if (env && *env) {
		long v = strtol(env, NULL, 10);

		if (v >= 20 && v < 10000)
			return (size_t)v;
	}
	return 0;
}

void
print_doc(struct cmd_ctx *c, enum out_format f, const struct rtab_doc *d)
{
	struct sbuf out = SBUF_INIT;
	size_t i, r, k;

	if (f == FMT_CSV) {
		/* One CSV table per section, a blank line between: print_table
		 * neutralises formulas unless --raw. */
		for (i = 0; i < d->ntabs; i++) {
			const struct rtab *t = &d->tabs[i];
			const char **cells = arena_alloc(&c->a, (t->nrows + 1) * t->ncols *
							 sizeof *cells);

			for (k = 0; k < t->ncols; k++)
				cells[k] = t->cols[k];
			for (r = 0; r < t->nrows; r++)
				for (k = 0; k < t->ncols; k++)
					cells[(r + 1) * t->ncols + k] = t->cells[r * t->ncols + k];
			if (i)
				putchar('\n');
			fflush(stdout);
			print_table(c, FMT_CSV, cells, t->nrows + 1, t->ncols);
		}
		return;
	}
	if (f == FMT_JSON) {
		rtab_json(&out, d);
	} else if (f == FMT_HTML) {
		rtab_html(&out, d);
	} else if (f == FMT_GITHUB) {
		rtab_markdown(&out, d);
	} else {
		const char *nc = getenv("NO_COLOR");
		struct rtab_style st;

		st.width = term_width();
		st.colour = isatty(STDOUT_FILENO) && !(nc && *nc);
		st.titles = d->ntabs > 1;
		rtab_text(&out, d, &st);
	}
	fwrite(out.buf ? out.buf : "", 1, out.len, stdout);
	sbuf_release(&out);
}

void
list_flush(struct sbuf *out, struct arena *a, size_t *n, int force)
{
	if (force || out->len >= 65536) {
		fwrite(out->buf ? out->buf : "", 1, out->len, stdout);
		sbuf_reset(out);
	}
	if (++*n % 4096 == 0)
		arena_release(a);
}

void
list_end(struct sbuf *out, struct arena *a, size_t *n, struct json *j)
{
	if (j) {
		json_end(j);
		sbuf_addc(out, '\n');
	}
	list_flush(out, a, n, 1);
	sbuf_release(out);
	arena_release(a);
}
