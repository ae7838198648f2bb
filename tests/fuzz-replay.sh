#!/bin/sh
# fuzz-replay.sh: every input in tests/fuzz-regressions/FORMAT/ (crashes the fuzzers found,
# and hostile inputs written by hand) is imported with -f FORMAT, strict and lenient: each
# must end with a message and an exit status of 0-3, never a crash.
. "$top_srcdir/tests/lib.sh"

for dir in "$top_srcdir"/tests/fuzz-regressions/*/; do
    format=$(basename "$dir")
    for input in "$dir"*; do
        [ -f "$input" ] || continue
        for mode in "" --lenient; do
            TALLY_DB="$TMP/fuzz.db" "$TALLY" import -f "$format" $mode "$input" >/dev/null 2>"$TMP/err"
            code=$?
            if [ "$code" -le 3 ]; then ok "$format $(basename "$input") ${mode:-strict}: exit $code"
            else not_ok "$format $(basename "$input") ${mode:-strict}: exit $code"; head -5 "$TMP/err" | sed 's/^/#   /'; fi
            rm -f "$TMP/fuzz.db"
        done
    done
done
done_testing
