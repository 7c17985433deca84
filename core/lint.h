/*
 * lint.h - `drip seq lint` (SPEC §10): everything that can be known about a
 * sequence or automation file without running it.
 *
 * Checks: YAML syntax and duplicate keys, unknown keys (with suggestion),
 * types, IDs (and that the id matches the file name), durations, times,
 * time zones, templates exist and parse and their fields are columns of
 * contacts.csv, expressions parse and their fields are columns, goto/branch/
 * on_timeout targets exist, zero-wait cycles, unreachable steps, variants'
 * weights, references to other sequences, and that drip.yaml can send the
 * mail a file asks for (a From: address, links.base_url).
 */
#ifndef DRIP_CORE_LINT_H
#define DRIP_CORE_LINT_H

#include <stddef.h>

struct arena;
struct diags;

struct lint_ctx {
	struct arena *a;
	struct diags *d;
	/* Templates are resolved against root (the workspace root; "." outside
	 * one); names in findings are shown relative to it. */
	const char *root;
	/* contacts.csv's header, or NULL when there is none: then fields are
	 * not checked. */
	const char *const *fields;
	size_t nfields;
	/* The sequences of the workspace, or NULL: then references to other
	 * sequences are not checked. */
	const char *const *seqs;
	size_t nseqs;
	/* From drip.yaml, when check_mail is set (in a workspace whose
	 * drip.yaml loads): its from: and links.base_url, or NULL, to check
	 * that it can send the mail a file asks for. */
	int check_mail;
	const char *from, *base_url;
	/* Templates already checked, so one used by ten steps is read once. */
	const char **seen;
	size_t nseen, capseen;
};

/* Lint the file at path (shown as name).  A file in a directory called
 * "automations" is an automation; anything else a sequence.  Findings go to
 * ctx->d. */
void lint_file(struct lint_ctx *ctx, const char *path, const char *name);

/* Every file of the workspace at ctx->root: sequences/NAME.yaml, then
 * automations/NAME.yaml, each in name order, then each of them against its
 * protection record (protect.h), if it has one. */
void lint_workspace(struct lint_ctx *ctx);

/* A file named on the command line (path as given), and, when it is a
 * sequence or automation of the workspace at ctx->root (not "."), against
 * its protection record. */
void lint_named(struct lint_ctx *ctx, const char *path);

/* Check one template (path relative to root), as lint does; at_file/line/col
 * is where a missing template is reported. */
void lint_template(struct lint_ctx *ctx, const char *path, const char *at_file,
		   int line, int col);

#endif
