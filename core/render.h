/*
 * render.h - a parsed message template plus a contact's fields make one
 * complete RFC 5322 message (SPEC §6, §7, §8).
 *
 * The substitution is tmpl_expand's, the encodings are formats/mail's; this
 * module decides which headers a message has, in which order, and which
 * renders are errors.  It does no I/O and keeps no state, so the same
 * inputs always give the same bytes (SPEC §9.2).
 */
#ifndef DRIP_CORE_RENDER_H
#define DRIP_CORE_RENDER_H

#include <stdint.h>

struct drip_err;
struct sbuf;
struct tmpl;

struct render_ctx {
	const char *(*get)(void *ctx, const char *name);	/* contact fields and built-ins (sequence.name, step.name, link.yes, link.no, link.unsubscribe) */
	void *ctx;
	const char *from, *reply_to;	/* drip.yaml defaults when the template has no From:/Reply-To: */
	const char *to;			/* recipient address (the contact's email or another) */
	const char *message_id;		/* from mail_message_id */
	int64_t date;			/* the slot, for the Date: header */
	const char *unsubscribe_url;	/* for List-Unsubscribe; NULL: omit the header */
	const char *const *extra;	/* extra "Name: value" header pairs (name, value, name, value, ..., NULL), e.g. X-Drip-Contact */
};

/*
 * Render template t into a complete message in out: headers in a fixed
 * order (From, To, Reply-To, Subject, Date, Message-ID, MIME-Version: 1.0,
 * Content-Type: text/plain; charset=utf-8, Content-Transfer-Encoding:
 * 7bit|quoted-printable, List-Unsubscribe: <URL>, List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click, then the template's other headers except
 * those, then extras), a blank line, the body; placeholders expanded with
 * fallbacks via tmpl_expand.  Template headers From/Reply-To override the
 * defaults.  Errors (-1, err DRIP_EDATA naming the template file): no
 * recipient, a From that is missing or malformed after expansion, a Subject
 * that expands to empty.  Values expanded into headers can never add a
 * header (test with a contact value "x\r\nBcc: evil@example.com").
 *
 * Details:
 * - Lines end in LF.  out is appended to only on success.
 * - A template From: that expands to nothing is an error (the template
 *   named a sender; write {{owner | "..."}} for a fallback).  A template
 *   Reply-To: that expands to nothing gives way to the drip.yaml default;
 *   with neither, there is no Reply-To: header.
 * - A template To: is ignored (rc->to is the recipient), and so are the
 *   template's Date:, Message-ID:, MIME and List-Unsubscribe headers, which
 *   are drip's to write.  Template Cc:, Bcc: and Sender: are address
 *   headers: written by mail_address_header, an error when malformed.  A
 *   template header that expands to nothing is left out, and so is one
 *   whose name an extra header also has (the extra wins).
 * - message_id NULL or "" leaves Message-ID: out; unsubscribe_url ""
 *   counts as NULL.  In extra, a NULL value ends the list like a NULL
 *   name; an extra with an empty value is left out.
 * - Error locations: the template header's line (col 1) when the bad value
 *   came from the template, else no line.  A malformed address reads
 *   e.g. From: address "hello" has no "@" (the text from
 *   mail_address_header after the header's name).
 */
int render_message(const struct tmpl *t, const struct render_ctx *rc, struct sbuf *out,
		   struct drip_err *err);

#endif
