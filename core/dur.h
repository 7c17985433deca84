/*
 * dur.h - durations as SPEC §1 writes them, and calendar arithmetic with
 * them (SPEC §3.3 step 1).
 *
 * A duration has calendar parts (months; days, a week being 7 days), added
 * in local time, and exact parts (hours, minutes), added as seconds.
 *   "45m" "2h" "3d" "2w" "1mo" "1d10h" "0"   and combinations in the order
 *   mo, w, d, h, m (each unit at most once), or a YAML map
 *   {months: 1, weeks: 2, days: 3, hours: 4, minutes: 5} whose parts add.
 */
#ifndef DRIP_CORE_DUR_H
#define DRIP_CORE_DUR_H

#include <stddef.h>
#include <stdint.h>

struct tz;
struct ynode;

struct dur {
	int32_t months;
	int32_t days;		/* weeks are stored as 7 days */
	int64_t secs;		/* hours and minutes */
};

/*
 * Parse text.  Returns 0, or -1 with a reason in why (e.g. "unknown unit
 * \"x\" in \"3x\" (use m, h, d, w or mo)").  Negative durations are allowed
 * only when allow_negative (date offsets such as -3d).  Each part is at most
 * 100000 of its unit, so arithmetic never overflows.
 * The whole text is "0", or one or more <digits><unit> with no spaces,
 * units in the order mo, w, d, h, m and each at most once; a leading '-'
 * negates every part.  The reason quotes the text, with control
 * characters replaced and cut after 40 bytes.
 */
int dur_parse(const char *s, int allow_negative, struct dur *out,
	      char *why, size_t whylen);

/*
 * A duration from a YAML node: a plain scalar as dur_parse, the number 0,
 * or a map with keys months, weeks, days, hours, minutes (non-negative
 * integers).  On error, *at is set to the node to blame (may be a key or
 * value inside the map) and why says what is wrong.
 * Details: a quoted scalar ("3d") is read like a plain one, since a
 * duration is text in YAML either way; block scalars, lists and an empty
 * map are errors.  Map values must be plain decimal integers 0..100000
 * without leading zeros.  On success *at is NULL.
 */
int dur_from_ynode(const struct ynode *n, int allow_negative, struct dur *out,
		   const struct ynode **at, char *why, size_t whylen);

int dur_is_zero(const struct dur *d);
/* Only calendar parts (months/days), and not zero: SPEC §3.3 rule 3. */
int dur_is_calendar_only(const struct dur *d);

/*
 * t + d in zone z, SPEC §3.3 step 1: months first (Jan 31 + 1mo = Feb 28/29:
 * the day is clamped to the month's length), then days, both on the local
 * calendar keeping the local time of day (resolved by tz_from_local's gap
 * and fold rule); then the exact seconds.
 */
int64_t dur_add(const struct tz *z, int64_t t, const struct dur *d);

/* Buffer sizes that always hold dur_format's and dur_words' output. */
#define DUR_TEXT_MAX 64
#define DUR_WORDS_MAX 128

/* Canonical text: "1mo2w3d4h5m"-style, "0" for zero (weeks are written as
 * w when days are a multiple of 7).
 * Details: days are written either as weeks ("14d" -> "2w") or, when not a
 * whole number of weeks, as days ("10d" stays "10d", never "1w3d"); hours
 * and minutes are split ("90m" -> "1h30m"); seconds below a minute are not
 * written (no parsed duration has them).  A negative duration gets one
 * leading '-' ("-3d"), so dur_parse(allow_negative) reads the text back as
 * the same duration.  Every duration dur_parse or dur_from_ynode returns
 * is written as text dur_parse reads back as the same duration: past
 * 100000 of a unit, days are split into weeks and days (100000w100000d)
 * and hours into hours and minutes (100000h100000m).  Output longer than
 * n is cut, still NUL-terminated. */
void dur_format(const struct dur *d, char *buf, size_t n);
/* Plain words: "3 days", "1 month and 2 hours", "3 weeks".
 * Details: parts in the order months, weeks or days (as dur_format),
 * hours, minutes, singular for 1, joined "a", "a and b", "a, b and c"
 * ("1 month, 2 days and 3 hours"); zero is "0 minutes", which reads right
 * after "after" or "wait"; a negative duration starts "minus ". */
void dur_words(const struct dur *d, char *buf, size_t n);

#endif
