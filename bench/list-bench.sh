#!/bin/sh
# list-bench.sh: times tally's masscan list import against the sqlite3 shell's own .import
# of the same rows as CSV into a plain table, in the same run, at two sizes, and prints the
# ratio and tally's peak memory (which should not grow with the input).
# Usage: list-bench.sh TALLY GEN_LIST WORKDIR [SIZES...]
set -eu
tally=$1 gen=$2 work=$3
shift 3
sizes=${*:-1000000 10000000}
here=$(dirname "$0")
sqlite=${SQLITE3:-sqlite3}
mkdir -p "$work"
printf '%-10s %10s %10s %7s %14s %14s\n' records tally_s sqlite3_s ratio tally_rss_mib sqlite3_rss_mib
for n in $sizes; do
    "$gen" "$n" "$work/scan.oL" "$work/rows.csv"
    rm -f "$work/tally.db" "$work/plain.db"
    set -- $("$here/measure.py" "$tally" -d "$work/tally.db" import "$work/scan.oL")
    t_tally=$1 rss_tally=$2
    set -- $("$here/measure.py" "$sqlite" "$work/plain.db" \
        "CREATE TABLE observation(status TEXT, proto TEXT, port INTEGER, addr TEXT, seen INTEGER)" \
        ".import --csv --skip 1 $work/rows.csv observation")
    t_sqlite=$1 rss_sqlite=$2
    awk -v n="$n" -v a="$t_tally" -v b="$t_sqlite" -v ra="$rss_tally" -v rb="$rss_sqlite" \
        'BEGIN { printf "%-10d %10.2f %10.2f %7.2f %14.1f %14.1f\n", n, a, b, a / b, ra / 1024, rb / 1024 }'
    rm -f "$work/scan.oL" "$work/rows.csv" "$work/tally.db" "$work/plain.db"
done
