/*
 * t_tmpl.c - message templates (SPEC §6): headers, folding, CRLF, the
 * body, placeholders and their locations, every error with its location,
 * loading from disk, and expansion with fallbacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "err.h"
#include "sbuf.h"
#include "tap.h"
#include "tmpl.h"

/* A test name for a template: its first 40 bytes on one line. */
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

static struct tmpl *
parse_ok(struct arena *a, const char *src)
{
	struct drip_err e;
	struct tmpl *t = NULL;
	char nm[128];

	if (!ok(tmpl_parse(a, "t.eml", src, strlen(src), &t, &e) == 0, "parses: '%s'",
		esc(src, strlen(src), nm, sizeof nm)))
		printf("#   %d:%d: %s\n", e.line, e.col, e.msg);
	return t;
}

/* Expect DRIP_EDATA at t.eml:line:col with a message containing want. */
static void
parse_err_n(struct arena *a, const char *src, size_t len, int line, int col,
	    const char *want)
{
	struct drip_err e;
	struct tmpl *t = NULL;
	char nm[128];

	memset(&e, 0, sizeof e);
	esc(src, len, nm, sizeof nm);
	if (!ok(tmpl_parse(a, "t.eml", src, len, &t, &e) == -1, "rejected: '%s'", nm))
		return;
	like(e.msg, want, "'%s': message", nm);
	is_int(e.code, DRIP_EDATA, "'%s': DRIP_EDATA", nm);
	is_str(e.file, "t.eml", "'%s': names the file", nm);
	if (!ok(e.line == line && e.col == col, "'%s': at %d:%d", nm, line, col))
		printf("#   got %d:%d: %s\n", e.line, e.col, e.msg);
}

static void
parse_err(struct arena *a, const char *src, int line, int col, const char *want)
{
	parse_err_n(a, src, strlen(src), line, col, want);
}

static void
field_is(const struct tmpl *t, size_t i, const char *name, const char *fallback,
	 int line, int col)
{
	const struct tmpl_field *f;

	if (!ok(t != NULL && i < t->nfields, "placeholder %zu exists", i))
		return;
	f = &t->fields[i];
	is_str(f->name, name, "placeholder %zu: name", i);
	is_str(f->fallback, fallback, "placeholder %zu: fallback", i);
	if (!ok(f->line == line && f->col == col, "placeholder %zu: at %d:%d", i, line, col))
		printf("#   got %d:%d\n", f->line, f->col);
}

static void
test_basic(struct arena *a)
{
	struct tmpl *t = parse_ok(a,
		"Subject: Hello {{first_name | \"there\"}}\n"
		"From: Acme <hello@acme.example>\n"
		"\n"
		"Hi {{ first_name }},\n"
		"bye {{link.unsubscribe}}\n");

	if (t == NULL)
		return;
	is_str(t->file, "t.eml", "file kept");
	is_int(t->nheaders, 2, "two headers");
	is_str(t->headers[0].name, "Subject", "header name as written");
	is_str(t->headers[0].value, "Hello {{first_name | \"there\"}}", "value raw");
	is_int(t->headers[1].line, 2, "header line");
	is_str(tmpl_header(t, "subject"), "Hello {{first_name | \"there\"}}",
	       "tmpl_header is case-insensitive");
	is_str(tmpl_header(t, "FROM"), "Acme <hello@acme.example>", "From value");
	ok(tmpl_header(t, "Reply-To") == NULL, "absent header is NULL");
	is_str(t->body, "Hi {{ first_name }},\nbye {{link.unsubscribe}}\n", "body");
	is_int(t->body_line, 4, "body starts on line 4");
	is_int(t->nfields, 3, "three placeholders");
	field_is(t, 0, "first_name", "there", 1, 16);
	field_is(t, 1, "first_name", NULL, 4, 4);
	field_is(t, 2, "link.unsubscribe", NULL, 5, 5);
}

static void
test_folding_crlf(struct arena *a)
{
	struct tmpl *t;

	t = parse_ok(a, "Subject: Hello\n  {{name}} and\n\tmore  \nX-Tag: b\n\nbody");
	if (t != NULL) {
		is_str(tmpl_header(t, "Subject"), "Hello  {{name}} and\tmore",
		       "folded lines unfold, keeping the blanks, trimmed at the end");
		is_int(t->headers[0].line, 1, "a folded header has its first line");
		is_str(tmpl_header(t, "X-Tag"), "b", "the next header");
		field_is(t, 0, "name", NULL, 2, 3);
		is_str(t->body, "body", "body without a final newline");
		is_int(t->body_line, 6, "body line after folding");
	}
	t = parse_ok(a, "Subject:\n  {{ first_name\n }} x\n\n");
	if (t != NULL) {
		is_str(tmpl_header(t, "Subject"), "{{ first_name }} x",
		       "a value that starts on a continuation line");
		field_is(t, 0, "first_name", NULL, 2, 3);
	}
	t = parse_ok(a, "Subject: Hi {{a}}\r\nFrom: x\r\n\r\nLine1\r\nLine {{b}}\r\n");
	if (t != NULL) {
		is_str(tmpl_header(t, "Subject"), "Hi {{a}}", "CRLF: no CR in the value");
		is_str(t->body, "Line1\nLine {{b}}\n", "CRLF: the body has LF line ends");
		is_int(t->body_line, 4, "CRLF: body line");
		field_is(t, 0, "a", NULL, 1, 13);
		field_is(t, 1, "b", NULL, 5, 6);
	}
	t = parse_ok(a, "Subject: Hi\r\n\tthere\r\n\r\n");
	if (t != NULL)
		is_str(tmpl_header(t, "Subject"), "Hi\tthere", "CRLF folding");
	t = parse_ok(a, "Subject: only headers");
	if (t != NULL) {
		is_str(t->body, "", "no blank line: empty body");
		is_int(t->body_line, 2, "... on the next line");
	}
	t = parse_ok(a, "Subject: x\n");
	if (t != NULL)
		is_str(t->body, "", "headers and a newline: empty body");
	t = parse_ok(a, "Subject: x\n   \nbody {{a}}\n");
	if (t != NULL) {
		is_str(t->body, "body {{a}}\n", "a line of blanks ends the headers");
		field_is(t, 0, "a", NULL, 3, 6);
	}
	t = parse_ok(a, "\xEF\xBB\xBFSubject: x\n\nb");
	if (t != NULL)
		is_str(t->headers[0].name, "Subject", "a byte order mark is skipped");
	t = parse_ok(a, "Subject: Gr\xC3\xBC\xC3\x9F" "e {{first_name}}\n\n\xC3\x84\xC3\x96\xC3\x9C {{a}}");
	if (t != NULL) {
		field_is(t, 0, "first_name", NULL, 1, 16);
		field_is(t, 1, "a", NULL, 3, 5);
	}
	t = parse_ok(a, "Subject: {{a}}{{b|\"x\"}} {{c}}}\n\n{ {{d}} }}");
	if (t != NULL) {
		is_int(t->nfields, 4, "adjacent placeholders; lone braces are text");
		field_is(t, 1, "b", "x", 1, 15);
		field_is(t, 2, "c", NULL, 1, 25);
		field_is(t, 3, "d", NULL, 3, 3);
	}
	t = parse_ok(a, "Subject: x\n\n{{a | \"say \\\"hi\\\" \\\\o/\"}} {{b | \"\"}} {{c|\"\xC3\xA9\"}}");
	if (t != NULL) {
		field_is(t, 0, "a", "say \"hi\" \\o/", 3, 1);
		field_is(t, 1, "b", "", 3, 27);
		field_is(t, 2, "c", "\xC3\xA9", 3, 38);
	}
}

static void
test_errors(struct arena *a)
{
	static char big[1024 * 1024 + 2];

	parse_err(a, "Hello there\n\nbody", 1, 1,
		  "expected \"Name: value\" or a blank line before the body");
	parse_err(a, "Subject: x\nDear {{first_name}},\n", 2, 1, "expected \"Name: value\"");
	parse_err(a, "Subject: x\nHi there: you\n\n", 2, 1, "expected \"Name: value\"");
	parse_err(a, ": value\n\n", 1, 1, "expected \"Name: value\"");
	parse_err(a, "Subject: x\nX-\xC3\xA9: y\n\n", 2, 1, "expected \"Name: value\"");
	parse_err(a, " folded\nSubject: x\n\n", 1, 1, "continuation line before any header");
	parse_err(a, "From: a@b\n\nbody", 1, 1, "missing Subject: header");
	parse_err(a, "", 1, 1, "missing Subject: header");
	parse_err(a, "\nSubject: x\n", 1, 1, "missing Subject: header");
	parse_err(a, "From: a\nSubject:   \n\n", 2, 1, "empty Subject: header");
	parse_err(a, "Subject: a\nFrom: b\nsubject: c\n\n", 3, 1,
		  "duplicate Subject: header (first on line 1)");
	parse_err(a, "Subject: a\rb\n\n", 1, 11, "carriage return inside a header line");
	parse_err(a, "Subject: x\n\nab\xFF", 3, 3, "invalid UTF-8");
	parse_err(a, "Subject: x\n\n\xC3\xA9\xC0\x80", 3, 2, "invalid UTF-8");
	parse_err(a, "Subject: x\n\n\xED\xA0\x80", 3, 1, "invalid UTF-8");
	parse_err(a, "Subject: x\n\n\xF4\x90\x80\x80", 3, 1, "invalid UTF-8");
	parse_err(a, "Subject: x\n\nend \xE2\x82", 3, 5, "invalid UTF-8");
	parse_err_n(a, "Subject: x\n\na\0b", 15, 3, 2, "unexpected NUL byte");

	parse_err(a, "Subject: Hi {{first_name\n\n", 1, 13, "unclosed \"{{\"");
	parse_err(a, "Subject: x\n\nHi {{first_name}\n}}", 3, 4, "unclosed \"{{\"");
	parse_err(a, "Subject: x\n\nHi {{", 3, 4, "unclosed \"{{\"");
	parse_err(a, "Subject: x\n\nHi {{}} x", 3, 4, "empty placeholder name");
	parse_err(a, "Subject: x\n\n  {{ | \"x\" }}", 3, 3, "empty placeholder name");
	parse_err(a, "Subject: x\n\n{{ 1abc }}", 3, 1, "invalid placeholder name \"1abc\"");
	parse_err(a, "Subject: x\n\n{{ first name }}", 3, 1,
		  "invalid placeholder \"{{ first name }}\"");
	parse_err(a, "Subject: x\n\n{{ - }}", 3, 1, "invalid placeholder \"{{ - }}\"");
	parse_err(a, "Subject: x\n\n{{a | there}}", 3, 1,
		  "the fallback must be a quoted string, e.g. {{a | \"there\"}}");
	parse_err(a, "Subject: x\n\n{{a | \"there}}", 3, 1, "unterminated fallback string");
	parse_err(a, "Subject: x\n\n{{a | \"x\\n\"}}", 3, 1, "unknown escape \"\\n\" in fallback");
	parse_err(a, "Subject: x\n\n{{a | \"x\" y}}", 3, 1, "invalid placeholder");
	parse_err(a, "Subject: x\n\n{{a |", 3, 1, "unclosed \"{{\"");
	parse_err(a, "Subject: a\n  b {{c\n\n", 2, 5, "unclosed \"{{\"");

	memset(big, 'x', sizeof big);
	memcpy(big, "Subject: x\n\n", 12);
	parse_err_n(a, big, 1024 * 1024 + 1, 0, 0, "larger than 1 MiB");
}

static const char *
vars(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "first_name") == 0)
		return "Ann";
	if (strcmp(name, "blank") == 0)
		return "";
	if (strcmp(name, "link.yes") == 0)
		return "https://x.example/y?a=1&b=2";
	return NULL;
}

static void
expand_is(const char *text, const char *want, const char *name)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_adds(&sb, "<");
	tmpl_expand(text, vars, NULL, &sb);
	is_str(sbuf_str(&sb), want, "expand: %s", name);
	sbuf_release(&sb);
}

static void
test_expand(void)
{
	struct sbuf sb = SBUF_INIT;

	expand_is("Hi {{first_name}}!", "<Hi Ann!", "a value");
	expand_is("Hi {{ first_name | \"there\" }}!", "<Hi Ann!", "a value wins over the fallback");
	expand_is("Hi {{last_name | \"there\"}}!", "<Hi there!", "absent: the fallback");
	expand_is("Hi {{blank|\"you\"}}!", "<Hi you!", "empty: the fallback");
	expand_is("Hi {{last_name}}!", "<Hi !", "absent without fallback: nothing");
	expand_is("{{x | \"a \\\"b\\\" \\\\\"}}", "<a \"b\" \\", "fallback escapes decoded");
	expand_is("{{link.yes}}", "<https://x.example/y?a=1&b=2", "a built-in");
	expand_is("a {{ b", "<a {{ b", "an unclosed \"{{\" stays as written");
	expand_is("{{}} }} {", "<{{}} }} {", "other braces stay as written");
	expand_is("{{first_name}}{{first_name}}\n{{x|\"y\"}}", "<AnnAnn\ny", "several, over lines");
	expand_is("", "<", "empty text");
	tmpl_expand("{{first_name | \"z\"}}", NULL, NULL, &sb);
	is_str(sbuf_str(&sb), "z", "expand without a lookup uses fallbacks");
	sbuf_release(&sb);
}

static void
test_builtin(void)
{
	ok(tmpl_is_builtin("sequence.name"), "sequence.name is built in");
	ok(tmpl_is_builtin("step.name"), "step.name is built in");
	ok(tmpl_is_builtin("link.yes"), "link.yes is built in");
	ok(tmpl_is_builtin("link.no"), "link.no is built in");
	ok(tmpl_is_builtin("link.unsubscribe"), "link.unsubscribe is built in");
	ok(!tmpl_is_builtin("first_name"), "first_name is not");
	ok(!tmpl_is_builtin("link"), "link is not");
	ok(!tmpl_is_builtin("link.yes2"), "link.yes2 is not");
	ok(!tmpl_is_builtin("Link.Yes"), "built-ins are case-sensitive");
}

/* still_interested asks whether the template places the answers itself. */
static void
test_uses(struct arena *a)
{
	struct tmpl *t = parse_ok(a, "Subject: {{link.no | \"-\"}}\n\nYes: {{ link.yes }}\n");

	if (t == NULL)
		return;
	ok(tmpl_uses(t, "link.yes"), "a placeholder in the body is used");
	ok(tmpl_uses(t, "link.no"), "one in a header, with a fallback, too");
	ok(!tmpl_uses(t, "link.unsubscribe"), "one not written is not");
	ok(!tmpl_uses(t, "link"), "nor a prefix of one");
	t = parse_ok(a, "Subject: Hi\n\nNo links here: link.yes\n");
	ok(t && !tmpl_uses(t, "link.yes"), "the bare words are not a placeholder");
}

static int
write_file(const char *path, const char *s, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc;

	if (f == NULL)
		return -1;
	rc = fwrite(s, 1, len, f) == len ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static void
test_load(struct arena *a)
{
	char dir[] = "/tmp/t_tmpl-XXXXXX", path[256], missing[256], bad[256], huge[256];
	struct drip_err e;
	struct tmpl *t = NULL;
	char *buf;

	if (!ok(mkdtemp(dir) != NULL, "temporary directory"))
		return;
	snprintf(path, sizeof path, "%s/welcome.eml", dir);
	snprintf(missing, sizeof missing, "%s/nope.eml", dir);
	snprintf(bad, sizeof bad, "%s/bad.eml", dir);
	snprintf(huge, sizeof huge, "%s/huge.eml", dir);

	ok(write_file(path, "Subject: Hi {{first_name}}\n\nBody\n", 33) == 0, "write a template");
	is_int(tmpl_load(a, path, &t, &e), 0, "load it");
	if (t != NULL) {
		is_str(t->file, path, "its file is the path");
		is_str(tmpl_header(t, "Subject"), "Hi {{first_name}}", "its Subject");
		field_is(t, 0, "first_name", NULL, 1, 13);
	}

	is_int(tmpl_load(a, missing, &t, &e), -1, "a missing file fails");
	is_int(e.code, DRIP_ENOINPUT, "... with DRIP_ENOINPUT");
	like(e.msg, "cannot open '", "... saying it cannot open it");
	like(e.msg, "nope.eml': No such file or directory", "... and why");

	is_int(tmpl_load(a, dir, &t, &e), -1, "a directory fails");
	is_int(e.code, DRIP_EDATA, "... with DRIP_EDATA");
	like(e.msg, "not a regular file", "... saying why");

	ok(write_file(bad, "Subject: x\n\nHi {{ }}\n", 21) == 0, "write a bad template");
	is_int(tmpl_load(a, bad, &t, &e), -1, "a bad template fails");
	is_str(e.file, bad, "... naming the file");
	ok(e.line == 3 && e.col == 4, "... at 3:4 (%d:%d)", e.line, e.col);
	like(e.msg, "empty placeholder name", "... with the reason");

	buf = calloc(1, 1024 * 1024 + 1);
	if (ok(buf != NULL, "allocate a big buffer")) {
		memset(buf, 'x', 1024 * 1024 + 1);
		ok(write_file(huge, buf, 1024 * 1024 + 1) == 0, "write a file over 1 MiB");
		is_int(tmpl_load(a, huge, &t, &e), -1, "a file over 1 MiB fails");
		is_int(e.code, DRIP_EDATA, "... with DRIP_EDATA");
		like(e.msg, "larger than 1 MiB", "... saying why");
		free(buf);
	}
	unlink(path);
	unlink(bad);
	unlink(huge);
	ok(rmdir(dir) == 0, "clean up");
}

int
main(void)
{
	struct arena a = ARENA_INIT;

	test_basic(&a);
	test_folding_crlf(&a);
	test_errors(&a);
	test_expand();
	test_builtin();
	test_uses(&a);
	test_load(&a);
	arena_release(&a);
	return tap_done();
}
