/*
 * expr.c - conditions (SPEC §11): a hand-written lexer, a recursive-descent
 * parser, a type check, and an evaluator.
 *
 * Parsing happens in two passes.  The first builds the tree and reports
 * syntax errors; the second gives every node a static type and reports the
 * type errors that are the expression's own fault ("now + 5"), so that lint
 * finds them with their location instead of tick meeting them at run time.
 * A field has no type of its own: it takes the type of what it meets, and
 * is converted from its text when the expression is evaluated.  When that
 * conversion fails (an empty or malformed value), the comparison is false.
 *
 * Lexical decisions worth knowing:
 *   - '-' is the binary minus of the grammar; where a value is expected,
 *     "-" directly before a number or duration makes a negative literal
 *     ("score > -5", "renewal_date + -3d").
 *   - A number is digits with an optional fraction ("10", "2.5"); it is
 *     kept as an exact decimal (at most 18 significant digits), so there is
 *     no rounding and no locale (no strtod).  Contact values read as numbers
 *     the same way, with an optional sign and surrounding blanks.
 *   - A number followed at once by letters is a duration ("30d", "1d10h"),
 *     read by dur_parse.  A duration is not a number: "30 d" is an error.
 *   - "YYYY-MM-DD" is a date, midnight in the evaluation's zone; it may go
 *     on with "THH:MM[:SS]" and an optional "Z" or "+HH:MM"/"-HH:MM".
 *   - and, or, not, has, in, now, true, false and empty are reserved.
 *   - Columns count characters (UTF-8 sequences count once), as libyaml
 *     does, so they match the YAML locations around them.
 *
 * Lists and "and"/"or" chains are n-ary nodes, so a long chain does not
 * make a deep tree; nesting ("(", "[", "not", "empty(") is capped at
 * EXPR_MAX_DEPTH levels, so hostile input cannot exhaust the stack.
 */
#include "expr.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "dtime.h"
#include "dur.h"
#include "err.h"
#include "sbuf.h"
#include "tz.h"

#define EXPR_MAX_DEPTH 64	/* nested parentheses, lists and "not"s */
#define NUM_MAX_SCALE 18	/* digits after the decimal point */

/* Bounds on a duration built by adding durations: the same as one
 * dur_parse result may reach, so dur_add never overflows. */
#define DUR_MAX_MONTHS 100000
#define DUR_MAX_DAYS (7 * 100000)
#define DUR_MAX_SECS (100000LL * 3600 + 100000LL * 60)

enum tok {
	TK_END, TK_FIELD, TK_STRING, TK_NUMBER, TK_DURATION, TK_DATE,
	TK_AND, TK_OR, TK_NOT, TK_HAS, TK_IN, TK_NOW, TK_TRUE, TK_FALSE, TK_EMPTY,
	TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_MATCH,
	TK_PLUS, TK_MINUS, TK_LPAREN, TK_RPAREN, TK_LBRACK, TK_RBRACK, TK_COMMA
};

/* An exact decimal: m / 10^scale, with |m| <= INT64_MAX. */
struct num {
	int64_t m;
	int scale;
};

/* A date literal as written; it becomes an instant at evaluation, when
 * the zone is known. */
struct lit_time {
	int year, mon, day, hour, min, sec;
	int has_off;		/* "Z" or an offset was given */
	int32_t off;		/* seconds east of UTC */
};

struct token {
	enum tok kind;
	int line, col;
	const char *text;	/* the lexeme in the source */
	size_t len;
	const char *str;	/* TK_STRING decoded, TK_FIELD name (arena) */
	struct num num;
	struct dur dur;
	struct lit_time tm;
};

enum node_kind {
	N_OR, N_AND, N_NOT, N_CMP, N_SUM, N_EMPTY,
	N_FIELD, N_STR, N_NUM, N_DUR, N_TIME, N_NOW, N_BOOL, N_LIST
};

/* Static types.  TY_FIELD is a contact value not yet converted. */
enum type {
	TY_BOOL, TY_FIELD, TY_STR, TY_NUM, TY_DUR, TY_TIME, TY_LIST
};

struct sum_op {
	enum tok op;		/* TK_PLUS or TK_MINUS */
	int line, col;
};

struct node {
	enum node_kind kind;
	enum type type;
	int line, col;		/* where the node starts */
	enum tok op;		/* N_CMP */
	int oline, ocol;	/* N_CMP: where its operator is */
	struct node *l, *r;	/* N_CMP; N_NOT uses l */
	struct node **items;	/* N_OR, N_AND, N_SUM, N_LIST */
	size_t nitems;
	struct sum_op *ops;	/* N_SUM: nitems - 1 operators */
	const char *s;		/* N_FIELD, N_EMPTY: field name; N_STR: text */
	struct num num;
	struct dur dur;
	struct lit_time tm;
	int b;
};

struct field_ref {
	const char *name;
	int line, col;		/* its first use */
};

struct expr {
	struct node *root;
	struct field_ref *fields;	/* distinct, in order of first use */
	size_t nfields;
};

struct parser {
	struct arena *a;
	const char *p;		/* the lexer's cursor */
	int line, col;		/* its position */
	struct token tok;	/* the lookahead */
	struct token prev;	/* the token consumed last */
	int have_prev;
	int depth;
	struct expr_err *err;
	struct expr *e;
	size_t fcap;
};

static const struct {
	const char *word;
	enum tok kind;
} keywords[] = {
	{ "and", TK_AND }, { "or", TK_OR }, { "not", TK_NOT },
	{ "has", TK_HAS }, { "in", TK_IN }, { "now", TK_NOW },
	{ "true", TK_TRUE }, { "false", TK_FALSE }, { "empty", TK_EMPTY }
};

static const int64_t pow10_tab[NUM_MAX_SCALE + 1] = {
	1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
	100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
	1000000000000LL, 10000000000000LL, 100000000000000LL,
	1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
	1000000000000000000LL
};

static int __attribute__((format(printf, 4, 5)))
set_err(struct expr_err *err, int line, int col, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Exact decimals */

/*
 * Parse [+-]?DIGITS[.DIGITS] from s[0..n).  Returns 0, -1 when it is not
 * a number, -2 when it has too many digits to be kept exactly.  Trailing
 * zeros of the fraction are not accumulated, so "1.50" and "1.5" are the
 * same value and "1.000...0" never overflows.
 */
static int
num_parse(const char *s, size_t n, int allow_sign, struct num *out)
{
	size_t i = 0;
	int neg = 0, frac = 0, digits = 0, fdigits = 0, zeros = 0, scale = 0;
	int64_t m = 0;

	if (allow_sign && i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n; i++) {
		int d;

		if (s[i] == '.') {
			if (frac || digits == 0)
				return -1;
			frac = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = s[i] - '0';
		digits++;
		if (frac) {
			fdigits++;
			if (d == 0) {
				zeros++;
				continue;
			}
			/* Catch up the zeros held back, then this digit. */
			for (; zeros >= 0; zeros--) {
				if (m > (INT64_MAX - (zeros ? 0 : d)) / 10)
					return -2;
				m = m * 10 + (zeros ? 0 : d);
				if (++scale > NUM_MAX_SCALE)
					return -2;
			}
			zeros = 0;
			continue;
		}
		if (m > (INT64_MAX - d) / 10)
			return -2;
		m = m * 10 + d;
	}
	if (digits == 0 || (frac && fdigits == 0))
		return -1;
	out->m = neg ? -m : m;
	out->scale = scale;
	return 0;
}

/* A contact value as a number: blanks around it are allowed. */
static int
num_from_text(const char *s, struct num *out)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return num_parse(s, n, 1, out) == 0 ? 0 : -1;
}

/* m * 10^k, or -1 when it does not fit. */
static int
num_scale_up(int64_t m, int k, int64_t *out)
{
	int64_t p = pow10_tab[k];

	if (m > INT64_MAX / p || m < -(INT64_MAX / p))
		return -1;
	*out = m * p;
	return 0;
}

/*
 * Three-way comparison.  When the value with fewer decimals cannot be
 * scaled to the other's, it is larger in magnitude than anything the other
 * can hold at that scale, so its sign decides: exact for every input.
 */
static int
num_cmp(struct num a, struct num b)
{
	int64_t x, y;

	if (a.scale <= b.scale) {
		y = b.m;
		if (num_scale_up(a.m, b.scale - a.scale, &x) < 0)
			return a.m > 0 ? 1 : -1;
	} else {
		x = a.m;
		if (num_scale_up(b.m, a.scale - b.scale, &y) < 0)
			return b.m > 0 ? -1 : 1;
	}
	return (x > y) - (x < y);
}

/* a + b or a - b; -1 when the result does not fit. */
static int
num_add(struct num a, struct num b, int sub, struct num *out)
{
	int scale = a.scale > b.scale ? a.scale : b.scale;
	int64_t x, y;

	if (num_scale_up(a.m, scale - a.scale, &x) < 0 ||
	    num_scale_up(b.m, scale - b.scale, &y) < 0)
		return -1;
	if (sub)
		y = -y;
	if ((y > 0 && x > INT64_MAX - y) || (y < 0 && x < -INT64_MAX - y))
		return -1;
	out->m = x + y;
	out->scale = scale;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The lexer */

static int
is_word_char(int c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* Move the cursor one byte, keeping line and column (in characters). */
static void
adv(struct parser *ps)
{
	unsigned char c = (unsigned char)*ps->p++;

	if (c == '\n') {
		ps->line++;
		ps->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		ps->col++;
	}
}

static void
adv_n(struct parser *ps, size_t n)
{
	while (n-- > 0)
		adv(ps);
}

/* How a token is named in messages: "\"==\"", "string \"US\"", "the end". */
static const char *
tok_desc(const struct token *t, char *buf, size_t n)
{
	int len = t->len > 40 ? 40 : (int)t->len;
	const char *more = t->len > 40 ? "..." : "";

	if (t->kind == TK_END)
		snprintf(buf, n, "the end");
	else if (t->kind == TK_STRING)
		snprintf(buf, n, "string %.*s%s", len, t->text, more);
	else
		snprintf(buf, n, "\"%.*s%s\"", len, t->text, more);
	return buf;
}

static int
lex_string(struct parser *ps, struct token *t)
{
	struct sbuf sb = SBUF_INIT;

	adv(ps);
	for (;;) {
		char c = *ps->p;

		if (c == '\0' || c == '\n' || c == '\r') {
			sbuf_release(&sb);
			return set_err(ps->err, t->line, t->col, "unterminated string");
		}
		if (c == '"')
			break;
		if (c == '\\') {
			char e = ps->p[1];

			if (e != '"' && e != '\\') {
				int line = ps->line, col = ps->col;

				sbuf_release(&sb);
				if (e == '\0' || e == '\n' || e == '\r')
					return set_err(ps->err, t->line, t->col,
						       "unterminated string");
				return set_err(ps->err, line, col,
					       "unknown escape \"\\%c\" in string "
					       "(only \\\" and \\\\ are allowed)", e);
			}
			sbuf_addc(&sb, e);
			adv_n(ps, 2);
			continue;
		}
		sbuf_addc(&sb, c);
		adv(ps);
	}
	adv(ps);
	t->kind = TK_STRING;
	t->str = arena_strndup(ps->a, sbuf_str(&sb), sb.len);
	sbuf_release(&sb);
	return 0;
}

static int
two_digits(const char *s, int *out)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return -1;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

/* "invalid date ..." naming the text as far as it looks like a date. */
static int
bad_date(struct parser *ps, const struct token *t, const char *why)
{
	size_t n = 0;

	while (n < 40 && (is_word_char(t->text[n]) || t->text[n] == ':' ||
			  t->text[n] == '+' || t->text[n] == '-'))
		n++;
	return set_err(ps->err, t->line, t->col, "invalid date \"%.*s\"%s%s", (int)n,
		       t->text, why[0] ? ": " : " (expected YYYY-MM-DD or an RFC 3339 time)",
		       why);
}

/* YYYY-MM-DD[THH:MM[:SS][Z|+HH:MM|-HH:MM]]; the caller saw "DDDD-DD-". */
static int
lex_date(struct parser *ps, struct token *t)
{
	const char *s = ps->p;
	struct lit_time *tm = &t->tm;
	char buf[11], why[200] = "";
	size_t n = 10;
	int oh, om;

	if (!isdigit((unsigned char)s[8]) || !isdigit((unsigned char)s[9]))
		return bad_date(ps, t, "");
	memcpy(buf, s, 10);
	buf[10] = '\0';
	/* Its reason names the date already ("invalid date \"...\": ..."). */
	if (dtime_parse_date(buf, &tm->year, &tm->mon, &tm->day, why, sizeof why) < 0)
		return set_err(ps->err, t->line, t->col, "%s",
			       why[0] ? why : "invalid date");
	if (s[10] == 'T' && isdigit((unsigned char)s[11])) {
		if (two_digits(s + 11, &tm->hour) < 0 || s[13] != ':' ||
		    two_digits(s + 14, &tm->min) < 0)
			return bad_date(ps, t, "");
		n = 16;
		if (s[16] == ':') {
			if (two_digits(s + 17, &tm->sec) < 0)
				return bad_date(ps, t, "");
			n = 19;
		}
		if (tm->hour > 23 || tm->min > 59 || tm->sec > 59)
			return bad_date(ps, t, "no such time of day");
		if (s[n] == 'Z') {
			tm->has_off = 1;
			n++;
		} else if ((s[n] == '+' || s[n] == '-') && two_digits(s + n + 1, &oh) == 0 &&
			   s[n + 3] == ':' && two_digits(s + n + 4, &om) == 0) {
			if (oh > 23 || om > 59)
				return bad_date(ps, t, "no such offset");
			tm->has_off = 1;
			tm->off = (oh * 3600 + om * 60) * (s[n] == '-' ? -1 : 1);
			n += 6;
		}
	}
	if (is_word_char(s[n]) || s[n] == ':')
		return bad_date(ps, t, "");
	t->kind = TK_DATE;
	adv_n(ps, n);
	return 0;
}

/* A number, a duration or a date: anything that starts with a digit. */
static int
lex_number(struct parser *ps, struct token *t)
{
	const char *s = ps->p;
	size_t n = 0, i;
	int alpha = 0, r;

	if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) &&
	    s[4] == '-' && isdigit((unsigned char)s[5]) &&
	    isdigit((unsigned char)s[6]) && s[7] == '-')
		return lex_date(ps, t);
	while (is_word_char(s[n]))
		n++;
	for (i = 0; i < n; i++)
		if (isalpha((unsigned char)s[i]) || s[i] == '_')
			alpha = 1;
	if (alpha) {
		char buf[64], why[200] = "";

		if (n >= sizeof buf)
			return set_err(ps->err, t->line, t->col, "invalid duration \"%.40s...\"", s);
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (dur_parse(buf, 0, &t->dur, why, sizeof why) < 0) {
			if (why[0] && strstr(why, buf) != NULL)
				return set_err(ps->err, t->line, t->col, "%s", why);
			return set_err(ps->err, t->line, t->col, "invalid duration \"%s\"%s%s",
				       buf, why[0] ? ": " : "", why);
		}
		t->kind = TK_DURATION;
		adv_n(ps, n);
		return 0;
	}
	r = num_parse(s, n, 0, &t->num);
	if (r == -2)
		return set_err(ps->err, t->line, t->col,
			       "number \"%.*s\" has too many digits (at most 18)",
			       n > 40 ? 40 : (int)n, s);
	if (r < 0)
		return set_err(ps->err, t->line, t->col, "invalid number \"%.*s\"",
			       n > 40 ? 40 : (int)n, s);
	t->kind = TK_NUMBER;
	adv_n(ps, n);
	return 0;
}

static int
lex_word(struct parser *ps, struct token *t)
{
	const char *s = ps->p;
	size_t n = 0, i;

	while (is_word_char(s[n]))
		n++;
	for (i = 0; i < sizeof keywords / sizeof *keywords; i++)
		if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, s, n) == 0)
			break;
	if (i < sizeof keywords / sizeof *keywords) {
		t->kind = keywords[i].kind;
	} else {
		t->kind = TK_FIELD;
		t->str = arena_strndup(ps->a, s, n);
	}
	adv_n(ps, n);
	return 0;
}

/* A character that starts no token: say what was probably meant. */
static int
lex_bad(struct parser *ps, struct token *t)
{
	unsigned char c = (unsigned char)*ps->p;
	size_t n = 1;

	switch (c) {
	case '=':
		return set_err(ps->err, t->line, t->col, "unexpected \"=\" (use \"==\" to compare)");
	case '!':
		return set_err(ps->err, t->line, t->col, "unexpected \"!\" (use \"not\" or \"!=\")");
	case '&':
		return set_err(ps->err, t->line, t->col, "unexpected \"&\" (use \"and\")");
	case '|':
		return set_err(ps->err, t->line, t->col, "unexpected \"|\" (use \"or\")");
	case '\'':
		return set_err(ps->err, t->line, t->col,
			       "unexpected \"'\" (strings are written in double quotes)");
	}
	if (c >= 0x20 && c < 0x7f)
		return set_err(ps->err, t->line, t->col, "unexpected character \"%c\"", c);
	if (c >= 0xC2 && c <= 0xF4) {
		n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		for (size_t i = 1; i < n; i++)
			if (((unsigned char)ps->p[i] & 0xC0) != 0x80)
				n = 0;
		if (n > 0)
			return set_err(ps->err, t->line, t->col, "unexpected character \"%.*s\"",
				       (int)n, ps->p);
	}
	return set_err(ps->err, t->line, t->col, "unexpected byte 0x%02x", c);
}

static int
lex(struct parser *ps, struct token *t)
{
	static const struct {
		const char *text;
		enum tok kind;
	} ops[] = {
		{ "==", TK_EQ }, { "!=", TK_NE }, { "<=", TK_LE }, { ">=", TK_GE },
		{ "<", TK_LT }, { ">", TK_GT }, { "~", TK_MATCH }, { "+", TK_PLUS },
		{ "-", TK_MINUS }, { "(", TK_LPAREN }, { ")", TK_RPAREN },
		{ "[", TK_LBRACK }, { "]", TK_RBRACK }, { ",", TK_COMMA }
	};
	size_t i;
	int r;
	char c;

	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n')
		adv(ps);
	memset(t, 0, sizeof *t);
	t->line = ps->line;
	t->col = ps->col;
	t->text = ps->p;
	c = *ps->p;
	if (c == '\0') {
		t->kind = TK_END;
		return 0;
	}
	if (isalpha((unsigned char)c) || c == '_')
		r = lex_word(ps, t);
	else if (isdigit((unsigned char)c))
		r = lex_number(ps, t);
	else if (c == '"')
		r = lex_string(ps, t);
	else {
		for (i = 0; i < sizeof ops / sizeof *ops; i++) {
			size_t n = strlen(ops[i].text);

			if (strncmp(ps->p, ops[i].text, n) == 0) {
				t->kind = ops[i].kind;
				adv_n(ps, n);
				break;
			}
		}
		if (i == sizeof ops / sizeof *ops)
			return lex_bad(ps, t);
		r = 0;
	}
	t->len = (size_t)(ps->p - t->text);
	return r;
}

static int
advance(struct parser *ps)
{
	ps->prev = ps->tok;
	ps->have_prev = 1;
	return lex(ps, &ps->tok);
}

/* ------------------------------------------------------------------ */
/* The parser: syntax only */

static struct node *
new_node(struct parser *ps, enum node_kind kind, int line, int col)
{
	struct node *n = arena_alloc(ps->a, sizeof *n);

	n->kind = kind;
	n->line = line;
	n->col = col;
	return n;
}

static void
push_item(struct parser *ps, struct node *n, size_t *cap, struct node *item)
{
	if (n->nitems == *cap) {
		size_t c = *cap ? *cap * 2 : 4;

		n->items = arena_grow(ps->a, n->items, n->nitems, c, sizeof *n->items);
		*cap = c;
	}
	n->items[n->nitems++] = item;
}

static void
add_field(struct parser *ps, const char *name, int line, int col)
{
	struct expr *e = ps->e;
	size_t i;

	for (i = 0; i < e->nfields; i++)
		if (strcmp(e->fields[i].name, name) == 0)
			return;
	if (e->nfields == ps->fcap) {
		size_t c = ps->fcap ? ps->fcap * 2 : 4;

		e->fields = arena_grow(ps->a, e->fields, e->nfields, c, sizeof *e->fields);
		ps->fcap = c;
	}
	e->fields[e->nfields].name = name;
	e->fields[e->nfields].line = line;
	e->fields[e->nfields].col = col;
	e->nfields++;
}

static int
deeper(struct parser *ps)
{
	if (++ps->depth > EXPR_MAX_DEPTH)
		return set_err(ps->err, ps->tok.line, ps->tok.col,
			       "expression nested too deeply (more than %d levels)",
			       EXPR_MAX_DEPTH);
	return 0;
}

/* ", found X" for messages, or nothing at the end of the text. */
static const char *
found(const struct parser *ps, char *buf, size_t n)
{
	char d[64];

	if (ps->tok.kind == TK_END)
		buf[0] = '\0';
	else
		snprintf(buf, n, ", found %s", tok_desc(&ps->tok, d, sizeof d));
	return buf;
}

static int
expected_value(struct parser *ps)
{
	char f[96];

	if (!ps->have_prev)
		return set_err(ps->err, ps->tok.line, ps->tok.col, "%s%s",
			       ps->tok.kind == TK_END ? "empty expression" : "expected a value",
			       found(ps, f, sizeof f));
	return set_err(ps->err, ps->tok.line, ps->tok.col, "expected a value after \"%.*s\"%s",
		       (int)(ps->prev.len > 40 ? 40 : ps->prev.len), ps->prev.text,
		       found(ps, f, sizeof f));
}

static struct node *parse_or(struct parser *ps);
static struct node *parse_atom(struct parser *ps);

static struct node *
parse_list(struct parser *ps)
{
	struct node *n = new_node(ps, N_LIST, ps->tok.line, ps->tok.col), *item;
	size_t cap = 0;
	char f[96];

	if (deeper(ps) < 0 || advance(ps) < 0)
		return NULL;
	for (;;) {
		if ((item = parse_atom(ps)) == NULL)
			return NULL;
		push_item(ps, n, &cap, item);
		if (ps->tok.kind == TK_RBRACK)
			break;
		if (ps->tok.kind != TK_COMMA) {
			set_err(ps->err, ps->tok.line, ps->tok.col,
				"expected \",\" or \"]\" in the list opened at %d:%d%s",
				n->line, n->col, found(ps, f, sizeof f));
			return NULL;
		}
		if (advance(ps) < 0)
			return NULL;
	}
	ps->depth--;
	return advance(ps) < 0 ? NULL : n;
}

static struct node *
parse_paren(struct parser *ps)
{
	int line = ps->tok.line, col = ps->tok.col;
	struct node *n;
	char f[96];

	if (deeper(ps) < 0 || advance(ps) < 0)
		return NULL;
	if ((n = parse_or(ps)) == NULL)
		return NULL;
	if (ps->tok.kind != TK_RPAREN) {
		set_err(ps->err, ps->tok.line, ps->tok.col,
			"expected \")\" to close \"(\" at %d:%d%s", line, col,
			found(ps, f, sizeof f));
		return NULL;
	}
	ps->depth--;
	return advance(ps) < 0 ? NULL : n;
}

/* empty ( FIELD ) */
static struct node *
parse_empty(struct parser *ps)
{
	struct node *n = new_node(ps, N_EMPTY, ps->tok.line, ps->tok.col);
	char f[96];

	if (advance(ps) < 0)
		return NULL;
	if (ps->tok.kind != TK_LPAREN) {
		set_err(ps->err, ps->tok.line, ps->tok.col, "expected \"(\" after \"empty\"%s",
			found(ps, f, sizeof f));
		return NULL;
	}
	if (advance(ps) < 0)
		return NULL;
	if (ps->tok.kind != TK_FIELD) {
		set_err(ps->err, ps->tok.line, ps->tok.col,
			"expected a field name in \"empty()\"%s", found(ps, f, sizeof f));
		return NULL;
	}
	n->s = ps->tok.str;
	add_field(ps, n->s, ps->tok.line, ps->tok.col);
	if (advance(ps) < 0)
		return NULL;
	if (ps->tok.kind != TK_RPAREN) {
		set_err(ps->err, ps->tok.line, ps->tok.col,
			"expected \")\" after \"empty(%s\"%s", n->s, found(ps, f, sizeof f));
		return NULL;
	}
	return advance(ps) < 0 ? NULL : n;
}

/* "-" where a value is expected: a negative number or duration literal. */
static struct node *
parse_negative(struct parser *ps)
{
	struct node *n;
	char f[96];

	if (advance(ps) < 0)
		return NULL;
	if (ps->tok.kind == TK_NUMBER) {
		n = new_node(ps, N_NUM, ps->prev.line, ps->prev.col);
		n->num = ps->tok.num;
		n->num.m = -n->num.m;
	} else if (ps->tok.kind == TK_DURATION) {
		n = new_node(ps, N_DUR, ps->prev.line, ps->prev.col);
		n->dur.months = -ps->tok.dur.months;
		n->dur.days = -ps->tok.dur.days;
		n->dur.secs = -ps->tok.dur.secs;
	} else {
		set_err(ps->err, ps->tok.line, ps->tok.col,
			"expected a number or a duration after \"-\"%s", found(ps, f, sizeof f));
		return NULL;
	}
	return advance(ps) < 0 ? NULL : n;
}

static struct node *
parse_atom(struct parser *ps)
{
	const struct token *t = &ps->tok;
	struct node *n;

	switch (t->kind) {
	case TK_FIELD:
		n = new_node(ps, N_FIELD, t->line, t->col);
		n->s = t->str;
		add_field(ps, n->s, t->line, t->col);
		break;
	case TK_STRING:
		n = new_node(ps, N_STR, t->line, t->col);
		n->s = t->str;
		break;
	case TK_NUMBER:
		n = new_node(ps, N_NUM, t->line, t->col);
		n->num = t->num;
		break;
	case TK_DURATION:
		n = new_node(ps, N_DUR, t->line, t->col);
		n->dur = t->dur;
		break;
	case TK_DATE:
		n = new_node(ps, N_TIME, t->line, t->col);
		n->tm = t->tm;
		break;
	case TK_NOW:
		n = new_node(ps, N_NOW, t->line, t->col);
		break;
	case TK_TRUE:
	case TK_FALSE:
		n = new_node(ps, N_BOOL, t->line, t->col);
		n->b = t->kind == TK_TRUE;
		break;
	case TK_MINUS:
		return parse_negative(ps);
	case TK_LBRACK:
		return parse_list(ps);
	case TK_LPAREN:
		return parse_paren(ps);
	case TK_EMPTY:
		return parse_empty(ps);
	default:
		expected_value(ps);
		return NULL;
	}
	return advance(ps) < 0 ? NULL : n;
}

/* sum := atom (("+"|"-") atom)* */
static struct node *
parse_sum(struct parser *ps)
{
	struct node *first = parse_atom(ps), *n, *item;
	size_t cap = 0, ocap = 0;

	if (first == NULL || (ps->tok.kind != TK_PLUS && ps->tok.kind != TK_MINUS))
		return first;
	n = new_node(ps, N_SUM, first->line, first->col);
	push_item(ps, n, &cap, first);
	while (ps->tok.kind == TK_PLUS || ps->tok.kind == TK_MINUS) {
		struct sum_op op = { ps->tok.kind, ps->tok.line, ps->tok.col };

		if (advance(ps) < 0 || (item = parse_atom(ps)) == NULL)
			return NULL;
		if (n->nitems - 1 == ocap) {
			size_t c = ocap ? ocap * 2 : 4;

			n->ops = arena_grow(ps->a, n->ops, ocap, c, sizeof *n->ops);
			ocap = c;
		}
		n->ops[n->nitems - 1] = op;
		push_item(ps, n, &cap, item);
	}
	return n;
}

static int
is_cmp_op(enum tok k)
{
	return (k >= TK_EQ && k <= TK_MATCH) || k == TK_HAS || k == TK_IN;
}

/* cmp := sum (OP sum)? */
static struct node *
parse_cmp(struct parser *ps)
{
	struct node *l = parse_sum(ps), *n;

	if (l == NULL || !is_cmp_op(ps->tok.kind))
		return l;
	n = new_node(ps, N_CMP, l->line, l->col);
	n->op = ps->tok.kind;
	n->oline = ps->tok.line;
	n->ocol = ps->tok.col;
	n->l = l;
	if (advance(ps) < 0 || (n->r = parse_sum(ps)) == NULL)
		return NULL;
	if (is_cmp_op(ps->tok.kind)) {
		set_err(ps->err, ps->tok.line, ps->tok.col,
			"comparisons cannot be chained (use \"and\" to combine them)");
		return NULL;
	}
	return n;
}

/* not := "not" not | cmp */
static struct node *
parse_not(struct parser *ps)
{
	struct node *n;

	if (ps->tok.kind != TK_NOT)
		return parse_cmp(ps);
	n = new_node(ps, N_NOT, ps->tok.line, ps->tok.col);
	if (deeper(ps) < 0 || advance(ps) < 0 || (n->l = parse_not(ps)) == NULL)
		return NULL;
	ps->depth--;
	return n;
}

/* and := not ("and" not)* ;  or := and ("or" and)* */
static struct node *
parse_chain(struct parser *ps, enum tok op, enum node_kind kind,
	    struct node *(*sub)(struct parser *))
{
	struct node *first = sub(ps), *n, *item;
	size_t cap = 0;

	if (first == NULL || ps->tok.kind != op)
		return first;
	n = new_node(ps, kind, first->line, first->col);
	push_item(ps, n, &cap, first);
	while (ps->tok.kind == op) {
		if (advance(ps) < 0 || (item = sub(ps)) == NULL)
			return NULL;
		push_item(ps, n, &cap, item);
	}
	return n;
}

static struct node *
parse_and(struct parser *ps)
{
	return parse_chain(ps, TK_AND, N_AND, parse_not);
}

static struct node *
parse_or(struct parser *ps)
{
	return parse_chain(ps, TK_OR, N_OR, parse_and);
}

/* ------------------------------------------------------------------ */
/* Types: shared by the check after parsing and by evaluation */

static const char *
type_name(enum type t)
{
	switch (t) {
	case TY_BOOL: return "a condition";
	case TY_FIELD: return "a field";
	case TY_STR: return "a string";
	case TY_NUM: return "a number";
	case TY_DUR: return "a duration";
	case TY_TIME: return "a date";
	case TY_LIST: return "a list";
	}
	return "a value";
}

static const char *
op_text(enum tok op)
{
	switch (op) {
	case TK_EQ: return "==";
	case TK_NE: return "!=";
	case TK_LT: return "<";
	case TK_LE: return "<=";
	case TK_GT: return ">";
	case TK_GE: return ">=";
	case TK_MATCH: return "~";
	case TK_HAS: return "has";
	case TK_IN: return "in";
	case TK_PLUS: return "+";
	case TK_MINUS: return "-";
	default: return "?";
	}
}

/*
 * The result of l +/- r and the types its operands are read as (a field
 * becomes a number, or a date when a duration is added to it).  Returns 0,
 * or -1 with a message.
 */
static int
sum_rule(enum tok op, enum type l, enum type r, enum type *res, enum type *lt,
	 enum type *rt, char *msg, size_t n)
{
	int add = op == TK_PLUS;

	if ((l == TY_NUM || l == TY_FIELD) && (r == TY_NUM || r == TY_FIELD)) {
		*res = *lt = *rt = TY_NUM;
	} else if ((l == TY_TIME || l == TY_FIELD) && r == TY_DUR) {
		*res = *lt = TY_TIME;
		*rt = TY_DUR;
	} else if (add && l == TY_DUR && (r == TY_TIME || r == TY_FIELD)) {
		*res = *rt = TY_TIME;
		*lt = TY_DUR;
	} else if (l == TY_DUR && r == TY_DUR) {
		*res = *lt = *rt = TY_DUR;
	} else {
		if (add)
			snprintf(msg, n, "cannot add %s to %s", type_name(r), type_name(l));
		else
			snprintf(msg, n, "cannot subtract %s from %s", type_name(r), type_name(l));
		return -1;
	}
	return 0;
}

/*
 * Can l OP r be evaluated?  For "in" with a list literal only the list's
 * place is checked here; each item is checked as l == item.
 */
static int
cmp_rule(enum tok op, enum type l, enum type r, char *msg, size_t n)
{
	enum type t;

	switch (op) {
	case TK_MATCH:
		if (l != TY_FIELD && l != TY_STR) {
			snprintf(msg, n, "cannot match %s against a pattern "
				 "(\"~\" compares a field or a string with a glob)", type_name(l));
			return -1;
		}
		if (r != TY_FIELD && r != TY_STR) {
			snprintf(msg, n, "the pattern after \"~\" must be a string, not %s",
				 type_name(r));
			return -1;
		}
		return 0;
	case TK_HAS:
		if (l != TY_FIELD) {
			snprintf(msg, n, "the left side of \"has\" must be a list field, not %s",
				 type_name(l));
			return -1;
		}
		if (r != TY_FIELD && r != TY_STR) {
			snprintf(msg, n, "the right side of \"has\" must be a string, not %s%s",
				 type_name(r), r == TY_LIST ? " (use \"in\" with a list)" : "");
			return -1;
		}
		return 0;
	case TK_IN:
		if (l == TY_LIST || l == TY_BOOL) {
			snprintf(msg, n, "the left side of \"in\" cannot be %s", type_name(l));
			return -1;
		}
		if (r == TY_LIST)
			return 0;
		if (r == TY_FIELD) {
			if (l == TY_FIELD || l == TY_STR)
				return 0;
			snprintf(msg, n, "cannot look for %s in a list field (use a string)",
				 type_name(l));
			return -1;
		}
		snprintf(msg, n, "the right side of \"in\" must be a list or a list field, not %s",
			 type_name(r));
		return -1;
	default:
		break;
	}
	if (l == TY_LIST || r == TY_LIST) {
		snprintf(msg, n, "cannot compare %s with %s%s", type_name(l), type_name(r),
			 r == TY_LIST && l != TY_LIST ? " (use \"in\" to test membership)" : "");
		return -1;
	}
	if (l == TY_FIELD && r == TY_FIELD)
		return 0;
	if (l != TY_FIELD && r != TY_FIELD && l != r) {
		snprintf(msg, n, "cannot compare %s with %s", type_name(l), type_name(r));
		return -1;
	}
	t = l == TY_FIELD ? r : l;
	if (op != TK_EQ && op != TK_NE && t == TY_BOOL) {
		snprintf(msg, n, "cannot use \"%s\" on conditions (use \"==\" or \"!=\")",
			 op_text(op));
		return -1;
	}
	if (op != TK_EQ && op != TK_NE && t == TY_DUR) {
		snprintf(msg, n, "cannot use \"%s\" on durations (compare dates instead, "
			 "e.g. signup_date < now - 30d)", op_text(op));
		return -1;
	}
	return 0;
}

static int check(struct parser *ps, struct node *n);

/* Operands of and/or/not, and the whole expression, must be conditions. */
static int
check_cond(struct parser *ps, const struct node *n)
{
	if (n->type == TY_BOOL)
		return 0;
	if (n->kind == N_FIELD)
		return set_err(ps->err, n->line, n->col,
			       "field \"%s\" is not a condition (write %s == true, or "
			       "not empty(%s))", n->s, n->s, n->s);
	return set_err(ps->err, n->line, n->col, "expected a condition, found %s",
		       type_name(n->type));
}

static int
check_cmp(struct parser *ps, struct node *n)
{
	char msg[200];
	size_t i;

	if (check(ps, n->l) < 0 || check(ps, n->r) < 0)
		return -1;
	if (cmp_rule(n->op, n->l->type, n->r->type, msg, sizeof msg) < 0)
		return set_err(ps->err, n->oline, n->ocol, "%s", msg);
	if (n->op == TK_IN && n->r->kind == N_LIST)
		for (i = 0; i < n->r->nitems; i++) {
			const struct node *it = n->r->items[i];

			if (cmp_rule(TK_EQ, n->l->type, it->type, msg, sizeof msg) < 0)
				return set_err(ps->err, it->line, it->col, "%s", msg);
		}
	n->type = TY_BOOL;
	return 0;
}

static int
check(struct parser *ps, struct node *n)
{
	char msg[200];
	enum type t, lt, rt;
	size_t i;

	switch (n->kind) {
	case N_OR:
	case N_AND:
		for (i = 0; i < n->nitems; i++)
			if (check(ps, n->items[i]) < 0 || check_cond(ps, n->items[i]) < 0)
				return -1;
		n->type = TY_BOOL;
		return 0;
	case N_NOT:
		if (check(ps, n->l) < 0 || check_cond(ps, n->l) < 0)
			return -1;
		n->type = TY_BOOL;
		return 0;
	case N_CMP:
		return check_cmp(ps, n);
	case N_SUM:
		for (i = 0; i < n->nitems; i++)
			if (check(ps, n->items[i]) < 0)
				return -1;
		t = n->items[0]->type;
		for (i = 1; i < n->nitems; i++) {
			const struct sum_op *o = &n->ops[i - 1];

			if (sum_rule(o->op, t, n->items[i]->type, &t, &lt, &rt, msg,
				     sizeof msg) < 0)
				return set_err(ps->err, o->line, o->col, "%s", msg);
		}
		n->type = t;
		return 0;
	case N_LIST:
		for (i = 0; i < n->nitems; i++) {
			if (check(ps, n->items[i]) < 0)
				return -1;
			if (n->items[i]->type == TY_LIST)
				return set_err(ps->err, n->items[i]->line, n->items[i]->col,
					       "lists cannot be nested");
		}
		n->type = TY_LIST;
		return 0;
	case N_EMPTY:
	case N_BOOL:
		n->type = TY_BOOL;
		return 0;
	case N_FIELD:
		n->type = TY_FIELD;
		return 0;
	case N_STR:
		n->type = TY_STR;
		return 0;
	case N_NUM:
		n->type = TY_NUM;
		return 0;
	case N_DUR:
		n->type = TY_DUR;
		return 0;
	case N_TIME:
	case N_NOW:
		n->type = TY_TIME;
		return 0;
	}
	return set_err(ps->err, n->line, n->col, "internal error: unknown node");
}

int
expr_parse(struct arena *a, const char *src, struct expr **out,
	   struct expr_err *err)
{
	struct parser ps = { 0 };
	struct expr_err dummy;
	struct node *root;
	char d[64];

	if (err == NULL)
		err = &dummy;
	memset(err, 0, sizeof *err);
	ps.a = a;
	ps.p = src ? src : "";
	ps.line = 1;
	ps.col = 1;
	ps.err = err;
	ps.e = arena_alloc(a, sizeof *ps.e);
	if (lex(&ps, &ps.tok) < 0 || (root = parse_or(&ps)) == NULL)
		return -1;
	if (ps.tok.kind == TK_RPAREN)
		return set_err(err, ps.tok.line, ps.tok.col, "unexpected \")\" (no \"(\" to close)");
	if (ps.tok.kind != TK_END)
		return set_err(err, ps.tok.line, ps.tok.col,
			       "unexpected %s (expected \"and\", \"or\" or the end)",
			       tok_desc(&ps.tok, d, sizeof d));
	if (check(&ps, root) < 0 || check_cond(&ps, root) < 0)
		return -1;
	ps.e->root = root;
	*out = ps.e;
	return 0;
}

int
expr_check_fields(const struct expr *e, const char *const *fields, size_t n,
		  struct expr_err *err)
{
	size_t i, j;

	for (i = 0; i < e->nfields; i++) {
		const struct field_ref *f = &e->fields[i];

		for (j = 0; j < n; j++)
			if (fields[j] != NULL && strcmp(fields[j], f->name) == 0)
				break;
		if (j < n)
			continue;
		if (err != NULL) {
			set_err(err, f->line, f->col, "unknown field \"%s\"", f->name);
			suggest_append(err->msg, sizeof err->msg, f->name, fields, n);
		}
		return -1;
	}
	return 0;
}

void
expr_fields(const struct expr *e, void (*fn)(void *ctx, const char *field),
	    void *ctx)
{
	size_t i;

	for (i = 0; i < e->nfields; i++)
		fn(ctx, e->fields[i].name);
}

/* ------------------------------------------------------------------ */
/* Evaluation */

struct val {
	enum type type;
	int ok;			/* 0: a field that does not read as its type */
	const char *s;		/* TY_FIELD, TY_STR */
	struct num num;
	struct dur dur;
	int64_t t;
	int b;
	const struct node *list;
};

static int eval_cond(const struct node *n, const struct expr_env *env,
		     struct expr_err *err);

static int
need_zone(const struct expr_env *env, const struct node *at, struct expr_err *err)
{
	if (env->zone != NULL)
		return 0;
	return set_err(err, at->line, at->col, "no time zone to read dates in");
}

/* A contact value without blanks around it, in buf; -1 when too long. */
static int
trimmed(const char *s, char *buf, size_t n)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= n)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

static int
time_from_text(const char *s, const struct tz *zone, int64_t *out)
{
	char buf[64], why[200];

	if (trimmed(s, buf, sizeof buf) < 0 || buf[0] == '\0')
		return -1;
	return dtime_parse(buf, zone, out, why, sizeof why);
}

/*
 * Read a field's text as type `to`.  A value that does not read leaves
 * v->ok 0, which makes the comparison false.  Other values are unchanged.
 */
static int
coerce(struct val *v, enum type to, const struct expr_env *env,
       const struct node *at, struct expr_err *err)
{
	char buf[64], why[200];

	if (v->type != TY_FIELD || to == TY_FIELD)
		return 0;
	v->type = to;
	switch (to) {
	case TY_STR:
		break;
	case TY_NUM:
		v->ok = num_from_text(v->s, &v->num) == 0;
		break;
	case TY_TIME:
		if (need_zone(env, at, err) < 0)
			return -1;
		v->ok = time_from_text(v->s, env->zone, &v->t) == 0;
		break;
	case TY_DUR:
		v->ok = trimmed(v->s, buf, sizeof buf) == 0 &&
			dur_parse(buf, 1, &v->dur, why, sizeof why) == 0;
		break;
	case TY_BOOL:
		v->ok = strcmp(v->s, "true") == 0 || strcmp(v->s, "false") == 0;
		v->b = strcmp(v->s, "true") == 0;
		break;
	default:
		return set_err(err, at->line, at->col, "cannot read a field as %s",
			       type_name(to));
	}
	return 0;
}

static int
lit_time_eval(const struct node *n, const struct expr_env *env, int64_t *out,
	      struct expr_err *err)
{
	const struct lit_time *tm = &n->tm;

	if (tm->has_off) {
		*out = cal_days_from_civil(tm->year, tm->mon, tm->day) * 86400 +
		       tm->hour * 3600 + tm->min * 60 + tm->sec - tm->off;
		return 0;
	}
	if (need_zone(env, n, err) < 0)
		return -1;
	*out = tz_from_local(env->zone, tm->year, tm->mon, tm->day, tm->hour, tm->min,
			     tm->sec);
	return 0;
}

static int eval_val(const struct node *n, const struct expr_env *env, struct val *v,
		    struct expr_err *err);

static int
dur_in_range(const struct dur *d)
{
	return d->months <= DUR_MAX_MONTHS && d->months >= -DUR_MAX_MONTHS &&
	       d->days <= DUR_MAX_DAYS && d->days >= -DUR_MAX_DAYS &&
	       d->secs <= DUR_MAX_SECS && d->secs >= -DUR_MAX_SECS;
}

/* acc = acc OP r, with the rules of sum_rule. */
static int
sum_step(const struct sum_op *o, struct val *acc, struct val *r,
	 const struct expr_env *env, const struct node *at, struct expr_err *err)
{
	enum type res, lt, rt;
	struct dur d;
	char msg[200];
	int sub = o->op == TK_MINUS;

	if (sum_rule(o->op, acc->type, r->type, &res, &lt, &rt, msg, sizeof msg) < 0)
		return set_err(err, o->line, o->col, "%s", msg);
	if (coerce(acc, lt, env, at, err) < 0 || coerce(r, rt, env, at, err) < 0)
		return -1;
	if (!acc->ok || !r->ok) {
		acc->type = res;
		acc->ok = 0;
		return 0;
	}
	switch (res) {
	case TY_NUM:
		if (num_add(acc->num, r->num, sub, &acc->num) < 0)
			acc->ok = 0;
		break;
	case TY_DUR:
		d.months = acc->dur.months + (sub ? -r->dur.months : r->dur.months);
		d.days = acc->dur.days + (sub ? -r->dur.days : r->dur.days);
		d.secs = acc->dur.secs + (sub ? -r->dur.secs : r->dur.secs);
		if (!dur_in_range(&d))
			return set_err(err, o->line, o->col, "duration out of range");
		acc->dur = d;
		break;
	default:
		if (need_zone(env, at, err) < 0)
			return -1;
		if (acc->type == TY_TIME) {
			d = r->dur;
			if (sub) {
				d.months = -d.months;
				d.days = -d.days;
				d.secs = -d.secs;
			}
			acc->t = dur_add(env->zone, acc->t, &d);
		} else {
			acc->t = dur_add(env->zone, r->t, &acc->dur);
		}
		break;
	}
	acc->type = res;
	return 0;
}

static int
eval_val(const struct node *n, const struct expr_env *env, struct val *v,
	 struct expr_err *err)
{
	const char *s;
	size_t i;
	int r;

	memset(v, 0, sizeof *v);
	v->ok = 1;
	v->type = n->type;
	switch (n->kind) {
	case N_FIELD:
		s = env->get ? env->get(env->ctx, n->s) : NULL;
		v->s = s ? s : "";
		return 0;
	case N_STR:
		v->s = n->s;
		return 0;
	case N_NUM:
		v->num = n->num;
		return 0;
	case N_DUR:
		v->dur = n->dur;
		return 0;
	case N_NOW:
		v->t = env->now;
		return 0;
	case N_TIME:
		return lit_time_eval(n, env, &v->t, err);
	case N_BOOL:
		v->b = n->b;
		return 0;
	case N_LIST:
		v->list = n;
		return 0;
	case N_SUM:
		if (eval_val(n->items[0], env, v, err) < 0)
			return -1;
		for (i = 1; i < n->nitems; i++) {
			struct val rv;

			if (eval_val(n->items[i], env, &rv, err) < 0 ||
			    sum_step(&n->ops[i - 1], v, &rv, env, n, err) < 0)
				return -1;
		}
		return 0;
	default:
		if ((r = eval_cond(n, env, err)) < 0)
			return -1;
		v->type = TY_BOOL;
		v->b = r;
		return 0;
	}
}

static int
three_way(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int
apply_op(enum tok op, int c)
{
	switch (op) {
	case TK_EQ: return c == 0;
	case TK_NE: return c != 0;
	case TK_LT: return c < 0;
	case TK_LE: return c <= 0;
	case TK_GT: return c > 0;
	case TK_GE: return c >= 0;
	default: return 0;
	}
}

/* Two contact values: equality is exact text; an order is numeric when
 * both are numbers, by time when both are dates, else bytewise. */
static int
fields_cmp(enum tok op, const char *a, const char *b, const struct expr_env *env)
{
	struct num x, y;
	int64_t s, t;

	if (op == TK_EQ || op == TK_NE)
		return apply_op(op, strcmp(a, b));
	if (num_from_text(a, &x) == 0 && num_from_text(b, &y) == 0)
		return apply_op(op, num_cmp(x, y));
	if (env->zone != NULL && time_from_text(a, env->zone, &s) == 0 &&
	    time_from_text(b, env->zone, &t) == 0)
		return apply_op(op, three_way(s, t));
	return apply_op(op, strcmp(a, b));
}

/* l OP r for the comparison operators; l and r are copies. */
static int
compare(enum tok op, struct val l, struct val r, const struct expr_env *env,
	const struct node *at, struct expr_err *err)
{
	char msg[200];
	int c;

	if (cmp_rule(op, l.type, r.type, msg, sizeof msg) < 0)
		return set_err(err, at->oline, at->ocol, "%s", msg);
	if (l.type == TY_FIELD && r.type == TY_FIELD)
		return fields_cmp(op, l.s, r.s, env);
	if (coerce(&l, r.type, env, at, err) < 0 || coerce(&r, l.type, env, at, err) < 0)
		return -1;
	if (!l.ok || !r.ok)
		return 0;
	switch (l.type) {
	case TY_STR:
		c = strcmp(l.s, r.s);
		break;
	case TY_NUM:
		c = num_cmp(l.num, r.num);
		break;
	case TY_TIME:
		c = three_way(l.t, r.t);
		break;
	case TY_BOOL:
		c = l.b != r.b;
		break;
	case TY_DUR:
		c = l.dur.months != r.dur.months || l.dur.days != r.dur.days ||
		    l.dur.secs != r.dur.secs;
		break;
	default:
		return set_err(err, at->oline, at->ocol, "cannot compare %s", type_name(l.type));
	}
	return apply_op(op, c);
}

/* Is want one of the ';'-separated values of list (blanks around each
 * value ignored, empty values skipped)? */
static int
list_has(const char *list, const char *want)
{
	size_t wl = strlen(want);

	while (*list != '\0') {
		const char *e = strchr(list, ';'), *b = list;
		size_t n;

		if (e == NULL)
			e = list + strlen(list);
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		n = (size_t)(e - b);
		while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == '\t'))
			n--;
		if (n > 0 && n == wl && memcmp(b, want, n) == 0)
			return 1;
		list = *e ? e + 1 : e;
	}
	return 0;
}

static int
eval_cmp(const struct node *n, const struct expr_env *env, struct expr_err *err)
{
	struct val l, r, it;
	size_t i;
	int c;

	if (eval_val(n->l, env, &l, err) < 0 || eval_val(n->r, env, &r, err) < 0)
		return -1;
	switch (n->op) {
	case TK_MATCH:
		return fnmatch(r.s, l.s, 0) == 0;
	case TK_HAS:
		return list_has(l.s, r.s);
	case TK_IN:
		if (r.type != TY_LIST)
			return list_has(r.s, l.s);
		for (i = 0; i < r.list->nitems; i++) {
			if (eval_val(r.list->items[i], env, &it, err) < 0)
				return -1;
			if ((c = compare(TK_EQ, l, it, env, n, err)) != 0)
				return c;
		}
		return 0;
	default:
		return compare(n->op, l, r, env, n, err);
	}
}

static int
eval_cond(const struct node *n, const struct expr_env *env, struct expr_err *err)
{
	const char *s;
	size_t i;
	int r;

	switch (n->kind) {
	case N_OR:
		for (i = 0; i < n->nitems; i++)
			if ((r = eval_cond(n->items[i], env, err)) != 0)
				return r;
		return 0;
	case N_AND:
		for (i = 0; i < n->nitems; i++)
			if ((r = eval_cond(n->items[i], env, err)) != 1)
				return r;
		return 1;
	case N_NOT:
		r = eval_cond(n->l, env, err);
		return r < 0 ? r : !r;
	case N_CMP:
		return eval_cmp(n, env, err);
	case N_BOOL:
		return n->b;
	case N_EMPTY:
		s = env->get ? env->get(env->ctx, n->s) : NULL;
		return s == NULL || s[0] == '\0';
	default:
		return set_err(err, n->line, n->col, "expected a condition, found %s",
			       type_name(n->type));
	}
}

int
expr_eval(const struct expr *e, const struct expr_env *env,
	  struct expr_err *err)
{
	struct expr_err dummy;

	if (err == NULL)
		err = &dummy;
	return eval_cond(e->root, env, err);
}
