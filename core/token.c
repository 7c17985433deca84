/*
 * token.c - signing and verifying link tokens, and loading the signing key.
 *
 * The payload layout is documented in token.h.  Verification decodes the
 * text, checks the signature over everything but the last 64 bytes, and
 * only then looks at a single field: an attacker controls every byte until
 * the signature says otherwise.
 */
#include "token.h"

#include "arena.h"
#include "err.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/* Fixed parts of a payload: version, three length bytes, entered, answer,
 * expires. */
#define FIXED_LEN (1 + 3 + 8 + 1 + 8)
#define PAYLOAD_MIN (FIXED_LEN + 1)
#define PAYLOAD_MAX (FIXED_LEN + TOKEN_CONTACT_MAX + 2 * TOKEN_ID_MAX)
#define SIG_LEN crypto_sign_BYTES
#define RAW_MAX (PAYLOAD_MAX + SIG_LEN)
#define TEXT_LEN sodium_base64_ENCODED_LEN(RAW_MAX, \
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING)

/* The key file is 88 characters and a newline; anything much longer is not
 * a key, and need not be read to know it. */
#define KEYFILE_MAX 256

/* The secret and its public half, in one sodium_malloc'ed block: guard pages
 * around it, locked out of swap where the system allows, read-only once
 * loaded, and wiped by sodium_free. */
struct token_key {
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
};

/* Scratch for token_key_load that also touches the secret. */
struct key_scratch {
	char text[KEYFILE_MAX + 1];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
};

/* Read at most max bytes of fd into buf; more than that is reported as
 * max + 1 so the caller can refuse it. */
static ssize_t
read_capped(int fd, char *buf, size_t max)
{
	size_t len = 0;
	ssize_t n;
	char extra;

	while (len < max) {
		n = read(fd, buf + len, max - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return (ssize_t)len;
		len += (size_t)n;
	}
	do
		n = read(fd, &extra, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	return n == 0 ? (ssize_t)len : (ssize_t)max + 1;
}

/* Open path and check it is a regular file only its owner can get at. */
static int
open_private(const char *path, int *fdp, struct drip_err *err)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(err, errno == ENOENT ? DRIP_ENOINPUT : DRIP_EFAIL, path,
			       "cannot open signing key");
	if (fstat(fd, &st) < 0) {
		err_sys(err, DRIP_EFAIL, path, "cannot stat signing key");
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, DRIP_ECONFIG, path, 0, 0,
			       "signing key \"%s\" is not a regular file", path);
	}
	/* The check is on the open file, so a chmod racing with us cannot
	 * slip a readable key past it. */
	if (st.st_mode & 077) {
		close(fd);
		return err_set(err, DRIP_ECONFIG, path, 0, 0,
			       "signing key \"%s\" is accessible to group or others "
			       "(mode %04o); it must be mode 0600",
			       path, (unsigned)(st.st_mode & 07777));
	}
	*fdp = fd;
	return 0;
}

/* Is c white space that may trail the key in its file? */
static int
trailing_space(char c)
{
	return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

/* Decode the key file's text (len bytes of s->text) into k and check that
 * its two halves belong together. */
static int
decode_key(struct key_scratch *s, size_t len, struct token_key *k, const char *path,
	   struct drip_err *err)
{
	const char *end = NULL;
	size_t binlen = 0;

	/* The newline init writes (or an editor's) is not part of the key;
	 * anything else that is not base64 is an error. */
	while (len > 0 && trailing_space(s->text[len - 1]))
		len--;
	if (sodium_base642bin(k->sk, sizeof k->sk, s->text, len, NULL, &binlen, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s->text + len || binlen != sizeof k->sk)
		return err_set(err, DRIP_ECONFIG, path, 0, 0,
			       "signing key \"%s\" is not the base64 of a 64-byte "
			       "Ed25519 secret key", path);
	/* libsodium's secret key is the seed followed by the public key.  A
	 * damaged second half would sign links that no copy of the public key
	 * accepts, so rebuild the pair from the seed and compare. */
	if (crypto_sign_seed_keypair(s->pk, s->sk, k->sk) != 0)
		return err_set(err, DRIP_EFAIL, path, 0, 0,
			       "cannot derive the public key of signing key \"%s\"", path);
	if (sodium_memcmp(s->sk, k->sk, sizeof k->sk) != 0)
		return err_set(err, DRIP_ECONFIG, path, 0, 0,
			       "signing key \"%s\" is damaged: its public half does "
			       "not match its seed", path);
	memcpy(k->pk, s->pk, sizeof k->pk);
	return 0;
}

int
token_key_load(const char *path, struct token_key **out, struct drip_err *err)
{
	struct key_scratch *s = NULL;
	struct token_key *k = NULL;
	ssize_t n;
	int fd = -1, rc = -1;

	*out = NULL;
	if (sodium_init() < 0)
		return err_set(err, DRIP_EFAIL, NULL, 0, 0, "cannot initialise libsodium");
	if (open_private(path, &fd, err) < 0)
		return -1;
	s = sodium_malloc(sizeof *s);
	k = sodium_malloc(sizeof *k);
	if (s == NULL || k == NULL) {
		err_sys(err, DRIP_EFAIL, path, "cannot allocate locked memory for the signing key");
		goto out;
	}
	n = read_capped(fd, s->text, KEYFILE_MAX);
	if (n < 0) {
		err_sys(err, DRIP_EFAIL, path, "cannot read signing key");
		goto out;
	}
	if (n > KEYFILE_MAX) {
		err_set(err, DRIP_ECONFIG, path, 0, 0,
			"signing key \"%s\" is not the base64 of a 64-byte Ed25519 "
			"secret key (larger than %d bytes)", path, KEYFILE_MAX);
		goto out;
	}
	if (decode_key(s, (size_t)n, k, path, err) < 0)
		goto out;
	/* Nothing writes the key after this: make a stray write fault. */
	if (sodium_mprotect_readonly(k) != 0) {
		err_sys(err, DRIP_EFAIL, path, "cannot protect the signing key's memory");
		goto out;
	}
	*out = k;
	k = NULL;
	rc = 0;
out:
	/* sodium_free wipes before it frees. */
	if (s != NULL)
		sodium_free(s);
	if (k != NULL)
		sodium_free(k);
	if (fd >= 0)
		close(fd);
	return rc;
}

void
token_key_free(struct token_key *k)
{
	if (k == NULL)
		return;
	/* sodium_free would wipe it too; saying so here costs nothing and
	 * does not depend on that detail of the library. */
	if (sodium_mprotect_readwrite(k) == 0)
		sodium_memzero(k, sizeof *k);
	sodium_free(k);
}

void
token_key_public(const struct token_key *k, unsigned char pk[32])
{
	memcpy(pk, k->pk, sizeof k->pk);
}

int
token_pubkey_parse(const char *b64, unsigned char pk[32], struct drip_err *err)
{
	const char *end = NULL;
	size_t binlen = 0, len;

	if (b64 == NULL || *b64 == '\0')
		return err_set(err, DRIP_ECONFIG, NULL, 0, 0, "links.public_key is not set");
	if (sodium_init() < 0)
		return err_set(err, DRIP_EFAIL, NULL, 0, 0, "cannot initialise libsodium");
	len = strlen(b64);
	if (sodium_base642bin(pk, 32, b64, len, NULL, &binlen, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != b64 + len || binlen != 32)
		return err_set(err, DRIP_ECONFIG, NULL, 0, 0,
			       "links.public_key is not the base64 of a 32-byte "
			       "Ed25519 public key");
	/* A small-order or off-curve key would verify nothing (or, worse,
	 * forgeries): refuse it where the operator can see why. */
	if (!crypto_core_ed25519_is_valid_point(pk))
		return err_set(err, DRIP_ECONFIG, NULL, 0, 0,
			       "links.public_key is not a valid Ed25519 public key");
	return 0;
}

/* Little-endian int64 in two's complement, without relying on
 * implementation-defined conversions. */
static void
put_i64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i));
}

static int64_t
get_i64(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < 8; i++)
		u |= (uint64_t)p[i] << (8 * i);
	if (u <= (uint64_t)INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(~u) - 1;
}

/* Bytes a token may carry in an id: none of the C0 controls or DEL, so an
 * id can never end a C string early or break a line it is written into. */
static int
id_byte_ok(unsigned char c)
{
	return c >= 0x20 && c != 0x7f;
}

/* Check one id of a token to sign (an array of size bytes) and append it,
 * length first, to the payload at p + *pos. */
static int
put_id(unsigned char *p, size_t *pos, const char *id, size_t size, size_t min,
       const char *what, struct drip_err *err)
{
	const char *nul = memchr(id, '\0', size);
	size_t len, i;

	if (nul == NULL)
		return err_set(err, DRIP_EDATA, NULL, 0, 0,
			       "token %s is longer than %zu bytes", what, size - 1);
	len = (size_t)(nul - id);
	if (len < min)
		return err_set(err, DRIP_EDATA, NULL, 0, 0, "token %s is empty", what);
	for (i = 0; i < len; i++)
		if (!id_byte_ok((unsigned char)id[i]))
			return err_set(err, DRIP_EDATA, NULL, 0, 0,
				       "token %s contains a control character at byte %zu",
				       what, i + 1);
	p[(*pos)++] = (unsigned char)len;
	memcpy(p + *pos, id, len);
	*pos += len;
	return 0;
}

/* The payload of t (see token.h) into p, which has room for PAYLOAD_MAX. */
static int
pack(const struct token *t, unsigned char *p, size_t *lenp, struct drip_err *err)
{
	size_t pos = 0;

	if (t->version != TOKEN_VERSION)
		return err_set(err, DRIP_EDATA, NULL, 0, 0,
			       "unsupported token version %d (want %d)", t->version,
			       TOKEN_VERSION);
	if (token_answer_name(t->answer) == NULL)
		return err_set(err, DRIP_EDATA, NULL, 0, 0, "unknown token answer %d",
			       t->answer);
	if (t->expires < 0)
		return err_set(err, DRIP_EDATA, NULL, 0, 0,
			       "token expiry %lld is before 1970", (long long)t->expires);
	p[pos++] = TOKEN_VERSION;
	if (put_id(p, &pos, t->contact, sizeof t->contact, 1, "contact id", err) < 0 ||
	    put_id(p, &pos, t->sequence, sizeof t->sequence, 0, "sequence id", err) < 0 ||
	    put_id(p, &pos, t->step, sizeof t->step, 0, "step id", err) < 0)
		return -1;
	put_i64(p + pos, t->entered);
	pos += 8;
	p[pos++] = (unsigned char)t->answer;
	/* Unsubscribe links never expire (SPEC §8), whatever the caller
	 * computed for the links beside them. */
	put_i64(p + pos, t->answer == TOKEN_UNSUBSCRIBE ? 0 : t->expires);
	pos += 8;
	*lenp = pos;
	return 0;
}

int
token_sign(const struct token *t, const struct token_key *k, struct sbuf *out,
	   struct drip_err *err)
{
	unsigned char raw[RAW_MAX];
	char text[TEXT_LEN];
	size_t len = 0;

	if (pack(t, raw, &len, err) < 0)
		return -1;
	if (crypto_sign_detached(raw + len, NULL, raw, len, k->sk) != 0)
		return err_set(err, DRIP_EFAIL, NULL, 0, 0, "cannot sign token");
	sodium_bin2base64(text, sizeof text, raw, len + SIG_LEN,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sbuf_adds(out, text);
	return 0;
}

/* One length-prefixed id at p + *pos of an n-byte payload into dst (room
 * for max + 1); -1 when it does not fit or holds a forbidden byte. */
static int
take_id(const unsigned char *p, size_t n, size_t *pos, size_t min, size_t max,
	char *dst)
{
	size_t len, i;

	if (*pos >= n)
		return -1;
	len = p[(*pos)++];
	if (len < min || len > max || len > n - *pos)
		return -1;
	for (i = 0; i < len; i++)
		if (!id_byte_ok(p[*pos + i]))
			return -1;
	memcpy(dst, p + *pos, len);
	dst[len] = '\0';
	*pos += len;
	return 0;
}

/* Parse a payload whose signature has been checked.  Even so every length
 * is checked against what is there: a bug in an old signer must not become
 * an overread here. */
static int
unpack(const unsigned char *p, size_t n, struct token *t)
{
	size_t pos = 1;

	if (n < PAYLOAD_MIN || p[0] != TOKEN_VERSION)
		return -1;
	t->version = p[0];
	if (take_id(p, n, &pos, 1, TOKEN_CONTACT_MAX, t->contact) < 0 ||
	    take_id(p, n, &pos, 0, TOKEN_ID_MAX, t->sequence) < 0 ||
	    take_id(p, n, &pos, 0, TOKEN_ID_MAX, t->step) < 0)
		return -1;
	if (n - pos != 8 + 1 + 8)
		return -1;
	t->entered = get_i64(p + pos);
	t->answer = p[pos + 8];
	t->expires = get_i64(p + pos + 9);
	if (token_answer_name(t->answer) == NULL || t->expires < 0 ||
	    (t->answer == TOKEN_UNSUBSCRIBE && t->expires != 0))
		return -1;
	return 0;
}

int
token_verify(const char *s, const unsigned char pk[32], int64_t now, struct token *t)
{
	unsigned char raw[RAW_MAX];
	char again[TEXT_LEN];
	struct token tmp;
	const char *end = NULL;
	size_t len, rawlen = 0;

	memset(t, 0, sizeof *t);
	memset(&tmp, 0, sizeof tmp);
	if (s == NULL || (len = strnlen(s, TOKEN_TEXT_MAX + 1)) > TOKEN_TEXT_MAX)
		return TOKEN_INVALID;
	if (sodium_init() < 0)
		return TOKEN_INVALID;
	/* bin_maxlen caps the decoded size: a longer token fails here. */
	if (sodium_base642bin(raw, sizeof raw, s, len, NULL, &rawlen, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s + len || rawlen < PAYLOAD_MIN + SIG_LEN)
		return TOKEN_INVALID;
	/* Only the canonical spelling is a token, so that one answer has one
	 * string (a decoder may let unused low bits of the last character
	 * vary). */
	sodium_bin2base64(again, sizeof again, raw, rawlen,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (strcmp(again, s) != 0)
		return TOKEN_INVALID;
	if (crypto_sign_verify_detached(raw + rawlen - SIG_LEN, raw, rawlen - SIG_LEN,
					pk) != 0)
		return TOKEN_INVALID;
	if (unpack(raw, rawlen - SIG_LEN, &tmp) < 0)
		return TOKEN_INVALID;
	*t = tmp;
	if (tmp.expires != 0 && now >= tmp.expires)
		return TOKEN_EXPIRED;
	return TOKEN_OK;
}

int
token_link(struct arena *a, const char *base_url, const struct token *t,
	   const struct token_key *k, const char **out, struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	const char *hash, *q;
	size_t blen;
	int rc = -1;

	*out = NULL;
	if (base_url == NULL || *base_url == '\0')
		return err_set(err, DRIP_ECONFIG, NULL, 0, 0, "links.base_url is not set");
	/* The query goes before any fragment, or the browser would never
	 * send it. */
	hash = strchr(base_url, '#');
	blen = hash ? (size_t)(hash - base_url) : strlen(base_url);
	q = memchr(base_url, '?', blen);
	sbuf_add(&sb, base_url, blen);
	if (q == NULL)
		sbuf_addc(&sb, '?');
	else if (blen > 0 && base_url[blen - 1] != '?' && base_url[blen - 1] != '&')
		sbuf_addc(&sb, '&');
	sbuf_adds(&sb, "t=");
	if (token_sign(t, k, &sb, err) < 0)
		goto out;
	if (hash != NULL)
		sbuf_adds(&sb, hash);
	*out = arena_strdup(a, sbuf_str(&sb));
	rc = 0;
out:
	sbuf_release(&sb);
	return rc;
}

int
token_answer_parse(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "yes") == 0)
		return TOKEN_YES;
	if (strcmp(name, "no") == 0)
		return TOKEN_NO;
	if (strcmp(name, "unsubscribe") == 0)
		return TOKEN_UNSUBSCRIBE;
	return 0;
}

const char *
token_answer_name(int answer)
{
	switch (answer) {
	case TOKEN_YES:
		return "yes";
	case TOKEN_NO:
		return "no";
	case TOKEN_UNSUBSCRIBE:
		return "unsubscribe";
	default:
		return NULL;
	}
}
