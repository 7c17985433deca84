/*
 * schema.c - typed, reported access to YAML nodes.
 */
#include "schema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dtime.h"
#include "err.h"
#include "expr.h"
#include "ws.h"
#include "ydoc.h"

static void
vreport(struct schema *s, enum diag_sev sev, const struct ynode *at,
	const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	diag_add(s->d, sev, s->file, at ? at->line : 0, at ? at->col : 0, "%s", msg);
}

void
schema_error(struct schema *s, const struct ynode *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(s, DIAG_ERROR, at, fmt, ap);
	va_end(ap);
}

void
schema_warn(struct schema *s, const struct ynode *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(s, DIAG_WARNING, at, fmt, ap);
	va_end(ap);
}

static void
key_report(void *ctx, const struct ynode *at, const char *msg)
{
	schema_error(ctx, at, "%s", msg);
}

size_t
schema_keys(struct schema *s, const struct ynode *map, const char *const *allowed,
	    size_t n)
{
	if (map == NULL || map->kind != YNODE_MAP)
		return 0;
	return ydoc_check_keys(map, allowed, n, key_report, s);
}

int
schema_map(struct schema *s, const struct ynode *n, const char *what)
{
	if (n != NULL && n->kind == YNODE_MAP)
		return 1;
	schema_error(s, n, "%s must be a mapping, not %s", what, ydoc_kind_name(n));
	return 0;
}

const struct ynode *
schema_node(struct schema *s, const struct ynode *map, const char *key, int required)
{
	const struct ynode *n = ydoc_get(map, key);

	if (n == NULL && required && map != NULL)
		schema_error(s, map, "missing required key \"%s\"", key);
	return n;
}

const char *
schema_str(struct schema *s, const struct ynode *map, const char *key, int required)
{
	const struct ynode *n = schema_node(s, map, key, required);

	if (n == NULL)
		return NULL;
	if (n->kind != YNODE_SCALAR) {
		schema_error(s, n, "\"%s\" must be a string, not %s", key, ydoc_kind_name(n));
		return NULL;
	}
	if (ydoc_is_null(n)) {
		if (required)
			schema_error(s, n, "\"%s\" must not be empty", key);
		return NULL;
	}
	return n->str;
}

int
schema_bool(struct schema *s, const struct ynode *map, const char *key, int dflt)
{
	const struct ynode *n = ydoc_get(map, key);
	int b;

	if (n == NULL)
		return dflt;
	b = ydoc_bool(n);
	if (b < 0) {
		schema_error(s, n, "\"%s\" must be true or false, not \"%s\"", key,
			     n->kind == YNODE_SCALAR ? n->str : ydoc_kind_name(n));
		return dflt;
	}
	return b;
}

int
schema_int(struct schema *s, const struct ynode *map, const char *key,
	   long min, long max, long *out)
{
	const struct ynode *n = ydoc_get(map, key);
	char *end;
	long v;

	if (n == NULL)
		return 0;
	if (n->kind != YNODE_SCALAR || n->style != YSTYLE_PLAIN || n->len == 0)
		goto bad;
	errno = 0;
	v = strtol(n->str, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 1;
bad:
	schema_error(s, n, "\"%s\" must be a whole number from %ld to %ld", key, min, max);
	return -1;
}

int
schema_dur(struct schema *s, const struct ynode *map, const char *key,
	   int allow_negative, struct dur *out)
{
	const struct ynode *n = ydoc_get(map, key), *at = NULL;
	char why[256];

	if (n == NULL)
		return 0;
	if (dur_from_ynode(n, allow_negative, out, &at, why, sizeof why) < 0) {
		schema_error(s, at ? at : n, "\"%s\": %s", key, why);
		return -1;
	}
	return 1;
}

int
schema_hhmm(struct schema *s, const struct ynode *map, const char *key, int *out)
{
	const char *v = schema_str(s, map, key, 0);
	char why[256];

	if (v == NULL)
		return ydoc_get(map, key) ? -1 : 0;
	if (dtime_parse_hhmm(v, out, why, sizeof why) < 0) {
		schema_error(s, ydoc_get(map, key), "\"%s\": %s", key, why);
		return -1;
	}
	return 1;
}

int
schema_enum(struct schema *s, const struct ynode *map, const char *key,
	    const char *const *choices, size_t n, int *out)
{
	const char *v = schema_str(s, map, key, 0);
	char msg[512];
	size_t i, len;

	if (v == NULL)
		return ydoc_get(map, key) ? -1 : 0;
	for (i = 0; i < n; i++) {
		if (strcmp(v, choices[i]) == 0) {
			*out = (int)i;
			return 1;
		}
	}
	snprintf(msg, sizeof msg, "\"%s\" must be one of ", key);
	for (i = 0; i < n; i++) {
		len = strlen(msg);
		snprintf(msg + len, sizeof msg - len, "%s%s", i ? ", " : "", choices[i]);
	}
	len = strlen(msg);
	snprintf(msg + len, sizeof msg - len, ", not \"%s\"", v);
	suggest_append(msg, sizeof msg, v, choices, n);
	schema_error(s, ydoc_get(map, key), "%s", msg);
	return -1;
}

const char **
schema_strlist(struct schema *s, const struct ynode *map, const char *key,
	       size_t *n, const struct ynode ***nodes)
{
	const struct ynode *l = ydoc_get(map, key);
	const char **v;
	const struct ynode **nv;
	size_t i, k = 0;

	*n = 0;
	if (nodes)
		*nodes = NULL;
	if (l == NULL || ydoc_is_null(l))
		return NULL;
	if (l->kind == YNODE_SCALAR) {
		v = arena_alloc(s->a, sizeof *v);
		v[0] = l->str;
		*n = 1;
		if (nodes) {
			nv = arena_alloc(s->a, sizeof *nv);
			nv[0] = l;
			*nodes = (const struct ynode **)nv;
		}
		return v;
	}
	if (l->kind != YNODE_SEQ) {
		schema_error(s, l, "\"%s\" must be a list, not %s", key, ydoc_kind_name(l));
		return NULL;
	}
	v = arena_alloc(s->a, (l->n + 1) * sizeof *v);
	nv = arena_alloc(s->a, (l->n + 1) * sizeof *nv);
	for (i = 0; i < l->n; i++) {
		const struct ynode *it = l->items[i];

		if (it->kind != YNODE_SCALAR || ydoc_is_null(it)) {
			schema_error(s, it, "\"%s\" must be a list of strings", key);
			continue;
		}
		nv[k] = it;
		v[k++] = it->str;
	}
	*n = k;
	if (nodes)
		*nodes = nv;
	return v;
}

int
schema_id(struct schema *s, const struct ynode *n, const char *what)
{
	if (n == NULL || n->kind != YNODE_SCALAR || !ws_valid_id(n->str)) {
		schema_error(s, n, "invalid %s id \"%s\": use 1 to 64 of a-z, 0-9, '_' and '-', "
			     "starting with a letter or digit", what,
			     n && n->kind == YNODE_SCALAR ? n->str : "");
		return 0;
	}
	return 1;
}

int
schema_expr(struct schema *s, const struct ynode *map, const char *key,
	    struct expr **out, const char **src, const struct ynode **node)
{
	const char *v = schema_str(s, map, key, 0);
	const struct ynode *n = ydoc_get(map, key);
	struct expr_err ee;

	if (node)
		*node = n;
	if (v == NULL)
		return n ? -1 : 0;
	if (expr_parse(s->a, v, out, &ee) < 0) {
		schema_error(s, n, "%s: %d:%d: %s", key, ee.line, ee.col, ee.msg);
		return -1;
	}
	*src = v;
	return 1;
}
