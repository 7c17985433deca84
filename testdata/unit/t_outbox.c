/*
 * t_outbox.c - the delivery queue and the delivery loop.
 *
 * Delivery is tested against real programs: small shell scripts that the
 * test writes into its temporary directory and that outbox_deliver runs
 * directly with execve, standing in for sendmail and an SMS gateway.  They
 * record what they were given (stdin, argv, environment, open descriptors)
 * or fail in the ways a transport can fail.
 */
#include "tap.h"

#include "config.h"
#include "err.h"
#include "outbox.h"

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

	memset(&t, 0, sizeof t);
	t.kind = TRANSPORT_SENDMAIL;
	t.argv = argv;
	while (argv && argv[n])
		n++;
	t.argc = n;
	return t;
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

		is_int(outbox_deliver(ob, "email", &t, 0, 5, NULL, NULL, &st, &err), -1,
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
	is_int(outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
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
	ok(got && strstr(got, "HOME=") == NULL, "deliver: no HOME in the environment");
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
	is_int(outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
	       "deliver again: returns 0");
	is_int(st.sent, 0, "deliver again: nothing sent twice");

	/* The other kind, through a command transport. */
	t.kind = TRANSPORT_COMMAND;
	is_int(outbox_deliver(ob, "sms", &t, 0, 10, on_event, &seen, &st, &err), 0, "deliver sms");
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
	is_int(outbox_deliver(ob, "email", &t, 0, 10, NULL, NULL, &st, &err), 0, "maildir: returns 0");
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
	is_int(outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
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
	is_str(got, "1\n", "exit 1: attempt count recorded");
	free(got);
	for (i = 2; i <= 4; i++) {
		outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err);
		is_int(seen.last.attempts, i, "exit 1: attempt %d", i);
	}
	is_int(seen.last.gave_up, 0, "exit 1: fourth failure does not give up");
	is_str(listing(ob, "new"), name, "exit 1: still queued after four");
	is_int(outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
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
	outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err);
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
	is_int(outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0, "exit 75: returns 0");
	is_int(st.failed, 1, "exit 75: counts as a failure");
	is_str(seen.last.detail, "temporary failure (exit 75): try later", "exit 75: detail");
	is_int(seen.last.attempts, 1, "exit 75: attempt counted");
	is_str(listing(ob, "new"), "000000005000-email-a", "exit 75: stays queued");

	t = command(sargv);
	outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err);
	is_str(seen.last.detail, "killed by signal 15", "signal: detail");
	is_int(seen.last.attempts, 2, "signal: attempt counted");

	t = command(bargv);
	outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err);
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
	is_int(outbox_deliver(ob, "email", &t, 0, 1, on_event, &seen, &st, &err), 0, "hang: returns 0");
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
	is_int(outbox_deliver(ob, "email", &t, 0, 20, NULL, NULL, &st, &err), 0,
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
	is_int(outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
	       "missing program: returns 0");
	is_int(st.failed, 1, "missing program: a failure");
	is_str(seen.last.detail,
	       "cannot execute '/nonexistent/drip-sendmail': No such file or directory",
	       "missing program: exec error in detail");
	is_str(listing(ob, "new"), "000000007000-email-a", "missing program: stays queued");

	write_file(noexec, "#!/bin/sh\nexit 0\n", 17, 0644);
	t = command(nargv);
	outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err);
	like(seen.last.detail, "': Permission denied", "not executable: exec error in detail");
	is_int(seen.last.attempts, 2, "not executable: attempt counted");

	/* No argv at all is a configuration problem, not a message's. */
	t = command(NULL);
	t.kind = TRANSPORT_SENDMAIL;
	err_clear(&err);
	is_int(outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), -1,
	       "no argv: -1");
	is_int(err.code, DRIP_ECONFIG, "no argv: DRIP_ECONFIG");
	is_str(err.msg, "transport for \"email\" has no command", "no argv: message");

	/* No outbox yet: nothing to do. */
	t = command(argv);
	is_int(outbox_deliver(at("none/outbox"), "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
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
	is_int(outbox_deliver(ob, "email", &t, 0, 10, on_event, &seen, &st, &err), 0,
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
	is_int(outbox_deliver(ob, "email", &t, 2, 10, NULL, NULL, &st, &err), 0, "rate: returns 0");
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
	outbox_deliver(ob, "email", &t, 2, 10, NULL, NULL, &st, &err);
	ok(st.sent == 2 && st.deferred == 1, "rate: next tick sends two more");
	outbox_deliver(ob, "email", &t, 0, 10, NULL, NULL, &st, &err);
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
	rm_rf(base);
	return tap_done();
}
