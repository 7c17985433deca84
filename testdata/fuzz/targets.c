/*
 * targets.c - the fuzz targets: every parser of untrusted text, each a
 * function from bytes to 0 (accepted) or -1 (refused with a message).
 *
 * Included by testdata/fuzz/main.c, which makes one libFuzzer binary per
 * target (`make fuzz`), and by testdata/unit/t_fuzz.c, which runs the
 * inputs kept in testdata/fuzz/regress/ through the same functions in
 * `make check`.  A target must not leak between runs: everything it
 * allocates is freed before it returns.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "config.h"
#include "csvio.h"
#include "diag.h"
#include "dtime.h"
#include "dur.h"
#include "err.h"
#include "events.h"
#include "expr.h"
#include "import.h"
#include "lint.h"
#include "mail.h"
#include "protect.h"
#include "report.h"
#include "respond.h"
#include "roster.h"
#include "rtab.h"
#include "sbuf.h"
#include "sched.h"
#include "state.h"
#include "tmpl.h"
#include "token.h"
#include "tz.h"

/* The input as a C string (parsers of one-line values take those); a NUL
 * inside ends it early, as it would in argv or a CSV field. */
static char *
fz_cstr(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

static char fz_dirbuf[64];

/* Remove the private directory at exit. */
static void
fz_cleanup(void)
{
	static const char *const files[] = {
		"sequences/fz.yaml", "automations/fz.yaml", "drip.yaml", "inbox/fz.csv",
		"contacts.csv", "import.csv", "tasks.csv", "holidays.csv",
		"protect/seq-fz.sig", "logws/log/2026-11.csv", "logws/drip.yaml", "logws/log",
		"logws", "sequences", "automations", "inbox", "protect", ".drip", ""
	};
	char path[160];
	size_t i;

	for (i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/%s", fz_dirbuf, files[i]);
		if (remove(path) < 0)
			continue;	/* never written */
	}
}

/* A private directory for the targets that read files, made once. */
static const char *
fz_dir(void)
{
	char *dir = fz_dirbuf;
	char sub[96];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof fz_dirbuf, "/tmp/drip-fuzz.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(fz_cleanup);
		snprintf(sub, sizeof sub, "%s/automations", dir);
		(void)mkdir(sub, 0700);
		snprintf(sub, sizeof sub, "%s/sequences", dir);
		(void)mkdir(sub, 0700);
		snprintf(sub, sizeof sub, "%s/inbox", dir);
		(void)mkdir(sub, 0700);
		snprintf(sub, sizeof sub, "%s/protect", dir);
		(void)mkdir(sub, 0700);
		snprintf(sub, sizeof sub, "%s/logws", dir);
		(void)mkdir(sub, 0700);
		snprintf(sub, sizeof sub, "%s/logws/log", dir);
		(void)mkdir(sub, 0700);
	}
	return dir;
}

static const char *
fz_file(const char *rel, const uint8_t *d, size_t n)
{
	static char path[160];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", fz_dir(), rel);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (n && fwrite(d, 1, n, f) != n)
		abort();
	if (fclose(f) != 0)
		abort();
	return path;
}

/* seq lint of a sequence or an automation file: the YAML loader, the
 * sequence or automation schema and every lint check. */
static int
fz_lint(const char *rel, const uint8_t *d, size_t n)
{
	struct arena a = ARENA_INIT;
	struct diags dg;
	struct lint_ctx c;
	const char *path = fz_file(rel, d, n);
	int rc;

	memset(&c, 0, sizeof c);
	diag_init(&dg, &a);
	c.a = &a;
	c.d = &dg;
	c.root = fz_dir();
	lint_file(&c, path, rel);
	diag_sort(&dg);
	rc = dg.nerr ? -1 : 0;
	arena_release(&a);
	return rc;
}

static int
fz_seq(const uint8_t *d, size_t n)
{
	return fz_lint("sequences/fz.yaml", d, n);
}

static int
fz_autom(const uint8_t *d, size_t n)
{
	return fz_lint("automations/fz.yaml", d, n);
}

/* drip.yaml */
static int
fz_config(const uint8_t *d, size_t n)
{
	struct arena a = ARENA_INIT;
	struct config cfg;
	struct drip_err e;
	int rc;

	rc = config_load(&a, fz_file("drip.yaml", d, n), &cfg, &e);
	if (rc == 0)
		config_release(&cfg);
	arena_release(&a);
	return rc < 0 ? -1 : 0;
}

/* Any CSV file, read row by row as every table of drip is. */
static int
fz_csv(const uint8_t *d, size_t n)
{
	struct csvio_reader *r;
	struct csvio_row row;
	struct drip_err e;
	int rc;

	if (csvio_open_mem("fz.csv", (const char *)d, n, &r, &e) < 0)
		return -1;
	while ((rc = csvio_next(r, &row, &e)) > 0)
		;
	csvio_close(r);
	return rc < 0 ? -1 : 0;
}

static int
fz_expr(const uint8_t *d, size_t n)
{
	struct arena a = ARENA_INIT;
	struct expr *x;
	struct expr_err e;
	char *s = fz_cstr(d, n);
	int rc = expr_parse(&a, s, &x, &e);

	free(s);
	arena_release(&a);
	return rc < 0 ? -1 : 0;
}

static int
fz_tmpl(const uint8_t *d, size_t n)
{
	struct arena a = ARENA_INIT;
	struct tmpl *t;
	struct drip_err e;
	int rc = tmpl_parse(&a, "fz.eml", (const char *)d, n, &t, &e);

	arena_release(&a);
	return rc < 0 ? -1 : 0;
}

/* A duration, and its text written back, which must read back the same. */
static int
fz_dur(const uint8_t *d, size_t n)
{
	struct dur v, back;
	char why[256], text[DUR_TEXT_MAX], words[DUR_WORDS_MAX];
	char *s = fz_cstr(d, n);
	int rc = dur_parse(s, 1, &v, why, sizeof why);

	free(s);
	if (rc < 0)
		return -1;
	dur_format(&v, text, sizeof text);
	dur_words(&v, words, sizeof words);
	if (dur_parse(text, 1, &back, why, sizeof why) < 0 || back.months != v.months ||
	    back.days != v.days || back.secs != v.secs / 60 * 60)
		abort();	/* dur_format wrote what dur_parse refuses */
	return 0;
}

/* A time, in UTC and in a zone with DST; what it reads as formats and
 * reads back. */
static int
fz_time(const uint8_t *d, size_t n)
{
	static struct tz *ny;
	struct drip_err e;
	char why[256], buf[64];
	char *s = fz_cstr(d, n);
	int64_t t, back;
	int rc;

	if (ny == NULL && tz_load("America/New_York", &ny, &e) < 0)
		abort();
	rc = dtime_parse(s, ny, &t, why, sizeof why);
	free(s);
	if (rc < 0)
		return -1;
	dtime_format_utc(t, buf, sizeof buf);
	if (dtime_parse(buf, NULL, &back, why, sizeof why) < 0 || back != t)
		abort();	/* an accepted time that does not read back */
	return 0;
}

/* A signed link's token, against a fixed public key. */
static int
fz_token(const uint8_t *d, size_t n)
{
	static const unsigned char pk[32] = { 1, 2, 3 };
	struct token t;
	char *s = fz_cstr(d, n);
	int rc = token_verify(s, pk, 1795000000, &t);

	free(s);
	return rc < 0 ? -1 : 0;
}

/* Mail headers: an address list as a header, encoded words and
 * quoted-printable decoding, a bare address check. */
static int
fz_mail(const uint8_t *d, size_t n)
{
	struct sbuf out = SBUF_INIT;
	struct arena a = ARENA_INIT;
	const char *reason;
	char why[256];
	char *s = fz_cstr(d, n);
	int rc;

	rc = mail_address_header(&out, "To", s, why, sizeof why);
	sbuf_reset(&out);
	(void)mail_decode_words(s, &out);
	sbuf_reset(&out);
	(void)mail_qp_decode((const char *)d, n, &out);
	(void)mail_addr_check((const char *)d, n, &reason);
	(void)mail_domain(&a, s);
	sbuf_release(&out);
	arena_release(&a);
	free(s);
	return rc < 0 ? -1 : 0;
}

/* Rows of the state files: each row of a CSV as an enrollment (a shard of
 * state/enrollments/) and as an automation run (state/runs.csv); a row
 * either parses is refused, and what parses is written back as a row that
 * parses to the same thing. */
static int
fz_state(const uint8_t *d, size_t n)
{
	struct arena a = ARENA_INIT;
	struct csvio_reader *r;
	struct csvio_row row;
	struct drip_err e;
	struct sbuf out = SBUF_INIT;
	int rc, good = 0;

	if (csvio_open_mem("fz.csv", (const char *)d, n, &r, &e) < 0)
		return -1;
	while ((rc = csvio_next(r, &row, &e)) > 0) {
		struct csvio_reader *back;
		struct csvio_row brow;
		struct enr en, en2;
		struct arun ar, ar2;

		if (state_enr_parse(&a, (const char *const *)row.f, row.n, "fz.csv", row.line,
				    &en, &e) == 0) {
			good++;
			sbuf_reset(&out);
			sbuf_adds(&out, STATE_ENR_HEADER);
			state_enr_format(&out, &en);
			if (csvio_open_mem("back.csv", out.buf, out.len, &back, &e) < 0 ||
			    csvio_next(back, &brow, &e) != 1 ||
			    state_enr_parse(&a, (const char *const *)brow.f, brow.n, "back.csv", 2,
					    &en2, &e) < 0 || state_enr_cmp(&en, &en2) != 0 ||
			    en.status != en2.status || strcmp(en.step, en2.step) != 0 ||
			    en.entered != en2.entered || en.hold != en2.hold)
				abort();	/* a row written that does not read back */
			csvio_close(back);
		}
		if (state_run_parse(&a, (const char *const *)row.f, row.n, "fz.csv", row.line,
				    &ar, &e) == 0) {
			good++;
			sbuf_reset(&out);
			sbuf_adds(&out, STATE_RUN_HEADER);
			state_run_format(&out, &ar);
			if (csvio_open_mem("back.csv", out.buf, out.len, &back, &e) < 0 ||
			    csvio_next(back, &brow, &e) != 1 ||
			    state_run_parse(&a, (const char *const *)brow.f, brow.n, "back.csv", 2,
					    &ar2, &e) < 0 || state_run_cmp(&ar, &ar2) != 0 ||
			    ar.status != ar2.status || ar.next != ar2.next || ar.due != ar2.due)
				abort();
			csvio_close(back);
		}
	}
	csvio_close(r);
	sbuf_release(&out);
	arena_release(&a);
	return rc < 0 || good == 0 ? -1 : 0;
}

/* An event file in inbox/, as tick reads it (SPEC §4.5). */
static int
fz_events(const uint8_t *d, size_t n)
{
	struct arena a = ARENA_INIT;
	struct events ev;
	struct drip_err e;
	int rc;

	fz_file("inbox/fz.csv", d, n);
	rc = events_load(&a, fz_dir(), 1200, 1795000000 - 1200, 1795000000, &ev, &e);
	arena_release(&a);
	return rc < 0 ? -1 : 0;
}

/* Each field of a contact checked as contact import checks it. */
static int
fz_roster_row(void *ctx, const struct roster *r, const char *const *f, struct drip_err *err)
{
	struct arena *a = ctx;
	size_t i;

	(void)err;
	for (i = 0; i < roster_ncols(r); i++)
		(void)import_check_value(a, roster_colname(r, i), f[i]);
	return 0;
}

/* contacts.csv as every command reads it (roster.h): the header, rows in
 * id order or sorted on disk when they are not, two rows of one contact,
 * and a where expression on every row. */
static int
fz_roster(const uint8_t *d, size_t n)
{
	struct arena a = ARENA_INIT;
	struct roster_pick p;
	struct expr_err werr;
	struct drip_err e;
	int rc;

	fz_file("contacts.csv", d, n);
	memset(&p, 0, sizeof p);
	p.where = "id != \"\" or email ~ \"*@*\"";
	p.now = 1795000000;
	p.fn = fz_roster_row;
	p.ctx = &a;
	rc = roster_each(fz_dir(), &p, &werr, &e);
	arena_release(&a);
	return rc == 0 ? 0 : -1;
}

/* The input of `contact import`, merged into a small contacts.csv. */
static int
fz_import(const uint8_t *d, size_t n)
{
	static const char contacts[] = "id,email,first_name,status\n"
		"ann,ann@x.example,Ann,active\nbob,bob@x.example,Bob,\n";
	struct import_result res;
	struct drip_err e;
	const char *src;
	int rc;

	fz_file("contacts.csv", (const uint8_t *)contacts, sizeof contacts - 1);
	src = fz_file("import.csv", d, n);
	memset(&res, 0, sizeof res);
	rc = import_run(fz_dir(), src, NULL, "import.csv", &res, &e);
	if (res.tmp) {
		unlink(res.tmp);
		free(res.tmp);
	}
	return rc < 0 ? -1 : 0;
}

/* A protection record (protect/seq-ID.sig), and the check of a sequence
 * against it that lint and tick make. */
static int
fz_protect(const uint8_t *d, size_t n)
{
	static const char seq[] = "id: fz\nsteps:\n  - {id: a, type: exit}\n";
	struct arena a = ARENA_INIT;
	struct protect_rec r;
	struct drip_err e;
	int rc, line = 0;

	fz_file("protect/seq-fz.sig", d, n);
	rc = protect_load(&a, fz_dir(), PROTECT_SEQ, "fz", &r, &e);
	if (rc == 1) {
		if (protect_verify(&r, seq, sizeof seq - 1, &line) < 0 &&
		    (line < 1 || line > 3))
			abort();	/* a changed line outside the file */
		(void)protect_verify_pinned(&r, seq, sizeof seq - 1);
	}
	arena_release(&a);
	return rc < 0 ? -1 : 0;
}

/* The query string of a signed link as the respond CGI reads it, and the
 * token in it checked and named as its event. */
static int
fz_respond(const uint8_t *d, size_t n)
{
	static const unsigned char pk[32] = { 1, 2, 3 };
	struct arena a = ARENA_INIT;
	struct token t;
	const char *tok;
	char *s = fz_cstr(d, n);
	int rc = respond_query_token(&a, s, RESPOND_TEXT_MAX * 4, &tok);

	if (rc == 1) {
		(void)token_verify(tok, pk, 1795000000, &t);
		(void)respond_event_id(&a, tok);
	}
	free(s);
	arena_release(&a);
	return rc == 1 ? 0 : -1;
}

/* holidays.csv (drip.yaml schedule.holidays). */
static int
fz_holidays(const uint8_t *d, size_t n)
{
	struct arena a = ARENA_INIT;
	struct drip_err e;
	int64_t *days;
	size_t nd, i;
	int rc = sched_load_holidays(&a, fz_file("holidays.csv", d, n), &days, &nd, &e);

	for (i = 1; rc == 0 && i < nd; i++)
		if (days[i - 1] >= days[i])
			abort();	/* not sorted and de-duplicated */
	arena_release(&a);
	return rc < 0 ? -1 : 0;
}

/* tasks.csv as tick reads it for the tasks that are done. */
static int
fz_tasks(const uint8_t *d, size_t n)
{
	struct arena a = ARENA_INIT;
	struct done_tasks dt;
	struct drip_err e;
	int rc;

	fz_file("tasks.csv", d, n);
	rc = events_load_done(&a, fz_dir(), &dt, &e);
	arena_release(&a);
	return rc < 0 ? -1 : 0;
}

/* A month of the action log (log/YYYY-MM.csv) as the reports read it, in
 * a workspace of its own: the overview and the usage by day and week. */
static int
fz_log(const uint8_t *d, size_t n)
{
	static const char yaml[] = "name: Fuzz\ntimezone: America/New_York\n"
		"from: \"F <f@example.com>\"\nquota:\n  actions: 100\n  per: day\n";
	struct arena a = ARENA_INIT;
	struct report_opts o;
	struct config cfg;
	struct rtab_doc doc;
	struct drip_err e;
	char root[96];
	int rc;

	fz_file("logws/log/2026-11.csv", d, n);
	if (config_load(&a, fz_file("logws/drip.yaml", (const uint8_t *)yaml, sizeof yaml - 1),
			&cfg, &e) < 0)
		abort();
	snprintf(root, sizeof root, "%s/logws", fz_dir());
	o.root = root;
	o.cfg = &cfg;
	o.now = 1795000000;	/* 2026-11-18 */
	rc = report_overview(&a, &o, &doc, &e);
	if (rc == 0)
		rc = report_usage(&a, &o, REPORT_DAY, &doc, &e);
	if (rc == 0)
		rc = report_usage(&a, &o, REPORT_WEEK, &doc, &e);
	config_release(&cfg);
	arena_release(&a);
	return rc < 0 ? -1 : 0;
}

struct fz_target {
	const char *name;
	int (*fn)(const uint8_t *d, size_t n);
};

static const struct fz_target fz_targets[] = {
	{ "seq", fz_seq }, { "autom", fz_autom }, { "config", fz_config },
	{ "csv", fz_csv }, { "expr", fz_expr }, { "tmpl", fz_tmpl },
	{ "dur", fz_dur }, { "time", fz_time }, { "token", fz_token },
	{ "mail", fz_mail }, { "state", fz_state }, { "events", fz_events },
	{ "roster", fz_roster }, { "import", fz_import }, { "protect", fz_protect },
	{ "respond", fz_respond }, { "holidays", fz_holidays }, { "tasks", fz_tasks },
	{ "log", fz_log },
};
