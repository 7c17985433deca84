/*
 * rtab.h - report tables and how they are written: aligned text for a
 * terminal, JSON, one self-contained HTML page with SVG bar charts, and
 * GitHub Markdown.
 *
 * A report is a title and a list of sections; a section is a table (a
 * header and rows of cells, all strings) with a name for JSON, a title for
 * people, which columns are numbers, and optionally a bar chart drawn from
 * two of its columns.  This module knows tables, not what is in them:
 * core/report.c fills them, cmd/report.c picks the writer (CSV goes through
 * cmd/'s print_table, which neutralises formulas).  Everything a section
 * points at must outlive the writers' calls; nothing here frees it.
 */
#ifndef DRIP_FORMATS_RTAB_H
#define DRIP_FORMATS_RTAB_H

#include <stddef.h>

struct arena;
struct sbuf;

enum rtab_chart {
	RTAB_CHART_NONE,
	RTAB_CHART_FUNNEL,	/* horizontal bars, one per row, in row order */
	RTAB_CHART_COLUMNS	/* vertical bars over time, one per row */
};

struct rtab {
	const char *name;	/* JSON key: "funnel" */
	const char *title;	/* heading: "Funnel per step" */
	size_t ncols;
	const char **cols;	/* column names, also JSON member names */
	unsigned long numeric;	/* bit k: column k holds integers (right-aligned,
				 * JSON numbers; "" is JSON null) */
	size_t nrows, cap;
	const char **cells;	/* nrows * ncols, row-major */
	enum rtab_chart chart;
	size_t label_col, value_col;	/* what the chart draws */
};

struct rtab_doc {
	const char *kind;	/* "overview", "seq", ...: JSON "report" */
	const char *title;	/* page and JSON title */
	const char *subtitle;	/* e.g. "at 2026-11-24 10:20 Europe/Berlin" */
	const char *now;	/* RFC 3339 UTC: JSON "now" */
	struct rtab *tabs;
	size_t ntabs, cap;
};

/* Add a section with ncols columns named by the NULL-terminated list cols
 * (copied into the arena). */
struct rtab *rtab_add(struct arena *a, struct rtab_doc *d, const char *name,
		      const char *title, const char *const *cols);
/* Mark column k numeric. */
void rtab_numeric(struct rtab *t, size_t k);
/* Append a row; returns its ncols cells, all "" to start with, to fill. */
const char **rtab_row(struct arena *a, struct rtab *t);

/* How text tables look. */
struct rtab_style {
	size_t width;		/* terminal columns to fit in; 0: no limit */
	int colour;		/* bold headings (ANSI), for a terminal */
	int titles;		/* print each section's title above it */
};

/*
 * Aligned text: columns padded by display width (width.h), numbers to the
 * right, two spaces apart; when the widest row would pass style->width,
 * the widest text columns are cut (ending in "…") until it fits, never
 * below a few columns each.  A section with no rows prints "(none)".
 */
void rtab_text(struct sbuf *out, const struct rtab_doc *d, const struct rtab_style *style);

/*
 * JSON, pretty-printed, stable (drip-files(5)): an object with "report",
 * "title", "now" and one member per section, named by it, holding an array
 * of objects whose members are the section's columns in order.
 */
void rtab_json(struct sbuf *out, const struct rtab_doc *d);

/*
 * One HTML5 page with everything inline: CSS, SVG charts, no script, no
 * external reference of any kind; a viewport for phones, tables that
 * scroll sideways on a narrow screen.  Text is HTML-escaped.
 */
void rtab_html(struct sbuf *out, const struct rtab_doc *d);

/*
 * GitHub-flavoured Markdown, for a CI job to post on a pull request: the
 * title as a level-2 heading, the subtitle, then per section a level-3
 * heading and a table (numbers right-aligned; "(none)" when empty).  Cell
 * text is escaped so that it cannot end the table or add markup.
 */
void rtab_markdown(struct sbuf *out, const struct rtab_doc *d);

#endif
