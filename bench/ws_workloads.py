"""W2, W3 and W4 of the benchmark (issue 6): push delivery latency, fan-out and idle connections.

Imported by bench.py. Receivers are asyncio + `websockets` (asyncio API) clients in child processes
(multiprocessing, fork); the sender is the parent, one keep-alive HTTP connection through nginx that
sends on a fixed schedule and records when each send request starts. Receivers timestamp each frame
on arrival with CLOCK_MONOTONIC (system-wide, so comparable across processes) and keep the raw
frame; frames are matched to sends by the message id of the 201 response after the run.

Everything is bounded: connection counts, message counts, a connect-rate limit with a time cap,
a collection deadline. Loopback only.
"""
import asyncio
import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import re
import statistics
import resource
import time

import timeline

MONO = time.CLOCK_MONOTONIC
FRAME_ID = re.compile(rb'"message"\s*:\s*\{\s*"id"\s*:\s*(\d+)')


# Names this run's users (see workload_w2).
RUN = time.strftime("%Y%m%d%H%M%S")


def now_ns():
    return time.clock_gettime_ns(MONO)


def rusage_seconds(who=resource.RUSAGE_SELF):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def machine_busy_seconds():
    """CPU seconds every core of the machine has been busy since boot (/proc/stat: all but idle
    and iowait). The difference over a run, less the stack's and the generator's own CPU, is what
    other work on the machine took meanwhile."""
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---------------------------------------------------------------------------------------------
# Tokens and data


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Signer:
    """HS256 access tokens signed with the stack's jwt_secret (claims as the daemon expects)."""

    def __init__(self, config_path):
        settings = dict(l.split(" = ", 1) for l in open(config_path).read().splitlines() if " = " in l)
        self.secret = settings["jwt_secret"].strip().encode()

    def token(self, user_id, ttl=3600):
        head = _b64(b'{"alg":"HS256","typ":"JWT"}')
        body = _b64(json.dumps({"sub": str(user_id), "exp": int(time.time()) + ttl}, separators=(",", ":")).encode())
        sig = _b64(hmac.new(self.secret, f"{head}.{body}".encode(), hashlib.sha256).digest())
        return f"{head}.{body}.{sig}"


def ensure_users(stack, prefix, count):
    """Users <prefix>1..<prefix>count (created with SQL when missing); their ids in order."""
    stack.psql(command=f"INSERT INTO users (username, display_name) SELECT '{prefix}' || g, 'WS bench ' || g "
                       f"FROM generate_series(1, {count}) g ON CONFLICT DO NOTHING")
    rows = stack.psql(command=f"SELECT id FROM users WHERE username IN (SELECT '{prefix}' || g FROM generate_series(1, {count}) g) "
                              f"ORDER BY substr(username, {len(prefix) + 1})::int")
    ids = [int(x) for x in rows.split()]
    if len(ids) != count:
        raise RuntimeError(f"expected {count} users {prefix}*, found {len(ids)}")
    return ids


def create_group(stack, members, name):
    """A new group (creator = members[0]); a fresh one per run, so no other traffic goes to it."""
    ids = ",".join(str(m) for m in members[1:])
    return int(stack.psql(command=f"SELECT chat_create_group({members[0]}, '{name}', NULL, ARRAY[{ids}]::bigint[])"))


def daemon_rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def daemon_fd_room(pid):
    """(open descriptors, soft RLIMIT_NOFILE) of the daemon."""
    open_fds = len(os.listdir(f"/proc/{pid}/fd"))
    limit = None
    for line in open(f"/proc/{pid}/limits"):
        if line.startswith("Max open files"):
            limit = int(line.split()[3])
    return open_fds, limit


# ---------------------------------------------------------------------------------------------
# Receiver processes


def _stamped_connection_class():
    """A websockets client connection that timestamps each complete incoming message when its
    bytes are read from the socket (data_received), not when a coroutine gets around to it: with
    hundreds of connections per process the coroutine wake-ups would add the client's own queueing."""
    import collections
    from websockets.asyncio.client import ClientConnection
    from websockets.frames import Opcode

    class StampedConnection(ClientConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.arrivals = collections.deque()
            self.received_at = 0

        def data_received(self, data):
            self.received_at = now_ns()
            super().data_received(data)

        def process_event(self, event):
            if getattr(event, "fin", False) and event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                self.arrivals.append(self.received_at)
            super().process_event(event)

    return StampedConnection


class RawClient(asyncio.Protocol):
    """A minimal RFC 6455 client for many connections per process: the upgrade by hand, then
    unmasked server frames parsed in data_received (timestamped there), pings answered with
    pongs. About a third of the CPU per frame of `websockets`, so a fan-out of 1,000 frames is
    not queued behind the client's own parsing."""

    def __init__(self, request, on_frame):
        self.request = request
        self.on_frame = on_frame  # (receipt ns, opcode, payload)
        self.buffer = bytearray()
        self.upgraded = False
        self.opened = asyncio.get_running_loop().create_future()
        self.first = asyncio.get_running_loop().create_future()
        self.transport = None
        self.lost = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        t = now_ns()
        buf = self.buffer
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[:end]).split(b"\r\n", 1)[0]
            if b" 101 " not in status + b" ":
                if not self.opened.done():
                    self.opened.set_exception(RuntimeError(f"upgrade refused: {status.decode(errors='replace')}"))
                self.transport.close()
                return
            del buf[:end + 4]
            self.upgraded = True
            if not self.opened.done():
                self.opened.set_result(None)
        while len(buf) >= 2:
            opcode = buf[0] & 0x0F
            length = buf[1] & 0x7F
            offset = 2
            if length == 126:
                if len(buf) < 4:
                    return
                length = int.from_bytes(buf[2:4], "big")
                offset = 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length = int.from_bytes(buf[2:10], "big")
                offset = 10
            if len(buf) < offset + length:
                return
            payload = bytes(buf[offset:offset + length])
            del buf[:offset + length]
            if opcode == 0x9:  # ping -> pong (masked with a zero key: the payload is unchanged)
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
            elif opcode == 0x8:
                self.transport.close()
            elif not self.first.done():
                self.first.set_result(payload)
            else:
                self.on_frame(t, opcode, payload)

    def connection_lost(self, exc):
        self.lost = True
        for future in (self.opened, self.first):
            if not future.done():
                future.set_exception(ConnectionError(f"connection lost: {exc}"))

    def close(self):
        if self.transport and not self.transport.is_closing():
            # Close frame, code 1000, zero mask key.
            self.transport.write(b"\x88\x82\0\0\0\0\x03\xe8")
            self.transport.close()


def upgrade_request(path, host_port, token):
    """The bytes of a WebSocket upgrade request (RawClient) with a bearer token."""
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode()


async def open_raw_client(make_protocol, timeout, **connect_kwargs):
    """loop.create_connection(make_protocol, **connect_kwargs) for a RawClient, then its upgrade
    and first frame, which must be `connected`. Returns (the protocol, that frame as a dict)."""
    _, proto = await asyncio.wait_for(asyncio.get_running_loop().create_connection(make_protocol, **connect_kwargs), timeout)
    try:
        await asyncio.wait_for(proto.opened, timeout)
        first = json.loads(await asyncio.wait_for(proto.first, timeout))
    except BaseException:
        proto.transport.close()
        raise
    if first.get("type") != "connected":
        proto.close()
        raise RuntimeError(f"first frame {first}")
    return proto, first


async def open_paced(count, rate, cap_s, open_timeout, pending, open_one):
    """Starts open_one(i) for i in 0..count-1, `rate` a second, each after acquiring `pending` (a
    semaphore open_one releases), none after `cap_s`; waits for them (bounded). The started tasks."""
    started = time.monotonic()
    deadline = started + cap_s
    tasks = []
    for i in range(count):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if time.monotonic() > deadline:
            break
        await pending.acquire()
        tasks.append(asyncio.get_running_loop().create_task(open_one(i)))
    if tasks:
        await asyncio.wait(tasks, timeout=max(1.0, deadline - time.monotonic() + open_timeout))
    return tasks


async def _receiver_main(pipe, spec):
    from websockets.asyncio.client import connect

    stamped = _stamped_connection_class()

    raise_nofile()
    url = spec["url"]
    clients = spec["clients"]  # [(token, source address or None)]
    rate = spec["rate"]
    record = spec["record"]
    conns = [None] * len(clients)
    frames = [[] for _ in clients]  # (receipt ns, raw frame) of new_message frames
    counts = [0] * len(clients)
    other_frames = [0]
    failures = {}
    state = {"connected": 0, "failed": 0, "closed": 0}
    pending = asyncio.Semaphore(spec.get("max_pending", 200))
    progress = asyncio.Event()

    async def reader(i, ws):
        lst = frames[i]
        try:
            while True:
                raw = await ws.recv(decode=False)
                t = ws.arrivals.popleft() if ws.arrivals else now_ns()
                if b"new_message" in raw:
                    counts[i] += 1
                    if record:
                        lst.append((t, raw))
                    progress.set()
                else:
                    other_frames[0] += 1
        except Exception:
            state["closed"] += 1

    def raw_frame(i):
        lst = frames[i]

        def on_frame(t, opcode, payload):
            if b"new_message" in payload:
                counts[i] += 1
                if record:
                    lst.append((t, payload))
                progress.set()
            else:
                other_frames[0] += 1
        return on_frame

    host_port = url.split("://", 1)[1].split("/", 1)[0]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]

    async def open_raw(i, token, source):
        request = upgrade_request(path, host_port, token)
        host, port = host_port.rsplit(":", 1)
        kwargs = {"local_addr": (source, 0)} if source else {}
        proto, _ = await open_raw_client(lambda: RawClient(request, raw_frame(i)), spec.get("open_timeout", 20),
                                         host=host, port=int(port), **kwargs)
        conns[i] = proto
        state["connected"] += 1

    async def open_one(i, token, source):
        try:
            if spec.get("client") == "raw":
                await open_raw(i, token, source)
                return
            kwargs = {"local_addr": (source, 0)} if source else {}
            ws = await connect(url, additional_headers={"Authorization": f"Bearer {token}"}, compression=None, proxy=None,
                               ping_interval=None, open_timeout=spec.get("open_timeout", 20), close_timeout=1,
                               max_size=2 ** 20, max_queue=64, user_agent_header=None, create_connection=stamped, **kwargs)
            first = json.loads(await asyncio.wait_for(ws.recv(), spec.get("open_timeout", 20)))
            ws.arrivals.clear()
            if first.get("type") != "connected":
                raise RuntimeError(f"first frame {first}")
            conns[i] = ws
            state["connected"] += 1
            asyncio.get_running_loop().create_task(reader(i, ws))
        except Exception as error:  # counted, never fatal
            key = f"{type(error).__name__}: {str(error)[:120]}"
            failures[key] = failures.get(key, 0) + 1
            state["failed"] += 1
        finally:
            pending.release()

    started = time.monotonic()
    tasks = await open_paced(len(clients), rate, spec["connect_cap_s"], spec.get("open_timeout", 20), pending,
                             lambda i: open_one(i, *clients[i]))
    connect_seconds = time.monotonic() - started
    pipe.send(("ready", {"connected": state["connected"], "failed": state["failed"] + (len(clients) - len(tasks)),
                         "not_attempted": len(clients) - len(tasks), "failures": failures, "connect_s": connect_seconds,
                         "cpu_s": rusage_seconds()}))
    loop = asyncio.get_running_loop()
    while True:
        command, arg = await loop.run_in_executor(None, pipe.recv)
        if command == "mark":  # start of a measured phase
            for lst in frames:
                lst.clear()
            for i in range(len(counts)):
                counts[i] = 0
            other_frames[0] = 0
            mark_cpu = rusage_seconds()
            pipe.send(("marked", None))
        elif command == "collect":  # wait until every live connection has `expected` frames, or the deadline
            expected, timeout = arg
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                if all(counts[i] >= expected for i, ws in enumerate(conns) if ws is not None):
                    break
                progress.clear()
                try:
                    await asyncio.wait_for(progress.wait(), 0.05)
                except asyncio.TimeoutError:
                    pass
            cpu = rusage_seconds() - mark_cpu
            out = []
            for i, ws in enumerate(conns):
                if ws is None:
                    continue
                ids = []
                for t, raw in frames[i]:
                    m = FRAME_ID.search(raw)
                    ids.append((int(m.group(1)) if m else -1, t))
                out.append(ids)
            pipe.send(("collected", {"per_connection": out, "cpu_s": cpu, "other_frames": other_frames[0],
                                     "closed": state["closed"]}))
        elif command == "status":
            lost = state["closed"] + sum(1 for c in conns if isinstance(c, RawClient) and c.lost)
            pipe.send(("status", {"open": sum(1 for ws in conns if ws is not None) - lost, "closed": lost,
                                  "cpu_s": rusage_seconds()}))
        elif command == "close":
            live = [ws for ws in conns if ws is not None]
            for start in range(0, len(live), 500):
                batch = live[start:start + 500]
                for c in batch:
                    if isinstance(c, RawClient):
                        c.close()
                await asyncio.gather(*(ws.close() for ws in batch if not isinstance(ws, RawClient)), return_exceptions=True)
                await asyncio.sleep(0.05)
            pipe.send(("closed", {"cpu_s": rusage_seconds()}))
            return


def _child_process(main, pipe, spec):
    """A receiver child's body: asyncio.run(main(pipe, spec)), its failure sent to the parent."""
    try:
        asyncio.run(main(pipe, spec))
    except Exception as error:
        pipe.send(("error", f"{type(error).__name__}: {error}"))


class Receivers:
    """N child processes holding WebSocket connections; `clients` is split round-robin."""

    def __init__(self, url, clients, processes, rate, connect_cap_s, record=True, max_pending=200, client="websockets",
                 main=None, extra_spec=None):
        """`main(pipe, spec)` is each child's coroutine (default: these receivers); `extra_spec` is
        added to each child's spec."""
        ctx = multiprocessing.get_context("fork")
        self.pipes, self.procs = [], []
        per = [clients[i::processes] for i in range(processes)]
        for part in per:
            if not part:
                continue
            parent, child = ctx.Pipe()
            spec = {"url": url, "clients": part, "rate": rate / processes, "connect_cap_s": connect_cap_s,
                    "record": record, "max_pending": max_pending, "client": client, **(extra_spec or {})}
            proc = ctx.Process(target=_child_process, args=(main or _receiver_main, child, spec), daemon=True)
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)
        self.start_cpu = rusage_seconds(resource.RUSAGE_CHILDREN)

    def _ask(self, command, arg=None, expect=None, timeout=600):
        for p in self.pipes:
            if command is not None:
                p.send((command, arg))
        replies = []
        for p in self.pipes:
            if not p.poll(timeout):
                raise RuntimeError(f"receiver process did not answer {command or expect} within {timeout} s")
            kind, value = p.recv()
            if kind == "error":
                raise RuntimeError(f"receiver process failed: {value}")
            replies.append(value)
        return replies

    def wait_ready(self, timeout):
        replies = self._ask(None, expect="ready", timeout=timeout)
        merged = {"connected": 0, "failed": 0, "not_attempted": 0, "failures": {}, "connect_s": 0.0, "cpu_s": 0.0}
        for r in replies:
            for k in ("connected", "failed", "not_attempted"):
                merged[k] += r[k]
            merged["connect_s"] = max(merged["connect_s"], r["connect_s"])
            merged["cpu_s"] += r["cpu_s"]
            for k, v in r["failures"].items():
                merged["failures"][k] = merged["failures"].get(k, 0) + v
        return merged

    def mark(self):
        self._ask("mark")

    def collect(self, expected, timeout):
        replies = self._ask("collect", (expected, timeout), timeout=timeout + 120)
        per_connection, cpu, other, closed = [], 0.0, 0, 0
        for r in replies:
            per_connection += r["per_connection"]
            cpu += r["cpu_s"]
            other += r["other_frames"]
            closed += r["closed"]
        return per_connection, cpu, other, closed

    def status(self):
        replies = self._ask("status", timeout=60)
        return sum(r["open"] for r in replies), sum(r["closed"] for r in replies)

    def close(self):
        try:
            self._ask("close", timeout=120)
        except Exception:
            pass
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        return rusage_seconds(resource.RUSAGE_CHILDREN) - self.start_cpu


def build_c_receiver(stack_dir):
    """Compiles bench/ws_receiver.c into the stack directory (once per source change); its path."""
    import subprocess
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ws_receiver.c")
    binary = os.path.join(stack_dir, "ws_receiver")
    if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(source):
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", binary + ".tmp", source], check=True)
        os.replace(binary + ".tmp", binary)
    return binary


class CReceivers:
    """Like `Receivers`, with the C receiver (bench/ws_receiver.c): N processes, each holding its
    share of the connections (split round-robin) with epoll; the same commands and results."""

    def __init__(self, binary, work_dir, url, clients, processes, rate, connect_cap_s, record=True, max_pending=200,
                 open_timeout=20):
        import subprocess
        rest = url.split("://", 1)[1]
        host_port, path = rest.split("/", 1)
        host, port = host_port.rsplit(":", 1)
        self.procs, self.parts = [], []
        self.start_cpu = rusage_seconds(resource.RUSAGE_CHILDREN)
        per = [list(range(len(clients)))[i::processes] for i in range(processes)]
        for n, part in enumerate(per):
            if not part:
                continue
            spec_path = os.path.join(work_dir, f"ws_receiver.{os.getpid()}.{n}.spec")
            with open(spec_path, "w") as spec:
                # Records grow as needed, up to 20,000 frames per connection (W3 sends 100).
                spec.write(f"{host} {port} /{path} {rate / processes} {connect_cap_s} {max_pending} {open_timeout} "
                           f"{1 if record else 0} {max(1, len(part)) * 20000}\n")
                for i in part:
                    token, source = clients[i]
                    spec.write(f"{token} {source or '-'}\n")
            proc = subprocess.Popen([binary, spec_path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
            self.procs.append(proc)
            self.parts.append(part)

    def _send(self, command):
        for p in self.procs:
            p.stdin.write(command + "\n")
            p.stdin.flush()

    @staticmethod
    def _line(proc):
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"C receiver exited (status {proc.poll()})")
        return line.split()

    def wait_ready(self, timeout):
        merged = {"connected": 0, "failed": 0, "not_attempted": 0, "failures": {}, "connect_s": 0.0, "cpu_s": 0.0}
        for p in self.procs:
            head = self._line(p)
            assert head[0] == "ready", head
            merged["connected"] += int(head[1])
            merged["failed"] += int(head[2])
            merged["not_attempted"] += int(head[3])
            merged["connect_s"] = max(merged["connect_s"], float(head[4]))
            merged["cpu_s"] += float(head[5])
            while True:
                line = p.stdout.readline().rstrip("\n")
                if line == "end" or not line:
                    break
                _, count, text = line.split(" ", 2)
                merged["failures"][text] = merged["failures"].get(text, 0) + int(count)
        return merged

    def mark(self):
        self._send("mark")
        for p in self.procs:
            assert self._line(p)[0] == "marked"

    def collect(self, expected, timeout):
        self._send(f"collect {expected} {timeout}")
        per_connection, cpu, other, closed = [], 0.0, 0, 0
        for p, part in zip(self.procs, self.parts):
            frames = {}
            while True:
                fields = self._line(p)
                if fields[0] == "f":
                    frames[int(fields[1])].append((int(fields[2]), int(fields[3])))
                elif fields[0] == "c":
                    frames[int(fields[1])] = []
                else:
                    assert fields[0] == "collected", fields
                    if int(fields[4]):
                        raise RuntimeError(f"C receiver could not record {fields[4]} frames (record cap reached)")
                    cpu += float(fields[1])
                    other += int(fields[2])
                    closed += int(fields[3])
                    break
            per_connection += [frames[i] for i in sorted(frames)]
        return per_connection, cpu, other, closed

    def status(self):
        self._send("status")
        open_, closed = 0, 0
        for p in self.procs:
            fields = self._line(p)
            open_ += int(fields[1])
            closed += int(fields[2])
        return open_, closed

    def close(self):
        try:
            self._send("close")
            for p in self.procs:
                self._line(p)
        except Exception:
            pass
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except Exception:
                p.kill()
                p.wait()
        return rusage_seconds(resource.RUSAGE_CHILDREN) - self.start_cpu


# ---------------------------------------------------------------------------------------------
# The sender and the statistics


def send_series(http_port, token, room, count, interval_s, label, cap_s):
    """`count` sends, one every `interval_s` (absolute schedule), over one keep-alive connection.
    Returns {message id: send start ns}, errors, send latencies (ms)."""
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started, errors, send_ms = {}, 0, []
    t0 = time.monotonic()
    for i in range(count):
        delay = t0 + i * interval_s - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if time.monotonic() - t0 > cap_s:
            break
        body = json.dumps({"content": f"{label} {i}"})
        start = now_ns()
        try:
            conn.request("POST", f"/api/messages/{room}", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 201:
                errors += 1
                continue
            started[json.loads(data)["message"]["id"]] = start
            send_ms.append((now_ns() - start) / 1e6)
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.close()
    return started, errors, send_ms


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def latency_stats(started, per_connection):
    """Latency over every (connection, sent message) pair; missing = pairs never received."""
    samples, missing, duplicates, unknown = [], 0, 0, 0
    last_receipt = 0
    for frames in per_connection:
        seen = set()
        for message_id, t in frames:
            if message_id not in started:
                unknown += 1  # e.g. the warm-up message, or a send whose 201 was lost
                continue
            if message_id in seen:
                duplicates += 1
                continue
            seen.add(message_id)
            samples.append((t - started[message_id]) / 1e6)
            last_receipt = max(last_receipt, t)
        missing += len(set(started) - seen)
    samples.sort()
    return {"pairs": len(samples), "missing": missing, "duplicates": duplicates, "unknown": unknown,
            "p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99), "max_ms": samples[-1] if samples else float("nan"),
            "last_receipt_ns": last_receipt, "samples_ms": samples}


# ---------------------------------------------------------------------------------------------
# Workloads


def _urls(stack, args):
    return (f"ws://127.0.0.1:{args.http_port}/ws/notifications",
            f"ws://127.0.0.1:{args.push_port}/ws/notifications")


def wait_quiet(meter, minimum_s, cap_s, window_s=0.5, threshold=0.15):
    """Waits at least `minimum_s` and until the server side uses less than `threshold` of a core
    over `window_s` (at most `cap_s`). Returns (seconds waited, server CPU used meanwhile)."""
    t0 = time.monotonic()
    first = meter.snapshot()
    time.sleep(minimum_s)
    while True:
        a = meter.snapshot()
        time.sleep(window_s)
        b = meter.snapshot()
        if sum(meter.delta(a, b).values()) < threshold * window_s or time.monotonic() - t0 > cap_s:
            return time.monotonic() - t0, meter.delta(first, b)


def delivery_run(stack, args, meter, signer, members, name, messages, interval_s, processes, connect_sender, log,
                 client="websockets", direct=False, during=contextlib.nullcontext, timeline_dir=None):
    """A group of `members` (members[0] sends); receivers through nginx (or straight to the daemon);
    `messages` sends, one every `interval_s`. `during()` is a context entered around the sends
    only (after connecting and settling), e.g. other load. With `timeline_dir` (the stack's
    MESSAGING_STAGE_TIMELINE), the processes record the sends' stage timeline (bench/timeline.py).
    Returns the result dict."""
    nginx_url, direct_url = _urls(stack, args)
    room = create_group(stack, members, f"{name} {time.strftime('%H:%M:%S')}")
    receivers_ids = members if connect_sender else members[1:]
    clients = [(signer.token(uid), None) for uid in receivers_ids]
    log(f"{name}: connecting {len(clients)} receivers {'straight to the daemon' if direct else 'through nginx'} "
        f"({processes} process(es), {client} client)")
    if client == "c":
        group = CReceivers(build_c_receiver(stack.dir), stack.dir, direct_url if direct else nginx_url, clients, processes,
                           rate=args.ws_connect_rate, connect_cap_s=60)
    else:
        group = Receivers(direct_url if direct else nginx_url, clients, processes, rate=args.ws_connect_rate, connect_cap_s=60,
                          client=client)
    try:
        ready = group.wait_ready(timeout=180)
        if ready["failed"]:
            log(f"{name}: {ready['failed']} connections failed: {ready['failures']}")
        # Let the connect-time traffic settle (each member coming online is a presence frame to every
        # other connected member: N² frames and a contacts query per batch), then warm the daemon's
        # recipient cache with one unmeasured message.
        settle_s, settle_cpu = wait_quiet(meter, args.ws_settle, args.ws_settle_cap)
        log(f"{name}: {ready['connected']} connected in {ready['connect_s']:.1f} s; server quiet after {settle_s:.1f} s "
            f"(server CPU since connecting: {sum(settle_cpu.values()):.1f} s: {_cpu_text(settle_cpu)})")
        sender_token = signer.token(members[0])
        warm, _, _ = send_series(args.http_port, sender_token, room, 1, 0, f"{name} warm-up", 5)
        time.sleep(0.5)
        group.mark()
        log(f"{name}: {messages} messages, one every {interval_s * 1000:.0f} ms, to {ready['connected']} connections")
        cpu_before = meter.snapshot()
        daemon_kernel = meter.kernel_seconds("push-daemon")
        busy_before = machine_busy_seconds()
        sender_cpu = rusage_seconds()
        marks_from = timeline.offsets(timeline_dir) if timeline_dir else {}
        with during(), (timeline.recording(timeline_dir) if timeline_dir else contextlib.nullcontext()):
            t_start = now_ns()
            started, errors, send_ms = send_series(args.http_port, sender_token, room, messages, interval_s, name,
                                                   cap_s=messages * interval_s * 3 + 30)
        sender_cpu = rusage_seconds() - sender_cpu
        per_connection, receiver_cpu, other, closed = group.collect(len(started), timeout=10)
        cpu = meter.delta(cpu_before, meter.snapshot())
        daemon_kernel = None if daemon_kernel is None else meter.kernel_seconds("push-daemon") - daemon_kernel
        machine_busy = machine_busy_seconds() - busy_before
        stats = latency_stats(started, per_connection)
        elapsed = max(stats["last_receipt_ns"] - t_start, 1) / 1e9
        send_ms.sort()
        result = {**stats, "connections": ready["connected"], "connect_failed": ready["failed"], "sent": len(started),
                  "send_errors": errors, "deliveries_per_s": stats["pairs"] / elapsed, "seconds": elapsed,
                  "send_p50_ms": percentile(send_ms, 50), "send_p99_ms": percentile(send_ms, 99),
                  "generator_cpu_s": receiver_cpu + sender_cpu, "receiver_cpu_s": receiver_cpu, "sender_cpu_s": sender_cpu,
                  "receiver_processes": len(group.procs), "cpu": cpu, "other_frames": other, "closed_during": closed,
                  "client": client, "path": "direct" if direct else "nginx", "settle_s": settle_s, "settle_cpu": settle_cpu}
        if timeline_dir:
            result["stages"] = timeline.stages(timeline_dir, marks_from, started, per_connection)
            log(f"{name}: stage timeline of {result['stages']['messages']} of {result['stages']['of']} messages: "
                + "; ".join(f"{label} {p50:.3f}/{p99:.3f}" for label, p50, p99 in result["stages"]["rows"]) + " ms (p50/p99)")
        pairs = max(stats["pairs"], 1)
        result["us_per_delivery"] = {"generator": (receiver_cpu + sender_cpu) / pairs * 1e6,
                                     **{k: v / pairs * 1e6 for k, v in cpu.items()}}
        if daemon_kernel is not None:
            result["daemon_kernel_us_per_delivery"] = daemon_kernel / pairs * 1e6
        # From the first send to the end of collection (a little longer than `seconds`).
        result["machine_busy_s"] = machine_busy
        result["other_cpu_s"] = max(0.0, machine_busy - sum(cpu.values()) - receiver_cpu - sender_cpu)
        log(f"{name}: machine busy {machine_busy:.1f} CPU s while sending and collecting, of which "
            f"{result['other_cpu_s']:.1f} s neither the stack nor the generator (other work on the machine)")
        log(f"{name}: CPU per delivery: " + ", ".join(f"{k} {v:.1f} µs" for k, v in sorted(result["us_per_delivery"].items()))
            + (f" (push-daemon's kernel part {daemon_kernel / pairs * 1e6:.1f} µs)" if daemon_kernel is not None else ""))
        log(f"{name}: p50 {stats['p50_ms']:.2f} ms, p99 {stats['p99_ms']:.2f} ms, max {stats['max_ms']:.1f} ms, "
            f"missing {stats['missing']}, {result['deliveries_per_s']:.0f} deliveries/s "
            f"(201 response p50 {result['send_p50_ms']:.2f} ms, p99 {result['send_p99_ms']:.2f} ms); "
            f"generator CPU {receiver_cpu + sender_cpu:.1f} s, server CPU {sum(cpu.values()):.1f} s "
            f"({', '.join(f'{k} {v:.1f}' for k, v in sorted(cpu.items()))}) over {elapsed:.1f} s; {other} other frames")
        return result
    finally:
        group.close()


def workload_w2(stack, args, results, meter, log, key="W2", timeline_dir=None):
    signer = Signer(stack.config)
    # Fresh users per run: each run's group would otherwise add to every member's memberships,
    # and the per-event unread totals grow with them (W3-1000: ~5 ms per event after 10 runs).
    members = ensure_users(stack, f"wsb2_{RUN}_{key.replace(' ', '_')}_", args.w2_group)
    results[key] = delivery_run(stack, args, meter, signer, members, key, args.w2_messages, args.w2_interval_ms / 1000,
                                processes=1, connect_sender=False, log=log, client=args.w2_client, timeline_dir=timeline_dir)


def workload_w3(stack, args, results, meter, log):
    signer = Signer(stack.config)
    for size, messages, interval_ms in ((args.w3_small, args.w3_small_messages, args.w3_small_interval_ms),
                                        (args.w3_large, args.w3_large_messages, args.w3_large_interval_ms)):
        members = ensure_users(stack, f"wsb3_{size}_{RUN}_", size)
        results[f"W3-{size}"] = delivery_run(stack, args, meter, signer, members, f"W3-{size}", messages, interval_ms / 1000,
                                             processes=args.w3_processes, connect_sender=True, log=log,
                                             client=args.w3_client, direct=args.w3_direct)
    workload_w3_busy(stack, args, results, meter, log)


def workload_w3_busy(stack, args, results, meter, log):
    """W3 at the large size again, its recipients each in `--w3-busy-conversations` other groups,
    so the per-event unread totals meet recipients with many memberships (issue 17, target 4). Each
    other group holds ten recipients and one extra user (small groups: a recipient's contacts, read
    when they connect, stay few), who left an unread message in one group of five."""
    size, others, per_group = args.w3_large, args.w3_busy_conversations, 10
    if others <= 0:
        return
    prefix = f"wsb3b_{size}_{RUN}_"
    members = ensure_users(stack, prefix, size)
    extra = ensure_users(stack, f"{prefix}x", 1)[0]
    blocks = -(-size // per_group)
    started = time.monotonic()
    # Bulk SQL in one transaction: group g holds the recipients of block g % blocks; the unread
    # messages are real sends (chat_send_message), so every count is kept as in production.
    stack.psql(command=f"""
        CREATE TEMP TABLE busy_rooms AS WITH rooms AS (
            INSERT INTO chat_rooms (type, name, created_by)
            SELECT 'group', '{prefix}other ' || g, {extra} FROM generate_series(0, {others * blocks - 1}) g RETURNING id, name)
        SELECT id, split_part(name, ' ', 2)::int AS g FROM rooms;
        INSERT INTO chat_room_users (room_id, user_id, role)
        SELECT r.id, u.id, 'member' FROM busy_rooms r
        JOIN (SELECT id, substr(username, {len(prefix) + 1})::int AS i FROM users
              WHERE username IN (SELECT '{prefix}' || g FROM generate_series(1, {size}) g)) u
          ON (u.i - 1) / {per_group} = r.g % {blocks}
        UNION ALL SELECT r.id, {extra}, 'admin' FROM busy_rooms r;
        SELECT count(*) FROM busy_rooms r, LATERAL chat_send_message(r.id, {extra}, 'unread', NULL, NULL, NULL, NULL) s
        WHERE r.g / {blocks} % 5 = 0;""")
    log(f"W3-{size} busy: {size} recipients each in {others} other groups of {per_group + 1} "
        f"(set up in {time.monotonic() - started:.1f} s)")
    signer = Signer(stack.config)
    results[f"W3 busy-{size}"] = delivery_run(stack, args, meter, signer, members, f"W3-{size} busy", args.w3_large_messages,
                                              args.w3_large_interval_ms / 1000, processes=args.w3_processes,
                                              connect_sender=True, log=log, client=args.w3_client, direct=args.w3_direct)
    results[f"W3 busy-{size}"]["other_conversations"] = others
    if args.w3_paced_messages > 0:
        workload_w3_paced(stack, args, results, meter, log, busy_members=members, others=others)


def workload_w3_paced(stack, args, results, meter, log, busy_members, others):
    """Target 4's comparison at W3's own rate (10 msg/s), fresh and busy recipients alternated:
    at the bench's 50 msg/s W3-1000 keeps both cores busy, so its p99 is the length of a queue,
    which has come out higher for either kind of recipient in different runs."""
    size, signer = args.w3_large, Signer(stack.config)
    fresh_members = ensure_users(stack, f"wsb3p_{size}_{RUN}_", size)
    for round_ in range(args.w3_paced_rounds):
        for kind, members in (("fresh", fresh_members), ("busy", busy_members)):
            key = f"W3 paced {kind}-{size}"
            result = delivery_run(stack, args, meter, signer, members, f"W3-{size} {kind}, paced, round {round_ + 1}",
                                  args.w3_paced_messages, args.w3_paced_interval_ms / 1000, processes=args.w3_processes,
                                  connect_sender=True, log=log, client=args.w3_client, direct=args.w3_direct)
            result["other_conversations"] = others if kind == "busy" else 0
            result["interval_ms"] = args.w3_paced_interval_ms
            results.setdefault(key, {"rounds": []})["rounds"].append(result)
    for kind in ("fresh", "busy"):
        entry = results[f"W3 paced {kind}-{size}"]
        # The rounds' median p99 (the lower middle with two rounds): one slow round does not decide.
        p99s = sorted(r["p99_ms"] for r in entry["rounds"])
        entry.update(p99_ms=p99s[(len(p99s) - 1) // 2], p99s=[r["p99_ms"] for r in entry["rounds"]],
                     p50_ms=statistics.median(r["p50_ms"] for r in entry["rounds"]),
                     missing=sum(r["missing"] for r in entry["rounds"]),
                     us_per_delivery={k: statistics.median(r["us_per_delivery"][k] for r in entry["rounds"])
                                      for k in entry["rounds"][0]["us_per_delivery"]},
                     machine_cores=statistics.median(r["machine_busy_s"] / max(r["seconds"], 1e-9) for r in entry["rounds"]))


def workload_w4(stack, args, results, meter, log):
    """Idle authenticated connections straight to the daemon's port, from 127.0.0.2..9, over
    several processes; then W2 while they stay connected."""
    signer = Signer(stack.config)
    daemon = stack.pid("push-daemon")
    open_fds, limit = daemon_fd_room(daemon)
    # Every connection is one descriptor in the daemon; keep a margin for its own (database, metrics,
    # the W2 connections through nginx, an accept in flight).
    room = (limit or 1024) - open_fds - args.w4_fd_margin
    target = min(args.w4_connections, room) if args.w4_connections > 0 else room
    users = ensure_users(stack, "wsb4_", args.w4_users)  # in no conversation: no presence fan-out among them
    tokens = [signer.token(u) for u in users]
    sources = [f"127.0.0.{i}" for i in range(2, 2 + args.w4_source_addresses)]
    clients = [(tokens[i % len(tokens)], sources[i % len(sources)]) for i in range(target)]
    _, direct_url = _urls(stack, args)
    rss_before = daemon_rss_kb(daemon)
    log(f"W4: daemon holds {open_fds} descriptors of {limit}; opening {target} idle connections to {direct_url} "
        f"from {len(sources)} source addresses, {args.w4_processes} processes, {args.w4_rate}/s, cap {args.w4_cap} s")
    cpu_before = meter.snapshot()
    t0 = time.monotonic()
    if args.w4_client == "c":
        holders = CReceivers(build_c_receiver(stack.dir), stack.dir, direct_url, clients, args.w4_processes, rate=args.w4_rate,
                             connect_cap_s=args.w4_cap, record=False, max_pending=args.w4_pending)
    else:
        holders = Receivers(direct_url, clients, args.w4_processes, rate=args.w4_rate, connect_cap_s=args.w4_cap, record=False,
                            max_pending=args.w4_pending, client=args.w4_client)
    try:
        ready = holders.wait_ready(timeout=args.w4_cap + 120)
        connect_s = time.monotonic() - t0
        cpu = meter.delta(cpu_before, meter.snapshot())
        time.sleep(2)
        rss_after = daemon_rss_kb(daemon)
        open_now, closed = holders.status()
        fds_now, _ = daemon_fd_room(daemon)
        log(f"W4: {ready['connected']} connected, {ready['failed']} failed {ready['failures'] or ''} in {connect_s:.1f} s; "
            f"daemon RSS {rss_before / 1024:.1f} MB -> {rss_after / 1024:.1f} MB "
            f"({(rss_after - rss_before) * 1024 / max(ready['connected'], 1) / 1024:.1f} KB per connection); "
            f"daemon descriptors {fds_now}; connect CPU: generator {ready['cpu_s']:.1f} s, server {sum(cpu.values()):.1f} s")
        result = {"target": target, "connected": ready["connected"], "failed": ready["failed"], "failures": ready["failures"],
                  "connect_s": connect_s, "rss_before_kb": rss_before, "rss_after_kb": rss_after,
                  "kb_per_connection": (rss_after - rss_before) / max(ready["connected"], 1), "daemon_fd_limit": limit,
                  "daemon_fds": fds_now, "connect_server_cpu": cpu, "connect_generator_cpu_s": ready["cpu_s"],
                  "processes": len(holders.procs), "sources": len(sources)}
        results["W4"] = result
        held_from = time.monotonic()
        hold_cpu = meter.snapshot()
        sub = {}
        workload_w2(stack, args, sub, meter, log, key="W4 W2")
        result["w2"] = sub["W4 W2"]
        # Hold them past the daemon's ping interval (30 s by default), so every idle connection
        # has been pinged and has answered at least once.
        remaining = args.w4_hold - (time.monotonic() - held_from)
        if remaining > 0:
            log(f"W4: holding the idle connections {remaining:.0f} s more (one ping round of the daemon)")
            time.sleep(remaining)
        result["hold_s"] = time.monotonic() - held_from
        result["hold_cpu"] = meter.delta(hold_cpu, meter.snapshot())
        open_after, closed_after = holders.status()
        result["still_open"] = open_after
        result["dropped"] = closed_after
        log(f"W4: after W2 and {result['hold_s']:.0f} s held, {open_after} of {ready['connected']} idle connections still open; "
            f"daemon RSS {daemon_rss_kb(daemon) / 1024:.1f} MB; server CPU while held {sum(result['hold_cpu'].values()):.1f} s "
            f"({_cpu_text(result['hold_cpu'])})")
    finally:
        generator_total = holders.close()
    result["generator_cpu_total_s"] = generator_total
    time.sleep(1)
    result["rss_after_close_kb"] = daemon_rss_kb(daemon)


def add_arguments(parser):
    parser.add_argument("--push-port", type=int, default=int(os.environ.get("PUSH_PORT", 28190)),
                        help="the daemon's own loopback port (W4 connects there directly)")
    parser.add_argument("--ws-connect-rate", type=int, default=500, help="W2/W3 connections opened per second")
    parser.add_argument("--ws-settle", type=float, default=1.0, help="least seconds between connecting and the first send (W2/W3)")
    parser.add_argument("--ws-settle-cap", type=float, default=60.0, help="most seconds to wait for the server to go quiet after connecting")
    parser.add_argument("--w2-group", type=int, default=11)
    parser.add_argument("--w2-messages", type=int, default=500)
    parser.add_argument("--w2-interval-ms", type=float, default=20)
    parser.add_argument("--w3-small", type=int, default=200)
    parser.add_argument("--w3-small-messages", type=int, default=50)
    parser.add_argument("--w3-small-interval-ms", type=float, default=100)
    parser.add_argument("--w3-large", type=int, default=1000)
    parser.add_argument("--w3-large-messages", type=int, default=100)
    parser.add_argument("--w3-large-interval-ms", type=float, default=20)
    parser.add_argument("--w3-busy-conversations", type=int, default=500,
                        help="other groups each recipient of the second W3 at the large size is in (0: skip that run)")
    parser.add_argument("--w3-processes", type=int, default=2, help="receiver processes for W3")
    parser.add_argument("--w3-paced-messages", type=int, default=100,
                        help="messages per paced W3-1000 run (target 4's comparison at W3's rate; 0: none)")
    parser.add_argument("--w3-paced-interval-ms", type=float, default=100)
    parser.add_argument("--w3-paced-rounds", type=int, default=2, help="fresh/busy pairs, alternated")
    clients = ("websockets", "raw", "c")
    parser.add_argument("--w2-client", choices=clients, default="websockets", help="W2 receivers (and W4's W2)")
    parser.add_argument("--w3-client", choices=clients, default="c",
                        help="W3 receivers: c (bench/ws_receiver.c, epoll, compiled with cc into the stack directory), "
                             "raw (a minimal RFC 6455 asyncio client, a third of the CPU per frame of websockets) or websockets")
    parser.add_argument("--w3-direct", action="store_true", help="W3 receivers straight to the daemon instead of through nginx")
    parser.add_argument("--w4-client", choices=clients, default="raw", help="W4's idle connections")
    parser.add_argument("--w4-connections", type=int, default=0,
                        help="idle connections to open (0: as many as the daemon's descriptor limit allows, less a margin)")
    parser.add_argument("--w4-fd-margin", type=int, default=60)
    parser.add_argument("--w4-users", type=int, default=400, help="users whose tokens the idle connections share")
    parser.add_argument("--w4-processes", type=int, default=4)
    parser.add_argument("--w4-source-addresses", type=int, default=8, help="127.0.0.2 onwards")
    parser.add_argument("--w4-rate", type=int, default=2000, help="idle connections opened per second (all processes)")
    parser.add_argument("--w4-pending", type=int, default=100, help="handshakes in flight per process")
    parser.add_argument("--w4-cap", type=int, default=60, help="seconds allowed for opening the idle connections")
    parser.add_argument("--w4-hold", type=float, default=35, help="seconds to hold them (W2 runs meanwhile); ≥ the daemon's ping interval")


def _cpu_text(cpu):
    return ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu.items()))


def rows(results):
    out = []
    w2 = results.get("W2")
    if w2:
        out.append(("W2 delivery latency p50 / p99 / max", f"{w2['p50_ms']:.2f} / {w2['p99_ms']:.2f} / {w2['max_ms']:.1f} ms "
                    f"({w2['connections']} receivers × {w2['sent']} messages)", "p50 ≤ 1.5 ms, p99 ≤ 3 ms"))
        out.append(("W2 send request (start → 201) p50 / p99", f"{w2['send_p50_ms']:.2f} / {w2['send_p99_ms']:.2f} ms", ""))
        out.append(("W2 missing", f"{w2['missing']} of {w2['connections'] * w2['sent']} (send errors {w2['send_errors']})", "0"))
        out.append(("W2 CPU: generator / server", f"{w2['generator_cpu_s']:.1f} s / {sum(w2['cpu'].values()):.1f} s "
                    f"({_cpu_text(w2['cpu'])}) over {w2['seconds']:.1f} s", ""))
    for name in sorted((k for k in results if k.startswith("W3-")), key=lambda k: int(k[3:])):
        r = results[name]
        target = {"W3-200": "p99 ≤ 10 ms", "W3-1000": "p99 ≤ 50 ms"}.get(name, "")
        out.append((f"{name} fan-out p50 / p99 / max", f"{r['p50_ms']:.2f} / {r['p99_ms']:.2f} / {r['max_ms']:.1f} ms, "
                    f"{r['deliveries_per_s']:.0f} deliveries/s ({r['connections']} connected × {r['sent']} messages)", target))
        out.append((f"{name} missing", f"{r['missing']} (send errors {r['send_errors']}, connect failures {r['connect_failed']})", "0"))
        out.append((f"{name} CPU: generator / server", f"{r['generator_cpu_s']:.1f} s ({r['receiver_processes']} receiver processes) / "
                    f"{sum(r['cpu'].values()):.1f} s ({_cpu_text(r['cpu'])}) over {r['seconds']:.1f} s", ""))
        if "other_cpu_s" in r:
            out.append((f"{name} other work on the machine", f"{r['other_cpu_s']:.1f} CPU s (of {r['machine_busy_s']:.1f} s busy "
                        f"while sending and collecting)", ""))
        if "us_per_delivery" in r:
            kernel = r.get("daemon_kernel_us_per_delivery")
            out.append((f"{name} CPU per delivery", ", ".join(f"{k} {v:.1f} µs" for k, v in sorted(r["us_per_delivery"].items()))
                        + (f" (of the push-daemon's, kernel {kernel:.1f} µs)" if kernel is not None else "")
                        + f" ({r.get('client', '?')} receivers)", ""))
    for name in (k for k in results if k.startswith("W3 busy-")):
        busy, fresh = results[name], results.get("W3-" + name[8:])
        if fresh:
            out.append((f"W3-{name[8:]}, recipients in {busy['other_conversations']} other conversations: p99 busy ÷ fresh",
                        f"{busy['p99_ms'] / max(fresh['p99_ms'], 1e-9):.2f} ({busy['p99_ms']:.2f} ÷ {fresh['p99_ms']:.2f} ms; "
                        f"busy p50 {busy['p50_ms']:.2f} ms, missing {busy['missing']})", "≤ 1.2"))
    for name in (k for k in results if k.startswith("W3 paced ")):
        r, (kind, size) = results[name], name[len("W3 paced "):].split("-")
        if r:
            out.append((f"W3-{size} paced ({r['rounds'][0]['interval_ms']:.0f} ms apart), {kind} recipients: p99 of each round / p50",
                        " / ".join(f"{p:.2f}" for p in r["p99s"]) + f" / {r['p50_ms']:.2f} ms; missing {r['missing']}; "
                        f"machine {r['machine_cores']:.2f} cores busy; CPU per delivery "
                        + ", ".join(f"{k} {v:.1f} µs" for k, v in sorted(r["us_per_delivery"].items())), ""))
    w4 = results.get("W4")
    if w4:
        out.append(("W4 idle connections in one daemon", f"{w4['connected']} of {w4['target']} attempted "
                    f"({w4['failed']} failed; daemon fd limit {w4['daemon_fd_limit']}; {w4.get('still_open', '?')} still open after W2)",
                    "≥ 19000"))
        out.append(("W4 daemon memory per connection", f"{w4['kb_per_connection']:.1f} KB (RSS {w4['rss_before_kb'] / 1024:.0f} → "
                    f"{w4['rss_after_kb'] / 1024:.0f} MB)", "< 20 KB"))
        out.append(("W4 connect phase", f"{w4['connect_s']:.1f} s; CPU generator {w4['connect_generator_cpu_s']:.1f} s "
                    f"({w4['processes']} processes, {w4['sources']} source addresses) / server {sum(w4['connect_server_cpu'].values()):.1f} s", ""))
        if "hold_s" in w4:
            out.append(("W4 held", f"{w4['hold_s']:.0f} s (incl. W2 and a daemon ping round); server CPU "
                        f"{sum(w4['hold_cpu'].values()):.1f} s ({_cpu_text(w4['hold_cpu'])})", ""))
        w = w4.get("w2")
        if w:
            out.append(("W4 W2 latency while connected p50 / p99 / max", f"{w['p50_ms']:.2f} / {w['p99_ms']:.2f} / {w['max_ms']:.1f} ms, "
                        f"missing {w['missing']}", "p50 ≤ 1 ms, p99 ≤ 5 ms"))
    return out
