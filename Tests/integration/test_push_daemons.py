"""Several daemons, a daemon killed mid-stream, dead connections and slow readers. Extra daemons
run on their own loopback ports against the stack's database; clients reach them directly."""
import os
import socket
import threading
import time

from conftest import STACK_DIR, direct, send, wait_until
from test_push_support import clients, extra_daemons  # noqa: F401
from test_push_protocol import RawSocket


def test_two_daemons_each_deliver_everything(alice, bob, carol, clients, extra_daemons):
    r = alice.post("/api/messages/groups", {"name": "Spread", "participantIds": [bob.id, carol.id]})
    group = r.json()["conversation"]["id"]
    second = extra_daemons("two")
    a = clients(alice)                      # stack daemon, through nginx
    b = clients(bob, url=second.url)        # second daemon
    c1 = clients(carol)
    c2 = clients(carol, url=second.url)     # one user on both daemons
    sent = [send(alice if i % 2 else bob, group, f"m{i}")["id"] for i in range(40)]
    for client in (a, b, c1, c2):
        assert [m["id"] for m in client.wait_messages(40, group)] == sent
    # same cursors everywhere
    assert [f["cursor"] for f in b.events("new_message")] == [f["cursor"] for f in a.events("new_message")]


def test_new_daemon_starts_at_the_head_of_the_log(alice, bob, clients, extra_daemons):
    conv = direct(alice, bob)
    b = clients(bob)
    for i in range(3):
        last = send(alice, conv, f"h{i}")
    head = b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == last["id"])["cursor"]
    daemon = extra_daemons("head")
    fresh = clients(bob, url=daemon.url)
    assert fresh.connected["cursor"] == head
    fresh.drain(0.5)
    assert fresh.events() == []      # no history pushed at live clients


def test_daemon_killed_and_restarted_while_messages_are_sent(alice, bob, clients, extra_daemons):
    conv = direct(alice, bob)
    daemon = extra_daemons("killed")
    b = clients(bob, url=daemon.url)
    sent = []
    done = threading.Event()

    def sender():
        for i in range(150):
            sent.append(send(alice, conv, f"k{i}")["id"])
            time.sleep(0.01)
        done.set()

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        time.sleep(0.5)
        b.drain(0.05)
        daemon.kill()              # SIGKILL: no goodbye
        time.sleep(0.5)            # messages keep coming while it is down
        daemon.start()
        cursor = b.last_cursor
        b.close()
        b2 = clients(bob, url=daemon.url, since=cursor)
        thread.join(timeout=60)
        assert done.is_set()
        got = b.messages(conv) + b2.wait_messages(len(sent) - len(b.messages(conv)), conv, timeout=15)
    finally:
        thread.join(timeout=60)
    assert [m["id"] for m in got] == sent


def test_graceful_stop_closes_with_going_away(alice, clients, extra_daemons):
    daemon = extra_daemons("graceful")
    c = clients(alice, url=daemon.url)
    daemon.stop()
    try:
        for _ in range(10):
            c.recv(timeout=5)
    except Exception as error:  # ConnectionClosed
        assert error.rcvd is not None and error.rcvd.code == 1001, error


def test_dead_connection_is_closed_after_the_timeout(alice, bob, clients, extra_daemons):
    daemon = extra_daemons("pings", env={"MESSAGING_PUSH_PING_SECONDS": "1", "MESSAGING_PUSH_IDLE_TIMEOUT_SECONDS": "3"})
    healthy = clients(bob, url=daemon.url)       # websockets answers pings by itself
    raw = RawSocket(alice, port=daemon.port)      # never answers
    started = time.time()
    pings = 0
    closed = False
    while time.time() - started < 10:
        try:
            opcode, _ = raw.read_frame()
        except (EOFError, ConnectionResetError):
            closed = True
            break
        if opcode == 9:
            pings += 1
        if opcode == 8:
            continue
    elapsed = time.time() - started
    assert closed and pings >= 1
    assert 2.5 <= elapsed <= 9, elapsed
    # the healthy client, idle as long, is still served
    healthy.send({"type": "ping"})
    healthy.wait_for(lambda f: f["type"] == "pong")


def assert_stream_ends(slow):
    """The slow socket was closed by the daemon: after what was buffered, the stream ends."""
    slow.sock.settimeout(5)
    ended = False
    try:
        for _ in range(100000):
            slow.read_frame()
    except (EOFError, ConnectionResetError):
        ended = True
    assert ended


def test_slow_reader_is_disconnected_and_others_are_not_held_up(alice, bob, carol, clients, extra_daemons):
    daemon = extra_daemons("slow", env={"MESSAGING_PUSH_MAX_BUFFERED_BYTES": "65536", "MESSAGING_PUSH_SLOW_READER_GRACE_SECONDS": "2"})
    r = alice.post("/api/messages/groups", {"name": "Firehose", "participantIds": [bob.id, carol.id]})
    group = r.json()["conversation"]["id"]
    fast = clients(carol, url=daemon.url)
    slow = RawSocket(bob, port=daemon.port, rcvbuf=4096)   # reads the handshake, then nothing
    big = "😀" * 3900
    # The fast client reads while the messages are sent (a client that stops reading for the
    # whole burst is slow too: its pongs stop acknowledging).
    reading = threading.Event()
    reading.set()

    def read():
        while reading.is_set():
            try:
                fast.recv(timeout=0.2)
            except TimeoutError:
                pass
    reader = threading.Thread(target=read)
    reader.start()
    sent = []
    for i in range(400):
        sent.append(send(alice, group, big)["id"])
        if i % 50 == 49 and "disconnecting a slow reader" in daemon.log_text():
            break
    assert wait_until(lambda: "disconnecting a slow reader" in daemon.log_text(), timeout=10)
    delivered = wait_until(lambda: len(fast.messages(group)) >= len(sent), timeout=20)
    reading.clear()
    reader.join()
    assert delivered
    assert [m["id"] for m in fast.messages(group)] == sent
    assert daemon.log_text().count("disconnecting a slow reader") == 1
    assert_stream_ends(slow)


def test_a_slow_reader_behind_nginx_meets_the_daemons_limit(alice, bob, carol, clients):
    """Through nginx the daemon's socket stays writable while megabytes wait in nginx and the
    kernels; the daemon's probes (pings whose pongs acknowledge what the client has read) still
    see the client: it is cut after at most twice push_max_buffered_bytes (2 MiB in the test stack)
    unacknowledged, not after whatever the path can hold."""
    r = alice.post("/api/messages/groups", {"name": "Firehose via nginx", "participantIds": [bob.id, carol.id]})
    group = r.json()["conversation"]["id"]
    fast = clients(carol)                     # through nginx too
    slow = RawSocket(bob, rcvbuf=4096)        # reads the handshake, then nothing
    log = os.path.join(STACK_DIR, "log", "push-daemon.log")
    start = os.path.getsize(log)

    def cut():
        with open(log) as f:
            f.seek(start)
            return any("disconnecting a slow reader" in line and f"user.id={bob.id}" in line for line in f)

    big = "😀" * 3900                         # ~15.6 KB of UTF-8 per frame
    sent = []
    while not cut() and len(sent) < 600:      # 600 frames: ~9.4 MB, well past the limit
        sent.append(send(alice, group, big)["id"])
    assert wait_until(cut, timeout=15)
    frame_bytes = len(big.encode()) + 300
    # Cut by bytes: at most 4 MiB unacknowledged plus what was sent while the check ran.
    assert len(sent) * frame_bytes <= 4 * 1024 * 1024 + 64 * frame_bytes, len(sent)
    assert [m["id"] for m in fast.wait_messages(len(sent), group, timeout=20)] == sent
    assert_stream_ends(slow)
