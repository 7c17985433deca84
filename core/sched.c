/*
 * sched.c - when steps fire (SPEC §3.3, §3.4) and tick slots (§9.1).
 *
 * Everything here is arithmetic on instants and the local calendar of one
 * zone.  The only subtle parts are the DST edges: a candidate is built as a
 * local wall-clock reading, resolved to an instant by tz_from_local (gap:
 * forward by the gap; fold: first occurrence, SPEC §3.3 rule 4), and then
 * checked again as an instant, so that no result is earlier than what it
 * must follow and every result of sched_allowed really is allowed.
 */
#include "sched.h"

#include "arena.h"
#include "csvio.h"
#include "dtime.h"
#include "dur.h"
#include "err.h"
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The average Gregorian year, to guess which anniversary comes next. */
#define YEAR_SECS 31556952
/* Years a date step may name or reach; far inside tz's range, and small
 * enough that year arithmetic never overflows an int. */
#define SCHED_YEAR_MAX 1000000

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* ---- days ---- */

static int64_t
local_day(const struct tz *z, int64_t t, int *tod)
{
	struct lt l;

	tz_to_local(z, t, &l);
	if (tod != NULL)
		*tod = l.hour * 3600 + l.min * 60 + l.sec;
	return cal_days_from_civil(l.year, l.mon, l.day);
}

/* The weekdays on which anything may fire. */
static unsigned
days_mask(const struct sched_rules *r)
{
	unsigned m = r->window.days & 0x7f;

	if (r->step_days != 0)
		m &= r->step_days;
	return m;
}

static int
is_holiday(const struct sched_rules *r, int64_t day)
{
	size_t lo = 0, hi = r->nholidays, mid;

	if (r->holidays == NULL)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->holidays[mid] == day)
			return 1;
		if (r->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* SPEC §3.3 rule 5: "a local day is allowed when its weekday is in the
 * step's days: (if given) and in the send window's days:, and it is not in
 * holidays". */
static int
day_allowed(const struct sched_rules *r, int64_t day)
{
	return (days_mask(r) >> cal_weekday(day) & 1) && !is_holiday(r, day);
}

/* The window's clock range in seconds, clamped to one day. */
static void
window_secs(const struct sched_rules *r, int *from, int *to)
{
	int f = r->window.from, t = r->window.to;

	f = f < 0 ? 0 : f > 1440 ? 1440 : f;
	t = t < 0 ? 0 : t > 1440 ? 1440 : t;
	*from = f * 60;
	*to = t * 60;
}

/* The instant that reads secs after midnight on local day (resolved by
 * tz_from_local, so a time in a gap moves forward by the gap). */
static int64_t
at_local(const struct tz *z, int64_t day, int secs)
{
	int y, m, d;

	cal_civil_from_days(day, &y, &m, &d);
	return tz_from_local(z, y, m, d, 0, 0, secs);
}

/* The instant reading secs on day, when it is an allowed moment of that
 * very day (a gap may have pushed it out of the window or onto the next
 * day); -1 when it is not. */
static int
allowed_at(const struct sched_rules *r, int64_t day, int secs, int64_t *out)
{
	int64_t c = at_local(r->zone, day, secs);
	int from, to, tod;

	window_secs(r, &from, &to);
	if (local_day(r->zone, c, &tod) != day || tod < from || tod >= to)
		return -1;
	*out = c;
	return 0;
}

/* ---- SPEC §3.3 ---- */

int
sched_day_allowed(const struct sched_rules *r, int64_t t)
{
	return day_allowed(r, local_day(r->zone, t, NULL));
}

int64_t
sched_allowed(const struct sched_rules *r, int64_t t)
{
	int64_t day, c;
	int from, to, tod, i;

	if (t == SCHED_NEVER)
		return SCHED_NEVER;
	window_secs(r, &from, &to);
	if (from >= to || days_mask(r) == 0)
		return SCHED_NEVER;
	day = local_day(r->zone, t, &tod);
	if (day_allowed(r, day)) {
		if (tod >= from && tod < to)
			return t;
		/* "on an allowed day before from, to from that day" */
		if (tod < from && allowed_at(r, day, from, &c) == 0) {
			/* Only in a fold: t is in the repeated hour and from's
			 * first occurrence was before it; take the from that
			 * still lies ahead, on t's own offset. */
			if (c < t)
				c = t + (from - tod);
			return c;
		}
	}
	/* "otherwise to the next allowed day at the same local time of day,
	 * and then, if that time is outside the window, to from on that
	 * day" */
	for (i = 1; i <= SCHED_SEARCH_DAYS; i++) {
		if (!day_allowed(r, day + i))
			continue;
		if (tod >= from && tod < to && allowed_at(r, day + i, tod, &c) == 0)
			return c;
		if (allowed_at(r, day + i, from, &c) == 0)
			return c;
	}
	return SCHED_NEVER;
}

int64_t
sched_next_day(const struct sched_rules *r, int64_t t)
{
	int from, to;

	if (t == SCHED_NEVER)
		return SCHED_NEVER;
	window_secs(r, &from, &to);
	return sched_allowed(r, at_local(r->zone, local_day(r->zone, t, NULL) + 1,
					 from));
}

/* Does t read at (minutes) o'clock, to the second, on local day? */
static int
reads(const struct tz *z, int64_t t, int64_t day, int at)
{
	int tod;

	return local_day(z, t, &tod) == day && tod == at * 60;
}

/*
 * SPEC §3.3 rule 2: "the first local HH:MM on or after the local date
 * reached in step 1 that is strictly later than the base time".  The
 * comparison is on instants: a reading in a gap counts as the instant it
 * moves to.  In a fold, tz_from_local gives the first occurrence; when that
 * is not later than base (base lies in or just before the repeated hour),
 * the second occurrence of HH:MM that day may still be, and it is a local
 * HH:MM too.  The second occurrence is the same reading on the offset in
 * force after the fold, which is looked up a few hours later (no fold is
 * that long).
 */
static int64_t
first_at(const struct tz *z, int64_t t, int at, int64_t base)
{
	int64_t day, base_day, c = t, alt;
	struct lt lc, later;
	int i;

	day = local_day(z, t, NULL);
	/* Only a negative wait can reach a day before base's; no HH:MM two
	 * days before base's day can be later than base. */
	base_day = local_day(z, base, NULL);
	if (day < base_day - 1)
		day = base_day - 1;
	for (i = 0; i < 8; i++, day++) {
		c = at_local(z, day, at * 60);
		if (c > base)
			return c;
		tz_to_local(z, c, &lc);
		tz_to_local(z, c + 6 * 3600, &later);
		alt = c + lc.utoff - later.utoff;
		if (alt > base && reads(z, alt, day, at))
			return alt;
	}
	/* Unreachable for real zones: a day later than base's always has
	 * an HH:MM later than base. */
	return c;
}

int64_t
sched_due(const struct sched_rules *r, int64_t base, const struct dur *wait,
	  int at)
{
	static const struct dur zero;
	int64_t t;

	if (base == SCHED_NEVER)
		return SCHED_NEVER;
	if (wait == NULL)
		wait = &zero;
	/* Rule 1: calendar parts in local time, then the exact parts. */
	t = dur_add(r->zone, base, wait);
	if (t == SCHED_NEVER)
		return SCHED_NEVER;
	if (at >= 0)
		t = first_at(r->zone, t, at, base);
	else if (dur_is_calendar_only(wait))
		/* Rule 3: "if wait has only months/weeks/days parts (and is
		 * not 0) and there is no at, the time of day is
		 * default_time". */
		t = at_local(r->zone, local_day(r->zone, t, NULL),
			     r->default_time * 60);
	return sched_allowed(r, t);
}

/* ---- slots, SPEC §9.1 ---- */

int64_t
sched_slot_floor(int64_t t, int64_t len)
{
	int64_t m;

	if (len <= 0)
		return t;
	m = t % len;
	if (m < 0) {
		/* The slot would start before the first representable
		 * instant; there is nothing earlier to return. */
		if (t < INT64_MIN + len)
			return INT64_MIN;
		m += len;
	}
	return t - m;
}

int64_t
sched_slot_ceil(int64_t t, int64_t len)
{
	int64_t f;

	if (len <= 0 || t == SCHED_NEVER)
		return t;
	f = sched_slot_floor(t, len);
	if (f == t)
		return t;
	if (f > INT64_MAX - len)
		return SCHED_NEVER;
	return f + len;
}

/* ---- SPEC §3.4 ---- */

/* A date step's fields, for computing one year's occurrence. */
struct date_rule {
	const struct tz *zone;
	int mon, day;
	const struct dur *offset;
	int at;			/* minutes after midnight */
};

/* The occurrence of the date in year y: its anniversary in y (Feb 29 is
 * Feb 28 in a common year), then the offset's months (the day clamped to
 * the month's length, as dur_add does) and days on the calendar, at `at`,
 * then the offset's exact part.  So Feb 29 + 1mo is Mar 28 in a common
 * year and Mar 29 in a leap year, as if the offset were added to the
 * anniversary by hand. */
static int64_t
occurrence(const struct date_rule *d, int y)
{
	int64_t mon, year, civil, t;
	int day = d->day, len;

	if (day > cal_days_in_month(y, d->mon))
		day = cal_days_in_month(y, d->mon);
	mon = (int64_t)d->mon - 1 + d->offset->months;
	year = y + (mon >= 0 ? mon / 12 : -((11 - mon) / 12));
	mon -= (year - y) * 12;
	len = cal_days_in_month((int)year, (int)mon + 1);
	if (day > len)
		day = len;
	civil = cal_days_from_civil((int)year, (int)mon + 1, day) + d->offset->days;
	t = at_local(d->zone, civil, d->at * 60);
	return t + d->offset->secs;
}

static int
check_date(int year, int mon, int day, char *why, size_t whylen)
{
	char q[48];

	snprintf(q, sizeof q, "%04d-%02d-%02d", year, mon, day);
	if (year < -SCHED_YEAR_MAX || year > SCHED_YEAR_MAX)
		snprintf(why, whylen, "invalid date \"%s\": year %d is out of range",
			 q, year);
	else if (mon < 1 || mon > 12)
		snprintf(why, whylen, "invalid date \"%s\": month %02d does not exist",
			 q, mon);
	else if (day < 1)
		snprintf(why, whylen, "invalid date \"%s\": day %02d does not exist",
			 q, day);
	else if (day > cal_days_in_month(year, mon))
		snprintf(why, whylen, "invalid date \"%s\": day %d is past the end of %s",
			 q, day, month_names[mon - 1]);
	else
		return 0;
	return -1;
}

/*
 * The first year from `year` on whose occurrence is at or after
 * not_before, or -1 when it lies beyond SCHED_YEAR_MAX.  The guess k =
 * distance / average year never overshoots: k - 1 years after `year` the
 * occurrence has moved by at most (k - 1) average years plus a few days
 * (leap days, the month-end clamp, DST), which is less than k average
 * years, so it is still before not_before.  From there, occurrences are a
 * year apart and the loop takes a step or two.
 */
static int64_t
next_year(const struct date_rule *d, int year, int64_t not_before)
{
	int64_t first = occurrence(d, year), y;

	if (first >= not_before)
		return year;
	/* Occurrences stay within tz's range (about 2^47 s), so a later
	 * not_before cannot be reached, and the subtraction cannot overflow. */
	if (not_before > ((int64_t)1 << 50))
		return -1;
	y = year + (not_before - first) / YEAR_SECS;
	if (y > SCHED_YEAR_MAX)
		return -1;
	while (occurrence(d, (int)y) < not_before)
		if (++y > SCHED_YEAR_MAX)
			return -1;
	return y;
}

int
sched_date_next(const struct sched_rules *r, int year, int mon, int day,
		const struct dur *offset, int at, int annually,
		int64_t not_before, int64_t *out, char *why, size_t whylen)
{
	static const struct dur zero;
	struct date_rule d;
	int64_t y;

	if (check_date(year, mon, day, why, whylen) < 0)
		return -1;
	d.zone = r->zone;
	d.mon = mon;
	d.day = day;
	d.offset = offset != NULL ? offset : &zero;
	d.at = at >= 0 ? at : r->default_time;
	if (!annually) {
		if (occurrence(&d, year) < not_before)
			return 1;
		y = year;
	} else if ((y = next_year(&d, year, not_before)) < 0) {
		return 1;
	}
	*out = sched_allowed(r, occurrence(&d, (int)y));
	return 0;
}

/* ---- holidays ---- */

static int
cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
missing_date_column(const struct csvio_reader *rd, const char *path,
		    struct drip_err *err)
{
	const char *cols[64];
	char msg[256];
	size_t i, n = csvio_ncols(rd);

	if (n > sizeof cols / sizeof cols[0])
		n = sizeof cols / sizeof cols[0];
	for (i = 0; i < n; i++)
		cols[i] = csvio_colname(rd, i);
	snprintf(msg, sizeof msg, "missing column \"date\"");
	suggest_append(msg, sizeof msg, "date", cols, n);
	return err_set(err, DRIP_EDATA, path, 1, 0, "%s", msg);
}

int
sched_load_holidays(struct arena *a, const char *path, int64_t **days,
		    size_t *n, struct drip_err *err)
{
	struct csvio_reader *rd = NULL;
	struct csvio_row row;
	int64_t *v = NULL;
	size_t nv = 0, cap = 0, i, j;
	char why[256];
	long col;
	int rc, y, m, d;

	*days = NULL;
	*n = 0;
	if (csvio_open(path, &rd, err) < 0)
		return -1;
	if ((col = csvio_col(rd, "date")) < 0) {
		rc = missing_date_column(rd, path, err);
		goto out;
	}
	while ((rc = csvio_next(rd, &row, err)) == 1) {
		if (dtime_parse_date(row.f[col], &y, &m, &d, why, sizeof why) < 0) {
			rc = err_set(err, DRIP_EDATA, path, (int)row.line, 0,
				     "%s", why);
			goto out;
		}
		if (nv == cap) {
			cap = cap ? 2 * cap : 32;
			v = arena_grow(a, v, nv, cap, sizeof *v);
		}
		v[nv++] = cal_days_from_civil(y, m, d);
	}
	if (rc < 0)
		goto out;
	if (nv > 0) {
		qsort(v, nv, sizeof *v, cmp_day);
		for (i = 1, j = 1; i < nv; i++)
			if (v[i] != v[j - 1])
				v[j++] = v[i];
		nv = j;
		*days = v;
		*n = nv;
	}
	rc = 0;
out:
	csvio_close(rd);
	return rc;
}
