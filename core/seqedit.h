/*
 * seqedit.h - editing a sequence file's steps in place: finding a step by
 * its id, adding and removing its automations, and checking the edited
 * text before anything is written (SPEC §3.6; `drip automate add|rm`).
 *
 * The text is edited with formats/yedit, so every comment and all
 * formatting outside the node that changes stay exactly as they were.  The
 * result is parsed again and must say what was meant (the step has the
 * automation, or no longer has it); lint then checks it as `drip seq lint`
 * would.  Nothing here writes the sequence file or commits: the caller
 * does, with the text these functions produce.
 *
 * Errors: 0, or -1 with err filled (DRIP_ENOINPUT for a sequence, step or
 * automation that does not exist, with a suggestion; DRIP_EDATA for a file
 * or a layout that cannot be edited, with its location).
 * Ownership: everything lives in the arena passed to seqedit_load.
 */
#ifndef DRIP_CORE_SEQEDIT_H
#define DRIP_CORE_SEQEDIT_H

#include <stddef.h>

#include "ydoc.h"
#include "yedit.h"

struct arena;
struct drip_err;
struct lint_ctx;
struct sbuf;

struct seqedit {
	struct arena *a;
	const char *seq, *sid;		/* the sequence and step ids */
	const char *rel;		/* sequences/SEQ.yaml, as messages name it */
	struct ydoc doc;
	const struct ynode *steps_key, *steps;	/* `steps:` and its list */
	const struct ynode *step;	/* the step's mapping */
	const struct ynode *autos;	/* its `automations:` value, or NULL */
	size_t off;			/* how the file indents a list under its key */
};

/* Read root/sequences/SEQ.yaml and find step sid in it. */
int seqedit_load(struct seqedit *w, struct arena *a, const char *root, const char *seq,
		 const char *sid, struct drip_err *err);

/* The index of automation id in the step's list, or -1 when it has none. */
long seqedit_auto_index(const struct seqedit *w, const char *id);

/* Refuse (DRIP_EDATA, at its id) an automation id the step already has. */
int seqedit_check_new(const struct seqedit *w, const char *id, struct drip_err *err);

/*
 * The file's text with the automation id appended to the step, into out:
 * block is the automation as block text, flow as flow text (NULL when it
 * has none: a step written in flow style is then refused).  The result is
 * parsed again and must hold the automation.
 */
int seqedit_add(struct seqedit *w, const char *id, const char *block, const char *flow,
		struct sbuf *out, struct drip_err *err);

/* The file's text with automation id removed from the step (and the
 * automations key with it when it was the only one), into out. */
int seqedit_rm(struct seqedit *w, const char *id, struct sbuf *out, struct drip_err *err);

/*
 * Lint text as sequences/SEQ.yaml would be linted (from a copy in a
 * temporary directory under root/.drip/, since lint reads files), with the
 * workspace context l.  An error refuses the change, the first one named:
 * "cannot VERB automation 'ID': ...".
 */
int seqedit_lint(const struct seqedit *w, struct lint_ctx *l, const char *root,
		 const struct sbuf *text, const char *verb, const char *id,
		 struct drip_err *err);

/* The same for any edit of sequence seq: the first error refuses it as
 * "cannot WHAT: ..." (what: "add step 'x'"). */
int seqedit_lint_text(struct arena *a, const char *seq, struct lint_ctx *l, const char *root,
		      const struct sbuf *text, const char *what, struct drip_err *err);

/*
 * Read the automation mapping in the YAML file path as text to splice:
 * block text always, flow text too (*have_flow set) when the file writes
 * it in flow style.  The id is added when the file has none; one that
 * differs from id is refused.
 */
int seqedit_from_file(struct arena *a, const char *path, const char *id, struct sbuf *block,
		      struct sbuf *flow, int *have_flow, struct drip_err *err);

/*
 * The files of a new sequence (`drip seq new`): into yaml the draft
 * sequences/ID.yaml - a comment saying what to do next, its settings with
 * commented examples, and one email step using template tpl (kind "step":
 * wait 0; "date": on December 24 of year, annually) - and into tmpl that
 * first template's text.  name NULL: the id.
 */
void seqedit_new(struct sbuf *yaml, struct sbuf *tmpl, const char *id, const char *name,
		 const char *kind, const char *tpl, int year);

#endif
