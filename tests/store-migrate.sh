#!/bin/sh
# store-migrate.sh: a database an older tally wrote (tests/fixtures/v1.db, schema 1, made
# by tests/fixtures/make-v1-db.sh) is migrated when opened and then answers every analysis
# exactly as a fresh import of the same files does, with the same host sets, built from its
# rows; a database from a newer tally is refused and left untouched.
. "$top_srcdir/tests/lib.sh"

OLD="$TMP/old.db"
FRESH="$TMP/fresh.db"
cp "$FIXTURES/v1.db" "$OLD"
version() { "$SQLITE3" "$1" "PRAGMA user_version"; }
schema() { "$SQLITE3" "$1" "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"; }
# Every row but the sources' (their import times and durations differ) and the
# connections' (the old flow rows knew no state, history or end: compared below), in
# any order (the new tables come after the views in an upgraded file).
rows() { "$SQLITE3" "$1" .dump | grep -v '^INSERT INTO source \|^INSERT INTO conn ' | sort; }
conns() { "$SQLITE3" "$1" "SELECT source_id, proto, orig, orig_port, resp, resp_port,
    first_seen, last_seen, orig_packets, orig_bytes, resp_packets, resp_bytes, orig_flags,
    resp_flags FROM conn ORDER BY 1, 3, 4, 5, 6, 2"; }

# The same files, in the same order and from the same folder, as make-v1-db.sh.
(cd "$top_srcdir" && TALLY="$TALLY" OUT="$FRESH" SQLITE3="$SQLITE3" \
    sh tests/fixtures/make-v1-db.sh) >"$TMP/fresh.out" 2>&1 ||
    { echo "Bail out! the fresh import failed"; sed 's/^/# /' "$TMP/fresh.out"; exit 1; }

check_eq "the fixture is at schema 1" "$(version "$OLD")" 1
current=$(version "$FRESH")
check "a fresh database is beyond schema 1" test "$current" -gt 1

# A read-only command migrates (through a read-write connection of its own).
check_eq "analyses: the same catalogue, with the same data marks" \
    "$("$TALLY" -d "$OLD" analyses --format csv 2>&1)" \
    "$("$TALLY" -d "$FRESH" analyses --format csv 2>&1)"
check_eq "the read-only open migrated the file to the current schema" \
    "$(version "$OLD")" "$current"
check_eq "the migrated schema is the fresh one" "$(schema "$OLD")" "$(schema "$FRESH")"
rows "$FRESH" >"$TMP/fresh.rows"
if rows "$OLD" | cmp -s - "$TMP/fresh.rows"; then
    ok "every row but the sources' is the same as a fresh import's"
else
    not_ok "every row but the sources' is the same as a fresh import's"
    rows "$OLD" | diff - "$TMP/fresh.rows" | head -10 | sed 's/^/#   /'
fi

check_eq "the old flows are paired into the connections a fresh import finds" \
    "$(conns "$OLD")" "$(conns "$FRESH")"

# The host sets (schema 3) are built for every import the old file holds, from its rows.
check_eq "the migrated file has the host sets of a fresh import" \
    "$("$SQLITE3" "$OLD" "SELECT source_id, proto, port, status, family, hosts, first_seen,
                                 last_seen, hex(members) FROM host_set ORDER BY rowid")" \
    "$("$SQLITE3" "$FRESH" "SELECT source_id, proto, port, status, family, hosts, first_seen,
                                   last_seen, hex(members) FROM host_set ORDER BY rowid")"
check_eq "one for each import with observations, proto, port and status" \
    "$("$SQLITE3" "$OLD" "SELECT COUNT(*) FROM (SELECT DISTINCT source_id, proto, port, status
                                               FROM host_set)")" \
    "$("$SQLITE3" "$OLD" "SELECT COUNT(*) FROM (SELECT DISTINCT source_id, proto, port, status
                                               FROM observation)")"
check "and there are some, IPv4 and IPv6" test \
    "$("$SQLITE3" "$OLD" "SELECT COUNT(DISTINCT family) FROM host_set")" = 2

for a in $("$TALLY" -d "$FRESH" analyses --format csv | awk -F, '$3 == "yes" { print $1 }'); do
    check_eq "show $a: the same as after a fresh import" \
        "$("$TALLY" -d "$OLD" show "$a" --format csv 2>&1)" \
        "$("$TALLY" -d "$FRESH" show "$a" --format csv 2>&1)"
done

# An import (read-write) migrates too.
cp "$FIXTURES/v1.db" "$TMP/import.db"
check "an import into a schema-1 database works" \
    "$TALLY" -d "$TMP/import.db" import "$FIXTURES/personal/outlook-de.csv"
check_eq "and migrated it" "$(version "$TMP/import.db")" "$current"

# A database a newer tally wrote is refused, whatever the command, and never written.
NEWER="$TMP/newer.db"
cp "$FRESH" "$NEWER"
"$SQLITE3" "$NEWER" "PRAGMA user_version = $((current + 1))"
cp "$NEWER" "$TMP/newer.orig"
check_exit "show refuses a database from a newer tally" 3 "$TALLY" -d "$NEWER" show ports
check "and says why" grep -q "written by a newer tally (schema $((current + 1)), this one knows $current)" "$TMP/exit.err"
check_exit "import refuses it too" 3 "$TALLY" -d "$NEWER" import "$SAMPLES/linkedin-stats.csv"
check_exit "forget refuses it too" 3 "$TALLY" -d "$NEWER" forget 1
check "the newer database is left byte for byte as it was" cmp "$NEWER" "$TMP/newer.orig"

done_testing
