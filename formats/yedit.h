/*
 * yedit.h - editing YAML text in place, at the byte ranges ydoc records
 * for each node, so that every byte outside the changed node stays as it
 * was: comments, blank lines, quoting, flow or block layout, indentation
 * and line endings (LF or CRLF).  It knows YAML text and node marks, not
 * what the document means.
 *
 * An edit is planned against one loaded document (struct ydoc) and kept in
 * a struct yedit_ctx; yedit_apply then writes the new text.  Nothing is
 * re-emitted: new text is rendered in the file's own style (its line
 * ending, its list indentation) and spliced in.  A caller should load the
 * result again and check it says what it meant: the operations refuse the
 * layouts they know they cannot edit safely, not every possible one.
 *
 * Text given to the operations comes in two forms:
 *   - block text: the lines of a node as they would be written at column
 *     0, each ending in '\n' ("id: x\non: enter\nactions:\n  - archive\n");
 *     lines are indented to the place they go and get the file's endings;
 *   - flow text: the node on one line ("{id: x, on: enter}"), used where
 *     the place is written in flow style.  NULL when there is none: then an
 *     edit in a flow-style place is refused with YEDIT_EFLOWMAP or
 *     YEDIT_EFLOWLIST.
 *
 * Errors: the operations return 0, or a negative code with err filled
 * (DRIP_EDATA, the file and the line:col of the node they refuse, and a
 * message ending "; edit FILE by hand").  The codes below say which
 * refusal it was, for a caller that words it its own way.
 *
 * Ownership: rendered text lives in the context's arena; the document must
 * outlive the context.
 */
#ifndef DRIP_FORMATS_YEDIT_H
#define DRIP_FORMATS_YEDIT_H

#include <stddef.h>

struct arena;
struct drip_err;
struct sbuf;
struct ydoc;
struct ynode;

/* Refusals (besides -1, a layout it cannot edit, or bad arguments). */
enum {
	YEDIT_EFLOWMAP = -2,	/* the mapping is in flow style and no flow text was given */
	YEDIT_EFLOWLIST = -3	/* the list is in flow style and no flow text was given */
};

/* One replacement: the bytes [start, end) of the source become text. */
struct yedit {
	size_t start, end;
	const char *text;
};

struct yedit_ctx {
	struct arena *a;
	const struct ydoc *doc;
	const char *eol;	/* "\n", or "\r\n" for a file written so (yedit_eol) */
	size_t off;		/* how far a new block list goes under its key: 2 unless
				 * learnt from the file (yedit_list_offset) */
	const char *noun;	/* what an item is called in messages: "item" */
	struct yedit *v;	/* the planned edits, in the order planned */
	size_t n, cap;
};

/* Start editing doc (whose file name, doc->file, messages use). */
void yedit_init(struct yedit_ctx *y, struct arena *a, const struct ydoc *doc);

/* ---- what the file says about its own style ---- */

/* "\r\n" when the file's first line ends so, else "\n". */
const char *yedit_eol(const struct ydoc *d);

/* Is n a flow collection ({...} or [...])?  Scalars are not. */
int yedit_is_flow(const struct ydoc *d, const struct ynode *n);

/* How far the block list list is indented under its key key (0 for an
 * indentless list, at most 8); 2 when list is not a block list or is NULL. */
size_t yedit_list_offset(const struct ydoc *d, const struct ynode *key,
			 const struct ynode *list);

/* ---- writing YAML text ---- */

/* Can s be written as a plain scalar, in block and flow context alike,
 * and be read back as the same string by any YAML reader (so not "true",
 * "no", "~", a number or anything with a YAML indicator)? */
int yedit_plain_ok(const char *s);

/* Append s as a scalar: plain when yedit_plain_ok, else double-quoted. */
void yedit_put_scalar(struct sbuf *out, const char *s);

/*
 * Append the len bytes of s as block text: every line after the first
 * loses up to base leading spaces (the column its node started at, less
 * one), lines of spaces become empty, each line ends in '\n' (a '\r'
 * before it goes: the target's endings are applied when it is spliced).
 */
void yedit_reindent(struct sbuf *out, const char *s, size_t len, size_t base);

/* ---- planning edits ---- */

/*
 * Append an item to the list under key in the mapping map.  When the key is
 * absent it is added after the last key; a null value (`key:`, `key: ~`)
 * or an empty flow list (`key: []`) in a block mapping becomes a block
 * list (a comment after the placeholder stays).  In a flow mapping or a
 * flow list the item goes in as flow text.  A value that is not a list is
 * refused.
 */
int yedit_append(struct yedit_ctx *y, const struct ynode *map, const char *key,
		 const char *block, const char *flow, struct drip_err *err);

/* Insert an item into list (not empty) just before (after = 0) or just
 * after (after = 1) its item i, indented as that item is. */
int yedit_insert(struct yedit_ctx *y, const struct ynode *list, size_t i, int after,
		 const char *block, const char *flow, struct drip_err *err);

/*
 * Remove item i of the list under key in the mapping map, with the lines it
 * had to itself (its comments on those lines go with it).  When it is the
 * only item, the key goes too.
 */
int yedit_remove(struct yedit_ctx *y, const struct ynode *map, const char *key, size_t i,
		 struct drip_err *err);

/*
 * Set key in the mapping map to text, a scalar or flow collection on one
 * line (see yedit_put_scalar).  An existing value is replaced whatever its
 * form: a scalar or flow collection in place (a comment after it stays), a
 * block collection with all its lines, a block scalar from its indicator
 * through its last line (a comment after the indicator goes with it).  An
 * absent key is added after the last one (in flow style), or in block
 * style after the last pair whose value is not a block collection, so that
 * a trailing block (a step's automations) and the comment above it stay
 * last.
 */
int yedit_set(struct yedit_ctx *y, const struct ynode *map, const char *key,
	      const char *text, struct drip_err *err);

/*
 * Copy item i of the block or flow list list to just before (after = 0) or
 * just after (after = 1) its item j, as written: in block style its whole
 * lines (comments on them too), in flow style the item's text.  subs are
 * replacements within the item's bytes (absolute offsets in the source,
 * not overlapping, in any order) applied to the copy only; the original
 * stays as it was.  In block style the blank lines that part the item from
 * the one before it (none for the first) go with the copy: before it when
 * it goes after item j, after it when it goes before.
 */
int yedit_copy(struct yedit_ctx *y, const struct ynode *list, size_t i, size_t j, int after,
	       const struct yedit *subs, size_t nsubs, struct drip_err *err);

/* Remove item i of list, which has others: as yedit_remove, and in block
 * style with the blank lines that part it from the item before. */
int yedit_remove_item(struct yedit_ctx *y, const struct ynode *list, size_t i,
		      struct drip_err *err);

/* Move item i of list to just before or just after its item j (i != j):
 * yedit_copy of it there, and yedit_remove_item of it here. */
int yedit_move(struct yedit_ctx *y, const struct ynode *list, size_t i, size_t j, int after,
	       struct drip_err *err);

/*
 * Remove key and its value from the mapping map: in block style the lines
 * from the key through the value's last line (the key must start its
 * line), in flow style the pair and a comma next to it.  An absent key
 * plans nothing; the only key of a mapping is refused.
 */
int yedit_unset(struct yedit_ctx *y, const struct ynode *map, const char *key,
		struct drip_err *err);

/* Plan one replacement directly. */
void yedit_add(struct yedit_ctx *y, size_t start, size_t end, const char *text);

/*
 * The document's text with the planned edits applied, into out.  Edits are
 * applied in order of position (two insertions at one place in the order
 * planned); edits that overlap are refused (-1, err filled).
 */
int yedit_apply(const struct yedit_ctx *y, struct sbuf *out, struct drip_err *err);

#endif
