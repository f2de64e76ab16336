"""Writers that touch several membership rows take the room's row first, as a send does, so no
two of them can deadlock. The requests are lined up deterministically by a transaction holding
one member's row, the way the pool's group commit and a delete once met in a pgbench mix."""
import json
from concurrent.futures import ThreadPoolExecutor

from conftest import send, wait_until
from issue5_helpers import OpenTransaction, conversation_of, group, history, lock_waiters, psql


def send_batch(items):
    """A group commit's statement, as the pool runs it: [(room, sender, content)] in item order."""
    payload = json.dumps([{"i": i, "room": room, "sender": sender, "content": content}
                          for i, (room, sender, content) in enumerate(items)])
    return psql(f"SELECT count(*) FROM chat_send_messages('{payload}'::json) WHERE created")


def test_a_delete_waits_behind_a_group_commit_with_two_senders_in_its_room(make_user):
    # bob's id is below alice's: a delete that updated the unread members' rows without the room
    # lock would take bob's row first (index order), then wait for alice's.
    bob, alice, carol = make_user(), make_user(), make_user()
    assert bob.id < alice.id
    gid = group(carol, alice, bob)
    unread_by_both = send(carol, gid, "read by nobody yet")["id"]

    holder = OpenTransaction()
    try:
        holder.run(f"BEGIN; SELECT 1 FROM chat_room_users WHERE room_id = {gid} AND user_id = {alice.id} FOR UPDATE;")
        with ThreadPoolExecutor(max_workers=2) as pool:
            # Takes the room, then waits for alice's row (held above) before it reaches bob's.
            batch = pool.submit(send_batch, [(gid, alice.id, "from alice"), (gid, bob.id, "from bob")])
            assert wait_until(lambda: lock_waiters("chat_send_messages") == 1, timeout=10)
            delete = pool.submit(carol.delete, f"/api/messages/{unread_by_both}")
            assert wait_until(lambda: lock_waiters("chat_delete_message") == 1, timeout=10)
            holder.run("COMMIT;")
            stored, deleted = batch.result(timeout=20), delete.result(timeout=20)
    finally:
        holder.close()
    assert stored == "2"
    assert deleted.status_code == 200, deleted.text
    messages = history(carol, gid)
    assert [m["content"] for m in messages] == [None, "from alice", "from bob"]
    assert messages[0]["deletedAt"] is not None
    # A send reads everything before it: alice has bob's to read, carol both.
    assert [conversation_of(u, gid)["unreadCount"] for u in (alice, bob, carol)] == [1, 0, 2]
