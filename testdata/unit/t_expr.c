/*
 * t_expr.c - conditions (SPEC §11): grammar, precedence, every operator,
 * lists, globs, dates and durations in Europe/Berlin, empty(), field
 * checks with "did you mean", and every error with its location.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "err.h"
#include "expr.h"
#include "tap.h"
#include "tz.h"

/* A contact row: NULL-terminated pairs. */
struct kv {
	const char *k, *v;
};

struct ctx {
	struct arena a;
	struct tz *berlin;
	int64_t now;
};

#define T_NOW 1772452800LL	/* 2026-03-02T12:00:00Z, 13:00 in Berlin */
#define PARSE_FAILED (-2)

static const char *
row_get(void *ctx, const char *field)
{
	const struct kv *p = ctx;

	for (; p != NULL && p->k != NULL; p++)
		if (strcmp(p->k, field) == 0)
			return p->v;
	return NULL;
}

/* src on one line, for a test name: newlines and tabs as \n and \t,
 * and long inputs cut short. */
static const char *
esc(const char *src, char *buf, size_t n)
{
	size_t o = 0;

	for (; *src != '\0' && o + 4 < n; src++) {
		if (*src == '\n' || *src == '\t') {
			buf[o++] = '\\';
			buf[o++] = *src == '\n' ? 'n' : 't';
		} else {
			buf[o++] = *src;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* Parse and evaluate src against row: 1, 0, -1 (evaluation error) or
 * PARSE_FAILED.  The error, if any, lands in *err. */
static int
ev_at(struct ctx *c, const char *src, const struct kv *row, int64_t now,
      const struct tz *zone, struct expr_err *err)
{
	struct expr *e = NULL;
	struct expr_env env = { row_get, (void *)row, now, zone };

	char nm[80];

	if (expr_parse(&c->a, src, &e, err) < 0) {
		printf("# parse error in '%s': %d:%d: %s\n", esc(src, nm, sizeof nm),
		       err->line, err->col, err->msg);
		return PARSE_FAILED;
	}
	return expr_eval(e, &env, err);
}

static int
ev(struct ctx *c, const char *src, const struct kv *row)
{
	struct expr_err err;

	return ev_at(c, src, row, c->now, c->berlin, &err);
}

/* Expect a parse error at line:col whose message contains want. */
static void
parse_err(struct ctx *c, const char *src, int line, int col, const char *want)
{
	struct expr *e = NULL;
	struct expr_err err;
	char nm[80];
	int r;

	memset(&err, 0, sizeof err);
	esc(src, nm, sizeof nm);
	r = expr_parse(&c->a, src, &e, &err);
	if (!ok(r == -1, "'%s' is rejected", nm))
		return;
	like(err.msg, want, "'%s': message", nm);
	if (!ok(err.line == line && err.col == col, "'%s': at %d:%d", nm, line, col))
		printf("#   got %d:%d: %s\n", err.line, err.col, err.msg);
}

static void
test_strings(struct ctx *c)
{
	const struct kv us[] = { { "country", "US" }, { NULL, NULL } };
	const struct kv de[] = { { "country", "DE" }, { NULL, NULL } };
	const struct kv none[] = { { NULL, NULL } };
	const struct kv q[] = { { "name", "say \"hi\" \\ ok" }, { NULL, NULL } };

	is_int(ev(c, "country == \"US\"", us), 1, "== string: equal");
	is_int(ev(c, "country == \"US\"", de), 0, "== string: different");
	is_int(ev(c, "country == \"us\"", us), 0, "== string is case-sensitive");
	is_int(ev(c, "country == \"US\"", none), 0, "== string: absent field is \"\"");
	is_int(ev(c, "country != \"US\"", de), 1, "!= string: different");
	is_int(ev(c, "country != \"US\"", us), 0, "!= string: equal");
	is_int(ev(c, "country != \"US\"", none), 1, "!= string: absent field differs");
	is_int(ev(c, "country == \"\"", none), 1, "absent field equals \"\"");
	is_int(ev(c, "\"US\" == country", us), 1, "string on the left");
	is_int(ev(c, "name == \"say \\\"hi\\\" \\\\ ok\"", q), 1, "string escapes \\\" and \\\\");
	is_int(ev(c, "country < \"FR\"", de), 1, "< on strings is bytewise");
	is_int(ev(c, "country >= \"FR\"", de), 0, ">= on strings is bytewise");
}

static void
test_numbers(struct ctx *c)
{
	const struct kv s5[] = { { "score", "5" }, { NULL, NULL } };
	const struct kv s10[] = { { "score", "10" }, { NULL, NULL } };
	const struct kv s15[] = { { "score", " 15 " }, { NULL, NULL } };
	const struct kv junk[] = { { "score", "ten" }, { NULL, NULL } };
	const struct kv empty[] = { { "score", "" }, { NULL, NULL } };
	const struct kv dec[] = { { "score", "2.50" }, { NULL, NULL } };
	const struct kv neg[] = { { "score", "-4" }, { NULL, NULL } };
	const struct kv ab[] = { { "a", "1.5" }, { "b", "1.5" }, { NULL, NULL } };
	const struct kv big[] = { { "n", "9223372036854775807" }, { NULL, NULL } };
	const struct kv one[] = { { "n", "1" }, { NULL, NULL } };
	const struct kv nine[] = { { "a", "9" }, { "b", "10" }, { NULL, NULL } };
	const struct kv words[] = { { "a", "apple" }, { "b", "banana" }, { NULL, NULL } };

	is_int(ev(c, "score < 10", s5), 1, "< true");
	is_int(ev(c, "score < 10", s10), 0, "< false");
	is_int(ev(c, "score <= 10", s10), 1, "<= true");
	is_int(ev(c, "score <= 10", s15), 0, "<= false (blanks around the value)");
	is_int(ev(c, "score > 10", s15), 1, "> true");
	is_int(ev(c, "score > 10", s10), 0, "> false");
	is_int(ev(c, "score >= 10", s10), 1, ">= true");
	is_int(ev(c, "score >= 10", s5), 0, ">= false");
	is_int(ev(c, "score == 10", s10), 1, "== number true");
	is_int(ev(c, "score == 10.0", s10), 1, "10 == 10.0");
	is_int(ev(c, "score != 10", s5), 1, "!= number true");
	is_int(ev(c, "score != 10", s10), 0, "!= number false");
	is_int(ev(c, "score < 10", junk), 0, "a value that is not a number: false");
	is_int(ev(c, "score > 10", junk), 0, "... whichever way");
	is_int(ev(c, "score < 10", empty), 0, "an empty value compared with a number: false");
	is_int(ev(c, "score != 10", empty), 0, "... even with !=");
	is_int(ev(c, "score == 2.5", dec), 1, "decimals: 2.50 == 2.5");
	is_int(ev(c, "score > 2.49", dec), 1, "decimals: 2.50 > 2.49");
	is_int(ev(c, "score > -5", neg), 1, "a negative literal");
	is_int(ev(c, "score < 0 - 3", neg), 1, "binary minus");
	is_int(ev(c, "0.1 + 0.2 == 0.3", NULL), 1, "decimals are exact: 0.1 + 0.2 == 0.3");
	is_int(ev(c, "a + b == 3", ab), 1, "field + field is numeric");
	is_int(ev(c, "score - 1 - 1 == 3", s5), 1, "minus is left-associative");
	is_int(ev(c, "n > 0.000000000000000001", big), 1, "huge against tiny: exact");
	is_int(ev(c, "n < 1.000000000000000001", one), 1, "18 decimals kept exactly");
	is_int(ev(c, "n + 1 > 0", big), 0, "overflow makes the value unusable: false");
	is_int(ev(c, "a < b", nine), 1, "field < field: numeric when both are numbers");
	is_int(ev(c, "a < b", words), 1, "field < field: bytewise otherwise");
	is_int(ev(c, "a == b", ab), 1, "field == field: same text");
	is_int(ev(c, "score == score", s5), 1, "a field equals itself");
}

static void
test_bools_lists_globs(struct ctx *c)
{
	const struct kv t[] = { { "unsubscribed", "true" }, { NULL, NULL } };
	const struct kv f[] = { { "unsubscribed", "false" }, { NULL, NULL } };
	const struct kv y[] = { { "unsubscribed", "yes" }, { NULL, NULL } };
	const struct kv tags[] = { { "tags", "lead; customer ;vip" }, { "country", "US" },
				   { "score", "2.0" }, { "allowed", "DE ; US" }, { NULL, NULL } };
	const struct kv notags[] = { { "tags", "customers;;" }, { "country", "FR" },
				     { "score", "4" }, { NULL, NULL } };
	const struct kv mail[] = { { "email", "ann@acme.example" }, { "name", "John" },
				   { NULL, NULL } };

	is_int(ev(c, "unsubscribed == true", t), 1, "field == true");
	is_int(ev(c, "unsubscribed == true", f), 0, "\"false\" == true is false");
	is_int(ev(c, "unsubscribed == false", f), 1, "field == false");
	is_int(ev(c, "unsubscribed == true", y), 0, "\"yes\" is not a boolean");
	is_int(ev(c, "unsubscribed != false", t), 1, "!= false");
	is_int(ev(c, "true", NULL), 1, "true");
	is_int(ev(c, "false", NULL), 0, "false");
	is_int(ev(c, "(1 < 2) == true", NULL), 1, "a condition compared with true");

	is_int(ev(c, "tags has \"customer\"", tags), 1, "has: member with blanks around it");
	is_int(ev(c, "tags has \"vip\"", tags), 1, "has: last member");
	is_int(ev(c, "tags has \"customer\"", notags), 0, "has: no partial match");
	is_int(ev(c, "tags has \"\"", notags), 0, "has: empty members never match");
	is_int(ev(c, "tags has \"x\"", NULL), 0, "has: absent field");
	is_int(ev(c, "not (tags has \"customer\")", notags), 1, "not (has)");
	is_int(ev(c, "tags has country", tags), 0, "has with a field on the right");

	is_int(ev(c, "country in [\"US\", \"CA\"]", tags), 1, "in list literal: member");
	is_int(ev(c, "country in [\"US\", \"CA\"]", notags), 0, "in list literal: not member");
	is_int(ev(c, "score in [1, 2, 3]", tags), 1, "in numbers: 2.0 in [1, 2, 3]");
	is_int(ev(c, "score in [1, 2, 3]", notags), 0, "in numbers: 4 not in [1, 2, 3]");
	is_int(ev(c, "country in allowed", tags), 1, "in a ';'-list field");
	is_int(ev(c, "country in allowed", notags), 0, "in an absent list field");
	is_int(ev(c, "\"vip\" in tags", tags), 1, "string in a list field");

	is_int(ev(c, "email ~ \"*@acme.example\"", mail), 1, "glob: matches");
	is_int(ev(c, "email ~ \"*@acme.com\"", mail), 0, "glob: does not match");
	is_int(ev(c, "name ~ \"J?hn\"", mail), 1, "glob: ?");
	is_int(ev(c, "name ~ \"[A-J]*\"", mail), 1, "glob: bracket");
	is_int(ev(c, "name ~ \"j*\"", mail), 0, "glob is case-sensitive");
}

static void
test_dates(struct ctx *c)
{
	const struct kv old[] = { { "signup_date", "2026-01-15" }, { NULL, NULL } };
	const struct kv recent[] = { { "signup_date", "2026-02-15" }, { NULL, NULL } };
	const struct kv utc[] = { { "signup_date", "2026-01-30T23:30:00Z" }, { NULL, NULL } };
	const struct kv bad[] = { { "signup_date", "soon" }, { NULL, NULL } };
	const struct kv empty[] = { { "signup_date", "" }, { NULL, NULL } };
	const struct kv local[] = { { "d", "2026-03-02" }, { NULL, NULL } };
	const struct kv w[] = { { "wait", "2d" }, { NULL, NULL } };
	const struct kv w48[] = { { "wait", "48h" }, { NULL, NULL } };
	const struct kv two[] = { { "a", "2026-01-02" }, { "b", "2026-01-10" }, { NULL, NULL } };
	struct expr_err err;
	int64_t dst_now = 1774814400LL;	/* 2026-03-29T20:00:00Z, 22:00 CEST */

	is_int(ev(c, "signup_date < now - 30d", old), 1, "signup_date < now - 30d: long ago");
	is_int(ev(c, "signup_date < now - 30d", recent), 0, "signup_date < now - 30d: recent");
	is_int(ev(c, "signup_date < now - 30d", utc), 1, "an RFC 3339 value");
	is_int(ev(c, "signup_date < now - 30d", bad), 0, "a value that is not a date: false");
	is_int(ev(c, "signup_date < now - 30d", empty), 0, "an empty date: false");
	is_int(ev(c, "signup_date + 30d < now", old), 1, "field + duration is a date");
	is_int(ev(c, "30d + signup_date > now", recent), 1, "duration + field is a date");
	is_int(ev(c, "signup_date == 2026-01-15", old), 1, "a date literal");
	is_int(ev(c, "d == 2026-03-01T23:00:00Z", local), 1,
	       "a date without time is midnight in Europe/Berlin");
	is_int(ev(c, "now > 2026-03-02", NULL), 1, "now after today's midnight");
	is_int(ev(c, "now == 2026-03-02T12:00Z", NULL), 1, "RFC 3339 literal with Z");
	is_int(ev(c, "now == 2026-03-02T13:00:00+01:00", NULL), 1, "literal with an offset");
	is_int(ev(c, "now == 2026-03-02T13:00", NULL), 1, "local literal read in the zone");
	is_int(ev(c, "now - 1mo == 2026-02-02T13:00", NULL), 1, "months on the local calendar");
	is_int(ev(c, "now != now - 1d2h + 1d + 2h", NULL), 0, "chains of durations");
	is_int(ev(c, "now - 5d < now", NULL), 1, "<");
	is_int(ev(c, "now - 5d >= now", NULL), 0, ">=");
	is_int(ev_at(c, "now - 1d == 2026-03-28T21:00:00Z", NULL, dst_now, c->berlin, &err), 1,
	       "1d across the DST change is the same local time");
	is_int(ev_at(c, "now - 24h == 2026-03-28T20:00:00Z", NULL, dst_now, c->berlin, &err), 1,
	       "24h across the DST change is exact");
	is_int(ev_at(c, "now + -1d == 2026-03-28T21:00:00Z", NULL, dst_now, c->berlin, &err), 1,
	       "a negative duration literal");
	is_int(ev(c, "a < b", two), 1, "field < field: dates");
	is_int(ev(c, "1d + 2h == 1d2h", NULL), 1, "duration + duration");
	is_int(ev(c, "wait == 2d", w), 1, "a field read as a duration");
	is_int(ev(c, "wait == 2d", w48), 0, "durations are equal part by part");
	is_int(ev(c, "wait != 2d", w48), 1, "!= on durations");

	is_int(ev_at(c, "signup_date < now - 30d", old, T_NOW, NULL, &err), -1,
	       "no zone: an evaluation error");
	like(err.msg, "no time zone", "... that says so");
	is_int(ev_at(c, "now == 2026-03-02T12:00:00Z", NULL, T_NOW, NULL, &err), 1,
	       "no zone needed for instants with an offset");
	is_int(ev(c, "100000mo + 100000mo == 1d", NULL), -1, "a duration out of range");
	is_int(ev_at(c, "100000mo + 100000mo == 1d", NULL, T_NOW, c->berlin, &err), -1,
	       "... is an evaluation error");
	like(err.msg, "duration out of range", "... with its message");
	ok(err.line == 1 && err.col == 10, "... at the operator (%d:%d)", err.line, err.col);
}

static void
test_empty_and_precedence(struct ctx *c)
{
	const struct kv ph[] = { { "phone", "+49 30 1234" }, { NULL, NULL } };
	const struct kv blank[] = { { "phone", "" }, { NULL, NULL } };
	const struct kv a1[] = { { "a", "1" }, { "b", "0" }, { "c", "0" }, { NULL, NULL } };
	const struct kv c1[] = { { "a", "0" }, { "b", "0" }, { "c", "1" }, { NULL, NULL } };
	const struct kv s5[] = { { "score", "5" }, { NULL, NULL } };

	is_int(ev(c, "empty(phone)", NULL), 1, "empty(): absent");
	is_int(ev(c, "empty(phone)", blank), 1, "empty(): \"\"");
	is_int(ev(c, "empty(phone)", ph), 0, "empty(): set");
	is_int(ev(c, "not empty( phone )", ph), 1, "not empty( phone )");

	is_int(ev(c, "a == 1 or b == 1 and c == 1", a1), 1, "and binds tighter than or");
	is_int(ev(c, "(a == 1 or b == 1) and c == 1", a1), 0, "parentheses");
	is_int(ev(c, "a == 1 and b == 1 or c == 1", c1), 1, "(a and b) or c");
	is_int(ev(c, "not a == 1", a1), 0, "not applies to the whole comparison");
	is_int(ev(c, "not a == 1 or c == 0", a1), 1, "not binds tighter than or");
	is_int(ev(c, "not not a == 1", a1), 1, "not not");
	is_int(ev(c, "not a == 1 and b == 0", c1), 1, "not binds tighter than and");
	is_int(ev(c, "score + 1 > 5", s5), 1, "sum binds tighter than comparison");
	is_int(ev(c, "a == 1 and b == 0 and c == 0", a1), 1, "and chain");
	is_int(ev(c, "a == 2 or b == 2 or c == 0", a1), 1, "or chain");
	is_int(ev(c, "a == 1\nand\n  b == 0", a1), 1, "an expression over several lines");
}

static void
test_parse_errors(struct ctx *c)
{
	char deep[400];
	int i;

	parse_err(c, "", 1, 1, "empty expression");
	parse_err(c, "   ", 1, 4, "empty expression");
	parse_err(c, "country ==", 1, 11, "expected a value after \"==\"");
	parse_err(c, "ab == )", 1, 7, "expected a value after \"==\", found \")\"");
	parse_err(c, "a == and", 1, 6, "found \"and\"");
	parse_err(c, "not", 1, 4, "expected a value after \"not\"");
	parse_err(c, "a == 1 or", 1, 10, "expected a value after \"or\"");
	parse_err(c, "name == \"abc", 1, 9, "unterminated string");
	parse_err(c, "name == \"abc\ndef\"", 1, 9, "unterminated string");
	parse_err(c, "name == \"a\\qb\"", 1, 11, "unknown escape \"\\q\"");
	parse_err(c, "a == 1)", 1, 7, "unexpected \")\"");
	parse_err(c, "(a == 1", 1, 8, "expected \")\" to close \"(\" at 1:1");
	parse_err(c, "(a == 1 b)", 1, 9, "expected \")\"");
	parse_err(c, "a == 1 b", 1, 8, "unexpected \"b\" (expected \"and\", \"or\" or the end)");
	parse_err(c, "a == 1 \"x\"", 1, 8, "unexpected string \"x\"");
	parse_err(c, "a = 1", 1, 3, "unexpected \"=\" (use \"==\" to compare)");
	parse_err(c, "a ! 1", 1, 3, "use \"not\" or \"!=\"");
	parse_err(c, "a == 1 && b == 2", 1, 8, "unexpected \"&\" (use \"and\")");
	parse_err(c, "a == 1 || b == 2", 1, 8, "unexpected \"|\" (use \"or\")");
	parse_err(c, "a == 'x'", 1, 6, "double quotes");
	parse_err(c, "a == @", 1, 6, "unexpected character \"@\"");
	parse_err(c, "name == \xe2\x80\x9cx\xe2\x80\x9d", 1, 9, "unexpected character \"\xe2\x80\x9c\"");
	parse_err(c, "a == \x01", 1, 6, "unexpected byte 0x01");
	parse_err(c, "\"\xc3\xa9\" == @", 1, 8, "unexpected character");
	parse_err(c, "a == 1 == 2", 1, 8, "comparisons cannot be chained");
	parse_err(c, "age > 3x", 1, 7, "unknown unit \"x\" in \"3x\"");
	parse_err(c, "age > 1.5d", 1, 7, "1.5d");
	parse_err(c, "a > 1.2.3", 1, 5, "invalid number \"1.2.3\"");
	parse_err(c, "a > 1234567890123456789012", 1, 5, "too many digits");
	parse_err(c, "d < 2026-02-30", 1, 5, "invalid date \"2026-02-30\"");
	parse_err(c, "d < 2026-01-01T25:00", 1, 5, "invalid date \"2026-01-01T25:00\"");
	parse_err(c, "d < 2026-01-01T10", 1, 5, "invalid date");
	parse_err(c, "d < 2026-01-01x", 1, 5, "expected YYYY-MM-DD");
	parse_err(c, "d < 2026-01-01T10:00+25:00", 1, 5, "no such offset");
	parse_err(c, "x in [1, 2", 1, 11, "expected \",\" or \"]\" in the list opened at 1:6");
	parse_err(c, "x in []", 1, 7, "expected a value after \"[\", found \"]\"");
	parse_err(c, "empty phone", 1, 7, "expected \"(\" after \"empty\"");
	parse_err(c, "empty(\"x\")", 1, 7, "expected a field name in \"empty()\"");
	parse_err(c, "empty(x", 1, 8, "expected \")\" after \"empty(x\"");
	parse_err(c, "-a > 1", 1, 2, "expected a number or a duration after \"-\"");
	parse_err(c, "a == 1 and\n  b ==", 2, 7, "expected a value after \"==\"");
	parse_err(c, "a == 1\n\tand b == )", 2, 11, "found \")\"");
	for (i = 0; i < 70; i++)
		deep[i] = '(';
	strcpy(deep + 70, "a == 1");
	parse_err(c, deep, 1, 65, "nested too deeply");
	for (i = 0; i < 70; i++)
		memcpy(deep + 4 * i, "not ", 4);
	strcpy(deep + 280, "a == 1");
	parse_err(c, deep, 1, 257, "nested too deeply");
}

static void
test_type_errors(struct ctx *c)
{
	parse_err(c, "now + 5 > now", 1, 5, "cannot add a number to a date");
	parse_err(c, "now - signup_date > now", 1, 5, "cannot subtract a field from a date");
	parse_err(c, "2d == [\"a\"]", 1, 4, "cannot compare a duration with a list");
	parse_err(c, "\"a\" < 5", 1, 5, "cannot compare a string with a number");
	parse_err(c, "now == 5", 1, 5, "cannot compare a date with a number");
	parse_err(c, "vip", 1, 1, "field \"vip\" is not a condition");
	parse_err(c, "a == 1 and vip", 1, 12, "field \"vip\" is not a condition");
	parse_err(c, "score + 1", 1, 1, "expected a condition, found a number");
	parse_err(c, "not \"x\"", 1, 5, "expected a condition, found a string");
	parse_err(c, "score < 2d", 1, 7, "cannot use \"<\" on durations");
	parse_err(c, "x > true", 1, 3, "cannot use \">\" on conditions");
	parse_err(c, "5 ~ \"x\"", 1, 3, "cannot match a number against a pattern");
	parse_err(c, "x ~ 5", 1, 3, "the pattern after \"~\" must be a string");
	parse_err(c, "tags has 5", 1, 6, "the right side of \"has\" must be a string");
	parse_err(c, "tags has [\"a\"]", 1, 6, "use \"in\" with a list");
	parse_err(c, "\"x\" has \"y\"", 1, 5, "the left side of \"has\" must be a list field");
	parse_err(c, "x in \"abc\"", 1, 3, "the right side of \"in\" must be a list");
	parse_err(c, "[1] in x", 1, 5, "the left side of \"in\" cannot be a list");
	parse_err(c, "5 in tags", 1, 3, "cannot look for a number in a list field");
	parse_err(c, "x in [1, [2]]", 1, 10, "lists cannot be nested");
	parse_err(c, "5 in [1, now]", 1, 10, "cannot compare a number with a date");
	parse_err(c, "x == [1]", 1, 3, "use \"in\" to test membership");
	parse_err(c, "2d - now == now", 1, 4, "cannot subtract a date from a duration");
	parse_err(c, "\"a\" + 1 == 2", 1, 5, "cannot add a number to a string");
}

struct seen {
	char buf[256];
};

static void
collect(void *ctx, const char *field)
{
	struct seen *s = ctx;
	size_t len = strlen(s->buf);

	snprintf(s->buf + len, sizeof s->buf - len, "%s%s", len ? "," : "", field);
}

static void
test_fields(struct ctx *c)
{
	static const char *const cols[] = { "id", "email", "country", "tags", "score" };
	struct expr *e = NULL;
	struct expr_err err;
	struct seen s = { "" };

	ok(expr_parse(&c->a, "contry == \"US\"", &e, &err) == 0, "a typo parses");
	is_int(expr_check_fields(e, cols, 5, &err), -1, "unknown field is found");
	is_str(err.msg, "unknown field \"contry\" (did you mean \"country\"?)", "did you mean");
	ok(err.line == 1 && err.col == 1, "at 1:1 (%d:%d)", err.line, err.col);

	ok(expr_parse(&c->a, "a==1 or contry == \"US\"", &e, &err) == 0, "parses");
	memset(&err, 0, sizeof err);
	is_int(expr_check_fields(e, (const char *const[]){ "a", "country" }, 2, &err), -1,
	       "unknown field later on the line");
	like(err.msg, "did you mean \"country\"", "... with a suggestion");
	ok(err.line == 1 && err.col == 9, "at 1:9 (%d:%d)", err.line, err.col);

	ok(expr_parse(&c->a, "score > 1 and\n  zzzzzz == 1", &e, &err) == 0, "parses");
	is_int(expr_check_fields(e, cols, 5, &err), -1, "unknown field on line 2");
	is_str(err.msg, "unknown field \"zzzzzz\"", "no suggestion when nothing is close");
	ok(err.line == 2 && err.col == 3, "at 2:3 (%d:%d)", err.line, err.col);

	ok(expr_parse(&c->a, "empty(emial)", &e, &err) == 0, "parses");
	is_int(expr_check_fields(e, cols, 5, &err), -1, "fields inside empty() are checked");
	ok(err.line == 1 && err.col == 7, "at 1:7 (%d:%d)", err.line, err.col);

	ok(expr_parse(&c->a, "tags has \"x\" and score > 1 or country in [\"US\"]", &e, &err) == 0,
	   "parses");
	is_int(expr_check_fields(e, cols, 5, &err), 0, "known fields pass");

	ok(expr_parse(&c->a, "b == 1 or a == 2 or b == 3 or empty(c) or a ~ \"x\"", &e, &err) == 0,
	   "parses");
	expr_fields(e, collect, &s);
	is_str(s.buf, "b,a,c", "expr_fields: in order of first use, without repeats");
}

int
main(void)
{
	struct ctx c = { ARENA_INIT, NULL, T_NOW };
	struct drip_err derr;

	setenv("TZ", "America/New_York", 1);	/* must not matter */
	if (!ok(tz_load("Europe/Berlin", &c.berlin, &derr) == 0, "load Europe/Berlin"))
		return tap_done();
	test_strings(&c);
	test_numbers(&c);
	test_bools_lists_globs(&c);
	test_dates(&c);
	test_empty_and_precedence(&c);
	test_parse_errors(&c);
	test_type_errors(&c);
	test_fields(&c);
	tz_free(c.berlin);
	arena_release(&c.a);
	return tap_done();
}
