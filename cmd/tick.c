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
#include "shard.h"
#include "state.h"
#include "store.h"
#include "width.h"
#include "ws.h"

const struct optspec tick_opts[] = {
	{ "catch-up", 0, NULL, "process a backlog longer than max_lag", NULL },
	{ "dry-run", 'n', NULL, "print what would fire; change nothing", NULL },
	{ "no-deliver", 0, NULL, "queue messages in outbox/ but do not hand them over", NULL },
	{ "push", 0, "REMOTE", "with --shard: fetch from REMOTE first, push the commit and the clock to it",
	  "@remote" },
	{ "shard", 0, "K/N", "tick only shard K of N (0 <= K < N), or auto from the batch engine",
	  "auto" },
	{ "shards", 0, "N", "with --shard auto: the number of shards (Kubernetes)", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

struct tick_opts {
	int dry, catch_up, no_deliver, json;
	const char *push, *shard, *shards;
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
	else if (strcmp(name, "push") == 0)
		o->push = arg;
	else if (strcmp(name, "shard") == 0)
		o->shard = arg;
	else if (strcmp(name, "shards") == 0)
		o->shards = arg;
	return 0;
}

/* A number 0..999 written in digits only, or -1. */
static long
small_number(const char *s)
{
	long v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* From the environment of the batch engine: a Kubernetes Indexed Job
 * (JOB_COMPLETION_INDEX, N from --shards) or a Slurm job array
 * (SLURM_ARRAY_TASK_ID less SLURM_ARRAY_TASK_MIN, of
 * SLURM_ARRAY_TASK_COUNT, or --shards). */
static int
shard_auto(struct cmd_ctx *c, const struct tick_opts *o, long *k, long *n)
{
	const char *idx = getenv("JOB_COMPLETION_INDEX"), *var, *min;

	*n = o->shards ? small_number(o->shards) : -1;
	if (o->shards && *n <= 0)
		return usage_error(c, "--shards takes a number of shards, not '%s'", o->shards);
	if (idx && *idx) {
		if ((*k = small_number(idx)) < 0)
			return usage_error(c, "--shard auto: JOB_COMPLETION_INDEX is '%s', "
					   "not a number", idx);
		if (*n < 0)
			return usage_error(c, "--shard auto: JOB_COMPLETION_INDEX is set, and the "
					   "number of shards comes from --shards N (the Job's "
					   "completions)");
		return 0;
	}
	var = getenv("SLURM_ARRAY_TASK_ID");
	if (var == NULL || *var == '\0')
		return usage_error(c, "--shard auto: neither JOB_COMPLETION_INDEX (a Kubernetes "
				   "Indexed Job) nor SLURM_ARRAY_TASK_ID (a Slurm job array) is set");
	if ((*k = small_number(var)) < 0)
		return usage_error(c, "--shard auto: SLURM_ARRAY_TASK_ID is '%s', not a number",
				   var);
	min = getenv("SLURM_ARRAY_TASK_MIN");
	if (min && *min) {
		long m = small_number(min);

		if (m < 0 || m > *k)
			return usage_error(c, "--shard auto: SLURM_ARRAY_TASK_MIN is '%s', not a "
					   "number up to SLURM_ARRAY_TASK_ID", min);
		*k -= m;
	}
	if (*n < 0) {
		var = getenv("SLURM_ARRAY_TASK_COUNT");
		if (var == NULL || *var == '\0')
			return usage_error(c, "--shard auto: SLURM_ARRAY_TASK_COUNT is not set; "
					   "give the number of shards with --shards N");
		if ((*n = small_number(var)) <= 0)
			return usage_error(c, "--shard auto: SLURM_ARRAY_TASK_COUNT is '%s', not a "
					   "number of shards", var);
	}
	return 0;
}

/* --shard K/N or auto, --shards N: ro's shard, or a usage error. */
static int
shard_opts(struct cmd_ctx *c, const struct tick_opts *o, struct run_opts *ro)
{
	long k = -1, n = -1;
	const char *slash;

	if (o->shard == NULL) {
		if (o->shards)
			return usage_error(c, "--shards goes with --shard auto");
		/* The workspace clock is not pushed; a shard's is.  One machine
		 * sharing through a remote is shard 0/1. */
		if (o->push)
			return usage_error(c, "--push goes with --shard K/N or --shard auto (one "
					   "machine: --shard 0/1)");
		return 0;
	}
	if (strcmp(o->shard, "auto") == 0) {
		if (shard_auto(c, o, &k, &n) != 0)
			return DRIP_EUSAGE;
	} else if ((slash = strchr(o->shard, '/')) != NULL) {
		char kbuf[8];

		snprintf(kbuf, sizeof kbuf, "%.*s", (int)(slash - o->shard), o->shard);
		k = slash - o->shard < (long)sizeof kbuf ? small_number(kbuf) : -1;
		n = small_number(slash + 1);
		if (o->shards && small_number(o->shards) != n)
			return usage_error(c, "--shards %s differs from the N of --shard %s",
					   o->shards, o->shard);
	}
	if (k < 0 || n <= 0)
		return usage_error(c, "--shard takes K/N with 0 <= K < N, or auto; not '%s'",
				   o->shard);
	if (k >= n)
		return usage_error(c, "--shard %ld/%ld: K counts from 0 and must be less than N", k,
				   n);
	if (STATE_SHARDS % n != 0)
		return usage_error(c, "--shard: N must divide %d, the number of enrollment files; "
				   "%ld does not", STATE_SHARDS, n);
	ro->shard_k = (unsigned)k;
	ro->shard_n = (unsigned)n;
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
	if (shard_opts(c, &o, &ro) != 0)
		return DRIP_EUSAGE;
	if (o.push && o.dry)
		return usage_error(c, "--push and --dry-run do not go together");
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
		/* A worker of many: up to date with the remote first. */
		if (o.push && shard_pull(c->store, o.push, &c->err) < 0)
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
	/* The commit (or a clock that moved, or one left from a run that
	 * could not push) goes to the remote before anything is delivered:
	 * a clone that cannot push keeps it for the next run. */
	if ((rc == 0 || rc == RUN_NOTHING) && o.push && !o.dry) {
		size_t tries;

		if (shard_push(c->store, o.push, ro.shard_k, ro.shard_n, &tries, &c->err) < 0) {
			runio_free(w);
			return -1;
		}
		if (c->verbose && tries > 1)
			printf("pushed to %s after %zu tries\n", o.push, tries);
	}
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
