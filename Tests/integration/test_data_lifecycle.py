"""Data lifecycle (issue 15): retention purges exactly what is due (a conversation's own
retention, set by admins, and the deployment's `retention_days`), through the push daemons' job,
scrubbing every copy (earlier versions, reactions, search, the event log a `?since=` replay reads);
`messaging-admin user export` returns everything stored about a user and `user erase` tombstones
their content and anonymizes them while the conversations of others stay."""
import json
import subprocess
import uuid

import pytest
from websockets.exceptions import ConnectionClosed

from conftest import ADMIN, CONFIG, User, admin, assert_error, direct, new_user, send, wait_until
from issue5_helpers import group
from rest_helpers import history_of
from test_push_support import clients, psql  # noqa: F401  (fixture)


def with_role(role, name):
    user = new_user(name)
    admin("user", "upsert", "--sub", str(user.id), "--role", role)
    return User(user.id, user.username, admin("token", "--user", str(user.id)))


def backdate(message_ids, days):
    psql(f"UPDATE chat_messages SET created_at = now() - interval '{days} days' WHERE id IN ({','.join(map(str, message_ids))})")


def shown(user, conversation_id, message_id):
    return next(m for m in history_of(user, conversation_id) if m["id"] == message_id)


def test_retention_purges_exactly_what_is_due(alice, bob, carol, clients):
    admin_user = with_role("admin", "Admin")
    word = "zq" + uuid.uuid4().hex[:10]
    conv = group(alice, bob)
    start = clients(bob).last_cursor  # before any of the messages
    old = [send(alice, conv, f"{word} old {i}") for i in range(3)]
    assert alice.patch(f"/api/messages/{old[1]['id']}", {"content": f"{word} old 1 edited"}).status_code == 200
    assert bob.post(f"/api/messages/{old[0]['id']}/reactions", {"emoji": "👍"}).status_code == 201
    media = send(alice, conv, "", mediaUrl="https://cdn.example.com/old.png", mediaType="image")
    recent = [send(bob, conv, f"{word} recent {i}") for i in range(2)]
    elsewhere_conv = direct(alice, carol)
    elsewhere = send(alice, elsewhere_conv, f"{word} elsewhere")
    live = clients(bob)

    r = admin_user.put(f"/api/admin/conversations/{conv}/retention", {"days": 1})
    assert r.status_code == 200 and r.json() == {"conversationId": conv, "retentionDays": 1}
    due = [m["id"] for m in old] + [media["id"]]
    backdate(due + [elsewhere["id"]], 2)

    # the stack's own job (every second in the test stack) purges the group's due messages
    assert wait_until(lambda: all(shown(bob, conv, i)["removal"] == "retention" for i in due), timeout=20)
    for message_id in due:
        tomb = shown(alice, conv, message_id)
        assert (tomb["deleted"], tomb["content"], tomb["mediaUrl"], tomb["reactions"]) == (True, None, None, [])
    assert [shown(bob, conv, m["id"])["content"] for m in recent] == [m["content"] for m in recent]
    assert alice.get(f"/api/messages/{old[1]['id']}/history").json()["versions"] == []
    # the conversation without its own retention is untouched (the deployment keeps messages)
    assert shown(alice, elsewhere_conv, elsewhere["id"])["content"] == f"{word} elsewhere"
    found = alice.get("/api/messages/search", params={"q": word}).json()["results"]
    assert sorted(hit["message"]["id"] for hit in found) == sorted([m["id"] for m in recent] + [elsewhere["id"]])
    # members are told, and a replay no longer carries the old text
    frames = [live.wait_for(lambda f, i=i: f["type"] == "message_deleted" and f["messageId"] == i) for i in due]
    assert all(f["removal"] == "retention" and f["by"] is None for f in frames)
    replay = clients(bob, since=start)
    replay.wait_for(lambda f: f["type"] == "message_deleted" and f["messageId"] == due[-1])
    assert [f for f in replay.frames if "old" in json.dumps(f.get("message", {}))] == []

    # the deployment-wide setting (here 1 day, as retention_days = 1 would give) reaches the rest
    assert wait_until(lambda: int(psql("SELECT chat_purge_messages(1, 500)")) >= 0
                      and shown(alice, elsewhere_conv, elsewhere["id"])["removal"] == "retention", timeout=20)
    assert [shown(bob, conv, m["id"])["content"] for m in recent] == [m["content"] for m in recent]
    # the setting was audited
    entries = admin_user.get("/api/admin/audit", params={"limit": 50}).json()["entries"]
    assert any(e["action"] == "retention_set" and e["details"] == {"conversationId": conv, "days": 1} for e in entries)


def test_conversation_retention_is_for_admins_and_validated(alice, bob):
    admin_user = with_role("admin", "Admin")
    conv = group(alice, bob)
    path = f"/api/admin/conversations/{conv}/retention"
    assert_error(alice.put(path, {"days": 7}), 403, "admin_only")
    assert_error(admin_user.put(path, {}), 400, "validation_failed")
    assert_error(admin_user.put(path, {"days": 0}), 400, "validation_failed")
    assert_error(admin_user.put(path, {"days": 36501}), 400, "validation_failed")
    assert_error(admin_user.put("/api/admin/conversations/999999999/retention", {"days": 7}), 404, "conversation_not_found")
    assert admin_user.put(path, {"days": 30}).json() == {"conversationId": conv, "retentionDays": 30}
    assert admin_user.put(path, {"days": None}).json() == {"conversationId": conv, "retentionDays": None}
    assert psql(f"SELECT coalesce(retention_days::text, 'none') FROM chat_rooms WHERE id = {conv}") == "none"


def test_a_groups_admins_set_its_retention(alice, bob):
    """The issue's "optional per-group setting (admins)": the group's own admins, audited like a
    platform admin's setting; members who are not admins, and direct conversations, cannot."""
    conv = group(alice, bob)                   # alice created it: its admin
    path = f"/api/messages/groups/{conv}/retention"
    assert_error(bob.put(path, {"days": 7}), 403, "admin_required")
    assert_error(alice.put(f"/api/messages/groups/{direct(alice, bob)}/retention", {"days": 7}), 400, "not_a_group")
    assert_error(alice.put(path, {"days": 0}), 400, "validation_failed")
    assert alice.put(path, {"days": 14}).json() == {"conversationId": conv, "retentionDays": 14}
    assert psql(f"SELECT retention_days FROM chat_rooms WHERE id = {conv}") == "14"
    audited = psql(f"SELECT count(*) FROM moderation_audit WHERE actor_id = {alice.id} AND action = 'retention_set' "
                   f"AND details->>'conversationId' = '{conv}'")
    assert audited == "1"
    assert alice.put(path, {"days": None}).json() == {"conversationId": conv, "retentionDays": None}


def run_admin(*args):
    return subprocess.run([ADMIN, *args, "--config", CONFIG], capture_output=True, text=True, timeout=60)


def test_export_then_erase(alice, bob, carol, clients):
    conv = group(alice, bob, carol)
    start = clients(bob).last_cursor  # before any of the messages
    first = send(alice, conv, "my first words")
    assert alice.patch(f"/api/messages/{first['id']}", {"content": "my first words, edited"}).status_code == 200
    second = send(alice, conv, "a reply", replyToId=first["id"])
    theirs = send(bob, conv, "bob speaks")
    answer = send(bob, conv, "bob answers alice", replyToId=second["id"])
    assert bob.post(f"/api/messages/{first['id']}/reactions", {"emoji": "🎉"}).status_code == 201
    assert alice.post(f"/api/messages/{theirs['id']}/reactions", {"emoji": "👍"}).status_code == 201
    assert alice.post(f"/api/users/{carol.id}/block").status_code == 201
    assert alice.post(f"/api/messages/{theirs['id']}/report", {"reason": "spam", "note": "hm"}).status_code == 201

    out = run_admin("user", "export", "--user", str(alice.id))
    assert out.returncode == 0, out.stderr
    export = json.loads(out.stdout)
    assert export["profile"]["id"] == alice.id and export["profile"]["username"] == alice.username
    assert {m["conversationId"] for m in export["memberships"]} == {conv}
    mine = {m["id"]: m for m in export["messages"]}
    assert set(mine) == {first["id"], second["id"]}
    assert mine[first["id"]]["content"] == "my first words, edited"
    assert [v["content"] for v in mine[first["id"]]["versions"]] == ["my first words"]
    assert [(r["userId"], r["emoji"]) for r in mine[first["id"]]["reactions"]] == [(bob.id, "🎉")]
    assert mine[second["id"]]["replyToId"] == first["id"]
    assert [(r["messageId"], r["emoji"]) for r in export["reactionsGiven"]] == [(theirs["id"], "👍")]
    assert [b["userId"] for b in export["blocks"]] == [carol.id]
    assert [(p["messageId"], p["reason"], p["note"]) for p in export["reports"]] == [(theirs["id"], "spam", "hm")]
    assert run_admin("user", "export", "--user", "999999999").returncode != 0

    live = clients(alice)
    watcher = clients(bob)
    refused = run_admin("user", "erase", "--user", str(alice.id))
    assert refused.returncode != 0 and "--yes" in refused.stderr
    assert history_of(bob, conv)[0]["content"] == "my first words, edited"  # nothing happened without --yes
    out = run_admin("user", "erase", "--user", str(alice.id), "--yes")
    assert out.returncode == 0, out.stderr
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(50):
            live.recv(timeout=5)
    assert closed.value.rcvd.code == 4003
    assert_error(alice.get("/api/users/me"), 401, "account_deactivated")
    # alice's words are gone everywhere; bob's messages and the conversation stay
    for message_id in (first["id"], second["id"]):
        tomb = shown(bob, conv, message_id)
        assert (tomb["deleted"], tomb["removal"], tomb["content"], tomb["reactions"]) == (True, "erasure", None, [])
        assert tomb["sender"]["displayName"] == "Erased user" and tomb["sender"]["deactivated"] is True
    assert shown(bob, conv, theirs["id"])["content"] == "bob speaks" and shown(bob, conv, theirs["id"])["reactions"] == []
    assert shown(bob, conv, answer["id"])["replyTo"]["preview"] is None
    profile = bob.get(f"/api/users/{alice.id}").json()["user"]
    assert (profile["username"], profile["displayName"], profile["avatar"]) == (f"erased_{alice.id}", "Erased user", None)
    watcher.wait_for(lambda f: f["type"] == "message_deleted" and f["messageId"] == second["id"] and f["removal"] == "erasure")
    replay = clients(bob, since=start)
    replay.wait_for(lambda f: f["type"] == "message_deleted" and f["messageId"] == second["id"])
    assert [f for f in replay.frames if "my first words" in json.dumps(f) or "a reply" in json.dumps(f)] == []
    after = json.loads(run_admin("user", "export", "--user", str(alice.id)).stdout)
    assert after["profile"]["erasedAt"] and after["profile"]["externalId"] is None
    assert all(m["content"] == "" and m["versions"] == [] and m["removal"] == "erasure" for m in after["messages"])
    assert (after["reactionsGiven"], after["blocks"], after["reports"]) == ([], [], [])
