#!/bin/sh
# charts.sh: `tally chart` end to end on the sample scan: PNG size (2x the points asked),
# the labels and values of the bars in the SVG, PDF with embedded fonts, identical bytes
# for identical input, and errors for what cannot be drawn.
. "$top_srcdir/tests/lib.sh"

"$TALLY" import "$SAMPLES/cloud-scan.oL" 2>/dev/null
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8 }'; }

check "top-subnets as PNG" "$TALLY" chart top-subnets --port 9543 -o "$TMP/top.png"
check_eq "is a PNG" "$(head -c 8 "$TMP/top.png" | od -An -c | tr -d ' ')" '211PNG\r\n032\n'
check_eq "800x500 points at 2x" "$(png_size "$TMP/top.png")" "1600x1000"
check "--size sets the size" "$TALLY" chart top-subnets --port 9543 --size 1000x600 -o "$TMP/big.png"
check_eq "1000x600 points at 2x" "$(png_size "$TMP/big.png")" "2000x1200"

check "top-subnets as SVG" "$TALLY" chart top-subnets --port 9543 -o "$TMP/top.svg"
for label in 198.18.4.0/24 198.18.77.0/24 198.19.200.0/24 203.0.113.0/24 198.18.250.0/24; do
    check "the SVG names the bar $label" sh -c "\"$PYTHON3\" \"$top_srcdir/tests/svg-text.py\" \"$TMP/top.svg\" | grep -qxF '$label'"
done
check "the SVG gives the value 182" sh -c "\"$PYTHON3\" \"$top_srcdir/tests/svg-text.py\" \"$TMP/top.svg\" | grep -qxF 182"
check "the SVG carries the title" sh -c "\"$PYTHON3\" \"$top_srcdir/tests/svg-text.py\" \"$TMP/top.svg\" | grep -q 'Top 10 subnets with port 9543/tcp open'"
check "the subtitle names the filters" sh -c "\"$PYTHON3\" \"$top_srcdir/tests/svg-text.py\" \"$TMP/top.svg\" | grep -q 'port 9543'"
svg_texts() { "$PYTHON3" "$top_srcdir/tests/svg-text.py" "$1" > "$TMP/texts.txt"; cat "$TMP/texts.txt"; }
check_eq "the subtitle names the source and the day scanned" \
    "$(svg_texts "$TMP/top.svg" | grep -c '^port 9543, /24 subnets; from cloud-scan.oL, 2014-01-10$')" 2
"$TALLY" chart top-subnets --prefix 8 -o "$TMP/top8.svg" 2>/dev/null
check_eq "Top N says how many there are (3 /8s, not 10)" \
    "$(svg_texts "$TMP/top8.svg" | grep -c '^Top 3 subnets with an open port$')" 2
"$TALLY" chart subnet-squares -o "$TMP/squares.svg" 2>/dev/null
check_eq "subnet-squares has a title of its own" \
    "$(svg_texts "$TMP/squares.svg" | grep -c '^Top 10 subnets with counts: hosts with an open port$')" 2

check "top-subnets as PDF" "$TALLY" chart top-subnets --port 9543 -o "$TMP/top.pdf"
check_eq "is a PDF" "$(head -c 5 "$TMP/top.pdf")" "%PDF-"
check "with an embedded font" grep -aq "FontFile" "$TMP/top.pdf"

for f in png svg pdf; do
    "$TALLY" chart top-subnets --port 9543 -o "$TMP/again.$f" 2>/dev/null
    check "identical input gives identical $f bytes" cmp "$TMP/top.$f" "$TMP/again.$f"
done

"$TALLY" import "$SAMPLES/linkedin-stats.csv" 2>/dev/null
"$TALLY" chart linkedin-stats -o "$TMP/stats.svg" 2>/dev/null
svg_texts "$TMP/stats.svg" > "$TMP/stats.txt"
check "dense dates: the first day is labelled" grep -qx 2024-02-26 "$TMP/stats.txt"
check_eq "dense dates: every third day, level (only the value axis title turns)" \
    "$(grep -c '^2024-0[23]-[0-9][0-9]$' "$TMP/stats.txt") $(grep -cx 2024-02-27 "$TMP/stats.txt") $(grep -c 'rotate' "$TMP/stats.svg")" "10 0 1"
check "subnets (one bar per subnet, many labels)" "$TALLY" chart subnets --port 9543 -o "$TMP/subnets.png"
check "ports as a bar chart" "$TALLY" chart ports -o "$TMP/ports.svg"
check "--kind hbar overrides the kind" "$TALLY" chart ports --kind hbar -o "$TMP/ports-h.svg"
check "--title sets the title" sh -c '"$TALLY" chart ports --title "Open ports, January 2014" -o "$TMP/t.svg" &&
    "$PYTHON3" "$top_srcdir/tests/svg-text.py" "$TMP/t.svg" | grep -q "Open ports, January 2014"'
check_exit "an unknown --kind exits 2" 2 "$TALLY" chart ports --kind pie -o "$TMP/x.png"
check "an analysis with no rows still draws (saying so)" "$TALLY" chart ports --port 1 -o "$TMP/empty.png"
check_exit "a folder that does not exist exits 3" 3 "$TALLY" chart ports -o "$TMP/no/such/dir/x.png"
done_testing
