"""One connection's commands share a budget of 20 a second (40 at once): beyond it they are
dropped, with one `rate_limited` error frame a second, except the latest focus, which is applied
when the budget allows. Without it, one connection could fill the command queue every connection
shares."""
import time

from conftest import direct, send
from test_push_support import clients  # noqa: F401


def test_a_command_flood_is_cut_to_the_budget(alice, clients):
    client = clients(alice)
    started = time.time()
    for _ in range(300):
        client.send({"type": "ping"})
    elapsed = time.time() - started
    got = client.drain(1.5)
    pongs = [f for f in got if f["type"] == "pong"]
    errors = [f for f in got if f["type"] == "error"]
    assert 40 <= len(pongs) <= 40 + 20 * (elapsed + 0.1) + 1, (len(pongs), elapsed)
    assert errors and all(e["code"] == "rate_limited" for e in errors)
    assert len(errors) <= elapsed + 1
    # The connection stays open and answers again once the budget has refilled.
    time.sleep(0.2)
    client.send({"type": "ping"})
    assert [f["type"] for f in client.drain(1.0)] == ["pong"]


def test_the_latest_focus_counts_even_beyond_the_budget(alice, bob, clients):
    conversation = direct(alice, bob)
    b = clients(bob)
    for _ in range(60):                       # the budget is spent
        b.send({"type": "ping"})
    for other in range(1, 30):                # dropped, but remembered: the last one wins
        b.send({"type": "focus", "conversationId": conversation + other})
    b.send({"type": "focus", "conversationId": conversation})
    # Applied at the next sweep (every few seconds); until then the decision may still toast.
    deadline = time.time() + 12
    while time.time() < deadline:
        sent = send(alice, conversation, "¿me ves?")
        frame = b.wait_for(lambda f: f["type"] == "new_message" and f["message"]["id"] == sent["id"])
        if frame["h2ac"]["scroll"] is True and frame["h2ac"].get("toast") is None:
            return
        time.sleep(0.5)
    raise AssertionError("the last focus was never applied")
