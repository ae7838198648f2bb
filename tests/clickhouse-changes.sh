#!/usr/bin/env bash
# clickhouse-changes.sh: `changes` and `changed-services` on ClickHouse, against two local
# clickhouse-server processes as the two shards of a cluster: for the scan pairs of
# changes.sh (hosts appearing, disappearing, changing their Server, X-Powered-By or banner
# service, over IPv4 and IPv6; a tag's imports as one side), the nmap pair compared with
# ndiff, and every scan file of the corpora, the output, messages and exit status equal
# SQLite's byte for byte, by default and with --from/--to by id and tag, --prefix, --top,
# --port and --proto. The analyses that run on SQLite only say so and exit 1 there; a
# report leaves them out with a note.
. "$top_srcdir/tests/lib.sh"
require clickhouse-server curl
. "$top_srcdir/tests/clickhouse-servers.sh"
unset TALLY_CLICKHOUSE_PASSWORD TALLY_CLICKHOUSE_PASSWORD_FILE TALLY_CLICKHOUSE_BATCH
trap 'ch_stop; rm -rf "$TMP"' EXIT
if ! ch_start "$TMP/servers" 2; then
    not_ok "two clickhouse-server processes start"
    done_testing
    exit 1
fi
cluster() { echo "clickhouse://$CH_HOSTS/$1?cluster=tally"; }

# both NAME ARGS...: runs `tally ARGS` on the SQLite database $TMP/NAME.db and on the
# ClickHouse database NAME (the same imports get the same ids).
both() {
    local name=$1
    shift
    "$TALLY" -d "$TMP/$name.db" "$@" >/dev/null 2>&1
    "$TALLY" -d "$(cluster "$name")" "$@" >/dev/null 2>&1
}

# same WHAT NAME ARGS...: `tally show ARGS` prints the same, says the same and exits the
# same on both databases of NAME.
same() {
    local what=$1 name=$2 sq ch
    shift 2
    "$TALLY" -d "$TMP/$name.db" show "$@" >"$TMP/sq.out" 2>"$TMP/sq.err"; sq=$?
    "$TALLY" -d "$(cluster "$name")" show "$@" >"$TMP/ch.out" 2>"$TMP/ch.err"; ch=$?
    if [ "$sq" = "$ch" ] && cmp -s "$TMP/sq.out" "$TMP/ch.out" &&
        cmp -s "$TMP/sq.err" "$TMP/ch.err"; then
        ok "$what: as on SQLite (exit $sq)"
    else
        not_ok "$what: as on SQLite (exit $sq, ClickHouse $ch)"
        diff "$TMP/sq.out" "$TMP/ch.out" | head -8 | sed 's/^/#   /'
        diff "$TMP/sq.err" "$TMP/ch.err" | head -4 | sed 's/^/#   /'
    fi
}

# ---- changes.sh's three months and nmap pair ----
. "$top_srcdir/tests/changes-scans.sh"

both months import "$TMP/jan.oL"
same "one scan: nothing to compare" months changes
same "one scan: changed-services neither" months changed-services
check_eq "analyses: no data for them with one scan" \
    "$("$TALLY" -d "$(cluster months)" analyses --format csv | grep '^change' | cut -d, -f1-4)" \
    "changes,scan,no,diverging-bar
changed-services,scan,no,none"
both months import --tag feb "$TMP/feb.oL"
both months import --tag mar "$TMP/mar.oL"
check_eq "analyses: data for both with two scans that share a port" \
    "$("$TALLY" -d "$(cluster months)" analyses --format csv | grep -c '^change[a-z-]*,scan,yes,')" 2

check_eq "the default pair on ClickHouse, as changes.sh wants it on SQLite" \
    "$("$TALLY" -d "$(cluster months)" show changes --format csv)" \
    "subnet,proto,port,appeared,disappeared,changed,kept
198.51.100.0/24,tcp,80,1,1,2,1
2001:db8::/64,tcp,80,1,1,0,0
192.0.2.0/24,tcp,80,1,0,0,0
203.0.113.0/24,tcp,80,0,1,0,0"
while IFS= read -r args; do
    # shellcheck disable=SC2086
    same "changes $args" months changes $args --format csv
done <<'EOF'

--from 1 --to 2
--from 1 --to feb
--to feb
--from 1
--from feb --to 1
--from feb --to 1 --prefix 32
--prefix 128
--prefix 16
--prefix 8
--prefix 48
--top 2
--top 1 --prefix 32
--port 80 --proto tcp
--port 80,443
--proto udp
--from 9
--from 2 --to feb
--from feb --to mar
--port 22
--from mar
EOF
while IFS= read -r args; do
    # shellcheck disable=SC2086
    same "changed-services $args" months changed-services $args --format csv
done <<'EOF'

--from 1 --to feb
--from feb --to 1
--to feb --port 80
--from feb --to mar
EOF
both ties import "$TMP/tie-a.oL"
both ties import "$TMP/tie-b.oL"
check_eq "rows that tie come in the order changes.sh wants on SQLite" \
    "$("$TALLY" -d "$(cluster ties)" show changes --format csv)" "$want_ties"
same "... and --top keeps the same of them" ties changes --top 3 --format csv
same "changes as a table, with its subtitle" months changes
same "changes as JSON" months changes --from 1 --to feb --format json
same "changed-services as a table, with its subtitle" months changed-services
"$TALLY" -d "$TMP/months.db" chart changes -o "$TMP/sq.svg" 2>/dev/null
"$TALLY" -d "$(cluster months)" chart changes -o "$TMP/ch.svg" 2>/dev/null
check_eq "the chart shows the same" "$(svg_text "$TMP/ch.svg")" "$(svg_text "$TMP/sq.svg")"

# A tag naming two imports is one side: their union.
masscan_list "$TMP/jan-b.oL" 1389312000 "open tcp 80 198.51.100.4"
masscan_list "$TMP/jan-c.oL" 1389312000 "open tcp 80 198.51.100.3"
both months import --tag jan "$TMP/jan-b.oL" "$TMP/jan-c.oL"
same "the union of a tag's imports against February" months changes --from jan --to feb
same "... with its subtitle" months changes --from jan --to feb --format json
same "the default pair after two more imports" months changes --format csv

# A tag's imports (u1, u2: changes-scans.sh) answer for one service together, ranked as
# their rows would be.
both union import --tag early "$TMP/u1.oL" "$TMP/u2.oL"
both union import --tag late "$TMP/u3.oL"
check_eq "a tag's imports: the most recent answer of each service, on ClickHouse" \
    "$("$TALLY" -d "$(cluster union)" show changed-services --from early --to late \
       --format csv)" "host,proto,port,field,before,after
192.0.2.1,tcp,80,server,Caddy,nginx
192.0.2.1,tcp,80,stack,PHP,(none)
2001:db8::9,tcp,80,service,ssh,ftp"
same "changed-services of a tag's imports" union changed-services --from early --to late --format csv
same "changes of a tag's imports" union changes --from early --to late --format csv
same "the other way round" union changed-services --from late --to early --format csv

# Many subnets: the most changed first, --top cutting them.
awk 'BEGIN { print "#masscan"; for (i = 0; i < 600; i++)
    printf "open tcp 443 10.%d.%d.1 1389312000\n", i / 256, i % 256; print "# end" }' \
    > "$TMP/wide-a.oL"
awk 'BEGIN { print "#masscan"; for (i = 300; i < 900; i++)
    printf "open tcp 443 10.%d.%d.1 1391990400\n", i / 256, i % 256; print "# end" }' \
    > "$TMP/wide-b.oL"
both wide import "$TMP/wide-a.oL" "$TMP/wide-b.oL"
same "600 subnets changed" wide changes --format csv
same "... the top 5" wide changes --top 5 --format csv
same "... per /16" wide changes --prefix 16 --format csv
same "... the top 5 as a table (truncated)" wide changes --top 5

# The nmap pair changes.sh compares with ndiff.
both lab import "$TMP/lab-a.xml" "$TMP/lab-b.xml"
same "the nmap pair per host (IPv4)" lab changes --prefix 32 --format csv
same "the nmap pair per host (IPv6)" lab changes --prefix 128 --format csv
same "the nmap pair per subnet" lab changes --format csv
same "the nmap pair: changed services" lab changed-services --format csv
check_eq "(five ports appear and five disappear, as ndiff says)" \
    "$("$TALLY" -d "$(cluster lab)" show changes --prefix 32 --format csv |
       awk -F, 'NR > 1 { a += $4; d += $5 } END { print a, d }')" "5 5"

# ---- every scan file of the corpora in one database: each import against the next (their
# services answer alike where they overlap: changed-services has no rows there) ----
if [ -n "$CORPORA" ]; then
    n=0
    for f in "$CORPORA"/scan/* "$CORPORA"/lab-scan/*; do
        case $f in *.pcap | *.pcapng | *.md) continue ;; esac
        [ -f "$f" ] || continue
        n=$((n + 1))
        both corpora import --tag "t$n" "$f"
    done
    check_eq "the corpora: the same imports on both" \
        "$("$TALLY" -d "$(cluster corpora)" sources --format csv | cut -d, -f1-4)" \
        "$("$TALLY" -d "$TMP/corpora.db" sources --format csv | cut -d, -f1-4)"
    same "the corpora: the default pair" corpora changes --format csv
    same "the corpora: the default pair's services" corpora changed-services --format csv
    for i in $(seq 1 $((n - 1))); do
        prefix=$((i % 2 ? 24 : 16))
        same "the corpora: $i to $((i + 1)) per /$prefix" corpora changes --from "$i" \
            --to "t$((i + 1))" --prefix "$prefix" --format csv
    done
    same "the corpora: nmap to masscan, per host" corpora changes --from 7 --to t16 \
        --prefix 32 --format csv
    same "the corpora: the nmap files' services" corpora changed-services --from 14 --to 15 \
        --format csv
else
    skip "the corpora's scan files (configure --with-corpora=DIR)"
fi

# ---- what runs on SQLite only ----
PORTED="ports subnets top-subnets subnet-squares address-map apps stacks app-stack services
changes changed-services dns-chains talkers capture-summary"
SQLITE_ONLY="providers asns countries certs tls-versions names name-patterns tls-names
meetings-per-day time-per-company meeting-durations meeting-types meeting-hours
linkedin-stats connections applications"
check_eq "every analysis is ported or SQLite's alone" \
    "$("$TALLY" analyses --format csv | sed 1d | cut -d, -f1 | sort)" \
    "$(echo $PORTED $SQLITE_ONLY | tr ' ' '\n' | sort)"
refused=""
for a in $SQLITE_ONLY; do
    "$TALLY" -d "$(cluster months)" show "$a" >/dev/null 2>"$TMP/only.err"; st=$?
    if [ "$st" != 1 ] || ! grep -q "^tally: the $a analysis does not run on ClickHouse yet (those that do: .*changes, changed-services.*); run it on a SQLite database (-d FILE.db)$" "$TMP/only.err"; then
        refused="$refused $a(exit $st)"
    fi
done
check_eq "each SQLite-only analysis says so and exits 1 on ClickHouse" "$refused" ""
check_exit "changes --label on ClickHouse exits 1" 1 \
    "$TALLY" -d "$(cluster months)" show changes --label 'aws:*'
check_eq "and says so, as the other analyses do" "$(cat "$TMP/exit.err")" \
    "tally: --label does not work on ClickHouse yet; run it on a SQLite database (-d FILE.db)"
check "a report on ClickHouse" "$TALLY" -d "$(cluster months)" report -o "$TMP/report"
check "notes what it left out" grep -q \
    "^tally: left out, as they run on SQLite only: providers, asns, countries, certs, tls-versions, names, name-patterns, tls-names$" \
    "$TMP/last.out"
check_eq "holds the changes chart" "$(ls "$TMP/report" | grep -c '^changes\.\(png\|svg\)$')" 2
check_eq "and the analyses SQLite's report has, but those left out" \
    "$(ls "$TMP/report" | grep -v -E '^(index.html|report.xlsx)$' | tr '\n' ' ')" \
    "$("$TALLY" -d "$TMP/months.db" report -o "$TMP/report-sq" >/dev/null 2>&1
       ls "$TMP/report-sq" | grep -v -E '^(index.html|report.xlsx|(providers|asns|countries|certs|tls-versions|names|name-patterns|tls-names)\..*)$' | tr '\n' ' ')"

done_testing
