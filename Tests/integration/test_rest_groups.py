"""Group creation: POST /api/messages/groups."""
import pytest

from conftest import assert_error, send
from rest_helpers import conversations_of, history_of, snapshot


def create(user, body):
    return user.post("/api/messages/groups", body)


def test_create_group_roles_and_shape(alice, bob, carol):
    r = create(alice, {"name": "  Team  ", "participantIds": [bob.id, carol.id]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"conversation", "created", "nextSteps"} and body["created"] is True
    conv = body["conversation"]
    assert conv["type"] == "group"
    assert conv["name"] == "Team"  # trimmed
    assert conv["avatar"] is None
    assert conv["createdBy"] == alice.id
    roles = {p["id"]: p["role"] for p in conv["participants"]}
    assert roles == {alice.id: "admin", bob.id: "member", carol.id: "member"}
    assert conv["lastMessage"] is None and conv["unreadCount"] == 0
    # Every participant sees it.
    for user in (alice, bob, carol):
        assert [c["id"] for c in conversations_of(user)] == [conv["id"]]


def test_group_duplicates_and_creator_in_list_are_ignored(alice, bob):
    r = create(alice, {"name": "dups", "participantIds": [bob.id, bob.id, alice.id, bob.id]})
    assert r.status_code == 201, r.text
    roles = {p["id"]: p["role"] for p in r.json()["conversation"]["participants"]}
    assert roles == {alice.id: "admin", bob.id: "member"}
    assert len(r.json()["conversation"]["participants"]) == 2


def test_group_with_avatar_and_unknown_fields(alice, bob):
    r = create(alice, {"name": "pics", "participantIds": [bob.id], "avatar": "https://cdn.example.com/a.png", "color": "red"})
    assert r.status_code == 201, r.text
    assert r.json()["conversation"]["avatar"] == "https://cdn.example.com/a.png"


def test_two_groups_with_the_same_people_are_distinct(alice, bob):
    a = create(alice, {"name": "g", "participantIds": [bob.id]}).json()["conversation"]["id"]
    b = create(alice, {"name": "g", "participantIds": [bob.id]}).json()["conversation"]["id"]
    assert a != b


def test_group_members_can_talk(alice, bob, carol):
    gid = create(alice, {"name": "chat", "participantIds": [bob.id, carol.id]}).json()["conversation"]["id"]
    m1 = send(bob, gid, "hi all")
    m2 = send(carol, gid, "hey")
    assert [m["id"] for m in history_of(alice, gid)] == [m1["id"], m2["id"]]
    assert conversations_of(alice)[0]["unreadCount"] == 2


def test_unknown_user_rejects_the_whole_group(alice, bob):
    before_a, before_b = snapshot(alice), snapshot(bob)
    r = create(alice, {"name": "nope", "participantIds": [bob.id, 987654321]})
    assert_error(r, 422, "unknown_user")
    assert "987654321" in r.json()["error"]["message"]
    assert snapshot(alice) == before_a and snapshot(bob) == before_b


@pytest.mark.parametrize("body", [
    {},
    {"participantIds": [1]},                              # name missing
    {"name": "", "participantIds": [1]},
    {"name": "   ", "participantIds": [1]},
    {"name": 5, "participantIds": [1]},
    {"name": "x" * 101, "participantIds": [1]},
    {"name": "bad\u0007name", "participantIds": [1]},
    {"name": "g"},                                        # participantIds missing
    {"name": "g", "participantIds": []},
    {"name": "g", "participantIds": "1"},
    {"name": "g", "participantIds": [1, "2"]},
    {"name": "g", "participantIds": [0]},
    {"name": "g", "participantIds": [-1]},
    {"name": "g", "participantIds": [1.5]},
    {"name": "g", "participantIds": [None]},
    {"name": "g", "participantIds": list(range(1, 1001))},  # over the size limit
    {"name": "g", "participantIds": [1], "avatar": "ftp://example.com/a.png"},
    {"name": "g", "participantIds": [1], "avatar": "not a url"},
    {"name": "g", "participantIds": [1], "avatar": 7},
])
def test_group_validation(alice, bob, body):
    body = dict(body)
    if isinstance(body.get("participantIds"), list) and body["participantIds"] == [1]:
        body["participantIds"] = [bob.id]
    assert_error(create(alice, body), 400, "validation_failed")
    assert conversations_of(alice) == [] and conversations_of(bob) == []


def test_group_with_only_the_creator_is_rejected(alice):
    assert_error(create(alice, {"name": "me", "participantIds": [alice.id]}), 400, "validation_failed")
    assert conversations_of(alice) == []


def test_group_name_of_100_characters_is_accepted(alice, bob):
    r = create(alice, {"name": "ü" * 100, "participantIds": [bob.id]})
    assert r.status_code == 201, r.text
    assert r.json()["conversation"]["name"] == "ü" * 100
