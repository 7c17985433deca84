/*
 * t_protect.c - protection records (core/protect.c, SPEC §3.6): sealing,
 * verifying, unlocking, the rehash, a forged or moved record, the line an
 * edit is reported at, damaged records, and the check tick runs.
 */
#include "tap.h"

#include "arena.h"
#include "diag.h"
#include "err.h"
#include "protect.h"
#include "sbuf.h"
#include "txn.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

static char base[] = "/tmp/drip-t-protect-XXXXXX";

#include "tmpdir.h"

static void
put(const char *rel, const char *s, size_t len)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, s, len) != (ssize_t)len || close(fd) < 0) {
		perror(rel);
		abort();
	}
}

static const char seq[] = "id: s\nsteps:\n  - {id: one, type: delay, wait: 1d}\n"
	"  - {id: two, type: delay, wait: 2d}\n";

/* The published copy to sign with the next seal, or NULL. */
static const char *pinned;

/* Seal seq under pw (with old, if given) into the workspace's record. */
static int
seal(struct arena *a, const char *pw, const struct protect_rec *old, const char *data,
     int *rehashed, struct drip_err *e)
{
	struct sbuf out = SBUF_INIT;
	int rc = protect_seal(a, PROTECT_SEQ, "s", pw, strlen(pw), old, data, strlen(data),
			      pinned, pinned ? strlen(pinned) : 0, &out, rehashed, e);

	if (rc == 0)
		put("protect/seq-s.sig", out.buf, out.len);
	sbuf_release(&out);
	return rc;
}

int
main(void)
{
	struct arena a = { 0 };
	struct protect_rec r, r2;
	struct drip_err e;
	struct diags d;
	char *edited, *copy;
	enum protect_kind k;
	const char *id;
	int line, rehashed, rc;
	size_t i, flips = 0, caught = 0;

	if (sodium_init() < 0 || mkdtemp(base) == NULL) {
		perror("setup");
		return 1;
	}
	setenv("DRIP_PROTECT_LIMITS", "min", 1);
	mkdir(at("protect"), 0755);
	mkdir(at("sequences"), 0755);
	mkdir(at("automations"), 0755);
	put("sequences/s.yaml", seq, strlen(seq));

	/* paths */
	is_str(protect_object_path(&a, PROTECT_SEQ, "s"), "sequences/s.yaml", "object path");
	is_str(protect_record_path(&a, PROTECT_AUTO, "x"), "protect/auto-x.sig", "record path");
	ok(protect_object_of(&a, "automations/x.yaml", &k, &id) == 1 && k == PROTECT_AUTO &&
	   strcmp(id, "x") == 0, "automations/x.yaml is automation x");
	ok(protect_object_of(&a, "sequences/../x.yaml", &k, &id) == 0 &&
	   protect_object_of(&a, "state/sequences.csv", &k, &id) == 0 &&
	   protect_object_of(&a, "sequences/.yaml", &k, &id) == 0,
	   "other paths name no object");

	/* not protected */
	is_int(protect_load(&a, base, PROTECT_SEQ, "s", &r, &e), 0, "no record: not protected");
	is_int(protect_check_all(&a, base, &e), 0, "nothing protected: tick's check passes");

	/* seal, load, verify */
	is_int(seal(&a, "pw", NULL, seq, &rehashed, &e), 0, "seal a new record");
	is_int(protect_load(&a, base, PROTECT_SEQ, "s", &r, &e), 1, "the record loads");
	is_int(protect_verify(&r, seq, strlen(seq), &line), 0, "the signed bytes verify");
	is_int(protect_check_all(&a, base, &e), 0, "tick's check passes");
	is_int((int)r.nlines, 4, "a digest per line");
	ok(strncmp(r.hash, "$argon2id$", 10) == 0, "the hash is argon2id");
	is_int(protect_unlock(&r, "pw", 2, &e), 0, "the password unlocks");
	is_int(protect_unlock(&r, "pW", 2, &e), -1, "another password does not");
	is_int(e.code, DRIP_EPERM, "... 77");
	is_int(protect_unlock(&r, "pw\0", 3, &e), -1, "nor the password with a NUL after it");

	/* each edit is caught, at its line */
	edited = arena_strdup(&a, seq);
	edited[strlen(edited) - 4] = '3';	/* two: wait 3d */
	ok(protect_verify(&r, edited, strlen(edited), &line) == -1 && line == 4,
	   "an edit on line 4 is reported at line 4 (got %d)", line);
	ok(protect_verify(&r, seq, strlen(seq) - 1, &line) == -1 && line == 4,
	   "a removed final newline: line 4 (got %d)", line);
	copy = arena_printf(&a, "%sextra: 1\n", seq);
	ok(protect_verify(&r, copy, strlen(copy), &line) == -1 && line == 5,
	   "an added line: line 5 (got %d)", line);
	copy = arena_printf(&a, "# a comment\n%s", seq);
	ok(protect_verify(&r, copy, strlen(copy), &line) == -1 && line == 1,
	   "an added comment on top: line 1 (got %d)", line);
	ok(protect_verify(&r, "", 0, &line) == -1 && line == 1, "an emptied file: line 1");
	copy = arena_strdup(&a, seq);
	for (i = 0; i < strlen(seq) * 8; i++) {
		copy[i / 8] ^= (char)(1u << (i % 8));
		flips++;
		if (protect_verify(&r, copy, strlen(seq), &line) == -1)
			caught++;
		copy[i / 8] ^= (char)(1u << (i % 8));
	}
	ok(flips == caught && flips > 0, "every single-bit flip of the file fails (%zu of %zu)",
	   caught, flips);

	/* the record binds the object: moved to another id, it fails */
	{
		struct protect_rec moved = r;

		moved.object = "sequences/t.yaml";
		ok(protect_verify(&moved, seq, strlen(seq), &line) == -1,
		   "a record moved to another object does not verify its bytes");
	}

	/* a forged record: another password's key, the same hash */
	r2 = r;
	is_int(seal(&a, "other", NULL, seq, &rehashed, &e), 0, "seal with another password");
	is_int(protect_load(&a, base, PROTECT_SEQ, "s", &r2, &e), 1, "load it");
	ok(sodium_memcmp(r.pk, r2.pk, sizeof r.pk) != 0, "another password, another key");
	{
		struct protect_rec mixed = r;	/* r's hash and salt, r2's key and signature */

		memcpy(mixed.pk, r2.pk, sizeof mixed.pk);
		memcpy(mixed.sig, r2.sig, sizeof mixed.sig);
		is_int(protect_unlock(&mixed, "pw", 2, &e), 0, "a mixed record unlocks with pw");
		rc = seal(&a, "pw", &mixed, seq, &rehashed, &e);
		ok(rc == -1 && e.code == DRIP_EPERM,
		   "but pw does not derive its key: sealing refuses (77)");
	}
	{
		/* pw's key and signature, another password's hash swapped in,
		 * and limits that changed, so that sealing would hash afresh */
		struct protect_rec swapped = r;

		memcpy(swapped.hash, r2.hash, sizeof swapped.hash);
		is_int(protect_unlock(&swapped, "other", 5, &e), 0,
		       "a swapped-in hash unlocks with its password");
		setenv("DRIP_PROTECT_LIMITS", "interactive", 1);
		rc = seal(&a, "other", &swapped, seq, &rehashed, &e);
		ok(rc == -1 && e.code == DRIP_EPERM,
		   "but the rehash refuses: that password does not derive the recorded key");
		setenv("DRIP_PROTECT_LIMITS", "min", 1);
	}

	/* re-sealing with the same limits keeps hash and salt; a change of
	 * limits makes them afresh (the rehash) */
	is_int(seal(&a, "pw", NULL, seq, &rehashed, &e), 0, "seal with pw again");
	is_int(protect_load(&a, base, PROTECT_SEQ, "s", &r, &e), 1, "load");
	is_int(seal(&a, "pw", &r, edited, &rehashed, &e), 0, "seal an edit with the old record");
	is_int(rehashed, 0, "same limits: no rehash");
	is_int(protect_load(&a, base, PROTECT_SEQ, "s", &r2, &e), 1, "load");
	is_str(r2.hash, r.hash, "the hash is kept");
	ok(memcmp(r2.pk, r.pk, sizeof r.pk) == 0, "the key is kept");
	is_int(protect_verify(&r2, edited, strlen(edited), &line), 0, "the edit verifies");
	ok(protect_verify(&r2, seq, strlen(seq), &line) == -1, "the old bytes no longer do");
	setenv("DRIP_PROTECT_LIMITS", "interactive", 1);
	is_int(seal(&a, "pw", &r2, edited, &rehashed, &e), 0, "seal under new limits");
	is_int(rehashed, 1, "the limits changed: rehashed");
	is_int(protect_load(&a, base, PROTECT_SEQ, "s", &r, &e), 1, "load");
	ok(strstr(r.hash, "m=65536,t=2") != NULL, "the new hash has the new limits: %s", r.hash);
	ok(r.ops == crypto_pwhash_OPSLIMIT_INTERACTIVE &&
	   r.mem == crypto_pwhash_MEMLIMIT_INTERACTIVE, "and the key derivation too");
	is_int(protect_unlock(&r, "pw", 2, &e), 0, "the same password unlocks it");
	is_int(protect_verify(&r, edited, strlen(edited), &line), 0, "and it verifies");
	setenv("DRIP_PROTECT_LIMITS", "min", 1);

	/* damaged records */
	{
		static const struct { const char *text, *why; int line; } bad[] = {
			{ "object: sequences/t.yaml\n", "names", 1 },
			{ "object: sequences/s.yaml\nhash: plain\n", "argon2id", 2 },
			{ "kdf: argon2id13 0 1\n", "kdf", 1 },
			{ "salt: c2FsdA==\n", "salt", 1 },
			{ "public_key: !!!\n", "public_key", 1 },
			{ "signature: AAAA\n", "signature", 1 },
			{ "nonsense\n", "KEY: VALUE", 1 },
			{ "color: red\n", "unknown key", 1 },
			{ "# only a comment\n", "missing", 1 },
		};

		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			put("protect/seq-s.sig", bad[i].text, strlen(bad[i].text));
			err_clear(&e);
			rc = protect_load(&a, base, PROTECT_SEQ, "s", &r, &e);
			ok(rc == -1 && e.code == DRIP_EDATA && e.line == bad[i].line &&
			   strstr(e.msg, bad[i].why) != NULL && strcmp(e.file,
			   "protect/seq-s.sig") == 0, "damaged record %zu: %s:%d: %s", i, e.file,
			   e.line, e.msg);
		}
		put("protect/seq-s.sig", "object: x\0y\n", 12);
		ok(protect_load(&a, base, PROTECT_SEQ, "s", &r, &e) == -1 &&
		   strstr(e.msg, "NUL") != NULL, "a NUL byte in a record");
		err_clear(&e);
		is_int(protect_check_all(&a, base, &e), -1, "tick's check stops at it");
		is_str(e.file, "protect/seq-s.sig", "naming the record");
	}

	/* tick's check and lint on an edit and on a removed object */
	is_int(seal(&a, "pw", NULL, seq, &rehashed, &e), 0, "seal again");
	put("sequences/s.yaml", edited, strlen(edited));
	err_clear(&e);
	is_int(protect_check_all(&a, base, &e), -1, "tick's check finds the edit");
	ok(e.code == DRIP_EDATA && strcmp(e.file, "sequences/s.yaml") == 0 && e.line == 4,
	   "65 at sequences/s.yaml:4 (%s:%d)", e.file, e.line);
	diag_init(&d, &a);
	protect_lint(&a, base, "sequences/s.yaml", "sequences/s.yaml", &d);
	ok(d.nerr == 1 && d.v[0].line == 4 && strcmp(d.v[0].file, "sequences/s.yaml") == 0 &&
	   strstr(d.v[0].msg, "changed outside drip") != NULL, "lint reports it at line 4");
	diag_init(&d, &a);
	protect_lint(&a, base, "sequences/other.yaml", "sequences/other.yaml", &d);
	is_int((int)d.nerr, 0, "lint: an unprotected file has no finding");
	unlink(at("sequences/s.yaml"));
	err_clear(&e);
	is_int(protect_check_all(&a, base, &e), -1, "a removed protected file stops tick");
	ok(strstr(e.msg, "which is gone") != NULL, "... saying it is gone: %s", e.msg);
	put("sequences/s.yaml", seq, strlen(seq));
	is_int(protect_check_all(&a, base, &e), 0, "restored, it passes");

	/* the published copy: signed when given, checked by tick */
	mkdir(at("state"), 0755);
	mkdir(at("state/published"), 0755);
	mkdir(at("state/published/s"), 0755);
	put("state/published/s/sequence.yaml", seq, strlen(seq));
	pinned = seq;
	is_int(seal(&a, "pw", NULL, seq, &rehashed, &e), 0, "seal with the published copy");
	pinned = NULL;
	is_int(protect_load(&a, base, PROTECT_SEQ, "s", &r, &e), 1, "load");
	ok(r.has_pub && strcmp(r.pinned, "state/published/s/sequence.yaml") == 0,
	   "the record signs the published copy");
	is_int(protect_verify_pinned(&r, seq, strlen(seq)), 0, "which verifies");
	ok(protect_verify(&r, seq, strlen(seq), &line) == 0, "and so does the draft");
	is_int(protect_check_all(&a, base, &e), 0, "tick's check passes");
	put("state/published/s/sequence.yaml", edited, strlen(edited));
	ok(protect_verify_pinned(&r, edited, strlen(edited)) == -1,
	   "an edited published copy does not verify");
	err_clear(&e);
	is_int(protect_check_all(&a, base, &e), -1, "tick's check finds it");
	is_str(e.file, "state/published/s/sequence.yaml", "... naming the published copy");
	unlink(at("state/published/s/sequence.yaml"));
	is_int(protect_check_all(&a, base, &e), -1, "a removed published copy too");

	/* resealing: the record as it will be after a command's changes */
	{
		static const char au[] = "id: x\nif: {event: contact_created}\nactions:\n"
			"  - tag: {add: [new]}\n";
		static const char au2[] = "id: x\nif: {event: contact_created}\nactions:\n"
			"  - tag: {add: [fresh]}\n";
		struct txn_change out, ch;
		struct protect_rec rx;

		put("automations/x.yaml", au, strlen(au));
		is_int(protect_reseal(&a, base, PROTECT_AUTO, "x", NULL, "pw", 2, NULL, 0, &out,
				      &e), 1, "reseal: a new record");
		ok(out.data != NULL && strcmp(out.path, "protect/auto-x.sig") == 0,
		   "... written to protect/auto-x.sig");
		put(out.path, out.data, out.len);
		is_int(protect_load(&a, base, PROTECT_AUTO, "x", &rx, &e), 1, "it loads");
		is_int(protect_verify(&rx, au, strlen(au), &line), 0, "and signs the file");
		is_int(protect_reseal(&a, base, PROTECT_AUTO, "x", &rx, "pw", 2, NULL, 0, &out, &e),
		       0, "nothing changed: the record stays");
		ch.path = "automations/x.yaml";
		ch.data = au2;
		ch.len = strlen(au2);
		ch.mode = 0;
		is_int(protect_reseal(&a, base, PROTECT_AUTO, "x", &rx, "pw", 2, &ch, 1, &out, &e),
		       1, "a change to the object: a new record");
		put(out.path, out.data, out.len);
		is_int(protect_load(&a, base, PROTECT_AUTO, "x", &rx, &e), 1, "it loads");
		ok(protect_verify(&rx, au2, strlen(au2), &line) == 0 &&
		   protect_verify(&rx, au, strlen(au), &line) == -1,
		   "it signs the changed bytes, not the ones on disk");
		is_int(protect_reseal(&a, base, PROTECT_AUTO, "x", &rx, "pW", 2, &ch, 1, &out, &e),
		       -1, "another password cannot reseal");
		is_int(e.code, DRIP_EPERM, "... 77");
		ch.data = NULL;
		ok(protect_reseal(&a, base, PROTECT_AUTO, "x", &rx, "pw", 2, &ch, 1, &out, &e) == 1 &&
		   out.data == NULL && strcmp(out.path, "protect/auto-x.sig") == 0,
		   "the object deleted: the record is deleted with it");
		err_clear(&e);
		is_int(protect_reseal(&a, base, PROTECT_AUTO, "nosuch", NULL, "pw", 2, NULL, 0, &out,
				      &e), -1, "nothing to protect");
		is_int(e.code, DRIP_ENOINPUT, "... 66");
	}

	arena_release(&a);
	rm_rf(base);
	return tap_done();
}
