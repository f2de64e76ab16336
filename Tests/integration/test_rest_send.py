"""Sending: POST /api/messages/:conversationId — validation, media rules, size limit, idempotency."""
import pytest

from conftest import assert_error, direct, send
from rest_helpers import client_id, history_of, snapshot

MAX_CHARS = 4000  # max_message_chars default


def test_send_returns_201_with_the_stored_message(alice, bob):
    cid = direct(alice, bob)
    r = alice.post(f"/api/messages/{cid}", {"content": "hello  world\nline two\ttab"})
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"message"}
    m = r.json()["message"]
    assert m["content"] == "hello  world\nline two\ttab"
    assert m["conversationId"] == cid and m["senderId"] == alice.id
    assert m["mediaUrl"] is None and m["mediaType"] is None and m["clientMessageId"] is None
    assert m["editedAt"] is None and m["deletedAt"] is None and m["reactions"] == []
    assert history_of(bob, cid) == [m]


def test_unicode_content_round_trips(alice, bob):
    cid = direct(alice, bob)
    text = "héllo 👨‍👩‍👧‍👦 🇯🇵 中文 \\ \" ' <script>"
    m = send(alice, cid, text)
    assert m["content"] == text
    assert history_of(alice, cid)[0]["content"] == text


def test_content_size_limit(alice, bob):
    cid = direct(alice, bob)
    ok = send(alice, cid, "a" * MAX_CHARS)
    assert len(ok["content"]) == MAX_CHARS
    # The limit counts characters, not bytes: 4000 two-byte characters fit.
    send(alice, cid, "é" * MAX_CHARS)
    before = snapshot(alice, cid)
    assert_error(alice.post(f"/api/messages/{cid}", {"content": "a" * (MAX_CHARS + 1)}), 400, "content_too_long")
    assert_error(alice.post(f"/api/messages/{cid}", {"content": "é" * (MAX_CHARS + 1)}), 400, "content_too_long")
    assert snapshot(alice, cid) == before


@pytest.mark.parametrize("kind,url", [
    ("image", "https://cdn.example.com/cat.png"),
    ("video", "http://cdn.example.com/v.mp4?x=1#t"),
    ("image", "HTTPS://EXAMPLE.COM/A.PNG"),
])
def test_media_messages(alice, bob, kind, url):
    cid = direct(alice, bob)
    m = send(alice, cid, "", mediaUrl=url, mediaType=kind)
    assert m["content"] == "" and m["mediaUrl"] == url and m["mediaType"] == kind
    m2 = send(alice, cid, "caption", mediaUrl=url, mediaType=kind)
    assert m2["content"] == "caption"
    # content may also be omitted entirely when media is attached
    r = alice.post(f"/api/messages/{cid}", {"mediaUrl": url, "mediaType": kind})
    assert r.status_code == 201 and r.json()["message"]["content"] == ""


@pytest.mark.parametrize("body", [
    {},
    {"content": ""},
    {"content": "   \n\t "},
    {"content": None},
    {"content": 5},
    {"content": ["hi"]},
    {"content": {"text": "hi"}},
    {"content": True},
    {"content": "nul \u0000 inside"},
    {"content": "bell \u0007"},
    {"content": "del \u007f"},
    {"content": "", "mediaUrl": "https://e.com/a.png"},                       # no type
    {"content": "", "mediaType": "image"},                                     # no url
    {"content": "x", "mediaUrl": "https://e.com/a.mp3", "mediaType": "audio"},
    {"content": "x", "mediaUrl": "https://e.com/a.png", "mediaType": "IMAGE"},
    {"content": "x", "mediaUrl": "ftp://e.com/a.png", "mediaType": "image"},
    {"content": "x", "mediaUrl": "javascript:alert(1)", "mediaType": "image"},
    {"content": "x", "mediaUrl": "data:image/png;base64,AAAA", "mediaType": "image"},
    {"content": "x", "mediaUrl": "https://", "mediaType": "image"},
    {"content": "x", "mediaUrl": "https:///path", "mediaType": "image"},
    {"content": "x", "mediaUrl": "https://e.com/a b.png", "mediaType": "image"},
    {"content": "x", "mediaUrl": "/relative.png", "mediaType": "image"},
    {"content": "x", "mediaUrl": "https://e.com/" + "a" * 2048, "mediaType": "image"},
    {"content": "x", "mediaUrl": 5, "mediaType": "image"},
    {"content": "x", "mediaUrl": "https://e.com/a.png", "mediaType": 1},
    {"content": "x", "clientMessageId": ""},
    {"content": "x", "clientMessageId": "a" * 129},
    {"content": "x", "clientMessageId": "tab\there"},
    {"content": "x", "clientMessageId": 12},
    {"content": "x", "replyToId": "1"},
    {"content": "x", "replyToId": 0},
])
def test_send_validation_rejects_and_stores_nothing(alice, bob, body):
    cid = direct(alice, bob)
    send(bob, cid, "existing")
    before_a, before_b = snapshot(alice, cid), snapshot(bob, cid)
    assert_error(alice.post(f"/api/messages/{cid}", body), 400, "validation_failed")
    assert snapshot(alice, cid) == before_a and snapshot(bob, cid) == before_b


def test_unknown_fields_are_ignored(alice, bob):
    cid = direct(alice, bob)
    r = alice.post(f"/api/messages/{cid}", {"content": "ok", "senderId": bob.id, "id": 1, "conversationId": 999,
                                            "createdAt": "2000-01-01T00:00:00Z", "reactions": [{"emoji": "👍"}]})
    assert r.status_code == 201, r.text
    m = r.json()["message"]
    assert m["senderId"] == alice.id and m["conversationId"] == cid and m["reactions"] == []


def test_reply_to_a_message_of_the_conversation(alice, bob, carol):
    cid = direct(alice, bob)
    first = send(bob, cid, "question")
    reply = send(alice, cid, "answer", replyToId=first["id"])
    assert reply["replyToId"] == first["id"]
    other = direct(alice, carol)
    foreign = send(carol, other, "elsewhere")
    before = snapshot(alice, cid)
    assert_error(alice.post(f"/api/messages/{cid}", {"content": "x", "replyToId": foreign["id"]}), 400, "invalid_reply")
    assert snapshot(alice, cid) == before


def test_idempotent_retry_returns_the_original(alice, bob):
    cid = direct(alice, bob)
    key = client_id()
    r1 = alice.post(f"/api/messages/{cid}", {"content": "once", "clientMessageId": key})
    assert r1.status_code == 201, r1.text
    original = r1.json()["message"]
    assert original["clientMessageId"] == key
    for content in ("once", "different content on retry"):
        r = alice.post(f"/api/messages/{cid}", {"content": content, "clientMessageId": key})
        assert r.status_code == 200, r.text
        assert r.json()["message"]["id"] == original["id"]
        assert r.json()["message"]["content"] == "once"
    assert [m["id"] for m in history_of(bob, cid)] == [original["id"]]
    assert snapshot(bob)["conversations"][0]["unreadCount"] == 1


def test_client_message_id_is_per_sender(alice, bob):
    cid = direct(alice, bob)
    key = client_id()
    a = send(alice, cid, "from alice", clientMessageId=key)
    b = bob.post(f"/api/messages/{cid}", {"content": "from bob", "clientMessageId": key})
    assert b.status_code == 201, b.text
    assert b.json()["message"]["id"] != a["id"]
    assert len(history_of(alice, cid)) == 2


def test_client_message_id_reused_in_another_conversation_is_409(alice, bob, carol):
    ab, ac = direct(alice, bob), direct(alice, carol)
    key = client_id()
    send(alice, ab, "first", clientMessageId=key)
    before = snapshot(alice, ac)
    assert_error(alice.post(f"/api/messages/{ac}", {"content": "second", "clientMessageId": key}), 409, "client_message_id_conflict")
    assert snapshot(alice, ac) == before
    assert len(history_of(alice, ab)) == 1


def test_send_to_missing_or_foreign_conversation(alice, bob, carol):
    cid = direct(bob, carol)
    before = snapshot(bob, cid)
    assert_error(alice.post(f"/api/messages/{cid}", {"content": "intrude"}), 403, "forbidden")
    assert_error(alice.post("/api/messages/987654321", {"content": "void"}), 404, "conversation_not_found")
    assert snapshot(bob, cid) == before


def test_send_updates_conversation_for_everyone(alice, bob, carol):
    gid = alice.post("/api/messages/groups", {"name": "g", "participantIds": [bob.id, carol.id]}).json()["conversation"]["id"]
    m = send(carol, gid, "news")
    for user in (alice, bob):
        entry = snapshot(user)["conversations"][0]
        assert entry["lastMessage"]["id"] == m["id"] and entry["unreadCount"] == 1
    assert snapshot(carol)["conversations"][0]["unreadCount"] == 0
