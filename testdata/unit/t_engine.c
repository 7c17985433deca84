/*
 * t_engine.c - the tick engine as the pure function it is: the composition
 * law (SPEC §9.2) checked directly, advance(a, c] == advance(a, b] then
 * advance(b, c] for every slot b, plus idempotence and variant stability.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "diag.h"
#include "dtime.h"
#include "engine.h"
#include "err.h"
#include "sbuf.h"
#include "schema.h"
#include "seq.h"
#include "state.h"
#include "tap.h"
#include "tmpl.h"
#include "tz.h"
#include "ydoc.h"
#include "actlog.h"

static const char seq_yaml[] =
	"id: s\n"
	"name: Test\n"
	"send_window: {days: [mon, tue, wed, thu, fri], from: \"09:00\", to: \"17:00\"}\n"
	"steps:\n"
	"  - {id: a, type: email, wait: 0, template: t.eml}\n"
	"  - {id: b, type: email, wait: 1d, at: \"07:30\", template: t.eml}\n"
	"  - {id: c, type: branch, wait: 5h, if: 'plan == \"pro\"', then: e}\n"
	"  - {id: d, type: delay, wait: 2d}\n"
	"  - {id: e, type: email, wait: 1w,\n"
	"     variants: [{weight: 1, template: t.eml}, {weight: 3, template: t.eml}]}\n"
	"  - {id: f, type: fulfillment, wait: 0, list: gifts}\n";

static const char tmpl_text[] = "Subject: Hi {{first_name}}\n\nHello {{first_name | \"you\"}}.\n";

struct world {
	struct arena a;
	struct config cfg;
	struct seqdef sd;
	struct defs d;
	const char *paths[1];
	const struct tmpl *tmpls[1];
};

static int
setup(struct world *w)
{
	struct diags dg;
	struct schema s;
	struct ydoc doc;
	struct drip_err e;
	struct tmpl *t;

	memset(w, 0, sizeof *w);
	config_defaults(&w->cfg);
	w->cfg.from = "Acme <hello@acme.example>";
	if (tz_load("America/New_York", &w->cfg.tz, &e) < 0)
		return -1;
	if (ydoc_load(&w->a, "s.yaml", seq_yaml, strlen(seq_yaml), &doc, &e) < 0)
		return -1;
	diag_init(&dg, &w->a);
	s.a = &w->a;
	s.d = &dg;
	s.file = "s.yaml";
	w->sd.q = seq_parse(&s, &doc);
	if (dg.nerr) {
		printf("# %s:%d:%d %s\n", dg.v[0].file, dg.v[0].line, dg.v[0].col, dg.v[0].msg);
		return -1;
	}
	if (tmpl_parse(&w->a, "t.eml", tmpl_text, strlen(tmpl_text), &t, &e) < 0)
		return -1;
	w->paths[0] = "t.eml";
	w->tmpls[0] = t;
	w->sd.id = "s";
	w->sd.version = 1;
	w->sd.accepting = w->sd.running = 1;
	w->sd.zone = w->cfg.tz;
	w->sd.window = w->sd.q->window;
	w->sd.tmpl_paths = w->paths;
	w->sd.tmpls = w->tmpls;
	w->sd.ntmpls = 1;
	w->d.cfg = &w->cfg;
	w->d.seqs = &w->sd;
	w->d.nseqs = 1;
	w->d.msgid_domain = "acme.example";
	return 0;
}

/* Run (from, to] in steps through the given cut points; the outcome as
 * text: the final row and every log row and message name. */
static void
run(struct world *w, struct contact *c, int64_t enrolled, const int64_t *cuts,
    size_t ncuts, struct sbuf *out)
{
	struct arena fa = ARENA_INIT;
	struct sbuf msgs = SBUF_INIT;
	struct effects fx;
	struct drip_err err;
	struct enr e, *ep = &e;
	int64_t from = STATE_NONE;
	size_t i, k, n = 1;

	memset(&e, 0, sizeof e);
	e.contact = c->id;
	e.sequence = "s";
	e.version = 1;
	e.status = ENR_ACTIVE;
	e.step = "a";
	e.entered = e.base = e.enrolled = enrolled;
	e.paused = e.hold = STATE_NONE;
	e.task = "";
	e.sent_day = "";
	for (i = 0; i < ncuts; i++) {
		effects_init(&fx, &fa);
		if (engine_advance(&w->d, c, &ep, &n, NULL, NULL, 0, from, cuts[i], &fx, &err) < 0) {
			sbuf_printf(out, "error: %s\n", err.msg);
			break;
		}
		for (k = 0; k < fx.nlog; k++)
			actlog_format(out, &fx.log[k]);
		/* Messages apart from the log: only their set and content count,
		 * not how the runs interleave them. */
		for (k = 0; k < fx.nmsgs; k++)
			sbuf_printf(&msgs, "msg %s %zu\n", fx.msgs[k].name, fx.msgs[k].len);
		from = cuts[i];
		/* The row must survive the arena of the effects. */
		e.step = arena_strdup(&w->a, e.step);
		e.task = arena_strdup(&w->a, e.task);
		e.sent_day = arena_strdup(&w->a, e.sent_day ? e.sent_day : "");
		arena_release(&fa);
	}
	sbuf_add(out, msgs.buf ? msgs.buf : "", msgs.len);
	sbuf_release(&msgs);
	state_enr_format(out, &e);
}

int
main(void)
{
	static const char *cols[] = { "id", "email", "first_name", "plan" };
	static const char *v1[] = { "c1", "c1@example.com", "Ann", "pro" };
	static const char *v2[] = { "c2", "c2@example.com", "Bo", "free" };
	struct contact c1 = { "c1", cols, v1, 4, 0 }, c2 = { "c2", cols, v2, 4, 0 };
	struct contact *cs[2] = { &c1, &c2 };
	struct world w;
	int64_t start, end, slot = 20 * 60, cuts[2];
	char why[128];
	size_t ci, i, ok_cuts;

	if (!ok(setup(&w) == 0, "a sequence and a template parse"))
		return tap_done();
	/* Around the US DST change (2026-03-08), across a weekend. */
	dtime_parse("2026-03-05T14:07:00Z", NULL, &start, why, sizeof why);
	dtime_parse("2026-03-20T00:00:00Z", NULL, &end, why, sizeof why);
	for (ci = 0; ci < 2; ci++) {
		struct sbuf once = SBUF_INIT, again = SBUF_INIT;
		int64_t one[1] = { end }, twice[2] = { end, end + slot };

		run(&w, cs[ci], start, one, 1, &once);
		like(sbuf_str(&once), ",a,,email,ok,", "contact %s: the first email fires", cs[ci]->id);
		ok(strstr(sbuf_str(&once), "error") == NULL, "contact %s: no loop error",
		   cs[ci]->id);
		/* Idempotence: a second advance over an empty range adds nothing
		 * but the same final row. */
		run(&w, cs[ci], start, twice, 2, &again);
		is_str(sbuf_str(&again), sbuf_str(&once),
		       "contact %s: advancing again over nothing changes nothing", cs[ci]->id);
		/* Composition, cut at every slot of the fortnight. */
		ok_cuts = 0;
		for (i = 0;; i++) {
			struct sbuf split = SBUF_INIT;
			int64_t b = (start / slot + 1 + (int64_t)i) * slot;

			if (b >= end)
				break;
			cuts[0] = b;
			cuts[1] = end;
			run(&w, cs[ci], start, cuts, 2, &split);
			if (strcmp(sbuf_str(&split), sbuf_str(&once)) == 0)
				ok_cuts++;
			else if (ok_cuts + 1 == i + 1)
				printf("# first differing cut: %lld\n%s\n---\n%s", (long long)b,
				       sbuf_str(&split), sbuf_str(&once));
			sbuf_release(&split);
		}
		is_int(ok_cuts, i, "contact %s: (a,c] == (a,b] + (b,c] for all %zu cuts", cs[ci]->id, i);
		sbuf_release(&once);
		sbuf_release(&again);
	}
	{
		struct sbuf p = SBUF_INIT, f = SBUF_INIT;
		int64_t one[1] = { end };

		run(&w, &c1, start, one, 1, &p);
		run(&w, &c2, start, one, 1, &f);
		like(sbuf_str(&p), ",c,,branch,ok,,then: e", "the pro contact branches to e");
		like(sbuf_str(&f), ",c,,branch,ok,,else: d", "the free contact goes on to d");
		like(sbuf_str(&p), ",f,,fulfillment,ok,gifts,", "then reaches the list step");
		like(sbuf_str(&p), ",,,done,ok,,", "and is done");
		/* §3.3 by hand: enrolled Thu 09:07 EST; a at the first slot in
		 * the window (09:20 EST = 14:20Z); b: 1d at 07:30 -> Fri 07:30,
		 * before the window -> Fri 09:00 EST = 14:00Z. */
		like(sbuf_str(&p), "2026-03-05T14:20:00Z,c1,s,a,,email,ok,", "a in the first slot");
		like(sbuf_str(&p), "2026-03-06T14:00:00Z,c1,s,b,,email,ok,", "b moved into the window");
		/* c: +5h = Fri 14:00 EST = 19:00Z. */
		like(sbuf_str(&p), "2026-03-06T19:00:00Z,c1,s,c,,branch,ok,", "c five hours later");
		/* e: 1w, calendar only and no at: default_time on the date
		 * reached (rule 3), Fri 2026-03-13 10:00 - EDT by then, so
		 * 14:00Z where a week earlier 10:00 was 15:00Z. */
		like(sbuf_str(&p), "2026-03-13T14:00:00Z,c1,s,e,,email,ok,",
		     "e a week later at default_time, in EDT after the DST change");
		sbuf_release(&p);
		sbuf_release(&f);
	}
	{
		int wts[3] = { 1, 3, 0 };
		size_t k1 = engine_variant("c1", "s", "e", wts, 3);

		ok(k1 == engine_variant("c1", "s", "e", wts, 3), "a variant is stable");
		ok(k1 < 2, "a zero-weight variant is never chosen");
	}
	config_release(&w.cfg);
	arena_release(&w.a);
	return tap_done();
}
