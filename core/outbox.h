/*
 * outbox.h - the Maildir-style delivery queue and the delivery loop
 * (SPEC §7, §9.3, §12).
 *
 * tick writes each message to OUTBOX/tmp/NAME and renames it into
 * OUTBOX/new/NAME before it commits state; after the commit it hands what is
 * in new/ to the configured transport and moves each message to sent/ (exit
 * status 0) or, when it gives up on it, to failed/.  A failed message is
 * tried again at growing intervals (outbox_retry_delay): after a temporary
 * failure (exit 75, EX_TEMPFAIL) until give_up has passed since it was
 * queued, after any other failure at most OUTBOX_MAX_ATTEMPTS times in all.
 * NAME derives from the Message-ID, so a rerun after a crash finds the
 * message already queued (or sent) and never makes a second copy.
 *
 * Layout of OUTBOX (every directory 0700, every file 0600):
 *   tmp/NAME        a message being written; garbage after a crash
 *   new/NAME        queued, not yet handed over successfully
 *   sent/NAME       accepted by the transport (exit status 0)
 *   failed/NAME     given up on
 *   attempts/NAME   "N NEXT\n": N failed hand-overs so far of new/NAME, and
 *                   NEXT, the time (seconds since 1970) before which it is
 *                   not tried again; written atomically, removed when the
 *                   message leaves new/.  A missing or unreadable count is
 *                   0 and due, so a crash can at worst allow one extra
 *                   attempt, never lose a message.  The times come from the
 *                   caller (the tick's slot), never from the clock, so a
 *                   run with --now is repeatable.
 *
 * OUTBOX itself may be a symbolic link (an operator may put the queue on
 * another disk), but nothing inside it is followed: the subdirectories and
 * the files are opened relative to their directory with O_NOFOLLOW.
 *
 * An email or sms file is the message itself, handed to the transport as
 * stdin.  A run file (kind "run", a queued `run` action, SPEC §5) is the
 * command itself, made by outbox_run_format and binary-safe:
 *   "drip-run 1\n"
 *   ARG NUL ARG NUL ... NUL        argv, ARG[0] an absolute path
 *   NAME=VALUE NUL ... NUL         the whole environment
 *   STDIN BYTES                    to the end of the file
 * Each list ends with an empty item (so a second NUL in a row); at most
 * OUTBOX_RUN_MAX bytes in all.
 */
#ifndef DRIP_CORE_OUTBOX_H
#define DRIP_CORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

struct drip_err;
struct sbuf;
struct transport;

/* Failed hand-overs after which a failure that is not temporary moves the
 * message to failed/ (SPEC §7). */
#define OUTBOX_MAX_ATTEMPTS 5
/* The wait after the first failed hand-over, doubled after each further
 * one up to OUTBOX_RETRY_MAX: 20m, 40m, 1h20m, 2h40m, then every 4h. */
#define OUTBOX_RETRY_FIRST (20 * 60)
#define OUTBOX_RETRY_MAX (4 * 3600)
/* outbox_exec's result for a command that exited 75 (EX_TEMPFAIL). */
#define OUTBOX_ETEMP (-2)
/* Longest queue file name accepted by outbox_put. */
#define OUTBOX_NAME_MAX 200
/* Bytes of a failing command's stderr kept in outbox_event.detail. */
#define OUTBOX_STDERR_MAX 200
/* Seconds a transport may run when outbox_deliver is given timeout_secs <= 0:
 * a hung sendmail must never hold the workspace lock for ever. */
#define OUTBOX_TIMEOUT_DEFAULT 60
/* Largest run file outbox_deliver runs (1 MiB); a larger one is malformed. */
#define OUTBOX_RUN_MAX (1024 * 1024)

/* ---- queueing ---- */

/*
 * Queue one message: write data to OUTBOX/tmp/NAME, then rename it into
 * OUTBOX/new/NAME (fsync of the file and of the directory), creating OUTBOX
 * and its tmp/, new/, sent/, failed/ as needed (0700).  If NAME already
 * exists in new/, sent/ or failed/, do nothing and set *existed = 1 (else
 * *existed = 0): a rerun after a crash never makes a second copy (SPEC §7,
 * §9.3).  NAME is checked: only [A-Za-z0-9._-], at most OUTBOX_NAME_MAX
 * chars, no leading '.' (DRIP_EDATA "invalid outbox message name \"...\"").
 * Files are opened relative to their directory with O_NOFOLLOW, so a
 * symbolic link planted in the outbox cannot redirect writes (SPEC §12); a
 * symbolic link in place of a subdirectory is an error (DRIP_EFAIL).
 */
int outbox_put(const char *dir, const char *name, const void *data, size_t len,
	       int *existed, struct drip_err *err);

/*
 * The queue file name for a message: "<slot as 12 zero-padded decimal
 * seconds>-<kind>-<msgid_hex>", so that names sort oldest first; kind is
 * "email", "sms" or "run"; msgid_hex is the 32 hex characters of the
 * Message-ID hash.  If the name does not fit in buf (n bytes; 64 is always
 * enough for the three kinds), buf is set to "" - which outbox_put rejects -
 * rather than to a truncated name that could collide with another.
 */
void outbox_name(int64_t slot, const char *kind, const char *msgid_hex,
		 char *buf, size_t n);

/*
 * Append to out the run file for one command: the header line, argv, env
 * (both NULL-terminated), then inlen bytes of in as its stdin (in may be
 * NULL when inlen is 0), in the layout above.  The same arguments always
 * give the same bytes.  Items are C strings, so they hold no NUL byte.  The
 * caller guarantees that argv[0] exists and is an absolute path, that no
 * argv item is empty and that each env item is "NAME=VALUE" with a
 * non-empty NAME: an empty item would end its list early and the file
 * would then say something else (outbox_deliver refuses a file whose argv
 * is empty, whose argv[0] is not absolute or whose env items lack a name).
 * env is the command's whole environment: outbox_deliver adds only
 * PATH=/usr/bin:/bin and LC_ALL=C, each when env does not set it.
 */
void outbox_run_format(struct sbuf *out, const char *const *argv, const char *const *env,
		       const char *in, size_t inlen);

/* ---- delivery ---- */

/*
 * One failed hand-over or give-up, for the caller to log (SPEC §4.3, action
 * "deliver").  name points into outbox_deliver's memory and is valid only
 * during the callback.  detail says what went wrong, on one line (control
 * characters become spaces), e.g. "exit status 1: <stderr>", "temporary
 * failure (exit 75): <stderr>", "killed by signal 9", "timed out after 30 s",
 * "cannot execute '/usr/sbin/sendmail': No such file or directory"; it is
 * cut short (ending in "...") when longer than the field.
 */
struct outbox_event {
	const char *name;	/* the queue file name */
	int gave_up;		/* 1: this was the last attempt, moved to failed/ */
	int temporary;		/* 1: the transport exited 75 (EX_TEMPFAIL) */
	int attempts;		/* failed hand-overs so far, this one included */
	int64_t next;		/* when not gave_up: the next attempt's earliest time */
	char detail[256];
};

/* What one outbox_deliver call did.  failed counts every failed hand-over,
 * including the ones that gave up; gave_up counts those alone; deferred
 * the messages left for the rate limit, waiting those not yet due for
 * another attempt. */
struct outbox_stats {
	size_t sent, failed, gave_up, deferred, waiting;
};

/* How one outbox_deliver call goes about it. */
struct outbox_policy {
	int64_t now;		/* this attempt's time, seconds since 1970: the
				 * tick's slot, so retries follow --now */
	int max;		/* hand over at most this many (the rate
				 * limit, SPEC §3.3); <= 0: no limit */
	int timeout_secs;	/* per command; <= 0: OUTBOX_TIMEOUT_DEFAULT */
};

/* The wait before the next attempt after the failures-th failed hand-over
 * of a message: OUTBOX_RETRY_FIRST doubled failures - 1 times, at most
 * OUTBOX_RETRY_MAX. */
int64_t outbox_retry_delay(int failures);

/*
 * Deliver what is in OUTBOX/new/ for one kind ("email", "sms", "run"),
 * oldest first (by name), through transport t.  Only names of the form
 * "DDDDDDDDDDDD-KIND-..." (see outbox_name) are considered.
 *  - TRANSPORT_MAILDIR: nothing to do (messages stay in new/ for another
 *    program); returns 0 with all counts 0.
 *  - TRANSPORT_SENDMAIL / TRANSPORT_COMMAND: each message is handed to
 *    t->argv as described at outbox_exec, in the environment of
 *    outbox_transport_env.  A sendmail argv without -t (an argument "-t",
 *    "-ti" or "-it" before any "--") is given the message's recipients,
 *    every address of its To:, Cc: and Bcc: fields, after "--"; a message
 *    whose recipients cannot be read fails without running anything.
 *  - Kind "run": each run file is its own command, and t gives only
 *    give_up (t may be NULL: CONFIG_GIVE_UP).  Its argv and environment
 *    are run with outbox_exec (envp: the file's entries, plus
 *    PATH=/usr/bin:/bin and LC_ALL=C each when the file does not set it,
 *    nothing of drip's own), with the file itself as stdin, positioned at
 *    its stdin part.  A file that is not a regular file, cannot be read,
 *    or does not parse (a wrong first line, a list without its ending NUL,
 *    an empty argv, an argv[0] that is not an absolute path, an env item
 *    without "NAME=", more than OUTBOX_RUN_MAX bytes) fails without
 *    running anything, with a detail such as "malformed run file: argv[0]
 *    is not an absolute path".
 * Exit status 0 moves a message to sent/.  Anything else is a failure:
 * attempts/NAME is updated, on_event (if not NULL) is called, and the
 * message moves to failed/ with gave_up set when p->now is at or past its
 * slot (from its name) plus t->give_up, or when the failure is not
 * temporary and it is the OUTBOX_MAX_ATTEMPTS-th; else its next attempt is
 * due at p->now + outbox_retry_delay(attempts), but no later than that
 * give_up deadline.  A message not yet due is left alone (stats->waiting)
 * and does not count against p->max; a message that is not a regular file
 * (a planted symbolic link, a FIFO) fails like one the transport refused.
 * A missing OUTBOX or OUTBOX/new is an empty queue.  Returns 0, even when
 * messages failed (those are reported through on_event and stats), or -1
 * when the outbox itself cannot be read or updated (a message could not be
 * moved, a count could not be written) or, for a kind other than "run", t
 * has no argv (DRIP_ECONFIG); the counts then say what was done before the
 * problem.  For a kind other than "run", t must not be NULL.
 */
int outbox_deliver(const char *dir, const char *kind, const struct transport *t,
		   const struct outbox_policy *p,
		   void (*on_event)(void *ctx, const struct outbox_event *ev), void *ctx,
		   struct outbox_stats *stats, struct drip_err *err);

/*
 * The environment of a sendmail or command transport (SPEC §7), small and
 * documented, so that a real MTA finds its configuration and nothing else
 * of drip's leaks into it:
 *   PATH=/usr/bin:/bin
 *   HOME, USER, LOGNAME  drip's own when set and not empty, else from the
 *                        password database entry of the real user id
 *   LC_ALL=C
 * then each name of t->env that drip's environment has, with drip's value
 * (replacing one above of that name).  A malloc'ed NULL-terminated array of
 * malloc'ed "NAME=VALUE" strings; free it with outbox_env_free.
 */
char **outbox_transport_env(const struct transport *t);
void outbox_env_free(char **env);

/*
 * Run one command for delivery, the way outbox_deliver runs a transport
 * (exported for `run` actions, whose argv and environment come from the
 * automation and the contact rather than from drip.yaml):
 * fork and execve(argv[0], argv, envp) - never a shell, never a PATH search,
 * so argv[0] is the program's path - in a process group of its own, with
 * stdin read from in_fd (/dev/null when in_fd < 0), stdout and stderr
 * captured (the first OUTBOX_STDERR_MAX bytes of stderr are kept for detail),
 * and no other descriptor inherited, even one the caller opened without
 * O_CLOEXEC.  envp NULL means the clean environment, only
 * PATH=/usr/bin:/bin and LC_ALL=C.  After timeout_secs (<= 0: the default)
 * the whole process group is killed with SIGKILL; the child is always
 * reaped.  Returns 0 when the command exited with status 0, OUTBOX_ETEMP
 * when it exited 75 (EX_TEMPFAIL), and otherwise -1, with detail (of
 * detail_len bytes) saying why, as in outbox_event.detail.
 */
int outbox_exec(const char *const *argv, const char *const *envp, int in_fd,
		int timeout_secs, char *detail, size_t detail_len);

/* ---- listing ---- */

/*
 * The message names in OUTBOX/SUB (sub is "new", "sent" or "failed"),
 * sorted (for reports and tests); files that are not queue files (a leading
 * '.', a character outside [A-Za-z0-9._-]) are left out.  A missing
 * directory is an empty list.  *names is a malloc'ed array of malloc'ed
 * strings (NULL when *n is 0); free it with outbox_list_free.
 */
int outbox_list(const char *dir, const char *sub, char ***names, size_t *n,
		struct drip_err *err);
void outbox_list_free(char **names, size_t n);

/*
 * Staging: a tick queues its messages all at once or not at all.  put
 * writes tmp/NAME unless NAME is already in new/, sent/ or failed/; commit
 * makes the whole batch durable with one sync (syncfs), then renames every
 * staged message into new/ and syncs that directory once; free removes
 * whatever is still staged (a run that stopped on bad input leaves no
 * message behind).
 */
struct outbox_stage;
int outbox_stage_open(const char *dir, struct outbox_stage **out, struct drip_err *err);
int outbox_stage_put(struct outbox_stage *st, const char *name, const void *data, size_t len,
		     struct drip_err *err);
int outbox_stage_commit(struct outbox_stage *st, struct drip_err *err);
void outbox_stage_free(struct outbox_stage *st);
/* Tests: how many messages of a batch are looked up in new/, sent/ and
 * failed/ one by one before the folders are read instead (default 256),
 * and the most names a folder may hold to be read (0: the default,
 * 200,000; past it, lookups go on). */
void outbox_stage_tune(size_t lookups, size_t max);

#endif
