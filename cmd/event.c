/*
 * event.c - `drip event CONTACT NAME [--sequence S] [--at TIME]
 * [--data KEY=VALUE]...` (SPEC §4.5): record an external event for the next
 * tick.
 *
 * The event is one file in inbox/, written as inbox.h describes, with the
 * time of --at (else --now) and the --data pairs in the order given.  Its
 * name comes from its content, so recording the same event twice (a mail
 * hook that retries) leaves one file.  This command takes no lock and makes
 * no commit: inbox/ is not committed, and tick removes the files it
 * applied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "csvio.h"
#include "dtime.h"
#include "fsio.h"
#include "inbox.h"
#include "pub.h"
#include "roster.h"
#include "sbuf.h"
#include "ws.h"

const struct optspec event_opts[] = {
	{ "at", 0, "TIME", "when the event happened (default: now)", NULL },
	{ "data", 'd', "KEY=VALUE", "attach a value to the event (may be repeated; "
	  "'%', '&', '=' and control characters are stored %XX-encoded)", NULL },
	{ "sequence", 's', "SEQ", "the published sequence the event concerns (default: any)",
	  "@seq" },
	{ NULL, 0, NULL, NULL, NULL }
};

struct event_opts {
	const char *at, *sequence;
	const char **data;
	size_t ndata;
};

static int
on_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct event_opts *o = ud;

	if (strcmp(name, "at") == 0) {
		o->at = arg;
	} else if (strcmp(name, "sequence") == 0) {
		o->sequence = arg;
	} else if (strcmp(name, "data") == 0) {
		o->data = arena_grow(&c->a, o->data, o->ndata, o->ndata + 1, sizeof *o->data);
		o->data[o->ndata++] = arg;
	}
	return 0;
}

/* The data column from the --data operands; a usage error (returned as
 * DRIP_EUSAGE) for a pair without '=' or with an empty key. */
static int
join_data(struct cmd_ctx *c, const struct event_opts *o, struct sbuf *out)
{
	size_t i;

	for (i = 0; i < o->ndata; i++) {
		const char *eq = strchr(o->data[i], '=');

		if (eq == NULL || eq == o->data[i])
			return usage_error(c, "--data takes KEY=VALUE, not '%s'", o->data[i]);
		if (i)
			sbuf_addc(out, '&');
		inbox_encode(out, o->data[i], (size_t)(eq - o->data[i]));
		sbuf_addc(out, '=');
		inbox_encode(out, eq + 1, strlen(eq + 1));
	}
	/* tick reads fields up to CSVIO_MAX_FIELD: a bigger one would stop
	 * every tick until someone removed the file. */
	if (out->len > CSVIO_MAX_FIELD - 1)
		return usage_error(c, "--data is too long: %zu bytes encoded, at most %d",
				   out->len, CSVIO_MAX_FIELD - 1);
	return 0;
}

/* The sequence must be published (any status: an event may concern a
 * paused or stopping sequence too). */
static int
check_sequence(struct cmd_ctx *c, const char *seq)
{
	struct csvio_table st;
	char *p;
	int exists;

	if (pub_load_state(&c->a, c->root, &st, &c->err) < 0)
		return -1;
	if (pub_find(&st, seq) >= 0)
		return 0;
	p = ws_path(c, arena_printf(&c->a, "sequences/%s.yaml", seq));
	exists = fsio_exists(p);
	free(p);
	return err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0,
		       exists ? "sequence '%s' is not published; 'drip seq publish %s' starts it" :
		       "unknown sequence '%s'", seq, seq);
}

int
cmd_event(int argc, char **argv, struct cmd_ctx *c)
{
	struct event_opts o = { NULL, "", NULL, 0 };
	struct csvio_table t;
	struct inbox_event ev;
	struct sbuf data = SBUF_INIT;
	const char *id, *rel;
	int64_t at = c->now;
	char why[256];
	int k, rc, w;

	if ((k = opts_parse(c, argc, argv, event_opts, on_opt, &o)) < 0)
		return DRIP_EUSAGE;
	if (argc - k < 2)
		return usage_error(c, argc - k < 1 ? "missing contact id" : "missing event name");
	if (argc - k > 2)
		return usage_error(c, "too many arguments: one contact and one event name");
	if (!ws_valid_contact_id(argv[k]))
		return usage_error(c, "invalid contact id '%s'", argv[k]);
	if (!ws_valid_id(argv[k + 1]))
		return usage_error(c, "invalid event name '%s': 1 to 64 of a-z, 0-9, '_' and '-', "
				   "starting with a letter or digit", argv[k + 1]);
	if (*o.sequence && !ws_valid_id(o.sequence))
		return usage_error(c, "invalid sequence id '%s'", o.sequence);
	if (o.at && dtime_parse(o.at, c->cfg.tz, &at, why, sizeof why) < 0)
		return usage_error(c, "invalid --at '%s': %s", o.at, why);
	if ((rc = join_data(c, &o, &data)) != 0)
		goto out;
	rc = -1;
	if (roster_load_ids(&c->a, c->root, (const char *const *)argv + k, 1, &t, &c->err) < 0)
		goto out;
	if (csvio_table_find(&t, (size_t)csvio_table_col(&t, "id"), argv[k]) < 0) {
		err_set(&c->err, DRIP_ENOINPUT, NULL, 0, 0, "unknown contact '%s'", argv[k]);
		goto out;
	}
	if (*o.sequence && check_sequence(c, o.sequence) < 0)
		goto out;

	ev.time = at;
	ev.contact = argv[k];
	ev.name = argv[k + 1];
	ev.sequence = o.sequence;
	ev.data = sbuf_str(&data);
	id = inbox_event_id(&c->a, &ev);
	rel = arena_printf(&c->a, "inbox/%s.csv", id);
	if ((w = inbox_write(c->root, id, &ev, &c->err)) < 0)
		goto out;
	/* The same content has the same name: nothing to add. */
	if (!c->quiet)
		printf(w ? "event %s for %s is already recorded (%s)\n" :
		       "recorded event %s for %s (%s)\n", ev.name, ev.contact, rel);
	rc = 0;
out:
	sbuf_release(&data);
	return rc;
}
