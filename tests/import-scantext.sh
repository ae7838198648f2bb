#!/bin/sh
# import-scantext.sh: masscan JSON (-oJ, every shape it has had), NDJSON (-oD) and grepable
# (-oG) imports: record counts of real files and fixtures, strict errors naming FILE:LINE
# with the database unchanged, --lenient, cut-off files, and the lab scan giving the same
# ports / apps / stacks / app-stack / services whichever format it was saved in; records the
# quick JSON reader reads and those it leaves to jansson store the same bytes.
. "$top_srcdir/tests/lib.sh"
require sqlite3

FIX="$FIXTURES/scantext"

import_stdin() { "$TALLY" import - <"$1"; }

# "OPEN BANNERS HEADERS" of a database.
counts() {
    "$SQLITE3" "$1" "SELECT (SELECT COUNT(*) FROM observation WHERE status = 'open') || ' ' ||
                            (SELECT COUNT(*) FROM banner) || ' ' ||
                            (SELECT COUNT(*) FROM http_header)"
}

# ---- every file of the counts golden, each into its own database ----
n=0
while read -r file format open banners headers; do
    case $file in '#'* | '') continue ;; esac
    case $file in
    fixtures/*) path="$FIX/${file#fixtures/}" ;;
    *) needs "corpora/$file" || continue; path="$CORPORA/$file" ;;
    esac
    n=$((n + 1))
    db="$TMP/count$n.db"
    if TALLY_DB="$db" "$TALLY" import "$path" >"$TMP/out" 2>"$TMP/err"; then
        check_eq "$file imports $open open, $banners banners, $headers headers" \
            "$(counts "$db")" "$open $banners $headers"
        check_eq "$file is sniffed as $format" \
            "$(sed -n 's/.*imported as \([a-z0-9-]*\) .*/\1/p' "$TMP/err")" "$format"
    else
        not_ok "$file imports"
        sed 's/^/#   /' "$TMP/err" | head -5
    fi
done <"$GOLDEN/scantext-counts.txt"

# ---- files that end early ----
export TALLY_DB="$TMP/cut.db"
for f in masscan-cutoff.json:4 masscan-cutoff.ndjson:2 masscan-cutoff.oG:4; do
    name=${f%:*} line=${f#*:}
    check_exit "$name (cut off mid-record) is not an error" 0 "$TALLY" import "$FIX/$name"
    check "its warning names $name:$line" \
        grep -q "warning: .*$name:$line: the last record is cut off" "$TMP/exit.err"
done
check_exit "a killed -oJ scan (no closing ']') imports" 0 "$TALLY" import "$FIX/masscan-killed.json"
check_eq "without a warning" "$(grep -c warning "$TMP/exit.err")" 0

# ---- malformed files: exit 1, FILE:LINE, database unchanged; --lenient skips ----
export TALLY_DB="$TMP/strict.db"
"$TALLY" import "$FIX/masscan-2016.json" 2>/dev/null
for f in masscan-truncated.json:4 masscan-corrupt.json:4 masscan-truncated.ndjson:2 \
    masscan-corrupt.ndjson:3 masscan-corrupt.oG:4 masscan-badescape.oG:3; do
    name=${f%:*} line=${f#*:}
    before=$(db_dump "$TALLY_DB")
    check_exit "$name fails" 1 "$TALLY" import "$FIX/$name"
    check "naming $name:$line" grep -q "^tally: .*$name:$line: expected" "$TMP/exit.err"
    check_eq "the database is unchanged after $name" "$(db_dump "$TALLY_DB")" "$before"
    check_exit "$name --lenient imports" 0 "$TALLY" import --lenient "$FIX/$name"
    check "skipping one record" grep -q "; 1 skipped;" "$TMP/exit.err"
done
check_exit "-f ndjson on a JSON array fails" 1 "$TALLY" import -f ndjson "$FIX/masscan-2017.json"
check "at line 1" grep -q "masscan-2017.json:1: expected" "$TMP/exit.err"

# ---- zgrab2 http results: open ports, Server / X-Powered-By / X-AspNet-Version ----
export TALLY_DB="$TMP/zgrab2.db"
check "zgrab2 JSON lines import" "$TALLY" import "$FIX/zgrab2.json"
check "its cut-off last line is a warning" \
    grep -q "warning: .*zgrab2.json:5: the last record is cut off" "$TMP/last.out"
check_eq "zgrab2: the port from the module, the URL, or the scheme" \
    "$("$TALLY" show ports --format csv | tr '\n' ' ')" "port,proto,hosts 443,tcp,1 3000,tcp,1 8080,tcp,1 "
check_eq "zgrab2: app-stack from the headers (X-AspNet-Version under \"unknown\")" \
    "$("$TALLY" show app-stack --format csv | tr '\n' ' ')" \
    "app,stack,services (none),Express,1 Apache,PHP,1 Microsoft-IIS,ASP.NET,1 "
check_eq "zgrab2: RFC 3339 times with an offset are UTC" \
    "$("$SQLITE3" "$TALLY_DB" "SELECT seen FROM observation WHERE port = 443")" "1588334400"
head -n 1 "$FIX/zgrab2.json" > "$TMP/bad-zgrab2.json"
printf '{"ip":"192.0.2.300","data":{"http":{"status":"success","protocol":"http"}}}\n' >> "$TMP/bad-zgrab2.json"
before=$(db_dump "$TALLY_DB")
check_exit "a zgrab2 record with a bad address fails" 1 "$TALLY" import "$TMP/bad-zgrab2.json"
check "naming its line" grep -q "bad-zgrab2.json:2: expected \"ip\"" "$TMP/exit.err"
check_eq "the database is unchanged" "$(db_dump "$TALLY_DB")" "$before"

# ---- the 2014 shape: X-AspNet-Version counts as the stack ASP.NET ----
export TALLY_DB="$TMP/2014.db"
"$TALLY" import "$FIX/masscan-2014.json" 2>/dev/null
check_golden "2014 bare-key JSON: app-stack" "$GOLDEN/scantext-2014-app-stack.csv" \
    "$TALLY" show app-stack --format csv
check_eq "the title banner's \\u00HH escapes are bytes" \
    "$("$SQLITE3" "$TALLY_DB" "SELECT hex(banner) FROM banner WHERE service = 'title'")" \
    "436166C3A92026203C623E"

# ---- plain records and those jansson reads (raw UTF-8, a surrogate pair) agree ----
export TALLY_DB="$TMP/readers.db"
{
    printf '{"ip":"192.0.2.8","timestamp":"1","port":80,"proto":"tcp","rec_type":"banner","data":{"service_name":"title","banner":"Caf\\u00c3\\u00a9"}}\n'
    printf '{"ip":"192.0.2.8","timestamp":"1","port":81,"proto":"tcp","rec_type":"banner","data":{"service_name":"title","banner":"Caf\303\251"}}\n'
    printf '{"ip":"192.0.2.8","timestamp":"1","port":82,"proto":"tcp","rec_type":"banner","data":{"service_name":"title","banner":"\\ud83d\\ude00 \\u00ff"}}\n'
} >"$TMP/readers.ndjson"
check "NDJSON banners written three ways import" "$TALLY" import "$TMP/readers.ndjson"
check_eq "escaped and raw UTF-8 give the same bytes; U+1F600 keeps its four" \
    "$("$SQLITE3" "$TALLY_DB" "SELECT group_concat(hex(banner), ' ') FROM (SELECT banner FROM banner ORDER BY port)")" \
    "436166C3A9 436166E9 F09F988020FF"
printf '[\n{"ip": "192.0.2.9", "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "status": "open", "ttl": 1.5} ] }\n]\n' \
    >"$TMP/real-ttl.json"
check_exit "a real number where an integer belongs fails" 1 "$TALLY" import "$TMP/real-ttl.json"
check "naming the field" grep -q "real-ttl.json:2: expected a TTL 0-255 in \"ttl\"" "$TMP/exit.err"
printf '{"ip":"192.0.2.9","timestamp":"1","port":80,"proto":"tcp","rec_type":"status","data":{"status":"open"}} x\n' \
    >"$TMP/garbage.ndjson"
check_exit "text after a record fails" 1 "$TALLY" import "$TMP/garbage.ndjson"
check "with the JSON reader's explanation and column" \
    grep -q "garbage.ndjson:1: expected a masscan NDJSON record (.* at column [0-9]*)" "$TMP/exit.err"

# ---- the lab scan in five formats gives the same analyses ----
LAB="$CORPORA/lab-scan"
if needs corpora/lab-scan; then
    for ext in oJ oD oG oL; do
        export TALLY_DB="$TMP/lab-$ext.db"
        check "lab scan.$ext imports" "$TALLY" import "$LAB/scan.$ext"
        check_golden "lab scan.$ext: ports" "$GOLDEN/scantext-lab-ports.csv" \
            "$TALLY" show ports --format csv
        for a in apps stacks app-stack services; do
            check_golden "lab scan.$ext: $a" "$GOLDEN/scantext-lab-$a.csv" \
                "$TALLY" show "$a" --format csv
        done
    done
    export TALLY_DB="$TMP/lab-oJ.db"
    check_golden "apps --port 80" "$GOLDEN/scantext-lab-apps-port80.csv" \
        "$TALLY" show apps --port 80 --format csv
    check_golden "apps --port 8080 --top 2 (ties by name)" \
        "$GOLDEN/scantext-lab-apps-port8080-top2.csv" \
        "$TALLY" show apps --port 8080 --top 2 --format csv
    check_eq "apps --proto udp is empty" \
        "$("$TALLY" show apps --proto udp --format csv)" "app,services"
    check_eq "apps --source 1 is the whole scan" \
        "$("$TALLY" show apps --source 1 --format csv | md5sum)" \
        "$(md5sum <"$GOLDEN/scantext-lab-apps.csv")"
    check_eq "apps --source 2 (no such import) is empty" \
        "$("$TALLY" show apps --source 2 --format csv)" "app,services"

    # Streams: stdin and gzip go through the same readers.
    export TALLY_DB="$TMP/lab-stdin.db"
    check "scan.oG from stdin" import_stdin "$LAB/scan.oG"
    check_eq "same counts from stdin" "$(counts "$TALLY_DB")" "28 60 49"
    export TALLY_DB="$TMP/lab-gz.db"
    gzip -c "$LAB/scan.oJ" >"$TMP/scan.json.gz"
    check "scan.oJ gzipped" "$TALLY" import "$TMP/scan.json.gz"
    check_eq "same counts gzipped" "$(counts "$TALLY_DB")" "28 60 49"
fi

done_testing
