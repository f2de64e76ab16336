"""Helpers shared by the issue 5 tests (test_groups_admin.py, test_message_edits.py, test_search.py,
test_read_state_mute.py): groups, membership views and search, each bounded and read-only."""
import glob
import os
import shutil
import subprocess
import uuid

import pytest

from conftest import CONFIG, assert_error

# Every bad-id spelling a path segment may take (each must be 400 invalid_id, never 404 or 500).
BAD_IDS = ["abc", "0", "-1", "1.5", "99999999999999999999", "%20"]

# An id no row will ever have (bigint, positive).
MISSING_ID = 9_000_000_000_000


def word(prefix="w"):
    """A token no other test writes: letters only, so it is one whole word in every rank rule."""
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    n = uuid.uuid4().int
    letters = ""
    for _ in range(12):
        n, r = divmod(n, 26)
        letters += alphabet[r]
    return prefix + letters


def max_message_chars():
    for line in open(CONFIG):
        if line.split("=", 1)[0].strip() == "max_message_chars":
            return int(line.split("=", 1)[1].strip())
    return 4000


def group(admin, *members, name=None):
    """Creates a group (admin = creator) and returns its id."""
    r = admin.post("/api/messages/groups", {"name": name or "Group " + word(), "participantIds": [m.id for m in members]})
    assert r.status_code == 201, r.text
    return r.json()["conversation"]["id"]


def conversation_ids(user):
    """Ids of every conversation in the user's list (bounded paging)."""
    ids, cursor = [], None
    for _ in range(50):
        params = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        r = user.get("/api/messages/conversations", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        ids += [c["id"] for c in body["conversations"]]
        cursor = body["nextCursor"]
        if cursor is None:
            return ids
    raise AssertionError("conversation list did not end within 50 pages")


def conversation_of(user, conversation_id):
    """The conversation as it appears in the user's list, or None."""
    cursor = None
    for _ in range(50):
        params = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        r = user.get("/api/messages/conversations", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        for c in body["conversations"]:
            if c["id"] == conversation_id:
                return c
        cursor = body["nextCursor"]
        if cursor is None:
            return None
    raise AssertionError("conversation list did not end within 50 pages")


def roles(conversation):
    """{userId: role} from a conversation object."""
    return {p["id"]: p["role"] for p in conversation["participants"]}


def roles_seen_by(user, conversation_id):
    c = conversation_of(user, conversation_id)
    assert c is not None, f"conversation {conversation_id} not in the list of user {user.id}"
    return roles(c)


def history(user, conversation_id):
    """Every message, oldest first (bounded paging)."""
    pages, before = [], None
    for _ in range(100):
        params = {"limit": 100}
        if before:
            params["before"] = before
        r = user.get(f"/api/messages/{conversation_id}", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        pages.insert(0, body["messages"])
        before = body["nextBefore"]
        if before is None:
            return [m for page in pages for m in page]
    raise AssertionError("history did not end within 100 pages")


def message_in_history(user, conversation_id, message_id):
    for m in history(user, conversation_id):
        if m["id"] == message_id:
            return m
    raise AssertionError(f"message {message_id} not in the history of {conversation_id}")


def search(user, q, **params):
    r = user.get("/api/messages/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"results", "nextCursor"}, body
    return body


def search_all(user, q, limit=50, **params):
    """Every hit, following cursors (bounded); returns the list of result objects in order."""
    results, cursor = [], None
    for _ in range(100):
        extra = dict(params, limit=limit)
        if cursor:
            extra["cursor"] = cursor
        body = search(user, q, **extra)
        results += body["results"]
        cursor = body["nextCursor"]
        if cursor is None:
            return results
    raise AssertionError("search did not end within 100 pages")


def found_ids(user, q, **params):
    return [r["message"]["id"] for r in search_all(user, q, **params)]


def assert_forbidden(response):
    """A caller who is not (or no longer) a member: 403 with the JSON error shape."""
    assert_error(response, 403)


# ---- a psql session holding a transaction open (to line up concurrent requests deterministically)

def _database_url():
    for line in open(CONFIG):
        if line.split("=", 1)[0].strip() == "database_url":
            return line.split("=", 1)[1].strip()
    raise RuntimeError("no database_url in " + CONFIG)


def _psql_binary():
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql")) + [shutil.which("psql") or ""]
    return next((c for c in reversed(candidates) if c and os.path.exists(c)), None)


def psql(sql):
    out = subprocess.run([_psql_binary(), _database_url(), "-v", "ON_ERROR_STOP=1", "-qAtX", "-c", sql],
                         check=True, capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


class OpenTransaction:
    """A psql session whose statements run one at a time, inside a transaction the test ends."""

    def __init__(self):
        if _psql_binary() is None:
            pytest.skip("psql is not installed")
        self.process = subprocess.Popen([_psql_binary(), _database_url(), "-v", "ON_ERROR_STOP=1", "-qAtX"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def run(self, sql):
        marker = "done" + uuid.uuid4().hex
        self.process.stdin.write(sql + f"\nSELECT '{marker}';\n")
        self.process.stdin.flush()
        lines = []
        for _ in range(10000):
            line = self.process.stdout.readline()
            assert line, "psql ended"
            if line.strip() == marker:
                return lines
            lines.append(line.strip())
        raise AssertionError("psql printed too much")

    def close(self):
        try:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()


def lock_waiters(function_name):
    """How many backends are waiting for a lock inside a statement calling `function_name`."""
    return int(psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    f"AND query LIKE '%{function_name}%' AND pid <> pg_backend_pid()"))
