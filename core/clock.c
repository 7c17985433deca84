/*
 * clock.c - the last processed slot: state/clock.csv or refs/drip/clock,
 * whichever is later (see clock.h).
 */
#include "clock.h"

#include "dtime.h"
#include "err.h"
#include "sbuf.h"
#include "state.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

/* The ref's blob: "last_slot,ref\nTIME,REF\n".  Naming the ref makes the
 * blob unique to it, so no commit and no other ref shares it, and the
 * one it replaces can go (store_write_ref). */
static int
parse_ref(const struct sbuf *sb, int64_t *slot, struct drip_err *err)
{
	static const char head[] = "last_slot,ref\n";
	char t[64];
	const char *p = sb->buf ? sb->buf : "";
	size_t n;

	if (strncmp(p, head, sizeof head - 1) != 0)
		goto bad;
	p += sizeof head - 1;
	n = strcspn(p, ",\n");
	if (n == 0 || n >= sizeof t || p[n] != ',' || strcmp(p + n + 1, CLOCK_REF "\n") != 0)
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
		       "'git update-ref -d %s'", CLOCK_REF, CLOCK_REF);
}

int
clock_read(const char *root, struct store *store, int64_t *slot, struct drip_err *err)
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
