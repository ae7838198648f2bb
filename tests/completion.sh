#!/usr/bin/env bash
# tests/completion.sh: the bash completion (completions/bash/tally) driven as bash drives it
# (COMP_WORDS, COMP_CWORD, then COMPREPLY) on the built tally and a small database; the zsh
# completion with zsh's compadd and _files standing in, when zsh is installed.
. "$top_srcdir/tests/lib.sh"

check "import a scan to complete from" "$TALLY" import --tag cloud "$SAMPLES/cloud-scan.oL"
db=$TALLY_DB
src=$(cd "$top_srcdir" && pwd)

# complete WORD...: what the bash completion offers for the last word, sorted, one a line.
# The first word is the tally being completed.
complete_bash() {
    bash -c '. "$1/completions/bash/tally"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tally
        printf "%s\n" "${COMPREPLY[@]}"' complete "$src" "$@" | grep . | sort
}
lines() { printf '%s\n' "$@" | sort; }

check_eq "a command" "$(complete_bash "$TALLY" sh)" "show"
check_eq "every command" "$(complete_bash "$TALLY" "" | tr '\n' ' ')" \
    "$(lines analyses chart forget import push report show sources workbook | tr '\n' ' ')"
check_eq "an option" "$(complete_bash "$TALLY" show ports --fo)" "--format"
check_eq "the options before a command" "$(complete_bash "$TALLY" --q)" "--quiet"
check_eq "--progress's values" "$(complete_bash "$TALLY" --progress a | tr '\n' ' ')" "always auto "
check_eq "a command after --progress never" "$(complete_bash "$TALLY" --progress never sh)" "show"
check_eq "the options of import" "$(complete_bash "$TALLY" import --t | tr '\n' ' ')" "--tag --tz "
check_eq "an option's values" "$(complete_bash "$TALLY" show ports --format "" | tr '\n' ' ')" \
    "$(lines csv json table tsv | tr '\n' ' ')"
check_eq "an analysis name" "$(complete_bash "$TALLY" show top-)" "top-subnets"
check_eq "an analysis after --port=80" "$(complete_bash "$TALLY" show --port = 80 top-)" "top-subnets"
check_eq "no second analysis for show" "$(complete_bash "$TALLY" show ports "")" ""
check_eq "several analyses for workbook" "$(complete_bash "$TALLY" workbook -o x.xlsx ports app)" \
    "$(lines app-stack applications apps)"
check_eq "every analysis" "$(complete_bash "$TALLY" chart "" | tr '\n' ' ')" \
    "$("$TALLY" analyses --format csv | sed 1d | cut -d, -f1 | sort | tr '\n' ' ')"
check_eq "an input format" "$(complete_bash "$TALLY" import -f nd)" "ndjson"
check_eq "the chart kinds" "$(complete_bash "$TALLY" chart ports --kind "" | tr '\n' ' ')" \
    "$(lines address-map bar diverging-bar grouped-bar hbar heatmap histogram line sankey \
        stacked-bar treemap | tr '\n' ' ')"
check_eq "a chart kind" "$(complete_bash "$TALLY" chart ports --kind tr)" "treemap"
check_eq "every masscan release --masscan-version names" \
    "$(complete_bash "$TALLY" import --masscan-version "" | tr '\n' ' ')" \
    "1.0.3 1.0.4 1.0.5 1.3.0 1.3.2 1.3.9 "
check_eq "a masscan release" "$(complete_bash "$TALLY" import --masscan-version 1.3.)" \
    "$(lines 1.3.0 1.3.2 1.3.9)"

# Values from the database: $TALLY_DB, or the one -d names.
ports=$(q "SELECT DISTINCT port FROM observation WHERE status = 'open'" | sort)
check "the database has ports" test -n "$ports"
check_eq "the ports of the database" "$(complete_bash "$TALLY" show ports --port "")" "$ports"
check_eq "a port" "$(complete_bash "$TALLY" show subnets --port 95)" "9543"
check_eq "a port after others" "$(complete_bash "$TALLY" show subnets --port 80,95)" "80,9543"
check_eq "a port after =" "$(complete_bash "$TALLY" show subnets --port = 95)" "9543"
check_eq "a port of the database -d names" \
    "$(TALLY_DB=$TMP/none.db complete_bash "$TALLY" -d "$db" show subnets --port 95)" "9543"
check_eq "sources to forget, by id and tag" "$(complete_bash "$TALLY" forget "" | tr '\n' ' ')" \
    "1 cloud "
check_eq "sources to push, after the URL" \
    "$(complete_bash "$TALLY" push clickhouse://h:8123/d "" | tr '\n' ' ')" "1 cloud "
check_eq "no source in place of the URL" "$(complete_bash "$TALLY" push "")" ""
check_eq "a source to filter by" "$(complete_bash "$TALLY" show ports --source cl)" "cloud"
check_eq "a source to compare from" "$(complete_bash "$TALLY" show changes --from cl)" "cloud"
check_eq "no ports without a database" \
    "$(complete_bash "$TALLY" -d "$TMP/none.db" show ports --port "")" ""
check "... and none is created" test ! -e "$TMP/none.db"
check_eq "a file after -o" "$(cd "$TMP" && complete_bash "$TALLY" workbook -o tally.d)" "tally.db"

# zsh: its completion function with compadd and _files printing what they are given.
if needs zsh; then
    complete_zsh() {
        zsh -f -c 'compadd() { [[ $1 == -a ]] && print -rl -- "${(@P)2}" || { shift; print -rl -- "$@"; } }
            compset() { return 1 }
            _files() { print -r -- FILES "$@" }
            src=$1; shift
            words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
            . "$src/completions/zsh/_tally"' complete "$src" "$@" | grep . | sort
    }
    check_eq "zsh: every command" "$(complete_zsh "$TALLY" "" | tr '\n' ' ')" \
        "$(lines analyses chart forget import push report show sources workbook | tr '\n' ' ')"
    check_eq "zsh: the options of show include --port" \
        "$(complete_zsh "$TALLY" show ports - | grep -c -- '^--port$')" 1
    check_eq "zsh: the analyses" "$(complete_zsh "$TALLY" show "" | tr '\n' ' ')" \
        "$("$TALLY" analyses --format csv | sed 1d | cut -d, -f1 | sort | tr '\n' ' ')"
    check_eq "zsh: the ports of the database" "$(complete_zsh "$TALLY" show ports --port "")" "$ports"
    check_eq "zsh: sources to forget" "$(complete_zsh "$TALLY" forget "" | tr '\n' ' ')" "1 cloud "
    check_eq "zsh: sources to push" \
        "$(complete_zsh "$TALLY" push clickhouse://h:8123/d "" | tr '\n' ' ')" "1 cloud "
    check_eq "zsh: a file to import" "$(complete_zsh "$TALLY" import "")" "FILES"
    check_eq "zsh: the chart kinds" "$(complete_zsh "$TALLY" chart ports --kind "" | grep -c .)" 11
    check_eq "zsh: the masscan releases" \
        "$(complete_zsh "$TALLY" import --masscan-version "" | tr '\n' ' ')" \
        "1.0.3 1.0.4 1.0.5 1.3.0 1.3.2 1.3.9 "
    check_eq "zsh: a source to compare to" "$(complete_zsh "$TALLY" show changes --to "")" \
        "$(lines 1 cloud)"
fi
done_testing
