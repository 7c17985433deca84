/*
 * ydoc.h - YAML documents as located node trees, read with libyaml's event
 * API under the hostile-input rules of SPEC §12.
 *
 * Every node keeps the line and column where it starts (1-based, as an
 * editor shows them) and the byte range it covers in the source, so that
 * diagnostics can point at it and `drip step` can splice the file text
 * without re-emitting it.
 *
 * Rules enforced while loading (each a DRIP_EDATA error with its location):
 *   - a size cap (YDOC_MAX_SIZE, 1 MiB) checked before any parsing;
 *   - anchors and aliases are rejected (no "billion laughs");
 *   - nesting deeper than YDOC_MAX_DEPTH (64) is rejected;
 *   - a duplicate key in a mapping is rejected, naming both lines;
 *   - only one document per file; tags (!!str, !foo) are rejected;
 *   - an empty file, or a document with no content ("---" alone), loads
 *     as a NULL root.
 * The input must be UTF-8 (a leading byte order mark is skipped); invalid
 * UTF-8 and control characters are errors, as are libyaml's syntax errors,
 * reported with libyaml's own words at its location.
 *
 * Locations.  line and col are where the node's first character is, 1-based,
 * with col counted in characters (as an editor shows it), not bytes.
 * [start, end) is a range of bytes in ydoc.src, and end_line/end_col is the
 * position just after it:
 *   - a plain or quoted scalar: its text, quotes included, up to its last
 *     non-blank character (a comment after it is not included);
 *   - a block scalar (| or >): from the indicator through the line break
 *     that ends its last line, with any trailing blank lines it consumed,
 *     so end is at the start of the line that follows it (or at the end
 *     of the file);
 *   - a flow collection: from its opening bracket through its closing one;
 *   - a block collection: from its first key or "-" to the end of its last
 *     child as above, so trailing comments, blank lines and the final line
 *     break are outside it (unless its last child is a block scalar);
 *   - an empty value (`key:` with nothing after it): an empty range just
 *     after the ":".
 * So src[start, end) of a node can be replaced in place without touching
 * its neighbours.
 *
 * Scalars stay strings: booleans are only the plain scalars `true`/`false`
 * (ydoc_bool), so `no`, `on` and `01234` are strings to drip.
 *
 * Ownership: every node and string lives in the arena passed to the loader.
 */
#ifndef DRIP_FORMATS_YDOC_H
#define DRIP_FORMATS_YDOC_H

#include <stddef.h>

struct arena;
struct drip_err;
struct sbuf;

#define YDOC_MAX_SIZE (1024 * 1024)	/* bytes per file, SPEC §12 */
#define YDOC_MAX_DEPTH 64		/* nested collections, SPEC §12 */

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_MAP,
	YNODE_SEQ
};

/* How a scalar was written; plain scalars are the only ones that can be
 * null, booleans or numbers. */
enum yscalar_style {
	YSTYLE_PLAIN,
	YSTYLE_SINGLE,		/* 'quoted' */
	YSTYLE_DOUBLE,		/* "quoted" */
	YSTYLE_BLOCK		/* | or > */
};

struct ypair;

struct ynode {
	enum ynode_kind kind;
	enum yscalar_style style;	/* scalars only */
	int line, col;			/* where the node starts, 1-based (col in characters) */
	int end_line, end_col;		/* just after its end, 1-based; see above */
	size_t start, end;		/* byte offsets [start, end) in the source */
	const char *str;		/* scalar value, NUL-terminated */
	size_t len;			/* its length (may contain NUL bytes) */
	struct ynode **items;		/* YNODE_SEQ: the items */
	struct ypair *pairs;		/* YNODE_MAP: the pairs in file order */
	size_t n;			/* number of items or pairs */
};

struct ypair {
	struct ynode *key;		/* always a scalar */
	struct ynode *val;
};

struct ydoc {
	const char *file;		/* the name used in errors */
	const char *src;		/* the whole source text (arena copy, NUL-terminated) */
	size_t srclen;
	struct ynode *root;		/* NULL for an empty document */
};

/*
 * Parse buf (len bytes) as YAML.  file is the name used in errors.
 * Returns 0, or -1 with err filled (code DRIP_EDATA, file:line:col).
 */
int ydoc_load(struct arena *a, const char *file, const char *buf, size_t len,
	      struct ydoc *out, struct drip_err *err);

/* Read path (refusing files over YDOC_MAX_SIZE before reading them whole)
 * and parse it.  A missing file is DRIP_ENOINPUT. */
int ydoc_load_file(struct arena *a, const char *path, struct ydoc *out,
		   struct drip_err *err);

/* The value for key in a map node, or NULL (also NULL when map is not a map). */
struct ynode *ydoc_get(const struct ynode *map, const char *key);

/* Is n a YAML null: absent, `~`, `null` or an empty plain scalar? */
int ydoc_is_null(const struct ynode *n);

/* Strict booleans: 1 for plain `true`, 0 for plain `false`, -1 otherwise. */
int ydoc_bool(const struct ynode *n);

/*
 * Check that every key of map is one of allowed[] (nallowed entries).  For
 * each unknown key, calls report(ctx, key_node, message) with a message like
 *   unknown key "sned_window" (did you mean "send_window"?)
 * and returns the number of unknown keys.  Lint wants every finding, not
 * only the first, so this reports rather than stopping.
 */
size_t ydoc_check_keys(const struct ynode *map, const char *const *allowed,
		       size_t nallowed,
		       void (*report)(void *ctx, const struct ynode *at, const char *msg),
		       void *ctx);

/* A short name of the node's kind for messages: "a mapping", "a list",
 * "a string", or "nothing" for a null (see ydoc_is_null), absent or not. */
const char *ydoc_kind_name(const struct ynode *n);

/* Append s as a YAML double-quoted scalar: '"' and '\\' escaped, and
 * every control character too (\n, \t, \r by name, the rest as \xHH), so
 * the text reads back byte for byte and never breaks a line. */
void ydoc_quote(struct sbuf *out, const char *s);

#endif
