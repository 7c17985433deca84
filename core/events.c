/*
 * events.c - the inbox and the done tasks, read for a tick (events.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "csvio.h"
#include "engine.h"
#include "err.h"
#include "events.h"
#include "fsio.h"
#include "sched.h"
#include "state.h"
#include "ws.h"

int
events_task_done(void *ctx, const char *id, int64_t *at)
{
	struct done_tasks *d = ctx;
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(d->ids[mid], id);

		if (c == 0) {
			*at = d->at[mid];
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* A done task: its id and when. */
struct done_one {
	const char *id;
	int64_t at;
};

static int
cmp_done(const void *pa, const void *pb)
{
	return strcmp(((const struct done_one *)pa)->id, ((const struct done_one *)pb)->id);
}

int
events_load_done(struct arena *a, const char *root, struct done_tasks *d, struct drip_err *err)
{
	struct csvio_reader *r = NULL;
	struct csvio_row row;
	struct done_one *v = NULL;
	char *path = fsio_join(root, "tasks.csv");
	long cid, cst, cdone;
	size_t n = 0, cap = 0, i;
	int rc = -1, k;

	memset(d, 0, sizeof *d);
	if (!fsio_exists(path)) {
		free(path);
		return 0;
	}
	/* Streamed: only the done tasks are kept, each its id and time. */
	k = csvio_open(path, &r, err);
	free(path);
	if (k < 0)
		goto named;
	cid = csvio_col(r, "id");
	cst = csvio_col(r, "status");
	cdone = csvio_col(r, "done_at");
	if (cid < 0 || cst < 0 || cdone < 0) {
		err_set(err, DRIP_EDATA, "tasks.csv", 1, 0, "header must be %.*s",
			(int)strlen(EVENTS_TASKS_HEADER) - 1, EVENTS_TASKS_HEADER);
		goto out;
	}
	while ((k = csvio_next(r, &row, err)) == 1) {
		int64_t at;

		if (strcmp(row.f[cst], "done") != 0)
			continue;
		if (state_parse_time(row.f[cdone], &at) < 0 || at == STATE_NONE) {
			err_set(err, DRIP_EDATA, "tasks.csv", (int)row.line, 0,
				"done task '%s' has no valid done_at", row.f[cid]);
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[n].id = arena_strdup(a, row.f[cid]);
		v[n++].at = at;
	}
	if (k < 0)
		goto named;
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_done);
	d->ids = arena_alloc(a, (n + 1) * sizeof *d->ids);
	d->at = arena_alloc(a, (n + 1) * sizeof *d->at);
	for (i = 0; i < n; i++) {
		d->ids[i] = v[i].id;
		d->at[i] = v[i].at;
	}
	d->n = n;
	rc = 0;
	goto out;
named:
	snprintf(err->file, sizeof err->file, "tasks.csv");
out:
	if (r)
		csvio_close(r);
	free(v);
	return rc;
}

static int
cmp_event(const void *pa, const void *pb)
{
	const struct event *a = pa, *b = pb;
	int c = strcmp(a->contact, b->contact);

	if (c)
		return c;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* Events whose slot is still ahead stay in inbox/ for a later tick. */
int64_t
events_slot(int64_t tick, int64_t from, int64_t t)
{
	int64_t s = sched_slot_ceil(t, tick);

	if (from != STATE_NONE && s <= from)
		s = from + tick;
	return s;
}

/* The value of key in an event's data column (KEY=VALUE&..., %XX
 * escapes), or "". */
static const char *
data_get(struct arena *a, const char *data, const char *key)
{
	size_t klen = strlen(key);
	const char *p = data;

	while (*p) {
		size_t n = strcspn(p, "&");

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			char *v = arena_strndup(a, p + klen + 1, n - klen - 1), *w = v;
			const char *q;

			for (q = v; *q; q++) {
				unsigned x;

				if (q[0] == '%' && q[1] && q[2] && sscanf(q + 1, "%2x", &x) == 1) {
					*w++ = (char)x;
					q += 2;
				} else {
					*w++ = *q;
				}
			}
			*w = '\0';
			return v;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return "";
}

int
events_load(struct arena *a, const char *root, int64_t tick, int64_t from, int64_t to,
	    struct events *ev, struct drip_err *err)
{
	char *dir = fsio_join(root, "inbox");
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	memset(ev, 0, sizeof *ev);
	free(dir);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		const char *rel;
		size_t len = strlen(e->d_name);
		struct csvio_table t;
		struct event *x;
		char *full;
		long ct, cc, cn, cs;
		int rc;

		if (e->d_name[0] == '.' || len <= 4 || strcmp(e->d_name + len - 4, ".csv") != 0)
			continue;
		rel = arena_printf(a, "inbox/%s", e->d_name);
		full = fsio_join(root, rel);
		rc = csvio_table_load(a, full, &t, err);
		free(full);
		if (rc < 0) {
			closedir(d);
			snprintf(err->file, sizeof err->file, "%s", rel);
			return -1;
		}
		ct = csvio_table_col(&t, "time");
		cc = csvio_table_col(&t, "contact");
		cn = csvio_table_col(&t, "name");
		cs = csvio_table_col(&t, "sequence");
		if (ct < 0 || cc < 0 || cn < 0 || cs < 0 || t.nrows != 1) {
			closedir(d);
			return err_set(err, DRIP_EDATA, rel, 1, 0,
				       "an event file has the columns time,contact,name,sequence,data "
				       "and one row");
		}
		if (ev->n == cap) {
			size_t nc = cap ? cap * 2 : 16;

			ev->v = arena_grow(a, ev->v, ev->n, nc, sizeof *ev->v);
			cap = nc;
		}
		x = &ev->v[ev->n];
		x->id = arena_strndup(a, e->d_name, len - 4);
		x->contact = t.rows[0][cc];
		x->name = t.rows[0][cn];
		x->sequence = t.rows[0][cs];
		x->answer = data_get(a, csvio_table_col(&t, "data") >= 0 ?
				     t.rows[0][csvio_table_col(&t, "data")] : "", "answer");
		if (state_parse_time(t.rows[0][ct], &x->time) < 0 || x->time == STATE_NONE ||
		    !ws_valid_contact_id(x->contact) || !ws_valid_id(x->name) ||
		    (*x->sequence && !ws_valid_id(x->sequence))) {
			closedir(d);
			return err_set(err, DRIP_EDATA, rel, 2, 0,
				       "bad event: a UTC time, a contact id, an event name and an "
				       "optional sequence id are needed");
		}
		if (events_slot(tick, from, x->time) <= to)
			ev->n++;	/* its time has come; the rest wait */
	}
	closedir(d);
	if (ev->n > 1)
		qsort(ev->v, ev->n, sizeof *ev->v, cmp_event);
	return 0;
}
