-- W1-ceiling without the rate-limit check: beside ceiling_send.sql in the same run, the
-- difference is what the per-user limiter (chat_rate_take, issue 15) costs each send.
\set pick random(1, :pairs)
SELECT message FROM chat_send_message((SELECT room_id FROM bench_pairs WHERE idx = :pick), (SELECT sender_id FROM bench_pairs WHERE idx = :pick), 'bench message', NULL, NULL, NULL, NULL);
