#!/bin/sh
# scan-indexes.sh: an import into empty banner and header tables indexes them once, when
# it commits, rather than row by row: the indexes are there afterwards, the query plan
# uses them, and an import that fails on the way leaves the database as it was, indexes
# and all. A small import into tables that hold rows keeps the indexes throughout; one
# that adds many rows to them builds them again, and leaves them whole too.
. "$top_srcdir/tests/lib.sh"
require sqlite3

indexes() { q "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('banner', 'http_header') ORDER BY name"; }
want='banner_service|CREATE INDEX banner_service ON banner(addr, port)
http_header_service|CREATE INDEX http_header_service ON http_header(addr, port)'

masscan_list "$TMP/first.oL" 1389312000 \
    "open tcp 80 192.0.2.1" "banner tcp 80 192.0.2.1 http.server nginx/1.4.4" \
    "banner tcp 80 192.0.2.1 http $(http_banner nginx/1.4.4 PHP/5.4)" \
    "open tcp 80 192.0.2.2" "banner tcp 80 192.0.2.2 http.server Apache/2.2.22"
"$TALLY" import "$TMP/first.oL" 2>/dev/null
check_eq "the first import leaves both indexes" "$(indexes)" "$want"
check_eq "and the rows they index" \
    "$(q "SELECT COUNT(*) FROM banner INDEXED BY banner_service WHERE addr = '192.0.2.1' AND port = 80")" "2"
check_eq "headers too" \
    "$(q "SELECT DISTINCT product FROM http_header INDEXED BY http_header_service WHERE addr = '192.0.2.1' AND port = 80 ORDER BY product")" \
    "PHP
nginx"
check_eq "the database is intact" "$(q 'PRAGMA integrity_check')" "ok"

# A failed first import into a database with no banners: nothing of it stays.
rm -f "$TALLY_DB"
masscan_list "$TMP/scan.oL" 1389312000 "open tcp 22 192.0.2.9"
"$TALLY" import "$TMP/scan.oL" 2>/dev/null
base=$(db_dump "$TALLY_DB")
{ cat "$TMP/first.oL"; echo "open tcp 99999 192.0.2.3 1389312000"; } > "$TMP/bad.oL"
check_exit "a bad record after the banners exits 1" 1 "$TALLY" import "$TMP/bad.oL"
check_eq "and leaves the database as it was" "$(db_dump "$TALLY_DB")" "$base"
check_eq "with both indexes" "$(indexes)" "$want"

# An import into tables with rows: the indexes stay as they are.
"$TALLY" import "$TMP/first.oL" 2>/dev/null
masscan_list "$TMP/second.oL" 1389313000 \
    "open tcp 443 192.0.2.7" "banner tcp 443 192.0.2.7 http.server Caddy"
"$TALLY" import "$TMP/second.oL" 2>/dev/null
check_eq "a later import keeps both indexes" "$(indexes)" "$want"
check_eq "which hold every row" \
    "$(q "SELECT COUNT(*) FROM banner INDEXED BY banner_service WHERE addr >= ''")" \
    "$(q "SELECT COUNT(*) FROM banner")"
check_eq "the database is intact" "$(q 'PRAGMA integrity_check')" "ok"

# A large import into those tables: 6,000 services, each with a banner and a header.
{
    echo "#masscan"
    awk 'BEGIN { for (i = 0; i < 6000; i++) {
        a = sprintf("198.18.%d.%d", int(i / 250), i % 250 + 1)
        printf "open tcp 80 %s 1389314000\n", a
        printf "banner tcp 80 %s 1389314000 http.server nginx/1.%d\n", a, i % 20 } }'
} > "$TMP/large.oL"
{ cat "$TMP/large.oL"; echo "open tcp 99999 192.0.2.3 1389312000"; } > "$TMP/large-bad.oL"
base=$(db_dump "$TALLY_DB")
check_exit "a large import that fails exits 1" 1 "$TALLY" import "$TMP/large-bad.oL"
check_eq "and leaves the database as it was" "$(db_dump "$TALLY_DB")" "$base"
check_eq "with both indexes" "$(indexes)" "$want"
"$TALLY" import "$TMP/large.oL" 2>/dev/null
check_eq "a large import leaves both indexes" "$(indexes)" "$want"
check_eq "which hold every banner" \
    "$(q "SELECT COUNT(*) FROM banner INDEXED BY banner_service WHERE addr >= ''")" \
    "$(q "SELECT COUNT(*) FROM banner")"
check_eq "and every header" \
    "$(q "SELECT COUNT(*) FROM http_header INDEXED BY http_header_service WHERE addr >= ''")" \
    "$(q "SELECT COUNT(*) FROM http_header")"
check_eq "the import's among them" \
    "$(q "SELECT COUNT(*) FROM banner INDEXED BY banner_service WHERE addr = '198.18.23.250' AND port = 80")" "1"
check_eq "the database is intact" "$(q 'PRAGMA integrity_check')" "ok"

done_testing
