/*
 * t_render.c - whole messages from templates: golden output, header order,
 * fallbacks, From/Reply-To defaults and overrides, List-Unsubscribe, extra
 * headers, encodings, header injection through every field that reaches a
 * header, and every error with its message, code and location.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "err.h"
#include "mail.h"
#include "render.h"
#include "sbuf.h"
#include "tap.h"
#include "tmpl.h"

#define EVIL "x\r\nBcc: evil@example.com"
#define FILE_NAME "templates/welcome.eml"

/* ------------------------------------------------------------------ */
/* Fields */

struct kv {
	const char *k, *v;
};

static const char *
get(void *ctx, const char *name)
{
	const struct kv *kv;

	for (kv = ctx; kv->k != NULL; kv++)
		if (strcmp(kv->k, name) == 0)
			return kv->v;
	return NULL;
}

static struct kv jane[] = {
	{ "first_name", "Jane" },
	{ "email", "jane@example.com" },
	{ "sequence.name", "Welcome" },
	{ "link.yes", "https://acme.example/r?t=YES" },
	{ "link.no", "https://acme.example/r?t=NO" },
	{ "link.unsubscribe", "https://acme.example/r?t=UNSUB" },
	{ "empty", "" },
	{ NULL, NULL }
};

static const char *const extras[] = { "X-Drip-Contact", "c1", "X-Drip-Sequence", "welcome", NULL };

/* A context as tick would fill it. */
static struct render_ctx
ctx_for(struct kv *fields)
{
	struct render_ctx rc;

	memset(&rc, 0, sizeof rc);
	rc.get = get;
	rc.ctx = fields;
	rc.from = "Acme <hello@acme.example>";
	rc.reply_to = "support@acme.example";
	rc.to = "jane@example.com";
	rc.message_id = "<0123456789abcdef0123456789abcdef@acme.example>";
	rc.date = 1795515600;	/* 2026-11-24 10:20Z */
	rc.unsubscribe_url = "https://acme.example/r?t=UNSUB";
	rc.extra = extras;
	return rc;
}

static struct tmpl *
parse(struct arena *a, const char *src)
{
	struct tmpl *t = NULL;
	struct drip_err e;

	if (tmpl_parse(a, FILE_NAME, src, strlen(src), &t, &e) < 0) {
		printf("# template does not parse: %d:%d: %s\n", e.line, e.col, e.msg);
		exit(1);
	}
	return t;
}

/* ------------------------------------------------------------------ */
/* Reading a rendered message */

/* The header block: everything up to and including the blank line. */
static size_t
head_len(const char *msg)
{
	const char *p = strstr(msg, "\n\n");

	return p ? (size_t)(p - msg) + 2 : strlen(msg);
}

static const char *
body_of(const char *msg)
{
	return msg + head_len(msg);
}

/* The names of the header fields, in order, joined with ",". */
static const char *
names(const char *msg, char *buf, size_t n)
{
	size_t hl = head_len(msg), o = 0;
	const char *p;

	buf[0] = '\0';
	for (p = msg; p < msg + hl && *p != '\n'; p = strchr(p, '\n') + 1) {
		const char *c = strchr(p, ':');

		if (*p == ' ' || *p == '\t' || c == NULL)
			continue;
		o += (size_t)snprintf(buf + o, n - o, "%s%.*s", o ? "," : "", (int)(c - p), p);
		if (o >= n)
			break;
	}
	return buf;
}

/* How many fields the header block holds: lines that start with no blank. */
static int
nfields(const char *msg)
{
	size_t hl = head_len(msg);
	const char *p;
	int n = 0;

	for (p = msg; p < msg + hl && *p != '\n'; p = strchr(p, '\n') + 1)
		if (*p != ' ' && *p != '\t')
			n++;
	return n;
}

/* The unfolded value of the first field called name, or NULL. */
static const char *
value(const char *msg, const char *name, char *buf, size_t n)
{
	size_t hl = head_len(msg), nl = strlen(name), o = 0;
	const char *p, *q;

	for (p = msg; p < msg + hl && *p != '\n'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, name, nl) != 0 || p[nl] != ':')
			continue;
		for (q = p + nl + 1; *q == ' '; q++)
			;
		for (; *q && !(q[0] == '\n' && q[1] != ' ' && q[1] != '\t'); q++)
			if (*q != '\n' && o + 1 < n)
				buf[o++] = *q;
		buf[o] = '\0';
		return buf;
	}
	return NULL;
}

/* Nothing in the header block but printable text, blanks and LFs. */
static int
head_clean(const char *msg)
{
	size_t hl = head_len(msg), i;

	for (i = 0; i < hl; i++) {
		unsigned char c = (unsigned char)msg[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

/* Does the header block hold needle? */
static int
head_has(const char *msg, const char *needle)
{
	const char *p = strstr(msg, needle);

	return p != NULL && (size_t)(p - msg) < head_len(msg);
}

static size_t
max_line(const char *s, size_t len)
{
	size_t best = 0, cur = 0, i;

	for (i = 0; i < len; i++) {
		cur = s[i] == '\n' ? 0 : cur + 1;
		if (cur > best)
			best = cur;
	}
	return best;
}

/* Render, expecting success; the message (static, overwritten). */
static const char *
render_ok(const struct tmpl *t, const struct render_ctx *rc, const char *what)
{
	static struct sbuf sb = SBUF_INIT;
	struct drip_err e;

	sbuf_reset(&sb);
	memset(&e, 0, sizeof e);
	if (!ok(render_message(t, rc, &sb, &e) == 0, "%s: renders", what))
		printf("#   %s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
	return sbuf_str(&sb);
}

/* Render, expecting DRIP_EDATA at FILE_NAME:line:col with want in the
 * message, and out untouched. */
static void
render_err(const struct tmpl *t, const struct render_ctx *rc, int line, int col,
	   const char *want, const char *what)
{
	struct sbuf sb = SBUF_INIT;
	struct drip_err e;

	memset(&e, 0, sizeof e);
	sbuf_adds(&sb, "PREVIOUS");
	is_int(render_message(t, rc, &sb, &e), -1, "%s: rejected", what);
	like(e.msg, want, "%s: message", what);
	is_int(e.code, DRIP_EDATA, "%s: DRIP_EDATA", what);
	is_str(e.file, FILE_NAME, "%s: names the template", what);
	if (!ok(e.line == line && e.col == col, "%s: at %d:%d", what, line, col))
		printf("#   got %d:%d\n", e.line, e.col);
	is_str(sbuf_str(&sb), "PREVIOUS", "%s: out untouched", what);
	sbuf_release(&sb);
}

/* ------------------------------------------------------------------ */
/* Tests */

static const char welcome[] =
	"Subject: Welcome, {{first_name | \"there\"}}\n"
	"X-Campaign: {{sequence.name}}\n"
	"\n"
	"Hi {{first_name | \"there\"}},\n"
	"\n"
	"Still interested? {{link.yes}}\n"
	"Unsubscribe: {{link.unsubscribe}}\n";

static void
test_golden(struct arena *a)
{
	struct tmpl *t = parse(a, welcome);
	struct render_ctx rc = ctx_for(jane);
	struct sbuf sb = SBUF_INIT;
	struct drip_err e;
	char nm[512];

	is_str(render_ok(t, &rc, "golden"),
	       "From: Acme <hello@acme.example>\n"
	       "To: jane@example.com\n"
	       "Reply-To: support@acme.example\n"
	       "Subject: Welcome, Jane\n"
	       "Date: Tue, 24 Nov 2026 10:20:00 +0000\n"
	       "Message-ID: <0123456789abcdef0123456789abcdef@acme.example>\n"
	       "MIME-Version: 1.0\n"
	       "Content-Type: text/plain; charset=utf-8\n"
	       "Content-Transfer-Encoding: 7bit\n"
	       "List-Unsubscribe: <https://acme.example/r?t=UNSUB>\n"
	       "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
	       "X-Campaign: Welcome\n"
	       "X-Drip-Contact: c1\n"
	       "X-Drip-Sequence: welcome\n"
	       "\n"
	       "Hi Jane,\n"
	       "\n"
	       "Still interested? https://acme.example/r?t=YES\n"
	       "Unsubscribe: https://acme.example/r?t=UNSUB\n",
	       "golden: the whole message");

	/* The leanest message: no Reply-To, Message-ID, List-Unsubscribe or
	 * extras; the rendered message is appended to what out held. */
	rc.reply_to = NULL;
	rc.message_id = NULL;
	rc.unsubscribe_url = NULL;
	rc.extra = NULL;
	t = parse(a, "Subject: Hello\n\nBody\n");
	sbuf_adds(&sb, "PREVIOUS\n");
	is_int(render_message(t, &rc, &sb, &e), 0, "lean: renders");
	is_str(sbuf_str(&sb),
	       "PREVIOUS\n"
	       "From: Acme <hello@acme.example>\n"
	       "To: jane@example.com\n"
	       "Subject: Hello\n"
	       "Date: Tue, 24 Nov 2026 10:20:00 +0000\n"
	       "MIME-Version: 1.0\n"
	       "Content-Type: text/plain; charset=utf-8\n"
	       "Content-Transfer-Encoding: 7bit\n"
	       "\n"
	       "Body\n", "lean: golden, appended to out");
	sbuf_release(&sb);

	/* An empty body. */
	t = parse(a, "Subject: Hello\n");
	rc.message_id = "<id@x.org>";
	like(render_ok(t, &rc, "empty body"), "Content-Transfer-Encoding: 7bit\n\n",
	     "empty body: ends after the blank line");
	is_str(body_of(render_ok(t, &rc, "empty body")), "", "empty body: nothing after it");

	/* Header order with everything present, the template's own headers
	 * that drip writes dropped. */
	t = parse(a, "To: someone@else.example\n"
		     "Date: Mon, 1 Jan 2001 00:00:00 +0000\n"
		     "X-First: 1\n"
		     "Message-ID: <mine@x.org>\n"
		     "Subject: Order\n"
		     "MIME-Version: 2.0\n"
		     "Content-Type: text/html\n"
		     "Content-Transfer-Encoding: base64\n"
		     "List-Unsubscribe: <mailto:x@y.org>\n"
		     "List-Unsubscribe-Post: nope\n"
		     "Reply-To: r@acme.example\n"
		     "From: Sales <sales@acme.example>\n"
		     "X-Second: 2\n"
		     "\nB\n");
	rc = ctx_for(jane);
	is_str(names(render_ok(t, &rc, "order"), nm, sizeof nm),
	       "From,To,Reply-To,Subject,Date,Message-ID,MIME-Version,Content-Type,"
	       "Content-Transfer-Encoding,List-Unsubscribe,List-Unsubscribe-Post,X-First,"
	       "X-Second,X-Drip-Contact,X-Drip-Sequence", "order: fixed, template's own dropped");
	is_str(value(render_ok(t, &rc, "order"), "To", nm, sizeof nm), "jane@example.com",
	       "order: the template's To: is ignored");
	is_str(value(render_ok(t, &rc, "order"), "Message-ID", nm, sizeof nm),
	       "<0123456789abcdef0123456789abcdef@acme.example>",
	       "order: the template's Message-ID: is ignored");
	is_str(value(render_ok(t, &rc, "order"), "Content-Type", nm, sizeof nm),
	       "text/plain; charset=utf-8", "order: the template's Content-Type: is ignored");
}

static void
test_fallbacks(struct arena *a)
{
	static struct kv none[] = { { NULL, NULL } };
	static struct kv blank[] = { { "first_name", "" }, { NULL, NULL } };
	struct tmpl *t = parse(a, "Subject: Hi {{first_name | \"there\"}}{{nickname}}!\n"
				  "X-Nick: {{nickname}}\n"
				  "X-Fallback: {{nickname | \"none\"}}\n"
				  "\n"
				  "Dear {{first_name | \"friend\"}}{{nickname}},\n");
	struct render_ctx rc = ctx_for(jane);
	const char *m;
	char buf[256];

	m = render_ok(t, &rc, "field present");
	is_str(value(m, "Subject", buf, sizeof buf), "Hi Jane!", "field present: value used");
	is_str(body_of(m), "Dear Jane,\n", "field present: body");
	ok(value(m, "X-Nick", buf, sizeof buf) == NULL, "a header that expands to nothing is left out");
	is_str(value(m, "X-Fallback", buf, sizeof buf), "none", "a header's fallback");

	rc = ctx_for(none);
	m = render_ok(t, &rc, "field missing");
	is_str(value(m, "Subject", buf, sizeof buf), "Hi there!", "field missing: fallback");
	is_str(body_of(m), "Dear friend,\n", "field missing: body fallback");

	rc = ctx_for(blank);
	m = render_ok(t, &rc, "field empty");
	is_str(value(m, "Subject", buf, sizeof buf), "Hi there!", "field empty: fallback");

	rc = ctx_for(jane);
	rc.get = NULL;
	m = render_ok(t, &rc, "no lookup");
	is_str(value(m, "Subject", buf, sizeof buf), "Hi there!", "no lookup: fallbacks");
}

static void
test_from_reply_to(struct arena *a)
{
	static struct kv owner[] = {
		{ "owner_name", "Olga Owner" }, { "owner_email", "olga@acme.example" },
		{ "bad_email", "olga" }, { "helper", "help@acme.example" }, { NULL, NULL }
	};
	struct render_ctx rc = ctx_for(owner);
	struct tmpl *t;
	const char *m;
	char buf[256];

	t = parse(a, "From: {{owner_name}} <{{owner_email}}>\nReply-To: {{helper}}\nSubject: s\n\nb\n");
	m = render_ok(t, &rc, "template From");
	is_str(value(m, "From", buf, sizeof buf), "Olga Owner <olga@acme.example>",
	       "template From overrides drip.yaml");
	is_str(value(m, "Reply-To", buf, sizeof buf), "help@acme.example",
	       "template Reply-To overrides drip.yaml");

	t = parse(a, "Reply-To: {{nobody}}\nSubject: s\n\nb\n");
	m = render_ok(t, &rc, "Reply-To empty");
	is_str(value(m, "Reply-To", buf, sizeof buf), "support@acme.example",
	       "an empty template Reply-To gives way to drip.yaml");
	rc.reply_to = "";
	m = render_ok(t, &rc, "no Reply-To");
	ok(value(m, "Reply-To", buf, sizeof buf) == NULL, "no Reply-To anywhere: no header");
	rc.reply_to = "not an address";
	render_err(t, &rc, 0, 0, "Reply-To: address \"not an address\" contains a space",
		   "bad drip.yaml reply_to");
	rc = ctx_for(owner);

	t = parse(a, "Subject: s\n"
		     "Reply-To: Olga <{{bad_email}}>\n\nb\n");
	render_err(t, &rc, 2, 1, "Reply-To: address \"olga\" has no \"@\"", "bad template Reply-To");

	t = parse(a, "Subject: s\nFrom: {{nobody}}\n\nb\n");
	render_err(t, &rc, 2, 1, "From: is empty after expanding placeholders", "template From empty");
	t = parse(a, "Subject: s\n\nb\n");
	rc.from = NULL;
	render_err(t, &rc, 0, 0, "no From: address", "no From anywhere");
	rc.from = "  ";
	render_err(t, &rc, 0, 0, "no From: address", "blank drip.yaml from");
	rc.from = "Acme";
	render_err(t, &rc, 0, 0, "From: address \"Acme\" has no \"@\"", "bad drip.yaml from");
	rc.from = "Acme <hello@acme.example";
	render_err(t, &rc, 0, 0, "From: unbalanced \"<\"", "unbalanced drip.yaml from");
	rc = ctx_for(owner);
	t = parse(a, "Subject: s\nX-A: 1\nFrom: {{owner_name}}\n\nb\n");
	render_err(t, &rc, 3, 1, "From: address \"Olga Owner\" contains a space",
		   "template From malformed after expansion");
	t = parse(a, "From: <{{bad_email}}>\nSubject: s\n\nb\n");
	render_err(t, &rc, 1, 1, "From: address \"olga\" has no \"@\"", "template From without @");

	t = parse(a, "From: Zoë from Acme <zoe@acme.example>\nSubject: s\n\nb\n");
	m = render_ok(t, &rc, "non-ASCII From");
	{
		struct sbuf dec = SBUF_INIT;

		mail_decode_words(value(m, "From", buf, sizeof buf), &dec);
		is_str(sbuf_str(&dec), "Zoë from Acme <zoe@acme.example>", "non-ASCII From decodes");
		like(m, " <zoe@acme.example>\n", "non-ASCII From: the address is not encoded");
		sbuf_release(&dec);
	}
}

static void
test_recipient_subject(struct arena *a)
{
	static struct kv ctl[] = { { "first_name", "\r\n" }, { NULL, NULL } };
	struct tmpl *t = parse(a, "X-A: a\nSubject: {{first_name}}\n\nb\n");
	struct render_ctx rc = ctx_for(jane);
	struct tmpl bare;

	rc.to = NULL;
	render_err(t, &rc, 0, 0, "no recipient address", "recipient NULL");
	rc.to = "";
	render_err(t, &rc, 0, 0, "no recipient address", "recipient empty");
	rc.to = " \r\n";
	render_err(t, &rc, 0, 0, "no recipient address", "recipient blank");
	rc.to = EVIL;
	render_err(t, &rc, 0, 0, "To: address \"x??Bcc: evil@example.com\" contains a control character",
		   "recipient with CR LF");
	rc.to = "jane@example.com, ";
	render_err(t, &rc, 0, 0, "To: empty address in list", "recipient list with a hole");

	rc = ctx_for(jane);
	rc.ctx = ctl;
	render_err(t, &rc, 2, 1, "Subject: is empty after expanding placeholders",
		   "Subject of control characters");
	rc.ctx = (struct kv[]){ { NULL, NULL } };
	render_err(t, &rc, 2, 1, "Subject: is empty after expanding placeholders",
		   "Subject of a missing field");

	/* A template built by hand, without Subject: */
	memset(&bare, 0, sizeof bare);
	bare.file = FILE_NAME;
	bare.body = "b\n";
	rc = ctx_for(jane);
	render_err(&bare, &rc, 1, 1, "missing Subject: header", "no Subject");
}

static void
test_unsubscribe_extras(struct arena *a)
{
	struct tmpl *t = parse(a, "Subject: s\nX-Drip-Contact: from template\nX-Keep: k\n\nb\n");
	struct render_ctx rc = ctx_for(jane);
	const char *m;
	char buf[256];
	const char *const odd[] = { "X-One", "1", "X-Two", NULL, "X-Three", "3", NULL };
	const char *const empty[] = { "X-Empty", "", "X-Blank", " \r\n", "X-Full", "f", NULL };

	m = render_ok(t, &rc, "unsubscribe");
	is_str(value(m, "List-Unsubscribe", buf, sizeof buf), "<https://acme.example/r?t=UNSUB>",
	       "List-Unsubscribe: the URL in angle brackets");
	is_str(value(m, "List-Unsubscribe-Post", buf, sizeof buf), "List-Unsubscribe=One-Click",
	       "List-Unsubscribe-Post: one click");
	is_str(value(m, "X-Drip-Contact", buf, sizeof buf), "c1",
	       "an extra header wins over the template's");
	is_str(names(m, buf, sizeof buf),
	       "From,To,Reply-To,Subject,Date,Message-ID,MIME-Version,Content-Type,"
	       "Content-Transfer-Encoding,List-Unsubscribe,List-Unsubscribe-Post,X-Keep,"
	       "X-Drip-Contact,X-Drip-Sequence", "extras come last, once");

	rc.unsubscribe_url = NULL;
	m = render_ok(t, &rc, "no unsubscribe");
	ok(strstr(m, "List-Unsubscribe") == NULL, "unsubscribe_url NULL: no List-Unsubscribe*");
	rc.unsubscribe_url = "";
	m = render_ok(t, &rc, "empty unsubscribe");
	ok(strstr(m, "List-Unsubscribe") == NULL, "unsubscribe_url \"\": no List-Unsubscribe*");

	rc = ctx_for(jane);
	rc.extra = odd;
	m = render_ok(t, &rc, "odd extras");
	ok(value(m, "X-One", buf, sizeof buf) != NULL && value(m, "X-Three", buf, sizeof buf) == NULL,
	   "a NULL extra value ends the list");
	rc.extra = empty;
	m = render_ok(t, &rc, "empty extras");
	ok(value(m, "X-Empty", buf, sizeof buf) == NULL && value(m, "X-Blank", buf, sizeof buf) == NULL,
	   "empty extras are left out");
	is_str(value(m, "X-Full", buf, sizeof buf), "f", "the extra after them is kept");
	is_str(value(m, "X-Drip-Contact", buf, sizeof buf), "from template",
	       "a template header no extra names is kept");
}

static void
test_cc(struct arena *a)
{
	static struct kv boss[] = { { "boss", "Doe, Boss <boss@acme.example>" }, { "bad", "boss" },
				    { NULL, NULL } };
	struct render_ctx rc = ctx_for(boss);
	struct tmpl *t;
	const char *m;
	char buf[256];

	t = parse(a, "Subject: s\nCc: {{boss}}\nBcc: audit@acme.example\n\nb\n");
	m = render_ok(t, &rc, "Cc");
	is_str(value(m, "Cc", buf, sizeof buf), "\"Doe, Boss\" <boss@acme.example>",
	       "Cc is written as an address header");
	is_str(value(m, "Bcc", buf, sizeof buf), "audit@acme.example", "Bcc from the template");
	t = parse(a, "Subject: s\nX-A: 1\nCc: {{bad}}\n\nb\n");
	render_err(t, &rc, 3, 1, "Cc: address \"boss\" has no \"@\"", "malformed Cc");
}

/* Contact values with CR LF in every field that reaches a header: no
 * header field appears that the template did not ask for. */
static void
test_injection(struct arena *a)
{
	static struct kv evil[] = {
		{ "first_name", EVIL }, { "email", "jane@example.com" }, { "link.yes", EVIL },
		{ NULL, NULL }
	};
	const char *const evil_extras[] = { "X-Drip-Contact", EVIL, "X-Evil\r\nBcc", "e@x.org", NULL };
	struct tmpl *t = parse(a,
		"From: {{first_name}} <sales@acme.example>\n"
		"Reply-To: {{first_name}} <reply@acme.example>\n"
		"Subject: Hi {{first_name}}\n"
		"X-Note: {{first_name}} and {{link.yes}}\n"
		"Cc: {{first_name}} <cc@acme.example>\n"
		"\n"
		"Hello {{first_name}}\n");
	struct render_ctx rc = ctx_for(evil);
	const char *m;
	char buf[512];

	rc.extra = evil_extras;
	rc.message_id = "<id@x.org>\r\nBcc: evil@example.com";
	rc.unsubscribe_url = "https://acme.example/u\r\nBcc: evil@example.com";
	m = render_ok(t, &rc, "injection");
	is_int(nfields(m), 15, "injection: exactly the expected header fields");
	is_str(names(m, buf, sizeof buf),
	       "From,To,Reply-To,Subject,Date,Message-ID,MIME-Version,Content-Type,"
	       "Content-Transfer-Encoding,List-Unsubscribe,List-Unsubscribe-Post,X-Note,Cc,"
	       "X-Drip-Contact,X-Evil--Bcc", "injection: no Bcc field");
	ok(head_clean(m), "injection: no CR or control character in the headers");
	ok(!head_has(m, "\nBcc"), "injection: no header line starts with Bcc");
	is_str(value(m, "Subject", buf, sizeof buf), "Hi x  Bcc: evil@example.com",
	       "injection: Subject keeps the text on one field");
	is_str(value(m, "From", buf, sizeof buf), "\"x Bcc: evil@example.com\" <sales@acme.example>",
	       "injection: From display name quoted");
	is_str(value(m, "Reply-To", buf, sizeof buf), "\"x Bcc: evil@example.com\" <reply@acme.example>",
	       "injection: Reply-To display name quoted");
	is_str(value(m, "X-Drip-Contact", buf, sizeof buf), "x  Bcc: evil@example.com",
	       "injection: extra value");
	is_str(value(m, "List-Unsubscribe", buf, sizeof buf),
	       "<https://acme.example/u  Bcc: evil@example.com>", "injection: unsubscribe URL");
	ok(strstr(body_of(m), "\r") == NULL && strstr(body_of(m), "Hello x=0D") != NULL,
	   "injection: the body carries the CR quoted-printable");
	like(m, "Content-Transfer-Encoding: quoted-printable\n", "injection: body is QP");

	/* The same through a recipient that is not the contact's own. */
	rc.to = "jane@example.com\nBcc: evil@example.com";
	render_err(t, &rc, 0, 0, "contains a control character", "injection through To");
	rc.to = "Jane\r\nBcc: evil@example.com <jane@example.com>";
	m = render_ok(t, &rc, "injection through a To display name");
	is_str(value(m, "To", buf, sizeof buf), "\"Jane Bcc: evil@example.com\" <jane@example.com>",
	       "injection through a To display name: quoted");
	ok(!head_has(m, "\nBcc"), "injection through a To display name: no Bcc line");
}

static void
test_encodings(struct arena *a)
{
	static struct kv zoe[] = { { "first_name", "Zoë" }, { NULL, NULL } };
	struct tmpl *t = parse(a, "Subject: Grüße, {{first_name}} 👋\n"
				  "\n"
				  "Hallo {{first_name}}, = ist gleich \n"
				  "Tschüß\n");
	struct render_ctx rc = ctx_for(zoe);
	struct sbuf dec = SBUF_INIT;
	const char *m, *b;
	char buf[512];

	m = render_ok(t, &rc, "non-ASCII");
	like(m, "Subject: =?UTF-8?", "non-ASCII Subject is encoded");
	mail_decode_words(value(m, "Subject", buf, sizeof buf), &dec);
	is_str(sbuf_str(&dec), "Grüße, Zoë 👋", "non-ASCII Subject decodes to the same bytes");
	like(m, "Content-Transfer-Encoding: quoted-printable\n", "non-ASCII body: QP");
	b = body_of(m);
	sbuf_reset(&dec);
	is_int(mail_qp_decode(b, strlen(b), &dec), 0, "non-ASCII body: decodes");
	is_str(sbuf_str(&dec), "Hallo Zoë, = ist gleich \nTschüß\n", "non-ASCII body: round trip");
	ok(head_clean(m) && max_line(m, strlen(m)) <= 78, "non-ASCII message: lines <= 78");

	/* A long subject is folded, within 78, and comes back whole. */
	t = parse(a, "Subject: {{first_name}}, your order of three hundred and twelve "
		     "garden gnomes has been dispatched from our warehouse today\n\nb\n");
	rc.ctx = jane;
	m = render_ok(t, &rc, "long subject");
	ok(max_line(m, head_len(m)) <= 78, "long subject: no header line over 78");
	is_str(value(m, "Subject", buf, sizeof buf),
	       "Jane, your order of three hundred and twelve garden gnomes has been "
	       "dispatched from our warehouse today", "long subject: unfolds to the text");
	is_int(nfields(m), 13, "long subject: still one field");

	/* A long body line makes the body QP even in ASCII. */
	{
		char src[1200];
		size_t n = (size_t)snprintf(src, sizeof src, "Subject: s\n\n");

		memset(src + n, 'z', 1000);
		src[n + 1000] = '\n';
		src[n + 1001] = '\0';
		t = parse(a, src);
		m = render_ok(t, &rc, "1000-byte line");
		like(m, "Content-Transfer-Encoding: quoted-printable\n", "1000-byte line: QP");
		ok(max_line(m, strlen(m)) <= 78, "1000-byte line: every line short");
	}
	sbuf_release(&dec);
}

static void
test_dates(struct arena *a)
{
	struct tmpl *t = parse(a, "Subject: s\n\nb\n");
	struct render_ctx rc = ctx_for(jane);
	char buf[128];

	rc.date = 1709210096;
	is_str(value(render_ok(t, &rc, "leap day"), "Date", buf, sizeof buf),
	       "Thu, 29 Feb 2024 12:34:56 +0000", "Date: the slot, leap day");
	rc.date = 2147483648LL;
	is_str(value(render_ok(t, &rc, "2038"), "Date", buf, sizeof buf),
	       "Tue, 19 Jan 2038 03:14:08 +0000", "Date: past 2038");
}

int
main(void)
{
	struct arena a = ARENA_INIT;

	test_golden(&a);
	test_fallbacks(&a);
	test_from_reply_to(&a);
	test_recipient_subject(&a);
	test_unsubscribe_extras(&a);
	test_cc(&a);
	test_injection(&a);
	test_encodings(&a);
	test_dates(&a);
	arena_release(&a);
	return tap_done();
}
