/*
 * t_outbox.c - the delivery queue and the delivery loop.
 *
 * Delivery is tested against real programs: small shell scripts that the
 * test writes into its temporary directory and that outbox_deliver runs
 * directly with execve, standing in for sendmail and an SMS gateway.  They
 * record what they were given (stdin, argv, environment, open descriptors)
 * or fail in the ways a transport can fail.  Queued `run` commands are
 * tested the same way: the run file names one of those scripts as argv[0].
 */
#include "tap.h"

#include "config.h"
#include "err.h"
#include "outbox.h"
#include "sbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char base[] = "/tmp/drip-t-outbox-XXXXXX";

#include "tmpdir.h"

static const char hash_a[] = "0123456789abcdef0123456789abcdef";
static const char hash_b[] = "fedcba9876543210fedcba9876543210";

/* A path under the test directory, in one of a few rotating buffers. */

/* at() into a buffer of the caller's, for paths that must outlive the
 * rotation. */
static const char *
keep(char buf[1024], const char *rel)
{
	snprintf(buf, 1024, "%s", at(rel));
	return buf;
}

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0 ||
	    chmod(path, mode) < 0) {
		fprintf(stderr, "cannot write %s\n", path);
		abort();
	}
}

/* The whole file (malloc'ed, NUL-terminated, *len bytes), or NULL. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			if (buf == NULL)
				abort();
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* A stand-in program: "#!/bin/sh" and body, with every "@D" replaced by
 * the test directory.  Returns its path. */
static const char *
script(char path[1024], const char *name, const char *body)
{
	char text[4096];
	size_t n = 0;
	const char *p;

	keep(path, name);

	n = (size_t)snprintf(text, sizeof text, "#!/bin/sh\n");
	for (p = body; *p; p++) {
		if (p[0] == '@' && p[1] == 'D') {
			n += (size_t)snprintf(text + n, sizeof text - n, "%s", base);
			p++;
		} else if (n + 1 < sizeof text) {
			text[n++] = *p;
		}
		if (n + 1 >= sizeof text)
			abort();
	}
	write_file(path, text, n, 0755);
	return path;
}

static int
is_file(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

/* The names in DIR/SUB joined with spaces, for comparing in one go. */
static const char *
listing(const char *dir, const char *sub)
{
	static char buf[4096];
	struct drip_err err;
	char **names;
	size_t n, i, len = 0;

	buf[0] = '\0';
	if (outbox_list(dir, sub, &names, &n, &err) < 0)
		return "(error)";
	for (i = 0; i < n; i++) {
		int w = snprintf(buf + len, sizeof buf - len, "%s%s", i ? " " : "", names[i]);

		if (w < 0 || (size_t)w >= sizeof buf - len)
			abort();
		len += (size_t)w;
	}
	outbox_list_free(names, n);
	return buf;
}

/* The state letter of a process in /proc, or 0 when there is none. */
static char
proc_state(long pid)
{
	char path[64], *s, *paren;
	char state = 0;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	s = slurp(path, NULL);
	if (s == NULL)
		return 0;
	paren = strrchr(s, ')');
	if (paren && paren[1] == ' ')
		state = paren[2];
	free(s);
	return state;
}

/* What on_event was told. */
struct seen {
	int calls;
	struct outbox_event last;
	char last_name[256];
};

static void
on_event(void *ctx, const struct outbox_event *ev)
{
	struct seen *s = ctx;

	s->calls++;
	s->last = *ev;
	snprintf(s->last_name, sizeof s->last_name, "%s", ev->name);
	s->last.name = s->last_name;
}

static struct transport
command(const char **argv)
{
	struct transport t;
	size_t n = 0;

	/* A command transport: a sendmail one without -t would add the
	 * message's recipients to argv (see test_sendmail_recipients). */
	memset(&t, 0, sizeof t);
	t.kind = TRANSPORT_COMMAND;
	t.argv = argv;
	while (argv && argv[n])
		n++;
	t.argc = n;
	return t;
}

/* The clock of the deliveries below: each call is OUTBOX_RETRY_MAX after
 * the one before, so that every failed message is due again, and the
 * give_up deadline is far enough off (1000 days) never to come, except
 * where a test sets its own policy. */
static int64_t test_now = 1000000;

static int
deliver_at(const char *dir, const char *kind, const struct transport *t, int max,
	   int timeout_secs, void (*on_ev)(void *, const struct outbox_event *), void *ctx,
	   struct outbox_stats *st, struct drip_err *err)
{
	struct outbox_policy pol;
	struct transport tt;

	memset(&tt, 0, sizeof tt);
	if (t != NULL)
		tt = *t;
	tt.give_up = 1000 * 86400;
	pol.now = test_now += OUTBOX_RETRY_MAX;
	pol.max = max;
	pol.timeout_secs = timeout_secs;
	return outbox_deliver(dir, kind, &tt, &pol, on_ev,
			      ctx, st, err);
}

static int
put(const char *dir, const char *name, const char *text, int *existed)
{
	struct drip_err err;

	return outbox_put(dir, name, text, strlen(text), existed, &err);
}

static void
test_name(void)
{
	char buf[64], small[20], older[64], newer[64];

	outbox_name(1772458800, "email", hash_a, buf, sizeof buf);
	is_str(buf, "001772458800-email-0123456789abcdef0123456789abcdef", "name: slot, kind, hash");
	outbox_name(0, "sms", hash_b, buf, sizeof buf);
	is_str(buf, "000000000000-sms-fedcba9876543210fedcba9876543210", "name: slot 0 zero-padded");
	outbox_name(1772458800, "email", hash_a, small, sizeof small);
	is_str(small, "", "name: too small a buffer gives no name, not a cut one");
	outbox_name(999, "run", hash_a, older, sizeof older);
	outbox_name(1000, "run", hash_a, newer, sizeof newer);
	ok(strcmp(older, newer) < 0, "name: names sort oldest first");
}

static void
test_put(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "q1/outbox");
	const char *msg = "Subject: hi\r\n\r\nbody\n";
	char name[64], *got;
	int existed = -1;
	struct drip_err err;
	size_t len;

	outbox_name(1000, "email", hash_a, name, sizeof name);
	is_int(outbox_put(ob, name, msg, strlen(msg), &existed, &err), 0, "put: queued");
	is_int(existed, 0, "put: new message did not exist");
	got = slurp(at("q1/outbox/new/000000001000-email-0123456789abcdef0123456789abcdef"), &len);
	ok(got && len == strlen(msg) && memcmp(got, msg, len) == 0, "put: new/NAME holds the message");
	free(got);
	is_int(mode_of(at("q1/outbox/new/000000001000-email-0123456789abcdef0123456789abcdef")),
	       0600, "put: message file is 0600");
	is_int(mode_of(at("q1/outbox/tmp")), 0700, "put: tmp/ is 0700");
	is_int(mode_of(at("q1/outbox/new")), 0700, "put: new/ is 0700");
	is_int(mode_of(at("q1/outbox/sent")), 0700, "put: sent/ is 0700");
	is_int(mode_of(at("q1/outbox/failed")), 0700, "put: failed/ is 0700");
	is_str(listing(ob, "new"), name, "put: one message listed in new/");
	ok(!exists(at("q1/outbox/tmp/000000001000-email-0123456789abcdef0123456789abcdef")),
	   "put: nothing left in tmp/");

	/* A rerun after a crash: same name, even different bytes. */
	existed = -1;
	is_int(put(ob, name, "other", &existed), 0, "put again: succeeds");
	is_int(existed, 1, "put again: reports existed");
	got = slurp(at("q1/outbox/new/000000001000-email-0123456789abcdef0123456789abcdef"), &len);
	ok(got && len == strlen(msg) && memcmp(got, msg, len) == 0, "put again: first copy kept");
	free(got);

	/* Handed over already: still never a second copy. */
	rename(at("q1/outbox/new/000000001000-email-0123456789abcdef0123456789abcdef"),
	       at("q1/outbox/sent/000000001000-email-0123456789abcdef0123456789abcdef"));
	existed = -1;
	is_int(put(ob, name, msg, &existed), 0, "put after sent: succeeds");
	is_int(existed, 1, "put after sent: reports existed");
	is_str(listing(ob, "new"), "", "put after sent: nothing queued again");
	rename(at("q1/outbox/sent/000000001000-email-0123456789abcdef0123456789abcdef"),
	       at("q1/outbox/failed/000000001000-email-0123456789abcdef0123456789abcdef"));
	existed = -1;
	is_int(put(ob, name, msg, &existed), 0, "put after failed: succeeds");
	is_int(existed, 1, "put after failed: reports existed");
	is_str(listing(ob, "new"), "", "put after failed: nothing queued again");

	/* Garbage in tmp/ from a crash is replaced. */
	outbox_name(1001, "email", hash_a, name, sizeof name);
	write_file(at("q1/outbox/tmp/000000001001-email-0123456789abcdef0123456789abcdef"),
		   "half a mess", 11, 0600);
	is_int(put(ob, name, "whole", &existed), 0, "put over crash garbage in tmp/");
	got = slurp(at("q1/outbox/new/000000001001-email-0123456789abcdef0123456789abcdef"), NULL);
	is_str(got, "whole", "put over crash garbage: new copy is complete");
	free(got);

	/* An empty message is still a message. */
	is_int(outbox_put(ob, "000000001002-sms-x", "", 0, &existed, &err), 0, "put: empty message");
	ok(is_file(at("q1/outbox/new/000000001002-sms-x")), "put: empty message queued");
}

/* A batch never stages a second copy of a message in new/, sent/ or
 * failed/, whether it reads those folders once (after its first lookup
 * here) or looks each message up (a folder holding more than the list
 * may). */
static void
test_stage_existing(void)
{
	static const char *const where[] = { "new", "sent", "failed" };
	/* Looked up for the first message, then listed; and listed at once,
	 * but sent/ holds more than the list may, so looked up throughout. */
	size_t lookups[] = { 1, 0 }, max[] = { 0, 1 };
	char name[64], path[2200];
	struct outbox_stage *st;
	struct drip_err err;
	size_t m, i;

	for (m = 0; m < 2; m++) {
		char ob_buf[1024], dir[32];
		const char *ob;

		snprintf(dir, sizeof dir, "st%zu/outbox", m);
		ob = keep(ob_buf, dir);
		outbox_stage_tune(lookups[m], max[m]);
		ok(outbox_stage_open(ob, &st, &err) == 0, "stage: open");
		/* One message already in each folder, and one more elsewhere. */
		for (i = 0; i < 3; i++) {
			outbox_name(2000 + (int64_t)i, "email", hash_a, name, sizeof name);
			snprintf(path, sizeof path, "%s/%s/%s", ob, where[i], name);
			write_file(path, "first", 5, 0600);
		}
		outbox_name(1999, "email", hash_a, name, sizeof name);
		snprintf(path, sizeof path, "%s/sent/%s", ob, name);
		write_file(path, "older", 5, 0600);
		outbox_stage_free(st);
		ok(outbox_stage_open(ob, &st, &err) == 0, "stage: open again");
		for (i = 0; i < 4; i++) {
			outbox_name(2000 + (int64_t)i, "email", hash_a, name, sizeof name);
			is_int(outbox_stage_put(st, name, "second", 6, &err), 0, "stage: put");
		}
		is_int(outbox_stage_commit(st, &err), 0, "stage: commit");
		outbox_stage_free(st);
		for (i = 0; i < 4; i++) {
			char *got;

			outbox_name(2000 + (int64_t)i, "email", hash_a, name, sizeof name);
			snprintf(path, sizeof path, "%s/%s/%s", ob, i < 3 ? where[i] : "new", name);
			got = slurp(path, NULL);
			is_str(got, i < 3 ? "first" : "second",
			       m ? "stage, looked up: an existing message is kept as it was"
				 : "stage, listed: an existing message is kept as it was");
			free(got);
		}
		is_str(listing(ob, "new"),
		       "000000002000-email-0123456789abcdef0123456789abcdef "
		       "000000002003-email-0123456789abcdef0123456789abcdef",
		       "stage: new/ holds the old message and the one new one");
	}
	outbox_stage_tune(256, 0);
}

static void
test_bad_names(void)
{
	static const char *bad[] = { "", ".hidden", "a/b", "../escape", "a b", "caf\xc3\xa9",
				     "new\nline", "semi;colon" };
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "q-bad/outbox");
	char long_name[OUTBOX_NAME_MAX + 2];
	struct drip_err err;
	size_t i;
	int existed;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&err);
		existed = -1;
		is_int(outbox_put(ob, bad[i], "x", 1, &existed, &err), -1, "bad name %zu refused", i);
		is_int(err.code, DRIP_EDATA, "bad name %zu: DRIP_EDATA", i);
		like(err.msg, "invalid outbox message name \"", "bad name %zu: message", i);
		ok(err.line == 0 && err.col == 0 && err.file[0] == '\0', "bad name %zu: no location", i);
		is_int(existed, 0, "bad name %zu: existed cleared", i);
	}
	like(err.msg, "semi;colon", "bad name: the name is quoted in the message");
	memset(long_name, 'a', OUTBOX_NAME_MAX + 1);
	long_name[OUTBOX_NAME_MAX + 1] = '\0';
	is_int(outbox_put(ob, long_name, "x", 1, &existed, &err), -1, "201-char name refused");
	ok(!exists(ob), "bad names: outbox not even created");
	long_name[OUTBOX_NAME_MAX] = '\0';
	is_int(outbox_put(ob, long_name, "x", 1, &existed, &err), 0, "200-char name accepted");
	is_int(outbox_put(ob, "A-z_0.9", "x", 1, &existed, &err), 0, "every allowed class accepted");
}

static void
test_symlinks(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "q2/outbox");
	char name[64], *got;
	struct drip_err err;
	int existed;

	/* new/ replaced by a link to somewhere else. */
	mkdir(at("q2"), 0700);
	mkdir(ob, 0700);
	mkdir(at("q2/elsewhere"), 0700);
	if (symlink(at("q2/elsewhere"), at("q2/outbox/new")) < 0)
		abort();
	outbox_name(2000, "email", hash_a, name, sizeof name);
	err_clear(&err);
	is_int(outbox_put(ob, name, "x", 1, &existed, &err), -1, "symlinked new/: refused");
	is_int(err.code, DRIP_EFAIL, "symlinked new/: DRIP_EFAIL");
	like(err.msg, "cannot open outbox directory '", "symlinked new/: message");
	like(err.msg, "/new'", "symlinked new/: names the folder");
	ok(!exists(at("q2/elsewhere/000000002000-email-0123456789abcdef0123456789abcdef")),
	   "symlinked new/: link target untouched");
	err_clear(&err);
	{
		struct outbox_stats st;
		const char *argv[] = { "/bin/true", NULL };
		struct transport t = command(argv);

		is_int(deliver_at(ob, "email", &t, 0, 5, NULL, NULL, &st, &err), -1,
		       "symlinked new/: deliver refuses");
		like(err.msg, "cannot open outbox directory '", "symlinked new/: deliver says why");
	}

	/* A link planted at tmp/NAME pointing at a victim file. */
	ob = keep(ob_buf, "q3/outbox");
	is_int(put(ob, "000000000001-email-seed", "seed", &existed), 0, "setup q3");
	write_file(at("q3/victim"), "precious", 8, 0600);
	if (symlink(at("q3/victim"), at("q3/outbox/tmp/000000002000-email-0123456789abcdef0123456789abcdef")) < 0)
		abort();
	is_int(put(ob, name, "payload", &existed), 0, "link at tmp/NAME: put succeeds");
	got = slurp(at("q3/victim"), NULL);
	is_str(got, "precious", "link at tmp/NAME: victim not written through");
	free(got);
	ok(is_file(at("q3/outbox/new/000000002000-email-0123456789abcdef0123456789abcdef")),
	   "link at tmp/NAME: a real file queued in its place");

	/* A link planted at new/NAME: counts as there, and is not delivered
	 * through. */
	if (symlink(at("q3/victim"), at("q3/outbox/new/000000002001-email-0123456789abcdef0123456789abcdef")) < 0)
		abort();
	existed = -1;
	is_int(put(ob, "000000002001-email-0123456789abcdef0123456789abcdef", "evil", &existed), 0,
	       "link at new/NAME: put succeeds");
	is_int(existed, 1, "link at new/NAME: counts as existing, not written through");
	got = slurp(at("q3/victim"), NULL);
	is_str(got, "precious", "link at new/NAME: victim unchanged");
	free(got);

	/* sent/ replaced by a link. */
	ob = keep(ob_buf, "q4/outbox");
	mkdir(at("q4"), 0700);
	mkdir(ob, 0700);
	if (symlink(at("q2/elsewhere"), at("q4/outbox/sent")) < 0)
		abort();
	is_int(outbox_put(ob, name, "x", 1, &existed, &err), -1, "symlinked sent/: refused");
	like(err.msg, "/sent'", "symlinked sent/: names the folder");
}

static void
test_list(void)
{
	struct drip_err err;
	char **names = NULL;
	size_t n = 99;
	int existed;

	err_clear(&err);
	is_int(outbox_list(at("q5/outbox"), "tmp", &names, &n, &err), -1, "list: tmp/ is not a folder to list");
	like(err.msg, "unknown outbox folder \"tmp\"", "list: unknown folder message");
	is_int(outbox_list(at("nowhere"), "new", &names, &n, &err), 0, "list: missing outbox is empty");
	ok(n == 0 && names == NULL, "list: missing outbox gives no names");
	put(at("q5/outbox"), "000000000003-email-c", "c", &existed);
	put(at("q5/outbox"), "000000000001-email-a", "a", &existed);
	put(at("q5/outbox"), "000000000002-sms-b", "b", &existed);
	write_file(at("q5/outbox/new/.hidden"), "h", 1, 0600);
	write_file(at("q5/outbox/new/with space"), "s", 1, 0600);
	is_str(listing(at("q5/outbox"), "new"),
	       "000000000001-email-a 000000000002-sms-b 000000000003-email-c",
	       "list: sorted, foreign files left out");
	is_str(listing(at("q5/outbox"), "failed"), "", "list: empty folder");
}

/* The recording stand-in for sendmail. */
static const char recorder[] =
	"d=@D/rec\n"
	"mkdir -p \"$d\"\n"
	"cat > \"$d/stdin\"\n"
	"for a in \"$0\" \"$@\"; do printf '%s\\n' \"$a\"; done > \"$d/argv\"\n"
	"env > \"$d/env\"\n"
	"ls /proc/self/fd > \"$d/fds\"\n"
	"exit 0\n";

static void
test_deliver_ok(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "d1/outbox");
	char prog_path[1024];
	const char *prog = script(prog_path, "recorder.sh", recorder);
	const char *argv[] = { prog, "-t", "-i", "a b", "$HOME;echo x", NULL };
	struct transport t = command(argv);
	struct outbox_stats st;

	t.kind = TRANSPORT_SENDMAIL;	/* with -t: argv as it is */
	struct drip_err err;
	struct seen seen;
	char want_argv[1024], name[64], *msg, *got;
	size_t mlen = 70000, i, glen;
	int existed, planted;

	/* A message bigger than a pipe's buffer, with every byte value. */
	msg = malloc(mlen);
	if (msg == NULL)
		abort();
	for (i = 0; i < mlen; i++)
		msg[i] = (char)(i % 256);
	memcpy(msg, "Subject: x\r\n\r\n", 14);
	outbox_name(3000, "email", hash_a, name, sizeof name);
	is_int(outbox_put(ob, name, msg, mlen, &existed, &err), 0, "deliver: queue email");
	is_int(put(ob, "000000003000-sms-0123456789abcdef0123456789abcdef", "sms text", &existed), 0,
	       "deliver: queue sms");
	write_file(at("d1/outbox/new/README"), "not a message", 13, 0600);

	/* A descriptor opened without O_CLOEXEC, as a careless library might. */
	planted = open("/dev/null", O_RDONLY);
	ok(planted >= 0 && dup2(planted, 20) == 20, "deliver: planted a leaky fd 20");
	close(planted);

	memset(&seen, 0, sizeof seen);
	is_int(deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
	       "deliver: returns 0");
	close(20);
	is_int(st.sent, 1, "deliver: one sent");
	ok(st.failed == 0 && st.gave_up == 0 && st.deferred == 0, "deliver: nothing failed or deferred");
	is_int(seen.calls, 0, "deliver: no event for a success");
	is_str(listing(ob, "sent"), name, "deliver: email moved to sent/");
	is_str(listing(ob, "new"), "000000003000-sms-0123456789abcdef0123456789abcdef README",
	       "deliver: sms and foreign files left alone");
	ok(is_file(at("d1/outbox/new/README")), "deliver: foreign file untouched");

	got = slurp(at("rec/stdin"), &glen);
	ok(got && glen == mlen && memcmp(got, msg, mlen) == 0, "deliver: stdin byte-identical");
	free(got);
	snprintf(want_argv, sizeof want_argv, "%s\n-t\n-i\na b\n$HOME;echo x\n", prog);
	got = slurp(at("rec/argv"), NULL);
	is_str(got, want_argv, "deliver: argv exactly as configured, no shell");
	free(got);
	got = slurp(at("rec/env"), NULL);
	like(got, "PATH=/usr/bin:/bin\n", "deliver: PATH is the fixed one");
	like(got, "LC_ALL=C\n", "deliver: LC_ALL=C");
	like(got, "\nHOME=/home/canary\n", "deliver: HOME is drip's own");
	ok(got && strstr(got, "LOGNAME=") != NULL && strstr(got, "USER=") != NULL,
	   "deliver: USER and LOGNAME are set");
	ok(got && strstr(got, "DRIP_TEST_CANARY") == NULL && strstr(got, "chirp") == NULL,
	   "deliver: nothing of the test's environment");
	free(got);
	got = slurp(at("rec/fds"), NULL);
	/* 3 is ls's own handle on /proc/self/fd: had anything leaked, ls
	 * would have got a higher number and the list would be longer. */
	is_str(got, "0\n1\n2\n3\n", "deliver: the child sees only fds 0-2 (and ls its own 3)");
	free(got);
	ok(!exists(at("d1/outbox/attempts/000000003000-email-0123456789abcdef0123456789abcdef")),
	   "deliver: no attempt count after success");

	/* Idempotence across new -> sent. */
	is_int(outbox_put(ob, name, msg, mlen, &existed, &err), 0, "deliver: put after send");
	is_int(existed, 1, "deliver: put after send reports existed");
	is_int(deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
	       "deliver again: returns 0");
	is_int(st.sent, 0, "deliver again: nothing sent twice");

	/* The other kind, through a command transport. */
	t.kind = TRANSPORT_COMMAND;
	is_int(deliver_at(ob, "sms", &t, 0, 10, on_event, &seen, &st, &err), 0, "deliver sms");
	is_int(st.sent, 1, "deliver sms: sent");
	got = slurp(at("rec/stdin"), NULL);
	is_str(got, "sms text", "deliver sms: the sms text on stdin");
	free(got);
	free(msg);
}

static void
test_maildir(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "d2/outbox");
	struct transport t;
	struct outbox_stats st;
	struct drip_err err;
	int existed;

	memset(&t, 0, sizeof t);
	t.kind = TRANSPORT_MAILDIR;
	t.maildir = "outbox";
	put(ob, "000000000001-email-a", "a", &existed);
	put(ob, "000000000002-email-b", "b", &existed);
	memset(&st, 0xff, sizeof st);
	is_int(deliver_at(ob, "email", &t, 0, 10, NULL, NULL, &st, &err), 0, "maildir: returns 0");
	ok(st.sent == 0 && st.failed == 0 && st.gave_up == 0 && st.deferred == 0,
	   "maildir: all counts 0");
	is_str(listing(ob, "new"), "000000000001-email-a 000000000002-email-b",
	       "maildir: messages stay in new/");
}

static void
test_failures(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "d3/outbox");
	char prog_path[1024];
	const char *prog = script(prog_path, "fail.sh",
				  "cat > /dev/null\n"
				  "printf '550 mailbox\\tunavailable\\nsecond line\\n' >&2\n"
				  "exit 1\n");
	const char *argv[] = { prog, NULL };
	struct transport t = command(argv);
	struct outbox_stats st;
	struct drip_err err;
	struct seen seen;
	char *got;
	int existed, i;
	const char *name = "000000004000-email-0123456789abcdef0123456789abcdef";

	put(ob, name, "hello", &existed);
	memset(&seen, 0, sizeof seen);
	is_int(deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
	       "exit 1: still returns 0");
	ok(st.sent == 0 && st.failed == 1 && st.gave_up == 0, "exit 1: one failure counted");
	is_int(seen.calls, 1, "exit 1: one event");
	is_str(seen.last.name, name, "exit 1: event names the message");
	is_int(seen.last.attempts, 1, "exit 1: first attempt");
	is_int(seen.last.gave_up, 0, "exit 1: not given up");
	is_str(seen.last.detail, "exit status 1: 550 mailbox unavailable second line",
	       "exit 1: detail has the status and stderr on one line");
	is_str(listing(ob, "new"), name, "exit 1: message stays in new/");
	got = slurp(at("d3/outbox/attempts/000000004000-email-0123456789abcdef0123456789abcdef"), NULL);
	ok(got && strncmp(got, "1 ", 2) == 0 && strlen(got) > 3 && got[strlen(got) - 1] == '\n',
	   "exit 1: attempt count and next time recorded");
	free(got);
	for (i = 2; i <= 4; i++) {
		deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err);
		is_int(seen.last.attempts, i, "exit 1: attempt %d", i);
	}
	is_int(seen.last.gave_up, 0, "exit 1: fourth failure does not give up");
	is_str(listing(ob, "new"), name, "exit 1: still queued after four");
	is_int(deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
	       "exit 1: fifth attempt returns 0");
	is_int(seen.calls, 5, "exit 1: five events in all");
	is_int(seen.last.attempts, 5, "exit 1: fifth attempt");
	is_int(seen.last.gave_up, 1, "exit 1: fifth failure gives up");
	ok(st.failed == 1 && st.gave_up == 1, "exit 1: stats count the give-up");
	is_str(listing(ob, "new"), "", "exit 1: gone from new/");
	is_str(listing(ob, "failed"), name, "exit 1: moved to failed/");
	ok(!exists(at("d3/outbox/attempts/000000004000-email-0123456789abcdef0123456789abcdef")),
	   "exit 1: attempt count removed");
	is_int(put(ob, name, "hello", &existed), 0, "exit 1: put after give-up");
	is_int(existed, 1, "exit 1: given-up message is not queued again");

	/* A garbled count is 0, not a stuck message. */
	put(ob, "000000004001-email-0123456789abcdef0123456789abcdef", "x", &existed);
	mkdir(at("d3/outbox/attempts"), 0700);
	write_file(at("d3/outbox/attempts/000000004001-email-0123456789abcdef0123456789abcdef"),
		   "zz\n", 3, 0600);
	deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err);
	is_int(seen.last.attempts, 1, "garbled count: starts again at 1");
}

static void
test_tempfail_and_signal(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "d4/outbox");
	char temp_path[1024];
	const char *temp = script(temp_path, "temp.sh", "echo 'try later' >&2\nexit 75\n");
	char sig_path[1024];
	const char *sig = script(sig_path, "sig.sh", "kill -TERM $$\nsleep 5\n");
	char big_path[1024];
	const char *big = script(big_path, "big.sh",
				 "i=0\nwhile [ $i -lt 100 ]; do printf 'xxxxxxxxxx' >&2; i=$((i+1)); done\n"
				 "exit 3\n");
	const char *targv[] = { temp, NULL }, *sargv[] = { sig, NULL }, *bargv[] = { big, NULL };
	struct transport t = command(targv);
	struct outbox_stats st;
	struct drip_err err;
	struct seen seen;
	int existed;
	size_t i;

	put(ob, "000000005000-email-a", "a", &existed);
	memset(&seen, 0, sizeof seen);
	is_int(deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0, "exit 75: returns 0");
	is_int(st.failed, 1, "exit 75: counts as a failure");
	is_str(seen.last.detail, "temporary failure (exit 75): try later", "exit 75: detail");
	is_int(seen.last.attempts, 1, "exit 75: attempt counted");
	is_str(listing(ob, "new"), "000000005000-email-a", "exit 75: stays queued");

	t = command(sargv);
	deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err);
	is_str(seen.last.detail, "killed by signal 15", "signal: detail");
	is_int(seen.last.attempts, 2, "signal: attempt counted");

	t = command(bargv);
	deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err);
	like(seen.last.detail, "exit status 3: xxxxxxxxxx", "long stderr: detail starts right");
	is_int(strlen(seen.last.detail), strlen("exit status 3: ") + OUTBOX_STDERR_MAX,
	       "long stderr: first 200 bytes kept");
	for (i = strlen("exit status 3: "); i < strlen(seen.last.detail); i++)
		if (seen.last.detail[i] != 'x')
			break;
	is_int(i, strlen(seen.last.detail), "long stderr: only stderr bytes kept");
}

static void
test_timeout(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "d5/outbox");
	char prog_path[1024];
	const char *prog = script(prog_path, "hang.sh",
				  "echo $$ > @D/hang.pid\n"
				  "sleep 60 &\n"
				  "echo $! > @D/sleep.pid\n"
				  "wait\n"
				  "exit 0\n");
	const char *argv[] = { prog, NULL };
	struct transport t = command(argv);
	struct outbox_stats st;
	struct drip_err err;
	struct seen seen;
	struct timespec t0, t1;
	long hang_pid = 0, sleep_pid = 0;
	double took;
	char *got, state = 'S';
	int existed, tries, status;

	put(ob, "000000006000-email-a", "a", &existed);
	memset(&seen, 0, sizeof seen);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(deliver_at(ob, "email", &t, 0, 1, on_event, &seen, &st, &err), 0, "hang: returns 0");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(took >= 0.9 && took < 10, "hang: stopped after the 1 s timeout (%.2f s)", took);
	is_int(st.failed, 1, "hang: counts as a failure");
	is_str(seen.last.detail, "timed out after 1 s", "hang: detail");
	is_str(listing(ob, "new"), "000000006000-email-a", "hang: stays queued");
	errno = 0;
	ok(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD, "hang: no child left unreaped");
	got = slurp(at("hang.pid"), NULL);
	if (got)
		hang_pid = strtol(got, NULL, 10);
	free(got);
	got = slurp(at("sleep.pid"), NULL);
	if (got)
		sleep_pid = strtol(got, NULL, 10);
	free(got);
	ok(hang_pid > 0 && proc_state(hang_pid) == 0, "hang: the transport is gone");
	/* The grandchild was killed with the group; whoever inherited it may
	 * not have reaped it yet, so a zombie counts as dead. */
	for (tries = 0; tries < 200 && sleep_pid > 0; tries++) {
		state = proc_state(sleep_pid);
		if (state == 0 || state == 'Z' || state == 'X')
			break;
		usleep(10000);
	}
	ok(sleep_pid > 0 && (state == 0 || state == 'Z' || state == 'X'),
	   "hang: its process group was killed too");
}

/* A transport that exits 0 but leaves a background process holding its
 * stdout and stderr (a sendmail that forks a queue runner) must not make
 * delivery wait for that process. */
static void
test_background_holder(void)
{
	char ob_buf[1024], prog_path[1024];
	const char *ob = keep(ob_buf, "d9/outbox");
	const char *prog = script(prog_path, "forks.sh",
				  "echo started >&2\nsleep 30 &\necho $! > @D/bg.pid\nexit 0\n");
	const char *argv[] = { prog, NULL };
	struct transport t = command(argv);
	struct outbox_stats st;
	struct drip_err err;
	struct timespec t0, t1;
	double took;
	char *got;
	int existed;

	put(ob, "000000009500-email-a", "a", &existed);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(deliver_at(ob, "email", &t, 0, 20, NULL, NULL, &st, &err), 0,
	       "background holder: returns 0");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	is_int(st.sent, 1, "background holder: sent");
	ok(took < 10, "background holder: no wait for the background process (%.2f s)", took);
	got = slurp(at("bg.pid"), NULL);
	if (got && strtol(got, NULL, 10) > 0)
		kill((pid_t)strtol(got, NULL, 10), SIGKILL);
	free(got);
}

static void
test_exec_errors(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "d6/outbox");
	const char *argv[] = { "/nonexistent/drip-sendmail", "-t", NULL };
	char noexec_buf[1024];
	const char *noexec = keep(noexec_buf, "noexec.sh");
	const char *nargv[] = { noexec, NULL };
	struct transport t = command(argv);
	struct outbox_stats st;
	struct drip_err err;
	struct seen seen;
	int existed;

	put(ob, "000000007000-email-a", "a", &existed);
	memset(&seen, 0, sizeof seen);
	is_int(deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
	       "missing program: returns 0");
	is_int(st.failed, 1, "missing program: a failure");
	is_str(seen.last.detail,
	       "cannot execute '/nonexistent/drip-sendmail': No such file or directory",
	       "missing program: exec error in detail");
	is_str(listing(ob, "new"), "000000007000-email-a", "missing program: stays queued");

	write_file(noexec, "#!/bin/sh\nexit 0\n", 17, 0644);
	t = command(nargv);
	deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err);
	like(seen.last.detail, "': Permission denied", "not executable: exec error in detail");
	is_int(seen.last.attempts, 2, "not executable: attempt counted");

	/* No argv at all is a configuration problem, not a message's. */
	t = command(NULL);
	t.kind = TRANSPORT_SENDMAIL;
	err_clear(&err);
	is_int(deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), -1,
	       "no argv: -1");
	is_int(err.code, DRIP_ECONFIG, "no argv: DRIP_ECONFIG");
	is_str(err.msg, "transport for \"email\" has no command", "no argv: message");

	/* No outbox yet: nothing to do. */
	t = command(argv);
	is_int(deliver_at(at("none/outbox"), "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
	       "missing outbox: 0");
	ok(st.sent == 0 && st.failed == 0, "missing outbox: nothing done");
}

static void
test_hostile_queue(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "d7/outbox");
	char prog_path[1024];
	const char *prog = script(prog_path, "rec2.sh", "cat > @D/rec2.stdin\nexit 0\n");
	const char *argv[] = { prog, NULL };
	struct transport t = command(argv);
	struct outbox_stats st;
	struct drip_err err;
	struct seen seen;
	char *got;
	int existed;

	put(ob, "000000000001-email-seed", "seed", &existed);
	rename(at("d7/outbox/new/000000000001-email-seed"), at("d7/outbox/sent/000000000001-email-seed"));
	write_file(at("d7/victim"), "secret", 6, 0600);
	if (symlink(at("d7/victim"), at("d7/outbox/new/000000008000-email-link")) < 0 ||
	    mkfifo(at("d7/outbox/new/000000008001-email-fifo"), 0600) < 0)
		abort();
	memset(&seen, 0, sizeof seen);
	is_int(deliver_at(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
	       "hostile: returns 0");
	is_int(st.failed, 2, "hostile: link and fifo fail");
	is_int(st.sent, 0, "hostile: nothing sent");
	ok(!exists(at("rec2.stdin")), "hostile: the transport never ran");
	is_str(seen.last.detail, "message is not a regular file", "hostile: fifo detail");
	got = slurp(at("d7/victim"), NULL);
	is_str(got, "secret", "hostile: victim untouched");
	free(got);
}

static void
test_rate_limit(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "d8/outbox");
	char prog_path[1024];
	const char *prog = script(prog_path, "order.sh", "head -n 1 >> @D/order\nexit 0\n");
	const char *argv[] = { prog, NULL };
	struct transport t = command(argv);
	struct outbox_stats st;
	struct drip_err err;
	int existed, i;
	char name[64], text[32], *got;

	/* Queued newest first, so that order on disk cannot help. */
	for (i = 5; i >= 1; i--) {
		outbox_name(9000 + i, "email", hash_a, name, sizeof name);
		snprintf(text, sizeof text, "m%d\nbody\n", i);
		put(ob, name, text, &existed);
	}
	is_int(deliver_at(ob, "email", &t, 2, 10, NULL, NULL, &st, &err), 0, "rate: returns 0");
	is_int(st.sent, 2, "rate: two sent");
	is_int(st.deferred, 3, "rate: three deferred");
	got = slurp(at("order"), NULL);
	is_str(got, "m1\nm2\n", "rate: oldest first");
	free(got);
	is_str(listing(ob, "new"),
	       "000000009003-email-0123456789abcdef0123456789abcdef "
	       "000000009004-email-0123456789abcdef0123456789abcdef "
	       "000000009005-email-0123456789abcdef0123456789abcdef",
	       "rate: the newest three stay queued");
	deliver_at(ob, "email", &t, 2, 10, NULL, NULL, &st, &err);
	ok(st.sent == 2 && st.deferred == 1, "rate: next tick sends two more");
	deliver_at(ob, "email", &t, 0, 10, NULL, NULL, &st, &err);
	ok(st.sent == 1 && st.deferred == 0, "rate: max 0 means no limit");
	got = slurp(at("order"), NULL);
	is_str(got, "m1\nm2\nm3\nm4\nm5\n", "rate: every message once, in order");
	free(got);
}

static void
test_exec_direct(void)
{
	char prog_path[1024];
	const char *prog = script(prog_path, "envrec.sh", "env > @D/exec.env\ncat > @D/exec.stdin\nexit 0\n");
	const char *argv[] = { prog, NULL };
	const char *envp[] = { "DRIP_FIELD_NAME=Ada", "PATH=/bin", NULL };
	char detail[64], *got;

	is_int(outbox_exec(argv, envp, -1, 10, detail, sizeof detail), 0, "exec: runs");
	is_str(detail, "", "exec: no detail on success");
	got = slurp(at("exec.env"), NULL);
	like(got, "DRIP_FIELD_NAME=Ada\n", "exec: the given environment");
	ok(got && strstr(got, "LC_ALL") == NULL, "exec: only the given environment");
	free(got);
	got = slurp(at("exec.stdin"), NULL);
	is_str(got, "", "exec: stdin is /dev/null without in_fd");
	free(got);
	argv[0] = "/nonexistent/a-very-long-program-name-that-does-not-fit-in-the-detail";
	is_int(outbox_exec(argv, NULL, -1, 10, detail, sizeof detail), -1, "exec: failure");
	is_int(strlen(detail), sizeof detail - 1, "exec: detail fills the buffer");
	like(detail, "...", "exec: a cut detail ends in ...");
}

/* ---- run files ---- */

/* Every event of a delivery, by message name (the last one for each). */
struct seen_all {
	int calls, n;
	char names[16][128];
	char details[16][256];
	int attempts[16], gave_up[16];
};

static void
on_event_all(void *ctx, const struct outbox_event *ev)
{
	struct seen_all *s = ctx;
	int i;

	s->calls++;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->names[i], ev->name) == 0)
			break;
	if (i == s->n) {
		if (s->n == 16)
			abort();
		s->n++;
		snprintf(s->names[i], sizeof s->names[i], "%s", ev->name);
	}
	snprintf(s->details[i], sizeof s->details[i], "%s", ev->detail);
	s->attempts[i] = ev->attempts;
	s->gave_up[i] = ev->gave_up;
}

/* The last detail reported for name, or "(none)". */
static const char *
detail_of(const struct seen_all *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return s->details[i];
	return "(none)";
}

/* Format a run file and queue it as "<slot>-run-<hash_a>" (name, 64
 * bytes, receives the name).  Returns outbox_put's result. */
static int
queue_run(const char *ob, int64_t slot, const char *const *argv, const char *const *env,
	  const char *in, size_t inlen, char name[64])
{
	struct sbuf sb = SBUF_INIT;
	struct drip_err err;
	int existed, rc;

	outbox_run_format(&sb, argv, env, in, inlen);
	outbox_name(slot, "run", hash_a, name, 64);
	rc = outbox_put(ob, name, sb.buf, sb.len, &existed, &err);
	sbuf_release(&sb);
	return rc;
}

/* A script that records what it was given in @D/DIR: argv, one per line
 * ($0 first); the environment, NUL-separated (env -0), so that values with
 * newlines come back exactly; stdin, byte for byte. */
static const char *
run_recorder(char path[1024], const char *name, const char *dir)
{
	char body[1024];

	snprintf(body, sizeof body,
		 "d=@D/%s\n"
		 "mkdir -p \"$d\"\n"
		 "cat > \"$d/stdin\"\n"
		 "for a in \"$0\" \"$@\"; do printf '%%s\\n' \"$a\"; done > \"$d/argv\"\n"
		 "env -0 > \"$d/env\"\n"
		 "exit 0\n", dir);
	return script(path, name, body);
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of a NUL-separated environment listing, sorted and joined
 * with " | ", leaving out the variables the shell running the recorder
 * sets itself on start (dash exports PWD; bash also SHLVL and _): they
 * come from the shell, not from drip.  "(missing)" when there is no file.
 * Malloc'ed. */
static char *
env_entries(const char *path)
{
	char *raw, *out, *p, *list[64];
	size_t len, n = 0, i, olen = 0, cap = 1;

	raw = slurp(path, &len);
	if (raw == NULL)
		return strdup("(missing)");
	for (p = raw; p < raw + len; p += strlen(p) + 1) {
		if (strncmp(p, "PWD=", 4) == 0 || strncmp(p, "SHLVL=", 6) == 0 ||
		    strncmp(p, "_=", 2) == 0)
			continue;
		if (n == 64)
			abort();
		list[n++] = p;
		cap += strlen(p) + 3;
	}
	qsort(list, n, sizeof list[0], cmp_strp);
	out = malloc(cap);
	if (out == NULL)
		abort();
	out[0] = '\0';
	for (i = 0; i < n; i++)
		olen += (size_t)sprintf(out + olen, "%s%s", i ? " | " : "", list[i]);
	free(raw);
	return out;
}

/* Does hay (len bytes) contain the string needle? */
static int
has_bytes(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; hay != NULL && i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Is there anything called name under dir, at any depth? */
static int
found_under(const char *dir, const char *name)
{
	struct dirent *de;
	struct stat st;
	char sub[2048];
	DIR *d = opendir(dir);
	int found = 0;

	while (d && !found && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, name) == 0)
			found = 1;
		else if (snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name) < (int)sizeof sub &&
			 lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			found = found_under(sub, name);
	}
	if (d)
		closedir(d);
	return found;
}

/* The bytes of a run file, compared with the layout written out by hand. */
static void
test_run_format(void)
{
	const char *argv[] = { "/usr/bin/prog", "two words", "$(x)", NULL };
	const char *env[] = { "DRIP_FIELD_A=1", "DRIP_FIELD_B=line\nbreak", NULL };
	const char *none[] = { NULL };
	const char *one[] = { "/bin/true", NULL };
	static const char in[] = "{\"a\":1}\0\xff";
	static const char want[] =
		"drip-run 1\n"
		"/usr/bin/prog\0two words\0$(x)\0\0"
		"DRIP_FIELD_A=1\0DRIP_FIELD_B=line\nbreak\0\0"
		"{\"a\":1}\0\xff";
	static const char want_min[] = "drip-run 1\n/bin/true\0\0\0";
	struct sbuf sb = SBUF_INIT;

	outbox_run_format(&sb, argv, env, in, sizeof in - 1);
	is_int(sb.len, sizeof want - 1, "run format: length");
	ok(sb.len == sizeof want - 1 && memcmp(sb.buf, want, sb.len) == 0,
	   "run format: header, argv, env and stdin bytes exactly");
	sbuf_release(&sb);

	outbox_run_format(&sb, one, none, NULL, 0);
	ok(sb.len == sizeof want_min - 1 && memcmp(sb.buf, want_min, sb.len) == 0,
	   "run format: no env and no stdin still end both lists");
	sbuf_release(&sb);

	/* Appends: what was in the buffer stays in front. */
	sbuf_adds(&sb, "X");
	outbox_run_format(&sb, one, none, "in", 2);
	ok(sb.len == 1 + sizeof want_min - 1 + 2 && sb.buf[0] == 'X' &&
	   memcmp(sb.buf + 1, want_min, sizeof want_min - 1) == 0 &&
	   memcmp(sb.buf + sb.len - 2, "in", 2) == 0, "run format: appends to out");
	sbuf_release(&sb);
}

/* Format, queue, deliver: the command gets exactly what was formatted. */
static void
test_run_deliver(void)
{
	char ob_buf[1024], rec_buf[1024], name[64], want[2048], *got;
	const char *ob = keep(ob_buf, "r1/outbox");
	const char *rec = run_recorder(rec_buf, "runrec.sh", "rr1");
	const char *argv[] = { rec, "--flag", "two words", "it's", NULL };
	const char *env[] = { "DRIP_FIELD_FIRST_NAME=Ada", "DRIP_FIELD_EMAIL=ada@example.org",
			      "DRIP_FIELD_EMPTY=", NULL };
	const char *env_path[] = { "PATH=/usr/bin:/bin:/nonexistent", "DRIP_FIELD_X=value", NULL };
	static const char in[] = "{\"first_name\":\"Ada\",\"n\":1}\n\0\xff\xfe tail";
	struct outbox_stats st;
	struct drip_err err;
	struct seen_all seen;
	size_t glen;
	int existed;

	setenv("SECRET_PARENT", "1", 1);
	is_int(put(ob, "000000000100-email-other", "not a run file", &existed), 0,
	       "run deliver: queue an email beside");
	is_int(queue_run(ob, 100, argv, env, in, sizeof in - 1, name), 0, "run deliver: queued");
	memset(&seen, 0, sizeof seen);
	err_clear(&err);
	is_int(deliver_at(ob, "run", NULL, 0, 10, on_event_all, &seen, &st, &err), 0,
	       "run deliver: returns 0 with no transport");
	is_int(st.sent, 1, "run deliver: one sent");
	ok(st.failed == 0 && st.gave_up == 0 && st.deferred == 0,
	   "run deliver: nothing failed or deferred");
	is_int(seen.calls, 0, "run deliver: no event");
	is_str(listing(ob, "sent"), name, "run deliver: moved to sent/");
	is_str(listing(ob, "new"), "000000000100-email-other",
	       "run deliver: only the email left in new/");
	ok(!exists(at("r1/outbox/attempts/000000000100-run-0123456789abcdef0123456789abcdef")),
	   "run deliver: no attempt count");

	snprintf(want, sizeof want, "%s\n--flag\ntwo words\nit's\n", rec);
	got = slurp(at("rr1/argv"), NULL);
	is_str(got, want, "run deliver: argv exactly as formatted");
	free(got);
	got = env_entries(at("rr1/env"));
	is_str(got, "DRIP_FIELD_EMAIL=ada@example.org | DRIP_FIELD_EMPTY= | "
		    "DRIP_FIELD_FIRST_NAME=Ada | LC_ALL=C | PATH=/usr/bin:/bin",
	       "run deliver: environment is the file's, plus PATH and LC_ALL");
	free(got);
	got = slurp(at("rr1/env"), &glen);
	ok(got != NULL && glen > 0, "run deliver: environment recorded");
	ok(got && has_bytes(got, glen, "DRIP_FIELD_FIRST_NAME=Ada") &&
	   !has_bytes(got, glen, "SECRET_PARENT") && !has_bytes(got, glen, "DRIP_TEST_CANARY") &&
	   !has_bytes(got, glen, "HOME="),
	   "run deliver: nothing inherited from drip's environment");
	free(got);
	got = slurp(at("rr1/stdin"), &glen);
	ok(got && glen == sizeof in - 1 && memcmp(got, in, glen) == 0,
	   "run deliver: stdin is exactly the stdin part (%zu bytes)", got ? glen : 0);
	free(got);

	/* A file that sets PATH keeps its own; LC_ALL is still added. */
	rm_rf(at("rr1"));
	is_int(queue_run(ob, 101, argv, env_path, "", 0, name), 0, "run deliver: queue with PATH");
	is_int(deliver_at(ob, "run", NULL, 0, 10, on_event_all, &seen, &st, &err), 0,
	       "run deliver with PATH: returns 0");
	is_int(st.sent, 1, "run deliver with PATH: sent");
	got = env_entries(at("rr1/env"));
	is_str(got, "DRIP_FIELD_X=value | LC_ALL=C | PATH=/usr/bin:/bin:/nonexistent",
	       "run deliver with PATH: the file's PATH, no second one");
	free(got);
	got = slurp(at("rr1/stdin"), &glen);
	ok(got && glen == 0, "run deliver with PATH: empty stdin part gives empty stdin");
	free(got);
	unsetenv("SECRET_PARENT");
}

/* Contact data that a shell would run arrives as plain bytes. */
static void
test_run_hostile_values(void)
{
	char ob_buf[1024], rec_buf[1024], cwd_buf[1024], victim_env[1200], in[1400];
	char name[64], want[2048], oldcwd[1024], *got;
	const char *ob = keep(ob_buf, "h1/outbox");
	const char *rec = run_recorder(rec_buf, "hostile.sh", "hr");
	const char *cwd = keep(cwd_buf, "h1/cwd");
	const char *argv[] = { rec, "$(touch pwned)", "`touch pwned`", ";touch pwned", NULL };
	const char *env[] = {
		"DRIP_FIELD_A=$(touch pwned)",
		"DRIP_FIELD_B=;rm -rf /tmp/x",
		"DRIP_FIELD_C=`touch pwned`",
		"DRIP_FIELD_D=line1\nline2\n$(touch pwned)\n",
		victim_env,
		"DRIP_FIELD_F='\"; touch pwned; echo \"'",
		NULL
	};
	struct outbox_stats st;
	struct drip_err err;
	size_t glen;
	int n;

	mkdir(at("h1"), 0700);
	mkdir(cwd, 0700);
	write_file(at("h1/victim"), "keep me", 7, 0600);
	snprintf(victim_env, sizeof victim_env, "DRIP_FIELD_E=x; rm -rf %s; touch pwned",
		 at("h1/victim"));
	n = snprintf(in, sizeof in,
		     "{\"note\":\"$(touch pwned)\",\"x\":\"`touch pwned`\",\"y\":\";rm -rf %s\"}\n"
		     "$(touch pwned)\n;touch pwned\n", at("h1/victim"));
	if (getcwd(oldcwd, sizeof oldcwd) == NULL || chdir(cwd) < 0)
		abort();
	is_int(queue_run(ob, 200, argv, env, in, (size_t)n, name), 0, "hostile run: queued");
	is_int(deliver_at(ob, "run", NULL, 0, 10, NULL, NULL, &st, &err), 0,
	       "hostile run: returns 0");
	if (chdir(oldcwd) < 0)
		abort();
	is_int(st.sent, 1, "hostile run: sent");
	ok(!found_under(base, "pwned"), "hostile run: no 'pwned' anywhere in the test directory");
	ok(!exists("pwned"), "hostile run: no 'pwned' in the working directory");
	got = slurp(at("h1/victim"), NULL);
	is_str(got, "keep me", "hostile run: victim not removed");
	free(got);
	snprintf(want, sizeof want, "%s\n$(touch pwned)\n`touch pwned`\n;touch pwned\n", rec);
	got = slurp(at("hr/argv"), NULL);
	is_str(got, want, "hostile run: argv byte for byte");
	free(got);
	snprintf(want, sizeof want,
		 "DRIP_FIELD_A=$(touch pwned) | DRIP_FIELD_B=;rm -rf /tmp/x | "
		 "DRIP_FIELD_C=`touch pwned` | DRIP_FIELD_D=line1\nline2\n$(touch pwned)\n | "
		 "%s | DRIP_FIELD_F='\"; touch pwned; echo \"' | LC_ALL=C | PATH=/usr/bin:/bin",
		 victim_env);
	got = env_entries(at("hr/env"));
	is_str(got, want, "hostile run: environment values byte for byte");
	free(got);
	got = slurp(at("hr/stdin"), &glen);
	ok(got && glen == (size_t)n && memcmp(got, in, glen) == 0, "hostile run: stdin byte for byte");
	free(got);
}

/* Files that are not run files fail, never run, and end in failed/. */
static void
test_run_malformed(void)
{
	static const struct {
		const char *name, *why;
		const char *head;	/* before the marker script's path */
		const char *tail;	/* after it */
		size_t tail_len;
	} bad[] = {
		{ "000000000301-run-badversion", "bad first line", "drip-run 2\n", "\0\0\0", 3 },
		{ "000000000302-run-noheader", "bad first line", "", "\0\0\0", 3 },
		{ "000000000303-run-crlf", "bad first line", "drip-run 1\r\n", "\0\0\0", 3 },
		{ "000000000304-run-argvopen", "argv not terminated", "drip-run 1\n", "", 0 },
		{ "000000000305-run-argvhalf", "argv not terminated", "drip-run 1\n", "\0-x", 3 },
		{ "000000000306-run-envopen", "environment not terminated", "drip-run 1\n",
		  "\0\0A=b\0", 6 },
		{ "000000000307-run-envnoeq", "environment item without a name", "drip-run 1\n",
		  "\0\0NOEQUALS\0\0", 12 },
		{ "000000000308-run-envnoname", "environment item without a name", "drip-run 1\n",
		  "\0\0=x\0\0", 6 },
	};
	char ob_buf[1024], mark_buf[1024], rel_buf[1024], cwd_buf[1024], oldcwd[1024];
	char data[256], big_name[64], ok_name[64], *big, *got;
	const char *ob = keep(ob_buf, "m1/outbox");
	const char *mark = script(mark_buf, "m1-mark.sh", "touch @D/m1-ran\nexit 0\n");
	const char *cwd = keep(cwd_buf, "m1cwd");
	static const char empty_argv[] = "drip-run 1\n\0\0";
	static const char relative[] = "drip-run 1\nrel.sh\0\0\0";
	const char *margv[] = { mark, NULL }, *none[] = { NULL };
	struct outbox_stats st;
	struct drip_err err;
	struct seen_all seen;
	size_t i, len, nbad = sizeof bad / sizeof bad[0];
	char want_new[4096];
	int existed, round, all;

	mkdir(cwd, 0700);
	/* A relative argv[0] that does exist from the working directory
	 * delivery runs in: execve would run it, so only the check stops it. */
	script(rel_buf, "m1cwd/rel.sh", "touch @D/m1-ran\nexit 0\n");
	for (i = 0; i < nbad; i++) {
		len = (size_t)snprintf(data, sizeof data, "%s%s", bad[i].head, mark);
		memcpy(data + len, bad[i].tail, bad[i].tail_len);
		len += bad[i].tail_len;
		is_int(outbox_put(ob, bad[i].name, data, len, &existed, &err), 0,
		       "malformed: queue %s", bad[i].name);
	}
	is_int(outbox_put(ob, "000000000309-run-emptyargv", empty_argv, sizeof empty_argv - 1,
			  &existed, &err), 0, "malformed: queue empty argv");
	is_int(outbox_put(ob, "000000000310-run-relative", relative, sizeof relative - 1,
			  &existed, &err), 0, "malformed: queue relative argv[0]");
	/* One byte over the cap, otherwise a good file. */
	{
		struct sbuf sb = SBUF_INIT;

		outbox_run_format(&sb, margv, none, NULL, 0);
		len = sb.len;
		sbuf_release(&sb);
		big = malloc(OUTBOX_RUN_MAX + 1);
		if (big == NULL)
			abort();
		memset(big, 'j', OUTBOX_RUN_MAX + 1);
		is_int(queue_run(ob, 311, margv, none, big, OUTBOX_RUN_MAX + 1 - len, big_name), 0,
		       "malformed: queue a file of OUTBOX_RUN_MAX + 1 bytes");
	}
	snprintf(want_new, sizeof want_new, "%s", listing(ob, "new"));
	is_int(strlen(want_new) > 0, 1, "malformed: all queued");

	memset(&seen, 0, sizeof seen);
	if (getcwd(oldcwd, sizeof oldcwd) == NULL || chdir(cwd) < 0)
		abort();
	for (round = 1; round <= OUTBOX_MAX_ATTEMPTS; round++) {
		err_clear(&err);
		is_int(deliver_at(ob, "run", NULL, 0, 10, on_event_all, &seen, &st, &err), 0,
		       "malformed round %d: returns 0", round);
		is_int(st.failed, nbad + 3, "malformed round %d: every file failed", round);
		is_int(st.sent, 0, "malformed round %d: none sent", round);
		is_int(st.gave_up, round == OUTBOX_MAX_ATTEMPTS ? nbad + 3 : 0,
		       "malformed round %d: gave up only on the last", round);
		all = 1;
		for (i = 0; i < (size_t)seen.n; i++)
			if (seen.attempts[i] != round ||
			    seen.gave_up[i] != (round == OUTBOX_MAX_ATTEMPTS))
				all = 0;
		ok(all && seen.n == (int)nbad + 3, "malformed round %d: each counted %d", round, round);
		if (round < OUTBOX_MAX_ATTEMPTS)
			is_str(listing(ob, "new"), want_new, "malformed round %d: all still in new/",
			       round);
	}
	if (chdir(oldcwd) < 0)
		abort();
	for (i = 0; i < nbad; i++) {
		char want[128];

		snprintf(want, sizeof want, "malformed run file: %s", bad[i].why);
		is_str(detail_of(&seen, bad[i].name), want, "malformed: %s detail", bad[i].name);
	}
	is_str(detail_of(&seen, "000000000309-run-emptyargv"), "malformed run file: empty argv",
	       "malformed: empty argv detail");
	is_str(detail_of(&seen, "000000000310-run-relative"),
	       "malformed run file: argv[0] is not an absolute path",
	       "malformed: relative argv[0] detail");
	is_str(detail_of(&seen, big_name), "malformed run file: larger than 1048576 bytes",
	       "malformed: too large detail");
	is_str(listing(ob, "new"), "", "malformed: new/ empty after the last attempt");
	is_str(listing(ob, "failed"), want_new, "malformed: every file in failed/");
	ok(!exists(at("m1-ran")), "malformed: nothing ran");
	ok(!exists(at("m1/outbox/attempts/000000000310-run-relative")),
	   "malformed: attempt counts removed");

	/* Exactly OUTBOX_RUN_MAX bytes is still a run file. */
	is_int(queue_run(ob, 312, margv, none, big, OUTBOX_RUN_MAX - len, ok_name), 0,
	       "cap: queue a file of exactly OUTBOX_RUN_MAX bytes");
	is_int(deliver_at(ob, "run", NULL, 0, 10, on_event_all, &seen, &st, &err), 0,
	       "cap: returns 0");
	is_int(st.sent, 1, "cap: a file of OUTBOX_RUN_MAX bytes is run");
	got = slurp(at("m1-ran"), NULL);
	ok(got != NULL, "cap: the command ran");
	free(got);
	free(big);
}

/* Exit status decides: nonzero counts an attempt and stays, 0 is sent. */
static void
test_run_exit(void)
{
	char ob_buf[1024], prog_buf[1024], name[64], *got;
	const char *ob = keep(ob_buf, "e1/outbox");
	const char *prog = script(prog_buf, "e1.sh",
				  "if [ -e @D/e1-pass ]; then exit 0; fi\n"
				  "echo 'no such list' >&2\nexit 3\n");
	const char *argv[] = { prog, NULL }, *env[] = { "DRIP_FIELD_A=1", NULL };
	struct outbox_stats st;
	struct drip_err err;
	struct seen_all seen;

	is_int(queue_run(ob, 400, argv, env, "{}", 2, name), 0, "run exit: queued");
	memset(&seen, 0, sizeof seen);
	is_int(deliver_at(ob, "run", NULL, 0, 10, on_event_all, &seen, &st, &err), 0,
	       "run exit 3: returns 0");
	ok(st.sent == 0 && st.failed == 1 && st.gave_up == 0, "run exit 3: one failure");
	is_str(detail_of(&seen, name), "exit status 3: no such list", "run exit 3: detail");
	is_int(seen.attempts[0], 1, "run exit 3: first attempt");
	is_str(listing(ob, "new"), name, "run exit 3: stays in new/");
	got = slurp(at("e1/outbox/attempts/000000000400-run-0123456789abcdef0123456789abcdef"), NULL);
	ok(got && strncmp(got, "1 ", 2) == 0, "run exit 3: attempt count written");
	free(got);

	write_file(at("e1-pass"), "", 0, 0600);
	is_int(deliver_at(ob, "run", NULL, 0, 10, on_event_all, &seen, &st, &err), 0,
	       "run exit 0: returns 0");
	ok(st.sent == 1 && st.failed == 0, "run exit 0: sent");
	is_int(seen.calls, 1, "run exit 0: no new event");
	is_str(listing(ob, "sent"), name, "run exit 0: moved to sent/");
	is_str(listing(ob, "new"), "", "run exit 0: gone from new/");
	ok(!exists(at("e1/outbox/attempts/000000000400-run-0123456789abcdef0123456789abcdef")),
	   "run exit 0: attempt count removed");
}

/* The rate limit counts run files too; a transport given for "run" is
 * ignored, even a maildir one. */
static void
test_run_rate(void)
{
	char ob_buf[1024], prog_buf[1024], name[64], in[16], *got;
	const char *ob = keep(ob_buf, "rt/outbox");
	const char *prog = script(prog_buf, "rt.sh", "cat >> @D/rt-order\nexit 0\n");
	const char *argv[] = { prog, NULL }, *none[] = { NULL };
	struct transport t;
	struct outbox_stats st;
	struct drip_err err;
	int i;

	for (i = 3; i >= 1; i--) {
		snprintf(in, sizeof in, "r%d\n", i);
		is_int(queue_run(ob, 500 + i, argv, none, in, strlen(in), name), 0,
		       "run rate: queued %d", i);
	}
	memset(&t, 0, sizeof t);
	t.kind = TRANSPORT_MAILDIR;
	is_int(deliver_at(ob, "run", &t, 2, 10, NULL, NULL, &st, &err), 0, "run rate: returns 0");
	ok(st.sent == 2 && st.deferred == 1, "run rate: two run, one deferred");
	got = slurp(at("rt-order"), NULL);
	is_str(got, "r1\nr2\n", "run rate: oldest first");
	free(got);
	is_str(listing(ob, "new"), "000000000503-run-0123456789abcdef0123456789abcdef",
	       "run rate: the newest stays queued");
	is_int(deliver_at(ob, "run", NULL, 2, 10, NULL, NULL, &st, &err), 0,
	       "run rate: next call");
	ok(st.sent == 1 && st.deferred == 0, "run rate: the last one runs");
	got = slurp(at("rt-order"), NULL);
	is_str(got, "r1\nr2\nr3\n", "run rate: each once, in order");
	free(got);
}


/* Deliver at now with give_up, through t. */
static int
deliver_policy(const char *ob, const char *kind, const struct transport *t, int64_t now,
	       int max, struct seen *seen, struct outbox_stats *st)
{
	struct outbox_policy pol;
	struct drip_err err;

	pol.now = now;
	pol.max = max;
	pol.timeout_secs = 10;
	return outbox_deliver(ob, kind, t, &pol, on_event, seen, st, &err);
}

static void
test_retry_schedule(void)
{
	char ob_buf[1024], cnt_buf[1024];
	const char *ob = keep(ob_buf, "rs/outbox");
	char temp_path[1024], perm_path[1024];
	const char *temp = script(temp_path, "r-temp.sh",
				  "cat >/dev/null\necho x >>@D/r-calls\necho 'try later' >&2\nexit 75\n");
	const char *perm = script(perm_path, "r-perm.sh", "cat >/dev/null\nexit 1\n");
	const char *targv[] = { temp, NULL }, *pargv[] = { perm, NULL };
	struct transport t = command(targv);
	const int64_t S = 1800000000;	/* the slot the messages were queued in */
	const char *name = "001800000000-email-0123456789abcdef0123456789abcdef";
	const char *cnt = keep(cnt_buf, "rs/outbox/attempts/001800000000-email-0123456789abcdef0123456789abcdef");
	struct outbox_stats st;
	struct seen seen;
	char want[64], *got;
	int existed, i;

	is_int(outbox_retry_delay(1), 20 * 60, "retry delay: 20m after the first failure");
	is_int(outbox_retry_delay(2), 40 * 60, "retry delay: 40m after the second");
	is_int(outbox_retry_delay(3), 80 * 60, "retry delay: 80m after the third");
	is_int(outbox_retry_delay(4), 160 * 60, "retry delay: 160m after the fourth");
	is_int(outbox_retry_delay(5), 4 * 3600, "retry delay: capped at 4h");
	is_int(outbox_retry_delay(60), 4 * 3600, "retry delay: stays at 4h");

	/* Temporary failures with give_up 1h: tried at S, S+20m, S+60m. */
	t.give_up = 3600;
	put(ob, name, "To: a@example.com\n\nhi\n", &existed);
	memset(&seen, 0, sizeof seen);
	is_int(deliver_policy(ob, "email", &t, S, 0, &seen, &st), 0, "retry: first attempt");
	ok(seen.calls == 1 && seen.last.temporary == 1 && seen.last.gave_up == 0,
	   "retry: a temporary failure, not given up");
	is_int(seen.last.next, S + 1200, "retry: next attempt 20m later");
	snprintf(want, sizeof want, "1 %lld\n", (long long)(S + 1200));
	got = slurp(cnt, NULL);
	is_str(got, want, "retry: attempts file holds count and next time");
	free(got);
	is_int(deliver_policy(ob, "email", &t, S + 600, 0, &seen, &st), 0, "retry: early tick");
	ok(seen.calls == 1 && st.waiting == 1 && st.failed == 0 && st.sent == 0,
	   "retry: a message not yet due is left alone");
	got = slurp(at("r-calls"), NULL);
	is_str(got, "x\n", "retry: the transport ran once so far");
	free(got);
	deliver_policy(ob, "email", &t, S + 1200, 0, &seen, &st);
	ok(seen.calls == 2 && seen.last.attempts == 2 && seen.last.gave_up == 0,
	   "retry: second attempt when due");
	is_int(seen.last.next, S + 3600, "retry: the third comes at the give_up deadline, not later");
	deliver_policy(ob, "email", &t, S + 2400, 0, &seen, &st);
	ok(seen.calls == 2 && st.waiting == 1, "retry: not due at S+40m");
	deliver_policy(ob, "email", &t, S + 3600, 0, &seen, &st);
	ok(seen.calls == 3 && seen.last.gave_up == 1 && seen.last.temporary == 1,
	   "retry: gives up once give_up has passed");
	ok(st.failed == 1 && st.gave_up == 1, "retry: stats count the give-up");
	is_str(listing(ob, "failed"), name, "retry: moved to failed/");
	ok(!exists(cnt), "retry: attempts file removed");
	got = slurp(at("r-calls"), NULL);
	is_str(got, "x\nx\nx\n", "retry: three attempts in all");
	free(got);

	/* With the default give_up, temporary failures go on past five. */
	t.give_up = 0;
	name = "001800001200-email-0123456789abcdef0123456789abcdef";
	put(ob, name, "To: a@example.com\n\nhi\n", &existed);
	for (i = 1; i <= 8; i++)
		deliver_policy(ob, "email", &t, S + 1200 + (int64_t)i * 4 * 3600, 0, &seen, &st);
	ok(seen.last.attempts == 8 && seen.last.gave_up == 0,
	   "retry: eight temporary failures, still queued (give_up 5d)");
	is_str(listing(ob, "new"), name, "retry: still in new/");
	deliver_policy(ob, "email", &t, S + 1200 + 5 * 86400, 0, &seen, &st);
	ok(seen.last.gave_up == 1, "retry: default give_up is 5 days");

	/* Any other failure: five attempts, spaced out too. */
	t = command(pargv);
	name = "001800002400-email-0123456789abcdef0123456789abcdef";
	put(ob, name, "To: a@example.com\n\nhi\n", &existed);
	memset(&seen, 0, sizeof seen);
	deliver_policy(ob, "email", &t, S + 2400, 0, &seen, &st);
	ok(seen.last.temporary == 0 && seen.last.next == S + 2400 + 1200,
	   "permanent: not temporary, next in 20m");
	deliver_policy(ob, "email", &t, S + 3000, 0, &seen, &st);
	is_int(seen.calls, 1, "permanent: not retried before it is due");
	for (i = 2; i <= 5; i++)
		deliver_policy(ob, "email", &t, S + (int64_t)i * 86400, 0, &seen, &st);
	ok(seen.calls == 5 && seen.last.gave_up == 1, "permanent: gives up at the fifth failure");
	name = "001800003600-email-0123456789abcdef0123456789abcdef";
	put(ob, name, "To: a@example.com\n\nhi\n", &existed);
	deliver_policy(ob, "email", &t, S + 3600 + 5 * 86400, 0, &seen, &st);
	ok(seen.last.attempts == 1 && seen.last.gave_up == 1,
	   "permanent: a first failure after give_up gives up too");

	/* A count in the old "N\n" form is due at once; waiting messages do
	 * not count against the rate. */
	t = command(targv);
	put(ob, "001800004800-email-0123456789abcdef0123456789abcdef", "To: a@example.com\n\n",
	    &existed);
	put(ob, "001800006000-email-0123456789abcdef0123456789abcdef", "To: a@example.com\n\n",
	    &existed);
	write_file(at("rs/outbox/attempts/001800004800-email-0123456789abcdef0123456789abcdef"),
		   "1 9999999999\n", 13, 0600);
	write_file(at("rs/outbox/attempts/001800006000-email-0123456789abcdef0123456789abcdef"),
		   "2\n", 2, 0600);
	memset(&seen, 0, sizeof seen);
	deliver_policy(ob, "email", &t, S + 7200, 1, &seen, &st);
	ok(seen.calls == 1 && seen.last.attempts == 3 && st.waiting == 1 && st.deferred == 0,
	   "old count: due at once; a waiting message leaves the rate to others");
}

static void
test_sendmail_recipients(void)
{
	char ob_buf[1024];
	const char *ob = keep(ob_buf, "s1/outbox");
	char prog_path[1024];
	const char *prog = script(prog_path, "s-recorder.sh",
				  "d=@D/srec\nmkdir -p \"$d\"\ncat > \"$d/stdin\"\n"
				  "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$d/argv\"\n");
	const char *argv[] = { prog, "-i", NULL }, *targv[] = { prog, "-ti", NULL };
	struct transport t = command(argv);
	struct outbox_stats st;
	struct seen seen;
	const char *msg =
		"From: Shop <shop@example.com>\n"
		"To: =?utf-8?q?Ad=C3=A1?= <ada@example.com>,\n"
		" \"Doe, J. <x@y>\" <j@example.com>\n"
		"cc: c@example.com (the boss, really)\n"
		"Bcc: team: b1@example.com, <b2@example.com>;\n"
		"Subject: To: z@example.com\n"
		"\n"
		"To: body@example.com\n";
	char *got;
	int existed;

	t.kind = TRANSPORT_SENDMAIL;
	put(ob, "000000007000-email-0123456789abcdef0123456789abcdef", msg, &existed);
	memset(&seen, 0, sizeof seen);
	deliver_policy(ob, "email", &t, 7000, 0, &seen, &st);
	is_int(st.sent, 1, "recipients: sent");
	got = slurp(at("srec/argv"), NULL);
	is_str(got, "-i\n--\nada@example.com\nj@example.com\nc@example.com\nb1@example.com\n"
	       "b2@example.com\n", "recipients: To, Cc and Bcc after --");
	free(got);
	got = slurp(at("srec/stdin"), NULL);
	is_str(got, msg, "recipients: the message itself unchanged on stdin");
	free(got);

	t.argv = targv;
	put(ob, "000000007001-email-0123456789abcdef0123456789abcdef", msg, &existed);
	deliver_policy(ob, "email", &t, 7000, 0, &seen, &st);
	got = slurp(at("srec/argv"), NULL);
	is_str(got, "-ti\n", "recipients: -ti reads them itself: argv as configured");
	free(got);

	t.argv = argv;
	put(ob, "000000007002-email-0123456789abcdef0123456789abcdef",
	    "To: crlf@example.com\r\nSubject: x\r\n\r\nCc: no@example.com\r\n", &existed);
	deliver_policy(ob, "email", &t, 7000, 0, &seen, &st);
	got = slurp(at("srec/argv"), NULL);
	is_str(got, "-i\n--\ncrlf@example.com\n", "recipients: CRLF header, body ignored");
	free(got);

	unlink(at("srec/argv"));
	put(ob, "000000007003-email-0123456789abcdef0123456789abcdef", "Subject: x\n\nhi\n",
	    &existed);
	memset(&seen, 0, sizeof seen);
	deliver_policy(ob, "email", &t, 7000, 0, &seen, &st);
	ok(st.failed == 1 && seen.last.temporary == 0, "no recipient: a failure");
	is_str(seen.last.detail, "no recipient in To:, Cc: or Bcc:", "no recipient: detail");
	ok(!exists(at("srec/argv")), "no recipient: sendmail not run");
	put(ob, "000000007004-email-0123456789abcdef0123456789abcdef",
	    "To: ok@example.com, -oQ@evil.example\n\nhi\n", &existed);
	deliver_policy(ob, "email", &t, 7000, 0, &seen, &st);
	is_str(seen.last.detail, "cannot read the recipient \"-oQ@evil.example\"",
	       "option-like recipient: refused");
	ok(!exists(at("srec/argv")), "option-like recipient: sendmail not run");
	put(ob, "000000007005-email-0123456789abcdef0123456789abcdef",
	    "To: Ada <ada@example.com\n\nhi\n", &existed);
	deliver_policy(ob, "email", &t, 7000, 0, &seen, &st);
	like(seen.last.detail, "cannot read the recipient", "unbalanced bracket: refused");
}

static void
test_transport_env(void)
{
	const char *names[] = { "T_MSMTPRC", "T_UNSET", "PATH", NULL };
	const char *argv[] = { "/bin/true", NULL };
	struct transport t = command(argv);
	struct sbuf sb = SBUF_INIT;
	char **env;
	size_t i;
	const char *path = getenv("PATH");

	setenv("USER", "tester", 1);
	setenv("LOGNAME", "tester2", 1);
	setenv("T_MSMTPRC", "/etc/x rc", 1);
	unsetenv("T_UNSET");
	env = outbox_transport_env(&t);
	for (i = 0; env[i] != NULL; i++)
		sbuf_printf(&sb, "%s\n", env[i]);
	is_str(sb.buf, "PATH=/usr/bin:/bin\nHOME=/home/canary\nUSER=tester\nLOGNAME=tester2\n"
	       "LC_ALL=C\n", "env: the documented five");
	outbox_env_free(env);
	sbuf_reset(&sb);
	t.env = names;
	env = outbox_transport_env(&t);
	for (i = 0; env[i] != NULL; i++)
		sbuf_printf(&sb, "%s\n", env[i]);
	{
		char want[4096];

		snprintf(want, sizeof want, "PATH=%s\nHOME=/home/canary\nUSER=tester\n"
			 "LOGNAME=tester2\nLC_ALL=C\nT_MSMTPRC=/etc/x rc\n", path ? path : "/usr/bin:/bin");
		is_str(sb.buf, want, "env: listed names from drip's environment; unset ones left out");
	}
	outbox_env_free(env);
	sbuf_reset(&sb);
	/* Without USER and LOGNAME (cron sets only some), the password
	 * database says who runs drip. */
	unsetenv("USER");
	unsetenv("LOGNAME");
	t.env = NULL;
	env = outbox_transport_env(&t);
	for (i = 0; env[i] != NULL; i++)
		sbuf_printf(&sb, "%s\n", env[i]);
	like(sb.buf, "\nUSER=", "env: USER from the password database");
	like(sb.buf, "\nLOGNAME=", "env: LOGNAME from the password database");
	outbox_env_free(env);
	sbuf_release(&sb);
	unsetenv("T_MSMTPRC");
}

int
main(void)
{
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	/* Canaries: none of this may reach a transport. */
	setenv("DRIP_TEST_CANARY", "chirp", 1);
	setenv("HOME", "/home/canary", 1);
	test_name();
	test_put();
	test_stage_existing();
	test_bad_names();
	test_symlinks();
	test_list();
	test_deliver_ok();
	test_maildir();
	test_failures();
	test_tempfail_and_signal();
	test_timeout();
	test_background_holder();
	test_exec_errors();
	test_hostile_queue();
	test_rate_limit();
	test_exec_direct();
	test_run_format();
	test_run_deliver();
	test_run_hostile_values();
	test_run_malformed();
	test_run_exit();
	test_run_rate();
	test_retry_schedule();
	test_sendmail_recipients();
	test_transport_env();
	rm_rf(base);
	return tap_done();
}
