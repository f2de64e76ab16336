"""Issue 15's bad-input list through nginx: each of these was accepted (or answered with the
wrong thing) before. Each gets a JSON 400 naming the problem, and nothing is stored."""
import json

import pytest
import requests

from conftest import BASE_URL, assert_error, direct, send


def history(user, conversation):
    return [m["content"] for m in user.get(f"/api/messages/{conversation}").json()["messages"]]


def post_raw(user, path, text):
    """A body written by hand, for strings json.dumps would not produce (lone noncharacters)."""
    return requests.post(BASE_URL + path, data=text.encode("utf-8"), timeout=10,
                         headers={**user.headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("content,code", [
    ("a" + "\u0301" * 30000, "content_too_long"),            # 30,001 code points in one character
    ("👍" + "\U0001F3FB" * 15000, "validation_failed"),      # one character of 15,001 code points
    ("line\u0085break", "validation_failed"),                 # a C1 control
    ("\u200b\u200d\u2060", "validation_failed"),              # only invisible characters
], ids=["combining-marks", "skin-tones", "c1-control", "invisible"])
def test_content_that_was_stored_is_refused(alice, bob, content, code):
    conversation = direct(alice, bob)
    # Written as UTF-8 (not \u escapes), as a client would, so the body stays under 64 KB.
    body = json.dumps({"content": content}, ensure_ascii=False)
    assert_error(post_raw(alice, f"/api/messages/{conversation}", body), 400, code)
    assert history(alice, conversation) == []


@pytest.mark.parametrize("escaped", ["\\ufffe", "\\uffff"], ids=["fffe", "ffff"])
def test_noncharacters_are_refused(alice, bob, escaped):
    conversation = direct(alice, bob)
    assert_error(post_raw(alice, f"/api/messages/{conversation}", '{"content": "x' + escaped + '"}'), 400, "validation_failed")
    assert history(alice, conversation) == []


@pytest.mark.parametrize("name", ["\u200b\u200b", "Gru\u0085po", "\u2060"], ids=["zero-width", "c1-control", "word-joiner"])
def test_group_names_that_were_stored_are_refused(alice, bob, name):
    assert_error(alice.post("/api/messages/groups", {"name": name, "participantIds": [bob.id]}), 400, "validation_failed")


@pytest.mark.parametrize("url", ["https://cdn.example/\u202egpj.exe", "https://user:pass@cdn.example/a.png"])
def test_media_urls_that_mislead_are_refused(alice, bob, url):
    conversation = direct(alice, bob)
    assert_error(alice.post(f"/api/messages/{conversation}", {"content": "look", "mediaUrl": url, "mediaType": "image"}),
                 400, "validation_failed")
    assert history(alice, conversation) == []


def test_null_where_the_spec_forbids_it(alice, bob):
    conversation = direct(alice, bob)
    send(bob, conversation, "hola")
    assert_error(alice.post(f"/api/messages/{conversation}/read", {"upToMessageId": None}), 400, "validation_failed")
    assert alice.post(f"/api/messages/{conversation}/read", {}).status_code == 200


@pytest.mark.parametrize("path", [
    "/api/messages/search?q=hello&conversationId=%FF",
    "/api/messages/{c}?before=%FF",
    "/api/messages/conversations?cursor=%FF",
    "/api/messages/search?q=%C3%28",
])
def test_query_values_that_do_not_decode_are_a_400(alice, bob, path):
    conversation = direct(alice, bob)
    assert_error(alice.get(path.replace("{c}", str(conversation))), 400, "invalid_query")


def test_an_empty_participant_id_is_a_400(alice):
    assert_error(alice.get("/api/h2ac/guidance/direct?participantId="), 400, "invalid_id")


def test_a_long_message_of_ordinary_characters_is_still_fine(alice, bob):
    conversation = direct(alice, bob)
    text = "👨‍👩‍👧" * 2000  # 2,000 characters of 5 code points each
    assert post_raw(alice, f"/api/messages/{conversation}", json.dumps({"content": text}, ensure_ascii=False)).status_code == 201
    assert history(alice, conversation) == [text]
