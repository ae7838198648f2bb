#!/bin/sh
# report-page.sh: the page `tally report` writes: every PNG in the folder is shown and is a
# whole, valid PNG; every <img> names a file of the folder that is a valid PNG or SVG, and
# has alt text and a size; names from the data are escaped; and, when chromium is
# installed, the page renders with its charts (not blank) and every image loaded.
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
    grep -q "<img src=\"$name\"" "$PAGE" || missing="$missing $name"
done
check_eq "index.html shows every PNG in the folder" "$missing" ""
check_eq "as many images as PNG files" "$(grep -c '<img ' "$PAGE")" \
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

check "every <img> is a file in the folder, a valid PNG or SVG" "$PYTHON3" - "$PAGE" <<'PY'
import os, sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
class Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.src = []
    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.src.append(dict(attrs).get("src", ""))
p = Images()
p.feed(open(sys.argv[1], encoding="utf-8").read())
folder = os.path.dirname(sys.argv[1])
assert len(p.src) > 3, p.src
for src in p.src:
    assert src and "/" not in src and ":" not in src, "not a file of the folder: %r" % src
    path = os.path.join(folder, src)
    assert os.path.isfile(path), "missing: " + src
    data = open(path, "rb").read()
    if src.endswith(".png"):
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", src + ": not a PNG"
    elif src.endswith(".svg"):
        assert ET.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg", src + ": not an SVG"
    else:
        raise AssertionError("neither PNG nor SVG: " + src)
PY

check "every <img> has alt text, a width and a height, and each section a heading" \
    "$PYTHON3" - "$PAGE" <<'PY'
import sys
from html.parser import HTMLParser
class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad, self.sections, self.headings = [], 0, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and not (a.get("alt") and a.get("width", "").isdigit()
                                 and a.get("height", "").isdigit()):
            self.bad.append(a)
        self.sections += tag == "section"
        self.headings += tag == "h2"
p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
assert not p.bad, p.bad
assert p.sections > 3 and p.headings == p.sections + 1, (p.sections, p.headings)
PY
check "the source path is escaped" grep -q "scan &lt;&amp;&gt; &#39;x&#39;.oL" "$PAGE"
check_eq "no raw markup from the data" "$(grep -c "<&>" "$PAGE")" "0"
check_eq "no scripts" "$(grep -ci '<script' "$PAGE")" "0"
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

# Every image loaded: a copy of the page beside it (same folder, same relative links) with
# a script that marks each <img> by its decoded width once the page has loaded; chromium
# prints the DOM after that. A missing or undecodable file has no width (a truncated PNG
# still has its header's: the PNG check above catches that).
sed 's|</body>|<script>window.addEventListener("load", function () { document.querySelectorAll("img").forEach(function (i) { i.setAttribute("data-loaded", i.complete \&\& i.naturalWidth > 0 ? "yes" : "no"); }); document.body.setAttribute("data-checked", "yes"); });</script></body>|' \
    "$PAGE" > "$TMP/r/loaded-check.html"
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --virtual-time-budget=10000 \
    --user-data-dir="$TMP/chromium" --dump-dom "file://$TMP/r/loaded-check.html" \
    >"$TMP/dom.html" 2>"$TMP/chromium-dom.log"
check_eq "chromium ran the check after the page loaded" \
    "$(grep -c 'data-checked="yes"' "$TMP/dom.html")" 1
check_eq "every image loaded in chromium (none broken)" \
    "$(grep -o '<img [^>]*>' "$TMP/dom.html" | grep -c 'data-loaded="yes"') $(grep -o '<img [^>]*>' "$TMP/dom.html" | grep -vc 'data-loaded="yes"')" \
    "$(grep -c '<img ' "$PAGE") 0"
done_testing
