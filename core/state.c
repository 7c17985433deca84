/*
 * state.c - enrollment rows, their shard files, and the tick clock.
 */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "csvio.h"
#include "dtime.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "tz.h"
#include "ws.h"

const char *const enr_status_names[ENR_STATUS_COUNT] = {
	[ENR_ACTIVE] = "active",
	[ENR_PAUSED] = "paused",
	[ENR_WAITING] = "waiting",
	[ENR_DONE] = "done",
	[ENR_EXITED] = "exited",
	[ENR_REMOVED] = "removed",
	[ENR_STOPPED] = "stopped",
};

const char *const arun_status_names[RUN_STATUS_COUNT] = {
	[RUN_RUNNING] = "running",
	[RUN_REVIEW] = "review",
	[RUN_APPROVED] = "approved",
	[RUN_REJECTED] = "rejected",
	[RUN_DONE] = "done",
	[RUN_STOPPED] = "stopped",
};

int
arun_ended(enum arun_status s)
{
	return s == RUN_DONE || s == RUN_STOPPED;
}

int
enr_ended(enum enr_status s)
{
	return s == ENR_DONE || s == ENR_EXITED || s == ENR_REMOVED || s == ENR_STOPPED;
}

unsigned
state_shard(const char *contact)
{
	unsigned char h[8];
	uint64_t v = 0;
	int i;

	crypto_generichash(h, sizeof h, (const unsigned char *)contact, strlen(contact),
			   NULL, 0);
	for (i = 7; i >= 0; i--)
		v = v << 8 | h[i];
	return (unsigned)(v % STATE_SHARDS);
}

void
state_shard_path(unsigned shard, char *buf, size_t n)
{
	snprintf(buf, n, "state/enrollments/%02u.csv", shard);
}

int
state_parse_time(const char *s, int64_t *out)
{
	char why[128];

	if (*s == '\0') {
		*out = STATE_NONE;
		return 0;
	}
	/* Only the canonical form drip writes, "2026-11-24T10:20:00Z".  Read
	 * by hand when every character is where it belongs (tick reads five
	 * per row); anything else goes through the full parser, which checks
	 * and explains. */
	if (strlen(s) != 20 || s[19] != 'Z')
		return -1;
	{
		static const unsigned char digit[14] = { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18 };
		int i = 0, y, mo, d, h, mi, se;

		if (s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':')
			for (i = 0; i < 14 && (unsigned)(s[digit[i]] - '0') <= 9; i++)
				;
		if (i == 14) {
			y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
			mo = (s[5] - '0') * 10 + (s[6] - '0');
			d = (s[8] - '0') * 10 + (s[9] - '0');
			h = (s[11] - '0') * 10 + (s[12] - '0');
			mi = (s[14] - '0') * 10 + (s[15] - '0');
			se = (s[17] - '0') * 10 + (s[18] - '0');
			if (mo >= 1 && mo <= 12 && d >= 1 && d <= cal_days_in_month(y, mo) &&
			    h <= 23 && mi <= 59 && se <= 59) {
				*out = cal_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
				return 0;
			}
		}
	}
	return dtime_parse(s, NULL, out, why, sizeof why);
}

static void
fmt_time(struct sbuf *out, int64_t t)
{
	char buf[32];

	if (t == STATE_NONE)
		return;
	dtime_format_utc(t, buf, sizeof buf);
	sbuf_adds(out, buf);
}

int
state_enr_parse(struct arena *a, const char *const *f, size_t nf, const char *file,
		long line, struct enr *e, struct drip_err *err)
{
	static const char *const cols[] = {
		"contact", "sequence", "version", "status", "step", "entered", "base",
		"enrolled", "paused", "task", "hold", "sent_day", "sent",
	};
	char *end;
	size_t i;
	int k;

	if (nf != STATE_ENR_COLS)
		return err_set(err, DRIP_EDATA, file, (int)line, 0,
			       "expected %d fields, found %zu", STATE_ENR_COLS, nf);
	if (!ws_valid_contact_id(f[0]))
		return err_set(err, DRIP_EDATA, file, (int)line, 0, "invalid contact id \"%s\"", f[0]);
	if (!ws_valid_id(f[1]))
		return err_set(err, DRIP_EDATA, file, (int)line, 0, "invalid sequence id \"%s\"", f[1]);
	e->contact = arena_strdup(a, f[0]);
	e->sequence = arena_strdup(a, f[1]);
	e->version = strtol(f[2], &end, 10);
	if (*f[2] == '\0' || *end != '\0' || e->version < 1)
		return err_set(err, DRIP_EDATA, file, (int)line, 0, "bad version \"%s\"", f[2]);
	for (k = 0; k < ENR_STATUS_COUNT; k++)
		if (strcmp(f[3], enr_status_names[k]) == 0)
			break;
	if (k == ENR_STATUS_COUNT)
		return err_set(err, DRIP_EDATA, file, (int)line, 0, "unknown status \"%s\"", f[3]);
	e->status = (enum enr_status)k;
	if (*f[4] && !ws_valid_id(f[4]))
		return err_set(err, DRIP_EDATA, file, (int)line, 0, "invalid step id \"%s\"", f[4]);
	e->step = arena_strdup(a, f[4]);
	for (i = 5; i <= 8; i++) {
		int64_t *dst = i == 5 ? &e->entered : i == 6 ? &e->base :
			       i == 7 ? &e->enrolled : &e->paused;

		if (state_parse_time(f[i], dst) < 0)
			return err_set(err, DRIP_EDATA, file, (int)line, 0,
				       "bad time in column %s: \"%s\"", cols[i], f[i]);
	}
	if (e->enrolled == STATE_NONE || e->base == STATE_NONE || e->entered == STATE_NONE)
		return err_set(err, DRIP_EDATA, file, (int)line, 0,
			       "entered, base and enrolled must be set");
	e->task = arena_strdup(a, f[9]);
	if (state_parse_time(f[10], &e->hold) < 0)
		return err_set(err, DRIP_EDATA, file, (int)line, 0,
			       "bad time in column %s: \"%s\"", cols[10], f[10]);
	if (*f[11] && (strlen(f[11]) != 10 || f[11][4] != '-' || f[11][7] != '-'))
		return err_set(err, DRIP_EDATA, file, (int)line, 0,
			       "bad day in column sent_day: \"%s\"", f[11]);
	e->sent_day = arena_strdup(a, f[11]);
	e->sent = (int)strtol(f[12], &end, 10);
	if (*end != '\0' || e->sent < 0 || (*f[12] == '\0' && *f[11]))
		return err_set(err, DRIP_EDATA, file, (int)line, 0,
			       "bad count in column sent: \"%s\"", f[12]);
	return 0;
}

/* v in decimal, as "%ld" writes it: tick formats a version for every
 * row it writes, and snprintf is slow for that. */
static void
fmt_long(char buf[24], long v)
{
	char tmp[24];
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	size_t n = 0, i = 0;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		buf[i++] = '-';
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
}

void
state_enr_format(struct sbuf *out, const struct enr *e)
{
	const char *f[STATE_ENR_COLS];
	char ver[24], tm[5][32], sent[24] = "";
	int i;
	int64_t times[5] = { e->entered, e->base, e->enrolled, e->paused, e->hold };

	fmt_long(ver, e->version);
	for (i = 0; i < 5; i++) {
		if (times[i] == STATE_NONE)
			tm[i][0] = '\0';
		else
			dtime_format_utc(times[i], tm[i], sizeof tm[i]);
	}
	f[0] = e->contact;
	f[1] = e->sequence;
	f[2] = ver;
	f[3] = enr_status_names[e->status];
	f[4] = e->step;
	f[5] = tm[0];
	f[6] = tm[1];
	f[7] = tm[2];
	f[8] = tm[3];
	f[9] = e->task ? e->task : "";
	f[10] = tm[4];
	f[11] = e->sent_day ? e->sent_day : "";
	if (f[11][0])
		fmt_long(sent, e->sent);
	f[12] = sent;
	csvio_format_row(out, f, STATE_ENR_COLS);
}

int
state_enr_cmp(const struct enr *a, const struct enr *b)
{
	int c = strcmp(a->contact, b->contact);

	return c ? c : strcmp(a->sequence, b->sequence);
}

static int
cmp_enr(const void *a, const void *b)
{
	return state_enr_cmp(a, b);
}

/*
 * Read the state file rel (missing: no rows) whose header is `header`
 * (ncols columns, "contact" first), parsing each row with parse into an
 * array of elements of size bytes.
 */
static int
load_rows(struct arena *a, const char *root, const char *rel, const char *header,
	  size_t ncols, int (*parse)(struct arena *a, const char *const *f, size_t nf,
				     const char *file, long line, void *out,
				     struct drip_err *err),
	  size_t size, void **out, size_t *n, struct drip_err *err)
{
	struct csvio_reader *r;
	struct csvio_row row;
	char *path = fsio_join(root, rel);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!fsio_exists(path)) {
		free(path);
		return 0;
	}
	rc = csvio_open(path, &r, err);
	free(path);
	if (rc < 0)
		return -1;
	if (csvio_ncols(r) != ncols || strcmp(csvio_colname(r, 0), "contact") != 0) {
		csvio_close(r);
		return err_set(err, DRIP_EDATA, rel, 1, 0, "header must be %.*s",
			       (int)strlen(header) - 1, header);
	}
	while ((rc = csvio_next(r, &row, err)) == 1) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;

			*out = arena_grow(a, *out, *n, nc, size);
			cap = nc;
		}
		if (parse(a, row.f, row.n, rel, row.line, (char *)*out + *n * size, err) < 0) {
			rc = -1;
			break;
		}
		(*n)++;
	}
	csvio_close(r);
	if (rc < 0) {
		snprintf(err->file, sizeof err->file, "%s", rel);
		return -1;
	}
	return 0;
}

static int
parse_enr(struct arena *a, const char *const *f, size_t nf, const char *file, long line,
	  void *out, struct drip_err *err)
{
	return state_enr_parse(a, f, nf, file, line, out, err);
}

int
state_load_shard(struct arena *a, const char *root, unsigned shard, struct enr **out,
		 size_t *n, struct drip_err *err)
{
	char rel[64];
	void *v;
	int rc;

	state_shard_path(shard, rel, sizeof rel);
	rc = load_rows(a, root, rel, STATE_ENR_HEADER, STATE_ENR_COLS, parse_enr, sizeof **out,
		       &v, n, err);
	*out = v;
	return rc;
}

void
state_format_shard(struct enr *rows, size_t n, struct sbuf *out)
{
	size_t i;

	if (n > 1)
		qsort(rows, n, sizeof *rows, cmp_enr);
	sbuf_adds(out, STATE_ENR_HEADER);
	for (i = 0; i < n; i++)
		state_enr_format(out, &rows[i]);
}

int
state_read_clock(const char *root, int64_t *slot, struct drip_err *err)
{
	return state_read_clock_file(root, STATE_CLOCK, slot, err);
}

int
state_read_clock_file(const char *root, const char *rel, int64_t *slot, struct drip_err *err)
{
	struct csvio_reader *r;
	struct csvio_row row;
	char *path = fsio_join(root, rel);
	int rc;

	if (!fsio_exists(path)) {
		free(path);
		return 1;
	}
	rc = csvio_open(path, &r, err);
	free(path);
	if (rc < 0)
		return -1;
	rc = csvio_next(r, &row, err);
	if (rc == 1 && (csvio_ncols(r) != 1 || strcmp(csvio_colname(r, 0), "last_slot") != 0 ||
			state_parse_time(row.f[0], slot) < 0 || *slot == STATE_NONE))
		rc = err_set(err, DRIP_EDATA, rel, (int)row.line, 0,
			     "expected last_slot and one UTC time like 2026-11-24T10:20:00Z");
	csvio_close(r);
	if (rc == 0)
		return 1;
	return rc < 0 ? -1 : 0;
}

void
state_format_clock(int64_t slot, struct sbuf *out)
{
	sbuf_adds(out, "last_slot\n");
	fmt_time(out, slot);
	sbuf_addc(out, '\n');
}

/* ---- sequence automation runs ---- */

int
state_run_parse(struct arena *a, const char *const *f, size_t nf, const char *file,
		long line, struct arun *r, struct drip_err *err)
{
	char *end;
	long v;
	int k;

	if (nf != STATE_RUN_COLS)
		return err_set(err, DRIP_EDATA, file, (int)line, 0,
			       "expected %d fields, found %zu", STATE_RUN_COLS, nf);
	if (!ws_valid_contact_id(f[0]))
		return err_set(err, DRIP_EDATA, file, (int)line, 0, "invalid contact id \"%s\"", f[0]);
	if (!ws_valid_id(f[1]))
		return err_set(err, DRIP_EDATA, file, (int)line, 0,
			       "invalid automation id \"%s\"", f[1]);
	if (*f[2] && !ws_valid_id(f[2]))
		return err_set(err, DRIP_EDATA, file, (int)line, 0, "invalid sequence id \"%s\"", f[2]);
	for (k = 0; k < RUN_STATUS_COUNT; k++)
		if (strcmp(f[3], arun_status_names[k]) == 0)
			break;
	if (k == RUN_STATUS_COUNT)
		return err_set(err, DRIP_EDATA, file, (int)line, 0, "unknown status \"%s\"", f[3]);
	r->status = (enum arun_status)k;
	if (state_parse_time(f[4], &r->started) < 0 || r->started == STATE_NONE)
		return err_set(err, DRIP_EDATA, file, (int)line, 0,
			       "bad time in column started: \"%s\"", f[4]);
	v = strtol(f[5], &end, 10);
	if (*f[5] == '\0' || *end != '\0' || v < 0 || v > 100000)
		return err_set(err, DRIP_EDATA, file, (int)line, 0, "bad action index \"%s\"", f[5]);
	r->next = (int)v;
	if (state_parse_time(f[6], &r->due) < 0 || (r->due == STATE_NONE && !arun_ended(r->status)))
		return err_set(err, DRIP_EDATA, file, (int)line, 0,
			       "bad time in column due: \"%s\"", f[6]);
	if (strcmp(f[7], "0") != 0 && strcmp(f[7], "1") != 0)
		return err_set(err, DRIP_EDATA, file, (int)line, 0,
			       "bad value in column cond: \"%s\" (0 or 1)", f[7]);
	r->cond = f[7][0] == '1';
	r->contact = arena_strdup(a, f[0]);
	r->automation = arena_strdup(a, f[1]);
	r->sequence = arena_strdup(a, f[2]);
	return 0;
}

void
state_run_format(struct sbuf *out, const struct arun *r)
{
	const char *f[STATE_RUN_COLS];
	char started[32], next[24], due[32] = "";

	dtime_format_utc(r->started, started, sizeof started);
	snprintf(next, sizeof next, "%d", r->next);
	if (r->due != STATE_NONE)
		dtime_format_utc(r->due, due, sizeof due);
	f[0] = r->contact;
	f[1] = r->automation;
	f[2] = r->sequence;
	f[3] = arun_status_names[r->status];
	f[4] = started;
	f[5] = next;
	f[6] = due;
	f[7] = r->cond ? "1" : "0";
	csvio_format_row(out, f, STATE_RUN_COLS);
}

int
state_run_cmp(const struct arun *a, const struct arun *b)
{
	int c = strcmp(a->contact, b->contact);

	return c ? c : strcmp(a->automation, b->automation);
}

static int
cmp_run(const void *a, const void *b)
{
	return state_run_cmp(a, b);
}

void
state_run_review_id(const struct arun *r, char buf[11])
{
	static const char hex[] = "0123456789abcdef";
	crypto_generichash_state st;
	unsigned char h[16];
	char num[48];
	int i;

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)r->contact, strlen(r->contact) + 1);
	crypto_generichash_update(&st, (const unsigned char *)r->automation,
				  strlen(r->automation) + 1);
	snprintf(num, sizeof num, "%lld", (long long)r->started);
	crypto_generichash_update(&st, (const unsigned char *)num, strlen(num) + 1);
	snprintf(num, sizeof num, "%d", r->next);
	crypto_generichash_update(&st, (const unsigned char *)num, strlen(num));
	crypto_generichash_final(&st, h, sizeof h);
	for (i = 0; i < 5; i++) {
		buf[2 * i] = hex[h[i] >> 4];
		buf[2 * i + 1] = hex[h[i] & 15];
	}
	buf[10] = '\0';
}

static int
parse_run(struct arena *a, const char *const *f, size_t nf, const char *file, long line,
	  void *out, struct drip_err *err)
{
	return state_run_parse(a, f, nf, file, line, out, err);
}

int
state_load_runs(struct arena *a, const char *root, struct arun **out, size_t *n,
		struct drip_err *err)
{
	void *v;
	int rc = load_rows(a, root, STATE_RUNS, STATE_RUN_HEADER, STATE_RUN_COLS, parse_run,
			   sizeof **out, &v, n, err);

	*out = v;
	return rc;
}

void
state_format_runs(struct arun *rows, size_t n, struct sbuf *out)
{
	size_t i;

	if (n > 1)
		qsort(rows, n, sizeof *rows, cmp_run);
	sbuf_adds(out, STATE_RUN_HEADER);
	for (i = 0; i < n; i++)
		state_run_format(out, &rows[i]);
}
