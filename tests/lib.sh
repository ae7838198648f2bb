# tests/lib.sh: shared by the command-line tests. Sourced; gives each script a scratch
# folder, TAP output (ok/not ok), and helpers to run tally and compare with goldens.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}" "${TALLY:=$top_builddir/tally}"
: "${PYTHON3:=/usr/bin/python3}" "${SQLITE3:=sqlite3}"
SAMPLES="$top_srcdir/samples"
FIXTURES="$top_srcdir/tests/fixtures"
GOLDEN="$top_srcdir/tests/golden"
# The real files written by other programs, beside the repository (may be absent).
CORPORA="${TALLY_CORPORA:-$top_srcdir/../shared/corpora}"
[ -d "$CORPORA" ] || CORPORA="$(cd "$top_srcdir" && pwd)/../../shared/corpora"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tally-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export TALLY_DB="$TMP/tally.db"
# Under `make check-valgrind` every tally run goes through memcheck.
if [ -n "${TALLY_VALGRIND:-}" ]; then
    printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$TALLY_VALGRIND" "$TALLY" > "$TMP/tally-valgrind"
    chmod +x "$TMP/tally-valgrind"
    TALLY="$TMP/tally-valgrind"
fi
export TMP TALLY SAMPLES FIXTURES GOLDEN CORPORA PYTHON3 SQLITE3
export TZ=UTC LC_ALL=C
tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds. Its output (stdout and
# stderr) is kept in $TMP/last.out for the checks that follow.
check() {
    local what=$1; shift
    if "$@" >"$TMP/run.out" 2>&1; then ok "$what"; else not_ok "$what"; sed 's/^/#   /' "$TMP/run.out" | head -20; fi
    mv "$TMP/run.out" "$TMP/last.out"
}
# check_eq DESCRIPTION GOT WANT
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3"; fi; }
# check_exit DESCRIPTION CODE COMMAND...: the command exits with CODE.
check_exit() {
    local what=$1 want=$2; shift 2
    "$@" >"$TMP/exit.out" 2>"$TMP/exit.err"; local got=$?
    if [ "$got" = "$want" ]; then ok "$what"; else not_ok "$what (exit $got, want $want)"; sed 's/^/#   /' "$TMP/exit.err" | head -5; fi
}
# check_golden DESCRIPTION GOLDEN_FILE COMMAND...: stdout equals the golden file.
check_golden() {
    local what=$1 golden=$2; shift 2
    "$@" >"$TMP/golden.out" 2>"$TMP/golden.err"
    if [ -n "${TALLY_UPDATE_GOLDENS:-}" ]; then cp "$TMP/golden.out" "$golden"; fi
    if diff -u "$golden" "$TMP/golden.out" >"$TMP/golden.diff" 2>&1; then ok "$what"
    else not_ok "$what"; head -30 "$TMP/golden.diff" | sed 's/^/#   /'; sed 's/^/#   /' "$TMP/golden.err" | head -5; fi
}
# A database checksum that ignores nothing: the sqlite3 shell's dump.
db_dump() { "$SQLITE3" "$1" .dump 2>/dev/null | md5sum; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
