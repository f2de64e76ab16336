"""Issue 5's changes as push events: deletes, renames, the last-admin rule, and a removed
member who is added back (issue 3's delivery, for the events issue 5 adds)."""
from conftest import send
from test_push_support import clients  # noqa: F401  (fixture)


def kind_in(kind, group):
    return lambda f: f["type"] == kind and f["conversationId"] == group


def test_delete_rename_and_last_admin_events_reach_every_member(alice, bob, carol, clients):
    group = alice.post("/api/messages/groups", {"name": "Milonga", "participantIds": [bob.id, carol.id]}).json()["conversation"]["id"]
    a, b, c = clients(alice), clients(bob), clients(carol)
    message = send(bob, group, "oops")
    assert alice.delete(f"/api/messages/{message['id']}").status_code == 200  # an admin deletes bob's message
    for client in (a, b, c):
        frame = client.wait_for(lambda f: f["type"] == "message_deleted" and f["messageId"] == message["id"])
        assert frame["message"]["content"] is None and frame["message"]["deleted"] is True
    assert alice.patch(f"/api/messages/groups/{group}", {"name": "Milonga del jueves"}).status_code == 200
    for client in (a, b, c):
        assert client.wait_for(kind_in("conversation_updated", group))["name"] == "Milonga del jueves"
    # The only admin leaves: the longest-standing member becomes admin and everyone is told.
    assert alice.delete(f"/api/messages/groups/{group}/members/me").status_code == 204
    for client in (b, c):
        promoted = client.wait_for(kind_in("role_changed", group))
        assert promoted["role"] == "admin" and promoted["userId"] in (bob.id, carol.id)
    left = a.wait_for(kind_in("member_removed", group))
    assert left["userId"] == alice.id and left["left"] is True


def test_removed_member_gets_nothing_more_until_added_back(alice, bob, carol, clients):
    group = alice.post("/api/messages/groups", {"name": "Práctica", "participantIds": [bob.id, carol.id]}).json()["conversation"]["id"]
    b, c = clients(bob), clients(carol)
    assert alice.delete(f"/api/messages/groups/{group}/members/{bob.id}").status_code == 204
    b.wait_for(kind_in("member_removed", group))
    hidden = send(alice, group, "not for bob")
    c.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == hidden["id"])
    b.drain(0.5)
    assert hidden["id"] not in [m["id"] for m in b.messages(group)]
    # Typing from a removed member is refused.
    b.send({"type": "typing", "conversationId": group, "isTyping": True})
    error = b.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == "not_a_participant"
    c.drain(0.3)
    assert not [f for f in c.frames if f["type"] == "typing" and f.get("userId") == bob.id]
    # Added back: he hears of it and receives the room's messages again.
    assert alice.post(f"/api/messages/groups/{group}/members", {"userIds": [bob.id]}).status_code == 200
    b.wait_for(kind_in("member_added", group))
    again = send(alice, group, "welcome back")
    b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == again["id"])


def test_token_of_a_user_who_does_not_exist_is_refused():
    import pytest
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect
    from conftest import WS_URL, make_jwt
    import time as clock
    token = make_jwt({"sub": "987654321", "exp": int(clock.time()) + 600})
    with pytest.raises((ConnectionClosed, InvalidStatus)) as refused:
        with connect(WS_URL, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=10) as ws:
            while True:
                ws.recv(timeout=5)
    if isinstance(refused.value, ConnectionClosed):
        assert refused.value.rcvd.code == 4001
