"""Tokens as a platform issues them, through nginx: RS256, ES256 and EdDSA keys from a JWKS fetched
over http, key rotation without a restart, and each rejection's 401 code (REST) and close code
(WebSocket). Nothing about keys or token contents reaches the logs."""
import glob
import json
import os
import time

import pytest
import requests

from conftest import BASE_URL, STACK_DIR, assert_error, make_jwt
from platform_idp import PlatformKey, b64, bearer, eventually, new_numeric_sub, new_sub, publish
from test_push_support import PushClient, extra_daemons  # noqa: F401  (fixture)


def me(token):
    return requests.get(BASE_URL + "/api/users/me", headers=bearer(token), timeout=10)


def accepted(token):
    r = me(token)
    return r if r.status_code == 200 else None


def code_of(token):
    r = me(token)
    assert r.status_code == 401, r.text
    return r.json()["error"]["code"]


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_each_platform_algorithm_signs_in(platform_keys, alg):
    key = platform_keys[alg]
    sub = new_sub()
    r = eventually(lambda: accepted(key.token({"sub": sub, "preferred_username": f"{alg}user", "name": f"An {alg} user"})))
    assert r, f"{alg} token never accepted"
    user = r.json()["user"]
    assert user["displayName"] == f"An {alg} user" and user["deactivated"] is False


def test_rotation_new_kid_picked_up_old_kept_until_removed(platform_keys):
    old = platform_keys["ES256"]
    sub = new_sub()
    old_token = old.token({"sub": sub, "name": "Rotating"})
    assert eventually(lambda: accepted(old_token))
    new = PlatformKey("ES256")
    new_token = new.token({"sub": sub})
    assert code_of(new_token) == "unknown_key"  # not published yet
    publish(*platform_keys.values(), new)
    try:
        # An unknown kid reloads the JWKS (at most once a second per process): no restart.
        assert eventually(lambda: accepted(new_token), timeout=6), "the new kid was never picked up"
        assert accepted(old_token), "the old kid must still work while it is published"
        # The old key leaves the JWKS: refused once the stack has re-read it (every 2 s in tests).
        publish(*[k for k in platform_keys.values() if k is not old], new)
        assert eventually(lambda: me(old_token).status_code == 401, timeout=8), "the removed kid was still accepted"
        assert code_of(old_token) == "unknown_key"
        assert accepted(new_token)
    finally:
        publish(*platform_keys.values())
    assert eventually(lambda: accepted(old_token), timeout=8)


def test_a_jwks_key_without_alg_gets_the_one_its_type_implies(platform_keys):
    key = PlatformKey("EdDSA")
    publish(*platform_keys.values(), key.jwk(include_alg=False))
    try:
        assert eventually(lambda: accepted(key.token({"sub": new_sub()})), timeout=6)
    finally:
        publish(*platform_keys.values())


def test_rejections_each_have_their_code(platform_keys, alice):
    rs, es = platform_keys["RS256"], platform_keys["ES256"]
    now = int(time.time())
    sub = new_sub()
    assert eventually(lambda: accepted(rs.token({"sub": sub})))
    cases = {
        "unknown_key": rs.token({"sub": sub}, kid="no-such-kid"),
        # header alg must be the key's: RS384 / none / HS256 under an RS256 kid are all refused
        "wrong_algorithm": rs.token({"sub": sub}, alg="RS384"),
        "bad_signature": PlatformKey("RS256", kid=rs.kid).token({"sub": sub}),
        "token_expired": rs.token({"sub": sub, "exp": now - 60}),
        "token_not_yet_valid": rs.token({"sub": sub, "nbf": now + 120}),
        "token_missing_expiry": rs.token({"sub": sub, "exp": None}),
        "wrong_issuer": rs.token({"sub": sub, "iss": "https://someone-else.test"}),
        "wrong_audience": rs.token({"sub": sub, "aud": "another-service"}),
        "token_malformed": "a.b.c",
    }
    for expected, token in cases.items():
        assert code_of(token) == expected, expected
    no_iss = rs.token({"sub": sub, "iss": None})
    assert code_of(no_iss) == "wrong_issuer"
    # alg confusion: the RSA public key used as an HMAC secret, under the RSA key's kid
    confused = make_jwt({"sub": sub, "exp": now + 600}, secret=json.dumps(rs.jwk()), header={"alg": "HS256", "kid": rs.kid})
    assert code_of(confused) == "wrong_algorithm"
    unsigned = f"{b64(json.dumps({'alg': 'none', 'kid': es.kid}).encode())}.{b64(json.dumps({'sub': sub, 'exp': now + 600}).encode())}."
    assert code_of(unsigned) == "wrong_algorithm"
    # every 401 says Bearer
    r = me(cases["token_expired"])
    assert_error(r, 401, "token_expired")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_nbf_and_exp_within_the_leeway_pass(platform_keys):
    rs = platform_keys["RS256"]
    now = int(time.time())
    sub = new_sub()
    assert eventually(lambda: accepted(rs.token({"sub": sub, "nbf": now + 1})))  # leeway 2 s in tests
    assert accepted(rs.token({"sub": sub, "exp": now - 1}))
    assert code_of(rs.token({"sub": sub, "exp": now - 30})) == "token_expired"


def test_audience_may_be_a_list(platform_keys):
    rs = platform_keys["RS256"]
    sub = new_sub()
    assert eventually(lambda: accepted(rs.token({"sub": sub, "aud": ["other", os.environ.get("MESSAGING_TEST_AUDIENCE")]})))
    assert code_of(rs.token({"sub": sub, "aud": ["other", "more"]})) == "wrong_audience"


@pytest.mark.parametrize("sub", ["+7", "07", "7.0", " 7", "0", "-7", "1e3", "", "99999999999999999999"])
def test_sub_must_be_canonical(platform_keys, sub):
    rs = platform_keys["RS256"]
    eventually(lambda: accepted(rs.token({"sub": new_sub()})))
    assert code_of(rs.token({"sub": sub})) == "invalid_subject"


def test_an_integer_sub_is_our_id(platform_keys, alice):
    rs = platform_keys["RS256"]
    r = eventually(lambda: accepted(rs.token({"sub": str(alice.id)})))
    assert r and r.json()["user"]["id"] == alice.id


def test_websocket_close_codes_for_platform_tokens(platform_keys):
    rs = platform_keys["RS256"]
    sub = new_numeric_sub()
    good = rs.token({"sub": sub, "name": "Socket"})
    assert eventually(lambda: accepted(good))
    c = PushClient(token=good)
    c.close()
    from websockets.exceptions import ConnectionClosed
    for token, code, reason in [(rs.token({"sub": sub, "exp": int(time.time()) - 60}), 4002, "token_expired"),
                                (rs.token({"sub": sub}, kid="nope"), 4001, "unknown_key"),
                                (rs.token({"sub": sub, "aud": "x"}), 4001, "wrong_audience")]:
        with pytest.raises(ConnectionClosed) as info:
            client = PushClient(token=token, expect_connected=False)
            for _ in range(5):
                client.recv(timeout=5)
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (code, reason)


def test_nothing_about_tokens_or_keys_is_logged(platform_keys):
    rs = platform_keys["RS256"]
    marker = "LogMarker" + new_sub().replace("-", "")
    sub = new_sub("logsub")
    tokens = [rs.token({"sub": sub, "name": marker}), rs.token({"sub": sub, "aud": "x", "name": marker}),
              rs.token({"sub": sub, "name": marker}, kid="kid" + marker)]
    for token in tokens:
        me(token)
    time.sleep(0.5)
    for path in glob.glob(os.path.join(STACK_DIR, "log", "*.log")):
        text = open(path, errors="replace").read()
        assert marker not in text, path
        assert sub not in text, path
        for token in tokens:
            assert token.split(".")[1] not in text and token.split(".")[2] not in text, path
        assert rs.jwk()["n"][:40] not in text, path


def test_unknown_kid_reloads_are_rate_limited(platform_keys, extra_daemons):
    """One daemon of its own, reloading at most every 30 s on unknown kids and never on a timer:
    the first unknown kid reloads the JWKS, a second one right after does not, so made-up kids
    cannot make it hammer the platform."""
    from websockets.exceptions import ConnectionClosed
    daemon = extra_daemons("ratelimit", env={"MESSAGING_JWKS_MIN_REFRESH_SECONDS": "30", "MESSAGING_JWKS_REFRESH_SECONDS": "3600"})
    rs = platform_keys["RS256"]
    sub = new_numeric_sub()
    assert eventually(lambda: accepted(rs.token({"sub": sub})))

    def close_code(token):
        with pytest.raises(ConnectionClosed) as info:
            client = PushClient(token=token, url=daemon.url, expect_connected=False)
            for _ in range(5):
                client.recv(timeout=5)
        return info.value.rcvd.code, info.value.rcvd.reason

    PushClient(token=rs.token({"sub": sub}), url=daemon.url).close()  # its keys are loaded
    late = PlatformKey("ES256")
    assert close_code(late.token({"sub": sub})) == (4001, "unknown_key")  # reloads: not published yet
    publish(*platform_keys.values(), late)
    try:
        # Published now, but this daemon reloaded a moment ago: it does not fetch again.
        assert close_code(late.token({"sub": sub})) == (4001, "unknown_key")
        # The pool's processes (1 s in tests) pick it up.
        assert eventually(lambda: accepted(late.token({"sub": sub})), timeout=6)
    finally:
        publish(*platform_keys.values())
