/*
 * t_stepedit.c - the steps of a sequence file edited in place: values
 * typed by their key, the order of the steps after add, mv, dup and rm,
 * references that refuse a removal, and owners_check's rule.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "err.h"
#include "owners.h"
#include "sbuf.h"
#include "stepedit.h"
#include "tap.h"

static char base[] = "/tmp/drip-t-stepedit-XXXXXX";
#include "tmpdir.h"

static struct arena A = ARENA_INIT;

static const char seq_yaml[] =
	"id: s   # the sequence\n"
	"owners: [al@example.com]\n"
	"steps:\n"
	"  - id: a\n"
	"    type: email\n"
	"    template: t.eml\n"
	"  - id: b\n"
	"    type: goto\n"
	"    to: a\n"
	"  - {id: c, type: delay, wait: 1d}\n";

static void
put_file(const char *rel, const char *text)
{
	FILE *f = fopen(at(rel), "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		abort();
}

/* The text's step ids, joined by spaces. */
static const char *
order(const struct sbuf *text)
{
	struct stepedit w;
	struct drip_err e;
	struct sbuf sb = SBUF_INIT;
	const char *res;
	size_t i;

	put_file("sequences/o.yaml", sbuf_str(text));
	if (stepedit_load(&w, &A, base, "o", &e) < 0)
		return arena_strdup(&A, e.msg);
	for (i = 0; i < stepedit_count(&w); i++)
		sbuf_printf(&sb, "%s%s", i ? " " : "", stepedit_id(&w, i));
	res = arena_strdup(&A, sbuf_str(&sb));
	sbuf_release(&sb);
	return res;
}

static void
value_is(struct stepedit *w, enum step_type t, const char *key, const char *value,
	 const char *want)
{
	struct drip_err e;
	const char *text = "(unset)";

	err_clear(&e);
	if (stepedit_value(w, t, key, value, &text, &e) < 0)
		text = arena_printf(&A, "error %d: %s", e.code, e.msg);
	is_str(text ? text : "(remove)", want, "%s=%s", key, value);
}

static void
test_values(struct stepedit *w)
{
	value_is(w, STEP_EMAIL, "wait", "1d10h", "1d10h");
	value_is(w, STEP_EMAIL, "wait", "3x", "error 2: wait: unknown unit \"x\" in \"3x\" (use m, h, d, w or mo)");
	value_is(w, STEP_EMAIL, "at", "07:05", "\"07:05\"");
	value_is(w, STEP_EMAIL, "at", "", "(remove)");
	value_is(w, STEP_TASK, "block", "true", "true");
	value_is(w, STEP_TASK, "block", "yes", "error 2: block: takes true or false, not 'yes'");
	value_is(w, STEP_EMAIL, "days", "[mon,  tue ]", "[mon, tue]");
	value_is(w, STEP_FULFILLMENT, "fields", "email, first name", "[email, \"first name\"]");
	value_is(w, STEP_GOTO, "to", "a", "a");
	value_is(w, STEP_GOTO, "to", "A b", "error 2: to: 'A b' is not a step id");
	value_is(w, STEP_BRANCH, "then", "a", "a");
	value_is(w, STEP_RULE, "then", "tag:+x", "[{tag: {add: [x]}}]");
	value_is(w, STEP_EMAIL, "name", "Hello", "Hello");
	value_is(w, STEP_EMAIL, "name", "true", "\"true\"");
	value_is(w, STEP_EMAIL, "name", "0123", "\"0123\"");
	value_is(w, STEP_EMAIL, "when", "stage == \"Won\"", "'stage == \"Won\"'");
	value_is(w, STEP_EMAIL, "when", "a: b", "\"a: b\"");
	value_is(w, STEP_EMAIL, "type", "sms", "sms");
	value_is(w, STEP_EMAIL, "type", "smss", "error 2: unknown step type \"smss\" (did you "
		 "mean \"sms\"?)");
	value_is(w, STEP_EMAIL, "subjct", "x", "error 2: unknown key \"subjct\" for an email "
		 "step");
	value_is(w, STEP_TASK, "subjct", "x", "error 2: unknown key \"subjct\" for a task step "
		 "(did you mean \"subject\"?)");
	value_is(w, STEP_EMAIL, "id", "x", "error 2: id cannot be set this way; a step keeps "
		 "its id (use 'drip step dup' then 'drip step rm' to rename it)");
}

static void
test_edits(void)
{
	struct stepedit w;
	struct drip_err e;
	struct sbuf out = SBUF_INIT;
	struct stepedit_kv kv[2] = { { "wait", "2d" }, { "at", "09:00" } };
	const char *tpl[] = { "t.eml", "u.eml" }, *from, *k;
	const struct ynode *ref;
	int same;

	ok(stepedit_load(&w, &A, base, "s", &e) == 0, "load");
	test_values(&w);
	is_int(stepedit_type(&w, 1), STEP_GOTO, "type of b");

	ok(stepedit_add(&w, "d", "email", kv, 2, tpl, 2, "a", 1, &out, &e) == 0, "add after a");
	is_str(order(&out), "a d b c", "add: order");
	like(sbuf_str(&out), "  - id: d\n    type: email\n    wait: 2d\n    at: \"09:00\"\n"
	     "    variants:\n      - {weight: 1, template: t.eml}\n", "add: block text, variants");
	out.len = 0;
	ok(stepedit_add(&w, "d", "delay", NULL, 0, NULL, 0, NULL, 0, &out, &e) == 0,
	   "add at the end");
	is_str(order(&out), "a b c d", "add: at the end");
	out.len = 0;
	ok(stepedit_add(&w, "a", "delay", NULL, 0, NULL, 0, NULL, 0, &out, &e) < 0 &&
	   e.code == DRIP_EDATA && e.line == 4, "add: a taken id, at its place");

	out.len = 0;
	ok(stepedit_mv(&w, "a", "c", 1, &out, &same, &e) == 0 && !same, "mv a after c");
	is_str(order(&out), "b c a", "mv: order");
	out.len = 0;
	ok(stepedit_mv(&w, "b", "c", 0, &out, &same, &e) == 0 && same && out.len == 0,
	   "mv to where it is: same, nothing");

	out.len = 0;
	ok(stepedit_dup(&w, "c", "c2", &out, &e) == 0, "dup c");
	is_str(order(&out), "a b c c2", "dup: order");
	like(sbuf_str(&out), "  - {id: c2, type: delay, wait: 1d}\n", "dup: flow item copied");

	ref = stepedit_referrer(&w, "a", &from, &k);
	ok(ref && strcmp(from, "b") == 0 && strcmp(k, "to") == 0 && ref->line == 9,
	   "referrer of a: b's to, line 9");
	ok(stepedit_referrer(&w, "c", &from, &k) == NULL, "nobody goes to c");
	out.len = 0;
	ok(stepedit_rm(&w, "a", &out, &e) < 0 && e.code == DRIP_EDATA && e.line == 9,
	   "rm of a referred step refused at the referrer");
	like(e.msg, "step 'b' goes to it (to: a)", "rm: the message names the referrer");
	out.len = 0;
	ok(stepedit_rm(&w, "b", &out, &e) == 0, "rm b");
	is_str(order(&out), "a c", "rm: order");

	out.len = 0;
	kv[0].key = "wait";
	kv[0].value = "";
	ok(stepedit_set(&w, "c", kv, 1, &out, &e) == 0, "set c wait= (remove)");
	like(sbuf_str(&out), "  - {id: c, type: delay}\n", "set: removed in flow");
	ok(stepedit_find(&w, "cc", &(size_t){ 0 }, &e) < 0 && e.code == DRIP_ENOINPUT,
	   "find: no such step");
	like(e.msg, "no step 'cc' in sequence 's' (did you mean \"c\"?)", "find: suggestion");
	sbuf_release(&out);
}

static void
test_owners(void)
{
	struct config cfg;
	struct drip_err e;
	const char *admins[] = { "ops@example.com" };

	memset(&cfg, 0, sizeof cfg);
	setenv("DRIP_USER", "eve@example.com", 1);
	put_file("sequences/free.yaml", "id: free\nsteps: []\n");
	ok(owners_check(&A, base, &cfg, "free", &e) == 0, "no owners, no admins: anyone");
	ok(owners_check(&A, base, &cfg, "s", &e) < 0 && e.code == DRIP_EPERM,
	   "owners set: eve refused");
	like(e.msg, "'eve@example.com' may not change sequence 's': only its owners "
	     "(al@example.com) may", "the message names who may");
	setenv("DRIP_USER", "AL@example.com", 1);
	ok(owners_check(&A, base, &cfg, "s", &e) == 0, "an owner, in another case");
	cfg.admins = admins;
	cfg.nadmins = 1;
	setenv("DRIP_USER", "ops@example.com", 1);
	ok(owners_check(&A, base, &cfg, "free", &e) == 0 &&
	   owners_check(&A, base, &cfg, "s", &e) == 0, "an admin, everywhere");
	setenv("DRIP_USER", "al@example.com", 1);
	ok(owners_check(&A, base, &cfg, "free", &e) < 0, "an owner of s, not of free");
	like(e.msg, "only the admins (ops@example.com) may", "admins alone");
	unsetenv("DRIP_USER");
}

int
main(void)
{
	if (mkdtemp(base) == NULL || mkdir(at("sequences"), 0700) < 0)
		return 1;
	put_file("sequences/s.yaml", seq_yaml);
	test_edits();
	test_owners();
	rm_rf(base);
	arena_release(&A);
	return tap_done();
}
