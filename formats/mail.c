/*
 * mail.c - RFC 5322 headers, RFC 2047 encoded-words, RFC 2045 quoted-
 * printable bodies, dates and Message-IDs.
 *
 * The safety argument for headers is short: every value is cleaned before
 * it is written (no CR, LF or other control character survives), and the
 * only line breaks written inside a header are the ones folding inserts,
 * each followed by a blank.  A line that starts with a blank continues the
 * header before it, so no value can ever start a header of its own.
 *
 * Encoded-words use the "phrase" subset of Q (RFC 2047 §5(3)) everywhere,
 * so that the same encoder serves Subject and display names.  A value is
 * encoded as a whole: readers drop the blanks between adjacent
 * encoded-words, so the blanks of the text travel inside the words ("_" in
 * Q), and the value decodes to exactly what was cleaned.
 */
#include "mail.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "sbuf.h"
#include "utf8.h"

#define QWORD_OVERHEAD 12	/* "=?UTF-8?Q?" and "?=" */
#define WHY_ADDR_MAX 60		/* bytes of an address quoted in an error */
#define MAIL_ADDR_MAX 254	/* the longest address SMTP carries, RFC 5321 §4.5.3.1.3 */

static const char hexdigits[] = "0123456789ABCDEF";
static const char b64digits[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ------------------------------------------------------------------ */
/* Characters */

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* C0 controls but TAB, and DEL. */
static int
is_ctl(int c)
{
	unsigned char u = (unsigned char)c;

	return (u < 0x20 && u != '\t') || u == 0x7f;
}

/* Blank or control: what a header value may not start or end with. */
static int
is_space_or_ctl(int c)
{
	return is_blank(c) || is_ctl(c);
}

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* RFC 5322 atext: what a word may hold without quotes. */
static int
is_atext(int c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Does s[0..n) hold "=?", which a reader could take for an encoded-word? */
static int
has_word_start(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '=' && s[i + 1] == '?')
			return 1;
	return 0;
}

/*
 * Append value cleaned for a header: controls become spaces, bytes that are
 * not UTF-8 become U+FFFD, leading and trailing blanks go.  Returns 1 when
 * the result has non-ASCII characters.
 */
static int
clean_value(const char *v, size_t n, struct sbuf *out)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t b = 0, e = n, i, len;
	int nonascii = 0;

	while (b < e && is_space_or_ctl(s[b]))
		b++;
	while (e > b && is_space_or_ctl(s[e - 1]))
		e--;
	for (i = b; i < e; i += len) {
		len = utf8_char_len((const char *)s + i, e - i);
		if (len == 0) {
			sbuf_add(out, "\xEF\xBF\xBD", 3);
			nonascii = 1;
			len = 1;
		} else if (len > 1) {
			sbuf_add(out, s + i, len);
			nonascii = 1;
		} else {
			sbuf_addc(out, is_ctl(s[i]) ? ' ' : s[i]);
		}
	}
	return nonascii;
}

/* ------------------------------------------------------------------ */
/* Folding */

/* A header being written: where the current line stands. */
struct fold {
	struct sbuf *out;
	size_t col;		/* bytes on the current line */
	size_t start;		/* col just after "Name:" */
	size_t maxcol;		/* the longest line so far */
};

static void
fold_put(struct fold *f, const char *s, size_t n)
{
	sbuf_add(f->out, s, n);
	f->col += n;
	if (f->col > f->maxcol)
		f->maxcol = f->col;
}

static void
fold_newline(struct fold *f)
{
	sbuf_addc(f->out, '\n');
	f->col = 0;
}

/* Write "Name:".  Bytes that cannot be in a field name become "-", so that
 * even a careless caller cannot break the header with its name. */
static void
fold_begin(struct fold *f, struct sbuf *out, const char *name)
{
	const char *p;

	f->out = out;
	f->col = f->maxcol = 0;
	if (name == NULL || name[0] == '\0')
		name = "X-Unnamed";
	for (p = name; *p; p++) {
		char c = (unsigned char)*p > ' ' && (unsigned char)*p < 0x7f && *p != ':' ? *p : '-';

		fold_put(f, &c, 1);
	}
	fold_put(f, ":", 1);
	f->start = f->col;
}

/* Append a word after one blank, on a continuation line when it would not
 * fit on this one.  The first word stays on the first line whatever its
 * length: a line break right after "Name:" helps nobody. */
static void
fold_token(struct fold *f, const char *tok, size_t n)
{
	if (f->col > f->start && f->col + 1 + n > MAIL_LINE_SOFT)
		fold_newline(f);
	fold_put(f, " ", 1);
	fold_put(f, tok, n);
}

/*
 * Fold unstructured ASCII text, keeping every blank: a line break is put
 * before a run of blanks, which then starts the continuation line, so
 * unfolding (removing the line breaks) gives the text back exactly.
 */
static void
fold_ascii(struct fold *f, const char *s, size_t n)
{
	size_t i = 0, b;

	while (i < n) {
		/* s is trimmed: only the first piece has no blanks before it. */
		b = i;
		while (i < n && is_blank(s[i]))
			i++;
		while (i < n && !is_blank(s[i]))
			i++;
		if (b == 0)
			fold_put(f, " ", 1);
		else if (f->col + (i - b) > MAIL_LINE_SOFT)
			fold_newline(f);
		fold_put(f, s + b, i - b);
	}
}

/* ------------------------------------------------------------------ */
/* RFC 2047 encoded-words */

enum { ENC_Q, ENC_B };

/* May c stand for itself in a Q encoded-word inside a phrase? */
static int
q_literal(unsigned char c)
{
	return is_alnum(c) || c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static size_t
q_len1(unsigned char c)
{
	return q_literal(c) || c == ' ' ? 1 : 3;
}

static size_t
b_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

static void
b64_encode(struct sbuf *out, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];

		sbuf_addc(out, b64digits[v >> 18 & 63]);
		sbuf_addc(out, b64digits[v >> 12 & 63]);
		sbuf_addc(out, b64digits[v >> 6 & 63]);
		sbuf_addc(out, b64digits[v & 63]);
	}
	if (i < n) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0);

		sbuf_addc(out, b64digits[v >> 18 & 63]);
		sbuf_addc(out, b64digits[v >> 12 & 63]);
		sbuf_addc(out, i + 1 < n ? b64digits[v >> 6 & 63] : '=');
		sbuf_addc(out, '=');
	}
}

static void
word_add(struct fold *f, int enc, const unsigned char *s, size_t n)
{
	struct sbuf w = SBUF_INIT;
	size_t i;

	sbuf_adds(&w, enc == ENC_Q ? "=?UTF-8?Q?" : "=?UTF-8?B?");
	if (enc == ENC_B) {
		b64_encode(&w, s, n);
	} else {
		for (i = 0; i < n; i++) {
			if (s[i] == ' ') {
				sbuf_addc(&w, '_');
			} else if (q_literal(s[i])) {
				sbuf_addc(&w, s[i]);
			} else {
				sbuf_addc(&w, '=');
				sbuf_addc(&w, hexdigits[s[i] >> 4]);
				sbuf_addc(&w, hexdigits[s[i] & 15]);
			}
		}
	}
	sbuf_adds(&w, "?=");
	fold_put(f, w.buf, w.len);
	sbuf_release(&w);
}

/* How many bytes of s (whole characters) fit in one encoded-word of at
 * most room characters. */
static size_t
word_chunk(const unsigned char *s, size_t n, int enc, size_t room)
{
	size_t i = 0, qlen = 0, len, k, add;

	while (i < n) {
		len = utf8_char_len((const char *)s + i, n - i);
		if (len == 0)
			len = 1;
		if (enc == ENC_Q) {
			for (add = 0, k = 0; k < len; k++)
				add += q_len1(s[i + k]);
			if (QWORD_OVERHEAD + qlen + add > room)
				break;
			qlen += add;
		} else if (QWORD_OVERHEAD + b_len(i + len) > room) {
			break;
		}
		i += len;
	}
	return i;
}

/*
 * Write s (clean UTF-8) as encoded-words, each filling what is left of its
 * line, so that no line passes MAIL_LINE_SOFT.  Q is used when the whole
 * text is no longer in Q than in B: mostly-Latin text stays readable in the
 * raw message, while emoji and non-Latin scripts take less room in B.
 */
static void
fold_encoded(struct fold *f, const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i, qlen = 0, room, take;
	int enc;

	for (i = 0; i < n; i++)
		qlen += q_len1(s[i]);
	enc = qlen <= b_len(n) ? ENC_Q : ENC_B;
	i = 0;
	while (i < n) {
		room = f->col + 1 < MAIL_LINE_SOFT ? MAIL_LINE_SOFT - f->col - 1 : 0;
		if (room > MAIL_WORD_MAX)
			room = MAIL_WORD_MAX;
		take = word_chunk(s + i, n - i, enc, room);
		/* Rather than leave a scrap at the end of this line, start the
		 * next: when the rest would fit in one word there, or when
		 * this line holds less than half of what a fresh one would. */
		if (take < n - i && f->col > f->start) {
			size_t full = word_chunk(s + i, n - i, enc, MAIL_WORD_MAX);

			if (full == n - i || take * 2 < full)
				take = 0;
		}
		if (take == 0 && f->col > 0) {
			fold_newline(f);
			continue;
		}
		if (take == 0)
			take = 1;	/* cannot happen: a whole line holds any character */
		fold_put(f, " ", 1);
		word_add(f, enc, s + i, take);
		i += take;
	}
}

/* ------------------------------------------------------------------ */
/* Headers */

void
mail_header(struct sbuf *out, const char *name, const char *value)
{
	struct sbuf v = SBUF_INIT, h = SBUF_INIT;
	struct fold f;
	int nonascii;

	if (value == NULL)
		value = "";
	nonascii = clean_value(value, strlen(value), &v);
	fold_begin(&f, &h, name);
	if (v.len > 0 && !nonascii && !has_word_start(v.buf, v.len)) {
		fold_ascii(&f, v.buf, v.len);
		/* A word too long for any line: only encoding can split it. */
		if (f.maxcol > MAIL_LINE_HARD) {
			sbuf_reset(&h);
			fold_begin(&f, &h, name);
			fold_encoded(&f, v.buf, v.len);
		}
	} else if (v.len > 0) {
		fold_encoded(&f, v.buf, v.len);
	}
	sbuf_addc(&h, '\n');
	sbuf_add(out, h.buf, h.len);
	sbuf_release(&h);
	sbuf_release(&v);
}

/* ------------------------------------------------------------------ */
/* Addresses */

/* One parsed list element: the cleaned display name and the addr-spec. */
struct addr {
	struct sbuf display;
	const char *spec;
	size_t speclen;
};

/* Fill why with fmt, where the single %s is the address s[0..n) shown
 * safely: controls as "?", cut at a character boundary. */
static int
why_addr(char *why, size_t whylen, const char *fmt, const char *s, size_t n)
{
	char shown[WHY_ADDR_MAX + 4];
	size_t i, o = 0;

	for (i = 0; i < n && o < WHY_ADDR_MAX; i++)
		shown[o++] = is_ctl(s[i]) ? '?' : s[i];
	if (i < n) {
		while (o > 0 && ((unsigned char)shown[o - 1] & 0xC0) == 0x80)
			o--;
		if (o > 0 && (unsigned char)shown[o - 1] >= 0xC0)
			o--;
		memcpy(shown + o, "...", 3);
		o += 3;
	}
	shown[o] = '\0';
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, fmt, shown);
	return -1;
}

static int
why_set(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", msg);
	return -1;
}

/*
 * The list element of v that starts at *pos (it may be empty): split at
 * commas outside quotes and angle brackets, but only once the element
 * holds an "@" (or nothing at all, to be reported empty), so that an
 * unquoted "Doe, Jane <j@x>" stays one address.
 * Returns 1 when a comma follows, that is when another element follows.
 */
static int
next_elem(const char *v, size_t *pos, size_t *start, size_t *len)
{
	size_t i = *pos;
	int inq = 0, inangle = 0, at = 0, blank = 1;

	*start = i;
	for (; v[i] != '\0'; i++) {
		if (inq) {
			if (v[i] == '\\' && v[i + 1] != '\0')
				i++;
			else if (v[i] == '"')
				inq = 0;
			continue;
		}
		if (v[i] == '"')
			inq = 1;
		else if (v[i] == '<')
			inangle = 1;
		else if (v[i] == '>')
			inangle = 0;
		else if (v[i] == '@')
			at = 1;
		else if (v[i] == ',' && !inangle && (at || blank))
			break;
		if (!is_space_or_ctl(v[i]))
			blank = 0;
	}
	*len = i - *start;
	*pos = v[i] == ',' ? i + 1 : i;
	return v[i] == ',';
}

/*
 * The one definition of an address drip can deliver (mail.h).  The local
 * part is not held to RFC 5321's 64 octets: mail servers take longer ones,
 * and the whole address is still at most 254 characters.  Domain
 * labels follow RFC 1035's letters-digits-hyphens rule with RFC 1123's
 * leading digits; an IDN has to arrive in its xn-- form, since drip neither
 * converts it (IDNA) nor sends SMTPUTF8 mail.
 */
int
mail_addr_check(const char *s, size_t n, const char **reason)
{
	const char *at = NULL, *why = NULL;
	size_t i, label = 0;
	int rc = 0;

	if (n == 0) {
		rc = MAIL_ADDR_EMPTY;
		why = "is empty";
		goto out;
	}
	if (n > MAIL_ADDR_MAX) {
		rc = MAIL_ADDR_LONG;
		why = "is longer than 254 characters";
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (is_ctl(s[i])) {
			rc = MAIL_ADDR_CTL;
			why = "contains a control character";
			goto out;
		}
		if (is_blank(s[i])) {
			rc = MAIL_ADDR_SPACE;
			why = "contains a space";
			goto out;
		}
		if ((unsigned char)s[i] >= 0x80) {
			rc = MAIL_ADDR_NONASCII;
			why = "is not ASCII (international addresses are not supported: "
			      "write the domain in its ASCII form, punycode xn--...)";
			goto out;
		}
		if (s[i] == '@') {
			if (at != NULL) {
				rc = MAIL_ADDR_SYNTAX;
				why = "has more than one \"@\"";
				goto out;
			}
			at = s + i;
		}
	}
	if (at == NULL) {
		rc = MAIL_ADDR_SYNTAX;
		why = "has no \"@\"";
	} else if (at == s) {
		rc = MAIL_ADDR_LOCAL;
		why = "has nothing before \"@\"";
	} else if (at == s + n - 1) {
		rc = MAIL_ADDR_DOMAIN;
		why = "has nothing after \"@\"";
	}
	if (rc)
		goto out;
	for (i = 0; s + i < at; i++)
		if (s[i] == '.' ? i == 0 || s + i + 1 == at || s[i + 1] == '.' : !is_atext(s[i])) {
			rc = MAIL_ADDR_LOCAL;
			why = "has an invalid local part";
			goto out;
		}
	for (i = (size_t)(at - s) + 1; i <= n; i++) {
		if (i == n || s[i] == '.') {
			/* A label: 1 to 63 characters, no hyphen at either end. */
			if (label == 0 || label > 63 || s[i - 1] == '-' ||
			    s[i - label] == '-') {
				rc = MAIL_ADDR_DOMAIN;
				why = "has an invalid domain";
				goto out;
			}
			label = 0;
		} else if (is_alnum(s[i]) || s[i] == '-') {
			label++;
		} else {
			rc = MAIL_ADDR_DOMAIN;
			why = "has an invalid domain";
			goto out;
		}
	}
out:
	if (reason)
		*reason = why;
	return rc;
}

/* Check an addr-spec (mail_addr_check) and say why it is refused, quoting
 * the address. */
static int
check_spec(const char *s, size_t n, char *why, size_t whylen)
{
	const char *reason;
	char fmt[256];

	if (mail_addr_check(s, n, &reason) == 0)
		return 0;
	if (n == 0)
		return why_set(why, whylen, "empty address \"<>\"");
	snprintf(fmt, sizeof fmt, "address \"%%s\" %s", reason);
	return why_addr(why, whylen, fmt, s, n);
}

/* Append the display name d[0..n) cleaned: quotes removed (with their
 * escapes decoded), blanks and controls made single spaces, trimmed. */
static int
clean_display(const char *d, size_t n, struct sbuf *out, char *why, size_t whylen)
{
	struct sbuf raw = SBUF_INIT;
	size_t i;
	int inq = 0, sp = 0;

	for (i = 0; i < n; i++) {
		if (inq && d[i] == '\\' && i + 1 < n) {
			sbuf_addc(&raw, d[++i]);
		} else if (d[i] == '"') {
			inq = !inq;
		} else {
			sbuf_addc(&raw, d[i]);
		}
	}
	if (inq) {
		sbuf_release(&raw);
		return why_addr(why, whylen, "unbalanced quote in \"%s\"", d, n);
	}
	for (i = 0; i < raw.len; i++) {
		if (is_space_or_ctl(raw.buf[i])) {
			sp = 1;
			continue;
		}
		if (sp && out->len > 0)
			sbuf_addc(out, ' ');
		sp = 0;
		sbuf_addc(out, raw.buf[i]);
	}
	sbuf_release(&raw);
	return 0;
}

/* Where the first c outside quotes is in s[0..n), or n; n + 1 when a
 * quote is left open (so c == '\0' tests the quotes alone). */
static size_t
find_unquoted(const char *s, size_t n, char c)
{
	size_t i;
	int inq = 0;

	for (i = 0; i < n; i++) {
		if (inq && s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '"')
			inq = !inq;
		else if (!inq && s[i] == c)
			return i;
	}
	return inq ? n + 1 : n;
}

/* Parse one list element: "addr", "Name <addr>" or "\"Name\" <addr>". */
static int
parse_addr(const char *s, size_t n, struct addr *a, char *why, size_t whylen)
{
	size_t lt, gt, b, e, i;

	/* CR/LF at the ends (a pasted line end) are not part of the address. */
	while (n > 0 && is_space_or_ctl(s[0])) {
		s++;
		n--;
	}
	while (n > 0 && is_space_or_ctl(s[n - 1]))
		n--;
	if (n == 0)
		return why_set(why, whylen, "empty address in list");
	if (find_unquoted(s, n, '\0') > n)
		return why_addr(why, whylen, "unbalanced quote in \"%s\"", s, n);
	lt = find_unquoted(s, n, '<');
	if (lt == n) {
		if (find_unquoted(s, n, '>') < n)
			return why_addr(why, whylen, "unbalanced \">\" in \"%s\"", s, n);
		a->spec = s;
		a->speclen = n;
		return check_spec(s, n, why, whylen);
	}
	if (find_unquoted(s, lt, '>') < lt)
		return why_addr(why, whylen, "unbalanced \">\" in \"%s\"", s, n);
	for (gt = lt + 1; gt < n && s[gt] != '>'; gt++)
		if (s[gt] == '<')
			return why_addr(why, whylen, "unbalanced \"<\" in \"%s\"", s, n);
	if (gt == n)
		return why_addr(why, whylen, "unbalanced \"<\" in \"%s\"", s, n);
	for (i = gt + 1; i < n; i++)
		if (!is_space_or_ctl(s[i]))
			return why_addr(why, whylen, "unexpected text after \">\" in \"%s\"", s, n);
	if (clean_display(s, lt, &a->display, why, whylen) < 0)
		return -1;
	for (b = lt + 1; b < gt && is_blank(s[b]); b++)
		;
	for (e = gt; e > b && is_blank(s[e - 1]); e--)
		;
	a->spec = s + b;
	a->speclen = e - b;
	return check_spec(a->spec, a->speclen, why, whylen);
}

/* RFC 5322 specials, and anything else that is not atext: such a display
 * name must be quoted. */
static int
needs_quotes(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && !is_atext(s[i]))
			return 1;
	return 0;
}

/*
 * Write a display name (cleaned: single spaces, no controls) as words,
 * one quoted string, or encoded-words.  Encoded-words are also the way out
 * when a quoted string or a word would not fit on the first line (after
 * "Name: "), since only they can be split: a display name of any length
 * then stays within 78 chars.
 */
static void
fold_display(struct fold *f, const char *d, size_t n)
{
	struct sbuf q = SBUF_INIT;
	size_t i, w, longest = 0;
	int nonascii = 0;

	for (i = 0, w = 0; i < n; i++) {
		if ((unsigned char)d[i] >= 0x80)
			nonascii = 1;
		w = d[i] == ' ' ? 0 : w + 1;
		if (w > longest)
			longest = w;
	}
	if (!nonascii && !has_word_start(d, n) && needs_quotes(d, n)) {
		sbuf_addc(&q, '"');
		for (i = 0; i < n; i++) {
			if (d[i] == '"' || d[i] == '\\')
				sbuf_addc(&q, '\\');
			sbuf_addc(&q, d[i]);
		}
		sbuf_addc(&q, '"');
		longest = q.len;
	}
	if (nonascii || has_word_start(d, n) || f->start + 1 + longest > MAIL_LINE_SOFT) {
		/* Invalid UTF-8 was left alone by clean_display; the encoder
		 * wants clean text. */
		sbuf_reset(&q);
		clean_value(d, n, &q);
		fold_encoded(f, q.buf, q.len);
	} else if (q.len > 0) {
		fold_token(f, q.buf, q.len);
	} else {
		for (i = 0; i < n; i = w + 1) {
			for (w = i; w < n && d[w] != ' '; w++)
				;
			fold_token(f, d + i, w - i);
		}
	}
	sbuf_release(&q);
}

int
mail_address_header(struct sbuf *out, const char *name, const char *value,
		    char *why, size_t whylen)
{
	struct sbuf h = SBUF_INIT, tok = SBUF_INIT;
	struct fold f;
	struct addr a;
	size_t pos = 0, start, len, i;
	int rc = -1, more = 1;

	if (value == NULL)
		value = "";
	for (i = 0; value[i] != '\0' && is_space_or_ctl(value[i]); i++)
		;
	if (value[i] == '\0')
		return why_set(why, whylen, "no address");
	memset(&a, 0, sizeof a);
	fold_begin(&f, &h, name);
	while (more) {
		more = next_elem(value, &pos, &start, &len);
		sbuf_reset(&a.display);
		if (parse_addr(value + start, len, &a, why, whylen) < 0)
			goto done;
		if (a.display.len > 0)
			fold_display(&f, a.display.buf, a.display.len);
		sbuf_reset(&tok);
		if (a.display.len > 0)
			sbuf_addc(&tok, '<');
		sbuf_add(&tok, a.spec, a.speclen);
		if (a.display.len > 0)
			sbuf_addc(&tok, '>');
		if (more)
			sbuf_addc(&tok, ',');
		fold_token(&f, tok.buf, tok.len);
	}
	sbuf_addc(&h, '\n');
	sbuf_add(out, h.buf, h.len);
	rc = 0;
done:
	sbuf_release(&a.display);
	sbuf_release(&tok);
	sbuf_release(&h);
	return rc;
}

const char *
mail_domain(struct arena *ar, const char *address)
{
	struct addr a;
	size_t pos = 0, start, len, i;
	const char *at, *ret = NULL;
	char *d;

	if (address == NULL)
		return NULL;
	memset(&a, 0, sizeof a);
	next_elem(address, &pos, &start, &len);
	if (parse_addr(address + start, len, &a, NULL, 0) < 0)
		goto done;
	at = memchr(a.spec, '@', a.speclen);
	d = arena_strndup(ar, at + 1, a.speclen - (size_t)(at + 1 - a.spec));
	for (i = 0; d[i] != '\0'; i++)
		d[i] = (char)to_lower(d[i]);
	ret = d;
done:
	sbuf_release(&a.display);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Bodies */

int
mail_body_needs_qp(const char *body, size_t len)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)body[i];

		if (c == '\n') {
			col = 0;
			continue;
		}
		if (c >= 0x80 || c == '\0' || c == '\r' || ++col > MAIL_LINE_HARD)
			return 1;
	}
	return 0;
}

/* Quoted-printable for one line s[0..n) without its line end. */
static void
qp_line(struct sbuf *out, const unsigned char *s, size_t n)
{
	size_t i, col = 0, toklen;
	char tok[3];

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];
		int last = i + 1 == n, enc;

		enc = c == '=' || c >= 0x7f || (c < ' ' && c != '\t') ||
		      (is_blank(c) && last) ||
		      (i == 0 && n >= 5 && memcmp(s, "From ", 5) == 0);
		if (enc) {
			tok[0] = '=';
			tok[1] = hexdigits[c >> 4];
			tok[2] = hexdigits[c & 15];
			toklen = 3;
		} else {
			tok[0] = (char)c;
			toklen = 1;
		}
		/* Leave room for the "=" of a soft break unless this is the
		 * line's last character. */
		if (col + toklen > (last ? MAIL_QP_LINE : MAIL_QP_LINE - 1)) {
			sbuf_add(out, "=\n", 2);
			col = 0;
		}
		sbuf_add(out, tok, toklen);
		col += toklen;
	}
}

int
mail_body(struct sbuf *out, const char *body, size_t len)
{
	const char *p = body, *end = body + len, *nl;

	if (!mail_body_needs_qp(body, len)) {
		sbuf_add(out, body, len);
		return 0;
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		qp_line(out, (const unsigned char *)p, (size_t)((nl ? nl : end) - p));
		if (nl == NULL)
			break;
		sbuf_addc(out, '\n');
		p = nl + 1;
	}
	return 1;
}

int
mail_qp_decode(const char *in, size_t len, struct sbuf *out)
{
	size_t i = 0, j;
	int rc = 0;

	while (i < len) {
		char c = in[i];

		if (c == '=') {
			int hi = i + 1 < len ? hexval(in[i + 1]) : -1;
			int lo = i + 2 < len ? hexval(in[i + 2]) : -1;

			if (hi >= 0 && lo >= 0) {
				sbuf_addc(out, hi << 4 | lo);
				i += 3;
				continue;
			}
			for (j = i + 1; j < len && is_blank(in[j]); j++)
				;
			if (j < len && in[j] == '\r' && j + 1 < len && in[j + 1] == '\n')
				j++;
			if (j == len || in[j] == '\n') {
				/* A soft line break; "=" at the very end too. */
				i = j + (j < len);
				continue;
			}
			rc = -1;
			sbuf_addc(out, '=');
			i++;
			continue;
		}
		if (is_blank(c)) {
			/* Blanks before a line end were added on the way. */
			for (j = i; j < len && is_blank(in[j]); j++)
				;
			if (j == len || in[j] == '\n' || (in[j] == '\r' && j + 1 < len &&
							  in[j + 1] == '\n')) {
				i = j;
				continue;
			}
			sbuf_add(out, in + i, j - i);
			i = j;
			continue;
		}
		if (c == '\r' && i + 1 < len && in[i + 1] == '\n') {
			i++;
			continue;
		}
		sbuf_addc(out, c);
		i++;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Decoding encoded-words */

static int
b64val(int c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64digits, c)) == NULL)
		return -1;
	return (int)(p - b64digits);
}

/* Base64 with or without its padding. */
static int
b64_decode(const char *s, size_t n, struct sbuf *out)
{
	unsigned acc = 0;
	size_t i, bits = 0, digits = 0;

	while (n > 0 && s[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		int v = b64val(s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6 | (unsigned)v) & 0xFFFFFF;
		bits += 6;
		digits++;
		if (bits >= 8) {
			bits -= 8;
			sbuf_addc(out, (int)(acc >> bits & 0xFF));
		}
	}
	return digits % 4 == 1 ? -1 : 0;
}

static int
q_decode(const char *s, size_t n, struct sbuf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '_') {
			sbuf_addc(out, ' ');
		} else if (s[i] == '=') {
			if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return -1;
			sbuf_addc(out, hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
		} else {
			sbuf_addc(out, s[i]);
		}
	}
	return 0;
}

/* Is the charset cs[0..n) (an RFC 2231 "*lang" suffix allowed) equal to
 * name, ignoring case? */
static int
charset_is(const char *cs, size_t n, const char *name)
{
	size_t i, star;

	for (star = 0; star < n && cs[star] != '*'; star++)
		;
	if (strlen(name) != star)
		return 0;
	for (i = 0; i < star; i++)
		if (to_lower(cs[i]) != name[i])
			return 0;
	return 1;
}

/*
 * Decode the encoded-word at p ("=?"), appending its text to out and its
 * length to *used.  Returns 0 when decoded, 1 when p does not start an
 * encoded-word at all (just text), -1 when it is one but cannot be decoded.
 */
static int
decode_word(const char *p, struct sbuf *out, size_t *used)
{
	const char *cs = p + 2, *q, *text, *end;
	struct sbuf raw = SBUF_INIT;
	size_t i;
	int enc, rc;

	for (q = cs; *q != '\0' && *q != '?' && !is_space_or_ctl(*q); q++)
		;
	if (*q != '?' || q == cs || q[1] == '\0' || q[2] != '?')
		return 1;
	enc = to_lower(q[1]);
	text = q + 3;
	for (end = text; *end != '\0' && *end != '?' && !is_space_or_ctl(*end); end++)
		;
	if (end[0] != '?' || end[1] != '=')
		return 1;
	*used = (size_t)(end + 2 - p);
	if (enc == 'b')
		rc = b64_decode(text, (size_t)(end - text), &raw);
	else if (enc == 'q')
		rc = q_decode(text, (size_t)(end - text), &raw);
	else
		rc = -1;
	if (rc == 0 && (charset_is(cs, (size_t)(q - cs), "utf-8") ||
			charset_is(cs, (size_t)(q - cs), "us-ascii"))) {
		sbuf_add(out, raw.buf, raw.len);
	} else if (rc == 0 && charset_is(cs, (size_t)(q - cs), "iso-8859-1")) {
		for (i = 0; i < raw.len; i++) {
			unsigned char c = (unsigned char)raw.buf[i];

			if (c < 0x80) {
				sbuf_addc(out, c);
			} else {
				sbuf_addc(out, 0xC0 | c >> 6);
				sbuf_addc(out, 0x80 | (c & 0x3F));
			}
		}
	} else {
		rc = -1;
	}
	sbuf_release(&raw);
	return rc;
}

int
mail_decode_words(const char *in, struct sbuf *out)
{
	struct sbuf pend = SBUF_INIT;
	const char *p;
	size_t used;
	int rc = 0, after_word = 0, r;

	for (p = in; *p != '\0'; ) {
		if (*p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		if (p[0] == '=' && p[1] == '?') {
			struct sbuf w = SBUF_INIT;

			r = decode_word(p, &w, &used);
			if (r == 0) {
				/* Blanks between two encoded-words are not text. */
				if (!after_word)
					sbuf_add(out, pend.buf, pend.len);
				sbuf_reset(&pend);
				sbuf_add(out, w.buf, w.len);
				sbuf_release(&w);
				after_word = 1;
				p += used;
				continue;
			}
			sbuf_release(&w);
			if (r < 0) {
				rc = -1;
				sbuf_add(out, pend.buf, pend.len);
				sbuf_reset(&pend);
				sbuf_add(out, p, used);
				after_word = 0;
				p += used;
				continue;
			}
		}
		if (is_blank(*p) && after_word) {
			sbuf_addc(&pend, *p++);
			continue;
		}
		sbuf_add(out, pend.buf, pend.len);
		sbuf_reset(&pend);
		after_word = 0;
		sbuf_addc(out, *p++);
	}
	sbuf_add(out, pend.buf, pend.len);
	sbuf_release(&pend);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Dates and identifiers */

/* Year, month, day of a day count from 1970-01-01 (H. Hinnant's
 * civil_from_days, exact for the whole proleptic Gregorian calendar). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void
mail_date(int64_t t, char *buf, size_t n)
{
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t days = t / 86400, secs = t % 86400, y, wd;
	int m, d, len;

	if (buf == NULL || n == 0)
		return;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* 1970-01-01 was a Thursday. */
	wd = (days % 7 + 7 + 4) % 7;
	civil_from_days(days, &y, &m, &d);
	len = snprintf(buf, n, "%s, %02d %s %04lld %02d:%02d:%02d +0000", wday[wd], d,
		       mon[m - 1], (long long)y, (int)(secs / 3600), (int)(secs / 60 % 60),
		       (int)(secs % 60));
	if (len < 0 || (size_t)len >= n)
		buf[0] = '\0';
}

void
mail_message_hash(const char *const *parts, size_t nparts, char *hex, size_t n)
{
	crypto_generichash_state st;
	unsigned char h[16];
	size_t i;

	if (hex == NULL || n == 0)
		return;
	if (n < MAIL_HASH_SIZE) {
		hex[0] = '\0';
		return;
	}
	/* BLAKE2b needs no sodium_init(): its portable code is the default.
	 * The NUL between parts keeps ("ab", "c") apart from ("a", "bc"). */
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	for (i = 0; i < nparts; i++) {
		const char *p = parts[i] ? parts[i] : "";

		if (i > 0)
			crypto_generichash_update(&st, (const unsigned char *)"", 1);
		crypto_generichash_update(&st, (const unsigned char *)p, strlen(p));
	}
	crypto_generichash_final(&st, h, sizeof h);
	for (i = 0; i < sizeof h; i++) {
		hex[2 * i] = "0123456789abcdef"[h[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[h[i] & 15];
	}
	hex[2 * sizeof h] = '\0';
}

/* A domain fit for a Message-ID: letters, digits, hyphens and dots. */
static int
domain_ok(const char *d)
{
	size_t i;

	if (d == NULL || d[0] == '\0' || d[0] == '.')
		return 0;
	for (i = 0; d[i] != '\0'; i++)
		if (!is_alnum(d[i]) && d[i] != '-' && !(d[i] == '.' && d[i + 1] != '.'))
			return 0;
	return d[i - 1] != '.';
}

void
mail_message_id(const char *const *parts, size_t nparts, const char *domain,
		char *buf, size_t n)
{
	char hex[MAIL_HASH_SIZE];
	int len;

	if (buf == NULL || n == 0)
		return;
	mail_message_hash(parts, nparts, hex, sizeof hex);
	len = snprintf(buf, n, "<%s@%s>", hex, domain_ok(domain) ? domain : "drip.invalid");
	if (len < 0 || (size_t)len >= n)
		buf[0] = '\0';
}
