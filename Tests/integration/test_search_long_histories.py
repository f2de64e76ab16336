"""Search over histories longer than its bounds (SearchStore): the newest 1000 matches of the
caller's conversations are ranked, whichever way they were found. A short history is walked to
the end; these tests fill conversations in bulk (the real send function, in SQL) so that each of
the other ways is the one that answers:
- a term in every recent message: the walk stops after the newest 1000;
- a term only in old messages: the walk gives up after its budget, the trigram index finds it;
- a term in thousands of other people's messages but only in old ones here: the index declines
  (too common to count), the caller's whole history is walked."""
from conftest import direct, send
from issue5_helpers import found_ids, search, word
from test_push_support import psql

WINDOW = 1000     # SearchStore.window
BUDGET = 2000     # SearchStore.walkBudget
RARE_LIMIT = 2000  # SearchStore.rareLimit


def send_in_bulk(room, sender, text, count):
    """`count` messages "<text> <n>", oldest first; their ids, newest first."""
    ids = psql(f"""
        SELECT string_agg(s.message ->> 'id', ' ' ORDER BY (s.message ->> 'id')::bigint DESC)
        FROM generate_series(1, {count}) g
        CROSS JOIN LATERAL chat_send_message({room}, {sender.id}, '{text} ' || g, NULL, NULL, NULL, NULL) s""")
    return [int(i) for i in ids.split()]


def test_a_term_in_every_recent_message_ranks_only_the_newest_matches(alice, bob):
    did = direct(alice, bob)
    token = word("fr")
    oldest = send(alice, did, f"{token} the oldest")
    newest_first = send_in_bulk(did, bob, token, WINDOW + 500)
    found = found_ids(alice, token)
    assert found == newest_first[:WINDOW]
    assert oldest["id"] not in found
    first = search(alice, token, limit=1)["results"][0]
    assert first["rank"] == 2 and first["message"]["id"] == newest_first[0]


def test_a_term_only_in_old_messages_is_found_behind_a_long_history(alice, bob):
    did = direct(alice, bob)
    token = word("old")
    old = send(bob, did, f"an old {token} here")
    send_in_bulk(did, alice, word("filler"), BUDGET + 100)
    assert found_ids(alice, token) == [old["id"]]
    assert found_ids(bob, token, conversationId=did) == [old["id"]]
    assert found_ids(alice, token[:7]) == [old["id"]]


def test_a_term_common_elsewhere_but_old_here_is_found_by_walking_the_history(make_user):
    alice, bob, carol, dave = (make_user(n) for n in ("Alice", "Bob", "Carol", "Dave"))
    ours, theirs = direct(alice, bob), direct(carol, dave)
    token = word("cm")
    elsewhere = send_in_bulk(theirs, carol, token, RARE_LIMIT + 100)
    mine = send(bob, ours, f"{token} once")
    send_in_bulk(ours, alice, word("filler"), BUDGET + 100)
    assert found_ids(alice, token) == [mine["id"]]
    assert found_ids(carol, token) == elsewhere[:WINDOW]
