#!/bin/sh
# scan-bench.sh: times tally's masscan list import against the sqlite3 shell's own .import
# of the same rows as CSV into a plain table, then the json, ndjson, xml, grepable and
# binary imports of the same records against the list import, all in the same run, at
# each size; prints wall and CPU ratios and peak memory (which should not grow with the
# input). Wall time includes waiting for the disk; CPU time is steadier on a busy machine.
# Usage: scan-bench.sh TALLY GEN_SCAN WORKDIR [SIZES...]
set -eu
tally=$1 gen=$2 work=$3
shift 3
sizes=${*:-1000000 10000000}
here=$(dirname "$0")
sqlite=${SQLITE3:-sqlite3}
mkdir -p "$work"

# import FORMAT N: generates the records in FORMAT and prints "SECONDS MAXRSS_KIB CPU" of
# tally's import of them into a new database.
import() {
    "$gen" "$1" "$2" "$work/scan.$1"
    rm -f "$work/tally.db"
    "$here/measure.py" "$tally" -d "$work/tally.db" import "$work/scan.$1"
    rm -f "$work/scan.$1" "$work/tally.db"
}

printf '%-10s %-9s %8s %8s %8s %7s %9s %9s %9s %9s\n' records format tally_s ref ref_s ratio \
    tally_cpu ref_cpu cpu_ratio rss_MiB
for n in $sizes; do
    "$gen" csv "$n" "$work/rows.csv"
    rm -f "$work/plain.db"
    set -- $("$here/measure.py" "$sqlite" "$work/plain.db" \
        "CREATE TABLE observation(status TEXT, proto TEXT, port INTEGER, addr TEXT, seen INTEGER)" \
        ".import --csv --skip 1 $work/rows.csv observation")
    t_sqlite=$1 c_sqlite=$3
    rm -f "$work/rows.csv" "$work/plain.db"
    set -- $(import list "$n")
    t_list=$1 c_list=$3
    row() {
        awk -v n="$n" -v f="$1" -v a="$2" -v ref="$3" -v b="$4" -v ca="$5" -v cb="$6" -v r="$7" \
            'BEGIN { printf "%-10d %-9s %8.2f %8s %8.2f %7.2f %9.2f %9.2f %9.2f %9.1f\n", n, f, a,
                ref, b, a / (b > 0 ? b : 0.01), ca, cb, ca / (cb > 0 ? cb : 0.01), r / 1024 }'
    }
    row list "$t_list" sqlite3 "$t_sqlite" "$c_list" "$c_sqlite" "$2"
    for fmt in json ndjson xml grepable binary; do
        set -- $(import "$fmt" "$n")
        row "$fmt" "$1" list "$t_list" "$3" "$c_list" "$2"
    done
done
