/*
 * tmpdir.h - scratch directories for the unit tests that touch files.
 *
 * The including file declares its directory first, as a mkdtemp template:
 *   static char base[] = "/tmp/drip-t-NAME-XXXXXX";
 *   #include "tmpdir.h"
 * then calls mkdtemp(base) and, at the end, rm_rf(base).
 */
#ifndef DRIP_TESTDATA_TMPDIR_H
#define DRIP_TESTDATA_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* base/rel, in one of 16 rotating buffers, so a call can take several. */
static const char *
at(const char *rel)
{
	static char bufs[16][1024];
	static int next;
	char *b = bufs[next++ % 16];
	int n = snprintf(b, sizeof bufs[0], "%s/%s", base, rel);

	if (n < 0 || (size_t)n >= sizeof bufs[0])
		abort();
	return b;
}

/* rm -rf, including directories a test made unreadable. */
static void
rm_rf(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		chmod(path, 0700);
		d = opendir(path);
		while (d && (de = readdir(d)) != NULL) {
			char sub[2048];

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) < (int)sizeof sub)
				rm_rf(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

#endif
