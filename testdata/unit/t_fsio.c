/*
 * t_fsio.c - capped reads and atomic writes.
 */
#include "tap.h"

#include "err.h"
#include "fsio.h"
#include "sbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/drip-t-fsio-XXXXXX";

#include "tmpdir.h"

/* A path under the test directory, in one of a few rotating buffers. */

/* Entries in dir whose name contains ".tmp-": leftovers of a write. */
static int
count_temps(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".tmp-") != NULL)
			n++;
	closedir(d);
	return n;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void
test_write_read(void)
{
	struct drip_err err;
	struct sbuf sb = SBUF_INIT;
	struct stat st1, st2;
	const char *p = at("a/b/c.txt");

	err_clear(&err);
	is_int(fsio_write_atomic(p, "hello\n", 6, 0644, &err), 0, "write creates parents");
	ok(fsio_exists(p), "file exists");
	is_int(mode_of(at("a")), 0755, "parent dir mode 0755");
	is_int(mode_of(at("a/b")), 0755, "nested parent dir mode 0755");
	is_int(mode_of(p), 0644, "file mode 0644");
	is_int(count_temps(at("a/b")), 0, "no temp file left after write");
	is_int(fsio_read(p, 0, &sb, &err), 0, "read back");
	is_str(sbuf_str(&sb), "hello\n", "contents round-trip");

	/* Overwriting replaces the file by rename: a new inode, new bytes. */
	ok(stat(p, &st1) == 0, "stat before overwrite");
	is_int(fsio_write_atomic(p, "bye", 3, 0600, &err), 0, "overwrite");
	ok(stat(p, &st2) == 0 && st1.st_ino != st2.st_ino, "overwrite is a rename (new inode)");
	is_int(mode_of(p), 0600, "mode 0600 respected");
	sbuf_reset(&sb);
	is_int(fsio_read(p, 0, &sb, &err), 0, "read overwritten");
	is_str(sbuf_str(&sb), "bye", "new contents");
	is_int(count_temps(at("a/b")), 0, "still no temp file");

	/* Reading appends to what the buffer already holds. */
	sbuf_reset(&sb);
	sbuf_adds(&sb, "X");
	is_int(fsio_read(p, 0, &sb, &err), 0, "read appends");
	is_str(sbuf_str(&sb), "Xbye", "appended after existing contents");

	/* An empty file. */
	is_int(fsio_write_atomic(at("empty"), "", 0, 0644, &err), 0, "write empty file");
	sbuf_reset(&sb);
	is_int(fsio_read(at("empty"), 10, &sb, &err), 0, "read empty file");
	is_int(sb.len, 0, "empty file has no bytes");
	sbuf_release(&sb);
}

static void
test_large(void)
{
	struct drip_err err;
	struct sbuf sb = SBUF_INIT;
	size_t n = 300000, i;
	char *big = malloc(n);

	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[1000] = '\0';	/* binary-safe */
	err_clear(&err);
	is_int(fsio_write_atomic(at("big.bin"), big, n, 0644, &err), 0, "write 300000 bytes");
	is_int(fsio_read(at("big.bin"), n, &sb, &err), 0, "read at exactly the cap");
	ok(sb.len == n && memcmp(sb.buf, big, n) == 0, "large contents round-trip exactly");
	sbuf_release(&sb);
	free(big);
}

static void
test_read_errors(void)
{
	struct drip_err err;
	struct sbuf sb = SBUF_INIT;
	const char *p = at("hundred");
	char buf[100];

	memset(buf, 'x', sizeof buf);
	err_clear(&err);
	is_int(fsio_write_atomic(p, buf, sizeof buf, 0644, &err), 0, "write 100 bytes");
	sbuf_adds(&sb, "keep");
	is_int(fsio_read(p, 99, &sb, &err), -1, "cap 99 refuses 100 bytes");
	is_int(err.code, DRIP_EDATA, "cap error is DRIP_EDATA");
	is_str(err.msg, "file is larger than 99 bytes", "cap message");
	is_str(err.file, p, "cap error names the file");
	is_str(sbuf_str(&sb), "keep", "buffer untouched on error");
	sbuf_reset(&sb);
	is_int(fsio_read(p, 100, &sb, &err), 0, "cap 100 accepts 100 bytes");
	is_int(sb.len, 100, "all 100 bytes read");

	err_clear(&err);
	is_int(fsio_read(at("missing"), 0, &sb, &err), -1, "missing file fails");
	is_int(err.code, DRIP_ENOINPUT, "missing file is DRIP_ENOINPUT");
	like(err.msg, "cannot open '", "missing message says cannot open");
	like(err.msg, "/missing': No such file or directory", "missing message names file and cause");

	err_clear(&err);
	is_int(fsio_read(at("a"), 0, &sb, &err), -1, "reading a directory fails");
	is_int(err.code, DRIP_EFAIL, "directory read is DRIP_EFAIL");
	like(err.msg, "Is a directory", "directory read says why");
	sbuf_release(&sb);
}

static void
test_write_errors(void)
{
	struct drip_err err;
	char stale[1024];
	int fd;

	/* A stale temporary file of our own name is removed first. */
	snprintf(stale, sizeof stale, "%s/.d.txt.tmp-%ld", base, (long)getpid());
	fd = open(stale, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd >= 0 && write(fd, "junk", 4) == 4, "stale temp file planted");
	if (fd >= 0)
		close(fd);
	err_clear(&err);
	is_int(fsio_write_atomic(at("d.txt"), "ok", 2, 0644, &err), 0, "write over stale temp");
	ok(!fsio_exists(stale), "stale temp removed");

	/* A parent that is a file. */
	err_clear(&err);
	is_int(fsio_write_atomic(at("d.txt/x"), "x", 1, 0644, &err), -1, "parent is a file");
	is_int(err.code, DRIP_EFAIL, "parent-is-file is DRIP_EFAIL");
	like(err.msg, "cannot create directory '", "parent-is-file message");
	like(err.msg, "Not a directory", "parent-is-file cause");

	/* The target is a directory: the rename fails after the temp file
	 * was written, and the temp file must go. */
	ok(mkdir(at("adir"), 0755) == 0, "make a directory");
	err_clear(&err);
	is_int(fsio_write_atomic(at("adir"), "x", 1, 0644, &err), -1, "target is a directory");
	is_int(err.code, DRIP_EFAIL, "target-is-dir is DRIP_EFAIL");
	like(err.msg, "cannot write '", "target-is-dir message");
	like(err.msg, "/adir'", "target-is-dir names the target");
	is_int(count_temps(base), 0, "temp file removed after a failed rename");

	/* A trailing slash names no file. */
	err_clear(&err);
	is_int(fsio_write_atomic(at("adir/"), "x", 1, 0644, &err), -1, "trailing slash refused");
	is_int(err.code, DRIP_EFAIL, "trailing slash is DRIP_EFAIL");

	/* A read-only directory (root ignores permissions, so skip then). */
	ok(mkdir(at("ro"), 0555) == 0, "make a read-only directory");
	if (geteuid() != 0) {
		err_clear(&err);
		is_int(fsio_write_atomic(at("ro/f"), "x", 1, 0644, &err), -1,
		       "write in read-only dir fails");
		like(err.msg, "Permission denied", "read-only cause");
		ok(!fsio_exists(at("ro/f")), "no target created");
	}

	/* A name that fits but whose ".NAME.tmp-PID" does not: the temporary
	 * file cannot be created, even by root. */
	{
		char name[250], path[1024];

		memset(name, 'n', sizeof name - 1);
		name[sizeof name - 1] = '\0';
		snprintf(path, sizeof path, "%s/%s", base, name);
		err_clear(&err);
		is_int(fsio_write_atomic(path, "x", 1, 0644, &err), -1, "temp name too long fails");
		like(err.msg, "File name too long", "temp-too-long cause");
		ok(!fsio_exists(path), "no target created when the temp cannot be");
	}
}

static void
test_relative(void)
{
	struct drip_err err;
	char cwd[1024];

	ok(getcwd(cwd, sizeof cwd) != NULL && chdir(base) == 0, "chdir to the test dir");
	err_clear(&err);
	is_int(fsio_write_atomic("rel.txt", "r", 1, 0644, &err), 0, "write a bare file name");
	ok(fsio_exists(at("rel.txt")), "bare name written in the cwd");
	is_int(count_temps("."), 0, "no temp left in the cwd");
	ok(chdir(cwd) == 0, "chdir back");
}

static void
test_mkdirs_exists(void)
{
	struct drip_err err;

	err_clear(&err);
	is_int(fsio_mkdirs(at("m/n//o/"), 0700, &err), 0, "mkdirs nested with // and trailing /");
	is_int(mode_of(at("m/n/o")), 0700, "mkdirs mode");
	is_int(fsio_mkdirs(at("m/n/o"), 0700, &err), 0, "mkdirs of existing dirs is fine");
	is_int(fsio_mkdirs(at("d.txt/sub"), 0700, &err), -1, "mkdirs through a file fails");
	like(err.msg, "d.txt': Not a directory", "mkdirs names the blocking file");
	is_int(fsio_mkdirs("", 0700, &err), 0, "mkdirs of empty path is a no-op");

	ok(fsio_exists(at("d.txt")), "exists: file");
	ok(fsio_exists(at("m")), "exists: directory");
	ok(symlink("nowhere", at("dangling")) == 0, "make a dangling symlink");
	ok(fsio_exists(at("dangling")), "exists: dangling symlink");
	ok(!fsio_exists(at("nope")), "exists: missing");
}

static void
check_join(const char *d, const char *r, const char *want)
{
	char *got = fsio_join(d, r);

	is_str(got, want, "join '%s' + '%s'", d, r);
	free(got);
}

static void
test_join(void)
{
	check_join("a", "b", "a/b");
	check_join("a/", "b", "a/b");
	check_join("a//", "b", "a/b");
	check_join("a", "/b", "a/b");
	check_join("/", "x", "/x");
	check_join("", "x", "x");
	check_join("/srv/crm", "state/published/x.csv", "/srv/crm/state/published/x.csv");
}

int
main(void)
{
	umask(022);
	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_write_read();
	test_large();
	test_read_errors();
	test_write_errors();
	test_relative();
	test_mkdirs_exists();
	test_join();
	rm_rf(base);
	return tap_done();
}
