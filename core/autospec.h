/*
 * autospec.h - a step automation as `drip automate add` takes it on its
 * command line: --on, --after, --repeat/--times and the compact --action
 * grammar (notify:FILE,watchers, tag:+cold,-warm, set:FIELD=VALUE ...;
 * drip-automate(1)), checked and written as YAML text to splice into a
 * sequence file (SPEC §3.6).
 *
 * Errors: the checks return 0, or -1 with *why set to a message for a
 * usage error (exit 2), naming the option.
 * Ownership: everything returned lives in the arena passed in.
 */
#ifndef DRIP_CORE_AUTOSPEC_H
#define DRIP_CORE_AUTOSPEC_H

#include <stddef.h>

struct arena;
struct sbuf;

/*
 * One action as YAML: its name, and the text of its arguments (NULL for a
 * bare name).  Written "- name: args" in a block list, "{name: args}" in a
 * flow one.
 */
struct autospec_act {
	const char *name;
	const char *args;
};

/* The options of `automate add`, as given (NULL when absent). */
struct autospec {
	const char *on, *after, *repeat, *times, *from;
	const char **specs;		/* the --action specs */
	size_t nacts;			/* how many */
	struct autospec_act *acts;	/* autospec_check: each spec as YAML */
	long ntimes;			/* autospec_check: --times as a number */
};

/* Check everything add can check before it reads the sequence, and fill
 * o->acts and o->ntimes.  With --from, nothing else may be given. */
int autospec_check(struct arena *ar, struct autospec *o, const char **why);

/* Parse one --action spec into YAML text (*why says what is wrong). */
int autospec_action(struct arena *ar, const char *spec, struct autospec_act *t,
		    const char **why);

/* The checked automation id as block text (see yedit.h), its actions list
 * indented by off under its key. */
void autospec_block(const struct autospec *o, const char *id, size_t off, struct sbuf *out);

/* The same as one flow mapping. */
void autospec_flow(const struct autospec *o, const char *id, struct sbuf *out);

#endif
