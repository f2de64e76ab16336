"""Reports and moderation (issue 15): members report messages they can see; moderators list the
open reports with context, dismiss them, remove messages (a tombstone saying so, for every member,
on REST, in push frames and in a `?since=` replay) and suspend senders (401 account_suspended,
live sessions closed with 4004, lifted when the time passes); admins read the append-only audit log."""
import subprocess

import pytest
from websockets.exceptions import ConnectionClosed

from conftest import User, admin, assert_error, direct, new_user, send, wait_until
from issue5_helpers import group
from rest_helpers import history_of
from test_push_support import PushClient, clients, psql, psql_command  # noqa: F401  (fixture)


def with_role(role, name):
    user = new_user(name)
    admin("user", "upsert", "--sub", str(user.id), "--role", role)
    return User(user.id, user.username, admin("token", "--user", str(user.id)))


@pytest.fixture
def moderator():
    return with_role("moderator", "Moderator")


@pytest.fixture
def auditor():
    return with_role("admin", "Admin")


def report(user, message_id, reason="spam", **extra):
    return user.post(f"/api/messages/{message_id}/report", {"reason": reason, **extra})


def open_report_for(moderator, message_id):
    cursor = None
    for _ in range(100):
        page = moderator.get("/api/moderation/reports", params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        for entry in page["reports"]:
            if entry["message"]["id"] == message_id:
                return entry
        cursor = page["nextCursor"]
        if cursor is None:
            return None
    raise AssertionError("too many open reports")


def audit_entries(auditor, count):
    return auditor.get("/api/admin/audit", params={"limit": count}).json()["entries"]


def test_reports_are_validated(alice, bob, carol):
    conv = direct(alice, bob)
    mine = send(alice, conv, "mine")
    theirs = send(bob, conv, "theirs")
    assert_error(alice.post(f"/api/messages/{theirs['id']}/report", {}), 400, "validation_failed")
    assert_error(report(alice, theirs["id"], reason="boring"), 400, "validation_failed")
    assert_error(report(alice, theirs["id"], reason=7), 400, "validation_failed")
    assert_error(report(alice, theirs["id"], note="x" * 1001), 400, "validation_failed")
    assert_error(report(alice, theirs["id"], note="a\u0085b"), 400, "validation_failed")
    assert_error(report(alice, mine["id"]), 400, "cannot_report_own")
    assert_error(report(carol, theirs["id"]), 403, "forbidden")  # not a member: cannot see it
    assert_error(report(alice, 10**12), 404, "message_not_found")
    assert_error(alice.post("/api/messages/01/report", {"reason": "spam"}), 400, "invalid_id")
    deleted = send(bob, conv, "soon gone")
    assert bob.delete(f"/api/messages/{deleted['id']}").status_code == 200
    assert_error(report(alice, deleted["id"]), 409, "message_deleted")


def test_a_second_report_by_the_same_member_updates_the_open_one(alice, bob, moderator):
    conv = direct(alice, bob)
    theirs = send(bob, conv, "buy now")
    first = report(alice, theirs["id"], note="ad")
    assert first.status_code == 201, first.text
    filed = first.json()["report"]
    assert (filed["messageId"], filed["conversationId"], filed["reason"], filed["note"], filed["status"]) == \
        (theirs["id"], conv, "spam", "ad", "open")
    again = report(alice, theirs["id"], reason="harassment", note="   ")
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["report"]["id"] == filed["id"]
    assert (again.json()["report"]["reason"], again.json()["report"]["note"]) == ("harassment", None)
    entry = open_report_for(moderator, theirs["id"])
    assert entry["id"] == filed["id"] and entry["reason"] == "harassment" and entry["openReports"] == 1
    # once resolved, reporting again changes nothing (and reopens nothing)
    assert moderator.post(f"/api/moderation/reports/{filed['id']}/dismiss").status_code == 200
    later = report(alice, theirs["id"], reason="other")
    assert later.status_code == 200 and later.json()["report"]["status"] == "dismissed"
    assert later.json()["report"]["reason"] == "harassment"
    assert open_report_for(moderator, theirs["id"]) is None


def test_only_moderators_moderate_and_only_admins_read_the_audit(alice, bob, moderator, auditor):
    conv = direct(alice, bob)
    theirs = send(bob, conv, "x")
    report_id = report(alice, theirs["id"]).json()["report"]["id"]
    for call in (lambda u: u.get("/api/moderation/reports"),
                 lambda u: u.post(f"/api/moderation/reports/{report_id}/dismiss"),
                 lambda u: u.post(f"/api/moderation/messages/{theirs['id']}/remove"),
                 lambda u: u.post(f"/api/moderation/users/{bob.id}/suspend", {"durationSeconds": 60})):
        assert_error(call(alice), 403, "moderator_only")
        assert_error(call(auditor), 403, "moderator_only")
    assert_error(alice.get("/api/admin/audit"), 403, "admin_only")
    assert_error(moderator.get("/api/admin/audit"), 403, "admin_only")
    assert bob.get("/api/users/me").status_code == 200  # nothing happened to bob
    assert history_of(alice, conv)[-1]["content"] == "x"


def test_report_remove_suspend_and_audit_end_to_end(alice, bob, carol, moderator, auditor, clients):
    conv = group(alice, bob, carol)
    before = [send(alice, conv, f"before {i}") for i in range(4)]
    live = clients(carol)
    start_cursor = live.last_cursor
    bad = send(bob, conv, "something nasty")
    reply = send(carol, conv, "that was rude", replyToId=bad["id"])
    assert bob.patch(f"/api/messages/{bad['id']}", {"content": "something nastier"}).status_code == 200
    after = [send(alice, conv, f"after {i}") for i in range(3)]
    by_alice = report(alice, bad["id"], reason="harassment", note="insulting").json()["report"]
    by_carol = report(carol, bad["id"], reason="hate").json()["report"]
    other = send(bob, conv, "just a joke")
    dismissed = report(carol, other["id"], reason="other").json()["report"]

    # the queue: the message as members see it, its conversation, messages around it, the reporter
    entry = open_report_for(moderator, bad["id"])
    assert entry["id"] == by_alice["id"] and entry["status"] == "open" and entry["openReports"] == 2
    assert entry["reason"] == "harassment" and entry["note"] == "insulting" and entry["reporter"]["id"] == alice.id
    assert entry["message"]["content"] == "something nastier" and entry["message"]["senderId"] == bob.id
    assert entry["conversation"]["id"] == conv and entry["conversation"]["type"] == "group"
    # up to 3 messages before it and 2 after, oldest first
    assert [m["id"] for m in entry["context"]] == [m["id"] for m in before[-3:]] + [reply["id"], after[0]["id"]]
    page = moderator.get("/api/moderation/reports", params={"limit": 1}).json()
    assert len(page["reports"]) == 1 and page["nextCursor"] is not None

    # dismiss one report, remove the other message
    r = moderator.post(f"/api/moderation/reports/{dismissed['id']}/dismiss", {"note": "a joke among friends"})
    assert r.status_code == 200 and r.json()["report"]["status"] == "dismissed"
    assert_error(moderator.post(f"/api/moderation/reports/{dismissed['id']}/dismiss"), 409, "report_resolved")
    assert_error(moderator.post("/api/moderation/reports/999999999/dismiss"), 404, "report_not_found")
    assert_error(moderator.post(f"/api/moderation/messages/{bad['id']}/remove", {"reportId": dismissed["id"]}), 404, "report_not_found")
    removed = moderator.post(f"/api/moderation/messages/{bad['id']}/remove", {"reportId": by_alice["id"], "note": "insults"})
    assert removed.status_code == 200, removed.text
    tombstone = removed.json()["message"]
    assert (tombstone["deleted"], tombstone["removal"], tombstone["content"], tombstone["mediaUrl"]) == (True, "moderation", None, None)
    assert_error(moderator.post(f"/api/moderation/messages/{bad['id']}/remove"), 409, "already_removed")
    assert open_report_for(moderator, bad["id"]) is None  # both reports resolved

    # every member sees the tombstone, live and in history; its earlier version is gone
    frame = live.wait_for(lambda f: f["type"] == "message_deleted" and f["messageId"] == bad["id"])
    assert frame["removal"] == "moderation" and frame["message"]["removal"] == "moderation" and frame["message"]["content"] is None
    for member in (alice, bob, carol):
        shown = next(m for m in history_of(member, conv) if m["id"] == bad["id"])
        assert (shown["deleted"], shown["removal"], shown["content"]) == (True, "moderation", None)
    assert alice.get(f"/api/messages/{bad['id']}/history").json()["versions"] == []
    shown_reply = next(m for m in history_of(alice, conv) if m["id"] == reply["id"])
    assert shown_reply["replyTo"]["deleted"] is True and shown_reply["replyTo"]["preview"] is None
    # a replay from before the message no longer carries its text anywhere
    replay = clients(carol, since=start_cursor)
    replay.wait_for(lambda f: f["type"] == "message_deleted" and f["messageId"] == bad["id"])
    replayed = [f for f in replay.frames if "nast" in str(f)]
    assert replayed == [], replayed
    created = next(f for f in replay.frames if f["type"] == "new_message" and f["message"]["id"] == bad["id"])
    assert created["message"]["content"] is None and created["message"]["removal"] == "moderation"

    # suspend the sender: live sessions close with 4004, REST answers 401 account_suspended
    bob_live = clients(bob)
    assert_error(moderator.post(f"/api/moderation/users/{bob.id}/suspend", {"durationSeconds": 0}), 400, "validation_failed")
    assert_error(moderator.post(f"/api/moderation/users/{bob.id}/suspend", {"durationSeconds": 10**9}), 400, "validation_failed")
    assert_error(moderator.post(f"/api/moderation/users/{bob.id}/suspend", {}), 400, "validation_failed")
    assert_error(moderator.post(f"/api/moderation/users/{moderator.id}/suspend", {"durationSeconds": 60}), 403, "cannot_suspend_moderator")
    assert_error(moderator.post(f"/api/moderation/users/{alice.id}/suspend", {"durationSeconds": 60, "reportId": by_alice["id"]}),
                 404, "report_not_found")
    s = moderator.post(f"/api/moderation/users/{bob.id}/suspend", {"durationSeconds": 3600, "reportId": by_alice["id"], "note": "insults"})
    assert s.status_code == 200, s.text
    assert s.json()["userId"] == bob.id and s.json()["suspendedUntil"]
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(50):
            bob_live.recv(timeout=5)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4004, "account_suspended")
    refused = bob.get("/api/messages/conversations")
    assert_error(refused, 401, "account_suspended")
    assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
    assert_error(bob.post(f"/api/messages/{conv}", {"content": "let me in"}), 401, "account_suspended")
    with pytest.raises(ConnectionClosed) as again:
        late = PushClient(user=bob, expect_connected=False)
        for _ in range(5):
            late.recv(timeout=5)
    assert again.value.rcvd.code == 4004
    # lifting early lets bob back at once; lifting what is not suspended is a 404
    assert moderator.delete(f"/api/moderation/users/{bob.id}/suspend").status_code == 204
    assert bob.get("/api/messages/conversations").status_code == 200
    assert_error(moderator.delete(f"/api/moderation/users/{bob.id}/suspend"), 404, "not_suspended")

    # the audit log: every action, newest first, with who did it
    entries = audit_entries(auditor, 200)
    mine = [e for e in entries if e["actor"]["id"] == moderator.id]
    assert [e["action"] for e in mine] == ["suspension_lifted", "user_suspended", "message_removed", "report_dismissed"]
    lifted, suspended, removal, dismissal = mine
    assert (suspended["targetUserId"], suspended["reportId"], suspended["details"]["note"]) == (bob.id, by_alice["id"], "insults")
    assert (removal["messageId"], removal["reportId"], removal["targetUserId"]) == (bad["id"], by_alice["id"], bob.id)
    assert removal["details"]["conversationId"] == conv
    assert (dismissal["reportId"], dismissal["details"]["note"]) == (dismissed["id"], "a joke among friends")
    assert lifted["targetUserId"] == bob.id
    # paging goes on from `nextBefore`
    first = auditor.get("/api/admin/audit", params={"limit": 2}).json()
    second = auditor.get("/api/admin/audit", params={"limit": 2, "before": first["nextBefore"]}).json()
    assert [e["id"] for e in first["entries"]] + [e["id"] for e in second["entries"]] == [e["id"] for e in entries[:4]]


def test_the_audit_log_refuses_updates_and_deletes(alice, bob, moderator):
    theirs = send(bob, direct(alice, bob), "x")
    report_id = report(alice, theirs["id"]).json()["report"]["id"]
    assert moderator.post(f"/api/moderation/reports/{report_id}/dismiss").status_code == 200
    row = psql(f"SELECT id FROM moderation_audit WHERE report_id = {report_id}")
    assert row
    for statement in (f"UPDATE moderation_audit SET action = 'message_removed' WHERE id = {row}",
                      f"DELETE FROM moderation_audit WHERE id = {row}",
                      "TRUNCATE moderation_audit"):
        out = subprocess.run(psql_command() + ["-c", statement], capture_output=True, text=True, timeout=30)
        assert out.returncode != 0 and "append-only" in out.stderr, (statement, out.stderr)
    assert psql(f"SELECT action FROM moderation_audit WHERE id = {row}") == "report_dismissed"


def test_a_suspension_lifts_by_itself(alice, bob, moderator, clients):
    conv = direct(alice, bob)
    assert moderator.post(f"/api/moderation/users/{bob.id}/suspend", {"durationSeconds": 2}).status_code == 200
    assert_error(bob.post(f"/api/messages/{conv}", {"content": "too early"}), 401, "account_suspended")
    wait_until(lambda: bob.get("/api/messages/conversations").status_code == 200, timeout=10)
    send(bob, conv, "back again")
    clients(bob)  # the push stream admits bob again too
