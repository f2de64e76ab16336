"""Resuming with ?since=<cursor>: exactly the missed events, in order, before live ones."""
import threading
import time

from conftest import direct, send
from test_push_support import PushClient, clients, extra_daemons, psql  # noqa: F401


def test_reconnect_with_cursor_gets_exactly_the_missed_events(alice, bob, clients):
    conv = direct(alice, bob)
    b = clients(bob)
    first = [send(alice, conv, f"before {i}")["id"] for i in range(5)]
    assert [m["id"] for m in b.wait_messages(5, conv)] == first
    cursor = b.last_cursor
    b.close()
    missed = [send(alice, conv, f"missed {i}")["id"] for i in range(20)]
    r = bob.post(f"/api/messages/{conv}/read", {})
    assert r.status_code == 200
    b2 = clients(bob, since=cursor)
    assert b2.connected["cursor"] == cursor
    got = b2.wait_messages(20, conv)
    assert [m["id"] for m in got] == missed
    b2.wait_for(lambda f: f["type"] == "message_read")
    live = send(alice, conv, "live")["id"]
    got = b2.wait_messages(21, conv)
    assert [m["id"] for m in got] == missed + [live]
    cursors = [f["cursor"] for f in b2.events()]
    assert len(cursors) == len(set(cursors))
    assert all(c > cursor for c in cursors)


def test_resume_while_messages_keep_coming_has_no_gap_and_no_duplicate(alice, bob, clients):
    conv = direct(alice, bob)
    b = clients(bob)
    sent = []
    stop = threading.Event()

    def sender():
        i = 0
        while not stop.is_set() and i < 300:
            sent.append(send(alice, conv, f"m{i}")["id"])
            i += 1
            time.sleep(0.003)

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        seen = []
        for round_ in range(5):
            time.sleep(0.15)
            b.drain(0.05)
            seen.extend(m["id"] for m in b.messages(conv))
            cursor = b.last_cursor
            b.close()
            time.sleep(0.1)  # messages keep arriving while disconnected
            b = clients(bob, since=cursor)
    finally:
        stop.set()
        thread.join(timeout=30)
    b.wait_messages(len(sent) - len(seen), conv, timeout=10)
    seen.extend(m["id"] for m in b.messages(conv))
    assert seen == sent, f"gap or duplicate: {len(seen)} seen, {len(sent)} sent"


def test_unknown_or_expired_cursor_gets_resync_required(alice, bob, clients):
    conv = direct(alice, bob)
    send(alice, conv, "x")
    c = clients(bob, since=10**15)
    frame = c.wait_for(lambda f: f["type"] == "resync_required")
    assert isinstance(frame["cursor"], int)
    # an event older than the retention window (event_retention_hours) no longer resumes
    b = clients(bob)
    old = send(alice, conv, "old")
    cursor = b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == old["id"])["cursor"]
    psql(f"UPDATE chat_events SET created_at = now() - interval '400 days' WHERE id = {cursor}")
    c2 = clients(bob, since=cursor)
    c2.wait_for(lambda f: f["type"] == "resync_required")
    # and after a resync the stream is live again
    live = send(alice, conv, "after resync")
    c2.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == live["id"])


def test_cursor_from_connected_frame_resumes(alice, bob, clients):
    conv = direct(alice, bob)
    b = clients(bob)
    cursor = b.connected["cursor"]
    b.close()
    sent = [send(alice, conv, f"while away {i}")["id"] for i in range(3)]
    b2 = clients(bob, since=cursor)
    assert [m["id"] for m in b2.wait_messages(3, conv)] == sent


def test_expired_events_are_purged_periodically(alice, bob, extra_daemons):
    conv = direct(alice, bob)
    sent = send(alice, conv, "soon purged")
    event_id = int(psql(f"SELECT max(id) FROM chat_events WHERE room_id = {conv}"))
    oldest = int(psql("SELECT min(id) FROM chat_events"))
    # Age the oldest event and this one past the retention window (event_retention_hours).
    psql(f"UPDATE chat_events SET created_at = now() - interval '400 days' WHERE id IN ({oldest}, {event_id})")
    extra_daemons("purge", env={"MESSAGING_PUSH_PURGE_INTERVAL_SECONDS": "1"})
    deadline = time.time() + 15
    while time.time() < deadline and psql(f"SELECT count(*) FROM chat_events WHERE id = {oldest}") != "0":
        time.sleep(0.2)
    assert psql(f"SELECT count(*) FROM chat_events WHERE id = {oldest}") == "0"
    assert sent["id"]


def test_a_backlog_over_the_replay_limit_gets_resync_required(alice, bob, clients, extra_daemons):
    """push_max_replay_events bounds a resume: more missed events than that is a resync, not a
    flood; within the bound the same daemon replays."""
    conv = direct(alice, bob)
    daemon = extra_daemons("small-replay", env={"MESSAGING_PUSH_MAX_REPLAY_EVENTS": "3"})
    watcher = clients(bob, url=daemon.url)
    cursor = watcher.connected["cursor"]
    for i in range(4):
        send(alice, conv, f"while away {i}")
    watcher.wait_messages(4, conv)  # the daemon has read them all
    over = clients(bob, since=cursor, url=daemon.url)
    frame = over.wait_for(lambda f: f["type"] == "resync_required")
    assert frame["cursor"] > cursor
    assert over.messages(conv) == []
    within = over.connected["cursor"]
    sent = [send(alice, conv, f"later {i}")["id"] for i in range(2)]
    over.wait_messages(2, conv)
    again = clients(bob, since=within, url=daemon.url)
    assert [m["id"] for m in again.wait_messages(2, conv)] == sent
    assert not any(f["type"] == "resync_required" for f in again.frames)


def test_cursor_zero_after_a_purge_gets_resync_required(alice, bob, clients):
    """Cursor 0 means "from the very beginning", which only a log that was never purged has."""
    conv = direct(alice, bob)
    send(alice, conv, "x")
    psql("DELETE FROM chat_events WHERE id = 1")  # as the retention purge does with the oldest events
    c = clients(bob, since=0)
    c.wait_for(lambda f: f["type"] == "resync_required")
    assert c.messages(conv) == []
