#!/usr/bin/env bash
# tests/readme-start.sh: the README's first command, as a root shell and a user's shell run
# it, with apt-get, sudo, id, make and the build scripts replaced by stubs that record their
# arguments: it installs the packages .ci/packages lists for the README, then builds and runs
# the sample report. Nothing is installed or built.
. "$top_srcdir/tests/lib.sh"

readme="$top_srcdir/README.md"
# The first ```sh block of the README, which must be one line.
awk '/^```sh$/ { on = 1; next } on && /^```$/ { exit } on' "$readme" > "$TMP/first.sh"
check_eq "the README's first command is one line" "$(wc -l < "$TMP/first.sh")" 1
first=$(cat "$TMP/first.sh")

# The packages the command installs, and those .ci/packages lists down to its "CI only" line.
readme_packages=$(sed -n "s/.*apt-get install -y \([^'&]*\).*/\1/p" "$TMP/first.sh" | tr ' ' '\n' |
    grep . | sort)
ci_packages=$(awk '/^# CI only/ { exit } !/^#/ && NF' "$top_srcdir/.ci/packages" | sort)
check "the README's first command installs packages" test -n "$readme_packages"
check_eq "the README installs what .ci/packages lists for it" \
    "$(echo $readme_packages)" "$(echo $ci_packages)"

# The stubs. Each writes its name and arguments, one call a line, to $TMP/calls.
mkdir -p "$TMP/bin" "$TMP/clone"
stub() {
    printf '#!/bin/sh\n%s\n' "$2" > "$1"
    chmod +x "$1"
}
record='printf "%s\n" "$(basename "$0") $*" >> "$CALLS"'
# sudo runs its command as the stub would as root; "sudo: command not found" when absent.
stub "$TMP/bin/sudo" "$record"'
[ -n "$NO_SUDO" ] && { echo "sudo: command not found" >&2; exit 127; }
exec "$@"'
stub "$TMP/bin/apt-get" "$record"
stub "$TMP/bin/id" "$record"'
[ "$1" = -u ] && echo "$AS_UID"'
stub "$TMP/bin/make" "$record"
stub "$TMP/clone/autogen.sh" "$record"
stub "$TMP/clone/configure" "$record"
export CALLS="$TMP/calls"

# run_first UID NO_SUDO: runs the command with $shell in $TMP/clone as that user, with or
# without sudo.
run_first() {
    rm -f "$CALLS"
    (cd "$TMP/clone" && AS_UID=$1 NO_SUDO=$2 PATH="$TMP/bin:$PATH" "$shell" -c "$first") \
        > "$TMP/first.out" 2>&1
}
# calls: the calls recorded, but id's and sudo's, with the packages of an install sorted.
calls() {
    grep -v '^id \|^sudo ' "$CALLS" | while read -r line; do
        case $line in
        "apt-get install -y "*) echo "apt-get install -y" $(printf '%s\n' ${line#apt-get install -y } | sort) ;;
        *) echo "$line" ;;
        esac
    done
}
# What the command should do: install the packages .ci/packages lists for it, then build.
want_calls() {
    echo "apt-get update"
    echo "apt-get install -y" $ci_packages
    printf '%s\n' autogen.sh configure make "make sample-report"
}

for shell in sh bash; do
    # A root shell of a fresh Debian container: no sudo (the stub fails when called).
    run_first 0 1
    check_eq "$shell: as root without sudo the command succeeds" "$?" 0
    check_eq "$shell: as root it installs, builds and runs the sample report" \
        "$(calls)" "$(want_calls)"
    # A user's shell: apt-get through sudo.
    run_first 1000 ""
    check_eq "$shell: as a user the command succeeds" "$?" 0
    check_eq "$shell: as a user apt-get runs through sudo" "$(grep -c '^sudo sh -c' "$CALLS")" 1
    check_eq "$shell: as a user it installs, builds and runs the sample report" \
        "$(calls)" "$(want_calls)"
    # A user's shell without sudo stops at the install.
    run_first 1000 1
    check "$shell: as a user without sudo the command stops before building" \
        test "$?" -ne 0 -a "$(grep -c '^make\|^configure\|^autogen' "$CALLS")" = 0
done

# `make sample-report` runs the commands the README shows for it.
awk '/^`make sample-report` runs exactly these commands/ { want = 1 }
    want && /^```sh$/ { on = 1; next } on && /^```$/ { exit } on' "$readme" |
    sed -e ':a' -e '/\\$/N; s/\\\n *//; ta' > "$TMP/readme-sample"
sed -n '/^sample-report:/,/^[^\t]/p' "$top_srcdir/Makefile.am" |
    sed -e ':a' -e '/\\$/N; s/\\\n\t *//; ta' | sed -n 's/^\t\(\.\/tally \)/\1/p' |
    sed -e 's/\$(SAMPLE_DB)/sample.db/g' -e 's/\$(top_srcdir)\///g' > "$TMP/make-sample"
check "the README shows the sample report's commands" test -s "$TMP/readme-sample"
check_eq "make sample-report runs the commands the README shows" \
    "$(tr -s ' ' < "$TMP/make-sample")" "$(tr -s ' ' < "$TMP/readme-sample")"
done_testing
