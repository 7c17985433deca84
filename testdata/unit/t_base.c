/*
 * t_base.c - the base layer: errors, suggestions, arenas, string buffers,
 * diagnostics and their renderings.
 */
#include <errno.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "err.h"
#include "sbuf.h"
#include "tap.h"

static void
test_err(void)
{
	struct drip_err e;
	char buf[256];

	err_clear(&e);
	is_int(err_set(&e, DRIP_EDATA, "a.yaml", 3, 7, "bad %s", "thing"), -1, "err_set returns -1");
	is_int(e.code, 65, "code kept");
	is_str(err_str(&e, buf, sizeof buf), "a.yaml:3:7: bad thing", "file:line:col: msg");
	err_set(&e, DRIP_EDATA, "a.csv", 4, 0, "short row");
	is_str(err_str(&e, buf, sizeof buf), "a.csv:4: short row", "no column");
	err_set(&e, DRIP_ENOINPUT, "x", 0, 0, "missing");
	is_str(err_str(&e, buf, sizeof buf), "x: missing", "no line");
	err_set(&e, DRIP_EUSAGE, NULL, 0, 0, "plain");
	is_str(err_str(&e, buf, sizeof buf), "plain", "no file");
	errno = ENOENT;
	err_sys(&e, DRIP_ENOINPUT, "f", "cannot open '%s'", "f");
	is_str(e.msg, "cannot open 'f': No such file or directory", "err_sys appends strerror");
	is_int(e.code, 66, "err_sys code");
	err_set(&e, 1, NULL, 0, 0, "%0900d%0900d", 1, 2);
	is_int((long long)strlen(e.msg), (long long)sizeof e.msg - 1, "long messages are truncated, not overflowed");
}

static void
test_suggest(void)
{
	static const char *const keys[] = { "send_window", "steps", "timezone", "email", "open", NULL };
	static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	char msg[128];

	is_str(suggest("sned_window", keys, 6), "send_window", "transposition in a long word");
	is_str(suggest("emial", keys, 6), "email", "adjacent transposition counts as one edit");
	is_str(suggest("opne", keys, 6), "open", "short word transposition");
	is_str(suggest("stpes", keys, 6), "steps", "steps");
	is_str(suggest("timezon", keys, 6), "timezone", "deletion");
	ok(suggest("xyz", keys, 6) == NULL, "nothing close: no suggestion");
	ok(suggest("steps", keys, 6) == NULL, "the word itself is not suggested");
	is_str(suggest("tues", days, 7), "tue", "tues -> tue");
	ok(suggest(NULL, keys, 6) == NULL, "NULL word");
	strcpy(msg, "unknown key \"stpes\"");
	suggest_append(msg, sizeof msg, "stpes", keys, 6);
	is_str(msg, "unknown key \"stpes\" (did you mean \"steps\"?)", "suggest_append");
	strcpy(msg, "unknown key \"zzz\"");
	suggest_append(msg, sizeof msg, "zzz", keys, 6);
	is_str(msg, "unknown key \"zzz\"", "no suggestion appended when none is close");
}

static void
test_arena_sbuf(void)
{
	struct arena a = ARENA_INIT;
	struct sbuf sb = SBUF_INIT;
	char *big, *p;
	int *v = NULL;
	size_t i, len;

	is_str(arena_strdup(&a, "abc"), "abc", "strdup");
	is_str(arena_strndup(&a, "abcdef", 3), "abc", "strndup");
	is_str(arena_printf(&a, "%d-%s", 42, "x"), "42-x", "printf");
	big = arena_alloc(&a, 200000);
	ok(big != NULL && big[0] == 0 && big[199999] == 0, "large allocation, zeroed");
	for (i = 0; i < 1000; i++) {
		v = arena_grow(&a, v, i, i + 1, sizeof *v);
		v[i] = (int)i;
	}
	ok(v[0] == 0 && v[999] == 999, "arena_grow keeps contents");
	ok(((uintptr_t)arena_alloc(&a, 3) % _Alignof(max_align_t)) == 0, "aligned");
	arena_release(&a);
	ok(a.head == NULL, "released");

	is_str(sbuf_str(&sb), "", "empty sbuf is \"\"");
	sbuf_adds(&sb, "ab");
	sbuf_addc(&sb, 'c');
	sbuf_printf(&sb, "%05d", 7);
	sbuf_add(&sb, "\0z", 2);
	is_int(sb.len, 10, "length counts embedded NUL");
	ok(memcmp(sb.buf, "abc00007\0z", 10) == 0, "contents");
	sbuf_reset(&sb);
	is_str(sbuf_str(&sb), "", "reset");
	for (i = 0; i < 10000; i++)
		sbuf_adds(&sb, "0123456789");
	is_int(sb.len, 100000, "grows");
	p = sbuf_detach(&sb, &len);
	is_int(len, 100000, "detach length");
	ok(sb.buf == NULL && sb.len == 0, "detach empties");
	free(p);
	sbuf_release(&sb);
}

static void
test_diag(void)
{
	struct arena a = ARENA_INIT;
	struct sbuf out = SBUF_INIT;
	struct diags d;

	diag_init(&d, &a);
	diag_add(&d, DIAG_WARNING, "b.yaml", 2, 1, "later file");
	diag_add(&d, DIAG_ERROR, "a.yaml", 9, 3, "second");
	diag_add(&d, DIAG_ERROR, "a.yaml", 2, 5, "first, with 100%% and a: colon");
	diag_add(&d, DIAG_ERROR, "a.yaml", 9, 3, "second");
	diag_sort(&d);
	is_int(d.n, 3, "exact repeats are dropped");
	is_int(d.nerr, 2, "error count after dedup");
	is_int(d.nwarn, 1, "warning count");
	diag_render(&d, DIAG_TEXT, &out);
	is_str(sbuf_str(&out),
	       "a.yaml:2:5: error: first, with 100% and a: colon\n"
	       "a.yaml:9:3: error: second\n"
	       "b.yaml:2:1: warning: later file\n", "text: sorted by file, line, column");
	sbuf_reset(&out);
	diag_render(&d, DIAG_GITHUB, &out);
	like(sbuf_str(&out), "::error file=a.yaml,line=2,col=5::first, with 100%25 and a: colon\n",
	     "github: message escaped");
	like(sbuf_str(&out), "::warning file=b.yaml,line=2,col=1::later file\n", "github warning");
	sbuf_reset(&out);
	diag_render(&d, DIAG_JSON, &out);
	like(sbuf_str(&out), "{\"file\":\"a.yaml\",\"line\":2,\"col\":5,\"severity\":\"error\",", "json");
	sbuf_release(&out);
	arena_release(&a);
}

int
main(void)
{
	test_err();
	test_suggest();
	test_arena_sbuf();
	test_diag();
	return tap_done();
}
