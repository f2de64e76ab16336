"""Direct conversations and the conversation list: POST/GET /api/messages/conversations."""
import base64

import pytest

from conftest import assert_error, direct, send
from rest_helpers import conversations_of, snapshot


def participant_ids(conversation):
    return sorted(p["id"] for p in conversation["participants"])


def test_open_direct_creates_then_returns_existing(alice, bob):
    r = alice.post("/api/messages/conversations", {"participantId": bob.id})
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"conversation", "created", "nextSteps"}
    assert body["created"] is True
    assert isinstance(body["nextSteps"]["steps"], list)  # guidance from the H2AC scripts
    conv = body["conversation"]
    assert conv["type"] == "direct"
    assert participant_ids(conv) == sorted([alice.id, bob.id])
    assert {p["role"] for p in conv["participants"]} == {"member"}
    assert conv["name"] == "Bob"  # a direct chat is named after the other person
    assert conv["lastMessage"] is None and conv["lastMessageAt"] is None
    assert conv["unreadCount"] == 0
    assert conv["createdBy"] == alice.id

    again = alice.post("/api/messages/conversations", {"participantId": bob.id})
    assert again.status_code == 200, again.text
    assert again.json()["created"] is False
    assert again.json()["conversation"]["id"] == conv["id"]


def test_open_direct_from_the_other_side_is_the_same_conversation(alice, bob):
    first = direct(alice, bob)
    r = bob.post("/api/messages/conversations", {"participantId": alice.id})
    assert r.status_code == 200, r.text
    assert r.json()["conversation"]["id"] == first
    assert r.json()["conversation"]["name"] == "Alice"
    assert [c["id"] for c in conversations_of(bob)] == [first]
    assert [c["id"] for c in conversations_of(alice)] == [first]


def test_participant_entries_have_the_documented_fields(alice, bob):
    r = alice.post("/api/messages/conversations", {"participantId": bob.id})
    for p in r.json()["conversation"]["participants"]:
        assert set(p) == {"id", "username", "displayName", "avatar", "deactivated", "role"}
    me = next(p for p in r.json()["conversation"]["participants"] if p["id"] == alice.id)
    assert me["username"] == alice.username and me["displayName"] == "Alice"


def test_messaging_yourself_is_rejected(alice):
    before = snapshot(alice)
    assert_error(alice.post("/api/messages/conversations", {"participantId": alice.id}), 400, "cannot_message_self")
    assert snapshot(alice) == before


@pytest.mark.parametrize("other", [987654321, 9223372036854775807])
def test_messaging_an_unknown_user_is_rejected(alice, other):
    before = snapshot(alice)
    assert_error(alice.post("/api/messages/conversations", {"participantId": other}), 422, "unknown_user")
    assert snapshot(alice) == before


@pytest.mark.parametrize("body", [
    {}, {"participantId": None}, {"participantId": "2"}, {"participantId": 1.5}, {"participantId": True},
    {"participantId": 0}, {"participantId": -3}, {"participantId": [2]}, {"participantId": {"id": 2}},
    {"participantId": 1e300}, {"participant_id": 2},
])
def test_open_direct_bad_bodies(alice, body):
    assert_error(alice.post("/api/messages/conversations", body), 400, "validation_failed")
    assert conversations_of(alice) == []


def test_open_direct_accepts_integral_float_and_ignores_unknown_fields(alice, bob):
    r = alice.post("/api/messages/conversations", {"participantId": float(bob.id), "extra": {"x": [1, 2]}, "name": "ignored"})
    assert r.status_code == 201, r.text
    assert participant_ids(r.json()["conversation"]) == sorted([alice.id, bob.id])


def test_list_is_empty_for_a_new_user(alice):
    r = alice.get("/api/messages/conversations")
    assert r.status_code == 200
    assert r.json() == {"conversations": [], "nextCursor": None}


def test_list_shows_last_message_and_unread_count_newest_activity_first(alice, bob, carol):
    ab = direct(alice, bob)
    ac = direct(alice, carol)
    send(bob, ab, "from bob")
    m = send(carol, ac, "from carol")
    items = conversations_of(alice)
    assert [c["id"] for c in items] == [ac, ab]
    first = items[0]
    assert first["lastMessage"]["id"] == m["id"]
    assert first["lastMessage"]["content"] == "from carol"
    assert first["lastMessageAt"] == m["createdAt"]
    assert first["unreadCount"] == 1
    # New activity in the older conversation moves it to the top.
    send(alice, ab, "reply")
    items = conversations_of(alice)
    assert [c["id"] for c in items] == [ab, ac]
    assert items[0]["unreadCount"] == 0  # sending implies having read
    assert len({c["id"] for c in items}) == len(items)


def test_list_pagination_across_pages_has_no_gaps_or_duplicates(make_user, alice):
    others = [make_user() for _ in range(7)]
    ids = [direct(alice, o) for o in others]
    # Activity in a known order: the last one sent to is the newest.
    for cid in ids:
        send(alice, cid, "x")
    expected = list(reversed(ids))
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        r = alice.get("/api/messages/conversations", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        assert len(body["conversations"]) <= 3
        seen += [c["id"] for c in body["conversations"]]
        cursor = body["nextCursor"]
        if cursor is None or pages > 10:
            break
    assert seen == expected
    assert pages == 3


def test_list_page_that_exactly_fits_has_no_cursor(make_user, alice):
    for o in [make_user() for _ in range(2)]:
        direct(alice, o)
    r = alice.get("/api/messages/conversations", params={"limit": 2})
    assert len(r.json()["conversations"]) == 2 and r.json()["nextCursor"] is None
    r = alice.get("/api/messages/conversations", params={"limit": 1})
    assert len(r.json()["conversations"]) == 1 and isinstance(r.json()["nextCursor"], str)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", ""])
def test_list_bad_limit(alice, limit):
    assert_error(alice.get("/api/messages/conversations", params={"limit": limit}), 400, "invalid_limit")


def test_list_limit_bounds_accepted(alice):
    for limit in ("1", "100"):
        assert alice.get("/api/messages/conversations", params={"limit": limit}).status_code == 200


def b64(text):
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("cursor", ["garbage!", b64("not a cursor"), b64("2026-01-01|abc"), "x" * 300,
                                    b64("2026-01-01 10:00:00+00|99999999999999999999")])
def test_list_bad_cursor(alice, cursor):
    assert_error(alice.get("/api/messages/conversations", params={"cursor": cursor}), 400, "invalid_cursor")


@pytest.mark.parametrize("text", ["9999-99-99|1", "1|1", "-|5", "2026-13-45 99:99:99|3"])
def test_list_forged_cursor_with_impossible_time_is_400_not_500(alice, text):
    """A cursor that decodes but holds no valid timestamp is a client error, never a 500 (it
    was: PostgreSQL's timestamptz cast failed inside the list query)."""
    r = alice.get("/api/messages/conversations", params={"cursor": b64(text)})
    assert_error(r, 400)
    assert r.json()["error"]["code"] in ("invalid_cursor", "invalid_parameter")


def test_list_only_shows_own_conversations(alice, bob, carol):
    bc = direct(bob, carol)
    send(bob, bc, "private")
    assert conversations_of(alice) == []
