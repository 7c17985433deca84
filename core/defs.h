/*
 * defs.h - loading what tick runs: the published version of every sequence
 * that is active, paused or stopping (SPEC §3.5), with its pinned templates.
 * Later edits to drafts change nothing here until the next publish.
 */
#ifndef DRIP_CORE_DEFS_H
#define DRIP_CORE_DEFS_H

#include "engine.h"

struct arena;
struct config;
struct drip_err;

/*
 * Fill d from root's state/sequences.csv and state/published/.  Zones the
 * sequences name are loaded here (and freed by defs_release).  Pinned
 * content that does not parse is DRIP_EDATA at its file:line:col - it was
 * clean when published, so this means someone edited state/ by hand.
 */
int defs_load(struct arena *a, const char *root, const struct config *cfg,
	      struct defs *d, struct drip_err *err);
void defs_release(struct defs *d);

/*
 * Put sequence id as publishing would pin it - content q and pc (the draft
 * read by pub_read_draft), version, status after, published at
 * published_at - in place of its loaded version, or among d's sequences
 * when it has none; a paused one keeps its pause.  `seq publish --plan`
 * runs the pass on this instead of pinning anything.
 */
struct pub_content;
struct seq;
int defs_put_seq(struct arena *a, struct defs *d, const char *id, const struct seq *q,
		 const struct pub_content *pc, long version, const char *status,
		 int64_t published_at, struct drip_err *err);

/*
 * Add the sequence automations of root's automations/ (every ID.yaml, by
 * id) to d, with the templates their notify actions use, each since =
 * STATE_NONE for the caller to fill in.  A file that does not lint clean
 * is DRIP_EDATA at its first error's file:line:col, so a broken automation
 * stops tick with its location instead of running half understood.
 */
int defs_load_autos(struct arena *a, const char *root, struct defs *d, struct drip_err *err);

/* Load the YAML file root/rel (named rel in errors) and set up a schema s
 * whose findings go to dg, for seq_parse or autom_parse. */
struct diags;
struct schema;
struct ydoc;
int defs_load_doc(struct arena *a, const char *root, const char *rel, struct ydoc *doc,
		  struct schema *s, struct diags *dg, struct drip_err *err);

/*
 * Can drip.yaml send the mail the loaded sequences and automations ask for?
 * A template with no From: and no from: in drip.yaml, or mail to contacts
 * without links.base_url for the unsubscribe link, is DRIP_ECONFIG naming
 * drip.yaml, the sequence or automation and the place that asks, so tick
 * refuses to run instead of logging every message as failed.  Notices to
 * colleagues without a from: are only lint's warning.
 */
int defs_check_mail(const struct defs *d, struct drip_err *err);

#endif
