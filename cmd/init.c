/*
 * init.c - `drip init [DIR]` (SPEC §1): a new workspace with commented
 * settings, empty contacts and tasks, a fresh Ed25519 signing key pair
 * (SPEC §8) and a first commit.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "fsio.h"
#include "sbuf.h"
#include "store.h"
#include "tz.h"
#include "ydoc.h"

const struct optspec init_opts[] = {
	{ "name", 0, "NAME", "the workspace's name (default: the directory's name)", NULL },
	{ "timezone", 0, "ZONE", "the workspace time zone, an IANA name (default UTC)", NULL },
	{ NULL, 0, NULL, NULL, NULL }
};

struct init_opts {
	const char *name;
	const char *zone;
};

static int
on_opt(struct cmd_ctx *c, void *ud, const char *name, const char *arg)
{
	struct init_opts *o = ud;

	(void)c;
	if (strcmp(name, "name") == 0)
		o->name = arg;
	else if (strcmp(name, "timezone") == 0)
		o->zone = arg;
	return 0;
}

static void
settings(struct sbuf *sb, const char *name, const char *zone, const char *pk64)
{
	sbuf_adds(sb, "# drip workspace settings; drip-files(5) describes every key.\n");
	sbuf_adds(sb, "name: ");
	ydoc_quote(sb, name);
	sbuf_printf(sb, "\n# IANA time zone; every local time below is in it.\n"
		    "timezone: %s\n", zone);
	sbuf_adds(sb,
		  "# When day-based steps fire if they give no `at`.\n"
		  "default_time: \"10:00\"\n"
		  "# The slot length of `drip tick`; must divide 60m or 24h.\n"
		  "tick: 20m\n"
		  "# `drip tick` refuses to catch up more than this without --catch-up.\n"
		  "max_lag: 24h\n"
		  "# When messages may go out (default: any day, any hour).\n"
		  "# send_window:\n"
		  "#   days: [mon, tue, wed, thu, fri]\n"
		  "#   from: \"08:00\"\n"
		  "#   to: \"18:00\"\n"
		  "# holidays: holidays.csv\n"
		  "# The sender, and where signed links point: both are needed to send email.\n"
		  "# from: \"Acme <hello@acme.example>\"\n"
		  "# reply_to: \"support@acme.example\"\n"
		  "links:\n"
		  "  # base_url: \"https://acme.example/cgi-bin/drip-respond\"\n"
		  "  # login_url: \"https://acme.example/login\"\n"
		  "  expire: 14d\n"
		  "  # Written by `drip init`; the secret key stays in .drip/signing.key.\n");
	sbuf_printf(sb, "  public_key: \"%s\"\n", pk64);
	sbuf_adds(sb,
		  "# How messages leave outbox/: {maildir: outbox} leaves them for another\n"
		  "# program; {sendmail: [/usr/sbin/sendmail, -t, -i]} or, for SMS,\n"
		  "# {command: [/usr/local/bin/send-sms]} hands each one over.  Optional:\n"
		  "# rate: 500/20m, give_up: 5d (how long a temporary failure, exit 75, is\n"
		  "# retried), env: [MSMTPRC] (variables passed on; PATH, HOME, USER,\n"
		  "# LOGNAME and LC_ALL always are).\n"
		  "transport:\n"
		  "  email: {maildir: outbox}\n"
		  "  sms: {maildir: outbox}\n"
		  "# admins: [ops@acme.example]\n");
}

static const char gitignore[] =
	"# drip: the delivery queue, incoming events and the secret key stay local.\n"
	"/outbox/\n/inbox/\n/.drip/\n";
static const char contacts_header[] =
	"id,email,first_name,last_name,phone,timezone,status,unsubscribed,bounced,owner,tags\n";
static const char tasks_header[] =
	"id,created,due,kind,contact,sequence,step,assignee,subject,status,done_at\n";
static const char sequences_header[] = "id,status,version,published_at,digest\n";

int
cmd_init(int argc, char **argv, struct cmd_ctx *c)
{
	struct init_opts o = { NULL, "UTC" };
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char pk64[sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES,
					    sodium_base64_VARIANT_ORIGINAL)];
	char sk64[sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES,
					    sodium_base64_VARIANT_ORIGINAL) + 1];
	static const char *const files[] = {
		"drip.yaml", ".gitignore", "contacts.csv", "tasks.csv",
		"state/sequences.csv", "sequences/.gitkeep", "automations/.gitkeep",
		"templates/.gitkeep",
	};
	const char *data[8];
	struct sbuf yaml = SBUF_INIT, msg = SBUF_INIT;
	char real[PATH_MAX], *p;
	const char *dir, *name, *base;
	struct tz *z = NULL;
	size_t i;
	int k, rc = -1, committed;

	if ((k = opts_parse(c, argc, argv, init_opts, on_opt, &o)) < 0)
		return DRIP_EUSAGE;
	if (argc - k > 1)
		return usage_error(c, "too many arguments");
	dir = argc - k == 1 ? argv[k] : ".";
	if (tz_load(o.zone, &z, &c->err) < 0) {
		c->err.code = DRIP_EUSAGE;
		return -1;
	}
	tz_free(z);
	if (o.name)
		for (p = (char *)o.name; *p; p++)
			if ((unsigned char)*p < 0x20)
				return usage_error(c, "--name must be one line of text");
	if (fsio_mkdirs(dir, 0755, &c->err) < 0)
		return -1;
	if (realpath(dir, real) == NULL)
		return err_sys(&c->err, DRIP_EFAIL, dir, "cannot resolve");
	p = fsio_join(real, "drip.yaml");
	k = fsio_exists(p);
	free(p);
	if (k)
		return err_set(&c->err, DRIP_EFAIL, NULL, 0, 0,
			       "'%s' is already a drip workspace", real);
	base = strrchr(real, '/');
	name = o.name ? o.name : (base && base[1] ? base + 1 : "drip");

	if (sodium_init() < 0)
		return err_set(&c->err, DRIP_EFAIL, NULL, 0, 0, "cannot initialise libsodium");
	crypto_sign_keypair(pk, sk);
	sodium_bin2base64(pk64, sizeof pk64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(sk64, sizeof sk64 - 1, sk, sizeof sk, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(sk, sizeof sk);
	strcat(sk64, "\n");

	settings(&yaml, name, o.zone, pk64);
	data[0] = sbuf_str(&yaml);
	data[1] = gitignore;
	data[2] = contacts_header;
	data[3] = tasks_header;
	data[4] = sequences_header;
	data[5] = data[6] = data[7] = "";

	if (store_init(real, &c->err) < 0)
		goto out;
	/* .drip/ holds the secret key and the lock: only its owner may look. */
	p = fsio_join(real, ".drip");
	k = fsio_mkdirs(p, 0700, &c->err);
	free(p);
	if (k < 0)
		goto out;
	p = fsio_join(real, ".drip/signing.key");
	k = fsio_write_atomic(p, sk64, strlen(sk64), 0600, &c->err);
	free(p);
	if (k < 0)
		goto out;
	for (i = 0; i < 8; i++) {
		p = fsio_join(real, files[i]);
		k = fsio_write_atomic(p, data[i], strlen(data[i]), 0644, &c->err);
		free(p);
		if (k < 0)
			goto out;
	}
	if (store_open(real, &c->store, &c->err) < 0)
		goto out;
	sbuf_printf(&msg, "init: new drip workspace \"%s\"\n\nDrip-Command: drip init\n"
		    "Drip-Now: %s\n", name, now_utc(c));
	if (store_commit(c->store, files, 8, sbuf_str(&msg), c->has_now ? c->now : -1,
			 &committed, NULL, &c->err) < 0)
		goto out;
	if (!c->quiet)
		printf("initialised drip workspace '%s' in %s\n", name, real);
	rc = 0;
out:
	sodium_memzero(sk64, sizeof sk64);
	sbuf_release(&yaml);
	sbuf_release(&msg);
	return rc;
}
