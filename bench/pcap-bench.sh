#!/bin/sh
# pcap-bench.sh: times tally's import of a scan-shaped capture (bench/gen-pcap) against
# `tcpdump -r FILE -w /dev/null` on the same file, in the same run, at each size, and prints
# wall and CPU seconds, their ratios, tally's peak memory and how many flows it kept (memory
# should follow flows, not packets). As a floor for the part of the import that stores
# what it found, it also times the sqlite3 shell copying the rows the import wrote (flows,
# then also observations, banners and headers, with their indexes) into a fresh database
# (row by row: the WHERE keeps SQLite from copying the records whole). Each command runs
# $BENCH_RUNS times (3 by default) and the best wall and CPU times count: on a shared
# machine the others are the neighbours' noise.
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

runs=${BENCH_RUNS:-3}

# run CMD...: prints "WALL CPU MAXRSS_KIB" of the command: the best wall and CPU times of
# $runs runs, and the largest peak memory. $fresh, if set, runs before each.
run() {
    : > "$work/times"
    i=0
    while [ $i -lt "$runs" ]; do
        ${fresh:-:}
        "$timer" -f '%e %U %S %M' -o "$work/time.out" "$@" >/dev/null 2>"$work/run.err" ||
            { cat "$work/run.err" >&2; exit 1; }
        cat "$work/time.out" >> "$work/times"
        i=$((i + 1))
    done
    awk 'NR == 1 || $1 < w { w = $1 } NR == 1 || $2 + $3 < c { c = $2 + $3 }
         $4 > m { m = $4 } END { printf "%s %.2f %s\n", w, c, m }' "$work/times"
}

printf '%-9s %8s %8s %8s %8s %8s %8s %9s %9s\n' packets MiB tally_s tcpd_s ratio \
    tally_cpu tcpd_cpu cpu_ratio rss_MiB
for n in $sizes; do
    "$gen" "$n" "$work/scan.pcap"
    set -- $(run "$tcpdump" -r "$work/scan.pcap" -w /dev/null)
    t_dump=$1 c_dump=$2
    fresh="rm -f $work/tally.db"
    set -- $(run "$tally" -d "$work/tally.db" import "$work/scan.pcap")
    t_tally=$1 c_tally=$2 rss=$3
    fresh=
    mib=$(($(wc -c < "$work/scan.pcap") / 1048576))
    awk -v n="$n" -v mib="$mib" -v a="$t_tally" -v b="$t_dump" -v ca="$c_tally" \
        -v cb="$c_dump" -v r="$rss" 'BEGIN {
            printf "%-9d %8d %8.2f %8.2f %8.1f %8.2f %8.2f %9.1f %9.1f\n", n, mib, a, b,
                a / (b > 0 ? b : 0.01), ca, cb, ca / (cb > 0 ? cb : 0.01), r / 1024 }'
    flows=$(${SQLITE3:-sqlite3} "$work/tally.db" "SELECT COUNT(*) FROM flow")
    echo "          flows kept: $flows ($(awk -v r="$rss" -v f="$flows" \
        'BEGIN { printf "%.0f", r * 1024 / (f > 0 ? f : 1) }') bytes of peak RSS per flow)"
    fresh="rm -f $work/floor.db"
    copy="ATTACH '$work/tally.db' AS t;
        CREATE TABLE flow AS SELECT * FROM t.flow WHERE 0;
        BEGIN; INSERT INTO flow SELECT * FROM t.flow WHERE packets >= 0; COMMIT;"
    set -- $(run ${SQLITE3:-sqlite3} "$work/floor.db" "$copy")
    c_flows=$2
    copy="$copy
        CREATE TABLE observation AS SELECT * FROM t.observation WHERE 0;
        CREATE TABLE banner AS SELECT * FROM t.banner WHERE 0;
        CREATE TABLE http_header AS SELECT * FROM t.http_header WHERE 0;
        CREATE INDEX banner_service ON banner(addr, port);
        CREATE INDEX http_header_service ON http_header(addr, port);
        BEGIN;
        INSERT INTO observation SELECT * FROM t.observation WHERE port >= 0;
        INSERT INTO banner SELECT * FROM t.banner WHERE port >= 0;
        INSERT INTO http_header SELECT * FROM t.http_header WHERE port >= 0;
        COMMIT;"
    set -- $(run ${SQLITE3:-sqlite3} "$work/floor.db" "$copy")
    fresh=
    awk -v f="$c_flows" -v a="$2" -v w="$1" -v cb="$c_dump" -v tb="$t_dump" 'BEGIN {
        printf "          floor: sqlite3 copying those flow rows takes %.2f s CPU, " \
            "%.1f x tcpdump;\n", f, f / (cb > 0 ? cb : 0.01)
        printf "                 every row the import wrote %.2f s wall, %.1f x tcpdump, " \
            "%.2f s CPU, %.1f x\n", w, w / (tb > 0 ? tb : 0.01), a, a / (cb > 0 ? cb : 0.01) }'
    rm -f "$work/scan.pcap" "$work/tally.db" "$work/floor.db"
done
