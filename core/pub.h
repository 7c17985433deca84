/*
 * pub.h - published sequences (SPEC §3.5): what `drip seq publish` pins and
 * what `drip tick` runs.
 *
 * Layout (drip-files(5)):
 *   state/sequences.csv                  id,status,version,published_at,digest
 *   state/published/ID/sequence.yaml     the sequence as published
 *   state/published/ID/PATH              each template it uses, PATH as in the
 *                                        sequence (e.g. templates/welcome.eml)
 * The digest is BLAKE2b-256 over the pinned files, so "is the draft the
 * published content?" is one comparison.
 */
#ifndef DRIP_CORE_PUB_H
#define DRIP_CORE_PUB_H

#include <stddef.h>

struct arena;
struct csvio_table;
struct drip_err;
struct seq;
struct sbuf;

#define PUB_STATE "state/sequences.csv"
#define PUB_HEADER "id,status,version,published_at,digest\n"

/* Sequence statuses (SPEC §3.5); draft is "no row in state/sequences.csv". */
extern const char *const pub_statuses[];	/* NULL-terminated */

/* One file of a sequence's content: its path in the workspace and bytes. */
struct pub_file {
	const char *path;		/* "sequences/x.yaml", "templates/a.eml" */
	const char *data;
	size_t len;
};

struct pub_content {
	struct pub_file *files;		/* [0] is the sequence; templates sorted */
	size_t nfiles;
	char digest[65];		/* hex BLAKE2b-256 */
};

/* Read the draft: the sequence file and every template q uses, from root.
 * A missing template is DRIP_ENOINPUT naming it. */
int pub_read_draft(struct arena *a, const char *root, const struct seq *q,
		   struct pub_content *out, struct drip_err *err);

/* The templates q uses, each once, sorted (arena-owned). */
const char **pub_templates(struct arena *a, const struct seq *q, size_t *n);

/* The pinned path of a draft file for sequence id. */
const char *pub_pinned_path(struct arena *a, const char *id, const char *draft_path);

/* Load state/sequences.csv (an absent file is an empty table). */
int pub_load_state(struct arena *a, const char *root, struct csvio_table *t,
		   struct drip_err *err);

/* The row of sequence id in the state table, or -1. */
long pub_find(const struct csvio_table *t, const char *id);

#endif
