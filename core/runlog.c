/*
 * runlog.c - the action log as a tick writes it (runlog.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actlog.h"
#include "arena.h"
#include "delivery.h"
#include "dtime.h"
#include "engine.h"
#include "err.h"
#include "fsio.h"
#include "run.h"
#include "runlog.h"
#include "sbuf.h"
#include "store.h"

static FILE *
log_file(struct runlog *l, const char *root, struct arena *a, int64_t t, struct drip_err *err)
{
	char rel[64], *tmp, *dir;
	size_t i;
	FILE *f;
	int fd;

	actlog_path(t, rel, sizeof rel);
	for (i = 0; i < l->n; i++)
		if (strcmp(l->paths[i], rel) == 0)
			return l->f[i];
	if (l->n == 8)
		return NULL;
	dir = fsio_join(root, "log");
	fd = fsio_mkdirs(dir, 0755, err);
	free(dir);
	if (fd < 0)
		return NULL;
	tmp = fsio_join(root, arena_printf(a, "log/.%s.tmp-%ld", rel + 4, (long)getpid()));
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || (f = fdopen(fd, "w+")) == NULL) {
		if (fd >= 0)
			close(fd);
		free(tmp);
		return NULL;
	}
	snprintf(l->paths[l->n], sizeof l->paths[l->n], "%s", rel);
	l->tmps[l->n] = tmp;
	l->f[l->n++] = f;
	return f;
}

int
runlog_put(struct runlog *l, const char *root, struct arena *a, const struct log_row *row,
	   struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	FILE *f = log_file(l, root, a, row->time, err);

	if (f == NULL)
		return err_sys(err, DRIP_EFAIL, "log", "cannot append to the log");
	actlog_format(&sb, row);
	fwrite(sb.buf, 1, sb.len, f);
	sbuf_release(&sb);
	return 0;
}

int
runlog_close(struct runlog *l, const char *root)
{
	char buf[65536];
	size_t i, k;
	int rc = 0;

	for (i = 0; i < l->n; i++) {
		char *full = fsio_join(root, l->paths[i]);
		int exists = fsio_exists(full);
		int fd = open(full, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

		free(full);
		if (fd < 0 || fflush(l->f[i]) != 0 || fseek(l->f[i], 0, SEEK_SET) != 0)
			rc = -1;
		if (rc == 0 && !exists &&
		    write(fd, ACTLOG_HEADER, strlen(ACTLOG_HEADER)) != (ssize_t)strlen(ACTLOG_HEADER))
			rc = -1;
		while (rc == 0 && (k = fread(buf, 1, sizeof buf, l->f[i])) > 0)
			if (write(fd, buf, k) != (ssize_t)k)
				rc = -1;
		if (rc == 0 && (ferror(l->f[i]) || fsync(fd) != 0))
			rc = -1;
		if (fd >= 0)
			close(fd);
		fclose(l->f[i]);
		unlink(l->tmps[i]);
		free(l->tmps[i]);
	}
	l->n = 0;
	return rc;
}

void
runlog_discard(struct runlog *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		fclose(l->f[i]);
		unlink(l->tmps[i]);
		free(l->tmps[i]);
	}
	l->n = 0;
}

/*
 * Put the log files a delivery appended to back as they were (a file
 * that did not exist is removed): its commit failed, and a log file left
 * modified would make every later command refuse.  The failures are still
 * reported, and the outbox remembers its attempts.
 */
static void
logs_truncate(const char *root, const char **paths, const off_t *sizes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *full = fsio_join(root, paths[i]);

		if (sizes[i] < 0)
			unlink(full);
		else if (truncate(full, sizes[i]) == 0) {
			int fd = open(full, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

			if (fd >= 0) {
				fsync(fd);
				close(fd);
			}
		}
		free(full);
	}
}

int
runlog_deliver(const struct run_opts *o, int64_t to, struct delivery_tally *tally,
	       struct delivery *dlv, struct drip_err *err)
{
	struct runlog logs;
	const char **paths;
	off_t sizes[8];
	size_t k, npaths = 0;
	struct sbuf mark = SBUF_INIT;
	char *markp, msg[256], stamp[32], now[32];
	int committed, rc;

	memset(&logs, 0, sizeof logs);
	if (o->phase)
		o->phase(o->progress_ctx, "delivering", 0, 1);
	rc = delivery_run(o->a, o->root, o->cfg, to, dlv, err);
	if (o->phase)
		o->phase(o->progress_ctx, "delivering", 1, 1);
	for (k = 0; k < dlv->n; k++) {
		const struct delivery_failure *f = &dlv->v[k];

		delivery_tally_failure(o->a, tally, f);
		if (runlog_put(&logs, o->root, o->a, f->row, err) < 0) {
			runlog_discard(&logs);
			return -1;
		}
	}
	if (logs.n == 0)
		return rc;
	paths = arena_alloc(o->a, 9 * sizeof *paths);
	for (k = 0; k < logs.n; k++) {
		char *full = fsio_join(o->root, logs.paths[k]);
		struct stat st;

		paths[npaths] = arena_strdup(o->a, logs.paths[k]);
		sizes[npaths++] = stat(full, &st) == 0 ? st.st_size : -1;
		sbuf_printf(&mark, "%s\n", logs.paths[k]);
		free(full);
	}
	markp = fsio_join(o->root, RUNLOG_DELIVER_PENDING);
	if (fsio_write_atomic(markp, mark.buf, mark.len, 0600, err) < 0) {
		runlog_discard(&logs);
		free(markp);
		sbuf_release(&mark);
		return -1;
	}
	sbuf_release(&mark);
	if (runlog_close(&logs, o->root) < 0) {
		logs_truncate(o->root, paths, sizes, npaths);
		unlink(markp);
		free(markp);
		return err_sys(err, DRIP_EFAIL, "log", "cannot write the log");
	}
	dtime_format_utc(to, stamp, sizeof stamp);
	dtime_format_utc(o->now, now, sizeof now);
	snprintf(msg, sizeof msg, "deliver %.10s %.5sZ: %zu failure%s\n\nDrip-Command: "
		 "drip tick\nDrip-Now: %s\n", stamp, stamp + 11, dlv->n, dlv->n == 1 ? "" : "s",
		 now);
	if (store_commit(o->store, paths, npaths, msg, o->has_now ? o->now : -1, &committed,
			 NULL, err) < 0) {
		logs_truncate(o->root, paths, sizes, npaths);
		unlink(markp);
		free(markp);
		return -1;
	}
	unlink(markp);
	free(markp);
	return rc;
}

/* When the commit had been made, there is nothing left to commit: the
 * rows say what happened to messages that have moved on already. */
int
runlog_recover_delivery(const struct run_opts *o, struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	char *full = fsio_join(o->root, RUNLOG_DELIVER_PENDING), *line, *save = NULL, now[32];
	const char *paths[8];
	size_t n = 0;
	int committed, rc = 0;

	if (!fsio_exists(full)) {
		free(full);
		return 0;
	}
	if (fsio_read(full, 0, &sb, err) < 0) {
		free(full);
		return -1;
	}
	for (line = strtok_r(sb.buf ? sb.buf : (char *)"", "\n", &save); line && n < 8;
	     line = strtok_r(NULL, "\n", &save)) {
		char *lf = fsio_join(o->root, line);

		/* Only a log month: the marker names nothing else. */
		if (strncmp(line, "log/", 4) == 0 && strlen(line) == 15 &&
		    strcmp(line + 11, ".csv") == 0 && strchr(line + 4, '/') == NULL &&
		    fsio_exists(lf))
			paths[n++] = arena_strdup(o->a, line);
		free(lf);
	}
	dtime_format_utc(o->now, now, sizeof now);
	if (n > 0)
		rc = store_commit(o->store, paths, n,
				  arena_printf(o->a, "deliver: recovered\n\nDrip-Command: drip tick\n"
					       "Drip-Now: %s\n", now),
				  o->has_now ? o->now : -1, &committed, NULL, err);
	if (rc == 0 && unlink(full) != 0)
		rc = err_sys(err, DRIP_EFAIL, RUNLOG_DELIVER_PENDING, "cannot remove");
	free(full);
	sbuf_release(&sb);
	return rc;
}
