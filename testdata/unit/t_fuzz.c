/*
 * t_fuzz.c - the inputs kept in testdata/fuzz/regress/TARGET/ (what the
 * fuzzers found, and the hostile shapes found by hand) run through the
 * fuzz targets of testdata/fuzz/targets.c.  A file named ok-* must be
 * accepted, bad-* refused with a message; none may crash, and under
 * `make asan` none may touch memory it should not.
 */
#include <dirent.h>

#include "tap.h"
#include "../fuzz/targets.c"

/* The directory of the kept inputs, beside this file's directory. */
static void
regress_dir(char *buf, size_t n)
{
	const char *file = __FILE__, *slash = strrchr(file, '/');
	size_t len = slash ? (size_t)(slash - file) : 0;

	/* testdata/unit/t_fuzz.c -> testdata/fuzz/regress */
	while (len > 0 && file[len - 1] != '/')
		len--;
	snprintf(buf, n, "%.*sfuzz/regress", (int)len, file);
}

static int
read_all(const char *path, uint8_t **out, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0, k;

	if (f == NULL)
		return -1;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		k = fread(buf + len, 1, cap - len, f);
		len += k;
	} while (k > 0);
	fclose(f);
	*out = buf;
	*n = len;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(void)
{
	char dir[512], sub[1024], path[2048];
	size_t i, j, n, total = 0;

	regress_dir(dir, sizeof dir);
	for (i = 0; i < sizeof fz_targets / sizeof *fz_targets; i++) {
		DIR *dp;
		struct dirent *e;
		char *names[512];
		size_t nn = 0;

		snprintf(sub, sizeof sub, "%s/%s", dir, fz_targets[i].name);
		if ((dp = opendir(sub)) == NULL)
			continue;
		while ((e = readdir(dp)) != NULL && nn < 512)
			if (strncmp(e->d_name, "ok-", 3) == 0 || strncmp(e->d_name, "bad-", 4) == 0)
				names[nn++] = strdup(e->d_name);
		closedir(dp);
		qsort(names, nn, sizeof *names, cmp_names);
		for (j = 0; j < nn; j++) {
			uint8_t *d;
			int want = names[j][0] == 'o' ? 0 : -1;

			snprintf(path, sizeof path, "%s/%s", sub, names[j]);
			if (read_all(path, &d, &n) < 0) {
				ok(0, "%s/%s: cannot read", fz_targets[i].name, names[j]);
			} else {
				is_int(fz_targets[i].fn(d, n), want, "%s/%s (%zu bytes)",
				       fz_targets[i].name, names[j], n);
				free(d);
			}
			free(names[j]);
			total++;
		}
	}
	ok(total > 0, "%zu kept inputs in %s", total, dir);
	return tap_done();
}
