#!/bin/sh
# names.sh: host names: massdns, zdns and dig results and PTR answers in a capture become
# names of the right addresses; the names analysis labels them and tells the names that do
# not follow their provider's default pattern (built-in and user patterns); name-patterns
# counts them for a chart, in workbooks and reports; --label; forget; bad input.
. "$top_srcdir/tests/lib.sh"

N="$FIXTURES/names"
export TALLY_LOCATION_DB=""

csv() { "$TALLY" show "$@" --format csv | tail -n +2 | tr '\n' ' '; }

for f in labels.csv massdns-ptr.txt zdns-ptr.json dig-x.txt dig-answer.txt; do
    "$TALLY" import "$N/$f" 2>"$TMP/import.err"
    check "$f is imported" grep -q "imported as" "$TMP/import.err"
done
check_eq "each format is sniffed" "$(q "SELECT format FROM source ORDER BY id" | tr '\n' ' ')" \
    "label-csv massdns zdns dig dig "
check_eq "massdns: PTRs (one through a classless-delegation CNAME) and an A line; MX passed over" \
    "$(q "SELECT addr, name, rrtype FROM host_name WHERE origin = 'massdns' ORDER BY rowid" | tr '\n' ' ')" \
    "107.21.16.171|ec2-107-21-16-171.compute-1.amazonaws.com|PTR 3.15.100.12|ec2-3-15-100-12.us-east-2.compute.amazonaws.com|PTR 3.15.100.13|mail.shop.example|PTR 3.15.100.20|shop-web.example.net|A 198.51.100.80|gw.branch.example|PTR "
check_eq "zdns: PTR module (zdns 1 and 2 forms) and alookup; NXDOMAIN gives nothing" \
    "$(q "SELECT addr, name, rrtype FROM host_name WHERE origin = 'zdns' ORDER BY rowid" | tr '\n' ' ')" \
    "34.64.1.5|5.1.64.34.bc.googleusercontent.com|PTR 20.40.3.4|shopvm.eastus.cloudapp.azure.com|PTR 3.15.100.21|api.shop.example|A "
check_eq "dig -x runs (the PTR of a delegated name is the question's) and +noall +answer" \
    "$(q "SELECT addr, name FROM host_name WHERE origin = 'dig' ORDER BY rowid" | tr '\n' ' ')" \
    "107.21.16.171|ec2-107-21-16-171.compute-1.amazonaws.com 198.51.100.70|office.branch.example 107.21.16.171|ec2-107-21-16-171.compute-1.amazonaws.com 203.113.6.6|ns.example.org "

check_eq "names: provider label and default pattern per name, origins joined" "$(csv names)" \
    "3.15.100.12,ec2-3-15-100-12.us-east-2.compute.amazonaws.com,aws,aws:us-east-2,yes,massdns 3.15.100.13,mail.shop.example,aws,aws:us-east-2,no,massdns 3.15.100.20,shop-web.example.net,aws,aws:us-east-2,no,massdns 3.15.100.21,api.shop.example,aws,aws:us-east-2,no,zdns 20.40.3.4,shopvm.eastus.cloudapp.azure.com,azure,azure:eastus,yes,zdns 34.64.1.5,5.1.64.34.bc.googleusercontent.com,google,google:asia-northeast3,yes,zdns 107.21.16.171,ec2-107-21-16-171.compute-1.amazonaws.com,aws,aws:us-east-1,yes,dig;massdns 198.51.100.70,office.branch.example,,,unknown,dig 198.51.100.80,gw.branch.example,,,unknown,massdns 203.113.6.6,ns.example.org,,,unknown,dig "
check "the count of hosts whose name is not their provider's default is shown" \
    sh -c '"$TALLY" show names | grep -qx "hosts with a name not following the provider'"'"'s default pattern: 3"'
check "... and said in the subtitle" \
    sh -c '"$TALLY" show names --format json >/dev/null && "$TALLY" chart name-patterns -o "$TMP/np.svg" && grep -q "3 hosts have a name not following their provider" "$TMP/np.svg"'
check_eq "name-patterns: names by provider and answer" "$(csv name-patterns)" \
    "aws,no,3 aws,yes,2 azure,yes,1 google,yes,1 (none),unknown,3 "
check_eq "--label keeps the hosts with a matching label" \
    "$(csv names --label 'aws:us-east-2' | tr ' ' '\n' | cut -d, -f1 | tr '\n' ' ')" \
    "3.15.100.12 3.15.100.13 3.15.100.20 3.15.100.21 "
check_eq "--source reads one import" "$(csv names --source 3 | tr ' ' '\n' | cut -d, -f2 | tr '\n' ' ')" \
    "api.shop.example shopvm.eastus.cloudapp.azure.com 5.1.64.34.bc.googleusercontent.com "
check "names and name-patterns have data" \
    sh -c '"$TALLY" analyses --format csv | grep -q "^names,scan,yes,none," && "$TALLY" analyses --format csv | grep -q "^name-patterns,scan,yes,stacked-bar,"'

# A provider without a range file: a name that follows a pattern still tells whose it is.
"$TALLY" -d "$TMP/nolabels.db" import "$N/zdns-ptr.json" 2>/dev/null
check_eq "without labels a default name names its provider, another is unknown" \
    "$("$TALLY" -d "$TMP/nolabels.db" show names --format csv | tail -n +2 | cut -d, -f2,3,5 | tr '\n' ' ')" \
    "api.shop.example,,unknown shopvm.eastus.cloudapp.azure.com,azure,yes 5.1.64.34.bc.googleusercontent.com,google,yes "

# User patterns extend the built-in table; forgetting them takes them back.
"$TALLY" import --tag shop-patterns "$N/patterns.csv" 2>/dev/null
check_eq "the name-patterns CSV is sniffed and stored" \
    "$(q "SELECT s.format, p.provider, p.pattern FROM name_pattern p JOIN source s ON s.id = p.source_id")" \
    "name-patterns|aws|*.shop.example"
check_eq "a user pattern makes the shop's names defaults" \
    "$(csv names --label 'aws:*' | tr ' ' '\n' | grep ',no,' | cut -d, -f2)" "shop-web.example.net"
check "forget of the patterns" "$TALLY" forget shop-patterns
check_eq "... brings the built-in answer back" \
    "$(csv names | tr ' ' '\n' | grep -c ',no,')" "3"

# Workbook and report carry both analyses.
check "a workbook of names and name-patterns" "$TALLY" workbook -o "$TMP/names.xlsx" names name-patterns
if needs python3:openpyxl; then
    printf '{"sheets": ["Summary", "Sources", "names", "name-patterns"], "sheet": {"names": {"header": ["host", "name", "provider", "label", "default_name", "origin"]}, "name-patterns": {"header": ["provider", "default_name", "names"], "charts": [{"type": "BarChart", "grouping": "stacked"}]}}}\n' >"$TMP/names.json"
    check "its sheets, headers and the stacked chart" "$PYTHON3" "$top_srcdir/tests/workbook-read.py" "$TMP/names.xlsx" "$TMP/names.json"
fi
check "a report" "$TALLY" report -o "$TMP/report"
check "... has the names table and the name-patterns chart" \
    sh -c 'test -s "$1/name-patterns.svg" && grep -q "shopvm.eastus.cloudapp.azure.com" "$1/index.html"' sh "$TMP/report"

# forget removes an import's names and nothing else.
check "forget the massdns import" "$TALLY" forget 2
check_eq "its names are gone" "$(q "SELECT COUNT(*) FROM host_name WHERE source_id = 2")" "0"
check_eq "the same name from dig stays" \
    "$(csv names | tr ' ' '\n' | grep '^107.21.16.171,')" \
    "107.21.16.171,ec2-107-21-16-171.compute-1.amazonaws.com,aws,aws:us-east-1,yes,dig"

# Bad input: FILE:LINE, exit 1, the database unchanged; --lenient skips the line.
before=$(db_dump "$TALLY_DB")
printf '12.100.15.3.in-addr.arpa. PTR a.example.\n13.100.15.3.in-addr.arpa. PTR b.example.\nnot a record at all\n' >"$TMP/bad-massdns.txt"
check_exit "a massdns line that is not NAME. TYPE DATA" 1 "$TALLY" import -f massdns "$TMP/bad-massdns.txt"
check "... names its file and line" grep -q "^tally: $TMP/bad-massdns.txt:3: expected a massdns -o S line NAME. TYPE DATA.*found 'not a record at all'" "$TMP/exit.err"
printf '7.0.0.10.in-addr.arpa. PTR ok.example.\nhost.example. A 10.0.0.300\n' >"$TMP/bad-a.txt"
check_exit "an A line whose address is not one" 1 "$TALLY" import -f massdns "$TMP/bad-a.txt"
check "... names its line" grep -q "bad-a.txt:2: expected a name or address after A, found" "$TMP/exit.err"
printf '; <<>> DiG 9.18.24 <<>> -x 10.0.0.7\n;; ANSWER SECTION:\n7.0.0.10.in-addr.arpa. 60 IN PTR ok.example.\n7.0.0.10.in-addr.arpa. sixty IN PTR\n' >"$TMP/bad-dig.txt"
check_exit "a dig answer line that is not a record" 1 "$TALLY" import "$TMP/bad-dig.txt"
check "... names its file and line" grep -q "bad-dig.txt:4: expected a dig answer line NAME TTL CLASS TYPE DATA" "$TMP/exit.err"
printf '{"name":"10.0.0.7","status":"NOERROR","data":{"answers":[{"type":"PTR","name":"7.0.0.10.in-addr.arpa","answer":"ok.example."}]}}\n{"name":"10.0.0.8","status":"NOERROR","data":{"answers":[{"answer":"x.example."}]}}\n' >"$TMP/bad-zdns.json"
check_exit "a zdns answer without a type" 1 "$TALLY" import "$TMP/bad-zdns.json"
check "... names its line" grep -q "bad-zdns.json:2: expected each zdns answer to have a \"name\" and a \"type\"" "$TMP/exit.err"
printf '{"name":"10.0.0.7","status":"NOERROR","data":{"answers":[]}}\n{"name":"10.0.0.8","status":"NOERROR",\n' >"$TMP/cut-zdns.json"
check_exit "zdns JSON that is not an object on a line" 1 "$TALLY" import -f zdns "$TMP/cut-zdns.json"
printf 'provider,pattern\nhetzner,static.{d}.{c}.{b}.{a}.clients.your-server.de\naws,ec2-{e}.example\n' >"$TMP/bad-patterns.csv"
check_exit "a pattern with an unknown placeholder" 1 "$TALLY" import "$TMP/bad-patterns.csv"
check "... names its line" grep -q "bad-patterns.csv:3: expected provider,pattern.*unknown {placeholder}" "$TMP/exit.err"
check_eq "the database is unchanged by every refused import" "$(db_dump "$TALLY_DB")" "$before"
check "--lenient skips the bad line" "$TALLY" import --lenient -f massdns "$TMP/bad-massdns.txt"
check "... and says so" grep -q "2 name; 1 skipped" "$TMP/last.out"

# PTR answers in a capture: written here frame by frame with the fixtures' own writer.
"$PYTHON3" - "$TMP" "$top_srcdir/tests/make-pcap-fixtures.py" <<'PY'
import importlib.util, sys
out, writer = sys.argv[1], sys.argv[2]
sys.argv = [writer, out]
spec = importlib.util.spec_from_file_location("fixtures", writer)
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
PTR, CNAME = m.PTR, m.CNAME
def reverse6(hexdigits):
    return ".".join(reversed(hexdigits)) + ".ip6.arpa"
packets = []
def response(ts, ident, qname, answers, flags=0x8180):
    r = m.Dns(ident, flags, 1, len(answers))
    r.question(qname, PTR)
    for owner, rtype, target in answers:
        r.answer(owner, rtype, 300, lambda d, t=target: d.name(t))
    packets.append(m.dns_udp(ts, r.buf, ident))
response(1, 1, "12.100.15.3.in-addr.arpa",
         [("12.100.15.3.in-addr.arpa", PTR, "ec2-3-15-100-12.us-east-2.compute.amazonaws.com")])
response(2, 2, "14.100.15.3.IN-ADDR.ARPA", [("14.100.15.3.IN-ADDR.ARPA", PTR, "Build.Shop.example")])
response(3, 3, "70.100.51.198.in-addr.arpa",
         [("70.100.51.198.in-addr.arpa", CNAME, "70.64/26.100.51.198.in-addr.arpa"),
          ("70.64/26.100.51.198.in-addr.arpa", PTR, "office.branch.example")])
response(4, 4, reverse6("20010db8000000000000000000000001"),
         [(reverse6("20010db8000000000000000000000001"), PTR, "v6host.example")])
response(5, 5, "99.100.15.3.in-addr.arpa", [], flags=0x8183)
response(6, 6, "_http._tcp.example", [("_http._tcp.example", PTR, "web._http._tcp.example")])
response(7, 7, "12.100.15.3.in-addr.arpa",
         [("12.100.15.3.in-addr.arpa", PTR, "ec2-3-15-100-12.us-east-2.compute.amazonaws.com")])
m.write_pcap("ptr.pcap", 1, packets)
PY
check "a capture with PTR answers imports" "$TALLY" import "$TMP/ptr.pcap"
check_eq "PTR answers are names of the address asked, once each, with the capture's time" \
    "$(q "SELECT addr, name, origin, seen FROM host_name WHERE origin = 'ptr-capture' ORDER BY rowid" | tr '\n' ' ')" \
    "3.15.100.12|ec2-3-15-100-12.us-east-2.compute.amazonaws.com|ptr-capture|1700000001 3.15.100.14|build.shop.example|ptr-capture|1700000002 198.51.100.70|office.branch.example|ptr-capture|1700000003 2001:db8::1|v6host.example|ptr-capture|1700000004 "
check_eq "the capture's DNS answers are kept as before" \
    "$(q "SELECT COUNT(*) FROM dns_answer WHERE type = 'PTR'")" "6"
check_eq "names: a capture's name judged like any other" \
    "$(csv names --source "$(q "SELECT MAX(id) FROM source")" | tr ' ' '\n' | cut -d, -f1,2,5,6 | tr '\n' ' ')" \
    "3.15.100.12,ec2-3-15-100-12.us-east-2.compute.amazonaws.com,yes,ptr-capture 3.15.100.14,build.shop.example,no,ptr-capture 198.51.100.70,office.branch.example,unknown,ptr-capture 2001:db8::1,v6host.example,unknown,ptr-capture "

done_testing
