#!/bin/sh
# workbook-unit.sh: reads the workbook tests/test-workbook writes: with openpyxl against
# tests/workbook-unit.json (sheets, headers, values, text kept as text, formats, frozen
# header, autofilter, charts and images), and, when LibreOffice is installed, as CSV
# exported by LibreOffice (cells as shown, formulas not evaluated into the text); and
# that the same sheets written in constant memory (unit-streamed.xlsx) hold the same cells.
. "$top_srcdir/tests/lib.sh"
SPEC="$top_srcdir/tests/workbook-unit.json"
READ="$top_srcdir/tests/workbook-read.py"
XLSX="$TMP/unit.xlsx"

check "test-workbook writes the workbook" \
    env TALLY_WORKBOOK_KEEP="$TMP" "$top_builddir/tests/test-workbook"

if needs python3:openpyxl; then
    for part in sheets top-subnets services banners meeting-durations app-stack \
                linkedin-stats a_very_long_name_with_brackets_ applications limits Summary \
                Sources; do
        check "openpyxl reads $part as written" "$PYTHON3" "$READ" "$XLSX" "$SPEC" "$part"
    done
    check "a workbook of many rows (constant memory) has the same cells" \
        "$PYTHON3" "$top_srcdir/tests/workbook-same.py" "$XLSX" "$TMP/unit-streamed.xlsx"
fi

# LibreOffice: every sheet to CSV, cells as shown (number formats applied).
require SOFFICE='soffice|libreoffice'
mkdir -p "$TMP/csv" "$TMP/lo-profile"
"$SOFFICE" -env:UserInstallation="file://$TMP/lo-profile" --headless \
    --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1' \
    --outdir "$TMP/csv" "$XLSX" >"$TMP/lo.log" 2>&1
check "LibreOffice converts every sheet" test -s "$TMP/csv/unit-Sources.csv"

# data_of SHEET COLUMNS ROWS: the first columns and rows of a sheet's CSV, up to the first
# row whose first column is empty.
data_of() {
    "$PYTHON3" -c '
import csv, sys
out = csv.writer(sys.stdout, lineterminator="\n")
rows = csv.reader(open(sys.argv[1], encoding="utf-8"))
for n, row in enumerate(rows):
    if n >= int(sys.argv[3]) or not row or not row[0]:
        break
    out.writerow(row[:int(sys.argv[2])])' "$TMP/csv/unit-$1.csv" "$2" "$3"
}

cat >"$TMP/want-banners.csv" <<'CSV'
host,banner,seen,score
192.0.2.1,=cmd|' /C calc'!A0,2023-11-14 22:13,"1,234.50"
192.0.2.2,+1,2023-11-14 23:13,
192.0.2.3,@x,2023-11-15 00:13,"3,703.50"
192.0.2.4,-2,2023-11-15 01:13,"4,938.00"
192.0.2.5,<&>,2023-11-15 02:13,"6,172.50"
192.0.2.6,ab��cd,2023-11-15 03:13,"7,407.00"
192.0.2.7,,2023-11-15 04:13,"8,641.50"
192.0.2.8,␁ctl,2023-11-15 05:13,"9,876.00"
CSV
data_of banners 4 9 >"$TMP/got-banners.csv"
check "LibreOffice: banners stay text, dates and reals formatted" \
    diff -u "$TMP/want-banners.csv" "$TMP/got-banners.csv"
check_eq "LibreOffice: the long cell holds 32,767 characters" \
    "$(data_of banners 4 10 | sed -n 10p | "$PYTHON3" -c 'import csv,sys; print(len(next(csv.reader(sys.stdin))[1]))')" \
    32767

cat >"$TMP/want-top.csv" <<'CSV'
subnet,hosts
198.51.0.0/24,"1,200"
198.51.1.0/24,"1,100"
198.51.2.0/24,"1,000"
198.51.3.0/24,900
CSV
data_of top-subnets 2 5 >"$TMP/got-top.csv"
check "LibreOffice: integers with thousands separators" \
    diff -u "$TMP/want-top.csv" "$TMP/got-top.csv"

cat >"$TMP/want-services.csv" <<'CSV'
port,service,services
80,http,5
80,ssh,1
443,http,7
22,ssh,9
8080,http,2
CSV
data_of services 3 100 >"$TMP/got-services.csv"
check "LibreOffice: ports without separators" \
    diff -u "$TMP/want-services.csv" "$TMP/got-services.csv"
check "LibreOffice: the pivoted chart data" \
    grep -q '^,,,,8080,2,0$' "$TMP/csv/unit-services.csv"

done_testing
