#!/bin/sh
# analyses-bench.sh: times the scan analyses on an Internet-shaped scan (bench/gen-scan
# --shape internet) of each size in lines, and prints one table: tally's list import
# against the sqlite3 shell's .import of the same rows as CSV; each scan analysis
# (`show NAME --format csv`, the label analyses with generated provider labels and the
# location database's AS and country labels, once before they are cached and then from the
# cache, certs of generated certificates), its wall
# and CPU seconds and peak memory; the analyses that take --label with and without it;
# `show subnets --port 443` against the sqlite3 shell's GROUP BY on tally's own database;
# `report`; the import of a second, earlier scan (nine tenths of the lines, its Apache
# servers said to be Caddy) into the same database against the first import, then
# `changes` and `changed-services` between the two; and,
# when clickhouse-client is installed and reaches a server, the same rows loaded into a
# MergeTree table and the same questions asked with `clickhouse-client --query` (its
# times include starting the client; the server's memory is not measured).
# BENCH_RUNS (1 by default) runs each analysis and query that many times and keeps the
# best times; BENCH_LARGE=1 adds 100 million lines to the sizes.
# Usage: analyses-bench.sh TALLY GEN_SCAN WORKDIR [LINES...]
set -eu
tally=$1 gen=$2 work=$3
shift 3
sizes=${*:-1000000 10000000}
if [ "${BENCH_LARGE:-0}" = 1 ]; then
    sizes="$sizes 100000000"
fi
here=$(dirname "$0")
sqlite=${SQLITE3:-sqlite3}
clickhouse=${CLICKHOUSE_CLIENT:-clickhouse-client}
runs=${BENCH_RUNS:-1}
analyses="ports subnets top-subnets subnet-squares address-map apps stacks app-stack services
providers asns countries certs tls-versions"
# Those that take --label, run again with a pattern that matches about a fifth of the
# generated provider labels.
labelled="ports subnets top-subnets apps services"
label='gcp:*'
cert=$here/../tests/fixtures/certs/leaf.der
db=$work/tally.db
mkdir -p "$work"
# The location database's labels are cached here (analyzer/label_cache.c).
export XDG_CACHE_HOME="$work/cache"

# The sqlite3 shell's answer to `show subnets --port 443`, on tally's database.
subnets_sql="SELECT ip4>>8, COUNT(DISTINCT ip4) FROM observation WHERE port=443 AND status='open' GROUP BY 1"

# best CMD...: prints "SECONDS MAXRSS_KIB CPU_SECONDS" of the command: the best wall and
# CPU times of $runs runs, and the largest peak memory.
best() {
    i=0
    while [ "$i" -lt "$runs" ]; do
        "$here/measure.py" "$@"
        i=$((i + 1))
    done | awk 'NR == 1 || $1 < t { t = $1 } NR == 1 || $3 < c { c = $3 }
                $2 > r { r = $2 } END { if (NR == 0) exit 1; printf "%.2f %d %.2f\n", t, r, c }'
}

# row LINES STEP SECONDS MAXRSS_KIB CPU REF REF_SECONDS: one line of the table; "-" for
# what was not measured.
row() {
    awk -v n="$1" -v step="$2" -v t="$3" -v r="$4" -v c="$5" -v ref="$6" -v rt="$7" 'BEGIN {
        ratio = (ref == "-" || rt == "-") ? "-" : sprintf("%.2f", t / (rt > 0 ? rt : 0.01))
        printf "%-10d %-24s %8.2f %8.2f %8.1f  %-11s %8s %8s\n", n, step, t, c, r / 1024,
            ref, rt, ratio }'
}

# ch_sql ANALYSIS [PORT]: prints the ClickHouse query that asks what the analysis answers
# (printf, not echo: the backslashes are ClickHouse's escapes).
ch_sql() {
    t=tally_bench.scan
    open="status = 'open'${2:+ AND port = $2}"
    app="extract(banner, '^[^/(; \\t]*')"
    stack="extract(banner, 'X-Powered-By: *([^/(; \\t\\r\\n]*)')"
    say() { printf '%s\n' "$*"; }
    case $1 in
    ports)
        say "SELECT port, proto, uniqExact(ip) AS hosts FROM $t WHERE $open" \
             "GROUP BY port, proto ORDER BY port, proto" ;;
    subnets|address-map)
        say "SELECT intDiv(ip, 256) AS subnet, uniqExact(ip) AS hosts FROM $t WHERE $open" \
             "GROUP BY subnet ORDER BY subnet" ;;
    top-subnets|subnet-squares)
        say "SELECT intDiv(ip, 256) AS subnet, uniqExact(ip) AS hosts FROM $t WHERE $open" \
             "GROUP BY subnet ORDER BY hosts DESC, subnet LIMIT 10" ;;
    apps)
        say "SELECT app, count() AS services FROM (SELECT addr, proto, port, any($app) AS app" \
             "FROM $t WHERE service = 'http.server' GROUP BY addr, proto, port)" \
             "GROUP BY app ORDER BY services DESC, app" ;;
    stacks)
        say "SELECT stack, count() AS services FROM (SELECT addr, proto, port, max($stack)" \
             "AS stack FROM $t WHERE service = 'http' GROUP BY addr, proto, port)" \
             "WHERE stack != '' GROUP BY stack ORDER BY services DESC, stack" ;;
    app-stack)
        say "SELECT app, if(stack = '', '(none)', stack) AS stack, count() AS services FROM" \
             "(SELECT addr, proto, port, anyIf($app, service = 'http.server') AS app," \
             "max($stack) AS stack FROM $t WHERE service IN ('http.server', 'http')" \
             "GROUP BY addr, proto, port) WHERE app != '' GROUP BY app, stack" \
             "ORDER BY services DESC, app, stack" ;;
    services)
        say "SELECT port, name, count() AS services FROM (SELECT addr, proto, port," \
             "min(multiIf(service IN ('http.server', 'title', 'html'), 'http'," \
             "service IN ('X509', 'X509CA'), 'ssl', service)) AS name FROM $t" \
             "WHERE status = 'banner' GROUP BY addr, proto, port) GROUP BY port, name" \
             "ORDER BY port, services DESC, name" ;;
    esac
}

ch=
if ! command -v "$clickhouse" >/dev/null 2>&1; then
    ch_note="clickhouse-server and clickhouse-client are not installed: no ClickHouse rows"
elif ! "$clickhouse" --query "SELECT 1" </dev/null >/dev/null 2>&1; then
    ch_note="clickhouse-client reaches no server (is clickhouse-server running?): no ClickHouse rows"
else
    ch=1
    ch_note="ClickHouse: $("$clickhouse" --query "SELECT version()" </dev/null), MergeTree ORDER BY (status, port, ip)"
fi
echo "$ch_note"

printf '%-10s %-24s %8s %8s %8s  %-11s %8s %8s\n' lines step tally_s cpu_s rss_MiB ref ref_s \
    ratio
for n in $sizes; do
    "$gen" --cert "$cert" --shape internet csv "$n" "$work/rows.csv"
    rm -f "$work/plain.db"
    m=$("$here/measure.py" "$sqlite" "$work/plain.db" \
        "CREATE TABLE scan(status TEXT, proto TEXT, port INTEGER, addr TEXT, seen INTEGER, service TEXT, banner TEXT)" \
        ".import --csv --skip 1 $work/rows.csv scan")
    t_sqlite=${m%% *}
    rm -f "$work/plain.db"
    t_ch=-
    if [ -n "$ch" ]; then
        "$clickhouse" --multiquery --query "CREATE DATABASE IF NOT EXISTS tally_bench;
            DROP TABLE IF EXISTS tally_bench.scan;
            CREATE TABLE tally_bench.scan (status String, proto String, port UInt16,
                addr String, seen UInt32, service String, banner String,
                ip UInt32 MATERIALIZED IPv4StringToNum(addr))
            ENGINE = MergeTree ORDER BY (status, port, ip)" </dev/null
        m=$("$here/measure.py" "$clickhouse" --query "INSERT INTO tally_bench.scan
            (status, proto, port, addr, seen, service, banner) FORMAT CSVWithNames" \
            < "$work/rows.csv")
        t_ch=${m%% *}
    fi
    rm -f "$work/rows.csv"

    "$gen" --cert "$cert" --shape internet list "$n" "$work/scan.list"
    rm -f "$db"
    m=$("$here/measure.py" "$tally" -d "$db" import --tag now "$work/scan.list")
    set -- $m
    t_first=$1
    row "$n" import "$1" "$2" "$3" "sqlite3" "$t_sqlite"
    "$gen" --shape internet labels 20000 "$work/labels.csv"
    "$tally" -d "$db" import "$work/labels.csv" 2>/dev/null
    rm -f "$work/labels.csv"
    [ -z "$ch" ] || row "$n" import "$1" "$2" "$3" "clickhouse" "$t_ch"

    for a in $analyses; do
        case $a in asns|countries)
            # The first run reads every network of the location database and caches them.
            rm -rf "$XDG_CACHE_HOME"
            m=$("$here/measure.py" "$tally" -d "$db" show "$a" --format csv)
            set -- $m
            row "$n" "show $a, uncached" "$1" "$2" "$3" - - ;;
        esac
        m=$(best "$tally" -d "$db" show "$a" --format csv)
        set -- $m
        # Labels and certificates have no ClickHouse counterpart here: no query.
        sql=$(ch_sql "$a")
        if [ -n "$ch" ] && [ -n "$sql" ]; then
            m=$(best "$clickhouse" --query "$sql" </dev/null)
            t_ch=${m%% *}
            row "$n" "show $a" "$1" "$2" "$3" clickhouse "$t_ch"
        else
            row "$n" "show $a" "$1" "$2" "$3" - -
        fi
    done

    for a in $labelled; do
        m=$(best "$tally" -d "$db" show "$a" --label "$label" --format csv)
        set -- $m
        row "$n" "show $a --label" "$1" "$2" "$3" - -
    done

    m=$(best "$tally" -d "$db" show subnets --port 443 --format csv)
    set -- $m
    t_sub=$1 r_sub=$2 c_sub=$3
    m=$(best "$sqlite" "$db" "$subnets_sql")
    t_sql=${m%% *}
    row "$n" "show subnets --port 443" "$t_sub" "$r_sub" "$c_sub" sqlite3 "$t_sql"
    if [ -n "$ch" ]; then
        m=$(best "$clickhouse" --query "$(ch_sql subnets 443)" </dev/null)
        t_ch=${m%% *}
        row "$n" "show subnets --port 443" "$t_sub" "$r_sub" "$c_sub" clickhouse "$t_ch"
    fi

    rm -rf "$work/report"
    m=$("$here/measure.py" "$tally" -d "$db" report -o "$work/report")
    set -- $m
    row "$n" report "$1" "$2" "$3" - -
    rm -rf "$work/report"

    head -n "$((n * 9 / 10))" "$work/scan.list" |
        sed 's/http.server Apache/http.server Caddy/; s/Server: Apache/Server: Caddy/' \
        >"$work/before.list"
    rm -f "$work/scan.list"
    m=$("$here/measure.py" "$tally" -d "$db" import --tag before "$work/before.list")
    set -- $m
    row "$n" "import a second scan" "$1" "$2" "$3" "first" "$t_first"
    rm -f "$work/before.list"
    for a in changes changed-services; do
        m=$(best "$tally" -d "$db" show "$a" --from before --to now --format csv)
        set -- $m
        row "$n" "show $a" "$1" "$2" "$3" - -
    done
    rm -f "$db"
    [ -z "$ch" ] || "$clickhouse" --query "DROP TABLE tally_bench.scan" </dev/null
done
