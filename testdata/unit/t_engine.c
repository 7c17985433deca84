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
#include "sched.h"
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

/* A rule step that may stop the contact, then messages (SPEC §5). */
static const char eng_yaml[] =
	"id: g\n"
	"steps:\n"
	"  - {id: r, type: rule, wait: 0, if: 'plan == \"pro\"', then: [{tag: {add: [vip]}}],\n"
	"     else: [mark_inactive, {notify: {template: t.eml}}]}\n"
	"  - {id: m, type: email, wait: 0, template: t.eml}\n"
	"  - {id: n, type: email, wait: 1d, template: t.eml}\n"
	"  - {id: o, type: sms, wait: 0, text: hi}\n";

/* A date sequence: a date long past, one from a column, one to come. */
static const char date_yaml[] =
	"id: d\n"
	"kind: date\n"
	"steps:\n"
	"  - {id: old, type: email, template: t.eml, on: 2026-01-05}\n"
	"  - {id: ren, type: email, template: t.eml, on: {field: renew, offset: -3d}}\n"
	"  - {id: fut, type: email, template: t.eml, on: 2026-12-24}\n";

static const char tmpl_text[] = "Subject: Hi {{first_name}}\n\nHello {{first_name | \"you\"}}.\n";
static const char yn_text[] = "Subject: Still there?\n\nYes: {{link.yes}}\nNo: {{link.no}}\n";

/* Notify to the contact, with and without its own answer links, and to a
 * colleague. */
static const char notify_yaml[] =
	"id: n\n"
	"coordinator: coach@acme.example\n"
	"steps:\n"
	"  - id: w\n"
	"    type: delay\n"
	"    wait: 5d\n"
	"    automations:\n"
	"      - id: ask\n"
	"        on: enter\n"
	"        actions:\n"
	"          - notify: {template: yn.eml, still_interested: true, coordinator: true}\n"
	"          - notify: {template: t.eml, still_interested: true}\n"
	"          - notify: {template: t.eml, to: owner}\n";

/* Pausing: an email, then one 2 days later with an automation pending
 * for a day on it (SPEC §3.5, §3.6). */
static const char pause_yaml[] =
	"id: p\n"
	"steps:\n"
	"  - {id: a, type: email, wait: 0, template: t.eml}\n"
	"  - id: b\n"
	"    type: email\n"
	"    wait: 2d\n"
	"    template: t.eml\n"
	"    automations:\n"
	"      - {id: nag, on: pending, after: 1d, actions: [{note: nag}]}\n";

struct world {
	struct arena a;
	struct config cfg;
	struct seqdef sd;
	struct defs d;
	const char *paths[2];
	const struct tmpl *tmpls[2];
};

static int
load(struct world *w, const char *yaml)
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
	if (ydoc_load(&w->a, "s.yaml", yaml, strlen(yaml), &doc, &e) < 0)
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
	if (tmpl_parse(&w->a, "yn.eml", yn_text, strlen(yn_text), &t, &e) < 0)
		return -1;
	w->paths[1] = "yn.eml";
	w->tmpls[1] = t;
	w->sd.id = w->sd.q->id;
	w->sd.version = 1;
	w->sd.accepting = w->sd.running = 1;
	w->sd.zone = w->cfg.tz;
	w->sd.window = w->sd.q->has_window ? w->sd.q->window : w->cfg.window;
	w->sd.tmpl_paths = w->paths;
	w->sd.tmpls = w->tmpls;
	w->sd.ntmpls = 2;
	w->d.cfg = &w->cfg;
	w->d.seqs = &w->sd;
	w->d.nseqs = 1;
	w->d.msgid_domain = "acme.example";
	return 0;
}

static int
setup(struct world *w)
{
	return load(w, seq_yaml);
}

/* Run (from, to] in steps through the given cut points, handing each run
 * the events that arrive in its slots (as tick does: an applied event
 * leaves the inbox); the outcome as text: the final row and contact, and
 * every log row and message name.  The contact given is not changed. */
static void
run_ev(struct world *w, const struct contact *c0, int64_t enrolled, const struct event *ev,
       size_t nev, const int64_t *cuts, size_t ncuts, struct sbuf *out)
{
	struct arena fa = ARENA_INIT;
	struct sbuf msgs = SBUF_INIT;
	struct effects fx;
	struct drip_err err;
	struct enr e, *ep = &e;
	struct contact cc = *c0, *c = &cc;
	const char *vals[16];
	int64_t from = STATE_NONE;
	size_t i, k, n = 1, ev0 = 0, ev1;

	memcpy(vals, c0->vals, c0->n * sizeof *vals);
	cc.vals = vals;
	memset(&e, 0, sizeof e);
	e.contact = c->id;
	e.sequence = w->sd.id;
	e.version = 1;
	e.status = ENR_ACTIVE;
	e.step = w->sd.q->steps[0].id;
	e.entered = e.base = e.enrolled = enrolled;
	e.paused = e.hold = STATE_NONE;
	e.task = "";
	e.sent_day = "";
	for (i = 0; i < ncuts; i++) {
		for (ev1 = ev0; ev1 < nev && sched_slot_ceil(ev[ev1].time, 20 * 60) <= cuts[i]; ev1++)
			;
		effects_init(&fx, &fa);
		if (engine_advance(&w->d, c, &ep, &n, NULL, ev1 > ev0 ? ev + ev0 : NULL, ev1 - ev0,
				   from, cuts[i], &fx, &err) < 0) {
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
		ev0 = ev1;
		/* The row and the contact must survive the arena of the effects. */
		for (k = 0; k < c->n; k++)
			vals[k] = arena_strdup(&w->a, vals[k]);
		e.step = arena_strdup(&w->a, e.step);
		e.task = arena_strdup(&w->a, e.task);
		e.sent_day = arena_strdup(&w->a, e.sent_day ? e.sent_day : "");
		arena_release(&fa);
	}
	sbuf_add(out, msgs.buf ? msgs.buf : "", msgs.len);
	sbuf_release(&msgs);
	state_enr_format(out, &e);
	for (k = 0; k < c->n; k++)
		sbuf_printf(out, "%s=%s%s", c->cols[k], vals[k], k + 1 < c->n ? "," : "\n");
}

static void
run(struct world *w, struct contact *c, int64_t enrolled, const int64_t *cuts,
    size_t ncuts, struct sbuf *out)
{
	run_ev(w, c, enrolled, NULL, 0, cuts, ncuts, out);
}

/* One function decides whether a contact may be sent to, and says why not. */
static void
test_unreachable(void)
{
	static const char *cols[] = { "id", "email", "phone", "status", "unsubscribed", "bounced" };
	static const struct { const char *v[6], *email, *sms; } t[] = {
		{ { "a", "a@x.example", "+1", "", "", "" }, NULL, NULL },
		{ { "a", "a@x.example", "+1", "active", "false", "false" }, NULL, NULL },
		{ { "a", "a@x.example", "+1", "archived", "", "" }, "contact is archived",
		  "contact is archived" },
		{ { "a", "a@x.example", "+1", "inactive", "", "" }, "contact is inactive",
		  "contact is inactive" },
		{ { "a", "a@x.example", "+1", "", "true", "" }, "contact is unsubscribed",
		  "contact is unsubscribed" },
		{ { "a", "a@x.example", "+1", "", "", "true" }, "contact's address bounced",
		  "contact's address bounced" },
		{ { "a", "", "+1", "", "", "" }, "contact has no email address", NULL },
		{ { "a", "a@x.example", "", "", "", "" }, NULL, "contact has no phone number" },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof *t; i++) {
		struct contact c = { "a", cols, (const char **)t[i].v, 6, 0 };
		const char *e = engine_unreachable(&c, "email"), *m = engine_unreachable(&c, "sms");

		is_str(e ? e : "(may)", t[i].email ? t[i].email : "(may)", "case %zu: email", i);
		is_str(m ? m : "(may)", t[i].sms ? t[i].sms : "(may)", "case %zu: sms", i);
	}
	{
		/* A file without the columns: nothing stops the message. */
		static const char *c2[] = { "id", "email" };
		static const char *v2[] = { "a", "a@x.example" };
		struct contact c = { "a", c2, v2, 2, 0 };

		ok(engine_unreachable(&c, "email") == NULL, "no status columns: may be sent to");
	}
}

/* Does every cut of (start, end] at the given slots give what one run gives? */
static void
check_cuts(struct world *w, const struct contact *c, int64_t start, const struct event *ev,
	   size_t nev, int64_t end, const char *once, const char *what)
{
	int64_t slot = 20 * 60, cuts[2];
	size_t i, good = 0, n = 0;

	for (i = 0;; i++) {
		struct sbuf split = SBUF_INIT;
		int64_t b = (start / slot + 1 + (int64_t)i) * slot;

		if (b >= end)
			break;
		cuts[0] = b;
		cuts[1] = end;
		run_ev(w, c, start, ev, nev, cuts, 2, &split);
		n++;
		if (strcmp(sbuf_str(&split), once) == 0)
			good++;
		else if (good + 1 == n)
			printf("# first differing cut: %lld\n%s\n---\n%s", (long long)b,
			       sbuf_str(&split), once);
		sbuf_release(&split);
	}
	is_int(good, n, "%s: (a,c] == (a,b] + (b,c] for all %zu cuts", what, n);
}

/* Status changes take effect at once; a bounce marks the contact. */
static void
test_engagement(void)
{
	static const char *cols[] = { "id", "email", "first_name", "plan", "status", "tags",
				      "unsubscribed", "bounced" };
	static const char *vfree[] = { "f", "f@example.com", "Fo", "free", "", "", "", "" };
	static const char *vpro[] = { "p", "p@example.com", "Pi", "pro", "", "", "", "" };
	struct contact cf = { "f", cols, vfree, 8, 0 }, cp = { "p", cols, vpro, 8, 0 };
	struct world w;
	struct sbuf out = SBUF_INIT;
	struct event ev[2];
	int64_t start, end, bounce;
	char why[128];

	if (!ok(load(&w, eng_yaml) == 0, "the engagement sequence parses"))
		return;
	dtime_parse("2026-03-05T14:07:00Z", NULL, &start, why, sizeof why);
	dtime_parse("2026-03-08T00:00:00Z", NULL, &end, why, sizeof why);
	/* mark_inactive in the rule: the wait-0 email after it does not
	 * fire, nor is it logged; the notify in the same list is skipped. */
	run_ev(&w, &cf, start, NULL, 0, &end, 1, &out);
	like(sbuf_str(&out), ",f,g,r,,mark_inactive,ok,,", "the rule marks the contact inactive");
	like(sbuf_str(&out), ",f,g,r,,notify,skipped,,contact is inactive",
	     "a notify after it in the same list is skipped");
	ok(strstr(sbuf_str(&out), ",g,m,") == NULL, "the wait-0 email after it never fires");
	ok(strstr(sbuf_str(&out), "msg ") == NULL, "no message at all");
	like(sbuf_str(&out), "status=inactive,", "the contact is inactive");
	like(sbuf_str(&out), "f,g,1,active,m,", "the enrollment waits on the next step");
	check_cuts(&w, &cf, start, NULL, 0, end, sbuf_str(&out), "mark_inactive");
	sbuf_reset(&out);

	/* A bounce between m and n: n and o are passed without a message. */
	dtime_parse("2026-03-05T20:00:00Z", NULL, &bounce, why, sizeof why);
	memset(ev, 0, sizeof ev);
	ev[0].id = "e1";
	ev[0].time = bounce;
	ev[0].contact = "p";
	ev[0].name = "bounce";
	ev[0].sequence = "";
	ev[0].answer = "";
	ev[1] = ev[0];
	ev[1].id = "e2";
	ev[1].time = bounce + 3600;	/* a second bounce changes nothing */
	run_ev(&w, &cp, start, ev, 2, &end, 1, &out);
	like(sbuf_str(&out), ",p,g,m,,email,ok,<", "the email before the bounce goes out");
	like(sbuf_str(&out), "2026-03-05T20:00:00Z,p,,,,set,ok,e1,bounced=true",
	     "the bounce sets bounced, the event its ref");
	ok(strstr(sbuf_str(&out), ",set,ok,e2,") == NULL, "the second bounce sets nothing");
	like(sbuf_str(&out), ",p,g,n,,email,skipped,,contact's address bounced",
	     "the email after it is skipped with the reason");
	like(sbuf_str(&out), ",p,g,o,,sms,skipped,,contact's address bounced",
	     "so is the SMS");
	like(sbuf_str(&out), ",p,g,,,done,ok,,", "and the enrollment goes on to the end");
	like(sbuf_str(&out), "bounced=true\n", "the contact is bounced");
	check_cuts(&w, &cp, start, ev, 2, end, sbuf_str(&out), "bounce");
	sbuf_reset(&out);

	/* Without a bounced column the engine says so, and sends on. */
	{
		static const char *c2[] = { "id", "email", "first_name", "plan" };
		static const char *v2[] = { "p", "p@example.com", "Pi", "pro" };
		struct contact cq = { "p", c2, v2, 4, 0 };

		run_ev(&w, &cq, start, ev, 1, &end, 1, &out);
		like(sbuf_str(&out), ",p,,,,set,failed,e1,contacts.csv has no column bounced",
		     "no bounced column: a failed set row");
	}
	/* An unsubscribe event: unsubscribed, the same way. */
	sbuf_reset(&out);
	ev[0].name = "unsubscribe";
	run_ev(&w, &cp, start, ev, 1, &end, 1, &out);
	like(sbuf_str(&out), ",p,,,,set,ok,e1,unsubscribed=true", "unsubscribe sets unsubscribed");
	like(sbuf_str(&out), ",p,g,n,,email,skipped,,contact is unsubscribed",
	     "the email after it is skipped");
	sbuf_release(&out);
	config_release(&w.cfg);
	arena_release(&w.a);
}

/* Date steps that will never fire are logged once, at enrollment. */
static void
test_dates(void)
{
	static const char *cols[] = { "id", "email", "renew" };
	static const char *v1[] = { "a", "a@example.com", "" };
	static const char *v2[] = { "b", "b@example.com", "2026-13-01" };
	static const char *v3[] = { "c", "c@example.com", "2026-06-10" };
	struct contact ca = { "a", cols, v1, 3, 0 }, cb = { "b", cols, v2, 3, 0 },
		       cc = { "c", cols, v3, 3, 0 };
	struct world w;
	struct sbuf a = SBUF_INIT, b = SBUF_INIT, c = SBUF_INIT;
	int64_t start, end, cuts[4];
	char why[128];

	if (!ok(load(&w, date_yaml) == 0, "the date sequence parses"))
		return;
	dtime_parse("2026-03-05T14:07:00Z", NULL, &start, why, sizeof why);
	dtime_parse("2026-12-25T00:00:00Z", NULL, &end, why, sizeof why);
	run_ev(&w, &ca, start, NULL, 0, &end, 1, &a);
	run_ev(&w, &cb, start, NULL, 0, &end, 1, &b);
	run_ev(&w, &cc, start, NULL, 0, &end, 1, &c);
	like(sbuf_str(&a), "2026-03-05T14:20:00Z,a,d,old,,email,skipped,,"
	     "its date (2026-01-05 10:00) had passed at enrollment",
	     "a past date: skipped in the slot of the enrollment");
	like(sbuf_str(&a), "2026-03-05T14:20:00Z,a,d,ren,,email,skipped,,renew is empty",
	     "an empty date field: skipped");
	like(sbuf_str(&b), "2026-03-05T14:20:00Z,b,d,ren,,email,skipped,,\"renew: invalid date",
	     "a date field that is not a date: skipped, with why");
	ok(strstr(sbuf_str(&c), ",ren,,email,skipped") == NULL, "a date to come is not skipped");
	like(sbuf_str(&c), ",c,d,ren,,email,ok,", "and fires");
	like(sbuf_str(&a), ",a,d,fut,,email,ok,", "the step to come fires");
	ok(strstr(strstr(sbuf_str(&a), ",old,") + 1, ",old,") == NULL, "each skip is logged once");
	/* Composition: cut at the enrollment's slot, just before and after
	 * it, and between the steps. */
	cuts[1] = end;
	cuts[0] = start;
	{
		struct sbuf s = SBUF_INIT;
		int64_t at[] = { start, start + 13 * 60, start + 33 * 60, start + 86400 * 50 };
		size_t i, good = 0;

		for (i = 0; i < 4; i++) {
			cuts[0] = sched_slot_ceil(at[i], 20 * 60);
			sbuf_reset(&s);
			run_ev(&w, &ca, start, NULL, 0, cuts, 2, &s);
			good += strcmp(sbuf_str(&s), sbuf_str(&a)) == 0;
		}
		is_int(good, 4, "date skips: (a,c] == (a,b] + (b,c] around the enrollment");
		sbuf_release(&s);
	}
	sbuf_release(&a);
	sbuf_release(&b);
	sbuf_release(&c);
	config_release(&w.cfg);
	arena_release(&w.a);
}

/* A stand-in for the signed links: which answer, for what. */
static const char *
fake_link(void *ctx, struct arena *a, const char *contact, const char *sequence,
	  const char *step, int64_t entered, const char *answer, int64_t slot)
{
	(void)ctx;
	(void)entered;
	(void)slot;
	return arena_printf(a, "https://x.example/r?%s/%s/%s/%s", answer, contact, sequence, step);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/* Every message to the contact carries List-Unsubscribe; still_interested
 * adds only the answers the template does not place itself. */
static void
test_notify(void)
{
	static const char *cols[] = { "id", "email", "first_name", "owner" };
	static const char *v[] = { "c", "c@example.com", "Cy", "olga@acme.example" };
	struct contact c = { "c", cols, (const char **)v, 4, 0 };
	struct arena fa = ARENA_INIT;
	struct world w;
	struct effects fx;
	struct drip_err err;
	struct enr e, *ep = &e;
	size_t n = 1, i, mine = 0;
	int64_t start, end;
	char why[128];

	if (!ok(load(&w, notify_yaml) == 0, "the notify sequence parses"))
		return;
	w.d.link = fake_link;
	dtime_parse("2026-03-05T14:07:00Z", NULL, &start, why, sizeof why);
	dtime_parse("2026-03-06T00:00:00Z", NULL, &end, why, sizeof why);
	memset(&e, 0, sizeof e);
	e.contact = "c";
	e.sequence = "n";
	e.version = 1;
	e.status = ENR_ACTIVE;
	e.step = "w";
	e.entered = e.base = e.enrolled = start;
	e.paused = e.hold = STATE_NONE;
	e.task = e.sent_day = "";
	effects_init(&fx, &fa);
	ok(engine_advance(&w.d, &c, &ep, &n, NULL, NULL, 0, STATE_NONE, end, &fx, &err) == 0,
	   "the automation runs");
	is_int((int)fx.nmsgs, 4, "three notifies and a summary");
	for (i = 0; i < fx.nmsgs; i++) {
		const char *m = fx.msgs[i].data, *unsub = strstr(m, "\nList-Unsubscribe: <");

		if (strstr(m, "\nTo: c@example.com\n")) {
			mine++;
			ok(unsub != NULL && strstr(m, "\nList-Unsubscribe-Post: "
					   "List-Unsubscribe=One-Click\n") != NULL,
			   "message %zu to the contact: List-Unsubscribe, one-click", i);
			like(m, "<https://x.example/r?unsubscribe/c/n/w>", "its link is the contact's");
			if (strstr(m, "Yes: ")) {
				is_int(count(m, "?yes/"), 1, "a template with its own yes link: once");
				is_int(count(m, "?no/"), 1, "and its own no link: once");
				ok(strstr(m, "still interested") == NULL, "no answers added");
			} else {
				like(m, "Yes, I'm still interested: https://x.example/r?yes/c/n/w\n",
				     "a template without them: the yes answer added");
				like(m, "Not interested: https://x.example/r?no/c/n/w\n",
				     "and the no answer");
			}
		} else {
			ok(unsub == NULL, "message %zu to someone else: no List-Unsubscribe", i);
		}
	}
	is_int((int)mine, 2, "two messages to the contact");
	arena_release(&fa);
	config_release(&w.cfg);
	arena_release(&w.a);
}

/* The time (its first 20 bytes) of the log line of text holding needle,
 * or "none". */
static const char *
row_time(const char *text, const char *needle, char buf[21])
{
	const char *p = strstr(text, needle), *bol;

	if (p == NULL)
		return "none";
	for (bol = p; bol > text && bol[-1] != '\n'; bol--)
		;
	memcpy(buf, bol, 20);
	buf[20] = '\0';
	return buf;
}

/* SPEC §3.5: a paused sequence's clock is frozen - nothing fires, step
 * automations included - and on resume every pending time moves later by
 * the pause; the thaw happens in whichever advance processes the first
 * slot after the resume, so every cut gives the same result. */
static void
test_frozen(void)
{
	static const char *cols[] = { "id", "email", "first_name" };
	static const char *v[] = { "c1", "c1@example.com", "Ann" };
	struct contact c = { "c1", cols, v, 3, 0 };
	struct world w;
	struct sbuf base = SBUF_INIT, frozen = SBUF_INIT, thawed = SBUF_INIT;
	int64_t start, end, one[1], day = 86400;
	char why[128], t1[21], t2[21];

	if (!ok(load(&w, pause_yaml) == 0, "the pause sequence parses"))
		return;
	dtime_parse("2026-03-02T15:07:00Z", NULL, &start, why, sizeof why);
	end = start + 14 * day;
	one[0] = end;
	w.sd.paused_at = w.sd.resumed_at = STATE_NONE;
	run(&w, &c, start, one, 1, &base);
	like(sbuf_str(&base), ",c1,p,b,,email,ok,", "unpaused: b fires");
	like(sbuf_str(&base), ",c1,p,b,nag,note,ok,", "unpaused: the automation fires");

	/* Paused half a day after enrolling, never resumed. */
	w.sd.paused_at = start + day / 2;
	run(&w, &c, start, one, 1, &frozen);
	like(sbuf_str(&frozen), ",c1,p,a,,email,ok,", "paused: the step before the pause fires");
	ok(strstr(sbuf_str(&frozen), ",b,,email,") == NULL, "paused: b does not fire");
	ok(strstr(sbuf_str(&frozen), ",nag,") == NULL, "paused: nor the automation");
	like(sbuf_str(&frozen), "c1,p,1,active,b,", "paused: the enrollment waits on b");
	check_cuts(&w, &c, start, NULL, 0, end, sbuf_str(&frozen), "paused");

	/* Resumed three days later: both move by exactly three days. */
	w.sd.resumed_at = w.sd.paused_at + 3 * day;
	run(&w, &c, start, one, 1, &thawed);
	{
		int64_t b0, b1, n0, n1;

		dtime_parse(row_time(sbuf_str(&base), ",b,,email,", t1), NULL, &b0, why, sizeof why);
		dtime_parse(row_time(sbuf_str(&thawed), ",b,,email,", t2), NULL, &b1, why,
			    sizeof why);
		is_int(b1 - b0, 3 * day, "resumed: b fires 3 days later (%s, not %s)", t2, t1);
		dtime_parse(row_time(sbuf_str(&base), ",nag,note,", t1), NULL, &n0, why, sizeof why);
		dtime_parse(row_time(sbuf_str(&thawed), ",nag,note,", t2), NULL, &n1, why,
			    sizeof why);
		is_int(n1 - n0, 3 * day, "resumed: the automation fires 3 days later (%s)", t2);
	}
	check_cuts(&w, &c, start, NULL, 0, end, sbuf_str(&thawed), "paused and resumed");
	/* A pause and resume in one slot freeze nothing, yet move by the gap. */
	sbuf_release(&thawed);
	w.sd.paused_at = start + day / 2 + 60;
	w.sd.resumed_at = w.sd.paused_at + 300;
	run(&w, &c, start, one, 1, &thawed);
	{
		int64_t b0, b1;

		dtime_parse(row_time(sbuf_str(&base), ",b,,email,", t1), NULL, &b0, why, sizeof why);
		dtime_parse(row_time(sbuf_str(&thawed), ",b,,email,", t2), NULL, &b1, why,
			    sizeof why);
		ok(b1 >= b0 && b1 - b0 <= 20 * 60, "five minutes' pause: b within a slot of %s (%s)",
		   t1, t2);
	}
	sbuf_release(&base);
	sbuf_release(&frozen);
	sbuf_release(&thawed);
	config_release(&w.cfg);
	arena_release(&w.a);
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
	test_unreachable();
	test_engagement();
	test_dates();
	test_notify();
	test_frozen();
	return tap_done();
}
