"""Read state ("seen by") and mute (issue 5).

GET /api/messages/:conversationId/read-state -> {conversationId, members: [{userId, lastReadMessageId,
lastReadAt}]}; PATCH /api/messages/:conversationId/settings {muted} -> {conversationId, muted}."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import BASE_URL, assert_error, direct, send, wait_until
from issue5_helpers import BAD_IDS, MISSING_ID, OpenTransaction, conversation_of, group, lock_waiters
from test_push_support import clients  # noqa: F401  (fixture)


def read_state(user, conversation_id):
    r = user.get(f"/api/messages/{conversation_id}/read-state")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"conversationId", "members"}, body
    assert body["conversationId"] == conversation_id
    for m in body["members"]:
        assert set(m) == {"userId", "lastReadMessageId", "lastReadAt"}, m
    return body


def markers(user, conversation_id):
    """{userId: lastReadMessageId}."""
    return {m["userId"]: m["lastReadMessageId"] for m in read_state(user, conversation_id)["members"]}


def seen_by(user, conversation_id, message_id):
    """Who has seen a message: members whose marker is at or after it (ids grow within a conversation)."""
    return {uid for uid, last in markers(user, conversation_id).items() if last is not None and last >= message_id}


def mark_read(user, conversation_id, up_to=None):
    r = user.post(f"/api/messages/{conversation_id}/read", {} if up_to is None else {"upToMessageId": up_to})
    assert r.status_code == 200, r.text
    return r.json()


def mute(user, conversation_id, muted):
    return user.patch(f"/api/messages/{conversation_id}/settings", {"muted": muted})


# ---- read state -------------------------------------------------------------------------------

def test_read_state_lists_every_member_once(alice, bob, carol):
    gid = group(alice, bob, carol)
    body = read_state(bob, gid)
    assert [m["userId"] for m in body["members"]] == sorted([alice.id, bob.id, carol.id])
    # Nothing sent yet: nobody has read anything.
    assert all(m["lastReadMessageId"] is None for m in body["members"])


def test_seen_by_markers_move_after_reads(alice, bob, carol):
    gid = group(alice, bob, carol)
    m1 = send(alice, gid, "one")["id"]
    m2 = send(alice, gid, "two")["id"]
    # A sender has seen their own messages; the others nothing yet.
    assert markers(bob, gid) == {alice.id: m2, bob.id: None, carol.id: None}
    assert seen_by(bob, gid, m1) == {alice.id}

    mark_read(bob, gid, up_to=m1)
    state = {m["userId"]: m for m in read_state(carol, gid)["members"]}
    assert state[bob.id]["lastReadMessageId"] == m1 and state[bob.id]["lastReadAt"]
    assert seen_by(carol, gid, m1) == {alice.id, bob.id}
    assert seen_by(carol, gid, m2) == {alice.id}

    mark_read(carol, gid)
    assert seen_by(alice, gid, m2) == {alice.id, carol.id}

    # A reply from bob moves his marker to it (sending implies reading).
    m3 = send(bob, gid, "three")["id"]
    assert markers(alice, gid) == {alice.id: m2, bob.id: m3, carol.id: m2}
    assert seen_by(alice, gid, m3) == {bob.id}
    mark_read(alice, gid)
    assert seen_by(carol, gid, m3) == {alice.id, bob.id}


def test_read_markers_never_move_backwards(alice, bob):
    did = direct(alice, bob)
    m1 = send(alice, did, "one")["id"]
    m2 = send(alice, did, "two")["id"]
    mark_read(bob, did, up_to=m2)
    first_at = {m["userId"]: m for m in read_state(alice, did)["members"]}[bob.id]["lastReadAt"]
    mark_read(bob, did, up_to=m1)
    after = {m["userId"]: m for m in read_state(alice, did)["members"]}[bob.id]
    assert after["lastReadMessageId"] == m2 and after["lastReadAt"] == first_at


def test_read_state_of_a_direct_conversation(alice, bob):
    did = direct(alice, bob)
    m = send(bob, did, "hi")["id"]
    assert markers(alice, did) == {alice.id: None, bob.id: m}
    mark_read(alice, did)
    assert markers(bob, did) == {alice.id: m, bob.id: m}


def test_removed_member_leaves_the_read_state_and_returns_when_re_added(alice, bob, carol):
    gid = group(alice, bob, carol)
    send(alice, gid, "one")
    mark_read(carol, gid)
    assert alice.delete(f"/api/messages/groups/{gid}/members/{carol.id}").status_code == 204
    assert set(markers(bob, gid)) == {alice.id, bob.id}
    assert_error(carol.get(f"/api/messages/{gid}/read-state"), 403, "forbidden")
    last = send(alice, gid, "two")["id"]
    assert alice.post(f"/api/messages/groups/{gid}/members", {"userIds": [carol.id]}).status_code == 200
    # Re-added members start with nothing unread.
    assert markers(carol, gid)[carol.id] == last
    assert conversation_of(carol, gid)["unreadCount"] == 0


def test_read_state_access(make_user):
    alice, bob, outsider = (make_user() for _ in range(3))
    did = direct(alice, bob)
    gid = group(alice, bob)
    assert_error(outsider.get(f"/api/messages/{did}/read-state"), 403, "forbidden")
    assert_error(outsider.get(f"/api/messages/{gid}/read-state"), 403, "forbidden")
    assert_error(alice.get(f"/api/messages/{MISSING_ID}/read-state"), 404, "conversation_not_found")
    assert_error(requests.get(BASE_URL + f"/api/messages/{did}/read-state", timeout=10), 401, "token_missing")


@pytest.mark.parametrize("bad", BAD_IDS)
def test_member_state_routes_reject_bad_ids(alice, bad):
    assert_error(alice.get(f"/api/messages/{bad}/read-state"), 400, "invalid_id")
    assert_error(alice.patch(f"/api/messages/{bad}/settings", {"muted": True}), 400, "invalid_id")


# ---- mute -------------------------------------------------------------------------------------

def test_mute_and_unmute(alice, bob):
    did = direct(alice, bob)
    assert conversation_of(alice, did)["muted"] is False
    r = mute(alice, did, True)
    assert r.status_code == 200, r.text
    assert r.json() == {"conversationId": did, "muted": True}
    assert conversation_of(alice, did)["muted"] is True
    # Mute is the caller's own: the other side is not muted.
    assert conversation_of(bob, did)["muted"] is False
    # Idempotent, then back.
    assert mute(alice, did, True).json() == {"conversationId": did, "muted": True}
    r = mute(alice, did, False)
    assert r.status_code == 200 and r.json() == {"conversationId": did, "muted": False}
    assert conversation_of(alice, did)["muted"] is False


def test_muted_group_still_counts_unread(alice, bob, carol):
    gid = group(alice, bob, carol)
    assert mute(bob, gid, True).status_code == 200
    for i in range(3):
        send(alice, gid, f"msg {i}")
    conv = conversation_of(bob, gid)
    assert conv["muted"] is True and conv["unreadCount"] == 3
    assert conversation_of(carol, gid)["muted"] is False
    # A muted member still talks and reads normally.
    send(bob, gid, "I muted you all, but hi")
    assert conversation_of(bob, gid)["unreadCount"] == 0


def test_mute_is_reset_when_a_member_leaves_and_is_re_added(alice, bob):
    gid = group(alice, bob)
    assert mute(bob, gid, True).status_code == 200
    assert bob.delete(f"/api/messages/groups/{gid}/members/me").status_code == 204
    assert_error(mute(bob, gid, False), 403, "forbidden")
    assert alice.post(f"/api/messages/groups/{gid}/members", {"userIds": [bob.id]}).status_code == 200
    assert conversation_of(bob, gid)["muted"] is False


def test_mute_ignores_unknown_fields(alice, bob):
    did = direct(alice, bob)
    r = alice.patch(f"/api/messages/{did}/settings", {"muted": True, "sound": "loud"})
    assert r.status_code == 200 and r.json()["muted"] is True


@pytest.mark.parametrize("body", [
    {}, {"muted": None}, {"muted": "true"}, {"muted": "false"}, {"muted": 1}, {"muted": 0}, {"muted": "yes"},
    {"muted": [True]}, {"muted": {"value": True}}, {"mute": True},
], ids=repr)
def test_muted_must_be_a_boolean(alice, bob, body):
    did = direct(alice, bob)
    assert_error(alice.patch(f"/api/messages/{did}/settings", body), 400, "validation_failed")
    assert conversation_of(alice, did)["muted"] is False


@pytest.mark.parametrize("raw", [b"", b"true", b"[true]", b"{muted: true}", b'{"muted": tru}'])
def test_settings_body_must_be_a_json_object(alice, bob, raw):
    did = direct(alice, bob)
    r = requests.patch(BASE_URL + f"/api/messages/{did}/settings", data=raw, timeout=10,
                       headers={**alice.headers, "Content-Type": "application/json"})
    assert_error(r, 400, "invalid_json")
    assert conversation_of(alice, did)["muted"] is False


def test_settings_body_must_be_json(alice, bob):
    did = direct(alice, bob)
    r = requests.patch(BASE_URL + f"/api/messages/{did}/settings", data="muted=true", timeout=10,
                       headers={**alice.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, 415, "unsupported_media_type")


def test_mute_access(make_user):
    alice, bob, carol, outsider = (make_user() for _ in range(4))
    did = direct(alice, bob)
    gid = group(alice, bob, carol)
    assert_error(mute(outsider, did, True), 403, "forbidden")
    assert_error(mute(outsider, gid, True), 403, "forbidden")
    assert alice.delete(f"/api/messages/groups/{gid}/members/{carol.id}").status_code == 204
    assert_error(mute(carol, gid, True), 403, "forbidden")
    assert_error(mute(alice, MISSING_ID, True), 404, "conversation_not_found")
    r = requests.patch(BASE_URL + f"/api/messages/{did}/settings", json={"muted": True}, timeout=10)
    assert_error(r, 401, "token_missing")
    assert conversation_of(alice, did)["muted"] is False and conversation_of(bob, did)["muted"] is False


def unread_count(user, conversation_id):
    listed = user.get("/api/messages/conversations?limit=100").json()["conversations"]
    return [c["unreadCount"] for c in listed if c["id"] == conversation_id][0]


def test_a_message_deleted_before_it_was_read_is_not_unread(alice, bob, clients):
    """A tombstone after the reader's marker counts nowhere: the list, the mark-read answer and
    the badge of the next push frame all leave it out."""
    conversation = direct(alice, bob)
    kept = send(alice, conversation, "kept")
    gone = send(alice, conversation, "gone")
    assert alice.delete(f"/api/messages/{gone['id']}").status_code in (200, 204)

    def unread():
        return unread_count(bob, conversation)
    assert unread() == 1
    b = clients(bob)
    later = send(alice, conversation, "later")
    frame = b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == later["id"])
    assert frame["h2ac"]["badge"]["conversation"] == 2
    assert bob.post(f"/api/messages/{conversation}/read", {"upToMessageId": kept["id"]}).json()["unreadCount"] == 1
    assert unread() == 1
    assert bob.post(f"/api/messages/{conversation}/read", {}).json()["unreadCount"] == 0
    assert unread() == 0


def test_a_delete_committing_while_the_reader_reads_is_not_unread(alice, bob):
    """Bob reads up to the first message while alice's delete of the second is committing. The
    interleaving that lost the tombstone is lined up deterministically: the delete runs in an open
    transaction (it holds bob's membership row, where it counts the tombstone), bob's read waits
    on it, then the delete commits. The tombstone must not count as unread."""
    conversation = direct(alice, bob)
    first = send(alice, conversation, "first")
    gone = send(alice, conversation, "gone")
    holder = OpenTransaction()
    try:
        holder.run(f"BEGIN; SELECT 1 FROM chat_delete_message({gone['id']}, {alice.id});")
        with ThreadPoolExecutor(max_workers=1) as pool:
            read = pool.submit(bob.post, f"/api/messages/{conversation}/read", {"upToMessageId": first["id"]})
            assert wait_until(lambda: lock_waiters("chat_mark_read") == 1, timeout=10)
            holder.run("COMMIT;")
            answer = read.result(timeout=20)
    finally:
        holder.close()
    assert answer.status_code == 200, answer.text
    assert answer.json()["unreadCount"] == 0
    assert unread_count(bob, conversation) == 0
    assert markers(bob, conversation)[bob.id] == first["id"]
