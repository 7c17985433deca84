/*
 * owners.h - who may change a sequence (SPEC §10): its `owners:` and
 * drip.yaml's `admins:`, when either list is set; anyone when neither is.
 * Every command that changes a sequence (step add|set|mv|dup|rm, automate
 * add|rm, seq publish) asks owners_check before it changes anything, and
 * `drip seq owners --codeowners` writes the same rule as a CODEOWNERS file
 * so that the git host enforces it on pull requests.
 *
 * Identity: the DRIP_USER environment variable, else git config
 * user.email of the workspace's repository (all levels).  Addresses
 * compare without regard to case.
 *
 * Errors: 0, or -1 with err filled (DRIP_EPERM naming who may).
 * Ownership: everything returned lives in the arena passed in.
 */
#ifndef DRIP_CORE_OWNERS_H
#define DRIP_CORE_OWNERS_H

#include <stddef.h>

struct arena;
struct config;
struct drip_err;

/* Who runs drip, or NULL when neither DRIP_USER nor user.email says. */
const char *owners_identity(struct arena *a, const char *root);

/* The owners: list of root/sequences/SEQ.yaml as written (none when the
 * file is missing or says nothing readable: lint reports that). */
const char **owners_of(struct arena *a, const char *root, const char *seq, size_t *n);

/* May the user change sequence seq?  0, or DRIP_EPERM with a message
 * naming the owners and admins. */
int owners_check(struct arena *a, const char *root, const struct config *cfg,
		 const char *seq, struct drip_err *err);

/*
 * The CODEOWNERS lines for the sequences seqs (n of them): for each,
 * "/sequences/ID.yaml OWNER... ADMIN...", then one line per template the
 * sequences use, "/TEMPLATE OWNERS-OF-EVERY-SEQUENCE-USING-IT... ADMIN...",
 * and "/drip.yaml ADMIN..." and "/automations/ ADMIN..."; a path nobody
 * owns gets no line.  Each line is two cells: the path and the owners
 * separated by spaces.  Returns how many rows went into *rows (2 cells
 * each).
 */
size_t owners_codeowners(struct arena *a, const char *root, const struct config *cfg,
			 const char *const *seqs, size_t n, const char ***rows);

#endif
