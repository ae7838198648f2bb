# changes-scans.sh: the scans tests/changes.sh and tests/clickhouse-changes.sh compare,
# written into $TMP. Sourced after tests/lib.sh.

# January: five hosts on 80 in two /24s and one IPv6 host; 443 on one.
masscan_list "$TMP/jan.oL" 1389312000 \
    "open tcp 80 198.51.100.1" "open tcp 80 198.51.100.2" "open tcp 80 198.51.100.3" \
    "open tcp 80 203.0.113.9" "open tcp 443 198.51.100.1" "open tcp 80 2001:db8::1" \
    "banner tcp 80 198.51.100.1 http $(http_banner nginx/1.4.4 PHP/5.4.0)" \
    "banner tcp 80 198.51.100.2 http.server Apache/2.2.22" \
    "banner tcp 80 203.0.113.9 ssh SSH-2.0-OpenSSH_6.6" \
    "open tcp 80 198.51.100.5" "banner tcp 80 198.51.100.5 ssh SSH-2.0-OpenSSH_6.6"
# February: .1 stays (Apache now, no PHP), .2 stays as it was, .5 answers as ftp now
# (ssh before), .3 and 203.0.113.9 are
# gone, .4 and 192.0.2.7 are new; on IPv6 ::1 is gone and ::2 new; 443 is not scanned.
masscan_list "$TMP/feb.oL" 1391990400 \
    "open tcp 80 198.51.100.1" "open tcp 80 198.51.100.2" "open tcp 80 198.51.100.4" \
    "open tcp 80 192.0.2.7" "open tcp 80 2001:db8::2" \
    "banner tcp 80 198.51.100.1 http $(http_banner Apache/2.4.1 '')" \
    "banner tcp 80 198.51.100.2 http.server Apache/2.2.22" \
    "open tcp 80 198.51.100.5" "banner tcp 80 198.51.100.5 ftp 220 (vsFTPd 3.0.3)"
# March: another port only, which shares nothing with February.
masscan_list "$TMP/mar.oL" 1394409600 "open tcp 22 198.51.100.1" "open tcp 22 198.51.100.9"

# Three imports of one service each on 192.0.2.1, .2 and 2001:db8::9: u1 and u2 to be
# tagged together, u3 a month later.
masscan_list "$TMP/u1.oL" 1389312000 "open tcp 80 192.0.2.1" \
    "banner tcp 80 192.0.2.1 http $(http_banner lighttpd/1.4 PHP/7.4)" \
    "open tcp 80 192.0.2.2" "banner tcp 80 192.0.2.2 http $(http_banner Caddy '')" \
    "open tcp 80 2001:db8::9" "banner tcp 80 2001:db8::9 ssh SSH-2.0-OpenSSH_9.2"
masscan_list "$TMP/u2.oL" 1389400000 "open tcp 80 192.0.2.1" \
    "banner tcp 80 192.0.2.1 http $(http_banner Caddy '')" \
    "open tcp 80 192.0.2.2" "banner tcp 80 192.0.2.2 http $(http_banner Boa '')" \
    "open tcp 80 2001:db8::9" "banner tcp 80 2001:db8::9 unknown ?"
masscan_list "$TMP/u3.oL" 1391990400 "open tcp 80 192.0.2.1" \
    "banner tcp 80 192.0.2.1 http $(http_banner nginx '')" \
    "open tcp 80 192.0.2.2" "banner tcp 80 192.0.2.2 http $(http_banner Boa '')" \
    "open tcp 80 2001:db8::9" "banner tcp 80 2001:db8::9 ftp 220 ready"

# nmap_xml FILE START "ADDR PORT[!]..."...: an nmap XML file, each host's ports open (or
# closed when marked !), all nginx.
nmap_xml() {
    local file=$1 start=$2
    shift 2
    {
        echo '<?xml version="1.0"?>'
        echo "<nmaprun scanner=\"nmap\" args=\"nmap -sV lab\" start=\"$start\" version=\"7.93\" xmloutputversion=\"1.05\">"
        for host in "$@"; do
            local addr=${host%% *} type=ipv4
            case $addr in *:*) type=ipv6 ;; esac
            echo "<host><status state=\"up\" reason=\"syn-ack\"/><address addr=\"$addr\" addrtype=\"$type\"/><ports>"
            for port in ${host#* }; do
                local state=open
                case $port in *!) state=closed port=${port%!} ;; esac
                echo "<port protocol=\"tcp\" portid=\"$port\"><state state=\"$state\" reason=\"syn-ack\"/><service name=\"http\" product=\"nginx\"/></port>"
            done
            echo "</ports></host>"
        done
        echo "<runstats><finished time=\"$((start + 60))\"/></runstats></nmaprun>"
    } > "$file"
}
# A lab pair for ndiff: ports that appear, disappear and close, over IPv4 and IPv6.
nmap_xml "$TMP/lab-a.xml" 1700000000 "192.0.2.1 22 80 443" "192.0.2.2 80" "192.0.2.3 22 8080" \
    "2001:db8::5 443" "2001:db8::7 80 443" "198.51.100.20 80"
nmap_xml "$TMP/lab-b.xml" 1700600000 "192.0.2.1 22! 80 8080" "192.0.2.3 22 8080" "192.0.2.4 80" \
    "2001:db8::5 443 80" "2001:db8::8 443" "198.51.100.20 80 22"
# Every subnet changed by one service, on three ports and both families: the order of
# rows that tie (IPv4 first, then by proto and port, then by subnet).
masscan_list "$TMP/tie-a.oL" 1389312000 "open tcp 80 192.0.2.1" "open tcp 22 192.0.2.1" \
    "open udp 53 192.0.2.1" "open tcp 22 2001:db8::1"
masscan_list "$TMP/tie-b.oL" 1389400000 "open tcp 80 198.51.100.1" "open tcp 22 203.0.113.1" \
    "open udp 53 198.51.100.1" "open tcp 80 2001:db8::2"
want_ties="subnet,proto,port,appeared,disappeared,changed,kept
192.0.2.0/24,tcp,22,0,1,0,0
203.0.113.0/24,tcp,22,1,0,0,0
192.0.2.0/24,tcp,80,0,1,0,0
198.51.100.0/24,tcp,80,1,0,0,0
192.0.2.0/24,udp,53,0,1,0,0
198.51.100.0/24,udp,53,1,0,0,0
2001:db8::/64,tcp,22,0,1,0,0
2001:db8::/64,tcp,80,1,0,0,0"
