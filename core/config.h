/*
 * config.h - drip.yaml (SPEC §2), read into a struct with every field
 * checked; unknown keys are errors with a "did you mean" suggestion.
 */
#ifndef DRIP_CORE_CONFIG_H
#define DRIP_CORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "dur.h"

struct arena;
struct drip_err;
struct tz;
struct ynode;

/* Allowed local moments: days (bit 0 = Sunday .. bit 6 = Saturday) and the
 * clock range [from, to) in minutes after midnight. */
struct window {
	unsigned days;		/* 0x7f: every day */
	int from, to;		/* 0 and 1440: all day */
};

enum transport_kind {
	TRANSPORT_MAILDIR,	/* leave messages in a maildir (default: outbox) */
	TRANSPORT_SENDMAIL,	/* argv, message on stdin */
	TRANSPORT_COMMAND	/* argv, for SMS and `run` */
};

struct transport {
	enum transport_kind kind;
	const char *maildir;		/* TRANSPORT_MAILDIR */
	const char **argv;		/* NULL-terminated, otherwise */
	size_t argc;
	int rate_count;			/* rate: N/DURATION; 0 = unlimited */
	int64_t rate_secs;
	int64_t give_up;		/* give_up: seconds after a message was
					 * queued that a temporary failure stops
					 * being retried; default CONFIG_GIVE_UP */
	const char **env;		/* env: names passed on from drip's own
					 * environment, NULL-terminated (never NULL) */
	size_t nenv;
};

/* The default give_up: five days, as a mail server's queue lifetime. */
#define CONFIG_GIVE_UP (5 * 86400)

struct config {
	const char *file;		/* path it was read from */
	const char *name;
	const char *timezone;		/* IANA name, default "UTC" */
	struct tz *tz;			/* loaded zone (freed by config_release) */
	int default_time;		/* minutes after midnight, default 10:00 */
	int64_t tick;			/* slot length in seconds, default 20m */
	int64_t max_lag;		/* seconds, default 24h */
	struct window window;
	const char *holidays;		/* path relative to the root, or NULL */
	const char *from;
	const char *reply_to;
	const char *base_url, *login_url;
	struct dur link_expire;		/* default 14d */
	const char *public_key;		/* base64, or NULL */
	struct transport email, sms;
	const char **admins;
	size_t nadmins;
	int per_contact_per_day;	/* limits.per_contact_per_day, 0 = none */
	/* quota: {actions: N, per: day|week|month}: the actions (fired steps
	 * and completed enrollments) a plan allows per period, which
	 * `drip report usage` measures against; quota_actions 0 = none. */
	long quota_actions;
	int quota_per;			/* 0 day, 1 week, 2 month (default) */
	/* gc: {auto: N}: tick packs the repository once its loose objects
	 * pass N (gc.h; default GC_AUTO_DEFAULT, 0 never). */
	long gc_auto;
};

/*
 * Read drip.yaml at path.  The first problem is reported (DRIP_ECONFIG,
 * file:line:col) - drip.yaml is configuration, and a run must not start on
 * a half-understood one.
 */
int config_load(struct arena *a, const char *path, struct config *cfg,
		struct drip_err *err);
void config_release(struct config *cfg);

/* Defaults for a workspace without settings (used by `seq lint` outside a
 * workspace). */
void config_defaults(struct config *cfg);

/*
 * Shared with sequences (which may override send_window and timezone):
 * parse a send_window map {days, from, to} or a days list
 * [mon, tue, ...].  On error *at is the node to blame and why says what.
 */
int config_parse_window(const struct ynode *n, struct window *w,
			const struct ynode **at, char *why, size_t whylen);
int config_parse_days(const struct ynode *n, unsigned *days,
		      const struct ynode **at, char *why, size_t whylen);

#endif
