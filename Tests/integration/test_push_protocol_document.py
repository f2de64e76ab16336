"""docs/PUSH_PROTOCOL.md against real frames: every JSON example of a frame, the `h2ac` example and
every row of the event table must match what the daemon sends (the same keys, the same JSON
types), so the document cannot drift from the code unnoticed."""
import json
import os
import re

from conftest import ROOT, admin, direct, send
from test_push_support import clients  # noqa: F401  (fixture)

DOCUMENT = open(os.path.join(ROOT, "docs/PUSH_PROTOCOL.md"), encoding="utf-8").read()


def json_examples():
    """Each ```json block that is one JSON object (the generic `<kind>` template is prose)."""
    examples = []
    for block in re.findall(r"```json\n(.*?)```", DOCUMENT, re.S):
        text = block.strip()
        if text.startswith('"h2ac"'):
            text = "{" + text + "}"
        try:
            examples.append(json.loads(text))
        except json.JSONDecodeError:
            assert "<kind>" in text, f"an example in PUSH_PROTOCOL.md is not valid JSON: {text[:80]}"
    return examples


def event_table():
    """{kind: (required fields, optional fields)} from the table of event frames."""
    rows = {}
    start = DOCUMENT.index("| `type` | fields (besides")
    table = DOCUMENT[start:DOCUMENT.index("\n\n", start)]
    for kind, fields in re.findall(r"^\| `(\w+)` \| (`[^|]*?) \| [^|]*\|$", table, re.M):
        names = re.findall(r"`(\w+)`(\??)", re.sub(r"\(no [^)]*\)", "", fields))  # "(no `conversationId`)"
        rows[kind] = ({n for n, optional in names if not optional}, {n for n, optional in names if optional})
    return rows


def shape(value):
    """The JSON type of a value; null matches anything (examples show one of the cases)."""
    if value is None:
        return None
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def assert_same_shape(example, frame, where):
    assert set(example) == set(frame), f"{where}: document has {sorted(example)}, daemon sends {sorted(frame)}"
    for key, value in example.items():
        expected, actual = shape(value), shape(frame[key])
        assert expected is None or actual is None or expected == actual, f"{where}.{key}: {expected} in the document, {actual} sent"
        if isinstance(value, dict) and isinstance(frame[key], dict):
            assert_same_shape(value, frame[key], f"{where}.{key}")


def test_the_documents_examples_and_event_table_parse():
    types = {e.get("type") for e in json_examples()}
    assert {"connected", "resync_required", "typing", "presence", "error", None} <= types
    assert {"conversation_created", "new_message", "message_read", "user_updated"} <= set(event_table())


def test_every_example_frame_matches_a_real_frame(alice, bob, carol, clients):
    conversation = direct(alice, bob)
    a, b = clients(alice), clients(bob)
    real = {"connected": b.connected}
    a.send({"type": "typing", "conversationId": conversation, "isTyping": True})
    real["typing"] = b.wait_for(lambda f: f["type"] == "typing")
    c = clients(carol)
    c.send({"type": "typing", "conversationId": conversation, "isTyping": True})
    real["error"] = c.wait_for(lambda f: f["type"] == "error")
    c.close()
    sent = send(alice, conversation, "Hi!")
    real["h2ac"] = b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])
    b.close()
    real["presence"] = a.wait_for(lambda f: f["type"] == "presence" and f["userId"] == bob.id and f["online"] is False, timeout=10)
    unknown = clients(alice, since=10**15)  # a cursor the log never had: the client must resync
    real["resync_required"] = unknown.wait_for(lambda f: f["type"] == "resync_required")
    for example in json_examples():
        kind = example.get("type", "h2ac")
        if kind == "h2ac":
            assert_same_shape(example["h2ac"], real["h2ac"]["h2ac"], "h2ac")
        else:
            assert_same_shape(example, real[kind], kind)


def test_every_row_of_the_event_table_matches_a_real_frame(alice, bob, carol, clients):
    a = clients(alice)
    group = alice.post("/api/messages/groups", {"name": "Protocol", "participantIds": [bob.id]}).json()["conversation"]["id"]
    assert alice.post(f"/api/messages/groups/{group}/members", {"userIds": [carol.id]}).status_code == 200
    assert alice.patch(f"/api/messages/groups/{group}/members/{bob.id}", {"role": "admin"}).status_code == 200
    assert alice.patch(f"/api/messages/groups/{group}", {"name": "Protocol 2"}).status_code == 200
    message = send(alice, group, "first")
    assert alice.patch(f"/api/messages/{message['id']}", {"content": "first, edited"}).status_code == 200
    assert bob.post(f"/api/messages/{message['id']}/reactions", {"emoji": "👍"}).status_code == 201
    assert bob.delete(f"/api/messages/{message['id']}/reactions/👍").status_code == 204
    second = send(bob, group, "second")
    assert alice.post(f"/api/messages/{group}/read", {"upToMessageId": second["id"]}).status_code == 200
    assert alice.delete(f"/api/messages/{message['id']}").status_code in (200, 204)
    assert alice.delete(f"/api/messages/groups/{group}/members/{carol.id}").status_code in (200, 204)
    admin("user", "upsert", "--sub", str(bob.id), "--display-name", "Bob Renamed")  # user_updated, to the members
    for kind, (required, optional) in event_table().items():
        if kind == "user_updated":  # about a user, not a conversation
            frame = a.wait_for(lambda f: f["type"] == kind and f["user"]["id"] == bob.id, timeout=10)
        else:
            frame = a.wait_for(lambda f, kind=kind: f["type"] == kind and f.get("conversationId") == group, timeout=10)
        fields = set(frame) - {"type", "cursor", "h2ac"} - ({"conversationId"} if kind != "user_updated" else set())
        assert required <= fields <= required | optional, f"{kind}: document {sorted(required)} + {sorted(optional)}?, daemon {sorted(fields)}"
