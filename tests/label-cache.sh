#!/bin/sh
# label-cache.sh: the AS and country labels of the location database, kept in the cache
# directory once an analysis has read every network of the database: written there, read
# back with the same answers, and passed over (and written again) when damaged or made
# from another file.
. "$top_srcdir/tests/lib.sh"

LOC=/usr/share/libloc-location/location.db
if [ ! -r "$LOC" ]; then
    echo "1..0 # SKIP needs the location database (apt-get install libloc-database)"
    exit 0
fi
# A copy, so that its time can change.
cp "$LOC" "$TMP/location.db"
export TALLY_LOCATION_DB="$TMP/location.db"
CACHE="$XDG_CACHE_HOME/tally"

# More hosts than are looked up one by one: every network of the database is read.
awk 'BEGIN { print "#masscan"
    for (i = 0; i < 210000; i++)
        printf "open tcp 443 %d.%d.%d.%d 1\n", 1 + i % 223, int(i / 223) % 256, (i * 7) % 256, 1 + i % 250
    print "# end" }' >"$TMP/many.oL"
"$TALLY" import "$TMP/many.oL" 2>/dev/null

show() { "$TALLY" show "$@" --format csv; }
# patch FILE OLD NEW: replaces the first OLD in FILE by NEW (bytes of the same length).
patch_bytes() {
    "$PYTHON3" -c 'import sys
p, old, new = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
data = open(p, "rb").read()
assert old in data and len(old) == len(new)
open(p, "wb").write(data.replace(old, new, 1))' "$@"
}

check "no cache at first" test ! -e "$CACHE/location-asn.cache"
show asns >"$TMP/asns.csv"
check "asns from every network" test "$(wc -l <"$TMP/asns.csv")" -gt 100
check "writes the AS cache" test -s "$CACHE/location-asn.cache"
check "and not the country one, which it did not read" test ! -e "$CACHE/location-country.cache"
check_eq "the same answers from the cache" "$(show asns)" "$(cat "$TMP/asns.csv")"

# The cache is what answers: a name changed in it shows.
name=$(sed -n 2p "$TMP/asns.csv" | cut -d, -f2)
renamed=$(echo "$name" | sed 's/^./#/')
patch_bytes "$CACHE/location-asn.cache" "$name" "$renamed"
check_eq "a name changed in the cache shows (it is read)" \
    "$(show asns | sed -n 2p | cut -d, -f2)" "$renamed"

# Made from another file (the database's time changed): read again and written again.
touch -d '2001-01-01' "$TMP/location.db"
check_eq "a database changed since: its own answers" "$(show asns)" "$(cat "$TMP/asns.csv")"
check_eq "and the cache written again from it" "$(show asns)" "$(cat "$TMP/asns.csv")"

# Damaged caches are passed over, and replaced.
good="$TMP/good.cache"
cp "$CACHE/location-asn.cache" "$good"
size=$(wc -c <"$good")
damage() {
    local what=$1
    shift
    cp "$good" "$CACHE/location-asn.cache"
    "$@"
    check_eq "$what: passed over" "$(show asns)" "$(cat "$TMP/asns.csv")"
    check "$what: written again" cmp -s "$CACHE/location-asn.cache" "$good"
}
damage "a cache cut short" truncate -s $((size - 1)) "$CACHE/location-asn.cache"
damage "another file in its place" cp "$TMP/many.oL" "$CACHE/location-asn.cache"
# The counts follow the magic line (24 bytes) and the database's identity (40 bytes).
damage "a count of IPv4 ranges of 2^60" "$PYTHON3" -c 'import sys, struct
p = sys.argv[1]; d = bytearray(open(p, "rb").read())
d[64:72] = struct.pack("=Q", 1 << 60); open(p, "wb").write(d)' "$CACHE/location-asn.cache"
damage "a label id past the labels" "$PYTHON3" -c 'import sys, struct
p = sys.argv[1]; d = bytearray(open(p, "rb").read())
d[96 + 8:96 + 12] = struct.pack("=i", 1 << 30); open(p, "wb").write(d)' "$CACHE/location-asn.cache"
damage "ranges out of order" "$PYTHON3" -c 'import sys
p = sys.argv[1]; d = bytearray(open(p, "rb").read())
d[96:108], d[108:120] = d[108:120], d[96:108]; open(p, "wb").write(d)' "$CACHE/location-asn.cache"
damage "one label more than its texts" "$PYTHON3" -c 'import sys, struct
p = sys.argv[1]; d = bytearray(open(p, "rb").read())
n = struct.unpack("=Q", d[80:88])[0]
d[80:88] = struct.pack("=Q", n + 1); open(p, "wb").write(d)' "$CACHE/location-asn.cache"
damage "a text not ended" "$PYTHON3" -c 'import sys
p = sys.argv[1]; d = bytearray(open(p, "rb").read())
d[-1] = 0x41; open(p, "wb").write(d)' "$CACHE/location-asn.cache"

show countries >"$TMP/countries.csv"
check "countries writes its own cache" test -s "$CACHE/location-country.cache"
check_eq "and answers the same from it" "$(show countries)" "$(cat "$TMP/countries.csv")"
check_eq "--label with a country, from the cache" \
    "$(show ports --label "$(sed -n 2p "$TMP/countries.csv" | cut -d, -f1)" | tail -n +2 |
       cut -d, -f3)" "$(sed -n 2p "$TMP/countries.csv" | cut -d, -f2)"

# Without $XDG_CACHE_HOME, ~/.cache; with no home either, no cache at all.
mkdir "$TMP/home"
check_eq "in ~/.cache without \$XDG_CACHE_HOME" \
    "$(env -u XDG_CACHE_HOME HOME="$TMP/home" "$TALLY" show asns --format csv)" \
    "$(cat "$TMP/asns.csv")"
check "(there)" test -s "$TMP/home/.cache/tally/location-asn.cache"
check_eq "no home: the same answers" \
    "$(env -u XDG_CACHE_HOME -u HOME "$TALLY" show asns --format csv)" "$(cat "$TMP/asns.csv")"

done_testing
