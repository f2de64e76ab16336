"""Edits (with their history), deletes (tombstones) and replies (issue 5), through nginx.

PATCH /api/messages/:messageId {content} -> {message}; DELETE /api/messages/:messageId -> {message};
GET /api/messages/:messageId/history -> {messageId, current, versions}; POST /api/messages/:id
with replyToId -> a message carrying replyTo {id, senderId, senderDisplayName, preview, mediaType, deleted}."""
import pytest
import requests

from conftest import BASE_URL, assert_error, direct, send
from issue5_helpers import BAD_IDS, MISSING_ID, conversation_of, group, history, max_message_chars, message_in_history

MEDIA = {"mediaUrl": "https://img.example/photo.jpg", "mediaType": "image"}


def edit(user, message_id, content):
    return user.patch(f"/api/messages/{message_id}", {"content": content})


def versions(user, message_id):
    r = user.get(f"/api/messages/{message_id}/history")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"messageId", "current", "versions"}, body
    assert body["messageId"] == message_id and body["current"]["id"] == message_id
    return body


def react(user, message_id, emoji="👍"):
    r = user.post(f"/api/messages/{message_id}/reactions", {"emoji": emoji})
    assert r.status_code in (200, 201), r.text
    return r.json()


def assert_tombstone(message):
    assert message["deleted"] is True
    assert message["deletedAt"]
    assert message["content"] is None
    assert message["mediaUrl"] is None and message["mediaType"] is None
    assert message["reactions"] == []


# ---- edits ------------------------------------------------------------------------------------

def test_sender_edits_own_message(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "helo wrld")
    assert m["editedAt"] is None and m["deleted"] is False
    r = edit(alice, m["id"], "hello world")
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"message"}
    edited = r.json()["message"]
    assert edited["id"] == m["id"] and edited["content"] == "hello world"
    assert edited["editedAt"] and edited["editedAt"] >= m["createdAt"]
    assert edited["createdAt"] == m["createdAt"] and edited["senderId"] == alice.id
    for viewer in (alice, bob):
        seen = message_in_history(viewer, did, m["id"])
        assert seen["content"] == "hello world" and seen["editedAt"] == edited["editedAt"]
    # Editing does not reorder history or change the message count.
    assert [x["id"] for x in history(bob, did)] == [m["id"]]


def test_edit_history_keeps_every_earlier_version(alice, bob):
    gid = group(alice, bob)
    m = send(alice, gid, "version one")
    for content in ("version two", "version three"):
        assert edit(alice, m["id"], content).status_code == 200
    for viewer in (alice, bob):
        body = versions(viewer, m["id"])
        assert body["current"]["content"] == "version three" and body["current"]["editedAt"]
        assert [v["version"] for v in body["versions"]] == [1, 2]
        assert [v["content"] for v in body["versions"]] == ["version one", "version two"]
        for v in body["versions"]:
            assert set(v) == {"version", "content", "writtenAt", "replacedAt"}
            assert v["writtenAt"] <= v["replacedAt"]
        # The first version was written when the message was sent; each replaced when the next came.
        assert body["versions"][0]["writtenAt"] == m["createdAt"]
        assert body["versions"][1]["writtenAt"] >= body["versions"][0]["replacedAt"]


def test_unedited_message_has_no_earlier_versions(alice, bob):
    did = direct(alice, bob)
    m = send(bob, did, "never edited")
    body = versions(alice, m["id"])
    assert body["versions"] == [] and body["current"]["content"] == "never edited"
    assert body["current"]["editedAt"] is None


def test_editing_to_the_same_content_keeps_no_new_version(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "same")
    r = edit(alice, m["id"], "same")
    assert r.status_code == 200, r.text
    assert r.json()["message"]["content"] == "same"
    assert versions(alice, m["id"])["versions"] == []


def test_edit_keeps_reactions_and_reply_previews_follow(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "original text")
    react(bob, m["id"], "❤️")
    reply = send(bob, did, "answer", replyToId=m["id"])
    assert reply["replyTo"]["preview"] == "original text"
    edited = edit(alice, m["id"], "corrected text").json()["message"]
    assert [r["emoji"] for r in edited["reactions"]] == ["❤️"]
    assert message_in_history(alice, did, reply["id"])["replyTo"]["preview"] == "corrected text"


def test_only_the_sender_may_edit(make_user):
    alice, bob, carol = (make_user() for _ in range(3))
    gid = group(alice, bob, carol)
    m = send(bob, gid, "bob's words")
    # Another member, and the group's admin: neither may put words in bob's mouth.
    assert_error(edit(carol, m["id"], "carol's words"), 403, "not_sender")
    assert_error(edit(alice, m["id"], "admin's words"), 403, "not_sender")
    did = direct(alice, bob)
    dm = send(alice, did, "alice's words")
    assert_error(edit(bob, dm["id"], "bob's words"), 403, "not_sender")
    assert message_in_history(carol, gid, m["id"])["content"] == "bob's words"
    assert message_in_history(bob, did, dm["id"])["content"] == "alice's words"
    assert versions(bob, m["id"])["versions"] == []


def test_edit_access(make_user):
    alice, bob, outsider = (make_user() for _ in range(3))
    gid = group(alice, bob)
    m = send(bob, gid, "before leaving")
    assert_error(edit(outsider, m["id"], "x"), 403, "forbidden")
    assert_error(edit(alice, MISSING_ID, "x"), 404, "message_not_found")
    # A member who left can no longer edit what they wrote.
    assert bob.delete(f"/api/messages/groups/{gid}/members/me").status_code == 204
    assert_error(edit(bob, m["id"], "after leaving"), 403, "forbidden")
    assert message_in_history(alice, gid, m["id"])["content"] == "before leaving"


def test_editing_a_deleted_message_conflicts(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "soon gone")
    assert alice.delete(f"/api/messages/{m['id']}").status_code == 200
    assert_error(edit(alice, m["id"], "resurrected"), 409, "message_deleted")
    assert_tombstone(message_in_history(bob, did, m["id"]))


@pytest.mark.parametrize("body,code", [
    ({}, "validation_failed"), ({"content": None}, "validation_failed"), ({"content": 5}, "validation_failed"),
    ({"content": ["x"]}, "validation_failed"), ({"content": ""}, "validation_failed"),
    ({"content": "bad\u0000nul"}, "validation_failed"), ({"content": "bell\u0007"}, "validation_failed"),
    ({"text": "wrong field"}, "validation_failed"),
], ids=lambda v: repr(v)[:40])
def test_edit_validation(alice, bob, body, code):
    did = direct(alice, bob)
    m = send(alice, did, "unchanged")
    assert_error(alice.patch(f"/api/messages/{m['id']}", body), 400, code)
    assert message_in_history(bob, did, m["id"])["content"] == "unchanged"
    assert versions(alice, m["id"])["versions"] == []


@pytest.mark.parametrize("blank", ["   ", "\n\t ", "\u3000"], ids=["spaces", "newlines", "ideographic-space"])
def test_edit_to_blank_content_is_refused_like_a_blank_send(alice, bob, blank):
    did = direct(alice, bob)
    # Sending blank text is refused ...
    assert_error(alice.post(f"/api/messages/{did}", {"content": blank}), 400, "validation_failed")
    # ... and so must editing an existing text message into blank text be.
    m = send(alice, did, "something")
    assert_error(edit(alice, m["id"], blank), 400, "validation_failed")
    assert message_in_history(bob, did, m["id"])["content"] == "something"


def test_edit_content_length_limit(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "short")
    limit = max_message_chars()
    assert_error(edit(alice, m["id"], "x" * (limit + 1)), 400, "content_too_long")
    r = edit(alice, m["id"], "é" * limit)
    assert r.status_code == 200, r.text
    assert len(r.json()["message"]["content"]) == limit


def test_edit_caption_of_a_media_message(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "caption", **MEDIA)
    r = edit(alice, m["id"], "new caption")
    assert r.status_code == 200, r.text
    msg = r.json()["message"]
    assert (msg["content"], msg["mediaUrl"], msg["mediaType"]) == ("new caption", MEDIA["mediaUrl"], "image")


def test_blank_caption_of_a_media_message_is_removed(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "caption", **MEDIA)
    for blank in ("", "   "):
        r = edit(alice, m["id"], blank)
        assert r.status_code == 200, r.text
        msg = r.json()["message"]
        assert (msg["content"], msg["mediaUrl"]) == ("", MEDIA["mediaUrl"])


@pytest.mark.parametrize("raw", [b"", b"nope", b"[]", b'"content"'])
def test_edit_body_must_be_a_json_object(alice, bob, raw):
    did = direct(alice, bob)
    m = send(alice, did, "unchanged")
    r = requests.patch(BASE_URL + f"/api/messages/{m['id']}", data=raw, timeout=10,
                       headers={**alice.headers, "Content-Type": "application/json"})
    assert_error(r, 400, "invalid_json")


def test_history_of_versions_is_for_participants_only(make_user):
    alice, bob, carol, outsider = (make_user() for _ in range(4))
    gid = group(alice, bob, carol)
    m = send(alice, gid, "first draft")
    assert edit(alice, m["id"], "final").status_code == 200
    assert_error(outsider.get(f"/api/messages/{m['id']}/history"), 403, "forbidden")
    assert alice.delete(f"/api/messages/groups/{gid}/members/{carol.id}").status_code == 204
    assert_error(carol.get(f"/api/messages/{m['id']}/history"), 403, "forbidden")
    assert_error(alice.get(f"/api/messages/{MISSING_ID}/history"), 404, "message_not_found")
    assert [v["content"] for v in versions(bob, m["id"])["versions"]] == ["first draft"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_edit_routes_reject_bad_message_ids(alice, bad):
    assert_error(alice.patch(f"/api/messages/{bad}", {"content": "x"}), 400, "invalid_id")
    assert_error(alice.delete(f"/api/messages/{bad}"), 400, "invalid_id")
    assert_error(alice.get(f"/api/messages/{bad}/history"), 400, "invalid_id")


def test_edit_routes_require_authentication(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "mine")
    for method, path, body in [("PATCH", f"/api/messages/{m['id']}", {"content": "x"}),
                               ("DELETE", f"/api/messages/{m['id']}", None),
                               ("GET", f"/api/messages/{m['id']}/history", None)]:
        assert_error(requests.request(method, BASE_URL + path, json=body, timeout=10), 401, "token_missing")
    assert message_in_history(alice, did, m["id"])["content"] == "mine"


# ---- deletes ----------------------------------------------------------------------------------

def test_sender_deletes_own_message_leaving_a_tombstone(alice, bob):
    did = direct(alice, bob)
    before = send(bob, did, "before")
    m = send(alice, did, "regrettable", **MEDIA)
    after = send(bob, did, "after")
    r = alice.delete(f"/api/messages/{m['id']}")
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"message"}
    tomb = r.json()["message"]
    assert tomb["id"] == m["id"] and tomb["senderId"] == alice.id and tomb["createdAt"] == m["createdAt"]
    assert_tombstone(tomb)
    for viewer in (alice, bob):
        msgs = history(viewer, did)
        assert [x["id"] for x in msgs] == [before["id"], m["id"], after["id"]]
        assert_tombstone(msgs[1])
        assert msgs[0]["content"] == "before" and msgs[2]["content"] == "after"
    # Deleting again changes nothing and answers the same tombstone.
    again = alice.delete(f"/api/messages/{m['id']}")
    assert again.status_code == 200, again.text
    assert again.json()["message"]["deletedAt"] == tomb["deletedAt"]


def test_deleting_the_last_message_shows_a_tombstone_in_the_list(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "last words")
    assert alice.delete(f"/api/messages/{m['id']}").status_code == 200
    last = conversation_of(bob, did)["lastMessage"]
    assert last["id"] == m["id"] and last["content"] is None and last["deleted"] is True


def test_delete_removes_reactions_and_earlier_versions(alice, bob, carol):
    gid = group(alice, bob, carol)
    m = send(bob, gid, "v1")
    assert edit(bob, m["id"], "v2").status_code == 200
    react(alice, m["id"], "👍")
    react(carol, m["id"], "😂")
    assert len(message_in_history(bob, gid, m["id"])["reactions"]) == 2
    r = bob.delete(f"/api/messages/{m['id']}")
    assert r.status_code == 200, r.text
    assert_tombstone(r.json()["message"])
    for viewer in (alice, bob, carol):
        assert_tombstone(message_in_history(viewer, gid, m["id"]))
    body = versions(carol, m["id"])
    assert_tombstone(body["current"])
    assert body["versions"] == []
    # No new reactions on a tombstone; removing an old one finds nothing.
    assert_error(alice.post(f"/api/messages/{m['id']}/reactions", {"emoji": "🎉"}), 409, "message_deleted")
    assert alice.delete(f"/api/messages/{m['id']}/reactions/👍").status_code == 404


def test_group_admin_deletes_anyones_message(alice, bob, carol):
    gid = group(alice, bob, carol)
    m = send(bob, gid, "off-topic spam")
    r = alice.delete(f"/api/messages/{m['id']}")
    assert r.status_code == 200, r.text
    assert_tombstone(r.json()["message"])
    assert r.json()["message"]["senderId"] == bob.id
    assert_tombstone(message_in_history(carol, gid, m["id"]))


def test_promoted_admin_may_delete_and_demoted_admin_may_not(alice, bob, carol):
    gid = group(alice, bob, carol)
    m1 = send(carol, gid, "one")
    m2 = send(carol, gid, "two")
    assert alice.patch(f"/api/messages/groups/{gid}/members/{bob.id}", {"role": "admin"}).status_code == 200
    assert bob.delete(f"/api/messages/{m1['id']}").status_code == 200
    assert alice.patch(f"/api/messages/groups/{gid}/members/{bob.id}", {"role": "member"}).status_code == 200
    assert_error(bob.delete(f"/api/messages/{m2['id']}"), 403, "not_sender")
    assert message_in_history(carol, gid, m2["id"])["content"] == "two"


def test_members_cannot_delete_others_messages(make_user):
    alice, bob, carol = (make_user() for _ in range(3))
    gid = group(alice, bob, carol)
    by_admin = send(alice, gid, "admin's message")
    by_bob = send(bob, gid, "bob's message")
    assert_error(carol.delete(f"/api/messages/{by_admin['id']}"), 403, "not_sender")
    assert_error(carol.delete(f"/api/messages/{by_bob['id']}"), 403, "not_sender")
    # In a direct conversation nobody is an admin: only the sender deletes.
    did = direct(alice, bob)
    dm = send(alice, did, "direct")
    assert_error(bob.delete(f"/api/messages/{dm['id']}"), 403, "not_sender")
    assert message_in_history(alice, gid, by_admin["id"])["content"] == "admin's message"
    assert message_in_history(alice, gid, by_bob["id"])["content"] == "bob's message"
    assert message_in_history(alice, did, dm["id"])["content"] == "direct"


def test_delete_access(make_user):
    alice, bob, outsider = (make_user() for _ in range(3))
    gid = group(alice, bob)
    m = send(bob, gid, "mine")
    assert_error(outsider.delete(f"/api/messages/{m['id']}"), 403, "forbidden")
    assert_error(alice.delete(f"/api/messages/{MISSING_ID}"), 404, "message_not_found")
    assert alice.delete(f"/api/messages/groups/{gid}/members/{bob.id}").status_code == 204
    assert_error(bob.delete(f"/api/messages/{m['id']}"), 403, "forbidden")
    assert message_in_history(alice, gid, m["id"])["content"] == "mine"


# ---- replies ----------------------------------------------------------------------------------

def test_reply_carries_a_preview(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "Shall we dance at the milonga tonight?")
    reply = send(bob, did, "Yes!", replyToId=m["id"])
    assert reply["replyToId"] == m["id"]
    preview = reply["replyTo"]
    assert set(preview) == {"id", "senderId", "senderDisplayName", "preview", "mediaType", "deleted"}
    assert preview == {"id": m["id"], "senderId": alice.id, "senderDisplayName": "Alice",
                       "preview": "Shall we dance at the milonga tonight?", "mediaType": None, "deleted": False}
    assert message_in_history(alice, did, reply["id"])["replyTo"] == preview
    # Messages that are not replies say so.
    assert m["replyToId"] is None and m["replyTo"] is None


def test_reply_preview_is_short(alice, bob):
    did = direct(alice, bob)
    long_text = "".join(f"word{i} " for i in range(200))
    m = send(alice, did, long_text)
    preview = send(bob, did, "tl;dr", replyToId=m["id"])["replyTo"]["preview"]
    assert long_text.startswith(preview)
    assert 0 < len(preview) <= 200 < len(long_text)


def test_reply_to_a_media_message_names_its_type(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "", mediaUrl="https://img.example/v.mp4", mediaType="video")
    preview = send(bob, did, "nice video", replyToId=m["id"])["replyTo"]
    assert preview["mediaType"] == "video" and preview["deleted"] is False


def test_reply_preview_shows_deleted_marker(alice, bob, carol):
    gid = group(alice, bob, carol)
    m = send(bob, gid, "something I will regret", **MEDIA)
    reply = send(carol, gid, "quoting you", replyToId=m["id"])
    assert reply["replyTo"]["preview"] == "something I will regret"
    assert bob.delete(f"/api/messages/{m['id']}").status_code == 200
    for viewer in (alice, bob, carol):
        seen = message_in_history(viewer, gid, reply["id"])
        assert seen["content"] == "quoting you" and seen["replyToId"] == m["id"]
        assert seen["replyTo"]["deleted"] is True
        assert seen["replyTo"]["preview"] is None and seen["replyTo"]["mediaType"] is None
        assert seen["replyTo"]["id"] == m["id"] and seen["replyTo"]["senderId"] == bob.id


def test_reply_must_be_to_a_message_of_the_same_conversation(alice, bob, carol):
    did = direct(alice, bob)
    other = direct(alice, carol)
    elsewhere = send(alice, other, "in another conversation")
    for target in (elsewhere["id"], MISSING_ID):
        assert_error(alice.post(f"/api/messages/{did}", {"content": "re", "replyToId": target}), 400, "invalid_reply")
    # A conversation the sender is not in either (and whose content must not leak).
    bc = direct(bob, carol)
    secret = send(carol, bc, "secret")
    r = alice.post(f"/api/messages/{did}", {"content": "re", "replyToId": secret["id"]})
    assert_error(r, 400, "invalid_reply")
    assert "secret" not in r.text
    assert history(bob, did) == []


@pytest.mark.parametrize("value", ["1", 0, -1, 1.5, True, [1], {"id": 1}], ids=repr)
def test_reply_to_id_must_be_a_positive_integer(alice, bob, value):
    did = direct(alice, bob)
    assert_error(alice.post(f"/api/messages/{did}", {"content": "re", "replyToId": value}), 400, "validation_failed")
    assert history(alice, did) == []


def test_reply_to_id_null_is_a_plain_message(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "plain", replyToId=None)
    assert m["replyToId"] is None and m["replyTo"] is None
