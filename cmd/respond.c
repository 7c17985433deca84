/*
 * respond.c - `drip respond TOKEN` (SPEC §8): answer a signed link, on the
 * command line or, when GATEWAY_INTERFACE is set, as a CGI program behind a
 * web server.
 *
 * core/respond decides; this file prints.  On the command line the answer
 * is recorded at once (an operator's act) and the first word of the output
 * is the outcome: accepted and moved-on exit 0, expired 1, invalid 65.
 *
 * As a CGI program the token is the `t` of QUERY_STRING.  A GET (or HEAD)
 * only verifies and shows a page with a one-button form, because mail
 * scanners and link previewers fetch links on their own; the POST of that
 * form, or an RFC 8058 one-click POST (body List-Unsubscribe=One-Click,
 * whatever it holds is not needed), records the answer.  Statuses: 200 for
 * accepted and moved-on, 410 for expired, 400 for invalid, 405 for other
 * methods, 500 when a workspace file cannot be read (the reason goes to
 * stderr, the server's error log).  The process exits 0 whenever it served
 * a page.  Every value put into a page is HTML-escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "cmd.h"
#include "html.h"
#include "respond.h"
#include "sbuf.h"
#include "token.h"

/* Bytes of a POST body read (and thrown away) at most. */
#define BODY_MAX 65536

const struct optspec respond_opts[] = {
	{ NULL, 0, NULL, NULL, NULL }
};

static int
pubkey(struct cmd_ctx *c, unsigned char pk[32])
{
	if (c->cfg.public_key == NULL)
		return err_set(&c->err, DRIP_ECONFIG, "drip.yaml", 0, 0,
			       "links.public_key is not set; 'drip init' writes it");
	if (token_pubkey_parse(c->cfg.public_key, pk, &c->err) < 0) {
		snprintf(c->err.file, sizeof c->err.file, "drip.yaml");
		return -1;
	}
	return 0;
}

/* ---- the command line ---- */

static int
respond_cli(struct cmd_ctx *c, const char *arg)
{
	unsigned char pk[32];
	struct respond r;
	const char *s = arg, *q = strchr(arg, '?'), *ans;

	/* The whole link pasted from a message works as well as its token. */
	if (q && !respond_query_token(&c->a, q + 1, RESPOND_TEXT_MAX * 4, &s))
		s = "";
	if (pubkey(c, pk) < 0 || respond_check(&c->a, c->root, pk, s, c->now, &r, &c->err) < 0 ||
	    respond_record(c->root, &r, c->now, &c->err) < 0)
		return -1;
	ans = token_answer_name(r.tok.answer);
	switch (r.outcome) {
	case RESPOND_ACCEPTED:
		if (r.already)
			printf("accepted: \"%s\" from %s was recorded before; nothing new\n", ans,
			       r.tok.contact);
		else
			printf("accepted: \"%s\" from %s recorded in inbox/%s.csv for the next "
			       "tick\n", ans, r.tok.contact, r.event_id);
		return 0;
	case RESPOND_MOVED_ON:
		printf("moved-on: %s is no longer on step %s of %s; nothing was changed\n",
		       r.tok.contact, r.tok.step, r.tok.sequence);
		return 0;
	case RESPOND_EXPIRED:
		printf("expired: this link has expired; please log in to continue%s%s\n",
		       c->cfg.login_url ? ": " : "", c->cfg.login_url ? c->cfg.login_url : "");
		return DRIP_EFAIL;
	case RESPOND_INVALID:
		break;
	}
	printf("invalid: %s; nothing was recorded\n", r.why);
	return DRIP_EDATA;
}

/* ---- CGI ---- */

/* What a page says. */
struct page {
	int status;
	const char *reason;		/* "OK", "Gone" ... */
	const char *result;		/* the outcome's word, in a meta element */
	const char *title;
	const char *text;
	const char *button;		/* a form posting back to the same link, or NULL */
	const char *token;		/* for the form */
	const char *link;		/* a link to log in, or NULL */
};

static void
emit(const struct page *p, int head)
{
	struct sbuf b = SBUF_INIT;

	printf("Status: %d %s\r\n"
	       "Content-Type: text/html; charset=utf-8\r\n"
	       "Cache-Control: no-store\r\n"
	       "Referrer-Policy: no-referrer\r\n"
	       "X-Content-Type-Options: nosniff\r\n"
	       "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; "
	       "form-action 'self'; frame-ancestors 'none'\r\n", p->status, p->reason);
	if (p->status == 405)
		printf("Allow: GET, HEAD, POST\r\n");
	printf("\r\n");
	if (head)
		return;
	sbuf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		  "<meta name=\"robots\" content=\"noindex\">\n<meta name=\"drip-result\" content=\"");
	html_escape(&b, p->result);
	sbuf_adds(&b, "\">\n<title>");
	html_escape(&b, p->title);
	sbuf_adds(&b, "</title>\n<style>body{font:1.1em/1.5 system-ui,sans-serif;max-width:34em;"
		  "margin:3em auto;padding:0 1em}button{font:inherit;padding:.5em 1.2em}</style>\n"
		  "</head>\n<body>\n<main>\n<h1>");
	html_escape(&b, p->title);
	sbuf_adds(&b, "</h1>\n<p>");
	html_escape(&b, p->text);
	sbuf_adds(&b, "</p>\n");
	if (p->button) {
		sbuf_adds(&b, "<form method=\"post\" action=\"?t=");
		html_escape(&b, p->token);
		sbuf_adds(&b, "\">\n<button type=\"submit\">");
		html_escape(&b, p->button);
		sbuf_adds(&b, "</button>\n</form>\n");
	}
	if (p->link) {
		sbuf_adds(&b, "<p><a href=\"");
		html_escape(&b, p->link);
		sbuf_adds(&b, "\">Log in</a></p>\n");
	}
	sbuf_adds(&b, "</main>\n</body>\n</html>\n");
	fwrite(b.buf, 1, b.len, stdout);
	sbuf_release(&b);
}

/* The POST body is not needed (the token is in the link), but is read so
 * the server never sees a broken pipe. */
static void
drain_body(void)
{
	const char *cl = getenv("CONTENT_LENGTH");
	long left = cl ? strtol(cl, NULL, 10) : 0;
	char buf[4096];

	if (left > BODY_MAX)
		left = BODY_MAX;
	while (left > 0) {
		ssize_t n = read(0, buf, left < (long)sizeof buf ? (size_t)left : sizeof buf);

		if (n <= 0)
			break;
		left -= n;
	}
}

/* Only an http(s) address becomes a link on the page. */
static const char *
login_link(const struct cmd_ctx *c)
{
	const char *u = c->cfg.login_url;

	if (u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0))
		return u;
	return NULL;
}

static int
respond_cgi(struct cmd_ctx *c)
{
	static const char *const ask[] = { NULL, "Still interested?", "Not interested?",
					   "Unsubscribe" };
	static const char *const ask_text[] = {
		NULL,
		"Press the button to tell us that you are still interested.",
		"Press the button to tell us that you are not interested; "
		"we will stop writing to you about this.",
		"Press the button to unsubscribe from all our messages."
	};
	static const char *const buttons[] = { NULL, "Yes, I'm still interested",
					       "Not interested", "Unsubscribe" };
	static const char *const done_text[] = {
		NULL,
		"Thank you: your answer, yes, you are still interested, is recorded.",
		"Thank you: your answer, not interested, is recorded.",
		"You are unsubscribed: you will get no more messages from us."
	};
	const char *method = getenv("REQUEST_METHOD"), *s = NULL;
	struct page p = { 200, "OK", "", "", "", NULL, NULL, NULL };
	unsigned char pk[32];
	struct respond r;
	int post, head;

	if (method == NULL || *method == '\0')
		method = "GET";
	post = strcmp(method, "POST") == 0;
	head = strcmp(method, "HEAD") == 0;
	if (!post && !head && strcmp(method, "GET") != 0) {
		p.status = 405;
		p.reason = "Method Not Allowed";
		p.result = "invalid";
		p.title = "Not allowed";
		p.text = "This address answers only GET and POST requests.";
		emit(&p, 0);
		return 0;
	}
	if (post)
		drain_body();
	if (pubkey(c, pk) < 0)
		goto fail;
	if (!respond_query_token(&c->a, getenv("QUERY_STRING"), RESPOND_TEXT_MAX * 4, &s))
		s = "";
	if (respond_check(&c->a, c->root, pk, s, c->now, &r, &c->err) < 0)
		goto fail;
	if (post && respond_record(c->root, &r, c->now, &c->err) < 0)
		goto fail;
	switch (r.outcome) {
	case RESPOND_ACCEPTED:
		p.result = "accepted";
		if (!post && !r.already) {
			p.title = ask[r.tok.answer];
			p.text = ask_text[r.tok.answer];
			p.button = buttons[r.tok.answer];
			p.token = s;
		} else {
			p.title = "Thank you";
			p.text = done_text[r.tok.answer];
		}
		break;
	case RESPOND_MOVED_ON:
		p.result = "moved-on";
		p.title = "Nothing to do";
		p.text = "Your progress has already advanced; nothing was changed.";
		break;
	case RESPOND_EXPIRED:
		p.status = 410;
		p.reason = "Gone";
		p.result = "expired";
		p.title = "This link has expired";
		p.text = "This link has expired; please log in to continue.";
		p.link = login_link(c);
		break;
	case RESPOND_INVALID:
		p.status = 400;
		p.reason = "Bad Request";
		p.result = "invalid";
		p.title = "This link is not valid";
		p.text = "This link is not valid: please check that you opened all of it. "
			 "Nothing was changed.";
		/* The server's log says why. */
		fprintf(stderr, "drip: respond: invalid link: %s\n", r.why);
		break;
	}
	emit(&p, head);
	return 0;
fail:
	p.status = 500;
	p.reason = "Internal Server Error";
	p.result = "error";
	p.title = "Something went wrong";
	p.text = "Your answer could not be looked at just now; please try again later.";
	emit(&p, head);
	return -1;
}

void
respond_cgi_unavailable(void)
{
	const char *method = getenv("REQUEST_METHOD");
	struct page p = { 500, "Internal Server Error", "error", "Something went wrong",
			  "Your answer could not be looked at just now; please try again later.",
			  NULL, NULL, NULL };

	if (method && strcmp(method, "POST") == 0)
		drain_body();
	emit(&p, method && strcmp(method, "HEAD") == 0);
}

int
cmd_respond(int argc, char **argv, struct cmd_ctx *c)
{
	int k;
	const char *gw = getenv("GATEWAY_INTERFACE");

	if (gw && *gw)
		return respond_cgi(c);
	if ((k = opts_parse(c, argc, argv, respond_opts, NULL, NULL)) < 0)
		return DRIP_EUSAGE;
	if (argc - k < 1)
		return usage_error(c, "missing token");
	if (argc - k > 1)
		return usage_error(c, "too many arguments: one token");
	return respond_cli(c, argv[k]);
}
