"""Per-user rate limits (issue 15): a token bucket per user and kind of request, kept in
PostgreSQL so every worker process of the pool gives the same answer. The stack's own limits are
generous (tests send in bursts); each test gives its user a tight one with messaging-admin."""
import concurrent.futures
import re
import time

from conftest import admin, assert_error, direct, send, wait_until


def limit(user, action, spec):
    admin("rate-limit", "set", "--user", str(user.id), "--action", action, "--limit", spec)


def history(user, conversation):
    return [m["content"] for m in user.get(f"/api/messages/{conversation}").json()["messages"]]


def test_a_limited_send_is_a_429_with_the_rate_limit_headers_and_stores_nothing(alice, bob):
    conversation = direct(alice, bob)
    limit(alice, "send", "1/m:2")
    send(alice, conversation, "one")
    send(alice, conversation, "two")
    refused = alice.post(f"/api/messages/{conversation}", {"content": "three", "clientMessageId": "third"})
    assert_error(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert re.fullmatch(r'"send";q=2;w=\d+', refused.headers["RateLimit-Policy"]), refused.headers["RateLimit-Policy"]
    assert re.fullmatch(r'"send";r=0;t=\d+', refused.headers["RateLimit"]), refused.headers["RateLimit"]
    assert history(alice, conversation) == ["one", "two"]
    # Other kinds of request have buckets of their own; other users are not affected.
    assert alice.post(f"/api/messages/{conversation}/read", {}).status_code == 200
    send(bob, conversation, "bob is not limited")


def test_the_bucket_refills_at_its_rate(alice, bob):
    conversation = direct(alice, bob)
    limit(alice, "send", "2/s:1")
    send(alice, conversation, "first")
    assert_error(alice.post(f"/api/messages/{conversation}", {"content": "too soon"}), 429, "rate_limited")
    deadline = time.time() + 5
    while time.time() < deadline:
        time.sleep(0.25)
        response = alice.post(f"/api/messages/{conversation}", {"content": "after the refill"})
        if response.status_code == 201:
            break
    assert response.status_code == 201, response.text
    assert history(alice, conversation) == ["first", "after the refill"]


def test_the_same_limit_holds_across_every_worker_process(alice, bob):
    """16 requests at once reach both worker processes of the test pool: exactly the burst pass."""
    conversation = direct(alice, bob)
    limit(alice, "send", "1/h:5")
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda i: alice.post(f"/api/messages/{conversation}", {"content": f"m{i}"}).status_code, range(16)))
    assert sorted(statuses) == [201] * 5 + [429] * 11, statuses
    assert len(history(alice, conversation)) == 5


def test_search_and_reactions_are_limited_too(alice, bob):
    conversation = direct(alice, bob)
    message = send(bob, conversation, "milonga")
    limit(alice, "search", "1/h:1")
    limit(alice, "react", "1/h:1")
    assert alice.get("/api/messages/search?q=milonga").status_code == 200
    assert_error(alice.get("/api/messages/search?q=milonga"), 429, "rate_limited")
    assert alice.post(f"/api/messages/{message['id']}/reactions", {"emoji": "👍"}).status_code == 201
    assert_error(alice.post(f"/api/messages/{message['id']}/reactions", {"emoji": "🎉"}), 429, "rate_limited")


def test_staff_are_exempt_and_clearing_restores_the_configured_limit(staff, alice, bob):
    conversation = direct(staff, bob)
    limit(staff, "send", "1/h:1")
    for index in range(3):
        send(staff, conversation, f"staff {index}")
    other = direct(alice, bob)
    limit(alice, "send", "1/h:1")
    send(alice, other, "once")
    assert_error(alice.post(f"/api/messages/{other}", {"content": "twice"}), 429, "rate_limited")
    admin("rate-limit", "clear", "--user", str(alice.id), "--action", "send")
    # A worker thread that refused alice remembers it for at most a second (RateLimitRefusals).
    assert wait_until(lambda: alice.post(f"/api/messages/{other}", {"content": "the stack's generous limit again"}).status_code == 201,
                      timeout=5, interval=0.2)


def test_a_limited_sender_in_a_group_commit_is_refused_alone(alice, bob, carol):
    """The send token is taken in the send's own transaction (chat_send_messages): when a limited
    sender's sends share group commits with another user's, only the limited ones are refused,
    and exactly the burst of them is stored."""
    limited, free = direct(alice, bob), direct(carol, bob)
    limit(alice, "send", "1/h:3")
    jobs = [(alice, limited, f"a{i}") for i in range(12)] + [(carol, free, f"c{i}") for i in range(12)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda job: job[0].post(f"/api/messages/{job[1]}", {"content": job[2]}).status_code, jobs))
    assert sorted(statuses[:12]) == [201] * 3 + [429] * 9, statuses
    assert statuses[12:] == [201] * 12, statuses
    assert len(history(alice, limited)) == 3
    assert sorted(history(carol, free)) == sorted(f"c{i}" for i in range(12))


def test_a_failing_send_still_costs_a_token(alice, bob, carol):
    """A send refused for another reason stores nothing and rolls its transaction back, but is
    counted like any limited request: a flood of failing sends is limited too."""
    theirs = direct(bob, carol)
    limit(alice, "send", "1/h:2")
    for _ in range(2):
        assert alice.post(f"/api/messages/{theirs}", {"content": "not a member"}).status_code in (403, 404)
    assert_error(alice.post(f"/api/messages/{theirs}", {"content": "not a member"}), 429, "rate_limited")
    assert_error(alice.post(f"/api/messages/{theirs}", {}), 429, "rate_limited")
