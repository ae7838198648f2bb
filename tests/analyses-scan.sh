#!/bin/sh
# analyses-scan.sh: the scan analyses on the sample scan, each checked against goldens and
# against the same count made independently with awk and sort from the raw file.
. "$top_srcdir/tests/lib.sh"

SCAN="$SAMPLES/cloud-scan.oL"
"$TALLY" import "$SCAN" 2>/dev/null

# Independent counts: distinct hosts with 9543 open per /24 and per /16.
open9543() { awk '$1 == "open" && $3 == 9543 { print $4 }' "$SCAN" | sort -u; }
per24=$(open9543 | awk -F. '{ print $1 "." $2 "." $3 ".0/24" }' | sort | uniq -c |
        awk '{ print $2 "," $1 }')
check_eq "subnets --port 9543 equals awk's count per /24 (sorted by address)" \
    "$("$TALLY" show subnets --port 9543 --format csv | tail -n +2)" \
    "$(echo "$per24" | sort -t, -k1,1V)"
check_eq "top-subnets: the 10 fullest, ties broken by address" \
    "$("$TALLY" show top-subnets --port 9543 --format csv | tail -n +2)" \
    "$(echo "$per24" | sort -t, -k2,2nr -k1,1V | head -10)"
check_eq "top-subnets --top 3 --prefix 16" \
    "$("$TALLY" show top-subnets --port 9543 --top 3 --prefix 16 --format csv | tail -n +2)" \
    "$(open9543 | awk -F. '{ print $1 "." $2 ".0.0/16" }' | sort | uniq -c |
       awk '{ print $2 "," $1 }' | sort -t, -k2,2nr -k1,1V | head -3)"
check_eq "--prefix 32 counts single hosts" \
    "$("$TALLY" show subnets --port 9543 --prefix 32 --format csv | tail -n +2 | wc -l)" \
    "$(open9543 | wc -l)"

check_golden "ports" "$GOLDEN/sample-ports.csv" "$TALLY" show ports --format csv
check_golden "top-subnets" "$GOLDEN/sample-top-subnets.csv" \
    "$TALLY" show top-subnets --port 9543 --format csv
check_golden "subnet-squares (same rows as top-subnets)" "$GOLDEN/sample-top-subnets.csv" \
    "$TALLY" show subnet-squares --port 9543 --format csv
check_golden "top-subnets as a terminal table" "$GOLDEN/sample-top-subnets.txt" \
    "$TALLY" show top-subnets --port 9543 --top 5
check_golden "ports as JSON" "$GOLDEN/sample-ports.json" "$TALLY" show ports --format json
check_golden "ports as TSV" "$GOLDEN/sample-ports.tsv" "$TALLY" show ports --format tsv
check_eq "address-map has one row per /24 with any port open" \
    "$("$TALLY" show address-map --format csv | tail -n +2 | wc -l)" \
    "$(awk '$1 == "open" { print $4 }' "$SCAN" | awk -F. '{ print $1 "." $2 "." $3 }' | sort -u | wc -l)"
check_eq "--port with two ports" \
    "$("$TALLY" show ports --port 80,8080 --format csv | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "80 8080 "
check_eq "--proto udp finds nothing in a TCP scan" \
    "$("$TALLY" show ports --proto udp --format csv)" "port,proto,hosts"
check_eq "--source by tag" \
    "$("$TALLY" show ports --source nosuch --format csv)" "port,proto,hosts"
check_eq "--source by id" "$("$TALLY" show ports --source 1 --format csv)" \
    "$("$TALLY" show ports --format csv)"

# IPv6 subnets group by --prefix 16..128 (default /64).
printf 'open tcp 443 2001:db8:1:2::5 1\nopen tcp 443 2001:db8:1:2::6 1\nopen tcp 443 2001:db8:1:3::5 1\nopen tcp 443 2001:db8:2::1 1\n' > "$TMP/v6.oL"
TALLY_DB="$TMP/v6.db" "$TALLY" import "$TMP/v6.oL" 2>/dev/null
check_eq "IPv6 /64 subnets" "$(TALLY_DB="$TMP/v6.db" "$TALLY" show subnets --format csv | tail -n +2 | tr '\n' ' ')" \
    "2001:db8:1:2::/64,2 2001:db8:1:3::/64,1 2001:db8:2::/64,1 "
check_eq "IPv6 /32" "$(TALLY_DB="$TMP/v6.db" "$TALLY" show subnets --prefix 32 --format csv | tail -n +2)" \
    "2001:db8::/32,4"
printf 'open tcp 443 2001:db8::1 1\nopen tcp 443 2001:db8::2 1\nopen tcp 443 192.0.2.1 1\nopen udp 53 2001:db8::1 1\nopen tcp 22 192.0.2.9 1\n' > "$TMP/mix.oL"
TALLY_DB="$TMP/mix.db" "$TALLY" import "$TMP/mix.oL" 2>/dev/null
check_eq "ports adds IPv4 and IPv6 hosts of one port into one row" \
    "$(TALLY_DB="$TMP/mix.db" "$TALLY" show ports --format csv | tail -n +2 | tr '\n' ' ')" \
    "443,tcp,3 22,tcp,1 53,udp,1 "
check "analyses marks what has data" sh -c '"$TALLY" analyses --format csv | grep -q "^top-subnets,scan,yes,"'
# A filter the analysis does not take is a usage error, not silently ignored.
check_exit "show ports --prefix is a usage error" 2 "$TALLY" show ports --prefix 16
check "... that names what ports takes" grep -q "ports does not take --prefix (it takes --port" "$TMP/exit.err"
check_exit "chart subnets --top is a usage error" 2 "$TALLY" chart subnets --top 3 -o "$TMP/x.svg"
check_exit "top-subnets takes --top" 0 "$TALLY" show top-subnets --top 3
check_exit "--tz is accepted everywhere" 0 "$TALLY" show ports --tz Europe/Berlin
done_testing
