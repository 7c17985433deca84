/*
 * inbox.h - writing events into inbox/ (SPEC §4.5), for `drip event` and
 * `drip respond`; tick reads and applies them.
 *
 * An event is one file, inbox/ID.csv, with the header
 * time,contact,name,sequence,data and exactly one row:
 *   time      RFC 3339 UTC to the second;
 *   contact   a contact of contacts.csv;
 *   name      an id: reply, open, click, bounce, unsubscribe, task_done,
 *             response or any name of the user's;
 *   sequence  "" (any sequence) or a published sequence's id;
 *   data      KEY=VALUE pairs joined with '&'.  Inside keys and values '%',
 *             '&', '=' and the control bytes (below 0x20, and 0x7f) are
 *             written %XX with upper-case hex digits, so the pairs split
 *             back unambiguously; every other byte (UTF-8 included) stands
 *             as it is.
 *
 * The file is written atomically (temp file beside it, then rename; tick
 * skips dot files), so a mail hook or web handler may record events while a
 * tick runs, without the workspace lock and without a commit: inbox/ is not
 * committed, and tick removes the files it applied (after its commit, whose
 * log rows name each file's ID in their ref column).
 */
#ifndef DRIP_CORE_INBOX_H
#define DRIP_CORE_INBOX_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct drip_err;
struct sbuf;

#define INBOX_HEADER "time,contact,name,sequence,data\n"

/* One event to record.  Strings are the caller's. */
struct inbox_event {
	int64_t time;			/* seconds UTC */
	const char *contact;
	const char *name;
	const char *sequence;		/* "" for any */
	const char *data;		/* already encoded (inbox_encode), or "" */
};

/* Append s (n bytes) to out as a data key or value: see the file format
 * above. */
void inbox_encode(struct sbuf *out, const char *s, size_t n);

/*
 * The ID `drip event` gives an event: "YYYYMMDDTHHMMSSZ-" (its time)
 * followed by 16 hex digits of BLAKE2b with an 8-byte digest over
 * "contact NUL name NUL sequence NUL time NUL data", time as in the file.
 * The name comes from the content, so recording the same event twice (a
 * mail hook that retries) leaves one file, and names sort by time.
 * Allocated in a.
 */
const char *inbox_event_id(struct arena *a, const struct inbox_event *ev);

/*
 * Write inbox/ID.csv under root atomically, unless it is there already:
 * returns 0 when written, 1 when a file of that name existed (nothing is
 * written: the same ID is the same event), -1 with err.  id must be a
 * plain file name without ".csv" (no '/', not starting with '.').
 */
int inbox_write(const char *root, const char *id, const struct inbox_event *ev,
		struct drip_err *err);

/* Is inbox/ID.csv under root there?  1 yes, 0 no. */
int inbox_has(const char *root, const char *id);

#endif
