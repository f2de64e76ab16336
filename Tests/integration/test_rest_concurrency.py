"""Races through the real pool: many threads at once, each with its own HTTP connection.
Every loop is bounded in count; every request has a timeout."""
import threading
from collections import Counter

import requests

from conftest import BASE_URL, direct, send
from rest_helpers import client_id, conversations_of, history_of, unread

THREADS = 16


def run_together(n, work):
    """Runs work(i) on n threads released at the same instant; returns the results in order."""
    barrier = threading.Barrier(n, timeout=30)
    results = [None] * n

    def body(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - surfaced below
            results[i] = error

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a request thread hung"
    for r in results:
        if isinstance(r, Exception):
            raise r
    return results


def post(user, path, body):
    with requests.Session() as s:
        return s.post(BASE_URL + path, json=body, headers=user.headers, timeout=30)


def test_concurrent_direct_creation_for_the_same_pair_makes_exactly_one(alice, bob):
    def work(i):
        a, b = (alice, bob) if i % 2 == 0 else (bob, alice)  # both directions at once
        r = post(a, "/api/messages/conversations", {"participantId": b.id})
        return r.status_code, r.json()
    results = run_together(THREADS, work)
    statuses = Counter(s for s, _ in results)
    assert statuses == Counter({201: 1, 200: THREADS - 1}), results
    ids = {body["conversation"]["id"] for _, body in results}
    assert len(ids) == 1
    assert [body["created"] for s, body in results if s == 201] == [True]
    assert [c["id"] for c in conversations_of(alice)] == list(ids)
    assert [c["id"] for c in conversations_of(bob)] == list(ids)
    assert len(conversations_of(alice)[0]["participants"]) == 2


def test_concurrent_sends_are_all_stored_in_order(alice, bob):
    cid = direct(alice, bob)
    per_thread = 5

    def work(i):
        sender = alice if i % 2 else bob
        out = []
        for k in range(per_thread):
            r = post(sender, f"/api/messages/{cid}", {"content": f"t{i}-{k}"})
            out.append((r.status_code, r.json()["message"]["id"] if r.status_code == 201 else r.text))
        return out
    results = run_together(THREADS, work)
    sent = [mid for out in results for status, mid in out if status == 201]
    assert len(sent) == THREADS * per_thread, results
    history = history_of(alice, cid)
    ids = [m["id"] for m in history]
    assert sorted(sent) == ids  # every send stored exactly once, history ascending
    # Per thread, messages appear in the order they were sent.
    for i in range(THREADS):
        mine = [m["content"] for m in history if m["content"].startswith(f"t{i}-")]
        assert mine == [f"t{i}-{k}" for k in range(per_thread)]
    # The unread counts agree with what was stored.
    assert unread(alice, cid) + unread(bob, cid) <= len(ids)


def test_concurrent_retries_with_the_same_client_message_id_store_one_message(alice, bob):
    """A client retrying while its first attempt is still in flight: one 201, the rest 200 with
    the same message, never a 500 or a duplicate. Several rounds (fresh key each) so that a race
    shows up reliably. (BUG: the losers hit the unique index chat_messages_client_id and get 500
    internal_error, because chat_send_message looks the key up before taking any lock.)"""
    cid = direct(alice, bob)
    for _ in range(6):
        key = client_id()
        results = run_together(THREADS, lambda i: post(alice, f"/api/messages/{cid}", {"content": "once", "clientMessageId": key}))
        statuses = Counter(r.status_code for r in results)
        assert statuses == Counter({201: 1, 200: THREADS - 1}), [(r.status_code, r.text[:100]) for r in results]
        assert len({r.json()["message"]["id"] for r in results}) == 1
    assert len(history_of(bob, cid)) == 6


def test_concurrent_same_client_message_id_in_two_conversations(alice, bob, carol):
    """The same key raced into two conversations: one wins, the other gets 409, never 500."""
    ab, ac = direct(alice, bob), direct(alice, carol)
    rooms = [ab, ac] * (THREADS // 2)
    for _ in range(4):
        key = client_id()
        results = run_together(THREADS, lambda i: post(alice, f"/api/messages/{rooms[i]}", {"content": "x", "clientMessageId": key}))
        statuses = Counter(r.status_code for r in results)
        assert set(statuses) <= {200, 201, 409}, [(r.status_code, r.text[:100]) for r in results]
        assert statuses[201] == 1
    stored = history_of(alice, ab) + history_of(alice, ac)
    assert len(stored) == 4


def test_concurrent_identical_reactions_count_once(alice, bob):
    cid = direct(alice, bob)
    m = send(alice, cid, "react")
    results = run_together(THREADS, lambda i: post(bob, f"/api/messages/{m['id']}/reactions", {"emoji": "🔥"}))
    statuses = Counter(r.status_code for r in results)
    assert statuses == Counter({201: 1, 200: THREADS - 1}), [(r.status_code, r.text[:100]) for r in results]
    assert history_of(bob, cid)[0]["reactions"] == [{"emoji": "🔥", "count": 1, "reacted": True}]


def test_concurrent_read_markers_end_at_the_furthest(alice, bob):
    cid = direct(alice, bob)
    ids = [send(alice, cid, f"m{i}")["id"] for i in range(THREADS)]
    results = run_together(THREADS, lambda i: post(bob, f"/api/messages/{cid}/read", {"upToMessageId": ids[i]}))
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    # Whatever order they ran in, the marker ends at the newest message and never went back.
    final = post(bob, f"/api/messages/{cid}/read", {"upToMessageId": ids[0]}).json()
    assert final["lastReadMessageId"] == ids[-1] and final["unreadCount"] == 0
    assert unread(bob, cid) == 0


def test_concurrent_group_creation_with_a_shared_member(make_user):
    users = [make_user() for _ in range(4)]
    shared = make_user()
    results = run_together(THREADS, lambda i: post(users[i % 4], "/api/messages/groups",
                                                   {"name": f"g{i}", "participantIds": [shared.id]}))
    assert all(r.status_code == 201 for r in results), [r.text for r in results]
    assert len(conversations_of(shared)) == THREADS
