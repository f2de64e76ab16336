"""W7, the mixed workload (issue 17): W1 at a quarter of its measured maximum rate, W3-200 at
10 msg/s and W2, all at once, so the machine is busy but not beyond it. Targets: W2 p99 ≤ 5 ms,
W3-200 p99 ≤ 15 ms, W1 p99 ≤ 20 ms, nothing missing; the machine's CPU use is printed.

W1's part is open loop: 16 senders (4 processes × 4 threads) each on an absolute schedule, so
a slow answer does not lower the offered rate; a send's latency runs from its actual start (and
sends that started late are counted). W3-200 runs in a process of its own (its sender would
otherwise share the GIL with W2's), W2 in this one. Both skip the wait for a quiet server that
W2 and W3 make alone: W1's load never lets it go quiet.
"""
import argparse
import http.client
import multiprocessing
import os
import threading
import time

import ws_workloads

SENDER_PROCESSES = 4
THREADS_PER_PROCESS = 4


def _paced_sender(pairs, http_port, rate, seconds, out):
    """THREADS_PER_PROCESS threads, each sending at rate / threads on an absolute schedule."""
    latencies, errors, late = [], [0], [0]
    lock = threading.Lock()

    def run(index):
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        period = THREADS_PER_PROCESS / rate
        t0 = time.monotonic() + index * period / THREADS_PER_PROCESS
        mine, k = [], 0
        while True:
            due = t0 + k * period
            if due - t0 > seconds:
                break
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -period:
                with lock:
                    late[0] += 1
            token, room = pairs[(index * 7919 + k) % len(pairs)]
            start = time.monotonic()
            try:
                conn.request("POST", f"/api/messages/{room}", body=f'{{"content":"W7 {index}.{k}"}}',
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                if response.status == 201:
                    mine.append((time.monotonic() - start) * 1000)
                else:
                    with lock:
                        errors[0] += 1
            except (OSError, http.client.HTTPException):
                with lock:
                    errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
            k += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS_PER_PROCESS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put({"latencies": latencies, "errors": errors[0], "late": late[0]})


def _w3_process(stack, args, meter, members, log, out):
    signer = ws_workloads.Signer(stack.config)
    result = ws_workloads.delivery_run(stack, args, meter, signer, members, "W7 W3-200", args.w7_w3_messages, 0.1,
                                       processes=args.w3_processes, connect_sender=True, log=log,
                                       client=args.w3_client, direct=args.w3_direct)
    out.put(result)


def workload_w7(stack, args, results, meter, log, pairs_file):
    measured = results.get("W1", {}).get("messages_per_s")
    rate = (measured or args.w7_default_w1_rate) / 4
    pairs = [tuple(line.split()) for line in open(pairs_file) if line.strip()]
    seconds = args.w7_seconds
    quick = argparse.Namespace(**{**vars(args), "ws_settle_cap": 3.0})
    w3_members = ws_workloads.ensure_users(stack, f"wsb7_{ws_workloads.RUN}_", 200)
    w2_members = ws_workloads.ensure_users(stack, f"wsb7w2_{ws_workloads.RUN}_", args.w2_group)
    log(f"W7: W1 at {rate:.0f} msg/s ({'a quarter of W1' if measured else 'no W1 in this run: a quarter of the default'}) for "
        f"{seconds} s, with W3-200 ({args.w7_w3_messages} messages at 10/s) and W2 ({args.w2_messages} at 50/s) during it")
    context = multiprocessing.get_context("fork")
    w1_out, w3_out = context.Queue(), context.Queue()
    busy_before, t0 = ws_workloads.machine_busy_seconds(), time.monotonic()
    cpu_before = meter.snapshot()
    senders = [context.Process(target=_paced_sender, args=(pairs, args.http_port, rate / SENDER_PROCESSES, seconds, w1_out), daemon=True)
               for _ in range(SENDER_PROCESSES)]
    for sender in senders:
        sender.start()
    time.sleep(2)  # W1 at its rate before the others connect
    w3 = context.Process(target=_w3_process, args=(stack, quick, meter, w3_members, log, w3_out))
    w3.start()
    signer = ws_workloads.Signer(stack.config)
    w2 = ws_workloads.delivery_run(stack, quick, meter, signer, w2_members, "W7 W2", args.w2_messages, args.w2_interval_ms / 1000,
                                   processes=1, connect_sender=False, log=log, client=args.w2_client,
                                   timeline_dir=os.environ.get("MESSAGING_STAGE_TIMELINE"))  # which stage grows under load
    w3_result = w3_out.get(timeout=seconds + 300)
    w3.join(timeout=30)
    parts = [w1_out.get(timeout=seconds + 120) for _ in senders]
    for sender in senders:
        sender.join(timeout=10)
    elapsed = time.monotonic() - t0
    busy = ws_workloads.machine_busy_seconds() - busy_before
    cpu = meter.delta(cpu_before, meter.snapshot())
    latencies = sorted(x for part in parts for x in part["latencies"])
    w1 = {"rate": rate, "sent": len(latencies), "errors": sum(p["errors"] for p in parts), "late": sum(p["late"] for p in parts),
          "p50_ms": ws_workloads.percentile(latencies, 50), "p99_ms": ws_workloads.percentile(latencies, 99),
          "achieved_per_s": len(latencies) / seconds}
    results["W7 W1"] = w1
    results["W7 W2"] = w2
    results["W7 W3-200"] = w3_result
    results["W7"] = {"seconds": elapsed, "machine_cpu_fraction": busy / (elapsed * os.cpu_count()), "cpu": cpu,
                     "cores": os.cpu_count()}
    log(f"W7: W1 {w1['achieved_per_s']:.0f} msg/s p50 {w1['p50_ms']:.2f} p99 {w1['p99_ms']:.2f} ms ({w1['errors']} errors, "
        f"{w1['late']} late); W2 p99 {w2['p99_ms']:.2f} ms; W3-200 p99 {w3_result['p99_ms']:.2f} ms; "
        f"machine CPU {results['W7']['machine_cpu_fraction'] * 100:.0f} % of {os.cpu_count()} cores over {elapsed:.0f} s")


def rows(results):
    if "W7" not in results:
        return []
    w1, w2, w3, w7 = results["W7 W1"], results["W7 W2"], results["W7 W3-200"], results["W7"]
    return [
        ("W7 mixed: W1 part at a quarter of W1 (open loop) p50 / p99",
         f"{w1['p50_ms']:.2f} / {w1['p99_ms']:.2f} ms at {w1['achieved_per_s']:.0f} msg/s (offered {w1['rate']:.0f}; "
         f"{w1['errors']} errors, {w1['late']} sends started late)", "p99 ≤ 20 ms"),
        ("W7 mixed: W2 part p50 / p99", f"{w2['p50_ms']:.2f} / {w2['p99_ms']:.2f} ms, missing {w2['missing']}", "p99 ≤ 5 ms, 0 missing"),
        ("W7 mixed: W3-200 part p50 / p99", f"{w3['p50_ms']:.2f} / {w3['p99_ms']:.2f} ms, missing {w3['missing']}",
         "p99 ≤ 15 ms, 0 missing"),
        ("W7 machine CPU while it ran", f"{w7['machine_cpu_fraction'] * 100:.0f} % of {w7['cores']} cores over {w7['seconds']:.0f} s "
         f"(server {sum(w7['cpu'].values()):.1f} CPU s: {', '.join(f'{k} {v:.1f}' for k, v in sorted(w7['cpu'].items()))})", ""),
    ]


def add_arguments(parser):
    parser.add_argument("--w7-seconds", type=int, default=40, help="how long W7's W1 part sends (W2 and W3 run inside it)")
    parser.add_argument("--w7-w3-messages", type=int, default=100, help="W7's W3-200 messages (10 a second)")
    parser.add_argument("--w7-default-w1-rate", type=float, default=4000, help="W1's rate when W1 is not in the run")
