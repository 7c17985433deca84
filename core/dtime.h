/*
 * dtime.h - reading and writing times: RFC 3339 instants, local
 * "YYYY-MM-DD[ HH:MM]" times in a zone, dates, and "HH:MM" clock times.
 */
#ifndef DRIP_CORE_DTIME_H
#define DRIP_CORE_DTIME_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/*
 * A time as SPEC §1 accepts it: RFC 3339 ("2026-11-24T10:20:00Z",
 * "2026-11-24T10:20:00+01:00", seconds optional, 'T' or ' ' separator,
 * fractional seconds rejected) or local "YYYY-MM-DD" / "YYYY-MM-DD HH:MM" /
 * "YYYY-MM-DDTHH:MM[:SS]" (no offset) read in zone z.  A local date alone
 * means 00:00.  Fields are range-checked (Feb 30 is an error).
 * Returns 0, or -1 with a reason in why.
 * Details: reasons read 'invalid time "2026-02-30": day 30 is past the end
 * of February'.  Seconds 60 and hour 24 are rejected; 't' and 'z' may be
 * lower case (RFC 3339); a local time with seconds may also use ' '.  A
 * local time in a DST gap or fold follows tz_from_local.  z may be NULL,
 * and then only times with Z or an offset are accepted.
 */
/* The first and last instants dtime_parse accepts: 0000-01-01T00:00:00Z and
 * 9999-12-31T23:59:59Z, so that every time drip writes, and every slot
 * (a floor of one), reads back with four-digit years. */
#define DTIME_MIN INT64_C(-62167219200)
#define DTIME_MAX INT64_C(253402300799)
int dtime_parse(const char *s, const struct tz *z, int64_t *out,
		char *why, size_t whylen);

/* "YYYY-MM-DD": 0 or -1 with why. */
int dtime_parse_date(const char *s, int *year, int *mon, int *day,
		     char *why, size_t whylen);

/* "HH:MM" (00:00..23:59, two digits each): minutes after midnight, or -1
 * with why. */
int dtime_parse_hhmm(const char *s, int *minutes, char *why, size_t whylen);

/* "2026-03-02T13:40:00Z" (20 characters + NUL; buf at least 21 bytes). */
void dtime_format_utc(int64_t t, char *buf, size_t n);
/* "2026-03-02 14:40" in zone z, and with the offset: "2026-03-02 14:40 +01:00".
 * Seconds are not shown; an offset with seconds (local mean time before
 * 1900) is written "+00:53:28".  DTIME_LOCAL_MAX bytes always suffice. */
#define DTIME_LOCAL_MAX 32
void dtime_format_local(const struct tz *z, int64_t t, int with_offset,
			char *buf, size_t n);

#endif
