/*
 * t_sched.c - when steps fire (SPEC §3.3), date steps (§3.4), tick slots
 * (§9.1) and the holidays loader, in real zones: America/New_York and
 * Europe/Berlin (one-hour DST), Australia/Lord_Howe (a 30-minute shift)
 * and Asia/Kolkata (+05:30, no DST).
 *
 * Calendar notes for 2026: Jan 1 is a Thursday; Mar 2 and Mar 9 are
 * Mondays; New York springs forward on Sun Mar 8 (02:00-03:00 missing) and
 * falls back on Sun Nov 1 (01:00-02:00 twice); Berlin on Sun Mar 29
 * (02:00-03:00 missing) and Sun Oct 25 (02:00-03:00 twice); Lord Howe
 * falls back from +11:00 to +10:30 on Sun Apr 5 (01:30-02:00 twice) and
 * springs forward on Sun Oct 4 (02:00-02:30 missing).
 */
#include "tap.h"

#include "arena.h"
#include "dtime.h"
#include "dur.h"
#include "err.h"
#include "sched.h"
#include "tz.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUN 0x01
#define MON 0x02
#define TUE 0x04
#define WED 0x08
#define THU 0x10
#define FRI 0x20
#define SAT 0x40
#define WEEKDAYS (MON | TUE | WED | THU | FRI)
#define ALL 0x7f

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

/* A time as drip reads it: local "YYYY-MM-DD HH:MM[:SS]" in z, or RFC 3339
 * with an offset (to name one side of a fold). */
static int64_t
T(const struct tz *z, const char *s)
{
	char why[256];
	int64_t t;

	if (dtime_parse(s, z, &t, why, sizeof why) < 0) {
		printf("Bail out! bad time in the test: %s\n", why);
		exit(1);
	}
	return t;
}

static struct dur
D(const char *s)
{
	struct dur d;
	char why[256];

	if (dur_parse(s, 1, &d, why, sizeof why) < 0) {
		printf("Bail out! bad duration in the test: %s\n", why);
		exit(1);
	}
	return d;
}

/* "HH:MM" as minutes. */
static int
HM(const char *s)
{
	char why[256];
	int m;

	if (dtime_parse_hhmm(s, &m, why, sizeof why) < 0) {
		printf("Bail out! bad clock time in the test: %s\n", why);
		exit(1);
	}
	return m;
}

/* got, shown as "YYYY-MM-DD HH:MM +HH:MM" in z ("never" for SCHED_NEVER),
 * against want. */
static void
is_time(const struct tz *z, int64_t got, const char *want, const char *what)
{
	char buf[DTIME_LOCAL_MAX];

	if (got == SCHED_NEVER)
		snprintf(buf, sizeof buf, "never");
	else
		dtime_format_local(z, got, 1, buf, sizeof buf);
	is_str(buf, want, "%s: %s", tz_name(z), what);
}

/* Rules with an always-open window, default_time 10:00. */
static struct sched_rules
rules(const struct tz *z)
{
	struct sched_rules r = { z, 600, { ALL, 0, 1440 }, 0, NULL, 0 };

	return r;
}

static struct sched_rules
rules_win(const struct tz *z, unsigned days, const char *from, const char *to)
{
	struct sched_rules r = rules(z);

	r.window.days = days;
	r.window.from = HM(from);
	r.window.to = strcmp(to, "24:00") == 0 ? 1440 : HM(to);
	return r;
}

/* sched_due with the times and durations written as text; at NULL = none. */
static int64_t
due(const struct sched_rules *r, const char *base, const char *wait,
    const char *at)
{
	struct dur w = D(wait);

	return sched_due(r, T(r->zone, base), &w, at != NULL ? HM(at) : -1);
}

static int64_t
day_of(int y, int m, int d)
{
	return cal_days_from_civil(y, m, d);
}

/* ---- SPEC §3.3, every example as written ---- */

static void
test_spec_examples(const struct tz *ny)
{
	struct sched_rules r = rules(ny), w;
	int64_t base, t;

	/* Rule 1: "1d is 'same local time tomorrow', across DST". */
	base = T(ny, "2026-03-07 13:37");
	t = due(&r, "2026-03-07 13:37", "1d", "13:37");
	is_time(ny, t, "2026-03-08 13:37 -04:00", "1d is the same local time tomorrow across DST");
	is_int(t - base, 23 * 3600, "that tomorrow is 23 hours away on the spring-forward day");
	is_time(ny, due(&r, "2026-10-31 13:37", "1d", "13:37"),
		"2026-11-01 13:37 -05:00", "1d across the fall-back day");
	is_int(due(&r, "2026-10-31 13:37", "1d", "13:37") - T(ny, "2026-10-31 13:37"),
	       25 * 3600, "that tomorrow is 25 hours away on the fall-back day");

	/* Rule 1: "Jan 31 + 1mo = Feb 28/29". */
	is_time(ny, due(&r, "2026-01-31 09:00", "1mo", "09:00"),
		"2026-02-28 09:00 -05:00", "Jan 31 + 1mo = Feb 28");
	is_time(ny, due(&r, "2028-01-31 09:00", "1mo", "09:00"),
		"2028-02-29 09:00 -05:00", "Jan 31 + 1mo = Feb 29 in a leap year");

	/* Rule 1: "1d10h = same local time tomorrow, plus 10 hours". */
	is_time(ny, due(&r, "2026-06-01 13:37", "1d10h", NULL),
		"2026-06-02 23:37 -04:00", "1d10h = same time tomorrow plus 10 hours");
	is_time(ny, due(&r, "2026-03-07 13:37", "1d10h", NULL),
		"2026-03-08 23:37 -04:00", "1d10h across DST: the day is local, the hours exact");

	/* Rule 2: "wait: 0, at: 07:00 reached at 13:37 means 07:00 tomorrow". */
	is_time(ny, due(&r, "2026-06-01 13:37", "0", "07:00"),
		"2026-06-02 07:00 -04:00", "wait 0 at 07:00 reached at 13:37 is 07:00 tomorrow");

	/* Rule 3: calendar-only wait without at fires at default_time. */
	is_time(ny, due(&r, "2026-06-01 13:37", "1d", NULL),
		"2026-06-02 10:00 -04:00", "wait 1d from 13:37 fires at default_time 10:00 tomorrow");

	/* Rule 4: gap forward by the gap, fold first occurrence. */
	is_time(ny, due(&r, "2026-03-07 13:37", "1d", "02:30"),
		"2026-03-08 03:30 -04:00", "02:30 in the spring-forward gap is 03:30 EDT");
	is_time(ny, due(&r, "2026-10-31 13:37", "1d", "01:30"),
		"2026-11-01 01:30 -04:00", "01:30 in the fall-back fold is the first (EDT) one");

	/* Rule 5: "Saturday 10:00 with Mon-Fri -> Monday 10:00". */
	w = rules_win(ny, WEEKDAYS, "00:00", "24:00");
	is_time(ny, sched_allowed(&w, T(ny, "2026-03-07 10:00")),
		"2026-03-09 10:00 -04:00", "Saturday 10:00 with Mon-Fri is Monday 10:00");
	/* "Friday 18:05 with a 08:00-18:00 window -> Monday 08:00". */
	w = rules_win(ny, WEEKDAYS, "08:00", "18:00");
	is_time(ny, sched_allowed(&w, T(ny, "2026-03-06 18:05")),
		"2026-03-09 08:00 -04:00", "Friday 18:05 with 08:00-18:00 is Monday 08:00");
	/* "on an allowed day before from, to from that day". */
	is_time(ny, sched_allowed(&w, T(ny, "2026-03-09 06:10")),
		"2026-03-09 08:00 -04:00", "an allowed day before from moves to from that day");
	/* Rule 6: the first slot at or after the time. */
	t = due(&w, "2026-03-09 09:00", "5m", NULL);
	is_time(ny, t, "2026-03-09 09:05 -04:00", "wait 5m inside the window");
	is_time(ny, sched_slot_ceil(t, 1200), "2026-03-09 09:20 -04:00",
		"fires in the first 20m slot at or after it");
	/* "A wait: 0 step fires in the same slot as its predecessor." */
	base = T(ny, "2026-03-09 09:20");
	t = due(&w, "2026-03-09 09:20", "0", NULL);
	is_int(t, base, "wait 0 without at is the base time itself");
	is_int(sched_slot_ceil(t, 1200), base, "so it fires in the predecessor's slot");
	/* Frequency cap: "the next allowed moment of the next day". */
	is_time(ny, sched_next_day(&w, T(ny, "2026-03-09 09:20")),
		"2026-03-10 08:00 -04:00", "the frequency cap defers to the next day's from");
}

/* The onboarding example of SPEC §3.1: tips waits 2d, at 07:00, Mon-Fri. */
static void
test_onboarding_example(const struct tz *ny)
{
	struct sched_rules r = rules(ny);

	r.step_days = WEEKDAYS;
	is_time(ny, due(&r, "2026-03-02 13:37", "2d", "07:00"),
		"2026-03-04 07:00 -05:00", "wait 2d at 07:00 from Mon 13:37 is Wed 07:00");
	is_time(ny, due(&r, "2026-03-05 13:37", "2d", "07:00"),
		"2026-03-09 07:00 -04:00", "from Thu it lands on Sat and moves to Mon 07:00");
	r.window = (struct window){ WEEKDAYS, HM("09:00"), HM("17:00") };
	is_time(ny, due(&r, "2026-03-05 13:37", "2d", "07:00"),
		"2026-03-09 09:00 -04:00", "with the sequence's 09:00-17:00 window: Mon 09:00");
	is_time(ny, due(&r, "2026-03-02 13:37", "2d", "07:00"),
		"2026-03-04 09:00 -05:00", "Wed 07:00 moves to the window's 09:00");
	/* call: wait 1d after tips, no at: default_time. */
	is_time(ny, due(&r, "2026-03-04 09:00", "1d", NULL),
		"2026-03-05 10:00 -05:00", "call waits 1d and fires at default_time");
}

/* ---- each rule on its own ---- */

static void
test_rule_wait(const struct tz *ny)
{
	struct sched_rules r = rules(ny);
	int64_t base = T(ny, "2026-06-01 13:37");
	struct dur w;

	is_int(due(&r, "2026-06-01 13:37", "45m", NULL) - base, 45 * 60,
	       "an exact wait is exactly base + wait");
	is_int(due(&r, "2026-06-01 13:37", "2h", NULL) - base, 7200, "2h is 7200 s");
	is_int(due(&r, "2026-03-08 01:30", "2h", NULL) - T(ny, "2026-03-08 01:30"), 7200,
	       "2h across the gap stays 7200 s");
	is_time(ny, due(&r, "2026-03-08 01:30", "2h", NULL), "2026-03-08 04:30 -04:00",
		"so the clock reads 04:30");
	is_time(ny, due(&r, "2026-03-07 13:37", "24h", NULL), "2026-03-08 14:37 -04:00",
		"24h is not 1d across DST");
	is_time(ny, due(&r, "2026-03-07 13:37", "1d1m", NULL), "2026-03-08 13:38 -04:00",
		"1d1m: the day on the calendar, the minute exact");
	is_time(ny, due(&r, "2026-03-07 02:30", "1d5m", NULL), "2026-03-08 03:35 -04:00",
		"a calendar day into the gap moves forward, then the minutes");
	is_time(ny, due(&r, "2026-10-31 01:30", "1d1m", NULL), "2026-11-01 01:31 -04:00",
		"a calendar day into the fold takes the first 01:30");
	is_time(ny, due(&r, "2026-01-31 13:37", "1mo1d", "13:37"), "2026-03-01 13:37 -05:00",
		"months first (Feb 28), then days");
	is_time(ny, due(&r, "2026-03-31 13:37", "1mo", "13:37"), "2026-04-30 13:37 -04:00",
		"Mar 31 + 1mo = Apr 30");
	is_time(ny, due(&r, "2026-12-31 13:37", "2mo", "13:37"), "2027-02-28 13:37 -05:00",
		"Dec 31 + 2mo crosses the year to Feb 28");
	is_time(ny, due(&r, "2026-06-01 13:37", "2w", "13:37"), "2026-06-15 13:37 -04:00",
		"2w is 14 days");
	is_time(ny, due(&r, "2026-06-01 13:37", "-30d", "07:00"), "2026-06-02 07:00 -04:00",
		"a negative wait with at still fires after base");
	is_int(sched_due(&r, base, NULL, -1), base, "a NULL wait is 0");
	w = D("0");
	is_int(sched_due(&r, base, &w, -1), base, "wait 0 without at is base");
	is_int(sched_due(&r, SCHED_NEVER, &w, -1), SCHED_NEVER, "never stays never");
}

static void
test_rule_at(const struct tz *ny)
{
	struct sched_rules r = rules(ny);

	is_time(ny, due(&r, "2026-06-01 06:00", "0", "07:00"), "2026-06-01 07:00 -04:00",
		"wait 0 at 07:00 reached at 06:00 is 07:00 today");
	is_time(ny, due(&r, "2026-06-01 07:00", "0", "07:00"), "2026-06-02 07:00 -04:00",
		"at equal to base is not strictly later: tomorrow");
	is_time(ny, due(&r, "2026-06-01 06:59:59", "0", "07:00"), "2026-06-01 07:00 -04:00",
		"one second before is today");
	is_time(ny, due(&r, "2026-06-01 07:00:30", "0", "07:00"), "2026-06-02 07:00 -04:00",
		"30 seconds after is tomorrow");
	is_time(ny, due(&r, "2026-06-01 06:00", "1d", "07:00"), "2026-06-02 07:00 -04:00",
		"wait 1d at 07:00 from 06:00 is tomorrow 07:00");
	is_time(ny, due(&r, "2026-06-01 06:00", "2h", "07:00"), "2026-06-01 07:00 -04:00",
		"wait 2h reaches 08:00 today; 07:00 today is the first after base");
	is_time(ny, due(&r, "2026-06-01 23:00", "2h", "07:00"), "2026-06-02 07:00 -04:00",
		"wait 2h reaches tomorrow's date; 07:00 tomorrow");
	is_time(ny, due(&r, "2026-06-01 13:37", "1d10h", "07:00"), "2026-06-02 07:00 -04:00",
		"1d10h reaches tomorrow 23:37; at 07:00 on that date");
	is_time(ny, due(&r, "2026-06-01 13:37", "2d", "23:59"), "2026-06-03 23:59 -04:00",
		"at late in the day");
	is_time(ny, due(&r, "2026-06-01 13:37", "1d", "00:00"), "2026-06-02 00:00 -04:00",
		"at midnight");
	is_time(ny, due(&r, "2026-06-01 23:59", "0", "00:00"), "2026-06-02 00:00 -04:00",
		"wait 0 at 00:00 from 23:59 is the coming midnight");
}

static void
test_rule_default_time(const struct tz *ny)
{
	struct sched_rules r = rules(ny);

	is_time(ny, due(&r, "2026-06-01 23:59", "1w", NULL), "2026-06-08 10:00 -04:00",
		"1w fires at default_time a week later");
	is_time(ny, due(&r, "2026-06-01 08:00", "1mo", NULL), "2026-07-01 10:00 -04:00",
		"1mo fires at default_time");
	is_time(ny, due(&r, "2026-01-31 08:00", "1mo", NULL), "2026-02-28 10:00 -05:00",
		"Jan 31 + 1mo at default_time");
	r.default_time = 0;
	is_time(ny, due(&r, "2026-06-01 13:37", "1d", NULL), "2026-06-02 00:00 -04:00",
		"default_time 00:00");
	r.default_time = HM("18:45");
	is_time(ny, due(&r, "2026-06-01 13:37", "3d", NULL), "2026-06-04 18:45 -04:00",
		"default_time 18:45");
	is_time(ny, due(&r, "2026-06-01 13:37", "3d1m", NULL), "2026-06-04 13:38 -04:00",
		"a wait with minutes ignores default_time");
	is_time(ny, due(&r, "2026-06-01 13:37", "3d", "09:15"), "2026-06-04 09:15 -04:00",
		"at wins over default_time");
}

static void
test_rule_window(const struct tz *ny)
{
	struct sched_rules r = rules_win(ny, WEEKDAYS, "08:00", "18:00");
	int64_t t;

	t = T(ny, "2026-06-03 12:00");
	is_int(sched_allowed(&r, t), t, "an allowed moment stays");
	t = T(ny, "2026-06-03 08:00");
	is_int(sched_allowed(&r, t), t, "from itself is allowed");
	is_time(ny, sched_allowed(&r, T(ny, "2026-06-03 18:00")), "2026-06-04 08:00 -04:00",
		"to is not allowed ([from, to)): next day's from");
	is_time(ny, sched_allowed(&r, T(ny, "2026-06-03 17:59:59")), "2026-06-03 17:59 -04:00",
		"one second before to is allowed");
	is_time(ny, sched_allowed(&r, T(ny, "2026-06-03 00:00")), "2026-06-03 08:00 -04:00",
		"midnight on an allowed day goes to from");
	is_time(ny, sched_allowed(&r, T(ny, "2026-06-06 07:00")), "2026-06-08 08:00 -04:00",
		"Saturday 07:00: Monday 07:00 is before from, so 08:00");
	is_time(ny, sched_allowed(&r, T(ny, "2026-06-06 11:30")), "2026-06-08 11:30 -04:00",
		"Saturday 11:30: Monday at the same time");
	is_time(ny, sched_allowed(&r, T(ny, "2026-06-07 23:00")), "2026-06-08 08:00 -04:00",
		"Sunday 23:00: Monday 08:00");
	is_time(ny, sched_allowed(&r, T(ny, "2026-06-05 23:00")), "2026-06-08 08:00 -04:00",
		"Friday night: Monday 08:00");
	t = T(ny, "2026-06-06 11:30:45");
	is_int(sched_allowed(&r, t), T(ny, "2026-06-08 11:30:45"),
	       "the time of day keeps its seconds");
	ok(sched_day_allowed(&r, T(ny, "2026-06-08 03:00")), "Monday is an allowed day at any hour");
	ok(!sched_day_allowed(&r, T(ny, "2026-06-06 12:00")), "Saturday is not");
	/* Late-night window across the DST change. */
	r = rules_win(ny, ALL, "22:00", "24:00");
	is_time(ny, sched_allowed(&r, T(ny, "2026-03-07 23:30")), "2026-03-07 23:30 -05:00",
		"22:00-24:00 allows 23:30");
	is_time(ny, sched_allowed(&r, T(ny, "2026-03-08 01:30")), "2026-03-08 22:00 -04:00",
		"01:30 goes to 22:00 the same day");
}

/* ---- windows, step days and holidays ---- */

static void
test_holidays_and_days(const struct tz *be)
{
	int64_t hol[6];
	struct sched_rules r = rules_win(be, WEEKDAYS, "08:00", "18:00");
	int64_t t;

	hol[0] = day_of(2026, 3, 30);	/* Mon after the Friday example */
	hol[1] = day_of(2026, 12, 24);
	hol[2] = day_of(2026, 12, 25);
	hol[3] = day_of(2026, 12, 31);
	hol[4] = day_of(2027, 1, 1);
	hol[5] = day_of(2027, 1, 4);
	r.holidays = hol;
	r.nholidays = 6;
	is_time(be, sched_allowed(&r, T(be, "2026-03-27 18:05")), "2026-03-31 08:00 +02:00",
		"Friday 18:05 with Monday a holiday: Tuesday 08:00 (after DST)");
	is_time(be, sched_allowed(&r, T(be, "2026-03-28 10:00")), "2026-03-31 10:00 +02:00",
		"Saturday 10:00 with Monday a holiday: Tuesday 10:00");
	is_time(be, sched_allowed(&r, T(be, "2026-12-23 18:30")), "2026-12-28 08:00 +01:00",
		"Christmas: Wednesday evening to Monday 08:00");
	t = T(be, "2026-12-23 17:00");
	is_int(sched_allowed(&r, t), t, "the day before a holiday is allowed");
	is_time(be, sched_allowed(&r, T(be, "2026-12-24 10:00")), "2026-12-28 10:00 +01:00",
		"on a holiday: the next allowed day at the same time");
	is_time(be, sched_allowed(&r, T(be, "2026-12-24 06:00")), "2026-12-28 08:00 +01:00",
		"early on a holiday: the next allowed day's from");
	is_time(be, sched_allowed(&r, T(be, "2026-12-30 19:00")), "2027-01-05 08:00 +01:00",
		"New Year: holidays on Thu, Fri and the next Monday");
	ok(!sched_day_allowed(&r, T(be, "2026-12-24 12:00")), "a holiday is not an allowed day");
	ok(!sched_day_allowed(&r, T(be, "2026-12-24 00:00")), "from its first second");
	ok(sched_day_allowed(&r, T(be, "2026-12-23 23:59")), "the day before is");
	ok(!sched_day_allowed(&r, T(be, "2027-01-04 23:59")), "the last holiday in the list");
	is_time(be, sched_next_day(&r, T(be, "2026-12-23 09:00")), "2026-12-28 08:00 +01:00",
		"the frequency cap skips the holidays too");
	is_time(be, due(&r, "2026-12-22 12:00", "2d", "09:00"), "2026-12-28 09:00 +01:00",
		"a step due on Christmas Eve moves to Monday");

	/* Step days intersect the window's days. */
	r = rules_win(be, WEEKDAYS, "08:00", "18:00");
	r.step_days = TUE | THU;
	is_time(be, sched_allowed(&r, T(be, "2026-03-02 10:00")), "2026-03-03 10:00 +01:00",
		"step days Tue/Thu: Monday 10:00 is Tuesday 10:00");
	is_time(be, sched_allowed(&r, T(be, "2026-03-05 19:00")), "2026-03-10 08:00 +01:00",
		"Thursday 19:00 is next Tuesday 08:00");
	ok(!sched_day_allowed(&r, T(be, "2026-03-04 12:00")), "Wednesday is not a step day");
	ok(sched_day_allowed(&r, T(be, "2026-03-05 12:00")), "Thursday is");
	r.step_days = SAT | TUE;
	is_time(be, sched_allowed(&r, T(be, "2026-03-04 12:00")), "2026-03-10 12:00 +01:00",
		"step days Sat/Tue with a Mon-Fri window: only Tuesdays");
	r.step_days = SAT | SUN;
	is_time(be, sched_allowed(&r, T(be, "2026-03-04 12:00")), "never",
		"step days on the weekend with a Mon-Fri window: never");
	is_time(be, due(&r, "2026-03-04 12:00", "1d", NULL), "never", "sched_due says never too");
	is_time(be, sched_next_day(&r, T(be, "2026-03-04 12:00")), "never", "and the cap's deferral");
	r = rules(be);
	r.step_days = SAT;
	is_time(be, sched_allowed(&r, T(be, "2026-03-04 12:00")), "2026-03-07 12:00 +01:00",
		"step days Saturday with an open window");
	r.window.days = 0;
	is_time(be, sched_allowed(&r, T(be, "2026-03-04 12:00")), "never", "no window days: never");
	r = rules_win(be, ALL, "10:00", "10:00");
	is_time(be, sched_allowed(&r, T(be, "2026-03-04 12:00")), "never", "an empty window: never");
	r = rules(be);
	r.holidays = NULL;
	r.nholidays = 0;
	t = T(be, "2026-03-04 12:00");
	is_int(sched_allowed(&r, t), t, "no holidays, open window: every moment is allowed");
	is_int(sched_allowed(&r, SCHED_NEVER), SCHED_NEVER, "never stays never");
}

/* Holidays on every allowed day: the search stops after SCHED_SEARCH_DAYS. */
static void
test_never(const struct tz *be)
{
	struct sched_rules r = rules(be);
	int64_t start = day_of(2026, 1, 1), *hol;
	size_t i, n = SCHED_SEARCH_DAYS + 2;
	int64_t t = T(be, "2026-01-01 12:00");

	hol = calloc(n, sizeof *hol);
	if (!ok(hol != NULL, "memory for ten years of holidays"))
		return;
	for (i = 0; i < n; i++)
		hol[i] = start + (int64_t)i;
	r.holidays = hol;
	/* Day 0 and the next SCHED_SEARCH_DAYS - 1 days are holidays: the last
	 * day searched is free. */
	r.nholidays = SCHED_SEARCH_DAYS;
	is_int(sched_allowed(&r, t), t + (int64_t)SCHED_SEARCH_DAYS * 86400,
	       "a free day exactly SCHED_SEARCH_DAYS days ahead is found");
	r.nholidays = SCHED_SEARCH_DAYS + 1;
	is_int(sched_allowed(&r, t), SCHED_NEVER, "one more holiday and it is never");
	ok(!sched_day_allowed(&r, t), "the day itself is a holiday");
	/* The cap's deferral searches from the next day, so one day further. */
	is_int(sched_next_day(&r, t), T(be, "2026-01-01 00:00") +
	       (int64_t)(SCHED_SEARCH_DAYS + 1) * 86400,
	       "the cap's deferral starts its search a day later");
	r.nholidays = n;
	is_int(sched_next_day(&r, t), SCHED_NEVER, "and is never with one more holiday");
	free(hol);

	/* Only Mondays, and every Monday a holiday for ten years. */
	hol = calloc(600, sizeof *hol);
	if (!ok(hol != NULL, "memory for Mondays"))
		return;
	for (i = 0; i < 600; i++)
		hol[i] = day_of(2026, 1, 5) + 7 * (int64_t)i;
	r = rules(be);
	r.step_days = MON;
	r.holidays = hol;
	r.nholidays = 600;
	is_int(sched_allowed(&r, t), SCHED_NEVER, "Mondays only, all of them holidays: never");
	r.nholidays = 10;
	is_time(be, sched_allowed(&r, t), "2026-03-16 12:00 +01:00",
		"ten Mondays off: the eleventh");
	free(hol);
}

/* ---- DST ---- */

static void
test_dst_new_york(const struct tz *ny)
{
	struct sched_rules r = rules(ny), w;

	/* default_time and at in the gap. */
	r.default_time = HM("02:30");
	is_time(ny, due(&r, "2026-03-07 13:37", "1d", NULL), "2026-03-08 03:30 -04:00",
		"default_time 02:30 in the gap is 03:30 EDT");
	is_time(ny, due(&r, "2026-03-06 13:37", "1d", NULL), "2026-03-07 02:30 -05:00",
		"and 02:30 EST the day before");
	is_time(ny, due(&r, "2026-03-08 01:00", "0", "02:30"), "2026-03-08 03:30 -04:00",
		"wait 0 at 02:30 from 01:00 on the gap day: 03:30 EDT");
	is_time(ny, due(&r, "2026-03-08 01:59", "0", "02:00"), "2026-03-08 03:00 -04:00",
		"at 02:00, the first missing minute: 03:00 EDT");
	is_time(ny, due(&r, "2026-03-08 03:15", "0", "02:30"), "2026-03-08 03:30 -04:00",
		"02:30 moved to 03:30 is still later than a 03:15 base");
	is_time(ny, due(&r, "2026-03-08 03:45", "0", "02:30"), "2026-03-09 02:30 -04:00",
		"but not later than 03:45: tomorrow 02:30");
	/* default_time and at in the fold. */
	r.default_time = HM("01:30");
	is_time(ny, due(&r, "2026-10-31 13:37", "1d", NULL), "2026-11-01 01:30 -04:00",
		"default_time 01:30 in the fold: the first occurrence");
	is_time(ny, due(&r, "2026-11-01T01:10:00-04:00", "0", "01:30"),
		"2026-11-01 01:30 -04:00", "base in the first pass: the first 01:30");
	is_time(ny, due(&r, "2026-11-01T01:10:00-05:00", "0", "01:30"),
		"2026-11-01 01:30 -05:00", "base in the repeated hour: the second 01:30");
	is_time(ny, due(&r, "2026-11-01T01:40:00-05:00", "0", "01:30"),
		"2026-11-02 01:30 -05:00", "base after both 01:30s: tomorrow");
	is_time(ny, due(&r, "2026-11-01T01:40:00-04:00", "0", "01:30"),
		"2026-11-01 01:30 -05:00", "base between the two 01:30s: the second");
	is_time(ny, due(&r, "2026-11-01T01:40:00-04:00", "0", "02:30"),
		"2026-11-01 02:30 -05:00", "at after the fold");
	is_int(due(&r, "2026-11-01T01:30:00-04:00", "1h", NULL),
	       T(ny, "2026-11-01T01:30:00-05:00"), "1h from the first 01:30 is the second");

	/* Window edges in the gap and the fold. */
	w = rules_win(ny, ALL, "02:30", "18:00");
	is_time(ny, sched_allowed(&w, T(ny, "2026-03-08 00:30")), "2026-03-08 03:30 -04:00",
		"from 02:30 on the gap day is 03:30 EDT");
	is_time(ny, sched_next_day(&w, T(ny, "2026-03-07 10:00")), "2026-03-08 03:30 -04:00",
		"the cap's deferral into the gap day");
	w = rules_win(ny, ALL, "02:00", "03:00");
	is_time(ny, sched_allowed(&w, T(ny, "2026-03-08 00:30")), "2026-03-09 02:00 -04:00",
		"a window that the gap swallows whole: the next day");
	w = rules_win(ny, ALL, "01:20", "18:00");
	is_time(ny, sched_allowed(&w, T(ny, "2026-11-01T01:10:00-05:00")),
		"2026-11-01 01:20 -05:00", "before from in the repeated hour: the later from");
	is_time(ny, sched_allowed(&w, T(ny, "2026-11-01T01:10:00-04:00")),
		"2026-11-01 01:20 -04:00", "before from in the first pass: the first from");
	is_time(ny, sched_allowed(&w, T(ny, "2026-11-01T00:10:00-04:00")),
		"2026-11-01 01:20 -04:00", "before the fold: the first from");
	w = rules_win(ny, WEEKDAYS, "00:00", "24:00");
	is_time(ny, sched_allowed(&w, T(ny, "2026-03-07 02:30")), "2026-03-09 02:30 -04:00",
		"Saturday 02:30 to Monday 02:30 (EDT by then)");
	is_time(ny, sched_allowed(&w, T(ny, "2026-10-31 01:30")), "2026-11-02 01:30 -05:00",
		"Saturday 01:30 to Monday 01:30 (EST by then)");
}

static void
test_dst_berlin(const struct tz *be)
{
	struct sched_rules r = rules(be), w;

	is_time(be, due(&r, "2026-03-28 12:00", "1d", "02:30"), "2026-03-29 03:30 +02:00",
		"at 02:30 in the gap is 03:30 CEST");
	is_int(due(&r, "2026-03-28 13:37", "1d", "13:37") - T(be, "2026-03-28 13:37"),
	       23 * 3600, "1d on the spring-forward day is 23 hours");
	is_time(be, due(&r, "2026-10-24 12:00", "1d", "02:30"), "2026-10-25 02:30 +02:00",
		"at 02:30 in the fold: the first (CEST) one");
	is_time(be, due(&r, "2026-10-25T02:10:00+01:00", "0", "02:30"),
		"2026-10-25 02:30 +01:00", "base in the repeated hour: the second 02:30");
	is_int(due(&r, "2026-10-24 13:37", "1d", "13:37") - T(be, "2026-10-24 13:37"),
	       25 * 3600, "1d on the fall-back day is 25 hours");
	r.default_time = HM("02:15");
	is_time(be, due(&r, "2026-03-28 12:00", "1d", NULL), "2026-03-29 03:15 +02:00",
		"default_time in the gap");
	is_time(be, due(&r, "2026-10-24 12:00", "1d", NULL), "2026-10-25 02:15 +02:00",
		"default_time in the fold");
	r.default_time = 600;
	is_time(be, due(&r, "2026-01-31 12:00", "1mo", NULL), "2026-02-28 10:00 +01:00",
		"Jan 31 + 1mo in Berlin");
	is_time(be, due(&r, "2024-01-31 12:00", "1mo", NULL), "2024-02-29 10:00 +01:00",
		"Jan 31 + 1mo in 2024, a leap year");
	is_time(be, due(&r, "2026-03-31 12:00", "1mo", "12:00"), "2026-04-30 12:00 +02:00",
		"Mar 31 + 1mo = Apr 30, now in summer time");
	is_time(be, due(&r, "2026-02-28 12:00", "1mo", "12:00"), "2026-03-28 12:00 +01:00",
		"Feb 28 + 1mo = Mar 28 (the day is kept, not the month end)");
	is_time(be, due(&r, "2028-02-29 12:00", "12mo", "12:00"), "2029-02-28 12:00 +01:00",
		"Feb 29 + 12mo = Feb 28 of a common year");
	/* drip.yaml's example window. */
	w = rules_win(be, WEEKDAYS, "08:00", "18:00");
	is_time(be, sched_allowed(&w, T(be, "2026-03-27 18:05")), "2026-03-30 08:00 +02:00",
		"Friday 18:05 to Monday 08:00 across the DST weekend");
	is_time(be, sched_allowed(&w, T(be, "2026-10-24 09:00")), "2026-10-26 09:00 +01:00",
		"Saturday 09:00 to Monday 09:00 across fall-back");
	w = rules_win(be, ALL, "02:30", "18:00");
	is_time(be, sched_allowed(&w, T(be, "2026-03-29 01:00")), "2026-03-29 03:30 +02:00",
		"from in the gap moves forward by the gap");
}

static void
test_dst_lord_howe(const struct tz *lh)
{
	struct sched_rules r = rules(lh);
	int64_t t;

	is_time(lh, due(&r, "2026-10-03 13:37", "1d", "02:15"), "2026-10-04 02:45 +11:00",
		"at 02:15 in the 30-minute gap is 02:45");
	is_time(lh, due(&r, "2026-10-03 13:37", "1d", "02:30"), "2026-10-04 02:30 +11:00",
		"02:30, the end of the gap, exists");
	is_time(lh, due(&r, "2026-04-04 12:00", "1d", "01:45"), "2026-04-05 01:45 +11:00",
		"at 01:45 in the 30-minute fold: the first one");
	is_time(lh, due(&r, "2026-04-05T01:35:00+10:30", "0", "01:45"),
		"2026-04-05 01:45 +10:30", "base in the repeated half hour: the second 01:45");
	is_int(due(&r, "2026-10-03 13:37", "1d", "13:37") - T(lh, "2026-10-03 13:37"),
	       84600, "1d on the spring-forward day is 23.5 hours");
	is_int(due(&r, "2026-04-04 13:37", "1d", "13:37") - T(lh, "2026-04-04 13:37"),
	       88200, "1d on the fall-back day is 24.5 hours");
	is_time(lh, due(&r, "2026-10-03 13:37", "24h", NULL), "2026-10-04 14:07 +11:00",
		"24h on that day reads 30 minutes later");
	r.default_time = HM("02:10");
	is_time(lh, due(&r, "2026-10-03 13:37", "1d", NULL), "2026-10-04 02:40 +11:00",
		"default_time in the gap");
	r.default_time = 600;
	is_time(lh, due(&r, "2026-01-31 13:37", "1mo", "09:00"), "2026-02-28 09:00 +11:00",
		"Jan 31 + 1mo on Lord Howe");
	t = T(lh, "2026-06-01 10:00");
	is_time(lh, t, "2026-06-01 10:00 +10:30", "winter time is +10:30");
	is_time(lh, sched_slot_ceil(t, 1200), "2026-06-01 10:10 +10:30",
		"slots are aligned to UTC: 10:00 local is not a slot, 10:10 is");
	is_time(lh, sched_slot_ceil(t, 3600), "2026-06-01 10:30 +10:30", "the 1h slot");
	is_time(lh, sched_next_day(&r, T(lh, "2026-10-03 15:00")), "2026-10-04 00:00 +10:30",
		"an open window's next day starts at midnight");
}

static void
test_kolkata(const struct tz *in)
{
	struct sched_rules r = rules(in), w;
	int64_t t;

	is_time(in, due(&r, "2026-01-31 23:30", "1mo", NULL), "2026-02-28 10:00 +05:30",
		"Jan 31 + 1mo at default_time");
	is_time(in, due(&r, "2028-01-31 23:30", "1mo", "23:30"), "2028-02-29 23:30 +05:30",
		"Jan 31 + 1mo in a leap year, at 23:30");
	is_time(in, due(&r, "2026-06-01 23:30", "1d", NULL), "2026-06-02 10:00 +05:30",
		"1d from 23:30 is tomorrow 10:00");
	is_int(due(&r, "2026-06-01 13:37", "1d", "13:37") - T(in, "2026-06-01 13:37"), 86400,
	       "no DST: a day is 24 hours");
	is_time(in, due(&r, "2026-06-01 13:37", "0", "07:00"), "2026-06-02 07:00 +05:30",
		"wait 0 at 07:00 from 13:37");
	w = rules_win(in, WEEKDAYS, "08:00", "18:00");
	is_time(in, sched_allowed(&w, T(in, "2026-03-06 18:05")), "2026-03-09 08:00 +05:30",
		"Friday 18:05 to Monday 08:00");
	is_time(in, sched_allowed(&w, T(in, "2026-03-07 10:00")), "2026-03-09 10:00 +05:30",
		"Saturday 10:00 to Monday 10:00");
	t = T(in, "2026-06-01 10:00");
	is_time(in, sched_slot_ceil(t, 1200), "2026-06-01 10:10 +05:30",
		"10:00 IST is 04:30Z, not on a 20m slot: 10:10");
	is_time(in, sched_slot_floor(t, 1200), "2026-06-01 09:50 +05:30", "floor is 09:50");
	is_time(in, sched_slot_ceil(t, 3600), "2026-06-01 10:30 +05:30", "1h slot: 10:30");
	is_time(in, sched_slot_ceil(t, 86400), "2026-06-02 05:30 +05:30",
		"24h slot: the next UTC midnight, 05:30 IST");
}

/* sched_allowed's promises on a grid of times: never earlier, always an
 * allowed moment, and idempotent. */
static void
test_allowed_properties(const struct tz *z, const struct sched_rules *r,
			const char *what)
{
	int64_t t, a, start = T(z, "2026-02-20 00:00"), end = T(z, "2026-11-10 00:00");
	int bad_order = 0, bad_allowed = 0, bad_idem = 0, bad_window = 0;
	struct lt l;
	int tod;

	for (t = start; t < end; t += 7 * 60 + 13) {
		a = sched_allowed(r, t);
		if (a < t)
			bad_order++;
		if (!sched_day_allowed(r, a))
			bad_allowed++;
		if (sched_allowed(r, a) != a)
			bad_idem++;
		tz_to_local(z, a, &l);
		tod = l.hour * 60 + l.min;
		if (tod < r->window.from || tod >= r->window.to)
			bad_window++;
	}
	is_int(bad_order, 0, "%s %s: never earlier than t", tz_name(z), what);
	is_int(bad_allowed, 0, "%s %s: always on an allowed day", tz_name(z), what);
	is_int(bad_window, 0, "%s %s: always inside the window", tz_name(z), what);
	is_int(bad_idem, 0, "%s %s: idempotent", tz_name(z), what);
}

/* ---- slots ---- */

static void
test_slots(void)
{
	int64_t t = cal_days_from_civil(2026, 11, 24) * 86400 + 10 * 3600 + 20 * 60;

	is_int(sched_slot_floor(0, 1200), 0, "floor 0");
	is_int(sched_slot_ceil(0, 1200), 0, "ceil 0");
	is_int(sched_slot_floor(1, 1200), 0, "floor 1 s");
	is_int(sched_slot_ceil(1, 1200), 1200, "ceil 1 s");
	is_int(sched_slot_floor(1199, 1200), 0, "floor 1199 s");
	is_int(sched_slot_floor(1200, 1200), 1200, "floor on a boundary");
	is_int(sched_slot_ceil(1200, 1200), 1200, "ceil on a boundary");
	is_int(sched_slot_floor(-1, 1200), -1200, "floor -1 s is -20m");
	is_int(sched_slot_ceil(-1, 1200), 0, "ceil -1 s is 0");
	is_int(sched_slot_floor(-1200, 1200), -1200, "floor -20m is itself");
	is_int(sched_slot_ceil(-1200, 1200), -1200, "ceil -20m is itself");
	is_int(sched_slot_floor(-1201, 1200), -2400, "floor -1201 s");
	is_int(sched_slot_ceil(-1201, 1200), -1200, "ceil -1201 s");
	is_int(sched_slot_floor(3599, 3600), 0, "1h: floor 3599");
	is_int(sched_slot_ceil(3601, 3600), 7200, "1h: ceil 3601");
	is_int(sched_slot_floor(-3600, 3600), -3600, "1h: floor -3600");
	is_int(sched_slot_floor(-3601, 3600), -7200, "1h: floor -3601");
	is_int(sched_slot_ceil(-3599, 3600), 0, "1h: ceil -3599");
	is_int(sched_slot_floor(t, 1200), t, "2026-11-24 10:20Z is a 20m slot");
	is_int(sched_slot_ceil(t + 1, 1200), t + 1200, "a second later: 10:40Z");
	is_int(sched_slot_floor(t + 1199, 1200), t, "10:39:59Z is in the 10:20Z slot");
	is_int(sched_slot_floor(t, 3600), t - 1200, "1h: 10:00Z");
	is_int(sched_slot_floor(t, 86400), t - 10 * 3600 - 1200, "24h: midnight UTC");
	is_int(sched_slot_ceil(t, 86400), t - 10 * 3600 - 1200 + 86400, "24h: next midnight");
	is_int(sched_slot_floor(-43200, 86400), -86400, "24h: 1969-12-31 12:00Z floors to that midnight");
	is_int(sched_slot_ceil(-43200, 86400), 0, "24h: and ceils to the epoch");
	is_int(sched_slot_ceil(SCHED_NEVER, 1200), SCHED_NEVER, "never stays never");
	is_int(sched_slot_ceil(INT64_MAX - 5, 1200), SCHED_NEVER, "no slot start fits: never");
	is_int(sched_slot_floor(INT64_MIN, 1200), INT64_MIN, "the far past does not overflow");
	is_int(sched_slot_floor(12345, 0), 12345, "len 0 leaves t");
	is_int(sched_slot_ceil(12345, -5), 12345, "a negative len leaves t");
}

/* ---- SPEC §3.4 date steps ---- */

/* sched_date_next with text; want is a local time, "never", "none" (rc 1)
 * or "error: ..." (rc -1 and why). */
static void
date_is(const struct sched_rules *r, const char *date, const char *offset,
	const char *at, int annually, const char *not_before, const char *want,
	const char *what)
{
	int y, m, d, rc;
	struct dur off = { 0, 0, 0 };
	int64_t out = 0;
	char why[256] = "", got[320];

	if (sscanf(date, "%d-%d-%d", &y, &m, &d) != 3) {
		printf("Bail out! bad date in the test\n");
		exit(1);
	}
	if (offset != NULL)
		off = D(offset);
	rc = sched_date_next(r, y, m, d, offset != NULL ? &off : NULL,
			     at != NULL ? HM(at) : -1, annually,
			     T(r->zone, not_before), &out, why, sizeof why);
	if (rc == 1)
		snprintf(got, sizeof got, "none");
	else if (rc < 0)
		snprintf(got, sizeof got, "error: %s", why);
	else if (out == SCHED_NEVER)
		snprintf(got, sizeof got, "never");
	else
		dtime_format_local(r->zone, out, 1, got, sizeof got);
	is_str(got, want, "%s: %s", tz_name(r->zone), what);
}

static void
test_date_steps(const struct tz *be, const struct tz *ny, const struct tz *lh,
		const struct tz *in)
{
	struct sched_rules r = rules(be);
	int64_t hol[2];

	date_is(&r, "2026-12-24", NULL, NULL, 0, "2026-11-01 00:00",
		"2026-12-24 10:00 +01:00", "on: 2026-12-24 at default_time");
	date_is(&r, "2026-12-24", NULL, "07:30", 0, "2026-11-01 00:00",
		"2026-12-24 07:30 +01:00", "with at 07:30");
	date_is(&r, "2026-12-24", NULL, NULL, 0, "2027-01-01 00:00", "none",
		"a past date is skipped");
	date_is(&r, "2026-12-24", NULL, NULL, 1, "2027-01-01 00:00",
		"2027-12-24 10:00 +01:00", "a past annual date moves to next year");
	date_is(&r, "2026-12-24", NULL, NULL, 0, "2026-12-24 11:00", "none",
		"the same day after its time has passed");
	date_is(&r, "2026-12-24", NULL, NULL, 1, "2026-12-24 11:00",
		"2027-12-24 10:00 +01:00", "annual: next year");
	date_is(&r, "2026-12-24", NULL, NULL, 0, "2026-12-24 10:00",
		"2026-12-24 10:00 +01:00", "enrolled at the very time: fires");
	date_is(&r, "2026-12-24", NULL, NULL, 0, "2026-12-24 10:00:01", "none",
		"a second later: passed");
	date_is(&r, "2030-06-01", NULL, NULL, 1, "2026-01-01 00:00",
		"2030-06-01 10:00 +02:00", "an annual date is never before its own year");
	r.default_time = HM("08:15");
	date_is(&r, "2026-12-24", NULL, NULL, 0, "2026-11-01 00:00",
		"2026-12-24 08:15 +01:00", "at -1 is default_time");
	r.default_time = 600;

	/* Fields with offsets. */
	date_is(&r, "2026-03-01", "-3d", NULL, 0, "2026-01-01 00:00",
		"2026-02-26 10:00 +01:00", "renewal_date - 3d");
	date_is(&r, "2028-03-01", "-3d", NULL, 0, "2026-01-01 00:00",
		"2028-02-27 10:00 +01:00", "renewal_date - 3d in a leap year");
	date_is(&r, "2026-03-31", "-1mo", NULL, 0, "2026-01-01 00:00",
		"2026-02-28 10:00 +01:00", "Mar 31 - 1mo = Feb 28");
	date_is(&r, "2026-01-31", "1mo", NULL, 0, "2026-01-01 00:00",
		"2026-02-28 10:00 +01:00", "Jan 31 + 1mo = Feb 28");
	date_is(&r, "2026-12-24", "-2h", NULL, 0, "2026-11-01 00:00",
		"2026-12-24 08:00 +01:00", "an offset in hours is exact, after at");
	date_is(&r, "2026-12-24", "1w", "09:00", 0, "2026-11-01 00:00",
		"2026-12-31 09:00 +01:00", "an offset of a week");
	date_is(&r, "2026-03-01", "-3d", NULL, 0, "2026-02-27 00:00", "none",
		"the offset date has passed though the field date has not");
	date_is(&r, "2026-01-02", "-3d", NULL, 1, "2026-01-01 00:00",
		"2026-12-30 10:00 +01:00", "annual with the offset crossing back a year");
	date_is(&r, "2026-12-31", "1d", NULL, 1, "2027-01-02 00:00",
		"2028-01-01 10:00 +01:00", "annual with the offset crossing into a year");

	/* Annual birthdays and Feb 29. */
	date_is(&r, "1990-05-17", NULL, NULL, 1, "2026-06-01 00:00",
		"2027-05-17 10:00 +02:00", "a birthday already past this year");
	date_is(&r, "1990-05-17", NULL, NULL, 1, "2026-05-01 00:00",
		"2026-05-17 10:00 +02:00", "a birthday still ahead this year");
	date_is(&r, "1990-05-17", NULL, NULL, 1, "3000-06-01 00:00",
		"3001-05-17 10:00 +02:00", "far in the future");
	date_is(&r, "2000-02-29", NULL, NULL, 1, "2026-01-01 00:00",
		"2026-02-28 10:00 +01:00", "Feb 29 falls on Feb 28 in a common year");
	date_is(&r, "2000-02-29", NULL, NULL, 1, "2027-03-01 00:00",
		"2028-02-29 10:00 +01:00", "and on Feb 29 in a leap year");
	date_is(&r, "2000-02-29", NULL, NULL, 1, "2028-03-01 00:00",
		"2029-02-28 10:00 +01:00", "and back to Feb 28");
	date_is(&r, "2000-02-29", NULL, NULL, 1, "2100-01-01 00:00",
		"2100-02-28 10:00 +01:00", "2100 is not a leap year");
	date_is(&r, "2000-02-29", "1d", NULL, 1, "2027-01-01 00:00",
		"2027-03-01 10:00 +01:00", "Feb 29 + 1d in a common year: Mar 1");
	date_is(&r, "2000-02-29", "1d", NULL, 1, "2028-01-01 00:00",
		"2028-03-01 10:00 +01:00", "Feb 29 + 1d in a leap year: Mar 1");
	date_is(&r, "2000-02-29", "1mo", NULL, 1, "2027-01-01 00:00",
		"2027-03-28 10:00 +02:00", "Feb 29 + 1mo in a common year: Feb 28 + 1mo");
	date_is(&r, "2000-02-29", "1mo", NULL, 1, "2028-01-01 00:00",
		"2028-03-29 10:00 +02:00", "Feb 29 + 1mo in a leap year: Mar 29");
	date_is(&r, "2000-02-29", "-1w", NULL, 1, "2027-01-01 00:00",
		"2027-02-21 10:00 +01:00", "Feb 29 - 1w in a common year: Feb 21");
	date_is(&r, "2028-02-29", NULL, NULL, 0, "2026-01-01 00:00",
		"2028-02-29 10:00 +01:00", "Feb 29 of a leap year, not annual");

	/* Not dates. */
	date_is(&r, "2026-02-29", NULL, NULL, 1, "2026-01-01 00:00",
		"error: invalid date \"2026-02-29\": day 29 is past the end of February",
		"Feb 29 of a common year");
	date_is(&r, "2026-04-31", NULL, NULL, 0, "2026-01-01 00:00",
		"error: invalid date \"2026-04-31\": day 31 is past the end of April",
		"April 31");
	date_is(&r, "2026-13-01", NULL, NULL, 0, "2026-01-01 00:00",
		"error: invalid date \"2026-13-01\": month 13 does not exist", "month 13");
	date_is(&r, "2026-00-10", NULL, NULL, 0, "2026-01-01 00:00",
		"error: invalid date \"2026-00-10\": month 00 does not exist", "month 0");
	date_is(&r, "2026-04-00", NULL, NULL, 0, "2026-01-01 00:00",
		"error: invalid date \"2026-04-00\": day 00 does not exist", "day 0");
	date_is(&r, "2000000-01-01", NULL, NULL, 1, "2026-01-01 00:00",
		"error: invalid date \"2000000-01-01\": year 2000000 is out of range",
		"a year out of range");

	/* The send window and holidays apply to date steps too. */
	r = rules_win(be, WEEKDAYS, "08:00", "18:00");
	date_is(&r, "2026-12-26", NULL, NULL, 0, "2026-11-01 00:00",
		"2026-12-28 10:00 +01:00", "a Saturday date moves to Monday");
	hol[0] = day_of(2026, 12, 28);
	hol[1] = day_of(2026, 12, 29);
	r.holidays = hol;
	r.nholidays = 2;
	date_is(&r, "2026-12-26", NULL, "07:00", 0, "2026-11-01 00:00",
		"2026-12-30 08:00 +01:00", "past two holidays, and 07:00 up to from");
	r.window.days = 0;
	date_is(&r, "2026-12-26", NULL, NULL, 0, "2026-11-01 00:00", "never",
		"no allowed day at all: never");

	/* DST and other zones. */
	r = rules(ny);
	date_is(&r, "2026-03-08", NULL, "02:30", 0, "2026-01-01 00:00",
		"2026-03-08 03:30 -04:00", "a date step at 02:30 in the New York gap");
	date_is(&r, "2026-11-01", NULL, "01:30", 0, "2026-01-01 00:00",
		"2026-11-01 01:30 -04:00", "a date step at 01:30 in the fold");
	r = rules(lh);
	date_is(&r, "2026-10-04", NULL, "02:15", 0, "2026-01-01 00:00",
		"2026-10-04 02:45 +11:00", "Lord Howe's half-hour gap");
	date_is(&r, "2000-02-29", NULL, NULL, 1, "2026-01-01 00:00",
		"2026-02-28 10:00 +11:00", "Feb 29 annual on Lord Howe");
	r = rules(in);
	date_is(&r, "2026-12-24", "-1d", NULL, 1, "2026-12-24 00:00",
		"2027-12-23 10:00 +05:30", "Kolkata, annual with -1d");
}

/* The annual search against a plain year-by-year scan. */
static void
test_date_scan(const struct tz *be)
{
	struct sched_rules r = rules(be);
	struct dur off = D("-10d");
	int64_t occ[200], out, t;
	char why[128];
	int y, bad = 0, rc;

	for (y = 1990; y < 2190; y++) {
		rc = sched_date_next(&r, y, 1, 5, &off, 600, 0, INT64_MIN, &occ[y - 1990],
				     why, sizeof why);
		if (rc != 0)
			bad++;
	}
	is_int(bad, 0, "every year's occurrence of Jan 5 - 10d");
	for (y = 1991; y < 2189; y++) {
		for (t = occ[y - 1990] - 1; t <= occ[y - 1990] + 1; t++) {
			rc = sched_date_next(&r, 1990, 1, 5, &off, 600, 1, t, &out,
					     why, sizeof why);
			if (rc != 0 || out != occ[y - 1990 + (t > occ[y - 1990])])
				bad++;
		}
	}
	is_int(bad, 0, "the annual search finds the first occurrence at or after not_before");
	rc = sched_date_next(&r, 1990, 1, 5, &off, 600, 1, INT64_MAX - 1, &out, why,
			     sizeof why);
	is_int(rc, 1, "no occurrence at the end of time");
	rc = sched_date_next(&r, 1990, 1, 5, &off, 600, 0, INT64_MIN, &out, why, sizeof why);
	is_int(rc, 0, "not_before at the start of time");
}

/* ---- holidays.csv ---- */

struct tmpdir {
	char dir[64];
	char path[128];
};

static int
write_file(struct tmpdir *td, const char *name, const char *text)
{
	FILE *fp;
	int n;

	n = snprintf(td->path, sizeof td->path, "%s/%s", td->dir, name);
	if (n < 0 || (size_t)n >= sizeof td->path)
		return -1;
	if ((fp = fopen(td->path, "w")) == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp) == 0 ? 0 : -1;
}

/* Load text as holidays.csv; returns sched_load_holidays' result. */
static int
load_text(struct tmpdir *td, struct arena *a, const char *text, int64_t **days,
	  size_t *n, struct drip_err *e)
{
	err_clear(e);
	if (write_file(td, "holidays.csv", text) < 0) {
		printf("Bail out! cannot write %s\n", td->path);
		exit(1);
	}
	return sched_load_holidays(a, td->path, days, n, e);
}

static void
test_holidays_file(const struct tz *be)
{
	struct arena a = ARENA_INIT;
	struct tmpdir td;
	struct drip_err e;
	struct sched_rules r;
	int64_t *days = NULL, dummy = 0;
	size_t n = 99;
	char buf[1400];
	int rc;

	snprintf(td.dir, sizeof td.dir, "/tmp/t_sched_XXXXXX");
	if (!ok(mkdtemp(td.dir) != NULL, "temporary directory"))
		return;

	rc = load_text(&td, &a, "date,name\n2026-12-25,Christmas\n2026-01-01,New Year\n"
		       "2026-12-24,Christmas Eve\n2026-12-25,again\n", &days, &n, &e);
	is_int(rc, 0, "a holidays file loads");
	is_int(n, 3, "duplicates are dropped");
	ok(n == 3 && days[0] == day_of(2026, 1, 1) && days[1] == day_of(2026, 12, 24) &&
	   days[2] == day_of(2026, 12, 25), "and the days are sorted");
	r = rules_win(be, WEEKDAYS, "08:00", "18:00");
	r.holidays = days;
	r.nholidays = n;
	is_time(be, sched_allowed(&r, T(be, "2026-12-23 19:00")), "2026-12-28 08:00 +01:00",
		"the loaded days are holidays");

	rc = load_text(&td, &a, "\xef\xbb\xbfname,date\r\nBoxing Day,2026-12-26\r\n"
		       "\r\nWhit Monday,2026-05-25\r\n", &days, &n, &e);
	is_int(rc, 0, "a file with a BOM, CRLF and a blank line loads");
	ok(n == 2 && days[0] == day_of(2026, 5, 25) && days[1] == day_of(2026, 12, 26),
	   "its dates are read from the second column");

	rc = load_text(&td, &a, "date\n", &days, &n, &e);
	is_int(rc, 0, "a header alone is no holidays");
	ok(n == 0 && days == NULL, "n is 0 and days NULL");

	rc = load_text(&td, &a, "date,name\n2026-12-25,x\n2026-02-30,bad\n", &days, &n, &e);
	is_int(rc, -1, "a bad date is refused");
	is_int(e.code, DRIP_EDATA, "as bad data");
	is_int(e.line, 3, "on its line");
	is_str(e.msg, "invalid date \"2026-02-30\": day 30 is past the end of February",
	       "with the reason");
	like(err_str(&e, buf, sizeof buf), "holidays.csv:3: invalid date", "file:line in front");
	ok(days == NULL && n == 0, "nothing is returned on error");

	rc = load_text(&td, &a, "\xef\xbb\xbf" "date,note\r\n2026-01-01,\"two\r\nlines\"\r\n"
		       "2026-1-6,x\r\n", &days, &n, &e);
	is_int(rc, -1, "a short date after a two-line field");
	is_int(e.line, 4, "is reported on its own line");
	like(e.msg, "invalid date \"2026-1-6\": expected YYYY-MM-DD", "with the expected form");

	rc = load_text(&td, &a, "date\n\n2026-01-01\n\n\n", &days, &n, &e);
	is_int(rc, 0, "blank lines between records");
	rc = load_text(&td, &a, "date\n2026-01-01\n\n\n,\n", &days, &n, &e);
	is_int(rc, -1, "a row with the wrong number of fields");
	is_int(e.line, 5, "is reported after the blank lines");

	rc = load_text(&td, &a, "date,name\n,Nothing\n", &days, &n, &e);
	is_int(rc, -1, "an empty date is refused");
	is_int(e.line, 2, "on line 2");
	like(e.msg, "invalid date \"\"", "quoting the empty value");

	rc = load_text(&td, &a, "date\n 2026-01-01\n", &days, &n, &e);
	is_int(rc, -1, "a date with a leading space is refused");
	like(e.msg, "invalid date \" 2026-01-01\"", "the space is shown");

	rc = load_text(&td, &a, "Date,name\n2026-01-01,x\n", &days, &n, &e);
	is_int(rc, -1, "no date column");
	is_int(e.code, DRIP_EDATA, "is bad data");
	is_int(e.line, 1, "on the header line");
	is_str(e.msg, "missing column \"date\" (did you mean \"Date\"?)", "with a suggestion");
	like(err_str(&e, buf, sizeof buf), "holidays.csv:1: missing column", "file:line in front");

	rc = load_text(&td, &a, "day,name\n2026-01-01,x\n", &days, &n, &e);
	is_str(e.msg, "missing column \"date\"", "no suggestion for an unrelated name");

	rc = load_text(&td, &a, "", &days, &n, &e);
	is_int(rc, -1, "an empty file");
	like(e.msg, "missing header row", "has no header");

	unlink(td.path);
	n = 7;
	days = &dummy;
	err_clear(&e);
	rc = sched_load_holidays(&a, td.path, &days, &n, &e);
	is_int(rc, -1, "a missing file");
	is_int(e.code, DRIP_ENOINPUT, "is DRIP_ENOINPUT");
	like(e.file, "holidays.csv", "naming the file");
	ok(days == NULL && n == 0, "and returns nothing");

	rmdir(td.dir);
	arena_release(&a);
}

int
main(void)
{
	struct tz *ny = load("America/New_York");
	struct tz *be = load("Europe/Berlin");
	struct tz *lh = load("Australia/Lord_Howe");
	struct tz *in = load("Asia/Kolkata");
	struct sched_rules r;
	int64_t hol[3];

	test_spec_examples(ny);
	test_onboarding_example(ny);
	test_rule_wait(ny);
	test_rule_at(ny);
	test_rule_default_time(ny);
	test_rule_window(ny);
	test_holidays_and_days(be);
	test_never(be);
	test_dst_new_york(ny);
	test_dst_berlin(be);
	test_dst_lord_howe(lh);
	test_kolkata(in);

	r = rules_win(ny, WEEKDAYS, "08:00", "18:00");
	test_allowed_properties(ny, &r, "Mon-Fri 08:00-18:00");
	r = rules_win(ny, ALL, "01:20", "02:40");
	test_allowed_properties(ny, &r, "01:20-02:40 (across the gap and the fold)");
	r = rules_win(be, TUE | SAT, "02:00", "03:00");
	hol[0] = day_of(2026, 3, 31);
	hol[1] = day_of(2026, 4, 4);
	hol[2] = day_of(2026, 10, 27);
	r.holidays = hol;
	r.nholidays = 3;
	test_allowed_properties(be, &r, "Tue/Sat 02:00-03:00 with holidays");
	r = rules_win(lh, WEEKDAYS, "01:45", "02:15");
	r.step_days = MON | SUN;
	test_allowed_properties(lh, &r, "Mon 01:45-02:15");
	r = rules_win(in, ALL, "09:00", "17:00");
	test_allowed_properties(in, &r, "09:00-17:00");

	test_slots();
	test_date_steps(be, ny, lh, in);
	test_date_scan(be);
	test_holidays_file(be);

	tz_free(ny);
	tz_free(be);
	tz_free(lh);
	tz_free(in);
	return tap_done();
}
