#!/usr/bin/env python3
"""svg-text.py: prints the text of an SVG, one string per line: <text> elements and, for
SVGs whose glyphs are drawn as paths, the <title>/<desc> and aria-label strings that
carry the same words."""
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
seen = set()
for el in root.iter():
    tag = el.tag.split('}')[-1]
    texts = []
    if tag in ("text", "title", "desc", "tspan"):
        texts.append("".join(el.itertext()))
    for key, value in el.attrib.items():
        if key.split('}')[-1] == "aria-label":
            texts.append(value)
    for t in texts:
        t = t.strip()
        if t:
            print(t)
