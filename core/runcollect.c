/*
 * runcollect.c - effects kept past their contact, and the sink that only
 * collects them (run.h): `tick --dry-run` prints what it holds, and
 * reports will show it.  It writes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "engine.h"
#include "run.h"

void
run_keep_rows(struct arena *a, struct run_kept *k, const struct effects *fx)
{
	size_t i;

	for (i = 0; i < fx->nlog; i++) {
		const struct log_row *l = &fx->log[i];
		struct log_row *d = ARENA_PUSH(a, k->rows, k->nrows, k->caprows);

		d->time = l->time;
		d->contact = arena_strdup(a, l->contact);
		d->sequence = arena_strdup(a, l->sequence);
		d->step = arena_strdup(a, l->step);
		d->automation = arena_strdup(a, l->automation);
		d->action = arena_strdup(a, l->action);
		d->result = arena_strdup(a, l->result);
		d->ref = arena_strdup(a, l->ref);
		d->detail = arena_strdup(a, l->detail);
	}
}

void
run_keep_rest(struct arena *a, struct run_kept *k, const struct effects *fx)
{
	size_t i;

	for (i = 0; i < fx->ntasks; i++) {
		struct out_task *t = ARENA_PUSH(a, k->tasks, k->ntasks, k->captasks);

		*t = fx->tasks[i];
		t->id = arena_strdup(a, t->id);
		t->contact = arena_strdup(a, t->contact);
		t->sequence = arena_strdup(a, t->sequence);
		t->step = arena_strdup(a, t->step);
		t->assignee = arena_strdup(a, t->assignee);
		t->subject = arena_strdup(a, t->subject);
	}
	for (i = 0; i < fx->nnotes; i++) {
		struct out_note *nt = ARENA_PUSH(a, k->notes, k->nnotes, k->capnotes);

		*nt = fx->notes[i];
		nt->contact = arena_strdup(a, nt->contact);
		nt->sequence = arena_strdup(a, nt->sequence);
		nt->step = arena_strdup(a, nt->step);
		nt->automation = arena_strdup(a, nt->automation);
		nt->text = arena_strdup(a, nt->text);
	}
	for (i = 0; i < fx->nlists; i++) {
		struct out_list *l = ARENA_PUSH(a, k->lists, k->nlists, k->caplists);
		const char **f, **v;
		size_t j;

		*l = fx->lists[i];
		l->contact = arena_strdup(a, l->contact);
		l->sequence = arena_strdup(a, l->sequence);
		l->step = arena_strdup(a, l->step);
		f = arena_alloc(a, (l->n + 1) * sizeof *f);
		v = arena_alloc(a, (l->n + 1) * sizeof *v);
		for (j = 0; j < l->n; j++) {
			f[j] = arena_strdup(a, fx->lists[i].fields[j]);
			v[j] = arena_strdup(a, fx->lists[i].values[j]);
		}
		l->fields = f;
		l->values = v;
	}
}

/* A bottom-up merge sort: stable, and n log n for a catch-up's rows. */
void
run_sort_rows(struct log_row *v, size_t n)
{
	struct log_row *tmp;
	size_t w, i, lo, mid, hi, a, b, k;

	if (n < 2)
		return;
	tmp = xmalloc(n * sizeof *tmp);
	for (w = 1; w < n; w *= 2) {
		for (i = 0; i < n; i += 2 * w) {
			lo = i;
			mid = i + w < n ? i + w : n;
			hi = i + 2 * w < n ? i + 2 * w : n;
			for (a = lo, b = mid, k = lo; k < hi; k++)
				tmp[k] = (a < mid && (b >= hi || v[a].time <= v[b].time)) ?
					 v[a++] : v[b++];
		}
		memcpy(v, tmp, n * sizeof *v);
	}
	free(tmp);
}

static int
collect_begin(void *ctx, const struct run_info *ri, struct drip_err *err)
{
	struct run_collect *k = ctx;
	struct arena *a = k->a;

	(void)ri;
	(void)err;
	run_collect_init(k, a);	/* a restart starts over */
	return 0;
}

static int
collect_item(void *ctx, const struct run_info *ri, const struct run_item *it,
	     struct drip_err *err)
{
	struct run_collect *k = ctx;
	size_t i;

	(void)ri;
	(void)err;
	k->items++;
	if (it->fx) {
		run_keep_rows(k->a, &k->k, it->fx);
		run_keep_rest(k->a, &k->k, it->fx);
		for (i = 0; i < it->fx->nmsgs; i++) {
			struct run_msg *m = ARENA_PUSH(k->a, k->msgs, k->nmsgs, k->capmsgs);

			m->kind = arena_strdup(k->a, it->fx->msgs[i].kind);
			m->name = arena_strdup(k->a, it->fx->msgs[i].name);
			m->len = it->fx->msgs[i].len;
		}
	}
	if (it->c && it->c->changed) {
		struct run_edit *e = ARENA_PUSH(k->a, k->edits, k->nedits, k->capedits);
		const char **cols = arena_alloc(k->a, (it->c->n + 1) * sizeof *cols);
		const char **vals = arena_alloc(k->a, (it->c->n + 1) * sizeof *vals);

		for (i = 0; i < it->c->n; i++) {
			cols[i] = arena_strdup(k->a, it->c->cols[i]);
			vals[i] = arena_strdup(k->a, it->c->vals[i]);
		}
		e->id = arena_strdup(k->a, it->c->id);
		e->cols = cols;
		e->vals = vals;
		e->n = it->c->n;
	}
	return 0;
}

static int
collect_finish(void *ctx, const struct run_info *ri, struct drip_err *err)
{
	struct run_collect *k = ctx;

	(void)ri;
	(void)err;
	run_sort_rows(k->k.rows, k->k.nrows);
	return 0;
}

void
run_collect_init(struct run_collect *k, struct arena *a)
{
	memset(k, 0, sizeof *k);
	k->a = a;
}

struct run_sink
run_collect_sink(struct run_collect *k)
{
	struct run_sink s = { collect_begin, collect_item, collect_finish, NULL, k };

	return s;
}
