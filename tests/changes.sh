#!/bin/sh
# changes.sh: `changes` and `changed-services` compare two scans: hand-made masscan lists
# where hosts appear, disappear, stay, and change their Server, X-Powered-By or banner
# service, over IPv4 and IPv6; the default pair (the two most recent scan imports that
# share a port), --from/--to by id and by tag, the filters, the messages for what cannot
# be compared, the chart, the report; and, when nmap's ndiff is installed, the same hosts
# and ports appearing and disappearing as ndiff says between two nmap XML files.
. "$top_srcdir/tests/lib.sh"


. "$top_srcdir/tests/changes-scans.sh"

show() { "$TALLY" show "$@" --format csv; }

check_exit "one scan: changes has nothing to compare" 2 sh -c \
    '"$TALLY" import "$TMP/jan.oL" 2>/dev/null && "$TALLY" show changes'
check_eq "and says so" "$(cat "$TMP/exit.err")" "tally: changes compares two scans; the database holds 1 scan import (tally sources lists the imports)"
check_eq "analyses: changes has no data with one scan" \
    "$("$TALLY" analyses --format csv | grep '^change' | cut -d, -f1-4)" \
    "changes,scan,no,diverging-bar
changed-services,scan,no,none"
check "a report of one scan" "$TALLY" report -o "$TMP/report1"
check_eq "has no changes chart" "$(ls "$TMP/report1" | grep -c '^change')" 0

"$TALLY" import --tag feb "$TMP/feb.oL" 2>/dev/null
"$TALLY" import --tag mar "$TMP/mar.oL" 2>/dev/null
check_eq "analyses: changes has data with two scans that share a port" \
    "$("$TALLY" analyses --format csv | grep -c '^change[a-z-]*,scan,yes,')" 2

want_default="subnet,proto,port,appeared,disappeared,changed,kept
198.51.100.0/24,tcp,80,1,1,2,1
2001:db8::/64,tcp,80,1,1,0,0
192.0.2.0/24,tcp,80,1,0,0,0
203.0.113.0/24,tcp,80,0,1,0,0"
check_eq "default pair: January to February (March shares no port), 443 left out" \
    "$(show changes)" "$want_default"
check_eq "--from and --to by id" "$(show changes --from 1 --to 2)" "$want_default"
check_eq "--from by id, --to by tag" "$(show changes --from 1 --to feb)" "$want_default"
check_eq "--to alone: the scan before it that shares a port" "$(show changes --to feb)" \
    "$want_default"
check_eq "--from alone: the most recent scan that shares a port" "$(show changes --from 1)" \
    "$want_default"
check_eq "the other way round, appeared and disappeared swap" \
    "$(show changes --from feb --to 1 | sed -n 2p)" "198.51.100.0/24,tcp,80,1,1,2,1"
check_eq "... per host, the host that stayed the same not listed" "$(show changes --from feb --to 1 --prefix 32 | grep -v :)" \
"subnet,proto,port,appeared,disappeared,changed,kept
192.0.2.7/32,tcp,80,0,1,0,0
198.51.100.1/32,tcp,80,0,0,1,0
198.51.100.3/32,tcp,80,1,0,0,0
198.51.100.4/32,tcp,80,0,1,0,0
198.51.100.5/32,tcp,80,0,0,1,0
203.0.113.9/32,tcp,80,1,0,0,0"
check_eq "IPv6 per host (--prefix 128; IPv4 is left out)" "$(show changes --prefix 128)" \
"subnet,proto,port,appeared,disappeared,changed,kept
2001:db8::1/128,tcp,80,0,1,0,0
2001:db8::2/128,tcp,80,1,0,0,0"
check_eq "--prefix 16" "$(show changes --prefix 16 | sed -n 2p)" "198.51.0.0/16,tcp,80,1,1,2,1"
check_eq "--top 2 keeps the rows with the most change" "$(show changes --top 2)" \
    "$(echo "$want_default" | head -3)"
check_eq "--port 80 --proto tcp" "$(show changes --port 80 --proto tcp)" "$want_default"
check_eq "changed-services: Server, stack and banner service of the services that stayed" \
    "$(show changed-services)" "host,proto,port,field,before,after
198.51.100.1,tcp,80,server,nginx,Apache
198.51.100.1,tcp,80,stack,PHP,(none)
198.51.100.5,tcp,80,service,ssh,ftp"
check_eq "the subtitle names the scans compared" \
    "$("$TALLY" show changes --format json >/dev/null; "$TALLY" chart changes -o "$TMP/c.svg" && svg_text "$TMP/c.svg" | sed -n 2p)" \
    "/24 subnets with a change, port 80/tcp, from jan.oL (source 1) to feb.oL (source 2)"
check "the chart is drawn" "$TALLY" chart changes -o "$TMP/c.png"
check_eq "a bar per subnet with change, labelled" \
    "$(svg_text "$TMP/c.svg" | grep -c -E '^(198.51.100.0/24|192.0.2.0/24|203.0.113.0/24|2001:db8::/64)$')" 4
check_eq "with a legend" "$(svg_text "$TMP/c.svg" | grep -c -E '^(Appeared|Disappeared)$')" 2

# Messages for what cannot be compared: exit 2 and a sentence saying why.
check_exit "--from naming no import exits 2" 2 "$TALLY" show changes --from 9
check_eq "and says so" "$(cat "$TMP/exit.err")" \
    "tally: --from 9: no import has that id or tag (tally sources lists them)"
check_exit "an empty --to exits 2" 2 "$TALLY" show changes --to ''
check_eq "and says so" "$(head -1 "$TMP/exit.err")" \
    "tally: show: --to takes an import's id or tag (tally sources lists them), not ''"
check_exit "--from and --to naming one import exits 2" 2 "$TALLY" show changes --from 2 --to feb
check_eq "and says so" "$(cat "$TMP/exit.err")" \
    "tally: --from 2 and --to feb both name import 2: name two different scans"
check_exit "two scans that share no port exit 2" 2 "$TALLY" show changes --from feb --to mar
check_eq "and say so" "$(cat "$TMP/exit.err")" \
    "tally: --from feb and --to mar share no port: nothing to compare"
check_exit "--port that no two scans saw exits 2" 2 "$TALLY" show changes --port 22
check_eq "and says so" "$(cat "$TMP/exit.err")" \
    "tally: changes compares two scans; the database holds 1 scan import of the ports asked (tally sources lists the imports)"
check_exit "an analysis that does not compare refuses --from" 2 "$TALLY" show ports --from 1
check_exit "a diverging bar needs two number columns" 2 "$TALLY" chart ports \
    --kind diverging-bar -o "$TMP/p.png"
"$TALLY" import "$SAMPLES/calendar.ics" >/dev/null 2>&1
check_exit "--from naming an import that holds no scan exits 2" 2 \
    "$TALLY" show changes --from 4
check_eq "and says so" "$(cat "$TMP/exit.err")" "tally: --from 4: that import holds no scan"

# A tag naming two imports is one side: their union.
masscan_list "$TMP/jan-b.oL" 1389312000 "open tcp 80 198.51.100.4"
masscan_list "$TMP/jan-c.oL" 1389312000 "open tcp 80 198.51.100.3"
"$TALLY" import --tag jan "$TMP/jan-b.oL" "$TMP/jan-c.oL" >/dev/null 2>&1
check_eq "the union of a tag's imports against February" \
    "$(show changes --from jan --to feb | sed -n 2p)" "198.51.100.0/24,tcp,80,3,1,0,1"
check_eq "the subtitle names the tag's sources" \
    "$("$TALLY" chart changes --from jan --to feb -o "$TMP/t.svg" && svg_text "$TMP/t.svg" | sed -n 2p)" \
    "/24 subnets with a change, port 80/tcp, from tag jan (sources 5 and 6) to feb.oL (source 2)"

# A tag's imports (u1, u2: changes-scans.sh) answer for one service together, ranked as
# their rows would be: the most recent Server wins, an X-Powered-By of an older import beats
# no stack of a newer one.
TALLY_DB="$TMP/union.db" "$TALLY" import --tag early "$TMP/u1.oL" "$TMP/u2.oL" >/dev/null 2>&1
TALLY_DB="$TMP/union.db" "$TALLY" import --tag late "$TMP/u3.oL" >/dev/null 2>&1
check_eq "a tag's imports: the most recent answer of each service" \
    "$(TALLY_DB="$TMP/union.db" "$TALLY" show changed-services --from early --to late \
       --format csv)" "host,proto,port,field,before,after
192.0.2.1,tcp,80,server,Caddy,nginx
192.0.2.1,tcp,80,stack,PHP,(none)
2001:db8::9,tcp,80,service,ssh,ftp"
check_eq "... and the services changed per subnet" \
    "$(TALLY_DB="$TMP/union.db" "$TALLY" show changes --from early --to late --format csv)" \
    "subnet,proto,port,appeared,disappeared,changed,kept
192.0.2.0/24,tcp,80,0,0,1,1
2001:db8::/64,tcp,80,0,0,1,0"

check "a report with two scans" "$TALLY" report -o "$TMP/report2"
check_eq "holds the changes chart" "$(ls "$TMP/report2" | grep -c '^changes\.\(png\|svg\)$')" 2

TALLY_DB="$TMP/ties.db" "$TALLY" import "$TMP/tie-a.oL" "$TMP/tie-b.oL" >/dev/null 2>&1
check_eq "rows that tie: IPv4 first, then by proto and port, then by subnet" \
    "$(TALLY_DB="$TMP/ties.db" "$TALLY" show changes --format csv)" "$want_ties"
check_eq "... and --top keeps the first of them" \
    "$(TALLY_DB="$TMP/ties.db" "$TALLY" show changes --top 3 --format csv)" \
    "$(echo "$want_ties" | head -4)"

# Many subnets: the chart keeps those with the most change and says so.
awk 'BEGIN { print "#masscan"; for (i = 0; i < 600; i++)
    printf "open tcp 443 10.%d.%d.1 1389312000\n", i / 256, i % 256; print "# end" }' \
    > "$TMP/wide-a.oL"
awk 'BEGIN { print "#masscan"; for (i = 300; i < 900; i++)
    printf "open tcp 443 10.%d.%d.1 1391990400\n", i / 256, i % 256; print "# end" }' \
    > "$TMP/wide-b.oL"
TALLY_DB="$TMP/wide.db" "$TALLY" import "$TMP/wide-a.oL" "$TMP/wide-b.oL" >/dev/null 2>&1
check "a chart of 600 subnets changed" env TALLY_DB="$TMP/wide.db" "$TALLY" chart changes \
    -o "$TMP/wide.svg"
check_eq "says how many and which are shown" \
    "$(svg_text "$TMP/wide.svg" | grep -c '^600 subnets changed, too many for a bar each: the [0-9]* with the most change\.$')" 1

# nmap's ndiff on two nmap XML files: the same hosts and ports appear and disappear.
if needs ndiff; then
    # ndiff --xml: "+ addr proto/port" for each port open in b and not in a, "-" the other way.
    ndiff --xml "$TMP/lab-a.xml" "$TMP/lab-b.xml" > "$TMP/ndiff.xml"
    "$PYTHON3" - "$TMP/ndiff.xml" > "$TMP/ndiff.txt" <<'EOF'
import sys
import xml.etree.ElementTree as ET

def open_ports(host):
    return {(p.get("protocol"), p.get("portid")) for p in host.iter("port")
            if p.find("state") is not None and p.find("state").get("state") == "open"}

out = []
for hd in ET.parse(sys.argv[1]).getroot().iter("hostdiff"):
    for side, sign in (("a", "-"), ("b", "+")):
        host = hd.find(side + "/host")
        if host is not None:
            addr = host.find("address").get("addr")
            out += ["%s %s %s/%s" % (sign, addr, pr, po) for pr, po in open_ports(host)]
    host = hd.find("host")
    if host is None:
        continue
    addr = host.find("address").get("addr")
    for pd in host.iter("portdiff"):
        a, b = pd.find("a/port"), pd.find("b/port")
        was = a is not None and a.find("state") is not None and a.find("state").get("state") == "open"
        now = b is not None and b.find("state") is not None and b.find("state").get("state") == "open"
        port = a if a is not None else b
        if port is None or was == now:
            continue
        out.append("%s %s %s/%s" % ("+" if now else "-", addr, port.get("protocol"), port.get("portid")))
print("\n".join(sorted(out)))
EOF
    TALLY_DB="$TMP/lab.db" "$TALLY" import "$TMP/lab-a.xml" "$TMP/lab-b.xml" >/dev/null 2>&1
    { TALLY_DB="$TMP/lab.db" "$TALLY" show changes --prefix 32 --format csv | grep -v ':'
      TALLY_DB="$TMP/lab.db" "$TALLY" show changes --prefix 128 --format csv; } |
        awk -F, '$1 != "subnet" { sub(/\/[0-9]+$/, "", $1)
                 if ($4 > 0) print "+ " $1 " " $2 "/" $3
                 if ($5 > 0) print "- " $1 " " $2 "/" $3 }' | sort > "$TMP/tally.txt"
    check_eq "ndiff and changes see the same ports appear and disappear" \
        "$(cat "$TMP/tally.txt")" "$(cat "$TMP/ndiff.txt")"
    check_eq "(and there are some of each)" \
        "$(cut -c1 "$TMP/tally.txt" | sort | uniq -c | awk '{ printf "%s%s ", $2, $1 }')" "+5 -5 "
fi

done_testing
