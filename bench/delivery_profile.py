#!/usr/bin/env python3
"""A fixed fan-out through the push daemon, for instruction counts (issue 17, target 5).

Starts its own push daemon (the stack's configuration, the stack's daemon stopped first) either
under `valgrind --tool=callgrind` or natively, connects RECEIVERS WebSocket clients straight to
it (no nginx: only the daemon's work is counted), all members of one fresh group, and sends
MESSAGES messages into the group with SQL (chat_send_message, as the pool would), one at a time,
each awaited at every receiver. Counting starts after every receiver is connected and stops
after the last delivery, so start-up and connection handshakes are not in the figure.

Prints the daemon's instructions (callgrind) or CPU seconds (native) per delivery, the
daemon's threads' CPU (native), and under callgrind the top functions (callgrind_annotate).

    scripts/stack.sh up   (a stack in STACK_DIR, then:)
    python3 bench/delivery_profile.py --stack-dir var/test --bin .build/debug --receivers 500 --messages 20
"""
import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ws_workloads  # noqa: E402  (Signer)


def settings(config):
    return dict(line.split(" = ", 1) for line in open(config).read().splitlines() if " = " in line)


def psql(database_url, sql):
    return subprocess.run(["psql", database_url, "-v", "ON_ERROR_STOP=1", "-tAc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def thread_cpu(pid):
    """Per thread name: (user, system) CPU seconds so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{task}/stat").read()
        except FileNotFoundError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        user, system = out.get(name, (0, 0))
        out[name] = (user + int(fields[11]) / ticks, system + int(fields[12]) / ticks)
    return out


async def wait_port(daemon, port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and daemon.poll() is None:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.5)
    raise RuntimeError(f"the daemon did not listen on {port} within {timeout} s (exit status {daemon.poll()}; see its log)")


async def run(args):
    import websockets

    conf = settings(args.config)
    database_url = conf["database_url"].strip()
    port = int(conf["push_listen"].strip().rsplit(":", 1)[1])
    signer = ws_workloads.Signer(args.config)

    run_id = int(time.time())
    prefix = f"dprof_{run_id}_"
    psql(database_url, f"INSERT INTO users (username, display_name) SELECT '{prefix}' || g, 'Profile ' || g "
                       f"FROM generate_series(1, {args.receivers + 1}) g")
    ids = [int(x) for x in psql(database_url, f"SELECT id FROM users WHERE username LIKE '{prefix}%' "
                                              f"ORDER BY substr(username, {len(prefix) + 1})::int").split()]
    sender, receivers = ids[0], ids[1:]

    # The stack's own daemon holds the ports: with it running, this one exits at once and the
    # clients would be measuring the stack's daemon (and callgrind would count nothing).
    stack_daemon = os.path.join(args.stack_dir, "run", "push-daemon.pid")
    if os.path.exists(stack_daemon):
        pid = int(open(stack_daemon).read().split()[0])
        try:
            os.kill(pid, 15)
            # Its graceful close takes a few seconds, and its listening socket (SO_REUSEPORT)
            # would share clients with this one until it is gone.
            deadline = time.monotonic() + 60
            while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
                time.sleep(0.1)
            print(f"stopped the stack's push daemon (pid {pid}); scripts/stack.sh up starts it again")
        except ProcessLookupError:
            pass

    command = [os.path.join(args.bin, "push-daemon"), "--config", args.config]
    out_file = os.path.abspath(args.out)
    if args.mode == "callgrind":
        if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
            sys.exit("--mode callgrind needs valgrind (Debian: apt-get install valgrind); --mode native does not")
        # Valgrind 3.19 cannot read the DWARF 5 that Swift 6 writes: profile a copy without it
        # (function names come from the symbol table).
        stripped = out_file + ".push-daemon"
        subprocess.run(["objcopy", "--strip-debug", command[0], stripped], check=True)
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", "--instr-atstart=no", stripped] + command[1:]
    # Under callgrind the daemon runs some 50 times slower: no idle timeouts while clients connect.
    daemon = subprocess.Popen(command, env=dict(os.environ, MESSAGING_CONFIG=args.config, MESSAGING_PUSH_IDLE_TIMEOUT_SECONDS="3600",
                                                 MESSAGING_PUSH_PING_SECONDS="1200"),
                              stdout=open(out_file + ".log", "w"), stderr=subprocess.STDOUT)
    try:
        await wait_port(daemon, port, 300)
        if daemon.poll() is not None:
            raise RuntimeError(f"the daemon exited (status {daemon.poll()}); see {out_file}.log")
        url = f"ws://127.0.0.1:{port}/ws/notifications"
        handshakes = asyncio.Semaphore(20)

        async def connect(user):
            async with handshakes:
                ws = await websockets.connect(f"{url}?token={signer.token(user)}", max_size=None, open_timeout=600,
                                              ping_interval=None)
                first = await asyncio.wait_for(ws.recv(), 600)
            if '"connected"' not in first:
                raise RuntimeError(f"expected the connected frame, got {first[:200]}")
            return ws
        connections = await asyncio.gather(*(connect(user) for user in receivers))
        # The group is made once everyone is connected: members' connections would each have
        # announced their presence to every other member (n² frames).
        room = int(psql(database_url, f"SELECT chat_create_group({sender}, 'Profile {run_id}', NULL, "
                                      f"ARRAY[{','.join(map(str, receivers))}]::bigint[])"))
        await drain(connections, quiet=2.0)  # conversation_created

        if args.mode == "callgrind":
            subprocess.run(["callgrind_control", "--instr=on", str(daemon.pid)], check=True, capture_output=True)
        before = thread_cpu(daemon.pid)
        started = time.monotonic()
        pattern = re.compile(r'"type":"new_message"')
        for index in range(args.messages):
            content = "x" * args.content_bytes
            psql(database_url, f"SELECT 1 FROM chat_send_message({room}, {sender}, '{content} {index}', NULL, NULL, NULL, NULL)")
            await asyncio.gather(*(wait_for(ws, pattern, 300) for ws in connections))
        elapsed = time.monotonic() - started
        after = thread_cpu(daemon.pid)
        if args.mode == "callgrind":
            subprocess.run(["callgrind_control", "--instr=off", str(daemon.pid)], check=True, capture_output=True)
            subprocess.run(["callgrind_control", "--dump", str(daemon.pid)], check=True, capture_output=True)
        # All at once: closed one by one, 100 receivers took over 300 s (the daemon had closed
        # its side; the client waited). Likely cause: each close tells the other members that
        # its user went offline, frames nobody reads here, and a client whose queue is full
        # stops reading, so its close handshake waits out the 10 s close timeout.
        await asyncio.gather(*(ws.close() for ws in connections))
    finally:
        daemon.terminate()
        daemon.wait(60)

    deliveries = args.receivers * args.messages
    # A figure is the scripts' only if they loaded and ran: under callgrind (or on a busy machine)
    # a call can pass its 20 ms limit, and then the built-in decides.
    failures = [line for line in open(out_file + ".log", errors="replace") if "hook script failed" in line or "hook failed" in line]
    if failures:
        print(f"WARNING: {len(failures)} hook load or call failures in {out_file}.log (the built-in decided there):")
        print("".join(failures[:3]), end="")
    print(f"{args.receivers} receivers x {args.messages} messages = {deliveries} deliveries in {elapsed:.2f} s ({args.mode})")
    split = {name: tuple(a - b for a, b in zip(after[name], before.get(name, (0, 0)))) for name in after}
    cpu = {name: sum(parts) for name, parts in split.items()}
    total, system = sum(cpu.values()), sum(parts[1] for parts in split.values())
    # The kernel's share is mostly the socket writes (on loopback a write also runs the receiving
    # side's TCP processing), which callgrind does not count.
    print(f"daemon CPU {total:.3f} s = {total / deliveries * 1e6:.2f} us per delivery "
          f"(user {(total - system) / deliveries * 1e6:.2f}, kernel {system / deliveries * 1e6:.2f}); by thread: "
          + ", ".join(f"{name} {seconds:.3f}" for name, seconds in sorted(cpu.items(), key=lambda x: -x[1]) if seconds > 0))
    if args.mode == "callgrind":
        dumps = sorted(f for f in os.listdir(os.path.dirname(out_file)) if f.startswith(os.path.basename(out_file)) and f[len(os.path.basename(out_file)) + 1:].isdigit())
        dump = os.path.join(os.path.dirname(out_file), dumps[-1])
        annotated = subprocess.run(["callgrind_annotate", "--inclusive=no", dump], check=True, capture_output=True).stdout.decode(errors="replace")
        totals = re.search(r"^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", annotated, re.M)
        instructions = int(totals.group(1).replace(",", ""))
        print(f"instructions {instructions:,} = {instructions / deliveries:,.0f} per delivery  (dump {dump})")
        lines = annotated.splitlines()
        start = next(i for i, line in enumerate(lines) if "file:function" in line)
        print("\n".join(lines[start:start + args.top + 2]))


async def drain(connections, quiet):
    async def one(ws):
        try:
            while True:
                await asyncio.wait_for(ws.recv(), quiet)
        except asyncio.TimeoutError:
            pass
    await asyncio.gather(*(one(ws) for ws in connections))


async def wait_for(ws, pattern, timeout):
    deadline = time.monotonic() + timeout
    while True:
        frame = await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
        if pattern.search(frame):
            return


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack-dir", required=True, help="the stack whose database and configuration to use (its push daemon is stopped first)")
    parser.add_argument("--bin", required=True, help="folder of the push-daemon binary")
    parser.add_argument("--receivers", type=int, default=500)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--content-bytes", type=int, default=50)
    parser.add_argument("--mode", choices=["callgrind", "native"], default="callgrind")
    parser.add_argument("--out", default=None, help="callgrind output file (default STACK_DIR/log/delivery.callgrind)")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    args.config = os.path.join(os.path.abspath(args.stack_dir), "messaging.conf")
    args.out = args.out or os.path.join(os.path.abspath(args.stack_dir), "log", "delivery.callgrind")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
