#!/bin/sh
# pcap-bench.sh: times tally's import of a scan-shaped capture (bench/gen-pcap) against
# `tcpdump -r FILE -w /dev/null` on the same file, in the same run, at each size, and prints
# wall and CPU seconds, their ratios, tally's peak memory and how many flows it kept (memory
# should follow flows, not packets). As a floor for the part of the import that writes
# flows, it also times the sqlite3 shell copying the same flow rows into a fresh database
# (row by row: the WHERE keeps SQLite from copying the records whole).
# Usage: pcap-bench.sh TALLY GEN_PCAP WORKDIR [PACKETS...]
set -eu
tally=$1 gen=$2 work=$3
shift 3
sizes=${*:-1000000 5000000}
tcpdump=${TCPDUMP:-tcpdump}
command -v "$tcpdump" >/dev/null 2>&1 || tcpdump=/usr/sbin/tcpdump
timer=/usr/bin/time
if [ ! -x "$timer" ]; then
    echo "pcap-bench: /usr/bin/time is missing (apt-get install time)" >&2
    exit 1
fi
mkdir -p "$work"

# run LABEL CMD...: prints "WALL CPU MAXRSS_KIB" of the command.
run() {
    "$timer" -f '%e %U %S %M' -o "$work/time.out" "$@" >/dev/null 2>"$work/run.err" ||
        { cat "$work/run.err" >&2; exit 1; }
    awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/time.out"
}

printf '%-9s %8s %8s %8s %8s %8s %8s %9s %9s\n' packets MiB tally_s tcpd_s ratio \
    tally_cpu tcpd_cpu cpu_ratio rss_MiB
for n in $sizes; do
    "$gen" "$n" "$work/scan.pcap"
    rm -f "$work/tally.db"
    set -- $(run "$tcpdump" -r "$work/scan.pcap" -w /dev/null)
    t_dump=$1 c_dump=$2
    set -- $(run "$tally" -d "$work/tally.db" import "$work/scan.pcap")
    t_tally=$1 c_tally=$2 rss=$3
    mib=$(($(wc -c < "$work/scan.pcap") / 1048576))
    awk -v n="$n" -v mib="$mib" -v a="$t_tally" -v b="$t_dump" -v ca="$c_tally" \
        -v cb="$c_dump" -v r="$rss" 'BEGIN {
            printf "%-9d %8d %8.2f %8.2f %8.1f %8.2f %8.2f %9.1f %9.1f\n", n, mib, a, b,
                a / (b > 0 ? b : 0.01), ca, cb, ca / (cb > 0 ? cb : 0.01), r / 1024 }'
    flows=$(${SQLITE3:-sqlite3} "$work/tally.db" "SELECT COUNT(*) FROM flow")
    echo "          flows kept: $flows ($(awk -v r="$rss" -v f="$flows" \
        'BEGIN { printf "%.0f", r * 1024 / (f > 0 ? f : 1) }') bytes of peak RSS per flow)"
    rm -f "$work/floor.db"
    set -- $(run ${SQLITE3:-sqlite3} "$work/floor.db" "ATTACH '$work/tally.db' AS t;
        CREATE TABLE flow AS SELECT * FROM t.flow WHERE 0;
        BEGIN; INSERT INTO flow SELECT * FROM t.flow WHERE packets >= 0; COMMIT;")
    awk -v c="$2" -v cb="$c_dump" 'BEGIN { printf "          floor: sqlite3 copying " \
        "those flow rows takes %.2f s CPU, %.1f x tcpdump\n", c, c / (cb > 0 ? cb : 0.01) }'
    rm -f "$work/scan.pcap" "$work/tally.db" "$work/floor.db"
done
