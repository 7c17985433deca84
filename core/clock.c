/*
 * clock.c - the last processed slot: state/clock.csv or refs/drip/clock,
 * whichever is later (see clock.h).
 */
#include "clock.h"

#include "dtime.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"
#include "state.h"
#include "store.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ref's blob: "last_slot,ref\nTIME,REF\n".  Naming the ref makes the
 * blob unique to it, so no commit and no other ref shares it, and the
 * one it replaces can go (store_write_ref). */
static int
parse_ref_named(const struct sbuf *sb, const char *name, int64_t *slot, struct drip_err *err)
{
	static const char head[] = "last_slot,ref\n";
	char t[64];
	const char *p = sb->buf ? sb->buf : "";
	size_t n;

	if (strncmp(p, head, sizeof head - 1) != 0)
		goto bad;
	p += sizeof head - 1;
	n = strcspn(p, ",\n");
	if (n == 0 || n >= sizeof t || p[n] != ',' || strncmp(p + n + 1, name, strlen(name)) != 0 ||
	    strcmp(p + n + 1 + strlen(name), "\n") != 0)
		goto bad;
	memcpy(t, p, n);
	t[n] = '\0';
	if (state_parse_time(t, slot) < 0 || *slot == STATE_NONE)
		goto bad;
	return 0;
bad:
	return err_set(err, DRIP_EDATA, NULL, 0, 0,
		       "'%s' does not name a clock: expected last_slot,ref and one UTC time "
		       "like 2026-11-24T10:20:00Z with the ref's name; remove it with "
		       "'git update-ref -d %s'", name, name);
}

static int
parse_ref(const struct sbuf *sb, int64_t *slot, struct drip_err *err)
{
	return parse_ref_named(sb, CLOCK_REF, slot, err);
}

/* The workspace clock alone: state/clock.csv or CLOCK_REF. */
static int
clock_read_whole(const char *root, struct store *store, int64_t *slot, struct drip_err *err)
{
	struct store *own = NULL;
	struct sbuf sb = SBUF_INIT;
	struct drip_err e2;
	int64_t r;
	int have, rc;

	have = state_read_clock(root, slot, err);
	if (have < 0)
		return -1;
	if (store == NULL) {
		/* No repository (some unit tests): the file is all there is. */
		if (store_open(root, &own, &e2) < 0)
			return have;
		store = own;
	}
	rc = store_read_ref(store, CLOCK_REF, &sb, err);
	if (rc == 0 && parse_ref(&sb, &r, err) < 0)
		rc = -1;
	if (rc == 0 && (have == 1 || r > *slot)) {
		*slot = r;
		have = 0;
	}
	sbuf_release(&sb);
	store_close(own);
	return rc < 0 ? -1 : have;
}

int
clock_save(struct store *store, int64_t slot, struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	int rc;

	char t[32];

	dtime_format_utc(slot, t, sizeof t);
	sbuf_printf(&sb, "last_slot,ref\n%s,%s\n", t, CLOCK_REF);
	rc = store_write_ref(store, CLOCK_REF, sb.buf, sb.len, "drip tick", err);
	sbuf_release(&sb);
	return rc;
}

/* ---- shards' clocks (tick --shard K/N) ---- */

void
clock_shard_names(unsigned k, unsigned n, char *ref, size_t nref, char *file, size_t nfile)
{
	if (ref)
		snprintf(ref, nref, "%s%u-of-%u", CLOCK_SHARD_PREFIX, k, n);
	if (file)
		snprintf(file, nfile, "%s/%u-of-%u.csv", CLOCK_SHARD_DIR, k, n);
}

/* "K-of-N" with N dividing STATE_SHARDS and K < N; name ends there or at
 * ".csv" when csv. */
static int
parse_shard_name(const char *name, int csv, unsigned *k, unsigned *n)
{
	char tail[8];
	int used = 0;

	tail[0] = '\0';
	if (sscanf(name, "%u-of-%u%n", k, n, &used) != 2)
		return -1;
	snprintf(tail, sizeof tail, "%s", name + used);
	if (strcmp(tail, csv ? ".csv" : "") != 0 || *n == 0 || *n > STATE_SHARDS ||
	    STATE_SHARDS % *n != 0 || *k >= *n)
		return -1;
	return 0;
}

struct shard_clock {
	unsigned k, n;
	int64_t slot;
};

struct clocks {
	struct shard_clock v[2 * STATE_SHARDS + 8];
	size_t n;
	struct store *store;
	const char *root;
	struct drip_err *err;
};

/* Note shard k of n's slot: the later of what its file and ref say. */
static void
clocks_note(struct clocks *c, unsigned k, unsigned n, int64_t slot)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].k == k && c->v[i].n == n) {
			if (slot > c->v[i].slot)
				c->v[i].slot = slot;
			return;
		}
	if (c->n < sizeof c->v / sizeof *c->v) {
		c->v[c->n].k = k;
		c->v[c->n].n = n;
		c->v[c->n++].slot = slot;
	}
}

static int
clocks_ref(void *arg, const char *name)
{
	struct clocks *c = arg;
	struct sbuf sb = SBUF_INIT;
	unsigned k, n;
	int64_t slot;
	int rc = 0;

	if (parse_shard_name(name + strlen(CLOCK_SHARD_PREFIX), 0, &k, &n) < 0)
		return 0;	/* not drip's: left alone */
	rc = store_read_ref(c->store, name, &sb, c->err);
	if (rc == 0 && (rc = parse_ref_named(&sb, name, &slot, c->err)) == 0)
		clocks_note(c, k, n, slot);
	sbuf_release(&sb);
	return rc < 0 ? -1 : 0;
}

/* Every shard clock of the repository, refs and files. */
static int
clocks_load(struct clocks *c)
{
	char *dir = fsio_join(c->root, CLOCK_SHARD_DIR);
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	free(dir);
	while (d && rc == 0 && (e = readdir(d)) != NULL) {
		unsigned k, n;
		int64_t slot;
		char rel[300];

		if (parse_shard_name(e->d_name, 1, &k, &n) < 0)
			continue;
		snprintf(rel, sizeof rel, "%s/%s", CLOCK_SHARD_DIR, e->d_name);
		rc = state_read_clock_file(c->root, rel, &slot, c->err);
		if (rc == 0)
			clocks_note(c, k, n, slot);
		rc = rc < 0 ? -1 : 0;
	}
	if (d)
		closedir(d);
	if (rc == 0 && c->store)
		rc = store_list_refs(c->store, CLOCK_SHARD_PREFIX "*", clocks_ref, c, c->err);
	return rc;
}

/* Each state file's last slot: the latest of the workspace clock and the
 * clocks of the shards that cover it. */
static void
clocks_per_file(const struct clocks *c, int have, int64_t whole, int64_t last[STATE_SHARDS])
{
	size_t i, j;

	for (i = 0; i < STATE_SHARDS; i++) {
		last[i] = have == 0 ? whole : STATE_NONE;
		for (j = 0; j < c->n; j++)
			if (i % c->v[j].n == c->v[j].k && c->v[j].slot > last[i])
				last[i] = c->v[j].slot;
	}
}

static int
clocks_setup(const char *root, struct store *store, struct clocks *c, int64_t last[STATE_SHARDS],
	     struct drip_err *err)
{
	struct store *own = NULL;
	struct drip_err e2;
	int64_t whole = STATE_NONE;
	int have, rc;

	have = clock_read_whole(root, store, &whole, err);
	if (have < 0)
		return -1;
	memset(c, 0, sizeof *c);
	if (store == NULL && store_open(root, &own, &e2) == 0)
		store = own;
	c->store = store;
	c->root = root;
	c->err = err;
	rc = clocks_load(c);
	store_close(own);
	c->store = NULL;
	if (rc < 0)
		return -1;
	clocks_per_file(c, have, whole, last);
	return 0;
}

int
clock_read(const char *root, struct store *store, int64_t *slot, struct drip_err *err)
{
	struct clocks c;
	int64_t last[STATE_SHARDS];
	size_t i;
	int have = 1;

	if (clocks_setup(root, store, &c, last, err) < 0)
		return -1;
	for (i = 0; i < STATE_SHARDS; i++)
		if (last[i] != STATE_NONE && (have || last[i] < *slot)) {
			*slot = last[i];
			have = 0;
		}
	return have;
}

/* A shard's commits name it and their slot ("Drip-Shard: K-of-N",
 * "Drip-Slot: TIME"): the latest such slot of one shard. */
struct commit_slot {
	char want[32];
	int64_t slot;
};

static int
commit_slot(void *arg, const char *msg)
{
	struct commit_slot *cs = arg;
	const char *p = strstr(msg, "\nDrip-Shard: "), *q = strstr(msg, "\nDrip-Slot: ");
	char t[32];
	int64_t v;
	size_t n;

	if (p == NULL || q == NULL || strncmp(p + 13, cs->want, strlen(cs->want)) != 0 ||
	    p[13 + strlen(cs->want)] != '\n')
		return 0;
	q += 12;
	n = strcspn(q, "\n");
	if (n >= sizeof t)
		return 0;
	memcpy(t, q, n);
	t[n] = '\0';
	if (state_parse_time(t, &v) == 0 && v != STATE_NONE && v > cs->slot)
		cs->slot = v;
	return 0;
}

int
clock_read_part(const char *root, struct store *store, unsigned k, unsigned n, int64_t *slot,
		struct drip_err *err)
{
	struct clocks c;
	int64_t last[STATE_SHARDS], lo = 0, hi = 0;
	size_t i;
	int first = 1;

	if (clocks_setup(root, store, &c, last, err) < 0)
		return -1;
	if (n > 1 && store) {
		/* The shard's ref may lag its last commit (a worker that
		 * pushed the branch and died before it pushed the clock):
		 * its commits since the slot the files say have the rest.
		 * A commit is never dated before its slot. */
		struct commit_slot cs;

		snprintf(cs.want, sizeof cs.want, "%u-of-%u", k, n);
		cs.slot = STATE_NONE;
		if (store_walk_messages(store, last[k] == STATE_NONE ? INT64_MIN : last[k],
					commit_slot, &cs, err) < 0)
			return -1;
		if (cs.slot != STATE_NONE) {
			clocks_note(&c, k, n, cs.slot);
			for (i = k; i < STATE_SHARDS; i += n)
				if (cs.slot > last[i])
					last[i] = cs.slot;
		}
	}
	for (i = k; i < STATE_SHARDS; i += n) {
		if (first || last[i] < lo)
			lo = last[i];
		if (first || last[i] > hi)
			hi = last[i];
		first = 0;
	}
	if (lo != hi) {
		char a[32] = "never", b[32];

		if (lo != STATE_NONE)
			dtime_format_utc(lo, a, sizeof a);
		dtime_format_utc(hi, b, sizeof b);
		return err_set(err, DRIP_ETEMP, NULL, 0, 0,
			       "the enrollment files of %s were processed up to different "
			       "slots (%s and %s) by shards (refs/drip/clocks/); tick every "
			       "shard up to the same slot, and fetch their clocks, first",
			       n == 1 ? "the workspace" : "this shard", a, b);
	}
	*slot = lo;
	return lo == STATE_NONE ? 1 : 0;
}

int
clock_save_shard(struct store *store, unsigned k, unsigned n, int64_t slot, struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	char ref[64], t[32];
	int rc;

	clock_shard_names(k, n, ref, sizeof ref, NULL, 0);
	dtime_format_utc(slot, t, sizeof t);
	sbuf_printf(&sb, "last_slot,ref\n%s,%s\n", t, ref);
	rc = store_write_ref_commit(store, ref, sb.buf, sb.len, "drip tick --shard", err);
	sbuf_release(&sb);
	return rc;
}
