#!/bin/sh
# cli-basics.sh: the command-line contract: help, version, exit codes, messages.
. "$top_srcdir/tests/lib.sh"

check "tally --version names the version" sh -c '"$TALLY" --version | grep -q "^tally [0-9]"'
check "tally --help lists the commands" sh -c '"$TALLY" --help | grep -q "workbook"'
for cmd in import sources forget analyses show chart workbook report; do
    check "tally $cmd --help" sh -c "\"$TALLY\" $cmd --help | grep -q 'usage: tally'"
done
check "import --help lists the list format" sh -c '"$TALLY" import --help | grep -q "^  list "'
check_exit "an unknown command exits 2" 2 "$TALLY" frobnicate
check "and says so" grep -q "^tally: 'frobnicate' is not a tally command" "$TMP/exit.err"
check_exit "an unknown option exits 2" 2 "$TALLY" show ports --frob
check_exit "a bad --port exits 2" 2 "$TALLY" show ports --port 70000
check_exit "a bad --prefix exits 2" 2 "$TALLY" show subnets --prefix 4
check_exit "a bad --since exits 2" 2 "$TALLY" show ports --since yesterday
check_exit "an unknown analysis exits 2" 2 "$TALLY" show nosuch
check_exit "show without a database exits 3" 3 "$TALLY" -d "$TMP/none.db" show ports
check "and says what to do" grep -q "import something first" "$TMP/exit.err"
check "no database file was created by a read" test ! -e "$TMP/none.db"
check_exit "import without files exits 2" 2 "$TALLY" import
check_exit "import of a missing file exits 3" 3 "$TALLY" import "$TMP/missing.oL"
check "naming the file" grep -q "^tally: $TMP/missing.oL: cannot open" "$TMP/exit.err"
printf 'open tcp 80 192.0.2.1 1389312000\nnot a record\n' > "$TMP/bad.oL"
check_exit "a first import that fails exits 1" 1 \
    "$TALLY" -d "$TMP/first.db" import -f list "$TMP/bad.oL"
check "and leaves no database behind" test ! -e "$TMP/first.db"
check "nor a journal" test ! -e "$TMP/first.db-journal"
: > "$TMP/kept.db"
check_exit "a failed import into an empty file that was there exits 1" 1 \
    "$TALLY" -d "$TMP/kept.db" import -f list "$TMP/bad.oL"
check "and keeps the file" test -e "$TMP/kept.db"
check_exit "chart without -o exits 2" 2 "$TALLY" chart ports
check_exit "chart to an unknown extension exits 2" 2 "$TALLY" chart ports -o "$TMP/x.gif"
check "analyses lists the catalogue without a database" \
    sh -c '"$TALLY" -d "$TMP/none.db" analyses --format csv | grep -q "^top-subnets,scan,no,"'
check "-d names the database" sh -c \
    '"$TALLY" -d "$TMP/d.db" import "$SAMPLES/cloud-scan.oL" 2>/dev/null && test -s "$TMP/d.db"'
check "TALLY_DB names the database" sh -c \
    'TALLY_DB="$TMP/e.db" "$TALLY" import "$SAMPLES/cloud-scan.oL" 2>/dev/null && test -s "$TMP/e.db"'
# The status line: drawn on a terminal or with --progress=always, never into a pipe by
# default, never with -q.
awk 'BEGIN { for (i = 0; i < 70000; i++)
    printf "open tcp %d 10.%d.%d.%d 1389312000\n", 80 + i % 3, i / 65536 % 256, i / 256 % 256, i % 256 }' \
    > "$TMP/progress.oL"
check "--progress=always draws the status line into a pipe" sh -c \
    '"$TALLY" -d "$TMP/p1.db" --progress=always import "$TMP/progress.oL" 2>"$TMP/p1.err"'
check "naming the file, how far it is in its size and the records stored" \
    grep -aq "tally: $TMP/progress.oL: [0-9]*% of [0-9.]* MiB, [0-9,]* records" \
    "$TMP/p1.err"
check "then the summary line" grep -aq "imported as list (source 1): 70,000 open" "$TMP/p1.err"
check "by default nothing but the summary goes into a pipe" sh -c \
    '"$TALLY" -d "$TMP/p2.db" import "$TMP/progress.oL" 2>"$TMP/p2.err" &&
     test "$(wc -l < "$TMP/p2.err")" -eq 1 && ! grep -q "$(printf "\r")" "$TMP/p2.err"'
check "-q prints nothing when all goes well" sh -c \
    '"$TALLY" -d "$TMP/p3.db" -q --progress=always import "$TMP/progress.oL" 2>"$TMP/p3.err" &&
     test ! -s "$TMP/p3.err" && test -s "$TMP/p3.db"'
check_exit "-q still reports a failure" 1 "$TALLY" -d "$TMP/p3.db" --quiet import -f list "$TMP/bad.oL"
check "with its line" grep -q "^tally: $TMP/bad.oL:2: " "$TMP/exit.err"
"$SQLITE3" "$TMP/p1.db" "DROP TABLE host_set; DROP TABLE web_count; DROP TABLE web_host_set;
    DROP TABLE web_winner; DROP TABLE cert_service; DROP TABLE cert_count; DROP TABLE tls_count;
    DROP TABLE certificate; DROP TABLE tls_service;
    PRAGMA user_version = 2"
check "a migration that reads every row follows it on the status line" sh -c \
    '"$TALLY" -d "$TMP/p1.db" --progress=always show ports >"$TMP/p4.out" 2>"$TMP/p4.err" &&
     grep -aq "tally: $TMP/p1.db: upgrading: host sets built from the observations, [0-9]*% of 70,000 rows" "$TMP/p4.err"'
check "and answers as before" grep -q "^ *80  tcp    23,334$" "$TMP/p4.out"
check_exit "--progress takes never, auto or always" 2 "$TALLY" --progress sometimes sources
check "and says so" grep -q "^tally: --progress takes never, auto or always, not 'sometimes'" \
    "$TMP/exit.err"
check_exit "an option without its value exits 2" 2 "$TALLY" -d "$TMP/p2.db" show ports --port
check "and says which value is missing" grep -q "^tally: show: option '--port' needs a value" \
    "$TMP/exit.err"
check_exit "so does import's -f" 2 "$TALLY" -d "$TMP/p2.db" import -f
check "saying so" grep -q "^tally: import: option '-f' needs a value" "$TMP/exit.err"
check "report follows its analyses on the status line" sh -c \
    '"$TALLY" -d "$TMP/p2.db" --progress=always report -o "$TMP/p-report" 2>"$TMP/p5.err" &&
     grep -aq "tally: $TMP/p-report: ports (1 of [0-9]*)" "$TMP/p5.err" &&
     grep -aq "tally: $TMP/p-report: writing [0-9]* analyses" "$TMP/p5.err" &&
     grep -aq "tally: wrote [0-9]* analyses to $TMP/p-report/" "$TMP/p5.err"'
check "-q report prints nothing" sh -c \
    '"$TALLY" -d "$TMP/p2.db" -q report -o "$TMP/q-report" 2>"$TMP/p6.err" &&
     test ! -s "$TMP/p6.err" && test -s "$TMP/q-report/index.html"'
check "--progress never is accepted" "$TALLY" -d "$TMP/p2.db" --progress never sources

done_testing
