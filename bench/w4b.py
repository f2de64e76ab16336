"""W4b of the benchmark (issue 17): 100,000 idle WebSocket connections on one machine.

Several push daemons of their own (each one process under the 20,000-descriptor limit), one nginx
of its own whose upstream lists them all (enough workers for two descriptors per connection), and
holder processes (each under 20,000 descriptors) that open the idle connections through that nginx
from several 127.0.0.x source addresses. Printed per daemon: connections, RSS before and after, KB
per connection. While they are held: W2 through the same nginx. Then one daemon is restarted
(SIGTERM, started again) while a sender keeps sending to a group some of whose connections are on
it; its clients reconnect after a random delay with `?since=<cursor>` (docs/PUSH_PROTOCOL.md §4),
the cursor taken from the frames each connection got. Printed: time from the kill until every
connection is back, peak CPU (machine and per process group), and that every group connection got
every message exactly once.

Imported by bench.py: `add_arguments`, `workload_w4b`, `rows`, `chart`. Loopback only; every count
and wait is bounded; every process started here is stopped in `finally` blocks.
"""
import argparse
import asyncio
import copy
import ctypes
import json
import math
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import ws_workloads
from ws_workloads import (RawClient, Signer, create_group, daemon_rss_kb, ensure_users, open_paced, open_raw_client, raise_nofile,
                          send_series, upgrade_request)

# The most descriptors any one process started here may hold (the machine's hard limit is 20,000).
FD_LIMIT = 20000
# nginx's per-worker connection slots (a proxied WebSocket takes two) and descriptors.
NGINX_WORKER_CONNECTIONS = 19000


# ---------------------------------------------------------------------------------------------
# The daemons and the nginx in front of them


def _die_with_parent():
    """preexec_fn: the child gets SIGTERM when the bench process dies, even by SIGKILL."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop_process(proc, timeout=15):
    """SIGTERM, then SIGKILL after `timeout` s; the exit status (None if it was never started)."""
    if proc is None:
        return None
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


class Daemons:
    """`count` push daemons with the stack's configuration, each on its own `push_listen`,
    `push_metrics_listen` and `push_daemon_id` (environment overrides, docs/configuration.md)."""

    def __init__(self, stack, count, port_base, metrics_port_base, log_dir):
        self.binary = os.path.join(os.path.dirname(stack.admin), "push-daemon")
        self.config = stack.config
        self.ports = [port_base + i for i in range(count)]
        self.metrics_ports = [metrics_port_base + i for i in range(count)]
        self.log_dir = log_dir
        self.procs = [None] * count

    def start(self, i):
        env = {**os.environ, "MESSAGING_PUSH_LISTEN": f"127.0.0.1:{self.ports[i]}",
               "MESSAGING_PUSH_METRICS_LISTEN": f"127.0.0.1:{self.metrics_ports[i]}",
               "MESSAGING_PUSH_DAEMON_ID": f"w4b-{i}",
               # ~40 connections per user per daemon (scripts/bench.sh sets 1,000 for W4 as well).
               "MESSAGING_PUSH_MAX_CONNECTIONS_PER_USER": os.environ.get("MESSAGING_PUSH_MAX_CONNECTIONS_PER_USER", "1000")}
        log = open(os.path.join(self.log_dir, f"push-daemon-w4b-{i}.log"), "a")
        self.procs[i] = subprocess.Popen([self.binary, "--config", self.config], env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, preexec_fn=_die_with_parent)
        log.close()

    def wait_listening(self, i, cap_s=30):
        """Until daemon i answers /ws/health on its own port; seconds waited."""
        t0 = time.monotonic()
        while True:
            if self.procs[i].poll() is not None:
                raise RuntimeError(f"W4b daemon {i} exited with {self.procs[i].returncode}; see push-daemon-w4b-{i}.log")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[i]}/ws/health", timeout=1) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except OSError:
                pass
            if time.monotonic() - t0 > cap_s:
                raise RuntimeError(f"W4b daemon {i} not listening after {cap_s} s")
            time.sleep(0.05)

    def pid(self, i):
        return self.procs[i].pid

    def connected(self, i):
        """The daemon's messaging_push_connected_clients gauge."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_ports[i]}/metrics", timeout=5) as r:
                text = r.read().decode()
        except OSError:
            return 0
        m = re.search(r"^messaging_push_connected_clients(?:\{[^}]*\})?\s+([0-9.e+]+)", text, re.M)
        return int(float(m.group(1))) if m else 0

    def stop(self, i):
        return _stop_process(self.procs[i])

    def stop_all(self):
        for proc in self.procs:
            _stop_process(proc)


def nginx_config(stack, root, http_port, daemon_ports, workers, run_dir, upstream_sources):
    """The stack's nginx template (nginx/dev/nginx.conf.template) for W4b: `workers` processes
    that each hold up to 20,000 descriptors, accepts spread by `reuseport`, and an upstream of
    every W4b daemon (least_conn, max_fails=0: nginx counts a WebSocket's success only when it
    ends, so after one refused connect a restarted daemon would get one new connection per
    fail_timeout; a refused connect simply goes to the next daemon, proxy_next_upstream)."""
    text = open(os.path.join(root, "nginx/dev/nginx.conf.template")).read()
    servers = "".join(f"        server 127.0.0.1:{p} max_fails=0;\n" for p in daemon_ports)
    # nginx's connections to the daemons from several source addresses: connect() prefers even
    # ports, so one (source, daemon) pair fills at ~14,000 connections and each further connect()
    # then scans the whole range (W4b slowed to a few a second at 14,900 per daemon).
    shares = "".join(f"        {100 / len(upstream_sources):.2f}% {a};\n" for a in upstream_sources[:-1])
    split = (f'    split_clients "$remote_addr$remote_port" $w4b_upstream_source {{\n{shares}'
             f"        * {upstream_sources[-1]};\n    }}\n\n")
    replacements = [
        ("worker_processes 1;", f"worker_processes {workers};"),
        ("worker_rlimit_nofile 20000;", f"worker_rlimit_nofile {FD_LIMIT};"),
        ("worker_connections 19000;", f"worker_connections {NGINX_WORKER_CONNECTIONS};"),
        ("pid @STACK_DIR@/run/nginx.pid;", f"pid {run_dir}/nginx.pid;"),
        ("error_log @STACK_DIR@/log/nginx-error.log", f"error_log {run_dir}/nginx-error.log"),
        ("@STACK_DIR@/log/nginx-access.log", f"{run_dir}/nginx-access.log"),
        ("listen 127.0.0.1:@HTTP_PORT@;", f"listen 127.0.0.1:{http_port} reuseport backlog=4096;\n"
                                          "        proxy_bind $w4b_upstream_source;"),
        ("        server @PUSH_ADDRESS@;\n", "        least_conn;\n" + servers),
        ("    upstream messaging_push {", split + "    upstream messaging_push {"),
    ]
    for old, new in replacements:
        if old not in text:
            raise RuntimeError(f"nginx/dev/nginx.conf.template changed: no '{old.strip()}' to replace for W4b")
        text = text.replace(old, new)
    return (text.replace("@USER_LINE@", "user root;" if os.getuid() == 0 else "").replace("@STACK_DIR@", stack.dir)
            .replace("@HTTP_PORT@", str(http_port)).replace("@FCGI_SOCKET@", os.path.join(stack.dir, "run/fcgi.sock"))
            .replace("@ROOT@", root))


class ScaleNginx:
    """An nginx of W4b's own, in the foreground (`daemon off`) as a child of the bench."""

    def __init__(self, stack, root, http_port, daemon_ports, workers, run_dir, upstream_sources):
        self.port = http_port
        self.workers = workers
        self.run_dir = run_dir
        # In the stack's nginx folder: the snippets include fastcgi_params relative to the config.
        self.conf = os.path.join(stack.dir, "nginx", "w4b-nginx.conf")
        with open(self.conf, "w") as f:
            f.write(nginx_config(stack, root, http_port, daemon_ports, workers, run_dir, upstream_sources))
        self.prefix = os.path.join(stack.dir, "nginx")
        self.proc = None

    def start(self):
        subprocess.run(["nginx", "-t", "-q", "-p", self.prefix, "-c", self.conf], check=True)
        self.proc = subprocess.Popen(["nginx", "-p", self.prefix, "-c", self.conf, "-g", "daemon off;"],
                                     stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        t0 = time.monotonic()
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/health", timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() - t0 > 20:
                    raise RuntimeError(f"W4b nginx did not start; see {self.run_dir}/nginx-error.log")
                time.sleep(0.1)

    def stop(self):
        # SIGQUIT would wait for the upgraded connections to end; SIGTERM closes them at once.
        _stop_process(self.proc)


# ---------------------------------------------------------------------------------------------
# Holder processes: idle connections that reconnect with their cursor


async def _holder_main(pipe, spec):
    """Opens spec["clients"] connections ([token, source address, probe?]) at spec["rate"] per
    second; keeps each one's cursor from the frames it gets; a connection the server closes is
    opened again after a random delay of up to spec["jitter_s"] with ?since=<cursor> (retried
    with backoff while refused). Probe connections record the message ids of new_message frames."""
    raise_nofile()
    loop = asyncio.get_running_loop()
    host_port, path = spec["url"].split("://", 1)[1].split("/", 1)
    host, port, path = host_port.rsplit(":", 1)[0], int(host_port.rsplit(":", 1)[1]), "/" + path
    clients = spec["clients"]
    n = len(clients)
    conns = [None] * n
    cursors = [None] * n
    # Whether an event frame came after the current connection's `connected` frame (its cursor
    # then supersedes the one in `connected`, which may be handled later).
    moved_on = [False] * n
    probe_ids = {i: [] for i, c in enumerate(clients) if c[2]}
    reconnected = set()  # connections that were dropped by the server and came back
    marked = []  # the probes connected at "mark"
    stats = {"failed": 0, "retried": 0, "reconnects": 0, "reconnect_failures": 0, "resyncs": 0, "drops": 0, "gave_up": 0}
    failures = {}
    state = {"closing": False, "reconnect_until": 0.0}
    pending = asyncio.Semaphore(spec["max_pending"])
    timeout = spec["open_timeout"]
    cursor_pattern = re.compile(rb'^\{"type":"(\w+)".*?"cursor":(\d+)')

    def on_frame_for(i):
        ids = probe_ids.get(i)

        def on_frame(_t, opcode, payload):
            if opcode != 0x1:
                return
            m = cursor_pattern.match(payload)
            if m is None:  # presence, typing, pong: no cursor
                return
            if m.group(1) == b"resync_required":
                stats["resyncs"] += 1
            cursors[i] = int(m.group(2))
            moved_on[i] = True
            if ids is not None and m.group(1) == b"new_message":
                ids.append(json.loads(payload)["message"]["id"])
        return on_frame

    class Holder(RawClient):
        def __init__(self, i, request):
            super().__init__(request, on_frame_for(i))
            self.index = i

        def connection_lost(self, exc):
            super().connection_lost(exc)
            for future in (self.opened, self.first):  # nobody awaits them after a failed handshake
                if future.done() and not future.cancelled():
                    future.exception()
            i = self.index
            if conns[i] is self and not state["closing"]:
                conns[i] = None
                stats["drops"] += 1
                loop.create_task(reopen(i))

    async def open_one(i):
        token, source, _ = clients[i]
        query = f"?since={cursors[i]}" if cursors[i] is not None else ""
        request = upgrade_request(path + query, f"{host}:{port}", token)
        moved_on[i] = False
        sock = await asyncio.wait_for(connected_socket(source), timeout)
        proto, first = await open_raw_client(lambda: Holder(i, request), timeout, sock=sock)
        if not moved_on[i]:
            cursors[i] = first["cursor"]
        conns[i] = proto

    async def connected_socket(source):
        # The source address without a port yet (IP_BIND_ADDRESS_NO_PORT): connect() picks it, as
        # for nginx's own connections to the daemons. A plain bind() would claim ports on every
        # address for connect(), leaving nginx half the ephemeral range (EADDRNOTAVAIL at ~14,000
        # connections per daemon).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24), 1)
            sock.bind((source, 0))
            sock.setblocking(False)
            await loop.sock_connect(sock, (host, port))
            return sock
        except BaseException:
            sock.close()
            raise

    def count_failure(error):
        key = f"{type(error).__name__}: {str(error)[:120]}"
        failures[key] = failures.get(key, 0) + 1

    async def first_open(i):
        # A refused or timed-out handshake is counted and tried again (a busy machine drops some).
        try:
            for attempt in range(spec["open_attempts"]):
                try:
                    await open_one(i)
                    return
                except Exception as error:  # counted, never fatal
                    count_failure(error)
                    if attempt + 1 == spec["open_attempts"]:
                        stats["failed"] += 1
                    else:
                        stats["retried"] += 1
                        await asyncio.sleep(random.uniform(0.5, 1.5))
        finally:
            pending.release()

    async def reopen(i):
        delay = random.uniform(0, spec["jitter_s"])
        while not state["closing"]:
            await asyncio.sleep(delay)
            if state["closing"]:
                return
            if time.monotonic() > state["reconnect_until"]:
                stats["gave_up"] += 1
                return
            try:
                await open_one(i)
                stats["reconnects"] += 1
                reconnected.add(i)
                return
            except Exception as error:
                count_failure(error)
                stats["reconnect_failures"] += 1
                delay = random.uniform(0.5, 1.5) * spec["jitter_s"]

    started = time.monotonic()
    state["reconnect_until"] = started + spec["connect_cap_s"] + spec["reconnect_cap_s"]
    tasks = await open_paced(n, spec["rate"], spec["connect_cap_s"], timeout, pending, first_open)
    pipe.send(("ready", {"connected": sum(1 for c in conns if c is not None), "failed": stats["failed"] + n - len(tasks),
                         "retried": stats["retried"], "failures": dict(failures), "connect_s": time.monotonic() - started}))
    while True:
        command, arg = await loop.run_in_executor(None, pipe.recv)
        if command == "status":
            pipe.send(("status", {"open": sum(1 for c in conns if c is not None and not c.lost), **stats,
                                  "failures": dict(failures)}))
        elif command == "reconnect_window":  # allow reconnecting for arg seconds from now
            state["reconnect_until"] = time.monotonic() + arg
            pipe.send(("ok", None))
        elif command == "mark":  # the probes connected now start recording
            for ids in probe_ids.values():
                ids.clear()
            reconnected.clear()
            marked[:] = [i for i in sorted(probe_ids) if conns[i] is not None]
            pipe.send(("ok", None))
        elif command == "probes":
            pipe.send(("probes", [(probe_ids[i], i in reconnected) for i in marked]))
        elif command == "close":
            state["closing"] = True
            live = [c for c in conns if c is not None]
            for start in range(0, len(live), 1000):
                for c in live[start:start + 1000]:
                    c.close()
                await asyncio.sleep(0.02)
            pipe.send(("closed", None))
            return


class Holders(ws_workloads.Receivers):
    """Child processes (fork) running `_holder_main`; `clients` is split round-robin."""

    def __init__(self, url, clients, processes, rate, connect_cap_s, reconnect_cap_s, jitter_s, max_pending):
        super().__init__(url, clients, processes, rate, connect_cap_s, record=False, max_pending=max_pending,
                         main=_holder_main, extra_spec={"reconnect_cap_s": reconnect_cap_s, "jitter_s": jitter_s,
                                                             "open_timeout": 20, "open_attempts": 3})

    @staticmethod
    def _merge(replies):
        merged = {}
        for r in replies:
            for k, v in r.items():
                if k == "failures":
                    for text, count in v.items():
                        merged.setdefault(k, {})[text] = merged.get(k, {}).get(text, 0) + count
                elif k == "connect_s":
                    merged[k] = max(merged.get(k, 0.0), v)
                else:
                    merged[k] = merged.get(k, 0) + v
        return merged

    def wait_ready(self, timeout):
        return self._merge(self._ask(None, timeout=timeout))

    def status(self):
        return self._merge(self._ask("status", timeout=60))

    def reconnect_window(self, seconds):
        self._ask("reconnect_window", seconds)

    def mark(self):
        self._ask("mark")

    def probes(self):
        return [p for r in self._ask("probes", timeout=120) for p in r]

    def pids(self):
        return [p.pid for p in self.procs]


# ---------------------------------------------------------------------------------------------
# Measuring


def machine_cpu_ticks():
    """(busy, total) jiffies of all cores since boot (/proc/stat)."""
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class PeakCPU:
    """Samples, every `interval` s in a thread, the machine's busy share (in cores) and each
    process group's CPU (in cores) through `meter` (a CPUMeter over the groups); keeps the peaks."""

    def __init__(self, meter, interval=0.5):
        self.meter = meter
        self.interval = interval
        self.peaks = {"machine": 0.0}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        cores = os.cpu_count()
        busy0, total0 = machine_cpu_ticks()
        snap0, t0 = self.meter.snapshot(), time.monotonic()
        while not self.stop_event.wait(self.interval):
            busy1, total1 = machine_cpu_ticks()
            snap1, t1 = self.meter.snapshot(), time.monotonic()
            if total1 > total0:
                self.peaks["machine"] = max(self.peaks["machine"], (busy1 - busy0) / (total1 - total0) * cores)
            for name, seconds in self.meter.delta(snap0, snap1).items():
                self.peaks[name] = max(self.peaks.get(name, 0.0), max(seconds, 0.0) / (t1 - t0))
            busy0, total0, snap0, t0 = busy1, total1, snap1, t1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()


def group_meter(meter, stack, daemons, nginx, holders=None):
    """A copy of bench.py's CPUMeter over W4b's process groups (each root and its descendants);
    with `holders`, their processes summed as one group."""
    class GroupMeter(type(meter)):
        def snapshot(self):
            values = super().snapshot()
            parts = [values.pop(k) for k in list(values) if k.startswith("holder-")]
            if parts:
                values["holders"] = sum(parts)
            return values

    groups = copy.copy(meter)
    groups.__class__ = GroupMeter
    groups.roots = {"pool": stack.pid("fcgi-app"), "postgres": meter.roots["postgres"], "nginx-w4b": nginx.proc.pid,
                    **{f"daemon-{i}": daemons.pid(i) for i in range(len(daemons.procs))},
                    **{f"holder-{k}": pid for k, pid in enumerate(holders.pids() if holders else [])}}
    return groups


def per_daemon(daemons):
    return [{"connections": daemons.connected(i), "rss_kb": daemon_rss_kb(daemons.pid(i))} for i in range(len(daemons.procs))]


# ---------------------------------------------------------------------------------------------
# The workload


def workload_w4b(stack, args, results, meter, log):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    run_dir = os.path.join(stack.dir, "w4b")
    os.makedirs(run_dir, exist_ok=True)
    total = args.w4b_connections
    count = args.w4b_daemons or math.ceil(total / args.w4b_per_daemon)
    processes = args.w4b_processes or math.ceil(total / args.w4b_per_process)
    workers = args.w4b_nginx_workers or max(1, math.ceil(2 * total / (NGINX_WORKER_CONNECTIONS * 0.8)))
    if total / count > FD_LIMIT - 1000 or total / processes > FD_LIMIT - 1000:
        raise RuntimeError(f"W4b: {total} connections over {count} daemons / {processes} processes exceed "
                           f"{FD_LIMIT - 1000} descriptors per process")
    previous_term = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(143)))
    daemons = Daemons(stack, count, args.w4b_port_base, args.w4b_metrics_port_base, os.path.join(stack.dir, "log"))
    nginx = holders = None
    result = {"daemons": count, "processes": processes, "nginx_workers": workers, "target": total}
    results["W4b"] = result
    try:
        for i in range(count):
            daemons.start(i)
        for i in range(count):
            daemons.wait_listening(i)
        upstream_sources = [f"127.0.1.{i}" for i in range(1, 1 + args.w4b_upstream_sources)]
        nginx = ScaleNginx(stack, root, args.w4b_http_port, daemons.ports, workers, run_dir, upstream_sources)
        nginx.start()
        signer = Signer(stack.config)
        idle_users = ensure_users(stack, "wsb4b_", args.w4b_users)  # in no conversation, as W4's
        probe_users = ensure_users(stack, f"wsb4bp_{ws_workloads.RUN}_", args.w4b_probe_users + 1)
        group = create_group(stack, probe_users, f"W4b restart {time.strftime('%H:%M:%S')}")
        sources = [f"127.0.0.{i}" for i in range(2, 2 + args.w4b_source_addresses)]
        probes = [(signer.token(u), None, True) for u in probe_users[1:] for _ in range(args.w4b_probe_connections)]
        idle_tokens = [signer.token(u, ttl=4 * 3600) for u in idle_users]
        # The group's connections first: a connect phase cut short by its cap still has them all.
        clients = probes + [(idle_tokens[i % len(idle_tokens)], None, False) for i in range(total - len(probes))]
        clients = [(token, sources[i % len(sources)], probe) for i, (token, _, probe) in enumerate(clients)]
        time.sleep(1)
        before = per_daemon(daemons)
        log(f"W4b: {count} daemons on 127.0.0.1:{daemons.ports[0]}-{daemons.ports[-1]} behind nginx :{nginx.port} "
            f"({workers} workers × {NGINX_WORKER_CONNECTIONS} connections, {FD_LIMIT} descriptors each); opening {total} "
            f"idle connections ({len(probes)} of them in a group of {len(probe_users)}) from {len(sources)} source addresses, "
            f"{processes} processes, {args.w4b_rate}/s, cap {args.w4b_cap} s")
        t0 = time.monotonic()
        holders = Holders(f"ws://127.0.0.1:{nginx.port}/ws/notifications", clients, processes, args.w4b_rate, args.w4b_cap,
                          args.w4b_reconnect_cap, args.w4b_jitter, args.w4b_pending)
        # RSS against connections while they open (the chart), from the daemons' own gauge.
        curve = []
        ready_box = {}
        waiter = threading.Thread(target=lambda: ready_box.update(holders.wait_ready(args.w4b_cap + 120)), daemon=True)
        waiter.start()
        while waiter.is_alive():
            curve.append(per_daemon(daemons))
            waiter.join(timeout=args.w4b_sample_s)
        if not ready_box:
            raise RuntimeError("W4b: holder processes did not report")
        ready = ready_box
        connect_s = time.monotonic() - t0
        time.sleep(2)
        after = per_daemon(daemons)
        curve.append(after)
        result.update(connected=ready["connected"], failed=ready["failed"], retried=ready["retried"],
                      failures=ready.get("failures", {}),
                      connect_s=connect_s, curve=curve, sources=len(sources), probes=len(probes))
        rows_out = []
        for i, (b, a) in enumerate(zip(before, after)):
            kb = (a["rss_kb"] - b["rss_kb"]) / max(a["connections"], 1)
            rows_out.append({"daemon": i, "connections": a["connections"], "rss_before_kb": b["rss_kb"],
                             "rss_after_kb": a["rss_kb"], "kb_per_connection": kb})
            log(f"W4b: daemon {i}: {a['connections']} connections, RSS {b['rss_kb'] / 1024:.1f} -> {a['rss_kb'] / 1024:.1f} MB, "
                f"{kb:.2f} KB per connection")
        held = sum(r["connections"] for r in rows_out)
        growth = sum(r["rss_after_kb"] - r["rss_before_kb"] for r in rows_out)
        result.update(per_daemon=rows_out, held=held, kb_per_connection=growth / max(held, 1))
        log(f"W4b: {ready['connected']} connected, {ready['failed']} failed after 3 attempts ({ready['retried']} attempts "
            f"retried; errors {ready.get('failures') or 'none'}) in {connect_s:.1f} s; "
            f"daemons hold {held}; RSS growth {growth / 1024:.1f} MB = {result['kb_per_connection']:.2f} KB per connection")

        # W2 through the same nginx while they are held.
        sub_args = argparse.Namespace(**vars(args))
        sub_args.http_port = nginx.port
        sub = {}
        ws_workloads.workload_w2(stack, sub_args, sub, group_meter(meter, stack, daemons, nginx), log, key="W4b W2",
                                  timeline_dir=os.environ.get("MESSAGING_STAGE_TIMELINE"))
        result["w2"] = sub["W4b W2"]
        restart(stack, args, result, daemons, nginx, holders, signer, probe_users, group, meter, log)
    finally:
        if holders is not None:
            holders.close()
        if nginx is not None:
            nginx.stop()
        daemons.stop_all()
        signal.signal(signal.SIGTERM, previous_term)


def restart(stack, args, result, daemons, nginx, holders, signer, probe_users, group, meter, log):
    """Restarts daemon `--w4b-restart` while a sender sends to the probe group; measures the
    reconnect storm and checks every probe connection got every message exactly once."""
    victim = args.w4b_restart
    expected_open = holders.status()["open"]
    on_victim = daemons.connected(victim)
    holders.mark()
    holders.reconnect_window(args.w4b_reconnect_cap)
    sent, errors = {}, [0]
    stop = threading.Event()
    token = signer.token(probe_users[0])

    def sender():  # batches of 10 at --w4b-send-rate until told to stop (bounded by the cap)
        t_end = time.monotonic() + args.w4b_reconnect_cap + 30
        while not stop.is_set() and time.monotonic() < t_end:
            batch, failed, _ = send_series(nginx.port, token, group, 10, 1 / args.w4b_send_rate, "W4b restart", 10)
            sent.update(batch)
            errors[0] += failed
    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    time.sleep(1)
    groups = group_meter(meter, stack, daemons, nginx, holders)
    log(f"W4b: restarting daemon {victim} ({on_victim} connections) while sending to the group; reconnect jitter "
        f"{args.w4b_jitter} s")
    with PeakCPU(groups) as peak:
        t_kill = time.monotonic()
        daemons.stop(victim)
        stopped_s = time.monotonic() - t_kill
        daemons.start(victim)
        groups.roots[f"daemon-{victim}"] = daemons.pid(victim)
        up_s = daemons.wait_listening(victim) + stopped_s
        back_s = None
        status = holders.status()
        while time.monotonic() - t_kill < args.w4b_reconnect_cap:
            status = holders.status()
            if status["open"] >= expected_open and status["drops"] > 0:
                back_s = time.monotonic() - t_kill
                break
            time.sleep(0.2)
    time.sleep(1)  # the sender goes on a moment after everyone is back
    stop.set()
    thread.join()
    # Wait (bounded) until every probe connection has every message, then count.
    deadline = time.monotonic() + 20
    while True:
        probes = holders.probes()
        complete = all(set(sent) <= set(ids) for ids, _ in probes)
        if complete or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    lost = sum(len(set(sent) - set(ids)) for ids, _ in probes)
    duplicates = sum(len(ids) - len(set(ids)) for ids, _ in probes)
    moved = sum(1 for _, again in probes if again)
    final = per_daemon(daemons)
    result["restart"] = {"daemon": victim, "connections_on_it": on_victim, "stopped_s": stopped_s, "listening_s": up_s,
                         "all_back_s": back_s, "expected_open": expected_open, "open": status["open"],
                         "drops": status["drops"], "reconnects": status["reconnects"],
                         "reconnect_failures": status["reconnect_failures"], "gave_up": status["gave_up"],
                         "resyncs": status["resyncs"], "failures": status.get("failures", {}),
                         "peak_cores": peak.peaks, "sent": len(sent), "send_errors": errors[0], "probe_connections": len(probes),
                         "probe_reconnected": moved, "lost": lost, "duplicates": duplicates,
                         "after": [d["connections"] for d in final]}
    r = result["restart"]
    back = f"{back_s:.1f} s" if back_s is not None else f"NOT within {args.w4b_reconnect_cap:.0f} s ({status['open']} open)"
    log(f"W4b: daemon {victim} stopped in {stopped_s:.1f} s, listening again {up_s:.1f} s after the kill; "
        f"{r['drops']} connections dropped; all {expected_open} back after {back} ({r['reconnects']} reconnects, "
        f"{r['reconnect_failures']} refused and retried, {r['resyncs']} resync_required); connections per daemon now {r['after']}; "
        f"errors since connecting: {r['failures'] or 'none'}")
    log(f"W4b: peak CPU during the storm (cores): " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(peak.peaks.items())))
    log(f"W4b: {len(sent)} messages sent during the restart ({errors[0]} send errors) to {len(probes)} group connections "
        f"({moved} of them reconnected): lost {lost}, duplicates {duplicates}")


def add_arguments(parser):
    push_port = int(os.environ.get("PUSH_PORT", 28190))
    push_metrics_port = int(os.environ.get("PUSH_METRICS_PORT", 29465))
    options = [  # (flag after --w4b-, type, default, help)
        ("connections", int, 100_000, "idle connections W4b holds in all"),
        ("daemons", int, 6, "push daemons of W4b's own (0: one per --w4b-per-daemon)"),
        ("per-daemon", int, 17_000, "connections per daemon when --w4b-daemons is 0"),
        ("processes", int, 0, "holder processes (0: one per --w4b-per-process)"),
        ("per-process", int, 12_500, "connections per holder process when --w4b-processes is 0"),
        ("nginx-workers", int, 0, f"0: enough for two descriptors per connection at 80 %% of {NGINX_WORKER_CONNECTIONS} per worker"),
        ("port-base", int, push_port + 1, "the W4b daemons' push_listen ports from here"),
        ("metrics-port-base", int, push_metrics_port + 1, "their push_metrics_listen ports from here"),
        ("http-port", int, push_port + 9, "W4b's nginx"),
        ("users", int, 400, "users (in no conversation) whose tokens the idle connections share"),
        ("probe-users", int, 10, "members of the group sent to during the restart"),
        ("probe-connections", int, 20, "connections each of them holds"),
        ("source-addresses", int, 16, "the holders' source addresses, 127.0.0.2 onwards"),
        ("upstream-sources", int, 4, "nginx's source addresses towards the daemons, 127.0.1.1 onwards"),
        ("rate", int, 2000, "connections opened per second (all processes)"),
        ("pending", int, 100, "handshakes in flight per process"),
        ("cap", int, 180, "seconds allowed for opening the connections"),
        ("sample-s", float, 1.0, "seconds between RSS samples while connecting (the chart)"),
        ("restart", int, 0, "which W4b daemon to restart"),
        ("jitter", float, 5.0, "a dropped client waits a random 0..this many s"),
        ("reconnect-cap", float, 120, "most seconds for everyone to be back"),
        ("send-rate", float, 10, "messages per second to the group during the restart"),
    ]
    for flag, kind, default, text in options:
        parser.add_argument(f"--w4b-{flag}", type=kind, default=default, help=text)


# ---------------------------------------------------------------------------------------------
# Table and chart


def rows(results):
    r = results.get("W4b")
    if not r or "per_daemon" not in r:
        return []
    out = [("W4b idle connections held", f"{r['held']} of {r['target']} ({r['failed']} failed) on {r['daemons']} daemons behind one "
            f"nginx ({r['nginx_workers']} workers), from {r['processes']} processes; opened in {r['connect_s']:.0f} s",
            "100,000")]
    out.append(("W4b daemon memory per connection", f"{r['kb_per_connection']:.2f} KB (" + "; ".join(
        f"{d['connections']}: {d['rss_before_kb'] / 1024:.0f} → {d['rss_after_kb'] / 1024:.0f} MB" for d in r["per_daemon"]) + ")",
        "< 5 KB"))
    w = r.get("w2")
    if w:
        out.append(("W4b W2 latency while held p50 / p99 / max", f"{w['p50_ms']:.2f} / {w['p99_ms']:.2f} / {w['max_ms']:.1f} ms, "
                    f"missing {w['missing']}", "p99 ≤ 5 ms"))
    s = r.get("restart")
    if s:
        back = f"{s['all_back_s']:.1f} s" if s["all_back_s"] is not None else "not all back"
        out.append(("W4b restart of one daemon: all back after", f"{back} ({s['drops']} dropped, jittered reconnects with "
                    f"their cursors; listening again after {s['listening_s']:.1f} s)", ""))
        out.append(("W4b restart: peak CPU (cores)", ", ".join(f"{k} {v:.2f}" for k, v in sorted(s["peak_cores"].items())), ""))
        out.append(("W4b restart: messages lost / duplicated", f"{s['lost']} / {s['duplicates']} ({s['sent']} messages × "
                    f"{s['probe_connections']} group connections, {s['probe_reconnected']} of them reconnected)", "0 / 0"))
    return out


def chart(results, out_dir):
    """docs/bench/w4b-memory.png: each daemon's RSS growth against its connections while they open."""
    r = results.get("W4b")
    if not r or not r.get("curve"):
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(out_dir, exist_ok=True)
    base = r["curve"][0]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    most = 1
    for i in range(len(base)):
        xs = [sample[i]["connections"] for sample in r["curve"]]
        ys = [(sample[i]["rss_kb"] - r["per_daemon"][i]["rss_before_kb"]) / 1024 for sample in r["curve"]]
        ax.plot(xs, ys, marker=".", linewidth=1, label=f"daemon {i}")
        most = max(most, max(xs))
    ax.plot([0, most], [0, most * 5 / 1024], linestyle="--", color="grey", label="5 KB per connection")
    ax.set_xlabel("connections held by the daemon")
    ax.set_ylabel("RSS growth (MB)")
    ax.set_title(f"W4b: {r['held']:,} idle connections on {r['daemons']} daemons, {r['kb_per_connection']:.2f} KB each")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(out_dir, "w4b-memory.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
