"""History: GET /api/messages/:conversationId?before=&limit=."""
import pytest

from conftest import assert_error, direct, send
from rest_helpers import history_of


def test_empty_history(alice, bob):
    cid = direct(alice, bob)
    r = alice.get(f"/api/messages/{cid}")
    assert r.status_code == 200
    assert r.json() == {"messages": [], "nextBefore": None, "hasMore": False}


def test_history_oldest_first_with_message_shape(alice, bob):
    cid = direct(alice, bob)
    sent = [send(alice, cid, f"m{i}") if i % 2 == 0 else send(bob, cid, f"m{i}") for i in range(5)]
    r = alice.get(f"/api/messages/{cid}")
    body = r.json()
    assert [m["id"] for m in body["messages"]] == [m["id"] for m in sent]
    assert [m["content"] for m in body["messages"]] == [f"m{i}" for i in range(5)]
    assert body["hasMore"] is False and body["nextBefore"] is None
    first = body["messages"][0]
    assert set(first) >= {"id", "conversationId", "senderId", "sender", "content", "mediaUrl", "mediaType",
                          "clientMessageId", "replyToId", "createdAt", "editedAt", "deletedAt", "reactions"}
    assert first["conversationId"] == cid and first["senderId"] == alice.id
    assert first["sender"] == {"id": alice.id, "username": alice.username, "displayName": "Alice", "avatar": None, "deactivated": False}
    assert first["reactions"] == []
    # The same history from the other participant.
    assert [m["id"] for m in bob.get(f"/api/messages/{cid}").json()["messages"]] == [m["id"] for m in sent]


def test_history_pagination_across_pages(alice, bob):
    cid = direct(alice, bob)
    sent = [send(alice if i % 3 else bob, cid, f"n{i}")["id"] for i in range(23)]
    pages, before = [], None
    for _ in range(10):
        params = {"limit": 5}
        if before:
            params["before"] = before
        body = alice.get(f"/api/messages/{cid}", params=params).json()
        ids = [m["id"] for m in body["messages"]]
        assert ids == sorted(ids)  # oldest first inside a page
        assert len(ids) <= 5
        pages.append(ids)
        before = body["nextBefore"]
        assert body["hasMore"] == (before is not None)
        if before is None:
            break
        assert before == ids[0]  # the cursor is the oldest message of the page
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    # Newest page first; stitched together they are every message once, in order.
    stitched = [i for page in reversed(pages) for i in page]
    assert stitched == sent


def test_history_default_limit_is_50_and_max_100(alice, bob):
    cid = direct(alice, bob)
    for i in range(51):
        send(alice, cid, f"x{i}")
    body = alice.get(f"/api/messages/{cid}").json()
    assert len(body["messages"]) == 50 and body["hasMore"] is True
    body = alice.get(f"/api/messages/{cid}", params={"limit": 100}).json()
    assert len(body["messages"]) == 51 and body["hasMore"] is False
    assert len(history_of(alice, cid, limit=7)) == 51


def test_page_that_exactly_fits_has_no_more(alice, bob):
    cid = direct(alice, bob)
    ids = [send(alice, cid, "y")["id"] for _ in range(4)]
    body = alice.get(f"/api/messages/{cid}", params={"limit": 4}).json()
    assert [m["id"] for m in body["messages"]] == ids and body["hasMore"] is False and body["nextBefore"] is None
    body = alice.get(f"/api/messages/{cid}", params={"limit": 2, "before": ids[2]}).json()
    assert [m["id"] for m in body["messages"]] == ids[:2] and body["hasMore"] is False


def test_before_the_first_message_is_empty(alice, bob):
    cid = direct(alice, bob)
    first = send(alice, cid, "first")["id"]
    body = alice.get(f"/api/messages/{cid}", params={"before": first}).json()
    assert body == {"messages": [], "nextBefore": None, "hasMore": False}


def test_history_only_holds_this_conversations_messages(alice, bob, carol):
    ab, ac = direct(alice, bob), direct(alice, carol)
    m1 = send(alice, ab, "to bob")
    send(alice, ac, "to carol")
    m3 = send(bob, ab, "to alice")
    assert [m["id"] for m in history_of(alice, ab)] == [m1["id"], m3["id"]]


@pytest.mark.parametrize("limit", ["0", "101", "-5", "ten", "2.0", ""])
def test_history_bad_limit(alice, bob, limit):
    cid = direct(alice, bob)
    assert_error(alice.get(f"/api/messages/{cid}", params={"limit": limit}), 400, "invalid_limit")


@pytest.mark.parametrize("before", ["abc", "0", "-1", "1.5", "99999999999999999999"])
def test_history_bad_before(alice, bob, before):
    cid = direct(alice, bob)
    assert_error(alice.get(f"/api/messages/{cid}", params={"before": before}), 400, "invalid_cursor")


def test_history_of_missing_and_foreign_conversations(alice, bob, carol):
    cid = direct(bob, carol)
    send(bob, cid, "secret")
    assert_error(alice.get(f"/api/messages/{cid}"), 403, "forbidden")
    assert_error(alice.get("/api/messages/987654321"), 404, "conversation_not_found")
