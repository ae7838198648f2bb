#!/bin/sh
# import-pcap.sh: packet captures end to end: every capture of the corpus imports (counts
# in tests/golden/pcap/, checked against tcpdump), the lab capture gives the same open ports
# and applications as masscan's own list of that scan, DNS chains, HTTP headers
# reassembled from out-of-order segments, link types, truncated and compressed captures,
# and the errors for captures libpcap refuses.
. "$top_srcdir/tests/lib.sh"
require sqlite3

PCAPS="$FIXTURES/pcap"
# A fresh database per capture: TALLY_DB names it.
fresh() { TALLY_DB="$TMP/$1.db"; export TALLY_DB; rm -f "$TALLY_DB"; }
# What a capture gives: the summary, then the records by kind.
digest() {
    "$TALLY" show capture-summary --format csv || return 1
    "$SQLITE3" -csv "$TALLY_DB" "
        SELECT 'observations ' || status, COUNT(*) FROM observation GROUP BY status;
        SELECT 'dns answers', COUNT(*) FROM dns_answer WHERE name IS NOT NULL;
        SELECT 'dns without answers', COUNT(*) FROM dns_answer WHERE name IS NULL;
        SELECT 'http banners', COUNT(*) FROM banner WHERE service = 'http';"
}
tcpdump_count() { PATH="$PATH:/usr/sbin" tcpdump -nr "$1" 2>/dev/null | grep -c '^[0-9]'; }

# ---- the corpus: every capture imports, with the counts tcpdump agrees with ----
if needs corpora/pcap; then
    for f in "$CORPORA"/pcap/*; do
        name=$(basename "$f")
        fresh corpus
        check_exit "$name imports" 0 timeout 60 "$TALLY" import "$f"
        check_golden "$name: summary and records" "$GOLDEN/pcap/$name.csv" digest
        if needs tcpdump; then
            check_eq "$name: packets as tcpdump counts them" \
                "$(q "SELECT value FROM capture_summary WHERE metric='packets'")" \
                "$(tcpdump_count "$f")"
        fi
    done
    fresh dnsudp
    "$TALLY" import "$CORPORA/pcap/tcpdump_dns_udp.pcap" 2>/dev/null
    check_eq "DNS over UDP: the answers tcpdump shows" "$("$TALLY" show dns-chains --format csv)" \
"name,chain,addresses
www.tcpdump.org,,192.139.46.66;198.199.88.104"
    check_eq "DNS answers keep their TTL and server" \
        "$(q "SELECT DISTINCT server || ' ' || ttl || ' ' || rcode FROM dns_answer")" \
        "209.87.249.18 60 NOERROR"
    fresh nflog
    "$TALLY" import "$CORPORA/pcap/tcpdump_nflog.pcap" 2>/dev/null
    check_eq "NFLOG: AAAA answers inside netfilter log records" \
        "$(q "SELECT data FROM dns_answer WHERE type='AAAA' LIMIT 1")" \
        "2606:2800:220:6d:26bf:1447:1097:aa7"
    fresh ppp
    check "a link type tally does not decode is counted" \
        "$TALLY" import "$CORPORA/pcap/tcpdump_truncated-aack.pcap"
    check "and reported" grep -q "tcpdump_truncated-aack.pcap: link type PPP is not decoded: 1 packets" "$TMP/last.out"
fi

# ---- the lab scan: the capture and masscan's list agree ----
if needs corpora/lab-scan; then
    fresh lab-list
    "$TALLY" import "$CORPORA/lab-scan/scan.oL" >/dev/null 2>&1
    "$TALLY" show ports --format csv > "$TMP/list-ports.csv"
    q "SELECT DISTINCT addr || ':' || port FROM observation WHERE status='open' ORDER BY 1" \
        > "$TMP/list-open.txt"
    "$TALLY" show app-stack --format csv > "$TMP/list-app-stack.csv"
    fresh lab-pcap
    check "the lab capture imports" "$TALLY" import "$CORPORA/lab-scan/masscan-scan.pcap"
    check "with its records" grep -q "28 open, 27 closed, 18 banner" "$TMP/last.out"
    check_golden "open ports from the capture equal masscan's list" "$TMP/list-ports.csv" \
        "$TALLY" show ports --format csv
    check_eq "the same open (host, port) pairs" \
        "$(q "SELECT DISTINCT addr || ':' || port FROM observation WHERE status='open' ORDER BY 1")" \
        "$(cat "$TMP/list-open.txt")"
    check_eq "one observation per open service despite retransmitted SYN-ACKs" \
        "$(q "SELECT COUNT(*) FROM observation WHERE status='open'")" "28"
    check_golden "applications and stacks from captured HTTP equal masscan's banners" \
        "$TMP/list-app-stack.csv" "$TALLY" show app-stack --format csv
    check_eq "top subnets for port 9543 from the capture" \
        "$("$TALLY" show top-subnets --port 9543 --format csv)" "subnet,hosts
198.51.100.0/24,3"
    check_eq "talkers: the scanner first" \
        "$("$TALLY" show talkers --top 1 --format csv)" "host,packets,bytes
198.51.100.200,356,25872"
    check_eq "probes: one row per source port and port, destinations probed and answered, the SYNs unanswered" \
        "$(q "SELECT dport, destinations, answered, packets FROM probe ORDER BY dport" | tr '\n' ' ')" \
        "22|16|11|5 80|16|11|5 443|16|11|5 8080|16|11|5 9543|16|11|5 "
    check_eq "... and every connection is counted, each unanswered probe as one" \
        "$(q "SELECT (SELECT COUNT(*) FROM conn) + (SELECT SUM(destinations - answered) FROM probe)")" \
        "$(q "SELECT value FROM capture_summary WHERE metric = 'flows'")"
    check_eq "an answered probe is a connection row" \
        "$(q "SELECT COUNT(*) FROM conn WHERE orig = '198.51.100.200' AND resp = '198.51.100.12' AND resp_port = 9543")" "1"
    check_eq "the answered probes are the scanner's connections" \
        "$(q "SELECT COUNT(*) FROM conn WHERE orig = '198.51.100.200'")" \
        "$(q "SELECT SUM(answered) FROM probe")"
fi

# ---- fixtures written by tests/make-pcap-fixtures.py ----
fresh scan
check "a nanosecond capture of a scan imports" "$TALLY" import "$PCAPS/scan.pcap"
check_eq "open and closed ports: SYN-ACK, RST-ACK answering a SYN; retransmissions once" \
    "$(q "SELECT addr, port, status, reason, ttl, seen FROM observation ORDER BY rowid")" \
"198.51.100.1|80|open|syn-ack|57|1700000000
198.51.100.2|443|closed|rst-ack|250|1700000003
2001:db8::5|8443|open|syn-ack|61|1700000005
198.51.100.4|8080|open|syn-ack|60|1700000008
198.51.100.6|25|open|syn-ack|64|1700000010"
check_golden "scan fixture: summary and records" "$GOLDEN/pcap/fixture-scan.csv" digest
check_eq "connections: both directions in one row, flags OR'ed each way, never a row per packet" \
    "$(q "SELECT orig_packets, orig_flags, resp_packets, resp_flags, conn_state, history FROM conn WHERE resp='198.51.100.1' AND proto='tcp'")" "2|6|3|18|RSTO|ShR"
check_eq "ICMP: an echo request and its reply are one connection, keyed as Zeek keys them (8, 0)" \
    "$(q "SELECT orig || '>' || resp, orig_port, resp_port, orig_packets, resp_packets FROM conn WHERE proto='icmp'")" \
    "192.0.2.1>198.51.100.1|8|0|1|1"
check_eq "first packet time of a nanosecond capture (.123456789 s) to the microsecond" \
    "$(q "SELECT CAST(round((MIN(first_seen) - 1700000000) * 1e6) AS INTEGER) FROM conn")" "123457"
check_eq "fragments: ports from the first only" \
    "$(q "SELECT orig_port || '>' || resp_port FROM conn WHERE proto='udp' ORDER BY rowid")" "123>50000
0>0"

cp "$PCAPS/scan.pcap" "$TMP/scan-copy.pcap"
gzip -c "$PCAPS/scan.pcap" > "$TMP/scan.pcap.gz"
fresh gz
check "a gzip-compressed capture imports" "$TALLY" import "$TMP/scan.pcap.gz"
check_golden "with the same records" "$GOLDEN/pcap/fixture-scan.csv" digest
fresh stdin
check "a capture on stdin imports" sh -c '"$TALLY" import - < "$TMP/scan.pcap.gz"'
check_golden "with the same records" "$GOLDEN/pcap/fixture-scan.csv" digest

fresh truncated
check_exit "a capture cut off mid-record imports" 0 "$TALLY" import "$PCAPS/truncated.pcap"
check "with a warning naming the file and the record's offset" grep -q \
    "truncated.pcap: byte 1414: the capture ends in the middle of a packet (its last 56 bytes); the 19 whole packets before it were imported" \
    "$TMP/exit.err"
check_eq "keeping the whole records" "$(q "SELECT value FROM capture_summary WHERE metric='packets'")" "19"
check_eq "the cut SYN-ACK is not an observation" \
    "$(q "SELECT COUNT(*) FROM observation WHERE port = 25")" "0"

fresh user0
check_exit "a cut-off capture of a link type tally does not decode imports" 0 \
    "$TALLY" import "$PCAPS/user0-cut.pcap"
check "warning of both" grep -q \
    "user0-cut.pcap: byte 136: the capture ends in the middle of a packet (its last 49 bytes); the 2 whole packets before it were imported; and link type DLT147 is not decoded: 2 packets counted only" \
    "$TMP/exit.err"

fresh dns
check "the DNS fixture imports" "$TALLY" import "$PCAPS/dns.pcap"
check_eq "dns-chains: a CNAME chain to two addresses, lower case, sorted" \
    "$("$TALLY" show dns-chains --format csv)" \
"name,chain,addresses
api.example,,198.51.100.7
v6.example,,2001:db8::80
www.shop.example,shop.cdn.example;lb-1234.elb.example,203.0.113.10;203.0.113.11"
check_eq "MX, TXT and PTR kept as text" \
    "$(q "SELECT type || '=' || data FROM dns_answer WHERE type IN ('MX','TXT','PTR') ORDER BY rowid")" \
"MX=10 mail.example.net
TXT=v=spf1 -all
PTR=host.example"
check_eq "NXDOMAIN: the response without answers" \
    "$(q "SELECT qname || ' ' || rcode FROM dns_answer WHERE name IS NULL")" "missing.example NXDOMAIN"
check_eq "a compression loop is counted, not stored" \
    "$(q "SELECT (SELECT value FROM capture_summary WHERE metric='dns_malformed') || ' ' || (SELECT COUNT(*) FROM dns_answer WHERE qname='loop.example')")" "1 0"
check_eq "DNS over TCP reassembled from reversed segments" \
    "$(q "SELECT data FROM dns_answer WHERE qname='api.example'")" "198.51.100.7"
check_eq "queries counted over UDP and TCP" \
    "$(q "SELECT value FROM capture_summary WHERE metric='dns_queries'")" "2"
check_eq "a response to a NOTIFY is counted, not stored" \
    "$(q "SELECT (SELECT value FROM capture_summary WHERE metric='dns_other_opcode') || ' ' || (SELECT COUNT(*) FROM dns_answer WHERE qname='example.net' AND type IS NULL)")" "1 0"

fresh http
check "the HTTP fixture imports" "$TALLY" import "$PCAPS/http.pcap"
check_eq "headers split over out-of-order, overlapping segments are reassembled" \
    "$(q "SELECT addr || ':' || port || ' ' || name || '=' || raw FROM http_header ORDER BY rowid")" \
"10.0.0.1:80 server=nginx/1.18.0
10.0.0.1:80 x-powered-by=PHP/7.4.3
10.0.0.2:8080 server=Apache/2.4.41 (Ubuntu)
10.0.0.4:80 server=HTTPd-lite/2.0"
check_eq "a response captured mid-stream, its segments in reverse order, is reassembled" \
    "$(q "SELECT CAST(banner AS TEXT) FROM banner WHERE addr = '10.0.0.4'")" \
    "$(printf 'HTTP/1.1 200 OK\r\nServer: HTTPd-lite/2.0\r\nContent-Length: 0\r\n\r\n')"
check_eq "the first copy of a byte wins" \
    "$(q "SELECT COUNT(*) FROM banner WHERE CAST(banner AS TEXT) LIKE 'HTTP/1.1 200 OK%nginx%'")" "1"
check_eq "the header block is stored as masscan's http banner" \
    "$(q "SELECT length(banner) FROM banner WHERE addr = '10.0.0.1'")" "110"
check_eq "no banner from the SSH server" "$(q "SELECT COUNT(*) FROM banner WHERE port = 22")" "0"
check_eq "app-stack from the capture" "$("$TALLY" show app-stack --format csv)" \
"app,stack,services
Apache,(none),1
HTTPd-lite,(none),1
nginx,PHP,1"
check_eq "talkers sum both directions" "$("$TALLY" show talkers --format csv)" \
"host,packets,bytes
10.0.0.9,16,1206
10.0.0.1,7,560
10.0.0.2,3,239
10.0.0.4,3,224
10.0.0.3,3,183"

fresh links
for f in link-null link-loop link-sll2 link-ipv4; do
    check "$f imports" "$TALLY" import "$PCAPS/$f.pcap"
done
check_eq "a SYN-ACK found behind every link type" "$("$TALLY" show ports --format csv)" \
"port,proto,hosts
80,tcp,4"
check_eq "link types in the summary" \
    "$("$TALLY" show capture-summary --format csv | grep '^link_type')" "link_type,IPV4;LINUX_SLL2;LOOP;NULL"

fresh modified
check "a modified pcap (magic 0xa1b2cd34) is recognised" "$TALLY" import "$PCAPS/modified.pcap"
check "as a capture" grep -q "imported as pcap" "$TMP/last.out"
check_eq "and read record by record" \
    "$(q "SELECT addr FROM observation ORDER BY rowid")" "10.6.0.1
10.6.0.2"

fresh twolinks
check_exit "a pcapng libpcap refuses is an error" 1 "$TALLY" import "$PCAPS/two-links.pcapng"
check "that says why" grep -q "libpcap cannot read past packet 1: an interface has a type 101 different from the type of the first interface" "$TMP/exit.err"
check "and leaves no database behind (there was none)" test ! -e "$TALLY_DB"
check_exit "--lenient keeps the packets before it" 0 "$TALLY" import --lenient "$PCAPS/two-links.pcapng"
check_eq "one packet" "$(q "SELECT value FROM capture_summary WHERE metric='packets'")" "1"

printf '\324\303\262\241\011\000\004\000garbage-garbage-garbage' > "$TMP/bad.pcap"
fresh bad
check_exit "a pcap header libpcap cannot read is an error" 1 "$TALLY" import "$TMP/bad.pcap"
check "naming the problem" grep -q "not a capture libpcap can read" "$TMP/exit.err"

fresh forget
"$TALLY" import "$PCAPS/dns.pcap" >/dev/null 2>&1
check "forgetting a capture" "$TALLY" forget 1
check_eq "removes its connections, probes, DNS answers and summary" \
    "$(q "SELECT (SELECT COUNT(*) FROM conn) + (SELECT COUNT(*) FROM probe) + (SELECT COUNT(*) FROM dns_answer) + (SELECT COUNT(*) FROM capture_summary)")" "0"

# ---- record headers that lie ----
# One record claims 100 bytes captured of a file whose snapshot length is 64 (libpcap cuts
# it to 64), one claims 60 bytes captured of a 10-byte packet.
"$PYTHON3" - "$TMP/lies.pcap" <<'PY'
import struct, sys
def frame(n):
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, 1, 0, 64, 6, 0, bytes([192, 0, 2, 1]),
                     bytes([198, 51, 100, 1]))
    tcp = struct.pack('!HHIIBBHHH', 80, 40000, 1, 2, 0x50, 0x12, 65535, 0, 0)
    f = b'\0' * 12 + b'\x08\x00' + ip + tcp
    return f + b'\0' * (n - len(f))
out = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 64, 1)
out += struct.pack('<IIII', 1700000000, 0, 100, 100) + frame(100)
out += struct.pack('<IIII', 1700000001, 0, 60, 10) + frame(60)
open(sys.argv[1], 'wb').write(out)
PY
fresh lies
check "a capture whose record headers lie imports" "$TALLY" import "$TMP/lies.pcap"
check "with a warning naming the lie" grep -q "1 packet record claims more bytes captured than the packet had" "$TMP/last.out"
check_eq "both packets counted, the lie in the summary" \
    "$(q "SELECT group_concat(metric || '=' || value, ' ') FROM capture_summary WHERE metric IN ('packets', 'caplen_over_len')")" \
    "packets=2 caplen_over_len=1"

done_testing
