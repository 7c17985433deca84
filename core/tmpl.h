/*
 * tmpl.h - message templates (SPEC §6): an RFC 5322 message with
 * {{field}} and {{field | "fallback"}} placeholders.
 *
 * Parsing checks the header block (name: value lines, folded continuation
 * lines, a blank line before the body), that Subject: is present, and that
 * every placeholder is well formed.  Placeholder names are contact columns
 * or the built-ins sequence.name, step.name, link.yes, link.no,
 * link.unsubscribe.
 */
#ifndef DRIP_CORE_TMPL_H
#define DRIP_CORE_TMPL_H

#include <stddef.h>

struct arena;
struct drip_err;
struct sbuf;

struct tmpl_header {
	const char *name;	/* as written, e.g. "Subject" */
	const char *value;	/* unfolded, raw (placeholders not expanded) */
	int line;
};

struct tmpl_field {
	const char *name;	/* "first_name", "link.yes" */
	const char *fallback;	/* NULL when none; escapes decoded */
	int line, col;		/* where "{{" starts, 1-based, in the file */
};

struct tmpl {
	const char *file;
	struct tmpl_header *headers;
	size_t nheaders;
	const char *body;	/* text after the blank line, CRLF made LF */
	int body_line;		/* its first line */
	struct tmpl_field *fields;	/* every placeholder, in order */
	size_t nfields;
};

/* Parse a template.  Errors are DRIP_EDATA at file:line:col. */
int tmpl_parse(struct arena *a, const char *file, const char *buf, size_t len,
	       struct tmpl **out, struct drip_err *err);
/* Read path and parse it (at most 1 MiB); missing is DRIP_ENOINPUT. */
int tmpl_load(struct arena *a, const char *path, struct tmpl **out,
	      struct drip_err *err);

/* The value of header name (case-insensitive), or NULL. */
const char *tmpl_header(const struct tmpl *t, const char *name);

/* Does the template place field name anywhere (a header or the body)? */
int tmpl_uses(const struct tmpl *t, const char *name);

/* Is name a built-in placeholder (sequence.name, link.yes, ...)? */
int tmpl_is_builtin(const char *name);

/*
 * Expand placeholders in text (a header value or the body) into out:
 * get(ctx, name) returns the value or NULL/"" for none, in which case the
 * fallback (or "") is used.  Rendering a whole message (RFC 2047, quoted-
 * printable, headers) is formats/mail's job; this is the substitution.
 */
void tmpl_expand(const char *text, const char *(*get)(void *ctx, const char *name),
		 void *ctx, struct sbuf *out);

#endif
