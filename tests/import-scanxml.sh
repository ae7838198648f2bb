#!/bin/sh
# import-scanxml.sh: masscan XML (-oX), nmap XML and masscan binary (-oB) imports: the real
# files of the corpora, the lab scan giving the same analyses as its list form, appended and
# cut-off files, malformed ones (strict and --lenient), IPv6 and ARP records, and the
# app-protocol numbering of old masscan versions.
. "$top_srcdir/tests/lib.sh"
require sqlite3

# The greps below read $TMP/said.out: what the last import printed (check overwrites last.out).
# open,closed,other,banner,hosts of a database (as in tests/golden/scanxml-corpus.csv).
counts() {
    q "$1" "SELECT (SELECT COUNT(*) FROM observation WHERE status='open') || ',' ||
        (SELECT COUNT(*) FROM observation WHERE status='closed') || ',' ||
        (SELECT COUNT(*) FROM observation WHERE status NOT IN ('open','closed')) || ',' ||
        (SELECT COUNT(*) FROM banner) || ',' ||
        (SELECT COUNT(DISTINCT addr) FROM observation WHERE status='open')"
}

# ---- the real files: counts derived without tally (see the golden file's header) ----
if needs corpora/scan corpora/lab-scan; then
    grep -v '^#' "$GOLDEN/scanxml-corpus.csv" > "$TMP/corpus.csv"
    n=0
    while IFS=, read -r file format open closed other banner hosts; do
        n=$((n + 1))
        check "$file imports" "$TALLY" -d "$TMP/corpus$n.db" import "$CORPORA/$file"
        cp "$TMP/last.out" "$TMP/said.out"
        check "$file is recognised as $format" grep -q "imported as $format " "$TMP/said.out"
        check_eq "$file: open,closed,other,banner,hosts" "$(counts "$TMP/corpus$n.db")" \
            "$open,$closed,$other,$banner,$hosts"
    done < "$TMP/corpus.csv"

    # The lab scan saved as -oB and converted by masscan to -oL and -oX: same analyses.
    for f in oL oX bin; do
        src=scan.$f
        [ $f = bin ] && src=scan.bin
        check "lab scan.$f imports" "$TALLY" -d "$TMP/lab-$f.db" import "$CORPORA/lab-scan/$src"
        cp "$TMP/last.out" "$TMP/said.out"
    done
    for a in ports apps stacks app-stack services; do
        "$TALLY" -d "$TMP/lab-oL.db" show $a --format csv > "$TMP/lab-oL.$a" 2>&1
        check "lab scan: $a has rows" test "$(wc -l < "$TMP/lab-oL.$a")" -gt 2
        for f in oX bin; do
            check_eq "lab scan.$f: $a as from scan.oL" \
                "$("$TALLY" -d "$TMP/lab-$f.db" show $a --format csv 2>&1)" "$(cat "$TMP/lab-oL.$a")"
        done
    done
    check_eq "lab scan.bin and scan.oX: the same banner bytes" \
        "$(q "$TMP/lab-bin.db" "SELECT addr, port, service, hex(banner), seen FROM banner ORDER BY 1,2,3,4")" \
        "$(q "$TMP/lab-oX.db" "SELECT addr, port, service, hex(banner), seen FROM banner ORDER BY 1,2,3,4")"
    check_eq "lab scan.bin: reason and ttl from the record" \
        "$(q "$TMP/lab-bin.db" "SELECT DISTINCT reason || ' ' || ttl FROM observation")" "syn-ack 64"
    check_eq "postmodern_masscan.bin: app 30 is http.server (1.3.2 numbering)" \
        "$(q "$TMP/corpus7.db" "SELECT banner FROM banner WHERE service='http.server'")" "ECS (sec/97A6)"
    check_eq "nmap http-headers script: Server and X-Powered-By" \
        "$(q "$TMP/corpus10.db" "SELECT port || ' ' || name || ' ' || raw FROM http_header WHERE port=8080 ORDER BY name")" \
        "8080 server Winstone Servlet Engine v0.9.10
8080 x-powered-by Servlet/2.5 (Winstone/0.9.10)"
    check_eq "nmap service product as Server: Apache httpd 2.2.22" \
        "$(q "$TMP/corpus12.db" "SELECT raw || ' ' || product || ' ' || version FROM http_header WHERE port=80")" \
        "Apache/2.2.22 Apache 2.2.22"
    check_eq "nmap: down hosts and extraports store nothing" \
        "$(q "$TMP/corpus12.db" "SELECT COUNT(DISTINCT addr) FROM observation")" "2"
fi

# ---- masscan XML fixtures ----
F="$FIXTURES"
check "three appended masscan XML files (one killed) import" "$TALLY" import "$F/masscan-appended.xml"
cp "$TMP/last.out" "$TMP/said.out"
check "as xml: 4 open, 1 closed, 2 banners, 3 headers" \
    grep -q "imported as xml (source 1): 4 open, 1 closed, 2 banner, 3 header; 0 skipped" "$TMP/said.out"
check "warning about the document without </nmaprun>, at its last line" \
    grep -q "warning: .*masscan-appended.xml:18: the document ends without </nmaprun>" "$TMP/said.out"
check_eq "each record keeps its own time, IPv6 too" \
    "$(q "$TALLY_DB" "SELECT group_concat(addr || '@' || seen, ' ') FROM (SELECT * FROM observation ORDER BY seen)")" \
    "192.0.2.1@1389312000 192.0.2.2@1389312001 192.0.2.3@1389398400 192.0.2.4@1389398401 2001:db8::1@1389484800"
check_eq "banner escapes decoded (\\x0d\\x0a, \\x22)" \
    "$(q "$TALLY_DB" "SELECT hex(banner) FROM banner WHERE service='http'")" \
    "$(printf 'HTTP/1.1 200 OK\r\nServer: nginx/1.4.4\r\nX-Powered-By: PHP/5.5.9\r\nSet-Cookie: a="b"\r\n\r' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
check_eq "the http banner gives Server and X-Powered-By" \
    "$(q "$TALLY_DB" "SELECT group_concat(name || '=' || product, ' ') FROM (SELECT DISTINCT name, product FROM http_header ORDER BY 1)")" \
    "server=nginx x-powered-by=PHP"

check "a killed scan (no footer, last line cut) imports" "$TALLY" -d "$TMP/killed.db" import "$F/masscan-killed.xml"
cp "$TMP/last.out" "$TMP/said.out"
check "with the whole records" grep -q "imported as xml (source 1): 2 open; 0 skipped" "$TMP/said.out"
check "and a warning about the cut record" \
    grep -q "warning: .*masscan-killed.xml:7: the file ends inside a record" "$TMP/said.out"

before=$(db_dump "$TALLY_DB")
check_exit "malformed XML fails the import" 1 "$TALLY" import "$F/masscan-malformed.xml"
check "naming file and line" grep -q "^tally: .*masscan-malformed.xml:6: malformed XML (mismatched tag)" "$TMP/exit.err"
check_eq "the database is unchanged" "$(db_dump "$TALLY_DB")" "$before"
check "--lenient skips the malformed and the bad-address line" \
    "$TALLY" -d "$TMP/lenient.db" import --lenient "$F/masscan-malformed.xml"
cp "$TMP/last.out" "$TMP/said.out"
check "and says so" grep -q "2 open; 2 skipped" "$TMP/said.out"
check_eq "keeping the lines around them" \
    "$(q "$TMP/lenient.db" "SELECT group_concat(addr, ' ') FROM observation")" "192.0.2.8 192.0.2.10"

check_exit "-f nmap on masscan XML is refused" 1 "$TALLY" -d "$TMP/wrong.db" import -f nmap "$F/masscan-appended.xml"
check "pointing at -f xml" grep -q "import it with -f xml" "$TMP/exit.err"

# A second "<?xml" split across the reader's 64 KiB chunks, at every offset around it.
ok_offsets=0
for pad in 3 4 5 6 7 8; do
    out="$TMP/boundary$pad.xml"
    head -n 12 "$F/masscan-appended.xml" > "$out"
    size=$(wc -c < "$out")
    head -c $((65536 - pad - size)) /dev/zero | tr '\0' ' ' >> "$out"
    tail -n +13 "$F/masscan-appended.xml" >> "$out"
    if "$TALLY" -d "$TMP/boundary$pad.db" import "$out" >/dev/null 2>&1 &&
       [ "$(counts "$TMP/boundary$pad.db")" = "4,1,0,2,4" ]; then
        ok_offsets=$((ok_offsets + 1))
    fi
done
check_eq "a new document starting at any offset near a chunk boundary" "$ok_offsets" 6

# Streaming: 60,000 records in three appended documents read from stdin.
awk 'BEGIN {
    for (d = 0; d < 3; d++) {
        printf "<?xml version=\"1.0\"?>\r\n<nmaprun scanner=\"masscan\" start=\"1\">\r\n"
        for (i = 0; i < 20000; i++)
            printf "<host endtime=\"%d\"><address addr=\"10.%d.%d.%d\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" portid=\"9543\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"48\"/></port></ports></host>\r\n", 1389312000 + i, d, int(i / 256), i % 256
        if (d < 2) printf "</nmaprun>\r\n"
    }
}' | gzip -c > "$TMP/big.xml.gz"
check "60,000 records through stdin, gzip-compressed" sh -c '"$TALLY" -d "$TMP/big.db" import - < "$TMP/big.xml.gz"'
cp "$TMP/last.out" "$TMP/said.out"
check "all of them" grep -q "imported as xml (source 1): 60,000 open; 0 skipped" "$TMP/said.out"

# ---- nmap XML fixture ----
check "nmap XML (DOCTYPE, hosthint, IPv6, scripts) imports" "$TALLY" -d "$TMP/nmap.db" import "$F/nmap-small.xml"
cp "$TMP/last.out" "$TMP/said.out"
check "as nmap with every port state" \
    grep -q "imported as nmap (source 1): 4 open, 4 banner, 5 header, 1 filtered, 1 open|filtered; 0 skipped" "$TMP/said.out"
check_eq "the hosthint is not a host, the MAC not an address" \
    "$(q "$TMP/nmap.db" "SELECT group_concat(addr || ':' || port || ':' || status || ':' || seen, ' ') FROM observation")" \
    "192.0.2.1:22:open:1700000060 192.0.2.1:80:open:1700000060 192.0.2.1:443:filtered:1700000060 2001:db8::2:80:open:1700000070 2001:db8::2:443:open:1700000070 2001:db8::2:161:open|filtered:1700000070"
check_eq "open ports become banner rows with nmap's service and product" \
    "$(q "$TMP/nmap.db" "SELECT group_concat(service || '=' || banner, '|') FROM banner")" \
    "ssh=OpenSSH 9.2p1 Debian 2 protocol 2.0|http=nginx 1.22.1|http=Microsoft IIS httpd 10.0|ssl/http=Microsoft IIS httpd 10.0"
check_eq "Server from http-server-header, http-headers or the product" \
    "$(q "$TMP/nmap.db" "SELECT group_concat(port || ' ' || name || '=' || raw, '|') FROM http_header")" \
    "80 server=nginx/1.22.1|80 x-powered-by=ASP.NET|80 x-aspnet-version=4.0.30319|80 server=Microsoft-IIS/10.0|443 server=Microsoft-IIS/10.0"

check_eq "apps: nmap products and headers as Server applications" \
    "$("$TALLY" -d "$TMP/nmap.db" show apps --format csv)" "app,services
Microsoft-IIS,2
nginx,1"
check_eq "app-stack: X-Powered-By from the http-headers script" \
    "$("$TALLY" -d "$TMP/nmap.db" show app-stack --format csv)" "app,stack,services
Microsoft-IIS,(none),1
Microsoft-IIS,ASP.NET,1
nginx,(none),1"

# ---- masscan binary fixtures (written by tests/fixtures/make-masscan-bin.py) ----
check "binary with IPv6 and ARP records imports" "$TALLY" -d "$TMP/bin.db" import "$F/masscan-v6-arp.bin"
cp "$TMP/last.out" "$TMP/said.out"
check "as binary, ARP records counted and skipped" \
    grep -q "imported as binary (source 1): 4 open, 1 closed, 2 arp-skipped, 3 banner, 4 header; 0 skipped" "$TMP/said.out"
check_eq "IPv6, UDP and ICMP statuses with masscan's reasons" \
    "$(q "$TMP/bin.db" "SELECT group_concat(addr || ' ' || proto || ' ' || port || ' ' || status || ' ' || reason || ' ' || ttl, '|') FROM observation")" \
    "192.0.2.10 tcp 80 open syn-ack 64|192.0.2.11 tcp 80 closed rst-ack 64|2001:db8::10 tcp 443 open syn-ack 57|192.0.2.13 udp 53 open none 60|192.0.2.14 icmp 0 open none 60"
check_eq "the IPv6 banner record" \
    "$(q "$TMP/bin.db" "SELECT addr || ' ' || port || ' ' || service || ' ' || banner FROM banner WHERE ip6 IS NOT NULL")" \
    "2001:db8::10 443 http.server nginx/1.24.0"

check "a binary file cut mid-record imports" "$TALLY" -d "$TMP/cut.db" import "$F/masscan-truncated.bin"
cp "$TMP/last.out" "$TMP/said.out"
check "keeping the whole records" grep -q "imported as binary (source 1): 2 open; 0 skipped" "$TMP/said.out"
check "with a warning at the cut record's offset" \
    grep -q "warning: .*masscan-truncated.bin: byte 129: the file ends inside a record" "$TMP/said.out"

before=$(db_dump "$TALLY_DB")
check_exit "a record length past the end of the file fails" 1 "$TALLY" import "$F/masscan-badlength.bin"
check "naming its byte offset" \
    grep -q "^tally: .*masscan-badlength.bin: byte 114: record length 100000 runs past the end of the file" "$TMP/exit.err"
check_exit "an unknown record type fails" 1 "$TALLY" import "$F/masscan-badtype.bin"
check "naming its byte offset" grep -q "^tally: .*masscan-badtype.bin: byte 114: unknown record type (type 42" "$TMP/exit.err"
check_exit "a file that is not masscan binary fails with -f binary" 1 "$TALLY" import -f binary "$F/nmap-small.xml"
check "at byte 0" grep -q "byte 0: expected the masscan file header" "$TMP/exit.err"
check_eq "none of them changed the database" "$(db_dump "$TALLY_DB")" "$before"
check "--lenient skips the unknown record by its length" \
    "$TALLY" -d "$TMP/badtype.db" import --lenient "$F/masscan-badtype.bin"
cp "$TMP/last.out" "$TMP/said.out"
check "and keeps the records after it" grep -q "2 open; 1 skipped" "$TMP/said.out"

check "a masscan/1.1.02 file imports" "$TALLY" -d "$TMP/old.db" import "$F/masscan-1.0.5.bin"
cp "$TMP/last.out" "$TMP/said.out"
check_eq "numbered as 1.0.5 (9 ssl, 15 title)" \
    "$(q "$TMP/old.db" "SELECT group_concat(service, ',') FROM banner")" "ssl,title"
check "--masscan-version overrides the header" \
    "$TALLY" -d "$TMP/old139.db" import --masscan-version 1.3.9 "$F/masscan-1.0.5.bin"
check_eq "numbered as 1.3.9 (15 X509)" \
    "$(q "$TMP/old139.db" "SELECT group_concat(service, ',') FROM banner")" "ssl,X509"
check_exit "an unknown --masscan-version is a usage error" 2 \
    "$TALLY" -d "$TMP/old2.db" import --masscan-version 2.0 "$F/masscan-1.0.5.bin"
check "listing the known ones" grep -q "expected 1.0.3, 1.0.4, 1.0.5, 1.3.0, 1.3.2 or 1.3.9" "$TMP/exit.err"
"$TALLY" import --help > "$TMP/import-help.txt"
check "import --help names the versions --masscan-version takes" \
    grep -q "1.0.3, 1.0.4, 1.0.5, 1.3.0, 1.3.2 or 1.3.9" "$TMP/import-help.txt"
check "and its default" grep -q "else 1.3.2" "$TMP/import-help.txt"
check "the man page describes the option" \
    grep -q '^\.BI \\-\\-masscan\\-version " V"$' "$top_srcdir/doc/tally.1"

done_testing
