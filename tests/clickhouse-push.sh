#!/usr/bin/env bash
# clickhouse-push.sh: the web analyses on ClickHouse and `tally push`, against two local
# clickhouse-server processes as the two shards of a cluster. apps, stacks, app-stack and
# services give the SQLite path's csv for every scan file with banners or headers, on its
# own and all together; push copies a SQLite database's imports so that the cluster holds
# the very rows and source rows a direct import leaves and answers alike; pushing again
# does nothing; a named source goes alone; a failed push leaves nothing counted. Captures
# too: every capture fixture and corpus capture, pushed, answers every analysis as a
# direct import and as SQLite, alone and together; a capture split into files is pushed
# as the direct import of its parts leaves it; forget after push; a capture whose copy
# fails after rows were sent leaves no row behind.
. "$top_srcdir/tests/lib.sh"
require clickhouse-server curl python3
. "$top_srcdir/tests/clickhouse-servers.sh"
unset TALLY_CLICKHOUSE_PASSWORD TALLY_CLICKHOUSE_PASSWORD_FILE TALLY_CLICKHOUSE_BATCH
trap 'ch_stop; rm -rf "$TMP"' EXIT
# The same time of import for both: source rows compare whole.
export SOURCE_DATE_EPOCH=1700000000
if ! ch_start "$TMP/servers" 2; then
    not_ok "two clickhouse-server processes start"
    done_testing
    exit 1
fi
read -r H1 H2 <<<"$CH_HTTP"
cluster() { echo "clickhouse://$CH_HOSTS/$1?cluster=tally"; }
DIRECT=$(cluster direct)
PUSHED=$(cluster pushed)
NAMED=$(cluster named)
WEB="apps stacks app-stack services"
SCAN="ports subnets top-subnets subnet-squares address-map"

# same_answers WHAT DB1 DB2 ANALYSES FILTERS: each analysis with each set of filters (one
# a line) gives the same csv from both.
same_answers() {
    local what=$1 db1=$2 db2=$3 analyses=$4 filters=$5 a f differ=""
    for a in $analyses; do
        while IFS= read -r f; do
            # shellcheck disable=SC2086
            "$TALLY" -d "$db1" show "$a" $f --format csv >"$TMP/1.csv" 2>&1
            # shellcheck disable=SC2086
            "$TALLY" -d "$db2" show "$a" $f --format csv >"$TMP/2.csv" 2>&1
            if ! cmp -s "$TMP/1.csv" "$TMP/2.csv"; then
                differ="$differ $a($f)"
                diff "$TMP/1.csv" "$TMP/2.csv" | head -6 | sed 's/^/#   /'
            fi
        done <<<"$filters"
    done
    if [ -z "$differ" ]; then ok "$what"; else not_ok "$what (differ:$differ)"; fi
}

# rows DATABASE [TABLES]: every row of the cluster's row tables (those of scans by
# default), in one order.
rows() {
    local t
    for t in ${2:-observation banner http_header}; do
        ch_query "$H1" "SELECT '$t', * FROM $1.$t" | sort
    done
}
CAPTURE_TABLES="observation banner http_header conn probe dns_answer capture_summary"

# same3 WHAT DB1 DB2 DB3 ANALYSES FILTERS: as same_answers, the three alike.
same3() {
    local what=$1 db1=$2 db2=$3 db3=$4 analyses=$5 filters=$6 a f differ=""
    for a in $analyses; do
        while IFS= read -r f; do
            # shellcheck disable=SC2086
            "$TALLY" -d "$db1" show "$a" $f --format csv >"$TMP/1.csv" 2>&1
            # shellcheck disable=SC2086
            "$TALLY" -d "$db2" show "$a" $f --format csv >"$TMP/2.csv" 2>&1
            # shellcheck disable=SC2086
            "$TALLY" -d "$db3" show "$a" $f --format csv >"$TMP/3.csv" 2>&1
            if ! cmp -s "$TMP/1.csv" "$TMP/2.csv" || ! cmp -s "$TMP/1.csv" "$TMP/3.csv"; then
                differ="$differ $a($f)"
                diff "$TMP/1.csv" "$TMP/2.csv" | head -6 | sed 's/^/#   /'
                diff "$TMP/1.csv" "$TMP/3.csv" | head -6 | sed 's/^/#   /'
            fi
        done <<<"$filters"
    done
    if [ -z "$differ" ]; then ok "$what"; else not_ok "$what (differ:$differ)"; fi
}

# ---- the scan files: into SQLite and ClickHouse, in the same order ----
files="$SAMPLES/cloud-scan.oL"
for f in "$FIXTURES"/certs/masscan.o? "$FIXTURES"/certs/nmap-ssl-cert.xml \
    "$FIXTURES"/certs/zgrab2-tls.json "$FIXTURES"/nmap-small.xml \
    "$FIXTURES"/scantext/masscan-201?.json; do
    [ -f "$f" ] && files="$files $f"
done
if [ -n "$CORPORA" ]; then
    for f in "$CORPORA"/scan/* "$CORPORA"/lab-scan/*; do
        case $f in *.pcap | *.pcapng | *.md) continue ;; esac
        [ -f "$f" ] && files="$files $f"
    done
fi
web_ids=""
for f in $files; do
    "$TALLY" -d "$TMP/all.db" import "$f" >/dev/null 2>&1 || continue
    id=$(q "$TMP/all.db" "SELECT MAX(id) FROM source")
    if ! "$TALLY" -d "$DIRECT" import "$f" >/dev/null 2>"$TMP/ch.err"; then
        not_ok "$(basename "$f"): ClickHouse imports it"
        sed 's/^/#   /' "$TMP/ch.err"
        continue
    fi
    # Those with banners or headers, for the web analyses.
    [ "$(q "$TMP/all.db" "SELECT (SELECT COUNT(*) FROM banner WHERE source_id = $id) +
        (SELECT COUNT(*) FROM http_header WHERE source_id = $id)")" -gt 0 ] &&
        web_ids="$web_ids $id:$(basename "$f")"
done
[ -z "$CORPORA" ] && skip "the corpora's scan files (configure --with-corpora=DIR)"
check_eq "the same source ids on both" \
    "$("$TALLY" -d "$DIRECT" sources --format csv | cut -d, -f1-3)" \
    "$("$TALLY" -d "$TMP/all.db" sources --format csv | cut -d, -f1-3)"

# ---- the web analyses: each file on its own, then all together ----
# (app-stack holds what apps and stacks count.)
for entry in $web_ids; do
    same_answers "${entry#*:}: the web analyses in ClickHouse answer as SQLite" \
        "$TMP/all.db" "$DIRECT" "app-stack services" "--source ${entry%%:*}"
done
same_answers "every file together: the web analyses answer as SQLite" "$TMP/all.db" \
    "$DIRECT" "$WEB" '
--top 3
--top 1
--port 80
--port 443,8443 --proto tcp
--proto udp'
for a in $WEB; do
    "$TALLY" -d "$TMP/all.db" show "$a" >"$TMP/sq.txt" 2>&1
    "$TALLY" -d "$DIRECT" show "$a" >"$TMP/ch.txt" 2>&1
    check "$a: the same table, title and subtitle" cmp "$TMP/sq.txt" "$TMP/ch.txt"
done
check "apps has rows" test "$("$TALLY" -d "$DIRECT" show apps --format csv | wc -l)" -gt 3

# ---- push ----
check "push every import" "$TALLY" -d "$TMP/all.db" push "$PUSHED"
check "and says what it pushed" grep -q "pushed as source 1: " "$TMP/last.out"
check_eq "the source rows are those of a direct import" \
    "$("$TALLY" -d "$PUSHED" sources --format csv)" "$("$TALLY" -d "$DIRECT" sources --format csv)"
check_eq "the rows are those of a direct import" "$(rows pushed | md5sum)" \
    "$(rows direct | md5sum)"
check "rows land on both shards" test \
    "$(ch_query "$H1" "SELECT count() FROM pushed.observation_local")" -gt 0 -a \
    "$(ch_query "$H2" "SELECT count() FROM pushed.observation_local")" -gt 0
same_answers "every analysis answers as SQLite" "$TMP/all.db" "$PUSHED" "$SCAN $WEB" ''

before=$(rows pushed | md5sum)
check "pushing again" "$TALLY" -d "$TMP/all.db" push "$PUSHED"
cp "$TMP/last.out" "$TMP/push.out"
check "is a no-op that says so" \
    grep -q "already pushed as source 1 (same content): nothing to do" "$TMP/push.out"
check "for every source" sh -c "! grep -q 'pushed as source [0-9]*: ' '$TMP/push.out'"
check_eq "and adds no rows" "$(rows pushed | md5sum)" "$before"
check_eq "nor sources" "$("$TALLY" -d "$PUSHED" sources --format csv)" \
    "$("$TALLY" -d "$DIRECT" sources --format csv)"

# ---- a named source, a tag ----
"$TALLY" -d "$TMP/one.db" import "$FIXTURES/certs/masscan.oJ" >/dev/null 2>&1
"$TALLY" -d "$TMP/one.db" import --tag web "$SAMPLES/cloud-scan.oL" >/dev/null 2>&1
"$TALLY" -d "$TMP/one.db" import "$SAMPLES/calendar.ics" >/dev/null 2>&1
check "push one source by its id" "$TALLY" -d "$TMP/one.db" push "$NAMED" 2
check_eq "only it is there" "$("$TALLY" -d "$NAMED" sources --format csv | cut -d, -f2-4)" \
    "path,format,tag
$SAMPLES/cloud-scan.oL,list,web"
check_eq "with all its rows" "$(ch_query "$H1" "SELECT count() FROM named.observation")" \
    "$(q "$TMP/one.db" 'SELECT COUNT(*) FROM observation WHERE source_id = 2')"
check_eq "and its provenance" \
    "$("$TALLY" -d "$NAMED" sources --format csv | tail -1 | cut -d, -f2-)" \
    "$("$TALLY" -d "$TMP/one.db" sources --format csv | grep ',web,' | cut -d, -f2-)"
check "push by tag, and a calendar" "$TALLY" -d "$TMP/one.db" push "$NAMED" web 3
cp "$TMP/last.out" "$TMP/push.out"
check "the tagged one is there already" grep -q "source 2 .*already pushed" "$TMP/push.out"
check "the calendar stays in SQLite, said" \
    grep -q "source 3 (.*calendar.ics): not pushed: .*SQLite" "$TMP/push.out"
check_eq "still one source" "$("$TALLY" -d "$NAMED" sources --format csv | wc -l)" 2

# ---- captures: every capture fixture and corpus capture ----
CAPTURE="talkers capture-summary dns-chains"
CAPDIRECT=$(cluster capdirect)
CAPPUSHED=$(cluster cappushed)
caps=$(ls "$FIXTURES"/pcap/*)
if [ -n "$CORPORA" ]; then
    caps="$caps $(ls "$CORPORA"/pcap/* "$CORPORA"/lab-scan/*.pcap 2>/dev/null)"
fi
for f in $caps; do
    "$TALLY" -d "$TMP/caps.db" import "$f" >/dev/null 2>&1 || continue
    if ! "$TALLY" -d "$CAPDIRECT" import "$f" >/dev/null 2>"$TMP/ch.err"; then
        not_ok "$(basename "$f"): ClickHouse imports it"
        sed 's/^/#   /' "$TMP/ch.err"
    fi
done
check "push every capture" "$TALLY" -d "$TMP/caps.db" push "$CAPPUSHED"
check "and says what it pushed" grep -q "pushed as source 1: .* connection" "$TMP/last.out"
check_eq "the source rows are those of a direct import" \
    "$("$TALLY" -d "$CAPPUSHED" sources --format csv)" \
    "$("$TALLY" -d "$CAPDIRECT" sources --format csv)"
check_eq "the rows are those of a direct import" "$(rows cappushed "$CAPTURE_TABLES" | md5sum)" \
    "$(rows capdirect "$CAPTURE_TABLES" | md5sum)"
check "connections land on both shards" test \
    "$(ch_query "$H1" "SELECT count() FROM cappushed.conn_local")" -gt 0 -a \
    "$(ch_query "$H2" "SELECT count() FROM cappushed.conn_local")" -gt 0
for id in $("$TALLY" -d "$TMP/caps.db" sources --format csv | awk -F, 'NR > 1 { print $1 }'); do
    name=$(basename "$(q "$TMP/caps.db" "SELECT path FROM source WHERE id = $id")")
    same3 "$name pushed: the capture analyses answer as a direct import and SQLite" \
        "$TMP/caps.db" "$CAPDIRECT" "$CAPPUSHED" "$CAPTURE" "--source $id"
done
same3 "every capture pushed: every analysis answers as a direct import and SQLite" \
    "$TMP/caps.db" "$CAPDIRECT" "$CAPPUSHED" "$CAPTURE $SCAN $WEB" '
--top 3
--proto udp'

before=$(rows cappushed "$CAPTURE_TABLES" | md5sum)
check "pushing the captures again" "$TALLY" -d "$TMP/caps.db" push "$CAPPUSHED"
check "is a no-op" sh -c "! grep -q 'pushed as source [0-9]*: ' '$TMP/last.out'"
check_eq "that adds no rows" "$(rows cappushed "$CAPTURE_TABLES" | md5sum)" "$before"

cp "$TMP/caps.db" "$TMP/forgot.db"
"$TALLY" -d "$TMP/forgot.db" forget 1 >/dev/null 2>&1
"$TALLY" -d "$CAPDIRECT" forget 1 >/dev/null 2>&1
check "forget 1 after push" "$TALLY" -d "$CAPPUSHED" forget 1
same3 "then the capture analyses answer as a direct import and SQLite" \
    "$TMP/forgot.db" "$CAPDIRECT" "$CAPPUSHED" "$CAPTURE" '
--top 3'
check_eq "its rows are gone" "$(rows cappushed "$CAPTURE_TABLES" | md5sum)" \
    "$(rows capdirect "$CAPTURE_TABLES" | md5sum)"
check "pushing again brings it back" "$TALLY" -d "$TMP/caps.db" push "$CAPPUSHED"
check_eq "alone" "$(grep -c 'pushed as source [0-9]*: ' "$TMP/last.out")" 1
same_answers "and the capture analyses answer as SQLite again" "$TMP/caps.db" "$CAPPUSHED" \
    "$CAPTURE" '
--top 3'

# ---- a capture split into files: the later file wrote again what spans them ----
"$PYTHON3" "$top_srcdir/tests/make-conn-pcaps.py" "$TMP/pcaps" ||
    { echo "Bail out! make-conn-pcaps.py failed"; exit 1; }
if needs TCPDUMP=tcpdump; then
    mkdir "$TMP/split"
    "$TCPDUMP" -r "$TMP/pcaps/long.pcap" -w "$TMP/split/part" -C 1 -Z "$(id -un)" 2>/dev/null
    parts=$(ls "$TMP/split" | sed 's/^part//' | sort -n | sed "s|^|$TMP/split/part|")
    SPLITDIRECT=$(cluster splitdirect)
    SPLITPUSHED=$(cluster splitpushed)
    # shellcheck disable=SC2086
    "$TALLY" -d "$TMP/split.db" import $parts >/dev/null 2>&1
    # shellcheck disable=SC2086
    "$TALLY" -d "$SPLITDIRECT" import $parts >/dev/null 2>&1
    check "push the parts" "$TALLY" -d "$TMP/split.db" push "$SPLITPUSHED"
    check_eq "as many parts" "$("$TALLY" -d "$SPLITPUSHED" sources --format csv | wc -l)" \
        "$(($(echo "$parts" | wc -l) + 1))"
    check_eq "the source rows (counts too) are those of a direct import" \
        "$("$TALLY" -d "$SPLITPUSHED" sources --format csv)" \
        "$("$TALLY" -d "$SPLITDIRECT" sources --format csv)"
    check_eq "the rows are those of a direct import" \
        "$(rows splitpushed "$CAPTURE_TABLES" | md5sum)" \
        "$(rows splitdirect "$CAPTURE_TABLES" | md5sum)"
    check_eq "connections spanning files belong to the later one" \
        "$(ch_query "$H1" "SELECT source_id, count() FROM splitpushed.conn GROUP BY source_id ORDER BY source_id")" \
        "$(q "$TMP/split.db" "SELECT source_id, COUNT(*) FROM conn GROUP BY source_id ORDER BY source_id" | tr '|' '\t')"
    same3 "a split capture pushed answers as a direct import and SQLite" \
        "$TMP/split.db" "$SPLITDIRECT" "$SPLITPUSHED" "$CAPTURE" '
--top 3
--source 1
--source 2'
fi

# ---- a capture whose copy fails after rows were sent: no row is left ----
big=$(q "$TMP/caps.db" "SELECT source_id FROM conn GROUP BY source_id ORDER BY COUNT(*) DESC LIMIT 1")
cp "$TMP/caps.db" "$TMP/bad.db"
q "$TMP/bad.db" "UPDATE conn SET orig = 'not an address' WHERE rowid =
    (SELECT MAX(rowid) FROM conn WHERE source_id = $big)"
TALLY_CLICKHOUSE_BATCH=512 check_exit "a row it cannot copy: exit 3" 3 \
    "$TALLY" -d "$TMP/bad.db" push "$(cluster badpush)" "$big"
check "and says which" grep -q "a row of conn of source $big .* has no address" "$TMP/exit.err"
check_eq "the source is not counted" "$(ch_query "$H1" "SELECT count() FROM badpush.source")" 0
check "rows had been sent, and were deleted" test "$(ch_query "$H2" "SELECT count() FROM
    system.mutations WHERE database = 'badpush' AND table = 'conn_local' AND is_done")" -gt 0
for t in $CAPTURE_TABLES; do
    check_eq "and no $t row is left on either shard" \
        "$(ch_query "$H1" "SELECT count() FROM badpush.${t}_local") $(ch_query "$H2" "SELECT count() FROM badpush.${t}_local")" "0 0"
done

# ---- usage ----
check_exit "push without a URL: exit 2" 2 "$TALLY" -d "$TMP/one.db" push
check_exit "push to a file: exit 2" 2 "$TALLY" -d "$TMP/one.db" push "$TMP/other.db"
check_exit "an unknown source: exit 2" 2 "$TALLY" -d "$TMP/one.db" push "$NAMED" nosuch
check "and says so" grep -q "no source has id or tag 'nosuch'" "$TMP/exit.err"
check_exit "push from ClickHouse: exit 2" 2 "$TALLY" -d "$NAMED" push "$PUSHED"
check_exit "no SQLite database: exit 3" 3 "$TALLY" -d "$TMP/none.db" push "$PUSHED"

# ---- a push that fails: nothing counts ----
# The second shard stops first: the rows cannot reach it.
read -r _ pid2 <<<"$CH_PIDS"
kill "$pid2"; wait "$pid2" 2>/dev/null
check_exit "a shard down while pushing: exit 3" 3 "$TALLY" -d "$TMP/one.db" push "$NAMED" 1
check "and says it is ClickHouse" grep -q "ClickHouse" "$TMP/exit.err"
check_eq "the source is not counted" "$(ch_query "$H1" "SELECT count() FROM named.source")" 1

done_testing
