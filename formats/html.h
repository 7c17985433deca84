/*
 * html.h - text into HTML: the one escape every page drip writes uses
 * (the report's HTML format, the page `drip respond` serves as CGI).
 */
#ifndef DRIP_FORMATS_HTML_H
#define DRIP_FORMATS_HTML_H

#include "sbuf.h"

/* s onto out with & < > " ' as entities, so it is safe in element
 * content and in quoted attribute values alike. */
void html_escape(struct sbuf *out, const char *s);

#endif
