/*
 * lint.c - whole-file and workspace checks over parsed sequences and
 * automations.
 */
#include "lint.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "autom.h"
#include "diag.h"
#include "err.h"
#include "expr.h"
#include "fsio.h"
#include "protect.h"
#include "schema.h"
#include "seq.h"
#include "tmpl.h"
#include "ydoc.h"

/* Columns drip itself gives meaning to are always known (SPEC §4.1); they
 * may be used in conditions even before the first contact has them. */
static const char *const builtin_fields[] = {
	"id", "email", "first_name", "last_name", "phone", "timezone", "status",
	"unsubscribed", "bounced", "owner", "tags", "sites", "opportunities",
};

static int
field_known(const struct lint_ctx *c, const char *f)
{
	size_t i;

	for (i = 0; i < sizeof builtin_fields / sizeof *builtin_fields; i++)
		if (strcmp(f, builtin_fields[i]) == 0)
			return 1;
	for (i = 0; i < c->nfields; i++)
		if (strcmp(f, c->fields[i]) == 0)
			return 1;
	return 0;
}

/* Every column a message could name: the header plus drip's own. */
static const char **
all_fields(const struct lint_ctx *c, size_t *n)
{
	size_t nb = sizeof builtin_fields / sizeof *builtin_fields, i;
	const char **v = arena_alloc(c->a, (nb + c->nfields + 1) * sizeof *v);

	for (i = 0; i < c->nfields; i++)
		v[i] = c->fields[i];
	for (i = 0; i < nb; i++)
		v[c->nfields + i] = builtin_fields[i];
	*n = nb + c->nfields;
	return v;
}

static void
check_cond(struct lint_ctx *c, struct schema *s, const struct cond *k, const char *key)
{
	struct expr_err ee;
	const char **f;
	size_t nf;

	if (k->expr == NULL || c->fields == NULL)
		return;
	f = all_fields(c, &nf);
	if (expr_check_fields(k->expr, f, nf, &ee) < 0)
		schema_error(s, k->node, "%s: %d:%d: %s", key, ee.line, ee.col, ee.msg);
}

void
lint_template(struct lint_ctx *c, const char *path, const char *at_file, int line,
	      int col)
{
	struct drip_err e;
	struct tmpl *t;
	char *full;
	size_t i;

	for (i = 0; i < c->nseen; i++)
		if (strcmp(c->seen[i], path) == 0)
			return;
	if (c->nseen == c->capseen) {
		size_t cap = c->capseen ? c->capseen * 2 : 16;

		c->seen = arena_grow(c->a, c->seen, c->nseen, cap, sizeof *c->seen);
		c->capseen = cap;
	}
	c->seen[c->nseen++] = arena_strdup(c->a, path);
	full = fsio_join(c->root, path);
	if (tmpl_load(c->a, full, &t, &e) < 0) {
		if (e.code == DRIP_ENOINPUT)
			diag_add(c->d, DIAG_ERROR, at_file, line, col,
				 "template \"%s\" does not exist", path);
		else
			diag_add(c->d, DIAG_ERROR, path, e.line, e.col, "%s", e.msg);
		free(full);
		return;
	}
	free(full);
	if (c->fields == NULL)
		return;
	for (i = 0; i < t->nfields; i++) {
		const struct tmpl_field *f = &t->fields[i];
		const char **all;
		size_t nall;
		char msg[512];

		if (tmpl_is_builtin(f->name) || field_known(c, f->name))
			continue;
		all = all_fields(c, &nall);
		snprintf(msg, sizeof msg, "unknown field \"%s\": not a column of contacts.csv",
			 f->name);
		suggest_append(msg, sizeof msg, f->name, all, nall);
		diag_add(c->d, DIAG_ERROR, path, f->line, f->col, "%s", msg);
	}
}

static void
template_cb(void *ctx, const char *path, const struct ynode *at)
{
	void **pair = ctx;
	struct lint_ctx *c = pair[0];
	struct schema *s = pair[1];

	lint_template(c, path, s->file, at ? at->line : 0, at ? at->col : 0);
}

static void
check_seq_ref(struct lint_ctx *c, struct schema *s, const char *id,
	      const struct ynode *at, const char *self)
{
	size_t i;
	char msg[512];

	if (id == NULL || c->seqs == NULL || (self && strcmp(id, self) == 0))
		return;
	for (i = 0; i < c->nseqs; i++)
		if (strcmp(c->seqs[i], id) == 0)
			return;
	snprintf(msg, sizeof msg, "unknown sequence \"%s\"", id);
	suggest_append(msg, sizeof msg, id, c->seqs, c->nseqs);
	schema_error(s, at, "%s", msg);
}

static void
check_actions(struct lint_ctx *c, struct schema *s, const struct action *a, size_t n,
	      const char *self)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i].kind == ACT_ENROLL || a[i].kind == ACT_UNENROLL ||
		    (a[i].kind == ACT_REMOVE_FROM_SEQUENCE && a[i].text))
			check_seq_ref(c, s, a[i].text, a[i].node, self);
	}
}

/* Successors of step i in the flow: up to three. */
static size_t
successors(const struct seq *q, size_t i, long out[3])
{
	const struct step *st = &q->steps[i];
	size_t n = 0;
	long t;

	switch (st->type) {
	case STEP_EXIT:
		return 0;
	case STEP_GOTO:
		if (st->to_step && (t = seq_step_index(q, st->to_step)) >= 0)
			out[n++] = t;
		return n;
	case STEP_BRANCH:
		if (st->then_step && (t = seq_step_index(q, st->then_step)) >= 0)
			out[n++] = t;
		if (st->else_step) {
			if ((t = seq_step_index(q, st->else_step)) >= 0)
				out[n++] = t;
		} else if (i + 1 < q->nsteps) {
			out[n++] = (long)i + 1;
		}
		return n;
	case STEP_WAIT_UNTIL:
		if (st->on_timeout && (t = seq_step_index(q, st->on_timeout)) >= 0)
			out[n++] = t;
		break;
	default:
		break;
	}
	if (i + 1 < q->nsteps)
		out[n++] = (long)i + 1;
	return n;
}

/* Does moving from step i to step j take no time at all?  Then a cycle of
 * such moves would spin within one slot. */
static int
instant(const struct seq *q, size_t i, size_t j)
{
	const struct step *a = &q->steps[i], *b = &q->steps[j];

	if (a->type == STEP_WAIT_UNTIL || a->block)
		return 0;
	return dur_is_zero(&b->wait) && b->at < 0;
}

/* Depth-first search for a cycle of instant moves, with an explicit stack
 * rather than recursion: a hostile file of thousands of zero-wait steps in a
 * row must not overflow the C stack.  stack[] holds the path from the root,
 * next[] how many successors of each step on it were tried; the order of the
 * search, and so the cycle reported, is that of the recursive form. */
static int
find_cycle(const struct seq *q, size_t root, unsigned char *color, long *stack,
	   unsigned char *next, struct schema *s)
{
	long out[3];
	size_t depth = 0, n, m, i, j;

	color[root] = 1;
	stack[0] = (long)root;
	next[0] = 0;
	for (;;) {
		i = (size_t)stack[depth];
		n = successors(q, i, out);
		if (next[depth] >= n) {
			color[i] = 2;
			if (depth == 0)
				return 0;
			depth--;
			continue;
		}
		j = (size_t)out[next[depth]++];
		if (!instant(q, i, j))
			continue;
		if (color[j] == 1) {
			char path[1024] = "";
			size_t len;

			for (m = 0; m <= depth; m++)
				if (stack[m] == (long)j)
					break;
			for (; m <= depth; m++) {
				if ((len = strlen(path)) + 1 >= sizeof path)
					break;	/* a long cycle: its start is enough */
				snprintf(path + len, sizeof path - len, "%s -> ",
					 q->steps[stack[m]].id);
			}
			len = strlen(path);
			snprintf(path + len, sizeof path - len, "%s", q->steps[j].id);
			schema_error(s, q->steps[i].node,
				     "zero-wait cycle: %s (it would repeat without end in one slot; "
				     "give a step in it a wait)", path);
			return 1;
		}
		if (color[j] == 0) {
			color[j] = 1;
			stack[++depth] = (long)j;
			next[depth] = 0;
		}
	}
}

/* Suggestions for missing targets cost an edit distance per step id each;
 * past this many in one sequence the message goes without, so a file of
 * thousands of bad targets lints in linear time. */
#define LINT_SUGGEST_MAX 16

struct targets {
	const char **ids;	/* every step id, for suggestions */
	size_t suggest_left;
};

static void
check_target(struct schema *s, const struct seq *q, struct targets *t, const char *id,
	     const struct ynode *at, const char *key)
{
	char msg[512];

	if (id == NULL || seq_step_index(q, id) >= 0)
		return;
	snprintf(msg, sizeof msg, "\"%s\": no step \"%s\" in this sequence", key, id);
	if (t->suggest_left > 0) {
		t->suggest_left--;
		suggest_append(msg, sizeof msg, id, t->ids, q->nsteps);
	}
	schema_error(s, at, "%s", msg);
}

static void
lint_flow(struct lint_ctx *c, struct schema *s, const struct seq *q)
{
	unsigned char *color, *seen, *next;
	long *queue, out[3];
	size_t i, head = 0, tail = 0, k, n;
	struct targets t = { NULL, LINT_SUGGEST_MAX };

	(void)c;
	t.ids = arena_alloc(s->a, (q->nsteps + 1) * sizeof *t.ids);
	for (i = 0; i < q->nsteps; i++)
		t.ids[i] = q->steps[i].id;
	for (i = 0; i < q->nsteps; i++) {
		const struct step *st = &q->steps[i];

		if (st->id == NULL)
			return;		/* already reported; the graph is not sound */
		check_target(s, q, &t, st->then_step, st->then_node, "then");
		check_target(s, q, &t, st->else_step, st->else_node, "else");
		check_target(s, q, &t, st->to_step, st->to_node, "to");
		check_target(s, q, &t, st->on_timeout, st->on_timeout_node, "on_timeout");
	}
	if (q->kind != SEQ_KIND_STEP || q->nsteps == 0)
		return;
	color = arena_alloc(s->a, q->nsteps);
	next = arena_alloc(s->a, q->nsteps);
	queue = arena_alloc(s->a, (q->nsteps + 1) * sizeof *queue);
	for (i = 0; i < q->nsteps; i++)
		if (color[i] == 0 && find_cycle(q, i, color, queue, next, s))
			break;
	seen = arena_alloc(s->a, q->nsteps);
	seen[0] = 1;
	queue[tail++] = 0;
	while (head < tail) {
		n = successors(q, (size_t)queue[head++], out);
		for (k = 0; k < n; k++)
			if (!seen[out[k]]) {
				seen[out[k]] = 1;
				queue[tail++] = out[k];
			}
	}
	for (i = 0; i < q->nsteps; i++)
		if (!seen[i])
			schema_warn(s, q->steps[i].node,
				    "step \"%s\" can never be reached", q->steps[i].id);
}

struct mail_lint {
	struct lint_ctx *c;
	struct schema *s;
	unsigned said;		/* MAIL_* bits already reported in this file */
};

/* Can drip.yaml send this mail?  The first finding of each kind per file
 * is enough: the fix is one line in drip.yaml. */
static void
mail_cb(void *ctx, const struct mail_use *u)
{
	struct mail_lint *ml = ctx;
	struct lint_ctx *c = ml->c;
	struct tmpl *t = NULL;
	struct drip_err e;
	char why[256];
	unsigned missing, bit;

	if (u->template && c->from == NULL) {
		char *full = fsio_join(c->root, u->template);

		if (tmpl_load(c->a, full, &t, &e) < 0)
			t = NULL;
		free(full);
	}
	missing = seq_mail_check(u, c->from, c->base_url != NULL, t) & ~ml->said;
	ml->said |= missing;
	for (bit = MAIL_NO_FROM; bit <= MAIL_NOTICE_LOST; bit <<= 1) {
		if (!(missing & bit))
			continue;
		seq_mail_why(bit, u, why, sizeof why);
		if (bit == MAIL_NOTICE_LOST)
			schema_warn(ml->s, u->at, "%s", why);
		else
			schema_error(ml->s, u->at, "%s", why);
	}
}

static void
lint_seq(struct lint_ctx *c, struct schema *s, const struct seq *q)
{
	void *pair[2] = { c, s };
	size_t i, j;

	lint_flow(c, s, q);
	check_cond(c, s, &q->enroll_when, "enroll_when");
	check_actions(c, s, q->on_remove, q->non_remove, q->id);
	for (i = 0; i < q->nsteps; i++) {
		const struct step *st = &q->steps[i];

		check_cond(c, s, &st->when, "when");
		check_cond(c, s, &st->if_, "if");
		check_cond(c, s, &st->until, "until");
		check_actions(c, s, st->then_actions, st->nthen, q->id);
		check_actions(c, s, st->else_actions, st->nelse, q->id);
		for (j = 0; j < st->nautos; j++)
			check_actions(c, s, st->autos[j].actions, st->autos[j].nactions, q->id);
		if (st->on_field && c->fields && !field_known(c, st->on_field))
			schema_error(s, ydoc_get(ydoc_get(st->node, "on"), "field"),
				     "unknown field \"%s\": not a column of contacts.csv",
				     st->on_field);
	}
	seq_templates(q, template_cb, pair);
	if (c->check_mail) {
		struct mail_lint ml = { c, s, 0 };

		seq_mail_uses(q, mail_cb, &ml);
	}
}

static void
lint_autom(struct lint_ctx *c, struct schema *s, const struct autom *m)
{
	void *pair[2] = { c, s };
	size_t i;

	check_cond(c, s, &m->and_, "and");
	check_cond(c, s, &m->or_, "or");
	check_cond(c, s, &m->stop_when, "stop_when");
	check_seq_ref(c, s, m->sequence, m->sequence_node, NULL);
	check_actions(c, s, m->actions, m->nactions, NULL);
	check_actions(c, s, m->stop_actions, m->nstop_actions, NULL);
	if (c->fields) {
		const char *f = m->trigger == AT_DATE ? m->date_field : m->field;

		if (f && !field_known(c, f))
			schema_error(s, m->field_node,
				     "unknown field \"%s\": not a column of contacts.csv", f);
	}
	for (i = 0; i < m->nactions; i++)
		if (m->actions[i].template)
			template_cb(pair, m->actions[i].template, m->actions[i].template_node);
	for (i = 0; i < m->nstop_actions; i++)
		if (m->stop_actions[i].template)
			template_cb(pair, m->stop_actions[i].template,
				    m->stop_actions[i].template_node);
	if (c->check_mail) {
		struct mail_lint ml = { c, s, 0 };

		action_mail_uses(m->actions, m->nactions, mail_cb, &ml);
		action_mail_uses(m->stop_actions, m->nstop_actions, mail_cb, &ml);
	}
}

/* The file's base name without .yaml/.yml, which must equal its id. */
static const char *
stem(struct arena *a, const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 5 && strcmp(b + n - 5, ".yaml") == 0)
		n -= 5;
	else if (n > 4 && strcmp(b + n - 4, ".yml") == 0)
		n -= 4;
	return arena_strndup(a, b, n);
}

static int
is_automation(const char *path)
{
	const char *slash = strrchr(path, '/'), *p;

	if (slash == NULL)
		return 0;
	for (p = slash; p > path && p[-1] != '/'; p--)
		;
	return (size_t)(slash - p) == strlen("automations") &&
	       strncmp(p, "automations", (size_t)(slash - p)) == 0;
}

void
lint_file(struct lint_ctx *c, const char *path, const char *name)
{
	struct schema s = { c->a, c->d, name };
	struct drip_err e;
	struct ydoc doc;
	const char *want = stem(c->a, path);
	const char *id;
	const struct ynode *idn;

	if (ydoc_load_file(c->a, path, &doc, &e) < 0) {
		diag_add(c->d, DIAG_ERROR, name, e.line, e.col, "%s", e.msg);
		return;
	}
	doc.file = name;
	if (is_automation(path)) {
		struct autom *m = autom_parse(&s, &doc);

		id = m->id;
		idn = m->id_node;
		lint_autom(c, &s, m);
	} else {
		struct seq *q = seq_parse(&s, &doc);

		id = q->id;
		idn = q->id_node;
		lint_seq(c, &s, q);
	}
	if (id && strcmp(id, want) != 0)
		schema_error(&s, idn, "id \"%s\" must match the file name \"%s\"", id, want);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The files DIR/NAME.yaml of the workspace, sorted (arena). */
static size_t
yaml_files(struct lint_ctx *ctx, const char *dir, const char ***out)
{
	char *full = fsio_join(ctx->root, dir);
	DIR *d = opendir(full);
	struct dirent *e;
	const char **v = NULL;
	size_t n = 0, cap = 0;

	free(full);
	*out = NULL;
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;

			v = arena_grow(ctx->a, v, n, nc, sizeof *v);
			cap = nc;
		}
		v[n++] = arena_printf(ctx->a, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_name);
	*out = v;
	return n;
}

void
lint_workspace(struct lint_ctx *ctx)
{
	static const char *const dirs[] = { "sequences", "automations" };
	const char **files[2];
	size_t n[2], i, j;

	for (i = 0; i < 2; i++) {
		n[i] = yaml_files(ctx, dirs[i], &files[i]);
		for (j = 0; j < n[i]; j++) {
			char *full = fsio_join(ctx->root, files[i][j]);

			lint_file(ctx, full, files[i][j]);
			free(full);
		}
	}
	/* Protected files against their signatures (SPEC §3.6). */
	for (i = 0; i < 2; i++)
		for (j = 0; j < n[i]; j++)
			protect_lint(ctx->a, ctx->root, files[i][j], files[i][j], ctx->d);
}

void
lint_named(struct lint_ctx *ctx, const char *path)
{
	char *rp, *rr;
	size_t n;

	lint_file(ctx, path, path);
	if (strcmp(ctx->root, ".") == 0)
		return;
	rp = realpath(path, NULL);
	rr = realpath(ctx->root, NULL);
	n = rr ? strlen(rr) : 0;
	if (rp && rr && strncmp(rp, rr, n) == 0 && rp[n] == '/')
		protect_lint(ctx->a, ctx->root, rp + n + 1, path, ctx->d);
	free(rp);
	free(rr);
}
