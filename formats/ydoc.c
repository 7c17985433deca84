/*
 * ydoc.c - YAML documents as located node trees, built from libyaml events.
 *
 * The tree is built while libyaml hands out events, not from its document
 * loader, so that every rule of SPEC §12 is checked on the event that breaks
 * it: an alias bomb stops at its first anchor and a file of nested brackets
 * stops at the 65th, before anything large exists in memory.
 */
#include "ydoc.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "arena.h"
#include "err.h"
#include "utf8.h"

/* Below this many keys a mapping is checked for duplicates by a linear scan;
 * above it, by a hash table, so a mapping of 100,000 keys costs no more than
 * a list of them. */
#define DUP_LINEAR 8

/* Keys quoted in messages are cut at this many bytes, so that a hostile key
 * cannot flood a terminal or a log line. */
#define MSG_KEY_MAX 64

/* Room for a quoted key: every byte may become "\xNN", plus "...". */
#define MSG_KEY_BUF (MSG_KEY_MAX * 4 + 8)

/* A collection that is still open.  The buffers outlive the collection:
 * the next collection opened at the same depth reuses them, so a file of
 * many small mappings does not allocate for each. */
struct frame {
	struct ynode *node;
	int flow;			/* written as [...] or {...} */
	struct ynode **items;		/* YNODE_SEQ, icap allocated */
	struct ypair *pairs;		/* YNODE_MAP, pcap allocated */
	size_t n, icap, pcap;
	struct ynode *key;		/* YNODE_MAP: a key waiting for its value */
	const struct ynode **hash;	/* YNODE_MAP: keys, once past DUP_LINEAR */
	size_t hsize;			/* slots in use in hash (a power of 2), 0 if off */
	size_t hcap;			/* slots allocated */
};

struct loader {
	struct arena *a;
	const char *file;
	const char *src;		/* the whole source */
	size_t srclen;
	size_t base;			/* bytes before the parser's input (a BOM) */
	size_t ci, bi;			/* character ci of the input is at byte bi */
	struct frame stack[YDOC_MAX_DEPTH];
	int depth;
	int ndocs;
	struct ynode *root;
	struct drip_err *err;
};

/*
 * Copy s (len bytes) into buf for quoting in a message.  Control bytes,
 * quotes and backslashes become \xNN; the UTF-8 encodings of C1 controls
 * too, since some terminals obey them.
 */
static void
msg_quote(char *buf, size_t n, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, o = 0, cut = len;

	if (cut > MSG_KEY_MAX) {
		cut = MSG_KEY_MAX;
		while (cut > 0 && (u[cut] & 0xC0) == 0x80)
			cut--;
	}
	for (i = 0; i < cut && o + 5 < n; i++) {
		int c1 = u[i] == 0xC2 && i + 1 < cut && u[i + 1] >= 0x80 &&
			 u[i + 1] <= 0x9F;

		if (u[i] < 0x20 || u[i] == 0x7F || u[i] == '"' || u[i] == '\\' || c1) {
			snprintf(buf + o, n - o, "\\x%02X", c1 ? u[++i] : u[i]);
			o += 4;
		} else {
			buf[o++] = (char)u[i];
		}
	}
	if (cut < len && o + 4 < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

/*
 * The byte offset of character index ci of the parser's input.  libyaml
 * counts characters, not bytes, in its marks, so a cursor walks the UTF-8
 * text from the previous answer; marks arrive nearly in order, so the walk
 * over a whole file is linear.  libyaml has already validated the text
 * before any mark it reports, so lead bytes can be trusted.
 */
static size_t
byte_at(struct loader *l, size_t ci)
{
	const unsigned char *s = (const unsigned char *)l->src + l->base;
	size_t n = l->srclen - l->base;

	while (l->ci < ci && l->bi < n) {
		l->bi++;
		while (l->bi < n && (s[l->bi] & 0xC0) == 0x80)
			l->bi++;
		l->ci++;
	}
	while (l->ci > ci && l->bi > 0) {
		l->bi--;
		while (l->bi > 0 && (s[l->bi] & 0xC0) == 0x80)
			l->bi--;
		l->ci--;
	}
	return l->base + l->bi;
}

static int
mark_line(const yaml_mark_t *m)
{
	return m->line >= INT_MAX ? INT_MAX : (int)m->line + 1;
}

static int
mark_col(const yaml_mark_t *m)
{
	return m->column >= INT_MAX ? INT_MAX : (int)m->column + 1;
}

static int __attribute__((format(printf, 3, 4)))
fail_at(struct loader *l, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[sizeof l->err->msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(l->err, DRIP_EDATA, l->file, mark_line(m), mark_col(m),
		       "%s", msg);
}

/* Turn libyaml's error into ours.  Reader errors (bad UTF-8, control
 * characters) carry a byte offset instead of a mark, so their line and
 * column are counted here. */
static int
fail_yaml(struct loader *l, const yaml_parser_t *p)
{
	const unsigned char *s = (const unsigned char *)l->src;
	size_t off, i;
	int line = 1, col = 1;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return err_set(l->err, DRIP_EFAIL, l->file, 0, 0,
			       "out of memory while parsing");
	case YAML_READER_ERROR:
		off = l->base + p->problem_offset;
		if (off > l->srclen)
			off = l->srclen;
		for (i = l->base; i < off; i++) {
			if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= l->srclen ||
							     s[i + 1] != '\n'))) {
				line++;
				col = 1;
			} else if ((s[i] & 0xC0) != 0x80) {
				col++;
			}
		}
		return err_set(l->err, DRIP_EDATA, l->file, line, col, "%s (#x%02X)",
			       p->problem ? p->problem : "cannot read",
			       (unsigned)p->problem_value);
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		if (p->context != NULL)
			return err_set(l->err, DRIP_EDATA, l->file,
				       mark_line(&p->problem_mark),
				       mark_col(&p->problem_mark),
				       "%s (%s at line %d)",
				       p->problem ? p->problem : "syntax error",
				       p->context, mark_line(&p->context_mark));
		return err_set(l->err, DRIP_EDATA, l->file,
			       mark_line(&p->problem_mark),
			       mark_col(&p->problem_mark), "%s",
			       p->problem ? p->problem : "syntax error");
	default:
		return err_set(l->err, DRIP_EDATA, l->file, 0, 0, "cannot parse YAML");
	}
}

static struct ynode *
node_new(struct loader *l, enum ynode_kind kind, const yaml_mark_t *s,
	 const yaml_mark_t *e)
{
	struct ynode *n = arena_alloc(l->a, sizeof *n);

	n->kind = kind;
	n->line = mark_line(s);
	n->col = mark_col(s);
	n->end_line = mark_line(e);
	n->end_col = mark_col(e);
	n->start = byte_at(l, s->index);
	n->end = byte_at(l, e->index);
	return n;
}

/* Reject the node properties drip does not allow: anchors (and so aliases)
 * and tags.  The tag is quoted as written, not as libyaml resolved it. */
static int
check_props(struct loader *l, const yaml_mark_t *m, const yaml_char_t *anchor,
	    const yaml_char_t *tag)
{
	char q[MSG_KEY_BUF];
	size_t at, k = 0;

	if (anchor != NULL) {
		msg_quote(q, sizeof q, (const char *)anchor,
			  strlen((const char *)anchor));
		return fail_at(l, m, "anchor \"&%s\" is not allowed", q);
	}
	if (tag != NULL) {
		at = byte_at(l, m->index);
		while (at + k < l->srclen && k < MSG_KEY_MAX &&
		       strchr(" \t\r\n,[]{}", l->src[at + k]) == NULL)
			k++;
		msg_quote(q, sizeof q, l->src + at, k);
		return fail_at(l, m, "tag \"%s\" is not allowed", q);
	}
	return 0;
}

static size_t
key_hash(const struct ynode *k)
{
	uint64_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < k->len; i++) {
		h ^= (unsigned char)k->str[i];
		h *= 1099511628211u;
	}
	return (size_t)(h ^ (h >> 29));
}

static int
key_eq(const struct ynode *a, const struct ynode *b)
{
	return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

/* Find k in the frame's hash, or add it there.  Returns the earlier equal
 * key, or NULL when k is new. */
static const struct ynode *
hash_find_add(struct frame *f, const struct ynode *k)
{
	size_t i = key_hash(k) & (f->hsize - 1);

	for (; f->hash[i] != NULL; i = (i + 1) & (f->hsize - 1))
		if (key_eq(f->hash[i], k))
			return f->hash[i];
	f->hash[i] = k;
	return NULL;
}

/* (Re)build the hash with room for twice the keys the map will hold. */
static void
hash_rebuild(struct frame *f)
{
	size_t want = 32, i;

	while (want < 4 * (f->n + 1))
		want *= 2;
	if (want > f->hcap) {
		free(f->hash);
		f->hash = xcalloc(want, sizeof *f->hash);
		f->hcap = want;
	}
	memset(f->hash, 0, want * sizeof *f->hash);
	f->hsize = want;
	for (i = 0; i < f->n; i++)
		(void)hash_find_add(f, f->pairs[i].key);
}

/* The earlier key equal to k in the open mapping f, or NULL. */
static const struct ynode *
dup_key(struct frame *f, const struct ynode *k)
{
	size_t i;

	if (f->hsize == 0 && f->n < DUP_LINEAR) {
		for (i = 0; i < f->n; i++)
			if (key_eq(f->pairs[i].key, k))
				return f->pairs[i].key;
		return NULL;
	}
	if (f->hsize == 0 || 2 * (f->n + 1) > f->hsize)
		hash_rebuild(f);
	return hash_find_add(f, k);
}

static void
seq_reserve(struct frame *f)
{
	if (f->n == f->icap) {
		f->icap = f->icap ? f->icap * 2 : 8;
		f->items = xrealloc(f->items, f->icap * sizeof *f->items);
	}
}

static void
map_reserve(struct frame *f)
{
	if (f->n == f->pcap) {
		f->pcap = f->pcap ? f->pcap * 2 : 8;
		f->pairs = xrealloc(f->pairs, f->pcap * sizeof *f->pairs);
	}
}

/* Hang a finished node on the open collection, or make it the root. */
static int
attach(struct loader *l, struct ynode *n)
{
	struct frame *f;
	const struct ynode *first;
	char q[MSG_KEY_BUF];

	if (l->depth == 0) {
		l->root = n;
		return 0;
	}
	f = &l->stack[l->depth - 1];
	if (f->node->kind == YNODE_SEQ) {
		seq_reserve(f);
		f->items[f->n++] = n;
		return 0;
	}
	if (f->key != NULL) {
		map_reserve(f);
		f->pairs[f->n].key = f->key;
		f->pairs[f->n].val = n;
		f->n++;
		f->key = NULL;
		return 0;
	}
	if ((first = dup_key(f, n)) != NULL) {
		msg_quote(q, sizeof q, n->str, n->len);
		return err_set(l->err, DRIP_EDATA, l->file, n->line, n->col,
			       "duplicate key \"%s\" (first defined at line %d)",
			       q, first->line);
	}
	f->key = n;
	return 0;
}

static int
on_scalar(struct loader *l, const yaml_event_t *ev)
{
	struct ynode *n;
	size_t e;

	if (check_props(l, &ev->start_mark, ev->data.scalar.anchor,
			ev->data.scalar.tag) < 0)
		return -1;
	n = node_new(l, YNODE_SCALAR, &ev->start_mark, &ev->end_mark);
	n->len = ev->data.scalar.length;
	n->str = arena_strndup(l->a, (const char *)ev->data.scalar.value, n->len);
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		n->style = YSTYLE_SINGLE;
		break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		n->style = YSTYLE_DOUBLE;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		n->style = YSTYLE_BLOCK;
		break;
	default:
		n->style = YSTYLE_PLAIN;
		break;
	}
	/* libyaml ends a block scalar where the next token starts; stop at the
	 * line break that ends its last line instead, never inside the next
	 * line's indentation. */
	if (n->style == YSTYLE_BLOCK) {
		e = n->end;
		while (e > n->start && (l->src[e - 1] == ' ' || l->src[e - 1] == '\t'))
			e--;
		if (e < n->end && e > n->start && l->src[e - 1] == '\n') {
			n->end = e;
			n->end_col = 1;
		}
	}
	return attach(l, n);
}

static int
on_start(struct loader *l, const yaml_event_t *ev)
{
	int map = ev->type == YAML_MAPPING_START_EVENT;
	const yaml_char_t *anchor = map ? ev->data.mapping_start.anchor :
					  ev->data.sequence_start.anchor;
	const yaml_char_t *tag = map ? ev->data.mapping_start.tag :
				       ev->data.sequence_start.tag;
	struct frame *f;

	if (check_props(l, &ev->start_mark, anchor, tag) < 0)
		return -1;
	if (l->depth > 0) {
		f = &l->stack[l->depth - 1];
		if (f->node->kind == YNODE_MAP && f->key == NULL)
			return fail_at(l, &ev->start_mark,
				       "a key must be a string, not %s",
				       map ? "a mapping" : "a list");
	}
	if (l->depth >= YDOC_MAX_DEPTH)
		return fail_at(l, &ev->start_mark, "nesting deeper than %d levels",
			       YDOC_MAX_DEPTH);
	f = &l->stack[l->depth++];
	f->node = node_new(l, map ? YNODE_MAP : YNODE_SEQ, &ev->start_mark,
			   &ev->end_mark);
	f->flow = map ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE :
			ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
	f->n = 0;
	f->key = NULL;
	f->hsize = 0;
	return 0;
}

/* Widen n's end to cover child c. */
static void
cover(struct ynode *n, const struct ynode *c)
{
	if (c != NULL && c->end >= n->end) {
		n->end = c->end;
		n->end_line = c->end_line;
		n->end_col = c->end_col;
	}
}

static int
on_end(struct loader *l, const yaml_event_t *ev)
{
	struct frame *f = &l->stack[l->depth - 1];
	struct ynode *n = f->node;
	size_t i;

	l->depth--;
	n->n = f->n;
	if (n->kind == YNODE_SEQ) {
		n->items = arena_alloc(l->a, f->n * sizeof *n->items);
		if (f->n)
			memcpy(n->items, f->items, f->n * sizeof *n->items);
	} else {
		n->pairs = arena_alloc(l->a, f->n * sizeof *n->pairs);
		if (f->n)
			memcpy(n->pairs, f->pairs, f->n * sizeof *n->pairs);
	}
	if (f->flow) {
		/* The end event of a flow collection ends after its bracket. */
		n->end_line = mark_line(&ev->end_mark);
		n->end_col = mark_col(&ev->end_mark);
		n->end = byte_at(l, ev->end_mark.index);
	} else {
		/* A block collection's end event sits where the next token
		 * starts, past comments and blank lines; end at the last
		 * child's text instead. */
		for (i = 0; i < f->n; i++) {
			if (n->kind == YNODE_SEQ) {
				cover(n, f->items[i]);
			} else {
				cover(n, f->pairs[i].key);
				cover(n, f->pairs[i].val);
			}
		}
	}
	f->node = NULL;
	return attach(l, n);
}

static int
on_event(struct loader *l, const yaml_event_t *ev)
{
	char q[MSG_KEY_BUF];

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (l->ndocs++ > 0)
			return fail_at(l, &ev->start_mark,
				       "only one document is allowed in a file");
		return 0;
	case YAML_ALIAS_EVENT:
		msg_quote(q, sizeof q, (const char *)ev->data.alias.anchor,
			  strlen((const char *)ev->data.alias.anchor));
		return fail_at(l, &ev->start_mark, "alias \"*%s\" is not allowed", q);
	case YAML_SCALAR_EVENT:
		return on_scalar(l, ev);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return on_start(l, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(l, ev);
	default:
		return 0;
	}
}

static int
parse(struct loader *l)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int rc = -1, done = 0;

	if (!yaml_parser_initialize(&p))
		return err_set(l->err, DRIP_EFAIL, l->file, 0, 0,
			       "out of memory while parsing");
	/* Fixing the encoding keeps marks in UTF-8 characters: a UTF-16
	 * file is refused as invalid UTF-8 instead of being decoded. */
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&p, (const unsigned char *)l->src + l->base,
				     l->srclen - l->base);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			fail_yaml(l, &p);
			goto out;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		if (on_event(l, &ev) < 0) {
			yaml_event_delete(&ev);
			goto out;
		}
		yaml_event_delete(&ev);
	}
	rc = 0;
out:
	yaml_parser_delete(&p);
	return rc;
}

int
ydoc_load(struct arena *a, const char *file, const char *buf, size_t len,
	  struct ydoc *out, struct drip_err *err)
{
	struct loader l;
	char *src;
	size_t bad;
	int i, rc;

	memset(out, 0, sizeof *out);
	if (file == NULL)
		file = "";
	if (len > YDOC_MAX_SIZE)
		return err_set(err, DRIP_EDATA, file, 0, 0,
			       "file too large (%zu bytes; the limit is %d)",
			       len, YDOC_MAX_SIZE);
	src = arena_strndup(a, len ? buf : "", len);

	memset(&l, 0, sizeof l);
	l.a = a;
	l.file = arena_strdup(a, file);
	l.src = src;
	l.srclen = len;
	l.err = err;
	/* A UTF-8 byte order mark is not text: step over it here so that the
	 * first line's columns are the ones an editor shows. */
	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
		l.base = 3;
	/* libyaml refuses bad UTF-8 too, in words of its own ("invalid
	 * leading UTF-8 octet"); every reader of drip says it one way. */
	if (!utf8_check(src, len, &bad)) {
		int line, col;

		utf8_locate(src + l.base, len - l.base, bad - l.base, &line, &col);
		return err_set(err, DRIP_EDATA, l.file, line, col,
			       "invalid UTF-8 (byte #x%02X)", (unsigned char)src[bad]);
	}

	rc = parse(&l);
	for (i = 0; i < YDOC_MAX_DEPTH; i++) {
		free(l.stack[i].items);
		free(l.stack[i].pairs);
		free(l.stack[i].hash);
	}
	if (rc < 0)
		return -1;

	/* A document with no content ("---" alone) is as empty as an empty
	 * file: libyaml gives it an empty plain scalar that is no text. */
	if (l.root != NULL && l.root->kind == YNODE_SCALAR &&
	    l.root->style == YSTYLE_PLAIN && l.root->len == 0)
		l.root = NULL;
	out->file = l.file;
	out->src = src;
	out->srclen = len;
	out->root = l.root;
	return 0;
}

static int
too_big(struct drip_err *err, const char *path, long long size)
{
	return err_set(err, DRIP_EDATA, path, 0, 0,
		       "file too large (%lld bytes; the limit is %d)",
		       size, YDOC_MAX_SIZE);
}

int
ydoc_load_file(struct arena *a, const char *path, struct ydoc *out,
	       struct drip_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	ssize_t r;
	int fd, rc = -1;

	memset(out, 0, sizeof *out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno == ENOENT || errno == ENOTDIR ?
			       DRIP_ENOINPUT : DRIP_EFAIL, path, "cannot open");
	if (fstat(fd, &st) < 0) {
		err_sys(err, DRIP_EFAIL, path, "cannot stat");
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > YDOC_MAX_SIZE) {
		too_big(err, path, (long long)st.st_size);
		goto out;
	}
	/* The size is only a hint: a file may grow, and a pipe has none, so
	 * the cap is enforced again while reading. */
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 64 * 1024;
	buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			cap = cap * 2 > YDOC_MAX_SIZE + 1 ? YDOC_MAX_SIZE + 1 : cap * 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_sys(err, DRIP_EFAIL, path, "cannot read");
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > YDOC_MAX_SIZE) {
			too_big(err, path, (long long)len);
			goto out;
		}
	}
	rc = ydoc_load(a, path, buf, len, out, err);
out:
	free(buf);
	close(fd);
	return rc;
}

static int
scalar_is(const struct ynode *n, const char *s)
{
	size_t len = strlen(s);

	return n->kind == YNODE_SCALAR && n->len == len &&
	       memcmp(n->str, s, len) == 0;
}

struct ynode *
ydoc_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != YNODE_MAP || key == NULL)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (scalar_is(map->pairs[i].key, key))
			return map->pairs[i].val;
	return NULL;
}

int
ydoc_is_null(const struct ynode *n)
{
	if (n == NULL)
		return 1;
	if (n->kind != YNODE_SCALAR || n->style != YSTYLE_PLAIN)
		return 0;
	return n->len == 0 || scalar_is(n, "~") || scalar_is(n, "null") ||
	       scalar_is(n, "Null") || scalar_is(n, "NULL");
}

int
ydoc_bool(const struct ynode *n)
{
	if (n == NULL || n->kind != YNODE_SCALAR || n->style != YSTYLE_PLAIN)
		return -1;
	if (scalar_is(n, "true"))
		return 1;
	if (scalar_is(n, "false"))
		return 0;
	return -1;
}

size_t
ydoc_check_keys(const struct ynode *map, const char *const *allowed,
		size_t nallowed,
		void (*report)(void *ctx, const struct ynode *at, const char *msg),
		void *ctx)
{
	char q[MSG_KEY_BUF], msg[MSG_KEY_BUF + 256];
	const struct ynode *k;
	size_t i, j, bad = 0;
	int known;

	if (map == NULL || map->kind != YNODE_MAP)
		return 0;
	for (i = 0; i < map->n; i++) {
		k = map->pairs[i].key;
		known = 0;
		for (j = 0; j < nallowed && !known; j++)
			known = allowed[j] != NULL && scalar_is(k, allowed[j]);
		if (known)
			continue;
		bad++;
		if (report == NULL)
			continue;
		msg_quote(q, sizeof q, k->str, k->len);
		snprintf(msg, sizeof msg, "unknown key \"%s\"", q);
		/* A key with a NUL byte in it cannot be a typo of a name. */
		if (strlen(k->str) == k->len)
			suggest_append(msg, sizeof msg, k->str, allowed, nallowed);
		report(ctx, k, msg);
	}
	return bad;
}

const char *
ydoc_kind_name(const struct ynode *n)
{
	if (ydoc_is_null(n))
		return "nothing";
	switch (n->kind) {
	case YNODE_MAP:
		return "a mapping";
	case YNODE_SEQ:
		return "a list";
	default:
		return "a string";
	}
}

void
ydoc_quote(struct sbuf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	sbuf_addc(out, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			sbuf_addc(out, '\\');
			sbuf_addc(out, ch);
		} else if (ch == '\n') {
			sbuf_adds(out, "\\n");
		} else if (ch == '\t') {
			sbuf_adds(out, "\\t");
		} else if (ch == '\r') {
			sbuf_adds(out, "\\r");
		} else if (ch < 0x20 || ch == 0x7f) {
			sbuf_adds(out, "\\x");
			sbuf_addc(out, hex[ch >> 4]);
			sbuf_addc(out, hex[ch & 15]);
		} else {
			sbuf_addc(out, ch);
		}
	}
	sbuf_addc(out, '"');
}
