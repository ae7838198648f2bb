#!/usr/bin/env bash
# clickhouse-capture.sh: captures on the ClickHouse backend, against two local
# clickhouse-server processes as the two shards of a cluster. For every capture fixture
# and every capture of the corpora, `show --format csv` of talkers, capture-summary and
# dns-chains equals the SQLite path's; a capture split into files (connections spanning
# them written again by the later file) gives the same answers as on SQLite and as the
# whole; rows land on both shards; forget and re-import behave as with SQLite; a capture
# that fails after rows were sent (batches of 4 KiB) leaves nothing counted, and the file
# before it intact.
. "$top_srcdir/tests/lib.sh"
require clickhouse-server curl python3
. "$top_srcdir/tests/clickhouse-servers.sh"
unset TALLY_CLICKHOUSE_PASSWORD TALLY_CLICKHOUSE_PASSWORD_FILE TALLY_CLICKHOUSE_BATCH
trap 'ch_stop; rm -rf "$TMP"' EXIT
if ! ch_start "$TMP/servers" 2; then
    not_ok "two clickhouse-server processes start"
    done_testing
    exit 1
fi
read -r H1 H2 <<<"$CH_HTTP"
cluster() { echo "clickhouse://$CH_HOSTS/$1?cluster=tally"; }

ANALYSES="talkers capture-summary dns-chains"
FILTERS='
--top 3
--proto udp
--source 1'

# same_answers WHAT SQLITE_DB URL [FILTERS [TABLE_FILTER]]: every capture analysis, as a
# table with its subtitle (with TABLE_FILTER) and as csv with each set of filters (one a
# line; an empty line: none), gives the same from both.
same_answers() {
    local what=$1 db=$2 url=$3 filters=${4:-} shown=${5:-} a f differ=""
    for a in $ANALYSES; do
        while IFS= read -r f; do
            # shellcheck disable=SC2086
            "$TALLY" -d "$db" show "$a" $f --format csv >"$TMP/sq.csv" 2>&1
            # shellcheck disable=SC2086
            "$TALLY" -d "$url" show "$a" $f --format csv >"$TMP/ch.csv" 2>&1
            if ! cmp -s "$TMP/sq.csv" "$TMP/ch.csv"; then
                differ="$differ $a($f)"
                diff "$TMP/sq.csv" "$TMP/ch.csv" | head -6 | sed 's/^/#   /'
            fi
        done <<<"$filters"
        # shellcheck disable=SC2086
        "$TALLY" -d "$db" show "$a" $shown >"$TMP/sq.txt" 2>&1
        # shellcheck disable=SC2086
        "$TALLY" -d "$url" show "$a" $shown >"$TMP/ch.txt" 2>&1
        cmp -s "$TMP/sq.txt" "$TMP/ch.txt" || differ="$differ $a(table)"
    done
    if [ -z "$differ" ]; then ok "$what: ClickHouse answers as SQLite"
    else not_ok "$what: ClickHouse answers as SQLite (differ:$differ)"; fi
}

# shard_rows PORT DATABASE TABLE: the rows of TABLE stored on one shard.
shard_rows() { ch_query "$1" "SELECT count() FROM $2.${3}_local"; }
both_shards() { echo $(( $(shard_rows "$H1" "$1" "$2") + $(shard_rows "$H2" "$1" "$2") )); }

# ---- every capture: alone (--source) and all together, both shards, forget ----
# One database on each side (a database per capture would be thousands of files on
# the servers): the imports get the same ids, so --source N is capture N alone.
files=$(ls "$FIXTURES"/pcap/*)
if [ -n "$CORPORA" ]; then
    files="$files $(ls "$CORPORA"/pcap/* "$CORPORA"/lab-scan/*.pcap 2>/dev/null)"
fi
ALL=$(cluster all)
for f in $files; do
    "$TALLY" -d "$TMP/all.db" import "$f" >/dev/null 2>"$TMP/sq.err"; sq=$?
    "$TALLY" -d "$ALL" import "$f" >/dev/null 2>"$TMP/ch.err"; chs=$?
    if [ "$sq" != "$chs" ]; then
        not_ok "$(basename "$f"): imports alike (SQLite exit $sq, ClickHouse $chs)"
        sed 's/^/#   /' "$TMP/ch.err" | head -3
    fi
done
ids=$("$TALLY" -d "$TMP/all.db" sources --format csv | awk -F, 'NR > 1 { print $1 }')
for id in $ids; do
    name=$(basename "$(q "$TMP/all.db" "SELECT path FROM source WHERE id = $id")")
    same_answers "$name alone" "$TMP/all.db" "$ALL" "--source $id" "--source $id"
done
[ -z "$CORPORA" ] && skip "the corpora's captures (configure --with-corpora=DIR)"
same_answers "every capture in one database" "$TMP/all.db" "$ALL" "$FILTERS"
# Host names from PTR answers are kept in SQLite only: its counts lose them to compare.
without_names() {
    awk -F, -v OFS=, 'NR > 1 && match($NF, /(^| )name=[0-9]+/) {
        n = substr($NF, RSTART, RLENGTH); sub(/.*=/, "", n); $6 -= n
        sub(/(^| )name=[0-9]+/, "", $NF); sub(/^ /, "", $NF) } { print }'
}
check_eq "sources lists the same imports and counts (but host names)" \
    "$("$TALLY" -d "$ALL" sources --format csv | cut -d, -f1-5,8-)" \
    "$("$TALLY" -d "$TMP/all.db" sources --format csv | cut -d, -f1-5,8- | without_names)"
for t in conn probe dns_answer capture_summary; do
    check_eq "the shards hold every $t row" "$(both_shards all "$t")" \
        "$(q "$TMP/all.db" "SELECT COUNT(*) FROM $t")"
done
r1=$(shard_rows "$H1" all conn) r2=$(shard_rows "$H2" all conn)
check "connections land on both shards ($r1 and $r2)" test "${r1:-0}" -gt 0 -a "${r2:-0}" -gt 0
"$TALLY" -d "$ALL" analyses --format csv >"$TMP/analyses.csv"
for a in $ANALYSES; do
    check_eq "analyses: $a has data as on SQLite" "$(grep "^$a," "$TMP/analyses.csv")" \
        "$("$TALLY" -d "$TMP/all.db" analyses --format csv | grep "^$a,")"
done

check_exit "re-importing a capture exits 0" 0 "$TALLY" -d "$ALL" import "$FIXTURES/pcap/dns.pcap"
check "and says it was already imported" grep -q "already imported as source" "$TMP/exit.err"
check "forget 1 on SQLite" "$TALLY" -d "$TMP/all.db" forget 1
check "forget 1 on ClickHouse" "$TALLY" -d "$ALL" forget 1
same_answers "after forget" "$TMP/all.db" "$ALL" "$FILTERS"
check_eq "forget removes its connections from both shards" "$(both_shards all conn)" \
    "$(q "$TMP/all.db" 'SELECT COUNT(*) FROM conn')"
first=$(echo "$files" | head -1)
"$TALLY" -d "$TMP/all.db" import --tag again "$first" >/dev/null 2>&1
check "re-import after forget" "$TALLY" -d "$ALL" import --tag again "$first"
same_answers "after re-import" "$TMP/all.db" "$ALL" "$FILTERS
--source again"

# ---- a capture split into files: one capture ----
"$PYTHON3" "$top_srcdir/tests/make-conn-pcaps.py" "$TMP/pcaps" ||
    { echo "Bail out! make-conn-pcaps.py failed"; exit 1; }
if needs TCPDUMP=tcpdump; then
    mkdir "$TMP/split"
    "$TCPDUMP" -r "$TMP/pcaps/long.pcap" -w "$TMP/split/part" -C 1 -Z "$(id -un)" 2>/dev/null
    parts=$(ls "$TMP/split" | sed 's/^part//' | sort -n | sed "s|^|$TMP/split/part|")
    SPLIT=$(cluster split)
    # shellcheck disable=SC2086
    "$TALLY" -d "$TMP/split.db" import $parts >/dev/null 2>&1
    # shellcheck disable=SC2086
    check "the parts import together" "$TALLY" -d "$SPLIT" import $parts
    same_answers "a split capture" "$TMP/split.db" "$SPLIT" "$FILTERS"
    check_eq "as many connections as SQLite keeps" "$(both_shards split conn)" \
        "$(q "$TMP/split.db" 'SELECT COUNT(*) FROM conn')"
    check_eq "and probe rows" "$(both_shards split probe)" \
        "$(q "$TMP/split.db" 'SELECT COUNT(*) FROM probe')"
    check_eq "connections spanning files belong to the later one" \
        "$(ch_query "$H1" "SELECT source_id, count() FROM split.conn GROUP BY source_id ORDER BY source_id")" \
        "$(q "$TMP/split.db" "SELECT source_id, COUNT(*) FROM conn GROUP BY source_id ORDER BY source_id" | tr '|' '\t')"
    "$TALLY" -d "$TMP/whole.db" import "$TMP/pcaps/long.pcap" >/dev/null 2>&1
    "$TALLY" -d "$TMP/whole.db" show talkers --format csv >"$TMP/whole.csv"
    check "talkers of the parts are those of the whole capture" \
        cmp "$TMP/whole.csv" <("$TALLY" -d "$SPLIT" show talkers --format csv)
    # The last part damaged after rows were sent: it fails, and the part before it keeps
    # its connections still open at its end.
    last=$(echo "$parts" | tail -1)
    { cat "$last"; printf '\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\x7f\xff\xff\xff\x7f'; } \
        >"$TMP/bad-last.pcap"
    SPLIT2=$(cluster split2)
    # shellcheck disable=SC2086
    "$TALLY" -d "$TMP/split2.db" import $(echo "$parts" | sed '$d') "$TMP/bad-last.pcap" \
        >/dev/null 2>&1; sq=$?
    # shellcheck disable=SC2086
    TALLY_CLICKHOUSE_BATCH=4096 "$TALLY" -d "$SPLIT2" import $(echo "$parts" | sed '$d') \
        "$TMP/bad-last.pcap" >/dev/null 2>"$TMP/split2.err"; chs=$?
    check_eq "a damaged last part fails on both" "$chs $sq" "1 1"
    check_eq "it is not a source" "$("$TALLY" -d "$SPLIT2" sources --format csv | wc -l)" \
        "$(echo "$parts" | wc -l)"
    same_answers "the parts before it as on SQLite" "$TMP/split2.db" "$SPLIT2"
    check_eq "its rows are gone, the part before it keeps its own" \
        "$(both_shards split2 conn)" "$(q "$TMP/split2.db" 'SELECT COUNT(*) FROM conn')"
fi

# ---- a capture that fails after rows were sent leaves nothing counted ----
LAB=$FIXTURES/pcap/scan.pcap
[ -n "$CORPORA" ] && [ -f "$CORPORA/lab-scan/masscan-scan.pcap" ] && LAB=$CORPORA/lab-scan/masscan-scan.pcap
{ cat "$LAB"; printf '\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\x7f\xff\xff\xff\x7f'; } \
    >"$TMP/bad.pcap"
before=$("$TALLY" -d "$ALL" sources --format csv | md5sum)
rows=$(both_shards all conn)
TALLY_CLICKHOUSE_BATCH=4096 check_exit "a damaged capture after rows were sent: exit 1" 1 \
    "$TALLY" -d "$ALL" import "$TMP/bad.pcap"
check "and says why" grep -q "bad.pcap" "$TMP/exit.err"
check_eq "its connections are deleted from both shards" "$(both_shards all conn)" "$rows"
for t in observation probe dns_answer capture_summary; do
    check_eq "and no $t row of it is left" \
        "$(ch_query "$H1" "SELECT count() FROM all.$t WHERE source_id GLOBAL NOT IN (SELECT id FROM all.source)")" 0
done
check_eq "and sources is unchanged" "$("$TALLY" -d "$ALL" sources --format csv | md5sum)" "$before"
check "a capture cut off mid-record imports, as on SQLite" \
    "$TALLY" -d "$(cluster cut)" import "$FIXTURES/pcap/truncated.pcap"
check "saying so" grep -q "the capture ends in the middle of a packet" "$TMP/last.out"

done_testing
