/*
 * due.c - the quiet-tick cache (due.h).
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "config.h"
#include "due.h"
#include "err.h"
#include "fsio.h"
#include "pub.h"
#include "sbuf.h"

/* What the cache's first line says: a change to what the entries mean
 * makes old caches foreign. */
#define DUE_MAGIC "drip due 1"

/* A file's identity: "-" when it does not exist. */
static void
ident(const char *root, const char *rel, struct sbuf *out)
{
	char *full = fsio_join(root, rel);
	struct stat st;

	if (lstat(full, &st) != 0)
		sbuf_adds(out, "-");
	else
		sbuf_printf(out, "%ju:%jd:%jd.%09ld:%jd.%09ld", (uintmax_t)st.st_ino,
			    (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			    (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
	free(full);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The identity of every input but the shards, as one line. */
static void
key(const char *root, const struct config *cfg, struct sbuf *out)
{
	static const char *const files[] = {
		"contacts.csv", "tasks.csv", "drip.yaml", PUB_STATE, STATE_RUNS,
		STATE_AUTOS, STATE_SNAPSHOT, "automations"
	};
	char *dir = fsio_join(root, "automations"), **names = NULL;
	size_t i, n = 0;
	struct dirent *e;
	DIR *d;

	for (i = 0; i < sizeof files / sizeof *files; i++) {
		sbuf_adds(out, i ? " " : "");
		ident(root, files[i], out);
	}
	sbuf_adds(out, " ");
	if (cfg->holidays)
		ident(root, cfg->holidays, out);
	/* Every automation file: one edited in place leaves the directory
	 * as it was. */
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.') {
				names = xrealloc(names, (n + 1) * sizeof *names);
				names[n++] = xstrdup(e->d_name);
			}
		closedir(d);
	}
	free(dir);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str);
	for (i = 0; i < n; i++) {
		char rel[512];

		snprintf(rel, sizeof rel, "automations/%s", names[i]);
		sbuf_printf(out, " %s=", names[i]);
		ident(root, rel, out);
		free(names[i]);
	}
	free(names);
}

static void
shard_ident(const char *root, unsigned i, char *buf, size_t n)
{
	struct sbuf sb = SBUF_INIT;
	char rel[64];

	state_shard_path(i, rel, sizeof rel);
	ident(root, rel, &sb);
	snprintf(buf, n, "%s", sbuf_str(&sb));
	sbuf_release(&sb);
}

int
due_shard_same(const char *root, const struct due_cache *c, unsigned i)
{
	char now[96];

	shard_ident(root, i, now, sizeof now);
	return c->valid && strcmp(now, c->shard[i]) == 0;
}

void
due_load(const char *root, const struct config *cfg, int64_t from, struct due_cache *c)
{
	struct sbuf sb = SBUF_INIT, k = SBUF_INIT;
	struct drip_err err;
	char *full = fsio_join(root, DUE_CACHE), *line, *save = NULL;
	unsigned i = 0;
	int ok;

	memset(c, 0, sizeof *c);
	ok = fsio_exists(full) && fsio_read(full, 1 << 20, &sb, &err) == 0;
	free(full);
	line = ok ? strtok_r(sb.buf, "\n", &save) : NULL;
	ok = line && strcmp(line, DUE_MAGIC) == 0;
	if (ok && (line = strtok_r(NULL, "\n", &save)) != NULL)
		ok = sscanf(line, "%" SCNd64, &c->at) == 1 && c->at <= from;
	else
		ok = 0;
	if (ok && (line = strtok_r(NULL, "\n", &save)) != NULL) {
		key(root, cfg, &k);
		ok = strcmp(line, sbuf_str(&k)) == 0;
	} else {
		ok = 0;
	}
	for (i = 0; ok && i < STATE_SHARDS; i++) {
		char *comma;

		line = strtok_r(NULL, "\n", &save);
		ok = line && (comma = strrchr(line, ',')) != NULL &&
		     (size_t)(comma - line) < sizeof c->shard[i];
		if (!ok)
			break;
		snprintf(c->shard[i], sizeof c->shard[i], "%.*s", (int)(comma - line), line);
		if (strcmp(comma + 1, "never") == 0)
			c->next[i] = INT64_MAX;
		else
			ok = sscanf(comma + 1, "%" SCNd64, &c->next[i]) == 1;
	}
	c->valid = ok && strtok_r(NULL, "\n", &save) == NULL;
	sbuf_release(&sb);
	sbuf_release(&k);
}

void
due_save(const char *root, const struct config *cfg, int64_t at, const int64_t *next)
{
	struct sbuf sb = SBUF_INIT;
	struct drip_err err;
	char *full = fsio_join(root, DUE_CACHE), *git = fsio_join(root, ".git");
	struct stat st;
	unsigned i;

	if (lstat(git, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(git);
		free(full);
		return;
	}
	free(git);
	sbuf_printf(&sb, "%s\n%" PRId64 "\n", DUE_MAGIC, at);
	key(root, cfg, &sb);
	sbuf_addc(&sb, '\n');
	for (i = 0; i < STATE_SHARDS; i++) {
		char id[96];

		shard_ident(root, i, id, sizeof id);
		if (next[i] == INT64_MAX)
			sbuf_printf(&sb, "%s,never\n", id);
		else
			sbuf_printf(&sb, "%s,%" PRId64 "\n", id, next[i]);
	}
	if (fsio_write_atomic(full, sb.buf, sb.len, 0600, &err) < 0)
		unlink(full);
	free(full);
	sbuf_release(&sb);
}
