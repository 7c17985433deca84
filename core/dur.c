/*
 * dur.c - durations (SPEC §1) and adding them to instants (SPEC §3.3).
 *
 * Calendar parts (months, days) move along the local calendar of a zone
 * and keep the local time of day; hours and minutes are exact seconds.
 * Parts are bounded by DUR_PART_MAX so that no sum of them can overflow.
 */
#include "dur.h"

#include "err.h"
#include "tz.h"
#include "ydoc.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define DUR_PART_MAX 100000	/* largest number in front of one unit */

/* The units in the order they must be written, largest first. */
enum { U_MO, U_W, U_D, U_H, U_M, U_COUNT };

static const char *const unit_names[U_COUNT] = {"mo", "w", "d", "h", "m"};

/* The keys of the map form, in the same order as the units. */
static const char *const map_keys[U_COUNT] = {
	"months", "weeks", "days", "hours", "minutes"
};

#define DUR_MAP_EXPECTED \
	"expected a duration like 3d or a map of months, weeks, days, hours, minutes"

/*
 * s as it can be quoted in a message: control characters and quotes
 * replaced, and cut after 40 bytes so one bad value cannot flood a line.
 */
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

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
unit_of(const char *u, size_t len)
{
	int i;

	for (i = 0; i < U_COUNT; i++)
		if (strlen(unit_names[i]) == len && memcmp(unit_names[i], u, len) == 0)
			return i;
	return -1;
}

/* Set the parts of out from counts per unit, negated when neg. */
static void
dur_set(struct dur *out, const long counts[U_COUNT], int neg)
{
	int sign = neg ? -1 : 1;

	out->months = (int32_t)(sign * counts[U_MO]);
	out->days = (int32_t)(sign * (counts[U_W] * 7 + counts[U_D]));
	out->secs = sign * ((int64_t)counts[U_H] * 3600 + (int64_t)counts[U_M] * 60);
}

static void
unexpected(const char *all, char c, char *why, size_t whylen)
{
	char q[64];

	if (c == ' ' || c == '\t')
		snprintf(why, whylen, "unexpected space in \"%s\" (write durations without spaces, like 1d2h)",
			 show(all, q, sizeof q));
	else
		snprintf(why, whylen, "unexpected \"%c\" in \"%s\" (durations are whole numbers with units, like 90m)",
			 c >= 0x20 && c < 0x7f && c != '"' ? c : '?',
			 show(all, q, sizeof q));
}

/* The <digits><unit> pairs of s (sign already taken off), into counts. */
static int
parse_parts(const char *all, const char *s, long counts[U_COUNT],
	    char *why, size_t whylen)
{
	char q[64], u[64];
	const char *p = s, *num, *unit;
	int last = -1, k;
	long v;

	while (*p != '\0') {
		num = p;
		for (v = 0; is_digit(*p); p++)
			if (v <= DUR_PART_MAX)
				v = v * 10 + (*p - '0');
		unit = p;
		while (is_alpha(*p))
			p++;
		snprintf(u, sizeof u, "%.*s", (int)(p - unit < 20 ? p - unit : 20), unit);
		if (p == unit && *p != '\0') {
			unexpected(all, *p, why, whylen);
			return -1;
		}
		if (unit == num) {
			snprintf(why, whylen, "missing number before \"%s\" in \"%s\"",
				 u, show(all, q, sizeof q));
			return -1;
		}
		if (p == unit) {
			snprintf(why, whylen, "missing unit after %.*s in \"%s\" (use m, h, d, w or mo)",
				 (int)(unit - num < 20 ? unit - num : 20), num,
				 show(all, q, sizeof q));
			return -1;
		}
		k = unit_of(unit, (size_t)(p - unit));
		if (k < 0) {
			snprintf(why, whylen, "unknown unit \"%s\" in \"%s\" (use m, h, d, w or mo)",
				 u, show(all, q, sizeof q));
			return -1;
		}
		if (v > DUR_PART_MAX) {
			snprintf(why, whylen, "number too large in \"%s\" (at most %d per unit)",
				 show(all, q, sizeof q), DUR_PART_MAX);
			return -1;
		}
		if (k == last) {
			snprintf(why, whylen, "unit \"%s\" appears twice in \"%s\"",
				 unit_names[k], show(all, q, sizeof q));
			return -1;
		}
		if (k < last) {
			snprintf(why, whylen, "units must go from largest to smallest in \"%s\" (mo, w, d, h, m)",
				 show(all, q, sizeof q));
			return -1;
		}
		counts[k] = v;
		last = k;
	}
	return 0;
}

int
dur_parse(const char *s, int allow_negative, struct dur *out,
	  char *why, size_t whylen)
{
	long counts[U_COUNT] = {0};
	const char *p = s;
	char q[64];
	int neg = 0;

	memset(out, 0, sizeof *out);
	if (*p == '-') {
		if (!allow_negative) {
			snprintf(why, whylen, "negative duration \"%s\" is not allowed here",
				 show(s, q, sizeof q));
			return -1;
		}
		neg = 1;
		p++;
	}
	if (*p == '\0') {
		snprintf(why, whylen, neg ? "empty duration after \"-\"" : "empty duration");
		return -1;
	}
	if (strcmp(p, "0") == 0)
		return 0;
	if (parse_parts(s, p, counts, why, whylen) < 0)
		return -1;
	dur_set(out, counts, neg);
	return 0;
}

/* A map value: a plain decimal integer 0..DUR_PART_MAX without leading
 * zeros (YAML 1.1 reads 010 as octal; drip does not guess). */
static int
map_number(const struct ynode *v, long *out)
{
	size_t i;
	long n = 0;

	if (v->kind != YNODE_SCALAR || v->style != YSTYLE_PLAIN ||
	    v->str == NULL || v->len == 0 || v->len > 6 ||
	    strlen(v->str) != v->len || (v->len > 1 && v->str[0] == '0'))
		return -1;
	for (i = 0; i < v->len; i++) {
		if (!is_digit(v->str[i]))
			return -1;
		n = n * 10 + (v->str[i] - '0');
	}
	if (n > DUR_PART_MAX)
		return -1;
	*out = n;
	return 0;
}

static int
from_map(const struct ynode *n, struct dur *out, const struct ynode **at,
	 char *why, size_t whylen)
{
	long counts[U_COUNT] = {0};
	int seen[U_COUNT] = {0};
	const struct ypair *pr;
	char q[64];
	size_t i;
	int k;

	if (n->n == 0) {
		*at = n;
		snprintf(why, whylen, "%s", DUR_MAP_EXPECTED);
		return -1;
	}
	for (i = 0; i < n->n; i++) {
		pr = &n->pairs[i];
		*at = pr->key;
		for (k = 0; k < U_COUNT; k++)
			if (pr->key->str != NULL && strcmp(pr->key->str, map_keys[k]) == 0)
				break;
		if (k == U_COUNT) {
			snprintf(why, whylen, "unknown key \"%s\"",
				 show(pr->key->str ? pr->key->str : "", q, sizeof q));
			suggest_append(why, whylen, pr->key->str, map_keys, U_COUNT);
			return -1;
		}
		if (seen[k]) {
			snprintf(why, whylen, "duplicate key \"%s\"", map_keys[k]);
			return -1;
		}
		seen[k] = 1;
		if (pr->val != NULL)
			*at = pr->val;
		if (pr->val == NULL || map_number(pr->val, &counts[k]) < 0) {
			snprintf(why, whylen, "\"%s\" must be a whole number from 0 to %d",
				 map_keys[k], DUR_PART_MAX);
			if (pr->val != NULL && pr->val->kind == YNODE_SCALAR &&
			    pr->val->str != NULL && pr->val->str[0] != '\0') {
				size_t len = strlen(why);

				snprintf(why + len, whylen - len, ", not \"%s\"",
					 show(pr->val->str, q, sizeof q));
			}
			return -1;
		}
	}
	dur_set(out, counts, 0);
	*at = NULL;
	return 0;
}

int
dur_from_ynode(const struct ynode *n, int allow_negative, struct dur *out,
	       const struct ynode **at, char *why, size_t whylen)
{
	*at = n;
	memset(out, 0, sizeof *out);
	if (n != NULL && n->kind == YNODE_MAP)
		return from_map(n, out, at, why, whylen);
	/* A duration is text in YAML whether quoted or not ("3d" and 3d),
	 * so quoted scalars are read too; block scalars are not durations. */
	if (n == NULL || n->kind != YNODE_SCALAR || n->style == YSTYLE_BLOCK ||
	    n->str == NULL || strlen(n->str) != n->len) {
		snprintf(why, whylen, "%s", DUR_MAP_EXPECTED);
		return -1;
	}
	if (dur_parse(n->str, allow_negative, out, why, whylen) < 0)
		return -1;
	*at = NULL;
	return 0;
}

int
dur_is_zero(const struct dur *d)
{
	return d->months == 0 && d->days == 0 && d->secs == 0;
}

int
dur_is_calendar_only(const struct dur *d)
{
	return d->secs == 0 && (d->months != 0 || d->days != 0);
}

/* v narrowed to an int, saturating: only a hand-made struct dur can
 * reach the limits, since parsed parts are at most DUR_PART_MAX. */
static int
to_int(int64_t v)
{
	return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
}

int64_t
dur_add(const struct tz *z, int64_t t, const struct dur *d)
{
	struct lt l;
	int64_t mon, year, day;
	int len;

	if (d->months != 0 || d->days != 0) {
		tz_to_local(z, t, &l);
		mon = (int64_t)l.mon - 1 + d->months;
		year = l.year + (mon >= 0 ? mon / 12 : -((11 - mon) / 12));
		mon -= (year - l.year) * 12;
		len = cal_days_in_month((int)year, (int)mon + 1);
		day = l.day > len ? len : l.day;
		t = tz_from_local(z, to_int(year), (int)mon + 1,
				  to_int(day + d->days), l.hour, l.min, l.sec);
	}
	if (d->secs > 0 && t > INT64_MAX - d->secs)
		return INT64_MAX;
	if (d->secs < 0 && t < INT64_MIN - d->secs)
		return INT64_MIN;
	return t + d->secs;
}

/* The parts to write: months, weeks or days, hours, minutes, as counts
 * with their units; days are written as weeks only when they are whole
 * weeks, since "10d" reads better than "1w3d". */
struct dur_parts {
	int64_t v[U_COUNT];
};

/* Is every part <= 0 and one < 0?  Then the duration is written with one
 * leading '-'. */
static int
dur_negative(const struct dur *d)
{
	return d->months <= 0 && d->days <= 0 && d->secs <= 0 &&
	       !dur_is_zero(d);
}

static void
dur_split(const struct dur *d, struct dur_parts *p)
{
	int64_t secs = d->secs;

	int64_t days = d->days, sign = dur_negative(d) ? -1 : 1;

	memset(p, 0, sizeof *p);
	p->v[U_MO] = d->months;
	/* Past DUR_PART_MAX of one unit the text needs two to stay readable
	 * by dur_parse: 800000 days are 100000w100000d, not 800000d, and
	 * 101666h40m is 100000h100000m.  Below that, the usual short forms.
	 * Magnitudes are compared; secs itself is never negated, since it may
	 * be INT64_MIN. */
	days *= sign;
	if (days % 7 == 0 && days / 7 <= DUR_PART_MAX) {
		p->v[U_W] = sign * (days / 7);
	} else if (days <= DUR_PART_MAX) {
		p->v[U_D] = sign * days;
	} else {
		p->v[U_W] = (days - DUR_PART_MAX + 6) / 7;
		p->v[U_D] = sign * (days - 7 * p->v[U_W]);
		p->v[U_W] *= sign;
	}
	if (secs / 3600 * sign <= DUR_PART_MAX) {
		p->v[U_H] = secs / 3600;
		p->v[U_M] = secs % 3600 / 60;
	} else {
		p->v[U_H] = sign * DUR_PART_MAX;
		p->v[U_M] = (secs - p->v[U_H] * 3600) / 60;
	}
}

/* Seconds below a minute are not written: no duration drip reads has them. */
static int
dur_parts_zero(const struct dur_parts *p)
{
	int i;

	for (i = 0; i < U_COUNT; i++)
		if (p->v[i] != 0)
			return 0;
	return 1;
}

static int64_t
abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

void
dur_format(const struct dur *d, char *buf, size_t n)
{
	struct dur_parts p;
	size_t len = 0;
	int i, r, neg = dur_negative(d);

	if (n == 0)
		return;
	buf[0] = '\0';
	dur_split(d, &p);
	if (dur_parts_zero(&p)) {
		snprintf(buf, n, "0");
		return;
	}
	if (neg) {
		snprintf(buf, n, "-");
		len = 1;
	}
	for (i = 0; i < U_COUNT && len < n; i++) {
		if (p.v[i] == 0)
			continue;
		r = snprintf(buf + len, n - len, "%lld%s",
			     (long long)(neg ? abs64(p.v[i]) : p.v[i]), unit_names[i]);
		if (r < 0)
			return;
		len += (size_t)r;
	}
}

void
dur_words(const struct dur *d, char *buf, size_t n)
{
	static const char *const one[U_COUNT] = {"month", "week", "day", "hour", "minute"};
	static const char *const many[U_COUNT] = {"months", "weeks", "days", "hours", "minutes"};
	struct dur_parts p;
	int i, r, nparts = 0, done = 0, neg = dur_negative(d);
	size_t len = 0;
	int64_t v;

	if (n == 0)
		return;
	buf[0] = '\0';
	dur_split(d, &p);
	for (i = 0; i < U_COUNT; i++)
		nparts += p.v[i] != 0;
	if (dur_parts_zero(&p)) {
		snprintf(buf, n, "0 minutes");
		return;
	}
	if (neg) {
		snprintf(buf, n, "minus ");
		len = strlen(buf);
	}
	for (i = 0; i < U_COUNT && len < n; i++) {
		if (p.v[i] == 0)
			continue;
		v = neg ? abs64(p.v[i]) : p.v[i];
		done++;
		r = snprintf(buf + len, n - len, "%s%lld %s",
			     done == 1 ? "" : done == nparts ? " and " : ", ",
			     (long long)v, v == 1 ? one[i] : many[i]);
		if (r < 0)
			return;
		len += (size_t)r;
	}
}
