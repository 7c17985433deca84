/*
 * import.c - contacts merged into contacts.csv, streamed (see import.h).
 */
#include "import.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "csvio.h"
#include "csvsort.h"
#include "err.h"
#include "fsio.h"
#include "mail.h"
#include "roster.h"
#include "sbuf.h"
#include "tz.h"
#include "ws.h"

#define LINE_COL ".drip-line"

static const char *
check_email(struct arena *a, const char *v)
{
	const char *reason;

	/* An empty value is allowed: the column is required, its value is
	 * not, and a contact without one (reached by SMS only) is skipped
	 * by email steps.  The rule is mail_addr_check's, which the engine
	 * applies again before it sends to an address edited by hand. */
	if (*v == '\0' || mail_addr_check(v, strlen(v), &reason) == 0)
		return NULL;
	return arena_printf(a, "not an email address drip can send to: it %s", reason);
}

const char *
import_shown(struct arena *a, const char *v)
{
	char *s = arena_strdup(a, v), *p;

	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

const char *
import_check_value(struct arena *a, const char *col, const char *v)
{
	static const char *const meaningful[] = {
		"email", "first_name", "last_name", "phone", "timezone", "status",
		"unsubscribed", "bounced", "owner", "tags", "sites", "opportunities",
	};
	const char *p;
	size_t i;

	if (strcmp(col, "email") == 0)
		return check_email(a, v);
	for (i = 0; i < sizeof meaningful / sizeof *meaningful; i++)
		if (strcmp(col, meaningful[i]) == 0)
			break;
	if (i < sizeof meaningful / sizeof *meaningful)
		for (p = v; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return "control characters are not allowed here";
	if (strcmp(col, "id") == 0 && !ws_valid_contact_id(v))
		return "a contact id is 1 to 128 of A-Z, a-z, 0-9, '.', '_', '@', '+' and '-', "
		       "starting with a letter or digit";
	if (strcmp(col, "status") == 0 && *v && strcmp(v, "active") != 0 &&
	    strcmp(v, "inactive") != 0 && strcmp(v, "archived") != 0)
		return "status must be active, inactive or archived";
	if ((strcmp(col, "unsubscribed") == 0 || strcmp(col, "bounced") == 0) && *v &&
	    strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
		return strcmp(col, "bounced") == 0 ? "bounced must be true or false" :
						      "unsubscribed must be true or false";
	if (strcmp(col, "timezone") == 0 && *v) {
		struct tz *z;
		struct drip_err e;

		if (tz_load(v, &z, &e) < 0)
			return arena_strdup(a, e.msg);
		tz_free(z);
	}
	return NULL;
}

static char *
tmp_in(const char *root, const char *what)
{
	char *dir = fsio_join(root, ".drip");
	size_t n = strlen(dir) + strlen(what) + 48;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/.%s.tmp-%ld", dir, what, (long)getpid());
	free(dir);
	return p;
}

/* Copy the stream in to path. */
static int
spool(FILE *in, const char *path, const char *name, struct drip_err *err)
{
	FILE *f = fopen(path, "we");
	char buf[65536];
	size_t n;
	int rc = 0;

	if (f == NULL)
		return err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, f);
	if (ferror(in))
		rc = err_sys(err, DRIP_EFAIL, name, "cannot read");
	if (fclose(f) != 0 && rc == 0)
		rc = err_sys(err, DRIP_EFAIL, NULL, "cannot write '%s'", path);
	return rc;
}

/* The first pass over the input: its CSV errors (any line) before a
 * missing id column before its first bad value. */
static int
check_input(const char *src, const char *name, struct drip_err *err)
{
	struct arena a = ARENA_INIT;
	struct csvio_reader *r = NULL;
	struct csvio_row row;
	struct drip_err bad;
	size_t j, n = 0;
	int rc = -1, k, have_bad = 0;

	if (csvio_open(src, &r, err) < 0)
		goto named;
	while ((k = csvio_next(r, &row, err)) == 1) {
		if (have_bad)
			continue;
		for (j = 0; j < row.n; j++) {
			const char *why = import_check_value(&a, csvio_colname(r, j), row.f[j]);

			if (why) {
				err_set(&bad, DRIP_EDATA, name, (int)row.line, 0, "%s \"%s\": %s",
					csvio_colname(r, j), import_shown(&a, row.f[j]), why);
				have_bad = 1;
				break;
			}
		}
		if (++n % 4096 == 0) {
			arena_release(&a);
		}
	}
	if (k < 0)
		goto named;
	if (csvio_col(r, "id") < 0) {
		err_set(err, DRIP_EDATA, name, 1, 0, "missing required column \"id\"");
		goto out;
	}
	if (have_bad) {
		*err = bad;
		goto out;
	}
	rc = 0;
	goto out;
named:
	if (strcmp(err->file, src) == 0)
		snprintf(err->file, sizeof err->file, "%s", name);
out:
	csvio_close(r);
	arena_release(&a);
	return rc;
}

/* The merge: contacts.csv (roster) and the sorted input. */
struct merge {
	struct roster *ro;
	struct csvio_reader *in;
	struct csvio_row irow;
	int ihas;
	size_t ncols;			/* of the output */
	const char **hdr;
	size_t *map;			/* input column j + 1 -> output column */
	size_t nin;			/* input columns, without the line */
	long iid, iemail, iphone;	/* in the sorted input */
	const char **vals;
	struct arena names;		/* hdr's strings: they outlive the readers */
	struct sbuf prev, out;
	long prev_line;
	int have_prev;
};

static int
reachable(const struct merge *m)
{
	return (m->iemail >= 0 && m->irow.f[m->iemail][0] != '\0') ||
	       (m->iphone >= 0 && m->irow.f[m->iphone][0] != '\0');
}

/* Fold the input row into vals; returns 1 when a value changed. */
static int
fold(struct merge *m)
{
	size_t j;
	int changed = 0;

	for (j = 0; j < m->nin; j++) {
		const char *v = m->irow.f[j + 1];

		/* An empty cell leaves the value as it is: an import never
		 * erases what it does not know. */
		if (v[0] == '\0' || strcmp(m->vals[m->map[j]], v) == 0)
			continue;
		m->vals[m->map[j]] = v;
		changed = 1;
	}
	return changed;
}

int
import_run(const char *root, const char *src, FILE *in, const char *name,
	   struct import_result *res, struct drip_err *err)
{
	struct merge m;
	struct csvio_row row;
	struct drip_err pending;
	struct sbuf prev = SBUF_INIT;
	char *spooled = NULL, *sorted = tmp_in(root, "import"), *tmpdir = fsio_join(root, ".drip");
	char *full = fsio_join(root, "contacts.csv");
	FILE *f = NULL;
	size_t j, rcols;
	long prev_line = 0;
	int rc = -1, k, have_pending = 0, merging = 0;

	memset(res, 0, sizeof *res);
	memset(&m, 0, sizeof m);
	if (fsio_mkdirs(tmpdir, 0700, err) < 0)
		goto out;
	if (roster_open(root, &m.ro, err) < 0)
		goto out;
	if (src == NULL) {
		spooled = tmp_in(root, "import-stdin");
		if (spool(in, spooled, name, err) < 0)
			goto out;
		src = spooled;
	}
	/* The input's errors wait until contacts.csv has been read whole: its
	 * own come first. */
	if (check_input(src, name, &pending) < 0) {
		have_pending = 1;
	} else {
		struct csvsort_opts o = { "id", NULL, tmpdir, 0, 0, 0, 1, LINE_COL, name };

		if (csvsort_file(src, sorted, &o, NULL, &pending) < 0)
			have_pending = 1;
		else
			merging = 1;
	}
	rcols = roster_ncols(m.ro);
	if (merging) {
		if (csvio_open(sorted, &m.in, err) < 0)
			goto out;
		m.nin = csvio_ncols(m.in) - 1;
		m.map = xcalloc(m.nin + 1, sizeof *m.map);
		m.hdr = xcalloc(rcols + m.nin + 1, sizeof *m.hdr);
		for (j = 0; j < rcols; j++)
			m.hdr[j] = arena_strdup(&m.names, roster_colname(m.ro, j));
		m.ncols = rcols;
		for (j = 0; j < m.nin; j++) {
			long col = roster_col(m.ro, csvio_colname(m.in, j + 1));
			size_t x;

			if (col < 0) {
				/* A column new to contacts.csv, at the end, once. */
				for (x = rcols; x < m.ncols; x++)
					if (strcmp(m.hdr[x], csvio_colname(m.in, j + 1)) == 0)
						break;
				if (x == m.ncols)
					m.hdr[m.ncols++] = arena_strdup(&m.names,
									csvio_colname(m.in, j + 1));
				col = (long)x;
			}
			m.map[j] = (size_t)col;
		}
		m.iid = csvio_col(m.in, "id");
		m.iemail = csvio_col(m.in, "email");
		m.iphone = csvio_col(m.in, "phone");
		m.vals = xcalloc(m.ncols + 1, sizeof *m.vals);
	}
	for (;;) {
		const char *id;

		if (merging) {
			if (fsio_create_beside(full, &res->tmp, &f, err) < 0)
				goto out;
			csvio_format_row(&m.out, m.hdr, m.ncols);
			/* An input of only a header has no row to merge. */
			if ((m.ihas = csvio_next(m.in, &m.irow, err)) < 0)
				goto out;
		}
		res->rows = res->added = res->updated = 0;
		sbuf_reset(&prev);
		prev_line = 0;
		k = 1;
		while (k == 1) {
			int c;

			k = roster_next(m.ro, &row, err);
			if (k != 1 && k != 0)
				break;
			id = k == 1 ? row.f[roster_idcol(m.ro)] : NULL;
			/* The input's rows up to this contact: new ones first. */
			while (m.ihas == 1) {
				const char *iid = m.irow.f[m.iid];
				long line = atol(m.irow.f[0]);

				c = id ? strcmp(iid, id) : -1;
				if (c > 0)
					break;
				if (!have_pending && prev.len && strcmp(sbuf_str(&prev), iid) == 0) {
					err_set(&pending, DRIP_EDATA, name, (int)line, 0,
						"contact '%s' appears twice (first at line %ld)", iid,
						prev_line);
					have_pending = 1;
				}
				if (!have_pending && c < 0 && !reachable(&m)) {
					err_set(&pending, DRIP_EDATA, name, (int)line, 0,
						"new contact '%s' has no email or phone", iid);
					have_pending = 1;
				}
				res->rows++;
				if (!have_pending) {
					if (c < 0) {
						for (j = 0; j < m.ncols; j++)
							m.vals[j] = "";
						fold(&m);
						csvio_format_row(&m.out, m.vals, m.ncols);
						res->added++;
					} else {
						for (j = 0; j < m.ncols; j++)
							m.vals[j] = j < row.n ? row.f[j] : "";
						if (fold(&m))
							res->updated++;
						csvio_format_row(&m.out, m.vals, m.ncols);
						id = NULL;	/* written */
					}
				}
				sbuf_reset(&prev);
				sbuf_adds(&prev, iid);
				prev_line = line;
				if (m.out.len >= 65536 && f) {
					fwrite(m.out.buf, 1, m.out.len, f);
					sbuf_reset(&m.out);
				}
				if ((m.ihas = csvio_next(m.in, &m.irow, err)) < 0)
					goto out;
				if (c == 0)
					break;
			}
			if (k == 1 && merging && !have_pending && id) {
				for (j = 0; j < m.ncols; j++)
					m.vals[j] = j < row.n ? row.f[j] : "";
				csvio_format_row(&m.out, m.vals, m.ncols);
			}
			if (m.out.len >= 65536 && f) {
				fwrite(m.out.buf, 1, m.out.len, f);
				sbuf_reset(&m.out);
			}
		}
		if (k != ROSTER_UNSORTED)
			break;
		/* contacts.csv out of order: sorted, and merged again. */
		if (f) {
			fclose(f);
			f = NULL;
			unlink(res->tmp);
			free(res->tmp);
			res->tmp = NULL;
		}
		sbuf_reset(&m.out);
		if (have_pending && merging) {
			have_pending = 0;
		}
		if (merging) {
			csvio_close(m.in);
			m.in = NULL;
			if (csvio_open(sorted, &m.in, err) < 0)
				goto out;
		}
		if (roster_sort(m.ro, err) < 0)
			goto out;
	}
	if (k < 0)
		goto out;
	if (have_pending) {
		*err = pending;
		goto out;
	}
	fwrite(m.out.buf ? m.out.buf : "", 1, m.out.len, f);
	rc = fsio_finish(f, res->tmp, err);
	f = NULL;
	if (rc == 0 && res->added + res->updated == 0) {
		unlink(res->tmp);
		free(res->tmp);
		res->tmp = NULL;
	}
out:
	if (f)
		fclose(f);
	if (rc < 0 && res->tmp) {
		unlink(res->tmp);
		free(res->tmp);
		res->tmp = NULL;
	}
	if (m.in)
		csvio_close(m.in);
	roster_close(m.ro);
	if (spooled) {
		unlink(spooled);
		free(spooled);
	}
	unlink(sorted);
	free(sorted);
	free(tmpdir);
	free(full);
	free(m.map);
	free(m.hdr);
	free(m.vals);
	arena_release(&m.names);
	sbuf_release(&m.out);
	sbuf_release(&prev);
	return rc;
}
