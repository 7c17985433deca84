/*
 * t_json.c - the streaming JSON writer: layout, escaping, UTF-8, misuse.
 */
#include "tap.h"

#include "json.h"
#include "sbuf.h"

#include <stdint.h>

/* One string value, compact, as the writer renders it. */
static void
check_str(const char *in, const char *want, const char *name)
{
	struct sbuf sb = SBUF_INIT;
	struct json j;

	json_init(&j, &sb, 0);
	json_str(&j, in);
	is_str(sbuf_str(&sb), want, "%s", name);
	sbuf_release(&sb);
}

/* A record with every kind of value, in either layout. */
static void
write_sample(struct json *j)
{
	json_obj(j);
	json_kstr(j, "id", "c1");
	json_kint(j, "n", -42);
	json_kbool(j, "ok", 1);
	json_kbool(j, "off", 0);
	json_key(j, "none");
	json_null(j);
	json_kstr(j, "nothing", NULL);
	json_key(j, "list");
	json_arr(j);
	json_int(j, 1);
	json_str(j, "two");
	json_obj(j);
	json_kint(j, "three", 3);
	json_end(j);
	json_arr(j);
	json_end(j);
	json_end(j);
	json_key(j, "empty");
	json_obj(j);
	json_end(j);
	json_end(j);
}

static void
test_layout(void)
{
	struct sbuf sb = SBUF_INIT;
	struct json j;

	json_init(&j, &sb, 0);
	write_sample(&j);
	is_str(sbuf_str(&sb),
	       "{\"id\":\"c1\",\"n\":-42,\"ok\":true,\"off\":false,\"none\":null,"
	       "\"nothing\":null,\"list\":[1,\"two\",{\"three\":3},[]],\"empty\":{}}",
	       "compact has no whitespace");
	is_int(j.depth, 0, "all closed");

	sbuf_reset(&sb);
	json_init(&j, &sb, 1);
	write_sample(&j);
	is_str(sbuf_str(&sb),
	       "{\n"
	       "  \"id\": \"c1\",\n"
	       "  \"n\": -42,\n"
	       "  \"ok\": true,\n"
	       "  \"off\": false,\n"
	       "  \"none\": null,\n"
	       "  \"nothing\": null,\n"
	       "  \"list\": [\n"
	       "    1,\n"
	       "    \"two\",\n"
	       "    {\n"
	       "      \"three\": 3\n"
	       "    },\n"
	       "    []\n"
	       "  ],\n"
	       "  \"empty\": {}\n"
	       "}", "pretty indents by two spaces");

	sbuf_reset(&sb);
	json_init(&j, &sb, 1);
	json_arr(&j);
	json_end(&j);
	is_str(sbuf_str(&sb), "[]", "pretty empty array");

	sbuf_reset(&sb);
	json_init(&j, &sb, 0);
	json_int(&j, INT64_MIN);
	json_int(&j, INT64_MAX);
	json_obj(&j);
	json_end(&j);
	is_str(sbuf_str(&sb), "-9223372036854775808\n9223372036854775807\n{}",
	       "top-level values one per line");

	sbuf_reset(&sb);
	sbuf_adds(&sb, "prefix ");
	json_init(&j, &sb, 0);
	json_bool(&j, 7);
	is_str(sbuf_str(&sb), "prefix true", "appends; any nonzero is true");
	sbuf_release(&sb);
}

static void
test_escaping(void)
{
	check_str("plain", "\"plain\"", "plain string");
	check_str("", "\"\"", "empty string");
	check_str(NULL, "null", "NULL string is null");
	check_str("a\"b\\c/d", "\"a\\\"b\\\\c/d\"", "quote and backslash escaped, slash not");
	check_str("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"", "short escapes");
	check_str("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"", "other controls as \\u00XX, DEL as is");
	check_str("line1\r\nline2", "\"line1\\r\\nline2\"", "CRLF");
	check_str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8",
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8\"",
		  "valid UTF-8 passes through");
	check_str("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"", "U+10FFFF is valid");
}

static void
test_bad_utf8(void)
{
	check_str("a\x80z", "\"a\\ufffdz\"", "lone continuation byte");
	check_str("\xc3z", "\"\\ufffdz\"", "lead byte without its continuation");
	check_str("x\xe2\x82", "\"x\\ufffd\"", "truncated at the end: one U+FFFD");
	check_str("\xe2\x82z", "\"\\ufffdz\"", "truncated three-byte sequence");
	check_str("\xc0\xaf", "\"\\ufffd\\ufffd\"", "overlong two-byte form");
	check_str("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"", "overlong three-byte form");
	check_str("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "UTF-16 surrogate");
	check_str("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "past U+10FFFF");
	check_str("\xf5\xff\xfe", "\"\\ufffd\\ufffd\\ufffd\"", "bytes never valid");
	check_str("\xf0\x9f\x98\x22", "\"\\ufffd\\\"\"", "truncated before a quote");
	check_str("\xc3\xa9\xa9", "\"\xc3\xa9\\ufffd\"", "valid then a stray continuation");
}

static void
test_misuse(void)
{
	struct sbuf sb = SBUF_INIT;
	struct json j;

	json_init(&j, &sb, 0);
	json_obj(&j);
	json_int(&j, 1);
	json_kint(&j, "b", 2);
	json_end(&j);
	is_str(sbuf_str(&sb), "{\"\":1,\"b\":2}", "a value with no key gets the key \"\"");

	sbuf_reset(&sb);
	json_init(&j, &sb, 0);
	json_arr(&j);
	json_kstr(&j, "ignored", "v");
	json_key(&j, NULL);
	json_end(&j);
	is_str(sbuf_str(&sb), "[\"v\"]", "a key in an array is ignored");

	sbuf_reset(&sb);
	json_init(&j, &sb, 0);
	json_key(&j, "top");
	json_obj(&j);
	json_key(&j, "a");
	json_key(&j, "b");
	json_key(&j, NULL);
	json_end(&j);
	json_end(&j);
	json_end(&j);
	is_str(sbuf_str(&sb), "{\"a\":null,\"b\":null,\"\":null}",
	       "keys without values get null; extra ends are ignored");

	sbuf_reset(&sb);
	json_init(&j, &sb, 1);
	json_obj(&j);
	json_key(&j, "a");
	json_end(&j);
	is_str(sbuf_str(&sb), "{\n  \"a\": null\n}", "pretty end after a key");

	sbuf_reset(&sb);
	json_init(&j, &sb, 0);
	json_obj(&j);
	json_kstr(&j, "k\"\n\xff", "v");
	json_end(&j);
	is_str(sbuf_str(&sb), "{\"k\\\"\\n\\ufffd\":\"v\"}", "keys are escaped too");
	sbuf_release(&sb);
}

static void
test_depth(void)
{
	struct sbuf sb = SBUF_INIT, want = SBUF_INIT;
	struct json j;
	int i;

	json_init(&j, &sb, 0);
	for (i = 0; i < JSON_MAX_DEPTH + 8; i++)
		json_arr(&j);
	json_kstr(&j, "dropped", "x");
	json_int(&j, 5);
	json_obj(&j);
	json_end(&j);
	for (i = 0; i < JSON_MAX_DEPTH + 8; i++)
		json_end(&j);
	json_str(&j, "after");
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		sbuf_addc(&want, '[');
	sbuf_adds(&want, "null");
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		sbuf_addc(&want, ']');
	sbuf_adds(&want, "\n\"after\"");
	is_str(sbuf_str(&sb), sbuf_str(&want), "too deep: null, contents dropped, nesting kept");
	is_int(j.depth, 0, "depth back to 0");
	is_int(j.skip, 0, "nothing clipped left open");

	sbuf_reset(&sb);
	sbuf_reset(&want);
	json_init(&j, &sb, 0);
	for (i = 0; i < JSON_MAX_DEPTH; i++) {
		json_obj(&j);
		json_key(&j, "k");
	}
	json_obj(&j);
	json_kint(&j, "lost", 1);
	json_end(&j);
	json_kint(&j, "kept", 2);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_end(&j);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		sbuf_adds(&want, "{\"k\":");
	sbuf_adds(&want, "null,\"kept\":2");
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		sbuf_addc(&want, '}');
	is_str(sbuf_str(&sb), sbuf_str(&want), "too deep under a key: the key gets null");
	sbuf_release(&sb);
	sbuf_release(&want);
}

int
main(void)
{
	test_layout();
	test_escaping();
	test_bad_utf8();
	test_misuse();
	test_depth();
	return tap_done();
}
