-- The live definition of chat_rate_take: edit it here; the migrator re-applies this file when it changes.
-- One request of p_user's `p_action`: refills the bucket for the time since its last request
-- (at the user's override rate, else p_per_second, up to the burst) and takes a token if there
-- is one. retry_after_ms says when the next token will be there.
CREATE OR REPLACE FUNCTION public.chat_rate_take(p_user bigint, p_action text, p_per_second double precision, p_burst integer)
 RETURNS TABLE(allowed boolean, remaining integer, retry_after_ms bigint, burst integer, per_second double precision)
 LANGUAGE plpgsql
AS $function$
DECLARE
    rate double precision;
    cap integer;
    at timestamptz := clock_timestamp();
    available double precision;
BEGIN
    SELECT o.per_second, o.burst INTO rate, cap FROM rate_limit_overrides o WHERE o.user_id = p_user AND o.action = p_action;
    IF NOT FOUND THEN
        rate := p_per_second;
        cap := p_burst;
    END IF;
    INSERT INTO rate_limit_buckets AS b (user_id, action, tokens, refreshed_at) VALUES (p_user, p_action, cap, at)
    ON CONFLICT (user_id, action) DO UPDATE
        SET tokens = least(cap, b.tokens + rate * greatest(0, extract(epoch FROM at - b.refreshed_at))), refreshed_at = at
    RETURNING b.tokens INTO available;
    IF available >= 1 THEN
        UPDATE rate_limit_buckets SET tokens = available - 1 WHERE user_id = p_user AND action = p_action;
        RETURN QUERY SELECT true, floor(available - 1)::integer, 0::bigint, cap, rate;
    ELSE
        RETURN QUERY SELECT false, 0, ceil((1 - available) / rate * 1000)::bigint, cap, rate;
    END IF;
END
$function$
;
