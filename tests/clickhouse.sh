#!/usr/bin/env bash
# clickhouse.sh: the ClickHouse backend against real servers: two local clickhouse-server
# processes as the two shards of a cluster (and one alone). For the samples and every
# scan file of the corpora, `show --format csv` of each analysis that runs in ClickHouse
# equals the SQLite path's, with filters; rows land on both shards; forget and re-import
# behave as with SQLite; the errors (server down, wrong password, another schema, a failed
# import) say so, exit 3, and leave nothing counted.
. "$top_srcdir/tests/lib.sh"
require clickhouse-server curl
. "$top_srcdir/tests/clickhouse-servers.sh"
unset TALLY_CLICKHOUSE_PASSWORD TALLY_CLICKHOUSE_PASSWORD_FILE TALLY_CLICKHOUSE_BATCH
trap 'ch_stop; rm -rf "$TMP"' EXIT
export CH_PASSWORD=tally-test-secret
if ! ch_start "$TMP/servers" 2; then
    not_ok "two clickhouse-server processes start"
    done_testing
    exit 1
fi
read -r H1 H2 <<<"$CH_HTTP"
cluster() { echo "clickhouse://$CH_HOSTS/$1?cluster=tally"; }

ANALYSES="ports subnets top-subnets subnet-squares address-map"
# Each set of filters, one a line.
FILTERS='
--prefix 16
--prefix 48
--prefix 8 --top 3
--top 1
--port 80
--port 443 --proto tcp
--source 1'

# Fewer for each file on its own: the machine is shared.
QUICK_FILTERS='
--prefix 48 --top 3'

# same_answers WHAT SQLITE_DB URL [FILTERS]: every analysis with every set of filters
# ($FILTERS unless given) gives the same csv (and, unfiltered, the same table with its
# subtitle) from both.
same_answers() {
    local what=$1 db=$2 url=$3 filters=${4:-$FILTERS} a f differ=""
    for a in $ANALYSES; do
        while IFS= read -r f; do
            # shellcheck disable=SC2086
            "$TALLY" -d "$db" show "$a" $f --format csv >"$TMP/sq.csv" 2>&1
            # shellcheck disable=SC2086
            "$TALLY" -d "$url" show "$a" $f --format csv >"$TMP/ch.csv" 2>&1
            if ! cmp -s "$TMP/sq.csv" "$TMP/ch.csv"; then
                differ="$differ $a($f)"
                [ -z "${shown:-}" ] && { diff "$TMP/sq.csv" "$TMP/ch.csv" | head -8 | sed 's/^/#   /'; shown=1; }
            fi
        done <<<"$filters"
        "$TALLY" -d "$db" show "$a" >"$TMP/sq.txt" 2>&1
        "$TALLY" -d "$url" show "$a" >"$TMP/ch.txt" 2>&1
        cmp -s "$TMP/sq.txt" "$TMP/ch.txt" || differ="$differ $a(table)"
    done
    shown=""
    if [ -z "$differ" ]; then ok "$what: ClickHouse answers as SQLite"
    else not_ok "$what: ClickHouse answers as SQLite (differ:$differ)"; fi
}

# local_rows PORT DATABASE: the observation rows stored on one shard.
local_rows() { ch_query "$1" "SELECT count() FROM $2.observation_local"; }

# ---- every scan file on its own ----
files="$SAMPLES/cloud-scan.oL"
if [ -n "$CORPORA" ]; then
    for f in "$CORPORA"/scan/* "$CORPORA"/lab-scan/*; do
        case $f in *.pcap | *.pcapng | *.md) continue ;; esac
        [ -f "$f" ] && files="$files $f"
    done
fi
n=0
for f in $files; do
    n=$((n + 1))
    "$TALLY" -d "$TMP/f$n.db" import "$f" >/dev/null 2>"$TMP/sq.err"; sq=$?
    "$TALLY" -d "$(cluster "f$n")" import "$f" >/dev/null 2>"$TMP/ch.err"; chs=$?
    if [ "$sq" != "$chs" ]; then
        not_ok "$(basename "$f"): imports alike (SQLite exit $sq, ClickHouse $chs)"
        sed 's/^/#   /' "$TMP/ch.err" | head -3
    elif [ "$sq" != 0 ]; then
        ok "$(basename "$f"): refused by both (exit $sq)"
    else
        same_answers "$(basename "$f")" "$TMP/f$n.db" "$(cluster "f$n")" "$QUICK_FILTERS"
    fi
done
[ -z "$CORPORA" ] && skip "the corpora's scan files (configure --with-corpora=DIR)"

# ---- all of them in one database: unions over imports, both shards, forget ----
ALL=$(cluster all)
for f in $files; do
    "$TALLY" -d "$TMP/all.db" import "$f" >/dev/null 2>&1
    "$TALLY" -d "$ALL" import "$f" >/dev/null 2>&1
done
same_answers "every file in one database" "$TMP/all.db" "$ALL"
# Certificates and TLS versions are kept in SQLite only: its counts of them (and the
# records they add) are left out of the comparison.
check_eq "sources lists the same imports, with the same ids" \
    "$("$TALLY" -d "$ALL" sources --format csv | cut -d, -f1-5,9-)" \
    "$("$TALLY" -d "$TMP/all.db" sources --format csv | cut -d, -f1-5,9- |
        sed -E 's/ ?(tls|certificate|bad-certificate|cert-link)=[0-9]+//g')"
check_eq "the records are those SQLite counts, but for certificates" \
    "$("$TALLY" -d "$ALL" sources --format csv | awk -F, 'NR > 1 { n += $8 } END { print n }')" \
    "$("$TALLY" -d "$TMP/all.db" sources --format csv | awk -F, 'NR > 1 { n += $8
        k = split($10, kv, " "); for (i = 1; i <= k; i++) if (kv[i] ~ /^(tls|certificate|bad-certificate|cert-link)=/) { sub(/.*=/, "", kv[i]); n -= kv[i] } }
        END { print n }')"
r1=$(local_rows "$H1" all) r2=$(local_rows "$H2" all)
check "rows land on both shards ($r1 and $r2)" test "${r1:-0}" -gt 0 -a "${r2:-0}" -gt 0
check_eq "the shards hold every observation" "$((r1 + r2))" \
    "$(q "$TMP/all.db" 'SELECT COUNT(*) FROM observation')"

check_exit "re-importing the same content exits 0" 0 "$TALLY" -d "$ALL" import "$SAMPLES/cloud-scan.oL"
check "and says it was already imported" grep -q "already imported as source 1" "$TMP/exit.err"
check_eq "and adds no rows" "$(( $(local_rows "$H1" all) + $(local_rows "$H2" all) ))" "$((r1 + r2))"

check "forget 1 on SQLite" "$TALLY" -d "$TMP/all.db" forget 1
check "forget 1 on ClickHouse" "$TALLY" -d "$ALL" forget 1
check "and it says so" grep -q "forgot 1 source for '1'" "$TMP/last.out"
same_answers "after forget" "$TMP/all.db" "$ALL" "$QUICK_FILTERS"
check_eq "forget removes the rows from both shards" \
    "$(( $(local_rows "$H1" all) + $(local_rows "$H2" all) ))" \
    "$(q "$TMP/all.db" 'SELECT COUNT(*) FROM observation')"
check_exit "forgetting it again is a usage error" 2 "$TALLY" -d "$ALL" forget 1
"$TALLY" -d "$TMP/all.db" import --tag again "$SAMPLES/cloud-scan.oL" >/dev/null 2>&1
check "re-import after forget" "$TALLY" -d "$ALL" import --tag again "$SAMPLES/cloud-scan.oL"
same_answers "after re-import" "$TMP/all.db" "$ALL"
check "a tag selects it" "$TALLY" -d "$ALL" show ports --source again --format csv
"$TALLY" -d "$TMP/all.db" show ports --source again --format csv >"$TMP/tag.sq"
check "the same as SQLite's" cmp "$TMP/last.out" "$TMP/tag.sq"

# ---- one server: plain tables ----
ONE="clickhouse://127.0.0.1:$H1/single"
check "one server: import" "$TALLY" -d "$ONE" import "$SAMPLES/cloud-scan.oL"
check_eq "one server: plain MergeTree tables" \
    "$(ch_query "$H1" "SELECT engine FROM system.tables WHERE database = 'single' AND name = 'observation'")" \
    MergeTree
"$TALLY" -d "$TMP/one.db" import "$SAMPLES/cloud-scan.oL" >/dev/null 2>&1
same_answers "one server" "$TMP/one.db" "$ONE"
check "one server: forget" "$TALLY" -d "$ONE" forget 1
check_eq "one server: forget leaves no rows" \
    "$(ch_query "$H1" "SELECT count() FROM single.observation")" 0
check_eq "one server: and no source" "$("$TALLY" -d "$ONE" sources --format csv | wc -l)" 1

# ---- what stays SQLite's ----
check_exit "an analysis not ported exits 1" 1 "$TALLY" -d "$ALL" show certs
check "and names it" grep -q "the certs analysis does not run on ClickHouse" "$TMP/exit.err"
check_exit "--label, kept in SQLite only, exits 1" 1 "$TALLY" -d "$ALL" show subnets --label 'aws:*'
check "and says so" grep -q -- "--label does not work on ClickHouse" "$TMP/exit.err"
check_exit "a calendar import exits 1" 1 "$TALLY" -d "$ALL" import "$SAMPLES/calendar.ics"
check "and says why" grep -q "SQLite only" "$TMP/exit.err"
check "analyses marks what has data" "$TALLY" -d "$ALL" analyses --format csv
check "ports has data" grep -q "^ports,scan,yes," "$TMP/last.out"

# ---- errors ----
DOWN="clickhouse://127.0.0.1:$(ch_free_port)/x"
check_exit "a server down: exit 3" 3 "$TALLY" -d "$DOWN" import "$SAMPLES/cloud-scan.oL"
check "and says it cannot be reached" grep -q "cannot reach the ClickHouse server" "$TMP/exit.err"
check_exit "a password in the URL is refused" 2 "$TALLY" -d "clickhouse://tally:pw@127.0.0.1:$H1/x" sources
check "and not repeated" sh -c "! grep -q pw@ '$TMP/exit.err'"

TALLY_CLICKHOUSE_PASSWORD=not-the-password check_exit "a wrong password: exit 3" 3 \
    "$TALLY" -d "clickhouse://tally@127.0.0.1:$H1/creds" import "$SAMPLES/cloud-scan.oL"
check "and says so" grep -q "password" "$TMP/exit.err"
check "without the password" sh -c "! grep -q not-the-password '$TMP/exit.err'"
TALLY_CLICKHOUSE_PASSWORD=$CH_PASSWORD check "the right password" \
    "$TALLY" -d "clickhouse://tally@127.0.0.1:$H1/creds" import "$SAMPLES/cloud-scan.oL"
printf '%s\n' "$CH_PASSWORD" > "$TMP/password"
TALLY_CLICKHOUSE_PASSWORD_FILE=$TMP/password check "the password from a file" \
    "$TALLY" -d "clickhouse://tally@127.0.0.1:$H1/creds" sources
check "no password in sources" sh -c "! grep -q '$CH_PASSWORD' '$TMP/last.out'"

ch_query "$H1" "CREATE DATABASE newer" >/dev/null
ch_query "$H1" "CREATE TABLE newer.tally_schema (version UInt32) ENGINE = TinyLog" >/dev/null
ch_query "$H1" "INSERT INTO newer.tally_schema VALUES (99)" >/dev/null
check_exit "a schema from a newer tally: exit 3" 3 "$TALLY" -d "clickhouse://127.0.0.1:$H1/newer" show ports
check "and says so" grep -q "written by a newer tally (ClickHouse schema 99" "$TMP/exit.err"
check_exit "reading a database with no tally data: exit 3" 3 "$TALLY" -d "clickhouse://127.0.0.1:$H1/nothing" show ports

# A strict import that fails after rows were sent (batches of one row): none stay.
before=$("$TALLY" -d "$ALL" sources --format csv | md5sum)
rows=$(( $(local_rows "$H1" all) + $(local_rows "$H2" all) ))
{ head -40 "$SAMPLES/cloud-scan.oL"; echo "open tcp 80 not-an-address 1390000000"; } > "$TMP/bad.oL"
TALLY_CLICKHOUSE_BATCH=1 check_exit "a bad record after rows were sent: exit 1" 1 \
    "$TALLY" -d "$ALL" import "$TMP/bad.oL"
check_eq "its rows are deleted from both shards" \
    "$(( $(local_rows "$H1" all) + $(local_rows "$H2" all) ))" "$rows"
check_eq "and sources is unchanged" "$("$TALLY" -d "$ALL" sources --format csv | md5sum)" "$before"

# One shard down while importing: the insert fails, nothing counts.
read -r _ pid2 <<<"$CH_PIDS"
kill "$pid2"; wait "$pid2" 2>/dev/null
head -100 "$SAMPLES/cloud-scan.oL" > "$TMP/part.oL"
check_exit "a shard down during an import: exit 3" 3 "$TALLY" -d "$ALL" import "$TMP/part.oL"
check "and says which" grep -q "ClickHouse" "$TMP/exit.err"
check_eq "and sources is unchanged" "$("$TALLY" -d "$ALL" sources --format csv | md5sum)" "$before"

done_testing
