"""The user directory and profiles, through nginx: case- and accent-folded prefixes, contains for
scripts without spaces, best matches first, pagination without repeats, the caller's existing
direct conversation, presence only for those sharing a conversation, deactivated users left out."""
import random
import uuid

import pytest

from conftest import User, assert_error, direct
from platform_idp import new_sub


def tag():
    """Letters no other test's names start with, so results are this test's users only."""
    return "q" + "".join(random.choice("bcdfghjkmnpqrstvwxz") for _ in range(7))


def search(user, q, **params):
    r = user.get("/api/users", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return r.json()


def ids(page):
    return [u["id"] for u in page["users"]]


def make(service, username, display_name):
    r = service.put_user(new_sub("dir"), username=username, displayName=display_name)
    assert r.status_code == 201, r.text
    return r.json()["user"]["id"]


def test_prefix_accents_case_and_best_first(alice, service):
    t = tag()
    exact = make(service, t, f"{t.capitalize()} Exact")
    longer = make(service, f"{t}zz", "Someone")
    accented = make(service, f"x{t}", f"{t.capitalize()}é Ñúñez")
    inside = make(service, f"y{t}", f"Ana {t.capitalize()}ópolis")
    assert ids(search(alice, t)) == [exact, accented, longer, inside]
    # folded either way: upper case, accents in the query or not
    assert ids(search(alice, t.upper() + "E")) == [accented]
    assert ids(search(alice, t + "é ñu")) == [accented]
    assert ids(search(alice, t + "e nunez")) == [accented]
    # a later word of the display name is found too, after the names that start with the query
    assert ids(search(alice, t + "opolis")) == [inside]
    assert search(alice, "zzz" + t)["users"] == []
    user = search(alice, t)["users"][0]
    assert set(user) == {"id", "username", "displayName", "avatar", "deactivated", "directConversationId"}
    assert user["deactivated"] is False and user["directConversationId"] is None


def test_contains_for_scripts_without_spaces(alice, service):
    base = chr(0x4E00 + random.randrange(0x5000))
    name = base + "中太郎" + uuid.uuid4().hex[:4]
    uid = make(service, None, name)
    assert uid in ids(search(alice, base + "中"))           # prefix
    assert uid in ids(search(alice, "太郎" + name[4:]))  # inside the name
    assert uid in ids(search(alice, "中太"))
    kana = "タンゴ" + chr(0x30A1 + random.randrange(80)) + uuid.uuid4().hex[:3]
    kid = make(service, None, "ミロンガ" + kana)
    assert kid in ids(search(alice, kana))


def test_pagination_walks_every_match_once(alice, service):
    t = tag()
    made = {make(service, f"{t}{i:02d}", f"Page {i}") for i in range(7)}
    seen, cursor, pages = [], None, 0
    while pages < 10:
        page = search(alice, t, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += ids(page)
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 7 and set(seen) == made


def test_direct_conversation_and_self_and_deactivated(alice, service, platform_keys):
    t = tag()
    sub = new_sub("dir")
    r = service.put_user(sub, username=t + "bob", displayName="Dir Bob")
    other = r.json()["user"]
    # a conversation with a directory user: the result names it
    other_user = User(other["id"], other["username"], platform_keys["RS256"].token({"sub": sub}))
    did = direct(alice, other_user)
    found = search(alice, t)["users"]
    assert [(u["id"], u["directConversationId"]) for u in found] == [(other["id"], did)]
    # the caller is not listed
    assert search(other_user, t)["users"] == []
    # deactivated users are left out
    service.post(f"/api/service/users/{r.json()['user']['externalId']}/deactivate")
    assert search(alice, t)["users"] == []


@pytest.mark.parametrize("params,code", [({}, "invalid_query"), ({"q": "   "}, "invalid_query"), ({"q": "x" * 65}, "invalid_query"),
                                         ({"q": "a", "limit": "0"}, "invalid_limit"), ({"q": "a", "limit": "51"}, "invalid_limit"),
                                         ({"q": "a", "cursor": "bm9wZQ"}, "invalid_cursor")])
def test_bad_directory_queries(alice, params, code):
    assert_error(alice.get("/api/users", params=params), 400, code)


def test_profiles_and_presence_only_for_contacts(alice, bob, carol, staff):
    r = alice.get("/api/users/me")
    assert r.status_code == 200
    me = r.json()["user"]
    assert me["id"] == alice.id and me["roles"] == [] and set(me["presence"]) == {"online", "lastSeenAt"}
    direct(alice, bob)
    seen = alice.get(f"/api/users/{bob.id}").json()["user"]
    assert seen["id"] == bob.id and seen["presence"] is not None and "roles" not in seen
    stranger = alice.get(f"/api/users/{carol.id}").json()["user"]
    assert stranger["displayName"] == "Carol" and stranger["presence"] is None
    assert_error(alice.get("/api/users/987654321987"), 404, "not_found")
    assert_error(alice.get("/api/users/abc"), 400, "invalid_id")
