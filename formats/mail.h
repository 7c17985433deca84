/*
 * mail.h - writing RFC 5322 messages safely, and reading their encodings
 * back (SPEC §6, §7, §12).
 *
 * Everything here appends to a struct sbuf and uses LF line ends, as
 * Maildir files and "sendmail -t -i" expect.  Nothing that a contact can
 * put into a value can start a header line: header values lose CR, LF and
 * the other control characters, and every folded line starts with a blank.
 * Output never depends on the locale.
 */
#ifndef DRIP_FORMATS_MAIL_H
#define DRIP_FORMATS_MAIL_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct sbuf;

/* Line lengths, RFC 5322 §2.1.1 and RFC 2045 §6.7. */
#define MAIL_LINE_SOFT 78	/* header lines are folded to stay within this */
#define MAIL_LINE_HARD 998	/* no line of a message may be longer */
#define MAIL_QP_LINE 76		/* quoted-printable line length */
#define MAIL_WORD_MAX 75	/* an RFC 2047 encoded-word */

/* Buffer sizes that are always enough. */
#define MAIL_DATE_SIZE 48	/* mail_date, any 64-bit instant */
#define MAIL_HASH_SIZE 33	/* mail_message_hash: 32 hex digits and NUL */

/* ---- headers ---- */

/*
 * Append "Name: value\n" with value made safe: every CR and LF (and the
 * other C0 controls but TAB, and DEL) replaced by a space so nothing can
 * inject a header; leading and trailing blanks are dropped.  If the value
 * has non-ASCII bytes it is RFC 2047-encoded (UTF-8, Q encoding when that
 * is no longer than B, else B; encoded-words at most 75 chars, never
 * splitting a character, folded onto continuation lines so no line exceeds
 * 78 chars).  Bytes that are not valid UTF-8 become U+FFFD.  An ASCII value
 * that contains "=?" is encoded too, so that no reader decodes text that
 * was never encoded.  Long ASCII values are folded at blanks, keeping the
 * blanks exactly; a word longer than a line stays whole on its own line
 * (URLs in List-Unsubscribe must not be split), unless that line would pass
 * 998 bytes, in which case the value is encoded instead.  An empty value
 * gives "Name:\n".  Characters of name outside '!'..'~' and ':' become '-'
 * (an empty or NULL name becomes "X-Unnamed"), so a name cannot break the
 * header either.
 */
void mail_header(struct sbuf *out, const char *name, const char *value);

/*
 * An address header (From, To, Reply-To, Cc): value is "Display Name
 * <addr@host>" or "addr@host" or a comma list of those; only display names
 * are RFC 2047-encoded (quoted when they contain specials), the addr-spec is
 * never encoded; CR/LF removed.  Returns 0, or -1 if an address is
 * malformed (no @, spaces, control chars, angle brackets unbalanced) with
 * why filled; out is then unchanged.
 *
 * Details: a display name may be written quoted ("Doe, Jane" <j@x>) or not;
 * a list element with no "@" at all is joined to the next one, so an
 * unquoted Doe, Jane <j@x> is one address.  Blanks and control characters
 * in a display name become single spaces.  The addr-spec is checked: one
 * "@", a dot-atom local part and a domain of letters, digits, "-" and dots,
 * at most 254 chars; non-ASCII addresses (RFC 6532) are refused, since the
 * message would need SMTPUTF8.  why (whylen bytes) may be NULL; its text is lower case and
 * quotes the offending address, control characters shown as "?".  The list
 * is folded after commas and between words so no line exceeds 78 chars
 * (a single addr-spec longer than that stays whole; a display name too long
 * for a line is encoded, so that it can be split).
 */
int mail_address_header(struct sbuf *out, const char *name, const char *value,
			char *why, size_t whylen);

/*
 * Can drip deliver to the bare address s[0..n) ("local@domain", no display
 * name)?  This is the one check for addresses that enter contacts.csv
 * (import, add, set) and for those the engine is about to send to.
 * Returns 0, or one of the negative MAIL_ADDR_* codes below with *reason
 * (if reason is not NULL) set to a short static phrase to follow the
 * address in a message: "has no \"@\"", "is not ASCII (...)".
 *
 * Accepted: printable ASCII only, at most 254 characters; exactly one "@";
 * a non-empty local part that is a dot-atom (RFC 5322 atext
 * and single inner dots, no quoted strings); a domain of one or more
 * labels of 1 to 63 letters, digits and hyphens, no hyphen at either end
 * (single-label domains such as "localhost" pass; no [address] literals).
 * Non-ASCII addresses are refused rather than converted: drip implements
 * neither IDNA nor SMTPUTF8, so an international domain must be written in
 * its ASCII form (xn--...), and a non-ASCII local part cannot be sent.
 */
enum {
	MAIL_ADDR_EMPTY = -1,		/* nothing at all */
	MAIL_ADDR_LONG = -2,		/* more than 254 characters */
	MAIL_ADDR_CTL = -3,		/* a control character: CR, LF, NUL, DEL... */
	MAIL_ADDR_SPACE = -4,		/* a space or a tab */
	MAIL_ADDR_NONASCII = -5,	/* a byte >= 0x80 (IDN, SMTPUTF8) */
	MAIL_ADDR_SYNTAX = -6,		/* no "@", or more than one */
	MAIL_ADDR_LOCAL = -7,		/* empty or malformed local part */
	MAIL_ADDR_DOMAIN = -8		/* empty or malformed domain */
};
int mail_addr_check(const char *s, size_t n, const char **reason);

/* The domain part of an address or "Name <a@b>" value (the first one of a
 * list), lower-cased and allocated in a, or NULL when value is not a valid
 * address by mail_address_header's rules. */
const char *mail_domain(struct arena *a, const char *address);

/* ---- bodies ---- */

/*
 * Body: UTF-8 text with LF line ends.  If every line is ASCII and at most
 * 998 bytes, append it as is (7bit) and return 0; else append quoted-
 * printable (RFC 2045: =XX, soft line breaks "=\n" keeping lines <= 76,
 * trailing space/tab encoded) and return 1.  The caller writes the matching
 * Content-Transfer-Encoding header.  A NUL or CR byte also makes a body
 * quoted-printable, since 7bit allows neither (the body's lines end in LF).
 * In quoted-printable, the "F" of a line that starts with "From " is
 * encoded too, so that the message survives a trip through an mbox file.
 * The bytes are kept exactly: no newline is added or removed.
 */
int mail_body(struct sbuf *out, const char *body, size_t len);
/* Would mail_body encode this body?  1 or 0. */
int mail_body_needs_qp(const char *body, size_t len);

/* ---- decoders, for tests and for tools that read messages back ---- */

/*
 * Quoted-printable to bytes, appended to out: "=XX" (either case), soft
 * line breaks "=\n" or "=\r\n" (blanks after the "=" allowed), blanks at
 * the end of a line dropped (a transport may have added them), CRLF made
 * LF.  Returns 0, or -1 when an "=" starts no valid escape; the "=" is then
 * kept as it is and decoding goes on.
 */
int mail_qp_decode(const char *in, size_t len, struct sbuf *out);

/*
 * RFC 2047 decode of a header value (without its "Name:"), appended to out.
 * Line breaks are removed (unfolding); blanks between two adjacent
 * encoded-words are dropped.  Charsets UTF-8, US-ASCII and ISO-8859-1
 * (converted to UTF-8) are understood, with or without an RFC 2231 language
 * suffix.  Returns 0, or -1 when an encoded-word is malformed or in another
 * charset; it is then copied as it is and decoding goes on.
 */
int mail_decode_words(const char *in, struct sbuf *out);

/* ---- dates and identifiers ---- */

/*
 * RFC 5322 date from a UTC instant (seconds since the epoch): "Tue, 24 Nov
 * 2026 10:20:00 +0000" (C locale names, no strftime, proleptic Gregorian).
 * MAIL_DATE_SIZE bytes are always enough; if buf (n bytes) is too small it
 * is set to "" rather than to a truncated date.
 */
void mail_date(int64_t t, char *buf, size_t n);

/*
 * The hash behind a Message-ID: BLAKE2b-128 (libsodium crypto_generichash)
 * of the parts joined with NUL bytes (a NULL part counts as ""), as 32
 * lower-case hex digits.  The outbox names its files with it (SPEC §7).
 * If hex (n bytes) is shorter than MAIL_HASH_SIZE it is set to "".
 */
void mail_message_hash(const char *const *parts, size_t nparts, char *hex, size_t n);

/*
 * Deterministic Message-ID: BLAKE2b-128 (libsodium crypto_generichash) of
 * the parts joined with NUL bytes, as "<HEX32@domain>" (mail_message_hash's
 * digits); domain from the From address's domain (see mail_domain) or
 * "drip.invalid" if none, or if it is not letters, digits, "-" and dots.
 * parts = contact, sequence, step-or-automation, slot (decimal), recipient
 * (SPEC §7).  If buf (n bytes) is too small it is set to "".
 */
void mail_message_id(const char *const *parts, size_t nparts, const char *domain,
		     char *buf, size_t n);

#endif
