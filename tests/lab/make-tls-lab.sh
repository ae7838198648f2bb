#!/bin/sh
# make-tls-lab.sh: builds the TLS lab of tests/tls-lab.sh and writes its files to
# tests/fixtures/tls-lab/: a CA and server certificates made with openssl, one `openssl
# s_server` per service in a network namespace on 198.18.0.0/15, scanned from another
# namespace by masscan --banners (every output format) and nmap's ssl-cert script,
# captured with tcpdump, and a capture of curl and openssl s_client talking TLS 1.2 and 1.3
# to them. Run as root from anywhere: sh tests/lab/make-tls-lab.sh [OUTDIR]. It needs ip,
# openssl, masscan, nmap, tcpdump and curl; it removes what it set up when it ends.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../fixtures/tls-lab}
[ "$(id -u)" = 0 ] || { echo "make-tls-lab.sh: needs root (network namespaces)" >&2; exit 1; }
for p in ip openssl masscan nmap tcpdump curl; do
    command -v "$p" >/dev/null || { echo "make-tls-lab.sh: needs $p" >&2; exit 1; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
SRV=tlab-srv SCAN=tlab-scan
# The servers' side answers for every lab address; the scanner's side has its own address
# for nmap, curl and s_client, and masscan sends from another one the kernel does not own
# (so the kernel never resets masscan's connections).
SCAN_IP=198.19.255.254 MASSCAN_IP=198.19.255.200
pids=""

cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    ip netns del $SRV 2>/dev/null || true
    ip netns del $SCAN 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
in_srv() { ip netns exec $SRV "$@"; }
in_scan() { ip netns exec $SCAN "$@"; }

# ---- certificates ----
cd "$work"
days=36500
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days $days -sha256 \
    -subj "/C=US/O=Tally Lab/CN=Tally Lab CA" 2>/dev/null
# sign NAME SUBJECT [EXT]: a certificate the CA signs for NAME.key's request.
sign() {
    printf '%s\n' "${3:-basicConstraints=CA:FALSE}" > "$1.ext"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "$2"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
        -days $days -sha256 -extfile "$1.ext" 2>/dev/null
}
# CA-signed, RSA 2048, with subjectAltName names and addresses.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out leaf.key 2>/dev/null
sign leaf "/C=US/O=Example Shop/CN=www.shop.example" \
    "subjectAltName=DNS:www.shop.example,DNS:shop.example,IP:198.18.0.10,IP:198.19.0.50"
# CA-signed, ECDSA P-256.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecdsa.key
sign ecdsa "/O=Example Shop/CN=api.shop.example" "subjectAltName=DNS:api.shop.example"
# Self-signed wildcard, RSA 2048: the thermostat cloud's transport servers.
openssl req -x509 -newkey rsa:2048 -nodes -keyout wildcard.key -out wildcard.pem -days $days \
    -sha256 -subj "/O=Nest Labs/CN=*.transport.nest.example" \
    -addext "subjectAltName=DNS:*.transport.nest.example,DNS:transport.nest.example" 2>/dev/null
# Self-signed, RSA 3072, on the same port as the wildcard.
openssl req -x509 -newkey rsa:3072 -nodes -keyout selfsigned.key -out selfsigned.pem \
    -days $days -sha256 -subj "/CN=thermostat.lab.example" 2>/dev/null
# Self-signed, RSA 1024 (servers and clients accept it only at security level 0).
openssl req -x509 -newkey rsa:1024 -nodes -keyout rsa1024.key -out rsa1024.pem -days $days \
    -sha256 -subj "/CN=printer.lab.example" 2>/dev/null
# CA-signed and expired: openssl ca takes explicit dates.
mkdir ca.d
: > ca.d/index.txt
echo 1000 > ca.d/serial
cat > ca.cnf <<CNF
[ca]
default_ca = lab
[lab]
database = $work/ca.d/index.txt
new_certs_dir = $work/ca.d
serial = $work/ca.d/serial
default_md = sha256
policy = any
[any]
commonName = supplied
organizationName = optional
CNF
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out expired.key 2>/dev/null
openssl req -new -key expired.key -out expired.csr -subj "/O=Example Shop/CN=old.shop.example"
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -notext \
    -startdate 20200101000000Z -enddate 20210101000000Z -out expired.tmp 2>/dev/null
openssl x509 -in expired.tmp -out expired.pem
for c in ca leaf ecdsa wildcard selfsigned rsa1024 expired; do cp "$c.pem" "$out/"; done

# ---- the network: two namespaces joined by a veth pair ----
ip netns del $SRV 2>/dev/null || true
ip netns del $SCAN 2>/dev/null || true
ip netns add $SRV
ip netns add $SCAN
ip link add tlab0 netns $SCAN type veth peer name tlab1 netns $SRV
in_scan ip link set lo up
in_srv ip link set lo up
in_scan ip addr add $SCAN_IP/15 dev tlab0
in_srv ip addr add 198.18.0.1/15 dev tlab1
in_scan ip link set tlab0 up
in_srv ip link set tlab1 up
# Checksums and segmentation done in software, so the captures hold correct checksums and
# segments no longer than the MTU (ethtool -K tx off tso off gso off, without ethtool).
offload_off() {
    ip netns exec "$1" python3 - "$2" <<'PY'
import ctypes, fcntl, socket, struct, sys
SIOCETHTOOL = 0x8946
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for cmd in (0x17, 0x1f, 0x24):  # ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO
    value = ctypes.create_string_buffer(struct.pack("II", cmd, 0))
    req = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(value)).ljust(40, b"\0")
    fcntl.ioctl(s, SIOCETHTOOL, req)
PY
}
offload_off $SCAN tlab0
offload_off $SRV tlab1
srv_mac=$(in_srv cat /sys/class/net/tlab1/address)
scan_mac=$(in_scan cat /sys/class/net/tlab0/address)
# masscan answers ARP for its address itself; a fixed entry makes the first replies sure.
in_srv ip neigh replace $MASSCAN_IP lladdr "$scan_mac" dev tlab1 nud permanent

# ---- the servers: address port certificate [s_server options] ----
# masscan 1.3.2's ClientHello offers TLS 1.1 and CBC suites only, which OpenSSL 3 refuses
# below security level 0 (alert internal_error): the servers masscan should read run at
# level 0. 198.18.0.12:443 keeps OpenSSL's defaults (TLS 1.2 and 1.3): masscan gets an
# alert there, nmap the certificate. 198.18.0.13 has an address and no server.
L0="-cipher DEFAULT:@SECLEVEL=0"
cat > services <<EOF
198.18.0.10 443 leaf -cert_chain ca.pem $L0
198.18.0.11 443 ecdsa -cert_chain ca.pem $L0
198.18.0.12 443 leaf -cert_chain ca.pem
198.18.1.20 9543 wildcard $L0
198.18.1.21 9543 wildcard $L0
198.18.2.30 9543 wildcard $L0
198.18.2.30 443 wildcard $L0
198.18.2.31 9543 selfsigned $L0
198.18.3.40 8443 expired -cert_chain ca.pem $L0
198.18.3.41 443 rsa1024 -no_tls1_3 $L0
198.19.0.50 443 leaf -cert_chain ca.pem $L0
EOF
for a in $(awk '{print $1}' services | sort -u) 198.18.0.13; do
    in_srv ip addr add "$a/32" dev tlab1
done
while read -r addr port cert opts; do
    # shellcheck disable=SC2086
    ip netns exec $SRV openssl s_server -quiet -www -accept "$addr:$port" \
        -cert "$cert.pem" -key "$cert.key" $opts </dev/null >/dev/null 2>"server-$addr-$port.err" &
    pids="$pids $!"
done < services
sleep 1
while read -r addr port cert opts; do
    in_scan timeout 3 openssl s_client -connect "$addr:$port" -cipher DEFAULT:@SECLEVEL=0 \
            </dev/null >/dev/null 2>&1 \
        || { echo "make-tls-lab.sh: no server on $addr:$port" >&2; cat "server-$addr-$port.err" >&2; exit 1; }
done < services

targets=198.18.0.10-198.18.0.13,198.18.1.20-198.18.1.21,198.18.2.30-198.18.2.31,198.18.3.40-198.18.3.41,198.19.0.50
ports=443,8443,9543
# The services whose certificate masscan can read.
nservices=$(grep -c SECLEVEL=0 services)

# capture FILE COMMAND...: runs the command in the scanner's namespace while tcpdump
# captures the veth into FILE.
capture() {
    file=$1; shift
    ip netns exec $SCAN tcpdump -i tlab0 -s 0 -U -n -Z root -w "$file" tcp or arp \
        2>"$work/capture.err" &
    tpid=$!
    pids="$pids $tpid"
    sleep 1
    "$@"
    sleep 1
    kill -INT $tpid
    wait $tpid || true
}

# ---- masscan: one run per output format, all from the same hosts ----
# --hello=ssl: masscan sends its TLS ClientHello on every port, not just 443.
# masscan runs its timers (the hello after 2 s of silence, the end of --wait) only when its
# capture returns a packet: a UDP datagram to the scanner's discard port every 0.1 s (the
# kernel answers with an ICMP error; the captures leave both out) keeps it ticking.
ip netns exec $SRV python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    s.sendto(b"tick", ("'$SCAN_IP'", 9))
    time.sleep(0.1)' &
ticker=$!
pids="$pids $ticker"
run_masscan() {
    fmt=$1
    in_scan masscan --adapter tlab0 --adapter-ip $MASSCAN_IP --adapter-mac "$scan_mac" \
        --router-mac "$srv_mac" --rate 200 --banners --hello=ssl --wait 5 \
        -p$ports $targets -$fmt "$out/masscan.$fmt" 2>"masscan-$fmt.err" </dev/null
}
for fmt in oB oL oJ oD oX oG; do
    tries=0
    while :; do
        if [ $fmt = oB ]; then
            capture "$out/masscan-scan.pcap" run_masscan $fmt
        else
            run_masscan $fmt
        fi
        # Every service's certificate was recorded (the -oL equivalent, read back).
        got=$(masscan --readscan "$out/masscan.oB" -oL - 2>/dev/null | grep -c ' X509 ' || true)
        [ $fmt = oB ] || got=$(grep -c -E 'X509' "$out/masscan.$fmt" || true)
        [ "$got" -ge "$nservices" ] && break
        tries=$((tries + 1))
        [ $tries -lt 3 ] || { echo "make-tls-lab.sh: masscan -$fmt saw $got of $nservices certificates" >&2
            tr '\r' '\n' < "masscan-$fmt.err" | grep -v '^rate:' >&2; exit 1; }
    done
done

kill $ticker

# ---- nmap: version detection and the ssl-cert script ----
nmap_targets=$(awk '{print $1}' services | sort -u | tr '\n' ' ')
# shellcheck disable=SC2086
(cd "$out" && in_scan nmap -n -Pn -sS -sV --script ssl-cert -p$ports -oX nmap-ssl-cert.xml \
    $nmap_targets >/dev/null)

# ---- clients: curl and openssl s_client over TLS 1.2 and 1.3, with SNI ----
# Each line: address port server-name TLS-version client
cat > clients <<'EOF'
198.18.0.10 443 www.shop.example 1.2 curl
198.18.0.10 443 www.shop.example 1.3 curl
198.18.0.12 443 www.shop.example 1.3 curl
198.18.0.11 443 api.shop.example 1.2 s_client
198.18.0.11 443 api.shop.example 1.3 s_client
198.18.1.20 9543 frontdoor.transport.nest.example 1.2 s_client
198.18.1.21 9543 frontdoor.transport.nest.example 1.3 curl
198.18.2.30 9543 weave.transport.nest.example 1.2 curl
198.18.3.40 8443 old.shop.example 1.2 s_client
198.18.3.41 443 printer.lab.example 1.2 curl
EOF
run_clients() {
    while read -r addr port name ver client; do
        case $client in
        curl)
            if [ "$ver" = 1.2 ]; then v="--tlsv1.2 --tls-max 1.2"; else v="--tlsv1.3"; fi
            # shellcheck disable=SC2086
            in_scan curl -sk $v --ciphers DEFAULT:@SECLEVEL=0 --max-time 5 \
                --resolve "$name:$port:$addr" -o /dev/null "https://$name:$port/" ;;
        s_client)
            echo "GET / HTTP/1.0" | in_scan timeout 5 openssl s_client -quiet \
                -connect "$addr:$port" -servername "$name" -tls${ver%%.*}_${ver#*.} \
                -cipher DEFAULT:@SECLEVEL=0 >/dev/null 2>&1 || true ;;
        esac
    done < clients
}
capture "$out/client.pcap" run_clients

chmod 644 "$out"/*
ls -l "$out"
