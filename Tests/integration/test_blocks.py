"""Blocking (issue 15): a blocked user cannot start a direct conversation with the blocker nor
write into their existing one (and neither can the blocker, until they unblock), does not see the
blocker's presence or typing; in a shared group both stay, and the blocker's H2AC decision for
the blocked sender's messages has no toast and no sound. Every direction is checked."""
from conftest import assert_error, direct, new_user, send
from issue5_helpers import group
from rest_helpers import history_of
from test_push_support import clients  # noqa: F401  (fixture)


def block(blocker, blocked):
    r = blocker.post(f"/api/users/{blocked.id}/block")
    assert r.status_code == 201, r.text
    return r


def test_block_is_listed_idempotent_and_undone(alice, bob, carol):
    assert block(alice, bob).json() == {"userId": bob.id, "blocked": True}
    again = alice.post(f"/api/users/{bob.id}/block")
    assert again.status_code == 200 and again.json() == {"userId": bob.id, "blocked": True}
    block(alice, carol)
    listed = alice.get("/api/users/me/blocks").json()
    assert [b["user"]["id"] for b in listed["blocks"]] == sorted([bob.id, carol.id]) and listed["nextCursor"] is None
    assert all(b["blockedAt"] for b in listed["blocks"])
    first = alice.get("/api/users/me/blocks", params={"limit": 1}).json()
    assert len(first["blocks"]) == 1 and first["nextCursor"] == str(min(bob.id, carol.id))
    rest = alice.get("/api/users/me/blocks", params={"limit": 1, "cursor": first["nextCursor"]}).json()
    assert [b["user"]["id"] for b in rest["blocks"]] == [max(bob.id, carol.id)]
    # nobody else's list shows it, and the blocked user is not told
    assert bob.get("/api/users/me/blocks").json() == {"blocks": [], "nextCursor": None}
    assert alice.delete(f"/api/users/{bob.id}/block").status_code == 204
    assert_error(alice.delete(f"/api/users/{bob.id}/block"), 404, "not_blocked")
    assert [b["user"]["id"] for b in alice.get("/api/users/me/blocks").json()["blocks"]] == [carol.id]


def test_bad_blocks_are_refused(alice):
    assert_error(alice.post(f"/api/users/{alice.id}/block"), 400, "cannot_block_self")
    assert_error(alice.post("/api/users/999999999/block"), 422, "unknown_user")
    assert_error(alice.post("/api/users/+1/block"), 400, "invalid_id")
    assert_error(alice.get("/api/users/me/blocks", params={"cursor": "x1"}), 400, "invalid_cursor")


def test_no_new_direct_conversation_either_way(alice, bob):
    block(alice, bob)
    for opener, other in ((bob, alice), (alice, bob)):
        r = opener.post("/api/messages/conversations", {"participantId": other.id})
        assert_error(r, 403, "blocked")
        # the wording names no one and says nothing of who blocked whom
        assert "block" not in r.json()["error"]["message"].lower()
    assert alice.delete(f"/api/users/{bob.id}/block").status_code == 204
    assert bob.post("/api/messages/conversations", {"participantId": alice.id}).status_code == 201


def test_no_messages_into_an_existing_direct_conversation_either_way(alice, bob):
    conv = direct(bob, alice)
    send(bob, conv, "before the block")
    block(alice, bob)
    before = history_of(alice, conv)
    assert_error(bob.post(f"/api/messages/{conv}", {"content": "are you there?"}), 403, "blocked")
    assert_error(bob.post(f"/api/messages/{conv}", {"content": "again", "clientMessageId": "blocked-1"}), 403, "blocked")
    assert_error(alice.post(f"/api/messages/{conv}", {"content": "I blocked you"}), 403, "blocked")
    # nothing was stored, and the conversation stays readable for both
    assert history_of(alice, conv) == before and history_of(bob, conv) == before
    assert bob.post("/api/messages/conversations", {"participantId": alice.id}).status_code == 200
    # a third person is not affected by it
    carol = new_user("Carol")
    send(bob, direct(bob, carol), "hi Carol")
    assert alice.delete(f"/api/users/{bob.id}/block").status_code == 204
    send(bob, conv, "after the unblock")


def test_shared_group_stays_but_the_blocker_gets_no_toast_or_sound(alice, bob, carol, clients):
    conv = group(carol, alice, bob)
    block(alice, bob)
    a, c = clients(alice), clients(carol)
    sent = send(bob, conv, "hello group")
    frame_a = a.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])
    frame_c = c.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])
    assert frame_a["message"]["content"] == "hello group"
    assert frame_a["h2ac"].get("toast") is None and frame_a["h2ac"].get("sound") is None
    assert frame_a["h2ac"]["badge"]["conversation"] >= 1
    assert frame_c["h2ac"]["toast"]["body"] == "hello group" and frame_c["h2ac"]["sound"] == "message"
    # the other way round, the blocked user still hears of the blocker's messages
    b = clients(bob)
    reply = send(alice, conv, "hello from alice")
    frame_b = b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == reply["id"])
    assert frame_b["h2ac"]["toast"]["body"] == "hello from alice"
    # a reaction of the blocked user on the blocker's message: no toast either
    assert bob.post(f"/api/messages/{reply['id']}/reactions", {"emoji": "👍"}).status_code == 201
    reaction = a.wait_for(lambda f: f["type"] == "reaction_added" and f["messageId"] == reply["id"])
    assert reaction["h2ac"].get("toast") is None


def test_the_blocked_user_sees_no_presence_of_the_blocker(alice, bob, carol, clients):
    group(carol, alice, bob)
    block(alice, bob)
    a = clients(alice)
    assert carol.get(f"/api/users/{alice.id}/presence").json()["online"] is True
    assert_error(bob.get(f"/api/users/{alice.id}/presence"), 404, "user_not_found")
    assert bob.get(f"/api/users/{alice.id}").json()["user"]["presence"] is None
    assert carol.get(f"/api/users/{alice.id}").json()["user"]["presence"]["online"] is True
    # the blocker still sees the blocked user's presence
    b, c = clients(bob), clients(carol)
    assert alice.get(f"/api/users/{bob.id}/presence").json()["online"] is True
    a.close()
    c.wait_for(lambda f: f["type"] == "presence" and f["userId"] == alice.id and f["online"] is False, timeout=10)
    # a later presence change on the same channel reaches bob: alice's came before it
    dave = new_user("Dave")
    direct(dave, bob)
    clients(dave)
    b.wait_for(lambda f: f["type"] == "presence" and f["userId"] == dave.id and f["online"] is True, timeout=10)
    assert [f for f in b.frames if f["type"] == "presence" and f["userId"] == alice.id] == []


def test_the_blocked_user_sees_no_typing_of_the_blocker(alice, bob, carol, clients):
    conv = group(carol, alice, bob)
    block(alice, bob)
    a, b, c = clients(alice), clients(bob), clients(carol)
    a.send({"type": "typing", "conversationId": conv, "isTyping": True})
    c.wait_for(lambda f: f["type"] == "typing" and f["userId"] == alice.id and f["isTyping"])
    # carol's typing travels the same channel after alice's: once bob has it, alice's would be there
    c.send({"type": "typing", "conversationId": conv, "isTyping": True})
    b.wait_for(lambda f: f["type"] == "typing" and f["userId"] == carol.id)
    a.send({"type": "typing", "conversationId": conv, "isTyping": False})
    c.wait_for(lambda f: f["type"] == "typing" and f["userId"] == alice.id and f["isTyping"] is False)
    c.send({"type": "typing", "conversationId": conv, "isTyping": False})
    b.wait_for(lambda f: f["type"] == "typing" and f["userId"] == carol.id and f["isTyping"] is False)
    assert [f for f in b.frames if f["type"] == "typing" and f["userId"] == alice.id] == []
    # the blocker still sees the blocked user typing
    b.send({"type": "typing", "conversationId": conv, "isTyping": True})
    a.wait_for(lambda f: f["type"] == "typing" and f["userId"] == bob.id and f["isTyping"])
