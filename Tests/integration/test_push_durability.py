"""No loss: the daemon's database connection dropping or Postgres restarting, and transactions
that commit out of id order."""
import subprocess
import time

import requests

from conftest import BASE_URL, direct, send, wait_until
from test_push_protocol import close_of_upgrade
from test_push_support import clients, pg_ctl, psql, psql_command  # noqa: F401


def send_retrying(user, conv, content, timeout=20):
    """Sends once the REST workers have their database back (503 until then)."""
    deadline = time.time() + timeout
    while True:
        r = user.post(f"/api/messages/{conv}", {"content": content, "clientMessageId": f"retry-{content}"})
        if r.status_code in (200, 201):
            return r.json()["message"]
        assert r.status_code in (502, 503, 504) and time.time() < deadline, r.text
        time.sleep(0.2)


def rest_healthy():
    try:
        return requests.get(BASE_URL + "/api/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_daemon_connection_dropped_loses_nothing(alice, bob, clients):
    conv = direct(alice, bob)
    b = clients(bob)
    before = [send(alice, conv, f"b{i}")["id"] for i in range(3)]
    terminated = psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'push-daemon'")
    assert int(terminated) >= 1
    after = [send(alice, conv, f"a{i}")["id"] for i in range(5)]
    assert [m["id"] for m in b.wait_messages(8, conv, timeout=10)] == before + after
    assert [f for f in b.frames if f["type"] == "connected"] == [b.connected]


def test_postgres_restart_with_clients_connected(alice, bob, carol, clients):
    conv = direct(alice, bob)
    a, b = clients(alice), clients(bob)
    before = [send(alice, conv, f"before{i}")["id"] for i in range(3)]
    b.wait_messages(3, conv)
    pg_ctl("-m", "fast", "-w", "-t", "60", "stop")
    # Meanwhile a new connection's account cannot be checked: accepted, then told to come back.
    assert close_of_upgrade(user=carol) == (1013, "try again later")
    time.sleep(2)   # the daemon's reconnect attempts fail meanwhile
    pg_ctl("-w", "-t", "60", "-l", psql_log(), "start")
    assert wait_until(rest_healthy, timeout=30)
    after = [send_retrying(alice, conv, f"after{int(time.time()*1000)}-{i}")["id"] for i in range(5)]
    got = b.wait_messages(8, conv, timeout=15)
    assert [m["id"] for m in got] == before + after
    # same connections all along: no second "connected" frame, and the stream still works both ways
    for client in (a, b):
        assert [f for f in client.frames if f["type"] == "connected"] == [client.connected]
    a.send({"type": "typing", "conversationId": conv, "isTyping": True})
    b.wait_for(lambda f: f["type"] == "typing" and f["userId"] == alice.id)


def psql_log():
    from test_push_support import pg_data_dir
    return pg_data_dir().rsplit("/", 1)[0] + "/postgres.log"


class OpenTransaction:
    """A psql session holding a transaction open."""

    def __init__(self):
        self.process = subprocess.Popen(psql_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def run(self, sql):
        marker = f"done{time.time_ns()}"
        self.process.stdin.write(sql + f"\nSELECT '{marker}';\n")
        self.process.stdin.flush()
        lines = []
        while True:
            line = self.process.stdout.readline()
            assert line, "psql ended"
            if line.strip() == marker:
                return lines
            lines.append(line.strip())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


def test_late_committing_transaction_is_delivered_live_and_on_resume(alice, bob, carol, clients):
    early_conv = direct(alice, bob)
    later_conv = direct(carol, bob)
    b = clients(bob)
    first = send(alice, early_conv, "first")
    b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == first["id"])
    resume_cursor = b.last_cursor

    late = OpenTransaction()
    try:
        late.run("BEGIN;")
        late.run(f"SELECT (chat_send_message({early_conv}, {alice.id}, 'late', NULL, NULL, NULL, NULL)).message;")
        # A later transaction takes a higher event id and commits first.
        later = send(carol, later_conv, "later")
        # The late event is not visible yet; the later one is committed, with the higher id. A
        # reader going by "id > last seen" would deliver `later` and then never see `late`.
        visible = psql(f"SELECT string_agg(kind, ',') FROM chat_events WHERE room_id = {early_conv} AND id > {resume_cursor}")
        assert visible == ""
        # While the older transaction runs, the daemon holds `later` back (it reads only below the
        # oldest running transaction), so order and completeness are kept.
        b.drain(1.0)
        assert "later" not in [m["content"] for m in b.messages()]
        late.run("COMMIT;")
    finally:
        late.close()
    got = b.wait_messages(3, timeout=10)
    contents = [m["content"] for m in got]
    assert contents == ["first", "late", "later"], contents
    late_frame = [f for f in b.events("new_message") if f["message"]["content"] == "late"][0]
    later_frame = [f for f in b.events("new_message") if f["message"]["content"] == "later"][0]
    # committed out of id order: the late event has the lower id but committed after the other
    assert late_frame["cursor"] < later_frame["cursor"]
    assert later_frame["message"]["id"] == later["id"]

    # A client resuming from before both gets both, in the same order.
    r = clients(bob, since=resume_cursor)
    assert [m["content"] for m in r.wait_messages(2, timeout=10)] == ["late", "later"]
