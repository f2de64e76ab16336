"""Group administration (issue 5): adding, removing, promoting and demoting members, renaming and
changing the avatar, leaving; every permission (admin, member, removed member, outsider,
nonexistent group, direct conversation); the last-admin rule; what a removed (and re-added)
member can still see and do."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import BASE_URL, assert_error, direct, send, wait_until
from issue5_helpers import (BAD_IDS, MISSING_ID, OpenTransaction, conversation_ids, conversation_of, group,
                            history, lock_waiters, roles, roles_seen_by)


def members_path(gid, target=None):
    base = f"/api/messages/groups/{gid}/members"
    return base if target is None else f"{base}/{target}"


def add(actor, gid, *users):
    return actor.post(members_path(gid), {"userIds": [u.id for u in users]})


def remove(actor, gid, target):
    return actor.delete(members_path(gid, target if isinstance(target, (int, str)) else target.id))


def set_role(actor, gid, target, role):
    return actor.patch(members_path(gid, target if isinstance(target, (int, str)) else target.id), {"role": role})


def removed_member_is_locked_out(user, gid):
    """A former member: not in the list, no history, no sending, no reading, no read-state."""
    assert gid not in conversation_ids(user)
    assert_error(user.get(f"/api/messages/{gid}"), 403, "forbidden")
    assert_error(user.post(f"/api/messages/{gid}", {"content": "still here?"}), 403, "forbidden")
    assert_error(user.post(f"/api/messages/{gid}/read", {}), 403, "forbidden")
    assert_error(user.get(f"/api/messages/{gid}/read-state"), 403, "forbidden")
    assert_error(user.patch(f"/api/messages/{gid}/settings", {"muted": True}), 403, "forbidden")


# ---- adding members ---------------------------------------------------------------------------

def test_admin_adds_members(make_user):
    alice, bob, carol, dave = (make_user(n) for n in ("Alice", "Bob", "Carol", "Dave"))
    gid = group(alice, bob)
    before = send(alice, gid, "said before carol and dave joined")

    r = add(alice, gid, dave, carol)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"added", "conversation"}
    assert body["added"] == sorted([carol.id, dave.id])
    conv = body["conversation"]
    assert conv["id"] == gid and conv["type"] == "group"
    assert roles(conv) == {alice.id: "admin", bob.id: "member", carol.id: "member", dave.id: "member"}

    # The new members see the conversation, its earlier history, and can talk in it.
    for user in (carol, dave):
        assert gid in conversation_ids(user)
        assert before["id"] in [m["id"] for m in history(user, gid)]
    hello = send(carol, gid, "hi, I am new")
    assert hello["id"] in [m["id"] for m in history(bob, gid)]
    assert roles_seen_by(bob, gid) == roles(conv)


def test_new_member_starts_with_nothing_unread(alice, bob, carol):
    gid = group(alice, bob)
    for i in range(3):
        send(alice, gid, f"old {i}")
    assert add(alice, gid, carol).status_code == 200
    assert conversation_of(carol, gid)["unreadCount"] == 0
    send(alice, gid, "new")
    assert conversation_of(carol, gid)["unreadCount"] == 1


def test_adding_existing_members_and_duplicates_adds_each_once(alice, bob, carol):
    gid = group(alice, bob)
    r = alice.post(members_path(gid), {"userIds": [bob.id, bob.id, alice.id]})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == []
    r = alice.post(members_path(gid), {"userIds": [carol.id, carol.id, bob.id]})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == [carol.id]
    assert sorted(roles(r.json()["conversation"])) == sorted([alice.id, bob.id, carol.id])


def test_adding_an_unknown_user_adds_nobody(alice, bob, carol):
    gid = group(alice, bob)
    r = alice.post(members_path(gid), {"userIds": [carol.id, MISSING_ID]})
    assert_error(r, 422, "unknown_user")
    assert str(MISSING_ID) in r.json()["error"]["message"]
    assert gid not in conversation_ids(carol)
    assert set(roles_seen_by(alice, gid)) == {alice.id, bob.id}


@pytest.mark.parametrize("body", [
    {}, {"userIds": None}, {"userIds": []}, {"userIds": "1"}, {"userIds": 1}, {"userIds": {"a": 1}},
    {"userIds": [0]}, {"userIds": [-3]}, {"userIds": ["1"]}, {"userIds": [1.5]}, {"userIds": [None]},
    {"userIds": [True]}, {"userIds": [[1]]}, {"userId": 1},
], ids=lambda b: repr(b))
def test_add_members_validation(alice, bob, body):
    gid = group(alice, bob)
    assert_error(alice.post(members_path(gid), body), 400, "validation_failed")
    assert set(roles_seen_by(alice, gid)) == {alice.id, bob.id}


def test_add_members_rejects_more_than_the_group_limit_in_one_request(alice, bob):
    gid = group(alice, bob)
    assert_error(alice.post(members_path(gid), {"userIds": list(range(1, 1002))}), 400, "validation_failed")


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1,2]", b'"userIds"', b"{"])
def test_add_members_body_must_be_a_json_object(alice, bob, raw):
    gid = group(alice, bob)
    r = requests.post(BASE_URL + members_path(gid), data=raw, timeout=10,
                      headers={**alice.headers, "Content-Type": "application/json"})
    assert_error(r, 400, "invalid_json")


def test_add_members_permissions(make_user):
    alice, bob, carol, dave, outsider = (make_user() for _ in range(5))
    gid = group(alice, bob, carol)
    # A member who is not an admin.
    assert_error(add(bob, gid, dave), 403, "admin_required")
    # A removed member.
    assert remove(alice, gid, carol).status_code == 204
    assert_error(add(carol, gid, dave), 403, "forbidden")
    # An outsider.
    assert_error(add(outsider, gid, dave), 403, "forbidden")
    # Nobody was added by any of these.
    assert set(roles_seen_by(alice, gid)) == {alice.id, bob.id}
    assert gid not in conversation_ids(dave)
    # A group that does not exist; a direct conversation.
    assert_error(add(alice, MISSING_ID, dave), 404, "conversation_not_found")
    did = direct(alice, bob)
    assert_error(add(alice, did, dave), 400, "not_a_group")
    assert did not in conversation_ids(dave)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_group_routes_reject_bad_conversation_ids(alice, bob, bad):
    assert_error(alice.post(f"/api/messages/groups/{bad}/members", {"userIds": [bob.id]}), 400, "invalid_id")
    assert_error(alice.delete(f"/api/messages/groups/{bad}/members/{bob.id}"), 400, "invalid_id")
    assert_error(alice.delete(f"/api/messages/groups/{bad}/members/me"), 400, "invalid_id")
    assert_error(alice.patch(f"/api/messages/groups/{bad}/members/{bob.id}", {"role": "admin"}), 400, "invalid_id")
    assert_error(alice.patch(f"/api/messages/groups/{bad}", {"name": "x"}), 400, "invalid_id")


@pytest.mark.parametrize("bad", BAD_IDS + ["you", "ME"])
def test_member_routes_reject_bad_user_ids(alice, bob, bad):
    gid = group(alice, bob)
    assert_error(alice.delete(members_path(gid, bad)), 400, "invalid_id")
    assert_error(alice.patch(members_path(gid, bad), {"role": "admin"}), 400, "invalid_id")
    assert set(roles_seen_by(alice, gid)) == {alice.id, bob.id}


def test_group_routes_require_authentication(alice, bob):
    gid = group(alice, bob)
    for method, path, body in [
        ("POST", members_path(gid), {"userIds": [bob.id]}),
        ("DELETE", members_path(gid, bob.id), None),
        ("DELETE", members_path(gid, "me"), None),
        ("PATCH", members_path(gid, bob.id), {"role": "admin"}),
        ("PATCH", f"/api/messages/groups/{gid}", {"name": "x"}),
    ]:
        r = requests.request(method, BASE_URL + path, json=body, timeout=10)
        assert_error(r, 401, "token_missing")
    assert roles_seen_by(alice, gid) == {alice.id: "admin", bob.id: "member"}


# ---- removing members and leaving -------------------------------------------------------------

def test_admin_removes_a_member(alice, bob, carol):
    gid = group(alice, bob, carol)
    send(bob, gid, "bob was here")
    r = remove(alice, gid, bob)
    assert r.status_code == 204, r.text
    assert r.content == b""
    removed_member_is_locked_out(bob, gid)
    # The others see the group without bob, and it goes on for them.
    assert roles_seen_by(alice, gid) == {alice.id: "admin", carol.id: "member"}
    assert roles_seen_by(carol, gid) == {alice.id: "admin", carol.id: "member"}
    send(carol, gid, "after bob")
    # Removing them again: they are not a member any more.
    assert_error(remove(alice, gid, bob), 404, "member_not_found")


def test_remove_member_permissions(make_user):
    alice, bob, carol, outsider = (make_user() for _ in range(4))
    gid = group(alice, bob, carol)
    assert_error(remove(bob, gid, carol), 403, "admin_required")
    assert_error(remove(bob, gid, alice), 403, "admin_required")
    assert_error(remove(outsider, gid, carol), 403, "forbidden")
    assert_error(remove(outsider, gid, "me"), 403, "forbidden")
    assert roles_seen_by(alice, gid) == {alice.id: "admin", bob.id: "member", carol.id: "member"}
    # A removed member can neither remove others nor "leave" again.
    assert remove(alice, gid, bob).status_code == 204
    assert_error(remove(bob, gid, carol), 403, "forbidden")
    assert_error(remove(bob, gid, "me"), 403, "forbidden")
    assert roles_seen_by(alice, gid) == {alice.id: "admin", carol.id: "member"}
    # Targets that are not members; a group that does not exist.
    assert_error(remove(alice, gid, outsider), 404, "member_not_found")
    assert_error(remove(alice, gid, MISSING_ID), 404, "member_not_found")
    assert_error(remove(alice, MISSING_ID, carol), 404, "conversation_not_found")
    assert_error(remove(alice, MISSING_ID, "me"), 404, "conversation_not_found")


def test_direct_conversations_have_no_members_to_manage(alice, bob):
    did = direct(alice, bob)
    assert_error(remove(alice, did, bob), 400, "not_a_group")
    assert_error(remove(alice, did, "me"), 400, "not_a_group")
    assert_error(remove(bob, did, bob.id), 400, "not_a_group")
    assert_error(set_role(alice, did, bob, "admin"), 400, "not_a_group")
    assert_error(alice.patch(f"/api/messages/groups/{did}", {"name": "renamed"}), 400, "not_a_group")
    # Nothing changed: both still in it.
    assert did in conversation_ids(alice) and did in conversation_ids(bob)
    send(bob, did, "still talking")


def test_direct_conversation_admin_actions_by_an_outsider_are_forbidden(alice, bob, carol):
    did = direct(alice, bob)
    assert_error(add(carol, did, carol), 403, "forbidden")
    assert_error(remove(carol, did, bob), 403, "forbidden")
    assert_error(set_role(carol, did, bob, "admin"), 403, "forbidden")
    assert_error(carol.patch(f"/api/messages/groups/{did}", {"name": "mine"}), 403, "forbidden")


def test_member_leaves_with_me(alice, bob, carol):
    gid = group(alice, bob, carol)
    r = remove(bob, gid, "me")
    assert r.status_code == 204, r.text
    removed_member_is_locked_out(bob, gid)
    assert roles_seen_by(alice, gid) == {alice.id: "admin", carol.id: "member"}


def test_member_leaves_with_own_id(alice, bob, carol):
    gid = group(alice, bob, carol)
    assert remove(carol, gid, carol).status_code == 204
    removed_member_is_locked_out(carol, gid)
    assert roles_seen_by(alice, gid) == {alice.id: "admin", bob.id: "member"}


def test_re_added_member_can_read_send_and_see_the_group_again(alice, bob, carol):
    gid = group(alice, bob, carol)
    first = send(bob, gid, "before removal")
    assert remove(alice, gid, bob).status_code == 204
    during = send(carol, gid, "while bob was away")
    removed_member_is_locked_out(bob, gid)

    r = add(alice, gid, bob)
    assert r.status_code == 200 and r.json()["added"] == [bob.id]
    assert gid in conversation_ids(bob)
    ids = [m["id"] for m in history(bob, gid)]
    assert first["id"] in ids and during["id"] in ids
    back = send(bob, gid, "I am back")
    assert back["id"] in [m["id"] for m in history(carol, gid)]
    assert bob.post(f"/api/messages/{gid}/read", {}).status_code == 200
    assert bob.get(f"/api/messages/{gid}/read-state").status_code == 200
    # Re-added as a plain member, whatever they were before.
    assert roles_seen_by(bob, gid)[bob.id] == "member"


def test_re_added_former_admin_comes_back_as_member(alice, bob, carol):
    gid = group(alice, bob, carol)
    assert set_role(alice, gid, bob, "admin").status_code == 200
    assert remove(alice, gid, bob).status_code == 204
    assert add(alice, gid, bob).status_code == 200
    assert roles_seen_by(alice, gid) == {alice.id: "admin", bob.id: "member", carol.id: "member"}
    assert_error(add(bob, gid, carol), 403, "admin_required")


# ---- the last-admin rule ----------------------------------------------------------------------

def test_last_admin_leaving_promotes_the_longest_standing_member(make_user):
    alice = make_user("Alice")
    bob = make_user("Bob")      # a lower user id than carol, but joins the group later
    carol = make_user("Carol")
    dave = make_user("Dave")
    gid = group(alice, carol)
    assert add(alice, gid, bob, dave).status_code == 200

    assert remove(alice, gid, "me").status_code == 204
    removed_member_is_locked_out(alice, gid)
    expected = {carol.id: "admin", bob.id: "member", dave.id: "member"}
    for user in (bob, carol, dave):
        assert roles_seen_by(user, gid) == expected
    # The new admin can act as one.
    assert add(carol, gid, alice).status_code == 200
    assert set_role(carol, gid, bob, "admin").status_code == 200


def test_last_admin_removing_themselves_by_id_also_hands_over(alice, bob, carol):
    gid = group(alice, bob)
    assert add(alice, gid, carol).status_code == 200
    assert remove(alice, gid, alice).status_code == 204
    assert roles_seen_by(bob, gid) == {bob.id: "admin", carol.id: "member"}


def test_admin_leaving_while_another_admin_remains_promotes_nobody(alice, bob, carol):
    gid = group(alice, bob, carol)
    assert set_role(alice, gid, carol, "admin").status_code == 200
    assert remove(alice, gid, "me").status_code == 204
    assert roles_seen_by(bob, gid) == {bob.id: "member", carol.id: "admin"}


def test_successive_admin_departures_always_leave_an_admin(make_user):
    users = [make_user() for _ in range(4)]
    gid = group(users[0], users[1])
    for u in users[2:]:
        assert add(users[0], gid, u).status_code == 200
    # Each admin in turn leaves; the next longest-standing member takes over each time.
    for i in range(3):
        assert remove(users[i], gid, "me").status_code == 204
        remaining = users[i + 1:]
        r = roles_seen_by(remaining[0], gid)
        assert set(r) == {u.id for u in remaining}
        assert r[remaining[0].id] == "admin"
        assert list(r.values()).count("admin") == 1


def test_last_member_leaving_empties_the_group(alice, bob):
    gid = group(alice, bob)
    assert remove(alice, gid, "me").status_code == 204
    assert roles_seen_by(bob, gid) == {bob.id: "admin"}
    assert remove(bob, gid, "me").status_code == 204
    assert gid not in conversation_ids(bob)
    assert_error(bob.get(f"/api/messages/{gid}"), 403, "forbidden")


# ---- roles ------------------------------------------------------------------------------------

def test_promote_and_demote(alice, bob, carol, make_user):
    dave = make_user()
    gid = group(alice, bob, carol)
    r = set_role(alice, gid, bob, "admin")
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"conversation"}
    assert roles(r.json()["conversation"]) == {alice.id: "admin", bob.id: "admin", carol.id: "member"}
    assert roles_seen_by(carol, gid)[bob.id] == "admin"
    # The new admin can do admin things.
    assert add(bob, gid, dave).status_code == 200
    assert bob.patch(f"/api/messages/groups/{gid}", {"name": "Bob's now"}).status_code == 200

    r = set_role(alice, gid, bob, "member")
    assert r.status_code == 200, r.text
    assert roles(r.json()["conversation"])[bob.id] == "member"
    assert_error(remove(bob, gid, dave), 403, "admin_required")
    assert_error(bob.patch(f"/api/messages/groups/{gid}", {"name": "no"}), 403, "admin_required")


def test_setting_the_same_role_is_a_no_op(alice, bob):
    gid = group(alice, bob)
    for target, role in ((bob, "member"), (alice, "admin")):
        r = set_role(alice, gid, target, role)
        assert r.status_code == 200, r.text
        assert roles(r.json()["conversation"]) == {alice.id: "admin", bob.id: "member"}


def test_demoting_the_last_admin_is_refused(alice, bob):
    gid = group(alice, bob)
    assert_error(set_role(alice, gid, alice, "member"), 409, "last_admin")
    assert_error(set_role(alice, gid, "me", "member"), 409, "last_admin")
    assert roles_seen_by(alice, gid) == {alice.id: "admin", bob.id: "member"}
    # With a second admin, stepping down works, and then the other is the last one.
    assert set_role(alice, gid, bob, "admin").status_code == 200
    r = set_role(alice, gid, "me", "member")
    assert r.status_code == 200, r.text
    assert roles(r.json()["conversation"]) == {alice.id: "member", bob.id: "admin"}
    assert_error(set_role(bob, gid, bob, "member"), 409, "last_admin")
    assert roles_seen_by(bob, gid) == {alice.id: "member", bob.id: "admin"}


def test_an_admin_may_demote_another_admin(alice, bob, carol):
    gid = group(alice, bob, carol)
    assert set_role(alice, gid, bob, "admin").status_code == 200
    r = set_role(bob, gid, alice, "member")
    assert r.status_code == 200, r.text
    assert roles(r.json()["conversation"]) == {alice.id: "member", bob.id: "admin", carol.id: "member"}


def test_set_role_permissions(make_user):
    alice, bob, carol, outsider = (make_user() for _ in range(4))
    gid = group(alice, bob, carol)
    assert_error(set_role(bob, gid, carol, "admin"), 403, "admin_required")
    assert_error(set_role(bob, gid, "me", "admin"), 403, "admin_required")
    assert_error(set_role(bob, gid, alice, "member"), 403, "admin_required")
    assert_error(set_role(outsider, gid, outsider, "admin"), 403, "forbidden")
    assert_error(set_role(outsider, gid, "me", "admin"), 403, "forbidden")
    assert remove(alice, gid, carol).status_code == 204
    assert_error(set_role(carol, gid, "me", "admin"), 403, "forbidden")
    assert roles_seen_by(alice, gid) == {alice.id: "admin", bob.id: "member"}
    assert_error(set_role(alice, gid, carol, "admin"), 404, "member_not_found")
    assert_error(set_role(alice, gid, outsider, "admin"), 404, "member_not_found")
    assert_error(set_role(alice, gid, MISSING_ID, "admin"), 404, "member_not_found")
    assert_error(set_role(alice, MISSING_ID, bob, "admin"), 404, "conversation_not_found")


@pytest.mark.parametrize("body", [
    {}, {"role": None}, {"role": ""}, {"role": "owner"}, {"role": "Admin"}, {"role": " admin"},
    {"role": 1}, {"role": True}, {"role": ["admin"]}, {"roles": "admin"},
], ids=lambda b: repr(b))
def test_set_role_validation(alice, bob, body):
    gid = group(alice, bob)
    assert_error(alice.patch(members_path(gid, bob.id), body), 400, "validation_failed")
    assert roles_seen_by(alice, gid) == {alice.id: "admin", bob.id: "member"}


def test_admin_demoted_while_their_request_waits_cannot_act_as_admin(make_user):
    """Alice demotes bob while bob's own admin action (demoting carol) is queued behind her on the
    group's lock. Whatever order the two are answered in, bob must not act as an admin after his
    demotion: his request is judged by his role when it runs, not when it arrived. The requests
    are lined up deterministically by a transaction holding the group's row lock."""
    alice, bob, carol = (make_user() for _ in range(3))
    gid = group(alice, bob, carol)
    for user in (bob, carol):
        assert set_role(alice, gid, user, "admin").status_code == 200
    holder = OpenTransaction()
    try:
        holder.run(f"BEGIN; SELECT 1 FROM chat_rooms WHERE id = {gid} FOR UPDATE;")
        with ThreadPoolExecutor(max_workers=2) as pool:
            first = pool.submit(set_role, alice, gid, bob, "member")
            assert wait_until(lambda: lock_waiters("chat_set_role") == 1, timeout=10)
            second = pool.submit(set_role, bob, gid, carol, "member")
            assert wait_until(lambda: lock_waiters("chat_set_role") == 2, timeout=10)
            holder.run("COMMIT;")
            demote_bob, bob_acts = first.result(timeout=20), second.result(timeout=20)
    finally:
        holder.close()
    assert demote_bob.status_code == 200, demote_bob.text
    assert_error(bob_acts, 403, "admin_required")
    assert roles_seen_by(carol, gid) == {alice.id: "admin", bob.id: "member", carol.id: "admin"}


# ---- name and avatar --------------------------------------------------------------------------

def test_rename_and_change_avatar(alice, bob):
    gid = group(alice, bob, name="Old name")
    path = f"/api/messages/groups/{gid}"

    r = alice.patch(path, {"name": "  Tango Tuesdays  "})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"conversation"}
    conv = r.json()["conversation"]
    assert conv["name"] == "Tango Tuesdays" and conv["avatar"] is None
    assert conversation_of(bob, gid)["name"] == "Tango Tuesdays"

    r = alice.patch(path, {"avatar": "https://img.example/t.png"})
    assert r.status_code == 200, r.text
    assert r.json()["conversation"]["avatar"] == "https://img.example/t.png"
    assert r.json()["conversation"]["name"] == "Tango Tuesdays"

    r = alice.patch(path, {"name": "Milongas", "avatar": "http://img.example/m.jpg"})
    assert r.status_code == 200, r.text
    conv = conversation_of(bob, gid)
    assert (conv["name"], conv["avatar"]) == ("Milongas", "http://img.example/m.jpg")

    # "avatar": null removes it and leaves the name alone.
    r = alice.patch(path, {"avatar": None})
    assert r.status_code == 200, r.text
    conv = conversation_of(bob, gid)
    assert (conv["name"], conv["avatar"]) == ("Milongas", None)


def test_group_name_of_100_characters_and_unicode(alice, bob):
    gid = group(alice, bob)
    for name in ("n" * 100, "Milongá São Paulo 東京 🎉"):
        r = alice.patch(f"/api/messages/groups/{gid}", {"name": name})
        assert r.status_code == 200, r.text
        assert conversation_of(bob, gid)["name"] == name


@pytest.mark.parametrize("body", [
    {}, {"name": None}, {"name": ""}, {"name": "   "}, {"name": 5}, {"name": ["x"]}, {"name": "n" * 101},
    {"name": "bad\u0001name"}, {"avatar": 5}, {"avatar": "ftp://img.example/x.png"}, {"avatar": "not a url"},
    {"avatar": "https://"}, {"avatar": "https://img.example/a b.png"}, {"name": "ok", "avatar": "javascript:alert(1)"},
    {"unrelated": "field"},
], ids=lambda b: repr(b)[:60])
def test_update_group_validation(alice, bob, body):
    gid = group(alice, bob, name="Unchanged")
    assert_error(alice.patch(f"/api/messages/groups/{gid}", body), 400, "validation_failed")
    conv = conversation_of(bob, gid)
    assert (conv["name"], conv["avatar"]) == ("Unchanged", None)


def test_update_group_permissions(make_user):
    alice, bob, carol, outsider = (make_user() for _ in range(4))
    gid = group(alice, bob, carol, name="Ours")
    path = f"/api/messages/groups/{gid}"
    assert_error(bob.patch(path, {"name": "Bob's"}), 403, "admin_required")
    assert_error(bob.patch(path, {"avatar": None}), 403, "admin_required")
    assert_error(outsider.patch(path, {"name": "Mine"}), 403, "forbidden")
    assert remove(alice, gid, carol).status_code == 204
    assert_error(carol.patch(path, {"name": "Carol's"}), 403, "forbidden")
    assert conversation_of(alice, gid)["name"] == "Ours"
    assert_error(alice.patch(f"/api/messages/groups/{MISSING_ID}", {"name": "x"}), 404, "conversation_not_found")


def test_unsupported_methods_on_group_routes(alice, bob):
    gid = group(alice, bob)
    r = alice.get(members_path(gid))
    assert r.status_code in (404, 405), r.text
    assert set(r.json()) == {"error"}
