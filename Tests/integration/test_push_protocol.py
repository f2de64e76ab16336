"""The WebSocket stream's edges, through nginx: authentication on upgrade, pings, malformed and
oversized frames (each closes only its own connection, with the right close code)."""
import base64
import json
import os
import socket
import struct
import time

import pytest
import requests
from websockets.exceptions import ConnectionClosed, InvalidStatus

from conftest import BASE_URL, WS_URL, direct, make_jwt, send
from test_push_support import PushClient, clients, extra_daemons  # noqa: F401


def status_of_upgrade(**kwargs):
    with pytest.raises(InvalidStatus) as info:
        PushClient(**kwargs)
    return info.value.response.status_code


def close_of_upgrade(**kwargs):
    """A refused token is accepted and closed at once (a browser cannot read a failed upgrade's
    status): the close code and reason."""
    with pytest.raises(ConnectionClosed) as info:
        c = PushClient(expect_connected=False, **kwargs)
        for _ in range(5):
            c.recv(timeout=5)
    return info.value.rcvd.code, info.value.rcvd.reason


def test_bad_tokens_are_accepted_then_closed_with_their_code(alice):
    now = int(time.time())
    assert close_of_upgrade(token=None) == (4001, "token_missing")
    assert close_of_upgrade(token="garbage") == (4001, "token_malformed")
    assert close_of_upgrade(token="garbage", via_query=True) == (4001, "token_malformed")
    assert close_of_upgrade(token=make_jwt({"sub": str(alice.id), "exp": now + 600}, secret="x" * 40)) == (4001, "bad_signature")
    assert close_of_upgrade(token=make_jwt({"sub": str(alice.id), "exp": now - 60})) == (4002, "token_expired")
    assert close_of_upgrade(token=make_jwt({"sub": "alice", "exp": now + 600})) == (4001, "unknown_user")
    assert close_of_upgrade(token=make_jwt({"sub": str(alice.id), "exp": now + 600, "nbf": now + 600})) == (4001, "token_not_yet_valid")
    unsigned = make_jwt({"sub": str(alice.id), "exp": now + 600}, alg="none").rsplit(".", 1)[0] + "."
    assert close_of_upgrade(token=unsigned) == (4001, "wrong_algorithm")
    # a good token still connects
    PushClient(user=alice).close()


def test_plain_get_and_unknown_paths(alice):
    assert requests.get(BASE_URL + "/ws/notifications", timeout=5).status_code == 426
    assert requests.get(BASE_URL + "/ws/nothing-here", timeout=5).status_code == 404
    assert status_of_upgrade(user=alice, url=WS_URL.replace("/notifications", "/elsewhere")) == 404
    assert status_of_upgrade(user=alice, since="abc") == 400


def test_json_ping_and_protocol_ping(alice, clients):
    c = clients(alice)
    c.send({"type": "ping"})
    assert c.wait_for(lambda f: f["type"] == "pong")
    pong = c.ws.ping(b"hello")
    assert pong.wait(5)


def test_unknown_and_invalid_commands_get_error_frames(alice, clients):
    c = clients(alice)
    c.send({"type": "dance"})
    err = c.wait_for(lambda f: f["type"] == "error")
    assert err["code"] == "unknown_type"
    c.send({"type": "typing", "conversationId": "x", "isTyping": True})
    assert c.wait_for(lambda f: f["type"] == "error" and f["code"] == "invalid_typing")
    for focus in ("x", 0, -3, 1.5):
        c.frames.clear()
        c.send({"type": "focus", "conversationId": focus})
        err = c.wait_for(lambda f: f["type"] == "error")
        assert err["code"] == "invalid_focus" and err["requestType"] == "focus", err
    c.send([1, 2, 3])
    assert c.wait_for(lambda f: f["type"] == "error" and f["code"] == "invalid_frame")
    c.send({"type": "ping"})
    assert c.wait_for(lambda f: f["type"] == "pong")


def close_code_after(client, payload):
    client.send(payload)
    with pytest.raises(ConnectionClosed) as info:
        for _ in range(100):
            client.recv(timeout=5)
    return info.value.rcvd.code if info.value.rcvd else None


def test_malformed_json_closes_with_1007_and_no_one_else(alice, bob, clients):
    conv = direct(alice, bob)
    bystander = clients(bob)
    assert close_code_after(clients(alice), "{not json") == 1007
    assert close_code_after(clients(alice), b"\x00\x01binary") == 1003
    sent = send(alice, conv, "still here")
    bystander.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])


def test_oversized_frame_closes_with_1009(alice, bob, clients):
    conv = direct(alice, bob)
    bystander = clients(bob)
    c = clients(alice)
    c.send({"type": "ping"})
    c.wait_for(lambda f: f["type"] == "pong")
    assert close_code_after(c, json.dumps({"type": "ping", "pad": "x" * 17000})) == 1009
    # exactly at the limit is fine
    ok = clients(alice)
    ok.send(json.dumps({"type": "ping", "pad": "x" * (16 * 1024 - 40)}))
    ok.wait_for(lambda f: f["type"] == "pong")
    sent = send(alice, conv, "unaffected")
    bystander.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])


class RawSocket:
    """A hand-made WebSocket client for frames a proper library refuses to send."""

    def __init__(self, user, port=None, rcvbuf=None):
        host, default_port = BASE_URL.replace("http://", "").split(":")
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(5)
        self.sock.connect((host, port or int(default_port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws/notifications?token={user.token} HTTP/1.1\r\nHost: {host}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(4096)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert b" 101 " in head.split(b"\r\n")[0], head

    def frame(self, opcode, payload=b"", fin=True, rsv=0, masked=True):
        first = (0x80 if fin else 0) | (rsv << 4) | opcode
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", first, (0x80 if masked else 0) | length)
        else:
            header = struct.pack("!BBH", first, (0x80 if masked else 0) | 126, length)
        if masked:
            mask = os.urandom(4)
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            header += mask
        self.sock.sendall(header + payload)

    def read_frame(self):
        def need(n):
            while len(self.buffer) < n:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError
                self.buffer += chunk
        need(2)
        opcode, length = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
        offset = 2
        if length == 126:
            need(4)
            length, offset = struct.unpack("!H", self.buffer[2:4])[0], 4
        elif length == 127:
            need(10)
            length, offset = struct.unpack("!Q", self.buffer[2:10])[0], 10
        need(offset + length)
        payload, self.buffer = self.buffer[offset:offset + length], self.buffer[offset + length:]
        return opcode, payload

    def close_code(self):
        """Reads frames until a close frame; returns its code."""
        for _ in range(100):
            opcode, payload = self.read_frame()
            if opcode == 8:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        raise AssertionError("no close frame")


@pytest.mark.parametrize("case, expected", [
    ("reserved_bit", 1002),
    ("reserved_opcode", 1002),
    ("unmasked", 1002),
    ("continuation_first", 1002),
    ("fragmented_ping", 1002),
    ("invalid_utf8", 1007),
    ("invalid_utf8_fragmented", 1007),
    ("invalid_close_code", 1002),
    ("long_ping", 1002),
])
def test_protocol_violations_close_with_the_right_code(alice, case, expected):
    raw = RawSocket(alice)
    opcode, payload = raw.read_frame()
    assert opcode == 1 and json.loads(payload)["type"] == "connected"
    if case == "reserved_bit":
        raw.frame(1, b'{"type":"ping"}', rsv=4)
    elif case == "reserved_opcode":
        raw.frame(3, b"x")
    elif case == "unmasked":
        raw.frame(1, b'{"type":"ping"}', masked=False)
    elif case == "continuation_first":
        raw.frame(0, b"x")
    elif case == "fragmented_ping":
        raw.frame(9, b"x", fin=False)
    elif case == "invalid_utf8":
        raw.frame(1, b'{"type":"\xff"}')
    elif case == "invalid_utf8_fragmented":
        raw.frame(1, b'{"type":"', fin=False)
        raw.frame(0, b"\xed\xa0\x80", fin=False)  # a surrogate: fails before the message ends
    elif case == "invalid_close_code":
        raw.frame(8, struct.pack("!H", 1005))
    elif case == "long_ping":
        raw.frame(9, b"x" * 126)
    assert raw.close_code() == expected


def test_fragmented_message_is_assembled(alice):
    raw = RawSocket(alice)
    raw.read_frame()
    raw.frame(1, b'{"type":', fin=False)
    raw.frame(9, b"interleaved ping")  # control frames may interleave fragments
    raw.frame(0, b'"ping"}', fin=True)
    seen = []
    for _ in range(5):
        opcode, payload = raw.read_frame()
        seen.append((opcode, payload))
        if opcode == 1:
            break
    assert (10, b"interleaved ping") in seen
    assert json.loads(seen[-1][1]) == {"type": "pong"}
    raw.frame(8, struct.pack("!H", 1000))
    assert raw.close_code() == 1000


def test_echo_route_uses_the_same_frame_handling():
    from websockets.sync.client import connect
    url = WS_URL.replace("/notifications", "/echo")
    with connect(url, max_size=2**24) as ws:
        ws.send("héllo")
        assert ws.recv(timeout=5) == "héllo"
        big = os.urandom(100_000)
        ws.send(big)
        assert ws.recv(timeout=5) == big


def test_stream_closes_with_4002_when_the_token_expires(alice, extra_daemons):
    from conftest import make_jwt
    from websockets.exceptions import ConnectionClosed
    daemon = extra_daemons("expiry", env={"MESSAGING_PUSH_PING_SECONDS": "1"})
    token = make_jwt({"sub": str(alice.id), "exp": int(time.time()) + 2})
    c = PushClient(token=token, url=daemon.url)
    try:
        with pytest.raises(ConnectionClosed) as info:
            for _ in range(100):
                c.recv(timeout=6)
        assert info.value.rcvd.code == 4002
    finally:
        c.close()
