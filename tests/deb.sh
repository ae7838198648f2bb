#!/usr/bin/env bash
# tests/deb.sh: `make deb` builds the Debian package, lintian finds no errors in it, apt-get
# installs it, the README's sample report runs on the installed samples, and apt-get removes
# it again. Needs root and debhelper; the package is built in a scratch folder.
. "$top_srcdir/tests/lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root: apt-get installs the package"; exit 0; }
# debian/rules sets this: the package's own tests do not build the package again.
[ -z "${TALLY_PACKAGE_BUILD:-}" ] || { echo "1..0 # SKIP inside the package's own build"; exit 0; }
# The package is built without sanitizers; building it again in that run adds nothing.
if ldd "$TALLY" 2>/dev/null | grep -q libasan; then
    echo "1..0 # SKIP tally is built with sanitizers: the package is tested with the plain build"
    exit 0
fi
for tool in dpkg-buildpackage:dpkg-dev dh:debhelper apt-get:apt; do
    command -v "${tool%%:*}" >/dev/null ||
        { echo "1..0 # SKIP needs ${tool%%:*} (apt-get install ${tool#*:})"; exit 0; }
done
if dpkg-query -W -f '${Status}' tally 2>/dev/null | grep -q ' installed$' || [ -e /usr/bin/tally ]; then
    echo "1..0 # SKIP a tally is installed in /usr/bin already; the test would replace it"
    exit 0
fi

removed=""
remove_package() {
    [ -n "$removed" ] && return 0
    removed=1
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -q -o DPkg::Lock::Timeout=120 tally
}
trap 'remove_package >/dev/null 2>&1; rm -rf "$TMP"' EXIT

# Built from the distributed files in $TMP; the package's own tests were just run by make check.
chmod 755 "$TMP"
mkdir -p "$TMP/out"
check "make deb builds the package" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    DEB_BUILD_OPTIONS="nocheck parallel=2" \
    "${MAKE:-make}" -C "$top_builddir" deb DEB_WORKDIR="$TMP/deb" DEB_OUTDIR="$TMP/out"
deb=$(ls "$TMP"/out/tally_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { not_ok "a tally_*.deb was made"; done_testing; exit 1; }
ok "a tally_*.deb was made"
check_eq "the source tree holds no build folder" "$(ls -d "$top_builddir/deb-build" 2>/dev/null)" ""

for path in /usr/bin/tally /usr/share/man/man1/tally.1.gz \
    /usr/share/bash-completion/completions/tally /usr/share/zsh/vendor-completions/_tally \
    /usr/share/doc/tally/README.md.gz /usr/share/doc/tally/copyright \
    /usr/share/doc/tally/samples/cloud-scan.oL /usr/share/doc/tally/samples/linkedin-export.zip; do
    check_eq "the package holds $path" "$(dpkg-deb -c "$deb" | awk '{ print $6 }' | grep -cx ".$path")" 1
done
check "it depends on the libraries tally links" sh -c "dpkg-deb -f '$deb' Depends | grep -q libsqlite3-0"

if needs lintian; then
    check "lintian finds no errors" lintian --fail-on error "$TMP"/out/tally_*.changes
fi

(cd "$TMP/out" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o DPkg::Lock::Timeout=120 ./"$(basename "$deb")") > "$TMP/install.out" 2>&1
status=$?
check_eq "apt-get installs it" "$status" 0
[ "$status" = 0 ] || sed 's/^/#   /' "$TMP/install.out" | tail -10
check "/usr/bin/tally runs" /usr/bin/tally --version
check "the manual is installed" test -s /usr/share/man/man1/tally.1.gz

# The README's sample report from the package: its ```sh block on /usr/share/doc/tally/samples.
awk '/^```sh$/ { on = 1; block = ""; next }
    on && /^```$/ { on = 0; if (block ~ /\/usr\/share\/doc\/tally\/samples/) { printf "%s", block; exit } }
    on { block = block $0 "\n" }' "$top_srcdir/README.md" > "$TMP/sample.sh"
check "the README shows the sample report from the package" grep -q '^tally .* report ' "$TMP/sample.sh"
mkdir -p "$TMP/run"
check "the README's sample report runs on the installed samples" \
    sh -c "cd '$TMP/run' && PATH=/usr/bin:/bin && set -e && . '$TMP/sample.sh'"
check "... writing index.html" test -s "$TMP/run/report/index.html"
check "... and the workbook" test -s "$TMP/run/report/report.xlsx"
check_eq "... from the four sample files" \
    "$(q "$TMP/run/sample.db" "SELECT COUNT(*) FROM source WHERE path LIKE '/usr/share/doc/tally/samples/%'")" 4

# The installed bash completion.
check_eq "the installed bash completion completes a command" \
    "$(bash -c '. /usr/share/bash-completion/completions/tally
        COMP_WORDS=(tally sh); COMP_CWORD=1; _tally; echo "${COMPREPLY[*]}"')" "show"

remove_package > "$TMP/remove.out" 2>&1
status=$?
check_eq "apt-get removes it" "$status" 0
[ "$status" = 0 ] || sed 's/^/#   /' "$TMP/remove.out" | tail -10
check "... and /usr/bin/tally is gone" test ! -e /usr/bin/tally
check "... and the samples" test ! -e /usr/share/doc/tally/samples
done_testing
