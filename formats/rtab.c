/*
 * rtab.c - report tables as text, JSON, HTML and Markdown (rtab.h).
 */
#include "rtab.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "html.h"
#include "json.h"
#include "sbuf.h"
#include "width.h"

/* A text column is never cut narrower than this. */
#define RTAB_MIN_COL 5

struct rtab *
rtab_add(struct arena *a, struct rtab_doc *d, const char *name, const char *title,
	 const char *const *cols)
{
	struct rtab *t;
	size_t n = 0, k;

	if (d->ntabs == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 8;

		d->tabs = arena_grow(a, d->tabs, d->ntabs, nc, sizeof *d->tabs);
		d->cap = nc;
	}
	t = &d->tabs[d->ntabs++];
	memset(t, 0, sizeof *t);
	while (cols[n])
		n++;
	t->name = name;
	t->title = title;
	t->ncols = n;
	t->cols = arena_alloc(a, (n ? n : 1) * sizeof *t->cols);
	for (k = 0; k < n; k++)
		t->cols[k] = arena_strdup(a, cols[k]);
	return t;
}

void
rtab_numeric(struct rtab *t, size_t k)
{
	if (k < sizeof t->numeric * 8)
		t->numeric |= 1UL << k;
}

static int
is_num(const struct rtab *t, size_t k)
{
	return k < sizeof t->numeric * 8 && (t->numeric >> k & 1);
}

const char **
rtab_row(struct arena *a, struct rtab *t)
{
	const char **row;
	size_t k;

	if (t->nrows == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 16;

		t->cells = arena_grow(a, t->cells, t->nrows * t->ncols, nc * t->ncols,
				      sizeof *t->cells);
		t->cap = nc;
	}
	row = &t->cells[t->nrows++ * t->ncols];
	for (k = 0; k < t->ncols; k++)
		row[k] = "";
	return row;
}

/* ---- text ---- */

static void
pad(struct sbuf *out, size_t n)
{
	while (n--)
		sbuf_addc(out, ' ');
}

static void
text_cell(struct sbuf *out, const char *v, size_t w, int right, int last)
{
	size_t used = width_clean(NULL, v, w);

	if (right)
		pad(out, w - used);
	width_clean(out, v, w);
	if (!right && !last)
		pad(out, w - used);
}

/* End a line without the padding of empty cells at its end. */
static void
end_line(struct sbuf *out)
{
	while (out->len && out->buf[out->len - 1] == ' ')
		out->len--;
	sbuf_addc(out, '\n');
}

static void
text_tab(struct sbuf *out, const struct rtab *t, const struct rtab_style *st)
{
	size_t *w, k, r, total;

	if (st->titles && t->title) {
		sbuf_adds(out, st->colour ? "\033[1m" : "");
		width_clean(out, t->title, st->width);
		sbuf_adds(out, st->colour ? "\033[0m\n" : "\n");
	}
	if (t->nrows == 0) {
		sbuf_adds(out, "(none)\n");
		return;
	}
	w = calloc(t->ncols ? t->ncols : 1, sizeof *w);
	if (w == NULL)
		abort();
	for (k = 0; k < t->ncols; k++) {
		w[k] = width_clean(NULL, t->cols[k], 0);
		for (r = 0; r < t->nrows; r++) {
			size_t cw = width_clean(NULL, t->cells[r * t->ncols + k], 0);

			if (cw > w[k])
				w[k] = cw;
		}
	}
	/* Fit the terminal: shrink the widest text column, again and again. */
	for (;;) {
		size_t widest = t->ncols;

		total = t->ncols ? 2 * (t->ncols - 1) : 0;
		for (k = 0; k < t->ncols; k++)
			total += w[k];
		if (st->width == 0 || total <= st->width)
			break;
		for (k = 0; k < t->ncols; k++)
			if (!is_num(t, k) && w[k] > RTAB_MIN_COL &&
			    (widest == t->ncols || w[k] > w[widest]))
				widest = k;
		if (widest == t->ncols)
			break;
		w[widest] -= total - st->width < w[widest] - RTAB_MIN_COL ?
			     total - st->width : w[widest] - RTAB_MIN_COL;
	}
	sbuf_adds(out, st->colour ? "\033[1m" : "");
	for (k = 0; k < t->ncols; k++) {
		text_cell(out, t->cols[k], w[k], is_num(t, k), k + 1 == t->ncols);
		if (k + 1 < t->ncols)
			sbuf_adds(out, "  ");
	}
	if (st->colour)
		sbuf_adds(out, "\033[0m");
	end_line(out);
	for (r = 0; r < t->nrows; r++) {
		for (k = 0; k < t->ncols; k++) {
			text_cell(out, t->cells[r * t->ncols + k], w[k], is_num(t, k),
				  k + 1 == t->ncols);
			if (k + 1 < t->ncols)
				sbuf_adds(out, "  ");
		}
		end_line(out);
	}
	free(w);
}

void
rtab_text(struct sbuf *out, const struct rtab_doc *d, const struct rtab_style *st)
{
	size_t i;

	for (i = 0; i < d->ntabs; i++) {
		if (i)
			sbuf_addc(out, '\n');
		text_tab(out, &d->tabs[i], st);
	}
}

/* ---- JSON ---- */

/* An integer cell as a number; anything else stays a string. */
static void
json_cell(struct json *j, const struct rtab *t, size_t k, const char *v)
{
	char *end;
	long long n;

	if (is_num(t, k)) {
		if (*v == '\0') {
			json_null(j);
			return;
		}
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno == 0 && *end == '\0') {
			json_int(j, (int64_t)n);
			return;
		}
	}
	json_str(j, v);
}

void
rtab_json(struct sbuf *out, const struct rtab_doc *d)
{
	struct json j;
	size_t i, r, k;

	json_init(&j, out, 1);
	json_obj(&j);
	json_kstr(&j, "report", d->kind);
	json_kstr(&j, "title", d->title);
	json_kstr(&j, "now", d->now);
	for (i = 0; i < d->ntabs; i++) {
		const struct rtab *t = &d->tabs[i];

		json_key(&j, t->name);
		json_arr(&j);
		for (r = 0; r < t->nrows; r++) {
			json_obj(&j);
			for (k = 0; k < t->ncols; k++) {
				json_key(&j, t->cols[k]);
				json_cell(&j, t, k, t->cells[r * t->ncols + k]);
			}
			json_end(&j);
		}
		json_end(&j);
	}
	json_end(&j);
	sbuf_addc(out, '\n');
}

/* ---- GitHub Markdown ---- */

/* A cell's text inside a Markdown table: '|' and '\\' escaped, line
 * breaks as <br>, and characters that would start HTML or a link made
 * inert, so a cell cannot close the table or inject markup into a pull
 * request comment. */
static void
md_cell(struct sbuf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '|':
		case '\\':
		case '`':
		case '*':
		case '_':
		case '[':
		case ']':
			sbuf_addc(out, '\\');
			sbuf_addc(out, *s);
			break;
		case '<':
			sbuf_adds(out, "&lt;");
			break;
		case '>':
			sbuf_adds(out, "&gt;");
			break;
		case '&':
			sbuf_adds(out, "&amp;");
			break;
		case '\r':
			break;
		case '\n':
			sbuf_adds(out, "<br>");
			break;
		default:
			sbuf_addc(out, *s);
		}
	}
}

void
rtab_markdown(struct sbuf *out, const struct rtab_doc *d)
{
	size_t i, r, k;

	sbuf_adds(out, "## ");
	md_cell(out, d->title);
	sbuf_adds(out, "\n\n");
	if (d->subtitle) {
		md_cell(out, d->subtitle);
		sbuf_adds(out, "\n");
	}
	for (i = 0; i < d->ntabs; i++) {
		const struct rtab *t = &d->tabs[i];

		sbuf_adds(out, "\n### ");
		md_cell(out, t->title);
		sbuf_adds(out, "\n\n");
		if (t->nrows == 0) {
			sbuf_adds(out, "(none)\n");
			continue;
		}
		for (k = 0; k < t->ncols; k++) {
			sbuf_adds(out, "| ");
			md_cell(out, t->cols[k]);
			sbuf_addc(out, ' ');
		}
		sbuf_adds(out, "|\n");
		for (k = 0; k < t->ncols; k++)
			sbuf_adds(out, t->numeric & (1UL << k) ? "| ---: " : "| --- ");
		sbuf_adds(out, "|\n");
		for (r = 0; r < t->nrows; r++) {
			for (k = 0; k < t->ncols; k++) {
				sbuf_adds(out, "| ");
				md_cell(out, t->cells[r * t->ncols + k]);
				sbuf_addc(out, ' ');
			}
			sbuf_adds(out, "|\n");
		}
	}
}

/* ---- HTML ---- */

static int64_t
cell_num(const struct rtab *t, size_t r, size_t k)
{
	long long v = strtoll(t->cells[r * t->ncols + k], NULL, 10);

	return v > 0 ? (int64_t)v : 0;
}

/* The funnel: one labelled bar per row, scaled to the largest. */
static void
svg_funnel(struct sbuf *out, const struct rtab *t)
{
	const int lw = 110, bw = 260, rh = 26, vw = 420;
	int64_t max = 1;
	size_t r;

	for (r = 0; r < t->nrows; r++)
		if (cell_num(t, r, t->value_col) > max)
			max = cell_num(t, r, t->value_col);
	sbuf_printf(out, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d %zu\" "
		    "xmlns=\"http://www.w3.org/2000/svg\"><title>", vw, t->nrows * (size_t)rh + 8);
	html_escape(out, t->title);
	sbuf_adds(out, "</title>\n");
	for (r = 0; r < t->nrows; r++) {
		int64_t v = cell_num(t, r, t->value_col);
		int len = (int)(v * bw / max);
		size_t y = r * (size_t)rh + 4;

		sbuf_printf(out, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", lw - 8, y + 17);
		html_escape(out, t->cells[r * t->ncols + t->label_col]);
		sbuf_printf(out, "</text><rect x=\"%d\" y=\"%zu\" width=\"%d\" height=\"%d\" "
			    "rx=\"3\" class=\"bar\"/><text x=\"%d\" y=\"%zu\">%" PRId64 "</text>\n",
			    lw, y, len > 0 ? len : 1, rh - 6, lw + (len > 0 ? len : 1) + 6, y + 17, v);
	}
	sbuf_adds(out, "</svg>\n");
}

/* Bars over time, labelled below; only some labels when there are many. */
static void
svg_columns(struct sbuf *out, const struct rtab *t)
{
	const int vw = 420, vh = 200, top = 18, base = 170;
	size_t n = t->nrows, r, every = n > 7 ? (n + 6) / 7 : 1;
	double slot = n ? (double)vw / (double)n : vw;
	int64_t max = 1;

	for (r = 0; r < n; r++)
		if (cell_num(t, r, t->value_col) > max)
			max = cell_num(t, r, t->value_col);
	sbuf_printf(out, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d %d\" "
		    "xmlns=\"http://www.w3.org/2000/svg\"><title>", vw, vh);
	html_escape(out, t->title);
	sbuf_adds(out, "</title>\n");
	sbuf_printf(out, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>\n",
		    base, vw, base);
	for (r = 0; r < n; r++) {
		int64_t v = cell_num(t, r, t->value_col);
		double h = (double)v * (base - top) / (double)max;
		double x = (double)r * slot + slot * 0.15;

		sbuf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			    "class=\"bar\"><title>", x, base - h, slot * 0.7, h);
		html_escape(out, t->cells[r * t->ncols + t->label_col]);
		sbuf_printf(out, ": %" PRId64 "</title></rect>\n", v);
		if (v && n <= 31)
			sbuf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%"
				    PRId64 "</text>\n", x + slot * 0.35, base - h - 4, v);
		if (r % every == 0) {
			const char *l = t->cells[r * t->ncols + t->label_col];

			/* A day's label without its year: 11-24. */
			if (strlen(l) == 10 && l[4] == '-' && l[7] == '-')
				l += 5;
			sbuf_printf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
				    "class=\"label\">", x + slot * 0.35, base + 18);
			html_escape(out, l);
			sbuf_adds(out, "</text>\n");
		}
	}
	sbuf_adds(out, "</svg>\n");
}

static const char html_style[] =
	"body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
	"margin:0 auto;padding:1rem;max-width:60rem;color:#1b1f24;background:#fff;"
	"line-height:1.4}\n"
	"h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.15rem;margin:1.8rem 0 .6rem}\n"
	".sub{color:#57606a;margin:0 0 1rem}\n"
	".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}\n"
	"table{border-collapse:collapse;font-size:.9rem;min-width:50%}\n"
	"th,td{padding:.3rem .6rem;border-bottom:1px solid #d0d7de;text-align:left;"
	"vertical-align:top;white-space:nowrap}\n"
	"th{background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"svg.chart{width:100%;height:auto;max-width:40rem;display:block;margin:.4rem 0 1rem;"
	"font-size:13px;fill:#1b1f24}\n"
	"svg .bar{fill:#2f81f7}svg .axis{stroke:#8c959f}svg .label{fill:#57606a;font-size:11px}\n"
	".none{color:#57606a}\n"
	"@media (max-width:40rem){body{padding:.6rem}table{font-size:.8rem}}\n";

void
rtab_html(struct sbuf *out, const struct rtab_doc *d)
{
	size_t i, r, k;

	sbuf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		  "<title>");
	html_escape(out, d->title);
	sbuf_printf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", html_style);
	html_escape(out, d->title);
	sbuf_adds(out, "</h1>\n");
	if (d->subtitle) {
		sbuf_adds(out, "<p class=\"sub\">");
		html_escape(out, d->subtitle);
		sbuf_adds(out, "</p>\n");
	}
	for (i = 0; i < d->ntabs; i++) {
		const struct rtab *t = &d->tabs[i];

		sbuf_printf(out, "<section id=\"%s\">\n<h2>", t->name);
		html_escape(out, t->title ? t->title : t->name);
		sbuf_adds(out, "</h2>\n");
		if (t->nrows && t->chart == RTAB_CHART_FUNNEL)
			svg_funnel(out, t);
		else if (t->nrows && t->chart == RTAB_CHART_COLUMNS)
			svg_columns(out, t);
		if (t->nrows == 0) {
			sbuf_adds(out, "<p class=\"none\">(none)</p>\n</section>\n");
			continue;
		}
		sbuf_adds(out, "<div class=\"scroll\"><table>\n<thead><tr>");
		for (k = 0; k < t->ncols; k++) {
			sbuf_adds(out, is_num(t, k) ? "<th class=\"n\">" : "<th>");
			html_escape(out, t->cols[k]);
			sbuf_adds(out, "</th>");
		}
		sbuf_adds(out, "</tr></thead>\n<tbody>\n");
		for (r = 0; r < t->nrows; r++) {
			sbuf_adds(out, "<tr>");
			for (k = 0; k < t->ncols; k++) {
				sbuf_adds(out, is_num(t, k) ? "<td class=\"n\">" : "<td>");
				html_escape(out, t->cells[r * t->ncols + k]);
				sbuf_adds(out, "</td>");
			}
			sbuf_adds(out, "</tr>\n");
		}
		sbuf_adds(out, "</tbody>\n</table></div>\n</section>\n");
	}
	sbuf_adds(out, "</body>\n</html>\n");
}
