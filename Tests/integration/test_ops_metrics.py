"""The Prometheus endpoints: the pool's (metrics_listen, served by the supervisor with counts
from every worker process) and the push daemon's (push_metrics_listen). Traffic goes through
nginx; the counts must move by exactly what was sent, whichever worker served it."""
import os
import re
import signal
import time

import pytest
import requests

from conftest import BASE_URL, CONFIG, STACK_DIR, direct, send

SEND_ROUTE = "POST /api/messages/:conversationId"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def config_value(key):
    for line in open(CONFIG):
        name, _, value = line.partition("=")
        if name.strip() == key:
            return value.strip()
    return None


def endpoint(key, default):
    address = config_value(key) or default
    return None if address == "off" else f"http://{address}/metrics"


POOL = endpoint("metrics_listen", "127.0.0.1:9464")
PUSH = endpoint("push_metrics_listen", "127.0.0.1:9465")


def scrape(url):
    """{(name, frozenset(labels)): value} from the text exposition format."""
    response = requests.get(url, timeout=5)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not exposition format: {line!r}"
        labels = frozenset(LABEL.findall(match.group(2) or ""))
        samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def wait_for(url, name, expected, timeout=6.0, **labels):
    """Workers report about once a second: poll until the sample reaches `expected`, then check
    it stays there (exactly, not more) for one more report."""
    deadline = time.time() + timeout
    current = None
    while time.time() < deadline:
        current = value(scrape(url), name, **labels)
        if current >= expected:
            break
        time.sleep(0.2)
    time.sleep(1.3)
    current = value(scrape(url), name, **labels)
    assert current == expected, f"{name}{labels}: {current}, expected {expected}"


@pytest.fixture(scope="module")
def pool():
    # The test stack always serves metrics: a missing endpoint is a failure, not a reason to skip.
    assert POOL is not None, "metrics_listen is off in " + CONFIG
    return POOL


def settled_scrape(pool):
    """A scrape after the previous tests' requests have all been reported: workers send their
    counts about once a second, so a request finished just before may still be on its way."""
    before = scrape(pool)
    for _ in range(5):
        time.sleep(1.2)
        now = scrape(pool)
        if now == before:
            return now
        before = now
    return before


def test_request_counter_and_histogram_move_by_exactly_the_requests_sent(pool, alice, bob):
    conversation = direct(alice, bob)
    before = settled_scrape(pool)
    sends = 7
    for i in range(sends):
        send(alice if i % 2 else bob, conversation, f"metrics {i}")
    for _ in range(3):
        assert requests.get(BASE_URL + "/api/no/such/route", timeout=5).status_code == 404

    created = value(before, "messaging_fcgi_requests_total", route=SEND_ROUTE, status="201") + sends
    wait_for(pool, "messaging_fcgi_requests_total", created, route=SEND_ROUTE, status="201")
    after = scrape(pool)
    assert value(after, "messaging_fcgi_request_duration_seconds_count", route=SEND_ROUTE) == \
        value(before, "messaging_fcgi_request_duration_seconds_count", route=SEND_ROUTE) + sends
    assert value(after, "messaging_fcgi_request_duration_seconds_bucket", route=SEND_ROUTE, le="+Inf") == \
        value(after, "messaging_fcgi_request_duration_seconds_count", route=SEND_ROUTE)
    assert value(after, "messaging_fcgi_request_duration_seconds_sum", route=SEND_ROUTE) > \
        value(before, "messaging_fcgi_request_duration_seconds_sum", route=SEND_ROUTE)
    assert value(after, "messaging_fcgi_requests_total", route="unmatched", status="404") == \
        value(before, "messaging_fcgi_requests_total", route="unmatched", status="404") + 3


def test_worker_states_cover_the_whole_pool(pool):
    workers, threads = int(config_value("fcgi_workers") or 2), int(config_value("fcgi_threads") or 4)
    deadline = time.time() + 5
    while True:
        samples = scrape(pool)
        total = value(samples, "messaging_fcgi_threads", state="busy") + value(samples, "messaging_fcgi_threads", state="idle")
        serving = value(samples, "messaging_fcgi_worker_processes", state="serving")
        if (total, serving) == (workers * threads, workers) or time.time() > deadline:
            break
        time.sleep(0.3)
    assert serving == workers
    assert total == workers * threads
    for name in ("messaging_postgres_errors_total", "messaging_hook_errors_total"):
        assert any(key[0] == name for key in samples), f"{name} missing"
    assert ("messaging_postgres_reconnects_total", frozenset()) in samples
    assert ("messaging_hook_timeouts_total", frozenset({("function", "notifications.on_message")})) in samples


def healthy():
    """One successful health request. A retry covers a known race in the worker's drain (a
    connection accepted just as an old worker exits is reset, nginx answers 503); a request
    that never ran is not counted, so the exact count below still holds."""
    for _ in range(5):
        if requests.get(BASE_URL + "/api/health", timeout=5).status_code == 200:
            return
        time.sleep(0.1)
    raise AssertionError("/api/health did not answer 200")


def test_counts_survive_a_graceful_reload(pool):
    """Counters live in the supervisor; a draining worker reports its last requests before it
    exits, so nothing served around a reload is lost or counted twice."""
    pid_file = os.path.join(STACK_DIR, "run", "fcgi-app.pid")
    assert os.path.exists(pid_file), "no fcgi-app pid file in " + STACK_DIR
    before = scrape(pool)
    health = value(before, "messaging_fcgi_requests_total", route="GET /api/health", status="200")
    reloads = value(before, "messaging_fcgi_reloads_total")
    for _ in range(5):
        healthy()
    os.kill(int(open(pid_file).read().strip()), signal.SIGHUP)
    for _ in range(5):
        healthy()
    wait_for(pool, "messaging_fcgi_requests_total", health + 10, route="GET /api/health", status="200")
    assert value(scrape(pool), "messaging_fcgi_reloads_total") == reloads + 1


def test_metrics_are_not_reachable_through_nginx():
    for path in ("/metrics", "/api/metrics", "/ws/metrics"):
        response = requests.get(BASE_URL + path, timeout=5)
        # 404 from nginx or the app, or whatever the daemon says to a non-upgrade: never metrics.
        assert response.status_code != 200, (path, response.status_code)
        assert "messaging_" not in response.text
    for url in (POOL, PUSH):
        if url:
            assert url.startswith("http://127.0.0.1:"), "the stack binds metrics to loopback"


def test_push_daemon_metrics_move_with_delivered_frames(alice, bob):
    assert PUSH is not None, "push_metrics_listen is off in " + CONFIG
    before = scrape(PUSH)
    from test_push_support import PushClient
    conversation = direct(alice, bob)
    receiver = PushClient(bob)
    try:
        connected = value(scrape(PUSH), "messaging_push_connected_clients")
        assert connected >= value(before, "messaging_push_connected_clients") + 1
        sent = [send(alice, conversation, f"lag {i}") for i in range(3)]
        assert len(receiver.wait_messages(3, conversation)) == 3
        deadline = time.time() + 5
        while time.time() < deadline:
            after = scrape(PUSH)
            if value(after, "messaging_push_delivery_lag_seconds_count") >= \
                    value(before, "messaging_push_delivery_lag_seconds_count") + len(sent):
                break
            time.sleep(0.2)
        # Bob's device got 3 message frames; frames to other devices may add more, never fewer.
        assert value(after, "messaging_push_frames_sent_total") >= value(before, "messaging_push_frames_sent_total") + 3
        assert value(after, "messaging_push_delivery_lag_seconds_count") >= \
            value(before, "messaging_push_delivery_lag_seconds_count") + 3
        assert ("messaging_push_listener_reconnects_total", frozenset()) in after
    finally:
        receiver.close()
    deadline = time.time() + 5
    while value(scrape(PUSH), "messaging_push_connected_clients") > connected - 1 and time.time() < deadline:
        time.sleep(0.2)
    assert value(scrape(PUSH), "messaging_push_connected_clients") == connected - 1
