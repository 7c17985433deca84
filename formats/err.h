/*
 * err.h - the error every layer fills, the exit codes drip promises, and
 * "did you mean" suggestions.
 *
 * formats/ and core/ never print: they return -1 (or another negative value)
 * and fill a struct drip_err with the exit code the failure deserves and the
 * place it happened.  cmd/ prints it as "drip: FILE:LINE:COL: message" and
 * exits with the code (SPEC §10).
 */
#ifndef DRIP_FORMATS_ERR_H
#define DRIP_FORMATS_ERR_H

#include <stddef.h>

/* Exit codes, SPEC §10.  They double as the error classes in drip_err.code. */
enum {
	DRIP_OK = 0,		/* success */
	DRIP_EFAIL = 1,		/* findings (lint) or a failure that is not the input's fault */
	DRIP_EUSAGE = 2,	/* bad command line */
	DRIP_EDATA = 65,	/* bad data: a file, a time, a token... with its location */
	DRIP_ENOINPUT = 66,	/* a file or object that should exist does not */
	DRIP_ETEMP = 75,	/* try again later: lock held, lag guard, foreign edits */
	DRIP_EPERM = 77,	/* wrong password */
	DRIP_ECONFIG = 78	/* bad configuration (drip.yaml) */
};

/*
 * One error.  file is empty when the error has no file; line and col are 0
 * when unknown.  msg is lower case with no final full stop (STYLE.md).
 */
struct drip_err {
	int code;
	int line;
	int col;
	char file[512];
	char msg[1024];
};

/* Fill e and return -1, so that callers can write "return err_set(...)".
 * file may be NULL. */
int err_set(struct drip_err *e, int code, const char *file, int line, int col,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Same, with errno's text appended as ": strerror(errno)". */
int err_sys(struct drip_err *e, int code, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Render "FILE:LINE:COL: msg" (parts that are unknown are left out) into buf.
 * Returns buf. */
char *err_str(const struct drip_err *e, char *buf, size_t n);

/* Clear an error to "no error". */
void err_clear(struct drip_err *e);

/*
 * The candidate closest to word by edit distance, or NULL when none is close
 * enough to be a plausible typo (distance at most a third of the word's
 * length, and at least 1 allowed).  cands is an array of n strings; NULL
 * entries are skipped.
 */
const char *suggest(const char *word, const char *const *cands, size_t n);

/* Append " (did you mean \"X\"?)" to buf (of size n) when suggest() finds X. */
void suggest_append(char *buf, size_t n, const char *word,
		    const char *const *cands, size_t ncands);

#endif
