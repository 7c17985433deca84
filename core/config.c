/*
 * config.c - drip.yaml (SPEC §2).
 *
 * The checks go through schema.c so that drip.yaml and sequence files report
 * problems the same way; config_load then stops at the first one, because a
 * run must not start on a configuration it half understands.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "dtime.h"
#include "err.h"
#include "gc.h"
#include "schema.h"
#include "tz.h"
#include "ydoc.h"

static const char *const top_keys[] = {
	"name", "timezone", "default_time", "tick", "max_lag", "send_window",
	"holidays", "from", "reply_to", "links", "transport", "admins", "limits",
	"quota", "gc",
};
static const char *const link_keys[] = {
	"base_url", "login_url", "expire", "public_key",
};
static const char *const transport_keys[] = { "email", "sms" };
static const char *const channel_keys[] = {
	"maildir", "sendmail", "command", "rate", "give_up", "env",
};
static const char *const window_keys[] = { "days", "from", "to" };
static const char *const limit_keys[] = { "per_contact_per_day" };
static const char *const quota_keys[] = { "actions", "per" };
static const char *const quota_pers[] = { "day", "week", "month" };
static const char *const gc_keys[] = { "auto" };
static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* An empty env: list, so that a transport's env is never NULL. */
static const char *no_names[] = { NULL };

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->timezone = "UTC";
	cfg->default_time = 10 * 60;
	cfg->tick = 20 * 60;
	cfg->max_lag = 24 * 3600;
	cfg->quota_per = 2;
	cfg->gc_auto = GC_AUTO_DEFAULT;
	cfg->window.days = 0x7f;
	cfg->window.from = 0;
	cfg->window.to = 24 * 60;
	cfg->link_expire.days = 14;
	cfg->email.kind = TRANSPORT_MAILDIR;
	cfg->email.maildir = "outbox";
	cfg->email.give_up = CONFIG_GIVE_UP;
	cfg->email.env = no_names;
	cfg->sms.kind = TRANSPORT_MAILDIR;
	cfg->sms.maildir = "outbox";
	cfg->sms.give_up = CONFIG_GIVE_UP;
	cfg->sms.env = no_names;
}

int
config_parse_days(const struct ynode *n, unsigned *days, const struct ynode **at,
		  char *why, size_t whylen)
{
	size_t i, k;

	*days = 0;
	*at = n;
	if (n == NULL || n->kind != YNODE_SEQ || n->n == 0) {
		snprintf(why, whylen, "days must be a list like [mon, tue, wed, thu, fri]");
		return -1;
	}
	for (i = 0; i < n->n; i++) {
		const struct ynode *d = n->items[i];

		*at = d;
		if (d->kind != YNODE_SCALAR) {
			snprintf(why, whylen, "days must be a list like [mon, tue, wed, thu, fri]");
			return -1;
		}
		for (k = 0; k < 7; k++)
			if (strcmp(d->str, day_names[k]) == 0)
				break;
		if (k == 7) {
			snprintf(why, whylen, "unknown day \"%s\" (use mon, tue, wed, thu, fri, sat, sun)",
				 d->str);
			suggest_append(why, whylen, d->str, day_names, 7);
			return -1;
		}
		if (*days & (1u << k)) {
			snprintf(why, whylen, "day \"%s\" is listed twice", d->str);
			return -1;
		}
		*days |= 1u << k;
	}
	return 0;
}

int
config_parse_window(const struct ynode *n, struct window *w,
		    const struct ynode **at, char *why, size_t whylen)
{
	const struct ynode *d;
	size_t i;
	int v;

	w->days = 0x7f;
	w->from = 0;
	w->to = 24 * 60;
	*at = n;
	if (n == NULL || n->kind != YNODE_MAP) {
		snprintf(why, whylen, "send_window must be a mapping with days, from and to");
		return -1;
	}
	for (i = 0; i < n->n; i++) {
		const char *k = n->pairs[i].key->str;
		size_t j;

		for (j = 0; j < N(window_keys); j++)
			if (strcmp(k, window_keys[j]) == 0)
				break;
		if (j == N(window_keys)) {
			*at = n->pairs[i].key;
			snprintf(why, whylen, "unknown key \"%s\"", k);
			suggest_append(why, whylen, k, window_keys, N(window_keys));
			return -1;
		}
	}
	if ((d = ydoc_get(n, "days")) != NULL &&
	    config_parse_days(d, &w->days, at, why, whylen) < 0)
		return -1;
	if ((d = ydoc_get(n, "from")) != NULL) {
		*at = d;
		if (d->kind != YNODE_SCALAR || dtime_parse_hhmm(d->str, &v, why, whylen) < 0) {
			if (d->kind != YNODE_SCALAR)
				snprintf(why, whylen, "from must be a time like \"08:00\"");
			return -1;
		}
		w->from = v;
	}
	if ((d = ydoc_get(n, "to")) != NULL) {
		*at = d;
		if (d->kind != YNODE_SCALAR) {
			snprintf(why, whylen, "to must be a time like \"18:00\"");
			return -1;
		}
		/* "24:00" is the natural way to say "until midnight". */
		if (strcmp(d->str, "24:00") == 0)
			v = 24 * 60;
		else if (dtime_parse_hhmm(d->str, &v, why, whylen) < 0)
			return -1;
		w->to = v;
	}
	if (w->from >= w->to) {
		*at = n;
		snprintf(why, whylen, "send_window: from must be earlier than to");
		return -1;
	}
	return 0;
}

/* Is name fit for the environment: [A-Za-z_][A-Za-z0-9_]*?  Anything
 * else could not be set by a shell either, and "=" would split it. */
static int
env_name_ok(const char *name)
{
	size_t i;

	if (name[0] == '\0' || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (i = 0; name[i] != '\0'; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return 0;
	return 1;
}

/* give_up: DURATION and env: [NAME, ...] of a channel. */
static void
parse_delivery(struct schema *s, const struct ynode *n, struct transport *t)
{
	const struct ynode **nodes, *v;
	const char **names;
	struct dur d;
	size_t cnt = 0, i, k;

	if (schema_dur(s, n, "give_up", 0, &d) > 0) {
		v = ydoc_get(n, "give_up");
		if (d.months)
			schema_error(s, v, "\"give_up\" must be in weeks, days, hours or minutes");
		else if (dur_is_zero(&d))
			schema_error(s, v, "\"give_up\" must be longer than 0, like 5d");
		else
			t->give_up = (int64_t)d.days * 86400 + d.secs;
	}
	if ((v = ydoc_get(n, "env")) == NULL)
		return;
	if (v->kind != YNODE_SEQ) {
		schema_error(s, v, "\"env\" must be a list of variable names, like [MSMTPRC]");
		return;
	}
	names = schema_strlist(s, n, "env", &cnt, &nodes);
	for (i = 0; i < cnt; i++) {
		if (!env_name_ok(names[i])) {
			schema_error(s, nodes[i], "\"env\": \"%s\" is not a variable name", names[i]);
			return;
		}
		for (k = 0; k < i; k++)
			if (strcmp(names[k], names[i]) == 0) {
				schema_error(s, nodes[i], "\"env\": \"%s\" is listed twice", names[i]);
				return;
			}
	}
	t->env = arena_alloc(s->a, (cnt + 1) * sizeof *t->env);
	if (cnt)
		memcpy(t->env, names, cnt * sizeof *names);
	t->env[cnt] = NULL;
	t->nenv = cnt;
}

/* A channel of `transport:`: {maildir: DIR} | {sendmail: [ARGV]} |
 * {command: [ARGV]}, plus an optional rate "N/DURATION", give_up and env. */
static void
parse_channel(struct schema *s, const struct ynode *n, const char *name,
	      struct transport *t)
{
	const struct ynode *v;
	const char **argv;
	size_t argc = 0, kinds = 0;

	if (!schema_map(s, n, name))
		return;
	schema_keys(s, n, channel_keys, N(channel_keys));
	if ((v = ydoc_get(n, "maildir")) != NULL) {
		kinds++;
		t->kind = TRANSPORT_MAILDIR;
		t->maildir = schema_str(s, n, "maildir", 1);
	}
	if (ydoc_get(n, "sendmail") || ydoc_get(n, "command")) {
		const char *key = ydoc_get(n, "sendmail") ? "sendmail" : "command";

		kinds += (ydoc_get(n, "sendmail") != NULL) + (ydoc_get(n, "command") != NULL);
		v = ydoc_get(n, key);
		argv = schema_strlist(s, n, key, &argc, NULL);
		if (v && (v->kind != YNODE_SEQ || argc == 0))
			schema_error(s, v, "\"%s\" must be a list: the program and its arguments", key);
		else if (argv && argv[0][0] != '/')
			schema_error(s, v, "\"%s\": the program must be an absolute path, not \"%s\"",
				     key, argv[0]);
		t->kind = strcmp(key, "sendmail") == 0 ? TRANSPORT_SENDMAIL : TRANSPORT_COMMAND;
		t->argv = arena_alloc(s->a, (argc + 1) * sizeof *t->argv);
		if (argv)
			memcpy(t->argv, argv, argc * sizeof *argv);
		t->argc = argc;
	}
	if (kinds > 1)
		schema_error(s, n, "\"%s\": give one of maildir, sendmail or command", name);
	if ((v = ydoc_get(n, "rate")) != NULL) {
		char why[256];
		const char *slash;
		struct dur d;
		char *end;
		long cnt;

		if (v->kind != YNODE_SCALAR || (slash = strchr(v->str, '/')) == NULL) {
			schema_error(s, v, "\"rate\" must look like 500/20m");
			return;
		}
		cnt = strtol(v->str, &end, 10);
		if (end != slash || cnt <= 0 || cnt > 100000000) {
			schema_error(s, v, "\"rate\" must look like 500/20m");
			return;
		}
		if (dur_parse(slash + 1, 0, &d, why, sizeof why) < 0 ||
		    d.months != 0 || dur_is_zero(&d)) {
			schema_error(s, v, "\"rate\": the period must be a duration like 20m or 1h");
			return;
		}
		t->rate_count = (int)cnt;
		t->rate_secs = d.secs + (int64_t)d.days * 86400;
	}
	parse_delivery(s, n, t);
}

static void
parse_all(struct schema *s, const struct ynode *root, struct config *cfg,
	  const char *root_dir)
{
	const struct ynode *n, *at;
	struct dur d;
	char why[512];
	int v;
	long lv;

	(void)root_dir;
	if (root == NULL) {
		schema_error(s, NULL, "drip.yaml is empty");
		return;
	}
	if (!schema_map(s, root, "drip.yaml"))
		return;
	schema_keys(s, root, top_keys, N(top_keys));
	cfg->name = schema_str(s, root, "name", 0);
	if ((n = ydoc_get(root, "timezone")) != NULL) {
		const char *zn = schema_str(s, root, "timezone", 1);
		struct drip_err e;

		if (zn != NULL) {
			if (tz_load(zn, &cfg->tz, &e) < 0)
				schema_error(s, n, "%s", e.msg);
			else
				cfg->timezone = zn;
		}
	}
	if (schema_hhmm(s, root, "default_time", &v) > 0)
		cfg->default_time = v;
	if (schema_dur(s, root, "tick", 0, &d) > 0) {
		n = ydoc_get(root, "tick");
		if (d.months || dur_is_zero(&d) ||
		    ((int64_t)d.days * 86400 + d.secs) > 86400 ||
		    (3600 % ((int64_t)d.days * 86400 + d.secs) != 0 &&
		     86400 % ((int64_t)d.days * 86400 + d.secs) != 0) ||
		    d.secs % 60 != 0)
			schema_error(s, n, "\"tick\" must divide 60m or 24h, like 5m, 20m or 1h");
		else
			cfg->tick = (int64_t)d.days * 86400 + d.secs;
	}
	if (schema_dur(s, root, "max_lag", 0, &d) > 0) {
		if (d.months)
			schema_error(s, ydoc_get(root, "max_lag"),
				     "\"max_lag\" must be in weeks, days, hours or minutes");
		else
			cfg->max_lag = (int64_t)d.days * 86400 + d.secs;
	}
	if ((n = ydoc_get(root, "send_window")) != NULL &&
	    config_parse_window(n, &cfg->window, &at, why, sizeof why) < 0)
		schema_error(s, at, "%s", why);
	cfg->holidays = schema_str(s, root, "holidays", 0);
	cfg->from = schema_str(s, root, "from", 0);
	cfg->reply_to = schema_str(s, root, "reply_to", 0);
	if ((n = ydoc_get(root, "links")) != NULL && schema_map(s, n, "links")) {
		schema_keys(s, n, link_keys, N(link_keys));
		cfg->base_url = schema_str(s, n, "base_url", 0);
		cfg->login_url = schema_str(s, n, "login_url", 0);
		cfg->public_key = schema_str(s, n, "public_key", 0);
		if (schema_dur(s, n, "expire", 0, &d) > 0)
			cfg->link_expire = d;
	}
	if ((n = ydoc_get(root, "transport")) != NULL && schema_map(s, n, "transport")) {
		schema_keys(s, n, transport_keys, N(transport_keys));
		if (ydoc_get(n, "email"))
			parse_channel(s, ydoc_get(n, "email"), "email", &cfg->email);
		if (ydoc_get(n, "sms"))
			parse_channel(s, ydoc_get(n, "sms"), "sms", &cfg->sms);
	}
	cfg->admins = schema_strlist(s, root, "admins", &cfg->nadmins, NULL);
	if ((n = ydoc_get(root, "limits")) != NULL && schema_map(s, n, "limits")) {
		schema_keys(s, n, limit_keys, N(limit_keys));
		if (schema_int(s, n, "per_contact_per_day", 1, 1000, &lv) > 0)
			cfg->per_contact_per_day = (int)lv;
	}
	if ((n = ydoc_get(root, "quota")) != NULL && schema_map(s, n, "quota")) {
		int rc;

		schema_keys(s, n, quota_keys, N(quota_keys));
		rc = schema_int(s, n, "actions", 1, 1000000000000L, &lv);
		if (rc > 0)
			cfg->quota_actions = lv;
		else if (rc == 0)
			schema_error(s, n, "\"quota\" needs \"actions\": how many per period");
		cfg->quota_per = 2;
		if (schema_enum(s, n, "per", quota_pers, N(quota_pers), &rc) > 0)
			cfg->quota_per = rc;
	}
	if ((n = ydoc_get(root, "gc")) != NULL && schema_map(s, n, "gc")) {
		schema_keys(s, n, gc_keys, N(gc_keys));
		if (schema_int(s, n, "auto", 0, 1000000000L, &lv) > 0)
			cfg->gc_auto = lv;
	}
}

int
config_load(struct arena *a, const char *path, struct config *cfg,
	    struct drip_err *err)
{
	struct ydoc doc;
	struct diags d;
	struct schema s;
	struct drip_err e;

	config_defaults(cfg);
	cfg->file = arena_strdup(a, path);
	if (ydoc_load_file(a, path, &doc, &e) < 0) {
		*err = e;
		if (err->code == DRIP_EDATA)
			err->code = DRIP_ECONFIG;
		return -1;
	}
	diag_init(&d, a);
	s.a = a;
	s.d = &d;
	s.file = path;
	parse_all(&s, doc.root, cfg, NULL);
	if (d.nerr == 0 && cfg->tz == NULL &&
	    tz_load(cfg->timezone, &cfg->tz, &e) < 0) {
		*err = e;
		err->code = DRIP_ECONFIG;
		return -1;
	}
	if (d.nerr > 0) {
		size_t i;

		diag_sort(&d);
		for (i = 0; i < d.n; i++)
			if (d.v[i].sev == DIAG_ERROR)
				break;
		config_release(cfg);
		return err_set(err, DRIP_ECONFIG, path, d.v[i].line, d.v[i].col,
			       "%s", d.v[i].msg);
	}
	return 0;
}

void
config_release(struct config *cfg)
{
	if (cfg->tz) {
		tz_free(cfg->tz);
		cfg->tz = NULL;
	}
}
