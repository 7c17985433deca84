/*
 * gc.c - `drip gc`: pack the workspace's repository and report its size
 * before and after (SPEC §13).  The packing and its crash order are in
 * core/gc.c; this file holds the lock (main.c takes it) and prints.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cmd.h"
#include "gc.h"

const struct optspec gc_opts[] = { { NULL, 0, NULL, NULL, NULL } };

/* 8.5 MiB, 273 KiB, 512 B: one decimal below 10 of a unit. */
static const char *
show_size(uint64_t n, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof unit / sizeof *unit) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", n);
	else
		snprintf(buf, len, v < 10 ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

static void
print_stats(const char *what, const struct gc_stats *s)
{
	char a[32], b[32];

	printf("%s %zu loose object%s (%s), %zu pack%s (%s)\n", what, s->loose,
	       s->loose == 1 ? "" : "s", show_size(s->loose_bytes, a, sizeof a),
	       s->packs, s->packs == 1 ? "" : "s", show_size(s->pack_bytes, b, sizeof b));
}

int
cmd_gc(int argc, char **argv, struct cmd_ctx *c)
{
	struct gc_result r;
	int k;

	if ((k = opts_parse(c, argc, argv, gc_opts, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (k < argc)
		return usage_error(c, "unexpected argument '%s'", argv[k]);
	if (gc_run(c->root, &r, &c->err) < 0)
		return -1;
	if (c->quiet)
		return 0;
	print_stats("before:", &r.before);
	print_stats("after: ", &r.after);
	if (c->verbose && r.pack[0])
		printf("packed %zu objects into %s; removed %zu loose objects and %zu old pack%s\n",
		       r.packed, r.pack, r.pruned, r.old_packs, r.old_packs == 1 ? "" : "s");
	return 0;
}
