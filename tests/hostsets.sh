#!/bin/sh
# hostsets.sh: ports, subnets, top-subnets, subnet-squares and address-map read the host
# sets (host_set) an import writes beside its observations. Here their answers are
# checked against the same numbers computed the slow way, with GROUP BY and
# COUNT(DISTINCT) over the observation rows in the sqlite3 shell, for every scan and
# capture file of the samples, the fixtures and the corpora, with filters; and every set
# against the rows it stands for. Also: forget removes an import's sets, two imports at
# once keep them whole, IPv6-only and mixed files, unions over several imports and ports.
. "$top_srcdir/tests/lib.sh"
require sqlite3

# ---- the slow reference: SQL over observation ----

# parse_options OPTIONS...: tally's filter options as $where (SQL on observation's
# columns), $top and $prefix (0 when not given). No subshell: these tests run it often.
parse_options() {
    where="" top=0 prefix=0
    while [ $# -gt 0 ]; do
        case $1 in
        --port) where="$where AND port IN ($2)" ;;
        --proto) where="$where AND proto = '$2'" ;;
        --source) where="$where AND source_id IN (SELECT id FROM source WHERE CAST(id AS TEXT) = '$2' OR tag = '$2')" ;;
        --prefix) prefix=$2 ;;
        --top) top=$2 ;;
        esac
        shift 2
    done
}

# ref_ports DB OPTIONS...: `show ports --format csv`, from the rows.
ref_ports() {
    local db=$1 limit=""; shift
    parse_options "$@"
    [ "$top" != 0 ] && limit="LIMIT $top"
    echo "port,proto,hosts"
    q "$db" "SELECT port, proto, COUNT(DISTINCT addr) AS hosts FROM observation
             WHERE status = 'open' $where GROUP BY proto, port
             ORDER BY hosts DESC, port, proto $limit" | tr '|' ','
}

# The byte at position $1 (from 1) of ip6, as a number, in SQL.
ip6_byte() {
    local hex="hex(substr(ip6, $1, 1))"
    echo "((instr('0123456789ABCDEF', substr($hex, 1, 1)) - 1) * 16 +
           instr('0123456789ABCDEF', substr($hex, 2, 1)) - 1)"
}
# The first $1 bits of ip6 as 32 hex digits, the rest zero, in SQL.
ip6_net_hex() {
    local bits=$1 full=$(($1 / 8)) rest=$(($1 % 8)) sql zeros
    sql="hex(substr(ip6, 1, $full))"
    [ "$full" = 0 ] && sql="''"
    if [ "$rest" != 0 ]; then
        sql="$sql || printf('%02X', $(ip6_byte $((full + 1))) & $(((0xff << (8 - rest)) & 0xff)))"
        full=$((full + 1))
    fi
    zeros=$(printf '%*s' $((2 * (16 - full))) '' | tr ' ' 0)
    echo "$sql || '$zeros'"
}
# format_subnets: "family|net as hex|prefix|hosts" lines to tally's CSV, addresses as
# inet_ntop writes them (RFC 5952; IPv4-mapped and -compatible ones end dotted).
format_subnets() {
    awk -F'|' '
    function byte(i) { return index("0123456789ABCDEF", substr(net, 2 * i + 1, 1)) * 16 - 16 + \
                              index("0123456789ABCDEF", substr(net, 2 * i + 2, 1)) - 1 }
    function dotted(i) { return byte(i) "." byte(i + 1) "." byte(i + 2) "." byte(i + 3) }
    BEGIN { print "subnet,hosts" }
    {
        net = $2
        if ($1 == 4) { print dotted(0) "/" $3 "," $4; next }
        best = -1; bestlen = 0; run = 0
        for (i = 0; i < 8; i++) {
            g[i] = tolower(substr(net, 4 * i + 1, 4)); sub(/^0+/, "", g[i])
            if (g[i] == "") { g[i] = "0"; run++ } else run = 0
            if (run > bestlen) { bestlen = run; best = i - run + 1 }
        }
        if (bestlen < 2) best = -1
        if (best == 0 && (bestlen == 6 || (bestlen == 5 && g[5] == "ffff"))) {
            text = (bestlen == 5 ? "::ffff:" : "::") dotted(12)
        } else {
            text = ""
            for (i = 0; i < 8; i++) {
                if (i == best) { text = text "::"; i += bestlen - 1; continue }
                text = text (text != "" && substr(text, length(text)) != ":" ? ":" : "") g[i]
            }
        }
        print text "/" $3 "," $4
    }'
}
# ref_subnets DB ANALYSIS OPTIONS...: `show ANALYSIS --format csv` of a subnet analysis,
# from the rows: --prefix 8..32 is IPv4's (default 24), 16..128 IPv6's (default 64).
ref_subnets() {
    local db=$1 analysis=$2; shift 2
    local p4 p6 v4="" v6="" order="family, net" limit=""
    parse_options "$@"
    p4=$prefix p6=$prefix
    [ "$p4" = 0 ] && p4=24
    [ "$p6" -lt 16 ] && p6=64
    if [ "$p4" -ge 8 ] && [ "$p4" -le 32 ]; then
        v4="SELECT 4 AS family, printf('%08X', (ip4 >> (32 - $p4)) << (32 - $p4)) AS net,
                   $p4, COUNT(DISTINCT ip4) AS hosts FROM observation
            WHERE status = 'open' AND ip4 IS NOT NULL $where GROUP BY 2"
    fi
    if [ "$analysis" != address-map ]; then
        v6="SELECT 6 AS family, $(ip6_net_hex "$p6") AS net, $p6, COUNT(DISTINCT ip6) AS hosts
            FROM observation WHERE status = 'open' AND length(ip6) = 16 $where GROUP BY 2"
    fi
    case $analysis in top-subnets | subnet-squares)
        [ "$top" = 0 ] && top=10
        order="hosts DESC, family, net" limit="LIMIT $top" ;;
    esac
    q "$db" "SELECT * FROM (${v4:-SELECT 4 AS family, '' AS net, 0, 0 AS hosts WHERE 0}
             UNION ALL ${v6:-SELECT 6, '', 0, 0 WHERE 0}) ORDER BY $order $limit" |
        format_subnets
}

# same DB ANALYSIS OPTIONS...: tally's answer equals the reference's.
same() {
    local db=$1 analysis=$2; shift 2
    local want got
    case $analysis in
    ports) want=$(ref_ports "$db" "$@") ;;
    *) want=$(ref_subnets "$db" "$analysis" "$@") ;;
    esac
    got=$("$TALLY" -d "$db" show "$analysis" "$@" --format csv 2>&1)
    if [ "$got" = "$want" ]; then
        ok "${db##*/} $analysis $*: as the rows say"
    else
        not_ok "${db##*/} $analysis $*: as the rows say"
        printf '%s\n' "$got" >"$TMP/got" && printf '%s\n' "$want" >"$TMP/want"
        diff "$TMP/want" "$TMP/got" | head -10 | sed 's/^/#   /'
    fi
}

# sets_match DB: every set holds what its rows say: per (source, proto, port, status,
# family) the distinct addresses, the first and the last seen.
sets_match() {
    local from_rows from_sets
    from_rows=$(q "$1" "SELECT source_id, proto, port, status, 4, COUNT(DISTINCT ip4),
                               MIN(seen), MAX(seen)
                        FROM observation WHERE ip4 IS NOT NULL GROUP BY 1, 2, 3, 4
                        UNION ALL
                        SELECT source_id, proto, port, status, 6, COUNT(DISTINCT ip6),
                               MIN(seen), MAX(seen)
                        FROM observation WHERE length(ip6) = 16 GROUP BY 1, 2, 3, 4
                        ORDER BY 1, 2, 3, 4, 5")
    from_sets=$(q "$1" "SELECT source_id, proto, port, status, family, SUM(hosts),
                               MIN(first_seen), MAX(last_seen)
                        FROM host_set GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5")
    check_eq "${1##*/}: every host set holds the hosts of its rows" \
        "$from_sets" "$from_rows"
}

# ---- every scan and capture file we have ----

ALL="$TMP/all.db"
files=$(ls "$SAMPLES"/*.oL "$FIXTURES"/*.bin "$FIXTURES"/*.xml "$FIXTURES"/scantext/* \
           "$FIXTURES"/pcap/*)
if [ -n "$CORPORA" ]; then
    for dir in lab-scan scan pcap; do
        [ -d "$CORPORA/$dir" ] && files="$files
$(ls "$CORPORA/$dir"/*)"
    done
fi
imported=0
for f in $files; do
    # A damaged fixture imports what it can; one that cannot be read adds nothing.
    "$TALLY" -d "$ALL" import --lenient "$f" >/dev/null 2>&1 && imported=$((imported + 1))
done
check "scan and capture files imported ($imported)" test "$imported" -gt 30
sets_match "$ALL"

for options in "" "--port 80" "--port 80,443" "--proto udp" "--proto tcp --port 22,80,443" \
               "--top 3"; do
    same "$ALL" ports $options
done
for options in "" "--prefix 16" "--prefix 8" "--prefix 20" "--prefix 32" "--prefix 48" \
               "--prefix 64" "--prefix 120" "--port 80" "--proto udp" "--port 443 --prefix 16"; do
    same "$ALL" subnets $options
done
for options in "" "--top 3" "--port 80 --top 20" "--prefix 16 --top 5" "--prefix 64"; do
    same "$ALL" top-subnets $options
done
same "$ALL" subnet-squares --top 4
same "$ALL" address-map
same "$ALL" address-map --port 80

# Each file on its own, through --source (every set's count was checked above).
if needs_lookup corpora; then ok "the corpora are in the comparison"; else skip "$needs_why"; fi
for id in $(q "$ALL" "SELECT DISTINCT source_id FROM observation WHERE status = 'open'
                      ORDER BY 1"); do
    same "$ALL" subnets --source "$id"
done

# ---- IPv6 only, and mixed ----

V6="$TMP/v6.db"
cat >"$TMP/v6.oL" <<'EOF'
#masscan
open tcp 443 2001:db8::1 1389312000
open tcp 443 2001:db8::1 1389312001
open tcp 443 2001:db8::2 1389312002
open tcp 443 2001:db8:0:1::5 1389312003
open tcp 80 2001:db8:0:1::5 1389312004
open tcp 80 2001:db8:ffff::1 1389312005
open tcp 443 fe80::1 1389312006
closed tcp 22 2001:db8::9 1389312007
# end
EOF
check "an IPv6-only list imports" "$TALLY" -d "$V6" import "$TMP/v6.oL"
check_eq "its sets are IPv6 sets" "$(q "$V6" "SELECT DISTINCT family FROM host_set")" 6
sets_match "$V6"
same "$V6" ports
for options in "" "--prefix 48" "--prefix 16" "--prefix 120" "--prefix 128" "--prefix 60" \
               "--port 80"; do
    same "$V6" subnets $options
done
same "$V6" top-subnets --top 2
check_eq "address-map: no IPv4, no subnets" \
    "$("$TALLY" -d "$V6" show address-map --format csv)" "subnet,hosts"

MIXED="$TMP/mixed.db"
{ echo "#masscan"; sed -n '2,8p' "$TMP/v6.oL"
  printf 'open tcp 443 198.51.100.%d 1389312100\n' 1 2 3 200
  printf 'open tcp 80 203.0.113.%d 1389312200\n' 7 8
  echo "open udp 53 203.0.113.7 1389312300"; } >"$TMP/mixed.oL"
check "a mixed list imports" "$TALLY" -d "$MIXED" import "$TMP/mixed.oL"
sets_match "$MIXED"
check_eq "IPv4 and IPv6 sets for 443/tcp" \
    "$(q "$MIXED" "SELECT family, hosts FROM host_set WHERE port = 443 ORDER BY family")" \
    "4|4
6|4"
same "$MIXED" ports
for options in "" "--prefix 16" "--prefix 24" "--prefix 32" "--port 443" "--proto udp"; do
    same "$MIXED" subnets $options
done
same "$MIXED" top-subnets
same "$MIXED" address-map

# ---- a union over several imports and ports ----

UNION="$TMP/union.db"
for i in 1 2 3; do
    { echo "#masscan"
      n=0
      while [ $n -lt 40 ]; do
          printf 'open tcp %d 198.51.%d.%d %d\n' $((80 + n % 3)) $((n % 2 + i)) $((n * i % 97)) $((1389312000 + n))
          n=$((n + 1))
      done
      printf 'open tcp 80 2001:db8::%x 1389312000\n' $i 99; } >"$TMP/union$i.oL"
done
check "three overlapping scans import" "$TALLY" -d "$UNION" import --tag u "$TMP/union1.oL" \
    "$TMP/union2.oL" "$TMP/union3.oL"
check_eq "several imports hold sets of the same ports" \
    "$(q "$UNION" "SELECT COUNT(*) FROM (SELECT 1 FROM host_set GROUP BY proto, port, family
                                        HAVING COUNT(*) > 1)")" 4
sets_match "$UNION"
for options in "" "--port 80,81" "--source u" "--source 2"; do
    same "$UNION" ports $options
    same "$UNION" subnets $options
    same "$UNION" top-subnets $options
done
same "$UNION" subnets --prefix 16 --port 80,82
same "$UNION" address-map --port 81,82

# ---- forget ----

check "forget the second import" "$TALLY" -d "$UNION" forget 2
check_eq "its sets are gone" "$(q "$UNION" "SELECT COUNT(*) FROM host_set WHERE source_id = 2")" 0
check_eq "the others' stay" \
    "$(q "$UNION" "SELECT COUNT(DISTINCT source_id) FROM host_set")" 2
sets_match "$UNION"
same "$UNION" ports
same "$UNION" subnets
check "forget the rest by tag" "$TALLY" -d "$UNION" forget u
check_eq "no sets are left" "$(q "$UNION" "SELECT COUNT(*) FROM host_set")" 0
check_eq "ports: nothing" "$("$TALLY" -d "$UNION" show ports --format csv)" "port,proto,hosts"

# ---- a failed import leaves no sets ----

FAILED="$TMP/failed.db"
"$TALLY" -d "$FAILED" import "$TMP/v6.oL" >/dev/null 2>&1
{ echo "#masscan"; echo "open tcp 80 192.0.2.1 1389312000"; echo "open tcp eighty 192.0.2.2 1"; } \
    >"$TMP/bad.oL"
check_exit "a malformed list fails" 1 "$TALLY" -d "$FAILED" import "$TMP/bad.oL"
check_eq "and leaves no sets behind" "$(q "$FAILED" "SELECT COUNT(*) FROM host_set WHERE family = 4")" 0

# ---- two imports at once ----

CONC="$TMP/concurrent.db"
for i in 1 2; do
    awk -v i="$i" 'BEGIN { print "#masscan"
        for (n = 0; n < 20000; n++)
            printf "open tcp %d 10.%d.%d.%d %d\n", 443 + (n % 2) * i, i, int(n / 256) % 64, n % 256, 1389312000 + n }' \
        >"$TMP/conc$i.oL"
done
"$TALLY" -d "$CONC" import "$TMP/conc1.oL" >"$TMP/conc1.out" 2>&1 &
pid1=$!
"$TALLY" -d "$CONC" import "$TMP/conc2.oL" >"$TMP/conc2.out" 2>&1 &
pid2=$!
wait $pid1; status1=$?
wait $pid2; status2=$?
check_eq "two imports at once both succeed" "$status1 $status2" "0 0"
check_eq "each wrote its sets" "$(q "$CONC" "SELECT source_id, port, hosts FROM host_set ORDER BY 1, 2")" \
    "$(q "$CONC" "SELECT source_id, port, COUNT(DISTINCT ip4) FROM observation GROUP BY 1, 2 ORDER BY 1, 2")"
sets_match "$CONC"
same "$CONC" ports
same "$CONC" subnets --prefix 16
same "$CONC" top-subnets --port 443

# ---- a terminal table of many subnets ----

# Past half a million rows a terminal table of IPv4 subnets is written as it is counted,
# its columns as wide as their widest possible cell: every row still lines up, and holds
# what the CSV holds. 600,000 hosts, one per /24 from 1.0.0.0; the first /16 labelled.
MANY="$TMP/many.db"
awk 'BEGIN { print "#masscan"
             for (i = 0; i < 600000; i++) {
                 ip = 16777216 + i * 256 + 1
                 printf "open tcp 80 %d.%d.%d.%d 1389312000\n", int(ip / 16777216),
                        int(ip / 65536) % 256, int(ip / 256) % 256, ip % 256 }
             print "# end" }' >"$TMP/many.oL"
"$TALLY" -d "$MANY" import "$TMP/many.oL" 2>/dev/null
printf '1.0.0.0/16,lab:first\n' >"$TMP/many-labels.csv"
"$TALLY" -d "$MANY" import "$TMP/many-labels.csv" 2>/dev/null
"$TALLY" -d "$MANY" show subnets >"$TMP/many.txt"
check_eq "many subnets: a header, its rule and a row per subnet" \
    "$(wc -l <"$TMP/many.txt")" 600002
check_eq "many subnets: the hosts column ends at one place on every row" \
    "$(awk 'NR > 2 { print substr($0, 1, 25) ~ / [0-9]+$/ && substr($0, 26, 1) !~ /[0-9]/ }' \
        "$TMP/many.txt" | sort -u)" 1
check_eq "many subnets: the labels start at one place" \
    "$(awk 'NR > 2 && NF == 3 { print index($0, $3) }' "$TMP/many.txt" | sort -u) \
$(awk 'NR > 2 && NF == 3' "$TMP/many.txt" | wc -l)" "28 256"
check_eq "many subnets: the rows the CSV holds" \
    "$(tail -n +3 "$TMP/many.txt" | awk '{ print $1 "," $2 "," $3 }' | md5sum)" \
    "$("$TALLY" -d "$MANY" show subnets --format csv | tail -n +2 | md5sum)"

# ---- a damaged set ----

# The IPv4 sets are read from the database as they are counted: one that is not a bitmap
# (here cut short) is an error naming it, whatever the analysis, with or without a filter
# that loads the sets whole.
DAMAGED="$TMP/damaged.db"
cp "$CONC" "$DAMAGED"
q "$DAMAGED" "UPDATE host_set SET members = substr(members, 1, length(members) - 5)
              WHERE family = 4"
for args in "subnets" "top-subnets" "address-map" "subnets --port 443"; do
    check_exit "$args on a damaged set exits 3" 3 "$TALLY" -d "$DAMAGED" show $args
    check "saying the set is not a bitmap" grep -q "host_set.members) is not a valid IPv4 bitmap" \
        "$TMP/exit.err"
done

done_testing
