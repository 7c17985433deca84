/*
 * width.c - display width of UTF-8 text (width.h).
 *
 * Two sorted tables of ranges, searched by bisection: the characters that
 * take no column (combining marks, joiners, variation selectors) and those
 * that take two (East Asian Wide and Fullwidth, and the emoji shown as
 * pictures by default).  They cover what names, subjects and notes hold;
 * a rare character outside them counts as one column, which is also what
 * most terminals do with what they do not know.
 */
#include "width.h"

#include "sbuf.h"
#include "utf8.h"

struct range {
	uint32_t lo, hi;
};

static const struct range zero[] = {
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD }, { 0x05BF, 0x05BF },
	{ 0x05C1, 0x05C2 }, { 0x05C4, 0x05C5 }, { 0x05C7, 0x05C7 }, { 0x0610, 0x061A },
	{ 0x064B, 0x065F }, { 0x0670, 0x0670 }, { 0x06D6, 0x06DC }, { 0x06DF, 0x06E4 },
	{ 0x06E7, 0x06E8 }, { 0x06EA, 0x06ED }, { 0x0711, 0x0711 }, { 0x0730, 0x074A },
	{ 0x0900, 0x0902 }, { 0x093A, 0x093A }, { 0x093C, 0x093C }, { 0x0941, 0x0948 },
	{ 0x094D, 0x094D }, { 0x0951, 0x0957 }, { 0x0962, 0x0963 }, { 0x0E31, 0x0E31 },
	{ 0x0E34, 0x0E3A }, { 0x0E47, 0x0E4E }, { 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF },
	{ 0x200B, 0x200F }, { 0x202A, 0x202E }, { 0x2060, 0x2064 }, { 0x20D0, 0x20FF },
	{ 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F }, { 0xFEFF, 0xFEFF }, { 0x1F3FB, 0x1F3FF },
	{ 0xE0001, 0xE0001 }, { 0xE0020, 0xE007F }, { 0xE0100, 0xE01EF },
};

static const struct range wide[] = {
	{ 0x1100, 0x115F }, { 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x23E9, 0x23EC },
	{ 0x23F0, 0x23F0 }, { 0x23F3, 0x23F3 }, { 0x25FD, 0x25FE }, { 0x2614, 0x2615 },
	{ 0x2648, 0x2653 }, { 0x267F, 0x267F }, { 0x2693, 0x2693 }, { 0x26A1, 0x26A1 },
	{ 0x26AA, 0x26AB }, { 0x26BD, 0x26BE }, { 0x26C4, 0x26C5 }, { 0x26CE, 0x26CE },
	{ 0x26D4, 0x26D4 }, { 0x26EA, 0x26EA }, { 0x26F2, 0x26F3 }, { 0x26F5, 0x26F5 },
	{ 0x26FA, 0x26FA }, { 0x26FD, 0x26FD }, { 0x2705, 0x2705 }, { 0x270A, 0x270B },
	{ 0x2728, 0x2728 }, { 0x274C, 0x274C }, { 0x274E, 0x274E }, { 0x2753, 0x2755 },
	{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x27B0, 0x27B0 }, { 0x27BF, 0x27BF },
	{ 0x2B1B, 0x2B1C }, { 0x2B50, 0x2B50 }, { 0x2B55, 0x2B55 }, { 0x2E80, 0x303E },
	{ 0x3041, 0x33FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF },
	{ 0xA960, 0xA97F }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE10, 0xFE19 },
	{ 0xFE30, 0xFE6F }, { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x16FE0, 0x16FE4 },
	{ 0x17000, 0x18CFF }, { 0x1B000, 0x1B2FF }, { 0x1F004, 0x1F004 }, { 0x1F0CF, 0x1F0CF },
	{ 0x1F18E, 0x1F18E }, { 0x1F191, 0x1F19A }, { 0x1F200, 0x1F251 }, { 0x1F300, 0x1F320 },
	{ 0x1F32D, 0x1F335 }, { 0x1F337, 0x1F37C }, { 0x1F37E, 0x1F393 }, { 0x1F3A0, 0x1F3CA },
	{ 0x1F3CF, 0x1F3D3 }, { 0x1F3E0, 0x1F3F0 }, { 0x1F3F4, 0x1F3F4 }, { 0x1F3F8, 0x1F3FA },
	{ 0x1F400, 0x1F43E }, { 0x1F440, 0x1F440 }, { 0x1F442, 0x1F4FC }, { 0x1F4FF, 0x1F53D },
	{ 0x1F54B, 0x1F54E }, { 0x1F550, 0x1F567 }, { 0x1F57A, 0x1F57A }, { 0x1F595, 0x1F596 },
	{ 0x1F5A4, 0x1F5A4 }, { 0x1F5FB, 0x1F64F }, { 0x1F680, 0x1F6C5 }, { 0x1F6CC, 0x1F6CC },
	{ 0x1F6D0, 0x1F6D2 }, { 0x1F6D5, 0x1F6D7 }, { 0x1F6DC, 0x1F6DF }, { 0x1F6EB, 0x1F6EC },
	{ 0x1F6F4, 0x1F6FC }, { 0x1F7E0, 0x1F7EB }, { 0x1F7F0, 0x1F7F0 }, { 0x1F90C, 0x1F93A },
	{ 0x1F93C, 0x1F945 }, { 0x1F947, 0x1F9FF }, { 0x1FA70, 0x1FAFF }, { 0x20000, 0x2FFFD },
	{ 0x30000, 0x3FFFD },
};

static int
in(const struct range *r, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;

	if (cp < r[0].lo || cp > r[n - 1].hi)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp > r[mid].hi)
			lo = mid + 1;
		else if (cp < r[mid].lo)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

int
width_cp(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return 0;
	if (cp < 0x300)
		return 1;
	if (in(zero, sizeof zero / sizeof *zero, cp))
		return 0;
	if (in(wide, sizeof wide / sizeof *wide, cp))
		return 2;
	return 1;
}

size_t
width_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = utf8_char_len(s, n), k;

	if (len == 0) {
		*cp = 0xFFFD;
		return 1;
	}
	if (len == 1) {
		*cp = u[0];
		return 1;
	}
	*cp = u[0] & (0xFF >> (len + 1));
	for (k = 1; k < len; k++)
		*cp = *cp << 6 | (u[k] & 0x3F);
	return len;
}

size_t
width_str(const char *s)
{
	size_t n = 0, len = 0, w = 0;
	uint32_t cp;

	while (s[len])
		len++;
	while (n < len) {
		n += width_decode(s + n, len - n, &cp);
		w += (size_t)width_cp(cp);
	}
	return w;
}

/* The display form of the character at s (n bytes left) into buf (NULL:
 * only measure): a control character as a visible escape, a byte that is
 * not UTF-8 as U+FFFD.  *used receives the bytes consumed; returns the
 * columns. */
static size_t
display(const char *s, size_t n, size_t *used, struct sbuf *buf)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t cp;
	size_t k = width_decode(s, n, &cp);

	*used = k;
	if (cp < 0x20 || cp == 0x7F) {
		char e[5] = { '\\', 'x', hex[(cp >> 4) & 0xF], hex[cp & 0xF], '\0' };

		if (cp == '\n' || cp == '\t' || cp == '\r') {
			e[1] = cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r';
			e[2] = '\0';
		}
		if (buf)
			sbuf_adds(buf, e);
		return e[2] ? 4 : 2;
	}
	if (buf) {
		if (cp == 0xFFFD && k == 1)
			sbuf_adds(buf, "\xef\xbf\xbd");
		else
			sbuf_add(buf, s, k);
	}
	return (size_t)width_cp(cp);
}

size_t
width_clean(struct sbuf *out, const char *s, size_t max)
{
	size_t n = 0, len = 0, w = 0, k, cw;

	while (s[len])
		len++;
	if (max) {
		size_t total = 0;

		for (n = 0; n < len; n += k)
			total += display(s + n, len - n, &k, NULL);
		n = 0;
		if (total > max) {
			/* Cut: as much as fits before the one-column ellipsis. */
			while (n < len) {
				cw = display(s + n, len - n, &k, NULL);
				if (w + cw + 1 > max)
					break;
				display(s + n, len - n, &k, out);
				w += cw;
				n += k;
			}
			if (out)
				sbuf_adds(out, "\xe2\x80\xa6");
			return w + 1;
		}
	}
	for (n = 0; n < len; n += k)
		w += display(s + n, len - n, &k, out);
	return w;
}
