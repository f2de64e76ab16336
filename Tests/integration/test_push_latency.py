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


def record_arrivals(receiver, arrived, done):
    """Starts a thread that notes when each new_message frame arrives, by content, until `done`."""
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
    return thread


def test_delivery_latency(alice, bob, clients):
    conv = direct(alice, bob)
    receiver = clients(bob)
    arrived = {}
    done = threading.Event()


    thread = record_arrivals(receiver, arrived, done)
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


def test_delivery_latency_with_concurrent_senders(make_user, clients):
    """Four senders at once in one group; the receiver is a fifth member."""
    import requests
    senders = [make_user(f"S{i}") for i in range(4)]
    receiver_user = make_user("R")
    r = senders[0].post("/api/messages/groups", {"name": "Load", "participantIds": [u.id for u in senders[1:]] + [receiver_user.id]})
    group = r.json()["conversation"]["id"]
    receiver = clients(receiver_user)
    arrived, started = {}, {}
    done = threading.Event()


    failures = []

    def send_many(user, n):
        session = requests.Session()
        for i in range(n):
            key = f"{user.id}-{i}"
            start = time.perf_counter()
            r = session.post(f"{os.environ.get('MESSAGING_BASE_URL', 'http://127.0.0.1:18080')}/api/messages/{group}",
                             json={"content": key}, headers=user.headers, timeout=10)
            # Only stored messages are expected to arrive; a failed send is reported below.
            if r.status_code == 201:
                started[key] = start
            else:
                failures.append((key, r.status_code, r.text[:200]))

    listener = record_arrivals(receiver, arrived, done)
    per_sender = COUNT // 2
    threads = [threading.Thread(target=send_many, args=(u, per_sender)) for u in senders]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.perf_counter() - t0
    deadline = time.time() + 10
    while len(arrived) < len(started) and time.time() < deadline:
        time.sleep(0.05)
    done.set()
    listener.join(timeout=5)
    assert not failures, failures
    assert len(arrived) == len(started), sorted(set(started) - set(arrived))
    samples = sorted((arrived[k] - started[k]) * 1000 for k in started)
    result = {"messages": len(samples), "senders": 4, "sends_per_second": round(len(samples) / elapsed),
              "median_ms": round(statistics.median(samples), 2), "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2),
              "max_ms": round(samples[-1], 2)}
    print("\npush delivery latency, 4 concurrent senders:", result)
    assert result["p99_ms"] < 2000, result
