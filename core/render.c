/*
 * render.c - a template and a contact's fields become one message.
 *
 * The message is built in a buffer of its own and appended to the
 * caller's only when every header has passed, so that a failed render
 * leaves nothing half written.  The body is encoded before the headers are
 * finished because Content-Transfer-Encoding depends on it.
 */
#include "render.h"

#include <string.h>
#include <strings.h>

#include "err.h"
#include "mail.h"
#include "sbuf.h"
#include "tmpl.h"

/* Headers drip writes itself: the template's own are not copied. */
static const char *const owned[] = {
	"From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", "List-Unsubscribe",
	"List-Unsubscribe-Post"
};

/* Template headers that hold addresses: sendmail -t reads recipients from
 * Cc and Bcc, so they must be checked addresses, not free text. */
static const char *const address_headers[] = { "Cc", "Bcc", "Sender" };

static int
in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(name, list[i]) == 0)
			return 1;
	return 0;
}

/* Is the name one of the extra headers? */
static int
is_extra(const char *name, const char *const *extra)
{
	size_t i;

	for (i = 0; extra != NULL && extra[i] != NULL && extra[i + 1] != NULL; i += 2)
		if (strcasecmp(name, extra[i]) == 0)
			return 1;
	return 0;
}

/* Nothing but blanks and control characters: empty once made safe. */
static int
is_empty(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s > ' ' && (unsigned char)*s != 0x7f)
			return 0;
	return 1;
}

static const struct tmpl_header *
find_header(const struct tmpl *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nheaders; i++)
		if (strcasecmp(t->headers[i].name, name) == 0)
			return &t->headers[i];
	return NULL;
}

/* The template header's value with its placeholders expanded. */
static const char *
expand(const struct render_ctx *rc, const char *text, struct sbuf *val)
{
	sbuf_reset(val);
	tmpl_expand(text, rc->get, rc->ctx, val);
	return sbuf_str(val);
}

/* An address header; on a malformed address the error names the header
 * and, when the value came from the template, its line. */
static int
add_address(struct sbuf *msg, const struct tmpl *t, const char *name, const char *value,
	    const struct tmpl_header *h, struct drip_err *err)
{
	char why[256];

	if (mail_address_header(msg, name, value, why, sizeof why) < 0)
		return err_set(err, DRIP_EDATA, t->file, h ? h->line : 0, h ? 1 : 0,
			       "%s: %s", name, why);
	return 0;
}

static int
add_from(struct sbuf *msg, const struct tmpl *t, const struct render_ctx *rc,
	 struct sbuf *val, struct drip_err *err)
{
	const struct tmpl_header *h = find_header(t, "From");
	const char *from = rc->from;

	if (h != NULL) {
		from = expand(rc, h->value, val);
		if (is_empty(from))
			return err_set(err, DRIP_EDATA, t->file, h->line, 1,
				       "From: is empty after expanding placeholders");
	} else if (is_empty(from)) {
		return err_set(err, DRIP_EDATA, t->file, 0, 0,
			       "no From: address (none in the template, none in drip.yaml)");
	}
	return add_address(msg, t, "From", from, h, err);
}

static int
add_reply_to(struct sbuf *msg, const struct tmpl *t, const struct render_ctx *rc,
	     struct sbuf *val, struct drip_err *err)
{
	const struct tmpl_header *h = find_header(t, "Reply-To");
	const char *v = NULL;

	if (h != NULL)
		v = expand(rc, h->value, val);
	if (is_empty(v)) {
		v = rc->reply_to;
		h = NULL;
	}
	if (is_empty(v))
		return 0;
	return add_address(msg, t, "Reply-To", v, h, err);
}

static int
add_subject(struct sbuf *msg, const struct tmpl *t, const struct render_ctx *rc,
	    struct sbuf *val, struct drip_err *err)
{
	const struct tmpl_header *h = find_header(t, "Subject");
	const char *v;

	if (h == NULL)
		return err_set(err, DRIP_EDATA, t->file, 1, 1, "missing Subject: header");
	v = expand(rc, h->value, val);
	if (is_empty(v))
		return err_set(err, DRIP_EDATA, t->file, h->line, 1,
			       "Subject: is empty after expanding placeholders");
	mail_header(msg, "Subject", v);
	return 0;
}

/* The template's headers that drip does not write itself, in order. */
static int
add_others(struct sbuf *msg, const struct tmpl *t, const struct render_ctx *rc,
	   struct sbuf *val, struct drip_err *err)
{
	size_t i;

	for (i = 0; i < t->nheaders; i++) {
		const struct tmpl_header *h = &t->headers[i];
		const char *v;

		if (in_list(h->name, owned, sizeof owned / sizeof *owned) ||
		    is_extra(h->name, rc->extra))
			continue;
		v = expand(rc, h->value, val);
		if (is_empty(v))
			continue;
		if (!in_list(h->name, address_headers,
			     sizeof address_headers / sizeof *address_headers))
			mail_header(msg, h->name, v);
		else if (add_address(msg, t, h->name, v, h, err) < 0)
			return -1;
	}
	return 0;
}

static void
add_extras(struct sbuf *msg, const char *const *extra)
{
	size_t i;

	for (i = 0; extra != NULL && extra[i] != NULL && extra[i + 1] != NULL; i += 2)
		if (!is_empty(extra[i + 1]))
			mail_header(msg, extra[i], extra[i + 1]);
}

int
render_message(const struct tmpl *t, const struct render_ctx *rc, struct sbuf *out,
	       struct drip_err *err)
{
	struct sbuf msg = SBUF_INIT, val = SBUF_INIT, text = SBUF_INIT, body = SBUF_INIT;
	char date[MAIL_DATE_SIZE];
	int ret = -1, qp;

	if (is_empty(rc->to)) {
		err_set(err, DRIP_EDATA, t->file, 0, 0, "no recipient address");
		goto done;
	}
	if (add_from(&msg, t, rc, &val, err) < 0 ||
	    add_address(&msg, t, "To", rc->to, NULL, err) < 0 ||
	    add_reply_to(&msg, t, rc, &val, err) < 0 ||
	    add_subject(&msg, t, rc, &val, err) < 0)
		goto done;
	mail_date(rc->date, date, sizeof date);
	mail_header(&msg, "Date", date);
	if (!is_empty(rc->message_id))
		mail_header(&msg, "Message-ID", rc->message_id);
	tmpl_expand(t->body ? t->body : "", rc->get, rc->ctx, &text);
	qp = mail_body(&body, sbuf_str(&text), text.len);
	mail_header(&msg, "MIME-Version", "1.0");
	mail_header(&msg, "Content-Type", "text/plain; charset=utf-8");
	mail_header(&msg, "Content-Transfer-Encoding", qp ? "quoted-printable" : "7bit");
	if (!is_empty(rc->unsubscribe_url)) {
		sbuf_reset(&val);
		sbuf_printf(&val, "<%s>", rc->unsubscribe_url);
		mail_header(&msg, "List-Unsubscribe", sbuf_str(&val));
		mail_header(&msg, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	}
	if (add_others(&msg, t, rc, &val, err) < 0)
		goto done;
	add_extras(&msg, rc->extra);
	sbuf_addc(&msg, '\n');
	sbuf_add(&msg, sbuf_str(&body), body.len);
	sbuf_add(out, sbuf_str(&msg), msg.len);
	ret = 0;
done:
	sbuf_release(&msg);
	sbuf_release(&val);
	sbuf_release(&text);
	sbuf_release(&body);
	return ret;
}
