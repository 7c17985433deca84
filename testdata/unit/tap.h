/*
 * tap.h - a minimal TAP producer for the C unit tests, run by prove.
 *
 *   int main(void) { ok(1 + 1 == 2, "sum"); is_str(a, "x", "name"); return tap_done(); }
 *
 * The plan is printed at the end ("1..N"), so tests need not count.  A test
 * file that runs no assertion fails, so a file can never pass by doing
 * nothing.
 */
#ifndef DRIP_TESTDATA_TAP_H
#define DRIP_TESTDATA_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ != NULL && w_ != NULL ? strcmp(g_, w_) == 0 : g_ == w_, __VA_ARGS__)) \
		printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

#define is_int(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, __VA_ARGS__)) \
		printf("#   got:  %lld\n#   want: %lld\n", g_, w_); \
} while (0)

/* Does haystack contain needle?  For checking error messages. */
#define like(hay, needle, ...) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (!ok(h_ != NULL && strstr(h_, n_) != NULL, __VA_ARGS__)) \
		printf("#   got:  '%s'\n#   want a string containing: '%s'\n", h_ ? h_ : "(null)", n_); \
} while (0)

static int
tap_done(void)
{
	if (tap_n == 0) {
		printf("1..0 # SKIP no assertions ran\nBail out! a test file ran no assertion\n");
		return 1;
	}
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
