#!/bin/sh
# tls-lab.sh: certificates from the TLS lab (tests/fixtures/tls-lab/, made by
# tests/lab/make-tls-lab.sh): every masscan format and nmap's ssl-cert script give the same
# certificate rows, each equal to what `openssl x509` reads in the lab's PEM files, linked
# to the services that presented them; --cert picks the wildcard's hosts.
. "$top_srcdir/tests/lib.sh"
require sqlite3
L=$top_srcdir/tests/fixtures/tls-lab
WILD='*.transport.nest.example'


# ---- every masscan format: the same rows ----
for fmt in oB oL oJ oD oX oG; do
    rm -f "$TMP/$fmt.db"
    check "masscan -$fmt of the lab imports" "$TALLY" -d "$TMP/$fmt.db" import "$L/masscan.$fmt"
    check "-$fmt: 7 certificates, 14 links (10 services, 4 of them with the CA after)" \
        grep -q "7 certificate, 14 cert-link" "$TMP/last.out"
    check_eq "-$fmt: every certificate parsed" \
        "$(q "$TMP/$fmt.db" "SELECT COUNT(*) FROM certificate WHERE error IS NOT NULL")" "0"
    q "$TMP/$fmt.db" "SELECT * FROM certificate ORDER BY sha256" | md5sum > "$TMP/$fmt.certs"
    q "$TMP/$fmt.db" "SELECT addr, proto, port, chain, sha256 FROM cert_service ORDER BY 1, 2, 3, 4, 5" \
        | md5sum > "$TMP/$fmt.links"
    TALLY_DB=$TMP/$fmt.db "$TALLY" show certs --format csv > "$TMP/$fmt.csv"
done
check_eq "the same certificate rows from -oB, -oL, -oJ, -oD, -oX and -oG" \
    "$(cat "$TMP"/o?.certs | sort -u | wc -l)" "1"
check_eq "the same services linked to them" "$(cat "$TMP"/o?.links | sort -u | wc -l)" "1"
check_eq "the same certs table" "$(md5sum "$TMP"/o?.csv | cut -d' ' -f1 | sort -u | wc -l)" "1"
DB=$TMP/oL.db
check_eq "TLS versions and suites from masscan's ssl banners (its hello offers TLS 1.1 only)" \
    "$(TALLY_DB=$DB "$TALLY" show tls-versions --format csv | tr '\n' ' ')" \
    "version,strength,cipher,services TLS/1.1,weak,TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA,9 TLS/1.1,weak,TLS-ECDHE-ECDSA-WITH-AES-256-CBC-SHA,1 "
check_eq "198.18.0.12 answered masscan with an alert: no TLS row, no certificate" \
    "$(q "$DB" "SELECT (SELECT COUNT(*) FROM tls_service WHERE addr = '198.18.0.12') + (SELECT COUNT(*) FROM cert_service WHERE addr = '198.18.0.12')")" "0"

# ---- nmap ssl-cert ----
NDB=$TMP/nmap.db
rm -f "$NDB"
check "nmap -sV --script ssl-cert of the lab imports" "$TALLY" -d "$NDB" import "$L/nmap-ssl-cert.xml"
check "nmap: 6 certificates (ssl-cert shows no chain), 11 services" \
    grep -q "6 certificate, 11 cert-link" "$TMP/last.out"

# ---- --cert: the wildcard's hosts ----
for db in "$DB" "$NDB"; do
    export TALLY_DB=$db
    src=masscan; [ "$db" = "$NDB" ] && src=nmap
    check_eq "$src: ports --cert '$WILD'" \
        "$("$TALLY" show ports --cert "$WILD" --format csv | tr '\n' ' ')" \
        "port,proto,hosts 9543,tcp,3 443,tcp,1 "
    check_eq "$src: subnets --cert '$WILD' --prefix 32: exactly its three hosts" \
        "$("$TALLY" show subnets --cert "$WILD" --prefix 32 --format csv | sort | tr '\n' ' ')" \
        "198.18.1.20/32,1 198.18.1.21/32,1 198.18.2.30/32,1 subnet,hosts "
    check_eq "$src: top 10 subnets of hosts on 9543 presenting it" \
        "$("$TALLY" show top-subnets --port 9543 --cert "$WILD" --top 10 --format csv | tr '\n' ' ')" \
        "subnet,hosts 198.18.1.0/24,2 198.18.2.0/24,1 "
    check_eq "$src: its SAN name without the star selects the same" \
        "$("$TALLY" show address-map --cert transport.nest.example --format csv | tr '\n' ' ')" \
        "subnet,hosts 198.18.1.0/24,2 198.18.2.0/24,1 "
    check_eq "$src: the other certificate on 9543 is the other host" \
        "$("$TALLY" show ports --port 9543 --cert thermostat.lab.example --format csv | tr '\n' ' ')" \
        "port,proto,hosts 9543,tcp,1 "
done
check_eq "nmap: no service presents the CA as its own" \
    "$(TALLY_DB=$NDB "$TALLY" show ports --cert 'Tally Lab CA' --format csv | tr '\n' ' ')" "port,proto,hosts "
check_eq "masscan: no service presents the CA as its own" \
    "$(TALLY_DB=$DB "$TALLY" show ports --cert 'Tally Lab CA' --format csv | tr '\n' ' ')" "port,proto,hosts "
unset TALLY_DB

# ---- every field equals openssl's ----
require openssl
fp() { openssl x509 -in "$L/$1.pem" -noout -fingerprint -sha256 | sed 's/.*=//' | tr -d : | tr A-F a-f; }
# dn NAME subject|issuer: "C=US, O=Tally Lab, CN=Tally Lab CA", in DER order.
dn() { openssl x509 -in "$L/$1.pem" -noout -"$2" -nameopt sep_comma_plus_space,sname,utf8 | sed "s/^$2=//"; }
# cn NAME subject|issuer: its last CN.
cn() { openssl x509 -in "$L/$1.pem" -noout -"$2" -nameopt sep_multiline,sname,utf8 | sed -n 's/^ *CN=//p' | tail -1; }
# when NAME startdate|enddate: ISO-8601 UTC.
when() { date -u -d "$(openssl x509 -in "$L/$1.pem" -noout -"$2" | sed 's/^not[A-Za-z]*=//')" +%Y-%m-%dT%H:%M:%SZ; }
# san NAME DNS|IP Address: the subjectAltName entries of that kind, ';'-separated.
san() { openssl x509 -in "$L/$1.pem" -noout -ext subjectAltName 2>/dev/null | sed -n '2,$p' | tr ',' '\n' \
        | sed -n "s/^ *$2://p" | paste -sd';'; }
# selfsigned NAME: 1 when the issuer is the subject and the certificate verifies with its own key.
selfsigned() {
    if [ "$(dn "$1" subject)" = "$(dn "$1" issuer)" ] && openssl verify -no_check_time -partial_chain \
        -auth_level 0 -CAfile "$L/$1.pem" "$L/$1.pem" >/dev/null 2>&1; then echo 1; else echo 0; fi
}
keytype() {
    case $(openssl x509 -in "$L/$1.pem" -noout -text | sed -n 's/^ *Public Key Algorithm: //p') in
    rsaEncryption) echo RSA ;; id-ecPublicKey) echo EC ;; *) echo unknown ;;
    esac
}
keybits() { openssl x509 -in "$L/$1.pem" -noout -text | sed -n 's/^ *Public-Key: (\([0-9]*\) bit)/\1/p'; }
sigalg() {
    case $(openssl x509 -in "$L/$1.pem" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -1) in
    sha256WithRSAEncryption) echo "RSA with SHA-256" ;; ecdsa-with-SHA256) echo "ECDSA with SHA256" ;;
    *) echo unknown ;;
    esac
}
der_hex() { openssl x509 -in "$L/$1.pem" -outform DER | od -An -tx1 -v | tr -d ' \n'; }

# The services of the lab (README.md): certificate address:port, as their own.
SERVICES="leaf:198.18.0.10:443 leaf:198.19.0.50:443 ecdsa:198.18.0.11:443
wildcard:198.18.1.20:9543 wildcard:198.18.1.21:9543 wildcard:198.18.2.30:443 wildcard:198.18.2.30:9543
selfsigned:198.18.2.31:9543 expired:198.18.3.40:8443 rsa1024:198.18.3.41:443"
services_of() { for s in $SERVICES; do case $s in "$1":*) echo "${s#*:}" ;; esac; done | sort | paste -sd' '; }
linked() { q "$1" "SELECT addr || ':' || port FROM cert_service WHERE chain = 0 AND sha256 = '$2'" | sort | paste -sd' '; }

for c in ca leaf ecdsa wildcard selfsigned rsa1024 expired; do
    f=$(fp "$c")
    check_eq "$c: fingerprint, DER, subject, issuer, their CNs, SAN, validity, self-signed, key, signature equal openssl's" \
        "$(q "$DB" "SELECT sha256, lower(hex(der)), subject, issuer, subject_cn, issuer_cn, san_dns, san_ip,
            not_before, not_after, self_signed, key_type, key_bits, sig_alg, error FROM certificate WHERE sha256 = '$f'")" \
        "$f|$(der_hex "$c")|$(dn "$c" subject)|$(dn "$c" issuer)|$(cn "$c" subject)|$(cn "$c" issuer)|$(san "$c" DNS)|$(san "$c" 'IP Address')|$(when "$c" startdate)|$(when "$c" enddate)|$(selfsigned "$c")|$(keytype "$c")|$(keybits "$c")|$(sigalg "$c")|"
    [ "$c" = ca ] && continue
    check_eq "$c: masscan links the services presenting it" "$(linked "$DB" "$f")" "$(services_of "$c")"
    want=$(services_of "$c")
    [ "$c" = leaf ] && want="198.18.0.10:443 198.18.0.12:443 198.19.0.50:443"
    check_eq "$c: nmap too (and 198.18.0.12, which refused masscan's TLS 1.1)" "$(linked "$NDB" "$f")" "$want"
    ks="$(keytype "$c") $(keybits "$c")"
    case $c in
    expired) status=expired ;;
    *) [ "$(selfsigned "$c")" = 1 ] && status=self-signed || status=CA-issued ;;
    esac
    check_eq "$c: its certs row" \
        "$(grep "^$f," "$TMP/oL.csv")" \
        "$f,$(cn "$c" subject),$(cn "$c" issuer),$(selfsigned "$c"),$(when "$c" enddate),$ks,$(services_of "$c" | wc -w),$status"
done
check_eq "the lab's expectations hold: the expired one ended in 2021, the wildcard signed itself" \
    "$(when expired enddate) $(selfsigned wildcard) $(selfsigned leaf)" "2021-01-01T00:00:00Z 1 0"
check_eq "nmap's certificate rows are masscan's, all but the CA it does not show" \
    "$(q "$NDB" "SELECT * FROM certificate ORDER BY sha256" | md5sum)" \
    "$(q "$DB" "SELECT * FROM certificate WHERE sha256 <> '$(fp ca)' ORDER BY sha256" | md5sum)"
ca=$(fp ca)
check_eq "the CA is linked to the four services that sent it after their own" \
    "$(q "$DB" "SELECT addr || ':' || port FROM cert_service WHERE sha256 = '$ca'" | sort | paste -sd' ')" \
    "198.18.0.10:443 198.18.0.11:443 198.18.3.40:8443 198.19.0.50:443"
check_eq "as part of their chain, not as their own certificate" \
    "$(q "$DB" "SELECT COUNT(*) FROM cert_service WHERE sha256 = '$ca' AND chain = 0")" "0"
check_eq "so certs does not list it" "$(grep -c "^$ca," "$TMP/oL.csv")" "0"
check_eq "--cert takes a fingerprint prefix: the wildcard's hosts" \
    "$(TALLY_DB=$DB "$TALLY" show ports --cert "$(fp wildcard | cut -c1-12)" --format csv | tr '\n' ' ')" \
    "port,proto,hosts 9543,tcp,3 443,tcp,1 "

# ---- the clients' capture: what each ClientHello carried ----
check "the clients' capture imports" "$TALLY" -d "$TMP/client.db" import "$L/client.pcap"
check_eq "ten handshakes, one tls_client row each" \
    "$(q "$TMP/client.db" "SELECT COUNT(*) FROM tls_client")" "10"
# What the README of the lab says the clients sent, server by server.
check_eq "SNI: the names the clients sent" \
    "$(q "$TMP/client.db" "SELECT DISTINCT server || ' ' || sni FROM tls_client ORDER BY 1" | paste -sd';')" \
    "198.18.0.10 www.shop.example;198.18.0.11 api.shop.example;198.18.0.12 www.shop.example;198.18.1.20 frontdoor.transport.nest.example;198.18.1.21 frontdoor.transport.nest.example;198.18.2.30 weave.transport.nest.example;198.18.3.40 old.shop.example;198.18.3.41 printer.lab.example"
if needs_lookup tshark; then
    check_eq "server, SNI and JA3 of every ClientHello equal tshark's" \
        "$(q "$TMP/client.db" "SELECT server || ' ' || sni || ' ' || ja3 FROM tls_client ORDER BY 1")" \
        "$(tshark -r "$L/client.pcap" -Y 'tls.handshake.type == 1' -T fields -e ip.dst \
            -e tls.handshake.extensions_server_name -e tls.handshake.ja3 2>/dev/null | tr '\t' ' ' | LC_ALL=C sort)"
fi
check_eq "tls-names: each name's servers and connections" \
    "$("$TALLY" -d "$TMP/client.db" show tls-names --format csv | cut -d, -f1,2,4 | paste -sd' ')" \
    "sni,servers,connections www.shop.example,2,3 api.shop.example,1,2 frontdoor.transport.nest.example,2,2 old.shop.example,1,1 printer.lab.example,1,1 weave.transport.nest.example,1,1"
done_testing
