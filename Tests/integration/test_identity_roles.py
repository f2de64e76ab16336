"""Roles through nginx: staff from the token's roles claim, from the service API, or from
staff_user_ids, each opening the staff-only hook status; moderator stored and shown."""
import requests

from conftest import BASE_URL, assert_error
from platform_idp import bearer, eventually, new_sub


def status(token):
    return requests.get(BASE_URL + "/api/h2ac/status", headers=bearer(token), timeout=10)


def test_staff_from_the_roles_claim(platform_keys):
    rs = platform_keys["RS256"]
    sub = new_sub("role")
    staff_token = rs.token({"sub": sub, "roles": ["staff", "unknown-role"]})
    assert eventually(lambda: status(staff_token).status_code == 200)
    # the same user without the claim is not staff: roles from a token hold for that token
    assert_error(status(rs.token({"sub": sub})), 403, "staff_only")
    me = requests.get(BASE_URL + "/api/users/me", headers=bearer(staff_token), timeout=10).json()["user"]
    assert me["roles"] == ["staff"]
    # a space-separated claim works too
    assert status(rs.token({"sub": sub, "roles": "moderator staff"})).status_code == 200


def test_roles_from_the_service_api(platform_keys, service):
    sub = new_sub("role")
    assert service.put_user(sub, displayName="Future Staff").status_code == 201
    token = platform_keys["ES256"].token({"sub": sub})
    assert eventually(lambda: status(token).status_code == 403)
    assert service.put_user(sub, roles=["staff", "moderator"]).json()["user"]["roles"] == ["moderator", "staff"]
    assert status(token).status_code == 200  # the change reaches every process at once
    me = requests.get(BASE_URL + "/api/users/me", headers=bearer(token), timeout=10).json()["user"]
    assert me["roles"] == ["moderator", "staff"]
    assert service.put_user(sub, roles=[]).json()["user"]["roles"] == []
    assert_error(status(token), 403, "staff_only")


def test_staff_user_ids_still_count(staff, alice):
    assert staff.get("/api/h2ac/status").status_code == 200
    assert_error(alice.get("/api/h2ac/status"), 403, "staff_only")
