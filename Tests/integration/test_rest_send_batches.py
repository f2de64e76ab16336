"""Group commit of sends (SendBatcher, chat_send_messages): sends that arrive together are stored
in one transaction, and each still gets its own answer. A refused send in a batch rolls the
batch back; its neighbours are then stored one by one and must not notice. Bounded rounds of
concurrent requests; the pool's metrics show that batches (and refused ones) really happened."""
import time

import pytest

from conftest import direct, new_user, send
from rest_helpers import history_of
from test_ops_metrics import POOL, scrape, value
from test_rest_concurrency import post, run_together

SENDS_PER_ROUND = 20
ROUNDS = 20


def batch_counts():
    samples = scrape(POOL)
    return (value(samples, "messaging_fcgi_send_batches_total", outcome="together"),
            value(samples, "messaging_fcgi_send_batches_total", outcome="one_by_one"))


def test_each_send_in_a_burst_keeps_its_own_answer(alice, bob):
    assert POOL is not None, "metrics_listen is off: cannot see whether batches formed"
    outsider = new_user("Outsider")
    conversation = direct(alice, bob)
    elsewhere = direct(alice, outsider)
    foreign = send(alice, elsewhere, "in another conversation")
    send(alice, elsewhere, "keyed elsewhere", clientMessageId="taken-key")
    together_before, one_by_one_before = batch_counts()
    expected_contents = []

    def work(round_number, i):
        kind = i % 5
        if kind == 1:  # not a participant: 403, never stored
            r = post(outsider, f"/api/messages/{conversation}", {"content": f"intruder {round_number}.{i}"})
            return "forbidden", r
        if kind == 3 and i % 2 == 1:  # a reply to a message of another conversation: 400
            r = post(alice, f"/api/messages/{conversation}", {"content": f"bad reply {round_number}.{i}", "replyToId": foreign["id"]})
            return "bad_reply", r
        if kind == 3:  # a key already used in another conversation: 409
            r = post(alice, f"/api/messages/{conversation}", {"content": f"bad key {round_number}.{i}", "clientMessageId": "taken-key"})
            return "conflict", r
        sender = alice if i % 2 else bob
        content = f"round {round_number} send {i}"
        r = post(sender, f"/api/messages/{conversation}", {"content": content, "clientMessageId": f"r{round_number}-{i}"})
        return ("ok", sender.id, content), r

    rounds = 0
    for round_number in range(ROUNDS):
        rounds += 1
        results = run_together(SENDS_PER_ROUND, lambda i: work(round_number, i))
        for what, r in results:
            if what == "forbidden":
                assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", r.text
            elif what == "bad_reply":
                assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_reply", r.text
            elif what == "conflict":
                assert r.status_code == 409, r.text
            else:
                _, sender_id, content = what
                assert r.status_code == 201, r.text
                message = r.json()["message"]
                assert (message["senderId"], message["content"], message["conversationId"]) == (sender_id, content, conversation)
                expected_contents.append(content)
        time.sleep(1.3)  # workers report their counts about once a second
        together, one_by_one = batch_counts()
        if together > together_before and one_by_one > one_by_one_before:
            break
    together, one_by_one = batch_counts()
    assert together > together_before, f"no send batch formed in {rounds} rounds of {SENDS_PER_ROUND} concurrent sends"
    assert one_by_one > one_by_one_before, f"no batch held a refused send in {rounds} rounds"

    # Every accepted send is stored exactly once, in seq order with no gaps; nothing refused is.
    messages = history_of(alice, conversation)
    contents = [m["content"] for m in messages]
    assert sorted(contents) == sorted(expected_contents)
    ids = [m["id"] for m in messages]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(not c.startswith(("intruder", "bad reply", "bad key")) for c in contents)
    # The unread count agrees with what was stored (a gap in seq would show here).
    r = bob.get("/api/messages/conversations")
    entry = next(c for c in r.json()["conversations"] if c["id"] == conversation)
    last_own = max(i for i, m in enumerate(messages) if m["senderId"] == bob.id)
    assert entry["unreadCount"] == len(messages) - 1 - last_own


def test_a_retry_inside_the_same_burst_is_stored_once(alice, bob):
    conversation = direct(alice, bob)
    results = run_together(12, lambda i: post(alice, f"/api/messages/{conversation}", {"content": "once", "clientMessageId": "burst-key"}))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] * 11 + [201], statuses
    assert len({r.json()["message"]["id"] for r in results}) == 1
    assert [m["content"] for m in history_of(bob, conversation)] == ["once"]
