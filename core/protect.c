/*
 * protect.c - password protection of sequences and automations: the record
 * protect/KIND-ID.sig, its signature over the object's bytes, the password
 * that unlocks and re-signs it (protect.h says what is stored and why).
 *
 * The record is plain text, one "key: value" a line, so that a review sees
 * a protection being added, renewed or removed:
 *
 *   # drip protection record (drip-files(5)); change it only through drip
 *   object: sequences/welcome.yaml
 *   hash: $argon2id$v=19$m=65536,t=2,p=1$...
 *   kdf: argon2id13 2 67108864
 *   salt: BASE64
 *   public_key: BASE64
 *   signature: BASE64
 *   lines: HEX8 HEX8 ...
 *   published: BASE64          (a published sequence only)
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "diag.h"
#include "err.h"
#include "fsio.h"
#include "protect.h"
#include "sbuf.h"
#include "txn.h"
#include "ws.h"

/* The first line of the signed message: a new canonical form gets a new
 * number, so no signature made for one verifies as the other. */
#define PROTECT_DOMAIN "drip-protect-1\n"
#define RECORD_MAX (4u << 20)	/* a record: 4 bytes a line of a 1 MiB file, and more */
#define LINE_DIGEST 4		/* bytes of BLAKE2b kept per line */

static const char *const dirs[] = { "sequences", "automations" };
static const char *const prefixes[] = { "seq", "auto" };

const char *
protect_object_path(struct arena *a, enum protect_kind k, const char *id)
{
	return arena_printf(a, "%s/%s.yaml", dirs[k], id);
}

const char *
protect_record_path(struct arena *a, enum protect_kind k, const char *id)
{
	return arena_printf(a, PROTECT_DIR "/%s-%s.sig", prefixes[k], id);
}

int
protect_object_of(struct arena *a, const char *rel, enum protect_kind *k, const char **id)
{
	size_t i, n, len = strlen(rel);

	for (i = 0; i < 2; i++) {
		n = strlen(dirs[i]);
		if (len > n + 6 && strncmp(rel, dirs[i], n) == 0 && rel[n] == '/' &&
		    strcmp(rel + len - 5, ".yaml") == 0) {
			char *s = arena_strndup(a, rel + n + 1, len - n - 6);

			if (!ws_valid_id(s))
				return 0;
			*k = (enum protect_kind)i;
			*id = s;
			return 1;
		}
	}
	return 0;
}

/* The current limits: libsodium's interactive ones unless
 * DRIP_PROTECT_LIMITS names others. */
static void
limits(unsigned long long *ops, size_t *mem)
{
	const char *e = getenv("DRIP_PROTECT_LIMITS");

	*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	if (e && strcmp(e, "moderate") == 0) {
		*ops = crypto_pwhash_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_MEMLIMIT_MODERATE;
	} else if (e && strcmp(e, "min") == 0) {
		*ops = crypto_pwhash_OPSLIMIT_MIN;
		*mem = crypto_pwhash_MEMLIMIT_MIN;
	}
}

static void
digest_lines(const char *data, size_t len, struct sbuf *hex, unsigned char **bin,
	     size_t *n, struct arena *a)
{
	size_t i = 0, cap = 0;

	*n = 0;
	if (bin)
		*bin = NULL;
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - data) + 1 : len;
		unsigned char d[LINE_DIGEST];
		char h[2 * LINE_DIGEST + 1];

		crypto_generichash(d, sizeof d, (const unsigned char *)data + i, e - i, NULL, 0);
		if (hex) {
			sodium_bin2hex(h, sizeof h, d, sizeof d);
			sbuf_printf(hex, "%s%s", *n ? " " : "", h);
		}
		if (bin) {
			if (*n == cap) {
				size_t nc = cap ? cap * 2 : 64;

				*bin = arena_grow(a, *bin, cap * LINE_DIGEST, nc * LINE_DIGEST, 1);
				cap = nc;
			}
			memcpy(*bin + *n * LINE_DIGEST, d, LINE_DIGEST);
		}
		(*n)++;
		i = e;
	}
}

/* The signed message: domain, object path, newline, the bytes. */
static void
message(const char *object, const char *data, size_t len, struct sbuf *m)
{
	sbuf_adds(m, PROTECT_DOMAIN);
	sbuf_adds(m, object);
	sbuf_addc(m, '\n');
	sbuf_add(m, data, len);
}

/* Strict base64 of exactly n bytes. */
static int
b64_exact(const char *s, unsigned char *out, size_t n)
{
	size_t got;
	const char *end;

	if (sodium_base642bin(out, n, s, strlen(s), NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || got != n || *end)
		return -1;
	return 0;
}

/* Does the argon2id string h name limits within libsodium's (the same
 * bounds as kdf)?  Checking a password against it costs what it names, so
 * a record edited to name terabytes or a billion passes is refused here,
 * not left for the next command that asks for the password. */
static int
hash_limits_ok(const char *h)
{
	unsigned long long m, t, p;
	char *end;

	if (strncmp(h, "$argon2id$v=19$m=", 17) != 0)
		return 0;
	m = strtoull(h + 17, &end, 10);
	if (strncmp(end, ",t=", 3) != 0)
		return 0;
	t = strtoull(end + 3, &end, 10);
	if (strncmp(end, ",p=", 3) != 0)
		return 0;
	p = strtoull(end + 3, &end, 10);
	return *end == '$' && p == 1 && t >= crypto_pwhash_OPSLIMIT_MIN &&
	       t <= crypto_pwhash_OPSLIMIT_SENSITIVE &&
	       m >= crypto_pwhash_MEMLIMIT_MIN / 1024 &&
	       m <= crypto_pwhash_MEMLIMIT_SENSITIVE / 1024;
}

static int
bad(struct drip_err *err, const char *path, int line, const char *what)
{
	return err_set(err, DRIP_EDATA, path, line, 1, "damaged protection record: %s", what);
}

int
protect_load(struct arena *a, const char *root, enum protect_kind k, const char *id,
	     struct protect_rec *r, struct drip_err *err)
{
	struct sbuf buf = SBUF_INIT;
	char *full, *p, *line;
	unsigned seen = 0;
	int ln = 0, rc = -1;

	memset(r, 0, sizeof *r);
	r->kind = k;
	r->id = arena_strdup(a, id);
	r->object = protect_object_path(a, k, id);
	r->path = protect_record_path(a, k, id);
	if (k == PROTECT_SEQ)
		r->pinned = arena_printf(a, "state/published/%s/sequence.yaml", id);
	full = fsio_join(root, r->path);
	if (!fsio_exists(full)) {
		free(full);
		return 0;
	}
	if (fsio_read(full, RECORD_MAX, &buf, err) < 0) {
		free(full);
		return -1;
	}
	free(full);
	p = arena_strndup(a, buf.buf ? buf.buf : "", buf.len);
	if (strlen(p) != buf.len) {
		bad(err, r->path, 1, "a NUL byte");
		goto out;
	}
	for (line = p; line && *line; ) {
		char *nl = strchr(line, '\n'), *v;

		ln++;
		if (nl)
			*nl = '\0';
		if (*line == '#' || *line == '\0')
			goto next;
		v = strstr(line, ": ");
		if (v == NULL) {
			bad(err, r->path, ln, "expected KEY: VALUE");
			goto out;
		}
		*v = '\0';
		v += 2;
		if (strcmp(line, "object") == 0) {
			if (strcmp(v, r->object) != 0) {
				err_set(err, DRIP_EDATA, r->path, ln, 1, "protection record of '%s' "
					"names '%s'", r->object, v);
				goto out;
			}
			seen |= 1;
		} else if (strcmp(line, "hash") == 0) {
			if (strlen(v) >= sizeof r->hash || strncmp(v, "$argon2id$", 10) != 0) {
				bad(err, r->path, ln, "hash is not an argon2id string");
				goto out;
			}
			if (!hash_limits_ok(v)) {
				bad(err, r->path, ln, "hash names limits outside libsodium's");
				goto out;
			}
			strcpy(r->hash, v);
			seen |= 2;
		} else if (strcmp(line, "kdf") == 0) {
			char *end;

			if (strncmp(v, "argon2id13 ", 11) != 0)
				goto badkdf;
			r->ops = strtoull(v + 11, &end, 10);
			if (*end != ' ')
				goto badkdf;
			r->mem = (size_t)strtoull(end + 1, &end, 10);
			if (*end || r->ops < crypto_pwhash_OPSLIMIT_MIN ||
			    r->ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
			    r->mem < crypto_pwhash_MEMLIMIT_MIN ||
			    r->mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
				goto badkdf;
			seen |= 4;
		} else if (strcmp(line, "salt") == 0) {
			if (b64_exact(v, r->salt, sizeof r->salt) < 0) {
				bad(err, r->path, ln, "salt is not 16 bytes of base64");
				goto out;
			}
			seen |= 8;
		} else if (strcmp(line, "public_key") == 0) {
			if (b64_exact(v, r->pk, sizeof r->pk) < 0) {
				bad(err, r->path, ln, "public_key is not 32 bytes of base64");
				goto out;
			}
			seen |= 16;
		} else if (strcmp(line, "signature") == 0) {
			if (b64_exact(v, r->sig, sizeof r->sig) < 0) {
				bad(err, r->path, ln, "signature is not 64 bytes of base64");
				goto out;
			}
			seen |= 32;
		} else if (strcmp(line, "published") == 0 && k == PROTECT_SEQ) {
			if (b64_exact(v, r->pub_sig, sizeof r->pub_sig) < 0) {
				bad(err, r->path, ln, "published is not 64 bytes of base64");
				goto out;
			}
			r->has_pub = 1;
		} else if (strcmp(line, "lines") == 0) {
			size_t n = (strlen(v) + 1) / (2 * LINE_DIGEST + 1), i;

			r->lines = arena_alloc(a, n * LINE_DIGEST + 1);
			for (i = 0; i < n; i++) {
				const char *h = v + i * (2 * LINE_DIGEST + 1);
				size_t got;

				if (sodium_hex2bin(r->lines + i * LINE_DIGEST, LINE_DIGEST, h,
						   2 * LINE_DIGEST, NULL, &got, NULL) != 0 ||
				    got != LINE_DIGEST)
					break;
			}
			r->nlines = i;
			seen |= 64;
		} else {
			bad(err, r->path, ln, arena_printf(a, "unknown key \"%s\"", line));
			goto out;
		}
next:
		line = nl ? nl + 1 : NULL;
	}
	if ((seen & 63) != 63) {
		bad(err, r->path, ln ? ln : 1, "a key is missing (object, hash, kdf, salt, "
		    "public_key and signature are needed)");
		goto out;
	}
	rc = 1;
out:
	sbuf_release(&buf);
	return rc;
badkdf:
	bad(err, r->path, ln, "kdf is not \"argon2id13 OPS MEM\" within libsodium's limits");
	goto out;
}

int
protect_verify(const struct protect_rec *r, const char *data, size_t len, int *line)
{
	struct sbuf m = SBUF_INIT;
	struct arena a = { 0 };
	unsigned char *now;
	size_t n, i;
	int ok;

	message(r->object, data, len, &m);
	ok = crypto_sign_verify_detached(r->sig, (const unsigned char *)m.buf, m.len,
					 r->pk) == 0;
	sbuf_release(&m);
	if (ok)
		return 0;
	/* Which line: the first whose digest differs, else the first past
	 * the signed ones (lines were added or removed at the end). */
	digest_lines(data, len, NULL, &now, &n, &a);
	for (i = 0; i < n && i < r->nlines; i++)
		if (memcmp(now + i * LINE_DIGEST, r->lines + i * LINE_DIGEST, LINE_DIGEST) != 0)
			break;
	if (i >= n && n > 0)
		i = n - 1;
	*line = (int)i + 1;
	arena_release(&a);
	return -1;
}

int
protect_verify_pinned(const struct protect_rec *r, const char *data, size_t len)
{
	struct sbuf m = SBUF_INIT;
	int ok;

	if (!r->has_pub || r->pinned == NULL)
		return -1;
	message(r->pinned, data, len, &m);
	ok = crypto_sign_verify_detached(r->pub_sig, (const unsigned char *)m.buf, m.len,
					 r->pk) == 0;
	sbuf_release(&m);
	return ok ? 0 : -1;
}

int
protect_unlock(const struct protect_rec *r, const char *pw, size_t pwlen, struct drip_err *err)
{
	if (crypto_pwhash_str_verify(r->hash, pw, pwlen) != 0)
		return err_set(err, DRIP_EPERM, NULL, 0, 0, "wrong password for protected %s '%s'",
			       r->kind == PROTECT_SEQ ? "sequence" : "automation", r->id);
	return 0;
}

/* The key pair the password derives with salt and limits; the seed is
 * wiped here, the secret key is the caller's to wipe.  0 or -1. */
static int
derive(const char *pw, size_t pwlen, const unsigned char salt[16], unsigned long long ops,
       size_t mem, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
       unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	int rc = -1;

	if (crypto_pwhash(seed, sizeof seed, pw, pwlen, salt, ops, mem,
			  crypto_pwhash_ALG_ARGON2ID13) == 0)
		rc = crypto_sign_seed_keypair(pk, sk, seed) == 0 ? 0 : -1;
	sodium_memzero(seed, sizeof seed);
	return rc;
}

int
protect_seal(struct arena *a, enum protect_kind k, const char *id, const char *pw,
	     size_t pwlen, const struct protect_rec *old, const char *data, size_t len,
	     const char *pinned, size_t publen, struct sbuf *out, int *rehashed,
	     struct drip_err *err)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	unsigned char salt[16];
	char hash[crypto_pwhash_STRBYTES];
	char b_salt[64], b_pk[64], b_sig[128], b_pub[128];
	unsigned long long ops;
	size_t mem;
	struct sbuf m = SBUF_INIT, lines = SBUF_INIT;
	const char *object = protect_object_path(a, k, id);
	size_t n;
	int rc = -1;

	*rehashed = 0;
	limits(&ops, &mem);
	if (old && crypto_pwhash_str_needs_rehash(old->hash, ops, mem) == 0 &&
	    old->ops == ops && old->mem == mem) {
		memcpy(hash, old->hash, sizeof hash < sizeof old->hash ? sizeof hash :
		       sizeof old->hash);
		hash[sizeof hash - 1] = '\0';
		memcpy(salt, old->salt, sizeof salt);
	} else {
		/* Before the record is made afresh, the password must still be
		 * the one whose key signed it: a hash swapped in by hand must not
		 * let another password take the record over. */
		if (old && (derive(pw, pwlen, old->salt, old->ops, old->mem, pk, sk) < 0 ||
			    sodium_memcmp(pk, old->pk, sizeof pk) != 0)) {
			err_set(err, DRIP_EPERM, old->path, 0, 0, "the password does not derive "
				"the recorded public key");
			goto out;
		}
		if (crypto_pwhash_str(hash, pw, pwlen, ops, mem) != 0) {
			err_set(err, DRIP_EFAIL, NULL, 0, 0, "out of memory hashing the password");
			goto out;
		}
		randombytes_buf(salt, sizeof salt);
		*rehashed = old != NULL;
	}
	if (derive(pw, pwlen, salt, ops, mem, pk, sk) < 0) {
		err_set(err, DRIP_EFAIL, NULL, 0, 0, "out of memory deriving the key");
		goto out;
	}
	/* Same password, same salt and limits: the same key, or the record
	 * was not made by this password. */
	if (old && !*rehashed && sodium_memcmp(pk, old->pk, sizeof pk) != 0) {
		err_set(err, DRIP_EPERM, old->path, 0, 0, "the password does not derive the "
			"recorded public key");
		goto out;
	}
	message(object, data, len, &m);
	crypto_sign_detached(sig, NULL, (const unsigned char *)m.buf, m.len, sk);
	sodium_bin2base64(b_salt, sizeof b_salt, salt, sizeof salt,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b_pk, sizeof b_pk, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b_sig, sizeof b_sig, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
	digest_lines(data, len, &lines, NULL, &n, a);
	sbuf_printf(out, "# drip protection record (drip-files(5)); change it only through "
		    "drip\nobject: %s\nhash: %s\nkdf: argon2id13 %llu %zu\nsalt: %s\n"
		    "public_key: %s\nsignature: %s\nlines: %s\n", object, hash, ops, mem, b_salt,
		    b_pk, b_sig, sbuf_str(&lines));
	if (pinned && k == PROTECT_SEQ) {
		sbuf_reset(&m);
		message(arena_printf(a, "state/published/%s/sequence.yaml", id), pinned, publen,
			&m);
		crypto_sign_detached(sig, NULL, (const unsigned char *)m.buf, m.len, sk);
		sodium_bin2base64(b_pub, sizeof b_pub, sig, sizeof sig,
				  sodium_base64_VARIANT_ORIGINAL);
		sbuf_printf(out, "published: %s\n", b_pub);
	}
	rc = 0;
out:
	sodium_memzero(sk, sizeof sk);
	sbuf_release(&m);
	sbuf_release(&lines);
	return rc;
}

/*
 * The bytes of rel as they will be once the changes ch (n of them) are
 * made: from ch when one of them writes rel, else from root.  1 with b
 * filled, 0 when there will be no such file, or -1.
 */
static int
bytes_after(const char *root, const char *rel, const struct txn_change *ch, size_t n,
	    struct sbuf *b, struct drip_err *err)
{
	char *full;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if (strcmp(ch[i].path, rel) == 0) {
			if (ch[i].data == NULL)
				return 0;
			if (ch[i].mode == TXN_FROM_FILE)
				return fsio_read(ch[i].data, 0, b, err) < 0 ? -1 : 1;
			sbuf_add(b, ch[i].data, ch[i].len);
			return 1;
		}
	full = fsio_join(root, rel);
	rc = fsio_exists(full) ? (fsio_read(full, 0, b, err) < 0 ? -1 : 1) : 0;
	free(full);
	return rc;
}

/* Is the file rel under root exactly b? */
static int
same_file(const char *root, const char *rel, const struct sbuf *b)
{
	struct sbuf now = SBUF_INIT;
	char *full = fsio_join(root, rel);
	struct drip_err e;
	int same;

	same = fsio_read(full, 0, &now, &e) == 0 && now.len == b->len &&
		memcmp(now.buf, b->buf, b->len) == 0;
	free(full);
	sbuf_release(&now);
	return same;
}

int
protect_reseal(struct arena *a, const char *root, enum protect_kind k, const char *id,
	       const struct protect_rec *old, const char *pw, size_t pwlen,
	       const struct txn_change *ch, size_t n, struct txn_change *out,
	       struct drip_err *err)
{
	const char *object = protect_object_path(a, k, id);
	const char *path = protect_record_path(a, k, id);
	struct sbuf obj = SBUF_INIT, pin = SBUF_INIT, rec = SBUF_INIT;
	int has, pinned = 0, rehashed, rc = -1;

	out->path = path;
	out->data = NULL;
	out->len = 0;
	out->mode = 0;
	if ((has = bytes_after(root, object, ch, n, &obj, err)) < 0)
		goto done;
	if (has == 0) {
		/* The object goes: its record goes with it. */
		if (old == NULL)
			err_set(err, DRIP_ENOINPUT, object, 0, 0, "no such file");
		rc = old ? 1 : -1;
		goto done;
	}
	if (k == PROTECT_SEQ &&
	    (pinned = bytes_after(root, arena_printf(a, "state/published/%s/sequence.yaml", id),
				  ch, n, &pin, err)) < 0)
		goto done;
	if (protect_seal(a, k, id, pw, pwlen, old, obj.buf ? obj.buf : "", obj.len,
			 pinned ? (pin.buf ? pin.buf : "") : NULL, pin.len, &rec, &rehashed,
			 err) < 0)
		goto done;
	rc = 0;
	if (old == NULL || !same_file(root, path, &rec)) {
		out->data = arena_strndup(a, rec.buf, rec.len);
		out->len = rec.len;
		rc = 1;
	}
done:
	sbuf_release(&obj);
	sbuf_release(&pin);
	sbuf_release(&rec);
	return rc;
}

int
protect_check(const char *root, const struct protect_rec *r, struct drip_err *err)
{
	struct sbuf buf = SBUF_INIT;
	char *full = fsio_join(root, r->object);
	int line, rc = 0;

	if (!fsio_exists(full)) {
		rc = err_set(err, DRIP_EDATA, r->path, 1, 1, "protects '%s', which is gone; "
			     "restore it, or remove the protection with 'drip %s unprotect %s'",
			     r->object, r->kind == PROTECT_SEQ ? "seq" : "automate", r->id);
	} else if (fsio_read(full, 0, &buf, err) < 0) {
		rc = -1;
	} else if (protect_verify(r, buf.buf ? buf.buf : "", buf.len, &line) < 0) {
		rc = err_set(err, DRIP_EDATA, r->object, line, 1, "protected %s '%s' was changed "
			     "outside drip; restore it with git, or sign what it is now with "
			     "'drip %s protect %s' (the signature is in %s)",
			     r->kind == PROTECT_SEQ ? "sequence" : "automation", r->id,
			     r->kind == PROTECT_SEQ ? "seq" : "automate", r->id, r->path);
	} else if (r->has_pub) {
		/* What tick runs: the published copy, signed at publish. */
		free(full);
		full = fsio_join(root, r->pinned);
		sbuf_reset(&buf);
		if (!fsio_exists(full) || fsio_read(full, 0, &buf, err) < 0 ||
		    protect_verify_pinned(r, buf.buf ? buf.buf : "", buf.len) < 0)
			rc = err_set(err, DRIP_EDATA, r->pinned, 1, 1, "the published copy of "
				     "protected sequence '%s' was changed outside drip: it does not "
				     "match the signature in %s", r->id, r->path);
	}
	free(full);
	sbuf_release(&buf);
	return rc;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int
protect_check_all(struct arena *a, const char *root, struct drip_err *err)
{
	char *dir = fsio_join(root, PROTECT_DIR);
	DIR *d = opendir(dir);
	struct dirent *e;
	const char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	free(dir);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len > 4 && strcmp(e->d_name + len - 4, ".sig") == 0) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 8;

				names = arena_grow(a, names, n, nc, sizeof *names);
				cap = nc;
			}
			names[n++] = arena_strndup(a, e->d_name, len - 4);
		}
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n && rc == 0; i++) {
		struct protect_rec r;
		enum protect_kind k;
		const char *id;

		if (strncmp(names[i], "seq-", 4) == 0) {
			k = PROTECT_SEQ;
			id = names[i] + 4;
		} else if (strncmp(names[i], "auto-", 5) == 0) {
			k = PROTECT_AUTO;
			id = names[i] + 5;
		} else {
			continue;
		}
		if (!ws_valid_id(id))
			continue;
		rc = protect_load(a, root, k, id, &r, err);
		if (rc == 1)
			rc = protect_check(root, &r, err);
	}
	return rc < 0 ? -1 : 0;
}

void
protect_lint(struct arena *a, const char *root, const char *rel, const char *name,
	     struct diags *d)
{
	struct protect_rec r;
	struct drip_err e;
	enum protect_kind k;
	const char *id;

	if (!protect_object_of(a, rel, &k, &id))
		return;
	err_clear(&e);
	if (protect_load(a, root, k, id, &r, &e) == 0)
		return;
	if (e.code == 0 && protect_check(root, &r, &e) == 0)
		return;
	diag_add(d, DIAG_ERROR, strcmp(e.file, rel) == 0 ? name : e.file, e.line, e.col, "%s",
		 e.msg);
}
