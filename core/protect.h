/*
 * protect.h - password protection of sequences and automations (SPEC §3.6).
 *
 * A protected object (sequences/ID.yaml, automations/ID.yaml) has a record,
 * committed beside it as protect/seq-ID.sig or protect/auto-ID.sig
 * (drip-files(5)), holding:
 *   - an argon2id hash of the password (crypto_pwhash_str), which says
 *     whether a password is the right one;
 *   - a salt and the limits with which the password derives an Ed25519 seed
 *     (crypto_pwhash), hence a key pair, and that public key;
 *   - the signature, by that key, of the object's canonical content: the
 *     exact bytes of the file, after the line "drip-protect-1", the file's
 *     workspace path and a newline (so a record cannot be moved to another
 *     object);
 *   - a short digest of every line of the file, which is no part of the
 *     proof: it only lets lint and tick name the first line that changed;
 *   - for a published sequence, the signature of its published copy
 *     (state/published/ID/sequence.yaml, what tick runs), made the same way
 *     with that path.
 *
 * Verifying content needs only the record (no password): lint and tick do
 * it.  Changing content needs the password: it unlocks (the hash), derives
 * the key (the salt), checks the key is the recorded one, and signs again.
 * Secrets (the password, the seed, the secret key) live outside the arena
 * and are wiped as soon as they are used.
 *
 * Key derivation and hashing use libsodium's "interactive" limits, or those
 * DRIP_PROTECT_LIMITS names (interactive, moderate, min - min is for tests
 * only).  A record hashed with other limits than the current ones is hashed
 * again on its next successful use (crypto_pwhash_str_needs_rehash).
 */
#ifndef DRIP_CORE_PROTECT_H
#define DRIP_CORE_PROTECT_H

#include <stddef.h>

struct arena;
struct diags;
struct drip_err;
struct sbuf;
struct txn_change;

enum protect_kind {
	PROTECT_SEQ,		/* sequences/ID.yaml, protect/seq-ID.sig */
	PROTECT_AUTO		/* automations/ID.yaml, protect/auto-ID.sig */
};

#define PROTECT_DIR "protect"
#define PROTECT_PW_MAX 1024	/* longest password accepted, in bytes */

/* A record, parsed.  No secret in it. */
struct protect_rec {
	enum protect_kind kind;
	const char *id;
	const char *object;		/* "sequences/ID.yaml" */
	const char *path;		/* "protect/seq-ID.sig" */
	char hash[128];			/* crypto_pwhash_str's string */
	unsigned char salt[16];
	unsigned long long ops;		/* key derivation limits */
	size_t mem;
	unsigned char pk[32];
	unsigned char sig[64];
	unsigned char *lines;		/* 4 bytes per line of the object */
	size_t nlines;
	const char *pinned;		/* "state/published/ID/sequence.yaml", or NULL */
	int has_pub;			/* pub_sig signs the pinned copy */
	unsigned char pub_sig[64];
};

/* The workspace paths of an object and of its record (arena-owned). */
const char *protect_object_path(struct arena *a, enum protect_kind k, const char *id);
const char *protect_record_path(struct arena *a, enum protect_kind k, const char *id);

/* Which object a workspace path names: 1 with *k and *id (arena-owned) when
 * rel is sequences/ID.yaml or automations/ID.yaml, else 0. */
int protect_object_of(struct arena *a, const char *rel, enum protect_kind *k, const char **id);

/* Read the record of (k, id) under root: 1 and *r when the object is
 * protected, 0 when it is not, -1 (DRIP_EDATA naming the record's line)
 * when the record is damaged. */
int protect_load(struct arena *a, const char *root, enum protect_kind k, const char *id,
		 struct protect_rec *r, struct drip_err *err);

/* Does data (the object's bytes) carry r's signature?  0 yes; -1 no, with
 * *line the first line that differs from the signed content (1-based). */
int protect_verify(const struct protect_rec *r, const char *data, size_t len, int *line);

/* Does data carry r's signature of the published copy?  0 yes, -1 no (or
 * r has none). */
int protect_verify_pinned(const struct protect_rec *r, const char *data, size_t len);

/* Is pw r's password?  0 yes, -1 DRIP_EPERM ("wrong password for ..."). */
int protect_unlock(const struct protect_rec *r, const char *pw, size_t pwlen,
		   struct drip_err *err);

/*
 * The record that protects data as object (k, id) under the password pw,
 * into out.  With old (a record pw unlocked), its hash, salt and limits are
 * kept unless the current limits differ (then all are made afresh: the
 * rehash), and the derived key must be old's; without old, everything is
 * new.  pinned (publen bytes), when not NULL, is a sequence's published
 * copy, signed too.  *rehashed tells whether the hash was made again.
 * Returns 0 or -1.
 */
int protect_seal(struct arena *a, enum protect_kind k, const char *id, const char *pw,
		 size_t pwlen, const struct protect_rec *old, const char *data, size_t len,
		 const char *pinned, size_t publen, struct sbuf *out, int *rehashed,
		 struct drip_err *err);

/*
 * The record of (k, id) once the changes ch (n of them, as txn_apply takes
 * them) are made, the object's and its published copy's bytes taken from
 * ch or else from root, sealed with the password (old: the record now, or
 * NULL to protect it afresh): 1 with *out the change that writes the new
 * record (or deletes it, when the changes delete the object), 0 when the
 * record on disk is that already, -1 with err (DRIP_ENOINPUT when there is
 * no object to protect).  out->data is arena-owned.
 */
int protect_reseal(struct arena *a, const char *root, enum protect_kind k, const char *id,
		   const struct protect_rec *old, const char *pw, size_t pwlen,
		   const struct txn_change *ch, size_t n, struct txn_change *out,
		   struct drip_err *err);

/* The object of r (and its published copy, when signed), read from
 * root, against r: 0, or -1 with DRIP_EDATA naming the file and the first
 * line that no longer matches (or the record, when the object is gone). */
int protect_check(const char *root, const struct protect_rec *r, struct drip_err *err);

/* Every record under root checked against its object: 0 when all match,
 * else -1 with DRIP_EDATA naming the first object's file and line that no
 * longer matches (or the damaged record's).  What tick runs first. */
int protect_check_all(struct arena *a, const char *root, struct drip_err *err);

/* For lint: the object at rel (shown as name) checked against its record,
 * when it has one; a finding into d otherwise.  */
void protect_lint(struct arena *a, const char *root, const char *rel, const char *name,
		  struct diags *d);

#endif
