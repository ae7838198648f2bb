#!/bin/sh
# import-certs.sh: certificates from scans. The masscan --banners scan of
# tests/fixtures/certs in every output format, nmap's ssl-cert script and ZGrab2's tls
# module store each certificate once with what `openssl x509` reads in it (fingerprint,
# subject, issuer, validity), link the services that presented it, keep a cut-off
# certificate raw; forget removes them. Also the corpus files that carry certificates.
. "$top_srcdir/tests/lib.sh"
require sqlite3
F=$top_srcdir/tests/fixtures/certs

# ---- every masscan format gives the same rows ----
for fmt in oL oJ oD oX oG; do
    rm -f "$TMP/$fmt.db"
    check "masscan -$fmt with certificates imports" "$TALLY" -d "$TMP/$fmt.db" import "$F/masscan.$fmt"
    check_eq "-$fmt: 6 certificates, 1 cut off" \
        "$(q "$TMP/$fmt.db" "SELECT COUNT(*), SUM(error IS NOT NULL) FROM certificate")" "7|1"
    check_eq "-$fmt: services linked (7 own, 2 chain, 1 cut off)" \
        "$(q "$TMP/$fmt.db" "SELECT SUM(chain = 0), SUM(chain > 0) FROM cert_service")" "8|2"
    check_eq "-$fmt: TLS versions from the ssl banners" \
        "$(q "$TMP/$fmt.db" "SELECT group_concat(version || '/' || cipher, ' ') FROM
            (SELECT version, cipher FROM tls_service ORDER BY addr)")" \
        "TLS/1.2/49199 TLS/1.3/4866 TLS/1.2/49195 TLS/1.2/49195 TLS/1.2/49195 TLS/1.2/49200 TLS/1.0/47"
done
check_eq "the same certificate rows from -oL, -oJ, -oD, -oX and -oG" \
    "$(for fmt in oL oJ oD oX oG; do q "$TMP/$fmt.db" "SELECT * FROM certificate ORDER BY sha256" | md5sum; done | sort -u | wc -l)" "1"
rm -f "$TMP/oB.db"
check "masscan -oB (1.3.2 numbers: X509, no X509CA)" "$TALLY" -d "$TMP/oB.db" import "$F/masscan.oB"
check_eq "-oB: the same certificates but the CA" \
    "$(q "$TMP/oB.db" "SELECT COUNT(*) FROM certificate")" "6"

# ---- fields equal openssl's ----
DB=$TMP/oL.db
# openssl's date "Jan  1 00:00:00 2021 GMT" as ISO-8601.
iso() { "$PYTHON3" -c 'import sys, datetime
print(datetime.datetime.strptime(sys.argv[1], "%b %d %H:%M:%S %Y GMT").strftime("%Y-%m-%dT%H:%M:%SZ"))' "$1"; }
for c in ca leaf wildcard expired rsa1024 ecdsa; do
    o=$(openssl x509 -in "$F/$c.pem" -noout -fingerprint -sha256 -subject -issuer -dates \
        -nameopt sep_comma_plus_space,sname,utf8)
    fp=$(echo "$o" | sed -n 's/^sha256 Fingerprint=//p' | tr -d : | tr A-F a-f)
    want="$(echo "$o" | sed -n 's/^subject=//p')|$(echo "$o" | sed -n 's/^issuer=//p')|$(iso "$(echo "$o" | sed -n 's/^notBefore=//p')")|$(iso "$(echo "$o" | sed -n 's/^notAfter=//p')")"
    check_eq "$c: subject, issuer and validity equal openssl x509's" \
        "$(q "$DB" "SELECT subject, issuer, not_before, not_after FROM certificate WHERE sha256 = '$fp'")" "$want"
done
fp() { openssl x509 -in "$F/$1.pem" -noout -fingerprint -sha256 | sed 's/.*=//' | tr -d : | tr A-F a-f; }
check_eq "CA-signed leaf: CNs, SAN names and addresses, key, signature" \
    "$(q "$DB" "SELECT subject_cn, issuer_cn, san_dns, san_ip, self_signed, key_type, key_bits, sig_alg FROM certificate WHERE sha256 = '$(fp leaf)'")" \
    "www.shop.example|Tally Test CA|www.shop.example;shop.example|198.18.0.10;2001:db8::10|0|RSA|2048|RSA with SHA-256"
check_eq "self-signed wildcard: ECDSA P-256" \
    "$(q "$DB" "SELECT subject_cn, self_signed, key_type, key_bits, sig_alg FROM certificate WHERE sha256 = '$(fp wildcard)'")" \
    "*.transport.nest.example|1|EC|256|ECDSA with SHA256"
check_eq "the CA signed itself; RSA 1024 and the expired one too" \
    "$(q "$DB" "SELECT group_concat(self_signed || key_bits, ' ') FROM (SELECT * FROM certificate WHERE sha256 IN ('$(fp ca)', '$(fp rsa1024)', '$(fp expired)') ORDER BY key_bits)")" \
    "11024 12048 12048"
check_eq "the ECDSA leaf the (RSA) CA signed is not self-signed" \
    "$(q "$DB" "SELECT self_signed, key_bits, sig_alg FROM certificate WHERE sha256 = '$(fp ecdsa)'")" \
    "0|384|RSA with SHA-384"
check_eq "the wildcard is presented by three services" \
    "$(q "$DB" "SELECT COUNT(*) FROM cert_service WHERE sha256 = '$(fp wildcard)'")" "3"
cut=$(q "$DB" "SELECT sha256 FROM certificate WHERE error IS NOT NULL")
check_eq "the cut-off certificate is kept raw: its DER and the SHA-256 of it" \
    "$(q "$DB" "SELECT hex(der) FROM certificate WHERE error IS NOT NULL" | xxd -r -p | sha256sum | cut -d' ' -f1)" "$cut"
"$TALLY" -d "$TMP/count.db" import "$F/masscan.oL" 2>"$TMP/count.err"
check "the summary counts certificates and the one that did not parse" \
    grep -q "6 certificate, 10 cert-link, 1 bad-certificate" "$TMP/count.err"

# ---- the analyses ----
export TALLY_DB=$DB
check_golden "certs: one row per certificate, by services presenting it" \
    "$top_srcdir/tests/golden/certs.csv" "$TALLY" show certs --format csv
check_eq "certs counts a service once however many imports saw it" \
    "$("$TALLY" -d "$TMP/twice.db" import "$F/masscan.oL" "$F/masscan.oJ" 2>/dev/null; \
       "$TALLY" -d "$TMP/twice.db" show certs --format csv | sed -n 2p | cut -d, -f7)" "3"
# The query certs ran before it counted in C, kept here as the reference it must equal:
# certs_sql DB [CONDITION] [LIMIT].
certs_sql() {
    "$SQLITE3" -header -separator "$(printf '\t')" "$1" "SELECT c.sha256, c.subject_cn,
        c.issuer_cn, c.self_signed, c.not_after, CASE WHEN c.key_type IS NULL THEN NULL
        ELSE c.key_type || ' ' || c.key_bits END AS key, s.services, CASE WHEN c.error IS
        NOT NULL THEN 'unparsed' WHEN c.not_after < strftime('%Y-%m-%dT%H:%M:%SZ', s.seen,
        'unixepoch') THEN 'expired' WHEN c.self_signed THEN 'self-signed' ELSE 'CA-issued'
        END AS status FROM (SELECT sha256, COUNT(*) AS services, MAX(seen) AS seen FROM
        (SELECT sha256, MAX(COALESCE(seen, (SELECT CAST(strftime('%s', imported_at) AS
        INTEGER) FROM source WHERE source.id = cert_service.source_id))) AS seen FROM
        cert_service WHERE chain = 0 ${2:-} GROUP BY addr, proto, port, sha256) GROUP BY
        sha256) AS s JOIN certificate AS c ON c.sha256 = s.sha256 ORDER BY s.services DESC,
        c.sha256 ${3:-}"
}
# The same scan over IPv6, and again with a port moved: services that are not IPv4 TCP,
# and imports that share some services and not others.
sed 's/198\.18\.\([0-9]*\)\.\([0-9]*\)/2001:db8::\1:\2/' "$F/masscan.oL" >"$TMP/v6.oL"
sed 's/ 443 / 8443 /' "$TMP/v6.oL" >"$TMP/v6-moved.oL"
"$TALLY" -d "$TMP/mixed.db" import "$F/masscan.oL" "$TMP/v6.oL" "$TMP/v6-moved.oL" \
    "$F/zgrab2-tls.json" 2>/dev/null
check_eq "each later import marks its own chain links, and only its own" \
    "$(q "$TMP/mixed.db" "SELECT source_id, SUM(chain = 0), SUM(chain > 0) FROM cert_service
        WHERE source_id <= 3 GROUP BY source_id")" "1|8|2
2|8|2
3|8|2"
check_eq "and counts its own links and TLS services" \
    "$(q "$TMP/mixed.db" "SELECT source_id, SUM(services) FROM cert_count WHERE source_id <= 3
        GROUP BY source_id")|$(q "$TMP/mixed.db" "SELECT source_id, SUM(services) FROM tls_count
        WHERE source_id <= 3 GROUP BY source_id")" "1|8
2|8
3|8|1|7
2|7
3|7"
for db in "$DB" "$TMP/twice.db" "$TMP/mixed.db"; do
    name=$(basename "$db")
    check_eq "certs equals the reference query on $name" \
        "$("$TALLY" -d "$db" show certs --format tsv)" "$(certs_sql "$db")"
    check_eq "certs --top 2 equals the reference query on $name" \
        "$("$TALLY" -d "$db" show certs --top 2 --format tsv)" "$(certs_sql "$db" "" "LIMIT 2")"
    check_eq "certs --port 443 equals the reference query on $name" \
        "$("$TALLY" -d "$db" show certs --port 443 --format tsv)" \
        "$(certs_sql "$db" "AND port = 443")"
    for source in $(q "$db" "SELECT id FROM source ORDER BY id"); do
        check_eq "certs --source $source (one import: its summary) equals the reference on $name" \
            "$("$TALLY" -d "$db" show certs --source "$source" --format tsv)" \
            "$(certs_sql "$db" "AND source_id = $source")"
    done
done
# Each import's services per certificate and port (cert_count), as its links count them;
# with one import asked about, certs reads them rather than the links.
cert_count_sql() {
    q "$1" "SELECT source_id, proto, port, sha256, COUNT(*), MIN(COALESCE(seen, (SELECT
        CAST(strftime('%s', imported_at) AS INTEGER) FROM source WHERE source.id =
        cert_service.source_id))), MAX(COALESCE(seen, (SELECT CAST(strftime('%s',
        imported_at) AS INTEGER) FROM source WHERE source.id = cert_service.source_id)))
        FROM cert_service WHERE chain = 0 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
}
for db in "$DB" "$TMP/mixed.db"; do
    check_eq "an import counts its services per certificate and port ($(basename "$db"))" \
        "$(q "$db" "SELECT * FROM cert_count ORDER BY 1, 2, 3, 4")" "$(cert_count_sql "$db")"
done
# And its services per TLS version and cipher suite (tls_count), what tls-versions reads.
tls_count_sql() {
    q "$1" "SELECT source_id, proto, port, version, cipher, cipher_name, COUNT(DISTINCT addr),
        MIN(seen), MAX(seen) FROM tls_service GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
}
for db in "$DB" "$TMP/mixed.db"; do
    check_eq "an import counts its services per TLS version and suite ($(basename "$db"))" \
        "$(q "$db" "SELECT * FROM tls_count ORDER BY 1, 2, 3, 4, 5, 6")" "$(tls_count_sql "$db")"
done
cp "$DB" "$TMP/counted.db"
q "$TMP/counted.db" "UPDATE cert_count SET services = services + 40 WHERE sha256 = '$(fp leaf)'"
check "certs of one import reads its counts" sh -c \
    '"$TALLY" -d "$1" show certs --format csv | grep -q ",4[0-9],[a-zA-Z-]*$"' sh "$TMP/counted.db"
q "$TMP/counted.db" "UPDATE tls_count SET services = services + 40"
check "so does tls-versions" sh -c \
    '"$TALLY" -d "$1" show tls-versions --format csv | grep -q ",4[0-9]$"' sh "$TMP/counted.db"
# A database from before the counts gains them on first open, and answers as before.
cp "$DB" "$TMP/v10.db"
q "$TMP/v10.db" "DROP TABLE cert_count; DROP TABLE tls_count; PRAGMA user_version = 10"
check_eq "a schema-10 database answers certs as before" \
    "$("$TALLY" -d "$TMP/v10.db" show certs --format tsv)" "$(certs_sql "$DB")"
check_eq "its counts are built from its links" \
    "$(q "$TMP/v10.db" "SELECT * FROM cert_count ORDER BY 1, 2, 3, 4")" "$(cert_count_sql "$DB")"
check_eq "and answers tls-versions as before" \
    "$("$TALLY" -d "$TMP/v10.db" show tls-versions --format csv)" \
    "$(cat "$top_srcdir/tests/golden/tls-versions.csv")"
check_eq "with its TLS counts built from its rows" \
    "$(q "$TMP/v10.db" "SELECT * FROM tls_count ORDER BY 1, 2, 3, 4, 5, 6")" "$(tls_count_sql "$DB")"
# A certificate no service presents is not shown, and links to a certificate the table
# lacks (the most services of all) are passed over, as the reference's join does.
cp "$TMP/mixed.db" "$TMP/sparse.db"
q "$TMP/sparse.db" "INSERT INTO certificate (rowid, sha256, der) VALUES (1000, 'ff', x'00')"
# A service that presented the expired certificate in the year 30489: past what an
# ISO-8601 date spells, so no longer a date to be expired at (self-signed, then). Its
# import's summary says so too, as an import writes both.
q "$TMP/sparse.db" "UPDATE cert_service SET seen = 900000000000 WHERE rowid = (SELECT MIN(rowid)
    FROM cert_service WHERE sha256 = '$(fp expired)' AND chain = 0)"
q "$TMP/sparse.db" "UPDATE cert_count SET last_seen = 900000000000 WHERE (source_id, proto,
    port, sha256) IN (SELECT source_id, proto, port, sha256 FROM cert_service
    WHERE seen = 900000000000)"
for db in "$TMP/mixed.db" "$TMP/sparse.db"; do
    q "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9)
        INSERT INTO cert_service (source_id, addr, ip4, proto, port, chain, sha256)
        SELECT 1, '198.18.9.' || i, 3323070720 + i, 'tcp', 443, 0, 'aa' FROM n"
    name=$(basename "$db")
    check_eq "certs passes over a certificate the table lacks ($name)" \
        "$("$TALLY" -d "$db" show certs --format tsv)" "$(certs_sql "$db")"
    check_eq "certs --top 1 passes over it too ($name)" \
        "$("$TALLY" -d "$db" show certs --top 1 --format tsv | cut -f7)" "$(printf 'services\n6')"
done
check_eq "a service seen past the year 9999 makes no certificate expired" \
    "$("$TALLY" -d "$TMP/sparse.db" show certs --format csv | grep old.shop | cut -d, -f8)" \
    "self-signed"
check_eq "the mixed database counts a service seen by two imports once" \
    "$(q "$TMP/mixed.db" "SELECT COUNT(*) > COUNT(DISTINCT addr || proto || port || sha256)
        FROM cert_service WHERE chain = 0")" "1"
check_eq "certs --cert by name" \
    "$("$TALLY" show certs --cert '*.SHOP.example' --format csv | cut -d, -f2 | sort | tr '\n' ' ')" \
    "api.shop.example old.shop.example subject_cn www.shop.example "
check_eq "certs: each certificate's status, expired when seen after its not-after" \
    "$("$TALLY" show certs --format csv | cut -d, -f2,8 | tr '\n' ' ')" \
    "subject_cn,status *.transport.nest.example,self-signed printer.lab.example,self-signed www.shop.example,CA-issued api.shop.example,CA-issued old.shop.example,expired ,unparsed "
check "the certs chart has a legend of the statuses" sh -c \
    '"$TALLY" chart certs -o "$TMP/status.svg" && grep -q "self-signed" "$TMP/status.svg" &&
     grep -q "CA-issued" "$TMP/status.svg" && grep -q "expired" "$TMP/status.svg"'
check_golden "tls-versions: services by version, cipher suite (mbedTLS's names) and strength" \
    "$top_srcdir/tests/golden/tls-versions.csv" "$TALLY" show tls-versions --format csv
check_eq "top 10 subnets of hosts on 9543 presenting *.transport.nest.example" \
    "$("$TALLY" show top-subnets --port 9543 --cert '*.transport.nest.example' --top 10 --format csv | tr '\n' ' ')" \
    "subnet,hosts 198.18.1.0/24,2 198.18.2.0/24,1 "
check_eq "--cert a SAN name the subject CN does not give" \
    "$("$TALLY" show ports --cert shop.example --format csv | tr '\n' ' ')" "port,proto,hosts 443,tcp,1 "
check_eq "--cert a fingerprint prefix, with colons" \
    "$("$TALLY" show subnets --cert "$(fp expired | cut -c1-8 | sed 's/../&:/g; s/:$//')" --format csv | tr '\n' ' ')" \
    "subnet,hosts 198.18.3.0/24,1 "
check_eq "--cert that matches nothing: no rows" \
    "$("$TALLY" show address-map --cert 'nothing.example' --format csv | wc -l)" "1"
check_eq "subnet-squares takes it too" \
    "$("$TALLY" show subnet-squares --cert '*.transport.*' --prefix 16 --format csv | tr '\n' ' ')" \
    "subnet,hosts 198.18.0.0/16,3 "
check_exit "--cert is refused where it means nothing" 2 "$TALLY" show talkers --cert x
check "certs charts" "$TALLY" chart certs -o "$TMP/certs.svg"
check "its title says what it counts" grep -q "Certificates: services presenting each" "$TMP/certs.svg"
check "the chart's subtitle names the filter" sh -c \
    '"$TALLY" chart top-subnets --cert "*.transport.nest.example" -o "$TMP/t.svg" && grep -q "certificate \*.transport.nest.example" "$TMP/t.svg"'
check "tls-versions charts" "$TALLY" chart tls-versions -o "$TMP/tls.png"
check "a workbook has both sheets" sh -c '"$TALLY" workbook -o "$TMP/w.xlsx" certs tls-versions && test -s "$TMP/w.xlsx"'
unset TALLY_DB

# ---- a name with control bytes ----
# control-cn.oL: a self-signed ECDSA certificate (made once with python3-cryptography)
# whose CN holds an ESC sequence, "evil\x1b[31m.example".
rm -f "$TMP/ctl.db"
check "a certificate whose CN holds an ESC sequence imports" \
    "$TALLY" -d "$TMP/ctl.db" import "$F/control-cn.oL"
check_eq "the database keeps the name as sent" \
    "$(q "$TMP/ctl.db" "SELECT hex(subject_cn) FROM certificate")" "6576696C1B5B33316D2E6578616D706C65"
check_eq "show writes the ESC as \\x1b" \
    "$("$TALLY" -d "$TMP/ctl.db" show certs --format csv | sed -n 2p | cut -d, -f2)" 'evil\x1b[31m.example'
check "and never the byte itself" sh -c \
    '! "$TALLY" -d "$TMP/ctl.db" show certs | grep -q "$(printf "\033")"'

# ---- nmap ssl-cert and zgrab2 tls ----
rm -f "$TMP/n.db"
check "nmap XML with ssl-cert scripts imports" "$TALLY" -d "$TMP/n.db" import "$F/nmap-ssl-cert.xml"
check_eq "its certificates are masscan's (the same fingerprints)" \
    "$(q "$TMP/n.db" "SELECT group_concat(sha256) FROM (SELECT sha256 FROM certificate ORDER BY 1)")" \
    "$(q "$DB" "SELECT group_concat(sha256) FROM (SELECT sha256 FROM certificate WHERE error IS NULL AND sha256 <> '$(fp ca)' ORDER BY 1)")"
check_eq "one link per port" "$(q "$TMP/n.db" "SELECT COUNT(*) FROM cert_service")" "7"
check "ZGrab2 tls results import" "$TALLY" -d "$TMP/n.db" import "$F/zgrab2-tls.json"
check_eq "with their chains and versions" \
    "$(q "$TMP/n.db" "SELECT COUNT(*), SUM(chain) FROM cert_service WHERE source_id = 2")|$(q "$TMP/n.db" "SELECT version, cipher_name FROM tls_service LIMIT 1")" \
    "4|2|TLS/1.2|TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
check_eq "a certificate two imports share is stored once" \
    "$(q "$TMP/n.db" "SELECT COUNT(*) FROM certificate WHERE sha256 = '$(fp leaf)'")" "1"

# ---- forget ----
check "forget the nmap import" "$TALLY" -d "$TMP/n.db" forget 1
check_eq "keeps the certificates zgrab2 still links" \
    "$(q "$TMP/n.db" "SELECT COUNT(*) FROM certificate")|$(q "$TMP/n.db" "SELECT COUNT(*) FROM cert_service")" "3|4"
check "forget the zgrab2 import" "$TALLY" -d "$TMP/n.db" forget 2
check_eq "leaves no certificate, link, count or TLS row" \
    "$(q "$TMP/n.db" "SELECT (SELECT COUNT(*) FROM certificate) + (SELECT COUNT(*) FROM cert_service) + (SELECT COUNT(*) FROM cert_count) + (SELECT COUNT(*) FROM tls_service)")" "0"

# ---- the corpora ----
if needs corpora/scan/ivre_test-T443.xml; then
    rm -f "$TMP/c.db"
    check "masscan XML with 48 X509 banners" "$TALLY" -d "$TMP/c.db" import "$TALLY_CORPORA/scan/ivre_test-T443.xml"
    # Every certificate's fingerprint and end of validity as openssl reads them.
    "$PYTHON3" - "$TALLY_CORPORA/scan/ivre_test-T443.xml" > "$TMP/ivre.b64" <<'PY'
import re, sys
for b in re.findall(r'name="X509" banner="([^"]*)"', open(sys.argv[1]).read()):
    print(b)
PY
    : > "$TMP/want"
    while read -r b64; do
        echo "$b64" | base64 -d > "$TMP/one.der"
        f=$(openssl x509 -inform DER -in "$TMP/one.der" -noout -fingerprint -sha256 | sed 's/.*=//' | tr -d : | tr A-F a-f)
        e=$(iso "$(openssl x509 -inform DER -in "$TMP/one.der" -noout -enddate | sed 's/notAfter=//')")
        echo "$f|$e" >> "$TMP/want"
    done < "$TMP/ivre.b64"
    check_eq "every fingerprint and not-after equals openssl's" \
        "$(q "$TMP/c.db" "SELECT sha256 || '|' || not_after FROM certificate ORDER BY 1" | md5sum)" \
        "$(sort -u "$TMP/want" | md5sum)"
fi
if needs corpora/scan/postmodern_masscan.list; then
    rm -f "$TMP/p.db"
    "$TALLY" -d "$TMP/p.db" import "$TALLY_CORPORA/scan/postmodern_masscan.list" 2>"$TMP/p.err"
    check "masscan's cut-off certificate (1280 base64 characters) is kept raw, not a failure" \
        grep -q "1 bad-certificate" "$TMP/p.err"
    check_eq "its ssl banner gives TLS/1.1 and cipher 0xc013" \
        "$(q "$TMP/p.db" "SELECT version, printf('0x%04x', cipher) FROM tls_service")" "TLS/1.1|0xc013"
fi
if needs corpora/scan/zmap_zgrab2_http-https.json; then
    rm -f "$TMP/z.db"
    check "ZGrab2 http over TLS" "$TALLY" -d "$TMP/z.db" import "$TALLY_CORPORA/scan/zmap_zgrab2_http-https.json"
    want=$("$PYTHON3" -c 'import json, sys, base64, hashlib
d = json.load(open(sys.argv[1]))
raw = d["data"]["http"]["result"]["response"]["request"]["tls_log"]["handshake_log"]["server_certificates"]["certificate"]["raw"]
print(hashlib.sha256(base64.b64decode(raw)).hexdigest())' "$TALLY_CORPORA/scan/zmap_zgrab2_http-https.json")
    check_eq "its certificate is linked to 443" \
        "$(q "$TMP/z.db" "SELECT sha256, port FROM cert_service")" "$want|443"
fi

# ---- a terminal table of many certificates ----

# Past half a million rows a terminal certs table is written as SQLite orders it, its
# columns as wide as their widest possible cell: every row still lines up, and holds what
# the TSV holds. 600,000 certificates of one import, added to its summary.
MANY=$TMP/many-certs.db
cp "$DB" "$MANY"
q "$MANY" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600000)
    INSERT INTO certificate (sha256, der, subject_cn, issuer_cn, not_after, self_signed,
                             key_type, key_bits)
    SELECT printf('%064x', i), x'00', 'host' || i || '.example', 'CA ' || (i % 3),
           '2030-01-01T00:00:00Z', i % 2, 'EC', 256 FROM n;
    INSERT INTO cert_count (source_id, proto, port, sha256, services, first_seen, last_seen)
    SELECT 1, 'tcp', 443, sha256, 1 + rowid % 9, 1700000000, 1700000000 FROM certificate
    WHERE der = x'00'"
"$TALLY" -d "$MANY" show certs >"$TMP/many-certs.txt"
check_eq "many certificates: a header, its rule and a row per certificate" \
    "$(wc -l <"$TMP/many-certs.txt")" \
    "$(($("$TALLY" -d "$DB" show certs --format tsv | wc -l) + 600000 + 1))"
check_eq "many certificates: the status column starts at one place on every row" \
    "$(awk 'NR > 2 { print length($0) - length($NF) }' "$TMP/many-certs.txt" | sort -u | wc -l)" 1
check_eq "many certificates: the rows the TSV holds" \
    "$(tail -n +3 "$TMP/many-certs.txt" | tr -s ' ' | md5sum)" \
    "$("$TALLY" -d "$MANY" show certs --format tsv | tail -n +2 |
       awk -F '\t' '{ $1 = length($1) > 60 ? substr($1, 1, 59) "…" : $1; print }' |
       tr -s ' ' | md5sum)"

done_testing
