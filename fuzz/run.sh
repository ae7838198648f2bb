#!/bin/sh
# run.sh: builds tally's parsers with clang's libFuzzer, ASan and UBSan, and runs one
# harness per importer and per shared decoder (masscan unescaping, DNS messages, HTTP
# response headers, -oB record framing, certificates, TLS records) for SECONDS each, seeded
# from samples/, tests/fixtures/ and the corpora configure found ($TALLY_CORPORA). Crashes are kept in
# BUILD/fuzz-build/crashes/ and fail the run; copy each into tests/fuzz-regressions/FORMAT/
# (a decoder's crash inside a file of a format that reaches it: a DNS message in a pcap, a
# header block in a list banner, a record in a -oB file).
# Usage: run.sh SRCDIR BUILDDIR TALLY SECONDS
# FUZZ_FORMATS and FUZZ_DECODERS (space-separated names) run only some harnesses.
set -eu
src=$1 build=$2 tally=$3 seconds=$4
out="$build/fuzz-build"
cc=${FUZZ_CC:-clang}
flags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
 -I$src -I$build -include config.h $(pkg-config --cflags sqlite3 libarchive jansson expat libical libpcap glib-2.0 nettle libmaxminddb libcurl)"
libs="$(pkg-config --libs sqlite3 libarchive jansson expat libical libpcap glib-2.0 nettle libmaxminddb libcurl) -lroaring -lmbedx509 -lmbedcrypto -lm"
mkdir -p "$out/obj" "$out/crashes"
# The libraries' own leaks the test suite holds back are held back here too.
LSAN_OPTIONS="suppressions=$src/tests/lsan.supp:print_suppressions=0"
export LSAN_OPTIONS

objects=""
for f in "$src"/util/*.c "$src"/store/*.c "$src"/importers/*.c "$src"/fuzz/fuzz_store.c; do
    o="$out/obj/$(basename "$(dirname "$f")")-$(basename "$f" .c).o"
    $cc $flags -c "$f" -o "$o"
    objects="$objects $o"
done
link() { $cc $flags -fsanitize=fuzzer "$1" $objects $libs -o "$2"; }

seeds="$out/seeds"
rm -rf "$seeds" && mkdir -p "$seeds"
for dir in "$src/samples" "$src/tests/fixtures" "$src/tests/fuzz-regressions" "${TALLY_CORPORA:-}"; do
    [ -n "$dir" ] && [ -d "$dir" ] && find "$dir" -type f -size -256k -exec cp {} "$seeds/" \; 2>/dev/null || true
done

formats=${FUZZ_FORMATS:-$("$tally" import --help | awk '/^Formats/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }')}
status=0
printf '%-28s %12s %8s\n' harness executions crashes
run() {
    name=$1
    corpus="$out/corpus-$name"
    mkdir -p "$corpus"
    if "$out/$name" "$corpus" "$seeds" -max_total_time="$seconds" -max_len=65536 \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$out/crashes/$name-" >"$out/$name.log" 2>&1; then crashes=0
    else crashes=1; status=1; tail -40 "$out/$name.log"; fi
    execs=$(awk '/stat::number_of_executed_units/ { print $NF }' "$out/$name.log")
    printf '%-28s %12s %8s\n' "$name" "${execs:-?}" "$crashes"
}
# The decoder harnesses: fuzz-NAME is built from fuzz/fuzz_NAME.c ('-' as '_').
decoders=${FUZZ_DECODERS:-unescape dns http masscan-record cert tls}
for decoder in $decoders; do
    link "$src/fuzz/fuzz_$(echo "$decoder" | tr - _).c" "$out/fuzz-$decoder"
    run "fuzz-$decoder"
done
for format in $formats; do
    link "$src/fuzz/fuzz_import.c" "$out/fuzz-import-$format"
    run "fuzz-import-$format"
done
exit $status
