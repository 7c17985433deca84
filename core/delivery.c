/*
 * delivery.c - delivering a workspace's outbox and saying what failed.
 *
 * A failed hand-over knows only its queue file name.  The log row that
 * queued the message knows the rest (contact, sequence, step or
 * automation, Message-ID), and the name says where it is: the slot in the
 * name is that row's time, so its month's log file holds it.  The lookup
 * reads each such file once per run, and only when something failed, so a
 * run that delivers everything reads no log at all.
 */
#include "delivery.h"

#include <stdlib.h>
#include <string.h>

#include "actlog.h"
#include "arena.h"
#include "config.h"
#include "csvio.h"
#include "engine.h"
#include "err.h"
#include "fsio.h"

/* Width of the slot in a queue file name (see outbox_name). */
#define SLOT_DIGITS 12
/* Hex digits of a Message-ID hash. */
#define HASH_HEX 32
/* Seconds a transport or command may run. */
#define DELIVERY_TIMEOUT 60

/* A failed hand-over while outbox_deliver runs: its name and event are
 * kept until the log is searched for the rows that queued them. */
struct pending {
	const char *name, *kind, *hex;	/* hex points into name */
	struct outbox_event ev;
};

struct collect {
	struct arena *a;
	const char *kind;
	struct pending *v;
	size_t n, cap;
};

static void
on_event(void *ctx, const struct outbox_event *ev)
{
	struct collect *c = ctx;
	struct pending *p = ARENA_PUSH(c->a, c->v, c->n, c->cap);
	size_t skip = SLOT_DIGITS + 1 + strlen(c->kind) + 1;

	p->name = arena_strdup(c->a, ev->name);
	p->kind = c->kind;
	p->ev = *ev;
	p->ev.name = p->name;
	/* outbox_deliver passes only names of the form SLOT-KIND-HASH. */
	p->hex = strlen(p->name) >= skip + HASH_HEX ? p->name + skip : "";
}

static int64_t
name_slot(const char *name)
{
	int64_t t = 0;
	int i;

	for (i = 0; i < SLOT_DIGITS && name[i] >= '0' && name[i] <= '9'; i++)
		t = t * 10 + (name[i] - '0');
	return t;
}

static int
cmp_hex(const void *a, const void *b)
{
	const struct pending *const *x = a, *const *y = b;

	return strncmp((*x)->hex, (*y)->hex, HASH_HEX);
}

/* The failures whose hash is hex (HASH_HEX chars) among sorted (n), or
 * the first index of them and *count; -1 when none. */
static long
find_hex(struct pending **sorted, size_t n, const char *hex, size_t *count)
{
	size_t lo = 0, hi = n, k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(sorted[mid]->hex, hex, HASH_HEX) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || strncmp(sorted[lo]->hex, hex, HASH_HEX) != 0)
		return -1;
	for (k = lo; k < n && strncmp(sorted[k]->hex, hex, HASH_HEX) == 0; k++)
		;
	*count = k - lo;
	return (long)lo;
}

/*
 * Fill rows[i] (parallel to p) from the log rows that queued the
 * messages: for each log month named by a failure's slot, one pass over
 * the file.  A file that is missing or unreadable leaves the rows as they
 * are: the failure is still logged, with less to say.
 */
static void
resolve(struct arena *a, const char *root, struct pending *p, size_t n, struct log_row *rows)
{
	struct pending **sorted = arena_alloc(a, (n + 1) * sizeof *sorted);
	char **months = arena_alloc(a, (n + 1) * sizeof *months);
	size_t nm = 0, i, k;

	for (i = 0; i < n; i++) {
		char rel[64];

		sorted[i] = &p[i];
		actlog_path(name_slot(p[i].name), rel, sizeof rel);
		for (k = 0; k < nm; k++)
			if (strcmp(months[k], rel) == 0)
				break;
		if (k == nm)
			months[nm++] = arena_strdup(a, rel);
	}
	qsort(sorted, n, sizeof *sorted, cmp_hex);
	for (k = 0; k < nm; k++) {
		struct csvio_reader *r = NULL;
		struct csvio_row row;
		struct drip_err e;
		char *path = fsio_join(root, months[k]);
		long col[6];
		static const char *const names[] = {
			"contact", "sequence", "step", "automation", "action", "ref",
		};
		size_t j;

		if (csvio_open(path, &r, &e) < 0) {
			free(path);
			continue;
		}
		free(path);
		for (j = 0; j < 6; j++)
			col[j] = csvio_col(r, names[j]);
		if (col[4] < 0 || col[5] < 0) {
			csvio_close(r);
			continue;
		}
		while (csvio_next(r, &row, &e) == 1) {
			const char *ref = row.f[col[5]];
			size_t cnt = 0;
			long at;

			/* "<HASH@domain>", on a row that queued something. */
			if (ref[0] != '<' || row.len[col[5]] < HASH_HEX + 2 ||
			    strcmp(row.f[col[4]], "deliver") == 0)
				continue;
			at = find_hex(sorted, n, ref + 1, &cnt);
			for (; at >= 0 && cnt > 0; cnt--, at++) {
				struct log_row *lr = &rows[sorted[at] - p];

				if (lr->ref != sorted[at]->name)
					continue;	/* found already */
				lr->ref = arena_strdup(a, ref);
				for (j = 0; j < 4; j++)
					if (col[j] >= 0) {
						const char *v = arena_strdup(a, row.f[col[j]]);

						if (j == 0)
							lr->contact = v;
						else if (j == 1)
							lr->sequence = v;
						else if (j == 2)
							lr->step = v;
						else
							lr->automation = v;
					}
			}
		}
		csvio_close(r);
	}
}

int
delivery_run(struct arena *a, const char *root, const struct config *cfg, int64_t now,
	     struct delivery *out, struct drip_err *err)
{
	static const char *const kinds[] = { "email", "sms", "run" };
	struct collect col;
	struct log_row *rows;
	char *dir = fsio_join(root, "outbox");
	size_t k, i;
	int rc = 0;

	memset(out, 0, sizeof *out);
	memset(&col, 0, sizeof col);
	col.a = a;
	for (k = 0; k < 3 && rc == 0; k++) {
		/* Commands of run actions: each file carries its own argv,
		 * and gives up when an email would. */
		const struct transport *t = k == 1 ? &cfg->sms : &cfg->email;
		struct outbox_policy pol;
		struct outbox_stats st;

		if (k < 2 && t->kind == TRANSPORT_MAILDIR)
			continue;
		memset(&pol, 0, sizeof pol);
		pol.now = now;
		pol.max = k < 2 ? t->rate_count : 0;
		pol.timeout_secs = DELIVERY_TIMEOUT;
		col.kind = kinds[k];
		rc = outbox_deliver(dir, kinds[k], t, &pol, on_event, &col, &st, err);
		out->total.sent += st.sent;
		out->total.failed += st.failed;
		out->total.gave_up += st.gave_up;
		out->total.deferred += st.deferred;
		out->total.waiting += st.waiting;
	}
	free(dir);
	if (col.n == 0)
		return rc;
	rows = arena_alloc(a, col.n * sizeof *rows);
	for (i = 0; i < col.n; i++) {
		struct pending *p = &col.v[i];

		rows[i].time = now;
		rows[i].contact = rows[i].sequence = rows[i].step = rows[i].automation = "";
		rows[i].action = "deliver";
		rows[i].result = "failed";
		rows[i].ref = p->name;
		rows[i].detail = p->ev.gave_up ?
			arena_printf(a, "gave up after %d attempt%s: %s", p->ev.attempts,
				     p->ev.attempts == 1 ? "" : "s", p->ev.detail) :
			arena_strdup(a, p->ev.detail);
	}
	resolve(a, root, col.v, col.n, rows);
	for (i = 0; i < col.n; i++) {
		struct delivery_failure *f = ARENA_PUSH(a, out->v, out->n, out->cap);

		f->kind = col.v[i].kind;
		f->gave_up = col.v[i].ev.gave_up;
		f->row = &rows[i];
	}
	return rc;
}

/* ---- the summary ---- */

static struct delivery_kind *
tally_get(struct arena *a, struct delivery_tally *t, const char *key, const struct log_row *r)
{
	struct delivery_kind *k;
	char rel[64];
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	k = ARENA_PUSH(a, t->v, t->n, t->cap);
	actlog_path(r->time, rel, sizeof rel);
	k->key = arena_strdup(a, key);
	k->n = 0;
	k->detail = arena_strdup(a, r->detail ? r->detail : "");
	k->log = arena_strdup(a, rel);
	return k;
}

void
delivery_tally_row(struct arena *a, struct delivery_tally *t, const struct log_row *r)
{
	if (r->result == NULL || strcmp(r->result, "failed") != 0)
		return;
	tally_get(a, t, r->action, r)->n++;
}

void
delivery_tally_failure(struct arena *a, struct delivery_tally *t,
		       const struct delivery_failure *f)
{
	const char *key = arena_printf(a, "deliver:%s:%s", f->kind,
				       f->gave_up ? "gave_up" : "retry");

	tally_get(a, t, key, f->row)->n++;
}

size_t
delivery_tally_total(const struct delivery_tally *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		n += t->v[i].n;
	return n;
}

/* What n things of an action or message kind are called. */
static const char *
noun(struct arena *a, const char *what, size_t n)
{
	static const char *const names[][3] = {
		{ "email", "email", "emails" },
		{ "sms", "SMS", "SMS" },
		{ "notify", "notification", "notifications" },
		{ "run", "command", "commands" },
		{ "tick", "contact", "contacts" },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(what, names[i][0]) == 0)
			return names[i][n == 1 ? 1 : 2];
	return arena_printf(a, "%s action%s", what, n == 1 ? "" : "s");
}

const char *
delivery_tally_line(struct arena *a, const struct delivery_kind *k)
{
	if (strncmp(k->key, "deliver:", 8) == 0) {
		const char *kind = k->key + 8, *colon = strchr(kind, ':');
		const char *what = arena_printf(a, "%.*s", (int)(colon - kind), kind);

		if (strcmp(colon + 1, "gave_up") == 0)
			return arena_printf(a, "%zu %s given up on, moved to outbox/failed/: %s (%s)",
					    k->n, noun(a, what, k->n), k->detail, k->log);
		return arena_printf(a, "%zu %s not delivered, will retry: %s (%s)", k->n,
				    noun(a, what, k->n), k->detail, k->log);
	}
	return arena_printf(a, "%zu %s failed: %s (%s)", k->n, noun(a, k->key, k->n), k->detail,
			    k->log);
}
