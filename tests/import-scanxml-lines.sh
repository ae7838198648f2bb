#!/bin/sh
# import-scanxml-lines.sh: masscan XML record lines in masscan's plain shape are read without
# expat; these checks hold that to expat's reading: the same files with every record line
# indented (so that expat reads them all) give the same rows, messages and line numbers, and
# plain lines where expat is inside a CDATA section, a tag or after the root stay expat's.
. "$top_srcdir/tests/lib.sh"
require sqlite3

head_xml='<?xml version="1.0"?>\r\n<!-- masscan v1.0 scan -->\r\n<nmaprun scanner="masscan" start="1389312000" version="1.0-BETA"  xmloutputversion="1.03">\r\n<scaninfo type="syn" protocol="tcp" />\r\n'
tail_xml='<runstats>\r\n<finished time="1389312010" timestr="2014-01-10 00:00:10" elapsed="10" />\r\n</runstats>\r\n</nmaprun>\r\n'
# status TIME ADDR PORT [TYPE]: a status record line.
status() {
    printf '<host endtime="%s"><address addr="%s" addrtype="%s"/><ports><port protocol="tcp" portid="%s"><state state="open" reason="syn-ack" reason_ttl="48"/></port></ports></host>\r\n' \
        "$1" "$2" "${4:-ipv4}" "$3"
}
# banner ADDR SERVICE TEXT: a banner record line.
banner() {
    printf '<host endtime="7"><address addr="%s" addrtype="ipv4"/><ports><port protocol="tcp" portid="22"><state state="open" reason="response" reason_ttl="55" /><service name="%s" banner="%s"></service></port></ports></host>\r\n' \
        "$1" "$2" "$3"
}
rows() {
    q "$1" "SELECT addr, proto, port, status, reason, ttl, seen FROM observation ORDER BY rowid;
            SELECT * FROM banner ORDER BY rowid"
}
# same NAME [OPTION]: imports $TMP/NAME.xml and the same file with its record lines indented;
# both must give the same rows, and say the same (the file name aside).
same() {
    local name=$1 opt=${2:-}
    sed 's/^<host /  <host /' "$TMP/$name.xml" > "$TMP/$name-expat.xml"
    for v in "$name" "$name-expat"; do
        rm -f "$TMP/$v.db"
        "$TALLY" -d "$TMP/$v.db" import $opt -f xml "$TMP/$v.xml" > "$TMP/$v.said" 2>&1
        echo "exit $?" >> "$TMP/$v.said"
        sed -i -e "s|$TMP/$v.xml|FILE|" -e 's/; [0-9.]* s$//' "$TMP/$v.said"
    done
    check_eq "$name${opt:+ $opt}: the same as expat's reading" "$(cat "$TMP/$name.said")" \
        "$(cat "$TMP/$name-expat.said")"
    if [ -f "$TMP/$name.db" ] || [ -f "$TMP/$name-expat.db" ]; then
        check_eq "$name${opt:+ $opt}: the same rows as expat's reading" "$(rows "$TMP/$name.db")" \
            "$(rows "$TMP/$name-expat.db")"
    fi
}

{
    printf "$head_xml"
    status 1389312000 192.0.2.1 80
    status 1389312001 2001:db8::1 443 ipv6
    status 1389312002 192.0.2.3 22 | tr -d '\r'
    status 1389312003 192.0.2.5 22 | sed 's/"syn-ack"/"syn\&amp;ack"/'
    banner 192.0.2.6 ssh 'SSH-2.0-OpenSSH_6.0\x0d\x0a'
    banner 192.0.2.7 http 'HTTP/1.0 200 OK\x0d\x0aServer: a'"'"'b>c'
    banner 192.0.2.8 http 'a&amp;b&#x41;'
    printf "$tail_xml"
} > "$TMP/mixed.xml"
same mixed
check_eq "mixed: every record is kept" \
    "$(q "$TMP/mixed.db" "SELECT COUNT(*) FROM observation") $(q "$TMP/mixed.db" "SELECT COUNT(*) FROM banner")" \
    "4 3"

# Checks and messages stay the same, with the same line numbers.
for bad in 'status 1 192.0.2.300 80' 'status 1 192.0.2.1 80 mac' 'status x 192.0.2.1 80' 'status 1 192.0.2.1 99999' \
           'banner 192.0.2.9 http bad\xz' 'banner 192.0.2.9 "" x'; do
    { printf "$head_xml"; status 1 192.0.2.1 80; eval "$bad"; status 1 192.0.2.2 81; printf "$tail_xml"; } \
        > "$TMP/bad.xml"
    same bad
    same bad --lenient
done

# Where expat is not between two tags, plain lines are still expat's.
{ printf "$head_xml"; status 1 192.0.2.1 80; printf '<![CDATA[\r\n'; status 1 192.0.2.2 81
  printf ']]>\r\n'; status 1 192.0.2.3 82; printf "$tail_xml"; } > "$TMP/cdata.xml"
same cdata
check_eq "a record line inside CDATA is text" \
    "$(q "$TMP/cdata.db" "SELECT group_concat(port, ' ') FROM observation")" "80 82"
{ printf "$head_xml"; status 1 192.0.2.1 80; printf '<foo\r\n'; status 1 192.0.2.2 81
  status 1 192.0.2.3 82; printf "$tail_xml"; } > "$TMP/opentag.xml"
same opentag
check "a record line after an unclosed tag is malformed, at its line" \
    grep -q "^tally: FILE:7: malformed XML" "$TMP/opentag.said"
same opentag --lenient
{ printf "$head_xml"; status 1 192.0.2.1 80; printf '</nmaprun>\r\n'; status 1 192.0.2.2 81; } \
    > "$TMP/afterroot.xml"
same afterroot
{ printf "$head_xml"; status 1 192.0.2.1 80; printf '<a>\r'; status 1 192.0.2.2 81; printf '</a>\r\n'
  printf '<!--\r\n'; status 1 192.0.2.3 82; printf -- '-->\r\n'; printf "$tail_xml"; } > "$TMP/cr.xml"
same cr

# Longer than the reader's chunks, appended and cut off: line numbers still agree.
{
    printf "$head_xml"
    i=0
    while [ $i -lt 2000 ]; do status $i 198.18.$((i / 250)).$((i % 250)) $((i % 7 + 1)); i=$((i + 1)); done
    status 1 192.0.2.300 80
    printf "$tail_xml$head_xml"
    status 2 192.0.2.1 80
    status 2 192.0.2.2 80 | head -c 90
} > "$TMP/long.xml"
same long
check "the bad address is named at its line" grep -q "^tally: FILE:2005: " "$TMP/long.said"
same long --lenient

done_testing
