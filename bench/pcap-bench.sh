#!/bin/sh
# pcap-bench.sh: times tally's import of a scan-shaped capture (bench/gen-pcap), in the same
# run and on the same file, against `tcpdump -r FILE -w /dev/null` (reading alone),
# `nfpcapd -r FILE -w DIR` (nfdump: pcap to NetFlow; -w is what nfdump 1.7 calls -l) and `argus -r FILE -w OUT` (argus:
# pcap to flow records), skipping those not installed. For each it prints wall and CPU
# seconds, peak memory (/usr/bin/time), and the ratios to tcpdump; then the rows tally
# wrote. Peak memory should stay flat as the capture grows (tally keeps the connections
# open at once and a bitmap of the probes, not the packets). tally and tcpdump run
# $BENCH_RUNS times (3 by default; the best wall and CPU times count: on a shared machine
# the others are the neighbours' noise), nfpcapd and argus once (they take far longer);
# PCAP_BENCH_OTHERS=0 leaves them out, PCAP_BENCH_OTHERS=nfpcapd runs only that one.
# Each size is generated in two shapes (PCAP_BENCH_SHAPES): "ranges", targets in two
# ranges (4 M addresses), and "internet", targets spread over all of IPv4.
# Usage: pcap-bench.sh TALLY GEN_PCAP WORKDIR [PACKETS...]
set -eu
tally=$1 gen=$2 work=$3
shift 3
sizes=${*:-1000000 10000000}
tcpdump=${TCPDUMP:-tcpdump}
command -v "$tcpdump" >/dev/null 2>&1 || tcpdump=/usr/sbin/tcpdump
timer=/usr/bin/time
if [ ! -x "$timer" ]; then
    echo "pcap-bench: /usr/bin/time is missing (apt-get install time)" >&2
    exit 1
fi
# other NAME: the path of a program, or nothing when it is missing or left out.
other() {
    case " ${PCAP_BENCH_OTHERS:-nfpcapd argus} " in *" $1 "*) ;; *) return 0 ;; esac
    PATH="$PATH:/usr/sbin:/sbin" command -v "$1" 2>/dev/null || true
}
nfpcapd=$(other nfpcapd)
argus=$(other argus)
[ -n "$nfpcapd" ] || echo "(nfpcapd not run: left out, or apt-get install nfdump)"
[ -n "$argus" ] || echo "(argus not run: left out, or apt-get install argus-server)"
mkdir -p "$work"

# run N CMD...: prints "WALL CPU MAXRSS_KIB" of the command: the best wall and CPU times of
# N runs, and the largest peak memory. $fresh, if set, runs before each.
run() {
    local n=$1 i=0
    shift
    : > "$work/times"
    while [ $i -lt "$n" ]; do
        ${fresh:-:}
        "$timer" -f '%e %U %S %M' -o "$work/time.out" "$@" >/dev/null 2>"$work/run.err" ||
            { cat "$work/run.err" >&2; exit 1; }
        tail -n 1 "$work/time.out" >> "$work/times"
        i=$((i + 1))
    done
    awk 'NR == 1 || $1 < w { w = $1 } NR == 1 || $2 + $3 < c { c = $2 + $3 }
         $4 > m { m = $4 } END { printf "%s %.2f %s\n", w, c, m }' "$work/times"
}

# line NAME WALL CPU RSS: one row of the table, with the ratios to tcpdump's times.
line() {
    awk -v name="$1" -v w="$2" -v c="$3" -v r="$4" -v tw="$t_dump" -v tc="$c_dump" 'BEGIN {
        printf "  %-8s %8.2f %8.2f %9.1f %9.1f %9.1f\n", name, w, c, r / 1024,
            w / (tw > 0 ? tw : 0.01), c / (tc > 0 ? tc : 0.01) }'
}

runs=${BENCH_RUNS:-3}
for n in $sizes; do
for shape in ${PCAP_BENCH_SHAPES:-ranges internet}; do
    case $shape in
    ranges) "$gen" "$n" "$work/scan.pcap" ;;
    internet) "$gen" --internet "$n" "$work/scan.pcap" ;;
    *) echo "pcap-bench: unknown shape $shape (ranges, internet)" >&2; exit 2 ;;
    esac
    mib=$(($(wc -c < "$work/scan.pcap") / 1048576))
    echo "$n packets, $mib MiB, targets in $shape:"
    printf '  %-8s %8s %8s %9s %9s %9s\n' command wall_s cpu_s rss_MiB x_tcpdump cpu_x
    set -- $(run "$runs" "$tcpdump" -r "$work/scan.pcap" -w /dev/null)
    t_dump=$1 c_dump=$2
    line tcpdump "$@"
    fresh="rm -f $work/tally.db"
    set -- $(run "$runs" "$tally" -d "$work/tally.db" import "$work/scan.pcap")
    fresh=
    line tally "$@"
    if [ -n "$nfpcapd" ]; then
        rm -rf "$work/nf"
        mkdir "$work/nf"
        set -- $(run 1 "$nfpcapd" -r "$work/scan.pcap" -w "$work/nf")
        line nfpcapd "$@"
    fi
    if [ -n "$argus" ]; then
        fresh="rm -f $work/out.argus"
        set -- $(run 1 "$argus" -r "$work/scan.pcap" -w "$work/out.argus")
        fresh=
        line argus "$@"
    fi
    echo "  tally wrote: $(${SQLITE3:-sqlite3} "$work/tally.db" "SELECT (SELECT COUNT(*) FROM conn)
        || ' connections, ' || (SELECT COUNT(*) FROM probe) || ' probe rows of '
        || (SELECT COALESCE(SUM(destinations), 0) FROM probe) || ' destinations'")"
    rm -rf "$work/scan.pcap" "$work/tally.db" "$work/nf" "$work/out.argus"
done
done
