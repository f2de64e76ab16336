"""Helpers shared by the REST integration tests (test_rest_*.py, test_openapi_conformance.py):
raw HTTP requests with exact bytes and headers, snapshots of what a user can see (to prove a
rejected request changed nothing), and a minimal FastCGI client that talks to the pool's socket
directly, bypassing nginx (for the app's own body limit)."""
import os
import socket
import struct
import time
import uuid

import requests

from conftest import BASE_URL, STACK_DIR, CONFIG


def raw(method, path, body=None, headers=None, token=None, content_type="application/json"):
    """A request with exactly these bytes: `body` may be bytes, str (sent as UTF-8) or None."""
    h = {}
    if content_type is not None and body is not None:
        h["Content-Type"] = content_type
    if token:
        h["Authorization"] = f"Bearer {token}"
    h.update(headers or {})
    if isinstance(body, str):
        body = body.encode()
    return requests.request(method, BASE_URL + path, data=body, headers=h, timeout=10)


def conversations_of(user, limit=100):
    """Every conversation the user sees, following cursors (bounded)."""
    items, cursor = [], None
    for _ in range(50):
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        r = user.get("/api/messages/conversations", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["conversations"]
        cursor = body["nextCursor"]
        if cursor is None:
            return items
    raise AssertionError("conversation list did not end within 50 pages")


def history_of(user, conversation_id, limit=100):
    """Every message of a conversation, oldest first, following `nextBefore` (bounded)."""
    pages, before = [], None
    for _ in range(100):
        params = {"limit": limit}
        if before:
            params["before"] = before
        r = user.get(f"/api/messages/{conversation_id}", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        pages.insert(0, body["messages"])
        before = body["nextBefore"]
        assert body["hasMore"] == (before is not None)
        if before is None:
            return [m for page in pages for m in page]
    raise AssertionError("history did not end within 100 pages")


def snapshot(user, conversation_id=None):
    """What `user` can observe: their conversation list (with unread counts and last messages)
    and, optionally, one conversation's full history (with reactions)."""
    state = {"conversations": conversations_of(user)}
    if conversation_id is not None:
        state["history"] = history_of(user, conversation_id)
    return state


def unread(user, conversation_id):
    for c in conversations_of(user):
        if c["id"] == conversation_id:
            return c["unreadCount"]
    raise AssertionError(f"conversation {conversation_id} not in the list of user {user.id}")


def client_id():
    return "cid-" + uuid.uuid4().hex


# ---- FastCGI, straight to the pool's socket --------------------------------------------------

def fcgi_socket_path():
    """The pool's unix socket, from the stack's configuration (fcgi_listen = unix:/path)."""
    for line in open(CONFIG):
        if line.startswith("fcgi_listen"):
            value = line.split("=", 1)[1].strip()
            if value.startswith("unix:"):
                return value[len("unix:"):]
    return None


def _record(kind, content, request_id=1):
    padding = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBx", 1, kind, request_id, len(content), padding) + content + b"\0" * padding


def _pair(name, value):
    def length(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return length(len(name)) + length(len(value)) + name + value


def fcgi_request(method, path, params=None, body=b"", timeout=10, socket_path=None):
    """Sends one FastCGI responder request and returns (status, headers, body bytes)."""
    env = {
        "REQUEST_METHOD": method, "DOCUMENT_URI": path, "REQUEST_URI": path, "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
    }
    env.update(params or {})
    stream = _record(1, struct.pack(">HB5x", 1, 0))  # BEGIN_REQUEST, role responder, no keep-alive
    pairs = b"".join(_pair(k, v) for k, v in env.items())
    stream += _record(4, pairs) + _record(4, b"")
    for i in range(0, len(body), 32768):
        stream += _record(5, body[i:i + 32768])
    stream += _record(5, b"")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(socket_path or fcgi_socket_path())
        try:
            sock.sendall(stream)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the app may answer (413) without reading the whole body
        data = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    out, offset = b"", 0
    while offset + 8 <= len(data):
        _, kind, _, length, padding = struct.unpack(">BBHHBx", data[offset:offset + 8])
        content = data[offset + 8:offset + 8 + length]
        offset += 8 + length + padding
        if kind == 6:  # STDOUT
            out += content
    head, _, payload = out.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode().split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, payload


def supervisor_pid():
    path = os.path.join(STACK_DIR, "run", "fcgi-app.pid")
    if not os.path.exists(path):
        return None
    pid = int(open(path).read().strip())
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid
