/*
 * enroll.h - `drip enroll` as a library (SPEC §3.5a): enroll contacts in a
 * sequence, or remove, pause or resume their enrollment, for any number of
 * contacts with bounded memory.
 *
 * Two passes.  The first picks the contacts: contacts.csv (roster, in id
 * order) merged with the ids named on the command line (sorted in memory),
 * the id column of a file (sorted on disk, csvsort) and a --where
 * expression; it checks everything before anything is written.  The second
 * merges the picked ids with the shard files of state/enrollments/ they
 * fall in and writes each touched shard, and the log with a row per
 * enrollment or removal, to temporary files beside their targets, which
 * the caller renames into place with its commit.  Time O(N log N) in the
 * ids and contacts, memory independent of both.
 */
#ifndef DRIP_CORE_ENROLL_H
#define DRIP_CORE_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "fsio.h"
#include "state.h"

struct drip_err;
struct tz;

enum enroll_mode { ENROLL_ADD, ENROLL_REMOVE, ENROLL_PAUSE, ENROLL_RESUME };

struct enroll_req {
	const char *root;
	const char *seq;
	enum enroll_mode mode;
	/* ENROLL_ADD: the published version, its first step, its re-enrollment
	 * rule (enum reenroll), and when the enrollment starts (at; at_text is
	 * the --at text for the log's detail, or NULL). */
	long version;
	const char *first;
	int reenroll;
	int64_t at;
	const char *at_text;
	int64_t now;
	const struct tz *zone;		/* for --where */
	/* The contacts: ids (command line), the id column of file, where. */
	char *const *ids;
	size_t nids;
	const char *file;
	const char *where;
	/* Told of each contact left as it was, in id order, with why
	 * ("'ada' is already enrolled in 's1'"); only once everything was
	 * checked. */
	void (*skip)(void *ctx, const char *msg);
	void *ctx;
};

struct enroll_result {
	size_t changed, skipped;
	struct fsio_pending files[STATE_SHARDS + 1];	/* shards in order, then the log */
	size_t nfiles;
};

/*
 * Pick the contacts and write the new files.  Errors, each before anything
 * is written, in this order: contacts.csv's (DRIP_EDATA...); the first id
 * of ids that is not a valid contact id (DRIP_EUSAGE "invalid contact id
 * 'x'") or not a contact (DRIP_ENOINPUT "unknown contact 'x'"); file's own
 * (it cannot be read, has no id column); the first id of file that is not a
 * contact, by line; an error of the --where expression (DRIP_EUSAGE
 * "--where: LINE:COL: message").  Then a shard file's.  On success the
 * caller renames res->files into place (or not) and calls
 * enroll_result_release, which removes the temporary files left.
 */
int enroll_run(const struct enroll_req *q, struct enroll_result *res, struct drip_err *err);
void enroll_result_release(struct enroll_result *res);

#endif
