#!/bin/sh
# report-page.sh: the page `tally report` writes: every PNG in the folder is linked and is
# a whole, valid PNG; every chart is drawn in the page as well-formed SVG with ids of its
# own, a label and marks; each names the imports it was made from; names from the data are
# escaped; and, when chromium is installed, the page renders with its charts (not blank)
# and its script ran.
. "$top_srcdir/tests/lib.sh"

# A source whose path needs escaping, and personal data so time charts are drawn too.
cp "$SAMPLES/cloud-scan.oL" "$TMP/scan <&> 'x'.oL"
"$TALLY" import "$TMP/scan <&> 'x'.oL" 2>/dev/null
"$TALLY" import --owner me@example.org "$SAMPLES/calendar.ics" 2>/dev/null
check "report writes a folder" "$TALLY" report -o "$TMP/r"
PAGE="$TMP/r/index.html"

missing=""
for png in "$TMP"/r/*.png; do
    name=$(basename "$png")
    grep -q "<a href=\"$name\"" "$PAGE" || missing="$missing $name"
done
check_eq "index.html links every PNG in the folder" "$missing" ""
check_eq "as many charts drawn as PNG files" "$(grep -c '<svg [^>]*class="chart"' "$PAGE")" \
    "$(ls "$TMP"/r/*.png | wc -l | tr -d ' ')"

# Every chunk's CRC, IHDR first, IEND last, and the pixel data inflating to exactly the
# size IHDR promises.
check "every PNG is whole and valid" "$PYTHON3" - "$TMP"/r/*.png <<'PY'
import struct, sys, zlib
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path + ": no PNG signature"
    pos, chunks, idat = 8, [], b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, "%s: bad CRC in %s" % (path, kind)
        chunks.append(kind)
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND", path + ": chunk order"
    assert w > 0 and h > 0, path + ": empty image"
    row = 1 + (w * CHANNELS[colour] * depth + 7) // 8
    assert len(zlib.decompress(idat)) == h * row, path + ": pixel data size"
PY

check "every chart in the page is well-formed SVG, labelled, with marks and ids of its own" \
    "$PYTHON3" - "$PAGE" <<'PY'
import re, sys
import xml.etree.ElementTree as ET
page = open(sys.argv[1], encoding="utf-8").read()
charts = re.findall(r'<svg [^>]*class="chart".*?</svg>', page, re.S)
assert len(charts) > 3, len(charts)
ids = re.findall(r' id="([^"]*)"', page)
assert len(ids) == len(set(ids)), "ids repeated: %r" % sorted(i for i in set(ids) if ids.count(i) > 1)[:5]
for refs in re.findall(r'(?:href="#|url\(#)([^")]*)', page):
    assert refs in ids or refs.startswith("t") or refs == "sources", "dangling reference #" + refs
S = "{http://www.w3.org/2000/svg}"
for text in charts:
    svg = ET.fromstring(text)
    assert svg.tag == S + "svg", svg.tag
    assert svg.get("aria-label", "").startswith("Chart: "), svg.attrib
    assert svg.get("width").replace(".", "").isdigit() and svg.get("viewBox"), svg.attrib
    marks = [m for m in svg.iter() if m.get("class") == "mark"]
    assert marks, svg.get("aria-label") + ": no marks"
    assert [m.get("tabindex") for m in marks].count("0") == 1, "one mark in the tab order"
    for m in marks:
        assert re.match(r".*: -?[0-9,.]+$", m.get("aria-label", "")), m.attrib
        float(m.get("data-value"))
PY

check "every section has a heading" "$PYTHON3" - "$PAGE" <<'PY'
import sys
from html.parser import HTMLParser
class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.headings = 0, 0
    def handle_starttag(self, tag, attrs):
        self.sections += tag == "section"
        self.headings += tag == "h2"
p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
assert p.sections > 3 and p.headings == p.sections + 1, (p.sections, p.headings)
PY
check "each chart names the imports it was made from" "$PYTHON3" - "$PAGE" <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
sections = dict(re.findall(r'<section id="t\d+-([a-z-]+)">(.*?)</section>', page, re.S))
def made_from(name):
    m = re.search(r'<summary>Made from (\d+) imports?: (.*?)</summary>', sections[name])
    assert m, name + ": no provenance"
    return m.group(2)
assert made_from("ports") == "scan &lt;&amp;&gt; &#39;x&#39;.oL", made_from("ports")
assert made_from("meetings-per-day") == "calendar.ics", made_from("meetings-per-day")
assert made_from("meeting-hours") == "calendar.ics", made_from("meeting-hours")
PY
check "the source path is escaped" grep -q "scan &lt;&amp;&gt; &#39;x&#39;.oL" "$PAGE"
check_eq "no raw markup from the data" "$(grep -c "<&>" "$PAGE")" "0"
check_eq "one script, in the page, and no script from elsewhere" \
    "$(grep -c '<script>' "$PAGE") $(grep -ci '<script [^>]*src' "$PAGE")" "1 0"
check "ports are shown without thousands separators" grep -q '<td class="num">9543</td>' "$PAGE"

# The page as chromium renders it.
require CHROMIUM='chromium|chromium-browser|google-chrome' python3:PIL
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$TMP/chromium" --window-size=1100,2400 \
    --screenshot="$TMP/shot.png" "file://$PAGE" >"$TMP/chromium.log" 2>&1
check "chromium renders the page" test -s "$TMP/shot.png"
# Not blank, and the charts were loaded: the palette's first colour (Okabe-Ito blue,
# 0072B2) covers a real area, which a broken-image icon would not.
check "the rendered page shows text and charts" "$PYTHON3" - "$TMP/shot.png" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
px = im.getdata()
ink = sum(1 for p in px if sum(p) < 600)
blue = sum(1 for (r, g, b) in px if abs(r - 0x00) < 24 and abs(g - 0x72) < 24 and abs(b - 0xB2) < 24)
assert ink > len(px) // 200, "almost blank: %d dark pixels" % ink
assert blue > 2000, "no chart colour on the page: %d pixels" % blue
PY

# The script ran: chromium prints the page as its script left it.
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --virtual-time-budget=10000 \
    --user-data-dir="$TMP/chromium" --dump-dom "file://$PAGE" \
    >"$TMP/dom.html" 2>"$TMP/chromium-dom.log"
check_eq "chromium ran the page's script" "$(grep -c '<body data-ready="yes"' "$TMP/dom.html")" 1
check "the subnets table has its search box" \
    "$PYTHON3" -c 'import re, sys; s = open(sys.argv[1], encoding="utf-8").read(); assert re.search(r"<section id=\"t\d+-subnets\">(?:(?!</section>).)*<input type=\"search\"", s, re.S)' \
    "$TMP/dom.html"
done_testing
