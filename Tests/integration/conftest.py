"""Fixtures for integration tests: a real stack (PostgreSQL, FastCGI pool, push daemon, nginx)
started by scripts/test.sh, reached only through nginx's loopback port.

Environment (set by scripts/test.sh): MESSAGING_BASE_URL, MESSAGING_CONFIG, MESSAGING_ADMIN (path
to the messaging-admin binary), MESSAGING_STACK_DIR, MESSAGING_ROOT.
"""
import base64
import hashlib
import hmac
import itertools
import json
import os
import subprocess
import time
import uuid

import pytest
import requests

BASE_URL = os.environ.get("MESSAGING_BASE_URL", "http://127.0.0.1:18080")
WS_URL = BASE_URL.replace("http://", "ws://") + "/ws/notifications"
CONFIG = os.environ.get("MESSAGING_CONFIG", "var/test/messaging.conf")
ADMIN = os.environ.get("MESSAGING_ADMIN", ".build/debug/messaging-admin")
ROOT = os.environ.get("MESSAGING_ROOT", os.getcwd())
STACK_DIR = os.environ.get("MESSAGING_STACK_DIR", os.path.join(ROOT, "var/test"))

_counter = itertools.count()


def admin(*args):
    """Runs messaging-admin against the test stack and returns its stdout."""
    out = subprocess.run([ADMIN, *args, "--config", CONFIG], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def jwt_secret():
    for line in open(CONFIG):
        if line.startswith("jwt_secret"):
            return line.split("=", 1)[1].strip()
    raise RuntimeError("no jwt_secret in " + CONFIG)


ISSUER = os.environ.get("MESSAGING_TEST_ISSUER")
AUDIENCE = os.environ.get("MESSAGING_TEST_AUDIENCE")


def with_platform_claims(claims):
    """The stack checks iss and aud (scripts/test.sh sets them): added unless the test set them;
    a claim set to None is left out."""
    full = {"iss": ISSUER, "aud": AUDIENCE, **claims}
    return {k: v for k, v in full.items() if v is not None}


def make_jwt(claims, secret=None, alg="HS256", header=None):
    """Builds an HS256 token by hand, for the forged/expired/odd-claim cases."""
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    claims = with_platform_claims(claims)
    header = b64(json.dumps(header or {"alg": alg, "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims).encode())
    key = (secret or jwt_secret()).encode()
    signature = b64(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


class User:
    def __init__(self, user_id, username, token):
        self.id = user_id
        self.username = username
        self.token = token

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path, **kw):
        return requests.get(BASE_URL + path, headers=self.headers, timeout=10, **kw)

    def post(self, path, body=None, **kw):
        return requests.post(BASE_URL + path, headers=self.headers, json=body, timeout=10, **kw)

    def put(self, path, body=None, **kw):
        return requests.put(BASE_URL + path, headers=self.headers, json=body, timeout=10, **kw)

    def patch(self, path, body=None, **kw):
        return requests.patch(BASE_URL + path, headers=self.headers, json=body, timeout=10, **kw)

    def delete(self, path, **kw):
        return requests.delete(BASE_URL + path, headers=self.headers, timeout=10, **kw)


def new_user(display_name=None):
    username = f"u{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    user_id = int(admin("user", "add", "--username", username, "--display-name", display_name or username))
    token = admin("token", "--user", str(user_id))
    return User(user_id, username, token)


@pytest.fixture
def make_user():
    return new_user


@pytest.fixture
def alice():
    return new_user("Alice")


@pytest.fixture
def bob():
    return new_user("Bob")


@pytest.fixture
def carol():
    return new_user("Carol")


STAFF_ID = int(os.environ.get("MESSAGING_TEST_STAFF_ID", "990000001"))


@pytest.fixture(scope="session")
def staff():
    """The user the test stack's `staff_user_ids` names (created on first use)."""
    out = subprocess.run([ADMIN, "user", "add", "--id", str(STAFF_ID), "--username", f"staff{STAFF_ID}",
                          "--display-name", "Staff", "--config", CONFIG], capture_output=True, text=True)
    assert out.returncode == 0 or "is taken" in out.stderr, out.stderr
    return User(STAFF_ID, f"staff{STAFF_ID}", admin("token", "--user", str(STAFF_ID)))


def direct(a, b):
    """The direct conversation id between a and b (created by a)."""
    r = a.post("/api/messages/conversations", {"participantId": b.id})
    assert r.status_code in (200, 201), r.text
    return r.json()["conversation"]["id"]


def send(user, conversation_id, content="hello", **extra):
    r = user.post(f"/api/messages/{conversation_id}", {"content": content, **extra})
    assert r.status_code == 201, r.text
    return r.json()["message"]


def assert_error(response, status, code=None):
    assert response.status_code == status, f"{response.status_code} {response.text}"
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body


def wait_until(predicate, timeout=5.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture(scope="session")
def platform_keys():
    """An RS256, an ES256 and an EdDSA key of "the platform", published in the JWKS the stack
    fetches. Tests that rotate keys publish these again when they finish."""
    from platform_idp import PlatformKey, publish
    keys = {alg: PlatformKey(alg) for alg in ("RS256", "ES256", "EdDSA")}
    publish(*keys.values())
    return keys


@pytest.fixture(scope="session")
def service_token():
    """A service token with the users:write scope (the platform backend's credential)."""
    return admin("service-token", "create", "--name", f"tests-{uuid.uuid4().hex[:8]}")


class Service:
    """The platform's backend calling the service API."""

    def __init__(self, token):
        self.headers = {"Authorization": f"Bearer {token}"}

    def put_user(self, sub, **fields):
        return requests.put(f"{BASE_URL}/api/service/users/{requests.utils.quote(sub, safe='')}", json=fields,
                            headers=self.headers, timeout=10)

    def post(self, path, body=None):
        return requests.post(BASE_URL + path, json=body, headers=self.headers, timeout=10)

    def get(self, path):
        return requests.get(BASE_URL + path, headers=self.headers, timeout=10)


@pytest.fixture
def service(service_token):
    return Service(service_token)
