#!/bin/sh
# label-filter.sh: --label in ports, the web analyses (apps, stacks, app-stack, services)
# and the comparison of two scans (changes, changed-services): hand-made masscan lists of
# two months and address labels of my own, each answer worked out by hand.
. "$top_srcdir/tests/lib.sh"

export TALLY_LOCATION_DB=""


# January: .1 (nginx + PHP), .2 (Apache), .3 and .5 (ssh) on 80, .1 on 443, 203.0.113.9
# (ssh) and 2001:db8::1 on 80.
masscan_list "$TMP/jan.oL" 1389312000 \
    "open tcp 80 198.51.100.1" "open tcp 80 198.51.100.2" "open tcp 80 198.51.100.3" \
    "open tcp 80 203.0.113.9" "open tcp 443 198.51.100.1" "open tcp 80 2001:db8::1" \
    "banner tcp 80 198.51.100.1 http $(http_banner nginx/1.4.4 PHP/5.4.0)" \
    "banner tcp 80 198.51.100.2 http.server Apache/2.2.22" \
    "banner tcp 80 203.0.113.9 ssh SSH-2.0-OpenSSH_6.6" \
    "open tcp 80 198.51.100.5" "banner tcp 80 198.51.100.5 ssh SSH-2.0-OpenSSH_6.6"
# February: .1 Apache without PHP, .2 as before, .5 ftp; .3, 203.0.113.9 and ::1 gone;
# .4, 192.0.2.7 (IIS with ASP.NET) and ::2 new.
masscan_list "$TMP/feb.oL" 1391990400 \
    "open tcp 80 198.51.100.1" "open tcp 80 198.51.100.2" "open tcp 80 198.51.100.4" \
    "open tcp 80 192.0.2.7" "open tcp 80 2001:db8::2" \
    "banner tcp 80 198.51.100.1 http $(http_banner Apache/2.4.1 '')" \
    "banner tcp 80 198.51.100.2 http.server Apache/2.2.22" \
    "banner tcp 80 192.0.2.7 http $(http_banner Microsoft-IIS/10.0 ASP.NET)" \
    "open tcp 80 198.51.100.5" "banner tcp 80 198.51.100.5 ftp 220 (vsFTPd 3.0.3)"
# rack-1 holds .1-.3 inside the office's /24; 203.0.113.9 has no label.
cat > "$TMP/labels.csv" <<'END'
prefix,label,detail
198.51.100.0/30,lab:rack-1,build farm
198.51.100.0/24,lab:office
192.0.2.0/24,lab:edge
2001:db8::/64,lab:v6
END
"$TALLY" import "$TMP/jan.oL" 2>/dev/null
"$TALLY" import --tag feb "$TMP/feb.oL" "$TMP/labels.csv" 2>/dev/null

csv() { "$TALLY" show "$@" --format csv | tail -n +2 | tr '\n' ' '; }

check_eq "ports without --label" "$(csv ports)" "80,tcp,9 443,tcp,1 "
check_eq "ports --label: the narrowest range's label" "$(csv ports --label lab:rack-1)" \
    "80,tcp,3 443,tcp,1 "
check_eq "ports --label of the wider range leaves the narrower out" \
    "$(csv ports --label lab:office)" "80,tcp,2 "
check_eq "ports --label on IPv6" "$(csv ports --label 'LAB:V6')" "80,tcp,2 "
check_eq "ports --label with --source" "$(csv ports --label 'lab:*' --source feb)" "80,tcp,6 "
check_eq "ports --label with --port" "$(csv ports --label 'lab:*' --port 443)" "443,tcp,1 "
check_eq "ports --label that matches nothing" "$(csv ports --label 'aws:*')" ""
"$TALLY" chart ports --label lab:rack-1 -o "$TMP/ports.svg"
check "the chart's subtitle names the label" grep -q "label lab:rack-1" "$TMP/ports.svg"

# A service seen by both scans takes its February answer (the newer) for Server and
# stack; its banner type the first by name.
check_eq "apps without --label" "$(csv apps)" "Apache,2 Microsoft-IIS,1 "
check_eq "apps --label" "$(csv apps --label lab:rack-1)" "Apache,2 "
check_eq "apps --label of one scan" "$(csv apps --label lab:rack-1 --source 1)" \
    "Apache,1 nginx,1 "
# February's .1 sent no X-Powered-By: its stack is January's.
check_eq "stacks --label" "$(csv stacks --label 'lab:*')" "ASP.NET,1 PHP,1 "
check_eq "stacks --label of one scan" "$(csv stacks --label lab:rack-1 --source 1)" "PHP,1 "
check_eq "app-stack --label" "$(csv app-stack --label lab:edge)" "Microsoft-IIS,ASP.NET,1 "
check_eq "app-stack --label of one scan" "$(csv app-stack --label 'lab:r*' --source 1)" \
    "Apache,(none),1 nginx,PHP,1 "
check_eq "services --label" "$(csv services --label lab:office)" "80,ftp,1 "
check_eq "services --label: the unlabelled host is left out" "$(csv services --label 'lab:*')" \
    "80,http,3 80,ftp,1 "
check_eq "services without --label" "$(csv services)" "80,http,3 80,ftp,1 80,ssh,1 "
check_eq "web --label that matches nothing" "$(csv apps --label 'aws:*')" ""

check_eq "changes without --label" "$(csv changes)" \
    "198.51.100.0/24,tcp,80,1,1,2,1 2001:db8::/64,tcp,80,1,1,0,0 192.0.2.0/24,tcp,80,1,0,0,0 203.0.113.0/24,tcp,80,0,1,0,0 "
check_eq "changes --label: .3 gone, .1 changed, .2 kept" "$(csv changes --label lab:rack-1)" \
    "198.51.100.0/24,tcp,80,0,1,1,1 "
check_eq "changes --label: .4 new, .5 changed" "$(csv changes --label lab:office)" \
    "198.51.100.0/24,tcp,80,1,0,1,0 "
check_eq "changes --label of every lab label leaves 203.0.113.0/24 out" \
    "$(csv changes --label 'lab:*')" \
    "198.51.100.0/24,tcp,80,1,1,2,1 2001:db8::/64,tcp,80,1,1,0,0 192.0.2.0/24,tcp,80,1,0,0,0 "
check_eq "changes --label with --prefix" "$(csv changes --label lab:rack-1 --prefix 30)" \
    "198.51.100.0/30,tcp,80,0,1,1,1 "
check_eq "changed-services --label" "$(csv changed-services --label lab:rack-1)" \
    "198.51.100.1,tcp,80,server,nginx,Apache 198.51.100.1,tcp,80,stack,PHP,(none) "
check_eq "changed-services --label of the other range" \
    "$(csv changed-services --label lab:office)" "198.51.100.5,tcp,80,service,ssh,ftp "
"$TALLY" chart changes --label 'lab:*' -o "$TMP/changes.svg"
check "a chart of changes --label, its subtitle naming the label" \
    grep -q "label lab:\*" "$TMP/changes.svg"

# A thousand hosts, 10.0.0.0 - 10.0.3.249 (.0 - .249 of four /24s), all nginx on 80/tcp,
# and ranges holding some of them: long runs of hosts, a few, none, and ranges past
# them. The hosts inside: 4 + 16 + 128 + 64 + 2 = 214.
export TALLY_DB="$TMP/many.db"
set --
for c in 0 1 2 3; do
    for d in $(seq 0 249); do
        set -- "$@" "open tcp 80 10.0.$c.$d" "banner tcp 80 10.0.$c.$d http.server nginx"
    done
done
masscan_list "$TMP/many.oL" 1389312000 "$@"
set --
cat > "$TMP/many.csv" <<'END'
prefix,label
10.0.0.0/30,lab:a
10.0.0.16/28,lab:b
10.0.0.255/32,lab:none
10.0.1.0/25,lab:c
10.0.2.64/26,lab:d
10.0.3.248/29,lab:e
10.0.4.0/24,lab:none
10.1.0.0/16,lab:none
END
"$TALLY" import "$TMP/many.oL" "$TMP/many.csv" 2>/dev/null
check_eq "many hosts: ports --label" "$(csv ports --label 'lab:*')" "80,tcp,214 "
check_eq "many hosts: ports --label of one range" "$(csv ports --label lab:c)" "80,tcp,128 "
check_eq "many hosts: apps --label" "$(csv apps --label 'lab:*')" "nginx,214 "
check_eq "many hosts: apps --label of two ranges" "$(csv apps --label 'lab:[de]')" "nginx,66 "
check_eq "many hosts: providers, region and hosts" \
    "$("$TALLY" show providers --format csv | tail -n +2 | cut -d, -f2,4 | sort | tr '\n' ' ')" \
    "a,4 b,16 c,128 d,64 e,2 "
unset TALLY_DB

# The location database, when one is installed and no AS label was imported: 8.8.8.8 and
# 1.1.1.1 are in different autonomous systems.
if needs location && [ -r /usr/share/libloc-location/location.db ]; then
    export TALLY_DB="$TMP/loc.db"
    masscan_list "$TMP/loc.oL" 1389312000 "open tcp 80 8.8.8.8" "open tcp 80 1.1.1.1" \
        "banner tcp 80 8.8.8.8 http.server gws" "banner tcp 80 1.1.1.1 http.server cloudflare"
    "$TALLY" import "$TMP/loc.oL" 2>/dev/null
    unset TALLY_LOCATION_DB
    as=$(location lookup 8.8.8.8 2>/dev/null | sed -n 's/.*Autonomous System *: AS\([0-9]*\).*/\1/p')
    check_eq "ports --label asN from the location database" "$(csv ports --label "as$as")" \
        "80,tcp,1 "
    check_eq "apps --label asN from the location database" "$(csv apps --label "as$as")" \
        "gws,1 "
fi

done_testing
