"""fcgi_max_requests: a worker is replaced after serving that many requests, without a failed
request. A second pool is started from the stack's binary and configuration with a small limit
and its own socket, and spoken to directly over FastCGI."""
import os
import subprocess
import time

import pytest

from conftest import ADMIN, CONFIG, STACK_DIR
from rest_helpers import fcgi_request

FCGI_APP = os.path.join(os.environ.get("MESSAGING_BIN") or os.path.dirname(os.path.abspath(ADMIN)), "fcgi-app")


@pytest.fixture
def small_pool(tmp_path):
    socket_path = os.path.join(STACK_DIR, "run", "recycle.sock")
    config = tmp_path / "recycle.conf"
    keep = [l for l in open(CONFIG) if not l.startswith(("fcgi_listen", "fcgi_max_requests", "metrics_listen", "fcgi_workers"))]
    config.write_text("".join(keep) + f"fcgi_listen = unix:{socket_path}\nfcgi_max_requests = 20\nmetrics_listen = off\nfcgi_workers = 2\n")
    process = subprocess.Popen([FCGI_APP, "--config", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not os.path.exists(socket_path) and time.time() < deadline:
        time.sleep(0.05)
    yield process, socket_path
    process.terminate()
    process.wait(timeout=40)


def workers_of(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return set(out)


def test_workers_are_recycled_after_max_requests_without_failed_requests(small_pool):
    process, socket_path = small_pool
    deadline = time.time() + 10
    while len(workers_of(process.pid)) < 2 and time.time() < deadline:
        time.sleep(0.05)
    first = workers_of(process.pid)
    statuses = [fcgi_request("GET", "/api/health", socket_path=socket_path)[0] for _ in range(150)]
    assert statuses == [200] * 150
    # 150 requests over 2 workers with a limit of 20 each: every original worker was replaced.
    assert not (first & workers_of(process.pid))
    # The pool is whole again (a recycled worker may still be exiting at this moment).
    deadline = time.time() + 5
    while len(workers_of(process.pid)) != 2 and time.time() < deadline:
        time.sleep(0.05)
    assert len(workers_of(process.pid)) == 2
