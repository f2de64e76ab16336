"""Presence: online while any connection is open, as frames to users sharing a conversation and
through REST (GET /api/users/:id/presence)."""
import time

from conftest import direct, wait_until
from test_push_support import clients, extra_daemons  # noqa: F401


def presence(viewer, user):
    r = viewer.get(f"/api/users/{user.id}/presence")
    return r.status_code, (r.json() if r.status_code == 200 else None)


def test_presence_frames_and_rest(alice, bob, carol, clients, extra_daemons):
    direct(alice, bob)
    status, body = presence(bob, alice)
    assert status == 200 and body == {"userId": alice.id, "online": False, "lastSeenAt": None}
    b = clients(bob)
    a1 = clients(alice)
    frame = b.wait_for(lambda f: f["type"] == "presence" and f["userId"] == alice.id)
    assert frame["online"] is True
    assert presence(bob, alice)[1]["online"] is True
    # a second device, on another daemon: closing one keeps alice online
    second = extra_daemons("presence")
    a2 = clients(alice, url=second.url)
    a1.close()
    time.sleep(0.5)
    assert presence(bob, alice)[1]["online"] is True
    assert [f["online"] for f in b.frames if f["type"] == "presence" and f["userId"] == alice.id] == [True]
    a2.close()
    frame = b.wait_for(lambda f: f["type"] == "presence" and f["userId"] == alice.id and f["online"] is False)
    assert frame["lastSeenAt"]
    assert wait_until(lambda: presence(bob, alice)[1]["online"] is False)
    body = presence(bob, alice)[1]
    assert body["lastSeenAt"] and body["lastSeenAt"].startswith(time.strftime("%Y-", time.gmtime()))
    # visible to oneself and to contacts only
    assert presence(alice, alice)[0] == 200
    assert presence(carol, alice)[0] == 404
    c = clients(carol)
    clients(alice)
    c.drain(0.5)
    assert [f for f in c.frames if f["type"] == "presence"] == []
