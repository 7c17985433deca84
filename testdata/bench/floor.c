/*
 * floor.c - the floor of `make bench` (SPEC §13): the least work any
 * program must do to perform the benchmark's tick, against which drip tick
 * is measured.
 *
 *   floor [-m BYTES] DIR NOW
 *
 * On the workspace gen makes (one three-step email sequence, "bench", in a
 * UTC workspace with default_time 10:00 and no send window) it:
 *   - streams contacts.csv and the 64 enrollment shards with libcsv
 *     (formats/csvio), joined by contact id the way drip lays them out;
 *   - moves every enrollment due in NOW's slot to its next step, exactly as
 *     tick does, and writes each shard's new file beside it (fsync, rename,
 *     then one fsync of the folder);
 *   - writes one message per due enrollment into outbox/tmp, and after the
 *     pass makes them durable with one syncfs, renames them all into new/
 *     and syncs new/ once, before the state is replaced: the policy of
 *     tick's outbox staging (outbox_stage_*), which SPEC §9.3 needs.  With -m, each
 *     message is padded or cut to BYTES; by default it is composed as drip
 *     composes it, and comes out byte for byte the same;
 *   - appends the log rows to log/YYYY-MM.csv (one fsync) and moves the
 *     clock;
 *   - commits the changed files with libgit2: blobs from disk, HEAD's tree
 *     updated, a commit, the index entries from the files' stat.
 * The Message-IDs, state rows and log rows are drip's own, so run.sh can
 * check that the floor did the same work by comparing the two workspaces.
 * What it leaves out is what a floor may: it knows the one sequence, it
 * does no locking, no recovery, no foreign-edit check, no templates.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <git2.h>

#include "actlog.h"
#include "csvio.h"
#include "dtime.h"
#include "err.h"
#include "mail.h"
#include "outbox.h"
#include "sbuf.h"
#include "state.h"
#include "token.h"

#define SLOT (20 * 60)			/* the workspace's tick: 20m */
#define DEFAULT_TIME (10 * 3600)	/* its default_time: 10:00 UTC */
#define DAY 86400
#define SEQ_ID "bench"
#define FROM "Bench <hello@bench.example>"
#define BASE_URL "https://bench.example/r"	/* gen.c's links.base_url */
#define MSGID_DOMAIN "bench.example"
#define NSTEPS 3
#define MAX_MSG (64 * 1024)
#define MAX_COLS 64			/* columns of an enrollment file */

/* The bench sequence: its steps, their waits in days, their templates. */
static const char *const step_ids[NSTEPS] = { "welcome", "tips", "last" };
static const int step_days[NSTEPS] = { 0, 2, 3 };
static const char *const step_tmpl[NSTEPS] = {
	"templates/welcome.eml", "templates/tips.eml", "templates/last.eml",
};
static const char *const step_subject[NSTEPS] = {
	"Welcome to Bench, %s", "Three tips for your first week", "Still with us, %s?",
};
static const char *const step_body[NSTEPS] = {
	"Hello %s,\n\nthanks for signing up. Reply to this\n"
	"message if there is anything we can do for you.\n",
	"Hi %s,\n\nhere are three tips to get the most out of Bench:\n"
	"import your data, invite your team, and set up your first report.\n",
	"Hi %s,\n\none last note: our team is happy to help you\n"
	"get started. Just reply to this message.\n",
};

struct shard {
	struct csvio_reader *r;
	struct csvio_row row;		/* the next row, valid while has */
	int has;
	FILE *out;
	char rel[64], tmp[64];
	int dirty;
};

/* Where the columns the floor reads and writes are (-1: absent, for the
 * optional ones).  Found by name, so the floor follows drip's header. */
struct cols {
	long contact, sequence, status, step, entered, base;
	long hold, sent_day, sent;
	size_t n;
};

struct floor {
	const char *dir;
	struct cols c;
	char today[16];			/* the slot's day, for the cap's count */
	int dirfd;
	int64_t slot;
	char slot_utc[32], slot_dec[32], date[MAIL_DATE_SIZE];
	size_t msg_size;		/* 0: as composed */
	struct shard sh[STATE_SHARDS];
	int tmpfd, newfd;		/* outbox/tmp, outbox/new */
	FILE *log;
	char log_rel[64];
	struct sbuf line, msg;
	struct sbuf staged;		/* names of the messages in tmp/, NUL after each */
	struct token_key *key;		/* .drip/signing.key, for the unsubscribe links */
	struct sbuf link;
	long contacts, rows, due;
	struct drip_err err;
};

_Noreturn static void
die(struct floor *f, const char *what)
{
	char buf[1600];

	if (f && f->err.msg[0])
		fprintf(stderr, "floor: %s: %s\n", what, err_str(&f->err, buf, sizeof buf));
	else
		fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

_Noreturn static void
usage(void)
{
	fputs("usage: floor [-m BYTES] DIR NOW\n", stderr);
	exit(2);
}

/* ---- times: only the canonical "YYYY-MM-DDTHH:MM:SSZ" drip writes ---- */

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
num(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
parse_utc(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, se;

	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z' || num(s, 4, &y) < 0 || num(s + 5, 2, &mo) < 0 ||
	    num(s + 8, 2, &d) < 0 || num(s + 11, 2, &h) < 0 || num(s + 14, 2, &mi) < 0 ||
	    num(s + 17, 2, &se) < 0)
		return -1;
	*t = days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + se;
	return 0;
}

static int64_t
slot_ceil(int64_t t)
{
	int64_t r = t % SLOT;

	return r ? t + (SLOT - r) : t;
}

/* SPEC §3.3 for this sequence: wait 0 fires at the base time; a wait of
 * days fires at default_time on the day that many days later (UTC). */
static int64_t
due_at(int step, int64_t base)
{
	if (step_days[step] == 0)
		return base;
	return (base - base % DAY) + (int64_t)step_days[step] * DAY + DEFAULT_TIME;
}

static int
step_index(const char *id)
{
	int i;

	for (i = 0; i < NSTEPS; i++)
		if (strcmp(id, step_ids[i]) == 0)
			return i;
	return -1;
}

/* ---- files ---- */

static void
path_in(char *buf, size_t n, const char *dir, const char *rel)
{
	int k = snprintf(buf, n, "%s/%s", dir, rel);

	if (k < 0 || (size_t)k >= n) {
		errno = ENAMETOOLONG;
		die(NULL, rel);
	}
}

static int
write_full(int fd, const char *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
open_dir_at(int at, const char *rel, int create)
{
	if (create && mkdirat(at, rel, 0700) < 0 && errno != EEXIST)
		return -1;
	return openat(at, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void
open_outbox(struct floor *f)
{
	int ob = open_dir_at(f->dirfd, "outbox", 1);

	if (ob < 0 || (f->tmpfd = open_dir_at(ob, "tmp", 1)) < 0 ||
	    (f->newfd = open_dir_at(ob, "new", 1)) < 0)
		die(NULL, "cannot open the outbox");
	close(ob);
}

static void
find_cols(struct floor *f, const struct csvio_reader *r)
{
	struct cols *c = &f->c;

	c->n = csvio_ncols(r);
	c->contact = csvio_col(r, "contact");
	c->sequence = csvio_col(r, "sequence");
	c->status = csvio_col(r, "status");
	c->step = csvio_col(r, "step");
	c->entered = csvio_col(r, "entered");
	c->base = csvio_col(r, "base");
	c->hold = csvio_col(r, "hold");
	c->sent_day = csvio_col(r, "sent_day");
	c->sent = csvio_col(r, "sent");
	if (c->n > MAX_COLS || c->contact != 0 || c->sequence < 0 || c->status < 0 ||
	    c->step < 0 || c->entered < 0 || c->base < 0 || (c->sent_day < 0) != (c->sent < 0)) {
		errno = EINVAL;
		die(NULL, "unexpected enrollment header");
	}
}

/* Every shard has the first one's header, written back as it was. */
static void
check_header(struct floor *f, const struct csvio_reader *r, struct sbuf *hdr)
{
	const char *names[MAX_COLS];
	size_t i;

	if (csvio_ncols(r) != f->c.n) {
		errno = EINVAL;
		die(NULL, "the shards' headers differ");
	}
	for (i = 0; i < f->c.n; i++)
		names[i] = csvio_colname(r, i);
	sbuf_reset(hdr);
	csvio_format_row(hdr, names, f->c.n);
}

static void
open_shards(struct floor *f)
{
	struct sbuf hdr = SBUF_INIT, first = SBUF_INIT;
	char path[4096];
	unsigned i;

	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard *s = &f->sh[i];
		int rc;

		state_shard_path(i, s->rel, sizeof s->rel);
		snprintf(s->tmp, sizeof s->tmp, "state/enrollments/.%02u.floor", i);
		path_in(path, sizeof path, f->dir, s->rel);
		if (csvio_open(path, &s->r, &f->err) < 0)
			die(f, "cannot read the state");
		if (i == 0)
			find_cols(f, s->r);
		check_header(f, s->r, &hdr);
		if (i == 0)
			sbuf_adds(&first, sbuf_str(&hdr));
		else if (strcmp(sbuf_str(&hdr), sbuf_str(&first)) != 0)
			die(NULL, "the shards' headers differ");
		rc = csvio_next(s->r, &s->row, &f->err);
		if (rc < 0)
			die(f, "cannot read the state");
		s->has = rc == 1;
		path_in(path, sizeof path, f->dir, s->tmp);
		if ((s->out = fopen(path, "we")) == NULL)
			die(NULL, path);
		setvbuf(s->out, NULL, _IOFBF, 64 * 1024);
		fwrite(hdr.buf, 1, hdr.len, s->out);
	}
	sbuf_release(&hdr);
	sbuf_release(&first);
}

static void
open_log(struct floor *f)
{
	char path[4096];
	int exists;

	actlog_path(f->slot, f->log_rel, sizeof f->log_rel);
	path_in(path, sizeof path, f->dir, "log");
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(NULL, path);
	path_in(path, sizeof path, f->dir, f->log_rel);
	exists = access(path, F_OK) == 0;
	if ((f->log = fopen(path, "ae")) == NULL)
		die(NULL, path);
	setvbuf(f->log, NULL, _IOFBF, 64 * 1024);
	if (!exists)
		fputs(ACTLOG_HEADER, f->log);
}

/* ---- the work ---- */

/* Compose the message, padded or cut to msg_size, and queue it. */
static void
put_message(struct floor *f, const char *id, const char *email, const char *first,
	    int step, int64_t entered, const char *msgid, const char *hex)
{
	char name[OUTBOX_NAME_MAX + 1];
	const char *who = *first ? first : "there";
	struct token t;
	int fd;

	sbuf_reset(&f->msg);
	sbuf_printf(&f->msg, "From: " FROM "\nTo: %s\nSubject: ", email);
	sbuf_printf(&f->msg, step_subject[step], *first ? first : "friend");
	sbuf_printf(&f->msg, "\nDate: %s\nMessage-ID: %s\nMIME-Version: 1.0\n"
		    "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 7bit\n", f->date, msgid);
	/* Every message carries its signed unsubscribe link (SPEC §8). */
	memset(&t, 0, sizeof t);
	t.version = TOKEN_VERSION;
	snprintf(t.contact, sizeof t.contact, "%s", id);
	snprintf(t.sequence, sizeof t.sequence, "%s", SEQ_ID);
	snprintf(t.step, sizeof t.step, "%s", step_ids[step]);
	t.entered = entered;
	t.answer = TOKEN_UNSUBSCRIBE;
	sbuf_reset(&f->link);
	sbuf_adds(&f->link, "<" BASE_URL "?t=");
	if (token_sign(&t, f->key, &f->link, &f->err) < 0)
		die(f, "cannot sign a link");
	sbuf_addc(&f->link, '>');
	mail_header(&f->msg, "List-Unsubscribe", sbuf_str(&f->link));
	mail_header(&f->msg, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	sbuf_printf(&f->msg, "X-Drip-Contact: %s\nX-Drip-Sequence: " SEQ_ID "\nX-Drip-Step: %s\n\n",
		    id, step_ids[step]);
	sbuf_printf(&f->msg, step_body[step], who);
	if (f->msg_size && f->msg.len < f->msg_size) {
		while (f->msg.len < f->msg_size - 1)
			sbuf_addc(&f->msg, '.');
		sbuf_addc(&f->msg, '\n');
	} else if (f->msg_size && f->msg.len > f->msg_size) {
		f->msg.len = f->msg_size;
	}
	outbox_name(f->slot, "email", hex, name, sizeof name);
	fd = openat(f->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write_full(fd, f->msg.buf, f->msg.len) < 0 || close(fd) < 0)
		die(NULL, name);
	sbuf_add(&f->staged, name, strlen(name) + 1);
}

/* Every staged message into new/, for good, before the state says it was
 * sent. */
static void
queue_messages(struct floor *f)
{
	size_t off = 0;

	/* One sync for the whole batch before the first rename, as tick. */
	if (f->staged.len && syscall(SYS_syncfs, f->tmpfd) < 0)
		die(NULL, "outbox/tmp");
	while (off < f->staged.len) {
		const char *name = f->staged.buf + off;

		if (renameat(f->tmpfd, name, f->newfd, name) < 0)
			die(NULL, name);
		off += strlen(name) + 1;
	}
	if (fsync(f->newfd) < 0)
		die(NULL, "outbox/new");
}

static void
log_row(struct floor *f, const char *id, const char *step, const char *action,
	const char *ref, const char *detail)
{
	const char *v[9] = { f->slot_utc, id, SEQ_ID, step, "", action, "ok", ref, detail };

	sbuf_reset(&f->line);
	csvio_format_row(&f->line, v, 9);
	fwrite(f->line.buf, 1, f->line.len, f->log);
}

/* When the row's step is due, as a slot; -1 when it never is here. */
static int64_t
due_slot(const struct floor *f, const char *const *v, int *step)
{
	int64_t base, hold, due;

	if (strcmp(v[f->c.sequence], SEQ_ID) != 0 || strcmp(v[f->c.status], "active") != 0 ||
	    (*step = step_index(v[f->c.step])) < 0 || parse_utc(v[f->c.base], &base) < 0)
		return -1;
	due = due_at(*step, base);
	/* A held step (the frequency cap) waits for its hold; with no send
	 * window every moment is allowed. */
	if (f->c.hold >= 0 && *v[f->c.hold]) {
		if (parse_utc(v[f->c.hold], &hold) < 0)
			return -1;
		if (hold > due)
			due = hold;
	}
	return slot_ceil(due);
}

static void
write_row(struct floor *f, struct shard *s, const char *const *v)
{
	sbuf_reset(&f->line);
	csvio_format_row(&f->line, v, f->c.n);
	fwrite(f->line.buf, 1, f->line.len, s->out);
}

/* One enrollment row of contact (id, email, first): written back as it is,
 * or, when due in this slot, fired and moved to its next step. */
static void
one_row(struct floor *f, struct shard *s, const char *email, const char *first)
{
	const char **v = s->row.f;
	const char *nv[MAX_COLS], *id = v[f->c.contact];
	char msgid[128], hex[MAIL_HASH_SIZE], sent[24];
	int64_t due;
	int step = -1, next;

	f->rows++;
	due = due_slot(f, v, &step);
	if (due < 0 || due > f->slot) {
		write_row(f, s, v);
		return;
	}
	{
		const char *parts[5] = { id, SEQ_ID, step_ids[step], f->slot_dec, email };

		mail_message_id(parts, 5, MSGID_DOMAIN, msgid, sizeof msgid);
		memcpy(hex, msgid + 1, 32);
		hex[32] = '\0';
	}
	{
		int64_t entered;

		if (state_parse_time(v[f->c.entered], &entered) < 0)
			die(NULL, "a bad entered time in the state");
		put_message(f, id, email, first, step, entered, msgid, hex);
	}
	log_row(f, id, step_ids[step], "email", msgid, step_tmpl[step]);
	memcpy(nv, v, f->c.n * sizeof *nv);
	next = step + 1;
	if (next < NSTEPS) {
		nv[f->c.step] = step_ids[next];
	} else {
		nv[f->c.status] = "done";
		nv[f->c.step] = "";
		log_row(f, id, "", "done", "", "");
	}
	nv[f->c.entered] = nv[f->c.base] = f->slot_utc;
	if (f->c.hold >= 0)
		nv[f->c.hold] = "";
	if (f->c.sent_day >= 0) {
		/* The message counts towards today's cap. */
		long k = strcmp(v[f->c.sent_day], f->today) == 0 ? atol(v[f->c.sent]) + 1 : 1;

		snprintf(sent, sizeof sent, "%ld", k);
		nv[f->c.sent_day] = f->today;
		nv[f->c.sent] = sent;
	}
	write_row(f, s, nv);
	s->dirty = 1;
	f->due++;
}

static void
shard_next(struct floor *f, struct shard *s)
{
	int rc = csvio_next(s->r, &s->row, &f->err);

	if (rc < 0)
		die(f, "cannot read the state");
	s->has = rc == 1;
}

/* Rows before upto (or all when NULL) belong to no contact: kept. */
static void
flush_before(struct floor *f, struct shard *s, const char *upto)
{
	while (s->has && (upto == NULL || strcmp(s->row.f[0], upto) < 0)) {
		write_row(f, s, s->row.f);
		shard_next(f, s);
	}
}

static void
pass(struct floor *f)
{
	struct csvio_reader *cr;
	struct csvio_row row;
	char path[4096];
	long cid, cemail, cfirst;
	unsigned i;
	int rc;

	path_in(path, sizeof path, f->dir, "contacts.csv");
	if (csvio_open(path, &cr, &f->err) < 0)
		die(f, "cannot read contacts");
	cid = csvio_col(cr, "id");
	cemail = csvio_col(cr, "email");
	cfirst = csvio_col(cr, "first_name");
	if (cid < 0 || cemail < 0 || cfirst < 0) {
		errno = EINVAL;
		die(NULL, "contacts.csv needs id, email and first_name");
	}
	while ((rc = csvio_next(cr, &row, &f->err)) == 1) {
		const char *id = row.f[cid];
		struct shard *s = &f->sh[state_shard(id)];

		f->contacts++;
		flush_before(f, s, id);
		while (s->has && strcmp(s->row.f[0], id) == 0) {
			one_row(f, s, row.f[cemail], row.f[cfirst]);
			shard_next(f, s);
		}
	}
	if (rc < 0)
		die(f, "cannot read contacts");
	csvio_close(cr);
	for (i = 0; i < STATE_SHARDS; i++)
		flush_before(f, &f->sh[i], NULL);
}

/* Put the new shards in place; the changed paths go into paths[]. */
static size_t
finish_files(struct floor *f, const char **paths)
{
	char tmp[4096], dst[4096];
	struct sbuf clock = SBUF_INIT;
	size_t n = 0;
	unsigned i;
	int fd;

	queue_messages(f);
	for (i = 0; i < STATE_SHARDS; i++) {
		struct shard *s = &f->sh[i];

		csvio_close(s->r);
		if (fflush(s->out) != 0 || fsync(fileno(s->out)) != 0 || fclose(s->out) != 0)
			die(NULL, s->tmp);
		path_in(tmp, sizeof tmp, f->dir, s->tmp);
		path_in(dst, sizeof dst, f->dir, s->rel);
		if (!s->dirty) {
			unlink(tmp);
			continue;
		}
		if (rename(tmp, dst) < 0)
			die(NULL, dst);
		paths[n++] = s->rel;
	}
	path_in(dst, sizeof dst, f->dir, "state/enrollments");
	if ((fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) < 0)
		die(NULL, dst);
	close(fd);
	if (fflush(f->log) != 0 || fsync(fileno(f->log)) != 0 || fclose(f->log) != 0)
		die(NULL, f->log_rel);
	paths[n++] = f->log_rel;
	state_format_clock(f->slot, &clock);
	path_in(dst, sizeof dst, f->dir, STATE_CLOCK);
	path_in(tmp, sizeof tmp, f->dir, "state/.clock.floor");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    write_full(fd, clock.buf, clock.len) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, dst) < 0)
		die(NULL, dst);
	path_in(dst, sizeof dst, f->dir, "state");
	if ((fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) < 0)
		die(NULL, dst);
	close(fd);
	paths[n++] = STATE_CLOCK;
	sbuf_release(&clock);
	return n;
}

/* ---- the commit ---- */

_Noreturn static void
git_die(const char *what)
{
	const git_error *e = git_error_last();

	fprintf(stderr, "floor: %s: %s\n", what, e ? e->message : "unknown error");
	exit(1);
}

static void
commit(struct floor *f, const char **paths, size_t n)
{
	git_repository *repo;
	git_object *head;
	git_commit *parent;
	git_tree *tree, *newtree;
	git_tree_update up[STATE_SHARDS + 2];
	struct stat st[STATE_SHARDS + 2];
	git_signature *sig;
	git_index *idx;
	git_oid tree_id, cid;
	char full[4096], msg[256];
	size_t i;

	if (git_libgit2_init() < 0 || git_repository_open(&repo, f->dir) < 0)
		git_die("cannot open the repository");
	if (git_revparse_single(&head, repo, "HEAD^{commit}") < 0)
		git_die("cannot read HEAD");
	parent = (git_commit *)head;
	if (git_commit_tree(&tree, parent) < 0)
		git_die("cannot read HEAD's tree");
	memset(up, 0, sizeof up);
	for (i = 0; i < n; i++) {
		path_in(full, sizeof full, f->dir, paths[i]);
		if (lstat(full, &st[i]) < 0)
			die(NULL, full);
		if (git_blob_create_from_disk(&up[i].id, repo, full) < 0)
			git_die(paths[i]);
		up[i].action = GIT_TREE_UPDATE_UPSERT;
		up[i].filemode = GIT_FILEMODE_BLOB;
		up[i].path = paths[i];
	}
	if (git_tree_create_updated(&tree_id, repo, tree, n, up) < 0 ||
	    git_tree_lookup(&newtree, repo, &tree_id) < 0)
		git_die("cannot build the tree");
	if (git_signature_new(&sig, "drip bench", "bench@localhost", (git_time_t)f->slot, 0) < 0)
		git_die("cannot make a signature");
	snprintf(msg, sizeof msg, "floor %s: %ld steps fired\n", f->slot_utc, f->due);
	if (git_commit_create(&cid, repo, "HEAD", sig, sig, NULL, msg, newtree, 1,
			      (const git_commit **)&parent) < 0)
		git_die("cannot commit");
	/* The index, as drip keeps it: entries from the stat taken before
	 * each blob, so nothing is hashed twice. */
	if (git_repository_index(&idx, repo) < 0 || git_index_read(idx, 1) < 0)
		git_die("cannot read the index");
	for (i = 0; i < n; i++) {
		git_index_entry e;

		memset(&e, 0, sizeof e);
		e.ctime.seconds = (int32_t)st[i].st_ctim.tv_sec;
		e.ctime.nanoseconds = (uint32_t)st[i].st_ctim.tv_nsec;
		e.mtime.seconds = (int32_t)st[i].st_mtim.tv_sec;
		e.mtime.nanoseconds = (uint32_t)st[i].st_mtim.tv_nsec;
		e.dev = (uint32_t)st[i].st_dev;
		e.ino = (uint32_t)st[i].st_ino;
		e.mode = GIT_FILEMODE_BLOB;
		e.uid = (uint32_t)st[i].st_uid;
		e.gid = (uint32_t)st[i].st_gid;
		e.file_size = (uint32_t)st[i].st_size;
		git_oid_cpy(&e.id, &up[i].id);
		e.path = paths[i];
		if (git_index_add(idx, &e) < 0)
			git_die(paths[i]);
	}
	if (git_index_write(idx) < 0)
		git_die("cannot write the index");
	git_index_free(idx);
	git_signature_free(sig);
	git_tree_free(newtree);
	git_tree_free(tree);
	git_object_free(head);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

int
main(int argc, char **argv)
{
	struct floor *f = calloc(1, sizeof *f);
	const char *paths[STATE_SHARDS + 2];
	int64_t now;
	size_t n;
	char *end;
	int c;

	if (f == NULL)
		die(NULL, "out of memory");
	while ((c = getopt(argc, argv, "m:")) != -1) {
		if (c != 'm')
			usage();
		errno = 0;
		f->msg_size = strtoul(optarg, &end, 10);
		if (errno || *end || f->msg_size > MAX_MSG)
			usage();
	}
	if (argc - optind != 2 || parse_utc(argv[optind + 1], &now) < 0)
		usage();
	f->dir = argv[optind];
	f->slot = now - now % SLOT;
	dtime_format_utc(f->slot, f->slot_utc, sizeof f->slot_utc);
	snprintf(f->today, sizeof f->today, "%.10s", f->slot_utc);
	snprintf(f->slot_dec, sizeof f->slot_dec, "%lld", (long long)f->slot);
	mail_date(f->slot, f->date, sizeof f->date);
	if ((f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(NULL, f->dir);
	{
		char path[4096];

		path_in(path, sizeof path, f->dir, ".drip/signing.key");
		if (token_key_load(path, &f->key, &f->err) < 0)
			die(f, "cannot load the signing key");
	}
	open_outbox(f);
	open_shards(f);
	open_log(f);
	pass(f);
	n = finish_files(f, paths);
	commit(f, paths, n);
	printf("floor: %ld contacts, %ld enrollments, %ld fired\n", f->contacts, f->rows, f->due);
	sbuf_release(&f->line);
	sbuf_release(&f->msg);
	sbuf_release(&f->staged);
	close(f->tmpfd);
	close(f->newfd);
	close(f->dirfd);
	free(f);
	return 0;
}
