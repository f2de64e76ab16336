-- The live definition of chat_directory_page: edit it here; the migrator re-applies this file when it changes.
CREATE OR REPLACE FUNCTION public.chat_directory_page(p_viewer bigint, p_query text, p_limit integer, p_after_kind integer, p_after_key text, p_after_id bigint)
 RETURNS TABLE(kind smallint, sort_key text, user_id bigint, user_json json, direct_conversation_id bigint)
 LANGUAGE plpgsql
 STABLE
AS $function$
DECLARE
    q text COLLATE "C" := chat_fold(p_query);
    upper_bound text COLLATE "C" := chat_fold(p_query) || chr(1114111);
    after_key text COLLATE "C" := coalesce(p_after_key, '');
    found_count int := 0;
BEGIN
    IF p_after_kind <= 1 THEN
        RETURN QUERY
        SELECT k.kind, k.key::text, k.user_id, chat_user_json(u), r.id
        FROM (SELECT d.kind, d.key, d.user_id FROM user_directory_keys d
              WHERE d.kind = 1 AND d.key >= q AND d.key < upper_bound AND d.user_id <> p_viewer
                AND (p_after_kind < 1 OR (d.key, d.user_id) > (after_key, p_after_id))
                AND NOT EXISTS (SELECT 1 FROM user_directory_keys o WHERE o.user_id = d.user_id AND o.kind = 1
                                AND o.key >= q AND o.key < upper_bound AND o.key < d.key)
              ORDER BY d.key, d.user_id LIMIT p_limit) k
        JOIN users u ON u.id = k.user_id
        LEFT JOIN chat_rooms r ON r.direct_user_low = least(p_viewer, k.user_id) AND r.direct_user_high = greatest(p_viewer, k.user_id)
        ORDER BY k.key, k.user_id;
        GET DIAGNOSTICS found_count = ROW_COUNT;
        IF found_count >= p_limit THEN RETURN; END IF;
    END IF;
    RETURN QUERY
    SELECT k.kind, k.key::text, k.user_id, chat_user_json(u), r.id
    FROM (SELECT d.kind, d.key, d.user_id FROM user_directory_keys d
          WHERE d.kind = 2 AND d.key >= q AND d.key < upper_bound AND d.user_id <> p_viewer
            AND (p_after_kind < 2 OR (d.key, d.user_id) > (after_key, p_after_id))
            AND NOT EXISTS (SELECT 1 FROM user_directory_keys o WHERE o.user_id = d.user_id
                            AND o.key >= q AND o.key < upper_bound AND (o.kind, o.key) < (d.kind, d.key))
          ORDER BY d.key, d.user_id LIMIT p_limit - found_count) k
    JOIN users u ON u.id = k.user_id
    LEFT JOIN chat_rooms r ON r.direct_user_low = least(p_viewer, k.user_id) AND r.direct_user_high = greatest(p_viewer, k.user_id)
    ORDER BY k.key, k.user_id;
END
$function$
;
