#!/usr/bin/env bash
# A local replicated cluster: etcd, three PostgreSQL 15 nodes managed by Patroni (synchronous
# mode: one synchronous standby, one asynchronous), and the usual pool, push daemon and nginx
# (scripts/stack.sh) pointed at the nodes with a multi-host connection string. docs/SCALING.md
# explains the topology; `make up` stays the single-node default.
#
#   scripts/cluster.sh up        start (or restart what is missing), wait until healthy
#   scripts/cluster.sh down      stop everything (data stays in $CLUSTER_DIR)
#   scripts/cluster.sh status    the nodes' roles and lag, and the stack's processes
#   scripts/cluster.sh failover  kill the primary like a dying machine (SIGKILL to its Patroni and
#                                every PostgreSQL process of the node), wait for a new primary;
#                                `up` brings the old node back as a standby (pg_rewind)
#
# Settings (environment): CLUSTER_DIR (var/cluster), CLUSTER_PG_PORTS (26641,26642,26643),
# CLUSTER_API_PORTS (26008,26009,26010: Patroni's REST), CLUSTER_ETCD_PORTS (26379,26380: client,
# peer), CLUSTER_HTTP_PORT (26180), CLUSTER_PUSH_PORT (26190), CLUSTER_METRICS_PORT (26474),
# CLUSTER_PUSH_METRICS_PORT (26475), CLUSTER_REPLICA_READS (1: the standbys serve reads, 0: none),
# CLUSTER_TTL (10: seconds before a silent primary's leader key expires). Everything else
# (BUILD_CONFIG, SKIP_BUILD, LOG_LEVEL, RATE_LIMITS, ...) passes through to scripts/stack.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLUSTER_DIR=${CLUSTER_DIR:-$ROOT/var/cluster}
case "$CLUSTER_DIR" in /*) ;; *) CLUSTER_DIR=$ROOT/$CLUSTER_DIR ;; esac
IFS=, read -r -a PG_PORTS <<<"${CLUSTER_PG_PORTS:-26641,26642,26643}"
IFS=, read -r -a API_PORTS <<<"${CLUSTER_API_PORTS:-26008,26009,26010}"
IFS=, read -r ETCD_CLIENT_PORT ETCD_PEER_PORT <<<"${CLUSTER_ETCD_PORTS:-26379,26380}"
TTL=${CLUSTER_TTL:-10}
PG_BIN=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
NODES=(node1 node2 node3)
LOGS=$CLUSTER_DIR/log
RUN=$CLUSTER_DIR/run
SCOPE=mundo-messaging

# The stack's environment: its own folder and ports.
export STACK_DIR=$CLUSTER_DIR/stack HTTP_PORT=${CLUSTER_HTTP_PORT:-26180} PUSH_PORT=${CLUSTER_PUSH_PORT:-26190}
export METRICS_PORT=${CLUSTER_METRICS_PORT:-26474} PUSH_METRICS_PORT=${CLUSTER_PUSH_METRICS_PORT:-26475}

hosts() { local h=127.0.0.1; printf '%s' "$h"; for _ in "${PG_PORTS[@]:1}"; do printf ',%s' "$h"; done; }
ports() { local IFS=,; printf '%s' "${PG_PORTS[*]}"; }
# Writes go to whichever node is primary now: libpq tries each host until one accepts writes.
primary_url() { echo "host=$(hosts) port=$(ports) user=messaging dbname=${1:-messaging} target_session_attrs=read-write connect_timeout=2 keepalives_idle=5 keepalives_interval=2 keepalives_count=3 tcp_user_timeout=10000"; }
# Each node as a possible read replica: the pool reads from those that are standbys now.
replica_urls() {
    local urls=() port
    for port in "${PG_PORTS[@]}"; do urls+=("host=127.0.0.1 port=$port user=messaging dbname=messaging target_session_attrs=standby connect_timeout=2"); done
    local IFS=';'; echo "${urls[*]}"
}

# PostgreSQL and Patroni refuse root: as root the nodes run as the postgres user.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}
own() { if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$@"; fi; }

# The nodes' folders: in $CLUSTER_DIR when the postgres user can reach it, else in /var/tmp (a
# checkout under /root, say). `nodes.location` remembers the choice.
nodes_dir() {
    if [ -f "$CLUSTER_DIR/nodes.location" ]; then cat "$CLUSTER_DIR/nodes.location"; return; fi
    local dir=$CLUSTER_DIR
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ] && ! setpriv --reuid=postgres --regid=postgres --init-groups -- test -x "$dir"; then
        dir=/var/tmp/mundo-messaging-cluster-$(echo "$CLUSTER_DIR" | md5sum | cut -c1-12)
        mkdir -p "$dir"
    fi
    echo "$dir" >"$CLUSTER_DIR/nodes.location"
    echo "$dir"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_etcd() {
    local try
    for try in 1 2 3; do
        start_etcd_once && return 0
        echo "etcd did not start (try $try; see $LOGS/etcd.log)" >&2
    done
    return 1
}

start_etcd_once() {
    alive "$RUN/etcd.pid" && return 0
    mkdir -p "$CLUSTER_DIR/etcd"
    nohup etcd --name etcd1 --data-dir "$CLUSTER_DIR/etcd" \
        --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster "etcd1=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-token "$SCOPE" \
        >>"$LOGS/etcd.log" 2>&1 </dev/null &
    echo $! >"$RUN/etcd.pid"
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health" 2>/dev/null | grep -q true && return 0
        alive "$RUN/etcd.pid" || return 1
        sleep 0.1
    done
    return 1
}

write_patroni_config() {  # index
    local i=$1 name=${NODES[$1]} dir=$(nodes_dir)/${NODES[$1]}
    mkdir -p "$dir/sock"
    # bootstrap.dcs is the cluster-wide configuration, written to etcd by the first node only.
    # synchronous_mode: a commit returns once the synchronous standby has it, and only that
    # standby may be promoted, so no acknowledged write is lost when the primary dies.
    # synchronous_mode_strict stays off: with both standbys gone the primary keeps accepting
    # writes alone (availability first; docs/SCALING.md says what that risks).
    cat >"$dir/patroni.yml" <<YML
scope: $SCOPE
namespace: /$SCOPE/
name: $name
restapi:
  listen: 127.0.0.1:${API_PORTS[$i]}
  connect_address: 127.0.0.1:${API_PORTS[$i]}
etcd3:
  hosts: 127.0.0.1:$ETCD_CLIENT_PORT
watchdog:
  mode: off
bootstrap:
  dcs:
    ttl: $TTL
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: false
    synchronous_node_count: 1
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        max_connections: 300
        shared_buffers: 128MB
        synchronous_commit: "on"
        hot_standby_feedback: "on"
        max_standby_streaming_delay: 5s
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - local replication all trust
    - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:${PG_PORTS[$i]}
  connect_address: 127.0.0.1:${PG_PORTS[$i]}
  data_dir: $dir/data
  bin_dir: $PG_BIN
  pgpass: $dir/pgpass
  authentication:
    superuser:
      username: messaging
      password: messaging
    replication:
      username: replicator
      password: replicator
  parameters:
    unix_socket_directories: $dir/sock
    fsync: "on"
    checkpoint_timeout: 15min
    max_wal_size: 1GB
YML
    own "$dir"
}

start_node() {  # index
    local name=${NODES[$1]}
    alive "$RUN/$name.pid" && return 0
    write_patroni_config "$1"
    # nohup and setpriv exec Patroni itself, so the pid file names Patroni (failover kills it).
    local as=()
    [ "$(id -u)" -ne 0 ] || as=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    nohup "${as[@]}" patroni "$(nodes_dir)/$name/patroni.yml" >>"$LOGS/patroni-$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
}

api() { curl -fsS --max-time 2 "http://127.0.0.1:${API_PORTS[$1]}/$2" 2>/dev/null; }

# The members and their roles, from any Patroni that answers: "name role state lag" lines.
members() {
    local i
    for i in "${!NODES[@]}"; do
        if api "$i" cluster | python3 -c '
import json, sys
for m in json.load(sys.stdin)["members"]:
    print(m["name"], m["role"], m["state"], m.get("lag", 0), m.get("timeline", "-"))' 2>/dev/null; then return 0; fi
    done
    return 1
}

leader() { members | awk '$2 == "leader" && $3 == "running" {print $1}'; }

wait_for() {  # seconds, description, command...
    local seconds=$1 what=$2; shift 2
    local deadline=$((SECONDS + seconds))
    while [ $SECONDS -lt $deadline ]; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    echo "timed out after ${seconds}s waiting for $what" >&2
    return 1
}

# Whole: a running leader, and every other node streaming from it, one of them synchronously.
whole() {
    local out; out=$(members) || return 1
    [ "$(echo "$out" | awk '$2 == "leader" && $3 == "running"' | wc -l)" -eq 1 ] || return 1
    [ "$(echo "$out" | awk '$2 == "sync_standby" && $3 ~ /^(running|streaming)$/' | wc -l)" -ge 1 ] || return 1
    [ "$(echo "$out" | awk '($2 == "replica" || $2 == "sync_standby") && $3 ~ /^(running|streaming)$/' | wc -l)" -eq $((${#NODES[@]} - 1)) ] || return 1
    # Patroni 3.0 says "running" for a standby that is still catching up: ask the primary.
    [ "$("$PG_BIN/psql" "$(primary_url postgres)" -tAc "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" -eq $((${#NODES[@]} - 1)) ]
}

create_database() {
    if ! "$PG_BIN/psql" "$(primary_url postgres)" -tAc "SELECT 1 FROM pg_database WHERE datname = 'messaging'" | grep -q 1; then
        "$PG_BIN/psql" "$(primary_url postgres)" -qc "CREATE DATABASE messaging" >/dev/null
    fi
}

up() {
    "$ROOT/scripts/install-deps.sh"
    mkdir -p "$LOGS" "$RUN"
    start_etcd
    local i
    for i in "${!NODES[@]}"; do start_node "$i"; done
    wait_for 120 "a primary (see $LOGS/patroni-*.log)" leader_running
    create_database
    wait_for 180 "all nodes streaming with a synchronous standby" whole_revived
    local replicas=""
    [ "${CLUSTER_REPLICA_READS:-1}" = 0 ] || replicas=$(replica_urls)
    # A port held by a connection of the moment (see revive) makes nginx fail: try again.
    local try
    for try in 1 2 3; do
        if DATABASE_URL=$(primary_url) DATABASE_REPLICAS=$replicas "$ROOT/scripts/stack.sh" up | sed 's/^/  /'; then break; fi
        [ "$try" -lt 3 ] || return 1
        echo "the stack did not start (try $try); again in 2 s" >&2
        sleep 2
    done
    status_nodes
}

# A port in Linux's ephemeral range (32768-60999; the defaults lie below it, a CLUSTER_*
# override may not) can be held by an outgoing connection of the moment, and a Patroni that
# cannot bind its REST port exits.
# While waiting for the cluster, such a node is started again.
revive() {
    local i
    for i in "${!NODES[@]}"; do
        if ! alive "$RUN/${NODES[$i]}.pid"; then
            echo "$(date +%T) ${NODES[$i]}'s Patroni is not running; starting it again" >>"$LOGS/cluster.log"
            start_node "$i"
        fi
    done
}

leader_running() { revive; [ -n "$(leader)" ]; }
whole_revived() { revive; whole; }

status_nodes() {
    echo "nodes (name role state lag timeline):"
    members | sed 's/^/  /' || echo "  no Patroni answers"
}

status() {
    status_nodes
    if alive "$RUN/etcd.pid"; then echo "etcd: running"; else echo "etcd: stopped"; fi
    "$ROOT/scripts/stack.sh" status
}

# The node's PostgreSQL processes: the postmaster and its children.
node_postgres_pids() {  # name
    local pidfile; pidfile=$(nodes_dir)/$1/data/postmaster.pid
    [ -f "$pidfile" ] || return 0
    local postmaster; postmaster=$(head -n 1 "$pidfile")
    kill -0 "$postmaster" 2>/dev/null || return 0
    echo "$postmaster"
    local stat
    for stat in /proc/[0-9]*/stat; do
        # Field 4 is the parent's pid (the command name in field 2 never holds spaces here).
        awk -v parent="$postmaster" '$4 == parent {print $1}' "$stat" 2>/dev/null || true
    done
}

failover() {
    local old; old=$(leader)
    [ -n "$old" ] || { echo "no running primary to kill" >&2; return 1; }
    local pids; pids="$(cat "$RUN/$old.pid" 2>/dev/null || true) $(node_postgres_pids "$old")"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    local killed_at; killed_at=$(date +%s.%N)
    rm -f "$RUN/$old.pid"
    echo "killed $old (pids $(echo $pids)) at $killed_at"
    wait_for $((TTL * 6)) "a new primary" new_leader_other_than "$old"
    echo "new primary: $(leader) after $(python3 -c "import time; print(round(time.time() - $killed_at, 1))") s"
    echo "scripts/cluster.sh up brings $old back as a standby"
}

new_leader_other_than() { local now; now=$(leader); [ -n "$now" ] && [ "$now" != "$1" ]; }

down() {
    [ -d "$CLUSTER_DIR" ] || { echo "nothing to stop"; return 0; }
    "$ROOT/scripts/stack.sh" down >/dev/null 2>&1 || true
    local name pid
    # Patroni stops its PostgreSQL on SIGTERM (a fast shutdown).
    for name in "${NODES[@]}" etcd; do
        alive "$RUN/$name.pid" || continue
        pid=$(cat "$RUN/$name.pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$RUN/$name.pid"
    done
    # A node whose Patroni was killed (failover) leaves its PostgreSQL behind only if it outlived
    # the kill; stop any that still runs.
    for name in "${NODES[@]}"; do
        if [ -f "$(nodes_dir)/$name/data/postmaster.pid" ]; then
            as_postgres "$PG_BIN/pg_ctl" -D "$(nodes_dir)/$name/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
    done
    echo "cluster stopped"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    failover) failover ;;
    primary-url) primary_url ;;
    *) echo "usage: $0 up|down|status|failover" >&2; exit 2 ;;
esac
