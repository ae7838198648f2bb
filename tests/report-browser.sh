#!/bin/sh
# report-browser.sh: the report page in a real browser: headless chromium, driven over the
# DevTools protocol (tests/report-browser.py), sorts, filters and pages a table, hovers a
# bar and tabs to a mark, and reads back what `tally show --format csv` says.
. "$top_srcdir/tests/lib.sh"

"$TALLY" import "$SAMPLES/cloud-scan.oL" 2>/dev/null
"$TALLY" report -o "$TMP/r" 2>/dev/null
mkdir -p "$TMP/csv"
for name in subnets top-subnets ports app-stack address-map; do
    "$TALLY" show "$name" --format csv > "$TMP/csv/$name.csv"
done
check "the sample has more subnets than a page shows" \
    test "$(wc -l < "$TMP/csv/subnets.csv")" -gt 60
require CHROMIUM='chromium|chromium-browser|google-chrome'
# The browser checks print their own TAP lines; they continue this script's numbering.
timeout 300 "$PYTHON3" "$top_srcdir/tests/report-browser.py" "$CHROMIUM" "$TMP/r/index.html" \
    "$TMP/csv" > "$TMP/browser.tap"
status=$?
while read -r line; do
    case $line in
    "ok "*) ok "${line#ok [0-9]* - }" ;;
    "not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
    "#"*) echo "$line" ;;
    esac
done < "$TMP/browser.tap"
check_eq "the browser session ended cleanly" "$status" 0
done_testing
