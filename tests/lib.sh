# tests/lib.sh: shared by the command-line tests. Sourced; gives each script a scratch
# folder, TAP output (ok/not ok), helpers to run tally, query its database and compare with
# goldens, and `needs` / `require` to declare what a check or a whole test needs.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}" "${TALLY:=$top_builddir/tally}"
: "${PYTHON3:=/usr/bin/python3}" "${SQLITE3:=sqlite3}"
SAMPLES="$top_srcdir/samples"
FIXTURES="$top_srcdir/tests/fixtures"
GOLDEN="$top_srcdir/tests/golden"
# The real files written by other programs (`configure --with-corpora=DIR`; by default
# ../shared/corpora beside the source tree when it is there). Empty when there are none.
CORPORA="${TALLY_CORPORA:-}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tally-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export TALLY_DB="$TMP/tally.db"
# What tally keeps in the user's cache directory stays in the test's.
export XDG_CACHE_HOME="$TMP/cache"
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
# q [DB] SQL: runs SQL with the sqlite3 shell on DB ($TALLY_DB when not given).
q() { if [ $# -ge 2 ]; then "$SQLITE3" "$1" "$2"; else "$SQLITE3" "$TALLY_DB" "$1"; fi; }
# svg_text FILE: the text an SVG shows, one element per line.
svg_text() { "$PYTHON3" "$top_srcdir/tests/svg-text.py" "$1"; }

# masscan_list FILE SECONDS LINE...: a masscan -oL file, each LINE "status proto port
# addr[ service banner]", all seen at SECONDS.
masscan_list() {
    local file=$1 seen=$2 line
    shift 2
    echo "#masscan" > "$file"
    for line in "$@"; do
        set -- $line
        if [ $# -gt 4 ]; then
            local head="$1 $2 $3 $4 $seen $5"
            shift 5
            echo "$head $*" >> "$file"
        else
            echo "$1 $2 $3 $4 $seen" >> "$file"
        fi
    done
    echo "# end" >> "$file"
}
# http_banner SERVER [POWERED]: an HTTP response head as masscan escapes it in a banner.
http_banner() { printf 'HTTP/1.1 200 OK\\x0d\\x0aServer: %s\\x0d\\x0a%s\\x0d\\x0a' "$1" "${2:+X-Powered-By: $2\\x0d\\x0a}"; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }

# ---- prerequisites ----
# A PREREQ is one of:
#   PROGRAM           a program in PATH (or /usr/sbin, /sbin); sqlite3 and python3 are
#                     $SQLITE3 and $PYTHON3
#   VAR=P1|P2...      the first of these programs found; its path is put in $VAR
#   python3:MODULE    a module $PYTHON3 can import
#   corpora[/PATH]    the corpora, or a file or folder in them
# program_path NAME...: the path of the first program found, or nothing (status 1).
program_path() {
    local name
    for name in "$@"; do
        PATH="$PATH:/usr/sbin:/sbin" command -v "$name" 2>/dev/null && return 0
    done
    return 1
}
# The Debian package that provides a prerequisite, for the skip message.
needs_package() {
    case $1 in
    python3:sqlite3 | python3) echo python3 ;;
    python3:*) echo "python3-$(echo "${1#python3:}" | tr 'A-Z_' 'a-z-')" ;;
    soffice | libreoffice) echo libreoffice-calc-nogui ;;
    chromium-browser | google-chrome) echo chromium ;;
    xz) echo xz-utils ;;
    *) echo "$1" ;;
    esac
}
# needs_check PREREQ: whether it is here (setting $VAR for VAR=...); when not, appends what
# is missing to $needs_missing and the package that provides it to $needs_install.
needs_check() {
    local want=$1 var="" found=""
    case $want in
    corpora | corpora/*)
        [ -n "$CORPORA" ] && [ -e "$CORPORA${want#corpora}" ] && return 0
        needs_missing="$needs_missing, $want"
        case $needs_how in *corpora*) ;; *)
            if [ -n "$CORPORA" ]; then needs_how="${needs_how:+$needs_how; }not in $CORPORA"
            else needs_how="${needs_how:+$needs_how; }configure --with-corpora=DIR"; fi ;;
        esac
        return 1 ;;
    python3:*)
        "$PYTHON3" -c "import ${want#python3:}" >/dev/null 2>&1 && return 0 ;;
    sqlite3) command -v "$SQLITE3" >/dev/null 2>&1 && return 0 ;;
    python3) command -v "$PYTHON3" >/dev/null 2>&1 && return 0 ;;
    *=*)
        var=${want%%=*} want=${want#*=}
        found=$(IFS='|'; program_path $want) && { eval "$var=\$found"; return 0; } ;;
    *)  program_path "$want" >/dev/null && return 0 ;;
    esac
    needs_missing="$needs_missing, $(echo "$want" | sed 's/|/ or /g')"
    needs_install="$needs_install $(needs_package "${want%%|*}")"
    return 1
}
# needs_lookup PREREQ...: whether all are here; when not, $needs_why says what is missing
# and how to get it. Prints nothing.
needs_lookup() {
    local want status=0
    needs_missing="" needs_install="" needs_how=""
    for want in "$@"; do needs_check "$want" || status=1; done
    [ "$status" = 0 ] && return 0
    needs_why="needs ${needs_missing#, }"
    [ -n "$needs_install" ] && needs_how="${needs_how:+$needs_how; }apt-get install$needs_install"
    [ -n "$needs_how" ] && needs_why="$needs_why ($needs_how)"
    return 1
}
# needs PREREQ...: whether the checks that follow have what they need. When something is
# missing, one skipped check says what (TAP "# SKIP") and the status is 1:
#   if needs tcpdump; then check ...; fi
needs() { needs_lookup "$@" && return 0; skip "$needs_why"; return 1; }
# require PREREQ...: the rest of the test needs these. When one is missing, a test that
# has checked nothing yet is skipped as a whole ("1..0 # SKIP"); otherwise the rest is
# one skipped check. Either way the script ends there.
require() {
    needs_lookup "$@" && return 0
    if [ "$tap_n" -eq 0 ]; then echo "1..0 # SKIP $needs_why"; exit 0; fi
    skip "$needs_why"
    done_testing
    exit $?
}
