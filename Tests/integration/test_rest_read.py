"""Read markers and unread counts: POST /api/messages/:conversationId/read."""
import pytest

from conftest import assert_error, direct, send
from rest_helpers import raw, snapshot, unread


def mark(user, cid, up_to=None):
    body = None if up_to is None else {"upToMessageId": up_to}
    r = user.post(f"/api/messages/{cid}/read", body)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"conversationId", "unreadCount", "lastReadMessageId"}
    assert r.json()["conversationId"] == cid
    return r.json()


def test_unread_counts_after_sends_and_reads(alice, bob):
    cid = direct(alice, bob)
    assert unread(bob, cid) == 0
    ids = [send(alice, cid, f"m{i}")["id"] for i in range(5)]
    assert unread(bob, cid) == 5
    assert unread(alice, cid) == 0  # own messages never count
    assert mark(bob, cid, ids[1]) == {"conversationId": cid, "unreadCount": 3, "lastReadMessageId": ids[1]}
    assert unread(bob, cid) == 3
    assert mark(bob, cid) == {"conversationId": cid, "unreadCount": 0, "lastReadMessageId": ids[4]}
    assert unread(bob, cid) == 0
    more = send(alice, cid, "again")["id"]
    assert unread(bob, cid) == 1
    # Bob replying implies he read everything before his reply.
    send(bob, cid, "reply")
    assert unread(bob, cid) == 0
    assert unread(alice, cid) == 1
    assert mark(alice, cid)["unreadCount"] == 0
    assert more < ids[-1] + 10


def test_read_marker_never_moves_backwards(alice, bob):
    cid = direct(alice, bob)
    ids = [send(alice, cid, f"m{i}")["id"] for i in range(4)]
    assert mark(bob, cid, ids[2])["lastReadMessageId"] == ids[2]
    # An older message, then an explicit earlier one: nothing moves back.
    back = mark(bob, cid, ids[0])
    assert back == {"conversationId": cid, "unreadCount": 1, "lastReadMessageId": ids[2]}
    assert unread(bob, cid) == 1
    assert mark(bob, cid, ids[2])["lastReadMessageId"] == ids[2]
    assert mark(bob, cid, ids[3]) == {"conversationId": cid, "unreadCount": 0, "lastReadMessageId": ids[3]}
    assert mark(bob, cid, ids[1])["lastReadMessageId"] == ids[3]


def test_mark_read_of_an_empty_conversation(alice, bob):
    cid = direct(alice, bob)
    assert mark(bob, cid) == {"conversationId": cid, "unreadCount": 0, "lastReadMessageId": None}


def test_mark_read_body_forms(alice, bob):
    cid = direct(alice, bob)
    first = send(alice, cid, "a")["id"]
    send(alice, cid, "b")
    # No body at all, an empty object, unknown fields: all mean "everything" (a null upToMessageId
    # is a 400: the spec does not allow it, test_bad_input.py).
    r = raw("POST", f"/api/messages/{cid}/read", None, token=bob.token)
    assert r.status_code == 200 and r.json()["unreadCount"] == 0, r.text
    send(alice, cid, "c")
    assert bob.post(f"/api/messages/{cid}/read", {}).json()["unreadCount"] == 0
    send(alice, cid, "d")
    assert bob.post(f"/api/messages/{cid}/read", {"other": 1}).json()["unreadCount"] == 0
    assert first


@pytest.mark.parametrize("body", [{"upToMessageId": "1"}, {"upToMessageId": 0}, {"upToMessageId": -2},
                                  {"upToMessageId": 1.25}, {"upToMessageId": [1]}])
def test_mark_read_bad_bodies(alice, bob, body):
    cid = direct(alice, bob)
    send(alice, cid, "a")
    before = snapshot(bob, cid)
    assert_error(bob.post(f"/api/messages/{cid}/read", body), 400, "validation_failed")
    assert snapshot(bob, cid) == before


def test_mark_read_up_to_a_message_of_another_conversation(alice, bob, carol):
    ab, ac = direct(alice, bob), direct(alice, carol)
    send(alice, ab, "a")
    foreign = send(alice, ac, "b")["id"]
    before = snapshot(bob, ab)
    assert_error(bob.post(f"/api/messages/{ab}/read", {"upToMessageId": foreign}), 404, "message_not_found")
    assert_error(bob.post(f"/api/messages/{ab}/read", {"upToMessageId": 987654321}), 404, "message_not_found")
    assert snapshot(bob, ab) == before
    assert unread(bob, ab) == 1


def test_mark_read_access(alice, bob, carol):
    cid = direct(alice, bob)
    send(alice, cid, "a")
    assert_error(carol.post(f"/api/messages/{cid}/read"), 403, "forbidden")
    assert_error(carol.post("/api/messages/987654321/read"), 404, "conversation_not_found")
    assert unread(bob, cid) == 1


def test_unread_counts_are_per_member_in_groups(alice, bob, carol):
    gid = alice.post("/api/messages/groups", {"name": "g", "participantIds": [bob.id, carol.id]}).json()["conversation"]["id"]
    ids = [send(alice, gid, f"m{i}")["id"] for i in range(3)]
    mark(bob, gid, ids[0])
    assert (unread(alice, gid), unread(bob, gid), unread(carol, gid)) == (0, 2, 3)
    send(carol, gid, "me too")
    assert (unread(alice, gid), unread(bob, gid), unread(carol, gid)) == (1, 3, 0)
