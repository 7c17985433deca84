/*
 * yedit.c - editing YAML text in place at the byte ranges of ydoc's nodes.
 *
 * Every operation works out where whole lines (block style) or items
 * between brackets (flow style) begin and end around the nodes it touches,
 * and plans replacements of exactly those bytes.  Lines are the unit in
 * block style so that an item's own comments and line breaks go with it
 * and its neighbours' stay; a file that does not end in a line break keeps
 * not ending in one, so that an insertion followed by a removal gives back
 * the same bytes.
 */
#include "yedit.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "err.h"
#include "sbuf.h"
#include "ydoc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

void
yedit_init(struct yedit_ctx *y, struct arena *a, const struct ydoc *doc)
{
	memset(y, 0, sizeof *y);
	y->a = a;
	y->doc = doc;
	y->eol = yedit_eol(doc);
	y->off = 2;
	y->noun = "item";
}

/* ---- what the file says about its own style ---- */

const char *
yedit_eol(const struct ydoc *d)
{
	const char *nl = memchr(d->src, '\n', d->srclen);

	return nl && nl > d->src && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* A flow collection starts with its bracket; a block one with its first
 * key or "-". */
int
yedit_is_flow(const struct ydoc *d, const struct ynode *n)
{
	return n->kind != YNODE_SCALAR && (d->src[n->start] == '{' || d->src[n->start] == '[');
}

size_t
yedit_list_offset(const struct ydoc *d, const struct ynode *key, const struct ynode *list)
{
	if (key && list && list->kind == YNODE_SEQ && !yedit_is_flow(d, list) &&
	    list->col >= key->col && list->col - key->col <= 8)
		return (size_t)(list->col - key->col);
	return 2;
}

/* ---- writing YAML text ---- */

int
yedit_plain_ok(const char *s)
{
	static const char *const special[] = { "true", "false", "null", "~", "yes", "no",
					       "on", "off", "y", "n" };
	size_t i;

	if (!isalnum((unsigned char)s[0]) && s[0] != '_' && s[0] != '/' && s[0] != '.')
		return 0;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_./@+-", s[i]))
			return 0;
	for (i = 0; i < N(special); i++)
		if (strcasecmp(s, special[i]) == 0)
			return 0;
	/* A number would be a string to drip, but not to other tools. */
	return strspn(s, "0123456789.+-") != strlen(s);
}

void
yedit_put_scalar(struct sbuf *out, const char *s)
{
	if (yedit_plain_ok(s)) {
		sbuf_adds(out, s);
		return;
	}
	ydoc_quote(out, s);
}

void
yedit_reindent(struct sbuf *out, const char *s, size_t len, size_t base)
{
	size_t i = 0;
	int first = 1;

	while (i < len) {
		size_t j = i, k;

		while (j < len && s[j] != '\n')
			j++;
		k = j;
		if (k > i && s[k - 1] == '\r')
			k--;
		if (!first) {
			size_t skip = 0;

			while (skip < base && i + skip < k && s[i + skip] == ' ')
				skip++;
			i += skip;
			if (strspn(s + i, " ") >= k - i)
				i = k;
		}
		sbuf_add(out, s + i, k - i);
		sbuf_addc(out, '\n');
		i = j + 1;
		first = 0;
	}
}

/* ---- lines around nodes ---- */

/* The offset where the line after the one holding end starts: just past
 * its line break (a block scalar already ends there). */
static size_t
after_line(const struct ydoc *d, size_t end)
{
	if (end > 0 && d->src[end - 1] == '\n')
		return end;
	while (end < d->srclen && d->src[end] != '\n')
		end++;
	return end < d->srclen ? end + 1 : end;
}

static size_t
line_start(const struct ydoc *d, size_t off)
{
	while (off > 0 && d->src[off - 1] != '\n')
		off--;
	return off;
}

/* The deepest last node under n. */
static const struct ynode *
last_leaf(const struct ynode *n)
{
	while ((n->kind == YNODE_MAP || n->kind == YNODE_SEQ) && n->n > 0)
		n = n->kind == YNODE_MAP ? n->pairs[n->n - 1].val : n->items[n->n - 1];
	return n;
}

/*
 * Where the lines of node n end: just past the line break of its last
 * line.  A block scalar (| or >) at its end has swallowed the blank lines
 * after it; unless it keeps them as content (|+, >+) they separate n from
 * what follows, so the end goes back before them.
 */
static size_t
end_of_lines(const struct ydoc *d, const struct ynode *n)
{
	const struct ynode *leaf = last_leaf(n);
	size_t p = after_line(d, n->end), h;

	if (leaf->kind != YNODE_SCALAR || leaf->style != YSTYLE_BLOCK || leaf->end != n->end)
		return p;
	for (h = leaf->start; h < d->srclen && !strchr(" \t\r\n#", d->src[h]); h++)
		if (d->src[h] == '+')
			return p;
	while (p > leaf->start && d->src[p - 1] == '\n') {
		size_t ls = line_start(d, p - 1);

		if (ls <= leaf->start || strspn(d->src + ls, " \r") != p - 1 - ls)
			break;
		p = ls;
	}
	return p;
}

/* Only spaces between from and to? */
static int
blank_between(const struct ydoc *d, size_t from, size_t to)
{
	for (; from < to; from++)
		if (d->src[from] != ' ')
			return 0;
	return 1;
}

/* ---- rendering text to splice ---- */

/*
 * A list item from block text: "-" at column ind, the content at column
 * kin, line breaks as the file writes them.  Empty lines stay empty.
 */
static const char *
render_item(const struct yedit_ctx *y, const char *body, size_t ind, size_t kin)
{
	struct sbuf out = SBUF_INIT;
	const char *p = body, *res;
	int first = 1;

	if (kin < ind + 2)
		kin = ind + 2;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (first)
			sbuf_printf(&out, "%*s-%*s", (int)ind, "", (int)(kin - ind - 1), "");
		else if (len)
			sbuf_printf(&out, "%*s", (int)kin, "");
		sbuf_add(&out, p, len);
		sbuf_adds(&out, y->eol);
		p += len + (nl ? 1 : 0);
		first = 0;
	}
	res = arena_strdup(y->a, sbuf_str(&out));
	sbuf_release(&out);
	return res;
}

/* Text of whole lines to insert at offset p.  At the end of a file that
 * has no final line break, the break moves before the text, so the file
 * still ends without one (and a removal can give back the same bytes). */
static const char *
at_line(const struct yedit_ctx *y, size_t p, const char *text)
{
	const struct ydoc *d = y->doc;
	size_t n = strlen(text), k = strlen(y->eol);

	if (p == d->srclen && p > 0 && d->src[p - 1] != '\n' && n >= k)
		return arena_printf(y->a, "%s%.*s", y->eol, (int)(n - k), text);
	return text;
}

/* The other half of at_line: whole lines cut up to the end of a file
 * without a final line break take the break before them. */
static void
cut_lines(const struct ydoc *d, struct yedit *e)
{
	const char *src = d->src;

	if (e->end == d->srclen && e->end > 0 && src[e->end - 1] != '\n' &&
	    e->start > 0 && src[e->start - 1] == '\n') {
		e->start--;
		if (e->start > 0 && src[e->start - 1] == '\r')
			e->start--;
	}
}

/* key as a mapping key: plain when it can be. */
static const char *
key_text(const struct yedit_ctx *y, const char *key)
{
	struct sbuf sb = SBUF_INIT;
	const char *res;

	yedit_put_scalar(&sb, key);
	res = arena_strdup(y->a, sbuf_str(&sb));
	sbuf_release(&sb);
	return res;
}

/* text to replace the value v with: an empty value (`key:`, or `key: }`
 * in flow style) is an empty range after the ':' or the space after it,
 * and the text needs a space before it in the first case only. */
static const char *
value_text(const struct yedit_ctx *y, const struct ynode *v, const char *text)
{
	if (v->start == v->end && v->start > 0 && y->doc->src[v->start - 1] != ' ')
		return arena_printf(y->a, " %s", text);
	return text;
}

/* ---- planning ---- */

static int __attribute__((format(printf, 5, 6)))
refuse(const struct yedit_ctx *y, struct drip_err *err, int code, const struct ynode *at,
       const char *fmt, ...)
{
	const char *file = y->doc->file ? y->doc->file : "the file";
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	err_set(err, DRIP_EDATA, y->doc->file, at ? at->line : 0, at ? at->col : 0,
		"%s; edit %s by hand", what, file);
	return code;
}

void
yedit_add(struct yedit_ctx *y, size_t start, size_t end, const char *text)
{
	struct yedit *e = ARENA_PUSH(y->a, y->v, y->n, y->cap);

	e->start = start;
	e->end = end;
	e->text = text;
}

/*
 * Find key in the mapping map: its pair's index (map->n when absent) into
 * *at, its key and value nodes (NULL when absent) into *k and *v.  A map
 * that is not a mapping is refused.
 */
static int
lookup(const struct yedit_ctx *y, const struct ynode *map, const char *key, size_t *at,
       const struct ynode **k, const struct ynode **v, struct drip_err *err)
{
	size_t i;

	if (map == NULL || map->kind != YNODE_MAP)
		return refuse(y, err, -1, map, "expected a mapping here, not %s",
			      ydoc_kind_name(map));
	for (i = 0; i < map->n && strcmp(map->pairs[i].key->str, key) != 0; i++)
		;
	*at = i;
	*k = i < map->n ? map->pairs[i].key : NULL;
	*v = i < map->n ? map->pairs[i].val : NULL;
	return 0;
}

/* Where a new last pair of the flow mapping map goes, and its separator. */
static size_t
flow_map_end(const struct ynode *map, const char **sep)
{
	*sep = map->n ? ", " : "";
	return map->n ? map->pairs[map->n - 1].val->end : map->start + 1;
}

/* The offset just past the ':' after the key k (whose value is v). */
static size_t
after_colon(const struct ydoc *d, const struct ynode *k, const struct ynode *v)
{
	size_t colon = k->end;

	while (colon < v->start && d->src[colon] != ':')
		colon++;
	return colon + 1 < v->end ? colon + 1 : v->end;
}

/* Append flow to the flow list a. */
static int
append_flow_list(struct yedit_ctx *y, const struct ynode *a, const char *flow,
		 struct drip_err *err)
{
	size_t p;

	if (flow == NULL)
		return refuse(y, err, YEDIT_EFLOWLIST, a, "this list is written in flow style "
			      "([...]) and the %s to add is not", y->noun);
	p = a->n ? a->items[a->n - 1]->end : a->start + 1;
	yedit_add(y, p, p, a->n ? arena_printf(y->a, ", %s", flow) : flow);
	return 0;
}

int
yedit_append(struct yedit_ctx *y, const struct ynode *map, const char *key,
	     const char *block, const char *flow, struct drip_err *err)
{
	const struct ydoc *d = y->doc;
	const struct ynode *k, *a;
	const char *sep;
	size_t p, i;

	if (lookup(y, map, key, &i, &k, &a, err) < 0)
		return -1;
	if (yedit_is_flow(d, map)) {
		if (flow == NULL)
			return refuse(y, err, YEDIT_EFLOWMAP, map, "this mapping is written in "
				      "flow style ({...}) and the %s to add is not", y->noun);
		if (a == NULL) {
			p = flow_map_end(map, &sep);
			yedit_add(y, p, p, arena_printf(y->a, "%s%s: [%s]", sep, key_text(y, key),
							flow));
		} else if (ydoc_is_null(a)) {
			yedit_add(y, a->start, a->end, value_text(y, a, arena_printf(y->a, "[%s]",
									     flow)));
		} else if (a->kind == YNODE_SEQ) {
			return append_flow_list(y, a, flow, err);
		} else {
			return refuse(y, err, -1, a, "\"%s\" must be a list", key);
		}
		return 0;
	}
	if (a == NULL) {
		size_t ind = (size_t)map->col - 1;

		p = end_of_lines(d, map);
		yedit_add(y, p, p, at_line(y, p, arena_printf(y->a, "%*s%s:%s%s", (int)ind, "",
			  key_text(y, key), y->eol, render_item(y, block, ind + y->off,
								ind + y->off + 2))));
		return 0;
	}
	if (ydoc_is_null(a) || (a->kind == YNODE_SEQ && a->n == 0 && yedit_is_flow(d, a))) {
		/* `key:`, `key: ~` or `key: []` becomes a block list: the
		 * placeholder goes, a comment after it stays. */
		size_t ind = (size_t)k->col - 1;

		p = after_line(d, a->end);
		yedit_add(y, after_colon(d, k, a), a->end, "");
		yedit_add(y, p, p, at_line(y, p, render_item(y, block, ind + y->off,
							      ind + y->off + 2)));
		return 0;
	}
	if (a->kind == YNODE_SEQ && !yedit_is_flow(d, a))
		return yedit_insert(y, a, a->n - 1, 1, block, flow, err);
	if (a->kind == YNODE_SEQ)
		return append_flow_list(y, a, flow, err);
	return refuse(y, err, -1, a, "\"%s\" must be a list", key);
}

/* The offset of the "-" that starts item it of a block list, checked to be
 * the first thing on its line (what says what could not be done if not). */
static int
item_dash(const struct yedit_ctx *y, const struct ynode *it, const char *what, size_t *at,
	  struct drip_err *err)
{
	const struct ydoc *d = y->doc;
	size_t s = it->start;

	while (s > 0 && strchr(" \t\r\n", d->src[s - 1]))
		s--;
	if (s == 0 || d->src[s - 1] != '-')
		return refuse(y, err, -1, it, "cannot find the \"-\" of this %s", y->noun);
	s--;
	if (!blank_between(d, line_start(d, s), s))
		return refuse(y, err, -1, it, "cannot %s this %s out of its line", what, y->noun);
	*at = s;
	return 0;
}

int
yedit_insert(struct yedit_ctx *y, const struct ynode *list, size_t i, int after,
	     const char *block, const char *flow, struct drip_err *err)
{
	const struct ydoc *d = y->doc;
	const struct ynode *it;
	size_t ind, kin, p;
	const char *text;

	if (list == NULL || list->kind != YNODE_SEQ || i >= list->n)
		return refuse(y, err, -1, list, "there is no %s %zu in this list", y->noun, i + 1);
	it = list->items[i];
	if (yedit_is_flow(d, list)) {
		if (flow == NULL)
			return refuse(y, err, YEDIT_EFLOWLIST, list, "this list is written in flow "
				      "style ([...]) and the %s to add is not", y->noun);
		if (after)
			yedit_add(y, it->end, it->end, arena_printf(y->a, ", %s", flow));
		else
			yedit_add(y, it->start, it->start, arena_printf(y->a, "%s, ", flow));
		return 0;
	}
	/* The content goes where the item's own does when it is a block
	 * mapping ("-   id: x" keeps its spaces), else two after the "-". */
	ind = (size_t)list->col - 1;
	kin = it->kind == YNODE_MAP && !yedit_is_flow(d, it) ? (size_t)it->col - 1 : ind + 2;
	text = render_item(y, block, ind, kin);
	if (after) {
		p = end_of_lines(d, it);
		yedit_add(y, p, p, at_line(y, p, text));
		return 0;
	}
	if (item_dash(y, it, "insert before", &p, err) < 0)
		return -1;
	p = line_start(d, p);
	yedit_add(y, p, p, text);
	return 0;
}

/*
 * Where the blank lines just before the item that starts its line at s
 * begin, when it is not the first item of its list: the blank lines that
 * part it from the item before travel with it, so that a list whose items
 * are separated by blank lines stays so after a move or a copy.
 */
static size_t
gap_start(const struct ydoc *d, size_t i, size_t s)
{
	size_t b = s, ls;

	while (i > 0 && b > 0) {
		ls = line_start(d, b - 1);
		if (strspn(d->src + ls, " \r") != b - 1 - ls)
			break;
		b = ls;
	}
	return b;
}

/* Plan the removal of item idx of list, which has more than one: its whole
 * lines in block style, the item and a comma next to it in flow style. */
static int
cut_item(struct yedit_ctx *y, const struct ynode *a, size_t idx, int gap,
	 struct drip_err *err)
{
	const struct ydoc *d = y->doc;
	const struct ynode *it = a->items[idx];
	struct yedit e = { 0, 0, "" };

	if (yedit_is_flow(d, a)) {
		if (idx > 0) {
			e.start = a->items[idx - 1]->end;
			e.end = it->end;
		} else {
			e.start = it->start;
			e.end = a->items[1]->start;
		}
	} else {
		if (item_dash(y, it, "cut", &e.start, err) < 0)
			return -1;
		e.start = line_start(d, e.start);
		if (gap)
			e.start = gap_start(d, idx, e.start);
		e.end = end_of_lines(d, it);
		cut_lines(d, &e);
	}
	yedit_add(y, e.start, e.end, e.text);
	return 0;
}

int
yedit_copy(struct yedit_ctx *y, const struct ynode *list, size_t i, size_t j, int after,
	   const struct yedit *subs, size_t nsubs, struct drip_err *err)
{
	const struct ydoc *d = y->doc;
	const struct ynode *it, *to;
	struct sbuf text = SBUF_INIT;
	size_t s, e, at, k, p;
	int flow;

	if (list == NULL || list->kind != YNODE_SEQ || i >= list->n || j >= list->n)
		return refuse(y, err, -1, list, "there is no such %s in this list", y->noun);
	it = list->items[i];
	to = list->items[j];
	flow = yedit_is_flow(d, list);
	if (flow) {
		s = it->start;
		e = it->end;
	} else {
		if (item_dash(y, it, "copy", &s, err) < 0)
			return -1;
		s = line_start(d, s);
		e = end_of_lines(d, it);
	}
	/* The item's bytes with the replacements, taken in order of place. */
	for (at = s;;) {
		const struct yedit *next = NULL;

		for (k = 0; k < nsubs; k++)
			if (subs[k].start >= at && subs[k].end <= e && subs[k].start <= subs[k].end &&
			    (next == NULL || subs[k].start < next->start))
				next = &subs[k];
		if (next == NULL)
			break;
		sbuf_add(&text, d->src + at, next->start - at);
		sbuf_adds(&text, next->text);
		at = next->end;
	}
	sbuf_add(&text, d->src + at, e - at);
	if (flow) {
		if (after)
			yedit_add(y, to->end, to->end, arena_printf(y->a, ", %s", sbuf_str(&text)));
		else
			yedit_add(y, to->start, to->start, arena_printf(y->a, "%s, ",
									 sbuf_str(&text)));
		sbuf_release(&text);
		return 0;
	}
	/* The last item of a file without a final line break has none. */
	if (text.len == 0 || text.buf[text.len - 1] != '\n')
		sbuf_adds(&text, y->eol);
	k = gap_start(d, i, s);
	if (after) {
		p = end_of_lines(d, to);
		yedit_add(y, p, p, at_line(y, p, arena_printf(y->a, "%.*s%s", (int)(s - k),
							      d->src + k, sbuf_str(&text))));
	} else if (item_dash(y, to, "insert before", &p, err) < 0) {
		sbuf_release(&text);
		return -1;
	} else {
		p = line_start(d, p);
		yedit_add(y, p, p, arena_printf(y->a, "%s%.*s", sbuf_str(&text), (int)(s - k),
						d->src + k));
	}
	sbuf_release(&text);
	return 0;
}

int
yedit_remove_item(struct yedit_ctx *y, const struct ynode *list, size_t i,
		  struct drip_err *err)
{
	if (list == NULL || list->kind != YNODE_SEQ || i >= list->n || list->n < 2)
		return refuse(y, err, -1, list, "there is no %s %zu to remove from this list",
			      y->noun, i + 1);
	return cut_item(y, list, i, 1, err);
}

int
yedit_move(struct yedit_ctx *y, const struct ynode *list, size_t i, size_t j, int after,
	   struct drip_err *err)
{
	if (i == j)
		return refuse(y, err, -1, list, "cannot move an %s next to itself", y->noun);
	if (yedit_copy(y, list, i, j, after, NULL, 0, err) < 0)
		return -1;
	return cut_item(y, list, i, 1, err);
}

int
yedit_remove(struct yedit_ctx *y, const struct ynode *map, const char *key, size_t idx,
	     struct drip_err *err)
{
	const struct ydoc *d = y->doc;
	const struct ynode *k, *a;
	struct yedit e = { 0, 0, "" };
	size_t ap;

	if (lookup(y, map, key, &ap, &k, &a, err) < 0)
		return -1;
	if (a == NULL)
		return refuse(y, err, -1, map, "there is no \"%s\" here", key);
	if (a->kind != YNODE_SEQ)
		return refuse(y, err, -1, a, "\"%s\" must be a list", key);
	if (idx >= a->n)
		return refuse(y, err, -1, a, "there is no %s %zu in this list", y->noun, idx + 1);
	if (a->n == 1) {
		if (ap > 0 && yedit_is_flow(d, map)) {
			e.start = map->pairs[ap - 1].val->end;
			e.end = a->end;
		} else if (ap > 0) {
			e.start = line_start(d, k->start);
			if (!blank_between(d, e.start, k->start))
				return refuse(y, err, -1, k, "cannot cut \"%s\" out of its line",
					      key);
			e.end = end_of_lines(d, a);
			cut_lines(d, &e);
		} else if (map->n > 1) {
			/* The first key: what follows moves up to its place. */
			e.start = k->start;
			e.end = map->pairs[1].key->start;
		} else {
			e.start = k->start;
			e.end = a->end;
		}
	} else {
		return cut_item(y, a, idx, 0, err);
	}
	yedit_add(y, e.start, e.end, e.text);
	return 0;
}

/*
 * Where a new pair of the block mapping map goes: after the last pair
 * whose value is not a block collection, so that trailing blocks (a step's
 * automations) stay last with the comment above them; at the end of the
 * mapping's lines when the last pair is such a pair, or when every value
 * is a block collection.
 */
static size_t
new_pair_at(const struct ydoc *d, const struct ynode *map)
{
	size_t i;

	for (i = map->n; i-- > 0;) {
		const struct ynode *v = map->pairs[i].val;

		if (v && v->kind != YNODE_SCALAR && !yedit_is_flow(d, v))
			continue;
		if (i + 1 == map->n)
			break;
		return end_of_lines(d, v ? v : map->pairs[i].key);
	}
	return end_of_lines(d, map);
}

int
yedit_set(struct yedit_ctx *y, const struct ynode *map, const char *key, const char *text,
	  struct drip_err *err)
{
	const struct ydoc *d = y->doc;
	const struct ynode *k, *v;
	const char *sep;
	size_t i, p;

	if (lookup(y, map, key, &i, &k, &v, err) < 0)
		return -1;
	if (strpbrk(text, "\r\n") || *text == '\0')
		return refuse(y, err, -1, map, "the new value of \"%s\" must be one line", key);
	if (v == NULL && yedit_is_flow(d, map)) {
		p = flow_map_end(map, &sep);
		yedit_add(y, p, p, arena_printf(y->a, "%s%s: %s", sep, key_text(y, key), text));
	} else if (v == NULL) {
		p = new_pair_at(d, map);
		yedit_add(y, p, p, at_line(y, p, arena_printf(y->a, "%*s%s: %s%s",
			  map->col - 1, "", key_text(y, key), text, y->eol)));
	} else if (v->start == v->end) {
		yedit_add(y, v->start, v->end, value_text(y, v, text));
	} else if ((v->kind == YNODE_SCALAR && v->style != YSTYLE_BLOCK) || yedit_is_flow(d, v)) {
		yedit_add(y, v->start, v->end, text);
	} else if (v->kind == YNODE_SCALAR) {
		/* A block scalar runs through the line break of its last line. */
		p = end_of_lines(d, v);
		yedit_add(y, v->start, p, p == d->srclen && d->src[p - 1] != '\n' ? text :
			  arena_printf(y->a, "%s%s", text, y->eol));
	} else {
		/* A block collection starts on a line of its own after the key:
		 * the value goes after the ':', the collection's lines go. */
		struct yedit e;

		e.start = line_start(d, v->start);
		if (e.start <= k->end || !blank_between(d, e.start, v->start))
			return refuse(y, err, -1, v, "cannot cut the value of \"%s\" out of its "
				      "lines", key);
		e.end = end_of_lines(d, v);
		e.text = "";
		cut_lines(d, &e);
		p = after_colon(d, k, v);
		yedit_add(y, p, p, arena_printf(y->a, " %s", text));
		yedit_add(y, e.start, e.end, "");
	}
	return 0;
}

int
yedit_unset(struct yedit_ctx *y, const struct ynode *map, const char *key,
	    struct drip_err *err)
{
	const struct ydoc *d = y->doc;
	const struct ynode *k, *v;
	struct yedit e = { 0, 0, "" };
	size_t i;

	if (lookup(y, map, key, &i, &k, &v, err) < 0)
		return -1;
	if (k == NULL)
		return 0;
	if (map->n == 1)
		return refuse(y, err, -1, k, "cannot remove \"%s\", the only key here", key);
	if (i == 0) {
		/* The first key: what follows moves up to its place. */
		e.start = k->start;
		e.end = map->pairs[1].key->start;
	} else if (yedit_is_flow(d, map)) {
		e.start = map->pairs[i - 1].val->end;
		e.end = v->end;
	} else {
		e.start = line_start(d, k->start);
		if (!blank_between(d, e.start, k->start))
			return refuse(y, err, -1, k, "cannot cut \"%s\" out of its line", key);
		e.end = end_of_lines(d, v);
		cut_lines(d, &e);
	}
	yedit_add(y, e.start, e.end, e.text);
	return 0;
}

int
yedit_apply(const struct yedit_ctx *y, struct sbuf *out, struct drip_err *err)
{
	const struct ydoc *d = y->doc;
	const struct yedit **v = arena_alloc(y->a, (y->n + 1) * sizeof *v);
	size_t at = 0, i, j;

	/* Insertion sort by position, an insertion before a replacement that
	 * starts at the same place: a handful of edits, and stable, so
	 * insertions at one place keep the order they were planned in. */
	for (i = 0; i < y->n; i++) {
		for (j = i; j > 0 && (v[j - 1]->start > y->v[i].start ||
				      (v[j - 1]->start == y->v[i].start &&
				       v[j - 1]->end > y->v[i].end)); j--)
			v[j] = v[j - 1];
		v[j] = &y->v[i];
	}
	for (i = 0; i < y->n; i++)
		if (v[i]->end < v[i]->start || v[i]->end > d->srclen ||
		    (i > 0 && v[i]->start < v[i - 1]->end))
			return err_set(err, DRIP_EFAIL, d->file, 0, 0, "overlapping or misplaced "
				       "edits of the text (bytes %zu to %zu)", v[i]->start,
				       v[i]->end);
	for (i = 0; i < y->n; i++) {
		sbuf_add(out, d->src + at, v[i]->start - at);
		sbuf_adds(out, v[i]->text);
		at = v[i]->end;
	}
	sbuf_add(out, d->src + at, d->srclen - at);
	return 0;
}
