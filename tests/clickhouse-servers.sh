# tests/clickhouse-servers.sh: starts and stops local clickhouse-server processes for the
# ClickHouse tests and benchmark. Sourced. ch_start DIR N starts N servers on free loopback
# ports, each its own config, data and logs under DIR/chN, together one cluster named
# `tally` (one shard each); ch_stop stops every server started, ch_kill and ch_restart
# one of them. Servers are kept small (caches of 64 MiB, queries of at most 1 GiB).
CH_PIDS=""
CH_HTTP=""
CH_TCP=""

# A loopback TCP port nobody listens on (a guess checked with bash's /dev/tcp), below
# Linux's range of ports for outgoing connections (32768 up): a port one of those holds
# cannot be listened on, and the ClickHouse tests make many.
ch_free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 12768))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

# ch_config DIR HTTP TCP INTERSERVER TCP_PORTS...: writes DIR/config.xml and DIR/users.xml.
ch_config() {
    local dir=$1 http=$2 tcp=$3 inter=$4; shift 4
    mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
    {
        echo '<?xml version="1.0"?>'
        echo '<yandex>'
        echo "  <logger><level>warning</level><log>$dir/server.log</log>"
        echo "    <errorlog>$dir/server.err.log</errorlog><size>10M</size><count>1</count></logger>"
        echo "  <http_port>$http</http_port>"
        echo "  <tcp_port>$tcp</tcp_port>"
        echo "  <interserver_http_port>$inter</interserver_http_port>"
        echo '  <listen_host>127.0.0.1</listen_host>'
        echo "  <path>$dir/data/</path>"
        echo "  <tmp_path>$dir/tmp/</tmp_path>"
        echo "  <user_files_path>$dir/user_files/</user_files_path>"
        echo "  <format_schema_path>$dir/format_schemas/</format_schema_path>"
        echo '  <users_config>users.xml</users_config>'
        echo '  <default_profile>default</default_profile>'
        echo '  <default_database>default</default_database>'
        echo '  <timezone>UTC</timezone>'
        echo '  <mark_cache_size>67108864</mark_cache_size>'
        echo '  <uncompressed_cache_size>67108864</uncompressed_cache_size>'
        echo '  <max_concurrent_queries>20</max_concurrent_queries>'
        echo '  <remote_servers><tally>'
        local p
        for p in "$@"; do
            echo "    <shard><replica><host>127.0.0.1</host><port>$p</port></replica></shard>"
        done
        echo '  </tally></remote_servers>'
        echo '</yandex>'
    } > "$dir/config.xml"
    # default: no password (the Distributed engine's own connections between shards);
    # tally: the password in $CH_PASSWORD, for the credential checks.
    cat > "$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>1073741824</max_memory_usage>
    <max_threads>2</max_threads></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile><quota>default</quota></default>
    <tally><password>${CH_PASSWORD:-secret}</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile><quota>default</quota></tally>
  </users>
  <quotas><default></default></quotas>
</yandex>
EOF
}

# ch_start DIR N: starts N servers; sets CH_HTTP and CH_TCP to their ports (space-separated)
# and CH_HOSTS to "127.0.0.1:HTTP,..." for a tally URL. A server that exits or does not
# answer in 60 s (a port taken between the guess and its bind, a slow machine) has all of
# them stopped and started again on other ports, three times at most.
ch_start() {
    local attempt
    for attempt in 1 2 3; do
        ch_start_once "$@" && return 0
        ch_stop
        CH_HTTP="" CH_TCP=""
        rm -rf "$1"
        echo "# clickhouse-server: start $attempt of 3 failed" >&2
    done
    return 1
}

ch_start_once() {
    local dir=$1 n=$2 i http tcp pid
    local https=() tcps=() pids=()
    for i in $(seq 1 "$n"); do https+=("$(ch_free_port)"); tcps+=("$(ch_free_port)"); done
    CH_HOSTS=""
    for i in $(seq 0 $((n - 1))); do
        http=${https[$i]} tcp=${tcps[$i]}
        ch_config "$dir/ch$i" "$http" "$tcp" "$(ch_free_port)" "${tcps[@]}"
        (cd "$dir/ch$i" && exec clickhouse-server --config-file="$dir/ch$i/config.xml" \
            >"$dir/ch$i/stdout.log" 2>&1) &
        pids+=("$!")
        CH_PIDS="$CH_PIDS $!"
        CH_HTTP="$CH_HTTP $http"
        CH_TCP="$CH_TCP $tcp"
        CH_HOSTS="$CH_HOSTS${CH_HOSTS:+,}127.0.0.1:$http"
    done
    for i in $(seq 0 $((n - 1))); do
        ch_wait_ping "$dir/ch$i" "${https[$i]}" "${pids[$i]}" || return 1
    done
}

# ch_wait_ping DIR PORT PID: waits up to 60 s for the server PID to answer on PORT; fails at
# once if it exits, and shows the end of its logs.
ch_wait_ping() {
    local dir=$1 port=$2 pid=$3 tries=0 log
    until curl -sf "http://127.0.0.1:$port/ping" >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
            echo "# clickhouse-server on port $port did not start:" >&2
            for log in "$dir/server.err.log" "$dir/stdout.log"; do
                [ -s "$log" ] && tail -5 "$log" | sed 's/^/#   /' >&2
            done
            return 1
        fi
        sleep 0.2
    done
}

# ch_query PORT SQL: runs SQL on the server whose HTTP port is PORT, as default.
ch_query() { curl -sf --data-binary "$2" "http://127.0.0.1:$1/"; }

ch_stop() {
    local pid
    for pid in $CH_PIDS; do kill "$pid" 2>/dev/null; done
    for pid in $CH_PIDS; do wait "$pid" 2>/dev/null; done
    CH_PIDS=""
}

# ch_kill I: stops server I (counted from 0) of those ch_start started.
ch_kill() {
    local pids
    read -r -a pids <<<"$CH_PIDS"
    kill "${pids[$1]}" 2>/dev/null
    wait "${pids[$1]}" 2>/dev/null
    return 0
}

# ch_restart DIR I [COMMAND...]: starts server I again, with its config, data and ports,
# run by COMMAND when given (which ends by running its arguments: the server); waits up to
# 60 s for it to answer.
ch_restart() {
    local dir=$1 i=$2 pids https
    shift 2
    read -r -a pids <<<"$CH_PIDS"
    read -r -a https <<<"$CH_HTTP"
    (cd "$dir/ch$i" && exec "$@" clickhouse-server --config-file="$dir/ch$i/config.xml" \
        >"$dir/ch$i/stdout.log" 2>&1) &
    pids[i]=$!
    CH_PIDS=" ${pids[*]}"
    ch_wait_ping "$dir/ch$i" "${https[$i]}" "${pids[$i]}"
}
