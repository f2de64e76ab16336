"""Errors and bad input: one JSON error shape for malformed JSON, invalid UTF-8, wrong content type,
bodies over the limit (nginx and the app alike), non-numeric ids, unknown routes and methods.
Every rejected request leaves what is stored unchanged."""
import json
import os

import pytest
import requests

from conftest import BASE_URL, STACK_DIR, assert_error, direct, send, wait_until
from test_push_support import psql
from rest_helpers import fcgi_request, fcgi_socket_path, raw, snapshot

LIMIT = 65536  # nginx client_max_body_size 64k == app max_body_bytes


@pytest.fixture
def room(alice, bob):
    cid = direct(alice, bob)
    send(bob, cid, "before")
    return cid


MALFORMED = {
    "truncated": b'{"content": "hi"',
    "trailing_garbage": b'{"content": "hi"} x',
    "single_quotes": b"{'content': 'hi'}",
    "trailing_comma": b'{"content": "hi",}',
    "unquoted_key": b'{content: "hi"}',
    "bare_word": b"hello",
    "comment": b'{"content": "hi" /* c */}',
    "nan": b'{"content": NaN}',
    "lone_surrogate": b'{"content": "\\ud800"}',
    "bad_escape": b'{"content": "\\x41"}',
    "control_char_in_string": b'{"content": "a\x01b"}',
    "deep_nesting": b"[" * 1000 + b"]" * 1000,
    "whitespace_only": b"   ",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_json_is_400(alice, room, name):
    before = snapshot(alice, room)
    assert_error(raw("POST", f"/api/messages/{room}", MALFORMED[name], token=alice.token), 400, "invalid_json")
    assert snapshot(alice, room) == before


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null", b"true", b'[{"content": "hi"}]'])
def test_json_that_is_not_an_object_is_400(alice, room, body):
    before = snapshot(alice, room)
    assert_error(raw("POST", f"/api/messages/{room}", body, token=alice.token), 400, "invalid_json")
    assert snapshot(alice, room) == before


@pytest.mark.parametrize("body", [b'{"content": "caf\xe9"}', b'{"content": "\xff\xfe"}', b'{"content": "\xed\xa0\x80"}',
                                  b'{"content": "\xc0\xaf"}', b'{"content": "ok"}\xff'])
def test_invalid_utf8_is_400(alice, room, body):
    before = snapshot(alice, room)
    r = raw("POST", f"/api/messages/{room}", body, token=alice.token)
    assert_error(r, 400, "invalid_json")
    assert snapshot(alice, room) == before


def test_empty_body_where_one_is_required(alice, room):
    for path in (f"/api/messages/{room}", "/api/messages/conversations", "/api/messages/groups"):
        assert_error(raw("POST", path, b"", token=alice.token), 400, "invalid_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                          "application/xml", "json", None])
def test_wrong_content_type_is_415(alice, room, content_type):
    before = snapshot(alice, room)
    headers = {} if content_type is None else {"Content-Type": content_type}
    r = raw("POST", f"/api/messages/{room}", b'{"content": "hi"}', token=alice.token, content_type=None, headers=headers)
    assert_error(r, 415, "unsupported_media_type")
    assert snapshot(alice, room) == before


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
                                          "application/vnd.api+json"])
def test_json_content_types_accepted(alice, room, content_type):
    r = raw("POST", f"/api/messages/{room}", b'{"content": "hi"}', token=alice.token, content_type=content_type)
    assert r.status_code == 201, r.text


def test_wrong_content_type_on_every_body_endpoint(alice, bob, room):
    mid = send(alice, room, "m")["id"]
    for path, body in [("/api/messages/conversations", {"participantId": bob.id}),
                       ("/api/messages/groups", {"name": "g", "participantIds": [bob.id]}),
                       (f"/api/messages/{room}/read", {}),
                       (f"/api/messages/{mid}/reactions", {"emoji": "👍"})]:
        r = raw("POST", path, json.dumps(body), token=alice.token, content_type="text/plain")
        assert_error(r, 415, "unsupported_media_type")


def padded_send_body(size):
    """A valid send body of exactly `size` bytes (padding in an ignored field)."""
    base = {"content": "big", "padding": ""}
    overhead = len(json.dumps(base).encode())
    body = json.dumps({"content": "big", "padding": "p" * (size - overhead)}).encode()
    assert len(body) == size
    return body


def test_body_at_the_limit_is_accepted(alice, room):
    r = raw("POST", f"/api/messages/{room}", padded_send_body(LIMIT), token=alice.token)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("size", [LIMIT + 1, 200_000])
def test_body_over_the_limit_is_413_json_from_nginx(alice, room, size):
    before = snapshot(alice, room)
    r = raw("POST", f"/api/messages/{room}", padded_send_body(size), token=alice.token)
    assert_error(r, 413, "payload_too_large")
    assert r.headers["Content-Type"].startswith("application/json")
    # nginx answered: the app's responses carry X-Request-Id, nginx's own error pages do not.
    assert "X-Request-Id" not in r.headers
    assert snapshot(alice, room) == before


def test_body_over_the_limit_is_413_json_from_the_app(alice, room):
    """Straight to the FastCGI socket, bypassing nginx: the app enforces the same limit."""
    if not fcgi_socket_path():
        pytest.skip("the pool does not listen on a unix socket")
    before = snapshot(alice, room)
    params = {"CONTENT_TYPE": "application/json", "HTTP_AUTHORIZATION": f"Bearer {alice.token}"}
    status, headers, body = fcgi_request("POST", f"/api/messages/{room}", params, padded_send_body(LIMIT + 1))
    assert status == 413, body
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == {"error": {"code": "payload_too_large", "message": "The request body is too large."}}
    assert snapshot(alice, room) == before
    # ... and accepts a body right at the limit.
    status, _, body = fcgi_request("POST", f"/api/messages/{room}", params, padded_send_body(LIMIT))
    assert status == 201, body


def test_app_checks_the_body_limit_before_authentication():
    if not fcgi_socket_path():
        pytest.skip("the pool does not listen on a unix socket")
    status, _, body = fcgi_request("POST", "/api/messages/1", {"CONTENT_TYPE": "application/json"}, b"x" * (LIMIT + 10))
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("path", ["/api/messages/abc", "/api/messages/1.5", "/api/messages/0", "/api/messages/-4",
                                  "/api/messages/1e3", "/api/messages/99999999999999999999", "/api/messages/%20"])
def test_non_numeric_conversation_ids_are_400(alice, path):
    assert_error(alice.get(path), 400, "invalid_id")
    assert_error(alice.post(path, {"content": "x"}), 400, "invalid_id")
    assert_error(alice.post(path + "/read"), 400, "invalid_id")


@pytest.mark.parametrize("segment", ["abc", "0", "-1", "1.0", "99999999999999999999"])
def test_non_numeric_message_ids_are_400(alice, segment):
    assert_error(alice.post(f"/api/messages/{segment}/reactions", {"emoji": "👍"}), 400, "invalid_id")
    assert_error(alice.delete(f"/api/messages/{segment}/reactions/%F0%9F%91%8D"), 400, "invalid_id")


@pytest.mark.parametrize("path", ["/api/nothing", "/api/messages", "/api/messages/1/2/3/4/5", "/api/messages/1/unread",
                                  "/api/messages/1/reactions/x/y", "/api/", "/api/health/deep", "/nothing",
                                  "/index.html/x", "/js/nothing.js"])
def test_unknown_routes_are_404_json(alice, path):
    for method in ("GET", "POST", "DELETE"):
        r = requests.request(method, BASE_URL + path, headers=alice.headers, timeout=10)
        assert_error(r, 404, "not_found")
        assert r.headers["Content-Type"].startswith("application/json")


def test_unknown_routes_are_404_even_without_a_token():
    assert_error(requests.get(BASE_URL + "/api/nothing", timeout=10), 404, "not_found")


@pytest.mark.parametrize("method,path,allow", [
    ("PUT", "/api/messages/conversations", "GET, POST"),
    ("PUT", "/api/messages/1", "GET, POST"),
    ("GET", "/api/messages/1/read", "POST"),
    ("PUT", "/api/messages/1/read", "POST"),
    ("PUT", "/api/messages/1/reactions", "GET, POST"),
    ("DELETE", "/api/messages/1/reactions", "GET, POST"),
    ("GET", "/api/messages/1/reactions/%F0%9F%91%8D", "DELETE"),
    ("POST", "/api/messages/1/reactions/%F0%9F%91%8D", "DELETE"),
    ("POST", "/api/health", "GET"),
    ("DELETE", "/api/health", "GET"),
])
def test_wrong_methods_are_405_with_allow(alice, method, path, allow):
    """`allow` lists the methods this API's own endpoints take at that path; later endpoints
    (edits, group admin) may add more, so the header must include these and never the method used."""
    r = requests.request(method, BASE_URL + path, headers=alice.headers, timeout=10)
    assert_error(r, 405, "method_not_allowed")
    listed = [m.strip() for m in r.headers["Allow"].split(",")]
    assert set(allow.split(", ")) <= set(listed) and method not in listed and listed == sorted(listed), r.headers["Allow"]


def test_405_comes_before_authentication():
    r = requests.put(BASE_URL + "/api/messages/conversations", timeout=10)
    assert_error(r, 405, "method_not_allowed")


def test_head_is_answered_like_get():
    r = requests.head(BASE_URL + "/api/health", timeout=10)
    assert r.status_code == 200 and r.content == b""


def test_errors_never_leak_internals(alice, room):
    probes = [
        raw("POST", f"/api/messages/{room}", b'{"content": "x", "replyToId": 9223372036854775807}', token=alice.token),
        raw("POST", "/api/messages/conversations", b'{"participantId": 9223372036854775807}', token=alice.token),
        raw("POST", "/api/messages/groups", b'{"name": "x", "participantIds": [9223372036854775807]}', token=alice.token),
        raw("POST", f"/api/messages/{room}", b'{"content": 1e400}', token=alice.token),
        raw("POST", "/api/messages/conversations", b'{"participantId": 99999999999999999999999}', token=alice.token),
        raw("GET", f"/api/messages/{room}?before=9223372036854775807&limit=100", token=alice.token),
        raw("GET", f"/api/messages/9223372036854775807", token=alice.token),
    ]
    for r in probes:
        assert r.status_code < 500, f"{r.status_code} {r.text}"
        body = r.json()
        text = json.dumps(body).lower()
        for leak in ("sqlstate", "select ", "postgres", "violates", "constraint", "chat_", "stack", ".swift", "fatal"):
            assert leak not in text, r.text
    assert snapshot(alice, room)["history"][0]["content"] == "before"


def test_an_unexpected_database_error_is_a_plain_500_and_a_log_line(alice, room):
    """A database error the API has no words for (here a function gone missing, as after a
    botched deploy) answers 500 in the one shape, saying nothing of the database; the pool's log
    has the request id and the SQLSTATE (42883, undefined function)."""
    psql("ALTER FUNCTION chat_read_state_json(bigint, bigint) RENAME TO chat_read_state_json_away")
    try:
        r = alice.get(f"/api/messages/{room}/read-state")
    finally:
        psql("ALTER FUNCTION chat_read_state_json_away(bigint, bigint) RENAME TO chat_read_state_json")
    assert_error(r, 500, "internal_error")
    assert r.json()["error"]["message"] == "Something went wrong on our side."
    request_id = r.headers["X-Request-Id"]
    log = os.path.join(STACK_DIR, "log", "fcgi-app.log")
    assert wait_until(lambda: any(f"request.id={request_id}" in line and 'msg="unexpected database error"' in line
                                  and "db.sqlstate=42883" in line for line in open(log)), timeout=5)
    assert alice.get(f"/api/messages/{room}/read-state").status_code == 200


def test_every_error_has_the_one_shape(alice, room):
    responses = [
        alice.get("/api/messages/abc"),
        alice.get("/api/messages/987654321"),
        raw("POST", f"/api/messages/{room}", b"{", token=alice.token),
        raw("POST", f"/api/messages/{room}", b"{}", token=alice.token, content_type="text/plain"),
        requests.get(BASE_URL + "/api/messages/conversations", timeout=10),
        requests.put(BASE_URL + "/api/health", timeout=10),
        requests.get(BASE_URL + "/nowhere", timeout=10),
    ]
    for r in responses:
        assert r.status_code >= 400
        body = r.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
        assert body["error"]["code"].replace("_", "").isalpha() and body["error"]["code"] == body["error"]["code"].lower()


def test_literal_paths_answer_405_with_their_own_methods(alice):
    import requests as http
    from conftest import BASE_URL
    r = http.get(BASE_URL + "/api/messages/groups", headers=alice.headers, timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    r = http.delete(BASE_URL + "/api/messages/search", headers=alice.headers, timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def test_paths_are_routed_raw_and_ids_are_plain_digits(alice, bob):
    """A path is routed on the segments as sent and each id decoded once: an encoded `?` or `/`
    is part of the id (so a 400), never a query or another route; `+1` and `0001` are not 1."""
    conversation = direct(alice, bob)
    message = send(alice, conversation, "keep me")
    assert_error(alice.delete(f"/api/messages/{message['id']}%3Fx"), 400, "invalid_id")
    assert_error(alice.get(f"/api/messages/{conversation}%2Fread-state"), 400, "invalid_id")
    for text in (f"+{conversation}", f"000{conversation}", f"{conversation}%20"):
        assert_error(alice.get(f"/api/messages/{text}"), 400, "invalid_id")
    history = alice.get(f"/api/messages/{conversation}").json()["messages"]
    assert [m["content"] for m in history] == ["keep me"]
