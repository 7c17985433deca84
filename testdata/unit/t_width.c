/*
 * t_width.c - display width (formats/width.c) and report tables
 * (formats/rtab.c): text alignment and fitting, JSON types, HTML and Markdown
 * escaping.
 */
#include "tap.h"

#include "arena.h"
#include "rtab.h"
#include "sbuf.h"
#include "width.h"

static void
check_clean(const char *in, size_t max, const char *want, size_t want_w, const char *name)
{
	struct sbuf sb = SBUF_INIT;
	size_t w = width_clean(&sb, in, max);

	is_str(sbuf_str(&sb), want, "width_clean %s", name);
	is_int(w, want_w, "width_clean %s: columns", name);
	is_int(width_clean(NULL, in, max), want_w, "width_clean %s: measured alone", name);
	sbuf_release(&sb);
}

static void
test_width(void)
{
	is_int(width_cp('a'), 1, "ASCII letter: 1");
	is_int(width_cp('\n'), 0, "control: 0");
	is_int(width_cp(0x00E9), 1, "e acute: 1");
	is_int(width_cp(0x0301), 0, "combining acute: 0");
	is_int(width_cp(0x200D), 0, "zero-width joiner: 0");
	is_int(width_cp(0xFE0F), 0, "variation selector 16: 0");
	is_int(width_cp(0x674E), 2, "CJK ideograph: 2");
	is_int(width_cp(0xAC00), 2, "Hangul syllable: 2");
	is_int(width_cp(0xFF21), 2, "fullwidth A: 2");
	is_int(width_cp(0x1F389), 2, "party popper emoji: 2");
	is_int(width_cp(0x2728), 2, "sparkles: 2");
	is_int(width_cp(0x2713), 1, "check mark (text presentation): 1");
	is_int(width_cp(0x0416), 1, "Cyrillic: 1");
	is_int(width_cp(0x20000), 2, "CJK extension B: 2");

	is_int(width_str("abc"), 3, "width_str ASCII");
	is_int(width_str("Zo\xc3\xab"), 3, "width_str precomposed accent");
	is_int(width_str("Zoe\xcc\x88"), 3, "width_str combining accent");
	is_int(width_str("\xe6\x9d\x8e\xe9\x9b\xb7"), 4, "width_str two ideographs");
	is_int(width_str("\xf0\x9f\x8e\x89 Dee"), 6, "width_str emoji and text");
	is_int(width_str("\xff"), 1, "width_str invalid byte: one replacement character");
	is_int(width_str(""), 0, "width_str empty");

	check_clean("plain", 0, "plain", 5, "unchanged");
	check_clean("a\nb\tc\rd", 0, "a\\nb\\tc\\rd", 10, "newline, tab, CR escaped");
	check_clean("x\033[31m", 0, "x\\x1b[31m", 9, "ESC escaped");
	check_clean("\xff!", 0, "\xef\xbf\xbd!", 2, "invalid byte becomes U+FFFD");
	check_clean("abcdefgh", 5, "abcd\xe2\x80\xa6", 5, "cut with an ellipsis");
	check_clean("abcde", 5, "abcde", 5, "exactly fits: not cut");
	check_clean("\xe6\x9d\x8e\xe9\x9b\xb7\xe6\x9d\x8e", 4, "\xe6\x9d\x8e\xe2\x80\xa6", 3,
		    "a wide character never split nor overflowing");
	check_clean("a\nbcdef", 4, "a\\n\xe2\x80\xa6", 4, "escapes count when cutting");
}

static struct rtab *
sample(struct arena *a, struct rtab_doc *d)
{
	static const char *const cols[] = { "name", "n", "note", NULL };
	struct rtab *t;
	const char **r;

	memset(d, 0, sizeof *d);
	d->kind = "test";
	d->title = "Test <&>";
	d->now = "2026-11-06T09:00:00Z";
	t = rtab_add(a, d, "things", "Things", cols);
	rtab_numeric(t, 1);
	r = rtab_row(a, t);
	r[0] = "\xe6\x9d\x8e\xe9\x9b\xb7";
	r[1] = "7";
	r[2] = "wide";
	r = rtab_row(a, t);
	r[0] = "Zo\xc3\xab";
	r[1] = "12";
	r[2] = "";
	r = rtab_row(a, t);
	r[0] = "x";
	r[1] = "";
	r[2] = "a long note that will not fit";
	return t;
}

static void
test_text(void)
{
	struct arena a = { 0 };
	struct rtab_doc d;
	struct rtab_style st = { 0, 0, 0 };
	struct sbuf sb = SBUF_INIT;
	struct rtab *t = sample(&a, &d);

	rtab_text(&sb, &d, &st);
	is_str(sbuf_str(&sb),
	       "name   n  note\n"
	       "\xe6\x9d\x8e\xe9\x9b\xb7   7  wide\n"
	       "Zo\xc3\xab   12\n"
	       "x         a long note that will not fit\n",
	       "text: aligned by display width, numbers right, no trailing spaces");
	sbuf_reset(&sb);
	st.width = 20;
	rtab_text(&sb, &d, &st);
	is_str(sbuf_str(&sb),
	       "name   n  note\n"
	       "\xe6\x9d\x8e\xe9\x9b\xb7   7  wide\n"
	       "Zo\xc3\xab   12\n"
	       "x         a long no\xe2\x80\xa6\n",
	       "text: fitted to 20 columns by cutting the widest text column");
	sbuf_reset(&sb);
	st.width = 0;
	st.titles = 1;
	st.colour = 1;
	rtab_text(&sb, &d, &st);
	like(sbuf_str(&sb), "\033[1mThings\033[0m\n\033[1mname   n  note\033[0m\n",
	     "text: titles and bold headings in colour");
	sbuf_reset(&sb);
	t->nrows = 0;
	st.colour = 0;
	rtab_text(&sb, &d, &st);
	is_str(sbuf_str(&sb), "Things\n(none)\n", "text: an empty section says (none)");
	sbuf_release(&sb);
	arena_release(&a);
}

static void
test_json_html(void)
{
	struct arena a = { 0 };
	struct rtab_doc d;
	struct sbuf sb = SBUF_INIT;
	struct rtab *t = sample(&a, &d);

	rtab_json(&sb, &d);
	like(sbuf_str(&sb), "\"report\": \"test\"", "json: the kind");
	like(sbuf_str(&sb), "\"n\": 7", "json: a numeric column is a number");
	like(sbuf_str(&sb), "\"n\": null", "json: an empty numeric cell is null");
	like(sbuf_str(&sb), "\"note\": \"\"", "json: an empty text cell is a string");
	sbuf_reset(&sb);
	t->cells[2] = "<b>&\"'";
	t->chart = RTAB_CHART_FUNNEL;
	t->value_col = 1;
	rtab_html(&sb, &d);
	like(sbuf_str(&sb), "<title>Test &lt;&amp;&gt;</title>", "html: the title escaped");
	like(sbuf_str(&sb), "<td>&lt;b&gt;&amp;&quot;&#39;</td>", "html: cells escaped");
	like(sbuf_str(&sb), "<svg class=\"chart\"", "html: the funnel chart");
	like(sbuf_str(&sb), "width=\"260\"", "html: the largest bar is full length");
	ok(strstr(sbuf_str(&sb), "<script") == NULL && strstr(sbuf_str(&sb), "href=") == NULL &&
	   strstr(sbuf_str(&sb), "src=") == NULL, "html: no script, no external reference");
	sbuf_release(&sb);
	arena_release(&a);
}

static void
test_markdown(void)
{
	struct arena a = { 0 };
	struct rtab_doc d;
	struct sbuf sb = SBUF_INIT;
	struct rtab *t = sample(&a, &d);

	d.subtitle = "at noon";
	t->cells[2] = "a | b\nc <img src=x> [l](u) *x*";
	rtab_markdown(&sb, &d);
	is_str(sbuf_str(&sb),
	       "## Test &lt;&amp;&gt;\n\nat noon\n\n### Things\n\n"
	       "| name | n | note |\n"
	       "| --- | ---: | --- |\n"
	       "| \xe6\x9d\x8e\xe9\x9b\xb7 | 7 | a \\| b<br>c &lt;img src=x&gt; \\[l\\](u) \\*x\\* |\n"
	       "| Zo\xc3\xab | 12 |  |\n"
	       "| x |  | a long note that will not fit |\n",
	       "markdown: headings, a table with numbers right-aligned, cells that cannot "
	       "break the table or add markup");
	sbuf_reset(&sb);
	t->nrows = 0;
	rtab_markdown(&sb, &d);
	like(sbuf_str(&sb), "### Things\n\n(none)\n", "markdown: an empty section says (none)");
	sbuf_release(&sb);
	arena_release(&a);
}

int
main(void)
{
	test_width();
	test_text();
	test_json_html();
	test_markdown();
	return tap_done();
}
