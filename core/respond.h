/*
 * respond.h - answering a signed link (SPEC §8): what `drip respond TOKEN`
 * and the CGI program decide, and the response event they record.
 *
 * A token is judged with only the public key and the workspace's files
 * (contacts.csv, state/, log/, inbox/): no secret key, no lock, and
 * nothing written but the one file in inbox/.  The answer is one of
 *   RESPOND_ACCEPTED  the answer is (or is to be) recorded as a `response`
 *                     event in inbox/ for the next tick;
 *   RESPOND_MOVED_ON  a yes/no answer whose enrollment is no longer on the
 *                     token's step, or entered it at another time;
 *   RESPOND_EXPIRED   a genuine token past its expiry;
 *   RESPOND_INVALID   anything else: not a token of this key, a contact
 *                     not in contacts.csv, a sequence not published.
 *
 * One token, one event: the event's inbox file is named after a hash of the
 * token text (tokens are canonical, so one answer has one string), and a
 * token whose event is still in inbox/, or already applied (its name is the
 * ref of a row in log/), is accepted again without recording anything.  An
 * unsubscribe token is accepted again without recording while the contact
 * is unsubscribed.
 */
#ifndef DRIP_CORE_RESPOND_H
#define DRIP_CORE_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

struct arena;
struct drip_err;

enum respond_outcome {
	RESPOND_ACCEPTED,
	RESPOND_MOVED_ON,
	RESPOND_EXPIRED,
	RESPOND_INVALID
};

/* Longest token text looked at; longer input is invalid unread. */
#define RESPOND_TEXT_MAX TOKEN_TEXT_MAX

struct respond {
	enum respond_outcome outcome;
	struct token tok;		/* the token's fields; zeroed when invalid */
	const char *why;		/* invalid: what is wrong, for the operator */
	const char *event_id;		/* the response event's inbox name (no ".csv"), or NULL */
	int already;			/* accepted: the answer was recorded before */
};

/*
 * Judge the token text s at now, reading only: fills *out and returns 0,
 * or -1 with err when a workspace file cannot be read (contacts.csv,
 * state/, log/); a token that is not genuine is never an error, only
 * RESPOND_INVALID.  pk is drip.yaml's links.public_key.  Strings are in a.
 */
int respond_check(struct arena *a, const char *root, const unsigned char pk[32],
		  const char *s, int64_t now, struct respond *out, struct drip_err *err);

/*
 * Record an accepted answer that is not recorded yet: the response event
 * (time now, the token's contact and sequence, data answer=A&step=S) in
 * root/inbox/, written atomically.  Sets r->already when the file appeared
 * meanwhile.  Does nothing for other outcomes.  0 or -1 with err.
 */
int respond_record(const char *root, struct respond *r, int64_t now, struct drip_err *err);

/*
 * The value of the parameter `t` in a CGI QUERY_STRING (RFC 3986 query,
 * '&' or ';' between pairs, %XX decoded, '+' a space): 1 and *out (in a)
 * when t is there exactly once, 0 when absent or given twice, and 0 for a
 * query longer than max bytes.
 */
int respond_query_token(struct arena *a, const char *qs, size_t max, const char **out);

/* The inbox name of the response event of token text s (in a). */
const char *respond_event_id(struct arena *a, const char *s);

#endif
