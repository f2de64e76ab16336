"""Read replicas (database_replicas): history, the conversation list, search and read state are
served by the standbys, yet a read never misses a write that was acknowledged (or announced on the
push stream) before it began; a lagging or stopped replica is skipped and reads fall back to the
primary without an error."""
import os
import subprocess
import threading
import time

from cluster_support import API_PORTS, PG_PORTS, members, psql, wait_until
from conftest import ROOT, direct, new_user, send
from test_push_support import PushClient

CLUSTER_DIR = os.environ.get("CLUSTER_DIR", os.path.join(ROOT, "var", "cluster"))


def roles():
    """{port: role} of every running node."""
    return {int(m["port"]): m["role"] for m in members().values() if m["state"] == "running"}


def transactions():
    """Committed transactions in the messaging database, per node (each node counts its own)."""
    return {port: int(psql(port, "SELECT xact_commit FROM pg_stat_database WHERE datname = 'messaging'")) for port in PG_PORTS}


class BackgroundWriter(threading.Thread):
    """Other users' writes going on meanwhile, so the standbys always have WAL to replay."""

    def __init__(self):
        super().__init__(daemon=True)
        self.a, self.b = new_user(), new_user()
        self.room = direct(self.a, self.b)
        self.stop = threading.Event()
        self.errors = []

    def run(self):
        while not self.stop.is_set():
            r = self.a.post(f"/api/messages/{self.room}", {"content": "background"})
            if r.status_code != 201:
                self.errors.append((r.status_code, r.text[:200]))
            time.sleep(0.01)


def read_back(reader, room, message_id):
    """The reads a client makes after a write or a push frame; each must already show the message."""
    r = reader.get(f"/api/messages/{room}", params={"limit": 5})
    assert r.status_code == 200, r.text
    assert r.json()["messages"][-1]["id"] == message_id, "history is older than the write"
    r = reader.get("/api/messages/conversations", params={"limit": 5})
    assert r.status_code == 200, r.text
    latest = next(c for c in r.json()["conversations"] if c["id"] == room)
    assert latest["lastMessage"]["id"] == message_id, "the conversation list is older than the write"
    r = reader.get(f"/api/messages/{room}/read-state")
    assert r.status_code == 200, r.text


def test_every_read_after_a_write_sees_it_and_replicas_serve_the_reads():
    alice, bob = new_user("Alice"), new_user("Bob")
    room = direct(alice, bob)
    writer = BackgroundWriter()
    writer.start()
    node_roles = roles()
    before = transactions()
    rounds = 150
    try:
        for i in range(rounds):
            message = send(alice, room, f"write then read {i}")
            read_back(alice, room, message["id"])      # the writer's own reads
            read_back(bob, room, message["id"])        # and anyone's who reads after it
        r = alice.get("/api/messages/search", params={"q": "write then read 149", "conversationId": room})
        assert r.status_code == 200 and r.json()["results"], r.text
    finally:
        writer.stop.set()
        writer.join(10)
    assert not writer.errors, writer.errors[:5]
    standbys = [port for port, role in node_roles.items() if role != "leader"]
    reads = rounds * 2 * 3

    def served_by_standbys():
        # Backends report their counts up to 10 s late (PGSTAT_IDLE_INTERVAL): wait for them.
        after = transactions()
        delta = {port: after[port] - before[port] for port in PG_PORTS}
        return delta if sum(delta[port] for port in standbys) >= reads and all(delta[port] > 0 for port in standbys) else None
    delta = wait_until(served_by_standbys, 15) or {port: transactions()[port] - before[port] for port in PG_PORTS}
    print(f"\n{reads} reads after writes; transactions per node: "
          + ", ".join(f"{node_roles.get(port, '?')} :{port} +{delta[port]}" for port in PG_PORTS))
    # Each read served by a standby is two transactions there (the replay check, the read).
    assert sum(delta[port] for port in standbys) >= reads, delta
    assert all(delta[port] > 0 for port in standbys), "a standby served no read"


def test_what_a_push_frame_announces_is_visible_to_the_next_read():
    alice, bob = new_user("Alice"), new_user("Bob")
    room = direct(alice, bob)
    client = PushClient(bob)
    try:
        for i in range(40):
            sent = send(alice, room, f"announced {i}")
            frame = client.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"], timeout=10)
            read_back(bob, room, frame["message"]["id"])
    finally:
        client.close()


def nodes_dir():
    """Where scripts/cluster.sh put the nodes' folders (CLUSTER_DIR, or /var/tmp when the postgres
    user cannot reach it)."""
    return open(os.path.join(CLUSTER_DIR, "nodes.location")).read().strip()


def node_dir(port):
    return os.path.join(nodes_dir(), f"node{PG_PORTS.index(port) + 1}", "data")


def as_postgres(args):
    return (["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] if os.getuid() == 0 else []) + args


def patronictl(*args):
    config = os.path.join(nodes_dir(), "node1", "patroni.yml")
    out = subprocess.run(["patronictl", "-c", config, *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_lagging_replicas_are_skipped_and_reads_fall_back_to_the_primary():
    alice, bob = new_user("Alice"), new_user("Bob")
    room = direct(alice, bob)
    node_roles = roles()
    standbys = [port for port, role in node_roles.items() if role != "leader"]
    leader = next(port for port, role in node_roles.items() if role == "leader")
    for port in standbys:
        psql(port, "SELECT pg_wal_replay_pause()")
    try:
        before = transactions()
        for i in range(30):
            message = send(alice, room, f"while the replicas lag {i}")
            read_back(alice, room, message["id"])
        # Every read (3 a round) went to the primary, besides the sends (counts come up to 10 s late).
        assert wait_until(lambda: transactions()[leader] - before[leader] >= 30 * 3, 15), (before, transactions())
    finally:
        for port in standbys:
            psql(port, "SELECT pg_wal_replay_resume()")


def test_a_stopped_replica_is_skipped_and_nothing_errors():
    alice, bob = new_user("Alice"), new_user("Bob")
    room = direct(alice, bob)
    node_roles = roles()
    # The asynchronous one: stopping the synchronous standby would hold commits until Patroni
    # names another (docs/SCALING.md); this is about reads.
    replica = next(port for port, role in node_roles.items() if role == "replica")
    patronictl("pause", "--wait")   # so Patroni does not start it again under the test
    try:
        subprocess.run(as_postgres([os.path.join("/usr/lib/postgresql/15/bin", "pg_ctl"), "-D", node_dir(replica), "-m", "fast", "-w", "stop"]),
                       check=True, capture_output=True, timeout=60)
        for i in range(30):
            message = send(alice, room, f"with a replica down {i}")
            read_back(alice, room, message["id"])
    finally:
        patronictl("resume", "--wait")
    assert wait_until(lambda: roles().get(replica) == "replica", 60), members()
