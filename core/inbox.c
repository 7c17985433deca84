/*
 * inbox.c - events written into inbox/ for the next tick (the format is in
 * inbox.h).
 */
#include "inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "csvio.h"
#include "dtime.h"
#include "err.h"
#include "fsio.h"
#include "sbuf.h"

/* Bytes of the BLAKE2b digest in an event's id: 16 hex digits. */
#define INBOX_HASH_BYTES 8

void
inbox_encode(struct sbuf *out, const char *s, size_t n)
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

const char *
inbox_event_id(struct arena *a, const struct inbox_event *ev)
{
	crypto_generichash_state st;
	unsigned char h[INBOX_HASH_BYTES];
	char hex[2 * INBOX_HASH_BYTES + 1], t[32];
	const char *data = ev->data ? ev->data : "";

	dtime_format_utc(ev->time, t, sizeof t);
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	/* contact, name, sequence, time, data: each but the last ends in NUL. */
	crypto_generichash_update(&st, (const unsigned char *)ev->contact, strlen(ev->contact) + 1);
	crypto_generichash_update(&st, (const unsigned char *)ev->name, strlen(ev->name) + 1);
	crypto_generichash_update(&st, (const unsigned char *)ev->sequence,
				  strlen(ev->sequence) + 1);
	crypto_generichash_update(&st, (const unsigned char *)t, strlen(t) + 1);
	crypto_generichash_update(&st, (const unsigned char *)data, strlen(data));
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	/* "2026-11-24T10:20:00Z" -> "20261124T102000Z" */
	return arena_printf(a, "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%s", t, t + 5, t + 8, t + 11,
			    t + 14, t + 17, hex);
}

static char *
inbox_path(const char *root, const char *id)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_printf(&sb, "%s/inbox/%s.csv", root, id);
	return sbuf_detach(&sb, NULL);
}

int
inbox_has(const char *root, const char *id)
{
	char *full = inbox_path(root, id);
	int r = fsio_exists(full);

	free(full);
	return r;
}

int
inbox_write(const char *root, const char *id, const struct inbox_event *ev,
	    struct drip_err *err)
{
	struct sbuf file = SBUF_INIT;
	const char *f[5];
	char t[32], *full;
	int rc;

	if (*id == '\0' || *id == '.' || strchr(id, '/') != NULL)
		return err_set(err, DRIP_EFAIL, NULL, 0, 0, "bad inbox file name '%s'", id);
	full = inbox_path(root, id);
	if (fsio_exists(full)) {
		free(full);
		return 1;
	}
	dtime_format_utc(ev->time, t, sizeof t);
	f[0] = t;
	f[1] = ev->contact;
	f[2] = ev->name;
	f[3] = ev->sequence;
	f[4] = ev->data ? ev->data : "";
	sbuf_adds(&file, INBOX_HEADER);
	csvio_format_row(&file, f, 5);
	rc = fsio_write_atomic(full, file.buf, file.len, 0644, err);
	free(full);
	sbuf_release(&file);
	return rc < 0 ? -1 : 0;
}
