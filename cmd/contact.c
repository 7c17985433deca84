/*
 * contact.c - `drip contact import|add|set|tag|archive|show|list` (SPEC §4.1).
 *
 * Every change is validated whole before anything is written, then
 * contacts.csv is rewritten sorted by id (columns it does not know kept in
 * place) and committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "csvio.h"
#include "expr.h"
#include "json.h"
#include "import.h"
#include "roster.h"
#include "sbuf.h"
#include "tz.h"
#include "ws.h"

static const struct optspec none[] = { { NULL, 0, NULL, NULL, NULL } };
static const struct optspec set_opts[] = {
	{ "add-column", 0, NULL, "allow FIELD to be a new column of contacts.csv", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec tag_opts[] = {
	{ "remove", 'r', "TAG", "remove TAG (may be repeated)", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};
static const struct optspec list_opts[] = {
	OPT_RAW,
	{ "where", 'w', "EXPR", "only contacts for whom EXPR holds (see drip(7), expressions)",
	  NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

const struct subcmd contact_subcmds[] = {
	{ "import", cmd_contact_import, NEED_WS | NEED_LOCK | NEED_STORE, "FILE|-",
	  "merge a CSV (- reads stdin) by id: add new contacts, update given columns, "
	  "never delete",
	  none, "@file" },
	{ "add", cmd_contact_add, NEED_WS | NEED_LOCK | NEED_STORE,
	  "ID email=ADDRESS [FIELD=VALUE...] [--add-column]", "add one contact", set_opts,
	  "@new @field" },
	{ "set", cmd_contact_set, NEED_WS | NEED_LOCK | NEED_STORE,
	  "ID FIELD=VALUE... [--add-column]", "change fields of a contact", set_opts, "@contact @field" },
	{ "tag", cmd_contact_tag, NEED_WS | NEED_LOCK | NEED_STORE,
	  "ID [TAG...] [--remove TAG]...", "add or remove tags", tag_opts, "@contact @new" },
	{ "archive", cmd_contact_archive, NEED_WS | NEED_LOCK | NEED_STORE, "ID...",
	  "set contacts' status to archived", none, "@contact" },
	{ "show", cmd_contact_show, NEED_WS, "ID [--format table|json]",
	  "show one contact", none, "@contact" },
	{ "list", cmd_contact_list, NEED_WS, "[--where EXPR] [--format table|csv|json] [--raw]",
	  "list contacts", list_opts, NULL },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL }
};

static const char *
shown(struct cmd_ctx *c, const char *v)
{
	return import_shown(&c->a, v);
}

static const char *
check_value(struct cmd_ctx *c, const char *col, const char *v)
{
	return import_check_value(&c->a, col, v);
}

/* Write contacts.csv, sorted by id, with the rows of t (roster_load_ids,
 * then edited) in it, and commit it. */
static int
save(struct cmd_ctx *c, struct csvio_table *t, const char *subject)
{
	struct txn_change ch;
	char *tmp;
	int rc;

	if (roster_rewrite(c->root, t, &tmp, &c->err) < 0)
		return -1;
	ch.path = "contacts.csv";
	ch.data = tmp;
	ch.len = 0;
	ch.mode = TXN_FROM_FILE;
	rc = ws_apply(c, &ch, 1, subject);
	unlink(tmp);
	free(tmp);
	return rc;
}

/* The contacts named by ids[0..n): the header and their rows only. */
static int
load_some(struct cmd_ctx *c, char *const *ids, size_t n, struct csvio_table *t)
{
	return roster_load_ids(&c->a, c->root, (const char *const *)ids, n, t, &c->err);
}

static long
find_contact(struct cmd_ctx *c, const struct csvio_table *t, const char *id)
{
	long r;

	if (!ws_valid_contact_id(id)) {
		err_set(&c->err, DRIP_EUSAGE, NULL, 0, 0, "invalid contact id '%s'", id);
		return -1;
	}
	r = csvio_table_find(t, (size_t)csvio_table_col(t, "id"), id);
	if (r < 0)
		err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0, "unknown contact '%s'", id);
	return r;
}

/* Apply FIELD=VALUE operands to row r (validating all first). */
static int
apply_fields(struct cmd_ctx *c, struct csvio_table *t, long r, char **kv, int n,
	     int add_columns, int *changed)
{
	int i;

	for (i = 0; i < n; i++) {
		char *eq = strchr(kv[i], '=');
		const char *why;
		char msg[512];

		if (eq == NULL || eq == kv[i]) {
			usage_error(c, "expected FIELD=VALUE, not '%s'", kv[i]);
			return -1;
		}
		*eq = '\0';
		if (strcmp(kv[i], "id") == 0) {
			usage_error(c, "a contact's id cannot be changed");
			return -1;
		}
		if (csvio_table_col(t, kv[i]) < 0 && !add_columns) {
			snprintf(msg, sizeof msg, "unknown field '%s'", kv[i]);
			suggest_append(msg, sizeof msg, kv[i], (const char *const *)t->cols,
				       t->ncols);
			usage_error(c, "%s; --add-column adds it as a new column", msg);
			return -1;
		}
		if ((why = check_value(c, kv[i], eq + 1)) != NULL) {
			/* An address is data, not a misuse of the command: 65,
			 * as when an import brings it. */
			if (strcmp(kv[i], "email") == 0)
				err_set(&c->err, DRIP_EDATA, NULL, 0, 0, "%s=%s: %s", kv[i],
					shown(c, eq + 1), why);
			else
				usage_error(c, "%s=%s: %s", kv[i], eq + 1, why);
			return -1;
		}
		*eq = '=';
	}
	for (i = 0; i < n; i++) {
		char *eq = strchr(kv[i], '=');
		size_t col;

		*eq = '\0';
		col = csvio_table_add_col(&c->a, t, kv[i]);
		if (strcmp(t->rows[r][col], eq + 1) != 0) {
			csvio_table_set(&c->a, t, (size_t)r, col, eq + 1);
			*changed = 1;
		}
		*eq = '=';
	}
	return 0;
}

/* A new contact needs a way to reach it: an email address, or a phone
 * number for one reached by SMS only. */
static int
reachable(const struct csvio_table *t, size_t r)
{
	long e = csvio_table_col(t, "email"), p = csvio_table_col(t, "phone");

	return (e >= 0 && t->rows[r][e][0] != '\0') || (p >= 0 && t->rows[r][p][0] != '\0');
}

static int
on_set_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	(void)c;
	(void)arg;
	if (strcmp(name, "add-column") == 0)
		*(int *)ud = 1;
	return 0;
}

int
cmd_contact_add(int argc, char **argv, struct cmd_ctx *c)
{
	struct csvio_table t;
	const char *id, *why;
	long r;
	int k, changed = 0, add = 0;

	if ((k = opts_parse(c, argc, argv, set_opts, on_set_opt, &add)) < 0)
		return DRIP_EUSAGE;
	if (argc - k < 1)
		return usage_error(c, "missing contact id");
	id = argv[k];
	if ((why = check_value(c, "id", id)) != NULL)
		return usage_error(c, "invalid contact id '%s': %s", id, why);
	if (load_some(c, argv + k, 1, &t) < 0)
		return -1;
	if (csvio_table_find(&t, (size_t)csvio_table_col(&t, "id"), id) >= 0)
		return err_set(&c->err, DRIP_EFAIL, NULL, 0, 0,
			       "contact '%s' already exists; 'drip contact set' changes it", id);
	r = (long)csvio_table_add_row(&c->a, &t);
	csvio_table_set(&c->a, &t, (size_t)r, (size_t)csvio_table_col(&t, "id"), id);
	if (apply_fields(c, &t, r, argv + k + 1, argc - k - 1, add, &changed) < 0)
		return c->err.code ? -1 : DRIP_EUSAGE;
	if (!reachable(&t, (size_t)r))
		return usage_error(c, "a new contact needs email=ADDRESS "
				   "(or phone=NUMBER for one reached by SMS only)");
	if (save(c, &t, arena_printf(&c->a, "contact add %s", id)) < 0)
		return -1;
	if (!c->quiet)
		printf("added contact '%s'\n", id);
	return 0;
}


int
cmd_contact_set(int argc, char **argv, struct cmd_ctx *c)
{
	struct csvio_table t;
	long r;
	int k, add = 0, changed = 0;

	if ((k = opts_parse(c, argc, argv, set_opts, on_set_opt, &add)) < 0)
		return DRIP_EUSAGE;
	if (argc - k < 2)
		return usage_error(c, argc - k < 1 ? "missing contact id" : "missing FIELD=VALUE");
	if (load_some(c, argv + k, 1, &t) < 0)
		return -1;
	if ((r = find_contact(c, &t, argv[k])) < 0)
		return -1;
	if (apply_fields(c, &t, r, argv + k + 1, argc - k - 1, add, &changed) < 0)
		return c->err.code ? -1 : DRIP_EUSAGE;
	if (!changed) {
		if (!c->quiet)
			printf("contact '%s' already has those values; nothing changed\n", argv[k]);
		return 0;
	}
	if (save(c, &t, arena_printf(&c->a, "contact set %s", argv[k])) < 0)
		return -1;
	if (!c->quiet)
		printf("updated contact '%s'\n", argv[k]);
	return 0;
}

struct tag_opts {
	const char **remove;
	size_t nremove;
	struct cmd_ctx *c;
};

static int
on_tag_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct tag_opts *o = ud;

	if (strcmp(name, "remove") == 0) {
		o->remove = arena_grow(&c->a, o->remove, o->nremove, o->nremove + 1,
				       sizeof *o->remove);
		o->remove[o->nremove++] = arg;
	}
	return 0;
}

static int
valid_tag(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == ';' || *s == ',')
			return 0;
	return 1;
}

int
cmd_contact_tag(int argc, char **argv, struct cmd_ctx *c)
{
	struct tag_opts o = { NULL, 0, c };
	struct csvio_table t;
	struct sbuf joined = SBUF_INIT;
	const char **tags, **out;
	size_t ntags, nout = 0, i, col;
	long r;
	int k, a;

	if ((k = opts_parse(c, argc, argv, tag_opts, on_tag_opt, &o)) < 0)
		return DRIP_EUSAGE;
	if (argc - k < 1)
		return usage_error(c, "missing contact id");
	if (argc - k == 1 && o.nremove == 0)
		return usage_error(c, "name tags to add, or --remove TAG");
	for (a = k + 1; a < argc; a++)
		if (!valid_tag(argv[a]))
			return usage_error(c, "invalid tag '%s': no ';', ',' or control characters",
					   argv[a]);
	for (i = 0; i < o.nremove; i++)
		if (!valid_tag(o.remove[i]))
			return usage_error(c, "invalid tag '%s'", o.remove[i]);
	if (load_some(c, argv + k, 1, &t) < 0)
		return -1;
	if ((r = find_contact(c, &t, argv[k])) < 0)
		return -1;
	col = csvio_table_add_col(&c->a, &t, "tags");
	csvio_split_list(&c->a, t.rows[r][col], &tags, &ntags);
	out = arena_alloc(&c->a, (ntags + (size_t)argc + 1) * sizeof *out);
	for (i = 0; i < ntags; i++) {
		size_t j;

		for (j = 0; j < o.nremove; j++)
			if (strcmp(tags[i], o.remove[j]) == 0)
				break;
		if (j == o.nremove)
			out[nout++] = tags[i];
	}
	for (a = k + 1; a < argc; a++) {
		size_t j;

		for (j = 0; j < nout; j++)
			if (strcmp(out[j], argv[a]) == 0)
				break;
		if (j == nout)
			out[nout++] = argv[a];
	}
	csvio_join_list(&joined, out, nout);
	if (strcmp(sbuf_str(&joined), t.rows[r][col]) == 0) {
		sbuf_release(&joined);
		if (!c->quiet)
			printf("contact '%s' already has those tags; nothing changed\n", argv[k]);
		return 0;
	}
	csvio_table_set(&c->a, &t, (size_t)r, col, sbuf_str(&joined));
	sbuf_release(&joined);
	if (save(c, &t, arena_printf(&c->a, "contact tag %s", argv[k])) < 0)
		return -1;
	if (!c->quiet)
		printf("tagged contact '%s'\n", argv[k]);
	return 0;
}

int
cmd_contact_archive(int argc, char **argv, struct cmd_ctx *c)
{
	struct csvio_table t;
	size_t col, n = 0;
	long r;
	int k, i;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k < 1)
		return usage_error(c, "missing contact id");
	if (load_some(c, argv + k, (size_t)(argc - k), &t) < 0)
		return -1;
	col = csvio_table_add_col(&c->a, &t, "status");
	for (i = k; i < argc; i++)
		if (find_contact(c, &t, argv[i]) < 0)
			return -1;
	for (i = k; i < argc; i++) {
		r = find_contact(c, &t, argv[i]);
		if (strcmp(t.rows[r][col], "archived") != 0) {
			csvio_table_set(&c->a, &t, (size_t)r, col, "archived");
			n++;
		}
	}
	if (n == 0) {
		if (!c->quiet)
			printf("already archived; nothing changed\n");
		return 0;
	}
	if (save(c, &t, argc - k == 1 ? arena_printf(&c->a, "contact archive %s", argv[k]) :
		 arena_printf(&c->a, "contact archive: %zu contacts", n)) < 0)
		return -1;
	if (!c->quiet)
		printf("archived %zu contact%s\n", n, n == 1 ? "" : "s");
	return 0;
}

int
cmd_contact_import(int argc, char **argv, struct cmd_ctx *c)
{
	struct import_result res;
	struct txn_change ch;
	const char *name;
	int k, rc;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 1)
		return usage_error(c, argc - k < 1 ? "missing FILE" : "too many arguments");
	name = strcmp(argv[k], "-") == 0 ? "stdin" : argv[k];
	if (import_run(c->root, strcmp(argv[k], "-") == 0 ? NULL : argv[k], stdin, name, &res,
		       &c->err) < 0)
		return -1;
	if (res.tmp == NULL) {
		if (!c->quiet)
			printf("imported %zu contacts: nothing changed\n", res.rows);
		return 0;
	}
	ch.path = "contacts.csv";
	ch.data = res.tmp;
	ch.len = 0;
	ch.mode = TXN_FROM_FILE;
	rc = ws_apply(c, &ch, 1, arena_printf(&c->a, "contact import: %zu added, %zu updated",
					      res.added, res.updated));
	unlink(res.tmp);
	free(res.tmp);
	if (rc < 0)
		return -1;
	if (!c->quiet)
		printf("imported %zu contacts: %zu added, %zu updated, %zu unchanged\n",
		       res.rows, res.added, res.updated, res.rows - res.added - res.updated);
	return 0;
}

int
cmd_contact_show(int argc, char **argv, struct cmd_ctx *c)
{
	struct csvio_table t;
	const char **cells;
	size_t j;
	long r;
	int k, f;

	if ((k = opts_parse(c, argc, argv, none, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k != 1)
		return usage_error(c, argc - k < 1 ? "missing contact id" : "too many arguments");
	if ((f = out_format(c, 0)) < 0)
		return DRIP_EUSAGE;
	if (load_some(c, argv + k, 1, &t) < 0)
		return -1;
	if ((r = find_contact(c, &t, argv[k])) < 0)
		return -1;
	if (f == FMT_JSON) {
		struct sbuf out = SBUF_INIT;
		struct json js;

		json_init(&js, &out, 1);
		json_obj(&js);
		for (j = 0; j < t.ncols; j++)
			json_kstr(&js, t.cols[j], t.rows[r][j]);
		json_end(&js);
		sbuf_addc(&out, '\n');
		fwrite(out.buf, 1, out.len, stdout);
		sbuf_release(&out);
		return 0;
	}
	cells = arena_alloc(&c->a, (t.ncols + 1) * 2 * sizeof *cells);
	cells[0] = "field";
	cells[1] = "value";
	for (j = 0; j < t.ncols; j++) {
		cells[(j + 1) * 2] = t.cols[j];
		cells[(j + 1) * 2 + 1] = t.rows[r][j];
	}
	print_table(c, FMT_TABLE, cells, t.ncols + 1, 2);
	return 0;
}

static int
on_list_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	(void)c;
	if (strcmp(name, "where") == 0)
		*(const char **)ud = arg;
	return 0;
}

/* `contact list` prints as it reads (roster_each): memory stays bounded
 * whatever the number of contacts. */
struct lister {
	struct cmd_ctx *c;
	enum out_format f;
	size_t cols[16], ncols;		/* the columns shown (table) */
	size_t w[16];			/* their widths */
	struct sbuf out;
	struct arena a;			/* neutralised CSV cells of a few rows */
	struct json j;
	const char **head;		/* every column's name */
	size_t nhead;
	int started;			/* the header is out */
	size_t n;
};

/* Pick the columns and measure the header. */
static void
lister_begin(struct lister *l, const struct roster *r)
{
	static const char *const brief[] = {
		"id", "email", "first_name", "last_name", "status", "tags",
	};
	size_t j;

	for (j = 0; j < sizeof brief / sizeof *brief; j++) {
		long col = roster_col(r, brief[j]);

		if (col >= 0) {
			l->cols[l->ncols] = (size_t)col;
			l->w[l->ncols++] = cell_width(brief[j]);
		}
	}
}

static int
lister_measure(void *ctx, const struct roster *r, const char *const *f, struct drip_err *err)
{
	struct lister *l = ctx;
	size_t k, w;

	(void)r;
	(void)err;
	for (k = 0; k < l->ncols; k++)
		if ((w = cell_width(f[l->cols[k]])) > l->w[k])
			l->w[k] = w;
	return 0;
}

/* The header: once the whole file is known good. */
static void
lister_start(struct lister *l)
{
	const char *cells[16];
	size_t k;

	l->started = 1;
	if (l->f == FMT_TABLE) {
		for (k = 0; k < l->ncols; k++)
			cells[k] = l->head[l->cols[k]];
		table_row(&l->out, cells, l->w, l->ncols);
	} else if (l->f == FMT_CSV) {
		const char **row = arena_alloc(&l->a, l->nhead * sizeof *row);

		for (k = 0; k < l->nhead; k++)
			row[k] = csv_cell(&l->a, l->c->raw, l->head[k]);
		csvio_format_row(&l->out, row, l->nhead);
	} else {
		json_init(&l->j, &l->out, 1);
		json_arr(&l->j);
	}
}

static int
lister_row(void *ctx, const struct roster *r, const char *const *f, struct drip_err *err)
{
	struct lister *l = ctx;
	const char *cells[16], **row;
	size_t k, n = roster_ncols(r);

	(void)err;
	if (!l->started)
		lister_start(l);
	if (l->f == FMT_TABLE) {
		for (k = 0; k < l->ncols; k++)
			cells[k] = f[l->cols[k]];
		table_row(&l->out, cells, l->w, l->ncols);
	} else if (l->f == FMT_CSV) {
		row = arena_alloc(&l->a, n * sizeof *row);
		for (k = 0; k < n; k++)
			row[k] = csv_cell(&l->a, l->c->raw, f[k]);
		csvio_format_row(&l->out, row, n);
	} else {
		json_obj(&l->j);
		for (k = 0; k < n; k++)
			json_kstr(&l->j, roster_colname(r, k), f[k]);
		json_end(&l->j);
	}
	list_flush(&l->out, &l->a, &l->n, 0);
	return 0;
}

int
cmd_contact_list(int argc, char **argv, struct cmd_ctx *c)
{
	struct lister l;
	struct roster_pick p;
	struct roster *r;
	struct expr_err werr;
	const char *where = NULL, **head;
	size_t k;
	int rc;

	if ((k = (size_t)opts_parse(c, argc, argv, list_opts, on_list_opt, &where)) == (size_t)-1)
		return DRIP_EUSAGE;
	if ((size_t)argc != k)
		return usage_error(c, "too many arguments");
	memset(&l, 0, sizeof l);
	l.c = c;
	if ((rc = out_format(c, 1)) < 0)
		return DRIP_EUSAGE;
	l.f = (enum out_format)rc;
	/* The header first: a table shows the columns people scan; csv and
	 * json give all, so that `list --format csv --raw | import -` gives
	 * contacts.csv back. */
	if (roster_open(c->root, &r, &c->err) < 0)
		return -1;
	lister_begin(&l, r);
	head = arena_alloc(&c->a, (roster_ncols(r) + 1) * sizeof *head);
	for (k = 0; k < roster_ncols(r); k++)
		head[k] = arena_strdup(&c->a, roster_colname(r, k));
	l.head = head;
	l.nhead = roster_ncols(r);
	roster_close(r);
	memset(&p, 0, sizeof p);
	p.where = where;
	p.now = c->now;
	p.zone = c->cfg.tz;
	p.pre = l.f == FMT_TABLE ? lister_measure : NULL;
	p.fn = lister_row;
	p.ctx = &l;
	/* Nothing is printed before the whole file is checked: the header
	 * goes out with the first row, or at the end when none is chosen. */
	rc = roster_each(c->root, &p, &werr, &c->err);
	if (rc == ROSTER_BAD_WHERE)
		rc = usage_error(c, "--where: %d:%d: %s", werr.line, werr.col, werr.msg);
	if (rc == 0) {
		if (!l.started)
			lister_start(&l);
		list_end(&l.out, &l.a, &l.n, l.f == FMT_JSON ? &l.j : NULL);
	} else {
		sbuf_release(&l.out);
		arena_release(&l.a);
	}
	return rc;
}
