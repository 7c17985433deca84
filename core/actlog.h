/*
 * actlog.h - the action log, log/YYYY-MM.csv (SPEC §4.3): one row per thing
 * drip did or decided not to do, by the UTC month of the row's time.
 */
#ifndef DRIP_CORE_ACTLOG_H
#define DRIP_CORE_ACTLOG_H

#include <stddef.h>
#include <stdint.h>

struct log_row;
struct sbuf;

#define ACTLOG_HEADER "time,contact,sequence,step,automation,action,result,ref,detail\n"

/* "log/2026-11.csv" for the month of t (UTC). */
void actlog_path(int64_t t, char *buf, size_t n);
/* Append one row (without the header). */
void actlog_format(struct sbuf *out, const struct log_row *r);

/*
 * For appending more rows than fit in memory: a temporary file beside
 * root/rel (fsio_create_beside) holding the log as it is (or the header,
 * for a new month), copied in chunks, open at its end.  The caller writes
 * the rows, then fsio_finish and renames it into place (or removes it).
 */
#include <stdio.h>
struct drip_err;
int actlog_begin(const char *root, const char *rel, char **tmp, FILE **f,
		 struct drip_err *err);

#endif
