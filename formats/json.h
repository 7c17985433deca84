/*
 * json.h - a small streaming JSON writer for `--format json`.
 *
 * The writer tracks nesting and commas itself:
 *   struct json j; json_init(&j, &sb, 0);
 *   json_obj(&j); json_key(&j, "id"); json_str(&j, "x"); json_end(&j);
 * Strings are written as valid JSON (control characters, quotes and
 * backslashes escaped; valid UTF-8 passes through; each maximal invalid
 * UTF-8 subsequence becomes the escape \ufffd).
 *
 * Layout: compact mode writes no whitespace at all; pretty mode puts each
 * member or element on its own line indented by two spaces per level, a
 * space after each key's colon, and keeps empty containers as {} and [].
 * No final newline is written.
 *
 * Misuse still gives valid JSON, so a caller's slip never yields output
 * that a consumer cannot parse:
 *   - a value inside an object with no key before it gets the key "";
 *   - json_key outside an object is ignored; a second key in a row gives
 *     the first one the value null, as does json_end right after a key;
 *   - json_end with nothing open is ignored;
 *   - a container opened while JSON_MAX_DEPTH are already open is written
 *     as null, and everything inside it, up to its json_end, is dropped;
 *   - several top-level values are written one per line (JSON Lines).
 */
#ifndef DRIP_FORMATS_JSON_H
#define DRIP_FORMATS_JSON_H

#include <stdint.h>

struct sbuf;

#define JSON_MAX_DEPTH 32

struct json {
	struct sbuf *out;
	int depth;
	int pretty;			/* 1: indent by two spaces, one member a line */
	unsigned char first[JSON_MAX_DEPTH];	/* nothing written yet at this level */
	unsigned char is_obj[JSON_MAX_DEPTH];
	int after_key;			/* a key was written, its value comes next */
	int skip;			/* containers open beyond JSON_MAX_DEPTH */
	int ntop;			/* top-level values begun so far */
};

/* Start writing into out (appended to, never reset); pretty is 0 or 1. */
void json_init(struct json *j, struct sbuf *out, int pretty);
void json_obj(struct json *j);		/* { */
void json_arr(struct json *j);		/* [ */
void json_end(struct json *j);		/* } or ] */
void json_key(struct json *j, const char *k);
void json_str(struct json *j, const char *s);	/* NULL writes null */
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* Shorthands for a key and its value. */
void json_kstr(struct json *j, const char *k, const char *v);
void json_kint(struct json *j, const char *k, int64_t v);
void json_kbool(struct json *j, const char *k, int v);

#endif
