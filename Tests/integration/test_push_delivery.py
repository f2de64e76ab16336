"""Delivery through nginx: every event type reaches every participant's devices (the sender's
other devices included) and no one else."""
import time

from conftest import direct, send
from test_push_support import clients  # noqa: F401  (fixture)


def test_first_frame_is_connected_with_user_and_cursor(alice, clients):
    c = clients(alice)
    assert c.connected["userId"] == alice.id
    assert isinstance(c.connected["cursor"], int)


def test_token_in_query_string_works(alice, clients):
    c = clients(alice, via_query=True)
    assert c.connected["userId"] == alice.id


def test_new_message_reaches_participants_and_not_others(alice, bob, carol, clients):
    conv = direct(alice, bob)
    a, b, c = clients(alice), clients(bob), clients(carol)
    sent = send(alice, conv, "hello bob")
    for client in (a, b):
        frame = client.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])
        assert frame["conversationId"] == conv
        assert isinstance(frame["cursor"], int)
        # The full message as REST returned it.
        for key in ("id", "content", "senderId", "sender", "createdAt", "conversationId"):
            assert frame["message"][key] == sent[key], key
    time.sleep(0.3)
    c.drain(0.3)
    assert c.events() == []


def test_multi_device_and_senders_other_devices(alice, bob, clients):
    conv = direct(alice, bob)
    a1, a2, b1, b2, b3 = clients(alice), clients(alice), clients(bob), clients(bob), clients(bob)
    sent = send(alice, conv, "to every device")
    for client in (a1, a2, b1, b2, b3):
        frame = client.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])
        assert frame["message"]["content"] == "to every device"
    cursors = {c.events("new_message")[-1]["cursor"] for c in (a1, a2, b1, b2, b3)}
    assert len(cursors) == 1


def test_conversation_created_direct_and_group(alice, bob, carol, make_user, clients):
    outsider = make_user("Outsider")
    a, b, c, o = clients(alice), clients(bob), clients(carol), clients(outsider)
    conv = direct(alice, bob)
    for client in (a, b):
        frame = client.wait_for(lambda f: f["type"] == "conversation_created" and f["conversationId"] == conv)
        ids = {p["id"] for p in frame["conversation"]["participants"]}
        assert ids == {alice.id, bob.id}
    r = alice.post("/api/messages/groups", {"name": "Trio", "participantIds": [bob.id, carol.id]})
    assert r.status_code == 201, r.text
    group = r.json()["conversation"]["id"]
    for client in (a, b, c):
        frame = client.wait_for(lambda f: f["type"] == "conversation_created" and f["conversationId"] == group)
        assert frame["conversation"]["name"] == "Trio"
    o.drain(0.3)
    assert o.events() == []
    c.drain(0.2)
    assert [f for f in c.events() if f["conversationId"] == conv] == []


def test_message_read_reaches_participants(alice, bob, carol, clients):
    conv = direct(alice, bob)
    sent = send(alice, conv, "read me")
    a, b, c = clients(alice), clients(bob), clients(carol)
    r = bob.post(f"/api/messages/{conv}/read", {"upToMessageId": sent["id"]})
    assert r.status_code == 200, r.text
    for client in (a, b):
        frame = client.wait_for(lambda f: f["type"] == "message_read")
        assert frame["conversationId"] == conv
        assert frame["userId"] == bob.id and frame["upToMessageId"] == sent["id"]
        assert frame["readAt"]
    c.drain(0.3)
    assert c.events() == []


def test_reactions_added_and_removed(alice, bob, carol, clients):
    conv = direct(alice, bob)
    sent = send(alice, conv, "react to me")
    a, b, c = clients(alice), clients(bob), clients(carol)
    r = bob.post(f"/api/messages/{sent['id']}/reactions", {"emoji": "👍"})
    assert r.status_code == 201, r.text
    for client in (a, b):
        frame = client.wait_for(lambda f: f["type"] == "reaction_added")
        assert (frame["conversationId"], frame["messageId"], frame["userId"], frame["emoji"], frame["count"]) == \
            (conv, sent["id"], bob.id, "👍", 1)
    r = bob.delete(f"/api/messages/{sent['id']}/reactions/👍")
    assert r.status_code == 204, r.text
    for client in (a, b):
        frame = client.wait_for(lambda f: f["type"] == "reaction_removed")
        assert (frame["messageId"], frame["userId"], frame["count"]) == (sent["id"], bob.id, 0)
    c.drain(0.3)
    assert c.events() == []


def test_membership_and_edit_events(alice, bob, carol, make_user, clients):
    dave = make_user("Dave")
    r = alice.post("/api/messages/groups", {"name": "Team", "participantIds": [bob.id]})
    assert r.status_code == 201, r.text
    group = r.json()["conversation"]["id"]
    a, b, c, d = clients(alice), clients(bob), clients(carol), clients(dave)
    # carol joins: she receives the event and, from then on, the room's messages.
    r = alice.post(f"/api/messages/groups/{group}/members", {"userIds": [carol.id]})
    assert r.status_code in (200, 201), r.text
    for client in (a, b, c):
        frame = client.wait_for(lambda f: f["type"] == "member_added" and f["conversationId"] == group)
        assert carol.id in frame["userIds"]
    sent = send(bob, group, "welcome carol")
    c.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])
    # an edit carries the edited message
    r = bob.patch(f"/api/messages/{sent['id']}", {"content": "welcome, carol"})
    assert r.status_code == 200, r.text
    for client in (a, b, c):
        frame = client.wait_for(lambda f: f["type"] == "message_edited")
        assert frame["message"]["content"] == "welcome, carol" and frame["conversationId"] == group
    # bob is removed: he hears of it, then no more messages of the room reach him.
    r = alice.delete(f"/api/messages/groups/{group}/members/{bob.id}")
    assert r.status_code in (200, 204), r.text
    for client in (a, b, c):
        frame = client.wait_for(lambda f: f["type"] == "member_removed" and f["conversationId"] == group)
        assert frame["userId"] == bob.id
    after = send(alice, group, "bob is gone")
    c.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == after["id"])
    b.drain(0.4)
    assert [m["id"] for m in b.messages(group)] == [sent["id"]]
    d.drain(0.1)
    assert d.events() == []


def test_frames_in_cursor_order_without_duplicates(alice, bob, clients):
    conv = direct(alice, bob)
    b = clients(bob)
    sent = [send(alice, conv, f"n{i}")["id"] for i in range(30)]
    got = b.wait_messages(30, conv)
    assert [m["id"] for m in got] == sent
    cursors = [f["cursor"] for f in b.events()]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)


def test_h2ac_decision_per_recipient(alice, bob, clients):
    conv = direct(alice, bob)
    a, b = clients(alice), clients(bob)
    sent = send(alice, conv, "hooked")
    fb = b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])
    fa = a.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])
    assert isinstance(fb.get("h2ac"), dict) and isinstance(fa.get("h2ac"), dict)
    assert fb["h2ac"]["badge"]["conversation"] >= 1
    # focus on the conversation is passed to the hook (the built-in default scrolls instead of toasting)
    b.send({"type": "focus", "conversationId": conv})
    time.sleep(0.2)
    sent2 = send(alice, conv, "while looking")
    fb2 = b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent2["id"])
    assert fb2["h2ac"] != fb["h2ac"]
