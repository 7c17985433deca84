/*
 * json.c - the streaming JSON writer.
 *
 * Every value goes through begin_value(), which writes what must come
 * before it (a comma, a newline and indentation, or a placeholder key) and
 * says whether the value is to be written at all (not inside a container
 * clipped for depth).  That one gate is what keeps the output valid JSON
 * whatever order the calls come in.
 */
#include "json.h"
#include "sbuf.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

void
json_init(struct json *j, struct sbuf *out, int pretty)
{
	memset(j, 0, sizeof *j);
	j->out = out;
	j->pretty = pretty != 0;
}

static void
newline_indent(struct json *j, int level)
{
	int i;

	sbuf_addc(j->out, '\n');
	for (i = 0; i < level; i++)
		sbuf_add(j->out, "  ", 2);
}

/*
 * Length of the valid UTF-8 sequence at s (whose first byte is >= 0x80), or
 * 0 when it is invalid, with *bad set to the length of its maximal invalid
 * subpart (Unicode's "substitution of maximal subparts"): one U+FFFD stands
 * for a truncated sequence, not one per byte.  Overlong forms, surrogates
 * and code points past U+10FFFF are invalid.  s is NUL-terminated and NUL is
 * never a continuation byte, so this never reads past the string.
 */
static size_t
utf8_seq(const unsigned char *s, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need, i;

	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

static void
put_escape(struct sbuf *out, unsigned char c)
{
	switch (c) {
	case '"':
		sbuf_add(out, "\\\"", 2);
		break;
	case '\\':
		sbuf_add(out, "\\\\", 2);
		break;
	case '\n':
		sbuf_add(out, "\\n", 2);
		break;
	case '\t':
		sbuf_add(out, "\\t", 2);
		break;
	case '\r':
		sbuf_add(out, "\\r", 2);
		break;
	case '\b':
		sbuf_add(out, "\\b", 2);
		break;
	case '\f':
		sbuf_add(out, "\\f", 2);
		break;
	default:
		sbuf_printf(out, "\\u%04x", c);
		break;
	}
}

/* Copy runs of bytes that need nothing in one go; escape the rest. */
static void
put_string(struct sbuf *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *run = s;
	size_t n, bad = 1;

	sbuf_addc(out, '"');
	while (*s) {
		if (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\') {
			s++;
			continue;
		}
		if (*s >= 0x80 && (n = utf8_seq(s, &bad)) > 0) {
			s += n;
			continue;
		}
		sbuf_add(out, run, (size_t)(s - run));
		if (*s < 0x80) {
			put_escape(out, *s);
			s++;
		} else {
			sbuf_add(out, "\\ufffd", 6);
			s += bad;
		}
		run = s;
	}
	sbuf_add(out, run, (size_t)(s - run));
	sbuf_addc(out, '"');
}

/* A new member or element at the current level: comma and layout. */
static void
separate(struct json *j)
{
	int lvl = j->depth - 1;

	if (!j->first[lvl])
		sbuf_addc(j->out, ',');
	j->first[lvl] = 0;
	if (j->pretty)
		newline_indent(j, j->depth);
}

static void
put_key(struct json *j, const char *k)
{
	separate(j);
	put_string(j->out, k);
	sbuf_adds(j->out, j->pretty ? ": " : ":");
}

/* Write what precedes a value; 0 when the value must be dropped. */
static int
begin_value(struct json *j)
{
	if (j->skip)
		return 0;
	if (j->after_key) {
		j->after_key = 0;
		return 1;
	}
	if (j->depth == 0) {
		if (j->ntop++ > 0)
			sbuf_addc(j->out, '\n');
		return 1;
	}
	if (j->is_obj[j->depth - 1])
		put_key(j, "");
	else
		separate(j);
	return 1;
}

static void
open_container(struct json *j, int obj)
{
	if (!begin_value(j)) {
		j->skip++;
		return;
	}
	if (j->depth == JSON_MAX_DEPTH) {
		sbuf_adds(j->out, "null");
		j->skip = 1;
		return;
	}
	sbuf_addc(j->out, obj ? '{' : '[');
	j->first[j->depth] = 1;
	j->is_obj[j->depth] = (unsigned char)obj;
	j->depth++;
}

void
json_obj(struct json *j)
{
	open_container(j, 1);
}

void
json_arr(struct json *j)
{
	open_container(j, 0);
}

void
json_end(struct json *j)
{
	int lvl;

	if (j->skip) {
		j->skip--;
		return;
	}
	if (j->depth == 0)
		return;
	if (j->after_key) {
		sbuf_adds(j->out, "null");
		j->after_key = 0;
	}
	lvl = --j->depth;
	if (!j->first[lvl] && j->pretty)
		newline_indent(j, j->depth);
	sbuf_addc(j->out, j->is_obj[lvl] ? '}' : ']');
}

void
json_key(struct json *j, const char *k)
{
	if (j->skip || j->depth == 0 || !j->is_obj[j->depth - 1])
		return;
	if (j->after_key)
		sbuf_adds(j->out, "null");
	put_key(j, k ? k : "");
	j->after_key = 1;
}

void
json_str(struct json *j, const char *s)
{
	if (!begin_value(j))
		return;
	if (s == NULL)
		sbuf_adds(j->out, "null");
	else
		put_string(j->out, s);
}

void
json_int(struct json *j, int64_t v)
{
	if (begin_value(j))
		sbuf_printf(j->out, "%" PRId64, v);
}

void
json_bool(struct json *j, int v)
{
	if (begin_value(j))
		sbuf_adds(j->out, v ? "true" : "false");
}

void
json_null(struct json *j)
{
	if (begin_value(j))
		sbuf_adds(j->out, "null");
}

void
json_kstr(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	json_str(j, v);
}

void
json_kint(struct json *j, const char *k, int64_t v)
{
	json_key(j, k);
	json_int(j, v);
}

void
json_kbool(struct json *j, const char *k, int v)
{
	json_key(j, k);
	json_bool(j, v);
}
