#!/usr/bin/env bash
# clickhouse-bench.sh: tally on a two-shard local ClickHouse cluster next to tally on
# SQLite, for an Internet-shaped scan (bench/gen-scan --shape internet) of each size in
# lines: the list import (seconds and lines a second) into each, then each analysis that
# runs in ClickHouse (`show NAME --format csv`), its seconds on each and whether both gave
# the same answer. The two servers are started by tests/clickhouse-servers.sh, with their
# data under WORKDIR, and stopped at the end; without clickhouse-server it says so and
# measures nothing. The machine is shared: only ratios within one run mean anything.
# Usage: clickhouse-bench.sh TALLY GEN_SCAN WORKDIR [LINES...]
set -eu
tally=$1 gen=$2 work=$3
shift 3
sizes=${*:-1000000 10000000}
here=$(cd "$(dirname "$0")" && pwd)
analyses="ports subnets top-subnets subnet-squares address-map apps stacks app-stack services"
if ! command -v clickhouse-server >/dev/null 2>&1; then
    echo "clickhouse-server is not installed (Debian: clickhouse-server): nothing measured"
    exit 0
fi
rm -rf "$work"
mkdir -p "$work"
. "$here/../tests/clickhouse-servers.sh"
trap 'ch_stop' EXIT
ch_start "$work/servers" 2
read -r first _ <<<"$CH_HTTP"
echo "ClickHouse $(ch_query "$first" "SELECT version()"), two shards on this machine"

# seconds CMD...: the command's wall-clock seconds.
seconds() { "$here/measure.py" "$@" | cut -d' ' -f1; }

printf '%-10s %-16s %9s %9s %7s %12s  %s\n' lines step sqlite clickhouse ratio \
    "lines/s ch" "same answer"
for n in $sizes; do
    scan=$work/internet-$n.txt
    "$gen" --shape internet list "$n" "$scan"
    db=$work/tally-$n.db
    url="clickhouse://$CH_HOSTS/bench$n?cluster=tally"
    sq=$(seconds "$tally" -d "$db" import "$scan")
    ch=$(seconds "$tally" -d "$url" import "$scan")
    awk -v n="$n" -v s="$sq" -v c="$ch" 'BEGIN {
        printf "%-10d %-16s %9.2f %9.2f %7.2f %12.0f  %s\n", n, "import", s, c,
            c / (s > 0 ? s : 0.01), n / (c > 0 ? c : 0.01), "-" }'
    for a in $analyses; do
        sq=$(seconds "$tally" -d "$db" show "$a" --format csv)
        ch=$(seconds "$tally" -d "$url" show "$a" --format csv)
        if cmp -s <("$tally" -d "$db" show "$a" --format csv) \
                  <("$tally" -d "$url" show "$a" --format csv); then
            same=yes
        else
            same=NO
        fi
        awk -v n="$n" -v a="$a" -v s="$sq" -v c="$ch" -v same="$same" 'BEGIN {
            printf "%-10d %-16s %9.2f %9.2f %7.2f %12s  %s\n", n, a, s, c,
                c / (s > 0 ? s : 0.01), "-", same }'
    done
    rm -f "$scan" "$db"
    for p in $CH_HTTP; do ch_query "$p" "DROP DATABASE IF EXISTS bench$n" >/dev/null; done
done
