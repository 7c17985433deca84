/*
 * expr.h - conditions (SPEC §11): `when`, `if`, `and`, `or`, `stop_when`,
 * `enroll_when`, `--where`.
 *
 *   expr  := or ;  or := and ("or" and)* ;  and := not ("and" not)*
 *   not   := "not" not | cmp
 *   cmp   := sum (("=="|"!="|"<"|"<="|">"|">="|"has"|"in"|"~") sum)?
 *   sum   := atom (("+"|"-") atom)*
 *   atom  := FIELD | "STRING" | NUMBER | DURATION | DATE | "now" | "true"
 *          | "false" | "[" atom ("," atom)* "]" | "(" expr ")" | "empty(" FIELD ")"
 *
 * Values: strings, numbers, durations, dates/instants, booleans and lists.
 * Contact fields are strings that take the type of what they are compared
 * with: a number ("score < 10"), a date ("signup_date < now - 30d"), a
 * list for `has` (values separated by ';', SPEC §4.1).  `~` is a glob
 * match (fnmatch, no flags).  `in` tests membership in a list literal or a
 * ';'-list field.  An empty field compared with a number or date is false
 * (it is not an error at run time: contact data is not code).
 *
 * Errors carry a line and column inside the expression text (1-based; the
 * expression is usually one line), e.g. 1:9 unknown field "contry" (did you
 * mean "country"?).
 *
 * Details of the typing (core/expr.c says why):
 *   - a field that does not read as the type it meets (empty, "ten",
 *     "soon") makes that comparison false, "!=" included; empty(F) tests
 *     for it;
 *   - field OP field: == and != compare the text; <, <=, >, >= compare as
 *     numbers when both are numbers, as dates when both are dates, else
 *     bytewise;
 *   - field +/- number, field +/- field: numbers; field +/- duration: a
 *     date; numbers are exact decimals (at most 18 digits);
 *   - durations compare with == and != only, part by part (2d != 48h);
 *   - a bare field is not a condition (write vip == true);
 *   - "-5" and "-3d" are literals where a value is expected.
 */
#ifndef DRIP_CORE_EXPR_H
#define DRIP_CORE_EXPR_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct tz;

struct expr;		/* a parsed expression, arena-owned */

struct expr_err {
	int line, col;		/* in the expression text, 1-based */
	char msg[256];		/* e.g. unknown field "contry" (did you mean "country"?) */
};

/* Parse src.  Returns 0, or -1 with err filled.  Type errors that do not
 * depend on contact data ("now + 5", "score < 2d") are found here, with
 * the location of their operator. */
int expr_parse(struct arena *a, const char *src, struct expr **out,
	       struct expr_err *err);

/*
 * Check every field the expression reads against the known columns
 * (fields[0..n)).  Returns 0, or -1 with err at the first unknown field,
 * with a "did you mean" when one is close.
 */
int expr_check_fields(const struct expr *e, const char *const *fields, size_t n,
		      struct expr_err *err);

/* The fields an expression reads, in order of first use, without repeats:
 * calls fn for each. */
void expr_fields(const struct expr *e, void (*fn)(void *ctx, const char *field),
		 void *ctx);

/* What evaluation needs from outside: a field lookup (NULL result: the
 * field is absent, treated as ""), the instant "now", and the zone in which
 * dates without a time are read.  Strings get returns must stay valid
 * until expr_eval returns.  zone may be NULL only for expressions that
 * read no date and do no date arithmetic; otherwise evaluation fails with
 * "no time zone to read dates in". */
struct expr_env {
	const char *(*get)(void *ctx, const char *field);
	void *ctx;
	int64_t now;
	const struct tz *zone;
};

/* Evaluate as a condition: 1 true, 0 false, -1 on a type error (err says
 * what, e.g. "cannot compare a duration with a string").  Since expr_parse
 * finds type errors, -1 in practice means a missing zone or a sum of
 * duration literals out of range. */
int expr_eval(const struct expr *e, const struct expr_env *env,
	      struct expr_err *err);

#endif
