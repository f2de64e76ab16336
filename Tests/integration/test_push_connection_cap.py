"""The per-user connection cap on the push stream (push_max_connections_per_user, 20 in the test
stack as by default): the newest connection is kept, the oldest closed with 4008."""
import time

from websockets.exceptions import ConnectionClosed

from conftest import direct, send
from test_push_support import clients  # noqa: F401

CAP = 20


def close_code(client, timeout=5.0):
    """The close code the daemon sent to `client` (receiving until the close arrives)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            client.recv(timeout=max(0.01, deadline - time.time()))
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None, closed.rcvd.reason if closed.rcvd else None
        except TimeoutError:
            break
    raise AssertionError("the connection was not closed")


def test_the_oldest_connection_is_closed_beyond_the_cap(alice, bob, clients):
    conv = direct(alice, bob)
    held = [clients(alice) for _ in range(CAP)]
    newest = clients(alice)
    # The first one admitted goes, with the documented code and reason; no other does.
    assert close_code(held[0]) == (4008, "too_many_connections")
    kept = held[1:] + [newest]
    send(bob, conv, "to every device still connected")
    for client in kept:
        assert [m["content"] for m in client.wait_messages(1, conv)] == ["to every device still connected"]
    # Another user's connections are not counted against Alice.
    assert clients(bob).connected["userId"] == bob.id


def test_each_connection_beyond_the_cap_closes_the_then_oldest(alice, clients):
    held = [clients(alice) for _ in range(CAP)]
    extra = [clients(alice) for _ in range(3)]
    for client in held[:3]:
        assert close_code(client)[0] == 4008
    # The fourth oldest and the newest stay open: a ping is answered.
    for client in (held[3], extra[-1]):
        client.send({"type": "ping"})
        assert client.wait_for(lambda f: f["type"] == "pong")
