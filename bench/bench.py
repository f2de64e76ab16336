#!/usr/bin/env python3
"""The benchmark command behind `make bench`: runs each workload against the stack that
scripts/bench.sh brought up (release build), prints a table and writes BENCHMARKS.md.

Every load is bounded in count and time and targets loopback only. CPU time of the server
processes and of the load generator is read from /proc (and the generator's rusage), so the
table shows that the generator is not the bottleneck.
"""
import argparse
import os
import platform
import re
import urllib.request
import resource
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ws_workloads  # noqa: E402  (W2, W3, W4: push delivery, fan-out, idle connections)
import noisy_neighbour  # noqa: E402  (W9: W2 beside one user's send flood)
import floor  # noqa: E402  (W2's floor: a durable send, a bare WebSocket delivery)
import charts  # noqa: E402  (docs/bench/*.png)
import mixed  # noqa: E402  (W7: W1, W2 and W3-200 at once)
import targets  # noqa: E402  (issue 17's targets, met or not)
import w4b  # noqa: E402  (W4b: 100,000 idle connections over several daemons)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Stack:
    def __init__(self, stack_dir, http_port, admin):
        self.dir = stack_dir
        self.http = f"http://127.0.0.1:{http_port}"
        self.admin = admin
        self.config = os.path.join(stack_dir, "messaging.conf")
        settings = dict(line.split(" = ", 1) for line in open(self.config).read().splitlines() if " = " in line)
        self.dsn = settings["database_url"]
        self.pg_bin = sorted(os.listdir("/usr/lib/postgresql"))[-1]

    def psql(self, sql_file=None, command=None, variables=None):
        args = [f"/usr/lib/postgresql/{self.pg_bin}/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.dsn, "-tA"]
        for key, value in (variables or {}).items():
            args += ["-v", f"{key}={value}"]
        args += ["-f", sql_file] if sql_file else ["-c", command]
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()

    def token(self, user_id):
        return subprocess.run([self.admin, "token", "--user", str(user_id), "--config", self.config],
                              check=True, capture_output=True, text=True).stdout.strip()

    def pid(self, name):
        return int(open(os.path.join(self.dir, "run", f"{name}.pid")).read())


def descendants(pid):
    """pid and every process below it (from /proc/*/stat parent links)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                pass
    found, queue = [], [pid]
    while queue:
        p = queue.pop()
        found.append(p)
        queue += children.get(p, [])
    return found


def cpu_seconds(pids, kernel_only=False):
    """User + system CPU of these processes and their reaped children (or the system part alone)."""
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
            total += stime + cstime if kernel_only else utime + stime + cutime + cstime
        except OSError:
            pass
    return total / CLOCK_TICKS


class CPUMeter:
    """CPU used by the server side (pool, postgres, nginx, daemon) over a workload."""

    def __init__(self, stack):
        self.stack = stack
        self.roots = {}
        for name in ("fcgi-app", "push-daemon", "nginx"):
            try:
                self.roots[name] = stack.pid(name)
            except OSError:
                pass
        pg_pid_file = open(os.path.join(stack.dir, "pg.location")).read().strip() + "/data/postmaster.pid"
        self.roots["postgres"] = int(open(pg_pid_file).readline())

    def snapshot(self):
        return {name: cpu_seconds(descendants(pid)) for name, pid in self.roots.items()}

    def kernel_seconds(self, name):
        """The system (kernel) part of one process tree's CPU so far (for the daemon, mostly its
        socket writes); None when this meter has no such tree (W4b's meter counts six daemons)."""
        return cpu_seconds(descendants(self.roots[name]), kernel_only=True) if name in self.roots else None

    @staticmethod
    def delta(before, after):
        return {name: after[name] - before.get(name, 0) for name in after}


def run_wrk(script, connections, duration, env, path):
    started = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script, path],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=duration + 60)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((l for l in result.stderr.splitlines() if l.startswith("RESULT")), None)
    if line is None:
        raise RuntimeError("wrk printed no result:\n" + result.stdout + result.stderr)
    values = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
    values["generator_cpu"] = (ended.ru_utime - started.ru_utime) + (ended.ru_stime - started.ru_stime)
    return values


def pool_counters(stack):
    """Send counters from the pool's Prometheus endpoint (metrics_listen): sends answered 201,
    group commits and the sends they held. Empty if metrics are off."""
    settings = dict(line.split(" = ", 1) for line in open(stack.config).read().splitlines() if " = " in line)
    address = settings.get("metrics_listen", "127.0.0.1:9464").strip()
    if address == "off":
        return {}
    text = urllib.request.urlopen(f"http://{address}/metrics", timeout=5).read().decode()
    wanted = {
        'messaging_fcgi_requests_total{route="POST /api/messages/:conversationId",status="201"}': "sends",
        'messaging_fcgi_send_batches_total{outcome="together"}': "batches",
        'messaging_fcgi_send_batches_total{outcome="one_by_one"}': "refused_batches",
        "messaging_fcgi_batched_sends_total": "batched_sends",
    }
    counters = {}
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name in wanted:
            counters[wanted[name]] = float(value)
    return counters


class ThroughputSampler:
    """Stored sends per second over W1, from the pool's counter (read every second; the workers
    report about once a second): the chart of throughput over time."""

    def __init__(self, stack):
        self.stack = stack
        self.series = []  # (seconds since the start, sends/s over the last interval)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        t0 = last_t = time.monotonic()
        last = pool_counters(self.stack).get("sends", 0)
        while not self.done.wait(1.0):
            now, sends = time.monotonic(), pool_counters(self.stack).get("sends", 0)
            self.series.append((now - t0, (sends - last) / (now - last_t)))
            last, last_t = sends, now

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(timeout=5)


def batched_ceiling_script(stack, size):
    """A pgbench script that stores `size` random W1 sends in one chat_send_messages call, each
    taking its rate-limit token in the same transaction, as the pool's group commit does."""
    path = os.path.join(stack.dir, f"ceiling_send_batch{size}.sql")
    picks = [f"\\set p{i} random(1, :pairs)" for i in range(size)]
    ids = ", ".join(f":p{i}::int" for i in range(size))
    with open(path, "w") as out:
        out.write("-- Generated by bench/bench.py: W1-ceiling for a group commit of %d sends.\n" % size)
        out.write("\n".join(picks) + "\n")
        out.write("SELECT count(*) FROM chat_send_messages((SELECT json_agg(json_build_object('i', u.n - 1, 'room', p.room_id, "
                  "'sender', p.sender_id, 'content', 'bench message', 'ratePerSecond', 1000000, 'rateBurst', 1000000)) "
                  "FROM unnest(ARRAY[%s]) WITH ORDINALITY AS u(idx, n) JOIN bench_pairs p ON p.idx = u.idx));\n" % ids)
    return path


def run_pgbench(stack, script, clients, duration, pairs):
    # Prepared statements, as the pool runs them (each thread prepares its SQL once).
    args = [f"/usr/lib/postgresql/{stack.pg_bin}/bin/pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(duration),
            "-f", script, "-D", f"pairs={pairs}", stack.dsn]
    out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=duration + 60).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def prepare_w1_pairs(stack, args):
    """W1's users and conversations, and the file of "token conversationId" lines its senders
    (and W7's) pick from. Returns (file, pair count)."""
    log(f"W1 set-up: {args.users} users, {args.users // 2} direct conversations, {args.users // 10} groups of 10")
    stack.psql(os.path.join(ROOT, "bench/setup_w1.sql"), variables={"users": args.users})
    rows = stack.psql(command="SELECT username, room_id, (SELECT id FROM users u WHERE u.username = p.username) FROM bench_pairs p").splitlines()
    tokens = {}
    pairs_file = os.path.join(stack.dir, "bench_pairs.txt")
    with open(pairs_file, "w") as out:
        for row in rows:
            username, room, user_id = row.split("|")
            if user_id not in tokens:
                tokens[user_id] = stack.token(user_id)
            out.write(f"{tokens[user_id]} {room}\n")
    return pairs_file, len(rows)


def workload_w1(stack, args, results):
    pairs_file, pair_count = prepare_w1_pairs(stack, args)
    if args.w1_warmup > 0:
        # Unmeasured: on a fresh database W1's first seconds ran at half speed (new tables' first
        # pages, the pool's and nginx's cold paths), while the pgbench ceiling it is compared
        # with always ran after it, on a warm database.
        log(f"W1 warm-up: {args.senders} senders for {args.w1_warmup} s (not counted)")
        run_wrk(os.path.join(ROOT, "bench/send.lua"), args.senders, args.w1_warmup, {"BENCH_PAIRS": pairs_file}, stack.http)
    meter = CPUMeter(stack)
    log(f"W1: {args.senders} concurrent senders through nginx for {args.duration} s")
    counters_before = pool_counters(stack)
    before = meter.snapshot()
    with ThroughputSampler(stack) as sampler:
        w1 = run_wrk(os.path.join(ROOT, "bench/send.lua"), args.senders, args.duration, {"BENCH_PAIRS": pairs_file}, stack.http)
    cpu = CPUMeter.delta(before, meter.snapshot())
    time.sleep(1.5)  # workers report their counters about once a second
    counters = {k: v - counters_before.get(k, 0) for k, v in pool_counters(stack).items()}
    seconds = w1["duration_us"] / 1e6
    sent = w1["requests"]
    errors = sum(w1[k] for k in w1 if k.startswith("errors_"))
    results["W1"] = {
        "messages_per_s": sent / seconds, "p50_ms": w1["p50_us"] / 1000, "p99_ms": w1["p99_us"] / 1000, "max_ms": w1["max_us"] / 1000,
        "errors": errors, "server_cpu_us_per_msg": sum(cpu.values()) / max(sent, 1) * 1e6, "cpu": cpu,
        "generator_cpu_s": w1["generator_cpu"], "seconds": seconds, "over_time": sampler.series,
        "senders": args.senders,
    }
    if counters.get("sends"):
        # Transactions: each send alone, plus one per group commit (a refused one is rare; its
        # sends were then stored alone and are counted among the batched ones here).
        alone = counters["sends"] - counters.get("batched_sends", 0)
        transactions = alone + counters.get("batches", 0) + counters.get("refused_batches", 0)
        results["W1"]["pool"] = dict(counters, sends_per_transaction=counters["sends"] / max(transactions, 1))
        log(f"W1: {counters['sends']:.0f} sends in {transactions:.0f} transactions "
            f"({results['W1']['pool']['sends_per_transaction']:.2f} per transaction; {counters.get('refused_batches', 0):.0f} batches refused)")
    log(f"W1: {sent / seconds:.0f} messages/s, p50 {w1['p50_us'] / 1000:.2f} ms, p99 {w1['p99_us'] / 1000:.2f} ms, errors {errors}")
    variants = [("ceiling", os.path.join(ROOT, "bench/ceiling_send.sql"), 1),
                ("ceiling_no_limit", os.path.join(ROOT, "bench/ceiling_send_no_limit.sql"), 1),
                ("ceiling_notify", os.path.join(ROOT, "bench/ceiling_send_notify.sql"), 1),
                ("ceiling_notify_inside", os.path.join(ROOT, "bench/ceiling_send_notify_inside.sql"), 1)]
    batch = round(results["W1"].get("pool", {}).get("sends_per_transaction", 1))
    if batch >= 2:
        variants.append(("ceiling_batched", batched_ceiling_script(stack, batch), batch))
    for variant, script, sends_per_call in variants:
        log(f"W1-{variant}: pgbench, {args.senders} clients, {args.duration} s, {os.path.relpath(script, ROOT)}")
        tps = run_pgbench(stack, script, args.senders, args.duration, pair_count)
        results[f"W1-{variant}"] = {"tps": tps, "sends_per_transaction": sends_per_call, "sends_per_s": tps * sends_per_call,
                                    "clients": args.senders}
        log(f"W1-{variant}: {tps:.0f} transactions/s, {tps * sends_per_call:.0f} sends/s")


def reader_tokens(stack, user_id, count=64):
    """`count` distinct tokens of one user (lifetimes a second apart), space-separated, for
    bench/get.lua: a closed loop over them stays under nginx's per-token limit."""
    signer = ws_workloads.Signer(stack.config)
    return " ".join(signer.token(user_id, ttl=3600 + i) for i in range(count))


def workload_w5(stack, args, results):
    log(f"W5 set-up: a user in {args.w5_conversations} conversations, a conversation of {args.w5_messages} messages (bulk SQL)")
    stack.psql(os.path.join(ROOT, "bench/setup_w5.sql"),
               variables={"conversations": args.w5_conversations, "messages": args.w5_messages})
    me = stack.psql(command="SELECT id FROM users WHERE username = 'w5_0'")
    other = stack.psql(command="SELECT id FROM users WHERE username = 'w5_1'")
    room = stack.psql(command=f"SELECT room_id FROM chat_open_direct({me}, {other})")
    tokens = reader_tokens(stack, me)
    for name, path in (("W5-list", "/api/messages/conversations?limit=50"), ("W5-history", f"/api/messages/{room}?limit=50")):
        log(f"{name}: GET {path}, {args.w5_connections} connection(s), {args.w5_duration} s")
        r = run_wrk(os.path.join(ROOT, "bench/get.lua"), args.w5_connections, args.w5_duration, {"BENCH_PATH": path, "BENCH_TOKENS": tokens}, stack.http)
        results[name] = {"p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000, "requests_per_s": r["requests"] / (r["duration_us"] / 1e6),
                         "errors": r["errors_status"]}
        log(f"{name}: p50 {r['p50_us'] / 1000:.2f} ms, p99 {r['p99_us'] / 1000:.2f} ms")


def workload_search(stack, args, results):
    """Search latency for a user in conversations totalling W5's million messages (issue 5)."""
    me = stack.psql(command="SELECT id FROM users WHERE username = 'w5_0'")
    if not me:
        workload_w5(stack, args, results)
        me = stack.psql(command="SELECT id FROM users WHERE username = 'w5_0'")
    tokens = reader_tokens(stack, me)
    for name, query in (("W6-search rare term", "number%20123457"), ("W6-search common term", "milonga"),
                        ("W6-search prefix", "milon"), ("W6-search no match", "zzzz"),
                        # Again, on connections that have run every kind of search: a cached
                        # generic plan once made this 5 s (the statement timeout).
                        ("W6-search rare term, again after the others", "number%20123457")):
        path = f"/api/messages/search?q={query}"
        log(f"{name}: GET {path}, 1 connection, {args.w5_duration} s")
        r = run_wrk(os.path.join(ROOT, "bench/get.lua"), 1, args.w5_duration, {"BENCH_PATH": path, "BENCH_TOKENS": tokens}, stack.http)
        results.setdefault("W6", {})[name] = {"p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000, "errors": r["errors_status"]}
        log(f"{name}: p50 {r['p50_us'] / 1000:.1f} ms, p99 {r['p99_us'] / 1000:.1f} ms")


def workload_directory(stack, args, results):
    """The user directory over a million users (issue 13): prefix queries must stay under 5 ms p99."""
    log(f"W8 set-up: {args.w8_users} directory users (bulk SQL; the first run takes a minute or two)")
    stack.psql(os.path.join(ROOT, "bench/setup_w8.sql"), variables={"users": args.w8_users})
    me = stack.psql(command="SELECT id FROM users WHERE username = 'w8_1'")
    tokens = reader_tokens(stack, me)
    for name, query, target in (("W8-directory prefix", "mar", "p99 < 5 ms"),
                                ("W8-directory two letters", "ga", "p99 < 5 ms"),
                                ("W8-directory accented prefix", "mu%C3%B1oz", "p99 < 5 ms"),
                                ("W8-directory later word", "garcia", ""),
                                ("W8-directory inside a Japanese name", "%E5%A4%AA%E9%83%8E", ""),
                                ("W8-directory no match", "zzzz", "")):
        path = f"/api/users?q={query}&limit=20"
        log(f"{name}: GET {path}, 1 connection, {args.w5_duration} s")
        r = run_wrk(os.path.join(ROOT, "bench/get.lua"), 1, args.w5_duration, {"BENCH_PATH": path, "BENCH_TOKENS": tokens}, stack.http)
        results.setdefault("directory_rows", []).append(
            (f"{name} p50 / p99", f"{r['p50_us'] / 1000:.2f} / {r['p99_us'] / 1000:.2f} ms ({r['errors_status']} errors)", target))
        log(f"{name}: p50 {r['p50_us'] / 1000:.2f} ms, p99 {r['p99_us'] / 1000:.2f} ms")


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
    memory = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) // 1024 // 1024
    return f"{os.cpu_count()} cores ({model}), {memory} GiB, {platform.system()} {platform.release()}"


def table(results):
    rows = []
    w1 = results.get("W1")
    if w1:
        ceiling = results["W1-ceiling"]["tps"]
        rows.append(("W1 send throughput", f"{w1['messages_per_s']:.0f} msg/s", "≥ 4000 msg/s"))
        rows.append(("W1 latency p50 / p99 / max", f"{w1['p50_ms']:.2f} / {w1['p99_ms']:.2f} / {w1['max_ms']:.1f} ms", ""))
        rows.append(("W1 errors", str(w1["errors"]), "0"))
        rows.append(("W1 server CPU per message", f"{w1['server_cpu_us_per_msg']:.0f} µs "
                     f"({', '.join(f'{k} {v:.1f}s' for k, v in sorted(w1['cpu'].items()))})", ""))
        rows.append(("W1 load generator CPU", f"{w1['generator_cpu_s']:.1f} s over {w1['seconds']:.0f} s", ""))
        pool = w1.get("pool")
        if pool:
            rows.append(("W1 sends per transaction (group commit)", f"{pool['sends_per_transaction']:.2f} "
                         f"({pool['sends']:.0f} sends, {pool.get('batches', 0):.0f} group commits, "
                         f"{pool.get('refused_batches', 0):.0f} refused)", ""))
        rows.append(("W1-ceiling (pgbench, same SQL, one send per transaction)", f"{ceiling:.0f} tx/s", ""))
        unlimited = results["W1-ceiling_no_limit"]["tps"]
        clients = results["W1-ceiling"]["clients"]
        # At `clients` concurrent pgbench clients a send takes clients / tps seconds.
        rows.append(("W1-ceiling without the rate-limit check", f"{unlimited:.0f} tx/s: the check adds "
                     f"{(clients / ceiling - clients / unlimited) * 1e6:.0f} µs to each send's {clients / unlimited * 1e6:.0f} µs "
                     f"at {clients} clients ({(1 - ceiling / unlimited) * 100:.1f} % fewer sends/s)", ""))
        rows.append(("W1-ceiling + a NOTIFY after each commit", f"{results['W1-ceiling_notify']['tps']:.0f} tx/s", ""))
        rows.append(("W1-ceiling + the NOTIFY inside the transaction", f"{results['W1-ceiling_notify_inside']['tps']:.0f} tx/s", ""))
        rows.append(("W1 / ceiling (one send per transaction)", f"{w1['messages_per_s'] / ceiling:.2f}", "≥ 0.80"))
        batched = results.get("W1-ceiling_batched")
        if batched:
            rows.append((f"W1-ceiling, {batched['sends_per_transaction']} sends per chat_send_messages call",
                         f"{batched['tps']:.0f} tx/s = {batched['sends_per_s']:.0f} sends/s", ""))
            rows.append(("W1 / ceiling at the pool's batch size", f"{w1['messages_per_s'] / batched['sends_per_s']:.2f}", "≥ 0.80"))
    for name in ("W5-list", "W5-history"):
        if name in results:
            r = results[name]
            rows.append((f"{name} p50 / p99", f"{r['p50_ms']:.2f} / {r['p99_ms']:.2f} ms", "p99 < 5 ms"))
    rows += ws_workloads.rows(results)
    rows += floor.rows(results)
    rows += mixed.rows(results)
    rows += noisy_neighbour.rows(results)
    for name, r in results.get("W6", {}).items():
        rows.append((f"{name} p50 / p99", f"{r['p50_ms']:.1f} / {r['p99_ms']:.1f} ms ({r['errors']} errors)", "p99 ≤ 50 ms"))
    rows += w4b.rows(results)
    rows += results.get("directory_rows", [])
    for name, value in results.get("extra_rows", []):
        rows.append((name, value, ""))
    width = max(len(r[0]) for r in rows)
    text = "\n".join(f"| {a.ljust(width)} | {b} | {c} |" for a, b, c in rows)
    return "| workload | measured | target |\n|---|---|---|\n" + text


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack-dir", default=os.path.join(ROOT, "var/bench"))
    parser.add_argument("--http-port", type=int, default=int(os.environ.get("HTTP_PORT", 28180)))
    parser.add_argument("--admin", required=True)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--w1-warmup", type=int, default=5, help="seconds of unmeasured W1 sends before W1 (0: none)")
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--w5-conversations", type=int, default=500)
    parser.add_argument("--w5-messages", type=int, default=1_000_000)
    parser.add_argument("--w5-duration", type=int, default=10)
    parser.add_argument("--w5-connections", type=int, default=1, help="concurrent readers (1: latency without queueing)")
    parser.add_argument("--w8-users", type=int, default=1_000_000, help="users in the directory for W8")
    ws_workloads.add_arguments(parser)
    noisy_neighbour.add_arguments(parser)
    mixed.add_arguments(parser)
    w4b.add_arguments(parser)
    parser.add_argument("--only", default="W1,W2,W3,W4,W4B,W5,W6,W7,W8,W9", help="comma-separated workloads: W1,W2,W3,W4,W4B,W5,W6,W7,W8,W9")
    parser.add_argument("--output", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--charts-dir", default=os.path.join(ROOT, "docs/bench"), help="where the charts (PNG) go")
    args = parser.parse_args()
    stack = Stack(args.stack_dir, args.http_port, args.admin)
    results = {}
    wanted = set(w.strip().upper() for w in args.only.split(","))
    unknown = wanted - {"W1", "W2", "W3", "W4", "W4B", "W5", "W6", "W7", "W8", "W9"}
    if unknown:
        parser.error(f"unknown workloads in --only: {', '.join(sorted(unknown))}")
    if "W1" in wanted:
        workload_w1(stack, args, results)
    if wanted & {"W2", "W3", "W4", "W4B", "W9"}:
        meter = CPUMeter(stack)
        if "W2" in wanted:
            ws_workloads.workload_w2(stack, args, results, meter, log, timeline_dir=os.environ.get("MESSAGING_STAGE_TIMELINE"))
            floor.workload_floor(stack, args, results, log)
        if "W3" in wanted:
            ws_workloads.workload_w3(stack, args, results, meter, log)
        if "W4" in wanted:
            ws_workloads.workload_w4(stack, args, results, meter, log)
        if "W4B" in wanted:
            w4b.workload_w4b(stack, args, results, meter, log)
        if "W9" in wanted:
            noisy_neighbour.workload_w9(stack, args, results, meter, log)
    if "W7" in wanted:
        pairs_file = os.path.join(stack.dir, "bench_pairs.txt")
        if "W1" not in wanted:
            pairs_file, _ = prepare_w1_pairs(stack, args)
        mixed.workload_w7(stack, args, results, CPUMeter(stack), log, pairs_file)
    if "W5" in wanted:
        workload_w5(stack, args, results)
    if "W6" in wanted:
        workload_search(stack, args, results)
    if "W8" in wanted:
        workload_directory(stack, args, results)
    rendered = table(results) + "\n\n" + targets.table(results)
    print(rendered)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    w4b_chart = w4b.chart(results, args.charts_dir)
    images = charts.write_all(results, args.charts_dir,
                              [(os.path.basename(w4b_chart), "W4b memory against connections")] if w4b_chart else [])
    section = f"## Latest run ({stamp})\n\nMachine: {machine()}. Command: `make bench` " \
              f"(release build, {args.senders} senders, {args.duration} s per load).\n\n{rendered}\n\n{images}\n"
    write_latest(args.output, section)


def write_latest(path, section):
    """Replaces the 'Latest run' section of BENCHMARKS.md, keeping the notes around it."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n\n<!-- latest -->\n<!-- /latest -->\n"
    if "<!-- latest -->" not in text:
        text += "\n<!-- latest -->\n<!-- /latest -->\n"
    head, rest = text.split("<!-- latest -->", 1)
    tail = rest.split("<!-- /latest -->", 1)[1]
    open(path, "w").write(f"{head}<!-- latest -->\n{section}<!-- /latest -->{tail}")


if __name__ == "__main__":
    sys.exit(main())
