"""Memory after connection storms (issue 15): a daemon that opens and closes thousands of
connections in rounds returns to the same resident size after each round. The first round's
growth is the allocator keeping freed pages (glibc malloc arenas; SwiftNIO's buffer pools) for
the next round; growth that continued round after round would be a leak."""
import base64
import os
import resource
import socket
import urllib.request

from conftest import wait_until
from test_push_support import extra_daemons, free_port  # noqa: F401

CONNECTIONS = 1000
ROUNDS = 6


def connected_clients(metrics_url):
    body = urllib.request.urlopen(metrics_url, timeout=5).read().decode()
    return next(float(line.split()[-1]) for line in body.splitlines()
                if line.startswith("messaging_push_connected_clients "))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def open_stream(port, token):
    """A WebSocket handshake and the `connected` frame read, on a bare socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws/notifications HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                  f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data or b'"connected"' not in data:
        chunk = sock.recv(4096)
        assert chunk, data
        data += chunk
    assert b" 101 " in data.split(b"\r\n")[0]
    return sock


def test_connection_storms_do_not_grow_the_daemon(alice, extra_daemons):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, CONNECTIONS + 512)), hard))
    metrics_port = free_port()
    daemon = extra_daemons("storm", env={
        "MESSAGING_PUSH_MAX_CONNECTIONS_PER_USER": str(CONNECTIONS),
        "MESSAGING_PUSH_METRICS_LISTEN": f"127.0.0.1:{metrics_port}",
    })
    metrics = f"http://127.0.0.1:{metrics_port}/metrics"
    pid = daemon.process.pid
    before = rss_kib(pid)
    after_round = []
    for _ in range(ROUNDS):
        sockets = [open_stream(daemon.port, alice.token) for _ in range(CONNECTIONS)]
        assert connected_clients(metrics) == CONNECTIONS
        for sock in sockets:
            sock.close()
        assert wait_until(lambda: connected_clients(metrics) == 0, timeout=20)
        after_round.append(rss_kib(pid))
    print(f"daemon RSS: {before} KiB before, after each round of {CONNECTIONS}: {after_round}")
    # Rounds 2 to 6 open 5,000 more connections: a leak of 300 bytes each would add 1.5 MiB.
    assert after_round[-1] - after_round[1] < 1536, (before, after_round)
