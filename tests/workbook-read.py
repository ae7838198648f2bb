#!/usr/bin/python3
"""workbook-read.py: reads an XLSX file with openpyxl and checks it against a JSON spec.

Usage: workbook-read.py FILE.xlsx SPEC.json [PART...]

PART is "sheets" (the sheet names in order, and the document properties) or a sheet
name; without PART everything in the spec is checked. Prints one "# ..." line per unmet
expectation and exits 1 if any, 0 when all hold, 77 when openpyxl is not installed.

Spec:
  {"sheets": ["name", ...],
   "created": "YYYY-MM-DD HH:MM:SS",      the creation time in the document properties
   "sheet": {"name": {
       "header": ["col", ...],            row 1, left to right
       "cells": {"A2": value, ...},       values; dates as "YYYY-MM-DD HH:MM:SS"
       "strings": ["A2", ...],            cells that must hold text (data_type "s")
       "numbers": ["B2", ...],            cells that must hold numbers (data_type "n")
       "formats": {"B2": "#,##0", ...},   number formats
       "lengths": {"B8": 32767, ...},     text lengths in characters
       "endings": {"B8": "x\u2026"},       how text ends
       "frozen": "A2", "autofilter": "A1:B13",
       "max_width": 60,                   every set column width at most this
       "widths": {"A": [min, max]},
       "charts": [{"type": "BarChart", "barDir": "bar", "grouping": "stacked",
                   "series": 2, "title": "...", "x_title": "...", "y_title": "...",
                   "reversed": true, "gap": 0}],
       "images": 1}}}
"""
import json
import sys

try:
    import openpyxl
except ImportError:
    print("# openpyxl is not installed")
    sys.exit(77)

failures = []


def fail(msg):
    failures.append(msg)


def rich_text(title):
    """The plain text of an openpyxl chart or axis title, or None."""
    if title is None or title.tx is None or title.tx.rich is None:
        return None
    return "".join(run.t for p in title.tx.rich.p for run in (p.r or []))


def value_text(v):
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    return v


def check_chart(name, i, chart, want):
    where = "%s: chart %d" % (name, i + 1)
    kind = type(chart).__name__
    if "type" in want and kind != want["type"]:
        fail("%s: type %s, want %s" % (where, kind, want["type"]))
    if "barDir" in want and getattr(chart, "type", None) != want["barDir"]:
        fail("%s: bar direction %r, want %r" % (where, getattr(chart, "type", None),
                                               want["barDir"]))
    if "grouping" in want and getattr(chart, "grouping", None) != want["grouping"]:
        fail("%s: grouping %r, want %r" % (where, getattr(chart, "grouping", None),
                                          want["grouping"]))
    if "series" in want and len(chart.series) != want["series"]:
        fail("%s: %d series, want %d" % (where, len(chart.series), want["series"]))
    if "title" in want and rich_text(chart.title) != want["title"]:
        fail("%s: title %r, want %r" % (where, rich_text(chart.title), want["title"]))
    if "x_title" in want and rich_text(chart.x_axis.title) != want["x_title"]:
        fail("%s: category axis title %r, want %r" % (where, rich_text(chart.x_axis.title),
                                                      want["x_title"]))
    if "y_title" in want and rich_text(chart.y_axis.title) != want["y_title"]:
        fail("%s: value axis title %r, want %r" % (where, rich_text(chart.y_axis.title),
                                                   want["y_title"]))
    if "reversed" in want:
        got = chart.x_axis.scaling.orientation == "maxMin"
        if got != want["reversed"]:
            fail("%s: categories reversed %r, want %r" % (where, got, want["reversed"]))
    if "gap" in want and getattr(chart, "gapWidth", None) != want["gap"]:
        fail("%s: gap %r, want %r" % (where, getattr(chart, "gapWidth", None), want["gap"]))
    if "labels" in want:
        got = [bool(s.dLbls is not None and s.dLbls.showVal) for s in chart.series]
        if got != [want["labels"]] * len(chart.series):
            fail("%s: values on the bars %r, want %r for every series" % (where, got,
                                                                         want["labels"]))
    if "series_names" in want:
        got = []
        for s in chart.series:
            ref = s.tx.strRef if s.tx is not None else None
            cache = ref.strCache if ref is not None else None
            got.append(cache.pt[0].v if cache is not None and cache.pt else None)
        if got != want["series_names"]:
            fail("%s: series names %r, want %r" % (where, got, want["series_names"]))


def check_sheet(wb, name, spec):
    if name not in wb.sheetnames:
        fail("no sheet %r (have %r)" % (name, wb.sheetnames))
        return
    ws = wb[name]
    if "header" in spec:
        got = [c.value for c in ws[1]][:len(spec["header"])]
        if got != spec["header"]:
            fail("%s: header %r, want %r" % (name, got, spec["header"]))
        for c in ws[1][:len(spec["header"])]:
            if not c.font or not c.font.b:
                fail("%s: header cell %s is not bold" % (name, c.coordinate))
    for ref, want in spec.get("cells", {}).items():
        got = value_text(ws[ref].value)
        if got != want:
            fail("%s!%s: %r, want %r" % (name, ref, got, want))
    for ref in spec.get("strings", []):
        if ws[ref].data_type != "s":
            fail("%s!%s: data type %r, want text 's' (value %r)"
                 % (name, ref, ws[ref].data_type, ws[ref].value))
    for ref in spec.get("numbers", []):
        if ws[ref].data_type != "n":
            fail("%s!%s: data type %r, want number 'n'" % (name, ref, ws[ref].data_type))
    for ref, want in spec.get("formats", {}).items():
        if ws[ref].number_format != want:
            fail("%s!%s: format %r, want %r" % (name, ref, ws[ref].number_format, want))
    for ref, want in spec.get("lengths", {}).items():
        v = ws[ref].value
        got = len(v) if isinstance(v, str) else None
        if got != want:
            fail("%s!%s: length %r, want %r" % (name, ref, got, want))
    for ref, want in spec.get("endings", {}).items():
        v = ws[ref].value
        if not isinstance(v, str) or not v.endswith(want):
            fail("%s!%s: %r does not end with %r"
                 % (name, ref, v[-10:] if isinstance(v, str) else v, want))
    if "frozen" in spec and ws.freeze_panes != spec["frozen"]:
        fail("%s: frozen panes %r, want %r" % (name, ws.freeze_panes, spec["frozen"]))
    if "autofilter" in spec and ws.auto_filter.ref != spec["autofilter"]:
        fail("%s: autofilter %r, want %r" % (name, ws.auto_filter.ref, spec["autofilter"]))
    if "max_width" in spec:
        for letter, dim in ws.column_dimensions.items():
            if dim.width and dim.width > spec["max_width"] + 1:
                fail("%s: column %s width %.1f over %s" % (name, letter, dim.width,
                                                          spec["max_width"]))
    for letter, (lo, hi) in spec.get("widths", {}).items():
        w = ws.column_dimensions[letter].width
        if not w or w < lo or w > hi:
            fail("%s: column %s width %r, want %s..%s" % (name, letter, w, lo, hi))
    charts = spec.get("charts")
    if charts is not None:
        if len(ws._charts) != len(charts):
            fail("%s: %d charts, want %d" % (name, len(ws._charts), len(charts)))
        for i, (chart, want) in enumerate(zip(ws._charts, charts)):
            check_chart(name, i, chart, want)
    if "images" in spec and len(ws._images) != spec["images"]:
        fail("%s: %d images, want %d" % (name, len(ws._images), spec["images"]))


def main():
    if len(sys.argv) < 3:
        print("usage: workbook-read.py FILE.xlsx SPEC.json [PART...]", file=sys.stderr)
        return 2
    with open(sys.argv[2], encoding="utf-8") as f:
        spec = json.load(f)
    parts = sys.argv[3:]
    try:
        wb = openpyxl.load_workbook(sys.argv[1])
    except Exception as e:  # any reader error means the file is not a valid workbook
        print("# %s: openpyxl cannot read it: %s" % (sys.argv[1], e))
        return 1
    if (not parts or "sheets" in parts) and "sheets" in spec:
        if wb.sheetnames != spec["sheets"]:
            fail("sheets %r, want %r" % (wb.sheetnames, spec["sheets"]))
    if (not parts or "sheets" in parts) and "created" in spec:
        got = value_text(wb.properties.created)
        if got != spec["created"]:
            fail("created %r, want %r" % (got, spec["created"]))
    for name, sheet in spec.get("sheet", {}).items():
        if not parts or name in parts:
            check_sheet(wb, name, sheet)
    for name in parts:
        if name != "sheets" and name not in spec.get("sheet", {}):
            fail("the spec says nothing about %r" % name)
    for msg in failures:
        print("# " + msg)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
