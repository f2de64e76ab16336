"""Users come from the platform, through nginx: first-sight provisioning from a JWKS-signed token's
claims, profile updates from later claims (throttled), the service API with its own credential
(upsert, bulk upsert, deactivate, reactivate) and messaging-admin's equivalents, deactivation
closing live WebSockets at once, and user_updated frames to the user's contacts."""
import json
import re
import subprocess
import time
import uuid

import pytest
import requests

from conftest import ADMIN, BASE_URL, CONFIG, User, admin, assert_error, direct, send
from platform_idp import bearer, eventually, new_numeric_sub, new_sub
from rest_helpers import history_of
from test_push_support import PushClient, psql

USERNAME_RULE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def me(token):
    return requests.get(BASE_URL + "/api/users/me", headers=bearer(token), timeout=10)


def platform_user(key, sub=None, **claims):
    """A user provisioned on first sight of a platform token; returns (User, profile)."""
    sub = sub or new_sub()
    token = key.token({"sub": sub, **claims})
    r = eventually(lambda: (lambda resp: resp if resp.status_code == 200 else None)(me(token)))
    assert r, f"token for {sub} never accepted: {me(token).text}"
    profile = r.json()["user"]
    return User(profile["id"], profile["username"], token), profile


def test_first_sight_creates_the_user_from_claims(platform_keys):
    rs = platform_keys["RS256"]
    _, first = platform_user(rs, preferred_username="José García", name="José García 🌹", picture="https://cdn.test/jg.png")
    assert USERNAME_RULE.match(first["username"]) and first["username"].startswith("Jose_Garcia")
    assert first["displayName"] == "José García 🌹" and first["avatar"] == "https://cdn.test/jg.png"
    # the same claimed username again: a different, still valid username; the display name as given
    _, second = platform_user(rs, preferred_username="José García", name="Another José")
    assert USERNAME_RULE.match(second["username"]) and second["username"] != first["username"]
    assert second["displayName"] == "Another José"
    # a name in a script the username rule refuses, and no username claim at all
    _, cjk = platform_user(rs, preferred_username="田中", name="田中太郎")
    assert USERNAME_RULE.match(cjk["username"]) and cjk["displayName"] == "田中太郎"
    _, bare = platform_user(rs)
    assert USERNAME_RULE.match(bare["username"])


def test_a_canonical_integer_sub_becomes_our_id(platform_keys):
    sub = new_numeric_sub()
    user, profile = platform_user(platform_keys["ES256"], sub=sub, name="Numeric")
    assert profile["id"] == int(sub)


def test_our_own_hs256_tokens_never_create_users():
    from conftest import make_jwt
    r = me(make_jwt({"sub": new_numeric_sub(), "exp": int(time.time()) + 600, "name": "Nobody"}))
    assert_error(r, 401, "unknown_user")


def test_changed_claims_update_the_profile_at_most_once_per_interval(platform_keys, bob):
    rs = platform_keys["RS256"]
    sub = new_sub()
    user, profile = platform_user(rs, sub=sub, preferred_username="milonguero", name="Old Name")
    did = direct(bob, user)
    watcher = PushClient(user=bob)
    try:
        renamed = rs.token({"sub": sub, "preferred_username": "milonguero", "name": "New Name", "picture": "https://cdn.test/n.png"})
        # Within the interval (2 s in tests) the change waits...
        assert me(renamed).json()["user"]["displayName"] == "Old Name"
        time.sleep(2.5)
        # ...after it, the next request applies it, and contacts hear of it.
        assert eventually(lambda: me(renamed).json()["user"]["displayName"] == "New Name", timeout=6)
        frame = watcher.wait_for(lambda f: f["type"] == "user_updated" and f["user"]["id"] == user.id, timeout=5)
        assert frame["user"]["displayName"] == "New Name" and frame["user"]["avatar"] == "https://cdn.test/n.png"
        assert isinstance(frame["cursor"], int) and "conversationId" not in frame
        # every rendering shows the current profile
        participants = [p for c in bob.get("/api/messages/conversations").json()["conversations"] if c["id"] == did
                        for p in c["participants"]]
        assert {"id": user.id, "displayName": "New Name"}.items() <= next(p for p in participants if p["id"] == user.id).items()
    finally:
        watcher.close()


def test_service_api_refuses_anything_but_a_service_token(alice, service):
    path = f"/api/service/users/{new_sub()}"
    assert_error(requests.put(BASE_URL + path, json={"displayName": "x"}, timeout=10), 401, "service_token_required")
    assert_error(requests.put(BASE_URL + path, json={"displayName": "x"}, headers=alice.headers, timeout=10), 401, "service_token_required")
    assert_error(requests.put(BASE_URL + path, json={"displayName": "x"}, headers=bearer("mts_" + "A" * 43), timeout=10),
                 401, "invalid_service_token")
    # and a service token is not a user token
    assert_error(requests.get(BASE_URL + "/api/users/me", headers=service.headers, timeout=10), 401)
    # a revoked token stops at once
    name = f"revoked-{uuid.uuid4().hex[:6]}"
    token = admin("service-token", "create", "--name", name)
    assert requests.put(BASE_URL + path, json={"displayName": "ok"}, headers=bearer(token), timeout=10).status_code == 201
    admin("service-token", "revoke", "--name", name)
    assert_error(requests.put(BASE_URL + path, json={"displayName": "x"}, headers=bearer(token), timeout=10), 401, "invalid_service_token")
    assert name in admin("service-token", "list") and token not in admin("service-token", "list")


def test_service_upsert_one_and_many(service, platform_keys):
    sub = new_sub("svc")
    r = service.put_user(sub, username="Zoë Ñúñez", displayName="Zoë Ñúñez", avatar="https://cdn.test/z.png", roles=["moderator"])
    assert r.status_code == 201, r.text
    user = r.json()["user"]
    assert user["externalId"] == sub and user["username"].startswith("Zoe_Nunez") and user["roles"] == ["moderator"]
    r = service.put_user(sub, displayName="Zoë N.", avatar=None)
    assert r.status_code == 200 and r.json()["user"]["displayName"] == "Zoë N." and r.json()["user"]["avatar"] is None
    assert r.json()["user"]["roles"] == ["moderator"]  # roles untouched when not given
    # the user's platform token finds that same account
    assert eventually(lambda: me(platform_keys["RS256"].token({"sub": sub})).json().get("user", {}).get("id") == user["id"])
    # bad fields are 400 and change nothing
    assert_error(service.put_user(sub, displayName=""), 400, "validation_failed")
    assert_error(service.put_user(sub, roles=["root"]), 400, "validation_failed")
    assert_error(service.put_user(sub, avatar="javascript:alert(1)"), 400, "validation_failed")
    assert_error(service.put_user("007", displayName="x"), 400, "invalid_subject")
    assert service.get(f"/api/service/users/{sub}").json()["user"]["displayName"] == "Zoë N."
    # many at once: all or nothing
    subs = [new_sub("bulk") for _ in range(3)]
    numeric = new_numeric_sub()
    r = service.post("/api/service/users/bulk", {"users": [{"sub": s, "displayName": f"Bulk {i}"} for i, s in enumerate(subs)]
                                                 + [{"sub": numeric, "username": "bulk_numeric"}]})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["sub"] for x in results] == subs + [numeric] and all(x["created"] for x in results)
    assert results[-1]["id"] == int(numeric)
    bad = service.post("/api/service/users/bulk", {"users": [{"sub": new_sub("never"), "displayName": "ok"}, {"sub": "+1"}]})
    assert_error(bad, 400, "validation_failed")
    assert "users[1]" in bad.json()["error"]["message"]
    assert_error(service.post("/api/service/users/bulk", {"users": []}), 400, "validation_failed")


def test_the_largest_integer_sub_does_not_exhaust_our_ids(service):
    """Found by schemathesis: the platform's user 9223372036854775807 (a valid sub) moved our id
    sequence to its end, and every user created after it failed (SQLSTATE 2200H). Platform ids
    from 2^62 up no longer move it. (One below the largest: other tests use the largest as a
    user who does not exist.)"""
    r = service.put_user("9223372036854775806", displayName="Nearly the last id")
    assert r.status_code in (200, 201), r.text
    assert r.json()["user"]["id"] == 9223372036854775806
    assert int(admin("user", "add", "--username", f"after_{uuid.uuid4().hex[:8]}"))
    r = service.put_user(new_sub("after"), displayName="External after")
    assert r.status_code == 201, r.text


def test_an_integer_sub_never_reaches_a_user_known_by_another_sub(service):
    r = service.put_user(new_sub("ext"), displayName="External")
    taken = str(r.json()["user"]["id"])
    assert_error(service.put_user(taken, displayName="Impostor"), 409, "id_taken")


def test_deactivation_closes_live_sockets_and_rejects_tokens(platform_keys, service, bob):
    sub = new_sub("leaving")
    user, _ = platform_user(platform_keys["RS256"], sub=sub, preferred_username="leaving", name="Leaving Soon")
    did = direct(user, bob)
    kept = send(user, did, "a message that stays")
    live = PushClient(user=user)
    watcher = PushClient(user=bob)
    try:
        r = service.post(f"/api/service/users/{sub}/deactivate")
        assert r.status_code == 200 and r.json()["changed"] is True and r.json()["user"]["deactivated"] is True
        from websockets.exceptions import ConnectionClosed
        with pytest.raises(ConnectionClosed) as info:
            for _ in range(20):
                live.recv(timeout=5)
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (4003, "account_deactivated")
        # the very next request is refused, on REST and WebSocket alike
        assert_error(me(user.token), 401, "account_deactivated")
        assert_error(user.get("/api/messages/conversations"), 401, "account_deactivated")
        from websockets.exceptions import ConnectionClosed as Closed
        with pytest.raises(Closed) as again:
            c = PushClient(user=user, expect_connected=False)
            for _ in range(5):
                c.recv(timeout=5)
        assert again.value.rcvd.code == 4003
        # contacts hear of it; the messages stay, shown with the flag
        frame = watcher.wait_for(lambda f: f["type"] == "user_updated" and f["user"]["id"] == user.id, timeout=5)
        assert frame["user"]["deactivated"] is True
        message = next(m for m in history_of(bob, did) if m["id"] == kept["id"])
        assert message["content"] == "a message that stays" and message["sender"]["deactivated"] is True
        assert message["sender"]["displayName"] == "Leaving Soon"
        assert bob.get(f"/api/users/{user.id}").json()["user"]["deactivated"] is True
        found = bob.get("/api/users", params={"q": "Leaving Soon"}).json()["users"]
        assert user.id not in [u["id"] for u in found]
        # a second deactivation changes nothing
        assert service.post(f"/api/service/users/{sub}/deactivate").json()["changed"] is False
        # reactivated: back at once
        assert service.post(f"/api/service/users/{sub}/reactivate").json()["changed"] is True
        assert me(user.token).status_code == 200
        assert user.id in [u["id"] for u in bob.get("/api/users", params={"q": "Leaving Soon"}).json()["users"]]
    finally:
        live.close()
        watcher.close()
    assert_error(service.post(f"/api/service/users/{new_sub('nobody')}/deactivate"), 404, "not_found")


def test_admin_cli_user_operations(alice):
    sub = new_sub("cli")
    shown = admin("user", "upsert", "--sub", sub, "--username", "Cli User", "--display-name", "Cli User", "--role", "staff")
    assert '"externalId":"' + sub + '"' in shown.replace(" ", "") and "staff" in shown
    assert "Cli_User" in admin("user", "show", "--sub", sub)
    assert admin("user", "deactivate", "--sub", str(alice.id)) == f"deactivated user {alice.id}"
    assert_error(alice.get("/api/messages/conversations"), 401, "account_deactivated")
    assert admin("user", "reactivate", "--sub", str(alice.id)) == f"reactivated user {alice.id}"
    assert alice.get("/api/messages/conversations").status_code == 200
    out = subprocess.run([ADMIN, "user", "show", "--sub", "007", "--config", CONFIG], capture_output=True, text=True)
    assert out.returncode != 0 and "--sub" in out.stderr


def test_admin_cli_import(tmp_path):
    subs = [new_sub("imp"), new_sub("imp")]
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"users": [{"sub": subs[0], "username": "Importé", "displayName": "Importé"},
                                          {"sub": subs[1], "displayName": "Second", "roles": ["moderator"]}]}))
    lines = admin("user", "import", str(path)).splitlines()
    assert [line.split("\t")[0] for line in lines] == subs and all(line.endswith("created") for line in lines)
    assert admin("user", "import", str(path)).splitlines()[0].endswith("unchanged")
    assert '"roles":["moderator"]' in admin("user", "show", "--sub", subs[1]).replace(" ", "")
    path.write_text(json.dumps({"users": [{"sub": new_sub("imp"), "displayName": "ok"}, {"sub": "007"}]}))
    out = subprocess.run([ADMIN, "user", "import", str(path), "--config", CONFIG], capture_output=True, text=True)
    assert out.returncode != 0 and "users[1].sub" in out.stderr
