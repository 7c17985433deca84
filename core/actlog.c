/*
 * actlog.c - formatting action log rows.
 */
#include "actlog.h"

#include <stdio.h>

#include "csvio.h"
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
