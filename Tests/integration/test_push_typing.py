"""Typing indicators: relayed to the other participants (across daemons), never stored, expiring
on their own; non-participants get an error frame."""
import time

from conftest import direct, send
from test_push_support import clients, extra_daemons, psql  # noqa: F401


def typing_frames(client, user_id, conversation_id):
    return [f for f in client.frames if f["type"] == "typing" and f["userId"] == user_id
            and f["conversationId"] == conversation_id]


def test_typing_reaches_other_participants_only(alice, bob, carol, clients):
    conv = direct(alice, bob)
    a1, a2, b, c = clients(alice), clients(alice), clients(bob), clients(carol)
    events_before = psql("SELECT count(*) FROM chat_events")
    a1.send({"type": "typing", "conversationId": conv, "isTyping": True})
    frame = b.wait_for(lambda f: f["type"] == "typing")
    assert frame == {"type": "typing", "conversationId": conv, "userId": alice.id, "username": alice.username, "isTyping": True}
    a1.send({"type": "typing", "conversationId": conv, "isTyping": False})
    b.wait_for(lambda f: f["type"] == "typing" and f["isTyping"] is False)
    for client in (a1, a2, c):
        client.drain(0.3)
        assert [f for f in client.frames if f["type"] == "typing"] == []
    # never stored
    assert psql("SELECT count(*) FROM chat_events") == events_before


def test_typing_by_non_participant_is_refused(alice, bob, carol, clients):
    conv = direct(alice, bob)
    b, c = clients(bob), clients(carol)
    c.send({"type": "typing", "conversationId": conv, "isTyping": True})
    err = c.wait_for(lambda f: f["type"] == "error")
    assert err["code"] == "not_a_participant" and err["conversationId"] == conv
    b.drain(0.3)
    assert [f for f in b.frames if f["type"] == "typing"] == []
    c.send({"type": "typing", "conversationId": 10**12, "isTyping": True})
    assert c.wait_for(lambda f: f["type"] == "error" and f.get("conversationId") == 10**12)


def test_typing_expires_without_refresh(alice, bob, clients):
    conv = direct(alice, bob)
    a, b = clients(alice), clients(bob)
    a.send({"type": "typing", "conversationId": conv, "isTyping": True})
    started = time.time()
    b.wait_for(lambda f: f["type"] == "typing" and f["isTyping"])
    off = b.wait_for(lambda f: f["type"] == "typing" and f["isTyping"] is False, timeout=9)
    elapsed = time.time() - started
    assert 4.0 <= elapsed <= 7.5, elapsed
    assert off["userId"] == alice.id


def test_typing_refreshed_stays_on(alice, bob, clients):
    conv = direct(alice, bob)
    a, b = clients(alice), clients(bob)
    for _ in range(7):
        a.send({"type": "typing", "conversationId": conv, "isTyping": True})
        b.drain(1.05)
    assert [f["isTyping"] for f in typing_frames(b, alice.id, conv)] == [True]


def test_typing_stops_when_the_typist_disconnects(alice, bob, clients):
    conv = direct(alice, bob)
    a, b = clients(alice), clients(bob)
    a.send({"type": "typing", "conversationId": conv, "isTyping": True})
    b.wait_for(lambda f: f["type"] == "typing" and f["isTyping"])
    a.close()
    b.wait_for(lambda f: f["type"] == "typing" and f["isTyping"] is False, timeout=2)


def test_a_sent_message_ends_its_senders_typing_indicator(alice, bob, clients):
    """The message arrives and the indicator goes off with it, not seconds later by timeout."""
    conv = direct(alice, bob)
    a, b = clients(alice), clients(bob)
    a.send({"type": "typing", "conversationId": conv, "isTyping": True})
    b.wait_for(lambda f: f["type"] == "typing" and f["isTyping"])
    started = time.time()
    sent = send(alice, conv, "done typing")
    b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])
    off = b.wait_for(lambda f: f["type"] == "typing" and f["isTyping"] is False, timeout=2)
    assert off["userId"] == alice.id and time.time() - started < 2
    b.drain(0.3)
    assert [f["isTyping"] for f in typing_frames(b, alice.id, conv)] == [True, False]


def test_typing_across_two_daemons(alice, bob, carol, clients, extra_daemons):
    r = alice.post("/api/messages/groups", {"name": "Typists", "participantIds": [bob.id, carol.id]})
    assert r.status_code == 201, r.text
    group = r.json()["conversation"]["id"]
    second = extra_daemons("typing2")
    a = clients(alice)                   # through nginx to the stack's daemon
    b = clients(bob, url=second.url)     # directly to the second daemon
    c = clients(carol)
    b.send({"type": "typing", "conversationId": group, "isTyping": True})
    for client in (a, c):
        frame = client.wait_for(lambda f: f["type"] == "typing")
        assert (frame["userId"], frame["conversationId"], frame["isTyping"]) == (bob.id, group, True)
    a.send({"type": "typing", "conversationId": group, "isTyping": True})
    frame = b.wait_for(lambda f: f["type"] == "typing")
    assert (frame["userId"], frame["isTyping"]) == (alice.id, True)
    # expiry happens on every daemon
    b.wait_for(lambda f: f["type"] == "typing" and f["userId"] == alice.id and f["isTyping"] is False, timeout=9)


def test_many_connections_of_one_user_cannot_flood_typing(alice, bob, clients):
    """Twenty connections of one user toggling typing as fast as allowed per connection: the
    other member sees a bounded number of frames (one allowance per user, not per connection)."""
    conv = direct(alice, bob)
    b = clients(bob)
    typists = [clients(alice) for _ in range(20)]
    started = time.time()
    for round_ in range(5):
        for typist in typists:
            typist.send({"type": "typing", "conversationId": conv, "isTyping": True})
            typist.send({"type": "typing", "conversationId": conv, "isTyping": False})
    elapsed = time.time() - started
    b.drain(1.5)
    frames = typing_frames(b, alice.id, conv)
    ons = [f for f in frames if f["isTyping"]]
    # The allowance: 8 at once, then 4 a second; each "on" may be followed by one "off".
    assert 1 <= len(ons) <= 8 + 4 * (elapsed + 1.5) + 1, (len(ons), elapsed)
    assert len(frames) <= 2 * len(ons) + 1
