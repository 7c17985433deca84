/*
 * tz.c - IANA time zones read from TZif files (RFC 8536), and the
 * conversions between UTC instants and local wall-clock times.
 *
 * A zone is its table of transitions (from the 64-bit data block of a v2+
 * file, or the 32-bit block of a v1 file) plus the POSIX TZ rule of its
 * footer, which governs every instant after the last transition.  Nothing
 * here reads TZ or calls localtime(): the answer depends only on the file.
 */
#include "tz.h"

#include "arena.h"
#include "err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_NAME_MAX 255			/* bytes in a zone name */
#define TZ_FILE_MAX (256 * 1024)	/* real TZif files are under 4 KiB */
#define TZ_OFF_MAX (26 * 3600)		/* largest UTC offset accepted */
#define TZ_RULE_HOURS_MAX 167		/* RFC 8536 3.3.1: rule times in -167..167 h */
#define TZ_SUGGEST_MAX 4096		/* directory entries looked at for a suggestion */
#define SECS_PER_DAY 86400

/*
 * Instants are clamped to about +-2.2 million years, so that adding an
 * offset never overflows and every year fits an int.
 */
#define TZ_T_LIMIT ((int64_t)1 << 46)

/*
 * The solution of t + offset(t) = local lies within TZ_OFF_MAX of local;
 * transitions are collected over a slightly wider window.
 */
#define TZ_WINDOW (TZ_OFF_MAX + 3600)
#define TZ_WINDOW_TRANS 32		/* transitions looked at in one window */

/* A date in a POSIX TZ rule. */
struct tz_date {
	char kind;	/* 'J': Jn, 1..365 without Feb 29; 'n': 0..365; 'M': Mm.w.d */
	int n;		/* day for 'J' and 'n' */
	int m, w, d;	/* month 1..12, week 1..5 (5 = last), weekday 0..6 */
};

/* The POSIX TZ string of the footer, e.g. "CET-1CEST,M3.5.0,M10.5.0/3". */
struct tz_rule {
	int32_t std_off;	/* seconds east of UTC in standard time */
	int32_t dst_off;	/* seconds east of UTC in daylight time */
	int has_dst;		/* 0: std_off all year */
	struct tz_date start;	/* daylight time starts, in standard local time */
	struct tz_date end;	/* and ends, in daylight local time */
	int32_t start_time;	/* seconds after local midnight of the date */
	int32_t end_time;
};

struct tz {
	char name[TZ_NAME_MAX + 1];
	size_t ntrans;		/* transitions */
	int64_t *trans;		/* their instants, ascending */
	unsigned char *idx;	/* the local time type after each one */
	size_t ntypes;		/* local time types (at least 1) */
	int32_t *utoff;		/* each type's offset, seconds east of UTC */
	int has_rule;		/* the footer is not empty */
	struct tz_rule rule;
};

/* One transition a rule makes in some year. */
struct tz_rtrans {
	int64_t at;
	int32_t off;	/* the offset from then on */
	int starts_dst;
};

/* ---- calendar ---- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_len(int64_t y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/*
 * Howard Hinnant's days_from_civil, over 64-bit years; m must be 1..12 but
 * d may be any day count (it is a plain offset from the 1st).
 */
static int64_t
days_from_civil_calc(int64_t y, int m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * A tick converts every enrollment's times between days and dates several
 * times, and a workspace's times fall on few days: the last conversions
 * are kept, one per day number (and one per date) modulo DAY_CACHE.  The
 * results are what the arithmetic gives; the cache only spares doing it
 * again.  One per thread, so nothing is shared.
 */
#define DAY_CACHE 64

struct day_memo {
	int64_t days, y, d;
	int m, set;
};

static _Thread_local struct day_memo by_days[DAY_CACHE], by_date[DAY_CACHE];

static int64_t
days_from_civil(int64_t y, int m, int64_t d)
{
	struct day_memo *e =
		&by_date[((uint64_t)y * 372u + (uint64_t)m * 31u + (uint64_t)d) % DAY_CACHE];

	if (!e->set || e->y != y || e->m != m || e->d != d) {
		e->days = days_from_civil_calc(y, m, d);
		e->y = y;
		e->m = m;
		e->d = d;
		e->set = 1;
	}
	return e->days;
}

static void civil_from_days_calc(int64_t z, int64_t *y, int *m, int *d);

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	struct day_memo *e = &by_days[(uint64_t)z % DAY_CACHE];

	if (!e->set || e->days != z) {
		int dd;

		civil_from_days_calc(z, &e->y, &e->m, &dd);
		e->d = dd;
		e->days = z;
		e->set = 1;
	}
	*y = e->y;
	*m = e->m;
	*d = (int)e->d;
}

static void
civil_from_days_calc(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Days since the epoch of year y, month mon (any value: 13 is January of
 * the next year), day 1 plus day - 1 days. */
static int64_t
days_norm(int64_t y, int64_t mon, int64_t day)
{
	int64_t m0 = mon - 1;

	y += floor_div(m0, 12);
	m0 -= floor_div(m0, 12) * 12;
	return days_from_civil(y, (int)m0 + 1, day);
}

int64_t
cal_days_from_civil(int year, int mon, int day)
{
	return days_norm(year, mon, day);
}

void
cal_civil_from_days(int64_t days, int *year, int *mon, int *day)
{
	int64_t y;

	civil_from_days(days, &y, mon, day);
	*year = (int)y;
}

int
cal_days_in_month(int year, int mon)
{
	return month_len(year, mon);
}

int
cal_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday. */
	return (int)(days + 4 - floor_div(days + 4, 7) * 7);
}

static int64_t
clamp_t(int64_t t)
{
	if (t > TZ_T_LIMIT)
		return TZ_T_LIMIT;
	if (t < -TZ_T_LIMIT)
		return -TZ_T_LIMIT;
	return t;
}

static int64_t
year_of(int64_t t)
{
	int64_t y;
	int m, d;

	civil_from_days(floor_div(t, SECS_PER_DAY), &y, &m, &d);
	return y;
}

/* ---- the POSIX TZ rule ---- */

/* A zone abbreviation: "<+0530>" or three or more letters. */
static int
rule_name(const char **pp)
{
	const char *p = *pp;
	size_t n = 0;

	if (*p == '<') {
		for (p++; *p != '>'; p++, n++) {
			if (!(*p >= 'A' && *p <= 'Z') && !(*p >= 'a' && *p <= 'z') &&
			    !(*p >= '0' && *p <= '9') && *p != '+' && *p != '-')
				return -1;
		}
		p++;
	} else {
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
			p++;
			n++;
		}
	}
	if (n < 3)
		return -1;
	*pp = p;
	return 0;
}

static int
rule_num(const char **pp, int maxdigits, int *out)
{
	const char *p = *pp;
	int v = 0, n = 0;

	while (*p >= '0' && *p <= '9' && n < maxdigits) {
		v = v * 10 + (*p - '0');
		p++;
		n++;
	}
	if (n == 0 || (*p >= '0' && *p <= '9'))
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

/* [+-]hh[:mm[:ss]] in seconds; hours at most maxh. */
static int
rule_hms(const char **pp, int maxh, int32_t *out)
{
	const char *p = *pp;
	int sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (rule_num(&p, 3, &h) < 0 || h > maxh)
		return -1;
	if (*p == ':') {
		p++;
		if (rule_num(&p, 2, &m) < 0 || m > 59)
			return -1;
		if (*p == ':') {
			p++;
			if (rule_num(&p, 2, &s) < 0 || s > 59)
				return -1;
		}
	}
	*pp = p;
	*out = sign * (h * 3600 + m * 60 + s);
	return 0;
}

static int
rule_date(const char **pp, struct tz_date *d)
{
	const char *p = *pp;

	memset(d, 0, sizeof *d);
	if (*p == 'J') {
		p++;
		d->kind = 'J';
		if (rule_num(&p, 3, &d->n) < 0 || d->n < 1 || d->n > 365)
			return -1;
	} else if (*p == 'M') {
		p++;
		d->kind = 'M';
		if (rule_num(&p, 2, &d->m) < 0 || d->m < 1 || d->m > 12 ||
		    *p++ != '.' || rule_num(&p, 1, &d->w) < 0 || d->w < 1 ||
		    d->w > 5 || *p++ != '.' || rule_num(&p, 1, &d->d) < 0 ||
		    d->d > 6)
			return -1;
	} else {
		d->kind = 'n';
		if (rule_num(&p, 3, &d->n) < 0 || d->n > 365)
			return -1;
	}
	*pp = p;
	return 0;
}

/* ",date[/time]" */
static int
rule_change(const char **pp, struct tz_date *d, int32_t *time)
{
	const char *p = *pp;

	if (*p++ != ',' || rule_date(&p, d) < 0)
		return -1;
	*time = 2 * 3600;
	if (*p == '/') {
		p++;
		if (rule_hms(&p, TZ_RULE_HOURS_MAX, time) < 0)
			return -1;
	}
	*pp = p;
	return 0;
}

/*
 * Parse a POSIX TZ string: std offset [dst [offset] [,start[/time],end[/time]]].
 * POSIX offsets count west of UTC ("EST5"), so they are negated here.
 */
static int
rule_parse(const char *s, struct tz_rule *r)
{
	const char *p = s;
	int32_t off;

	memset(r, 0, sizeof *r);
	if (rule_name(&p) < 0 || rule_hms(&p, 24, &off) < 0)
		return -1;
	r->std_off = -off;
	r->dst_off = r->std_off;
	if (*p == '\0')
		return 0;
	if (rule_name(&p) < 0)
		return -1;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if (rule_hms(&p, 24, &off) < 0)
			return -1;
		r->dst_off = -off;
	}
	if (*p == '\0') {
		/* No dates: POSIX leaves them to the implementation, and the
		 * usual choice is the United States rule. */
		r->start = (struct tz_date){'M', 0, 3, 2, 0};
		r->end = (struct tz_date){'M', 0, 11, 1, 0};
		r->start_time = r->end_time = 2 * 3600;
		return 0;
	}
	if (rule_change(&p, &r->start, &r->start_time) < 0 ||
	    rule_change(&p, &r->end, &r->end_time) < 0 || *p != '\0')
		return -1;
	return 0;
}

/* The day (since the epoch) that a rule date names in year y. */
static int64_t
rule_day(const struct tz_date *d, int64_t y)
{
	int64_t first, day;

	switch (d->kind) {
	case 'J':
		/* Jn never counts February 29. */
		return days_from_civil(y, 1, 1) + d->n - 1 +
		       (is_leap(y) && d->n >= 60);
	case 'n':
		return days_from_civil(y, 1, 1) + d->n;
	default:
		first = days_from_civil(y, d->m, 1);
		day = first + (d->d - cal_weekday(first) + 7) % 7 + 7 * (d->w - 1);
		while (day >= first + month_len(y, d->m))
			day -= 7;
		return day;
	}
}

static int
rtrans_cmp(const struct tz_rtrans *a, const struct tz_rtrans *b)
{
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	/* When the end of one year's daylight time meets the start of the
	 * next (DST all year, RFC 8536 3.3.1), the start wins. */
	return a->starts_dst - b->starts_dst;
}

/* The rule's transitions in years y0..y0+nyears-1, sorted; out has room
 * for 2 * nyears. */
static void
rule_transitions(const struct tz_rule *r, int64_t y0, int nyears,
		 struct tz_rtrans *out)
{
	int i, j, n = 0;
	struct tz_rtrans tmp;

	for (i = 0; i < nyears; i++) {
		out[n].at = rule_day(&r->start, y0 + i) * SECS_PER_DAY +
			    r->start_time - r->std_off;
		out[n].off = r->dst_off;
		out[n++].starts_dst = 1;
		out[n].at = rule_day(&r->end, y0 + i) * SECS_PER_DAY +
			    r->end_time - r->dst_off;
		out[n].off = r->std_off;
		out[n++].starts_dst = 0;
	}
	for (i = 1; i < n; i++) {
		tmp = out[i];
		for (j = i; j > 0 && rtrans_cmp(&out[j - 1], &tmp) > 0; j--)
			out[j] = out[j - 1];
		out[j] = tmp;
	}
}

/*
 * The offset a rule gives at t.  Rule times may reach a week into the next
 * year, so the latest transition at or before t is looked for from two
 * years back.
 */
static int32_t
rule_offset(const struct tz_rule *r, int64_t t)
{
	struct tz_rtrans tr[8];
	int32_t off;
	int i;

	if (!r->has_dst)
		return r->std_off;
	rule_transitions(r, year_of(t) - 2, 4, tr);
	off = tr[0].starts_dst ? r->std_off : r->dst_off;
	for (i = 0; i < 8 && tr[i].at <= t; i++)
		off = tr[i].off;
	return off;
}

/* The first rule transition after t, or 0 when the rule has none. */
static int
rule_next(const struct tz_rule *r, int64_t t, int64_t *at)
{
	struct tz_rtrans tr[8];
	int i;

	if (!r->has_dst)
		return 0;
	rule_transitions(r, year_of(t) - 1, 4, tr);
	for (i = 0; i < 8; i++) {
		if (tr[i].at > t) {
			*at = tr[i].at;
			return 1;
		}
	}
	return 0;
}

/* ---- offsets and transitions of a zone ---- */

/* The index of the last transition at or before t; t must not be before
 * the first one. */
static size_t
find_trans(const struct tz *z, int64_t t)
{
	size_t lo = 0, hi = z->ntrans, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Is t past the table, where the footer rule governs? */
static int
by_rule(const struct tz *z, int64_t t)
{
	return z->has_rule && (z->ntrans == 0 || t > z->trans[z->ntrans - 1]);
}

static int32_t
offset_at(const struct tz *z, int64_t t)
{
	if (by_rule(z, t))
		return rule_offset(&z->rule, t);
	if (z->ntrans == 0 || t < z->trans[0])
		return z->utoff[0];
	return z->utoff[z->idx[find_trans(z, t)]];
}

/* The first transition strictly after t: 1 and *at, or 0 if none. */
static int
next_trans(const struct tz *z, int64_t t, int64_t *at)
{
	size_t i;

	if (z->ntrans > 0 && t < z->trans[z->ntrans - 1]) {
		i = t < z->trans[0] ? 0 : find_trans(z, t) + 1;
		*at = z->trans[i];
		return 1;
	}
	if (!z->has_rule)
		return 0;
	return rule_next(&z->rule, t, at);
}

void
tz_to_local(const struct tz *z, int64_t t, struct lt *out)
{
	int64_t local, days, secs, y;

	t = clamp_t(t);
	out->utoff = offset_at(z, t);
	local = t + out->utoff;
	days = floor_div(local, SECS_PER_DAY);
	secs = local - days * SECS_PER_DAY;
	civil_from_days(days, &y, &out->mon, &out->day);
	out->year = (int)y;
	out->hour = (int)(secs / 3600);
	out->min = (int)(secs / 60 % 60);
	out->sec = (int)(secs % 60);
	out->wday = cal_weekday(days);
}

/*
 * A local time has a solution t = local - o for each offset o in force
 * around it with offset_at(local - o) == o.  Two solutions: a fold, take
 * the earlier.  None: a gap, read the time with the offset before the
 * transition that opened the gap, which moves it forward by the gap.
 */
int64_t
tz_from_local(const struct tz *z, int year, int mon, int day,
	      int hour, int min, int sec)
{
	int64_t local, t, at, c, best = 0;
	int64_t tat[TZ_WINDOW_TRANS];
	int32_t offs[TZ_WINDOW_TRANS + 1], before[TZ_WINDOW_TRANS];
	int32_t after[TZ_WINDOW_TRANS];
	size_t noffs = 0, ntr = 0, i, j;
	int found = 0;

	local = days_norm(year, mon, day) * SECS_PER_DAY +
		(int64_t)hour * 3600 + (int64_t)min * 60 + sec;
	local = clamp_t(local);

	t = local - TZ_WINDOW;
	offs[noffs++] = offset_at(z, t);
	while (ntr < TZ_WINDOW_TRANS && next_trans(z, t, &at) &&
	       at <= local + TZ_WINDOW) {
		tat[ntr] = at;
		before[ntr] = offset_at(z, at - 1);
		after[ntr] = offset_at(z, at);
		for (j = 0; j < noffs && offs[j] != after[ntr]; j++)
			;
		if (j == noffs)
			offs[noffs++] = after[ntr];
		ntr++;
		t = at;
	}

	for (i = 0; i < noffs; i++) {
		c = local - offs[i];
		if (offset_at(z, c) == offs[i] && (!found || c < best)) {
			best = c;
			found = 1;
		}
	}
	if (found)
		return best;
	for (i = 0; i < ntr; i++) {
		if (after[i] > before[i] && tat[i] + before[i] <= local &&
		    local < tat[i] + after[i])
			return local - before[i];
	}
	/* Only reachable with tables no real zone has (transitions closer
	 * together than their offsets differ). */
	return local - offset_at(z, local);
}

/* ---- reading TZif files ---- */

struct tzif_hdr {
	int version;		/* 0 for v1, else '2', '3', '4'... */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

#define TZIF_HDR_LEN 44

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t
get64(const unsigned char *p)
{
	return (int64_t)((uint64_t)get32(p) << 32 | get32(p + 4));
}

static int
is_tzif(const unsigned char *p, size_t len)
{
	return len >= TZIF_HDR_LEN && memcmp(p, "TZif", 4) == 0;
}

static void
read_hdr(const unsigned char *p, struct tzif_hdr *h)
{
	h->version = p[4];
	h->isutcnt = get32(p + 20);
	h->isstdcnt = get32(p + 24);
	h->leapcnt = get32(p + 28);
	h->timecnt = get32(p + 32);
	h->typecnt = get32(p + 36);
	h->charcnt = get32(p + 40);
}

/* Bytes in the data block that follows a header, with tsize-byte times.
 * The counts are 32-bit, so this cannot overflow 64 bits. */
static uint64_t
data_len(const struct tzif_hdr *h, int tsize)
{
	return (uint64_t)h->timecnt * (uint64_t)(tsize + 1) +
	       (uint64_t)h->typecnt * 6 + h->charcnt +
	       (uint64_t)h->leapcnt * (uint64_t)(tsize + 4) +
	       h->isstdcnt + h->isutcnt;
}

/* Read one data block into z; why names what is wrong. */
static int
read_block(struct tz *z, const struct tzif_hdr *h, const unsigned char *p,
	   int tsize, const char **why)
{
	const unsigned char *tp = p, *ip, *ty;
	size_t i;
	int32_t off;

	if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0) {
		*why = "bad counts";
		return -1;
	}
	if (h->leapcnt != 0) {
		*why = "leap seconds are not supported";
		return -1;
	}
	ip = tp + (size_t)h->timecnt * (size_t)tsize;
	ty = ip + h->timecnt;
	z->ntrans = h->timecnt;
	z->ntypes = h->typecnt;
	z->trans = xcalloc(z->ntrans ? z->ntrans : 1, sizeof *z->trans);
	z->idx = xcalloc(z->ntrans ? z->ntrans : 1, 1);
	z->utoff = xcalloc(z->ntypes, sizeof *z->utoff);
	for (i = 0; i < z->ntrans; i++) {
		z->trans[i] = tsize == 8 ? get64(tp + 8 * i) :
					   (int32_t)get32(tp + 4 * i);
		z->idx[i] = ip[i];
		if (z->idx[i] >= z->ntypes ||
		    (i > 0 && z->trans[i] <= z->trans[i - 1])) {
			*why = "bad transitions";
			return -1;
		}
		z->trans[i] = clamp_t(z->trans[i]);
	}
	for (i = 0; i < z->ntypes; i++) {
		off = (int32_t)get32(ty + 6 * i);
		if (off < -TZ_OFF_MAX || off > TZ_OFF_MAX || ty[6 * i + 4] > 1 ||
		    ty[6 * i + 5] >= h->charcnt) {
			*why = "bad local time type";
			return -1;
		}
		z->utoff[i] = off;
	}
	return 0;
}

/* The footer "\nTZ\n" at p (len bytes to the end of the file). */
static int
read_footer(struct tz *z, const unsigned char *p, size_t len, const char **why)
{
	char rule[128];
	const unsigned char *nl;

	*why = "bad footer";
	if (len < 2 || p[0] != '\n')
		return -1;
	nl = memchr(p + 1, '\n', len - 1);
	if (nl == NULL || (size_t)(nl - p - 1) >= sizeof rule)
		return -1;
	memcpy(rule, p + 1, (size_t)(nl - p - 1));
	rule[nl - p - 1] = '\0';
	if (rule[0] == '\0')
		return 0;
	if (rule_parse(rule, &z->rule) < 0 ||
	    z->rule.std_off < -TZ_OFF_MAX || z->rule.std_off > TZ_OFF_MAX ||
	    z->rule.dst_off < -TZ_OFF_MAX || z->rule.dst_off > TZ_OFF_MAX)
		return -1;
	z->has_rule = 1;
	return 0;
}

/* Parse a whole TZif file into z. */
static int
tzif_parse(struct tz *z, const unsigned char *buf, size_t len, const char **why)
{
	struct tzif_hdr h;
	uint64_t dlen;
	size_t pos;

	*why = "truncated";
	read_hdr(buf, &h);
	dlen = data_len(&h, 4);
	if (dlen > len - TZIF_HDR_LEN)
		return -1;
	if (h.version == 0)
		return read_block(z, &h, buf + TZIF_HDR_LEN, 4, why);
	pos = TZIF_HDR_LEN + (size_t)dlen;
	if (!is_tzif(buf + pos, len - pos)) {
		*why = "bad second header";
		return -1;
	}
	read_hdr(buf + pos, &h);
	pos += TZIF_HDR_LEN;
	dlen = data_len(&h, 8);
	if (dlen > len - pos)
		return -1;
	if (read_block(z, &h, buf + pos, 8, why) < 0)
		return -1;
	pos += (size_t)dlen;
	return read_footer(z, buf + pos, len - pos, why);
}

/*
 * Read at most TZ_FILE_MAX bytes of path.  Returns 0; -1 with errno set
 * when it cannot be read (EISDIR for a directory, ENOENT for anything else
 * that is not a regular file); -2 when it is too large.
 */
static int
read_small_file(const char *path, unsigned char **out, size_t *outlen)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t cap, len = 0;
	ssize_t r;
	int fd, ret = -1, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : ENOENT;
		goto out;
	}
	if (st.st_size > TZ_FILE_MAX) {
		ret = -2;
		goto out;
	}
	/* One byte more than the limit tells a file that grew from one
	 * that fits. */
	cap = (size_t)TZ_FILE_MAX + 1;
	buf = xmalloc(cap);
	for (;;) {
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		len += (size_t)r;
		if (len == cap) {
			ret = -2;
			goto out;
		}
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	ret = 0;
out:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return ret;
}

/* A name as it can appear in a message: printable, bounded. */
static void
show_name(const char *s, char *buf, size_t n)
{
	size_t i, j = 0;

	for (i = 0; s[i] != '\0' && j + 4 < n && i < 64; i++)
		buf[j++] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' ? s[i] : '?';
	if (s[i] != '\0' && j + 4 < n) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j] = '\0';
}

/*
 * Is name an IANA zone name and not a way out of the zone directory?
 * "localtime" is refused too: it is the machine's zone, and drip's
 * answers must not depend on the machine.
 */
static int
valid_name(const char *name)
{
	size_t len = strlen(name), i, comp = 0;

	if (len == 0 || len > TZ_NAME_MAX || name[0] == '/' ||
	    strcmp(name, "localtime") == 0)
		return 0;
	for (i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '/' || c == '\0') {
			if (comp == 0 ||
			    (comp == 1 && name[i - 1] == '.') ||
			    (comp == 2 && name[i - 1] == '.' && name[i - 2] == '.'))
				return 0;
			comp = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-'))
			return 0;
		comp++;
	}
	return 1;
}

/*
 * For a name that is not a zone, the closest file name in the same
 * directory ("Europe/Berln" -> "Europe/Berlin"), written into buf; ""
 * when there is none.
 */
static void
suggest_zone(const char *dir, const char *name, char *buf, size_t n)
{
	struct arena a = ARENA_INIT;
	const char **cands = NULL;
	size_t ncands = 0, cap = 0, plen;
	const char *slash = strrchr(name, '/'), *base, *pick;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r;

	buf[0] = '\0';
	plen = slash ? (size_t)(slash - name) : 0;
	base = slash ? slash + 1 : name;
	r = snprintf(path, sizeof path, "%s/%.*s", dir, (int)plen, name);
	if (r < 0 || (size_t)r >= sizeof path)
		return;
	d = opendir(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && ncands < TZ_SUGGEST_MAX) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "localtime") == 0)
			continue;
		if (ncands == cap) {
			cands = arena_grow(&a, cands, cap, cap ? cap * 2 : 64,
					   sizeof *cands);
			cap = cap ? cap * 2 : 64;
		}
		cands[ncands++] = arena_strdup(&a, de->d_name);
	}
	closedir(d);
	pick = suggest(base, cands, ncands);
	if (pick != NULL) {
		r = snprintf(buf, n, "%.*s%s%s", (int)plen, name, slash ? "/" : "",
			     pick);
		if (r < 0 || (size_t)r >= n)
			buf[0] = '\0';
	}
	arena_release(&a);
}

static int
unknown_zone(struct drip_err *err, const char *dir, const char *name)
{
	char shown[80], near[TZ_NAME_MAX + 1];

	show_name(name, shown, sizeof shown);
	suggest_zone(dir, name, near, sizeof near);
	if (near[0] != '\0')
		return err_set(err, DRIP_EDATA, NULL, 0, 0,
			       "unknown time zone \"%s\" (did you mean \"%s\"?)",
			       shown, near);
	return err_set(err, DRIP_EDATA, NULL, 0, 0, "unknown time zone \"%s\"",
		       shown);
}

int
tz_load(const char *name, struct tz **out, struct drip_err *err)
{
	const char *dir = getenv("TZDIR"), *why = NULL;
	char path[PATH_MAX], shown[80];
	unsigned char *buf = NULL;
	size_t len = 0;
	struct tz *z = NULL;
	int r, ret = -1;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		dir = TZ_DEFAULT_DIR;
	show_name(name, shown, sizeof shown);
	if (!valid_name(name))
		return err_set(err, DRIP_EDATA, NULL, 0, 0,
			       "unknown time zone \"%s\": not a zone name like \"Europe/Berlin\"",
			       shown);
	r = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (r < 0 || (size_t)r >= sizeof path)
		return err_set(err, DRIP_EDATA, NULL, 0, 0,
			       "unknown time zone \"%s\": path too long", shown);
	r = read_small_file(path, &buf, &len);
	if (r == -2)
		return err_set(err, DRIP_EDATA, path, 0, 0,
			       "time zone \"%s\": file larger than %d bytes",
			       shown, TZ_FILE_MAX);
	if (r < 0) {
		/* A region ("America") is not a zone, and a file name that
		 * happens to be close to it would be a poor suggestion. */
		if (errno == EISDIR)
			return err_set(err, DRIP_EDATA, NULL, 0, 0,
				       "unknown time zone \"%s\"", shown);
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
		    errno == ENAMETOOLONG)
			return unknown_zone(err, dir, name);
		return err_sys(err, DRIP_EFAIL, path,
			       "cannot read time zone \"%s\"", shown);
	}
	if (!is_tzif(buf, len)) {
		err_set(err, DRIP_EDATA, NULL, 0, 0, "unknown time zone \"%s\"",
			shown);
		goto out;
	}
	z = xcalloc(1, sizeof *z);
	memcpy(z->name, name, strlen(name) + 1);
	if (tzif_parse(z, buf, len, &why) < 0) {
		err_set(err, DRIP_EDATA, path, 0, 0,
			"time zone \"%s\": unusable TZif file (%s)", shown, why);
		goto out;
	}
	*out = z;
	z = NULL;
	ret = 0;
out:
	tz_free(z);
	free(buf);
	return ret;
}

void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->trans);
	free(z->idx);
	free(z->utoff);
	free(z);
}

const char *
tz_name(const struct tz *z)
{
	return z->name;
}
