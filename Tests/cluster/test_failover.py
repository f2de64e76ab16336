"""Failover under load on the local cluster (scripts/cluster.sh): the primary's machine dies
(SIGKILL to its Patroni and every PostgreSQL process at once) while senders keep sending; Patroni
promotes the synchronous standby and the pool and the daemon find it by themselves. No message a
sender saw acknowledged is lost or stored twice, and a WebSocket client that stayed connected
received each exactly once, in order. Then the old primary comes back as a standby."""
import re
import threading
import time
import uuid

import requests
from websockets.exceptions import ConnectionClosed

from cluster_support import PG_PORTS, cluster, leader, members, psql, wait_until
from conftest import BASE_URL, direct, new_user
from test_push_support import PushClient

SENDERS = 4
MAX_PER_SENDER = 400
# A send retried this long without success fails the test (a failover takes ~ttl + a few s).
RETRY_SECONDS = 90


class Sender(threading.Thread):
    """Sends to one conversation until told to stop. A send that fails (503 while there is no
    primary, a connection error, or a 429 from the stack's rate limit) is retried with the same clientMessageId until it is
    acknowledged: 201, or 200 when the first attempt had been stored after all."""

    def __init__(self, user, conversation_id):
        super().__init__(daemon=True)
        self.user, self.conversation_id = user, conversation_id
        self.stop = threading.Event()
        self.acked = []          # (clientMessageId, message id, attempt start, acknowledged at)
        self.failures = {}       # status (or "connection") -> count
        self.unexpected = []     # responses that were neither an acknowledgement nor the 503
        self.gave_up = None

    def run(self):
        while not self.stop.is_set() and len(self.acked) < MAX_PER_SENDER:
            client_id = uuid.uuid4().hex
            first_try = time.time()
            while True:
                started = time.time()
                try:
                    r = self.user.post(f"/api/messages/{self.conversation_id}",
                                       {"content": f"m {client_id}", "clientMessageId": client_id})
                except requests.RequestException:
                    self.failures["connection"] = self.failures.get("connection", 0) + 1
                else:
                    if r.status_code in (200, 201):
                        self.acked.append((client_id, r.json()["message"]["id"], started, time.time()))
                        break
                    if r.status_code == 503 and r.json().get("error", {}).get("code"):
                        self.failures[503] = self.failures.get(503, 0) + 1
                    elif r.status_code == 429:  # the stack's rate limit (stores nothing): as told
                        self.failures[429] = self.failures.get(429, 0) + 1
                        time.sleep(float(r.headers.get("Retry-After", "1")))
                    else:
                        self.unexpected.append((r.status_code, r.text[:200]))
                        return
                if time.time() - first_try > RETRY_SECONDS:
                    self.gave_up = client_id
                    return
                time.sleep(0.05)


class Receiver(threading.Thread):
    """The conversations' other member on the push stream: keeps every new_message frame, and
    reconnects with its cursor if the connection drops."""

    def __init__(self, user):
        super().__init__(daemon=True)
        self.user = user
        self.client = PushClient(user)
        self.cursor = self.client.connected["cursor"]
        self.messages = []        # (cursor, message id)
        self.resyncs = []
        self.reconnects = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                frame = self.client.recv(timeout=0.5)
            except TimeoutError:
                continue
            except (ConnectionClosed, OSError):
                self.reconnects += 1
                time.sleep(0.2)
                try:
                    self.client = PushClient(self.user, since=self.cursor)
                except Exception:
                    continue
                continue
            if frame["type"] == "resync_required":
                self.resyncs.append(frame)
            if "cursor" in frame and frame["type"] not in ("connected", "resync_required"):
                self.cursor = frame["cursor"]
                if frame["type"] == "new_message":
                    self.messages.append((frame["cursor"], frame["message"]["id"]))


def history_ids(user, conversation_id):
    ids, client_ids, before = [], [], None
    while True:
        r = user.get(f"/api/messages/{conversation_id}", params={"limit": 100, **({"before": before} if before else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        ids = [m["id"] for m in page["messages"]] + ids
        client_ids += [m["clientMessageId"] for m in page["messages"]]
        if not page["hasMore"]:
            return ids, client_ids
        before = page["nextBefore"]


def test_failover_under_load_loses_and_duplicates_nothing():
    old_primary = wait_until(leader, 60)
    assert old_primary, members()
    receiver_user = new_user("Receiver")
    senders = []
    for _ in range(SENDERS):
        user = new_user("Sender")
        senders.append(Sender(user, direct(user, receiver_user)))
    receiver = Receiver(receiver_user)
    receiver.start()
    for sender in senders:
        sender.start()
    assert wait_until(lambda: all(len(s.acked) >= 5 for s in senders), 60), "the senders did not get going"

    out = cluster("failover")
    killed_at = float(re.search(r" at (\d+\.\d+)", out).group(1))
    assert re.search(r"killed (\S+)", out).group(1) == old_primary
    new_primary = wait_until(leader, 30)
    assert new_primary and new_primary != old_primary, members()

    # Sends succeed again, for every sender.
    assert wait_until(lambda: all(sum(1 for a in s.acked if a[2] >= killed_at) >= 5 for s in senders), RETRY_SECONDS), \
        [(s.failures, s.unexpected, s.gave_up) for s in senders]
    for sender in senders:
        sender.stop.set()
    for sender in senders:
        sender.join(RETRY_SECONDS + 15)
    first_after_kill = min(a[3] for s in senders for a in s.acked if a[2] >= killed_at)
    failures = {}
    for sender in senders:
        for key, count in sender.failures.items():
            failures[key] = failures.get(key, 0) + count
    acked = [(s.conversation_id, a) for s in senders for a in s.acked]
    print(f"\nfailover {old_primary} -> {new_primary}: kill to first successful send {first_after_kill - killed_at:.1f} s; "
          f"{len(acked)} messages acknowledged, failed attempts retried: {failures}")
    for sender in senders:
        assert not sender.unexpected, sender.unexpected   # only the documented 503 while there is no primary
        assert sender.gave_up is None

    # Every acknowledged message reaches the receiver exactly once, in order, without a resync.
    acked_ids = {a[1] for _, a in acked}
    assert len(acked_ids) == len(acked), "two acknowledgements named the same message"
    assert wait_until(lambda: acked_ids <= {m for _, m in receiver.messages}, 30), \
        f"missing on the push stream: {sorted(acked_ids - {m for _, m in receiver.messages})[:20]}"
    receiver.stop.set()
    receiver.join(5)
    pushed = [m for _, m in receiver.messages]
    assert len(pushed) == len(set(pushed)), "a message was pushed twice"
    # Commit order: cursors (event ids, drawn before commit) need not increase along the stream
    # (docs/PUSH_PROTOCOL.md, section 4), but each sender's messages, sent one after the other,
    # arrive in the order they were acknowledged.
    cursors = [c for c, _ in receiver.messages]
    assert len(set(cursors)) == len(cursors)
    assert receiver.resyncs == []
    for sender in senders:
        in_stream = [m for m in pushed if m in {a[1] for a in sender.acked}]
        assert in_stream == [a[1] for a in sender.acked], "one conversation's messages out of order"

    # History: each acknowledged message exactly once, and nothing else (every send was retried
    # until acknowledged, so a stored but unacknowledged attempt would show as a second copy).
    for sender in senders:
        ids, client_ids = history_ids(sender.user, sender.conversation_id)
        assert len(client_ids) == len(set(client_ids)), "a clientMessageId stored twice"
        assert ids == [a[1] for a in sender.acked], "history differs from what was acknowledged"


def test_old_primary_returns_as_a_standby_and_the_cluster_is_whole():
    names = [f"node{i + 1}" for i in range(len(PG_PORTS))]
    before = members()
    gone = [name for name in names if name not in before or before[name]["state"] != "running"]
    assert gone, f"the previous test left no node down: {before}"
    cluster("up")  # restarts the killed node's Patroni; it rewinds its PostgreSQL and follows
    after = members()
    assert sorted(m["role"] for m in after.values()) == ["leader", "replica", "sync_standby"], after
    assert len({m["timeline"] for m in after.values()}) == 1, after
    for name in gone:
        assert after[name]["role"] in ("replica", "sync_standby") and after[name]["state"] == "running", after
    # Every node holds the same messages once the standbys have replayed what the primary has.
    ports = [int(m["port"]) for m in after.values()]
    leader_port = next(int(m["port"]) for m in after.values() if m["role"] == "leader")
    query = "SELECT count(*) || ':' || coalesce(max(id), 0) FROM chat_messages"
    expected = psql(leader_port, query)
    assert wait_until(lambda: all(psql(port, query) == expected for port in ports), 30), expected
