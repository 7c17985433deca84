/*
 * t_yedit.c - editing YAML text in place: each operation on block and
 * flow layouts, with every byte outside the changed node kept (comments,
 * blank lines, CRLF, a missing final line break), and the layouts it
 * refuses named with their location.
 */
#include <string.h>

#include "arena.h"
#include "err.h"
#include "sbuf.h"
#include "tap.h"
#include "ydoc.h"
#include "yedit.h"

static struct arena A = ARENA_INIT;

/* One edit in progress: the document and its editor. */
struct ed {
	struct ydoc d;
	struct yedit_ctx y;
	struct drip_err e;
};

static int
start(struct ed *x, const char *src)
{
	err_clear(&x->e);
	if (ydoc_load(&A, "t.yaml", src, strlen(src), &x->d, &x->e) < 0) {
		ok(0, "load: %s", x->e.msg);
		return -1;
	}
	yedit_init(&x->y, &A, &x->d);
	return 0;
}

/* The edited text, checked to be YAML still; NULL when it is not. */
static const char *
result(struct ed *x)
{
	struct sbuf out = SBUF_INIT;
	struct ydoc back;
	struct drip_err e;
	const char *s;

	if (yedit_apply(&x->y, &out, &e) < 0) {
		sbuf_release(&out);
		return "(apply failed)";
	}
	s = arena_strndup(&A, sbuf_str(&out), out.len);
	sbuf_release(&out);
	if (ydoc_load(&A, "t.yaml", s, strlen(s), &back, &e) < 0)
		return arena_printf(&A, "(does not parse: %s)\n%s", e.msg, s);
	return s;
}

/* The value of key k in the root mapping. */
static const struct ynode *
key(const struct ed *x, const char *k)
{
	return ydoc_get(x->d.root, k);
}

/* Expect a refusal rc at line:col whose message contains want. */
static void
is_refused(int rc, int want_rc, const struct drip_err *e, int line, int col,
	   const char *want, const char *name)
{
	is_int(rc, want_rc, "%s: refused", name);
	is_int(e->code, DRIP_EDATA, "%s: code", name);
	is_str(e->file, "t.yaml", "%s: file", name);
	is_int(e->line, line, "%s: line", name);
	is_int(e->col, col, "%s: col", name);
	like(e->msg, want, "%s: message", name);
	like(e->msg, "edit t.yaml by hand", "%s: says what to do", name);
}

static void
test_scalars_and_style(void)
{
	struct sbuf sb = SBUF_INIT;
	struct ed x;

	ok(yedit_plain_ok("templates/x.eml"), "a path is plain");
	ok(yedit_plain_ok("cold-lead_2"), "a tag is plain");
	ok(!yedit_plain_ok("no"), "'no' is not plain (a boolean to YAML 1.1)");
	ok(!yedit_plain_ok("Null"), "'Null' is not plain");
	ok(!yedit_plain_ok("01234"), "a number is not plain");
	ok(!yedit_plain_ok("a: b"), "': ' is not plain");
	ok(!yedit_plain_ok("#x"), "a leading '#' is not plain");
	ok(!yedit_plain_ok(""), "the empty string is not plain");
	yedit_put_scalar(&sb, "say \"hi\"\n");
	is_str(sbuf_str(&sb), "\"say \\\"hi\\\"\\n\"", "put_scalar quotes what needs it");
	sbuf_reset(&sb);
	yedit_put_scalar(&sb, "cold");
	is_str(sbuf_str(&sb), "cold", "put_scalar leaves a plain word plain");
	sbuf_release(&sb);

	if (start(&x, "a: 1\r\nb: [x]\r\nc:\r\n  - y\r\n") == 0) {
		is_str(yedit_eol(&x.d), "\r\n", "CRLF is learnt from the first line");
		is_str(x.y.eol, "\r\n", "and the editor uses it");
		ok(yedit_is_flow(&x.d, key(&x, "b")), "[x] is flow");
		ok(!yedit_is_flow(&x.d, key(&x, "c")), "a block list is not");
		ok(!yedit_is_flow(&x.d, key(&x, "a")), "a scalar is not");
		is_int(yedit_list_offset(&x.d, x.d.root->pairs[2].key, key(&x, "c")), 2,
		       "a list indented by 2");
		is_int(yedit_list_offset(&x.d, x.d.root->pairs[1].key, key(&x, "b")), 2,
		       "a flow list gives the default");
	}
	if (start(&x, "steps:\n- id: a\n") == 0) {
		is_str(yedit_eol(&x.d), "\n", "LF");
		is_int(yedit_list_offset(&x.d, x.d.root->pairs[0].key, key(&x, "steps")), 0,
		       "an indentless list");
	}
	if (start(&x, "steps:\n    - id: a\n") == 0)
		is_int(yedit_list_offset(&x.d, x.d.root->pairs[0].key, key(&x, "steps")), 4,
		       "a list indented by 4");
}

static void
test_reindent(void)
{
	struct sbuf sb = SBUF_INIT;
	const char *src = "id: x\r\n    on: enter\r\n      \r\n    actions:\r\n      - archive";

	yedit_reindent(&sb, src, strlen(src), 4);
	is_str(sbuf_str(&sb), "id: x\non: enter\n\nactions:\n  - archive\n",
	       "reindent: base removed, blank lines emptied, CR dropped, last line ended");
	sbuf_release(&sb);
}

static void
test_append_block(void)
{
	struct ed x;
	int rc;

	/* A list with comments everywhere and a block scalar at its end,
	 * whose trailing blank line stays between the list and what follows. */
	if (start(&x, "# top\nk:   # the list\n  - a   # first\n  # between\n  - |\n"
		  "    text\n\nnext: 1  # after\n") == 0) {
		rc = yedit_append(&x.y, x.d.root, "k", "b\n", "b", &x.e);
		is_int(rc, 0, "append to a block list");
		is_str(result(&x), "# top\nk:   # the list\n  - a   # first\n  # between\n"
		       "  - |\n    text\n  - b\n\nnext: 1  # after\n",
		       "block list: new item after the block scalar, the blank line kept");
	}
	/* A mapping item: its content column is kept. */
	if (start(&x, "k:\n  -   id: a\n      on: enter\n") == 0) {
		yedit_append(&x.y, x.d.root, "k", "id: b\non: x\n", NULL, &x.e);
		is_str(result(&x), "k:\n  -   id: a\n      on: enter\n  -   id: b\n      on: x\n",
		       "block list: the items' content column is followed");
	}
	/* The key is absent: added after the last key, at the mapping's column. */
	if (start(&x, "steps:\n  - id: a\n    wait: 1d\n  # end of steps\n") == 0) {
		x.y.off = 2;
		yedit_append(&x.y, x.d.root->pairs[0].val->items[0], "autos", "id: z\n", NULL,
			     &x.e);
		is_str(result(&x), "steps:\n  - id: a\n    wait: 1d\n    autos:\n      - id: z\n"
		       "  # end of steps\n", "absent key: added with the list under it");
	}
	/* Placeholders become a block list; a comment after them stays. */
	if (start(&x, "a: 1\nk: ~   # none yet\nb: 2\n") == 0) {
		yedit_append(&x.y, x.d.root, "k", "x\n", "x", &x.e);
		is_str(result(&x), "a: 1\nk:   # none yet\n  - x\nb: 2\n", "k: ~ becomes a list");
	}
	if (start(&x, "k: []\n") == 0) {
		yedit_append(&x.y, x.d.root, "k", "x\n", "x", &x.e);
		is_str(result(&x), "k:\n  - x\n", "k: [] becomes a block list");
	}
	if (start(&x, "k:\nb: 2\n") == 0) {
		yedit_append(&x.y, x.d.root, "k", "x\n", NULL, &x.e);
		is_str(result(&x), "k:\n  - x\nb: 2\n", "an empty k: becomes a list");
	}
	/* An indentless list, and the offset learnt from it. */
	if (start(&x, "k:\n- a\nm:\n  n: 1\n") == 0) {
		x.y.off = yedit_list_offset(&x.d, x.d.root->pairs[0].key, key(&x, "k"));
		yedit_append(&x.y, x.d.root, "k", "b\n", NULL, &x.e);
		yedit_append(&x.y, key(&x, "m"), "l", "c\n", NULL, &x.e);
		is_str(result(&x), "k:\n- a\n- b\nm:\n  n: 1\n  l:\n  - c\n",
		       "indentless: the new item and a new list follow the file");
	}
}

static void
test_append_flow(void)
{
	struct ed x;
	int rc;

	if (start(&x, "k: [a, b]  # two\n") == 0) {
		yedit_append(&x.y, x.d.root, "k", "c\n", "c", &x.e);
		is_str(result(&x), "k: [a, b, c]  # two\n", "flow list: item appended");
	}
	if (start(&x, "s: {id: a, wait: 1d}\n") == 0) {
		yedit_append(&x.y, key(&x, "s"), "k", NULL, "{id: z}", &x.e);
		is_str(result(&x), "s: {id: a, wait: 1d, k: [{id: z}]}\n",
		       "flow mapping: key added with a flow list");
	}
	if (start(&x, "s: {id: a, k: ~}\n") == 0) {
		yedit_append(&x.y, key(&x, "s"), "k", NULL, "x", &x.e);
		is_str(result(&x), "s: {id: a, k: [x]}\n", "flow mapping: a null gets a list");
	}
	if (start(&x, "s: {id: a, k: }\n") == 0) {
		yedit_append(&x.y, key(&x, "s"), "k", NULL, "x", &x.e);
		is_str(result(&x), "s: {id: a, k: [x]}\n", "flow mapping: an empty value too");
	}
	if (start(&x, "s: {}\n") == 0) {
		yedit_append(&x.y, key(&x, "s"), "k", NULL, "x", &x.e);
		is_str(result(&x), "s: {k: [x]}\n", "an empty flow mapping");
	}
	if (start(&x, "a: 1\ns: {id: a}\n") == 0) {
		rc = yedit_append(&x.y, key(&x, "s"), "k", "x\n", NULL, &x.e);
		is_refused(rc, YEDIT_EFLOWMAP, &x.e, 2, 4, "flow style ({...})",
			   "flow mapping without flow text");
		is_int(x.y.n, 0, "nothing planned");
	}
	if (start(&x, "a: 1\nk:\n  [x, y]\n") == 0) {
		rc = yedit_append(&x.y, x.d.root, "k", "z\n", NULL, &x.e);
		is_refused(rc, YEDIT_EFLOWLIST, &x.e, 3, 3, "flow style ([...])",
			   "flow list without flow text");
	}
	if (start(&x, "a: 1\nk: text\n") == 0) {
		rc = yedit_append(&x.y, x.d.root, "k", "z\n", "z", &x.e);
		is_refused(rc, -1, &x.e, 2, 4, "\"k\" must be a list", "a scalar is not a list");
	}
	if (start(&x, "- a\n") == 0) {
		rc = yedit_append(&x.y, x.d.root, "k", "z\n", "z", &x.e);
		is_refused(rc, -1, &x.e, 1, 1, "expected a mapping here, not a list",
			   "a list is not a mapping");
	}
}

static void
test_crlf_and_final_line(void)
{
	struct ed x;
	const char *src = "k:\r\n  - a\r\n  - b";
	const char *added;

	if (start(&x, "k:\r\n  - a  # c\r\n\r\nz: 1\r\n") == 0) {
		yedit_append(&x.y, x.d.root, "k", "id: b\non: x\n", NULL, &x.e);
		is_str(result(&x), "k:\r\n  - a  # c\r\n  - id: b\r\n    on: x\r\n\r\nz: 1\r\n",
		       "CRLF: new lines end as the file's do");
	}
	/* No final line break: append then remove gives back the bytes. */
	if (start(&x, src) == 0) {
		yedit_append(&x.y, x.d.root, "k", "c\n", NULL, &x.e);
		added = result(&x);
		is_str(added, "k:\r\n  - a\r\n  - b\r\n  - c", "no final line break: still none");
		if (start(&x, added) == 0) {
			yedit_remove(&x.y, x.d.root, "k", 2, &x.e);
			is_str(result(&x), src, "and removing the item gives back the same bytes");
		}
	}
	if (start(&x, "a: 1\nk:\n  - x") == 0) {
		yedit_remove(&x.y, x.d.root, "k", 0, &x.e);
		is_str(result(&x), "a: 1", "the only item at the end of the file: key gone too");
	}
}

static void
test_insert(void)
{
	struct ed x;
	int rc;

	if (start(&x, "k:\n  # one\n  - a\n  # two\n  - b\n") == 0) {
		rc = yedit_insert(&x.y, key(&x, "k"), 1, 0, "x\n", NULL, &x.e);
		is_int(rc, 0, "insert before");
		yedit_insert(&x.y, key(&x, "k"), 0, 1, "y\n", NULL, &x.e);
		is_str(result(&x), "k:\n  # one\n  - a\n  - y\n  # two\n  - x\n  - b\n",
		       "block: before item 2 and after item 1, comments in place");
	}
	if (start(&x, "k: [a, b]\n") == 0) {
		yedit_insert(&x.y, key(&x, "k"), 0, 0, "x\n", "x", &x.e);
		yedit_insert(&x.y, key(&x, "k"), 0, 1, "y\n", "y", &x.e);
		is_str(result(&x), "k: [x, a, y, b]\n", "flow: before and after item 1");
	}
	if (start(&x, "k:\n- a\n-   # odd\n  b\n") == 0) {
		rc = yedit_insert(&x.y, key(&x, "k"), 1, 0, "x\n", NULL, &x.e);
		is_refused(rc, -1, &x.e, 4, 3, "cannot find the \"-\" of this item",
			   "insert before an item whose dash has a comment after it");
	}
	if (start(&x, "k: [a]\n") == 0) {
		rc = yedit_insert(&x.y, key(&x, "k"), 0, 1, "x\n", NULL, &x.e);
		is_refused(rc, YEDIT_EFLOWLIST, &x.e, 1, 4, "flow style",
			   "flow list, no flow text");
		rc = yedit_insert(&x.y, key(&x, "k"), 3, 1, "x\n", "x", &x.e);
		is_refused(rc, -1, &x.e, 1, 4, "there is no item 4", "an item out of range");
	}
}

static void
test_remove(void)
{
	struct ed x;
	int rc;

	if (start(&x, "k:\n  - a  # first\n  - id: b\n    on: |\n      text\n\n  - c\nz: 1\n")
	    == 0) {
		rc = yedit_remove(&x.y, x.d.root, "k", 1, &x.e);
		is_int(rc, 0, "remove from a block list");
		is_str(result(&x), "k:\n  - a  # first\n\n  - c\nz: 1\n",
		       "block: the item's lines go, the blank line after its block scalar stays");
	}
	if (start(&x, "a: 1\nk:   # note\n  - x\n# after\nb: 2\n") == 0) {
		yedit_remove(&x.y, x.d.root, "k", 0, &x.e);
		is_str(result(&x), "a: 1\n# after\nb: 2\n", "the only item: the key goes too");
	}
	if (start(&x, "- k:\n  - x\n  id: a\n") == 0) {
		yedit_remove(&x.y, x.d.root->items[0], "k", 0, &x.e);
		is_str(result(&x), "- id: a\n",
		       "the only item of the first key: what follows moves up");
	}
	if (start(&x, "k: [a, b, c]\n") == 0) {
		yedit_remove(&x.y, x.d.root, "k", 0, &x.e);
		is_str(result(&x), "k: [b, c]\n", "flow: the first item");
	}
	if (start(&x, "k: [a, b, c]\n") == 0) {
		yedit_remove(&x.y, x.d.root, "k", 2, &x.e);
		is_str(result(&x), "k: [a, b]\n", "flow: the last item");
	}
	if (start(&x, "s: {id: a, k: [x]}\n") == 0) {
		yedit_remove(&x.y, key(&x, "s"), "k", 0, &x.e);
		is_str(result(&x), "s: {id: a}\n", "flow mapping: the only item and its key");
	}
	if (start(&x, "k:\n- a\n-  # note\n  b\n") == 0) {
		rc = yedit_remove(&x.y, x.d.root, "k", 1, &x.e);
		is_refused(rc, -1, &x.e, 4, 3, "cannot find the \"-\" of this item",
			   "a comment between the dash and its item");
	}
	if (start(&x, "k:\n- a\n") == 0) {
		x.y.noun = "automation";
		rc = yedit_remove(&x.y, x.d.root, "k", 1, &x.e);
		is_refused(rc, -1, &x.e, 2, 1, "no automation 2", "an index out of range, in the "
			   "caller's word");
		rc = yedit_remove(&x.y, x.d.root, "nope", 0, &x.e);
		is_refused(rc, -1, &x.e, 1, 1, "there is no \"nope\"", "a key that is absent");
	}
}

static void
test_set(void)
{
	struct ed x;
	int rc;

	if (start(&x, "a: 'old'   # keep\nb: {x: 1}\nc:\n  - 1\n  - 2\n# tail\nd: |\n  t\n\n"
		  "e:\n") == 0) {
		yedit_set(&x.y, x.d.root, "a", "new", &x.e);
		yedit_set(&x.y, x.d.root, "b", "[y]", &x.e);
		yedit_set(&x.y, x.d.root, "c", "3", &x.e);
		yedit_set(&x.y, x.d.root, "d", "u", &x.e);
		yedit_set(&x.y, x.d.root, "e", "5", &x.e);
		yedit_set(&x.y, x.d.root, "f", "\"six 6\"", &x.e);
		is_str(result(&x), "a: new   # keep\nb: [y]\nc: 3\n# tail\nd: u\n\ne: 5\n"
		       "f: \"six 6\"\n", "set: a scalar, a flow value, a block list, a block "
		       "scalar, an empty value, a new key");
	}
	if (start(&x, "s: {a: 1, b: }\r\n") == 0) {
		yedit_set(&x.y, key(&x, "s"), "a", "2", &x.e);
		yedit_set(&x.y, key(&x, "s"), "b", "3", &x.e);
		yedit_set(&x.y, key(&x, "s"), "c", "4", &x.e);
		is_str(result(&x), "s: {a: 2, b: 3, c: 4}\r\n", "set in a flow mapping");
	}
	if (start(&x, "g:   # empty\nh: 1\n") == 0) {
		yedit_set(&x.y, x.d.root, "g", "7", &x.e);
		is_str(result(&x), "g: 7   # empty\nh: 1\n",
		       "an empty value with a comment after it");
	}
	if (start(&x, "a: 1\r\nb: 2") == 0) {
		yedit_set(&x.y, x.d.root, "c", "3", &x.e);
		is_str(result(&x), "a: 1\r\nb: 2\r\nc: 3", "a new key at the end, CRLF, no final "
		       "line break");
	}
	if (start(&x, "id: a\ntype: email   # mail\n# its automations\nautomations:\n  - {id: x}\n"
		  "more:\n  k: v\n") == 0) {
		yedit_set(&x.y, x.d.root, "name", "N", &x.e);
		is_str(result(&x), "id: a\ntype: email   # mail\nname: N\n# its automations\n"
		       "automations:\n  - {id: x}\nmore:\n  k: v\n",
		       "a new key before trailing block collections and their comment");
	}
	if (start(&x, "list:\n  - 1\nmap:\n  k: v\n") == 0) {
		yedit_set(&x.y, x.d.root, "z", "1", &x.e);
		is_str(result(&x), "list:\n  - 1\nmap:\n  k: v\nz: 1\n",
		       "every value a block collection: a new key at the end");
	}
	if (start(&x, "a:\n  - 1\nb: 2\n") == 0) {
		yedit_set(&x.y, x.d.root, "c", "3", &x.e);
		is_str(result(&x), "a:\n  - 1\nb: 2\nc: 3\n", "a scalar last: a new key at the end");
	}
	if (start(&x, "a: 1\n") == 0) {
		rc = yedit_set(&x.y, x.d.root, "a", "x\ny", &x.e);
		is_refused(rc, -1, &x.e, 1, 1, "must be one line", "a value of two lines");
	}
}

static void
test_apply(void)
{
	struct sbuf out = SBUF_INIT;
	struct ed x;
	int rc;

	if (start(&x, "abcdef\n") == 0) {
		yedit_add(&x.y, 4, 5, "E");
		yedit_add(&x.y, 1, 2, "B");
		yedit_add(&x.y, 1, 1, "<");
		yedit_add(&x.y, 1, 1, ">");
		rc = yedit_apply(&x.y, &out, &x.e);
		is_int(rc, 0, "edits out of order are sorted");
		is_str(sbuf_str(&out), "a<>BcdEf\n",
		       "and insertions at one place keep their order");
		sbuf_reset(&out);
		yedit_add(&x.y, 3, 5, "");
		rc = yedit_apply(&x.y, &out, &x.e);
		is_int(rc, -1, "overlapping edits are refused");
		like(x.e.msg, "overlapping", "and say so");
	}
	sbuf_release(&out);
}


/* yedit_copy, yedit_move, yedit_remove_item and yedit_unset. */
static void
test_copy_move_unset(void)
{
	static const char blk[] =
		"l:\n"
		"- a: 1   # one\n"
		"\n"
		"- a: 2\n"
		"  b: x   # two\n"
		"\n"
		"- a: 3\n";
	struct ed x;
	struct yedit sub;
	const struct ynode *l;
	int rc;

	if (start(&x, blk) < 0)
		return;
	l = key(&x, "l");
	sub.start = l->items[1]->pairs[0].val->start;
	sub.end = l->items[1]->pairs[0].val->end;
	sub.text = "9";
	ok(yedit_copy(&x.y, l, 1, 1, 1, &sub, 1, &x.e) == 0, "copy after itself");
	is_str(result(&x), "l:\n- a: 1   # one\n\n- a: 2\n  b: x   # two\n\n- a: 9\n"
	       "  b: x   # two\n\n- a: 3\n", "copy: the gap before it, the replacement, "
	       "the original as it was");

	start(&x, blk);
	l = key(&x, "l");
	ok(yedit_move(&x.y, l, 2, 0, 0, &x.e) == 0, "move the last item first");
	is_str(result(&x), "l:\n- a: 3\n\n- a: 1   # one\n\n- a: 2\n  b: x   # two\n",
	       "move before: the item, then its gap");
	start(&x, blk);
	l = key(&x, "l");
	ok(yedit_move(&x.y, l, 0, 1, 1, &x.e) == 0, "move the first item after the second");
	is_str(result(&x), "l:\n\n- a: 2\n  b: x   # two\n- a: 1   # one\n\n- a: 3\n",
	       "the first item has no gap of its own");
	start(&x, blk);
	l = key(&x, "l");
	rc = yedit_move(&x.y, l, 1, 1, 1, &x.e);
	is_int(rc, -1, "move next to itself is refused");

	start(&x, blk);
	ok(yedit_remove_item(&x.y, key(&x, "l"), 1, &x.e) == 0, "remove_item");
	is_str(result(&x), "l:\n- a: 1   # one\n\n- a: 3\n", "with the gap before it");

	start(&x, "l: [a, {b: 1}, c]   # flow\n");
	l = key(&x, "l");
	ok(yedit_move(&x.y, l, 0, 2, 1, &x.e) == 0, "move in a flow list");
	is_str(result(&x), "l: [{b: 1}, c, a]   # flow\n", "flow move");
	start(&x, "l: [a, {b: 1}, c]   # flow\n");
	l = key(&x, "l");
	ok(yedit_copy(&x.y, l, 1, 0, 0, NULL, 0, &x.e) == 0, "copy in a flow list");
	is_str(result(&x), "l: [{b: 1}, a, {b: 1}, c]   # flow\n", "flow copy before");

	start(&x, "m:\n  a: 1   # one\n  b: |\n    text\n\n  c: 3\r\n");
	ok(yedit_unset(&x.y, key(&x, "m"), "b", &x.e) == 0, "unset a block scalar");
	is_str(result(&x), "m:\n  a: 1   # one\n\n  c: 3\r\n", "its lines go, the blank "
	       "line after it stays");
	start(&x, "m: {a: 1, b: 2, c: 3}\n");
	ok(yedit_unset(&x.y, key(&x, "m"), "b", &x.e) == 0 &&
	   yedit_unset(&x.y, key(&x, "m"), "zz", &x.e) == 0, "unset in flow; absent is nothing");
	is_str(result(&x), "m: {a: 1, c: 3}\n", "flow unset");
	start(&x, "m: {a: 1}\n");
	rc = yedit_unset(&x.y, key(&x, "m"), "a", &x.e);
	is_refused(rc, -1, &x.e, 1, 5, "the only key", "unset the only key");
	start(&x, "m:\n  a: 1\n  b: 2");
	ok(yedit_unset(&x.y, key(&x, "m"), "b", &x.e) == 0, "unset the last key of the file");
	is_str(result(&x), "m:\n  a: 1", "no final line break stays none");
}

int
main(void)
{
	test_scalars_and_style();
	test_reindent();
	test_append_block();
	test_append_flow();
	test_crlf_and_final_line();
	test_insert();
	test_remove();
	test_set();
	test_apply();
	test_copy_move_unset();
	arena_release(&A);
	return tap_done();
}
