#!/bin/sh
# web-summary.sh: apps, stacks, app-stack and services read the summaries an import writes
# beside its headers and banners (web_winner, web_count, web_host_set). Here their answers
# are checked against the same analyses computed the slow way, by ranking every
# http_header and banner row with window functions in the sqlite3 shell, with every
# filter: for every scan and capture file of the samples, the fixtures and the corpora
# (together, where several imports see the same services, and each on its own), and for
# imports made here that overlap and disagree (other products, other times, only
# X-AspNet-Version, IPv6). Also: forget removes an import's summaries, a failed import
# leaves none, two imports at once keep them whole, a migrated database answers the same.
. "$top_srcdir/tests/lib.sh"
require sqlite3

# ---- the slow reference: SQL over http_header and banner ----

# parse_options OPTIONS...: tally's filter options as $where (SQL on the rows' columns)
# and $top (0 when not given).
parse_options() {
    where="" top=0
    while [ $# -gt 0 ]; do
        case $1 in
        --port) where="$where AND port IN ($2)" ;;
        --proto) where="$where AND proto = '$2'" ;;
        --source) where="$where AND source_id IN (SELECT id FROM source WHERE CAST(id AS TEXT) = '$2' OR tag = '$2')" ;;
        --top) top=$2 ;;
        esac
        shift 2
    done
}

# The per-service winners, as CTEs.
cte_app() {
    echo "app AS (SELECT addr, proto, port, product FROM (SELECT addr, proto, port, product,
          ROW_NUMBER() OVER (PARTITION BY addr, proto, port ORDER BY seen DESC, product) AS n
          FROM http_header WHERE name IN ('server') $where) WHERE n = 1)"
}
cte_stack() {
    echo "stack AS (SELECT addr, proto, port, value AS product FROM (SELECT addr, proto, port,
          CASE name WHEN 'x-aspnet-version' THEN 'ASP.NET' ELSE product END AS value,
          ROW_NUMBER() OVER (PARTITION BY addr, proto, port
                             ORDER BY name = 'x-aspnet-version', seen DESC, product) AS n
          FROM http_header WHERE name IN ('x-powered-by', 'x-aspnet-version') $where)
          WHERE n = 1)"
}

# ref DB ANALYSIS OPTIONS...: `show ANALYSIS --format csv`, from the rows (with --top,
# the first rows only).
ref() {
    local db=$1 analysis=$2 sql limit=""; shift 2
    parse_options "$@"
    [ "$top" != 0 ] && limit="LIMIT $top"
    case $analysis in
    apps)
        echo "app,services"
        sql="WITH $(cte_app) SELECT product, COUNT(*) AS services FROM app GROUP BY product" ;;
    stacks)
        echo "stack,services"
        sql="WITH $(cte_stack) SELECT product, COUNT(*) AS services FROM stack GROUP BY product" ;;
    app-stack)
        echo "app,stack,services"
        sql="WITH $(cte_app), $(cte_stack),
             svc AS (SELECT addr, proto, port FROM app UNION SELECT addr, proto, port FROM stack)
             SELECT COALESCE(app.product, '(none)') AS app_name,
                    COALESCE(stack.product, '(none)') AS stack_name, COUNT(*) AS services
             FROM svc LEFT JOIN app USING (addr, proto, port)
             LEFT JOIN stack USING (addr, proto, port) GROUP BY app_name, stack_name" ;;
    services)
        echo "port,service,services"
        sql="WITH named AS (SELECT addr, proto, port,
                CASE WHEN service IN ('http.server', 'title', 'html') THEN 'http'
                     WHEN service IN ('X509', 'X509CA') THEN 'ssl' ELSE service END AS name,
                CASE WHEN service IN ('vuln', 'heartbleed', 'ticketbleed', 'error') THEN 2
                     WHEN service = 'unknown' THEN 1 ELSE 0 END AS rank
                FROM banner WHERE 1 $where),
             one AS (SELECT port, name, ROW_NUMBER() OVER (PARTITION BY addr, proto, port
                                                          ORDER BY rank, name) AS n FROM named)
             SELECT port, name, COUNT(*) AS services FROM one WHERE n = 1 GROUP BY port, name" ;;
    esac
    case $analysis in
    apps | stacks) "$SQLITE3" -csv "$db" "$sql ORDER BY services DESC, product $limit" ;;
    app-stack) "$SQLITE3" -csv "$db" "$sql ORDER BY services DESC, app_name, stack_name" ;;
    services) "$SQLITE3" -csv "$db" "$sql ORDER BY port, services DESC, name" ;;
    esac
}

# ref_groups DB ANALYSIS OPTIONS...: how many rows the answer has without --top.
ref_groups() {
    local db=$1 analysis=$2; shift 2
    ref "$db" "$analysis" "$@" | tail -n +2 | wc -l
}

# same DB ANALYSIS OPTIONS...: tally's answer equals the reference's; with --top, tally
# says that rows were left out exactly when there were more.
same() {
    local db=$1 analysis=$2 want got cut limit; shift 2
    want=$(ref "$db" "$analysis" "$@")
    parse_options "$@"
    got=$("$TALLY" -d "$db" show "$analysis" "$@" --format csv 2>&1)
    if [ "$got" = "$want" ]; then
        ok "${db##*/} $analysis $*: as the rows say"
    else
        not_ok "${db##*/} $analysis $*: as the rows say"
        printf '%s\n' "$got" >"$TMP/got" && printf '%s\n' "$want" >"$TMP/want"
        diff "$TMP/want" "$TMP/got" | head -10 | sed 's/^/#   /'
    fi
    if [ "$top" != 0 ]; then
        limit=$top cut=no
        "$TALLY" -d "$db" show "$analysis" "$@" | grep -q '^(more rows were left out)' && cut=yes
        groups=$(ref_groups "$db" "$analysis" $(echo " $* " | sed 's/ --top [0-9]*//'))
        check_eq "${db##*/} $analysis $*: rows left out only when there were more" "$cut" \
            "$([ "$groups" -gt "$limit" ] && echo yes || echo no)"
    fi
}

# all_same DB OPTIONS...: the four analyses (app-stack and services take no --top).
all_same() {
    local db=$1; shift
    same "$db" apps "$@"
    same "$db" stacks "$@"
    case " $* " in *" --top "*) return ;; esac
    same "$db" app-stack "$@"
    same "$db" services "$@"
}

# shares DB: whether two imports of DB have headers or banners for the same service.
shares() {
    [ "$(q "$1" "SELECT COUNT(*) FROM (SELECT 1 FROM (SELECT source_id, addr, proto, port
                                                      FROM http_header UNION
                                                      SELECT source_id, addr, proto, port
                                                      FROM banner)
                                      GROUP BY addr, proto, port
                                      HAVING COUNT(DISTINCT source_id) > 1)")" != 0 ]
}

# summaries_match DB: every import has, per (proto, port), as many winners, counted
# services and hosts as it has services with headers or banners, IPv4 and IPv6.
summaries_match() {
    local rows
    rows=$(q "$1" "SELECT source_id, proto, port, CASE WHEN ip4 IS NULL THEN 6 ELSE 4 END,
                          COUNT(DISTINCT addr)
                   FROM (SELECT source_id, proto, port, addr, ip4 FROM http_header
                         WHERE name IN ('server', 'x-powered-by', 'x-aspnet-version')
                         UNION ALL SELECT source_id, proto, port, addr, ip4 FROM banner)
                   GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4")
    check_eq "${1##*/}: a winner for every service with headers or banners" \
        "$(q "$1" "SELECT source_id, proto, port, family, services FROM web_winner
                   ORDER BY 1, 2, 3, 4")" "$rows"
    check_eq "${1##*/}: the host sets hold those services' hosts" \
        "$(q "$1" "SELECT source_id, proto, port, family, hosts FROM web_host_set
                   ORDER BY 1, 2, 3, 4")" "$rows"
    check_eq "${1##*/}: the counts count them" \
        "$(q "$1" "SELECT source_id, proto, port, SUM(services) FROM web_count
                   GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")" \
        "$(q "$1" "SELECT source_id, proto, port, SUM(services) FROM web_winner
                   GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")"
}

# ---- every scan and capture file we have ----

ALL="$TMP/all.db"
files=$(ls "$SAMPLES"/*.oL "$FIXTURES"/*.bin "$FIXTURES"/*.xml "$FIXTURES"/scantext/* \
           "$FIXTURES"/pcap/*)
if [ -n "$CORPORA" ]; then
    for dir in lab-scan scan pcap; do
        [ -d "$CORPORA/$dir" ] && files="$files
$(ls "$CORPORA/$dir"/*)"
    done
fi
imported=0
for f in $files; do
    "$TALLY" -d "$ALL" import --lenient "$f" >/dev/null 2>&1 && imported=$((imported + 1))
done
check "scan and capture files imported ($imported)" test "$imported" -gt 30
check "some have headers and banners" test "$(q "$ALL" "SELECT SUM(services) FROM web_count")" -gt 10
check "and several imports see the same services" shares "$ALL"
summaries_match "$ALL"
if needs_lookup corpora; then ok "the corpora are in the comparison"; else skip "$needs_why"; fi

for options in "" "--port 80" "--port 80,443" "--proto udp" "--proto tcp --port 80,443,8080" \
               "--top 3" "--top 1 --port 80"; do
    all_same "$ALL" $options
done
# Each file with headers or banners on its own.
for id in $(q "$ALL" "SELECT DISTINCT source_id FROM web_count ORDER BY 1"); do
    all_same "$ALL" --source "$id"
done

# ---- imports that overlap and disagree ----

# banner PROTO PORT ADDR SEEN SERVICE TEXT: a masscan list banner line.
banner() { printf 'banner %s %s %s %s %s %s\n' "$@"; }
# http PORT ADDR SEEN SERVER [X-POWERED-BY [X-ASPNET-VERSION]]: an HTTP response banner.
http() {
    local text="HTTP/1.1 200 OK\\x0d\\x0aServer: $4\\x0d\\x0a"
    [ -n "${5:-}" ] && text="${text}X-Powered-By: $5\\x0d\\x0a"
    [ -n "${6:-}" ] && text="${text}X-AspNet-Version: $6\\x0d\\x0a"
    printf 'banner tcp %s %s %s http %s\\x0d\\x0a\n' "$1" "$2" "$3" "$text"
}

MULTI="$TMP/multi.db"
{ echo "#masscan"
  http 80 198.51.100.1 1389312000 nginx/1.4 PHP/5.4
  http 80 198.51.100.2 1389312000 Apache/2.2 "" 4.0.30319
  http 80 198.51.100.3 1389312000 Microsoft-IIS/8.0 ASP.NET 4.0.30319
  http 80 198.51.100.4 1389312000 lighttpd
  http 443 198.51.100.1 1389312000 nginx/1.4
  http 80 2001:db8::1 1389312000 nginx PHP/7.0
  http 8443 2001:db8::5 1389312000 nginx PHP/7.0
  banner tcp 22 198.51.100.1 1389312000 ssh SSH-2.0-OpenSSH_6.6
  banner tcp 80 198.51.100.9 1389312000 title Hello
  banner tcp 443 198.51.100.9 1389312000 X509 MIIB
  banner udp 53 198.51.100.1 1389312000 unknown x
  echo "# end"; } >"$TMP/first.oL"
# Later, and disagreeing: other servers, other stacks, only X-AspNet-Version where there
# was X-Powered-By, the same product at the same time, vulnerability notes.
{ echo "#masscan"
  http 80 198.51.100.1 1389312100 Apache/2.4 PHP/7.1
  http 80 198.51.100.2 1389312100 Apache/2.2 Express
  http 80 198.51.100.3 1389312100 Microsoft-IIS/10.0 "" 4.0.30319
  http 80 198.51.100.4 1389311000 Caddy PHP/8.0
  http 443 198.51.100.1 1389312000 Apache
  http 80 2001:db8::1 1389312100 Apache ""
  http 80 2001:db8::2 1389312100 nginx "" 2.0
  http 8443 2001:db8::5 1389312000 Caddy PHP/5.6
  banner tcp 22 198.51.100.1 1389312100 vuln CVE-2014-0160
  banner tcp 80 198.51.100.9 1389312100 unknown x
  banner tcp 443 198.51.100.9 1389312100 heartbleed x
  banner udp 53 198.51.100.1 1389312100 dns x
  echo "# end"; } >"$TMP/second.oL"
# A third on other hosts and ports only: it shares nothing with the others.
{ echo "#masscan"
  http 80 203.0.113.1 1389312200 nginx PHP/5.4
  http 8080 198.51.100.1 1389312200 Jetty
  http 80 2001:db8::99 1389312200 nginx "" 1.1
  banner tcp 25 198.51.100.1 1389312200 smtp 220
  echo "# end"; } >"$TMP/third.oL"
check "three scans import" "$TALLY" -d "$MULTI" import --tag a "$TMP/first.oL" "$TMP/second.oL"
check "and a third" "$TALLY" -d "$MULTI" import --tag b "$TMP/third.oL"
check "the first two share services" shares "$MULTI"
summaries_match "$MULTI"
check_eq "the first scan's own answers on 80/tcp" \
    "$(q "$MULTI" "SELECT app, stack, service, services FROM web_count
                   WHERE source_id = 1 AND port = 80 ORDER BY 1, 2, 3")" \
    "||http|1
Apache|ASP.NET|http|1
Microsoft-IIS|ASP.NET|http|1
lighttpd||http|1
nginx|PHP|http|2"
for options in "" "--source a" "--source b" "--source 1" "--source 2" "--source 3" \
               "--port 80" "--port 443" "--port 8443" "--port 8080,25" "--port 22,53" "--proto udp" "--proto tcp --port 80" \
               "--top 2" "--top 1 --source 2" "--top 2 --port 80"; do
    all_same "$MULTI" $options
done

# ---- a damaged summary ----

DAMAGED="$TMP/damaged.db"
for server in nginx Apache; do
    { echo "#masscan"
      for host in 198.51.100.1 198.51.100.2 2001:db8::1; do
          echo "open tcp 80 $host 1389312000"
      done
      http 80 198.51.100.1 1389312000 "$server"
      http 80 198.51.100.2 1389312000 nginx
      http 80 2001:db8::1 1389312000 "$server"
      echo "# end"; } >"$TMP/$server.oL"
    "$TALLY" -d "$DAMAGED" import "$TMP/$server.oL" 2>/dev/null
done
check_eq "changed-services reads both families' summaries" \
    "$("$TALLY" -d "$DAMAGED" show changed-services --format csv)" \
    "host,proto,port,field,before,after
198.51.100.1,tcp,80,server,nginx,Apache
2001:db8::1,tcp,80,server,nginx,Apache"
"$SQLITE3" "$DAMAGED" "INSERT INTO web_winner SELECT * FROM web_winner
                           WHERE source_id = 2 AND family = 4;
                       DELETE FROM web_winner WHERE source_id = 2 AND family = 4 AND
                           rowid < (SELECT MAX(rowid) FROM web_winner)"
check_eq "... and the same when one scan's IPv6 row comes first in the table" \
    "$("$TALLY" -d "$DAMAGED" show changed-services --format csv)" \
    "host,proto,port,field,before,after
198.51.100.1,tcp,80,server,nginx,Apache
2001:db8::1,tcp,80,server,nginx,Apache"
check_eq "(it does)" "$(q "$DAMAGED" "SELECT source_id, family FROM web_winner")" "1|4
1|6
2|6
2|4"
all_same "$DAMAGED"
check_eq "apps ranks the two scans' winners again, both families" \
    "$("$TALLY" -d "$DAMAGED" show apps --format csv)" "app,services
Apache,2
nginx,1"
cp "$DAMAGED" "$TMP/intact.db"
# Each IPv4 service takes 33 bytes of winners (web_winner's comment): the two swapped.
"$SQLITE3" "$DAMAGED" "UPDATE web_winner SET winners = substr(winners, 34, 33) ||
                       substr(winners, 1, 33) WHERE source_id = 1 AND family = 4"
check_exit "winners out of address order: apps, ranking them again, fails" 3 \
    "$TALLY" -d "$DAMAGED" show apps
check "saying the summary is damaged" \
    grep -q "a web summary (web_winner) is damaged" "$TMP/exit.err"
cp "$TMP/intact.db" "$DAMAGED"
"$SQLITE3" "$DAMAGED" "UPDATE web_winner SET winners = substr(winners, 1, length(winners) - 1)
                       WHERE source_id = 1 AND family = 4"
check_exit "a winners blob cut short: changed-services fails" 3 \
    "$TALLY" -d "$DAMAGED" show changed-services
check "saying the summary is damaged" \
    grep -q "a web summary (web_winner) is damaged" "$TMP/exit.err"
cp "$TMP/intact.db" "$DAMAGED"
"$SQLITE3" "$DAMAGED" "UPDATE web_winner SET names = x'00' WHERE source_id = 2 AND family = 6"
check_exit "an answer naming a text its row lacks: changed-services fails" 3 \
    "$TALLY" -d "$DAMAGED" show changed-services
check "saying the summary is damaged" \
    grep -q "a web summary (web_winner) is damaged" "$TMP/exit.err"

# Winners are read a window of services at a time: damage far into a long row is found
# as well. Two scans of 5,000 web servers, 10.0.0.0 to 10.0.19.135, where 10.0.0.7 and
# the 4,001st server changed their Server.
LONG="$TMP/long.db"
for scan in a b; do
    awk -v scan=$scan 'BEGIN {
        print "#masscan"
        for (i = 0; i < 5000; i++) {
            host = sprintf("10.0.%d.%d", int(i / 256), i % 256)
            server = (scan == "b" && (i == 7 || i == 4000)) ? "Apache" : "nginx"
            printf "open tcp 80 %s 1389312000\n", host
            printf "banner tcp 80 %s 1389312000 http HTTP/1.1 200 OK\\x0d\\x0aServer: %s\\x0d\\x0a\n", host, server
        }
        print "# end" }' >"$TMP/long-$scan.oL"
    "$TALLY" -d "$LONG" import "$TMP/long-$scan.oL" 2>/dev/null
done
check_eq "changed-services over two long rows" \
    "$("$TALLY" -d "$LONG" show changed-services --format csv)" \
    "host,proto,port,field,before,after
10.0.0.7,tcp,80,server,nginx,Apache
10.0.15.160,tcp,80,server,nginx,Apache"
# The app answer of service 4,500 (4 address bytes, then the answer) names text 2^31.
"$SQLITE3" "$LONG" "UPDATE web_winner SET winners = substr(winners, 1, 4500 * 33 + 4) ||
                    x'00000080' || substr(winners, 4500 * 33 + 9) WHERE source_id = 1"
check_exit "an answer naming a missing text at service 4,500: changed-services fails" 3 \
    "$TALLY" -d "$LONG" show changed-services
check "saying the summary is damaged" \
    grep -q "a web summary (web_winner) is damaged" "$TMP/exit.err"

# ---- forget ----

check "forget the second scan" "$TALLY" -d "$MULTI" forget 2
check_eq "its summaries are gone" \
    "$(q "$MULTI" "SELECT (SELECT COUNT(*) FROM web_winner WHERE source_id = 2) +
                          (SELECT COUNT(*) FROM web_count WHERE source_id = 2) +
                          (SELECT COUNT(*) FROM web_host_set WHERE source_id = 2)")" 0
check_eq "the others' stay" "$(q "$MULTI" "SELECT COUNT(DISTINCT source_id) FROM web_count")" 2
summaries_match "$MULTI"
all_same "$MULTI"
all_same "$MULTI" --port 80
check "forget the rest" "$TALLY" -d "$MULTI" forget a
check "and b" "$TALLY" -d "$MULTI" forget b
check_eq "no summaries are left" \
    "$(q "$MULTI" "SELECT (SELECT COUNT(*) FROM web_winner) + (SELECT COUNT(*) FROM web_count)
                          + (SELECT COUNT(*) FROM web_host_set)")" 0
check_eq "apps: nothing" "$("$TALLY" -d "$MULTI" show apps --format csv)" "app,services"

# ---- a failed import leaves no summaries ----

FAILED="$TMP/failed.db"
"$TALLY" -d "$FAILED" import "$TMP/third.oL" >/dev/null 2>&1
{ echo "#masscan"; http 80 192.0.2.1 1389312000 nginx PHP/5.4
  echo "open tcp eighty 192.0.2.2 1"; } >"$TMP/bad.oL"
check_exit "a malformed list fails" 1 "$TALLY" -d "$FAILED" import "$TMP/bad.oL"
check_eq "and leaves no summaries behind" \
    "$(q "$FAILED" "SELECT COUNT(*) FROM web_count WHERE source_id > 1")" 0
all_same "$FAILED"

# ---- two imports at once ----

CONC="$TMP/concurrent.db"
for i in 1 2; do
    awk -v i="$i" 'BEGIN { print "#masscan"
        for (n = 0; n < 3000; n++)
            printf "banner tcp 80 10.0.%d.%d %d http.server %s/%d\n", int(n / 256) % 16,
                   n % 256, 1389312000 + n * i, (n % 3 ? "nginx" : "Apache"), i }' \
        >"$TMP/conc$i.oL"
done
"$TALLY" -d "$CONC" import "$TMP/conc1.oL" >"$TMP/conc1.out" 2>&1 &
pid1=$!
"$TALLY" -d "$CONC" import "$TMP/conc2.oL" >"$TMP/conc2.out" 2>&1 &
pid2=$!
wait $pid1; status1=$?
wait $pid2; status2=$?
check_eq "two imports at once both succeed" "$status1 $status2" "0 0"
summaries_match "$CONC"
all_same "$CONC"
all_same "$CONC" --source 1

# ---- a database from before the summaries ----

OLD="$TMP/old.db"
cp "$ALL" "$OLD"
"$SQLITE3" "$OLD" "DROP TABLE web_winner; DROP TABLE web_count; DROP TABLE web_host_set;
                   DROP TABLE cert_service; DROP TABLE cert_count; DROP TABLE certificate;
                   DROP TABLE tls_count;
                   DROP TABLE tls_service;
                   PRAGMA user_version = 3"
check "a schema-3 database opens (and is migrated)" "$TALLY" -d "$OLD" analyses
check_eq "its summaries are those of the imports" \
    "$(q "$OLD" "SELECT source_id, proto, port, family, services, hex(names), hex(winners)
                 FROM web_winner; SELECT * FROM web_count;
                 SELECT source_id, proto, port, family, hosts, hex(members) FROM web_host_set")" \
    "$(q "$ALL" "SELECT source_id, proto, port, family, services, hex(names), hex(winners)
                 FROM web_winner; SELECT * FROM web_count;
                 SELECT source_id, proto, port, family, hosts, hex(members) FROM web_host_set")"
for a in apps stacks app-stack services; do
    check_eq "show $a: the same after the migration" \
        "$("$TALLY" -d "$OLD" show "$a" --format csv 2>&1)" \
        "$("$TALLY" -d "$ALL" show "$a" --format csv 2>&1)"
done
all_same "$OLD" --port 80

done_testing
