"""Delivery latency: from the start of the send request to the frame's arrival at another user's
client, both through nginx. Prints median and p99 and records them in $STACK_DIR/push-latency.json."""
import json
import os
import statistics
import threading
import time

from conftest import STACK_DIR, direct
from test_push_support import clients  # noqa: F401

COUNT = int(os.environ.get("PUSH_LATENCY_MESSAGES", "300"))


def test_delivery_latency(alice, bob, clients):
    conv = direct(alice, bob)
    receiver = clients(bob)
    arrived = {}
    done = threading.Event()

    def receive():
        while not done.is_set():
            try:
                frame = json.loads(receiver.ws.recv(timeout=0.5))
            except TimeoutError:
                continue
            except Exception:
                return
            if frame.get("type") == "new_message":
                arrived[frame["message"]["content"]] = time.perf_counter()

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    started = {}
    session = __import__("requests").Session()
    for i in range(COUNT):
        key = f"lat-{i}"
        started[key] = time.perf_counter()
        r = session.post(f"{os.environ.get('MESSAGING_BASE_URL', 'http://127.0.0.1:18080')}/api/messages/{conv}",
                         json={"content": key}, headers=alice.headers, timeout=10)
        assert r.status_code == 201
        time.sleep(0.005)
    deadline = time.time() + 10
    while len(arrived) < COUNT and time.time() < deadline:
        time.sleep(0.05)
    done.set()
    thread.join(timeout=5)
    assert len(arrived) == COUNT
    samples = sorted((arrived[k] - started[k]) * 1000 for k in started)
    median = statistics.median(samples)
    p99 = samples[int(len(samples) * 0.99) - 1]
    result = {"messages": COUNT, "median_ms": round(median, 2), "p99_ms": round(p99, 2), "max_ms": round(samples[-1], 2)}
    print("\npush delivery latency:", result)
    with open(os.path.join(STACK_DIR, "push-latency.json"), "w") as f:
        json.dump(result, f)
    assert p99 < 1000, result
