/*
 * respond.c - judging a signed link and recording its answer (the contract
 * is in respond.h).
 *
 * Everything here reads files that tick may be rewriting at the same time;
 * tick replaces each of them atomically (rename), so every read sees one
 * whole version.  The order of the checks for an answer already given
 * matters: tick writes log/ before it commits and removes the applied inbox
 * files only after, so looking in inbox/ first and in log/ second never
 * misses an event that moves from one to the other in between.
 */
#include "respond.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "csvio.h"
#include "dtime.h"
#include "err.h"
#include "fsio.h"
#include "inbox.h"
#include "pub.h"
#include "sbuf.h"
#include "state.h"
#include "ws.h"

/* Bytes of BLAKE2b in a response event's name: 32 hex digits, so two
 * tokens never share a file. */
#define RESPOND_HASH_BYTES 16
/* Bytes read from a log file at a time while looking for an event. */
#define SCAN_CHUNK 65536

const char *
respond_event_id(struct arena *a, const char *s)
{
	unsigned char h[RESPOND_HASH_BYTES];
	char hex[2 * RESPOND_HASH_BYTES + 1];

	/* A key of its own keeps these hashes apart from every other BLAKE2b
	 * drip computes. */
	crypto_generichash(h, sizeof h, (const unsigned char *)s, strlen(s),
			   (const unsigned char *)"drip-respond-v1", 15);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	return arena_printf(a, "response-%s", hex);
}

/* Is needle (nl > 0 bytes) in hay[0..n)? */
static int
has_bytes(const char *hay, size_t n, const char *needle, size_t nl)
{
	const char *p = hay, *end = hay + n;

	while ((size_t)(end - p) >= nl && (p = memchr(p, needle[0], (size_t)(end - p) - nl + 1))) {
		if (memcmp(p, needle, nl) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* Does the file at path contain needle (shorter than SCAN_CHUNK)?  1, 0, or
 * -1 with err.  Read in chunks that overlap by the needle's length, so
 * memory stays small whatever the size of the log. */
static int
file_contains(const char *path, const char *needle, struct drip_err *err)
{
	size_t nl = strlen(needle), have = 0;
	char *buf = malloc(SCAN_CHUNK + nl);
	FILE *f = fopen(path, "r");
	int found = 0;

	if (buf == NULL || f == NULL) {
		free(buf);
		if (f)
			fclose(f);
		if (errno == ENOENT)
			return 0;
		return err_sys(err, DRIP_EFAIL, path, "cannot read");
	}
	for (;;) {
		size_t n = fread(buf + have, 1, SCAN_CHUNK, f);

		if (n == 0)
			break;
		have += n;
		if (has_bytes(buf, have, needle, nl)) {
			found = 1;
			break;
		}
		if (have >= nl) {
			memmove(buf, buf + have - (nl - 1), nl - 1);
			have = nl - 1;
		}
	}
	if (!found && ferror(f)) {
		err_sys(err, DRIP_EFAIL, path, "cannot read");
		found = -1;
	}
	fclose(f);
	free(buf);
	return found;
}

/* Has tick applied event id?  Its log rows name it as their ref, in a
 * month no earlier than since's: the token was made after the contact
 * entered its step, the event recorded after that. */
static int
logged(const char *root, const char *id, int64_t since, struct drip_err *err)
{
	char *dir = fsio_join(root, "log"), stamp[32], first[16], *needle;
	struct dirent *e;
	DIR *d = opendir(dir);
	int found = 0;

	if (d == NULL) {
		int missing = errno == ENOENT;

		free(dir);
		return missing ? 0 : err_sys(err, DRIP_EFAIL, "log", "cannot read");
	}
	dtime_format_utc(since, stamp, sizeof stamp);
	snprintf(first, sizeof first, "%.7s.csv", stamp);
	needle = malloc(strlen(id) + 3);
	if (needle == NULL) {
		closedir(d);
		free(dir);
		return err_set(err, DRIP_EFAIL, NULL, 0, 0, "out of memory");
	}
	sprintf(needle, ",%s,", id);
	while (found == 0 && (e = readdir(d)) != NULL) {
		char *path;

		/* log/YYYY-MM.csv, from the month of since on. */
		if (strlen(e->d_name) != 11 || e->d_name[0] == '.' ||
		    strcmp(e->d_name + 7, ".csv") != 0 || strcmp(e->d_name, first) < 0)
			continue;
		path = fsio_join(dir, e->d_name);
		found = file_contains(path, needle, err);
		free(path);
	}
	closedir(d);
	free(needle);
	free(dir);
	return found;
}

/* The contact's enrollment in seq, or NULL: the live one when there is
 * one, else any (ended). */
static const struct enr *
find_enr(const struct enr *rows, size_t n, const char *contact, const char *seq)
{
	const struct enr *hit = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].contact, contact) != 0 || strcmp(rows[i].sequence, seq) != 0)
			continue;
		if (!enr_ended(rows[i].status))
			return &rows[i];
		hit = &rows[i];
	}
	return hit;
}

/*
 * Is contact id in contacts.csv, and is it unsubscribed?  1, 0, or -1 with
 * err.  A plain scan in file order: a web server's user must never need to
 * write anything but inbox/, and sorting a file someone appended to by hand
 * (roster_sort) would write under .drip/.
 */
static int
find_contact(const char *root, const char *id, int *unsubscribed, struct drip_err *err)
{
	struct csvio_reader *r;
	struct csvio_row row;
	char *path = fsio_join(root, "contacts.csv");
	long idc, uc;
	int rc;

	*unsubscribed = 0;
	rc = csvio_open(path, &r, err);
	free(path);
	if (rc < 0) {
		snprintf(err->file, sizeof err->file, "contacts.csv");
		return -1;
	}
	idc = csvio_col(r, "id");
	uc = csvio_col(r, "unsubscribed");
	if (idc < 0) {
		csvio_close(r);
		return err_set(err, DRIP_EDATA, "contacts.csv", 1, 0, "no id column");
	}
	while ((rc = csvio_next(r, &row, err)) == 1) {
		if (strcmp(row.f[idc], id) == 0) {
			*unsubscribed = uc >= 0 && strcmp(row.f[uc], "true") == 0;
			break;
		}
	}
	csvio_close(r);
	if (rc < 0)
		snprintf(err->file, sizeof err->file, "contacts.csv");
	return rc;
}

static int
invalid(struct respond *out, const char *why)
{
	memset(&out->tok, 0, sizeof out->tok);
	out->outcome = RESPOND_INVALID;
	out->why = why;
	out->event_id = NULL;
	return 0;
}

int
respond_check(struct arena *a, const char *root, const unsigned char pk[32], const char *s,
	      int64_t now, struct respond *out, struct drip_err *err)
{
	const struct token *t = &out->tok;
	struct csvio_table pt;
	const struct enr *e, *rows;
	size_t n;
	int rc, unsubscribed;

	memset(out, 0, sizeof *out);
	switch (token_verify(s, pk, now, &out->tok)) {
	case TOKEN_OK:
		break;
	case TOKEN_EXPIRED:
		out->outcome = RESPOND_EXPIRED;
		return 0;
	default:
		return invalid(out, "not a link of this workspace");
	}
	/* Signed by us, so these hold unless the key leaked; a file name is
	 * still never made of an unchecked id. */
	if (!ws_valid_contact_id(t->contact) ||
	    (*t->sequence && !ws_valid_id(t->sequence)) || (*t->step && !ws_valid_id(t->step)))
		return invalid(out, "malformed ids");
	if (t->answer != TOKEN_UNSUBSCRIBE && (!*t->sequence || !*t->step))
		return invalid(out, "an answer without a sequence and step");

	if ((rc = find_contact(root, t->contact, &unsubscribed, err)) < 0)
		return -1;
	if (rc == 0)
		return invalid(out, arena_printf(a, "unknown contact '%s'", t->contact));
	if (*t->sequence) {
		if (pub_load_state(a, root, &pt, err) < 0)
			return -1;
		if (pub_find(&pt, t->sequence) < 0)
			return invalid(out, arena_printf(a, "unknown sequence '%s'", t->sequence));
	}

	out->outcome = RESPOND_ACCEPTED;
	out->event_id = respond_event_id(a, s);
	if (inbox_has(root, out->event_id)) {
		out->already = 1;
		return 0;
	}
	if (t->answer == TOKEN_UNSUBSCRIBE) {
		/* Again, and as often as wanted, while nobody subscribed the
		 * contact again; after that, the old link works again. */
		out->already = unsubscribed;
		return 0;
	}
	if ((rc = logged(root, out->event_id, t->entered, err)) != 0) {
		if (rc < 0)
			return -1;
		out->already = 1;
		return 0;
	}
	if (state_load_shard(a, root, state_shard(t->contact), (struct enr **)&rows, &n, err) < 0)
		return -1;
	e = find_enr(rows, n, t->contact, t->sequence);
	if (e == NULL || enr_ended(e->status) || strcmp(e->step, t->step) != 0 ||
	    e->entered != t->entered) {
		out->outcome = RESPOND_MOVED_ON;
		out->event_id = NULL;
	}
	return 0;
}

int
respond_record(const char *root, struct respond *r, int64_t now, struct drip_err *err)
{
	struct inbox_event ev;
	struct sbuf data = SBUF_INIT;
	const char *answer = token_answer_name(r->tok.answer);
	int rc;

	if (r->outcome != RESPOND_ACCEPTED || r->already || r->event_id == NULL)
		return 0;
	sbuf_adds(&data, "answer=");
	inbox_encode(&data, answer, strlen(answer));
	if (*r->tok.step) {
		sbuf_adds(&data, "&step=");
		inbox_encode(&data, r->tok.step, strlen(r->tok.step));
	}
	ev.time = now;
	ev.contact = r->tok.contact;
	ev.name = "response";
	ev.sequence = r->tok.sequence;
	ev.data = sbuf_str(&data);
	rc = inbox_write(root, r->event_id, &ev, err);
	if (rc == 1)
		r->already = 1;
	sbuf_release(&data);
	return rc < 0 ? -1 : 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX and '+' decoded copy of s[0..n) in a, or NULL when it would hold a
 * NUL byte (which would hide what follows it). */
static char *
url_decode(struct arena *a, const char *s, size_t n)
{
	char *v = arena_alloc(a, n + 1), *w = v;
	size_t i;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			if (hi == 0 && lo == 0)
				return NULL;
			*w++ = (char)(hi << 4 | lo);
			i += 2;
		} else {
			*w++ = s[i] == '+' ? ' ' : s[i];
		}
	}
	*w = '\0';
	return v;
}

int
respond_query_token(struct arena *a, const char *qs, size_t max, const char **out)
{
	const char *p = qs ? qs : "", *found = NULL;
	size_t flen = 0;

	*out = NULL;
	if (strlen(p) > max)
		return 0;
	while (*p) {
		size_t n = strcspn(p, "&;");

		if (n >= 2 && p[0] == 't' && p[1] == '=') {
			if (found)
				return 0;	/* two answers in one link: neither */
			found = p + 2;
			flen = n - 2;
		}
		p += n;
		if (*p)
			p++;
	}
	if (found == NULL)
		return 0;
	*out = url_decode(a, found, flen);
	return *out != NULL;
}
