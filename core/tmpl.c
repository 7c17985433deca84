/*
 * tmpl.c - message templates (SPEC §6): the header block, the body, and
 * the {{field}} / {{field | "fallback"}} placeholders in both.
 *
 * The whole text is checked first (valid UTF-8, no NUL byte), so that
 * everything after can treat it as text.  Lines end in LF or CRLF.  The
 * header block follows RFC 5322: "Name: value" lines, where a line that
 * starts with a space or tab continues the one before (unfolding removes
 * only the line break, keeping the blank); the first blank line ends it.
 * A line of nothing but blanks also ends it, since it looks blank to
 * anyone reading the file.  A file may stop after its headers: the body
 * is then empty.
 *
 * Locations are line:col in the file, columns counting characters (a
 * UTF-8 sequence counts once) as the YAML locations do.  A placeholder in
 * a folded header is placed on the physical line where its "{{" is.
 *
 * Placeholders do not span lines.  Inside one, blanks around the name,
 * the '|' and the fallback are optional; the fallback is a double-quoted
 * string where \" and \\ are the only escapes.  There is no way to write a
 * literal "{{" in a template; a lone "{" or "}}" is plain text.
 */
#include "tmpl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "err.h"
#include "sbuf.h"
#include "utf8.h"

#define TMPL_MAX_SIZE (1024 * 1024)	/* bytes per template, SPEC §12 */

static const char *const builtins[] = {
	"sequence.name", "step.name", "link.yes", "link.no", "link.unsubscribe"
};

/* Headers RFC 5322 allows at most once in a message. */
static const char *const singletons[] = {
	"Subject", "From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"Message-ID", "Date", "In-Reply-To", "References"
};

/* A placeholder as written: spans into the text, not yet decoded. */
struct ph {
	const char *name;
	size_t namelen;
	const char *fb;		/* between the quotes; NULL when there is none */
	size_t fblen;
	size_t len;		/* from "{{" to after "}}" */
};

/* Where a stretch of a header value starts in the file: the value is
 * pieced together from its folded lines. */
struct seg {
	size_t off;		/* offset in the unfolded value */
	int line, col;
};

struct tparse {
	struct arena *a;
	const char *file;
	struct drip_err *err;
	struct tmpl *t;
	size_t hcap, fcap;
};

/* ------------------------------------------------------------------ */
/* Placeholders */

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_name_char(int c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* Is there a "}}" between p and the end of its line? */
static int
closes_on_line(const char *p, const char *end)
{
	for (; p + 1 < end && *p != '\n'; p++)
		if (p[0] == '}' && p[1] == '}')
			return 1;
	return 0;
}

/*
 * Read the placeholder whose "{{" is at p.  Returns 0, or -1 with the
 * reason in why (which may be NULL).
 */
static int
ph_scan(const char *p, const char *end, struct ph *ph, char *why, size_t n)
{
	const char *q = p + 2;
	char dummy[8];

	if (why == NULL) {
		why = dummy;
		n = sizeof dummy;
	}
	memset(ph, 0, sizeof *ph);
	while (q < end && is_blank(*q))
		q++;
	ph->name = q;
	while (q < end && is_name_char(*q))
		q++;
	ph->namelen = (size_t)(q - ph->name);
	while (q < end && is_blank(*q))
		q++;
	if (ph->namelen == 0 && q < end &&
	    (*q == '|' || (*q == '}' && q + 1 < end && q[1] == '}'))) {
		snprintf(why, n, "empty placeholder name");
		return -1;
	}
	if (ph->namelen > 0 && !isalpha((unsigned char)ph->name[0]) && ph->name[0] != '_') {
		snprintf(why, n, "invalid placeholder name \"%.*s\" (names start with a letter "
			 "or \"_\")", ph->namelen > 60 ? 60 : (int)ph->namelen, ph->name);
		return -1;
	}
	if (ph->namelen > 0 && q < end && *q == '|') {
		q++;
		while (q < end && is_blank(*q))
			q++;
		if (q >= end || *q != '"') {
			if (!closes_on_line(q, end))
				snprintf(why, n, "unclosed \"{{\"");
			else
				snprintf(why, n, "the fallback must be a quoted string, "
					 "e.g. {{%.*s | \"there\"}}",
					 ph->namelen > 60 ? 60 : (int)ph->namelen, ph->name);
			return -1;
		}
		ph->fb = ++q;
		while (q < end && *q != '"' && *q != '\n') {
			if (*q == '\\') {
				if (q + 1 < end && (q[1] == '"' || q[1] == '\\')) {
					q += 2;
					continue;
				}
				if (q + 1 < end && q[1] != '\n') {
					snprintf(why, n, "unknown escape \"\\%c\" in fallback "
						 "(only \\\" and \\\\ are allowed)", q[1]);
					return -1;
				}
			}
			q++;
		}
		if (q >= end || *q != '"') {
			snprintf(why, n, "unterminated fallback string");
			return -1;
		}
		ph->fblen = (size_t)(q - ph->fb);
		q++;
		while (q < end && is_blank(*q))
			q++;
	}
	if (ph->namelen > 0 && q + 1 < end && q[0] == '}' && q[1] == '}') {
		ph->len = (size_t)(q + 2 - p);
		return 0;
	}
	if (!closes_on_line(q, end)) {
		snprintf(why, n, "unclosed \"{{\"");
		return -1;
	}
	for (q = p; q + 1 < end && !(q[0] == '}' && q[1] == '}'); q++)
		;
	snprintf(why, n, "invalid placeholder \"%.*s\" (expected {{name}} or "
		 "{{name | \"fallback\"}})", q + 2 - p > 60 ? 60 : (int)(q + 2 - p), p);
	return -1;
}

/* Append the fallback text with its escapes decoded. */
static void
add_unescaped(struct sbuf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		sbuf_addc(out, s[i]);
	}
}

static void
add_field(struct tparse *tp, const struct ph *ph, int line, int col)
{
	struct tmpl *t = tp->t;
	struct tmpl_field *f;

	if (t->nfields == tp->fcap) {
		size_t c = tp->fcap ? tp->fcap * 2 : 8;

		t->fields = arena_grow(tp->a, t->fields, t->nfields, c, sizeof *t->fields);
		tp->fcap = c;
	}
	f = &t->fields[t->nfields++];
	f->name = arena_strndup(tp->a, ph->name, ph->namelen);
	f->fallback = NULL;
	if (ph->fb != NULL) {
		struct sbuf sb = SBUF_INIT;

		add_unescaped(&sb, ph->fb, ph->fblen);
		f->fallback = arena_strndup(tp->a, sbuf_str(&sb), sb.len);
		sbuf_release(&sb);
	}
	f->line = line;
	f->col = col;
}

/*
 * Record every placeholder of text[0..len).  segs[0..nseg) say where the
 * text's pieces are in the file (nseg >= 1, segs[0].off == 0); a newline
 * in the text moves to the next line.
 */
static int
scan_fields(struct tparse *tp, const char *text, size_t len, const struct seg *segs,
	    size_t nseg)
{
	const char *end = text + len;
	size_t i = 0, si = 0;
	int line = segs[0].line, col = segs[0].col;
	char why[256];
	struct ph ph;

	while (i < len) {
		while (si + 1 < nseg && segs[si + 1].off <= i) {
			/* A placeholder may have carried us past the start of
			 * the next piece: count what lies between. */
			si++;
			line = segs[si].line;
			col = segs[si].col;
			for (size_t k = segs[si].off; k < i; k++)
				if (((unsigned char)text[k] & 0xC0) != 0x80)
					col++;
		}
		if (text[i] == '{' && i + 1 < len && text[i + 1] == '{') {
			if (ph_scan(text + i, end, &ph, why, sizeof why) < 0)
				return err_set(tp->err, DRIP_EDATA, tp->file, line, col, "%s", why);
			add_field(tp, &ph, line, col);
			/* A placeholder holds no newline and ASCII up to its
			 * fallback; count its characters to move past it. */
			for (size_t k = 0; k < ph.len; k++)
				if (((unsigned char)text[i + k] & 0xC0) != 0x80)
					col++;
			i += ph.len;
			continue;
		}
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			col++;
		}
		i++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The text, the headers, the body */

/* Valid UTF-8 (no overlongs, surrogates or values past U+10FFFF) and no
 * NUL byte; the error is at the offending character. */
static int
check_text(struct tparse *tp, const unsigned char *s, size_t len)
{
	size_t i = 0, n;
	int line = 1, col = 1;

	while (i < len) {
		if (s[i] == 0)
			return err_set(tp->err, DRIP_EDATA, tp->file, line, col,
				       "unexpected NUL byte");
		if ((n = utf8_char_len((const char *)s + i, len - i)) == 0)
			return err_set(tp->err, DRIP_EDATA, tp->file, line, col, "invalid UTF-8");
		if (s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += n;
	}
	return 0;
}

static struct tmpl_header *
new_header(struct tparse *tp)
{
	struct tmpl *t = tp->t;

	if (t->nheaders == tp->hcap) {
		size_t c = tp->hcap ? tp->hcap * 2 : 8;

		t->headers = arena_grow(tp->a, t->headers, t->nheaders, c, sizeof *t->headers);
		tp->hcap = c;
	}
	return &t->headers[t->nheaders++];
}

/* The header being read: its unfolded value and where its pieces are. */
struct hdr_acc {
	struct tmpl_header *h;
	struct sbuf val;
	struct seg *segs;
	size_t nseg, cap;
};

static void
acc_add(struct hdr_acc *acc, const char *s, size_t n, int line, int col)
{
	if (acc->nseg == acc->cap) {
		acc->cap = acc->cap ? acc->cap * 2 : 4;
		acc->segs = xrealloc(acc->segs, acc->cap * sizeof *acc->segs);
	}
	acc->segs[acc->nseg].off = acc->val.len;
	acc->segs[acc->nseg].line = line;
	acc->segs[acc->nseg].col = col;
	acc->nseg++;
	sbuf_add(&acc->val, s, n);
}

/* Finish the header being read: placeholders, then the trimmed value. */
static int
acc_flush(struct tparse *tp, struct hdr_acc *acc)
{
	const char *v = sbuf_str(&acc->val);
	size_t b = 0, e = acc->val.len;

	if (acc->h == NULL)
		return 0;
	if (scan_fields(tp, v, acc->val.len, acc->segs, acc->nseg) < 0)
		return -1;
	while (b < e && is_blank(v[b]))
		b++;
	while (e > b && is_blank(v[e - 1]))
		e--;
	acc->h->value = arena_strndup(tp->a, v + b, e - b);
	acc->h = NULL;
	acc->nseg = 0;
	sbuf_reset(&acc->val);
	return 0;
}

static const char *const expected_header =
	"expected \"Name: value\" or a blank line before the body";

/* One line of the header block, [s, e) without its line end. */
static int
header_line(struct tparse *tp, struct hdr_acc *acc, const char *s, const char *e, int line)
{
	const char *colon, *p, *cr;
	struct tmpl_header *h;

	if ((cr = memchr(s, '\r', (size_t)(e - s))) != NULL)
		return err_set(tp->err, DRIP_EDATA, tp->file, line, (int)(cr - s) + 1,
			       "carriage return inside a header line");
	if (is_blank(*s)) {
		if (acc->h == NULL)
			return err_set(tp->err, DRIP_EDATA, tp->file, line, 1,
				       "continuation line before any header");
		acc_add(acc, s, (size_t)(e - s), line, 1);
		return 0;
	}
	if (acc_flush(tp, acc) < 0)
		return -1;
	colon = memchr(s, ':', (size_t)(e - s));
	if (colon == NULL || colon == s)
		return err_set(tp->err, DRIP_EDATA, tp->file, line, 1, "%s", expected_header);
	for (p = s; p < colon; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return err_set(tp->err, DRIP_EDATA, tp->file, line, 1, "%s",
				       expected_header);
	h = new_header(tp);
	h->name = arena_strndup(tp->a, s, (size_t)(colon - s));
	h->value = "";
	h->line = line;
	acc->h = h;
	for (p = colon + 1; p < e && is_blank(*p); p++)
		;
	/* The name and the blanks are ASCII, so bytes are columns here. */
	acc_add(acc, p, (size_t)(e - p), line, (int)(p - s) + 1);
	return 0;
}

/* Subject present and not empty; no header that may appear once, twice. */
static int
check_headers(struct tparse *tp)
{
	const struct tmpl *t = tp->t;
	const char *subject = tmpl_header(t, "Subject");
	size_t i, j, k;

	if (subject == NULL)
		return err_set(tp->err, DRIP_EDATA, tp->file, 1, 1, "missing Subject: header");
	for (i = 0; i < t->nheaders; i++) {
		const struct tmpl_header *h = &t->headers[i];

		if (strcasecmp(h->name, "Subject") == 0 && h->value[0] == '\0')
			return err_set(tp->err, DRIP_EDATA, tp->file, h->line, 1,
				       "empty Subject: header");
		for (k = 0; k < sizeof singletons / sizeof *singletons; k++)
			if (strcasecmp(h->name, singletons[k]) == 0)
				break;
		if (k == sizeof singletons / sizeof *singletons)
			continue;
		for (j = 0; j < i; j++)
			if (strcasecmp(t->headers[j].name, h->name) == 0)
				return err_set(tp->err, DRIP_EDATA, tp->file, h->line, 1,
					       "duplicate %s: header (first on line %d)",
					       singletons[k], t->headers[j].line);
	}
	return 0;
}

/* The body from p to end, with CRLF made LF, and its placeholders. */
static int
read_body(struct tparse *tp, const char *p, const char *end, int line)
{
	struct sbuf sb = SBUF_INIT;
	struct seg seg = { 0, line, 1 };
	int rc;

	for (; p < end; p++)
		if (!(*p == '\r' && p + 1 < end && p[1] == '\n'))
			sbuf_addc(&sb, *p);
	tp->t->body = arena_strndup(tp->a, sbuf_str(&sb), sb.len);
	tp->t->body_line = line;
	rc = scan_fields(tp, tp->t->body, sb.len, &seg, 1);
	sbuf_release(&sb);
	return rc;
}

int
tmpl_parse(struct arena *a, const char *file, const char *buf, size_t len,
	   struct tmpl **out, struct drip_err *err)
{
	struct tparse tp = { 0 };
	struct hdr_acc acc = { 0 };
	const char *p = buf, *end = buf + len;
	int line = 1, rc = -1, in_body = 0;

	tp.a = a;
	tp.file = file ? file : "";
	tp.err = err;
	if (len > TMPL_MAX_SIZE)
		return err_set(err, DRIP_EDATA, tp.file, 0, 0,
			       "template is larger than 1 MiB (%zu bytes)", len);
	/* A byte order mark is an editor's habit, not part of the first header. */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	if (check_text(&tp, (const unsigned char *)p, (size_t)(end - p)) < 0)
		return -1;
	tp.t = arena_alloc(a, sizeof *tp.t);
	tp.t->file = arena_strdup(a, tp.file);
	tp.t->body = "";
	while (p < end && !in_body) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *ce = le, *q;

		if (ce > p && ce[-1] == '\r')
			ce--;
		for (q = p; q < ce && is_blank(*q); q++)
			;
		if (q == ce) {
			in_body = 1;
		} else if (header_line(&tp, &acc, p, ce, line) < 0) {
			goto done;
		}
		p = nl ? nl + 1 : end;
		line++;
	}
	if (acc_flush(&tp, &acc) < 0 || check_headers(&tp) < 0)
		goto done;
	if (read_body(&tp, p, end, line) < 0)
		goto done;
	*out = tp.t;
	rc = 0;
done:
	sbuf_release(&acc.val);
	free(acc.segs);
	return rc;
}

int
tmpl_load(struct arena *a, const char *path, struct tmpl **out,
	  struct drip_err *err)
{
	struct sbuf sb = SBUF_INIT;
	struct stat st;
	char chunk[8192];
	int fd, rc = -1;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(err, errno == ENOENT || errno == ENOTDIR ? DRIP_ENOINPUT : DRIP_EFAIL,
			       NULL, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		err_sys(err, DRIP_EFAIL, NULL, "cannot stat '%s'", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, DRIP_EDATA, path, 0, 0, "not a regular file");
		goto done;
	}
	if (st.st_size > TMPL_MAX_SIZE) {
		err_set(err, DRIP_EDATA, path, 0, 0, "template is larger than 1 MiB (%lld bytes)",
			(long long)st.st_size);
		goto done;
	}
	/* Read to the end, not to st_size: the file may have grown since. */
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_sys(err, DRIP_EFAIL, NULL, "cannot read '%s'", path);
			goto done;
		}
		if (n == 0)
			break;
		sbuf_add(&sb, chunk, (size_t)n);
		if (sb.len > TMPL_MAX_SIZE) {
			err_set(err, DRIP_EDATA, path, 0, 0, "template is larger than 1 MiB");
			goto done;
		}
	}
	rc = tmpl_parse(a, path, sbuf_str(&sb), sb.len, out, err);
done:
	if (close(fd) < 0 && rc == 0)
		rc = err_sys(err, DRIP_EFAIL, NULL, "cannot close '%s'", path);
	sbuf_release(&sb);
	return rc;
}

const char *
tmpl_header(const struct tmpl *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nheaders; i++)
		if (strcasecmp(t->headers[i].name, name) == 0)
			return t->headers[i].value;
	return NULL;
}

int
tmpl_uses(const struct tmpl *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nfields; i++)
		if (strcmp(t->fields[i].name, name) == 0)
			return 1;
	return 0;
}

int
tmpl_is_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof builtins / sizeof *builtins; i++)
		if (strcmp(builtins[i], name) == 0)
			return 1;
	return 0;
}

void
tmpl_expand(const char *text, const char *(*get)(void *ctx, const char *name),
	    void *ctx, struct sbuf *out)
{
	const char *p = text, *end = text + strlen(text), *q;
	struct sbuf name = SBUF_INIT;
	struct ph ph;

	while (p < end) {
		const char *v;

		for (q = p; q + 1 < end && !(q[0] == '{' && q[1] == '{'); q++)
			;
		if (q + 1 >= end) {
			sbuf_add(out, p, (size_t)(end - p));
			break;
		}
		sbuf_add(out, p, (size_t)(q - p));
		/* Text that was never parsed may hold a malformed "{{": it
		 * stays as written. */
		if (ph_scan(q, end, &ph, NULL, 0) < 0) {
			sbuf_add(out, q, 2);
			p = q + 2;
			continue;
		}
		sbuf_reset(&name);
		sbuf_add(&name, ph.name, ph.namelen);
		v = get ? get(ctx, sbuf_str(&name)) : NULL;
		if (v != NULL && v[0] != '\0')
			sbuf_adds(out, v);
		else if (ph.fb != NULL)
			add_unescaped(out, ph.fb, ph.fblen);
		p = q + ph.len;
	}
	sbuf_release(&name);
}
