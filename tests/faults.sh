#!/bin/sh
# faults.sh: what happens when things go wrong around an import: the process is killed,
# the disk fills, the database is read-only, corrupt or locked, two imports run at once, a
# report cannot be written. Nothing is lost, nothing crashes, the message is clear.
. "$top_srcdir/tests/lib.sh"
require sqlite3

"$TALLY" import "$SAMPLES/cloud-scan.oL" 2>/dev/null
base=$(db_dump "$TALLY_DB")

# A large list: about 40 MB, a few seconds to import.
awk 'BEGIN { print "#masscan"; for (i = 0; i < 1200000; i++)
        printf "open tcp %d 198.%d.%d.%d %d\n", 80 + i % 3, 18 + i % 2, int(i / 256) % 256, i % 256, 1389312000 + i }' > "$TMP/big.oL"

# 1. SIGKILL in the middle of an import leaves the database as it was.
"$TALLY" import "$TMP/big.oL" 2>/dev/null &
pid=$!
i=0
while [ ! -e "$TALLY_DB-journal" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check_eq "an import killed with SIGKILL leaves the database as it was" "$(db_dump "$TALLY_DB")" "$base"
check_eq "and intact" "$(q 'PRAGMA integrity_check')" "ok"

# 2. A full disk (a file size limit) gives a clear error and an intact database.
( trap '' XFSZ; ulimit -f $(( $(stat -c %s "$TALLY_DB") / 512 + 200 )); exec "$TALLY" import "$TMP/big.oL" ) \
    >"$TMP/full.out" 2>"$TMP/full.err"
check_eq "a full disk exits 3" "$?" "3"
check "with a clear message" grep -Eq "^tally: .*(full|too large|disk)" "$TMP/full.err"
check_eq "the database is unchanged" "$(db_dump "$TALLY_DB")" "$base"
check_eq "and intact" "$(q 'PRAGMA integrity_check')" "ok"

# 3. A corrupt database file is refused clearly.
head -c 4096 /dev/urandom > "$TMP/corrupt.db"
corrupt=$(md5sum < "$TMP/corrupt.db")
check_exit "a corrupt database exits 3" 3 "$TALLY" -d "$TMP/corrupt.db" import "$SAMPLES/cloud-scan.oL"
check "saying it is not a tally database" \
    grep -qx "tally: $TMP/corrupt.db is not a tally database (or is damaged): file is not a database" "$TMP/exit.err"
check_eq "and leaving it as it was" "$(md5sum < "$TMP/corrupt.db")" "$corrupt"
printf 'SQLite format 3\0' > "$TMP/truncated.db"
check_exit "a truncated database exits 3" 3 "$TALLY" -d "$TMP/truncated.db" show ports

# 4. A read-only database: reads work, an import is refused clearly.
cp "$TALLY_DB" "$TMP/ro.db"
chmod 444 "$TMP/ro.db"
chmod 755 "$TMP"
as_other=""
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    as_other="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ "$(id -u)" != 0 ] || [ -n "$as_other" ]; then
    check "a read-only database can be shown" $as_other "$TALLY" -d "$TMP/ro.db" show ports
    check_exit "but an import into it exits 3" 3 $as_other "$TALLY" -d "$TMP/ro.db" import "$TMP/big.oL"
    check "saying why" grep -qi "readonly\|read-only\|permission" "$TMP/exit.err"
else
    skip "running as root without setpriv: permissions are not enforced"
fi

# 5. A database locked by another process is waited for, then reported.
cat > "$TMP/lock.py" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[1] + ".locked", "w").close()
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
PY
if needs python3:sqlite3; then
    "$PYTHON3" "$TMP/lock.py" "$TALLY_DB" 1.5 &
    lock=$!
    while [ ! -e "$TALLY_DB.locked" ]; do sleep 0.05; done
    printf 'open tcp 9543 198.51.100.250 1389312000\n' > "$TMP/wait.oL"
    check "an import waits for a short lock" "$TALLY" import "$TMP/wait.oL"
    wait $lock
    rm -f "$TALLY_DB.locked"
    "$PYTHON3" "$TMP/lock.py" "$TALLY_DB" 4 &
    lock=$!
    while [ ! -e "$TALLY_DB.locked" ]; do sleep 0.05; done
    printf 'open tcp 9543 198.51.100.251 1389312000\n' > "$TMP/late.oL"
    TALLY_BUSY_TIMEOUT=500 "$TALLY" import "$TMP/late.oL" >/dev/null 2>"$TMP/locked.err"
    check_eq "and reports a lock that outlasts the timeout (exit 3)" "$?" "3"
    check "saying it is locked, and how long it waited" \
        grep -qx "tally: $TALLY_DB: the database is locked by another process (waited 0.5 s)" "$TMP/locked.err"
    check "not that the database is damaged" sh -c '! grep -q "not a tally database\|damaged" "$1"' sh "$TMP/locked.err"
    wait $lock
    rm -f "$TALLY_DB.locked"
fi

# 6. Two imports into one database at the same time both land.
awk 'BEGIN { for (i = 0; i < 50000; i++) printf "open tcp 443 203.0.%d.%d 1\n", int(i / 256) % 256, i % 256 }' > "$TMP/a.oL"
awk 'BEGIN { for (i = 0; i < 50000; i++) printf "open tcp 8443 203.0.%d.%d 1\n", int(i / 256) % 256, i % 256 }' > "$TMP/b.oL"
"$TALLY" import "$TMP/a.oL" 2>"$TMP/a.err" & a=$!
"$TALLY" import "$TMP/b.oL" 2>"$TMP/b.err" & b=$!
wait $a; ra=$?
wait $b; rb=$?
check_eq "two concurrent imports both succeed" "$ra $rb" "0 0"
check_eq "and nothing is lost" "$(q "SELECT COUNT(*) FROM observation WHERE port IN (443, 8443)")" "100000"

# 7. A report into a folder that cannot be made fails cleanly.
: > "$TMP/afile"
check_exit "report into a path under a file exits 3" 3 "$TALLY" report -o "$TMP/afile/report"
check "saying why" grep -q "^tally: $TMP/afile/report: cannot create the folder" "$TMP/exit.err"
# A folder that cannot be written (mode 555): root ignores the mode, so root runs tally as
# nobody (the database is readable by all).
mkdir "$TMP/ro-dir"
chmod 555 "$TMP/ro-dir"
chmod 644 "$TALLY_DB"
if [ "$(id -u)" != 0 ] || [ -n "$as_other" ]; then
    check_exit "report into a new folder inside a read-only one exits 3" 3 \
        $as_other "$TALLY" report -o "$TMP/ro-dir/report"
    check "saying why" grep -qx "tally: $TMP/ro-dir/report: cannot create the folder: Permission denied" "$TMP/exit.err"
    check_exit "report into the read-only folder itself exits 3" 3 $as_other "$TALLY" report -o "$TMP/ro-dir"
    check "naming the file it cannot write" grep -q "^tally: $TMP/ro-dir/[a-z-]*\.[a-z]*: cannot write: Permission denied" "$TMP/exit.err"
    check_eq "and leaving nothing there" "$(ls -A "$TMP/ro-dir")" ""
else
    skip "running as root without setpriv: a mode-555 folder is writable to root"
fi
done_testing
