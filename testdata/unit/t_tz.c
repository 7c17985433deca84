/*
 * t_tz.c - time zones from the system's zoneinfo (real TZif files), and
 * from small TZif files written here to reach the reader's error paths and
 * the POSIX TZ rule forms no real zone uses.
 */
#include "tap.h"

#include "err.h"
#include "tz.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	return cal_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static struct tz *
load(const char *name)
{
	struct drip_err e;
	struct tz *z = NULL;

	err_clear(&e);
	if (tz_load(name, &z, &e) < 0) {
		printf("# cannot load %s: %s\n", name, e.msg);
		printf("Bail out! zone %s is needed by the tests\n", name);
		exit(1);
	}
	return z;
}

/* Is t, in z, the local time y-mo-d h:mi:s with offset off? */
static void
is_local(const struct tz *z, int64_t t, int y, int mo, int d, int h, int mi,
	 int s, int32_t off, const char *what)
{
	struct lt l;
	char got[80], want[80];

	tz_to_local(z, t, &l);
	snprintf(got, sizeof got, "%04d-%02d-%02d %02d:%02d:%02d %+d", l.year,
		 l.mon, l.day, l.hour, l.min, l.sec, (int)l.utoff);
	snprintf(want, sizeof want, "%04d-%02d-%02d %02d:%02d:%02d %+d", y, mo,
		 d, h, mi, s, (int)off);
	is_str(got, want, "%s: %s", tz_name(z), what);
}

/* ---- writing TZif files for the error paths ---- */

static unsigned char *
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

static unsigned char *
put64(unsigned char *p, int64_t v)
{
	p = put32(p, (uint32_t)((uint64_t)v >> 32));
	return put32(p, (uint32_t)v);
}

struct fake {
	int version;		/* 0, '2', '3' */
	size_t nt;
	const int64_t *times;
	const unsigned char *idx;
	size_t ntypes;
	const int32_t *offs;
	int leap;		/* one leap second record */
	const char *footer;	/* without the newlines; NULL: none */
};

static unsigned char *
fake_block(unsigned char *p, const struct fake *f, int tsize)
{
	size_t i;

	memcpy(p, "TZif", 4);
	p[4] = (unsigned char)f->version;
	memset(p + 5, 0, 15);
	p += 20;
	p = put32(p, 0);			/* isutcnt */
	p = put32(p, 0);			/* isstdcnt */
	p = put32(p, (uint32_t)f->leap);	/* leapcnt */
	p = put32(p, (uint32_t)f->nt);		/* timecnt */
	p = put32(p, (uint32_t)f->ntypes);	/* typecnt */
	p = put32(p, 4);			/* charcnt */
	for (i = 0; i < f->nt; i++)
		p = tsize == 8 ? put64(p, f->times[i]) :
				 put32(p, (uint32_t)f->times[i]);
	for (i = 0; i < f->nt; i++)
		*p++ = f->idx[i];
	for (i = 0; i < f->ntypes; i++) {
		p = put32(p, (uint32_t)f->offs[i]);
		*p++ = 0;
		*p++ = 0;
	}
	memcpy(p, "ABC", 4);
	p += 4;
	if (f->leap) {
		p = tsize == 8 ? put64(p, 78796800) : put32(p, 78796800);
		p = put32(p, 1);
	}
	return p;
}

static void
write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL || fwrite(buf, 1, len, fp) != len || fclose(fp) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

static void
write_fake(const char *dir, const char *name, const struct fake *f)
{
	unsigned char buf[4096], *p = buf;

	p = fake_block(p, f, 4);
	if (f->version != 0) {
		p = fake_block(p, f, 8);
		if (f->footer != NULL)
			p += snprintf((char *)p, 200, "\n%s\n", f->footer);
	}
	write_file(dir, name, buf, (size_t)(p - buf));
}

/* ---- the tests ---- */

static void
test_calendar(void)
{
	int y, m, d, i, bad = 0;
	int64_t days;

	is_int(cal_days_from_civil(1970, 1, 1), 0, "epoch is day 0");
	is_int(cal_days_from_civil(1969, 12, 31), -1, "the day before the epoch");
	is_int(cal_days_from_civil(1900, 1, 1), -25567, "1900-01-01");
	is_int(cal_days_from_civil(2000, 2, 29), 11016, "2000-02-29 (leap: divisible by 400)");
	is_int(cal_days_from_civil(2000, 3, 1), 11017, "2000-03-01");
	is_int(cal_days_from_civil(1600, 2, 29), -135081, "1600-02-29");
	is_int(cal_days_from_civil(1, 1, 1), -719162, "0001-01-01");
	is_int(cal_days_from_civil(9999, 12, 31), 2932896, "9999-12-31");
	is_int(cal_days_from_civil(2026, 11, 24), 20781, "2026-11-24");
	is_int(cal_days_from_civil(2026, 13, 1), cal_days_from_civil(2027, 1, 1),
	       "month 13 is January of the next year");
	is_int(cal_days_from_civil(2026, 0, 1), cal_days_from_civil(2025, 12, 1),
	       "month 0 is December of the year before");
	is_int(cal_days_from_civil(2026, 3, 0), cal_days_from_civil(2026, 2, 28),
	       "day 0 is the last day of the month before");
	is_int(cal_days_from_civil(2026, 1, 32), cal_days_from_civil(2026, 2, 1),
	       "day 32 of January is February 1");
	is_int(cal_days_from_civil(2026, -11, 1), cal_days_from_civil(2025, 1, 1),
	       "month -11 is January of the year before");

	cal_civil_from_days(-1, &y, &m, &d);
	ok(y == 1969 && m == 12 && d == 31, "day -1 is 1969-12-31");
	cal_civil_from_days(-25567, &y, &m, &d);
	ok(y == 1900 && m == 1 && d == 1, "day -25567 is 1900-01-01");
	cal_civil_from_days(11016, &y, &m, &d);
	ok(y == 2000 && m == 2 && d == 29, "day 11016 is 2000-02-29");
	cal_civil_from_days(-135081, &y, &m, &d);
	ok(y == 1600 && m == 2 && d == 29, "day -135081 is 1600-02-29");
	cal_civil_from_days(-719468, &y, &m, &d);
	ok(y == 0 && m == 3 && d == 1, "day -719468 is 0000-03-01");
	cal_civil_from_days(-719469, &y, &m, &d);
	ok(y == 0 && m == 2 && d == 29, "year 0 is a leap year");

	for (days = -1000000; days <= 3000000; days += 17) {
		cal_civil_from_days(days, &y, &m, &d);
		if (cal_days_from_civil(y, m, d) != days || m < 1 || m > 12 ||
		    d < 1 || d > cal_days_in_month(y, m))
			bad++;
	}
	is_int(bad, 0, "civil <-> days round trip from 0708 to 10183");

	/* Conversions are remembered per day modulo 64: days and dates that
	 * share a place must still give their own answers. */
	for (i = 0, bad = 0; i < 20; i++) {
		cal_civil_from_days(20781 + (i % 2) * 64, &y, &m, &d);
		if (i % 2 ? y != 2027 || m != 1 || d != 27 : y != 2026 || m != 11 || d != 24)
			bad++;
		if (cal_days_from_civil(2026, 11, 24 + (i % 2) * 64) != 20781 + (i % 2) * 64)
			bad++;
	}
	is_int(bad, 0, "days and dates that share a remembered place alternate correctly");

	is_int(cal_days_in_month(2024, 2), 29, "February 2024 has 29 days");
	is_int(cal_days_in_month(2026, 2), 28, "February 2026 has 28 days");
	is_int(cal_days_in_month(1900, 2), 28, "February 1900 has 28 days (century)");
	is_int(cal_days_in_month(2000, 2), 29, "February 2000 has 29 days (400)");
	is_int(cal_days_in_month(2100, 2), 28, "February 2100 has 28 days");
	is_int(cal_days_in_month(-4, 2), 29, "February of year -4 has 29 days");
	is_int(cal_days_in_month(2026, 4), 30, "April has 30 days");
	is_int(cal_days_in_month(2026, 12), 31, "December has 31 days");
	is_int(cal_days_in_month(2026, 13), 0, "month 13 has no days");
	is_int(cal_days_in_month(2026, 0), 0, "month 0 has no days");

	is_int(cal_weekday(0), 4, "1970-01-01 was a Thursday");
	is_int(cal_weekday(-1), 3, "1969-12-31 was a Wednesday");
	is_int(cal_weekday(-25567), 1, "1900-01-01 was a Monday");
	is_int(cal_weekday(20781), 2, "2026-11-24 is a Tuesday");
	is_int(cal_weekday(cal_days_from_civil(2090, 3, 12)), 0, "2090-03-12 is a Sunday");
	is_int(cal_weekday(-719162), 1, "0001-01-01 was a Monday");
}

static void
test_utc(void)
{
	struct tz *z = load("UTC"), *e = load("Etc/UTC");
	struct lt l;

	is_str(tz_name(z), "UTC", "tz_name gives the name loaded");
	is_str(tz_name(e), "Etc/UTC", "Etc/UTC loads");
	is_local(z, 0, 1970, 1, 1, 0, 0, 0, 0, "the epoch");
	is_local(e, -1, 1969, 12, 31, 23, 59, 59, 0, "one second before the epoch");
	is_local(z, utc(2090, 7, 1, 12, 0, 0), 2090, 7, 1, 12, 0, 0, 0, "2090");
	tz_to_local(z, utc(2026, 11, 24, 10, 20, 0), &l);
	is_int(l.wday, 2, "wday of a Tuesday");
	is_int(tz_from_local(z, 2026, 11, 24, 10, 20, 0), utc(2026, 11, 24, 10, 20, 0),
	       "UTC from_local is the civil time");
	is_int(tz_from_local(e, 1969, 12, 31, 23, 59, 59), -1, "before the epoch");

	/* Instants far out of any useful range are clamped, not overflowed. */
	tz_to_local(z, INT64_MAX, &l);
	ok(l.year > 2000000 && l.mon >= 1 && l.mon <= 12, "INT64_MAX is clamped (year %d)", l.year);
	tz_to_local(z, INT64_MIN, &l);
	ok(l.year < -2000000 && l.day >= 1 && l.day <= 31, "INT64_MIN is clamped (year %d)", l.year);
	ok(tz_from_local(z, INT_MAX, INT_MAX, INT_MAX, INT_MAX, INT_MAX, INT_MAX) > 0,
	   "huge local fields are clamped");
	tz_free(z);
	tz_free(e);
}

static void
test_new_york(void)
{
	struct tz *z = load("America/New_York");
	struct lt l;

	/* Spring forward: 2026-03-08 02:00 EST becomes 03:00 EDT at 07:00Z. */
	is_local(z, utc(2026, 3, 8, 6, 59, 59), 2026, 3, 8, 1, 59, 59, -18000, "last second of EST");
	is_local(z, utc(2026, 3, 8, 7, 0, 0), 2026, 3, 8, 3, 0, 0, -14400, "first second of EDT");
	is_int(tz_from_local(z, 2026, 3, 8, 2, 30, 0), utc(2026, 3, 8, 7, 30, 0),
	       "gap: 02:30 is 07:30Z (03:30 EDT)");
	is_local(z, tz_from_local(z, 2026, 3, 8, 2, 30, 0), 2026, 3, 8, 3, 30, 0, -14400,
		 "gap: 02:30 reads back as 03:30 EDT");
	is_int(tz_from_local(z, 2026, 3, 8, 2, 0, 0), utc(2026, 3, 8, 7, 0, 0),
	       "gap: 02:00 is 03:00 EDT");
	is_int(tz_from_local(z, 2026, 3, 8, 2, 59, 59), utc(2026, 3, 8, 7, 59, 59),
	       "gap: 02:59:59 is 03:59:59 EDT");
	is_int(tz_from_local(z, 2026, 3, 8, 1, 59, 59), utc(2026, 3, 8, 6, 59, 59),
	       "before the gap: 01:59:59 EST");
	is_int(tz_from_local(z, 2026, 3, 8, 3, 0, 0), utc(2026, 3, 8, 7, 0, 0),
	       "after the gap: 03:00 EDT");

	/* Fall back: 2026-11-01 02:00 EDT becomes 01:00 EST at 06:00Z. */
	is_local(z, utc(2026, 11, 1, 5, 30, 0), 2026, 11, 1, 1, 30, 0, -14400, "01:30 EDT");
	is_local(z, utc(2026, 11, 1, 6, 30, 0), 2026, 11, 1, 1, 30, 0, -18000, "01:30 EST");
	is_int(tz_from_local(z, 2026, 11, 1, 1, 30, 0), utc(2026, 11, 1, 5, 30, 0),
	       "fold: 01:30 is the first, EDT 05:30Z");
	is_int(tz_from_local(z, 2026, 11, 1, 1, 0, 0), utc(2026, 11, 1, 5, 0, 0),
	       "fold: 01:00 is the first, EDT");
	is_int(tz_from_local(z, 2026, 11, 1, 1, 59, 59), utc(2026, 11, 1, 5, 59, 59),
	       "fold: 01:59:59 is the first, EDT");
	is_int(tz_from_local(z, 2026, 11, 1, 2, 0, 0), utc(2026, 11, 1, 7, 0, 0),
	       "after the fold: 02:00 EST");
	is_int(tz_from_local(z, 2026, 11, 1, 0, 59, 59), utc(2026, 11, 1, 4, 59, 59),
	       "before the fold: 00:59:59 EDT");

	/* Out-of-range fields are normalised first, as mktime does. */
	is_int(tz_from_local(z, 2026, 1, 32, 10, 0, 0), tz_from_local(z, 2026, 2, 1, 10, 0, 0),
	       "January 32 is February 1");
	is_int(tz_from_local(z, 2026, 3, 7, 26, 30, 0), utc(2026, 3, 8, 7, 30, 0),
	       "March 7 26:30 is the gap's 02:30 on March 8");
	is_int(tz_from_local(z, 2026, 3, 8, 3, -30, 0), utc(2026, 3, 8, 7, 30, 0),
	       "03:-30 is 02:30, in the gap");
	is_int(tz_from_local(z, 2026, 14, 1, 0, 90, 0), tz_from_local(z, 2027, 2, 1, 1, 30, 0),
	       "month 14 and minute 90");
	is_int(tz_from_local(z, 2026, 7, 1, 0, 0, -1), utc(2026, 7, 1, 3, 59, 59),
	       "second -1 is the last second of June 30");

	tz_to_local(z, utc(2026, 3, 8, 12, 0, 0), &l);
	is_int(l.wday, 0, "2026-03-08 is a Sunday in New York");
	tz_to_local(z, utc(2026, 3, 9, 3, 0, 0), &l);
	is_int(l.wday, 0, "03:00Z on Monday is still Sunday in New York");

	/* 2090 is past the file's table: the footer rule decides. */
	is_local(z, utc(2090, 1, 15, 12, 0, 0), 2090, 1, 15, 7, 0, 0, -18000, "January 2090 is EST");
	is_local(z, utc(2090, 7, 15, 12, 0, 0), 2090, 7, 15, 8, 0, 0, -14400, "July 2090 is EDT");
	is_local(z, utc(2090, 3, 12, 6, 59, 59), 2090, 3, 12, 1, 59, 59, -18000, "2090 gap: last EST second");
	is_local(z, utc(2090, 3, 12, 7, 0, 0), 2090, 3, 12, 3, 0, 0, -14400, "2090 gap: first EDT second");
	is_local(z, utc(2090, 11, 5, 6, 0, 0), 2090, 11, 5, 1, 0, 0, -18000, "2090 fold: back to EST");
	is_int(tz_from_local(z, 2090, 3, 12, 2, 30, 0), utc(2090, 3, 12, 7, 30, 0),
	       "2090 gap: 02:30 is 03:30 EDT");
	is_int(tz_from_local(z, 2090, 11, 5, 1, 30, 0), utc(2090, 11, 5, 5, 30, 0),
	       "2090 fold: 01:30 is the first, EDT");

	/* Before standard time (1883) New York kept local mean time. */
	is_local(z, utc(1850, 6, 1, 12, 0, 0), 1850, 6, 1, 7, 3, 58, -17762, "1850 is LMT -4:56:02");
	tz_free(z);
}

static void
test_berlin(void)
{
	struct tz *z = load("Europe/Berlin");

	is_local(z, utc(2026, 3, 29, 0, 59, 59), 2026, 3, 29, 1, 59, 59, 3600, "last CET second");
	is_local(z, utc(2026, 3, 29, 1, 0, 0), 2026, 3, 29, 3, 0, 0, 7200, "first CEST second");
	is_int(tz_from_local(z, 2026, 3, 29, 2, 30, 0), utc(2026, 3, 29, 1, 30, 0),
	       "gap: 02:30 is 03:30 CEST");
	is_local(z, utc(2026, 10, 25, 0, 30, 0), 2026, 10, 25, 2, 30, 0, 7200, "02:30 CEST");
	is_local(z, utc(2026, 10, 25, 1, 30, 0), 2026, 10, 25, 2, 30, 0, 3600, "02:30 CET");
	is_int(tz_from_local(z, 2026, 10, 25, 2, 30, 0), utc(2026, 10, 25, 0, 30, 0),
	       "fold: 02:30 is the first, CEST");
	is_int(tz_from_local(z, 2026, 10, 25, 3, 0, 0), utc(2026, 10, 25, 2, 0, 0),
	       "after the fold: 03:00 CET");
	is_int(tz_from_local(z, 2026, 12, 24, 18, 0, 0), utc(2026, 12, 24, 17, 0, 0),
	       "winter: CET is +01:00");
	is_int(tz_from_local(z, 2090, 3, 26, 2, 30, 0), utc(2090, 3, 26, 1, 30, 0),
	       "2090 gap by the footer rule");
	is_int(tz_from_local(z, 2090, 10, 29, 2, 30, 0), utc(2090, 10, 29, 0, 30, 0),
	       "2090 fold by the footer rule");
	/* Berlin had double summer time in 1945 (+03:00). */
	is_local(z, utc(1945, 6, 1, 0, 0, 0), 1945, 6, 1, 3, 0, 0, 10800, "1945 double summer time");
	tz_free(z);
}

static void
test_lord_howe(void)
{
	struct tz *z = load("Australia/Lord_Howe");

	/* April 5 2026: 02:00 +11 goes back to 01:30 +10:30. */
	is_local(z, utc(2026, 4, 4, 14, 59, 59), 2026, 4, 5, 1, 59, 59, 39600, "last +11 second");
	is_local(z, utc(2026, 4, 4, 15, 0, 0), 2026, 4, 5, 1, 30, 0, 37800, "back to 01:30 +10:30");
	is_int(tz_from_local(z, 2026, 4, 5, 1, 45, 0), utc(2026, 4, 4, 14, 45, 0),
	       "fold: 01:45 is the first, +11");
	is_int(tz_from_local(z, 2026, 4, 5, 1, 30, 0), utc(2026, 4, 4, 14, 30, 0),
	       "fold: 01:30 is the first, +11");
	is_int(tz_from_local(z, 2026, 4, 5, 1, 29, 59), utc(2026, 4, 4, 14, 29, 59),
	       "before the fold: 01:29:59 +11");
	is_int(tz_from_local(z, 2026, 4, 5, 2, 0, 0), utc(2026, 4, 4, 15, 30, 0),
	       "after the fold: 02:00 +10:30");

	/* October 4 2026: 02:00 +10:30 jumps to 02:30 +11. */
	is_local(z, utc(2026, 10, 3, 15, 29, 59), 2026, 10, 4, 1, 59, 59, 37800, "last +10:30 second");
	is_local(z, utc(2026, 10, 3, 15, 30, 0), 2026, 10, 4, 2, 30, 0, 39600, "first +11 second");
	is_int(tz_from_local(z, 2026, 10, 4, 2, 15, 0), utc(2026, 10, 3, 15, 45, 0),
	       "gap: 02:15 moves forward 30 minutes to 02:45 +11");
	is_local(z, tz_from_local(z, 2026, 10, 4, 2, 15, 0), 2026, 10, 4, 2, 45, 0, 39600,
		 "gap: 02:15 reads back as 02:45");
	is_int(tz_from_local(z, 2026, 10, 4, 2, 0, 0), utc(2026, 10, 3, 15, 30, 0),
	       "gap: 02:00 is 02:30 +11");
	is_int(tz_from_local(z, 2026, 10, 4, 2, 30, 0), utc(2026, 10, 3, 15, 30, 0),
	       "after the gap: 02:30 +11");

	/* 2090, by the footer <+1030>-10:30<+11>-11,M10.1.0,M4.1.0. */
	is_local(z, utc(2090, 4, 1, 15, 0, 0), 2090, 4, 2, 1, 30, 0, 37800, "2090: fold starts");
	is_local(z, utc(2090, 9, 30, 15, 30, 0), 2090, 10, 1, 2, 30, 0, 39600, "2090: gap ends");
	is_int(tz_from_local(z, 2090, 10, 1, 2, 10, 0), utc(2090, 9, 30, 15, 40, 0),
	       "2090 gap: 02:10 is 02:40 +11");
	is_int(tz_from_local(z, 2090, 4, 2, 1, 40, 0), utc(2090, 4, 1, 14, 40, 0),
	       "2090 fold: 01:40 is the first, +11");
	tz_free(z);
}

static void
test_kolkata(void)
{
	struct tz *z = load("Asia/Kolkata");

	is_local(z, utc(2026, 1, 15, 6, 30, 0), 2026, 1, 15, 12, 0, 0, 19800, "+05:30 in January");
	is_local(z, utc(2026, 7, 15, 18, 45, 0), 2026, 7, 16, 0, 15, 0, 19800,
		 "+05:30 crosses midnight");
	is_int(tz_from_local(z, 2026, 1, 15, 12, 0, 0), utc(2026, 1, 15, 6, 30, 0),
	       "12:00 IST is 06:30Z");
	is_int(tz_from_local(z, 2090, 7, 1, 0, 0, 0), utc(2090, 6, 30, 18, 30, 0),
	       "2090: still +05:30");
	/* Second World War time, +06:30, from the table. */
	is_local(z, utc(1943, 6, 1, 0, 0, 0), 1943, 6, 1, 6, 30, 0, 23400, "1943 war time +06:30");
	tz_free(z);
}

/* Zones whose footer rules use the extended times of RFC 8536 3.3.1. */
static void
test_extended_rules(void)
{
	struct tz *z = load("America/Santiago");

	/* <-04>4<-03>,M9.1.6/24,M4.1.6/24: the change is at 24:00 Saturday. */
	is_local(z, utc(2090, 9, 3, 4, 0, 0), 2090, 9, 3, 1, 0, 0, -10800, "Santiago 2090: 24:00 start");
	is_local(z, utc(2090, 9, 3, 3, 59, 59), 2090, 9, 2, 23, 59, 59, -14400,
		 "Santiago 2090: before the start");
	is_int(tz_from_local(z, 2090, 9, 3, 0, 30, 0), utc(2090, 9, 3, 4, 30, 0),
	       "Santiago 2090: 00:30 is in the gap, read as 01:30");
	is_local(z, utc(2090, 4, 2, 3, 0, 0), 2090, 4, 1, 23, 0, 0, -14400, "Santiago 2090: 24:00 end");
	tz_free(z);

	z = load("America/Nuuk");
	/* <-02>2<-01>,M3.5.0/-1,M10.5.0/0: the change is at -1:00 Sunday. */
	is_local(z, utc(2090, 3, 26, 1, 0, 0), 2090, 3, 26, 0, 0, 0, -3600, "Nuuk 2090: /-1 start");
	is_local(z, utc(2090, 3, 26, 0, 59, 59), 2090, 3, 25, 22, 59, 59, -7200, "Nuuk 2090: before it");
	is_int(tz_from_local(z, 2090, 3, 25, 23, 30, 0), utc(2090, 3, 26, 1, 30, 0),
	       "Nuuk 2090: Saturday 23:30 is in the gap");
	tz_free(z);

	z = load("Asia/Jerusalem");
	/* IST-2IDT,M3.4.4/26,M10.5.0: Thursday 26:00 is Friday 02:00. */
	is_local(z, utc(2090, 3, 24, 0, 0, 0), 2090, 3, 24, 3, 0, 0, 10800, "Jerusalem 2090: /26 start");
	is_local(z, utc(2090, 3, 23, 23, 59, 59), 2090, 3, 24, 1, 59, 59, 7200, "Jerusalem 2090: before it");
	tz_free(z);
}

static void
test_names(void)
{
	static const char *const bad[] = {
		"../etc/passwd", "/etc/passwd", "", "Europe/../../etc/passwd",
		"Europe//Berlin", "Europe/Berlin/", "Europe/./Berlin", "a b",
		"Europe/Berlin\n", "localtime", "zone.tab", "Europe\\Berlin",
	};
	char longname[300];
	struct drip_err e;
	struct tz *z;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&e);
		z = (struct tz *)&e;
		ok(tz_load(bad[i], &z, &e) == -1 && z == NULL && e.code == DRIP_EDATA,
		   "refused name %zu", i);
		like(e.msg, "not a zone name like \"Europe/Berlin\"", "reason for name %zu", i);
	}
	like(e.msg, "unknown time zone \"Europe\\Berlin\"", "the message quotes the name");
	tz_load("Europe/Berlin\n", &z, &e);
	like(e.msg, "unknown time zone \"Europe/Berlin?\"", "control characters are not echoed");
	tz_load("../etc/passwd", &z, &e);
	like(e.msg, "unknown time zone \"../etc/passwd\"", "../etc/passwd");

	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	is_int(tz_load(longname, &z, &e), -1, "a 299-byte name is refused");
	like(e.msg, "aaa...\"", "a long name is cut in the message");

	err_clear(&e);
	is_int(tz_load("Europe/Berln", &z, &e), -1, "a misspelt zone");
	is_int(e.code, DRIP_EDATA, "is DRIP_EDATA");
	is_str(e.msg, "unknown time zone \"Europe/Berln\" (did you mean \"Europe/Berlin\"?)",
	       "with a suggestion from its directory");
	is_int(e.line, 0, "no line for a zone name");
	is_str(e.file, "", "no file for a zone name");
	tz_load("Nowhere/Zone", &z, &e);
	is_str(e.msg, "unknown time zone \"Nowhere/Zone\"", "no suggestion without a directory");
	tz_load("America", &z, &e);
	is_str(e.msg, "unknown time zone \"America\"", "a directory is not a zone");
	is_int(e.code, DRIP_EDATA, "a directory is DRIP_EDATA");
	tz_load("Europe/Xyzzyplugh", &z, &e);
	is_str(e.msg, "unknown time zone \"Europe/Xyzzyplugh\"", "nothing close: no suggestion");
}

static void
test_files(void)
{
	static const int64_t times[] = {1000000000};
	static const unsigned char idx[] = {1};
	static const int32_t offs[] = {3600, 7200};
	char dir[] = "/tmp/t_tz.XXXXXX", path[600], *big;
	const char *old = getenv("TZDIR");
	struct fake f = {'2', 1, times, idx, 2, offs, 0, "<+03>-3"};
	struct drip_err e;
	struct tz *z;
	const char *names[] = {"V2", "V1", "Text", "Short", "Leap", "Footer",
			       "Big", "AllDst", "Jn", "Ext", "NoRule", "BadIdx"};
	size_t i;

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp failed\n");
		exit(1);
	}
	setenv("TZDIR", dir, 1);

	write_fake(dir, "V2", &f);
	z = load("V2");
	is_local(z, 999999999, 2001, 9, 9, 2, 46, 39, 3600, "v2 file: before the transition");
	is_local(z, 1000000000, 2001, 9, 9, 3, 46, 40, 7200, "v2 file: at the transition");
	is_local(z, 1000000001, 2001, 9, 9, 4, 46, 41, 10800, "v2 file: the footer after the table");
	is_local(z, -5000000000LL, 1811, 7, 23, 16, 6, 40, 3600, "v2 file: type 0 before the table");
	tz_free(z);

	f.version = 0;
	write_fake(dir, "V1", &f);
	z = load("V1");
	is_local(z, 1000000001, 2001, 9, 9, 3, 46, 41, 7200, "v1 file: the last type, no footer");
	is_local(z, 0, 1970, 1, 1, 1, 0, 0, 3600, "v1 file: before the transition");
	tz_free(z);

	write_file(dir, "Text", "# not a zone\n", 13);
	err_clear(&e);
	is_int(tz_load("Text", &z, &e), -1, "a text file is refused");
	is_str(e.msg, "unknown time zone \"Text\"", "a text file is an unknown zone");
	is_int(e.code, DRIP_EDATA, "a text file is DRIP_EDATA");

	{
		unsigned char buf[4096], *p = buf;

		f.version = '2';
		p = fake_block(p, &f, 4);
		write_file(dir, "Short", buf, (size_t)(p - buf) - 3);
	}
	is_int(tz_load("Short", &z, &e), -1, "a truncated file is refused");
	like(e.msg, "time zone \"Short\": unusable TZif file (truncated)", "truncated");
	like(e.file, "/Short", "the error names the file");

	f.leap = 1;
	write_fake(dir, "Leap", &f);
	is_int(tz_load("Leap", &z, &e), -1, "leap seconds are refused");
	like(e.msg, "(leap seconds are not supported)", "leap seconds");
	f.leap = 0;

	f.footer = "garbage";
	write_fake(dir, "Footer", &f);
	is_int(tz_load("Footer", &z, &e), -1, "a bad footer is refused");
	like(e.msg, "(bad footer)", "bad footer");

	big = calloc(1, 300 * 1024);
	if (big == NULL)
		exit(1);
	memcpy(big, "TZif2", 5);
	write_file(dir, "Big", big, 300 * 1024);
	free(big);
	is_int(tz_load("Big", &z, &e), -1, "a 300 KiB file is refused");
	like(e.msg, "file larger than 262144 bytes", "too large");

	/* DST all year, the RFC 8536 example: daylight time never ends. */
	f.footer = "EST5EDT,0/0,J365/25";
	write_fake(dir, "AllDst", &f);
	z = load("AllDst");
	is_local(z, utc(2027, 1, 1, 0, 0, 0), 2026, 12, 31, 20, 0, 0, -14400, "all-year DST: new year");
	is_local(z, utc(2027, 7, 1, 0, 0, 0), 2027, 6, 30, 20, 0, 0, -14400, "all-year DST: July");
	is_local(z, utc(2028, 12, 31, 23, 0, 0), 2028, 12, 31, 19, 0, 0, -14400, "all-year DST: leap year end");
	tz_free(z);

	/* Jn skips February 29; n counts it. */
	f.footer = "XXX-1YYY,J60/2,300";
	write_fake(dir, "Jn", &f);
	z = load("Jn");
	is_local(z, 1803862800, 2027, 3, 1, 3, 0, 0, 7200, "J60 is March 1 (2027)");
	is_local(z, 1803862799, 2027, 3, 1, 1, 59, 59, 3600, "J60: the second before");
	is_local(z, 1835485200, 2028, 3, 1, 3, 0, 0, 7200, "J60 is March 1 in a leap year too");
	is_local(z, 1824681600, 2027, 10, 28, 1, 0, 0, 3600, "300 is October 28 (2027)");
	is_local(z, 1856217600, 2028, 10, 27, 1, 0, 0, 3600, "300 is October 27 in a leap year");
	is_local(z, 1856217599, 2028, 10, 27, 1, 59, 59, 7200, "300: the second before");
	tz_free(z);

	/* Negative and week-long rule times. */
	f.footer = "AAA-1BBB-3,M1.1.0/-25,M12.5.6/167";
	write_fake(dir, "Ext", &f);
	z = load("Ext");
	is_local(z, 1798840800, 2027, 1, 2, 1, 0, 0, 10800, "/-25: Saturday 23:00 before Sunday");
	is_local(z, 1798840799, 2027, 1, 1, 22, 59, 59, 3600, "/-25: the second before");
	is_local(z, 1830283200, 2027, 12, 31, 21, 0, 0, 3600, "/167: Saturday plus 6d23h");
	is_local(z, 1830283199, 2027, 12, 31, 22, 59, 59, 10800, "/167: the second before");
	tz_free(z);

	/* A footer naming DST without dates takes the United States rule. */
	f.footer = "EST5EDT";
	write_fake(dir, "NoRule", &f);
	z = load("NoRule");
	is_local(z, utc(2090, 7, 1, 12, 0, 0), 2090, 7, 1, 8, 0, 0, -14400, "default rule: July is DST");
	is_local(z, utc(2090, 1, 1, 12, 0, 0), 2090, 1, 1, 7, 0, 0, -18000, "default rule: January is not");
	tz_free(z);

	f.footer = "<+03>-3";
	{
		static const unsigned char badidx[] = {7};

		f.idx = badidx;
		write_fake(dir, "BadIdx", &f);
		f.idx = idx;
	}
	is_int(tz_load("BadIdx", &z, &e), -1, "a type index out of range is refused");
	like(e.msg, "(bad transitions)", "bad type index");

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	if (old != NULL)
		setenv("TZDIR", old, 1);
	else
		unsetenv("TZDIR");
}

int
main(void)
{
	test_calendar();
	test_utc();
	test_new_york();
	test_berlin();
	test_lord_howe();
	test_kolkata();
	test_extended_rules();
	test_names();
	test_files();
	return tap_done();
}
