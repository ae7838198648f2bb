#!/usr/bin/env bash
# clickhouse-failover.sh: a ClickHouse cluster with a server down or a disk full. Reads go
# to the next listed server when the one in use cannot be reached, and say nothing; an
# answer that needs a shard that is down fails (exit 3) rather than leave its rows out;
# changes need every listed server; with none up, one message names them all. A database
# of the older layout (bookkeeping on the first server only) gets copies on the others. A
# shard whose disk fills during an import: exit 3, a message that says so, nothing counted.
. "$top_srcdir/tests/lib.sh"
require clickhouse-server curl
. "$top_srcdir/tests/clickhouse-servers.sh"
unset TALLY_CLICKHOUSE_PASSWORD TALLY_CLICKHOUSE_PASSWORD_FILE TALLY_CLICKHOUSE_BATCH
trap 'ch_stop; rm -rf "$TMP"' EXIT
SERVERS=$TMP/servers
if ! ch_start "$SERVERS" 2; then
    not_ok "two clickhouse-server processes start"
    done_testing
    exit 1
fi
read -r H1 H2 <<<"$CH_HTTP"
ALL="clickhouse://$CH_HOSTS/fo?cluster=tally"
SQL=$TMP/fo.db
SCAN=$SAMPLES/cloud-scan.oL
# A second scan on other addresses (so that both shards hold rows of both).
sed -e 's/ 198\.18\./ 10.18./' -e 's/ 198\.19\./ 10.19./' "$SCAN" > "$TMP/other.oL"

for f in "$SCAN" "$TMP/other.oL"; do
    "$TALLY" -d "$SQL" import "$f" >/dev/null 2>&1
    check "import $(basename "$f") into the cluster" "$TALLY" -d "$ALL" import "$f"
done
ports() { "$TALLY" -d "$1" show ports --format csv 2>"$TMP/ports.err"; }
sources() { "$TALLY" -d "$1" sources --format csv 2>"$TMP/sources.err" | cut -d, -f1-5,8-; }
want_ports=$(ports "$SQL")
want_sources=$(sources "$SQL")
check_eq "ports as SQLite" "$(ports "$ALL")" "$want_ports"
check_eq "sources as SQLite" "$(sources "$ALL")" "$want_sources"
check_eq "each server keeps the sources" \
    "$(ch_query "$H1" "SELECT count() FROM fo.source") $(ch_query "$H2" "SELECT count() FROM fo.source")" \
    "2 2"

# ---- the server in use cannot be reached: the next listed one answers ----
DEAD=127.0.0.1:$(ch_free_port)
VIA_DEAD="clickhouse://$DEAD,127.0.0.1:$H1,127.0.0.1:$H2/fo?cluster=tally"
check_eq "a server listed first that is down: ports from the next" "$(ports "$VIA_DEAD")" \
    "$want_ports"
check "and nothing said" test ! -s "$TMP/ports.err"
check_eq "sources too" "$(sources "$VIA_DEAD")" "$want_sources"
check_eq "the shards listed the other way round" \
    "$(ports "clickhouse://127.0.0.1:$H2,127.0.0.1:$H1/fo?cluster=tally")" "$want_ports"
check_exit "a change with a listed server down: exit 3" 3 \
    "$TALLY" -d "$VIA_DEAD" forget 1
check "and names it" grep -q "cannot reach the ClickHouse server $DEAD" "$TMP/exit.err"
check_eq "and changes nothing" "$(sources "$ALL")" "$want_sources"

# ---- the first shard down ----
ch_kill 0
check_eq "first shard down: sources from the second" "$(sources "$ALL")" "$want_sources"
check "and nothing said" test ! -s "$TMP/sources.err"
check_exit "an analysis that needs the shard that is down: exit 3" 3 \
    "$TALLY" -d "$ALL" show ports
check "and says a shard cannot be reached" \
    grep -q "cannot reach a shard of the cluster on its TCP port" "$TMP/exit.err"
sed 's/^/#   /' "$TMP/exit.err"
check_exit "naming only the server that is down: exit 3" 3 \
    "$TALLY" -d "clickhouse://127.0.0.1:$H1/fo" sources
check "and says it cannot be reached" \
    grep -q "cannot reach the ClickHouse server 127.0.0.1:$H1" "$TMP/exit.err"
check_exit "an import: exit 3" 3 "$TALLY" -d "$ALL" import "$SAMPLES/cloud-scan.oL"
check_exit "forget: exit 3" 3 "$TALLY" -d "$ALL" forget 1
check_eq "and sources is unchanged" "$(sources "$ALL")" "$want_sources"

# ---- both down ----
ch_kill 1
check_exit "both shards down: exit 3" 3 "$TALLY" -d "$ALL" sources
check "and one message names both" grep -q \
    "cannot reach any of the ClickHouse servers 127.0.0.1:$H1, 127.0.0.1:$H2" "$TMP/exit.err"
if ch_restart "$SERVERS" 0 && ch_restart "$SERVERS" 1; then
    ok "both start again"
else
    not_ok "both start again"
fi
check_eq "then ports is as before" "$(ports "$ALL")" "$want_ports"
check_eq "and sources" "$(sources "$ALL")" "$want_sources"

# ---- a database of the older layout: the source table on the first server only ----
OLD="clickhouse://$CH_HOSTS/old?cluster=tally"
"$TALLY" -d "$OLD" import "$SCAN" >/dev/null 2>&1
for sql in "DROP TABLE old.source" "DROP TABLE old.source_claim" "DROP TABLE old.tally_schema"; do
    ch_query "$H2" "$sql" >/dev/null
done
ch_query "$H1" "DROP TABLE old.tally_schema" >/dev/null
ch_query "$H1" "CREATE TABLE old.tally_schema (version UInt32) ENGINE = TinyLog" >/dev/null
ch_query "$H1" "INSERT INTO old.tally_schema VALUES (2)" >/dev/null
check_eq "an older database reads as before" "$(sources "$OLD" | cut -d, -f1-3)" \
    "$(sources "$ALL" | head -2 | cut -d, -f1-3)"
check_eq "and the second server has a copy of the sources now" \
    "$(ch_query "$H2" "SELECT id, sha256 FROM old.source")" \
    "$(ch_query "$H1" "SELECT id, sha256 FROM old.source")"

# ---- a full disk on the second shard ----
# Its database "full" on a 1 MiB tmpfs, mounted in a mount namespace of its own.
FULLDIR=$SERVERS/ch1/data/data/full
mkdir -p "$FULLDIR"
# shellcheck disable=SC2016
if ! unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$0"' "$FULLDIR" 2>/dev/null; then
    skip "a shard on a small filesystem (cannot mount a tmpfs in a mount namespace here)"
else
    ch_kill 1
    # shellcheck disable=SC2016
    if ! ch_restart "$SERVERS" 1 unshare -m sh -c \
        'mount -t tmpfs -o size=1m tmpfs "$0" && exec "$@"' "$FULLDIR"; then
        not_ok "the second shard starts on a 1 MiB filesystem"
    else
        FULL="clickhouse://$CH_HOSTS/full?cluster=tally"
        check "a small import fits" "$TALLY" -d "$FULL" import "$SCAN"
        before_ports=$(ports "$FULL") before_sources=$(sources "$FULL")
        awk 'BEGIN { srand(7); print "#masscan"
            for (i = 0; i < 100000; i++)
                printf "open tcp %d %d.%d.%d.%d %d\n", 1 + int(rand() * 65000),
                    1 + int(rand() * 220), int(rand() * 256), int(rand() * 256),
                    int(rand() * 256), 1390000000 + i
            print "# end" }' > "$TMP/big.oL"
        check_exit "a large one fills the disk: exit 3" 3 "$TALLY" -d "$FULL" import "$TMP/big.oL"
        check "and says so" grep -q "no space left on its disk" "$TMP/exit.err"
sed 's/^/#   /' "$TMP/exit.err"
        check_eq "sources is as before" "$(sources "$FULL")" "$before_sources"
        check_eq "ports too" "$(ports "$FULL")" "$before_ports"
        check_eq "no rows of it stay on the first shard" \
            "$(ch_query "$H1" "SELECT count() FROM full.observation_local WHERE source_id != 1")" 0
    fi
fi

done_testing
