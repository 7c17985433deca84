/*
 * dtime.c - reading and writing times: RFC 3339 instants, local times in
 * a zone, dates and clock times.
 *
 * Parsing is by hand, field by field, so that every mistake can be named
 * ("day 30 is past the end of February") instead of "bad time".
 */
#include "dtime.h"

#include "tz.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EXPECTED_TIME \
	"expected YYYY-MM-DD, YYYY-MM-DD HH:MM or an RFC 3339 time like 2026-11-24T10:20:00Z"
#define EXPECTED_DATE "expected YYYY-MM-DD, like 2026-11-24"
#define EXPECTED_HHMM "expected HH:MM, like 09:30"

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* s as it can be quoted in a message: control characters and quotes
 * replaced, cut after 40 bytes. */
static const char *
show(const char *s, char *buf, size_t n)
{
	size_t i, j = 0;

	for (i = 0; s[i] != '\0' && i < 40 && j + 4 < n; i++)
		buf[j++] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' ? s[i] : '?';
	if (s[i] != '\0' && j + 4 < n) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j] = '\0';
	return buf;
}

/* Exactly n decimal digits at *pp. */
static int
digits(const char **pp, int n, int *out)
{
	const char *p = *pp;
	int v = 0, i;

	for (i = 0; i < n; i++, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	*pp = p;
	*out = v;
	return 0;
}

/* The fields of a time being read, and the failure to report. */
struct dfields {
	int year, mon, day;
	int hour, min, sec;
	int has_time;
	int has_off;		/* Z or an offset was given */
	int off;		/* seconds east of UTC */
	char reason[160];	/* why the text is not a time, "" when it is */
};

static int __attribute__((format(printf, 2, 3)))
fail(struct dfields *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof f->reason, fmt, ap);
	va_end(ap);
	return -1;
}

static int
check_date(struct dfields *f)
{
	if (f->mon < 1 || f->mon > 12)
		return fail(f, "month %02d does not exist", f->mon);
	if (f->day < 1)
		return fail(f, "day %02d does not exist", f->day);
	if (f->day > cal_days_in_month(f->year, f->mon))
		return fail(f, "day %d is past the end of %s", f->day,
			    month_names[f->mon - 1]);
	return 0;
}

static int
check_clock(struct dfields *f)
{
	if (f->hour > 23)
		return fail(f, "hour %02d is out of range (00-23)", f->hour);
	if (f->min > 59)
		return fail(f, "minute %02d is out of range (00-59)", f->min);
	if (f->sec > 59)
		return fail(f, "second %02d is out of range (00-59)", f->sec);
	return 0;
}

/* "YYYY-MM-DD" at *pp, range-checked. */
static int
read_date(const char **pp, struct dfields *f, const char *expected)
{
	const char *p = *pp;

	if (digits(&p, 4, &f->year) < 0 || *p++ != '-' ||
	    digits(&p, 2, &f->mon) < 0 || *p++ != '-' ||
	    digits(&p, 2, &f->day) < 0)
		return fail(f, "%s", expected);
	*pp = p;
	return check_date(f);
}

/* "HH:MM[:SS]" at *pp; seconds only when allow_sec. */
static int
read_clock(const char **pp, struct dfields *f, int allow_sec,
	   const char *expected)
{
	const char *p = *pp;

	if (digits(&p, 2, &f->hour) < 0 || *p++ != ':' ||
	    digits(&p, 2, &f->min) < 0)
		return fail(f, "%s", expected);
	f->sec = 0;
	if (allow_sec && *p == ':') {
		p++;
		if (digits(&p, 2, &f->sec) < 0)
			return fail(f, "%s", expected);
		if (*p == '.' || *p == ',')
			return fail(f, "fractional seconds are not supported");
	}
	*pp = p;
	return check_clock(f);
}

/* "Z" or "+HH:MM" / "-HH:MM" at *pp. */
static int
read_offset(const char **pp, struct dfields *f)
{
	const char *p = *pp;
	int sign, h, m;

	if (*p == 'Z' || *p == 'z') {
		f->has_off = 1;
		f->off = 0;
		*pp = p + 1;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return 0;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &m) < 0)
		return fail(f, "the UTC offset must be written +HH:MM or -HH:MM");
	if (h > 23 || m > 59)
		return fail(f, "offset %c%02d:%02d is out of range (at most 23:59)",
			    sign < 0 ? '-' : '+', h, m);
	f->has_off = 1;
	f->off = sign * (h * 3600 + m * 60);
	*pp = p;
	return 0;
}

static int
parse_fields(const char *s, struct dfields *f)
{
	const char *p = s;

	memset(f, 0, sizeof *f);
	if (read_date(&p, f, EXPECTED_TIME) < 0)
		return -1;
	if (*p == 'T' || *p == 't' || (*p == ' ' && p[1] != '\0')) {
		p++;
		f->has_time = 1;
		if (read_clock(&p, f, 1, EXPECTED_TIME) < 0)
			return -1;
		if (read_offset(&p, f) < 0)
			return -1;
	}
	if (*p != '\0')
		return fail(f, "%s", EXPECTED_TIME);
	return 0;
}

int
dtime_parse(const char *s, const struct tz *z, int64_t *out,
	    char *why, size_t whylen)
{
	struct dfields f;
	char q[64];

	if (parse_fields(s, &f) < 0) {
		snprintf(why, whylen, "invalid time \"%s\": %s", show(s, q, sizeof q),
			 f.reason);
		return -1;
	}
	if (f.has_off) {
		*out = cal_days_from_civil(f.year, f.mon, f.day) * 86400 +
		       f.hour * 3600 + f.min * 60 + f.sec - f.off;
	} else if (z == NULL) {
		snprintf(why, whylen, "invalid time \"%s\": no time zone to read a local time in (add Z or an offset like +01:00)",
			 show(s, q, sizeof q));
		return -1;
	} else {
		*out = tz_from_local(z, f.year, f.mon, f.day, f.hour, f.min, f.sec);
	}
	/* An offset can carry a time written in year 9999 (or 0000) out of
	 * the four-digit years in UTC; its slot would then be written in
	 * state/ as a time no later read accepts. */
	if (*out < DTIME_MIN || *out > DTIME_MAX) {
		snprintf(why, whylen, "invalid time \"%s\": outside the years 0000 to 9999 in UTC",
			 show(s, q, sizeof q));
		return -1;
	}
	return 0;
}

int
dtime_parse_date(const char *s, int *year, int *mon, int *day,
		 char *why, size_t whylen)
{
	struct dfields f;
	const char *p = s;
	char q[64];

	memset(&f, 0, sizeof f);
	if (read_date(&p, &f, EXPECTED_DATE) < 0 ||
	    (*p != '\0' && fail(&f, "%s", EXPECTED_DATE) < 0)) {
		snprintf(why, whylen, "invalid date \"%s\": %s", show(s, q, sizeof q),
			 f.reason);
		return -1;
	}
	*year = f.year;
	*mon = f.mon;
	*day = f.day;
	return 0;
}

int
dtime_parse_hhmm(const char *s, int *minutes, char *why, size_t whylen)
{
	struct dfields f;
	const char *p = s;
	char q[64];

	memset(&f, 0, sizeof f);
	if (read_clock(&p, &f, 0, EXPECTED_HHMM) < 0 ||
	    (*p != '\0' && fail(&f, "%s", EXPECTED_HHMM) < 0)) {
		snprintf(why, whylen, "invalid time of day \"%s\": %s",
			 show(s, q, sizeof q), f.reason);
		return -1;
	}
	*minutes = f.hour * 60 + f.min;
	return 0;
}

void
dtime_format_utc(int64_t t, char *buf, size_t n)
{
	int64_t days = t / 86400 - (t % 86400 < 0), secs = t - days * 86400;
	int y, m, d;

	cal_civil_from_days(days, &y, &m, &d);
	/* By hand for years 0-9999: tick formats five of these for every
	 * enrollment row it writes, and snprintf was a fifth of its time. */
	if (y >= 0 && y <= 9999 && n >= 21) {
		int v[6] = { y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60) };
		static const char sep[6] = { '-', '-', 'T', ':', ':', 'Z' };
		char *p = buf;
		int i;

		*p++ = (char)('0' + v[0] / 1000);
		*p++ = (char)('0' + v[0] / 100 % 10);
		*p++ = (char)('0' + v[0] / 10 % 10);
		*p++ = (char)('0' + v[0] % 10);
		*p++ = sep[0];
		for (i = 1; i < 6; i++) {
			*p++ = (char)('0' + v[i] / 10);
			*p++ = (char)('0' + v[i] % 10);
			*p++ = sep[i];
		}
		*p = '\0';
		return;
	}
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

void
dtime_format_local(const struct tz *z, int64_t t, int with_offset,
		   char *buf, size_t n)
{
	struct lt l;
	char off[16] = "";
	int a;

	tz_to_local(z, t, &l);
	if (with_offset) {
		a = l.utoff < 0 ? -l.utoff : l.utoff;
		/* Offsets with seconds exist only before 1900 (local mean
		 * time); they are written in full rather than rounded. */
		if (a % 60 != 0)
			snprintf(off, sizeof off, " %c%02d:%02d:%02d",
				 l.utoff < 0 ? '-' : '+', a / 3600, a / 60 % 60, a % 60);
		else
			snprintf(off, sizeof off, " %c%02d:%02d",
				 l.utoff < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	}
	snprintf(buf, n, "%04d-%02d-%02d %02d:%02d%s", l.year, l.mon, l.day,
		 l.hour, l.min, off);
}
