#!/bin/sh
# import-list.sh: masscan -oL import end to end: counts, compression, stdin, strictness,
# --lenient, duplicates, forget, and real files written by masscan.
. "$top_srcdir/tests/lib.sh"
require sqlite3


check "the sample imports" "$TALLY" import "$SAMPLES/cloud-scan.oL"
check "with a summary line" grep -q "imported as list (source 1): 1,572 open, 372 banner, 346 header, 5 closed; 0 skipped" "$TMP/last.out"
check_eq "open observations" "$(q "SELECT COUNT(*) FROM observation WHERE status='open'")" \
    "$(grep -c '^open ' "$SAMPLES/cloud-scan.oL")"
check_eq "banners" "$(q "SELECT COUNT(*) FROM banner")" "$(grep -c '^banner ' "$SAMPLES/cloud-scan.oL")"
check_eq "hosts with 9543 open" "$(q "SELECT COUNT(DISTINCT addr) FROM observation WHERE port=9543 AND status='open'")" \
    "$(grep '^open tcp 9543 ' "$SAMPLES/cloud-scan.oL" | cut -d' ' -f4 | sort -u | wc -l)"
check_eq "addresses are readable text beside their number" \
    "$(q "SELECT DISTINCT addr FROM observation WHERE ip4 = 3323101820")" "198.18.130.124"
check_eq "every ip4 equals its text" "$(q "SELECT COUNT(*) FROM observation WHERE ip4 IS NOT NULL AND addr <> ((ip4>>24)||'.'||((ip4>>16)&255)||'.'||((ip4>>8)&255)||'.'||(ip4&255))")" "0"
check_eq "the source row records the content hash" "$(q "SELECT sha256 FROM source WHERE id=1")" \
    "$(sha256sum < "$SAMPLES/cloud-scan.oL" | cut -d' ' -f1)"

before=$(db_dump "$TALLY_DB")
check "importing the same content again" "$TALLY" import "$SAMPLES/cloud-scan.oL"
check "is a no-op that says so" grep -q "already imported as source 1" "$TMP/last.out"
check_eq "and changes nothing" "$(db_dump "$TALLY_DB")" "$before"

# Past its first 4 MiB, the content is hashed on a thread of its own: the same hash.
awk 'BEGIN { print "#masscan"; for (i = 0; i < 200000; i++)
    printf "open tcp %d 100.65.%d.%d %d\n", 80 + i % 3, int(i / 256) % 256, i % 256, 1389312000 + i }' \
    > "$TMP/scan-8m.oL"
check "a scan of 8 MiB imports" "$TALLY" import "$TMP/scan-8m.oL"
check_eq "with the hash of all its content" \
    "$(q "SELECT sha256 FROM source WHERE path = '$TMP/scan-8m.oL'")" \
    "$(sha256sum < "$TMP/scan-8m.oL" | cut -d' ' -f1)"
gzip -c "$TMP/scan-8m.oL" > "$TMP/scan-8m.oL.gz"
check "and its gzip-compressed copy" "$TALLY" import "$TMP/scan-8m.oL.gz"
check "is the same content" grep -q "already imported" "$TMP/last.out"
check_exit "forget it" 0 "$TALLY" forget "$(q "SELECT id FROM source WHERE path = '$TMP/scan-8m.oL'")"

gzip -c "$SAMPLES/cloud-scan.oL" > "$TMP/scan.oL.gz"
xz -c "$SAMPLES/cloud-scan.oL" > "$TMP/scan.oL.xz" 2>/dev/null || true
check "a gzip-compressed copy is the same content" "$TALLY" import "$TMP/scan.oL.gz"
check "recognised as already imported" grep -q "already imported" "$TMP/last.out"
if needs xz; then
    check "an xz-compressed copy too" sh -c '"$TALLY" import "$TMP/scan.oL.xz" 2>&1 | grep -q "already imported"'
fi

# A decompression bomb stops at more than 1000 times the compressed size (once past a
# floor of 1 GiB, lowered here to 16 MiB): 64 MiB of newlines are 81 bytes of bzip2.
if needs bzip2; then
    head -c 64M /dev/zero | tr '\0' '\n' | bzip2 -9 > "$TMP/bomb.oL.bz2"
    before=$(db_dump "$TALLY_DB")
    TALLY_RATIO_FLOOR_MIB=16 timeout 60 "$TALLY" import -f list "$TMP/bomb.oL.bz2" >/dev/null 2>"$TMP/bomb.err"
    check_eq "a decompression bomb exits 1" "$?" 1
    check "saying how much came out of how little" grep -Eqx "tally: $TMP/bomb.oL.bz2: (16|17) MiB came out of [0-9]+ bytes of compressed data, more than 1000 times as much: refusing to go on \(a decompression bomb\?\)" "$TMP/bomb.err"
    check_eq "and changes nothing" "$(db_dump "$TALLY_DB")" "$before"
    # A real scan compresses by far less: it passes the same low floor.
    awk 'BEGIN { for (i = 0; i < 60000; i++) printf "open tcp %d 100.64.%d.%d %d\n", 80 + i % 3, int(i / 256) % 256, i % 256, 1389312000 + i }' |
        bzip2 -9 > "$TMP/scan-big.oL.bz2"
    check "while a real compressed scan of 2 MiB imports under that floor" env TALLY_RATIO_FLOOR_MIB=1 "$TALLY" import "$TMP/scan-big.oL.bz2"
fi

printf 'open tcp 9543 198.51.100.200 1389312000\n' > "$TMP/one.txt"
check "stdin imports with '-'" sh -c '"$TALLY" import --tag piped - < "$TMP/one.txt"'
check_eq "tagged" "$(q "SELECT format || ',' || tag || ',' || path FROM source WHERE tag='piped'")" "list,piped,-"

# Strict by default: a malformed record names FILE:LINE, exits 1, changes nothing.
before=$(db_dump "$TALLY_DB")
printf '#masscan\nopen tcp 80 192.0.2.1 1389312000\nopen tcp 80 192.0.2.300 1389312000\nopen tcp 81 192.0.2.2 1389312000\n' > "$TMP/bad.oL"
check_exit "a bad address fails the import" 1 "$TALLY" import "$TMP/bad.oL"
check "naming file and line" grep -q "^tally: $TMP/bad.oL:3: expected an IPv4 or IPv6 address" "$TMP/exit.err"
check_eq "the database is unchanged" "$(db_dump "$TALLY_DB")" "$before"
printf '#masscan\nopen tcp 99999 192.0.2.1 1\n' > "$TMP/port.oL"
check_exit "a bad port fails" 1 "$TALLY" import "$TMP/port.oL"
check "saying what was expected" grep -q ":2: expected a port number 0-65535" "$TMP/exit.err"
printf '#masscan\nopen tcp 80 192.0.2.1\n' > "$TMP/short.oL"
check_exit "a short line fails" 1 "$TALLY" import "$TMP/short.oL"
printf '#masscan\nbanner tcp 80 192.0.2.1 1\n' > "$TMP/banner.oL"
check_exit "a banner without a service fails" 1 "$TALLY" import "$TMP/banner.oL"
printf '#masscan\nopen tcp 80 192.0.2.1 1 extra\n' > "$TMP/extra.oL"
check_exit "trailing words on a status line fail" 1 "$TALLY" import "$TMP/extra.oL"
check_eq "none of them changed the database" "$(db_dump "$TALLY_DB")" "$before"

check "--lenient skips bad lines" "$TALLY" import --lenient "$TMP/bad.oL"
check "and counts them" grep -q "1 skipped" "$TMP/last.out"
check_eq "the good lines landed" "$(q "SELECT COUNT(*) FROM observation WHERE addr LIKE '192.0.2._' AND port IN (80,81)")" "2"

printf '#masscan\nopen tcp 80 192.0.2.9 1389312000\nopen tcp 80 192.0.' > "$TMP/cut.oL"
check "a cut-off last record imports the rest" "$TALLY" import "$TMP/cut.oL"
check "with a warning" grep -q "warning: .*cut.oL:3: the last record is cut off" "$TMP/last.out"

# masscan ends every line with a newline: a last line without one is cut off even when it
# still reads as a record (a time cut short, a banner cut inside an escape).
printf 'open tcp 80 192.0.2.11 17000' > "$TMP/cut-time.oL"
check "a cut line that still parses imports" "$TALLY" import "$TMP/cut-time.oL"
check "with the warning" grep -q "warning: .*cut-time.oL:1: the last record is cut off" "$TMP/last.out"
check_eq "and is not stored" "$(q "SELECT COUNT(*) FROM observation WHERE addr='192.0.2.11'")" "0"
printf '#masscan\nbanner tcp 80 192.0.2.12 1 http HTTP/1.1 200 OK\\x0\nopen tcp 80 192.0.2.12 1\n' > "$TMP/escape.oL"
before=$(db_dump "$TALLY_DB")
check_exit "a broken \\x escape on a whole line fails" 1 "$TALLY" import "$TMP/escape.oL"
check "naming its line" grep -q "escape.oL:2: expected \\\\x and two hex digits" "$TMP/exit.err"
check_eq "the database is unchanged" "$(db_dump "$TALLY_DB")" "$before"
if [ -f "$CORPORA/lab-scan/scan.oL" ]; then
    size=$(wc -c < "$CORPORA/lab-scan/scan.oL")
    head -c $((size * 60 / 100)) "$CORPORA/lab-scan/scan.oL" > "$TMP/lab-cut.oL"
    export TALLY_DB="$TMP/lab-cut.db"
    check "the lab scan cut at 60% imports" "$TALLY" import "$TMP/lab-cut.oL"
    check "warning about its last line" \
        grep -q "lab-cut.oL:$(wc -l < "$TMP/lab-cut.oL" | awk '{print $1 + 1}'): the last record is cut off" "$TMP/last.out"
    check_eq "the banners of its whole lines only" "$(q "SELECT COUNT(*) FROM banner")" \
        "$(sed '$d' "$TMP/lab-cut.oL" | grep -c '^banner ')"
    check_eq "none keeps a broken escape" "$(q "SELECT COUNT(*) FROM banner WHERE instr(banner, CAST('\\x' AS BLOB)) > 0")" "0"
    export TALLY_DB="$TMP/tally.db"
fi

: > "$TMP/empty.oL"
check_exit "an empty file (masscan found nothing) is not an error" 0 "$TALLY" import "$TMP/empty.oL"
check "saying it is empty" grep -q "empty: nothing to import" "$TMP/exit.err"
check_eq "and it adds no source" "$("$SQLITE3" "$TALLY_DB" "SELECT COUNT(*) FROM source WHERE path LIKE '%empty.oL'")" 0
printf '\n\nopen tcp 80 192.0.2.1 1700000000\n' > "$TMP/blank-first.oL"
check_exit "blank lines before the first record still sniff as list" 0 "$TALLY" import "$TMP/blank-first.oL"
printf 'open tcp 80 192.0.2.77 1700000000\n' > "$TMP/after.oL"
printf 'open tcp eighty 192.0.2.78 1700000000\n' > "$TMP/broken.oL"
check_exit "a bad file among several stops the import" 1 "$TALLY" import "$TMP/broken.oL" "$TMP/after.oL"
check "... and names the files not imported" grep -q "1 more file not imported, from .*after.oL" "$TMP/exit.err"

check_exit "a binary blob is not guessed at" 1 "$TALLY" import /bin/true
printf 'garbage first line\nopen tcp 80 192.0.2.10 1\n' > "$TMP/forced.txt"
check_exit "-f list on a file it cannot sniff reads it strictly" 1 "$TALLY" import -f list "$TMP/forced.txt"
check "line 1 named" grep -q "forced.txt:1:" "$TMP/exit.err"

check "forget by tag" "$TALLY" forget piped
check_eq "its rows are gone" "$(q "SELECT COUNT(*) FROM observation WHERE addr='198.51.100.200'")" "0"
check_exit "forgetting an unknown source exits 2" 2 "$TALLY" forget nosuchtag

# Real files written by masscan (see ../shared/corpora/README.md).
if needs corpora/scan corpora/lab-scan; then
    export TALLY_DB="$TMP/corpus.db"
    check "postmodern_masscan.list imports" "$TALLY" import "$CORPORA/scan/postmodern_masscan.list"
    check "3 open and 5 banners" grep -q "3 open, 5 banner" "$TMP/last.out"
    check_golden "its ports" "$GOLDEN/postmodern-list-ports.csv" "$TALLY" show ports --format csv
    check_eq "its Server header comes from http.server and the http banner" \
        "$(q "SELECT group_concat(DISTINCT product) FROM http_header WHERE name='server'")" "ECS"
    export TALLY_DB="$TMP/lab.db"
    check "the lab scan (-oL) imports" "$TALLY" import "$CORPORA/lab-scan/scan.oL"
    check "28 open and 60 banners" grep -q "28 open, 60 banner" "$TMP/last.out"
    check_golden "its ports" "$GOLDEN/lab-ports.csv" "$TALLY" show ports --format csv
    check_eq "11 hosts" "$(q "SELECT COUNT(DISTINCT addr) FROM observation")" "11"
fi

# Control bytes in a banner (an ESC sequence that would clear the screen, CR, BEL, DEL)
# come out of CSV and TSV as \xHH, as in the terminal table: nothing raw reaches a terminal.
printf '#masscan\nopen tcp 80 192.0.2.9 1700000000\nbanner tcp 80 192.0.2.9 1700000000 http.server \\x1b[2Jnginx\\x0d\\x07\\x7f/1.2\n' > "$TMP/esc.oL"
TALLY_DB="$TMP/esc.db" "$TALLY" import "$TMP/esc.oL" 2>/dev/null
for f in csv tsv table; do
    TALLY_DB="$TMP/esc.db" "$TALLY" show apps --format $f > "$TMP/esc.$f"
    check_eq "--format $f writes no control byte but tabs and line feeds" "$(tr -d '\t\n' < "$TMP/esc.$f" | LC_ALL=C tr -d '\040-\176' | wc -c)" 0
done
check_eq "CSV shows them as \\xHH" "$(sed -n 2p "$TMP/esc.csv")" '\x1b[2Jnginx\x0d\x07\x7f,1'
check_eq "TSV too (a CR, like a line break, is a space)" "$(sed -n 2p "$TMP/esc.tsv")" "$(printf '\\x1b[2Jnginx \\x07\\x7f\t1')"
done_testing
