"""PostgreSQL restarting under the pool: requests during the outage get a quick JSON 503 with
Retry-After, and the pool serves again without a restart once Postgres is back."""
import os
import subprocess
import time

import requests

from conftest import BASE_URL, STACK_DIR, direct, send


def pg_dir():
    return open(os.path.join(STACK_DIR, "pg.location")).read().strip()


def pg_ctl(*args):
    data = pg_dir() + "/data"
    pg_bin = sorted(p for p in os.listdir("/usr/lib/postgresql"))[-1]
    command = [f"/usr/lib/postgresql/{pg_bin}/bin/pg_ctl", "-D", data, *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def test_outage_answers_503_quickly_and_pool_recovers(alice, bob):
    conversation = direct(alice, bob)
    send(alice, conversation, "before the outage")
    pg_ctl("stop", "-m", "fast", "-w")
    try:
        for _ in range(6):
            started = time.monotonic()
            r = alice.post(f"/api/messages/{conversation}", {"content": "during the outage"})
            elapsed = time.monotonic() - started
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] in ("database_unavailable", "service_unavailable")
            assert r.headers.get("Retry-After") == "1"
            assert elapsed < 5, f"a request during the outage took {elapsed:.1f}s"
        health = requests.get(BASE_URL + "/api/health", timeout=10)
        assert health.status_code == 503 and health.json()["database"] == "down"
    finally:
        pg_ctl("start", "-w", "-l", pg_dir() + "/postgres.log")
    # Every worker thread reconnects on its next request; no restart of the pool.
    deadline = time.monotonic() + 10
    statuses = []
    while time.monotonic() < deadline:
        statuses = [alice.post(f"/api/messages/{conversation}", {"content": f"after {i}"}).status_code for i in range(12)]
        if all(s == 201 for s in statuses):
            break
        time.sleep(0.2)
    assert all(s == 201 for s in statuses), statuses
    contents = [m["content"] for m in alice.get(f"/api/messages/{conversation}?limit=100").json()["messages"]]
    assert "before the outage" in contents
    assert "during the outage" not in contents
