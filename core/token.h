/*
 * token.h - signed links (SPEC §8): the tokens behind {{link.yes}},
 * {{link.no}}, {{link.unsubscribe}} and List-Unsubscribe, and the signing
 * key that makes them.
 *
 * A token says "this contact answered yes/no/unsubscribe to this step of
 * this sequence, entered at this time", signed with the workspace's Ed25519
 * secret key (.drip/signing.key, written by `drip init`).  Anyone with only
 * the public key (drip.yaml links.public_key) can check it, so `drip
 * respond` never needs the secret.
 *
 * Wire format, version 1.  The token is the URL-safe base64 without padding
 * (RFC 4648 §5: A-Z a-z 0-9 - _, no '=') of PAYLOAD || SIG, where SIG is the
 * 64-byte Ed25519 detached signature of PAYLOAD and PAYLOAD is:
 *
 *   offset  size  field
 *   0       1     format version, 1
 *   1       1     C = length of the contact id, 1..128
 *   2       C     contact id (bytes, no NUL, no control characters)
 *   2+C     1     S = length of the sequence id, 0..64
 *   3+C     S     sequence id
 *   3+C+S   1     P = length of the step id, 0..64
 *   4+C+S   P     step id
 *   4+C+S+P 8     entered: the enrollment's entry time into that step,
 *                 seconds UTC, int64 two's complement, little-endian
 *   12+C+S+P 1    answer: 1 yes, 2 no, 3 unsubscribe
 *   13+C+S+P 8    expires: seconds UTC, int64 little-endian, >= 0;
 *                 0 = never, and always 0 for unsubscribe
 *
 * So PAYLOAD is 21 + C + S + P bytes (22..277), the decoded token 86..341
 * bytes and the text at most 455 characters.  Nothing follows the step's
 * last field: trailing bytes make a token invalid.  Empty sequence and step
 * ids are allowed for links that do not come from a step.
 *
 * The encoding is canonical: exactly one string decodes to a given
 * payload and signature, and Ed25519 signatures are deterministic, so the
 * same token and key always give the same string; `drip respond` can
 * treat a repeated string as a repeated answer.
 */
#ifndef DRIP_CORE_TOKEN_H
#define DRIP_CORE_TOKEN_H

#include <stdint.h>

struct arena;
struct drip_err;
struct sbuf;

/* The payload format this code writes and the only one it reads. */
#define TOKEN_VERSION 1

/* Longest ids a token carries (bytes, not counting the NUL). */
#define TOKEN_CONTACT_MAX 128
#define TOKEN_ID_MAX 64

/* token_verify refuses longer input before decoding anything. */
#define TOKEN_TEXT_MAX 1024

/* Results of token_verify. */
#define TOKEN_OK 0		/* signed by the key and not expired */
#define TOKEN_INVALID 1		/* not a token made with this key: trust nothing */
#define TOKEN_EXPIRED 2		/* genuine, but its expiry has passed */

/* Answers. */
#define TOKEN_YES 1		/* "Yes, I'm still interested" */
#define TOKEN_NO 2		/* "Not interested" */
#define TOKEN_UNSUBSCRIBE 3	/* unsubscribe link; never expires */

/*
 * The signing key, read from ROOT/.drip/signing.key: refused (DRIP_ECONFIG)
 * if the file is group/world readable (mode & 077) or not 64 bytes after
 * base64 decoding; the secret lives in sodium_malloc'ed memory and is wiped
 * by token_key_free.
 *
 * path is the key file itself.  The file holds the standard base64 of
 * libsodium's 64-byte Ed25519 secret key (seed, then public key), with
 * optional trailing white space; a key whose public half does not match its
 * seed is refused too (DRIP_ECONFIG).  A missing file is DRIP_ENOINPUT, an
 * unreadable one DRIP_EFAIL.  On success *out is the caller's, to be freed
 * with token_key_free.
 */
struct token_key;
int token_key_load(const char *path, struct token_key **out, struct drip_err *err);
/* Wipe and free; NULL is fine. */
void token_key_free(struct token_key *k);

/*
 * The key's public half, so a caller can check that it matches drip.yaml's
 * links.public_key before signing links nobody could verify.
 */
void token_key_public(const struct token_key *k, unsigned char pk[32]);

/*
 * Parse a base64 public key (drip.yaml links.public_key); 0 or -1 with err.
 * Standard base64 with padding, as `drip init` writes it, of 32 bytes that
 * are a valid Ed25519 point; anything else is DRIP_ECONFIG.
 */
int token_pubkey_parse(const char *b64, unsigned char pk[32], struct drip_err *err);

struct token {
	int version;			/* TOKEN_VERSION */
	char contact[129], sequence[65], step[65];
	int64_t entered;		/* the enrollment's entry time into that step (seconds UTC) */
	int answer;			/* TOKEN_YES, TOKEN_NO, TOKEN_UNSUBSCRIBE */
	int64_t expires;		/* seconds UTC; 0 = never (unsubscribe tokens never expire) */
};

/*
 * Sign t with k and append the token text to out (see the format above).
 * Deterministic: the same token and key always give the same string.
 * For TOKEN_UNSUBSCRIBE the expiry is written as 0 whatever t->expires says,
 * since unsubscribe links never expire (SPEC §8).  A token that cannot be
 * written - version other than TOKEN_VERSION, empty or unterminated contact,
 * unterminated ids, control characters in an id, unknown answer, negative
 * expiry - is DRIP_EDATA and out is left as it was.
 */
int token_sign(const struct token *t, const struct token_key *k, struct sbuf *out,
	       struct drip_err *err);

/*
 * Verify with only the public key: TOKEN_OK and *t filled; TOKEN_INVALID
 * for bad base64, wrong length, unknown version, bad signature, malformed
 * fields (never trusting any field before the signature checks), and for
 * input longer than TOKEN_TEXT_MAX or NULL; *t is then zeroed.
 * TOKEN_EXPIRED when now >= expires (and expires != 0) - the contents are
 * still filled in so a page can say who it was for.
 */
int token_verify(const char *s, const unsigned char pk[32], int64_t now, struct token *t);

/*
 * The link: base_url + "?t=" + TOKEN (base_url may already contain '?',
 * then '&t=').  A base_url ending in '?' or '&' gets just "t=TOKEN", and a
 * fragment ("#...") stays at the end.  *out is allocated in a.  An empty or
 * NULL base_url is DRIP_ECONFIG (links.base_url is not set); errors of
 * token_sign pass through.
 */
int token_link(struct arena *a, const char *base_url, const struct token *t,
	       const struct token_key *k, const char **out, struct drip_err *err);

/*
 * Answers by name, as the engine's link callback and the inbox use them:
 * "yes", "no", "unsubscribe".  token_answer_parse gives 0 for any other
 * string (or NULL); token_answer_name gives NULL for any other number.
 */
int token_answer_parse(const char *name);
const char *token_answer_name(int answer);

#endif
