"""W9, the noisy neighbour (issue 15): one user floods sends while another user's W2 runs.

W2 runs twice in the same bench run, each time with fresh users: alone, then while the
flooder, in a process of its own (so it takes no CPU time or GIL from W2's sender and
receivers), sends from several threads as fast as the server answers into a conversation of
their own. The flooder has the production default send limit (`rate_limits`' default, given to
that user with `messaging-admin rate-limit set`; the bench's deployment-wide limits are far
above its own load), so most of the flood is refused with 429 and stores nothing. Target: W2's
p99 with the flood within 1.5x of W2's p99 alone."""
import contextlib
import http.client
import json
import multiprocessing
import subprocess
import threading
import time

import ws_workloads

# Configuration.swift's default for `rate_limits`, send part: what a deployment gives everyone.
PRODUCTION_SEND_LIMIT = "5/s:30"


def _flood_process(http_port, token, room, threads, cap_s, stop, out):
    """Sends from `threads` threads until `stop` is set (or `cap_s` passed); puts status counts."""
    counts = {}
    lock = threading.Lock()

    def run(index):
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        sent = 0
        deadline = time.monotonic() + cap_s
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                conn.request("POST", f"/api/messages/{room}",
                             body=json.dumps({"content": f"flood {index}.{sent}"}), headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = "error"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
            sent += 1
            with lock:
                counts[status] = counts.get(status, 0) + 1
        conn.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put({"counts": counts, "seconds": time.monotonic() - started})


class Flood:
    """A context: the flood runs while inside it; `result` holds its counts afterwards."""

    def __init__(self, http_port, token, room, threads, cap_s):
        self.args = (http_port, token, room, threads, cap_s)
        self.result = None

    @contextlib.contextmanager
    def running(self):
        stop = multiprocessing.Event()
        out = multiprocessing.Queue()
        process = multiprocessing.Process(target=_flood_process, args=(*self.args, stop, out), daemon=True)
        process.start()
        try:
            time.sleep(0.5)  # the flood is at full rate before W2's first send
            yield
        finally:
            stop.set()
            self.result = out.get(timeout=60)
            process.join(timeout=10)


def workload_w9(stack, args, results, meter, log):
    signer = ws_workloads.Signer(stack.config)
    run = ws_workloads.RUN
    alone = ws_workloads.ensure_users(stack, f"wsb9a_{run}_", args.w2_group)
    results["W9 W2 alone"] = ws_workloads.delivery_run(
        stack, args, meter, signer, alone, "W9 W2 alone", args.w2_messages, args.w2_interval_ms / 1000,
        processes=1, connect_sender=False, log=log, client=args.w2_client)

    flooder, partner = ws_workloads.ensure_users(stack, f"wsb9f_{run}_", 2)
    subprocess.run([stack.admin, "rate-limit", "set", "--user", str(flooder), "--action", "send",
                    "--limit", PRODUCTION_SEND_LIMIT, "--config", stack.config], check=True, capture_output=True)
    flood_room = ws_workloads.create_group(stack, [flooder, partner], f"W9 flood {time.strftime('%H:%M:%S')}")
    flood = Flood(args.http_port, signer.token(flooder), flood_room, args.w9_flood_threads,
                  cap_s=args.w2_messages * args.w2_interval_ms / 1000 * 3 + 60)
    noisy = ws_workloads.ensure_users(stack, f"wsb9n_{run}_", args.w2_group)
    log(f"W9: W2 again while user {flooder} floods sends from {args.w9_flood_threads} threads "
        f"(their send limit {PRODUCTION_SEND_LIMIT}, the production default)")
    results["W9 W2 noisy"] = ws_workloads.delivery_run(
        stack, args, meter, signer, noisy, "W9 W2 noisy", args.w2_messages, args.w2_interval_ms / 1000,
        processes=1, connect_sender=False, log=log, client=args.w2_client, during=flood.running)
    counts = flood.result["counts"]
    seconds = flood.result["seconds"]
    stored = int(stack.psql(command=f"SELECT count(*) FROM chat_messages WHERE room_id = {flood_room}"))
    results["W9 flood"] = {"counts": counts, "seconds": seconds, "stored": stored, "threads": args.w9_flood_threads}
    log(f"W9: flood {sum(counts.values())} requests in {seconds:.1f} s: " +
        ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str)) + f"; {stored} messages stored")


def add_arguments(parser):
    parser.add_argument("--w9-flood-threads", type=int, default=8, help="the flooder's concurrent requests (W9)")


def rows(results):
    alone, noisy, flood = results.get("W9 W2 alone"), results.get("W9 W2 noisy"), results.get("W9 flood")
    if not (alone and noisy and flood):
        return []
    counts = flood["counts"]
    total = sum(counts.values())
    ratio = noisy["p99_ms"] / alone["p99_ms"] if alone["p99_ms"] else float("nan")
    return [
        ("W9 noisy neighbour: W2 p99 with the flood ÷ alone", f"{ratio:.2f} ({noisy['p99_ms']:.2f} ms ÷ {alone['p99_ms']:.2f} ms; "
         f"p50 {noisy['p50_ms']:.2f} vs {alone['p50_ms']:.2f} ms; missing {noisy['missing']} / {alone['missing']})", "≤ 1.5"),
        ("W9 the flood", f"{total} requests from {flood['threads']} threads in {flood['seconds']:.1f} s "
         f"({total / max(flood['seconds'], 0.001):.0f}/s): {counts.get(201, 0)} stored (201), {counts.get(429, 0)} refused (429), "
         f"other {total - counts.get(201, 0) - counts.get(429, 0)}; {flood['stored']} messages in its conversation", ""),
    ]
