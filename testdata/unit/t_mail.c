/*
 * t_mail.c - RFC 5322 headers (folding, RFC 2047, injection), address
 * headers and their errors, quoted-printable bodies and their round trip,
 * the decoders, dates and Message-IDs.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "mail.h"
#include "sbuf.h"
#include "tap.h"

/* ------------------------------------------------------------------ */
/* Helpers */

/* A string literal and its length, NUL bytes included. */
#define LIT(s) (s), sizeof(s) - 1

/* A printable name for a test input: its first 40 bytes, escaped. */
static const char *
esc(const char *src, size_t len, char *buf, size_t n)
{
	size_t o = 0, i;

	for (i = 0; i < len && i < 40 && o + 5 < n; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (ch == '\n' || ch == '\r' || ch == '\t') {
			buf[o++] = '\\';
			buf[o++] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
		} else if (ch < 0x20 || ch >= 0x7f) {
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", ch);
		} else {
			buf[o++] = (char)ch;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* The longest line of s, not counting its LF. */
static size_t
max_line(const char *s)
{
	size_t best = 0, cur = 0;

	for (; *s; s++) {
		if (*s == '\n') {
			cur = 0;
			continue;
		}
		if (++cur > best)
			best = cur;
	}
	return best;
}

/* How many header fields s holds: lines that do not start with a blank.
 * -1 when s holds a CR or a control character other than LF and TAB,
 * or does not end in LF. */
static int
count_fields(const char *s)
{
	int n = 0;
	const char *p;

	if (*s == '\0' || s[strlen(s) - 1] != '\n')
		return -1;
	for (p = s; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return -1;
	for (p = s; *p; p = strchr(p, '\n') + 1)
		if (*p != ' ' && *p != '\t')
			n++;
	return n;
}

/* Do all the lines of s after the first start with a blank? */
static int
continuations_ok(const char *s)
{
	const char *p = strchr(s, '\n');

	for (; p != NULL && p[1] != '\0'; p = strchr(p + 1, '\n'))
		if (p[1] != ' ' && p[1] != '\t')
			return 0;
	return 1;
}

/* The header's value unfolded: line breaks removed, "Name: " cut. */
static char *
unfold(const char *hdr, char *buf, size_t n)
{
	const char *p = strchr(hdr, ':');
	size_t o = 0;

	p = p ? p + 1 : hdr;
	if (*p == ' ')
		p++;
	for (; *p && o + 1 < n; p++)
		if (*p != '\n')
			buf[o++] = *p;
	buf[o] = '\0';
	return buf;
}

/* Decode a whole "Name: value\n" header back to its value. */
static int
decode_header(const char *hdr, struct sbuf *out)
{
	char buf[8192];

	sbuf_reset(out);
	return mail_decode_words(unfold(hdr, buf, sizeof buf), out);
}

/* Every encoded-word of s: at most 75 chars, and decoding to valid UTF-8
 * on its own (no character split between two words). */
static int
words_ok(const char *s)
{
	const char *p = s, *e;
	struct sbuf w = SBUF_INIT;
	int good = 1;

	while ((p = strstr(p, "=?")) != NULL) {
		/* The end is the first "?=" after the "=?UTF-8?X?" prefix (a Q
		 * word may start "?=C3", which is not its end). */
		e = strstr(p + 2, "?=");
		while (e != NULL && e - p < 10)
			e = strstr(e + 1, "?=");
		if (e == NULL)
			break;
		e += 2;
		if (e - p > MAIL_WORD_MAX)
			good = 0;
		{
			char word[128];
			size_t i;

			if ((size_t)(e - p) >= sizeof word)
				return 0;
			memcpy(word, p, (size_t)(e - p));
			word[e - p] = '\0';
			sbuf_reset(&w);
			if (mail_decode_words(word, &w) != 0)
				good = 0;
			for (i = 0; i < w.len; ) {
				unsigned char c = (unsigned char)w.buf[i];
				size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4, k;

				if (c >= 0x80 && c < 0xC2)
					good = 0;
				for (k = 1; k < len; k++)
					if (i + k >= w.len || ((unsigned char)w.buf[i + k] & 0xC0) != 0x80)
						good = 0;
				i += len;
			}
		}
		p = e;
	}
	sbuf_release(&w);
	return good;
}

/* ------------------------------------------------------------------ */
/* mail_header */

static void
header_is(const char *name, const char *value, const char *want, const char *what)
{
	struct sbuf sb = SBUF_INIT;

	mail_header(&sb, name, value);
	is_str(sbuf_str(&sb), want, "header: %s", what);
	sbuf_release(&sb);
}

static void
test_header_plain(void)
{
	struct sbuf sb = SBUF_INIT;

	header_is("Subject", "Hello world", "Subject: Hello world\n", "plain ASCII");
	header_is("Subject", "", "Subject:\n", "empty value");
	header_is("Subject", NULL, "Subject:\n", "NULL value");
	header_is("Subject", "  \t padded \t ", "Subject: padded\n", "blanks trimmed");
	header_is("Subject", "a\tb  c", "Subject: a\tb  c\n", "inner blanks kept");
	header_is("X-Bad\r\nBcc", "v", "X-Bad--Bcc: v\n", "name with CR LF made safe");
	header_is("X Y:Z", "v", "X-Y-Z: v\n", "name with space and colon made safe");
	header_is("", "v", "X-Unnamed: v\n", "empty name");

	/* Folding at blanks, golden. */
	header_is("Subject",
		  "Your order 12345 has shipped and will arrive on Tuesday between nine and five",
		  "Subject: Your order 12345 has shipped and will arrive on Tuesday between nine\n"
		  " and five\n", "folded at a blank");

	/* A long word (a URL) stays whole and unencoded. */
	{
		char url[160], want[200];

		memset(url, 'u', sizeof url);
		memcpy(url, "<https://", 9);
		memcpy(url + 150, ">", 2);
		snprintf(want, sizeof want, "List-Unsubscribe: %s\n", url);
		mail_header(&sb, "List-Unsubscribe", url);
		is_str(sbuf_str(&sb), want, "a 151-char word stays whole");
	}

	/* A word that cannot fit on any line gets encoded. */
	{
		char big[1300];
		struct sbuf dec = SBUF_INIT;

		memset(big, 'w', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		sbuf_reset(&sb);
		mail_header(&sb, "X-Long", big);
		ok(max_line(sbuf_str(&sb)) <= MAIL_LINE_SOFT, "a 1299-char word: lines <= 78");
		like(sbuf_str(&sb), "=?UTF-8?", "a 1299-char word: encoded");
		is_int(decode_header(sbuf_str(&sb), &dec), 0, "a 1299-char word: decodes");
		is_str(sbuf_str(&dec), big, "a 1299-char word: round trip");
		sbuf_release(&dec);
	}
	sbuf_release(&sb);
}

/* Long ASCII values of many shapes: lines within 78 (no word is longer
 * than a line), continuation lines start with a blank, unfolding gives
 * the value back. */
static void
test_header_fold_ascii(void)
{
	static const char *const words[] = {
		"a", "drip", "campaign", "Tuesday,", "(reminder)", "x", "sequence", "12345",
		"interested?", "--", "onboarding", "welcome"
	};
	struct sbuf sb = SBUF_INIT, v = SBUF_INIT;
	char buf[4096];
	int round;

	for (round = 0; round < 6; round++) {
		size_t i, nw = 8 + (size_t)round * 9;
		int good;

		sbuf_reset(&v);
		for (i = 0; i < nw; i++) {
			if (i > 0)
				sbuf_adds(&v, (i * (size_t)round) % 7 == 3 ? "  " : " ");
			sbuf_adds(&v, words[(i * 5 + (size_t)round) % 12]);
		}
		sbuf_reset(&sb);
		mail_header(&sb, "Subject", sbuf_str(&v));
		good = max_line(sbuf_str(&sb)) <= MAIL_LINE_SOFT &&
		       continuations_ok(sbuf_str(&sb)) &&
		       strcmp(unfold(sbuf_str(&sb), buf, sizeof buf), sbuf_str(&v)) == 0 &&
		       strstr(sbuf_str(&sb), "=?") == NULL;
		if (!ok(good, "ASCII fold, %zu words: <= 78, continued, round trip", nw))
			printf("#   %s", sbuf_str(&sb));
	}
	sbuf_release(&sb);
	sbuf_release(&v);
}

static void
test_header_encoded(void)
{
	static const char *const values[] = {
		"Grüße, Zoë 👋",
		"Café au lait",
		("Ünïcödé everywhere in this very long subject that will need several "
		 "encoded words to fit 👋👋👋 done"),
		"日本語のメールの件名です。これは長い件名です。日本語のメールの件名です。これは長い件名です。",
		"Привет, Зоя! Ваш заказ №12345 отправлен и скоро будет у вас, спасибо за покупку",
		"a 👋 b 👋 c 👋 d 👋 e 👋 f 👋 g 👋 h 👋 i 👋 j 👋 k 👋 l 👋 m 👋 n 👋 o 👋 p 👋",
		"Looks encoded =?UTF-8?Q?hi?= but is not",
		"Math: 1+1=? and _underscores_ and ?question? marks",
		"ü",
	};
	struct sbuf sb = SBUF_INIT, dec = SBUF_INIT;
	size_t i;
	char nm[128];

	/* Golden: B when shorter, Q when not longer. */
	header_is("Subject", "Grüße, Zoë 👋",
		  "Subject: =?UTF-8?B?R3LDvMOfZSwgWm/DqyDwn5GL?=\n", "\"Grüße, Zoë 👋\" in B");
	header_is("Subject", "Café au lait", "Subject: =?UTF-8?Q?Caf=C3=A9_au_lait?=\n",
		  "\"Café au lait\" in Q");
	header_is("Subject", "Is 1+1=?", "Subject: =?UTF-8?Q?Is_1+1=3D=3F?=\n",
		  "ASCII with \"=?\" is encoded");

	for (i = 0; i < sizeof values / sizeof *values; i++) {
		const char *v = values[i];
		const char *h;

		esc(v, strlen(v), nm, sizeof nm);
		sbuf_reset(&sb);
		mail_header(&sb, "Subject", v);
		h = sbuf_str(&sb);
		ok(max_line(h) <= MAIL_LINE_SOFT, "'%s': no line over 78", nm);
		is_int(count_fields(h), 1, "'%s': one header field", nm);
		ok(words_ok(h), "'%s': words <= 75, whole characters", nm);
		is_int(decode_header(h, &dec), 0, "'%s': decodes", nm);
		is_str(sbuf_str(&dec), v, "'%s': decodes to the same bytes", nm);
	}

	/* A long header name leaves little room on the first line. */
	{
		char name[90];

		memset(name, 'N', sizeof name - 1);
		name[sizeof name - 1] = '\0';
		sbuf_reset(&sb);
		mail_header(&sb, name, "Zoë");
		ok(strncmp(sbuf_str(&sb) + 89, ":\n =?UTF-8?Q?Zo=C3=AB?=\n", 30) == 0,
		   "a long name: encoded value moves to a continuation line");
	}

	/* Bytes that are not UTF-8 become U+FFFD. */
	sbuf_reset(&sb);
	mail_header(&sb, "Subject", "a\xff" "b\xc3");
	decode_header(sbuf_str(&sb), &dec);
	is_str(sbuf_str(&dec), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD", "invalid UTF-8 becomes U+FFFD");
	sbuf_release(&sb);
	sbuf_release(&dec);
}

/* Header injection: whatever the value, one header field comes out. */
static void
test_header_injection(void)
{
	static const char *const values[] = {
		"x\r\nBcc: evil@example.com",
		"x\nBcc: evil@example.com",
		"x\rBcc: evil@example.com",
		"x\r\n\r\nbody text",
		"\r\nBcc: evil@example.com",
		"x\x01\x1b[31m\x7f y",
		"Zoë\r\nBcc: evil@example.com",
		"x\r\n Bcc: folded",
		"long long long long long long long long long long long long long long\r\nBcc: e@x",
	};
	struct sbuf sb = SBUF_INIT, dec = SBUF_INIT;
	size_t i;
	char nm[128];

	for (i = 0; i < sizeof values / sizeof *values; i++) {
		const char *h;

		esc(values[i], strlen(values[i]), nm, sizeof nm);
		sbuf_reset(&sb);
		mail_header(&sb, "Subject", values[i]);
		h = sbuf_str(&sb);
		is_int(count_fields(h), 1, "injection '%s': one field, no control characters", nm);
		ok(strstr(h, "\nBcc") == NULL, "injection '%s': no Bcc line", nm);
	}
	header_is("Subject", "x\r\nBcc: evil@example.com", "Subject: x  Bcc: evil@example.com\n",
		  "CR and LF become spaces");
	sbuf_reset(&sb);
	mail_header(&sb, "Subject", "Zoë\r\nBcc: e@x");
	decode_header(sbuf_str(&sb), &dec);
	is_str(sbuf_str(&dec), "Zoë  Bcc: e@x", "encoded value: CR and LF became spaces");
	sbuf_release(&sb);
	sbuf_release(&dec);
}

/* ------------------------------------------------------------------ */
/* mail_address_header */

static void
addr_is(const char *name, const char *value, const char *want, const char *what)
{
	struct sbuf sb = SBUF_INIT;
	char why[256] = "";
	int rc = mail_address_header(&sb, name, value, why, sizeof why);

	if (!ok(rc == 0, "address %s: accepted", what))
		printf("#   why: %s\n", why);
	is_str(sbuf_str(&sb), want, "address %s: output", what);
	sbuf_release(&sb);
}

static void
addr_err(const char *value, const char *want, const char *what)
{
	struct sbuf sb = SBUF_INIT;
	char why[256] = "";

	sbuf_adds(&sb, "KEEP");
	is_int(mail_address_header(&sb, "To", value, why, sizeof why), -1,
	       "bad address %s: rejected", what);
	like(why, want, "bad address %s: why", what);
	is_str(sbuf_str(&sb), "KEEP", "bad address %s: out unchanged", what);
	sbuf_release(&sb);
}

static void
test_address(void)
{
	struct sbuf sb = SBUF_INIT, dec = SBUF_INIT;
	char why[256], small[12];

	addr_is("To", "jane@example.com", "To: jane@example.com\n", "bare");
	addr_is("To", "  <jane@example.com>  ", "To: jane@example.com\n", "angle only");
	addr_is("From", "Acme <hello@acme.example>", "From: Acme <hello@acme.example>\n",
		"name and address");
	addr_is("From", "Jane   Q.\tDoe <jane@x.org>", "From: \"Jane Q. Doe\" <jane@x.org>\n",
		"blanks collapsed, dot quoted");
	addr_is("From", "\"Doe, Jane\" <jane@x.org>", "From: \"Doe, Jane\" <jane@x.org>\n",
		"quoted comma");
	addr_is("From", "Doe, Jane <jane@x.org>", "From: \"Doe, Jane\" <jane@x.org>\n",
		"unquoted comma joins");
	addr_is("From", "\"Say \\\"hi\\\" \\\\ o/\" <a@b.org>",
		"From: \"Say \\\"hi\\\" \\\\ o/\" <a@b.org>\n", "quotes and backslash escaped");
	addr_is("From", "\"a@b <c>\" <c@d.org>", "From: \"a@b <c>\" <c@d.org>\n",
		"specials inside quotes");
	addr_is("From", "\"Plain\" <p@q.org>", "From: Plain <p@q.org>\n", "needless quotes dropped");
	addr_is("To", "a@b.org, \"C, D\" <c@d.org>,e@f.org",
		"To: a@b.org, \"C, D\" <c@d.org>, e@f.org\n", "a list");
	addr_is("To", "Jane\r\nBcc: evil@example.com <j@x.org>",
		"To: \"Jane Bcc: evil@example.com\" <j@x.org>\n", "CR LF in a display name");
	addr_is("To", "first.last+tag@sub-domain.example.co.uk",
		"To: first.last+tag@sub-domain.example.co.uk\n", "dot-atom and hyphens");
	addr_is("To", "j@x.org\r\n", "To: j@x.org\n", "a trailing line end");

	/* Folding a long list, golden. */
	addr_is("To", "Alice Anderson <alice@example.com>, Bob Brown <bob@example.com>, "
		"Carol Clark <carol@example.com>",
		"To: Alice Anderson <alice@example.com>, Bob Brown <bob@example.com>, Carol\n"
		" Clark <carol@example.com>\n", "a folded list");

	/* Non-ASCII display names are encoded, the address never. */
	sbuf_reset(&sb);
	ok(mail_address_header(&sb, "From", "Zoë Ünal <zoe@example.com>", why, sizeof why) == 0,
	   "non-ASCII display name: accepted");
	is_str(sbuf_str(&sb), "From: =?UTF-8?B?Wm/DqyDDnG5hbA==?= <zoe@example.com>\n",
	       "non-ASCII display name: golden (B, shorter than Q)");
	decode_header(sbuf_str(&sb), &dec);
	is_str(sbuf_str(&dec), "Zoë Ünal <zoe@example.com>", "non-ASCII display name: decodes");

	sbuf_reset(&sb);
	ok(mail_address_header(&sb, "From", "\"Grüße, Zoë 👋\" <z@x.org>", why, sizeof why) == 0,
	   "non-ASCII with comma: accepted");
	decode_header(sbuf_str(&sb), &dec);
	is_str(sbuf_str(&dec), "Grüße, Zoë 👋 <z@x.org>", "non-ASCII with comma: decodes");
	like(sbuf_str(&sb), " <z@x.org>\n", "non-ASCII with comma: address as is");

	sbuf_reset(&sb);
	ok(mail_address_header(&sb, "To",
			       "Ünïcödé Person With A Remarkably Long Name Indeed 👋 <u@example.com>, "
			       "Ärger Ölmann <a@example.com>, plain@example.com, "
			       "日本 太郎 <taro@example.jp>", why, sizeof why) == 0,
	   "long non-ASCII list: accepted");
	ok(max_line(sbuf_str(&sb)) <= MAIL_LINE_SOFT, "long non-ASCII list: lines <= 78");
	is_int(count_fields(sbuf_str(&sb)), 1, "long non-ASCII list: one field");
	ok(words_ok(sbuf_str(&sb)), "long non-ASCII list: words <= 75");
	decode_header(sbuf_str(&sb), &dec);
	is_str(sbuf_str(&dec), "Ünïcödé Person With A Remarkably Long Name Indeed 👋 <u@example.com>, "
	       "Ärger Ölmann <a@example.com>, plain@example.com, 日本 太郎 <taro@example.jp>",
	       "long non-ASCII list: decodes");

	/* Errors. */
	addr_err("", "no address", "empty");
	addr_err(" \r\n ", "no address", "blank");
	addr_err(NULL, "no address", "NULL");
	addr_err("jane", "address \"jane\" has no \"@\"", "no @");
	addr_err("jane at example.com", "contains a space", "spaces");
	addr_err("a b@c.org", "address \"a b@c.org\" contains a space", "space in local part");
	addr_err("a\tb@c.org", "contains a space", "tab");
	addr_err("x@example.com\r\nBcc: evil@example.com",
		 "address \"x@example.com??Bcc: evil@example.com\" contains a control character",
		 "CR LF injection");
	addr_err("Jane <x@example.com\r\nBcc: evil@example.com>", "control character",
		 "CR LF inside angle brackets");
	addr_err("Jane <j@x.org", "unbalanced \"<\" in \"Jane <j@x.org\"", "no >");
	addr_err("Jane j@x.org>", "unbalanced \">\"", "no <");
	addr_err("Jane <<j@x.org>>", "unbalanced \"<\"", "double <");
	addr_err("Ja>ne <j@x.org>", "unbalanced \">\"", "> in display");
	addr_err("Jane <j@x.org> Doe", "unexpected text after \">\"", "text after >");
	addr_err("\"Jane <j@x.org>", "unbalanced quote", "open quote");
	addr_err("a@b@c.org", "has more than one \"@\"", "two @");
	addr_err("@c.org", "has nothing before \"@\"", "empty local part");
	addr_err("a@", "has nothing after \"@\"", "empty domain");
	addr_err("a@b..org", "has an invalid domain", "double dot in domain");
	addr_err("a@b_c.org", "has an invalid domain", "underscore in domain");
	addr_err(".a@b.org", "has an invalid local part", "leading dot");
	addr_err("a(b)@c.org", "has an invalid local part", "comment characters");
	addr_err("zoë@x.org", "is not ASCII", "non-ASCII address");
	addr_err("a@b.org,", "empty address in list", "trailing comma");
	addr_err("a@b.org, , c@d.org", "empty address in list", "empty element");
	addr_err("Jane <>", "empty address \"<>\"", "empty angle brackets");
	addr_err("foo, bar@x.org", "contains a space", "no @ joined to the next");

	/* why may be NULL or short. */
	sbuf_reset(&sb);
	is_int(mail_address_header(&sb, "To", "nope", NULL, 0), -1, "why NULL: rejected");
	is_int(mail_address_header(&sb, "To", "nope", small, sizeof small), -1,
	       "short why: rejected");
	is_int((int)strlen(small), (int)sizeof small - 1, "short why: truncated, terminated");
	{
		char longaddr[300];

		memset(longaddr, 'a', sizeof longaddr - 1);
		longaddr[200] = '\0';
		mail_address_header(&sb, "To", longaddr, why, sizeof why);
		like(why, "aaa...\" has no \"@\"", "a long address is cut in why");
		memset(longaddr, 'a', sizeof longaddr - 1);
		longaddr[sizeof longaddr - 1] = '\0';
		memcpy(longaddr + 280, "@example.org", 13);
		addr_err(longaddr, "is longer than 254 characters", "292 chars");
		longaddr[250 - 12] = '\0';
		strcat(longaddr, "@example.org");
		sbuf_reset(&sb);
		is_int(mail_address_header(&sb, "To", longaddr, why, sizeof why), 0,
		       "a 250-char address: accepted");
	}

	/* Display names too long for a line are encoded so they can fold. */
	{
		static const char *const longs[] = {
			"\"The Extremely Long Department Name, Incorporated, of Somewhere Rather Far Away\" "
			"<dept@example.org>",
			"Supercalifragilisticexpialidociousandthensomeevenlongerwordwithoutanyspaces "
			"<w@example.org>",
		};
		static const char *const want[] = {
			"The Extremely Long Department Name, Incorporated, of Somewhere Rather Far Away "
			"<dept@example.org>",
			"Supercalifragilisticexpialidociousandthensomeevenlongerwordwithoutanyspaces "
			"<w@example.org>",
		};
		size_t k;

		for (k = 0; k < 2; k++) {
			sbuf_reset(&sb);
			ok(mail_address_header(&sb, "From", longs[k], why, sizeof why) == 0 &&
			   max_line(sbuf_str(&sb)) <= MAIL_LINE_SOFT && words_ok(sbuf_str(&sb)),
			   "long display name %zu: encoded within 78", k);
			decode_header(sbuf_str(&sb), &dec);
			is_str(sbuf_str(&dec), want[k], "long display name %zu: decodes", k);
		}
	}
	sbuf_release(&sb);
	sbuf_release(&dec);
}

static void
test_domain(void)
{
	struct arena a = ARENA_INIT;

	is_str(mail_domain(&a, "Acme <hello@Acme.Example>"), "acme.example", "domain: lower-cased");
	is_str(mail_domain(&a, "a@b.org"), "b.org", "domain: bare address");
	is_str(mail_domain(&a, "\"x@y\" <a@z.org>"), "z.org", "domain: @ in display name");
	is_str(mail_domain(&a, "a@one.org, b@two.org"), "one.org", "domain: first of a list");
	ok(mail_domain(&a, "nope") == NULL, "domain: none without @");
	ok(mail_domain(&a, "") == NULL, "domain: none for empty");
	ok(mail_domain(&a, NULL) == NULL, "domain: none for NULL");
	ok(mail_domain(&a, "Jane <j@x.org") == NULL, "domain: none for malformed");
	arena_release(&a);
}

/* ------------------------------------------------------------------ */
/* Bodies */

static void
body_7bit(const char *body, size_t len, const char *what)
{
	struct sbuf sb = SBUF_INIT;

	is_int(mail_body_needs_qp(body, len), 0, "7bit %s: needs no QP", what);
	is_int(mail_body(&sb, body, len), 0, "7bit %s: returns 0", what);
	ok(sb.len == len && (len == 0 || memcmp(sb.buf, body, len) == 0), "7bit %s: untouched",
	   what);
	sbuf_release(&sb);
}

/* Encode, check the encoding's shape, decode, compare. */
static void
body_qp(const char *body, size_t len, const char *what)
{
	struct sbuf sb = SBUF_INIT, dec = SBUF_INIT;
	const char *p;
	int shape = 1;

	is_int(mail_body(&sb, body, len), 1, "QP %s: returns 1", what);
	ok(max_line(sbuf_str(&sb)) <= MAIL_QP_LINE, "QP %s: lines <= 76", what);
	for (p = sbuf_str(&sb); *p; p++) {
		if ((*p != '\n' && *p != '\t' && (*p < ' ' || *p > '~')) ||
		    ((*p == ' ' || *p == '\t') && (p[1] == '\n' || p[1] == '\0')))
			shape = 0;
	}
	ok(shape && strlen(sbuf_str(&sb)) == sb.len,
	   "QP %s: printable ASCII, no trailing blanks", what);
	is_int(mail_qp_decode(sbuf_str(&sb), sb.len, &dec), 0, "QP %s: decodes", what);
	ok(dec.len == len && memcmp(sbuf_str(&dec), body, len) == 0, "QP %s: round trip", what);
	sbuf_release(&sb);
	sbuf_release(&dec);
}

static void
test_body(void)
{
	struct sbuf sb = SBUF_INIT;
	char line[1200], *big;
	static const char nul_body[] = "a\0b\n";
	size_t i;

	body_7bit(LIT("Hello,\n\nSee you.\n"), "plain");
	body_7bit(LIT(""), "empty");
	body_7bit(LIT("no final newline"), "no final newline");
	body_7bit(LIT("trailing blanks   \n\t\n= signs = ok\nFrom here\n"), "blanks and =");
	memset(line, 'x', 998);
	line[998] = '\n';
	body_7bit(line, 999, "a 998-byte line");

	memset(line, 'x', 999);
	line[999] = '\n';
	is_int(mail_body_needs_qp(line, 1000), 1, "a 999-byte line needs QP");
	body_qp(line, 1000, "a 999-byte line");
	memset(line, 'y', 1000);
	body_qp(line, 1000, "a 1000-byte line without newline");
	body_qp(LIT("Hällo = world \nFrom here\n"), "non-ASCII, = and trailing space");
	body_qp(LIT("Grüße\t\n  \n\n"), "trailing tab, blank line");
	body_qp(LIT("ü"), "one character, no newline");
	body_qp(LIT("ü trailing space "), "trailing space at the very end");
	body_qp(LIT("ü\n"), "ends with newline");
	body_qp(nul_body, 4, "a NUL byte");
	body_qp(LIT("CR\r\nLF\rX\n"), "CR bytes");
	body_qp(LIT("Zoë\n=\n==\n=3D\n=\n"), "lines of = signs");
	body_qp(LIT("Zoë\n.\n..\nFrom \nFrom\n"), "dots and From");

	/* Escapes at every position around the soft break. */
	for (i = 70; i < 80; i++) {
		char b[100], nm[40];

		memset(b, 'a', i);
		memcpy(b + i, "é=\t b\n", 7);
		snprintf(nm, sizeof nm, "escape at column %zu", i);
		body_qp(b, i + 7, nm);
	}
	big = malloc(5000);
	for (i = 0; i < 5000; i++)
		big[i] = "aé \t=\n"[i % 7 == 6 ? 5 : i % 5];
	body_qp(big, 5000, "5000 mixed bytes");
	free(big);

	/* Golden encodings. */
	mail_body(&sb, LIT("Hällo = world \nFrom here\n"));
	is_str(sbuf_str(&sb), "H=C3=A4llo =3D world=20\n=46rom here\n", "QP golden");
	sbuf_reset(&sb);
	memset(line, 'a', 80);
	memcpy(line + 80, "é", 3);
	mail_body(&sb, line, 82);
	is_str(sbuf_str(&sb), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\n"
	       "aaaaa=C3=A9", "QP golden soft break");
	sbuf_reset(&sb);
	mail_body(&sb, LIT("ü\t"));
	is_str(sbuf_str(&sb), "=C3=BC=09", "QP: trailing tab at the end of the body");
	sbuf_release(&sb);
}

static void
qp_dec_is(const char *in, const char *want, int rc, const char *what)
{
	struct sbuf sb = SBUF_INIT;

	is_int(mail_qp_decode(in, strlen(in), &sb), rc, "qp decode %s: returns %d", what, rc);
	is_str(sbuf_str(&sb), want, "qp decode %s", what);
	sbuf_release(&sb);
}

static void
test_qp_decode(void)
{
	qp_dec_is("a=3Db=3d", "a=b=", 0, "escapes in both cases");
	qp_dec_is("soft=\nbreak", "softbreak", 0, "soft break");
	qp_dec_is("soft=\r\nbreak", "softbreak", 0, "soft break CRLF");
	qp_dec_is("soft= \t\nbreak", "softbreak", 0, "soft break with blanks");
	qp_dec_is("line  \nnext\t\n", "line\nnext\n", 0, "trailing blanks dropped");
	qp_dec_is("a b\r\nc\r\n", "a b\nc\n", 0, "CRLF made LF");
	qp_dec_is("a=zzb", "a=zzb", -1, "bad escape");
	qp_dec_is("a=4", "a=4", -1, "short escape");
	qp_dec_is("", "", 0, "empty");
}

static void
words_is(const char *in, const char *want, int rc, const char *what)
{
	struct sbuf sb = SBUF_INIT;

	is_int(mail_decode_words(in, &sb), rc, "decode words %s: returns %d", what, rc);
	is_str(sbuf_str(&sb), want, "decode words %s", what);
	sbuf_release(&sb);
}

static void
test_decode_words(void)
{
	words_is("plain text", "plain text", 0, "plain");
	words_is("=?utf-8?q?Caf=c3=a9_au_lait?=", "Café au lait", 0, "Q lower case");
	words_is("=?UTF-8?B?R3LDvMOfZQ==?=", "Grüße", 0, "B");
	words_is("=?UTF-8?b?R3LDvMOfZQ?=", "Grüße", 0, "B without padding");
	words_is("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab", 0, "blank between words dropped");
	words_is("=?UTF-8?Q?a?=\n =?UTF-8?Q?b?=", "ab", 0, "folded words");
	words_is("Re: =?UTF-8?Q?Zo=C3=AB?= says hi", "Re: Zoë says hi", 0, "mixed text");
	words_is("=?ISO-8859-1?Q?caf=E9?=", "café", 0, "ISO-8859-1");
	words_is("=?UTF-8*en?Q?hi?=", "hi", 0, "RFC 2231 language");
	words_is("=?us-ascii?Q?ok?=", "ok", 0, "US-ASCII");
	words_is("=?KOI8-R?Q?=F0?=", "=?KOI8-R?Q?=F0?=", -1, "unknown charset kept");
	words_is("=?UTF-8?B?***?= x", "=?UTF-8?B?***?= x", -1, "bad base64 kept");
	words_is("=?UTF-8?Q?a=ZZ?=", "=?UTF-8?Q?a=ZZ?=", -1, "bad Q escape kept");
	words_is("=?UTF-8?X?a?=", "=?UTF-8?X?a?=", -1, "unknown encoding kept");
	words_is("a =?b c", "a =?b c", 0, "not an encoded-word");
	words_is("=?UTF-8?Q?a?= plain =?UTF-8?Q?b?=", "a plain b", 0, "text between words kept");
}

/* ------------------------------------------------------------------ */
/* Dates and Message-IDs */

static void
date_is(int64_t t, const char *want)
{
	char buf[MAIL_DATE_SIZE];

	mail_date(t, buf, sizeof buf);
	is_str(buf, want, "date %lld", (long long)t);
}

static void
test_date(void)
{
	char buf[MAIL_DATE_SIZE], tiny[10];
	int64_t t;
	int bad = 0;

	date_is(0, "Thu, 01 Jan 1970 00:00:00 +0000");
	date_is(-1, "Wed, 31 Dec 1969 23:59:59 +0000");
	date_is(1795515600, "Tue, 24 Nov 2026 10:20:00 +0000");
	date_is(1709210096, "Thu, 29 Feb 2024 12:34:56 +0000");
	date_is(951782400, "Tue, 29 Feb 2000 00:00:00 +0000");
	date_is(2147483647, "Tue, 19 Jan 2038 03:14:07 +0000");
	date_is(2147483648LL, "Tue, 19 Jan 2038 03:14:08 +0000");
	date_is(4107542400LL, "Mon, 01 Mar 2100 00:00:00 +0000");
	date_is(4294967296LL, "Sun, 07 Feb 2106 06:28:16 +0000");
	date_is(253402300799LL, "Fri, 31 Dec 9999 23:59:59 +0000");
	date_is(-2208988800LL, "Mon, 01 Jan 1900 00:00:00 +0000");

	/* A sweep against the C library (C locale: setlocale is never called). */
	for (t = -2208988800LL; t < 13569465600LL; t += 7777777 + (t & 0xFFFF)) {
		time_t tt = (time_t)t;
		struct tm tm;
		char want[64];

		if (gmtime_r(&tt, &tm) == NULL ||
		    strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
			continue;
		mail_date(t, buf, sizeof buf);
		if (strcmp(buf, want) != 0 && bad++ == 0)
			printf("#   %lld: got '%s', want '%s'\n", (long long)t, buf, want);
	}
	is_int(bad, 0, "dates from 1900 to 2400 agree with gmtime");

	mail_date(INT64_MIN, buf, sizeof buf);
	is_str(buf, "Sun, 27 Jan -292277022657 08:29:52 +0000", "date: INT64_MIN fits MAIL_DATE_SIZE");
	mail_date(INT64_MAX, buf, sizeof buf);
	is_str(buf, "Sun, 04 Dec 292277026596 15:30:07 +0000", "date: INT64_MAX fits MAIL_DATE_SIZE");
	strcpy(tiny, "junk");
	mail_date(0, tiny, sizeof tiny);
	is_str(tiny, "", "date: too small a buffer gives \"\"");
}

static void
test_message_id(void)
{
	const char *p1[] = { "c1", "welcome", "step2", "1795515600", "jane@example.com" };
	const char *p2[] = { "c1", "welcome", "step2", "1795515600", "jane@example.com" };
	char a[128], b[128], hex[MAIL_HASH_SIZE], small[20];
	size_t i;
	int distinct = 1;

	mail_message_id(p1, 5, "acme.example", a, sizeof a);
	mail_message_id(p2, 5, "acme.example", b, sizeof b);
	is_str(a, b, "message-id: deterministic");
	is_int((int)strlen(a), 1 + 32 + 1 + 12 + 1, "message-id: length");
	ok(a[0] == '<' && strspn(a + 1, "0123456789abcdef") == 32 &&
	   strcmp(a + 33, "@acme.example>") == 0, "message-id: <hex32@domain>");
	mail_message_hash(p1, 5, hex, sizeof hex);
	ok(strncmp(a + 1, hex, 32) == 0 && strlen(hex) == 32, "message-id: its hash");

	/* The hash is BLAKE2b-128 of the parts joined with NUL bytes. */
	{
		static const char joined[] = "c1\0welcome\0step2\0" "1795515600\0jane@example.com";
		unsigned char h[16];
		char want[33];

		crypto_generichash(h, sizeof h, (const unsigned char *)joined, sizeof joined - 1,
				   NULL, 0);
		for (i = 0; i < 16; i++)
			snprintf(want + 2 * i, 3, "%02x", h[i]);
		is_str(hex, want, "message-id: BLAKE2b-128 of the NUL-joined parts");
	}

	for (i = 0; i < 5; i++) {
		const char *p3[5];

		memcpy(p3, p1, sizeof p3);
		p3[i] = "other";
		mail_message_id(p3, 5, "acme.example", b, sizeof b);
		if (strcmp(a, b) == 0)
			distinct = 0;
	}
	ok(distinct, "message-id: changes with every part");
	{
		const char *x[] = { "ab", "c" }, *y[] = { "a", "bc" }, *z[] = { "abc" };
		char c[128];

		mail_message_id(x, 2, NULL, a, sizeof a);
		mail_message_id(y, 2, NULL, b, sizeof b);
		mail_message_id(z, 1, NULL, c, sizeof c);
		ok(strcmp(a, b) != 0 && strcmp(a, c) != 0 && strcmp(b, c) != 0,
		   "message-id: (\"ab\",\"c\"), (\"a\",\"bc\"), (\"abc\") differ");
		like(a, "@drip.invalid>", "message-id: NULL domain");
	}
	{
		const char *x[] = { "a", NULL }, *y[] = { "a", "" };

		mail_message_id(x, 2, "", a, sizeof a);
		mail_message_id(y, 2, "", b, sizeof b);
		is_str(a, b, "message-id: a NULL part counts as \"\"");
		like(a, "@drip.invalid>", "message-id: empty domain");
	}
	mail_message_id(p1, 5, "evil> \r\nBcc: x", a, sizeof a);
	like(a, "@drip.invalid>", "message-id: unsafe domain replaced");
	mail_message_id(p1, 5, "a..b", a, sizeof a);
	like(a, "@drip.invalid>", "message-id: double dot domain replaced");
	strcpy(small, "junk");
	mail_message_id(p1, 5, "acme.example", small, sizeof small);
	is_str(small, "", "message-id: too small a buffer gives \"\"");
	strcpy(small, "junk");
	mail_message_hash(p1, 5, small, sizeof small);
	is_str(small, "", "message hash: too small a buffer gives \"\"");
}

/* mail_addr_check: the one rule for addresses that enter contacts.csv. */
static void
test_addr_check(void)
{
	static const struct {
		const char *addr;
		int code;
		const char *reason;	/* a part of it, or NULL */
	} cases[] = {
		{ "a@b.org", 0, NULL },
		{ "x@x", 0, NULL },
		{ "drip@localhost", 0, NULL },
		{ "first.last+tag@sub.example.co.uk", 0, NULL },
		{ "o'neil@xn--bcher-kva.example", 0, NULL },
		{ "!#$%&'*+-/=?^_`{|}~@a1-b2.example", 0, NULL },
		{ "", MAIL_ADDR_EMPTY, "is empty" },
		{ "müller@bücher.example", MAIL_ADDR_NONASCII, "xn--" },
		{ "muller@bücher.example", MAIL_ADDR_NONASCII, "is not ASCII" },
		{ "a@b.org\r\nBcc: x@y.org", MAIL_ADDR_CTL, "control character" },
		{ "a@b.org\n", MAIL_ADDR_CTL, "control character" },
		{ "a b@c.org", MAIL_ADDR_SPACE, "contains a space" },
		{ "a@b.org ", MAIL_ADDR_SPACE, "contains a space" },
		{ "a\t@b.org", MAIL_ADDR_SPACE, "contains a space" },
		{ "nope", MAIL_ADDR_SYNTAX, "has no \"@\"" },
		{ "a@b@c.org", MAIL_ADDR_SYNTAX, "more than one" },
		{ "@c.org", MAIL_ADDR_LOCAL, "nothing before" },
		{ "a@", MAIL_ADDR_DOMAIN, "nothing after" },
		{ ".a@b.org", MAIL_ADDR_LOCAL, "invalid local part" },
		{ "a.@b.org", MAIL_ADDR_LOCAL, "invalid local part" },
		{ "a..b@c.org", MAIL_ADDR_LOCAL, "invalid local part" },
		{ "\"a b\"@c.org", MAIL_ADDR_SPACE, NULL },
		{ "a(b)@c.org", MAIL_ADDR_LOCAL, "invalid local part" },
		{ "a,b@c.org", MAIL_ADDR_LOCAL, "invalid local part" },
		{ "<a@b.org>", MAIL_ADDR_LOCAL, "invalid local part" },
		{ "a@.b.org", MAIL_ADDR_DOMAIN, "invalid domain" },
		{ "a@b.org.", MAIL_ADDR_DOMAIN, "invalid domain" },
		{ "a@b..org", MAIL_ADDR_DOMAIN, "invalid domain" },
		{ "a@-b.org", MAIL_ADDR_DOMAIN, "invalid domain" },
		{ "a@b-.org", MAIL_ADDR_DOMAIN, "invalid domain" },
		{ "a@b_c.org", MAIL_ADDR_DOMAIN, "invalid domain" },
		{ "a@[192.0.2.1]", MAIL_ADDR_DOMAIN, "invalid domain" },
	};
	char buf[400];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		char name[256];

		esc(cases[i].addr, strlen(cases[i].addr), name, sizeof name);
		why = "unset";
		is_int(mail_addr_check(cases[i].addr, strlen(cases[i].addr), &why), cases[i].code,
		       "addr check: '%s'", name);
		if (cases[i].code == 0)
			ok(why == NULL, "addr check: '%s' has no reason", name);
		else if (cases[i].reason)
			like(why, cases[i].reason, "addr check: '%s' says why", name);
	}
	/* Lengths: 63 in a label, 254 in all. */
	strcpy(buf, "a@");
	memset(buf + 2, 'b', 63);
	strcpy(buf + 65, ".org");
	is_int(mail_addr_check(buf, strlen(buf), NULL), 0, "addr check: 63-char label");
	strcpy(buf, "a@");
	memset(buf + 2, 'b', 64);
	strcpy(buf + 66, ".org");
	is_int(mail_addr_check(buf, strlen(buf), NULL), MAIL_ADDR_DOMAIN,
	       "addr check: 64-char label");
	strcpy(buf, "a@");
	for (i = 0; i < 5; i++)
		strcat(buf, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.");
	strcat(buf, "org");
	is_int(mail_addr_check(buf, strlen(buf), &why), MAIL_ADDR_LONG,
	       "addr check: 260 characters");
	/* n, not the NUL, bounds the address. */
	is_int(mail_addr_check("a@b.orgXX", 7, NULL), 0, "addr check: length given");
	is_int(mail_addr_check(LIT("a@b\0.org"), NULL), MAIL_ADDR_CTL, "addr check: NUL byte");
}

int
main(void)
{
	test_addr_check();
	test_header_plain();
	test_header_fold_ascii();
	test_header_encoded();
	test_header_injection();
	test_address();
	test_domain();
	test_body();
	test_qp_decode();
	test_decode_words();
	test_date();
	test_message_id();
	return tap_done();
}
