#!/usr/bin/env python3
"""Figures for docs/SCALING.md (issue 16), on a running single-node stack and a running cluster
(scripts/cluster.sh up): W1 on both, interleaved in one run, as a ratio; W5 history reads per
second with 0, 1 and 2 read replicas and how the transactions spread over the nodes; failover
time (SIGKILL of the primary's Patroni and PostgreSQL to the first 201), median of several.

    python3 bench/cluster_figures.py --admin .build/debug/messaging-admin \
        --single-stack var/dev --single-port 8080 --cluster-dir var/cluster --cluster-port 26180

Prints one line per figure; nothing is written to BENCHMARKS.md (copy what you keep by hand,
with the machine's state: the figures below were taken on a 2-core machine shared with builds).
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, Stack, cpu_seconds, descendants, log, run_wrk  # noqa: E402

CLUSTER = os.path.join(ROOT, "scripts", "cluster.sh")
PG_BIN = "/usr/lib/postgresql/15/bin"
# A busy backend reports its transaction counts to pg_stat_database up to 10 s late
# (PGSTAT_IDLE_INTERVAL): counts are read that long after a load.
STATS_DELAY = 11


def node_ports():
    return [int(p) for p in os.environ.get("CLUSTER_PG_PORTS", "26641,26642,26643").split(",")]


def node_value(port, sql):
    return subprocess.run([f"{PG_BIN}/psql", "-X", "-tA", "-d", f"host=127.0.0.1 port={port} user=messaging dbname=messaging", "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def transactions():
    return {port: int(node_value(port, "SELECT xact_commit FROM pg_stat_database WHERE datname = 'messaging'")) for port in node_ports()}


def roles():
    return {port: ("standby" if node_value(port, "SELECT pg_is_in_recovery()") == "t" else "primary") for port in node_ports()}


def postgres_cpu(data_dirs):
    total = 0.0
    for data in data_dirs:
        try:
            total += cpu_seconds(descendants(int(open(os.path.join(data, "postmaster.pid")).readline())))
        except OSError:
            pass
    return total


def w1_pairs(stack, users):
    stack.psql(os.path.join(ROOT, "bench/setup_w1.sql"), variables={"users": users})
    rows = stack.psql(command="SELECT room_id, (SELECT id FROM users u WHERE u.username = p.username) FROM bench_pairs p").splitlines()
    path = os.path.join(stack.dir, "bench_pairs.txt")
    tokens = {}
    with open(path, "w") as out:
        for row in rows:
            room, user_id = row.split("|")
            tokens.setdefault(user_id, stack.token(user_id))
            out.write(f"{tokens[user_id]} {room}\n")
    return path


def w1(single, cluster, cluster_data_dirs, single_data_dir, args):
    log("W1 set-up on both stacks")
    files = {"single": w1_pairs(single, args.users), "cluster": w1_pairs(cluster, args.users)}
    rates = {"single": [], "cluster": []}
    cpu = {"single": [], "cluster": []}
    for round_number in range(args.rounds):
        for name, stack, dirs in (("single", single, [single_data_dir]), ("cluster", cluster, cluster_data_dirs)):
            before = postgres_cpu(dirs)
            r = run_wrk(os.path.join(ROOT, "bench/send.lua"), args.senders, args.duration, {"BENCH_PAIRS": files[name]}, stack.http)
            sent = r["requests"]
            rates[name].append(sent / (r["duration_us"] / 1e6))
            cpu[name].append((postgres_cpu(dirs) - before) / max(sent, 1) * 1e6)
            errors = sum(v for k, v in r.items() if k.startswith("errors_"))
            log(f"W1 round {round_number + 1} {name}: {rates[name][-1]:.0f} msg/s, p50 {r['p50_us'] / 1000:.1f} ms, "
                f"p99 {r['p99_us'] / 1000:.1f} ms, errors {errors}, PostgreSQL CPU {cpu[name][-1]:.0f} µs/msg (all nodes)")
    s, c = statistics.mean(rates["single"]), statistics.mean(rates["cluster"])
    print(f"W1 single node {s:.0f} msg/s, cluster (synchronous standby) {c:.0f} msg/s: ratio {c / s:.2f}; "
          f"PostgreSQL CPU per message {statistics.mean(cpu['single']):.0f} µs single, {statistics.mean(cpu['cluster']):.0f} µs cluster (3 nodes)")


def restart_pool(args, replicas):
    """The cluster's stack again, its pool reading from these replica connection strings."""
    env = {**os.environ, "SKIP_BUILD": "1", "CLUSTER_DIR": args.cluster_dir}
    subprocess.run(["scripts/stack.sh", "down"], env={**env, "STACK_DIR": os.path.join(args.cluster_dir, "stack")}, check=True,
                   capture_output=True, cwd=ROOT)
    env["CLUSTER_REPLICA_READS"] = "1"
    conf_replicas = ";".join(f"host=127.0.0.1 port={p} user=messaging dbname=messaging target_session_attrs=standby connect_timeout=2"
                             for p in replicas)
    primary = subprocess.run([CLUSTER, "primary-url"], env=env, check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run(["scripts/stack.sh", "up"], env={**env, "STACK_DIR": os.path.join(args.cluster_dir, "stack"), "DATABASE_URL": primary,
                                                    "DATABASE_REPLICAS": conf_replicas, "HTTP_PORT": str(args.cluster_port),
                                                    "PUSH_PORT": os.environ.get("CLUSTER_PUSH_PORT", "26190"),
                                                    "METRICS_PORT": os.environ.get("CLUSTER_METRICS_PORT", "26474"),
                                                    "PUSH_METRICS_PORT": os.environ.get("CLUSTER_PUSH_METRICS_PORT", "26475")},
                   check=True, capture_output=True, cwd=ROOT)


def w5(cluster, args):
    log("W5 set-up on the cluster")
    cluster.psql(os.path.join(ROOT, "bench/setup_w5.sql"), variables={"conversations": 200, "messages": 20000})
    me = cluster.psql(command="SELECT id FROM users WHERE username = 'w5_0'")
    other = cluster.psql(command="SELECT id FROM users WHERE username = 'w5_1'")
    room = cluster.psql(command=f"SELECT room_id FROM chat_open_direct({me}, {other})")
    token = cluster.token(me)
    node_roles = roles()
    standbys = [p for p, r in node_roles.items() if r == "standby"]
    for count in range(len(standbys) + 1):
        restart_pool(args, standbys[:count])
        time.sleep(STATS_DELAY)
        before = transactions()
        r = run_wrk(os.path.join(ROOT, "bench/get.lua"), args.readers, args.duration,
                    {"BENCH_PATH": f"/api/messages/{room}?limit=50", "BENCH_TOKEN": token}, cluster.http)
        time.sleep(STATS_DELAY)
        after = transactions()
        spread = ", ".join(f"{node_roles[p]} :{p} +{after[p] - before[p]}" for p in node_ports())
        print(f"W5 history with {count} replica(s): {r['requests'] / (r['duration_us'] / 1e6):.0f} reads/s, p50 {r['p50_us'] / 1000:.1f} ms, "
              f"p99 {r['p99_us'] / 1000:.1f} ms, errors {r['errors_status']}; transactions {spread}")
    restart_pool(args, node_ports())


def failovers(cluster, args):
    """Kill to first 201, median of args.failovers: a sender keeps sending (retrying on 503)."""
    a = cluster.psql(command="SELECT id FROM users WHERE username = 'w5_0'")
    b = cluster.psql(command="SELECT id FROM users WHERE username = 'w5_1'")
    room = cluster.psql(command=f"SELECT room_id FROM chat_open_direct({a}, {b})")
    headers = {"Authorization": f"Bearer {cluster.token(a)}"}
    times = []
    env = {**os.environ, "SKIP_BUILD": "1", "CLUSTER_DIR": args.cluster_dir}
    for attempt in range(args.failovers):
        successes = []
        stop = threading.Event()

        def sender():
            while not stop.is_set():
                started = time.time()
                try:
                    r = requests.post(f"{cluster.http}/api/messages/{room}", json={"content": "failover", "clientMessageId": uuid.uuid4().hex},
                                      headers=headers, timeout=10)
                    if r.status_code in (200, 201):
                        successes.append(started)
                except requests.RequestException:
                    pass
                time.sleep(0.02)

        thread = threading.Thread(target=sender, daemon=True)
        thread.start()
        out = subprocess.run([CLUSTER, "failover"], env=env, check=True, capture_output=True, text=True).stdout
        killed_at = float(out.split(" at ")[1].split()[0])
        deadline = time.time() + 120
        while time.time() < deadline and not any(s >= killed_at for s in successes):
            time.sleep(0.05)
        stop.set()
        thread.join(15)
        first = min(s for s in successes if s >= killed_at)
        times.append(first - killed_at)
        log(f"failover {attempt + 1}: {out.splitlines()[0]}; first successful send after {times[-1]:.1f} s")
        subprocess.run([CLUSTER, "up"], env=env, check=True, capture_output=True)
    print(f"failover, kill to first successful send: median {statistics.median(times):.1f} s of {len(times)} "
          f"({', '.join(f'{t:.1f}' for t in times)})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin", required=True)
    parser.add_argument("--single-stack", default=os.path.join(ROOT, "var/dev"))
    parser.add_argument("--single-port", type=int, default=8080)
    parser.add_argument("--cluster-dir", default=os.path.join(ROOT, "var/cluster"))
    parser.add_argument("--cluster-port", type=int, default=26180)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--failovers", type=int, default=5)
    parser.add_argument("--only", default="W1,W5,failover")
    args = parser.parse_args()
    only = args.only.split(",")
    cluster = Stack(os.path.join(args.cluster_dir, "stack"), args.cluster_port, args.admin)
    if "W1" in only:
        single = Stack(args.single_stack, args.single_port, args.admin)
        single_data = open(os.path.join(args.single_stack, "pg.location")).read().strip() + "/data"
        w1(single, cluster, [os.path.join(open(os.path.join(args.cluster_dir, "nodes.location")).read().strip(), f"node{i + 1}", "data")
                                  for i in range(len(node_ports()))], single_data, args)
    if "W5" in only:
        w5(cluster, args)
    if "failover" in only:
        failovers(cluster, args)


if __name__ == "__main__":
    main()
