"""H2AC hooks through the real stack: guidance over REST, per-recipient decisions in push
frames (focus, badges, mute), and scripts edited while the stack runs (issue 4).

The stack's hooks_dir is a copy made by scripts/test.sh, so editing it never touches lua/."""
import os
import shutil
import time

import pytest
import requests

from conftest import BASE_URL, CONFIG, assert_error, direct, send, wait_until
from issue5_helpers import group
from test_blocks import block
from test_push_support import clients  # noqa: F401  (fixture)


def hooks_dir():
    for line in open(CONFIG):
        if line.startswith("hooks_dir"):
            return line.split("=", 1)[1].strip()
    raise RuntimeError("no hooks_dir in " + CONFIG)


@pytest.fixture
def editable_notifications():
    """The stack's notifications.lua, restored after the test."""
    path = os.path.join(hooks_dir(), "notifications.lua")
    original = open(path).read()
    yield path, original
    with open(path, "w") as f:
        f.write(original)


def wait_for_plain_toasts(sender, recipient_client, conversation):
    """Sends until the recipient's toast body is the plain content: the shipped script is live
    again (a script is reloaded when a hook runs after a change, so this needs messages)."""
    for attempt in range(25):
        sent = send(sender, conversation, f"probe {attempt}")
        toast = frame_for(recipient_client, sent["id"])["h2ac"].get("toast") or {}
        if toast.get("body") == f"probe {attempt}":
            return
        time.sleep(0.2)
    raise AssertionError("the shipped notifications.lua did not come back into use")


def frame_for(client, message_id):
    return client.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == message_id, timeout=10)


def unread_in_list(user, conversation_id):
    body = user.get("/api/messages/conversations?limit=100").json()
    counts = {c["id"]: c["unreadCount"] for c in body["conversations"]}
    return counts[conversation_id], sum(counts.values())


def test_guidance_flows_come_from_the_scripts(alice, bob):
    direct_flow = alice.get("/api/h2ac/guidance/direct").json()
    assert [s["id"] for s in direct_flow["steps"]] == ["check_conversation", "create_conversation", "open_conversation", "focus_input"]
    group_flow = alice.get("/api/h2ac/guidance/group").json()
    assert {f["field"] for f in group_flow["required"]} == {"name", "participantIds"}
    assert {f["field"] for f in group_flow["optional"]} == {"avatar", "firstMessage"}
    assert_error(alice.get("/api/h2ac/guidance/nope"), 404, "unknown_flow")
    assert requests.get(BASE_URL + "/api/h2ac/guidance/direct", timeout=10).status_code == 401
    # With a participant, the script knows whether the conversation exists and skips steps.
    before = alice.get(f"/api/h2ac/guidance/direct?participantId={bob.id}").json()
    direct(alice, bob)
    after = alice.get(f"/api/h2ac/guidance/direct?participantId={bob.id}").json()
    assert before != after


def test_group_creation_is_answered_in_the_scripts_words(alice, bob):
    r = alice.post("/api/messages/groups", {"participantIds": [bob.id]})
    assert_error(r, 400, "validation_failed")
    assert r.json()["error"]["message"] == "Please give the group a name."
    r = alice.post("/api/messages/groups", {"name": "Práctica"})
    assert r.json()["error"]["message"] == "Please add at least one person to the group."
    created = alice.post("/api/messages/groups", {"name": "Práctica", "participantIds": [bob.id]})
    assert created.status_code == 201
    assert created.json()["nextSteps"]
    opened = alice.post("/api/messages/conversations", {"participantId": bob.id})
    assert opened.json()["nextSteps"]


def test_unfocused_recipient_gets_a_toast_and_the_lists_badge_counts(alice, bob, carol, clients):
    conversation = direct(alice, bob)
    elsewhere = direct(carol, bob)
    send(carol, elsewhere, "unread elsewhere")  # so the total differs from this conversation's count
    b = clients(bob)
    send(alice, conversation, "first")
    sent = send(alice, conversation, "¿Bailamos esta tanda?")
    decision = frame_for(b, sent["id"])["h2ac"]
    assert decision["toast"] == {"title": "Alice", "body": "¿Bailamos esta tanda?"}
    assert decision["sound"] == "message"
    assert decision["scroll"] is False
    in_conversation, total = unread_in_list(bob, conversation)
    assert decision["badge"] == {"conversation": in_conversation, "total": total}
    assert in_conversation == 2 and total == 3


def decision_after_focus(sender, client, conversation, focus, wanted):
    """Sends until the decision shows the focus frame was applied (it travels to the daemon on
    another path than the send): bounded retries instead of a fixed sleep."""
    client.send({"type": "focus", "conversationId": focus})
    for attempt in range(20):
        sent = send(sender, conversation, f"mirá {attempt}")
        decision = frame_for(client, sent["id"])["h2ac"]
        if wanted(decision):
            return decision, sent
        time.sleep(0.1)
    raise AssertionError(f"focus {focus} was not applied: {decision}")


def test_focused_recipient_scrolls_without_toast(alice, bob, clients):
    conversation = direct(alice, bob)
    b = clients(bob)
    decision, _ = decision_after_focus(alice, b, conversation, conversation, lambda d: d["scroll"] is True)
    assert decision.get("toast") is None and decision.get("sound") is None
    # Looking at another conversation: a toast again.
    decision, sent = decision_after_focus(alice, b, conversation, conversation + 1000000, lambda d: d.get("toast") is not None)
    assert decision["toast"]["body"] == sent["content"] and decision["scroll"] is False


def test_muted_conversation_changes_badges_but_no_toast_or_sound(alice, bob, clients):
    conversation = direct(alice, bob)
    assert bob.patch(f"/api/messages/{conversation}/settings", {"muted": True}).status_code == 200
    b = clients(bob)
    sent = send(alice, conversation, "silencio")
    decision = frame_for(b, sent["id"])["h2ac"]
    assert decision.get("toast") is None and decision.get("sound") is None
    assert decision["badge"]["conversation"] == 1


def test_sender_gets_no_toast_on_their_other_device(alice, bob, clients):
    conversation = direct(alice, bob)
    a = clients(alice)
    sent = send(alice, conversation, "mine")
    decision = frame_for(a, sent["id"])["h2ac"]
    assert decision.get("toast") is None and decision["scroll"] is False


def test_edited_script_changes_the_next_frame_without_restart(alice, bob, clients, editable_notifications):
    path, original = editable_notifications
    conversation = direct(alice, bob)
    b = clients(bob)
    wait_for_plain_toasts(alice, b, conversation)
    edited = original.replace("    body = text.preview(event.message),", '    body = "Nuevo mensaje: " .. text.preview(event.message),')
    assert edited != original, "the toast line this test edits has changed"
    with open(path, "w") as f:
        f.write(edited)
    # Picked up within about a second; bounded retries.
    body = None
    for attempt in range(20):
        sent = send(alice, conversation, f"hola {attempt}")
        body = frame_for(b, sent["id"])["h2ac"]["toast"]["body"]
        if body.startswith("Nuevo mensaje: "):
            break
        time.sleep(0.2)
    assert body == f"Nuevo mensaje: hola {attempt}"


def test_broken_script_keeps_the_last_good_version_and_shows_in_status(alice, bob, staff, clients, editable_notifications):
    path, original = editable_notifications
    conversation = direct(alice, bob)
    b = clients(bob)
    wait_for_plain_toasts(alice, b, conversation)
    with open(path, "w") as f:
        f.write(original.replace("function notifications.on_message(event)", "function notifications.on_message(event"))

    def broken_script():
        status = staff.get("/api/h2ac/status").json()
        return status, [s for s in status["scripts"] if s["file"].endswith("notifications.lua")][0]
    # The answering thread reloads on its next status read after the check interval.
    assert wait_until(lambda: broken_script()[1]["loadError"], timeout=10)
    status, broken = broken_script()
    assert status["healthy"] is False
    assert broken["loadError"] and "notifications.lua:" in broken["loadError"]
    sent = send(alice, conversation, "still delivered")
    decision = frame_for(b, sent["id"])["h2ac"]
    assert decision["toast"]["body"] == "still delivered"


def test_reaction_toasts_the_author_of_the_message(alice, bob, clients):
    conversation = direct(alice, bob)
    a = clients(alice)
    message = send(alice, conversation, "¿Vamos a la milonga?")
    assert bob.post(f"/api/messages/{message['id']}/reactions", {"emoji": "👍"}).status_code == 201
    frame = a.wait_for(lambda f: f["type"] == "reaction_added" and f["messageId"] == message["id"])
    assert frame["h2ac"]["toast"] == {"title": "Bob reacted 👍", "body": "¿Vamos a la milonga?"}


def test_first_message_of_a_new_group_is_sent_with_it(alice, bob):
    r = alice.post("/api/messages/groups", {"name": "Práctica", "participantIds": [bob.id], "firstMessage": "¡Bienvenidos!"})
    assert r.status_code == 201
    conversation = r.json()["conversation"]
    assert conversation["lastMessage"]["content"] == "¡Bienvenidos!"
    history = bob.get(f"/api/messages/{conversation['id']}").json()["messages"]
    assert [m["content"] for m in history] == ["¡Bienvenidos!"]


def test_hook_status_is_for_staff_only(alice, staff):
    assert_error(alice.get("/api/h2ac/status"), 403, "staff_only")
    assert staff.get("/api/h2ac/status").status_code == 200


def test_preview_runs_the_script_on_disk_and_tells_when_the_builtin_decided(staff, editable_notifications):
    path, original = editable_notifications
    body = {"event": "new_message", "content": "Hola", "recipient": {"unreadTotal": 2, "unreadInConversation": 2}}

    def preview():
        r = staff.post("/api/h2ac/preview", body)
        assert r.status_code == 200, r.text
        return r.json()

    assert preview()["decision"]["toast"] == {"title": "Alice", "body": "Hola"}
    blocked = staff.post("/api/h2ac/preview", {**body, "recipient": {**body["recipient"], "senderBlocked": True}}).json()["decision"]
    assert (blocked["toast"], blocked["sound"], blocked["badge"]) == (None, None, {"total": 2, "conversation": 2})
    with open(path, "w") as f:
        f.write(original.replace("    body = text.preview(event.message),", '    body = "Vista previa: " .. text.preview(event.message),'))
    changed = None
    for _ in range(20):  # picked up within about a second
        changed = preview()
        if changed["decision"]["toast"]["body"].startswith("Vista previa: "):
            break
        time.sleep(0.2)
    assert changed["decision"]["toast"]["body"] == "Vista previa: Hola" and changed["usedBuiltin"] is False
    with open(path, "w") as f:
        f.write(original.replace("  local sender, recipient = event.sender or {}, event.recipient or {}",
                                 '  error("preview boom")', 1))
    failed = None
    for _ in range(20):
        failed = preview()
        if failed["usedBuiltin"]:
            break
        time.sleep(0.2)
    assert failed["usedBuiltin"] is True
    assert "notifications.lua:" in failed["scriptError"] and "preview boom" in failed["scriptError"]
    assert failed["decision"]["toast"] == {"title": "Alice", "body": "Hola"}  # the built-in default's



@pytest.mark.parametrize("size", [4, 34], ids=["small-group", "group-of-34"])
def test_badges_mute_and_blocks_reach_the_hook_in_small_and_large_groups(alice, bob, carol, make_user, clients, size):
    """The hook's per-recipient inputs (unread counts, mute, blocks) for messages, where the sender
    is the actor, and reactions, where the reactor is, in a small group and a large one."""
    dave = make_user("Dave")
    conversation = group(alice, bob, carol, dave, *[make_user() for _ in range(size - 4)], name="Práctica")
    block(carol, alice)
    assert dave.patch(f"/api/messages/{conversation}/settings", {"muted": True}).status_code == 200
    send(carol, direct(carol, bob), "unread elsewhere")  # Bob's total is more than this room's count
    own = send(carol, conversation, "mine")
    b, c, d = clients(bob), clients(carol), clients(dave)

    sent = send(alice, conversation, "¿Quién baila?")
    to_bob, to_carol, to_dave = (frame_for(client, sent["id"])["h2ac"] for client in (b, c, d))
    assert to_bob["toast"] == {"title": "Alice in Práctica", "body": "¿Quién baila?"} and to_bob["sound"] == "message"
    in_conversation, total = unread_in_list(bob, conversation)
    assert to_bob["badge"] == {"conversation": in_conversation, "total": total} and (in_conversation, total) == (2, 3)
    assert to_carol.get("toast") is None and to_carol.get("sound") is None  # she blocked Alice
    assert to_carol["badge"]["conversation"] == 1
    assert to_dave.get("toast") is None and to_dave.get("sound") is None  # he muted the group
    assert to_dave["badge"]["conversation"] == 2
    assert alice.post(f"/api/messages/{own['id']}/reactions", {"emoji": "👍"}).status_code == 201
    reaction = c.wait_for(lambda f: f["type"] == "reaction_added" and f["messageId"] == own["id"], timeout=10)
    assert reaction["h2ac"].get("toast") is None  # the reactor is the one she blocked
