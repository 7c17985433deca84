/*
 * actlog.c - formatting action log rows.
 */
#include "actlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "csvio.h"
#include "err.h"
#include "fsio.h"
#include "dtime.h"
#include "engine.h"
#include "sbuf.h"

void
actlog_path(int64_t t, char *buf, size_t n)
{
	char stamp[32];

	dtime_format_utc(t, stamp, sizeof stamp);
	snprintf(buf, n, "log/%.7s.csv", stamp);
}

void
actlog_format(struct sbuf *out, const struct log_row *r)
{
	char stamp[32];
	const char *f[9];

	dtime_format_utc(r->time, stamp, sizeof stamp);
	f[0] = stamp;
	f[1] = r->contact;
	f[2] = r->sequence;
	f[3] = r->step;
	f[4] = r->automation;
	f[5] = r->action;
	f[6] = r->result;
	f[7] = r->ref;
	f[8] = r->detail;
	csvio_format_row(out, f, 9);
}

int
actlog_begin(const char *root, const char *rel, char **tmp, FILE **f, struct drip_err *err)
{
	char *full = fsio_join(root, rel), buf[65536];
	FILE *in;
	size_t n;
	int rc = -1;

	if (fsio_create_beside(full, tmp, f, err) < 0) {
		free(full);
		return -1;
	}
	if ((in = fopen(full, "rb")) == NULL) {
		if (fsio_exists(full)) {
			err_sys(err, DRIP_EFAIL, rel, "cannot read");
			goto out;
		}
		fputs(ACTLOG_HEADER, *f);
		rc = 0;
		goto out;
	}
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, *f);
	if (ferror(in))
		err_sys(err, DRIP_EFAIL, rel, "cannot read");
	else
		rc = 0;
	fclose(in);
out:
	if (rc < 0) {
		fclose(*f);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		*f = NULL;
	}
	free(full);
	return rc;
}
