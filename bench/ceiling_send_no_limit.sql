-- W1-ceiling without the rate-limit check: beside ceiling_send.sql in the same run, the
-- difference is what the per-user limiter (chat_rate_take, issue 15) costs each send.
\set pick random(1, :pairs)
SELECT item, message, created, retry_after_ms FROM chat_send_messages(json_build_array(json_build_object('i', 0, 'room', (SELECT room_id FROM bench_pairs WHERE idx = :pick), 'sender', (SELECT sender_id FROM bench_pairs WHERE idx = :pick), 'content', 'bench message')));
