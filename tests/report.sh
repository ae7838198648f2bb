#!/bin/sh
# report.sh: `tally report -o DIR` end to end: a PNG and an SVG per analysis with data
# and rows, report.xlsx, and an index.html that draws every chart and links its files, with
# no remote assets; an analysis without rows has no section.
. "$top_srcdir/tests/lib.sh"

"$TALLY" import "$SAMPLES/cloud-scan.oL" 2>/dev/null
check "report writes a folder" "$TALLY" report -o "$TMP/report"
with_data=
for name in $("$TALLY" analyses --format csv | awk -F, '$3 == "yes" && $4 != "none" { print $1 }'); do
    if [ "$("$TALLY" show "$name" --format csv | wc -l)" -gt 1 ]; then
        with_data="$with_data $name"
    else
        check "$name has no rows: no section" sh -c "! grep -q 'href=\"$name.png\"' '$TMP/report/index.html'"
        check "... and no chart" test ! -e "$TMP/report/$name.png"
    fi
done
check "the report has charts" test -n "$with_data"
for name in $with_data; do
    check_eq "$name.png is a PNG" "$(head -c 4 "$TMP/report/$name.png" | od -An -c | tr -d ' ')" '211PNG'
    check "$name.svg is an SVG" grep -q '<svg' "$TMP/report/$name.svg"
    check "index.html links $name.png" grep -q "href=\"$name.png\"" "$TMP/report/index.html"
done
check_eq "index.html draws each chart" "$(grep -c '<svg [^>]*class="chart"' "$TMP/report/index.html")" \
    "$(echo $with_data | wc -w | tr -d ' ')"
check "report.xlsx is a workbook" sh -c 'head -c 2 "$TMP/report/report.xlsx" | grep -q PK'
check_eq "every file index.html names exists" \
    "$(grep -o 'href="[^"#]*"' "$TMP/report/index.html" | sed 's/href="//; s/"$//' | while read -r f; do [ -f "$TMP/report/$f" ] || echo "missing $f"; done)" ""
check_eq "no remote assets" "$(grep -Eo '(src|href)="(https?:)?//[^"]*"' "$TMP/report/index.html")" ""
check "the provenance of the source is shown" grep -q "cloud-scan.oL" "$TMP/report/index.html"
check "a report into the same folder again replaces it" "$TALLY" report -o "$TMP/report"
check_eq "and leaves no part of its workbook" "$(ls "$TMP/report" | grep -c part)" "0"

# report.xlsx is written by a process of its own while the charts are drawn: it holds
# what `tally workbook` writes, and when either part fails, the report fails whole.
"$TALLY" workbook -o "$TMP/book.xlsx"
members() {
    python3 -c 'import sys, zipfile
for i in zipfile.ZipFile(sys.argv[1]).infolist():
    if "docProps" not in i.filename: print(i.filename, i.file_size)' "$1"
}
check_eq "report.xlsx holds the parts and sizes tally workbook writes" \
    "$(members "$TMP/report/report.xlsx")" "$(members "$TMP/book.xlsx")"
check "... among them its sheets" sh -c "[ $(members "$TMP/book.xlsx" | grep -c worksheets/sheet) -gt 3 ]"
mkdir -p "$TMP/no-book/report.xlsx.part/in-the-way"
check_exit "a workbook that cannot be written fails the report" 3 \
    "$TALLY" report -o "$TMP/no-book"
check "... saying where" grep -q "report.xlsx.part" "$TMP/exit.err"
check "... with no page" test ! -e "$TMP/no-book/index.html"
check "... and no workbook" test ! -e "$TMP/no-book/report.xlsx"
mkdir -p "$TMP/no-page/index.html"
check_exit "a page that cannot be written fails the report" 3 "$TALLY" report -o "$TMP/no-page"
check "... and its workbook is not kept" test ! -e "$TMP/no-page/report.xlsx"
check_eq "... nor any part of it" "$(ls "$TMP/no-page" | grep -c xlsx)" "0"
done_testing
