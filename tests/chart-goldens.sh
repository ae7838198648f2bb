#!/bin/sh
# chart-goldens.sh: one chart of each kind drawn from the bundled samples, compared byte
# for byte with the goldens in tests/golden/charts/ (SVG for every kind, PNG for a few).
# Charts are drawn with pinned font options, so the same Debian packages give the same
# bytes. After an intended change, `make update-goldens` (TALLY_UPDATE_GOLDENS=1)
# rewrites the goldens; review them with `git diff` and by eye.
. "$top_srcdir/tests/lib.sh"

CHARTS="$GOLDEN/charts"
"$TALLY" import "$SAMPLES/cloud-scan.oL" 2>/dev/null
"$TALLY" import --owner alex@candidate.example "$SAMPLES/calendar.ics" \
    "$SAMPLES/linkedin-export.zip" "$SAMPLES/linkedin-stats.csv" 2>/dev/null

# chart_golden NAME ANALYSIS [ARGS...]: draws ANALYSIS into NAME (its extension picks the
# format) and compares it with $CHARTS/NAME.
chart_golden() {
    local name=$1 analysis=$2; shift 2
    local out="$TMP/$name"
    if ! "$TALLY" chart "$analysis" "$@" --tz America/New_York -o "$out" >"$TMP/chart.err" 2>&1; then
        not_ok "$name: tally chart $analysis $* failed"; sed 's/^/#   /' "$TMP/chart.err" | head -5
        return
    fi
    if [ -n "${TALLY_UPDATE_GOLDENS:-}" ]; then mkdir -p "$CHARTS" && cp "$out" "$CHARTS/$name"; fi
    if [ ! -f "$CHARTS/$name" ]; then
        not_ok "$name: no golden $CHARTS/$name (make update-goldens writes it)"
    elif cmp -s "$CHARTS/$name" "$out"; then
        ok "$name is identical to its golden"
    else
        not_ok "$name differs from its golden ($(wc -c <"$out") bytes, golden $(wc -c <"$CHARTS/$name"))"
        case $name in
        *.svg)  # The text first (what a reader sees), then the markup.
            svg_text "$CHARTS/$name" >"$TMP/want.txt"
            svg_text "$out" >"$TMP/got.txt"
            diff -u "$TMP/want.txt" "$TMP/got.txt" | head -20 | sed 's/^/#   text: /'
            diff -u "$CHARTS/$name" "$out" | head -30 | cut -c1-160 | sed 's/^/#   /' ;;
        *)  cmp "$CHARTS/$name" "$out" 2>&1 | sed 's/^/#   /' ;;
        esac
        echo "#   if the change is intended: make update-goldens"
    fi
}

chart_golden ports.svg ports
chart_golden ports.png ports
chart_golden top-subnets-9543.svg top-subnets --port 9543
chart_golden services.svg services
chart_golden services-grouped.svg services --kind grouped-bar
chart_golden subnet-squares.svg subnet-squares
chart_golden address-map.svg address-map
chart_golden address-map.png address-map
chart_golden app-stack.svg app-stack
chart_golden meetings-per-day.svg meetings-per-day
chart_golden meeting-durations.svg meeting-durations
chart_golden meeting-durations.png meeting-durations
chart_golden meeting-hours.svg meeting-hours
chart_golden linkedin-stats.svg linkedin-stats

# Every golden is drawn above: a file left behind would never be checked.
for f in "$CHARTS"/*; do
    [ -e "$f" ] || continue
    n=$(basename "$f")
    grep -q "^chart_golden $n " "$top_srcdir/tests/chart-goldens.sh" || not_ok "$n in $CHARTS is not drawn by this test"
done
done_testing
