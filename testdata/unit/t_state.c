/*
 * t_state.c - the rows of state/runs.csv (sequence automation runs):
 * parse and format round trips, every malformed field refused with its
 * line, and the review id.
 */
#include <string.h>

#include "arena.h"
#include "err.h"
#include "sbuf.h"
#include "state.h"
#include "tap.h"

static int
parse(struct arena *a, const char *const *f, size_t n, struct arun *r, struct drip_err *e)
{
	memset(e, 0, sizeof *e);
	return state_run_parse(a, f, n, "state/runs.csv", 7, r, e);
}

int
main(void)
{
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct arun r, r2;
	struct sbuf sb = SBUF_INIT;
	char id[11], id2[11];
	const char *good[] = { "ada", "reengage", "onboard", "review", "2026-11-24T10:20:00Z", "2",
			       "2026-11-27T10:20:00Z", "1" };
	const char *done[] = { "bob", "vip", "", "done", "2026-11-24T10:20:00Z", "3", "", "0" };
	const char *f[8];
	int i;

	ok(parse(&a, good, 8, &r, &e) == 0, "a review row parses");
	is_str(r.contact, "ada", "contact");
	is_str(r.automation, "reengage", "automation");
	is_str(r.sequence, "onboard", "sequence");
	is_int(r.status, RUN_REVIEW, "status review");
	is_int(r.next, 2, "next");
	is_int(r.cond, 1, "cond");
	state_run_format(&sb, &r);
	is_str(sbuf_str(&sb),
	       "ada,reengage,onboard,review,2026-11-24T10:20:00Z,2,2026-11-27T10:20:00Z,1\n",
	       "formats back to the same row");
	ok(parse(&a, done, 8, &r2, &e) == 0, "an ended run has no due time");
	ok(arun_ended(r2.status) && !arun_ended(r.status), "done has ended, review has not");
	sbuf_reset(&sb);
	state_run_format(&sb, &r2);
	is_str(sbuf_str(&sb), "bob,vip,,done,2026-11-24T10:20:00Z,3,,0\n", "an ended row round-trips");
	ok(state_run_cmp(&r, &r2) < 0, "rows sort by contact");

	/* Every field that can be wrong is refused, naming the line. */
	{
		static const struct { int col; const char *val, *msg; } bad[] = {
			{ 0, "no way", "invalid contact id" },
			{ 1, "Bad", "invalid automation id" },
			{ 2, "../x", "invalid sequence id" },
			{ 3, "paused", "unknown status \"paused\"" },
			{ 4, "", "bad time in column started" },
			{ 4, "yesterday", "bad time in column started" },
			{ 5, "-1", "bad action index" },
			{ 5, "x", "bad action index" },
			{ 6, "", "bad time in column due" },
			{ 7, "yes", "bad value in column cond" },
		};

		for (i = 0; i < (int)(sizeof bad / sizeof *bad); i++) {
			memcpy(f, good, sizeof f);
			f[bad[i].col] = bad[i].val;
			ok(parse(&a, f, 8, &r2, &e) < 0 && e.code == DRIP_EDATA && e.line == 7,
			   "column %d = '%s' is refused at its line", bad[i].col, bad[i].val);
			like(e.msg, bad[i].msg, "... saying %s", bad[i].msg);
		}
		ok(parse(&a, good, 7, &r2, &e) < 0, "seven fields are refused");
		like(e.msg, "expected 8 fields, found 7", "... saying how many");
	}

	/* The review id: 10 hex digits, stable, different per action. */
	state_run_review_id(&r, id);
	is_int(strlen(id), 10, "a review id has 10 characters");
	ok(strspn(id, "0123456789abcdef") == 10, "all hexadecimal: %s", id);
	state_run_review_id(&r, id2);
	is_str(id2, id, "the same run and action give the same id");
	r.next = 3;
	state_run_review_id(&r, id2);
	ok(strcmp(id, id2) != 0, "the next action of the run has another id");
	r.next = 2;
	r.started += 1200;
	state_run_review_id(&r, id2);
	ok(strcmp(id, id2) != 0, "a later run of the same automation has another id");

	sbuf_release(&sb);
	arena_release(&a);
	return tap_done();
}
