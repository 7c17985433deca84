/*
 * t_dur.c - parsing durations, reading them from YAML nodes (built by hand
 * here), and adding them across DST changes in real zones.
 */
#include "tap.h"

#include "dur.h"
#include "err.h"
#include "tz.h"
#include "ydoc.h"

#include <limits.h>
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

/* Parse s, which must be valid, and compare the parts. */
static void
parses(const char *s, int neg, int32_t months, int32_t days, int64_t secs)
{
	struct dur d = {99, 99, 99};
	char why[256] = "";
	int r = dur_parse(s, neg, &d, why, sizeof why);

	ok(r == 0 && d.months == months && d.days == days && d.secs == secs,
	   "parse \"%s\" = %dmo %dd %llds", s, (int)months, (int)days, (long long)secs);
	if (r != 0 || d.months != months || d.days != days || d.secs != secs)
		printf("#   got %d: %dmo %dd %llds (%s)\n", r, (int)d.months,
		       (int)d.days, (long long)d.secs, why);
}

/* Parse s, which must fail with exactly the reason want. */
static void
fails(const char *s, int neg, const char *want)
{
	struct dur d = {99, 99, 99};
	char why[256] = "", name[128];
	size_t i;

	/* Control characters would break the TAP line. */
	for (i = 0; s[i] != '\0' && i < sizeof name - 1; i++)
		name[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	name[i] = '\0';
	is_int(dur_parse(s, neg, &d, why, sizeof why), -1, "\"%s\" is refused", name);
	is_str(why, want, "reason for \"%s\"", name);
}

static struct dur
dur_of(const char *s)
{
	struct dur d;
	char why[256];

	if (dur_parse(s, 1, &d, why, sizeof why) < 0) {
		printf("Bail out! %s\n", why);
		exit(1);
	}
	return d;
}

static void
test_parse(void)
{
	parses("45m", 0, 0, 0, 2700);
	parses("2h", 0, 0, 0, 7200);
	parses("3d", 0, 0, 3, 0);
	parses("2w", 0, 0, 14, 0);
	parses("1mo", 0, 1, 0, 0);
	parses("1d10h", 0, 0, 1, 36000);
	parses("0", 0, 0, 0, 0);
	parses("0d", 0, 0, 0, 0);
	parses("1mo2w3d4h5m", 0, 1, 17, 14700);
	parses("90m", 0, 0, 0, 5400);
	parses("007d", 0, 0, 7, 0);
	parses("100000m", 0, 0, 0, 6000000);
	parses("100000mo100000w100000d100000h100000m", 0, 100000, 800000, 366000000);
	parses("-3d", 1, 0, -3, 0);
	parses("-0", 1, 0, 0, 0);
	parses("-1mo2d", 1, -1, -2, 0);
	parses("-1d10h", 1, 0, -1, -36000);
	parses("1w2d", 0, 0, 9, 0);

	fails("", 0, "empty duration");
	fails("-", 1, "empty duration after \"-\"");
	fails("-3d", 0, "negative duration \"-3d\" is not allowed here");
	fails("3x", 0, "unknown unit \"x\" in \"3x\" (use m, h, d, w or mo)");
	fails("3days", 0, "unknown unit \"days\" in \"3days\" (use m, h, d, w or mo)");
	fails("3M", 0, "unknown unit \"M\" in \"3M\" (use m, h, d, w or mo)");
	fails("1s", 0, "unknown unit \"s\" in \"1s\" (use m, h, d, w or mo)");
	fails("d", 0, "missing number before \"d\" in \"d\"");
	fails("1dh", 0, "unknown unit \"dh\" in \"1dh\" (use m, h, d, w or mo)");
	fails("1dmo", 0, "unknown unit \"dmo\" in \"1dmo\" (use m, h, d, w or mo)");
	fails("1d-h", 0, "unexpected \"-\" in \"1d-h\" (durations are whole numbers with units, like 90m)");
	fails("3", 0, "missing unit after 3 in \"3\" (use m, h, d, w or mo)");
	fails("00", 0, "missing unit after 00 in \"00\" (use m, h, d, w or mo)");
	fails("1d10", 0, "missing unit after 10 in \"1d10\" (use m, h, d, w or mo)");
	fails("10h1d", 0, "units must go from largest to smallest in \"10h1d\" (mo, w, d, h, m)");
	fails("1m1mo", 0, "units must go from largest to smallest in \"1m1mo\" (mo, w, d, h, m)");
	fails("1d1d", 0, "unit \"d\" appears twice in \"1d1d\"");
	fails("1d 2h", 0, "unexpected space in \"1d 2h\" (write durations without spaces, like 1d2h)");
	fails(" 1d", 0, "unexpected space in \" 1d\" (write durations without spaces, like 1d2h)");
	fails("3 d", 0, "unexpected space in \"3 d\" (write durations without spaces, like 1d2h)");
	fails("1d\t", 0, "unexpected space in \"1d?\" (write durations without spaces, like 1d2h)");
	fails("1.5h", 0, "unexpected \".\" in \"1.5h\" (durations are whole numbers with units, like 90m)");
	fails("+3d", 0, "unexpected \"+\" in \"+3d\" (durations are whole numbers with units, like 90m)");
	fails("--3d", 1, "unexpected \"-\" in \"--3d\" (durations are whole numbers with units, like 90m)");
	fails("3d\001", 0, "unexpected \"?\" in \"3d?\" (durations are whole numbers with units, like 90m)");
	fails("\"3d\"", 0, "unexpected \"?\" in \"?3d?\" (durations are whole numbers with units, like 90m)");
	fails("100001m", 0, "number too large in \"100001m\" (at most 100000 per unit)");
	fails("99999999999999999999999d", 0,
	      "number too large in \"99999999999999999999999d\" (at most 100000 per unit)");
	fails("1d2h3m4x5555555555555555555555555555555555555555", 0,
	      "unknown unit \"x\" in \"1d2h3m4x55555555555555555555555555555555...\" (use m, h, d, w or mo)");
}

static void
scalar(struct ynode *n, const char *s, enum yscalar_style st, int line, int col)
{
	memset(n, 0, sizeof *n);
	n->kind = YNODE_SCALAR;
	n->style = st;
	n->line = line;
	n->col = col;
	n->str = s;
	n->len = strlen(s);
}

static void
test_ynode(void)
{
	struct ynode sc, keys[6], vals[6], map, seq, *items[1];
	struct ypair pairs[6];
	const struct ynode *at;
	struct dur d;
	char why[256];

	scalar(&sc, "3d", YSTYLE_PLAIN, 4, 7);
	at = &map;
	is_int(dur_from_ynode(&sc, 0, &d, &at, why, sizeof why), 0, "plain 3d");
	ok(d.days == 3 && d.months == 0 && d.secs == 0, "plain 3d is 3 days");
	ok(at == NULL, "at is NULL on success");
	scalar(&sc, "1d10h", YSTYLE_DOUBLE, 4, 7);
	is_int(dur_from_ynode(&sc, 0, &d, &at, why, sizeof why), 0, "double-quoted \"1d10h\"");
	ok(d.days == 1 && d.secs == 36000, "quoted 1d10h");
	scalar(&sc, "0", YSTYLE_PLAIN, 4, 7);
	is_int(dur_from_ynode(&sc, 0, &d, &at, why, sizeof why), 0, "the number 0");
	ok(dur_is_zero(&d), "0 is zero");
	scalar(&sc, "-3d", YSTYLE_PLAIN, 4, 7);
	is_int(dur_from_ynode(&sc, 1, &d, &at, why, sizeof why), 0, "-3d where allowed");
	is_int(d.days, -3, "-3d is -3 days");
	is_int(dur_from_ynode(&sc, 0, &d, &at, why, sizeof why), -1, "-3d where not allowed");
	like(why, "negative duration \"-3d\" is not allowed here", "negative refused");
	ok(at == &sc, "blames the scalar");

	scalar(&sc, "3x", YSTYLE_PLAIN, 4, 7);
	is_int(dur_from_ynode(&sc, 0, &d, &at, why, sizeof why), -1, "3x refused");
	is_str(why, "unknown unit \"x\" in \"3x\" (use m, h, d, w or mo)", "3x reason");
	ok(at == &sc && at->line == 4 && at->col == 7, "3x blames the scalar at 4:7");

	scalar(&sc, "3d", YSTYLE_BLOCK, 4, 7);
	is_int(dur_from_ynode(&sc, 0, &d, &at, why, sizeof why), -1, "block scalar refused");
	is_str(why, "expected a duration like 3d or a map of months, weeks, days, hours, minutes",
	       "block scalar reason");
	scalar(&sc, "3d", YSTYLE_PLAIN, 4, 7);
	sc.str = "3d\0x";
	sc.len = 4;	/* a NUL inside the scalar */
	is_int(dur_from_ynode(&sc, 0, &d, &at, why, sizeof why), -1, "scalar with a NUL refused");

	memset(&seq, 0, sizeof seq);
	seq.kind = YNODE_SEQ;
	scalar(&sc, "3d", YSTYLE_PLAIN, 5, 9);
	items[0] = &sc;
	seq.items = items;
	seq.n = 1;
	seq.line = 5;
	is_int(dur_from_ynode(&seq, 0, &d, &at, why, sizeof why), -1, "a list refused");
	ok(at == &seq, "a list blames the list");
	is_str(why, "expected a duration like 3d or a map of months, weeks, days, hours, minutes",
	       "a list reason");
	is_int(dur_from_ynode(NULL, 0, &d, &at, why, sizeof why), -1, "NULL refused");
	ok(at == NULL, "NULL blames NULL");

	/* {months: 1, weeks: 2, days: 3, hours: 4, minutes: 5} */
	memset(&map, 0, sizeof map);
	map.kind = YNODE_MAP;
	map.pairs = pairs;
	map.line = 10;
	{
		static const char *const k[5] = {"months", "weeks", "days", "hours", "minutes"};
		static const char *const v[5] = {"1", "2", "3", "4", "5"};
		int i;

		for (i = 0; i < 5; i++) {
			scalar(&keys[i], k[i], YSTYLE_PLAIN, 11 + i, 3);
			scalar(&vals[i], v[i], YSTYLE_PLAIN, 11 + i, 12);
			pairs[i].key = &keys[i];
			pairs[i].val = &vals[i];
		}
	}
	map.n = 5;
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), 0, "a full map");
	ok(d.months == 1 && d.days == 17 && d.secs == 4 * 3600 + 5 * 60,
	   "the map's parts add: 1mo 17d 4h5m");
	map.n = 2;
	pairs[0] = (struct ypair){&keys[2], &vals[2]};
	pairs[1] = (struct ypair){&keys[3], &vals[3]};
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), 0, "{days: 3, hours: 4}");
	ok(d.days == 3 && d.secs == 14400 && d.months == 0, "{days: 3, hours: 4} parts");

	scalar(&keys[0], "dayz", YSTYLE_PLAIN, 11, 3);
	pairs[0] = (struct ypair){&keys[0], &vals[0]};
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "unknown key");
	is_str(why, "unknown key \"dayz\" (did you mean \"days\"?)", "unknown key, suggested");
	ok(at == &keys[0] && at->line == 11 && at->col == 3, "unknown key blames the key at 11:3");
	scalar(&keys[0], "seconds", YSTYLE_PLAIN, 11, 3);
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "seconds is unknown");
	is_str(why, "unknown key \"seconds\"", "unknown key, nothing close");

	scalar(&keys[0], "days", YSTYLE_PLAIN, 11, 3);
	scalar(&vals[0], "-1", YSTYLE_PLAIN, 11, 9);
	is_int(dur_from_ynode(&map, 1, &d, &at, why, sizeof why), -1, "negative map value");
	is_str(why, "\"days\" must be a whole number from 0 to 100000, not \"-1\"", "negative value reason");
	ok(at == &vals[0] && at->col == 9, "a bad value blames the value at 11:9");
	scalar(&vals[0], "3", YSTYLE_DOUBLE, 11, 9);
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "quoted number refused");
	scalar(&vals[0], "010", YSTYLE_PLAIN, 11, 9);
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "leading zero refused");
	scalar(&vals[0], "100001", YSTYLE_PLAIN, 11, 9);
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "100001 refused");
	scalar(&vals[0], "1.5", YSTYLE_PLAIN, 11, 9);
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "1.5 refused");
	is_str(why, "\"days\" must be a whole number from 0 to 100000, not \"1.5\"", "1.5 reason");
	scalar(&vals[0], "", YSTYLE_PLAIN, 11, 9);
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "empty value refused");
	is_str(why, "\"days\" must be a whole number from 0 to 100000", "empty value reason");
	pairs[0].val = &seq;
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "list value refused");
	ok(at == &seq, "a list value blames the list");
	pairs[0].val = NULL;
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "missing value refused");
	ok(at == &keys[0], "a missing value blames the key");

	scalar(&vals[0], "0", YSTYLE_PLAIN, 11, 9);
	pairs[0].val = &vals[0];
	pairs[1] = (struct ypair){&keys[0], &vals[0]};
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "duplicate key refused");
	is_str(why, "duplicate key \"days\"", "duplicate key reason");
	ok(at == &keys[0], "duplicate key blames the key");

	map.n = 1;
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), 0, "{days: 0}");
	ok(dur_is_zero(&d), "{days: 0} is zero");
	map.n = 0;
	is_int(dur_from_ynode(&map, 0, &d, &at, why, sizeof why), -1, "an empty map refused");
	ok(at == &map, "an empty map blames the map");
}

static void
test_predicates(void)
{
	struct dur d;

	d = dur_of("0");
	ok(dur_is_zero(&d) && !dur_is_calendar_only(&d), "0: zero, not calendar-only");
	d = dur_of("3d");
	ok(!dur_is_zero(&d) && dur_is_calendar_only(&d), "3d: calendar-only");
	d = dur_of("1mo2w");
	ok(dur_is_calendar_only(&d), "1mo2w: calendar-only");
	d = dur_of("1d10h");
	ok(!dur_is_calendar_only(&d), "1d10h: not calendar-only");
	d = dur_of("2h");
	ok(!dur_is_zero(&d) && !dur_is_calendar_only(&d), "2h: neither");
}

static void
adds(const struct tz *z, int64_t t, const char *dur, int64_t want, const char *what)
{
	struct dur d = dur_of(dur);
	int64_t got = dur_add(z, t, &d);

	if (!ok(got == want, "%s: %s", tz_name(z), what))
		printf("#   got %lld, want %lld (off by %lld s)\n", (long long)got,
		       (long long)want, (long long)(got - want));
}

static void
test_add(void)
{
	struct tz *ny = load("America/New_York"), *ber = load("Europe/Berlin");
	struct tz *lh = load("Australia/Lord_Howe"), *kol = load("Asia/Kolkata");
	struct tz *u = load("UTC");
	struct dur d;

	/* Days keep the local time of day across DST; hours do not. */
	adds(ny, utc(2026, 3, 7, 15, 0, 0), "1d", utc(2026, 3, 8, 14, 0, 0),
	     "Mar 7 10:00 EST + 1d = Mar 8 10:00 EDT");
	adds(ny, utc(2026, 3, 7, 15, 0, 0), "24h", utc(2026, 3, 8, 15, 0, 0),
	     "Mar 7 10:00 EST + 24h = Mar 8 11:00 EDT");
	adds(ny, utc(2026, 3, 7, 15, 0, 0), "1d10h", utc(2026, 3, 9, 0, 0, 0),
	     "1d10h = same time tomorrow + 10 exact hours");
	adds(ny, utc(2026, 3, 7, 15, 0, 0), "1440m", utc(2026, 3, 8, 15, 0, 0),
	     "1440m is exact like 24h");
	adds(ny, utc(2026, 10, 31, 14, 0, 0), "1d", utc(2026, 11, 1, 15, 0, 0),
	     "Oct 31 10:00 EDT + 1d = Nov 1 10:00 EST");
	adds(ny, utc(2026, 10, 31, 14, 0, 0), "24h", utc(2026, 11, 1, 14, 0, 0),
	     "Oct 31 10:00 EDT + 24h = Nov 1 09:00 EST");
	adds(ny, utc(2026, 3, 5, 14, 0, 0), "1w", utc(2026, 3, 12, 13, 0, 0),
	     "1w across spring forward keeps 09:00");
	adds(ny, utc(2026, 3, 5, 14, 0, 0), "2w3d", utc(2026, 3, 22, 13, 0, 0),
	     "2w3d = 17 local days");
	adds(ny, utc(2026, 3, 7, 7, 30, 0), "1d", utc(2026, 3, 8, 7, 30, 0),
	     "landing in the gap: 02:30 moves to 03:30 EDT");
	adds(ny, utc(2026, 10, 31, 5, 30, 0), "1d", utc(2026, 11, 1, 5, 30, 0),
	     "landing in the fold: 01:30 is the first, EDT");
	adds(ny, utc(2026, 11, 1, 6, 30, 0), "1d", utc(2026, 11, 2, 6, 30, 0),
	     "from the second 01:30 (EST) + 1d = Nov 2 01:30 EST");
	adds(ny, utc(2026, 11, 1, 6, 30, 0), "0", utc(2026, 11, 1, 6, 30, 0),
	     "0 leaves an instant in the fold alone");
	adds(ny, utc(2026, 11, 1, 6, 30, 0), "30m", utc(2026, 11, 1, 7, 0, 0),
	     "30m from the second 01:30 is exact");
	adds(ny, utc(2026, 3, 8, 6, 30, 0), "2h", utc(2026, 3, 8, 8, 30, 0),
	     "01:30 EST + 2h = 04:30 EDT");
	adds(ny, utc(2026, 3, 9, 14, 0, 0), "-1d", utc(2026, 3, 8, 14, 0, 0),
	     "-1d back across spring forward keeps 10:00");
	adds(ny, utc(2090, 3, 11, 15, 0, 0), "1d", utc(2090, 3, 12, 14, 0, 0),
	     "2090 (footer rule): 10:00 EST + 1d = 10:00 EDT");
	adds(ny, utc(2026, 1, 31, 15, 0, 0), "1mo", utc(2026, 2, 28, 15, 0, 0),
	     "Jan 31 10:00 + 1mo = Feb 28 10:00");
	adds(ny, utc(2026, 2, 28, 15, 0, 0), "1mo", utc(2026, 3, 28, 14, 0, 0),
	     "Feb 28 10:00 EST + 1mo = Mar 28 10:00 EDT");

	adds(ber, utc(2026, 3, 20, 8, 0, 0), "2w", utc(2026, 4, 3, 7, 0, 0),
	     "Mar 20 09:00 CET + 2w = Apr 3 09:00 CEST");
	adds(ber, utc(2026, 3, 28, 8, 0, 0), "1d", utc(2026, 3, 29, 7, 0, 0),
	     "Mar 28 09:00 CET + 1d = Mar 29 09:00 CEST");
	adds(ber, utc(2026, 3, 28, 1, 30, 0), "1d", utc(2026, 3, 29, 1, 30, 0),
	     "Mar 28 02:30 + 1d lands in the gap: 03:30 CEST");
	adds(ber, utc(2026, 10, 24, 0, 30, 0), "1d", utc(2026, 10, 25, 0, 30, 0),
	     "Oct 24 02:30 + 1d lands in the fold: first, CEST");
	adds(ber, utc(2026, 2, 28, 9, 0, 0), "2mo", utc(2026, 4, 28, 8, 0, 0),
	     "Feb 28 10:00 CET + 2mo = Apr 28 10:00 CEST");

	adds(lh, utc(2026, 10, 3, 1, 30, 0), "1d", utc(2026, 10, 4, 1, 0, 0),
	     "12:00 +10:30 + 1d = 12:00 +11 (30-minute shift)");
	adds(lh, utc(2026, 10, 3, 1, 30, 0), "24h", utc(2026, 10, 4, 1, 30, 0),
	     "12:00 +10:30 + 24h = 12:30 +11");
	adds(lh, utc(2026, 10, 2, 15, 45, 0), "1d", utc(2026, 10, 3, 15, 45, 0),
	     "Oct 3 02:15 + 1d lands in the 30-minute gap: 02:45 +11");
	adds(lh, utc(2026, 4, 3, 14, 45, 0), "1d", utc(2026, 4, 4, 14, 45, 0),
	     "Apr 4 01:45 + 1d lands in the 30-minute fold: first, +11");
	adds(kol, utc(2026, 1, 31, 3, 30, 0), "1mo", utc(2026, 2, 28, 3, 30, 0),
	     "Kolkata Jan 31 09:00 + 1mo = Feb 28 09:00");

	/* Months clamp the day to the month's length. */
	adds(u, utc(2026, 1, 31, 10, 0, 0), "1mo", utc(2026, 2, 28, 10, 0, 0), "Jan 31 + 1mo = Feb 28 (2026)");
	adds(u, utc(2028, 1, 31, 10, 0, 0), "1mo", utc(2028, 2, 29, 10, 0, 0), "Jan 31 + 1mo = Feb 29 (2028)");
	adds(u, utc(2026, 3, 31, 10, 0, 0), "1mo", utc(2026, 4, 30, 10, 0, 0), "Mar 31 + 1mo = Apr 30");
	adds(u, utc(2026, 1, 31, 10, 0, 0), "2mo", utc(2026, 3, 31, 10, 0, 0), "Jan 31 + 2mo = Mar 31");
	adds(u, utc(2026, 1, 31, 10, 0, 0), "1mo1d", utc(2026, 3, 1, 10, 0, 0),
	     "Jan 31 + 1mo1d = Mar 1 (months first, then days)");
	adds(u, utc(2026, 11, 30, 10, 0, 0), "3mo", utc(2027, 2, 28, 10, 0, 0), "Nov 30 + 3mo = Feb 28 next year");
	adds(u, utc(2028, 2, 29, 10, 0, 0), "12mo", utc(2029, 2, 28, 10, 0, 0), "Feb 29 + 12mo = Feb 28");
	adds(u, utc(2026, 12, 15, 10, 0, 0), "1mo", utc(2027, 1, 15, 10, 0, 0), "Dec 15 + 1mo = Jan 15");
	adds(u, utc(2026, 3, 31, 10, 0, 0), "-1mo", utc(2026, 2, 28, 10, 0, 0), "Mar 31 - 1mo = Feb 28");
	adds(u, utc(2026, 1, 15, 10, 0, 0), "-1mo", utc(2025, 12, 15, 10, 0, 0), "Jan 15 - 1mo = Dec 15");
	adds(u, utc(2026, 1, 15, 10, 0, 0), "-13mo", utc(2024, 12, 15, 10, 0, 0), "Jan 15 - 13mo");
	adds(u, utc(2026, 3, 2, 10, 0, 0), "-3d", utc(2026, 2, 27, 10, 0, 0), "Mar 2 - 3d = Feb 27");
	adds(u, utc(2026, 1, 1, 0, 0, 0), "100000mo", utc(10359, 5, 1, 0, 0, 0), "100000 months");
	adds(u, utc(1969, 12, 31, 23, 0, 0), "1d1h", utc(1970, 1, 2, 0, 0, 0), "across the epoch");

	/* Hand-made extremes saturate instead of overflowing. */
	d = (struct dur){0, 0, INT64_MAX};
	ok(dur_add(u, 1000, &d) == INT64_MAX, "secs INT64_MAX saturates");
	d = (struct dur){0, 0, INT64_MIN};
	ok(dur_add(u, -1000, &d) == INT64_MIN, "secs INT64_MIN saturates");
	d = (struct dur){INT32_MAX, INT32_MAX, 0};
	ok(dur_add(u, 0, &d) > 0, "months and days INT32_MAX do not overflow");
	d = (struct dur){INT32_MIN, INT32_MIN, 0};
	ok(dur_add(u, 0, &d) < 0, "months and days INT32_MIN do not overflow");

	tz_free(ny);
	tz_free(ber);
	tz_free(lh);
	tz_free(kol);
	tz_free(u);
}

static void
formats(const char *in, const char *text, const char *words)
{
	struct dur d = dur_of(in), back;
	char buf[DUR_TEXT_MAX], wbuf[DUR_WORDS_MAX], why[256];

	dur_format(&d, buf, sizeof buf);
	is_str(buf, text, "format %s", in);
	dur_words(&d, wbuf, sizeof wbuf);
	is_str(wbuf, words, "words %s", in);
	ok(dur_parse(buf, 1, &back, why, sizeof why) == 0 && back.months == d.months &&
	   back.days == d.days && back.secs == d.secs, "%s reads back as %s", buf, in);
}

static void
test_format(void)
{
	struct dur d;
	char buf[DUR_WORDS_MAX];

	formats("0", "0", "0 minutes");
	formats("3d", "3d", "3 days");
	formats("1d", "1d", "1 day");
	formats("1w", "1w", "1 week");
	formats("3w", "3w", "3 weeks");
	formats("14d", "2w", "2 weeks");
	formats("10d", "10d", "10 days");
	formats("1w3d", "10d", "10 days");
	formats("1mo", "1mo", "1 month");
	formats("1mo2d", "1mo2d", "1 month and 2 days");
	formats("2h30m", "2h30m", "2 hours and 30 minutes");
	formats("150m", "2h30m", "2 hours and 30 minutes");
	formats("1m", "1m", "1 minute");
	formats("1h", "1h", "1 hour");
	formats("1mo2d3h", "1mo2d3h", "1 month, 2 days and 3 hours");
	formats("1mo2w3d4h5m", "1mo17d4h5m", "1 month, 17 days, 4 hours and 5 minutes");
	formats("2mo1w", "2mo1w", "2 months and 1 week");
	formats("1d10h", "1d10h", "1 day and 10 hours");
	formats("-3d", "-3d", "minus 3 days");
	formats("-1mo2d", "-1mo2d", "minus 1 month and 2 days");
	formats("100000h", "100000h", "100000 hours");

	d = (struct dur){0, 0, 30};
	dur_format(&d, buf, sizeof buf);
	is_str(buf, "0", "seconds under a minute format as 0");
	d = (struct dur){1, 0, 0};
	dur_format(&d, buf, 3);
	is_str(buf, "1m", "format is cut to the buffer");
	d = (struct dur){INT32_MIN, INT32_MIN, INT64_MIN};
	dur_format(&d, buf, DUR_TEXT_MAX);
	ok(strlen(buf) < DUR_TEXT_MAX - 1 && buf[0] == '-', "the most negative fits DUR_TEXT_MAX: %s", buf);
	dur_words(&d, buf, DUR_WORDS_MAX);
	ok(strlen(buf) < DUR_WORDS_MAX - 1, "the most negative fits DUR_WORDS_MAX: %s", buf);
	d = (struct dur){1, 3, 0};
	dur_words(&d, buf, 8);
	is_str(buf, "1 month", "words are cut to the buffer");
}

/* Every duration the parser returns formats as text it reads back as the
 * same duration, up to the largest of each unit and their sums. */
#define NELEM(a) (sizeof (a) / sizeof (a)[0])

static void
test_round_trip(void)
{
	static const long mo[] = {0, 1, 100000};
	static const long w[] = {0, 1, 14285, 14286, 99999, 100000};
	static const long dd[] = {0, 1, 6, 7, 99999, 100000};
	static const long h[] = {0, 1, 23, 100000};
	static const long m[] = {0, 1, 59, 60, 100000};
	char in[96], buf[DUR_TEXT_MAX], why[256], bad[200] = "";
	struct dur d, back;
	size_t a, b, c, e, f, n = 0, fails = 0;
	int neg;

	for (neg = 0; neg < 2; neg++)
	for (a = 0; a < NELEM(mo); a++)
	for (b = 0; b < NELEM(w); b++)
	for (c = 0; c < NELEM(dd); c++)
	for (e = 0; e < NELEM(h); e++)
	for (f = 0; f < NELEM(m); f++) {
		snprintf(in, sizeof in, "%s%ldmo%ldw%ldd%ldh%ldm", neg ? "-" : "",
			 mo[a], w[b], dd[c], h[e], m[f]);
		if (dur_parse(in, 1, &d, why, sizeof why) < 0) {
			fails++;
			snprintf(bad, sizeof bad, "%.60s: %.100s", in, why);
			continue;
		}
		n++;
		dur_format(&d, buf, sizeof buf);
		if (dur_parse(buf, 1, &back, why, sizeof why) < 0 ||
		    back.months != d.months || back.days != d.days || back.secs != d.secs) {
			fails++;
			snprintf(bad, sizeof bad, "%.60s formats as %.60s: %.60s", in, buf, why);
		}
	}
	ok(fails == 0 && n == 2 * NELEM(mo) * NELEM(w) * NELEM(dd) * NELEM(h) * NELEM(m),
	   "%zu durations format as text that reads back the same %s", n, bad);
	formats("100000w100000d", "100000w100000d", "100000 weeks and 100000 days");
	formats("100000h100000m", "100000h100000m", "100000 hours and 100000 minutes");
	formats("14286w", "14286w", "14286 weeks");
	formats("14286w1d", "1w99996d", "1 week and 99996 days");
	formats("-100000w100000d", "-100000w100000d", "minus 100000 weeks and 100000 days");
}

int
main(void)
{
	test_parse();
	test_ynode();
	test_predicates();
	test_add();
	test_format();
	test_round_trip();
	return tap_done();
}
