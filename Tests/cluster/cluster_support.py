"""Helpers for the cluster tests (no tests here): the Patroni members of the cluster started by
scripts/cluster.sh, and the integration suite's helpers (users, WebSocket client), which read
MESSAGING_BASE_URL and friends pointing at the cluster's stack (scripts/test.sh sets them)."""
import os
import subprocess
import sys
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from conftest import ROOT  # noqa: E402  (after the path change)

API_PORTS = [int(p) for p in os.environ.get("CLUSTER_API_PORTS", "48008,48009,48010").split(",")]
PG_PORTS = [int(p) for p in os.environ.get("CLUSTER_PG_PORTS", "55641,55642,55643").split(",")]
CLUSTER_SCRIPT = os.path.join(ROOT, "scripts", "cluster.sh")


def members():
    """{name: member} from the first Patroni that answers (role: leader, sync_standby, replica)."""
    for port in API_PORTS:
        try:
            body = requests.get(f"http://127.0.0.1:{port}/cluster", timeout=2).json()
            return {m["name"]: m for m in body["members"]}
        except (requests.RequestException, ValueError):
            continue
    return {}


def leader():
    return next((name for name, m in members().items() if m["role"] == "leader" and m["state"] == "running"), None)


def cluster(command):
    """Runs scripts/cluster.sh COMMAND (same environment: the same cluster); returns stdout."""
    out = subprocess.run([CLUSTER_SCRIPT, command], capture_output=True, text=True, env={**os.environ, "SKIP_BUILD": "1"},
                         timeout=600)
    assert out.returncode == 0, f"cluster.sh {command} failed:\n{out.stdout}\n{out.stderr}"
    return out.stdout


def psql(port, sql):
    """One value from a query on one node (any role), over loopback TCP."""
    out = subprocess.run(["psql", f"host=127.0.0.1 port={port} user=messaging dbname=messaging", "-tAc", sql],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def wait_until(predicate, timeout, interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None
