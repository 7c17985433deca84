/*
 * t_ydoc.c - YAML loading: locations, exact byte ranges, and every rule of
 * SPEC §12 that ydoc enforces.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "err.h"
#include "ydoc.h"
#include "sbuf.h"
#include "tap.h"

/* Generous bounds: the rejections under test take microseconds, and only a
 * parser that builds the whole bomb first would come near these. */
#define QUICK_SECONDS 2.0

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
load(struct arena *a, const char *src, struct ydoc *d, struct drip_err *e)
{
	err_clear(e);
	return ydoc_load(a, "t.yaml", src, strlen(src), d, e);
}

/* Is the source text of n exactly want? */
static void
is_text(const struct ydoc *d, const struct ynode *n, const char *want,
	const char *name)
{
	char buf[512];
	size_t len;

	if (n == NULL || n->end < n->start || n->end > d->srclen) {
		ok(0, "%s: range", name);
		return;
	}
	len = n->end - n->start;
	if (len >= sizeof buf)
		len = sizeof buf - 1;
	memcpy(buf, d->src + n->start, len);
	buf[len] = '\0';
	is_str(buf, want, "%s: source text", name);
}

/* Expect a DRIP_EDATA error at line:col whose message contains want. */
static void
is_err(int rc, const struct drip_err *e, int line, int col, const char *want,
       const char *name)
{
	ok(rc == -1, "%s: fails", name);
	is_int(e->code, DRIP_EDATA, "%s: code", name);
	like(e->msg, want, "%s: message", name);
	is_int(e->line, line, "%s: line", name);
	is_int(e->col, col, "%s: col", name);
}

static void
test_locations(void)
{
	static const char src[] =
		"# header comment\n"
		"\n"
		"id: onboarding   # trailing comment\n"
		"name: \"Grüße aus Köln\"\n"
		"steps:\n"
		"  - id: welcome\n"
		"    wait: 0\n"
		"\n"
		"  # a comment between items\n"
		"  - id: tips\n"
		"    days: [mon, tue]\n"
		"    body: |\n"
		"      Hello\n"
		"      there\n"
		"\n"
		"last: {a: 1, b: [x, y]}\n";
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;
	const struct ynode *n, *steps, *s1, *last, *b;
	char whole[sizeof src];

	ok(load(&a, src, &d, &e) == 0, "nested document loads");
	is_str(d.file, "t.yaml", "file name kept");
	ok(d.root != NULL && d.root->kind == YNODE_MAP, "root is a mapping");
	is_int(d.root->n, 4, "root has four keys");
	is_int(d.root->line, 3, "root starts at its first key, past comments");
	is_int(d.root->col, 1, "root col");

	n = d.root->pairs[0].key;
	is_int(n->line, 3, "key id: line");
	is_text(&d, n, "id", "key id");
	n = ydoc_get(d.root, "id");
	is_int(n->line, 3, "onboarding: line");
	is_int(n->col, 5, "onboarding: col");
	is_int(n->style, YSTYLE_PLAIN, "onboarding: plain");
	is_text(&d, n, "onboarding", "onboarding, without the comment");

	n = ydoc_get(d.root, "name");
	is_int(n->style, YSTYLE_DOUBLE, "name: double quoted");
	is_str(n->str, "Grüße aus Köln", "name: value");
	is_text(&d, n, "\"Grüße aus Köln\"", "name, quotes included");
	is_int(n->end_col, 23, "name: end col counts characters");

	steps = ydoc_get(d.root, "steps");
	is_text(&d, d.root->pairs[2].key, "steps", "key after UTF-8 text");
	ok(steps != NULL && steps->kind == YNODE_SEQ, "steps is a list");
	is_int(steps->n, 2, "two steps");
	is_int(steps->line, 6, "steps: line");
	is_int(steps->col, 3, "steps: col");
	is_text(&d, steps->items[0], "id: welcome\n    wait: 0",
		"block mapping ends at its last value");
	is_int(steps->items[0]->end_line, 7, "first step: end line");
	is_int(steps->items[0]->end_col, 12, "first step: end col");

	s1 = steps->items[1];
	is_int(s1->line, 10, "second step: line, past blank line and comment");
	is_int(s1->col, 5, "second step: col of its first key");
	n = ydoc_get(s1, "days");
	is_text(&d, n, "[mon, tue]", "flow list in a block mapping");
	is_int(n->col, 11, "days: col");
	n = ydoc_get(s1, "body");
	is_int(n->style, YSTYLE_BLOCK, "body: block style");
	is_str(n->str, "Hello\nthere\n", "body: value");
	is_int(n->line, 12, "body: line");
	is_text(&d, n, "|\n      Hello\n      there\n\n",
		"block scalar through its line breaks");
	is_int(n->end_line, 16, "block scalar ends at the next line");
	is_int(n->end_col, 1, "block scalar end col");
	is_text(&d, steps, "- id: welcome\n    wait: 0\n\n"
		"  # a comment between items\n"
		"  - id: tips\n    days: [mon, tue]\n    body: |\n"
		"      Hello\n      there\n\n", "whole list");

	last = ydoc_get(d.root, "last");
	ok(last != NULL && last->kind == YNODE_MAP, "flow mapping");
	is_text(&d, last, "{a: 1, b: [x, y]}", "flow mapping with its braces");
	is_int(last->line, 16, "flow mapping: line");
	is_int(last->col, 7, "flow mapping: col");
	is_str(ydoc_get(last, "a")->str, "1", "flow mapping: a");
	b = ydoc_get(last, "b");
	ok(b != NULL && b->kind == YNODE_SEQ && b->n == 2, "flow list in flow mapping");
	is_str(b->items[1]->str, "y", "flow list item");
	is_int(b->items[1]->col, 21, "flow list item: col");
	is_text(&d, b, "[x, y]", "inner flow list");
	snprintf(whole, sizeof whole, "%.*s", (int)(sizeof src - 20), src + 18);
	is_text(&d, d.root, whole, "root: all but leading comments and last newline");
	arena_release(&a);
}

static void
test_utf8_ranges(void)
{
	static const char src[] =
		"k: [Grüße, zz]\n"
		"m: 'ä'\n"
		"\xC3\xA9t\xC3\xA9: \"\xE2\x82\xAC\"\n";
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;
	const struct ynode *k, *n;

	ok(load(&a, src, &d, &e) == 0, "UTF-8 document loads");
	k = ydoc_get(d.root, "k");
	is_text(&d, k->items[0], "Grüße", "UTF-8 scalar");
	is_text(&d, k->items[1], "zz", "scalar after UTF-8 on the same line");
	is_int(k->items[1]->start, 13, "byte offset, not character index");
	is_int(k->items[1]->col, 12, "col counts characters");
	is_text(&d, k, "[Grüße, zz]", "flow list with UTF-8");
	n = ydoc_get(d.root, "m");
	is_text(&d, n, "'ä'", "single-quoted UTF-8");
	is_int(n->style, YSTYLE_SINGLE, "single-quoted style");
	n = ydoc_get(d.root, "\xC3\xA9t\xC3\xA9");
	ok(n != NULL, "UTF-8 key found");
	is_text(&d, n, "\"\xE2\x82\xAC\"", "three-byte character");
	is_int(n->col, 6, "col after a UTF-8 key");
	is_text(&d, d.root->pairs[2].key, "\xC3\xA9t\xC3\xA9", "UTF-8 key");
	arena_release(&a);
}

static void
test_crlf_bom_block(void)
{
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;
	const struct ynode *n;

	ok(load(&a, "a: 1\r\nb: [x,\r\n y]\r\n", &d, &e) == 0, "CRLF loads");
	n = ydoc_get(d.root, "b");
	is_text(&d, n, "[x,\r\n y]", "CRLF flow list");
	is_int(n->items[1]->line, 3, "CRLF: line");
	is_int(n->items[1]->col, 2, "CRLF: col");

	ok(load(&a, "\xEF\xBB\xBF" "a: 1\n", &d, &e) == 0, "BOM skipped");
	is_int(d.root->pairs[0].key->col, 1, "BOM is no column");
	is_int(d.root->pairs[0].key->start, 3, "BOM bytes counted in offsets");
	is_text(&d, ydoc_get(d.root, "a"), "1", "value after BOM");

	ok(load(&a, "a:\n  lit: >\n    x\n    y\n  b: 1\n", &d, &e) == 0,
	   "nested block scalar loads");
	n = ydoc_get(ydoc_get(d.root, "a"), "lit");
	is_text(&d, n, ">\n    x\n    y\n", "folded scalar stops before indentation");
	is_str(n->str, "x y\n", "folded value");
	is_text(&d, ydoc_get(d.root, "a"), "lit: >\n    x\n    y\n  b: 1",
		"inner block mapping");

	ok(load(&a, "a:\nb: 2\n", &d, &e) == 0, "empty value loads");
	n = ydoc_get(d.root, "a");
	ok(n != NULL && ydoc_is_null(n), "empty value is null");
	is_int(n->start, 2, "empty value sits after the colon");
	is_int(n->end, 2, "empty value is an empty range");

	ok(load(&a, "steps:\n- a\n- b   # last\nx:\n  y:\n", &d, &e) == 0,
	   "indentless list loads");
	n = ydoc_get(d.root, "steps");
	is_text(&d, n, "- a\n- b", "indentless list");
	is_int(n->col, 1, "indentless list: col");
	is_text(&d, ydoc_get(d.root, "x"), "y:", "mapping ending in an empty value");

	ok(load(&a, "s: \"a\\0b\"\n", &d, &e) == 0, "NUL by escape loads");
	n = ydoc_get(d.root, "s");
	is_int(n->len, 3, "escaped NUL kept in len");
	ok(memcmp(n->str, "a\0b", 4) == 0, "escaped NUL kept in str");
	arena_release(&a);
}

static void
test_duplicates(void)
{
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;
	size_t i, len = 0, cap = 64 * 1024;
	char *big;
	int rc;

	rc = load(&a, "id: x\nsteps: []\nname: y\nsteps:\n  - a\n", &d, &e);
	is_err(rc, &e, 4, 1, "duplicate key \"steps\" (first defined at line 2)",
	       "duplicate key");
	is_str(e.file, "t.yaml", "duplicate key: file");
	ok(d.root == NULL, "no root after an error");

	rc = load(&a, "a:\n  x: 1\n  'x': 2\n", &d, &e);
	is_err(rc, &e, 3, 3, "duplicate key \"x\" (first defined at line 2)",
	       "quoted duplicate of a plain key");

	rc = load(&a, "m: {a: 1, b: 2, a: 3}\n", &d, &e);
	is_err(rc, &e, 1, 17, "duplicate key \"a\"", "duplicate in flow mapping");

	ok(load(&a, "a: {x: 1}\nb: {x: 1}\n", &d, &e) == 0,
	   "same key in sibling mappings is fine");

	/* Past the linear scan: a thousand keys, then one repeated. */
	big = malloc(cap);
	for (i = 0; i < 1000; i++)
		len += (size_t)snprintf(big + len, cap - len, "k%zu: %zu\n", i, i);
	snprintf(big + len, cap - len, "k500: again\n");
	rc = load(&a, big, &d, &e);
	is_err(rc, &e, 1001, 1, "duplicate key \"k500\" (first defined at line 501)",
	       "duplicate among many keys");
	big[len] = '\0';
	ok(load(&a, big, &d, &e) == 0, "a thousand distinct keys load");
	is_int(d.root->n, 1000, "a thousand pairs");
	is_str(ydoc_get(d.root, "k999")->str, "999", "last of many keys");
	free(big);
	arena_release(&a);
}

static void
test_anchors_aliases_tags(void)
{
	static const char bomb[] =
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
		"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;
	double t0;
	int rc;

	t0 = now();
	rc = load(&a, bomb, &d, &e);
	ok(now() - t0 < QUICK_SECONDS, "alias bomb rejected quickly");
	is_err(rc, &e, 1, 4, "anchor \"&a\" is not allowed", "alias bomb");

	rc = load(&a, "x: 1\ny: &base 2\n", &d, &e);
	is_err(rc, &e, 2, 4, "anchor \"&base\" is not allowed", "anchor alone");

	rc = load(&a, "x: 1\ny: *nowhere\n", &d, &e);
	is_err(rc, &e, 2, 4, "alias \"*nowhere\" is not allowed", "alias alone");

	rc = load(&a, "x:\n  <<: *base\n", &d, &e);
	is_err(rc, &e, 2, 7, "alias \"*base\"", "merge key alias");

	rc = load(&a, "a: !!str x\n", &d, &e);
	is_err(rc, &e, 1, 4, "tag \"!!str\" is not allowed", "standard tag");

	rc = load(&a, "- ok\n- !foo {b: 1}\n", &d, &e);
	is_err(rc, &e, 2, 3, "tag \"!foo\" is not allowed", "local tag on a mapping");

	rc = load(&a, "--- !!seq\n- a\n", &d, &e);
	is_err(rc, &e, 1, 5, "tag \"!!seq\"", "tag on the root");

	rc = load(&a, "a: ! x\n", &d, &e);
	is_err(rc, &e, 1, 4, "tag \"!\"", "non-specific tag");
	arena_release(&a);
}

/* n nested flow lists: "[[[...x...]]]". */
static char *
nested_flow(size_t n)
{
	char *s = malloc(2 * n + 2);
	size_t i;

	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[n + 1 + i] = ']';
	}
	s[n] = 'x';
	s[2 * n + 1] = '\0';
	return s;
}

/* n nested block mappings, each "k:" indented one more step. */
static char *
nested_block(size_t n)
{
	char *s = malloc(n * (n + 4) + 16);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		memset(s + o, ' ', i);
		o += i;
		memcpy(s + o, "k:\n", 3);
		o += 3;
	}
	memset(s + o, ' ', n);
	o += n;
	memcpy(s + o, "leaf\n", 6);
	return s;
}

static void
test_depth(void)
{
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;
	const struct ynode *n;
	char *s;
	double t0;
	int rc, i;

	s = nested_flow(YDOC_MAX_DEPTH);
	ok(load(&a, s, &d, &e) == 0, "64 nested lists load");
	for (n = d.root, i = 1; n != NULL && n->kind == YNODE_SEQ; n = n->items[0])
		i++;
	is_int(i, 65, "64 levels then the scalar");
	free(s);

	s = nested_flow(YDOC_MAX_DEPTH + 1);
	rc = load(&a, s, &d, &e);
	is_err(rc, &e, 1, 65, "nesting deeper than 64 levels", "65 nested lists");
	free(s);

	s = nested_block(YDOC_MAX_DEPTH);
	ok(load(&a, s, &d, &e) == 0, "64 nested block mappings load");
	free(s);
	s = nested_block(YDOC_MAX_DEPTH + 1);
	rc = load(&a, s, &d, &e);
	is_err(rc, &e, 65, 65, "nesting deeper than 64", "65 nested block mappings");
	free(s);

	s = malloc(100001);
	memset(s, '[', 100000);
	s[100000] = '\0';
	t0 = now();
	rc = load(&a, s, &d, &e);
	ok(now() - t0 < QUICK_SECONDS, "100,000 brackets rejected quickly");
	is_err(rc, &e, 1, 65, "nesting deeper than 64 levels", "100,000 brackets");
	free(s);
	arena_release(&a);
}

static void
test_size(void)
{
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;
	char path[] = "/tmp/t_ydoc.XXXXXX";
	size_t big = 50u * 1024 * 1024;
	char *s;
	double t0;
	int fd, rc;

	s = malloc(big);
	memset(s, 'a', big);
	err_clear(&e);
	t0 = now();
	rc = ydoc_load(&a, "big.yaml", s, big, &d, &e);
	ok(now() - t0 < QUICK_SECONDS, "50 MB buffer rejected quickly");
	ok(rc == -1, "50 MB buffer rejected");
	is_int(e.code, DRIP_EDATA, "size cap: code");
	like(e.msg, "file too large (52428800 bytes", "size cap: message");
	is_str(e.file, "big.yaml", "size cap: file");

	/* Exactly the cap is allowed: one long comment. */
	s[0] = '#';
	s[YDOC_MAX_SIZE - 1] = '\n';
	err_clear(&e);
	ok(ydoc_load(&a, "cap.yaml", s, YDOC_MAX_SIZE, &d, &e) == 0,
	   "a file of exactly the cap loads");
	ok(d.root == NULL, "a comment is an empty document");
	err_clear(&e);
	ok(ydoc_load(&a, "cap.yaml", s, YDOC_MAX_SIZE + 1, &d, &e) == -1,
	   "one byte over the cap is rejected");

	fd = mkstemp(path);
	ok(fd >= 0, "temporary file");
	ok(write(fd, s, 2 * YDOC_MAX_SIZE) == 2 * YDOC_MAX_SIZE, "2 MiB written");
	err_clear(&e);
	rc = ydoc_load_file(&a, path, &d, &e);
	ok(rc == -1, "2 MiB file rejected");
	is_int(e.code, DRIP_EDATA, "file size cap: code");
	like(e.msg, "file too large (2097152 bytes", "file size cap: message");
	is_str(e.file, path, "file size cap: file");

	ok(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0, "file emptied");
	ok(write(fd, "a: 1\nb: [x]\n", 12) == 12, "small file written");
	err_clear(&e);
	ok(ydoc_load_file(&a, path, &d, &e) == 0, "small file loads");
	is_str(d.file, path, "file name from the path");
	is_str(ydoc_get(d.root, "a")->str, "1", "file content parsed");
	close(fd);
	unlink(path);

	err_clear(&e);
	rc = ydoc_load_file(&a, "/tmp", &d, &e);
	ok(rc == -1, "a directory fails");
	is_int(e.code, DRIP_EFAIL, "a directory: code 1");
	like(e.msg, "cannot read", "a directory: message");

	err_clear(&e);
	rc = ydoc_load_file(&a, "/tmp/t_ydoc.does-not-exist/x.yaml", &d, &e);
	ok(rc == -1, "missing file fails");
	is_int(e.code, DRIP_ENOINPUT, "missing file: code 66");
	like(e.msg, strerror(ENOENT), "missing file: system error text");
	is_str(e.file, "/tmp/t_ydoc.does-not-exist/x.yaml", "missing file: file");
	free(s);
	arena_release(&a);
}

static void
test_syntax(void)
{
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;
	char buf[1200];
	int rc;

	rc = load(&a, "a: 1\nb:\n  c: 1\n  d: e: f\n", &d, &e);
	is_err(rc, &e, 4, 7, "mapping values are not allowed in this context",
	       "syntax error");
	is_str(err_str(&e, buf, sizeof buf),
	       "t.yaml:4:7: mapping values are not allowed in this context",
	       "syntax error rendered");

	rc = load(&a, "a: \"abc\nb: 1\n", &d, &e);
	is_err(rc, &e, 3, 1, "found unexpected end of stream", "unclosed quote");
	like(e.msg, "(while scanning a quoted scalar at line 1)", "unclosed quote: context");

	rc = load(&a, "a: [x, y\nb: 1\n", &d, &e);
	is_err(rc, &e, 2, 2, "did not find expected ',' or ']'", "unclosed list");

	rc = ydoc_load(&a, "t.yaml", "a: x\0y\n", 7, &d, &e);
	is_err(rc, &e, 1, 5, "control characters are not allowed", "NUL byte");

	rc = load(&a, "a: 1\nb: \xFF\n", &d, &e);
	is_err(rc, &e, 2, 4, "invalid UTF-8 (byte #xFF)", "invalid UTF-8");

	rc = load(&a, "a: Gr\xC3\xBC\xC3\n", &d, &e);
	/* The check before libyaml points at the start of the broken
	 * sequence, in the words every reader of drip uses. */
	is_err(rc, &e, 1, 7, "invalid UTF-8 (byte #xC3)",
	       "truncated UTF-8 sequence");
	rc = load(&a, "a: ok\nb: |\n  Jos\xE9" " M\xFCller\n", &d, &e);
	is_err(rc, &e, 3, 6, "invalid UTF-8", "Latin-1 text in a block scalar");
	rc = load(&a, "\xEF\xBB\xBF" "a: \xED\xA0\x80\n", &d, &e);
	is_err(rc, &e, 1, 4, "invalid UTF-8", "a surrogate after a BOM");

	rc = load(&a, "\xFF\xFE" "a\0:\0", &d, &e);
	ok(rc == -1, "UTF-16 is refused");

	rc = load(&a, "a: 1\n---\nb: 2\n", &d, &e);
	is_err(rc, &e, 2, 1, "only one document is allowed in a file",
	       "second document");
	rc = load(&a, "a: 1\n...\n# next\n--- b\n", &d, &e);
	is_err(rc, &e, 4, 1, "only one document", "document after an end marker");
	ok(load(&a, "---\na: 1\n...\n", &d, &e) == 0, "one explicit document loads");

	rc = load(&a, "? [a]\n: v\n", &d, &e);
	is_err(rc, &e, 1, 3, "a key must be a string, not a list", "list as key");
	rc = load(&a, "{{a: 1}: v}\n", &d, &e);
	is_err(rc, &e, 1, 2, "a key must be a string, not a mapping", "mapping as key");
	arena_release(&a);
}

static void
test_empty(void)
{
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;

	ok(load(&a, "", &d, &e) == 0 && d.root == NULL, "empty file: NULL root");
	ok(ydoc_load(&a, "t.yaml", NULL, 0, &d, &e) == 0 && d.root == NULL,
	   "no buffer at all: NULL root");
	ok(load(&a, "# nothing\n\n  # here\n", &d, &e) == 0 && d.root == NULL,
	   "comments only: NULL root");
	ok(load(&a, "---\n", &d, &e) == 0 && d.root == NULL,
	   "a bare document marker: NULL root");
	ok(load(&a, "~\n", &d, &e) == 0 && d.root != NULL && ydoc_is_null(d.root),
	   "an explicit null is a node");
	ok(load(&a, "''\n", &d, &e) == 0 && d.root != NULL && !ydoc_is_null(d.root),
	   "an empty quoted string is not null");
	arena_release(&a);
}

static void
test_scalars(void)
{
	static const char src[] =
		"a: no\nb: on\nc: 01234\nd: true\ne: \"true\"\nf: false\n"
		"g: ~\nh:\ni: null\nj: ''\nk: True\nl: NULL\nm: 'null'\nn: yes\n"
		"o: |\n  true\n";
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;
	const struct ynode *r;

	ok(load(&a, src, &d, &e) == 0, "scalars load");
	r = d.root;
	is_str(ydoc_get(r, "a")->str, "no", "no stays a string");
	is_int(ydoc_bool(ydoc_get(r, "a")), -1, "no is not a boolean");
	is_int(ydoc_bool(ydoc_get(r, "b")), -1, "on is not a boolean");
	is_str(ydoc_get(r, "c")->str, "01234", "01234 keeps its zero");
	is_int(ydoc_bool(ydoc_get(r, "c")), -1, "01234 is not a boolean");
	is_int(ydoc_bool(ydoc_get(r, "d")), 1, "plain true");
	is_int(ydoc_bool(ydoc_get(r, "e")), -1, "quoted true is a string");
	is_int(ydoc_get(r, "e")->style, YSTYLE_DOUBLE, "quoted true: style");
	is_int(ydoc_bool(ydoc_get(r, "f")), 0, "plain false");
	is_int(ydoc_bool(ydoc_get(r, "k")), -1, "True is not a boolean");
	is_int(ydoc_bool(ydoc_get(r, "n")), -1, "yes is not a boolean");
	is_int(ydoc_bool(ydoc_get(r, "o")), -1, "block true is not a boolean");
	is_int(ydoc_bool(NULL), -1, "absent is not a boolean");
	is_int(ydoc_bool(r), -1, "a mapping is not a boolean");
	ok(ydoc_is_null(ydoc_get(r, "g")), "~ is null");
	ok(ydoc_is_null(ydoc_get(r, "h")), "empty value is null");
	ok(ydoc_is_null(ydoc_get(r, "i")), "null is null");
	ok(ydoc_is_null(ydoc_get(r, "l")), "NULL is null");
	ok(ydoc_is_null(ydoc_get(r, "missing")), "absent is null");
	ok(!ydoc_is_null(ydoc_get(r, "j")), "'' is not null");
	ok(!ydoc_is_null(ydoc_get(r, "m")), "'null' is not null");
	ok(!ydoc_is_null(ydoc_get(r, "a")), "no is not null");
	ok(!ydoc_is_null(r), "a mapping is not null");
	ok(ydoc_get(r, "zzz") == NULL, "missing key");
	ok(ydoc_get(ydoc_get(r, "a"), "x") == NULL, "ydoc_get on a scalar");
	ok(ydoc_get(NULL, "x") == NULL, "ydoc_get on NULL");
	is_str(ydoc_kind_name(r), "a mapping", "kind name: mapping");
	is_str(ydoc_kind_name(ydoc_get(r, "a")), "a string", "kind name: string");
	is_str(ydoc_kind_name(ydoc_get(r, "j")), "a string", "kind name: ''");
	is_str(ydoc_kind_name(ydoc_get(r, "h")), "nothing", "kind name: empty value");
	is_str(ydoc_kind_name(NULL), "nothing", "kind name: absent");
	ok(load(&a, "[a]\n", &d, &e) == 0, "list root loads");
	is_str(ydoc_kind_name(d.root), "a list", "kind name: list");
	arena_release(&a);
}

struct reports {
	size_t n;
	char msg[4][512];
	int line[4], col[4];
};

static void
collect(void *ctx, const struct ynode *at, const char *msg)
{
	struct reports *r = ctx;

	if (r->n < 4) {
		snprintf(r->msg[r->n], sizeof r->msg[r->n], "%s", msg);
		r->line[r->n] = at->line;
		r->col[r->n] = at->col;
	}
	r->n++;
}

static void
test_check_keys(void)
{
	static const char *const allowed[] = { "id", "send_window", "steps" };
	struct arena a = ARENA_INIT;
	struct drip_err e;
	struct ydoc d;
	struct reports r;
	char longkey[200];

	memset(&r, 0, sizeof r);
	ok(load(&a, "id: x\nsned_window: {}\nzzz: 1\nsteps: []\n", &d, &e) == 0,
	   "keys document loads");
	is_int(ydoc_check_keys(d.root, allowed, 3, collect, &r), 2, "two unknown keys");
	is_int(r.n, 2, "two reports");
	is_str(r.msg[0], "unknown key \"sned_window\" (did you mean \"send_window\"?)",
	       "did you mean");
	is_int(r.line[0], 2, "report at the key: line");
	is_int(r.col[0], 1, "report at the key: col");
	is_str(r.msg[1], "unknown key \"zzz\"", "no suggestion when nothing is close");
	is_int(r.line[1], 3, "second report: line");
	is_int(ydoc_check_keys(ydoc_get(d.root, "steps"), allowed, 3, collect, &r), 0,
	       "a list has no keys to check");
	is_int(ydoc_check_keys(NULL, allowed, 3, collect, &r), 0, "NULL has no keys");

	memset(&r, 0, sizeof r);
	ok(load(&a, "\"a\\0b\\e\": 1\n", &d, &e) == 0, "odd key loads");
	is_int(ydoc_check_keys(d.root, allowed, 3, collect, &r), 1, "odd key unknown");
	is_str(r.msg[0], "unknown key \"a\\x00b\\x1B\"", "control bytes escaped");

	memset(&r, 0, sizeof r);
	memset(longkey, 'q', sizeof longkey);
	memcpy(longkey + 150, ": 1\n", 5);
	ok(load(&a, longkey, &d, &e) == 0, "long key loads");
	is_int(ydoc_check_keys(d.root, allowed, 3, collect, &r), 1, "long key unknown");
	like(r.msg[0], "qqq...\"", "long key cut in the message");
	ok(strlen(r.msg[0]) < 100, "long key message stays short");
	arena_release(&a);
}

/* ydoc_quote's text reads back as the same bytes, on one line. */
static void
test_quote(void)
{
	static const char *const cases[] = {
		"plain", "", "say \"hi\"", "back\\slash", "two\nlines", "tab\there",
		"cr\rhere", "bell\a and \x1f and \x7f", "Gr\xc3\xbc\xc3\x9f\x65", "- not a list",
		"#not a comment", "yes",
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct arena a = ARENA_INIT;
		struct sbuf sb = SBUF_INIT;
		struct drip_err e;
		struct ydoc doc;
		const struct ynode *v;

		sbuf_adds(&sb, "k: ");
		ydoc_quote(&sb, cases[i]);
		ok(strchr(sbuf_str(&sb), '\n') == NULL, "quote %zu stays on one line", i);
		sbuf_addc(&sb, '\n');
		if (!ok(ydoc_load(&a, "q.yaml", sb.buf, sb.len, &doc, &e) == 0, "quote %zu parses", i))
			printf("#   %s\n", e.msg);
		else {
			v = ydoc_get(doc.root, "k");
			is_str(v ? v->str : NULL, cases[i], "quote %zu reads back the same bytes", i);
		}
		sbuf_release(&sb);
		arena_release(&a);
	}
}

int
main(void)
{
	test_locations();
	test_utf8_ranges();
	test_crlf_bom_block();
	test_duplicates();
	test_anchors_aliases_tags();
	test_depth();
	test_size();
	test_syntax();
	test_empty();
	test_scalars();
	test_check_keys();
	test_quote();
	return tap_done();
}
