"""The worker pool under signals: kill -9 of one worker under concurrent send load loses no
committed message and the pool is whole again; SIGHUP replaces every worker without a failed
request. Both need the stack's supervisor pid ($MESSAGING_STACK_DIR/run/fcgi-app.pid).
Bounded everywhere: fixed message counts, deadlines on every wait."""
import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from conftest import BASE_URL, direct
from rest_helpers import client_id, history_of, supervisor_pid

SENDERS = 8
PER_SENDER = 40
RESTORE_DEADLINE = 5.0  # the pool restarts a dead worker within ~1 s; generous bound against flakes


def workers(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return {int(x) for x in out.stdout.split()}


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def pool():
    pid = supervisor_pid()
    if pid is None:
        pytest.skip("no running supervisor pid file in the stack directory")
    initial = wait_for(lambda: workers(pid) if len(workers(pid)) >= 1 else None, RESTORE_DEADLINE)
    assert initial, "the supervisor has no workers"
    return pid, initial


def test_kill_9_of_a_worker_under_load_loses_no_committed_message(pool, alice, bob):
    supervisor, before = pool
    expected_workers = len(before)
    cid = direct(alice, bob)
    lock = threading.Lock()
    created = {}        # clientMessageId -> message id, from every 201/200 seen
    first_201 = {}      # clientMessageId -> message id of the 201 response
    failures = []       # (status, body) of failed attempts (503 from nginx while the worker died)
    progress = threading.Event()
    counter = [0]
    stop_at = time.monotonic() + 60

    def sender(i):
        user = alice if i % 2 else bob
        with requests.Session() as s:
            for k in range(PER_SENDER):
                key = client_id()
                for attempt in range(10):  # a failed send is retried with the same key
                    if time.monotonic() > stop_at:
                        return
                    try:
                        r = s.post(f"{BASE_URL}/api/messages/{cid}", json={"content": f"{i}-{k}", "clientMessageId": key},
                                   headers=user.headers, timeout=15)
                    except requests.RequestException as error:
                        with lock:
                            failures.append(("exception", repr(error)))
                        continue
                    if r.status_code in (200, 201):
                        with lock:
                            created[key] = r.json()["message"]["id"]
                            if r.status_code == 201:
                                first_201[key] = r.json()["message"]["id"]
                            counter[0] += 1
                            if counter[0] >= SENDERS * 5:
                                progress.set()
                        break
                    with lock:
                        failures.append((r.status_code, r.text[:200]))
                    # The only acceptable failure is the JSON 503 for a request cut off by the kill.
                    assert r.status_code in (502, 503), r.text

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(SENDERS)]
    for t in threads:
        t.start()
    assert progress.wait(timeout=30), "the load never got going"
    victim = sorted(workers(supervisor))[0]
    os.kill(victim, signal.SIGKILL)
    # The pool is whole again: as many workers as before, the victim replaced.
    restored = wait_for(lambda: (lambda w: w if len(w) == expected_workers and victim not in w else None)(workers(supervisor)),
                        RESTORE_DEADLINE)
    assert restored, f"pool not restored: {workers(supervisor)}"
    for t in threads:
        t.join(timeout=90)
    assert not any(t.is_alive() for t in threads)
    assert len(created) == SENDERS * PER_SENDER, f"unfinished sends; failures: {failures[:5]}"
    # Every committed message is in history exactly once, and nothing else is.
    history = history_of(alice, cid)
    ids = [m["id"] for m in history]
    assert len(ids) == len(set(ids))
    assert set(first_201.values()) <= set(ids)
    assert sorted(created.values()) == ids
    assert {m["clientMessageId"] for m in history} == set(created)
    # And the pool serves.
    assert requests.get(BASE_URL + "/api/health", timeout=10).status_code == 200


def test_sighup_replaces_every_worker_without_failed_requests(pool, alice, bob):
    supervisor, before = pool
    cid = direct(alice, bob)
    statuses = []
    replaced = None
    deadline = time.monotonic() + 20
    with requests.Session() as s:
        for i in range(400):  # a light loop: one request at a time, bounded in count and time
            if time.monotonic() > deadline:
                break
            if i == 20:
                os.kill(supervisor, signal.SIGHUP)
            try:
                r = s.get(f"{BASE_URL}/api/messages/{cid}", params={"limit": 1}, headers=alice.headers, timeout=5)
                statuses.append(r.status_code)
            except requests.RequestException as error:
                statuses.append(repr(error))
                break
            if i > 20 and replaced is None:
                now = workers(supervisor)
                if len(now) == len(before) and not (now & before):
                    replaced = now
            if replaced is not None and i > 60:
                break
            time.sleep(0.005)
    assert replaced, f"workers were not replaced: before {before}, now {workers(supervisor)}"
    assert all(s == 200 for s in statuses), [s for s in statuses if s != 200]
    # The old workers are gone, not lingering.
    for pid in before:
        assert wait_for(lambda: not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z",
                        RESTORE_DEADLINE), f"old worker {pid} still running"
    assert history_of(alice, cid) == []


def test_sighup_with_an_invalid_configuration_keeps_the_running_workers(pool, alice, bob):
    """New workers would refuse the file and die in a loop: the supervisor checks it first."""
    from conftest import CONFIG
    supervisor, before = pool
    cid = direct(alice, bob)
    original = open(CONFIG).read()
    try:
        with open(CONFIG, "a") as config:
            config.write("\nno_such_key = 1\n")
        os.kill(supervisor, signal.SIGHUP)
        time.sleep(1.5)
        assert workers(supervisor) == before, "the workers were replaced despite the invalid file"
        r = requests.get(f"{BASE_URL}/api/messages/{cid}", headers=alice.headers, timeout=5)
        assert r.status_code == 200, r.text
    finally:
        with open(CONFIG, "w") as config:
            config.write(original)
    log = os.path.join(os.environ.get("MESSAGING_STACK_DIR", "var/test"), "log", "fcgi-app.log")
    if os.path.exists(log):
        assert "reload refused" in open(log).read()
