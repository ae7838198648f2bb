#!/bin/sh
# workbook.sh: `tally workbook` end to end, read back with openpyxl (python3-openpyxl):
# a sheet per analysis with its values, bold frozen header, autofilter, native charts or
# images, Summary and Sources sheets; a banner that looks like a formula stays text.
. "$top_srcdir/tests/lib.sh"

require python3:openpyxl
"$TALLY" import "$SAMPLES/cloud-scan.oL" 2>/dev/null
# A web server whose Server header is a spreadsheet formula.
printf 'open tcp 80 192.0.2.99 1389312000\nbanner tcp 80 192.0.2.99 1389312000 http.server =HYPERLINK("http://example.invalid","x")\n' > "$TMP/formula.oL"
"$TALLY" import "$TMP/formula.oL" 2>/dev/null
"$TALLY" import --owner alex@candidate.example "$SAMPLES/calendar.ics" 2>/dev/null

check "workbook with chosen analyses" "$TALLY" workbook -o "$TMP/some.xlsx" ports top-subnets --port 9543
cat > "$TMP/some.json" <<'JSON'
{"sheets": ["Summary", "Sources", "ports", "top-subnets"],
 "sheet": {
  "ports": {"header": ["port", "proto", "hosts"],
            "cells": {"A2": 9543, "B2": "tcp", "C2": 1440},
            "numbers": ["A2", "C2"], "strings": ["B2"],
            "frozen": "A2", "autofilter": "A1:C2",
            "charts": [{"type": "BarChart", "barDir": "col", "labels": true}]},
  "top-subnets": {"header": ["subnet", "hosts"],
            "cells": {"A2": "198.18.4.0/24", "B2": 182, "A11": "198.18.250.0/24", "B11": 22},
            "formats": {"B2": "#,##0"}, "frozen": "A2", "autofilter": "A1:B11",
            "charts": [{"type": "BarChart", "barDir": "bar", "labels": true}]},
  "Sources": {"header": ["id", "path", "format", "tag", "bytes", "sha256", "imported_at",
                         "records", "skipped", "counts"],
              "cells": {"C2": "list", "C3": "list"}}}}
JSON
check "its sheets, values, formats and charts read back" "$PYTHON3" "$top_srcdir/tests/workbook-read.py" "$TMP/some.xlsx" "$TMP/some.json"

check "workbook of every analysis with data" "$TALLY" workbook -o "$TMP/all.xlsx"
check "formula-looking text is written as text" "$PYTHON3" - "$TMP/all.xlsx" <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["apps"]
cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
assert cells, "the =HYPERLINK product is missing from the apps sheet"
assert all(c.data_type == "s" for c in cells), [(c.coordinate, c.data_type) for c in cells]
assert "subnet-squares" in wb.sheetnames and wb["subnet-squares"]._images, "treemap image missing"
assert wb.sheetnames[:2] == ["Summary", "Sources"], wb.sheetnames
assert wb.active.title == "Summary", wb.active.title
assert wb["meeting-durations"]._images and not wb["meeting-durations"]._charts, \
    "the histogram is not the rendered image (with its box summary)"
for name in ("apps", "stacks"):
    assert all(s.dLbls is not None and s.dLbls.showVal for s in wb[name]._charts[0].series), \
        name + ": no values on the bars"
assert ws["A1"].font.b, "header not bold"
import datetime
day = wb["meetings-per-day"]["A2"]
assert isinstance(day.value, datetime.datetime) and day.number_format == "yyyy-mm-dd", \
    ("a day is not an Excel date", day.value, day.number_format)
PY
"$TALLY" import "$SAMPLES/linkedin-export.zip" 2>/dev/null
check "days and months are Excel dates, ISO weeks stay text" "$PYTHON3" - "$TALLY" "$TMP" <<'PY'
import csv, datetime, io, subprocess, sys, openpyxl
tally, tmp = sys.argv[1:3]
subprocess.run([tally, "workbook", "-o", tmp + "/dates.xlsx", "meetings-per-day", "connections",
                "applications"], check=True, stderr=subprocess.DEVNULL)
wb = openpyxl.load_workbook(tmp + "/dates.xlsx")
for name, fmt in (("meetings-per-day", "%Y-%m-%d"), ("connections", "%Y-%m")):
    rows = list(csv.reader(io.StringIO(subprocess.run(
        [tally, "show", name, "--format", "csv"], check=True, capture_output=True,
        text=True).stdout)))[1:]
    ws = wb[name]
    for i, row in enumerate(rows):
        cell = ws.cell(row=i + 2, column=1)
        assert isinstance(cell.value, datetime.datetime), (name, cell.coordinate, cell.value)
        assert cell.value.strftime(fmt) == row[0], (name, cell.coordinate, cell.value, row[0])
        assert cell.number_format == fmt.replace("%Y", "yyyy").replace("%m", "mm").replace(
            "%d", "dd"), (name, cell.number_format)
week = wb["applications"]["A2"].value
assert isinstance(week, str) and "-W" in week, week
PY
check "identical input gives identical workbook bytes" sh -c \
    '"$TALLY" workbook -o "$TMP/a.xlsx" ports && "$TALLY" workbook -o "$TMP/b.xlsx" ports && cmp "$TMP/a.xlsx" "$TMP/b.xlsx"'
check_exit "workbook without -o exits 2" 2 "$TALLY" workbook ports
check_exit "workbook of an unknown analysis exits 2" 2 "$TALLY" workbook -o "$TMP/x.xlsx" nosuch
check_exit "workbook into a missing folder exits 3" 3 "$TALLY" workbook -o "$TMP/no/dir/x.xlsx"
cp "$TMP/a.xlsx" "$TMP/a-before.xlsx"
check_exit "a workbook whose analysis fails exits 2" 2 \
    "$TALLY" workbook -o "$TMP/a.xlsx" ports changes --from nosuch
check "and leaves the workbook it would have replaced as it was" cmp "$TMP/a.xlsx" "$TMP/a-before.xlsx"
check_eq "with no temporary file beside it" "$(ls "$TMP" | grep -c '^a\.xlsx\.')" 0
done_testing
