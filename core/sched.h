/*
 * sched.h - when a step fires: SPEC §3.3 (step sequences), §3.4 (date
 * sequences) and the tick slots of §9.1, as pure functions of their
 * arguments (no clock, no environment, no I/O except the holidays loader).
 *
 * Instants are int64_t seconds since the Unix epoch, UTC.  Local days are
 * civil day numbers as cal_days_from_civil returns them.  SCHED_NEVER
 * (INT64_MAX) is the answer when no moment is allowed at all: the send
 * window's days and the step's days have no weekday in common, the window
 * is empty, or holidays cover every allowed day of the next SCHED_SEARCH_DAYS
 * days.  Every function here passes SCHED_NEVER through unchanged.
 */
#ifndef DRIP_CORE_SCHED_H
#define DRIP_CORE_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"	/* struct window, struct dur */

struct arena;
struct drip_err;
struct tz;

/* "Never": no allowed moment exists (see above). */
#define SCHED_NEVER INT64_MAX
/* How many days after a candidate's day are searched for an allowed day
 * before giving up with SCHED_NEVER (ten years). */
#define SCHED_SEARCH_DAYS 3660

struct sched_rules {
	const struct tz *zone;        /* the zone local times are in */
	int default_time;             /* minutes after midnight (drip.yaml default_time) */
	struct window window;         /* days mask (bit 0 = Sunday) + [from, to) minutes; {0x7f, 0, 1440} = always */
	unsigned step_days;           /* the step's days: mask, 0 = any day */
	const int64_t *holidays;      /* sorted local civil days (cal_days_from_civil), may be NULL */
	size_t nholidays;
};

/* ---- step sequences, SPEC §3.3 ---- */

/*
 * §3.3 steps 1-5: the instant a step whose predecessor fired at base (or
 * the enrollment time) becomes due.  wait: the step's wait (NULL means 0);
 * at: minutes after midnight or -1 for none.  Not yet quantized to a slot
 * (use sched_slot_ceil).
 * Details:
 *   1. t = dur_add(zone, base, wait): months, then days, on the local
 *      calendar, then the exact hours and minutes.
 *   2. With at: the first instant that reads at o'clock on the local date
 *      of t or a later one and is strictly later than base.  This may be
 *      earlier than t (wait 2d at 07:00 from Monday 13:37 is Wednesday
 *      07:00).  A time in a DST gap moves forward by the gap first, and the
 *      comparison is made on the instant (so at 02:30 on the New York
 *      spring-forward day, reached at 03:15 EDT, is 03:30 EDT that day).  In
 *      a fold the first occurrence is taken, unless it is not later than
 *      base and the second one is: then the second (01:30 EST on the New
 *      York fall-back day, reached at 01:10 EST or 01:40 EDT).
 *   3. Without at, a wait of only months/weeks/days (not 0) fires at
 *      default_time on the local date of t.  Wait 0 without at is base;
 *      a wait with hours or minutes and no at is exactly t.
 *   4. Gaps and folds follow tz_from_local.
 *   5. The result goes through sched_allowed.
 * Step waits are never negative (dur_parse refuses them); were one given,
 * the result would still be later than base when at is given.
 */
int64_t sched_due(const struct sched_rules *r, int64_t base,
		  const struct dur *wait, int at);

/*
 * §3.3 step 5 alone: t itself when it is allowed; otherwise, when t's
 * local day is allowed and its time of day is before the window's from,
 * from on that day; otherwise the next allowed day at the same local time
 * of day, or at from when that time is outside [from, to).  Never earlier
 * than t.  The result is always an allowed moment (or SCHED_NEVER), so
 * sched_allowed(sched_allowed(t)) == sched_allowed(t).
 * Details: the time of day keeps its seconds.  A local time that a DST gap
 * turns into one outside the window (or onto the next day) is not used:
 * the search goes on to from on that day, then to the next allowed day.
 */
int64_t sched_allowed(const struct sched_rules *r, int64_t t);

/* Is the local day of t allowed: its weekday is in the window's days and in
 * step_days (when not 0), and it is not a holiday?  The clock range of the
 * window is not looked at. */
int sched_day_allowed(const struct sched_rules *r, int64_t t);

/*
 * The frequency cap's deferral (§3.3 "Frequency cap"): "the next allowed
 * moment of the next day".  This is sched_allowed applied to the window's
 * from (00:00 when the window starts at 0) on the local day after t's local
 * day; so it is from on the first allowed day after t's day (or later on
 * that day when from falls in a DST gap).  Always on a later local day
 * than t.
 */
int64_t sched_next_day(const struct sched_rules *r, int64_t t);

/* ---- slots, SPEC §3.3 step 6 and §9.1 ---- */

/* Slots of len seconds aligned to UTC midnight (the epoch; len divides
 * 24h).  Correct for negative t.  A len <= 0 returns t unchanged. */
int64_t sched_slot_ceil(int64_t t, int64_t len);   /* first slot start >= t; SCHED_NEVER stays */
int64_t sched_slot_floor(int64_t t, int64_t len);  /* start of the slot containing t */

/* ---- date sequences, SPEC §3.4 ---- */

/*
 * The due instant of a date step: the first occurrence at or after
 * not_before (the enrollment time: "a step whose date has passed when the
 * contact enrolls is skipped (annual steps move to next year)"), passed
 * through sched_allowed.
 * The date is (year, mon, day): a fixed `on: YYYY-MM-DD` or the value of
 * a contact's date column.  offset (NULL for none; may be negative) is
 * applied to it on the calendar as dur_add does (months with the day
 * clamped to the month's length, then days), the step fires at `at`
 * (minutes after midnight, or -1 for default_time) on the date reached,
 * and the offset's hours and minutes are then added exactly.
 * With annually, occurrences are the anniversaries of the date in its own
 * year and every later year (never before the date's year), each with the
 * offset applied; an anniversary of Feb 29 is Feb 28 in a year that is not
 * a leap year.
 * Returns 0 with *out (SCHED_NEVER when no moment is ever allowed), 1 when
 * there is no occurrence at or after not_before (a past date that is not
 * annual), or -1 when (year, mon, day) is not a date, with why saying so
 * like dtime_parse_date ('invalid date "2026-02-30": day 30 is past the end
 * of February').  Years outside +-1000000 are not dates either.
 */
int sched_date_next(const struct sched_rules *r, int year, int mon, int day,
		    const struct dur *offset, int at, int annually,
		    int64_t not_before, int64_t *out, char *why, size_t whylen);

/* ---- holidays ---- */

/*
 * Load holidays.csv (a `date` column of YYYY-MM-DD, other columns ignored)
 * into a sorted, de-duplicated array of civil days in the arena (*days is
 * NULL when there is none).  Missing file: DRIP_ENOINPUT; a bad date:
 * DRIP_EDATA "holidays.csv:LINE: invalid date ..." with the line where the
 * record starts; no `date` column: DRIP_EDATA at line 1, with a "did you
 * mean" suggestion; CSV errors as csvio reports them.  On error *days is
 * NULL and *n is 0.
 */
int sched_load_holidays(struct arena *a, const char *path, int64_t **days,
			size_t *n, struct drip_err *err);

#endif
