"""Authentication (401 for every kind of bad token) and the authorization matrix
(participant / non-participant 403 / nonexistent 404 / no token 401) for every endpoint."""
import base64
import json
import time

import pytest
import requests

from conftest import BASE_URL, admin, assert_error, direct, jwt_secret, make_jwt, send, with_platform_claims
from rest_helpers import history_of, snapshot


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(claims, alg="none"):
    header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{b64(json.dumps(with_platform_claims(claims)).encode())}."


def bad_tokens(user):
    now = int(time.time())
    good_claims = {"sub": str(user.id), "exp": now + 600}
    valid = make_jwt(good_claims)
    head, payload, sig = valid.split(".")
    return {
        "forged_wrong_secret": make_jwt(good_claims, secret="x" * 48),
        "expired": make_jwt({"sub": str(user.id), "exp": now - 60}),
        "alg_none": unsigned(good_claims),
        "alg_none_with_signature": unsigned(good_claims) + sig,
        "alg_none_capitalised": unsigned(good_claims, alg="None"),
        "nonexistent_user": make_jwt({"sub": "987654321", "exp": now + 600}),
        "sub_not_a_number": make_jwt({"sub": "alice", "exp": now + 600}),
        "sub_zero": make_jwt({"sub": "0", "exp": now + 600}),
        "sub_negative": make_jwt({"sub": f"-{user.id}", "exp": now + 600}),
        "no_exp": make_jwt({"sub": str(user.id)}),
        "no_sub": make_jwt({"exp": now + 600}),
        "tampered_payload": f"{head}.{b64(json.dumps({'sub': '1', 'exp': now + 600}).encode())}.{sig}",
        "truncated_signature": valid[:-4],
        "two_parts": f"{head}.{payload}",
        "garbage": "not-a-jwt",
        "empty_segments": "..",
        "binary": b64(b"\xff\xfe") + "." + b64(b"\x00") + "." + b64(b"\x01"),
    }


# Each bad token and the code its 401 names.
BAD_TOKEN_CODES = {
    "forged_wrong_secret": "bad_signature", "expired": "token_expired", "alg_none": "wrong_algorithm",
    "alg_none_with_signature": "wrong_algorithm", "alg_none_capitalised": "wrong_algorithm",
    # our own HS256 tokens never create users (only the platform's JWKS-signed ones do)
    "nonexistent_user": "unknown_user", "sub_not_a_number": "unknown_user",
    "sub_zero": "invalid_subject", "sub_negative": "invalid_subject", "no_exp": "token_missing_expiry",
    "no_sub": "invalid_subject", "tampered_payload": "bad_signature", "truncated_signature": "bad_signature",
    "two_parts": "token_malformed", "garbage": "token_malformed", "empty_segments": "token_malformed",
    "binary": "token_malformed"}
BAD_TOKEN_NAMES = sorted(BAD_TOKEN_CODES)


def get_list(headers):
    return requests.get(BASE_URL + "/api/messages/conversations", headers=headers, timeout=10)


def test_valid_token_works(alice):
    assert alice.get("/api/messages/conversations").status_code == 200
    hand_made = make_jwt({"sub": str(alice.id), "exp": int(time.time()) + 600})
    assert get_list({"Authorization": f"Bearer {hand_made}"}).status_code == 200
    # The scheme name is case-insensitive.
    assert get_list({"Authorization": f"bearer {alice.token}"}).status_code == 200


@pytest.mark.parametrize("name", BAD_TOKEN_NAMES)
def test_bad_tokens_are_401(alice, name):
    token = bad_tokens(alice)[name]
    r = get_list({"Authorization": f"Bearer {token}"})
    assert_error(r, 401, BAD_TOKEN_CODES[name])
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")


@pytest.mark.parametrize("header,code", [(None, "token_missing"), ("", "token_missing"), ("Bearer", "token_missing"),
                                         ("Bearer ", "token_missing"), ("Basic dXNlcjpwYXNz", "token_missing"),
                                         ("Token abc", "token_missing"), ("Bearer a b c", "token_malformed")])
def test_missing_or_malformed_authorization_header_is_401(header, code):
    headers = {} if header is None else {"Authorization": header}
    r = get_list(headers)
    assert_error(r, 401, code)
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")


def test_admin_token_with_ttl(alice):
    token = admin("token", "--user", str(alice.id), "--ttl", "120")
    assert get_list({"Authorization": f"Bearer {token}"}).status_code == 200


def test_health_needs_no_token():
    r = requests.get(BASE_URL + "/api/health", timeout=10)
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "up"}


# ---- the authorization matrix -----------------------------------------------------------------

MISSING = 987654321


def endpoint_calls(cid, mid):
    """Every conversation- or message-scoped endpoint: (name, method, path, body)."""
    return [
        ("history", "GET", f"/api/messages/{cid}", None),
        ("send", "POST", f"/api/messages/{cid}", {"content": "hi"}),
        ("read", "POST", f"/api/messages/{cid}/read", None),
        ("react", "POST", f"/api/messages/{mid}/reactions", {"emoji": "👍"}),
        ("unreact", "DELETE", f"/api/messages/{mid}/reactions/%F0%9F%91%8D", None),
    ]


def call(user_or_headers, method, path, body):
    headers = user_or_headers if isinstance(user_or_headers, dict) else user_or_headers.headers
    return requests.request(method, BASE_URL + path, headers=headers, json=body, timeout=10)


@pytest.fixture
def room(alice, bob):
    cid = direct(alice, bob)
    m = send(alice, cid, "seed")
    # Bob's reaction exists so that his DELETE succeeds.
    assert bob.post(f"/api/messages/{m['id']}/reactions", {"emoji": "👍"}).status_code == 201
    return cid, m["id"]


@pytest.mark.parametrize("index,expected", [(0, 200), (1, 201), (2, 200), (3, 200), (4, 204)])
def test_matrix_participant_allowed(room, bob, index, expected):
    cid, mid = room
    name, method, path, body = endpoint_calls(cid, mid)[index]
    r = call(bob, method, path, body)
    assert r.status_code == expected, f"{name}: {r.status_code} {r.text}"


@pytest.mark.parametrize("index", range(5))
def test_matrix_non_participant_403_without_data(room, alice, carol, index):
    cid, mid = room
    before = snapshot(alice, cid)
    name, method, path, body = endpoint_calls(cid, mid)[index]
    r = call(carol, method, path, body)
    assert_error(r, 403, "forbidden")
    assert "seed" not in r.text
    assert snapshot(alice, cid) == before


@pytest.mark.parametrize("index,code", [(0, "conversation_not_found"), (1, "conversation_not_found"),
                                        (2, "conversation_not_found"), (3, "message_not_found"),
                                        (4, "message_not_found")])
def test_matrix_nonexistent_404(carol, index, code):
    name, method, path, body = endpoint_calls(MISSING, MISSING)[index]
    assert_error(call(carol, method, path, body), 404, code)


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize("who", ["no_token", "expired", "forged", "nonexistent_user"])
def test_matrix_unauthenticated_401_and_nothing_changes(room, alice, index, who):
    cid, mid = room
    now = int(time.time())
    headers = {
        "no_token": {},
        "expired": {"Authorization": "Bearer " + make_jwt({"sub": str(alice.id), "exp": now - 5})},
        "forged": {"Authorization": "Bearer " + make_jwt({"sub": str(alice.id), "exp": now + 600}, secret="y" * 40)},
        "nonexistent_user": {"Authorization": "Bearer " + make_jwt({"sub": str(MISSING), "exp": now + 600})},
    }[who]
    before = snapshot(alice, cid)
    name, method, path, body = endpoint_calls(cid, mid)[index]
    code = {"no_token": "token_missing", "expired": "token_expired", "forged": "bad_signature", "nonexistent_user": "unknown_user"}[who]
    assert_error(call(headers, method, path, body), 401, code)
    assert snapshot(alice, cid) == before


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/api/messages/conversations", None),
    ("POST", "/api/messages/conversations", {"participantId": 1}),
    ("POST", "/api/messages/groups", {"name": "g", "participantIds": [1]}),
])
def test_unscoped_endpoints_need_a_token(method, path, body):
    assert_error(call({}, method, path, body), 401, "token_missing")


def test_authentication_comes_before_id_and_body_checks():
    # No information about routes' inputs leaks to an anonymous caller.
    assert_error(call({}, "GET", "/api/messages/abc", None), 401, "token_missing")
    assert_error(call({}, "POST", "/api/messages/1", {"content": 5}), 401, "token_missing")


def test_history_after_forbidden_attempts_is_intact(room, alice):
    cid, _ = room
    assert [m["content"] for m in history_of(alice, cid)] == ["seed"]
