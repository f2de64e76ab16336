#!/usr/bin/env python3
"""Delivery latency with each hostile hook statement installed, next to the shipped scripts
(issue 11). Runs against a stack that is already up (scripts/stack.sh up); see
`scripts/hostile-hooks.sh`, which brings one up in var/hooklat and runs this.

For each variant (the shipped notifications.lua, then the shipped script with one statement of
Tests/fixtures/hostile_hooks put at the top of on_message), Alice sends --messages messages to Bob
at --rate per second while Bob's WebSocket client records when each frame arrives; the table
gives the send-to-frame latency (p50, p99, max) and how many frames came with the script's own
decision (a marker in the toast title) or the built-in one. Bounded in count and time; loopback.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from websockets.sync.client import connect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSTILE = os.path.join(ROOT, "Tests/fixtures/hostile_hooks")
MARK = "★ "


def settings(config):
    return dict(line.split(" = ", 1) for line in open(config).read().splitlines() if " = " in line)


def admin(binary, config, *args):
    return subprocess.run([binary, *args, "--config", config], check=True, capture_output=True, text=True).stdout.strip()


def post(base, token, path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def variants(shipped):
    marked = shipped.replace("    title = with_group_name(", f'    title = "{MARK}" .. with_group_name(', 1)
    yield "shipped scripts", marked
    match = re.search(r"^function \w+\.on_message\((\w+)\).*$", marked, re.M)
    for name in sorted(os.listdir(HOSTILE)):
        if name.endswith(".lua"):
            statement = open(os.path.join(HOSTILE, name)).read().strip()
            yield name[:-4], marked[:match.end()] + f"\n  local input = {match.group(1)}; {statement}" + marked[match.end():]


def measure(base, ws_url, alice, bob, conversation, count, rate):
    arrivals, marked = {}, {}
    done = threading.Event()

    def receive():
        with connect(f"{ws_url}?token={bob['token']}", open_timeout=10) as ws:
            ready.set()
            while not done.is_set():
                try:
                    frame = json.loads(ws.recv(timeout=0.2))
                except TimeoutError:
                    continue
                if frame.get("type") == "new_message":
                    arrivals[frame["message"]["content"]] = time.monotonic()
                    toast = (frame.get("h2ac") or {}).get("toast") or {}
                    marked[frame["message"]["content"]] = toast.get("title", "").startswith(MARK)

    ready = threading.Event()
    receiver = threading.Thread(target=receive, daemon=True)
    receiver.start()
    ready.wait(10)
    sent = {}
    for index in range(count):
        content = f"m{index}-{time.monotonic_ns()}"
        sent[content] = time.monotonic()
        post(base, alice["token"], f"/api/messages/{conversation}", {"content": content})
        time.sleep(1 / rate)
    deadline = time.monotonic() + 10
    while len(arrivals) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    done.set()
    receiver.join(2)
    latencies = sorted((arrivals[c] - sent[c]) * 1000 for c in sent if c in arrivals)
    return latencies, sum(marked.values()), count - len(latencies)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack-dir", default=os.path.join(ROOT, "var/hooklat"))
    parser.add_argument("--http-port", type=int, default=int(os.environ.get("HTTP_PORT", "28180")))
    parser.add_argument("--admin", required=True, help="the messaging-admin binary")
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--rate", type=float, default=20)
    args = parser.parse_args()
    config = os.path.join(args.stack_dir, "messaging.conf")
    hooks = os.path.join(settings(config)["hooks_dir"], "notifications.lua")
    base, ws_url = f"http://127.0.0.1:{args.http_port}", f"ws://127.0.0.1:{args.http_port}/ws/notifications"
    suffix = str(time.time_ns())[-8:]
    users = []
    for name in ("Alice", "Bob"):
        user_id = int(admin(args.admin, config, "user", "add", "--username", f"{name.lower()}{suffix}", "--display-name", name))
        users.append({"id": user_id, "token": admin(args.admin, config, "token", "--user", str(user_id))})
    alice, bob = users
    conversation = post(base, alice["token"], "/api/messages/conversations", {"participantId": bob["id"]})["conversation"]["id"]
    shipped = open(hooks).read()
    rows = []
    try:
        for name, text in variants(shipped):
            with open(hooks, "w") as f:
                f.write(text)
            time.sleep(1.0)  # past the reload check interval
            latencies, scripted, missing = measure(base, ws_url, alice, bob, conversation, args.messages, args.rate)
            p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")  # noqa: E731
            rows.append((name, statistics.median(latencies) if latencies else float("nan"), p(0.99), max(latencies or [float("nan")]),
                         scripted, args.messages - scripted - missing, missing))
            print(f"{name}: done", file=sys.stderr, flush=True)
    finally:
        with open(hooks, "w") as f:
            f.write(shipped)
    print(f"| on_message variant | p50 ms | p99 ms | max ms | script's decision | built-in decision | missing |")
    print("|---|---|---|---|---|---|---|")
    for name, p50, p99, worst, scripted, builtin, missing in rows:
        print(f"| {name} | {p50:.2f} | {p99:.2f} | {worst:.2f} | {scripted} | {builtin} | {missing} |")


if __name__ == "__main__":
    main()
