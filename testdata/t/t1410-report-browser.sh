#!/bin/sh
# The HTML report in a real browser: headless Chromium (Debian's chromium,
# in the Makefile's TEST_PKGS) renders `drip report seq --format html` of
# the fixture workspace at a phone's width, to a screenshot and to its DOM.
# The page must render (a PNG that is not one flat colour), hold its SVG
# charts with one bar per step, and log no console error.
. "$(dirname "$0")/lib.sh"

BROWSER=
for b in chromium chromium-browser; do
	if command -v "$b" >/dev/null 2>&1; then
		BROWSER=$b
		break
	fi
done
if [ -z "$BROWSER" ]; then
	test_skip "HTML report in a browser" "chromium not installed (make check installs it)"
	test_done
fi

. "$DATA_DIR/report/fixture.sh" >fixture.out 2>&1 || { cat fixture.out; echo "Bail out! fixture"; exit 1; }
drip -C ws --now 2026-11-06T09:00:00Z report seq welcome --format html >seq.html
drip -C ws --now 2026-11-06T09:00:00Z report --format html >overview.html

# chrome ARGS...: one headless run with its own profile, logging to stderr.
chrome() {
	timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$TRASH/profile" --enable-logging=stderr --v=0 "$@"
}

# png_stats FILE: "WIDTH HEIGHT DISTINCT" - the colours of the decoded PNG
# (8-bit RGB or RGBA, what Chromium writes), with zlib only.
png_stats() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6), (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = set()
i = 0
for y in range(h):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 2):
            colours.add(bytes(line[x:x + 3]))
    prev = line
print(w, h, len(colours))
PY
}

test_expect_success "$BROWSER renders the seq report at a phone's width to a PNG" '
	chrome --screenshot="$TRASH/seq.png" --window-size=412,1600 \
		"file://$TRASH/seq.html" >shot.out 2>shot.err &&
	test -s seq.png &&
	png_stats seq.png >stats &&
	read w h n <stats &&
	test "$w" = 412 && test "$h" = 1600 &&
	test "$n" -ge 3 || { cat stats shot.err >&2; exit 1; }
'

test_expect_success 'the page is not blank: text, bars and background differ' '
	read w h n <stats &&
	test "$n" -ge 10
'

test_expect_success 'the rendered DOM holds the charts: one funnel bar per step' '
	chrome --dump-dom "file://$TRASH/seq.html" >dom 2>dom.err &&
	test_grep "<svg class=\"chart\"" dom &&
	test "$(sed -n "/<section id=\"steps\">/,/<\/section>/p" dom | grep -o "<rect [^>]*class=\"bar\"" | wc -l)" = 3 &&
	test_grep "<section id=\"days\">" dom
'

test_expect_success 'no console errors while rendering' '
	chrome --dump-dom "file://$TRASH/overview.html" >dom2 2>console.err &&
	test_grep "<svg class=\"chart\"" dom2 &&
	cat shot.err dom.err console.err >all.err &&
	! grep -E "CONSOLE|Uncaught|console\(" all.err &&
	! grep -E ":ERROR:.*(file://|net::ERR|Refused to)" all.err
'

test_done
