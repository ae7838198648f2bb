#!/bin/sh
# import-pcap-tls.sh: TLS handshakes in captures (tests/fixtures/tls/make-tls-pcaps.sh
# recorded them: openssl s_server on ports 9543 and 8443, openssl s_client and curl over
# TLS 1.2 and 1.3, a DNS answer for one name): SNI as the clients sent it, the server's
# certificate as openssl reads the same file, JA3/JA3S as tshark computes them, JA4 as
# tests/ja4.py computes it, the tls-names and tls-versions analyses, and streams that start
# like TLS and then are cut off or lie, which give no rows and no crash.
. "$top_srcdir/tests/lib.sh"
require sqlite3 python3

T="$FIXTURES/tls"
DB="$TMP/tls.db"
check "the capture imports" "$TALLY" -d "$DB" import "$T/tls.pcap"
rows() { q "$DB" "$1 FROM tls_client ORDER BY client_port"; }

check_eq "SNI as each client sent it (s_client -servername, none, curl's host)" \
    "$(q "$DB" "SELECT COALESCE(sni, '-') FROM tls_client ORDER BY rowid")" \
"thermostat.nest.example
api.nest.example
-
cloud.nest.example
cloud.nest.example"
check_eq "the server's end: address, port, chosen version and cipher" \
    "$(q "$DB" "SELECT client, server, port, version, printf('0x%04x', cipher) FROM tls_client
                 ORDER BY rowid")" \
"127.0.0.1|127.0.0.1|9543|TLS/1.2|0xc030
127.0.0.1|127.0.0.1|9543|TLS/1.3|0x1302
127.0.0.1|127.0.0.2|8443|TLS/1.2|0xc030
127.0.0.1|127.0.0.1|9543|TLS/1.3|0x1302
127.0.0.1|127.0.0.2|8443|TLS/1.2|0xc030"
check_eq "versions offered and ALPN: curl offers four versions and h2, http/1.1" \
    "$(q "$DB" "SELECT versions, COALESCE(alpn, '-') FROM tls_client ORDER BY rowid")" \
"TLS/1.2|-
TLS/1.3|-
TLS/1.2|-
TLS/1.3;TLS/1.2;TLS/1.1;TLS/1.0|h2;http/1.1
TLS/1.2|h2;http/1.1"

# The certificate, reassembled from segments of 524 bytes and records of 512 (port 9543).
if needs openssl; then
    fp=$(openssl x509 -in "$T/server.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
         tr 'A-F' 'a-f')
    subject=$(openssl x509 -in "$T/server.pem" -noout -subject -nameopt sep_comma_plus_space |
              sed 's/^subject=//')
    check_eq "the TLS 1.2 connections name the certificate openssl reads in server.pem" \
        "$(q "$DB" "SELECT COALESCE(cert_sha256, '-') FROM tls_client ORDER BY rowid")" \
        "$(printf '%s\n-\n%s\n-\n%s' "$fp" "$fp" "$fp")"
    check_eq "and it is stored once, with openssl's subject" \
        "$(q "$DB" "SELECT sha256, subject, subject_cn, san_dns, self_signed FROM certificate")" \
        "$fp|$subject|*.nest.example|*.nest.example;nest.example|1"
    check_eq "linked to both services that presented it, from this capture" \
        "$(q "$DB" "SELECT addr, proto, port, chain, source_id FROM cert_service ORDER BY port")" \
"127.0.0.2|tcp|8443|0|1
127.0.0.1|tcp|9543|0|1"
fi
check_eq "TLS 1.3 handshakes are counted, their certificates not guessed" \
    "$(q "$DB" "SELECT metric, value FROM capture_summary WHERE metric LIKE 'tls%'
                 ORDER BY metric")" "tls_handshakes|5
tls_hidden_certificates|2"

# JA3 and JA3S: tshark's when it is here, else the values tshark 4.0 gave for this file.
if needs_lookup tshark; then
    ja3=$(tshark -r "$T/tls.pcap" -Y "tls.handshake.type == 1" -T fields -e tcp.srcport \
        -e tls.handshake.ja3 2>/dev/null | sort | tr '\t' '|')
    ja3s=$(tshark -r "$T/tls.pcap" -Y "tls.handshake.type == 2" -T fields -e tcp.dstport \
        -e tls.handshake.ja3s 2>/dev/null | sort | tr '\t' '|')
else
    ja3='53670|fbe7e189e37a07ee33706f86bc746344
53678|87b9bfc7da97115ed2276737b09f8d74
59364|871a754af286dfb70c1b53c6887c62e0
59376|f146948b4a599d4d7ddf071b74696983
59386|0149f47eabf9a20d0893e2a44e5a6323'
    ja3s='53670|ec74a5c51106f0419184d0dd08fb05bc
53678|e54965894d6b45ecb4323c7ea3d6c115
59364|ec74a5c51106f0419184d0dd08fb05bc
59376|15af977ce25de452b96affa2addb1036
59386|15af977ce25de452b96affa2addb1036'
fi
check_eq "JA3 equals tshark's" "$(rows "SELECT client_port, ja3")" "$ja3"
check_eq "JA3S equals tshark's" "$(rows "SELECT client_port, ja3s")" "$ja3s"
check_eq "the JA3 string hashes to the JA3" \
    "$(q "$DB" "SELECT ja3_string FROM tls_client ORDER BY client_port" |
       while read -r s; do printf '%s' "$s" | md5sum | cut -c1-32; done)" \
    "$(rows "SELECT ja3")"
check_eq "JA4 equals tests/ja4.py's" "$(rows "SELECT client_port || ' ' || ja4")" \
    "$("$PYTHON3" "$top_srcdir/tests/ja4.py" "$T/tls.pcap" | sort)"

# ---- the analyses ----
check_eq "tls-names: servers, connections, fingerprints and the DNS chain of the capture" \
    "$("$TALLY" -d "$DB" show tls-names --format csv)" \
"sni,servers,addresses,connections,ja3,ja4,dns_chain,dns_addresses
cloud.nest.example,2,127.0.0.1;127.0.0.2,2,2,2,edge.nest.example,127.0.0.1;127.0.0.2
api.nest.example,1,127.0.0.1,1,1,1,,
thermostat.nest.example,1,127.0.0.1,1,1,1,,"
check_eq "tls-names --port 8443" \
    "$("$TALLY" -d "$DB" show tls-names --port 8443 --format csv | tail -n +2)" \
    "cloud.nest.example,1,127.0.0.2,1,1,1,edge.nest.example,127.0.0.1;127.0.0.2"
check_eq "capture-summary: five handshakes, the two TLS 1.3 ones' certificates hidden" \
    "$("$TALLY" -d "$DB" show capture-summary --format csv | grep '^tls_' | paste -sd' ')" \
    "tls_handshakes,5 tls_hidden_certificates,2"
check_eq "as many as the tls_client rows of TLS 1.3" \
    "$(q "$DB" "SELECT COUNT(*) FROM tls_client WHERE version = 'TLS/1.3'")" "2"
check_eq "tls-versions counts the captured services" \
    "$("$TALLY" -d "$DB" show tls-versions --format csv)" \
"version,strength,cipher,services
TLS/1.3,strong,unknown (0x1302),1
TLS/1.2,strong,TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384,2"
check_eq "certs counts both services" \
    "$("$TALLY" -d "$DB" show certs --format csv | cut -d, -f2,7 | tail -n +2)" \
    "*.nest.example,2"
check "tls-names charts" "$TALLY" -d "$DB" chart tls-names -o "$TMP/names.svg"
check_eq "the chart names each server name" \
    "$(svg_text "$TMP/names.svg" | grep -c 'nest\.example')" 3
check "and has a workbook sheet" "$TALLY" -d "$DB" workbook -o "$TMP/names.xlsx" tls-names
check_eq "whose sheet is named tls-names" \
    "$(unzip -p "$TMP/names.xlsx" xl/workbook.xml 2>/dev/null | grep -o 'name="tls-names"')" \
    'name="tls-names"'
check "the report has a tls-names chart" "$TALLY" -d "$DB" report -o "$TMP/report"
check_eq "its PNG is there" "$([ -s "$TMP/report/tls-names.png" ] && echo yes)" yes

# ---- cut off and lying streams ----
check "a capture cut off in the certificate imports" \
    "$TALLY" -d "$TMP/cut.db" import "$T/tls-cut.pcap"
check_eq "its connection has the hellos and no certificate" \
    "$(q "$TMP/cut.db" "SELECT sni, version, COALESCE(cert_sha256, '-') FROM tls_client")" \
    "thermostat.nest.example|TLS/1.2|-"
check_eq "and no certificate row" "$(q "$TMP/cut.db" "SELECT COUNT(*) FROM certificate")" 0
check "packets cut to 120 bytes import" "$TALLY" -d "$TMP/snap.db" import "$T/tls-snap.pcap"
check_eq "hellos cut short give no rows" \
    "$(q "$TMP/snap.db" "SELECT (SELECT COUNT(*) FROM tls_client) + (SELECT COUNT(*) FROM
                           tls_service) + (SELECT COUNT(*) FROM certificate)")" 0
check "streams whose lengths lie import" "$TALLY" -d "$TMP/garbage.db" import "$T/tls-garbage.pcap"
check_eq "and give no TLS rows" \
    "$(q "$TMP/garbage.db" "SELECT (SELECT COUNT(*) FROM tls_client) + (SELECT COUNT(*) FROM
                              tls_service) + (SELECT COUNT(*) FROM certificate)")" 0

# ---- forget ----
check "forget the capture" "$TALLY" -d "$DB" forget 1
check_eq "its TLS connections, sessions and certificates go with it" \
    "$(q "$DB" "SELECT (SELECT COUNT(*) FROM tls_client) + (SELECT COUNT(*) FROM
                  tls_service) + (SELECT COUNT(*) FROM certificate)")" 0
done_testing
