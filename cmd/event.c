/*
 * event.c - `drip event CONTACT NAME [--sequence S] [--at TIME]
 * [--data KEY=VALUE]...` (SPEC §4.5): record an external event for the next
 * tick.
 *
 * An event is one file, inbox/ID.csv, with the header
 * time,contact,name,sequence,data and exactly one row:
 *   time      RFC 3339 UTC to the second (--at, else --now);
 *   contact   a contact of contacts.csv;
 *   name      an id: reply, open, click, bounce, unsubscribe, task_done or
 *             any name of the user's;
 *   sequence  "" (any sequence) or a published sequence's id;
 *   data      the --data pairs in the order given, written KEY=VALUE and
 *             joined with '&'.  Inside keys and values '%', '&', '=' and the
 *             control bytes (below 0x20, and 0x7f) are written %XX with
 *             upper-case hex digits, so the pairs split back unambiguously;
 *             every other byte (UTF-8 included) stands as it is.
 * ID is "YYYYMMDDTHHMMSSZ-" (the event's time) followed by 16 hex digits of
 * BLAKE2b with an 8-byte digest (libsodium crypto_generichash) over
 * "contact NUL name NUL sequence NUL time NUL data", time as in the file.
 * The name comes from the content, so recording the same event twice (a
 * mail hook that retries) leaves one file, and names sort by time.
 *
 * The file is written atomically (temp file beside it, then rename; tick
 * skips dot files), so a mail hook or web handler may record events while a
 * tick runs.  That is also why this command takes no lock and makes no
 * commit: inbox/ is not committed, and tick removes the files it applied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cmd.h"
#include "csvio.h"
#include "dtime.h"
#include "fsio.h"
#include "pub.h"
#include "roster.h"
#include "sbuf.h"
#include "ws.h"

#define EVENT_HEADER "time,contact,name,sequence,data\n"
/* Bytes of the BLAKE2b digest in an event's id: 16 hex digits. */
#define EVENT_HASH_BYTES 8

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

/* Append s (n bytes) with the bytes that would break KEY=VALUE&... or a
 * reader of the file written %XX. */
static void
encode(struct sbuf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];

		if (b == '%' || b == '&' || b == '=' || b < 0x20 || b == 0x7f)
			sbuf_printf(out, "%%%02X", b);
		else
			sbuf_addc(out, b);
	}
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
		encode(out, o->data[i], (size_t)(eq - o->data[i]));
		sbuf_addc(out, '=');
		encode(out, eq + 1, strlen(eq + 1));
	}
	/* tick reads fields up to CSVIO_MAX_FIELD: a bigger one would stop
	 * every tick until someone removed the file. */
	if (out->len > CSVIO_MAX_FIELD - 1)
		return usage_error(c, "--data is too long: %zu bytes encoded, at most %d",
				   out->len, CSVIO_MAX_FIELD - 1);
	return 0;
}

/* The file name (without ".csv") of the event whose fields are f. */
static const char *
event_id(struct cmd_ctx *c, const char *const f[5])
{
	crypto_generichash_state st;
	unsigned char h[EVENT_HASH_BYTES];
	char hex[2 * EVENT_HASH_BYTES + 1];
	const char *t = f[0];
	size_t i;

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	/* contact, name, sequence, time, data: each but the last ends in NUL. */
	crypto_generichash_update(&st, (const unsigned char *)f[1], strlen(f[1]) + 1);
	crypto_generichash_update(&st, (const unsigned char *)f[2], strlen(f[2]) + 1);
	crypto_generichash_update(&st, (const unsigned char *)f[3], strlen(f[3]) + 1);
	crypto_generichash_update(&st, (const unsigned char *)f[0], strlen(f[0]) + 1);
	crypto_generichash_update(&st, (const unsigned char *)f[4], strlen(f[4]));
	crypto_generichash_final(&st, h, sizeof h);
	for (i = 0; i < sizeof h; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	/* "2026-11-24T10:20:00Z" -> "20261124T102000Z" */
	return arena_printf(&c->a, "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%s", t, t + 5, t + 8, t + 11,
			    t + 14, t + 17, hex);
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
	struct sbuf data = SBUF_INIT, file = SBUF_INIT;
	const char *f[5], *id, *rel;
	int64_t at = c->now;
	char stamp[32], why[256], *full = NULL;
	int k, rc;

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

	dtime_format_utc(at, stamp, sizeof stamp);
	f[0] = stamp;
	f[1] = argv[k];
	f[2] = argv[k + 1];
	f[3] = o.sequence;
	f[4] = sbuf_str(&data);
	id = event_id(c, f);
	rel = arena_printf(&c->a, "inbox/%s.csv", id);
	full = ws_path(c, rel);
	if (fsio_exists(full)) {
		/* The same content has the same name: nothing to add. */
		if (!c->quiet)
			printf("event %s for %s is already recorded (%s)\n", f[2], f[1], rel);
		rc = 0;
		goto out;
	}
	sbuf_adds(&file, EVENT_HEADER);
	csvio_format_row(&file, f, 5);
	if (fsio_write_atomic(full, file.buf, file.len, 0644, &c->err) < 0)
		goto out;
	if (!c->quiet)
		printf("recorded event %s for %s (%s)\n", f[2], f[1], rel);
	rc = 0;
out:
	free(full);
	sbuf_release(&file);
	sbuf_release(&data);
	return rc;
}
