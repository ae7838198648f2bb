#!/usr/bin/python3
"""workbook-same.py: reads two XLSX files with openpyxl and checks that every sheet of the
first is in the second with the same cells: values, types, number formats, column widths,
frozen panes, autofilter, charts and images (a workbook written in constant memory against
the same tables written as usual).

Usage: workbook-same.py FIRST.xlsx SECOND.xlsx
Prints one "# ..." line per difference and exits 1 if any, 0 when the same, 77 when
openpyxl is not installed.
"""
import sys

try:
    import openpyxl
except ImportError:
    print("# openpyxl is not installed")
    sys.exit(77)

first = openpyxl.load_workbook(sys.argv[1])
second = openpyxl.load_workbook(sys.argv[2])
failures = []

for ws in first.worksheets:
    if ws.title not in second.sheetnames:
        failures.append(f"sheet {ws.title} missing")
        continue
    other = second[ws.title]
    if (ws.max_row, ws.max_column) != (other.max_row, other.max_column):
        failures.append(f"{ws.title}: {ws.dimensions} against {other.dimensions}")
    for row in ws.iter_rows():
        for a in row:
            b = other[a.coordinate]
            if ((a.value, a.data_type, a.number_format)
                    != (b.value, b.data_type, b.number_format)):
                failures.append(f"{ws.title}!{a.coordinate}: {a.value!r} {a.data_type} "
                                f"{a.number_format} against {b.value!r} {b.data_type} "
                                f"{b.number_format}")
    for key, dim in ws.column_dimensions.items():
        if dim.width != other.column_dimensions[key].width:
            failures.append(f"{ws.title}: column {key} width {dim.width} against "
                            f"{other.column_dimensions[key].width}")
    if ws.freeze_panes != other.freeze_panes:
        failures.append(f"{ws.title}: frozen at {ws.freeze_panes} against {other.freeze_panes}")
    if ws.auto_filter.ref != other.auto_filter.ref:
        failures.append(f"{ws.title}: autofilter {ws.auto_filter.ref} against "
                        f"{other.auto_filter.ref}")
    if (len(ws._charts), len(ws._images)) != (len(other._charts), len(other._images)):
        failures.append(f"{ws.title}: {len(ws._charts)} charts and {len(ws._images)} images "
                        f"against {len(other._charts)} and {len(other._images)}")

for f in failures[:50]:
    print("# " + f)
sys.exit(1 if failures else 0)
