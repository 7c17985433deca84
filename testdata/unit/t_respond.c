/*
 * t_respond.c - answering signed links (SPEC §8): what core/respond decides
 * for genuine, moved-on, expired and forged tokens, that only a genuine and
 * current answer is ever written to inbox/, and once.
 */
#include "tap.h"

#include "arena.h"
#include "err.h"
#include "inbox.h"
#include "respond.h"
#include "sbuf.h"
#include "state.h"
#include "token.h"

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

static char base[] = "/tmp/drip-t-respond-XXXXXX";

#include "tmpdir.h"

/* 2026-11-03T09:00:00Z: when the links were made; ada entered step two a
 * day before, bob two days before. */
#define T0 INT64_C(1793696400)
#define ADA_ENTERED (T0 - 86400)
#define BOB_ENTERED (T0 - 2 * 86400)
#define EXPIRES (T0 + 14 * 86400)

static void
put(const char *rel, const char *text)
{
	const char *path = at(rel);
	FILE *f;
	char dir[1024], *slash;

	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (access(dir, F_OK) != 0) {
			char cmd[1200];

			snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
			if (system(cmd) != 0)
				abort();
		}
	}
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

static void
write_key(const char *path, const unsigned char *sk)
{
	char b64[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL) + 1];
	int fd;

	sodium_bin2base64(b64, sizeof b64 - 1, sk, 64, sodium_base64_VARIANT_ORIGINAL);
	strcat(b64, "\n");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, b64, strlen(b64)) != (ssize_t)strlen(b64) || close(fd) != 0)
		abort();
}

static struct enr
enr(const char *contact, const char *step, int64_t entered, enum enr_status st)
{
	struct enr e;

	memset(&e, 0, sizeof e);
	e.contact = contact;
	e.sequence = "s";
	e.version = 1;
	e.status = st;
	e.step = step;
	e.entered = entered;
	e.base = entered;
	e.enrolled = entered;
	e.paused = STATE_NONE;
	e.task = "";
	e.hold = STATE_NONE;
	e.sent_day = "";
	return e;
}

/* The enrollments: ada and bob on step two of s, carol removed. */
static void
write_state(enum enr_status ada_status)
{
	const char *who[3] = { "ada", "bob", "carol" };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct sbuf sb = SBUF_INIT;
		struct enr e = i == 0 ? enr("ada", ada_status == ENR_REMOVED ? "" : "two",
					    ADA_ENTERED, ada_status) :
			       i == 1 ? enr("bob", "two", BOB_ENTERED, ENR_ACTIVE) :
			       enr("carol", "", BOB_ENTERED, ENR_REMOVED);
		char rel[64];

		state_shard_path(state_shard(who[i]), rel, sizeof rel);
		state_format_shard(&e, 1, &sb);
		put(rel, sbuf_str(&sb));
		sbuf_release(&sb);
	}
}

static void
setup_ws(void)
{
	put("contacts.csv", "id,email,unsubscribed\n"
	    "ada,ada@example.com,false\nbob,bob@example.com,false\n"
	    "carol,carol@example.com,false\numa,uma@example.com,true\n");
	put("state/sequences.csv", "id,status,version,published_at,digest\n"
	    "s,active,1,2026-11-01T00:00:00Z,x\n");
	write_state(ENR_ACTIVE);
}

static struct token
mk(const char *contact, const char *step, int64_t entered, int answer, int64_t expires)
{
	struct token t;

	memset(&t, 0, sizeof t);
	t.version = TOKEN_VERSION;
	snprintf(t.contact, sizeof t.contact, "%s", contact);
	snprintf(t.sequence, sizeof t.sequence, "%s", *step ? "s" : "");
	snprintf(t.step, sizeof t.step, "%s", step);
	t.entered = entered;
	t.answer = answer;
	t.expires = expires;
	return t;
}

static char *
sign(const struct token *t, const struct token_key *k)
{
	struct sbuf sb = SBUF_INIT;
	struct drip_err e;

	err_clear(&e);
	if (token_sign(t, k, &sb, &e) < 0)
		abort();
	return sbuf_detach(&sb, NULL);
}

/* Files in inbox/ (not counting temporary ones). */
static int
inbox_count(void)
{
	DIR *d = opendir(at("inbox"));
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
clear_inbox(void)
{
	rm_rf(at("inbox"));
}

/* Judge s at now and try to record it: the outcome, or -1 on an error. */
static int
answer(const char *s, const unsigned char *pk, int64_t now, struct respond *r)
{
	struct arena a = { 0 };
	struct drip_err e;
	struct respond tmp;
	int rc;

	err_clear(&e);
	if (r == NULL)
		r = &tmp;
	rc = respond_check(&a, base, pk, s, now, r, &e);
	if (rc == 0)
		rc = respond_record(base, r, now, &e);
	if (rc < 0)
		printf("# respond: %s\n", e.msg);
	else
		rc = (int)r->outcome;
	/* The strings r points to are not used after this. */
	r->event_id = NULL;
	r->why = NULL;
	arena_release(&a);
	return rc;
}

static void
test_accept_once(const struct token_key *k, const unsigned char *pk)
{
	struct token t = mk("ada", "two", ADA_ENTERED, TOKEN_YES, EXPIRES);
	char *s = sign(&t, k), *file;
	struct arena a = { 0 };
	struct respond r;
	struct sbuf sb = SBUF_INIT;
	const char *id = respond_event_id(&a, s);
	FILE *f;

	clear_inbox();
	is_int(answer(s, pk, T0 + 3600, &r), RESPOND_ACCEPTED, "yes: accepted");
	ok(!r.already && inbox_count() == 1, "yes: one event recorded");
	file = strdup(at(arena_printf(&a, "inbox/%s.csv", id)));
	if ((f = fopen(file, "r")) != NULL) {
		char line[512];

		while (fgets(line, sizeof line, f))
			sbuf_adds(&sb, line);
		fclose(f);
	}
	is_str(sbuf_str(&sb), "time,contact,name,sequence,data\n"
	       "2026-11-03T10:00:00Z,ada,response,s,answer=yes&step=two\n",
	       "yes: the event file, named after the token");
	is_int(answer(s, pk, T0 + 7200, &r), RESPOND_ACCEPTED, "replay: accepted again");
	ok(r.already && inbox_count() == 1, "replay: nothing new recorded");

	/* tick applies it: the file goes, its name is a ref in the log. */
	unlink(file);
	put("log/2026-11.csv", arena_printf(&a, "time,contact,sequence,step,automation,action,"
					    "result,ref,detail\n2026-11-03T10:00:00Z,ada,s,,,event,"
					    "ok,%s,response\n", id));
	is_int(answer(s, pk, T0 + 86400, &r), RESPOND_ACCEPTED, "replay after tick: accepted");
	ok(r.already && inbox_count() == 0, "replay after tick: nothing recorded");
	unlink(at("log/2026-11.csv"));
	/* A log of a month before the token is not looked at. */
	put("log/2026-10.csv", arena_printf(&a, "x,%s,\n", id));
	is_int(answer(s, pk, T0 + 86400, &r), RESPOND_ACCEPTED, "old month: accepted");
	ok(!r.already && inbox_count() == 1, "old month: not taken for the event's row");
	unlink(at("log/2026-10.csv"));
	clear_inbox();
	free(file);
	free(s);
	sbuf_release(&sb);
	arena_release(&a);
}

static void
test_moved_on(const struct token_key *k, const unsigned char *pk)
{
	struct token t;
	char *s;

	clear_inbox();
	/* A token for ada carrying bob's enrollment (his entry time). */
	t = mk("ada", "two", BOB_ENTERED, TOKEN_NO, EXPIRES);
	s = sign(&t, k);
	is_int(answer(s, pk, T0, NULL), RESPOND_MOVED_ON, "another entry time: moved-on");
	free(s);
	t = mk("ada", "one", ADA_ENTERED, TOKEN_NO, EXPIRES);
	s = sign(&t, k);
	is_int(answer(s, pk, T0, NULL), RESPOND_MOVED_ON, "another step: moved-on");
	free(s);
	t = mk("carol", "two", BOB_ENTERED, TOKEN_NO, EXPIRES);
	s = sign(&t, k);
	is_int(answer(s, pk, T0, NULL), RESPOND_MOVED_ON, "enrollment ended: moved-on");
	free(s);
	t = mk("uma", "two", BOB_ENTERED, TOKEN_YES, EXPIRES);
	s = sign(&t, k);
	is_int(answer(s, pk, T0, NULL), RESPOND_MOVED_ON, "never enrolled: moved-on");
	free(s);
	write_state(ENR_REMOVED);
	t = mk("ada", "two", ADA_ENTERED, TOKEN_YES, EXPIRES);
	s = sign(&t, k);
	is_int(answer(s, pk, T0, NULL), RESPOND_MOVED_ON, "ada removed: her own link is moved-on");
	write_state(ENR_PAUSED);
	is_int(answer(s, pk, T0, NULL), RESPOND_ACCEPTED, "paused on the same step: accepted");
	write_state(ENR_ACTIVE);
	free(s);
	ok(inbox_count() == 1, "moved-on records nothing");
	clear_inbox();
}

static void
test_expiry(const struct token_key *k, const unsigned char *pk)
{
	struct token t = mk("bob", "two", BOB_ENTERED, TOKEN_YES, EXPIRES);
	char *s = sign(&t, k);

	clear_inbox();
	is_int(answer(s, pk, EXPIRES + 1, NULL), RESPOND_EXPIRED, "expiry: one second past");
	is_int(answer(s, pk, EXPIRES, NULL), RESPOND_EXPIRED, "expiry: at the second");
	ok(inbox_count() == 0, "expiry: nothing recorded");
	is_int(answer(s, pk, EXPIRES - 1, NULL), RESPOND_ACCEPTED, "expiry: a second before");
	free(s);
	clear_inbox();
}

static void
test_unsubscribe(const struct token_key *k, const unsigned char *pk)
{
	struct token t = mk("bob", "two", BOB_ENTERED, TOKEN_UNSUBSCRIBE, EXPIRES);
	char *s = sign(&t, k);
	struct respond r;

	clear_inbox();
	/* Signing writes expiry 0 for unsubscribe: it never expires, and the
	 * enrollment's step does not matter. */
	write_state(ENR_ACTIVE);
	is_int(answer(s, pk, INT64_C(32503680000), &r), RESPOND_ACCEPTED,
	       "unsubscribe: accepted in the year 3000");
	ok(!r.already && inbox_count() == 1, "unsubscribe: recorded");
	free(s);
	t = mk("uma", "", 0, TOKEN_UNSUBSCRIBE, 0);
	s = sign(&t, k);
	is_int(answer(s, pk, T0, &r), RESPOND_ACCEPTED, "unsubscribed already: accepted");
	ok(r.already && inbox_count() == 1, "unsubscribed already: nothing recorded");
	free(s);
	clear_inbox();
}

static void
test_unknown(const struct token_key *k, const unsigned char *pk)
{
	struct token t = mk("zed", "two", ADA_ENTERED, TOKEN_YES, EXPIRES);
	char *s = sign(&t, k);

	clear_inbox();
	is_int(answer(s, pk, T0, NULL), RESPOND_INVALID, "unknown contact: invalid");
	free(s);
	t = mk("ada", "two", ADA_ENTERED, TOKEN_YES, EXPIRES);
	snprintf(t.sequence, sizeof t.sequence, "gone");
	s = sign(&t, k);
	is_int(answer(s, pk, T0, NULL), RESPOND_INVALID, "unknown sequence: invalid");
	free(s);
	t = mk("ada", "", 0, TOKEN_YES, EXPIRES);
	s = sign(&t, k);
	is_int(answer(s, pk, T0, NULL), RESPOND_INVALID, "a yes without a step: invalid");
	free(s);
	t = mk("../x", "two", ADA_ENTERED, TOKEN_YES, EXPIRES);
	s = sign(&t, k);
	is_int(answer(s, pk, T0, NULL), RESPOND_INVALID, "a contact id that is a path: invalid");
	free(s);
	ok(inbox_count() == 0, "unknown: nothing recorded");
}

/* Forgeries: every one invalid, and nothing recorded. */
static void
test_tamper(const struct token_key *k, const struct token_key *other,
	    const unsigned char *pk)
{
	struct token t = mk("ada", "two", ADA_ENTERED, TOKEN_NO, EXPIRES);
	char *s = sign(&t, k), *m, *buf;
	unsigned char raw[512], flipped[512];
	size_t n = 0, len = strlen(s), i, bad = 0, total = 0;
	int b;

	clear_inbox();
	if (sodium_base642bin(raw, sizeof raw, s, len, NULL, &n, NULL, B64URL) != 0)
		abort();
	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++) {
			char txt[1024];

			memcpy(flipped, raw, n);
			flipped[i] ^= (unsigned char)(1u << b);
			sodium_bin2base64(txt, sizeof txt, flipped, n, B64URL);
			total++;
			bad += answer(txt, pk, T0, NULL) != RESPOND_INVALID;
		}
	ok(bad == 0 && total == n * 8, "tamper: all %zu single-bit flips invalid", total);
	buf = malloc(len + 8);
	for (i = 0, bad = 0; i < len; i++) {
		memcpy(buf, s, i);
		buf[i] = '\0';
		bad += answer(buf, pk, T0, NULL) != RESPOND_INVALID;
	}
	ok(bad == 0, "tamper: all %zu truncations invalid", len);
	{
		static const char *const tails[] = { "=", "==", "A", "AA", "AAA", "AAAA", " ", "\n",
						     "%00", "&t=x" };

		for (i = 0, bad = 0; i < sizeof tails / sizeof *tails; i++) {
			m = malloc(len + strlen(tails[i]) + 1);
			sprintf(m, "%s%s", s, tails[i]);
			bad += answer(m, pk, T0, NULL) != RESPOND_INVALID;
			free(m);
		}
		ok(bad == 0, "tamper: padding and trailing characters invalid");
	}
	/* The standard alphabet, and a non-canonical last character. */
	{
		char std[1024];

		sodium_bin2base64(std, sizeof std, raw, n, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
		ok(strpbrk(std, "+/") != NULL && answer(std, pk, T0, NULL) == RESPOND_INVALID,
		   "tamper: the standard alphabet is invalid");
		strcpy(buf, s);
		for (i = 0, bad = 0; i < len; i++)
			if (buf[i] == '-' || buf[i] == '_') {
				buf[i] = buf[i] == '-' ? '+' : '/';
				bad += answer(buf, pk, T0, NULL) != RESPOND_INVALID;
				buf[i] = s[i];
			}
		ok(bad == 0, "tamper: '+' or '/' anywhere is invalid");
		strcpy(buf, s);
		buf[len - 1] = buf[len - 1] == 'A' ? 'B' : (char)(buf[len - 1] ^ 1);
		ok(answer(buf, pk, T0, NULL) == RESPOND_INVALID,
		   "tamper: another spelling of the last character is invalid");
	}
	m = sign(&t, other);
	ok(answer(m, pk, T0, NULL) == RESPOND_INVALID, "tamper: signed by another key");
	free(m);
	m = malloc(4097 + len);
	memset(m, 'A', 4096);
	strcpy(m + 4096, s);
	ok(answer(m, pk, T0, NULL) == RESPOND_INVALID, "tamper: over 4 KiB");
	free(m);
	ok(answer("", pk, T0, NULL) == RESPOND_INVALID, "tamper: empty");
	ok(inbox_count() == 0, "tamper: nothing was ever recorded");
	ok(answer(s, pk, T0, NULL) == RESPOND_ACCEPTED, "tamper: the real token still works");
	clear_inbox();
	free(buf);
	free(s);
}

static void
test_query(void)
{
	struct arena a = { 0 };
	const char *v;

	ok(respond_query_token(&a, "t=abc", 100, &v) == 1 && strcmp(v, "abc") == 0,
	   "query: t");
	ok(respond_query_token(&a, "x=1&t=a%2Db;y", 100, &v) == 1 && strcmp(v, "a-b") == 0,
	   "query: among others, %%XX decoded");
	ok(respond_query_token(&a, "t=a+b", 100, &v) == 1 && strcmp(v, "a b") == 0,
	   "query: '+' is a space");
	ok(respond_query_token(&a, "t=a&t=b", 100, &v) == 0, "query: t twice is none");
	ok(respond_query_token(&a, "tt=a", 100, &v) == 0, "query: only t");
	ok(respond_query_token(&a, "t=a%00b", 100, &v) == 0, "query: a NUL byte is none");
	ok(respond_query_token(&a, NULL, 100, &v) == 0, "query: none");
	ok(respond_query_token(&a, "t=abcdef", 5, &v) == 0, "query: too long");
	arena_release(&a);
}

int
main(void)
{
	unsigned char pk[32], sk[64], pk2[32], sk2[64], seed[32];
	struct token_key *k = NULL, *other = NULL;
	struct drip_err e;

	if (sodium_init() < 0 || mkdtemp(base) == NULL)
		return 1;
	memset(seed, 7, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	memset(seed, 9, sizeof seed);
	crypto_sign_seed_keypair(pk2, sk2, seed);
	write_key(at("k1"), sk);
	write_key(at("k2"), sk2);
	err_clear(&e);
	if (token_key_load(at("k1"), &k, &e) < 0 || token_key_load(at("k2"), &other, &e) < 0) {
		ok(0, "load keys: %s", e.msg);
		return tap_done();
	}
	setup_ws();
	test_accept_once(k, pk);
	test_moved_on(k, pk);
	test_expiry(k, pk);
	test_unsubscribe(k, pk);
	test_unknown(k, pk);
	test_tamper(k, other, pk);
	test_query();
	token_key_free(k);
	token_key_free(other);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(sk2, sizeof sk2);
	rm_rf(base);
	return tap_done();
}
