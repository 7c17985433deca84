/*
 * schema.h - checking YAML nodes against what drip expects, reporting each
 * problem to a diagnostics list at the node's line and column.
 *
 * Every getter takes the map and a key, reports a wrong type or value, and
 * returns a sensible "absent" value so the caller can go on checking the
 * rest of the file.  Messages name the key: `"wait": expected a duration like
 * 3d or a map of months, weeks, days, hours, minutes`.
 */
#ifndef DRIP_CORE_SCHEMA_H
#define DRIP_CORE_SCHEMA_H

#include <stddef.h>

#include "diag.h"
#include "dur.h"

struct arena;
struct expr;
struct ynode;

struct schema {
	struct arena *a;
	struct diags *d;
	const char *file;
};

void schema_error(struct schema *s, const struct ynode *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void schema_warn(struct schema *s, const struct ynode *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Report every key of map not in allowed[]; returns how many. */
size_t schema_keys(struct schema *s, const struct ynode *map,
		   const char *const *allowed, size_t n);

/* Is n a mapping?  If not, report "WHAT must be a mapping, not X". */
int schema_map(struct schema *s, const struct ynode *n, const char *what);

/* The key's node (NULL when absent); with required, report a missing key at
 * the map. */
const struct ynode *schema_node(struct schema *s, const struct ynode *map,
				const char *key, int required);

/* A scalar string; NULL when absent or wrong. */
const char *schema_str(struct schema *s, const struct ynode *map,
		       const char *key, int required);
/* true/false; dflt when absent, dflt on error (after reporting). */
int schema_bool(struct schema *s, const struct ynode *map, const char *key, int dflt);
/* An integer in [min, max]; 1 and *out set when present and valid, 0 when
 * absent, -1 when bad. */
int schema_int(struct schema *s, const struct ynode *map, const char *key,
	       long min, long max, long *out);
/* A duration; same return convention as schema_int. */
int schema_dur(struct schema *s, const struct ynode *map, const char *key,
	       int allow_negative, struct dur *out);
/* "HH:MM" as minutes; same return convention. */
int schema_hhmm(struct schema *s, const struct ynode *map, const char *key, int *out);
/* One of choices[] (index into it); same return convention. */
int schema_enum(struct schema *s, const struct ynode *map, const char *key,
		const char *const *choices, size_t n, int *out);
/* A list of strings (a single scalar counts as a list of one); NULL and
 * *n = 0 when absent or bad.  Each entry's node goes to nodes if not NULL. */
const char **schema_strlist(struct schema *s, const struct ynode *map,
			    const char *key, size_t *n,
			    const struct ynode ***nodes);
/* An ID as SPEC §3.1 defines them; reports "invalid WHAT id \"X\"". */
int schema_id(struct schema *s, const struct ynode *n, const char *what);
/* An expression: parsed; a syntax error is reported as "KEY: L:C: msg".
 * 1 when present and valid (and *out, *src set), 0 absent, -1 bad. */
int schema_expr(struct schema *s, const struct ynode *map, const char *key,
		struct expr **out, const char **src, const struct ynode **node);

#endif
