#!/bin/sh
# labels.sh: address labels: each range file and database format imported, a scan of known
# addresses counted by provider, AS and country, the label column of the subnet analyses,
# --label, a newer file of a provider replacing the older, forget, bad input, and the
# location database's answers checked against its own `location lookup`.
. "$top_srcdir/tests/lib.sh"

L="$FIXTURES/labels"
# No location database here unless a check asks for it.
export TALLY_LOCATION_DB=""

csv() { "$TALLY" show "$@" --format csv | tail -n +2 | tr '\n' ' '; }

"$TALLY" import "$L/known-hosts.oL" 2>/dev/null
check_eq "subnets without labels has no label column" \
    "$("$TALLY" show subnets --format csv | head -1)" "subnet,hosts"
check_eq "providers without range files: nothing" "$(csv providers)" ""
check "providers has no data without range files" \
    sh -c '"$TALLY" analyses --format csv | grep -q "^providers,scan,no,"'

for f in aws-ip-ranges.json gcp-cloud.json azure-service-tags.json \
         oracle-public-ip-ranges.json lab-labels.csv asn-ipv4.csv country-ipv4.csv; do
    "$TALLY" import "$L/$f" 2>"$TMP/import.err"
    check "$f is imported" grep -q "imported as" "$TMP/import.err"
done
check_eq "each format is sniffed" \
    "$(q "SELECT format FROM source WHERE id > 1 ORDER BY id" | tr '\n' ' ')" \
    "aws-ranges gcp-ranges azure-tags oracle-ranges label-csv ip-location-db ip-location-db "
check_eq "label ranges by kind" \
    "$(q "SELECT kind, COUNT(*) FROM label_range GROUP BY kind ORDER BY kind" | tr '\n' ' ')" \
    "asn|5 country|4 provider|19 "

# The scan: 3.5.140.10 and 3.5.141.20 (AWS S3, listed also under AMAZON), 52.95.110.5 (EC2
# inside AMAZON's 52.95.0.0/16), 52.95.7.7 (AMAZON), 130.61.4.4 (Oracle), two lab hosts,
# 2600:1f14::1 (AWS IPv6), 2001:db8:100::9 (lab IPv6), 1.0.0.1 and 8.8.8.8 (no provider).
check_eq "providers: the most specific range, a service over the catch-all AMAZON" \
    "$(csv providers)" \
    "aws,ap-northeast-2,S3,2 aws,us-east-1,AMAZON,1 aws,us-east-1,EC2,1 aws,us-west-2,EC2,1 lab,rack-1,build farm,1 lab,rack-2,,1 lab,v6,test network,1 oracle,eu-frankfurt-1,OCI,1 "
check_eq "asns from the ip-location-db ranges" "$(csv asns)" \
    "16509,AMAZON-02,4 64496,\"Example, documentation AS\",2 13335,CLOUDFLARENET,1 31898,ORACLE-BMC-31898,1 "
check_eq "countries from the ip-location-db ranges" "$(csv countries)" "KR,2 US,2 AU,1 DE,1 "
check_eq "--label with a glob" "$(csv asns --label 'aws:*')" "16509,AMAZON-02,4 "
check_eq "--label with an AS" "$(csv countries --label AS16509)" "KR,2 US,2 "
check_eq "--label on subnets" "$(csv subnets --label 'aws:us-*')" \
    "52.95.7.0/24,1,aws:us-east-1 52.95.110.0/24,1,aws:us-east-1 2600:1f14::/64,1,aws:us-west-2 "
check_eq "subnets name the provider label over each subnet" \
    "$("$TALLY" show subnets --format csv | head -4 | tr '\n' ' ')" \
    "subnet,hosts,label 1.0.0.0/24,1, 3.5.140.0/24,1,aws:ap-northeast-2 3.5.141.0/24,1,aws:ap-northeast-2 "
check_eq "a subnet of two labels says so" \
    "$("$TALLY" show top-subnets --top 1 --format csv | tail -1)" "198.51.100.0/24,2,(several)"
check "the chart's subtitle names the files the labels came from" sh -c \
    '"$TALLY" chart asns -o "$TMP/asns.svg" && grep -q "asn-ipv4.csv" "$TMP/asns.svg"'

# A newer AWS file replaces the older for lookups; both stay, with their provenance.
sed 's/"us-east-1"/"us-east-2"/g; s/1700006187/1700009999/' "$L/aws-ip-ranges.json" \
    >"$TMP/ip-ranges.json"
"$TALLY" import "$TMP/ip-ranges.json" 2>/dev/null
check_eq "the newer AWS file answers" "$(csv providers --label 'aws:us-east-*')" \
    "aws,us-east-2,AMAZON,1 aws,us-east-2,EC2,1 "
check_eq "the older one is kept" "$(q "SELECT COUNT(DISTINCT source_id) FROM label_range
    WHERE provider = 'aws'")" 2
newest=$(q "SELECT MAX(id) FROM source")
"$TALLY" forget "$newest" 2>/dev/null
check_eq "forget brings the older back" "$(csv providers --label 'aws:us-east-*')" \
    "aws,us-east-1,AMAZON,1 aws,us-east-1,EC2,1 "
check_eq "and removes its ranges" "$(q "SELECT COUNT(*) FROM label_range WHERE source_id = $newest")" 0

# ---- the labels kept flattened (label_index) ----
# Each kind's current ranges are kept flattened after every import and forget, made from
# the newest import of each publisher and family, as SQL over label_range finds them.
newest_imports() {
    q "${1:-$TALLY_DB}" "SELECT kind, group_concat(provider || '/' || family || '/' || newest ||
                                                  '/' || substr(sha256, 1, 16), ',')
        FROM (SELECT kind, provider, family, MAX(source_id) AS newest FROM label_range
              GROUP BY kind, provider, family ORDER BY kind, provider, family)
        JOIN source ON source.id = newest
        GROUP BY kind ORDER BY kind" | tr '\n' ' '
}
check_eq "each kind is kept flattened, made from the newest imports" \
    "$(q "SELECT kind, sources FROM label_index ORDER BY kind" | tr '\n' ' ')" "$(newest_imports)"
labelled="providers asns countries subnets top-subnets"
answers() { for a in $labelled; do echo "$a: $(csv "$a")"; done; }
kept=$(answers)
cp "$TALLY_DB" "$TMP/kept.db"
q "DELETE FROM label_index"
check_eq "without them the analyses read the ranges, and answer the same" "$(answers)" "$kept"
cp "$TMP/kept.db" "$TALLY_DB"
q "UPDATE label_index SET ranges = substr(ranges, 1, length(ranges) - 1)"
check_eq "flattened ranges cut short are read from the ranges instead" "$(answers)" "$kept"
cp "$TMP/kept.db" "$TALLY_DB"
q "UPDATE label_index SET ranges = x'00'"
check_eq "and so are junk ones" "$(answers)" "$kept"
cp "$TMP/kept.db" "$TALLY_DB"
q "UPDATE label_index SET sources = sources || '0'"
check_eq "and so are those made from other imports" "$(answers)" "$kept"
check "the next import makes them again" "$TALLY" import "$L/known-hosts.oL" 2>/dev/null
check_eq "from the newest imports" \
    "$(q "SELECT kind, sources FROM label_index ORDER BY kind" | tr '\n' ' ')" "$(newest_imports)"
# The analyses read them: another database's, made from imports of the same ids, answer.
OTHER="$TMP/other.db"
"$TALLY" -d "$OTHER" import "$L/known-hosts.oL" 2>/dev/null
"$TALLY" -d "$OTHER" import "$L/lab-labels.csv" 2>/dev/null
"$TALLY" -d "$TMP/renamed.db" import "$L/known-hosts.oL" 2>/dev/null
sed 's/rack-1/rack-9/' "$L/lab-labels.csv" >"$TMP/lab-renamed.csv"
"$TALLY" -d "$TMP/renamed.db" import "$TMP/lab-renamed.csv" 2>/dev/null
check_eq "the labels as imported" "$("$TALLY" -d "$OTHER" show providers --format csv | tail -n +2 |
    tr '\n' ' ')" "lab,rack-1,build farm,1 lab,rack-2,,1 lab,v6,test network,1 "
q "$OTHER" "CREATE TABLE kept AS SELECT * FROM label_index"
q "$OTHER" "ATTACH '$TMP/renamed.db' AS r;
            UPDATE label_index SET ranges = (SELECT ranges FROM r.label_index)"
check_eq "come from the flattened ranges when they are current" \
    "$("$TALLY" -d "$OTHER" show providers --format csv | tail -n +2 | tr '\n' ' ')" \
    "lab,rack-2,,1 lab,rack-9,build farm,1 lab,v6,test network,1 "
check "forget" "$TALLY" -d "$OTHER" forget 2
check_eq "with no labels left, none are kept flattened" \
    "$(q "$OTHER" "SELECT COUNT(*) FROM label_index")" 0
# A forgotten import's id taken again by another file, its flattened ranges left behind
# (as when keeping them failed): they are not the new file's, which is flattened anew.
q "$OTHER" "INSERT INTO label_index SELECT * FROM kept"
"$TALLY" -d "$OTHER" import "$TMP/lab-renamed.csv" 2>/dev/null
check_eq "the new import takes id 2 again" \
    "$(q "$OTHER" "SELECT DISTINCT source_id FROM label_range")" 2
check_eq "and its own labels answer" \
    "$("$TALLY" -d "$OTHER" show providers --format csv | tail -n +2 | tr '\n' ' ')" \
    "lab,rack-2,,1 lab,rack-9,build farm,1 lab,v6,test network,1 "
# A database of schema 11 (before label_index) is upgraded, and flattens at its next import.
OLD="$TMP/v11.db"
cp "$TMP/kept.db" "$OLD"
q "$OLD" "DROP TABLE label_index; DROP INDEX label_range_by_kind; PRAGMA user_version = 11"
check_eq "a version-11 database answers the same" \
    "$(for a in $labelled; do echo "$a: $("$TALLY" -d "$OLD" show "$a" --format csv |
        tail -n +2 | tr '\n' ' ')"; done)" "$kept"
printf 'open tcp 443 192.0.2.1 1\n' >"$TMP/one.oL"
"$TALLY" -d "$OLD" import "$TMP/one.oL" 2>/dev/null
check_eq "and keeps its labels flattened after an import" \
    "$(q "$OLD" "SELECT kind, sources FROM label_index ORDER BY kind" | tr '\n' ' ')" \
    "$(newest_imports "$OLD")"

# Bad input names its line and leaves the database as it was.
before=$(db_dump "$TALLY_DB")
sed 's#52.95.110.0/24#52.95.110.0/44#' "$L/aws-ip-ranges.json" >"$TMP/bad-aws.json"
check_exit "a bad prefix fails" 1 "$TALLY" import "$TMP/bad-aws.json"
check_eq "naming its line" "$(cat "$TMP/exit.err")" \
    "tally: $TMP/bad-aws.json:24: expected a network such as 192.0.2.0/24, found '52.95.110.0/44'"
printf '1.0.0.0,1.0.0.255,13335,X\n1.0.1.0,zzz,5,Y\n' >"$TMP/bad.csv"
check_exit "a bad range line fails" 1 "$TALLY" import "$TMP/bad.csv"
check "naming its line" grep -q "^tally: $TMP/bad.csv:2: expected ip_range_start" "$TMP/exit.err"
printf 'prefix,label\n10.0.0.0/8,corp:lan\n10.0.0.0/33,corp:x\n' >"$TMP/bad-labels.csv"
check_exit "a bad user label fails" 1 "$TALLY" import "$TMP/bad-labels.csv"
check "naming its line" grep -q "^tally: $TMP/bad-labels.csv:3: expected prefix,label" "$TMP/exit.err"
check_eq "the database is unchanged" "$(db_dump "$TALLY_DB")" "$before"

# MaxMind DB files, made here in the published format.
if needs python3; then
    export TALLY_DB="$TMP/mmdb.db"
    "$PYTHON3" "$top_srcdir/tests/make-mmdb.py" asn "$TMP/test-asn.mmdb"
    "$PYTHON3" "$top_srcdir/tests/make-mmdb.py" country "$TMP/test-country.mmdb"
    "$TALLY" import "$L/known-hosts.oL" "$TMP/test-asn.mmdb" "$TMP/test-country.mmdb" 2>/dev/null
    check_eq "mmdb: neighbouring networks of one answer are one range; the IPv4 alias is left" \
        "$(q "SELECT kind, network, label FROM label_range ORDER BY rowid" | tr '\n' ' ')" \
        "asn|1.0.0.0-1.0.0.255|as13335 asn|3.5.140.0-3.5.147.255|as16509 asn|2600:1f14::-2600:1f14:1fff:ffff:ffff:ffff:ffff:ffff|as16509 country|1.0.0.0-1.0.0.255|AU country|3.5.140.0-3.5.143.255|KR country|130.61.0.0-130.61.255.255|DE country|2600:1f14::-2600:1f14:1fff:ffff:ffff:ffff:ffff:ffff|US "
    check_eq "mmdb: asns" "$(csv asns)" "16509,AMAZON-02,3 13335,CLOUDFLARENET,1 "
    check_eq "mmdb: countries" "$(csv countries)" "KR,2 AU,1 DE,1 US,1 "
    if needs mmdblookup; then
        check "mmdblookup reads the same file" sh -c \
            'mmdblookup --file "$TMP/test-asn.mmdb" --ip 3.5.145.1 autonomous_system_number | grep -q 16509'
    fi
fi

# The location database (IPFire's libloc), when nothing was imported: three hosts of three
# autonomous systems, answered as its own `location lookup` answers.
export TALLY_DB="$TMP/loc.db"
printf 'open tcp 443 8.8.8.8 1\nopen tcp 443 1.1.1.1 1\nopen tcp 443 3.5.140.10 1\n' >"$TMP/three.oL"
"$TALLY" import "$TMP/three.oL" 2>/dev/null
if needs location && [ -r /usr/share/libloc-location/location.db ]; then
    unset TALLY_LOCATION_DB
    want=$(for a in 8.8.8.8 1.1.1.1 3.5.140.10; do
        location lookup "$a" 2>/dev/null |
            sed -n 's/.*Autonomous System *: AS\([0-9]*\) - \(.*\)/\1,\2,1/p'
    done | sort)
    check_eq "asns as location lookup answers" "$(csv asns | tr ' ' '\n' | grep . | sort)" "$want"
    check_eq "countries: one host each" "$("$TALLY" show countries --format csv | tail -n +2 |
        cut -d, -f2 | sort -u | tr '\n' ' ')" "1 "
    check "the chart's subtitle names the location database" sh -c \
        '"$TALLY" chart asns -o "$TMP/loc.svg" && grep -q "IPFire location database of" "$TMP/loc.svg"'
fi

# The published databases (.ci/run fetches them with npm pack into $TALLY_LABEL_PACKAGES).
export TALLY_DB="$TMP/published.db" TALLY_LOCATION_DB=""
"$TALLY" import "$L/known-hosts.oL" 2>/dev/null
asn_pkg=$(ls "${TALLY_LABEL_PACKAGES:-/nonexistent}"/ip-location-db-asn-*.tgz 2>/dev/null | tail -1)
if [ -n "$asn_pkg" ]; then
    mkdir -p "$TMP/asn" && tar -xzf "$asn_pkg" -C "$TMP/asn"
    "$TALLY" import "$TMP/asn/package/asn-ipv4.csv" 2>/dev/null
    check_eq "@ip-location-db/asn: 3.5.140.10 is in AS 16509" \
        "$(csv asns --label as16509 | cut -d, -f1)" "16509"
else
    skip "needs @ip-location-db/asn (npm pack into \$TALLY_LABEL_PACKAGES, as .ci/run does)"
fi
country_pkg=$(ls "${TALLY_LABEL_PACKAGES:-/nonexistent}"/ip-location-db-geolite2-country-mmdb-*.tgz 2>/dev/null | tail -1)
if [ -n "$country_pkg" ]; then
    mkdir -p "$TMP/country" && tar -xzf "$country_pkg" -C "$TMP/country"
    mmdb=$(find "$TMP/country" -name '*ipv4*.mmdb' | head -1)
    "$TALLY" import "$mmdb" 2>/dev/null
    check_eq "geolite2-country-mmdb: 3.5.140.10 is in KR" \
        "$(csv countries --label KR | cut -d, -f1)" "KR"
else
    skip "needs @ip-location-db/geolite2-country-mmdb (npm pack, as .ci/run does)"
fi

# ---- many hosts: the IPv4 sets read in place ----
# Past 200,000 hosts, providers, asns and countries read the IPv4 sets in place rather
# than loading their union: the counts are those of the union loaded (as --label '*'
# still does) and of the addresses.
BIG="$TMP/big.db"
awk 'BEGIN { print "#masscan"
    for (n = 0; n < 330000; n++)
        printf "open tcp %d 10.%d.%d.%d 1389312000\n", n % 3 ? 80 : 443, int(n / 65536),
            int(n / 256) % 256, n % 256 }' >"$TMP/big.oL"
printf 'prefix,label\n10.0.0.0/16,lab:a\n10.1.0.0/17,lab:b\n10.2.0.0/24,lab:c\n10.3.0.0/16,lab:d\n' \
    >"$TMP/big-labels.csv"
"$TALLY" -d "$BIG" import "$TMP/big.oL" "$TMP/big-labels.csv" 2>/dev/null
big() { "$TALLY" -d "$BIG" show "$@" --format csv | tail -n +2 | tr '\n' ' '; }
check_eq "providers of 330,000 hosts, read in place" "$(big providers)" \
    "lab,a,,65536 lab,d,,65536 lab,b,,32768 lab,c,,256 "
check_eq "as the union loaded counts them" "$(big providers)" "$(big providers --label '*')"
check_eq "and with --port (220,000 hosts)" "$(big providers --port 80)" "$(big providers --port 80 --label '*')"

done_testing
