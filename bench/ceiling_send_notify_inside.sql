-- W1-ceiling with the NOTIFY inside each send's transaction (what a lone send does when its
-- process owes no wake-up, EventWakeup.claimInline): every commit then takes the queue's lock.
\set pick random(1, :pairs)
SELECT item, message, created, retry_after_ms, pg_notify('chat_events', '') FROM chat_send_messages(json_build_array(json_build_object('i', 0, 'room', (SELECT room_id FROM bench_pairs WHERE idx = :pick), 'sender', (SELECT sender_id FROM bench_pairs WHERE idx = :pick), 'content', 'bench message', 'ratePerSecond', 1000000, 'rateBurst', 1000000)));
