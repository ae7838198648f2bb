#!/bin/sh
# import-pcap-conn.sh: connections of a capture (tests/make-conn-pcaps.py writes the
# captures): Zeek's conn_state and history on crafted packets, packets and bytes each way
# as argus counts them, connections that end or go idle mid-file against no timeout at
# all, a probe answered after its SYN's state expired, and a capture split by tcpdump -C
# imported as several files giving the same rows as the whole.
. "$top_srcdir/tests/lib.sh"
require sqlite3 python3

"$PYTHON3" "$top_srcdir/tests/make-conn-pcaps.py" "$TMP/pcaps" ||
    { echo "Bail out! make-conn-pcaps.py failed"; exit 1; }
P="$TMP/pcaps"
# rows DB: every connection row but its source, in a fixed order.
rows() {
    q "$1" "SELECT proto, orig, orig_port, resp, resp_port, first_seen, last_seen,
        orig_packets, orig_bytes, resp_packets, resp_bytes, orig_flags, resp_flags,
        conn_state, history, ended FROM conn ORDER BY orig, orig_port, resp, resp_port,
        first_seen"
}
probes() {
    q "$1" "SELECT scanner, sport, dport, first_seen, last_seen, packets, bytes,
        destinations, answered FROM probe ORDER BY scanner, sport, dport"
}
flows() { q "$1" "SELECT SUM(value) FROM capture_summary WHERE metric = 'flows'"; }

# ---- conn_state and history, as Zeek would write them ----
# Zeek's rules (base/protocols/conn/main.zeek): SF both ends closed; REJ a RST answering a
# SYN; RSTO/RSTR an established connection reset by the originator/responder; RSTOS0 the
# originator's SYN then RST, no SYN-ACK; SH the originator's SYN then FIN; S1 established;
# S2/S3 only the originator/responder closed; SHR and RSTRH a SYN-ACK (the connection
# turned round: '^') then FIN or RST; OTH midstream; UDP S0 one way, SF both ways. History
# letters are written once per direction, upper case for the originator.
check "the crafted states import" "$TALLY" -d "$TMP/states.db" import "$P/states.pcap"
check_eq "every conn_state, its history and why the row was written" \
    "$(q "$TMP/states.db" "SELECT proto, orig_port, conn_state, history, ended FROM conn
                           ORDER BY proto, orig_port")" \
"tcp|1001|SF|ShADdFf|fin
tcp|1002|REJ|Sr|rst
tcp|1003|RSTO|ShAR|rst
tcp|1004|RSTR|ShDr|rst
tcp|1005|RSTOS0|SR|rst
tcp|1006|SH|SF|eof
tcp|1007|S1|ShA|eof
tcp|1008|S2|ShAF|eof
tcp|1009|S3|ShAf|eof
tcp|1010|SHR|^hf|eof
tcp|1011|RSTRH|^hr|rst
tcp|1012|OTH|Da|eof
udp|5001|S0|D|eof
udp|5002|SF|Dd|eof"
check_eq "packets each way: the SF connection's 8 packets, 5 from the originator" \
    "$(q "$TMP/states.db" "SELECT orig_packets, resp_packets, orig_bytes, resp_bytes,
                           orig_flags, resp_flags FROM conn WHERE orig_port = 1001")" \
    "5|3|300|180|27|27"
check_eq "a turned-round connection: the SYN-ACK's receiver is the originator" \
    "$(q "$TMP/states.db" "SELECT orig || ':' || orig_port, orig_packets, resp_packets
                           FROM conn WHERE orig_port = 1010")" "10.1.0.1:1010|0|2"
check_eq "a SYN nothing answered is a probe, not a connection" \
    "$(q "$TMP/states.db" "SELECT scanner, sport, dport, destinations, answered, packets
                           FROM probe")" "10.1.0.1|1013|80|1|0|1"
check_eq "flows: the 14 connections and the probe" "$(flows "$TMP/states.db")" 15

if needs argus ra; then
    # argus writes bidirectional flow records too: the same packets and bytes each way
    # (1011 aside: argus takes its SYN-ACK's sender as the source).
    argus -r "$P/states.pcap" -w "$TMP/states.argus" 2>/dev/null
    check_eq "packets and bytes each way as argus counts them" \
        "$(ra -n -c , -r "$TMP/states.argus" -s sport spkts dpkts sbytes dbytes - tcp 2>/dev/null |
           awk -F, '$1 ~ /^ *10(0[1-9]|1[02]) *$/ { gsub(/ /, ""); print }' | sort)" \
        "$(q "$TMP/states.db" "SELECT orig_port, orig_packets, resp_packets, orig_bytes,
                               resp_bytes FROM conn WHERE proto = 'tcp'
                               AND orig_port NOT IN (1011) ORDER BY orig_port" | tr '|' ',')"
fi

# ---- connections that end and go idle mid-file, against no timeout ----
check "the idle capture imports with the default timeouts" \
    "$TALLY" -d "$TMP/idle.db" import "$P/idle.pcap"
check "and with none" "$TALLY" -d "$TMP/idle0.db" import --flow-timeout 0 "$P/idle.pcap"
check_eq "a connection closed by FIN both ways is the same row either way" \
    "$(rows "$TMP/idle.db" | grep '|2001|')" "$(rows "$TMP/idle0.db" | grep '|2001|')"
check_eq "a TCP pause of 200 s is within TCP's 300 s: the same one row either way" \
    "$(rows "$TMP/idle.db" | grep '|2004|')" "$(rows "$TMP/idle0.db" | grep '|2004|')"
check_eq "UDP idle 100 s: two rows past the 60 s default, ended idle" \
    "$(q "$TMP/idle.db" "SELECT orig_packets, resp_packets, ended FROM conn
                         WHERE orig_port = 2002 ORDER BY first_seen")" "1|1|idle
1|1|idle"
check_eq "one row with no timeout, open at the end" \
    "$(q "$TMP/idle0.db" "SELECT orig_packets, resp_packets, ended FROM conn
                          WHERE orig_port = 2002")" "2|2|eof"
check "--flow-timeout tcp=100 splits the TCP pause" \
    "$TALLY" -d "$TMP/idle100.db" import --flow-timeout tcp=100,udp=60 "$P/idle.pcap"
# The rest has no SYN from its originator: Zeek calls a responder's RST then RSTRH.
check_eq "into the handshake, idle, and a midstream rest reset by the responder" \
    "$(q "$TMP/idle100.db" "SELECT conn_state, history, ended FROM conn
                            WHERE orig_port = 2004 OR resp_port = 2004 ORDER BY first_seen")" \
    "S1|ShA|idle
RSTRH|Dr|rst"
check "the same capture again with another timeout is a new import" \
    "$TALLY" -d "$TMP/idle.db" import --flow-timeout tcp=100 "$P/idle.pcap"
check_eq "its connections cut the other way, beside the first import's" \
    "$(q "$TMP/idle.db" "SELECT source_id, COUNT(*) FROM conn WHERE orig_port = 2004
                         OR resp_port = 2004 GROUP BY source_id ORDER BY source_id")" "1|1
2|2"
check "the defaults written out are the same import" \
    "$TALLY" -d "$TMP/idle.db" import --flow-timeout tcp=300,udp=60 "$P/idle.pcap"
check_eq "and add nothing" "$(q "$TMP/idle.db" "SELECT COUNT(*) FROM source")" "2"
check_exit "a --flow-timeout that is not seconds is a usage error" 2 \
    "$TALLY" -d "$TMP/bad.db" import --flow-timeout tcp=soon "$P/idle.pcap"
check "saying so" grep -q "flow-timeout: 'tcp=soon' is not SECONDS" "$TMP/exit.err"

# ---- a probe answered after its SYN's state was let go ----
check "the late answers import" "$TALLY" -d "$TMP/late.db" import "$P/evicted.pcap"
check_eq "a SYN-ACK 400 s after the SYN (past TCP's 300 s) still answers its probe" \
    "$(q "$TMP/late.db" "SELECT orig, resp, orig_packets, resp_packets, conn_state, history
                         FROM conn WHERE proto = 'tcp' ORDER BY resp")" \
    "10.1.0.1|10.9.0.2|2|1|RSTO|ShR
10.1.0.1|10.9.0.3|1|1|REJ|Sr"
check_eq "the probe row: 3 probed, 2 answered, 1 SYN unanswered" \
    "$(q "$TMP/late.db" "SELECT destinations, answered, packets, bytes FROM probe")" "3|2|1|60"
check_eq "and the open and closed ports they tell" \
    "$(q "$TMP/late.db" "SELECT addr, port, status FROM observation ORDER BY addr")" \
    "10.9.0.2|443|open
10.9.0.3|443|closed"

# ---- a capture split by tcpdump -C is one capture ----
check "the long capture imports whole" "$TALLY" -d "$TMP/whole.db" import "$P/long.pcap"
check_eq "3,000 connections, 20,000 probes (a tenth answered, a tenth refused), 2,000 UDP" \
    "$(q "$TMP/whole.db" "SELECT (SELECT COUNT(*) FROM conn), destinations, answered
                          FROM probe")" "9000|20000|4000"
if needs TCPDUMP=tcpdump; then
    mkdir "$TMP/split"
    "$TCPDUMP" -r "$P/long.pcap" -w "$TMP/split/part" -C 1 -Z "$(id -un)" 2>/dev/null
    parts=$(ls "$TMP/split" | sed 's/^part//' | sort -n | sed "s|^|$TMP/split/part|")
    check "tcpdump -C 1 cut it into several files" test "$(echo "$parts" | wc -l)" -ge 5
    check "imported together" "$TALLY" -d "$TMP/split.db" import $parts
    check_eq "the same connection rows as the whole capture" \
        "$(rows "$TMP/split.db" | md5sum)" "$(rows "$TMP/whole.db" | md5sum)"
    check_eq "the same probe rows" "$(probes "$TMP/split.db")" "$(probes "$TMP/whole.db")"
    check_eq "the same connections counted" "$(flows "$TMP/split.db")" \
        "$(flows "$TMP/whole.db")"
    check "some connections spanned files" test \
        "$(q "$TMP/split.db" "SELECT COUNT(DISTINCT source_id) FROM conn")" -ge 5
    # Files that do not go on in time are captures of their own.
    check "the parts in the wrong order import" \
        "$TALLY" -d "$TMP/shuffled.db" import $(echo "$parts" | sort -r)
    check "and are not taken as one capture" test \
        "$(q "$TMP/shuffled.db" "SELECT COUNT(*) FROM conn")" -gt 9000
fi

done_testing
