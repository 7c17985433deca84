/*
 * t_dtime.c - reading RFC 3339 and local times, dates and clock times, and
 * writing them back, in real zones.
 */
#include "tap.h"

#include "dtime.h"
#include "err.h"
#include "tz.h"

#include <stdlib.h>

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

	if (tz_load(name, &z, &e) < 0) {
		printf("Bail out! cannot load %s: %s\n", name, e.msg);
		exit(1);
	}
	return z;
}

static void
parses(const char *s, const struct tz *z, int64_t want)
{
	int64_t t = 42;
	char why[256] = "";
	int r = dtime_parse(s, z, &t, why, sizeof why);

	if (!ok(r == 0 && t == want, "\"%s\" in %s", s, z ? tz_name(z) : "no zone"))
		printf("#   got %d, %lld (%s), want %lld (off by %lld)\n", r,
		       (long long)t, why, (long long)want, (long long)(t - want));
}

static void
fails(const char *s, const struct tz *z, const char *want)
{
	int64_t t = 42;
	char why[256] = "", name[128];
	size_t i;

	/* Control characters would break the TAP line. */
	for (i = 0; s[i] != '\0' && i < sizeof name - 1; i++)
		name[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	name[i] = '\0';
	is_int(dtime_parse(s, z, &t, why, sizeof why), -1, "\"%s\" is refused", name);
	is_str(why, want, "reason for \"%s\"", name);
}

#define EXPECTED "expected YYYY-MM-DD, YYYY-MM-DD HH:MM or an RFC 3339 time like 2026-11-24T10:20:00Z"

static void
test_parse(void)
{
	struct tz *ber = load("Europe/Berlin"), *ny = load("America/New_York");
	struct tz *lh = load("Australia/Lord_Howe"), *kol = load("Asia/Kolkata");

	parses("2026-11-24T10:20:00Z", ber, utc(2026, 11, 24, 10, 20, 0));
	parses("2026-11-24T10:20:00Z", NULL, utc(2026, 11, 24, 10, 20, 0));
	parses("2026-11-24T10:20:00+01:00", NULL, utc(2026, 11, 24, 9, 20, 0));
	parses("2026-11-24T10:20:00-05:30", NULL, utc(2026, 11, 24, 15, 50, 0));
	parses("2026-11-24T10:20:00-00:00", NULL, utc(2026, 11, 24, 10, 20, 0));
	parses("2026-11-24T10:20Z", NULL, utc(2026, 11, 24, 10, 20, 0));
	parses("2026-11-24T10:20+02:00", NULL, utc(2026, 11, 24, 8, 20, 0));
	parses("2026-11-24 10:20:00Z", NULL, utc(2026, 11, 24, 10, 20, 0));
	parses("2026-11-24t10:20:00z", NULL, utc(2026, 11, 24, 10, 20, 0));
	parses("2026-11-24T00:30:00+01:00", NULL, utc(2026, 11, 23, 23, 30, 0));
	parses("2026-11-24T23:59:59+23:59", NULL, utc(2026, 11, 24, 0, 0, 59));
	parses("2026-11-24T23:59:59-23:59", NULL, utc(2026, 11, 25, 23, 58, 59));
	parses("0000-01-01T00:00:00Z", NULL, utc(0, 1, 1, 0, 0, 0));
	parses("9999-12-31T23:59:59Z", NULL, utc(9999, 12, 31, 23, 59, 59));
	parses("1969-12-31T23:59:59Z", NULL, -1);
	parses("1970-01-01T00:00:00Z", NULL, 0);

	/* Local forms, read in the zone. */
	parses("2026-11-24", ber, utc(2026, 11, 23, 23, 0, 0));
	parses("2026-11-24 10:20", ber, utc(2026, 11, 24, 9, 20, 0));
	parses("2026-07-01 10:20", ber, utc(2026, 7, 1, 8, 20, 0));
	parses("2026-11-24T10:20", ber, utc(2026, 11, 24, 9, 20, 0));
	parses("2026-11-24T10:20:30", ber, utc(2026, 11, 24, 9, 20, 30));
	parses("2026-11-24 10:20:30", ber, utc(2026, 11, 24, 9, 20, 30));
	parses("2028-02-29", ber, utc(2028, 2, 28, 23, 0, 0));
	parses("2000-02-29 12:00", ny, utc(2000, 2, 29, 17, 0, 0));
	parses("2026-01-15 12:00", kol, utc(2026, 1, 15, 6, 30, 0));
	parses("2090-07-01 12:00", ny, utc(2090, 7, 1, 16, 0, 0));
	parses("1960-06-01", ny, utc(1960, 6, 1, 4, 0, 0));

	/* Gaps move forward, folds take the first occurrence. */
	parses("2026-03-08 02:30", ny, utc(2026, 3, 8, 7, 30, 0));
	parses("2026-11-01 01:30", ny, utc(2026, 11, 1, 5, 30, 0));
	parses("2026-03-29 02:30", ber, utc(2026, 3, 29, 1, 30, 0));
	parses("2026-10-25 02:30", ber, utc(2026, 10, 25, 0, 30, 0));
	parses("2026-10-04 02:15", lh, utc(2026, 10, 3, 15, 45, 0));
	parses("2026-04-05 01:45", lh, utc(2026, 4, 4, 14, 45, 0));
	/* An offset makes the time exact, gap or not. */
	parses("2026-11-01T01:30:00-05:00", ny, utc(2026, 11, 1, 6, 30, 0));

	fails("", ber, "invalid time \"\": " EXPECTED);
	fails("2026-02-30", ber, "invalid time \"2026-02-30\": day 30 is past the end of February");
	fails("2026-02-29", ber, "invalid time \"2026-02-29\": day 29 is past the end of February");
	fails("1900-02-29 10:00", ber, "invalid time \"1900-02-29 10:00\": day 29 is past the end of February");
	fails("2026-04-31T10:00:00Z", ber, "invalid time \"2026-04-31T10:00:00Z\": day 31 is past the end of April");
	fails("2026-12-32", ber, "invalid time \"2026-12-32\": day 32 is past the end of December");
	fails("2026-13-01", ber, "invalid time \"2026-13-01\": month 13 does not exist");
	fails("2026-00-10", ber, "invalid time \"2026-00-10\": month 00 does not exist");
	fails("2026-01-00", ber, "invalid time \"2026-01-00\": day 00 does not exist");
	fails("2026-11-24 24:00", ber, "invalid time \"2026-11-24 24:00\": hour 24 is out of range (00-23)");
	fails("2026-11-24 10:60", ber, "invalid time \"2026-11-24 10:60\": minute 60 is out of range (00-59)");
	fails("2026-11-24T10:20:60Z", ber, "invalid time \"2026-11-24T10:20:60Z\": second 60 is out of range (00-59)");
	fails("2026-11-24T10:20:00.5Z", ber, "invalid time \"2026-11-24T10:20:00.5Z\": fractional seconds are not supported");
	fails("2026-11-24T10:20:00,5Z", ber, "invalid time \"2026-11-24T10:20:00,5Z\": fractional seconds are not supported");
	fails("2026-11-24T10:20:00+01", ber,
	      "invalid time \"2026-11-24T10:20:00+01\": the UTC offset must be written +HH:MM or -HH:MM");
	fails("2026-11-24T10:20:00+0100", ber,
	      "invalid time \"2026-11-24T10:20:00+0100\": the UTC offset must be written +HH:MM or -HH:MM");
	fails("2026-11-24T10:20:00+24:00", ber,
	      "invalid time \"2026-11-24T10:20:00+24:00\": offset +24:00 is out of range (at most 23:59)");
	fails("2026-11-24T10:20:00-01:60", ber,
	      "invalid time \"2026-11-24T10:20:00-01:60\": offset -01:60 is out of range (at most 23:59)");
	fails("2026-11-24T10:20:00Zjunk", ber, "invalid time \"2026-11-24T10:20:00Zjunk\": " EXPECTED);
	fails("2026-11-24T10:20:00+01:00\n", ber, "invalid time \"2026-11-24T10:20:00+01:00?\": " EXPECTED);
	fails("2026-11-24 ", ber, "invalid time \"2026-11-24 \": " EXPECTED);
	fails("2026-11-24T", ber, "invalid time \"2026-11-24T\": " EXPECTED);
	fails("2026-11-24  10:20", ber, "invalid time \"2026-11-24  10:20\": " EXPECTED);
	fails("2026-11-24 9:05", ber, "invalid time \"2026-11-24 9:05\": " EXPECTED);
	fails("2026-11-24 10", ber, "invalid time \"2026-11-24 10\": " EXPECTED);
	fails("2026-11-24 10:20:5", ber, "invalid time \"2026-11-24 10:20:5\": " EXPECTED);
	fails("26-11-24", ber, "invalid time \"26-11-24\": " EXPECTED);
	fails("2026/11/24", ber, "invalid time \"2026/11/24\": " EXPECTED);
	fails("2026-1-24", ber, "invalid time \"2026-1-24\": " EXPECTED);
	fails("+2026-11-24", ber, "invalid time \"+2026-11-24\": " EXPECTED);
	fails("now", ber, "invalid time \"now\": " EXPECTED);
	fails("2026-11-24 10:20", NULL,
	      "invalid time \"2026-11-24 10:20\": no time zone to read a local time in (add Z or an offset like +01:00)");
	fails("2026-11-24", NULL,
	      "invalid time \"2026-11-24\": no time zone to read a local time in (add Z or an offset like +01:00)");
	fails("\"\x1b[31m2026-11-24 10:20 and a lot more text after it", ber,
	      "invalid time \"??[31m2026-11-24 10:20 and a lot more te...\": " EXPECTED);

	tz_free(ber);
	tz_free(ny);
	tz_free(lh);
	tz_free(kol);
}

static void
test_date_hhmm(void)
{
	int y = 0, m = 0, d = 0, mins = -5;
	char why[256];

	ok(dtime_parse_date("2026-11-24", &y, &m, &d, why, sizeof why) == 0 &&
	   y == 2026 && m == 11 && d == 24, "date 2026-11-24");
	ok(dtime_parse_date("2028-02-29", &y, &m, &d, why, sizeof why) == 0 &&
	   y == 2028 && m == 2 && d == 29, "date 2028-02-29");
	ok(dtime_parse_date("0001-01-01", &y, &m, &d, why, sizeof why) == 0 &&
	   y == 1 && m == 1 && d == 1, "date 0001-01-01");
	is_int(dtime_parse_date("2026-02-29", &y, &m, &d, why, sizeof why), -1, "2026-02-29 refused");
	is_str(why, "invalid date \"2026-02-29\": day 29 is past the end of February", "2026-02-29 reason");
	is_int(dtime_parse_date("2026-11-24 10:00", &y, &m, &d, why, sizeof why), -1, "a time is not a date");
	is_str(why, "invalid date \"2026-11-24 10:00\": expected YYYY-MM-DD, like 2026-11-24", "time reason");
	is_int(dtime_parse_date("", &y, &m, &d, why, sizeof why), -1, "empty date refused");
	is_str(why, "invalid date \"\": expected YYYY-MM-DD, like 2026-11-24", "empty date reason");
	is_int(dtime_parse_date("2026-13-01", &y, &m, &d, why, sizeof why), -1, "month 13 refused");
	is_str(why, "invalid date \"2026-13-01\": month 13 does not exist", "month 13 reason");
	is_int(dtime_parse_date("20261124", &y, &m, &d, why, sizeof why), -1, "basic format refused");
	is_int(dtime_parse_date("2026-06-31", &y, &m, &d, why, sizeof why), -1, "June 31 refused");
	is_str(why, "invalid date \"2026-06-31\": day 31 is past the end of June", "June 31 reason");

	ok(dtime_parse_hhmm("00:00", &mins, why, sizeof why) == 0 && mins == 0, "00:00 is 0");
	ok(dtime_parse_hhmm("09:30", &mins, why, sizeof why) == 0 && mins == 570, "09:30 is 570");
	ok(dtime_parse_hhmm("23:59", &mins, why, sizeof why) == 0 && mins == 1439, "23:59 is 1439");
	is_int(dtime_parse_hhmm("24:00", &mins, why, sizeof why), -1, "24:00 refused");
	is_str(why, "invalid time of day \"24:00\": hour 24 is out of range (00-23)", "24:00 reason");
	is_int(dtime_parse_hhmm("12:60", &mins, why, sizeof why), -1, "12:60 refused");
	is_str(why, "invalid time of day \"12:60\": minute 60 is out of range (00-59)", "12:60 reason");
	is_int(dtime_parse_hhmm("9:30", &mins, why, sizeof why), -1, "9:30 refused");
	is_str(why, "invalid time of day \"9:30\": expected HH:MM, like 09:30", "9:30 reason");
	is_int(dtime_parse_hhmm("09:30:00", &mins, why, sizeof why), -1, "seconds refused");
	is_str(why, "invalid time of day \"09:30:00\": expected HH:MM, like 09:30", "seconds reason");
	is_int(dtime_parse_hhmm("0930", &mins, why, sizeof why), -1, "0930 refused");
	is_int(dtime_parse_hhmm("", &mins, why, sizeof why), -1, "empty refused");
	is_str(why, "invalid time of day \"\": expected HH:MM, like 09:30", "empty reason");
	is_int(dtime_parse_hhmm(" 09:30", &mins, why, sizeof why), -1, "leading space refused");
	is_int(dtime_parse_hhmm("09:3", &mins, why, sizeof why), -1, "09:3 refused");
}

static void
test_format(void)
{
	struct tz *ber = load("Europe/Berlin"), *ny = load("America/New_York");
	struct tz *lh = load("Australia/Lord_Howe"), *kol = load("Asia/Kolkata");
	struct tz *zones[3];
	char buf[64], again[64], small[8], why[256];
	int64_t t, back, bad;
	size_t i;
	struct lt l;

	dtime_format_utc(utc(2026, 3, 2, 13, 40, 0), buf, 21);
	is_str(buf, "2026-03-02T13:40:00Z", "utc format in 21 bytes");
	dtime_format_utc(0, buf, sizeof buf);
	is_str(buf, "1970-01-01T00:00:00Z", "the epoch");
	dtime_format_utc(-1, buf, sizeof buf);
	is_str(buf, "1969-12-31T23:59:59Z", "one second before the epoch");
	dtime_format_utc(utc(1900, 2, 28, 23, 59, 59) + 1, buf, sizeof buf);
	is_str(buf, "1900-03-01T00:00:00Z", "1900 is not a leap year");
	dtime_format_utc(utc(2090, 12, 31, 23, 59, 59), buf, sizeof buf);
	is_str(buf, "2090-12-31T23:59:59Z", "2090");
	dtime_format_utc(0, small, sizeof small);
	is_str(small, "1970-01", "utc format is cut to the buffer");

	dtime_format_local(ber, utc(2026, 3, 2, 13, 40, 0), 0, buf, sizeof buf);
	is_str(buf, "2026-03-02 14:40", "Berlin local");
	dtime_format_local(ber, utc(2026, 3, 2, 13, 40, 0), 1, buf, DTIME_LOCAL_MAX);
	is_str(buf, "2026-03-02 14:40 +01:00", "Berlin local with offset");
	dtime_format_local(ber, utc(2026, 7, 2, 13, 40, 59), 1, buf, sizeof buf);
	is_str(buf, "2026-07-02 15:40 +02:00", "Berlin summer, seconds not shown");
	dtime_format_local(ny, utc(2026, 11, 1, 5, 30, 0), 1, buf, sizeof buf);
	is_str(buf, "2026-11-01 01:30 -04:00", "New York fold, first");
	dtime_format_local(ny, utc(2026, 11, 1, 6, 30, 0), 1, buf, sizeof buf);
	is_str(buf, "2026-11-01 01:30 -05:00", "New York fold, second");
	dtime_format_local(kol, utc(2026, 1, 15, 6, 30, 0), 1, buf, sizeof buf);
	is_str(buf, "2026-01-15 12:00 +05:30", "Kolkata");
	dtime_format_local(lh, utc(2026, 10, 3, 15, 30, 0), 1, buf, sizeof buf);
	is_str(buf, "2026-10-04 02:30 +11:00", "Lord Howe after the gap");
	dtime_format_local(lh, utc(2026, 10, 3, 15, 29, 0), 1, buf, sizeof buf);
	is_str(buf, "2026-10-04 01:59 +10:30", "Lord Howe before the gap");
	dtime_format_local(ny, utc(1850, 6, 1, 12, 0, 0), 1, buf, sizeof buf);
	is_str(buf, "1850-06-01 07:03 -04:56:02", "local mean time keeps its seconds");
	dtime_format_local(ny, utc(2090, 7, 1, 12, 0, 0), 1, buf, sizeof buf);
	is_str(buf, "2090-07-01 08:00 -04:00", "2090 by the footer rule");
	dtime_format_local(ber, 0, 1, small, sizeof small);
	is_str(small, "1970-01", "local format is cut to the buffer");

	/* Every 7 minutes of a year in UTC: format and parse agree. */
	bad = 0;
	for (t = utc(2026, 1, 1, 0, 0, 0); t < utc(2027, 1, 1, 0, 0, 0); t += 7 * 60 + 13) {
		dtime_format_utc(t, buf, sizeof buf);
		if (dtime_parse(buf, NULL, &back, why, sizeof why) < 0 || back != t)
			bad++;
	}
	is_int(bad, 0, "RFC 3339 round trip over 2026");

	/* Local minutes read back as themselves, except the second pass
	 * through a fold, which reads as the first. */
	zones[0] = ny;
	zones[1] = ber;
	zones[2] = lh;
	for (i = 0; i < 3; i++) {
		bad = 0;
		for (t = utc(2026, 1, 1, 0, 0, 0); t < utc(2027, 1, 1, 0, 0, 0); t += 5 * 60) {
			dtime_format_local(zones[i], t, 0, buf, sizeof buf);
			if (dtime_parse(buf, zones[i], &back, why, sizeof why) < 0) {
				bad++;
				continue;
			}
			if (back == t)
				continue;
			/* A second pass: the same wall clock an hour or
			 * less earlier, with a larger offset. */
			tz_to_local(zones[i], back, &l);
			dtime_format_local(zones[i], back, 0, again, sizeof again);
			if (back < t && back >= t - 3600 && strcmp(again, buf) == 0)
				continue;
			bad++;
		}
		is_int(bad, 0, "local round trip over 2026 in %s", tz_name(zones[i]));
	}

	tz_free(ber);
	tz_free(ny);
	tz_free(lh);
	tz_free(kol);
}

int
main(void)
{
	test_parse();
	test_date_hhmm();
	test_format();
	return tap_done();
}
