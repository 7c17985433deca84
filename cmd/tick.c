/*
 * tick.c - `drip tick` (SPEC §9): the cron job.
 *
 * The pass and its writers are core's (run.h, runio.h); this file parses
 * the options, takes the lock and the store, runs the pass with the sink
 * that writes (or, for --dry-run, the one that collects, then prints what
 * it collected), delivers, prints the summary and picks the exit code.
 * A tick whose actions or deliveries failed still commits, then says so
 * on stderr, one line per kind of failure, and exits 1 (SPEC §9.4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "delivery.h"
#include "gc.h"
#include "dtime.h"
#include "engine.h"
#include "json.h"
#include "run.h"
#include "runio.h"
#include "runlog.h"
#include "sbuf.h"
#include "store.h"
#include "width.h"
#include "ws.h"

const struct optspec tick_opts[] = {
	{ "catch-up", 0, NULL, "process a backlog longer than max_lag", NULL },
	{ "dry-run", 'n', NULL, "print what would fire; change nothing", NULL },
	{ "no-deliver", 0, NULL, "queue messages in outbox/ but do not hand them over", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

struct tick_opts {
	int dry, catch_up, no_deliver, json;
};

static int
on_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct tick_opts *o = ud;

	(void)c;
	(void)arg;
	if (strcmp(name, "dry-run") == 0)
		o->dry = 1;
	else if (strcmp(name, "catch-up") == 0)
		o->catch_up = 1;
	else if (strcmp(name, "no-deliver") == 0)
		o->no_deliver = 1;
	return 0;
}

/*
 * Progress on a terminal: a bar per phase (contacts, writing, committing,
 * delivering) on stderr, once the phase has taken DRIP_PROGRESS_AFTER
 * milliseconds (default 500), so a quick tick shows none; redrawn at most
 * ten times a second, ended with its full bar and a newline.
 */
struct bar {
	const char *phase;		/* the phase being timed */
	double start, last;		/* when it began, when last drawn */
	double after;			/* seconds before the first bar */
	int drawn;
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bar_draw(const char *phase, size_t done, size_t total)
{
	char cells[31];
	size_t w = sizeof cells - 1, fill = total ? (done >= total ? w : done * w / total) : 0, i;

	for (i = 0; i < w; i++)
		cells[i] = i < fill ? '#' : '-';
	cells[w] = '\0';
	fprintf(stderr, "\r%-10s [%s] %3u%%", phase, cells,
		(unsigned)(total ? (done >= total ? 100 : done * 100 / total) : 0));
}

static void
bar_phase(void *ctx, const char *phase, size_t done, size_t total)
{
	struct bar *b = ctx;
	double now = mono();
	int end = total && done >= total;

	if (b->phase == NULL || strcmp(b->phase, phase) != 0) {
		if (b->drawn)
			fputc('\n', stderr);
		b->phase = phase;
		b->start = now;
		b->drawn = 0;
	}
	if (b->drawn && end) {
		bar_draw(phase, done, total);
		fputc('\n', stderr);
		b->drawn = 0;
		b->phase = NULL;
		return;
	}
	if (end) {
		b->phase = NULL;
		return;
	}
	if (now - b->start < b->after || (b->drawn && now - b->last < 0.1))
		return;
	bar_draw(phase, done, total);
	b->drawn = 1;
	b->last = now;
}

/* --dry-run: the log rows the run would write, as a table or JSON. */
static void
print_dry(struct cmd_ctx *c, const struct tick_opts *o, const struct run_info *ri,
	  const struct run_collect *k)
{
	struct sbuf out = SBUF_INIT;
	struct json j;
	size_t i;

	json_init(&j, &out, 1);
	if (o->json)
		json_arr(&j);
	for (i = 0; i < k->k.nrows; i++) {
		const struct log_row *l = &k->k.rows[i];
		char t[32];

		dtime_format_utc(l->time, t, sizeof t);
		if (o->json) {
			json_obj(&j);
			json_kstr(&j, "time", t);
			json_kstr(&j, "contact", l->contact);
			json_kstr(&j, "sequence", l->sequence);
			json_kstr(&j, "step", l->step);
			json_kstr(&j, "action", l->action);
			json_kstr(&j, "result", l->result);
			json_kstr(&j, "ref", l->ref);
			json_kstr(&j, "detail", l->detail);
			json_end(&j);
		} else {
			/* Tab-separated; a tab, newline or ESC in a value is
			 * shown escaped, so it cannot break the row. */
			const char *f[6] = { l->contact, l->sequence, l->step, l->action,
					     l->result, l->detail };
			size_t n;

			sbuf_adds(&out, t);
			for (n = 0; n < 6; n++) {
				sbuf_addc(&out, '\t');
				width_clean(&out, f[n] ? f[n] : "", 0);
			}
			sbuf_addc(&out, '\n');
		}
	}
	if (o->json) {
		json_end(&j);
		sbuf_addc(&out, '\n');
	} else if (k->k.nrows) {
		fputs("time\tcontact\tsequence\tstep\taction\tresult\tdetail\n", stdout);
	} else if (!c->quiet) {
		printf("nothing would fire up to %s\n", show_time(c, ri->to));
	}
	fwrite(out.buf ? out.buf : "", 1, out.len, stdout);
	sbuf_release(&out);
}

/* The commit's subject, and what delivery did. */
static void
print_summary(const char *summary, const struct delivery *dlv)
{
	const struct outbox_stats *t = &dlv->total;

	printf("%s", summary);
	if (t->sent || t->failed || t->waiting || t->deferred) {
		printf("; %zu delivered", t->sent);
		if (t->failed > t->gave_up)
			printf(", %zu to retry", t->failed - t->gave_up);
		if (t->gave_up)
			printf(", %zu given up", t->gave_up);
		if (t->waiting + t->deferred)
			printf(", %zu waiting", t->waiting + t->deferred);
	}
	putchar('\n');
}

/* After the commit and delivery, still under the lock: pack the
 * repository once its loose objects pass drip.yaml's gc.auto.  A failure
 * leaves the tick's commit as it is: one line, exit 1, and `drip gc` (or
 * the next tick) packs. */
static int
auto_gc(struct cmd_ctx *c)
{
	struct gc_result r;
	struct drip_err e;
	int ran;

	if (gc_auto(c->root, (size_t)c->cfg.gc_auto, &ran, &r, &e) < 0) {
		fprintf(stderr, "drip: the tick is committed, but packing the repository "
			"failed: %s; 'drip gc' tries again\n", e.msg);
		return -1;
	}
	if (ran && c->verbose)
		printf("packed %zu objects into %s; removed %zu loose objects\n", r.packed,
		       r.pack, r.pruned);
	return 0;
}

int
cmd_tick(int argc, char **argv, struct cmd_ctx *c)
{
	struct tick_opts o;
	struct run_opts ro;
	struct run_info ri;
	struct run_collect k;
	struct run_sink sink;
	struct runio *w = NULL;
	struct delivery dlv;
	struct bar bar;
	const char *env;
	const struct delivery_tally *tally;
	size_t i;
	int rc;

	memset(&o, 0, sizeof o);
	if ((rc = opts_parse(c, argc, argv, tick_opts, on_opt, &o)) < 0)
		return DRIP_EUSAGE;
	if (argc - rc != 0)
		return usage_error(c, "tick takes no arguments");
	if (o.dry) {
		if (c->format && strcmp(c->format, "json") == 0)
			o.json = 1;
		else if (c->format && strcmp(c->format, "table") != 0)
			return usage_error(c, "--format must be table or json");
	}
	memset(&ro, 0, sizeof ro);
	ro.root = c->root;
	ro.cfg = &c->cfg;
	ro.a = &c->a;
	ro.now = c->now;
	ro.has_now = c->has_now;
	ro.dry = o.dry;
	ro.catch_up = o.catch_up;
	memset(&bar, 0, sizeof bar);
	bar.after = 0.5;
	if ((env = getenv("DRIP_PROGRESS_AFTER")) != NULL && *env)
		bar.after = strtod(env, NULL) / 1000;
	if (isatty(STDERR_FILENO) && !c->quiet) {
		ro.phase = bar_phase;
		ro.progress_ctx = &bar;
	}
	/* A dry run reads only: no lock, no store. */
	if (!o.dry) {
		if (ws_lock(c->root, c->wait >= 0 ? c->wait : 0, &c->lockfd, &c->err) < 0)
			return -1;
		if (store_open(c->root, &c->store, &c->err) < 0)
			return -1;
		ro.store = c->store;
		if (run_check_key(c->root, c->store, &c->err) < 0 || cmd_prepare(c) < 0)
			return -1;
	}
	/* A protected sequence or automation changed outside drip is not run
	 * (SPEC §3.6): checked under the lock, after an interrupted command
	 * was finished or undone (its files and records change together), and
	 * before the tick writes anything. */
	if (protect_check_all(&c->a, c->root, &c->err) < 0)
		return -1;
	if (!o.dry) {
		if (runlog_recover_delivery(&ro, &c->err) < 0)
			return -1;
		w = runio_new(&ro);
		sink = runio_sink(w);
	} else {
		run_collect_init(&k, &c->a);
		sink = run_collect_sink(&k);
	}
	rc = run_pass(&ro, &sink, &ri, &c->err);
	if (rc == RUN_NOTHING) {
		if (c->verbose)
			printf("nothing to do: slot %s was processed already\n", show_time(c, ri.from));
		rc = 0;
	} else if (rc == 0 && o.dry) {
		print_dry(c, &o, &ri, &k);
	} else if (rc == 0) {
		memset(&dlv, 0, sizeof dlv);
		if (!o.no_deliver)
			rc = runio_deliver(w, &dlv, &c->err);
		if (c->verbose || (isatty(STDOUT_FILENO) && !c->quiet))
			print_summary(runio_summary(w), &dlv);
		/* One line per kind of failure on stderr, for cron to mail. */
		tally = runio_tally(w);
		for (i = 0; i < tally->n; i++)
			fprintf(stderr, "drip: %s\n", delivery_tally_line(&c->a, &tally->v[i]));
		if (rc == 0 && tally->n > 0)
			rc = DRIP_EFAIL;
		if (auto_gc(c) < 0)
			rc = DRIP_EFAIL;
	}
	runio_free(w);
	return rc;
}
