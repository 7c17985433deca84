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
#include <stdint.h>

#include "migrate.h"

struct arena;
struct config;
struct txn_change;
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

/* Every file pinned for sequence id now (state/published/ID/..., paths
 * relative to root, in directory order). */
const char **pub_pinned_files(struct arena *a, const char *root, const char *id, size_t *n);

/*
 * `seq diff`: the draft of sequence id against its published version, as
 * unified diffs into out - the sequence file (published/sequences/ID.yaml
 * against draft/sequences/ID.yaml), each template q uses, then each pinned
 * template the draft no longer uses (as removed).  q NULL (the draft does
 * not parse), or a template it names missing: the sequence file alone.
 * Nothing pinned diffs against nothing.  An empty out: no difference.
 */
struct sbuf;
int pub_diff(struct arena *a, const char *root, const char *id, const struct seq *q,
	     struct sbuf *out, struct drip_err *err);

/* Field col of row (-1: none) of the state table, "" when absent. */
const char *pub_field(const struct csvio_table *t, long row, const char *col);

/* The published version of sequence id at root, parsed (its own findings
 * dropped), or NULL when there is none or it does not parse. */
const struct seq *pub_load_published(struct arena *a, const char *root, const char *id);

/* What publishing the draft q (content pc) of sequence id at now changes. */
struct pub_prepared {
	struct txn_change *ch;		/* the files to write: pinned content, the
					 * pinned files it drops, state/sequences.csv
					 * and the migrated enrollment shards */
	size_t nch;
	int same;			/* the draft is the published content: ch empty */
	long from;			/* the published version, 0 for none */
	long version;			/* the version publishing makes (from when same) */
	const char *status;		/* the sequence's status after */
	long moved;			/* enrollments migration moved */
	struct migrate_result mres;	/* their shards (pub_prepared_release) */
};

/*
 * Prepare SPEC §3.5's publish of sequence id from root: refused (DRIP_EFAIL)
 * when it is stopped or archived; nothing to do (out->same) when the
 * draft's digest is the published one; otherwise version N+1 of everything
 * with the enrollments migrated (migrate.h; w is told of each).  now_utc is
 * now as the state table writes it.  Nothing is written but the migrated
 * shards' temporary files.
 */
int pub_prepare(struct arena *a, const char *root, const struct config *cfg, const char *id,
		const struct seq *q, const struct pub_content *pc, int64_t now,
		const char *now_utc, const struct migrate_watch *w, struct pub_prepared *out,
		struct drip_err *err);
void pub_prepared_release(struct pub_prepared *p);

/* Only what publishing would make of the sequence's version and status
 * (out's from, version, status and same; no changes, no migration), as
 * pub_prepare decides it: DRIP_EFAIL for a stopped or archived one. */
int pub_next(struct arena *a, const char *root, const char *id, const struct pub_content *pc,
	     struct pub_prepared *out, struct drip_err *err);

#endif
