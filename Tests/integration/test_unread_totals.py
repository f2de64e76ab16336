"""Per-user unread totals (issue 17, target 4): `chat_user_unread`, kept by the write
transactions, always equals what the conversation list sums, and the `badge.total` a connected
client receives. A seeded random walk mixes every kind of write that moves a count — sends, reads
(to the newest message or to an older one), deletes of one's own messages before and after other
readers' markers, moderators' removals, mutes, joins, removals, leaving, new direct conversations,
blocks — and after every step compares, for each user, the stored total with the sum of the
list's per-conversation counts; then the whole table is compared with a full recount in SQL."""
import os
import random

import pytest

from conftest import ROOT, User, admin, direct, new_user
from issue5_helpers import group
from rest_helpers import conversations_of
from test_push_support import clients, psql  # noqa: F401  (fixture)

STEPS = 300
SEED = 17


def stored_totals(user_ids):
    """{user id: total} from the table (no row means 0)."""
    rows = psql(f"SELECT user_id, total FROM chat_user_unread WHERE user_id IN ({','.join(map(str, user_ids))})")
    stored = {int(u): int(t) for u, t in (line.split("|") for line in rows.split())}
    return {u: stored.get(u, 0) for u in user_ids}


def full_recount_differences():
    """Users whose stored total differs from the sum over all their memberships, in one snapshot."""
    return psql("""
        SELECT coalesce(t.user_id, x.user_id), t.total, x.total
        FROM chat_user_unread t
        FULL JOIN (SELECT m.user_id, sum(greatest(r.last_seq - m.last_read_seq - m.unread_deleted, 0)) AS total
                   FROM chat_room_users m JOIN chat_rooms r ON r.id = m.room_id GROUP BY m.user_id) x
          ON x.user_id = t.user_id
        WHERE coalesce(t.total, 0) <> coalesce(x.total, 0)""")


class Walk:
    """The users, what each one's list shows, and the messages the walk sent."""

    def __init__(self, users, moderator, rng):
        self.users = users
        self.by_id = {u.id: u for u in users}
        self.moderator = moderator
        self.rng = rng
        self.lists = {}
        self.messages = {}  # conversation id -> [(message id, sender id)]
        self.deleted = set()
        self.blocks = set()  # (blocker id, blocked id)
        self.markers = {}  # (conversation id, user id) -> last read message id
        self.seen = {}  # what the walk did, by kind

    def refresh(self):
        self.lists = {u.id: {c["id"]: c for c in conversations_of(u)} for u in self.users}

    def list_sums(self):
        return {uid: sum(c["unreadCount"] for c in convs.values()) for uid, convs in self.lists.items()}

    def members(self, cid):
        return [uid for uid, convs in self.lists.items() if cid in convs]

    def conversations(self, kind=None):
        found = {}
        for convs in self.lists.values():
            for cid, c in convs.items():
                if kind is None or c["type"] == kind:
                    found[cid] = c
        return found

    def did(self, kind):
        self.seen[kind] = self.seen.get(kind, 0) + 1

    def pick(self, items):
        items = sorted(items)
        return self.rng.choice(items) if items else None

    def blocked_pair(self, a, b):
        return (a, b) in self.blocks or (b, a) in self.blocks


def send_step(walk, observers):
    cid = walk.pick(walk.conversations())
    sender = walk.by_id[walk.pick(walk.members(cid))]
    conv = walk.lists[sender.id][cid]
    other = [p["id"] for p in conv["participants"] if p["id"] != sender.id]
    r = sender.post(f"/api/messages/{cid}", {"content": f"step message {walk.rng.random()}"})
    if conv["type"] == "direct" and walk.blocked_pair(sender.id, other[0]):
        assert r.status_code == 403, r.text
        walk.did("send refused by a block")
        return
    assert r.status_code == 201, r.text
    message = r.json()["message"]
    walk.messages.setdefault(cid, []).append((message["id"], sender.id))
    walk.markers[(cid, sender.id)] = message["id"]
    walk.did("send")
    walk.refresh()
    sums = walk.list_sums()
    for uid in walk.members(cid):
        if uid == sender.id:
            continue
        frame = observers[uid].wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == message["id"], timeout=10)
        assert frame["h2ac"]["badge"]["total"] == sums[uid], (uid, frame["h2ac"], sums[uid])
        assert frame["h2ac"]["badge"]["conversation"] == walk.lists[uid][cid]["unreadCount"]
        walk.did("badge checked")


def someone_and_a_conversation(walk):
    """A random user and one of the conversations in their list (None when it is empty)."""
    user = walk.rng.choice(walk.users)
    return user, walk.pick(walk.lists[user.id])


def read_step(walk, _):
    reader, cid = someone_and_a_conversation(walk)
    if cid is None:
        return
    sent = [m for m, _ in walk.messages.get(cid, [])]
    body = {}
    if sent and walk.rng.random() < 0.4:
        body = {"upToMessageId": walk.rng.choice(sent)}
    r = reader.post(f"/api/messages/{cid}/read", body)
    assert r.status_code == 200, r.text
    if r.json()["lastReadMessageId"] is not None:
        walk.markers[(cid, reader.id)] = r.json()["lastReadMessageId"]
    walk.did("read up to a message" if body else "read everything")


def delete_step(walk, _):
    own = [(cid, m, s) for cid, sent in walk.messages.items() for m, s in sent
           if m not in walk.deleted and cid in walk.lists[s]]
    if not own:
        return
    cid, message_id, sender = walk.rng.choice(sorted(own))
    readers = [u for u in walk.members(cid) if u != sender]
    behind = [u for u in readers if walk.markers.get((cid, u), 0) < message_id]
    r = walk.by_id[sender].delete(f"/api/messages/{message_id}")
    assert r.status_code == 200, r.text
    walk.deleted.add(message_id)
    walk.did("delete")
    if behind:
        walk.did("delete after a reader's marker")
    if len(behind) < len(readers):
        walk.did("delete before a reader's marker")


def remove_step(walk, _):
    alive = [(cid, m) for cid, sent in walk.messages.items() for m, _ in sent if m not in walk.deleted]
    if not alive:
        return
    cid, message_id = walk.rng.choice(sorted(alive))
    r = walk.moderator.post(f"/api/moderation/messages/{message_id}/remove", {"note": "unread walk"})
    assert r.status_code == 200, r.text
    walk.deleted.add(message_id)
    walk.did("moderator removal")


def mute_step(walk, _):
    user, cid = someone_and_a_conversation(walk)
    if cid is None:
        return
    muted = not walk.lists[user.id][cid]["muted"]
    r = user.patch(f"/api/messages/{cid}/settings", {"muted": muted})
    assert r.status_code == 200, r.text
    walk.did("mute" if muted else "unmute")


def admin_of(walk, cid):
    conv = walk.conversations("group")[cid]
    return next(walk.by_id[p["id"]] for p in conv["participants"] if p["role"] == "admin" and p["id"] in walk.by_id)


def join_step(walk, _):
    cid = walk.pick(walk.conversations("group"))
    outside = [u.id for u in walk.users if cid not in walk.lists[u.id]]
    if not outside:
        return
    joining = walk.pick(outside)
    r = admin_of(walk, cid).post(f"/api/messages/groups/{cid}/members", {"userIds": [joining]})
    assert r.status_code == 200, r.text
    walk.did("join")


def removal_step(walk, _):
    cid = walk.pick(walk.conversations("group"))
    members = walk.members(cid)
    if len(members) <= 2:
        return
    actor = admin_of(walk, cid)
    if walk.rng.random() < 0.5:
        target = walk.pick([m for m in members if m != actor.id])
        r = actor.delete(f"/api/messages/groups/{cid}/members/{target}")
        walk.did("member removed")
    else:
        r = walk.by_id[walk.pick(members)].delete(f"/api/messages/groups/{cid}/members/me")
        walk.did("member left")
    assert r.status_code == 204, r.text


def direct_step(walk, _):
    have = {tuple(sorted(p["id"] for p in c["participants"])) for c in walk.conversations("direct").values()}
    pairs = [(a.id, b.id) for a in walk.users for b in walk.users if a.id < b.id and (a.id, b.id) not in have]
    pair = walk.pick(pairs)
    if pair is None:
        return
    r = walk.by_id[pair[0]].post("/api/messages/conversations", {"participantId": pair[1]})
    if walk.blocked_pair(*pair):
        assert r.status_code == 403, r.text
        walk.did("direct refused by a block")
        return
    assert r.status_code == 201, r.text
    walk.did("new direct conversation")


def block_step(walk, _):
    if walk.blocks and walk.rng.random() < 0.5:
        blocker, blocked = walk.pick(walk.blocks)
        r = walk.by_id[blocker].delete(f"/api/users/{blocked}/block")
        assert r.status_code == 204, r.text
        walk.blocks.discard((blocker, blocked))
        walk.did("unblock")
        return
    blocker, blocked = walk.rng.sample(walk.users, 2)
    r = blocker.post(f"/api/users/{blocked.id}/block")
    assert r.status_code == (200 if (blocker.id, blocked.id) in walk.blocks else 201), r.text
    walk.blocks.add((blocker.id, blocked.id))
    walk.did("block")


STEP_KINDS = [(send_step, 8), (read_step, 4), (delete_step, 2), (remove_step, 1), (mute_step, 1), (join_step, 1),
              (removal_step, 1), (direct_step, 1), (block_step, 1)]


@pytest.fixture
def moderator():
    user = new_user("Moderator")
    admin("user", "upsert", "--sub", str(user.id), "--role", "moderator")
    return User(user.id, user.username, admin("token", "--user", str(user.id)))


def test_the_stored_totals_follow_every_kind_of_write(clients, moderator):
    users = [new_user(f"Walker {i}") for i in range(6)]
    a, b, c, d, e, f = users
    group(a, b, c, d)
    group(b, c, e, f)
    direct(a, b)
    direct(c, d)
    observers = {u.id: clients(u) for u in users}
    walk = Walk(users, moderator, random.Random(SEED))
    kinds = [step for step, weight in STEP_KINDS for _ in range(weight)]
    walk.refresh()
    for number in range(STEPS):
        step = walk.rng.choice(kinds)
        step(walk, observers)
        walk.refresh()
        sums = walk.list_sums()
        assert stored_totals([u.id for u in users]) == sums, f"after step {number} ({step.__name__})"
    print("unread walk:", sorted(walk.seen.items()))
    # Every kind of write happened, and deletes landed both before and after other readers' markers.
    for kind in ("send", "read everything", "read up to a message", "delete after a reader's marker",
                 "delete before a reader's marker", "moderator removal", "mute", "unmute", "join", "member removed",
                 "member left", "new direct conversation", "block", "unblock", "badge checked"):
        assert walk.seen.get(kind, 0) > 0, (kind, walk.seen)
    assert full_recount_differences() == ""


def test_the_table_equals_a_full_recount_for_every_user():
    """Over every user every earlier test left behind (one snapshot: the table and the recount)."""
    assert full_recount_differences() == ""


def test_the_migrations_back_fill_counts_what_the_triggers_keep():
    """Migration 0023's back-fill, run again into a scratch table over today's rows, gives exactly
    the totals the triggers kept (a database upgraded with history starts right)."""
    text = open(os.path.join(ROOT, "migrations", "0023_user_unread_totals.sql"), encoding="utf-8").read()
    back_fill = text[text.index("INSERT INTO chat_user_unread (user_id, total)"):].strip()
    assert back_fill.endswith(";") and back_fill.count(";") == 1
    # One snapshot for the back-fill and the comparison.
    differences = psql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; CREATE TEMP TABLE refill (user_id bigint, total bigint);"
                       + back_fill.replace("INSERT INTO chat_user_unread", "INSERT INTO refill", 1)
                       + """SELECT coalesce(t.user_id, f.user_id), t.total, f.total
                            FROM chat_user_unread t FULL JOIN refill f ON f.user_id = t.user_id
                            WHERE coalesce(t.total, 0) <> coalesce(f.total, 0);""")
    assert differences == ""
    assert int(psql("SELECT count(*) FROM chat_user_unread WHERE total <> 0")) > 0
