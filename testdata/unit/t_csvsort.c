/*
 * t_csvsort.c - the external merge sort: single and multi-run, multi-pass
 * merges, exact bytes of every field, duplicates named with both lines,
 * errors that leave no output and no run behind.
 */
#include "tap.h"

#include "arena.h"
#include "csvio.h"
#include "csvsort.h"
#include "err.h"
#include "sbuf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[] = "/tmp/drip-t-csvsort-XXXXXX";
#include "tmpdir.h"

static void
put_file(const char *rel, const char *s, size_t n)
{
	FILE *f = fopen(at(rel), "wb");

	if (f == NULL || fwrite(s, 1, n, f) != n || fclose(f) != 0)
		abort();
}

/* The file's content, malloc'ed, or NULL when it does not exist. */
static char *
get_file(const char *rel)
{
	struct sbuf sb = SBUF_INIT;
	char buf[4096];
	FILE *f = fopen(at(rel), "rb");
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sbuf_add(&sb, buf, n);
	fclose(f);
	sbuf_addc(&sb, 0);
	return sbuf_detach(&sb, NULL);
}

/* Entries of the run directory other than . and .. */
static int
count_entries(const char *rel)
{
	DIR *d = opendir(at(rel));
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
sort_with(const char *in, size_t run_rows, size_t fanin, size_t *nruns, struct drip_err *e)
{
	struct csvsort_opts o = { "id", "contact", NULL, run_rows, 0, fanin };
	char runs[1024];

	snprintf(runs, sizeof runs, "%s", at("runs"));
	o.tmpdir = runs;
	err_clear(e);
	return csvsort_file(at(in), at("out.csv"), &o, nruns, e);
}

static void
test_small(void)
{
	static const char in[] =
		"\xEF\xBB\xBFid,email,phone,note\r\n"
		"zoe,zoe@example.com,+49 30 123,\"emoji \xF0\x9F\x98\x80\"\r\n"
		"ada,ada@example.com,,\"said \"\"hi\"\", then\nleft\"\r\n"
		"mia,mia@example.com,=1+1, padded \r\n"
		"bob,bob@example.com,-5,\r\n"
		"Carl,carl@example.com,@x,\"a,b\"\r\n";
	static const char want[] =
		"id,email,phone,note\n"
		"Carl,carl@example.com,@x,\"a,b\"\n"
		"ada,ada@example.com,,\"said \"\"hi\"\", then\nleft\"\n"
		"bob,bob@example.com,-5,\n"
		"mia,mia@example.com,=1+1,\" padded \"\n"
		"zoe,zoe@example.com,+49 30 123,emoji \xF0\x9F\x98\x80\n";
	size_t rows[] = { 1000, 2, 1 }, fanin[] = { 32, 2, 2 }, i, nruns;
	struct drip_err e;
	char *got;

	put_file("in.csv", in, sizeof in - 1);
	for (i = 0; i < 3; i++) {
		is_int(sort_with("in.csv", rows[i], fanin[i], &nruns, &e), 0,
		       "sort, runs of %zu rows, fan-in %zu", rows[i], fanin[i]);
		got = get_file("out.csv");
		is_str(got, want, "sorted bytes, runs of %zu rows", rows[i]);
		free(got);
		is_int(count_entries("runs"), 0, "no run left behind (%zu rows)", rows[i]);
	}
	is_int(nruns, 5, "one row per run: 5 runs, merged two at a time");
	/* What drip writes, sorted, comes back byte for byte. */
	put_file("sorted.csv", want, sizeof want - 1);
	is_int(sort_with("sorted.csv", 2, 2, &nruns, &e), 0, "sorted input");
	got = get_file("out.csv");
	is_str(got, want, "a sorted file is copied unchanged");
	free(got);
	put_file("empty.csv", "id,email\n", 9);
	is_int(sort_with("empty.csv", 2, 2, &nruns, &e), 0, "header only");
	got = get_file("out.csv");
	is_str(got, "id,email\n", "header only: header kept");
	free(got);
	is_int(nruns, 1, "header only: one (empty) run");
}

static void
test_errors(void)
{
	static const char dup_far[] =
		"id,email\nb,b@x\na,a@x\nc,c@x\nd,d@x\na,a2@x\ne,e@x\n";
	static const char dup_near[] = "id,email\nb,b@x\nb,b2@x\n";
	struct drip_err e;
	char buf[512];
	size_t nruns;

	put_file("dup.csv", dup_far, sizeof dup_far - 1);
	is_int(sort_with("dup.csv", 2, 2, &nruns, &e), -1, "duplicate across runs");
	like(err_str(&e, buf, sizeof buf),
	     "dup.csv:6: contact \"a\" appears twice (lines 3 and 6)", "duplicate across runs: both lines");
	is_int(e.code, DRIP_EDATA, "duplicate: bad data");
	ok(get_file("out.csv") == NULL, "duplicate: no output left");
	is_int(count_entries("runs"), 0, "duplicate: no run left");
	is_int(sort_with("dup.csv", 100, 2, &nruns, &e), -1, "duplicate in one run");
	like(err_str(&e, buf, sizeof buf),
	     "dup.csv:6: contact \"a\" appears twice (lines 3 and 6)", "duplicate in one run: both lines");
	put_file("dup2.csv", dup_near, sizeof dup_near - 1);
	is_int(sort_with("dup2.csv", 1, 2, &nruns, &e), -1, "adjacent duplicate, runs of one");
	like(err_str(&e, buf, sizeof buf),
	     "dup2.csv:3: contact \"b\" appears twice (lines 2 and 3)", "adjacent duplicate: both lines");

	put_file("nokey.csv", "email\nx@y\n", 10);
	is_int(sort_with("nokey.csv", 2, 2, &nruns, &e), -1, "no id column");
	like(e.msg, "missing required column \"id\"", "no id column: message");
	is_int(e.code, DRIP_EDATA, "no id column: bad data");

	put_file("latin1.csv", "id,name\nb,x\na,Jos\xE9\nc,y\n", 23);
	is_int(sort_with("latin1.csv", 1, 2, &nruns, &e), -1, "invalid UTF-8 while sorting");
	like(err_str(&e, buf, sizeof buf), ":3: invalid UTF-8 in column \"name\"",
	     "invalid UTF-8: line and column");
	ok(get_file("out.csv") == NULL, "invalid UTF-8: no output left");
	is_int(count_entries("runs"), 0, "invalid UTF-8: no run left");

	is_int(sort_with("missing.csv", 2, 2, &nruns, &e), -1, "missing input");
	is_int(e.code, DRIP_ENOINPUT, "missing input: 66");
}

/* Many rows, tiny runs and fan-in: the result equals the in-memory sort. */
static void
test_many(void)
{
	struct sbuf in = SBUF_INIT, want = SBUF_INIT;
	struct csvio_table t;
	struct arena a = ARENA_INIT;
	struct drip_err e;
	size_t i, nruns = 0;
	unsigned x = 12345;
	char *got;

	sbuf_adds(&in, "id,email,n\n");
	for (i = 0; i < 2000; i++) {
		x = x * 1103515245u + 12345u;
		/* Unique ids in a scrambled order: a permutation of 0..1999. */
		sbuf_printf(&in, "c%05zu,c%zu@example.com,\"%u\nline\"\n", (i * 7919) % 2000, i,
			    x >> 16);
	}
	put_file("many.csv", in.buf, in.len);
	is_int(csvio_table_load(&a, at("many.csv"), &t, &e), 0, "load for the reference");
	csvio_table_sort(&t, 0);
	csvio_table_format(&t, &want);
	is_int(sort_with("many.csv", 7, 3, &nruns, &e), 0, "2000 rows, runs of 7, fan-in 3");
	is_int(nruns, 286, "286 runs made");
	got = get_file("out.csv");
	ok(got && strcmp(got, sbuf_str(&want)) == 0, "equals the in-memory sort");
	free(got);
	is_int(count_entries("runs"), 0, "every run removed");
	sbuf_release(&in);
	sbuf_release(&want);
	arena_release(&a);
}

int
main(void)
{
	if (mkdtemp(base) == NULL || mkdir(at("runs"), 0700) != 0)
		return 1;
	test_small();
	test_errors();
	test_many();
	rm_rf(base);
	return tap_done();
}
