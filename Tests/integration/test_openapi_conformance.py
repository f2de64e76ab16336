"""docs/openapi.yaml against the running API: the spec is a valid OpenAPI 3.1 document, every
request made here is answered with a status the spec documents for that operation and a body
that validates against the documented schema (objects are closed: an undocumented field fails),
and every documented status of every operation is actually produced (except 500 and 503, which
a healthy stack never answers). The last test checks that every operation of the spec was
exercised that way."""
import glob
import json
import os
import shutil
import subprocess
import time
import uuid
from collections import defaultdict
from urllib.parse import quote

import pytest
import requests
import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from conftest import BASE_URL, CONFIG, ROOT, admin, make_jwt, new_user, wait_until
from rest_helpers import fcgi_request, fcgi_socket_path, raw

SPEC_PATH = os.path.join(ROOT, "docs", "openapi.yaml")
UNTRIGGERABLE = {"500", "503"}
MISSING_ID = 9_000_000_000_000
# (template, method) of every operation whose documented statuses were all produced.
COVERED = set()

# Which rate-limit action each limited operation counts as (Sources/FCGIApp/RateLimitedRoutes.swift).
RATE_ACTIONS = {
    ("/api/messages/{id}", "post"): "send", ("/api/messages/conversations", "post"): "conversation",
    ("/api/messages/groups", "post"): "conversation", ("/api/messages/{messageId}/reactions", "post"): "react",
    ("/api/messages/{messageId}/reactions/{emoji}", "delete"): "react", ("/api/messages/{id}", "patch"): "edit",
    ("/api/messages/{id}", "delete"): "delete", ("/api/messages/{conversationId}/read", "post"): "read",
    ("/api/messages/groups/{conversationId}/members", "post"): "group_admin",
    ("/api/messages/groups/{conversationId}/members/{userId}", "delete"): "group_admin",
    ("/api/messages/groups/{conversationId}/members/{userId}", "patch"): "group_admin",
    ("/api/messages/groups/{conversationId}", "patch"): "group_admin", ("/api/messages/search", "get"): "search",
    ("/api/messages/groups/{conversationId}/retention", "put"): "group_admin",
    ("/api/users", "get"): "search",
}


@pytest.fixture(scope="module")
def spec():
    with open(SPEC_PATH) as f:
        return yaml.safe_load(f)


class Checker:
    def __init__(self, spec):
        self.spec = spec
        self.seen = defaultdict(set)

    def schema_for(self, template, method, status):
        operation = self.spec["paths"][template][method.lower()]
        responses = operation["responses"]
        assert status in responses, f"{method} {template}: status {status} is not documented"
        response = responses[status]
        if "$ref" in response:
            response = self.resolve(response["$ref"])
        return response

    def resolve(self, ref):
        node = self.spec
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node

    def validate(self, schema, instance, what):
        root = dict(schema)
        root["components"] = self.spec["components"]
        errors = sorted(OAS31Validator(root).iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, f"{what}: {errors[0].message} at {list(errors[0].path)}\n{json.dumps(instance)[:600]}"

    def check(self, template, method, response):
        status = str(response.status_code)
        documented = self.schema_for(template, method, status)
        what = f"{method} {template} -> {status}"
        if "content" not in documented:
            assert response.content == b"", f"{what}: expected no body"
        else:
            assert response.headers["Content-Type"].startswith("application/json"), what
            schema = documented["content"]["application/json"]["schema"]
            self.validate(schema, response.json(), what)
        for header in documented.get("headers", {}):
            assert header in response.headers, f"{what}: documented header {header} missing"
        self.seen[(template, method.lower())].add(status)
        return response

    def request_body_ok(self, template, method, body):
        """A body the test sends as valid must validate against the documented request schema."""
        schema = self.spec["paths"][template][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
        self.validate(schema, body, f"request {method} {template}")

    def produce_rate_limited(self, template, method):
        """The 429 of a rate-limited operation: a fresh user whose own limit for that kind of
        request is one per hour makes two requests (placeholder ids; the limit is checked before
        anything else), and the second is refused."""
        user = new_user("Limited")
        admin("rate-limit", "set", "--user", str(user.id), "--action", RATE_ACTIONS[(template, method.lower())], "--limit", "1/h:1")
        path = template.replace("{emoji}", quote("👍")).replace("{flow}", "group")
        for name in ("conversationId", "messageId", "id", "userId"):
            path = path.replace("{" + name + "}", "1")
        params = {"q": "milonga"} if method.lower() == "get" else None
        body = {} if method.upper() in ("POST", "PATCH", "PUT") else None
        call(user, method.upper(), path, body, params=params)
        self.check(template, method, call(user, method.upper(), path, body, params=params))

    def assert_covered(self, template, method):
        if "429" in self.spec["paths"][template][method.lower()]["responses"] and "429" not in self.seen[(template, method.lower())]:
            self.produce_rate_limited(template, method)
        documented = set(self.spec["paths"][template][method.lower()]["responses"]) - UNTRIGGERABLE
        missing = documented - self.seen[(template, method.lower())]
        assert not missing, f"{method} {template}: documented statuses never produced: {sorted(missing)}"
        COVERED.add((template, method.lower()))


@pytest.fixture
def api(spec):
    return Checker(spec)


def call(user, method, path, body=None, token=None, **kw):
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {user.token}"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, BASE_URL + path, json=body, headers=headers, timeout=10, **kw)


def too_large():
    return b'{"pad": "' + b"x" * 70000 + b'"}'


def test_the_spec_is_valid_openapi_3_1(spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for name in ("Conversation", "Participant", "Message", "ReactionSummary", "Error"):
        assert name in spec["components"]["schemas"]


def test_every_documented_error_example_is_the_error_shape(spec):
    checker = Checker(spec)
    checker.validate({"$ref": "#/components/schemas/Error"}, {"error": {"code": "not_found", "message": "No such endpoint."}}, "Error")
    with pytest.raises(AssertionError):
        checker.validate({"$ref": "#/components/schemas/Error"}, {"error": {"code": "x", "message": "m", "detail": "sql"}}, "Error")


def test_health(api):
    api.check("/api/health", "GET", requests.get(BASE_URL + "/api/health", timeout=10))
    api.assert_covered("/api/health", "get")


def test_conversations_list_and_open(api):
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    T = "/api/messages/conversations"
    body = {"participantId": bob.id}
    api.request_body_ok(T, "POST", body)
    api.check(T, "POST", call(alice, "POST", T, body))                                   # 201
    api.check(T, "POST", call(alice, "POST", T, body))                                   # 200
    cid = call(carol, "POST", T, {"participantId": alice.id}).json()["conversation"]["id"]
    call(carol, "POST", f"/api/messages/{cid}", {"content": "hi"})
    api.check(T, "POST", call(alice, "POST", T, {"participantId": alice.id}))           # 400 self
    api.check(T, "POST", call(alice, "POST", T, {"participantId": "x"}))                # 400 type
    api.check(T, "POST", call(None, "POST", T, body))                                    # 401
    api.check(T, "POST", raw("POST", T, too_large(), token=alice.token))                 # 413
    api.check(T, "POST", raw("POST", T, json.dumps(body), token=alice.token, content_type="text/plain"))  # 415
    api.check(T, "POST", call(alice, "POST", T, {"participantId": 987654321}))          # 422
    dave = new_user("Dave")
    call(dave, "POST", f"/api/users/{alice.id}/block")
    api.check(T, "POST", call(alice, "POST", T, {"participantId": dave.id}))            # 403 blocked
    api.assert_covered(T, "POST")

    page = api.check(T, "GET", call(alice, "GET", T, params={"limit": 1}))               # 200, with a lastMessage
    assert page.json()["nextCursor"]
    api.check(T, "GET", call(alice, "GET", T, params={"limit": 1, "cursor": page.json()["nextCursor"]}))
    api.check(T, "GET", call(alice, "GET", T))
    api.check(T, "GET", call(alice, "GET", T, params={"limit": 0}))                     # 400
    api.check(T, "GET", call(alice, "GET", T, params={"cursor": "nope"}))               # 400
    api.check(T, "GET", call(None, "GET", T))                                            # 401
    api.check(T, "GET", call(None, "GET", T, token=make_jwt({"sub": str(alice.id), "exp": int(time.time()) - 5})))
    api.assert_covered(T, "GET")


def test_groups(api):
    alice, bob = new_user("Alice"), new_user("Bob")
    T = "/api/messages/groups"
    body = {"name": "Team", "participantIds": [bob.id], "avatar": "https://cdn.example.com/t.png"}
    api.request_body_ok(T, "POST", body)
    api.check(T, "POST", call(alice, "POST", T, body))                                   # 201
    api.check(T, "POST", call(alice, "POST", T, {"name": "", "participantIds": [bob.id]}))  # 400
    api.check(T, "POST", call(None, "POST", T, body))                                    # 401
    api.check(T, "POST", raw("POST", T, too_large(), token=alice.token))                 # 413
    api.check(T, "POST", raw("POST", T, json.dumps(body), token=alice.token, content_type="text/plain"))  # 415
    api.check(T, "POST", call(alice, "POST", T, {"name": "x", "participantIds": [987654321]}))  # 422
    api.assert_covered(T, "POST")


def test_history_send_and_read(api):
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    cid = call(alice, "POST", "/api/messages/conversations", {"participantId": bob.id}).json()["conversation"]["id"]
    other = call(carol, "POST", "/api/messages/conversations", {"participantId": bob.id}).json()["conversation"]["id"]
    S = "/api/messages/{id}"
    path = f"/api/messages/{cid}"

    first_body = {"content": "hello", "clientMessageId": "conf-1"}
    api.request_body_ok(S, "POST", first_body)
    first = api.check(S, "POST", call(alice, "POST", path, first_body)).json()["message"]     # 201
    api.check(S, "POST", call(alice, "POST", path, first_body))                               # 200 retry
    media = {"content": "", "mediaUrl": "https://cdn.example.com/p.png", "mediaType": "image", "replyToId": first["id"]}
    api.request_body_ok(S, "POST", media)
    api.check(S, "POST", call(bob, "POST", path, media))
    for i in range(3):
        api.check(S, "POST", call(bob, "POST", path, {"content": f"m{i}"}))
    api.check(S, "POST", call(alice, "POST", path, {"content": ""}))                          # 400
    api.check(S, "POST", call(alice, "POST", path, {"content": "x" * 4001}))                  # 400 content_too_long
    api.check(S, "POST", call(None, "POST", path, {"content": "x"}))                          # 401
    api.check(S, "POST", call(alice, "POST", f"/api/messages/{other}", {"content": "x"}))    # 403
    blocked = call(alice, "POST", "/api/messages/conversations", {"participantId": carol.id}).json()["conversation"]["id"]
    call(carol, "POST", f"/api/users/{alice.id}/block")
    api.check(S, "POST", call(alice, "POST", f"/api/messages/{blocked}", {"content": "x"}))  # 403 blocked
    call(carol, "DELETE", f"/api/users/{alice.id}/block")
    api.check(S, "POST", call(alice, "POST", "/api/messages/987654321", {"content": "x"}))   # 404
    ac = call(alice, "POST", "/api/messages/conversations", {"participantId": carol.id}).json()["conversation"]["id"]
    api.check(S, "POST", call(alice, "POST", f"/api/messages/{ac}", first_body))              # 409
    api.check(S, "POST", raw("POST", path, too_large(), token=alice.token))                   # 413
    api.check(S, "POST", raw("POST", path, b"{}", token=alice.token, content_type="text/plain"))  # 415
    api.assert_covered(S, "POST")

    mid = first["id"]
    call(bob, "POST", f"/api/messages/{mid}/reactions", {"emoji": "👍"})
    page = api.check(S, "GET", call(alice, "GET", path, params={"limit": 2})).json()          # 200 with reactions/replies
    assert page["hasMore"]
    api.check(S, "GET", call(alice, "GET", path, params={"limit": 2, "before": page["nextBefore"]}))
    api.check(S, "GET", call(bob, "GET", path))
    api.check(S, "GET", call(alice, "GET", "/api/messages/abc"))                              # 400
    api.check(S, "GET", call(alice, "GET", path, params={"limit": 500}))                      # 400
    api.check(S, "GET", call(None, "GET", path))                                              # 401
    api.check(S, "GET", call(alice, "GET", f"/api/messages/{other}"))                        # 403
    api.check(S, "GET", call(alice, "GET", "/api/messages/987654321"))                       # 404
    api.assert_covered(S, "GET")

    R = "/api/messages/{conversationId}/read"
    api.request_body_ok(R, "POST", {"upToMessageId": mid})
    api.check(R, "POST", call(bob, "POST", f"{path}/read", {"upToMessageId": mid}))          # 200
    api.check(R, "POST", raw("POST", f"{path}/read", None, token=bob.token))                  # 200, no body
    empty = call(carol, "POST", "/api/messages/conversations", {"participantId": alice.id}).json()["conversation"]["id"]
    api.check(R, "POST", call(carol, "POST", f"/api/messages/{empty}/read"))                 # lastReadMessageId null
    api.check(R, "POST", call(bob, "POST", f"{path}/read", {"upToMessageId": "x"}))          # 400
    api.check(R, "POST", call(None, "POST", f"{path}/read"))                                  # 401
    api.check(R, "POST", call(alice, "POST", f"/api/messages/{other}/read"))                 # 403
    api.check(R, "POST", call(bob, "POST", f"{path}/read", {"upToMessageId": 987654321}))    # 404
    api.check(R, "POST", raw("POST", f"{path}/read", too_large(), token=bob.token))           # 413
    api.check(R, "POST", raw("POST", f"{path}/read", b"{}", token=bob.token, content_type="text/plain"))  # 415
    api.assert_covered(R, "POST")


def test_reactions(api):
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    cid = call(alice, "POST", "/api/messages/conversations", {"participantId": bob.id}).json()["conversation"]["id"]
    mid = call(alice, "POST", f"/api/messages/{cid}", {"content": "react"}).json()["message"]["id"]
    A = "/api/messages/{messageId}/reactions"
    path = f"/api/messages/{mid}/reactions"
    api.request_body_ok(A, "POST", {"emoji": "👨‍👩‍👧‍👦"})
    api.check(A, "POST", call(bob, "POST", path, {"emoji": "👨‍👩‍👧‍👦"}))                       # 201
    api.check(A, "POST", call(bob, "POST", path, {"emoji": "👨‍👩‍👧‍👦"}))                       # 200
    api.check(A, "POST", call(alice, "POST", path, {"emoji": "👨‍👩‍👧‍👦"}))
    api.check(A, "POST", call(bob, "POST", path, {"emoji": "ok"}))                           # 400
    api.check(A, "POST", call(None, "POST", path, {"emoji": "👍"}))                          # 401
    api.check(A, "POST", call(carol, "POST", path, {"emoji": "👍"}))                         # 403
    api.check(A, "POST", call(bob, "POST", "/api/messages/987654321/reactions", {"emoji": "👍"}))  # 404
    api.check(A, "POST", raw("POST", path, too_large(), token=bob.token))                     # 413
    api.check(A, "POST", raw("POST", path, b'{"emoji":"x"}', token=bob.token, content_type="text/plain"))  # 415
    # 409: a reaction on a deleted message (DELETE /api/messages/:messageId is another issue's endpoint).
    doomed = call(alice, "POST", f"/api/messages/{cid}", {"content": "doomed"}).json()["message"]["id"]
    if call(alice, "DELETE", f"/api/messages/{doomed}").status_code in (200, 204):
        api.check(A, "POST", call(bob, "POST", f"/api/messages/{doomed}/reactions", {"emoji": "👍"}))
    api.assert_covered(A, "POST")

    who = api.check(A, "GET", call(alice, "GET", path)).json()                                  # 200
    assert [(r["emoji"], r["count"], r["reacted"]) for r in who["reactions"]] == [("👨‍👩‍👧‍👦", 2, True)]
    assert [(u["id"], u["displayName"]) for u in who["reactions"][0]["users"]] == [(bob.id, "Bob"), (alice.id, "Alice")]
    api.check(A, "GET", call(bob, "GET", "/api/messages/abc/reactions"))                       # 400
    api.check(A, "GET", call(None, "GET", path))                                               # 401
    api.check(A, "GET", call(carol, "GET", path))                                              # 403
    api.check(A, "GET", call(bob, "GET", "/api/messages/987654321/reactions"))                 # 404
    api.assert_covered(A, "GET")

    D = "/api/messages/{messageId}/reactions/{emoji}"
    family = quote("👨‍👩‍👧‍👦", safe="")
    api.check(D, "DELETE", call(bob, "DELETE", f"{path}/{family}"))                           # 204
    api.check(D, "DELETE", call(bob, "DELETE", f"{path}/{family}"))                           # 404 reaction_not_found
    api.check(D, "DELETE", call(bob, "DELETE", f"{path}/abc"))                                # 400
    api.check(D, "DELETE", call(None, "DELETE", f"{path}/{family}"))                          # 401
    api.check(D, "DELETE", call(carol, "DELETE", f"{path}/{family}"))                         # 403
    api.assert_covered(D, "DELETE")


def test_app_side_413_conforms(api):
    if not fcgi_socket_path():
        pytest.skip("the pool does not listen on a unix socket")
    status, headers, body = fcgi_request("POST", "/api/messages/1", {"CONTENT_TYPE": "application/json"}, too_large())
    assert status == 413
    api.validate({"$ref": "#/components/schemas/Error"}, json.loads(body), "app 413")


def test_errors_outside_operations_conform(api):
    """404 for unknown routes (app and nginx) and 405 (with Allow) have the documented Error shape."""
    user = new_user()
    err = {"$ref": "#/components/schemas/Error"}
    for r in (call(user, "GET", "/api/nothing"), call(user, "GET", "/elsewhere"),
              call(user, "PUT", "/api/messages/conversations"), call(None, "POST", "/api/health")):
        assert r.status_code in (404, 405)
        api.validate(err, r.json(), f"{r.request.method} {r.url}")
        if r.status_code == 405:
            assert r.headers["Allow"]


# ---- group administration, edits, search, member state, H2AC, presence ---------------------

def direct_id(a, b):
    return call(a, "POST", "/api/messages/conversations", {"participantId": b.id}).json()["conversation"]["id"]


def group_id(admin, *members):
    r = call(admin, "POST", "/api/messages/groups", {"name": "G " + uuid.uuid4().hex[:8], "participantIds": [m.id for m in members]})
    assert r.status_code == 201, r.text
    return r.json()["conversation"]["id"]


def psql(sql):
    binary = next((c for c in reversed(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql")) + [shutil.which("psql") or ""])
                   if c and os.path.exists(c)), None)
    if binary is None:
        pytest.skip("psql is not installed")
    url = next(line.split("=", 1)[1].strip() for line in open(CONFIG) if line.split("=", 1)[0].strip() == "database_url")
    out = subprocess.run([binary, url, "-v", "ON_ERROR_STOP=1", "-qAtX", "-c", sql], check=True, capture_output=True, text=True, timeout=60)
    return out.stdout.split()


def test_group_update(api):
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    gid = group_id(alice, bob)
    T = "/api/messages/groups/{conversationId}"
    path = f"/api/messages/groups/{gid}"
    for body in ({"name": "Renamed"}, {"avatar": "https://cdn.example.com/g.png"}, {"avatar": None}, {"name": " Both ", "avatar": "http://x.example/a"}):
        api.request_body_ok(T, "PATCH", body)
        api.check(T, "PATCH", call(alice, "PATCH", path, body))                               # 200
    assert call(alice, "GET", "/api/messages/conversations").json()["conversations"][0]["name"] == "Both"
    api.check(T, "PATCH", call(alice, "PATCH", path, {}))                                      # 400 nothing to change
    api.check(T, "PATCH", call(alice, "PATCH", path, {"name": "  "}))                          # 400 empty name
    api.check(T, "PATCH", call(alice, "PATCH", path, {"avatar": "ftp://x"}))                   # 400 avatar
    api.check(T, "PATCH", call(alice, "PATCH", "/api/messages/groups/abc", {"name": "x"}))    # 400 invalid_id
    api.check(T, "PATCH", call(alice, "PATCH", f"/api/messages/groups/{direct_id(alice, carol)}", {"name": "x"}))  # 400 not_a_group
    api.check(T, "PATCH", call(None, "PATCH", path, {"name": "x"}))                            # 401
    api.check(T, "PATCH", call(bob, "PATCH", path, {"name": "x"}))                             # 403 admin_required
    api.check(T, "PATCH", call(carol, "PATCH", path, {"name": "x"}))                           # 403 forbidden
    api.check(T, "PATCH", call(alice, "PATCH", f"/api/messages/groups/{MISSING_ID}", {"name": "x"}))  # 404
    api.check(T, "PATCH", raw("PATCH", path, too_large(), token=alice.token))                  # 413
    api.check(T, "PATCH", raw("PATCH", path, b'{"name":"x"}', token=alice.token, content_type="text/plain"))  # 415
    api.assert_covered(T, "PATCH")


def test_group_retention(api):
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    gid = group_id(alice, bob)
    T = "/api/messages/groups/{conversationId}/retention"
    path = f"/api/messages/groups/{gid}/retention"
    for body in ({"days": 30}, {"days": None}):
        api.request_body_ok(T, "PUT", body)
        api.check(T, "PUT", call(alice, "PUT", path, body))                                    # 200
    api.check(T, "PUT", call(alice, "PUT", path, {}))                                          # 400 days missing
    api.check(T, "PUT", call(alice, "PUT", f"/api/messages/groups/{direct_id(alice, carol)}/retention", {"days": 1}))  # 400 not_a_group
    api.check(T, "PUT", call(None, "PUT", path, {"days": 1}))                                  # 401
    api.check(T, "PUT", call(bob, "PUT", path, {"days": 1}))                                   # 403 admin_required
    api.check(T, "PUT", call(carol, "PUT", path, {"days": 1}))                                 # 403 forbidden
    api.check(T, "PUT", call(alice, "PUT", f"/api/messages/groups/{MISSING_ID}/retention", {"days": 1}))  # 404
    api.check(T, "PUT", raw("PUT", path, too_large(), token=alice.token))                      # 413
    api.check(T, "PUT", raw("PUT", path, b'{"days":1}', token=alice.token, content_type="text/plain"))  # 415
    api.assert_covered(T, "PUT")


def test_group_members_add(api):
    alice, bob, carol, dave = new_user("Alice"), new_user("Bob"), new_user("Carol"), new_user("Dave")
    gid = group_id(alice, bob)
    T = "/api/messages/groups/{conversationId}/members"
    path = f"/api/messages/groups/{gid}/members"
    body = {"userIds": [carol.id, bob.id, carol.id]}
    api.request_body_ok(T, "POST", body)
    added = api.check(T, "POST", call(alice, "POST", path, body)).json()                      # 200
    assert added["added"] == [carol.id]
    assert api.check(T, "POST", call(alice, "POST", path, {"userIds": [bob.id]})).json()["added"] == []
    api.check(T, "POST", call(alice, "POST", path, {"userIds": []}))                            # 400 validation_failed
    api.check(T, "POST", raw("POST", path, None, token=alice.token))                             # 400 invalid_json (no body)
    api.check(T, "POST", call(alice, "POST", "/api/messages/groups/0/members", body))           # 400 invalid_id
    api.check(T, "POST", call(alice, "POST", f"/api/messages/groups/{direct_id(alice, dave)}/members", {"userIds": [carol.id]}))  # 400 not_a_group
    api.check(T, "POST", call(None, "POST", path, body))                                         # 401
    api.check(T, "POST", call(bob, "POST", path, {"userIds": [dave.id]}))                       # 403 admin_required
    api.check(T, "POST", call(dave, "POST", path, {"userIds": [dave.id]}))                      # 403 forbidden
    api.check(T, "POST", call(alice, "POST", f"/api/messages/groups/{MISSING_ID}/members", body))  # 404
    api.check(T, "POST", raw("POST", path, too_large(), token=alice.token))                     # 413
    api.check(T, "POST", raw("POST", path, json.dumps(body), token=alice.token, content_type="text/plain"))  # 415
    api.check(T, "POST", call(alice, "POST", path, {"userIds": [dave.id, 987654321]}))         # 422
    # 409 group_full: a group of 1000 (the creator and 999 others), then one more.
    tag = uuid.uuid4().hex[:10]
    ids = [int(x) for x in psql(f"INSERT INTO users (username, display_name) SELECT 'oafull_{tag}_' || g, 'Full ' || g "
                                   f"FROM generate_series(1, 999) g RETURNING id")]
    r = call(alice, "POST", "/api/messages/groups", {"name": "Full", "participantIds": ids})
    assert r.status_code == 201, r.text
    full = r.json()["conversation"]["id"]
    assert len(r.json()["conversation"]["participants"]) == 1000
    api.check(T, "POST", call(alice, "POST", f"/api/messages/groups/{full}/members", {"userIds": [dave.id]}))  # 409
    api.assert_covered(T, "POST")


def test_group_members_remove_and_role(api):
    alice, bob, carol, dave, erin = (new_user(n) for n in ("Alice", "Bob", "Carol", "Dave", "Erin"))
    gid = group_id(alice, bob, carol, dave)
    R = "/api/messages/groups/{conversationId}/members/{userId}"
    base = f"/api/messages/groups/{gid}/members"

    body = {"role": "admin"}
    api.request_body_ok(R, "PATCH", body)
    api.check(R, "PATCH", call(alice, "PATCH", f"{base}/{bob.id}", body))                      # 200
    api.check(R, "PATCH", call(alice, "PATCH", f"{base}/{bob.id}", body))                      # 200 unchanged
    api.check(R, "PATCH", call(bob, "PATCH", f"{base}/{bob.id}", {"role": "member"}))          # 200 demotes self
    api.check(R, "PATCH", call(alice, "PATCH", f"{base}/{bob.id}", {"role": "owner"}))         # 400
    api.check(R, "PATCH", call(alice, "PATCH", f"{base}/abc", body))                            # 400 invalid_id
    api.check(R, "PATCH", call(alice, "PATCH", f"/api/messages/groups/{direct_id(alice, erin)}/members/{erin.id}", body))  # 400 not_a_group
    api.check(R, "PATCH", call(None, "PATCH", f"{base}/{bob.id}", body))                       # 401
    api.check(R, "PATCH", call(bob, "PATCH", f"{base}/{carol.id}", body))                      # 403 admin_required
    api.check(R, "PATCH", call(erin, "PATCH", f"{base}/{carol.id}", body))                     # 403 forbidden
    api.check(R, "PATCH", call(alice, "PATCH", f"{base}/{erin.id}", body))                     # 404 member_not_found
    api.check(R, "PATCH", call(alice, "PATCH", f"/api/messages/groups/{MISSING_ID}/members/{bob.id}", body))  # 404
    api.check(R, "PATCH", call(alice, "PATCH", f"{base}/me", {"role": "member"}))              # 409 last_admin
    api.check(R, "PATCH", raw("PATCH", f"{base}/{bob.id}", too_large(), token=alice.token))   # 413
    api.check(R, "PATCH", raw("PATCH", f"{base}/{bob.id}", b'{"role":"admin"}', token=alice.token, content_type="text/plain"))  # 415
    api.assert_covered(R, "PATCH")

    api.check(R, "DELETE", call(bob, "DELETE", f"{base}/{carol.id}"))                          # 403 admin_required
    api.check(R, "DELETE", call(erin, "DELETE", f"{base}/me"))                                 # 403 forbidden
    api.check(R, "DELETE", call(alice, "DELETE", f"{base}/{carol.id}"))                        # 204 removed by an admin
    api.check(R, "DELETE", call(alice, "DELETE", f"{base}/{carol.id}"))                        # 404 member_not_found
    api.check(R, "DELETE", call(bob, "DELETE", f"{base}/me"))                                   # 204 leaving
    api.check(R, "DELETE", call(alice, "DELETE", f"{base}/x1"))                                 # 400 invalid_id
    api.check(R, "DELETE", call(alice, "DELETE", f"/api/messages/groups/{direct_id(alice, erin)}/members/me"))  # 400 not_a_group
    api.check(R, "DELETE", call(None, "DELETE", f"{base}/me"))                                  # 401
    api.check(R, "DELETE", call(alice, "DELETE", f"/api/messages/groups/{MISSING_ID}/members/me"))  # 404
    api.check(R, "DELETE", call(alice, "DELETE", f"{base}/me"))                                 # 204: the last admin leaves
    members = call(dave, "GET", f"/api/messages/{gid}/read-state").json()["members"]
    assert [m["userId"] for m in members] == [dave.id]
    api.assert_covered(R, "DELETE")


def test_message_edit_delete_and_versions(api):
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    cid = direct_id(alice, bob)
    gid = group_id(alice, bob)
    mid = call(alice, "POST", f"/api/messages/{cid}", {"content": "first"}).json()["message"]["id"]
    media = call(alice, "POST", f"/api/messages/{cid}", {"content": "caption", "mediaUrl": "https://cdn.example.com/p.png",
                                                          "mediaType": "image"}).json()["message"]["id"]
    call(bob, "POST", f"/api/messages/{mid}/reactions", {"emoji": "👍"})
    M = "/api/messages/{id}"
    api.request_body_ok(M, "PATCH", {"content": "second"})
    edited = api.check(M, "PATCH", call(alice, "PATCH", f"/api/messages/{mid}", {"content": "second"})).json()["message"]  # 200
    assert edited["editedAt"] and edited["reactions"][0]["emoji"] == "👍"
    api.check(M, "PATCH", call(alice, "PATCH", f"/api/messages/{mid}", {"content": "second"}))        # 200 unchanged
    api.check(M, "PATCH", call(alice, "PATCH", f"/api/messages/{media}", {"content": " "}))           # 200 caption removed
    api.check(M, "PATCH", call(alice, "PATCH", f"/api/messages/{mid}", {"content": ""}))              # 400 empty
    api.check(M, "PATCH", call(alice, "PATCH", f"/api/messages/{mid}", {"content": "x" * 4001}))      # 400 content_too_long
    api.check(M, "PATCH", call(alice, "PATCH", f"/api/messages/{mid}", {"content": 5}))               # 400 type
    api.check(M, "PATCH", call(alice, "PATCH", "/api/messages/abc", {"content": "x"}))                # 400 invalid_id
    api.check(M, "PATCH", call(None, "PATCH", f"/api/messages/{mid}", {"content": "x"}))              # 401
    api.check(M, "PATCH", call(bob, "PATCH", f"/api/messages/{mid}", {"content": "x"}))               # 403 not_sender
    api.check(M, "PATCH", call(carol, "PATCH", f"/api/messages/{mid}", {"content": "x"}))             # 403 forbidden
    api.check(M, "PATCH", call(alice, "PATCH", f"/api/messages/{MISSING_ID}", {"content": "x"}))      # 404
    api.check(M, "PATCH", raw("PATCH", f"/api/messages/{mid}", too_large(), token=alice.token))       # 413
    api.check(M, "PATCH", raw("PATCH", f"/api/messages/{mid}", b'{"content":"x"}', token=alice.token, content_type="text/plain"))  # 415

    H = "/api/messages/{messageId}/history"
    versions = api.check(H, "GET", call(bob, "GET", f"/api/messages/{mid}/history")).json()         # 200
    assert [v["content"] for v in versions["versions"]] == ["first"]
    api.check(H, "GET", call(alice, "GET", f"/api/messages/{media}/history"))
    api.check(H, "GET", call(alice, "GET", "/api/messages/0/history"))                              # 400
    api.check(H, "GET", call(None, "GET", f"/api/messages/{mid}/history"))                          # 401
    api.check(H, "GET", call(carol, "GET", f"/api/messages/{mid}/history"))                         # 403
    api.check(H, "GET", call(alice, "GET", f"/api/messages/{MISSING_ID}/history"))                  # 404

    api.check(M, "DELETE", call(bob, "DELETE", f"/api/messages/{mid}"))                             # 403 not_sender (direct)
    api.check(M, "DELETE", call(carol, "DELETE", f"/api/messages/{mid}"))                           # 403 forbidden
    tomb = api.check(M, "DELETE", call(alice, "DELETE", f"/api/messages/{mid}")).json()["message"]  # 200
    assert tomb["deleted"] and tomb["content"] is None and tomb["reactions"] == []
    api.check(M, "DELETE", call(alice, "DELETE", f"/api/messages/{mid}"))                           # 200 again
    bobs = call(bob, "POST", f"/api/messages/{gid}", {"content": "group"}).json()["message"]["id"]
    api.check(M, "DELETE", call(alice, "DELETE", f"/api/messages/{bobs}"))                          # 200 a group admin
    api.check(M, "DELETE", call(alice, "DELETE", "/api/messages/-1"))                               # 400
    api.check(M, "DELETE", call(None, "DELETE", f"/api/messages/{mid}"))                            # 401
    api.check(M, "DELETE", call(alice, "DELETE", f"/api/messages/{MISSING_ID}"))                    # 404
    api.check(M, "PATCH", call(alice, "PATCH", f"/api/messages/{mid}", {"content": "x"}))           # 409 message_deleted
    api.check(H, "GET", call(alice, "GET", f"/api/messages/{mid}/history"))                         # tombstone, no versions
    reply = call(bob, "POST", f"/api/messages/{cid}", {"content": "re", "replyToId": mid})
    assert reply.json()["message"]["replyTo"]["deleted"] is True
    api.check("/api/messages/{id}", "GET", call(bob, "GET", f"/api/messages/{cid}"))                # history with a tombstone
    api.assert_covered(M, "PATCH")
    api.assert_covered(M, "DELETE")
    api.assert_covered(H, "GET")


def test_search(api):
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    cid = direct_id(alice, bob)
    gid = group_id(alice, bob, carol)
    other = direct_id(bob, carol)
    term = "oa" + uuid.uuid4().hex[:10].translate(str.maketrans("0123456789", "ghijklmnop"))
    call(alice, "POST", f"/api/messages/{cid}", {"content": f"<b>{term}</b> & 'more'"})
    call(bob, "POST", f"/api/messages/{gid}", {"content": f"prefix {term}suffix"})
    call(bob, "POST", f"/api/messages/{gid}", {"content": "x" * 60 + f"in{term}" + "y" * 60})
    T = "/api/messages/search"
    page = api.check(T, "GET", call(alice, "GET", T, params={"q": term.upper(), "limit": 1})).json()  # 200, nextCursor
    assert page["results"][0]["rank"] == 2 and page["nextCursor"]
    assert page["results"][0]["snippet"] == f"&lt;b&gt;<mark>{term}</mark>&lt;/b&gt; &amp; &#39;more&#39;"
    assert page["results"][0]["conversation"] == {"id": cid, "type": "direct", "name": "Bob"}
    seen = page["results"]
    while page["nextCursor"]:
        page = api.check(T, "GET", call(alice, "GET", T, params={"q": term, "limit": 1, "cursor": page["nextCursor"]})).json()
        seen += page["results"]
    assert [r["rank"] for r in seen] == [2, 1, 0]
    assert seen[2]["snippet"].startswith("…") and seen[2]["snippet"].endswith("…")
    api.check(T, "GET", call(alice, "GET", T, params={"q": term, "conversationId": gid}))
    api.check(T, "GET", call(alice, "GET", T))                                                   # 400 no q
    api.check(T, "GET", call(alice, "GET", T, params={"q": "x" * 201}))                          # 400 too long
    api.check(T, "GET", call(alice, "GET", T, params={"q": term, "limit": 51}))                  # 400 invalid_limit
    api.check(T, "GET", call(alice, "GET", T, params={"q": term, "conversationId": "x"}))        # 400 invalid_id
    api.check(T, "GET", call(alice, "GET", T, params={"q": term, "cursor": "bad"}))              # 400 invalid_cursor
    api.check(T, "GET", call(None, "GET", T, params={"q": term}))                                # 401
    api.check(T, "GET", call(alice, "GET", T, params={"q": term, "conversationId": other}))      # 403
    api.check(T, "GET", call(alice, "GET", T, params={"q": term, "conversationId": MISSING_ID}))  # 404
    api.assert_covered(T, "GET")


def test_read_state_and_settings(api):
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    cid = direct_id(alice, bob)
    other = direct_id(bob, carol)
    call(alice, "POST", f"/api/messages/{cid}", {"content": "seen?"})
    R = "/api/messages/{conversationId}/read-state"
    state = api.check(R, "GET", call(bob, "GET", f"/api/messages/{cid}/read-state")).json()      # 200, bob has read nothing
    assert {m["userId"]: m["lastReadMessageId"] is None for m in state["members"]} == {alice.id: False, bob.id: True}
    call(bob, "POST", f"/api/messages/{cid}/read")
    api.check(R, "GET", call(bob, "GET", f"/api/messages/{cid}/read-state"))
    api.check(R, "GET", call(bob, "GET", "/api/messages/abc/read-state"))                       # 400
    api.check(R, "GET", call(None, "GET", f"/api/messages/{cid}/read-state"))                   # 401
    api.check(R, "GET", call(alice, "GET", f"/api/messages/{other}/read-state"))                # 403
    api.check(R, "GET", call(alice, "GET", f"/api/messages/{MISSING_ID}/read-state"))           # 404
    api.assert_covered(R, "GET")

    S = "/api/messages/{conversationId}/settings"
    path = f"/api/messages/{cid}/settings"
    api.request_body_ok(S, "PATCH", {"muted": True})
    api.check(S, "PATCH", call(bob, "PATCH", path, {"muted": True}))                             # 200
    muted = [c["muted"] for c in call(bob, "GET", "/api/messages/conversations").json()["conversations"] if c["id"] == cid]
    assert muted == [True]
    api.check(S, "PATCH", call(bob, "PATCH", path, {"muted": False}))
    api.check(S, "PATCH", call(bob, "PATCH", path, {"muted": "yes"}))                            # 400
    api.check(S, "PATCH", call(bob, "PATCH", path, {}))                                          # 400 missing
    api.check(S, "PATCH", call(None, "PATCH", path, {"muted": True}))                            # 401
    api.check(S, "PATCH", call(alice, "PATCH", f"/api/messages/{other}/settings", {"muted": True}))  # 403
    api.check(S, "PATCH", call(alice, "PATCH", f"/api/messages/{MISSING_ID}/settings", {"muted": True}))  # 404
    api.check(S, "PATCH", raw("PATCH", path, too_large(), token=bob.token))                      # 413
    api.check(S, "PATCH", raw("PATCH", path, b'{"muted":true}', token=bob.token, content_type="text/plain"))  # 415
    api.assert_covered(S, "PATCH")


def test_h2ac_guidance_and_status(api, staff):
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    direct_id(alice, bob)
    G = "/api/h2ac/guidance/{flow}"
    plain = api.check(G, "GET", call(alice, "GET", "/api/h2ac/guidance/direct")).json()          # 200
    assert [s["skip"] for s in plain["steps"][:2]] == [False, False]
    exists = api.check(G, "GET", call(alice, "GET", "/api/h2ac/guidance/direct", params={"participantId": bob.id})).json()
    assert [s["skip"] for s in exists["steps"][:2]] == [True, True]
    fresh = api.check(G, "GET", call(alice, "GET", "/api/h2ac/guidance/direct", params={"participantId": carol.id})).json()
    assert [s["skip"] for s in fresh["steps"][:2]] == [True, False]
    group = api.check(G, "GET", call(alice, "GET", "/api/h2ac/guidance/group")).json()
    assert [f["field"] for f in group["required"]] == ["name", "participantIds"]
    api.check(G, "GET", call(alice, "GET", "/api/h2ac/guidance/direct", params={"participantId": "me"}))  # 400
    api.check(G, "GET", call(None, "GET", "/api/h2ac/guidance/direct"))                             # 401
    api.check(G, "GET", call(alice, "GET", "/api/h2ac/guidance/broadcast"))                         # 404 unknown_flow
    api.assert_covered(G, "GET")

    S = "/api/h2ac/status"
    status = api.check(S, "GET", call(staff, "GET", S)).json()                                       # 200
    api.check(S, "GET", call(alice, "GET", S))                                                      # 403 staff_only
    assert [s["file"].rsplit("/", 1)[-1] for s in status["scripts"]] == ["guidance.lua", "notifications.lua"]
    api.check(S, "GET", call(None, "GET", S, token="not-a-token"))                                  # 401
    api.assert_covered(S, "GET")

    # nextSteps of the creation responses (schema checked by ConversationCreated above).
    created = call(alice, "POST", "/api/messages/conversations", {"participantId": carol.id}).json()
    assert created["nextSteps"]["steps"][0] == {"id": "open_conversation", "title": "Open the new conversation",
                                                "conversationId": created["conversation"]["id"]}
    again = call(alice, "POST", "/api/messages/conversations", {"participantId": carol.id}).json()
    assert again["nextSteps"]["steps"][0]["title"] == "Open the existing conversation"
    r = call(alice, "POST", "/api/messages/groups", {"participantIds": [bob.id]})
    api.check("/api/messages/groups", "POST", r)
    assert r.json()["error"]["message"] == "Please give the group a name."


def test_h2ac_preview(api, staff):
    alice = new_user("Alice")
    P = "/api/h2ac/preview"
    body = {"event": "new_message", "content": "¿Bailamos?", "senderName": "Alice",
            "recipient": {"focused": False, "muted": False, "unreadTotal": 3, "unreadInConversation": 1}}
    api.request_body_ok(P, "POST", body)
    shown = api.check(P, "POST", call(staff, "POST", P, body)).json()                                # 200
    assert shown["decision"]["toast"] == {"title": "Alice", "body": "¿Bailamos?"}
    assert shown["decision"]["badge"] == {"total": 3, "conversation": 1} and shown["usedBuiltin"] is False
    group = {"event": "reaction_added", "emoji": "🎉", "conversation": {"type": "group", "name": "Práctica"}}
    reacted = api.check(P, "POST", call(staff, "POST", P, group)).json()
    assert reacted["decision"]["toast"]["title"] == "Alice reacted 🎉 in Práctica"
    api.check(P, "POST", call(staff, "POST", P, {"event": "message_read"}))
    api.check(P, "POST", call(staff, "POST", P, {"event": "typing"}))                               # 400
    api.check(P, "POST", call(staff, "POST", P, {"event": "new_message", "recipient": {"muted": "no"}}))
    api.check(P, "POST", call(staff, "POST", P, {"event": "new_message", "content": "x" * 4001}))    # content_too_long
    api.check(P, "POST", call(None, "POST", P, body))                                               # 401
    api.check(P, "POST", call(alice, "POST", P, body))                                              # 403 staff_only
    api.check(P, "POST", raw("POST", P, too_large(), token=staff.token))                            # 413
    api.check(P, "POST", raw("POST", P, b'{"event":"new_message"}', token=staff.token, content_type="text/plain"))  # 415
    api.assert_covered(P, "POST")


def test_presence(api):
    from test_push_support import PushClient
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    direct_id(alice, bob)
    P = "/api/users/{userId}/presence"
    first = api.check(P, "GET", call(alice, "GET", f"/api/users/{bob.id}/presence")).json()          # 200, never seen
    assert first == {"userId": bob.id, "online": False, "lastSeenAt": None}
    client = PushClient(bob)
    try:
        assert wait_until(lambda: call(alice, "GET", f"/api/users/{bob.id}/presence").json()["online"], timeout=10)
        api.check(P, "GET", call(alice, "GET", f"/api/users/{bob.id}/presence"))                     # online
    finally:
        client.close()
    assert wait_until(lambda: call(alice, "GET", f"/api/users/{bob.id}/presence").json()["lastSeenAt"] is not None, timeout=10)
    api.check(P, "GET", call(alice, "GET", f"/api/users/{bob.id}/presence"))                         # offline, lastSeenAt
    api.check(P, "GET", call(carol, "GET", f"/api/users/{carol.id}/presence"))                       # oneself
    api.check(P, "GET", call(alice, "GET", "/api/users/me/presence"))                                # 400
    api.check(P, "GET", call(None, "GET", f"/api/users/{bob.id}/presence"))                          # 401
    api.check(P, "GET", call(alice, "GET", f"/api/users/{carol.id}/presence"))                       # 404 not visible
    api.check(P, "GET", call(alice, "GET", f"/api/users/{MISSING_ID}/presence"))                     # 404 unknown
    api.assert_covered(P, "GET")


def test_directory_and_profiles(api, platform_keys):
    from platform_idp import eventually, new_sub
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    direct_id(alice, bob)
    tag = "conf" + uuid.uuid4().hex[:8]
    sub = new_sub("conf")
    token = platform_keys["RS256"].token({"sub": sub, "preferred_username": tag, "name": tag.upper()})
    assert eventually(lambda: call(None, "GET", "/api/users/me", token=token).status_code == 200)
    U = "/api/users"
    first = api.check(U, "GET", call(alice, "GET", U, params={"q": "conf", "limit": 1})).json()          # 200
    if first["nextCursor"]:
        api.check(U, "GET", call(alice, "GET", U, params={"q": "conf", "limit": 1, "cursor": first["nextCursor"]}))
    api.check(U, "GET", call(alice, "GET", U, params={"q": tag}))
    api.check(U, "GET", call(alice, "GET", U, params={"q": ""}))                                         # 400
    api.check(U, "GET", call(None, "GET", U, params={"q": "x"}))                                          # 401
    api.assert_covered(U, "GET")
    M = "/api/users/me"
    api.check(M, "GET", call(alice, "GET", M))                                                           # 200
    api.check(M, "GET", call(None, "GET", M, token=token))
    api.check(M, "GET", call(None, "GET", M))                                                            # 401
    api.assert_covered(M, "GET")
    P = "/api/users/{userId}"
    api.check(P, "GET", call(alice, "GET", f"/api/users/{bob.id}"))                                      # 200 with presence
    api.check(P, "GET", call(alice, "GET", f"/api/users/{carol.id}"))                                    # 200 without
    api.check(P, "GET", call(alice, "GET", "/api/users/abc"))                                            # 400
    api.check(P, "GET", call(None, "GET", f"/api/users/{bob.id}"))                                       # 401
    api.check(P, "GET", call(alice, "GET", f"/api/users/{MISSING_ID}"))                                  # 404
    api.assert_covered(P, "GET")


def test_service_api(api, service_token):
    from conftest import admin
    from platform_idp import new_numeric_sub, new_sub
    reader = admin("service-token", "create", "--name", f"reader-{uuid.uuid4().hex[:6]}", "--scope", "users:read")
    user = new_user("Plain")
    sub = new_sub("conf")
    S = "/api/service/users/{sub}"
    body = {"username": "Conf User", "displayName": "Conf User", "avatar": "https://cdn.example.com/c.png", "roles": ["moderator"]}
    api.request_body_ok(S, "PUT", body)
    api.check(S, "PUT", call(None, "PUT", f"/api/service/users/{sub}", body, token=service_token))                # 201
    api.check(S, "PUT", call(None, "PUT", f"/api/service/users/{sub}", {"avatar": None}, token=service_token))    # 200
    api.check(S, "PUT", call(None, "PUT", f"/api/service/users/{sub}", {"roles": ["root"]}, token=service_token)) # 400
    api.check(S, "PUT", call(user, "PUT", f"/api/service/users/{sub}", body))                                     # 401 user token
    api.check(S, "PUT", call(None, "PUT", f"/api/service/users/{sub}", body))                                     # 401 none
    api.check(S, "PUT", call(None, "PUT", f"/api/service/users/{sub}", body, token=reader))                       # 403
    external_id = call(None, "GET", f"/api/service/users/{sub}", token=service_token).json()["user"]["id"]
    api.check(S, "PUT", call(None, "PUT", f"/api/service/users/{external_id}", body, token=service_token))        # 409
    api.assert_covered(S, "PUT")
    api.check(S, "GET", call(None, "GET", f"/api/service/users/{sub}", token=reader))                             # 200
    api.check(S, "GET", call(None, "GET", "/api/service/users/007", token=reader))                                # 400
    api.check(S, "GET", call(None, "GET", f"/api/service/users/{sub}", token="mts_nope"))                         # 401
    api.check(S, "GET", call(None, "GET", f"/api/service/users/{new_sub('none')}", token=reader))                 # 404
    api.assert_covered(S, "GET")
    B = "/api/service/users/bulk"
    bulk = {"users": [{"sub": new_sub("bulk"), "displayName": "Bulk One"}, {"sub": new_numeric_sub(), "username": "bulk_two"}]}
    api.request_body_ok(B, "POST", bulk)
    api.check(B, "POST", call(None, "POST", B, bulk, token=service_token))                                        # 200
    api.check(B, "POST", call(None, "POST", B, {"users": [{"sub": "+1"}]}, token=service_token))                  # 400
    api.check(B, "POST", call(user, "POST", B, bulk))                                                             # 401
    api.check(B, "POST", call(None, "POST", B, bulk, token=reader))                                               # 403
    api.check(B, "POST", call(None, "POST", B, {"users": [{"sub": str(external_id)}]}, token=service_token))      # 409
    api.assert_covered(B, "POST")
    for action in ("deactivate", "reactivate"):
        A = "/api/service/users/{sub}/" + action
        api.check(A, "POST", call(None, "POST", f"/api/service/users/{sub}/{action}", token=service_token))       # 200
        api.check(A, "POST", call(None, "POST", "/api/service/users/+1/" + action, token=service_token))          # 400
        api.check(A, "POST", call(user, "POST", f"/api/service/users/{sub}/{action}"))                            # 401
        api.check(A, "POST", call(None, "POST", f"/api/service/users/{sub}/{action}", token=reader))              # 403
        api.check(A, "POST", call(None, "POST", f"/api/service/users/{new_sub('none')}/{action}", token=service_token))  # 404
        api.assert_covered(A, "POST")


def with_role(role, name):
    user = new_user(name)
    admin("user", "upsert", "--sub", str(user.id), "--role", role)
    user.token = admin("token", "--user", str(user.id))
    return user


def test_blocks(api):
    alice, bob = new_user("Alice"), new_user("Bob")
    B = "/api/users/{userId}/block"
    api.check(B, "POST", call(alice, "POST", f"/api/users/{bob.id}/block"))                       # 201
    api.check(B, "POST", call(alice, "POST", f"/api/users/{bob.id}/block"))                       # 200
    api.check(B, "POST", call(alice, "POST", f"/api/users/{alice.id}/block"))                     # 400 self
    api.check(B, "POST", call(None, "POST", f"/api/users/{bob.id}/block"))                        # 401
    api.check(B, "POST", call(alice, "POST", f"/api/users/{MISSING_ID}/block"))                   # 422
    api.assert_covered(B, "POST")
    L = "/api/users/me/blocks"
    api.check(L, "GET", call(alice, "GET", L))                                                    # 200
    api.check(L, "GET", call(alice, "GET", L, params={"cursor": "x"}))                            # 400
    api.check(L, "GET", call(None, "GET", L))                                                     # 401
    api.assert_covered(L, "GET")
    api.check(B, "DELETE", call(alice, "DELETE", f"/api/users/{bob.id}/block"))                   # 204
    api.check(B, "DELETE", call(alice, "DELETE", f"/api/users/{bob.id}/block"))                   # 404
    api.check(B, "DELETE", call(alice, "DELETE", "/api/users/x/block"))                           # 400
    api.check(B, "DELETE", call(None, "DELETE", f"/api/users/{bob.id}/block"))                    # 401
    api.check(B, "DELETE", call(alice, "DELETE", f"/api/users/{MISSING_ID}/block"))               # 422
    api.assert_covered(B, "DELETE")


def test_reports_moderation_and_audit(api):
    alice, bob, carol = new_user("Alice"), new_user("Bob"), new_user("Carol")
    moderator, auditor = with_role("moderator", "Moderator"), with_role("admin", "Admin")
    cid = call(alice, "POST", "/api/messages/conversations", {"participantId": bob.id}).json()["conversation"]["id"]
    mine = call(alice, "POST", f"/api/messages/{cid}", {"content": "mine"}).json()["message"]
    theirs = call(bob, "POST", f"/api/messages/{cid}", {"content": "theirs"}).json()["message"]
    gone = call(bob, "POST", f"/api/messages/{cid}", {"content": "gone"}).json()["message"]
    call(bob, "DELETE", f"/api/messages/{gone['id']}")
    R = "/api/messages/{messageId}/report"
    body = {"reason": "harassment", "note": "rude"}
    api.request_body_ok(R, "POST", body)
    path = f"/api/messages/{theirs['id']}/report"
    first = api.check(R, "POST", call(alice, "POST", path, body)).json()["report"]                  # 201
    api.check(R, "POST", call(alice, "POST", path, {"reason": "spam"}))                            # 200
    api.check(R, "POST", call(alice, "POST", f"/api/messages/{mine['id']}/report", body))          # 400 own
    api.check(R, "POST", call(None, "POST", path, body))                                           # 401
    api.check(R, "POST", call(carol, "POST", path, body))                                          # 403
    api.check(R, "POST", call(alice, "POST", f"/api/messages/{MISSING_ID}/report", body))          # 404
    api.check(R, "POST", call(alice, "POST", f"/api/messages/{gone['id']}/report", body))          # 409
    api.check(R, "POST", raw("POST", path, too_large(), token=alice.token))                         # 413
    api.check(R, "POST", raw("POST", path, json.dumps(body), token=alice.token, content_type="text/plain"))  # 415
    api.assert_covered(R, "POST")

    Q = "/api/moderation/reports"
    page = api.check(Q, "GET", call(moderator, "GET", Q, params={"limit": 1})).json()               # 200
    if page["nextCursor"]:
        api.check(Q, "GET", call(moderator, "GET", Q, params={"limit": 100, "cursor": page["nextCursor"]}))
    api.check(Q, "GET", call(moderator, "GET", Q, params={"cursor": "-1"}))                        # 400
    api.check(Q, "GET", call(None, "GET", Q))                                                      # 401
    api.check(Q, "GET", call(alice, "GET", Q))                                                     # 403
    api.assert_covered(Q, "GET")

    D = "/api/moderation/reports/{reportId}/dismiss"
    other = call(bob, "POST", f"/api/messages/{cid}", {"content": "other"}).json()["message"]
    second = call(alice, "POST", f"/api/messages/{other['id']}/report", {"reason": "spam"}).json()["report"]
    dpath = f"/api/moderation/reports/{second['id']}/dismiss"
    api.request_body_ok(D, "POST", {"note": "fine"})
    api.check(D, "POST", raw("POST", dpath, too_large(), token=moderator.token))                   # 413
    api.check(D, "POST", raw("POST", dpath, b'{"note": "x"}', token=moderator.token, content_type="text/plain"))  # 415
    api.check(D, "POST", call(moderator, "POST", dpath, {"note": 5}))                              # 400
    api.check(D, "POST", call(None, "POST", dpath))                                                # 401
    api.check(D, "POST", call(alice, "POST", dpath))                                               # 403
    api.check(D, "POST", call(moderator, "POST", f"/api/moderation/reports/{MISSING_ID}/dismiss")) # 404
    api.check(D, "POST", call(moderator, "POST", dpath, {"note": "fine"}))                         # 200
    api.check(D, "POST", call(moderator, "POST", dpath))                                           # 409
    api.assert_covered(D, "POST")

    M = "/api/moderation/messages/{messageId}/remove"
    mpath = f"/api/moderation/messages/{theirs['id']}/remove"
    api.request_body_ok(M, "POST", {"reportId": first["id"], "note": "insult"})
    api.check(M, "POST", raw("POST", mpath, too_large(), token=moderator.token))                   # 413
    api.check(M, "POST", raw("POST", mpath, b"{}", token=moderator.token, content_type="text/plain"))  # 415
    api.check(M, "POST", call(moderator, "POST", mpath, {"reportId": "x"}))                        # 400
    api.check(M, "POST", call(None, "POST", mpath))                                                # 401
    api.check(M, "POST", call(alice, "POST", mpath))                                               # 403
    api.check(M, "POST", call(moderator, "POST", mpath, {"reportId": second["id"]}))               # 404 report of another message
    api.check(M, "POST", call(moderator, "POST", mpath, {"reportId": first["id"], "note": "insult"}))  # 200
    api.check(M, "POST", call(moderator, "POST", mpath))                                           # 409
    api.assert_covered(M, "POST")
    api.check("/api/messages/{id}", "GET", call(alice, "GET", f"/api/messages/{cid}"))             # history with the removal

    S = "/api/moderation/users/{userId}/suspend"
    spath = f"/api/moderation/users/{bob.id}/suspend"
    sbody = {"durationSeconds": 600, "reportId": first["id"], "note": "insults"}
    api.request_body_ok(S, "POST", sbody)
    api.check(S, "POST", raw("POST", spath, too_large(), token=moderator.token))                   # 413
    api.check(S, "POST", raw("POST", spath, json.dumps(sbody), token=moderator.token, content_type="text/plain"))  # 415
    api.check(S, "POST", call(moderator, "POST", spath, {"durationSeconds": -1}))                  # 400
    api.check(S, "POST", call(None, "POST", spath, sbody))                                         # 401
    api.check(S, "POST", call(alice, "POST", spath, sbody))                                        # 403 moderator_only
    api.check(S, "POST", call(moderator, "POST", f"/api/moderation/users/{auditor.id}/suspend", {"durationSeconds": 60}))  # 403
    api.check(S, "POST", call(moderator, "POST", f"/api/moderation/users/{carol.id}/suspend", sbody))  # 404 report
    api.check(S, "POST", call(moderator, "POST", f"/api/moderation/users/{MISSING_ID}/suspend", {"durationSeconds": 60}))  # 422
    api.check(S, "POST", call(moderator, "POST", spath, sbody))                                    # 200
    api.assert_covered(S, "POST")
    api.check("/api/messages/conversations", "GET", call(bob, "GET", "/api/messages/conversations"))  # 401 account_suspended
    api.check(S, "DELETE", call(moderator, "DELETE", spath))                                       # 204
    api.check(S, "DELETE", call(moderator, "DELETE", spath))                                       # 404
    api.check(S, "DELETE", call(moderator, "DELETE", "/api/moderation/users/0/suspend"))           # 400
    api.check(S, "DELETE", call(None, "DELETE", spath))                                            # 401
    api.check(S, "DELETE", call(alice, "DELETE", spath))                                           # 403
    api.check(S, "DELETE", call(moderator, "DELETE", f"/api/moderation/users/{MISSING_ID}/suspend"))  # 422
    api.assert_covered(S, "DELETE")

    A = "/api/admin/audit"
    page = api.check(A, "GET", call(auditor, "GET", A, params={"limit": 2})).json()                # 200
    api.check(A, "GET", call(auditor, "GET", A, params={"before": page["nextBefore"]}))
    api.check(A, "GET", call(auditor, "GET", A, params={"limit": 201}))                           # 400
    api.check(A, "GET", call(None, "GET", A))                                                      # 401
    api.check(A, "GET", call(moderator, "GET", A))                                                 # 403
    api.assert_covered(A, "GET")

    T = "/api/admin/conversations/{conversationId}/retention"
    tpath = f"/api/admin/conversations/{cid}/retention"
    api.request_body_ok(T, "PUT", {"days": 30})
    api.check(T, "PUT", call(auditor, "PUT", tpath, {"days": 30}))                                 # 200
    api.check(T, "PUT", call(auditor, "PUT", tpath, {"days": None}))                               # 200 cleared
    api.check(T, "PUT", call(auditor, "PUT", tpath, {"days": 0}))                                  # 400
    api.check(T, "PUT", call(None, "PUT", tpath, {"days": 30}))                                    # 401
    api.check(T, "PUT", call(moderator, "PUT", tpath, {"days": 30}))                               # 403
    api.check(T, "PUT", call(auditor, "PUT", f"/api/admin/conversations/{MISSING_ID}/retention", {"days": 30}))  # 404
    api.check(T, "PUT", raw("PUT", tpath, too_large(), token=auditor.token))                       # 413
    api.check(T, "PUT", raw("PUT", tpath, b'{"days": 1}', token=auditor.token, content_type="text/plain"))  # 415
    api.assert_covered(T, "PUT")


def test_every_operation_is_covered(spec, request):
    """Every operation of the spec had all its documented statuses produced by a test above."""
    here = {item.name for item in request.session.items if item.module is request.module}
    wanted = {name for name in dir(request.module) if name.startswith("test_") and name != request.node.name}
    if not wanted <= here:
        pytest.skip("only part of this module was selected")
    operations = {(path, method) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    assert operations - COVERED == set()
