/*
 * tz.h - IANA time zones read from the system zoneinfo (TZif files), and
 * conversion between UTC instants and local wall-clock times.
 *
 * drip does not use TZ/localtime(): a tick converts times in many zones
 * (the workspace's, a sequence's, each contact's), and the result must not
 * depend on the process environment.  Zones are read from $TZDIR, else
 * /usr/share/zoneinfo; transitions past the end of the file's table follow
 * the POSIX TZ rule in its footer (TZif v2+), so far-future times are right.
 *
 * Instants are int64_t seconds since the Unix epoch, UTC.
 */
#ifndef DRIP_CORE_TZ_H
#define DRIP_CORE_TZ_H

#include <stdint.h>

struct drip_err;
struct tz;

/* A local wall-clock time, as a person reads it. */
struct lt {
	int year;
	int mon;	/* 1..12 */
	int day;	/* 1..31 */
	int hour;	/* 0..23 */
	int min;	/* 0..59 */
	int sec;	/* 0..59 */
	int wday;	/* 0 = Sunday .. 6 = Saturday */
	int32_t utoff;	/* seconds east of UTC in force at that instant */
};

/*
 * Load a zone by IANA name ("Europe/Berlin", "UTC").  The name is checked
 * before it becomes a path (no "..", no leading "/", only [A-Za-z0-9_+-/]).
 * An unknown zone is DRIP_EDATA "unknown time zone \"X\"".
 * The zone is heap-allocated; free it with tz_free.
 * Details: a misspelt name gets a suggestion from the same directory
 * ("unknown time zone \"Europe/Berln\" (did you mean \"Europe/Berlin\"?)");
 * a name that is not a zone name at all (or is "localtime", which is the
 * machine's zone) is "unknown time zone \"X\": not a zone name like ...";
 * a file that is not TZif is unknown too; a TZif file that is damaged,
 * larger than 256 KiB or counts leap seconds ("right/...") is DRIP_EDATA
 * with the file's path; an I/O failure other than "no such file" is
 * DRIP_EFAIL.
 */
int tz_load(const char *name, struct tz **out, struct drip_err *err);
void tz_free(struct tz *z);
const char *tz_name(const struct tz *z);

/* UTC instant to local time.  Instants beyond about +-2.2 million years
 * (2^46 s) are clamped to that range, so that every year fits an int. */
void tz_to_local(const struct tz *z, int64_t t, struct lt *out);

/*
 * Local wall-clock time to a UTC instant, by SPEC §3.3 rule 4: a time that
 * does not exist (in a DST gap) moves forward by the length of the gap
 * (02:30 on a spring-forward night in New York is 03:30 EDT); a time that
 * exists twice (in a DST fold) is the first occurrence.  Fields may be out
 * of range (day 32, min 90): they are normalised first, as mktime does.
 */
int64_t tz_from_local(const struct tz *z, int year, int mon, int day,
		      int hour, int min, int sec);

/* ---- calendar helpers (proleptic Gregorian, no zone) ---- */

/* Days since 1970-01-01 of a civil date, and back.  mon and day may be
 * out of range and are normalised (month 13 is January of the next year,
 * day 0 the last day of the month before). */
int64_t cal_days_from_civil(int year, int mon, int day);
void cal_civil_from_days(int64_t days, int *year, int *mon, int *day);
/* 28..31, or 0 when mon is not 1..12. */
int cal_days_in_month(int year, int mon);
/* 0 = Sunday .. 6 = Saturday */
int cal_weekday(int64_t days);

#endif
