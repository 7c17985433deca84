/*
 * t_csvio.c - the CSV reader, writer, table and list columns.
 */
#include "tap.h"

#include "arena.h"
#include "csvio.h"
#include "err.h"
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Open a buffer as "t.csv"; the reader is stored in *r. */
static int
open_str(const char *s, struct csvio_reader **r, struct drip_err *e)
{
	err_clear(e);
	return csvio_open_mem("t.csv", s, strlen(s), r, e);
}

/* Read a whole buffer; returns the number of rows, or -1 with *e filled. */
static long
read_all_len(const char *s, size_t len, struct drip_err *e)
{
	struct csvio_reader *r;
	struct csvio_row row;
	long n = 0;
	int rc;

	err_clear(e);
	if (csvio_open_mem("t.csv", s, len, &r, e) < 0)
		return -1;
	while ((rc = csvio_next(r, &row, e)) == 1)
		n++;
	csvio_close(r);
	return rc < 0 ? -1 : n;
}

static long
read_all(const char *s, struct drip_err *e)
{
	return read_all_len(s, strlen(s), e);
}

/* Peak resident set size in KiB (Linux reports ru_maxrss in KiB). */
static long
maxrss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

static void
test_header_and_rows(void)
{
	struct csvio_reader *r;
	struct csvio_row row;
	struct drip_err e;

	ok(open_str("id,email,first_name\n"
		    "c1,a@example.com,Ann\n"
		    "c2,b@example.com,\n", &r, &e) == 0, "open a small file");
	is_int(csvio_ncols(r), 3, "three columns");
	is_str(csvio_colname(r, 2), "first_name", "column name by index");
	ok(csvio_colname(r, 3) == NULL, "column index out of range is NULL");
	is_int(csvio_col(r, "email"), 1, "column index by name");
	is_int(csvio_col(r, "phone"), -1, "unknown column is -1");
	is_int(csvio_next(r, &row, &e), 1, "first row");
	is_int(row.n, 3, "row has three fields");
	is_str(row.f[0], "c1", "first field");
	is_str(row.f[1], "a@example.com", "second field");
	is_int(row.len[2], 3, "field length");
	is_int(row.line, 2, "first row is on line 2");
	is_int(csvio_next(r, &row, &e), 1, "second row");
	is_str(row.f[2], "", "empty last field");
	is_int(row.len[2], 0, "empty field length 0");
	is_int(row.line, 3, "second row is on line 3");
	is_int(csvio_next(r, &row, &e), 0, "end of file");
	is_int(csvio_next(r, &row, &e), 0, "end of file again");
	csvio_close(r);
	csvio_close(NULL);
}

static void
test_bom_crlf_blank(void)
{
	struct csvio_reader *r;
	struct csvio_row row;
	struct drip_err e;

	ok(open_str("\xEF\xBB\xBFid,v\r\nc1,a\r\n\r\n\r\nc2,b\r\n", &r, &e) == 0,
	   "open a file with a BOM and CRLF");
	is_str(csvio_colname(r, 0), "id", "BOM is not part of the first column");
	is_int(csvio_col(r, "id"), 0, "first column found by name");
	is_int(csvio_next(r, &row, &e), 1, "CRLF row");
	is_str(row.f[1], "a", "CR is not part of the last field");
	is_int(row.line, 2, "CRLF row line");
	is_int(csvio_next(r, &row, &e), 1, "row after blank CRLF lines");
	is_int(row.line, 5, "blank lines are counted");
	is_str(row.f[0], "c2", "row after blank lines");
	is_int(csvio_next(r, &row, &e), 0, "end");
	csvio_close(r);

	ok(open_str("id\n\n1\n\n\n2", &r, &e) == 0, "LF with blank lines");
	is_int(csvio_next(r, &row, &e), 1, "row 1");
	is_int(row.line, 3, "row after one blank line");
	is_int(csvio_next(r, &row, &e), 1, "last row without a newline");
	is_int(row.line, 6, "last row after two blank lines");
	is_str(row.f[0], "2", "last row without a newline is read");
	is_int(csvio_next(r, &row, &e), 0, "end");
	csvio_close(r);

	ok(open_str("a,b\n x , y\t\n", &r, &e) == 0, "spaces");
	is_int(csvio_next(r, &row, &e), 1, "row with spaces");
	is_str(row.f[0], " x ", "spaces around an unquoted field are kept");
	is_str(row.f[1], " y\t", "a trailing tab is kept");
	csvio_close(r);
}

static void
test_quoted(void)
{
	struct csvio_reader *r;
	struct csvio_row row;
	struct drip_err e;

	ok(open_str("id,note\n"
		    "1,\"a,b\"\n"
		    "2,\"say \"\"hi\"\"\"\n"
		    "3,\"line1\nline2\n\nline4\"\n"
		    "4,\"crlf\r\ninside\"\r\n"
		    "\n"
		    "5,\"\"\n"
		    "\"6\",after\n", &r, &e) == 0, "open quoted fields");
	is_int(csvio_next(r, &row, &e), 1, "row with a comma");
	is_str(row.f[1], "a,b", "comma inside quotes");
	is_int(row.line, 2, "line of the comma row");
	is_int(csvio_next(r, &row, &e), 1, "row with quotes");
	is_str(row.f[1], "say \"hi\"", "doubled quotes become one");
	is_int(row.line, 3, "line of the quotes row");
	is_int(csvio_next(r, &row, &e), 1, "row with newlines");
	is_str(row.f[1], "line1\nline2\n\nline4", "newlines and an empty line inside quotes");
	is_int(row.line, 4, "a multi-line record starts on its first line");
	is_int(csvio_next(r, &row, &e), 1, "row with CRLF inside quotes");
	is_str(row.f[1], "crlf\r\ninside", "CRLF inside quotes is kept");
	is_int(row.line, 8, "line after a four-line record");
	is_int(csvio_next(r, &row, &e), 1, "row with an empty quoted field");
	is_str(row.f[1], "", "empty quoted field");
	is_int(row.line, 11, "line after a two-line record and a blank line");
	is_int(csvio_next(r, &row, &e), 1, "row with a quoted first field");
	is_str(row.f[0], "6", "quoted first field");
	is_int(row.line, 12, "last line");
	is_int(csvio_next(r, &row, &e), 0, "end");
	csvio_close(r);

	ok(open_str("id\n\"a\nb\"", &r, &e) == 0, "quoted field at EOF");
	is_int(csvio_next(r, &row, &e), 1, "quoted last row without a newline");
	is_str(row.f[0], "a\nb", "quoted last field");
	csvio_close(r);
}

/* Chunk edges: a CRLF split across the 64 KiB boundary, and a quoted field
 * with a newline straddling it, must not change fields or line numbers. */
static void
test_chunk_edges(void)
{
	const size_t chunk = 64 * 1024;
	struct sbuf sb = SBUF_INIT;
	struct csvio_reader *r;
	struct csvio_row row;
	struct drip_err e;
	size_t pad;
	int rc;

	sbuf_adds(&sb, "id,v\r\n1,");
	/* The CR of row 1 is the last byte of chunk 1, its LF the first of 2. */
	pad = chunk - 1 - sb.len;
	while (pad--)
		sbuf_addc(&sb, 'x');
	sbuf_adds(&sb, "\r\n2,\"a\nb\"\n3,c\n");
	ok(sb.buf[chunk - 1] == '\r' && sb.buf[chunk] == '\n', "CRLF split over a chunk edge");
	ok(open_str(sb.buf, &r, &e) == 0, "open");
	is_int(csvio_next(r, &row, &e), 1, "long row");
	is_int(row.len[1], chunk - 9, "long field intact");
	is_int(row.line, 2, "long row line");
	is_int(csvio_next(r, &row, &e), 1, "row after the chunk edge");
	is_str(row.f[0], "2", "no stray LF in the next row");
	is_int(row.line, 3, "row after the chunk edge line");
	is_int(csvio_next(r, &row, &e), 1, "row after a multi-line field");
	is_int(row.line, 5, "line after a multi-line field");
	csvio_close(r);

	/* A quoted field opens in chunk 1 and its newline is in chunk 2. */
	sbuf_reset(&sb);
	sbuf_adds(&sb, "id,v\n1,\"");
	pad = chunk - sb.len;
	while (pad--)
		sbuf_addc(&sb, 'y');
	sbuf_adds(&sb, "\nz\"\n2,w\n");
	ok(open_str(sb.buf, &r, &e) == 0, "open");
	is_int(csvio_next(r, &row, &e), 1, "straddling row");
	is_int(row.line, 2, "straddling row line");
	is_int(row.len[1], chunk - 8 + 2, "straddling field intact");
	rc = csvio_next(r, &row, &e);
	is_int(rc, 1, "row after the straddling field");
	is_int(row.line, 4, "row after the straddling field line");
	csvio_close(r);
	sbuf_release(&sb);
}

static void
test_format(void)
{
	struct sbuf sb = SBUF_INIT;
	const char *row[] = { "plain", "a,b", "say \"hi\"", " lead", "trail ",
			      "tab\t", "cr\rx", "lf\nx", "", "x\"" };
	const char *one[] = { "" };

	csvio_format_field(&sb, "plain");
	is_str(sbuf_str(&sb), "plain", "plain field is not quoted");
	sbuf_reset(&sb);
	csvio_format_field(&sb, "");
	is_str(sbuf_str(&sb), "", "empty field is empty");
	sbuf_reset(&sb);
	csvio_format_field(&sb, "in side");
	is_str(sbuf_str(&sb), "in side", "inner space is not quoted");
	sbuf_reset(&sb);
	csvio_format_field(&sb, "\"");
	is_str(sbuf_str(&sb), "\"\"\"\"", "a lone quote");
	sbuf_reset(&sb);
	csvio_format_row(&sb, row, sizeof row / sizeof row[0]);
	is_str(sbuf_str(&sb),
	       "plain,\"a,b\",\"say \"\"hi\"\"\",\" lead\",\"trail \",\"tab\t\","
	       "\"cr\rx\",\"lf\nx\",,\"x\"\"\"\n", "row quoting");
	sbuf_reset(&sb);
	csvio_format_row(&sb, one, 1);
	is_str(sbuf_str(&sb), "\"\"\n", "a lone empty field is not a blank line");
	sbuf_release(&sb);
}

/* Read a buffer and write every record back with the writer. */
static int
reformat(const char *in, struct sbuf *out, struct drip_err *e)
{
	struct csvio_reader *r;
	struct csvio_row row;
	const char *hdr[64];
	size_t i;
	int rc;

	if (open_str(in, &r, e) < 0)
		return -1;
	for (i = 0; i < csvio_ncols(r) && i < 64; i++)
		hdr[i] = csvio_colname(r, i);
	csvio_format_row(out, hdr, i);
	while ((rc = csvio_next(r, &row, e)) == 1)
		csvio_format_row(out, row.f, row.n);
	csvio_close(r);
	return rc;
}

static void
test_round_trip(void)
{
	const char *tricky =
		"id,note,tags,\"odd,name\"\n"
		"1,\"a,b\",x;y,\"\"\"\"\n"
		"2,\"say \"\"hi\"\", ok\",,\" spaced \"\n"
		"3,\"multi\nline\r\nvalue\",,plain\n"
		"4,\"\r\",\"\n\",\"tab\t\"\n"
		"5,é ü ☃,\"x\"\"\",end\n";
	const char *single = "v\nx\n\"\"\ny\n";
	struct sbuf out = SBUF_INIT, again = SBUF_INIT;
	struct drip_err e;

	ok(reformat(tricky, &out, &e) == 0, "read the tricky file");
	is_str(sbuf_str(&out), tricky, "tricky file round-trips byte for byte");
	ok(reformat(sbuf_str(&out), &again, &e) == 0, "read it again");
	is_str(sbuf_str(&again), tricky, "and again");
	sbuf_reset(&out);
	ok(reformat(single, &out, &e) == 0, "one column with an empty value");
	is_str(sbuf_str(&out), single, "an empty row in one column survives");
	sbuf_reset(&out);
	ok(reformat("\xEF\xBB\xBFid,v\r\n1,\"a\r\nb\"\r\n", &out, &e) == 0,
	   "BOM and CRLF input");
	is_str(sbuf_str(&out), "id,v\n1,\"a\r\nb\"\n",
	       "written back with LF, no BOM, the value's CRLF kept");
	sbuf_release(&out);
	sbuf_release(&again);
}

static void
test_errors(void)
{
	struct csvio_reader *r;
	struct csvio_row row;
	struct drip_err e;
	char buf[2048];

	is_int(read_all("id,v\n1,a\"b\n", &e), -1, "stray quote");
	is_int(e.code, DRIP_EDATA, "stray quote code");
	is_int(e.line, 2, "stray quote line");
	is_str(e.file, "t.csv", "stray quote file");
	is_str(err_str(&e, buf, sizeof buf),
	       "t.csv:2: malformed CSV: quote inside an unquoted field (field 2)",
	       "stray quote message");

	is_int(read_all("id,v\n1,\"a\"b\n", &e), -1, "text after a closing quote");
	like(e.msg, "malformed CSV: text after the closing quote", "text after quote message");
	is_int(e.line, 2, "text after quote line");

	is_int(read_all("id,v\n1,\"a\" \n", &e), -1, "space after a closing quote");
	like(e.msg, "malformed CSV", "space after quote message");

	is_int(read_all("id,v\n1,\"x\ny\"\n\n2,a\"b\n", &e), -1, "stray quote after a multi-line record");
	is_int(e.line, 5, "its line counts the embedded newline and the blank line");

	is_int(read_all("id,v\n1,a\n2,\"open\nmore\n", &e), -1, "unterminated quote");
	is_int(e.code, DRIP_EDATA, "unterminated quote code");
	is_int(e.line, 3, "unterminated quote line is where the record starts");
	like(e.msg, "malformed CSV: unterminated quoted field (field 2)", "unterminated quote message");

	is_int(read_all("id,v,w,z\n1,2,3,4\n1,2,3\n", &e), -1, "short row");
	is_str(e.msg, "row has 3 fields, the header has 4", "short row message");
	is_int(e.line, 3, "short row line");
	is_int(e.code, DRIP_EDATA, "short row code");
	is_int(read_all("id,v\n1,2,3,4,5\n", &e), -1, "long row");
	is_str(e.msg, "row has 5 fields, the header has 2", "long row message");
	is_int(read_all("id,v\n1\n", &e), -1, "one field");
	is_str(e.msg, "row has 1 field, the header has 2", "singular field");

	is_int(read_all_len("id,v\n1,ok\n2,a\0b\n", 16, &e), -1, "NUL byte");
	is_str(err_str(&e, buf, sizeof buf), "t.csv:3: field 2 contains a NUL byte",
	       "NUL byte message");
	is_int(e.code, DRIP_EDATA, "NUL byte code");

	/* Invalid UTF-8 (SPEC §4): the line of the bad byte, the column's name. */
	is_int(read_all("id,first_name\n1,Jos\xE9\n", &e), -1, "Latin-1 field");
	is_str(err_str(&e, buf, sizeof buf), "t.csv:2: invalid UTF-8 in column \"first_name\"",
	       "Latin-1 field message");
	is_int(e.code, DRIP_EDATA, "Latin-1 field code");
	is_int(read_all("id,v\n1,\"a\nb\nc\xC3\"\n", &e), -1, "bad byte in a multi-line field");
	is_str(err_str(&e, buf, sizeof buf), "t.csv:4: invalid UTF-8 in column \"v\"",
	       "multi-line field: the line of the bad byte");
	is_int(read_all("id,v\r\n1,ok\r\n2,\xED\xA0\x80\r\n", &e), -1, "surrogate, CRLF");
	is_str(err_str(&e, buf, sizeof buf), "t.csv:3: invalid UTF-8 in column \"v\"",
	       "surrogate message");
	is_int(read_all("id,v\n1,\xC0\xAF", &e), -1, "overlong, no final newline");
	is_int(e.line, 2, "overlong line");
	is_int(read_all("id,n\xE4me\n", &e), -1, "bad header");
	is_str(err_str(&e, buf, sizeof buf), "t.csv:1: invalid UTF-8 in column 2 of the header",
	       "bad header message");
	is_int(read_all("\xEF\xBB\xBFid,v\n1,Zo\xC3\xAB \xF0\x9F\x98\x80\n", &e), 1,
	       "BOM, UTF-8 and emoji are fine");

	is_int(read_all("", &e), -1, "empty file");
	is_str(e.msg, "missing header row", "empty file message");
	is_int(e.code, DRIP_EDATA, "empty file code");
	is_str(e.file, "t.csv", "empty file names the file");
	is_int(read_all("\xEF\xBB\xBF", &e), -1, "BOM only");
	is_str(e.msg, "missing header row", "BOM only message");
	is_int(read_all("\n\r\n\n", &e), -1, "blank lines only");
	is_str(e.msg, "missing header row", "blank lines only message");
	is_int(read_all_len(NULL, 0, &e), -1, "NULL buffer");
	is_str(e.msg, "missing header row", "NULL buffer message");

	is_int(read_all("\nid,email,id\n", &e), -1, "duplicate column");
	is_str(e.msg, "duplicate column \"id\" in the header", "duplicate column message");
	is_int(e.line, 2, "duplicate column line");
	is_int(read_all("id,,x\n", &e), -1, "empty column name");
	is_str(e.msg, "column 2 of the header has no name", "empty column message");
	is_int(e.line, 1, "empty column line");
	is_int(read_all("id,\"a\"x\n", &e), -1, "malformed header");
	is_int(e.line, 1, "malformed header line");

	/* The error sticks: a later call reports it again. */
	ok(open_str("id\n1\n\"x\"y\n2\n", &r, &e) == 0, "open");
	is_int(csvio_next(r, &row, &e), 1, "good row");
	is_int(csvio_next(r, &row, &e), -1, "bad row");
	err_clear(&e);
	is_int(csvio_next(r, &row, &e), -1, "still failed");
	is_int(e.line, 3, "same error again");
	csvio_close(r);

	is_int(csvio_open("/nonexistent/drip/contacts.csv", &r, &e), -1, "missing file");
	is_int(e.code, DRIP_ENOINPUT, "missing file code");
	is_str(e.file, "/nonexistent/drip/contacts.csv", "missing file name");
	like(e.msg, "No such file or directory", "missing file message");
	is_int(csvio_open("/", &r, &e), -1, "a directory");
	is_int(e.code, DRIP_EFAIL, "a directory is an I/O failure");
	like(e.msg, "cannot read", "directory message");
}

static void
test_long_fields(void)
{
	const size_t big = 50u * 1024 * 1024;
	struct sbuf sb = SBUF_INIT;
	struct drip_err e;
	long before, after;
	char *huge;
	size_t i;

	sbuf_adds(&sb, "id,v\n1,ok\n2,");
	for (i = 0; i < 70000; i++)
		sbuf_addc(&sb, 'x');
	sbuf_adds(&sb, "\n");
	is_int(read_all(sb.buf, &e), -1, "70 KB field");
	is_str(e.msg, "field 2 is longer than 65536 bytes", "70 KB field message");
	is_int(e.line, 3, "70 KB field line");
	is_int(e.code, DRIP_EDATA, "70 KB field code");

	sbuf_reset(&sb);
	sbuf_adds(&sb, "id,v\n1,\"");
	for (i = 0; i < CSVIO_MAX_FIELD - 1; i++)
		sbuf_addc(&sb, i % 100 == 0 ? '\n' : 'q');
	sbuf_adds(&sb, "\"\"\"\n2,");
	for (i = 0; i < CSVIO_MAX_FIELD; i++)
		sbuf_addc(&sb, 'u');
	sbuf_adds(&sb, "\n");
	is_int(read_all(sb.buf, &e), 2, "fields of exactly 65536 bytes, quoted and not");

	sbuf_reset(&sb);
	sbuf_adds(&sb, "id,v\n1,\"");
	for (i = 0; i < CSVIO_MAX_FIELD + 1; i++)
		sbuf_addc(&sb, 'q');
	sbuf_adds(&sb, "\"\n");
	is_int(read_all(sb.buf, &e), -1, "quoted field of 65537 bytes");
	is_str(e.msg, "field 2 is longer than 65536 bytes", "65537 bytes message");
	sbuf_release(&sb);

	/* 50 MB in one field, unquoted and then quoted and unterminated: the
	 * reader must give up after the first chunk of it, not buffer it. */
	huge = malloc(big + 1);
	ok(huge != NULL, "50 MB buffer");
	if (huge == NULL)
		return;
	memset(huge, 'z', big);
	huge[big] = '\0';
	memcpy(huge, "id,v\n7,", 7);
	before = maxrss_kib();
	is_int(read_all_len(huge, big, &e), -1, "50 MB unquoted field");
	is_str(e.msg, "field 2 is longer than 65536 bytes", "50 MB field message");
	is_int(e.line, 2, "50 MB field line");
	memcpy(huge, "id,v\n7,\"", 8);
	is_int(read_all_len(huge, big, &e), -1, "50 MB quoted unterminated field");
	is_str(e.msg, "field 2 is longer than 65536 bytes", "50 MB quoted field message");
	memset(huge, 'z', 8);
	memcpy(huge, "id\n\n\n\"", 6);
	is_int(read_all_len(huge, big, &e), -1, "50 MB first field");
	is_str(e.msg, "field 1 is longer than 65536 bytes", "50 MB first field message");
	is_int(e.line, 4, "50 MB first field line");
	after = maxrss_kib();
	ok(after - before < 16 * 1024, "memory stayed bounded (%ld KiB more)", after - before);
	free(huge);
}

static void
test_stream(void)
{
	const long nrows = 200000;
	char path[] = "/tmp/t_csvio_XXXXXX";
	struct csvio_reader *r;
	struct csvio_row row;
	struct drip_err e;
	long i, n = 0, line = 1, last_line = 0, got_last = 0, before, after;
	int fd, rc, bad = 0;
	FILE *fp;

	fd = mkstemp(path);
	ok(fd >= 0, "temporary file");
	if (fd < 0)
		return;
	fp = fdopen(fd, "w");
	ok(fp != NULL, "fdopen");
	if (fp == NULL) {
		close(fd);
		unlink(path);
		return;
	}
	fputs("id,name,note\n", fp);
	line++;
	for (i = 0; i < nrows; i++) {
		last_line = line;
		/* Every 1000th row has a two-line note; every 777th is followed
		 * by a blank line; so line numbers drift from row numbers. */
		if (i % 1000 == 0) {
			fprintf(fp, "c%07ld,\"Name, %ld\",\"two\nlines\"\n", i, i);
			line += 2;
		} else {
			fprintf(fp, "c%07ld,Name %ld,\"q \"\"%ld\"\"\"\n", i, i, i);
			line++;
		}
		if (i % 777 == 0) {
			fputs("\n", fp);
			line++;
		}
	}
	ok(fclose(fp) == 0, "file written");

	before = maxrss_kib();
	ok(csvio_open(path, &r, &e) == 0, "open the big file");
	while ((rc = csvio_next(r, &row, &e)) == 1) {
		if (row.n != 3 || strncmp(row.f[0], "c", 1) != 0)
			bad++;
		if (n == nrows - 1)
			is_str(row.f[2], "q \"199999\"", "last row's quoted field");
		if (n == 1000)
			is_str(row.f[2], "two\nlines", "row 1000's two-line field");
		n++;
		got_last = row.line;
	}
	after = maxrss_kib();
	is_int(rc, 0, "read to the end");
	is_int(n, nrows, "every row read");
	is_int(bad, 0, "every row well formed");
	is_int(got_last, last_line, "last row's line number");
	ok(after - before < 4 * 1024, "streaming kept memory flat (%ld KiB more)", after - before);
	csvio_close(r);

	{
		struct arena a = ARENA_INIT;
		struct csvio_table t;

		ok(csvio_table_load(&a, path, &t, &e) == 0, "table from a file");
		is_int(t.nrows, nrows, "table rows");
		is_int(t.lines[t.nrows - 1], last_line, "table keeps line numbers");
		arena_release(&a);
	}
	unlink(path);
}

static void
test_table(void)
{
	const char *src =
		"id,email,tags\n"
		"c3,c3@x,a\n"
		"c1,c1@x,\"b,c\"\n"
		"c2,first@x,\n"
		"c1,c1b@x,\n"
		"c2,second@x,\n";
	struct arena a = ARENA_INIT;
	struct sbuf sb = SBUF_INIT;
	struct csvio_table t;
	struct drip_err e;
	size_t col, row;

	ok(csvio_table_load_mem(&a, "contacts.csv", src, strlen(src), &t, &e) == 0,
	   "load a table");
	is_int(t.ncols, 3, "table columns");
	is_int(t.nrows, 5, "table rows");
	is_str(t.rows[1][2], "b,c", "quoted value in the table");
	is_int(t.lines[4], 6, "source line of the last row");
	is_int(csvio_table_col(&t, "email"), 1, "table column by name");
	is_int(csvio_table_col(&t, "nope"), -1, "unknown table column");
	is_int(csvio_table_find(&t, 0, "c2"), 2, "find returns the first match");
	is_int(csvio_table_find(&t, 0, "c9"), -1, "find misses");
	is_int(csvio_table_find(&t, 7, "c2"), -1, "find on a bad column");

	is_int(csvio_table_add_col(&a, &t, "email"), 1, "adding an existing column");
	is_int(t.ncols, 3, "no column added");
	col = csvio_table_add_col(&a, &t, "owner");
	is_int(col, 3, "new column index");
	is_int(t.ncols, 4, "column added");
	is_str(t.rows[0][3], "", "new column is empty");
	csvio_table_set(&a, &t, 0, col, "ann");
	is_str(t.rows[0][3], "ann", "set a field");
	is_str(t.rows[1][3], "", "other rows unchanged by set");

	row = csvio_table_add_row(&a, &t);
	is_int(row, 5, "new row index");
	is_int(t.nrows, 6, "row added");
	is_int(t.lines[row], 0, "added row has no source line");
	is_str(t.rows[row][2], "", "added row is empty");
	csvio_table_set(&a, &t, row, 0, "c0");
	csvio_table_set(&a, &t, row, 2, "x;y");
	csvio_table_set(&a, &t, 99, 0, "ignored");
	csvio_table_set(&a, &t, 0, 99, "ignored");

	csvio_table_sort(&t, 0);
	csvio_table_format(&t, &sb);
	is_str(sbuf_str(&sb),
	       "id,email,tags,owner\n"
	       "c0,,x;y,\n"
	       "c1,c1@x,\"b,c\",\n"
	       "c1,c1b@x,,\n"
	       "c2,first@x,,\n"
	       "c2,second@x,,\n"
	       "c3,c3@x,a,ann\n", "sorted table, equal keys in file order");
	is_int(t.lines[0], 0, "lines follow their rows");
	is_int(t.lines[1], 3, "line of c1");
	is_int(t.lines[3], 4, "line of the first c2");
	is_int(t.lines[4], 6, "line of the second c2");

	/* Stability with many equal keys: sort by tags, then check that
	 * every run of equal tags keeps its previous (id) order. */
	{
		size_t i, k;
		char id[16];
		int stable = 1;

		memset(&t, 0, sizeof t);
		t.ncols = 2;
		t.cols = arena_alloc(&a, 2 * sizeof *t.cols);
		t.cols[0] = arena_strdup(&a, "id");
		t.cols[1] = arena_strdup(&a, "k");
		for (i = 0; i < 1000; i++) {
			k = csvio_table_add_row(&a, &t);
			snprintf(id, sizeof id, "%04zu", i);
			csvio_table_set(&a, &t, k, 0, id);
			snprintf(id, sizeof id, "%zu", (i * 7919) % 5);
			csvio_table_set(&a, &t, k, 1, id);
		}
		csvio_table_sort(&t, 1);
		for (i = 1; i < t.nrows; i++) {
			int c = strcmp(t.rows[i - 1][1], t.rows[i][1]);
			if (c > 0 || (c == 0 && strcmp(t.rows[i - 1][0], t.rows[i][0]) >= 0))
				stable = 0;
		}
		ok(stable, "sort is ordered and stable over 1000 rows");
	}

	is_int(csvio_table_load_mem(&a, "bad.csv", "id\n\"x", 5, &t, &e), -1,
	       "table load error");
	is_str(e.file, "bad.csv", "table load error file");
	is_int(e.line, 2, "table load error line");
	is_int(t.nrows, 0, "table is empty after an error");
	is_int(csvio_table_load(&a, "/nonexistent/t.csv", &t, &e), -1, "table from a missing file");
	is_int(e.code, DRIP_ENOINPUT, "table missing file code");
	sbuf_release(&sb);
	arena_release(&a);
}

static void
test_lists(void)
{
	struct arena a = ARENA_INIT;
	struct sbuf sb = SBUF_INIT;
	const char **v;
	const char *items[] = { "vip", "", NULL, "lead", "x y" };
	size_t n;

	csvio_split_list(&a, " vip; ;lead ;;\tx y\t;", &v, &n);
	is_int(n, 3, "three items");
	is_str(v[0], "vip", "first item");
	is_str(v[1], "lead", "trimmed item");
	is_str(v[2], "x y", "inner space kept, tabs trimmed");
	ok(v[3] == NULL, "list ends with NULL");
	csvio_split_list(&a, "", &v, &n);
	is_int(n, 0, "empty value, no items");
	ok(v[0] == NULL, "empty list holds NULL");
	csvio_split_list(&a, NULL, &v, &n);
	is_int(n, 0, "NULL value, no items");
	csvio_split_list(&a, " ; ;", &v, &n);
	is_int(n, 0, "only separators, no items");
	csvio_split_list(&a, "solo", &v, &n);
	is_int(n, 1, "one item");
	is_str(v[0], "solo", "the item");

	csvio_join_list(&sb, items, 5);
	is_str(sbuf_str(&sb), "vip;lead;x y", "join skips empty items");
	sbuf_reset(&sb);
	csvio_join_list(&sb, items, 0);
	is_str(sbuf_str(&sb), "", "join of nothing");
	csvio_split_list(&a, "a;b;c", &v, &n);
	csvio_join_list(&sb, v, n);
	is_str(sbuf_str(&sb), "a;b;c", "split then join");
	sbuf_release(&sb);
	arena_release(&a);
}

int
main(void)
{
	test_header_and_rows();
	test_bom_crlf_blank();
	test_quoted();
	test_chunk_edges();
	test_format();
	test_round_trip();
	test_errors();
	test_long_fields();
	test_stream();
	test_table();
	test_lists();
	return tap_done();
}
