/*
 * t_token.c - signed link tokens: the key file, signing, verification,
 * expiry, forgery and tampering, and link building (SPEC §8).
 */
#include "tap.h"

#include "arena.h"
#include "err.h"
#include "sbuf.h"
#include "token.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

static char base[] = "/tmp/drip-t-token-XXXXXX";

#include "tmpdir.h"

/* A path under the test directory, in one of a few rotating buffers. */

static void
write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || fchmod(fd, mode) < 0 ||
	    close(fd) < 0) {
		perror(path);
		abort();
	}
}

/* The key file as `drip init` writes it: standard base64 and a newline. */
static void
write_key(const char *path, const unsigned char *sk, size_t n, mode_t mode)
{
	char b64[sodium_base64_ENCODED_LEN(256, sodium_base64_VARIANT_ORIGINAL) + 1];

	if (n > 256)
		abort();
	sodium_bin2base64(b64, sizeof b64 - 1, sk, n, sodium_base64_VARIANT_ORIGINAL);
	strcat(b64, "\n");
	write_file(path, b64, strlen(b64), mode);
}

static void
fill(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size)
		abort();
	strcpy(dst, src);
}

static struct token
mk(const char *contact, const char *seq, const char *step, int64_t entered,
   int answer, int64_t expires)
{
	struct token t;

	memset(&t, 0, sizeof t);
	t.version = TOKEN_VERSION;
	fill(t.contact, sizeof t.contact, contact);
	fill(t.sequence, sizeof t.sequence, seq);
	fill(t.step, sizeof t.step, step);
	t.entered = entered;
	t.answer = answer;
	t.expires = expires;
	return t;
}

static int
same_token(const struct token *a, const struct token *b)
{
	return a->version == b->version && strcmp(a->contact, b->contact) == 0 &&
	       strcmp(a->sequence, b->sequence) == 0 && strcmp(a->step, b->step) == 0 &&
	       a->entered == b->entered && a->answer == b->answer &&
	       a->expires == b->expires;
}

/* Sign t, or abort: for tests where signing is not what is tested. */
static char *
sign(const struct token *t, const struct token_key *k)
{
	struct sbuf sb = SBUF_INIT;
	struct drip_err e;

	err_clear(&e);
	if (token_sign(t, k, &sb, &e) < 0) {
		printf("# sign: %s\n", e.msg);
		abort();
	}
	return sbuf_detach(&sb, NULL);
}

/* Encode raw bytes as a token string (caller frees). */
static char *
enc(const unsigned char *raw, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, B64URL);
	char *s = malloc(cap);

	if (s == NULL)
		abort();
	sodium_bin2base64(s, cap, raw, n, B64URL);
	return s;
}

static size_t
dec(const char *s, unsigned char *raw, size_t cap)
{
	size_t n = 0;

	if (sodium_base642bin(raw, cap, s, strlen(s), NULL, &n, NULL, B64URL) != 0)
		abort();
	return n;
}

static int
verify(const char *s, const unsigned char *pk, int64_t now)
{
	struct token t;

	return token_verify(s, pk, now, &t);
}

/* Sign arbitrary payload bytes with the raw secret key, as a buggy or
 * hostile signer with the real key might. */
static char *
sign_raw(const unsigned char *payload, size_t n, const unsigned char *sk)
{
	unsigned char buf[1024];

	if (n + 64 > sizeof buf)
		abort();
	memcpy(buf, payload, n);
	crypto_sign_detached(buf + n, NULL, payload, n, sk);
	return enc(buf, n + 64);
}

static void
put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A hand-packed payload: version, ids, entered, answer, expires; extra
 * bytes after it when extra > 0. */
static size_t
payload(unsigned char *p, int version, const char *c, const char *s, const char *st,
	uint64_t entered, int answer, uint64_t expires, size_t extra)
{
	size_t pos = 0;
	const char *ids[3] = { c, s, st };
	int i;

	p[pos++] = (unsigned char)version;
	for (i = 0; i < 3; i++) {
		size_t l = strlen(ids[i]);

		p[pos++] = (unsigned char)l;
		memcpy(p + pos, ids[i], l);
		pos += l;
	}
	put64(p + pos, entered);
	pos += 8;
	p[pos++] = (unsigned char)answer;
	put64(p + pos, expires);
	pos += 8;
	memset(p + pos, 0, extra);
	return pos + extra;
}

static void
test_key_file(const unsigned char *pk, const unsigned char *sk)
{
	struct token_key *k = NULL;
	struct drip_err e;
	unsigned char got[32], bad[64];
	const char *path = at(".drip/signing.key");
	char b64[200];
	char big[300];

	err_clear(&e);
	is_int(token_key_load(path, &k, &e), 0, "key: 0600 key loads");
	ok(k != NULL, "key: loaded key returned");
	if (k) {
		token_key_public(k, got);
		ok(memcmp(got, pk, 32) == 0, "key: public half matches the pair");
	}
	token_key_free(k);
	token_key_free(NULL);

	chmod(path, 0644);
	err_clear(&e);
	k = (struct token_key *)1;
	is_int(token_key_load(path, &k, &e), -1, "key: 0644 refused");
	ok(k == NULL, "key: *out NULL on error");
	is_int(e.code, DRIP_ECONFIG, "key: 0644 is DRIP_ECONFIG");
	like(e.msg, "is accessible to group or others (mode 0644); it must be mode 0600",
	     "key: 0644 message");
	like(e.msg, path, "key: message names the file");
	is_str(e.file, path, "key: error file is the key");
	is_int(e.line, 0, "key: no line");

	chmod(path, 0640);
	err_clear(&e);
	is_int(token_key_load(path, &k, &e), -1, "key: 0640 refused");
	like(e.msg, "(mode 0640)", "key: 0640 message");
	chmod(path, 0602);
	err_clear(&e);
	is_int(token_key_load(path, &k, &e), -1, "key: 0602 (world-writable) refused");
	is_int(e.code, DRIP_ECONFIG, "key: 0602 code");
	chmod(path, 0400);
	err_clear(&e);
	is_int(token_key_load(path, &k, &e), 0, "key: 0400 accepted");
	token_key_free(k);
	chmod(path, 0600);

	err_clear(&e);
	is_int(token_key_load(at("missing.key"), &k, &e), -1, "key: missing file");
	is_int(e.code, DRIP_ENOINPUT, "key: missing is DRIP_ENOINPUT");
	like(e.msg, "cannot open signing key: No such file", "key: missing message");
	is_str(e.file, at("missing.key"), "key: missing names the file");

	err_clear(&e);
	is_int(token_key_load(at(".drip"), &k, &e), -1, "key: a directory");
	is_int(e.code, DRIP_ECONFIG, "key: directory code");
	like(e.msg, "is not a regular file", "key: directory message");

	/* A 32-byte key (a public key pasted by mistake). */
	write_key(at("short.key"), pk, 32, 0600);
	err_clear(&e);
	is_int(token_key_load(at("short.key"), &k, &e), -1, "key: 32 bytes refused");
	is_int(e.code, DRIP_ECONFIG, "key: 32 bytes code");
	like(e.msg, "is not the base64 of a 64-byte Ed25519 secret key",
	     "key: 32 bytes message");

	/* 65 bytes. */
	memcpy(bad, sk, 64);
	{
		unsigned char longer[65];

		memcpy(longer, sk, 64);
		longer[64] = 0;
		write_key(at("long.key"), longer, 65, 0600);
	}
	err_clear(&e);
	is_int(token_key_load(at("long.key"), &k, &e), -1, "key: 65 bytes refused");
	like(e.msg, "64-byte", "key: 65 bytes message");

	write_file(at("junk.key"), "not base64 at all!\n", 19, 0600);
	err_clear(&e);
	is_int(token_key_load(at("junk.key"), &k, &e), -1, "key: junk refused");
	is_int(e.code, DRIP_ECONFIG, "key: junk code");

	write_file(at("empty.key"), "", 0, 0600);
	err_clear(&e);
	is_int(token_key_load(at("empty.key"), &k, &e), -1, "key: empty refused");
	like(e.msg, "is not the base64", "key: empty message");

	memset(big, 'A', sizeof big);
	write_file(at("big.key"), big, sizeof big, 0600);
	err_clear(&e);
	is_int(token_key_load(at("big.key"), &k, &e), -1, "key: oversized refused");
	like(e.msg, "larger than 256 bytes", "key: oversized message");

	/* No trailing newline, and CRLF, are both fine. */
	sodium_bin2base64(b64, sizeof b64, sk, 64, sodium_base64_VARIANT_ORIGINAL);
	write_file(at("bare.key"), b64, strlen(b64), 0600);
	err_clear(&e);
	is_int(token_key_load(at("bare.key"), &k, &e), 0, "key: without newline");
	token_key_free(k);
	strcat(b64, "\r\n");
	write_file(at("crlf.key"), b64, strlen(b64), 0600);
	err_clear(&e);
	is_int(token_key_load(at("crlf.key"), &k, &e), 0, "key: with CRLF");
	token_key_free(k);
	/* White space inside is not. */
	b64[10] = ' ';
	write_file(at("space.key"), b64, strlen(b64), 0600);
	err_clear(&e);
	is_int(token_key_load(at("space.key"), &k, &e), -1, "key: inner space refused");

	/* A damaged public half. */
	bad[40] ^= 0x01;
	write_key(at("damaged.key"), bad, 64, 0600);
	err_clear(&e);
	is_int(token_key_load(at("damaged.key"), &k, &e), -1, "key: damaged refused");
	is_int(e.code, DRIP_ECONFIG, "key: damaged code");
	like(e.msg, "is damaged: its public half does not match its seed",
	     "key: damaged message");
	sodium_memzero(bad, sizeof bad);
	sodium_memzero(b64, sizeof b64);
}

static void
test_pubkey(const unsigned char *pk)
{
	char b64[100];
	unsigned char got[32], zero[32] = { 0 }, ident[32] = { 1 };
	struct drip_err e;

	sodium_bin2base64(b64, sizeof b64, pk, 32, sodium_base64_VARIANT_ORIGINAL);
	err_clear(&e);
	is_int(token_pubkey_parse(b64, got, &e), 0, "pubkey: parses init's form");
	ok(memcmp(got, pk, 32) == 0, "pubkey: bytes");

	err_clear(&e);
	is_int(token_pubkey_parse(NULL, got, &e), -1, "pubkey: NULL");
	is_int(e.code, DRIP_ECONFIG, "pubkey: NULL code");
	is_str(e.msg, "links.public_key is not set", "pubkey: NULL message");

	err_clear(&e);
	is_int(token_pubkey_parse("abc!", got, &e), -1, "pubkey: junk");
	is_int(e.code, DRIP_ECONFIG, "pubkey: junk code");
	is_str(e.msg, "links.public_key is not the base64 of a 32-byte Ed25519 public key",
	       "pubkey: junk message");

	sodium_bin2base64(b64, sizeof b64, pk, 31, sodium_base64_VARIANT_ORIGINAL);
	err_clear(&e);
	is_int(token_pubkey_parse(b64, got, &e), -1, "pubkey: 31 bytes");
	like(e.msg, "32-byte", "pubkey: 31 bytes message");

	sodium_bin2base64(b64, sizeof b64, zero, 32, sodium_base64_VARIANT_ORIGINAL);
	err_clear(&e);
	is_int(token_pubkey_parse(b64, got, &e), -1, "pubkey: small-order point refused");
	is_str(e.msg, "links.public_key is not a valid Ed25519 public key",
	       "pubkey: small-order message");
	sodium_bin2base64(b64, sizeof b64, ident, 32, sodium_base64_VARIANT_ORIGINAL);
	err_clear(&e);
	is_int(token_pubkey_parse(b64, got, &e), -1, "pubkey: identity point refused");
}

static void
test_round_trip(const struct token_key *k, const unsigned char *pk)
{
	static const int answers[3] = { TOKEN_YES, TOKEN_NO, TOKEN_UNSUBSCRIBE };
	int i;

	for (i = 0; i < 3; i++) {
		struct token t = mk("c-0042", "onboarding", "day-3", 1700000000, answers[i],
				    answers[i] == TOKEN_UNSUBSCRIBE ? 0 : 1701209600);
		struct token got;
		char *s = sign(&t, k);
		size_t j;
		int url_safe = 1;

		for (j = 0; s[j]; j++)
			if (!(isalnum((unsigned char)s[j]) || s[j] == '-' || s[j] == '_'))
				url_safe = 0;
		ok(url_safe, "round trip %s: only URL-safe characters",
		   token_answer_name(answers[i]));
		is_int(token_verify(s, pk, 1700000001, &got), TOKEN_OK,
		       "round trip %s: verifies", token_answer_name(answers[i]));
		ok(same_token(&t, &got), "round trip %s: same fields",
		   token_answer_name(answers[i]));
		free(s);
	}

	{
		/* Empty sequence and step ids, UTF-8, negative and extreme times. */
		struct token t = mk("Zoë-7", "", "", INT64_MIN, TOKEN_NO, INT64_MAX), got;
		char *s = sign(&t, k);

		is_int(token_verify(s, pk, INT64_MAX - 1, &got), TOKEN_OK,
		       "round trip: empty ids, extreme times");
		ok(same_token(&t, &got), "round trip: extreme fields kept");
		free(s);
	}
}

static void
test_determinism(const struct token_key *k, const struct token_key *k_again)
{
	struct token t = mk("c-1", "welcome", "s1", 1700000000, TOKEN_YES, 1700086400);
	char *a = sign(&t, k), *b = sign(&t, k), *c = sign(&t, k_again), *d;

	is_str(a, b, "deterministic: same token, same key, same string");
	is_str(a, c, "deterministic: the key loaded again gives the same string");
	t.answer = TOKEN_NO;
	d = sign(&t, k);
	ok(strcmp(a, d) != 0, "deterministic: another answer, another string");
	free(a);
	free(b);
	free(c);
	free(d);
}

static void
test_expiry(const struct token_key *k, const unsigned char *pk)
{
	const int64_t ex = 1701209600;
	struct token t = mk("c-9", "nurture", "check-in", 1700000000, TOKEN_YES, ex), got;
	char *s = sign(&t, k);

	is_int(token_verify(s, pk, ex - 1, &got), TOKEN_OK, "expiry: one second before");
	is_int(token_verify(s, pk, ex, &got), TOKEN_EXPIRED, "expiry: now == expires");
	is_int(token_verify(s, pk, ex + 1, &got), TOKEN_EXPIRED, "expiry: one second past");
	is_str(got.contact, "c-9", "expiry: contents still filled in");
	is_str(got.sequence, "nurture", "expiry: sequence filled in");
	is_int(got.answer, TOKEN_YES, "expiry: answer filled in");
	is_int(got.expires, ex, "expiry: expiry filled in");
	is_int(token_verify(s, pk, ex + 86400, &got), TOKEN_EXPIRED, "expiry: a day later");
	free(s);

	/* Unsubscribe links never expire, even if the caller gave an expiry. */
	t.answer = TOKEN_UNSUBSCRIBE;
	s = sign(&t, k);
	is_int(token_verify(s, pk, INT64_MAX, &got), TOKEN_OK,
	       "expiry: unsubscribe never expires");
	is_int(got.expires, 0, "expiry: unsubscribe written with expiry 0");
	free(s);

	/* expires 0 means never for yes/no too. */
	t.answer = TOKEN_NO;
	t.expires = 0;
	s = sign(&t, k);
	is_int(token_verify(s, pk, INT64_MAX, &got), TOKEN_OK, "expiry: 0 is never");
	free(s);
}

static void
test_tamper(const struct token_key *k, const struct token_key *other,
	    const unsigned char *pk, const unsigned char *other_pk)
{
	struct token t = mk("c-777", "renewal", "remind", 1700000000, TOKEN_NO, 1800000000);
	struct token got;
	unsigned char raw[512];
	char *s = sign(&t, k), *m, *big;
	size_t n = dec(s, raw, sizeof raw), len = strlen(s), i, bad = 0, total = 0;
	int bit, r;
	char buf[2048];

	is_int(verify(s, pk, 0), TOKEN_OK, "tamper: the original verifies");

	/* Every bit of every decoded byte. */
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit++) {
			raw[i] ^= (unsigned char)(1u << bit);
			m = enc(raw, n);
			r = verify(m, pk, 0);
			total++;
			if (r != TOKEN_INVALID) {
				if (bad++ == 0)
					printf("# byte %zu bit %d gave %d\n", i, bit, r);
			}
			free(m);
			raw[i] ^= (unsigned char)(1u << bit);
		}
	ok(bad == 0 && total == n * 8, "tamper: all %zu single-bit flips are invalid", total);

	/* Every byte replaced by its complement, and by zero. */
	bad = 0;
	for (i = 0; i < n; i++) {
		unsigned char save = raw[i];

		raw[i] = (unsigned char)~save;
		m = enc(raw, n);
		bad += verify(m, pk, 0) != TOKEN_INVALID;
		free(m);
		raw[i] = save ? 0 : 0xff;
		m = enc(raw, n);
		bad += verify(m, pk, 0) != TOKEN_INVALID;
		free(m);
		raw[i] = save;
	}
	ok(bad == 0, "tamper: every byte complemented or cleared is invalid");

	/* Every character of the text changed to another of the alphabet. */
	bad = 0;
	for (i = 0; i < len; i++) {
		char save = s[i];

		s[i] = save == 'A' ? 'B' : 'A';
		bad += verify(s, pk, 0) != TOKEN_INVALID;
		s[i] = save == '-' ? '_' : '-';
		bad += verify(s, pk, 0) != TOKEN_INVALID;
		s[i] = save;
	}
	ok(bad == 0, "tamper: every character changed is invalid");
	is_int(verify(s, pk, 0), TOKEN_OK, "tamper: restored text verifies");

	/* Every truncation. */
	bad = 0;
	for (i = 0; i < len; i++) {
		memcpy(buf, s, i);
		buf[i] = '\0';
		bad += verify(buf, pk, 0) != TOKEN_INVALID;
	}
	ok(bad == 0, "tamper: all %zu truncations are invalid", len);
	/* Truncating the decoded bytes (re-encoded cleanly) too. */
	bad = 0;
	for (i = 0; i < n; i++) {
		m = enc(raw, i);
		bad += verify(m, pk, 0) != TOKEN_INVALID;
		free(m);
	}
	ok(bad == 0, "tamper: every shorter byte string is invalid");

	/* Extensions: characters, and whole bytes re-encoded. */
	snprintf(buf, sizeof buf, "%sA", s);
	is_int(verify(buf, pk, 0), TOKEN_INVALID, "tamper: one more character");
	snprintf(buf, sizeof buf, "%sAAAA", s);
	is_int(verify(buf, pk, 0), TOKEN_INVALID, "tamper: four more characters");
	raw[n] = 0;
	m = enc(raw, n + 1);
	is_int(verify(m, pk, 0), TOKEN_INVALID, "tamper: one more byte");
	free(m);
	snprintf(buf, sizeof buf, "%s%s", s, s);
	is_int(verify(buf, pk, 0), TOKEN_INVALID, "tamper: the token twice");

	/* Padding and white space. */
	snprintf(buf, sizeof buf, "%s=", s);
	is_int(verify(buf, pk, 0), TOKEN_INVALID, "tamper: one padding character");
	snprintf(buf, sizeof buf, "%s==", s);
	is_int(verify(buf, pk, 0), TOKEN_INVALID, "tamper: two padding characters");
	snprintf(buf, sizeof buf, "%s\n", s);
	is_int(verify(buf, pk, 0), TOKEN_INVALID, "tamper: trailing newline");
	snprintf(buf, sizeof buf, " %s", s);
	is_int(verify(buf, pk, 0), TOKEN_INVALID, "tamper: leading space");
	snprintf(buf, sizeof buf, "%.*s %s", 10, s, s + 10);
	is_int(verify(buf, pk, 0), TOKEN_INVALID, "tamper: inner space");

	/* The standard alphabet for the same bytes. */
	{
		size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
		char *std = malloc(cap);

		if (std == NULL)
			abort();
		sodium_bin2base64(std, cap, raw, n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
		ok(strcmp(std, s) != 0 && strpbrk(std, "+/") != NULL,
		   "tamper: the standard alphabet spells this token differently");
		is_int(verify(std, pk, 0), TOKEN_INVALID, "tamper: standard alphabet");
		sodium_bin2base64(std, cap, raw, n, sodium_base64_VARIANT_ORIGINAL);
		is_int(verify(std, pk, 0), TOKEN_INVALID, "tamper: standard padded base64");
		free(std);
	}

	/* Unused low bits of the last character set: same bytes, another
	 * spelling.  Only one spelling is a token. */
	if (n % 3 != 0) {
		static const char alpha[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		int idx = (int)(strchr(alpha, s[len - 1]) - alpha);

		strcpy(buf, s);
		buf[len - 1] = alpha[idx ^ 1];
		ok(buf[len - 1] != s[len - 1], "tamper: a non-canonical spelling exists");
		is_int(verify(buf, pk, 0), TOKEN_INVALID, "tamper: non-canonical last character");
	} else {
		ok(0, "tamper: test token should not be a multiple of 3 bytes (%zu)", n);
	}

	/* Empty, NULL, huge. */
	is_int(verify("", pk, 0), TOKEN_INVALID, "tamper: empty string");
	is_int(token_verify(NULL, pk, 0, &got), TOKEN_INVALID, "tamper: NULL");
	big = malloc(10 * 1024 + 1);
	if (big == NULL)
		abort();
	memset(big, 'A', 10 * 1024);
	big[10 * 1024] = '\0';
	is_int(verify(big, pk, 0), TOKEN_INVALID, "tamper: 10 KB string");
	memcpy(big, s, len);
	is_int(verify(big, pk, 0), TOKEN_INVALID, "tamper: the token then 10 KB more");
	big[TOKEN_TEXT_MAX + 1] = '\0';
	is_int(verify(big, pk, 0), TOKEN_INVALID, "tamper: TOKEN_TEXT_MAX + 1 characters");
	free(big);

	/* Another key. */
	m = sign(&t, other);
	ok(strcmp(m, s) != 0, "tamper: another key, another string");
	is_int(verify(m, pk, 0), TOKEN_INVALID, "tamper: signed by another key");
	is_int(verify(m, other_pk, 0), TOKEN_OK, "tamper: ...which its own key accepts");
	is_int(verify(s, other_pk, 0), TOKEN_INVALID, "tamper: ours fails the other key");
	free(m);

	/* An invalid token leaves nothing behind. */
	memset(&got, 'x', sizeof got);
	is_int(token_verify("AAAA", pk, 0, &got), TOKEN_INVALID, "tamper: short token");
	ok(got.contact[0] == '\0' && got.answer == 0 && got.version == 0,
	   "tamper: *t zeroed on invalid");
	free(s);
}

/* Payloads with a good signature from the real key but bad contents: the
 * parser must still refuse them. */
static void
test_malformed(const unsigned char *sk, const unsigned char *pk)
{
	unsigned char p[512];
	char c129[130], *s;
	size_t n;

	n = payload(p, 1, "c-1", "seq", "st", 5, TOKEN_YES, 100, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_OK, "malformed: hand-packed layout verifies");
	{
		struct token got;

		token_verify(s, pk, 0, &got);
		is_str(got.contact, "c-1", "malformed: hand-packed contact");
		is_int(got.entered, 5, "malformed: hand-packed entered");
		is_int(got.expires, 100, "malformed: hand-packed expires");
	}
	free(s);

	n = payload(p, 2, "c-1", "seq", "st", 5, TOKEN_YES, 100, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: version 2");
	free(s);
	n = payload(p, 0, "c-1", "seq", "st", 5, TOKEN_YES, 100, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: version 0");
	free(s);
	n = payload(p, 1, "c-1", "seq", "st", 5, TOKEN_YES, 100, 1);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: a trailing byte");
	free(s);
	n = payload(p, 1, "c-1", "seq", "st", 5, 4, 100, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: answer 4");
	free(s);
	n = payload(p, 1, "c-1", "seq", "st", 5, 0, 100, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: answer 0");
	free(s);
	n = payload(p, 1, "c-1", "seq", "st", 5, TOKEN_YES, UINT64_MAX, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: negative expiry");
	free(s);
	n = payload(p, 1, "c-1", "seq", "st", 5, TOKEN_UNSUBSCRIBE, 100, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: unsubscribe with an expiry");
	free(s);
	n = payload(p, 1, "", "seq", "st", 5, TOKEN_YES, 100, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: empty contact");
	free(s);
	n = payload(p, 1, "c\n1", "seq", "st", 5, TOKEN_YES, 100, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: newline in contact");
	free(s);
	n = payload(p, 1, "c-1", "seq", "st", 5, TOKEN_YES, 100, 0);
	p[1 + 1 + 3 + 1 + 1] = '\0';	/* the sequence's second byte */
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: NUL in sequence");
	free(s);
	memset(c129, 'c', 129);
	c129[129] = '\0';
	n = payload(p, 1, c129, "seq", "st", 5, TOKEN_YES, 100, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: 129-byte contact");
	free(s);
	n = payload(p, 1, "c-1", c129 + 64, "st", 5, TOKEN_YES, 100, 0);
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: 65-byte sequence");
	free(s);
	/* A length byte that runs past the end. */
	n = payload(p, 1, "c-1", "seq", "st", 5, TOKEN_YES, 100, 0);
	p[1 + 1 + 3 + 1 + 3] = 40;
	s = sign_raw(p, n, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: step length past the end");
	free(s);
	/* A payload too short to hold the fixed fields. */
	s = sign_raw(p, 10, sk);
	is_int(verify(s, pk, 0), TOKEN_INVALID, "malformed: 10-byte payload");
	free(s);
}

static void
test_limits(const struct token_key *k, const unsigned char *pk)
{
	struct token t = mk("c", "s", "p", 1, TOKEN_YES, 2), got;
	struct sbuf sb = SBUF_INIT;
	struct drip_err e;
	char *s;

	memset(t.contact, 'c', 128);
	t.contact[128] = '\0';
	memset(t.sequence, 's', 64);
	t.sequence[64] = '\0';
	memset(t.step, 'p', 64);
	t.step[64] = '\0';
	s = sign(&t, k);
	is_int(strlen(s), 455, "limits: longest token is 455 characters");
	is_int(token_verify(s, pk, 1, &got), TOKEN_OK, "limits: longest ids verify");
	ok(same_token(&t, &got), "limits: longest ids kept");
	free(s);

	t.contact[128] = 'c';
	err_clear(&e);
	is_int(token_sign(&t, k, &sb, &e), -1, "limits: 129-byte contact refused");
	is_int(e.code, DRIP_EDATA, "limits: contact code");
	is_str(e.msg, "token contact id is longer than 128 bytes", "limits: contact message");
	is_int(sb.len, 0, "limits: nothing appended on error");
	t.contact[128] = '\0';

	t.sequence[64] = 's';
	err_clear(&e);
	is_int(token_sign(&t, k, &sb, &e), -1, "limits: 65-byte sequence refused");
	is_str(e.msg, "token sequence id is longer than 64 bytes", "limits: sequence message");
	t.sequence[64] = '\0';
	t.step[64] = 'p';
	err_clear(&e);
	is_int(token_sign(&t, k, &sb, &e), -1, "limits: 65-byte step refused");
	is_str(e.msg, "token step id is longer than 64 bytes", "limits: step message");
	t.step[64] = '\0';

	t = mk("", "s", "p", 1, TOKEN_YES, 2);
	err_clear(&e);
	is_int(token_sign(&t, k, &sb, &e), -1, "limits: empty contact refused");
	is_str(e.msg, "token contact id is empty", "limits: empty contact message");
	t = mk("c", "s", "ab\rc", 1, TOKEN_YES, 2);
	err_clear(&e);
	is_int(token_sign(&t, k, &sb, &e), -1, "limits: CR in step refused");
	is_int(e.code, DRIP_EDATA, "limits: CR code");
	is_str(e.msg, "token step id contains a control character at byte 3",
	       "limits: CR message");
	t = mk("c", "s", "p", 1, TOKEN_YES, 2);
	t.version = 2;
	err_clear(&e);
	is_int(token_sign(&t, k, &sb, &e), -1, "limits: version 2 refused");
	is_str(e.msg, "unsupported token version 2 (want 1)", "limits: version message");
	t.version = TOKEN_VERSION;
	t.answer = 0;
	err_clear(&e);
	is_int(token_sign(&t, k, &sb, &e), -1, "limits: answer 0 refused");
	is_str(e.msg, "unknown token answer 0", "limits: answer message");
	t.answer = TOKEN_NO;
	t.expires = -1;
	err_clear(&e);
	is_int(token_sign(&t, k, &sb, &e), -1, "limits: negative expiry refused");
	is_str(e.msg, "token expiry -1 is before 1970", "limits: expiry message");
	is_int(e.line, 0, "limits: no location");
	is_int(sb.len, 0, "limits: still nothing appended");

	/* token_sign appends. */
	t.expires = 0;
	sbuf_adds(&sb, "x=");
	is_int(token_sign(&t, k, &sb, &e), 0, "limits: sign appends");
	ok(strncmp(sbuf_str(&sb), "x=", 2) == 0 &&
	   token_verify(sbuf_str(&sb) + 2, pk, 0, &got) == TOKEN_OK,
	   "limits: appended after existing text");
	sbuf_release(&sb);
}

static void
test_link(const struct token_key *k, const unsigned char *pk)
{
	struct arena a = ARENA_INIT;
	struct token t = mk("c-5", "trial", "d7", 1700000000, TOKEN_YES, 1800000000);
	struct drip_err e;
	const char *out = NULL;
	char *tok = sign(&t, k), want[1024];

	err_clear(&e);
	is_int(token_link(&a, "https://acme.example/cgi-bin/drip-respond", &t, k, &out, &e),
	       0, "link: plain base_url");
	snprintf(want, sizeof want, "https://acme.example/cgi-bin/drip-respond?t=%s", tok);
	is_str(out, want, "link: base_url?t=TOKEN");
	ok(out && token_verify(strstr(out, "t=") + 2, pk, 0, &t) == TOKEN_OK,
	   "link: its token verifies");

	is_int(token_link(&a, "https://acme.example/r?lang=de", &t, k, &out, &e), 0,
	       "link: base_url with a query");
	snprintf(want, sizeof want, "https://acme.example/r?lang=de&t=%s", tok);
	is_str(out, want, "link: &t= after an existing query");

	is_int(token_link(&a, "https://acme.example/r?", &t, k, &out, &e), 0,
	       "link: base_url ending in ?");
	snprintf(want, sizeof want, "https://acme.example/r?t=%s", tok);
	is_str(out, want, "link: no doubled separator after ?");
	is_int(token_link(&a, "https://acme.example/r?a=1&", &t, k, &out, &e), 0,
	       "link: base_url ending in &");
	snprintf(want, sizeof want, "https://acme.example/r?a=1&t=%s", tok);
	is_str(out, want, "link: no doubled separator after &");
	is_int(token_link(&a, "https://acme.example/r#answer", &t, k, &out, &e), 0,
	       "link: base_url with a fragment");
	snprintf(want, sizeof want, "https://acme.example/r?t=%s#answer", tok);
	is_str(out, want, "link: query before the fragment");

	err_clear(&e);
	out = "x";
	is_int(token_link(&a, "", &t, k, &out, &e), -1, "link: empty base_url");
	is_int(e.code, DRIP_ECONFIG, "link: empty base_url code");
	is_str(e.msg, "links.base_url is not set", "link: empty base_url message");
	ok(out == NULL, "link: *out NULL on error");
	err_clear(&e);
	is_int(token_link(&a, NULL, &t, k, &out, &e), -1, "link: NULL base_url");
	t.answer = 9;
	err_clear(&e);
	is_int(token_link(&a, "https://x.example/", &t, k, &out, &e), -1,
	       "link: signing errors pass through");
	is_int(e.code, DRIP_EDATA, "link: signing error code");
	is_str(e.msg, "unknown token answer 9", "link: signing error message");
	free(tok);
	arena_release(&a);
}

static void
test_answers(void)
{
	is_int(token_answer_parse("yes"), TOKEN_YES, "answers: yes");
	is_int(token_answer_parse("no"), TOKEN_NO, "answers: no");
	is_int(token_answer_parse("unsubscribe"), TOKEN_UNSUBSCRIBE, "answers: unsubscribe");
	is_int(token_answer_parse("Yes"), 0, "answers: case matters");
	is_int(token_answer_parse(NULL), 0, "answers: NULL");
	is_str(token_answer_name(TOKEN_NO), "no", "answers: name of no");
	ok(token_answer_name(0) == NULL && token_answer_name(4) == NULL,
	   "answers: no name for unknown numbers");
}

int
main(void)
{
	unsigned char pk[32], sk[64], pk2[32], sk2[64], seed[32];
	struct token_key *k = NULL, *k_again = NULL, *other = NULL;
	struct drip_err e;
	char dir[1100];

	if (sodium_init() < 0 || mkdtemp(base) == NULL) {
		perror("setup");
		return 1;
	}
	snprintf(dir, sizeof dir, "%s/.drip", base);
	if (mkdir(dir, 0700) < 0) {
		perror(dir);
		return 1;
	}
	/* Fixed seeds, so every run signs the same strings and the checks that
	 * depend on a token's spelling are stable. */
	memset(seed, 7, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	memset(seed, 9, sizeof seed);
	crypto_sign_seed_keypair(pk2, sk2, seed);
	write_key(at(".drip/signing.key"), sk, 64, 0600);
	write_key(at("other.key"), sk2, 64, 0600);

	test_key_file(pk, sk);
	test_pubkey(pk);

	err_clear(&e);
	if (token_key_load(at(".drip/signing.key"), &k, &e) < 0 ||
	    token_key_load(at(".drip/signing.key"), &k_again, &e) < 0 ||
	    token_key_load(at("other.key"), &other, &e) < 0) {
		ok(0, "load keys: %s", e.msg);
		return tap_done();
	}
	test_round_trip(k, pk);
	test_determinism(k, k_again);
	test_expiry(k, pk);
	test_tamper(k, other, pk, pk2);
	test_malformed(sk, pk);
	test_limits(k, pk);
	test_link(k, pk);
	test_answers();

	token_key_free(k);
	token_key_free(k_again);
	token_key_free(other);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(sk2, sizeof sk2);
	rm_rf(base);
	return tap_done();
}
